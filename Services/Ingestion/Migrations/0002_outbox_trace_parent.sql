-- The W3C traceparent of the request that wrote the row: the relay publishes the batch in that request's trace.
ALTER TABLE outbox ADD COLUMN trace_parent text;
