package web

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/guanxi-crm/guanxi/internal/account"
	"github.com/guanxi-crm/guanxi/internal/activity"
	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/i18n"
	"github.com/guanxi-crm/guanxi/internal/sales"
)

// The deal page's activities: the tasks, calls, meetings and notes logged
// on the deal, newest first, a page at a time, and the form that logs or
// plans one (package activity decides who may, notifies the assignee and
// the colleagues a note mentions, and schedules the reminder). Due and
// reminder times are typed in the browser's time zone (userZone).

// dealActivitiesPageSize is how many activities the deal page shows at a
// time.
const dealActivitiesPageSize = 10

// dealActs is the activities part of the deal page.
type dealActs struct {
	DealID           int64
	Items            []taskRow
	MoreURL, NextURL string
	CanLog           bool
	Message          string
	Form             dealActForm
}

// dealActForm is the form that logs an activity, with what was wrong.
type dealActForm struct {
	Type, Subject, Body, Due, Remind, Assignee string
	Types, Assignees                           []optionView
	Zone                                       string
	// Errors are the messages of each field; General those of none.
	Errors  map[string]string
	General []string
}

// Invalid reports whether the form has errors.
func (f dealActForm) Invalid() bool { return len(f.Errors) > 0 || len(f.General) > 0 }

// activityFormFields are the form's inputs, by the service's field names.
var activityFormFields = map[string]string{"type": "type", "subject": "subject", "body": "body", "due_at": "due",
	"remind_at": "remind", "assignee_id": "assignee", "record_id": "", "record_type": ""}

// dealActivities reads the deal's activities from cursor on, and sets up
// an empty form for those who may log one.
func (h *Web) dealActivities(ctx context.Context, r *http.Request, d *sales.Deal, cursor string) (dealActs, error) {
	lang := h.lang(r)
	p := principal(ctx)
	acts := dealActs{DealID: d.ID, CanLog: p.CanWrite() && p.WritesRecord(d.OwnerID, d.TeamID)}
	page, err := h.deps.Activities.ListFor(ctx, activity.RecordDeal, d.ID, "", cursor, dealActivitiesPageSize)
	if err != nil {
		return acts, err
	}
	users, err := h.salesUserNames(ctx)
	if err != nil {
		return acts, err
	}
	for _, a := range page.Items {
		row := h.taskRow(lang, p, users, a, false)
		// Whoever may change the deal, or is the activity's assignee,
		// may mark it done (the service's rule).
		row.CanComplete = a.Open() && p.CanWrite() && (acts.CanLog || (a.AssigneeID != nil && *a.AssigneeID == p.UserID))
		row.Overdue = a.Open() && a.DueAt != nil && a.DueAt.Before(time.Now())
		acts.Items = append(acts.Items, row)
	}
	if page.Next != "" {
		base := "/deals/" + strconv.FormatInt(d.ID, 10)
		q := url.QueryEscape(page.Next)
		acts.MoreURL, acts.NextURL = base+"/activities?cursor="+q, base+"?acts="+q+"#activities"
	}
	if acts.CanLog {
		acts.Form, err = h.newActivityForm(ctx, r, d, dealActForm{Type: activity.TypeTask})
	}
	return acts, err
}

// newActivityForm fills the choices of the form: the types, and the people
// who may see the deal (an activity is given only to someone who may read
// its record).
func (h *Web) newActivityForm(ctx context.Context, r *http.Request, d *sales.Deal, f dealActForm) (dealActForm, error) {
	lang := h.lang(r)
	for _, t := range activity.Types {
		f.Types = append(f.Types, optionView{Value: t, Label: label(lang, "tasks.type", t), Selected: t == f.Type})
	}
	users, err := h.deps.Accounts.ListUsers(ctx)
	if err != nil {
		return f, err
	}
	me := principal(ctx).UserID
	f.Assignees = []optionView{{Value: "", Label: i18n.Message(lang, "tasks.assignee_me", nil), Selected: f.Assignee == ""}}
	for _, u := range readersOf(users, d.OwnerID, d.TeamID) {
		if u.ID == me {
			continue
		}
		id := strconv.FormatInt(u.ID, 10)
		f.Assignees = append(f.Assignees, optionView{Value: id, Label: u.Name, Selected: id == f.Assignee})
	}
	f.Zone = userZone(r).String()
	return f, nil
}

// readersOf are the active users who may read a record of this owner and
// team, by name: the users the service lets an activity be given to, less
// the viewers, who may change nothing.
func readersOf(users []*account.User, owner, team *int64) []*account.User {
	var out []*account.User
	for _, u := range users {
		if u.Disabled || u.Role == crm.RoleViewer {
			continue // a viewer could not mark it done
		}
		p := crm.Principal{UserID: u.ID, Role: u.Role, TeamIDs: u.TeamIDs}
		if u.Role == crm.RoleManager {
			for _, o := range users {
				if slices.ContainsFunc(o.TeamIDs, p.InTeam) {
					p.TeamMemberIDs = append(p.TeamMemberIDs, o.ID)
				}
			}
		}
		if p.ReadsRecord(owner, team) {
			out = append(out, u)
		}
	}
	slices.SortFunc(out, func(a, b *account.User) int {
		if c := strings.Compare(a.Name, b.Name); c != 0 {
			return c
		}
		return int(a.ID - b.ID)
	})
	return out
}

// logDealActivity logs or plans an activity on the deal. htmx gets the
// activities part back (the list with the new one first and an empty form,
// or the form with its errors); a plain form goes back to the page.
func (h *Web) logDealActivity(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := parseForm(w, r, maxActivityForm); err != nil {
		return err
	}
	ctx := r.Context()
	lang := h.lang(r)
	form := dealActForm{Type: r.PostForm.Get("type"), Subject: r.PostForm.Get("subject"), Body: r.PostForm.Get("body"),
		Due: strings.TrimSpace(r.PostForm.Get("due")), Remind: strings.TrimSpace(r.PostForm.Get("remind")),
		Assignee: strings.TrimSpace(r.PostForm.Get("assignee")), Errors: map[string]string{}}
	in := activity.Input{Type: form.Type, RecordType: activity.RecordDeal, RecordID: id,
		Fields: activity.Fields{Subject: form.Subject, Body: form.Body}}
	loc := userZone(r)
	in.DueAt = formTime(lang, form.Errors, "due", form.Due, loc)
	in.RemindAt = formTime(lang, form.Errors, "remind", form.Remind, loc)
	if form.Assignee != "" {
		n, err := strconv.ParseInt(form.Assignee, 10, 64)
		if err != nil || n <= 0 {
			form.Errors["assignee"] = i18n.Message(lang, "invalid_id", nil)
		}
		in.AssigneeID = &n
	}
	var created *activity.Activity
	if len(form.Errors) == 0 {
		created, err = h.deps.Activities.Create(ctx, in)
		ce, isCRM := crm.AsError(err)
		switch {
		case err == nil:
		case isCRM && ce.Kind == crm.KindInvalid && len(ce.Fields) > 0:
			for _, f := range ce.Fields {
				msg := i18n.Message(lang, f.Code, f.Params)
				if name := activityFormFields[f.Field]; name != "" {
					if _, taken := form.Errors[name]; !taken {
						form.Errors[name] = msg
					}
				} else {
					form.General = append(form.General, msg)
				}
			}
		default:
			return err
		}
	}
	if created == nil {
		return h.activityFailed(w, r, id, form)
	}
	if !isFragment(r) {
		http.Redirect(w, r, "/deals/"+strconv.FormatInt(id, 10)+"?logged="+strconv.FormatInt(created.ID, 10)+"#activities", http.StatusSeeOther)
		return nil
	}
	d, err := h.deps.Sales.GetDeal(ctx, id)
	if err != nil {
		return err
	}
	acts, err := h.dealActivities(ctx, r, d, "")
	if err != nil {
		return err
	}
	acts.Message = i18n.Message(lang, "tasks.logged", map[string]any{"subject": subjectOf(lang, created)})
	h.render(w, r, http.StatusOK, "deal", "deal-activities", &dealScreen{page: h.page(r, ""), D: d, Acts: acts})
	return nil
}

// activityFailed shows the form again with what was wrong: the activities
// part for htmx, the whole deal page for a plain form.
func (h *Web) activityFailed(w http.ResponseWriter, r *http.Request, dealID int64, form dealActForm) error {
	ctx := r.Context()
	var data *dealScreen
	if isFragment(r) {
		d, err := h.deps.Sales.GetDeal(ctx, dealID)
		if err != nil {
			return err
		}
		acts, err := h.dealActivities(ctx, r, d, "")
		if err != nil {
			return err
		}
		data = &dealScreen{page: h.page(r, ""), D: d, Acts: acts}
	} else {
		var err error
		if data, err = h.dealData(r, dealID); err != nil {
			return err
		}
	}
	f, err := h.newActivityForm(ctx, r, data.D, form)
	if err != nil {
		return err
	}
	data.Acts.Form = f
	tmpl := "page"
	if isFragment(r) {
		tmpl = "deal-activities"
	}
	h.render(w, r, http.StatusUnprocessableEntity, "deal", tmpl, data)
	return nil
}

// formTime reads a time typed in a datetime-local input ("2026-05-15T14:30",
// perhaps with seconds) in loc; "" is none. A time it cannot read is the
// field's error.
func formTime(lang string, errs map[string]string, field, value string, loc *time.Location) *time.Time {
	if value == "" {
		return nil
	}
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05", "2006-01-02 15:04"} {
		if t, err := time.ParseInLocation(layout, value, loc); err == nil {
			t = t.UTC()
			return &t
		}
	}
	errs[field] = i18n.Message(lang, "tasks.bad_time", nil)
	return nil
}

// dealActivitiesMore answers the list's "more" button: the next items.
func (h *Web) dealActivitiesMore(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	cursor := r.URL.Query().Get("cursor")
	if !isFragment(r) {
		http.Redirect(w, r, "/deals/"+strconv.FormatInt(id, 10)+"?acts="+url.QueryEscape(cursor)+"#activities", http.StatusSeeOther)
		return nil
	}
	d, err := h.deps.Sales.GetDeal(r.Context(), id)
	if err != nil {
		return err
	}
	acts, err := h.dealActivities(r.Context(), r, d, cursor)
	if err != nil {
		return err
	}
	h.render(w, r, http.StatusOK, "deal", "deal-activity-items", &dealScreen{page: h.page(r, ""), D: d, Acts: acts})
	return nil
}
