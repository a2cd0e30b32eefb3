-- An entry a merge ends as a duplicate (skip_reason 'merged') remembers the entry kept instead, so undoing that merge
-- can give each person back her own episode when the two entries belong to different people again.
ALTER TABLE journey_entries ADD COLUMN merged_into uuid;
