package store_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/store"
	"github.com/guanxi-crm/guanxi/internal/testenv"
)

// Many small writes leave an FTS5 index in many segments, which every
// query probes; the janitor's MaintainSearch merges them, and search finds
// the same afterwards. AfterBulkLoad (after bulk loads) runs on both
// engines.
func TestSearchIndexMaintenance(t *testing.T) {
	testenv.ForEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := crm.WithPrincipal(context.Background(), crm.System)
		svc := customer.NewService(s, customer.Options{DefaultRegion: "TW"})
		for i := range 200 { // one transaction, one segment, each
			f := customer.ContactFields{FamilyName: "林", GivenName: fmt.Sprintf("美%d", i), Phones: []customer.Phone{{Number: fmt.Sprintf("0912-000-%03d", i)}}}
			if _, err := svc.CreateContact(ctx, f, customer.WriteOptions{}); err != nil {
				t.Fatal(err)
			}
		}
		segments := func() int {
			if s.Dialect() != "sqlite" {
				return 1
			}
			var n int
			if err := s.ReadDB().QueryRow("SELECT count(DISTINCT segid) FROM contact_search_idx").Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		found := func() int64 {
			page, err := svc.ListContacts(ctx, customer.ListParams{Query: "林美"})
			if err != nil {
				t.Fatal(err)
			}
			return page.Total.Value
		}
		if s.Dialect() == "sqlite" && segments() <= 8 {
			t.Fatalf("%d segments after 200 writes; the test needs more than 8", segments())
		}
		if err := s.MaintainSearch(ctx); err != nil {
			t.Fatal(err)
		}
		if n := segments(); n != 1 {
			t.Errorf("%d segments after MaintainSearch", n)
		}
		if n := found(); n != 200 {
			t.Errorf("search finds %d of 200 after MaintainSearch", n)
		}
		if err := s.AfterBulkLoad(ctx); err != nil {
			t.Fatal(err)
		}
		if n := found(); n != 200 {
			t.Errorf("search finds %d of 200 after AfterBulkLoad", n)
		}
	})
}
