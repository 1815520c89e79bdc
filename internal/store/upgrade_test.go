package store_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/insight"
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
			out = append(append(out, '$'), strconv.Itoa(n)...)
			continue
		}
		out = append(out, q[i])
	}
	return string(out)
}

// Migration 13 fills the buyer figures (insight.Buyer) of the contacts a
// version-12 database holds from their orders: the sales that count alone
// (a return and a cancelled sale are left out), several sales of one day
// (UTC) one purchase day, and the first day's revenue; what it fills is
// what insight.Buyer.Add makes of the same sales.
func TestUpgradeFillsBuyerFigures(t *testing.T) {
	for _, engine := range testenv.Stores() {
		t.Run(engine.Name, func(t *testing.T) {
			s := unmigrated(t, engine.Name)
			ctx := crm.WithPrincipal(context.Background(), crm.System)
			if err := s.MigrateTo(ctx, 12); err != nil {
				t.Fatal(err)
			}
			timeArg := func(at time.Time) any {
				if engine.Name == "postgres" {
					return at
				}
				return at.UnixMicro()
			}
			day := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
			type sale struct {
				contact         int64
				at              time.Time
				kind, status    string
				revenue, profit int64
			}
			sales := []sale{
				{1, day.Add(10 * time.Hour), "sale", "paid", 1000, 400},
				{1, day.Add(23*time.Hour + 30*time.Minute), "sale", "fulfilled", 500, 200},
				{1, day.Add(24*time.Hour + 30*time.Minute), "sale", "paid", 300, 100},
				{1, day.AddDate(0, 0, 5), "sale", "paid", 700, 300},
				{1, day.AddDate(0, 0, 6), "return", "paid", -200, -80},
				{1, day.AddDate(0, 0, 7), "sale", "cancelled", 0, 0},
				{2, day.AddDate(0, 0, 2), "sale", "paid", 900, 450},
			}
			want := map[int64]*insight.Buyer{1: {ContactID: 1}, 2: {ContactID: 2}}
			metrics := map[int64][2]int64{} // revenue and profit of every order
			for id := range want {
				_, err := s.DB().ExecContext(ctx, rebind(engine.Name, `INSERT INTO contacts (id, display_name, created_at, updated_at)
					VALUES (?, ?, ?, ?)`), id, "Buyer "+strconv.FormatInt(id, 10), timeArg(day), timeArg(day))
				if err != nil {
					t.Fatal(err)
				}
			}
			for i, o := range sales {
				_, err := s.DB().ExecContext(ctx, rebind(engine.Name, `INSERT INTO orders (number, kind, contact_id, channel, status,
					currency, placed_at, subtotal, discount, total, cost, revenue, profit, created_at, updated_at)
					VALUES (?, ?, ?, 'web', ?, 'TWD', ?, ?, 0, ?, 0, ?, ?, ?, ?)`),
					"O-"+strconv.Itoa(i), o.kind, o.contact, o.status, timeArg(o.at), o.revenue, o.revenue, o.revenue, o.profit,
					timeArg(o.at), timeArg(o.at))
				if err != nil {
					t.Fatal(err)
				}
				if o.kind == "sale" && (o.status == "paid" || o.status == "fulfilled") {
					want[o.contact].Add(o.at, o.revenue, o.profit)
				}
				m := metrics[o.contact]
				metrics[o.contact] = [2]int64{m[0] + o.revenue, m[1] + o.profit}
			}
			for id, b := range want {
				_, err := s.DB().ExecContext(ctx, rebind(engine.Name, `INSERT INTO contact_metrics (contact_id, first_seen_at, last_seen_at,
					first_order_at, last_order_at, order_count, revenue, profit) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
					id, timeArg(b.FirstOrder), timeArg(b.LastOrder), timeArg(b.FirstOrder), timeArg(b.LastOrder), b.Orders,
					metrics[id][0], metrics[id][1])
				if err != nil {
					t.Fatal(err)
				}
			}
			if want[1].PurchaseDays != 3 || want[1].FirstDayRevenue != 1500 || want[1].Revenue != 2500 || want[1].Orders != 4 {
				t.Fatalf("the model of contact 1 is %+v", want[1]) // the story above, by hand
			}
			if _, err := s.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			got := map[int64]insight.Buyer{}
			err := s.EachBuyer(ctx, func(b insight.Buyer) error { got[b.ContactID] = b; return nil })
			if err != nil {
				t.Fatal(err)
			}
			for id, w := range want {
				g := got[id]
				if g.Orders != w.Orders || g.Revenue != w.Revenue || g.Profit != w.Profit || g.PurchaseDays != w.PurchaseDays ||
					g.FirstDayRevenue != w.FirstDayRevenue || !g.FirstOrder.Equal(w.FirstOrder) || !g.LastOrder.Equal(w.LastOrder) {
					t.Errorf("contact %d after the upgrade: %+v; want %+v", id, g, *w)
				}
			}
		})
	}
}
