package web

import (
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"time"

	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/i18n"
	"github.com/guanxi-crm/guanxi/internal/sales"
)

// The forecast: a calendar quarter (this one unless another is chosen),
// for a pipeline and an owner or all the user may see. The outlook
// (committed, weighted, best case, history-based and the gap between the
// last two), the stages' fixed probabilities beside their observed
// conversion, each owner's part, and the period's KPIs, all from
// sales.Service (Forecast, KPIs), which adds up only the deals the user
// may read.

// quarterKey is how a quarter is named in the address: 2026-Q2.
var quarterKey = regexp.MustCompile(`^([0-9]{4})-Q([1-4])$`)

// forecastQuarters is how many quarters before and after this one the
// period choice offers.
const forecastQuartersBefore, forecastQuartersAfter = 4, 2

type forecastScreen struct {
	page
	Periods    []optionView
	Pipelines  []optionView
	Owners     []optionView
	PeriodName string
	F          *sales.Forecast
	K          *sales.KPIs
	Currency   string
	History    string // the sentence about the history behind the forecast
	Stages     []forecastStage
	OwnerRows  []forecastOwner
	Steps      []forecastStep
	Multi      bool // several pipelines are added up: stages show their pipeline
	// The figures the template cannot write itself.
	UndatedText, OpenDealsText, WinRate, CycleWon, CycleLost string
	ActivitiesPerDeal                                        string // the KPI, one decimal
}

type forecastStage struct {
	Name              string
	Fixed             int
	Reached, Won      int
	Observed, Used    string
	ObservedDiffers   bool // observed and fixed differ by 10 points or more
	ObservedIsHigher  bool
	observed, usedVal float64
}

type forecastOwner struct {
	Name                                  string
	Closed                                int
	WinRate                               string
	Committed, Weighted, BestCase, ByPast int64
}

type forecastStep struct {
	From, To          string
	Reached, Advanced int
	Rate              string
}

// quarterStart is the first day (UTC) of the quarter around t.
func quarterStart(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), time.Month((int(t.Month())-1)/3*3+1), 1, 0, 0, 0, 0, time.UTC)
}

func quarterName(lang string, start time.Time) string {
	return i18n.Message(lang, "forecast.quarter", map[string]any{"year": start.Year(), "q": (int(start.Month())-1)/3 + 1})
}

func quarterOfKey(start time.Time) string {
	return fmt.Sprintf("%d-Q%d", start.Year(), (int(start.Month())-1)/3+1)
}

func (h *Web) forecastPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	lang := h.lang(r)
	pipelineID, err := salesQueryID(r, "pipeline")
	if err != nil {
		return err
	}
	ownerID, err := salesQueryID(r, "owner")
	if err != nil {
		return err
	}
	this := quarterStart(time.Now())
	from := this
	if key := r.URL.Query().Get("period"); key != "" {
		m := quarterKey.FindStringSubmatch(key)
		if m == nil {
			var v crm.Violations
			v.Add("period", "invalid_choice", "allowed", "YYYY-Q1 … YYYY-Q4")
			return v.Err("web.forecast")
		}
		year, _ := strconv.Atoi(m[1])
		q, _ := strconv.Atoi(m[2])
		from = time.Date(year, time.Month((q-1)*3+1), 1, 0, 0, 0, 0, time.UTC)
	}
	to := from.AddDate(0, 3, 0)

	data := &forecastScreen{page: h.page(r, "forecast.title"), PeriodName: quarterName(lang, from)}
	data.Nav = "pipeline"
	for i := -forecastQuartersBefore; i <= forecastQuartersAfter; i++ {
		q := this.AddDate(0, 3*i, 0)
		label := quarterName(lang, q)
		if i == 0 {
			label = i18n.Message(lang, "forecast.this_quarter", map[string]any{"quarter": label})
		}
		data.Periods = append(data.Periods, optionView{Value: quarterOfKey(q), Label: label, Selected: q.Equal(from)})
	}
	if from.Before(this.AddDate(0, -3*forecastQuartersBefore, 0)) || !from.Before(this.AddDate(0, 3*(forecastQuartersAfter+1), 0)) {
		data.Periods = append([]optionView{{Value: quarterOfKey(from), Label: data.PeriodName, Selected: true}}, data.Periods...)
	}

	pipelines, err := h.deps.Sales.ListPipelines(ctx)
	if err != nil {
		return err
	}
	data.Pipelines = []optionView{{Value: "", Label: i18n.Message(lang, "forecast.all_pipelines", nil), Selected: pipelineID == 0}}
	for _, pl := range pipelines {
		data.Pipelines = append(data.Pipelines, optionView{Value: strconv.FormatInt(pl.ID, 10), Label: pl.Name, Selected: pl.ID == pipelineID})
	}
	data.Multi = pipelineID == 0 && len(pipelines) > 1
	users, err := h.salesUserNames(ctx)
	if err != nil {
		return err
	}
	data.Owners = salesOwnerOptions(lang, principal(ctx), users, ownerID)

	q := sales.ReportQuery{From: from, To: to, PipelineID: pipelineID, OwnerID: ownerID}
	if data.F, err = h.deps.Sales.Forecast(ctx, q); err != nil {
		return err
	}
	if data.K, err = h.deps.Sales.KPIs(ctx, q); err != nil {
		return err
	}
	data.Currency = h.salesCurrency(data.F.Currency)

	data.UndatedText = countText(lang, "forecast.undated", int64(data.F.Undated))
	data.OpenDealsText = countText(lang, "pipeline.deals", int64(data.K.OpenDeals))
	data.WinRate = salesRate(data.K.WinRate)
	data.CycleWon, data.CycleLost = salesDays(lang, data.K.AverageCycleDays), salesDays(lang, data.K.AverageCycleDaysLost)
	data.ActivitiesPerDeal = perDeal(data.K.ActivitiesPerDeal)
	hist := data.F.History
	if hist.ClosedDeals > 0 {
		data.History = i18n.Message(lang, "forecast.history_summary", map[string]any{"closed": groupDigits(strconv.Itoa(hist.ClosedDeals)),
			"rate": salesRate(hist.WinRate), "cycle": salesDays(lang, hist.AverageCycleDays)})
	}
	pipelineName := map[int64]string{}
	stageName := map[int64]string{}
	for _, pl := range pipelines {
		pipelineName[pl.ID] = pl.Name
		for _, st := range pl.Stages {
			stageName[st.ID] = st.Name
		}
	}
	for _, st := range data.F.Stages {
		name := st.Name
		if data.Multi {
			name = pipelineName[st.PipelineID] + " · " + name
		}
		row := forecastStage{Name: name, Fixed: st.Probability, Reached: st.Reached, Won: st.Won, Observed: salesRate(st.Observed), Used: percent(st.Used)}
		if st.Observed != nil {
			diff := *st.Observed*100 - float64(st.Probability)
			row.ObservedDiffers, row.ObservedIsHigher = diff >= 10 || diff <= -10, diff > 0
		}
		data.Stages = append(data.Stages, row)
	}
	for _, o := range data.F.Owners {
		name := users.name(lang, o.OwnerID)
		if o.OwnerID == nil {
			name = i18n.Message(lang, "pipeline.no_owner", nil)
		}
		data.OwnerRows = append(data.OwnerRows, forecastOwner{Name: name, Closed: o.Closed, WinRate: salesRate(o.WinRate),
			Committed: o.Committed, Weighted: o.Committed + o.WeightedPipeline, BestCase: o.BestCase, ByPast: o.Committed + o.HistoryPipeline})
	}
	for _, f := range data.K.Conversion {
		for _, s := range f.Steps {
			from := stageName[s.StageID]
			if from == "" {
				from = s.Name
			}
			if data.Multi {
				from = pipelineName[f.PipelineID] + " · " + from
			}
			data.Steps = append(data.Steps, forecastStep{From: from, To: s.Next, Reached: s.Reached, Advanced: s.Advanced, Rate: salesRate(s.Rate)})
		}
	}
	h.render(w, r, http.StatusOK, "forecast", "page", data)
	return nil
}
