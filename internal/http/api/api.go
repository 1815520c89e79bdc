// Package api is Guanxi's REST API under /api/v1: JSON in and out, errors as
// RFC 9457 problems, the OpenAPI 3.1 document generated from the same
// registrations that serve (huma), cursor pagination, optimistic concurrency
// with ETag/If-Match, and Idempotency-Key on POST.
package api

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"reflect"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"

	"github.com/guanxi-crm/guanxi/internal/account"
	"github.com/guanxi-crm/guanxi/internal/activity"
	"github.com/guanxi-crm/guanxi/internal/commerce"
	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/exporter"
	"github.com/guanxi-crm/guanxi/internal/http/httpx"
	"github.com/guanxi-crm/guanxi/internal/i18n"
	"github.com/guanxi-crm/guanxi/internal/importer"
	"github.com/guanxi-crm/guanxi/internal/insight"
	"github.com/guanxi-crm/guanxi/internal/jobs"
	"github.com/guanxi-crm/guanxi/internal/lead"
	"github.com/guanxi-crm/guanxi/internal/report"
	"github.com/guanxi-crm/guanxi/internal/sales"
	"github.com/guanxi-crm/guanxi/internal/segment"
	"github.com/guanxi-crm/guanxi/internal/touchpoint"
)

// Prefix is where the API lives.
const Prefix = "/api/v1"

// Deps are the services the API serves.
type Deps struct {
	Customers   *customer.Service
	Touchpoints *touchpoint.Service
	Commerce    *commerce.Service
	Reports     *report.Service
	Importer    *importer.Importer
	Exporter    *exporter.Exporter
	Jobs        *jobs.Service
	// Logger records what cannot be answered, such as an export cut short.
	Logger      *slog.Logger
	Sales       *sales.Service
	Segments    *segment.Service
	Insight     *insight.Service
	Activities  *activity.Service
	Leads       *lead.Service
	Accounts    *account.Service
	Idempotency IdempotencyStore
	Version     string
	// SecureCookies marks the session cookie Secure (set when served over
	// HTTPS, directly or behind a proxy).
	SecureCookies bool
}

// API is the REST API: its routes on a mux and its OpenAPI document.
type API struct {
	deps Deps
	huma huma.API
	// forms limits public form submissions per client address.
	forms *submitLimiter
}

// New registers every route of the API on mux.
func New(mux *http.ServeMux, deps Deps) *API {
	installErrorModel()
	registry := huma.NewMapRegistry("#/components/schemas/", schemaNamer)
	cfg := huma.Config{
		OpenAPI: &huma.OpenAPI{
			OpenAPI: "3.1.0",
			Info: &huma.Info{
				Title:       "Guanxi API",
				Version:     deps.Version,
				Description: apiDescription,
				License:     &huma.License{Name: "AGPL-3.0-or-later", Identifier: "AGPL-3.0-or-later"},
			},
			Servers: []*huma.Server{{URL: "/", Description: "This Guanxi server"}},
			Components: &huma.Components{
				Schemas: registry,
				SecuritySchemes: map[string]*huma.SecurityScheme{
					"token":   {Type: "http", Scheme: "bearer", Description: "An API token (gx_…) from POST /api/v1/tokens or `guanxi token create`"},
					"session": {Type: "apiKey", In: "cookie", Name: httpx.SessionCookie, Description: "The browser session set by POST /api/v1/auth/login"},
				},
			},
			Tags: apiTags,
		},
		Formats:       map[string]huma.Format{"application/json": huma.DefaultJSONFormat, "json": huma.DefaultJSONFormat},
		DefaultFormat: "application/json",
	}
	a := &API{deps: deps, huma: humago.New(mux, cfg), forms: newSubmitLimiter(submitBurst, submitInterval)}
	a.huma.UseMiddleware(requireAuth(a.huma), fewBatchesAtOnce(), func(ctx huma.Context, next func(huma.Context)) {
		u := ctx.URL()
		next(huma.WithValue(ctx, requestURLKey{}, &u))
	})
	a.routes()
	a.formPages(mux)
	mux.HandleFunc("GET "+Prefix+"/openapi.json", a.serveOpenAPI)
	mux.HandleFunc(Prefix+"/", func(w http.ResponseWriter, r *http.Request) {
		if allowed := allowedMethods(mux, r); len(allowed) > 0 {
			w.Header().Set("Allow", strings.Join(allowed, ", "))
			httpx.WriteProblem(w, r, httpx.NewProblem(r.Context(), http.StatusMethodNotAllowed, "method_not_allowed", nil))
			return
		}
		httpx.WriteError(w, r, crm.E("api", crm.KindNotFound, "route_not_found"))
	})
	return a
}

// allowedMethods lists the methods that have a route at the request's path
// (the catch-all aside): a path that exists under another method is a 405.
func allowedMethods(mux *http.ServeMux, r *http.Request) []string {
	var out []string
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pattern := mux.Handler(probe); pattern != "" && pattern != Prefix+"/" {
			out = append(out, m)
		}
	}
	return out
}

const apiDescription = `Guanxi is an open-source CRM. This is its REST API.

Authenticate with an API token in ` + "`Authorization: Bearer gx_…`" + ` (create one with ` + "`guanxi token create`" + ` or POST /api/v1/tokens).
Errors are RFC 9457 problem documents (application/problem+json) with a machine-readable ` + "`code`" + ` and, for invalid input, ` + "`errors[]`" + ` per field; messages follow Accept-Language (en, zh-Hant, zh-Hans).
Lists use cursor pagination: follow ` + "`next_url`" + ` (or the Link header) until it is absent. Records carry a ` + "`version`" + `; send it back as ` + "`If-Match: \"<version>\"`" + ` with PATCH and DELETE to avoid overwriting someone else's change (412 if it moved on).
POST requests accept an ` + "`Idempotency-Key`" + ` header: a retry with the same key and body replays the first response.`

var apiTags = []*huma.Tag{
	{Name: "contacts", Description: "People: customers, prospects, the members of buying committees"},
	{Name: "companies", Description: "Organisations"},
	{Name: "positions", Description: "A person's job at a company: title, department, buying role, influence, reporting line"},
	{Name: "custom-fields", Description: "Fields an admin adds to contacts and companies"},
	{Name: "tags", Description: "Labels on contacts and companies"},
	{Name: "users", Description: "People who sign in to Guanxi"},
	{Name: "teams", Description: "Groups of users who share records"},
	{Name: "tokens", Description: "API tokens"},
	{Name: "auth", Description: "Browser sign-in"},
	{Name: "audit", Description: "Who changed what, when"},
	{Name: "events", Description: "Touchpoints: every interaction a customer has, on every channel"},
	{Name: "products", Description: "What the business sells"},
	{Name: "orders", Description: "Sales and returns with their lines and refunds"},
	{Name: "carts", Description: "Shopping carts, open, converted or abandoned"},
	{Name: "subscriptions", Description: "Recurring purchases; their renewals are orders"},
	{Name: "reports", Description: "The figures an owner asks for first"},
	{Name: "imports", Description: "CSV files in: contacts, companies, products, orders, events"},
	{Name: "exports", Description: "Records out: CSV for Excel, vCard for phones"},
	{Name: "pipelines", Description: "Sales processes: ordered stages with win probabilities"},
	{Name: "deals", Description: "Opportunities worked through a pipeline; every move between stages is recorded"},
	{Name: "sales", Description: "Forecasts and sales KPIs"},
	{Name: "leads", Description: "Leads: captured, scored, qualified or disqualified, converted into a contact, company and deal"},
	{Name: "pools", Description: "The shared lead pools (公海): records without an owner, claimed by reps under each pool's rules"},
	{Name: "forms", Description: "Public web forms that capture leads, with their source and UTM parameters"},
	{Name: "activities", Description: "Tasks, calls, meetings and notes on contacts, companies, deals and leads; my tasks, overdue lists, deals without a next step"},
	{Name: "notifications", Description: "Reminders, mentions and assignments for the signed-in user"},
}

// OpenAPI returns the API's OpenAPI document.
func (a *API) OpenAPI() *huma.OpenAPI { return a.huma.OpenAPI() }

// OpenAPIJSON renders the document, indented.
func (a *API) OpenAPIJSON() ([]byte, error) { return json.MarshalIndent(a.huma.OpenAPI(), "", "  ") }

func (a *API) serveOpenAPI(w http.ResponseWriter, r *http.Request) {
	b, err := a.OpenAPIJSON()
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/vnd.oai.openapi+json")
	_, _ = w.Write(b)
}

// secured marks an operation as needing a signed-in caller.
var secured = []map[string][]string{{"token": {}}, {"session": {}}}

// anonymous is the security requirement of public operations: an empty
// requirement object, OpenAPI's way of saying "no credentials needed".
var anonymous = []map[string][]string{{}}

// isPublic reports whether an operation accepts anonymous callers.
func isPublic(op *huma.Operation) bool {
	for _, req := range op.Security {
		if len(req) == 0 {
			return true
		}
	}
	return false
}

// requireAuth refuses operations that declare security when the request has
// no principal, so the rule and its documentation are one.
func requireAuth(api huma.API) func(huma.Context, func(huma.Context)) {
	return func(ctx huma.Context, next func(huma.Context)) {
		if !isPublic(ctx.Operation()) {
			if _, ok := crm.PrincipalFrom(ctx.Context()); !ok {
				ctx.SetHeader("WWW-Authenticate", `Bearer realm="guanxi"`)
				_ = huma.WriteErr(api, ctx, http.StatusUnauthorized, "unauthenticated")
				return
			}
		}
		next(ctx)
	}
}

// fewBatchesAtOnce lets a few batch requests in at once (one per CPU, at
// least two) and keeps the others waiting before their bodies are read. A
// batch's records are written in one transaction, and on SQLite transactions
// run one after another anyway, so admitting sixteen at once only held
// sixteen decoded batches of 1,000 records in memory instead of a few.
func fewBatchesAtOnce() func(huma.Context, func(huma.Context)) {
	slots := make(chan struct{}, max(2, runtime.GOMAXPROCS(0)))
	return func(ctx huma.Context, next func(huma.Context)) {
		if ctx.Operation().MaxBodyBytes != maxBatchBody {
			next(ctx)
			return
		}
		select {
		case slots <- struct{}{}:
		case <-ctx.Context().Done():
			return // the client left
		}
		defer func() { <-slots }()
		next(ctx)
	}
}

// register adds an operation whose handler errors are mapped to problems in
// one place. Operations need a signed-in caller unless public is set.
func register[I, O any](api huma.API, op huma.Operation, h func(context.Context, *I) (*O, error)) {
	if op.Security == nil {
		op.Security = secured
	}
	if op.Method == http.MethodPost {
		op.Parameters = append(op.Parameters, idempotencyKeyParam)
	}
	if op.MaxBodyBytes == 0 {
		op.MaxBodyBytes = maxBody
	}
	op.Errors = append(op.Errors, errorStatuses(op, takesIfMatch(reflect.TypeFor[I]()))...)
	huma.Register(api, op, func(ctx context.Context, in *I) (*O, error) {
		if err := textViolations(in).Err(op.OperationID); err != nil {
			return nil, httpx.ProblemFor(ctx, err)
		}
		out, err := h(ctx, in)
		if err != nil {
			return nil, httpx.ProblemFor(ctx, err)
		}
		return out, nil
	})
}

var idempotencyKeyParam = &huma.Param{
	Name: "Idempotency-Key", In: "header",
	Description: "Makes a retry safe: a repeated request with the same key and body gets the first response again (keys are kept 24 hours)",
	Schema:      &huma.Schema{Type: "string", MaxLength: ptr(255)},
}

// errorStatuses documents the problems an operation can answer.
func errorStatuses(op huma.Operation, ifMatch bool) []int {
	out := []int{http.StatusBadRequest, http.StatusUnprocessableEntity, http.StatusInternalServerError}
	if !isPublic(&op) {
		out = append(out, http.StatusUnauthorized, http.StatusForbidden)
	}
	if strings.Contains(op.Path, "{") {
		out = append(out, http.StatusNotFound)
	}
	switch op.Method {
	case http.MethodPost, http.MethodPatch, http.MethodPut:
		out = append(out, http.StatusConflict, http.StatusRequestEntityTooLarge)
	}
	if ifMatch || op.Method == http.MethodPatch || op.Method == http.MethodDelete || strings.HasSuffix(op.Path, "/merge") {
		out = append(out, http.StatusPreconditionFailed)
	}
	return out
}

// takesIfMatch reports whether an operation's input has an If-Match header,
// whose stale version is answered with 412.
func takesIfMatch(t reflect.Type) bool {
	if t.Kind() != reflect.Struct {
		return false
	}
	for i := range t.NumField() {
		f := t.Field(i)
		if f.Type == reflect.TypeFor[IfMatch]() || (f.Anonymous && takesIfMatch(f.Type)) {
			return true
		}
	}
	return false
}

func ptr[T any](v T) *T { return &v }

// Body size limits: ordinary requests, and batches of up to 1,000 records.
const (
	maxBody      = 1 << 20
	maxBatchBody = 16 << 20
)

// installErrorModel makes huma answer its own errors (malformed JSON,
// schema violations, oversized bodies) as Guanxi problems, with a code per
// field and messages in the request's language.
var installOnce sync.Once

func installErrorModel() {
	installOnce.Do(func() {
		huma.NewErrorWithContext = func(hctx huma.Context, status int, msg string, errs ...error) huma.StatusError {
			ctx := context.Background()
			if hctx != nil {
				ctx = hctx.Context()
			}
			p := humaProblem(ctx, status, msg, errs)
			if hctx != nil {
				p.Instance = hctx.URL().Path
			}
			return p
		}
		huma.NewError = func(status int, msg string, errs ...error) huma.StatusError {
			return humaProblem(context.Background(), status, msg, errs)
		}
	})
}

func humaProblem(ctx context.Context, status int, msg string, errs []error) *httpx.Problem {
	for _, e := range errs {
		if p, ok := e.(*httpx.Problem); ok {
			return p
		}
	}
	code := map[int]string{
		http.StatusBadRequest: "malformed_request", http.StatusUnauthorized: "unauthenticated",
		http.StatusForbidden: "forbidden", http.StatusNotFound: "route_not_found",
		http.StatusMethodNotAllowed: "method_not_allowed", http.StatusNotAcceptable: "not_acceptable",
		http.StatusRequestEntityTooLarge: "body_too_large", http.StatusUnsupportedMediaType: "unsupported_media_type",
		http.StatusUnprocessableEntity: "validation_failed",
	}[status]
	if code == "" {
		code = "internal_error"
	}
	params := map[string]any{}
	switch {
	case status == http.StatusRequestEntityTooLarge:
		params["max"] = strings.TrimSuffix(strings.TrimPrefix(msg, "request body is too large limit="), " bytes")
	case status == http.StatusUnsupportedMediaType:
		params["expected"] = "application/json"
	case status == http.StatusBadRequest && len(errs) > 0:
		// Only the parser's message: huma's detail would echo the body.
		code, params["detail"] = "malformed_json", errs[0].Error()
		if d, ok := errs[0].(*huma.ErrorDetail); ok {
			params["detail"] = d.Message
		}
	case status == http.StatusBadRequest:
		params["detail"] = msg
	case code == "internal_error":
		params["request_id"] = crm.RequestID(ctx)
	}
	p := httpx.NewProblem(ctx, status, code, params)
	if status == http.StatusUnprocessableEntity || status == http.StatusBadRequest && code == "malformed_request" {
		p.Errors = fieldProblems(ctx, errs, "")
		if len(p.Errors) == 0 && msg != "" {
			p.Params = map[string]any{"detail": msg}
		}
	}
	return p
}

// fieldProblems turns huma's validation details into field problems. prefix
// replaces the "body" at the start of a location (for batch items).
func fieldProblems(ctx context.Context, errs []error, prefix string) []httpx.FieldProblem {
	lang := httpx.Language(ctx)
	var out []httpx.FieldProblem
	for _, e := range errs {
		d, ok := e.(*huma.ErrorDetail)
		if !ok {
			continue
		}
		field := d.Location
		switch {
		case field == "body":
			field = ""
		case strings.HasPrefix(field, "body."):
			field = field[len("body."):]
		case strings.HasPrefix(field, "query."), strings.HasPrefix(field, "path."), strings.HasPrefix(field, "header."):
			field = field[strings.IndexByte(field, '.')+1:]
		}
		if m := requiredProperty.FindStringSubmatch(d.Message); m != nil {
			// huma reports a missing property at its parent: name it.
			field = strings.TrimPrefix(field+"."+m[1], ".")
		}
		if prefix != "" {
			field = strings.TrimSuffix(prefix+"."+field, ".")
		}
		code, params := hintCode(d.Message)
		out = append(out, httpx.FieldProblem{Field: field, Code: code, Params: params, Message: localized(lang, code, params)})
	}
	return out
}

var requiredProperty = regexp.MustCompile(`^expected required property (\S+) to be present$`)

// hintCode classifies huma's validation messages into Guanxi's codes.
func hintCode(msg string) (string, map[string]any) {
	switch {
	case i18n.Has(msg) && !strings.Contains(msg, " "): // our own code, from a resolver
		return msg, nil
	case requiredProperty.MatchString(msg):
		return "required", nil
	case msg == "unexpected property":
		return "unexpected_property", nil
	case strings.HasPrefix(msg, "expected string"), strings.HasPrefix(msg, "expected number"),
		strings.HasPrefix(msg, "expected integer"), strings.HasPrefix(msg, "expected boolean"),
		strings.HasPrefix(msg, "expected array"), strings.HasPrefix(msg, "expected object"):
		if !strings.Contains(msg, " to ") && !strings.Contains(msg, ">") && !strings.Contains(msg, "<") {
			return "invalid_type", map[string]any{"detail": msg}
		}
	case strings.HasPrefix(msg, "expected value to be one of"):
		allowed := strings.TrimSuffix(strings.TrimPrefix(msg, `expected value to be one of "`), `"`)
		// An enum that may be left empty lists "" among its values.
		values := slices.DeleteFunc(strings.Split(allowed, ", "), func(v string) bool { return strings.TrimSpace(v) == "" })
		return "not_one_of", map[string]any{"allowed": strings.Join(values, ", ")}
	case strings.HasPrefix(msg, "expected length <= "):
		return "too_long", map[string]any{"max": strings.TrimPrefix(msg, "expected length <= ")}
	case strings.HasPrefix(msg, "expected array length <= "):
		return "too_many", map[string]any{"max": strings.TrimPrefix(msg, "expected array length <= ")}
	}
	return "schema_violation", map[string]any{"detail": msg}
}

func localized(lang, code string, params map[string]any) string {
	return httpx.NewProblem(httpx.WithLanguage(context.Background(), lang), 0, code, params).Detail
}

// schemaOf returns the registered schema of a Go type, for validating parts
// of bodies huma does not validate itself (batch items, merged patches).
func (a *API) schemaOf(t reflect.Type) *huma.Schema {
	return a.huma.OpenAPI().Components.Schemas.Schema(t, true, "")
}

// schemaNamer names schemas by their type, prefixed with the package for
// the types of internal/analytics, whose short names (Result, Step, Rule)
// repeat from one package to the next.
func schemaNamer(t reflect.Type, hint string) string {
	name := huma.DefaultSchemaNamer(t, hint)
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Map || t.Kind() == reflect.Array {
		t = t.Elem()
	}
	if pkg, ok := strings.CutPrefix(t.PkgPath(), "github.com/guanxi-crm/guanxi/internal/analytics/"); ok && t.Name() != "" {
		return strings.ToUpper(pkg[:1]) + pkg[1:] + name
	}
	return name
}
