package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/guanxi-crm/guanxi/internal/bench"
	"github.com/guanxi-crm/guanxi/internal/config"
)

func init() {
	register("bench", "measure the server's speed on a fresh data set, beside same-run baselines (BENCHMARKS.md)", func(ctx context.Context, env Env, args []string) error {
		var cfg config.Config
		var (
			store, scenarios, datasets         string
			cpuProfile, heapProfile            string
			contacts, events, concurrency      int
			orders                             int
			seed, maxOps                       int64
			duration, baseline                 time.Duration
			asJSON, skipPositions, total, keep bool
			createContacts                     int
		)
		fs, err := flags(env, "bench", "[--store sqlite|postgres] [--contacts N] [--duration D] [--concurrency C] [--scenario name,...] [--json] [flags]", &cfg, false)
		if err != nil {
			return err
		}
		// The run never uses a data directory or database of its own
		// accord: it builds a fresh one and removes it.
		fs.Lookup("data").Usage = "directory in which the run's temporary SQLite data directory is made (default: the system's temporary directory)"
		fs.Lookup("data").DefValue = ""
		fs.Lookup("database").Usage = "PostgreSQL server for --store postgres (default " + bench.DefaultPostgresURL + "); the run makes a schema of its own there and drops it"
		fs.Lookup("database").DefValue = ""
		fs.StringVar(&store, "store", "sqlite", "sqlite (in a temporary directory, under --data when given) or postgres (in a schema of its own on the --database server, dropped at the end)")
		fs.IntVar(&contacts, "contacts", 100_000, "contacts in the data set")
		fs.IntVar(&events, "events", 0, fmt.Sprintf("touchpoint events of the shop data the segment and rfm scenarios read (default %d per contact)", bench.EventsPerContact))
		fs.IntVar(&orders, "orders", 0, fmt.Sprintf("orders of the shop data the segment and rfm scenarios read (default %d per contact)", bench.OrdersPerContact))
		fs.StringVar(&datasets, "datasets", "", "directory of the public data sets the clv and basket scenarios read (default $GUANXI_DATASETS, else "+bench.DefaultDatasets+"); a scenario whose data set is absent is skipped")
		fs.Int64Var(&seed, "seed", 1, "random seed of the data set and the clients")
		fs.DurationVar(&duration, "duration", 20*time.Second, "how long each scenario is measured over HTTP")
		fs.DurationVar(&baseline, "baseline-duration", 0, "how long each baseline (bare handlers, the service path) and each row of the analytics scenarios is measured (default a quarter of --duration, at least 1s)")
		fs.IntVar(&concurrency, "concurrency", 16, "concurrent clients")
		fs.StringVar(&scenarios, "scenario", "", "scenarios to run, comma-separated: "+strings.Join(bench.ScenarioNames(), ", ")+" (default all; the baselines always run)")
		fs.Int64Var(&maxOps, "max-ops", bench.DefaultMaxOps, "at most this many operations per measurement")
		fs.IntVar(&createContacts, "create", 0, "contacts each create measurement may create (default a quarter of --contacts, at least a batch of 500 per client)")
		fs.BoolVar(&total, "total", true, "let lists and searches count their matches on the first page, as the API does by default (--total=false to measure without)")
		fs.BoolVar(&skipPositions, "skip-positions", false, "load the data set without its buying committees (faster to build; contacts then have no companies)")
		fs.BoolVar(&keep, "keep", false, "keep the run's database (the SQLite data directory, or the PostgreSQL schema) afterwards, to look into or serve it")
		fs.StringVar(&cpuProfile, "cpuprofile", "", "write a CPU profile of the measurements (server and clients) to this file, for go tool pprof")
		fs.StringVar(&heapProfile, "memprofile", "", "write the heap profile of the moment the Go heap was highest during the measurements to this file")
		fs.BoolVar(&asJSON, "json", false, "print the report as JSON instead of a table")
		if err := parse(fs, &cfg, args); err != nil {
			return err
		}
		set := map[string]bool{}
		fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
		misuse := func(format string, args ...any) error {
			fmt.Fprintf(env.Stderr, "guanxi bench: "+format+"\n", args...)
			return errUsage
		}
		if datasets == "" {
			datasets = env.Getenv("GUANXI_DATASETS")
		}
		if events < 0 || orders < 0 {
			return misuse("--events and --orders must not be negative")
		}
		if set["database"] && !set["store"] {
			store = "postgres"
		}
		if store == "sqlite" && set["database"] {
			return misuse("--database is for --store postgres")
		}
		bcfg := bench.Config{
			Store: store, Contacts: contacts, Seed: seed, SkipPositions: skipPositions, Keep: keep, NoTotal: !total,
			Duration: duration, BaselineDuration: baseline, Concurrency: concurrency, MaxOps: maxOps,
			CreateContacts: createContacts, DefaultRegion: cfg.DefaultRegion,
			Events: events, Orders: orders, Datasets: datasets,
			Logger: serverLogger(env, cfg), Progress: env.Stderr,
		}
		if store == "postgres" {
			bcfg.DatabaseURL = cfg.DatabaseURL
		}
		// Never the default ./guanxi-data: only a directory asked for.
		if set["data"] {
			bcfg.TempDir = cfg.DataDir
		}
		for s := range strings.SplitSeq(scenarios, ",") {
			if s = strings.TrimSpace(s); s != "" {
				bcfg.Scenarios = append(bcfg.Scenarios, s)
			}
		}
		if maxOps < 1 || createContacts < 0 || baseline < 0 {
			return misuse("--max-ops must be positive, --create and --baseline-duration not negative")
		}
		if err := bcfg.Validate(); err != nil {
			return misuse("%v", err)
		}
		if cpuProfile != "" {
			f, err := os.Create(cpuProfile)
			if err != nil {
				return err
			}
			defer f.Close()
			bcfg.CPUProfile = f
		}
		if heapProfile != "" {
			f, err := os.Create(heapProfile)
			if err != nil {
				return err
			}
			defer f.Close()
			bcfg.HeapProfile = f
		}
		rep, err := bench.Run(ctx, bcfg)
		if err != nil {
			return err
		}
		if asJSON {
			err = rep.WriteJSON(env.Stdout)
		} else {
			err = rep.WriteTable(env.Stdout)
		}
		if err != nil {
			return err
		}
		if rep.Failed {
			return fmt.Errorf("some measurements had errors (see the report)")
		}
		return nil
	})
}

// serverLogger is the logger of the server under test: it formats every
// record the configured level admits, as a server in production does (an
// access line per request at info), but prints only warnings and errors, so
// that the report is not drowned.
func serverLogger(env Env, cfg config.Config) *slog.Logger {
	level, _ := cfg.SlogLevel()
	all := cfg.Logger(io.Discard).Handler()
	shown := cfg.Logger(env.Stderr).Handler()
	return slog.New(teeHandler{all: all, shown: shown, min: max(level, slog.LevelWarn)})
}

// teeHandler hands every record to all, and those at min or above to shown
// too.
type teeHandler struct {
	all, shown slog.Handler
	min        slog.Level
}

func (h teeHandler) Enabled(ctx context.Context, l slog.Level) bool { return h.all.Enabled(ctx, l) }

func (h teeHandler) Handle(ctx context.Context, r slog.Record) error {
	err := h.all.Handle(ctx, r)
	if r.Level >= h.min {
		err = h.shown.Handle(ctx, r)
	}
	return err
}

func (h teeHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return teeHandler{all: h.all.WithAttrs(attrs), shown: h.shown.WithAttrs(attrs), min: h.min}
}

func (h teeHandler) WithGroup(name string) slog.Handler {
	return teeHandler{all: h.all.WithGroup(name), shown: h.shown.WithGroup(name), min: h.min}
}
