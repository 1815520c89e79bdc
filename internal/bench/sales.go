package bench

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"

	"github.com/guanxi-crm/guanxi/internal/account"
	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/sales"
)

// The sales scenarios of issue 5: a forecast over 10,000 open deals, and
// moving a deal (the kanban board's one call).
const (
	// ForecastOpenDeals is how many open deals the forecast adds up, in a
	// run of 10,000 contacts or more; smaller runs (the harness's own test)
	// have one per contact, at least 500, so that a forecast stays well
	// within their short measurements.
	ForecastOpenDeals = 10_000
	// salesReps own the deals in turn.
	salesReps = 8
)

// openDeals is how many open deals a run has; a fifth as many closed deals
// (70% won) teach the forecast.
func (e *env) openDeals() int { return min(ForecastOpenDeals, max(500, e.cfg.Contacts)) }

// salesState is what the sales scenarios share: the pipeline and, per
// client, the open deals it moves.
type salesState struct {
	open  []int64 // the open stages, in order
	slots [][]*dealSlot
}

type dealSlot struct {
	id, version int64
	stage       int // index into open
}

// prepareSales makes, once, a pipeline with the default stages, the reps,
// the history (deals created and then won or lost) and the open deals,
// expected to close over the next six months.
func prepareSales(ctx context.Context, e *env) error {
	if e.sales != nil {
		return nil
	}
	sys := crm.WithPrincipal(ctx, crm.System)
	svc := e.app.Sales
	p, err := svc.CreatePipeline(sys, sales.PipelineInput{Name: "Bench"})
	if err != nil {
		return err
	}
	st := &salesState{slots: make([][]*dealSlot, e.cfg.Concurrency)}
	var won, lost int64
	for _, s := range p.Stages {
		switch s.Kind {
		case sales.KindOpen:
			st.open = append(st.open, s.ID)
		case sales.KindWon:
			won = s.ID
		case sales.KindLost:
			lost = s.ID
		}
	}
	reps := make([]int64, salesReps)
	for i := range reps {
		u, err := e.app.Accounts.CreateUser(sys, account.UserFields{Email: fmt.Sprintf("rep%d@bench.test", i), Name: fmt.Sprint("Rep ", i),
			Role: crm.RoleAgent}, "")
		if err != nil {
			return err
		}
		reps[i] = u.ID
	}
	r := rand.New(rand.NewPCG(uint64(e.cfg.Seed), 0x5a1e5))
	today := time.Now().UTC().Truncate(24 * time.Hour)
	create := func(n int, stage func(i int) int64) ([]sales.BatchResult, error) {
		var all []sales.BatchResult
		for start := 0; start < n; start += sales.MaxBatch {
			inputs := make([]sales.DealInput, min(sales.MaxBatch, n-start))
			for j := range inputs {
				i := start + j
				owner := reps[i%len(reps)]
				inputs[j] = sales.DealInput{DealFields: sales.DealFields{Name: "Bench deal " + strconv.Itoa(i), Amount: int64(1000+r.IntN(500_000)) * 100,
					ExpectedCloseOn: today.AddDate(0, 0, r.IntN(180)).Format("2006-01-02"), OwnerID: &owner}, StageID: stage(i)}
			}
			results, err := svc.CreateDeals(e.svc, inputs)
			if err != nil {
				return nil, err
			}
			for _, res := range results {
				if res.Err != nil {
					return nil, res.Err
				}
			}
			all = append(all, results...)
		}
		return all, nil
	}
	history, err := create(e.openDeals()/5, func(i int) int64 { return st.open[i%len(st.open)] })
	if err != nil {
		return err
	}
	for start := 0; start < len(history); start += sales.MaxBatch {
		chunk := history[start:min(len(history), start+sales.MaxBatch)]
		moves := make([]sales.Move, len(chunk))
		for j, h := range chunk {
			moves[j] = sales.Move{DealID: h.ID, MoveInput: sales.MoveInput{StageID: won}}
			if r.IntN(10) < 3 {
				moves[j].StageID, moves[j].LostReason = lost, "price"
			}
		}
		if _, err := svc.MoveDeals(e.svc, moves); err != nil {
			return err
		}
	}
	open, err := create(e.openDeals(), func(i int) int64 { return st.open[i%len(st.open)] })
	if err != nil {
		return err
	}
	for i, res := range open {
		w := i % e.cfg.Concurrency
		st.slots[w] = append(st.slots[w], &dealSlot{id: res.ID, version: res.Version, stage: i % len(st.open)})
	}
	e.sales = st
	return nil
}

// forecast: the current quarter's forecast over every deal.

func forecastHTTP(e *env, _ int) op {
	return func(ctx context.Context) result {
		res, body := e.api.get(ctx, "/api/v1/sales/forecast")
		if res.err == nil && res.status == http.StatusOK && !bytes.Contains(body, []byte(`"history_forecast":`)) {
			res.wrong = fmt.Sprintf("a forecast without its figures: %.100s", body)
		}
		return res
	}
}

func forecastService(e *env, _ int) op {
	return func(ctx context.Context) result {
		f, err := e.app.Sales.Forecast(e.svc, sales.ReportQuery{})
		if err == nil && f.History.ClosedDeals < e.openDeals()/5 {
			return result{wrong: fmt.Sprintf("a forecast of %d closed deals", f.History.ClosedDeals)}
		}
		return result{err: err}
	}
}

// move: a deal moved on to the next open stage, with the version last seen
// in If-Match. Each client moves deals of its own, so that a 412 means
// something is wrong; the two paths take turns on the same deals.

func (e *env) nextDeal(w int, i *int) (*dealSlot, int) {
	slots := e.sales.slots[w]
	s := slots[*i%len(slots)]
	*i++
	return s, (s.stage + 1) % len(e.sales.open)
}

func moveHTTP(e *env, w int) op {
	var i int
	return func(ctx context.Context) result {
		if len(e.sales.slots[w]) == 0 {
			return result{done: true}
		}
		s, next := e.nextDeal(w, &i)
		body := []byte(`{"stage_id":` + strconv.FormatInt(e.sales.open[next], 10) + `}`)
		status, resp, h, err := e.api.do(ctx, http.MethodPost, "/api/v1/deals/"+strconv.FormatInt(s.id, 10)+"/move", body,
			[]string{"If-Match", `"` + strconv.FormatInt(s.version, 10) + `"`})
		res := result{status: status, err: err, body: resp}
		switch {
		case err != nil:
		case status == http.StatusOK:
			v, verr := etagVersion(h)
			if verr != nil || v != s.version+1 {
				res.wrong = fmt.Sprintf("deal %d: version %d after a move of version %d (%v)", s.id, v, s.version, verr)
			}
			s.version, s.stage = v, next
		case status == http.StatusPreconditionFailed:
			e.refreshDeal(ctx, s)
		}
		return res
	}
}

func moveService(e *env, w int) op {
	var i int
	return func(ctx context.Context) result {
		if len(e.sales.slots[w]) == 0 {
			return result{done: true}
		}
		s, next := e.nextDeal(w, &i)
		d, err := e.app.Sales.MoveDeal(e.svc, s.id, s.version, sales.MoveInput{StageID: e.sales.open[next]})
		if err != nil {
			e.refreshDeal(ctx, s)
			return result{err: err}
		}
		res := result{}
		if d.Version != s.version+1 {
			res.wrong = fmt.Sprintf("deal %d: version %d after a move of version %d", s.id, d.Version, s.version)
		}
		s.version, s.stage = d.Version, next
		return res
	}
}

// refreshDeal rereads a deal after its version was refused.
func (e *env) refreshDeal(ctx context.Context, s *dealSlot) {
	if d, err := e.app.Store.Deal(ctx, s.id); err == nil {
		s.version = d.Version
		for j, id := range e.sales.open {
			if id == d.StageID {
				s.stage = j
			}
		}
	}
}
