// Package app is the composition root: it opens the store, builds the
// services and the HTTP surfaces over them, and runs the server and its
// background work. main, the CLI, end-to-end tests and the benchmark harness
// all build Guanxi through it.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/guanxi-crm/guanxi/internal/account"
	"github.com/guanxi-crm/guanxi/internal/activity"
	"github.com/guanxi-crm/guanxi/internal/commerce"
	"github.com/guanxi-crm/guanxi/internal/config"
	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/exporter"
	"github.com/guanxi-crm/guanxi/internal/http/api"
	"github.com/guanxi-crm/guanxi/internal/http/httpx"
	"github.com/guanxi-crm/guanxi/internal/http/web"
	"github.com/guanxi-crm/guanxi/internal/idempotency"
	"github.com/guanxi-crm/guanxi/internal/importer"
	"github.com/guanxi-crm/guanxi/internal/insight"
	"github.com/guanxi-crm/guanxi/internal/jobs"
	"github.com/guanxi-crm/guanxi/internal/lead"
	"github.com/guanxi-crm/guanxi/internal/report"
	"github.com/guanxi-crm/guanxi/internal/sales"
	"github.com/guanxi-crm/guanxi/internal/segment"
	"github.com/guanxi-crm/guanxi/internal/store"
	"github.com/guanxi-crm/guanxi/internal/touchpoint"
)

// Version is the version of this build, set by the linker
// (-ldflags "-X github.com/guanxi-crm/guanxi/internal/app.Version=…").
var Version = "0.1.0-dev"

// App is a configured Guanxi.
type App struct {
	Config      config.Config
	Logger      *slog.Logger
	Store       *store.Store
	Customers   *customer.Service
	Touchpoints *touchpoint.Service
	Commerce    *commerce.Service
	Reports     *report.Service
	Sales       *sales.Service
	Segments    *segment.Service
	Insight     *insight.Service
	Leads       *lead.Service // leads, web forms and the shared lead pools (公海)
	Activities  *activity.Service
	Importer    *importer.Importer
	Jobs        *jobs.Service
	// Runner runs the durable jobs while the server serves.
	Runner      *jobs.Runner
	Accounts    *account.Service
	Idempotency *idempotency.Service
	API         *api.API
	// Web is the server-rendered UI.
	Web     *web.Web
	Metrics *httpx.Metrics
	// Handler serves every HTTP surface.
	Handler http.Handler
}

// Open connects to the database, brings its schema up to date and builds
// the services. Close releases it.
func Open(ctx context.Context, cfg config.Config, logger *slog.Logger) (*App, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	st, err := store.Open(ctx, store.Config{URL: cfg.DatabaseURL, Dir: cfg.DataDir})
	if err != nil {
		return nil, err
	}
	start := time.Now()
	m, err := st.Migrate(ctx)
	if err != nil {
		st.Close()
		return nil, err
	}
	if len(m.Applied) > 0 || m.SearchRebuilt {
		logger.Info("database migrated", "versions", m.Applied, "search_rebuilt", m.SearchRebuilt,
			"took", time.Since(start).Round(time.Millisecond), "store", cfg.Store())
	}
	a := &App{
		Config:      cfg,
		Logger:      logger,
		Store:       st,
		Customers:   customer.NewService(st, customer.Options{DefaultRegion: cfg.DefaultRegion}),
		Accounts:    account.NewService(st, account.Options{}),
		Idempotency: idempotency.NewService(st, nil),
		Metrics:     httpx.NewMetrics(),
	}
	a.Touchpoints = touchpoint.NewService(st, a.Customers, nil)
	a.Commerce = commerce.NewService(st, a.Touchpoints, a.Customers, commerce.Options{DefaultCurrency: cfg.Currency})
	a.Reports = report.NewService(st, nil)
	a.Sales = sales.NewService(st, a.Customers, sales.Options{DefaultCurrency: cfg.Currency})
	a.Segments = segment.NewService(st, segment.Options{Region: cfg.DefaultRegion, DefaultCurrency: cfg.Currency})
	a.Insight = insight.NewService(st, nil)
	a.Jobs = jobs.NewService(st, nil)
	a.Runner = jobs.NewRunner(st, jobs.RunnerOptions{Logger: logger, Workers: 2})
	a.Jobs.OnEnqueue(a.Runner.Notify)
	a.Importer = &importer.Importer{Customers: a.Customers, Touchpoints: a.Touchpoints, Commerce: a.Commerce, Tx: st,
		Jobs: a.Jobs, Uploads: st, Principal: a.principal}
	a.Runner.Handle(importer.JobKind, a.Importer.RunJob)
	a.Runner.Handle(segmentsJobKind, a.refreshSegments)
	a.Runner.Every(segmentsJobKind, segmentsEvery, nil)
	a.Runner.Handle(insight.JobKind, a.refreshInsight)
	a.Runner.Every(insight.JobKind, insightEvery, nil)
	a.openLeads()
	a.wireLeadImports()
	if err := a.openActivities(); err != nil {
		st.Close()
		return nil, err
	}
	a.watchPools()
	a.Handler = a.handler()
	return a, nil
}

// Close closes the database.
func (a *App) Close() error { return a.Store.Close() }

// handler assembles the HTTP surfaces and the middleware every request
// passes, outermost first.
func (a *App) handler() http.Handler {
	mux := http.NewServeMux()
	a.API = api.New(mux, api.Deps{
		Customers: a.Customers, Touchpoints: a.Touchpoints, Commerce: a.Commerce, Reports: a.Reports,
		Importer: a.Importer, Exporter: &exporter.Exporter{Customers: a.Customers, Commerce: a.Commerce, Touchpoints: a.Touchpoints},
		Jobs: a.Jobs, Logger: a.Logger,
		Accounts: a.Accounts, Idempotency: a.Idempotency, Sales: a.Sales, Segments: a.Segments, Insight: a.Insight, Activities: a.Activities, Leads: a.Leads,
		Version: Version, SecureCookies: a.Config.SecureCookies,
	})
	mux.HandleFunc("GET /healthz", a.healthz)
	mux.HandleFunc("GET /readyz", a.readyz)
	mux.Handle("GET /metrics", a.Metrics.Handler())
	a.Web = web.New(mux, web.Deps{
		Customers: a.Customers, Touchpoints: a.Touchpoints, Importer: a.Importer, Jobs: a.Jobs,
		Accounts: a.Accounts, Segments: a.Segments, Insight: a.Insight, Reports: a.Reports, Sales: a.Sales, Commerce: a.Commerce,
		Leads: a.Leads, Activities: a.Activities,
		Logger: a.Logger, Version: Version, Currency: a.Config.Currency,
		SecureCookies: a.Config.SecureCookies,
	})
	mux.HandleFunc("GET /{$}", a.Web.Home)
	proxies, _ := a.Config.Proxies() // checked by Validate
	return httpx.Chain(mux,
		httpx.RequestID(proxies),
		httpx.AccessLog(a.Logger, a.Metrics),
		httpx.Negotiate, // by Accept-Language, for the errors of the layers before authentication
		httpx.Recover,
		httpx.SecurityHeaders,
		httpx.JSONErrors,
		httpx.Authenticate(a.Accounts),
		httpx.Negotiate, // again, with the user's own setting
		api.Idempotent(a.Idempotency),
		httpx.Routed,
	)
}

func (a *App) healthz(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write([]byte(`{"status":"ok"}` + "\n"))
}

// readyz answers 200 when the database answers and its schema is current.
func (a *App) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	err := a.Store.Ping(ctx)
	if err == nil {
		var current, latest int64
		if current, latest, err = a.Store.SchemaVersion(ctx); err == nil && current != latest {
			err = fmt.Errorf("schema at version %d, this build expects %d", current, latest)
		}
	}
	if err != nil {
		a.Logger.WarnContext(ctx, "not ready", "err", err)
		httpx.WriteError(w, r, crm.E("app.readyz", crm.KindUnavailable, "unavailable"))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = fmt.Fprintf(w, `{"status":"ready","store":%q}`+"\n", a.Store.Dialect())
}

// Serve serves HTTP on ln until ctx ends, then drains requests in flight (up
// to 15 s) and returns. Background work runs beside it.
func (a *App) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           a.Handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      120 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(a.Logger.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	bg, stopBackground := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		a.runJanitor(bg)
	}()
	jobsDone := make(chan struct{})
	go func() {
		defer close(jobsDone)
		if err := a.Runner.Run(bg); err != nil {
			a.Logger.Error("the job runner stopped", "err", err)
		}
	}()
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	var err error
	select {
	case err = <-errc:
	case <-ctx.Done():
		a.Logger.Info("shutting down: draining requests")
		shutdown, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		err = srv.Shutdown(shutdown)
		cancel()
	}
	stopBackground()
	<-done
	<-jobsDone
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// janitorInterval is how often expired things are cleared away.
const janitorInterval = time.Hour

// jobRetention is how long finished jobs and their uploads are kept.
const jobRetention = 30 * 24 * time.Hour

// runJanitor erases records past their trash retention, forgets expired
// sessions and idempotency keys, and compacts fragmented search indexes, at
// start and then every janitorInterval.
func (a *App) runJanitor(ctx context.Context) {
	t := time.NewTicker(janitorInterval)
	defer t.Stop()
	for {
		a.Janitor(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Janitor runs one round of clearing up.
func (a *App) Janitor(ctx context.Context) {
	sys := crm.WithPrincipal(ctx, crm.System)
	if n, err := a.Customers.PurgeExpired(sys); err != nil {
		a.Logger.Error("purging the trash", "err", err)
	} else if n > 0 {
		a.Logger.Info("purged records past their trash retention", "records", n)
	}
	if err := a.Accounts.ExpireSessions(ctx); err != nil {
		a.Logger.Error("expiring sessions", "err", err)
	}
	if err := a.Idempotency.Expire(ctx); err != nil {
		a.Logger.Error("expiring idempotency keys", "err", err)
	}
	if err := a.Store.MaintainSearch(ctx); err != nil {
		a.Logger.Error("compacting the search indexes", "err", err)
	}
	// Finished jobs (an import's report among them) and the files uploaded
	// for them are kept for a month.
	before := time.Now().Add(-jobRetention)
	if n, err := a.Jobs.Purge(sys, before); err != nil {
		a.Logger.Error("forgetting finished jobs", "err", err)
	} else if n > 0 {
		a.Logger.Info("forgot finished jobs", "jobs", n)
	}
	if _, err := a.Store.DeleteUploadsBefore(ctx, before); err != nil {
		a.Logger.Error("deleting old uploads", "err", err)
	}
}

// principal is the principal of a user, for work done on their behalf
// later (an import job).
func (a *App) principal(ctx context.Context, userID int64) (*crm.Principal, error) {
	sys := crm.WithPrincipal(ctx, crm.System)
	u, err := a.Accounts.GetUser(sys, userID)
	if err != nil {
		return nil, err
	}
	return a.Accounts.PrincipalFor(sys, u.Email)
}
