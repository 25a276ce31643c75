-- Issue 13, item 3, for the counter's walk-ins (forms 02 and 03 without a dossier): the person's
-- name and phone leave the walk-in log (which keeps a seal) for a record encrypted with the
-- walk-in's own key, wrapped by the vault's master key. Erasure (on request or at the end of
-- retention) sets wrapped_key and data to NULL and records who, when and why.
CREATE TABLE vault_walk_ins (
    walk_in_id INTEGER PRIMARY KEY,
    subject TEXT NOT NULL UNIQUE,
    wrapped_key TEXT,
    data TEXT,
    created_at INTEGER NOT NULL,
    erased_at INTEGER,
    erased_by TEXT,
    erased_reason TEXT
);
