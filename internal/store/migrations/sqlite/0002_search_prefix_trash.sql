-- Search indexes, second form. Prefix indexes of 2 to 4 characters: a search
-- for "wan" or "0912" then reads one list instead of merging the lists of
-- every word that starts so (measured at 100,000 contacts: 1 ms → 0.03 ms).
-- And the entries of records in the trash carry the marker token of
-- textsearch.Trashed (U+2421 then "trashed"), so that a search of live
-- records, and its count, need not read the records to leave them out.

-- +goose Up
CREATE VIRTUAL TABLE contact_search_next USING fts5(tokens, text UNINDEXED, tokenize = 'ascii', detail = 'none', prefix = '2 3 4');
INSERT INTO contact_search_next (rowid, tokens, text)
    SELECT s.rowid, CASE WHEN c.deleted_at IS NULL THEN s.tokens ELSE s.tokens || ' ␡trashed' END, s.text
    FROM contact_search s JOIN contacts c ON c.id = s.rowid;
DROP TABLE contact_search;
ALTER TABLE contact_search_next RENAME TO contact_search;

CREATE VIRTUAL TABLE company_search_next USING fts5(tokens, text UNINDEXED, tokenize = 'ascii', detail = 'none', prefix = '2 3 4');
INSERT INTO company_search_next (rowid, tokens, text)
    SELECT s.rowid, CASE WHEN c.deleted_at IS NULL THEN s.tokens ELSE s.tokens || ' ␡trashed' END, s.text
    FROM company_search s JOIN companies c ON c.id = s.rowid;
DROP TABLE company_search;
ALTER TABLE company_search_next RENAME TO company_search;

-- +goose Down
CREATE VIRTUAL TABLE contact_search_prev USING fts5(tokens, text UNINDEXED, tokenize = 'ascii', detail = 'none');
INSERT INTO contact_search_prev (rowid, tokens, text)
    SELECT rowid, replace(tokens, ' ␡trashed', ''), text FROM contact_search;
DROP TABLE contact_search;
ALTER TABLE contact_search_prev RENAME TO contact_search;

CREATE VIRTUAL TABLE company_search_prev USING fts5(tokens, text UNINDEXED, tokenize = 'ascii', detail = 'none');
INSERT INTO company_search_prev (rowid, tokens, text)
    SELECT rowid, replace(tokens, ' ␡trashed', ''), text FROM company_search;
DROP TABLE company_search;
ALTER TABLE company_search_prev RENAME TO company_search;
