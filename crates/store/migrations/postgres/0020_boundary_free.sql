-- Two-level local government (issue 17): a dossier received at one unit for another agency
-- (tiếp nhận không phụ thuộc địa giới hành chính, Decree 118/2025).
-- The competent agency when it is not the receiving unit (NULL: the receiving unit resolves it,
-- as every dossier before this migration does).
ALTER TABLE dossiers ADD COLUMN competent_unit TEXT;

-- Boundary-free dossiers still in processing, read live by the "resolved here" view.
CREATE INDEX dossiers_cross_open ON dossiers (competent_unit, unit)
    WHERE competent_unit IS NOT NULL AND finished_at IS NULL AND closed_at IS NULL;

-- The counters of boundary-free dossiers a second time, under their receiving unit and their
-- competent agency (see motcua_domain::stats::cross_contributions): reports turn "received here"
-- into "resolved here" by adding and subtracting these. Rebuilt from the log by `motcua rebuild`.
CREATE TABLE stats_cross (
    month INTEGER NOT NULL,
    unit TEXT NOT NULL,
    competent TEXT NOT NULL,
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
    apologized INTEGER NOT NULL DEFAULT 0,
    appointment_kept INTEGER NOT NULL DEFAULT 0,
    appointment_missed INTEGER NOT NULL DEFAULT 0,
    apology_early INTEGER NOT NULL DEFAULT 0,
    withdrawn_late INTEGER NOT NULL DEFAULT 0,
    walk_in_guided INTEGER NOT NULL DEFAULT 0,
    walk_in_refused INTEGER NOT NULL DEFAULT 0,
    result_electronic INTEGER NOT NULL DEFAULT 0,
    copy_certification INTEGER NOT NULL DEFAULT 0,
    copy_electronic INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (month, unit, competent, procedure)
);
CREATE INDEX stats_cross_competent ON stats_cross (competent, month);
