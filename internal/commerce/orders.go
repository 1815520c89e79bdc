package commerce

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/guanxi-crm/guanxi/internal/crm"
)

// Order kinds: a sale, or a return of goods (counted against revenue).
const (
	KindSale   = "sale"
	KindReturn = "return"
)

// Order statuses.
const (
	StatusPending   = "pending"
	StatusPaid      = "paid"
	StatusFulfilled = "fulfilled"
	StatusCancelled = "cancelled"
	StatusRefunded  = "refunded"
)

// Statuses lists the order statuses.
var Statuses = []string{StatusPending, StatusPaid, StatusFulfilled, StatusCancelled, StatusRefunded}

// transitions are the status changes an order may make; refunded is reached
// by refunding the whole amount.
var transitions = map[string][]string{
	StatusPending:   {StatusPaid, StatusFulfilled, StatusCancelled},
	StatusPaid:      {StatusFulfilled, StatusCancelled},
	StatusFulfilled: {},
	StatusCancelled: {},
	StatusRefunded:  {},
}

// LineInput is an order line as a client sends it. A line names a product
// by product_id or sku; a SKU not in the catalogue creates the product when
// the line has a name. Price and cost default to the product's.
type LineInput struct {
	ProductID *int64 `json:"product_id,omitempty"`
	SKU       string `json:"sku,omitempty" maxLength:"100"`
	Name      string `json:"name,omitempty" maxLength:"300" doc:"Defaults to the product's name"`
	Quantity  int64  `json:"quantity" minimum:"1" maximum:"1000000"`
	UnitPrice *int64 `json:"unit_price,omitempty" doc:"Minor units; defaults to the product's price"`
	Discount  int64  `json:"discount,omitempty" doc:"Minor units off the whole line"`
	UnitCost  *int64 `json:"unit_cost,omitempty" doc:"Minor units; defaults to the product's cost"`
}

// OrderInput is an order as a client sends it.
type OrderInput struct {
	Number   string          `json:"number,omitempty" maxLength:"100" doc:"Unique; assigned (ORD-000123) when absent"`
	Kind     string          `json:"kind,omitempty" enum:"sale,return," doc:"sale (default) or return"`
	Customer crm.CustomerRef `json:"customer,omitzero" required:"false" doc:"Who bought; absent for a guest order"`
	Source   string          `json:"source,omitempty" maxLength:"100" doc:"System the order comes from, and the namespace of customer.external_id"`
	Channel  string          `json:"channel,omitempty" doc:"web, app, store, phone, marketplace … (default other)"`
	Status   string          `json:"status,omitempty" enum:"pending,paid,fulfilled,cancelled," doc:"Defaults to paid"`
	Currency string          `json:"currency,omitempty" maxLength:"3" doc:"ISO 4217; the database's currency when absent"`
	PlacedAt *time.Time      `json:"placed_at,omitempty" doc:"Defaults to now"`
	Lines    []LineInput     `json:"lines" minItems:"1" maxItems:"5000"`
	// SubscriptionID is set on renewals of a subscription.
	SubscriptionID *int64 `json:"-"`
}

// OrderLine is a stored order line.
type OrderLine struct {
	LineNo    int    `json:"line_no"`
	ProductID *int64 `json:"product_id"`
	SKU       string `json:"sku"`
	Name      string `json:"name"`
	Quantity  int64  `json:"quantity"`
	UnitPrice int64  `json:"unit_price"`
	Discount  int64  `json:"discount"`
	UnitCost  *int64 `json:"unit_cost"`
	Total     int64  `json:"total" doc:"quantity × unit_price − discount"`
}

// Refund is money given back on an order.
type Refund struct {
	ID         int64     `json:"id"`
	Amount     int64     `json:"amount"`
	Reason     string    `json:"reason,omitempty"`
	RefundedAt time.Time `json:"refunded_at"`
	CreatedBy  *int64    `json:"created_by,omitempty"`
}

// Order is a stored order with its derived totals.
type Order struct {
	ID             int64       `json:"id"`
	Version        int64       `json:"version"`
	Number         string      `json:"number"`
	Kind           string      `json:"kind"`
	ContactID      *int64      `json:"contact_id"`
	Channel        string      `json:"channel"`
	Status         string      `json:"status"`
	Currency       string      `json:"currency"`
	PlacedAt       time.Time   `json:"placed_at"`
	Subtotal       int64       `json:"subtotal" doc:"Σ quantity × unit_price"`
	Discount       int64       `json:"discount" doc:"Σ line discounts"`
	Total          int64       `json:"total" doc:"subtotal − discount"`
	Cost           int64       `json:"cost" doc:"Σ quantity × unit_cost (unknown costs count 0)"`
	Refunded       int64       `json:"refunded"`
	Revenue        int64       `json:"revenue" doc:"What the order adds to revenue: total − refunded for a paid or fulfilled sale, −total for a return, 0 otherwise"`
	Profit         int64       `json:"profit" doc:"What it adds to profit: revenue − cost for a paid or fulfilled sale (a whole refund takes the goods back: 0), cost − total for a return"`
	SubscriptionID *int64      `json:"subscription_id,omitempty"`
	Source         string      `json:"source,omitempty"`
	Lines          []OrderLine `json:"lines" nullable:"false"`
	Refunds        []Refund    `json:"refunds" nullable:"false"`
	CreatedBy      *int64      `json:"created_by,omitempty"`
	CreatedAt      time.Time   `json:"created_at"`
	UpdatedAt      time.Time   `json:"updated_at"`
}

// Counted reports whether the order is a sale that counts: paid or fulfilled.
func (o *Order) Counted() bool {
	return o.Kind == KindSale && (o.Status == StatusPaid || o.Status == StatusFulfilled)
}

// derive computes the totals from the lines and refunds, and what the order
// counts for. It is the one place these rules live; the store and reports
// add up its columns.
func (o *Order) derive() {
	o.Subtotal, o.Discount, o.Cost = 0, 0, 0
	for i := range o.Lines {
		l := &o.Lines[i]
		l.Total = l.Quantity*l.UnitPrice - l.Discount
		o.Subtotal += l.Quantity * l.UnitPrice
		o.Discount += l.Discount
		if l.UnitCost != nil {
			o.Cost += l.Quantity * *l.UnitCost
		}
	}
	o.Total = o.Subtotal - o.Discount
	o.Refunded = 0
	for _, r := range o.Refunds {
		o.Refunded += r.Amount
	}
	o.Revenue, o.Profit = 0, 0
	switch {
	case o.Counted():
		o.Revenue = o.Total - o.Refunded
		o.Profit = o.Revenue - o.Cost
	case o.Kind == KindReturn && (o.Status == StatusPaid || o.Status == StatusFulfilled):
		o.Revenue = -o.Total
		o.Profit = o.Cost - o.Total
	}
}

// OrderQuery selects orders, newest first.
type OrderQuery struct {
	ContactID *int64
	Status    string
	From, To  *time.Time
	Cursor    string
	Limit     int
}

// assignedNumber is the form of the numbers Guanxi gives orders that come
// without one; clients may not use it, so that the two cannot collide.
var assignedNumber = regexp.MustCompile(`^ORD-[0-9]+$`)

func (in *OrderInput) validate(v *crm.Violations, now time.Time) {
	in.Number = crm.CleanID(v, "number", in.Number)
	if assignedNumber.MatchString(in.Number) {
		v.Add("number", "number_reserved")
	}
	if in.Kind == "" {
		in.Kind = KindSale
	}
	if in.Kind != KindSale && in.Kind != KindReturn {
		v.Add("kind", "invalid_kind", "allowed", []string{KindSale, KindReturn})
	}
	crm.CleanCustomerRef(v, "customer", &in.Customer)
	if in.Customer.AnonymousID != "" && !in.Customer.Known() {
		v.Add("customer", "anonymous_order")
	}
	in.Source = crm.CleanText(v, "source", in.Source, 100)
	in.Channel = checkChannel(v, "channel", in.Channel)
	if in.Status == "" {
		in.Status = StatusPaid
	}
	if !slices.Contains(Statuses, in.Status) || in.Status == StatusRefunded {
		v.Add("status", "invalid_status", "allowed", []string{StatusPending, StatusPaid, StatusFulfilled, StatusCancelled})
	}
	in.Currency = strings.ToUpper(strings.TrimSpace(in.Currency))
	checkCurrency(v, "currency", in.Currency)
	placed := nowOr(in.PlacedAt, now)
	if placed.After(now.Add(24 * time.Hour)) {
		v.Add("placed_at", "in_the_future")
	}
	in.PlacedAt = &placed
	switch {
	case len(in.Lines) == 0:
		v.Add("lines", "required")
	case len(in.Lines) > maxLines:
		v.Add("lines", "too_many", "max", maxLines)
	}
	for i := range in.Lines {
		l := &in.Lines[i]
		f := fmt.Sprintf("lines[%d].", i)
		l.SKU = crm.CleanID(v, f+"sku", l.SKU)
		l.Name = crm.CleanText(v, f+"name", l.Name, 300)
		if l.ProductID == nil && l.SKU == "" && l.Name == "" {
			v.Add(f+"sku", "required")
		}
		if l.Quantity < 1 || l.Quantity > maxQuantity {
			v.Add(f+"quantity", "out_of_range", "min", 1, "max", maxQuantity)
		}
		if l.UnitPrice != nil {
			checkAmount(v, f+"unit_price", *l.UnitPrice)
		}
		if l.UnitCost != nil {
			checkAmount(v, f+"unit_cost", *l.UnitCost)
		}
		checkAmount(v, f+"discount", l.Discount)
		if l.UnitPrice != nil && l.Discount > l.Quantity**l.UnitPrice {
			v.Add(f+"discount", "exceeds_line")
		}
	}
}

// CreateOrder creates one order.
func (s *Service) CreateOrder(ctx context.Context, in OrderInput) (*Order, error) {
	results, err := s.CreateOrders(ctx, []OrderInput{in})
	if err != nil {
		return nil, err
	}
	if results[0].Err != nil {
		return nil, results[0].Err
	}
	return s.store.Order(ctx, results[0].ID)
}

// CreateOrders creates orders in one transaction. Each is checked on its
// own: an invalid one, a number in use (Conflict with existing_id), or a
// customer the caller may not change rejects that order only. Customers are
// matched as events match them, creating contacts for new emails, phones
// and external ids.
func (s *Service) CreateOrders(ctx context.Context, inputs []OrderInput) ([]BatchResult, error) {
	const op = "commerce.CreateOrders"
	p, err := crm.Writer(ctx, op)
	if err != nil {
		return nil, err
	}
	if len(inputs) > MaxBatch {
		return nil, crm.E(op, crm.KindTooLarge, "batch_too_large").With("max", MaxBatch)
	}
	now := s.clock.Now()
	results := make([]BatchResult, len(inputs))
	for i := range inputs {
		var v crm.Violations
		inputs[i].validate(&v, now)
		results[i] = BatchResult{Index: i, Err: v.Err(op)}
	}
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		w := &orderBatch{s: s, p: p, inputs: inputs, results: results, now: now}
		return w.run(ctx)
	})
	if err != nil {
		return nil, crm.Wrap(op, err)
	}
	return results, nil
}

// orderBatch is the work of one CreateOrders inside its transaction.
type orderBatch struct {
	s       *Service
	p       *crm.Principal
	inputs  []OrderInput
	results []BatchResult
	now     time.Time
}

func (w *orderBatch) ok(i int) bool { return w.results[i].Err == nil }

func (w *orderBatch) run(ctx context.Context) error {
	if err := w.checkNumbers(ctx); err != nil {
		return err
	}
	contacts, err := w.resolveCustomers(ctx)
	if err != nil {
		return err
	}
	// Each order's currency is settled before any product is made, so that
	// an order in another currency is refused alone.
	for i := range w.inputs {
		if !w.ok(i) {
			continue
		}
		cur, err := w.s.settleCurrency(ctx, w.inputs[i].Currency)
		if crm.IsKind(err, crm.KindInvalid) {
			w.results[i].Err = err
			continue
		} else if err != nil {
			return err
		}
		w.inputs[i].Currency = cur
	}
	catalogue, err := w.catalogue(ctx)
	if err != nil {
		return err
	}
	// New products the lines name, made only for the orders that are
	// stored: a refused order leaves the catalogue as it was.
	fresh := map[string]*Product{}
	var orders []*Order
	var at []int
	var needs [][]*Product
	for i := range w.inputs {
		if !w.ok(i) {
			continue
		}
		in := &w.inputs[i]
		o := &Order{Number: in.Number, Kind: in.Kind, Channel: in.Channel, Status: in.Status, Currency: in.Currency,
			PlacedAt: *in.PlacedAt, SubscriptionID: in.SubscriptionID, Source: in.Source, Refunds: []Refund{},
			CreatedBy: w.p.ActorID(), CreatedAt: w.now, UpdatedAt: w.now}
		if c := contacts[i]; c != 0 {
			o.ContactID = &c
		}
		need, err := w.lines(o, in, catalogue, fresh)
		if err != nil {
			w.results[i].Err = err
			continue
		}
		orders, at, needs = append(orders, o), append(at, i), append(needs, need)
	}
	if err := w.createProducts(ctx, orders, needs); err != nil {
		return err
	}
	for _, o := range orders {
		o.derive()
	}
	if err := w.s.store.CreateOrders(ctx, orders); err != nil {
		return err
	}
	entries := make([]crm.AuditEntry, len(orders))
	touched := map[int64]bool{}
	for j, o := range orders {
		w.results[at[j]].ID, w.results[at[j]].Version = o.ID, o.Version
		entries[j] = crm.NewAuditEntry(w.p, crm.RequestID(ctx), w.now, crm.ActionCreate, "order", o.ID, nil)
		if o.ContactID != nil {
			touched[*o.ContactID] = true
		}
	}
	if err := w.s.store.AppendAudit(ctx, entries...); err != nil {
		return err
	}
	return w.s.store.RefreshContactMetrics(ctx, sortedIDs(touched))
}

// checkNumbers refuses numbers in use or repeated in the batch.
func (w *orderBatch) checkNumbers(ctx context.Context) error {
	var numbers []string
	for i, in := range w.inputs {
		if w.ok(i) && in.Number != "" {
			numbers = append(numbers, in.Number)
		}
	}
	if len(numbers) == 0 {
		return nil
	}
	taken, err := w.s.store.OrderIDsByNumber(ctx, numbers)
	if err != nil {
		return err
	}
	first := map[string]int{}
	for i, in := range w.inputs {
		if !w.ok(i) || in.Number == "" {
			continue
		}
		if id, ok := taken[in.Number]; ok {
			w.results[i].Err = crm.E("commerce.CreateOrders", crm.KindConflict, "duplicate_order_number").
				With("number", in.Number).With("existing_id", id)
		} else if j, ok := first[in.Number]; ok {
			w.results[i].Err = crm.E("commerce.CreateOrders", crm.KindConflict, "duplicate_in_batch").
				With("field", "number").With("index", j)
		} else {
			first[in.Number] = i
		}
	}
	return nil
}

// resolveCustomers finds the contact of each order that names one.
func (w *orderBatch) resolveCustomers(ctx context.Context) ([]int64, error) {
	contacts := make([]int64, len(w.inputs))
	var refs []crm.CustomerRef
	var sources []string
	var at []int
	for i, in := range w.inputs {
		if w.ok(i) && in.Customer.Known() {
			refs, sources, at = append(refs, in.Customer), append(sources, in.Source), append(at, i)
		}
	}
	if len(refs) == 0 {
		return contacts, nil
	}
	ids, errs, err := w.s.resolver.ResolveCustomers(ctx, refs, sources)
	if err != nil {
		return nil, err
	}
	for j, i := range at {
		if errs[j] != nil {
			w.results[i].Err = errs[j]
		}
		contacts[i] = ids[j]
	}
	return contacts, nil
}

// catalogue reads the products the lines name, by SKU and by "#id".
func (w *orderBatch) catalogue(ctx context.Context) (map[string]*Product, error) {
	var skus []string
	ids := map[int64]bool{}
	for i, in := range w.inputs {
		if !w.ok(i) {
			continue
		}
		for _, l := range in.Lines {
			if l.ProductID != nil {
				ids[*l.ProductID] = true
			} else if l.SKU != "" {
				skus = append(skus, l.SKU)
			}
		}
	}
	found, err := w.s.store.ProductsBySKU(ctx, skus)
	if err != nil {
		return nil, err
	}
	for id := range ids {
		p, err := w.s.store.Product(ctx, id)
		if crm.IsKind(err, crm.KindNotFound) {
			continue
		} else if err != nil {
			return nil, err
		}
		found[productKey(id)] = p
	}
	return found, nil
}

func productKey(id int64) string { return fmt.Sprintf("#%d", id) }

// lines fills an order's lines from the input and the catalogue. A SKU not
// in the catalogue, on a line with a name, is a new product (the first
// line to name it defines it); need lists those the order uses.
func (w *orderBatch) lines(o *Order, in *OrderInput, catalogue, fresh map[string]*Product) (need []*Product, err error) {
	var v crm.Violations
	o.Lines = make([]OrderLine, len(in.Lines))
	for i, l := range in.Lines {
		f := fmt.Sprintf("lines[%d].", i)
		var p *Product
		switch {
		case l.ProductID != nil:
			if p = catalogue[productKey(*l.ProductID)]; p == nil {
				v.Add(f+"product_id", "unknown_product")
				continue
			}
		case l.SKU != "":
			if p = catalogue[l.SKU]; p != nil {
				break
			}
			if p = fresh[l.SKU]; p == nil && l.Name != "" {
				price := int64(0)
				if l.UnitPrice != nil {
					price = *l.UnitPrice
				}
				active := true
				p = &Product{ProductFields: ProductFields{SKU: l.SKU, Name: l.Name, Price: price, Cost: l.UnitCost,
					Currency: in.Currency, Active: &active}, CreatedAt: w.now, UpdatedAt: w.now}
				fresh[l.SKU] = p
			}
			if p == nil {
				v.Add(f+"sku", "unknown_sku")
				continue
			}
			need = append(need, p)
		}
		line := OrderLine{LineNo: i + 1, SKU: l.SKU, Name: l.Name, Quantity: l.Quantity, Discount: l.Discount, UnitCost: l.UnitCost}
		if l.UnitPrice != nil {
			line.UnitPrice = *l.UnitPrice
		}
		if p != nil {
			line.SKU = p.SKU
			if p.ID != 0 { // a new product gets its id once it is made
				id := p.ID
				line.ProductID = &id
			}
			if line.Name == "" {
				line.Name = p.Name
			}
			if l.UnitPrice == nil {
				line.UnitPrice = p.Price
			}
			if line.UnitCost == nil {
				line.UnitCost = p.Cost
			}
		}
		if l.UnitPrice == nil && p == nil {
			v.Add(f+"unit_price", "required")
		}
		if line.Discount > line.Quantity*line.UnitPrice {
			v.Add(f+"discount", "exceeds_line")
		}
		o.Lines[i] = line
	}
	return need, v.Err("commerce.CreateOrders")
}

// createProducts makes the new products the stored orders use and gives
// every line its product's id.
func (w *orderBatch) createProducts(ctx context.Context, orders []*Order, needs [][]*Product) error {
	var made []*Product
	seen := map[*Product]bool{}
	for _, need := range needs {
		for _, p := range need {
			if p.ID == 0 && !seen[p] {
				seen[p] = true
				made = append(made, p)
			}
		}
	}
	if err := w.s.store.CreateProducts(ctx, made); err != nil {
		return err
	}
	entries := make([]crm.AuditEntry, len(made))
	for j, p := range made {
		entries[j] = crm.NewAuditEntry(w.p, crm.RequestID(ctx), w.now, crm.ActionCreate, "product", p.ID, nil)
	}
	if err := w.s.store.AppendAudit(ctx, entries...); err != nil {
		return err
	}
	bySKU := map[string]int64{}
	for _, need := range needs {
		for _, p := range need {
			bySKU[p.SKU] = p.ID
		}
	}
	for j, o := range orders {
		for i := range o.Lines {
			l := &o.Lines[i]
			if id, ok := bySKU[l.SKU]; ok && l.ProductID == nil && len(needs[j]) > 0 {
				l.ProductID = &id
			}
		}
	}
	return nil
}

func sortedIDs(set map[int64]bool) []int64 {
	ids := make([]int64, 0, len(set))
	for id := range set {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// GetOrder reads an order; an order of a contact is as readable as the
// contact, a guest order by those who read everything or manage.
func (s *Service) GetOrder(ctx context.Context, id int64) (*Order, error) {
	const op = "commerce.GetOrder"
	p, err := crm.Actor(ctx, op)
	if err != nil {
		return nil, err
	}
	o, err := s.store.Order(ctx, id)
	if err != nil {
		return nil, crm.Wrap(op, err)
	}
	if err := s.mayRead(ctx, p, o.ContactID); err != nil {
		return nil, err
	}
	return o, nil
}

func (s *Service) mayRead(ctx context.Context, p *crm.Principal, contactID *int64) error {
	if contactID != nil {
		return s.readers.ReadableContact(ctx, *contactID)
	}
	if p.Role == crm.RoleAgent {
		return crm.Forbidden("commerce.read")
	}
	return nil
}

// ListOrders lists orders newest first. Agents list the orders of one
// contact they may read.
func (s *Service) ListOrders(ctx context.Context, q OrderQuery) (crm.Page[*Order], error) {
	const op = "commerce.ListOrders"
	p, err := crm.Actor(ctx, op)
	if err != nil {
		return crm.Page[*Order]{}, err
	}
	if q.Status != "" && !slices.Contains(Statuses, q.Status) {
		var v crm.Violations
		v.Add("status", "invalid_status", "allowed", Statuses)
		return crm.Page[*Order]{}, v.Err(op)
	}
	if err := s.mayRead(ctx, p, q.ContactID); err != nil {
		return crm.Page[*Order]{}, err
	}
	q.Limit = crm.ClampLimit(q.Limit)
	page, err := s.store.ListOrders(ctx, q)
	return page, crm.Wrap(op, err)
}

// SetOrderStatus moves an order to another status along the allowed
// transitions (pending → paid → fulfilled; pending or paid → cancelled).
func (s *Service) SetOrderStatus(ctx context.Context, id, ifVersion int64, status string) (*Order, error) {
	return s.changeOrder(ctx, "commerce.SetOrderStatus", id, ifVersion, func(o *Order, v *crm.Violations) {
		if status == o.Status {
			return
		}
		if !slices.Contains(transitions[o.Status], status) {
			v.Add("status", "invalid_transition", "from", o.Status, "allowed", transitions[o.Status])
			return
		}
		o.Status = status
	})
}

// RefundInput is money given back on an order.
type RefundInput struct {
	Amount int64  `json:"amount" minimum:"1" doc:"Minor units, at most what is left to refund"`
	Reason string `json:"reason,omitempty" maxLength:"500"`
}

// RefundOrder records a refund on a paid or fulfilled sale; refunding the
// whole amount makes the order refunded.
func (s *Service) RefundOrder(ctx context.Context, id, ifVersion int64, in RefundInput) (*Order, error) {
	return s.changeOrder(ctx, "commerce.RefundOrder", id, ifVersion, func(o *Order, v *crm.Violations) {
		in.Reason = crm.CleanText(v, "reason", in.Reason, 500)
		switch {
		case !o.Counted():
			v.Add("amount", "not_refundable", "status", o.Status)
		case in.Amount < 1 || in.Amount > o.Total-o.Refunded:
			v.Add("amount", "out_of_range", "min", 1, "max", o.Total-o.Refunded)
		}
		if !v.Empty() {
			return
		}
		o.Refunds = append(o.Refunds, Refund{Amount: in.Amount, Reason: in.Reason, RefundedAt: s.clock.Now(), CreatedBy: nil})
		if o.Refunded+in.Amount == o.Total {
			o.Status = StatusRefunded
		}
	})
}

// changeOrder applies a change to an order the actor may write, checks it,
// saves it with its audit entry and refreshes the contact's figures.
func (s *Service) changeOrder(ctx context.Context, op string, id, ifVersion int64, change func(*Order, *crm.Violations)) (*Order, error) {
	p, err := crm.Writer(ctx, op)
	if err != nil {
		return nil, err
	}
	var next *Order
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		old, err := s.store.Order(ctx, id)
		if err != nil {
			return err
		}
		if err := s.mayWrite(ctx, p, old.ContactID); err != nil {
			return err
		}
		if ifVersion != 0 && old.Version != ifVersion {
			return crm.Stale(op, old.Version)
		}
		o := *old
		o.Lines, o.Refunds = slices.Clone(old.Lines), slices.Clone(old.Refunds)
		var v crm.Violations
		change(&o, &v)
		if err := v.Err(op); err != nil {
			return err
		}
		for i := range o.Refunds {
			if o.Refunds[i].ID == 0 && o.Refunds[i].CreatedBy == nil {
				o.Refunds[i].CreatedBy = p.ActorID()
			}
		}
		o.derive()
		o.UpdatedAt = s.clock.Now()
		if err := s.store.UpdateOrder(ctx, old, &o); err != nil {
			return err
		}
		changes := []crm.Change{}
		if o.Status != old.Status {
			changes = append(changes, crm.Change{Field: "status", From: crm.JSON(old.Status), To: crm.JSON(o.Status)})
		}
		if o.Refunded != old.Refunded {
			changes = append(changes, crm.Change{Field: "refunded", From: crm.JSON(old.Refunded), To: crm.JSON(o.Refunded)})
		}
		if err := s.store.AppendAudit(ctx, crm.NewAuditEntry(p, crm.RequestID(ctx), o.UpdatedAt, crm.ActionUpdate, "order", id, changes)); err != nil {
			return err
		}
		next = &o
		if o.ContactID != nil {
			return s.store.RefreshContactMetrics(ctx, []int64{*o.ContactID})
		}
		return nil
	})
	if err != nil {
		return nil, crm.Wrap(op, err)
	}
	return s.store.Order(ctx, next.ID)
}

// mayWrite checks that the actor may change a record of the contact: the
// contact must be readable in full (a write of the contact's own fields is
// the customer service's business); guest records need a manager or admin.
func (s *Service) mayWrite(ctx context.Context, p *crm.Principal, contactID *int64) error {
	return s.mayRead(ctx, p, contactID)
}
