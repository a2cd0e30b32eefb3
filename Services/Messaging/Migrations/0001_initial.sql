-- Every SMS: an intent recorded (unique idempotency key) before the provider is called.
CREATE TABLE messages (
    id               uuid        PRIMARY KEY,
    idempotency_key  text        NOT NULL UNIQUE,
    to_phone         text        NOT NULL,
    user_id          text,
    category         text        NOT NULL CHECK (category IN ('transactional', 'marketing')),
    body             text        NOT NULL,
    encoding         text        NOT NULL,
    segments         int         NOT NULL,
    status           text        NOT NULL,
    skip_reason      text,
    not_before       timestamptz NOT NULL,
    provider_sid     text        UNIQUE,
    error_code       int,
    error_message    text,
    journey_id       uuid,
    journey_entry_id uuid,
    purpose          text        NOT NULL DEFAULT 'message',
    attempts         int         NOT NULL DEFAULT 0,
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL
);
CREATE INDEX messages_due ON messages (not_before) WHERE status IN ('pending', 'deferred');
CREATE INDEX messages_sending ON messages (updated_at) WHERE status = 'sending';
CREATE INDEX messages_user ON messages (user_id, created_at DESC);
CREATE INDEX messages_phone ON messages (to_phone, created_at DESC);
CREATE INDEX messages_journey ON messages (journey_id, created_at DESC);
CREATE INDEX messages_status ON messages (status, created_at DESC);

-- Status history of each message; a repeated callback adds nothing.
CREATE TABLE message_events (
    message_id  uuid        NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    status      text        NOT NULL,
    error_code  int,
    detail      text,
    at          timestamptz NOT NULL,
    PRIMARY KEY (message_id, status)
);

-- Subscription state per phone and category, and its full audit trail.
CREATE TABLE consents (
    phone       text        NOT NULL,
    category    text        NOT NULL CHECK (category IN ('transactional', 'marketing')),
    subscribed  boolean     NOT NULL,
    source      text        NOT NULL,
    evidence    text,
    changed_at  timestamptz NOT NULL,
    PRIMARY KEY (phone, category)
);

CREATE TABLE consent_audit (
    id          bigserial   PRIMARY KEY,
    phone       text        NOT NULL,
    category    text        NOT NULL,
    subscribed  boolean     NOT NULL,
    source      text        NOT NULL,
    evidence    text,
    at          timestamptz NOT NULL,
    dedupe_key  text        UNIQUE
);
CREATE INDEX consent_audit_phone ON consent_audit (phone, at DESC);

-- Opt-outs of deleted people, kept only as a keyed hash of the number so they are never texted again.
CREATE TABLE suppressions (
    phone_hash      text        PRIMARY KEY,
    regulation_id   text        NOT NULL,
    created_at      timestamptz NOT NULL
);

-- Members' phones as loyalty enrolled them (member id = profile userId).
CREATE TABLE members (
    member_id   text        PRIMARY KEY,
    phone       text        NOT NULL,
    enrolled_at timestamptz NOT NULL
);
CREATE INDEX members_phone ON members (phone);

-- One-time codes: only a salted hash of the code is kept.
CREATE TABLE verifications (
    id          uuid        PRIMARY KEY,
    phone       text        NOT NULL,
    code_hash   bytea       NOT NULL,
    status      text        NOT NULL,
    checks      int         NOT NULL DEFAULT 0,
    created_at  timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL
);
CREATE INDEX verifications_phone ON verifications (phone, created_at DESC);

-- Marketing sends counted by the frequency cap (the durable record behind the Redis counters).
CREATE TABLE marketing_sends (
    message_id  uuid        PRIMARY KEY,
    member_key  text        NOT NULL,
    sent_at     timestamptz NOT NULL
);
CREATE INDEX marketing_sends_member ON marketing_sends (member_key, sent_at DESC);

-- Inbound messages, once each (Twilio may deliver a webhook more than once).
CREATE TABLE inbound_messages (
    message_sid text        PRIMARY KEY,
    from_phone  text        NOT NULL,
    to_phone    text        NOT NULL,
    body        text        NOT NULL,
    keyword     text,
    user_id     text,
    received_at timestamptz NOT NULL
);
CREATE INDEX inbound_messages_from ON inbound_messages (from_phone);

CREATE TABLE journeys (
    id                    uuid        PRIMARY KEY,
    name                  text        NOT NULL,
    status                text        NOT NULL CHECK (status IN ('active', 'paused')),
    definition            jsonb       NOT NULL,
    created_at            timestamptz NOT NULL,
    updated_at            timestamptz NOT NULL
);

CREATE TABLE journey_entries (
    id                 uuid        PRIMARY KEY,
    journey_id         uuid        NOT NULL REFERENCES journeys (id) ON DELETE CASCADE,
    member_key         text        NOT NULL,
    profile_id         uuid,
    user_id            text,
    trigger_key        text        NOT NULL,
    trigger_properties jsonb,
    status             text        NOT NULL,
    skip_reason        text,
    attempts           int         NOT NULL DEFAULT 0,
    entered_at         timestamptz NOT NULL,
    send_at            timestamptz NOT NULL,
    message_id         uuid,
    coupon_code        text,
    updated_at         timestamptz NOT NULL,
    UNIQUE (journey_id, trigger_key)
);
CREATE INDEX journey_entries_due ON journey_entries (send_at) WHERE status = 'waiting';
CREATE INDEX journey_entries_member ON journey_entries (journey_id, member_key, entered_at DESC);
CREATE INDEX journey_entries_profile ON journey_entries (profile_id);
CREATE INDEX journey_entries_user ON journey_entries (user_id);

-- Latest known audience membership, so a member who left before the send is exited (events may arrive out of order).
CREATE TABLE audience_memberships (
    audience_key  text        NOT NULL,
    profile_id    uuid        NOT NULL,
    is_member     boolean     NOT NULL,
    changed_at    timestamptz NOT NULL,
    PRIMARY KEY (audience_key, profile_id)
);

-- Integration events and tracking calls written in the same transaction as the state they describe.
CREATE TABLE outbox (
    id           uuid        PRIMARY KEY,
    kind         text        NOT NULL,
    payload      jsonb       NOT NULL,
    created_at   timestamptz NOT NULL,
    published_at timestamptz,
    attempts     int         NOT NULL DEFAULT 0
);
CREATE INDEX outbox_pending ON outbox (created_at) WHERE published_at IS NULL;

-- Deletion requests already handled, so a redelivered ProfileDeleted reports the same figures.
CREATE TABLE privacy_deletions (
    regulation_id text        NOT NULL,
    profile_id    uuid        NOT NULL,
    rows_deleted  bigint      NOT NULL,
    deleted_at    timestamptz NOT NULL,
    PRIMARY KEY (regulation_id, profile_id)
);
