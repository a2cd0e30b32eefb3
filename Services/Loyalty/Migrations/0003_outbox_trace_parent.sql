-- The W3C traceparent of the work that wrote the row (the request or the consumed message): the relay delivers in that trace.
ALTER TABLE outbox ADD COLUMN trace_parent text;
