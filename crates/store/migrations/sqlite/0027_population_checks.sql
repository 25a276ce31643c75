-- Issue 15, item 5: the online form's check of an applicant against the national population
-- database (number, full name and date of birth typed by the citizen; the database only says
-- whether they match). `population_checks` keeps when, for which unit and procedure, and the
-- outcome (matched, mismatch, refused after too many failures, unavailable): never the number or
-- the name, like `population_lookups` for the desk. Not derivable from the log, so backed up.
CREATE TABLE population_checks (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    unit TEXT NOT NULL,
    procedure_code TEXT NOT NULL,
    outcome TEXT NOT NULL
);
CREATE INDEX population_checks_at ON population_checks (at);
