-- Issue 22: Decision 766 indicators 3.4-3.6 (online payment) and 4.5a/4.5b (population data) from
-- counters, like every other figure of a report, instead of counting rows of `dossier_fees`,
-- `payments` and `population_use` over the period (about 1.1 s of a province-year report at a
-- million dossiers on PostgreSQL). Per month: dossiers received with a fee to pay, of those paid
-- online, online payments made, dossiers received with population data (motcua_domain::stats).
-- Nothing to fill: fees, payments and population data arrive with migrations 0019 and 0022 in the
-- same release, so no database holds any before these columns exist; `motcua rebuild` recomputes
-- them with every other counter.
ALTER TABLE stats ADD COLUMN fee_charged INTEGER NOT NULL DEFAULT 0;
ALTER TABLE stats ADD COLUMN fee_paid_online INTEGER NOT NULL DEFAULT 0;
ALTER TABLE stats ADD COLUMN paid_online INTEGER NOT NULL DEFAULT 0;
ALTER TABLE stats ADD COLUMN population_used INTEGER NOT NULL DEFAULT 0;
ALTER TABLE stats_units ADD COLUMN fee_charged INTEGER NOT NULL DEFAULT 0;
ALTER TABLE stats_units ADD COLUMN fee_paid_online INTEGER NOT NULL DEFAULT 0;
ALTER TABLE stats_units ADD COLUMN paid_online INTEGER NOT NULL DEFAULT 0;
ALTER TABLE stats_units ADD COLUMN population_used INTEGER NOT NULL DEFAULT 0;
ALTER TABLE stats_procedures ADD COLUMN fee_charged INTEGER NOT NULL DEFAULT 0;
ALTER TABLE stats_procedures ADD COLUMN fee_paid_online INTEGER NOT NULL DEFAULT 0;
ALTER TABLE stats_procedures ADD COLUMN paid_online INTEGER NOT NULL DEFAULT 0;
ALTER TABLE stats_procedures ADD COLUMN population_used INTEGER NOT NULL DEFAULT 0;
ALTER TABLE stats_cross ADD COLUMN fee_charged INTEGER NOT NULL DEFAULT 0;
ALTER TABLE stats_cross ADD COLUMN fee_paid_online INTEGER NOT NULL DEFAULT 0;
ALTER TABLE stats_cross ADD COLUMN paid_online INTEGER NOT NULL DEFAULT 0;
ALTER TABLE stats_cross ADD COLUMN population_used INTEGER NOT NULL DEFAULT 0;
