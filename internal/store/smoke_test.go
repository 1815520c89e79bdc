package store_test

import (
	"context"
	"testing"

	"github.com/guanxi-crm/guanxi/internal/account"
	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/store"
	"github.com/guanxi-crm/guanxi/internal/testenv"
)

func TestSmoke(t *testing.T) {
	testenv.ForEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := crm.WithPrincipal(context.Background(), crm.System)
		acc := account.NewService(s, account.Options{})
		u, err := acc.CreateUser(ctx, account.UserFields{Email: "a@example.com", Name: "A", Role: crm.RoleAdmin}, "password123")
		if err != nil {
			t.Fatal(err)
		}
		cs := customer.NewService(s, customer.Options{DefaultRegion: "TW"})
		c, err := cs.CreateContact(ctx, customer.ContactFields{FamilyName: "王", GivenName: "小李", Emails: []customer.Email{{Address: "Li@Example.com"}},
			Phones: []customer.Phone{{Number: "0912-345-678"}}, Tags: []string{"VIP"}, OwnerID: &u.ID}, customer.WriteOptions{})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%+v", c)
		for _, q := range []string{"小李", "王小李", "李", "li@ex", "0912", "王小麗"} {
			page, err := cs.ListContacts(ctx, customer.ListParams{Query: q})
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("q=%s -> %d total=%+v", q, len(page.Items), page.Total)
		}
		_, err = cs.CreateContact(ctx, customer.ContactFields{DisplayName: "dup", Emails: []customer.Email{{Address: "li@example.com"}}}, customer.WriteOptions{})
		t.Logf("dup: %v", err)
		c2, err := cs.CreateContact(ctx, customer.ContactFields{DisplayName: "dup", Emails: []customer.Email{{Address: "li@example.com"}}}, customer.WriteOptions{AllowDuplicate: true})
		if err != nil {
			t.Fatal(err)
		}
		d, err := cs.Duplicates(ctx, c.ID)
		t.Logf("dups %v %v", len(d), err)
		m, err := cs.MergeContacts(ctx, c.ID, c2.ID, 0)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("merged %+v", m)
		a, err := cs.ContactAudit(ctx, c.ID, "", 10)
		t.Logf("audit %d %v", len(a.Items), err)
		for _, e := range a.Items {
			t.Logf("  %s %s %d %s", e.Action, e.RecordType, e.RecordID, e.Changes)
		}
	})
}
