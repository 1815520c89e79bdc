package web

import (
	"cmp"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/guanxi-crm/guanxi/internal/commerce"
	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/i18n"
	"github.com/guanxi-crm/guanxi/internal/sales"
)

// What the customer 360 page shows beside the profile and the timeline:
// consent per channel, custom fields, the person's positions at companies,
// their latest orders (a page at a time) and their deals. Each comes from
// the service that owns it, which decides whether the user may see it.

// ordersPageSize is how many orders the page lists at a time.
const ordersPageSize = 5

// dealsShown is how many of a customer's or a company's deals a page lists.
const dealsShown = 20

// consentRow is the consent on one channel.
type consentRow struct {
	Channel string // email, sms, phone, messaging
	customer.ChannelConsent
}

// customValue is a custom field written for the page.
type customValue struct{ Label, Value string }

// positionView is a position with the name of whom the person reports to.
type positionView struct {
	*customer.Position
	ReportsTo string
}

// Dots draw the influence, 1 to 5, as filled and empty dots.
func (v positionView) Dots() string {
	n := min(max(v.Influence, 0), 5)
	return strings.Repeat("●", n) + strings.Repeat("○", 5-n)
}

// ordersView is a page of a customer's orders.
type ordersView struct {
	ContactID int64
	Items     []*commerce.Order
	Shown     bool
	MoreURL   string // the next page, as a fragment
	NextURL   string // the next page, as a whole page
}

// dealRow is a deal as the lists of deals show it.
type dealRow struct {
	*sales.Deal
	Stage    string
	Currency string
	CloseOn  string // the expected close date in the user's language
}

// dealsView are the deals of a customer or a company, open ones first.
type dealsView struct {
	Open, Closed []dealRow
	More         bool // there are more than the page lists
	Shown        bool
}

// consentRows lists the channels in a fixed order, unknown ones too: "not
// asked" is worth knowing before contacting someone.
func consentRows(c customer.Consent) []consentRow {
	return []consentRow{{"email", c.Email}, {"sms", c.SMS}, {"phone", c.Phone}, {"messaging", c.Messaging}}
}

// customValues writes a record's custom values with their fields' labels,
// in the order of the definitions; values of fields no longer defined come
// last, under their keys.
func customValues(lang string, defs []customer.FieldDef, values map[string]any) []customValue {
	if len(values) == 0 {
		return nil
	}
	defs = slices.Clone(defs)
	slices.SortStableFunc(defs, func(a, b customer.FieldDef) int { return cmp.Compare(a.Position, b.Position) })
	var out []customValue
	seen := map[string]bool{}
	for _, d := range defs {
		v, ok := values[d.Key]
		if !ok || v == nil {
			continue
		}
		seen[d.Key] = true
		label := d.Label
		if l := d.Labels[lang]; l != "" {
			label = l
		}
		out = append(out, customValue{Label: cmp.Or(label, d.Key), Value: customText(lang, d, v)})
	}
	var rest []string
	for k := range values {
		if !seen[k] && values[k] != nil {
			rest = append(rest, k)
		}
	}
	slices.Sort(rest)
	for _, k := range rest {
		out = append(out, customValue{Label: k, Value: shortValue(values[k])})
	}
	return out
}

// customText writes one custom value the way its type reads.
func customText(lang string, d customer.FieldDef, v any) string {
	option := func(value string) string {
		for _, o := range d.Options {
			if o.Value == value {
				if l := o.Labels[lang]; l != "" {
					return l
				}
				return cmp.Or(o.Label, o.Value)
			}
		}
		return value
	}
	switch d.Type {
	case customer.FieldBoolean:
		if b, ok := v.(bool); ok {
			if b {
				return i18n.Message(lang, "c360.yes", nil)
			}
			return i18n.Message(lang, "c360.no", nil)
		}
	case customer.FieldMoney:
		if n, ok := number(v); ok {
			return formatMoney(lang, n, d.Currency)
		}
	case customer.FieldNumber:
		if f, ok := v.(float64); ok && f == float64(int64(f)) {
			return groupDigits(strconv.FormatInt(int64(f), 10))
		}
	case customer.FieldSelect:
		if s, ok := v.(string); ok {
			return option(s)
		}
	case customer.FieldMultiSelect:
		if list, ok := v.([]any); ok {
			names := make([]string, 0, len(list))
			for _, x := range list {
				names = append(names, option(fmt.Sprint(x)))
			}
			sep := ", "
			if lang != i18n.English {
				sep = "、"
			}
			return strings.Join(names, sep)
		}
	}
	return shortValue(v)
}

// number reads a whole number from a decoded JSON value.
func number(v any) (int64, bool) {
	switch n := v.(type) {
	case float64:
		if n == float64(int64(n)) {
			return int64(n), true
		}
	case int64:
		return n, true
	case int:
		return int64(n), true
	}
	return 0, false
}

// related reads what the 360 page shows of the customer's other records.
// A restricted customer shows none of them: the services would refuse.
func (h *Web) related(r *http.Request, data *customerPage, ordersCursor string) error {
	c := data.C
	ctx := r.Context()
	lang := h.lang(r)
	if c.MergedIntoID != nil {
		data.MergedInto = *c.MergedIntoID
	}
	positions, err := h.deps.Customers.ContactPositions(ctx, c.ID)
	if err != nil {
		return err
	}
	if data.Positions, err = h.positionViews(r, positions); err != nil {
		return err
	}
	if c.Restricted {
		return nil
	}
	data.Consent = consentRows(c.Consent)
	if len(c.Custom) > 0 {
		defs, err := h.deps.Customers.ListFieldDefs(ctx, customer.RecordContact)
		if err != nil {
			return err
		}
		data.Custom = customValues(lang, defs, c.Custom)
	}
	if data.Orders, err = h.orders(r, c.ID, ordersCursor); err != nil {
		return err
	}
	data.Deals, err = h.deals(r, sales.DealQuery{ContactID: c.ID})
	return err
}

// positionViews names whom each person reports to. The names come from
// the positions at the same companies: one read per company the person
// works at (a handful), not one per manager.
func (h *Web) positionViews(r *http.Request, positions []*customer.Position) ([]positionView, error) {
	names := map[int64]string{}
	read := map[int64]bool{}
	out := make([]positionView, 0, len(positions))
	for _, p := range positions {
		v := positionView{Position: p}
		if p.ReportsToID != nil {
			if !read[p.CompanyID] {
				read[p.CompanyID] = true
				colleagues, err := h.deps.Customers.CompanyPositions(r.Context(), p.CompanyID)
				if err != nil && !crm.IsKind(err, crm.KindNotFound) {
					return nil, err
				}
				for _, c := range colleagues {
					names[c.ContactID] = c.ContactName
				}
			}
			v.ReportsTo = cmp.Or(names[*p.ReportsToID], "#"+strconv.FormatInt(*p.ReportsToID, 10))
		}
		out = append(out, v)
	}
	return out, nil
}

// orders reads a page of a customer's orders, newest first.
func (h *Web) orders(r *http.Request, contactID int64, cursor string) (ordersView, error) {
	v := ordersView{ContactID: contactID}
	page, err := h.deps.Commerce.ListOrders(r.Context(), commerce.OrderQuery{ContactID: &contactID, Cursor: cursor, Limit: ordersPageSize})
	switch {
	case crm.IsKind(err, crm.KindForbidden):
		return v, nil
	case err != nil:
		return v, err
	}
	v.Shown, v.Items = true, page.Items
	if page.Next != "" {
		base := "/customers/" + strconv.FormatInt(contactID, 10)
		v.MoreURL = base + "/orders?cursor=" + url.QueryEscape(page.Next)
		v.NextURL = base + "?orders=" + url.QueryEscape(page.Next) + "#orders"
	}
	return v, nil
}

// ordersMore answers the orders' "more" button: the next rows.
func (h *Web) ordersMore(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	cursor := r.URL.Query().Get("cursor")
	if !isFragment(r) {
		http.Redirect(w, r, "/customers/"+strconv.FormatInt(id, 10)+"?orders="+url.QueryEscape(cursor)+"#orders", http.StatusSeeOther)
		return nil
	}
	orders, err := h.orders(r, id, cursor)
	if err != nil {
		return err
	}
	if !orders.Shown {
		return crm.Forbidden("web.orders")
	}
	h.render(w, r, http.StatusOK, "customer", "order-rows", &customerPage{page: h.page(r, ""), Orders: orders})
	return nil
}

// deals reads the deals of a customer or a company that the user may see,
// open ones first, with their stages' names.
func (h *Web) deals(r *http.Request, q sales.DealQuery) (dealsView, error) {
	var v dealsView
	if h.deps.Sales == nil {
		return v, nil
	}
	ctx := r.Context()
	lang := h.lang(r)
	q.Limit = dealsShown
	page, err := h.deps.Sales.ListDeals(ctx, q)
	if err != nil {
		return v, err
	}
	v.Shown, v.More = true, page.Next != ""
	if len(page.Items) == 0 {
		return v, nil
	}
	pipelines, err := h.deps.Sales.ListPipelines(ctx)
	if err != nil {
		return v, err
	}
	stages := salesStageNames(pipelines)
	for _, d := range page.Items {
		row := dealRow{Deal: d, Stage: stages[d.StageID].Name, Currency: h.salesCurrency(d.Currency)}
		if d.ExpectedCloseOn != "" {
			row.CloseOn = salesDayText(lang, d.ExpectedCloseOn)
		}
		if d.Status == sales.StatusOpen {
			v.Open = append(v.Open, row)
		} else {
			v.Closed = append(v.Closed, row)
		}
	}
	return v, nil
}
