package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/jobs"
)

var jobTests = []test{
	{"EnqueueAndDedupe", testJobEnqueueDedupe},
	{"EnqueueInTransaction", testJobEnqueueInTx},
	{"ClaimOrderAndLimits", testJobClaimOrder},
	{"ConcurrentClaims", testJobConcurrentClaims},
	{"ConcurrentEnqueue", testJobConcurrentEnqueue},
	{"ExpiredLease", testJobExpiredLease},
	{"Outcomes", testJobOutcomes},
	{"Cancel", testJobCancel},
	{"ListPages", testJobList},
	{"Permissions", testJobPermissions},
	{"Purge", testJobPurge},
}

const lease = time.Minute

func (e *env) jobs() *jobs.Service { return jobs.NewService(e.st, e.clock) }

// enqueue enqueues a job as ctx's user or fails the test.
func (e *env) enqueue(ctx context.Context, spec jobs.Spec) *jobs.Job {
	e.t.Helper()
	j, err := e.jobs().Enqueue(ctx, spec)
	if err != nil {
		e.t.Fatalf("enqueue %+v: %v", spec, err)
	}
	return j
}

// claim claims jobs of the kinds as owner, now, or fails the test.
func (e *env) claim(owner string, limit int, kinds ...string) []*jobs.Job {
	e.t.Helper()
	js, err := e.st.ClaimJobs(e.sys, owner, kinds, e.now(), e.now().Add(lease), limit)
	if err != nil {
		e.t.Fatalf("claim: %v", err)
	}
	return js
}

// job reads a job as the system.
func (e *env) job(id int64) *jobs.Job {
	e.t.Helper()
	j, err := e.st.Job(e.sys, id)
	if err != nil {
		e.t.Fatalf("job %d: %v", id, err)
	}
	return j
}

func jobIDs(js []*jobs.Job) []int64 {
	out := make([]int64, len(js))
	for i, j := range js {
		out[i] = j.ID
	}
	return out
}

// sameJSON compares JSON documents by value: PostgreSQL's jsonb does not
// keep their bytes.
func sameJSON(t testing.TB, got json.RawMessage, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("stored JSON %q: %v", got, err)
	}
	must(t, json.Unmarshal([]byte(want), &w))
	if jsonOf(g) != jsonOf(w) {
		t.Errorf("JSON = %s; want %s", got, want)
	}
}

func testJobEnqueueDedupe(t *testing.T, e *env) {
	first := e.enqueue(e.sys, jobs.Spec{Kind: "mail.send", Key: "welcome:7", Payload: map[string]any{"to": "王小李 <li@example.com>"}})
	if first.ID == 0 || first.Status != jobs.StatusQueued || first.MaxAttempts != jobs.DefaultMaxAttempts ||
		!first.RunAt.Equal(e.now()) || first.CreatedBy != nil {
		t.Fatalf("enqueued %+v", first)
	}
	stored := e.job(first.ID)
	sameJSON(t, stored.Payload, `{"to":"王小李 <li@example.com>"}`)
	if stored.Key != "welcome:7" || stored.Attempts != 0 || stored.LeaseUntil != nil || stored.Progress != nil || stored.Result != nil {
		t.Errorf("stored %+v", stored)
	}

	e.tick(time.Second)
	again := e.enqueue(e.sys, jobs.Spec{Kind: "mail.send", Key: "welcome:7", Payload: "other"})
	if again.ID != first.ID || !again.CreatedAt.Equal(first.CreatedAt) {
		t.Errorf("same key: job %d created %v; want job %d", again.ID, again.CreatedAt, first.ID)
	}
	sameJSON(t, again.Payload, `{"to":"王小李 <li@example.com>"}`)
	if other := e.enqueue(e.sys, jobs.Spec{Kind: "mail.other", Key: "welcome:7"}); other.ID == first.ID {
		t.Error("the same key of another kind found the first job")
	}
	a := e.enqueue(e.sys, jobs.Spec{Kind: "mail.send"})
	b := e.enqueue(e.sys, jobs.Spec{Kind: "mail.send"})
	if a.ID == b.ID || a.ID == first.ID {
		t.Errorf("jobs without a key deduplicated: %d %d", a.ID, b.ID)
	}
	sameJSON(t, e.job(a.ID).Payload, `null`)

	// A finished job still holds its key: the side effect is not repeated.
	claimed := e.claim("w", 1, "mail.send")
	if len(claimed) != 1 || claimed[0].ID != first.ID {
		t.Fatalf("claimed %v; want job %d", jobIDs(claimed), first.ID)
	}
	must(t, e.st.FinishJob(e.sys, first.ID, "w", jobs.StatusSucceeded, json.RawMessage(`{"sent":1}`), "", e.now()))
	done := e.enqueue(e.sys, jobs.Spec{Kind: "mail.send", Key: "welcome:7"})
	if done.ID != first.ID || done.Status != jobs.StatusSucceeded {
		t.Errorf("enqueue after success: %+v; want the succeeded job", done)
	}
	sameJSON(t, done.Result, `{"sent":1}`)

	// Several jobs at once, one a duplicate of another in the same batch.
	batch := []*jobs.Job{
		{Kind: "k", Key: "x", Status: jobs.StatusQueued, MaxAttempts: 1, RunAt: e.now(), CreatedAt: e.now(), UpdatedAt: e.now()},
		{Kind: "k", Key: "x", Status: jobs.StatusQueued, MaxAttempts: 1, RunAt: e.now(), CreatedAt: e.now(), UpdatedAt: e.now()},
	}
	must(t, e.st.EnqueueJobs(e.sys, batch))
	if batch[0].ID == 0 || batch[0].ID != batch[1].ID {
		t.Errorf("batch with a duplicate: ids %d %d", batch[0].ID, batch[1].ID)
	}

	_, err := e.jobs().Enqueue(e.sys, jobs.Spec{Kind: ""})
	wantField(t, err, "kind", "invalid")
	_, err = e.jobs().Enqueue(e.sys, jobs.Spec{Kind: "k", Payload: func() {}})
	wantField(t, err, "payload", "invalid")
	_, err = e.jobs().Enqueue(context.Background(), jobs.Spec{Kind: "k"})
	wantKind(t, err, crm.KindUnauthenticated)
}

func testJobEnqueueInTx(t *testing.T, e *env) {
	errRollback := errors.New("roll back")
	err := e.st.InTx(e.sys, func(ctx context.Context) error {
		e.enqueue(ctx, jobs.Spec{Kind: "k", Key: "rolled-back"})
		return errRollback
	})
	if !errors.Is(err, errRollback) {
		t.Fatal(err)
	}
	if got := e.claim("w", 10, "k"); len(got) != 0 {
		t.Errorf("a rolled-back enqueue left jobs %v", jobIDs(got))
	}
	var id int64
	must(t, e.st.InTx(e.sys, func(ctx context.Context) error {
		id = e.enqueue(ctx, jobs.Spec{Kind: "k", Key: "rolled-back"}).ID
		// Within the transaction, the key is taken already.
		if again := e.enqueue(ctx, jobs.Spec{Kind: "k", Key: "rolled-back"}); again.ID != id {
			t.Errorf("same key in one transaction: %d and %d", id, again.ID)
		}
		return nil
	}))
	if got := e.claim("w", 10, "k"); !slices.Equal(jobIDs(got), []int64{id}) {
		t.Errorf("claimed %v; want [%d]", jobIDs(got), id)
	}
}

func testJobClaimOrder(t *testing.T, e *env) {
	at := func(d time.Duration) time.Time { return e.now().Add(d) }
	late := e.enqueue(e.sys, jobs.Spec{Kind: "a", RunAt: at(-time.Minute)})
	early := e.enqueue(e.sys, jobs.Spec{Kind: "a", RunAt: at(-time.Hour)})
	now := e.enqueue(e.sys, jobs.Spec{Kind: "a"})
	future := e.enqueue(e.sys, jobs.Spec{Kind: "a", RunAt: at(time.Hour)})
	otherKind := e.enqueue(e.sys, jobs.Spec{Kind: "b", RunAt: at(-2 * time.Hour)})

	if got := e.claim("w", 0, "a"); len(got) != 0 {
		t.Errorf("limit 0 claimed %v", jobIDs(got))
	}
	if got := e.claim("w", 5); len(got) != 0 {
		t.Errorf("no kinds claimed %v", jobIDs(got))
	}
	got := e.claim("w", 2, "a")
	if want := []int64{early.ID, late.ID}; !slices.Equal(jobIDs(got), want) {
		t.Fatalf("claimed %v; want the two oldest %v", jobIDs(got), want)
	}
	j := got[0]
	if j.Status != jobs.StatusRunning || j.Attempts != 1 || j.LeaseOwner != "w" || j.LeaseUntil == nil ||
		!j.LeaseUntil.Equal(at(lease)) || !j.UpdatedAt.Equal(e.now()) {
		t.Errorf("claimed job %+v", j)
	}
	if got := e.claim("w2", 5, "a"); !slices.Equal(jobIDs(got), []int64{now.ID}) {
		t.Errorf("second claim %v; want [%d] (running and future jobs stay)", jobIDs(got), now.ID)
	}
	if got := e.claim("w", 5, "b", "c"); !slices.Equal(jobIDs(got), []int64{otherKind.ID}) {
		t.Errorf("claim of kind b %v; want [%d]", jobIDs(got), otherKind.ID)
	}
	// A lease that ends this very moment has not expired yet.
	e.tick(lease)
	if got := e.claim("w", 5, "a"); len(got) != 0 {
		t.Errorf("claimed %v when the leases end", jobIDs(got))
	}
	e.tick(time.Microsecond)
	got = e.claim("w", 10, "a")
	if want := []int64{early.ID, late.ID, now.ID}; !slices.Equal(jobIDs(got), want) {
		t.Errorf("claimed %v once the leases expired; want %v", jobIDs(got), want)
	}
	for _, j := range got {
		must(t, e.st.FinishJob(e.sys, j.ID, "w", jobs.StatusSucceeded, nil, "", e.now()))
	}
	e.tick(time.Hour)
	if got := e.claim("w", 10, "a"); !slices.Equal(jobIDs(got), []int64{future.ID}) {
		t.Errorf("claimed %v; want the job due now, [%d]", jobIDs(got), future.ID)
	}
}

func testJobConcurrentClaims(t *testing.T, e *env) {
	// Rounds of claimers racing for small batches: a claim that took a job
	// another had taken would show as a second attempt or a job twice.
	const rounds, n = 3, 30
	for round := range rounds {
		want := make([]int64, n)
		for i := range n {
			want[i] = e.enqueue(e.sys, jobs.Spec{Kind: "k", Key: fmt.Sprint(round, "-", i)}).ID
		}
		got := make([][]int64, writers)
		errs := race(writers, func(i int) error {
			owner := fmt.Sprintf("worker-%d", i)
			for {
				js, err := e.st.ClaimJobs(e.sys, owner, []string{"k"}, e.now(), e.now().Add(lease), 2)
				if err != nil || len(js) == 0 {
					return err
				}
				for _, j := range js {
					if j.LeaseOwner != owner || j.Attempts != 1 {
						return fmt.Errorf("%s claimed a claimed job: %+v", owner, j)
					}
					got[i] = append(got[i], j.ID)
				}
			}
		})
		for _, err := range errs {
			must(t, err)
		}
		all := slices.Concat(got...)
		slices.Sort(all)
		if !slices.Equal(all, want) {
			t.Errorf("round %d: claimed %v; want every job once: %v", round, all, want)
		}
	}
}

func testJobConcurrentEnqueue(t *testing.T, e *env) {
	ids := make([]int64, writers)
	errs := race(writers, func(i int) error {
		// Each in a transaction that does more after the enqueue, as a
		// service's would.
		return e.st.InTx(e.sys, func(ctx context.Context) error {
			j, err := e.jobs().Enqueue(ctx, jobs.Spec{Kind: "mail.send", Key: "order:42:receipt"})
			if err != nil {
				return err
			}
			ids[i] = j.ID
			_, err = e.st.Job(ctx, j.ID)
			return err
		})
	})
	for _, err := range errs {
		must(t, err)
	}
	if ids[0] == 0 || slices.ContainsFunc(ids, func(id int64) bool { return id != ids[0] }) {
		t.Errorf("concurrent enqueues of one key made jobs %v; want one", ids)
	}
	page, err := e.jobs().List(e.sys, jobs.Filter{})
	must(t, err)
	if len(page.Items) != 1 {
		t.Errorf("%d jobs; want 1", len(page.Items))
	}
}

func testJobExpiredLease(t *testing.T, e *env) {
	id := e.enqueue(e.sys, jobs.Spec{Kind: "import", Payload: map[string]int{"rows": 100}}).ID
	e.claim("dead", 1, "import")
	must(t, e.st.SaveProgress(e.sys, id, "dead", json.RawMessage(`{"row": 40}`), e.now(), e.now().Add(lease)))
	if err := e.st.SaveProgress(e.sys, id, "other", json.RawMessage(`{"row": 99}`), e.now(), e.now().Add(lease)); !errors.Is(err, jobs.ErrLeaseLost) {
		t.Errorf("progress by a worker without the lease: %v; want ErrLeaseLost", err)
	}
	e.tick(lease / 2)
	must(t, e.st.ExtendLease(e.sys, id, "dead", e.now().Add(lease)))
	e.tick(lease / 2)
	if got := e.claim("live", 1, "import"); len(got) != 0 {
		t.Fatalf("claimed a job whose lease was extended: %v", jobIDs(got))
	}
	e.tick(lease)
	got := e.claim("live", 1, "import")
	if len(got) != 1 || got[0].ID != id || got[0].Attempts != 2 || got[0].LeaseOwner != "live" {
		t.Fatalf("claim after the lease expired: %+v", got)
	}
	sameJSON(t, got[0].Progress, `{"row": 40}`)
	sameJSON(t, got[0].Payload, `{"rows": 100}`)

	// The dead worker wakes up: it has lost every right to the job.
	for name, err := range map[string]error{
		"extend":   e.st.ExtendLease(e.sys, id, "dead", e.now().Add(lease)),
		"progress": e.st.SaveProgress(e.sys, id, "dead", json.RawMessage(`{"row": 41}`), e.now(), e.now().Add(lease)),
		"finish":   e.st.FinishJob(e.sys, id, "dead", jobs.StatusSucceeded, nil, "", e.now()),
		"retry":    e.st.RetryJob(e.sys, id, "dead", e.now(), "x", e.now()),
		"release":  e.st.ReleaseJob(e.sys, id, "dead", e.now()),
	} {
		if !errors.Is(err, jobs.ErrLeaseLost) || !crm.IsKind(err, crm.KindConflict) {
			t.Errorf("%s by the dead worker: %v; want a Conflict (lease lost)", name, err)
		}
	}
	must(t, e.st.SaveProgress(e.sys, id, "live", json.RawMessage(`{"row": 70}`), e.now(), e.now().Add(lease)))
	j := e.job(id)
	sameJSON(t, j.Progress, `{"row": 70}`)
	if !j.LeaseUntil.Equal(e.now().Add(lease)) || j.Status != jobs.StatusRunning {
		t.Errorf("after the checkpoint: %+v", j)
	}
}

func testJobOutcomes(t *testing.T, e *env) {
	var ids []int64
	for i := range 4 {
		ids = append(ids, e.enqueue(e.sys, jobs.Spec{Kind: "k", Key: fmt.Sprint(i), MaxAttempts: 3}).ID)
	}
	e.claim("w", 4, "k")
	e.tick(time.Second)
	must(t, e.st.FinishJob(e.sys, ids[0], "w", jobs.StatusSucceeded, json.RawMessage(`{"imported":12}`), "", e.now()))
	must(t, e.st.FinishJob(e.sys, ids[1], "w", jobs.StatusFailed, nil, "bad payload", e.now()))
	must(t, e.st.RetryJob(e.sys, ids[2], "w", e.now().Add(time.Minute), "timeout", e.now()))
	must(t, e.st.ReleaseJob(e.sys, ids[3], "w", e.now()))

	ok := e.job(ids[0])
	if ok.Status != jobs.StatusSucceeded || ok.FinishedAt == nil || !ok.FinishedAt.Equal(e.now()) || ok.LeaseUntil != nil || ok.LastError != "" {
		t.Errorf("succeeded job %+v", ok)
	}
	sameJSON(t, ok.Result, `{"imported":12}`)
	if f := e.job(ids[1]); f.Status != jobs.StatusFailed || f.LastError != "bad payload" || f.Result != nil || f.FinishedAt == nil {
		t.Errorf("failed job %+v", f)
	}
	r := e.job(ids[2])
	if r.Status != jobs.StatusQueued || r.Attempts != 1 || r.LastError != "timeout" || !r.RunAt.Equal(e.now().Add(time.Minute)) ||
		r.LeaseUntil != nil || r.FinishedAt != nil {
		t.Errorf("retried job %+v", r)
	}
	rel := e.job(ids[3])
	if rel.Status != jobs.StatusQueued || rel.Attempts != 0 || !rel.RunAt.Equal(start) {
		t.Errorf("released job %+v; want queued with no attempt, in its place", rel)
	}
	// Finished jobs are never claimed again; the retried one is when due.
	if got := e.claim("w", 10, "k"); !slices.Equal(jobIDs(got), []int64{ids[3]}) {
		t.Errorf("claimed %v; want only the released job", jobIDs(got))
	}
	e.tick(time.Minute)
	got := e.claim("w", 10, "k")
	if len(got) != 1 || got[0].ID != ids[2] || got[0].Attempts != 2 {
		t.Errorf("claimed %+v; want the retried job on its 2nd attempt", got)
	}
	// A finished job cannot be finished again.
	err := e.st.FinishJob(e.sys, ids[0], "w", jobs.StatusFailed, nil, "", e.now())
	wantKind(t, err, crm.KindConflict)
}

func testJobCancel(t *testing.T, e *env) {
	svc := e.jobs()
	queued := e.enqueue(e.sys, jobs.Spec{Kind: "k", RunAt: e.now().Add(time.Hour)})
	running := e.enqueue(e.sys, jobs.Spec{Kind: "k"})
	e.claim("w", 1, "k")
	e.tick(time.Second)
	for _, id := range []int64{queued.ID, running.ID} {
		j, err := svc.Cancel(e.sys, id)
		must(t, err)
		if j.Status != jobs.StatusCancelled || j.FinishedAt == nil || !j.FinishedAt.Equal(e.now()) || j.LeaseUntil != nil {
			t.Errorf("cancelled job %+v", j)
		}
	}
	// The worker of the running job finds its lease gone.
	err := e.st.ExtendLease(e.sys, running.ID, "w", e.now().Add(lease))
	if !errors.Is(err, jobs.ErrLeaseLost) {
		t.Errorf("extend a cancelled job's lease: %v; want ErrLeaseLost", err)
	}
	e.tick(2 * time.Hour)
	if got := e.claim("w", 10, "k"); len(got) != 0 {
		t.Errorf("claimed cancelled jobs %v", jobIDs(got))
	}
	// Cancelling again does nothing; a finished job cannot be cancelled.
	if j, err := svc.Cancel(e.sys, queued.ID); err != nil || j.Status != jobs.StatusCancelled {
		t.Errorf("cancel twice: %+v %v", j, err)
	}
	done := e.enqueue(e.sys, jobs.Spec{Kind: "k"})
	e.claim("w", 1, "k")
	must(t, e.st.FinishJob(e.sys, done.ID, "w", jobs.StatusSucceeded, nil, "", e.now()))
	_, err = svc.Cancel(e.sys, done.ID)
	wantCode(t, err, crm.KindConflict, "job_finished")
	_, err = svc.Cancel(e.sys, 99999)
	wantKind(t, err, crm.KindNotFound)
}

func testJobList(t *testing.T, e *env) {
	var imports, mails []int64
	for i := range 11 {
		if i%3 == 0 {
			mails = append(mails, e.enqueue(e.sys, jobs.Spec{Kind: "mail"}).ID)
		} else {
			imports = append(imports, e.enqueue(e.sys, jobs.Spec{Kind: "import"}).ID)
		}
	}
	e.claim("w", 2, "import")
	list := func(f jobs.Filter) []int64 {
		t.Helper()
		f.Limit = 3
		return jobIDs(walk(t, 3, func(cursor string) (crm.Page[*jobs.Job], error) {
			f.Cursor = cursor
			return e.jobs().List(e.sys, f)
		}))
	}
	newestFirst := func(ids ...[]int64) []int64 {
		out := slices.Concat(ids...)
		slices.Sort(out)
		slices.Reverse(out)
		return out
	}
	if got, want := list(jobs.Filter{}), newestFirst(imports, mails); !slices.Equal(got, want) {
		t.Errorf("all jobs %v; want %v", got, want)
	}
	if got, want := list(jobs.Filter{Kind: "mail"}), newestFirst(mails); !slices.Equal(got, want) {
		t.Errorf("mail jobs %v; want %v", got, want)
	}
	if got, want := list(jobs.Filter{Kind: "import", Status: jobs.StatusRunning}), newestFirst(imports[:2]); !slices.Equal(got, want) {
		t.Errorf("running imports %v; want %v", got, want)
	}
	_, err := e.jobs().List(e.sys, jobs.Filter{Status: "done"})
	wantField(t, err, "status", "invalid")
	_, err = e.jobs().List(e.sys, jobs.Filter{Cursor: "!"})
	wantKind(t, err, crm.KindMalformed)
}

func testJobPermissions(t *testing.T, e *env) {
	admin := e.as(e.user("Ada Admin", crm.RoleAdmin))
	li := e.user("Li Agent", crm.RoleAgent)
	asLi := e.as(li)
	asWang := e.as(e.user("Wang Agent", crm.RoleAgent))
	svc := e.jobs()

	mine := e.enqueue(asLi, jobs.Spec{Kind: "import"})
	if mine.CreatedBy == nil || *mine.CreatedBy != li.ID {
		t.Errorf("created by %v; want user %d", mine.CreatedBy, li.ID)
	}
	theirs := e.enqueue(asWang, jobs.Spec{Kind: "import"})
	system := e.enqueue(e.sys, jobs.Spec{Kind: "import"})

	if _, err := svc.Get(asLi, mine.ID); err != nil {
		t.Errorf("own job: %v", err)
	}
	for _, id := range []int64{theirs.ID, system.ID} {
		_, err := svc.Get(asLi, id)
		wantKind(t, err, crm.KindNotFound)
		_, err = svc.Cancel(asLi, id)
		wantKind(t, err, crm.KindNotFound)
	}
	// An agent lists their own jobs, whatever filter they ask for.
	for _, f := range []jobs.Filter{{}, {CreatedBy: &theirs.ID}} {
		page, err := svc.List(asLi, f)
		must(t, err)
		if got := jobIDs(page.Items); !slices.Equal(got, []int64{mine.ID}) {
			t.Errorf("agent lists %v with %+v; want only [%d]", got, f, mine.ID)
		}
	}
	// Admins and the system see all, and may filter by creator.
	for _, ctx := range []context.Context{admin, e.sys} {
		page, err := svc.List(ctx, jobs.Filter{})
		must(t, err)
		if got := jobIDs(page.Items); !slices.Equal(got, []int64{system.ID, theirs.ID, mine.ID}) {
			t.Errorf("admin lists %v", got)
		}
		page, err = svc.List(ctx, jobs.Filter{CreatedBy: &li.ID})
		must(t, err)
		if got := jobIDs(page.Items); !slices.Equal(got, []int64{mine.ID}) {
			t.Errorf("admin lists %v of Li", got)
		}
		if _, err := svc.Get(ctx, theirs.ID); err != nil {
			t.Errorf("admin reads another's job: %v", err)
		}
	}
	if j, err := svc.Cancel(asLi, mine.ID); err != nil || j.Status != jobs.StatusCancelled {
		t.Errorf("cancel own job: %+v %v", j, err)
	}
	if _, err := svc.Cancel(admin, theirs.ID); err != nil {
		t.Errorf("admin cancels another's job: %v", err)
	}
	_, err := svc.Purge(asLi, e.now())
	wantKind(t, err, crm.KindForbidden)
	_, err = svc.Get(context.Background(), mine.ID)
	wantKind(t, err, crm.KindUnauthenticated)
}

func testJobPurge(t *testing.T, e *env) {
	old := e.enqueue(e.sys, jobs.Spec{Kind: "k", Key: "once"})
	queued := e.enqueue(e.sys, jobs.Spec{Kind: "k", RunAt: e.now().Add(time.Hour)})
	e.claim("w", 1, "k")
	must(t, e.st.FinishJob(e.sys, old.ID, "w", jobs.StatusSucceeded, nil, "", e.now()))
	e.tick(time.Hour)
	young := e.enqueue(e.sys, jobs.Spec{Kind: "k"})
	e.claim("w", 5, "k")
	must(t, e.st.FinishJob(e.sys, young.ID, "w", jobs.StatusSucceeded, nil, "", e.now()))

	n, err := e.jobs().Purge(e.sys, e.now().Add(-time.Minute))
	must(t, err)
	if n != 1 {
		t.Errorf("purged %d jobs; want 1", n)
	}
	_, err = e.st.Job(e.sys, old.ID)
	wantKind(t, err, crm.KindNotFound)
	e.job(queued.ID)
	e.job(young.ID)
	// Its key is free again.
	if again := e.enqueue(e.sys, jobs.Spec{Kind: "k", Key: "once"}); again.ID == old.ID || again.Status != jobs.StatusQueued {
		t.Errorf("enqueue after purge: %+v", again)
	}
}
