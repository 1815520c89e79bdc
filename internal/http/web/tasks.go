package web

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/guanxi-crm/guanxi/internal/activity"
	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/i18n"
)

// "My tasks" (MISSION.md C6, package activity): the signed-in user's open
// tasks, calls and meetings, soonest due first, grouped into overdue, due
// today and later (with those without a due time), each leading to the
// record it is about and marked done with one post; their open deals that
// have no next step planned. Managers (and admins and viewers) also pick a
// rep and see that rep's overdue work and deals without a next step: the
// service decides whose lists a user may see, as the API's
// /activities/overdue and /activities/no-next-step do.
//
// "Today" is the user's day: the browser's time zone, which tasks.js keeps
// in a cookie (UTC until it has).

const (
	tasksPageSize = 50
	// tzCookie holds the browser's IANA time zone (tasks.js writes it).
	tzCookie = "guanxi_tz"
	// maxActivityForm bounds the activity form: a body of 10,000
	// characters of up to 4 bytes each, percent-encoded, and the rest.
	maxActivityForm = 128 << 10
)

// taskRow is an activity as the work lists show it.
type taskRow struct {
	*activity.Activity
	Link string // the page of its record
	// Record says what it is on: the kind of record, with its name when
	// the user may read the record ("On: Deal: 台積電 2027 年度採購").
	Record   string
	Assignee string
	Author   string
	// CanComplete shows the "Mark done" button: an open activity the
	// user may change (they are its assignee, or the list is their own
	// record's, as the service decides).
	CanComplete bool
	Overdue     bool
}

// dealRefRow is an open deal without a next step.
type dealRefRow struct {
	*activity.DealRef
	Close string
}

type tasksScreen struct {
	page
	Overdue, Today, Upcoming []taskRow
	Empty                    bool
	MoreURL                  string
	Message                  string
	NoStep                   []dealRefRow
	Currency                 string

	// A rep's lists, for those who may see other reps' work.
	Reps       []optionView
	Rep        int64
	RepName    string
	RepOverdue []taskRow
	RepNoStep  []dealRefRow
}

func (h *Web) tasksPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	p := principal(ctx)
	lang := h.lang(r)
	q := r.URL.Query()
	data := &tasksScreen{page: h.page(r, "tasks.title")}
	data.Nav = "tasks"
	users, err := h.salesUserNames(ctx)
	if err != nil {
		return err
	}
	loc := userZone(r)
	now := time.Now()
	page, err := h.deps.Activities.Tasks(ctx, activity.TaskFilter{Cursor: q.Get("cursor"), Limit: tasksPageSize})
	if err != nil {
		return err
	}
	local := now.In(loc)
	tomorrow := time.Date(local.Year(), local.Month(), local.Day()+1, 0, 0, 0, 0, loc)
	for _, a := range page.Items {
		row := h.taskRow(lang, p, users, a, true)
		switch {
		case a.DueAt != nil && a.DueAt.Before(now):
			row.Overdue = true
			data.Overdue = append(data.Overdue, row)
		case a.DueAt != nil && a.DueAt.Before(tomorrow):
			data.Today = append(data.Today, row)
		default:
			data.Upcoming = append(data.Upcoming, row)
		}
	}
	data.Empty = len(page.Items) == 0 && q.Get("cursor") == ""
	if page.Next != "" {
		data.MoreURL = "/tasks?cursor=" + url.QueryEscape(page.Next)
	}
	if id, err := strconv.ParseInt(q.Get("done"), 10, 64); err == nil && id > 0 {
		// The activity is read again for its subject; one that is gone
		// (or not the user's to see) gets no message.
		if a, err := h.deps.Activities.Get(ctx, id); err == nil {
			data.Message = i18n.Message(lang, "tasks.completed", map[string]any{"subject": subjectOf(lang, a)})
		}
	}
	if q.Get("cursor") == "" && p.UserID != 0 {
		if data.NoStep, err = h.noStepRows(ctx, lang, 0); err != nil {
			return err
		}
	}
	data.Currency = h.salesCurrency("")

	// A rep's lists.
	reps := visibleReps(p, users)
	if len(reps) > 0 {
		rep, err := salesQueryID(r, "rep")
		if err != nil {
			return err
		}
		data.Reps = append(data.Reps, optionView{Value: "", Label: i18n.Message(lang, "tasks.pick_rep", nil), Selected: rep == 0})
		for _, id := range reps {
			data.Reps = append(data.Reps, optionView{Value: strconv.FormatInt(id, 10), Label: users[id], Selected: id == rep})
		}
		if rep != 0 {
			data.Rep, data.RepName = rep, users.name(lang, &rep)
			overdue, err := h.deps.Activities.Tasks(ctx, activity.TaskFilter{AssigneeID: rep, Due: activity.DueOverdue, Limit: tasksPageSize})
			if err != nil {
				return err
			}
			for _, a := range overdue.Items {
				row := h.taskRow(lang, p, users, a, false)
				row.Overdue = true
				data.RepOverdue = append(data.RepOverdue, row)
			}
			if data.RepNoStep, err = h.noStepRows(ctx, lang, rep); err != nil {
				return err
			}
		}
	}
	if err := h.nameRecords(ctx, lang, data.Overdue, data.Today, data.Upcoming, data.RepOverdue); err != nil {
		return err
	}
	h.render(w, r, http.StatusOK, "tasks", "page", data)
	return nil
}

// noStepRows lists a rep's (0: the user's) open deals without a next step.
func (h *Web) noStepRows(ctx context.Context, lang string, rep int64) ([]dealRefRow, error) {
	page, err := h.deps.Activities.WithoutNextStep(ctx, rep, "", tasksPageSize)
	if err != nil {
		return nil, err
	}
	out := make([]dealRefRow, 0, len(page.Items))
	for _, d := range page.Items {
		row := dealRefRow{DealRef: d}
		if d.ExpectedCloseOn != "" {
			row.Close = salesDayText(lang, d.ExpectedCloseOn)
		}
		out = append(out, row)
	}
	return out, nil
}

// visibleReps are the users, other than p, whose work p may see, by name:
// everyone for those who read every record, a manager's team members, and
// nobody for an agent.
func visibleReps(p *crm.Principal, users salesUsers) []int64 {
	var ids []int64
	if scope := p.ReadScope(); scope == nil {
		for id := range users {
			ids = append(ids, id)
		}
	} else if p.Role == crm.RoleManager {
		ids = scope.OwnerIDs
	}
	ids = slices.DeleteFunc(slices.Clone(ids), func(id int64) bool {
		_, known := users[id]
		return id == p.UserID || !known
	})
	return salesSortedByName(ids, users)
}

// taskRow makes the row of an activity. mine says the list is the user's
// own: they are the assignee, whom the service lets complete it.
func (h *Web) taskRow(lang string, p *crm.Principal, users salesUsers, a *activity.Activity, mine bool) taskRow {
	row := taskRow{Activity: a, Link: recordLink(a.RecordType, a.RecordID), Record: recordText(lang, a.RecordType, ""),
		Assignee: users.name(lang, a.AssigneeID), Author: users.name(lang, a.CreatedBy)}
	row.CanComplete = a.Open() && p.CanWrite() && mine
	return row
}

// nameRecords names the records of rows that the user may read, in one
// lookup for every list of a screen: the service reads the names a record
// type at a time, never a row at a time, and leaves out those the user may
// not see, whose rows keep the kind alone.
func (h *Web) nameRecords(ctx context.Context, lang string, lists ...[]taskRow) error {
	var acts []*activity.Activity
	for _, rows := range lists {
		for _, row := range rows {
			acts = append(acts, row.Activity)
		}
	}
	if len(acts) == 0 {
		return nil
	}
	names, err := h.deps.Activities.RecordNames(ctx, acts)
	if err != nil {
		return err
	}
	for _, rows := range lists {
		for i := range rows {
			rows[i].Record = recordText(lang, rows[i].RecordType, names[activity.KeyOf(rows[i].Activity)])
		}
	}
	return nil
}

// recordText says what record an activity is on: its kind, and its name
// when there is one to show.
func recordText(lang, recordType, name string) string {
	record := label(lang, "tasks.record", recordType)
	if name != "" {
		record = i18n.Message(lang, "tasks.record_named", map[string]any{"kind": record, "name": name})
	}
	return i18n.Message(lang, "tasks.on_record", map[string]any{"record": record})
}

// recordLink is the page of the record an activity is on.
func recordLink(recordType string, id int64) string {
	base := map[string]string{activity.RecordContact: "/customers/", activity.RecordCompany: "/companies/",
		activity.RecordDeal: "/deals/", activity.RecordLead: "/leads/"}[recordType]
	if base == "" {
		return ""
	}
	return base + strconv.FormatInt(id, 10)
}

// subjectOf is what names an activity in a message: its subject, else the
// start of its body (a note).
func subjectOf(lang string, a *activity.Activity) string {
	if a.Subject != "" {
		return a.Subject
	}
	if r := []rune(strings.TrimSpace(a.Body)); len(r) > 0 {
		if len(r) > 40 {
			return string(r[:40]) + "…"
		}
		return string(r)
	}
	return i18n.Message(lang, "tasks.untitled", nil)
}

// completeTask marks an activity done, as its assignee or someone who may
// change its record (the service decides). htmx swaps the row for a line
// that says so; a plain form goes back where it came from.
func (h *Web) completeTask(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := parseForm(w, r, 4<<10); err != nil {
		return err
	}
	a, err := h.deps.Activities.Update(r.Context(), id, 0, func(f *activity.Fields) error {
		f.Completed = true
		return nil
	})
	if err != nil {
		return err
	}
	lang := h.lang(r)
	if isFragment(r) {
		data := &taskDone{page: h.page(r, ""), ID: a.ID,
			Message: i18n.Message(lang, "tasks.completed", map[string]any{"subject": subjectOf(lang, a)})}
		h.render(w, r, http.StatusOK, "tasks", "task-done", data)
		return nil
	}
	back := localPath(r.PostForm.Get("back"))
	if back == "" {
		back = "/tasks"
	}
	http.Redirect(w, r, withParam(back, "done", strconv.FormatInt(a.ID, 10)), http.StatusSeeOther)
	return nil
}

// taskDone is the line that replaces a completed activity's row.
type taskDone struct {
	page
	ID      int64
	Message string
}

// withParam sets a query parameter of a local path, keeping its fragment.
func withParam(path, name, value string) string {
	u, err := url.Parse(path)
	if err != nil {
		return path
	}
	q := u.Query()
	q.Set(name, value)
	u.RawQuery = q.Encode()
	return u.RequestURI() + func() string {
		if u.Fragment != "" {
			return "#" + u.Fragment
		}
		return ""
	}()
}

// userZone is the browser's time zone as tasks.js recorded it, else UTC.
func userZone(r *http.Request) *time.Location {
	if c, err := r.Cookie(tzCookie); err == nil && c.Value != "" && len(c.Value) <= 64 {
		if name, err := url.QueryUnescape(c.Value); err == nil {
			if loc, err := time.LoadLocation(name); err == nil {
				return loc
			}
		}
	}
	return time.UTC
}

// noStepView is a table of deals without a next step.
type noStepView struct {
	Rows     []dealRefRow
	Currency string
	ID       string
}

func (d *tasksScreen) NoStepView() noStepView {
	return noStepView{Rows: d.NoStep, Currency: d.Currency, ID: "no-step-list"}
}

func (d *tasksScreen) RepNoStepView() noStepView {
	return noStepView{Rows: d.RepNoStep, Currency: d.Currency, ID: "rep-no-step"}
}

// tasksDue is the dashboard's card of the user's work: how many of their
// activities are overdue and how many more are due today, and the first of
// them.
type tasksDue struct {
	Shown          bool
	Overdue, Today string // counts; "100+" past what one page holds
	Any            bool
	// Rows are the soonest due, overdue first, as "My tasks" shows them.
	Rows []taskRow
}

// dashboardTaskRows is how many activities the dashboard's card lists.
const dashboardTaskRows = 5

// dashboardTasks counts the user's activities overdue and due today (in
// the browser's time zone) for the dashboard, and lists the first few.
func (h *Web) dashboardTasks(r *http.Request) (tasksDue, error) {
	ctx := r.Context()
	p := principal(ctx)
	if h.deps.Activities == nil || p == nil || p.System || p.UserID == 0 {
		return tasksDue{}, nil
	}
	const most = 100
	lang := h.lang(r)
	var rows []taskRow
	count := func(due string) (string, int, error) {
		page, err := h.deps.Activities.Tasks(ctx, activity.TaskFilter{Due: due, Location: userZone(r), Limit: most})
		if err != nil {
			return "", 0, err
		}
		now := time.Now()
		n := 0
		for _, a := range page.Items {
			// Today's list holds those of today already overdue: they
			// are counted, and listed, as overdue.
			if due == activity.DueToday && a.DueAt.Before(now) {
				continue
			}
			n++
			if len(rows) < dashboardTaskRows {
				rows = append(rows, taskRow{Activity: a, Link: recordLink(a.RecordType, a.RecordID),
					Overdue: due == activity.DueOverdue})
			}
		}
		text := strconv.Itoa(n)
		if page.Next != "" {
			text += "+"
		}
		return text, n, nil
	}
	out := tasksDue{Shown: true}
	var n1, n2 int
	var err error
	if out.Overdue, n1, err = count(activity.DueOverdue); err != nil {
		return out, err
	}
	if out.Today, n2, err = count(activity.DueToday); err != nil {
		return out, err
	}
	out.Any = n1+n2 > 0
	if err := h.nameRecords(ctx, lang, rows); err != nil {
		return out, err
	}
	out.Rows = rows
	return out, nil
}

// perDeal writes the activities-per-deal KPI with one decimal, "–" for
// none.
func perDeal(v *float64) string {
	if v == nil {
		return "–"
	}
	return strconv.FormatFloat(*v, 'f', 1, 64)
}
