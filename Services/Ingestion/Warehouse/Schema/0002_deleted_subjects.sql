-- Whom a privacy deletion removed, and when: SHA-256 hashes of identifier keys ("user_id:…", "phone:+1…"), never the
-- identifiers themselves, kept for a day. An event ingestion accepted before the deletion but that reaches the
-- loader after it (still in flight) is not loaded, so a deletion reported done stays done.
CREATE TABLE deleted_subjects (
    subject_hash bytea       PRIMARY KEY,
    deleted_at   timestamptz NOT NULL
);
