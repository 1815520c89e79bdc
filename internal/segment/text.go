package segment

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The text form of a rule, for people to read and write:
//
//	events(type: "store_visit", within_days: 90) >= 5 and bought(sku: "PASTA-1")
//	    and bought(category: "milk tea") and not tag = "staff"
//	    and (city in ("台北市", "新北市") or custom.tier = "gold")
//
// Grammar (keywords in lower case; "not" binds tighter than "and", which
// binds tighter than "or"):
//
//	rule       = "everyone" | or
//	or         = and { "or" and }
//	and        = unary { "and" unary }
//	unary      = "not" unary | "(" or ")" | "everyone" | condition
//	condition  = field [ "(" qualifier { "," qualifier } ")" ] [ test ]
//	qualifier  = name ":" literal
//	test       = op literal | "in" list | "not" "in" list | "is" [ "not" ] "set"
//	op         = "=" | "!=" | "<" | "<=" | ">" | ">=" | "starts" "with"
//	list       = "(" literal { "," literal } ")"
//	literal    = string | number | "true" | "false"
//
// Strings are double-quoted with JSON escapes. A counting field without a
// test means "≥ 1": bought(sku: "A") is bought(sku: "A") >= 1.

// MaxTextLength bounds the text form a parser accepts.
const MaxTextLength = 64 << 10

// SyntaxError says where a rule's text stops making sense.
type SyntaxError struct {
	Offset int // byte offset in the text
	Msg    string
}

func (e *SyntaxError) Error() string { return fmt.Sprintf("at %d: %s", e.Offset, e.Msg) }

// Parse reads the text form of a rule. The rule it returns is normalized;
// it is checked against the fields only by Check.
func Parse(text string) (Rule, error) {
	if len(text) > MaxTextLength {
		return Rule{}, &SyntaxError{Msg: fmt.Sprintf("a rule is at most %d bytes", MaxTextLength)}
	}
	p := &parser{src: text}
	p.next()
	r, err := p.or(0)
	if err != nil {
		return Rule{}, err
	}
	if p.tok.kind != tokEOF {
		return Rule{}, p.errorf("expected and, or or the end of the rule, found %s", p.tok)
	}
	return Normalize(r), nil
}

type tokKind uint8

const (
	tokEOF tokKind = iota
	tokIdent
	tokString
	tokNumber
	tokOp
	tokPunct // ( ) , :
	tokBad
)

type token struct {
	kind tokKind
	text string // identifier, operator or punctuation; a string's value
	pos  int
}

func (t token) String() string {
	switch t.kind {
	case tokEOF:
		return "the end of the rule"
	case tokString:
		return strconv.Quote(t.text)
	}
	return "“" + t.text + "”"
}

type parser struct {
	src string
	pos int
	tok token
	err error
}

func (p *parser) errorf(format string, args ...any) error {
	if p.err != nil {
		return p.err
	}
	return &SyntaxError{Offset: p.tok.pos, Msg: fmt.Sprintf(format, args...)}
}

// next reads the next token into p.tok.
func (p *parser) next() {
	for p.pos < len(p.src) {
		r, size := utf8.DecodeRuneInString(p.src[p.pos:])
		if !unicode.IsSpace(r) {
			break
		}
		p.pos += size
	}
	start := p.pos
	if p.pos >= len(p.src) {
		p.tok = token{kind: tokEOF, pos: start}
		return
	}
	c := p.src[p.pos]
	switch {
	case c == '"':
		p.tok = p.readString()
	case c == '(' || c == ')' || c == ',' || c == ':':
		p.pos++
		p.tok = token{kind: tokPunct, text: string(c), pos: start}
	case c == '=' || c == '<' || c == '>' || c == '!':
		p.pos++
		if p.pos < len(p.src) && p.src[p.pos] == '=' && c != '=' {
			p.pos++
		}
		text := p.src[start:p.pos]
		if text == "!" {
			p.tok = token{kind: tokBad, text: text, pos: start}
			p.err = &SyntaxError{Offset: start, Msg: "“!” alone is no operator; use != or not"}
			return
		}
		p.tok = token{kind: tokOp, text: text, pos: start}
	case c == '-' || c == '+' || c == '.' || (c >= '0' && c <= '9'):
		for p.pos < len(p.src) && strings.IndexByte("0123456789.eE+-", p.src[p.pos]) >= 0 {
			p.pos++
		}
		p.tok = token{kind: tokNumber, text: p.src[start:p.pos], pos: start}
	default:
		for p.pos < len(p.src) {
			r, size := utf8.DecodeRuneInString(p.src[p.pos:])
			if !(r == '_' || r == '.' || r == '-' || unicode.IsLetter(r) || unicode.IsDigit(r)) {
				break
			}
			p.pos += size
		}
		if p.pos == start {
			r, size := utf8.DecodeRuneInString(p.src[p.pos:])
			p.pos += size
			p.tok = token{kind: tokBad, text: string(r), pos: start}
			p.err = &SyntaxError{Offset: start, Msg: fmt.Sprintf("unexpected %q", r)}
			return
		}
		p.tok = token{kind: tokIdent, text: p.src[start:p.pos], pos: start}
	}
}

// readString reads a double-quoted string with JSON escapes.
func (p *parser) readString() token {
	start := p.pos
	p.pos++ // the opening quote
	for p.pos < len(p.src) {
		switch p.src[p.pos] {
		case '\\':
			p.pos += 2
			continue
		case '"':
			p.pos++
			raw := p.src[start:p.pos]
			s, err := strconv.Unquote(raw)
			if err != nil || !utf8.ValidString(s) {
				p.err = &SyntaxError{Offset: start, Msg: "a string has a bad escape or is not UTF-8"}
				return token{kind: tokBad, text: raw, pos: start}
			}
			return token{kind: tokString, text: s, pos: start}
		}
		p.pos++
	}
	p.err = &SyntaxError{Offset: start, Msg: "a string is not closed"}
	return token{kind: tokBad, pos: start}
}

func (p *parser) is(kind tokKind, text string) bool {
	return p.tok.kind == kind && p.tok.text == text
}

func (p *parser) expect(kind tokKind, text string) error {
	if !p.is(kind, text) {
		return p.errorf("expected “%s”, found %s", text, p.tok)
	}
	p.next()
	return p.err
}

func (p *parser) or(depth int) (Rule, error) {
	if depth > maxDepth {
		return Rule{}, p.errorf("a rule nests at most %d levels", maxDepth)
	}
	first, err := p.and(depth)
	if err != nil {
		return Rule{}, err
	}
	kids := []Rule{first}
	for p.is(tokIdent, "or") {
		p.next()
		r, err := p.and(depth)
		if err != nil {
			return Rule{}, err
		}
		kids = append(kids, r)
	}
	if len(kids) == 1 {
		return first, nil
	}
	return Rule{Any: kids}, nil
}

func (p *parser) and(depth int) (Rule, error) {
	first, err := p.unary(depth)
	if err != nil {
		return Rule{}, err
	}
	kids := []Rule{first}
	for p.is(tokIdent, "and") {
		p.next()
		r, err := p.unary(depth)
		if err != nil {
			return Rule{}, err
		}
		kids = append(kids, r)
	}
	if len(kids) == 1 {
		return first, nil
	}
	return Rule{All: kids}, nil
}

func (p *parser) unary(depth int) (Rule, error) {
	if p.err != nil {
		return Rule{}, p.err
	}
	switch {
	case p.is(tokIdent, "not"):
		p.next()
		if depth+1 > maxDepth {
			return Rule{}, p.errorf("a rule nests at most %d levels", maxDepth)
		}
		r, err := p.unary(depth + 1)
		if err != nil {
			return Rule{}, err
		}
		return Rule{Not: &r}, nil
	case p.is(tokPunct, "("):
		p.next()
		r, err := p.or(depth + 1)
		if err != nil {
			return Rule{}, err
		}
		return r, p.expect(tokPunct, ")")
	case p.is(tokIdent, "everyone"):
		p.next()
		return Rule{All: []Rule{}}, p.err
	case p.tok.kind == tokIdent && !keywords[p.tok.text]:
		return p.condition()
	}
	return Rule{}, p.errorf("expected a condition, not or (, found %s", p.tok)
}

var keywords = map[string]bool{"and": true, "or": true, "not": true, "in": true, "is": true, "set": true, "everyone": true, "true": true, "false": true}

func (p *parser) condition() (Rule, error) {
	c := &Condition{Field: p.tok.text}
	p.next()
	if p.is(tokPunct, "(") {
		p.next()
		for {
			if err := p.qualifier(c); err != nil {
				return Rule{}, err
			}
			if !p.is(tokPunct, ",") {
				break
			}
			p.next()
		}
		if err := p.expect(tokPunct, ")"); err != nil {
			return Rule{}, err
		}
	}
	if err := p.test(c); err != nil {
		return Rule{}, err
	}
	return Rule{Cond: c}, p.err
}

func (p *parser) qualifier(c *Condition) error {
	if p.tok.kind != tokIdent {
		return p.errorf("expected a qualifier such as type: or within_days:, found %s", p.tok)
	}
	name, at := p.tok.text, p.tok
	p.next()
	if err := p.expect(tokPunct, ":"); err != nil {
		return err
	}
	lit, err := p.literal()
	if err != nil {
		return err
	}
	if name == "within_days" {
		n, err := strconv.Atoi(lit.Text)
		if lit.Kind != Number || err != nil {
			return &SyntaxError{Offset: at.pos, Msg: "within_days takes a whole number of days"}
		}
		c.WithinDays = n
		return nil
	}
	target := map[string]*string{"type": &c.Type, "channel": &c.Channel, "sku": &c.SKU, "category": &c.Category}[name]
	if target == nil {
		return &SyntaxError{Offset: at.pos, Msg: fmt.Sprintf("unknown qualifier %q: type, channel, sku, category or within_days", name)}
	}
	if lit.Kind != String {
		return &SyntaxError{Offset: at.pos, Msg: fmt.Sprintf("%s takes a string", name)}
	}
	*target = lit.Text
	return nil
}

var textOps = map[string]Op{"=": OpEq, "!=": OpNe, "<": OpLt, "<=": OpLte, ">": OpGt, ">=": OpGte}

func (p *parser) test(c *Condition) error {
	switch {
	case p.tok.kind == tokOp:
		c.Op = textOps[p.tok.text]
		p.next()
		lit, err := p.literal()
		c.Value = One(lit)
		return err
	case p.is(tokIdent, "starts"):
		p.next()
		if err := p.expect(tokIdent, "with"); err != nil {
			return err
		}
		lit, err := p.literal()
		c.Op, c.Value = OpPrefix, One(lit)
		return err
	case p.is(tokIdent, "in"):
		p.next()
		v, err := p.list()
		c.Op, c.Value = OpIn, v
		return err
	case p.is(tokIdent, "not"):
		p.next()
		if err := p.expect(tokIdent, "in"); err != nil {
			return err
		}
		v, err := p.list()
		c.Op, c.Value = OpNotIn, v
		return err
	case p.is(tokIdent, "is"):
		p.next()
		set := true
		if p.is(tokIdent, "not") {
			set = false
			p.next()
		}
		c.Op, c.Value = OpExists, One(Boolean(set))
		return p.expect(tokIdent, "set")
	}
	if counting[c.Field] {
		return nil // "≥ 1", filled in by Normalize
	}
	return p.errorf("expected =, !=, <, <=, >, >=, in, not in, starts with or is set after %s, found %s", c.Field, p.tok)
}

func (p *parser) list() (Value, error) {
	if err := p.expect(tokPunct, "("); err != nil {
		return Value{}, err
	}
	v := Value{List: true}
	for {
		lit, err := p.literal()
		if err != nil {
			return Value{}, err
		}
		v.Items = append(v.Items, lit)
		if !p.is(tokPunct, ",") {
			break
		}
		p.next()
	}
	return v, p.expect(tokPunct, ")")
}

func (p *parser) literal() (Literal, error) {
	if p.err != nil {
		return Literal{}, p.err
	}
	t := p.tok
	switch {
	case t.kind == tokString:
		p.next()
		return Str(t.text), p.err
	case t.kind == tokNumber:
		// Numbers are written as in JSON, so that both forms carry the
		// same text.
		if _, err := strconv.ParseFloat(t.text, 64); err != nil || !json.Valid([]byte(t.text)) {
			return Literal{}, p.errorf("%s is not a number", t)
		}
		p.next()
		return Literal{Kind: Number, Text: t.text}, p.err
	case t.kind == tokIdent && (t.text == "true" || t.text == "false"):
		p.next()
		return Literal{Kind: Bool, Text: t.text}, p.err
	}
	return Literal{}, p.errorf("expected a value (\"text\", a number, true or false), found %s", t)
}

// Format writes a rule in its text form. Parse(Format(r)) is Normalize(r).
func Format(r Rule) string {
	var b strings.Builder
	format(&b, Normalize(r), false)
	return b.String()
}

// format writes r; nested says that r is inside a group of the other kind
// or under not, where a group needs parentheses.
func format(b *strings.Builder, r Rule, nested bool) {
	switch {
	case r.Cond != nil:
		formatCondition(b, r.Cond)
	case r.Not != nil:
		b.WriteString("not ")
		format(b, *r.Not, true)
	case r.Any != nil || len(r.All) > 0:
		kids, sep := r.All, " and "
		if r.Any != nil {
			kids, sep = r.Any, " or "
		}
		if nested {
			b.WriteByte('(')
		}
		for i, k := range kids {
			if i > 0 {
				b.WriteString(sep)
			}
			format(b, k, true)
		}
		if nested {
			b.WriteByte(')')
		}
	default:
		b.WriteString("everyone")
	}
}

var opText = map[Op]string{OpEq: "=", OpNe: "!=", OpLt: "<", OpLte: "<=", OpGt: ">", OpGte: ">="}

func formatCondition(b *strings.Builder, c *Condition) {
	b.WriteString(c.Field)
	var quals []string
	for _, q := range []struct{ name, value string }{{"type", c.Type}, {"channel", c.Channel}, {"sku", c.SKU}, {"category", c.Category}} {
		if q.value != "" {
			quals = append(quals, q.name+": "+strconv.Quote(q.value))
		}
	}
	if c.WithinDays != 0 {
		quals = append(quals, "within_days: "+strconv.Itoa(c.WithinDays))
	}
	if len(quals) > 0 {
		b.WriteString("(" + strings.Join(quals, ", ") + ")")
	}
	if counting[c.Field] && c.Op == OpGte && len(c.Value.Items) == 1 && c.Value.Items[0] == Num(1) {
		return
	}
	switch c.Op {
	case OpIn, OpNotIn:
		if c.Op == OpIn {
			b.WriteString(" in (")
		} else {
			b.WriteString(" not in (")
		}
		for i, l := range c.Value.Items {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(formatLiteral(l))
		}
		b.WriteByte(')')
	case OpExists:
		if len(c.Value.Items) == 1 && c.Value.Items[0].Text == "false" {
			b.WriteString(" is not set")
		} else {
			b.WriteString(" is set")
		}
	case OpPrefix:
		b.WriteString(" starts with " + formatValue(c.Value))
	default:
		text, ok := opText[c.Op]
		if !ok {
			text = "=" // an unknown operator; Check refuses the rule anyway
		}
		b.WriteString(" " + text + " " + formatValue(c.Value))
	}
}

func formatValue(v Value) string {
	if len(v.Items) == 0 {
		return `""`
	}
	return formatLiteral(v.Items[0])
}

func formatLiteral(l Literal) string {
	if l.Kind == String {
		return strconv.Quote(l.Text)
	}
	return l.Text
}
