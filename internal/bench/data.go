package bench

import (
	"context"
	"fmt"
	"math/rand/v2"
	"runtime/debug"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/guanxi-crm/guanxi/internal/app"
	"github.com/guanxi-crm/guanxi/internal/config"
	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/demo"
)

// data is what the scenarios draw on, taken from the generated data set
// (which is then let go, so that it does not count in the memory of the
// serving phase).
type data struct {
	token string
	// ids are the ids of the contacts loaded.
	ids []int64
	// cities are the cities of contacts drawn at random, so that a city
	// comes up as often as people live there.
	cities []string
	// terms holds search terms taken from the names and numbers of loaded
	// contacts, by search kind (searchName, …), so that each must match.
	terms map[string][]string
	// pool holds new contacts for the create scenario, none sharing an
	// email or phone with the data set or each other.
	pool []customer.ContactFields
	// shop holds what the analytics scenarios must find in the shop data
	// (nil when none was made).
	shop *shopAnswers
	// groceries are the Groceries baskets (loaded as orders too), or why
	// they could not be read.
	groceries    [][]string
	groceriesErr error
}

// Search kinds.
const (
	searchName  = "search.name"
	searchZh2   = "search.zh2"
	searchZh3   = "search.zh3"
	searchPhone = "search.phone"
)

// termsPerKind is how many search terms of each kind are drawn.
const termsPerKind = 2000

// buildData generates the data set and loads it through the services of an
// app that is closed again afterwards.
func buildData(ctx context.Context, cfg *Config, appCfg config.Config, scenarios []*scenario, rep *Report) (*data, error) {
	start := time.Now()
	a, err := app.Open(ctx, appCfg, cfg.Logger)
	if err != nil {
		return nil, err
	}
	defer a.Close()
	sys := crm.WithPrincipal(ctx, crm.System)
	// The clients' user comes first, as the admin of a server's first start.
	if _, _, err := a.Accounts.EnsureAdmin(sys, benchEmail, "Bench"); err != nil {
		return nil, err
	}
	p, err := a.Accounts.PrincipalFor(sys, benchEmail)
	if err != nil {
		return nil, err
	}
	_, token, err := a.Accounts.CreateToken(sys, p.UserID, "bench", nil)
	if err != nil {
		return nil, err
	}

	cfg.logf("generating %d contacts (seed %d)", cfg.Contacts, cfg.Seed)
	ds := demo.Generate(cfg.Seed, cfg.Contacts)
	generated := time.Now()
	if cfg.SkipPositions {
		ds.Positions = nil
	}
	cfg.logf("loading them into %s", appCfg.Store())
	decile := map[string]int{}
	stats, err := demo.Load(sys, demo.Services{Customers: a.Customers, Accounts: a.Accounts}, ds, func(p demo.Progress) {
		if d := p.Done * 10 / max(p.Total, 1); p.Total >= 10_000 && d > decile[p.Stage] {
			decile[p.Stage] = d
			cfg.logf("  %s: %d of %d (%s)", p.Stage, p.Done, p.Total, time.Since(generated).Round(time.Second))
		}
	})
	if err != nil {
		return nil, err
	}
	// As an import does when it ends.
	if err := a.Store.AfterBulkLoad(ctx); err != nil {
		return nil, err
	}
	loaded := time.Now()
	b := &rep.Build
	b.Contacts, b.Companies, b.Positions, b.Rejected = stats.Contacts, stats.Companies, stats.Positions, stats.Rejected
	b.PositionsSkipped = cfg.SkipPositions
	for _, r := range stats.Rejections {
		b.Rejections = append(b.Rejections, r.String())
	}
	if stats.Contacts == 0 {
		return nil, fmt.Errorf("bench: no contact of the data set was loaded (%d rejected: %v)", stats.Rejected, b.Rejections)
	}

	d := &data{token: token, terms: map[string][]string{}}
	r := rand.New(rand.NewPCG(uint64(cfg.Seed), 0xbe4c))
	loadedIdx := make([]int, 0, len(ds.Contacts))
	for i, id := range stats.ContactIDs {
		if id != 0 {
			d.ids = append(d.ids, id)
			loadedIdx = append(loadedIdx, i)
		}
	}
	for range termsPerKind {
		if city := ds.Contacts[loadedIdx[r.IntN(len(loadedIdx))]].Fields.Address.City; city != "" {
			d.cities = append(d.cities, city)
		}
	}
	d.drawTerms(r, ds, loadedIdx, a.Customers.DefaultRegion())

	// The create scenario's pool, when it runs.
	if slices.ContainsFunc(scenarios, func(s *scenario) bool { return s.key == "create" }) {
		need := 2 * cfg.CreateContacts
		cfg.logf("generating %d more contacts to create", need)
		d.pool = newContacts(ds, cfg.Seed, need, a.Customers.DefaultRegion())
		if len(d.pool) < need {
			rep.note("the create pool holds %d contacts of the %d asked for", len(d.pool), need)
		}
	}
	// Let the data set go, and give its memory back, so that the serving
	// phase's peak is the server's and the clients'.
	ds = nil
	debug.FreeOSMemory()

	built, err := d.buildShop(ctx, cfg, a, scenarios, rep)
	if err != nil {
		return nil, err
	}
	if !built && a.Store.Dialect() == "postgres" {
		if err := analyze(ctx, a, rep); err != nil {
			return nil, err
		}
	}

	b.Generate, b.Load, b.Total = seconds(generated.Sub(start)), seconds(loaded.Sub(generated)), seconds(time.Since(start))
	cfg.logf("data set ready in %s: %d contacts, %d companies, %d positions", time.Since(start).Round(time.Millisecond),
		stats.Contacts, stats.Companies, stats.Positions)
	return d, nil
}

// buildShop makes the shop data when a scenario reads it: every contact's
// events and orders, and the Groceries baskets as orders; then, as after
// an import, the store's upkeep after a bulk load (and on PostgreSQL the
// planner's statistics), and the day's insight run, which the server would
// otherwise start with. It reports whether it made any.
func (d *data) buildShop(ctx context.Context, cfg *Config, a *app.App, scenarios []*scenario, rep *Report) (bool, error) {
	start := time.Now()
	var shop, groceries bool
	for _, s := range scenarios {
		shop, groceries = shop || s.shop, groceries || s.groceries
	}
	if groceries {
		d.groceries, d.groceriesErr = readGroceries(cfg.dataset(groceriesFile))
	}
	if !shop && len(d.groceries) == 0 {
		return false, nil
	}
	var ids []int64
	if shop {
		ids = d.ids
	}
	sb, ans, err := buildShop(ctx, cfg, a, ids, d.groceries)
	if err != nil {
		return false, err
	}
	if err := a.Store.AfterBulkLoad(ctx); err != nil {
		return false, err
	}
	if a.Store.Dialect() == "postgres" {
		if err := analyze(ctx, a, rep); err != nil {
			return false, err
		}
	}
	if sb.Insight, err = runScheduledJobs(ctx, cfg, a); err != nil {
		return false, err
	}
	sb.Total = seconds(time.Since(start))
	rep.Build.Shop, d.shop = sb, ans
	cfg.logf("shop data ready: %d customers, %d events, %d orders, %d lines in %.1f s (%.0f rows/s while loading); insight run %.1f s",
		sb.Customers, sb.Events, sb.Orders, sb.OrderLines, sb.Total, sb.RowsPerSec, sb.Insight)
	return true, nil
}

// analyze gathers the planner's statistics of the run's tables after the
// bulk load, as autovacuum would on a server in service; without them
// PostgreSQL plans searches as if the tables were empty and takes seconds
// over each. The store runs no ANALYZE itself, and the test server here
// runs with autovacuum off.
func analyze(ctx context.Context, a *app.App, rep *Report) error {
	start := time.Now()
	db := a.Store.DB()
	var autovacuum string
	if err := db.QueryRowContext(ctx, "SHOW autovacuum").Scan(&autovacuum); err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	rows, err := db.QueryContext(ctx, "SELECT quote_ident(tablename) FROM pg_tables WHERE schemaname = current_schema()")
	if err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	var tables []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			rows.Close()
			return fmt.Errorf("bench: %w", err)
		}
		tables = append(tables, t)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	if len(tables) > 0 {
		if _, err := db.ExecContext(ctx, "VACUUM (ANALYZE) "+strings.Join(tables, ", ")); err != nil {
			return fmt.Errorf("bench: VACUUM: %w", err)
		}
	}
	rep.Build.Analyze = seconds(time.Since(start))
	rep.note("ran VACUUM (ANALYZE) on the %d tables after the load (%.1f s), as autovacuum would (autovacuum is %s on this server)",
		len(tables), rep.Build.Analyze, autovacuum)
	return nil
}

// drawTerms takes search terms from the loaded contacts: prefixes of Latin
// names, two- and three-character substrings of Chinese names, and phone
// numbers as people write them.
func (d *data) drawTerms(r *rand.Rand, ds *demo.Dataset, loaded []int, region string) {
	var name, zh2, zh3, phone []string
	// Draw until every kind has its terms or the data set has been tried
	// many times over (a tiny one may lack some kind).
	for tries := 0; tries < 20*termsPerKind && (len(name) < termsPerKind || len(zh2) < termsPerKind ||
		len(zh3) < termsPerKind || len(phone) < termsPerKind); tries++ {
		c := &ds.Contacts[loaded[r.IntN(len(loaded))]]
		f := &c.Fields
		if len(name) < termsPerKind {
			words := []string{}
			for _, w := range []string{f.FamilyName, f.GivenName} {
				if len(w) >= 3 && latin(w) {
					words = append(words, w)
				}
			}
			if len(words) > 0 {
				w := words[r.IntN(len(words))]
				n := 3 + r.IntN(min(len(w), 6)-2) // 3 to 6 letters
				name = append(name, w[:n])
			}
		}
		display := f.DisplayName
		if display == "" {
			display = customer.DeriveDisplayName(f.FamilyName, f.GivenName)
		}
		if han := []rune(display); allHan(han) {
			if len(han) >= 2 && len(zh2) < termsPerKind {
				i := r.IntN(len(han) - 1)
				zh2 = append(zh2, string(han[i:i+2]))
			}
			if len(han) >= 3 && len(zh3) < termsPerKind {
				i := r.IntN(len(han) - 2)
				zh3 = append(zh3, string(han[i:i+3]))
			}
		}
		if phones := c.PhonesFor(region); len(phones) > 0 && len(phone) < termsPerKind {
			if q := phoneQuery(phones[r.IntN(len(phones))].Number); len(digitsOf(q)) >= 3 {
				phone = append(phone, q)
			}
		}
	}
	d.terms[searchName], d.terms[searchZh2], d.terms[searchZh3], d.terms[searchPhone] = name, zh2, zh3, phone
}

// phoneQuery is a number as written without its extension (0912-345-678,
// (02) 2504-4190 分機 299 → (02) 2504-4190): what one types to find it.
func phoneQuery(written string) string {
	end := strings.IndexFunc(written, func(r rune) bool { return !strings.ContainsRune("0123456789+-() .", r) })
	if end < 0 {
		end = len(written)
	}
	return strings.TrimSpace(written[:end])
}

func latin(s string) bool {
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return false
		}
	}
	return true
}

func allHan(rs []rune) bool {
	for _, r := range rs {
		if !unicode.Is(unicode.Han, r) {
			return false
		}
	}
	return len(rs) > 0
}

// newContacts generates n contacts that share no email or phone with the
// data set (nor each other), from another seed, as the create scenario's
// input: realistic records that pass the duplicate check.
func newContacts(ds *demo.Dataset, seed int64, n int, region string) []customer.ContactFields {
	taken := map[string]bool{}
	keys := func(c *demo.Contact) []string {
		var k []string
		for _, e := range c.Fields.Emails {
			k = append(k, "e:"+strings.ToLower(strings.TrimSpace(e.Address)))
		}
		for _, p := range c.IntlPhones {
			k = append(k, "p:"+digitsOf(p))
		}
		return k
	}
	for i := range ds.Contacts {
		for _, k := range keys(&ds.Contacts[i]) {
			taken[k] = true
		}
	}
	// About 1% of a generated set are deliberate duplicates, and a fifth
	// clash with the data set (English names at the big mail providers, the
	// few fictional numbers of the US and the UK): draw more sets until
	// there are enough.
	out := make([]customer.ContactFields, 0, n)
	for round := int64(1); round <= 8 && len(out) < n; round++ {
		more := demo.Generate(seed+7919*round, (n-len(out))*3/2+10)
		for i := range more.Contacts {
			if len(out) == n {
				break
			}
			c := &more.Contacts[i]
			k := keys(c)
			if c.DuplicateOf >= 0 || slices.ContainsFunc(k, func(k string) bool { return taken[k] }) {
				continue
			}
			for _, k := range k {
				taken[k] = true
			}
			f := c.Fields
			f.Phones = c.PhonesFor(region)
			f.Anniversaries = slices.Clone(f.Anniversaries)
			f.OwnerID, f.TeamID = nil, nil // the creator's
			out = append(out, f)
		}
	}
	return out
}

func digitsOf(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}
