package storetest

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	gocmp "github.com/google/go-cmp/cmp"

	"github.com/guanxi-crm/guanxi/internal/account"
	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/customer"
)

var listTests = []test{
	{"Filters", testListFilters},
	{"FilterValidation", testListFilterValidation},
	{"Sorts", testListSorts},
	{"SortTies", testListSortTies},
	{"Cursors", testListCursors},
	{"Totals", testListTotals},
	{"Deleted", testListDeleted},
}

// listData is the population the list tests filter and sort: seven live
// contacts and one deleted, with every kind of field set on some and
// missing on others.
type listData struct {
	alice, bob *account.User
	team       *account.Team
	c1, c2     *customer.Company
	byName     map[string]*customer.Contact
}

// Contact custom fields of every type.
var listFieldDefs = []customer.FieldDefFields{
	{RecordType: "contact", Key: "tier", Type: customer.FieldSelect, Options: []customer.Option{{Value: "gold"}, {Value: "silver"}, {Value: "bronze"}}},
	{RecordType: "contact", Key: "score", Type: customer.FieldNumber},
	{RecordType: "contact", Key: "budget", Type: customer.FieldMoney, Currency: "TWD"},
	{RecordType: "contact", Key: "renewal", Type: customer.FieldDate},
	{RecordType: "contact", Key: "vip", Type: customer.FieldBoolean},
	{RecordType: "contact", Key: "interests", Type: customer.FieldMultiSelect, Options: []customer.Option{{Value: "golf"}, {Value: "tea"}, {Value: "wine"}}},
	{RecordType: "contact", Key: "website", Type: customer.FieldURL},
	{RecordType: "contact", Key: "alt_email", Type: customer.FieldEmail},
	{RecordType: "contact", Key: "fax", Type: customer.FieldPhone},
	{RecordType: "contact", Key: "note", Type: customer.FieldText},
}

func seedList(t *testing.T, e *env) *listData {
	t.Helper()
	d := &listData{byName: map[string]*customer.Contact{}}
	d.team = e.team("North")
	d.alice = e.user("Alice", crm.RoleAgent, d.team)
	d.bob = e.user("Bob", crm.RoleAgent)
	for _, f := range listFieldDefs {
		e.fieldDef(f)
	}
	d.c1 = e.company(e.sys, customer.CompanyFields{Name: "台積電"})
	d.c2 = e.company(e.sys, customer.CompanyFields{Name: "Acme"})
	granted := customer.ChannelConsent{Status: customer.ConsentGranted}
	denied := customer.ChannelConsent{Status: customer.ConsentDenied}
	seeds := []customer.ContactFields{
		{FamilyName: "王", GivenName: "小李", Emails: []customer.Email{{Address: "li@example.com"}}, Phones: []customer.Phone{{Number: "0912-345-678"}},
			Address: customer.Address{City: "台北市", Region: "北部", PostalCode: "100", Country: "TW"}, Birthday: "1990-05-01",
			Gender: customer.GenderMale, PreferredLanguage: "zh-Hant-TW", LifecycleStage: customer.StageCustomer,
			OwnerID: &d.alice.ID, TeamID: &d.team.ID, Tags: []string{"VIP", "北部"}, Consent: customer.Consent{Email: granted},
			Custom: map[string]any{"tier": "gold", "score": 8.5, "budget": 150000.0, "renewal": "2026-06-30", "vip": true,
				"interests": []any{"golf", "tea"}, "website": "https://li.example.com", "alt_email": "LI2@example.com",
				"fax": "02-2345-6789", "note": "早鳥"}},
		{FamilyName: "Lee", GivenName: "Ann", Emails: []customer.Email{{Address: "ann.lee@example.com"}}, Phones: []customer.Phone{{Number: "+1 415 555 0100"}},
			Address: customer.Address{City: "San Francisco", Region: "CA", PostalCode: "94105", Country: "US"}, Birthday: "--07-04",
			Gender: customer.GenderFemale, PreferredLanguage: "en", LifecycleStage: customer.StageProspect,
			OwnerID: &d.bob.ID, Tags: []string{"VIP"}, Consent: customer.Consent{Email: denied},
			Custom: map[string]any{"tier": "silver", "score": 5.0, "budget": 0.0, "renewal": "2026-01-15", "vip": false,
				"interests": []any{"wine"}, "note": "referral"}},
		{FamilyName: "陳", GivenName: "大文", Emails: []customer.Email{{Address: "chen@example.com.tw"}}, Phones: []customer.Phone{{Number: "0922-111-222"}},
			Address: customer.Address{City: "台北市", Region: "北部", PostalCode: "100", Country: "TW"},
			Gender:  customer.GenderMale, PreferredLanguage: "zh-Hant", LifecycleStage: customer.StageLead,
			Custom: map[string]any{"tier": "gold", "score": 8.5, "interests": []any{"tea"}}},
		{FamilyName: "García", GivenName: "José", Emails: []customer.Email{{Address: "jose@example.es"}}, Phones: []customer.Phone{{Number: "+34 612 345 678"}},
			Address: customer.Address{City: "Madrid", PostalCode: "28001", Country: "ES"}, Birthday: "1978-02-14",
			Gender: customer.GenderOther, PreferredLanguage: "es", LifecycleStage: customer.StageLoyal,
			OwnerID: &d.alice.ID, Tags: []string{"Europe"}, Consent: customer.Consent{Email: granted},
			Custom: map[string]any{"score": -1.0, "budget": 99.0, "vip": true, "note": "vip?"}},
		{FamilyName: "林", GivenName: "美玲", Phones: []customer.Phone{{Number: "0933-000-111"}},
			Address: customer.Address{City: "台中市", Region: "中部", PostalCode: "400", Country: "TW"}, Birthday: "1985-12-31",
			Gender: customer.GenderFemale, PreferredLanguage: "zh-Hant", LifecycleStage: customer.StageLapsed,
			OwnerID: &d.bob.ID, TeamID: &d.team.ID, Tags: []string{"VIP"},
			Custom: map[string]any{"tier": "bronze", "renewal": "2025-12-31", "interests": []any{"golf", "wine"}}},
		{FamilyName: "Stone", GivenName: "Bob", Emails: []customer.Email{{Address: "bob@example.com"}}, LifecycleStage: customer.StageLead,
			OwnerID: &d.alice.ID, Consent: customer.Consent{SMS: granted}},
		{FamilyName: "張", GivenName: "偉", Emails: []customer.Email{{Address: "zhang@example.com"}},
			Address: customer.Address{City: "台北市", Region: "北部", Country: "TW"}, Gender: customer.GenderMale,
			LifecycleStage: customer.StageCustomer, OwnerID: &d.bob.ID, Tags: []string{"VIP"}},
		{FamilyName: "King", GivenName: "Carol", Emails: []customer.Email{{Address: "carol@example.com"}},
			Phones:  []customer.Phone{{Number: "0955-123-456"}, {Number: "02 2345 6789", Ext: "12"}},
			Address: customer.Address{City: "台中市", Country: "TW"}, Birthday: "2000-01-01",
			Gender: customer.GenderFemale, PreferredLanguage: "en", LifecycleStage: customer.StageCustomer,
			TeamID: &d.team.ID, Tags: []string{"Europe", "VIP"},
			Custom: map[string]any{"score": 5.0, "budget": 150000.0, "vip": false, "alt_email": "carol@x.example.com",
				"website": "https://carol.example.com/path"}},
	}
	for i, f := range seeds {
		e.clock.T = start.Add(time.Duration(i+1) * time.Hour)
		c := e.contact(e.sys, f)
		d.byName[c.DisplayName] = c
	}
	e.position(e.sys, customer.PositionFields{ContactID: d.byName["王小李"].ID, CompanyID: d.c1.ID})
	e.position(e.sys, customer.PositionFields{ContactID: d.byName["Ann Lee"].ID, CompanyID: d.c2.ID})
	e.position(e.sys, customer.PositionFields{ContactID: d.byName["陳大文"].ID, CompanyID: d.c1.ID, Status: customer.PositionPast})
	e.clock.T = start.Add(20 * time.Hour)
	d.byName["Ann Lee"] = e.update(e.sys, d.byName["Ann Lee"].ID, func(f *customer.ContactFields) { f.Address.PostalCode = "94107" })
	e.clock.T = start.Add(21 * time.Hour)
	must(t, e.cs.DeleteContact(e.sys, d.byName["張偉"].ID, 0))
	e.clock.T = start.Add(22 * time.Hour)
	return d
}

// id renders a contact's id for a filter.
func (d *listData) id(name string) string { return strconv.FormatInt(d.byName[name].ID, 10) }

func cond(field string, op customer.Op, values ...string) customer.Condition {
	return customer.Condition{Field: field, Op: op, Values: values}
}

func hoursAfterStart(h int) string {
	return start.Add(time.Duration(h) * time.Hour).Format(time.RFC3339)
}

func testListFilters(t *testing.T, e *env) {
	d := seedList(t, e)
	all := []string{"王小李", "Ann Lee", "陳大文", "José García", "林美玲", "Bob Stone", "Carol King"}
	but := func(except ...string) []string {
		return slices.DeleteFunc(slices.Clone(all), func(n string) bool { return slices.Contains(except, n) })
	}
	alice, bob := strconv.FormatInt(d.alice.ID, 10), strconv.FormatInt(d.bob.ID, 10)
	team := strconv.FormatInt(d.team.ID, 10)
	c1, c2 := strconv.FormatInt(d.c1.ID, 10), strconv.FormatInt(d.c2.ID, 10)
	tests := []struct {
		name    string
		conds   []customer.Condition
		deleted customer.Deleted
		want    []string
	}{
		{"no filter", nil, "", all},
		{"id eq", []customer.Condition{cond("id", customer.OpEq, d.id("Ann Lee"))}, "", []string{"Ann Lee"}},
		{"id default op", []customer.Condition{{Field: "id", Values: []string{d.id("Ann Lee")}}}, "", []string{"Ann Lee"}},
		{"id in", []customer.Condition{cond("id", customer.OpIn, d.id("王小李"), d.id("陳大文"), "999999")}, "", []string{"王小李", "陳大文"}},
		{"id ne", []customer.Condition{cond("id", customer.OpNe, d.id("王小李"))}, "", but("王小李")},
		{"id gt", []customer.Condition{cond("id", customer.OpGt, d.id("José García"))}, "", []string{"林美玲", "Bob Stone", "Carol King"}},
		{"id gte", []customer.Condition{cond("id", customer.OpGte, d.id("José García"))}, "", []string{"José García", "林美玲", "Bob Stone", "Carol King"}},
		{"id lt", []customer.Condition{cond("id", customer.OpLt, d.id("陳大文"))}, "", []string{"王小李", "Ann Lee"}},
		{"id lte", []customer.Condition{cond("id", customer.OpLte, d.id("Ann Lee"))}, "", []string{"王小李", "Ann Lee"}},
		{"id exists", []customer.Condition{cond("id", customer.OpExists, "true")}, "", all},
		{"id not exists", []customer.Condition{cond("id", customer.OpExists, "false")}, "", nil},

		{"display_name eq", []customer.Condition{cond("display_name", customer.OpEq, "Ann Lee")}, "", []string{"Ann Lee"}},
		{"display_name ne", []customer.Condition{cond("display_name", customer.OpNe, "Ann Lee")}, "", but("Ann Lee")},
		{"display_name in", []customer.Condition{cond("display_name", customer.OpIn, "Ann Lee", "Bob Stone", "nobody")}, "", []string{"Ann Lee", "Bob Stone"}},
		{"display_name prefix chinese", []customer.Condition{cond("display_name", customer.OpPrefix, "王")}, "", []string{"王小李"}},
		{"display_name prefix latin", []customer.Condition{cond("display_name", customer.OpPrefix, "Ca")}, "", []string{"Carol King"}},
		{"display_name prefix accented", []customer.Condition{cond("display_name", customer.OpPrefix, "José G")}, "", []string{"José García"}},
		{"display_name prefix with like wildcards", []customer.Condition{cond("display_name", customer.OpPrefix, "%")}, "", nil},
		{"display_name exists", []customer.Condition{cond("display_name", customer.OpExists, "true")}, "", all},
		{"family_name eq", []customer.Condition{cond("family_name", customer.OpEq, "王")}, "", []string{"王小李"}},
		{"family_name prefix", []customer.Condition{cond("family_name", customer.OpPrefix, "Gar")}, "", []string{"José García"}},
		{"given_name in", []customer.Condition{cond("given_name", customer.OpIn, "Ann", "Bob")}, "", []string{"Ann Lee", "Bob Stone"}},

		{"email eq normalised", []customer.Condition{cond("email", customer.OpEq, " ANN.LEE@example.com")}, "", []string{"Ann Lee"}},
		{"email in", []customer.Condition{cond("email", customer.OpIn, "li@example.com", "carol@example.com")}, "", []string{"王小李", "Carol King"}},
		{"email ne", []customer.Condition{cond("email", customer.OpNe, "li@example.com")}, "", but("王小李")},
		{"email prefix", []customer.Condition{cond("email", customer.OpPrefix, "Ann.Lee@Example")}, "", []string{"Ann Lee"}},
		{"email of a deleted contact", []customer.Condition{cond("email", customer.OpEq, "zhang@example.com")}, "", nil},
		{"email exists", []customer.Condition{cond("email", customer.OpExists, "true")}, "", but("林美玲")},
		{"email missing", []customer.Condition{cond("email", customer.OpExists, "false")}, "", []string{"林美玲"}},

		{"phone eq national", []customer.Condition{cond("phone", customer.OpEq, "0912 345 678")}, "", []string{"王小李"}},
		{"phone eq international", []customer.Condition{cond("phone", customer.OpEq, "+1 (415) 555-0100")}, "", []string{"Ann Lee"}},
		{"phone in", []customer.Condition{cond("phone", customer.OpIn, "0922111222", "0955-123-456")}, "", []string{"陳大文", "Carol King"}},
		{"phone ne", []customer.Condition{cond("phone", customer.OpNe, "0912345678")}, "", but("王小李")},
		{"phone prefix", []customer.Condition{cond("phone", customer.OpPrefix, "+886 9")}, "", []string{"王小李", "陳大文", "林美玲", "Carol King"}},
		{"phone missing", []customer.Condition{cond("phone", customer.OpExists, "false")}, "", []string{"Bob Stone"}},
		{"phone with extension", []customer.Condition{cond("phone", customer.OpEq, "(02) 2345-6789 轉 12")}, "", []string{"Carol King"}},
		{"phone matches any extension", []customer.Condition{cond("phone", customer.OpEq, "02-2345-6789")}, "", []string{"Carol King"}},
		{"phone ne any extension", []customer.Condition{cond("phone", customer.OpNe, "02-2345-6789")}, "", but("Carol King")},
		{"phone prefix of an extension", []customer.Condition{cond("phone", customer.OpPrefix, "+886 2 2345")}, "", []string{"Carol King"}},

		{"city eq", []customer.Condition{cond("city", customer.OpEq, "台北市")}, "", []string{"王小李", "陳大文"}},
		{"city ne", []customer.Condition{cond("city", customer.OpNe, "台北市")}, "", but("王小李", "陳大文")},
		{"city in", []customer.Condition{cond("city", customer.OpIn, "台中市", "Madrid")}, "", []string{"José García", "林美玲", "Carol King"}},
		{"city prefix", []customer.Condition{cond("city", customer.OpPrefix, "台")}, "", []string{"王小李", "陳大文", "林美玲", "Carol King"}},
		{"city missing", []customer.Condition{cond("city", customer.OpExists, "false")}, "", []string{"Bob Stone"}},
		{"region eq", []customer.Condition{cond("region", customer.OpEq, "北部")}, "", []string{"王小李", "陳大文"}},
		{"region missing", []customer.Condition{cond("region", customer.OpExists, "false")}, "", []string{"José García", "Bob Stone", "Carol King"}},
		{"postal_code prefix", []customer.Condition{cond("postal_code", customer.OpPrefix, "9")}, "", []string{"Ann Lee"}},
		{"postal_code in", []customer.Condition{cond("postal_code", customer.OpIn, "100", "400")}, "", []string{"王小李", "陳大文", "林美玲"}},
		{"country eq", []customer.Condition{cond("country", customer.OpEq, "TW")}, "", []string{"王小李", "陳大文", "林美玲", "Carol King"}},
		{"country ne", []customer.Condition{cond("country", customer.OpNe, "TW")}, "", []string{"Ann Lee", "José García", "Bob Stone"}},
		{"country missing", []customer.Condition{cond("country", customer.OpExists, "false")}, "", []string{"Bob Stone"}},
		{"birthday eq", []customer.Condition{cond("birthday", customer.OpEq, "1985-12-31")}, "", []string{"林美玲"}},
		{"birthday without year", []customer.Condition{cond("birthday", customer.OpPrefix, "--")}, "", []string{"Ann Lee"}},
		{"birthday missing", []customer.Condition{cond("birthday", customer.OpExists, "false")}, "", []string{"陳大文", "Bob Stone"}},
		{"gender eq", []customer.Condition{cond("gender", customer.OpEq, "female")}, "", []string{"Ann Lee", "林美玲", "Carol King"}},
		{"gender in", []customer.Condition{cond("gender", customer.OpIn, "male", "other")}, "", []string{"王小李", "陳大文", "José García"}},
		{"gender ne", []customer.Condition{cond("gender", customer.OpNe, "male")}, "", but("王小李", "陳大文")},
		{"gender missing", []customer.Condition{cond("gender", customer.OpExists, "false")}, "", []string{"Bob Stone"}},
		{"preferred_language eq", []customer.Condition{cond("preferred_language", customer.OpEq, "en")}, "", []string{"Ann Lee", "Carol King"}},
		{"preferred_language prefix", []customer.Condition{cond("preferred_language", customer.OpPrefix, "zh")}, "", []string{"王小李", "陳大文", "林美玲"}},
		{"preferred_language missing", []customer.Condition{cond("preferred_language", customer.OpExists, "false")}, "", []string{"Bob Stone"}},
		{"lifecycle_stage eq", []customer.Condition{cond("lifecycle_stage", customer.OpEq, "lead")}, "", []string{"陳大文", "Bob Stone"}},
		{"lifecycle_stage in", []customer.Condition{cond("lifecycle_stage", customer.OpIn, "customer", "loyal")}, "", []string{"王小李", "José García", "Carol King"}},
		{"lifecycle_stage ne", []customer.Condition{cond("lifecycle_stage", customer.OpNe, "lead")}, "", but("陳大文", "Bob Stone")},
		{"lifecycle_stage exists", []customer.Condition{cond("lifecycle_stage", customer.OpExists, "true")}, "", all},

		{"owner_id eq", []customer.Condition{cond("owner_id", customer.OpEq, alice)}, "", []string{"王小李", "José García", "Bob Stone"}},
		{"owner_id ne includes unowned", []customer.Condition{cond("owner_id", customer.OpNe, alice)}, "", []string{"Ann Lee", "陳大文", "林美玲", "Carol King"}},
		{"owner_id in", []customer.Condition{cond("owner_id", customer.OpIn, alice, bob)}, "", []string{"王小李", "Ann Lee", "José García", "林美玲", "Bob Stone"}},
		{"owner_id gt", []customer.Condition{cond("owner_id", customer.OpGt, alice)}, "", []string{"Ann Lee", "林美玲"}},
		{"owner_id missing", []customer.Condition{cond("owner_id", customer.OpExists, "false")}, "", []string{"陳大文", "Carol King"}},
		{"team_id eq", []customer.Condition{cond("team_id", customer.OpEq, team)}, "", []string{"王小李", "林美玲", "Carol King"}},
		{"team_id ne", []customer.Condition{cond("team_id", customer.OpNe, team)}, "", []string{"Ann Lee", "陳大文", "José García", "Bob Stone"}},
		{"team_id missing", []customer.Condition{cond("team_id", customer.OpExists, "false")}, "", []string{"Ann Lee", "陳大文", "José García", "Bob Stone"}},
		{"company_id eq, current only", []customer.Condition{cond("company_id", customer.OpEq, c1)}, "", []string{"王小李"}},
		{"company_id in", []customer.Condition{cond("company_id", customer.OpIn, c1, c2)}, "", []string{"王小李", "Ann Lee"}},
		{"company_id ne", []customer.Condition{cond("company_id", customer.OpNe, c1)}, "", but("王小李")},
		{"company_id exists", []customer.Condition{cond("company_id", customer.OpExists, "true")}, "", []string{"王小李", "Ann Lee"}},
		{"company_id missing", []customer.Condition{cond("company_id", customer.OpExists, "false")}, "", but("王小李", "Ann Lee")},

		{"tag eq any case", []customer.Condition{cond("tag", customer.OpEq, "vip")}, "", []string{"王小李", "Ann Lee", "林美玲", "Carol King"}},
		{"tag in", []customer.Condition{cond("tag", customer.OpIn, "EUROPE", "北部")}, "", []string{"王小李", "José García", "Carol King"}},
		{"tag ne", []customer.Condition{cond("tag", customer.OpNe, "VIP")}, "", []string{"陳大文", "José García", "Bob Stone"}},
		{"tag missing", []customer.Condition{cond("tag", customer.OpExists, "false")}, "", []string{"陳大文", "Bob Stone"}},
		{"tag unknown", []customer.Condition{cond("tag", customer.OpEq, "nosuch")}, "", nil},
		{"two tags", []customer.Condition{cond("tag", customer.OpEq, "VIP"), cond("tag", customer.OpEq, "Europe")}, "", []string{"Carol King"}},

		{"consent.email eq", []customer.Condition{cond("consent.email", customer.OpEq, "granted")}, "", []string{"王小李", "José García"}},
		{"consent.email denied", []customer.Condition{cond("consent.email", customer.OpEq, "denied")}, "", []string{"Ann Lee"}},
		{"consent.email ne", []customer.Condition{cond("consent.email", customer.OpNe, "granted")}, "", but("王小李", "José García")},
		{"consent.email in", []customer.Condition{cond("consent.email", customer.OpIn, "granted", "denied")}, "", []string{"王小李", "Ann Lee", "José García"}},
		{"consent.email unknown", []customer.Condition{cond("consent.email", customer.OpExists, "false")}, "", []string{"陳大文", "林美玲", "Bob Stone", "Carol King"}},
		{"consent.sms eq", []customer.Condition{cond("consent.sms", customer.OpEq, "granted")}, "", []string{"Bob Stone"}},
		{"consent.phone exists", []customer.Condition{cond("consent.phone", customer.OpExists, "true")}, "", nil},
		{"consent.messaging ne", []customer.Condition{cond("consent.messaging", customer.OpNe, "denied")}, "", all},

		{"created_at gt", []customer.Condition{cond("created_at", customer.OpGt, hoursAfterStart(4))}, "", []string{"林美玲", "Bob Stone", "Carol King"}},
		{"created_at gte", []customer.Condition{cond("created_at", customer.OpGte, hoursAfterStart(4))}, "", []string{"José García", "林美玲", "Bob Stone", "Carol King"}},
		{"created_at lt", []customer.Condition{cond("created_at", customer.OpLt, hoursAfterStart(2))}, "", []string{"王小李"}},
		{"created_at lte", []customer.Condition{cond("created_at", customer.OpLte, hoursAfterStart(2))}, "", []string{"王小李", "Ann Lee"}},
		{"created_at range", []customer.Condition{cond("created_at", customer.OpGte, hoursAfterStart(2)), cond("created_at", customer.OpLt, hoursAfterStart(4))}, "", []string{"Ann Lee", "陳大文"}},
		{"created_at in another zone", []customer.Condition{cond("created_at", customer.OpLte, start.Add(2*time.Hour).In(time.FixedZone("CST", 8*3600)).Format(time.RFC3339))}, "", []string{"王小李", "Ann Lee"}},
		{"created_at with microseconds", []customer.Condition{cond("created_at", customer.OpGt, start.Add(2*time.Hour-time.Microsecond).Format(time.RFC3339Nano))}, "", but("王小李")},
		{"created_at date", []customer.Condition{cond("created_at", customer.OpGte, "2026-03-02")}, "", all},
		{"created_at before the date", []customer.Condition{cond("created_at", customer.OpLt, "2026-03-02")}, "", nil},
		{"created_at exists", []customer.Condition{cond("created_at", customer.OpExists, "true")}, "", all},
		{"updated_at gte", []customer.Condition{cond("updated_at", customer.OpGte, hoursAfterStart(20))}, "", []string{"Ann Lee"}},
		{"updated_at lt", []customer.Condition{cond("updated_at", customer.OpLt, hoursAfterStart(20))}, "", but("Ann Lee")},
		{"deleted_at exists, live only", []customer.Condition{cond("deleted_at", customer.OpExists, "true")}, "", nil},
		{"deleted_at exists, with deleted", []customer.Condition{cond("deleted_at", customer.OpExists, "true")}, customer.DeletedInclude, []string{"張偉"}},
		{"deleted_at gte", []customer.Condition{cond("deleted_at", customer.OpGte, hoursAfterStart(21))}, customer.DeletedInclude, []string{"張偉"}},
		{"deleted_at lt", []customer.Condition{cond("deleted_at", customer.OpLt, hoursAfterStart(21))}, customer.DeletedInclude, nil},
		{"deleted_at missing", []customer.Condition{cond("deleted_at", customer.OpExists, "false")}, customer.DeletedInclude, all},
		{"deleted only", nil, customer.DeletedOnly, []string{"張偉"}},
		{"deleted included", nil, customer.DeletedInclude, append(slices.Clone(all), "張偉")},
		{"deleted included, tag", []customer.Condition{cond("tag", customer.OpEq, "VIP")}, customer.DeletedInclude, []string{"王小李", "Ann Lee", "林美玲", "張偉", "Carol King"}},

		{"custom select eq", []customer.Condition{cond("custom.tier", customer.OpEq, "gold")}, "", []string{"王小李", "陳大文"}},
		{"custom select ne includes missing", []customer.Condition{cond("custom.tier", customer.OpNe, "gold")}, "", but("王小李", "陳大文")},
		{"custom select in", []customer.Condition{cond("custom.tier", customer.OpIn, "silver", "bronze")}, "", []string{"Ann Lee", "林美玲"}},
		{"custom select missing", []customer.Condition{cond("custom.tier", customer.OpExists, "false")}, "", []string{"José García", "Bob Stone", "Carol King"}},
		{"custom number gt", []customer.Condition{cond("custom.score", customer.OpGt, "5")}, "", []string{"王小李", "陳大文"}},
		{"custom number gte", []customer.Condition{cond("custom.score", customer.OpGte, "5")}, "", []string{"王小李", "Ann Lee", "陳大文", "Carol King"}},
		{"custom number lt", []customer.Condition{cond("custom.score", customer.OpLt, "0")}, "", []string{"José García"}},
		{"custom number lte fraction", []customer.Condition{cond("custom.score", customer.OpLte, "8.49")}, "", []string{"Ann Lee", "José García", "Carol King"}},
		{"custom number eq fraction", []customer.Condition{cond("custom.score", customer.OpEq, "8.5")}, "", []string{"王小李", "陳大文"}},
		{"custom number ne includes missing", []customer.Condition{cond("custom.score", customer.OpNe, "5")}, "", but("Ann Lee", "Carol King")},
		{"custom number in", []customer.Condition{cond("custom.score", customer.OpIn, "5", "-1")}, "", []string{"Ann Lee", "José García", "Carol King"}},
		{"custom number missing", []customer.Condition{cond("custom.score", customer.OpExists, "false")}, "", []string{"林美玲", "Bob Stone"}},
		{"custom money gte", []customer.Condition{cond("custom.budget", customer.OpGte, "150000")}, "", []string{"王小李", "Carol King"}},
		{"custom money eq zero", []customer.Condition{cond("custom.budget", customer.OpEq, "0")}, "", []string{"Ann Lee"}},
		{"custom money lt", []customer.Condition{cond("custom.budget", customer.OpLt, "100")}, "", []string{"Ann Lee", "José García"}},
		{"custom money exists", []customer.Condition{cond("custom.budget", customer.OpExists, "true")}, "", []string{"王小李", "Ann Lee", "José García", "Carol King"}},
		{"custom date lt", []customer.Condition{cond("custom.renewal", customer.OpLt, "2026-01-01")}, "", []string{"林美玲"}},
		{"custom date gte", []customer.Condition{cond("custom.renewal", customer.OpGte, "2026-01-15")}, "", []string{"王小李", "Ann Lee"}},
		{"custom date eq", []customer.Condition{cond("custom.renewal", customer.OpEq, "2026-06-30")}, "", []string{"王小李"}},
		{"custom date missing", []customer.Condition{cond("custom.renewal", customer.OpExists, "false")}, "", but("王小李", "Ann Lee", "林美玲")},
		{"custom boolean true", []customer.Condition{cond("custom.vip", customer.OpEq, "true")}, "", []string{"王小李", "José García"}},
		{"custom boolean false", []customer.Condition{cond("custom.vip", customer.OpEq, "false")}, "", []string{"Ann Lee", "Carol King"}},
		{"custom boolean missing", []customer.Condition{cond("custom.vip", customer.OpExists, "false")}, "", []string{"陳大文", "林美玲", "Bob Stone"}},
		{"custom multi_select has", []customer.Condition{cond("custom.interests", customer.OpEq, "golf")}, "", []string{"王小李", "林美玲"}},
		{"custom multi_select has any", []customer.Condition{cond("custom.interests", customer.OpIn, "tea", "wine")}, "", []string{"王小李", "Ann Lee", "陳大文", "林美玲"}},
		{"custom multi_select has none", []customer.Condition{cond("custom.interests", customer.OpNe, "golf")}, "", but("王小李", "林美玲")},
		{"custom multi_select has none of two", []customer.Condition{cond("custom.interests", customer.OpNe, "tea")}, "", but("王小李", "陳大文")},
		{"custom multi_select exists", []customer.Condition{cond("custom.interests", customer.OpExists, "true")}, "", []string{"王小李", "Ann Lee", "陳大文", "林美玲"}},
		{"custom multi_select missing", []customer.Condition{cond("custom.interests", customer.OpExists, "false")}, "", []string{"José García", "Bob Stone", "Carol King"}},
		{"custom url prefix", []customer.Condition{cond("custom.website", customer.OpPrefix, "https://carol")}, "", []string{"Carol King"}},
		{"custom url exists", []customer.Condition{cond("custom.website", customer.OpExists, "true")}, "", []string{"王小李", "Carol King"}},
		{"custom email eq", []customer.Condition{cond("custom.alt_email", customer.OpEq, "li2@example.com")}, "", []string{"王小李"}},
		{"custom phone eq", []customer.Condition{cond("custom.fax", customer.OpEq, "+886223456789")}, "", []string{"王小李"}},
		{"custom text eq", []customer.Condition{cond("custom.note", customer.OpEq, "早鳥")}, "", []string{"王小李"}},
		{"custom text prefix", []customer.Condition{cond("custom.note", customer.OpPrefix, "vip")}, "", []string{"José García"}},
		{"custom text in", []customer.Condition{cond("custom.note", customer.OpIn, "referral", "早鳥")}, "", []string{"王小李", "Ann Lee"}},
		{"custom text ne", []customer.Condition{cond("custom.note", customer.OpNe, "referral")}, "", but("Ann Lee")},
		{"custom text exists", []customer.Condition{cond("custom.note", customer.OpExists, "true")}, "", []string{"王小李", "Ann Lee", "José García"}},

		{"several conditions", []customer.Condition{cond("tag", customer.OpEq, "vip"), cond("country", customer.OpEq, "TW"),
			cond("custom.score", customer.OpExists, "true")}, "", []string{"王小李", "Carol King"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			items := walk(t, 3, func(cursor string) (crm.Page[*customer.Contact], error) {
				return e.cs.ListContacts(e.sys, customer.ListParams{Conditions: tt.conds, Deleted: tt.deleted, Sort: "id", Limit: 3, Cursor: cursor})
			})
			if diff := gocmp.Diff(sorted(tt.want...), sortedNames(items)); diff != "" {
				t.Errorf("filter %v (-want +got):\n%s", tt.conds, diff)
			}
			first, err := e.cs.ListContacts(e.sys, customer.ListParams{Conditions: tt.conds, Deleted: tt.deleted, Limit: 3})
			must(t, err)
			if first.Total == nil || first.Total.Value != int64(len(tt.want)) || !first.Total.Exact {
				t.Errorf("total %+v; want exactly %d", first.Total, len(tt.want))
			}
		})
	}
	t.Run("owner_id me", func(t *testing.T) {
		page, err := e.cs.ListContacts(e.as(d.alice), customer.ListParams{Conditions: []customer.Condition{cond("owner_id", customer.OpEq, "me")}})
		must(t, err)
		if diff := gocmp.Diff(sorted("王小李", "José García", "Bob Stone"), sortedNames(page.Items)); diff != "" {
			t.Errorf("owner me (-want +got):\n%s", diff)
		}
	})
}

func testListFilterValidation(t *testing.T, e *env) {
	seedList(t, e)
	many := make([]customer.Condition, 21)
	for i := range many {
		many[i] = cond("city", customer.OpNe, "x")
	}
	values := make([]string, 101)
	for i := range values {
		values[i] = strconv.Itoa(i)
	}
	tests := []struct {
		name   string
		params customer.ListParams
		field  string
		code   string
	}{
		{"unknown field", customer.ListParams{Conditions: []customer.Condition{cond("nickname", customer.OpEq, "x")}}, "filter[nickname]", "unknown_field"},
		{"unknown custom field", customer.ListParams{Conditions: []customer.Condition{cond("custom.nope", customer.OpEq, "x")}}, "filter[custom.nope]", "unknown_field"},
		{"operator on text", customer.ListParams{Conditions: []customer.Condition{cond("display_name", customer.OpGt, "x")}}, "filter[display_name]", "operator_not_allowed"},
		{"operator on time", customer.ListParams{Conditions: []customer.Condition{cond("created_at", customer.OpEq, "2026-03-02")}}, "filter[created_at]", "operator_not_allowed"},
		{"operator on enum", customer.ListParams{Conditions: []customer.Condition{cond("gender", customer.OpPrefix, "f")}}, "filter[gender]", "operator_not_allowed"},
		{"operator on boolean", customer.ListParams{Conditions: []customer.Condition{cond("custom.vip", customer.OpNe, "true")}}, "filter[custom.vip]", "operator_not_allowed"},
		{"operator on set", customer.ListParams{Conditions: []customer.Condition{cond("tag", customer.OpPrefix, "v")}}, "filter[tag]", "operator_not_allowed"},
		{"unknown operator", customer.ListParams{Conditions: []customer.Condition{cond("city", "like", "x")}}, "filter[city]", "operator_not_allowed"},
		{"time value", customer.ListParams{Conditions: []customer.Condition{cond("created_at", customer.OpGt, "yesterday")}}, "filter[created_at]", "expected_time"},
		{"integer value", customer.ListParams{Conditions: []customer.Condition{cond("id", customer.OpEq, "x")}}, "filter[id]", "expected_integer"},
		{"owner value", customer.ListParams{Conditions: []customer.Condition{cond("owner_id", customer.OpEq, "me2")}}, "filter[owner_id]", "expected_integer"},
		{"company value", customer.ListParams{Conditions: []customer.Condition{cond("company_id", customer.OpEq, "acme")}}, "filter[company_id]", "expected_integer"},
		{"two values for eq", customer.ListParams{Conditions: []customer.Condition{cond("city", customer.OpEq, "a", "b")}}, "filter[city]", "value_count"},
		{"no value", customer.ListParams{Conditions: []customer.Condition{cond("city", customer.OpIn)}}, "filter[city]", "value_count"},
		{"exists value", customer.ListParams{Conditions: []customer.Condition{cond("city", customer.OpExists, "maybe")}}, "filter[city]", "expected_boolean"},
		{"enum value", customer.ListParams{Conditions: []customer.Condition{cond("gender", customer.OpEq, "unknown")}}, "filter[gender]", "not_one_of"},
		{"consent value", customer.ListParams{Conditions: []customer.Condition{cond("consent.email", customer.OpEq, "yes")}}, "filter[consent.email]", "not_one_of"},
		{"email value", customer.ListParams{Conditions: []customer.Condition{cond("email", customer.OpEq, "nope")}}, "filter[email]", crm.CodeInvalidEmail},
		{"phone value", customer.ListParams{Conditions: []customer.Condition{cond("phone", customer.OpEq, "12")}}, "filter[phone]", crm.CodeInvalidPhoneLength},
		{"select value", customer.ListParams{Conditions: []customer.Condition{cond("custom.tier", customer.OpEq, "platinum")}}, "filter[custom.tier]", "not_one_of"},
		{"number value", customer.ListParams{Conditions: []customer.Condition{cond("custom.score", customer.OpLte, "abc")}}, "filter[custom.score]", "expected_number"},
		{"money value", customer.ListParams{Conditions: []customer.Condition{cond("custom.budget", customer.OpGt, "1.5")}}, "filter[custom.budget]", "expected_integer"},
		{"date value", customer.ListParams{Conditions: []customer.Condition{cond("custom.renewal", customer.OpEq, "2026-13-01")}}, "filter[custom.renewal]", "expected_date"},
		{"boolean value", customer.ListParams{Conditions: []customer.Condition{cond("custom.vip", customer.OpEq, "yes")}}, "filter[custom.vip]", "expected_boolean"},
		{"too many conditions", customer.ListParams{Conditions: many}, "filter", "too_many"},
		{"too many values", customer.ListParams{Conditions: []customer.Condition{cond("id", customer.OpIn, values...)}}, "filter[id]", "too_many"},
		{"long query", customer.ListParams{Query: strings.Repeat("王", 201)}, "q", "too_long"},
		{"deleted mode", customer.ListParams{Deleted: "all"}, "deleted", "not_one_of"},
		{"sort unknown", customer.ListParams{Sort: "nope"}, "sort", "not_sortable"},
		{"sort on email", customer.ListParams{Sort: "email"}, "sort", "not_sortable"},
		{"sort on tags", customer.ListParams{Sort: "-tag"}, "sort", "not_sortable"},
		{"sort on multi_select", customer.ListParams{Sort: "custom.interests"}, "sort", "not_sortable"},
		{"sort on unknown custom", customer.ListParams{Sort: "custom.nope"}, "sort", "not_sortable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.cs.ListContacts(e.sys, tt.params)
			wantField(t, err, tt.field, tt.code)
		})
	}
}

// sortKey is a contact's value of a sortable field as the model sees it;
// ok is false when the contact has no value (such values sort last).
type sortKey func(c *customer.Contact) (v any, ok bool)

func textKey(get func(c *customer.Contact) string) sortKey {
	return func(c *customer.Contact) (any, bool) { return get(c), true }
}

func customKey(key string) sortKey {
	return func(c *customer.Contact) (any, bool) {
		v, ok := c.Custom[key]
		return v, ok && v != nil
	}
}

var contactSortKeys = map[string]sortKey{
	"id":              func(c *customer.Contact) (any, bool) { return c.ID, true },
	"display_name":    textKey(func(c *customer.Contact) string { return c.DisplayName }),
	"family_name":     textKey(func(c *customer.Contact) string { return c.FamilyName }),
	"given_name":      textKey(func(c *customer.Contact) string { return c.GivenName }),
	"city":            textKey(func(c *customer.Contact) string { return c.Address.City }),
	"region":          textKey(func(c *customer.Contact) string { return c.Address.Region }),
	"postal_code":     textKey(func(c *customer.Contact) string { return c.Address.PostalCode }),
	"country":         textKey(func(c *customer.Contact) string { return c.Address.Country }),
	"birthday":        textKey(func(c *customer.Contact) string { return c.Birthday }),
	"lifecycle_stage": textKey(func(c *customer.Contact) string { return string(c.LifecycleStage) }),
	"owner_id": func(c *customer.Contact) (any, bool) {
		if c.OwnerID == nil {
			return nil, false
		}
		return *c.OwnerID, true
	},
	"created_at":       func(c *customer.Contact) (any, bool) { return c.CreatedAt.UnixMicro(), true },
	"updated_at":       func(c *customer.Contact) (any, bool) { return c.UpdatedAt.UnixMicro(), true },
	"custom.tier":      customKey("tier"),
	"custom.score":     customKey("score"),
	"custom.budget":    customKey("budget"),
	"custom.renewal":   customKey("renewal"),
	"custom.vip":       customKey("vip"),
	"custom.website":   customKey("website"),
	"custom.alt_email": customKey("alt_email"),
	"custom.fax":       customKey("fax"),
	"custom.note":      customKey("note"),
}

// tieSortKeys are the fields of the tie test's own custom fields.
var tieSortKeys = map[string]sortKey{
	"custom.rank":  customKey("rank"),
	"custom.label": customKey("label"),
}

func sortKeyOf(field string) sortKey {
	if k, ok := contactSortKeys[field]; ok {
		return k
	}
	return tieSortKeys[field]
}

func compareValues(a, b any) int {
	switch x := a.(type) {
	case string:
		return strings.Compare(x, b.(string))
	case int64:
		return cmp.Compare(x, b.(int64))
	case float64:
		return cmp.Compare(x, b.(float64))
	case bool:
		switch {
		case x == b.(bool):
			return 0
		case !x:
			return -1
		}
		return 1
	}
	panic(fmt.Sprintf("compareValues: %T", a))
}

// modelOrder sorts records as a list must: by the field's value, records
// without a value last, ties by id; descending reverses both but keeps the
// ones without a value last.
func modelOrder[T any](items []T, key func(T) (any, bool), id func(T) int64, desc bool) []T {
	out := slices.Clone(items)
	slices.SortStableFunc(out, func(a, b T) int {
		va, oka := key(a)
		vb, okb := key(b)
		if oka != okb {
			if oka {
				return -1
			}
			return 1
		}
		c := 0
		if oka {
			c = compareValues(va, vb)
		}
		if c == 0 {
			c = cmp.Compare(id(a), id(b))
		}
		if desc {
			c = -c
		}
		return c
	})
	return out
}

func contactID(c *customer.Contact) int64 { return c.ID }

func testListSorts(t *testing.T, e *env) {
	seedList(t, e)
	live := e.list(customer.ListParams{Sort: "id"}).Items
	fields := slices.Sorted(func(yield func(string) bool) {
		for k := range contactSortKeys {
			if !yield(k) {
				return
			}
		}
	})
	for _, field := range fields {
		for _, desc := range []bool{false, true} {
			sortParam := field
			if desc {
				sortParam = "-" + field
			}
			for _, limit := range []int{2, 3} {
				t.Run(fmt.Sprintf("%s/limit=%d", sortParam, limit), func(t *testing.T) {
					want := modelOrder(live, contactSortKeys[field], contactID, desc)
					got := walk(t, limit, func(cursor string) (crm.Page[*customer.Contact], error) {
						return e.cs.ListContacts(e.sys, customer.ListParams{Sort: sortParam, Limit: limit, Cursor: cursor})
					})
					if diff := gocmp.Diff(names(want), names(got)); diff != "" {
						t.Errorf("order (-want +got):\n%s", diff)
					}
				})
			}
		}
	}
	t.Run("default is newest first", func(t *testing.T) {
		got := walk(t, 2, func(cursor string) (crm.Page[*customer.Contact], error) {
			return e.cs.ListContacts(e.sys, customer.ListParams{Limit: 2, Cursor: cursor})
		})
		want := modelOrder(live, contactSortKeys["created_at"], contactID, true)
		if diff := gocmp.Diff(names(want), names(got)); diff != "" {
			t.Errorf("default order (-want +got):\n%s", diff)
		}
	})
	t.Run("with a filter and deleted", func(t *testing.T) {
		all := e.list(customer.ListParams{Sort: "id", Deleted: customer.DeletedInclude}).Items
		vip := slices.DeleteFunc(slices.Clone(all), func(c *customer.Contact) bool { return !slices.Contains(c.Tags, "VIP") })
		want := modelOrder(vip, contactSortKeys["custom.score"], contactID, true)
		got := walk(t, 2, func(cursor string) (crm.Page[*customer.Contact], error) {
			return e.cs.ListContacts(e.sys, customer.ListParams{Sort: "-custom.score", Limit: 2, Cursor: cursor,
				Deleted: customer.DeletedInclude, Conditions: []customer.Condition{cond("tag", customer.OpEq, "vip")}})
		})
		if diff := gocmp.Diff(names(want), names(got)); diff != "" {
			t.Errorf("order (-want +got):\n%s", diff)
		}
	})
}

// testListSortTies sorts records that share their values, so that pages
// break inside runs of equal values and inside the records without one.
func testListSortTies(t *testing.T, e *env) {
	owner := e.user("Owner", crm.RoleAgent)
	e.fieldDef(customer.FieldDefFields{RecordType: "contact", Key: "rank", Type: customer.FieldNumber})
	e.fieldDef(customer.FieldDefFields{RecordType: "contact", Key: "label", Type: customer.FieldText})
	for i := range 11 {
		f := customer.ContactFields{DisplayName: fmt.Sprintf("tie %02d", i), Address: customer.Address{City: []string{"A", "B"}[i%2]}}
		if i%3 == 0 {
			f.OwnerID = &owner.ID
			f.Custom = map[string]any{"rank": float64(i % 2), "label": "same"}
		}
		if i%4 == 1 {
			e.tick(time.Second) // a few distinct times among the equal ones
		}
		e.contact(e.sys, f)
	}
	live := e.list(customer.ListParams{Sort: "id"}).Items
	for _, field := range []string{"city", "created_at", "updated_at", "owner_id", "custom.rank", "custom.label", "lifecycle_stage", "birthday"} {
		for _, desc := range []bool{false, true} {
			for _, limit := range []int{1, 2, 4} {
				sortParam := field
				if desc {
					sortParam = "-" + field
				}
				t.Run(fmt.Sprintf("%s/limit=%d", sortParam, limit), func(t *testing.T) {
					want := modelOrder(live, sortKeyOf(field), contactID, desc)
					got := walk(t, limit, func(cursor string) (crm.Page[*customer.Contact], error) {
						return e.cs.ListContacts(e.sys, customer.ListParams{Sort: sortParam, Limit: limit, Cursor: cursor})
					})
					if diff := gocmp.Diff(names(want), names(got)); diff != "" {
						t.Errorf("order (-want +got):\n%s", diff)
					}
				})
			}
		}
	}
}

func testListCursors(t *testing.T, e *env) {
	seedList(t, e)
	first, err := e.cs.ListContacts(e.sys, customer.ListParams{Sort: "display_name", Limit: 2})
	must(t, err)
	if first.Next == "" {
		t.Fatal("no next page")
	}
	tests := []struct {
		name   string
		params customer.ListParams
		code   string
	}{
		{"reversed sort", customer.ListParams{Sort: "-display_name", Cursor: first.Next}, "cursor_sort_mismatch"},
		{"other sort", customer.ListParams{Sort: "city", Cursor: first.Next}, "cursor_sort_mismatch"},
		{"default sort", customer.ListParams{Cursor: first.Next}, "cursor_sort_mismatch"},
		{"not base64", customer.ListParams{Sort: "display_name", Cursor: "!!!"}, "invalid_cursor"},
		{"not json", customer.ListParams{Sort: "display_name", Cursor: "bm90IGpzb24"}, "invalid_cursor"},
		{"value of another type", customer.ListParams{Sort: "created_at",
			Cursor: crm.EncodeCursor(map[string]any{"s": "created_at", "v": "yesterday", "id": 1})}, "invalid_cursor"},
		{"number for a text", customer.ListParams{Sort: "city",
			Cursor: crm.EncodeCursor(map[string]any{"s": "city", "v": 12, "id": 1})}, "invalid_cursor"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.cs.ListContacts(e.sys, tt.params)
			wantCode(t, err, crm.KindMalformed, tt.code)
		})
	}
	t.Run("same sort", func(t *testing.T) {
		next, err := e.cs.ListContacts(e.sys, customer.ListParams{Sort: "display_name", Limit: 2, Cursor: first.Next})
		must(t, err)
		if len(next.Items) != 2 || next.Items[0].DisplayName <= first.Items[1].DisplayName {
			t.Errorf("second page %v after %v", names(next.Items), names(first.Items))
		}
	})
	t.Run("cursor of a deleted row", func(t *testing.T) {
		// The row a cursor points after may be gone; the next page still
		// starts after its place.
		page, err := e.cs.ListContacts(e.sys, customer.ListParams{Sort: "id", Limit: 3})
		must(t, err)
		must(t, e.cs.DeleteContact(e.sys, page.Items[2].ID, 0))
		next, err := e.cs.ListContacts(e.sys, customer.ListParams{Sort: "id", Limit: 3, Cursor: page.Next})
		must(t, err)
		if len(next.Items) == 0 || next.Items[0].ID <= page.Items[2].ID {
			t.Errorf("page after a deleted row starts at %v", ids(next.Items))
		}
	})
}

func testListTotals(t *testing.T, e *env) {
	seedList(t, e)
	tests := []struct {
		name   string
		params customer.ListParams
		want   *crm.Total
	}{
		{"all", customer.ListParams{Limit: 2}, &crm.Total{Value: 7, Exact: true}},
		{"one page holds all", customer.ListParams{}, &crm.Total{Value: 7, Exact: true}},
		{"filtered", customer.ListParams{Limit: 1, Conditions: []customer.Condition{cond("tag", customer.OpEq, "VIP")}}, &crm.Total{Value: 4, Exact: true}},
		{"searched", customer.ListParams{Limit: 1, Query: "example"}, &crm.Total{Value: 6, Exact: true}},
		{"nothing", customer.ListParams{Query: "nobody-at-all"}, &crm.Total{Value: 0, Exact: true}},
		{"deleted only", customer.ListParams{Deleted: customer.DeletedOnly}, &crm.Total{Value: 1, Exact: true}},
		{"no total", customer.ListParams{Limit: 2, NoTotal: true}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			page, err := e.cs.ListContacts(e.sys, tt.params)
			must(t, err)
			if diff := gocmp.Diff(tt.want, page.Total); diff != "" {
				t.Errorf("total (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("later pages", func(t *testing.T) {
		first := e.list(customer.ListParams{Limit: 2})
		next, err := e.cs.ListContacts(e.sys, customer.ListParams{Limit: 2, Cursor: first.Next})
		must(t, err)
		if next.Total != nil {
			t.Errorf("second page total %+v; want none", next.Total)
		}
	})
	t.Run("limits", func(t *testing.T) {
		if page := e.list(customer.ListParams{Limit: 0}); len(page.Items) != 7 || page.Next != "" {
			t.Errorf("default limit: %d items, next %q", len(page.Items), page.Next)
		}
		if page := e.list(customer.ListParams{Limit: 7}); len(page.Items) != 7 || page.Next != "" {
			t.Errorf("exact limit: %d items, next %q; want 7 and no next page", len(page.Items), page.Next)
		}
		if page := e.list(customer.ListParams{Limit: 6}); len(page.Items) != 6 || page.Next == "" {
			t.Errorf("limit 6 of 7: %d items, next %q", len(page.Items), page.Next)
		}
	})
}

func testListDeleted(t *testing.T, e *env) {
	e.named("Live")
	trashed := e.named("Trashed")
	survivor := e.contact(e.sys, customer.ContactFields{DisplayName: "Survivor"})
	merged := e.contact(e.sys, customer.ContactFields{DisplayName: "Merged"})
	must(t, e.cs.DeleteContact(e.sys, trashed.ID, 0))
	if _, err := e.cs.MergeContacts(e.sys, survivor.ID, merged.ID, 0); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		deleted customer.Deleted
		want    []string
	}{
		{customer.DeletedExclude, []string{"Live", "Survivor"}},
		{customer.DeletedOnly, []string{"Trashed"}},
		{customer.DeletedInclude, []string{"Live", "Survivor", "Trashed"}},
	}
	for _, tt := range tests {
		t.Run("deleted="+string(tt.deleted), func(t *testing.T) {
			page := e.list(customer.ListParams{Deleted: tt.deleted})
			if diff := gocmp.Diff(sorted(tt.want...), sortedNames(page.Items)); diff != "" {
				t.Errorf("merged contacts are history, not trash (-want +got):\n%s", diff)
			}
			if page.Total.Value != int64(len(tt.want)) {
				t.Errorf("total %d; want %d", page.Total.Value, len(tt.want))
			}
		})
	}
}
