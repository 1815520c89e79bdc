package importer

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/guanxi-crm/guanxi/internal/commerce"
	"github.com/guanxi-crm/guanxi/internal/crm"
)

// orderRows imports orders written one row per line: consecutive rows with
// the same order number make one order. An order whose quantities are all
// negative is a return (a cancellation invoice) of those quantities. An
// order number stored already is skipped: imports do not change orders.
type orderRows struct {
	im  *Importer
	opt Options
	rep *Report

	current *pendingOrder
	batch   []*pendingOrder
	// byNumber finds the orders of the batch by number, so that rows of an
	// order that are apart in the file still make one order.
	byNumber map[string]*pendingOrder
	// imported are the numbers this import stored, to tell an order whose
	// rows are far apart in the file from a duplicate of a stored one.
	imported map[string]bool
}

// pendingOrder is an order being gathered from its rows.
type pendingOrder struct {
	first  int // ordinal of its first row
	in     commerce.OrderInput
	lines  []int      // file line of each order line
	cells  [][]string // and its cells
	signs  map[bool]bool
	failed string // why the order is rejected, once known
}

func (o *orderRows) add(ctx context.Context, r row) error {
	number := r.get("order_number")
	if o.current == nil || number == "" || number != o.current.in.Number {
		o.finish()
		if earlier := o.byNumber[number]; number != "" && earlier != nil {
			o.current = earlier
		} else {
			o.current = &pendingOrder{first: r.ordinal, signs: map[bool]bool{}}
			if err := o.header(r); err != "" {
				o.current.failed = err
			}
		}
	}
	o.line(r)
	return nil
}

// header fills what the first row of an order says about the order.
func (o *orderRows) header(r row) string {
	in := &o.current.in
	in.Number = r.get("order_number")
	in.Source, in.Channel, in.Currency = o.opt.Source, o.opt.Channel, o.opt.Currency
	if ch := strings.ToLower(r.get("channel")); ch != "" {
		in.Channel = ch
	}
	if st := strings.ToLower(r.get("status")); st != "" {
		in.Status = st
	}
	if c := strings.ToUpper(r.get("currency")); c != "" && c != o.opt.Currency {
		return fmt.Sprintf("currency %s: this database keeps amounts in %s", c, o.opt.Currency)
	}
	if s := r.get("placed_at"); s != "" {
		t, err := parseTime(s, o.opt.DateOrder, o.opt.Location)
		if err != nil {
			return "placed_at: " + err.Error()
		}
		in.PlacedAt = &t
	}
	in.Customer = crm.CustomerRef{ExternalID: r.get("customer_external_id"), Email: r.get("customer_email"),
		Phone: r.get("customer_phone"), Name: r.get("customer_name")}
	if s := r.get("customer_contact_id"); s != "" {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return fmt.Sprintf("customer_contact_id %q is not a number", s)
		}
		in.Customer.ContactID = &id
	}
	if country, ok := parseCountry(r.get("customer_country")); ok {
		in.Customer.Country = country
	} else {
		o.rep.warn(r.line, fmt.Sprintf("country %q is not one Guanxi knows; the customer was imported without it", r.get("customer_country")))
	}
	return ""
}

// line adds a row's order line.
func (o *orderRows) line(r row) {
	p := o.current
	p.lines, p.cells = append(p.lines, r.line), append(p.cells, r.cells)
	if p.failed != "" {
		return
	}
	l := commerce.LineInput{SKU: r.get("sku"), Name: r.get("product_name")}
	q, err := parseQuantity(r.get("quantity"))
	if err != nil {
		p.failed = fmt.Sprintf("line %d: %v", r.line, err)
		return
	}
	if q == 0 {
		p.failed = fmt.Sprintf("line %d: quantity 0", r.line)
		return
	}
	p.signs[q > 0] = true
	l.Quantity = max(q, -q)
	for _, f := range []struct {
		name string
		dst  **int64
	}{{"unit_price", &l.UnitPrice}, {"unit_cost", &l.UnitCost}} {
		if s := r.get(f.name); s != "" {
			v, err := parseAmount(f.name, s, o.opt.Currency)
			if err != nil {
				p.failed = fmt.Sprintf("line %d: %v", r.line, err)
				return
			}
			if v < 0 {
				p.failed = fmt.Sprintf("line %d: negative %s %s (an adjustment, not a sale)", r.line, f.name, s)
				return
			}
			*f.dst = &v
		}
	}
	if s := r.get("discount"); s != "" {
		v, err := parseAmount("discount", s, o.opt.Currency)
		if err != nil {
			p.failed = fmt.Sprintf("line %d: %v", r.line, err)
			return
		}
		l.Discount = v
	}
	if s := r.get("line_total"); s != "" && l.UnitPrice == nil {
		total, err := parseAmount("line_total", s, o.opt.Currency)
		if err != nil || total < 0 {
			p.failed = fmt.Sprintf("line %d: line_total %q is not an amount", r.line, s)
			return
		}
		// A total that does not divide by the quantity stays exact: the
		// unit price rounded up, less a discount of the difference.
		unit := (total + l.Quantity - 1) / l.Quantity
		l.UnitPrice, l.Discount = &unit, unit*l.Quantity-total
	}
	if l.Name == "" && l.SKU == "" {
		l.Name = "item" // an order file without products (an event log of purchases)
	}
	if l.Name == "" && l.SKU != "" {
		// a product seen first on a line without a description is named
		// after its code rather than refused
		l.Name = l.SKU
	}
	p.in.Lines = append(p.in.Lines, l)
}

// finish closes the order being gathered.
func (o *orderRows) finish() {
	p := o.current
	o.current = nil
	if p == nil || p.in.Number != "" && o.byNumber[p.in.Number] == p {
		return // in the batch already, and back to it for a row that was apart
	}
	if o.byNumber == nil {
		o.byNumber, o.imported = map[string]*pendingOrder{}, map[string]bool{}
	}
	if p.in.Number != "" {
		o.byNumber[p.in.Number] = p
	}
	o.batch = append(o.batch, p)
}

// rejectAll rejects every row of an order.
func (o *orderRows) rejectAll(p *pendingOrder, reason string) {
	for i, line := range p.lines {
		o.rep.reject(line, reason, p.cells[i])
	}
}

func (o *orderRows) full() bool { return len(o.batch) >= o.opt.BatchSize }

func (o *orderRows) flush(ctx context.Context, final bool) error {
	if final {
		o.finish()
	}
	var ready []*pendingOrder
	for _, p := range o.batch {
		switch {
		case p.failed != "":
			o.rejectAll(p, p.failed)
		case len(p.signs) > 1:
			o.rejectAll(p, "an order mixes sold and returned quantities")
		default:
			if p.signs[false] {
				p.in.Kind = commerce.KindReturn
			}
			ready = append(ready, p)
		}
	}
	o.batch, o.byNumber = o.batch[:0], map[string]*pendingOrder{}
	if len(ready) == 0 {
		return nil
	}
	inputs := make([]commerce.OrderInput, len(ready))
	for i, p := range ready {
		inputs[i] = p.in
	}
	results, err := o.im.Commerce.CreateOrders(ctx, inputs)
	if err != nil {
		return err
	}
	for i, r := range results {
		p := ready[i]
		switch {
		case r.Err == nil:
			o.rep.Imported++
			o.imported[p.in.Number] = true
		case isCode(r.Err, "duplicate_order_number") && o.imported[p.in.Number]:
			o.rejectAll(p, fmt.Sprintf("order %s: its rows are far apart in the file, and its first rows were imported as an order; put an order's rows together", p.in.Number))
		case isCode(r.Err, "duplicate_order_number"):
			o.rep.Skipped++
		default:
			o.rejectAll(p, describe(r.Err))
		}
	}
	return nil
}

func isCode(err error, code string) bool {
	e, ok := crm.AsError(err)
	return ok && e.Code == code
}

// firstPending is the first row of the order being gathered: the next row
// may still belong to it, so it is written with a later batch.
func (o *orderRows) firstPending() int {
	if o.current == nil {
		return -1
	}
	return o.current.first
}
