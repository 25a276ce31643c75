-- Inspections: the current state of each, and every revision of it (append-only), so nothing an
-- inspection team recorded is lost or silently changed.
CREATE TABLE inspections (
    id INTEGER PRIMARY KEY,
    owner TEXT NOT NULL REFERENCES units(code),
    version INTEGER NOT NULL,
    body TEXT NOT NULL,
    -- Who on the team has an account (",12,34,"), the units in scope (JSON), and the last day the
    -- team may read those units' records: derived from the body on every save.
    member_ids TEXT NOT NULL DEFAULT ',',
    scope TEXT NOT NULL DEFAULT '[]',
    active_until TEXT NOT NULL DEFAULT '',
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
