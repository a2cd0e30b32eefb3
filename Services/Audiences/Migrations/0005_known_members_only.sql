-- An audience may hold only known members (profiles with a user id); its condition is evaluated with that restriction.
ALTER TABLE audiences ADD COLUMN known_members_only boolean NOT NULL DEFAULT false;
