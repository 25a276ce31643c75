-- Issue 22: Decision 766 indicator 1.4's numerator (dossiers received in the period whose
-- `DongBoHoSoMC` the national portal acknowledged) from counters per month of reception, receiving
-- unit and procedure, like every other figure of a report. Counting the period's dossiers with a
-- probe into `outbox` for each took most of a province-year report at a million dossiers on SQLite
-- (about 45 of 50-90 ms). Kept by `outbox::delivered` in the delivery's transaction; `rebuild`
-- recounts it. Filled here from the deliveries so far (months in Vietnam's time, UTC+7).
CREATE TABLE stats_synced (
    month INTEGER NOT NULL,
    unit TEXT NOT NULL,
    procedure TEXT NOT NULL,
    dossiers INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (month, unit, procedure)
);
INSERT INTO stats_synced (month, unit, procedure, dossiers)
SELECT CAST(strftime('%Y%m', d.received_at / 1000 + 25200, 'unixepoch') AS INTEGER), d.unit,
       d.procedure_code, COUNT(*)
FROM dossiers d
WHERE d.received_at IS NOT NULL
  AND EXISTS (SELECT 1 FROM outbox o WHERE o.dossier_id = d.id AND o.connector = 'dvcqg'
              AND o.message = 'DongBoHoSoMC' AND o.state = 'delivered')
GROUP BY 1, 2, 3;
