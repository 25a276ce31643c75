-- A real office from zero: first sign-in with a one-time password, the organisation's change record,
-- and settings (the administrator created by `motcua init`, waiting for the first root unit).
ALTER TABLE staff ADD COLUMN must_change_password INTEGER NOT NULL DEFAULT 0;
ALTER TABLE staff ADD COLUMN email TEXT NOT NULL DEFAULT '';
ALTER TABLE staff ADD COLUMN phone TEXT NOT NULL DEFAULT '';

-- Every change to a unit: who, when, from which file (or page), before and after (JSON). Append-only.
CREATE TABLE org_changes (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    actor TEXT NOT NULL,
    source TEXT NOT NULL,
    code TEXT NOT NULL,
    change TEXT NOT NULL,
    before TEXT,
    after TEXT NOT NULL
);
CREATE TRIGGER org_changes_no_update BEFORE UPDATE ON org_changes
BEGIN SELECT RAISE(ABORT, 'the organisation record is append-only'); END;
CREATE TRIGGER org_changes_no_delete BEFORE DELETE ON org_changes
BEGIN SELECT RAISE(ABORT, 'the organisation record is append-only'); END;

CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
