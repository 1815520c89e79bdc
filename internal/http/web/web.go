// Package web is Guanxi's server-rendered UI: html/template pages, embedded
// with their static files, enhanced with htmx (vendored, so neither building
// nor running needs Node) and a little plain JavaScript. Every page also
// works as plain HTML forms and links.
//
// Handlers here are thin, as in the API: they read the form, call one
// service method with the signed-in user in the context (the services decide
// what that user may see and do), and render the result. Sessions, the
// same-origin check on unsafe requests and the user's language come from the
// httpx middleware every request passes.
package web

import (
	"bytes"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/guanxi-crm/guanxi/internal/account"
	"github.com/guanxi-crm/guanxi/internal/activity"
	"github.com/guanxi-crm/guanxi/internal/commerce"
	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/customer"
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

//go:embed templates/*.html
var templateFS embed.FS

// The static files served: the UI's own, and the vendored ones with their
// licences (not the script that refreshes them).
//
//go:embed static/*.css static/*.js static/vendor/*/*.js static/vendor/*/LICENSE static/vendor/*/NOTICE static/vendor/*/VERSION
var staticFS embed.FS

// Deps are the services the UI drives.
type Deps struct {
	Customers   *customer.Service
	Touchpoints *touchpoint.Service
	Importer    *importer.Importer
	Jobs        *jobs.Service
	Accounts    *account.Service
	Segments    *segment.Service
	Insight     *insight.Service
	Reports     *report.Service
	Sales       *sales.Service
	Commerce    *commerce.Service
	Leads       *lead.Service
	Activities  *activity.Service
	Logger      *slog.Logger
	Version     string
	// Currency is the currency of amounts while the database has none yet
	// (before its first product or order): the configured one.
	Currency string
	// SecureCookies marks the cookies Secure (served over HTTPS).
	SecureCookies bool
}

// Web is the UI: its routes on a mux.
type Web struct {
	deps   Deps
	pages  map[string]map[string]*template.Template // page → language → templates
	assets map[string]string                        // static file → its URL with a content hash
	static fs.FS
}

// Paths of the UI's main pages.
const (
	HomePath      = "/"
	SignInPath    = "/signin"
	staticPrefix  = "/static/"
	langCookie    = "guanxi_lang"
	sessionMaxAge = 14 * 24 * time.Hour // the account service's default session lifetime
)

// New registers every route of the UI on mux.
func New(mux *http.ServeMux, deps Deps) *Web {
	if deps.Logger == nil {
		deps.Logger = slog.Default()
	}
	h := &Web{deps: deps}
	var err error
	if h.static, err = fs.Sub(staticFS, "static"); err != nil {
		panic(err)
	}
	h.assets = assetURLs(h.static)
	h.pages = parsePages(h.assets)
	for _, rt := range h.routes() {
		mux.Handle(rt.pattern, h.wrap(rt))
	}
	return h
}

// route is one route of the UI. public routes serve callers who are not
// signed in; the others send them to the sign-in page.
type route struct {
	pattern string
	public  bool
	handle  func(w http.ResponseWriter, r *http.Request) error
}

// routes lists every route of the UI.
func (h *Web) routes() []route {
	return []route{
		{pattern: "GET " + staticPrefix + "{path...}", public: true, handle: h.serveStatic},

		{pattern: "GET " + SignInPath, public: true, handle: h.signInPage},
		{pattern: "POST " + SignInPath, public: true, handle: h.signIn},
		{pattern: "POST /signout", public: true, handle: h.signOut},
		{pattern: "POST /language", public: true, handle: h.setLanguage},

		{pattern: "GET /customers", handle: h.customersPage},
		{pattern: "POST /customers/bulk", handle: h.bulkCustomers},
		{pattern: "POST /customers/export", handle: h.exportCustomers},
		{pattern: "POST /customers/views", handle: h.saveCustomersView},
		{pattern: "POST /customers/views/{id}/delete", handle: h.deleteCustomersView},
		{pattern: "GET /customers/new", handle: h.newCustomerPage},
		{pattern: "POST /customers", handle: h.createCustomer},
		{pattern: "GET /customers/{id}", handle: h.customerPage},
		{pattern: "GET /customers/{id}/edit", handle: h.editCustomerPage},
		{pattern: "POST /customers/{id}", handle: h.updateCustomer},
		{pattern: "GET /customers/{id}/timeline", handle: h.timelineMore},
		{pattern: "POST /customers/{id}/activities", handle: h.logActivity},
		{pattern: "GET /customers/{id}/orders", handle: h.ordersMore},
		{pattern: "GET /customers/{id}/merge", handle: h.mergePage},
		{pattern: "POST /customers/{id}/merge", handle: h.mergeCustomers},
		{pattern: "GET /companies/{id}", handle: h.companyPage},
		{pattern: "GET /companies/{id}/timeline", handle: h.companyTimelineMore},

		{pattern: "GET /segments", handle: h.segmentsPage},
		{pattern: "GET /segments/new", handle: h.newSegmentPage},
		{pattern: "POST /segments", handle: h.createSegment},
		{pattern: "POST /segments/builder", handle: h.segmentBuilder},
		{pattern: "POST /segments/preview", handle: h.previewSegment},
		{pattern: "GET /segments/{id}", handle: h.segmentPage},
		{pattern: "GET /segments/{id}/edit", handle: h.editSegmentPage},
		{pattern: "POST /segments/{id}", handle: h.updateSegment},
		{pattern: "POST /segments/{id}/refresh", handle: h.refreshSegment},
		{pattern: "POST /segments/{id}/delete", handle: h.deleteSegment},

		{pattern: "GET /insight", handle: h.insightPage},
		{pattern: "POST /insight/run", handle: h.runInsight},
		{pattern: "GET /insight/run/{id}", handle: h.insightRunProgress},
		{pattern: "GET /insight/cohorts", handle: h.cohortsPage},
		{pattern: "GET /insight/funnel", handle: h.funnelPage},
		{pattern: "GET /insight/bundles", handle: h.bundlesPage},
		{pattern: "GET /insight/pain-points", handle: h.painPointsPage},

		{pattern: "GET /pipeline", handle: h.pipelinePage},
		{pattern: "GET /deals/{id}", handle: h.dealPage},
		{pattern: "POST /deals/{id}/move", handle: h.moveDeal},
		{pattern: "POST /deals/{id}/quotes", handle: h.createQuote},
		{pattern: "POST /quotes/{id}/decide", handle: h.decideQuote},
		{pattern: "GET /forecast", handle: h.forecastPage},

		{pattern: "GET /leads", handle: h.leadsPage},
		{pattern: "GET /leads/new", handle: h.newLeadPage},
		{pattern: "POST /leads", handle: h.createLead},
		{pattern: "GET /leads/pool", handle: h.poolPage},
		{pattern: "POST /leads/pool/claim", handle: h.claimFromPool},
		{pattern: "POST /leads/claims/{id}/decide", handle: h.decideClaim},
		{pattern: "GET /leads/{id}", handle: h.leadPage},
		{pattern: "GET /leads/{id}/edit", handle: h.editLeadPage},
		{pattern: "POST /leads/{id}", handle: h.updateLead},
		{pattern: "POST /leads/{id}/qualify", handle: h.qualifyLead},
		{pattern: "POST /leads/{id}/disqualify", handle: h.disqualifyLead},
		{pattern: "POST /leads/{id}/convert", handle: h.convertLead},
		{pattern: "POST /leads/{id}/claim", handle: h.claimLead},
		{pattern: "POST /leads/{id}/release", handle: h.releaseLead},
		{pattern: "GET /deals/{id}/activities", handle: h.dealActivitiesMore},
		{pattern: "POST /deals/{id}/activities", handle: h.logDealActivity},

		{pattern: "GET /tasks", handle: h.tasksPage},
		{pattern: "POST /tasks/{id}/done", handle: h.completeTask},

		{pattern: "GET /import", handle: h.importPage},
		{pattern: "POST /import/preview", handle: h.previewImport},
		{pattern: "POST /import", handle: h.startImport},
		{pattern: "GET /imports/{id}", handle: h.importJobPage},
		{pattern: "GET /imports/{id}/progress", handle: h.importProgress},
		{pattern: "GET /imports/{id}/problems.csv", handle: h.importProblems},

		{pattern: "GET /account", handle: h.accountPage},
		{pattern: "POST /account/password", handle: h.changePassword},
		{pattern: "POST /account/tokens", handle: h.createToken},
		{pattern: "POST /account/tokens/{id}/revoke", handle: h.revokeToken},
		{pattern: "GET /admin", handle: h.adminHome},
		{pattern: "GET /admin/users", handle: h.adminUsersPage},
		{pattern: "POST /admin/users", handle: h.adminCreateUser},
		{pattern: "GET /admin/users/{id}", handle: h.adminUserPage},
		{pattern: "POST /admin/users/{id}", handle: h.adminUpdateUser},
		{pattern: "POST /admin/users/{id}/password", handle: h.adminSetPassword},
		{pattern: "POST /admin/users/{id}/tokens", handle: h.adminCreateToken},
		{pattern: "POST /admin/users/{id}/tokens/{token}/revoke", handle: h.adminRevokeToken},
		{pattern: "GET /admin/teams", handle: h.adminTeamsPage},
		{pattern: "POST /admin/teams", handle: h.adminCreateTeam},
		{pattern: "POST /admin/teams/{id}", handle: h.adminRenameTeam},
		{pattern: "POST /admin/teams/{id}/members", handle: h.adminAddMember},
		{pattern: "POST /admin/teams/{id}/members/{user}/remove", handle: h.adminRemoveMember},
		{pattern: "POST /admin/teams/{id}/delete", handle: h.adminDeleteTeam},
		{pattern: "GET /admin/fields", handle: h.adminFieldsPage},
		{pattern: "POST /admin/fields", handle: h.adminCreateField},
		{pattern: "GET /admin/fields/{id}", handle: h.adminFieldPage},
		{pattern: "POST /admin/fields/{id}", handle: h.adminUpdateField},
		{pattern: "POST /admin/fields/{id}/delete", handle: h.adminDeleteField},
		{pattern: "GET /admin/pipelines", handle: h.adminPipelinesPage},
		{pattern: "POST /admin/pipelines", handle: h.adminCreatePipeline},
		{pattern: "GET /admin/pipelines/{id}", handle: h.adminPipelinePage},
		{pattern: "POST /admin/pipelines/{id}", handle: h.adminRenamePipeline},
		{pattern: "POST /admin/pipelines/{id}/delete", handle: h.adminDeletePipeline},
		{pattern: "POST /admin/pipelines/{id}/stages", handle: h.adminAddStage},
		{pattern: "POST /admin/pipelines/{id}/stages/{stage}", handle: h.adminUpdateStage},
		{pattern: "POST /admin/pipelines/{id}/stages/{stage}/move", handle: h.adminMoveStage},
		{pattern: "POST /admin/pipelines/{id}/stages/{stage}/delete", handle: h.adminDeleteStage},

		// Any other address: a 404 page for browsers, a problem for
		// programs (the API answers under its prefix itself).
		{pattern: "/", public: true, handle: notFound},
	}
}

func notFound(w http.ResponseWriter, r *http.Request) error {
	err := crm.E("web", crm.KindNotFound, "route_not_found")
	if !strings.Contains(r.Header.Get("Accept"), "text/html") {
		httpx.WriteError(w, r, err)
		return nil
	}
	return err
}

// Home is "/": the dashboard for those signed in, else the sign-in page.
// The app mounts it on "GET /{$}", beside the API.
func (h *Web) Home(w http.ResponseWriter, r *http.Request) {
	if _, ok := crm.PrincipalFrom(r.Context()); ok {
		h.wrap(route{handle: h.dashboardPage}).ServeHTTP(w, r)
		return
	}
	http.Redirect(w, r, SignInPath, http.StatusSeeOther)
}

// wrap gives a route what every page needs: the sign-in check, the page's
// security headers, and one place where errors become readable pages.
func (h *Web) wrap(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hdr := w.Header()
		hdr.Set("Content-Security-Policy", contentSecurityPolicy)
		hdr.Add("Vary", "HX-Request, Cookie, Accept-Language")
		if !rt.public {
			if _, ok := crm.PrincipalFrom(r.Context()); !ok {
				h.toSignIn(w, r)
				return
			}
			hdr.Set("Cache-Control", "no-store")
		}
		if err := rt.handle(w, r); err != nil {
			h.fail(w, r, err)
		}
	})
}

// contentSecurityPolicy allows only Guanxi's own scripts and styles: no
// inline script, so markup that slips through escaping cannot run.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"

// toSignIn sends a caller who is not signed in to the sign-in page, to
// come back here afterwards.
func (h *Web) toSignIn(w http.ResponseWriter, r *http.Request) {
	next := r.URL.RequestURI()
	if r.Method != http.MethodGet || isFragment(r) {
		next = r.Header.Get("HX-Current-URL")
		if u, err := url.Parse(next); err == nil {
			next = u.RequestURI()
		}
	}
	target := SignInPath
	if next = localPath(next); next != "" && next != "/" {
		target += "?next=" + url.QueryEscape(next)
	}
	if isHTMX(r) {
		w.Header().Set("HX-Redirect", target)
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// localPath returns p when it is a path on this server ("/customers?q=a"),
// else "": a redirect after sign-in must not lead elsewhere.
func localPath(p string) string {
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.HasPrefix(p, "/\\") || strings.ContainsAny(p, "\r\n") {
		return ""
	}
	return p
}

// isHTMX reports whether htmx sent the request (it swaps the answer into
// the page).
func isHTMX(r *http.Request) bool { return r.Header.Get("HX-Request") == "true" }

// isFragment reports whether the request asks for a part of a page: an
// htmx request, except when htmx restores a page from history.
func isFragment(r *http.Request) bool {
	return isHTMX(r) && r.Header.Get("HX-History-Restore-Request") != "true"
}

// fail renders an error: a sign-in for the unauthenticated, else the
// problem in the user's language, as a page or, for htmx, as an alert in
// the page's message area. Only errors without a kind are 500s, and their
// cause goes to the log, not to the page.
func (h *Web) fail(w http.ResponseWriter, r *http.Request, err error) {
	if crm.IsKind(err, crm.KindUnauthenticated) {
		h.toSignIn(w, r)
		return
	}
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		err = crm.E("web", crm.KindTooLarge, "body_too_large").With("max", mbe.Limit)
	}
	prob := httpx.ProblemFor(r.Context(), err)
	if prob.Status == 499 {
		return // the client left
	}
	lang := h.lang(r)
	data := &errorPage{page: h.page(r, errorTitle(prob.Status)), Status: prob.Status,
		Message: i18n.Message(lang, prob.Code, readableParams(lang, prob.Params)), RequestID: prob.RequestID}
	for _, f := range prob.Errors {
		data.Fields = append(data.Fields, i18n.Message(lang, f.Code, f.Params))
	}
	if isFragment(r) {
		w.Header().Set("HX-Retarget", "#flash")
		w.Header().Set("HX-Reswap", "innerHTML")
		h.render(w, r, prob.Status, "error", "alert", data)
		return
	}
	h.render(w, r, prob.Status, "error", "page", data)
}

// errorTitle is the heading of an error page.
func errorTitle(status int) string {
	switch {
	case status == http.StatusNotFound:
		return "error.not_found"
	case status == http.StatusForbidden:
		return "error.forbidden"
	case status >= 500:
		return "error.server"
	case status >= 400:
		return "error.invalid"
	}
	return "error.title"
}

type errorPage struct {
	page
	Status    int
	Message   string
	Fields    []string // what is wrong with each field
	RequestID string
}

// page is what every page shows: the language, the user and the nav.
type page struct {
	Lang     string
	TitleKey string
	User     *crm.Principal
	Path     string // this page, to come back to after switching language
	Nav      string
	CanWrite bool
	IsAdmin  bool // the user menu links to the admin screens
	// InsightPath is where the nav's Insight leads: the whole insight for
	// those who read every record, else the pain points among their
	// customers (the rest adds up everyone).
	InsightPath string
	Version     string
}

func (h *Web) page(r *http.Request, titleKey string) page {
	p := page{Lang: h.lang(r), TitleKey: titleKey, Path: r.URL.RequestURI(), Version: h.deps.Version}
	if isHTMX(r) {
		if u, err := url.Parse(r.Header.Get("HX-Current-URL")); err == nil && localPath(u.RequestURI()) != "" {
			p.Path = u.RequestURI()
		}
	}
	if u, ok := crm.PrincipalFrom(r.Context()); ok {
		p.User, p.CanWrite, p.IsAdmin = u, u.CanWrite(), u.Role == crm.RoleAdmin
		p.InsightPath = "/insight/pain-points"
		if readsAll(u) {
			p.InsightPath = "/insight"
		}
	}
	return p
}

// lang is the language of the page: the user's setting, else the one
// chosen on this browser before signing in, else Accept-Language.
func (h *Web) lang(r *http.Request) string {
	chosen := ""
	if p, ok := crm.PrincipalFrom(r.Context()); ok {
		chosen = p.Language
	}
	if chosen == "" {
		if c, err := r.Cookie(langCookie); err == nil {
			chosen = c.Value
		}
	}
	return i18n.Negotiate(chosen, r.Header.Get("Accept-Language"))
}

// render executes a template of a page in the request's language. The page
// is rendered to a buffer first, so that a template error is a clean 500
// rather than half a page.
func (h *Web) render(w http.ResponseWriter, r *http.Request, status int, pageName, tmpl string, data any) {
	lang := h.lang(r)
	t := h.pages[pageName][lang]
	var b bytes.Buffer
	if err := t.ExecuteTemplate(&b, tmpl, data); err != nil {
		// A bug: log it with the request, and answer without the template.
		prob := httpx.ProblemFor(r.Context(), fmt.Errorf("web: rendering %s/%s: %w", pageName, tmpl, err))
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(prob.Status)
		_, _ = fmt.Fprintf(w, "<!doctype html><meta charset=utf-8><title>Guanxi</title><p>%s</p>",
			template.HTMLEscapeString(i18n.Message(lang, prob.Code, prob.Params)))
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Language", lang)
	w.WriteHeader(status)
	_, _ = w.Write(b.Bytes())
}

// seeOther answers a successful form post: a redirect, which htmx follows
// as a full navigation when asked with HX-Redirect.
func seeOther(w http.ResponseWriter, r *http.Request, to string) {
	if isHTMX(r) {
		w.Header().Set("HX-Redirect", to)
		w.WriteHeader(http.StatusNoContent)
		return
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// serveStatic serves the embedded static files. A URL with the file's
// content hash (as the pages link them) may be cached for good.
func (h *Web) serveStatic(w http.ResponseWriter, r *http.Request) error {
	name := r.PathValue("path")
	if _, ok := h.assets[name]; !ok {
		return crm.E("web.static", crm.KindNotFound, "route_not_found")
	}
	if r.URL.Query().Get("v") != "" {
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		w.Header().Set("Cache-Control", "no-cache")
	}
	if base := path.Base(name); base == "LICENSE" || base == "NOTICE" || base == "VERSION" {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	}
	http.ServeFileFS(w, r, h.static, name)
	return nil
}

// assetURLs maps each static file to its URL with a hash of its content.
func assetURLs(static fs.FS) map[string]string {
	out := map[string]string{}
	err := fs.WalkDir(static, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(static, p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		out[p] = staticPrefix + p + "?v=" + hex.EncodeToString(sum[:6])
		return nil
	})
	if err != nil {
		panic(err)
	}
	return out
}

// pageFiles lists each page's template file; every page is parsed with the
// layout and the shared parts.
var pageFiles = []string{"error", "signin", "customers", "customer_form", "customer", "import", "import_job",
	"segments", "segment", "segment_form", "dashboard", "insight", "insight_cohorts", "insight_funnel",
	"insight_bundles", "insight_pain", "pipeline", "deal", "forecast", "tasks",
	"company", "customer_merge"}

// parsePages parses every page once, then clones it for each language with
// the functions of that language bound (t, money, date …), so rendering
// needs no per-request template work.
func parsePages(assets map[string]string) map[string]map[string]*template.Template {
	out := map[string]map[string]*template.Template{}
	for _, name := range pageFiles {
		base := template.Must(template.New(name).Funcs(funcs(i18n.English, assets)).
			ParseFS(templateFS, "templates/layout.html", "templates/parts.html", "templates/"+name+".html"))
		out[name] = map[string]*template.Template{}
		for _, lang := range i18n.Languages {
			out[name][lang] = template.Must(base.Clone()).Funcs(funcs(lang, assets))
		}
	}
	return out
}

// principal returns the signed-in user (wrap made sure there is one).
func principal(ctx context.Context) *crm.Principal {
	p, _ := crm.PrincipalFrom(ctx)
	return p
}

// parseForm reads a urlencoded form of at most limit bytes.
func parseForm(w http.ResponseWriter, r *http.Request, limit int64) error {
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	if err := r.ParseForm(); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return err
		}
		return crm.E("web.parseForm", crm.KindMalformed, "malformed_request").With("detail", err.Error())
	}
	return nil
}
