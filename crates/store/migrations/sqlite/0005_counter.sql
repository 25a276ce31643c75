-- Issue 16, the counter and the clock: counters for apologies, kept or missed new appointments,
-- late withdrawals and walk-ins; local office hours and deadline settings per province or unit with
-- effective dates (append-only); walk-in outcomes at the counter (forms 02 and 03 without a
-- dossier), hash-chained like the event log and covered by `verify`.
ALTER TABLE stats ADD COLUMN apologized INTEGER NOT NULL DEFAULT 0;
ALTER TABLE stats ADD COLUMN appointment_kept INTEGER NOT NULL DEFAULT 0;
ALTER TABLE stats ADD COLUMN appointment_missed INTEGER NOT NULL DEFAULT 0;
ALTER TABLE stats ADD COLUMN apology_early INTEGER NOT NULL DEFAULT 0;
ALTER TABLE stats ADD COLUMN withdrawn_late INTEGER NOT NULL DEFAULT 0;
ALTER TABLE stats ADD COLUMN walk_in_guided INTEGER NOT NULL DEFAULT 0;
ALTER TABLE stats ADD COLUMN walk_in_refused INTEGER NOT NULL DEFAULT 0;
ALTER TABLE stats_units ADD COLUMN apologized INTEGER NOT NULL DEFAULT 0;
ALTER TABLE stats_units ADD COLUMN appointment_kept INTEGER NOT NULL DEFAULT 0;
ALTER TABLE stats_units ADD COLUMN appointment_missed INTEGER NOT NULL DEFAULT 0;
ALTER TABLE stats_units ADD COLUMN apology_early INTEGER NOT NULL DEFAULT 0;
ALTER TABLE stats_units ADD COLUMN withdrawn_late INTEGER NOT NULL DEFAULT 0;
ALTER TABLE stats_units ADD COLUMN walk_in_guided INTEGER NOT NULL DEFAULT 0;
ALTER TABLE stats_units ADD COLUMN walk_in_refused INTEGER NOT NULL DEFAULT 0;
ALTER TABLE stats_procedures ADD COLUMN apologized INTEGER NOT NULL DEFAULT 0;
ALTER TABLE stats_procedures ADD COLUMN appointment_kept INTEGER NOT NULL DEFAULT 0;
ALTER TABLE stats_procedures ADD COLUMN appointment_missed INTEGER NOT NULL DEFAULT 0;
ALTER TABLE stats_procedures ADD COLUMN apology_early INTEGER NOT NULL DEFAULT 0;
ALTER TABLE stats_procedures ADD COLUMN withdrawn_late INTEGER NOT NULL DEFAULT 0;
ALTER TABLE stats_procedures ADD COLUMN walk_in_guided INTEGER NOT NULL DEFAULT 0;
ALTER TABLE stats_procedures ADD COLUMN walk_in_refused INTEGER NOT NULL DEFAULT 0;

-- Office hours and deadline settings of a province or unit from a date (the latest row of a unit
-- and date wins; older rows stay for the record).
CREATE TABLE local_settings (
    id INTEGER PRIMARY KEY,
    unit TEXT NOT NULL,
    effective_from TEXT NOT NULL,
    hours TEXT,
    rules TEXT,
    source TEXT NOT NULL,
    recorded_at INTEGER NOT NULL,
    recorded_by TEXT NOT NULL
);
CREATE INDEX local_settings_unit ON local_settings (unit, effective_from);
CREATE TRIGGER local_settings_no_update BEFORE UPDATE ON local_settings
BEGIN SELECT RAISE(ABORT, 'local settings are append-only'); END;
CREATE TRIGGER local_settings_no_delete BEFORE DELETE ON local_settings
BEGIN SELECT RAISE(ABORT, 'local settings are append-only'); END;

-- Walk-in outcomes without a dossier: each row hashed with the previous one.
CREATE TABLE walk_ins (
    id INTEGER PRIMARY KEY,
    unit TEXT NOT NULL,
    procedure TEXT NOT NULL,
    kind TEXT NOT NULL,
    at INTEGER NOT NULL,
    actor TEXT NOT NULL,
    payload TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX walk_ins_unit_at ON walk_ins (unit, at);
CREATE TRIGGER walk_ins_no_update BEFORE UPDATE ON walk_ins
BEGIN SELECT RAISE(ABORT, 'walk-ins are append-only'); END;
CREATE TRIGGER walk_ins_no_delete BEFORE DELETE ON walk_ins
BEGIN SELECT RAISE(ABORT, 'walk-ins are append-only'); END;
