-- One row per person. Absorbed profiles stay as tombstones (merged_into) so a merge can be undone.
CREATE TABLE profiles (
    id                uuid        PRIMARY KEY,
    created_at        timestamptz NOT NULL,
    updated_at        timestamptz NOT NULL,
    -- {"trait": {"value": …, "updated_at": "…", "source_id": "…"}}: the newest timestamp wins per trait.
    traits            jsonb       NOT NULL DEFAULT '{}',
    merged_into       uuid,
    first_message_id  text        NOT NULL,
    first_source_id   text        NOT NULL,
    last_message_id   text        NOT NULL,
    last_source_id    text        NOT NULL
);
CREATE INDEX profiles_merged_into ON profiles (merged_into) WHERE merged_into IS NOT NULL;

-- The identity graph: an identifier belongs to exactly one (surviving) profile.
CREATE TABLE identities (
    type              text        NOT NULL,
    value             text        NOT NULL,
    profile_id        uuid        NOT NULL,
    source_id         text        NOT NULL,
    first_message_id  text        NOT NULL,
    created_at        timestamptz NOT NULL,
    PRIMARY KEY (type, value)
);
CREATE INDEX identities_profile ON identities (profile_id);

-- The timeline. (source_id, message_id) makes a redelivered event a no-op; origin_profile_id is the profile the event
-- first resolved to, so an unmerge can give events back.
CREATE TABLE events (
    seq               bigint      GENERATED ALWAYS AS IDENTITY,
    source_id         text        NOT NULL,
    message_id        text        NOT NULL,
    profile_id        uuid        NOT NULL,
    origin_profile_id uuid        NOT NULL,
    type              text        NOT NULL,
    event             text,
    name              text,
    user_id           text,
    anonymous_id      text,
    group_id          text,
    properties        jsonb,
    traits            jsonb,
    context           jsonb,
    external_ids      jsonb       NOT NULL,
    timestamp         timestamptz NOT NULL,
    received_at       timestamptz NOT NULL,
    PRIMARY KEY (source_id, message_id)
);
CREATE INDEX events_profile_timeline ON events (profile_id, timestamp DESC, seq DESC);

-- Accounts (group calls) a person is linked to.
CREATE TABLE links (
    origin_profile_id uuid        NOT NULL,
    group_id          text        NOT NULL,
    profile_id        uuid        NOT NULL,
    source_id         text        NOT NULL,
    created_at        timestamptz NOT NULL,
    PRIMARY KEY (origin_profile_id, group_id)
);
CREATE INDEX links_profile ON links (profile_id);

-- Why profiles were merged, so a wrong merge can be explained and undone.
CREATE TABLE merges (
    id                   uuid        PRIMARY KEY,
    survivor_id          uuid        NOT NULL,
    absorbed_id          uuid        NOT NULL,
    trigger_source_id    text        NOT NULL,
    trigger_message_id   text        NOT NULL,
    trigger_type         text        NOT NULL,
    matched_identifiers  jsonb       NOT NULL,
    absorbed_identifiers jsonb       NOT NULL,
    merged_at            timestamptz NOT NULL,
    unmerged_at          timestamptz
);
CREATE INDEX merges_survivor ON merges (survivor_id);
CREATE INDEX merges_absorbed ON merges (absorbed_id);

-- Pairs an operator split apart: never merged again automatically (profile_a < profile_b).
CREATE TABLE merge_blocks (
    profile_a  uuid        NOT NULL,
    profile_b  uuid        NOT NULL,
    merge_id   uuid        NOT NULL,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (profile_a, profile_b)
);
CREATE INDEX merge_blocks_b ON merge_blocks (profile_b);

-- Merge protection: identifiers of an event left out of the match because a rule would have been broken.
CREATE TABLE identity_decisions (
    id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    profile_id  uuid        NOT NULL,
    source_id   text        NOT NULL,
    message_id  text        NOT NULL,
    dropped     jsonb       NOT NULL,
    decided_at  timestamptz NOT NULL
);
CREATE INDEX identity_decisions_profile ON identity_decisions (profile_id);

-- Integration events written in the same transaction as the state they describe; the relay publishes and deletes them.
CREATE TABLE outbox (
    id           bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    message_type text        NOT NULL,
    payload      json        NOT NULL,
    profile_ids  uuid[]      NOT NULL,
    created_at   timestamptz NOT NULL
);

-- Identifiers whose events are dropped; subject_* is the regulation subject that caused the suppression (UNSUPPRESS
-- lifts everything suppressed for that subject).
CREATE TABLE suppressions (
    type          text        NOT NULL,
    value         text        NOT NULL,
    subject_type  text        NOT NULL,
    subject_value text        NOT NULL,
    regulation_id text        NOT NULL,
    suppressed_at timestamptz NOT NULL,
    PRIMARY KEY (type, value)
);
CREATE INDEX suppressions_subject ON suppressions (subject_type, subject_value);

CREATE TABLE regulations (
    id               text        PRIMARY KEY,
    regulation_type  text        NOT NULL,
    subject_type     text        NOT NULL,
    -- Cleared once processed: a deletion request must not keep the identifiers it deleted.
    subject_ids      text[]      NOT NULL,
    subject_count    integer     NOT NULL,
    next_subject     integer     NOT NULL DEFAULT 0,
    status           text        NOT NULL,
    processing_done  boolean     NOT NULL DEFAULT false,
    lease_until      timestamptz,
    error            text,
    created_at       timestamptz NOT NULL,
    started_at       timestamptz,
    finished_at      timestamptz
);
CREATE INDEX regulations_open ON regulations (created_at) WHERE status IN ('INITIALIZED', 'RUNNING');

-- One row per person a regulation deleted here; every privacy service reports back per row.
CREATE TABLE regulation_deletions (
    regulation_id    text        NOT NULL,
    profile_id       uuid        NOT NULL,
    identifier_count integer     NOT NULL,
    rows_deleted     bigint      NOT NULL,
    deleted_at       timestamptz NOT NULL,
    PRIMARY KEY (regulation_id, profile_id)
);

CREATE TABLE regulation_progress (
    regulation_id text        NOT NULL,
    profile_id    uuid        NOT NULL,
    service       text        NOT NULL,
    rows_deleted  bigint      NOT NULL,
    reported_at   timestamptz NOT NULL,
    PRIMARY KEY (regulation_id, profile_id, service)
);
