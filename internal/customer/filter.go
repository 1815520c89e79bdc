package customer

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/guanxi-crm/guanxi/internal/crm"
)

// Op is a filter operator.
type Op string

const (
	OpEq     Op = "eq"
	OpNe     Op = "ne"
	OpIn     Op = "in"
	OpGt     Op = "gt"
	OpGte    Op = "gte"
	OpLt     Op = "lt"
	OpLte    Op = "lte"
	OpPrefix Op = "prefix"
	OpExists Op = "exists" // value true: has a value; false: has none
)

// ValueType is how a field's values compare.
type ValueType int

const (
	TypeText ValueType = iota
	TypeEnum
	TypeInt
	TypeNumber
	TypeTime
	TypeDate
	TypeBool
	TypeSet // a list field such as tags or a multi-select: eq/in mean "has"
)

// FieldSpec describes a field that lists can filter or sort on.
type FieldSpec struct {
	Name     string
	Type     ValueType
	Sortable bool
	// Nullable fields may lack a value; lists sort them last.
	Nullable bool
	Enum     []string
	// Custom is set for custom fields (Name is then "custom.<key>").
	Custom *FieldDef
	// Basic marks the fields of the basic card, which anyone signed in may
	// see of any record; on other fields, a filter or sort must not tell
	// anything about records the caller may not read in full.
	Basic bool
}

func (f FieldSpec) ops() []Op {
	switch f.Type {
	case TypeText:
		return []Op{OpEq, OpNe, OpIn, OpPrefix, OpExists}
	case TypeEnum:
		return []Op{OpEq, OpNe, OpIn, OpExists}
	case TypeInt, TypeNumber, TypeDate:
		return []Op{OpEq, OpNe, OpIn, OpGt, OpGte, OpLt, OpLte, OpExists}
	case TypeTime:
		return []Op{OpGt, OpGte, OpLt, OpLte, OpExists}
	case TypeBool:
		return []Op{OpEq, OpExists}
	case TypeSet:
		return []Op{OpEq, OpNe, OpIn, OpExists}
	}
	return nil
}

// Condition is a filter as a client writes it: field, operator and the
// values as text.
type Condition struct {
	Field  string
	Op     Op
	Values []string
}

// Predicate is a checked condition with values of the field's type: string,
// int64, float64, time.Time or bool.
type Predicate struct {
	Field  FieldSpec
	Op     Op
	Values []any
}

// Scoped reports whether the predicate may match only records the caller may
// read in full (Query.Scope): one on a field off the basic card, unless it
// looks up an exact email address or phone number. Those the duplicate
// check tells anyone anyway (a 409 names the contact who holds them), and a
// rep must be able to ask who already serves a customer before pursuing
// them.
func (p Predicate) Scoped() bool {
	if p.Field.Basic {
		return false
	}
	identity := p.Field.Custom == nil && (p.Field.Name == "email" || p.Field.Name == "phone")
	return !identity || (p.Op != OpEq && p.Op != OpIn)
}

// Deleted says whether lists show records in the trash.
type Deleted string

const (
	DeletedExclude Deleted = ""        // the default: live records only
	DeletedOnly    Deleted = "only"    // the trash
	DeletedInclude Deleted = "include" // both
)

// ListParams is a list request as a client writes it.
type ListParams struct {
	Query      string // free-text search
	Conditions []Condition
	Sort       string // field name, "-" prefix for descending; "" for newest first (-id)
	Limit      int
	Cursor     string
	Deleted    Deleted
	// NoTotal skips counting the matches on the first page.
	NoTotal bool
}

// Query is a checked list request, ready for a store.
type Query struct {
	Search     string
	Predicates []Predicate
	Sort       FieldSpec
	Desc       bool
	Limit      int
	Cursor     string
	Deleted    Deleted
	// CountLimit > 0 asks the store to count matches up to that many.
	CountLimit int
	// Scope, when set, is what the caller may read in full (crm.ReadScope):
	// filters and sorts on fields off the basic card, and search in the
	// private part of the search index, apply only to records inside it.
	Scope *ReadScope
}

// TotalCountLimit is where counting stops; beyond it totals are lower bounds.
const TotalCountLimit = 10000

var contactFields = fieldsByName([]FieldSpec{
	{Name: "id", Type: TypeInt, Sortable: true, Basic: true},
	{Name: "display_name", Type: TypeText, Sortable: true, Basic: true},
	{Name: "family_name", Type: TypeText, Sortable: true, Basic: true},
	{Name: "given_name", Type: TypeText, Sortable: true, Basic: true},
	{Name: "email", Type: TypeText},
	{Name: "phone", Type: TypeText},
	{Name: "city", Type: TypeText, Sortable: true},
	{Name: "region", Type: TypeText, Sortable: true},
	{Name: "postal_code", Type: TypeText, Sortable: true},
	{Name: "country", Type: TypeText, Sortable: true},
	{Name: "birthday", Type: TypeText, Sortable: true},
	{Name: "gender", Type: TypeEnum, Enum: []string{"female", "male", "other"}},
	{Name: "preferred_language", Type: TypeText},
	{Name: "lifecycle_stage", Type: TypeEnum, Sortable: true, Enum: []string{"lead", "prospect", "customer", "loyal", "lapsed"}, Basic: true},
	{Name: "owner_id", Type: TypeInt, Nullable: true, Sortable: true, Basic: true},
	{Name: "team_id", Type: TypeInt, Nullable: true, Basic: true},
	{Name: "company_id", Type: TypeSet, Basic: true},
	{Name: "tag", Type: TypeSet},
	{Name: "consent.email", Type: TypeEnum, Enum: []string{"granted", "denied"}},
	{Name: "consent.sms", Type: TypeEnum, Enum: []string{"granted", "denied"}},
	{Name: "consent.phone", Type: TypeEnum, Enum: []string{"granted", "denied"}},
	{Name: "consent.messaging", Type: TypeEnum, Enum: []string{"granted", "denied"}},
	{Name: "created_at", Type: TypeTime, Sortable: true, Basic: true},
	{Name: "updated_at", Type: TypeTime, Sortable: true, Basic: true},
	{Name: "deleted_at", Type: TypeTime, Nullable: true, Basic: true},
})

var companyFields = fieldsByName([]FieldSpec{
	{Name: "id", Type: TypeInt, Sortable: true, Basic: true},
	{Name: "name", Type: TypeText, Sortable: true, Basic: true},
	{Name: "domain", Type: TypeText, Sortable: true, Basic: true},
	{Name: "industry", Type: TypeText, Sortable: true, Basic: true},
	{Name: "size", Type: TypeEnum, Sortable: true, Enum: CompanySizes, Basic: true},
	{Name: "city", Type: TypeText, Sortable: true},
	{Name: "region", Type: TypeText, Sortable: true},
	{Name: "country", Type: TypeText, Sortable: true},
	{Name: "owner_id", Type: TypeInt, Nullable: true, Sortable: true, Basic: true},
	{Name: "team_id", Type: TypeInt, Nullable: true, Basic: true},
	{Name: "tag", Type: TypeSet},
	{Name: "created_at", Type: TypeTime, Sortable: true, Basic: true},
	{Name: "updated_at", Type: TypeTime, Sortable: true, Basic: true},
	{Name: "deleted_at", Type: TypeTime, Nullable: true, Basic: true},
})

func fieldsByName(specs []FieldSpec) map[string]FieldSpec {
	m := make(map[string]FieldSpec, len(specs))
	for _, s := range specs {
		m[s.Name] = s
	}
	return m
}

// ContactFieldNames and CompanyFieldNames list the built-in filterable
// fields, for documentation.
func ContactFieldNames() []string { return sortedKeys(contactFields) }
func CompanyFieldNames() []string { return sortedKeys(companyFields) }

func sortedKeys(m map[string]FieldSpec) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// customSpec describes a custom field for filtering and sorting.
func customSpec(d *FieldDef) FieldSpec {
	s := FieldSpec{Name: "custom." + d.Key, Nullable: true, Sortable: true, Custom: d}
	switch d.Type {
	case FieldNumber:
		s.Type = TypeNumber
	case FieldMoney:
		s.Type = TypeInt
	case FieldDate:
		s.Type = TypeDate
	case FieldBoolean:
		s.Type = TypeBool
	case FieldSelect:
		s.Type = TypeEnum
		for _, o := range d.Options {
			s.Enum = append(s.Enum, o.Value)
		}
	case FieldMultiSelect:
		s.Type, s.Sortable = TypeSet, false
	default:
		s.Type = TypeText
	}
	return s
}

// lookupField finds a built-in or custom field by name.
func lookupField(builtin map[string]FieldSpec, defs []FieldDef, name string) (FieldSpec, bool) {
	if key, ok := strings.CutPrefix(name, "custom."); ok {
		for i := range defs {
			if defs[i].Key == key {
				return customSpec(&defs[i]), true
			}
		}
		return FieldSpec{}, false
	}
	s, ok := builtin[name]
	return s, ok
}

// buildQuery checks a client's list request against the fields of a record
// type and converts its values. principal resolves "me" in owner filters.
func buildQuery(op string, builtin map[string]FieldSpec, defs []FieldDef, p ListParams, me int64, region string) (Query, error) {
	var v crm.Violations
	q := Query{Search: strings.TrimSpace(p.Query), Limit: crm.ClampLimit(p.Limit), Cursor: p.Cursor, Deleted: p.Deleted}
	if len([]rune(q.Search)) > 200 {
		v.Add("q", "too_long", "max", 200)
	}
	switch p.Deleted {
	case DeletedExclude, DeletedOnly, DeletedInclude:
	default:
		v.Add("deleted", "not_one_of", "allowed", "only, include")
	}
	if len(p.Conditions) > 20 {
		v.Add("filter", "too_many", "max", 20)
	}
	for _, c := range p.Conditions {
		if pred, ok := checkCondition(&v, "filter["+c.Field+"]", builtin, defs, c, me, region); ok {
			q.Predicates = append(q.Predicates, pred)
		}
	}
	sortName, desc := strings.CutPrefix(p.Sort, "-")
	if sortName == "" {
		// Newest first. Ids are given in the order records are created, and
		// sorting by them lets a search be read from its index in order.
		sortName, desc = "id", true
	}
	spec, ok := lookupField(builtin, defs, sortName)
	if !ok || !spec.Sortable {
		v.Add("sort", "not_sortable", "field", sortName)
	}
	q.Sort, q.Desc = spec, desc
	if p.Cursor == "" && !p.NoTotal {
		q.CountLimit = TotalCountLimit
	}
	if err := v.Err(op); err != nil {
		return Query{}, err
	}
	return q, nil
}

// HasContactField and HasCompanyField report whether a built-in or custom
// field of that name exists.
func HasContactField(defs []FieldDef, name string) bool {
	_, ok := lookupField(contactFields, defs, name)
	return ok
}

func HasCompanyField(defs []FieldDef, name string) bool {
	_, ok := lookupField(companyFields, defs, name)
	return ok
}

// CheckContactCondition checks a condition on a contact field (built-in or
// custom) and converts its values, recording what is wrong under field.
// Segments (package segment) build their rules from such conditions.
func CheckContactCondition(v *crm.Violations, field string, defs []FieldDef, c Condition, me int64, region string) (Predicate, bool) {
	return checkCondition(v, field, contactFields, defs, c, me, region)
}

// CheckCompanyCondition is CheckContactCondition for company fields.
func CheckCompanyCondition(v *crm.Violations, field string, defs []FieldDef, c Condition, me int64, region string) (Predicate, bool) {
	return checkCondition(v, field, companyFields, defs, c, me, region)
}

// checkCondition checks one filter against the fields of a record type and
// converts its values.
func checkCondition(v *crm.Violations, field string, builtin map[string]FieldSpec, defs []FieldDef, c Condition, me int64, region string) (Predicate, bool) {
	spec, ok := lookupField(builtin, defs, c.Field)
	if !ok {
		v.Add(field, "unknown_field", "field", c.Field)
		return Predicate{}, false
	}
	if c.Op == "" {
		c.Op = OpEq
	}
	if !slices.Contains(spec.ops(), c.Op) {
		v.Add(field, "operator_not_allowed", "operator", string(c.Op), "allowed", joinStrings(spec.ops()))
		return Predicate{}, false
	}
	if len(c.Values) == 0 || (c.Op != OpIn && len(c.Values) > 1) {
		v.Add(field, "value_count")
		return Predicate{}, false
	}
	if len(c.Values) > 100 {
		v.Add(field, "too_many", "max", 100)
		return Predicate{}, false
	}
	pred := Predicate{Field: spec, Op: c.Op}
	for _, raw := range c.Values {
		val, code := parseFilterValue(spec, c.Op, raw, me, region)
		if code != "" {
			if code == "not_one_of" {
				v.Add(field, code, "value", raw, "allowed", strings.Join(spec.Enum, ", "))
			} else {
				v.Add(field, code, "value", raw)
			}
			return Predicate{}, false
		}
		pred.Values = append(pred.Values, val)
	}
	return pred, true
}

// parseFilterValue converts the text of a filter value to the field's type.
func parseFilterValue(spec FieldSpec, op Op, raw string, me int64, region string) (any, string) {
	if op == OpExists {
		b, err := strconv.ParseBool(raw)
		if err != nil {
			return nil, "expected_boolean"
		}
		return b, ""
	}
	switch spec.Type {
	case TypeInt:
		if raw == "me" && spec.Name == "owner_id" {
			return me, ""
		}
		n, err := strconv.ParseInt(raw, 10, 64)
		if err != nil {
			return nil, "expected_integer"
		}
		return n, ""
	case TypeNumber:
		f, err := strconv.ParseFloat(raw, 64)
		if err != nil {
			return nil, "expected_number"
		}
		return f, ""
	case TypeTime:
		for _, layout := range []string{time.RFC3339Nano, time.DateOnly} {
			if t, err := time.Parse(layout, raw); err == nil {
				return crm.Truncate(t), ""
			}
		}
		return nil, "expected_time"
	case TypeDate:
		if !validDate(raw, false) {
			return nil, "expected_date"
		}
		return raw, ""
	case TypeBool:
		b, err := strconv.ParseBool(raw)
		if err != nil {
			return nil, "expected_boolean"
		}
		return b, ""
	case TypeEnum:
		if !slices.Contains(spec.Enum, raw) {
			return nil, "not_one_of"
		}
		return raw, ""
	case TypeSet:
		if spec.Name == "company_id" {
			n, err := strconv.ParseInt(raw, 10, 64)
			if err != nil {
				return nil, "expected_integer"
			}
			return n, ""
		}
		if spec.Name == "tag" {
			return TagKey(raw), ""
		}
		return raw, ""
	}
	switch spec.Name {
	case "email":
		if op == OpPrefix {
			// The start of an address is no address: compare it as typed
			// with the stored, lower-case addresses.
			return strings.ToLower(strings.TrimSpace(raw)), ""
		}
		e, code := crm.NormalizeEmail(raw)
		return e, code
	case "phone":
		if prefix, ok := phonePrefix(raw); ok && op == OpPrefix {
			return prefix, ""
		}
		// With an extension the filter names one line; without, the
		// number with any extension (the store reads PhoneKey values so).
		e164, ext, code := crm.NormalizePhone(raw, region)
		return PhoneKey(e164, ext), code
	}
	if len(raw) > 1000 {
		return nil, "too_long"
	}
	return raw, ""
}

// phonePrefix reads the start of an international number ("+886 9") as the
// start of the stored E.164 form ("+8869"). The start of a national number
// cannot be read without knowing where it ends, so it must be complete.
func phonePrefix(raw string) (string, bool) {
	rest, ok := strings.CutPrefix(strings.TrimSpace(raw), "+")
	if !ok {
		return "", false
	}
	var b strings.Builder
	b.WriteByte('+')
	for _, r := range rest {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case strings.ContainsRune(" -().", r):
		default:
			return "", false
		}
	}
	return b.String(), b.Len() > 1 && b.Len() <= 16
}

// ParseSortValue exists for stores: it reads a cursor's sort value back into
// the field's Go type.
func ParseSortValue(spec FieldSpec, raw any) (any, error) {
	if raw == nil {
		return nil, nil
	}
	switch spec.Type {
	case TypeInt:
		if f, ok := raw.(float64); ok {
			return int64(f), nil
		}
	case TypeNumber:
		if f, ok := raw.(float64); ok {
			return f, nil
		}
	case TypeTime:
		if s, ok := raw.(string); ok {
			t, err := time.Parse(time.RFC3339Nano, s)
			return t, err
		}
	case TypeBool:
		if b, ok := raw.(bool); ok {
			return b, nil
		}
	default:
		if s, ok := raw.(string); ok {
			return s, nil
		}
	}
	return nil, fmt.Errorf("cursor value %v does not fit %s", raw, spec.Name)
}
