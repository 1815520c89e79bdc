package lead

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/guanxi-crm/guanxi/internal/crm"
)

// FormFieldNames are the lead fields a web form may show.
var FormFieldNames = []string{"name", "email", "phone", "company_name", "title", "company_size", "notes"}

// FormField is a field a web form shows.
type FormField struct {
	Field    string `json:"field" enum:"name,email,phone,company_name,title,company_size,notes"`
	Required bool   `json:"required,omitempty"`
	Label    string `json:"label,omitempty" maxLength:"100" doc:"Shown instead of the field's name in the visitor's language"`
}

// FormFields are the settings of a web form.
type FormFields struct {
	Slug          string      `json:"slug" required:"false" maxLength:"64" doc:"Its address: /forms/{slug} (lower-case letters, digits and -); required on create"`
	Name          string      `json:"name" required:"false" maxLength:"100" doc:"What the team calls it; required on create"`
	Title         string      `json:"title" required:"false" maxLength:"200" doc:"The heading of its page"`
	Intro         string      `json:"intro" required:"false" maxLength:"1000" doc:"Text under the heading"`
	Fields        []FormField `json:"fields" required:"false" maxItems:"7" nullable:"false" doc:"The fields shown, in order; default: name, email (required), phone, company_name"`
	DefaultSource string      `json:"default_source" required:"false" maxLength:"100" doc:"The source of its leads (default web_form)"`
	PoolID        *int64      `json:"pool_id" required:"false" doc:"The pool its leads go to; default: the default pool"`
	ThankYou      string      `json:"thank_you" required:"false" maxLength:"500" doc:"Shown after a submission"`
	RedirectURL   string      `json:"redirect_url" required:"false" maxLength:"2000" doc:"Where the page sends the visitor after a submission (http or https); default: a thank-you page"`
	Disabled      bool        `json:"disabled" required:"false" doc:"A disabled form takes no submissions (404)"`
}

// Form is a public web form that captures leads.
type Form struct {
	ID      int64 `json:"id"`
	Version int64 `json:"version"`
	FormFields
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Field returns the form's field of a name, if it shows it.
func (f *Form) Field(name string) (FormField, bool) {
	i := slices.IndexFunc(f.Fields, func(x FormField) bool { return x.Field == name })
	if i < 0 {
		return FormField{}, false
	}
	return f.Fields[i], true
}

// FormStore is what web forms need from persistence.
type FormStore interface {
	// CreateLeadForm inserts a form; Conflict when its slug is taken.
	CreateLeadForm(ctx context.Context, f *Form) error
	LeadForm(ctx context.Context, id int64) (*Form, error)
	LeadFormBySlug(ctx context.Context, slug string) (*Form, error)
	// LeadForms lists every form by slug.
	LeadForms(ctx context.Context) ([]*Form, error)
	UpdateLeadForm(ctx context.Context, old, next *Form) error
	DeleteLeadForm(ctx context.Context, id int64) error
}

var slugPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,63}$`)

// DefaultFormFields are the fields of a form that names none.
func DefaultFormFields() []FormField {
	return []FormField{{Field: "name"}, {Field: "email", Required: true}, {Field: "phone"}, {Field: "company_name"}}
}

func (f *FormFields) normalize(v *crm.Violations) {
	f.Slug = strings.ToLower(strings.TrimSpace(f.Slug))
	if !slugPattern.MatchString(f.Slug) {
		v.Add("slug", "invalid_slug")
	}
	f.Name = crm.CleanText(v, "name", f.Name, 100)
	if f.Name == "" {
		v.Add("name", "required")
	}
	f.Title = crm.CleanText(v, "title", f.Title, 200)
	f.Intro = crm.CleanText(v, "intro", f.Intro, 1000)
	if len(f.Fields) == 0 {
		f.Fields = DefaultFormFields()
	}
	seen := map[string]bool{}
	for i := range f.Fields {
		ff := &f.Fields[i]
		field := fmt.Sprintf("fields[%d].", i)
		switch {
		case !slices.Contains(FormFieldNames, ff.Field):
			v.Add(field+"field", "not_one_of", "allowed", strings.Join(FormFieldNames, ", "))
		case seen[ff.Field]:
			v.Add(field+"field", "listed_twice")
		}
		seen[ff.Field] = true
		ff.Label = crm.CleanText(v, field+"label", ff.Label, 100)
	}
	if !seen["name"] && !seen["email"] && !seen["phone"] {
		v.Add("fields", "form_needs_contact_field")
	}
	f.DefaultSource = crm.CleanText(v, "default_source", f.DefaultSource, 100)
	if f.DefaultSource == "" {
		f.DefaultSource = "web_form"
	}
	f.ThankYou = crm.CleanText(v, "thank_you", f.ThankYou, 500)
	f.RedirectURL = strings.TrimSpace(f.RedirectURL)
	if f.RedirectURL != "" {
		u, err := url.Parse(f.RedirectURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || !crm.ValidText(f.RedirectURL) {
			v.Add("redirect_url", "invalid_url")
		}
	}
}

// ListForms lists the web forms (admins and managers).
func (s *Service) ListForms(ctx context.Context) ([]*Form, error) {
	const op = "lead.ListForms"
	if _, err := formManager(ctx, op); err != nil {
		return nil, err
	}
	forms, err := s.store.LeadForms(ctx)
	return forms, crm.Wrap(op, err)
}

// GetForm reads a web form (admins and managers).
func (s *Service) GetForm(ctx context.Context, id int64) (*Form, error) {
	const op = "lead.GetForm"
	if _, err := formManager(ctx, op); err != nil {
		return nil, err
	}
	f, err := s.store.LeadForm(ctx, id)
	return f, crm.Wrap(op, err)
}

// formManager returns the actor if they may read the forms' settings:
// admins and managers.
func formManager(ctx context.Context, op string) (*crm.Principal, error) {
	p, err := crm.Actor(ctx, op)
	if err != nil {
		return nil, err
	}
	if !p.IsAdmin() && p.Role != crm.RoleManager {
		return nil, crm.E(op, crm.KindForbidden, "forms_managers_only")
	}
	return p, nil
}

func (s *Service) checkFormPool(ctx context.Context, v *crm.Violations, poolID *int64) error {
	if poolID == nil {
		return nil
	}
	if _, err := s.store.LeadPool(ctx, *poolID); crm.IsKind(err, crm.KindNotFound) {
		v.Add("pool_id", "unknown_pool", "id", *poolID)
	} else if err != nil {
		return err
	}
	return nil
}

// CreateForm defines a web form. Admins only.
func (s *Service) CreateForm(ctx context.Context, in FormFields) (*Form, error) {
	const op = "lead.CreateForm"
	p, err := admin(ctx, op, "forms_admins_only")
	if err != nil {
		return nil, err
	}
	var v crm.Violations
	in.normalize(&v)
	if err := s.checkFormPool(ctx, &v, in.PoolID); err != nil {
		return nil, crm.Wrap(op, err)
	}
	if err := v.Err(op); err != nil {
		return nil, err
	}
	now := s.clock.Now()
	f := &Form{FormFields: in, CreatedAt: now, UpdatedAt: now}
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		if err := s.store.CreateLeadForm(ctx, f); err != nil {
			if crm.IsKind(err, crm.KindConflict) {
				return crm.E(op, crm.KindConflict, "duplicate_slug").With("slug", in.Slug)
			}
			return err
		}
		changes, err := crm.Diff(nil, f.FormFields)
		if err != nil {
			return err
		}
		return s.store.AppendAudit(ctx, audit(ctx, p, now, crm.ActionCreate, RecordForm, f.ID, changes))
	})
	if err != nil {
		return nil, crm.Wrap(op, err)
	}
	return f, nil
}

// UpdateForm changes a web form. Admins only.
func (s *Service) UpdateForm(ctx context.Context, id, ifVersion int64, apply func(*FormFields) error) (*Form, error) {
	const op = "lead.UpdateForm"
	p, err := admin(ctx, op, "forms_admins_only")
	if err != nil {
		return nil, err
	}
	var out *Form
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		old, err := s.store.LeadForm(ctx, id)
		if err != nil {
			return err
		}
		if ifVersion != 0 && old.Version != ifVersion {
			return crm.Stale(op, old.Version)
		}
		f := old.FormFields
		f.Fields = slices.Clone(f.Fields)
		if err := apply(&f); err != nil {
			return err
		}
		var v crm.Violations
		f.normalize(&v)
		if err := s.checkFormPool(ctx, &v, f.PoolID); err != nil {
			return err
		}
		if err := v.Err(op); err != nil {
			return err
		}
		changes, err := crm.Diff(old.FormFields, f)
		if err != nil {
			return err
		}
		if len(changes) == 0 {
			out = old
			return nil
		}
		next := *old
		next.FormFields, next.UpdatedAt = f, s.clock.Now()
		if err := s.store.UpdateLeadForm(ctx, old, &next); err != nil {
			if crm.IsKind(err, crm.KindConflict) {
				return crm.E(op, crm.KindConflict, "duplicate_slug").With("slug", f.Slug)
			}
			return err
		}
		out = &next
		return s.store.AppendAudit(ctx, audit(ctx, p, next.UpdatedAt, crm.ActionUpdate, RecordForm, id, changes))
	})
	if err != nil {
		return nil, crm.Wrap(op, err)
	}
	return out, nil
}

// DeleteForm deletes a web form; its leads stay. Admins only.
func (s *Service) DeleteForm(ctx context.Context, id int64) error {
	const op = "lead.DeleteForm"
	p, err := admin(ctx, op, "forms_admins_only")
	if err != nil {
		return err
	}
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		if _, err := s.store.LeadForm(ctx, id); err != nil {
			return err
		}
		if err := s.store.DeleteLeadForm(ctx, id); err != nil {
			return err
		}
		return s.store.AppendAudit(ctx, audit(ctx, p, s.clock.Now(), crm.ActionDelete, RecordForm, id, nil))
	})
	return crm.Wrap(op, err)
}

// PublicForm reads an enabled form by its slug, for its public page:
// anyone may, signed in or not. A disabled or unknown one is NotFound.
func (s *Service) PublicForm(ctx context.Context, slug string) (*Form, error) {
	const op = "lead.PublicForm"
	if !slugPattern.MatchString(slug) {
		return nil, crm.NotFound(op, "form", slug)
	}
	f, err := s.store.LeadFormBySlug(ctx, slug)
	if err != nil {
		return nil, crm.Wrap(op, err)
	}
	if f.Disabled {
		return nil, crm.NotFound(op, "form", slug)
	}
	return f, nil
}

// Submission is what a visitor sent through a web form.
type Submission struct {
	// Values by lead field name (FormFieldNames); fields the form does not
	// show are ignored.
	Values map[string]string
	// UTM parameters: utm_source, utm_medium, utm_campaign, utm_term,
	// utm_content.
	UTM map[string]string
	// Honeypot is the value of the field people do not see: a bot that
	// fills it is answered as if it succeeded, and nothing is stored.
	Honeypot string
}

// UTMParams are the UTM parameters a submission carries.
var UTMParams = []string{"utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content"}

// Submit takes a web form's submission: anyone may, signed in or not. It
// creates a lead in the form's pool, without an owner, with the form's
// source and the UTM parameters, and scores it. A filled honeypot is
// accepted silently: no lead, no error (a bot learns nothing). It returns
// the new lead, or nil for a honeypot.
func (s *Service) Submit(ctx context.Context, slug string, sub Submission) (*Lead, error) {
	const op = "lead.Submit"
	form, err := s.PublicForm(ctx, slug)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(sub.Honeypot) != "" {
		return nil, nil
	}
	var v crm.Violations
	for _, ff := range form.Fields {
		if ff.Required && strings.TrimSpace(sub.Values[ff.Field]) == "" {
			v.Add(ff.Field, "required")
		}
	}
	if err := v.Err(op); err != nil {
		return nil, err
	}
	value := func(name string) string {
		if _, shown := form.Field(name); !shown {
			return ""
		}
		return sub.Values[name]
	}
	in := LeadInput{Unowned: true, LeadFields: LeadFields{
		Name: value("name"), Email: value("email"), Phone: value("phone"), CompanyName: value("company_name"),
		Title: value("title"), CompanySize: value("company_size"), Notes: value("notes"),
		Source: form.DefaultSource, PoolID: form.PoolID,
		UTMSource: sub.UTM["utm_source"], UTMMedium: sub.UTM["utm_medium"], UTMCampaign: sub.UTM["utm_campaign"],
		UTMTerm: sub.UTM["utm_term"], UTMContent: sub.UTM["utm_content"],
	}}
	// The form acts for the visitor, as the system named after it.
	p := &crm.Principal{Name: "web form " + form.Slug, Role: crm.RoleAdmin, System: true}
	ctx = crm.WithPrincipal(ctx, p)
	results, leads, err := s.createLeads(ctx, p, []LeadInput{in}, form)
	if err != nil {
		return nil, crm.Wrap(op, err)
	}
	if results[0].Err != nil {
		return nil, results[0].Err
	}
	return leads[0], nil
}
