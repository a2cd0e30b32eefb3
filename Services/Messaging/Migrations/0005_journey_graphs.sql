-- Journeys become versioned graphs of steps (wait, wait_for, split, random_split, issue_coupon, send_sms, track, exit).
-- Entries remember the version and the step they are at, wait for a member who cannot be texted yet, follow the person
-- through merges (origin_profile_id is the evidence an unmerge splits them back by), and record each step they took.

ALTER TABLE journeys DROP CONSTRAINT journeys_status_check;
ALTER TABLE journeys ADD CONSTRAINT journeys_status_check CHECK (status IN ('active', 'paused', 'archived'));
ALTER TABLE journeys
    ADD COLUMN version           int     NOT NULL DEFAULT 1,
    ADD COLUMN enrolment_pending boolean NOT NULL DEFAULT false,
    ADD COLUMN enrolment_after   uuid;

ALTER TABLE journey_entries RENAME COLUMN send_at TO due_at;
ALTER TABLE journey_entries
    ADD COLUMN journey_version   int NOT NULL DEFAULT 1,
    ADD COLUMN step_id           text,
    ADD COLUMN step_at           timestamptz,
    ADD COLUMN origin_profile_id uuid,
    ADD COLUMN wait_event        text,
    ADD COLUMN waited_event      jsonb,
    ADD COLUMN contact_since     timestamptz,
    ADD COLUMN coupon            jsonb,
    ADD COLUMN path              text,
    ADD COLUMN converted_at      timestamptz,
    ADD COLUMN goal_event        jsonb,
    ADD COLUMN finished_at       timestamptz;
UPDATE journey_entries SET origin_profile_id = profile_id;

-- Entries of today's single-step journeys still waiting have waited out their delay: they resume at the coupon or the text.
UPDATE journey_entries e
SET step_id = CASE WHEN jsonb_typeof(j.definition->'coupon') = 'object' THEN 'coupon' ELSE 'text' END, step_at = e.due_at
FROM journeys j
WHERE j.id = e.journey_id AND e.status = 'waiting' AND NOT j.definition ? 'steps';
UPDATE journey_entries SET status = 'completed', step_id = 'text', finished_at = updated_at WHERE status = 'messaged';
UPDATE journey_entries SET finished_at = updated_at WHERE status IN ('exited', 'skipped', 'failed');

-- Today's single-step journeys as graphs: [wait] → [issue_coupon] → send_sms (as LegacyJourney.ToDefinition does).
UPDATE journeys SET definition = jsonb_strip_nulls(jsonb_build_object(
    'name', definition->'name',
    'trigger', definition->'trigger',
    'entryPolicy', definition->'entryPolicy',
    'category', COALESCE(definition->'category', '"marketing"'::jsonb),
    'steps',
        CASE WHEN COALESCE((definition->>'delaySeconds')::int, 0) > 0
             THEN jsonb_build_array(jsonb_build_object('id', 'wait', 'type', 'wait', 'duration', (definition->>'delaySeconds') || 's'))
             ELSE '[]'::jsonb END
     || CASE WHEN jsonb_typeof(definition->'coupon') = 'object'
             THEN jsonb_build_array(jsonb_build_object('id', 'coupon', 'type', 'issue_coupon') || (definition->'coupon'))
             ELSE '[]'::jsonb END
     || jsonb_build_array(jsonb_build_object('id', 'text', 'type', 'send_sms', 'template', definition->'template'))))
WHERE NOT definition ? 'steps';

-- Every version a journey had; entries run on the version they entered.
CREATE TABLE journey_versions (
    journey_id uuid        NOT NULL REFERENCES journeys (id) ON DELETE CASCADE,
    version    int         NOT NULL,
    definition jsonb       NOT NULL,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (journey_id, version)
);
INSERT INTO journey_versions (journey_id, version, definition, created_at) SELECT id, 1, definition, created_at FROM journeys;

-- Each step an entry reached, how it left it (next, yes/no, a path's name, event/timeout, skipped…) and why.
CREATE TABLE journey_step_log (
    entry_id     uuid        NOT NULL REFERENCES journey_entries (id) ON DELETE CASCADE,
    step_id      text        NOT NULL,
    step_type    text        NOT NULL,
    seq          int         NOT NULL,
    arrived_at   timestamptz NOT NULL,
    completed_at timestamptz,
    outcome      text,
    reason       text,
    detail       jsonb,
    message_id   uuid,
    PRIMARY KEY (entry_id, step_id)
);
INSERT INTO journey_step_log (entry_id, step_id, step_type, seq, arrived_at, completed_at, outcome, message_id)
SELECT id, 'text', 'send_sms', 1, updated_at, updated_at, 'sent', message_id FROM journey_entries WHERE status = 'completed' AND message_id IS NOT NULL;

-- What Messaging learned of profiles from Profiles' messages: the user id, and the survivor of a merge.
CREATE TABLE profile_links (
    profile_id  uuid        PRIMARY KEY,
    user_id     text,
    survivor_id uuid,
    updated_at  timestamptz NOT NULL
);
CREATE INDEX profile_links_user ON profile_links (user_id) WHERE user_id IS NOT NULL;
CREATE INDEX profile_links_survivor ON profile_links (survivor_id) WHERE survivor_id IS NOT NULL;

DROP INDEX journey_entries_due;
CREATE INDEX journey_entries_due ON journey_entries (due_at) WHERE status IN ('waiting', 'waiting_event', 'waiting_contact');
CREATE INDEX journey_entries_wait_event ON journey_entries (wait_event, profile_id) WHERE status = 'waiting_event';
CREATE INDEX journey_entries_wait_event_user ON journey_entries (wait_event, user_id) WHERE status = 'waiting_event';
CREATE INDEX journey_entries_contact_profile ON journey_entries (profile_id) WHERE status = 'waiting_contact';
CREATE INDEX journey_entries_contact_user ON journey_entries (user_id) WHERE status = 'waiting_contact';
CREATE INDEX journey_entries_origin ON journey_entries (origin_profile_id);
