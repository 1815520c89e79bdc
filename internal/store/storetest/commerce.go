package storetest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/guanxi-crm/guanxi/internal/commerce"
	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/customer"
)

var commerceTests = []test{
	{"Products", testComProducts},
	{"CurrencyFixedByFirstProduct", testComCurrencyProduct},
	{"CurrencyFixedByFirstOrder", testComCurrencyOrder},
	{"CurrencyInABatch", testComCurrencyBatch},
	{"CurrencyConcurrentFirsts", testComCurrencyConcurrent},
	{"RefusedOrderMakesNoProduct", testComRefusedOrderProducts},
	{"OrderFigures", testComOrderFigures},
	{"NegativeAverage", testComNegativeAverage},
	{"StatusTransitions", testComTransitions},
	{"OrderNumbers", testComOrderNumbers},
	{"AssignedNumbers", testComAssignedNumbers},
	{"BigBatch", testComBigBatch},
	{"ListOrders", testComListOrders},
	{"Carts", testComCarts},
	{"Subscriptions", testComSubscriptions},
	{"SubscriptionMonthEnd", testComMonthEnd},
}

// comLine is an order line as the model sees it.
type comLine struct {
	qty, price, discount int64
	cost                 *int64
}

// comModel is an order as the test computes it, apart from package commerce.
type comModel struct {
	kind, status string
	placed       time.Time
	lines        []comLine
	refunds      []int64
}

// comFigures are an order's derived figures.
type comFigures struct {
	Subtotal, Discount, Total, Cost, Refunded, Revenue, Profit int64
}

func (m *comModel) paid() bool { return m.status == "paid" || m.status == "fulfilled" }

// counted: a paid or fulfilled sale.
func (m *comModel) counted() bool { return m.kind == "sale" && m.paid() }

func (m *comModel) figures() comFigures {
	var f comFigures
	for _, l := range m.lines {
		f.Subtotal += l.qty * l.price
		f.Discount += l.discount
		if l.cost != nil {
			f.Cost += l.qty * *l.cost
		}
	}
	f.Total = f.Subtotal - f.Discount
	for _, r := range m.refunds {
		f.Refunded += r
	}
	switch {
	case m.counted():
		f.Revenue = f.Total - f.Refunded
		f.Profit = f.Revenue - f.Cost
	case m.kind == "return" && m.paid():
		// goods taken back: the money goes out, the goods' cost comes back
		f.Revenue = -f.Total
		f.Profit = f.Cost - f.Total
	}
	return f
}

func orderFigures(o *commerce.Order) comFigures {
	return comFigures{o.Subtotal, o.Discount, o.Total, o.Cost, o.Refunded, o.Revenue, o.Profit}
}

// comCheckOrder compares an order, and the same order read back, with its model.
func (e *env) comCheckOrder(t testing.TB, o *commerce.Order, m *comModel) {
	t.Helper()
	read, err := e.com.GetOrder(e.sys, o.ID)
	must(t, err)
	for _, got := range []*commerce.Order{o, read} {
		if f, want := orderFigures(got), m.figures(); f != want {
			t.Errorf("order %s figures %+v; want %+v", got.Number, f, want)
		}
		if got.Status != m.status || got.Kind != m.kind || !got.PlacedAt.Equal(m.placed) || len(got.Lines) != len(m.lines) ||
			len(got.Refunds) != len(m.refunds) {
			t.Errorf("order %s: %s %s at %v, %d lines, %d refunds; want %s %s at %v, %d, %d", got.Number, got.Kind, got.Status,
				got.PlacedAt, len(got.Lines), len(got.Refunds), m.kind, m.status, m.placed, len(m.lines), len(m.refunds))
		}
	}
}

// floorDiv divides rounding down, as average_order_value is documented.
func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// comCheckMetrics compares a contact's figures with those of its orders'
// models.
func (e *env) comCheckMetrics(t testing.TB, contactID int64, models []*comModel) {
	t.Helper()
	var want customer.Metrics
	for _, m := range models {
		f := m.figures()
		want.Revenue += f.Revenue
		want.Profit += f.Profit
		want.FirstSeenAt, want.LastSeenAt = earliestOf(want.FirstSeenAt, m.placed), latestOf(want.LastSeenAt, m.placed)
		if m.counted() {
			want.OrderCount++
			want.FirstOrderAt, want.LastOrderAt = earliestOf(want.FirstOrderAt, m.placed), latestOf(want.LastOrderAt, m.placed)
		}
	}
	if want.OrderCount > 0 {
		want.AverageOrderValue = floorDiv(want.Revenue, want.OrderCount)
	}
	want.Currency = "TWD"
	got := e.tpMetrics(contactID)
	got.OpenCartValue = 0
	if jsonOf(got) != jsonOf(want) {
		t.Errorf("metrics of contact %d:\n got %s\nwant %s", contactID, jsonOf(got), jsonOf(want))
	}
}

func earliestOf(a *time.Time, b time.Time) *time.Time {
	if a == nil || b.Before(*a) {
		return &b
	}
	return a
}

func latestOf(a *time.Time, b time.Time) *time.Time {
	if a == nil || b.After(*a) {
		return &b
	}
	return a
}

// comProduct creates a product or fails.
func (e *env) comProduct(f commerce.ProductFields) *commerce.Product {
	e.t.Helper()
	p, err := e.com.CreateProduct(e.sys, f)
	if err != nil {
		e.t.Fatalf("create product %s: %v", f.SKU, err)
	}
	return p
}

// comOrder creates an order as the system or fails.
func (e *env) comOrder(in commerce.OrderInput) *commerce.Order {
	e.t.Helper()
	o, err := e.com.CreateOrder(e.sys, in)
	if err != nil {
		e.t.Fatalf("create order %s: %v", in.Number, err)
	}
	return o
}

// comSimple is an order of one ad-hoc line.
func comSimple(contact *int64, at time.Time, qty, price int64) commerce.OrderInput {
	in := commerce.OrderInput{PlacedAt: &at, Lines: []commerce.LineInput{{Name: "item", Quantity: qty, UnitPrice: &price}}}
	if contact != nil {
		in.Customer = crm.CustomerRef{ContactID: contact}
	}
	return in
}

func testComProducts(t *testing.T, e *env) {
	cost := int64(20000)
	rs, err := e.com.CreateProducts(e.sys, []commerce.ProductFields{
		{SKU: "TEA-1", Name: "凍頂烏龍茶 150g", Category: "tea", Price: 48000, Cost: &cost},
		{SKU: "CUP-1", Name: "白瓷杯", Price: 35000},
		{SKU: " TEA-1 ", Name: "again", Price: 1},
		{SKU: "", Name: "no sku", Price: 1},
		{SKU: "NEG", Name: "negative", Price: -1},
		{SKU: "CUP-1", Name: "again", Price: 2},
	})
	must(t, err)
	for _, i := range []int{0, 1} {
		must(t, rs[i].Err)
	}
	ce := wantCode(t, rs[2].Err, crm.KindConflict, "duplicate_in_batch")
	if param(t, ce, "index") != 0 {
		t.Errorf("duplicate SKU in batch points at %v; want 0", ce.Params["index"])
	}
	wantField(t, rs[3].Err, "sku", "required")
	wantField(t, rs[4].Err, "price", "negative")
	if ce := wantCode(t, rs[5].Err, crm.KindConflict, "duplicate_in_batch"); param(t, ce, "index") != 1 {
		t.Errorf("second duplicate points at %v; want 1", ce.Params["index"])
	}
	if n := e.tpCount("SELECT count(*) FROM products"); n != 2 {
		t.Errorf("%d products stored; want 2", n)
	}
	tea, err := e.com.GetProduct(e.sys, rs[0].ID)
	must(t, err)
	if tea.SKU != "TEA-1" || tea.Currency != "TWD" || tea.Active == nil || !*tea.Active || tea.Cost == nil || *tea.Cost != cost || tea.Version != 1 {
		t.Errorf("product stored as %+v", tea)
	}

	_, err = e.com.CreateProduct(e.sys, commerce.ProductFields{SKU: "TEA-1", Name: "dup", Price: 1})
	if ce := wantCode(t, err, crm.KindConflict, "duplicate_sku"); param(t, ce, "existing_id") != tea.ID {
		t.Errorf("duplicate SKU names %v; want %d", ce.Params["existing_id"], tea.ID)
	}
	_, err = e.com.UpdateProduct(e.sys, rs[1].ID, 0, func(f *commerce.ProductFields) error { f.SKU = "TEA-1"; return nil })
	wantCode(t, err, crm.KindConflict, "duplicate_sku")

	// Only managers and admins change the catalogue.
	team := e.team("North")
	agent := e.user("Agent", crm.RoleAgent, team)
	manager := e.user("Manager", crm.RoleManager, team)
	_, err = e.com.CreateProduct(e.as(agent), commerce.ProductFields{SKU: "A-1", Name: "a", Price: 1})
	wantCode(t, err, crm.KindForbidden, "catalogue_managers_only")
	if _, err := e.com.CreateProduct(e.as(manager), commerce.ProductFields{SKU: "M-1", Name: "m", Price: 1}); err != nil {
		t.Errorf("a manager adds a product: %v", err)
	}
}

func testComCurrencyProduct(t *testing.T, e *env) {
	cur, err := e.com.Currency(e.sys)
	must(t, err)
	if cur != "" {
		t.Fatalf("a new database has currency %q", cur)
	}
	first := e.comProduct(commerce.ProductFields{SKU: "A", Name: "a", Price: 100, Currency: " usd "})
	if first.Currency != "USD" {
		t.Errorf("first product's currency %q; want USD", first.Currency)
	}
	_, err = e.com.CreateProduct(e.sys, commerce.ProductFields{SKU: "B", Name: "b", Price: 100, Currency: "TWD"})
	wantField(t, err, "currency", "currency_mismatch")
	ce, _ := crm.AsError(err)
	if ce.Fields[0].Params["currency"] != "USD" {
		t.Errorf("mismatch names %v; want USD", ce.Fields[0].Params)
	}
	// Without a currency, the database's — not the service's default.
	if p := e.comProduct(commerce.ProductFields{SKU: "C", Name: "c", Price: 100}); p.Currency != "USD" {
		t.Errorf("product without currency got %q; want USD", p.Currency)
	}
	_, err = e.com.UpdateProduct(e.sys, first.ID, 0, func(f *commerce.ProductFields) error { f.Currency = "EUR"; return nil })
	wantField(t, err, "currency", "currency_mismatch")

	rs, err := e.com.CreateOrders(e.sys, []commerce.OrderInput{
		{Currency: "EUR", Lines: []commerce.LineInput{{SKU: "A", Quantity: 1}}},
		{Lines: []commerce.LineInput{{SKU: "A", Quantity: 1}}},
		{Currency: "usd", Lines: []commerce.LineInput{{SKU: "A", Quantity: 1}}},
	})
	must(t, err)
	wantField(t, rs[0].Err, "currency", "currency_mismatch")
	for _, i := range []int{1, 2} {
		must(t, rs[i].Err)
		o, err := e.com.GetOrder(e.sys, rs[i].ID)
		must(t, err)
		if o.Currency != "USD" {
			t.Errorf("order %d currency %q; want USD", i, o.Currency)
		}
	}
	if cur, _ := e.com.Currency(e.sys); cur != "USD" {
		t.Errorf("database currency %q; want USD", cur)
	}
}

func testComCurrencyOrder(t *testing.T, e *env) {
	price := int64(1500)
	o := e.comOrder(commerce.OrderInput{Currency: "JPY", Lines: []commerce.LineInput{{Name: "茶", Quantity: 2, UnitPrice: &price}}})
	if o.Currency != "JPY" || o.Total != 3000 {
		t.Errorf("first order: %s %d; want JPY 3000", o.Currency, o.Total)
	}
	_, err := e.com.CreateProduct(e.sys, commerce.ProductFields{SKU: "T", Name: "t", Price: 1, Currency: "TWD"})
	wantField(t, err, "currency", "currency_mismatch")
	if p := e.comProduct(commerce.ProductFields{SKU: "U", Name: "u", Price: 1}); p.Currency != "JPY" {
		t.Errorf("product after a JPY order: %q", p.Currency)
	}
}

func testComCurrencyBatch(t *testing.T, e *env) {
	rs, err := e.com.CreateProducts(e.sys, []commerce.ProductFields{
		{SKU: "A", Name: "a", Price: 1, Currency: "JPY"},
		{SKU: "B", Name: "b", Price: 1, Currency: "USD"},
		{SKU: "C", Name: "c", Price: 1},
	})
	must(t, err)
	must(t, rs[0].Err)
	wantField(t, rs[1].Err, "currency", "currency_mismatch")
	must(t, rs[2].Err)
	if p, _ := e.com.GetProduct(e.sys, rs[2].ID); p == nil || p.Currency != "JPY" {
		t.Errorf("third product of the batch: %+v; want JPY", p)
	}

	// Orders are checked one by one: an order in another currency whose line
	// names a new product is refused alone.
	price := int64(100)
	ors, err := e.com.CreateOrders(e.sys, []commerce.OrderInput{
		{Lines: []commerce.LineInput{{SKU: "A", Quantity: 1}}},
		{Currency: "EUR", Lines: []commerce.LineInput{{SKU: "NEW-1", Name: "new", Quantity: 1, UnitPrice: &price}}},
	})
	if err != nil {
		t.Fatalf("one order in another currency sank the whole batch: %v", err)
	}
	must(t, ors[0].Err)
	wantField(t, ors[1].Err, "currency", "currency_mismatch")
	if n := e.tpCount("SELECT count(*) FROM products WHERE sku = 'NEW-1'"); n != 0 {
		t.Errorf("a refused order created its product")
	}
}

// testComCurrencyConcurrent creates the first products in several
// currencies at once: one currency wins, and every product stored is in it.
func testComCurrencyConcurrent(t *testing.T, e *env) {
	currencies := []string{"JPY", "USD", "EUR", "GBP", "KRW", "HKD", "SGD", "CNY"}
	errs := race(len(currencies), func(i int) error {
		_, err := e.com.CreateProduct(e.sys, commerce.ProductFields{SKU: currencies[i], Name: currencies[i], Price: 100, Currency: currencies[i]})
		return err
	})
	created := 0
	for i, err := range errs {
		switch {
		case err == nil:
			created++
		case crm.IsKind(err, crm.KindInvalid):
			wantField(t, err, "currency", "currency_mismatch")
		default:
			t.Errorf("%s: %v", currencies[i], err)
		}
	}
	cur, err := e.com.Currency(e.sys)
	must(t, err)
	if n := e.tpCount("SELECT count(*) FROM products WHERE currency <> '" + cur + "'"); n != 0 || created == 0 {
		t.Errorf("database currency %s; %d products created, %d of them in another currency", cur, created, n)
	}
}

// An order refused for one of its lines creates none of the products its
// other lines name.
func testComRefusedOrderProducts(t *testing.T, e *env) {
	price := int64(100)
	rs, err := e.com.CreateOrders(e.sys, []commerce.OrderInput{
		{Lines: []commerce.LineInput{{SKU: "NEW-2", Name: "new", Quantity: 1, UnitPrice: &price}, {SKU: "UNKNOWN", Quantity: 1}}},
	})
	must(t, err)
	wantField(t, rs[0].Err, "lines[1].sku", "unknown_sku")
	if n := e.tpCount("SELECT count(*) FROM products"); n != 0 {
		t.Errorf("a refused order created %d products", n)
	}
}

func testComOrderFigures(t *testing.T, e *env) {
	teaCost, wrapCost := int64(20000), int64(300)
	tea := e.comProduct(commerce.ProductFields{SKU: "TEA-1", Name: "凍頂烏龍茶", Price: 48000, Cost: &teaCost})
	cup := e.comProduct(commerce.ProductFields{SKU: "CUP-1", Name: "白瓷杯", Price: 35000})
	mei := e.named("林美")
	day := func(n int) time.Time { return e.now().Add(time.Duration(n-30) * 24 * time.Hour) }
	var models []*comModel
	check := func(t *testing.T, o *commerce.Order, m *comModel) {
		t.Helper()
		e.comCheckOrder(t, o, m)
		e.comCheckMetrics(t, mei.ID, models)
	}
	wrapPrice := int64(1000)

	// A sale of three lines: by SKU with a discount, by product id without a
	// known cost, and an ad-hoc line.
	m1 := &comModel{kind: "sale", status: "paid", placed: day(1), lines: []comLine{
		{qty: 2, price: 48000, discount: 6000, cost: &teaCost}, {qty: 1, price: 35000}, {qty: 3, price: 1000, cost: &wrapCost}}}
	models = append(models, m1)
	o1 := e.comOrder(commerce.OrderInput{Number: "A-1", Channel: "web", PlacedAt: &m1.placed, Customer: tpContact(mei.ID), Lines: []commerce.LineInput{
		{SKU: "TEA-1", Quantity: 2, Discount: 6000}, {ProductID: &cup.ID, Quantity: 1}, {Name: "Gift wrap", Quantity: 3, UnitPrice: &wrapPrice, UnitCost: &wrapCost}}})
	check(t, o1, m1)
	wantLines := []commerce.OrderLine{
		{LineNo: 1, ProductID: &tea.ID, SKU: "TEA-1", Name: "凍頂烏龍茶", Quantity: 2, UnitPrice: 48000, Discount: 6000, UnitCost: &teaCost, Total: 90000},
		{LineNo: 2, ProductID: &cup.ID, SKU: "CUP-1", Name: "白瓷杯", Quantity: 1, UnitPrice: 35000, Total: 35000},
		{LineNo: 3, Name: "Gift wrap", Quantity: 3, UnitPrice: 1000, UnitCost: &wrapCost, Total: 3000},
	}
	if jsonOf(o1.Lines) != jsonOf(wantLines) {
		t.Errorf("lines:\n got %s\nwant %s", jsonOf(o1.Lines), jsonOf(wantLines))
	}
	if o1.ContactID == nil || *o1.ContactID != mei.ID || o1.Currency != "TWD" || o1.Channel != "web" || o1.Version != 1 {
		t.Errorf("order: contact %v currency %s channel %s version %d", o1.ContactID, o1.Currency, o1.Channel, o1.Version)
	}

	t.Run("partial refund", func(t *testing.T) {
		e.tick(time.Hour)
		o, err := e.com.RefundOrder(e.sys, o1.ID, 1, commerce.RefundInput{Amount: 28000, Reason: "破損"})
		must(t, err)
		m1.refunds = append(m1.refunds, 28000)
		check(t, o, m1)
		if o.Version != 2 || len(o.Refunds) != 1 || o.Refunds[0].Reason != "破損" || !o.Refunds[0].RefundedAt.Equal(e.now()) || o.Refunds[0].ID == 0 {
			t.Errorf("after the refund: version %d refunds %+v", o.Version, o.Refunds)
		}
		left := m1.figures().Total - 28000
		_, err = e.com.RefundOrder(e.sys, o1.ID, 0, commerce.RefundInput{Amount: left + 1})
		wantField(t, err, "amount", "out_of_range")
		_, err = e.com.RefundOrder(e.sys, o1.ID, 0, commerce.RefundInput{Amount: 0})
		wantField(t, err, "amount", "out_of_range")
		_, err = e.com.RefundOrder(e.sys, o1.ID, 1, commerce.RefundInput{Amount: 1})
		wantKind(t, err, crm.KindStale)
		check(t, o, m1)
	})

	m2 := &comModel{kind: "sale", status: "pending", placed: day(2), lines: []comLine{{qty: 1, price: 48000, cost: &teaCost}}}
	models = append(models, m2)
	o2 := e.comOrder(commerce.OrderInput{Status: "pending", PlacedAt: &m2.placed, Customer: tpContact(mei.ID), Lines: []commerce.LineInput{{SKU: "TEA-1", Quantity: 1}}})
	t.Run("pending", func(t *testing.T) {
		check(t, o2, m2)
		_, err := e.com.RefundOrder(e.sys, o2.ID, 0, commerce.RefundInput{Amount: 1})
		wantField(t, err, "amount", "not_refundable")
	})
	t.Run("paid", func(t *testing.T) {
		o, err := e.com.SetOrderStatus(e.sys, o2.ID, 0, "paid")
		must(t, err)
		m2.status = "paid"
		check(t, o, m2)
	})
	t.Run("full refund", func(t *testing.T) {
		o, err := e.com.RefundOrder(e.sys, o2.ID, 0, commerce.RefundInput{Amount: 10000})
		must(t, err)
		m2.refunds = append(m2.refunds, 10000)
		check(t, o, m2)
		o, err = e.com.RefundOrder(e.sys, o2.ID, 0, commerce.RefundInput{Amount: 38000})
		must(t, err)
		m2.refunds, m2.status = append(m2.refunds, 38000), "refunded"
		check(t, o, m2)
		if f := m2.figures(); f.Revenue != 0 || f.Profit != 0 {
			t.Fatalf("model: a refunded order counts %+v", f)
		}
		_, err = e.com.RefundOrder(e.sys, o2.ID, 0, commerce.RefundInput{Amount: 1})
		wantField(t, err, "amount", "not_refundable")
	})

	m3 := &comModel{kind: "return", status: "paid", placed: day(3), lines: []comLine{{qty: 1, price: 48000, cost: &teaCost}}}
	models = append(models, m3)
	o3 := e.comOrder(commerce.OrderInput{Kind: "return", PlacedAt: &m3.placed, Customer: tpContact(mei.ID), Lines: []commerce.LineInput{{SKU: "TEA-1", Quantity: 1}}})
	t.Run("return", func(t *testing.T) {
		check(t, o3, m3)
		if o3.Revenue >= 0 || o3.Profit >= 0 {
			t.Errorf("a return adds revenue %d profit %d", o3.Revenue, o3.Profit)
		}
		_, err := e.com.RefundOrder(e.sys, o3.ID, 0, commerce.RefundInput{Amount: 1})
		wantField(t, err, "amount", "not_refundable")
	})

	m4 := &comModel{kind: "sale", status: "cancelled", placed: day(4), lines: []comLine{{qty: 5, price: 35000}}}
	models = append(models, m4)
	t.Run("cancelled", func(t *testing.T) {
		o := e.comOrder(commerce.OrderInput{Status: "cancelled", PlacedAt: &m4.placed, Customer: tpContact(mei.ID), Lines: []commerce.LineInput{{SKU: "CUP-1", Quantity: 5}}})
		check(t, o, m4)
	})

	// A pending order, then cancelled; and an earlier fulfilled one.
	m5 := &comModel{kind: "sale", status: "pending", placed: day(5), lines: []comLine{{qty: 1, price: 35000}}}
	m6 := &comModel{kind: "sale", status: "fulfilled", placed: day(0), lines: []comLine{{qty: 4, price: 1000, discount: 500, cost: &wrapCost}}}
	models = append(models, m5, m6)
	t.Run("cancel pending; fulfilled earlier", func(t *testing.T) {
		rs, err := e.com.CreateOrders(e.sys, []commerce.OrderInput{
			{Status: "pending", PlacedAt: &m5.placed, Customer: tpContact(mei.ID), Lines: []commerce.LineInput{{SKU: "CUP-1", Quantity: 1}}},
			{Status: "fulfilled", PlacedAt: &m6.placed, Customer: tpContact(mei.ID), Lines: []commerce.LineInput{{Name: "wrap", Quantity: 4, UnitPrice: &wrapPrice, Discount: 500, UnitCost: &wrapCost}}},
		})
		must(t, err)
		must(t, rs[0].Err)
		must(t, rs[1].Err)
		o5, err := e.com.SetOrderStatus(e.sys, rs[0].ID, rs[0].Version, "cancelled")
		must(t, err)
		m5.status = "cancelled"
		check(t, o5, m5)
		o6, err := e.com.GetOrder(e.sys, rs[1].ID)
		must(t, err)
		check(t, o6, m6)
	})

	t.Run("guest orders change no one", func(t *testing.T) {
		before := e.tpMetrics(mei.ID)
		g := e.comOrder(comSimple(nil, day(6), 1, 999))
		if g.ContactID != nil || g.Revenue != 999 {
			t.Errorf("guest order: contact %v revenue %d", g.ContactID, g.Revenue)
		}
		if after := e.tpMetrics(mei.ID); jsonOf(after) != jsonOf(before) {
			t.Errorf("a guest order changed a contact's figures")
		}
	})
}

// The average order value is documented as rounded down; with returns worth
// more than the sales, revenue is negative.
func testComNegativeAverage(t *testing.T, e *env) {
	c := e.named("Returner")
	day := e.now().Add(-24 * time.Hour)
	e.comOrder(comSimple(&c.ID, day, 1, 100))
	e.comOrder(comSimple(&c.ID, day, 1, 100))
	ret := comSimple(&c.ID, day, 1, 401)
	ret.Kind = "return"
	e.comOrder(ret)
	m := e.tpMetrics(c.ID)
	if m.OrderCount != 2 || m.Revenue != -201 {
		t.Fatalf("metrics %+v; want 2 orders, revenue -201", m)
	}
	if m.AverageOrderValue != floorDiv(-201, 2) {
		t.Errorf("average order value %d; want %d (-201 / 2 rounded down)", m.AverageOrderValue, floorDiv(-201, 2))
	}
}

func testComTransitions(t *testing.T, e *env) {
	allowed := map[string][]string{
		"pending": {"paid", "fulfilled", "cancelled"},
		"paid":    {"fulfilled", "cancelled"},
	}
	targets := []string{"pending", "paid", "fulfilled", "cancelled", "refunded", "bogus"}
	c := e.named("Buyer")
	at := e.now().Add(-time.Hour)
	// newOrder makes an order in a status (refunded by refunding it whole).
	newOrder := func(status string) *commerce.Order {
		in := comSimple(&c.ID, at, 1, 1000)
		in.Status = status
		if status == "refunded" {
			in.Status = "paid"
		}
		o := e.comOrder(in)
		if status == "refunded" {
			var err error
			o, err = e.com.RefundOrder(e.sys, o.ID, 0, commerce.RefundInput{Amount: 1000})
			must(e.t, err)
		}
		if o.Status != status {
			e.t.Fatalf("made an order %s; want %s", o.Status, status)
		}
		return o
	}
	for _, from := range []string{"pending", "paid", "fulfilled", "cancelled", "refunded"} {
		for _, to := range targets {
			t.Run(from+" to "+to, func(t *testing.T) {
				o := newOrder(from)
				got, err := e.com.SetOrderStatus(e.sys, o.ID, o.Version, to)
				switch {
				case to == from:
					must(t, err)
					if got.Status != from {
						t.Errorf("status %s; want %s", got.Status, from)
					}
				case slices.Contains(allowed[from], to):
					must(t, err)
					if got.Status != to || got.Version != o.Version+1 {
						t.Errorf("status %s version %d; want %s %d", got.Status, got.Version, to, o.Version+1)
					}
				default:
					wantField(t, err, "status", "invalid_transition")
					if now, _ := e.com.GetOrder(e.sys, o.ID); now.Status != from || now.Version != o.Version {
						t.Errorf("a refused transition changed the order: %s v%d", now.Status, now.Version)
					}
				}
			})
		}
	}
	o := newOrder("pending")
	_, err := e.com.SetOrderStatus(e.sys, o.ID, o.Version+1, "paid")
	wantKind(t, err, crm.KindStale)
}

func testComOrderNumbers(t *testing.T, e *env) {
	c := e.named("Buyer")
	at := e.now().Add(-time.Hour)
	numbered := func(number string) commerce.OrderInput {
		in := comSimple(&c.ID, at, 1, 100)
		in.Number = number
		return in
	}
	first := e.comOrder(numbered("A-1"))
	_, err := e.com.CreateOrder(e.sys, numbered(" A-1 "))
	if ce := wantCode(t, err, crm.KindConflict, "duplicate_order_number"); param(t, ce, "existing_id") != first.ID {
		t.Errorf("duplicate number names %v; want %d", ce.Params["existing_id"], first.ID)
	}
	rs, err := e.com.CreateOrders(e.sys, []commerce.OrderInput{numbered("B-1"), numbered("B-1"), numbered("A-1"), numbered(""), numbered("")})
	must(t, err)
	must(t, rs[0].Err)
	if ce := wantCode(t, rs[1].Err, crm.KindConflict, "duplicate_in_batch"); param(t, ce, "index") != 0 || ce.Params["field"] != "number" {
		t.Errorf("duplicate in batch: %v", ce.Params)
	}
	wantCode(t, rs[2].Err, crm.KindConflict, "duplicate_order_number")
	seen := map[string]bool{"A-1": true, "B-1": true}
	for _, i := range []int{3, 4} {
		must(t, rs[i].Err)
		o, err := e.com.GetOrder(e.sys, rs[i].ID)
		must(t, err)
		if want := fmt.Sprintf("ORD-%06d", o.ID); o.Number != want || seen[o.Number] {
			t.Errorf("order %d numbered %q; want %q", i, o.Number, want)
		}
		seen[o.Number] = true
	}
	if n := e.tpCount("SELECT count(*) FROM orders"); n != 4 {
		t.Errorf("%d orders; want 4", n)
	}
	if m := e.tpMetrics(c.ID); m.OrderCount != 4 {
		t.Errorf("metrics count %d orders; want 4", m.OrderCount)
	}
}

// testComAssignedNumbers gives orders numbers of the form Guanxi assigns:
// an order without a number must still get one no order has.
// testComAssignedNumbers: numbers of the form Guanxi gives orders sent
// without one are refused from clients, so the two cannot collide; a batch
// with such a number refuses that order alone.
func testComAssignedNumbers(t *testing.T, e *env) {
	at := e.now().Add(-time.Hour)
	plain := e.comOrder(comSimple(nil, at, 1, 100))
	if plain.Number != fmt.Sprintf("ORD-%06d", plain.ID) {
		t.Errorf("an order without a number is numbered %q", plain.Number)
	}
	ahead := comSimple(nil, at, 1, 100)
	ahead.Number = fmt.Sprintf("ORD-%06d", plain.ID+1)
	rs, err := e.com.CreateOrders(e.sys, []commerce.OrderInput{ahead, comSimple(nil, at, 1, 100)})
	if err != nil {
		t.Fatalf("a batch with a number of the assigned form: %v", err)
	}
	wantField(t, rs[0].Err, "number", "number_reserved")
	must(t, rs[1].Err)
	next, err := e.com.GetOrder(e.sys, rs[1].ID)
	must(t, err)
	if next.Number != fmt.Sprintf("ORD-%06d", next.ID) {
		t.Errorf("the next order is numbered %q", next.Number)
	}
	other := comSimple(nil, at, 1, 100)
	other.Number = "ORD-2026-0001" // not only digits: a client's own scheme
	e.comOrder(other)
}

func testComBigBatch(t *testing.T, e *env) {
	cost := int64(120)
	e.comProduct(commerce.ProductFields{SKU: "BEAN", Name: "咖啡豆", Price: 500, Cost: &cost})
	base := e.now().Add(-100 * time.Hour)
	inputs := make([]commerce.OrderInput, commerce.MaxBatch)
	for i := range inputs {
		at := base.Add(time.Duration(i) * time.Minute)
		p2, p3 := int64(100+i), int64(7)
		in := commerce.OrderInput{Number: fmt.Sprintf("BIG-%04d", i), Channel: []string{"web", "store", "line"}[i%3], PlacedAt: &at,
			Lines: []commerce.LineInput{
				{SKU: "BEAN", Quantity: int64(1 + i%4)},
				{Name: "line two", Quantity: 2, UnitPrice: &p2},
				{SKU: fmt.Sprintf("NEW-%d", i%10), Name: "新品", Quantity: 1, UnitPrice: &p3, Discount: int64(i % 5)},
			}}
		if i%4 != 0 {
			in.Customer = tpEmail(fmt.Sprintf("buyer%02d@example.com", i%50))
		}
		inputs[i] = in
	}
	rs, err := e.com.CreateOrders(e.sys, inputs)
	must(t, err)
	for i, r := range rs {
		if r.Err != nil {
			t.Fatalf("order %d: %v", i, r.Err)
		}
	}
	for query, want := range map[string]int64{
		"SELECT count(*) FROM orders":                   1000,
		"SELECT count(*) FROM order_lines":              3000,
		"SELECT count(*) FROM products":                 11,
		"SELECT count(DISTINCT contact_id) FROM orders": 50,
		"SELECT count(*) FROM contacts":                 50,
	} {
		if n := e.tpCount(query); n != want {
			t.Errorf("%s = %d; want %d", query, n, want)
		}
	}
	for _, i := range []int{0, 1, 499, 998, 999} {
		o, err := e.com.GetOrder(e.sys, rs[i].ID)
		must(t, err)
		in := inputs[i]
		q := int64(1 + i%4)
		want := comFigures{Subtotal: q*500 + 2*int64(100+i) + 7, Discount: int64(i % 5), Cost: q * 120}
		want.Total = want.Subtotal - want.Discount
		want.Revenue, want.Profit = want.Total, want.Total-want.Cost
		if got := orderFigures(o); got != want {
			t.Errorf("order %d figures %+v; want %+v", i, got, want)
		}
		if o.Number != in.Number || len(o.Lines) != 3 || o.Lines[0].SKU != "BEAN" || o.Lines[1].UnitPrice != int64(100+i) ||
			o.Lines[2].SKU != fmt.Sprintf("NEW-%d", i%10) || o.Lines[2].ProductID == nil || o.Lines[2].LineNo != 3 {
			t.Errorf("order %d read back as %s with lines %s", i, o.Number, jsonOf(o.Lines))
		}
		if (o.ContactID == nil) != (i%4 == 0) {
			t.Errorf("order %d contact %v", i, o.ContactID)
		}
	}
}

func testComListOrders(t *testing.T, e *env) {
	a, b := e.named("A"), e.named("B")
	base := e.now().Add(-10 * 24 * time.Hour)
	type placed struct {
		id, contact int64
		at          time.Time
		status      string
	}
	var all []placed
	// 30 orders over 6 instants, created out of time order.
	for i := range 30 {
		at := base.Add(time.Duration((i*5)%6) * 24 * time.Hour)
		who := []int64{a.ID, b.ID}[i%2]
		in := comSimple(&who, at, 1, int64(100+i))
		if i%7 == 0 {
			in.Status = "pending"
		}
		o := e.comOrder(in)
		all = append(all, placed{o.ID, who, at, o.Status})
	}
	slices.SortFunc(all, func(x, y placed) int {
		if c := y.at.Compare(x.at); c != 0 {
			return c
		}
		return int(y.id - x.id)
	})
	list := func(q commerce.OrderQuery) []int64 {
		q.Limit = 7
		orders := walk(t, 7, func(cursor string) (crm.Page[*commerce.Order], error) {
			q.Cursor = cursor
			return e.com.ListOrders(e.sys, q)
		})
		out := []int64{}
		for _, o := range orders {
			out = append(out, o.ID)
			if len(o.Lines) != 1 {
				t.Errorf("listed order %d has %d lines", o.ID, len(o.Lines))
			}
		}
		return out
	}
	expect := func(keep func(placed) bool) []int64 {
		out := []int64{}
		for _, p := range all {
			if keep(p) {
				out = append(out, p.id)
			}
		}
		return out
	}
	from, to := base.Add(24*time.Hour), base.Add(4*24*time.Hour)
	for _, c := range []struct {
		name string
		q    commerce.OrderQuery
		keep func(placed) bool
	}{
		{"all", commerce.OrderQuery{}, func(placed) bool { return true }},
		{"contact", commerce.OrderQuery{ContactID: &a.ID}, func(p placed) bool { return p.contact == a.ID }},
		{"pending", commerce.OrderQuery{Status: "pending"}, func(p placed) bool { return p.status == "pending" }},
		{"period", commerce.OrderQuery{From: &from, To: &to}, func(p placed) bool { return !p.at.Before(from) && p.at.Before(to) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			if diff := tpDiff(expect(c.keep), list(c.q)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	_, err := e.com.ListOrders(e.sys, commerce.OrderQuery{Status: "lost"})
	wantField(t, err, "status", "invalid_status")
}

func testComCarts(t *testing.T, e *env) {
	mei := e.named("林美")
	now := e.now()
	cart := func(in commerce.CartInput) *commerce.Cart {
		t.Helper()
		c, err := e.com.CreateCart(e.sys, in)
		must(t, err)
		return c
	}
	c1 := cart(commerce.CartInput{Customer: tpContact(mei.ID), LastActivityAt: ptr(now.Add(-48 * time.Hour)),
		Lines: []commerce.CartLine{{SKU: "TEA-1", Quantity: 3, UnitPrice: 48000}}})
	c2 := cart(commerce.CartInput{Customer: tpContact(mei.ID), LastActivityAt: ptr(now.Add(-time.Hour)),
		Lines: []commerce.CartLine{{SKU: "CUP-1", Quantity: 1, UnitPrice: 1000}, {SKU: "CUP-2", Quantity: 2, UnitPrice: 250}}})
	c3 := cart(commerce.CartInput{Customer: tpAnon("cookie"), LastActivityAt: ptr(now.Add(-72 * time.Hour)),
		Lines: []commerce.CartLine{{SKU: "TEA-1", Quantity: 1, UnitPrice: 48000}}})
	cart(commerce.CartInput{Customer: tpContact(mei.ID), Status: "converted", LastActivityAt: ptr(now.Add(-100 * time.Hour)),
		Lines: []commerce.CartLine{{SKU: "X", Quantity: 1, UnitPrice: 5000}}})
	if c1.Value != 144000 || c2.Value != 1500 || c3.ContactID != nil || c3.AnonymousID != "cookie" || c1.Currency != "TWD" {
		t.Errorf("carts: %+v %+v %+v", c1, c2, c3)
	}
	openValue := func(want int64) {
		t.Helper()
		if m := e.tpMetrics(mei.ID); m.OpenCartValue != want {
			t.Errorf("open cart value %d; want %d", m.OpenCartValue, want)
		}
	}
	openValue(145500)

	idle := func() []int64 {
		t.Helper()
		before := now.Add(-24 * time.Hour)
		carts := walk(t, 1, func(cursor string) (crm.Page[*commerce.Cart], error) {
			return e.com.ListCarts(e.sys, commerce.CartQuery{Status: "open", IdleBefore: &before, Cursor: cursor, Limit: 1})
		})
		out := []int64{}
		for _, c := range carts {
			out = append(out, c.ID)
		}
		return out
	}
	if diff := tpDiff([]int64{c1.ID, c3.ID}, idle()); diff != "" {
		t.Errorf("abandoned carts (-want +got):\n%s", diff)
	}

	e.tick(time.Hour)
	converted := "converted"
	_, err := e.com.UpdateCart(e.sys, c1.ID, c1.Version, commerce.CartChange{Status: &converted})
	must(t, err)
	openValue(1500)
	if diff := tpDiff([]int64{c3.ID}, idle()); diff != "" {
		t.Errorf("abandoned carts after one converted (-want +got):\n%s", diff)
	}
	lines := []commerce.CartLine{{SKU: "CUP-1", Quantity: 4, UnitPrice: 1000}}
	c2, err = e.com.UpdateCart(e.sys, c2.ID, 0, commerce.CartChange{Lines: &lines})
	must(t, err)
	if c2.Value != 4000 || !c2.LastActivityAt.Equal(e.now()) || c2.Version != 2 {
		t.Errorf("cart after new lines: value %d activity %v version %d", c2.Value, c2.LastActivityAt, c2.Version)
	}
	openValue(4000)
	_, err = e.com.UpdateCart(e.sys, c2.ID, 1, commerce.CartChange{Lines: &lines})
	wantKind(t, err, crm.KindStale)
	bad := "lost"
	_, err = e.com.UpdateCart(e.sys, c2.ID, 0, commerce.CartChange{Status: &bad})
	wantField(t, err, "status", "invalid_status")
}

func testComSubscriptions(t *testing.T, e *env) {
	mei := e.named("林美")
	jan15 := time.Date(2026, 1, 15, 0, 0, 0, 0, time.UTC)
	sub, err := e.com.CreateSubscription(e.sys, commerce.SubscriptionInput{Customer: tpContact(mei.ID), Plan: "每月茶葉", Price: 60000,
		Period: "month", StartedAt: &jan15})
	must(t, err)
	if sub.RenewsAt == nil || !sub.RenewsAt.Equal(time.Date(2026, 2, 15, 0, 0, 0, 0, time.UTC)) || sub.Status != "active" || sub.Currency != "TWD" {
		t.Fatalf("subscription: %+v renews %v", sub, sub.RenewsAt)
	}
	o, err := e.com.RenewSubscription(e.sys, sub.ID)
	must(t, err)
	if want := fmt.Sprintf("SUB-%d-20260215", sub.ID); o.Number != want || o.Total != 60000 || o.Status != "paid" ||
		o.SubscriptionID == nil || *o.SubscriptionID != sub.ID || o.ContactID == nil || *o.ContactID != mei.ID ||
		!o.PlacedAt.Equal(*sub.RenewsAt) || len(o.Lines) != 1 || o.Lines[0].Name != "每月茶葉" {
		t.Errorf("renewal order %s total %d status %s subscription %v contact %v placed %v lines %s", o.Number, o.Total, o.Status,
			o.SubscriptionID, o.ContactID, o.PlacedAt, jsonOf(o.Lines))
	}
	got, err := e.com.GetSubscription(e.sys, sub.ID)
	must(t, err)
	if got.RenewsAt == nil || !got.RenewsAt.Equal(time.Date(2026, 3, 15, 0, 0, 0, 0, time.UTC)) || got.Version != 2 {
		t.Errorf("after renewal: renews %v version %d; want 2026-03-15, 2", got.RenewsAt, got.Version)
	}
	if m := e.tpMetrics(mei.ID); m.OrderCount != 1 || m.Revenue != 60000 {
		t.Errorf("metrics after a renewal: %+v", m)
	}

	// Paused and cancelled subscriptions do not renew.
	paused, cancelled := "paused", "cancelled"
	_, err = e.com.UpdateSubscription(e.sys, sub.ID, 0, commerce.SubscriptionChange{Status: &paused})
	must(t, err)
	_, err = e.com.RenewSubscription(e.sys, sub.ID)
	wantField(t, err, "status", "not_active")
	e.tick(time.Hour)
	got, err = e.com.UpdateSubscription(e.sys, sub.ID, 0, commerce.SubscriptionChange{Status: &cancelled})
	must(t, err)
	if got.Status != "cancelled" || got.RenewsAt != nil || got.CancelledAt == nil || !got.CancelledAt.Equal(e.now()) {
		t.Errorf("cancelled: %+v", got)
	}
	_, err = e.com.RenewSubscription(e.sys, sub.ID)
	wantField(t, err, "status", "not_active")
	active := "active"
	_, err = e.com.UpdateSubscription(e.sys, sub.ID, 0, commerce.SubscriptionChange{Status: &active})
	wantField(t, err, "status", "invalid_transition")
	if n := e.tpCount("SELECT count(*) FROM orders"); n != 1 {
		t.Errorf("%d orders; want the one renewal", n)
	}
	_, err = e.com.CreateSubscription(e.sys, commerce.SubscriptionInput{Customer: tpAnon("x"), Plan: "p", Price: 1, Period: "month"})
	wantField(t, err, "customer", "customer_required")
	_, err = e.com.CreateSubscription(e.sys, commerce.SubscriptionInput{Customer: tpContact(mei.ID), Plan: "p", Price: 1, Period: "fortnight"})
	wantField(t, err, "period", "invalid_period")
}

// testComMonthEnd pins what a period after a month's end is. Renewals move
// on with time.Time.AddDate, which normalises a day the month lacks into
// the next month: 31 January + 1 month is "31 February", that is 3 March
// 2026 (2026 is not a leap year). The renewal after that is 3 April: once
// moved, a subscription keeps its new day rather than going back to the
// 31st. Likewise 30 November + 1 quarter is 2 March, and 29 February
// 2024 + 1 year is 1 March 2025.
func testComMonthEnd(t *testing.T, e *env) {
	mei := e.named("林美")
	date := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
	jan31 := date(2026, 1, 31)
	sub, err := e.com.CreateSubscription(e.sys, commerce.SubscriptionInput{Customer: tpContact(mei.ID), Plan: "月訂", Price: 1000,
		Period: "month", StartedAt: ptr(date(2025, 12, 31)), RenewsAt: &jan31})
	must(t, err)
	wantRenewals := []struct {
		number string
		next   time.Time
	}{
		{"20260131", date(2026, 3, 3)},
		{"20260303", date(2026, 4, 3)},
	}
	for _, w := range wantRenewals {
		o, err := e.com.RenewSubscription(e.sys, sub.ID)
		must(t, err)
		if want := fmt.Sprintf("SUB-%d-%s", sub.ID, w.number); o.Number != want {
			t.Errorf("renewal numbered %s; want %s", o.Number, want)
		}
		got, err := e.com.GetSubscription(e.sys, sub.ID)
		must(t, err)
		if got.RenewsAt == nil || !got.RenewsAt.Equal(w.next) {
			t.Errorf("after renewal %s: renews %v; want %v", w.number, got.RenewsAt, w.next)
		}
	}
	for _, c := range []struct {
		period  string
		started time.Time
		want    time.Time
	}{
		{"month", date(2026, 1, 31), date(2026, 3, 3)},
		{"month", date(2024, 1, 31), date(2024, 3, 2)},
		{"week", date(2026, 2, 25), date(2026, 3, 4)},
		{"quarter", date(2025, 11, 30), date(2026, 3, 2)},
		{"year", date(2024, 2, 29), date(2025, 3, 1)},
	} {
		s, err := e.com.CreateSubscription(e.sys, commerce.SubscriptionInput{Customer: tpContact(mei.ID), Plan: c.period, Price: 1,
			Period: c.period, StartedAt: &c.started})
		must(t, err)
		if s.RenewsAt == nil || !s.RenewsAt.Equal(c.want) {
			t.Errorf("%s from %s renews %v; want %s", c.period, c.started.Format(time.DateOnly), s.RenewsAt, c.want.Format(time.DateOnly))
		}
	}
}
