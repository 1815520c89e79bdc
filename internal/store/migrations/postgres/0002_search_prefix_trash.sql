-- Search indexes, second form: the entries of records in the trash carry the
-- marker token of textsearch.Trashed (U+2421 then "trashed"), so that a
-- search of live records, and its count, need not read the records to leave
-- them out. (SQLite's indexes also gain prefix indexes here; a GIN index
-- answers prefix queries as it is.)

-- +goose Up
UPDATE contact_search SET tokens = tokens || array_to_tsvector(ARRAY['␡trashed'])
    WHERE record_id IN (SELECT id FROM contacts WHERE deleted_at IS NOT NULL);
UPDATE company_search SET tokens = tokens || array_to_tsvector(ARRAY['␡trashed'])
    WHERE record_id IN (SELECT id FROM companies WHERE deleted_at IS NOT NULL);

-- +goose Down
UPDATE contact_search SET tokens = ts_delete(tokens, '␡trashed');
UPDATE company_search SET tokens = ts_delete(tokens, '␡trashed');
