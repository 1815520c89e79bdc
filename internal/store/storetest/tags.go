package storetest

import (
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/customer"
)

var tagTests = []test{
	{"OnTheFly", testTagsOnTheFly},
	{"Create", testTagCreate},
	{"Rename", testTagRename},
	{"Delete", testTagDelete},
	{"Counts", testTagCounts},
}

// tagCounts maps each tag to [contacts, companies].
func tagCounts(t *testing.T, e *env) map[string][2]int64 {
	t.Helper()
	tags, err := e.cs.ListTags(e.sys)
	must(t, err)
	out := map[string][2]int64{}
	for _, tg := range tags {
		out[tg.Name] = [2]int64{tg.ContactCount, tg.CompanyCount}
	}
	return out
}

func testTagsOnTheFly(t *testing.T, e *env) {
	a := e.contact(e.sys, customer.ContactFields{DisplayName: "A", Tags: []string{" VIP ", "vip", "北部", "Tea  Lover"}})
	if diff := cmp.Diff([]string{"Tea Lover", "VIP", "北部"}, a.Tags); diff != "" {
		t.Errorf("tags of A (-want +got):\n%s", diff)
	}
	b := e.contact(e.sys, customer.ContactFields{DisplayName: "B", Tags: []string{"Vip", "TEA LOVER"}})
	if diff := cmp.Diff([]string{"Tea Lover", "VIP"}, b.Tags); diff != "" {
		t.Errorf("tags of B keep the vocabulary's spelling (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string][2]int64{"VIP": {2, 0}, "北部": {1, 0}, "Tea Lover": {2, 0}}, tagCounts(t, e)); diff != "" {
		t.Errorf("tags (-want +got):\n%s", diff)
	}
	tags, err := e.cs.ListTags(e.sys)
	must(t, err)
	var order []string
	for _, tg := range tags {
		order = append(order, tg.Name)
		if !tg.CreatedAt.Equal(e.now()) || tg.ID == 0 {
			t.Errorf("tag %+v", tg)
		}
	}
	if diff := cmp.Diff([]string{"Tea Lover", "VIP", "北部"}, order); diff != "" {
		t.Errorf("tags by name (-want +got):\n%s", diff)
	}
	got := e.update(e.sys, a.ID, func(f *customer.ContactFields) { f.Tags = []string{"北部", "New one"} })
	if diff := cmp.Diff([]string{"New one", "北部"}, e.get(a.ID).Tags); diff != "" {
		t.Errorf("tags after update (-want +got):\n%s", diff)
	}
	if got.Version != 2 {
		t.Errorf("version %d after changing tags", got.Version)
	}
	if diff := cmp.Diff(map[string][2]int64{"VIP": {1, 0}, "北部": {1, 0}, "Tea Lover": {1, 0}, "New one": {1, 0}}, tagCounts(t, e)); diff != "" {
		t.Errorf("tags after update (-want +got):\n%s", diff)
	}
	// The names alone, in the same order as the tags with their counts.
	all, err := e.cs.ListTags(e.sys)
	must(t, err)
	var want []string
	for _, tg := range all {
		want = append(want, tg.Name)
	}
	names, err := e.cs.TagNames(e.sys)
	must(t, err)
	if len(want) != 4 || !slices.Equal(names, want) {
		t.Errorf("tag names %q, want %q", names, want)
	}
}

func testTagCreate(t *testing.T, e *env) {
	tg, err := e.cs.CreateTag(e.sys, customer.TagFields{Name: "  Key   account ", Color: "#AABBCC"})
	must(t, err)
	if tg.Name != "Key account" || tg.Color != "#aabbcc" || tg.ID == 0 {
		t.Errorf("created tag %+v", tg)
	}
	read, err := e.cs.ListTags(e.sys)
	must(t, err)
	if len(read) != 1 || read[0].Name != "Key account" || read[0].Color != "#aabbcc" || read[0].ContactCount != 0 {
		t.Errorf("tags %+v", read)
	}
	_, err = e.cs.CreateTag(e.sys, customer.TagFields{Name: "KEY ACCOUNT"})
	wantCode(t, err, crm.KindConflict, "duplicate_tag")
	for _, tt := range []struct {
		name  string
		in    customer.TagFields
		field string
		code  string
	}{
		{"empty", customer.TagFields{Name: "  "}, "name", "required"},
		{"comma", customer.TagFields{Name: "a,b"}, "name", "invalid_tag"},
		{"long", customer.TagFields{Name: "0123456789012345678901234567890123456789012345678901"}, "name", "invalid_tag"},
		{"color", customer.TagFields{Name: "x", Color: "red"}, "color", "invalid_color"},
		{"color digits", customer.TagFields{Name: "x", Color: "#12345g"}, "color", "invalid_color"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.cs.CreateTag(e.sys, tt.in)
			wantField(t, err, tt.field, tt.code)
		})
	}
	// A record naming the tag in another case uses it.
	c := e.contact(e.sys, customer.ContactFields{DisplayName: "c", Tags: []string{"key ACCOUNT"}})
	if diff := cmp.Diff([]string{"Key account"}, c.Tags); diff != "" {
		t.Errorf("tags (-want +got):\n%s", diff)
	}
}

func testTagRename(t *testing.T, e *env) {
	c := e.contact(e.sys, customer.ContactFields{DisplayName: "c", Tags: []string{"VIP", "Other"}})
	co := e.company(e.sys, customer.CompanyFields{Name: "co", Tags: []string{"vip"}})
	var vip, other *customer.Tag
	tags, err := e.cs.ListTags(e.sys)
	must(t, err)
	for _, tg := range tags {
		switch tg.Name {
		case "VIP":
			vip = tg
		case "Other":
			other = tg
		}
	}
	renamed, err := e.cs.UpdateTag(e.sys, vip.ID, func(f *customer.TagFields) error { f.Name, f.Color = "Gold", "#FFD700"; return nil })
	must(t, err)
	if renamed.Name != "Gold" || renamed.Color != "#ffd700" || renamed.ID != vip.ID {
		t.Errorf("renamed %+v", renamed)
	}
	if diff := cmp.Diff([]string{"Gold", "Other"}, e.get(c.ID).Tags); diff != "" {
		t.Errorf("contact's tags after rename (-want +got):\n%s", diff)
	}
	gotCo, err := e.cs.GetCompany(e.sys, co.ID)
	must(t, err)
	if diff := cmp.Diff([]string{"Gold"}, gotCo.Tags); diff != "" {
		t.Errorf("company's tags after rename (-want +got):\n%s", diff)
	}
	// The records changed, so their ETags must: a client holding the old
	// tags cannot write them back unnoticed.
	if got := e.get(c.ID).Version; got != c.Version+1 {
		t.Errorf("contact version after the rename = %d, want %d", got, c.Version+1)
	}
	if gotCo.Version != co.Version+1 {
		t.Errorf("company version after the rename = %d, want %d", gotCo.Version, co.Version+1)
	}
	if got := e.list(customer.ListParams{Conditions: []customer.Condition{cond("tag", customer.OpEq, "gold")}}); len(got.Items) != 1 {
		t.Errorf("filter by the new name: %v", names(got.Items))
	}
	if got := e.list(customer.ListParams{Conditions: []customer.Condition{cond("tag", customer.OpEq, "vip")}}); len(got.Items) != 0 {
		t.Errorf("filter by the old name: %v", names(got.Items))
	}
	_, err = e.cs.UpdateTag(e.sys, vip.ID, func(f *customer.TagFields) error { f.Name = "other"; return nil })
	wantCode(t, err, crm.KindConflict, "duplicate_tag")
	// Changing only the case of its own name is fine.
	if got, err := e.cs.UpdateTag(e.sys, other.ID, func(f *customer.TagFields) error { f.Name = "OTHER"; return nil }); err != nil || got.Name != "OTHER" {
		t.Errorf("re-casing a tag: %+v %v", got, err)
	}
	if diff := cmp.Diff([]string{"Gold", "OTHER"}, e.get(c.ID).Tags); diff != "" {
		t.Errorf("contact's tags after re-casing (-want +got):\n%s", diff)
	}
	_, err = e.cs.UpdateTag(e.sys, 99999, func(f *customer.TagFields) error { f.Name = "x"; return nil })
	wantKind(t, err, crm.KindNotFound)
	_, err = e.cs.UpdateTag(e.sys, vip.ID, func(f *customer.TagFields) error { f.Name = ""; return nil })
	wantField(t, err, "name", "required")
}

func testTagDelete(t *testing.T, e *env) {
	c := e.contact(e.sys, customer.ContactFields{DisplayName: "c", Tags: []string{"Drop", "Keep"}})
	co := e.company(e.sys, customer.CompanyFields{Name: "co", Tags: []string{"Drop"}})
	var drop *customer.Tag
	tags, err := e.cs.ListTags(e.sys)
	must(t, err)
	for _, tg := range tags {
		if tg.Name == "Drop" {
			drop = tg
		}
	}
	must(t, e.cs.DeleteTag(e.sys, drop.ID))
	if diff := cmp.Diff([]string{"Keep"}, e.get(c.ID).Tags); diff != "" {
		t.Errorf("contact's tags (-want +got):\n%s", diff)
	}
	if got := e.get(c.ID).Version; got != c.Version+1 {
		t.Errorf("contact version after the tag's deletion = %d, want %d", got, c.Version+1)
	}
	gotCo, err := e.cs.GetCompany(e.sys, co.ID)
	must(t, err)
	if len(gotCo.Tags) != 0 {
		t.Errorf("company's tags: %v", gotCo.Tags)
	}
	if diff := cmp.Diff(map[string][2]int64{"Keep": {1, 0}}, tagCounts(t, e)); diff != "" {
		t.Errorf("tags (-want +got):\n%s", diff)
	}
	wantKind(t, e.cs.DeleteTag(e.sys, drop.ID), crm.KindNotFound)
	// The name is free again, and starts with no records.
	tg, err := e.cs.CreateTag(e.sys, customer.TagFields{Name: "drop"})
	must(t, err)
	if tg.ID == drop.ID {
		t.Errorf("the new tag reuses id %d", tg.ID)
	}
	if diff := cmp.Diff(map[string][2]int64{"Keep": {1, 0}, "drop": {0, 0}}, tagCounts(t, e)); diff != "" {
		t.Errorf("tags (-want +got):\n%s", diff)
	}
	// Updating the contact's other fields keeps its remaining tags.
	e.update(e.sys, c.ID, func(f *customer.ContactFields) { f.GivenName = "x" })
	if diff := cmp.Diff([]string{"Keep"}, e.get(c.ID).Tags); diff != "" {
		t.Errorf("contact's tags after an update (-want +got):\n%s", diff)
	}
}

func testTagCounts(t *testing.T, e *env) {
	a := e.contact(e.sys, customer.ContactFields{DisplayName: "a", Tags: []string{"T"}})
	b := e.contact(e.sys, customer.ContactFields{DisplayName: "b", Tags: []string{"T"}})
	e.contact(e.sys, customer.ContactFields{DisplayName: "c", Tags: []string{"T"}})
	co := e.company(e.sys, customer.CompanyFields{Name: "co", Tags: []string{"t"}})
	e.company(e.sys, customer.CompanyFields{Name: "co2", Tags: []string{"T"}})
	check := func(step string, want [2]int64) {
		t.Helper()
		if got := tagCounts(t, e)["T"]; got != want {
			t.Errorf("%s: tag T on %v [contacts, companies]; want %v", step, got, want)
		}
	}
	check("created", [2]int64{3, 2})
	must(t, e.cs.DeleteContact(e.sys, a.ID, 0))
	must(t, e.cs.DeleteCompany(e.sys, co.ID, 0))
	check("deleted", [2]int64{2, 1})
	if _, err := e.cs.RestoreContact(e.sys, a.ID); err != nil {
		t.Fatal(err)
	}
	check("restored", [2]int64{3, 1})
	if _, err := e.cs.MergeContacts(e.sys, a.ID, b.ID, 0); err != nil {
		t.Fatal(err)
	}
	check("merged", [2]int64{2, 1})
	must(t, e.cs.PurgeContact(e.sys, a.ID, ""))
	check("purged", [2]int64{1, 1})
}
