package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/guanxi-crm/guanxi/internal/bench"
	"github.com/guanxi-crm/guanxi/internal/testenv"
)

// guanxi bench runs end to end on each store with small sizes, and prints
// its report as a table or as JSON. Nothing about speed is asserted.
func TestBench(t *testing.T) {
	small := []string{"--contacts", "200", "--duration", "400ms", "--baseline-duration", "150ms", "--concurrency", "3", "--create", "600"}
	for _, engine := range bench.Engines {
		t.Run(engine, func(t *testing.T) {
			env := map[string]string{"GUANXI_LOG_LEVEL": "warn", "GUANXI_DATASETS": testDatasets()}
			args := append([]string{"bench", "--store", engine, "--data", t.TempDir()}, small...)
			if engine == "postgres" {
				args = append(args, "--database", testenv.PostgresSchemaURL(t))
			}
			code, out, errOut := run(t, env, "", append(args, "--json")...)
			if code != 0 {
				t.Fatalf("guanxi %s = %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), code, out, errOut)
			}
			var rep bench.Report
			if err := json.Unmarshal([]byte(out), &rep); err != nil {
				t.Fatalf("not JSON (%v): %.500s", err, out)
			}
			if rep.Store != engine || rep.Contacts != 200 || rep.Concurrency != 3 || rep.Failed {
				t.Errorf("report: store %s, %d contacts, concurrency %d, failed %v", rep.Store, rep.Contacts, rep.Concurrency, rep.Failed)
			}
			scenarios := map[string]bool{}
			for _, r := range rep.Rows {
				scenarios[r.Scenario] = true
				if r.Ops <= 0 || r.Failed() {
					t.Errorf("%s via %s: %d ops, %d problems: %s", r.Scenario, r.Via, r.Ops, r.Problems(), r.Problem)
				}
			}
			skipped := strings.Join(rep.Skipped, "\n")
			for _, s := range append([]string{"bare", "bare+lookup"}, bench.ScenarioNames()...) {
				if !scenarios[s] && s != "search" && s != "analytics" && s != "pages" && !strings.HasPrefix(skipped, s+":") && !strings.Contains(skipped, "\n"+s+":") {
					t.Errorf("no %s in the report", s)
				}
			}
			if !strings.Contains(errOut, "bench: measuring") {
				t.Errorf("no progress on stderr: %s", errOut)
			}
		})
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

func TestBenchTable(t *testing.T) {
	code, out, errOut := run(t, map[string]string{"GUANXI_LOG_LEVEL": "warn"}, "", "bench", "--data", t.TempDir(), "--contacts", "100",
		"--duration", "200ms", "--baseline-duration", "100ms", "--concurrency", "2", "--scenario", "get,search.zh2")
	if code != 0 {
		t.Fatalf("guanxi bench = %d\nstdout: %s\nstderr: %s", code, out, errOut)
	}
	for _, want := range []string{"GOMAXPROCS", "scenario", "ops/s", "p99", "bare HTTP, 300 B", "bare HTTP + 1 SQLite lookup",
		"get contact by id", "search Chinese, 2 characters", "start to first served request", "VmHWM"} {
		if !strings.Contains(out, want) {
			t.Errorf("the table lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "list city") {
		t.Errorf("a scenario that was not asked for ran:\n%s", out)
	}
}

func TestBenchMistakes(t *testing.T) {
	env := map[string]string{}
	for _, c := range []struct {
		args []string
		err  string
	}{
		{[]string{"bench", "--events", "-1"}, "--events and --orders must not be negative"},
		{[]string{"bench", "--scenario", "frobnicate"}, `scenario "frobnicate"`},
		{[]string{"bench", "--store", "mysql"}, `store "mysql"`},
		{[]string{"bench", "--concurrency", "0"}, "concurrency 0"},
		{[]string{"bench", "--store", "sqlite", "--database", "postgres://x@y/z"}, "--database is for --store postgres"},
		{[]string{"bench", "extra"}, `unexpected argument "extra"`},
	} {
		code, _, errOut := run(t, env, "", c.args...)
		if code != 2 || !strings.Contains(errOut, c.err) {
			t.Errorf("guanxi %v = %d, stderr %q; want 2 and %q", c.args, code, errOut, c.err)
		}
	}
}
