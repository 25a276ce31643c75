-- Issue 20, search that forgives: the catalogue keeper's synonym tables, one row per import (the
-- newest is in use; none: the table shipped with the program). Append-only, for the record.
CREATE TABLE search_synonym_lists (
    id INTEGER PRIMARY KEY,
    imported_at INTEGER NOT NULL,
    imported_by TEXT NOT NULL,
    source TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE TRIGGER search_synonym_lists_no_update BEFORE UPDATE ON search_synonym_lists
    BEGIN SELECT RAISE(ABORT, 'search_synonym_lists is append-only'); END;
CREATE TRIGGER search_synonym_lists_no_delete BEFORE DELETE ON search_synonym_lists
    BEGIN SELECT RAISE(ABORT, 'search_synonym_lists is append-only'); END;
