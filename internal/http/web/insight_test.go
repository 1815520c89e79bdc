package web_test

import (
	"context"
	"html"
	"math/rand/v2"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/guanxi-crm/guanxi/internal/account"
	"github.com/guanxi-crm/guanxi/internal/commerce"
	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/sales"
	"github.com/guanxi-crm/guanxi/internal/testenv"
	"github.com/guanxi-crm/guanxi/internal/touchpoint"
)

// shop is what seedShop made.
type shop struct {
	buyers  map[string]int64 // by name
	browser int64            // looks often, never buys
}

// seedShop adds, through the services, a small shop's year: five buyers
// with orders over the months (pasta and tea go together), a visitor who
// browses without buying and leaves a cart, and an open deal.
func seedShop(t *testing.T, s *testenv.Server) shop {
	t.Helper()
	sys := crm.WithPrincipal(context.Background(), crm.System)
	out := shop{buyers: map[string]int64{}}
	contact := func(name string) int64 {
		c, err := s.Customers.CreateContact(sys, customer.ContactFields{DisplayName: name}, customer.WriteOptions{Source: "test"})
		if err != nil {
			t.Fatal(err)
		}
		return c.ID
	}
	now := time.Now().UTC()
	order := func(id int64, daysAgo int, channel string, items ...string) {
		var lines []commerce.LineInput
		for _, it := range items {
			price, cost := int64(20000), int64(8000)
			lines = append(lines, commerce.LineInput{SKU: it, Name: it, Quantity: 1, UnitPrice: &price, UnitCost: &cost})
		}
		at := now.AddDate(0, 0, -daysAgo)
		if _, err := s.Commerce.CreateOrder(sys, commerce.OrderInput{Currency: "TWD", Channel: channel, PlacedAt: &at,
			Customer: crm.CustomerRef{ContactID: &id}, Lines: lines}); err != nil {
			t.Fatal(err)
		}
	}
	// Twenty-four buyers: the first buys every 25 days, pasta with tea;
	// the others, drawn from a fixed seed, start at different times, buy
	// every so often and stop after each purchase with some chance (the
	// story the BG/NBD model tells), so that the models can be fitted.
	rng := rand.New(rand.NewPCG(1, 11))
	items := [][]string{{"PASTA", "TEA"}, {"RICE"}, {"SOAP"}, {"PASTA", "TEA", "RICE"}}
	channels := []string{"web", "store", "app"}
	for i := range 24 {
		name := "客戶" + strconv.Itoa(i+1)
		if i == 0 {
			name = "林美華"
		}
		id := contact(name)
		out.buyers[name] = id
		first := 30 + rng.IntN(335)
		gap := 10 + rng.IntN(60)
		stop := []float64{0.1, 0.3, 0.6}[rng.IntN(3)]
		if i == 0 {
			first, gap, stop = 200, 25, 0
		}
		for k, d := 0, first; d >= 1; k++ {
			order(id, d, channels[(i+k)%3], items[(i+k)%4]...)
			if i == 0 {
				order(id, d, "web", "PASTA", "TEA")
			}
			if rng.Float64() < stop {
				break
			}
			if i == 0 {
				d -= gap
			} else {
				d -= gap/2 + rng.IntN(gap)
			}
		}
	}
	out.browser = contact("周曉雯")
	for k := range 6 {
		at := now.Add(-time.Duration(k+1) * time.Hour)
		if _, _, err := s.Touchpoints.Record(sys, touchpoint.EventInput{Type: "product_view", Channel: "web", OccurredAt: &at,
			Customer: crm.CustomerRef{ContactID: &out.browser}}); err != nil {
			t.Fatal(err)
		}
	}
	idle := now.Add(-48 * time.Hour)
	if _, err := s.Commerce.CreateCart(sys, commerce.CartInput{Customer: crm.CustomerRef{ContactID: &out.browser}, Currency: "TWD",
		Lines: []commerce.CartLine{{SKU: "PASTA", Name: "Pasta 義大利麵", Quantity: 2, UnitPrice: 20000}}, LastActivityAt: &idle}); err != nil {
		t.Fatal(err)
	}
	pl, err := s.Sales.CreatePipeline(sys, sales.PipelineInput{Name: "Sales"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Sales.CreateDeal(sys, sales.DealInput{PipelineID: pl.ID, DealFields: sales.DealFields{Name: "婚宴包場", Amount: 3000000}}); err != nil {
		t.Fatal(err)
	}
	return out
}

// refreshInsight runs insight now, as the daily job does.
func refreshInsight(t *testing.T, s *testenv.Server) {
	t.Helper()
	if _, err := s.Insight.Refresh(crm.WithPrincipal(context.Background(), crm.System)); err != nil {
		t.Fatal(err)
	}
}

var segmentLinkRE = regexp.MustCompile(`href="(/segments/new\?[^"]+)"`)

// TestInsight walks the insight screens, the dashboard and the insight
// panel of a customer as an admin, on each store: the empty state, then
// after a run the RFM heat map with its links into the segment builder,
// the 80/20 sentence, the model's explanations, cohorts, a funnel,
// bundles in a sentence, the pain points; and in Traditional Chinese.
func TestInsight(t *testing.T) {
	for _, engine := range testenv.AvailableEngines(t) {
		t.Run(engine, func(t *testing.T) { testInsight(t, engine) })
	}
}

func testInsight(t *testing.T, engine string) {
	s := startServerOn(t, engine)
	b := newBrowser(t, s, "en")
	b.signIn("owner@example.com", password)

	p := b.get("/insight")
	expect(t, p, 200, `id="insight-empty"`, `id="run-insight"`, `href="/insight/cohorts"`,
		`<a href="/insight" aria-current="page">Insight</a>`)
	expect(t, b.get("/"), 200, `id="dashboard"`, "No sales in this period.", "No open deals.")

	sh := seedShop(t, s)
	refreshInsight(t, s)

	p = b.get("/insight")
	expect(t, p, 200, `id="rfm"`, `data-chart="{&#34;kind&#34;:&#34;heatmap&#34;`, `id="rfm-grid"`, "RFM heat map",
		`id="pareto-sentence"`, "of customers (", "of the profit.", "Champions", "Value tiers", "Most valuable",
		"First-time buyer", "P(alive): the probability", "vendor/echarts/echarts.min.js", "charts.js")
	if !regexp.MustCompile(`\d+% of customers \(\d+ of 24\) make 80% of the profit\.`).MatchString(p.Body) {
		t.Errorf("no 80/20 sentence:\n%s", p.Body)
	}
	// A cell of the grid opens the builder with its rule filled in, and
	// the preview counts its customers.
	var rfmLink string
	for _, m := range segmentLinkRE.FindAllStringSubmatch(p.Body, -1) {
		if strings.Contains(m[1], "rfm_r") {
			rfmLink = html.UnescapeString(m[1])
			break
		}
	}
	if rfmLink == "" {
		t.Fatalf("no cell links to the builder:\n%s", p.Body)
	}
	u, _ := url.Parse(rfmLink)
	if rule := u.Query().Get("rule"); !regexp.MustCompile(`^rfm_r = \d and rfm_f = \d$`).MatchString(rule) {
		t.Errorf("a cell links to the rule %q", rule)
	}
	p = b.get(rfmLink)
	expect(t, p, 200, `<option value="rfm_r" selected>`, `<option value="rfm_f" selected>`, `id="preview-size"`, `value="RFM R`)
	if strings.Contains(p.Body, `data-size="0"`) {
		t.Errorf("the cell's preview is empty:\n%s", p.Body)
	}
	expect(t, b.get(`/segments/new?rule=`+url.QueryEscape(`rfm_cell = "champions"`)+`&name=x`), 200, `<option value="rfm_cell" selected>`)
	expect(t, b.get(`/segments/new?rule=`+url.QueryEscape(`not (city = "x")`)), 200, `aria-pressed="true"`, `not (city = &#34;x&#34;)`)

	expect(t, b.get("/insight/cohorts?tz=Asia/Taipei"), 200, `id="cohort-table"`, "Month 0", "100%", `<option value="Asia/Taipei" selected>`)
	expect(t, b.get("/insight/cohorts?period=week&periods=60"), 200, `id="cohort-table"`, "Week 0")
	expect(t, b.get("/insight/funnel"), 200, `id="funnel-table"`, "Product view", "Checkout started", `&#34;kind&#34;:&#34;bar&#34;`)
	expect(t, b.get("/insight/funnel?step=purchase&window=30&days=90"), http.StatusUnprocessableEntity, `id="form-errors"`)
	p = b.get("/insight/bundles?min_support=10&min_confidence=20&days=400")
	expect(t, p, 200, `id="bundle-list"`, "of the orders with", "lift")
	if !regexp.MustCompile(`100% of the orders with (PASTA also include TEA|TEA also include PASTA); lift [0-9.]+\.`).MatchString(p.Body) {
		t.Errorf("no bundle sentence for pasta and tea:\n%s", p.Body)
	}
	expect(t, b.get("/insight/bundles?min_support=0"), http.StatusUnprocessableEntity, `id="form-errors"`)
	expect(t, b.get("/insight/bundles?segment=999"), http.StatusNotFound)
	id := strconv.FormatInt(sh.browser, 10)
	p = b.get("/insight/pain-points")
	expect(t, p, 200, `id="cart-list"`, `href="/customers/`+id+`"`, "周曉雯", "Pasta 義大利麵 × 2", "NT$400.00", `id="browser-list"`)

	// The dashboard.
	p = b.get("/?days=365")
	expect(t, p, 200, `id="kpis"`, `id="kpi-total"`, `<option value="365" selected>`, `id="top-customers"`, "林美華",
		`id="channel-table"`, "Web", "Store", `id="pareto-sentence"`, `id="pipeline-table"`, "Qualified", "NT$30,000.00", "1 open deal",
		"Revenue by channel", `href="/segments/new?`)
	expect(t, b.get("/?days=13"), 200, `<option value="30" selected>`)

	// The 360 page of a buyer has the insight panel.
	p = b.get("/customers/" + strconv.FormatInt(sh.buyers["林美華"], 10))
	expect(t, p, 200, `id="insight"`, `id="insight-cell"`, `id="insight-clv"`, `id="insight-lifecycle"`, `id="lifecycle-moves"`,
		"Lifecycle history", "What these figures mean")
	expect(t, b.get("/customers/"+id), 200, `id="insight"`, "Prospect")

	// Starting a run: the page follows the job until it is done.
	p = b.post("/insight/run", nil)
	m := regexp.MustCompile(`^/insight\?job=(\d+)#run$`).FindStringSubmatch(p.Location)
	if p.Status != http.StatusSeeOther || m == nil {
		t.Fatalf("run now: %d %s", p.Status, p.Location)
	}
	expect(t, b.get(strings.TrimSuffix(p.Location, "#run")), 200, `id="insight-run-status"`)
	deadline := time.Now().Add(30 * time.Second)
	for {
		p = b.get("/insight/run/"+m[1], "HX-Request", "true")
		if p.Status != 200 {
			t.Fatalf("progress: %d\n%s", p.Status, p.Body)
		}
		if p.Header.Get("HX-Refresh") == "true" {
			expect(t, p, 200, "Done: the figures below are up to date.")
			break
		}
		if strings.Contains(p.Body, "The run failed.") || time.Now().After(deadline) {
			t.Fatalf("the run did not finish:\n%s", p.Body)
		}
		time.Sleep(100 * time.Millisecond)
	}

	// In Traditional Chinese.
	zh := newBrowser(t, s, "zh-TW")
	zh.signIn("owner@example.com", password)
	p = zh.get("/insight")
	expect(t, p, 200, `<html lang="zh-Hant">`, "RFM 熱度圖", "的客戶（", "貢獻了 80% 的毛利", "冠軍客戶", "首購客戶", "終身價值模型")
	expect(t, zh.get("/"), 200, "營運總覽", "客戶總數", "各通路營收", "$30,000.00")
	expect(t, zh.get("/insight/bundles?min_support=10&min_confidence=20&days=400"), 200, "的訂單中，有 100% 也買了", "提升度")
	expect(t, zh.get("/insight/cohorts"), 200, "第 0 個月")
}

// TestInsightPermissions checks that nobody is shown what the services
// would refuse them: the views that add up every customer are for admins
// and viewers; agents and managers see the pain points among their own
// customers and a simpler dashboard; managers may start a run.
func TestInsightPermissions(t *testing.T) {
	s := startServer(t)
	sys := crm.WithPrincipal(context.Background(), crm.System)
	if _, err := s.Accounts.CreateUser(sys, account.UserFields{Email: "manager@example.com", Name: "Manager", Role: crm.RoleManager}, password); err != nil {
		t.Fatal(err)
	}
	sh := seedShop(t, s)
	refreshInsight(t, s)

	agent := newBrowser(t, s, "en")
	agent.signIn("agent@example.com", password)
	p := agent.get("/")
	expect(t, p, 200, `id="dashboard-restricted"`, "Your open pipeline by stage", `href="/insight/pain-points">Insight</a>`)
	for _, hidden := range []string{`id="kpis"`, "林美華", `id="pareto-sentence"`} {
		if strings.Contains(p.Body, hidden) {
			t.Errorf("an agent's dashboard shows %q", hidden)
		}
	}
	p = agent.get("/insight")
	expect(t, p, 200, `id="insight-restricted"`)
	for _, hidden := range []string{`id="run-insight"`, `id="rfm"`, `href="/insight/cohorts"`} {
		if strings.Contains(p.Body, hidden) {
			t.Errorf("an agent's insight page shows %q", hidden)
		}
	}
	for _, path := range []string{"/insight/cohorts", "/insight/funnel", "/insight/bundles"} {
		expect(t, agent.get(path), http.StatusForbidden, "only admins and viewers see them")
	}
	p = agent.get("/insight/pain-points")
	expect(t, p, 200, "The list of every cart is for admins, managers and viewers.", `id="browsers-empty"`)
	if strings.Contains(p.Body, "周曉雯") {
		t.Error("an agent sees a colleague's customer among the pain points")
	}
	expect(t, agent.post("/insight/run", nil), http.StatusForbidden)
	// A customer the agent sees as a basic card has no insight panel.
	if p := agent.get("/customers/" + strconv.FormatInt(sh.browser, 10)); strings.Contains(p.Body, `id="insight"`) {
		t.Error("the basic card shows the insight panel")
	}

	manager := newBrowser(t, s, "en")
	manager.signIn("manager@example.com", password)
	p = manager.get("/insight")
	expect(t, p, 200, `id="insight-restricted"`, `id="run-insight"`)
	p = manager.post("/insight/run", nil)
	if p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Location, "/insight?job=") {
		t.Fatalf("a manager's run: %d %s", p.Status, p.Location)
	}
	expect(t, manager.get(strings.TrimSuffix(p.Location, "#run")), 200, `id="insight-run-status"`)
	expect(t, manager.get("/insight/pain-points"), 200, `id="cart-list"`)

	viewer := newBrowser(t, s, "en")
	viewer.signIn("viewer@example.com", password)
	p = viewer.get("/insight")
	expect(t, p, 200, `id="rfm"`, `id="pareto-sentence"`)
	for _, hidden := range []string{`id="run-insight"`, "/segments/new"} {
		if strings.Contains(p.Body, hidden) {
			t.Errorf("a viewer's insight page shows %q", hidden)
		}
	}
	expect(t, viewer.post("/insight/run", nil), http.StatusForbidden)
	p = viewer.get("/")
	expect(t, p, 200, `id="kpis"`, "林美華")
	if strings.Contains(p.Body, "/segments/new") {
		t.Error("a viewer's dashboard links to the segment builder")
	}
}

// TestChartsAreVendored checks that ECharts is served from Guanxi itself,
// with its licence and notice, and only on the pages with charts.
func TestChartsAreVendored(t *testing.T) {
	s := startServer(t)
	b := newBrowser(t, s, "en")
	expect(t, b.get("/static/vendor/echarts/LICENSE"), 200, "Apache License")
	p := b.get("/static/vendor/echarts/NOTICE")
	expect(t, p, 200, "Apache ECharts")
	if ct := p.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Errorf("NOTICE is served as %q", ct)
	}
	expect(t, b.get("/static/vendor/echarts/VERSION"), 200, "echarts 5.6.0")
	b.signIn("owner@example.com", password)
	p = b.get("/")
	m := regexp.MustCompile(`src="(/static/vendor/echarts/echarts\.min\.js\?v=[0-9a-f]+)"`).FindStringSubmatch(p.Body)
	if m == nil {
		t.Fatalf("the dashboard does not load ECharts:\n%s", p.Body)
	}
	if f := b.get(m[1]); f.Status != 200 || !strings.Contains(f.Body, "echarts") {
		t.Errorf("%s: %d", m[1], f.Status)
	}
	if strings.Contains(b.get("/customers").Body, "echarts") {
		t.Error("a page without charts loads ECharts")
	}
}
