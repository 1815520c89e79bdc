package insight_test

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/importer"
	"github.com/guanxi-crm/guanxi/internal/insight"
	"github.com/guanxi-crm/guanxi/internal/testenv"
)

// TestCDNOWThroughTheStore imports the calibration period of the CDNOW
// sample (1997-01-01 .. 1997-09-30, as in Fader, Hardie & Lee 2005,
// "Counting Your Customers the Easy Way", Marketing Science 24(2)) as
// orders, runs insight at the end of that period, and checks the fitted
// models against the paper's estimates: the run builds the purchase
// summaries from the stored orders, so this checks the whole path from the
// database to the fit.
//
// Published: BG/NBD r = 0.243, α = 4.414, a = 0.793, b = 2.426, LL =
// −9582.4 (section 4 of the paper); Gamma-Gamma p = 6.25, q = 3.74, γ =
// 15.44 dollars (Fader, Hardie & Lee 2005, "RFM and CLV", JMR 42(4); Fader
// & Hardie 2013, "The Gamma-Gamma Model of Monetary Value"). Amounts are
// stored in cents here, so γ is 1544 and the shape parameters are the same.
func TestCDNOWThroughTheStore(t *testing.T) {
	raw, err := os.ReadFile(testenv.Dataset(t, "cdnow/cdnowElog.csv"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(raw)), "\n")
	var calibration bytes.Buffer
	calibration.WriteString(lines[0] + "\n")
	for _, line := range lines[1:] {
		if f := strings.Split(line, ","); f[2] <= "19970930" {
			calibration.WriteString(line + "\n")
		}
	}
	testenv.ForEachServer(t, func(t *testing.T, s *testenv.Server) {
		sys := crm.WithPrincipal(context.Background(), crm.System)
		body := calibration.Bytes()
		rep, err := s.Importer.Run(sys, bytes.NewReader(body), int64(len(body)), importer.Options{Type: importer.Orders, Source: "cdnow",
			Currency: "USD", Mapping: []string{"customer_external_id", "", "placed_at", "quantity", "line_total"}}, nil)
		if err != nil || rep.Rejected != 0 {
			t.Fatalf("import: %+v, %v", rep, err)
		}
		// During the last day of the calibration period.
		end := time.Date(1997, 9, 30, 18, 0, 0, 0, time.UTC)
		svc := insight.NewService(s.Store, &crm.FixedClock{T: end})
		run, err := svc.Refresh(sys)
		if err != nil {
			t.Fatal(err)
		}
		if run.Customers != 2357 || run.Model == nil {
			t.Fatalf("run: %d customers, model %v (%s)", run.Customers, run.Model, run.ModelError)
		}
		bg := run.Model.BGNBD.Params
		near := func(name string, got, want, tol float64) {
			if math.Abs(got-want) > tol {
				t.Errorf("%s = %.4f, published %.4f", name, got, want)
			}
		}
		near("r", bg["r"], 0.243, 0.0005)
		near("alpha", bg["alpha"], 4.414, 0.0005)
		near("a", bg["a"], 0.793, 0.0005)
		near("b", bg["b"], 2.426, 0.0005)
		near("LL", run.Model.BGNBD.LogLikelihood, -9582.4, 0.05)
		if run.Model.Repeaters != 946 {
			t.Errorf("repeaters %d, want 946 (the paper's customers with x > 0)", run.Model.Repeaters)
		}
		if gg := run.Model.GammaGamma; gg == nil {
			t.Errorf("no Gamma-Gamma fit: %s", run.ModelError)
		} else {
			near("p", gg.Params["p"], 6.25, 0.005)
			near("q", gg.Params["q"], 3.74, 0.005)
			near("gamma (cents)", gg.Params["gamma"], 1544, 0.5)
		}
		// Every buyer is scored; the figures segments test are stored.
		if run.Lifecycle[insight.StageLead]+run.Lifecycle[insight.StageProspect] != 0 || run.Contacts != 2357 {
			t.Errorf("lifecycle %v of %d contacts", run.Lifecycle, run.Contacts)
		}
		var withPAlive int
		if err := s.Store.DB().QueryRow("SELECT count(*) FROM contact_scores WHERE p_alive IS NOT NULL AND clv IS NOT NULL AND rfm_cell IS NOT NULL").Scan(&withPAlive); err != nil {
			t.Fatal(err)
		}
		if withPAlive != 2357 {
			t.Errorf("%d contacts with scores, want 2357", withPAlive)
		}
	})
}

// TestGroceriesThroughTheStore imports the Groceries baskets (one order per
// basket, one line per item) and mines them through the store: the rule
// count at Lantz's thresholds ("Machine Learning with R", chapter 8:
// support 0.006, confidence 0.25, minlen 2 gives "a set of 463 rules") must
// come out of the database as it does from the file.
func TestGroceriesThroughTheStore(t *testing.T) {
	raw, err := os.ReadFile(testenv.Dataset(t, "groceries/groceries.csv"))
	if err != nil {
		t.Fatal(err)
	}
	var orders bytes.Buffer
	orders.WriteString("order_number,placed_at,sku,quantity,unit_price\n")
	baskets := strings.Split(strings.TrimSpace(string(raw)), "\n")
	for i, line := range baskets {
		for _, item := range strings.Split(line, ",") {
			fmt.Fprintf(&orders, "G%05d,2026-01-01,%q,1,1\n", i+1, strings.TrimSpace(item))
		}
	}
	testenv.ForEachServer(t, func(t *testing.T, s *testenv.Server) {
		sys := crm.WithPrincipal(context.Background(), crm.System)
		body := orders.Bytes()
		rep, err := s.Importer.Run(sys, bytes.NewReader(body), int64(len(body)), importer.Options{Type: importer.Orders, Currency: "USD"}, nil)
		if err != nil || rep.Rejected != 0 {
			t.Fatalf("import: %+v, %v", rep, err)
		}
		svc := insight.NewService(s.Store, &crm.FixedClock{T: time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)})
		res, err := svc.Baskets(sys, insight.BasketParams{From: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC),
			MinSupport: 0.006, MinConfidence: 0.25, Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		if res.Orders != len(baskets) || res.Orders != 9835 || res.Items != 169 || len(res.Rules) != 463 {
			t.Errorf("%d baskets of %d items, %d rules; want 9835, 169, 463", res.Orders, res.Items, len(res.Rules))
		}
		top := res.Rules[0]
		if len(top.Antecedent) != 1 || top.Antecedent[0] != "herbs" || top.Consequent[0] != "root vegetables" || math.Abs(top.Lift-3.956477) > 1e-6 {
			t.Errorf("top rule %+v; Lantz's is {herbs} ⇒ {root vegetables}, lift 3.956477", top)
		}
	})
}
