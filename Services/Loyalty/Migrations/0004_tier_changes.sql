-- Tier history, for the member's own record (the "Tier Changed" facts leave with the outbox after a week).
CREATE TABLE tier_changes (
    id              bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    member_id       text        NOT NULL REFERENCES members ON DELETE CASCADE,
    previous_tier   text        NOT NULL,
    tier            text        NOT NULL,
    points_12mo     integer     NOT NULL,
    reason          text        NOT NULL,
    changed_at      timestamptz NOT NULL
);
CREATE INDEX tier_changes_member ON tier_changes (member_id, changed_at DESC);
