package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	netmail "net/mail"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/guanxi-crm/guanxi/internal/account"
	"github.com/guanxi-crm/guanxi/internal/activity"
	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/i18n"
	"github.com/guanxi-crm/guanxi/internal/jobs"
	"github.com/guanxi-crm/guanxi/internal/mail"
	"github.com/guanxi-crm/guanxi/internal/mail/mailtest"
	"github.com/guanxi-crm/guanxi/internal/sales"
)

var activityTests = []test{
	{"CreateAndValidate", testActivityCreate},
	{"Permissions", testActivityPermissions},
	{"ListPerRecord", testActivityListPerRecord},
	{"MyTasksAndOverdue", testActivityTasks},
	{"NoNextStep", testActivityNoNextStep},
	{"Reminders", testActivityReminders},
	{"Mentions", testActivityMentions},
	{"Notifications", testActivityNotifications},
	{"FollowUpHook", testActivityFollowUpHook},
	{"GoWithTheirRecords", testActivityCascades},
	{"MergedContacts", testActivityMergedContacts},
	{"RecordNames", testActivityRecordNames},
}

// activities builds the activities service of a test over its store, the
// real job system (jobs are rows the test reads) and i18n's catalogues.
func (e *env) activities(opts activity.Options) *activity.Service {
	if opts.Clock == nil {
		opts.Clock = e.clock
	}
	if opts.Records == nil {
		opts.Records = e.st.ActivityRecords()
	}
	opts.Messages = i18n.Message
	return activity.NewService(e.st, jobQueue{jobs.NewService(e.st, e.clock)}, opts)
}

// jobQueue enqueues in the job table, as the app does.
type jobQueue struct{ jobs *jobs.Service }

func (q jobQueue) Enqueue(ctx context.Context, kind, key string, runAt time.Time, payload any) error {
	_, err := q.jobs.Enqueue(ctx, jobs.Spec{Kind: kind, Key: key, RunAt: runAt, Payload: payload})
	return err
}

// jobsOf lists the jobs of a kind, oldest first.
func (e *env) jobsOf(kind string) []*jobs.Job {
	e.t.Helper()
	list := walk(e.t, 50, func(cursor string) (crm.Page[*jobs.Job], error) {
		return e.st.ListJobs(e.sys, jobs.Filter{Kind: kind, Cursor: cursor, Limit: 50})
	})
	slices.Reverse(list)
	return list
}

// activity creates an activity or fails the test.
func (e *env) activity(svc *activity.Service, ctx context.Context, in activity.Input) *activity.Activity {
	e.t.Helper()
	a, err := svc.Create(ctx, in)
	if err != nil {
		e.t.Fatalf("create activity %q: %v", in.Subject, err)
	}
	return a
}

func task(recordType string, id int64, subject string, due *time.Time) activity.Input {
	return activity.Input{Type: activity.TypeTask, RecordType: recordType, RecordID: id, Fields: activity.Fields{Subject: subject, DueAt: due}}
}

func subjects(list []*activity.Activity) []string {
	out := make([]string, len(list))
	for i, a := range list {
		out[i] = a.Subject
	}
	return out
}

// notifications lists a user's notifications, newest first.
func (e *env) notifications(svc *activity.Service, ctx context.Context) []*activity.Notification {
	e.t.Helper()
	return walk(e.t, 2, func(cursor string) (crm.Page[*activity.Notification], error) {
		return svc.Notifications(ctx, false, cursor, 2)
	})
}

func testActivityCreate(t *testing.T, e *env) {
	north := e.team("North")
	agent := e.user("Agent", crm.RoleAgent, north)
	ctx := e.as(agent)
	c := e.contact(ctx, customer.ContactFields{DisplayName: "陳經理"})
	svc := e.activities(activity.Options{})

	due := e.now().Add(48 * time.Hour)
	a := e.activity(svc, ctx, activity.Input{Type: activity.TypeCall, RecordType: "contact", RecordID: c.ID,
		Fields: activity.Fields{Subject: "  Call   about the offer ", Body: "Line one\n\n  Line two  ", DueAt: &due}})
	if a.Subject != "Call about the offer" || a.Body != "Line one\n\n  Line two" || a.Version != 1 {
		t.Errorf("normalised %q %q v%d", a.Subject, a.Body, a.Version)
	}
	if a.AssigneeID == nil || *a.AssigneeID != agent.ID || a.OwnerID == nil || *a.OwnerID != agent.ID || a.TeamID == nil || *a.TeamID != north.ID {
		t.Errorf("defaults: assignee %v owner %v team %v", a.AssigneeID, a.OwnerID, a.TeamID)
	}
	if a.Completed || a.CompletedAt != nil || a.CreatedBy == nil || *a.CreatedBy != agent.ID {
		t.Errorf("completion %v %v, created by %v", a.Completed, a.CompletedAt, a.CreatedBy)
	}
	read, err := svc.Get(ctx, a.ID)
	must(t, err)
	if jsonOf(read) != jsonOf(a) {
		t.Errorf("read back\n%s\nwant\n%s", jsonOf(read), jsonOf(a))
	}
	if _, ok := findEntry(e.auditLog(account.AuditFilter{RecordType: activity.RecordActivity}), crm.ActionCreate, a.ID, nil); !ok {
		t.Error("no audit entry of the creation")
	}

	// A call logged as done, with its outcome.
	done := e.activity(svc, ctx, activity.Input{Type: activity.TypeCall, RecordType: "contact", RecordID: c.ID,
		Fields: activity.Fields{Subject: "Called back", Outcome: "no_answer", Completed: true}})
	if done.CompletedAt == nil || !done.CompletedAt.Equal(e.now()) || done.CompletedBy == nil || *done.CompletedBy != agent.ID || !done.Completed {
		t.Errorf("logged call: %s", jsonOf(done))
	}

	tests := []struct {
		name        string
		in          activity.Input
		field, code string
	}{
		{"a task needs a subject", activity.Input{Type: "task", RecordType: "contact", RecordID: c.ID}, "subject", "required"},
		{"a note needs a body", activity.Input{Type: "note", RecordType: "contact", RecordID: c.ID}, "body", "required"},
		{"a note is due never", activity.Input{Type: "note", RecordType: "contact", RecordID: c.ID, Fields: activity.Fields{Body: "x", DueAt: &due}}, "due_at", "not_for_type"},
		{"a note has no reminder", activity.Input{Type: "note", RecordType: "contact", RecordID: c.ID, Fields: activity.Fields{Body: "x", RemindAt: &due}}, "remind_at", "not_for_type"},
		{"only calls have outcomes", activity.Input{Type: "meeting", RecordType: "contact", RecordID: c.ID, Fields: activity.Fields{Subject: "x", Outcome: "connected"}}, "outcome", "not_for_type"},
		{"an outcome of the list", activity.Input{Type: "call", RecordType: "contact", RecordID: c.ID, Fields: activity.Fields{Subject: "x", Outcome: "great"}}, "outcome", "not_one_of"},
		{"an unknown type", activity.Input{Type: "email", RecordType: "contact", RecordID: c.ID}, "type", "not_one_of"},
		{"an unknown lead", task("lead", 999999, "x", nil), "record_id", "unknown_record"},
		{"an unknown record", task("deal", 999999, "x", nil), "record_id", "unknown_record"},
		{"an unknown assignee", activity.Input{Type: "task", RecordType: "contact", RecordID: c.ID, Fields: activity.Fields{Subject: "x", AssigneeID: ptr(int64(999999))}}, "assignee_id", "unknown_user"},
		{"an unknown team", activity.Input{Type: "task", RecordType: "contact", RecordID: c.ID, Fields: activity.Fields{Subject: "x", TeamID: ptr(int64(999999))}}, "team_id", "not_your_team"},
		{"text that is no text", activity.Input{Type: "note", RecordType: "contact", RecordID: c.ID, Fields: activity.Fields{Body: "a\x00b"}}, "body", "invalid_text"},
		{"a body too long", activity.Input{Type: "note", RecordType: "contact", RecordID: c.ID, Fields: activity.Fields{Body: strings.Repeat("長", 10_001)}}, "body", "too_long"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := svc.Create(ctx, tt.in)
			wantField(t, err, tt.field, tt.code)
		})
	}
	// A record in the trash takes no activity.
	must(t, e.cs.DeleteContact(ctx, c.ID, 0))
	_, err = svc.Create(ctx, task("contact", c.ID, "x", nil))
	wantCode(t, err, crm.KindConflict, "record_deleted")
}

func testActivityPermissions(t *testing.T, e *env) {
	north := e.team("North")
	agent := e.user("Agent", crm.RoleAgent, north)
	mate := e.user("Mate", crm.RoleAgent, north)
	manager := e.user("Manager", crm.RoleManager, north)
	loner := e.user("Loner", crm.RoleAgent)
	viewer := e.user("Viewer", crm.RoleViewer)
	asAgent, asMate, asManager, asLoner, asViewer := e.as(agent), e.as(mate), e.as(manager), e.as(loner), e.as(viewer)
	svc := e.activities(activity.Options{})
	c := e.contact(asAgent, customer.ContactFields{DisplayName: "Agent's customer"})
	a := e.activity(svc, asAgent, task("contact", c.ID, "Send the brochure", nil))

	// Who reads, lists and writes.
	for _, tt := range []struct {
		name        string
		ctx         context.Context
		read, write bool
	}{
		{"the agent", asAgent, true, true}, {"a team mate", asMate, true, true}, {"the manager", asManager, true, true},
		{"an agent of no team", asLoner, false, false}, {"a viewer", asViewer, true, false}, {"the system", e.sys, true, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := svc.Get(tt.ctx, a.ID)
			_, lerr := svc.ListFor(tt.ctx, "contact", c.ID, "", "", 10)
			if tt.read {
				must(t, err)
				must(t, lerr)
			} else {
				wantKind(t, err, crm.KindForbidden)
				wantKind(t, lerr, crm.KindForbidden)
			}
			_, err = svc.Update(tt.ctx, a.ID, 0, func(f *activity.Fields) error { f.Body = "seen by " + tt.name; return nil })
			_, cerr := svc.Create(tt.ctx, task("contact", c.ID, "mine too", nil))
			if tt.write {
				must(t, err)
				must(t, cerr)
			} else {
				wantKind(t, err, crm.KindForbidden)
				wantKind(t, cerr, crm.KindForbidden)
			}
		})
	}

	// An activity goes only to someone who may read its record.
	_, err := svc.Create(asAgent, activity.Input{Type: "task", RecordType: "contact", RecordID: c.ID,
		Fields: activity.Fields{Subject: "x", AssigneeID: &loner.ID}})
	wantField(t, err, "assignee_id", "assignee_cannot_read")
	given := e.activity(svc, asAgent, activity.Input{Type: "task", RecordType: "contact", RecordID: c.ID,
		Fields: activity.Fields{Subject: "For the manager", AssigneeID: &manager.ID}})
	mine, err := svc.Tasks(asManager, activity.TaskFilter{})
	must(t, err)
	if got := subjects(mine.Items); !slices.Equal(got, []string{"mine too", "For the manager"}) {
		t.Errorf("manager's tasks %v", got)
	}

	// The record changes hands: its new owner sees its activities; the
	// agent keeps those they own, and the assignee theirs.
	e.update(e.sys, c.ID, func(f *customer.ContactFields) { f.OwnerID, f.TeamID = &loner.ID, nil })
	page, err := svc.ListFor(asLoner, "contact", c.ID, "", "", 10)
	must(t, err)
	if len(page.Items) != 6 {
		t.Errorf("the new owner lists %d activities; want 6", len(page.Items))
	}
	_, err = svc.Get(asAgent, a.ID)
	must(t, err)
	_, err = svc.ListFor(asAgent, "contact", c.ID, "", "", 10)
	wantKind(t, err, crm.KindForbidden)
	_, err = svc.Get(asManager, given.ID)
	must(t, err)
	// An assignee sees and completes their task when nothing else lets
	// them: here the task is the agent's, of no team, and the record
	// passes to the viewer.
	theirs := e.activity(svc, e.sys, activity.Input{Type: "task", RecordType: "contact", RecordID: c.ID,
		Fields: activity.Fields{Subject: "For the loner", AssigneeID: &loner.ID, OwnerID: &agent.ID}})
	if theirs.TeamID != nil {
		t.Fatalf("the system's activity has team %v", *theirs.TeamID)
	}
	e.update(e.sys, c.ID, func(f *customer.ContactFields) { f.OwnerID = &viewer.ID })
	_, err = svc.ListFor(asLoner, "contact", c.ID, "", "", 10)
	wantKind(t, err, crm.KindForbidden)
	done, err := svc.Update(asLoner, theirs.ID, 0, func(f *activity.Fields) error { f.Completed = true; return nil })
	must(t, err)
	if done.CompletedBy == nil || *done.CompletedBy != loner.ID {
		t.Errorf("completed by %v", done.CompletedBy)
	}
	_, err = svc.Get(asMate, theirs.ID)
	wantKind(t, err, crm.KindForbidden)
	// Deleting is a write.
	wantKind(t, svc.Delete(asViewer, a.ID, 0), crm.KindForbidden)
	wantKind(t, svc.Delete(asAgent, a.ID, 7), crm.KindStale)
	must(t, svc.Delete(asAgent, a.ID, 0))
	_, err = svc.Get(asAgent, a.ID)
	wantKind(t, err, crm.KindNotFound)
}

func testActivityListPerRecord(t *testing.T, e *env) {
	svc := e.activities(activity.Options{})
	co := e.company(e.sys, customer.CompanyFields{Name: "鴻海"})
	other := e.company(e.sys, customer.CompanyFields{Name: "Other"})
	var want []string
	for i := range 7 {
		typ := []string{activity.TypeTask, activity.TypeNote, activity.TypeMeeting}[i%3]
		in := activity.Input{Type: typ, RecordType: "company", RecordID: co.ID, Fields: activity.Fields{Subject: fmt.Sprintf("a%d", i), Body: "b"}}
		e.activity(svc, e.sys, in)
		want = append([]string{fmt.Sprintf("a%d", i)}, want...)
		if i%2 == 0 {
			e.tick(time.Minute) // some share their creation time: the id orders them
		}
	}
	e.activity(svc, e.sys, task("company", other.ID, "elsewhere", nil))
	all := walk(t, 2, func(cursor string) (crm.Page[*activity.Activity], error) {
		return svc.ListFor(e.sys, "company", co.ID, "", cursor, 2)
	})
	if got := subjects(all); !slices.Equal(got, want) {
		t.Errorf("newest first %v; want %v", got, want)
	}
	notes, err := svc.ListFor(e.sys, "company", co.ID, activity.TypeNote, "", 10)
	must(t, err)
	if got := subjects(notes.Items); !slices.Equal(got, []string{"a4", "a1"}) {
		t.Errorf("notes %v", got)
	}
	_, err = svc.ListFor(e.sys, "company", 999999, "", "", 10)
	wantKind(t, err, crm.KindNotFound)
	_, err = svc.ListFor(e.sys, "planet", co.ID, "", "", 10)
	wantField(t, err, "record_type", "not_one_of")
	_, err = svc.ListFor(e.sys, "company", co.ID, "", "garbage", 10)
	wantCode(t, err, crm.KindMalformed, "invalid_cursor")
}

func testActivityTasks(t *testing.T, e *env) {
	north := e.team("North")
	agent := e.user("Agent", crm.RoleAgent, north)
	other := e.user("Other", crm.RoleAgent)
	manager := e.user("Manager", crm.RoleManager, north)
	ctx := e.as(agent)
	svc := e.activities(activity.Options{})
	c := e.contact(ctx, customer.ContactFields{DisplayName: "Customer"})
	// The test starts on Monday 2026-03-02 09:00 UTC, 17:00 in Taipei.
	at := func(d time.Duration) *time.Time { return ptr(e.now().Add(d)) }
	for _, x := range []struct {
		subject string
		due     *time.Time
		typ     string
	}{
		{"last week", at(-7 * 24 * time.Hour), "task"},
		{"this morning", at(-2 * time.Hour), "call"},
		{"tonight", at(5 * time.Hour), "meeting"},              // 22:00 Taipei, 14:00 UTC
		{"after Taipei's midnight", at(8 * time.Hour), "task"}, // 01:00 Taipei tomorrow, 17:00 UTC today
		{"next week", at(7 * 24 * time.Hour), "task"},
		{"someday", nil, "task"},
		{"some other day", nil, "call"},
	} {
		e.activity(svc, ctx, activity.Input{Type: x.typ, RecordType: "contact", RecordID: c.ID, Fields: activity.Fields{Subject: x.subject, DueAt: x.due}})
	}
	e.activity(svc, ctx, activity.Input{Type: "note", RecordType: "contact", RecordID: c.ID, Fields: activity.Fields{Body: "not a task"}})
	done := e.activity(svc, ctx, task("contact", c.ID, "done already", at(-time.Hour)))
	_, err := svc.Update(ctx, done.ID, 0, func(f *activity.Fields) error { f.Completed = true; return nil })
	must(t, err)

	taipei, err := time.LoadLocation("Asia/Taipei")
	if err != nil {
		taipei = time.FixedZone("CST", 8*3600) // no zoneinfo on this machine
	}
	list := func(ctx context.Context, f activity.TaskFilter) []string {
		t.Helper()
		return subjects(walk(t, 2, func(cursor string) (crm.Page[*activity.Activity], error) {
			f.Cursor, f.Limit = cursor, 2
			return svc.Tasks(ctx, f)
		}))
	}
	for _, tt := range []struct {
		name string
		f    activity.TaskFilter
		want []string
	}{
		{"open", activity.TaskFilter{}, []string{"last week", "this morning", "tonight", "after Taipei's midnight", "next week", "someday", "some other day"}},
		{"today in UTC", activity.TaskFilter{Due: "today"}, []string{"this morning", "tonight", "after Taipei's midnight"}},
		{"today in Taipei", activity.TaskFilter{Due: "today", Location: taipei}, []string{"this morning", "tonight"}},
		{"overdue", activity.TaskFilter{Due: "overdue"}, []string{"last week", "this morning"}},
		{"calls", activity.TaskFilter{Type: "call"}, []string{"this morning", "some other day"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := list(ctx, tt.f); !slices.Equal(got, tt.want) {
				t.Errorf("got %v; want %v", got, tt.want)
			}
		})
	}
	// Reps' lists: a manager sees their team's, an agent only their own.
	if got := list(e.as(manager), activity.TaskFilter{AssigneeID: agent.ID, Due: "overdue"}); len(got) != 2 {
		t.Errorf("the manager sees %v", got)
	}
	if got := list(e.sys, activity.TaskFilter{AssigneeID: agent.ID, Due: "overdue"}); len(got) != 2 {
		t.Errorf("the system sees %v", got)
	}
	_, err = svc.Tasks(e.as(other), activity.TaskFilter{AssigneeID: agent.ID})
	wantKind(t, err, crm.KindForbidden)
	_, err = svc.Tasks(e.sys, activity.TaskFilter{})
	wantField(t, err, "user_id", "required")
	_, err = svc.Tasks(ctx, activity.TaskFilter{Due: "tomorrow"})
	wantField(t, err, "due", "not_one_of")
	if got := list(e.as(other), activity.TaskFilter{}); len(got) != 0 {
		t.Errorf("another agent's tasks %v", got)
	}
	// Time passes: tonight's meeting is overdue too.
	e.tick(6 * time.Hour)
	if got := list(ctx, activity.TaskFilter{Due: "overdue"}); !slices.Equal(got, []string{"last week", "this morning", "tonight"}) {
		t.Errorf("overdue later %v", got)
	}
}

func testActivityNoNextStep(t *testing.T, e *env) {
	north := e.team("North")
	agent := e.user("Agent", crm.RoleAgent, north)
	other := e.user("Other", crm.RoleAgent, north)
	ctx := e.as(agent)
	p := e.salesPipeline("B2B")
	svc := e.activities(activity.Options{})
	deal := func(ctx context.Context, name string) *sales.Deal {
		return e.deal(ctx, sales.DealInput{DealFields: sales.DealFields{Name: name, Amount: 1000}})
	}
	future, past := ptr(e.now().Add(24*time.Hour)), ptr(e.now().Add(-24*time.Hour))
	planned := deal(ctx, "planned")
	e.activity(svc, ctx, task("deal", planned.ID, "demo", future))
	overdue := deal(ctx, "overdue only")
	e.activity(svc, ctx, task("deal", overdue.ID, "late", past))
	completed := deal(ctx, "completed step")
	step := e.activity(svc, ctx, task("deal", completed.ID, "done", future))
	e.tick(time.Hour)
	_, err := svc.Update(ctx, step.ID, 0, func(f *activity.Fields) error { f.Completed = true; return nil })
	must(t, err)
	noted := deal(ctx, "a note only")
	e.activity(svc, ctx, activity.Input{Type: "note", RecordType: "deal", RecordID: noted.ID, Fields: activity.Fields{Body: "talked"}})
	deal(ctx, "nothing")
	won := deal(ctx, "won")
	e.moveDeal(ctx, won.ID, stageID(t, p, "Won"), "")
	deal(e.as(other), "someone else's")
	// A meeting assigned to someone else is still the deal's next step.
	meeting := deal(ctx, "a colleague meets them")
	e.activity(svc, e.sys, activity.Input{Type: "meeting", RecordType: "deal", RecordID: meeting.ID,
		Fields: activity.Fields{Subject: "visit", DueAt: future, AssigneeID: &other.ID}})

	got := walk(t, 1, func(cursor string) (crm.Page[*activity.DealRef], error) {
		return svc.WithoutNextStep(ctx, 0, cursor, 1)
	})
	var names []string
	for _, d := range got {
		names = append(names, d.Name)
	}
	if want := []string{"overdue only", "completed step", "a note only", "nothing"}; !slices.Equal(names, want) {
		t.Fatalf("without a next step %v; want %v", names, want)
	}
	if d := got[1]; d.LastActivityAt == nil || !d.LastActivityAt.Equal(e.now()) || d.Amount != 1000 || d.Currency != "TWD" || d.OwnerID == nil || *d.OwnerID != agent.ID {
		t.Errorf("completed step: %s", jsonOf(d))
	}
	if got[3].LastActivityAt != nil {
		t.Errorf("a deal without activities was last active %v", got[3].LastActivityAt)
	}
	// Tomorrow the demo is past: that deal has no next step either.
	e.tick(48 * time.Hour)
	page, err := svc.WithoutNextStep(ctx, agent.ID, "", 10)
	must(t, err)
	if len(page.Items) != 6 {
		t.Errorf("later: %d deals", len(page.Items))
	}
	_, err = svc.WithoutNextStep(e.as(other), agent.ID, "", 10)
	wantKind(t, err, crm.KindForbidden)
}

func testActivityReminders(t *testing.T, e *env) {
	agent := e.user("Agent", crm.RoleAgent)
	ctx := e.as(agent)
	svc := e.activities(activity.Options{})
	c := e.contact(ctx, customer.ContactFields{DisplayName: "陳經理"})
	t1, t2 := e.now().Add(time.Hour), e.now().Add(2*time.Hour)
	a := e.activity(svc, ctx, activity.Input{Type: "call", RecordType: "contact", RecordID: c.ID,
		Fields: activity.Fields{Subject: "Call 陳經理", RemindAt: &t1, DueAt: &t2}})
	reminders := func() []string {
		var out []string
		for _, j := range e.jobsOf(activity.JobRemind) {
			out = append(out, fmt.Sprintf("%s@%s", j.Key, j.RunAt.Sub(e.now())))
		}
		return out
	}
	key := func(at time.Time) string { return fmt.Sprintf("activity:%d@%d", a.ID, at.UnixMicro()) }
	if got := reminders(); !slices.Equal(got, []string{key(t1) + "@1h0m0s"}) {
		t.Fatalf("reminder jobs %v", got)
	}
	// Saving again, or saving the same time, adds none.
	update := func(f func(*activity.Fields)) *activity.Activity {
		t.Helper()
		a, err := svc.Update(ctx, a.ID, 0, func(x *activity.Fields) error { f(x); return nil })
		must(t, err)
		return a
	}
	update(func(f *activity.Fields) { f.Subject = "Call 陳經理 back" })
	update(func(f *activity.Fields) { f.RemindAt = ptr(t1) })
	if got := reminders(); len(got) != 1 {
		t.Fatalf("reminder jobs after saving again %v", got)
	}
	// Moving it schedules the new time; the old job, when it comes, finds
	// it moved and notifies nobody.
	update(func(f *activity.Fields) { f.RemindAt = &t2 })
	if got := reminders(); !slices.Equal(got, []string{key(t1) + "@1h0m0s", key(t2) + "@2h0m0s"}) {
		t.Fatalf("reminder jobs after moving %v", got)
	}
	must(t, svc.Remind(e.sys, a.ID, t1))
	if n := e.notifications(svc, ctx); len(n) != 0 {
		t.Fatalf("the moved reminder notified: %s", jsonOf(n))
	}
	// The new one notifies the assignee, once however often it runs.
	must(t, svc.Remind(e.sys, a.ID, t2))
	must(t, svc.Remind(e.sys, a.ID, t2))
	n := e.notifications(svc, ctx)
	if len(n) != 1 || n[0].Kind != activity.KindReminder || n[0].Text != "Reminder: Call 陳經理 back" ||
		n[0].Link != fmt.Sprintf("/customers/%d", c.ID) || n[0].ActivityID == nil || *n[0].ActivityID != a.ID ||
		!strings.Contains(n[0].Body, "Due 2026-03-02 11:00 UTC") || !strings.Contains(n[0].Body, "About: 陳經理") {
		t.Fatalf("reminder notifications %s", jsonOf(n))
	}
	// Without SMTP, no email job.
	if j := e.jobsOf(activity.JobEmail); len(j) != 0 {
		t.Errorf("email jobs without a mailer: %d", len(j))
	}
	// Cleared, completed or deleted: the reminder does nothing.
	t3 := e.now().Add(3 * time.Hour)
	update(func(f *activity.Fields) { f.RemindAt = &t3 })
	update(func(f *activity.Fields) { f.RemindAt = nil })
	must(t, svc.Remind(e.sys, a.ID, t3))
	t4 := e.now().Add(4 * time.Hour)
	update(func(f *activity.Fields) { f.RemindAt = &t4 })
	update(func(f *activity.Fields) { f.Completed = true })
	must(t, svc.Remind(e.sys, a.ID, t4))
	must(t, svc.Delete(ctx, a.ID, 0))
	must(t, svc.Remind(e.sys, a.ID, t4))
	if n := e.notifications(svc, ctx); len(n) != 0 { // the deleted activity's went with it
		t.Errorf("notifications at the end %s", jsonOf(n))
	}
	if got := len(reminders()); got != 4 {
		t.Errorf("%d reminder jobs; want 4 (t1, t2, t3, t4)", got)
	}
	// Only the system fires reminders.
	wantKind(t, svc.Remind(ctx, a.ID, t4), crm.KindForbidden)
}

func testActivityMentions(t *testing.T, e *env) {
	north := e.team("North")
	author := e.user("Author", crm.RoleAgent, north)
	mary := e.user("Mary Chen", crm.RoleAgent, north)
	marianne := e.user("Mary", crm.RoleAgent, north)
	ming := e.user("Ming", crm.RoleManager, north)
	bob := e.user("Bob", crm.RoleAgent) // in no team: may not read the author's records
	ming, err := e.acc.UpdateUser(e.sys, ming.ID, 0, func(f *account.UserFields) error { f.Name, f.Language = "王小明", "zh-Hant"; return nil })
	must(t, err)
	srv := mailtest.Start(t, mailtest.Options{User: "crm", Password: "pw"})
	sender, err := mail.New(mail.Config{URL: srv.URL, From: "Guanxi <crm@guanxi.test>"})
	must(t, err)
	svc := e.activities(activity.Options{Mailer: smtpMailer{sender}, BaseURL: "https://crm.example.com/"})
	ctx := e.as(author)
	e.salesPipeline("B2B")
	d := e.deal(ctx, sales.DealInput{DealFields: sales.DealFields{Name: "ERP 導入"}})

	body := "@Mary Chen and @bob@guanxi.test, please check.\n請@王小明 看一下；@nobody and mail@example.com are no one. @Author"
	note := e.activity(svc, ctx, activity.Input{Type: "note", RecordType: "deal", RecordID: d.ID, Fields: activity.Fields{Body: body}})
	if want := sortedIDs(mary.ID, ming.ID); !slices.Equal(note.MentionedUserIDs, want) {
		t.Fatalf("mentioned %v; want %v (Bob may not read the deal; the author is not told)", note.MentionedUserIDs, want)
	}
	if note.Body != body {
		t.Errorf("body changed: %q", note.Body)
	}
	check := func(u *account.User, want ...string) {
		t.Helper()
		var got []string
		for _, n := range e.notifications(svc, e.as(u)) {
			got = append(got, n.Kind+" "+n.Text)
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s's notifications %q; want %q", u.Name, got, want)
		}
	}
	check(mary, "activity.mention Author mentioned you on ERP 導入")
	check(ming, "activity.mention Author 在「ERP 導入」提到了您")
	check(bob)
	check(marianne)
	check(author)

	// An edit notifies only those newly mentioned.
	_, err = svc.Update(ctx, note.ID, 0, func(f *activity.Fields) error { f.Body += "\n@Mary: you too"; return nil })
	must(t, err)
	check(mary, "activity.mention Author mentioned you on ERP 導入")
	check(marianne, "activity.mention Author mentioned you on ERP 導入")
	read, err := svc.Get(ctx, note.ID)
	must(t, err)
	if want := sortedIDs(mary.ID, ming.ID, marianne.ID); !slices.Equal(read.MentionedUserIDs, want) {
		t.Errorf("mentioned after the edit %v; want %v", read.MentionedUserIDs, want)
	}

	// Each notification's email job delivers it once, in its reader's
	// language, through the SMTP server.
	emails := e.jobsOf(activity.JobEmail)
	if len(emails) != 3 {
		t.Fatalf("%d email jobs; want 3", len(emails))
	}
	for _, j := range append(emails, emails[0]) { // the first one twice: sent once
		var p activity.EmailPayload
		must(t, json.Unmarshal(j.Payload, &p))
		must(t, svc.DeliverEmail(e.sys, p.NotificationID))
	}
	got := srv.Wait(t, 3, 10*time.Second)
	time.Sleep(50 * time.Millisecond)
	if len(srv.Messages()) != 3 {
		t.Fatalf("%d emails; want 3", len(srv.Messages()))
	}
	byTo := map[string]*mailtest.Message{}
	for _, m := range got {
		byTo[m.To[0]] = m
	}
	zh := byTo[ming.Email]
	if zh == nil || zh.Subject() != "Author 在「ERP 導入」提到了您" || !strings.Contains(zh.Text, "請@王小明 看一下") ||
		!strings.Contains(zh.Text, fmt.Sprintf("在 Guanxi 關係中開啟：https://crm.example.com/deals/%d", d.ID)) {
		t.Errorf("王小明's email: %+v", zh)
	}
	if m := byTo[mary.Email]; m == nil || m.Subject() != "Author mentioned you on ERP 導入" || m.Header.Get("From") == "" {
		t.Errorf("Mary Chen's email: %+v", m)
	}
	for _, n := range e.notifications(svc, e.as(ming)) {
		if n.EmailedAt == nil {
			t.Errorf("notification %d not marked emailed", n.ID)
		}
	}
}

func sortedIDs(ids ...int64) []int64 {
	slices.Sort(ids)
	return ids
}

// smtpMailer sends through the mail package, as the app does.
type smtpMailer struct{ s *mail.Sender }

func (m smtpMailer) Send(ctx context.Context, em activity.Email) error {
	return m.s.Send(ctx, mail.Message{To: netmail.Address{Name: em.ToName, Address: em.To}, Subject: em.Subject, Text: em.Text})
}

func testActivityNotifications(t *testing.T, e *env) {
	north := e.team("North")
	boss := e.user("Boss", crm.RoleManager, north)
	agent := e.user("Agent", crm.RoleAgent, north)
	other := e.user("Other", crm.RoleAgent, north)
	svc := e.activities(activity.Options{})
	c := e.contact(e.as(boss), customer.ContactFields{DisplayName: "Customer", TeamID: &north.ID})
	for i := range 3 {
		e.activity(svc, e.as(boss), activity.Input{Type: "task", RecordType: "contact", RecordID: c.ID,
			Fields: activity.Fields{Subject: fmt.Sprintf("job %d", i), AssigneeID: &agent.ID, DueAt: ptr(e.now().Add(time.Hour))}})
		e.tick(time.Minute)
	}
	ctx := e.as(agent)
	all := e.notifications(svc, ctx)
	var texts []string
	for _, n := range all {
		texts = append(texts, n.Text)
	}
	if want := []string{"Boss gave you: job 2", "Boss gave you: job 1", "Boss gave you: job 0"}; !slices.Equal(texts, want) {
		t.Fatalf("notifications %q; want %q", texts, want)
	}
	if !strings.Contains(all[0].Body, "Due 2026-03-02 10:02 UTC") || all[0].Kind != activity.KindAssigned {
		t.Errorf("assignment %s", jsonOf(all[0]))
	}
	read, err := svc.MarkRead(ctx, all[1].ID)
	must(t, err)
	if read.ReadAt == nil || !read.ReadAt.Equal(e.now()) {
		t.Errorf("read at %v", read.ReadAt)
	}
	_, err = svc.MarkRead(e.as(other), all[0].ID)
	wantKind(t, err, crm.KindNotFound)
	_, err = svc.MarkRead(e.sys, all[0].ID)
	wantKind(t, err, crm.KindForbidden)
	unread, err := svc.Notifications(ctx, true, "", 10)
	must(t, err)
	if len(unread.Items) != 2 || unread.Total == nil || unread.Total.Value != 2 {
		t.Errorf("unread %d, total %+v", len(unread.Items), unread.Total)
	}
	n, err := svc.MarkAllRead(ctx)
	must(t, err)
	if n != 2 {
		t.Errorf("marked %d; want 2", n)
	}
	unread, err = svc.Notifications(ctx, true, "", 10)
	must(t, err)
	if len(unread.Items) != 0 || unread.Total.Value != 0 {
		t.Errorf("unread after marking all: %d", len(unread.Items))
	}
	// Reassigning tells the new assignee, and assigning to oneself nobody.
	first := walk(t, 10, func(cursor string) (crm.Page[*activity.Activity], error) {
		return svc.Tasks(ctx, activity.TaskFilter{Cursor: cursor, Limit: 10})
	})[0]
	_, err = svc.Update(ctx, first.ID, 0, func(f *activity.Fields) error { f.AssigneeID = &other.ID; return nil })
	must(t, err)
	if got := e.notifications(svc, e.as(other)); len(got) != 1 || got[0].Text != "Agent gave you: "+first.Subject {
		t.Errorf("the new assignee's notifications %s", jsonOf(got))
	}
	_, err = svc.Update(e.as(other), first.ID, 0, func(f *activity.Fields) error { f.AssigneeID = &other.ID; f.Subject = "x"; return nil })
	must(t, err)
	if got := e.notifications(svc, e.as(other)); len(got) != 1 {
		t.Errorf("notifications after a change of subject: %d", len(got))
	}
}

func testActivityFollowUpHook(t *testing.T, e *env) {
	type call struct {
		recordType string
		id         int64
		at         time.Time
	}
	var calls []call
	fail := false
	svc := e.activities(activity.Options{OnActivity: func(ctx context.Context, recordType string, id int64, at time.Time) error {
		calls = append(calls, call{recordType, id, at})
		if fail {
			return errors.New("the lead pool is down")
		}
		// The hook runs in the transaction of the change: what it reads
		// there includes the activity.
		page, err := e.st.ListActivities(ctx, activity.Query{RecordType: recordType, RecordIDs: []int64{id}, Limit: 10})
		if err != nil || len(page.Items) == 0 {
			return fmt.Errorf("the hook does not see the activity: %v", err)
		}
		return nil
	}})
	c := e.named("Lead-like")
	a := e.activity(svc, e.sys, task("contact", c.ID, "call them", nil))
	e.tick(time.Hour)
	_, err := svc.Update(e.sys, a.ID, 0, func(f *activity.Fields) error { f.Subject = "call them today"; return nil })
	must(t, err)
	_, err = svc.Update(e.sys, a.ID, 0, func(f *activity.Fields) error { f.Completed = true; return nil })
	must(t, err)
	want := []call{{"contact", c.ID, start}, {"contact", c.ID, start.Add(time.Hour)}}
	if fmt.Sprint(calls) != fmt.Sprint(want) {
		t.Errorf("hook calls %v; want %v (creation and completion only)", calls, want)
	}
	// An error of the hook undoes the change.
	fail = true
	_, err = svc.Create(e.sys, task("contact", c.ID, "rolled back", nil))
	if err == nil || !strings.Contains(err.Error(), "lead pool is down") {
		t.Fatalf("create with a failing hook: %v", err)
	}
	page, err := svc.ListFor(e.sys, "contact", c.ID, "", "", 10)
	must(t, err)
	if len(page.Items) != 1 {
		t.Errorf("%d activities after the failed create; want 1", len(page.Items))
	}
}

func testActivityCascades(t *testing.T, e *env) {
	agent := e.user("Agent", crm.RoleAgent)
	ctx := e.as(agent)
	svc := e.activities(activity.Options{})
	e.salesPipeline("B2B")
	d := e.deal(ctx, sales.DealInput{DealFields: sales.DealFields{Name: "deal"}})
	c := e.contact(ctx, customer.ContactFields{DisplayName: "Erase me"})
	onDeal := e.activity(svc, ctx, task("deal", d.ID, "on the deal", nil))
	onContact := e.activity(svc, e.sys, activity.Input{Type: "task", RecordType: "contact", RecordID: c.ID,
		Fields: activity.Fields{Subject: "on the contact", AssigneeID: &agent.ID}})
	if len(e.notifications(svc, ctx)) != 1 {
		t.Fatal("no notification of the assignment")
	}
	must(t, e.sales.DeleteDeal(ctx, d.ID, 0))
	_, err := svc.Get(ctx, onDeal.ID)
	wantKind(t, err, crm.KindNotFound)
	// The right to erasure: purging a contact erases its activities and
	// the notifications about them.
	must(t, e.cs.PurgeContact(e.sys, c.ID, "asked to be forgotten"))
	_, err = svc.Get(e.sys, onContact.ID)
	wantKind(t, err, crm.KindNotFound)
	if n := e.notifications(svc, ctx); len(n) != 0 {
		t.Errorf("notifications left: %s", jsonOf(n))
	}
}

func testActivityMergedContacts(t *testing.T, e *env) {
	svc := e.activities(activity.Options{})
	keep, gone := e.named("Keep"), e.named("Gone")
	e.activity(svc, e.sys, task("contact", gone.ID, "before the merge", nil))
	e.tick(time.Minute)
	_, err := e.cs.MergeContacts(e.sys, keep.ID, gone.ID, 0)
	must(t, err)
	// Activities logged on the merged contact land on the survivor.
	after := e.activity(svc, e.sys, task("contact", gone.ID, "after the merge", nil))
	if after.RecordID != keep.ID {
		t.Errorf("logged on %d; want the survivor %d", after.RecordID, keep.ID)
	}
	page, err := svc.ListFor(e.sys, "contact", keep.ID, "", "", 10)
	must(t, err)
	if got := subjects(page.Items); !slices.Equal(got, []string{"after the merge", "before the merge"}) {
		t.Errorf("the survivor's activities %v", got)
	}
}
