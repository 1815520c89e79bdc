package touchpoint

import (
	"context"
	"encoding/json"
	"slices"
	"time"

	"github.com/guanxi-crm/guanxi/internal/crm"
)

// Timeline item kinds.
const (
	ItemEvent  = "event"
	ItemOrder  = "order"
	ItemChange = "change"
)

// TimelineItem is one thing in a customer's history: an event, an order, or
// a change to the record.
type TimelineItem struct {
	Kind      string          `json:"kind" enum:"event,order,change"`
	ID        int64           `json:"id" doc:"Id of the event, order or audit entry"`
	At        time.Time       `json:"at"`
	ContactID *int64          `json:"contact_id,omitempty"`
	Type      string          `json:"type" doc:"Event type; for an order its kind (sale, return); for a change its action (create, update, merge, join …)"`
	Channel   Channel         `json:"channel,omitempty"`
	Summary   json.RawMessage `json:"summary" doc:"Event properties; an order's number, status, currency and total; a change's fields"`
}

// TimelineQuery selects a timeline.
type TimelineQuery struct {
	ContactIDs []int64
	CompanyID  int64 // also the company's own changes, when set
	Kinds      []string
	Types      []string
	Channels   []Channel
	Cursor     string
	Limit      int
}

// TimelineParams are a client's choices.
type TimelineParams struct {
	Kinds    []string
	Types    []string
	Channels []Channel
	Cursor   string
	Limit    int
}

func (s *Service) checkTimeline(op string, p TimelineParams) error {
	var v crm.Violations
	for _, k := range p.Kinds {
		if !slices.Contains([]string{ItemEvent, ItemOrder, ItemChange}, k) {
			v.Add("kind", "invalid_kind", "allowed", []string{ItemEvent, ItemOrder, ItemChange})
		}
	}
	for _, c := range p.Channels {
		if !slices.Contains(Channels, c) {
			v.Add("channel", "invalid_channel", "allowed", Channels)
		}
	}
	for _, t := range p.Types {
		if !customType.MatchString(t) {
			v.Add("type", "invalid_event_type")
		}
	}
	return v.Err(op)
}

// ContactTimeline lists a contact's events, orders and changes, newest
// first, with those of the contacts merged into it.
func (s *Service) ContactTimeline(ctx context.Context, contactID int64, p TimelineParams) (crm.Page[TimelineItem], error) {
	return s.timeline(ctx, "touchpoint.ContactTimeline", p, func() (TimelineQuery, error) {
		return TimelineQuery{ContactIDs: []int64{contactID}}, s.dir.ReadableContact(ctx, contactID)
	})
}

// CompanyTimeline lists what happened to a company's current people and
// the company's own changes, newest first.
func (s *Service) CompanyTimeline(ctx context.Context, companyID int64, p TimelineParams) (crm.Page[TimelineItem], error) {
	return s.timeline(ctx, "touchpoint.CompanyTimeline", p, func() (TimelineQuery, error) {
		people, err := s.dir.ReadableCompanyPeople(ctx, companyID)
		return TimelineQuery{ContactIDs: people, CompanyID: companyID}, err
	})
}

// timeline checks the caller and the parameters, then whom reads (and may
// refuse), and lists their timeline.
func (s *Service) timeline(ctx context.Context, op string, p TimelineParams, whom func() (TimelineQuery, error)) (crm.Page[TimelineItem], error) {
	if _, err := crm.Actor(ctx, op); err != nil {
		return crm.Page[TimelineItem]{}, err
	}
	if err := s.checkTimeline(op, p); err != nil {
		return crm.Page[TimelineItem]{}, err
	}
	q, err := whom()
	if err != nil {
		return crm.Page[TimelineItem]{}, err
	}
	q.Kinds, q.Types, q.Channels, q.Cursor, q.Limit = p.Kinds, p.Types, p.Channels, p.Cursor, crm.ClampLimit(p.Limit)
	page, err := s.store.Timeline(ctx, q)
	return page, crm.Wrap(op, err)
}
