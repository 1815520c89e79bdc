package segment

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/customer"
)

// canonical texts: each parses and formats back to itself.
var canonical = []string{
	`everyone`,
	`city = "台北市"`,
	`events(type: "store_visit", within_days: 90) >= 5 and bought(sku: "PASTA-1") and bought(category: "milk tea")`,
	`not tag = "staff"`,
	`city in ("台北市", "新北市") or custom.tier = "gold"`,
	`(city = "a" or city = "b") and not (orders > 3 or revenue >= 1000.50)`,
	`not (a = 1 and b = 2)`,
	`display_name starts with "王" and email is set and phone is not set`,
	`rfm_cell not in ("at_risk", "cannot_lose_them")`,
	`bought(sku: "A", within_days: 30) = 0`,
	`owner_id = "me" or owner_id != 3`,
	`custom.vip = true`,
	`name = "quote \" and backslash \\ and tab \t"`,
	`p_alive < 0.25 and days_since_last_order >= 60`,
}

func TestCanonicalTextRoundTrips(t *testing.T) {
	for _, text := range canonical {
		r, err := Parse(text)
		if err != nil {
			t.Errorf("%s: %v", text, err)
			continue
		}
		if got := Format(r); got != text {
			t.Errorf("Format(Parse(%s)) = %s", text, got)
		}
		// The JSON form describes the same tree.
		raw, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		var back Rule
		if err := json.Unmarshal(raw, &back); err != nil {
			t.Errorf("%s: JSON %s does not read back: %v", text, raw, err)
			continue
		}
		if !reflect.DeepEqual(Normalize(back), r) {
			t.Errorf("%s: JSON %s reads back as %s", text, raw, Format(back))
		}
	}
}

func TestParseShapes(t *testing.T) {
	r, err := Parse(`a = 1 or b = 2 and not c = 3`)
	if err != nil {
		t.Fatal(err)
	}
	// "and" binds tighter than "or", "not" tighter than both.
	if len(r.Any) != 2 || r.Any[0].Cond == nil || len(r.Any[1].All) != 2 || r.Any[1].All[1].Not == nil {
		t.Fatalf("shape: %s", mustJSON(t, r))
	}
	// Counting fields without a test mean ≥ 1; the JSON says so.
	r, _ = Parse(`bought(sku: "A")`)
	if got := string(mustJSON(t, r)); got != `{"field":"bought","op":"gte","value":1,"sku":"A"}` {
		t.Errorf("bought JSON: %s", got)
	}
	// Nested groups of one kind flatten; double negation cancels.
	r, _ = Parse(`(a = 1 and (b = 2 and c = 3)) and not not d = 4`)
	if len(r.All) != 4 || r.All[3].Cond == nil {
		t.Errorf("normalized: %s", Format(r))
	}
}

func TestParseErrors(t *testing.T) {
	cases := []struct {
		text, want string
		offset     int
	}{
		{``, "expected a condition", 0},
		{`city =`, "expected a value", 6},
		{`city = "x`, "not closed", 7},
		{`city = "x" and`, "expected a condition", 14},
		{`city "x"`, "expected =", 5},
		{`(city = "x"`, "expected “)”", 11},
		{`city = "x" "y"`, "expected and, or", 11},
		{`city ! "x"`, "“!” alone", 5},
		{`events(type = "x") > 1`, "expected “:”", 12},
		{`events(colour: "x") > 1`, "unknown qualifier", 7},
		{`events(within_days: "x") > 1`, "whole number", 7},
		{`orders > 1..2`, "is not a number", 9},
		{`city = @`, "unexpected", 7},
		{`and = 1`, "expected a condition", 0},
		{strings.Repeat("(", 40) + `a = 1` + strings.Repeat(")", 40), "nests at most", 33},
		{strings.Repeat("not ", 40) + `a = 1`, "nests at most", 132},
	}
	for _, tc := range cases {
		_, err := Parse(tc.text)
		se, ok := err.(*SyntaxError)
		if !ok || !strings.Contains(se.Msg, tc.want) || se.Offset != tc.offset {
			t.Errorf("Parse(%q) = %v; want %q at %d", tc.text, err, tc.want, tc.offset)
		}
	}
}

func TestDecodeJSONErrors(t *testing.T) {
	for _, raw := range []string{
		`[]`, `{}`, `{"all": [], "any": []}`, `{"field": "city", "all": []}`, `{"all": {}}`,
		`{"field": "city", "op": "eq", "value": {}}`, `{"field": "city", "colour": 1}`, `{"not": 3}`,
		strings.Repeat(`{"not":`, 40) + `{"field":"a"}` + strings.Repeat(`}`, 40),
	} {
		var r Rule
		if err := json.Unmarshal([]byte(raw), &r); err == nil {
			t.Errorf("%s decoded as %s", raw, Format(r))
		}
	}
}

func TestCheckResolvesMeasures(t *testing.T) {
	r, err := Parse(`orders < 3 and revenue(within_days: 30) >= 12.5 and days_since_last_seen > 7 and rfm_cell in ("champions")`)
	if err != nil {
		t.Fatal(err)
	}
	var v crm.Violations
	n, ok := Check(&v, "rule", r, Catalog{Currency: "USD"})
	if !ok {
		t.Fatal(v.Fields())
	}
	orders, revenue, seen, cell := n.All[0].Measure, n.All[1].Measure, n.All[2].Measure, n.All[3].Measure
	if orders.Source != FromMetrics || !orders.ZeroHolds || orders.Values[0] != int64(3) {
		t.Errorf("orders < 3: %+v", orders)
	}
	// A window adds up orders; 12.5 USD is 1250 cents.
	if revenue.Source != FromOrders || revenue.Column != "revenue" || revenue.ZeroHolds || revenue.Values[0] != int64(1250) {
		t.Errorf("revenue: %+v", revenue)
	}
	if !seen.Days || seen.ZeroHolds || seen.Values[0] != 7.0 {
		t.Errorf("days since last seen: %+v", seen)
	}
	if cell.Source != FromScores || cell.Op != OpIn {
		t.Errorf("rfm cell: %+v", cell)
	}
	// not_in on a contact field becomes not(in).
	r, _ = Parse(`city not in ("a", "b")`)
	n, ok = Check(&v, "rule", r, Catalog{})
	if !ok || n.Not == nil || n.Not.Contact == nil || n.Not.Contact.Op != customer.OpIn {
		t.Errorf("not in: %+v", n)
	}
}

func TestCheckLimitsSize(t *testing.T) {
	text := strings.TrimSuffix(strings.Repeat(`city = "x" or `, MaxConditions+1), " or ")
	r, err := Parse(text)
	if err != nil {
		t.Fatal(err)
	}
	var v crm.Violations
	if _, ok := Check(&v, "rule", r, Catalog{}); ok {
		t.Errorf("a rule of %d conditions passed", MaxConditions+1)
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// FuzzParse: no text crashes the parser or the checker, and whatever
// parses formats back to text that parses to the same rule, and to JSON
// that decodes to the same rule.
func FuzzParse(f *testing.F) {
	for _, s := range canonical {
		f.Add(s)
	}
	f.Add(`events(type: "x", channel: "y", sku: "z", category: "w", within_days: -4) != -1e9`)
	f.Add(`((((a = 1))))`)
	f.Fuzz(func(t *testing.T, text string) {
		r, err := Parse(text)
		if err != nil {
			if _, ok := err.(*SyntaxError); !ok {
				t.Fatalf("error of type %T: %v", err, err)
			}
			return
		}
		out := Format(r)
		again, err := Parse(out)
		if err != nil {
			t.Fatalf("Format(Parse(%q)) = %q does not parse: %v", text, out, err)
		}
		if !reflect.DeepEqual(again, r) {
			t.Fatalf("%q → %q → %q", text, out, Format(again))
		}
		raw, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		var back Rule
		if err := json.Unmarshal(raw, &back); err != nil {
			t.Fatalf("JSON %s of %q does not decode: %v", raw, text, err)
		}
		if got := Format(back); got != out {
			t.Fatalf("JSON round trip of %q gives %q", out, got)
		}
		var v crm.Violations
		Check(&v, "rule", r, Catalog{Currency: "TWD"})
	})
}
