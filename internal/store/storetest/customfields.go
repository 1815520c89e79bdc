package storetest

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/customer"
)

var customFieldTests = []test{
	{"Definitions", testFieldDefs},
	{"DefinitionsInvalid", testFieldDefsInvalid},
	{"Values", testCustomValues},
	{"Update", testFieldDefUpdate},
	{"Delete", testFieldDefDelete},
	{"FilterAndSort", testCustomFilterSort},
}

func testFieldDefs(t *testing.T, e *env) {
	d, err := e.cs.CreateFieldDef(e.sys, customer.FieldDefFields{RecordType: "contact", Key: "tier", Label: " 等級 ",
		Labels: map[string]string{"en": "Tier"}, Type: customer.FieldSelect, Required: true, Position: 2,
		Options: []customer.Option{{Value: "gold", Labels: map[string]string{"zh-Hant": "金"}}, {Value: " silver ", Label: "Silver"}}})
	must(t, err)
	want := customer.FieldDefFields{RecordType: "contact", Key: "tier", Label: "等級", Labels: map[string]string{"en": "Tier"},
		Type: customer.FieldSelect, Required: true, Position: 2,
		Options: []customer.Option{{Value: "gold", Label: "gold", Labels: map[string]string{"zh-Hant": "金"}}, {Value: "silver", Label: "Silver"}}}
	got, err := e.cs.GetFieldDef(e.sys, d.ID)
	must(t, err)
	if diff := cmp.Diff(want, got.FieldDefFields); diff != "" {
		t.Errorf("stored definition (-want +got):\n%s", diff)
	}
	if got.Version != 1 || !got.CreatedAt.Equal(e.now()) {
		t.Errorf("version %d created %v", got.Version, got.CreatedAt)
	}
	// Keys are unique per record type.
	_, err = e.cs.CreateFieldDef(e.sys, customer.FieldDefFields{RecordType: "contact", Key: "tier", Type: customer.FieldText})
	wantCode(t, err, crm.KindConflict, "duplicate_field_key")
	if _, err := e.cs.CreateFieldDef(e.sys, customer.FieldDefFields{RecordType: "company", Key: "tier", Type: customer.FieldText}); err != nil {
		t.Errorf("same key for companies: %v", err)
	}
	e.fieldDef(customer.FieldDefFields{RecordType: "contact", Key: "alpha", Type: customer.FieldText, Position: 1})
	e.fieldDef(customer.FieldDefFields{RecordType: "contact", Key: "beta", Type: customer.FieldText, Position: 2})
	keys := func(rt string) []string {
		defs, err := e.cs.ListFieldDefs(e.sys, rt)
		must(t, err)
		var out []string
		for _, d := range defs {
			out = append(out, d.RecordType+"."+d.Key)
		}
		return out
	}
	if diff := cmp.Diff([]string{"contact.alpha", "contact.beta", "contact.tier"}, keys("contact")); diff != "" {
		t.Errorf("contact fields in form order (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"company.tier"}, keys("company")); diff != "" {
		t.Errorf("company fields (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"company.tier", "contact.alpha", "contact.beta", "contact.tier"}, keys("")); diff != "" {
		t.Errorf("all fields (-want +got):\n%s", diff)
	}
	_, err = e.cs.ListFieldDefs(e.sys, "deal")
	wantField(t, err, "record_type", "not_one_of")
	_, err = e.cs.GetFieldDef(e.sys, 99999)
	wantKind(t, err, crm.KindNotFound)
}

func testFieldDefsInvalid(t *testing.T, e *env) {
	opts := []customer.Option{{Value: "a"}}
	tests := []struct {
		name  string
		in    customer.FieldDefFields
		field string
		code  string
	}{
		{"record type", customer.FieldDefFields{RecordType: "deal", Key: "k", Type: customer.FieldText}, "record_type", "not_one_of"},
		{"key with capitals", customer.FieldDefFields{RecordType: "contact", Key: "Tier", Type: customer.FieldText}, "key", "invalid_field_key"},
		{"key with space", customer.FieldDefFields{RecordType: "contact", Key: "my key", Type: customer.FieldText}, "key", "invalid_field_key"},
		{"key with dot", customer.FieldDefFields{RecordType: "contact", Key: "a.b", Type: customer.FieldText}, "key", "invalid_field_key"},
		{"key with quote", customer.FieldDefFields{RecordType: "contact", Key: "a'b", Type: customer.FieldText}, "key", "invalid_field_key"},
		{"long key", customer.FieldDefFields{RecordType: "contact", Key: "k" + strings.Repeat("x", 40), Type: customer.FieldText}, "key", "invalid_field_key"},
		{"no key", customer.FieldDefFields{RecordType: "contact", Type: customer.FieldText}, "key", "invalid_field_key"},
		{"type", customer.FieldDefFields{RecordType: "contact", Key: "k", Type: "json"}, "type", "not_one_of"},
		{"select without options", customer.FieldDefFields{RecordType: "contact", Key: "k", Type: customer.FieldSelect}, "options", "options_required"},
		{"text with options", customer.FieldDefFields{RecordType: "contact", Key: "k", Type: customer.FieldText, Options: opts}, "options", "options_not_allowed"},
		{"empty option", customer.FieldDefFields{RecordType: "contact", Key: "k", Type: customer.FieldMultiSelect, Options: []customer.Option{{Value: "a"}, {Value: " "}}}, "options[1].value", "required"},
		{"repeated option", customer.FieldDefFields{RecordType: "contact", Key: "k", Type: customer.FieldSelect, Options: []customer.Option{{Value: "a"}, {Value: "a "}}}, "options[1].value", "duplicate_option"},
		{"money without currency", customer.FieldDefFields{RecordType: "contact", Key: "k", Type: customer.FieldMoney}, "currency", "invalid_currency"},
		{"money in lower case", customer.FieldDefFields{RecordType: "contact", Key: "k", Type: customer.FieldMoney, Currency: "twd"}, "currency", "invalid_currency"},
		{"currency on text", customer.FieldDefFields{RecordType: "contact", Key: "k", Type: customer.FieldText, Currency: "TWD"}, "currency", "currency_not_allowed"},
		{"long label", customer.FieldDefFields{RecordType: "contact", Key: "k", Type: customer.FieldText, Label: strings.Repeat("標", 101)}, "label", "too_long"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.cs.CreateFieldDef(e.sys, tt.in)
			wantField(t, err, tt.field, tt.code)
		})
	}
	if defs, err := e.cs.ListFieldDefs(e.sys, ""); err != nil || len(defs) != 0 {
		t.Errorf("definitions after refused creates: %v %v", defs, err)
	}
}

func testCustomValues(t *testing.T, e *env) {
	for _, d := range []customer.FieldDefFields{
		{RecordType: "contact", Key: "note", Type: customer.FieldText},
		{RecordType: "contact", Key: "score", Type: customer.FieldNumber},
		{RecordType: "contact", Key: "budget", Type: customer.FieldMoney, Currency: "TWD"},
		{RecordType: "contact", Key: "renewal", Type: customer.FieldDate},
		{RecordType: "contact", Key: "vip", Type: customer.FieldBoolean},
		{RecordType: "contact", Key: "tier", Type: customer.FieldSelect, Options: []customer.Option{{Value: "gold"}, {Value: "silver"}}},
		{RecordType: "contact", Key: "hobbies", Type: customer.FieldMultiSelect, Options: []customer.Option{{Value: "golf"}, {Value: "tea"}, {Value: "茶道"}}},
		{RecordType: "contact", Key: "site", Type: customer.FieldURL},
		{RecordType: "contact", Key: "alt", Type: customer.FieldEmail},
		{RecordType: "contact", Key: "fax", Type: customer.FieldPhone},
		{RecordType: "company", Key: "founded", Type: customer.FieldDate},
	} {
		e.fieldDef(d)
	}
	tests := []struct {
		key  string
		in   any
		want string // the stored value as JSON; "" when the value is refused
		code string
	}{
		{"note", "  早鳥優惠  ", `"早鳥優惠"`, ""},
		{"note", "", "", ""}, // blank: no value
		{"note", 12.0, "", "expected_string"},
		{"note", strings.Repeat("字", 2001), "", "too_long"},
		{"score", 8.5, `8.5`, ""},
		{"score", -3.0, `-3`, ""},
		{"score", "8.5", "", "expected_number"},
		{"budget", 199900.0, `199900`, ""},
		{"budget", 9007199254740992.0, `9007199254740992`, ""},
		{"budget", 19.99, "", "expected_minor_units"},
		{"budget", 1e300, "", "expected_minor_units"},
		{"budget", "100", "", "expected_minor_units"},
		{"renewal", "2024-02-29", `"2024-02-29"`, ""},
		{"renewal", "2023-02-29", "", "expected_date"},
		{"renewal", "2024-2-1", "", "expected_date"},
		{"vip", true, `true`, ""},
		{"vip", false, `false`, ""},
		{"vip", "true", "", "expected_boolean"},
		{"tier", "gold", `"gold"`, ""},
		{"tier", "Gold", "", "not_an_option"},
		{"tier", []any{"gold"}, "", "not_an_option"},
		{"hobbies", []any{"tea", "golf", "tea"}, `["tea","golf"]`, ""},
		{"hobbies", []any{"茶道"}, `["茶道"]`, ""},
		{"hobbies", []any{}, "", ""}, // empty: no value
		{"hobbies", []any{"chess"}, "", "not_an_option"},
		{"hobbies", "golf", "", "expected_list"},
		{"site", "https://example.com/a?b=1", `"https://example.com/a?b=1"`, ""},
		{"site", "ftp://example.com", "", "invalid_url"},
		{"site", "example.com", "", "invalid_url"},
		{"site", "javascript:alert(1)", "", "invalid_url"},
		{"alt", " Ann@Example.COM ", `"ann@example.com"`, ""},
		{"alt", "ann", "", crm.CodeInvalidEmail},
		{"fax", "02-2345-6789", `"+886223456789"`, ""},
		{"fax", "(02) 2345 6789 轉 12", `"+886223456789;ext=12"`, ""},
		{"fax", "12", "", crm.CodeInvalidPhoneLength},
		{"founded", "2000-01-01", "", "unknown_custom_field"}, // a company field
		{"unknown", "x", "", "unknown_custom_field"},
	}
	for _, tt := range tests {
		t.Run(tt.key+"="+jsonOf(tt.in)[:min(30, len(jsonOf(tt.in)))], func(t *testing.T) {
			c, err := e.cs.CreateContact(e.sys, customer.ContactFields{DisplayName: "v", Custom: map[string]any{tt.key: tt.in}}, customer.WriteOptions{})
			if tt.code != "" {
				wantField(t, err, "custom."+tt.key, tt.code)
				return
			}
			must(t, err)
			stored, ok := e.get(c.ID).Custom[tt.key]
			switch {
			case tt.want == "" && ok:
				t.Errorf("stored %s; want no value", jsonOf(stored))
			case tt.want != "" && jsonOf(stored) != tt.want:
				t.Errorf("stored %s; want %s", jsonOf(stored), tt.want)
			}
			// An update normalises in the same way.
			u, err := e.cs.UpdateContact(e.sys, c.ID, 0, func(f *customer.ContactFields) error {
				f.Custom = map[string]any{tt.key: tt.in}
				return nil
			}, customer.WriteOptions{})
			must(t, err)
			if u.Version != 1 {
				t.Errorf("writing the same value again made version %d", u.Version)
			}
		})
	}
	t.Run("company", func(t *testing.T) {
		co, err := e.cs.CreateCompany(e.sys, customer.CompanyFields{Name: "Co", Custom: map[string]any{"founded": "1987-02-21"}})
		must(t, err)
		if co.Custom["founded"] != "1987-02-21" {
			t.Errorf("company custom: %v", co.Custom)
		}
		_, err = e.cs.CreateCompany(e.sys, customer.CompanyFields{Name: "Co", Custom: map[string]any{"note": "x"}})
		wantField(t, err, "custom.note", "unknown_custom_field")
		_, err = e.cs.CreateCompany(e.sys, customer.CompanyFields{Name: "Co", Custom: map[string]any{"founded": "1987-02-30"}})
		wantField(t, err, "custom.founded", "expected_date")
	})
	t.Run("clear", func(t *testing.T) {
		c := e.contact(e.sys, customer.ContactFields{DisplayName: "c", Custom: map[string]any{"note": "x", "score": 1.0}})
		got := e.update(e.sys, c.ID, func(f *customer.ContactFields) { f.Custom["note"] = nil })
		if diff := cmp.Diff(map[string]any{"score": 1.0}, got.Custom); diff != "" {
			t.Errorf("custom after clearing note (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(got.Custom, e.get(c.ID).Custom); diff != "" {
			t.Errorf("stored custom (-update +read):\n%s", diff)
		}
	})
}

func testFieldDefUpdate(t *testing.T, e *env) {
	d := e.fieldDef(customer.FieldDefFields{RecordType: "contact", Key: "tier", Type: customer.FieldSelect,
		Options: []customer.Option{{Value: "gold"}, {Value: "silver"}}})
	money := e.fieldDef(customer.FieldDefFields{RecordType: "contact", Key: "budget", Type: customer.FieldMoney, Currency: "TWD"})
	c := e.contact(e.sys, customer.ContactFields{DisplayName: "c", Custom: map[string]any{"tier": "silver"}})
	e.tick(time.Minute)
	got, err := e.cs.UpdateFieldDef(e.sys, d.ID, 1, func(f *customer.FieldDefFields) error {
		f.Label = "Tier"
		f.Options = append(f.Options, customer.Option{Value: "platinum"})
		f.Position = 5
		return nil
	})
	must(t, err)
	if got.Version != 2 || got.Label != "Tier" || len(got.Options) != 3 || got.Position != 5 || !got.UpdatedAt.Equal(e.now()) {
		t.Errorf("updated definition %+v", got)
	}
	read, err := e.cs.GetFieldDef(e.sys, d.ID)
	must(t, err)
	if diff := cmp.Diff(got, read); diff != "" {
		t.Errorf("update result differs from a read (-update +read):\n%s", diff)
	}
	e.update(e.sys, c.ID, func(f *customer.ContactFields) { f.Custom["tier"] = "platinum" })
	_, err = e.cs.UpdateFieldDef(e.sys, d.ID, 1, func(f *customer.FieldDefFields) error { f.Label = "x"; return nil })
	wantKind(t, err, crm.KindStale)
	for _, tt := range []struct {
		field string
		def   *customer.FieldDef
		apply func(f *customer.FieldDefFields)
	}{
		{"key", d, func(f *customer.FieldDefFields) { f.Key = "level" }},
		{"type", d, func(f *customer.FieldDefFields) { f.Type = customer.FieldMultiSelect }},
		{"record_type", d, func(f *customer.FieldDefFields) { f.RecordType = "company" }},
		{"currency", money, func(f *customer.FieldDefFields) { f.Currency = "USD" }},
	} {
		t.Run(tt.field, func(t *testing.T) {
			_, err := e.cs.UpdateFieldDef(e.sys, tt.def.ID, 0, func(f *customer.FieldDefFields) error { tt.apply(f); return nil })
			wantField(t, err, tt.field, "immutable")
		})
	}
	_, err = e.cs.UpdateFieldDef(e.sys, d.ID, 0, func(f *customer.FieldDefFields) error { f.Options = nil; return nil })
	wantField(t, err, "options", "options_required")
	same, err := e.cs.UpdateFieldDef(e.sys, d.ID, 0, func(f *customer.FieldDefFields) error { f.Label = " Tier "; return nil })
	must(t, err)
	if same.Version != 2 {
		t.Errorf("no-op update made version %d", same.Version)
	}
	// Requiring a field later does not touch the records without it.
	if _, err := e.cs.UpdateFieldDef(e.sys, money.ID, 0, func(f *customer.FieldDefFields) error { f.Required = true; return nil }); err != nil {
		t.Fatal(err)
	}
	_, err = e.cs.CreateContact(e.sys, customer.ContactFields{DisplayName: "new"}, customer.WriteOptions{})
	wantField(t, err, "custom.budget", "required")
	e.update(e.sys, c.ID, func(f *customer.ContactFields) { f.GivenName = "still fine" })
	_, err = e.cs.UpdateFieldDef(e.sys, 99999, 0, func(f *customer.FieldDefFields) error { return nil })
	wantKind(t, err, crm.KindNotFound)
	// A position beyond any form, or a translated label too long, is refused
	// (the position used to reach PostgreSQL's INTEGER and fail there).
	_, err = e.cs.UpdateFieldDef(e.sys, d.ID, 0, func(f *customer.FieldDefFields) error { f.Position = 1 << 40; return nil })
	wantField(t, err, "position", "out_of_range")
	_, err = e.cs.UpdateFieldDef(e.sys, d.ID, 0, func(f *customer.FieldDefFields) error {
		f.Labels = map[string]string{"zh-Hant": strings.Repeat("級", 101)}
		return nil
	})
	wantField(t, err, "labels.zh-Hant", "too_long")

	// Taking away a choice that records hold leaves them editable: the
	// value they hold stays, and only a new value must be a choice.
	_, err = e.cs.UpdateFieldDef(e.sys, d.ID, 0, func(f *customer.FieldDefFields) error {
		f.Options = []customer.Option{{Value: "gold"}, {Value: "silver"}}
		return nil
	})
	must(t, err)
	kept := e.update(e.sys, c.ID, func(f *customer.ContactFields) { f.GivenName = "after the choice went" })
	if kept.Custom["tier"] != "platinum" {
		t.Errorf("the record's value of a removed choice became %v", kept.Custom["tier"])
	}
	_, err = e.cs.UpdateContact(e.sys, c.ID, 0, func(f *customer.ContactFields) error { f.Custom["tier"] = "bronze"; return nil }, customer.WriteOptions{})
	wantField(t, err, "custom.tier", "not_an_option")
	other := e.contact(e.sys, customer.ContactFields{DisplayName: "other", Custom: map[string]any{"tier": "gold", "budget": 1000}})
	_, err = e.cs.UpdateContact(e.sys, other.ID, 0, func(f *customer.ContactFields) error { f.Custom["tier"] = "platinum"; return nil }, customer.WriteOptions{})
	wantField(t, err, "custom.tier", "not_an_option")
	// Merging keeps what either record held.
	if _, err := e.cs.MergeContacts(e.sys, other.ID, c.ID, 0); err != nil {
		t.Fatalf("merging a record that holds a removed choice: %v", err)
	}
}

func testFieldDefDelete(t *testing.T, e *env) {
	note := e.fieldDef(customer.FieldDefFields{RecordType: "contact", Key: "note", Type: customer.FieldText})
	e.fieldDef(customer.FieldDefFields{RecordType: "contact", Key: "keep", Type: customer.FieldText})
	e.fieldDef(customer.FieldDefFields{RecordType: "company", Key: "note", Type: customer.FieldText})
	c := e.contact(e.sys, customer.ContactFields{DisplayName: "c", Custom: map[string]any{"note": "bye", "keep": "stay"}})
	gone := e.contact(e.sys, customer.ContactFields{DisplayName: "gone", Custom: map[string]any{"note": "bye"}})
	must(t, e.cs.DeleteContact(e.sys, gone.ID, 0))
	co := e.company(e.sys, customer.CompanyFields{Name: "Co", Custom: map[string]any{"note": "company note"}})
	wantKind(t, e.cs.DeleteFieldDef(e.as(e.user("Manager", crm.RoleManager)), note.ID), crm.KindForbidden)
	must(t, e.cs.DeleteFieldDef(e.sys, note.ID))
	if got := e.get(c.ID).Custom; jsonOf(got) != `{"keep":"stay"}` {
		t.Errorf("custom after deleting the field: %s", jsonOf(got))
	}
	if got := e.get(gone.ID).Custom; len(got) != 0 {
		t.Errorf("deleted contact's custom after deleting the field: %s", jsonOf(got))
	}
	gotCo, err := e.cs.GetCompany(e.sys, co.ID)
	must(t, err)
	if gotCo.Custom["note"] != "company note" {
		t.Errorf("the company field of the same key lost its value: %v", gotCo.Custom)
	}
	_, err = e.cs.GetFieldDef(e.sys, note.ID)
	wantKind(t, err, crm.KindNotFound)
	_, err = e.cs.ListContacts(e.sys, customer.ListParams{Conditions: []customer.Condition{cond("custom.note", customer.OpExists, "true")}})
	wantField(t, err, "filter[custom.note]", "unknown_field")
	_, err = e.cs.CreateContact(e.sys, customer.ContactFields{DisplayName: "x", Custom: map[string]any{"note": "x"}}, customer.WriteOptions{})
	wantField(t, err, "custom.note", "unknown_custom_field")
	// A new field of the same key starts empty.
	e.fieldDef(customer.FieldDefFields{RecordType: "contact", Key: "note", Type: customer.FieldNumber})
	page := e.list(customer.ListParams{Conditions: []customer.Condition{cond("custom.note", customer.OpExists, "true")}, Deleted: customer.DeletedInclude})
	if len(page.Items) != 0 {
		t.Errorf("the new field has values: %v", names(page.Items))
	}
	wantKind(t, e.cs.DeleteFieldDef(e.sys, note.ID), crm.KindNotFound)
}

func testCustomFilterSort(t *testing.T, e *env) {
	e.fieldDef(customer.FieldDefFields{RecordType: "contact", Key: "amount", Type: customer.FieldMoney, Currency: "TWD"})
	e.fieldDef(customer.FieldDefFields{RecordType: "contact", Key: "rating", Type: customer.FieldNumber})
	for i, v := range []map[string]any{
		{"amount": 1000.0, "rating": 2.5},
		{"amount": 200.0, "rating": 10.0},
		{"amount": 30.0},
		{"rating": 9.0},
		{},
		{"amount": 200.0, "rating": 2.5},
	} {
		e.contact(e.sys, customer.ContactFields{DisplayName: "n" + jsonOf(i), Custom: v})
	}
	// Numbers compare as numbers, not as text ("1000" < "200" < "30").
	for _, tt := range []struct {
		sort string
		want []string
	}{
		{"custom.amount", []string{"n2", "n1", "n5", "n0", "n3", "n4"}},
		{"-custom.amount", []string{"n0", "n5", "n1", "n2", "n4", "n3"}},
		{"custom.rating", []string{"n0", "n5", "n3", "n1", "n2", "n4"}},
		{"-custom.rating", []string{"n1", "n3", "n5", "n0", "n4", "n2"}},
	} {
		t.Run(tt.sort, func(t *testing.T) {
			got := walk(t, 2, func(cursor string) (crm.Page[*customer.Contact], error) {
				return e.cs.ListContacts(e.sys, customer.ListParams{Sort: tt.sort, Limit: 2, Cursor: cursor})
			})
			if diff := cmp.Diff(tt.want, names(got)); diff != "" {
				t.Errorf("order (-want +got):\n%s", diff)
			}
		})
	}
	page := e.list(customer.ListParams{Conditions: []customer.Condition{cond("custom.amount", customer.OpGt, "100"), cond("custom.rating", customer.OpLt, "5")}})
	if diff := cmp.Diff(sorted("n0", "n5"), sortedNames(page.Items)); diff != "" {
		t.Errorf("amount > 100 and rating < 5 (-want +got):\n%s", diff)
	}
}
