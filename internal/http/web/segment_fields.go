package web

import (
	"slices"

	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/i18n"
	"github.com/guanxi-crm/guanxi/internal/segment"
	"github.com/guanxi-crm/guanxi/internal/touchpoint"
)

// What the rule builder offers: every field a segment rule may test, with
// the tests that apply to it and the control its value is written in. The
// service decides what a rule means and refuses what is wrong; this table
// only keeps the builder from offering what it would refuse. Tests check
// that it names every field of package customer and segment, and that each
// test it offers passes the service's check.

// valueKind is how a field's value is written in the builder.
type valueKind uint8

const (
	valText   valueKind = iota // free text
	valEnum                    // one of a list
	valInt                     // a whole number
	valNumber                  // a decimal number
	valMoney                   // an amount in major units (1000.50)
	valDate                    // a date YYYY-MM-DD
	valTime                    // a moment, written as a date
	valBool                    // true or false
	valSet                     // a list field (tags): has a value
)

// ruleField is a field the builder offers.
type ruleField struct {
	Name  string
	Group string // the optgroup: contact, company, behaviour, scores, custom, company_custom
	Kind  valueKind
	Ops   []string // the tests offered, the default first; not_exists is exists = false
	Enum  []string
	// EnumLabels is the message prefix of the enum's values ("stage"); ""
	// shows them as they are (company sizes).
	EnumLabels string
	// Qualifiers of counting fields: type, channel, sku, category,
	// within_days.
	Qualifiers []string
	// Label is a custom field's own label; built-in fields are labelled by
	// the message rule_field.<name>.
	Label    string
	Labels   map[string]string
	Options  []customer.Option // a custom select's options
	Hint     string            // message key of a hint under the value
	Counting bool              // events, bought: no test means "at least once"
}

// The tests by kind of field, the default first.
var (
	opsText    = []string{"eq", "ne", "in", "not_in", "prefix", "exists", "not_exists"}
	opsEnum    = []string{"eq", "ne", "in", "not_in", "exists", "not_exists"}
	opsNumeric = []string{"eq", "ne", "gt", "gte", "lt", "lte", "in", "not_in", "exists", "not_exists"}
	opsTime    = []string{"gte", "lt", "gt", "lte", "exists", "not_exists"}
	opsBool    = []string{"eq", "exists", "not_exists"}
	opsSet     = []string{"eq", "ne", "in", "not_in", "exists", "not_exists"}
	// Figures per customer: never absent, so no "is set".
	opsFigure = []string{"gte", "gt", "eq", "ne", "lte", "lt"}
	opsDays   = []string{"lte", "lt", "gte", "gt"}
	opsScore  = []string{"eq", "ne", "in", "not_in"}
)

// allOps lists every test the builder knows, for the messages test.
var allOps = []string{"eq", "ne", "lt", "lte", "gt", "gte", "in", "not_in", "prefix", "exists", "not_exists"}

// hiddenFields are fields the service accepts that the builder does not
// offer: ids, and the trash (rules select live customers only).
var hiddenFields = []string{"id", "deleted_at", "company.id", "company.deleted_at"}

var consentStates = []string{"granted", "denied"}

// builtinRuleFields lists the built-in fields in the order the builder
// shows them.
var builtinRuleFields = []ruleField{
	{Name: "display_name", Group: "contact", Kind: valText, Ops: opsText},
	{Name: "family_name", Group: "contact", Kind: valText, Ops: opsText},
	{Name: "given_name", Group: "contact", Kind: valText, Ops: opsText},
	{Name: "email", Group: "contact", Kind: valText, Ops: opsText},
	{Name: "phone", Group: "contact", Kind: valText, Ops: opsText},
	{Name: "city", Group: "contact", Kind: valText, Ops: opsText},
	{Name: "region", Group: "contact", Kind: valText, Ops: opsText},
	{Name: "postal_code", Group: "contact", Kind: valText, Ops: opsText},
	{Name: "country", Group: "contact", Kind: valText, Ops: opsText, Hint: "segment_form.hint_country"},
	{Name: "birthday", Group: "contact", Kind: valText, Ops: opsText, Hint: "segment_form.hint_birthday"},
	{Name: "gender", Group: "contact", Kind: valEnum, Ops: opsEnum, Enum: genders[1:], EnumLabels: "gender"},
	{Name: "preferred_language", Group: "contact", Kind: valText, Ops: opsText},
	{Name: "lifecycle_stage", Group: "contact", Kind: valEnum, Ops: opsEnum, Enum: stageNames(), EnumLabels: "stage"},
	{Name: "tag", Group: "contact", Kind: valSet, Ops: opsSet},
	{Name: "owner_id", Group: "contact", Kind: valInt, Ops: opsNumeric, Hint: "segment_form.hint_owner"},
	{Name: "team_id", Group: "contact", Kind: valInt, Ops: opsNumeric},
	{Name: "company_id", Group: "contact", Kind: valSet, Ops: opsSet, Hint: "segment_form.hint_id"},
	{Name: "consent.email", Group: "contact", Kind: valEnum, Ops: opsEnum, Enum: consentStates, EnumLabels: "consent_state"},
	{Name: "consent.sms", Group: "contact", Kind: valEnum, Ops: opsEnum, Enum: consentStates, EnumLabels: "consent_state"},
	{Name: "consent.phone", Group: "contact", Kind: valEnum, Ops: opsEnum, Enum: consentStates, EnumLabels: "consent_state"},
	{Name: "consent.messaging", Group: "contact", Kind: valEnum, Ops: opsEnum, Enum: consentStates, EnumLabels: "consent_state"},
	{Name: "created_at", Group: "contact", Kind: valTime, Ops: opsTime},
	{Name: "updated_at", Group: "contact", Kind: valTime, Ops: opsTime},

	{Name: "events", Group: "behaviour", Kind: valInt, Ops: opsFigure, Qualifiers: []string{"type", "channel", "within_days"}, Counting: true},
	{Name: "bought", Group: "behaviour", Kind: valInt, Ops: opsFigure, Qualifiers: []string{"sku", "category", "within_days"}, Counting: true},
	{Name: "orders", Group: "behaviour", Kind: valInt, Ops: opsFigure, Qualifiers: []string{"within_days"}},
	{Name: "revenue", Group: "behaviour", Kind: valMoney, Ops: opsFigure, Qualifiers: []string{"within_days"}, Hint: "segment_form.hint_money"},
	{Name: "profit", Group: "behaviour", Kind: valMoney, Ops: opsFigure, Qualifiers: []string{"within_days"}, Hint: "segment_form.hint_money"},
	{Name: "open_cart_value", Group: "behaviour", Kind: valMoney, Ops: opsFigure, Hint: "segment_form.hint_money"},
	{Name: "days_since_last_order", Group: "behaviour", Kind: valNumber, Ops: opsDays},
	{Name: "days_since_first_order", Group: "behaviour", Kind: valNumber, Ops: opsDays},
	{Name: "days_since_last_seen", Group: "behaviour", Kind: valNumber, Ops: opsDays},

	{Name: "rfm_cell", Group: "scores", Kind: valEnum, Ops: opsScore, Enum: segment.RFMCells, EnumLabels: "rfm_cell"},
	{Name: "rfm_r", Group: "scores", Kind: valInt, Ops: opsFigure, Hint: "segment_form.hint_rfm"},
	{Name: "rfm_f", Group: "scores", Kind: valInt, Ops: opsFigure, Hint: "segment_form.hint_rfm"},
	{Name: "rfm_m", Group: "scores", Kind: valInt, Ops: opsFigure, Hint: "segment_form.hint_rfm"},
	{Name: "value_tier", Group: "scores", Kind: valEnum, Ops: opsScore, Enum: segment.ValueTiers, EnumLabels: "value_tier"},
	{Name: "clv", Group: "scores", Kind: valMoney, Ops: opsFigure, Hint: "segment_form.hint_money"},
	{Name: "p_alive", Group: "scores", Kind: valNumber, Ops: opsFigure, Hint: "segment_form.hint_probability"},
	{Name: "expected_purchases", Group: "scores", Kind: valNumber, Ops: opsFigure},
	{Name: "churn_risk", Group: "scores", Kind: valEnum, Ops: opsScore, Enum: segment.ChurnRisks, EnumLabels: "churn_risk"},
	{Name: "lifecycle", Group: "scores", Kind: valEnum, Ops: opsScore, Enum: segment.LifecycleStages, EnumLabels: "lifecycle"},

	{Name: "company.name", Group: "company", Kind: valText, Ops: opsText},
	{Name: "company.domain", Group: "company", Kind: valText, Ops: opsText},
	{Name: "company.industry", Group: "company", Kind: valText, Ops: opsText},
	{Name: "company.size", Group: "company", Kind: valEnum, Ops: opsEnum, Enum: customer.CompanySizes},
	{Name: "company.city", Group: "company", Kind: valText, Ops: opsText},
	{Name: "company.region", Group: "company", Kind: valText, Ops: opsText},
	{Name: "company.country", Group: "company", Kind: valText, Ops: opsText, Hint: "segment_form.hint_country"},
	{Name: "company.tag", Group: "company", Kind: valSet, Ops: opsSet},
	{Name: "company.owner_id", Group: "company", Kind: valInt, Ops: opsNumeric, Hint: "segment_form.hint_owner"},
	{Name: "company.team_id", Group: "company", Kind: valInt, Ops: opsNumeric},
	{Name: "company.created_at", Group: "company", Kind: valTime, Ops: opsTime},
	{Name: "company.updated_at", Group: "company", Kind: valTime, Ops: opsTime},
}

// fieldGroups are the optgroups of the field select, in order.
var fieldGroups = []string{"contact", "behaviour", "scores", "company", "custom", "company_custom"}

func stageNames() []string {
	out := make([]string, len(customer.Stages))
	for i, s := range customer.Stages {
		out[i] = string(s)
	}
	return out
}

// customRuleField describes a custom field for the builder, as the
// service's filters read it: money in minor units, select as one of its
// options, multi-select as a list field.
func customRuleField(d customer.FieldDef, prefix, group string) ruleField {
	f := ruleField{Name: prefix + "custom." + d.Key, Group: group, Label: d.Label, Labels: d.Labels}
	switch d.Type {
	case customer.FieldNumber:
		f.Kind, f.Ops = valNumber, opsNumeric
	case customer.FieldMoney:
		f.Kind, f.Ops, f.Hint = valInt, opsNumeric, "segment_form.hint_minor_units"
	case customer.FieldDate:
		f.Kind, f.Ops = valDate, opsNumeric
	case customer.FieldBoolean:
		f.Kind, f.Ops = valBool, opsBool
	case customer.FieldSelect:
		f.Kind, f.Ops, f.Options = valEnum, opsEnum, d.Options
		for _, o := range d.Options {
			f.Enum = append(f.Enum, o.Value)
		}
	case customer.FieldMultiSelect:
		f.Kind, f.Ops, f.Options = valSet, opsSet, d.Options
	default:
		f.Kind, f.Ops = valText, opsText
	}
	return f
}

// ruleFields are the fields of one builder: the built-in ones and the
// custom fields defined now.
type ruleFields struct {
	list   []ruleField
	byName map[string]int
}

func newRuleFields(contactDefs, companyDefs []customer.FieldDef) *ruleFields {
	rf := &ruleFields{byName: map[string]int{}}
	add := func(f ruleField) {
		rf.byName[f.Name] = len(rf.list)
		rf.list = append(rf.list, f)
	}
	for _, f := range builtinRuleFields {
		add(f)
	}
	for _, d := range contactDefs {
		add(customRuleField(d, "", "custom"))
	}
	for _, d := range companyDefs {
		add(customRuleField(d, "company.", "company_custom"))
	}
	return rf
}

// get finds a field by name.
func (rf *ruleFields) get(name string) (ruleField, bool) {
	i, ok := rf.byName[name]
	if !ok {
		return ruleField{}, false
	}
	return rf.list[i], true
}

// label names a field in a language.
func (f ruleField) label(lang string) string {
	if f.Label != "" || f.Labels != nil {
		if l := f.Labels[lang]; l != "" {
			return l
		}
		if f.Label != "" {
			return f.Label
		}
	}
	if key := "rule_field." + f.Name; i18n.Has(key) {
		return i18n.Message(lang, key, nil)
	}
	return f.Name
}

// enumLabel names one of a field's values in a language.
func (f ruleField) enumLabel(lang, value string) string {
	for _, o := range f.Options {
		if o.Value == value {
			if l := o.Labels[lang]; l != "" {
				return l
			}
			if o.Label != "" {
				return o.Label
			}
			return o.Value
		}
	}
	if f.EnumLabels != "" {
		if key := f.EnumLabels + "." + value; i18n.Has(key) {
			return i18n.Message(lang, key, nil)
		}
	}
	return value
}

// hasOp reports whether the builder offers a test on the field.
func (f ruleField) hasOp(op string) bool { return slices.Contains(f.Ops, op) }

// listValues reports whether a test takes a list of values.
func listOp(op string) bool { return op == "in" || op == "not_in" }

// noValue reports whether a test takes no value.
func noValue(op string) bool { return op == "exists" || op == "not_exists" }

// opLabel names a test on a field in a language: "before" for moments,
// "includes" for lists, "is at least" for the others.
func opLabel(lang string, f ruleField, op string) string {
	var kind string
	switch f.Kind {
	case valTime, valDate:
		kind = "rule_op_time."
	case valSet:
		kind = "rule_op_set."
	}
	if kind != "" && i18n.Has(kind+op) {
		return i18n.Message(lang, kind+op, nil)
	}
	return keyed(lang, "rule_op.", op)
}

// eventTypes and channels are the choices of the events qualifiers.
func eventTypes() []string { return touchpoint.EventTypes }

func channelNames() []string {
	out := make([]string, len(touchpoint.Channels))
	for i, c := range touchpoint.Channels {
		out[i] = string(c)
	}
	return out
}

// keyed is the message of a key made of a prefix and a value
// ("rule_op." + "gte"); tests check each such key has a message.
func keyed(lang, prefix, value string) string { return i18n.Message(lang, prefix+value, nil) }
