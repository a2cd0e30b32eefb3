-- The event schema per source: events seen (track events by name; page, screen, identify and group by type, event ''),
-- their properties' JSON types, counts and first/last seen. Upserted by the schema flusher every few seconds.
CREATE TABLE event_schema_events (
    source_id          text        NOT NULL,
    type               text        NOT NULL,
    event              text        NOT NULL,
    count              bigint      NOT NULL,
    first_seen         timestamptz NOT NULL,
    last_seen          timestamptz NOT NULL,
    properties_dropped bigint      NOT NULL DEFAULT 0,
    PRIMARY KEY (source_id, type, event)
);

CREATE TABLE event_schema_properties (
    source_id  text        NOT NULL,
    type       text        NOT NULL,
    event      text        NOT NULL,
    property   text        NOT NULL,
    types      text[]      NOT NULL,
    count      bigint      NOT NULL,
    first_seen timestamptz NOT NULL,
    last_seen  timestamptz NOT NULL,
    PRIMARY KEY (source_id, type, event, property)
);

-- Calls whose event did not fit the source's limit of distinct events.
CREATE TABLE event_schema_sources (
    source_id      text   PRIMARY KEY,
    events_dropped bigint NOT NULL DEFAULT 0
);
