package sales_test

import (
	"context"
	"encoding/csv"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/guanxi-crm/guanxi/internal/account"
	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/sales"
	"github.com/guanxi-crm/guanxi/internal/store"
	"github.com/guanxi-crm/guanxi/internal/testenv"
)

// The B2B pipeline of Maven Analytics' "CRM + Sales + Opportunities"
// (../shared/datasets/crm_sales_opportunities): 8,800 opportunities of 30
// agents under 6 managers, Prospecting → Engaging → Won or Lost, 2016-10 to
// 2017-12. They are loaded as deals through the services, replaying their
// history day by day on a fixed clock: created in Prospecting and moved to
// Engaging on their engage_date, moved to Won or Lost on their close_date;
// Prospecting deals (no dates) are created on the last day. Then the KPIs
// and the forecast are checked against figures computed here, straight from
// the file.

// opportunity is a row of sales_pipeline.csv.
type opportunity struct {
	id, agent, product, account, stage string
	engage, close                      time.Time // zero when empty
	value                              int64
}

func readCSV(t *testing.T, path string) []map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	records, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	var out []map[string]string
	for _, rec := range records[1:] {
		row := map[string]string{}
		for i, h := range records[0] {
			row[h] = strings.TrimSpace(rec[i])
		}
		out = append(out, row)
	}
	return out
}

func readOpportunities(t *testing.T, path string) []opportunity {
	t.Helper()
	date := func(s string) time.Time {
		if s == "" {
			return time.Time{}
		}
		d, err := time.Parse("2006-01-02", s)
		if err != nil {
			t.Fatalf("date %q: %v", s, err)
		}
		return d
	}
	var out []opportunity
	for _, r := range readCSV(t, path) {
		o := opportunity{id: r["opportunity_id"], agent: r["sales_agent"], product: r["product"], account: r["account"],
			stage: r["deal_stage"], engage: date(r["engage_date"]), close: date(r["close_date"])}
		if r["close_value"] != "" {
			v, err := strconv.ParseInt(r["close_value"], 10, 64)
			if err != nil {
				t.Fatalf("close_value %q", r["close_value"])
			}
			o.value = v
		}
		out = append(out, o)
	}
	return out
}

// figures are what the file says, computed without Guanxi.
type figures struct {
	won, lost            int
	wonDays, lostDays    float64
	engaged, prospecting int
	byAgent              map[string][2]int // agent → won, lost
}

func (f figures) winRate() float64 { return float64(f.won) / float64(f.won+f.lost) }

func fileFigures(ops []opportunity, keep func(opportunity) bool) figures {
	f := figures{byAgent: map[string][2]int{}}
	for _, o := range ops {
		if !keep(o) {
			continue
		}
		wl := f.byAgent[o.agent]
		days := o.close.Sub(o.engage).Hours() / 24
		switch o.stage {
		case "Won":
			f.won++
			f.wonDays += days
			wl[0]++
		case "Lost":
			f.lost++
			f.lostDays += days
			wl[1]++
		}
		f.byAgent[o.agent] = wl
		if o.stage == "Prospecting" {
			f.prospecting++
		} else {
			f.engaged++
		}
	}
	return f
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b)) }

func TestDatasetCRMSalesOpportunities(t *testing.T) {
	pipelinePath := testenv.Dataset(t, "crm_sales_opportunities/sales_pipeline.csv")
	dir := filepath.Dir(pipelinePath)
	ops := readOpportunities(t, pipelinePath)
	teams := readCSV(t, filepath.Join(dir, "sales_teams.csv"))
	accounts := readCSV(t, filepath.Join(dir, "accounts.csv"))
	prices := map[string]int64{}
	for _, p := range readCSV(t, filepath.Join(dir, "products.csv")) {
		v, err := strconv.ParseInt(p["sales_price"], 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		prices[strings.ReplaceAll(p["product"], " ", "")] = v // "GTXPro" in the pipeline is "GTX Pro" here
	}
	if len(ops) != 8800 || len(teams) != 35 || len(accounts) != 85 {
		t.Fatalf("the dataset changed: %d opportunities, %d agents, %d accounts", len(ops), len(teams), len(accounts))
	}
	testenv.ForEachStore(t, func(t *testing.T, st *store.Store) {
		loadAndCheck(t, st, ops, teams, accounts, prices)
	})
}

func loadAndCheck(t *testing.T, st *store.Store, ops []opportunity, teamRows, accountRows []map[string]string, prices map[string]int64) {
	began := time.Now()
	clock := &crm.FixedClock{T: time.Date(2016, 10, 1, 0, 0, 0, 0, time.UTC)}
	acc := account.NewService(st, account.Options{Clock: clock})
	cs := customer.NewService(st, customer.Options{Clock: clock})
	svc := sales.NewService(st, cs, sales.Options{Clock: clock, DefaultCurrency: "USD"})
	sys := crm.WithPrincipal(context.Background(), crm.System)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}

	// Managers lead a team each; agents are in their manager's team.
	email := func(name string) string { return strings.ToLower(strings.ReplaceAll(name, " ", ".")) + "@maven.test" }
	teamOf, userOf, agentOf := map[string]int64{}, map[string]int64{}, map[int64]string{}
	managerOf := map[string]string{}
	for _, r := range teamRows {
		m := r["manager"]
		managerOf[r["sales_agent"]] = m
		if _, ok := teamOf[m]; ok {
			continue
		}
		team, err := acc.CreateTeam(sys, account.TeamFields{Name: "Team " + m})
		must(err)
		u, err := acc.CreateUser(sys, account.UserFields{Email: email(m), Name: m, Role: crm.RoleManager}, "")
		must(err)
		_, err = acc.SetTeamMember(sys, team.ID, u.ID, true)
		must(err)
		teamOf[m] = team.ID
	}
	for _, r := range teamRows {
		u, err := acc.CreateUser(sys, account.UserFields{Email: email(r["sales_agent"]), Name: r["sales_agent"], Role: crm.RoleAgent}, "")
		must(err)
		_, err = acc.SetTeamMember(sys, teamOf[r["manager"]], u.ID, true)
		must(err)
		userOf[r["sales_agent"]], agentOf[u.ID] = u.ID, r["sales_agent"]
	}
	companyOf := map[string]int64{}
	var fields []customer.CompanyFields
	for _, r := range accountRows {
		fields = append(fields, customer.CompanyFields{Name: r["account"], Industry: r["sector"]})
	}
	results, err := cs.CreateCompanies(sys, fields)
	must(err)
	for i, r := range results {
		must(r.Err)
		companyOf[accountRows[i]["account"]] = r.ID
	}
	p, err := svc.CreatePipeline(sys, sales.PipelineInput{Name: "Maven", Stages: []sales.StageInput{
		{Name: "Prospecting", Probability: ptr(10)}, {Name: "Engaging", Probability: ptr(50)},
		{Name: "Won", Kind: sales.KindWon}, {Name: "Lost", Kind: sales.KindLost}}})
	must(err)
	stage := map[string]int64{}
	for _, s := range p.Stages {
		stage[s.Name] = s.ID
	}

	input := func(o opportunity) sales.DealInput {
		owner, team := userOf[o.agent], teamOf[managerOf[o.agent]]
		amount := o.value
		if o.stage != "Won" {
			amount = prices[strings.ReplaceAll(o.product, " ", "")]
		}
		in := sales.DealInput{DealFields: sales.DealFields{Name: o.id, Amount: amount * 100, OwnerID: &owner, TeamID: &team},
			StageID: stage["Prospecting"]}
		if o.close.IsZero() && !o.engage.IsZero() {
			// The file has no expected close date: an open engaged deal is
			// expected 52 days after engaging, about the file's average
			// cycle of won deals.
			in.ExpectedCloseOn = o.engage.AddDate(0, 0, 52).Format("2006-01-02")
		}
		if id, ok := companyOf[o.account]; ok {
			in.CompanyID = &id
		}
		return in
	}

	// Replay the history day by day.
	type day struct{ engage, close []int }
	days := map[time.Time]*day{}
	at := func(t time.Time) *day {
		if days[t] == nil {
			days[t] = &day{}
		}
		return days[t]
	}
	var prospects []int
	for i, o := range ops {
		switch {
		case o.engage.IsZero():
			prospects = append(prospects, i)
		default:
			at(o.engage).engage = append(at(o.engage).engage, i)
			if !o.close.IsZero() {
				at(o.close).close = append(at(o.close).close, i)
			}
		}
	}
	dates := make([]time.Time, 0, len(days))
	for d := range days {
		dates = append(dates, d)
	}
	slices.SortFunc(dates, func(a, b time.Time) int { return a.Compare(b) })
	dealOf := make([]int64, len(ops))
	create := func(idx []int) {
		for start := 0; start < len(idx); start += sales.MaxBatch {
			chunk := idx[start:min(len(idx), start+sales.MaxBatch)]
			inputs := make([]sales.DealInput, len(chunk))
			for j, i := range chunk {
				inputs[j] = input(ops[i])
			}
			results, err := svc.CreateDeals(sys, inputs)
			must(err)
			for j, r := range results {
				if r.Err != nil {
					t.Fatalf("deal %s: %v", ops[chunk[j]].id, r.Err)
				}
				dealOf[chunk[j]] = r.ID
			}
		}
	}
	move := func(idx []int, to func(opportunity) (int64, string)) {
		moves := make([]sales.Move, len(idx))
		for j, i := range idx {
			stageID, reason := to(ops[i])
			moves[j] = sales.Move{DealID: dealOf[i], MoveInput: sales.MoveInput{StageID: stageID, LostReason: reason}}
		}
		results, err := svc.MoveDeals(sys, moves)
		must(err)
		for j, r := range results {
			if r.Err != nil {
				t.Fatalf("move %s: %v", ops[idx[j]].id, r.Err)
			}
		}
	}
	for _, d := range dates {
		clock.T = d
		today := days[d]
		create(today.engage)
		move(today.engage, func(opportunity) (int64, string) { return stage["Engaging"], "" })
		move(today.close, func(o opportunity) (int64, string) {
			if o.stage == "Won" {
				return stage["Won"], ""
			}
			return stage["Lost"], "lost (the dataset gives no reason)"
		})
	}
	clock.T = dates[len(dates)-1]
	create(prospects)
	end := clock.T.AddDate(0, 0, 1)
	loaded := time.Since(began)

	// The figures of the file, and Guanxi's.
	all := fileFigures(ops, func(opportunity) bool { return true })
	period := sales.ReportQuery{From: time.Date(2016, 1, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2018, 1, 1, 0, 0, 0, 0, time.UTC), PipelineID: p.ID}
	began = time.Now()
	k, err := svc.KPIs(sys, period)
	must(err)
	kpiTime := time.Since(began)
	if k.Won != all.won || k.Lost != all.lost || !near(*k.WinRate, all.winRate()) {
		t.Errorf("won %d, lost %d, win rate %v; the file: %d, %d, %v", k.Won, k.Lost, *k.WinRate, all.won, all.lost, all.winRate())
	}
	if !near(*k.AverageCycleDays, all.wonDays/float64(all.won)) || !near(*k.AverageCycleDaysLost, all.lostDays/float64(all.lost)) {
		t.Errorf("cycle %v days won, %v lost; the file: %v, %v", *k.AverageCycleDays, *k.AverageCycleDaysLost,
			all.wonDays/float64(all.won), all.lostDays/float64(all.lost))
	}
	if len(k.Owners) != 30 {
		t.Errorf("%d owners; want 30", len(k.Owners))
	}
	for _, o := range k.Owners {
		name := agentOf[*o.OwnerID]
		wl := all.byAgent[name]
		if o.Won != wl[0] || o.Lost != wl[1] || !near(*o.WinRate, float64(wl[0])/float64(wl[0]+wl[1])) {
			t.Errorf("%s: won %d, lost %d, win rate %v; the file: %d, %d", name, o.Won, o.Lost, *o.WinRate, wl[0], wl[1])
		}
	}
	// Conversion: every deal was a prospect; the engaged moved on; of
	// those, the won.
	steps := k.Conversion[0].Steps
	if steps[0].Reached != len(ops) || steps[0].Advanced != all.engaged || steps[1].Reached != all.engaged || steps[1].Advanced != all.won {
		t.Errorf("conversion %+v; the file: %d prospects, %d engaged, %d won", steps, len(ops), all.engaged, all.won)
	}

	// A manager sees their team's figures.
	manager := "Dustin Brinkmann"
	mp, err := acc.PrincipalFor(sys, email(manager))
	must(err)
	mine := fileFigures(ops, func(o opportunity) bool { return managerOf[o.agent] == manager })
	mk, err := svc.KPIs(crm.WithPrincipal(context.Background(), mp), period)
	must(err)
	if mk.Won != mine.won || mk.Lost != mine.lost || !near(*mk.AverageCycleDays, mine.wonDays/float64(mine.won)) {
		t.Errorf("%s's team: won %d, lost %d, cycle %v; the file: %d, %d, %v", manager, mk.Won, mk.Lost, *mk.AverageCycleDays,
			mine.won, mine.lost, mine.wonDays/float64(mine.won))
	}

	// The forecast's history is the same file.
	began = time.Now()
	f, err := svc.Forecast(sys, sales.ReportQuery{From: end, To: end.AddDate(0, 3, 0)})
	must(err)
	forecastTime := time.Since(began)
	h := f.History
	if h.ClosedDeals != all.won+all.lost || h.Won != all.won || !near(*h.WinRate, all.winRate()) || !near(*h.AverageCycleDays, all.wonDays/float64(all.won)) {
		t.Errorf("forecast history %+v; the file: %d closed, %d won", h, all.won+all.lost, all.won)
	}
	var engagingRate float64
	for _, s := range f.Stages {
		if s.Name == "Engaging" {
			engagingRate = *s.Observed
		}
	}
	if !near(engagingRate, float64(all.won)/float64(all.won+all.lost)) {
		t.Errorf("observed Engaging → Won %v; the file %v", engagingRate, all.winRate())
	}
	t.Logf("loaded %d deals in %v; KPIs in %v, forecast in %v", len(ops), loaded.Round(time.Millisecond), kpiTime.Round(time.Millisecond),
		forecastTime.Round(time.Millisecond))
	t.Logf("win rate %.4f, cycle %.2f days won, %.2f lost; next quarter: committed %d, weighted %d, history-based %d (gap %d), best case %d",
		*k.WinRate, *k.AverageCycleDays, *k.AverageCycleDaysLost, f.Committed, f.WeightedForecast, f.HistoryForecast, f.Gap, f.BestCase)
}

func ptr[T any](v T) *T { return &v }
