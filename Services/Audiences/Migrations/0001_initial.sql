-- Audiences' own copy of what conditions need (traits and events per profile), the definitions, memberships,
-- computed values, reverse ETL state, and the outbox. Conditions compile to SQL over these tables.

CREATE TABLE profiles (
    profile_id  uuid        PRIMARY KEY,
    user_id     text,
    traits      jsonb       NOT NULL DEFAULT '{}',
    -- trait key → time of the update that set the kept value: an older update arriving late does not win
    trait_times jsonb       NOT NULL DEFAULT '{}',
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL
);
CREATE INDEX profiles_by_user_id ON profiles (user_id) WHERE user_id IS NOT NULL;

-- Profiles folded into another: later messages naming them are applied to the survivor.
CREATE TABLE merged_profiles (
    profile_id  uuid        PRIMARY KEY,
    survivor_id uuid        NOT NULL,
    merged_at   timestamptz NOT NULL
);

-- Deleted profiles (ids only): a late or redelivered message never brings a deleted person back.
CREATE TABLE deleted_profiles (
    profile_id    uuid        PRIMARY KEY,
    regulation_id text        NOT NULL,
    deleted_at    timestamptz NOT NULL
);

CREATE TABLE events (
    profile_id uuid        NOT NULL,
    message_id text        NOT NULL,
    name       text        NOT NULL,
    properties jsonb       NOT NULL DEFAULT '{}',
    timestamp  timestamptz NOT NULL,
    PRIMARY KEY (profile_id, message_id)
);
-- Batch conditions scan one event name (and a time range) for all profiles: index-only.
CREATE INDEX events_by_name ON events (name, timestamp) INCLUDE (profile_id);
-- The real-time path reads one profile's events.
CREATE INDEX events_by_profile ON events (profile_id, name, timestamp);

-- Bumped whenever a definition changes, so every replica reloads its cached definitions.
CREATE TABLE catalog_version (
    id      int    PRIMARY KEY CHECK (id = 1),
    version bigint NOT NULL
);
INSERT INTO catalog_version VALUES (1, 0);

CREATE TABLE audiences (
    id                   uuid        PRIMARY KEY,
    key                  text        NOT NULL UNIQUE,
    name                 text        NOT NULL,
    description          text,
    condition            jsonb       NOT NULL,
    -- set when a full computation over all profiles is due (creation, edit, a dependency recomputed)
    compute_requested_at timestamptz,
    computed_at          timestamptz,
    created_at           timestamptz NOT NULL,
    updated_at           timestamptz NOT NULL
);
CREATE INDEX audiences_to_compute ON audiences (compute_requested_at) WHERE compute_requested_at IS NOT NULL;

CREATE TABLE memberships (
    audience_id uuid        NOT NULL REFERENCES audiences ON DELETE CASCADE,
    profile_id  uuid        NOT NULL,
    entered_at  timestamptz NOT NULL,
    PRIMARY KEY (audience_id, profile_id)
);
CREATE INDEX memberships_by_profile ON memberships (profile_id);

-- Entries and exits. After a deletion the person's rows keep their counts but lose the profile id.
CREATE TABLE membership_history (
    id          bigserial   PRIMARY KEY,
    audience_id uuid        NOT NULL REFERENCES audiences ON DELETE CASCADE,
    profile_id  uuid,
    entered     boolean     NOT NULL,
    at          timestamptz NOT NULL,
    reason      text        NOT NULL
);
CREATE INDEX membership_history_by_audience ON membership_history (audience_id, id);
CREATE INDEX membership_history_by_profile ON membership_history (profile_id, id) WHERE profile_id IS NOT NULL;

CREATE TABLE computed_traits (
    id                    uuid        PRIMARY KEY,
    key                   text        NOT NULL UNIQUE,
    name                  text        NOT NULL,
    description           text,
    definition            jsonb       NOT NULL,
    backfill_requested_at timestamptz,
    backfilled_at         timestamptz,
    created_at            timestamptz NOT NULL,
    updated_at            timestamptz NOT NULL
);
CREATE INDEX computed_traits_to_backfill ON computed_traits (backfill_requested_at) WHERE backfill_requested_at IS NOT NULL;

CREATE TABLE computed_values (
    trait_id   uuid        NOT NULL REFERENCES computed_traits ON DELETE CASCADE,
    profile_id uuid        NOT NULL,
    value      jsonb       NOT NULL,
    version    int         NOT NULL,
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (trait_id, profile_id)
);
CREATE INDEX computed_values_by_profile ON computed_values (profile_id);

-- When a profile's time-windowed results can next change without any new event.
CREATE TABLE profile_due (
    profile_id uuid        PRIMARY KEY,
    due_at     timestamptz NOT NULL
);
CREATE INDEX profile_due_by_time ON profile_due (due_at);

-- Messages to publish and Tracking API calls to make, written in the transaction that decided them.
CREATE TABLE outbox (
    id              bigserial   PRIMARY KEY,
    profile_id      uuid,
    kind            text        NOT NULL CHECK (kind IN ('publish', 'track')),
    message_type    text,
    message_id      text        NOT NULL,
    payload         jsonb       NOT NULL,
    created_at      timestamptz NOT NULL,
    next_attempt_at timestamptz NOT NULL,
    attempts        int         NOT NULL DEFAULT 0,
    last_error      text,
    sent_at         timestamptz
);
CREATE INDEX outbox_pending ON outbox (next_attempt_at, id) WHERE sent_at IS NULL;
CREATE INDEX outbox_by_profile ON outbox (profile_id) WHERE profile_id IS NOT NULL;
CREATE INDEX outbox_sent ON outbox (sent_at) WHERE sent_at IS NOT NULL;

CREATE TABLE etl_models (
    id                uuid        PRIMARY KEY,
    key               text        NOT NULL UNIQUE,
    name              text        NOT NULL,
    description       text,
    query             text        NOT NULL,
    identifier_column text        NOT NULL,
    identifier_type   text        NOT NULL CHECK (identifier_type IN ('user_id', 'email', 'phone')),
    -- result column → trait key; empty when the model only feeds an audience
    trait_columns     jsonb       NOT NULL DEFAULT '{}',
    schedule          text,
    timeout_seconds   int         NOT NULL,
    enabled           boolean     NOT NULL DEFAULT true,
    next_run_at       timestamptz,
    created_at        timestamptz NOT NULL,
    updated_at        timestamptz NOT NULL
);
CREATE INDEX etl_models_due ON etl_models (next_run_at) WHERE enabled AND next_run_at IS NOT NULL;

-- The previous result of each model (what was synced), to diff the next run against.
CREATE TABLE etl_model_rows (
    model_id   uuid        NOT NULL REFERENCES etl_models ON DELETE CASCADE,
    identifier text        NOT NULL,
    values     jsonb       NOT NULL,
    synced_at  timestamptz NOT NULL,
    PRIMARY KEY (model_id, identifier)
);
CREATE INDEX etl_model_rows_by_identifier ON etl_model_rows (identifier);

CREATE TABLE etl_runs (
    id          uuid        PRIMARY KEY,
    model_id    uuid        NOT NULL REFERENCES etl_models ON DELETE CASCADE,
    trigger     text        NOT NULL CHECK (trigger IN ('schedule', 'manual')),
    status      text        NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed')),
    queued_at   timestamptz NOT NULL,
    started_at  timestamptz,
    finished_at timestamptz,
    rows_read   int,
    added       int,
    updated     int,
    removed     int,
    failed      int,
    duration_ms bigint,
    error       text,
    problems    jsonb
);
CREATE INDEX etl_runs_by_model ON etl_runs (model_id, queued_at DESC);
CREATE INDEX etl_runs_queued ON etl_runs (queued_at) WHERE status = 'queued';

-- The strict date strings of date conditions (see IsoInstant.cs): a date, or a date and time with an explicit
-- offset; anything else, including impossible dates, is NULL rather than an error. Plain SQL without exception
-- handling, so it stays parallel safe: every cast below only runs on a string already known to be valid.
CREATE FUNCTION audiences_instant(value text) RETURNS timestamptz
LANGUAGE sql STABLE STRICT PARALLEL SAFE AS $$
    SELECT CASE
        WHEN value !~ '^[1-9]\d{3}-\d{2}-\d{2}$'
         AND value !~ '^[1-9]\d{3}-\d{2}-\d{2}[T ]([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,6})?)?(Z|[+-](0\d|1[0-3]):[0-5]\d|[+-]14:00)$' THEN NULL
        WHEN substr(value, 6, 2)::int NOT BETWEEN 1 AND 12 OR substr(value, 9, 2)::int < 1 THEN NULL
        WHEN substr(value, 9, 2)::int > extract(day FROM make_date(substr(value, 1, 4)::int, substr(value, 6, 2)::int, 1) + interval '1 month - 1 day') THEN NULL
        WHEN length(value) = 10 THEN value::date::timestamp AT TIME ZONE 'UTC'
        ELSE value::timestamptz
    END
$$;
