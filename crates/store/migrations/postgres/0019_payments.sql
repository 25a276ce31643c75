-- Issue 15, item 4: fees and payments. `dossier_fees` (one row per dossier whose fees were
-- assessed) and `payments` (one row per fee paid) are projections of the log (events fee_assessed
-- and fee_paid), rewritten by dossiers::execute and dossiers::rebuild, left out of backups; they
-- serve the reconciliation report and Decision 766 indicators 3.4-3.6. `payment_requests` holds
-- each online payment request sent to a gateway (its order reference, amount and what the
-- gateway's notification answered): not derivable from the log, so it is backed up.
CREATE TABLE dossier_fees (
    dossier_id BIGINT PRIMARY KEY,
    unit TEXT NOT NULL,
    procedure_code TEXT NOT NULL,
    received_at BIGINT,
    total BIGINT NOT NULL,
    paid BIGINT NOT NULL,
    paid_online BIGINT NOT NULL
);
CREATE INDEX dossier_fees_received ON dossier_fees (received_at, unit);
CREATE TABLE payments (
    dossier_id BIGINT NOT NULL,
    seq BIGINT NOT NULL,
    dossier_code TEXT,
    unit TEXT NOT NULL,
    procedure_code TEXT NOT NULL,
    day TEXT NOT NULL,
    paid_at BIGINT NOT NULL,
    method TEXT NOT NULL,
    amount BIGINT NOT NULL,
    receipt TEXT,
    gateway TEXT,
    reference TEXT,
    transaction_no TEXT,
    PRIMARY KEY (dossier_id, seq)
);
CREATE INDEX payments_day ON payments (day, unit);
CREATE TABLE payment_requests (
    reference TEXT PRIMARY KEY,
    dossier_id BIGINT NOT NULL,
    gateway TEXT NOT NULL,
    amount BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    status TEXT NOT NULL,
    answered_at BIGINT,
    response_code TEXT,
    transaction_no TEXT
);
CREATE INDEX payment_requests_dossier ON payment_requests (dossier_id);
