package storetest

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/customer"
)

var searchTests = []test{
	{"Text", testSearchText},
	{"Companies", testSearchCompanies},
	{"WithFilters", testSearchWithFilters},
	{"FollowsChanges", testSearchFollowsChanges},
	{"TrashAndBack", testSearchTrashAndBack},
}

// A search, and the count of its matches, follows a record into the trash
// and back out of it, for contacts and companies; merged contacts are found
// in neither.
func testSearchTrashAndBack(t *testing.T, e *env) {
	a := e.contact(e.sys, customer.ContactFields{FamilyName: "周", GivenName: "杰倫"})
	b := e.contact(e.sys, customer.ContactFields{FamilyName: "周", GivenName: "杰克"})
	c := e.contact(e.sys, customer.ContactFields{FamilyName: "周", GivenName: "杰西"})
	_, err := e.cs.MergeContacts(e.sys, a.ID, c.ID, 0)
	must(t, err)
	co := e.company(e.sys, customer.CompanyFields{Name: "周杰企業"})
	check := func(step string, deleted customer.Deleted, want ...string) {
		t.Helper()
		page := e.list(customer.ListParams{Query: "周杰", Deleted: deleted})
		if diff := cmp.Diff(sorted(want...), sortedNames(page.Items)); diff != "" {
			t.Errorf("%s: search 周杰 (deleted=%q) (-want +got):\n%s", step, deleted, diff)
		}
		if page.Total == nil || page.Total.Value != int64(len(want)) || !page.Total.Exact {
			t.Errorf("%s: search 周杰 (deleted=%q): total %+v, want %d", step, deleted, page.Total, len(want))
		}
	}
	companies := func(deleted customer.Deleted) int64 {
		t.Helper()
		page, err := e.cs.ListCompanies(e.sys, customer.ListParams{Query: "周杰", Deleted: deleted})
		must(t, err)
		if int64(len(page.Items)) != page.Total.Value {
			t.Errorf("companies: %d items, total %+v", len(page.Items), page.Total)
		}
		return page.Total.Value
	}
	check("before", customer.DeletedExclude, "周杰倫", "周杰克")
	check("before", customer.DeletedOnly)
	must(t, e.cs.DeleteContact(e.sys, b.ID, 0))
	must(t, e.cs.DeleteCompany(e.sys, co.ID, 0))
	check("deleted", customer.DeletedExclude, "周杰倫")
	check("deleted", customer.DeletedOnly, "周杰克")
	check("deleted", customer.DeletedInclude, "周杰倫", "周杰克")
	if live, trash := companies(customer.DeletedExclude), companies(customer.DeletedOnly); live != 0 || trash != 1 {
		t.Errorf("deleted company: found %d live, %d in the trash", live, trash)
	}
	_, err = e.cs.RestoreContact(e.sys, b.ID)
	must(t, err)
	_, err = e.cs.RestoreCompany(e.sys, co.ID)
	must(t, err)
	check("restored", customer.DeletedExclude, "周杰倫", "周杰克")
	check("restored", customer.DeletedOnly)
	if live, trash := companies(customer.DeletedExclude), companies(customer.DeletedOnly); live != 1 || trash != 0 {
		t.Errorf("restored company: found %d live, %d in the trash", live, trash)
	}
}

func testSearchText(t *testing.T, e *env) {
	e.contact(e.sys, customer.ContactFields{FamilyName: "王", GivenName: "小李",
		Emails: []customer.Email{{Address: "li@example.com"}}, Phones: []customer.Phone{{Number: "0912-345-678"}}})
	ming := e.contact(e.sys, customer.ContactFields{FamilyName: "王", GivenName: "小明"})
	e.position(e.sys, customer.PositionFields{ContactID: ming.ID, CompanyID: e.company(e.sys, customer.CompanyFields{Name: "小李企業"}).ID})
	e.contact(e.sys, customer.ContactFields{FamilyName: "王", GivenName: "小麗"})
	e.contact(e.sys, customer.ContactFields{FamilyName: "李", GivenName: "大同"})
	e.contact(e.sys, customer.ContactFields{FamilyName: "Lee", GivenName: "Ann",
		Emails: []customer.Email{{Address: "Ann.Lee@Example.com"}}, Phones: []customer.Phone{{Number: "+1 415 555 0100"}}})
	e.contact(e.sys, customer.ContactFields{FamilyName: "García", GivenName: "José", Phones: []customer.Phone{{Number: "+34 612 345 678"}}})
	e.contact(e.sys, customer.ContactFields{DisplayName: "Danny O'Brien", Emails: []customer.Email{{Address: "danny_o@brien.example"}},
		Phones: []customer.Phone{{Number: "2700 1234"}}})
	e.contact(e.sys, customer.ContactFields{DisplayName: "ＴＡＮＡＫＡ Hiroshi 田中"})
	gone := e.contact(e.sys, customer.ContactFields{FamilyName: "王", GivenName: "小李子"})
	must(t, e.cs.DeleteContact(e.sys, gone.ID, 0))

	tests := []struct {
		q    string
		want []string
	}{
		// Chinese substrings of any length.
		{"小李", []string{"王小李", "王小明"}}, // 王小明 works at 小李企業
		{"李", []string{"王小李", "王小明", "李大同"}},
		{"王小李", []string{"王小李"}}, // 王小明 has 王小 and 小李, but not together
		{"王小麗", []string{"王小麗"}},
		{"王小", []string{"王小李", "王小明", "王小麗"}},
		{"小李企業", []string{"王小明"}},
		{"李企", []string{"王小明"}},
		{"大同", []string{"李大同"}},
		{"同大", nil},
		{"王 小李", []string{"王小李", "王小明"}},
		{"田中", []string{"ＴＡＮＡＫＡ Hiroshi 田中"}},
		// Latin words match by prefix, whatever the case and accents.
		{"ann", []string{"Ann Lee"}},
		{"ANN", []string{"Ann Lee"}},
		{"an", []string{"Ann Lee"}},
		{"lee ann", []string{"Ann Lee"}},
		{"ann lee", []string{"Ann Lee"}},
		{"nn", nil}, // not a prefix of any word
		{"jose", []string{"José García"}},
		{"JOSÉ", []string{"José García"}},
		{"garc", []string{"José García"}},
		{"tanaka", []string{"ＴＡＮＡＫＡ Hiroshi 田中"}},
		{"ｔａｎａ", []string{"ＴＡＮＡＫＡ Hiroshi 田中"}},
		{"o'brien", []string{"Danny O'Brien"}},
		{"brien", []string{"Danny O'Brien"}},
		// Emails by prefix, case-insensitively.
		{"li@example.com", []string{"王小李"}},
		{"ann.lee@ex", []string{"Ann Lee"}},
		{"Ann.Lee@EXAMPLE.COM", []string{"Ann Lee"}},
		{"example", []string{"王小李", "Ann Lee", "Danny O'Brien"}},
		{"danny_o@brien", []string{"Danny O'Brien"}},
		// Phones by digits in any usual form, and their prefixes.
		{"0912-345-678", []string{"王小李"}},
		{"0912345678", []string{"王小李"}},
		{"912345678", []string{"王小李"}},
		{"+886 912 345 678", []string{"王小李"}},
		{"886912", []string{"王小李"}},
		{"0912", []string{"王小李"}},
		{"(09) 12", []string{"王小李"}},
		{"345678", []string{"王小李", "José García"}}, // the end of a number
		{"5678", []string{"王小李", "José García"}},   // its last four digits
		{"34567", []string{"王小李", "José García"}},  // any run of its digits
		{"2345-6789", nil},
		{"0913", nil},
		{"4155550100", []string{"Ann Lee"}},
		{"+1 (415) 555", []string{"Ann Lee"}},
		{"1415", []string{"Ann Lee"}},
		{"612 345", []string{"José García"}},
		{"+34612", []string{"José García"}},
		{"27001234", []string{"Danny O'Brien"}}, // a Taipei number typed without its trunk prefix
		{"7001234", []string{"Danny O'Brien"}},  // or without its area code
		{"027001234", []string{"Danny O'Brien"}},
		// Nothing to look up, or characters that mean something to a
		// query language: no error, and only literal matches.
		{"!!!", nil},
		{`"`, nil},
		{`'`, nil},
		{`\`, nil},
		{`%`, nil},
		{`_`, nil},
		{`*`, nil},
		{`a & b | !c`, nil},
		{`ann:*`, []string{"Ann Lee"}},
		{`王%`, []string{"王小李", "王小明", "王小麗"}},
		{`"ann" OR "jose"`, nil},
		{"小李子", nil}, // deleted
	}
	for _, tt := range tests {
		t.Run(tt.q, func(t *testing.T) {
			if diff := cmp.Diff(sorted(tt.want...), e.search(tt.q)); diff != "" {
				t.Errorf("search %q (-want +got):\n%s", tt.q, diff)
			}
		})
	}
	t.Run("deleted ones when asked", func(t *testing.T) {
		page := e.list(customer.ListParams{Query: "小李子", Deleted: customer.DeletedOnly})
		if diff := cmp.Diff([]string{"王小李子"}, names(page.Items)); diff != "" {
			t.Errorf("search in the trash (-want +got):\n%s", diff)
		}
	})
}

func testSearchCompanies(t *testing.T, e *env) {
	e.company(e.sys, customer.CompanyFields{Name: "台灣積體電路製造", Domain: "tsmc.example.com"})
	e.company(e.sys, customer.CompanyFields{Name: "Acme Trading 有限公司", Domain: "https://www.acme.example.tw/about"})
	e.company(e.sys, customer.CompanyFields{Name: "Ümlaut GmbH"})
	gone := e.company(e.sys, customer.CompanyFields{Name: "積體倒閉"})
	must(t, e.cs.DeleteCompany(e.sys, gone.ID, 0))
	tests := []struct {
		q    string
		want []string
	}{
		{"積體", []string{"台灣積體電路製造"}},
		{"體電路", []string{"台灣積體電路製造"}},
		{"台灣電路", nil},
		{"tsmc", []string{"台灣積體電路製造"}},
		{"acme.example", []string{"Acme Trading 有限公司"}},
		{"trad", []string{"Acme Trading 有限公司"}},
		{"有限", []string{"Acme Trading 有限公司"}},
		{"umlaut", []string{"Ümlaut GmbH"}},
		{"gmbh", []string{"Ümlaut GmbH"}},
		{"倒閉", nil},
	}
	for _, tt := range tests {
		t.Run(tt.q, func(t *testing.T) {
			items := walk(t, 2, func(cursor string) (crm.Page[*customer.Company], error) {
				return e.cs.ListCompanies(e.sys, customer.ListParams{Query: tt.q, Limit: 2, Cursor: cursor, Sort: "id"})
			})
			var got []string
			for _, c := range items {
				got = append(got, c.Name)
			}
			if diff := cmp.Diff(sorted(tt.want...), sorted(got...)); diff != "" {
				t.Errorf("search %q (-want +got):\n%s", tt.q, diff)
			}
		})
	}
}

func testSearchWithFilters(t *testing.T, e *env) {
	given := []string{"一", "二", "三", "四", "五", "六", "七", "八"}
	for i, city := range []string{"台北市", "台中市", "台北市", "台北市", "高雄市", "台北市", "台北市", "台北市"} {
		f := customer.ContactFields{FamilyName: "林", GivenName: "美" + given[i], Address: customer.Address{City: city}}
		if i%2 == 0 {
			f.Tags = []string{"VIP"}
		}
		e.contact(e.sys, f)
		e.tick(time.Minute)
	}
	e.contact(e.sys, customer.ContactFields{FamilyName: "陳", GivenName: "美玲", Address: customer.Address{City: "台北市"}, Tags: []string{"VIP"}})
	params := customer.ListParams{Query: "林美", Conditions: []customer.Condition{cond("city", customer.OpEq, "台北市")}, Sort: "-created_at", Limit: 2}
	first, err := e.cs.ListContacts(e.sys, params)
	must(t, err)
	if first.Total == nil || first.Total.Value != 6 || !first.Total.Exact {
		t.Errorf("total %+v; want exactly 6", first.Total)
	}
	got := walk(t, 2, func(cursor string) (crm.Page[*customer.Contact], error) {
		p := params
		p.Cursor = cursor
		return e.cs.ListContacts(e.sys, p)
	})
	want := []string{"林美八", "林美七", "林美六", "林美四", "林美三", "林美一"}
	if diff := cmp.Diff(want, names(got)); diff != "" {
		t.Errorf("search 林美 in 台北市, newest first (-want +got):\n%s", diff)
	}
	params.Conditions = append(params.Conditions, cond("tag", customer.OpEq, "vip"))
	params.Sort = "display_name"
	got = walk(t, 2, func(cursor string) (crm.Page[*customer.Contact], error) {
		p := params
		p.Cursor = cursor
		return e.cs.ListContacts(e.sys, p)
	})
	wantVIP := modelOrder(filterNames(e, []string{"林美一", "林美三", "林美七"}), contactSortKeys["display_name"], contactID, false)
	if diff := cmp.Diff(names(wantVIP), names(got)); diff != "" {
		t.Errorf("search 林美, 台北市, VIP by name (-want +got):\n%s", diff)
	}
}

// filterNames reads the live contacts with these display names.
func filterNames(e *env, want []string) []*customer.Contact {
	var out []*customer.Contact
	for _, c := range e.list(customer.ListParams{Limit: 500}).Items {
		for _, n := range want {
			if c.DisplayName == n {
				out = append(out, c)
			}
		}
	}
	return out
}

// testSearchFollowsChanges checks that people are found by the companies
// where they work now, and that the index follows every change to that.
func testSearchFollowsChanges(t *testing.T, e *env) {
	tsmc := e.company(e.sys, customer.CompanyFields{Name: "台積電"})
	hon := e.company(e.sys, customer.CompanyFields{Name: "鴻海精密"})
	chen := e.contact(e.sys, customer.ContactFields{FamilyName: "陳", GivenName: "大文"})
	lin := e.contact(e.sys, customer.ContactFields{FamilyName: "林", GivenName: "志玲"})
	pos := e.position(e.sys, customer.PositionFields{ContactID: chen.ID, CompanyID: tsmc.ID})
	e.position(e.sys, customer.PositionFields{ContactID: chen.ID, CompanyID: hon.ID, Status: customer.PositionPast})
	e.position(e.sys, customer.PositionFields{ContactID: lin.ID, CompanyID: tsmc.ID, Status: customer.PositionPast})
	check := func(step string, want map[string][]string) {
		t.Helper()
		for q, w := range want {
			if diff := cmp.Diff(sorted(w...), e.search(q)); diff != "" {
				t.Errorf("%s: search %q (-want +got):\n%s", step, q, diff)
			}
		}
	}
	check("current position", map[string][]string{"台積": {"陳大文"}, "鴻海": nil, "台積電": {"陳大文"}})
	if _, err := e.cs.UpdateCompany(e.sys, tsmc.ID, 0, func(f *customer.CompanyFields) error { f.Name = "聯發科技"; return nil }); err != nil {
		t.Fatal(err)
	}
	check("company renamed", map[string][]string{"台積": nil, "聯發": {"陳大文"}})
	if got := e.get(chen.ID).Companies; len(got) != 1 || got[0].Name != "聯發科技" {
		t.Errorf("companies of 陳大文 after the rename: %+v", got)
	}
	must(t, e.cs.DeleteCompany(e.sys, tsmc.ID, 0))
	check("company deleted", map[string][]string{"聯發": nil})
	if got := e.get(chen.ID).Companies; len(got) != 0 {
		t.Errorf("companies of 陳大文 after the company was deleted: %+v", got)
	}
	if _, err := e.cs.RestoreCompany(e.sys, tsmc.ID); err != nil {
		t.Fatal(err)
	}
	check("company restored", map[string][]string{"聯發": {"陳大文"}})
	if _, err := e.cs.UpdatePosition(e.sys, pos.ID, 0, func(f *customer.PositionFields) error { f.Status = customer.PositionPast; return nil }); err != nil {
		t.Fatal(err)
	}
	check("position ended", map[string][]string{"聯發": nil})
	if _, err := e.cs.UpdatePosition(e.sys, pos.ID, 0, func(f *customer.PositionFields) error { f.Status = customer.PositionCurrent; return nil }); err != nil {
		t.Fatal(err)
	}
	check("position current again", map[string][]string{"聯發": {"陳大文"}})
	must(t, e.cs.DeletePosition(e.sys, pos.ID))
	check("position deleted", map[string][]string{"聯發": nil, "陳大": {"陳大文"}})
	e.position(e.sys, customer.PositionFields{ContactID: lin.ID, CompanyID: hon.ID})
	check("new position", map[string][]string{"鴻海": {"林志玲"}})
	e.update(e.sys, lin.ID, func(f *customer.ContactFields) {
		f.Emails = []customer.Email{{Address: "zhiling@example.com"}}
		f.Phones = []customer.Phone{{Number: "0987 654 321"}}
	})
	check("contact changed", map[string][]string{"zhiling": {"林志玲"}, "0987654": {"林志玲"}, "鴻海": {"林志玲"}, "志玲": {"林志玲"}})
	e.update(e.sys, lin.ID, func(f *customer.ContactFields) { f.Emails, f.Phones = nil, nil; f.GivenName = "美玲" })
	check("contact changed again", map[string][]string{"zhiling": nil, "0987654": nil, "志玲": nil, "美玲": {"林美玲"}, "鴻海": {"林美玲"}})
}
