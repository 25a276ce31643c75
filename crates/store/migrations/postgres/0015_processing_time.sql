-- Issue 17, Decision 766 indicator 2.2 (the average processing time per procedure and per unit):
-- the reports sum, per receiving unit and procedure, the time from reception to the end of processing
-- of the dossiers received in the period and resolved since. A covering partial index lets that be
-- read from the index alone, in the `(unit, received_at)` order the period's range needs.
CREATE INDEX dossiers_processing_time ON dossiers (unit, received_at, procedure_code, finished_at)
    WHERE finished_at IS NOT NULL;
