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
	Items    []leadRow
	Status   string
	Mine     bool
	Source   string
	Cursor   string
	NextURL  string
	FirstURL string
	Statuses []optionView
}

// Filtered reports whether the list is narrowed by a filter.
func (s *leadsScreen) Filtered() bool { return s.Status != "" || s.Mine || s.Source != "" }

// leadRow is a lead of the list with its owner's name.
type leadRow struct {
	*lead.Lead
	Owner string
}

// leadFilters are the list's filters as read from the address.
type leadFilters struct {
	Status, Source string
	Mine           bool
}

func (f leadFilters) url(cursor string) string {
	v := url.Values{}
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
	f := leadFilters{Status: q.Get("status"), Source: strings.TrimSpace(q.Get("source")), Mine: q.Get("owner") == "me"}
	if utf8.RuneCountInString(f.Source) > 100 {
		var v crm.Violations
		v.Add("source", "too_long", "max", 100)
		return v.Err("web.leads")
	}
	p := principal(ctx)
	lq := lead.LeadQuery{Status: f.Status, Source: f.Source, Cursor: q.Get("cursor"), Limit: leadsPageSize}
	if f.Mine {
		lq.OwnerID = p.UserID
	}
	list, err := h.deps.Leads.ListLeads(ctx, lq)
	if err != nil {
		return err
	}
	users, err := h.salesUserNames(ctx)
	if err != nil {
		return err
	}
	lang := h.lang(r)
	data := &leadsScreen{page: h.page(r, "leads.title"), Status: f.Status, Mine: f.Mine, Source: f.Source, Cursor: lq.Cursor}
	data.Nav = "leads"
	for _, l := range list.Items {
		data.Items = append(data.Items, leadRow{Lead: l, Owner: users.name(lang, l.OwnerID)})
	}
	if list.Next != "" {
		data.NextURL = f.url(list.Next)
	}
	if lq.Cursor != "" {
		data.FirstURL = f.url("")
	}
	data.Statuses = []optionView{{Value: "", Label: i18n.Message(lang, "leads.all_statuses", nil), Selected: f.Status == ""}}
	for _, s := range lead.Statuses {
		data.Statuses = append(data.Statuses, optionView{Value: s, Label: leadLabel(lang, "leads.status", s), Selected: s == f.Status})
	}
	h.render(w, r, http.StatusOK, "leads", "page", data)
	return nil
}

// The lead form.

type leadForm struct {
	page
	ID      int64
	Version int64
	F       lead.LeadFields
	Unowned bool
	// Errors are the messages per input name; FormErrors those of fields
	// the form does not show.
	Errors     map[string]string
	FormErrors []string
}

// Input is a text input of the form.
func (f *leadForm) Input(name, typ, autocomplete string) inputView {
	return form{f.Lang, f.Errors}.Input(name, leadLabel(f.Lang, "leads.field", name), leadFieldValue(&f.F, name), typ, autocomplete)
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

func (h *Web) newLeadPage(w http.ResponseWriter, r *http.Request) error {
	if !principal(r.Context()).CanWrite() {
		return crm.Forbidden("web.newLead")
	}
	data := &leadForm{page: h.page(r, "leads.new_title")}
	data.Nav = "leads"
	h.render(w, r, http.StatusOK, "lead_form", "page", data)
	return nil
}

func (h *Web) createLead(w http.ResponseWriter, r *http.Request) error {
	var in lead.LeadInput
	if err := readLeadForm(w, r, &in.LeadFields); err != nil {
		return err
	}
	in.Unowned = r.PostForm.Get("unowned") != ""
	l, err := h.deps.Leads.CreateLead(r.Context(), in)
	if err != nil {
		data := &leadForm{page: h.page(r, "leads.new_title"), F: in.LeadFields, Unowned: in.Unowned}
		return h.leadFormFailed(w, r, data, err)
	}
	seeOther(w, r, "/leads/"+strconv.FormatInt(l.ID, 10)+"?done=created")
	return nil
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
	data := &leadForm{page: h.page(r, "leads.edit_title"), ID: l.ID, Version: l.Version, F: l.LeadFields}
	data.Nav = "leads"
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
	version, _ := strconv.ParseInt(r.PostForm.Get("version"), 10, 64)
	_, err = h.deps.Leads.UpdateLead(r.Context(), id, version, func(f *lead.LeadFields) error {
		// Only what the form shows changes: ownership, the pool and custom
		// values stay as they are.
		owner, team, pool, custom := f.OwnerID, f.TeamID, f.PoolID, f.Custom
		*f = next
		f.OwnerID, f.TeamID, f.PoolID, f.Custom = owner, team, pool, custom
		return nil
	})
	if err != nil {
		data := &leadForm{page: h.page(r, "leads.edit_title"), ID: id, Version: version, F: next}
		return h.leadFormFailed(w, r, data, err)
	}
	seeOther(w, r, "/leads/"+strconv.FormatInt(id, 10)+"?done=saved")
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
		if slices.Contains(leadInputs, f.Field) {
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
	h.render(w, r, httpx.ProblemFor(r.Context(), err).Status, "lead_form", "page", data)
	return nil
}
