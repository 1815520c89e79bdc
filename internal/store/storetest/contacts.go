package storetest

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/guanxi-crm/guanxi/internal/account"
	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/customer"
)

var contactTests = []test{
	{"CreateNormalises", testCreateNormalises},
	{"CreateDefaults", testCreateDefaults},
	{"GetRoundTrip", testGetRoundTrip},
	{"GetMissing", testGetMissing},
	{"UpdateVersion", testUpdateVersion},
	{"UpdateNoOp", testUpdateNoOp},
	{"UpdateDerivedName", testUpdateDerivedName},
	{"Consent", testConsent},
	{"CreateInvalid", testCreateInvalid},
	{"UpdateInvalid", testUpdateInvalid},
	{"RequiredCustomFields", testRequiredCustomFields},
	{"Batch", testBatch},
	{"BatchLimits", testBatchLimits},
	{"Unauthenticated", testUnauthenticated},
}

func testCreateNormalises(t *testing.T, e *env) {
	tests := []struct {
		name string
		in   customer.ContactFields
		want customer.ContactFields // the fields as stored
	}{
		{
			name: "chinese name",
			in: customer.ContactFields{FamilyName: " 王 ", GivenName: "小李",
				Emails: []customer.Email{{Address: "  Li@Example.COM ", Label: "work"}},
				Phones: []customer.Phone{{Number: "0912-345-678", Label: "mobile"}, {Number: "(02) 2345-6789 #123"}}},
			want: customer.ContactFields{DisplayName: "王小李", FamilyName: "王", GivenName: "小李",
				Emails: []customer.Email{{Address: "li@example.com", Label: "work"}},
				Phones: []customer.Phone{{Number: "+886912345678", Label: "mobile"}, {Number: "+886223456789", Ext: "123"}}},
		},
		{
			name: "latin name",
			in:   customer.ContactFields{FamilyName: "Lee", GivenName: " Ann ", Emails: []customer.Email{{Address: "ANN.LEE@EXAMPLE.COM"}}},
			want: customer.ContactFields{DisplayName: "Ann Lee", FamilyName: "Lee", GivenName: "Ann",
				Emails: []customer.Email{{Address: "ann.lee@example.com"}}},
		},
		{
			name: "given display name is kept",
			in:   customer.ContactFields{DisplayName: "  Dr.   Wang ", FamilyName: "王", GivenName: "大明"},
			want: customer.ContactFields{DisplayName: "Dr. Wang", FamilyName: "王", GivenName: "大明"},
		},
		{
			name: "email only",
			in:   customer.ContactFields{Emails: []customer.Email{{Address: "Only@Example.com"}}},
			want: customer.ContactFields{DisplayName: "only@example.com", Emails: []customer.Email{{Address: "only@example.com"}}},
		},
		{
			name: "phone only, full-width, international prefix",
			in:   customer.ContactFields{Phones: []customer.Phone{{Number: "０９２２－１１１－２２２"}, {Number: "002 1 415 555 0100"}}},
			want: customer.ContactFields{DisplayName: "+886922111222",
				Phones: []customer.Phone{{Number: "+886922111222"}, {Number: "+14155550100"}}},
		},
		{
			name: "repeated emails and phones collapse",
			in: customer.ContactFields{DisplayName: "Repeat",
				Emails: []customer.Email{{Address: "r@example.com"}, {Address: "R@EXAMPLE.com"}},
				Phones: []customer.Phone{{Number: "0933 000 111"}, {Number: "+886 933 000 111"}}},
			want: customer.ContactFields{DisplayName: "Repeat",
				Emails: []customer.Email{{Address: "r@example.com"}}, Phones: []customer.Phone{{Number: "+886933000111"}}},
		},
		{
			name: "address, language, dates, tags",
			in: customer.ContactFields{DisplayName: "Full",
				Address:           customer.Address{Street: " 信義路五段7號 ", City: "台北市", PostalCode: "110", Country: "tw"},
				Birthday:          "--02-29",
				Anniversaries:     []customer.Anniversary{{Label: " wedding ", Date: "2019-10-10"}},
				Gender:            customer.GenderFemale,
				PreferredLanguage: "zh_hant_tw",
				Tags:              []string{" VIP ", "vip", "北部", ""},
				LifecycleStage:    customer.StageLoyal},
			want: customer.ContactFields{DisplayName: "Full",
				Address:           customer.Address{Street: "信義路五段7號", City: "台北市", PostalCode: "110", Country: "TW"},
				Birthday:          "--02-29",
				Anniversaries:     []customer.Anniversary{{Label: "wedding", Date: "2019-10-10"}},
				Gender:            customer.GenderFemale,
				PreferredLanguage: "zh-Hant-TW",
				Tags:              []string{"VIP", "北部"},
				LifecycleStage:    customer.StageLoyal},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := e.cs.CreateContact(e.sys, tt.in, customer.WriteOptions{})
			if err != nil {
				t.Fatal(err)
			}
			want := tt.want
			if want.LifecycleStage == "" {
				want.LifecycleStage = customer.StageLead
			}
			got := e.get(c.ID).ContactFields
			if diff := cmp.Diff(normalFields(want), normalFields(got)); diff != "" {
				t.Errorf("stored fields (-want +got):\n%s", diff)
			}
			if c.Version != 1 || !c.CreatedAt.Equal(e.now()) || !c.UpdatedAt.Equal(e.now()) {
				t.Errorf("version %d, created %v, updated %v; want 1 and %v", c.Version, c.CreatedAt, c.UpdatedAt, e.now())
			}
		})
	}
}

// normalFields makes empty lists and maps compare equal to absent ones.
func normalFields(f customer.ContactFields) customer.ContactFields {
	if len(f.Emails) == 0 {
		f.Emails = nil
	}
	if len(f.Phones) == 0 {
		f.Phones = nil
	}
	if len(f.Anniversaries) == 0 {
		f.Anniversaries = nil
	}
	if len(f.Tags) == 0 {
		f.Tags = nil
	}
	if len(f.Custom) == 0 {
		f.Custom = nil
	}
	return f
}

func testCreateDefaults(t *testing.T, e *env) {
	sales := e.team("Sales")
	support := e.team("Support")
	solo := e.user("Solo Agent", crm.RoleAgent, sales)
	multi := e.user("Multi Agent", crm.RoleAgent, sales, support)
	loner := e.user("Lone Agent", crm.RoleAgent)
	tests := []struct {
		name      string
		ctx       context.Context
		in        customer.ContactFields
		owner     *int64
		team      *int64
		lifecycle customer.LifecycleStage
	}{
		{"agent in one team owns with the team", e.as(solo), customer.ContactFields{DisplayName: "a"}, &solo.ID, &sales.ID, customer.StageLead},
		{"agent in two teams owns alone", e.as(multi), customer.ContactFields{DisplayName: "b"}, &multi.ID, nil, customer.StageLead},
		{"agent in no team owns alone", e.as(loner), customer.ContactFields{DisplayName: "c"}, &loner.ID, nil, customer.StageLead},
		{"agent names the second team", e.as(multi), customer.ContactFields{DisplayName: "d", TeamID: &support.ID}, &multi.ID, &support.ID, customer.StageLead},
		{"given owner is kept", e.as(solo), customer.ContactFields{DisplayName: "e", OwnerID: &loner.ID}, &loner.ID, nil, customer.StageLead},
		{"the system owns nothing", e.sys, customer.ContactFields{DisplayName: "f", LifecycleStage: customer.StageCustomer}, nil, nil, customer.StageCustomer},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := e.cs.CreateContact(tt.ctx, tt.in, customer.WriteOptions{})
			if err != nil {
				t.Fatal(err)
			}
			got := e.get(c.ID)
			if diff := cmp.Diff(tt.owner, got.OwnerID); diff != "" {
				t.Errorf("owner (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.team, got.TeamID); diff != "" {
				t.Errorf("team (-want +got):\n%s", diff)
			}
			if got.LifecycleStage != tt.lifecycle {
				t.Errorf("lifecycle %q; want %q", got.LifecycleStage, tt.lifecycle)
			}
			entries := e.audit(e.sys, c.ID)
			if len(entries) != 1 || entries[0].Action != crm.ActionCreate {
				t.Fatalf("audit %+v; want one create entry", entries)
			}
			wantActor := crm.System.ActorID()
			if p, _ := crm.PrincipalFrom(tt.ctx); !p.System {
				wantActor = &p.UserID
			}
			if diff := cmp.Diff(wantActor, entries[0].ActorID); diff != "" {
				t.Errorf("audit actor (-want +got):\n%s", diff)
			}
		})
	}
}

// testGetRoundTrip checks that every field survives the store, and that a
// list returns the same contact as a read.
func testGetRoundTrip(t *testing.T, e *env) {
	owner := e.user("Owner", crm.RoleAgent)
	team := e.team("Team")
	e.fieldDef(customer.FieldDefFields{RecordType: "contact", Key: "note", Type: customer.FieldText})
	e.fieldDef(customer.FieldDefFields{RecordType: "contact", Key: "budget", Type: customer.FieldMoney, Currency: "TWD"})
	at := time.Date(2025, 5, 6, 7, 8, 9, 123456789, time.FixedZone("CST", 8*3600))
	in := customer.ContactFields{
		DisplayName: "林美玲", FamilyName: "林", GivenName: "美玲",
		Emails:            []customer.Email{{Address: "mei@example.com", Label: "home"}, {Address: "lin@corp.example", Label: "work"}},
		Phones:            []customer.Phone{{Number: "+886 2 2345 6789", Ext: "45", Label: "work"}},
		Address:           customer.Address{Street: "中山北路1號", City: "台北市", Region: "台灣", PostalCode: "104", Country: "TW"},
		Birthday:          "1985-12-31",
		Anniversaries:     []customer.Anniversary{{Label: "首次訂單", Date: "--06-01"}},
		Gender:            customer.GenderFemale,
		PreferredLanguage: "zh-Hant",
		Tags:              []string{"VIP", "台北"},
		LifecycleStage:    customer.StageCustomer,
		OwnerID:           &owner.ID,
		TeamID:            &team.ID,
		Consent: customer.Consent{
			Email: customer.ChannelConsent{Status: customer.ConsentGranted, At: &at, Source: "web_form"},
			SMS:   customer.ChannelConsent{Status: customer.ConsentDenied},
		},
		Custom: map[string]any{"note": "喜歡烏龍茶", "budget": float64(150000)},
	}
	c, err := e.cs.CreateContact(e.sys, in, customer.WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got := e.get(c.ID)
	if diff := cmp.Diff(c, got); diff != "" {
		t.Errorf("create result differs from a read (-create +read):\n%s", diff)
	}
	want := in
	want.Phones = []customer.Phone{{Number: "+886223456789", Ext: "45", Label: "work"}}
	atUTC := crm.Truncate(at)
	now := e.now()
	want.Consent = customer.Consent{
		Email: customer.ChannelConsent{Status: customer.ConsentGranted, At: &atUTC, Source: "web_form"},
		SMS:   customer.ChannelConsent{Status: customer.ConsentDenied, At: &now, Source: "api"},
	}
	if diff := cmp.Diff(want, got.ContactFields); diff != "" {
		t.Errorf("stored fields (-want +got):\n%s", diff)
	}
	if got.Consent.Email.At.Location() != time.UTC {
		t.Errorf("consent time in %v; want UTC", got.Consent.Email.At.Location())
	}
	page := e.list(customer.ListParams{})
	if len(page.Items) != 1 {
		t.Fatalf("list has %d contacts; want 1", len(page.Items))
	}
	read := *got
	read.Metrics = nil // a list leaves out the figures that a single read carries
	if diff := cmp.Diff(&read, page.Items[0]); diff != "" {
		t.Errorf("listed contact differs from a read (-read +list):\n%s", diff)
	}
}

func testGetMissing(t *testing.T, e *env) {
	_, err := e.cs.GetContact(e.sys, 424242)
	wantKind(t, err, crm.KindNotFound)
	_, err = e.cs.UpdateContact(e.sys, 424242, 0, func(*customer.ContactFields) error { return nil }, customer.WriteOptions{})
	wantKind(t, err, crm.KindNotFound)
	wantKind(t, e.cs.DeleteContact(e.sys, 424242, 0), crm.KindNotFound)
	_, err = e.cs.ContactAudit(e.sys, 424242, "", 10)
	wantKind(t, err, crm.KindNotFound)
}

func testUpdateVersion(t *testing.T, e *env) {
	c := e.contact(e.sys, customer.ContactFields{FamilyName: "王", GivenName: "小李"})
	e.tick(time.Minute)
	setCity := func(city string) func(*customer.ContactFields) error {
		return func(f *customer.ContactFields) error { f.Address.City = city; return nil }
	}
	v2, err := e.cs.UpdateContact(e.sys, c.ID, 1, setCity("台北市"), customer.WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if v2.Version != 2 || v2.Address.City != "台北市" || !v2.UpdatedAt.Equal(e.now()) || !v2.CreatedAt.Equal(c.CreatedAt) {
		t.Errorf("after update: version %d city %q updated %v created %v", v2.Version, v2.Address.City, v2.UpdatedAt, v2.CreatedAt)
	}
	if diff := cmp.Diff(v2, e.get(c.ID)); diff != "" {
		t.Errorf("update result differs from a read (-update +read):\n%s", diff)
	}

	t.Run("stale", func(t *testing.T) {
		_, err := e.cs.UpdateContact(e.sys, c.ID, 1, setCity("高雄市"), customer.WriteOptions{})
		ce := wantCode(t, err, crm.KindStale, "stale_version")
		if got := param(t, ce, "current_version"); got != 2 {
			t.Errorf("current_version %d; want 2", got)
		}
		if got := e.get(c.ID); got.Version != 2 || got.Address.City != "台北市" {
			t.Errorf("stale update wrote: version %d city %q", got.Version, got.Address.City)
		}
	})
	t.Run("any version", func(t *testing.T) {
		v3, err := e.cs.UpdateContact(e.sys, c.ID, 0, setCity("高雄市"), customer.WriteOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if v3.Version != 3 {
			t.Errorf("version %d; want 3", v3.Version)
		}
	})
	t.Run("audit", func(t *testing.T) {
		entries := e.audit(e.sys, c.ID)
		if len(entries) != 3 {
			t.Fatalf("%d audit entries; want create and two updates", len(entries))
		}
		upd := entries[0]
		want := []crm.Change{{Field: "address", From: []byte(`{"city":"台北市"}`), To: []byte(`{"city":"高雄市"}`)}}
		if upd.Action != crm.ActionUpdate || jsonOf(upd.Changes) != jsonOf(want) {
			t.Errorf("latest entry %s %s; want update %s", upd.Action, jsonOf(upd.Changes), jsonOf(want))
		}
		if !entries[0].At.Equal(e.now()) || entries[0].ActorName != "system" {
			t.Errorf("entry at %v by %q", entries[0].At, entries[0].ActorName)
		}
	})
}

func testUpdateNoOp(t *testing.T, e *env) {
	c := e.contact(e.sys, customer.ContactFields{FamilyName: "Lee", GivenName: "Ann",
		Emails: []customer.Email{{Address: "ann@example.com"}}, Phones: []customer.Phone{{Number: "0912345678"}},
		Tags: []string{"VIP", "Beijing"}})
	before := len(e.audit(e.sys, c.ID))
	tests := []struct {
		name  string
		apply func(f *customer.ContactFields)
	}{
		{"nothing", func(f *customer.ContactFields) {}},
		{"same values written differently", func(f *customer.ContactFields) {
			f.Emails = []customer.Email{{Address: " ANN@Example.com "}}
			f.Phones = []customer.Phone{{Number: "+886 912-345-678"}}
			f.GivenName = " Ann  "
			f.Address.Country = ""
		}},
		{"tags in another order and case", func(f *customer.ContactFields) {
			f.Tags = []string{"vip", "Beijing"}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.tick(time.Minute)
			got, err := e.cs.UpdateContact(e.sys, c.ID, 1, func(f *customer.ContactFields) error { tt.apply(f); return nil }, customer.WriteOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if got.Version != 1 || !got.UpdatedAt.Equal(c.UpdatedAt) {
				t.Errorf("no-op update: version %d updated %v; want 1 and %v", got.Version, got.UpdatedAt, c.UpdatedAt)
			}
			stored := e.get(c.ID)
			if stored.Version != 1 || jsonOf(stored.Tags) != `["Beijing","VIP"]` {
				t.Errorf("stored version %d tags %v", stored.Version, stored.Tags)
			}
			if n := len(e.audit(e.sys, c.ID)); n != before {
				t.Errorf("%d audit entries; want %d (no-op writes none)", n, before)
			}
		})
	}
}

func testUpdateDerivedName(t *testing.T, e *env) {
	derived := e.contact(e.sys, customer.ContactFields{FamilyName: "王", GivenName: "小李"})
	got := e.update(e.sys, derived.ID, func(f *customer.ContactFields) { f.GivenName = "小明" })
	if got.DisplayName != "王小明" {
		t.Errorf("derived display name %q after renaming; want 王小明", got.DisplayName)
	}
	own := e.contact(e.sys, customer.ContactFields{DisplayName: "Boss Wang", FamilyName: "王", GivenName: "大明"})
	got = e.update(e.sys, own.ID, func(f *customer.ContactFields) { f.GivenName = "小明" })
	if got.DisplayName != "Boss Wang" {
		t.Errorf("own display name %q after renaming; want it kept", got.DisplayName)
	}
	got = e.update(e.sys, derived.ID, func(f *customer.ContactFields) { f.DisplayName = "阿明"; f.GivenName = "明" })
	if got.DisplayName != "阿明" {
		t.Errorf("display name set with the names: %q; want 阿明", got.DisplayName)
	}
	if names := e.search("小明"); len(names) != 1 || names[0] != "Boss Wang" {
		t.Errorf("search 小明 = %v; want [Boss Wang] (search follows renames)", names)
	}
}

func testConsent(t *testing.T, e *env) {
	c, err := e.cs.CreateContact(e.sys, customer.ContactFields{DisplayName: "C",
		Consent: customer.Consent{Email: customer.ChannelConsent{Status: customer.ConsentGranted}}}, customer.WriteOptions{Source: "import"})
	if err != nil {
		t.Fatal(err)
	}
	t0 := e.now()
	if got := c.Consent.Email; got.Status != customer.ConsentGranted || got.At == nil || !got.At.Equal(t0) || got.Source != "import" {
		t.Errorf("consent on create: %+v; want granted at %v from import", got, t0)
	}
	e.tick(time.Hour)
	c = e.update(e.sys, c.ID, func(f *customer.ContactFields) { f.Consent.Email.Status = customer.ConsentDenied })
	if got := c.Consent.Email; got.Status != customer.ConsentDenied || !got.At.Equal(e.now()) || got.Source != "api" {
		t.Errorf("consent after withdrawal: %+v; want denied now from api", got)
	}
	c = e.update(e.sys, c.ID, func(f *customer.ContactFields) { f.Consent.Email = customer.ChannelConsent{} })
	if got := c.Consent.Email; got != (customer.ChannelConsent{}) {
		t.Errorf("consent cleared: %+v; want nothing", got)
	}
}

// countAll counts every contact and audit entry, to show that a refused
// write wrote nothing.
func (e *env) countAll() (contacts, entries int) {
	e.t.Helper()
	page := e.list(customer.ListParams{Deleted: customer.DeletedInclude})
	log := e.auditLog(account.AuditFilter{})
	return int(page.Total.Value), len(log)
}

func testCreateInvalid(t *testing.T, e *env) {
	agent := e.user("Agent", crm.RoleAgent)
	other := e.team("Other")
	e.fieldDef(customer.FieldDefFields{RecordType: "contact", Key: "score", Type: customer.FieldNumber})
	ok := func(f customer.ContactFields) customer.ContactFields {
		if f.DisplayName == "" && f.FamilyName == "" {
			f.DisplayName = "Valid Name"
		}
		return f
	}
	tests := []struct {
		name  string
		ctx   context.Context
		in    customer.ContactFields
		field string
		code  string
	}{
		{"no name or contact", e.sys, customer.ContactFields{}, "display_name", "name_or_contact_required"},
		{"blank name", e.sys, customer.ContactFields{DisplayName: "   ", GivenName: " "}, "display_name", "name_or_contact_required"},
		{"long family name", e.sys, ok(customer.ContactFields{FamilyName: strings.Repeat("王", 101)}), "family_name", "too_long"},
		{"long display name", e.sys, customer.ContactFields{DisplayName: strings.Repeat("x", 201)}, "display_name", "too_long"},
		{"second email bad", e.sys, ok(customer.ContactFields{Emails: []customer.Email{{Address: "a@example.com"}, {Address: "Ann <ann@example.com>"}}}), "emails[1].address", crm.CodeInvalidEmail},
		{"email label", e.sys, ok(customer.ContactFields{Emails: []customer.Email{{Address: "a@example.com", Label: "office"}}}), "emails[0].label", "not_one_of"},
		{"short phone", e.sys, ok(customer.ContactFields{Phones: []customer.Phone{{Number: "123"}}}), "phones[0].number", crm.CodeInvalidPhoneLength},
		{"phone letters", e.sys, ok(customer.ContactFields{Phones: []customer.Phone{{Number: "0912-ABC-678"}}}), "phones[0].number", crm.CodeInvalidPhone},
		{"phone extension", e.sys, ok(customer.ContactFields{Phones: []customer.Phone{{Number: "0912345678", Ext: "12a"}}}), "phones[0].ext", "invalid_extension"},
		{"phone label", e.sys, ok(customer.ContactFields{Phones: []customer.Phone{{Number: "0912345678", Label: "pager"}}}), "phones[0].label", "not_one_of"},
		{"too many emails", e.sys, ok(customer.ContactFields{Emails: manyEmails(21)}), "emails", "too_many"},
		{"birthday", e.sys, ok(customer.ContactFields{Birthday: "2023-02-29"}), "birthday", "invalid_date"},
		{"birthday shape", e.sys, ok(customer.ContactFields{Birthday: "1990/01/02"}), "birthday", "invalid_date"},
		{"anniversary date", e.sys, ok(customer.ContactFields{Anniversaries: []customer.Anniversary{{Label: "x", Date: "--13-01"}}}), "anniversaries[0].date", "invalid_date"},
		{"anniversary label", e.sys, ok(customer.ContactFields{Anniversaries: []customer.Anniversary{{Date: "2020-01-01"}}}), "anniversaries[0].label", "required"},
		{"gender", e.sys, ok(customer.ContactFields{Gender: "unknown"}), "gender", "not_one_of"},
		{"language", e.sys, ok(customer.ContactFields{PreferredLanguage: "中文"}), "preferred_language", "invalid_language"},
		{"lifecycle", e.sys, ok(customer.ContactFields{LifecycleStage: "champion"}), "lifecycle_stage", "not_one_of"},
		{"consent status", e.sys, ok(customer.ContactFields{Consent: customer.Consent{SMS: customer.ChannelConsent{Status: "maybe"}}}), "consent.sms.status", "not_one_of"},
		{"country", e.sys, ok(customer.ContactFields{Address: customer.Address{Country: "TWN"}}), "address.country", "invalid_country"},
		{"tag with comma", e.sys, ok(customer.ContactFields{Tags: []string{"ok", "a,b"}}), "tags[1]", "invalid_tag"},
		{"long tag", e.sys, ok(customer.ContactFields{Tags: []string{strings.Repeat("標", 51)}}), "tags[0]", "invalid_tag"},
		{"unknown owner", e.sys, ok(customer.ContactFields{OwnerID: ptr(int64(987654))}), "owner_id", "unknown_user"},
		{"unknown team", e.sys, ok(customer.ContactFields{TeamID: ptr(int64(987654))}), "team_id", "unknown_team"},
		{"someone else's team", e.as(agent), ok(customer.ContactFields{TeamID: &other.ID}), "team_id", "not_your_team"},
		{"unknown custom field", e.sys, ok(customer.ContactFields{Custom: map[string]any{"nope": "x"}}), "custom.nope", "unknown_custom_field"},
		{"custom value type", e.sys, ok(customer.ContactFields{Custom: map[string]any{"score": "high"}}), "custom.score", "expected_number"},
	}
	contacts0, entries0 := e.countAll()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.cs.CreateContact(tt.ctx, tt.in, customer.WriteOptions{})
			wantField(t, err, tt.field, tt.code)
		})
	}
	if contacts, entries := e.countAll(); contacts != contacts0 || entries != entries0 {
		t.Errorf("refused creates wrote: %d contacts and %d audit entries; want %d and %d", contacts, entries, contacts0, entries0)
	}
}

func manyEmails(n int) []customer.Email {
	out := make([]customer.Email, n)
	for i := range out {
		out[i] = customer.Email{Address: "m" + strings.Repeat("x", i) + "@example.com"}
	}
	return out
}

func testUpdateInvalid(t *testing.T, e *env) {
	c := e.contact(e.sys, customer.ContactFields{DisplayName: "Keep", Emails: []customer.Email{{Address: "keep@example.com"}}})
	tests := []struct {
		name  string
		apply func(f *customer.ContactFields)
		field string
		code  string
	}{
		{"bad email", func(f *customer.ContactFields) { f.Emails = append(f.Emails, customer.Email{Address: "nope"}) }, "emails[1].address", crm.CodeInvalidEmail},
		{"clear every name", func(f *customer.ContactFields) { f.DisplayName, f.Emails = "", nil }, "display_name", "name_or_contact_required"},
		{"bad stage", func(f *customer.ContactFields) { f.LifecycleStage = "x" }, "lifecycle_stage", "not_one_of"},
		{"unknown owner", func(f *customer.ContactFields) { f.OwnerID = ptr(int64(55555)) }, "owner_id", "unknown_user"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.cs.UpdateContact(e.sys, c.ID, 1, func(f *customer.ContactFields) error { tt.apply(f); return nil }, customer.WriteOptions{})
			wantField(t, err, tt.field, tt.code)
			if diff := cmp.Diff(c, e.get(c.ID)); diff != "" {
				t.Errorf("refused update changed the contact (-before +after):\n%s", diff)
			}
		})
	}
	t.Run("error from apply", func(t *testing.T) {
		refused := errors.New("refused by apply")
		_, err := e.cs.UpdateContact(e.sys, c.ID, 1, func(f *customer.ContactFields) error { f.DisplayName = "Changed"; return refused }, customer.WriteOptions{})
		if !errors.Is(err, refused) {
			t.Errorf("update returned %v; want the error of apply", err)
		}
		if got := e.get(c.ID); got.DisplayName != "Keep" {
			t.Errorf("display name %q after a failed apply", got.DisplayName)
		}
	})
	if n := len(e.audit(e.sys, c.ID)); n != 1 {
		t.Errorf("%d audit entries; want only the create", n)
	}
}

func testRequiredCustomFields(t *testing.T, e *env) {
	e.fieldDef(customer.FieldDefFields{RecordType: "contact", Key: "source", Type: customer.FieldText, Required: true})
	_, err := e.cs.CreateContact(e.sys, customer.ContactFields{DisplayName: "A"}, customer.WriteOptions{})
	wantField(t, err, "custom.source", "required")
	_, err = e.cs.CreateContact(e.sys, customer.ContactFields{DisplayName: "A", Custom: map[string]any{"source": "  "}}, customer.WriteOptions{})
	wantField(t, err, "custom.source", "required")
	_, err = e.cs.CreateContact(e.sys, customer.ContactFields{DisplayName: "A", Custom: map[string]any{"source": nil}}, customer.WriteOptions{})
	wantField(t, err, "custom.source", "required")
	c := e.contact(e.sys, customer.ContactFields{DisplayName: "A", Custom: map[string]any{"source": "fair"}})
	for name, apply := range map[string]func(f *customer.ContactFields){
		"cleared with null":  func(f *customer.ContactFields) { f.Custom["source"] = nil },
		"cleared with blank": func(f *customer.ContactFields) { f.Custom["source"] = "" },
		"removed":            func(f *customer.ContactFields) { delete(f.Custom, "source") },
	} {
		t.Run(name, func(t *testing.T) {
			_, err := e.cs.UpdateContact(e.sys, c.ID, 0, func(f *customer.ContactFields) error { apply(f); return nil }, customer.WriteOptions{})
			wantField(t, err, "custom.source", "required")
		})
	}
	got := e.update(e.sys, c.ID, func(f *customer.ContactFields) { f.Custom["source"] = "web" })
	if got.Custom["source"] != "web" {
		t.Errorf("custom.source = %v; want web", got.Custom["source"])
	}
	t.Run("added later", func(t *testing.T) {
		old := e.contact(e.sys, customer.ContactFields{DisplayName: "Old", Custom: map[string]any{"source": "x"}})
		e.fieldDef(customer.FieldDefFields{RecordType: "contact", Key: "region_code", Type: customer.FieldText, Required: true})
		// Records from before the field was required still save.
		if _, err := e.cs.UpdateContact(e.sys, old.ID, 0, func(f *customer.ContactFields) error { f.GivenName = "Y"; return nil }, customer.WriteOptions{}); err != nil {
			t.Errorf("update of a record older than a required field: %v", err)
		}
	})
}

func testBatch(t *testing.T, e *env) {
	existing := e.contact(e.sys, customer.ContactFields{DisplayName: "Existing", Emails: []customer.Email{{Address: "taken@example.com"}},
		Phones: []customer.Phone{{Number: "0911 111 111"}}})
	inputs := []customer.ContactFields{
		{DisplayName: "Good 0", Emails: []customer.Email{{Address: "g0@example.com"}}},
		{DisplayName: "Bad email", Emails: []customer.Email{{Address: "not-an-email"}}},
		{DisplayName: "Good 2", Phones: []customer.Phone{{Number: "0922 222 222"}}},
		{DisplayName: "Same email as 0", Emails: []customer.Email{{Address: "G0@Example.com"}}},
		{DisplayName: "Same email as existing", Emails: []customer.Email{{Address: "TAKEN@example.com"}}},
		{DisplayName: "Same phone as existing", Phones: []customer.Phone{{Number: "+886911111111"}}},
		{DisplayName: "Same phone as 2", Phones: []customer.Phone{{Number: "+886 922-222-222"}}},
		{DisplayName: "", Emails: []customer.Email{{Address: "bad"}}, Phones: []customer.Phone{{Number: "0922 222 222"}}},
		{DisplayName: "Good 8", Tags: []string{"Batch"}},
	}
	type outcome struct {
		kind     crm.Kind
		code     string
		existing int64 // existing_id param
		index    int64 // index param, -1 when absent
	}
	ok := outcome{kind: 255}
	want := []outcome{
		ok,
		{crm.KindInvalid, "validation_failed", 0, -1},
		ok,
		{crm.KindConflict, "duplicate_in_batch", 0, 0},
		{crm.KindConflict, "duplicate_contact", existing.ID, -1},
		{crm.KindConflict, "duplicate_contact", existing.ID, -1},
		{crm.KindConflict, "duplicate_in_batch", 0, 2},
		{crm.KindInvalid, "validation_failed", 0, -1},
		ok,
	}
	results, err := e.cs.CreateContacts(e.sys, inputs, customer.WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(results) != len(inputs) {
		t.Fatalf("%d results for %d inputs", len(results), len(inputs))
	}
	var created []int64
	for i, r := range results {
		w := want[i]
		if r.Index != i {
			t.Errorf("result %d has index %d", i, r.Index)
		}
		if w == ok {
			if r.Err != nil || r.ID == 0 || r.Version != 1 {
				t.Errorf("record %d (%s): id %d version %d err %v; want created", i, inputs[i].DisplayName, r.ID, r.Version, r.Err)
			}
			created = append(created, r.ID)
			continue
		}
		if r.ID != 0 {
			t.Errorf("record %d (%s) got id %d; want rejected", i, inputs[i].DisplayName, r.ID)
		}
		ce := wantCode(t, r.Err, w.kind, w.code)
		if w.existing != 0 {
			if got := param(t, ce, "existing_id"); got != w.existing {
				t.Errorf("record %d: existing_id %d; want %d", i, got, w.existing)
			}
		}
		if w.index >= 0 {
			if got := param(t, ce, "index"); got != w.index {
				t.Errorf("record %d: index %d; want %d", i, got, w.index)
			}
		}
	}
	page := e.list(customer.ListParams{Sort: "id"})
	if diff := cmp.Diff(append([]int64{existing.ID}, created...), ids(page.Items)); diff != "" {
		t.Errorf("stored contacts (-want +got):\n%s", diff)
	}
	if got := e.get(created[2]); jsonOf(got.Tags) != `["Batch"]` {
		t.Errorf("tags of a batch record: %v", got.Tags)
	}
	for _, id := range created {
		if entries := e.audit(e.sys, id); len(entries) != 1 || entries[0].Action != crm.ActionCreate {
			t.Errorf("contact %d: audit %+v; want one create entry", id, entries)
		}
	}

	t.Run("allow duplicate", func(t *testing.T) {
		results, err := e.cs.CreateContacts(e.sys, []customer.ContactFields{
			{DisplayName: "Dup A", Emails: []customer.Email{{Address: "taken@example.com"}}},
			{DisplayName: "Dup B", Emails: []customer.Email{{Address: "taken@example.com"}}},
		}, customer.WriteOptions{AllowDuplicate: true})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range results {
			if r.Err != nil || r.ID == 0 {
				t.Errorf("record %d: %v", r.Index, r.Err)
			}
		}
	})
	t.Run("all bad", func(t *testing.T) {
		before := e.list(customer.ListParams{}).Total.Value
		results, err := e.cs.CreateContacts(e.sys, []customer.ContactFields{{}, {Emails: []customer.Email{{Address: "x"}}}}, customer.WriteOptions{})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range results {
			wantKind(t, r.Err, crm.KindInvalid)
		}
		if after := e.list(customer.ListParams{}).Total.Value; after != before {
			t.Errorf("%d contacts after an all-bad batch; want %d", after, before)
		}
	})
}

func testBatchLimits(t *testing.T, e *env) {
	_, err := e.cs.CreateContacts(e.sys, make([]customer.ContactFields, customer.MaxBatch+1), customer.WriteOptions{})
	wantKind(t, err, crm.KindTooLarge)
	inputs := make([]customer.ContactFields, customer.MaxBatch)
	for i := range inputs {
		inputs[i] = customer.ContactFields{DisplayName: "批次", Emails: []customer.Email{{Address: "b" + strconv.Itoa(i) + "@example.com"}},
			Tags: []string{"t" + strconv.Itoa(i%7)}}
	}
	results, err := e.cs.CreateContacts(e.sys, inputs, customer.WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[int64]bool{}
	for _, r := range results {
		if r.Err != nil || seen[r.ID] {
			t.Fatalf("record %d: id %d err %v", r.Index, r.ID, r.Err)
		}
		seen[r.ID] = true
	}
	page := e.list(customer.ListParams{Query: "b999@example.com"})
	if len(page.Items) != 1 || page.Items[0].ID != results[999].ID {
		t.Errorf("search for the last record found %v; want id %d", ids(page.Items), results[999].ID)
	}
	if page := e.list(customer.ListParams{Conditions: []customer.Condition{{Field: "tag", Values: []string{"t3"}}}, Limit: 1}); page.Total.Value != 143 {
		t.Errorf("tag t3 on %d contacts; want 143", page.Total.Value)
	}
}

func testUnauthenticated(t *testing.T, e *env) {
	ctx := context.Background()
	_, err := e.cs.CreateContact(ctx, customer.ContactFields{DisplayName: "x"}, customer.WriteOptions{})
	wantKind(t, err, crm.KindUnauthenticated)
	_, err = e.cs.ListContacts(ctx, customer.ListParams{})
	wantKind(t, err, crm.KindUnauthenticated)
	_, err = e.cs.GetContact(ctx, 1)
	wantKind(t, err, crm.KindUnauthenticated)
}
