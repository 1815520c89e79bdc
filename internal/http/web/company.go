package web

import (
	"cmp"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/i18n"
	"github.com/guanxi-crm/guanxi/internal/sales"
	"github.com/guanxi-crm/guanxi/internal/touchpoint"
)

// The company page: the profile, the people with their positions, the
// buying committee drawn as an org chart (who reports to whom, with their
// buying roles and influence: nested lists, readable without styles and on
// a phone), the company's timeline (what happened to its people and to the
// company record) and its deals.

type companyPage struct {
	page
	Co       *customer.Company
	Custom   []customValue
	Current  []positionView // the people working there now
	Past     []positionView
	Chart    []*orgNode // the roots of the reports-to tree
	Timeline Timeline
	Deals    dealsView
}

// orgNode is a person on the org chart with those who report to them.
type orgNode struct {
	P       positionView
	Reports []*orgNode
}

func (h *Web) companyPage(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	co, err := h.deps.Customers.GetCompany(ctx, id)
	if err != nil {
		return err
	}
	data := &companyPage{page: h.page(r, ""), Co: co}
	data.Nav = "customers"
	positions, err := h.deps.Customers.CompanyPositions(ctx, id)
	if err != nil {
		return err
	}
	names := map[int64]string{}
	for _, p := range positions {
		names[p.ContactID] = p.ContactName
	}
	for _, p := range positions {
		v := positionView{Position: p}
		if p.ReportsToID != nil {
			v.ReportsTo = cmp.Or(names[*p.ReportsToID], "#"+strconv.FormatInt(*p.ReportsToID, 10))
		}
		if p.Status == customer.PositionPast {
			data.Past = append(data.Past, v)
		} else {
			data.Current = append(data.Current, v)
		}
	}
	data.Chart = orgChart(data.Current)
	if !co.Restricted {
		if len(co.Custom) > 0 {
			defs, err := h.deps.Customers.ListFieldDefs(ctx, customer.RecordCompany)
			if err != nil {
				return err
			}
			data.Custom = customValues(data.Lang, defs, co.Custom)
		}
		if data.Timeline, err = h.companyTimeline(r, id, r.URL.Query().Get("cursor"), names); err != nil {
			return err
		}
	}
	if data.Deals, err = h.deals(r, sales.DealQuery{CompanyID: id}); err != nil {
		return err
	}
	h.render(w, r, http.StatusOK, "company", "page", data)
	return nil
}

// companyTimeline reads a page of the company's timeline, each item with
// the name of the person it is about.
func (h *Web) companyTimeline(r *http.Request, id int64, cursor string, names map[int64]string) (Timeline, error) {
	tl := Timeline{}
	page, err := h.deps.Touchpoints.CompanyTimeline(r.Context(), id, touchpoint.TimelineParams{Cursor: cursor, Limit: timelinePageSize})
	if err != nil {
		return tl, err
	}
	tl.Shown = true
	for _, it := range page.Items {
		item := showItem(it)
		if it.ContactID != nil {
			item.Who = cmp.Or(names[*it.ContactID], "#"+strconv.FormatInt(*it.ContactID, 10))
		}
		tl.Items = append(tl.Items, item)
	}
	if page.Next != "" {
		base := "/companies/" + strconv.FormatInt(id, 10)
		q := "?cursor=" + url.QueryEscape(page.Next)
		tl.MoreURL, tl.NextURL = base+"/timeline"+q, base+q+"#timeline"
	}
	return tl, nil
}

// companyTimelineMore answers the timeline's "more" button.
func (h *Web) companyTimelineMore(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if !isFragment(r) {
		http.Redirect(w, r, "/companies/"+strconv.FormatInt(id, 10)+"?"+r.URL.RawQuery+"#timeline", http.StatusSeeOther)
		return nil
	}
	positions, err := h.deps.Customers.CompanyPositions(r.Context(), id)
	if err != nil {
		return err
	}
	names := map[int64]string{}
	for _, p := range positions {
		names[p.ContactID] = p.ContactName
	}
	tl, err := h.companyTimeline(r, id, r.URL.Query().Get("cursor"), names)
	if err != nil {
		return err
	}
	h.render(w, r, http.StatusOK, "company", "timeline-items", &companyPage{page: h.page(r, ""), Timeline: tl})
	return nil
}

// orgChart builds the reports-to tree of the people working at a company.
// Someone whose manager is not among them heads a tree of their own; a
// loop of managers (which the service refuses, but data may predate that)
// is broken where it is first met, so that every person shows once.
func orgChart(people []positionView) []*orgNode {
	nodes := map[int64]*orgNode{}
	var order []int64
	for _, p := range people {
		if _, dup := nodes[p.ContactID]; dup {
			continue // a second position at the same company: the first one counts
		}
		nodes[p.ContactID] = &orgNode{P: p}
		order = append(order, p.ContactID)
	}
	children := map[int64][]int64{}
	var roots []int64
	for _, id := range order {
		n := nodes[id]
		if m := n.P.ReportsToID; m != nil && *m != id && nodes[*m] != nil {
			children[*m] = append(children[*m], id)
		} else {
			roots = append(roots, id)
		}
	}
	placed := map[int64]bool{}
	var grow func(id int64) *orgNode
	grow = func(id int64) *orgNode {
		placed[id] = true
		n := nodes[id]
		n.Reports = nil
		for _, c := range children[id] {
			if !placed[c] {
				n.Reports = append(n.Reports, grow(c))
			}
		}
		sortNodes(n.Reports)
		return n
	}
	var out []*orgNode
	for _, id := range roots {
		out = append(out, grow(id))
	}
	for _, id := range order {
		if !placed[id] {
			out = append(out, grow(id))
		}
	}
	sortNodes(out)
	return out
}

// sortNodes puts the most influential first, then by name.
func sortNodes(nodes []*orgNode) {
	slices.SortStableFunc(nodes, func(a, b *orgNode) int {
		if c := cmp.Compare(b.P.Influence, a.P.Influence); c != 0 {
			return c
		}
		return strings.Compare(a.P.ContactName, b.P.ContactName)
	})
}

// Address is the company's address the way the language writes it.
func (p *companyPage) Address() string { return formatAddress(p.Lang, p.Co.Address) }

// DomainURL is the company's web site.
func (p *companyPage) DomainURL() string {
	if p.Co.Domain == "" {
		return ""
	}
	return "https://" + p.Co.Domain
}

// formatAddress writes an address from the street out in English, from the
// country in for Chinese.
func formatAddress(lang string, a customer.Address) string {
	if lang == i18n.English {
		var parts []string
		for _, s := range []string{a.Street, a.City, strings.TrimSpace(a.Region + " " + a.PostalCode), a.Country} {
			if s = strings.TrimSpace(s); s != "" {
				parts = append(parts, s)
			}
		}
		return strings.Join(parts, ", ")
	}
	out := strings.TrimSpace(a.PostalCode + " " + a.Region + a.City + a.Street)
	if a.Country != "" {
		out = strings.TrimSpace(a.Country + " " + out)
	}
	return out
}
