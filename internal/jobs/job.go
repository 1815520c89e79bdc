// Package jobs is Guanxi's durable job system. Side effects (email, webhooks,
// workflow steps, imports, segment recomputation) are written as job rows,
// in the same transaction as the change that causes them; a Runner claims
// due jobs with a lease, runs their handlers, renews the lease while they
// run, retries failures with backoff and records the outcome, so that a
// restart loses no job. Jobs carry an idempotency key, so a retried request
// enqueues its side effect once; handlers checkpoint their progress, so a job
// interrupted half-way resumes rather than restarts.
//
// Delivery is at least once: a worker that dies after its side effect but
// before recording the outcome leaves the job to be run again once its lease
// expires. Handlers whose effect must not repeat (an email) record it in the
// same transaction as a checkpoint, or make the effect itself idempotent.
package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/guanxi-crm/guanxi/internal/crm"
)

// Status is where a job is in its life.
type Status string

const (
	StatusQueued    Status = "queued"    // waiting for RunAt, or for a worker
	StatusRunning   Status = "running"   // leased to a worker until LeaseUntil
	StatusSucceeded Status = "succeeded" // done
	StatusFailed    Status = "failed"    // gave up: a permanent error, or MaxAttempts used
	StatusCancelled Status = "cancelled" // cancelled by a user before it finished
)

// Valid reports whether s is a known status.
func (s Status) Valid() bool {
	switch s {
	case StatusQueued, StatusRunning, StatusSucceeded, StatusFailed, StatusCancelled:
		return true
	}
	return false
}

// Finished reports whether the job will run no more.
func (s Status) Finished() bool {
	return s == StatusSucceeded || s == StatusFailed || s == StatusCancelled
}

// DefaultMaxAttempts is how many times a job runs before it fails for good.
const DefaultMaxAttempts = 5

// Job is one durable unit of work.
type Job struct {
	ID   int64  `json:"id"`
	Kind string `json:"kind"`
	// Key is the idempotency key ("" for none). Enqueueing a job whose kind
	// and key are those of an existing job, in any status (finished ones
	// too), returns that job instead of adding one: a retried request never
	// repeats a side effect. Keys are shared by all users of a kind: a key
	// that comes from a client must be scoped by the caller ("user:7:…").
	Key         string          `json:"key,omitempty"`
	Payload     json.RawMessage `json:"payload"`
	Status      Status          `json:"status"`
	Attempts    int             `json:"attempts" doc:"Runs started so far, this one included"`
	MaxAttempts int             `json:"max_attempts"`
	RunAt       time.Time       `json:"run_at" doc:"When the job is due (next try, after a failure)"`
	LeaseOwner  string          `json:"lease_owner,omitempty"`
	LeaseUntil  *time.Time      `json:"lease_until,omitempty"`
	// Progress is the last checkpoint a handler saved (nil before the first).
	Progress json.RawMessage `json:"progress,omitempty"`
	// Result is what the handler reported when it finished.
	Result     json.RawMessage `json:"result,omitempty"`
	LastError  string          `json:"last_error,omitempty"`
	CreatedBy  *int64          `json:"created_by" doc:"User who caused the job; null for the system"`
	CreatedAt  time.Time       `json:"created_at"`
	UpdatedAt  time.Time       `json:"updated_at"`
	FinishedAt *time.Time      `json:"finished_at,omitempty"`
}

// Filter selects jobs to list, newest first.
type Filter struct {
	Kind      string
	Status    Status
	CreatedBy *int64
	Cursor    string
	Limit     int
}

// Store keeps the jobs. Every method joins the transaction of its context,
// so a job is enqueued (or a checkpoint saved) atomically with the change
// that causes it. The lease methods fail with a Conflict when the job is no
// longer running under owner's lease (it expired and another worker took
// it, or the job was cancelled).
type Store interface {
	// EnqueueJobs inserts jobs, setting their IDs and times. A job whose
	// non-empty (Kind, Key) exists already is replaced by the existing one.
	EnqueueJobs(ctx context.Context, jobs []*Job) error
	Job(ctx context.Context, id int64) (*Job, error)
	ListJobs(ctx context.Context, f Filter) (crm.Page[*Job], error)
	// ClaimJobs leases up to limit jobs of the kinds to owner until
	// leaseUntil: queued jobs due at now, and running jobs whose lease has
	// expired (their worker died), oldest RunAt first. Each claim counts an
	// attempt.
	ClaimJobs(ctx context.Context, owner string, kinds []string, now, leaseUntil time.Time, limit int) ([]*Job, error)
	ExtendLease(ctx context.Context, id int64, owner string, leaseUntil time.Time) error
	// SaveProgress stores a checkpoint and extends the lease.
	SaveProgress(ctx context.Context, id int64, owner string, progress json.RawMessage, now, leaseUntil time.Time) error
	// FinishJob records the outcome (succeeded or failed) and ends the lease.
	FinishJob(ctx context.Context, id int64, owner string, status Status, result json.RawMessage, lastError string, at time.Time) error
	// RetryJob puts a job back in the queue, due at runAt.
	RetryJob(ctx context.Context, id int64, owner string, runAt time.Time, lastError string, now time.Time) error
	// ReleaseJob puts a job back in the queue, due now, and takes back the
	// attempt its claim counted: its worker stopped before it was done.
	ReleaseJob(ctx context.Context, id int64, owner string, now time.Time) error
	// CancelJob cancels a queued or running job; Conflict when it has
	// finished. A running job's worker loses its lease.
	CancelJob(ctx context.Context, id int64, at time.Time) error
	// PurgeJobs deletes jobs finished before t, and with them their keys.
	PurgeJobs(ctx context.Context, finishedBefore time.Time) (int64, error)
}

// ErrLeaseLost is the cause of a handler's context when its job's lease was
// lost, and is wrapped by Checkpoint's error then.
var ErrLeaseLost = crm.E("jobs", crm.KindConflict, "job_lease_lost")

// Permanent marks a handler's error as one that retrying cannot fix: the job
// fails at once.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &permanentError{err}
}

type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

// IsPermanent reports whether err was marked by Permanent.
func IsPermanent(err error) bool {
	var p *permanentError
	return errors.As(err, &p)
}
