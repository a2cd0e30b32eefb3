-- An operator's own mobile phone (E.164, proven with a code texted to it) and whether her sign-in asks for a code
-- texted to it after her password. The phone is personal data: shown masked, never logged.
ALTER TABLE operators ADD COLUMN phone text;
ALTER TABLE operators ADD COLUMN second_factor boolean NOT NULL DEFAULT false;
ALTER TABLE operators ADD CONSTRAINT operators_second_factor_needs_phone CHECK (NOT second_factor OR phone IS NOT NULL);
