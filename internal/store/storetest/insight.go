package storetest

import (
	"slices"
	"testing"
	"time"

	"github.com/guanxi-crm/guanxi/internal/commerce"
	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/insight"
	"github.com/guanxi-crm/guanxi/internal/segment"
	"github.com/guanxi-crm/guanxi/internal/touchpoint"
)

var insightTests = []test{
	{"Lifecycle", testInsLifecycle},
	{"Pareto", testInsPareto},
	{"Buyers", testInsBuyers},
	{"Cohorts", testInsCohorts},
	{"Funnel", testInsFunnel},
	{"Baskets", testInsBaskets},
	{"PainPoints", testInsPainPoints},
	{"Access", testInsAccess},
}

func (e *env) insight() *insight.Service { return insight.NewService(e.st, e.clock) }

// insBuy records a paid order of one line for a contact, days ago.
func (e *env) insBuy(id int64, daysAgo int, price int64, skus ...string) {
	e.t.Helper()
	at := e.now().AddDate(0, 0, -daysAgo)
	in := commerce.OrderInput{Customer: crm.CustomerRef{ContactID: &id}, PlacedAt: &at}
	if len(skus) == 0 {
		in.Lines = []commerce.LineInput{{Name: "item", Quantity: 1, UnitPrice: &price}}
	}
	for _, sku := range skus {
		in.Lines = append(in.Lines, commerce.LineInput{SKU: sku, Name: sku, Quantity: 1, UnitPrice: &price})
	}
	e.comOrder(in)
}

// insEvents records events of a type for a contact, days ago each.
func (e *env) insEvents(id int64, typ string, daysAgo ...int) {
	e.t.Helper()
	var evs []touchpoint.EventInput
	for _, d := range daysAgo {
		at := e.now().AddDate(0, 0, -d)
		evs = append(evs, touchpoint.EventInput{Type: typ, Channel: "web", OccurredAt: &at, Customer: crm.CustomerRef{ContactID: &id}})
	}
	e.tpBatch(e.sys, evs...)
}

func testInsLifecycle(t *testing.T, e *env) {
	ids := map[string]int64{}
	for _, n := range []string{"Lead", "Prospect", "One", "Two", "Five", "Old", "Gone"} {
		ids[n] = e.named(n).ID
	}
	e.insEvents(ids["Prospect"], "page_view", 3)
	e.insBuy(ids["One"], 10, 100)
	e.insBuy(ids["Two"], 40, 100)
	e.insBuy(ids["Two"], 10, 100)
	for _, d := range []int{50, 40, 30, 20, 10} {
		e.insBuy(ids["Five"], d, 100)
	}
	e.insBuy(ids["Old"], 220, 100)
	e.insBuy(ids["Old"], 200, 100)
	e.insBuy(ids["Gone"], 400, 100)
	svc := e.insight()
	run, err := svc.Refresh(e.sys)
	if err != nil {
		t.Fatal(err)
	}
	// Five buyers are too few to fit the models: the run says so and
	// churn risk goes by recency alone (defaults: at risk after 90 days,
	// lapsed after 365, loyal from 5 orders).
	if run.Model != nil || run.ModelError == "" || run.Customers != 5 || run.Contacts != 7 {
		t.Errorf("run: model %v (%q), %d customers of %d contacts", run.Model, run.ModelError, run.Customers, run.Contacts)
	}
	want := map[string]string{"Lead": "lead", "Prospect": "prospect", "One": "first_time", "Two": "repeat", "Five": "loyal", "Old": "at_risk", "Gone": "lapsed"}
	for name, stage := range want {
		ci, err := svc.Contact(e.sys, ids[name], e.cs.ReadableContact)
		if err != nil {
			t.Fatal(err)
		}
		if ci.Scores == nil || ci.Scores.Lifecycle != stage {
			t.Errorf("%s: scores %+v; want lifecycle %s", name, ci.Scores, stage)
			continue
		}
		buyer := name != "Lead" && name != "Prospect"
		if (ci.Scores.R != nil) != buyer || (ci.Scores.Cell != nil) != buyer || (ci.Scores.ChurnRisk != nil) != buyer {
			t.Errorf("%s: RFM %v, cell %v, risk %v", name, ci.Scores.R, ci.Scores.Cell, ci.Scores.ChurnRisk)
		}
		if len(ci.Moves) != 1 || ci.Moves[0].From != "" || ci.Moves[0].To != stage {
			t.Errorf("%s: moves %+v", name, ci.Moves)
		}
	}
	if run.Lifecycle["loyal"] != 1 || run.ChurnRisk["high"] != 1 || run.ChurnRisk["medium"] != 1 || run.ChurnRisk["low"] != 3 {
		t.Errorf("counts: lifecycle %v, churn %v", run.Lifecycle, run.ChurnRisk)
	}
	// The most recent, most frequent buyer scores highest on R and F.
	five, _ := e.st.ContactScore(e.sys, ids["Five"])
	gone, _ := e.st.ContactScore(e.sys, ids["Gone"])
	if *five.R <= *gone.R || *five.F <= *gone.F {
		t.Errorf("RFM: Five R%d F%d, Gone R%d F%d", *five.R, *five.F, *gone.R, *gone.F)
	}
	// Segments test the stored figures.
	segs := e.segments()
	for text, n := range map[string]int64{`lifecycle = "loyal"`: 1, `rfm_r >= 1`: 5, `lifecycle in ("lead", "prospect")`: 2, `churn_risk = "high"`: 1} {
		p, err := segs.Preview(e.sys, segment.Input{Text: text}, 10)
		if err != nil || p.Size != n {
			t.Errorf("%s: %v, %v; want %d", text, p, err, n)
		}
	}
	// Gone comes back: the next run records the move.
	e.tick(24 * time.Hour)
	e.insBuy(ids["Gone"], 0, 100)
	if run, err = svc.Refresh(e.sys); err != nil {
		t.Fatal(err)
	}
	if run.Moves != 1 {
		t.Errorf("second run recorded %d moves, want 1", run.Moves)
	}
	moves, err := e.st.LifecycleMoves(e.sys, ids["Gone"], 10)
	if err != nil || len(moves) != 2 || moves[0].From != "lapsed" || moves[0].To != "repeat" || !moves[0].At.Equal(e.now()) {
		t.Errorf("Gone's moves %+v, %v", moves, err)
	}
	last, err := svc.LastRun(e.sys)
	if err != nil || last == nil || !last.At.Equal(e.now()) {
		t.Errorf("last run %+v, %v", last, err)
	}
}

func testInsPareto(t *testing.T, e *env) {
	for name, price := range map[string]int64{"A": 800, "B": 150, "C": 50} {
		e.insBuy(e.named(name).ID, 5, price)
	}
	e.named("Never bought")
	svc := e.insight()
	v, err := svc.Pareto(e.sys, 80, 4, 2)
	if err != nil {
		t.Fatal(err)
	}
	// 800 of 1000 is 80%: one customer of three makes it.
	if v.Customers != 3 || v.Pareto.Top != 1 || v.Share == nil || *v.Share != 1.0/3 {
		t.Errorf("pareto: %d customers, top %d, share %v", v.Customers, v.Pareto.Top, v.Share)
	}
	if len(v.Pareto.Curve) == 0 || v.Pareto.Curve[len(v.Pareto.Curve)-1].ProfitShare != 1 {
		t.Errorf("curve %+v", v.Pareto.Curve)
	}
	if top := v.TopCustomers; len(top) != 2 || top[0].Name != "A" || top[1].Name != "B" || top[0].Profit != 800 {
		t.Errorf("top %+v", top)
	}
	// The service keeps the view until the data changes: a new buyer is in
	// the next one.
	e.insBuy(e.named("D").ID, 5, 3000)
	v, err = svc.Pareto(e.sys, 80, 4, 2)
	if err != nil {
		t.Fatal(err)
	}
	if top := v.TopCustomers; v.Customers != 4 || len(top) != 2 || top[0].Name != "D" || top[1].Name != "A" {
		t.Errorf("after another order: %d customers, top %+v", v.Customers, top)
	}
}

// testInsBuyers: the figures the insight run reads of each buyer follow
// their sales as they are placed, returned, refunded and merged.
func testInsBuyers(t *testing.T, e *env) {
	a, b := e.named("Buyer A").ID, e.named("Buyer B").ID
	e.named("Never bought")
	day := time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
	order := func(id int64, at time.Time, kind string, price int64) *commerce.Order {
		cost := price / 2
		return e.comOrder(commerce.OrderInput{Kind: kind, Customer: crm.CustomerRef{ContactID: &id}, PlacedAt: &at,
			Lines: []commerce.LineInput{{Name: "x", Quantity: 1, UnitPrice: &price, UnitCost: &cost}}})
	}
	order(a, day.Add(9*time.Hour), "", 1000)
	order(a, day.Add(20*time.Hour), "", 600)      // the same day (UTC)
	order(a, day.AddDate(0, 0, 3), "", 400)       // a second purchase day
	order(a, day.AddDate(0, 0, 4), "return", 300) // no sale
	refunded := order(b, day.AddDate(0, 0, 1), "", 800)
	order(b, day.AddDate(0, 0, 2), "", 200)
	if _, err := e.com.RefundOrder(e.sys, refunded.ID, 0, commerce.RefundInput{Amount: 800}); err != nil {
		t.Fatal(err)
	}
	buyers := func() map[int64]insight.Buyer {
		out := map[int64]insight.Buyer{}
		if err := e.st.EachBuyer(e.sys, func(b insight.Buyer) error { out[b.ContactID] = b; return nil }); err != nil {
			t.Fatal(err)
		}
		return out
	}
	got := buyers()
	want := map[int64]insight.Buyer{
		a: {ContactID: a, FirstOrder: day.Add(9 * time.Hour), LastOrder: day.AddDate(0, 0, 3), Orders: 3, Revenue: 2000, Profit: 1000,
			PurchaseDays: 2, FirstDayRevenue: 1600},
		// The refunded sale no longer counts: B's first sale is the second.
		b: {ContactID: b, FirstOrder: day.AddDate(0, 0, 2), LastOrder: day.AddDate(0, 0, 2), Orders: 1, Revenue: 200, Profit: 100,
			PurchaseDays: 1, FirstDayRevenue: 200},
	}
	sameBuyers := func(what string, got, want map[int64]insight.Buyer) {
		t.Helper()
		if len(got) != len(want) {
			t.Errorf("%s: %d buyers %+v; want %d", what, len(got), got, len(want))
		}
		for id, w := range want {
			g := got[id]
			if !g.FirstOrder.Equal(w.FirstOrder) || !g.LastOrder.Equal(w.LastOrder) {
				t.Errorf("%s: buyer %d's sales span %v–%v; want %v–%v", what, id, g.FirstOrder, g.LastOrder, w.FirstOrder, w.LastOrder)
			}
			g.FirstOrder, g.LastOrder, w.FirstOrder, w.LastOrder = time.Time{}, time.Time{}, time.Time{}, time.Time{}
			if g != w {
				t.Errorf("%s: buyer %d is %+v; want %+v", what, id, g, w)
			}
		}
	}
	sameBuyers("after the sales", got, want)
	// B merged into A: A's sales are both's, B is no buyer of its own.
	if _, err := e.cs.MergeContacts(e.sys, a, b, 0); err != nil {
		t.Fatal(err)
	}
	sameBuyers("after a merge", buyers(), map[int64]insight.Buyer{
		a: {ContactID: a, FirstOrder: day.Add(9 * time.Hour), LastOrder: day.AddDate(0, 0, 3), Orders: 4, Revenue: 2200, Profit: 1100,
			PurchaseDays: 3, FirstDayRevenue: 1600},
	})
}

func testInsCohorts(t *testing.T, e *env) {
	// The clock is 2026-03-02: January's cohort is Jan and Ken, February's
	// is Feb; Jan bought again in February and March, Feb in March.
	jan, ken, feb := e.named("Jan").ID, e.named("Ken").ID, e.named("Feb").ID
	at := func(id int64, day string) {
		t0, _ := time.Parse(time.DateOnly, day)
		price := int64(100)
		e.comOrder(commerce.OrderInput{Customer: crm.CustomerRef{ContactID: &id}, PlacedAt: &t0,
			Lines: []commerce.LineInput{{Name: "x", Quantity: 1, UnitPrice: &price}}})
	}
	at(jan, "2026-01-05")
	at(ken, "2026-01-20")
	at(jan, "2026-02-10")
	at(feb, "2026-02-03")
	at(jan, "2026-03-01")
	at(feb, "2026-03-01")
	res, err := e.insight().Cohorts(e.sys, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), e.now(), "month", time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Cohorts) != 2 {
		t.Fatalf("cohorts %+v", res.Cohorts)
	}
	c1, c2 := res.Cohorts[0], res.Cohorts[1]
	if c1.Size != 2 || !slices.Equal(c1.Active, []int{2, 1, 1}) || c2.Size != 1 || !slices.Equal(c2.Active, []int{1, 1}) {
		t.Errorf("cohorts: %+v / %+v", c1, c2)
	}
	if c1.Percent[1] != 50 {
		t.Errorf("January month 1: %v%%", c1.Percent[1])
	}
	if _, err := e.insight().Cohorts(e.sys, e.now(), e.now(), "day", time.UTC); !crm.IsKind(err, crm.KindInvalid) {
		t.Errorf("bad period and window: %v", err)
	}
}

func testInsFunnel(t *testing.T, e *env) {
	a, b, c := e.named("A").ID, e.named("B").ID, e.named("C").ID
	e.insEvents(a, "product_view", 5)
	e.insEvents(a, "add_to_cart", 4)
	e.insEvents(a, "purchase", 3)
	e.insEvents(b, "product_view", 5)
	e.insEvents(b, "add_to_cart", 4)
	e.insEvents(c, "product_view", 5)
	e.insEvents(c, "add_to_cart", 6) // before c's view: it does not count
	steps, err := e.insight().Funnel(e.sys, []string{"product_view", "add_to_cart", "purchase"}, 30*24*time.Hour, e.now().AddDate(0, 0, -30), e.now())
	if err != nil {
		t.Fatal(err)
	}
	got := []int{steps[0].Customers, steps[1].Customers, steps[2].Customers}
	if !slices.Equal(got, []int{3, 2, 1}) || steps[1].DropOff != 1 || steps[2].DropOff != 1 {
		t.Errorf("funnel %+v", steps)
	}
	if _, err := e.insight().Funnel(e.sys, []string{"only_one"}, 0, e.now().AddDate(0, 0, -1), e.now()); !crm.IsKind(err, crm.KindInvalid) {
		t.Errorf("a funnel of one step: %v", err)
	}
}

func testInsBaskets(t *testing.T, e *env) {
	a, b := e.named("A").ID, e.named("B").ID
	e.insBuy(a, 3, 10, "PASTA", "TEA")
	e.insBuy(a, 2, 10, "PASTA", "TEA")
	e.insBuy(b, 2, 10, "CAKE")
	e.insBuy(b, 1, 10, "CAKE")
	svc := e.insight()
	from, to := e.now().AddDate(0, 0, -30), e.now()
	res, err := svc.Baskets(e.sys, insight.BasketParams{From: from, To: to, MinSupport: 0.25, MinConfidence: 0.5, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	// PASTA ⇒ TEA and back: support 2/4, confidence 1, lift 1 / (2/4) = 2.
	if res.Orders != 4 || res.Items != 3 || len(res.Rules) != 2 || len(res.Bundles) != 1 {
		t.Fatalf("baskets %+v", res)
	}
	bd := res.Bundles[0]
	if bd.Support != 0.5 || bd.Lift != 2 || bd.ConfidenceAToB != 1 || !slices.Equal([]string{bd.A, bd.B}, []string{"PASTA", "TEA"}) {
		t.Errorf("bundle %+v", bd)
	}
	// Restricted to a segment of B: only cakes, no pairs.
	seg, err := e.segments().Create(e.sys, segment.Input{Name: "B", Text: `display_name = "B"`})
	if err != nil {
		t.Fatal(err)
	}
	res, err = svc.Baskets(e.sys, insight.BasketParams{From: from, To: to, SegmentID: seg.ID, MinSupport: 0.25, MinConfidence: 0.5, Limit: 10})
	if err != nil || res.Orders != 2 || len(res.Rules) != 0 {
		t.Errorf("segment's baskets %+v, %v", res, err)
	}
}

func testInsPainPoints(t *testing.T, e *env) {
	browser, buyer, fading, steady := e.named("Browser").ID, e.named("Buyer").ID, e.named("Fading").ID, e.named("Steady").ID
	e.insEvents(browser, "product_view", 1, 2, 3, 4, 5, 6)
	e.insEvents(buyer, "product_view", 1, 2, 3, 4, 5, 6)
	e.insBuy(buyer, 1, 100)
	// Fading: 10 visits 40–100 days ago, none since. Steady: 4 then 4.
	e.insEvents(fading, "store_visit", 40, 50, 55, 60, 70, 75, 80, 90, 95, 100)
	e.insEvents(steady, "store_visit", 40, 60, 80, 100, 5, 10, 15, 20)
	svc := e.insight()
	list, err := svc.Browsers(e.sys, 30, 5, 50)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || list[0].ContactID != browser || list[0].Events != 6 {
		t.Errorf("browsers %+v", list)
	}
	list, err = svc.Declining(e.sys, 30, 90, 0.5, 4, 50)
	if err != nil {
		t.Fatal(err)
	}
	// Fading's base rate is 10 per 90 days, 3.3 per 30: 0 ≤ half of it.
	if len(list) != 1 || list[0].ContactID != fading || list[0].Events != 0 || list[0].Before < 3.3 || list[0].Before > 3.4 {
		t.Errorf("declining %+v", list)
	}
}

func testInsAccess(t *testing.T, e *env) {
	team := e.team("North")
	agent := e.user("Agent Wu", crm.RoleAgent, team)
	mine := e.contact(e.as(agent), customer.ContactFields{DisplayName: "Mine"})
	other := e.named("Other")
	e.insEvents(mine.ID, "product_view", 1, 2, 3, 4, 5)
	e.insEvents(other.ID, "product_view", 1, 2, 3, 4, 5)
	svc := e.insight()
	if _, err := svc.Pareto(e.as(agent), 80, 10, 10); !crm.IsKind(err, crm.KindForbidden) {
		t.Errorf("an agent read the 80/20 view: %v", err)
	}
	if _, err := svc.Refresh(e.as(agent)); !crm.IsKind(err, crm.KindForbidden) {
		t.Errorf("an agent ran insight: %v", err)
	}
	if _, err := svc.PutSettings(e.as(e.user("Manager Lin", crm.RoleManager, team)), insight.Settings{RFMBins: 4}); !crm.IsKind(err, crm.KindForbidden) {
		t.Errorf("a manager changed the settings: %v", err)
	}
	if _, err := svc.Contact(e.as(agent), other.ID, e.cs.ReadableContact); !crm.IsKind(err, crm.KindForbidden) {
		t.Errorf("an agent read another's scores: %v", err)
	}
	list, err := svc.Browsers(e.as(agent), 30, 5, 50)
	if err != nil || len(list) != 1 || list[0].ContactID != mine.ID {
		t.Errorf("the agent's browsers %+v, %v", list, err)
	}
	if _, err := svc.PutSettings(e.sys, insight.Settings{AtRiskDays: 400, LapsedDays: 300}); !crm.IsKind(err, crm.KindInvalid) {
		t.Errorf("lapsed before at risk: %v", err)
	}
	set, err := svc.PutSettings(e.sys, insight.Settings{RFMBins: 4})
	if err != nil || set.RFMBins != 4 || set.LapsedDays != 365 {
		t.Errorf("settings %+v, %v", set, err)
	}
}
