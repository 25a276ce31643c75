-- Issue 18, item 5: the citizen's store of papers (kho giấy tờ đã số hóa). Each digitised paper of a
-- dossier (uploaded online, scanned at the counter, or reused from the store) and each signed
-- electronic document issued, for dossiers whose applicant has an identifier (ID number, passport
-- or tax code), keyed by the dossier and its vault subject: nothing personal in clear. A person's
-- papers are found through the vault's blind index (vault_terms -> dossier_id), so an erased subject's
-- papers are never found again; erasure also deletes its rows. A projection of the event log:
-- written by dossiers::execute, rebuilt by rebuild, left out of backups. See crates/store/src/papers.rs.
CREATE TABLE paper_store (
    dossier_id BIGINT NOT NULL,
    -- 'p' and the paper's index (from 0), or 'd' and the issued document's index.
    item TEXT NOT NULL,
    subject TEXT NOT NULL,
    unit TEXT NOT NULL,
    procedure_code TEXT NOT NULL,
    received_at BIGINT NOT NULL,
    -- The paper's name as the procedure lists it, or the issued document's title.
    name TEXT NOT NULL,
    -- SHA-256 of the file in files_dir.
    file TEXT NOT NULL,
    -- For a paper reused from the store: the code of the dossier it was first kept under.
    reused_from TEXT,
    PRIMARY KEY (dossier_id, item)
);
CREATE INDEX paper_store_received ON paper_store (received_at, unit);
