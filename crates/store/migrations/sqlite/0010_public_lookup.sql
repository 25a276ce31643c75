-- Issue 22: the public lookup's projection. Per dossier, its code and its public view (progress,
-- steps, issued results: no personal data) as JSON, written in the transaction that writes the
-- dossier projection and rebuilt with it, so a lookup reads one small row instead of parsing the
-- dossier's whole state. Dossiers from before it are read from their state until the next rebuild.
CREATE TABLE public_lookup (
    dossier_id INTEGER PRIMARY KEY,
    code TEXT,
    view TEXT NOT NULL
);
CREATE INDEX public_lookup_code ON public_lookup (code);
