package storetest

import (
	"cmp"
	"slices"
	"testing"
	"time"

	"github.com/guanxi-crm/guanxi/internal/commerce"
	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/report"
)

var reportTests = []test{
	{"Overview", testRepOverview},
	{"Empty", testRepEmpty},
	{"Access", testRepAccess},
}

// repOrder is one order of a report's history: one line of qty 1.
type repOrder struct {
	who          string // contact name; "" for a guest
	at           time.Time
	channel      string
	kind, status string // sale and paid when empty
	price, cost  int64
	refund       int64
}

func (r repOrder) model() *comModel {
	m := &comModel{kind: cmp.Or(r.kind, "sale"), status: cmp.Or(r.status, "paid"), placed: r.at,
		lines: []comLine{{qty: 1, price: r.price, cost: &r.cost}}}
	if r.refund > 0 {
		m.refunds = []int64{r.refund}
		if r.refund == r.price {
			m.status = "refunded"
		}
	}
	return m
}

// repWant computes what Overview should say of [from, to) from the history,
// by the definitions of package report's documentation.
func repWant(history []repOrder, ids map[string]int64, from, to time.Time) (report.CustomerCounts, report.Sales, report.Sales,
	[]report.ChannelSales, []report.CustomerSales) {
	previous := from.Add(-to.Sub(from))
	in := func(t, a, b time.Time) bool { return !t.Before(a) && t.Before(b) }
	salesOf := func(a, b time.Time) report.Sales {
		var s report.Sales
		for _, r := range history {
			if in(r.at, a, b) {
				m := r.model()
				f := m.figures()
				s.Revenue += f.Revenue
				s.Profit += f.Profit
				if m.counted() {
					s.Orders++
				}
			}
		}
		return s
	}
	// Buyers: contacts with a counted sale before the end.
	type buyer struct {
		first                time.Time
		inPeriod, inPrevious bool
		hasFirst             bool
	}
	buyers := map[string]*buyer{}
	for _, r := range history {
		if r.who == "" || !r.model().counted() || !r.at.Before(to) {
			continue
		}
		b := buyers[r.who]
		if b == nil {
			b = &buyer{}
			buyers[r.who] = b
		}
		if !b.hasFirst || r.at.Before(b.first) {
			b.first, b.hasFirst = r.at, true
		}
		b.inPeriod = b.inPeriod || in(r.at, from, to)
		b.inPrevious = b.inPrevious || in(r.at, previous, from)
	}
	var counts report.CustomerCounts
	for _, b := range buyers {
		counts.Total++
		if b.inPeriod {
			counts.Active++
		}
		if !b.first.Before(from) {
			counts.New++
		}
		if b.inPeriod && !b.inPrevious && b.first.Before(from) {
			counts.Reactivated++
		}
		if !b.inPeriod && b.inPrevious {
			counts.Lapsed++
		}
	}
	// By channel, the largest revenue first, then by name.
	byChannel := map[string]*report.ChannelSales{}
	for _, r := range history {
		if !in(r.at, from, to) {
			continue
		}
		c := byChannel[r.channel]
		if c == nil {
			c = &report.ChannelSales{Channel: r.channel}
			byChannel[r.channel] = c
		}
		m := r.model()
		f := m.figures()
		c.Revenue += f.Revenue
		c.Profit += f.Profit
		if m.counted() {
			c.Orders++
		}
	}
	channels := []report.ChannelSales{}
	for _, c := range byChannel {
		channels = append(channels, *c)
	}
	slices.SortFunc(channels, func(a, b report.ChannelSales) int {
		return cmp.Or(cmp.Compare(b.Revenue, a.Revenue), cmp.Compare(a.Channel, b.Channel))
	})
	// Per customer with a counted sale in the period: all their orders then.
	perCustomer := map[string]*report.CustomerSales{}
	for _, r := range history {
		if r.who == "" || !in(r.at, from, to) {
			continue
		}
		c := perCustomer[r.who]
		if c == nil {
			c = &report.CustomerSales{ContactID: ids[r.who], Name: r.who}
			perCustomer[r.who] = c
		}
		m := r.model()
		f := m.figures()
		c.Revenue += f.Revenue
		c.Profit += f.Profit
		if m.counted() {
			c.Orders++
		}
	}
	customers := []report.CustomerSales{}
	for _, c := range perCustomer {
		if c.Orders > 0 {
			customers = append(customers, *c)
		}
	}
	return counts, salesOf(from, to), salesOf(previous, from), channels, customers
}

func testRepOverview(t *testing.T, e *env) {
	to := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	day := 24 * time.Hour
	from := to.Add(-30 * day)
	p2, p1 := from.Add(-30*day), from.Add(-60*day)
	history := []repOrder{
		// A bought in P1 only; returns goods in P3 (a return is no purchase).
		{who: "A", at: p1.Add(5 * day), channel: "web", price: 10000, cost: 4000},
		{who: "A", at: from.Add(2 * day), channel: "web", kind: "return", price: 3000, cost: 1200},
		// B in P1 and P3: reactivated.
		{who: "B", at: p1.Add(10 * day), channel: "store", price: 20000, cost: 8000},
		{who: "B", at: from.Add(3 * day), channel: "web", price: 15000, cost: 5000},
		// C in P2 only: lapsed.
		{who: "C", at: p2.Add(2 * day), channel: "line", price: 12000, cost: 6000},
		// D new in P3, partly refunded.
		{who: "D", at: from.Add(1 * day), channel: "web", price: 50000, cost: 20000, refund: 10000},
		// E in P2 and P3.
		{who: "E", at: p2.Add(5 * day), channel: "web", price: 8000, cost: 3000},
		{who: "E", at: from.Add(5 * day), channel: "store", price: 9000, cost: 3000},
		// F only pending, G only refunded whole: no customers.
		{who: "F", at: from.Add(6 * day), channel: "phone", status: "pending", price: 70000, cost: 1000},
		{who: "G", at: from.Add(7 * day), channel: "web", price: 30000, cost: 10000, refund: 30000},
		// H buys at the end of the period (excluded); I at its start (included).
		{who: "H", at: to, channel: "web", price: 40000, cost: 1000},
		{who: "I", at: from, channel: "line", price: 4000, cost: 1000},
		// Guests.
		{at: from.Add(8 * day), channel: "store", price: 5000, cost: 2000},
		{at: p2.Add(8 * day), channel: "web", price: 7000, cost: 1000},
		{at: p2.Add(9 * day), channel: "web", kind: "return", price: 700, cost: 100},
		// More buyers of the period, with ties in profit, and one at a loss.
		{who: "K1", at: from.Add(9 * day), channel: "web", price: 100000, cost: 10000},
		{who: "K2", at: from.Add(10 * day), channel: "app", price: 80000, cost: 20000},
		{who: "K3", at: from.Add(11 * day), channel: "app", price: 60000, cost: 0},
		{who: "K4", at: from.Add(12 * day), channel: "web", price: 5000, cost: 6000},
		{who: "K5", at: from.Add(13 * day), channel: "store", price: 20000, cost: 15000},
		{who: "K6", at: from.Add(14 * day), channel: "web", price: 4000, cost: 1000},
		{who: "K7", at: from.Add(15 * day), channel: "web", price: 1000, cost: 900},
		{who: "K8", at: from.Add(16 * day), channel: "line", price: 30000, cost: 10000},
		{who: "K9", at: from.Add(17 * day), channel: "web", price: 3500, cost: 500},
		{who: "K10", at: from.Add(18 * day), channel: "web", price: 62000, cost: 2000},
	}
	// Contacts are created so that the tied ones (K2, K3, K10 at 60000; D,
	// K8 at 20000; I, K6, K9 at 3000, where the tenth place falls) do not get
	// ids in the order of their names.
	ids := map[string]int64{}
	for _, name := range []string{"K10", "A", "K3", "B", "C", "K9", "D", "E", "F", "G", "H", "I", "K1", "K2", "K4", "K5", "K6", "K7", "K8"} {
		ids[name] = e.named(name).ID
	}
	var inputs []commerce.OrderInput
	for _, r := range history {
		price, cost := r.price, r.cost
		in := commerce.OrderInput{Kind: r.kind, Status: r.status, Channel: r.channel, PlacedAt: ptr(r.at),
			Lines: []commerce.LineInput{{Name: "item", Quantity: 1, UnitPrice: &price, UnitCost: &cost}}}
		if r.who != "" {
			in.Customer = tpContact(ids[r.who])
		}
		inputs = append(inputs, in)
	}
	rs, err := e.com.CreateOrders(e.sys, inputs)
	must(t, err)
	for i, r := range rs {
		must(t, r.Err)
		if history[i].refund > 0 {
			_, err := e.com.RefundOrder(e.sys, r.ID, 0, commerce.RefundInput{Amount: history[i].refund})
			must(t, err)
		}
	}

	counts, sales, previous, channels, customers := repWant(history, ids, from, to)
	// The model, checked by hand against the story above.
	if want := (report.CustomerCounts{Total: 16, Active: 14, New: 12, Reactivated: 1, Lapsed: 1}); counts != want {
		t.Fatalf("model counts %+v; want %+v", counts, want)
	}
	o, err := e.rep.Overview(e.sys, from, to)
	must(t, err)
	if !o.From.Equal(from) || !o.To.Equal(to) || o.Currency != "TWD" {
		t.Errorf("overview of %v–%v in %q", o.From, o.To, o.Currency)
	}
	if o.Customers != counts {
		t.Errorf("customers %+v; want %+v", o.Customers, counts)
	}
	if o.Change != counts.New {
		t.Errorf("change %d; want %d", o.Change, counts.New)
	}
	if o.Sales != sales {
		t.Errorf("sales %+v; want %+v", o.Sales, sales)
	}
	if o.Previous != previous {
		t.Errorf("previous %+v; want %+v", o.Previous, previous)
	}
	if jsonOf(o.Channels) != jsonOf(channels) {
		t.Errorf("by channel:\n got %s\nwant %s", jsonOf(o.Channels), jsonOf(channels))
	}

	// Top customers: most profit first, ties by contact id.
	top := slices.Clone(customers)
	slices.SortFunc(top, func(a, b report.CustomerSales) int {
		return cmp.Or(cmp.Compare(b.Profit, a.Profit), cmp.Compare(a.ContactID, b.ContactID))
	})
	top = top[:min(10, len(top))]
	if jsonOf(o.Top) != jsonOf(top) {
		t.Errorf("top customers:\n got %s\nwant %s", jsonOf(o.Top), jsonOf(top))
	}

	// Pareto: sort the positive profits, largest first, and count until 80%.
	var profits []int64
	var total int64
	for _, c := range customers {
		if c.Profit > 0 {
			profits = append(profits, c.Profit)
			total += c.Profit
		}
	}
	slices.Sort(profits)
	slices.Reverse(profits)
	var cum, k int64
	for _, p := range profits {
		cum += p
		k++
		if float64(cum) >= 0.8*float64(total) {
			break
		}
	}
	if k != 5 {
		t.Fatalf("model: %d customers make 80%% of %v", k, profits)
	}
	p := o.Pareto
	if p.Customers != int64(len(customers)) || p.Top != k || p.Share == nil || p.ProfitShare == nil {
		t.Fatalf("pareto %+v; want %d customers, top %d", p, len(customers), k)
	}
	if *p.Share != float64(k)/float64(len(customers)) || *p.ProfitShare != float64(cum)/float64(total) || *p.ProfitShare < 0.8 {
		t.Errorf("pareto shares %v, %v; want %v, %v", *p.Share, *p.ProfitShare, float64(k)/float64(len(customers)), float64(cum)/float64(total))
	}

	// The previous period, as a period of its own.
	t.Run("P2", func(t *testing.T) {
		counts, sales, previous, channels, _ := repWant(history, ids, p2, from)
		o, err := e.rep.Overview(e.sys, p2, from)
		must(t, err)
		if o.Customers != counts || o.Sales != sales || o.Previous != previous || jsonOf(o.Channels) != jsonOf(channels) {
			t.Errorf("P2 overview %+v %+v %+v %s; want %+v %+v %+v %s", o.Customers, o.Sales, o.Previous, jsonOf(o.Channels),
				counts, sales, previous, jsonOf(channels))
		}
	})

	// The default period is the last 30 days.
	t.Run("default period", func(t *testing.T) {
		o, err := e.rep.Overview(e.sys, time.Time{}, time.Time{})
		must(t, err)
		end := report.PeriodEnd(e.now())
		if !o.To.Equal(end) || !o.From.Equal(end.Add(-30*day)) || end.Before(e.now()) || end.Sub(e.now()) > time.Minute {
			t.Errorf("default period %v–%v; want the 30 days to the end of the minute of %v", o.From, o.To, e.now())
		}
		counts, sales, _, _, _ := repWant(history, ids, o.From, o.To)
		if o.Customers != counts || o.Sales != sales {
			t.Errorf("default overview %+v %+v; want %+v %+v", o.Customers, o.Sales, counts, sales)
		}
	})
}

func testRepEmpty(t *testing.T, e *env) {
	o, err := e.rep.Overview(e.sys, time.Time{}, time.Time{})
	must(t, err)
	if o.Currency != "" || o.Customers != (report.CustomerCounts{}) || o.Sales != (report.Sales{}) || o.Top == nil || len(o.Top) != 0 ||
		o.Channels == nil || len(o.Channels) != 0 || o.Pareto.Share != nil || o.Pareto.Top != 0 {
		t.Errorf("overview of nothing: %s", jsonOf(o))
	}
	// Only a loss: no profit to share.
	c := e.named("Loss")
	price, cost := int64(100), int64(500)
	e.comOrder(commerce.OrderInput{Customer: tpContact(c.ID), PlacedAt: ptr(e.now().Add(-time.Hour)),
		Lines: []commerce.LineInput{{Name: "x", Quantity: 1, UnitPrice: &price, UnitCost: &cost}}})
	o, err = e.rep.Overview(e.sys, time.Time{}, time.Time{})
	must(t, err)
	if o.Pareto.Customers != 1 || o.Pareto.Top != 0 || o.Pareto.Share != nil || len(o.Top) != 1 || o.Top[0].Profit != -400 || o.Top[0].Name != "Loss" {
		t.Errorf("overview of a loss: %s", jsonOf(o))
	}
	// The service keeps an overview until the sales change: the next order
	// is in the next one, and so is a renamed customer.
	g := e.named("Gain")
	price, cost = 900, 100
	e.comOrder(commerce.OrderInput{Customer: tpContact(g.ID), PlacedAt: ptr(e.now().Add(-time.Hour)),
		Lines: []commerce.LineInput{{Name: "x", Quantity: 1, UnitPrice: &price, UnitCost: &cost}}})
	o, err = e.rep.Overview(e.sys, time.Time{}, time.Time{})
	must(t, err)
	if o.Customers.Active != 2 || len(o.Top) != 2 || o.Top[0].Name != "Gain" || o.Sales.Profit != 400 {
		t.Errorf("overview after another order: %s", jsonOf(o))
	}
	e.update(e.sys, g.ID, func(f *customer.ContactFields) { f.DisplayName = "Gained" })
	o, err = e.rep.Overview(e.sys, time.Time{}, time.Time{})
	must(t, err)
	if len(o.Top) != 2 || o.Top[0].Name != "Gained" {
		t.Errorf("overview after a rename: %s", jsonOf(o))
	}
	_, err = e.rep.Overview(e.sys, e.now(), e.now())
	wantField(t, err, "from", "not_before_to")
	_, err = e.rep.Overview(e.sys, e.now(), e.now().Add(-time.Hour))
	wantField(t, err, "from", "not_before_to")
}

func testRepAccess(t *testing.T, e *env) {
	team := e.team("North")
	for _, c := range []struct {
		role crm.Role
		ok   bool
	}{{crm.RoleAdmin, true}, {crm.RoleViewer, true}, {crm.RoleManager, false}, {crm.RoleAgent, false}} {
		u := e.user("User "+string(c.role), c.role, team)
		_, err := e.rep.Overview(e.as(u), time.Time{}, time.Time{})
		if c.ok {
			if err != nil {
				t.Errorf("%s: %v", c.role, err)
			}
			continue
		}
		wantCode(t, err, crm.KindForbidden, "reports_need_full_read")
	}
	_, err := e.rep.Overview(t.Context(), time.Time{}, time.Time{})
	wantKind(t, err, crm.KindUnauthenticated)
}
