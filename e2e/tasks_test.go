package e2e_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/guanxi-crm/guanxi/internal/activity"
	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/i18n"
	"github.com/guanxi-crm/guanxi/internal/sales"
	"github.com/guanxi-crm/guanxi/internal/testenv"
)

// TestTasksUI plans a task with a due time on a deal's page (a form sent
// without a subject first: the error shows beside the field), finds it on
// "My tasks" in its group, marks it done there and sees the list empty: in
// English on the first store and in Traditional Chinese on the last, and on
// a 375 px phone.
func TestTasksUI(t *testing.T) {
	browserCtx := startBrowser(t)
	engines := testenv.AvailableEngines(t)
	for _, j := range []struct {
		lang, acceptLanguage, engine string
		width, height                int64
		name                         string
	}{
		{i18n.English, "en-GB,en;q=0.9", engines[0], 0, 0, "tasks/en/" + engines[0]},
		{i18n.Traditional, "zh-TW,zh;q=0.9,en;q=0.5", engines[len(engines)-1], 0, 0, "tasks/zh-Hant/" + engines[len(engines)-1]},
		{i18n.Traditional, "zh-TW", engines[0], 375, 740, "tasks-phone-375px"},
	} {
		t.Run(j.name, func(t *testing.T) {
			s := testenv.StartServer(t, j.engine)
			me := seed(t, s)
			b := seedBoard(t, s, j.lang, me)
			u := newTab(t, browserCtx, s, j.lang, j.acceptLanguage, slug(j.name), j.width, j.height)
			u.signIn()
			id := u.planATaskOnTheDeal(b.main)
			u.findItOnMyTasks(b.main, id)
			u.markItDone(id)
		})
	}
}

// taskSubject is the subject of the task the journey plans.
func (u *ui) taskSubject() string {
	if u.lang == i18n.English {
		return "Send the revised quote"
	}
	return "寄送修改後的報價單"
}

// planATaskOnTheDeal opens the deal, sends the activity form without a
// subject (refused beside the field), then with one and a due time: the
// deal's activities show it, and the store has it, due when the browser's
// clock said.
func (u *ui) planATaskOnTheDeal(d *sales.Deal) int64 {
	u.t.Helper()
	u.do("opening the deal", chromedp.Navigate(u.s.URL+"/deals/"+dealID(d)), chromedp.WaitVisible(chromedp.ID("activities")))
	u.ready()
	if got := u.text("no-activities"); got != u.msg("tasks.none_on_deal") {
		u.t.Errorf("a deal without activities says %q", got)
	}
	u.waitFor("the form open", `document.querySelector('details.log-activity').open`)
	u.checkPage("deal-activities")
	u.do("sending the form without a subject",
		chromedp.SetValue(chromedp.ID("act-due"), "2099-05-14T10:30"),
		chromedp.Click(chromedp.ID("activity-submit")))
	u.waitFor("the subject's error", `!!document.getElementById('act-subject-error')`)
	if got, want := u.text("act-subject-error"), i18n.Message(u.lang, "required", nil); got != want {
		u.t.Errorf("the subject's error says %q, want %q", got, want)
	}
	if got := run(u, "reading the due time kept", chromedp.Value(chromedp.ID("act-due"))); got != "2099-05-14T10:30" {
		u.t.Errorf("the refused form lost the due time: %q", got)
	}
	u.checkPage("deal-activity-error")
	u.do("writing the subject and sending",
		chromedp.SendKeys(chromedp.ID("act-subject"), u.taskSubject()),
		chromedp.SendKeys(chromedp.ID("act-body"), "含安裝費用 incl. installation"),
		chromedp.Click(chromedp.ID("activity-submit")))
	u.waitFor("the activity saved", `!!document.getElementById('activity-message')`)
	want := i18n.Message(u.lang, "tasks.logged", map[string]any{"subject": u.taskSubject()})
	if got := u.text("activity-message"); got != want {
		u.t.Errorf("after saving the deal says %q, want %q", got, want)
	}
	if got := u.text("activity-list"); !strings.Contains(got, u.taskSubject()) || !strings.Contains(got, "含安裝費用") {
		u.t.Errorf("the deal's activities are %q", got)
	}
	u.checkPage("deal-activity-saved")

	sys := crm.WithPrincipal(context.Background(), crm.System)
	list, err := u.s.Activities.ListFor(sys, activity.RecordDeal, d.ID, "", "", 10)
	if err != nil || len(list.Items) != 1 {
		u.t.Fatalf("the deal's activities: %v %v", list.Items, err)
	}
	a := list.Items[0]
	zone := run(u, "reading the browser's time zone", chromedp.Evaluate[string](`Intl.DateTimeFormat().resolvedOptions().timeZone`))
	loc, err := time.LoadLocation(zone)
	if err != nil {
		u.t.Fatalf("the browser's zone %q: %v", zone, err)
	}
	if due := time.Date(2099, 5, 14, 10, 30, 0, 0, loc); a.Type != activity.TypeTask || a.Subject != u.taskSubject() || a.DueAt == nil || !a.DueAt.Equal(due) {
		u.t.Errorf("the store has %q (%s) due %v, want due %v", a.Subject, a.Type, a.DueAt, due)
	}
	return a.ID
}

// findItOnMyTasks follows the nav to "My tasks": the task is among the
// later ones and leads to the deal.
func (u *ui) findItOnMyTasks(d *sales.Deal, id int64) {
	u.t.Helper()
	u.do("opening my tasks", chromedp.Click(chromedp.CSS(`nav a[href="/tasks"]`)), chromedp.WaitVisible(chromedp.ID("tasks-h")))
	u.ready()
	if got := u.text("tasks-upcoming"); !strings.Contains(got, u.taskSubject()) {
		u.t.Errorf("the later tasks are %q", got)
	}
	if got := u.text("none-overdue"); got != u.msg("tasks.none_overdue") {
		u.t.Errorf("the overdue group says %q", got)
	}
	link := run(u, "reading the task's link", chromedp.Evaluate[string](`document.querySelector('#task-`+strconv.FormatInt(id, 10)+` a.name').getAttribute('href')`))
	if link != "/deals/"+dealID(d) {
		u.t.Errorf("the task leads to %q", link)
	}
	u.checkPage("tasks")
}

// markItDone presses the task's button: its row says it is done, the store
// has it done, and after a reload the list is empty.
func (u *ui) markItDone(id int64) {
	u.t.Helper()
	row := "task-" + strconv.FormatInt(id, 10)
	u.do("marking the task done", chromedp.Click(chromedp.ID("done-"+strconv.FormatInt(id, 10))))
	u.waitFor("the row saying so", `document.getElementById('`+row+`').classList.contains('done')`)
	want := i18n.Message(u.lang, "tasks.completed", map[string]any{"subject": u.taskSubject()})
	if got := u.text(row); got != want {
		u.t.Errorf("the row says %q, want %q", got, want)
	}
	a, err := u.s.Activities.Get(crm.WithPrincipal(context.Background(), crm.System), id)
	if err != nil || a.CompletedAt == nil {
		u.t.Fatalf("the task is not done in the store: %v %v", a, err)
	}
	u.checkPage("tasks-done")
	u.do("reloading", chromedp.Reload(), chromedp.WaitVisible(chromedp.ID("tasks-h")))
	if got := u.text("tasks-empty"); !strings.Contains(got, u.msg("tasks.empty")) {
		u.t.Errorf("after the reload the list says %q", got)
	}
}
