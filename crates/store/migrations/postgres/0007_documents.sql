-- Issue 18, electronic results and digitised papers: a counter of dossiers resolved with a signed
-- electronic result (Decision 766, indicator 6.1), and of those of a procedure certifying copies from
-- originals, with and without an electronic certified copy (6.3). No dossier had an electronic
-- document before this version, so those columns start at zero; `copy_certification` of dossiers
-- already resolved is filled below from their procedure's name (motcua_domain::stats::certifies_copies),
-- then the rollups are summed again.
ALTER TABLE stats ADD COLUMN result_electronic INTEGER NOT NULL DEFAULT 0;
ALTER TABLE stats_units ADD COLUMN result_electronic INTEGER NOT NULL DEFAULT 0;
ALTER TABLE stats_procedures ADD COLUMN result_electronic INTEGER NOT NULL DEFAULT 0;
ALTER TABLE stats ADD COLUMN copy_certification INTEGER NOT NULL DEFAULT 0;
ALTER TABLE stats ADD COLUMN copy_electronic INTEGER NOT NULL DEFAULT 0;
ALTER TABLE stats_units ADD COLUMN copy_certification INTEGER NOT NULL DEFAULT 0;
ALTER TABLE stats_units ADD COLUMN copy_electronic INTEGER NOT NULL DEFAULT 0;
ALTER TABLE stats_procedures ADD COLUMN copy_certification INTEGER NOT NULL DEFAULT 0;
ALTER TABLE stats_procedures ADD COLUMN copy_electronic INTEGER NOT NULL DEFAULT 0;
UPDATE stats SET copy_certification = resolved_early + resolved_on_time + resolved_late
WHERE agency = '' AND procedure IN (
    SELECT DISTINCT procedure_code FROM dossiers
    WHERE (state::jsonb -> 'procedure' ->> 'name') LIKE 'Chứng thực bản sao từ bản chính%'
);
UPDATE stats_units SET copy_certification = COALESCE((
    SELECT SUM(s.copy_certification) FROM stats s
    WHERE s.month = stats_units.month AND s.unit = stats_units.unit
), 0);
UPDATE stats_procedures SET copy_certification = COALESCE((
    SELECT SUM(s.copy_certification) FROM stats s
    WHERE s.month = stats_procedures.month AND s.procedure = stats_procedures.procedure
), 0);
