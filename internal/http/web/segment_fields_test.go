package web

import (
	"slices"
	"strings"
	"testing"

	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/i18n"
	"github.com/guanxi-crm/guanxi/internal/segment"
	"github.com/guanxi-crm/guanxi/internal/touchpoint"
)

// The builder's table of fields must follow the service's: every field a
// rule may test is offered (or hidden on purpose), every test it offers
// passes the service's check with a value written in the control it
// shows, and everything it shows has a message in every language.

var testDefs = []customer.FieldDef{
	{FieldDefFields: customer.FieldDefFields{RecordType: customer.RecordContact, Key: "tier", Label: "Tier", Type: customer.FieldSelect,
		Options: []customer.Option{{Value: "gold", Label: "Gold", Labels: map[string]string{i18n.Traditional: "金卡"}}, {Value: "silver"}}}},
	{FieldDefFields: customer.FieldDefFields{RecordType: customer.RecordContact, Key: "visits", Type: customer.FieldNumber}},
	{FieldDefFields: customer.FieldDefFields{RecordType: customer.RecordContact, Key: "deposit", Type: customer.FieldMoney, Currency: "TWD"}},
	{FieldDefFields: customer.FieldDefFields{RecordType: customer.RecordContact, Key: "wedding", Type: customer.FieldDate}},
	{FieldDefFields: customer.FieldDefFields{RecordType: customer.RecordContact, Key: "member", Type: customer.FieldBoolean}},
	{FieldDefFields: customer.FieldDefFields{RecordType: customer.RecordContact, Key: "hobbies", Type: customer.FieldMultiSelect,
		Options: []customer.Option{{Value: "golf"}, {Value: "tea"}}}},
	{FieldDefFields: customer.FieldDefFields{RecordType: customer.RecordContact, Key: "nickname", Type: customer.FieldText}},
}

var testCompanyDefs = []customer.FieldDef{
	{FieldDefFields: customer.FieldDefFields{RecordType: customer.RecordCompany, Key: "segment", Type: customer.FieldText}},
}

func TestTheBuilderOffersEveryField(t *testing.T) {
	want := map[string]bool{}
	for _, n := range customer.ContactFieldNames() {
		want[n] = true
	}
	for _, n := range customer.CompanyFieldNames() {
		want["company."+n] = true
	}
	for _, n := range segment.MeasureFields() {
		want[n] = true
	}
	for _, n := range hiddenFields {
		if !want[n] {
			t.Errorf("%s is hidden but is no field", n)
		}
		delete(want, n)
	}
	for _, f := range builtinRuleFields {
		if !want[f.Name] {
			t.Errorf("the builder offers %s, which the service does not know", f.Name)
		}
		delete(want, f.Name)
		if !slices.Contains(fieldGroups, f.Group) {
			t.Errorf("%s is in group %q, which the select does not show", f.Name, f.Group)
		}
	}
	for n := range want {
		t.Errorf("the builder does not offer %s", n)
	}
}

// sampleValue is a value the control of a field shows, written as a user
// would.
func sampleValue(f ruleField) string {
	switch {
	case f.Name == "email":
		return "mei@example.com"
	case f.Name == "phone":
		return "+886 2 2345 6789"
	case f.Name == "company_id":
		return "1"
	case f.Name == "owner_id" || f.Name == "company.owner_id":
		return "me"
	}
	switch f.Kind {
	case valEnum:
		return f.Enum[0]
	case valInt:
		return "2"
	case valNumber:
		return "0.5"
	case valMoney:
		return "1000.50"
	case valDate, valTime:
		return "2026-01-31"
	case valBool:
		return "false"
	}
	return "台北市"
}

func TestEveryTestTheBuilderOffersPassesTheServicesCheck(t *testing.T) {
	rf := newRuleFields(testDefs, testCompanyDefs)
	cat := segment.Catalog{ContactFields: testDefs, CompanyFields: testCompanyDefs, Currency: "TWD", Me: 7, Region: "TW"}
	for _, f := range rf.list {
		for _, op := range f.Ops {
			c := condValues{Field: f.Name, Op: op, Values: []string{sampleValue(f)}}
			if listOp(op) {
				c.Values = []string{sampleValue(f), sampleValue(f)}
			}
			for _, q := range f.Qualifiers {
				switch q {
				case "within_days":
					c.WithinDays = "30"
				case "channel":
					c.Channel = "store"
				default:
					c.Type, c.SKU, c.Category = "store_visit", "PASTA-1", "麵食"
				}
			}
			st := ruleState{Mode: "builder", Match: "all", Rows: []ruleRow{{Cond: c}}}
			b := st.build(rf)
			var v crm.Violations
			if _, ok := segment.Check(&v, "rule", b.Rule, cat); !ok || len(b.Errors) > 0 {
				t.Errorf("%s %s %v: %v %v", f.Name, op, c.Values, v.Fields(), b.Errors)
				continue
			}
			// What the builder built, it shows again as it was.
			back, ok := stateOf(b.Rule, rf)
			if !ok || len(back.Rows) != 1 {
				t.Errorf("%s %s: the builder cannot show its own rule %s", f.Name, op, segment.Format(b.Rule))
				continue
			}
			again := back.build(rf)
			if got, want := segment.Format(again.Rule), segment.Format(b.Rule); got != want {
				t.Errorf("%s %s: shown again, the rule reads %s, not %s", f.Name, op, got, want)
			}
		}
	}
}

func TestTheBuilderReadsTheTextForm(t *testing.T) {
	rf := newRuleFields(testDefs, nil)
	for _, tt := range []struct {
		text string
		fits bool
	}{
		{`city = "台中市"`, true},
		{`everyone`, true},
		{`events(type: "store_visit", within_days: 90) >= 5 and bought(sku: "PASTA-1") and tag != "staff"`, true},
		{`city in ("台北市", "新北市") or custom.tier = "gold"`, true},
		{`lifecycle_stage in ("lead", "prospect") and (rfm_cell = "champions" or value_tier = "most_valuable")`, true},
		{`email is set and not phone is set`, false},
		{`phone is not set and custom.member = true and created_at >= "2026-01-01"`, true},
		{`(city = "a" or (tag = "b" and tag = "c")) and orders > 1`, false},
		{`tag in ("a,b", "c")`, false},
		{`nobody = 1`, false},
	} {
		r, err := segment.Parse(tt.text)
		if err != nil {
			t.Fatalf("%s: %v", tt.text, err)
		}
		st, ok := stateOf(r, rf)
		if ok != tt.fits {
			t.Errorf("%s: fits the builder %v, want %v", tt.text, ok, tt.fits)
			continue
		}
		if !ok {
			continue
		}
		if got, want := segment.Format(st.build(rf).Rule), segment.Format(r); got != want {
			t.Errorf("%s: through the builder it reads %s", want, got)
		}
	}
}

func TestErrorsOfTheServiceFindTheirCondition(t *testing.T) {
	rf := newRuleFields(nil, nil)
	st := ruleState{Mode: "builder", Match: "all", Rows: []ruleRow{
		{Cond: condValues{}}, // blank: left out
		{Group: true, Match: "all", Rows: []ruleRow{{Cond: condValues{Field: "city", Op: "eq", Values: []string{"a"}}}}}, // one condition: no group
		{Group: true, Match: "any", Rows: []ruleRow{
			{Cond: condValues{Field: "tag", Op: "eq", Values: []string{"x"}}},
			{Cond: condValues{}},
			{Cond: condValues{Field: "orders", Op: "gte", Values: []string{"many"}}},
		}},
		{Group: true, Match: "all", Rows: []ruleRow{{Cond: condValues{Field: "gender", Op: "eq", Values: []string{"x"}}}, {Cond: condValues{Field: "events", Op: "gte", Values: []string{"1"}, Type: "x"}}}},
	}}
	b := st.build(rf)
	fields := []crm.FieldError{
		{Field: "rule.all[1].any[1].value", Code: "expected_integer"},
		{Field: "rule.all[2]", Code: "not_one_of"},
		{Field: "rule.all[3].within_days", Code: "out_of_range"},
		{Field: "rule.all[0]", Code: "operator_not_allowed"},
		{Field: "name", Code: "required"},
		{Field: "rule", Code: "too_many"},
	}
	got := placeErrors(i18n.English, fields, st, b, rf)
	for _, name := range []string{"c2.2.value", "c3.0.value", "c3.1.within_days", "c1.0.op", "name"} {
		if got.Inputs[name] == "" {
			t.Errorf("no message at %s: %v", name, got.Inputs)
		}
	}
	if len(got.Top) != 1 || !strings.Contains(got.Top[0], "At most") {
		t.Errorf("the rule's own problem is not at the top: %v", got.Top)
	}
}

func TestEverythingTheBuilderShowsHasAMessage(t *testing.T) {
	var keys []string
	for _, f := range builtinRuleFields {
		keys = append(keys, "rule_field."+f.Name)
		if f.Hint != "" {
			keys = append(keys, f.Hint)
		}
		if f.EnumLabels != "" {
			for _, e := range f.Enum {
				keys = append(keys, f.EnumLabels+"."+e)
			}
		}
		for _, q := range f.Qualifiers {
			keys = append(keys, "qualifier."+q)
		}
	}
	for _, g := range fieldGroups {
		keys = append(keys, "rule_group."+g)
	}
	for _, op := range allOps {
		keys = append(keys, "rule_op."+op)
	}
	for _, typ := range touchpoint.EventTypes {
		keys = append(keys, "event_type."+typ)
	}
	for _, c := range channelNames() {
		keys = append(keys, "channel."+c)
	}
	keys = append(keys, "segment.size", "segment.size_one", "segment_form.bool_true", "segment_form.bool_false", "segment_form.hint_minor_units")
	for _, k := range keys {
		if !i18n.Has(k) {
			t.Errorf("%s has no message", k)
		}
	}
	if got := newRuleFields(testDefs, nil); got.list[len(got.list)-len(testDefs)].label(i18n.Traditional) != "Tier" {
		t.Errorf("a custom field without a translation is not shown by its label")
	}
	tier, _ := newRuleFields(testDefs, nil).get("custom.tier")
	if got := tier.enumLabel(i18n.Traditional, "gold"); got != "金卡" {
		t.Errorf("a custom option shows as %q", got)
	}
}
