package web

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/i18n"
	"github.com/guanxi-crm/guanxi/internal/touchpoint"
)

// The customer 360 page: the profile, the figures, the unified timeline (a
// page at a time, "more" loads the next) and a form that logs a call or a
// note on the timeline.

// timelinePageSize is how many timeline items a page shows.
const timelinePageSize = 20

// maxNote bounds a logged note (properties hold up to 16 KB of JSON).
const maxNote = 4000

type customerPage struct {
	page
	C       *customer.Contact
	CanEdit bool
	// Insight is the customer's scores and lifecycle; nil when the user
	// may see only the basic card.
	Insight *insightPanel
	Timeline
	Activity activityForm

	Consent    []consentRow
	Custom     []customValue
	Positions  []positionView
	Orders     ordersView
	Deals      dealsView
	MergedInto int64 // the survivor, when this contact was merged away
	// Merged is the contact just merged into this one, for the notice.
	Merged int64
}

// Timeline is a page of a customer's timeline.
type Timeline struct {
	ContactID int64
	Items     []timelineItem
	// Shown is false when the user may see only the basic card, whose
	// timeline the service would refuse.
	Shown   bool
	MoreURL string // the next page, as a fragment
	NextURL string // the next page, as a whole page (without JavaScript)
}

// timelineItem is a timeline entry made ready to show.
type timelineItem struct {
	touchpoint.TimelineItem
	Who     string     // whose item it is, on a timeline of several people
	Note    string     // the note of a call or note
	Details []property // an event's other properties
	Order   *orderSummary
	Fields  []string // the fields a change touched
}

type property struct{ Key, Value string }

type orderSummary struct {
	Number   string `json:"number"`
	Status   string `json:"status"`
	Currency string `json:"currency"`
	Total    int64  `json:"total"`
	Lines    int64  `json:"lines"`
}

type activityForm struct {
	ContactID int64
	Type      string
	Note      string
	Error     string
	Done      string
}

// activityTypes are what the form logs: the channel each is on, and what
// the page says once it is logged.
var activityTypes = map[string]struct {
	channel touchpoint.Channel
	done    string
}{
	"call": {"phone", "customer.logged_call"},
	"note": {"other", "customer.logged_note"},
}

// ActivityTypes lists the choices of the form in order.
func (activityForm) ActivityTypes() []string { return []string{"call", "note"} }

func (h *Web) customerPage(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	data, err := h.customerData(r, id, activityForm{ContactID: id, Type: "call"}, r.URL.Query().Get("cursor"))
	if err != nil {
		return err
	}
	data.Merged, _ = strconv.ParseInt(r.URL.Query().Get("merged"), 10, 64)
	h.render(w, r, http.StatusOK, "customer", "page", data)
	return nil
}

// customerData reads what the 360 page shows.
func (h *Web) customerData(r *http.Request, id int64, form activityForm, cursor string) (*customerPage, error) {
	c, err := h.deps.Customers.GetContact(r.Context(), id)
	if err != nil {
		return nil, err
	}
	if c.Metrics != nil && c.Metrics.Currency == "" {
		c.Metrics.Currency = h.deps.Currency
	}
	p := principal(r.Context())
	data := &customerPage{page: h.page(r, ""), C: c, CanEdit: p.CanWrite() && !c.Restricted && c.DeletedAt == nil, Activity: form}
	data.Nav = "customers"
	if data.Timeline, err = h.timeline(r, c, cursor); err != nil {
		return nil, err
	}
	if data.Insight, err = h.insightPanel(r, c); err != nil {
		return nil, err
	}
	if err := h.related(r, data, r.URL.Query().Get("orders")); err != nil {
		return nil, err
	}
	return data, nil
}

// timeline reads a page of a customer's timeline, when the user may read it.
func (h *Web) timeline(r *http.Request, c *customer.Contact, cursor string) (Timeline, error) {
	tl := Timeline{ContactID: c.ID}
	if c.Restricted {
		return tl, nil
	}
	page, err := h.deps.Touchpoints.ContactTimeline(r.Context(), c.ID, touchpoint.TimelineParams{Cursor: cursor, Limit: timelinePageSize})
	if err != nil {
		return tl, err
	}
	tl.Shown = true
	for _, it := range page.Items {
		tl.Items = append(tl.Items, showItem(it))
	}
	if page.Next != "" {
		base := "/customers/" + strconv.FormatInt(c.ID, 10)
		q := "?cursor=" + url.QueryEscape(page.Next)
		tl.MoreURL, tl.NextURL = base+"/timeline"+q, base+q+"#timeline"
	}
	return tl, nil
}

// timelineMore answers the "more" button: the next items of the timeline.
func (h *Web) timelineMore(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if !isFragment(r) {
		http.Redirect(w, r, "/customers/"+strconv.FormatInt(id, 10)+"?"+r.URL.RawQuery+"#timeline", http.StatusSeeOther)
		return nil
	}
	// The service checks that the user may read the customer's timeline.
	tl := Timeline{ContactID: id, Shown: true}
	page, err := h.deps.Touchpoints.ContactTimeline(r.Context(), id, touchpoint.TimelineParams{
		Cursor: r.URL.Query().Get("cursor"), Limit: timelinePageSize})
	if err != nil {
		return err
	}
	for _, it := range page.Items {
		tl.Items = append(tl.Items, showItem(it))
	}
	if page.Next != "" {
		base := "/customers/" + strconv.FormatInt(id, 10)
		q := "?cursor=" + url.QueryEscape(page.Next)
		tl.MoreURL, tl.NextURL = base+"/timeline"+q, base+q+"#timeline"
	}
	h.render(w, r, http.StatusOK, "customer", "timeline-items", &customerPage{page: h.page(r, ""), Timeline: tl})
	return nil
}

// showItem unpacks an item's summary for the page.
func showItem(it touchpoint.TimelineItem) timelineItem {
	out := timelineItem{TimelineItem: it}
	switch it.Kind {
	case touchpoint.ItemEvent:
		var props map[string]any
		if json.Unmarshal(it.Summary, &props) == nil {
			if n, ok := props["note"].(string); ok {
				out.Note = n
				delete(props, "note")
			}
			keys := make([]string, 0, len(props))
			for k := range props {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			for _, k := range keys[:min(len(keys), 6)] {
				out.Details = append(out.Details, property{k, shortValue(props[k])})
			}
		}
	case touchpoint.ItemOrder:
		var o orderSummary
		if json.Unmarshal(it.Summary, &o) == nil {
			out.Order = &o
		}
	case touchpoint.ItemChange:
		var changes []crm.Change
		if json.Unmarshal(it.Summary, &changes) == nil {
			for _, c := range changes {
				if !slices.Contains(out.Fields, c.Field) {
					out.Fields = append(out.Fields, c.Field)
				}
			}
		}
	}
	return out
}

// shortValue writes a property's value in one short line.
func shortValue(v any) string {
	var s string
	switch x := v.(type) {
	case string:
		s = x
	default:
		b, _ := json.Marshal(x)
		s = string(b)
	}
	if utf8.RuneCountInString(s) > 120 {
		s = string([]rune(s)[:119]) + "…"
	}
	return s
}

// logActivity records a call or a note on the customer's timeline, as an
// event of the touchpoint service (which checks that the user may change
// this customer). htmx gets the form back, empty, with the timeline's first
// page swapped in beside it; a plain form post is sent back to the page.
func (h *Web) logActivity(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := parseForm(w, r, 64<<10); err != nil {
		return err
	}
	lang := h.lang(r)
	form := activityForm{ContactID: id, Type: r.PostForm.Get("type"), Note: strings.TrimSpace(r.PostForm.Get("note"))}
	kind, ok := activityTypes[form.Type]
	switch {
	case !ok:
		form.Error = i18n.Message(lang, "not_one_of", map[string]any{"allowed": "call, note"})
	case utf8.RuneCountInString(form.Note) > maxNote:
		form.Error = i18n.Message(lang, "too_long", map[string]any{"max": maxNote})
	}
	if form.Error == "" {
		props, _ := json.Marshal(map[string]string{"note": form.Note})
		_, _, err = h.deps.Touchpoints.Record(r.Context(), touchpoint.EventInput{
			Type: form.Type, Channel: kind.channel, Customer: crm.CustomerRef{ContactID: &id}, Properties: props,
		})
		if ce, isCRM := crm.AsError(err); isCRM && ce.Kind == crm.KindInvalid {
			for _, f := range ce.Fields {
				form.Error = i18n.Message(lang, f.Code, f.Params)
			}
			err = nil
		}
		if err != nil {
			return err
		}
	}
	if !isFragment(r) {
		if form.Error != "" {
			data, err := h.customerData(r, id, form, "")
			if err != nil {
				return err
			}
			h.render(w, r, http.StatusUnprocessableEntity, "customer", "page", data)
			return nil
		}
		http.Redirect(w, r, "/customers/"+strconv.FormatInt(id, 10)+"#timeline", http.StatusSeeOther)
		return nil
	}
	data := &customerPage{page: h.page(r, ""), Activity: form}
	if form.Error != "" {
		h.render(w, r, http.StatusUnprocessableEntity, "customer", "activity", data)
		return nil
	}
	data.Activity = activityForm{ContactID: id, Type: form.Type, Done: i18n.Message(lang, kind.done, nil)}
	c, err := h.deps.Customers.GetContact(r.Context(), id)
	if err != nil {
		return err
	}
	if data.Timeline, err = h.timeline(r, c, ""); err != nil {
		return err
	}
	h.render(w, r, http.StatusOK, "customer", "activity-logged", data)
	return nil
}

// Address is the customer's address written the way the language writes
// addresses: from the street out in English, from the country in.
func (p *customerPage) Address() string {
	if p.C == nil {
		return ""
	}
	return formatAddress(p.Lang, p.C.Address)
}
