-- Sources: one per app that sends events; write keys are kept only as SHA-256 hashes.
CREATE TABLE sources (
    id                    text        PRIMARY KEY,
    name                  text        NOT NULL,
    write_key_hash        bytea       NOT NULL UNIQUE,
    write_key_hint        text        NOT NULL,
    enabled               boolean     NOT NULL DEFAULT true,
    rate_limit_per_second integer,
    seed_key_hash         bytea,
    created_at            timestamptz NOT NULL,
    updated_at            timestamptz NOT NULL,
    key_rotated_at        timestamptz
);

-- Every (source, messageId) accepted once: a client retry finds its events already here.
CREATE TABLE received_messages (
    source_id   text        NOT NULL,
    message_id  text        NOT NULL,
    received_at timestamptz NOT NULL,
    PRIMARY KEY (source_id, message_id)
);
CREATE INDEX received_messages_received_at ON received_messages (received_at);

-- Outbox: one row per accepted request, written in the request's transaction, deleted once published.
CREATE TABLE outbox (
    batch_id   uuid        PRIMARY KEY,
    source_id  text        NOT NULL,
    payload    bytea       NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX outbox_created_at ON outbox (created_at);

-- Events not forwarded (invalid, suppressed, blocked by a tracking plan), with the reason.
CREATE TABLE rejected_events (
    id           bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    source_id    text        NOT NULL,
    message_id   text,
    type         text,
    event        text,
    reason       text        NOT NULL,
    user_id      text,
    anonymous_id text,
    payload      jsonb,
    received_at  timestamptz NOT NULL
);
CREATE INDEX rejected_events_source ON rejected_events (source_id, received_at DESC);

-- Identifiers whose events are dropped at ingestion (SubjectsSuppressed), e.g. ('phone', '+15555550100').
CREATE TABLE suppressed_identifiers (
    type           text        NOT NULL,
    value          text        NOT NULL,
    regulation_id  text        NOT NULL,
    suppressed_at  timestamptz NOT NULL,
    PRIMARY KEY (type, value)
);
CREATE TABLE suppression_version (
    id      boolean PRIMARY KEY DEFAULT true CHECK (id),
    version bigint  NOT NULL
);
INSERT INTO suppression_version (version) VALUES (0);

-- Tracking plans (Protocols): one per source, the document as saved.
CREATE TABLE tracking_plans (
    source_id  text        PRIMARY KEY REFERENCES sources (id),
    plan       jsonb       NOT NULL,
    updated_at timestamptz NOT NULL
);

-- Each violation of a tracking plan, for counts and examples per source and event.
CREATE TABLE plan_violations (
    id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    source_id   text        NOT NULL,
    event_key   text        NOT NULL,
    message_id  text        NOT NULL,
    kind        text        NOT NULL,
    errors      jsonb       NOT NULL,
    action      text        NOT NULL,
    user_id     text,
    anonymous_id text,
    payload     jsonb,
    received_at timestamptz NOT NULL
);
CREATE INDEX plan_violations_source ON plan_violations (source_id, event_key, received_at DESC);
