-- The outbox moves to the shared layout (outbox_messages, created by Alle.Platform before these scripts run); batches not
-- yet published move over as the EventsIngested messages they stand for.
INSERT INTO outbox_messages (message_id, destination, message_type, payload, trace_parent, created_at, next_attempt_at)
SELECT batch_id::text, 'bus', 'Alle.Contracts.EventsIngested',
       json_build_object('batchId', batch_id, 'sourceId', source_id, 'events', convert_from(payload, 'UTF8')::json),
       trace_parent, created_at, now()
FROM outbox
ORDER BY created_at;

DROP TABLE outbox;
