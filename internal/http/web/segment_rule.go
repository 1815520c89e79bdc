package web

import (
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/i18n"
	"github.com/guanxi-crm/guanxi/internal/segment"
)

// The rule builder's state, as a form holds it, and its translation into a
// segment.Rule and back.
//
// The form is a group of rows, "all of" or "any of"; a row is a condition
// or a group of conditions (one level). Inputs are named by row:
//
//	match                      all | any
//	c0.kind                    cond | group
//	c0.field, c0.op, c0.value  a condition (value repeated for checkboxes)
//	c0.type, c0.channel, c0.sku, c0.category, c0.within_days
//	c1.match                   a group's all | any
//	c1.0.kind, c1.0.field …    a condition of the group
//
// Rows whose field is not chosen are left out, as the customer form leaves
// out blank email rows; so are groups without a condition.

// Bounds on what a form may hold.
const (
	maxRuleRows  = 60 // rows, and conditions in a group
	maxRuleValue = 4000
)

// condValues is a condition as written.
type condValues struct {
	Field, Op string
	// Values holds the value as written: one text, or each checked box.
	Values                                   []string
	Type, Channel, SKU, Category, WithinDays string
}

// ruleRow is a condition, or a group of conditions.
type ruleRow struct {
	Group bool
	Match string // a group's all or any
	Cond  condValues
	Rows  []ruleRow
}

// ruleState is the builder as the form holds it.
type ruleState struct {
	Mode  string // "builder" or "text"
	Match string // all or any
	Rows  []ruleRow
	Text  string
}

func allOrAny(s string) string {
	if s == "any" {
		return "any"
	}
	return "all"
}

func otherMatch(s string) string {
	if s == "any" {
		return "all"
	}
	return "any"
}

// readRuleState reads the builder's inputs of a form.
func readRuleState(f url.Values) ruleState {
	st := ruleState{Mode: "builder", Match: allOrAny(f.Get("match")), Text: f.Get("text")}
	if f.Get("mode") == "text" {
		st.Mode = "text"
	}
	for i := range maxRuleRows {
		p := rowPrefix(i)
		kind, ok := f[p+".kind"]
		if !ok {
			break
		}
		if len(kind) > 0 && kind[0] == "group" {
			row := ruleRow{Group: true, Match: allOrAny(f.Get(p + ".match"))}
			for j := range maxRuleRows {
				q := nestedPrefix(i, j)
				if _, ok := f[q+".kind"]; !ok {
					break
				}
				row.Rows = append(row.Rows, ruleRow{Cond: readCond(f, q)})
			}
			st.Rows = append(st.Rows, row)
			continue
		}
		st.Rows = append(st.Rows, ruleRow{Cond: readCond(f, p)})
	}
	return st
}

func rowPrefix(i int) string       { return "c" + strconv.Itoa(i) }
func nestedPrefix(i, j int) string { return rowPrefix(i) + "." + strconv.Itoa(j) }

func readCond(f url.Values, p string) condValues {
	c := condValues{Field: strings.TrimSpace(f.Get(p + ".field")), Op: f.Get(p + ".op"),
		Type: strings.TrimSpace(f.Get(p + ".type")), Channel: f.Get(p + ".channel"),
		SKU: strings.TrimSpace(f.Get(p + ".sku")), Category: strings.TrimSpace(f.Get(p + ".category")),
		WithinDays: strings.TrimSpace(f.Get(p + ".within_days"))}
	for _, v := range f[p+".value"] {
		if len(c.Values) < 100 {
			c.Values = append(c.Values, v)
		}
	}
	return c
}

// fit makes each condition's test one its field offers (after the field
// changed), and gives a counting field its usual "at least once".
func (st *ruleState) fit(rf *ruleFields) {
	fitCond := func(c *condValues) {
		f, ok := rf.get(c.Field)
		if !ok {
			return
		}
		if !f.hasOp(c.Op) {
			c.Op = f.Ops[0]
		}
		if f.Counting && c.Op == "gte" && len(nonBlank(c.Values)) == 0 {
			c.Values = []string{"1"}
		}
	}
	for i := range st.Rows {
		if st.Rows[i].Group {
			for j := range st.Rows[i].Rows {
				fitCond(&st.Rows[i].Rows[j].Cond)
			}
			continue
		}
		fitCond(&st.Rows[i].Cond)
	}
}

// withoutUnfinished is the state without the conditions whose value is
// not written yet, and their numbers ("2", "3.1").
func (st ruleState) withoutUnfinished() (ruleState, []string) {
	unfinished := func(c condValues) bool {
		return c.Field != "" && c.Op != "" && !noValue(c.Op) && len(nonBlank(c.Values)) == 0
	}
	var numbers []string
	out := st
	out.Rows = make([]ruleRow, len(st.Rows))
	for i, row := range st.Rows {
		out.Rows[i] = row
		if !row.Group {
			if unfinished(row.Cond) {
				out.Rows[i].Cond = condValues{}
				numbers = append(numbers, strconv.Itoa(i+1))
			}
			continue
		}
		out.Rows[i].Rows = slices.Clone(row.Rows)
		for j, k := range row.Rows {
			if unfinished(k.Cond) {
				out.Rows[i].Rows[j].Cond = condValues{}
				numbers = append(numbers, strconv.Itoa(i+1)+"."+strconv.Itoa(j+1))
			}
		}
	}
	return out, numbers
}

func nonBlank(vs []string) []string {
	var out []string
	for _, v := range vs {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// splitValues reads the values of an "is one of" written in one input:
// "台北市, 新北市、桃園市".
func splitValues(vs []string) []string {
	var out []string
	for _, v := range vs {
		out = append(out, splitTags(v)...)
	}
	return out
}

// built is a rule made of a builder's rows: the rule, and the prefix of
// the row each of its conditions came from, in the order Normalize keeps.
type built struct {
	Rule     segment.Rule
	Prefixes []string
	// Errors are what the builder itself finds wrong, by input name,
	// before the service sees the rule.
	Errors map[string]crm.FieldError
}

// build makes the rule of the builder's rows.
func (st ruleState) build(rf *ruleFields) built {
	b := built{Errors: map[string]crm.FieldError{}}
	var kids []segment.Rule
	for i, row := range st.Rows {
		if !row.Group {
			if row.Cond.Field == "" {
				continue
			}
			kids = append(kids, segment.Rule{Cond: b.condition(rf, rowPrefix(i), row.Cond)})
			b.Prefixes = append(b.Prefixes, rowPrefix(i))
			continue
		}
		var inner []segment.Rule
		for j, k := range row.Rows {
			if k.Cond.Field == "" {
				continue
			}
			inner = append(inner, segment.Rule{Cond: b.condition(rf, nestedPrefix(i, j), k.Cond)})
			b.Prefixes = append(b.Prefixes, nestedPrefix(i, j))
		}
		switch {
		case len(inner) == 0:
		case row.Match == "any":
			kids = append(kids, segment.Rule{Any: inner})
		default:
			kids = append(kids, segment.Rule{All: inner})
		}
	}
	switch {
	case len(kids) == 0:
		b.Rule = segment.Rule{All: []segment.Rule{}} // everyone
	case st.Match == "any":
		b.Rule = segment.Rule{Any: kids}
	default:
		b.Rule = segment.Rule{All: kids}
	}
	return b
}

// condition makes a condition of a row. Values are literals of the field's
// type, so that the text form reads orders > 5 and not orders > "5".
func (b *built) condition(rf *ruleFields, prefix string, c condValues) *segment.Condition {
	f, known := rf.get(c.Field)
	cond := &segment.Condition{Field: c.Field}
	takes := func(q string) bool { return !known || slices.Contains(f.Qualifiers, q) }
	if takes("type") {
		cond.Type = c.Type
	}
	if takes("channel") {
		cond.Channel = c.Channel
	}
	if takes("sku") {
		cond.SKU = c.SKU
	}
	if takes("category") {
		cond.Category = c.Category
	}
	if takes("within_days") && c.WithinDays != "" {
		n, err := strconv.Atoi(c.WithinDays)
		if err != nil {
			b.Errors[prefix+".within_days"] = crm.FieldError{Code: "expected_integer"}
		}
		cond.WithinDays = n
	}
	switch {
	case c.Op == "exists":
		cond.Op, cond.Value = segment.OpExists, segment.One(segment.Boolean(true))
	case c.Op == "not_exists":
		cond.Op, cond.Value = segment.OpExists, segment.One(segment.Boolean(false))
	case listOp(c.Op):
		cond.Op = segment.Op(c.Op)
		items := nonBlank(c.Values)
		if f.Kind != valEnum {
			items = splitValues(items)
		}
		cond.Value = segment.Value{List: true}
		for _, v := range items {
			cond.Value.Items = append(cond.Value.Items, literal(f, v))
		}
	default:
		cond.Op = segment.Op(c.Op)
		if vs := nonBlank(c.Values); len(vs) > 0 {
			if len([]rune(vs[0])) > maxRuleValue {
				b.Errors[prefix+".value"] = crm.FieldError{Code: "too_long", Params: map[string]any{"max": maxRuleValue}}
			}
			cond.Value = segment.One(literal(f, vs[0]))
		}
	}
	return cond
}

// literal types a value as its field reads it.
func literal(f ruleField, s string) segment.Literal {
	switch f.Kind {
	case valInt, valNumber, valMoney:
		if _, err := strconv.ParseFloat(s, 64); err == nil && json.Valid([]byte(s)) {
			return segment.Literal{Kind: segment.Number, Text: s}
		}
	case valBool:
		if s == "true" || s == "false" {
			return segment.Literal{Kind: segment.Bool, Text: s}
		}
	}
	return segment.Str(s)
}

// stateOf shows a rule in the builder, when it has the builder's shape:
// conditions and groups of conditions, each of a field the builder offers.
func stateOf(r segment.Rule, rf *ruleFields) (ruleState, bool) {
	r = segment.Normalize(r)
	st := ruleState{Mode: "builder", Match: "all", Text: segment.Format(r)}
	var kids []segment.Rule
	switch {
	case r.Cond != nil:
		kids = []segment.Rule{r}
	case r.Any != nil:
		st.Match, kids = "any", r.Any
	case r.Not != nil:
		return st, false
	default:
		kids = r.All
	}
	for _, k := range kids {
		switch {
		case k.Cond != nil:
			c, ok := condOf(k.Cond, rf)
			if !ok {
				return st, false
			}
			st.Rows = append(st.Rows, ruleRow{Cond: c})
		case k.Any != nil || len(k.All) > 0:
			row := ruleRow{Group: true, Match: "all"}
			inner := k.All
			if k.Any != nil {
				row.Match, inner = "any", k.Any
			}
			for _, g := range inner {
				if g.Cond == nil {
					return st, false
				}
				c, ok := condOf(g.Cond, rf)
				if !ok {
					return st, false
				}
				row.Rows = append(row.Rows, ruleRow{Cond: c})
			}
			st.Rows = append(st.Rows, row)
		default:
			return st, false
		}
	}
	return st, true
}

func condOf(c *segment.Condition, rf *ruleFields) (condValues, bool) {
	f, ok := rf.get(c.Field)
	if !ok {
		return condValues{}, false
	}
	out := condValues{Field: c.Field, Op: string(c.Op), Type: c.Type, Channel: c.Channel, SKU: c.SKU, Category: c.Category}
	if c.WithinDays != 0 {
		out.WithinDays = strconv.Itoa(c.WithinDays)
	}
	if c.Op == segment.OpExists {
		out.Op = "exists"
		if len(c.Value.Items) == 1 && c.Value.Items[0].Text == "false" {
			out.Op = "not_exists"
		}
	}
	if !f.hasOp(out.Op) {
		return condValues{}, false
	}
	if noValue(out.Op) {
		return out, true
	}
	var texts []string
	for _, l := range c.Value.Items {
		if listOp(out.Op) && f.Kind != valEnum && strings.ContainsAny(l.Text, ",，、\n") {
			return condValues{}, false // would not read back as one value
		}
		texts = append(texts, l.Text)
	}
	if listOp(out.Op) && f.Kind != valEnum {
		texts = []string{strings.Join(texts, ", ")}
	}
	out.Values = texts
	return out, true
}

// Paths of a rule's conditions as Check names them ("rule.all[1]"), in
// order.
func conditionPaths(r segment.Rule, path string) []string {
	switch {
	case r.Cond != nil:
		return []string{path}
	case r.Not != nil:
		return conditionPaths(*r.Not, path+".not")
	}
	kids, kind := r.All, "all"
	if r.Any != nil {
		kids, kind = r.Any, "any"
	}
	var out []string
	for i, k := range kids {
		out = append(out, conditionPaths(k, fmt.Sprintf("%s.%s[%d]", path, kind, i))...)
	}
	return out
}

// ruleAt is the part of a rule at a path of Check ("rule.any[0]"), or
// false.
func ruleAt(r segment.Rule, path string) (segment.Rule, bool) {
	rest, ok := strings.CutPrefix(path, "rule")
	if !ok {
		return segment.Rule{}, false
	}
	for rest != "" {
		if m := pathStep.FindStringSubmatch(rest); m != nil {
			i, _ := strconv.Atoi(m[2])
			kids := r.All
			if m[1] == "any" {
				kids = r.Any
			}
			if i >= len(kids) {
				return segment.Rule{}, false
			}
			r, rest = kids[i], rest[len(m[0]):]
			continue
		}
		if next, ok := strings.CutPrefix(rest, ".not"); ok && r.Not != nil {
			r, rest = *r.Not, next
			continue
		}
		break
	}
	return r, rest == "" || strings.HasPrefix(rest, ".")
}

var pathStep = regexp.MustCompile(`^\.(all|any)\[(\d+)\]`)

// ruleProblems are a service's complaint about a rule, placed on the form.
type ruleProblems struct {
	// Inputs are messages by input name (c1.0.value, name, text).
	Inputs map[string]string
	// Top are messages that belong to no input.
	Top []string
}

// placeErrors puts the field errors of a refused segment where they belong:
// beside the input of the condition a path names ("rule.all[1].value" →
// the value of the second condition), else at the top, naming the part of
// the rule they are about.
func placeErrors(lang string, fields []crm.FieldError, st ruleState, b built, rf *ruleFields) ruleProblems {
	out := ruleProblems{Inputs: map[string]string{}}
	put := func(name, msg string) {
		if _, taken := out.Inputs[name]; !taken {
			out.Inputs[name] = msg
		}
	}
	var rule segment.Rule
	var paths []string
	if st.Mode == "text" {
		if parsed, err := segment.Parse(st.Text); err == nil {
			rule = parsed
		}
	} else {
		rule = segment.Normalize(b.Rule)
		paths = conditionPaths(rule, "rule")
		if len(paths) != len(b.Prefixes) {
			paths = nil // cannot happen: Normalize keeps every condition in order
		}
	}
	for _, fe := range fields {
		msg := i18n.Message(lang, fe.Code, fe.Params)
		switch {
		case fe.Field == "name" || fe.Field == "description":
			put(fe.Field, msg)
			continue
		case fe.Field == "text" || (st.Mode == "text" && fe.Field == "rule"):
			put("text", msg)
			continue
		}
		if st.Mode == "builder" {
			if name, ok := conditionInput(fe, paths, b.Prefixes); ok {
				put(name, msg)
				continue
			}
		}
		if part, ok := ruleAt(rule, fe.Field); ok && fe.Field != "rule" {
			msg = segment.Format(part) + " — " + msg
		}
		if st.Mode == "text" {
			if prev, ok := out.Inputs["text"]; ok {
				msg = prev + "\n" + msg
			}
			out.Inputs["text"] = msg
			continue
		}
		out.Top = append(out.Top, msg)
	}
	return out
}

// conditionInput finds the input of a field error about a condition.
func conditionInput(fe crm.FieldError, paths, prefixes []string) (string, bool) {
	best := -1
	for i, p := range paths {
		if (fe.Field == p || strings.HasPrefix(fe.Field, p+".")) && (best < 0 || len(p) > len(paths[best])) {
			best = i
		}
	}
	if best < 0 {
		return "", false
	}
	prefix := prefixes[best]
	switch rest := strings.TrimPrefix(fe.Field, paths[best]); rest {
	case ".field", ".op", ".value", ".type", ".channel", ".sku", ".category", ".within_days":
		return prefix + rest, true
	case "":
		// The checks of contact and company fields name the condition:
		// the field, its test or (mostly) its value.
		switch fe.Code {
		case "unknown_field", "unknown_rule_field":
			return prefix + ".field", true
		case "operator_not_allowed":
			return prefix + ".op", true
		}
		return prefix + ".value", true
	}
	return "", false
}
