package api

import (
	"bytes"
	"context"
	"encoding/json"
	"html/template"
	"io"
	"math"
	"mime"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/http/httpx"
	"github.com/guanxi-crm/guanxi/internal/i18n"
	"github.com/guanxi-crm/guanxi/internal/lead"
)

// Web forms: admins define them under /api/v1/lead-forms; visitors fill
// them in at /forms/{slug} (an HTML page, embeddable in an iframe) or send
// them to /api/v1/forms/{slug} (URL-encoded like an HTML form, or JSON),
// without signing in. Spam is kept out by a honeypot field ("website",
// hidden from people: a submission that fills it is answered as a success
// and stores nothing, so a bot learns nothing) and by a rate limit per
// client address (a token bucket kept in each server process's memory:
// several servers each allow the rate).

// HoneypotField is the form field people do not see.
const HoneypotField = "website"

// maxFormBody bounds a public submission.
const maxFormBody = 64 << 10

// Submission rate per client address: a burst, then one per interval.
const (
	submitBurst    = 10
	submitInterval = 6 * time.Second
)

// FormOutput is a form with its ETag.
type FormOutput struct {
	ETag     string `header:"ETag"`
	Location string `header:"Location"`
	Body     *lead.Form
}

func formOutput(f *lead.Form) *FormOutput { return &FormOutput{ETag: etag(f.Version), Body: f} }

func (a *API) listForms(ctx context.Context, _ *struct{}) (*ItemsOutput[*lead.Form], error) {
	forms, err := a.deps.Leads.ListForms(ctx)
	return items(forms), err
}

func (a *API) createForm(ctx context.Context, in *struct{ Body lead.FormFields }) (*FormOutput, error) {
	f, err := a.deps.Leads.CreateForm(ctx, in.Body)
	if err != nil {
		return nil, err
	}
	out := formOutput(f)
	out.Location = Prefix + "/lead-forms/" + strconv.FormatInt(f.ID, 10)
	return out, nil
}

func (a *API) getForm(ctx context.Context, in *IDPath) (*FormOutput, error) {
	f, err := a.deps.Leads.GetForm(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return formOutput(f), nil
}

type updateFormInput struct {
	IDPath
	IfMatch
	Patch[lead.FormFields]
}

func (a *API) updateForm(ctx context.Context, in *updateFormInput) (*FormOutput, error) {
	version, err := in.version()
	if err != nil {
		return nil, err
	}
	f, err := a.deps.Leads.UpdateForm(ctx, in.ID, version, func(f *lead.FormFields) error {
		return applyPatch(ctx, a, f, in.RawBody)
	})
	if err != nil {
		return nil, err
	}
	return formOutput(f), nil
}

func (a *API) deleteForm(ctx context.Context, in *IDPath) (*struct{}, error) {
	return nil, a.deps.Leads.DeleteForm(ctx, in.ID)
}

// SlugPath is the {slug} of a public form.
type SlugPath struct {
	Slug string `path:"slug" maxLength:"64" doc:"The form's slug"`
}

// PublicForm is what anyone may read of a form: enough to draw it.
type PublicForm struct {
	Slug     string           `json:"slug"`
	Title    string           `json:"title,omitempty"`
	Intro    string           `json:"intro,omitempty"`
	Fields   []lead.FormField `json:"fields" nullable:"false"`
	ThankYou string           `json:"thank_you,omitempty"`
	Honeypot string           `json:"honeypot" doc:"The field to leave out (hide it from people): a submission that fills it stores nothing"`
	Action   string           `json:"action" doc:"Where to POST a submission"`
}

// PublicFormOutput is a public form.
type PublicFormOutput struct {
	Body PublicForm
}

func (a *API) publicForm(ctx context.Context, in *SlugPath) (*PublicFormOutput, error) {
	f, err := a.deps.Leads.PublicForm(ctx, in.Slug)
	if err != nil {
		return nil, err
	}
	return &PublicFormOutput{Body: PublicForm{Slug: f.Slug, Title: f.Title, Intro: f.Intro, Fields: f.Fields, ThankYou: f.ThankYou,
		Honeypot: HoneypotField, Action: Prefix + "/forms/" + f.Slug}}, nil
}

type submitFormInput struct {
	SlugPath
	RawBody []byte

	contentType, referer string
}

// Resolve reads the headers a submission is parsed by (OpenAPI does not
// document Content-Type as a parameter).
func (in *submitFormInput) Resolve(ctx huma.Context) []error {
	in.contentType, in.referer = ctx.Header("Content-Type"), ctx.Header("Referer")
	return nil
}

// SubmissionOutput answers a submission.
type SubmissionOutput struct {
	Body struct {
		Status  string `json:"status" enum:"received"`
		Message string `json:"message,omitempty" doc:"The form's thank-you text"`
	}
}

func (a *API) submitForm(ctx context.Context, in *submitFormInput) (*SubmissionOutput, error) {
	if err := a.forms.check(httpx.ClientAddress(ctx)); err != nil {
		return nil, err
	}
	var query url.Values
	if u, ok := ctx.Value(requestURLKey{}).(*url.URL); ok {
		query = u.Query()
	}
	sub, err := ParseSubmission(in.contentType, in.RawBody, query, in.referer)
	if err != nil {
		return nil, err
	}
	if _, err := a.deps.Leads.Submit(ctx, in.Slug, sub); err != nil {
		return nil, err
	}
	f, err := a.deps.Leads.PublicForm(ctx, in.Slug)
	if err != nil {
		return nil, err
	}
	out := &SubmissionOutput{}
	out.Body.Status, out.Body.Message = "received", f.ThankYou
	return out, nil
}

// ParseSubmission reads a public form submission: a URL-encoded body (what
// an HTML form sends; also the default without a Content-Type) or a JSON
// object of strings. It keeps the lead fields a form may show, the
// honeypot, and the UTM parameters: from the body, else the query string,
// else the query of the page that sent it (Referer). Values are not checked
// here; the service does.
func ParseSubmission(contentType string, body []byte, query url.Values, referer string) (lead.Submission, error) {
	const op = "api.ParseSubmission"
	sub := lead.Submission{Values: map[string]string{}, UTM: map[string]string{}}
	if len(body) > maxFormBody {
		return sub, crm.E(op, crm.KindTooLarge, "body_too_large").With("max", maxFormBody)
	}
	media := "application/x-www-form-urlencoded"
	if strings.TrimSpace(contentType) != "" {
		mt, _, err := mime.ParseMediaType(contentType)
		if err != nil {
			return sub, crm.E(op, crm.KindMalformed, "malformed_request").With("detail", "Content-Type: "+err.Error())
		}
		media = mt
	}
	var values url.Values
	switch {
	case media == "application/x-www-form-urlencoded":
		v, err := url.ParseQuery(string(body))
		if err != nil {
			return sub, crm.E(op, crm.KindMalformed, "malformed_request").With("detail", err.Error())
		}
		values = v
	case media == "application/json" || strings.HasSuffix(media, "+json"):
		var doc map[string]any
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.UseNumber()
		if err := dec.Decode(&doc); err != nil {
			return sub, malformed(err)
		}
		if _, err := dec.Token(); err != io.EOF {
			return sub, malformed(errTrailing)
		}
		values = url.Values{}
		for k, raw := range doc {
			switch x := raw.(type) {
			case string:
				values.Set(k, x)
			case json.Number:
				values.Set(k, x.String())
			case nil:
			default:
				return sub, crm.E(op, crm.KindMalformed, "malformed_request").With("detail", k+": expected a string")
			}
		}
	default:
		return sub, crm.E(op, crm.KindMalformed, "unsupported_media_type").With("expected", "application/x-www-form-urlencoded, application/json")
	}
	for _, name := range lead.FormFieldNames {
		if v := values.Get(name); v != "" {
			sub.Values[name] = v
		}
	}
	sub.Honeypot = values.Get(HoneypotField)
	var fromReferer url.Values
	if u, err := url.Parse(referer); err == nil && referer != "" {
		fromReferer = u.Query()
	}
	for _, p := range lead.UTMParams {
		for _, src := range []url.Values{values, query, fromReferer} {
			if v := src.Get(p); v != "" {
				sub.UTM[p] = v
				break
			}
		}
	}
	return sub, nil
}

type trailingError struct{}

func (trailingError) Error() string { return "unexpected data after the JSON value" }

var errTrailing error = trailingError{}

// submitLimiter is a token bucket per client address, in this process's
// memory.
type submitLimiter struct {
	mu       sync.Mutex
	burst    float64
	interval time.Duration
	buckets  map[string]*bucket
	now      func() time.Time
}

type bucket struct {
	tokens float64
	at     time.Time
}

func newSubmitLimiter(burst int, interval time.Duration) *submitLimiter {
	return &submitLimiter{burst: float64(burst), interval: interval, buckets: map[string]*bucket{}, now: time.Now}
}

// maxBuckets bounds the memory of the limiter: past it, full buckets are
// forgotten (an address seen again starts full, as they were).
const maxBuckets = 10_000

// allow takes a token from key's bucket, or says how long until one is
// there.
func (l *submitLimiter) allow(key string) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	b := l.buckets[key]
	if b == nil {
		if len(l.buckets) >= maxBuckets {
			for k, x := range l.buckets {
				if l.refill(x, now) >= l.burst {
					delete(l.buckets, k)
				}
			}
		}
		b = &bucket{tokens: l.burst, at: now}
		l.buckets[key] = b
	}
	b.tokens, b.at = l.refill(b, now), now
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	return false, time.Duration((1 - b.tokens) * float64(l.interval))
}

func (l *submitLimiter) refill(b *bucket, now time.Time) float64 {
	return math.Min(l.burst, b.tokens+float64(now.Sub(b.at))/float64(l.interval))
}

// check refuses a submission over the rate (429 with Retry-After).
func (l *submitLimiter) check(client string) error {
	ok, wait := l.allow(client)
	if ok {
		return nil
	}
	return crm.E("api.submitForm", crm.KindRateLimited, "too_many_submissions").
		With("retry_after", int(math.Ceil(wait.Seconds())))
}

// The HTML form page.

// formPages serves the public form page and takes its posts.
func (a *API) formPages(mux *http.ServeMux) {
	mux.HandleFunc("GET /forms/{slug}", a.formPage)
	mux.HandleFunc("POST /forms/{slug}", a.formPost)
}

// formPageData is what the page template shows.
type formPageData struct {
	Lang, Title, Intro, Action, Error, Submit, Honeypot, HoneypotName, Thanks string
	Fields                                                                    []pageField
	Hidden                                                                    []pageHidden
	Done                                                                      bool
}

type pageField struct {
	Name, Label, Type, Value, Error string
	Required, Area, Select          bool
	Options                         []string
	Choose                          string
}

type pageHidden struct{ Name, Value string }

var formPageTemplate = template.Must(template.New("form").Parse(`<!doctype html>
<html lang="{{.Lang}}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style>
body{font:16px/1.5 system-ui,-apple-system,"PingFang TC","Microsoft JhengHei","Noto Sans CJK TC",sans-serif;margin:0;padding:1rem;color:#1f2328;background:#fff}
main{max-width:32rem;margin:0 auto}
label{display:block;margin:.75rem 0 .25rem;font-weight:600}
input,select,textarea{box-sizing:border-box;width:100%;padding:.5rem;border:1px solid #8c959f;border-radius:4px;font:inherit}
textarea{min-height:6rem}
button{margin-top:1rem;padding:.6rem 1.2rem;border:0;border-radius:4px;background:#0969da;color:#fff;font:inherit;cursor:pointer}
.error{color:#cf222e;margin:.25rem 0}
.hp{position:absolute;left:-10000px;width:1px;height:1px;overflow:hidden}
</style>
</head>
<body>
<main>
{{if .Title}}<h1>{{.Title}}</h1>{{end}}
{{if .Done}}<p role="status">{{.Thanks}}</p>{{else}}
{{if .Intro}}<p>{{.Intro}}</p>{{end}}
{{if .Error}}<p class="error" role="alert">{{.Error}}</p>{{end}}
<form method="post" action="{{.Action}}">
{{range .Fields}}<label for="f-{{.Name}}">{{.Label}}{{if .Required}} *{{end}}</label>
{{if .Area}}<textarea id="f-{{.Name}}" name="{{.Name}}"{{if .Required}} required{{end}} maxlength="5000">{{.Value}}</textarea>
{{else if .Select}}<select id="f-{{.Name}}" name="{{.Name}}"{{if .Required}} required{{end}}><option value="">{{.Choose}}</option>{{$v := .Value}}{{range .Options}}<option{{if eq . $v}} selected{{end}}>{{.}}</option>{{end}}</select>
{{else}}<input id="f-{{.Name}}" name="{{.Name}}" type="{{.Type}}" value="{{.Value}}"{{if .Required}} required{{end}} maxlength="254">
{{end}}{{if .Error}}<p class="error">{{.Error}}</p>{{end}}
{{end}}{{range .Hidden}}<input type="hidden" name="{{.Name}}" value="{{.Value}}">
{{end}}<div class="hp" aria-hidden="true"><label for="f-hp">{{.Honeypot}}</label><input id="f-hp" name="{{.HoneypotName}}" tabindex="-1" autocomplete="off"></div>
<button type="submit">{{.Submit}}</button>
</form>{{end}}
</main>
</body>
</html>
`))

var fieldTypes = map[string]string{"email": "email", "phone": "tel"}

// pageData lays out a form for its page, with what a visitor sent and the
// errors of it.
func pageData(ctx context.Context, f *lead.Form, sub lead.Submission, query url.Values, fieldErrors map[string]string) formPageData {
	lang := httpx.Language(ctx)
	msg := func(key string) string { return i18n.Message(lang, key, nil) }
	d := formPageData{Lang: lang, Title: f.Title, Intro: f.Intro, Action: "/forms/" + f.Slug, Submit: msg("leadform.submit"),
		Honeypot: msg("leadform.honeypot"), HoneypotName: HoneypotField}
	if d.Title == "" {
		d.Title = f.Name
	}
	for _, ff := range f.Fields {
		pf := pageField{Name: ff.Field, Label: ff.Label, Type: "text", Value: sub.Values[ff.Field], Required: ff.Required,
			Error: fieldErrors[ff.Field], Area: ff.Field == "notes", Select: ff.Field == "company_size", Choose: msg("leadform.choose")}
		if pf.Label == "" {
			pf.Label = msg("leadform." + ff.Field)
		}
		if t := fieldTypes[ff.Field]; t != "" {
			pf.Type = t
		}
		if pf.Select {
			pf.Options = lead.CompanySizes
		}
		d.Fields = append(d.Fields, pf)
	}
	for _, p := range lead.UTMParams {
		v := sub.UTM[p]
		if v == "" {
			v = query.Get(p)
		}
		if v != "" {
			d.Hidden = append(d.Hidden, pageHidden{Name: p, Value: v})
		}
	}
	return d
}

// writeFormPage renders the page. It may be framed by any site (it is
// meant to be embedded), unlike the rest of Guanxi.
func writeFormPage(w http.ResponseWriter, status int, d formPageData) {
	h := w.Header()
	h.Del("X-Frame-Options")
	h.Set("Content-Security-Policy", "frame-ancestors *; default-src 'none'; style-src 'unsafe-inline'; form-action 'self' http: https:")
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = formPageTemplate.Execute(w, d)
}

// writeFormMessage renders the page with only a message (an unknown form,
// a rate limit, an error).
func writeFormMessage(w http.ResponseWriter, r *http.Request, status int, key string, params map[string]any) {
	lang := httpx.Language(r.Context())
	writeFormPage(w, status, formPageData{Lang: lang, Title: i18n.Message(lang, key, params), Done: true})
}

func (a *API) formPage(w http.ResponseWriter, r *http.Request) {
	f, err := a.deps.Leads.PublicForm(r.Context(), r.PathValue("slug"))
	if err != nil {
		a.formError(w, r, err)
		return
	}
	writeFormPage(w, http.StatusOK, pageData(r.Context(), f, lead.Submission{}, r.URL.Query(), nil))
}

func (a *API) formPost(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	slug := r.PathValue("slug")
	if err := a.forms.check(httpx.ClientAddress(ctx)); err != nil {
		a.formError(w, r, err)
		return
	}
	f, err := a.deps.Leads.PublicForm(ctx, slug)
	if err != nil {
		a.formError(w, r, err)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxFormBody))
	if err != nil {
		a.formError(w, r, crm.E("api.formPost", crm.KindTooLarge, "body_too_large").With("max", maxFormBody))
		return
	}
	sub, err := ParseSubmission(r.Header.Get("Content-Type"), body, r.URL.Query(), r.Referer())
	if err == nil {
		_, err = a.deps.Leads.Submit(ctx, slug, sub)
	}
	if ce, ok := crm.AsError(err); ok && ce.Kind == crm.KindInvalid && len(ce.Fields) > 0 {
		lang := httpx.Language(ctx)
		fieldErrors := map[string]string{}
		for _, fe := range ce.Fields {
			if _, ok := fieldErrors[fe.Field]; !ok {
				fieldErrors[fe.Field] = i18n.Message(lang, fe.Code, fe.Params)
			}
		}
		d := pageData(ctx, f, sub, r.URL.Query(), fieldErrors)
		d.Error = i18n.Message(lang, "leadform.errors", nil)
		writeFormPage(w, http.StatusUnprocessableEntity, d)
		return
	}
	if err != nil {
		a.formError(w, r, err)
		return
	}
	if f.RedirectURL != "" {
		http.Redirect(w, r, f.RedirectURL, http.StatusSeeOther)
		return
	}
	d := pageData(ctx, f, lead.Submission{}, nil, nil)
	d.Done, d.Thanks = true, f.ThankYou
	if d.Thanks == "" {
		d.Thanks = i18n.Message(httpx.Language(ctx), "leadform.thanks", nil)
	}
	writeFormPage(w, http.StatusOK, d)
}

// formError answers the page's errors as a page: its status, a message in
// the visitor's language, the cause of an internal one in the log.
func (a *API) formError(w http.ResponseWriter, r *http.Request, err error) {
	p := httpx.ProblemFor(r.Context(), err)
	if n, ok := p.Params["retry_after"].(int); ok {
		w.Header().Set("Retry-After", strconv.Itoa(n))
	}
	switch {
	case p.Status == http.StatusNotFound:
		writeFormMessage(w, r, p.Status, "leadform.not_found", nil)
	case p.Status == http.StatusTooManyRequests:
		writeFormMessage(w, r, p.Status, "leadform.too_many", nil)
	case p.Status >= 500:
		if a.deps.Logger != nil {
			a.deps.Logger.ErrorContext(r.Context(), "web form", "err", err, "request_id", crm.RequestID(r.Context()))
		}
		writeFormMessage(w, r, p.Status, "internal_error", p.Params)
	default:
		writeFormMessage(w, r, p.Status, p.Code, p.Params)
	}
}

// formBody bounds the body of a public submission, which may be refused
// for its rate (429).
func formBody(o huma.Operation) huma.Operation {
	o.MaxBodyBytes = maxFormBody
	o.Errors = append(o.Errors, http.StatusTooManyRequests)
	return o
}

// SubmissionBody documents a public submission.
type SubmissionBody struct {
	Name        string `json:"name,omitempty" maxLength:"200"`
	Email       string `json:"email,omitempty" maxLength:"254"`
	Phone       string `json:"phone,omitempty" maxLength:"40"`
	CompanyName string `json:"company_name,omitempty" maxLength:"200"`
	Title       string `json:"title,omitempty" maxLength:"200"`
	CompanySize string `json:"company_size,omitempty" enum:"1-10,11-50,51-200,201-500,501-1000,1001-5000,5001+,"`
	Notes       string `json:"notes,omitempty" maxLength:"5000"`
	UTMSource   string `json:"utm_source,omitempty" maxLength:"200"`
	UTMMedium   string `json:"utm_medium,omitempty" maxLength:"200"`
	UTMCampaign string `json:"utm_campaign,omitempty" maxLength:"200"`
	UTMTerm     string `json:"utm_term,omitempty" maxLength:"200"`
	UTMContent  string `json:"utm_content,omitempty" maxLength:"200"`
	Website     string `json:"website,omitempty" doc:"The honeypot: hide it from people and leave it empty"`
}

// documentFormBody documents the two forms a submission comes in.
func documentFormBody(a *API, path string) {
	schema := a.schemaOf(reflect.TypeFor[SubmissionBody]())
	a.huma.OpenAPI().Paths[path].Post.RequestBody = &huma.RequestBody{
		Required:    true,
		Description: "The visitor's answers",
		Content: map[string]*huma.MediaType{
			"application/x-www-form-urlencoded": {Schema: schema},
			"application/json":                  {Schema: schema},
		},
	}
}
