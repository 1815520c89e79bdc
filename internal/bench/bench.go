// Package bench is the benchmark harness of BENCHMARKS.md, run by
// `guanxi bench`: it builds a fresh data set with a fixed seed, starts the
// real server on a loopback port, drives it with concurrent HTTP clients from
// the same process (each measurement bounded in time and count), and measures
// beside every scenario the baselines that make its figures comparable on a
// noisy machine: the same operation through the domain service without HTTP,
// a bare net/http handler returning 300 bytes, and a bare handler doing one
// primary-key lookup.
//
// Every measurement counts its errors, non-2xx answers and wrong answers (a
// search that finds nothing for a name that exists, an update that saved
// nothing); throughput counts only the operations that succeeded.
package bench

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"

	"os"
	"regexp"
	"runtime/pprof"
	"slices"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver, for the run's schema

	"github.com/guanxi-crm/guanxi/internal/app"
	"github.com/guanxi-crm/guanxi/internal/config"
	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/store"
)

// DefaultPostgresURL is the server --store postgres uses when no URL is
// given; the run makes a schema of its own there and drops it at the end.
const DefaultPostgresURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// Engines are the stores the harness runs on.
var Engines = []string{"sqlite", "postgres"}

// Config is one run of the harness.
type Config struct {
	// Store is "sqlite" or "postgres".
	Store string
	// DatabaseURL is the PostgreSQL server (Store "postgres"); "" means
	// DefaultPostgresURL. Any search_path in it is replaced by the run's own
	// schema.
	DatabaseURL string
	// TempDir is where the SQLite data directory of the run is made (and
	// removed); "" is the system's temporary directory.
	TempDir string
	// Contacts is the size of the data set, Seed the seed it is generated
	// from.
	Contacts int
	Seed     int64
	// Events and Orders size the shop data of the segment and rfm
	// scenarios: touchpoint events and orders of the loaded contacts, 0
	// meaning EventsPerContact and OrdersPerContact per contact. The shop
	// data is made only when a scenario reads it.
	Events, Orders int
	// Datasets is the directory of the public data sets the clv and
	// basket scenarios read (CDNOW, Groceries); "" is $GUANXI_DATASETS, or
	// else DefaultDatasets. A scenario whose data set is absent is skipped,
	// and the report says so.
	Datasets string
	// SkipPositions loads the data set without its buying committees
	// (positions), which take most of the load time; contacts then have no
	// current companies to read, list or find.
	SkipPositions bool
	// Keep leaves the run's database (the SQLite data directory, or the
	// PostgreSQL schema) in place after the run, to be looked into or
	// served; the log says where it is.
	Keep bool
	// Duration bounds each scenario's HTTP measurement, BaselineDuration
	// each baseline's (the bare handlers and the service path); 0 means a
	// quarter of Duration, at least a second (or Duration, if shorter).
	Duration, BaselineDuration time.Duration
	// Concurrency is the number of clients of every measurement.
	Concurrency int
	// MaxOps bounds the operations of each measurement (0: DefaultMaxOps).
	MaxOps int64
	// CreateContacts is how many contacts each create measurement may
	// create (0: a quarter of Contacts, at least a batch per client), so
	// that the data set stays the size it was measured at; create runs
	// last.
	CreateContacts int
	// Scenarios selects scenarios by name (see ScenarioNames); nil runs
	// them all. The baselines always run.
	Scenarios []string
	// NoTotal asks lists and searches not to count their matches on the
	// first page (the API counts them unless told total=false).
	NoTotal bool
	// DefaultRegion is the server's region for phone numbers ("" = TW).
	DefaultRegion string
	// Logger is the server's logger (nil: discard).
	Logger *slog.Logger
	// Progress receives a line per step, for the operator (nil: quiet).
	Progress io.Writer

	// CPUProfile, when set, receives a CPU profile of the measurements
	// (server and clients together; not the data set's build).
	CPUProfile io.Writer
	// HeapProfile, when set, receives the heap profile of the moment the
	// Go heap was highest during the measurements.
	HeapProfile io.Writer

	schema string // the run's PostgreSQL schema
}

// DefaultMaxOps is the count bound of a measurement.
const DefaultMaxOps = 500_000

// CreateBatch is the size of the batches the create scenario sends.
const CreateBatch = 500

// benchEmail is the login of the user the clients act as: an admin, so that
// every record is readable and writable in full.
const benchEmail = "bench@guanxi.local"

func (c *Config) defaults() error {
	if c.Store == "" {
		c.Store = "sqlite"
	}
	var errs []error
	switch c.Store {
	case "sqlite", "postgres":
	default:
		errs = append(errs, fmt.Errorf("store %q: want sqlite or postgres", c.Store))
	}
	if c.Contacts < 1 {
		errs = append(errs, fmt.Errorf("contacts %d: want at least 1", c.Contacts))
	}
	if c.Duration <= 0 {
		errs = append(errs, fmt.Errorf("duration %s: want more than 0", c.Duration))
	}
	if c.Concurrency < 1 {
		errs = append(errs, fmt.Errorf("concurrency %d: want at least 1", c.Concurrency))
	}
	if c.BaselineDuration <= 0 {
		c.BaselineDuration = max(c.Duration/4, min(c.Duration, time.Second))
	}
	if c.MaxOps <= 0 {
		c.MaxOps = DefaultMaxOps
	}
	if c.CreateContacts <= 0 {
		c.CreateContacts = max(c.Contacts/4, c.Concurrency*CreateBatch)
	}
	if c.DefaultRegion == "" {
		c.DefaultRegion = "TW"
	}
	if c.Events < 0 || c.Orders < 0 {
		errs = append(errs, fmt.Errorf("events %d, orders %d: want 0 (the default) or more", c.Events, c.Orders))
	}
	if c.Datasets == "" {
		c.Datasets = os.Getenv("GUANXI_DATASETS")
	}
	if c.Datasets == "" {
		c.Datasets = DefaultDatasets
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Progress == nil {
		c.Progress = io.Discard
	}
	if _, err := selectScenarios(c.Scenarios); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// Validate reports every setting that cannot work.
func (c Config) Validate() error { return c.defaults() }

func (c *Config) logf(format string, args ...any) {
	fmt.Fprintf(c.Progress, "bench: "+format+"\n", args...)
}

// Run builds the data set, starts the server, measures and reports. The
// database it made is removed before it returns.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	if err := cfg.defaults(); err != nil {
		return nil, err
	}
	scenarios, _ := selectScenarios(cfg.Scenarios)
	rep := newReport(cfg)
	mem := startMemorySampler()
	defer mem.stop()

	appCfg, cleanup, err := prepareDatabase(ctx, &cfg)
	if err != nil {
		return nil, err
	}
	defer func() {
		if cfg.Keep {
			cfg.logf("kept the data set: %s", keptWhere(appCfg))
			return
		}
		if err := cleanup(); err != nil {
			cfg.logf("cleaning up: %v", err)
		}
	}()
	rep.Database, rep.Schema = appCfg.Store(), cfg.schema

	// Build the data set with one app, then close it, so that the start
	// is measured on a data set that is already there.
	d, err := buildData(ctx, &cfg, appCfg, scenarios, rep)
	if err != nil {
		return nil, err
	}
	buildPeaks := mem.phase()

	srv, err := startServer(ctx, &cfg, appCfg, d, rep)
	if err != nil {
		return nil, err
	}
	defer srv.stop()

	e := &env{cfg: &cfg, app: srv.app, d: d, api: newClient(srv.url, d.token, cfg.Concurrency), mem: mem}
	defer e.api.close()
	p, err := srv.app.Accounts.AuthenticateToken(ctx, d.token)
	if err != nil {
		return nil, fmt.Errorf("bench: the clients' token: %w", err)
	}
	e.svc = crm.WithPrincipal(ctx, p)

	bare, err := startBare(ctx, srv.app)
	if err != nil {
		return nil, err
	}
	defer bare.close()
	e.bare = newClient(bare.url, "", cfg.Concurrency)
	defer e.bare.close()
	e.lookupName = "bare HTTP + 1 " + map[string]string{"sqlite": "SQLite", "postgres": "PostgreSQL"}[cfg.Store] + " lookup"

	if cfg.CPUProfile != nil {
		if err := pprof.StartCPUProfile(cfg.CPUProfile); err != nil {
			return nil, fmt.Errorf("bench: %w", err)
		}
	}
	if cfg.HeapProfile != nil {
		mem.profileHeap()
	}
	err = runAll(ctx, e, scenarios, rep)
	if cfg.CPUProfile != nil {
		pprof.StopCPUProfile()
	}
	if err != nil {
		return nil, err
	}
	rep.Memory.record(mem, buildPeaks, mem.phase())
	if cfg.HeapProfile != nil {
		if err := mem.heapProfile(cfg.HeapProfile); err != nil {
			return nil, fmt.Errorf("bench: %w", err)
		}
	}
	rep.finish()
	return rep, nil
}

// keptWhere says how to reach a kept data set.
func keptWhere(c config.Config) string {
	if c.DatabaseURL != "" {
		return store.RedactURL(c.DatabaseURL)
	}
	return "--data " + c.DataDir
}

// prepareDatabase makes the run's database: a temporary data directory, or
// a fresh schema on the PostgreSQL server. cleanup removes it.
func prepareDatabase(ctx context.Context, cfg *Config) (config.Config, func() error, error) {
	c := config.Defaults()
	c.DefaultRegion = cfg.DefaultRegion
	if cfg.Store == "sqlite" {
		dir, err := os.MkdirTemp(cfg.TempDir, "guanxi-bench-")
		if err != nil {
			return c, nil, fmt.Errorf("bench: %w", err)
		}
		c.DataDir = dir
		return c, func() error { return os.RemoveAll(dir) }, nil
	}
	base := cfg.DatabaseURL
	if base == "" {
		base = DefaultPostgresURL
	}
	schema := "bench_" + randomHex(6)
	admin, err := sql.Open("pgx", base)
	if err != nil {
		return c, nil, fmt.Errorf("bench: %w", err)
	}
	defer admin.Close()
	cctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	if _, err := admin.ExecContext(cctx, "CREATE SCHEMA "+schema); err != nil {
		return c, nil, fmt.Errorf("bench: create schema on %s: %w", store.RedactURL(base), err)
	}
	cfg.logf("made schema %s on %s", schema, store.RedactURL(base))
	cfg.schema = schema
	c.DatabaseURL = store.WithSchema(base, schema)
	drop := func() error {
		db, err := sql.Open("pgx", base)
		if err != nil {
			return err
		}
		defer db.Close()
		dctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		_, err = db.ExecContext(dctx, "DROP SCHEMA "+schema+" CASCADE")
		return err
	}
	return c, drop, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}

// server is the Guanxi under test.
type server struct {
	app  *app.App
	url  string
	stop func()
}

// startServer opens the app on the built data set and serves it on a
// loopback port, measuring the time from app.Open to the answer of the
// first request (an authenticated read of a contact).
func startServer(ctx context.Context, cfg *Config, appCfg config.Config, d *data, rep *Report) (*server, error) {
	cfg.logf("starting the server")
	// What is live now is the harness's (the build's app is closed), and
	// collecting the build's garbage should not be on the clock.
	rep.Memory.HarnessLive = liveHeap()
	start := time.Now()
	a, err := app.Open(ctx, appCfg, cfg.Logger)
	if err != nil {
		return nil, err
	}
	opened := time.Now()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		a.Close()
		return nil, err
	}
	sctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan error, 1)
	go func() { done <- a.Serve(sctx, ln) }()
	s := &server{app: a, url: "http://" + ln.Addr().String()}
	s.stop = func() {
		cancel()
		if err := <-done; err != nil {
			cfg.logf("serve: %v", err)
		}
		a.Close()
	}
	listening := time.Now()
	c := newClient(s.url, d.token, 1)
	status, body, _, err := c.do(ctx, http.MethodGet, fmt.Sprintf("/api/v1/contacts/%d", d.ids[0]), nil, nil)
	served := time.Now()
	if err == nil && status != http.StatusOK {
		err = fmt.Errorf("GET /api/v1/contacts/%d answered %d: %.200s", d.ids[0], status, body)
	}
	if err != nil {
		s.stop()
		return nil, fmt.Errorf("bench: the first request: %w", err)
	}
	c.close()
	rep.Startup = Startup{
		Open:         ms(opened.Sub(start)),
		Listen:       ms(listening.Sub(opened)),
		FirstRequest: ms(served.Sub(listening)),
		Total:        ms(served.Sub(start)),
	}
	return s, nil
}

// ScenarioNames lists the scenarios --scenario accepts: each scenario, and
// each group ("search" for all the search kinds, "analytics" for the
// analytics scenarios) before its first member.
func ScenarioNames() []string {
	names := make([]string, 0, len(allScenarios)+2)
	for _, s := range allScenarios {
		if s.group != "" && !slices.Contains(names, s.group) {
			names = append(names, s.group)
		}
		names = append(names, s.key)
	}
	return names
}

var scenarioName = regexp.MustCompile(`^[a-z0-9.]+$`)

// selectScenarios picks the scenarios named, in the order they run.
func selectScenarios(names []string) ([]*scenario, error) {
	if len(names) == 0 {
		return allScenarios, nil
	}
	want := map[string]bool{}
	for _, n := range names {
		n = strings.TrimSpace(strings.ToLower(n))
		if n == "" {
			continue
		}
		found := false
		for _, s := range allScenarios {
			if s.key == n || s.group == n {
				want[s.key], found = true, true
			}
		}
		if !found || !scenarioName.MatchString(n) {
			return nil, fmt.Errorf("scenario %q: want one of %s", n, strings.Join(ScenarioNames(), ", "))
		}
	}
	var out []*scenario
	for _, s := range allScenarios {
		if want[s.key] {
			out = append(out, s)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no scenario named: want one of %s", strings.Join(ScenarioNames(), ", "))
	}
	return out, nil
}
