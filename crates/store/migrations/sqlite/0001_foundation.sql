-- Foundation: organisation, staff, procedures, the event log and ledger, dossier projections.

CREATE TABLE units (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    level TEXT NOT NULL,
    parent TEXT REFERENCES units(code),
    valid_from TEXT NOT NULL,
    valid_to TEXT,
    successors TEXT NOT NULL DEFAULT '[]'
);

CREATE TABLE staff (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    full_name TEXT NOT NULL,
    title TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    active INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE grants (
    staff_id INTEGER NOT NULL REFERENCES staff(id),
    role TEXT NOT NULL,
    unit TEXT NOT NULL REFERENCES units(code),
    PRIMARY KEY (staff_id, role, unit)
);

CREATE TABLE desks (
    id INTEGER PRIMARY KEY,
    unit TEXT NOT NULL REFERENCES units(code),
    name TEXT NOT NULL,
    decision_number TEXT,
    decision_date TEXT,
    decision_signer TEXT
);

CREATE TABLE desk_members (
    desk_id INTEGER NOT NULL REFERENCES desks(id),
    staff_id INTEGER NOT NULL REFERENCES staff(id),
    assigned_on TEXT NOT NULL,
    duty TEXT NOT NULL,
    PRIMARY KEY (desk_id, staff_id)
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    staff_id INTEGER NOT NULL REFERENCES staff(id),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);

-- The catalogue: announcement decisions (append-only) and the procedure versions they made
-- (a projection of the decisions); what each unit has posted at its desk (append-only).
CREATE TABLE announcements (
    id INTEGER PRIMARY KEY,
    number TEXT NOT NULL UNIQUE,
    effective TEXT NOT NULL,
    body TEXT NOT NULL,
    imported_at INTEGER NOT NULL,
    imported_by TEXT NOT NULL
);

CREATE TABLE procedure_versions (
    code TEXT NOT NULL,
    version INTEGER NOT NULL,
    effective_from TEXT NOT NULL,
    effective_to TEXT,
    announced_by TEXT NOT NULL,
    spec TEXT NOT NULL,
    PRIMARY KEY (code, version)
);

CREATE TABLE postings (
    id INTEGER PRIMARY KEY,
    unit TEXT NOT NULL REFERENCES units(code),
    code TEXT NOT NULL,
    version INTEGER NOT NULL,
    posted_on TEXT NOT NULL,
    recorded_at INTEGER NOT NULL,
    recorded_by TEXT NOT NULL
);
CREATE INDEX postings_unit ON postings (unit, code);

CREATE TABLE calendar_imports (
    id INTEGER PRIMARY KEY,
    year INTEGER NOT NULL,
    schedule TEXT NOT NULL,
    imported_at INTEGER NOT NULL,
    imported_by TEXT NOT NULL
);

-- The record. Nothing here is ever updated or deleted.
CREATE TABLE events (
    id INTEGER PRIMARY KEY,
    dossier_id INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    at INTEGER NOT NULL,
    actor TEXT NOT NULL,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    UNIQUE (dossier_id, seq)
);

CREATE TABLE ledger (
    seq INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    events TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);

CREATE TABLE ledger_head (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    seq INTEGER NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO ledger_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE TABLE personal_data_views (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    staff_id INTEGER NOT NULL,
    dossier_id INTEGER NOT NULL,
    purpose TEXT NOT NULL
);

CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
CREATE TRIGGER ledger_no_update BEFORE UPDATE ON ledger
BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;
CREATE TRIGGER ledger_no_delete BEFORE DELETE ON ledger
BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;
CREATE TRIGGER announcements_no_update BEFORE UPDATE ON announcements
BEGIN SELECT RAISE(ABORT, 'announcements are append-only'); END;
CREATE TRIGGER announcements_no_delete BEFORE DELETE ON announcements
BEGIN SELECT RAISE(ABORT, 'announcements are append-only'); END;
CREATE TRIGGER postings_no_update BEFORE UPDATE ON postings
BEGIN SELECT RAISE(ABORT, 'postings are append-only'); END;
CREATE TRIGGER postings_no_delete BEFORE DELETE ON postings
BEGIN SELECT RAISE(ABORT, 'postings are append-only'); END;
CREATE TRIGGER views_no_update BEFORE UPDATE ON personal_data_views
BEGIN SELECT RAISE(ABORT, 'the access log is append-only'); END;
CREATE TRIGGER views_no_delete BEFORE DELETE ON personal_data_views
BEGIN SELECT RAISE(ABORT, 'the access log is append-only'); END;

-- Projections: current state, rebuildable from the log.
CREATE TABLE dossiers (
    id INTEGER PRIMARY KEY,
    code TEXT UNIQUE,
    version INTEGER NOT NULL,
    status TEXT NOT NULL,
    channel TEXT NOT NULL,
    procedure_code TEXT NOT NULL,
    unit TEXT NOT NULL,
    current_unit TEXT NOT NULL,
    holder INTEGER,
    applicant_name TEXT NOT NULL,
    phone_last4 TEXT NOT NULL,
    submitted_at INTEGER,
    received_at INTEGER,
    due_at INTEGER,
    appointment_at INTEGER,
    finished_at INTEGER,
    closed_at INTEGER,
    result TEXT,
    updated_at INTEGER NOT NULL,
    state TEXT NOT NULL
);
CREATE INDEX dossiers_queue ON dossiers (current_unit, status, due_at, id);
CREATE INDEX dossiers_unit_received ON dossiers (unit, received_at, id);
CREATE INDEX dossiers_status_due ON dossiers (status, due_at, id);
CREATE INDEX dossiers_holder ON dossiers (holder, status, due_at, id);

CREATE TABLE code_counters (
    unit TEXT NOT NULL,
    day TEXT NOT NULL,
    last INTEGER NOT NULL,
    PRIMARY KEY (unit, day)
);

CREATE TABLE idempotency_keys (
    actor TEXT NOT NULL,
    key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status INTEGER NOT NULL,
    body TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (actor, key)
);
