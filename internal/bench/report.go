package bench

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/guanxi-crm/guanxi/internal/app"
)

// Report is what a run measured.
type Report struct {
	Machine          Machine  `json:"machine"`
	Store            string   `json:"store"`
	Database         string   `json:"database"`
	Schema           string   `json:"schema,omitempty"`
	Contacts         int      `json:"contacts"`
	Seed             int64    `json:"seed"`
	Concurrency      int      `json:"concurrency"`
	Duration         string   `json:"duration"`
	BaselineDuration string   `json:"baseline_duration"`
	MaxOps           int64    `json:"max_ops"`
	NoTotal          bool     `json:"no_total,omitempty"`
	Build            Build    `json:"build"`
	Startup          Startup  `json:"startup"`
	Memory           Memory   `json:"memory"`
	Rows             []*Row   `json:"rows"`
	Notes            []string `json:"notes,omitempty"`
	// Skipped says which scenarios did not run, and why (a public data
	// set that is not there).
	Skipped []string `json:"skipped,omitempty"`
	// Failed is set when any measurement saw errors, non-2xx or wrong
	// answers.
	Failed bool `json:"failed"`
}

// Machine describes where the run ran.
type Machine struct {
	GOMAXPROCS int    `json:"gomaxprocs"`
	NumCPU     int    `json:"num_cpu"`
	CPU        string `json:"cpu,omitempty"`
	Go         string `json:"go"`
	OS         string `json:"os"`
	Guanxi     string `json:"guanxi"`
	// LoadBefore and LoadAfter are the load averages (1, 5, 15 minutes)
	// at the start and the end: other work on a shared machine shows there.
	LoadBefore string `json:"load_before,omitempty"`
	LoadAfter  string `json:"load_after,omitempty"`
	Started    string `json:"started"`
}

// Build is how the data set was made.
type Build struct {
	Contacts         int      `json:"contacts"`
	Companies        int      `json:"companies"`
	Positions        int      `json:"positions"`
	PositionsSkipped bool     `json:"positions_skipped,omitempty"`
	Rejected         int      `json:"rejected"`
	Rejections       []string `json:"rejections,omitempty"`
	// Generate, Load and Total are seconds.
	Generate float64 `json:"generate_s"`
	Load     float64 `json:"load_s"`
	Analyze  float64 `json:"analyze_s,omitempty"`
	Total    float64 `json:"total_s"`
	// Shop is the shop data of the analytics scenarios (events and orders
	// of every contact, the Groceries baskets), when they ran.
	Shop *ShopBuild `json:"shop,omitempty"`
}

// Startup is the time from app.Open on the built data set to the answer to
// the first request, in milliseconds.
type Startup struct {
	Open         float64 `json:"open_ms"`
	Listen       float64 `json:"listen_ms"`
	FirstRequest float64 `json:"first_request_ms"`
	Total        float64 `json:"total_ms"`
	Target       *Target `json:"target,omitempty"`
}

// Memory is the peak memory of the process (server and load generator
// together), in bytes.
type Memory struct {
	// PeakRSS is VmHWM of the whole run; BuildPeakRSS of the data set's
	// generation and load, ServePeakRSS of the rest (the server and the
	// clients), when the kernel let the high-water mark be reset in between.
	PeakRSS      int64 `json:"peak_rss"`
	BuildPeakRSS int64 `json:"build_peak_rss"`
	ServePeakRSS int64 `json:"serve_peak_rss,omitempty"`
	// The Go runtime's figures (runtime/metrics), sampled every 50 ms:
	// the peak of heap objects (/memory/classes/heap/objects:bytes) and of
	// the memory the runtime holds (/memory/classes/total:bytes less
	// /memory/classes/heap/released:bytes), over the whole run and while
	// serving. SQLite's page cache is outside them (modernc allocates it
	// itself).
	GoHeapPeak       int64  `json:"go_heap_peak"`
	GoInUsePeak      int64  `json:"go_in_use_peak"`
	GoHeapServePeak  int64  `json:"go_heap_serve_peak"`
	GoInUseServePeak int64  `json:"go_in_use_serve_peak"`
	GCCycles         uint64 `json:"gc_cycles"`
	// HarnessLive is the live Go heap of the harness's own data (ids,
	// search terms, the create pool) when the server starts: part of the
	// figures above that is not the server's.
	HarnessLive int64   `json:"harness_live"`
	Target      *Target `json:"target,omitempty"`
}

// Row is one measurement.
type Row struct {
	Scenario string `json:"scenario"`
	Title    string `json:"title"`
	// Via is "http" (the real server), "service" (the domain service in
	// process, no HTTP: the raw store path) or "bare" (a bare handler);
	// the analytics scenarios add "store" (the store package), "sql" (a
	// hand-written query) and "go" (the computation on data in memory).
	Via string `json:"via"`
	// Unit is what Ops counts: "req", "contacts", "events" or "runs" (of
	// a scenario measured one at a time).
	Unit string `json:"unit"`
	// Ops counts what succeeded, Requests the operations that did.
	Ops       int64   `json:"ops"`
	Requests  int64   `json:"requests"`
	Seconds   float64 `json:"seconds"`
	PerSecond float64 `json:"per_second"`
	// PeakRSS and PeakHeap are the highest resident set and Go heap
	// objects sampled during the measurement, in bytes.
	PeakRSS  int64 `json:"peak_rss"`
	PeakHeap int64 `json:"peak_heap"`
	// Latencies of the operations that succeeded, in milliseconds.
	P50  float64 `json:"p50_ms"`
	P90  float64 `json:"p90_ms"`
	P99  float64 `json:"p99_ms"`
	Max  float64 `json:"max_ms"`
	Mean float64 `json:"mean_ms"`
	// Errors failed outright (transport, service), Non2xx answered so
	// (by status), Wrong answered 2xx wrongly; Problem is the first.
	Errors  int64            `json:"errors"`
	Non2xx  map[string]int64 `json:"non_2xx,omitempty"`
	Wrong   int64            `json:"wrong"`
	Problem string           `json:"problem,omitempty"`
	Ratios  []Ratio          `json:"ratios,omitempty"`
	Target  *Target          `json:"target,omitempty"`
}

// Ratio is a row's throughput over a baseline's.
type Ratio struct {
	Baseline string  `json:"baseline"`
	Value    float64 `json:"value"`
}

// Target is BENCHMARKS.md's target for a figure, and whether it was met.
type Target struct {
	Text string `json:"text"`
	// Met is nil where the target does not apply to this run (another
	// store).
	Met *bool `json:"met,omitempty"`
}

func newReport(cfg Config) *Report {
	cpu := ""
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
				cpu = strings.TrimSpace(v)
				break
			}
		}
		f.Close()
	}
	return &Report{
		Machine: Machine{
			GOMAXPROCS: runtime.GOMAXPROCS(0), NumCPU: runtime.NumCPU(), CPU: cpu,
			Go: runtime.Version(), OS: runtime.GOOS + "/" + runtime.GOARCH, Guanxi: app.Version,
			LoadBefore: loadAverage(), Started: time.Now().Format(time.RFC3339),
		},
		Store: cfg.Store, Contacts: cfg.Contacts, Seed: cfg.Seed, Concurrency: cfg.Concurrency,
		Duration: cfg.Duration.String(), BaselineDuration: cfg.BaselineDuration.String(), MaxOps: cfg.MaxOps,
		NoTotal: cfg.NoTotal,
	}
}

func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return ""
	}
	return strings.Join(f[:3], " ")
}

func (r *Report) note(format string, args ...any) {
	r.Notes = append(r.Notes, fmt.Sprintf(format, args...))
}

func (r *Report) skip(format string, args ...any) {
	r.Skipped = append(r.Skipped, fmt.Sprintf(format, args...))
}

func newRow(title, key, via, unit string, t *tally) *Row {
	row := &Row{
		Scenario: key, Title: title, Via: via, Unit: unit,
		Ops: t.units, Requests: t.ok, Seconds: t.elapsed.Seconds(),
		PerSecond: float64(t.units) / t.elapsed.Seconds(),
		P50:       ms(t.percentile(0.50)), P90: ms(t.percentile(0.90)), P99: ms(t.percentile(0.99)),
		Max: ms(t.percentile(1)), Mean: ms(t.mean()),
		Errors: t.errors, Wrong: t.wrong, Problem: t.firstProblem,
	}
	for status, n := range t.non2xx {
		if row.Non2xx == nil {
			row.Non2xx = map[string]int64{}
		}
		row.Non2xx[strconv.Itoa(status)] = n
	}
	return row
}

// Failed reports whether anything went wrong in the measurement, or it
// did nothing.
func (r *Row) Failed() bool { return r.Problems() > 0 || r.Ops == 0 }

// Problems counts the operations that failed or answered wrongly.
func (r *Row) Problems() int64 {
	n := r.Errors + r.Wrong
	for _, v := range r.Non2xx {
		n += v
	}
	return n
}

func (r *Row) problemLine() string {
	if r.Ops == 0 && r.Problems() == 0 {
		return fmt.Sprintf("%s via %s: no operation completed", r.Title, r.Via)
	}
	var parts []string
	if r.Errors > 0 {
		parts = append(parts, fmt.Sprintf("%d failed", r.Errors))
	}
	statuses := make([]string, 0, len(r.Non2xx))
	for s := range r.Non2xx {
		statuses = append(statuses, s)
	}
	sort.Strings(statuses)
	for _, s := range statuses {
		parts = append(parts, fmt.Sprintf("%d answered %s", r.Non2xx[s], s))
	}
	if r.Wrong > 0 {
		parts = append(parts, fmt.Sprintf("%d answered wrongly", r.Wrong))
	}
	return fmt.Sprintf("%s via %s: %s; the first: %s", r.Title, r.Via, strings.Join(parts, ", "), r.Problem)
}

func (r *Row) ratio(base *Row, name string) {
	if base.PerSecond > 0 {
		r.Ratios = append(r.Ratios, Ratio{Baseline: name, Value: r.PerSecond / base.PerSecond})
	}
}

func (r *Row) ratioTo(name string) (float64, bool) {
	for _, x := range r.Ratios {
		if x.Baseline == name {
			return x.Value, true
		}
	}
	return 0, false
}

func met(ok bool) *bool { return &ok }

// The targets of BENCHMARKS.md, at 100,000 contacts and concurrency 16.

func rateTarget(rate float64) func(e *env, h, _, _ *Row) *Target {
	return func(_ *env, h, _, _ *Row) *Target {
		return &Target{Text: "≥ " + thousands(int64(rate)) + "/s", Met: met(!h.Failed() && h.PerSecond >= rate)}
	}
}

func getTarget(_ *env, h, _, lookup *Row) *Target {
	r, _ := h.ratioTo("bare+lookup")
	return &Target{Text: "≥ 12,000/s, p99 ≤ 10 ms, ≥ 60% of bare+lookup",
		Met: met(!h.Failed() && h.PerSecond >= 12000 && h.P99 <= 10 && r >= 0.6 && !lookup.Failed())}
}

func searchTarget(e *env, h, s, l *Row) *Target {
	if e.cfg.Contacts >= 1_000_000 {
		return rateTarget(300)(e, h, s, l)
	}
	return rateTarget(2000)(e, h, s, l)
}

func createTarget(e *env, h, _, _ *Row) *Target {
	t := &Target{Text: "≥ 15,000 contacts/s on SQLite"}
	if e.cfg.Store == "sqlite" {
		t.Met = met(!h.Failed() && h.PerSecond >= 15000)
	}
	return t
}

// finish judges the run as a whole.
func (r *Report) finish() {
	r.Machine.LoadAfter = loadAverage()
	for _, row := range r.Rows {
		if row.Failed() {
			r.Failed = true
		}
	}
	r.Startup.Target = &Target{Text: "≤ 150 ms", Met: met(r.Startup.Total <= 150)}
	r.Memory.Target = &Target{Text: "≤ 200 MB", Met: met(r.Memory.PeakRSS <= 200<<20)}
	if r.Contacts != 100_000 || r.Concurrency != 16 {
		r.note("the targets are stated for 100,000 contacts at concurrency 16; this run had %s at %d", thousands(int64(r.Contacts)), r.Concurrency)
	}
	if r.Build.Rejected > 0 {
		r.note("%d records of the data set were refused when it was loaded, the first: %s", r.Build.Rejected, strings.Join(r.Build.Rejections[:min(1, len(r.Build.Rejections))], ""))
	}
	if r.NoTotal {
		r.note("lists and searches were asked not to count their matches (total=false); the API counts them by default")
	}
	if r.Build.PositionsSkipped {
		r.note("the data set was loaded without positions: contacts have no current companies")
	}
}

// WriteJSON writes the report as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WriteTable writes the report for people: the facts, one table, the
// problems.
func (r *Report) WriteTable(w io.Writer) error {
	bw := bufio.NewWriter(w)
	m := r.Machine
	fmt.Fprintf(bw, "guanxi bench — %s, %s contacts (seed %d), concurrency %d, %s per scenario (baselines %s, at most %s ops each)\n",
		map[string]string{"sqlite": "SQLite", "postgres": "PostgreSQL"}[r.Store], thousands(int64(r.Contacts)), r.Seed, r.Concurrency,
		r.Duration, r.BaselineDuration, thousands(r.MaxOps))
	fmt.Fprintf(bw, "machine: GOMAXPROCS %d, %d CPUs (%s), %s %s, guanxi %s; load average %s before, %s after\n",
		m.GOMAXPROCS, m.NumCPU, m.CPU, m.Go, m.OS, m.Guanxi, m.LoadBefore, m.LoadAfter)
	b := r.Build
	fmt.Fprintf(bw, "data set: %s contacts, %s companies, %s positions in %.1f s (generating %.1f s, loading %.1f s)\n",
		thousands(int64(b.Contacts)), thousands(int64(b.Companies)), thousands(int64(b.Positions)), b.Total, b.Generate, b.Load)
	if sh := b.Shop; sh != nil {
		fmt.Fprintf(bw, "shop data: %s customers with %s events, %s orders (%s lines, %d products), %s buyers, %s bought A, %s bought B, %s in the segment",
			thousands(int64(sh.Customers)), thousands(sh.Events), thousands(sh.Orders), thousands(sh.OrderLines), sh.Products,
			thousands(sh.Buyers), thousands(sh.BoughtA), thousands(sh.BoughtB), thousands(sh.Segment))
		if sh.Groceries > 0 {
			fmt.Fprintf(bw, "; %s Groceries baskets as orders", thousands(int64(sh.Groceries)))
		}
		fmt.Fprintf(bw, "; rows written in %.1f s (%s rows/s), indexes made in %.1f s, %.1f s in all with the upkeep after it", sh.Load, thousands(int64(sh.RowsPerSec)), sh.Indexes, sh.Total)
		if sh.Insight > 0 {
			fmt.Fprintf(bw, " and the day's insight run (%.1f s)", sh.Insight)
		}
		fmt.Fprintln(bw)
	}
	s := r.Startup
	fmt.Fprintf(bw, "start to first served request: %.1f ms (open %.1f, listen %.1f, first request %.1f)  target %s  %s\n",
		s.Total, s.Open, s.Listen, s.FirstRequest, s.Target.Text, verdict(s.Target))
	fmt.Fprintln(bw)

	tw := tabwriter.NewWriter(bw, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "scenario\tvia\tops\tops/s\tp50\tp99\terrors\tbaseline ratio\ttarget")
	for _, row := range r.Rows {
		unit := ""
		if row.Unit != "req" {
			unit = " " + row.Unit
		}
		errs := strconv.FormatInt(row.Problems(), 10)
		if row.Failed() {
			errs += " !"
		}
		var ratios []string
		for _, x := range row.Ratios {
			ratios = append(ratios, fmt.Sprintf("%.0f%% of %s", 100*x.Value, x.Baseline))
		}
		target := ""
		if row.Target != nil {
			target = row.Target.Text + "  " + verdict(row.Target)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s%s\t%s\t%s\t%s\t%s\t%s\n", row.Title, row.Via, thousands(row.Ops),
			rateText(row.PerSecond), unit, msText(row.P50), msText(row.P99), errs, strings.Join(ratios, ", "), target)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(bw)
	mem := r.Memory
	fmt.Fprintf(bw, "peak memory (VmHWM, server and clients in one process): %s over the run (%s building the data set, %s serving)  target %s  %s\n",
		mb(mem.PeakRSS), mb(mem.BuildPeakRSS), mbOrUnknown(mem.ServePeakRSS), mem.Target.Text, verdict(mem.Target))
	fmt.Fprintf(bw, "Go runtime/metrics peaks: heap objects %s (serving %s), memory held by Go %s (serving %s); %d GC cycles; the harness's own data (ids, search terms, contacts to create) is %s of live heap\n",
		mb(mem.GoHeapPeak), mb(mem.GoHeapServePeak), mb(mem.GoInUsePeak), mb(mem.GoInUseServePeak), mem.GCCycles, mb(mem.HarnessLive))
	var top *Row
	for _, row := range r.Rows {
		if top == nil || row.PeakHeap > top.PeakHeap {
			top = row
		}
	}
	if top != nil {
		fmt.Fprintf(bw, "the largest Go heap while serving: %s via %s (%s of heap objects; %s resident)\n", top.Title, top.Via, mb(top.PeakHeap), mb(top.PeakRSS))
	}
	fmt.Fprintln(bw, "via: http = the real server over loopback; service = the same operation through the domain service in process (no HTTP); bare = a bare net/http handler")
	if slices.ContainsFunc(r.Rows, func(row *Row) bool { return row.Unit == "runs" }) {
		fmt.Fprintf(bw, "     store = the store package directly; sql = a hand-written query on the same database; go = the computation alone, on data already in memory; rows in runs are measured one at a time (a warm-up, then at least 3 runs and for the baseline duration); \"25%% of sql\" means a quarter of sql's rate: 4 times its latency\n")
	}
	for _, row := range r.Rows {
		if row.Failed() {
			fmt.Fprintf(bw, "PROBLEM %s\n", row.problemLine())
		}
	}
	for _, n := range r.Notes {
		fmt.Fprintf(bw, "note: %s\n", n)
	}
	for _, n := range r.Skipped {
		fmt.Fprintf(bw, "SKIPPED %s\n", n)
	}
	if r.Failed {
		fmt.Fprintln(bw, "SOME MEASUREMENTS HAD ERRORS: their figures are not to be trusted.")
	}
	return bw.Flush()
}

func verdict(t *Target) string {
	switch {
	case t == nil:
		return ""
	case t.Met == nil:
		return "(n/a)"
	case *t.Met:
		return "met"
	}
	return "MISSED"
}

// rateText is a rate for the table: whole numbers, but for the slow rates
// of runs measured one at a time.
func rateText(v float64) string {
	switch {
	case v == 0:
		return "0"
	case v < 10:
		return strconv.FormatFloat(v, 'f', 2, 64)
	case v < 100:
		return strconv.FormatFloat(v, 'f', 1, 64)
	}
	return thousands(int64(v + 0.5))
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func seconds(d time.Duration) float64 { return float64(d.Milliseconds()) / 1000 }

func msText(v float64) string {
	switch {
	case v == 0:
		return "-"
	case v < 10:
		return strconv.FormatFloat(v, 'f', 2, 64) + " ms"
	case v < 100:
		return strconv.FormatFloat(v, 'f', 1, 64) + " ms"
	}
	return strconv.FormatFloat(v, 'f', 0, 64) + " ms"
}

func mb(b int64) string { return strconv.FormatFloat(float64(b)/(1<<20), 'f', 0, 64) + " MB" }

func mbOrUnknown(b int64) string {
	if b == 0 {
		return "unknown"
	}
	return mb(b)
}

func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}
