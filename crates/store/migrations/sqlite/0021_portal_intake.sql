-- Issue 15, item 2: dossiers the national portal sent in (POST /api/v1/connectors/dvcqg/dossiers),
-- by the portal's own code (MaHoSo): a second delivery of the same code finds the dossier made by
-- the first, and messages back to the portal name the dossier by that code.
CREATE TABLE portal_intake (
    connector TEXT NOT NULL,
    external_code TEXT NOT NULL,
    dossier_id INTEGER NOT NULL UNIQUE,
    received_at INTEGER NOT NULL,
    PRIMARY KEY (connector, external_code)
);
