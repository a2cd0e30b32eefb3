-- The W3C traceparent of the work that wrote the row (the consumed message or the request): the relay publishes in that trace.
ALTER TABLE outbox ADD COLUMN trace_parent text;
