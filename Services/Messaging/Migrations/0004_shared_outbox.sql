-- The outbox moves to the shared layout (outbox_messages, created by Alle.Platform before these scripts run). Rows not
-- yet published move over, including those the old relay had stopped trying after 50 attempts.
INSERT INTO outbox_messages (message_id, destination, message_type, payload, trace_parent, created_at, next_attempt_at)
SELECT CASE kind WHEN 'track' THEN payload->>'messageId' ELSE 'messaging-outbox-' || id END,
       CASE kind WHEN 'track' THEN 'tracking' ELSE 'bus' END,
       CASE kind WHEN 'track' THEN 'track' ELSE 'Alle.Contracts.' || kind END,
       payload::json, trace_parent, created_at, now()
FROM outbox
WHERE published_at IS NULL
ORDER BY created_at, id
ON CONFLICT (message_id) DO NOTHING;

DROP TABLE outbox;
