package segment

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/customer"
)

// Node is a checked rule: the tree of a Rule with every condition resolved
// to what a store evaluates. Exactly one field is set.
type Node struct {
	All     []Node
	Any     []Node
	Not     *Node
	Contact *customer.Predicate // on the contact: its row, tags, emails, phones, consent
	Company *customer.Predicate // on one of the contact's current companies
	Measure *Measure            // on a figure counted or derived per customer
}

// Source is where a measure's figure comes from.
type Source string

const (
	// FromEvents counts the customer's events of a type and channel.
	FromEvents Source = "events"
	// FromBought counts the customer's sales orders with a matching line.
	FromBought Source = "bought"
	// FromOrders adds up the customer's orders placed in a window.
	FromOrders Source = "orders"
	// FromMetrics reads the figures kept per contact (contact_metrics).
	FromMetrics Source = "metrics"
	// FromScores reads the figures of the last insight run (contact_scores).
	FromScores Source = "scores"
)

// Measure is a test on a figure of a customer.
type Measure struct {
	Field  string
	Source Source
	// Column names the figure within its source: a metric or score column,
	// or for FromOrders "count", "revenue" or "profit".
	Column string
	Op     Op
	// Values are int64 (counts, minor units), float64 or string (enums).
	Values []any
	// Qualifiers of events and bought; WithinDays 0 means ever.
	Type, Channel, SKU, Category string
	WithinDays                   int
	// Days says that the figure is "days since" the time in Column.
	Days bool
	// ZeroHolds says that a customer without the figure counts as having 0
	// and that 0 passes the test: a store then selects the customers whose
	// figure fails it and takes the others, rather than the reverse.
	ZeroHolds bool
}

type valueKind uint8

const (
	kindCount valueKind = iota // a whole number
	kindNumber
	kindMoney
	kindEnum
)

// measureSpec describes a measure field.
type measureSpec struct {
	source     Source
	column     string
	kind       valueKind
	enum       []string
	qualifiers []string // allowed qualifiers
	absent     bool     // customers may lack the figure (it is then no match)
	days       bool
	min, max   float64 // allowed range for numbers, when max > min
}

// RFM cells, value tiers, churn risks and lifecycle stages, as insight
// stores them (machine names; the UI translates).
var (
	RFMCells        = []string{"champions", "loyal_customers", "potential_loyalists", "new_customers", "promising", "need_attention", "about_to_sleep", "at_risk", "cannot_lose_them", "hibernating", "lost"}
	ValueTiers      = []string{"most_valuable", "most_growable", "below_zero", "standard"}
	ChurnRisks      = []string{"low", "medium", "high"}
	LifecycleStages = []string{"lead", "prospect", "first_time", "repeat", "loyal", "at_risk", "lapsed"}
)

var measures = map[string]measureSpec{
	"events":                 {source: FromEvents, kind: kindCount, qualifiers: []string{"type", "channel", "within_days"}},
	"bought":                 {source: FromBought, kind: kindCount, qualifiers: []string{"sku", "category", "within_days"}},
	"orders":                 {source: FromMetrics, column: "order_count", kind: kindCount, qualifiers: []string{"within_days"}},
	"revenue":                {source: FromMetrics, column: "revenue", kind: kindMoney, qualifiers: []string{"within_days"}},
	"profit":                 {source: FromMetrics, column: "profit", kind: kindMoney, qualifiers: []string{"within_days"}},
	"open_cart_value":        {source: FromMetrics, column: "open_cart_value", kind: kindMoney},
	"days_since_last_order":  {source: FromMetrics, column: "last_order_at", kind: kindNumber, absent: true, days: true},
	"days_since_first_order": {source: FromMetrics, column: "first_order_at", kind: kindNumber, absent: true, days: true},
	"days_since_last_seen":   {source: FromMetrics, column: "last_seen_at", kind: kindNumber, absent: true, days: true},
	"rfm_r":                  {source: FromScores, column: "rfm_r", kind: kindCount, absent: true, min: 1, max: 10},
	"rfm_f":                  {source: FromScores, column: "rfm_f", kind: kindCount, absent: true, min: 1, max: 10},
	"rfm_m":                  {source: FromScores, column: "rfm_m", kind: kindCount, absent: true, min: 1, max: 10},
	"rfm_cell":               {source: FromScores, column: "rfm_cell", kind: kindEnum, enum: RFMCells, absent: true},
	"value_tier":             {source: FromScores, column: "value_tier", kind: kindEnum, enum: ValueTiers, absent: true},
	"clv":                    {source: FromScores, column: "clv", kind: kindMoney, absent: true},
	"p_alive":                {source: FromScores, column: "p_alive", kind: kindNumber, absent: true, min: 0, max: 1},
	"expected_purchases":     {source: FromScores, column: "expected_purchases", kind: kindNumber, absent: true},
	"churn_risk":             {source: FromScores, column: "churn_risk", kind: kindEnum, enum: ChurnRisks, absent: true},
	"lifecycle":              {source: FromScores, column: "lifecycle", kind: kindEnum, enum: LifecycleStages, absent: true},
}

// counting fields take no test to mean "≥ 1".
var counting = map[string]bool{"events": true, "bought": true}

// MeasureFields lists the fields computed per customer, for the rule
// builder.
func MeasureFields() []string {
	names := make([]string, 0, len(measures))
	for n := range measures {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// Catalog is what a rule is checked against.
type Catalog struct {
	ContactFields []customer.FieldDef
	CompanyFields []customer.FieldDef
	// Currency reads money values (in major units: "1000.50").
	Currency string
	// Me is the caller, for owner_id = "me"; Region reads phone numbers.
	Me     int64
	Region string
}

// Limits on the size of a rule.
const (
	MaxConditions = 100
	MaxWithinDays = 36600
)

// Check type-checks a rule against the fields and resolves it into a Node.
// Problems are recorded in v under paths such as "rule.all[1].value".
func Check(v *crm.Violations, path string, r Rule, cat Catalog) (Node, bool) {
	c := checker{v: v, cat: cat}
	n := c.rule(path, Normalize(r), 0)
	if c.conditions > MaxConditions {
		v.Add(path, "too_many", "max", MaxConditions)
	}
	return n, v.Empty()
}

type checker struct {
	v          *crm.Violations
	cat        Catalog
	conditions int
}

func (c *checker) rule(path string, r Rule, depth int) Node {
	if depth > maxDepth {
		c.v.Add(path, "too_deep", "max", maxDepth)
		return Node{}
	}
	switch {
	case r.Cond != nil:
		c.conditions++
		return c.condition(path, *r.Cond)
	case r.Not != nil:
		inner := c.rule(path+".not", *r.Not, depth+1)
		return Node{Not: &inner}
	case r.Any != nil:
		if len(r.Any) == 0 {
			c.v.Add(path+".any", "empty_group")
		}
		n := Node{Any: make([]Node, len(r.Any))}
		for i, k := range r.Any {
			n.Any[i] = c.rule(fmt.Sprintf("%s.any[%d]", path, i), k, depth+1)
		}
		return n
	}
	n := Node{All: make([]Node, len(r.All))}
	for i, k := range r.All {
		n.All[i] = c.rule(fmt.Sprintf("%s.all[%d]", path, i), k, depth+1)
	}
	return n
}

func (c *checker) condition(path string, cond Condition) Node {
	if spec, ok := measures[cond.Field]; ok {
		return c.measure(path, cond, spec)
	}
	c.noQualifiers(path, cond, nil)
	field, isCompany := strings.CutPrefix(cond.Field, "company.")
	known := customer.HasContactField(c.cat.ContactFields, field)
	if isCompany {
		known = customer.HasCompanyField(c.cat.CompanyFields, field)
	}
	if !known {
		c.v.Add(path+".field", "unknown_rule_field", "field", cond.Field)
		return Node{}
	}
	values, ok := c.values(path, cond)
	if !ok {
		return Node{}
	}
	op, negate := customer.Op(cond.Op), false
	switch cond.Op {
	case OpNotIn:
		op, negate = customer.OpIn, true
	case OpIn, OpEq, OpNe, OpLt, OpLte, OpGt, OpGte, OpPrefix, OpExists:
	default:
		c.v.Add(path+".op", "not_one_of", "value", string(cond.Op), "allowed", "eq, ne, lt, lte, gt, gte, in, not_in, prefix, exists")
		return Node{}
	}
	fc := customer.Condition{Op: op, Values: values}
	var n Node
	if isCompany {
		fc.Field = field
		pred, ok := customer.CheckCompanyCondition(c.v, path, c.cat.CompanyFields, fc, c.cat.Me, c.cat.Region)
		if !ok {
			return Node{}
		}
		n = Node{Company: &pred}
	} else {
		fc.Field = cond.Field
		pred, ok := customer.CheckContactCondition(c.v, path, c.cat.ContactFields, fc, c.cat.Me, c.cat.Region)
		if !ok {
			return Node{}
		}
		n = Node{Contact: &pred}
	}
	if negate {
		return Node{Not: &n}
	}
	return n
}

// values returns a condition's literals as text, checking that there are as
// many as its operator takes.
func (c *checker) values(path string, cond Condition) ([]string, bool) {
	list := cond.Op == OpIn || cond.Op == OpNotIn
	switch {
	case list && !cond.Value.List:
		c.v.Add(path+".value", "expected_list")
		return nil, false
	case !list && (cond.Value.List || len(cond.Value.Items) != 1):
		c.v.Add(path+".value", "value_count")
		return nil, false
	case len(cond.Value.Items) == 0:
		c.v.Add(path+".value", "value_count")
		return nil, false
	case len(cond.Value.Items) > 100:
		c.v.Add(path+".value", "too_many", "max", 100)
		return nil, false
	}
	out := make([]string, len(cond.Value.Items))
	for i, l := range cond.Value.Items {
		out[i] = l.Text
	}
	return out, true
}

// noQualifiers records the qualifiers a condition has beyond those allowed.
func (c *checker) noQualifiers(path string, cond Condition, allowed []string) {
	for _, q := range []struct {
		name string
		set  bool
	}{{"type", cond.Type != ""}, {"channel", cond.Channel != ""}, {"sku", cond.SKU != ""}, {"category", cond.Category != ""}, {"within_days", cond.WithinDays != 0}} {
		if q.set && !slices.Contains(allowed, q.name) {
			c.v.Add(path+"."+q.name, "qualifier_not_allowed", "field", cond.Field)
		}
	}
}

func (c *checker) measure(path string, cond Condition, spec measureSpec) Node {
	c.noQualifiers(path, cond, spec.qualifiers)
	if cond.WithinDays < 0 || cond.WithinDays > MaxWithinDays {
		c.v.Add(path+".within_days", "out_of_range", "min", 1, "max", MaxWithinDays)
	}
	for _, q := range []struct{ name, value string }{{"type", cond.Type}, {"channel", cond.Channel}, {"sku", cond.SKU}, {"category", cond.Category}} {
		if len(q.value) > 200 {
			c.v.Add(path+"."+q.name, "too_long", "max", 200)
		}
	}
	m := Measure{
		Field: cond.Field, Source: spec.source, Column: spec.column, Op: cond.Op, Days: spec.days,
		Type: cond.Type, Channel: cond.Channel, SKU: cond.SKU, Category: cond.Category, WithinDays: cond.WithinDays,
	}
	if spec.source == FromMetrics && cond.WithinDays > 0 {
		// Lifetime figures are kept per contact; those of a window are
		// added up from the orders.
		m.Source, m.Column = FromOrders, map[string]string{"order_count": "count", "revenue": "revenue", "profit": "profit"}[spec.column]
	}
	allowed := []Op{OpEq, OpNe, OpLt, OpLte, OpGt, OpGte}
	switch {
	case spec.kind == kindEnum:
		allowed = []Op{OpEq, OpNe, OpIn, OpNotIn}
	case spec.days:
		// Days since a moment are a real number of days: equality means
		// nothing there.
		allowed = []Op{OpLt, OpLte, OpGt, OpGte}
	}
	if !slices.Contains(allowed, cond.Op) {
		c.v.Add(path+".op", "operator_not_allowed", "operator", string(cond.Op), "allowed", joinOps(allowed))
		return Node{}
	}
	if _, ok := c.values(path, cond); !ok {
		return Node{}
	}
	for _, l := range cond.Value.Items {
		val, code := c.measureValue(spec, l)
		if code != "" {
			params := []any{"value", l.Text}
			if code == "not_one_of" {
				params = append(params, "allowed", strings.Join(spec.enum, ", "))
			}
			if code == "out_of_range" {
				params = append(params, "min", spec.min, "max", spec.max)
			}
			c.v.Add(path+".value", code, params...)
			return Node{}
		}
		m.Values = append(m.Values, val)
	}
	m.ZeroHolds = !spec.absent && holdsForZero(m.Op, m.Values)
	return Node{Measure: &m}
}

func (c *checker) measureValue(spec measureSpec, l Literal) (any, string) {
	switch spec.kind {
	case kindEnum:
		if l.Kind != String || !slices.Contains(spec.enum, l.Text) {
			return nil, "not_one_of"
		}
		return l.Text, ""
	case kindMoney:
		if l.Kind == Bool {
			return nil, "expected_number"
		}
		amount, ok := crm.ParseAmount(l.Text, c.cat.Currency)
		if !ok {
			return nil, "expected_number"
		}
		return amount, ""
	case kindCount:
		n, err := strconv.ParseInt(l.Text, 10, 64)
		if l.Kind == Bool || err != nil {
			return nil, "expected_integer"
		}
		if spec.max > spec.min && (float64(n) < spec.min || float64(n) > spec.max) {
			return nil, "out_of_range"
		}
		return n, ""
	}
	f, err := strconv.ParseFloat(l.Text, 64)
	if l.Kind == Bool || err != nil || f != f {
		return nil, "expected_number"
	}
	if spec.max > spec.min && (f < spec.min || f > spec.max) {
		return nil, "out_of_range"
	}
	return f, ""
}

// holdsForZero reports whether the figure 0 passes a numeric test.
func holdsForZero(op Op, values []any) bool {
	var v float64
	switch x := values[0].(type) {
	case int64:
		v = float64(x)
	case float64:
		v = x
	default:
		return false
	}
	switch op {
	case OpEq:
		return v == 0
	case OpNe:
		return v != 0
	case OpLt:
		return 0 < v
	case OpLte:
		return 0 <= v
	case OpGt:
		return 0 > v
	case OpGte:
		return 0 >= v
	}
	return false
}

func joinOps(ops []Op) string {
	s := make([]string, len(ops))
	for i, o := range ops {
		s[i] = string(o)
	}
	return strings.Join(s, ", ")
}
