package sales

import (
	"context"
	"strings"
	"time"

	"github.com/guanxi-crm/guanxi/internal/crm"
)

// RecordQuote is the audit record type of quotes.
const RecordQuote = "quote"

// Quote statuses. A quote is a draft until sent; accepted and rejected are
// final. A sent quote past its validity date is expired (derived, not
// stored: the date decides).
const (
	QuoteDraft    = "draft"
	QuoteSent     = "sent"
	QuoteAccepted = "accepted"
	QuoteRejected = "rejected"
)

// Quote is an offer made from a deal's lines at one moment: later changes
// to the deal do not change it.
type Quote struct {
	ID         int64      `json:"id"`
	Version    int64      `json:"version"`
	Number     string     `json:"number" doc:"Q-000123"`
	DealID     int64      `json:"deal_id"`
	DealName   string     `json:"deal_name"`
	Status     string     `json:"status" enum:"draft,sent,accepted,rejected"`
	Expired    bool       `json:"expired" doc:"Sent and past its validity date"`
	Currency   string     `json:"currency"`
	Lines      []DealLine `json:"lines" nullable:"false"`
	Subtotal   int64      `json:"subtotal" doc:"Σ quantity × unit price"`
	Discount   int64      `json:"discount" doc:"Σ line discounts"`
	Total      int64      `json:"total"`
	ValidUntil string     `json:"valid_until" doc:"YYYY-MM-DD, the last day the offer holds"`
	Terms      string     `json:"terms"`
	Notes      string     `json:"notes"`
	CreatedBy  *int64     `json:"created_by,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
	UpdatedAt  time.Time  `json:"updated_at"`
	DecidedAt  *time.Time `json:"decided_at,omitempty" doc:"When it was accepted or rejected"`
}

// QuoteInput is what a client writes of a new quote.
type QuoteInput struct {
	ValidUntil string `json:"valid_until,omitempty" doc:"YYYY-MM-DD; defaults to 30 days from today"`
	Terms      string `json:"terms,omitempty" maxLength:"5000" doc:"Payment and delivery terms"`
	Notes      string `json:"notes,omitempty" maxLength:"5000"`
}

// QuoteDecision sends, accepts or rejects a quote.
type QuoteDecision struct {
	Status string `json:"status" enum:"sent,accepted,rejected"`
	// MarkWon moves the deal to its pipeline's won stage when the quote is
	// accepted.
	MarkWon bool `json:"mark_won,omitempty" doc:"With accepted: also move the deal to the won stage"`
}

// QuoteStore is what quotes need from persistence.
type QuoteStore interface {
	// CreateQuote inserts a quote, setting its ID, Number and Version 1.
	CreateQuote(ctx context.Context, q *Quote) error
	Quote(ctx context.Context, id int64) (*Quote, error)
	// DealQuotes lists a deal's quotes, newest first.
	DealQuotes(ctx context.Context, dealID int64) ([]*Quote, error)
	// DecideQuote saves q's status and decision time if old.Version is
	// current (else Stale), setting q.Version.
	DecideQuote(ctx context.Context, old, q *Quote) error
}

func (q *Quote) derive(today string) {
	q.Subtotal, q.Discount = 0, 0
	for i := range q.Lines {
		l := &q.Lines[i]
		l.Total = l.Quantity*l.UnitPrice - l.Discount
		q.Subtotal += l.Quantity * l.UnitPrice
		q.Discount += l.Discount
	}
	q.Total = q.Subtotal - q.Discount
	q.Expired = q.Status == QuoteSent && q.ValidUntil < today
}

func (s *Service) today() string { return s.clock.Now().UTC().Format(time.DateOnly) }

// CreateQuote makes a quote from a deal's lines, for those who may write
// the deal.
func (s *Service) CreateQuote(ctx context.Context, dealID int64, in QuoteInput) (*Quote, error) {
	const op = "sales.CreateQuote"
	p, err := crm.Writer(ctx, op)
	if err != nil {
		return nil, err
	}
	d, err := s.writableDeal(ctx, op, p, dealID, 0)
	if err != nil {
		return nil, crm.Wrap(op, err)
	}
	var v crm.Violations
	now := s.clock.Now()
	if len(d.Lines) == 0 {
		v.Add("deal_id", "quote_needs_lines")
	}
	if d.Status != StatusOpen {
		v.Add("deal_id", "deal_closed", "status", d.Status)
	}
	if in.ValidUntil == "" {
		in.ValidUntil = now.UTC().AddDate(0, 0, 30).Format(time.DateOnly)
	}
	in.ValidUntil = checkDate(&v, "valid_until", in.ValidUntil)
	if in.ValidUntil != "" && in.ValidUntil < s.today() {
		v.Add("valid_until", "in_the_past")
	}
	in.Terms = crm.CleanText(&v, "terms", in.Terms, 5000)
	in.Notes = crm.CleanText(&v, "notes", in.Notes, 5000)
	if err := v.Err(op); err != nil {
		return nil, err
	}
	q := &Quote{DealID: d.ID, DealName: d.Name, Status: QuoteDraft, Currency: d.Currency, Lines: append([]DealLine(nil), d.Lines...),
		ValidUntil: in.ValidUntil, Terms: in.Terms, Notes: in.Notes, CreatedBy: p.ActorID(), CreatedAt: now, UpdatedAt: now}
	q.derive(s.today())
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		if err := s.store.CreateQuote(ctx, q); err != nil {
			return err
		}
		return s.store.AppendAudit(ctx, audit(ctx, p, now, crm.ActionCreate, RecordQuote, q.ID,
			[]crm.Change{{Field: "number", To: crm.JSON(q.Number)}, {Field: "deal_id", To: crm.JSON(q.DealID)}, {Field: "total", To: crm.JSON(q.Total)}}))
	})
	if err != nil {
		return nil, crm.Wrap(op, err)
	}
	return q, nil
}

// readableQuote reads a quote its deal lets the caller read.
func (s *Service) readableQuote(ctx context.Context, op string, p *crm.Principal, id int64) (*Quote, *Deal, error) {
	q, err := s.store.Quote(ctx, id)
	if err != nil {
		return nil, nil, crm.Wrap(op, err)
	}
	d, err := s.store.Deal(ctx, q.DealID)
	if err != nil {
		return nil, nil, crm.Wrap(op, err)
	}
	if !p.ReadsRecord(d.OwnerID, d.TeamID) {
		return nil, nil, crm.Forbidden(op).With("quote_id", id)
	}
	q.derive(s.today())
	return q, d, nil
}

// GetQuote reads a quote, for those who may read its deal.
func (s *Service) GetQuote(ctx context.Context, id int64) (*Quote, error) {
	const op = "sales.GetQuote"
	p, err := crm.Actor(ctx, op)
	if err != nil {
		return nil, err
	}
	q, _, err := s.readableQuote(ctx, op, p, id)
	return q, err
}

// DealQuotes lists a deal's quotes, newest first.
func (s *Service) DealQuotes(ctx context.Context, dealID int64) ([]*Quote, error) {
	const op = "sales.DealQuotes"
	if _, err := s.GetDeal(ctx, dealID); err != nil {
		return nil, err
	}
	qs, err := s.store.DealQuotes(ctx, dealID)
	if err != nil {
		return nil, crm.Wrap(op, err)
	}
	for _, q := range qs {
		q.derive(s.today())
	}
	return qs, nil
}

// DecideQuote sends, accepts or rejects a quote. A draft is sent; a sent
// quote, not expired, is accepted or rejected; accepted and rejected are
// final. Accepting with MarkWon also moves the deal to the won stage, in
// the same transaction. ifVersion 0 skips the version check.
func (s *Service) DecideQuote(ctx context.Context, id, ifVersion int64, in QuoteDecision) (*Quote, error) {
	const op = "sales.DecideQuote"
	p, err := crm.Writer(ctx, op)
	if err != nil {
		return nil, err
	}
	var next *Quote
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		old, d, err := s.readableQuote(ctx, op, p, id)
		if err != nil {
			return err
		}
		if !p.WritesRecord(d.OwnerID, d.TeamID) {
			return crm.Forbidden(op).With("quote_id", id)
		}
		if ifVersion != 0 && ifVersion != old.Version {
			return crm.Stale(op, old.Version)
		}
		var v crm.Violations
		allowed := map[string][]string{QuoteDraft: {QuoteSent}, QuoteSent: {QuoteAccepted, QuoteRejected}}[old.Status]
		ok := false
		for _, a := range allowed {
			ok = ok || a == in.Status
		}
		switch {
		case !ok:
			next := strings.Join(allowed, ", ")
			if next == "" {
				next = "—" // accepted and rejected are final
			}
			v.Add("status", "invalid_transition", "from", old.Status, "to", in.Status, "allowed", next)
		case in.Status == QuoteAccepted && old.Expired:
			v.Add("status", "quote_expired", "valid_until", old.ValidUntil)
		case in.MarkWon && in.Status != QuoteAccepted:
			v.Add("mark_won", "invalid_choice")
		}
		if err := v.Err(op); err != nil {
			return err
		}
		now := s.clock.Now()
		copied := *old
		next = &copied
		next.Status, next.UpdatedAt = in.Status, now
		if in.Status != QuoteSent {
			next.DecidedAt = &now
		}
		if err := s.store.DecideQuote(ctx, old, next); err != nil {
			return err
		}
		if err := s.store.AppendAudit(ctx, audit(ctx, p, now, crm.ActionUpdate, RecordQuote, id,
			[]crm.Change{{Field: "status", From: crm.JSON(old.Status), To: crm.JSON(next.Status)}})); err != nil {
			return err
		}
		if !in.MarkWon {
			return nil
		}
		pl, err := s.store.Pipeline(ctx, d.PipelineID)
		if err != nil {
			return err
		}
		won := pl.ofKind(KindWon)
		if won == nil {
			return crm.E(op, crm.KindConflict, "no_won_stage")
		}
		_, err = s.MoveDeal(ctx, d.ID, 0, MoveInput{StageID: won.ID})
		return err
	})
	if err != nil {
		return nil, crm.Wrap(op, err)
	}
	next.derive(s.today())
	return next, nil
}
