package web

import (
	"context"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/guanxi-crm/guanxi/internal/analytics/rfm"
	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/i18n"
	"github.com/guanxi-crm/guanxi/internal/insight"
	"github.com/guanxi-crm/guanxi/internal/jobs"
)

// The insight screens (MISSION.md C4): the last run's RFM heat map, named
// cells, value tiers, 80/20 curve, CLV model and lifecycle (this file);
// cohorts, funnels, bundles and pain points (insight_views.go). The views
// that add up every customer are for those who read every record (admins
// and viewers), as the insight service decides: others see the pain points
// among their own customers, and the tabs they may not open are not shown.
// Admins and managers start a run; the page follows the durable job.

// readsAll says whether the user reads every record, and so may see the
// views that add up every customer.
func readsAll(p *crm.Principal) bool { return p != nil && p.ReadScope() == nil }

// canRunInsight says whether the user may start a run, as the service
// decides (CheckRefresh).
func canRunInsight(p *crm.Principal) bool {
	return p != nil && p.CanWrite() && (p.IsAdmin() || p.Role == crm.RoleManager)
}

// tabView is a tab of the insight screens.
type tabView struct {
	Href, Key string
	Current   bool
}

// insightTabs are the tabs the user may open.
func insightTabs(p *crm.Principal, current string) []tabView {
	all := []tabView{
		{Href: "/insight", Key: "overview"},
		{Href: "/insight/cohorts", Key: "cohorts"},
		{Href: "/insight/funnel", Key: "funnel"},
		{Href: "/insight/bundles", Key: "bundles"},
		{Href: "/insight/pain-points", Key: "pain_points"},
	}
	if !readsAll(p) {
		all = all[len(all)-1:]
	}
	for i := range all {
		all[i].Current = all[i].Key == current
	}
	return all
}

// insightBase is what every insight screen has.
type insightBase struct {
	page
	Tab      string
	Tabs     []tabView
	FullRead bool
	// CanSegment says whether the user may open the segment builder, to
	// which the figures link (a preview of the customers behind them).
	CanSegment bool
}

func (h *Web) insightBase(r *http.Request, titleKey, tab string) insightBase {
	p := principal(r.Context())
	b := insightBase{page: h.page(r, titleKey), Tab: tab, Tabs: insightTabs(p, tab), FullRead: readsAll(p),
		CanSegment: canManageSegments(p)}
	b.Nav = "insight"
	return b
}

// segmentLink is the address of the segment builder with a rule and a
// name filled in: the preview lists the customers behind a figure.
func segmentLink(rule, name string) string {
	return "/segments/new?" + url.Values{"rule": {rule}, "name": {name}}.Encode()
}

// currency is the currency of the database's amounts, or the configured
// one before the first.
func (h *Web) currency(ctx context.Context) string {
	if h.deps.Commerce != nil {
		if c, err := h.deps.Commerce.Currency(ctx); err == nil && c != "" {
			return c
		}
	}
	return h.deps.Currency
}

type insightPage struct {
	insightBase
	CanRun   bool
	Run      *insight.Run
	Job      *runJobView
	Currency string

	Heat        *chartSpec
	GridRows    []gridRowView
	GridColumns []string // F headers of the table
	Cells       []countRow
	Tiers       []tierRow
	TierNote    string

	Pareto         *insight.ParetoView
	ParetoChart    *chartSpec
	ParetoSentence string

	Model     *modelView
	Lifecycle []countRow
	Churn     []countRow
}

// gridRowView is a row of the RFM grid as a table: one recency score.
type gridRowView struct {
	Header string
	Cells  []gridCellView
}

type gridCellView struct {
	Customers int
	Revenue   int64
	Link      string
	Heat      int // 0–5, the colour of the cell
	Label     string
}

// countRow is a named count with its amounts and its drill-down.
type countRow struct {
	Key       string // the message key of its name
	Customers int
	Revenue   int64
	Profit    int64
	Max       int // for the meter
	Link      string
}

type tierRow struct {
	Key       string
	Customers int
	Profit    int64
	Predicted int64
	Link      string
}

type modelView struct {
	Customers, Repeaters int
	Params               []paramView
	Facts                []string
	Explanations         []string
	HorizonWeeks         int
	Discount             string
}

type paramView struct{ Name, Value string }

// runJobView is an insight run being followed.
type runJobView struct {
	ID       int64
	Status   jobs.Status
	Finished bool
	Error    string
}

func (h *Web) insightPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	p := principal(ctx)
	data := &insightPage{insightBase: h.insightBase(r, "insight.title", "overview"), CanRun: canRunInsight(p)}
	if id, err := strconv.ParseInt(r.URL.Query().Get("job"), 10, 64); err == nil && id > 0 && data.CanRun {
		if j, err := h.deps.Jobs.Get(ctx, id); err == nil && j.Kind == insight.JobKind {
			data.Job = jobView(j)
		}
	}
	if !data.FullRead {
		h.render(w, r, http.StatusOK, "insight", "page", data)
		return nil
	}
	run, err := h.deps.Insight.LastRun(ctx)
	if err != nil {
		return err
	}
	data.Run = run
	if run != nil && run.Customers > 0 {
		lang := data.Lang
		data.Currency = h.currency(ctx)
		data.rfm(lang)
		data.tiers(lang)
		data.lifecycle()
		data.model(lang)
		pareto, err := h.deps.Insight.Pareto(ctx, 80, 101, 10)
		if err != nil {
			return err
		}
		data.Pareto = pareto
		data.ParetoChart, data.ParetoSentence = paretoChart(lang, pareto.Pareto)
	}
	h.render(w, r, http.StatusOK, "insight", "page", data)
	return nil
}

// rangeText writes what a score covers: "0–12" or "3".
func rangeText(min, max int64) string {
	if min == max {
		return groupDigits(strconv.FormatInt(min, 10))
	}
	return groupDigits(strconv.FormatInt(min, 10)) + "–" + groupDigits(strconv.FormatInt(max, 10))
}

// heatLevel is the colour step (0–5) of a value out of the largest.
func heatLevel(v, max float64) int {
	if v <= 0 || max <= 0 {
		return 0
	}
	return 1 + int(math.Min(4, math.Floor(v/max*5)))
}

// rfm builds the heat map of recency × frequency and the named cells.
func (d *insightPage) rfm(lang string) {
	res := &d.Run.RFM
	bins := res.Bins
	if bins == 0 || len(res.Grid) != bins*bins {
		return
	}
	rLabel := map[int]string{}
	for _, rg := range res.Ranges.Recency {
		rLabel[rg.Score] = i18n.Message(lang, "insight.range_days", map[string]any{"range": rangeText(rg.Min, rg.Max)})
	}
	fLabel := map[int]string{}
	for _, rg := range res.Ranges.Frequency {
		fLabel[rg.Score] = i18n.Message(lang, "insight.range_orders", map[string]any{"range": rangeText(rg.Min, rg.Max)})
	}
	spec := &chartSpec{Kind: "heatmap", XName: i18n.Message(lang, "insight.axis_f", nil), YName: i18n.Message(lang, "insight.axis_r", nil)}
	most := 0
	for _, c := range res.Grid {
		most = max(most, c.Customers)
	}
	for f := 1; f <= bins; f++ {
		spec.Categories = append(spec.Categories, "F"+strconv.Itoa(f))
		head := "F" + strconv.Itoa(f)
		if l := fLabel[f]; l != "" {
			head += " (" + l + ")"
		}
		d.GridColumns = append(d.GridColumns, head)
	}
	for rr := 1; rr <= bins; rr++ {
		spec.Rows = append(spec.Rows, "R"+strconv.Itoa(rr))
	}
	for rr := bins; rr >= 1; rr-- {
		head := "R" + strconv.Itoa(rr)
		if l := rLabel[rr]; l != "" {
			head += " (" + l + ")"
		}
		row := gridRowView{Header: head}
		for f := 1; f <= bins; f++ {
			c := res.Cell(rr, f)
			label := i18n.Message(lang, "insight.cell_tip", map[string]any{
				"r": rr, "f": f, "customers": countText(lang, "segment.size", int64(c.Customers)),
				"revenue": formatMoney(lang, c.Revenue, d.Currency)})
			link := ""
			if d.CanSegment && c.Customers > 0 {
				link = segmentLink("rfm_r = "+strconv.Itoa(rr)+" and rfm_f = "+strconv.Itoa(f),
					"RFM R"+strconv.Itoa(rr)+" F"+strconv.Itoa(f))
			}
			row.Cells = append(row.Cells, gridCellView{Customers: c.Customers, Revenue: c.Revenue, Link: link,
				Heat: heatLevel(float64(c.Customers), float64(most)), Label: label})
			spec.Cells = append(spec.Cells, heatCell{X: f - 1, Y: rr - 1, Value: float64(c.Customers), Label: label, Link: link})
		}
		d.GridRows = append(d.GridRows, row)
	}
	d.Heat = spec
	for _, s := range res.Segments {
		name := s.Segment.String()
		row := countRow{Key: "rfm_cell." + name, Customers: s.Customers, Revenue: s.Revenue, Profit: s.Profit, Max: res.Scored}
		if d.CanSegment && s.Customers > 0 {
			row.Link = segmentLink(`rfm_cell = "`+name+`"`, i18n.Message(lang, row.Key, nil))
		}
		d.Cells = append(d.Cells, row)
	}
}

func (d *insightPage) tiers(lang string) {
	t := &d.Run.Tiers
	for _, s := range t.Summary {
		name := s.Tier.String()
		row := tierRow{Key: "value_tier." + name, Customers: s.Customers, Profit: s.Profit, Predicted: s.Predicted}
		if d.CanSegment && s.Customers > 0 {
			row.Link = segmentLink(`value_tier = "`+name+`"`, i18n.Message(lang, row.Key, nil))
		}
		d.Tiers = append(d.Tiers, row)
	}
	if t.ValuableFrom > 0 {
		d.TierNote = i18n.Message(lang, "insight.tiers_note", map[string]any{
			"from":   formatMoney(lang, t.ValuableFrom, d.Currency),
			"median": formatMoney(lang, int64(math.Round(t.MedianProfit)), d.Currency)})
	}
}

// lifecycleStages and churnRisks are in the order the page lists them.
var (
	lifecycleStages = []string{insight.StageLead, insight.StageProspect, insight.StageFirstTime, insight.StageRepeat,
		insight.StageLoyal, insight.StageAtRisk, insight.StageLapsed}
	churnRisks = []string{insight.RiskLow, insight.RiskMedium, insight.RiskHigh}
)

func (d *insightPage) lifecycle() {
	lang := d.Lang
	for _, st := range lifecycleStages {
		row := countRow{Key: "lifecycle." + st, Customers: d.Run.Lifecycle[st], Max: d.Run.Contacts}
		if d.CanSegment && row.Customers > 0 {
			row.Link = segmentLink(`lifecycle = "`+st+`"`, i18n.Message(lang, row.Key, nil))
		}
		d.Lifecycle = append(d.Lifecycle, row)
	}
	for _, rk := range churnRisks {
		row := countRow{Key: "churn_risk." + rk, Customers: d.Run.ChurnRisk[rk], Max: d.Run.Customers}
		if d.CanSegment && row.Customers > 0 {
			row.Link = segmentLink(`churn_risk = "`+rk+`"`,
				i18n.Message(lang, "rule_field.churn_risk", nil)+" "+keyed(lang, "churn_risk.", rk))
		}
		d.Churn = append(d.Churn, row)
	}
}

// model shows the fitted models, what their figures say and what the
// per-customer figures mean.
func (d *insightPage) model(lang string) {
	m := d.Run.Model
	set := d.Run.Settings
	if m == nil {
		return
	}
	v := &modelView{Customers: m.Customers, Repeaters: m.Repeaters, HorizonWeeks: set.HorizonWeeks,
		Discount: percent(set.AnnualDiscount)}
	bg := m.BGNBD.Params
	for _, k := range []string{"r", "alpha", "a", "b"} {
		v.Params = append(v.Params, paramView{"BG/NBD " + k, fmtFloat(bg[k])})
	}
	if rate := bg["r"] / bg["alpha"]; bg["alpha"] > 0 && !math.IsNaN(rate) {
		v.Facts = append(v.Facts, i18n.Message(lang, "insight.fact_rate", map[string]any{"n": decimal(rate * 52)}))
	}
	if s := bg["a"] + bg["b"]; s > 0 {
		v.Facts = append(v.Facts, i18n.Message(lang, "insight.fact_dropout", map[string]any{"p": percent(bg["a"] / s)}))
	}
	if gg := m.GammaGamma; gg != nil {
		for _, k := range []string{"p", "q", "gamma"} {
			v.Params = append(v.Params, paramView{"Gamma-Gamma " + k, fmtFloat(gg.Params[k])})
		}
		if q := gg.Params["q"]; q > 1 {
			mean := gg.Params["p"] * gg.Params["gamma"] / (q - 1)
			v.Facts = append(v.Facts, i18n.Message(lang, "insight.fact_spend",
				map[string]any{"amount": formatMoney(lang, int64(math.Round(mean)), d.Currency)}))
		}
	}
	for _, e := range m.Explanation {
		v.Explanations = append(v.Explanations, explanation(lang, e))
	}
	d.Model = v
}

// explanation is what a figure means in the language: the catalogue's
// translation of the service's English text.
func explanation(lang string, e insight.Explanation) string {
	if key := "insight_explain." + e.Key; i18n.Has(key) {
		return i18n.Message(lang, key, nil)
	}
	return e.Text
}

// paretoChart draws the 80/20 curve and says what it shows.
func paretoChart(lang string, p rfm.Pareto) (*chartSpec, string) {
	if p.Share == nil || len(p.Curve) == 0 {
		return nil, ""
	}
	spec := &chartSpec{Kind: "curve", XName: i18n.Message(lang, "insight.axis_customers", nil),
		YName: i18n.Message(lang, "insight.axis_profit", nil)}
	for _, pt := range p.Curve {
		spec.Points = append(spec.Points, [2]float64{round1(pt.CustomerShare * 100), round1(pt.ProfitShare * 100)})
	}
	x, y := round1(*p.Share*100), 80.0
	spec.MarkX, spec.MarkY = &x, &y
	sentence := i18n.Message(lang, "insight.pareto_sentence", map[string]any{
		"share": percent(*p.Share), "top": groupDigits(strconv.Itoa(p.Top)),
		"customers": groupDigits(strconv.Itoa(p.Customers)), "percent": "80%"})
	return spec, sentence
}

func round1(x float64) float64 { return math.Round(x*10) / 10 }

func jobView(j *jobs.Job) *runJobView {
	return &runJobView{ID: j.ID, Status: j.Status, Finished: j.Status.Finished(), Error: j.LastError}
}

// runInsight starts an insight run now, as the API does: requests within
// the same minute share one run. The page then follows it.
func (h *Web) runInsight(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	if err := h.deps.Insight.CheckRefresh(ctx); err != nil {
		return err
	}
	j, err := h.deps.Jobs.Enqueue(ctx, jobs.Spec{Kind: insight.JobKind,
		Key: "manual@" + time.Now().UTC().Truncate(time.Minute).Format(time.RFC3339)})
	if err != nil {
		return err
	}
	seeOther(w, r, "/insight?job="+strconv.FormatInt(j.ID, 10)+"#run")
	return nil
}

// insightRunProgress is the part of the page that htmx polls while a run
// goes on. Once it has finished, the page reloads with the new figures.
func (h *Web) insightRunProgress(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	j, err := h.deps.Jobs.Get(r.Context(), id)
	if err != nil {
		return err
	}
	if j.Kind != insight.JobKind {
		return crm.NotFound("web.insightRun", "job", id)
	}
	if !isFragment(r) {
		http.Redirect(w, r, "/insight?job="+strconv.FormatInt(id, 10)+"#run", http.StatusSeeOther)
		return nil
	}
	v := jobView(j)
	if v.Finished && v.Status == jobs.StatusSucceeded {
		w.Header().Set("HX-Refresh", "true")
	}
	data := &insightPage{insightBase: h.insightBase(r, "insight.title", "overview"), CanRun: true, Job: v}
	h.render(w, r, http.StatusOK, "insight", "run-status", data)
	return nil
}
