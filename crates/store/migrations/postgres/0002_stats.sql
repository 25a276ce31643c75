-- Monthly counters per unit and procedure, kept in the write transaction of every dossier event
-- (see motcua_domain::stats): reports sum these instead of scanning dossiers. `month` is yyyymm,
-- local time. Rebuilt from the event log by `motcua rebuild`.
CREATE TABLE stats (
    month INTEGER NOT NULL,
    unit TEXT NOT NULL,
    procedure TEXT NOT NULL,
    -- The outside unit that did a step (step figures); '' for the dossier's own figures and the
    -- steps done by the receiving unit itself.
    agency TEXT NOT NULL,
    received_desk INTEGER NOT NULL DEFAULT 0,
    received_post INTEGER NOT NULL DEFAULT 0,
    received_online INTEGER NOT NULL DEFAULT 0,
    resolved_early INTEGER NOT NULL DEFAULT 0,
    resolved_on_time INTEGER NOT NULL DEFAULT 0,
    resolved_late INTEGER NOT NULL DEFAULT 0,
    refused INTEGER NOT NULL DEFAULT 0,
    withdrawn INTEGER NOT NULL DEFAULT 0,
    open_end INTEGER NOT NULL DEFAULT 0,
    overdue_end INTEGER NOT NULL DEFAULT 0,
    rated INTEGER NOT NULL DEFAULT 0,
    satisfied INTEGER NOT NULL DEFAULT 0,
    digitised INTEGER NOT NULL DEFAULT 0,
    supplemented INTEGER NOT NULL DEFAULT 0,
    step_early INTEGER NOT NULL DEFAULT 0,
    step_on_time INTEGER NOT NULL DEFAULT 0,
    step_late INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (month, unit, procedure, agency)
);

-- Dossiers still in processing, read live by the reports (few at any time).
CREATE INDEX dossiers_in_processing ON dossiers (unit, received_at)
    WHERE finished_at IS NULL AND closed_at IS NULL AND received_at IS NOT NULL;

-- The same counters summed over procedures and agencies, per month and receiving unit: what the
-- overviews and the reports by unit read (a province-year is about 1,200 rows).
CREATE TABLE stats_units (
    month INTEGER NOT NULL,
    unit TEXT NOT NULL,
    received_desk INTEGER NOT NULL DEFAULT 0,
    received_post INTEGER NOT NULL DEFAULT 0,
    received_online INTEGER NOT NULL DEFAULT 0,
    resolved_early INTEGER NOT NULL DEFAULT 0,
    resolved_on_time INTEGER NOT NULL DEFAULT 0,
    resolved_late INTEGER NOT NULL DEFAULT 0,
    refused INTEGER NOT NULL DEFAULT 0,
    withdrawn INTEGER NOT NULL DEFAULT 0,
    open_end INTEGER NOT NULL DEFAULT 0,
    overdue_end INTEGER NOT NULL DEFAULT 0,
    rated INTEGER NOT NULL DEFAULT 0,
    satisfied INTEGER NOT NULL DEFAULT 0,
    digitised INTEGER NOT NULL DEFAULT 0,
    supplemented INTEGER NOT NULL DEFAULT 0,
    step_early INTEGER NOT NULL DEFAULT 0,
    step_on_time INTEGER NOT NULL DEFAULT 0,
    step_late INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (month, unit)
);

-- And per month and procedure over every unit: what province-wide reports by procedure or field read.
CREATE TABLE stats_procedures (
    month INTEGER NOT NULL,
    procedure TEXT NOT NULL,
    received_desk INTEGER NOT NULL DEFAULT 0,
    received_post INTEGER NOT NULL DEFAULT 0,
    received_online INTEGER NOT NULL DEFAULT 0,
    resolved_early INTEGER NOT NULL DEFAULT 0,
    resolved_on_time INTEGER NOT NULL DEFAULT 0,
    resolved_late INTEGER NOT NULL DEFAULT 0,
    refused INTEGER NOT NULL DEFAULT 0,
    withdrawn INTEGER NOT NULL DEFAULT 0,
    open_end INTEGER NOT NULL DEFAULT 0,
    overdue_end INTEGER NOT NULL DEFAULT 0,
    rated INTEGER NOT NULL DEFAULT 0,
    satisfied INTEGER NOT NULL DEFAULT 0,
    digitised INTEGER NOT NULL DEFAULT 0,
    supplemented INTEGER NOT NULL DEFAULT 0,
    step_early INTEGER NOT NULL DEFAULT 0,
    step_on_time INTEGER NOT NULL DEFAULT 0,
    step_late INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (month, procedure)
);
