package jobs_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/jobs"
	"github.com/guanxi-crm/guanxi/internal/store"
	"github.com/guanxi-crm/guanxi/internal/testenv"
)

// clock is a crm.Clock that tests move while runners read it.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return crm.Truncate(c.t)
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

const (
	lease   = time.Minute      // leases, in the clock's time
	backoff = 10 * time.Second // the delay before every retry, in the clock's time
)

// world is one test's store, clock and services.
type world struct {
	t     *testing.T
	st    *store.Store
	clock *clock
	svc   *jobs.Service
	sys   context.Context
}

// forEachStore runs f on both engines, each with a fresh store.
func forEachStore(t *testing.T, f func(t *testing.T, w *world)) {
	testenv.ForEachStore(t, func(t *testing.T, st *store.Store) {
		clk := &clock{t: time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)}
		f(t, &world{t: t, st: st, clock: clk, svc: jobs.NewService(st, clk), sys: crm.WithPrincipal(context.Background(), crm.System)})
	})
}

// runner returns a runner over the world's store that polls often, with
// the options changed by opts.
func (w *world) runner(owner string, opts ...func(*jobs.RunnerOptions)) *jobs.Runner {
	o := jobs.RunnerOptions{Owner: owner, Workers: 2, PollInterval: 5 * time.Millisecond, LeaseDuration: lease,
		Backoff: func(int) time.Duration { return backoff }, Clock: w.clock, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	for _, f := range opts {
		f(&o)
	}
	return jobs.NewRunner(w.st, o)
}

// start runs r until the returned stop is called (or the test ends).
func (w *world) start(r *jobs.Runner) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				w.t.Errorf("Run: %v", err)
			}
		})
	}
	w.t.Cleanup(stop)
	return stop
}

func (w *world) enqueue(spec jobs.Spec) *jobs.Job {
	w.t.Helper()
	j, err := w.svc.Enqueue(w.sys, spec)
	if err != nil {
		w.t.Fatal(err)
	}
	return j
}

func (w *world) job(id int64) *jobs.Job {
	w.t.Helper()
	j, err := w.st.Job(w.sys, id)
	if err != nil {
		w.t.Fatal(err)
	}
	return j
}

// waitJob waits until job id satisfies ok, and returns it.
func (w *world) waitJob(id int64, what string, ok func(j *jobs.Job) bool) *jobs.Job {
	w.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		j := w.job(id)
		if ok(j) {
			return j
		}
		if time.Now().After(deadline) {
			w.t.Fatalf("job %d never became %s: %+v", id, what, j)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func (w *world) waitStatus(id int64, s jobs.Status) *jobs.Job {
	w.t.Helper()
	return w.waitJob(id, string(s), func(j *jobs.Job) bool { return j.Status == s })
}

// waitSucceeded waits until every job that f lists has succeeded, and
// returns them.
func (w *world) waitSucceeded(f jobs.Filter) []*jobs.Job {
	w.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		page, err := w.svc.List(w.sys, f)
		if err != nil {
			w.t.Fatal(err)
		}
		if !slices.ContainsFunc(page.Items, func(j *jobs.Job) bool { return j.Status != jobs.StatusSucceeded }) {
			return page.Items
		}
		if time.Now().After(deadline) {
			w.t.Fatalf("jobs %+v never all succeeded", page.Items)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// wait waits for a signal from a handler.
func wait(t *testing.T, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(5 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
	}
}

type importPayload struct {
	Rows int `json:"rows"`
}

type importProgress struct {
	Next int `json:"next"`
}

// TestResumeFromCheckpoint stops a runner in the middle of an import that
// checkpoints every row; another runner resumes where it stopped, and every
// row is imported once.
func TestResumeFromCheckpoint(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, w *world) {
		var mu sync.Mutex
		var imported []int
		reached := make(chan struct{})
		handler := func(stopAt int) jobs.Handler {
			return func(ctx context.Context, run *jobs.Run) error {
				var p importPayload
				if err := run.Decode(&p); err != nil {
					return err
				}
				var prog importProgress
				if _, err := run.Progress(&prog); err != nil {
					return err
				}
				for i := prog.Next; i < p.Rows; i++ {
					if i == stopAt {
						close(reached)
						<-ctx.Done() // the runner stops
						return ctx.Err()
					}
					mu.Lock()
					imported = append(imported, i)
					mu.Unlock()
					if err := run.Checkpoint(ctx, importProgress{Next: i + 1}); err != nil {
						return err
					}
				}
				return run.SetResult(map[string]int{"imported": p.Rows})
			}
		}
		id := w.enqueue(jobs.Spec{Kind: "import", Payload: importPayload{Rows: 10}}).ID

		first := w.runner("first")
		first.Handle("import", handler(6))
		stop := w.start(first)
		wait(t, reached, "the import to reach row 6")
		stop()
		j := w.job(id)
		if j.Status != jobs.StatusQueued || j.Attempts != 0 || j.LeaseUntil != nil {
			t.Errorf("after the runner stopped: %+v; want queued, the attempt not counted", j)
		}
		var prog importProgress
		if err := json.Unmarshal(j.Progress, &prog); err != nil || prog.Next != 6 {
			t.Errorf("checkpoint %s (%v); want next 6", j.Progress, err)
		}

		second := w.runner("second")
		second.Handle("import", handler(-1))
		w.start(second)
		j = w.waitStatus(id, jobs.StatusSucceeded)
		if j.Attempts != 1 || j.LeaseOwner != "second" || j.FinishedAt == nil {
			t.Errorf("finished job %+v", j)
		}
		var res map[string]int
		if err := json.Unmarshal(j.Result, &res); err != nil || res["imported"] != 10 {
			t.Errorf("result %s", j.Result)
		}
		mu.Lock()
		defer mu.Unlock()
		if want := []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}; !slices.Equal(imported, want) {
			t.Errorf("imported rows %v; want each once: %v", imported, want)
		}
	})
}

// TestRetries fails a job twice, then lets it succeed: each retry waits for
// the backoff.
func TestRetries(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, w *world) {
		var calls atomic.Int32
		r := w.runner("w")
		r.Handle("flaky", func(ctx context.Context, run *jobs.Run) error {
			if p, ok := crm.PrincipalFrom(ctx); !ok || !p.System {
				return jobs.Permanent(errors.New("handler does not run as the system"))
			}
			if n := calls.Add(1); n < 3 {
				return fmt.Errorf("boom %d", n)
			}
			return nil
		})
		w.start(r)
		id := w.enqueue(jobs.Spec{Kind: "flaky"}).ID
		for attempt := 1; attempt <= 2; attempt++ {
			j := w.waitJob(id, "retried", func(j *jobs.Job) bool { return j.Attempts == attempt && j.Status == jobs.StatusQueued })
			if want := fmt.Sprintf("boom %d", attempt); j.LastError != want || !j.RunAt.Equal(w.clock.Now().Add(backoff)) {
				t.Errorf("after attempt %d: error %q, run at %v; want %q at %v", attempt, j.LastError, j.RunAt, want, w.clock.Now().Add(backoff))
			}
			w.clock.advance(backoff)
			r.Notify()
		}
		j := w.waitStatus(id, jobs.StatusSucceeded)
		if j.Attempts != 3 || calls.Load() != 3 || j.LastError != "" {
			t.Errorf("succeeded after %d attempts, %d calls, error %q; want 3", j.Attempts, calls.Load(), j.LastError)
		}
	})
}

// TestGivesUp fails a job until its attempts are used up.
func TestGivesUp(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, w *world) {
		r := w.runner("w", func(o *jobs.RunnerOptions) { o.Backoff = func(int) time.Duration { return 0 } })
		r.Handle("doomed", func(ctx context.Context, run *jobs.Run) error {
			return fmt.Errorf("attempt %d failed", run.Job.Attempts)
		})
		w.start(r)
		id := w.enqueue(jobs.Spec{Kind: "doomed", MaxAttempts: 2}).ID
		j := w.waitStatus(id, jobs.StatusFailed)
		if j.Attempts != 2 || j.LastError != "attempt 2 failed" || j.FinishedAt == nil {
			t.Errorf("failed job %+v", j)
		}
	})
}

// TestPermanentAndPanic checks that a permanent error fails a job at once,
// keeping its result, that a payload that does not decode is permanent, and
// that a panic is a failed attempt that the runner survives.
func TestPermanentAndPanic(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, w *world) {
		r := w.runner("w")
		r.Handle("permanent", func(ctx context.Context, run *jobs.Run) error {
			if err := run.SetResult(map[string]int{"rejected": 3}); err != nil {
				return err
			}
			return jobs.Permanent(errors.New("3 rows rejected"))
		})
		r.Handle("decode", func(ctx context.Context, run *jobs.Run) error {
			var p importPayload
			return run.Decode(&p)
		})
		r.Handle("panic", func(ctx context.Context, run *jobs.Run) error {
			if run.Job.Attempts == 1 {
				panic("kaboom")
			}
			return nil
		})
		r.Handle("ok", func(ctx context.Context, run *jobs.Run) error { return nil })
		w.start(r)

		perm := w.enqueue(jobs.Spec{Kind: "permanent"}).ID
		dec := w.enqueue(jobs.Spec{Kind: "decode", Payload: "not an object"}).ID
		pan := w.enqueue(jobs.Spec{Kind: "panic"}).ID

		j := w.waitStatus(perm, jobs.StatusFailed)
		if j.Attempts != 1 || j.LastError != "3 rows rejected" || !strings.Contains(string(j.Result), `"rejected"`) {
			t.Errorf("permanent failure %+v (result %s)", j, j.Result)
		}
		j = w.waitStatus(dec, jobs.StatusFailed)
		if j.Attempts != 1 || !strings.Contains(j.LastError, "payload") {
			t.Errorf("undecodable payload %+v", j)
		}
		j = w.waitJob(pan, "retried after its panic", func(j *jobs.Job) bool { return j.Attempts == 1 && j.Status == jobs.StatusQueued })
		if !strings.Contains(j.LastError, "panic: kaboom") {
			t.Errorf("panicked job's error %q", j.LastError)
		}
		w.clock.advance(backoff)
		w.waitStatus(pan, jobs.StatusSucceeded)
		w.waitStatus(w.enqueue(jobs.Spec{Kind: "ok"}).ID, jobs.StatusSucceeded)
	})
}

// TestSchedule runs one schedule on two runners sharing a store: each slot
// is enqueued, and run, once.
func TestSchedule(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, w *world) {
		var mu sync.Mutex
		var runs []string
		ran := make(chan struct{}, 10)
		var runners []*jobs.Runner
		for _, owner := range []string{"a", "b"} {
			r := w.runner(owner)
			r.Handle("segments.refresh", func(ctx context.Context, run *jobs.Run) error {
				var p map[string]string
				if err := run.Decode(&p); err != nil {
					return err
				}
				mu.Lock()
				runs = append(runs, run.Job.Key+" "+p["segment"])
				mu.Unlock()
				ran <- struct{}{}
				return nil
			})
			r.Every("segments.refresh", time.Hour, map[string]string{"segment": "all"})
			runners = append(runners, r)
		}
		for _, r := range runners {
			w.start(r)
		}
		wait(t, ran, "the first slot")
		// Moving the clock past the lease of a job still running would let
		// the other runner take it over: let it finish first.
		w.waitSucceeded(jobs.Filter{Kind: "segments.refresh"})
		w.clock.advance(20 * time.Minute) // 09:50, the same slot
		time.Sleep(20 * time.Millisecond) // a few polls
		w.clock.advance(20 * time.Minute) // 10:10, the next one
		for _, r := range runners {
			r.Notify()
		}
		wait(t, ran, "the second slot")
		w.waitSucceeded(jobs.Filter{Kind: "segments.refresh"})
		// Both runners poll a few more times: nothing else is enqueued.
		time.Sleep(50 * time.Millisecond)
		var keys []string
		for _, j := range w.waitSucceeded(jobs.Filter{Kind: "segments.refresh"}) {
			keys = append(keys, j.Key)
		}
		want := []string{"segments.refresh@2026-03-02T10:00:00Z", "segments.refresh@2026-03-02T09:00:00Z"}
		if !slices.Equal(keys, want) {
			t.Errorf("scheduled jobs %v; want %v", keys, want)
		}
		mu.Lock()
		defer mu.Unlock()
		if want := []string{want[1] + " all", want[0] + " all"}; !slices.Equal(runs, want) {
			t.Errorf("runs %v; want %v", runs, want)
		}
	})
}

// TestDeadWorker leaves a job claimed by a worker that never comes back:
// once its lease expires, a runner takes it over and completes it.
func TestDeadWorker(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, w *world) {
		id := w.enqueue(jobs.Spec{Kind: "mail"}).ID
		now := w.clock.Now()
		if got, err := w.st.ClaimJobs(w.sys, "dead", []string{"mail"}, now, now.Add(lease), 1); err != nil || len(got) != 1 {
			t.Fatalf("claim by the doomed worker: %v %v", got, err)
		}
		saved := make(chan struct{})
		r := w.runner("live")
		r.Handle("mail", func(ctx context.Context, run *jobs.Run) error {
			if run.Job.Attempts != 2 || run.Job.LeaseOwner != "live" {
				return jobs.Permanent(fmt.Errorf("ran %+v", run.Job))
			}
			close(saved)
			return nil
		})
		w.start(r)
		time.Sleep(20 * time.Millisecond) // a few polls, while the lease holds
		if j := w.job(id); j.LeaseOwner != "dead" {
			t.Fatalf("job taken while its lease held: %+v", j)
		}
		w.clock.advance(lease + time.Second)
		r.Notify()
		wait(t, saved, "the live runner to run the job")
		w.waitStatus(id, jobs.StatusSucceeded)
		err := w.st.FinishJob(w.sys, id, "dead", jobs.StatusFailed, nil, "", w.clock.Now())
		if !errors.Is(err, jobs.ErrLeaseLost) {
			t.Errorf("the dead worker finishes: %v; want ErrLeaseLost", err)
		}
	})
}

// TestLastAttemptDied fails a job whose last allowed run died with its
// worker, without running it again.
func TestLastAttemptDied(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, w *world) {
		id := w.enqueue(jobs.Spec{Kind: "crash", MaxAttempts: 1}).ID
		now := w.clock.Now()
		if _, err := w.st.ClaimJobs(w.sys, "dead", []string{"crash"}, now, now.Add(lease), 1); err != nil {
			t.Fatal(err)
		}
		w.clock.advance(lease + time.Second)
		r := w.runner("live")
		r.Handle("crash", func(ctx context.Context, run *jobs.Run) error {
			t.Error("the handler ran a job whose attempts were used up")
			return nil
		})
		w.start(r)
		j := w.waitStatus(id, jobs.StatusFailed)
		if j.Attempts != 2 || !strings.Contains(j.LastError, "lease expired") {
			t.Errorf("failed job %+v", j)
		}
	})
}

// TestCancelRunning cancels a running job: its handler's context is
// cancelled with ErrLeaseLost, and the job stays cancelled.
func TestCancelRunning(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, w *world) {
		started, stopped := make(chan struct{}), make(chan error, 1)
		// A short lease, in real time, so that the heartbeat comes soon.
		r := w.runner("w", func(o *jobs.RunnerOptions) { o.LeaseDuration = 30 * time.Millisecond })
		r.Handle("long", func(ctx context.Context, run *jobs.Run) error {
			close(started)
			<-ctx.Done()
			err := run.Checkpoint(context.WithoutCancel(ctx), importProgress{Next: 1})
			if cause := context.Cause(ctx); !errors.Is(cause, jobs.ErrLeaseLost) {
				err = fmt.Errorf("cause %v", cause)
			}
			stopped <- err
			return ctx.Err()
		})
		w.start(r)
		id := w.enqueue(jobs.Spec{Kind: "long"}).ID
		wait(t, started, "the handler to start")
		if _, err := w.svc.Cancel(w.sys, id); err != nil {
			t.Fatal(err)
		}
		select {
		case err := <-stopped:
			if !errors.Is(err, jobs.ErrLeaseLost) {
				t.Errorf("checkpoint after cancellation: %v; want ErrLeaseLost", err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("the handler was not stopped")
		}
		time.Sleep(20 * time.Millisecond) // let the runner record (nothing)
		if j := w.job(id); j.Status != jobs.StatusCancelled || j.Progress != nil {
			t.Errorf("cancelled job afterwards: %+v", j)
		}
	})
}

// TestWorkers runs no more handlers at once than the runner has workers.
func TestWorkers(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, w *world) {
		var running, most atomic.Int32
		release := make(chan struct{})
		r := w.runner("w", func(o *jobs.RunnerOptions) { o.Workers = 2 })
		r.Handle("slow", func(ctx context.Context, run *jobs.Run) error {
			n := running.Add(1)
			defer running.Add(-1)
			for {
				m := most.Load()
				if n <= m || most.CompareAndSwap(m, n) {
					break
				}
			}
			<-release
			return nil
		})
		var ids []int64
		for range 5 {
			ids = append(ids, w.enqueue(jobs.Spec{Kind: "slow"}).ID)
		}
		w.start(r)
		deadline := time.Now().Add(5 * time.Second)
		for running.Load() < 2 && time.Now().Before(deadline) {
			time.Sleep(time.Millisecond)
		}
		time.Sleep(20 * time.Millisecond) // a few polls with both workers busy
		close(release)
		for _, id := range ids {
			w.waitStatus(id, jobs.StatusSucceeded)
		}
		if most.Load() != 2 {
			t.Errorf("at most %d handlers ran at once; want 2", most.Load())
		}
	})
}
