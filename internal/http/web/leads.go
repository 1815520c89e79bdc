package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/http/httpx"
	"github.com/guanxi-crm/guanxi/internal/i18n"
	"github.com/guanxi-crm/guanxi/internal/lead"
)

// The lead screens: the list of leads the user may read (leads.go), the form
// that creates and edits one (this file), the lead page with its actions
// (lead.go) and the shared lead pool, 公海 (lead_pool.go). The lead service
// decides what each user sees and may do; these pages only ask it.

func init() {
	// The lead pages join the others here rather than in web.go's list, so
	// that the screens of each area are registered beside their handlers.
	pageFiles = append(pageFiles, "leads", "lead", "lead_form", "lead_pool")
}

// leadsPageSize is how many leads a page of the list shows.
const leadsPageSize = 25

type leadsScreen struct {
	page
	Items  []leadRow
	Status string
	Mine   bool
	Source string
	// Query is the search as typed; QueryError why it was refused.
	Query      string
	QueryError string
	// ClearQueryURL is the list with the other filters and no search.
	ClearQueryURL string
	Message       string
	Cursor        string
	NextURL       string
	FirstURL      string
	Statuses      []optionView
}

// Filtered reports whether the list is narrowed by a filter.
func (s *leadsScreen) Filtered() bool { return s.Status != "" || s.Mine || s.Source != "" }

// leadRow is a lead of the list with its owner's name.
type leadRow struct {
	*lead.Lead
	Owner string
}

// leadFilters are the list's filters and search as read from the address.
type leadFilters struct {
	Status, Source, Q string
	Mine              bool
}

func (f leadFilters) url(cursor string) string {
	v := url.Values{}
	if f.Q != "" {
		v.Set("q", f.Q)
	}
	if f.Status != "" {
		v.Set("status", f.Status)
	}
	if f.Mine {
		v.Set("owner", "me")
	}
	if f.Source != "" {
		v.Set("source", f.Source)
	}
	if cursor != "" {
		v.Set("cursor", cursor)
	}
	if len(v) == 0 {
		return "/leads"
	}
	return "/leads?" + v.Encode()
}

func (h *Web) leadsPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	q := r.URL.Query()
	f := leadFilters{Status: q.Get("status"), Source: strings.TrimSpace(q.Get("source")), Q: strings.TrimSpace(q.Get("q")),
		Mine: q.Get("owner") == "me"}
	if utf8.RuneCountInString(f.Source) > 100 {
		var v crm.Violations
		v.Add("source", "too_long", "max", 100)
		return v.Err("web.leads")
	}
	p := principal(ctx)
	lang := h.lang(r)
	lq := lead.LeadQuery{Status: f.Status, Source: f.Source, Q: f.Q, Cursor: q.Get("cursor"), Limit: leadsPageSize}
	if f.Mine {
		lq.OwnerID = p.UserID
	}
	data := &leadsScreen{page: h.page(r, "leads.title"), Status: f.Status, Mine: f.Mine, Source: f.Source, Query: f.Q, Cursor: lq.Cursor}
	data.Nav = "leads"
	data.Statuses = []optionView{{Value: "", Label: i18n.Message(lang, "leads.all_statuses", nil), Selected: f.Status == ""}}
	for _, s := range lead.Statuses {
		data.Statuses = append(data.Statuses, optionView{Value: s, Label: label(lang, "leads.status", s), Selected: s == f.Status})
	}
	if done := q.Get("done"); done != "" {
		if key := "leads.done." + done; i18n.Has(key) {
			data.Message = i18n.Message(lang, key, nil)
		}
	}
	list, err := h.deps.Leads.ListLeads(ctx, lq)
	if msg := leadFieldError(lang, err, "q"); msg != "" {
		// A search the service refuses is said beside the search box, with
		// the filters as they were, so that it can be mended there.
		data.QueryError = msg
		h.render(w, r, httpx.ProblemFor(ctx, err).Status, "leads", "page", data)
		return nil
	}
	if err != nil {
		return err
	}
	users, err := h.salesUserNames(ctx)
	if err != nil {
		return err
	}
	for _, l := range list.Items {
		data.Items = append(data.Items, leadRow{Lead: l, Owner: users.name(lang, l.OwnerID)})
	}
	if list.Next != "" {
		data.NextURL = f.url(list.Next)
	}
	if lq.Cursor != "" {
		data.FirstURL = f.url("")
	}
	noQuery := f
	noQuery.Q = ""
	data.ClearQueryURL = noQuery.url("")
	h.render(w, r, http.StatusOK, "leads", "page", data)
	return nil
}

// leadFieldError is the message of err's refusal of field, if it is one.
func leadFieldError(lang string, err error, field string) string {
	ce, ok := crm.AsError(err)
	if !ok || ce.Kind != crm.KindInvalid {
		return ""
	}
	for _, f := range ce.Fields {
		if f.Field == field {
			return i18n.Message(lang, f.Code, f.Params)
		}
	}
	return ""
}

// The lead form.

type leadForm struct {
	page
	ID      int64
	Version int64
	F       lead.LeadFields
	Unowned bool
	// Owners and Teams are the owner and team pickers, offering what the
	// lead service lets the user choose (nil: nothing to choose).
	Owners, Teams *selectView
	// Errors are the messages per input name; FormErrors those of fields
	// the form does not show.
	Errors     map[string]string
	FormErrors []string
	// stored is the lead as saved (nil for a new one), whose owner and team
	// may stay whoever may choose them.
	stored *lead.Lead
}

// Input is a text input of the form.
func (f *leadForm) Input(name, typ, autocomplete string) inputView {
	return form{f.Lang, f.Errors}.Input(name, label(f.Lang, "leads.field", name), leadFieldValue(&f.F, name), typ, autocomplete)
}

// Sizes is the company size select.
func (f *leadForm) Sizes() selectView {
	return form{f.Lang, f.Errors}.Select("company_size", i18n.Message(f.Lang, "leads.field.company_size", nil), f.F.CompanySize,
		append([]string{""}, lead.CompanySizes...), "leads.size")
}

// NotesError is what is wrong with the notes.
func (f *leadForm) NotesError() string { return f.Errors["notes"] }

// leadInputs are the form's inputs, as the service names its fields.
var leadInputs = []string{"name", "company_name", "title", "email", "phone", "company_size", "source",
	"utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content", "notes"}

func leadFieldValue(f *lead.LeadFields, name string) string {
	switch name {
	case "name":
		return f.Name
	case "company_name":
		return f.CompanyName
	case "title":
		return f.Title
	case "email":
		return f.Email
	case "phone":
		return f.Phone
	case "company_size":
		return f.CompanySize
	case "source":
		return f.Source
	case "utm_source":
		return f.UTMSource
	case "utm_medium":
		return f.UTMMedium
	case "utm_campaign":
		return f.UTMCampaign
	case "utm_term":
		return f.UTMTerm
	case "utm_content":
		return f.UTMContent
	case "notes":
		return f.Notes
	}
	return ""
}

// readLeadForm reads the inputs the form shows into fields.
func readLeadForm(w http.ResponseWriter, r *http.Request, f *lead.LeadFields) error {
	if err := parseForm(w, r, 64<<10); err != nil {
		return err
	}
	v := r.PostForm
	f.Name, f.CompanyName, f.Title = v.Get("name"), v.Get("company_name"), v.Get("title")
	f.Email, f.Phone, f.CompanySize, f.Source = v.Get("email"), v.Get("phone"), v.Get("company_size"), v.Get("source")
	f.UTMSource, f.UTMMedium, f.UTMCampaign = v.Get("utm_source"), v.Get("utm_medium"), v.Get("utm_campaign")
	f.UTMTerm, f.UTMContent, f.Notes = v.Get("utm_term"), v.Get("utm_content"), v.Get("notes")
	return nil
}

// readOwnership reads the owner and team pickers into f, when the form
// showed them: an owner of "" leaves the lead without one, in its pool; a
// team of "", without a team.
func readOwnership(form url.Values, f *lead.LeadFields, v *crm.Violations) (ownerSent, teamSent bool) {
	read := func(name string, into **int64) bool {
		vals, sent := form[name]
		if !sent {
			return false
		}
		*into = nil
		if s := strings.TrimSpace(vals[0]); s != "" {
			id, err := strconv.ParseInt(s, 10, 64)
			if err != nil || id <= 0 {
				v.Add(name, "invalid_id")
				return true
			}
			*into = &id
		}
		return true
	}
	return read("owner_id", &f.OwnerID), read("team_id", &f.TeamID)
}

// leadPickers offers, as the owner and the team of the lead on the form,
// the active users and the teams the lead service lets the user choose
// (lead.Service.Assignable), and whoever the lead has or the form was sent
// with, so that they show as chosen.
func (h *Web) leadPickers(r *http.Request, data *leadForm) error {
	ctx := r.Context()
	users, err := h.deps.Accounts.ListUsers(ctx)
	if err != nil {
		return err
	}
	teams, err := h.deps.Accounts.ListTeams(ctx)
	if err != nil {
		return err
	}
	var storedOwner, storedTeam *int64
	if data.stored != nil {
		storedOwner, storedTeam = data.stored.OwnerID, data.stored.TeamID
	}
	userNames, teamNames := map[int64]string{}, map[int64]string{}
	var active, teamIDs []int64
	for _, u := range users {
		userNames[u.ID] = u.Name
		if !u.Disabled {
			active = append(active, u.ID)
		}
	}
	for _, t := range teams {
		teamNames[t.ID] = t.Name
		teamIDs = append(teamIDs, t.ID)
	}
	owners, okTeams, err := h.deps.Leads.Assignable(ctx, storedTeam, active, teamIDs)
	if err != nil {
		return err
	}
	lang := data.Lang
	// picker offers "none" and the choices, with the stored and the chosen
	// value among them whatever the choices.
	picker := func(name, labelKey, noneKey, unknownKey string, choices []int64, names map[int64]string, stored, chosen *int64) *selectView {
		v := &selectView{ID: inputID(name), Name: name, Label: i18n.Message(lang, labelKey, nil), Error: data.Errors[name]}
		v.Options = append(v.Options, optionView{Value: "", Label: i18n.Message(lang, noneKey, nil), Selected: chosen == nil})
		for _, k := range []*int64{stored, chosen} {
			if k != nil && !slices.Contains(choices, *k) {
				choices = append(choices, *k)
			}
		}
		for _, id := range choices {
			label := names[id]
			if label == "" {
				label = i18n.Message(lang, unknownKey, map[string]any{"id": id})
			}
			v.Options = append(v.Options, optionView{Value: strconv.FormatInt(id, 10), Label: label, Selected: chosen != nil && *chosen == id})
		}
		return v
	}
	if len(owners) > 0 {
		data.Owners = picker("owner_id", "leads.field.owner", "leads.form.in_pool", "deal.unknown_person", owners, userNames, storedOwner, data.F.OwnerID)
	}
	// With no team to choose, and none to keep, there is nothing to pick.
	if v := picker("team_id", "leads.field.team", "leads.form.no_team", "leads.unknown_team", okTeams, teamNames, storedTeam, data.F.TeamID); len(v.Options) > 1 {
		data.Teams = v
	}
	// A refusal of a choice the form does not offer is said above it.
	for _, p := range []struct {
		name  string
		shown bool
	}{{"owner_id", data.Owners != nil}, {"team_id", data.Teams != nil}} {
		if msg := data.Errors[p.name]; msg != "" && !p.shown {
			data.FormErrors = append(data.FormErrors, msg)
		}
	}
	return nil
}

func (h *Web) newLeadPage(w http.ResponseWriter, r *http.Request) error {
	p := principal(r.Context())
	if !p.CanWrite() {
		return crm.Forbidden("web.newLead")
	}
	data := &leadForm{page: h.page(r, "leads.new_title")}
	data.Nav = "leads"
	// The pickers start at whom the service gives a lead to by default.
	p.DefaultOwnership(&data.F.OwnerID, &data.F.TeamID)
	if err := h.leadPickers(r, data); err != nil {
		return err
	}
	h.render(w, r, http.StatusOK, "lead_form", "page", data)
	return nil
}

func (h *Web) createLead(w http.ResponseWriter, r *http.Request) error {
	var in lead.LeadInput
	if err := readLeadForm(w, r, &in.LeadFields); err != nil {
		return err
	}
	var v crm.Violations
	ownerSent, _ := readOwnership(r.PostForm, &in.LeadFields, &v)
	if ownerSent {
		in.Unowned = in.OwnerID == nil
	} else {
		in.Unowned = r.PostForm.Get("unowned") != ""
	}
	err := v.Err("web.createLead")
	var l *lead.Lead
	if err == nil {
		l, err = h.deps.Leads.CreateLead(r.Context(), in)
	}
	if err != nil {
		data := &leadForm{page: h.page(r, "leads.new_title"), F: in.LeadFields, Unowned: in.Unowned}
		return h.leadFormFailed(w, r, data, err)
	}
	h.leadSaved(w, r, l.ID, "created")
	return nil
}

// leadSaved goes to the lead saved, or, when it went to someone whose
// leads the user may not read, back to the list, which says so.
func (h *Web) leadSaved(w http.ResponseWriter, r *http.Request, id int64, done string) {
	if _, err := h.deps.Leads.GetLead(r.Context(), id); crm.IsKind(err, crm.KindForbidden) {
		seeOther(w, r, "/leads?done=handed")
		return
	}
	seeOther(w, r, "/leads/"+strconv.FormatInt(id, 10)+"?done="+done)
}

func (h *Web) editLeadPage(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	l, err := h.deps.Leads.GetLead(r.Context(), id)
	if err != nil {
		return err
	}
	if !principal(r.Context()).WritesRecord(l.OwnerID, l.TeamID) {
		return crm.Forbidden("web.editLead")
	}
	data := &leadForm{page: h.page(r, "leads.edit_title"), ID: l.ID, Version: l.Version, F: l.LeadFields, stored: l}
	data.Nav = "leads"
	if err := h.leadPickers(r, data); err != nil {
		return err
	}
	h.render(w, r, http.StatusOK, "lead_form", "page", data)
	return nil
}

func (h *Web) updateLead(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var next lead.LeadFields
	if err := readLeadForm(w, r, &next); err != nil {
		return err
	}
	var v crm.Violations
	ownerSent, teamSent := readOwnership(r.PostForm, &next, &v)
	version, _ := strconv.ParseInt(r.PostForm.Get("version"), 10, 64)
	err = v.Err("web.updateLead")
	if err == nil {
		_, err = h.deps.Leads.UpdateLead(r.Context(), id, version, func(f *lead.LeadFields) error {
			// Only what the form shows changes: the pool and custom values
			// stay as they are, and so do the owner and the team when the
			// form had no picker for them.
			owner, team, pool, custom := f.OwnerID, f.TeamID, f.PoolID, f.Custom
			*f = next
			f.PoolID, f.Custom = pool, custom
			if !ownerSent {
				f.OwnerID = owner
			}
			if !teamSent {
				f.TeamID = team
			}
			return nil
		})
	}
	if err != nil {
		data := &leadForm{page: h.page(r, "leads.edit_title"), ID: id, Version: version, F: next}
		if stored, err := h.deps.Leads.GetLead(r.Context(), id); err == nil {
			data.stored = stored
			if !ownerSent {
				data.F.OwnerID = stored.OwnerID
			}
			if !teamSent {
				data.F.TeamID = stored.TeamID
			}
		}
		return h.leadFormFailed(w, r, data, err)
	}
	h.leadSaved(w, r, id, "saved")
	return nil
}

// leadFormFailed shows the form again with the service's reasons beside
// the inputs: 422 for invalid fields, 412 when someone else saved first.
// Other errors are the error page's.
func (h *Web) leadFormFailed(w http.ResponseWriter, r *http.Request, data *leadForm, err error) error {
	ce, ok := crm.AsError(err)
	if !ok || (ce.Kind != crm.KindInvalid && ce.Kind != crm.KindConflict && ce.Kind != crm.KindStale) {
		return err
	}
	lang := h.lang(r)
	data.Nav = "leads"
	data.Errors = map[string]string{}
	for _, f := range ce.Fields {
		msg := i18n.Message(lang, f.Code, f.Params)
		if slices.Contains(leadInputs, f.Field) || f.Field == "owner_id" || f.Field == "team_id" {
			if _, taken := data.Errors[f.Field]; !taken {
				data.Errors[f.Field] = msg
			}
			continue
		}
		data.FormErrors = append(data.FormErrors, f.Field+": "+msg)
	}
	if len(ce.Fields) == 0 {
		data.FormErrors = append(data.FormErrors, i18n.Message(lang, ce.Code, ce.Params))
	}
	if ce.Kind == crm.KindStale {
		if v, ok := ce.Params["current_version"]; ok {
			data.Version = toInt64(v) // saving again overwrites, knowingly
		}
	}
	if err := h.leadPickers(r, data); err != nil {
		return err
	}
	h.render(w, r, httpx.ProblemFor(r.Context(), err).Status, "lead_form", "page", data)
	return nil
}
