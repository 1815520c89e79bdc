package web

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // the cohorts' time zones, whatever the system has

	"github.com/guanxi-crm/guanxi/internal/analytics/funnel"
	"github.com/guanxi-crm/guanxi/internal/commerce"
	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/http/httpx"
	"github.com/guanxi-crm/guanxi/internal/i18n"
	"github.com/guanxi-crm/guanxi/internal/insight"
)

// The insight screens computed when asked: cohort retention, a conversion
// funnel, bundles from market baskets, and the pain points. Each reads its
// settings from the query string (plain GET forms, so a view can be
// bookmarked and shared), and shows what the service refuses about them
// beside the form rather than as an error page.

// formProblems turns a refusal of the settings into messages for the page,
// with the status to answer; other errors are the error page's.
func (h *Web) formProblems(r *http.Request, err error) ([]string, int, bool) {
	ce, ok := crm.AsError(err)
	if !ok || (ce.Kind != crm.KindInvalid && ce.Kind != crm.KindMalformed) {
		return nil, 0, false
	}
	lang := h.lang(r)
	var out []string
	if len(ce.Fields) == 0 {
		out = append(out, i18n.Message(lang, ce.Code, ce.Params))
	}
	for _, f := range ce.Fields {
		out = append(out, i18n.Message(lang, f.Code, f.Params))
	}
	return out, httpx.ProblemFor(r.Context(), err).Status, true
}

// queryInt reads an integer setting, def when absent or unreadable.
func queryInt(r *http.Request, name string, def int) int {
	if n, err := strconv.Atoi(strings.TrimSpace(r.URL.Query().Get(name))); err == nil {
		return n
	}
	return def
}

// queryFloat reads a decimal setting, def when absent or unreadable.
func queryFloat(r *http.Request, name string, def float64) float64 {
	if f, err := strconv.ParseFloat(strings.TrimSpace(r.URL.Query().Get(name)), 64); err == nil {
		return f
	}
	return def
}

// needsFullRead refuses a view that adds up every customer to those who
// may not see it, as the service would, before anything is read.
func needsFullRead(r *http.Request, op string) error {
	if !readsAll(principal(r.Context())) {
		return crm.E(op, crm.KindForbidden, "reports_need_full_read")
	}
	return nil
}

// --- Cohorts ---

// cohortZones are the time zones the cohorts' calendar may follow.
var cohortZones = []string{"UTC", "Asia/Taipei", "Asia/Hong_Kong", "Asia/Shanghai", "Asia/Singapore",
	"Asia/Tokyo", "Europe/London", "America/New_York", "America/Los_Angeles"}

type cohortsPage struct {
	insightBase
	Period   string
	Periods  int
	Zone     string
	Zones    []optionView
	Errors   []string
	Columns  []string
	Rows     []cohortRow
	Total    int
	Computed bool
}

type cohortRow struct {
	Label string
	Size  int
	Cells []cohortCell
}

type cohortCell struct {
	Percent string
	Active  int
	Heat    int
	Title   string
}

// PeriodSelect chooses months or weeks.
func (p *cohortsPage) PeriodSelect() selectView {
	v := selectView{ID: "f-period", Name: "period", Label: i18n.Message(p.Lang, "cohorts.period", nil)}
	for _, o := range []string{"month", "week"} {
		v.Options = append(v.Options, optionView{Value: o, Label: i18n.Message(p.Lang, "cohorts.by_"+o, nil), Selected: o == p.Period})
	}
	return v
}

// ZoneSelect chooses the time zone of the calendar.
func (p *cohortsPage) ZoneSelect() selectView {
	return selectView{ID: "f-tz", Name: "tz", Label: i18n.Message(p.Lang, "cohorts.zone", nil), Options: p.Zones}
}

func (h *Web) cohortsPage(w http.ResponseWriter, r *http.Request) error {
	if err := needsFullRead(r, "web.cohorts"); err != nil {
		return err
	}
	q := r.URL.Query()
	data := &cohortsPage{insightBase: h.insightBase(r, "cohorts.title", "cohorts"), Period: q.Get("period"),
		Periods: queryInt(r, "periods", 12), Zone: q.Get("tz")}
	if data.Period != "week" {
		data.Period = "month"
	}
	data.Periods = min(max(data.Periods, 1), 104)
	if !slices.Contains(cohortZones, data.Zone) {
		data.Zone = "UTC"
	}
	for _, z := range cohortZones {
		data.Zones = append(data.Zones, optionView{Value: z, Label: z, Selected: z == data.Zone})
	}
	loc, err := time.LoadLocation(data.Zone)
	if err != nil {
		loc = time.UTC
	}
	now := time.Now().In(loc)
	var from time.Time
	if data.Period == "week" {
		day := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc)
		monday := day.AddDate(0, 0, -((int(day.Weekday()) + 6) % 7))
		from = monday.AddDate(0, 0, -7*(data.Periods-1))
	} else {
		from = time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, loc).AddDate(0, -(data.Periods - 1), 0)
	}
	res, err := h.deps.Insight.Cohorts(r.Context(), from, now, data.Period, loc)
	if err != nil {
		probs, status, ok := h.formProblems(r, err)
		if !ok {
			return err
		}
		data.Errors = probs
		h.render(w, r, status, "insight_cohorts", "page", data)
		return nil
	}
	data.Computed = true
	lang := data.Lang
	width := 0
	for _, c := range res.Cohorts {
		width = max(width, len(c.Active))
		data.Total += c.Size
	}
	for k := range width {
		data.Columns = append(data.Columns, i18n.Message(lang, periodKey(data.Period), map[string]any{"n": k}))
	}
	for _, c := range res.Cohorts {
		row := cohortRow{Label: cohortLabel(lang, data.Period, c.Start), Size: c.Size}
		for k := range c.Active {
			pct := 0.0
			if k < len(c.Percent) {
				pct = c.Percent[k]
			}
			row.Cells = append(row.Cells, cohortCell{Percent: percent(pct / 100), Active: c.Active[k], Heat: heatLevel(pct, 100),
				Title: countText(lang, "segment.size", int64(c.Active[k]))})
		}
		data.Rows = append(data.Rows, row)
	}
	h.render(w, r, http.StatusOK, "insight_cohorts", "page", data)
	return nil
}

// periodKey is the message of the n-th period after a cohort's first.
func periodKey(period string) string {
	if period == "week" {
		return "cohorts.week_n"
	}
	return "cohorts.month_n"
}

// cohortLabel names a cohort by its month or the first day of its week.
func cohortLabel(lang, period string, start time.Time) string {
	if period == "week" {
		if lang == i18n.English {
			return start.Format("2 Jan 2006")
		}
		return start.Format("2006年1月2日")
	}
	if lang == i18n.English {
		return start.Format("Jan 2006")
	}
	return start.Format("2006年1月")
}

// --- Funnel ---

// funnelSlots is how many steps the form offers.
const funnelSlots = 6

var defaultFunnel = []string{"product_view", "add_to_cart", "checkout_started", "purchase"}

type funnelPage struct {
	insightBase
	Slots    []selectView
	Window   int
	Days     int
	Errors   []string
	Steps    []funnelRow
	Chart    *chartSpec
	Computed bool
	Summary  string
}

type funnelRow struct {
	Name       string
	Customers  int
	OfFirst    string
	OfPrevious string
	DropOff    int
}

func (h *Web) funnelPage(w http.ResponseWriter, r *http.Request) error {
	if err := needsFullRead(r, "web.funnel"); err != nil {
		return err
	}
	q := r.URL.Query()
	data := &funnelPage{insightBase: h.insightBase(r, "funnel.title", "funnel"),
		Window: queryInt(r, "window", 30), Days: queryInt(r, "days", 90)}
	lang := data.Lang
	chosen := q["step"]
	if !q.Has("step") {
		chosen = defaultFunnel
	}
	var steps []string
	types := eventTypes()
	for i := range funnelSlots {
		v := ""
		if i < len(chosen) {
			v = strings.TrimSpace(chosen[i])
		}
		if v != "" {
			steps = append(steps, v)
		}
		opts := append([]string{""}, types...)
		if v != "" && !slices.Contains(types, v) {
			opts = append(opts, v) // a custom event type, kept
		}
		sel := form{lang: lang}.Select("step", i18n.Message(lang, "funnel.step_n", map[string]any{"n": i + 1}), v, opts, "event_type")
		sel.ID = "f-step-" + strconv.Itoa(i+1)
		data.Slots = append(data.Slots, sel)
	}
	days := min(max(data.Days, 1), 3650)
	to := time.Now().UTC()
	res, err := h.deps.Insight.Funnel(r.Context(), steps, time.Duration(data.Window)*24*time.Hour, to.AddDate(0, 0, -days), to)
	if err != nil {
		probs, status, ok := h.formProblems(r, err)
		if !ok {
			return err
		}
		data.Errors = probs
		h.render(w, r, status, "insight_funnel", "page", data)
		return nil
	}
	data.Computed = true
	data.Steps, data.Chart = funnelRows(lang, res)
	if n := len(res); n > 0 && res[0].Customers > 0 && res[n-1].PercentOfFirst != nil {
		data.Summary = i18n.Message(lang, "funnel.summary", map[string]any{
			"share": percent(*res[n-1].PercentOfFirst / 100), "first": label(lang, "event_type", res[0].Type),
			"last": label(lang, "event_type", res[n-1].Type)})
	}
	h.render(w, r, http.StatusOK, "insight_funnel", "page", data)
	return nil
}

// label is the message of prefix.value, else the value itself (a custom
// event type, a lead source): the templates' label function too.
func label(lang, prefix, value string) string {
	if key := prefix + "." + value; i18n.Has(key) {
		return i18n.Message(lang, key, nil)
	}
	return value
}

func funnelRows(lang string, steps []funnel.Step) ([]funnelRow, *chartSpec) {
	spec := &chartSpec{Kind: "bar"}
	var rows []funnelRow
	for _, s := range steps {
		row := funnelRow{Name: label(lang, "event_type", s.Type), Customers: s.Customers, DropOff: s.DropOff, OfFirst: "–", OfPrevious: "–"}
		if s.PercentOfFirst != nil {
			row.OfFirst = percent(*s.PercentOfFirst / 100)
		}
		if s.PercentOfPrevious != nil {
			row.OfPrevious = percent(*s.PercentOfPrevious / 100)
		}
		rows = append(rows, row)
		spec.Categories = append(spec.Categories, row.Name)
		spec.Values = append(spec.Values, float64(s.Customers))
		spec.Labels = append(spec.Labels, groupDigits(strconv.Itoa(s.Customers)))
		spec.Tips = append(spec.Tips, countText(lang, "segment.size", int64(s.Customers))+" · "+
			i18n.Message(lang, "funnel.of_first_tip", map[string]any{"share": row.OfFirst}))
	}
	return rows, spec
}

// --- Bundles ---

type bundlesPage struct {
	insightBase
	Days          int
	MinSupport    string
	MinConfidence string
	SegmentID     int64
	Segments      []optionView
	Errors        []string
	Computed      bool
	Summary       string
	Bundles       []bundleView
}

// SegmentSelect chooses whose orders are mined.
func (p *bundlesPage) SegmentSelect() selectView {
	return selectView{ID: "f-segment", Name: "segment", Label: i18n.Message(p.Lang, "bundles.segment", nil), Options: p.Segments}
}

type bundleView struct {
	Sentence string
	Reverse  string
	Together string
}

func (h *Web) bundlesPage(w http.ResponseWriter, r *http.Request) error {
	if err := needsFullRead(r, "web.bundles"); err != nil {
		return err
	}
	ctx := r.Context()
	data := &bundlesPage{insightBase: h.insightBase(r, "bundles.title", "bundles"), Days: min(max(queryInt(r, "days", 365), 1), 3650)}
	lang := data.Lang
	support := queryFloat(r, "min_support", 1)
	confidence := queryFloat(r, "min_confidence", 20)
	data.MinSupport = strconv.FormatFloat(support, 'f', -1, 64)
	data.MinConfidence = strconv.FormatFloat(confidence, 'f', -1, 64)
	data.SegmentID = int64(queryInt(r, "segment", 0))
	segs, err := h.deps.Segments.List(ctx)
	if err != nil {
		return err
	}
	data.Segments = []optionView{{Value: "0", Label: i18n.Message(lang, "bundles.every_customer", nil), Selected: data.SegmentID == 0}}
	known := data.SegmentID == 0
	for _, s := range segs {
		data.Segments = append(data.Segments, optionView{Value: strconv.FormatInt(s.ID, 10), Label: s.Name, Selected: s.ID == data.SegmentID})
		known = known || s.ID == data.SegmentID
	}
	if !known {
		return crm.NotFound("web.bundles", "segment", data.SegmentID)
	}
	to := time.Now().UTC()
	res, err := h.deps.Insight.Baskets(ctx, insight.BasketParams{From: to.AddDate(0, 0, -data.Days), To: to, SegmentID: data.SegmentID,
		MinSupport: support / 100, MinConfidence: confidence / 100, Limit: 50})
	if err != nil {
		probs, status, ok := h.formProblems(r, err)
		if !ok {
			return err
		}
		data.Errors = probs
		h.render(w, r, status, "insight_bundles", "page", data)
		return nil
	}
	data.Computed = true
	data.Summary = i18n.Message(lang, "bundles.summary", map[string]any{
		"orders": groupDigits(strconv.Itoa(res.Orders)), "items": groupDigits(strconv.Itoa(res.Items))})
	for _, b := range res.Bundles {
		data.Bundles = append(data.Bundles, bundleView{
			Sentence: i18n.Message(lang, "bundles.sentence", map[string]any{"share": percent(b.ConfidenceAToB), "a": b.A, "b": b.B, "lift": decimal(b.Lift)}),
			Reverse:  i18n.Message(lang, "bundles.reverse", map[string]any{"share": percent(b.ConfidenceBToA), "a": b.A, "b": b.B}),
			Together: countText(lang, "bundles.together", int64(b.Count)),
		})
	}
	h.render(w, r, http.StatusOK, "insight_bundles", "page", data)
	return nil
}

// --- Pain points ---

type painPage struct {
	insightBase
	IdleHours int
	Days      int
	MinViews  int
	Errors    []string
	// Carts is nil when the user may not list carts (agents list those of
	// one customer, on the customer's page).
	Carts      []cartRow
	CartsShown bool
	Browsers   []painRow
	Declining  []painRow
}

type cartRow struct {
	ContactID   int64
	Name        string
	AnonymousID string
	Value       int64
	Currency    string
	Items       string
	LastActive  time.Time
}

type painRow struct {
	ContactID int64
	Name      string
	Events    int64
	Before    string
	LastSeen  *time.Time
}

// Declining's fixed settings: the last 30 days against the 90 before, at
// most half the rate, from at least 4 visits.
const (
	decliningBaseDays = 90
	decliningRatio    = 0.5
	decliningMinBase  = 4
	painListSize      = 50
)

func (h *Web) painPointsPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	data := &painPage{insightBase: h.insightBase(r, "pain.title", "pain_points"),
		IdleHours: min(max(queryInt(r, "idle_hours", 24), 1), 24*365), Days: min(max(queryInt(r, "days", 30), 1), 365),
		MinViews: min(max(queryInt(r, "min_views", 5), 1), 100000)}
	lang := data.Lang
	p := principal(ctx)
	if p.Role != crm.RoleAgent {
		idle := time.Now().Add(-time.Duration(data.IdleHours) * time.Hour)
		page, err := h.deps.Commerce.ListCarts(ctx, commerce.CartQuery{Status: commerce.CartOpen, IdleBefore: &idle, Limit: painListSize})
		if err != nil {
			return err
		}
		data.CartsShown = true
		rows, err := h.cartRows(r, page.Items)
		if err != nil {
			return err
		}
		data.Carts = rows
	}
	browsers, err := h.deps.Insight.Browsers(ctx, data.Days, data.MinViews, painListSize)
	if err != nil {
		return err
	}
	data.Browsers = painRows(lang, browsers, false)
	declining, err := h.deps.Insight.Declining(ctx, data.Days, max(decliningBaseDays, data.Days), decliningRatio, decliningMinBase, painListSize)
	if err != nil {
		return err
	}
	data.Declining = painRows(lang, declining, true)
	h.render(w, r, http.StatusOK, "insight_pain", "page", data)
	return nil
}

// cartRows names the customers of carts, in one read of those the user
// may see.
func (h *Web) cartRows(r *http.Request, carts []*commerce.Cart) ([]cartRow, error) {
	var ids []string
	for _, c := range carts {
		if c.ContactID != nil {
			ids = append(ids, strconv.FormatInt(*c.ContactID, 10))
		}
	}
	names := map[int64]string{}
	if len(ids) > 0 {
		page, err := h.deps.Customers.ListContacts(r.Context(), customer.ListParams{
			Conditions: []customer.Condition{{Field: "id", Op: customer.OpIn, Values: slices.Compact(slices.Sorted(slices.Values(ids)))}},
			Limit:      len(ids), NoTotal: true})
		if err != nil {
			return nil, err
		}
		for _, c := range page.Items {
			names[c.ID] = c.DisplayName
		}
	}
	lang := h.lang(r)
	out := make([]cartRow, 0, len(carts))
	for _, c := range carts {
		row := cartRow{AnonymousID: c.AnonymousID, Value: c.Value, Currency: c.Currency, LastActive: c.LastActivityAt}
		if c.ContactID != nil {
			row.ContactID = *c.ContactID
			row.Name = names[*c.ContactID]
			if row.Name == "" {
				row.Name = "#" + strconv.FormatInt(*c.ContactID, 10)
			}
		}
		var items []string
		for _, l := range c.Lines {
			name := l.Name
			if name == "" {
				name = l.SKU
			}
			if l.Quantity > 1 {
				name += " × " + strconv.FormatInt(l.Quantity, 10)
			}
			items = append(items, name)
		}
		row.Items = strings.Join(items, listSep(lang))
		out = append(out, row)
	}
	return out, nil
}

func painRows(lang string, list []insight.PainPoint, declining bool) []painRow {
	out := make([]painRow, 0, len(list))
	for _, p := range list {
		row := painRow{ContactID: p.ContactID, Name: p.Name, Events: p.Events}
		if declining {
			row.Before = decimal(p.Before)
		}
		if p.LastSeen != nil {
			if t, err := time.Parse(time.RFC3339Nano, *p.LastSeen); err == nil {
				row.LastSeen = &t
			}
		}
		if row.Name == "" {
			row.Name = "#" + strconv.FormatInt(p.ContactID, 10)
		}
		out = append(out, row)
	}
	return out
}
