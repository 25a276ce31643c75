-- Issue 22, item 3: the public lookup's JSON answer, rendered when the dossier is written (in the
-- same transaction as `view`), so that a lookup reads it and fills in the reference and the units'
-- current names without parsing or serialising anything. NULL for rows written before this
-- column existed: the migration gives them their answer from `view`. Rebuilt with the projection.
ALTER TABLE public_lookup ADD COLUMN answer TEXT;
