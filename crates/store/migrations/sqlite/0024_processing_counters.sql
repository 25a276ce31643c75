-- Issue 22, province-scale reports. Decision 766 indicator 2.2 (the average processing time) from counters, like every other
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
SELECT CAST(strftime('%Y%m', received_at / 1000 + 25200, 'unixepoch') AS INTEGER), unit, procedure_code, '', COUNT(*), SUM((finished_at - received_at) / 60000)
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
-- And a second time for boundary-free dossiers (migration 0020's cross counters).
ALTER TABLE stats_cross ADD COLUMN processed BIGINT NOT NULL DEFAULT 0;
ALTER TABLE stats_cross ADD COLUMN processing_minutes BIGINT NOT NULL DEFAULT 0;
INSERT INTO stats_cross (month, unit, competent, procedure, processed, processing_minutes)
SELECT CAST(strftime('%Y%m', received_at / 1000 + 25200, 'unixepoch') AS INTEGER), unit, competent_unit, procedure_code, COUNT(*), SUM((finished_at - received_at) / 60000)
FROM dossiers
WHERE finished_at IS NOT NULL AND received_at IS NOT NULL AND competent_unit IS NOT NULL
GROUP BY 1, 2, 3, 4
ON CONFLICT (month, unit, competent, procedure) DO UPDATE
SET processed = excluded.processed, processing_minutes = excluded.processing_minutes;
-- The steps done by each unit, whichever unit received the dossier: the per-agency figures of a
-- province-wide report read from this rollup instead of every detailed counter row of the period.
ALTER TABLE stats_units ADD COLUMN did_early BIGINT NOT NULL DEFAULT 0;
ALTER TABLE stats_units ADD COLUMN did_on_time BIGINT NOT NULL DEFAULT 0;
ALTER TABLE stats_units ADD COLUMN did_late BIGINT NOT NULL DEFAULT 0;
INSERT INTO stats_units (month, unit, did_early, did_on_time, did_late)
SELECT month, CASE WHEN agency = '' THEN unit ELSE agency END, SUM(step_early), SUM(step_on_time),
    SUM(step_late)
FROM stats WHERE step_early + step_on_time + step_late > 0
GROUP BY 1, 2
ON CONFLICT (month, unit) DO UPDATE
SET did_early = excluded.did_early, did_on_time = excluded.did_on_time, did_late = excluded.did_late;
DROP INDEX dossiers_processing_time;
