-- Issue 18, electronic results and digitised papers: a counter of dossiers resolved with a signed
-- electronic result (Decision 766, indicator 6.1). No dossier had one before this version, so the
-- new column starts at zero everywhere.
ALTER TABLE stats ADD COLUMN result_electronic INTEGER NOT NULL DEFAULT 0;
ALTER TABLE stats_units ADD COLUMN result_electronic INTEGER NOT NULL DEFAULT 0;
ALTER TABLE stats_procedures ADD COLUMN result_electronic INTEGER NOT NULL DEFAULT 0;
