package importer

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/guanxi-crm/guanxi/internal/commerce"
	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/touchpoint"
)

// companyRows imports companies.
type companyRows struct {
	im    *Importer
	opt   Options
	rep   *Report
	batch []customer.CompanyFields
	rows  []row
}

func (c *companyRows) add(_ context.Context, r row) error {
	f := customer.CompanyFields{Name: r.get("name"), Domain: r.get("domain"), Industry: r.get("industry"), Size: r.get("size"),
		Address: customer.Address{Street: r.get("street"), City: r.get("city"), Region: r.get("region"), PostalCode: r.get("postal_code")},
		Tags:    splitList(r.get("tags"))}
	if country, ok := parseCountry(r.get("country")); ok {
		f.Address.Country = country
	} else {
		c.rep.warn(r.line, fmt.Sprintf("country %q is not one Guanxi knows; the company was imported without it", r.get("country")))
	}
	c.batch, c.rows = append(c.batch, f), append(c.rows, r)
	return nil
}

func (c *companyRows) full() bool { return len(c.batch) >= c.opt.BatchSize }

func (c *companyRows) flush(ctx context.Context, _ bool) error {
	if len(c.batch) == 0 {
		return nil
	}
	results, err := c.im.Customers.CreateCompanies(ctx, c.batch)
	if err != nil {
		return err
	}
	for i, r := range results {
		if r.Err != nil {
			c.rep.reject(c.rows[i].line, describe(r.Err), c.rows[i].cells)
		} else {
			c.rep.Imported++
		}
	}
	c.batch, c.rows = c.batch[:0], c.rows[:0]
	return nil
}

// productRows imports products; a SKU in the catalogue is a duplicate.
type productRows struct {
	im    *Importer
	opt   Options
	rep   *Report
	batch []commerce.ProductFields
	rows  []row
}

func (p *productRows) add(_ context.Context, r row) error {
	f := commerce.ProductFields{SKU: r.get("sku"), Name: r.get("name"), Category: r.get("category"), Currency: p.opt.Currency}
	if c := strings.ToUpper(r.get("currency")); c != "" && c != p.opt.Currency {
		p.rep.reject(r.line, fmt.Sprintf("currency %s: this database keeps amounts in %s", c, p.opt.Currency), r.cells)
		return nil
	}
	price, err := parseAmount("price", r.get("price"), p.opt.Currency)
	if err != nil {
		p.rep.reject(r.line, err.Error(), r.cells)
		return nil
	}
	f.Price = price
	if s := r.get("cost"); s != "" {
		cost, err := parseAmount("cost", s, p.opt.Currency)
		if err != nil {
			p.rep.reject(r.line, err.Error(), r.cells)
			return nil
		}
		f.Cost = &cost
	}
	if s := strings.ToLower(r.get("active")); s != "" {
		active := !(s == "false" || s == "no" || s == "0" || s == "否" || s == "停售" || s == "n")
		f.Active = &active
	}
	p.batch, p.rows = append(p.batch, f), append(p.rows, r)
	return nil
}

func (p *productRows) full() bool { return len(p.batch) >= p.opt.BatchSize }

func (p *productRows) flush(ctx context.Context, _ bool) error {
	if len(p.batch) == 0 {
		return nil
	}
	defer func() { p.batch, p.rows = p.batch[:0], p.rows[:0] }()
	results, err := p.im.Commerce.CreateProducts(ctx, p.batch)
	if err != nil {
		return err
	}
	for i, r := range results {
		switch {
		case r.Err == nil:
			p.rep.Imported++
		case isCode(r.Err, "duplicate_sku") && p.opt.OnDuplicate == SkipDuplicates:
			p.rep.Skipped++
		case isCode(r.Err, "duplicate_sku"):
			e, _ := crm.AsError(r.Err)
			id, _ := e.Params["existing_id"].(int64)
			row := p.batch[i]
			_, err := p.im.Commerce.UpdateProduct(ctx, id, 0, func(f *commerce.ProductFields) error {
				*f = row
				return nil
			})
			switch {
			case err == nil:
				p.rep.Updated++
			case crm.KindOf(err) == crm.KindInternal:
				return err
			default:
				p.rep.reject(p.rows[i].line, describe(err), p.rows[i].cells)
			}
		default:
			p.rep.reject(p.rows[i].line, describe(r.Err), p.rows[i].cells)
		}
	}
	return nil
}

// eventRows imports events; columns not mapped to a field are kept in the
// event's properties under their header, so nothing in the file is lost.
type eventRows struct {
	im    *Importer
	opt   Options
	rep   *Report
	batch []touchpoint.EventInput
	rows  []row
}

func (e *eventRows) add(_ context.Context, r row) error {
	in := touchpoint.EventInput{Type: strings.ToLower(r.get("type")), Channel: touchpoint.Channel(strings.ToLower(r.get("channel"))),
		ClientEventID: r.get("client_event_id"), Source: e.opt.Source,
		Customer: crm.CustomerRef{ExternalID: r.get("external_id"), Email: r.get("email"), Phone: r.get("phone"), AnonymousID: r.get("anonymous_id")}}
	if in.Channel == "" {
		in.Channel = touchpoint.Channel(e.opt.Channel)
	}
	if s := r.get("contact_id"); s != "" {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			e.rep.reject(r.line, fmt.Sprintf("contact_id %q is not a number", s), r.cells)
			return nil
		}
		in.Customer.ContactID = &id
	}
	if s := r.get("occurred_at"); s != "" {
		t, err := parseTime(s, e.opt.DateOrder, e.opt.Location)
		if err != nil {
			e.rep.reject(r.line, "occurred_at: "+err.Error(), r.cells)
			return nil
		}
		in.OccurredAt = &t
	}
	props := map[string]any{}
	if s := r.get("properties"); s != "" {
		if err := json.Unmarshal([]byte(s), &props); err != nil {
			e.rep.reject(r.line, "properties: not a JSON object", r.cells)
			return nil
		}
	}
	for i, f := range r.mapping {
		if f == "" && i < len(r.cells) && strings.TrimSpace(r.cells[i]) != "" {
			props[e.rep.Header[i]] = strings.TrimSpace(r.cells[i])
		}
	}
	raw, err := json.Marshal(props)
	if err != nil {
		return err
	}
	in.Properties = raw
	e.batch, e.rows = append(e.batch, in), append(e.rows, r)
	return nil
}

func (e *eventRows) full() bool { return len(e.batch) >= e.opt.BatchSize }

func (e *eventRows) flush(ctx context.Context, _ bool) error {
	if len(e.batch) == 0 {
		return nil
	}
	results, err := e.im.Touchpoints.RecordBatch(ctx, e.batch)
	if err != nil {
		return err
	}
	for i, r := range results {
		switch {
		case r.Err != nil:
			e.rep.reject(e.rows[i].line, describe(r.Err), e.rows[i].cells)
		case r.Duplicate:
			e.rep.Skipped++
		default:
			e.rep.Imported++
		}
	}
	e.batch, e.rows = e.batch[:0], e.rows[:0]
	return nil
}

// noteProperties are the properties of a note event.
func noteProperties(text string) json.RawMessage {
	raw, _ := json.Marshal(map[string]string{"text": text})
	return raw
}

// firstPending: a flush writes every row added.
func (*companyRows) firstPending() int { return -1 }

// firstPending: a flush writes every row added.
func (*productRows) firstPending() int { return -1 }

// firstPending: a flush writes every row added.
func (*eventRows) firstPending() int { return -1 }
