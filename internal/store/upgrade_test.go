package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/store"
	"github.com/guanxi-crm/guanxi/internal/testenv"
)

// unmigrated opens an empty database of each engine, without migrating it.
func unmigrated(t *testing.T, engine string) *store.Store {
	t.Helper()
	cfg := store.Config{Dir: t.TempDir()}
	if engine == "postgres" {
		cfg = store.Config{URL: testenv.PostgresSchemaURL(t), MaxConns: 4}
	}
	s, err := store.Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// Migration 2 rebuilds the search entries in their second form (basic and
// private parts, trash marker) from the records a version-1 database holds:
// afterwards a search finds live contacts by name and by email, leaves out
// one in the trash, and a search of the trash finds it, counts included.
func TestUpgradeRebuildsSearchEntries(t *testing.T) {
	for _, engine := range testenv.Stores() {
		t.Run(engine.Name, func(t *testing.T) {
			s := unmigrated(t, engine.Name)
			ctx := crm.WithPrincipal(context.Background(), crm.System)
			if err := s.MigrateTo(ctx, 1); err != nil {
				t.Fatal(err)
			}
			now := time.Now().UTC().Truncate(time.Microsecond)
			at := any(now.UnixMicro())
			if engine.Name == "postgres" {
				at = now
			}
			// As the first release wrote them: the records, and search
			// entries of the first form (which the rebuild replaces).
			for _, row := range []struct {
				id             int64
				family, given  string
				email          string
				deleted        any
				oldTokens, old string
			}{
				{1, "王", "小李", "li@example.com", nil, "王 王小 小 小李 李 li example com", "王小李\nli@example.com"},
				{2, "李", "小李", "lee@example.com", at, "李 李小 小 小李 lee example com", "李小李\nlee@example.com"},
			} {
				_, err := s.DB().ExecContext(ctx, rebind(engine.Name, `INSERT INTO contacts (id, display_name, family_name, given_name,
					emails, created_at, updated_at, deleted_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
					row.id, row.family+row.given, row.family, row.given, `[{"address":"`+row.email+`"}]`, at, at, row.deleted)
				if err != nil {
					t.Fatal(err)
				}
				insertOld := "INSERT INTO contact_search (rowid, tokens, text) VALUES (?, ?, ?)"
				if engine.Name == "postgres" {
					insertOld = "INSERT INTO contact_search (record_id, tokens, text) VALUES (?, to_tsvector('simple', ?), ?)"
				}
				if _, err := s.DB().ExecContext(ctx, rebind(engine.Name, insertOld), row.id, row.oldTokens, row.old); err != nil {
					t.Fatal(err)
				}
			}
			m, err := s.Migrate(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(m.Applied) == 0 || m.Applied[0] != 2 || !m.SearchRebuilt {
				t.Errorf("migration applied %v, rebuilt the search index: %v; want 2 and later ones, and a rebuild", m.Applied, m.SearchRebuilt)
			}
			svc := customer.NewService(s, customer.Options{DefaultRegion: "TW"})
			for _, tt := range []struct {
				q       string
				deleted customer.Deleted
				want    int64
			}{
				{"小李", customer.DeletedExclude, 1},
				{"li@example.com", customer.DeletedExclude, 1},
				{"小李", customer.DeletedOnly, 2},
				{"lee@example", customer.DeletedOnly, 2},
			} {
				page, err := svc.ListContacts(ctx, customer.ListParams{Query: tt.q, Deleted: tt.deleted})
				if err != nil {
					t.Fatal(err)
				}
				if len(page.Items) != 1 || page.Items[0].ID != tt.want || page.Total == nil || page.Total.Value != 1 {
					t.Errorf("search %s (deleted=%q): %d items, total %+v; want only contact %d", tt.q, tt.deleted, len(page.Items), page.Total, tt.want)
				}
			}
		})
	}
}

func rebind(engine, q string) string {
	if engine != "postgres" {
		return q
	}
	out, n := []byte{}, 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			out = append(out, '$', byte('0'+n))
			continue
		}
		out = append(out, q[i])
	}
	return string(out)
}
