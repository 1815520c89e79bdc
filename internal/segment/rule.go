package segment

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
)

// Rule is a segment's rule tree as clients write it: exactly one of All
// (every child holds), Any (at least one holds), Not (the child does not
// hold) or a condition. An empty All holds for everyone.
//
// Its JSON is the API's form and its text (Format, Parse) the readable one;
// both describe the same tree.
type Rule struct {
	All  []Rule     `json:"all,omitempty"`
	Any  []Rule     `json:"any,omitempty"`
	Not  *Rule      `json:"not,omitempty"`
	Cond *Condition `json:"-"`
}

// Condition is one test on a customer: a field, an operator and a value.
// Fields that count things (events, bought, orders, revenue, profit) take
// qualifiers that say which things and over which window.
type Condition struct {
	Field      string `json:"field"`
	Op         Op     `json:"op,omitempty"`
	Value      Value  `json:"value,omitzero"`
	Type       string `json:"type,omitempty"`
	Channel    string `json:"channel,omitempty"`
	SKU        string `json:"sku,omitempty"`
	Category   string `json:"category,omitempty"`
	WithinDays int    `json:"within_days,omitempty"`
}

// Op is a comparison.
type Op string

const (
	OpEq     Op = "eq"
	OpNe     Op = "ne"
	OpLt     Op = "lt"
	OpLte    Op = "lte"
	OpGt     Op = "gt"
	OpGte    Op = "gte"
	OpIn     Op = "in"
	OpNotIn  Op = "not_in"
	OpPrefix Op = "prefix"
	OpExists Op = "exists"
)

// Value is a condition's value: one literal, or a list of them for in and
// not_in.
type Value struct {
	List  bool
	Items []Literal
}

// Literal is a string, number or boolean as written; numbers keep their text
// so that money and large integers are read exactly.
type Literal struct {
	Kind LiteralKind
	Text string
}

// LiteralKind is the JSON type of a literal.
type LiteralKind uint8

const (
	String LiteralKind = iota
	Number
	Bool
)

// Str, Num and Boolean make literals.
func Str(s string) Literal       { return Literal{Kind: String, Text: s} }
func Num(n float64) Literal      { return Literal{Kind: Number, Text: strconv.FormatFloat(n, 'f', -1, 64)} }
func Boolean(b bool) Literal     { return Literal{Kind: Bool, Text: strconv.FormatBool(b)} }
func One(l Literal) Value        { return Value{Items: []Literal{l}} }
func ListOf(ls ...Literal) Value { return Value{List: true, Items: ls} }

// IsZero reports whether no value was given.
func (v Value) IsZero() bool { return !v.List && len(v.Items) == 0 }

func (v Value) MarshalJSON() ([]byte, error) {
	if !v.List && len(v.Items) == 1 {
		return v.Items[0].MarshalJSON()
	}
	var b bytes.Buffer
	b.WriteByte('[')
	for i, l := range v.Items {
		if i > 0 {
			b.WriteByte(',')
		}
		j, err := l.MarshalJSON()
		if err != nil {
			return nil, err
		}
		b.Write(j)
	}
	b.WriteByte(']')
	return b.Bytes(), nil
}

func (v *Value) UnmarshalJSON(data []byte) error {
	data = bytes.TrimSpace(data)
	if len(data) > 0 && data[0] == '[' {
		var raws []json.RawMessage
		if err := json.Unmarshal(data, &raws); err != nil {
			return err
		}
		*v = Value{List: true, Items: make([]Literal, len(raws))}
		for i, r := range raws {
			if err := v.Items[i].UnmarshalJSON(r); err != nil {
				return err
			}
		}
		return nil
	}
	var l Literal
	if err := l.UnmarshalJSON(data); err != nil {
		return err
	}
	*v = One(l)
	return nil
}

func (l Literal) MarshalJSON() ([]byte, error) {
	switch l.Kind {
	case Number, Bool:
		return []byte(l.Text), nil
	}
	return json.Marshal(l.Text)
}

func (l *Literal) UnmarshalJSON(data []byte) error {
	data = bytes.TrimSpace(data)
	switch {
	case len(data) == 0:
		return fmt.Errorf("empty value")
	case data[0] == '"':
		var s string
		if err := json.Unmarshal(data, &s); err != nil {
			return err
		}
		*l = Str(s)
	case string(data) == "true" || string(data) == "false":
		*l = Literal{Kind: Bool, Text: string(data)}
	default:
		var n json.Number
		if err := json.Unmarshal(data, &n); err != nil {
			return fmt.Errorf("a value is a string, a number, true or false")
		}
		*l = Literal{Kind: Number, Text: n.String()}
	}
	return nil
}

// ruleJSON is a rule's JSON object: a group or a condition's fields.
type ruleJSON struct {
	All []Rule `json:"all,omitempty"`
	Any []Rule `json:"any,omitempty"`
	Not *Rule  `json:"not,omitempty"`
	*Condition
}

func (r Rule) MarshalJSON() ([]byte, error) {
	switch {
	case r.Cond != nil:
		return json.Marshal(r.Cond)
	case r.Any != nil:
		return json.Marshal(struct {
			Any []Rule `json:"any"`
		}{r.Any})
	case r.Not != nil:
		return json.Marshal(struct {
			Not *Rule `json:"not"`
		}{r.Not})
	}
	all := r.All
	if all == nil {
		all = []Rule{}
	}
	return json.Marshal(struct {
		All []Rule `json:"all"`
	}{all})
}

// maxDepth bounds nesting, so that a hostile rule cannot exhaust the stack
// of the parser or the database.
const maxDepth = 32

func (r *Rule) UnmarshalJSON(data []byte) error {
	return r.decode(data, 0)
}

func (r *Rule) decode(data []byte, depth int) error {
	if depth > maxDepth {
		return fmt.Errorf("a rule nests at most %d levels", maxDepth)
	}
	var keys map[string]json.RawMessage
	if err := json.Unmarshal(data, &keys); err != nil {
		return fmt.Errorf("a rule is a JSON object: %w", err)
	}
	groups := 0
	for _, k := range []string{"all", "any", "not"} {
		if _, ok := keys[k]; ok {
			groups++
		}
	}
	_, isCond := keys["field"]
	switch {
	case groups > 1 || (groups == 1 && isCond):
		return fmt.Errorf("a rule is one of all, any, not or a condition with a field, not several")
	case groups == 0 && !isCond:
		return fmt.Errorf("a rule has all, any, not or field")
	}
	*r = Rule{}
	decodeList := func(raw json.RawMessage) ([]Rule, error) {
		var raws []json.RawMessage
		if err := json.Unmarshal(raw, &raws); err != nil {
			return nil, fmt.Errorf("all and any take a list of rules")
		}
		out := make([]Rule, len(raws))
		for i := range raws {
			if err := out[i].decode(raws[i], depth+1); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
	var err error
	switch {
	case keys["all"] != nil:
		r.All, err = decodeList(keys["all"])
		if r.All == nil && err == nil {
			r.All = []Rule{}
		}
	case keys["any"] != nil:
		r.Any, err = decodeList(keys["any"])
		if r.Any == nil && err == nil {
			r.Any = []Rule{}
		}
	case keys["not"] != nil:
		r.Not = &Rule{}
		err = r.Not.decode(keys["not"], depth+1)
	default:
		var c Condition
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.DisallowUnknownFields()
		if err = dec.Decode(&c); err != nil {
			return fmt.Errorf("condition: %w", err)
		}
		r.Cond = &c
	}
	return err
}

// Normalize returns the rule in its canonical shape: groups of the same kind
// flattened into their parent, groups of one child replaced by the child,
// double negations removed and counting conditions given their implicit
// "≥ 1". Parse returns normalized rules, and Format(r) parses back to
// Normalize(r).
func Normalize(r Rule) Rule {
	switch {
	case r.Cond != nil:
		c := *r.Cond
		if counting[c.Field] && c.Op == "" && c.Value.IsZero() {
			c.Op, c.Value = OpGte, One(Num(1))
		}
		if c.Op == "" {
			c.Op = OpEq
		}
		if c.Value.List {
			c.Value.Items = slices.Clone(c.Value.Items)
		}
		return Rule{Cond: &c}
	case r.Not != nil:
		inner := Normalize(*r.Not)
		if inner.Not != nil {
			return *inner.Not
		}
		return Rule{Not: &inner}
	case r.Any != nil:
		kids := flatten(r.Any, func(k Rule) []Rule { return k.Any })
		if len(kids) == 1 {
			return kids[0]
		}
		return Rule{Any: kids}
	}
	kids := flatten(r.All, func(k Rule) []Rule {
		if k.Cond == nil && k.Not == nil && k.Any == nil {
			return k.All
		}
		return nil
	})
	if len(kids) == 1 {
		return kids[0]
	}
	return Rule{All: kids}
}

// flatten normalizes children and splices in those that are groups of the
// parent's kind (same(k) non-nil).
func flatten(children []Rule, same func(Rule) []Rule) []Rule {
	out := []Rule{}
	for _, k := range children {
		k = Normalize(k)
		if inner := same(k); inner != nil {
			out = append(out, inner...)
			continue
		}
		out = append(out, k)
	}
	return out
}
