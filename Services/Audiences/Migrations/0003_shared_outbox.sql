-- The outbox moves to the shared layout (outbox_messages, created by Alle.Platform before these scripts run); rows not
-- yet sent move over.
INSERT INTO outbox_messages (message_id, destination, message_type, ordering_key, payload, trace_parent, created_at, next_attempt_at, attempts, last_error)
SELECT message_id,
       CASE kind WHEN 'publish' THEN 'bus' ELSE 'tracking' END,
       CASE kind WHEN 'publish' THEN 'Alle.Contracts.' || message_type ELSE payload->>'type' END,
       'profile:' || profile_id,
       payload::json, trace_parent, created_at, next_attempt_at, attempts, last_error
FROM outbox
WHERE sent_at IS NULL
ORDER BY id
ON CONFLICT (message_id) DO NOTHING;

DROP TABLE outbox;
