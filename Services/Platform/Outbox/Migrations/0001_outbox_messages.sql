-- The one outbox layout every service shares (Alle.Platform.Outbox): a row is written in the transaction of the change
-- it reports, marked sent once delivered and deleted after the service's retention. Rows are never abandoned: a failed
-- delivery only moves next_attempt_at.
CREATE TABLE outbox_messages (
    id              bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- Chosen by the writer from the fact's natural key where it has one: a fact written twice is kept once (while its row
    -- is kept), and every resend carries the same id, by which consumers and ingestion deduplicate.
    message_id      text        NOT NULL UNIQUE,
    destination     text        NOT NULL CHECK (destination IN ('bus', 'tracking')),
    -- bus: the contract's full type name; tracking: the call's type (track, identify, page).
    message_type    text        NOT NULL,
    -- Rows sharing a key (a profile, a member, a message) are delivered to their destination in id order: a failing row
    -- holds back its successors for that destination. It also names whose fact a row is, so a deletion can forget it.
    ordering_key    text,
    payload         json        NOT NULL,
    trace_parent    text,
    created_at      timestamptz NOT NULL,
    next_attempt_at timestamptz NOT NULL,
    attempts        integer     NOT NULL DEFAULT 0,
    last_error      text,
    sent_at         timestamptz
);
CREATE INDEX outbox_messages_pending ON outbox_messages (id) WHERE sent_at IS NULL;
CREATE INDEX outbox_messages_failing ON outbox_messages (ordering_key, destination, id) WHERE sent_at IS NULL AND attempts > 0;
CREATE INDEX outbox_messages_by_key ON outbox_messages (ordering_key) WHERE ordering_key IS NOT NULL;
CREATE INDEX outbox_messages_sent ON outbox_messages (sent_at) WHERE sent_at IS NOT NULL;
