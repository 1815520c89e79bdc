package e2e_test

import (
	"context"
	"math/rand/v2"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/guanxi-crm/guanxi/internal/commerce"
	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/i18n"
	"github.com/guanxi-crm/guanxi/internal/sales"
	"github.com/guanxi-crm/guanxi/internal/testenv"
	"github.com/guanxi-crm/guanxi/internal/touchpoint"
)

// TestInsightUI signs in as an admin after an insight run, in English and
// again in Traditional Chinese (on PostgreSQL where it answers): the
// dashboard with its charts, the insight page with the RFM heat map and
// the 80/20 sentence, a run started from the page, a cell of the grid
// opened in the segment builder, the other insight screens and a
// customer's insight panel; and the dashboard and insight on a phone.
func TestInsightUI(t *testing.T) {
	browserCtx := startBrowser(t)
	engines := testenv.AvailableEngines(t)
	for _, j := range journeys(engines) {
		t.Run("insight/"+j.lang+"/"+j.engine, func(t *testing.T) {
			s := testenv.StartServer(t, j.engine)
			seedAdmin(t, s)
			top := seedShop(t, s)
			u := newTab(t, browserCtx, s, j.lang, j.acceptLanguage, "insight-"+j.lang, 0, 0)
			u.signInAs(adminEmail, adminPassword)
			u.dashboard()
			u.insight()
			u.insightViews(top)
		})
	}
	t.Run("insight-phone-375px", func(t *testing.T) {
		s := testenv.StartServer(t, engines[0])
		seedAdmin(t, s)
		seedShop(t, s)
		u := newTab(t, browserCtx, s, i18n.Traditional, "zh-TW", "insight-phone", 375, 740)
		u.signInAs(adminEmail, adminPassword)
		u.do("opening the dashboard", chromedp.Navigate(u.s.URL+"/"), chromedp.WaitVisible(chromedp.ID("kpis")))
		u.chartsDrawn(3)
		u.checkPage("dashboard")
		u.do("opening insight", chromedp.Navigate(u.s.URL+"/insight"), chromedp.WaitVisible(chromedp.ID("rfm")))
		u.chartsDrawn(2)
		u.checkPage("insight")
		u.do("opening the cohorts", chromedp.Navigate(u.s.URL+"/insight/cohorts"), chromedp.WaitVisible(chromedp.ID("cohort-table")))
		u.checkPage("cohorts")
	})
}

// seedShop adds a small shop's year through the services and runs
// insight: twenty-four buyers (the first, 林美華, buys pasta with tea every
// 25 days; the others start, buy and stop as the BG/NBD story has it, from
// a fixed seed, so that the models can be fitted), a visitor who browses
// without buying and leaves a cart, and an open deal. It returns the id of
// the top buyer.
func seedShop(t *testing.T, s *testenv.Server) int64 {
	t.Helper()
	sys := crm.WithPrincipal(context.Background(), crm.System)
	contact := func(name string) int64 {
		c, err := s.Customers.CreateContact(sys, customer.ContactFields{DisplayName: name}, customerWrite)
		if err != nil {
			t.Fatal(err)
		}
		return c.ID
	}
	now := time.Now().UTC()
	var batch []commerce.OrderInput
	order := func(id int64, daysAgo int, channel string, items ...string) {
		var lines []commerce.LineInput
		for _, it := range items {
			price, cost := int64(20000), int64(8000)
			lines = append(lines, commerce.LineInput{SKU: it, Name: it, Quantity: 1, UnitPrice: &price, UnitCost: &cost})
		}
		at := now.AddDate(0, 0, -daysAgo)
		batch = append(batch, commerce.OrderInput{Currency: "TWD", Channel: channel, PlacedAt: &at,
			Customer: crm.CustomerRef{ContactID: &id}, Lines: lines})
	}
	rng := rand.New(rand.NewPCG(1, 11))
	items := [][]string{{"PASTA", "TEA"}, {"RICE"}, {"COFFEE", "CAKE"}, {"PASTA", "TEA", "RICE"}, {"SOAP"}, {"CAKE"}}
	channels := []string{"web", "store", "app"}
	var buyers []int64
	for i := range 24 {
		name := "客戶" + strconv.Itoa(i+1)
		if i == 0 {
			name = "林美華"
		}
		id := contact(name)
		buyers = append(buyers, id)
		first := 30 + rng.IntN(335)
		gap := 10 + rng.IntN(60)
		stop := []float64{0.1, 0.3, 0.6}[rng.IntN(3)]
		if i == 0 {
			first, gap, stop = 200, 25, 0
		}
		for k, d := 0, first; d >= 1; k++ {
			order(id, d, channels[(i+k)%3], items[(i+k)%len(items)]...)
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
	res, err := s.Commerce.CreateOrders(sys, batch)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if r.Err != nil {
			t.Fatal(r.Err)
		}
	}
	browser := contact("周曉雯")
	var views []touchpoint.EventInput
	for k := range 6 {
		at := now.Add(-time.Duration(k+1) * time.Hour)
		views = append(views, touchpoint.EventInput{Type: "product_view", Channel: "web", OccurredAt: &at, Customer: crm.CustomerRef{ContactID: &browser}})
	}
	// Some of the buyers went the whole way from a product page to a
	// purchase in the last weeks, others stopped on the way; one came to
	// the shop often, and no longer does.
	steps := []string{"product_view", "add_to_cart", "checkout_started", "purchase"}
	for i := range 10 {
		id := buyers[i]
		for k, step := range steps[:[]int{4, 4, 4, 3, 3, 2, 2, 1, 1, 1}[i]] {
			at := now.AddDate(0, 0, -20+i).Add(time.Duration(k) * time.Minute)
			views = append(views, touchpoint.EventInput{Type: step, Channel: "web", OccurredAt: &at, Customer: crm.CustomerRef{ContactID: &id}})
		}
	}
	regular := contact("何志強")
	for k := range 8 {
		at := now.AddDate(0, 0, -40-7*k)
		views = append(views, touchpoint.EventInput{Type: "store_visit", Channel: "store", OccurredAt: &at, Customer: crm.CustomerRef{ContactID: &regular}})
	}
	if _, err := s.Touchpoints.RecordBatch(sys, views); err != nil {
		t.Fatal(err)
	}
	idle := now.Add(-48 * time.Hour)
	if _, err := s.Commerce.CreateCart(sys, commerce.CartInput{Customer: crm.CustomerRef{ContactID: &browser}, Currency: "TWD",
		Lines: []commerce.CartLine{{SKU: "PASTA", Name: "Pasta 義大利麵", Quantity: 2, UnitPrice: 20000}}, LastActivityAt: &idle}); err != nil {
		t.Fatal(err)
	}
	pl, err := s.Sales.CreatePipeline(sys, sales.PipelineInput{Name: "Sales"})
	if err != nil {
		t.Fatal(err)
	}
	for i, amount := range []int64{3000000, 1200000, 450000} {
		d, err := s.Sales.CreateDeal(sys, sales.DealInput{PipelineID: pl.ID, StageID: pl.Stages[i].ID, DealFields: sales.DealFields{Name: "婚宴包場 " + strconv.Itoa(i+1), Amount: amount}})
		if err != nil {
			t.Fatal(err, d)
		}
	}
	if _, err := s.Insight.Refresh(sys); err != nil {
		t.Fatal(err)
	}
	return buyers[0]
}

// chartsDrawn waits until at least n charts are drawn, each on a canvas,
// and done drawing (the screenshots show them whole).
func (u *ui) chartsDrawn(n int) {
	u.t.Helper()
	u.waitFor("the charts", `window.echarts && document.querySelectorAll('[data-chart][data-finished="1"] canvas').length >= `+strconv.Itoa(n))
}

// waitThroughReload waits until a JavaScript expression is true on the
// page, while the page may reload (a poll cannot span a navigation).
func (u *ui) waitThroughReload(what, expression string) {
	u.t.Helper()
	deadline := time.Now().Add(stepTimeout)
	for {
		ctx, cancel := context.WithTimeout(u.ctx, 2*time.Second)
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](expression))
		cancel()
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			u.screenshot("failed-" + slug(what))
			u.t.Fatalf("%s: still not so after %s (%v)", what, stepTimeout, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// dashboard looks at the owner's dashboard: the figures, the charts and a
// top customer that leads to their page.
func (u *ui) dashboard() {
	u.t.Helper()
	u.do("opening the dashboard", chromedp.Navigate(u.s.URL+"/"), chromedp.WaitVisible(chromedp.ID("kpis")))
	u.chartsDrawn(3) // revenue by channel, the 80/20 curve, the pipeline
	if got := u.text("kpi-total"); got != "24" {
		u.t.Errorf("the dashboard counts %q customers", got)
	}
	if got := u.text("top-customers"); !strings.Contains(got, "林美華") {
		u.t.Errorf("the top customers are %q", got)
	}
	u.checkPage("dashboard")
}

var paretoSentence = map[string]*regexp.Regexp{
	i18n.English:     regexp.MustCompile(`^\d+(\.\d)?% of customers \(\d+ of 24\) make 80% of the profit\.$`),
	i18n.Traditional: regexp.MustCompile(`^\d+(\.\d)?% 的客戶（24 位中的 \d+ 位）貢獻了 80% 的毛利。$`),
}

// insight opens the insight page: the RFM heat map drawn, the 80/20
// sentence; starts a run and sees it finish; opens a cell of the grid in
// the segment builder.
func (u *ui) insight() {
	u.t.Helper()
	u.ready()
	u.do("opening insight", chromedp.Click(chromedp.CSS(`nav a[href="/insight"]`)), chromedp.WaitVisible(chromedp.ID("rfm")))
	u.ready()
	u.chartsDrawn(2)
	if n := run(u, "counting the heat map's canvas", chromedp.Evaluate[int](`document.querySelectorAll('#rfm [data-chart][data-finished="1"] canvas').length`)); n != 1 {
		u.t.Errorf("the RFM heat map is drawn on %d canvases", n)
	}
	if got := u.text("pareto-sentence"); !paretoSentence[u.lang].MatchString(got) {
		u.t.Errorf("the 80/20 sentence is %q", got)
	}
	if got := u.text("rfm-cells"); !strings.Contains(got, u.msg("rfm_cell.champions")) {
		u.t.Errorf("the named cells are %q", got)
	}
	if got := u.text("model-explain"); !strings.Contains(got, "P(alive)") {
		u.t.Errorf("the model's explanations are %q", got)
	}
	u.checkPage("insight")

	u.do("running insight now", chromedp.Click(chromedp.ID("run-insight")), chromedp.WaitVisible(chromedp.ID("insight-run-status")))
	u.waitThroughReload("the run to finish", `document.readyState === 'complete' && (document.getElementById('insight-run-status') || {}).textContent === `+
		jsString(u.msg("insight_job.succeeded"))+` && !!document.getElementById('rfm')`)
	u.ready()
	u.chartsDrawn(2)
	u.checkPage("insight-after-run")

	// The figures under the heat map are a table whose cells lead to the
	// builder, with the cell's rule and its customers in the preview.
	u.do("showing the grid as a table", chromedp.Click(chromedp.CSS(`#rfm details.figures summary`)), chromedp.WaitVisible(chromedp.ID("rfm-grid")))
	u.do("opening a cell", chromedp.Click(chromedp.CSS(`#rfm-grid td a`)), chromedp.WaitVisible(chromedp.ID("f-c0-field")))
	u.waitFor("the cell's customers", `+((document.getElementById('preview-size') || {dataset: {}}).dataset.size || 0) > 0`)
	if got := run(u, "reading the field", chromedp.Value(chromedp.ID("f-c0-field"))); got != "rfm_r" {
		u.t.Errorf("the cell's first condition is on %q", got)
	}
	u.checkPage("rfm-cell-builder")
}

// insightViews opens the cohorts, a funnel, the bundles, the pain points
// and the insight panel of the top buyer.
func (u *ui) insightViews(top int64) {
	u.t.Helper()
	u.do("opening the cohorts", chromedp.Navigate(u.s.URL+"/insight/cohorts"), chromedp.WaitVisible(chromedp.ID("cohort-table")))
	u.checkPage("cohorts")
	u.do("opening the funnel", chromedp.Navigate(u.s.URL+"/insight/funnel"), chromedp.WaitVisible(chromedp.ID("funnel-table")))
	u.chartsDrawn(1)
	u.checkPage("funnel")
	u.do("opening the bundles", chromedp.Navigate(u.s.URL+"/insight/bundles?min_support=10&min_confidence=20&days=400"), chromedp.WaitVisible(chromedp.ID("bundle-list")))
	want := map[string]string{i18n.English: "of the orders with", i18n.Traditional: "的訂單中，有"}[u.lang]
	if got := u.text("bundle-list"); !strings.Contains(got, want) || !strings.Contains(got, "PASTA") {
		u.t.Errorf("the bundles say %q", got)
	}
	u.checkPage("bundles")
	u.do("opening the pain points", chromedp.Navigate(u.s.URL+"/insight/pain-points"), chromedp.WaitVisible(chromedp.ID("cart-list")))
	if got := u.text("browser-list"); !strings.Contains(got, "周曉雯") {
		u.t.Errorf("the browsers are %q", got)
	}
	if got := u.text("declining-list"); !strings.Contains(got, "何志強") {
		u.t.Errorf("those visiting less are %q", got)
	}
	u.checkPage("pain-points")
	u.do("opening the top buyer", chromedp.Navigate(u.s.URL+"/customers/"+strconv.FormatInt(top, 10)), chromedp.WaitVisible(chromedp.ID("insight")))
	if got := u.text("insight-lifecycle"); got == "" || got == "–" {
		u.t.Errorf("the top buyer's lifecycle stage is %q", got)
	}
	u.checkPage("customer-insight")
}
