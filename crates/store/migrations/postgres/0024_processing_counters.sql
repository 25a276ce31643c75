-- Issue 22: Decision 766 indicator 2.2 (the average processing time) from counters, like every other
-- figure of a report, instead of a scan of the dossiers received in the period (migration 0015's
-- index, dropped here): per receiving month, the dossiers resolved since and their processing
-- minutes summed (motcua_domain::stats, Metric::Processed and Metric::ProcessingMinutes). Filled
-- below from the dossiers already resolved, months in Vietnam's time (UTC+7), minutes truncated per
-- dossier as the domain counts them; `motcua rebuild` recomputes them with every other counter.
ALTER TABLE stats ADD COLUMN processed BIGINT NOT NULL DEFAULT 0;
ALTER TABLE stats ADD COLUMN processing_minutes BIGINT NOT NULL DEFAULT 0;
ALTER TABLE stats_units ADD COLUMN processed BIGINT NOT NULL DEFAULT 0;
ALTER TABLE stats_units ADD COLUMN processing_minutes BIGINT NOT NULL DEFAULT 0;
ALTER TABLE stats_procedures ADD COLUMN processed BIGINT NOT NULL DEFAULT 0;
ALTER TABLE stats_procedures ADD COLUMN processing_minutes BIGINT NOT NULL DEFAULT 0;
INSERT INTO stats (month, unit, procedure, agency, processed, processing_minutes)
SELECT CAST(to_char(to_timestamp(received_at / 1000 + 25200) AT TIME ZONE 'UTC', 'YYYYMM') AS INTEGER), unit, procedure_code, '', COUNT(*), SUM((finished_at - received_at) / 60000)
FROM dossiers WHERE finished_at IS NOT NULL AND received_at IS NOT NULL
GROUP BY 1, 2, 3
ON CONFLICT (month, unit, procedure, agency) DO UPDATE
SET processed = excluded.processed, processing_minutes = excluded.processing_minutes;
INSERT INTO stats_units (month, unit, processed, processing_minutes)
SELECT month, unit, SUM(processed), SUM(processing_minutes) FROM stats WHERE processed > 0
GROUP BY month, unit
ON CONFLICT (month, unit) DO UPDATE
SET processed = excluded.processed, processing_minutes = excluded.processing_minutes;
INSERT INTO stats_procedures (month, procedure, processed, processing_minutes)
SELECT month, procedure, SUM(processed), SUM(processing_minutes) FROM stats WHERE processed > 0
GROUP BY month, procedure
ON CONFLICT (month, procedure) DO UPDATE
SET processed = excluded.processed, processing_minutes = excluded.processing_minutes;
DROP INDEX dossiers_processing_time;
