-- The console pages the log newest first by (time, id) with no other filter, and lists inbound texts the same way.
CREATE INDEX messages_created ON messages (created_at DESC, id DESC);
CREATE INDEX inbound_messages_received ON inbound_messages (received_at DESC, message_sid DESC);
CREATE INDEX inbound_messages_user ON inbound_messages (user_id, received_at DESC) WHERE user_id IS NOT NULL;
