-- The W3C traceparent of the work that wrote the row (the consumed message or the request): the relay delivers in that
-- trace. Batch computations run outside any trace and leave it empty.
ALTER TABLE outbox ADD COLUMN trace_parent text;
