package activity

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/guanxi-crm/guanxi/internal/crm"
)

// Query selects the activities of records, newest first (by creation).
type Query struct {
	RecordType string
	RecordIDs  []int64
	// Type keeps one type ("" for all).
	Type   string
	Cursor string
	Limit  int
}

// ListFor lists the activities of a record the caller may read, newest
// first: its timeline of work. A contact's list holds the activities of the
// contacts merged into it.
func (s *Service) ListFor(ctx context.Context, recordType string, recordID int64, typ, cursor string, limit int) (crm.Page[*Activity], error) {
	const op = "activity.ListFor"
	p, err := crm.Actor(ctx, op)
	if err != nil {
		return crm.Page[*Activity]{}, err
	}
	var v crm.Violations
	if _, ok := s.records[recordType]; !ok {
		v.Add("record_type", "not_one_of", "allowed", strings.Join(s.records.types(), ", "))
	}
	if typ != "" && !slices.Contains(Types, typ) {
		v.Add("type", "not_one_of", "allowed", strings.Join(Types, ", "))
	}
	if err := v.Err(op); err != nil {
		return crm.Page[*Activity]{}, err
	}
	rec, err := s.record(ctx, recordType, recordID)
	if err != nil {
		return crm.Page[*Activity]{}, crm.Wrap(op, err)
	}
	if !p.ReadsRecord(rec.OwnerID, rec.TeamID) {
		return crm.Page[*Activity]{}, crm.Forbidden(op).With("record_type", rec.Type).With("record_id", rec.ID)
	}
	page, err := s.store.ListActivities(ctx, Query{RecordType: rec.Type, RecordIDs: append([]int64{rec.ID}, rec.Also...),
		Type: typ, Cursor: cursor, Limit: crm.ClampLimit(limit)})
	return page, crm.Wrap(op, err)
}

// Which open activities a task list holds.
const (
	DueOpen    = "open"    // every open one
	DueToday   = "today"   // due today (in the list's time zone), overdue or not
	DueOverdue = "overdue" // due before now
)

// DueFilters lists the task lists.
var DueFilters = []string{DueOpen, DueToday, DueOverdue}

// TaskFilter selects a user's open activities.
type TaskFilter struct {
	// AssigneeID is the user whose tasks are listed (0: the caller).
	AssigneeID int64
	// Due is DueOpen (the default), DueToday or DueOverdue.
	Due string
	// Location is the time zone of "today" (nil: UTC).
	Location *time.Location
	// Type keeps one type of activity ("" for all but notes).
	Type   string
	Cursor string
	Limit  int
}

// TaskQuery is what the store lists of a user's open activities.
type TaskQuery struct {
	AssigneeID int64
	// DueFrom and DueBefore bound the due time (DueFrom included); when
	// either is set, activities without one are left out.
	DueFrom, DueBefore *time.Time
	Type               string
	Cursor             string
	Limit              int
}

// Tasks lists the open tasks, calls and meetings assigned to a user,
// soonest due first and those without a due time last: "my tasks" for the
// caller, or a rep's for whoever may see that rep's records (the rep, their
// managers, admins and viewers: crm.Principal.ReadsRecord of a record the
// rep owns).
func (s *Service) Tasks(ctx context.Context, f TaskFilter) (crm.Page[*Activity], error) {
	const op = "activity.Tasks"
	p, err := crm.Actor(ctx, op)
	if err != nil {
		return crm.Page[*Activity]{}, err
	}
	user, err := repOf(op, p, f.AssigneeID)
	if err != nil {
		return crm.Page[*Activity]{}, err
	}
	var v crm.Violations
	if f.Due == "" {
		f.Due = DueOpen
	}
	if !slices.Contains(DueFilters, f.Due) {
		v.Add("due", "not_one_of", "allowed", strings.Join(DueFilters, ", "))
	}
	if f.Type != "" && (f.Type == TypeNote || !slices.Contains(Types, f.Type)) {
		v.Add("type", "not_one_of", "allowed", "task, call, meeting")
	}
	if err := v.Err(op); err != nil {
		return crm.Page[*Activity]{}, err
	}
	q := TaskQuery{AssigneeID: user, Type: f.Type, Cursor: f.Cursor, Limit: crm.ClampLimit(f.Limit)}
	now := s.clock.Now()
	switch f.Due {
	case DueOverdue:
		q.DueBefore = &now
	case DueToday:
		loc := f.Location
		if loc == nil {
			loc = time.UTC
		}
		local := now.In(loc)
		from := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, loc)
		q.DueFrom, q.DueBefore = ptr(from.UTC()), ptr(from.AddDate(0, 0, 1).UTC())
	}
	page, err := s.store.Tasks(ctx, q)
	return page, crm.Wrap(op, err)
}

// repOf is the rep whose lists p asks for (0: p), if p may see them.
func repOf(op string, p *crm.Principal, id int64) (int64, error) {
	if id == 0 {
		if p.System || p.UserID == 0 {
			var v crm.Violations
			v.Add("user_id", "required")
			return 0, v.Err(op)
		}
		return p.UserID, nil
	}
	if !p.ReadsRecord(&id, nil) {
		return 0, crm.Forbidden(op).With("user_id", id)
	}
	return id, nil
}

// DealRef is an open deal, as the "no next step" list shows it.
type DealRef struct {
	ID              int64      `json:"id"`
	Name            string     `json:"name"`
	PipelineID      int64      `json:"pipeline_id"`
	StageID         int64      `json:"stage_id"`
	Amount          int64      `json:"amount" doc:"Minor units"`
	Currency        string     `json:"currency"`
	ExpectedCloseOn string     `json:"expected_close_on,omitempty"`
	OwnerID         *int64     `json:"owner_id"`
	TeamID          *int64     `json:"team_id,omitempty"`
	LastActivityAt  *time.Time `json:"last_activity_at,omitempty" doc:"When an activity on it was last logged or completed"`
}

// NextStepQuery selects an owner's open deals without a next step.
type NextStepQuery struct {
	OwnerID int64
	// Now is the time after which an open activity counts as a next step.
	Now    time.Time
	Cursor string
	Limit  int
}

// WithoutNextStep lists a rep's open deals that have no next step: no open
// task, call or meeting due in the future (a deal's own next_step text does
// not count). Oldest deals first. Who may ask is as for Tasks.
func (s *Service) WithoutNextStep(ctx context.Context, ownerID int64, cursor string, limit int) (crm.Page[*DealRef], error) {
	const op = "activity.WithoutNextStep"
	p, err := crm.Actor(ctx, op)
	if err != nil {
		return crm.Page[*DealRef]{}, err
	}
	owner, err := repOf(op, p, ownerID)
	if err != nil {
		return crm.Page[*DealRef]{}, err
	}
	page, err := s.store.DealsWithoutNextStep(ctx, NextStepQuery{OwnerID: owner, Now: s.clock.Now(), Cursor: cursor, Limit: crm.ClampLimit(limit)})
	return page, crm.Wrap(op, err)
}
