-- The outbox moves to the shared layout (outbox_messages, created by Alle.Platform before these scripts run). Rows not
-- yet sent move over, including those the old relay had set aside as refused: nothing is abandoned.
INSERT INTO outbox_messages (message_id, destination, message_type, ordering_key, payload, trace_parent, created_at, next_attempt_at)
SELECT message_id,
       CASE kind WHEN 'publish' THEN 'bus' ELSE 'tracking' END,
       CASE kind WHEN 'publish' THEN message_type ELSE kind END,
       'member:' || member_id,
       payload::json, trace_parent, created_at, now()
FROM outbox
WHERE sent_at IS NULL
ORDER BY id
ON CONFLICT (message_id) DO NOTHING;

DROP TABLE outbox;
