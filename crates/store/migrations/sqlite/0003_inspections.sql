-- Inspections: the current state of each, and every revision of it (append-only), so nothing an
-- inspection team recorded is lost or silently changed.
CREATE TABLE inspections (
    id INTEGER PRIMARY KEY,
    owner TEXT NOT NULL REFERENCES units(code),
    version INTEGER NOT NULL,
    body TEXT NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE TABLE inspection_revisions (
    inspection_id INTEGER NOT NULL REFERENCES inspections(id),
    version INTEGER NOT NULL,
    at INTEGER NOT NULL,
    staff_id INTEGER NOT NULL,
    change TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (inspection_id, version)
);
CREATE TRIGGER inspection_revisions_no_update BEFORE UPDATE ON inspection_revisions
BEGIN SELECT RAISE(ABORT, 'inspection revisions are append-only'); END;
CREATE TRIGGER inspection_revisions_no_delete BEFORE DELETE ON inspection_revisions
BEGIN SELECT RAISE(ABORT, 'inspection revisions are append-only'); END;
