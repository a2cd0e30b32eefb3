-- One-time codes are no longer readable in the message log: the body keeps the code masked, and the text as sent is
-- sealed here until Twilio has it (then cleared).
ALTER TABLE messages ADD COLUMN sealed_body bytea;
UPDATE messages SET body = regexp_replace(body, '[0-9]{6}', '••••••', 'g') WHERE purpose = 'verification';
