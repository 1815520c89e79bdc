package store

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/segment"
)

// fixedLiterals are the SQL string literals the compiler itself writes;
// any other quote in the text would be a value that escaped its
// placeholder.
var fixedLiterals = regexp.MustCompile(`'(|current|sale|paid|fulfilled|phone|email|\$\.[a-z_.]+)'`)

// FuzzSegmentSQL: every rule that checks compiles to SQL whose values are
// all placeholder arguments (no quote but the compiler's own, one argument
// per placeholder, no value of the rule in the text), and that SQLite runs.
func FuzzSegmentSQL(f *testing.F) {
	for _, s := range []string{
		`events(type: "store_visit", within_days: 90) >= 5 and bought(sku: "PASTA-1") and bought(category: "milk tea")`,
		`city = "x' OR 1=1 --" or display_name starts with "王'"`,
		`tag in ("vip", "a'b") and not company.industry = "re'tail"`,
		`orders < 3 or revenue(within_days: 30) >= 10 or days_since_last_order > 2.5`,
		`custom.tier = "gold" and consent.email = "granted" and email = "a@b.co"`,
		`rfm_cell not in ("lost") and p_alive < 0.5 and clv > 100 and lifecycle = "at_risk"`,
		`phone = "+886 912 345 678" or owner_id = "me"`,
	} {
		f.Add(s)
	}
	ctx := context.Background()
	st, err := Open(ctx, Config{Dir: f.TempDir()})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(ctx); err != nil {
		f.Fatal(err)
	}
	cat := segment.Catalog{Currency: "TWD", Me: 1, Region: "TW", ContactFields: []customer.FieldDef{
		{FieldDefFields: customer.FieldDefFields{Key: "tier", Type: customer.FieldSelect, Options: []customer.Option{{Value: "gold"}}}},
	}}
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, text string) {
		r, err := segment.Parse(text)
		if err != nil {
			return
		}
		var v crm.Violations
		n, ok := segment.Check(&v, "rule", r, cat)
		if !ok {
			return
		}
		sqlText, args := st.segmentSQL(n, now)
		if got := strings.Count(sqlText, "?"); got != len(args) {
			t.Fatalf("%q: %d placeholders, %d arguments:\n%s", text, got, len(args), sqlText)
		}
		if rest := fixedLiterals.ReplaceAllString(sqlText, ""); strings.Contains(rest, "'") {
			t.Fatalf("%q: a quote outside the compiler's literals:\n%s", text, sqlText)
		}
		if _, err := st.CountMatching(ctx, n, nil, now); err != nil {
			t.Fatalf("%q: %v\n%s", text, err, sqlText)
		}
	})
}
