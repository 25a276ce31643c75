-- Issue 13, item 4: what the public needs to look a dossier up or rate it, apart from the record.
-- A random online reference (not the sequential id) and a random secret, both from the operating
-- system's random generator, printed on receipt form 01 and shown after an online submission.
-- Kept as is (not hashed) so that form 01 can be reprinted with it; it guards only the public
-- lookup and rating. Existing dossiers get theirs on first need (when form 01 is printed again).
CREATE TABLE public_access (
    dossier_id INTEGER PRIMARY KEY,
    reference TEXT NOT NULL UNIQUE,
    secret TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
