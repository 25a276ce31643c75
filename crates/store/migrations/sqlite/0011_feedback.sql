-- Issue 19, feedback and petitions (phản ánh, kiến nghị): the handling log (append-only, each row
-- hashed with the previous one, checked by `verify`), its projection (rebuilt from the log), the
-- person's contact (personal data: mutable, outside the log, so it can be sealed or erased), the
-- public reference and secret, and the log of staff views of a contact.
CREATE TABLE feedback_events (
    id INTEGER PRIMARY KEY,
    feedback_id INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    at INTEGER NOT NULL,
    actor TEXT NOT NULL,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    UNIQUE (feedback_id, seq)
);
CREATE TRIGGER feedback_events_no_update BEFORE UPDATE ON feedback_events
BEGIN SELECT RAISE(ABORT, 'feedback events are append-only'); END;
CREATE TRIGGER feedback_events_no_delete BEFORE DELETE ON feedback_events
BEGIN SELECT RAISE(ABORT, 'feedback events are append-only'); END;

CREATE TABLE feedback (
    id INTEGER PRIMARY KEY,
    unit TEXT NOT NULL,
    state TEXT NOT NULL,
    submitted_at INTEGER NOT NULL,
    due_at INTEGER NOT NULL,
    answered_at INTEGER,
    published INTEGER NOT NULL DEFAULT 0,
    version INTEGER NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX feedback_unit_state ON feedback (unit, state, due_at);
CREATE INDEX feedback_published ON feedback (published, answered_at);

CREATE TABLE feedback_contacts (
    feedback_id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    phone TEXT NOT NULL,
    email TEXT NOT NULL,
    address TEXT NOT NULL,
    updated_at INTEGER NOT NULL
);

CREATE TABLE feedback_access (
    feedback_id INTEGER PRIMARY KEY,
    reference TEXT NOT NULL UNIQUE,
    secret TEXT NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE TABLE feedback_contact_views (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    staff_id INTEGER NOT NULL,
    feedback_id INTEGER NOT NULL,
    purpose TEXT NOT NULL
);
CREATE TRIGGER feedback_contact_views_no_update BEFORE UPDATE ON feedback_contact_views
BEGIN SELECT RAISE(ABORT, 'views are append-only'); END;
CREATE TRIGGER feedback_contact_views_no_delete BEFORE DELETE ON feedback_contact_views
BEGIN SELECT RAISE(ABORT, 'views are append-only'); END;
