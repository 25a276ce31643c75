-- Issue 13, item 3: the personal-data vault. An applicant's personal fields leave the event log and
-- the stored state (which keep a seal: reference, version, commitment) for a record per dossier,
-- encrypted with the subject's own key; the key is kept wrapped by the master key. Erasure sets
-- wrapped_key and data to NULL (crypto-shredding). See crates/store/src/vault.rs.
CREATE TABLE vault_master (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    -- The master key: hex in clear, or wrapped by the configured key file (then kek names it).
    material TEXT NOT NULL,
    kek TEXT,
    created_at BIGINT NOT NULL
);
CREATE TABLE vault_subjects (
    dossier_id BIGINT PRIMARY KEY,
    subject TEXT NOT NULL UNIQUE,
    wrapped_key TEXT,
    data TEXT,
    created_at BIGINT NOT NULL,
    erased_at BIGINT
);
-- The blind index: HMAC of an ID number, passport, tax code or phone (never the value).
CREATE TABLE vault_terms (
    term TEXT NOT NULL,
    dossier_id BIGINT NOT NULL,
    PRIMARY KEY (term, dossier_id)
);
CREATE INDEX vault_terms_dossier ON vault_terms (dossier_id);
