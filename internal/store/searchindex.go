package store

import (
	"context"
	"fmt"
	"time"

	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/textsearch"
)

// searchIndexForm names the form of the search entries this code writes.
// When the search_index setting of a database differs, Migrate rebuilds its
// entries from the records. Raise it whenever contactDocument,
// companyDocument or package textsearch change what is indexed.
const searchIndexForm = "2"

const searchIndexSetting = "search_index"

// rebuildBatch is how many records one transaction of a rebuild re-indexes.
const rebuildBatch = 1000

// rebuildStaleSearch rebuilds the search entries when they are of another
// form than this code writes, and reports whether there were any records to
// index.
func (s *Store) rebuildStaleSearch(ctx context.Context) (bool, error) {
	form, ok, err := s.Setting(ctx, searchIndexSetting)
	if err != nil {
		return false, err
	}
	if ok && form == searchIndexForm {
		return false, nil
	}
	n, err := s.RebuildSearch(ctx)
	return n > 0, err
}

// RebuildSearch writes every search entry afresh from the records, a batch
// of records per transaction, so that a server may go on serving meanwhile
// (each batch locks its contacts' entries as any re-index does). It reports
// how many records it indexed.
func (s *Store) RebuildSearch(ctx context.Context) (int, error) {
	const op = "store.RebuildSearch"
	n := 0
	for after := int64(0); ; {
		ids, err := s.int64s(ctx, "SELECT id FROM contacts WHERE id > ? AND merged_into_id IS NULL ORDER BY id LIMIT ?", after, rebuildBatch)
		if err != nil {
			return n, fmt.Errorf("%s: %w", op, err)
		}
		if len(ids) == 0 {
			break
		}
		if err := s.InTx(ctx, func(ctx context.Context) error { return s.reindexContacts(ctx, ids) }); err != nil {
			return n, fmt.Errorf("%s: contacts after %d: %w", op, after, err)
		}
		after, n = ids[len(ids)-1], n+len(ids)
	}
	for after := int64(0); ; {
		var last int64
		var indexed int
		err := s.InTx(ctx, func(ctx context.Context) error {
			rows, err := s.query(ctx, "SELECT id, name, domain, deleted_at FROM companies WHERE id > ? ORDER BY id LIMIT ?", after, rebuildBatch)
			if err != nil {
				return err
			}
			defer rows.Close()
			docs := map[int64]textsearch.Document{}
			for rows.Next() {
				var c customer.Company
				var deleted *time.Time
				if err := rows.Scan(&c.ID, &c.Name, &c.Domain, nullTimeCol{&deleted}); err != nil {
					return mapError(err)
				}
				c.DeletedAt = deleted
				docs[c.ID] = companyDocument(&c)
				last = c.ID
			}
			if err := rows.Err(); err != nil {
				return mapError(err)
			}
			indexed = len(docs)
			return s.writeSearch(ctx, "company_search", docs, true)
		})
		if err != nil {
			return n, fmt.Errorf("%s: companies after %d: %w", op, after, err)
		}
		if last == 0 {
			break
		}
		after, n = last, n+indexed
	}
	if err := s.SetSetting(ctx, searchIndexSetting, searchIndexForm); err != nil {
		return n, fmt.Errorf("%s: %w", op, err)
	}
	return n, nil
}

// maxSearchSegments is how many b-tree segments an FTS5 index may gather
// before the janitor merges them: every query probes each segment (at
// 100,000 contacts, a phone search took 150 µs over 21 segments and 35 µs
// over one).
const maxSearchSegments = 8

// AfterBulkLoad readies the database for queries after many records were
// written at once (demo data, an import): SQLite's FTS5 indexes are merged
// into one segment and the query planner's statistics refreshed (PRAGMA
// optimize); PostgreSQL's GIN indexes have their pending entries moved into
// the index proper, and the tables are vacuumed (so that index-only scans,
// such as a count of a city's contacts, need not visit the rows) and
// analysed. Without the statistics, PostgreSQL planned a search at 100,000
// contacts as if contacts had 374 rows: 260 ms instead of 1.5 ms.
func (s *Store) AfterBulkLoad(ctx context.Context) error {
	for _, table := range []string{"contact_search", "company_search"} {
		if err := s.optimizeSearch(ctx, table); err != nil {
			return fmt.Errorf("store.AfterBulkLoad %s: %w", table, err)
		}
	}
	q := "PRAGMA optimize"
	if s.d.name() == "postgres" {
		// ANALYZE without tables would take every schema of the database.
		q = "VACUUM (ANALYZE) contacts, companies, positions, contact_keys, contact_tags, company_tags, tags, audit_log, contact_search, company_search"
	}
	if _, err := s.exec(ctx, q); err != nil {
		return fmt.Errorf("store.AfterBulkLoad: %w", mapError(err))
	}
	return nil
}

// MaintainSearch compacts a search index that many small writes have
// fragmented, and leaves it alone otherwise. The janitor runs it.
func (s *Store) MaintainSearch(ctx context.Context) error {
	if s.d.name() != "sqlite" {
		return nil // autovacuum keeps GIN indexes
	}
	for _, table := range []string{"contact_search", "company_search"} {
		var segments int
		if err := s.queryRow(ctx, "SELECT count(DISTINCT segid) FROM "+table+"_idx").Scan(&segments); err != nil {
			return fmt.Errorf("store.MaintainSearch %s: %w", table, mapError(err))
		}
		if segments > maxSearchSegments {
			if err := s.optimizeSearch(ctx, table); err != nil {
				return fmt.Errorf("store.MaintainSearch %s: %w", table, err)
			}
		}
	}
	return nil
}

func (s *Store) optimizeSearch(ctx context.Context, table string) error {
	q := "INSERT INTO " + table + " (" + table + ") VALUES ('optimize')"
	if s.d.name() == "postgres" {
		q = "SELECT gin_clean_pending_list('" + table + "_tokens'::regclass)"
	}
	_, err := s.exec(ctx, q)
	return err
}
