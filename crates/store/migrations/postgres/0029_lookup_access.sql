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
-- Every change to the lookup rows is announced, once committed, to the servers that keep answers
-- in memory (see answer_cache.rs): on channel motcua_public_lookup, the codes and references of
-- the rows changed, separated by spaces, or '*' when there are too many to name (a rebuild).
CREATE FUNCTION public_lookup_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    keys TEXT;
    n BIGINT;
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        PERFORM pg_notify('motcua_public_lookup', '*');
        RETURN NULL;
    ELSIF TG_OP = 'DELETE' THEN
        SELECT COUNT(*) INTO n FROM (SELECT 1 FROM old_rows LIMIT 101) r;
        IF n BETWEEN 1 AND 100 THEN
            SELECT string_agg(concat_ws(' ', code, reference), ' ') INTO keys FROM old_rows;
        END IF;
    ELSE
        SELECT COUNT(*) INTO n FROM (SELECT 1 FROM new_rows LIMIT 101) r;
        IF n BETWEEN 1 AND 100 AND TG_OP = 'INSERT' THEN
            SELECT string_agg(concat_ws(' ', code, reference), ' ') INTO keys FROM new_rows;
        ELSIF n BETWEEN 1 AND 100 THEN
            -- A row's code or reference may be what changed: the old ones go too.
            SELECT string_agg(concat_ws(' ', code, reference), ' ') INTO keys
            FROM (SELECT code, reference FROM old_rows
                  UNION ALL SELECT code, reference FROM new_rows) r;
        END IF;
    END IF;
    IF n > 0 THEN
        -- Too many to name, or rows with neither a code nor a reference: everything goes.
        PERFORM pg_notify('motcua_public_lookup', COALESCE(NULLIF(keys, ''), '*'));
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER public_lookup_inserted AFTER INSERT ON public_lookup
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public_lookup_changed();
CREATE TRIGGER public_lookup_updated AFTER UPDATE ON public_lookup
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION public_lookup_changed();
CREATE TRIGGER public_lookup_deleted AFTER DELETE ON public_lookup
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION public_lookup_changed();
CREATE TRIGGER public_lookup_truncated AFTER TRUNCATE ON public_lookup
    FOR EACH STATEMENT EXECUTE FUNCTION public_lookup_changed();
