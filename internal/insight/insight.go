// Package insight is customer insight (MISSION.md C4): who matters, who is
// slipping away and what they buy together. A run (Refresh, a durable job
// the app schedules daily and admins start at will) reads every customer's
// counted sales once and computes, with the pure arithmetic of
// internal/analytics:
//
//   - RFM scores and named cells (analytics/rfm);
//   - the BG/NBD and Gamma-Gamma models of purchase and spend, fitted by
//     maximum likelihood, and per customer P(alive), expected purchases and
//     CLV over a horizon (analytics/clv);
//   - value tiers by profit and predicted value (analytics/rfm);
//   - churn risk from P(alive) and recency, and the lifecycle stage by
//     configurable rules, with every move between stages recorded.
//
// The figures are kept per contact (the store's contact_scores), where
// segments test them; the run's summary (model parameters with what they
// mean, the RFM grid, tier totals) is kept as a setting. The 80/20 curve,
// cohorts, funnels, bundles and pain points are computed when asked.
//
// It knows nothing of HTTP or SQL.
package insight

import (
	"context"
	"encoding/json"
	"time"

	"github.com/guanxi-crm/guanxi/internal/crm"
)

// Lifecycle stages, in order, and churn risks.
const (
	StageLead      = "lead"
	StageProspect  = "prospect"
	StageFirstTime = "first_time"
	StageRepeat    = "repeat"
	StageLoyal     = "loyal"
	StageAtRisk    = "at_risk"
	StageLapsed    = "lapsed"

	RiskLow    = "low"
	RiskMedium = "medium"
	RiskHigh   = "high"
)

// Buyer is what the insight run reads of a customer's sales that count
// (package commerce: paid or fulfilled sales): enough for RFM and for the
// BG/NBD and Gamma-Gamma summaries, without reading every sale. The store
// keeps it with each contact's figures, recomputed in the transaction that
// changes the contact's orders, through Add.
type Buyer struct {
	ContactID             int64
	FirstOrder, LastOrder time.Time
	Orders                int64 // sales that count
	Revenue, Profit       int64 // minor units, of those sales
	// PurchaseDays are the days (UTC) with a sale that counts: the
	// models' purchases, several orders of a day being one.
	PurchaseDays int64
	// FirstDayRevenue is the revenue of the first of those days, which
	// the spend model leaves out (it models repeat purchases).
	FirstDayRevenue int64
}

// Add counts a sale that counts, placed at at; a buyer's sales are added in
// the order they were placed.
func (b *Buyer) Add(at time.Time, revenue, profit int64) {
	day := PurchaseDay(at)
	switch {
	case b.Orders == 0:
		b.FirstOrder, b.PurchaseDays = at, 1
		b.FirstDayRevenue = revenue
	case day.Equal(PurchaseDay(b.FirstOrder)):
		b.FirstDayRevenue += revenue
	case !day.Equal(PurchaseDay(b.LastOrder)):
		b.PurchaseDays++
	}
	b.LastOrder = at
	b.Orders++
	b.Revenue += revenue
	b.Profit += profit
}

// PurchaseDay is the day (UTC) of a purchase.
func PurchaseDay(at time.Time) time.Time { return at.UTC().Truncate(24 * time.Hour) }

// ContactSeen is a live contact and whether it has been seen (an event or
// an order).
type ContactSeen struct {
	ID   int64
	Seen bool
}

// ContactScore is what a run found of one contact. Scores a contact lacks
// (it never ordered; no model could be fitted) are nil.
type ContactScore struct {
	ContactID         int64     `json:"contact_id"`
	R                 *int      `json:"rfm_r" doc:"Recency score, 1 (longest ago) to bins"`
	F                 *int      `json:"rfm_f" doc:"Frequency score"`
	M                 *int      `json:"rfm_m" doc:"Monetary score"`
	Cell              *string   `json:"rfm_cell" doc:"Named RFM cell (champions, at_risk, …)"`
	Tier              *string   `json:"value_tier" doc:"most_valuable, most_growable, below_zero or standard"`
	CLV               *int64    `json:"clv" doc:"Expected discounted revenue over the horizon, minor units"`
	PAlive            *float64  `json:"p_alive" doc:"Probability that the customer still buys (BG/NBD)"`
	ExpectedPurchases *float64  `json:"expected_purchases" doc:"Purchases expected over the horizon (BG/NBD)"`
	ChurnRisk         *string   `json:"churn_risk" doc:"low, medium or high"`
	Lifecycle         string    `json:"lifecycle" doc:"lead, prospect, first_time, repeat, loyal, at_risk or lapsed"`
	ComputedAt        time.Time `json:"computed_at"`
}

// LifecycleMove is a contact's move between lifecycle stages.
type LifecycleMove struct {
	ContactID int64     `json:"contact_id"`
	From      string    `json:"from" doc:"Empty at the first run"`
	To        string    `json:"to"`
	At        time.Time `json:"at"`
}

// Store is what insight needs from persistence.
type Store interface {
	InTx(ctx context.Context, fn func(ctx context.Context) error) error
	Setting(ctx context.Context, key string) (string, bool, error)
	SetSetting(ctx context.Context, key, value string) error
	ContactNames(ctx context.Context, ids []int64) (map[int64]string, error)

	// ContactsSeen lists the live contacts, by id.
	ContactsSeen(ctx context.Context) ([]ContactSeen, error)
	// EachBuyer calls fn with every live contact with a sale that counts,
	// by id.
	EachBuyer(ctx context.Context, fn func(Buyer) error) error
	// Lifecycles reads every contact's lifecycle stage at the last run.
	Lifecycles(ctx context.Context) (map[int64]string, error)
	// ReplaceScores makes scores the figures of every contact and records
	// the moves.
	ReplaceScores(ctx context.Context, scores []ContactScore, moves []LifecycleMove) error
	// ContactScore reads one contact's figures (NotFound before any run).
	ContactScore(ctx context.Context, id int64) (*ContactScore, error)
	// LifecycleMoves lists a contact's moves, newest first.
	LifecycleMoves(ctx context.Context, id int64, limit int) ([]LifecycleMove, error)

	// CustomerProfits reads the lifetime profit of every live contact with
	// a counted sale, with its id.
	CustomerProfits(ctx context.Context) (ids []int64, profits []int64, err error)
	// SalesMark changes whenever an order or an audited record (a
	// contact, a merge, an order's status) does: the Pareto view is kept
	// until it moves.
	SalesMark(ctx context.Context) (string, error)
	// EachOrderTime calls fn with the contact and time of every counted
	// sale placed in [from, to).
	EachOrderTime(ctx context.Context, from, to time.Time, fn func(contactID int64, at time.Time) error) error
	// EachEvent calls fn with the events of the types in [from, to).
	EachEvent(ctx context.Context, types []string, from, to time.Time, fn func(contactID int64, typ string, at time.Time) error) error
	// EachBasketItem calls fn with the items (SKU, or name without one) of
	// the counted sales placed in [from, to), order by order; with a
	// segment, only those of its members.
	EachBasketItem(ctx context.Context, from, to time.Time, segmentID int64, fn func(orderID int64, item string) error) error
	// Browsers lists contacts inside scope with at least minViews events
	// of the types since since and no counted sale since then.
	Browsers(ctx context.Context, types []string, since time.Time, minViews int, scope *crm.ReadScope, limit int) ([]PainPoint, error)
	// Declining lists contacts inside scope whose events of the types in
	// [recentFrom, now) fell to at most ratio of their rate in [baseFrom,
	// recentFrom), having had at least minBase there.
	Declining(ctx context.Context, types []string, baseFrom, recentFrom, now time.Time, ratio float64, minBase int, scope *crm.ReadScope, limit int) ([]PainPoint, error)
}

// PainPoint is one customer on a pain-point list with the figures that put
// them there.
type PainPoint struct {
	ContactID int64   `json:"contact_id"`
	Name      string  `json:"name"`
	Events    int64   `json:"events" doc:"Events in the window (browsers) or in the recent window (declining)"`
	Before    float64 `json:"before,omitempty" doc:"Declining: events per recent-window length in the base window"`
	LastSeen  *string `json:"last_seen,omitempty"`
}

// settingsKey and runKey are the settings insight keeps.
const (
	settingsKey = "insight.settings"
	runKey      = "insight.last_run"
)

func loadJSON(ctx context.Context, st Store, key string, v any) (bool, error) {
	raw, ok, err := st.Setting(ctx, key)
	if err != nil || !ok {
		return false, err
	}
	return true, json.Unmarshal([]byte(raw), v)
}
