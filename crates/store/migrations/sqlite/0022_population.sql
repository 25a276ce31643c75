-- Issue 15, item 5: the national population database. `population_lookups` keeps who looked a
-- person up and when, and whether someone was found (never the number, which is personal data).
-- `population_use` is a projection of the log (event population_data_used): the dossiers whose
-- applicant's data came from the national database, for Decision 766 indicators 4.5a/4.5b;
-- rewritten by dossiers::execute and dossiers::rebuild, left out of backups.
CREATE TABLE population_lookups (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    staff_id INTEGER NOT NULL,
    unit TEXT NOT NULL,
    found INTEGER NOT NULL
);
CREATE TABLE population_use (
    dossier_id INTEGER PRIMARY KEY,
    unit TEXT NOT NULL,
    procedure_code TEXT NOT NULL,
    received_at INTEGER
);
CREATE INDEX population_use_received ON population_use (received_at, unit);
