-- Search indexes, second form (package textsearch, Document):
--   * the basic-card tokens (names, companies) apart from the private ones
--     (emails, phones), so that a search by someone who may see only a
--     record's basic card matches only those; the GIN index is on both
--     together, which every search reads;
--   * entries of records in the trash carry the marker textsearch.Trashed,
--     so that a search of live records, and its count, need not read them.
-- The tables are made empty here; Store.Migrate then rebuilds their entries
-- from the records (the search_index setting says which form they have).

-- +goose Up
DROP TABLE contact_search;
DROP TABLE company_search;
CREATE TABLE contact_search (
    record_id      BIGINT   PRIMARY KEY REFERENCES contacts (id) ON DELETE CASCADE,
    basic_tokens   TSVECTOR NOT NULL,
    private_tokens TSVECTOR NOT NULL,
    basic_text     TEXT     NOT NULL,
    private_text   TEXT     NOT NULL
);
CREATE INDEX contact_search_tokens ON contact_search USING gin ((basic_tokens || private_tokens));
CREATE TABLE company_search (
    record_id      BIGINT   PRIMARY KEY REFERENCES companies (id) ON DELETE CASCADE,
    basic_tokens   TSVECTOR NOT NULL,
    private_tokens TSVECTOR NOT NULL,
    basic_text     TEXT     NOT NULL,
    private_text   TEXT     NOT NULL
);
CREATE INDEX company_search_tokens ON company_search USING gin ((basic_tokens || private_tokens));
DELETE FROM settings WHERE key = 'search_index';

-- +goose Down
DROP TABLE contact_search;
DROP TABLE company_search;
CREATE TABLE contact_search (
    record_id BIGINT   PRIMARY KEY REFERENCES contacts (id) ON DELETE CASCADE,
    tokens    TSVECTOR NOT NULL,
    text      TEXT     NOT NULL
);
CREATE INDEX contact_search_tokens ON contact_search USING gin (tokens);
CREATE TABLE company_search (
    record_id BIGINT   PRIMARY KEY REFERENCES companies (id) ON DELETE CASCADE,
    tokens    TSVECTOR NOT NULL,
    text      TEXT     NOT NULL
);
CREATE INDEX company_search_tokens ON company_search USING gin (tokens);
DELETE FROM settings WHERE key = 'search_index';
