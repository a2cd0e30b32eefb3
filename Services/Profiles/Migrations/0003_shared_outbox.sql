-- The outbox moves to the shared layout (outbox_messages, created by Alle.Platform before these scripts run); rows not
-- yet published move over.
INSERT INTO outbox_messages (message_id, destination, message_type, ordering_key, payload, trace_parent, created_at, next_attempt_at)
SELECT 'profiles-outbox-' || id, 'bus', 'Alle.Contracts.' || message_type, 'profile:' || profile_ids[1], payload, trace_parent, created_at, now()
FROM outbox
ORDER BY id;

DROP TABLE outbox;
