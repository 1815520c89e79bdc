package insight

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"time"

	"github.com/guanxi-crm/guanxi/internal/analytics/clv"
	"github.com/guanxi-crm/guanxi/internal/analytics/rfm"
	"github.com/guanxi-crm/guanxi/internal/crm"
)

// Run is the summary of an insight run.
type Run struct {
	At        time.Time `json:"at"`
	TookMS    int64     `json:"took_ms"`
	Contacts  int       `json:"contacts" doc:"Live contacts given a lifecycle stage"`
	Customers int       `json:"customers" doc:"Contacts with a counted sale: scored"`
	Settings  Settings  `json:"settings"`
	// RFM is the grid, score ranges and cell totals.
	RFM rfm.Result `json:"rfm"`
	// Tiers are the value tiers' totals and thresholds.
	Tiers rfm.TierResult `json:"tiers"`
	// Model is the fitted purchase and spend model; nil when it could not
	// be fitted (ModelError says why).
	Model      *Model         `json:"model,omitempty"`
	ModelError string         `json:"model_error,omitempty"`
	Lifecycle  map[string]int `json:"lifecycle" doc:"Contacts per lifecycle stage"`
	ChurnRisk  map[string]int `json:"churn_risk" doc:"Customers per churn risk"`
	Moves      int            `json:"moves" doc:"Lifecycle moves this run recorded"`
}

// Model is the BG/NBD and Gamma-Gamma fit, with what each figure means.
type Model struct {
	Unit        string        `json:"unit" doc:"Time unit of the parameters: week"`
	BGNBD       ModelParams   `json:"bg_nbd"`
	GammaGamma  *ModelParams  `json:"gamma_gamma,omitempty" doc:"Absent when too few customers bought twice with a positive value"`
	Customers   int           `json:"customers"`
	Repeaters   int           `json:"repeaters" doc:"Customers with a repeat purchase"`
	Explanation []Explanation `json:"explanation"`
}

// ModelParams are a fitted model's parameters and log-likelihood.
type ModelParams struct {
	Params        map[string]float64 `json:"params"`
	LogLikelihood float64            `json:"log_likelihood"`
}

// Explanation says what a figure means, in English; the UI translates the
// keys.
type Explanation struct {
	Key  string `json:"key"`
	Text string `json:"text"`
}

var explanations = []Explanation{
	{"p_alive", "P(alive): the probability, under the BG/NBD model, that the customer has not dropped out, given how many times they bought and how long ago they last bought relative to how long they have been a customer."},
	{"expected_purchases", "Expected purchases over the horizon for this customer, under the BG/NBD model fitted to every customer's purchase days (same-day orders count once)."},
	{"clv", "CLV: expected purchases in each week of the horizon × the expected value of a purchase (Gamma-Gamma: the customer's mean repeat purchase shrunk towards the population's), discounted weekly at the annual rate, in minor units of revenue."},
	{"rfm", "RFM: recency, frequency and monetary scores, 1 (lowest) to the number of bins, by quantiles of the customers who ordered; equal values get equal scores."},
	{"value_tier", "Value tier: most_valuable are the top share by lifetime profit, below_zero cost more to serve than they bring, most_growable have a high predicted CLV but profit below the median."},
	{"churn_risk", "Churn risk: high when P(alive) is below the high-risk threshold or the last order is older than the lapsed days; medium below the medium threshold or older than the at-risk days; else low."},
	{"lifecycle", "Lifecycle: lead (never seen), prospect (seen, never bought), first_time, repeat, loyal (enough orders), at_risk (medium or high churn risk), lapsed (no order for the lapsed days)."},
}

// customer is one buyer's figures while a run reads the sales.
type customer struct {
	rfm     rfm.Customer
	summary clv.Summary
}

// JobKind is the kind of the durable job that runs Refresh.
const JobKind = "insight.refresh"

// CheckRefresh says whether the caller may start a run: admins and
// managers (a run reads every customer).
func (s *Service) CheckRefresh(ctx context.Context) error {
	const op = "insight.Refresh"
	p, err := crm.Writer(ctx, op)
	if err != nil {
		return err
	}
	if !p.IsAdmin() && p.Role != crm.RoleManager {
		return crm.E(op, crm.KindForbidden, "insight_managers_only")
	}
	return nil
}

// Refresh computes every contact's figures now and keeps them. It is the
// insight job.
func (s *Service) Refresh(ctx context.Context) (*Run, error) {
	const op = "insight.Refresh"
	if err := s.CheckRefresh(ctx); err != nil {
		return nil, err
	}
	started := time.Now()
	set, err := s.settings(ctx)
	if err != nil {
		return nil, crm.Wrap(op, err)
	}
	now := s.clock.Now()
	contacts, err := s.store.ContactsSeen(ctx)
	if err != nil {
		return nil, crm.Wrap(op, err)
	}
	buyers, err := s.readBuyers(ctx, now)
	if err != nil {
		return nil, crm.Wrap(op, err)
	}
	run := &Run{At: now, Contacts: len(contacts), Customers: len(buyers), Settings: set,
		Lifecycle: map[string]int{}, ChurnRisk: map[string]int{}}
	rfmIn := make([]rfm.Customer, len(buyers))
	for i, b := range buyers {
		rfmIn[i] = b.rfm
	}
	run.RFM, err = rfm.Score(rfmIn, rfm.Options{Bins: set.RFMBins, Now: now})
	if err != nil {
		return nil, crm.Internal(op, err)
	}
	predictions := s.predict(buyers, set, run)
	var predicted []int64
	if predictions != nil {
		predicted = make([]int64, len(buyers))
		for i, pr := range predictions {
			predicted[i] = pr.clv
		}
	}
	run.Tiers, err = rfm.Tiers(rfmIn, predicted, rfm.TierOptions{ValuableShare: set.ValuableShare, GrowableShare: set.GrowableShare})
	if err != nil {
		return nil, crm.Internal(op, err)
	}
	before, err := s.store.Lifecycles(ctx)
	if err != nil {
		return nil, crm.Wrap(op, err)
	}
	scores := make([]ContactScore, 0, len(contacts))
	var moves []LifecycleMove
	next := 0 // buyers and contacts are both in id order
	for _, c := range contacts {
		sc := ContactScore{ContactID: c.ID, ComputedAt: now, Lifecycle: StageLead}
		if c.Seen {
			sc.Lifecycle = StageProspect
		}
		for next < len(buyers) && buyers[next].rfm.ID < c.ID {
			next++
		}
		if next < len(buyers) && buyers[next].rfm.ID == c.ID {
			s.scoreBuyer(&sc, next, buyers[next], run, predictions, set, now)
		}
		run.Lifecycle[sc.Lifecycle]++
		if sc.ChurnRisk != nil {
			run.ChurnRisk[*sc.ChurnRisk]++
		}
		if prev := before[c.ID]; prev != sc.Lifecycle {
			moves = append(moves, LifecycleMove{ContactID: c.ID, From: prev, To: sc.Lifecycle, At: now})
		}
		scores = append(scores, sc)
	}
	run.Moves = len(moves)
	if err := s.store.ReplaceScores(ctx, scores, moves); err != nil {
		return nil, crm.Wrap(op, err)
	}
	run.TookMS = time.Since(started).Milliseconds()
	raw, err := json.Marshal(run)
	if err != nil {
		return nil, crm.Internal(op, err)
	}
	if err := s.store.SetSetting(ctx, runKey, string(raw)); err != nil {
		return nil, crm.Wrap(op, err)
	}
	return run, nil
}

// readBuyers reads each buyer's figures the store keeps (Buyer): the RFM
// inputs, and the purchase summary of the CLV models in weeks, where the sales of one day (UTC) are
// one purchase and a customer's age T runs from their first day to today,
// as in Fader, Hardie & Lee's CDNOW summaries (T = 38.86 weeks for a first
// purchase on 1997-01-01 and a calibration ending 1997-09-30).
func (s *Service) readBuyers(ctx context.Context, now time.Time) ([]customer, error) {
	today := PurchaseDay(now)
	var out []customer
	err := s.store.EachBuyer(ctx, func(b Buyer) error {
		first, last := PurchaseDay(b.FirstOrder), PurchaseDay(b.LastOrder)
		c := customer{rfm: rfm.Customer{ID: b.ContactID, Orders: int(b.Orders), Monetary: b.Revenue, Profit: b.Profit, LastOrder: b.LastOrder}}
		weeks := func(d time.Duration) float64 { return d.Hours() / (24 * 7) }
		c.summary = clv.Summary{
			X:  float64(b.PurchaseDays - 1),
			Tx: weeks(last.Sub(first)),
			T:  max(weeks(today.Sub(first)), weeks(last.Sub(first))),
		}
		if b.PurchaseDays > 1 {
			c.summary.MeanValue = float64(b.Revenue-b.FirstDayRevenue) / float64(b.PurchaseDays-1)
		}
		out = append(out, c)
		return nil
	})
	return out, err
}

// prediction is one buyer's model figures.
type prediction struct {
	pAlive, purchases float64
	clv               int64
}

// predict fits the models and predicts every buyer's figures; nil when the
// model cannot be fitted (too few customers, no repeat buyers), with the
// reason in run.ModelError.
func (s *Service) predict(buyers []customer, set Settings, run *Run) []prediction {
	summaries := make([]clv.Summary, len(buyers))
	repeaters := 0
	for i, b := range buyers {
		summaries[i] = b.summary
		if b.summary.X > 0 {
			repeaters++
		}
	}
	bg, err := clv.FitBGNBD(summaries)
	if err != nil {
		run.ModelError = fmt.Sprintf("BG/NBD: %v", err)
		return nil
	}
	model := &Model{Unit: "week", Customers: len(buyers), Repeaters: repeaters, Explanation: explanations,
		BGNBD: ModelParams{Params: map[string]float64{"r": bg.R, "alpha": bg.Alpha, "a": bg.A, "b": bg.B}, LogLikelihood: bg.LogLikelihood}}
	gg, ggErr := clv.FitGammaGamma(positiveRepeaters(summaries))
	if ggErr == nil {
		model.GammaGamma = &ModelParams{Params: map[string]float64{"p": gg.P, "q": gg.Q, "gamma": gg.Gamma}, LogLikelihood: gg.LogLikelihood}
	} else {
		run.ModelError = fmt.Sprintf("Gamma-Gamma: %v (CLV uses each customer's mean purchase)", ggErr)
	}
	run.Model = model
	weeklyDiscount := math.Pow(1+set.AnnualDiscount, 1.0/52) - 1
	out := make([]prediction, len(buyers))
	for i, b := range buyers {
		sm := b.summary
		// The summaries are built above, so they are valid: an error here
		// is a numerical failure, and the figure is left out (NaN).
		pr := prediction{pAlive: math.NaN(), purchases: math.NaN()}
		if p, err := bg.PAlive(sm.X, sm.Tx, sm.T); err == nil {
			pr.pAlive = p
		}
		if e, err := bg.ConditionalExpectedPurchases(float64(set.HorizonWeeks), sm.X, sm.Tx, sm.T); err == nil {
			pr.purchases = e
		}
		spend := b.spendPerPurchase()
		if ggErr == nil {
			// With no repeat purchase the model's value is the population mean.
			if v, err := gg.ConditionalExpectedValue(sm.X, sm.MeanValue); err == nil {
				spend = v
			}
		}
		horizon := clv.Horizon{Periods: set.HorizonWeeks, PeriodLength: 1, DiscountRate: weeklyDiscount}
		if purchases, err := clv.DiscountedPurchases(bg, sm, horizon); err == nil {
			pr.clv = int64(math.Round(purchases * spend))
		}
		out[i] = pr
	}
	return out
}

// spendPerPurchase is a buyer's mean revenue per purchase day.
func (c customer) spendPerPurchase() float64 {
	return float64(c.rfm.Monetary) / (c.summary.X + 1)
}

// positiveRepeaters are the summaries the spend model can be fitted on.
func positiveRepeaters(all []clv.Summary) []clv.Summary {
	var out []clv.Summary
	for _, s := range all {
		if s.X > 0 && s.MeanValue > 0 {
			out = append(out, s)
		}
	}
	return out
}

// scoreBuyer fills a buyer's scores, churn risk and lifecycle stage.
func (s *Service) scoreBuyer(sc *ContactScore, i int, b customer, run *Run, predictions []prediction, set Settings, now time.Time) {
	r := run.RFM.Scores[i]
	if r.R > 0 {
		rr, ff, mm, cell := int(r.R), int(r.F), int(r.M), r.Segment.String()
		sc.R, sc.F, sc.M, sc.Cell = &rr, &ff, &mm, &cell
	}
	tier := run.Tiers.Tiers[i].String()
	sc.Tier = &tier
	idle := now.Sub(b.rfm.LastOrder)
	risk := RiskLow
	pAlive := math.NaN()
	if predictions != nil {
		pr := predictions[i]
		pAlive = pr.pAlive
		if !math.IsNaN(pr.pAlive) {
			sc.PAlive = &pr.pAlive
		}
		if !math.IsNaN(pr.purchases) {
			sc.ExpectedPurchases = &pr.purchases
		}
		sc.CLV = &pr.clv
	}
	switch {
	case idle > days(set.LapsedDays) || pAlive < set.HighRiskPAlive:
		risk = RiskHigh
	case idle > days(set.AtRiskDays) || pAlive < set.MediumRiskPAlive:
		risk = RiskMedium
	}
	sc.ChurnRisk = &risk
	switch {
	case idle > days(set.LapsedDays):
		sc.Lifecycle = StageLapsed
	case risk != RiskLow:
		sc.Lifecycle = StageAtRisk
	case b.rfm.Orders >= set.LoyalOrders:
		sc.Lifecycle = StageLoyal
	case b.rfm.Orders >= 2:
		sc.Lifecycle = StageRepeat
	default:
		sc.Lifecycle = StageFirstTime
	}
}

func days(n int) time.Duration { return time.Duration(n) * 24 * time.Hour }

// LastRun reads the summary of the last run; nil before the first.
func (s *Service) LastRun(ctx context.Context) (*Run, error) {
	const op = "insight.LastRun"
	if _, err := fullReader(ctx, op); err != nil {
		return nil, err
	}
	var run Run
	ok, err := loadJSON(ctx, s.store, runKey, &run)
	if err != nil || !ok {
		return nil, crm.Wrap(op, err)
	}
	return &run, nil
}

// ContactInsight is one contact's figures with the history of its stages.
type ContactInsight struct {
	Scores      *ContactScore   `json:"scores" doc:"Null before the first run"`
	Moves       []LifecycleMove `json:"lifecycle_moves" nullable:"false" doc:"Newest first"`
	Explanation []Explanation   `json:"explanation"`
}

// Contact reads a contact's figures; the caller must be able to read the
// contact (check is the customer service's).
func (s *Service) Contact(ctx context.Context, id int64, check func(ctx context.Context, id int64) error) (*ContactInsight, error) {
	const op = "insight.Contact"
	if err := check(ctx, id); err != nil {
		return nil, err
	}
	out := &ContactInsight{Explanation: explanations}
	sc, err := s.store.ContactScore(ctx, id)
	switch {
	case crm.IsKind(err, crm.KindNotFound):
	case err != nil:
		return nil, crm.Wrap(op, err)
	default:
		out.Scores = sc
	}
	if out.Moves, err = s.store.LifecycleMoves(ctx, id, 50); err != nil {
		return nil, crm.Wrap(op, err)
	}
	return out, nil
}
