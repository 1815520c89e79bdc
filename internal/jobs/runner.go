package jobs

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	mathrand "math/rand/v2"
	"os"
	"runtime/debug"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/guanxi-crm/guanxi/internal/crm"
)

// Handler runs one job. It runs as crm.System, whoever enqueued the job;
// Job.CreatedBy names that user, for a handler that must act as them (an
// import owned by its user) to build their principal itself.
//
// A nil return marks the job succeeded. An error is retried with backoff
// until MaxAttempts runs have failed, unless it is marked Permanent. A panic
// counts as a failed run. ctx is cancelled when the runner stops or the lease
// is lost; the handler must then return soon.
type Handler func(ctx context.Context, run *Run) error

// RunnerOptions configure a Runner; zero values take the defaults.
type RunnerOptions struct {
	// Owner names this runner in the leases it takes: unique per process
	// (default host name, process id and a random part).
	Owner string
	// Workers is how many handlers run at once (default 4).
	Workers int
	// PollInterval is how often the runner looks for due jobs and
	// schedule slots (default 1s). Notify wakes it earlier.
	PollInterval time.Duration
	// LeaseDuration is how long a claim lasts without renewal (default
	// 1 minute); a running handler's lease is renewed every third of it,
	// so a worker that dies leaves its jobs to others after at most this.
	LeaseDuration time.Duration
	// Backoff is the delay before the next try after a failed attempt
	// (1 for the first). Default: 10s doubled at every attempt, at most an
	// hour, plus up to a quarter more at random so that retries spread.
	Backoff func(attempt int) time.Duration
	Clock   crm.Clock
	Logger  *slog.Logger
}

// Runner claims jobs and runs their handlers; see Run.
type Runner struct {
	store     Store
	opts      RunnerOptions
	handlers  map[string]Handler
	schedules []*schedule
	wake      chan struct{}
	started   atomic.Bool

	mu     sync.Mutex
	active map[int64]bool // jobs running here
}

type schedule struct {
	kind     string
	interval time.Duration
	payload  json.RawMessage
	last     time.Time // slot last enqueued
}

// NewRunner returns a runner over a store. Register handlers and schedules,
// then call Run.
func NewRunner(store Store, opts RunnerOptions) *Runner {
	if opts.Owner == "" {
		host, _ := os.Hostname()
		b := make([]byte, 4)
		_, _ = rand.Read(b)
		opts.Owner = fmt.Sprintf("%s/%d/%s", host, os.Getpid(), hex.EncodeToString(b))
	}
	if opts.Workers <= 0 {
		opts.Workers = 4
	}
	if opts.PollInterval <= 0 {
		opts.PollInterval = time.Second
	}
	if opts.LeaseDuration <= 0 {
		opts.LeaseDuration = time.Minute
	}
	if opts.Backoff == nil {
		opts.Backoff = DefaultBackoff
	}
	if opts.Clock == nil {
		opts.Clock = crm.SystemClock{}
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	return &Runner{store: store, opts: opts, handlers: map[string]Handler{}, wake: make(chan struct{}, 1), active: map[int64]bool{}}
}

// DefaultBackoff is the default RunnerOptions.Backoff.
func DefaultBackoff(attempt int) time.Duration {
	d := time.Hour
	if attempt >= 1 && attempt <= 9 {
		d = min(d, 10*time.Second<<(attempt-1))
	}
	return d + time.Duration(mathrand.Int64N(int64(d/4)+1))
}

// Owner is the name this runner leases jobs under.
func (r *Runner) Owner() string { return r.opts.Owner }

// Handle registers the handler of a kind of job; the runner claims only the
// kinds it has handlers for. Call it before Run.
func (r *Runner) Handle(kind string, h Handler) {
	if r.started.Load() {
		panic("jobs: Handle after Run")
	}
	r.handlers[kind] = h
}

// Every enqueues a job of kind at the start of every interval (slots are
// aligned to multiples of interval since the zero time, in UTC: whole hours,
// days from midnight UTC), with the key kind@slot. Every server may declare
// the same schedule: the key makes each slot a single job. A slot that began
// while no runner ran is not made up, except the current one at start.
// Call it before Run; the kind's handler may live in another process.
func (r *Runner) Every(kind string, interval time.Duration, payload any) {
	if r.started.Load() {
		panic("jobs: Every after Run")
	}
	raw, err := json.Marshal(payload)
	if err != nil || interval <= 0 || kind == "" {
		panic(fmt.Sprintf("jobs: Every(%q, %v): invalid schedule (%v)", kind, interval, err))
	}
	r.schedules = append(r.schedules, &schedule{kind: kind, interval: interval, payload: raw})
}

// Notify wakes the runner to claim jobs now, after an enqueue in this process.
func (r *Runner) Notify() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// Run claims and runs jobs until ctx is cancelled. Then it stops claiming,
// cancels the handlers' contexts, waits for them to return, and puts the
// jobs they did not finish back in the queue without counting the attempt.
// A runner that stops without doing so (its process killed) leaves its jobs
// to be claimed again when their leases expire. Errors of the database are
// logged and retried at the next poll; Run returns nil once stopped.
func (r *Runner) Run(ctx context.Context) error {
	if !r.started.CompareAndSwap(false, true) {
		return errors.New("jobs: Runner.Run called twice")
	}
	kinds := make([]string, 0, len(r.handlers))
	for k := range r.handlers {
		kinds = append(kinds, k)
	}
	slices.Sort(kinds)
	var wg sync.WaitGroup
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		r.enqueueSlots(ctx)
		r.mu.Lock()
		free := r.opts.Workers - len(r.active)
		r.mu.Unlock()
		if free > 0 && len(kinds) > 0 {
			for _, j := range r.claim(ctx, kinds, free) {
				wg.Add(1)
				go func() {
					defer wg.Done()
					r.work(ctx, j)
				}()
			}
		}
		timer.Reset(r.opts.PollInterval)
		select {
		case <-ctx.Done():
			wg.Wait()
			return nil
		case <-r.wake:
		case <-timer.C:
		}
	}
}

// bookkeeping returns a context for the store writes that record a job's
// fate, which must happen even while the runner stops.
func bookkeeping(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
}

// claim leases up to n due jobs and marks them active.
func (r *Runner) claim(ctx context.Context, kinds []string, n int) []*Job {
	if ctx.Err() != nil {
		return nil
	}
	bctx, cancel := bookkeeping(ctx)
	defer cancel()
	now := r.opts.Clock.Now()
	claimed, err := r.store.ClaimJobs(bctx, r.opts.Owner, kinds, now, now.Add(r.opts.LeaseDuration), n)
	if err != nil {
		r.opts.Logger.Error("jobs: claim", "err", err)
		return nil
	}
	var out []*Job
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, j := range claimed {
		switch {
		case r.active[j.ID]:
			// Our own job, whose lease lapsed while it ran (a stalled
			// heartbeat): the claim renewed the lease; it keeps running.
		case ctx.Err() != nil:
			if err := r.store.ReleaseJob(bctx, j.ID, r.opts.Owner, now); err != nil {
				r.opts.Logger.Error("jobs: release", "id", j.ID, "err", err)
			}
		default:
			r.active[j.ID] = true
			out = append(out, j)
		}
	}
	return out
}

// enqueueSlots enqueues the current slot of every schedule whose slot has
// changed since it last did.
func (r *Runner) enqueueSlots(ctx context.Context) {
	now := r.opts.Clock.Now()
	for _, s := range r.schedules {
		slot := now.Truncate(s.interval)
		if slot.Equal(s.last) {
			continue
		}
		j := &Job{Kind: s.kind, Key: s.kind + "@" + slot.Format(time.RFC3339Nano), Payload: s.payload, Status: StatusQueued,
			MaxAttempts: DefaultMaxAttempts, RunAt: slot, CreatedAt: now, UpdatedAt: now}
		if err := r.store.EnqueueJobs(ctx, []*Job{j}); err != nil {
			if ctx.Err() == nil {
				r.opts.Logger.Error("jobs: enqueue schedule", "kind", s.kind, "err", err)
			}
			continue
		}
		s.last = slot
	}
}

// work runs one claimed job and records the outcome.
func (r *Runner) work(ctx context.Context, j *Job) {
	defer func() {
		r.mu.Lock()
		delete(r.active, j.ID)
		r.mu.Unlock()
		r.Notify() // a worker is free
	}()
	log := r.opts.Logger.With("job", j.ID, "kind", j.Kind, "attempt", j.Attempts)
	if j.Attempts > j.MaxAttempts {
		bctx, cancel := bookkeeping(ctx)
		defer cancel()
		// Its last allowed run died with its worker.
		msg := "attempts used up; the last run's lease expired"
		if j.LastError != "" {
			msg += "; previous error: " + j.LastError
		}
		r.record(log, r.store.FinishJob(bctx, j.ID, r.opts.Owner, StatusFailed, nil, msg, r.opts.Clock.Now()))
		return
	}

	hctx, cancel := context.WithCancelCause(crm.WithPrincipal(ctx, crm.System))
	defer cancel(nil)
	run := &Run{Job: j, runner: r, cancel: cancel}
	stop := r.heartbeat(ctx, run, log)
	err := r.call(hctx, run)
	stop()

	bctx, cancelBookkeeping := bookkeeping(ctx)
	defer cancelBookkeeping()
	now := r.opts.Clock.Now()
	switch {
	case run.lost.Load():
		log.Info("jobs: lease lost (cancelled or taken over); outcome not recorded", "err", err)
		return
	case err == nil:
		r.record(log, r.store.FinishJob(bctx, j.ID, r.opts.Owner, StatusSucceeded, run.result, "", now))
	case IsPermanent(err):
		log.Warn("jobs: failed permanently", "err", err)
		r.record(log, r.store.FinishJob(bctx, j.ID, r.opts.Owner, StatusFailed, run.result, err.Error(), now))
	case ctx.Err() != nil:
		log.Info("jobs: interrupted by shutdown; back in the queue", "err", err)
		r.record(log, r.store.ReleaseJob(bctx, j.ID, r.opts.Owner, now))
	case j.Attempts >= j.MaxAttempts:
		log.Warn("jobs: failed; attempts used up", "err", err)
		r.record(log, r.store.FinishJob(bctx, j.ID, r.opts.Owner, StatusFailed, run.result, err.Error(), now))
	default:
		next := now.Add(r.opts.Backoff(j.Attempts))
		log.Warn("jobs: failed; will retry", "err", err, "run_at", next)
		r.record(log, r.store.RetryJob(bctx, j.ID, r.opts.Owner, next, err.Error(), now))
	}
}

func (r *Runner) record(log *slog.Logger, err error) {
	if err != nil {
		// A Conflict: the lease was lost meanwhile. Else the database
		// failed; the job is claimed again when its lease expires.
		log.Error("jobs: recording the outcome", "err", err)
	}
}

// call runs the handler, turning a panic into an error.
func (r *Runner) call(ctx context.Context, run *Run) (err error) {
	defer func() {
		if p := recover(); p != nil {
			r.opts.Logger.Error("jobs: handler panicked", "job", run.Job.ID, "panic", p, "stack", string(debug.Stack()))
			err = fmt.Errorf("panic: %v", p)
		}
	}()
	return r.handlers[run.Job.Kind](ctx, run)
}

// heartbeat renews the lease of a running job every third of the lease
// until stop is called; losing it cancels the handler.
func (r *Runner) heartbeat(ctx context.Context, run *Run, log *slog.Logger) (stop func()) {
	done, exited := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(exited)
		t := time.NewTicker(max(r.opts.LeaseDuration/3, time.Millisecond))
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
			}
			bctx, cancel := bookkeeping(ctx)
			err := r.store.ExtendLease(bctx, run.Job.ID, r.opts.Owner, r.opts.Clock.Now().Add(r.opts.LeaseDuration))
			cancel()
			if crm.IsKind(err, crm.KindConflict) {
				run.loseLease()
				return
			}
			if err != nil {
				log.Error("jobs: renewing the lease", "err", err)
			}
		}
	}()
	return func() { close(done); <-exited }
}

// Run is a handler's view of its job.
type Run struct {
	// Job is the job as claimed: Attempts counts this run, Progress holds
	// the last checkpoint of an earlier one.
	Job    *Job
	runner *Runner
	cancel context.CancelCauseFunc
	lost   atomic.Bool
	result json.RawMessage
}

func (r *Run) loseLease() {
	r.lost.Store(true)
	r.cancel(ErrLeaseLost)
}

// Decode decodes the payload into v. An error is Permanent: the payload will
// not decode any better on the next attempt.
func (r *Run) Decode(v any) error {
	if err := json.Unmarshal(r.Job.Payload, v); err != nil {
		return Permanent(fmt.Errorf("jobs: payload of job %d: %w", r.Job.ID, err))
	}
	return nil
}

// Progress decodes the last checkpoint into v and reports whether there was
// one.
func (r *Run) Progress(v any) (bool, error) {
	if len(r.Job.Progress) == 0 {
		return false, nil
	}
	return true, json.Unmarshal(r.Job.Progress, v)
}

// Checkpoint saves v as the job's progress, which a later run of the job
// (after a restart) reads with Progress, and renews the lease. Called with
// the context of a transaction (InTx), it commits with the work it records.
// Once the runner stops ctx is cancelled; a handler that saves a last
// checkpoint then passes context.WithoutCancel(ctx). An error wrapping
// ErrLeaseLost means another worker has the job (or it was cancelled): the
// handler must stop.
func (r *Run) Checkpoint(ctx context.Context, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("jobs: checkpoint: %w", err)
	}
	rn := r.runner
	now := rn.opts.Clock.Now()
	err = rn.store.SaveProgress(ctx, r.Job.ID, rn.opts.Owner, raw, now, now.Add(rn.opts.LeaseDuration))
	if crm.IsKind(err, crm.KindConflict) {
		r.loseLease()
		return fmt.Errorf("jobs: checkpoint of job %d: %w", r.Job.ID, ErrLeaseLost)
	}
	if err != nil {
		return fmt.Errorf("jobs: checkpoint of job %d: %w", r.Job.ID, err)
	}
	r.Job.Progress = raw
	return nil
}

// SetResult sets what the job reports when it finishes (kept for a failure
// too, such as the rejected rows of an import).
func (r *Run) SetResult(v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("jobs: result: %w", err)
	}
	r.result = raw
	return nil
}
