package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/guanxi-crm/guanxi/internal/account"
	"github.com/guanxi-crm/guanxi/internal/activity"
	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/lead"
	"github.com/guanxi-crm/guanxi/internal/sales"
	"github.com/guanxi-crm/guanxi/internal/testenv"
)

// TestTasks walks the work lists on each store: logging activities on a
// deal's page (and what is wrong with a form, shown beside its field), "My
// tasks" grouped by when they are due, marking one done as a plain form and
// as htmx, the dashboard's card, a manager's view of a rep, and what
// another agent may not see or do.
func TestTasks(t *testing.T) {
	for _, engine := range testenv.AvailableEngines(t) {
		t.Run(engine, func(t *testing.T) { testTasks(t, engine) })
	}
}

var loggedURL = regexp.MustCompile(`^/deals/(\d+)\?logged=(\d+)#activities$`)

func testTasks(t *testing.T, engine string) {
	s := startServerOn(t, engine)
	sys := crm.WithPrincipal(context.Background(), crm.System)
	seed := seedSales(t, s)
	deal := seed.agentDeal
	dealPath := "/deals/" + idStr(deal.ID)
	team, err := s.Accounts.CreateTeam(sys, account.TeamFields{Name: "北區"})
	if err != nil {
		t.Fatal(err)
	}
	var managerID int64
	for _, u := range []account.UserFields{
		{Email: "manager@example.com", Name: "Manager", Role: crm.RoleManager},
		{Email: "agent2@example.com", Name: "Agent Two", Role: crm.RoleAgent},
	} {
		created, err := s.Accounts.CreateUser(sys, u, password)
		if err != nil {
			t.Fatal(err)
		}
		if u.Role == crm.RoleManager {
			managerID = created.ID
		}
	}
	for _, id := range []int64{managerID, seed.agentID} {
		if _, err := s.Accounts.SetTeamMember(sys, team.ID, id, true); err != nil {
			t.Fatal(err)
		}
	}
	as := func(email string) context.Context {
		p, err := s.Accounts.PrincipalFor(sys, email)
		if err != nil {
			t.Fatal(err)
		}
		return crm.WithPrincipal(context.Background(), p)
	}

	agent := newBrowser(t, s, "en")
	agent.signIn("agent@example.com", password)
	expect(t, agent.get("/tasks"), 200, `id="tasks-empty"`, "You have no open tasks, calls or meetings.",
		`<a href="/tasks" aria-current="page">My tasks</a>`)
	if p := agent.get("/tasks"); strings.Contains(p.Body, `id="reps"`) {
		t.Error("an agent is offered other reps' lists")
	}
	// The deal has no next step yet: it is on the agent's list.
	expect(t, agent.get("/tasks"), 200, `id="no-step-list"`, `<a href="`+dealPath+`">伺服器採購案</a>`)

	// The deal page: no activities yet, and the form.
	expect(t, agent.get(dealPath), 200, `id="activities"`, "No activities on this deal yet.", `id="activity-form"`,
		`<option value="task" selected>Task</option>`, `<option value="" selected>Me</option>`, `<option value="`+idStr(managerID)+`">Manager</option>`, "tasks.js")
	if p := agent.get(dealPath); strings.Contains(p.Body, "Agent Two") {
		t.Error("the form offers to give the task to someone who may not see the deal")
	}

	// What is wrong is said beside the field, and the form keeps what was
	// typed.
	p := agent.post(dealPath+"/activities", url.Values{"type": {"task"}, "subject": {""}, "body": {"寄送報價單"}})
	expect(t, p, http.StatusUnprocessableEntity, `id="act-subject-error"`, "This field is required.", `aria-invalid="true"`,
		`id="activity-errors"`, ">寄送報價單</textarea>", `<h1 id="deal-name">伺服器採購案</h1>`)
	p = agent.post(dealPath+"/activities", url.Values{"type": {"task"}, "subject": {"Call back"}, "due": {"next Tuesday"}})
	expect(t, p, http.StatusUnprocessableEntity, `id="act-due-error"`, "Enter a date and time.", `value="next Tuesday"`)
	p = agent.post(dealPath+"/activities", url.Values{"type": {"note"}, "body": {"x"}, "due": {"2026-01-02T10:00"}},
		"HX-Request", "true", "HX-Target", "activities")
	expect(t, p, http.StatusUnprocessableEntity, `id="act-due-error"`, "A note does not take this field.")
	if strings.Contains(p.Body, "<html") {
		t.Error("htmx gets a whole page for a refused form")
	}
	p = agent.post(dealPath+"/activities", url.Values{"type": {"task"}, "subject": {"x"}, "assignee": {idStr(userID(t, s, "agent2@example.com"))}})
	expect(t, p, http.StatusUnprocessableEntity, `id="act-assignee-error"`, "may not see this record")
	if list, err := s.Activities.ListFor(sys, activity.RecordDeal, deal.ID, "", "", 10); err != nil || len(list.Items) != 0 {
		t.Fatalf("refused forms saved activities: %v %v", list.Items, err)
	}

	// An overdue task, as a plain form: back to the page, which says so.
	p = agent.post(dealPath+"/activities", url.Values{"type": {"task"}, "subject": {"寄送報價單"}, "body": {"含安裝費用"},
		"due": {"2020-01-02T09:30"}, "assignee": {""}})
	m := loggedURL.FindStringSubmatch(p.Location)
	if p.Status != http.StatusSeeOther || m == nil {
		t.Fatalf("log: %d %q\n%s", p.Status, p.Location, p.Body)
	}
	overdueID, _ := strconv.ParseInt(m[2], 10, 64)
	a, err := s.Activities.Get(sys, overdueID)
	if err != nil {
		t.Fatal(err)
	}
	if a.Type != "task" || a.RecordType != "deal" || a.RecordID != deal.ID || a.Subject != "寄送報價單" || a.DueAt == nil ||
		!a.DueAt.Equal(time.Date(2020, 1, 2, 9, 30, 0, 0, time.UTC)) || a.AssigneeID == nil || *a.AssigneeID != seed.agentID {
		t.Errorf("the task saved is %+v", a)
	}
	expect(t, agent.get(p.Location), 200, `id="activity-message"`, "Saved: 寄送報價單", `id="activity-`+m[2]+`"`, "含安裝費用",
		`action="/tasks/`+m[2]+`/done"`)

	// A meeting later, for the manager, in Taipei time, through htmx: the
	// part comes back with the meeting first and the form empty.
	tz := []string{"HX-Request", "true", "HX-Target", "activities", "Cookie", "guanxi_tz=Asia%2FTaipei"}
	p = agent.post(dealPath+"/activities", url.Values{"type": {"meeting"}, "subject": {"Demo at the customer"},
		"due": {"2099-05-04T14:00"}, "remind": {"2099-05-04T09:00"}, "assignee": {idStr(managerID)}}, tz...)
	expect(t, p, 200, `<section class="card" aria-labelledby="activities-h" id="activities">`, "Saved: Demo at the customer", `id="act-subject" name="subject" type="text" maxlength="200" value=""`)
	if strings.Contains(p.Body, "<html") || strings.Index(p.Body, "Demo at the customer</span>") > strings.Index(p.Body, "寄送報價單</span>") {
		t.Errorf("htmx gets a page, or the list is not newest first:\n%s", p.Body)
	}
	list, err := s.Activities.ListFor(sys, activity.RecordDeal, deal.ID, "", "", 10)
	if err != nil || len(list.Items) != 2 {
		t.Fatalf("activities %v %v", list.Items, err)
	}
	meeting := list.Items[0]
	if meeting.DueAt == nil || !meeting.DueAt.Equal(time.Date(2099, 5, 4, 6, 0, 0, 0, time.UTC)) ||
		meeting.RemindAt == nil || !meeting.RemindAt.Equal(time.Date(2099, 5, 4, 1, 0, 0, 0, time.UTC)) ||
		meeting.AssigneeID == nil || *meeting.AssigneeID != managerID {
		t.Errorf("the meeting is due %v, reminds %v, assigned to %v", meeting.DueAt, meeting.RemindAt, meeting.AssigneeID)
	}
	// The manager was told of it.
	if n, err := s.Activities.Notifications(as("manager@example.com"), true, "", 10); err != nil || len(n.Items) != 1 ||
		n.Items[0].Kind != activity.KindAssigned {
		t.Errorf("the manager's notifications: %v %v", n.Items, err)
	}
	// A note mentioning the owner notifies them, as the API's does.
	p = agent.post(dealPath+"/activities", url.Values{"type": {"note"}, "body": {"@Owner 請看報價"}})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("note: %d\n%s", p.Status, p.Body)
	}
	if n, err := s.Activities.Notifications(as("owner@example.com"), true, "", 10); err != nil || len(n.Items) != 1 ||
		n.Items[0].Kind != activity.KindMention {
		t.Errorf("the owner's notifications: %v %v", n.Items, err)
	}

	// My tasks: the overdue task first, the meeting is the manager's.
	p = agent.get("/tasks")
	expect(t, p, 200, `id="tasks-overdue"`, `<a class="name" href="`+dealPath+`">寄送報價單</a>`, `id="none-today"`, `id="none-upcoming"`,
		`action="/tasks/`+m[2]+`/done"`, "On: Deal")
	if strings.Contains(p.Body, "Demo at the customer") {
		t.Error("the agent's list shows the manager's meeting")
	}
	// The dashboard counts it.
	expect(t, agent.get("/"), 200, `id="tasks-due"`, `<a href="/tasks#overdue" id="tasks-due-overdue">1 overdue</a>`, "0 due today")

	// Another agent neither sees nor completes it.
	other := newBrowser(t, s, "en")
	other.signIn("agent2@example.com", password)
	expect(t, other.get("/tasks"), 200, `id="tasks-empty"`)
	expect(t, other.get("/"), 200, `id="tasks-due-none"`)
	expect(t, other.post("/tasks/"+m[2]+"/done", url.Values{}), http.StatusForbidden)
	expect(t, other.get(dealPath), http.StatusForbidden)
	expect(t, other.post(dealPath+"/activities", url.Values{"type": {"task"}, "subject": {"mine now"}}), http.StatusForbidden)
	if a, err := s.Activities.Get(sys, overdueID); err != nil || a.CompletedAt != nil {
		t.Fatalf("another agent completed the task: %v %v", a, err)
	}

	// The manager sees the rep's overdue work.
	manager := newBrowser(t, s, "zh-Hant")
	manager.signIn("manager@example.com", password)
	p = manager.get("/tasks?rep=" + idStr(seed.agentID))
	expect(t, p, 200, `id="reps"`, `<option value="`+idStr(seed.agentID)+`" selected>Agent</option>`, `id="rep-overdue"`, "寄送報價單",
		"Agent的逾期待辦", `id="upcoming"`, "Demo at the customer", "我的待辦")
	if strings.Contains(p.Body, "Agent Two") {
		t.Error("the manager is offered a rep outside their team")
	}
	expect(t, manager.get("/tasks?rep="+idStr(userID(t, s, "agent2@example.com"))), http.StatusForbidden)

	// Done, as a plain form: back to the list, which says so.
	p = agent.post("/tasks/"+m[2]+"/done", url.Values{})
	if p.Status != http.StatusSeeOther || p.Location != "/tasks?done="+m[2] {
		t.Fatalf("done: %d %q\n%s", p.Status, p.Location, p.Body)
	}
	expect(t, agent.get(p.Location), 200, "“寄送報價單” is done.", `id="tasks-empty"`)
	if a, err := s.Activities.Get(sys, overdueID); err != nil || a.CompletedAt == nil || a.CompletedBy == nil || *a.CompletedBy != seed.agentID {
		t.Fatalf("the task is not done: %+v %v", a, err)
	}
	// The deal's page shows it done, with no button.
	p = agent.get(dealPath)
	expect(t, p, 200, `id="activity-`+m[2]+`"`, "Done")
	if strings.Contains(p.Body, `action="/tasks/`+m[2]+`/done"`) {
		t.Error("a done task still has its button")
	}
	// The deal now has only the manager's meeting ahead: a next step.
	if p := agent.get("/tasks"); strings.Contains(p.Body, `<a href="`+dealPath+`">`) {
		t.Error("a deal with a meeting ahead is listed without a next step")
	}

	// The manager marks the meeting done through htmx, from the deal page
	// (back there without htmx).
	p = manager.post("/tasks/"+idStr(meeting.ID)+"/done", url.Values{"back": {dealPath + "#activities"}}, "HX-Request", "true", "HX-Target", "task-"+idStr(meeting.ID))
	expect(t, p, 200, `<li class="row task done" id="task-`+idStr(meeting.ID)+`">`, "「Demo at the customer」已完成。")
	// Then nothing is planned on the deal: the manager sees it on the rep's
	// list of deals without a next step.
	expect(t, manager.get("/tasks?rep="+idStr(seed.agentID)), 200, `id="rep-no-step"`, `<a href="`+dealPath+`">伺服器採購案</a>`, `id="rep-none"`)

	// A viewer reads the activities but gets no form.
	viewer := newBrowser(t, s, "en")
	viewer.signIn("viewer@example.com", password)
	p = viewer.get(dealPath)
	expect(t, p, 200, `id="activity-list"`, "Demo at the customer")
	if strings.Contains(p.Body, `id="activity-form"`) || strings.Contains(p.Body, "/done\"") {
		t.Error("a viewer is offered to log or complete activities")
	}
}

// TestDealActivitiesPage pages the deal's activities: ten at a time, the
// next ten through the "more" button or, without JavaScript, the page.
func TestDealActivitiesPage(t *testing.T) {
	s := startServer(t)
	seed := seedSales(t, s)
	dealPath := "/deals/" + idStr(seed.agentDeal.ID)
	owner, err := s.Accounts.PrincipalFor(crm.WithPrincipal(context.Background(), crm.System), "owner@example.com")
	if err != nil {
		t.Fatal(err)
	}
	ctx := crm.WithPrincipal(context.Background(), owner)
	for i := 1; i <= 12; i++ {
		if _, err := s.Activities.Create(ctx, activity.Input{Type: "call", RecordType: "deal", RecordID: seed.agentDeal.ID,
			Fields: activity.Fields{Subject: "Call " + strconv.Itoa(i), Completed: true}}); err != nil {
			t.Fatal(err)
		}
	}
	b := newBrowser(t, s, "en")
	b.signIn("owner@example.com", password)
	p := b.get(dealPath)
	expect(t, p, 200, "Call 12</span>", "Call 3</span>", `id="activities-more"`)
	if strings.Contains(p.Body, "Call 2</span>") {
		t.Error("the page shows more than ten")
	}
	more := regexp.MustCompile(`href="([^"]+)" hx-get="([^"]+)"[^>]*id="activities-more"`).FindStringSubmatch(p.Body)
	if more == nil {
		t.Fatal("no more link")
	}
	next := b.get(strings.ReplaceAll(more[2], "&amp;", "&"), "HX-Request", "true")
	expect(t, next, 200, "Call 2</span>", "Call 1</span>")
	if strings.Contains(next.Body, "Call 3</span>") || strings.Contains(next.Body, "<html") || strings.Contains(next.Body, "activities-more") {
		t.Errorf("the next page:\n%s", next.Body)
	}
	plain := b.get(strings.ReplaceAll(more[1], "&amp;", "&"))
	expect(t, plain, 200, "Call 2</span>", `<h1 id="deal-name">`)
}

// TestForecastActivitiesPerDeal shows the KPI on the forecast: the
// activities of the deals closed in the quarter over those deals.
func TestForecastActivitiesPerDeal(t *testing.T) {
	s := startServer(t)
	seed := seedSales(t, s)
	sys := crm.WithPrincipal(context.Background(), crm.System)
	b := newBrowser(t, s, "zh-Hant")
	b.signIn("owner@example.com", password)
	expect(t, b.get("/forecast"), 200, "每筆商機活動數", `id="kpi-activities">–</dd>`, "活動 0 項；結案商機 0 筆")
	for _, typ := range []string{"call", "note", "meeting"} {
		if _, err := s.Activities.Create(sys, activity.Input{Type: typ, RecordType: "deal", RecordID: seed.agentDeal.ID,
			Fields: activity.Fields{Subject: typ, Body: "…"}}); err != nil {
			t.Fatal(err)
		}
	}
	// An open deal's activities do not count.
	if _, err := s.Activities.Create(sys, activity.Input{Type: "task", RecordType: "deal", RecordID: seed.ownDeal.ID,
		Fields: activity.Fields{Subject: "open"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Sales.MoveDeal(sys, seed.agentDeal.ID, 0, sales.MoveInput{StageID: seed.won.ID}); err != nil {
		t.Fatal(err)
	}
	expect(t, b.get("/forecast"), 200, `id="kpi-activities">3.0</dd>`, "活動 3 項；結案商機 1 筆")
}

// TestTaskRecordNames names the record of each task, on each store: an
// agent sees "Customer: 陳志明", "Deal: 伺服器採購案" … on "My tasks", the
// dashboard's card and the deal page, in their language; a task assigned
// to them on a record that has since passed to someone else shows the kind
// of record alone, never its name.
func TestTaskRecordNames(t *testing.T) {
	for _, engine := range testenv.AvailableEngines(t) {
		t.Run(engine, func(t *testing.T) { testTaskRecordNames(t, engine) })
	}
}

func testTaskRecordNames(t *testing.T, engine string) {
	s := startServerOn(t, engine)
	sys := crm.WithPrincipal(context.Background(), crm.System)
	seed := seedSales(t, s)
	agentP, err := s.Accounts.PrincipalFor(sys, "agent@example.com")
	if err != nil {
		t.Fatal(err)
	}
	asAgent := crm.WithPrincipal(context.Background(), agentP)
	l, err := s.Leads.CreateLead(asAgent, lead.LeadInput{LeadFields: lead.LeadFields{Name: "林小姐", Email: "lin@example.com"}})
	if err != nil {
		t.Fatal(err)
	}
	secret, err := s.Customers.CreateContact(asAgent, customer.ContactFields{DisplayName: "機密客戶"}, customer.WriteOptions{Source: "test"})
	if err != nil {
		t.Fatal(err)
	}
	overdue, later := time.Date(2020, 1, 2, 9, 0, 0, 0, time.UTC), time.Date(2099, 1, 2, 9, 0, 0, 0, time.UTC)
	ids := map[string]int64{}
	for _, tc := range []struct {
		subject, recordType string
		recordID            int64
		due                 time.Time
	}{
		{"Call 陳志明", "contact", seed.contactID, later},
		{"Visit the company", "company", seed.companyID, later},
		{"Send the quote", "deal", seed.agentDeal.ID, overdue},
		{"Qualify the lead", "lead", l.ID, later},
		{"Secret follow-up", "contact", secret.ID, overdue},
	} {
		a, err := s.Activities.Create(asAgent, activity.Input{Type: "task", RecordType: tc.recordType, RecordID: tc.recordID,
			Fields: activity.Fields{Subject: tc.subject, DueAt: &tc.due}})
		if err != nil {
			t.Fatal(err)
		}
		ids[tc.subject] = a.ID
	}
	// The contact passes to the owner: the task stays the agent's to do,
	// the contact is no longer theirs to see.
	owner := userID(t, s, "owner@example.com")
	if _, err := s.Customers.UpdateContact(sys, secret.ID, 0, func(f *customer.ContactFields) error {
		f.OwnerID, f.TeamID = &owner, nil
		return nil
	}, customer.WriteOptions{Source: "test"}); err != nil {
		t.Fatal(err)
	}
	row := func(p *page, prefix, subject string) string {
		t.Helper()
		m := regexp.MustCompile(`(?s)<li class="row task[^"]*" id="` + prefix + idStr(ids[subject]) + `">.*?</li>`).FindString(p.Body)
		if m == "" {
			t.Fatalf("no row of %q\n%s", subject, p.Body)
		}
		return m
	}
	noLeak := func(p *page) {
		t.Helper()
		if strings.Contains(p.Body, "機密客戶") {
			t.Errorf("the page names a record the agent may not read:\n%s", p.Body)
		}
	}

	agent := newBrowser(t, s, "en")
	agent.signIn("agent@example.com", password)
	p := agent.get("/tasks")
	expect(t, p, 200)
	for subject, want := range map[string]string{
		"Call 陳志明":          `<span class="record">On: Customer: 陳志明</span>`,
		"Visit the company": `<span class="record">On: Company: 台積電子股份有限公司</span>`,
		"Send the quote":    `<span class="record">On: Deal: 伺服器採購案</span>`,
		"Qualify the lead":  `<span class="record">On: Lead: 林小姐</span>`,
		"Secret follow-up":  `<span class="record">On: Customer</span>`,
	} {
		if got := row(p, "task-", subject); !strings.Contains(got, want) {
			t.Errorf("the row of %q lacks %q:\n%s", subject, want, got)
		}
	}
	// The secret task still leads to its record's page, as before; the
	// page itself refuses the agent.
	expect(t, p, 200, `<a class="name" href="/customers/`+idStr(secret.ID)+`">Secret follow-up</a>`)
	noLeak(p)

	// The dashboard's card lists the overdue ones the same way.
	p = agent.get("/")
	expect(t, p, 200, `id="tasks-due-list"`, `<a href="/tasks#overdue" id="tasks-due-overdue">2 overdue</a>`)
	if got := row(p, "due-task-", "Send the quote"); !strings.Contains(got, `<span class="record">On: Deal: 伺服器採購案</span>`) {
		t.Errorf("the card's row of the deal's task:\n%s", got)
	}
	if got := row(p, "due-task-", "Secret follow-up"); !strings.Contains(got, `<span class="record">On: Customer</span>`) {
		t.Errorf("the card's row of the secret task:\n%s", got)
	}
	if strings.Contains(p.Body, "Call 陳志明") {
		t.Error("the card lists a task due neither before nor today")
	}
	noLeak(p)

	// The deal page's activities are all on that deal: they do not say so.
	p = agent.get("/deals/" + idStr(seed.agentDeal.ID))
	expect(t, p, 200, `id="activity-`+idStr(ids["Send the quote"])+`"`)
	if strings.Contains(p.Body, `<span class="record">`) {
		t.Error("the deal page's activities name the deal they are on")
	}

	// In Chinese, the name is quoted in the reader's script.
	zh := newBrowser(t, s, "zh-Hant")
	zh.signIn("agent@example.com", password)
	p = zh.get("/tasks")
	expect(t, p, 200, `<span class="record">所屬：商機「伺服器採購案」</span>`, `<span class="record">所屬：客戶「陳志明」</span>`,
		`<span class="record">所屬：潛在客戶「林小姐」</span>`)
	if got := row(p, "task-", "Secret follow-up"); !strings.Contains(got, `<span class="record">所屬：客戶</span>`) {
		t.Errorf("the secret task's row in Chinese:\n%s", got)
	}
	noLeak(p)
	zhs := newBrowser(t, s, "zh-Hans")
	zhs.signIn("agent@example.com", password)
	expect(t, zhs.get("/"), 200, `<span class="record">所属：商机“伺服器採購案”</span>`, `<span class="record">所属：客户</span>`)

	// The admin, who may read every record, sees the agent's overdue
	// work with every name, the contact's too.
	admin := newBrowser(t, s, "en")
	admin.signIn("owner@example.com", password)
	p = admin.get("/tasks?rep=" + idStr(seed.agentID))
	expect(t, p, 200, `id="rep-overdue"`)
	for subject, want := range map[string]string{
		"Send the quote":   `<span class="record">On: Deal: 伺服器採購案</span>`,
		"Secret follow-up": `<span class="record">On: Customer: 機密客戶</span>`,
	} {
		if got := row(p, "task-", subject); !strings.Contains(got, want) {
			t.Errorf("the admin's row of %q lacks %q:\n%s", subject, want, got)
		}
	}
}
