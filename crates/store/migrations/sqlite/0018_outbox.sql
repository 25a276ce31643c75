-- Issue 15, item 1: the transactional outbox. `outbox_connectors` is the set of outside systems
-- configured (written at start from the configuration; empty means no outbox row is ever written).
-- `outbox` holds one row per message a connector must deliver, written in the same transaction as
-- the event it announces. A row keeps no personal data: `payload` names the event (dossier, seq,
-- kind, the message to build); the connector renders the message from the log at delivery.
-- States: pending (to send at next_attempt_at), delivered, dead (N failures: waits for a retry or
-- a give-up), given_up (skipped by the system administrator, who, when).
CREATE TABLE outbox_connectors (
    name TEXT PRIMARY KEY,
    since INTEGER NOT NULL
);

CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    connector TEXT NOT NULL,
    dossier_id INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    part INTEGER NOT NULL,
    message TEXT NOT NULL,
    idempotency_key TEXT NOT NULL UNIQUE,
    payload TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'dead', 'given_up')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    last_error TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    delivered_at INTEGER,
    handled_by TEXT,
    UNIQUE (connector, dossier_id, seq, part)
);

-- The worker's question: per connector and dossier, the first message not yet delivered.
CREATE INDEX outbox_open ON outbox (connector, dossier_id, seq, part)
    WHERE state IN ('pending', 'dead');
CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE state = 'pending';
