-- Issue 20, the procedure's own blank form: the file of a paper's form (tờ khai, mẫu đơn) attached
-- by the catalogue keeper to a paper of a procedure version. One row per attachment or withdrawal
-- (file_sha256 NULL); the newest row of a paper is in force. Append-only, for the record (who,
-- when). The file itself is kept under files_dir/forms, named by its SHA-256.
CREATE TABLE procedure_forms (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL,
    version INTEGER NOT NULL,
    paper INTEGER NOT NULL,
    file_sha256 TEXT,
    file_name TEXT,
    media_type TEXT,
    bytes INTEGER,
    attached_at INTEGER NOT NULL,
    attached_by TEXT NOT NULL
);
CREATE INDEX procedure_forms_paper ON procedure_forms (code, version, paper, id);
CREATE TRIGGER procedure_forms_no_update BEFORE UPDATE ON procedure_forms
    BEGIN SELECT RAISE(ABORT, 'procedure_forms is append-only'); END;
CREATE TRIGGER procedure_forms_no_delete BEFORE DELETE ON procedure_forms
    BEGIN SELECT RAISE(ABORT, 'procedure_forms is append-only'); END;
