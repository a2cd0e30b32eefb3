-- Segment's warehouse layout: one table per call type plus users with the latest traits. The properties, traits and
-- the whole context stay as jsonb; the context fields analysts filter on most are also columns, named as Segment names
-- them (context_page_path, context_library_name, ...). subject_identifiers holds the normalised phone numbers and
-- e-mails an event carries ('phone:+15555550100', 'email:a@b.c') so a person's rows can be found and deleted.
CREATE TABLE tracks (
    id                      text        NOT NULL,
    source_id               text        NOT NULL,
    anonymous_id            text,
    user_id                 text,
    event                   text        NOT NULL,
    event_text              text        NOT NULL,
    properties              jsonb       NOT NULL,
    context                 jsonb       NOT NULL,
    context_ip              text,
    context_library_name    text,
    context_library_version text,
    context_page_path       text,
    context_page_url        text,
    context_page_referrer   text,
    context_page_title      text,
    context_user_agent      text,
    context_locale          text,
    context_app_name        text,
    context_app_version     text,
    context_device_type     text,
    context_os_name         text,
    subject_identifiers     text[]      NOT NULL DEFAULT '{}',
    timestamp               timestamptz NOT NULL,
    original_timestamp      timestamptz,
    sent_at                 timestamptz,
    received_at             timestamptz NOT NULL,
    uuid_ts                 timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (id, source_id)
);

CREATE TABLE identifies (LIKE tracks INCLUDING DEFAULTS INCLUDING CONSTRAINTS);
ALTER TABLE identifies DROP COLUMN event, DROP COLUMN event_text, DROP COLUMN properties, ADD COLUMN traits jsonb NOT NULL, ADD PRIMARY KEY (id, source_id);

CREATE TABLE pages (LIKE tracks INCLUDING DEFAULTS INCLUDING CONSTRAINTS);
ALTER TABLE pages DROP COLUMN event, DROP COLUMN event_text,
    ADD COLUMN name text, ADD COLUMN category text, ADD COLUMN path text, ADD COLUMN referrer text, ADD COLUMN search text,
    ADD COLUMN title text, ADD COLUMN url text, ADD PRIMARY KEY (id, source_id);

CREATE TABLE screens (LIKE tracks INCLUDING DEFAULTS INCLUDING CONSTRAINTS);
ALTER TABLE screens DROP COLUMN event, DROP COLUMN event_text, ADD COLUMN name text, ADD COLUMN category text, ADD PRIMARY KEY (id, source_id);

CREATE TABLE groups (LIKE tracks INCLUDING DEFAULTS INCLUDING CONSTRAINTS);
ALTER TABLE groups DROP COLUMN event, DROP COLUMN event_text, DROP COLUMN properties,
    ADD COLUMN group_id text NOT NULL, ADD COLUMN traits jsonb NOT NULL, ADD PRIMARY KEY (id, source_id);

CREATE TABLE aliases (LIKE tracks INCLUDING DEFAULTS INCLUDING CONSTRAINTS);
ALTER TABLE aliases DROP COLUMN event, DROP COLUMN event_text, DROP COLUMN properties,
    ADD COLUMN previous_id text NOT NULL, ADD PRIMARY KEY (id, source_id);

-- The latest traits per user, merged from identify calls in timestamp order.
CREATE TABLE users (
    id                  text        PRIMARY KEY,
    traits              jsonb       NOT NULL,
    subject_identifiers text[]      NOT NULL DEFAULT '{}',
    timestamp           timestamptz NOT NULL,
    received_at         timestamptz NOT NULL,
    uuid_ts             timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX tracks_user_id ON tracks (user_id);
CREATE INDEX tracks_anonymous_id ON tracks (anonymous_id);
CREATE INDEX tracks_event_timestamp ON tracks (event, timestamp);
CREATE INDEX identifies_user_id ON identifies (user_id);
CREATE INDEX identifies_anonymous_id ON identifies (anonymous_id);
CREATE INDEX pages_user_id ON pages (user_id);
CREATE INDEX pages_anonymous_id ON pages (anonymous_id);
CREATE INDEX screens_user_id ON screens (user_id);
CREATE INDEX screens_anonymous_id ON screens (anonymous_id);
CREATE INDEX groups_user_id ON groups (user_id);
CREATE INDEX aliases_user_id ON aliases (user_id);
CREATE INDEX aliases_previous_id ON aliases (previous_id);
CREATE INDEX tracks_subject_identifiers ON tracks USING gin (subject_identifiers);
CREATE INDEX identifies_subject_identifiers ON identifies USING gin (subject_identifiers);
CREATE INDEX users_subject_identifiers ON users USING gin (subject_identifiers);

-- Deletions done for a privacy regulation, so a redelivered ProfileDeleted reports the same row count.
CREATE TABLE privacy_deletions (
    regulation_id text        NOT NULL,
    profile_id    uuid        NOT NULL,
    rows_deleted  bigint      NOT NULL,
    deleted_at    timestamptz NOT NULL,
    PRIMARY KEY (regulation_id, profile_id)
);
