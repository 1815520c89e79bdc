package jobs

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/guanxi-crm/guanxi/internal/crm"
)

// Spec describes a job to enqueue.
type Spec struct {
	Kind string
	// Key is the idempotency key (optional): see Job.Key.
	Key string
	// Payload is encoded as JSON (nil for none).
	Payload any
	// RunAt is when the job is due; zero for now.
	RunAt       time.Time
	MaxAttempts int // 0 for DefaultMaxAttempts
}

// Service enqueues, shows and cancels jobs for users. A job is visible to
// the user who caused it and to admins; the system sees every job.
type Service struct {
	store Store
	clock crm.Clock
	// enqueued is called after a job is enqueued outside a transaction, or
	// by the caller once it commits (see OnEnqueue).
	enqueued func()
}

// NewService returns a Service over a store.
func NewService(store Store, clock crm.Clock) *Service {
	if clock == nil {
		clock = crm.SystemClock{}
	}
	return &Service{store: store, clock: clock, enqueued: func() {}}
}

// OnEnqueue sets a function called after every Enqueue, such as a Runner's
// Notify, so that a job due now starts without waiting for the next poll.
// When Enqueue joins a transaction the runner may poll before it commits;
// the job then starts at the following poll.
func (s *Service) OnEnqueue(fn func()) { s.enqueued = fn }

// maxKindLen and maxKeyLen bound what Enqueue accepts.
const (
	maxKindLen = 100
	maxKeyLen  = 255
)

// Enqueue adds a job, caused by the acting user, in the transaction of ctx
// if there is one. It checks no role: the service that causes the job has
// authorised the change. With a key that its kind has used before, it
// returns the job already enqueued, in whatever status it is.
func (s *Service) Enqueue(ctx context.Context, spec Spec) (*Job, error) {
	const op = "jobs.Enqueue"
	p, err := crm.Actor(ctx, op)
	if err != nil {
		return nil, err
	}
	j, err := s.newJob(spec, p.ActorID())
	if err != nil {
		return nil, err
	}
	if err := s.store.EnqueueJobs(ctx, []*Job{j}); err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	s.enqueued()
	return j, nil
}

func (s *Service) newJob(spec Spec, createdBy *int64) (*Job, error) {
	var v crm.Violations
	if spec.Kind == "" || len(spec.Kind) > maxKindLen {
		v.Add("kind", "invalid")
	}
	if len(spec.Key) > maxKeyLen {
		v.Add("key", "too_long", "max", maxKeyLen)
	}
	if spec.MaxAttempts < 0 {
		v.Add("max_attempts", "invalid")
	}
	payload, err := json.Marshal(spec.Payload)
	if err != nil {
		v.Add("payload", "invalid")
	}
	if err := v.Err("jobs.Enqueue"); err != nil { // the only caller
		return nil, err
	}
	now := s.clock.Now()
	j := &Job{Kind: spec.Kind, Key: spec.Key, Payload: payload, Status: StatusQueued,
		MaxAttempts: spec.MaxAttempts, RunAt: crm.Truncate(spec.RunAt), CreatedBy: createdBy, CreatedAt: now, UpdatedAt: now}
	if j.MaxAttempts == 0 {
		j.MaxAttempts = DefaultMaxAttempts
	}
	if spec.RunAt.IsZero() {
		j.RunAt = now
	}
	return j, nil
}

// Get reads a job the acting user may see.
func (s *Service) Get(ctx context.Context, id int64) (*Job, error) {
	const op = "jobs.Get"
	p, err := crm.Actor(ctx, op)
	if err != nil {
		return nil, err
	}
	j, err := s.store.Job(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	if !canSee(p, j) {
		return nil, crm.NotFound(op, "job", id) // not even its existence
	}
	return j, nil
}

// List lists jobs newest first: every job for admins and the system, the
// user's own for anyone else (whatever f.CreatedBy says).
func (s *Service) List(ctx context.Context, f Filter) (crm.Page[*Job], error) {
	const op = "jobs.List"
	p, err := crm.Actor(ctx, op)
	if err != nil {
		return crm.Page[*Job]{}, err
	}
	if f.Status != "" && !f.Status.Valid() {
		var v crm.Violations
		v.Add("status", "invalid")
		return crm.Page[*Job]{}, v.Err(op)
	}
	if !p.IsAdmin() && !p.System {
		f.CreatedBy = &p.UserID
	}
	f.Limit = crm.ClampLimit(f.Limit)
	page, err := s.store.ListJobs(ctx, f)
	if err != nil {
		return page, fmt.Errorf("%s: %w", op, err)
	}
	return page, nil
}

// Cancel cancels a job that has not finished, and returns it. A running
// job's handler is stopped when its worker next renews the lease.
// Cancelling a cancelled job does nothing; a finished one is a Conflict.
func (s *Service) Cancel(ctx context.Context, id int64) (*Job, error) {
	const op = "jobs.Cancel"
	j, err := s.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if j.Status == StatusCancelled {
		return j, nil
	}
	if err := s.store.CancelJob(ctx, id, s.clock.Now()); err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	return s.store.Job(ctx, id)
}

// Purge deletes the jobs that finished before t, and so frees their keys.
// Only the system and admins may.
func (s *Service) Purge(ctx context.Context, finishedBefore time.Time) (int64, error) {
	const op = "jobs.Purge"
	p, err := crm.Actor(ctx, op)
	if err != nil {
		return 0, err
	}
	if !p.IsAdmin() {
		return 0, crm.Forbidden(op)
	}
	return s.store.PurgeJobs(ctx, finishedBefore)
}

// canSee reports whether p may see job j: its creator, admins and the system.
func canSee(p *crm.Principal, j *Job) bool {
	return p.System || p.IsAdmin() || (j.CreatedBy != nil && *j.CreatedBy == p.UserID)
}
