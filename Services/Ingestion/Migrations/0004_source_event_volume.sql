-- Events accepted per source and hour, counted in the request's transaction so the console never scans the warehouse.
-- Each request adds to one of a few shards of its hour, chosen at random, so concurrent requests of one source seldom
-- wait on the same row lock; readers add the shards up. The latest event seen rides along in the same row.
CREATE TABLE source_event_volume (
    source_id        text        NOT NULL,
    hour             timestamptz NOT NULL,
    shard            smallint    NOT NULL,
    events           bigint      NOT NULL,
    last_received_at timestamptz NOT NULL,
    last_type        text        NOT NULL,
    last_event       text,
    PRIMARY KEY (source_id, hour, shard)
);
CREATE INDEX source_event_volume_latest ON source_event_volume (source_id, last_received_at DESC);
