package storetest

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/customer"
)

var companyTests = []test{
	{"Create", testCompanyCreate},
	{"CreateInvalid", testCompanyCreateInvalid},
	{"Batch", testCompanyBatch},
	{"Update", testCompanyUpdate},
	{"DeleteRestore", testCompanyDeleteRestore},
	{"Tags", testCompanyTags},
	{"Lists", testCompanyLists},
	{"Sorts", testCompanySorts},
	{"RenameReindexesPeople", testCompanyRename},
}

func testCompanyCreate(t *testing.T, e *env) {
	sales := e.team("Sales")
	agent := e.user("Agent", crm.RoleAgent, sales)
	e.fieldDef(customer.FieldDefFields{RecordType: "company", Key: "employees", Type: customer.FieldNumber})
	in := customer.CompanyFields{Name: "  台灣  積體電路 ", Domain: "https://www.TSMC.example.com.tw/about?x=1", Industry: " 半導體 ",
		Size: "5001+", Address: customer.Address{City: "新竹市", Country: "tw"}, Tags: []string{"Key account", "key ACCOUNT", "半導體"},
		Custom: map[string]any{"employees": float64(73000)}}
	c, err := e.cs.CreateCompany(e.as(agent), in)
	if err != nil {
		t.Fatal(err)
	}
	want := customer.CompanyFields{Name: "台灣 積體電路", Domain: "tsmc.example.com.tw", Industry: "半導體", Size: "5001+",
		Address: customer.Address{City: "新竹市", Country: "TW"}, Tags: []string{"Key account", "半導體"},
		OwnerID: &agent.ID, TeamID: &sales.ID, Custom: map[string]any{"employees": float64(73000)}}
	got, err := e.cs.GetCompany(e.sys, c.ID)
	must(t, err)
	if diff := cmp.Diff(want, got.CompanyFields); diff != "" {
		t.Errorf("stored company (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(c, got); diff != "" {
		t.Errorf("create result differs from a read (-create +read):\n%s", diff)
	}
	if got.Version != 1 || !got.CreatedAt.Equal(e.now()) || got.DeletedAt != nil {
		t.Errorf("version %d created %v deleted %v", got.Version, got.CreatedAt, got.DeletedAt)
	}
	page, err := e.cs.ListCompanies(e.sys, customer.ListParams{})
	must(t, err)
	if len(page.Items) != 1 || cmp.Diff(got, page.Items[0]) != "" {
		t.Errorf("listed companies differ from a read: %s", cmp.Diff([]*customer.Company{got}, page.Items))
	}
	entries, err := e.cs.CompanyAudit(e.sys, c.ID, "", 10)
	must(t, err)
	if len(entries.Items) != 1 || entries.Items[0].Action != crm.ActionCreate || *entries.Items[0].ActorID != agent.ID {
		t.Errorf("company audit %+v; want one create by the agent", entries.Items)
	}
	_, err = e.cs.GetCompany(e.sys, 99999)
	wantKind(t, err, crm.KindNotFound)
}

func testCompanyCreateInvalid(t *testing.T, e *env) {
	tests := []struct {
		name  string
		in    customer.CompanyFields
		field string
		code  string
	}{
		{"no name", customer.CompanyFields{Domain: "x.example"}, "name", "required"},
		{"blank name", customer.CompanyFields{Name: "   "}, "name", "required"},
		{"long name", customer.CompanyFields{Name: strings.Repeat("x", 201)}, "name", "too_long"},
		{"domain without dot", customer.CompanyFields{Name: "A", Domain: "localhost"}, "domain", "invalid_domain"},
		{"domain with space", customer.CompanyFields{Name: "A", Domain: "exa mple.com"}, "domain", "invalid_domain"},
		{"size", customer.CompanyFields{Name: "A", Size: "huge"}, "size", "not_one_of"},
		{"country", customer.CompanyFields{Name: "A", Address: customer.Address{Country: "Taiwan"}}, "address.country", "invalid_country"},
		{"tag", customer.CompanyFields{Name: "A", Tags: []string{"ok", "a,b"}}, "tags[1]", "invalid_tag"},
		{"owner", customer.CompanyFields{Name: "A", OwnerID: ptr(int64(4444))}, "owner_id", "unknown_user"},
		{"custom", customer.CompanyFields{Name: "A", Custom: map[string]any{"x": 1.0}}, "custom.x", "unknown_custom_field"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.cs.CreateCompany(e.sys, tt.in)
			wantField(t, err, tt.field, tt.code)
		})
	}
	page, err := e.cs.ListCompanies(e.sys, customer.ListParams{Deleted: customer.DeletedInclude})
	must(t, err)
	if page.Total.Value != 0 {
		t.Errorf("%d companies after refused creates", page.Total.Value)
	}
}

func testCompanyBatch(t *testing.T, e *env) {
	results, err := e.cs.CreateCompanies(e.sys, []customer.CompanyFields{
		{Name: "One", Tags: []string{"B2B"}}, {Name: ""}, {Name: "Three", Domain: "three.example"}, {Name: "Bad", Size: "x"},
	})
	must(t, err)
	for i, wantOK := range []bool{true, false, true, false} {
		r := results[i]
		if wantOK != (r.Err == nil) || wantOK != (r.ID != 0) {
			t.Errorf("record %d: id %d err %v; want ok=%v", i, r.ID, r.Err, wantOK)
		}
		if !wantOK {
			wantKind(t, r.Err, crm.KindInvalid)
		}
	}
	page, err := e.cs.ListCompanies(e.sys, customer.ListParams{Sort: "id"})
	must(t, err)
	var got []string
	for _, c := range page.Items {
		got = append(got, c.Name)
	}
	if diff := cmp.Diff([]string{"One", "Three"}, got); diff != "" {
		t.Errorf("companies (-want +got):\n%s", diff)
	}
	_, err = e.cs.CreateCompanies(e.sys, make([]customer.CompanyFields, customer.MaxBatch+1))
	wantKind(t, err, crm.KindTooLarge)
}

func testCompanyUpdate(t *testing.T, e *env) {
	c := e.company(e.sys, customer.CompanyFields{Name: "Acme", Tags: []string{"A", "B"}})
	e.tick(time.Minute)
	rename := func(name string) func(*customer.CompanyFields) error {
		return func(f *customer.CompanyFields) error { f.Name = name; return nil }
	}
	v2, err := e.cs.UpdateCompany(e.sys, c.ID, 1, rename("Acme Ltd"))
	must(t, err)
	if v2.Version != 2 || v2.Name != "Acme Ltd" || !v2.UpdatedAt.Equal(e.now()) {
		t.Errorf("after update: %+v", v2)
	}
	read, err := e.cs.GetCompany(e.sys, c.ID)
	must(t, err)
	if diff := cmp.Diff(v2, read); diff != "" {
		t.Errorf("update result differs from a read (-update +read):\n%s", diff)
	}
	_, err = e.cs.UpdateCompany(e.sys, c.ID, 1, rename("Stale"))
	if ce := wantCode(t, err, crm.KindStale, "stale_version"); param(t, ce, "current_version") != 2 {
		t.Errorf("current_version %v; want 2", ce.Params["current_version"])
	}
	same, err := e.cs.UpdateCompany(e.sys, c.ID, 2, func(f *customer.CompanyFields) error {
		f.Name = " Acme  Ltd "
		f.Tags = []string{"b", "a"}
		return nil
	})
	must(t, err)
	if same.Version != 2 {
		t.Errorf("no-op update made version %d", same.Version)
	}
	_, err = e.cs.UpdateCompany(e.sys, c.ID, 0, func(f *customer.CompanyFields) error { f.Name = ""; return nil })
	wantField(t, err, "name", "required")
	entries, err := e.cs.CompanyAudit(e.sys, c.ID, "", 10)
	must(t, err)
	if len(entries.Items) != 2 || entries.Items[0].Action != crm.ActionUpdate ||
		jsonOf(entries.Items[0].Changes) != `[{"field":"name","from":"Acme","to":"Acme Ltd"}]` {
		t.Errorf("company audit %s", jsonOf(entries.Items))
	}
}

func testCompanyDeleteRestore(t *testing.T, e *env) {
	c := e.company(e.sys, customer.CompanyFields{Name: "Gone Soon", Tags: []string{"T"}})
	keep := e.company(e.sys, customer.CompanyFields{Name: "Stays"})
	person := e.named("Worker")
	e.position(e.sys, customer.PositionFields{ContactID: person.ID, CompanyID: c.ID, Title: "CEO"})
	e.tick(time.Hour)
	must(t, e.cs.DeleteCompany(e.sys, c.ID, 1))
	got, err := e.cs.GetCompany(e.sys, c.ID)
	must(t, err)
	if got.DeletedAt == nil || !got.DeletedAt.Equal(e.now()) || got.Version != 2 {
		t.Errorf("deleted company: deleted_at %v version %d", got.DeletedAt, got.Version)
	}
	listNames := func(d customer.Deleted) []string {
		page, err := e.cs.ListCompanies(e.sys, customer.ListParams{Deleted: d})
		must(t, err)
		var out []string
		for _, c := range page.Items {
			out = append(out, c.Name)
		}
		return sorted(out...)
	}
	if diff := cmp.Diff([]string{"Stays"}, listNames("")); diff != "" {
		t.Errorf("live companies (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"Gone Soon"}, listNames(customer.DeletedOnly)); diff != "" {
		t.Errorf("deleted companies (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"Gone Soon", "Stays"}, listNames(customer.DeletedInclude)); diff != "" {
		t.Errorf("all companies (-want +got):\n%s", diff)
	}
	// The people keep their positions at a deleted company, but their card
	// no longer lists it.
	if positions, err := e.cs.ContactPositions(e.sys, person.ID); err != nil || len(positions) != 1 {
		t.Errorf("positions after the company was deleted: %v %v", positions, err)
	}
	if refs := e.get(person.ID).Companies; len(refs) != 0 {
		t.Errorf("companies of the person: %+v", refs)
	}
	must(t, e.cs.DeleteCompany(e.sys, c.ID, 0)) // again: nothing happens
	_, err = e.cs.UpdateCompany(e.sys, c.ID, 0, func(f *customer.CompanyFields) error { f.Name = "x"; return nil })
	wantCode(t, err, crm.KindConflict, "record_deleted")
	_, err = e.cs.RestoreCompany(e.sys, keep.ID)
	wantCode(t, err, crm.KindConflict, "not_deleted")
	e.tick(customer.TrashRetention - time.Hour)
	restored, err := e.cs.RestoreCompany(e.sys, c.ID)
	must(t, err)
	if restored.DeletedAt != nil || restored.Version != 3 {
		t.Errorf("restored: %+v", restored)
	}
	if refs := e.get(person.ID).Companies; len(refs) != 1 || refs[0].Name != "Gone Soon" || refs[0].Title != "CEO" {
		t.Errorf("companies of the person after restore: %+v", refs)
	}
	must(t, e.cs.DeleteCompany(e.sys, c.ID, 0))
	e.tick(customer.TrashRetention + time.Second)
	_, err = e.cs.RestoreCompany(e.sys, c.ID)
	wantCode(t, err, crm.KindConflict, "restore_window_passed")
	entries, err := e.cs.CompanyAudit(e.sys, c.ID, "", 10)
	must(t, err)
	var actions []string
	for _, en := range entries.Items {
		actions = append(actions, en.Action)
	}
	if diff := cmp.Diff([]string{"delete", "restore", "delete", "create"}, actions); diff != "" {
		t.Errorf("audit actions, newest first (-want +got):\n%s", diff)
	}
}

func testCompanyTags(t *testing.T, e *env) {
	c := e.company(e.sys, customer.CompanyFields{Name: "Tagged", Tags: []string{"Partner"}})
	e.contact(e.sys, customer.ContactFields{DisplayName: "P", Tags: []string{"partner"}})
	c2, err := e.cs.UpdateCompany(e.sys, c.ID, 0, func(f *customer.CompanyFields) error { f.Tags = append(f.Tags, "Reseller"); return nil })
	must(t, err)
	if diff := cmp.Diff([]string{"Partner", "Reseller"}, c2.Tags); diff != "" {
		t.Errorf("tags (-want +got):\n%s", diff)
	}
	tags, err := e.cs.ListTags(e.sys)
	must(t, err)
	counts := map[string][2]int64{}
	for _, tg := range tags {
		counts[tg.Name] = [2]int64{tg.ContactCount, tg.CompanyCount}
	}
	if diff := cmp.Diff(map[string][2]int64{"Partner": {1, 1}, "Reseller": {0, 1}}, counts); diff != "" {
		t.Errorf("tag counts [contacts, companies] (-want +got):\n%s", diff)
	}
	page, err := e.cs.ListCompanies(e.sys, customer.ListParams{Conditions: []customer.Condition{cond("tag", customer.OpEq, "RESELLER")}})
	must(t, err)
	if len(page.Items) != 1 || page.Items[0].ID != c.ID {
		t.Errorf("companies tagged reseller: %v", page.Items)
	}
	c3, err := e.cs.UpdateCompany(e.sys, c.ID, 0, func(f *customer.CompanyFields) error { f.Tags = nil; return nil })
	must(t, err)
	if len(c3.Tags) != 0 {
		t.Errorf("tags after clearing: %v", c3.Tags)
	}
	got, err := e.cs.GetCompany(e.sys, c.ID)
	must(t, err)
	if len(got.Tags) != 0 {
		t.Errorf("stored tags after clearing: %v", got.Tags)
	}
}

func companyNames(cs []*customer.Company) []string {
	out := []string{}
	for _, c := range cs {
		out = append(out, c.Name)
	}
	return out
}

// seedCompanies makes companies for the list tests.
func seedCompanies(t *testing.T, e *env) map[string]*customer.Company {
	team := e.team("Team")
	owner := e.user("Owner", crm.RoleAgent)
	e.fieldDef(customer.FieldDefFields{RecordType: "company", Key: "revenue", Type: customer.FieldMoney, Currency: "USD"})
	e.fieldDef(customer.FieldDefFields{RecordType: "company", Key: "segment", Type: customer.FieldSelect, Options: []customer.Option{{Value: "smb"}, {Value: "enterprise"}}})
	e.fieldDef(customer.FieldDefFields{RecordType: "contact", Key: "revenue", Type: customer.FieldText}) // same key, other record type
	seeds := []customer.CompanyFields{
		{Name: "台積電", Domain: "tsmc.example", Industry: "半導體", Size: "5001+", Address: customer.Address{City: "新竹市", Country: "TW"},
			OwnerID: &owner.ID, TeamID: &team.ID, Tags: []string{"Key"}, Custom: map[string]any{"revenue": 9e9, "segment": "enterprise"}},
		{Name: "Acme", Domain: "acme.example", Industry: "Trading", Size: "11-50", Address: customer.Address{City: "Taipei", Region: "北部", Country: "TW"},
			Custom: map[string]any{"revenue": 5e5, "segment": "smb"}},
		{Name: "Zeta GmbH", Industry: "Trading", Size: "51-200", Address: customer.Address{City: "Berlin", Country: "DE"}, OwnerID: &owner.ID},
		{Name: "鴻海", Domain: "foxconn.example", Industry: "製造", Address: customer.Address{City: "新北市", Country: "TW"}, Tags: []string{"Key", "Asia"},
			Custom: map[string]any{"segment": "enterprise"}},
		{Name: "Beta", Size: "1-10"},
	}
	out := map[string]*customer.Company{}
	for i, f := range seeds {
		e.clock.T = start.Add(time.Duration(i+1) * time.Hour)
		c := e.company(e.sys, f)
		out[c.Name] = c
	}
	e.clock.T = start.Add(10 * time.Hour)
	if _, err := e.cs.UpdateCompany(e.sys, out["Beta"].ID, 0, func(f *customer.CompanyFields) error { f.Industry = "Software"; return nil }); err != nil {
		t.Fatal(err)
	}
	gone := e.company(e.sys, customer.CompanyFields{Name: "Gone", Industry: "Trading"})
	must(t, e.cs.DeleteCompany(e.sys, gone.ID, 0))
	return out
}

func testCompanyLists(t *testing.T, e *env) {
	cos := seedCompanies(t, e)
	id := func(n string) string { return strconv.FormatInt(cos[n].ID, 10) }
	owner := strconv.FormatInt(*cos["台積電"].OwnerID, 10)
	team := strconv.FormatInt(*cos["台積電"].TeamID, 10)
	tests := []struct {
		name  string
		conds []customer.Condition
		q     string
		want  []string
	}{
		{"all", nil, "", []string{"台積電", "Acme", "Zeta GmbH", "鴻海", "Beta"}},
		{"id in", []customer.Condition{cond("id", customer.OpIn, id("Acme"), id("Beta"))}, "", []string{"Acme", "Beta"}},
		{"name eq", []customer.Condition{cond("name", customer.OpEq, "Acme")}, "", []string{"Acme"}},
		{"name prefix", []customer.Condition{cond("name", customer.OpPrefix, "Ze")}, "", []string{"Zeta GmbH"}},
		{"domain exists", []customer.Condition{cond("domain", customer.OpExists, "true")}, "", []string{"台積電", "Acme", "鴻海"}},
		{"industry eq", []customer.Condition{cond("industry", customer.OpEq, "Trading")}, "", []string{"Acme", "Zeta GmbH"}},
		{"industry ne", []customer.Condition{cond("industry", customer.OpNe, "Trading")}, "", []string{"台積電", "鴻海", "Beta"}},
		{"size in", []customer.Condition{cond("size", customer.OpIn, "1-10", "11-50")}, "", []string{"Acme", "Beta"}},
		{"size missing", []customer.Condition{cond("size", customer.OpExists, "false")}, "", []string{"鴻海"}},
		{"city prefix", []customer.Condition{cond("city", customer.OpPrefix, "新")}, "", []string{"台積電", "鴻海"}},
		{"region eq", []customer.Condition{cond("region", customer.OpEq, "北部")}, "", []string{"Acme"}},
		{"country ne", []customer.Condition{cond("country", customer.OpNe, "TW")}, "", []string{"Zeta GmbH", "Beta"}},
		{"owner_id eq", []customer.Condition{cond("owner_id", customer.OpEq, owner)}, "", []string{"台積電", "Zeta GmbH"}},
		{"owner_id missing", []customer.Condition{cond("owner_id", customer.OpExists, "false")}, "", []string{"Acme", "鴻海", "Beta"}},
		{"team_id eq", []customer.Condition{cond("team_id", customer.OpEq, team)}, "", []string{"台積電"}},
		{"tag eq", []customer.Condition{cond("tag", customer.OpEq, "key")}, "", []string{"台積電", "鴻海"}},
		{"tag ne", []customer.Condition{cond("tag", customer.OpNe, "asia")}, "", []string{"台積電", "Acme", "Zeta GmbH", "Beta"}},
		{"created_at gt", []customer.Condition{cond("created_at", customer.OpGt, hoursAfterStart(3))}, "", []string{"鴻海", "Beta"}},
		{"updated_at gte", []customer.Condition{cond("updated_at", customer.OpGte, hoursAfterStart(10))}, "", []string{"Beta"}},
		{"custom money gte", []customer.Condition{cond("custom.revenue", customer.OpGte, "1000000")}, "", []string{"台積電"}},
		{"custom select", []customer.Condition{cond("custom.segment", customer.OpEq, "enterprise")}, "", []string{"台積電", "鴻海"}},
		{"custom missing", []customer.Condition{cond("custom.segment", customer.OpExists, "false")}, "", []string{"Zeta GmbH", "Beta"}},
		{"search and filter", []customer.Condition{cond("country", customer.OpEq, "TW")}, "example", []string{"台積電", "Acme", "鴻海"}},
		{"search", nil, "gmbh", []string{"Zeta GmbH"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			items := walk(t, 2, func(cursor string) (crm.Page[*customer.Company], error) {
				return e.cs.ListCompanies(e.sys, customer.ListParams{Query: tt.q, Conditions: tt.conds, Sort: "id", Limit: 2, Cursor: cursor})
			})
			if diff := cmp.Diff(sorted(tt.want...), sorted(companyNames(items)...)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	for _, tt := range []struct {
		name   string
		params customer.ListParams
		field  string
		code   string
	}{
		{"contact field", customer.ListParams{Conditions: []customer.Condition{cond("email", customer.OpEq, "a@b.c")}}, "filter[email]", "unknown_field"},
		{"contact sort", customer.ListParams{Sort: "display_name"}, "sort", "not_sortable"},
		{"contact custom field type", customer.ListParams{Conditions: []customer.Condition{cond("custom.revenue", customer.OpPrefix, "1")}}, "filter[custom.revenue]", "operator_not_allowed"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.cs.ListCompanies(e.sys, tt.params)
			wantField(t, err, tt.field, tt.code)
		})
	}
}

func testCompanySorts(t *testing.T, e *env) {
	seedCompanies(t, e)
	page, err := e.cs.ListCompanies(e.sys, customer.ListParams{Sort: "id"})
	must(t, err)
	live := page.Items
	text := func(get func(c *customer.Company) string) func(*customer.Company) (any, bool) {
		return func(c *customer.Company) (any, bool) { return get(c), true }
	}
	keys := map[string]func(*customer.Company) (any, bool){
		"id":       func(c *customer.Company) (any, bool) { return c.ID, true },
		"name":     text(func(c *customer.Company) string { return c.Name }),
		"domain":   text(func(c *customer.Company) string { return c.Domain }),
		"industry": text(func(c *customer.Company) string { return c.Industry }),
		"size":     text(func(c *customer.Company) string { return c.Size }),
		"city":     text(func(c *customer.Company) string { return c.Address.City }),
		"region":   text(func(c *customer.Company) string { return c.Address.Region }),
		"country":  text(func(c *customer.Company) string { return c.Address.Country }),
		"owner_id": func(c *customer.Company) (any, bool) {
			if c.OwnerID == nil {
				return nil, false
			}
			return *c.OwnerID, true
		},
		"created_at":     func(c *customer.Company) (any, bool) { return c.CreatedAt.UnixMicro(), true },
		"updated_at":     func(c *customer.Company) (any, bool) { return c.UpdatedAt.UnixMicro(), true },
		"custom.revenue": func(c *customer.Company) (any, bool) { v, ok := c.Custom["revenue"]; return v, ok },
		"custom.segment": func(c *customer.Company) (any, bool) { v, ok := c.Custom["segment"]; return v, ok },
	}
	fields := make([]string, 0, len(keys))
	for k := range keys {
		fields = append(fields, k)
	}
	slices.Sort(fields)
	for _, field := range fields {
		for _, desc := range []bool{false, true} {
			sortParam := field
			if desc {
				sortParam = "-" + field
			}
			t.Run(sortParam, func(t *testing.T) {
				want := modelOrder(live, keys[field], func(c *customer.Company) int64 { return c.ID }, desc)
				got := walk(t, 2, func(cursor string) (crm.Page[*customer.Company], error) {
					return e.cs.ListCompanies(e.sys, customer.ListParams{Sort: sortParam, Limit: 2, Cursor: cursor})
				})
				if diff := cmp.Diff(companyNames(want), companyNames(got)); diff != "" {
					t.Errorf("order (-want +got):\n%s", diff)
				}
			})
		}
	}
}

func testCompanyRename(t *testing.T, e *env) {
	co := e.company(e.sys, customer.CompanyFields{Name: "舊名字"})
	var people []*customer.Contact
	for _, n := range []string{"甲", "乙", "丙"} {
		c := e.contact(e.sys, customer.ContactFields{FamilyName: "張", GivenName: n})
		e.position(e.sys, customer.PositionFields{ContactID: c.ID, CompanyID: co.ID, Title: "Engineer"})
		people = append(people, c)
	}
	must(t, e.cs.DeleteContact(e.sys, people[2].ID, 0))
	before := e.get(people[0].ID)
	if _, err := e.cs.UpdateCompany(e.sys, co.ID, 0, func(f *customer.CompanyFields) error { f.Name = "新名字"; return nil }); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"張乙", "張甲"}, e.search("新名")); diff != "" {
		t.Errorf("search by the new name (-want +got):\n%s", diff)
	}
	if got := e.search("舊名"); len(got) != 0 {
		t.Errorf("search by the old name still finds %v", got)
	}
	after := e.get(people[0].ID)
	if after.Version != before.Version || len(after.Companies) != 1 || after.Companies[0].Name != "新名字" {
		t.Errorf("person after the rename: version %d (was %d), companies %+v", after.Version, before.Version, after.Companies)
	}
	// The deleted person is found again, by the new name, once restored.
	if _, err := e.cs.RestoreContact(e.sys, people[2].ID); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"張丙", "張乙", "張甲"}, e.search("新名")); diff != "" {
		t.Errorf("search after restoring a person (-want +got):\n%s", diff)
	}
}
