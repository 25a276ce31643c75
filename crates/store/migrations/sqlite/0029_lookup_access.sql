-- Issue 22: the lookup row's own copy of the dossier's online reference and secret (the originals
-- stay in public_access), so that the public lookup reads one row by one index, without a join.
-- Written with the row, from public_access, and when public_access gives the dossier its
-- reference; NULL while the dossier has none. Rebuilt with the projection.
ALTER TABLE public_lookup ADD COLUMN reference TEXT;
ALTER TABLE public_lookup ADD COLUMN secret TEXT;
UPDATE public_lookup SET
    reference = (SELECT a.reference FROM public_access a WHERE a.dossier_id = public_lookup.dossier_id),
    secret = (SELECT a.secret FROM public_access a WHERE a.dossier_id = public_lookup.dossier_id)
WHERE dossier_id IN (SELECT dossier_id FROM public_access);
CREATE UNIQUE INDEX public_lookup_reference ON public_lookup (reference);
