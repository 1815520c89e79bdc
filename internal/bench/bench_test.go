package bench

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/guanxi-crm/guanxi/internal/testenv"
)

// small is a run small enough for a test: the whole harness, end to end,
// at a few hundred contacts and a second per measurement.
func small(t *testing.T) Config {
	var progress bytes.Buffer
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("progress:\n%s", progress.String())
		}
	})
	return Config{
		Contacts: 300, Seed: 1, Duration: time.Second, BaselineDuration: 300 * time.Millisecond,
		Concurrency: 4, CreateContacts: 1000, TempDir: t.TempDir(), Progress: &progress, Datasets: testDatasets(),
	}
}

// testDatasets is the directory of the public data sets, as testenv finds
// them: $GUANXI_DATASETS, else the module root's sibling shared/datasets.
func testDatasets() string {
	if dir := os.Getenv("GUANXI_DATASETS"); dir != "" {
		return dir
	}
	return filepath.Join("..", "..", "..", "shared", "datasets")
}

// TestRun runs the harness on each store and checks that the report has
// every scenario and baseline, each with operations and without errors. It
// asserts nothing about speed (DESIGN.md: no timed assertions).
func TestRun(t *testing.T) {
	for _, engine := range Engines {
		t.Run(engine, func(t *testing.T) {
			cfg := small(t)
			cfg.Store = engine
			if engine == "postgres" {
				// A fresh schema in the tests' database; the harness makes
				// its own inside it and drops it.
				cfg.DatabaseURL = testenv.PostgresSchemaURL(t)
			}
			rep, err := Run(context.Background(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			checkReport(t, rep, allScenarios)
			if engine == "sqlite" {
				// The data directory is gone.
				entries, err := os.ReadDir(cfg.TempDir)
				if err != nil || len(entries) != 0 {
					t.Errorf("the temporary directory holds %d entries (%v)", len(entries), err)
				}
			}
			var table, js bytes.Buffer
			if err := rep.WriteTable(&table); err != nil {
				t.Fatal(err)
			}
			t.Logf("\n%s", table.String())
			for _, s := range allScenarios {
				if !strings.Contains(table.String(), s.title) && !skipped(rep, s) {
					t.Errorf("the table lacks %q", s.title)
				}
			}
			if strings.Contains(table.String(), "PROBLEM") {
				t.Errorf("the table reports problems")
			}
			if err := rep.WriteJSON(&js); err != nil {
				t.Fatal(err)
			}
			var back Report
			if err := json.Unmarshal(js.Bytes(), &back); err != nil {
				t.Fatalf("the JSON report does not read back: %v", err)
			}
			if len(back.Rows) != len(rep.Rows) || back.Machine.GOMAXPROCS == 0 || back.Store != engine {
				t.Errorf("JSON report = %+v", back)
			}
		})
	}
}

func checkReport(t *testing.T, rep *Report, scenarios []*scenario) {
	t.Helper()
	type key struct{ scenario, via string }
	rows := map[key]*Row{}
	for _, r := range rep.Rows {
		rows[key{r.Scenario, r.Via}] = r
		if r.Ops <= 0 || r.Failed() {
			t.Errorf("%s via %s: %d ops, %d problems: %s", r.Scenario, r.Via, r.Ops, r.Problems(), r.Problem)
		}
		if r.P50 <= 0 || r.P99 < r.P50 {
			t.Errorf("%s via %s: p50 %v, p99 %v", r.Scenario, r.Via, r.P50, r.P99)
		}
	}
	want := []key{{"bare", viaBare}, {"bare+lookup", viaBare}}
	for _, s := range scenarios {
		if skipped(rep, s) {
			continue
		}
		vias := s.vias
		if vias == nil {
			vias = []string{viaService, viaHTTP}
		}
		for _, via := range vias {
			if !skippedVia(rep, s, via) {
				want = append(want, key{s.key, via})
			}
		}
	}
	for _, k := range want {
		r := rows[k]
		if r == nil {
			t.Errorf("no row for %s via %s", k.scenario, k.via)
			continue
		}
		if k.via == viaHTTP && (r.Target == nil || len(r.Ratios) == 0) {
			t.Errorf("%s via http: target %v, ratios %v", k.scenario, r.Target, r.Ratios)
		}
	}
	if rep.Build.Shop == nil && slices.ContainsFunc(scenarios, func(s *scenario) bool { return s.shop }) {
		t.Error("no shop data in the report")
	}
	if os.Getenv("GUANXI_REQUIRE_DATASETS") == "1" && slices.ContainsFunc(scenarios, func(s *scenario) bool { return skipped(rep, s) }) {
		t.Errorf("skipped: %v", rep.Skipped)
	}
	if len(rep.Rows) != len(want) {
		t.Errorf("%d rows, want %d", len(rep.Rows), len(want))
	}
	if rep.Failed {
		t.Error("the report is marked failed")
	}
	if rep.Build.Contacts != rep.Contacts || rep.Build.Rejected != 0 {
		t.Errorf("build = %+v", rep.Build)
	}
	if rep.Startup.Total <= 0 || rep.Memory.PeakRSS <= 0 || rep.Memory.GoHeapPeak <= 0 {
		t.Errorf("startup %+v, memory %+v", rep.Startup, rep.Memory)
	}
}

// skipped reports whether the report says s was skipped (its public data
// set is absent).
func skipped(rep *Report, s *scenario) bool {
	return slices.ContainsFunc(rep.Skipped, func(line string) bool { return strings.HasPrefix(line, s.key+":") })
}

// skippedVia reports whether the report says s's row via via was skipped.
func skippedVia(rep *Report, s *scenario, via string) bool {
	return slices.ContainsFunc(rep.Skipped, func(line string) bool { return strings.HasPrefix(line, s.key+" via "+via+":") })
}

// The run's PostgreSQL schema is dropped at the end.
func TestPostgresSchemaIsDropped(t *testing.T) {
	base := testenv.PostgresSchemaURL(t)
	cfg := small(t)
	cfg.Store, cfg.DatabaseURL, cfg.Contacts = "postgres", base, 50
	cfg.Scenarios = []string{"get"}
	cfg.Duration, cfg.BaselineDuration = 200*time.Millisecond, 100*time.Millisecond
	rep, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(rep.Schema, "bench_") {
		t.Fatalf("schema %q", rep.Schema)
	}
	db, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow("SELECT count(*) FROM pg_namespace WHERE nspname = $1", rep.Schema).Scan(&n); err != nil || n != 0 {
		t.Errorf("schema %s: %d left (%v)", rep.Schema, n, err)
	}
}

func TestSelectScenarios(t *testing.T) {
	for _, c := range []struct {
		names []string
		want  string // keys, comma-separated; "" for an error
	}{
		{nil, "get,list,search.name,search.zh2,search.zh3,search.phone,update,segment,rfm,clv,basket,timeline,ingest,forecast,move," +
			"page.dashboard,page.dashboard.changed,page.customers,page.search,page.customer,page.segments,page.insight,page.pipeline,page.forecast,page.leads,page.tasks,create"},
		{[]string{"analytics"}, "segment,rfm,clv,basket"},
		{[]string{"basket", "segment"}, "segment,basket"},
		{[]string{"create", "get"}, "get,create"},
		{[]string{"search"}, "search.name,search.zh2,search.zh3,search.phone"},
		{[]string{"tasks", "page.customer"}, ""},
		{[]string{"page.customer", "pages"}, "page.dashboard,page.dashboard.changed,page.customers,page.search,page.customer,page.segments,page.insight,page.pipeline,page.forecast,page.leads,page.tasks"},
		{[]string{"search.zh2", " Update "}, "search.zh2,update"},
		{[]string{"frobnicate"}, ""},
		{[]string{"search.*"}, ""},
	} {
		got, err := selectScenarios(c.names)
		var keys []string
		for _, s := range got {
			keys = append(keys, s.key)
		}
		if (err == nil) != (c.want != "") || strings.Join(keys, ",") != c.want {
			t.Errorf("selectScenarios(%q) = %v, %v; want %q", c.names, keys, err, c.want)
		}
	}
}

func TestJSONString(t *testing.T) {
	body := []byte(`{"items":[{"custom":{"x":"\"next_url\":\"no\""}}],"next":"abc","next_url":"/api/v1/contacts?cursor=abc\u0026limit=50"}`)
	if got := jsonString(body, "next_url"); got != "/api/v1/contacts?cursor=abc&limit=50" {
		t.Errorf("next_url = %q", got)
	}
	if got := jsonString([]byte(`{"items":[]}`), "next_url"); got != "" {
		t.Errorf("next_url of the last page = %q", got)
	}
}
