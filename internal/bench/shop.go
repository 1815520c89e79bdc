package bench

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/guanxi-crm/guanxi/internal/app"
	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/insight"
)

// The shop data of the analytics scenarios (issue 4): every loaded contact
// is a customer with touchpoint events and orders, generated from the run's
// seed and written straight into the tables in big batches (multi-row
// INSERTs in a transaction per block on SQLite, COPY on PostgreSQL), as an
// import of history would; going through the services would take an hour
// at the sizes of BENCHMARKS.md. Each block of customers is generated, its
// rows sorted by time (as they arrive in a shop) and loaded before the next
// is made, so that the run never holds more than one block in memory.
// contact_metrics, which the services keep up to date as orders and events
// arrive, are written alongside, computed from the same rows.
//
// The generator knows the answers the scenarios must find: who is in the
// segment of BENCHMARKS.md, and how many customers RFM scores.

// Per customer, by default (BENCHMARKS.md: 1M customers, 10M events, 10M
// orders).
const (
	EventsPerContact = 10
	OrdersPerContact = 10
)

const (
	// shopBlockSize is how many customers are generated and loaded at a
	// time.
	shopBlockSize = 5000
	// catalogueSize is the number of products besides A and B.
	catalogueSize = 500
	// insertRows is the rows of one multi-row INSERT on SQLite.
	insertRows = 250
)

// The segment of BENCHMARKS.md: "≥ 5 visits in 90 days and bought both A
// and B".
const (
	segmentText   = `events(type: "store_visit", within_days: 90) >= 5 and bought(sku: "A") and bought(sku: "B")`
	segmentVisits = 5
	segmentDays   = 90
	skuA, skuB    = "A", "B"
)

// Shares of the customers: regulars visit the shop often and recently; A and
// B are bought by a few percent each, B more often by those who bought A.
const (
	regularShare = 0.25
	boughtAShare = 0.04
	bBesideA     = 0.30
	bWithoutA    = 0.029
	// The purchase process: rates λ ~ Gamma(purchaseR, ·) scaled so that
	// customers make ordersMean orders on average; after each repeat
	// purchase a customer lapses with probability p ~ Beta(lapseA, lapseB).
	purchaseR = 1.5
	lapseA    = 1.0
	lapseB    = 15.0
	shopYears = 3
)

const (
	microsPerDay = int64(24 * time.Hour / time.Microsecond)
	// edge keeps events off the start of the segment's 90-day window by a
	// day and a half either way, so that its answer does not move while a
	// run lasts.
	edge = 36 * int64(time.Hour/time.Microsecond)
)

// ShopBuild is how the shop data was made.
type ShopBuild struct {
	Customers  int   `json:"customers"`
	Events     int64 `json:"events"`
	Orders     int64 `json:"orders"`
	OrderLines int64 `json:"order_lines"`
	Products   int   `json:"products"`
	// Buyers have a counted sale (paid or fulfilled): RFM scores them.
	Buyers int64 `json:"buyers"`
	// BoughtA and BoughtB bought A or B in a counted sale; Segment are the
	// members of the segment when the data was made.
	BoughtA int64 `json:"bought_a"`
	BoughtB int64 `json:"bought_b"`
	Segment int64 `json:"segment"`
	// Groceries is the number of Groceries baskets loaded as orders, for
	// the basket scenario.
	Groceries int `json:"groceries,omitempty"`
	// Load is the seconds spent writing rows, Indexes making the indexes
	// of the tables again after them, Total the whole build; RowsPerSec
	// counts every row written (events, orders, lines, metrics) over Load.
	Load       float64 `json:"load_s"`
	Indexes    float64 `json:"indexes_s"`
	Total      float64 `json:"total_s"`
	RowsPerSec float64 `json:"rows_per_s"`
	// Insight is the seconds of the first insight run (the daily job the
	// server would otherwise start with), run before the server starts.
	Insight float64 `json:"insight_s,omitempty"`
}

// shopAnswers are what the scenarios must find in the shop data.
type shopAnswers struct {
	segment int64 // members of the segment
	buyers  int64 // customers RFM scores
	// groceries is the window the Groceries baskets were placed in, and
	// their number; zero when they were not loaded.
	groceriesFrom, groceriesTo time.Time
	groceries                  int
}

type product struct {
	id                  int64
	sku, name, category string
	price, cost         int64
	weight              float64 // cumulative, for drawing
}

type eventRow struct {
	contact      int64
	typ, channel string
	at           int64 // Unix microseconds
}

type orderRow struct {
	id, contact                  int64 // contact 0: none
	channel, status, number      string
	at, subtotal, refunded, cost int64
	revenue, profit              int64
	counted                      bool
}

type lineRow struct {
	order, product       int64 // product 0: none
	no                   int
	sku, name            string
	qty, price, unitCost int64
	hasCost              bool
}

type metricsRow struct {
	contact             int64
	firstSeen, lastSeen int64 // 0: none
	sales               insight.Buyer
}

// shopBlock is one block of rows, written together.
type shopBlock struct {
	events  []eventRow
	orders  []orderRow
	lines   []lineRow
	metrics []metricsRow
}

func (b *shopBlock) reset() {
	b.events, b.orders, b.lines, b.metrics = b.events[:0], b.orders[:0], b.lines[:0], b.metrics[:0]
}

func (b *shopBlock) rows() int64 {
	return int64(len(b.events) + len(b.orders) + len(b.lines) + len(b.metrics))
}

// shopGen generates the customers' rows.
type shopGen struct {
	r         *rand.Rand
	now, cut  int64 // Unix microseconds: the time of the build, and the start of the segment's window
	products  []product
	draw      []product // the catalogue products drawn for ordinary lines
	nextOrder int64
	// events are spread evenly: eventsEach per customer, one more for the
	// first eventsExtra.
	eventsEach, eventsExtra int
	ordersMean              float64
	rateScale               float64 // of the purchase rates (see calibrate)
	build                   ShopBuild
}

// Event types and the channels they come through.
var (
	otherEventTypes = []string{"page_view", "product_view", "add_to_cart", "email_opened", "call", "chat_message", "purchase"}
	eventChannelsOf = map[string][]string{
		"page_view": {"web", "app"}, "product_view": {"web", "app"}, "add_to_cart": {"web", "app"},
		"email_opened": {"email"}, "call": {"phone"}, "chat_message": {"line", "wechat"}, "purchase": {"web"},
		"store_visit": {"store"},
	}
	orderChannels = []string{"web", "web", "web", "web", "web", "store", "store", "store", "app", "phone"}
	categories    = []string{"tea", "coffee", "snacks", "kitchen", "gifts", "apparel", "beauty", "books", "electronics", "home"}
)

func newShopGen(seed int64, customers, events, orders int, now time.Time) *shopGen {
	g := &shopGen{r: rand.New(rand.NewPCG(uint64(seed), 0x5b09)), now: now.UnixMicro()}
	g.cut = now.AddDate(0, 0, -segmentDays).UnixMicro()
	g.eventsEach, g.eventsExtra = events/max(customers, 1), events%max(customers, 1)
	g.ordersMean = max(1, float64(orders)/float64(max(customers, 1)))
	if g.ordersMean > 1 {
		g.calibrate()
	}
	// Prices are log-normal around 800.00; costs 40-80% of the price.
	mk := func(id int64, sku, name, category string) product {
		price := int64(math.Round(math.Exp(math.Log(80000)+0.8*g.r.NormFloat64()))/100) * 100
		price = max(price, 500)
		return product{id: id, sku: sku, name: name, category: category, price: price, cost: price * int64(40+g.r.IntN(41)) / 100}
	}
	g.products = append(g.products, mk(1, skuA, "High-mountain oolong, gift box (A)", "tea"), mk(2, skuB, "Tea set, celadon (B)", "kitchen"))
	// The catalogue's popularity follows Zipf's law.
	var sum float64
	for i := range catalogueSize {
		p := mk(int64(3+i), fmt.Sprintf("SKU-%04d", i+1), fmt.Sprintf("Product %d", i+1), categories[i%len(categories)])
		sum += 1 / float64(i+1)
		p.weight = sum
		g.products = append(g.products, p)
	}
	for i := 2; i < len(g.products); i++ {
		g.products[i].weight /= sum
	}
	g.draw = g.products[2:]
	g.build.Products = len(g.products)
	return g
}

func (g *shopGen) pickProduct() *product {
	u := g.r.Float64()
	i, _ := slices.BinarySearchFunc(g.draw, u, func(p product, u float64) int {
		switch {
		case p.weight < u:
			return -1
		case p.weight > u:
			return 1
		}
		return 0
	})
	return &g.draw[min(i, len(g.draw)-1)]
}

// customer generates one customer's events, orders and figures into b.
func (g *shopGen) customer(b *shopBlock, id int64, index int) {
	r := g.r
	// Events: regulars mostly visit the shop, within the last four months;
	// the others browse online over the year and visit now and then.
	regular := r.Float64() < regularShare
	n := g.eventsEach
	if index < g.eventsExtra {
		n++
	}
	visits := 0
	m := metricsRow{contact: id}
	for range n {
		span, store := 365*microsPerDay, r.Float64() < 0.05
		if regular {
			span, store = 120*microsPerDay, r.Float64() < 0.7
		}
		at := g.now - 1 - r.Int64N(span)
		if at > g.cut-edge && at < g.cut+edge {
			at -= 2 * edge
		}
		typ := "store_visit"
		if !store {
			typ = otherEventTypes[r.IntN(len(otherEventTypes))]
		}
		chans := eventChannelsOf[typ]
		b.events = append(b.events, eventRow{contact: id, typ: typ, channel: chans[r.IntN(len(chans))], at: at})
		if store && at >= g.cut {
			visits++
		}
		m.seen(at)
	}

	// Orders: the purchases of the BG/NBD story (Fader, Hardie & Lee 2005),
	// so that the insight run's models have the kind of data they are
	// made for: a first order in the last three years, then purchases at
	// the customer's own rate until, after some purchase, they lapse.
	times := g.purchases(g.now - 1 - r.Int64N(shopYears*365*microsPerDay))
	k := len(times)
	slices.Sort(times)
	buysA := r.Float64() < boughtAShare
	buysB := r.Float64() < bWithoutA
	if buysA {
		buysB = r.Float64() < bBesideA
	}
	aAt, bAt := -1, -1
	if buysA {
		aAt = r.IntN(k)
	}
	if buysB {
		bAt = r.IntN(k)
	}
	var boughtA, boughtB bool
	for i, at := range times {
		g.nextOrder++
		o := orderRow{id: g.nextOrder, contact: id, channel: orderChannels[r.IntN(len(orderChannels))], at: at}
		switch u := r.Float64(); {
		case u < 0.55:
			o.status = "paid"
		case u < 0.93:
			o.status = "fulfilled"
		case u < 0.96:
			o.status = "cancelled"
		case u < 0.98:
			o.status = "pending"
		default:
			o.status = "refunded"
		}
		o.counted = o.status == "paid" || o.status == "fulfilled"
		nl := 1
		if u := r.Float64(); u < 0.1 {
			nl = 3
		} else if u < 0.4 {
			nl = 2
		}
		var picked [5]*product
		lines := picked[:0]
		for len(lines) < nl {
			p := g.pickProduct()
			if !slices.Contains(lines, p) {
				lines = append(lines, p)
			}
		}
		if i == aAt {
			lines = append(lines, &g.products[0])
			boughtA = boughtA || o.counted
		}
		if i == bAt {
			lines = append(lines, &g.products[1])
			boughtB = boughtB || o.counted
		}
		for j, p := range lines {
			qty := int64(1)
			if u := r.Float64(); u < 0.05 {
				qty = 3
			} else if u < 0.2 {
				qty = 2
			}
			b.lines = append(b.lines, lineRow{order: o.id, product: p.id, no: j + 1, sku: p.sku, name: p.name,
				qty: qty, price: p.price, unitCost: p.cost, hasCost: true})
			o.subtotal += qty * p.price
			o.cost += qty * p.cost
		}
		if o.status == "refunded" {
			o.refunded = o.subtotal
		}
		if o.counted {
			o.revenue = o.subtotal - o.refunded
			o.profit = o.revenue - o.cost
			m.sales.Add(time.UnixMicro(at), o.revenue, o.profit)
		}
		m.seen(at)
		b.orders = append(b.orders, o)
	}
	b.metrics = append(b.metrics, m)

	g.build.Customers++
	g.build.Events += int64(n)
	g.build.Orders += int64(k)
	if m.sales.Orders > 0 {
		g.build.Buyers++
	}
	if boughtA {
		g.build.BoughtA++
	}
	if boughtB {
		g.build.BoughtB++
	}
	if visits >= segmentVisits && boughtA && boughtB {
		g.build.Segment++
	}
}

// purchases are a customer's order times from the first, at first, up to
// now (at most 20 × ordersMean of them).
func (g *shopGen) purchases(first int64) []int64 {
	times := []int64{first}
	rate := g.rateScale * gammaDraw(g.r, purchaseR) // purchases a microsecond
	lapse := betaDraw(g.r, lapseA, lapseB)
	at := float64(first)
	for len(times) < int(20*g.ordersMean) {
		at += g.r.ExpFloat64() / rate
		if at >= float64(g.now) {
			break
		}
		times = append(times, int64(at))
		if g.r.Float64() < lapse {
			break
		}
	}
	return times
}

// calibrate finds the scale of the purchase rates at which customers make
// ordersMean orders on average, by bisection over simulated customers.
func (g *shopGen) calibrate() {
	const n = 20_000
	mean := func(scale float64) float64 {
		sim := &shopGen{r: rand.New(rand.NewPCG(1, 2)), now: g.now, ordersMean: g.ordersMean, rateScale: scale}
		total := 0
		for range n {
			total += len(sim.purchases(g.now - 1 - sim.r.Int64N(shopYears*365*microsPerDay)))
		}
		return float64(total) / n
	}
	lo, hi := 1e-16, 1e-6
	for range 60 {
		mid := math.Sqrt(lo * hi)
		if mean(mid) < g.ordersMean {
			lo = mid
		} else {
			hi = mid
		}
	}
	g.rateScale = math.Sqrt(lo * hi)
}

// gammaDraw draws from Gamma(shape, 1) (Marsaglia and Tsang's method).
func gammaDraw(r *rand.Rand, shape float64) float64 {
	if shape < 1 {
		return gammaDraw(r, shape+1) * math.Pow(r.Float64(), 1/shape)
	}
	d := shape - 1.0/3
	c := 1 / math.Sqrt(9*d)
	for {
		x := r.NormFloat64()
		v := 1 + c*x
		if v <= 0 {
			continue
		}
		v = v * v * v
		u := r.Float64()
		if math.Log(u) < 0.5*x*x+d-d*v+d*math.Log(v) {
			return d * v
		}
	}
}

// betaDraw draws from Beta(a, b).
func betaDraw(r *rand.Rand, a, b float64) float64 {
	x := gammaDraw(r, a)
	return x / (x + gammaDraw(r, b))
}

// metricsColumns are the columns of contact_metrics the sinks write. The
// generated orders have no returns: a customer's revenue and profit are
// their sales'.
var metricsColumns = []string{"contact_id", "first_seen_at", "last_seen_at", "first_order_at", "last_order_at",
	"order_count", "revenue", "profit", "open_cart_value", "sales_revenue", "sales_profit", "purchase_days", "first_day_revenue"}

// orderSpan is the first and last sale that counts, in µs (0: none).
func (m *metricsRow) orderSpan() (first, last int64) {
	if m.sales.Orders == 0 {
		return 0, 0
	}
	return m.sales.FirstOrder.UnixMicro(), m.sales.LastOrder.UnixMicro()
}

func (m *metricsRow) seen(at int64) {
	if m.firstSeen == 0 || at < m.firstSeen {
		m.firstSeen = at
	}
	m.lastSeen = max(m.lastSeen, at)
}

// sortByTime orders a block's events and orders by time, as they arrive,
// and renumbers its orders in that order.
func (g *shopGen) sortByTime(b *shopBlock, firstOrder int64) {
	slices.SortFunc(b.events, func(x, y eventRow) int { return int(sign(x.at - y.at)) })
	renumber := make(map[int64]int64, len(b.orders))
	slices.SortStableFunc(b.orders, func(x, y orderRow) int { return int(sign(x.at - y.at)) })
	for i := range b.orders {
		o := &b.orders[i]
		id := firstOrder + int64(i)
		renumber[o.id] = id
		o.id, o.number = id, "BENCH-"+strconv.FormatInt(id, 10)
	}
	for i := range b.lines {
		b.lines[i].order = renumber[b.lines[i].order]
	}
	slices.SortFunc(b.lines, func(x, y lineRow) int {
		if c := sign(x.order - y.order); c != 0 {
			return int(c)
		}
		return x.no - y.no
	})
}

func sign(x int64) int64 {
	switch {
	case x < 0:
		return -1
	case x > 0:
		return 1
	}
	return 0
}

// shopSink writes the rows into one engine's tables, on one connection of
// the store's write pool. As a bulk load does, it drops the secondary
// indexes of the tables it fills first and makes them again at the end
// (shopTables), and the foreign keys are not checked meanwhile (the
// generator makes only rows that hold them).
type shopSink interface {
	begin(ctx context.Context) error
	products(ctx context.Context, ps []product, currency string, now int64) error
	write(ctx context.Context, b *shopBlock, currency string) error
	// finish makes the indexes again and reports how long that took.
	finish(ctx context.Context) (time.Duration, error)
	close()
}

// shopTables are the tables the shop data fills.
var shopTables = []string{"events", "orders", "order_lines", "contact_metrics", "products"}

// dropIndexes drops the indexes of the shop's tables that no constraint
// needs, and returns the statements that make them again.
func dropIndexes(ctx context.Context, conn *sql.Conn, postgres bool) ([]string, error) {
	in := "'" + strings.Join(shopTables, "', '") + "'"
	q := "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN (" + in + ")"
	if postgres {
		q = `SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename IN (` + in + `)
			AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE connamespace = current_schema()::regnamespace)`
	}
	rows, err := conn.QueryContext(ctx, q)
	if err != nil {
		return nil, err
	}
	var names, defs []string
	for rows.Next() {
		var name, def string
		if err := rows.Scan(&name, &def); err != nil {
			rows.Close()
			return nil, err
		}
		names, defs = append(names, name), append(defs, def)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, name := range names {
		if _, err := conn.ExecContext(ctx, `DROP INDEX "`+name+`"`); err != nil {
			return nil, err
		}
	}
	return defs, nil
}

// remakeIndexes runs the statements dropIndexes returned.
func remakeIndexes(ctx context.Context, conn *sql.Conn, defs []string) (time.Duration, error) {
	start := time.Now()
	for _, def := range defs {
		if _, err := conn.ExecContext(ctx, def); err != nil {
			return 0, fmt.Errorf("%s: %w", def, err)
		}
	}
	return time.Since(start), nil
}

// buildShop generates and loads the shop data of the customers ids (in
// ascending order), and, when groceries is set, the Groceries baskets as
// orders without a customer, placed in January 2001, before any other.
func buildShop(ctx context.Context, cfg *Config, a *app.App, ids []int64, groceries [][]string) (*ShopBuild, *shopAnswers, error) {
	start := time.Now()
	currency, err := crm.SettleCurrency(crm.WithPrincipal(ctx, crm.System), a.Store, "", a.Config.Currency)
	if err != nil {
		return nil, nil, err
	}
	var base int64
	if err := a.Store.DB().QueryRowContext(ctx, "SELECT COALESCE(MAX(id), 0) FROM orders").Scan(&base); err != nil {
		return nil, nil, fmt.Errorf("bench: %w", err)
	}
	var products int64
	if err := a.Store.DB().QueryRowContext(ctx, "SELECT count(*) FROM products").Scan(&products); err != nil {
		return nil, nil, fmt.Errorf("bench: %w", err)
	}
	if products > 0 {
		return nil, nil, errors.New("bench: the shop data is loaded into an empty catalogue only")
	}
	sink, err := newSink(ctx, a)
	if err != nil {
		return nil, nil, err
	}
	defer sink.close()

	events, orders := cfg.Events, cfg.Orders
	if events <= 0 {
		events = EventsPerContact * len(ids)
	}
	if orders <= 0 {
		orders = OrdersPerContact * len(ids)
	}
	now := time.Now()
	g := newShopGen(cfg.Seed, len(ids), events, orders, now)
	g.nextOrder = base
	ans := &shopAnswers{}
	var load time.Duration
	var written int64
	timed := func(fn func() error) error {
		t0 := time.Now()
		err := fn()
		load += time.Since(t0)
		return err
	}
	if err := sink.begin(ctx); err != nil {
		return nil, nil, fmt.Errorf("bench: dropping the indexes for the load: %w", err)
	}
	if err := timed(func() error { return sink.products(ctx, g.products, currency, g.now) }); err != nil {
		return nil, nil, fmt.Errorf("bench: products: %w", err)
	}
	cfg.logf("generating and loading the shop: %d customers, about %d events and %d orders", len(ids), events, orders)
	var b shopBlock
	decile := 0
	for from := 0; from < len(ids); from += shopBlockSize {
		b.reset()
		firstOrder := g.nextOrder + 1
		for i, id := range ids[from:min(len(ids), from+shopBlockSize)] {
			g.customer(&b, id, from+i)
		}
		g.sortByTime(&b, firstOrder)
		g.build.OrderLines += int64(len(b.lines))
		written += b.rows()
		if err := timed(func() error { return sink.write(ctx, &b, currency) }); err != nil {
			return nil, nil, fmt.Errorf("bench: loading the shop: %w", err)
		}
		if d := (from + shopBlockSize) * 10 / len(ids); len(ids) >= 50_000 && d > decile {
			decile = d
			cfg.logf("  shop: %d of %d customers (%s)", min(len(ids), from+shopBlockSize), len(ids), time.Since(start).Round(time.Second))
		}
	}
	if len(groceries) > 0 {
		b.reset()
		ans.groceriesFrom = time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC)
		ans.groceriesTo = ans.groceriesFrom.AddDate(0, 1, 0)
		step := ans.groceriesTo.Sub(ans.groceriesFrom).Microseconds() / int64(len(groceries))
		for i, items := range groceries {
			g.nextOrder++
			o := orderRow{id: g.nextOrder, channel: "store", status: "paid", counted: true,
				at: ans.groceriesFrom.UnixMicro() + int64(i)*step, number: "GROCERIES-" + strconv.Itoa(i+1)}
			for j, item := range items {
				b.lines = append(b.lines, lineRow{order: o.id, no: j + 1, name: item, qty: 1, price: 100})
				o.subtotal += 100
			}
			o.revenue, o.profit = o.subtotal, o.subtotal
			b.orders = append(b.orders, o)
		}
		written += b.rows()
		if err := timed(func() error { return sink.write(ctx, &b, currency) }); err != nil {
			return nil, nil, fmt.Errorf("bench: loading the Groceries baskets: %w", err)
		}
		ans.groceries = len(groceries)
		g.build.Groceries = len(groceries)
	}
	cfg.logf("making the indexes of the shop's tables again")
	indexes, err := sink.finish(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("bench: %w", err)
	}
	sb := g.build
	sb.Load, sb.Indexes, sb.Total = seconds(load), seconds(indexes), seconds(time.Since(start))
	if load > 0 {
		sb.RowsPerSec = float64(written) / load.Seconds()
	}
	ans.segment, ans.buyers = sb.Segment, sb.Buyers
	return &sb, ans, nil
}

func newSink(ctx context.Context, a *app.App) (shopSink, error) {
	conn, err := a.Store.DB().Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("bench: %w", err)
	}
	if a.Store.Dialect() == "postgres" {
		return &pgSink{conn: conn}, nil
	}
	return &sqliteSink{conn: conn}, nil
}

// sqliteSink writes with multi-row INSERTs, a transaction per block.
type sqliteSink struct {
	conn    *sql.Conn
	indexes []string
}

func (s *sqliteSink) begin(ctx context.Context) (err error) {
	if _, err := s.conn.ExecContext(ctx, "PRAGMA foreign_keys = OFF"); err != nil {
		return err
	}
	s.indexes, err = dropIndexes(ctx, s.conn, false)
	return err
}

func (s *sqliteSink) close() {
	_, _ = s.conn.ExecContext(context.Background(), "PRAGMA foreign_keys = ON")
	s.conn.Close()
}

func (s *sqliteSink) products(ctx context.Context, ps []product, currency string, now int64) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		return insertMany(ctx, tx, "INSERT INTO products (id, sku, name, category, price, cost, currency, created_at, updated_at) VALUES", 9, len(ps),
			func(i int, v []any) []any {
				p := &ps[i]
				return append(v, p.id, p.sku, p.name, p.category, p.price, p.cost, currency, now, now)
			})
	})
}

func (s *sqliteSink) write(ctx context.Context, b *shopBlock, currency string) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		err := insertMany(ctx, tx, "INSERT INTO events (contact_id, type, channel, occurred_at, received_at, source) VALUES", 6, len(b.events),
			func(i int, v []any) []any {
				e := &b.events[i]
				return append(v, e.contact, e.typ, e.channel, e.at, e.at, "bench")
			})
		if err != nil {
			return err
		}
		err = insertMany(ctx, tx, `INSERT INTO orders (id, number, kind, contact_id, channel, status, currency, placed_at, subtotal, discount,
			total, cost, refunded, revenue, profit, source, created_at, updated_at) VALUES`, 18, len(b.orders),
			func(i int, v []any) []any {
				o := &b.orders[i]
				return append(v, o.id, o.number, "sale", nullID(o.contact), o.channel, o.status, currency, o.at, o.subtotal, 0,
					o.subtotal, o.cost, o.refunded, o.revenue, o.profit, "bench", o.at, o.at)
			})
		if err != nil {
			return err
		}
		err = insertMany(ctx, tx, "INSERT INTO order_lines (order_id, line_no, product_id, sku, name, quantity, unit_price, discount, unit_cost) VALUES", 9, len(b.lines),
			func(i int, v []any) []any {
				l := &b.lines[i]
				var cost any
				if l.hasCost {
					cost = l.unitCost
				}
				return append(v, l.order, l.no, nullID(l.product), l.sku, l.name, l.qty, l.price, 0, cost)
			})
		if err != nil {
			return err
		}
		return insertMany(ctx, tx, `INSERT INTO contact_metrics (contact_id, first_seen_at, last_seen_at, first_order_at, last_order_at,
			order_count, revenue, profit, open_cart_value, sales_revenue, sales_profit, purchase_days, first_day_revenue) VALUES`,
			len(metricsColumns), len(b.metrics),
			func(i int, v []any) []any {
				m := &b.metrics[i]
				first, last := m.orderSpan()
				return append(v, m.contact, nullMicros(m.firstSeen), nullMicros(m.lastSeen), nullMicros(first), nullMicros(last),
					m.sales.Orders, m.sales.Revenue, m.sales.Profit, 0, m.sales.Revenue, m.sales.Profit, m.sales.PurchaseDays, m.sales.FirstDayRevenue)
			})
	})
}

func (s *sqliteSink) finish(ctx context.Context) (time.Duration, error) {
	took, err := remakeIndexes(ctx, s.conn, s.indexes)
	if err != nil {
		return 0, err
	}
	_, err = s.conn.ExecContext(ctx, "PRAGMA foreign_keys = ON")
	return took, err
}

func (s *sqliteSink) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}

// insertMany inserts n rows of width columns, insertRows to a statement;
// row appends row i's values.
func insertMany(ctx context.Context, tx *sql.Tx, head string, width, n int, row func(i int, v []any) []any) error {
	var full *sql.Stmt
	values := make([]any, 0, insertRows*width)
	for from := 0; from < n; from += insertRows {
		to := min(n, from+insertRows)
		values = values[:0]
		for i := from; i < to; i++ {
			values = row(i, values)
		}
		if to-from == insertRows {
			if full == nil {
				var err error
				if full, err = tx.PrepareContext(ctx, head+" "+valueRows(insertRows, width)); err != nil {
					return err
				}
				defer full.Close()
			}
			if _, err := full.ExecContext(ctx, values...); err != nil {
				return err
			}
			continue
		}
		if _, err := tx.ExecContext(ctx, head+" "+valueRows(to-from, width), values...); err != nil {
			return err
		}
	}
	return nil
}

// valueRows is "(?, ?), (?, ?)" for n rows of width columns.
func valueRows(n, width int) string {
	row := "(" + strings.TrimSuffix(strings.Repeat("?, ", width), ", ") + ")"
	return strings.TrimSuffix(strings.Repeat(row+", ", n), ", ")
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func nullMicros(us int64) any {
	if us == 0 {
		return nil
	}
	return us
}

// pgSink writes with COPY. Where the role may (a superuser), the session
// skips the foreign keys' triggers meanwhile, as a restore does.
type pgSink struct {
	conn    *sql.Conn
	indexes []string
}

func (s *pgSink) begin(ctx context.Context) (err error) {
	_, _ = s.conn.ExecContext(ctx, "SET session_replication_role = replica")
	s.indexes, err = dropIndexes(ctx, s.conn, true)
	return err
}

func (s *pgSink) close() {
	_, _ = s.conn.ExecContext(context.Background(), "RESET session_replication_role")
	s.conn.Close()
}

func pgTime(us int64) time.Time { return time.UnixMicro(us).UTC() }

func pgNullTime(us int64) any {
	if us == 0 {
		return nil
	}
	return pgTime(us)
}

// copyRows is a CopyFromSource over n rows that row fills.
type copyRows struct {
	n, i int
	buf  []any
	row  func(i int, v []any) []any
}

func (c *copyRows) Next() bool {
	c.i++
	return c.i <= c.n
}

func (c *copyRows) Values() ([]any, error) { c.buf = c.row(c.i-1, c.buf[:0]); return c.buf, nil }

func (c *copyRows) Err() error { return nil }

func (s *pgSink) copy(ctx context.Context, table string, cols []string, n int, row func(i int, v []any) []any) error {
	if n == 0 {
		return nil
	}
	return s.conn.Raw(func(dc any) error {
		c := dc.(*stdlib.Conn).Conn()
		copied, err := c.CopyFrom(ctx, pgx.Identifier{table}, cols, &copyRows{n: n, row: row, buf: make([]any, 0, len(cols))})
		if err == nil && copied != int64(n) {
			err = fmt.Errorf("COPY %s: %d rows of %d", table, copied, n)
		}
		return err
	})
}

func (s *pgSink) products(ctx context.Context, ps []product, currency string, now int64) error {
	return s.copy(ctx, "products", []string{"id", "sku", "name", "category", "price", "cost", "currency", "created_at", "updated_at"}, len(ps),
		func(i int, v []any) []any {
			p := &ps[i]
			return append(v, p.id, p.sku, p.name, p.category, p.price, p.cost, currency, pgTime(now), pgTime(now))
		})
}

func (s *pgSink) write(ctx context.Context, b *shopBlock, currency string) error {
	err := s.copy(ctx, "events", []string{"contact_id", "type", "channel", "occurred_at", "received_at", "source"}, len(b.events),
		func(i int, v []any) []any {
			e := &b.events[i]
			return append(v, e.contact, e.typ, e.channel, pgTime(e.at), pgTime(e.at), "bench")
		})
	if err != nil {
		return err
	}
	err = s.copy(ctx, "orders", []string{"id", "number", "kind", "contact_id", "channel", "status", "currency", "placed_at", "subtotal", "discount",
		"total", "cost", "refunded", "revenue", "profit", "source", "created_at", "updated_at"}, len(b.orders),
		func(i int, v []any) []any {
			o := &b.orders[i]
			return append(v, o.id, o.number, "sale", nullID(o.contact), o.channel, o.status, currency, pgTime(o.at), o.subtotal, int64(0),
				o.subtotal, o.cost, o.refunded, o.revenue, o.profit, "bench", pgTime(o.at), pgTime(o.at))
		})
	if err != nil {
		return err
	}
	err = s.copy(ctx, "order_lines", []string{"order_id", "line_no", "product_id", "sku", "name", "quantity", "unit_price", "discount", "unit_cost"}, len(b.lines),
		func(i int, v []any) []any {
			l := &b.lines[i]
			var cost any
			if l.hasCost {
				cost = l.unitCost
			}
			return append(v, l.order, int64(l.no), nullID(l.product), l.sku, l.name, l.qty, l.price, int64(0), cost)
		})
	if err != nil {
		return err
	}
	return s.copy(ctx, "contact_metrics", metricsColumns, len(b.metrics),
		func(i int, v []any) []any {
			m := &b.metrics[i]
			first, last := m.orderSpan()
			return append(v, m.contact, pgNullTime(m.firstSeen), pgNullTime(m.lastSeen), pgNullTime(first), pgNullTime(last),
				m.sales.Orders, m.sales.Revenue, m.sales.Profit, int64(0), m.sales.Revenue, m.sales.Profit, m.sales.PurchaseDays,
				m.sales.FirstDayRevenue)
		})
}

// finish moves the identity sequences past the ids given explicitly, and
// makes the indexes again.
func (s *pgSink) finish(ctx context.Context) (time.Duration, error) {
	for _, t := range []string{"orders", "products"} {
		if _, err := s.conn.ExecContext(ctx, "SELECT setval(pg_get_serial_sequence('"+t+"', 'id'), (SELECT MAX(id) FROM "+t+"))"); err != nil {
			return 0, err
		}
	}
	return remakeIndexes(ctx, s.conn, s.indexes)
}
