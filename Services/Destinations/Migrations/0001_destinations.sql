-- Destinations, what feeds them (sources, audience and computed-trait syncs) and how they are reached (mappings).
CREATE TABLE destinations (
    id uuid PRIMARY KEY,
    name text NOT NULL,
    type text NOT NULL CHECK (type IN ('webhook', 'http')),
    enabled boolean NOT NULL DEFAULT true,
    settings jsonb NOT NULL,
    -- Signs every request (HMAC); shown in full only when created or rotated.
    secret text NOT NULL,
    consent_categories text[] NOT NULL DEFAULT '{}',
    filters jsonb NOT NULL DEFAULT '[]',
    ordered boolean NOT NULL DEFAULT false,
    concurrency integer NOT NULL,
    rate_limit_per_second integer,
    retry_window_seconds integer NOT NULL,
    timeout_ms integer NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);

CREATE TABLE destination_sources (
    destination_id uuid NOT NULL REFERENCES destinations ON DELETE CASCADE,
    source_id text NOT NULL,
    connected_at timestamptz NOT NULL,
    PRIMARY KEY (destination_id, source_id)
);

CREATE TABLE mappings (
    id uuid PRIMARY KEY,
    destination_id uuid NOT NULL REFERENCES destinations ON DELETE CASCADE,
    name text NOT NULL,
    enabled boolean NOT NULL DEFAULT true,
    trigger jsonb NOT NULL,
    request jsonb NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);
CREATE INDEX mappings_destination ON mappings (destination_id, created_at);

CREATE TABLE syncs (
    id uuid PRIMARY KEY,
    destination_id uuid NOT NULL REFERENCES destinations ON DELETE CASCADE,
    kind text NOT NULL CHECK (kind IN ('audience', 'computed_trait')),
    key text NOT NULL,
    name text NOT NULL,
    source_definition_id uuid NOT NULL,
    send_identify boolean NOT NULL,
    send_track boolean NOT NULL,
    -- The backfill of current members: paged by profile id, resumable from its cursor after a crash (lease).
    backfill_status text NOT NULL CHECK (backfill_status IN ('pending', 'running', 'done', 'failed')),
    backfill_generation integer NOT NULL DEFAULT 1,
    backfill_cursor uuid,
    backfill_sent bigint NOT NULL DEFAULT 0,
    backfill_error text,
    backfill_lease_until timestamptz,
    backfill_started_at timestamptz,
    backfill_finished_at timestamptz,
    created_at timestamptz NOT NULL,
    UNIQUE (destination_id, kind, key)
);

-- What a sync last told the destination about a person, so a late or repeated change is not sent twice.
CREATE TABLE sync_members (
    sync_id uuid NOT NULL REFERENCES syncs ON DELETE CASCADE,
    profile_id uuid NOT NULL,
    user_id text,
    member boolean NOT NULL,
    changed_at timestamptz NOT NULL,
    PRIMARY KEY (sync_id, profile_id)
);
CREATE INDEX sync_members_user ON sync_members (user_id);

-- Bumped by every change to the tables above: each instance reloads its catalog when the number moves.
CREATE TABLE catalog_version (
    id integer PRIMARY KEY CHECK (id = 1),
    version bigint NOT NULL
);
INSERT INTO catalog_version VALUES (1, 1);

-- The durable queue and the deduplication record: one row per (destination, event[, mapping]). Rows that were never to
-- be sent (filtered, consent-blocked, suppressed) are kept too, so a redelivered event is recognised and counted once.
CREATE TABLE deliveries (
    id bigserial PRIMARY KEY,
    destination_id uuid NOT NULL REFERENCES destinations ON DELETE CASCADE,
    delivery_key text NOT NULL,
    message_id text NOT NULL,
    mapping_id uuid,
    ordering_key text,
    status text NOT NULL CHECK (status IN ('pending', 'delivered', 'failed', 'dead', 'filtered', 'consent_blocked', 'suppressed')),
    reason text,
    -- The Segment event as it will be sent (json keeps the members' order); cleared once delivered.
    payload json,
    -- SHA-256 of the person's identifiers (Privacy/SubjectHashes), to find her rows on deletion or suppression.
    subjects text[] NOT NULL DEFAULT '{}',
    attempts integer NOT NULL DEFAULT 0,
    received_at timestamptz NOT NULL,
    -- Start of the retry window (the first enqueue, or a replay).
    enqueued_at timestamptz NOT NULL,
    next_attempt_at timestamptz NOT NULL,
    finished_at timestamptz,
    last_status_code integer,
    last_error text,
    UNIQUE (destination_id, delivery_key)
);
CREATE INDEX deliveries_due ON deliveries (destination_id, next_attempt_at, id) WHERE status = 'pending';
CREATE INDEX deliveries_person ON deliveries (destination_id, ordering_key, id) WHERE status = 'pending';
CREATE INDEX deliveries_dead_letters ON deliveries (destination_id, id DESC) WHERE status IN ('dead', 'failed');
CREATE INDEX deliveries_finished ON deliveries (finished_at) WHERE finished_at IS NOT NULL;

-- The delivery log: every attempt, with a truncated response body.
CREATE TABLE delivery_attempts (
    id bigserial PRIMARY KEY,
    destination_id uuid NOT NULL,
    delivery_id bigint NOT NULL REFERENCES deliveries ON DELETE CASCADE,
    message_id text NOT NULL,
    attempt integer NOT NULL,
    outcome text NOT NULL,
    status_code integer,
    latency_ms integer NOT NULL,
    response_body text,
    error text,
    attempted_at timestamptz NOT NULL
);
CREATE INDEX delivery_attempts_recent ON delivery_attempts (destination_id, id DESC);
CREATE INDEX delivery_attempts_delivery ON delivery_attempts (delivery_id);
CREATE INDEX delivery_attempts_time ON delivery_attempts (attempted_at);

CREATE TABLE delivery_counts (
    destination_id uuid NOT NULL,
    hour timestamptz NOT NULL,
    delivered bigint NOT NULL DEFAULT 0,
    retried bigint NOT NULL DEFAULT 0,
    failed bigint NOT NULL DEFAULT 0,
    dead_lettered bigint NOT NULL DEFAULT 0,
    filtered bigint NOT NULL DEFAULT 0,
    consent_blocked bigint NOT NULL DEFAULT 0,
    suppressed bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (destination_id, hour)
);

-- A person's latest consent (Segment's context.consent.categoryPreferences), keyed by a hash of her user or anonymous id.
CREATE TABLE consent_preferences (
    subject text PRIMARY KEY,
    categories jsonb NOT NULL,
    updated_at timestamptz NOT NULL
);

-- Hashes only: the lists that keep suppressed and deleted people's events from being delivered.
-- A subject's latest suppression state (kept after an unsuppression, so an older message redelivered cannot undo it).
CREATE TABLE suppressed_subjects (
    subject text PRIMARY KEY,
    suppressed boolean NOT NULL,
    changed_at timestamptz NOT NULL
);
CREATE TABLE deleted_subjects (
    subject text PRIMARY KEY,
    deleted_at timestamptz NOT NULL
);

-- What each deletion request removed here, so a redelivered request reports the same figure.
CREATE TABLE privacy_deletions (
    regulation_id text NOT NULL,
    profile_id uuid NOT NULL,
    rows_deleted bigint NOT NULL,
    deleted_at timestamptz NOT NULL,
    PRIMARY KEY (regulation_id, profile_id)
);
