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

// Migration 2 marks the search entries of trashed records, which the first
// schema's code left as they were: after the upgrade a search of live
// contacts leaves out one trashed before it, and a search of the trash finds
// it, counts included.
func TestUpgradeMarksTrashedSearchEntries(t *testing.T) {
	for _, engine := range testenv.Stores() {
		t.Run(engine.Name, func(t *testing.T) {
			s := unmigrated(t, engine.Name)
			ctx := crm.WithPrincipal(context.Background(), crm.System)
			if err := s.MigrateTo(ctx, 1); err != nil {
				t.Fatal(err)
			}
			now := time.Now().UTC().Truncate(time.Microsecond)
			live := &customer.Contact{ContactFields: customer.ContactFields{DisplayName: "王小李", FamilyName: "王", GivenName: "小李"}, CreatedAt: now, UpdatedAt: now}
			gone := &customer.Contact{ContactFields: customer.ContactFields{DisplayName: "李小李", FamilyName: "李", GivenName: "小李"}, CreatedAt: now, UpdatedAt: now}
			if err := s.CreateContacts(ctx, []*customer.Contact{live, gone}); err != nil {
				t.Fatal(err)
			}
			// As the first release deleted: the record only.
			deletedAt := any(now.UnixMicro())
			if engine.Name == "postgres" {
				deletedAt = now
			}
			if _, err := s.DB().ExecContext(ctx, rebind(engine.Name, "UPDATE contacts SET deleted_at = ? WHERE id = ?"), deletedAt, gone.ID); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			svc := customer.NewService(s, customer.Options{DefaultRegion: "TW"})
			for _, tt := range []struct {
				deleted customer.Deleted
				want    int64
			}{{customer.DeletedExclude, live.ID}, {customer.DeletedOnly, gone.ID}} {
				page, err := svc.ListContacts(ctx, customer.ListParams{Query: "小李", Deleted: tt.deleted})
				if err != nil {
					t.Fatal(err)
				}
				if len(page.Items) != 1 || page.Items[0].ID != tt.want || page.Total == nil || page.Total.Value != 1 {
					t.Errorf("search 小李 (deleted=%q): %d items, total %+v; want only contact %d", tt.deleted, len(page.Items), page.Total, tt.want)
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
