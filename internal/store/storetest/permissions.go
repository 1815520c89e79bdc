package storetest

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/guanxi-crm/guanxi/internal/account"
	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/customer"
)

var permissionTests = []test{
	{"ReadAndWrite", testPermissionsReadWrite},
	{"Assign", testPermissionsAssign},
	{"Viewer", testPermissionsViewer},
	{"Companies", testPermissionsCompanies},
	{"Related", testPermissionsRelated},
	{"Admin", testPermissionsAdmin},
	{"HiddenFieldsStayHidden", testPermissionsHiddenFields},
}

// org is a small organisation: team North with a manager and two agents,
// team South with one agent, a viewer and an admin, and contacts owned in
// every way.
type org struct {
	north, south                      *account.Team
	manager, a1, a2, b, viewer, admin *account.User
	c                                 map[string]*customer.Contact
}

func seedOrg(t *testing.T, e *env) *org {
	t.Helper()
	o := &org{c: map[string]*customer.Contact{}}
	o.north, o.south = e.team("North"), e.team("South")
	o.manager = e.user("Manager", crm.RoleManager, o.north)
	o.a1 = e.user("Agent One", crm.RoleAgent, o.north)
	o.a2 = e.user("Agent Two", crm.RoleAgent, o.north)
	o.b = e.user("Agent South", crm.RoleAgent, o.south)
	o.viewer = e.user("Viewer", crm.RoleViewer)
	o.admin = e.user("Admin", crm.RoleAdmin)
	e.fieldDef(customer.FieldDefFields{RecordType: "contact", Key: "secret", Type: customer.FieldText})
	for _, s := range []struct {
		name        string
		owner, team *int64
	}{
		{"a1's", &o.a1.ID, &o.north.ID},
		{"b's", &o.b.ID, &o.south.ID},
		{"b's in north", &o.b.ID, &o.north.ID},
		{"a2's alone", &o.a2.ID, nil},
		{"nobody's", nil, nil},
	} {
		o.c[s.name] = e.contact(e.sys, customer.ContactFields{DisplayName: s.name, OwnerID: s.owner, TeamID: s.team,
			Emails: []customer.Email{{Address: "x" + jsonOf(len(o.c)) + "@example.com"}}, Phones: []customer.Phone{{Number: "09120000" + jsonOf(10+len(o.c))}},
			Tags: []string{"T"}, Custom: map[string]any{"secret": "s"}, Birthday: "1990-01-01"})
	}
	return o
}

// orgContacts names every contact of seedOrg.
var orgContacts = []string{"a1's", "b's", "b's in north", "a2's alone", "nobody's"}

// orgAccess is who may read and write which contacts of seedOrg.
func orgAccess(o *org) []struct {
	user  *account.User
	full  []string // the rest are basic cards
	write []string
} {
	return []struct {
		user  *account.User
		full  []string
		write []string
	}{
		{o.a1, []string{"a1's", "b's in north"}, []string{"a1's", "b's in north"}},
		{o.b, []string{"b's", "b's in north"}, []string{"b's", "b's in north"}},
		{o.a2, []string{"a1's", "b's in north", "a2's alone"}, []string{"a1's", "b's in north", "a2's alone"}},
		{o.manager, []string{"a1's", "b's in north", "a2's alone"}, []string{"a1's", "b's in north", "a2's alone"}},
		{o.viewer, orgContacts, nil},
		{o.admin, orgContacts, orgContacts},
	}
}

func testPermissionsReadWrite(t *testing.T, e *env) {
	o := seedOrg(t, e)
	all := orgContacts
	for _, tt := range orgAccess(o) {
		t.Run(tt.user.Name, func(t *testing.T) {
			ctx := e.as(tt.user)
			page, err := e.cs.ListContacts(ctx, customer.ListParams{Sort: "id"})
			must(t, err)
			if len(page.Items) != len(all) {
				t.Fatalf("list shows %d contacts; everyone sees every card", len(page.Items))
			}
			listed := map[string]*customer.Contact{}
			for _, c := range page.Items {
				listed[c.DisplayName] = c
			}
			for _, name := range all {
				c := o.c[name]
				full := contains(tt.full, name)
				got, err := e.cs.GetContact(ctx, c.ID)
				must(t, err)
				checkVisibility(t, "get "+name, got, c, full)
				checkVisibility(t, "list "+name, listed[name], c, full)
				_, err = e.cs.ContactAudit(ctx, c.ID, "", 10)
				if full {
					must(t, err)
				} else {
					wantKind(t, err, crm.KindForbidden)
				}
				noop := func(*customer.ContactFields) error { return nil }
				_, err = e.cs.UpdateContact(ctx, c.ID, 0, noop, customer.WriteOptions{})
				if contains(tt.write, name) {
					if err != nil {
						t.Errorf("update %s: %v", name, err)
					}
				} else {
					wantKind(t, err, crm.KindForbidden)
					wantKind(t, e.cs.DeleteContact(ctx, c.ID, 0), crm.KindForbidden)
				}
			}
			if got := e.get(o.c["b's"].ID); got.Version != 1 || got.DeletedAt != nil {
				t.Errorf("refused writes changed a contact: version %d", got.Version)
			}
		})
	}
	t.Run("team change", func(t *testing.T) {
		// Out of team North, agent two keeps only what it owns.
		if _, err := e.acc.SetTeamMember(e.sys, o.north.ID, o.a2.ID, false); err != nil {
			t.Fatal(err)
		}
		ctx := e.as(o.a2)
		if got, _ := e.cs.GetContact(ctx, o.c["a1's"].ID); !got.Restricted {
			t.Error("agent two still sees team North's contact in full")
		}
		if got, _ := e.cs.GetContact(ctx, o.c["a2's alone"].ID); got.Restricted {
			t.Error("agent two lost its own contact")
		}
		if got, _ := e.cs.GetContact(e.as(o.manager), o.c["a2's alone"].ID); !got.Restricted {
			t.Error("the manager still sees the contact of a former team member in full")
		}
	})
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// checkVisibility checks that got is the whole of c, or only its basic card.
func checkVisibility(t *testing.T, what string, got, c *customer.Contact, full bool) {
	t.Helper()
	if got == nil {
		t.Errorf("%s: missing", what)
		return
	}
	if full {
		if got.Restricted || len(got.Emails) == 0 || len(got.Phones) == 0 || got.Custom["secret"] != "s" || len(got.Tags) == 0 || got.Birthday == "" {
			t.Errorf("%s: want the whole record, got %+v", what, got)
		}
		return
	}
	if !got.Restricted || len(got.Emails) != 0 || len(got.Phones) != 0 || len(got.Custom) != 0 || len(got.Tags) != 0 || got.Birthday != "" {
		t.Errorf("%s: want only the basic card, got %+v", what, got)
	}
	if got.ID != c.ID || got.DisplayName != c.DisplayName || cmp.Diff(c.OwnerID, got.OwnerID) != "" || got.Version != c.Version {
		t.Errorf("%s: the card lacks who the person is and who owns them: %+v", what, got)
	}
}

func testPermissionsAssign(t *testing.T, e *env) {
	o := seedOrg(t, e)
	_, err := e.cs.CreateContact(e.as(o.a1), customer.ContactFields{DisplayName: "x", TeamID: &o.south.ID}, customer.WriteOptions{})
	wantField(t, err, "team_id", "not_your_team")
	_, err = e.cs.CreateContact(e.as(o.manager), customer.ContactFields{DisplayName: "x", TeamID: &o.south.ID}, customer.WriteOptions{})
	wantField(t, err, "team_id", "not_your_team")
	_, err = e.cs.UpdateContact(e.as(o.a1), o.c["a1's"].ID, 0, func(f *customer.ContactFields) error { f.TeamID = &o.south.ID; return nil }, customer.WriteOptions{})
	wantField(t, err, "team_id", "not_your_team")
	// b may edit a record of team North it owns, and leave its team alone.
	if _, err := e.cs.UpdateContact(e.as(o.b), o.c["b's in north"].ID, 0, func(f *customer.ContactFields) error { f.GivenName = "n"; return nil }, customer.WriteOptions{}); err != nil {
		t.Errorf("editing a record of another team, keeping its team: %v", err)
	}
	// An agent may hand a record to anyone.
	got, err := e.cs.UpdateContact(e.as(o.a1), o.c["a1's"].ID, 0, func(f *customer.ContactFields) error { f.OwnerID = &o.b.ID; return nil }, customer.WriteOptions{})
	must(t, err)
	if *got.OwnerID != o.b.ID {
		t.Errorf("owner %d; want %d", *got.OwnerID, o.b.ID)
	}
	// Admins assign any team.
	c, err := e.cs.CreateContact(e.as(o.admin), customer.ContactFields{DisplayName: "y", TeamID: &o.south.ID}, customer.WriteOptions{})
	must(t, err)
	if *c.TeamID != o.south.ID || *c.OwnerID != o.admin.ID {
		t.Errorf("admin's contact: owner %v team %v", c.OwnerID, c.TeamID)
	}
}

func testPermissionsViewer(t *testing.T, e *env) {
	o := seedOrg(t, e)
	ctx := e.as(o.viewer)
	co := e.company(e.sys, customer.CompanyFields{Name: "Co"})
	id := o.c["nobody's"].ID
	_, err := e.cs.CreateContact(ctx, customer.ContactFields{DisplayName: "x"}, customer.WriteOptions{})
	wantKind(t, err, crm.KindForbidden)
	_, err = e.cs.CreateContacts(ctx, []customer.ContactFields{{DisplayName: "x"}}, customer.WriteOptions{})
	wantKind(t, err, crm.KindForbidden)
	_, err = e.cs.UpdateContact(ctx, id, 0, func(*customer.ContactFields) error { return nil }, customer.WriteOptions{})
	wantKind(t, err, crm.KindForbidden)
	wantKind(t, e.cs.DeleteContact(ctx, id, 0), crm.KindForbidden)
	_, err = e.cs.MergeContacts(ctx, id, o.c["b's"].ID, 0)
	wantKind(t, err, crm.KindForbidden)
	_, err = e.cs.CreateCompany(ctx, customer.CompanyFields{Name: "x"})
	wantKind(t, err, crm.KindForbidden)
	_, err = e.cs.UpdateCompany(ctx, co.ID, 0, func(*customer.CompanyFields) error { return nil })
	wantKind(t, err, crm.KindForbidden)
	wantKind(t, e.cs.DeleteCompany(ctx, co.ID, 0), crm.KindForbidden)
	_, err = e.cs.CreatePosition(ctx, customer.PositionFields{ContactID: id, CompanyID: co.ID})
	wantKind(t, err, crm.KindForbidden)
	_, err = e.cs.CreateTag(ctx, customer.TagFields{Name: "x"})
	wantKind(t, err, crm.KindForbidden)
	_, err = e.cs.CreateFieldDef(ctx, customer.FieldDefFields{RecordType: "contact", Key: "x", Type: customer.FieldText})
	wantKind(t, err, crm.KindForbidden)
	// Reading is allowed.
	if _, err := e.cs.ContactAudit(ctx, id, "", 10); err != nil {
		t.Errorf("viewer reading history: %v", err)
	}
	if _, err := e.cs.Duplicates(ctx, id); err != nil {
		t.Errorf("viewer reading duplicates: %v", err)
	}
	if _, err := e.cs.ListTags(ctx); err != nil {
		t.Errorf("viewer reading tags: %v", err)
	}
	if _, err := e.cs.ListFieldDefs(ctx, ""); err != nil {
		t.Errorf("viewer reading custom fields: %v", err)
	}
	if contacts, entries := e.countAll(); contacts != 5 || entries == 0 {
		t.Errorf("%d contacts after the viewer's attempts", contacts)
	}
}

func testPermissionsCompanies(t *testing.T, e *env) {
	o := seedOrg(t, e)
	e.fieldDef(customer.FieldDefFields{RecordType: "company", Key: "margin", Type: customer.FieldNumber})
	south := e.company(e.as(o.b), customer.CompanyFields{Name: "South Co", Domain: "south.example", Tags: []string{"Key"}, Custom: map[string]any{"margin": 0.3}})
	north := e.company(e.as(o.a1), customer.CompanyFields{Name: "North Co", Tags: []string{"Key"}, Custom: map[string]any{"margin": 0.2}})
	ctx := e.as(o.a1)
	got, err := e.cs.GetCompany(ctx, south.ID)
	must(t, err)
	if !got.Restricted || len(got.Tags) != 0 || len(got.Custom) != 0 || got.Name != "South Co" || got.Domain != "south.example" {
		t.Errorf("another team's company: %+v; want its basic card", got)
	}
	if got, _ := e.cs.GetCompany(e.as(o.manager), north.ID); got.Restricted {
		t.Error("the manager sees the company of a team member as a card")
	}
	page, err := e.cs.ListCompanies(ctx, customer.ListParams{Sort: "id"})
	must(t, err)
	if len(page.Items) != 2 || !page.Items[0].Restricted || page.Items[1].Restricted {
		t.Errorf("companies listed for agent one: %+v", page.Items)
	}
	_, err = e.cs.UpdateCompany(ctx, south.ID, 0, func(f *customer.CompanyFields) error { f.Name = "x"; return nil })
	wantKind(t, err, crm.KindForbidden)
	wantKind(t, e.cs.DeleteCompany(ctx, south.ID, 0), crm.KindForbidden)
	_, err = e.cs.CompanyAudit(ctx, south.ID, "", 10)
	wantKind(t, err, crm.KindForbidden)
	if _, err := e.cs.UpdateCompany(ctx, north.ID, 0, func(f *customer.CompanyFields) error { f.Name = "North Co Ltd"; return nil }); err != nil {
		t.Errorf("agent updating its own company: %v", err)
	}
	must(t, e.cs.DeleteCompany(e.as(o.b), south.ID, 0))
	_, err = e.cs.RestoreCompany(ctx, south.ID)
	wantKind(t, err, crm.KindForbidden)
}

func testPermissionsRelated(t *testing.T, e *env) {
	o := seedOrg(t, e)
	ctx := e.as(o.a1)
	co := e.company(e.sys, customer.CompanyFields{Name: "Co"})
	// Positions follow the contact's permissions.
	_, err := e.cs.CreatePosition(ctx, customer.PositionFields{ContactID: o.c["b's"].ID, CompanyID: co.ID})
	wantKind(t, err, crm.KindForbidden)
	mine := e.position(ctx, customer.PositionFields{ContactID: o.c["a1's"].ID, CompanyID: co.ID})
	theirs := e.position(e.sys, customer.PositionFields{ContactID: o.c["b's"].ID, CompanyID: co.ID})
	_, err = e.cs.UpdatePosition(ctx, theirs.ID, 0, func(f *customer.PositionFields) error { f.Title = "x"; return nil })
	wantKind(t, err, crm.KindForbidden)
	wantKind(t, e.cs.DeletePosition(ctx, theirs.ID), crm.KindForbidden)
	if _, err := e.cs.UpdatePosition(ctx, mine.ID, 0, func(f *customer.PositionFields) error { f.Title = "Buyer"; return nil }); err != nil {
		t.Errorf("agent updating its contact's position: %v", err)
	}
	// Merging needs write access to both.
	_, err = e.cs.MergeContacts(ctx, o.c["a1's"].ID, o.c["b's"].ID, 0)
	wantKind(t, err, crm.KindForbidden)
	_, err = e.cs.MergeContacts(ctx, o.c["b's"].ID, o.c["a1's"].ID, 0)
	wantKind(t, err, crm.KindForbidden)
	// Restoring too.
	must(t, e.cs.DeleteContact(e.as(o.b), o.c["b's"].ID, 0))
	_, err = e.cs.RestoreContact(ctx, o.c["b's"].ID)
	wantKind(t, err, crm.KindForbidden)
	// Duplicates show others' records as cards.
	twin, err := e.cs.CreateContact(e.as(o.b), customer.ContactFields{DisplayName: "twin", Emails: o.c["a1's"].Emails}, customer.WriteOptions{AllowDuplicate: true})
	must(t, err)
	dups, err := e.cs.Duplicates(ctx, o.c["a1's"].ID)
	must(t, err)
	if len(dups) != 1 || dups[0].Contact.ID != twin.ID || !dups[0].Contact.Restricted || len(dups[0].Contact.Emails) != 0 {
		t.Errorf("duplicates for agent one: %+v", dups)
	}
	// Tags: agents create them; only managers and admins curate them.
	tag, err := e.cs.CreateTag(ctx, customer.TagFields{Name: "Agent tag"})
	must(t, err)
	_, err = e.cs.UpdateTag(ctx, tag.ID, func(f *customer.TagFields) error { f.Name = "Renamed"; return nil })
	wantKind(t, err, crm.KindForbidden)
	wantKind(t, e.cs.DeleteTag(ctx, tag.ID), crm.KindForbidden)
	if _, err := e.cs.UpdateTag(e.as(o.manager), tag.ID, func(f *customer.TagFields) error { f.Name = "Renamed"; return nil }); err != nil {
		t.Errorf("manager renaming a tag: %v", err)
	}
	// Custom fields and purges are for admins.
	_, err = e.cs.CreateFieldDef(e.as(o.manager), customer.FieldDefFields{RecordType: "contact", Key: "x", Type: customer.FieldText})
	wantKind(t, err, crm.KindForbidden)
	_, err = e.cs.PurgeExpired(e.as(o.manager))
	wantKind(t, err, crm.KindForbidden)
}

func testPermissionsAdmin(t *testing.T, e *env) {
	o := seedOrg(t, e)
	ctx := e.as(o.admin)
	for name, c := range o.c {
		if _, err := e.cs.UpdateContact(ctx, c.ID, 0, func(f *customer.ContactFields) error { f.GivenName = "by admin"; return nil }, customer.WriteOptions{}); err != nil {
			t.Errorf("admin updating %s: %v", name, err)
			continue
		}
		entries := e.audit(ctx, c.ID)
		if entries[0].ActorID == nil || *entries[0].ActorID != o.admin.ID || entries[0].ActorName != "Admin" {
			t.Errorf("%s: last change by %v %q; want the admin", name, entries[0].ActorID, entries[0].ActorName)
		}
	}
	must(t, e.cs.PurgeContact(ctx, o.c["b's"].ID, "test"))
	_, err := e.cs.ListTags(context.Background())
	wantKind(t, err, crm.KindUnauthenticated)
}

// A search, filter or sort on a field off the basic card tells nothing of
// the records the caller may see only as their basic card: it finds them by
// their names and companies, never by their emails, phones, tags, custom
// fields or address, and sorts them last. The one exception is the lookup of
// an exact email address or phone number, which tells who holds it (as the
// duplicate check does).
func testPermissionsHiddenFields(t *testing.T, e *env) {
	o := seedOrg(t, e)
	co := e.company(e.sys, customer.CompanyFields{Name: "Hidden Field Trading"})
	for _, name := range orgContacts {
		e.position(e.sys, customer.PositionFields{ContactID: o.c[name].ID, CompanyID: co.ID})
	}
	for _, tt := range orgAccess(o) {
		t.Run(tt.user.Name, func(t *testing.T) {
			ctx := e.as(tt.user)
			names := func(p customer.ListParams) []string {
				t.Helper()
				p.Limit = 100
				page, err := e.cs.ListContacts(ctx, p)
				must(t, err)
				if page.Total == nil || page.Total.Value != int64(len(page.Items)) {
					t.Errorf("%+v: %d items, total %+v", p, len(page.Items), page.Total)
				}
				var out []string
				for _, c := range page.Items {
					out = append(out, c.DisplayName)
				}
				return out
			}
			for _, name := range orgContacts {
				c := o.c[name]
				var want []string
				if contains(tt.full, name) {
					want = []string{name}
				}
				for _, q := range []string{c.Emails[0].Address, c.Phones[0].Number, c.Phones[0].Number[6:]} {
					if diff := cmp.Diff(want, names(customer.ListParams{Query: q})); diff != "" {
						t.Errorf("search %q (%s's) (-want +got):\n%s", q, name, diff)
					}
				}
				if diff := cmp.Diff(want, names(customer.ListParams{Conditions: []customer.Condition{cond("email", customer.OpPrefix, c.Emails[0].Address[:3])}})); diff != "" {
					t.Errorf("filter on the start of %s's email (-want +got):\n%s", name, diff)
				}
				for _, exact := range []customer.Condition{cond("email", customer.OpEq, c.Emails[0].Address), cond("phone", customer.OpIn, c.Phones[0].Number)} {
					if diff := cmp.Diff([]string{name}, names(customer.ListParams{Conditions: []customer.Condition{exact}})); diff != "" {
						t.Errorf("who holds %s's %s (-want +got):\n%s", name, exact.Field, diff)
					}
				}
				// The name and the company are on the card: found by anyone.
				if got := names(customer.ListParams{Query: name}); !contains(got, name) {
					t.Errorf("search %q finds %q", name, got)
				}
			}
			wantFull := sorted(tt.full...)
			for _, f := range []customer.Condition{
				cond("tag", customer.OpEq, "t"),
				cond("custom.secret", customer.OpEq, "s"),
				cond("birthday", customer.OpPrefix, "1990"),
				{Field: "phone", Op: customer.OpExists, Values: []string{"true"}},
			} {
				if diff := cmp.Diff(wantFull, sorted(names(customer.ListParams{Conditions: []customer.Condition{f}})...)); diff != "" {
					t.Errorf("filter %+v (-want +got):\n%s", f, diff)
				}
				if diff := cmp.Diff(wantFull, sorted(names(customer.ListParams{Query: "hidden trading", Conditions: []customer.Condition{f}})...)); diff != "" {
					t.Errorf("search the company, filter %+v (-want +got):\n%s", f, diff)
				}
			}
			for _, f := range []customer.Condition{
				{Field: "custom.secret", Op: customer.OpExists, Values: []string{"false"}},
				cond("tag", customer.OpNe, "t"),
				cond("birthday", customer.OpNe, "1990-01-01"),
			} {
				if got := names(customer.ListParams{Conditions: []customer.Condition{f}}); len(got) != 0 {
					t.Errorf("filter %+v finds %q", f, got)
				}
			}
			if got := names(customer.ListParams{Query: "hidden trading"}); len(got) != len(orgContacts) {
				t.Errorf("search the company finds %q; want everyone", got)
			}
			// Sorted by a hidden field, the records the caller may read
			// come first, in order; the others after them.
			for _, sort := range []string{"birthday", "-birthday", "custom.secret", "-city"} {
				got := names(customer.ListParams{Sort: sort})
				if len(got) != len(orgContacts) {
					t.Fatalf("sort %s lists %q", sort, got)
				}
				if diff := cmp.Diff(wantFull, sorted(got[:len(tt.full)]...)); diff != "" {
					t.Errorf("sort %s: first come (-want +got):\n%s", sort, diff)
				}
			}
		})
	}
}
