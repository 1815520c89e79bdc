package web

import (
	"net/http"
	"strconv"
	"time"

	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/i18n"
)

// The insight panel of the customer 360 page: the customer's RFM cell,
// value tier, CLV, probability of being still active, churn risk and
// lifecycle stage with its history, from the last insight run, and what
// each figure means. Only for those who may read the customer in full (the
// insight service asks the customer service, as for the timeline).

// lifecycleMovesShown is how many moves between stages the panel lists.
const lifecycleMovesShown = 10

type insightPanel struct {
	Scored    bool // false before the first run that saw this customer
	At        time.Time
	Currency  string
	RFM       string // "R5 · F3 · M4"
	CellKey   string
	CellLink  string
	TierKey   string
	CLV       *int64
	PAlive    string
	Expected  string
	Churn     string // low, medium or high
	Lifecycle string
	Moves     []moveView
	Explain   []string
}

type moveView struct {
	From, To string // lifecycle stages; From is "" for the first
	At       time.Time
}

func (h *Web) insightPanel(r *http.Request, c *customer.Contact) (*insightPanel, error) {
	if h.deps.Insight == nil || c.Restricted || c.DeletedAt != nil {
		return nil, nil
	}
	ctx := r.Context()
	res, err := h.deps.Insight.Contact(ctx, c.ID, h.deps.Customers.ReadableContact)
	switch {
	case crm.IsKind(err, crm.KindForbidden), crm.IsKind(err, crm.KindNotFound):
		return nil, nil
	case err != nil:
		return nil, err
	}
	lang := h.lang(r)
	v := &insightPanel{}
	if c.Metrics != nil && c.Metrics.Currency != "" {
		v.Currency = c.Metrics.Currency
	} else {
		v.Currency = h.currency(ctx)
	}
	for _, m := range res.Moves[:min(len(res.Moves), lifecycleMovesShown)] {
		v.Moves = append(v.Moves, moveView{From: m.From, To: m.To, At: m.At})
	}
	for _, e := range res.Explanation {
		v.Explain = append(v.Explain, explanation(lang, e))
	}
	sc := res.Scores
	if sc == nil {
		return v, nil
	}
	v.Scored, v.At, v.Lifecycle = true, sc.ComputedAt, sc.Lifecycle
	if sc.R != nil && sc.F != nil && sc.M != nil {
		v.RFM = "R" + strconv.Itoa(*sc.R) + " · F" + strconv.Itoa(*sc.F) + " · M" + strconv.Itoa(*sc.M)
	}
	if sc.Cell != nil {
		v.CellKey = "rfm_cell." + *sc.Cell
		if canManageSegments(principal(ctx)) {
			v.CellLink = segmentLink(`rfm_cell = "`+*sc.Cell+`"`, i18n.Message(lang, v.CellKey, nil))
		}
	}
	if sc.Tier != nil {
		v.TierKey = "value_tier." + *sc.Tier
	}
	if sc.ChurnRisk != nil {
		v.Churn = *sc.ChurnRisk
	}
	v.CLV = sc.CLV
	if sc.PAlive != nil {
		v.PAlive = percent(*sc.PAlive)
	}
	if sc.ExpectedPurchases != nil {
		v.Expected = decimal(*sc.ExpectedPurchases)
	}
	return v, nil
}
