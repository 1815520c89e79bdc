package demo_test

import (
	"context"
	"slices"
	"testing"

	"github.com/guanxi-crm/guanxi/internal/account"
	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/demo"
	"github.com/guanxi-crm/guanxi/internal/store"
	"github.com/guanxi-crm/guanxi/internal/testenv"
)

func services(s *store.Store, region string) demo.Services {
	return demo.Services{
		Customers: customer.NewService(s, customer.Options{DefaultRegion: region}),
		Accounts:  account.NewService(s, account.Options{}),
	}
}

// TestLoad loads a data set through the services on each store: every
// record must pass their validation, and what is read back must be what was
// generated — the buying committees and the duplicates the screen finds.
func TestLoad(t *testing.T) {
	ds := demo.Generate(3, 300)
	testenv.ForEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := crm.WithPrincipal(context.Background(), crm.System)
		svc := services(s, "TW")
		var stages []string
		stats, err := demo.Load(ctx, svc, ds, func(p demo.Progress) {
			if len(stages) == 0 || stages[len(stages)-1] != p.Stage {
				stages = append(stages, p.Stage)
			}
			if p.Done > p.Total {
				t.Errorf("progress %+v", p)
			}
		})
		if err != nil {
			t.Fatal(err)
		}
		if stats.Rejected != 0 {
			t.Fatalf("%d records rejected: %v", stats.Rejected, stats.Rejections)
		}
		counts := []struct {
			name      string
			got, want int
		}{
			{"users", stats.Users, len(ds.Users)},
			{"teams", stats.Teams, len(ds.Teams)},
			{"custom fields", stats.FieldDefs, len(ds.FieldDefs)},
			{"tags", stats.Tags, len(ds.Tags)},
			{"companies", stats.Companies, len(ds.Companies)},
			{"contacts", stats.Contacts, len(ds.Contacts)},
			{"duplicates", stats.Duplicates, 3},
			{"positions", stats.Positions, len(ds.Positions)},
		}
		for _, c := range counts {
			if c.got != c.want {
				t.Errorf("%d %s created, want %d", c.got, c.name, c.want)
			}
		}
		if want := []string{"accounts", "companies", "contacts", "positions"}; !slices.Equal(stages, want) {
			t.Errorf("progress stages %v, want %v", stages, want)
		}
		page, err := svc.Customers.ListContacts(ctx, customer.ListParams{Limit: 1})
		if err != nil || page.Total == nil || page.Total.Value != int64(len(ds.Contacts)) {
			t.Errorf("list contacts: total %+v, %v; want %d", page.Total, err, len(ds.Contacts))
		}

		t.Run("teams", func(t *testing.T) {
			teams, err := svc.Accounts.ListTeams(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, team := range teams {
				if len(team.MemberIDs) < 2 {
					t.Errorf("team %s has members %v", team.Name, team.MemberIDs)
				}
			}
		})
		t.Run("committees", func(t *testing.T) {
			want := map[int64]map[int64]*int64{} // company → contact → reports to
			for _, p := range ds.Positions {
				if p.Fields.Status != customer.PositionCurrent {
					continue
				}
				co, c := stats.CompanyIDs[p.Company], stats.ContactIDs[p.Contact]
				if want[co] == nil {
					want[co] = map[int64]*int64{}
				}
				want[co][c] = nil
				if p.ReportsTo >= 0 {
					want[co][c] = &stats.ContactIDs[p.ReportsTo]
				}
			}
			for co, people := range want {
				got, err := svc.Customers.CompanyPositions(ctx, co)
				if err != nil {
					t.Fatal(err)
				}
				current := 0
				for _, p := range got {
					if p.Status != customer.PositionCurrent {
						continue
					}
					current++
					if r, ok := people[p.ContactID]; !ok || (r == nil) != (p.ReportsToID == nil) || r != nil && *r != *p.ReportsToID {
						t.Errorf("company %d: position %+v, want reports to %v", co, p.PositionFields, r)
					}
				}
				if current != len(people) {
					t.Errorf("company %d: %d current positions, want %d", co, current, len(people))
				}
			}
		})
		t.Run("duplicates are found", func(t *testing.T) {
			for i, c := range ds.Contacts {
				if c.DuplicateOf < 0 {
					continue
				}
				id, orig := stats.ContactIDs[i], stats.ContactIDs[c.DuplicateOf]
				dups, err := svc.Customers.Duplicates(ctx, id)
				if err != nil {
					t.Fatal(err)
				}
				if !slices.ContainsFunc(dups, func(d customer.Duplicate) bool { return d.Contact.ID == orig }) {
					t.Errorf("contact %d: duplicates %v do not include %d", id, dups, orig)
				}
			}
		})
	})
}

// TestLoadInAnyRegion loads the same data into servers whose default region
// differs: the numbers of other countries are written with their country
// code, so each phone ends up as the same E.164 number.
func TestLoadInAnyRegion(t *testing.T) {
	ds := demo.Generate(4, 150)
	for _, region := range []string{"TW", "CN", "US", "GB", ""} {
		t.Run("region "+region, func(t *testing.T) {
			ctx := crm.WithPrincipal(context.Background(), crm.System)
			svc := services(testenv.SQLite(t), region)
			stats, err := demo.Load(ctx, svc, ds, nil)
			if err != nil {
				t.Fatal(err)
			}
			if stats.Rejected != 0 {
				t.Fatalf("%d records rejected: %v", stats.Rejected, stats.Rejections)
			}
			for i, c := range ds.Contacts {
				got, err := svc.Customers.GetContact(ctx, stats.ContactIDs[i])
				if err != nil {
					t.Fatal(err)
				}
				for j := range c.IntlPhones {
					want, _, _ := crm.NormalizePhone(c.IntlPhones[j], "")
					if got.Phones[j].Number != want {
						t.Errorf("contact %d: phone %q stored as %q, want %q", i, c.Fields.Phones[j].Number, got.Phones[j].Number, want)
					}
				}
			}
		})
	}
}

// TestLoadReusesAccounts loads into a database that has the demo's users,
// teams, fields and tags already (say, from an earlier, interrupted load):
// they are used, not created again.
func TestLoadReusesAccounts(t *testing.T) {
	ctx := crm.WithPrincipal(context.Background(), crm.System)
	svc := services(testenv.SQLite(t), "TW")
	if _, err := demo.Load(ctx, svc, demo.Generate(1, 0), nil); err != nil {
		t.Fatal(err)
	}
	stats, err := demo.Load(ctx, svc, demo.Generate(2, 50), nil)
	if err != nil {
		t.Fatal(err)
	}
	if stats.Users+stats.Teams+stats.FieldDefs+stats.Tags != 0 || stats.Rejected != 0 || stats.Contacts != 50 {
		t.Errorf("second load: %+v", stats)
	}
}

func TestLoadNeedsAnAdmin(t *testing.T) {
	svc := services(testenv.SQLite(t), "TW")
	agent := &crm.Principal{UserID: 5, Role: crm.RoleAgent}
	for name, ctx := range map[string]context.Context{
		"nobody":   context.Background(),
		"an agent": crm.WithPrincipal(context.Background(), agent),
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := demo.Load(ctx, svc, demo.Generate(1, 10), nil); err == nil {
				t.Error("Load succeeded")
			}
		})
	}
}
