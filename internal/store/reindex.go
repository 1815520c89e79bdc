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
// form than this code writes, and reports whether it did.
func (s *Store) rebuildStaleSearch(ctx context.Context) (bool, error) {
	form, ok, err := s.Setting(ctx, searchIndexSetting)
	if err != nil {
		return false, err
	}
	if ok && form == searchIndexForm {
		return false, nil
	}
	return true, s.RebuildSearch(ctx)
}

// RebuildSearch writes every search entry afresh from the records, a batch
// of records per transaction, so that a server may go on serving meanwhile
// (each batch locks its contacts' entries as any re-index does).
func (s *Store) RebuildSearch(ctx context.Context) error {
	const op = "store.RebuildSearch"
	for after := int64(0); ; {
		ids, err := s.int64s(ctx, "SELECT id FROM contacts WHERE id > ? AND merged_into_id IS NULL ORDER BY id LIMIT ?", after, rebuildBatch)
		if err != nil {
			return fmt.Errorf("%s: %w", op, err)
		}
		if len(ids) == 0 {
			break
		}
		if err := s.InTx(ctx, func(ctx context.Context) error { return s.reindexContacts(ctx, ids) }); err != nil {
			return fmt.Errorf("%s: contacts after %d: %w", op, after, err)
		}
		after = ids[len(ids)-1]
	}
	for after := int64(0); ; {
		var last int64
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
			return s.writeSearch(ctx, "company_search", docs, true)
		})
		if err != nil {
			return fmt.Errorf("%s: companies after %d: %w", op, after, err)
		}
		if last == 0 {
			break
		}
		after = last
	}
	if err := s.SetSetting(ctx, searchIndexSetting, searchIndexForm); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	return nil
}
