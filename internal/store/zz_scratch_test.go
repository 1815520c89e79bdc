package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/testenv"
)

func TestScratchSearch(t *testing.T) {
	s := testenv.SQLite(t)
	ctx := crm.WithPrincipal(context.Background(), crm.System)
	cs := customer.NewService(s, customer.Options{DefaultRegion: "TW"})
	for b := 0; b < 20; b++ {
		var batch []customer.ContactFields
		for i := 0; i < 500; i++ {
			n := b*500 + i
			batch = append(batch, customer.ContactFields{FamilyName: "王", GivenName: fmt.Sprintf("小李%d", n), Address: customer.Address{City: "台北市"}})
		}
		if _, err := cs.CreateContacts(ctx, batch, customer.WriteOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	db := s.ReadDB()
	for _, q := range []string{
		`SELECT count(*) FROM contact_search WHERE contact_search MATCH '"小李"'`,
		`SELECT r.id FROM contacts r WHERE r.deleted_at IS NULL AND r.id IN (SELECT rowid FROM contact_search WHERE contact_search MATCH '"小李"') ORDER BY r.created_at DESC, r.id DESC LIMIT 51`,
	} {
		rows, _ := db.Query("EXPLAIN QUERY PLAN " + q)
		for rows.Next() {
			var a, b, c int
			var d string
			rows.Scan(&a, &b, &c, &d)
			t.Log(d)
		}
		rows.Close()
		start := time.Now()
		for i := 0; i < 20; i++ {
			rows, err := db.Query(q)
			if err != nil {
				t.Fatal(err)
			}
			for rows.Next() {
			}
			rows.Close()
		}
		t.Logf("%v per query: %s", time.Since(start)/20, q)
	}
	start := time.Now()
	for i := 0; i < 20; i++ {
		if _, err := cs.ListContacts(ctx, customer.ListParams{Query: "小李", NoTotal: true}); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("%v per ListContacts", time.Since(start)/20)
}
