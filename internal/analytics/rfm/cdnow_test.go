package rfm_test

import (
	"bufio"
	"math"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/guanxi-crm/guanxi/internal/analytics/rfm"
	"github.com/guanxi-crm/guanxi/internal/testenv"
)

// cdnowEnd is the day after the CDNOW observation period (1997-01-01 ..
// 1998-06-30).
var cdnowEnd = time.Date(1998, 7, 1, 0, 0, 0, 0, time.UTC)

// loadCDNOW reads the 1/10 sample (2,357 customers, 6,919 purchases; see
// ../shared/datasets/README.md) into one Customer per sample customer id:
// orders = purchase lines, revenue in cents. Profit is not in the data;
// the tests here do not use it.
func loadCDNOW(t *testing.T) []rfm.Customer {
	t.Helper()
	f, err := os.Open(testenv.Dataset(t, "cdnow/CDNOW_sample.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	byID := map[int64]*rfm.Customer{}
	var ids []int64
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// master id, sample id, YYYYMMDD, number of CDs, dollars
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 {
			continue
		}
		if len(fields) != 5 {
			t.Fatalf("line %q", sc.Text())
		}
		id, err1 := strconv.ParseInt(fields[1], 10, 64)
		day, err2 := time.Parse("20060102", fields[2])
		dollars, err3 := strconv.ParseFloat(fields[4], 64)
		if err1 != nil || err2 != nil || err3 != nil {
			t.Fatalf("line %q: %v %v %v", sc.Text(), err1, err2, err3)
		}
		c := byID[id]
		if c == nil {
			c = &rfm.Customer{ID: id}
			byID[id] = c
			ids = append(ids, id)
		}
		c.Orders++
		c.Monetary += int64(math.Round(dollars * 100))
		if day.After(c.LastOrder) {
			c.LastOrder = day
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	out := make([]rfm.Customer, len(ids))
	for i, id := range ids {
		out[i] = *byID[id]
	}
	return out
}

// naiveScores scores values (parallel to the customers) by the rule of the
// package documentation, written the plain way: sort customer indices by
// value, walk the groups of equal values, compare in floating point.
func naiveScores(values []float64, bins int) []int {
	n := len(values)
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return values[order[a]] < values[order[b]] })
	scores := make([]int, n)
	score, start, filled := 1, 0, 0
	for i := 0; i < n; {
		j := i
		for j < n && values[order[j]] == values[order[i]] {
			j++
		}
		group := j - i
		share := float64(n-start) / float64(bins-score+1)
		if filled > 0 && score < bins && float64(filled)+float64(group)/2 > share {
			score++
			start += filled
			filled = 0
		}
		for _, k := range order[i:j] {
			scores[k] = score
		}
		filled += group
		i = j
	}
	return scores
}

func TestCDNOW(t *testing.T) {
	customers := loadCDNOW(t)
	if len(customers) != 2357 {
		t.Fatalf("%d customers; the sample has 2,357", len(customers))
	}
	res, err := rfm.Score(customers, rfm.Options{Now: cdnowEnd})
	if err != nil {
		t.Fatal(err)
	}
	n := len(customers)
	if res.Scored != n {
		t.Fatalf("scored %d of %d", res.Scored, n)
	}

	// Recompute every score independently.
	days := make([]float64, n) // recency: fewer days, higher score → rank −days
	orders := make([]float64, n)
	revenue := make([]float64, n)
	for i, c := range customers {
		days[i] = -math.Floor(cdnowEnd.Sub(c.LastOrder).Hours() / 24)
		orders[i] = float64(c.Orders)
		revenue[i] = float64(c.Monetary)
	}
	naiveR, naiveF, naiveM := naiveScores(days, 5), naiveScores(orders, 5), naiveScores(revenue, 5)
	mismatches := 0
	for i, s := range res.Scores {
		if int(s.R) != naiveR[i] || int(s.F) != naiveF[i] || int(s.M) != naiveM[i] {
			if mismatches++; mismatches <= 5 {
				t.Errorf("customer %d: R%d F%d M%d; naive R%d F%d M%d", customers[i].ID, s.R, s.F, s.M, naiveR[i], naiveF[i], naiveM[i])
			}
		}
		if want := rfm.SegmentOf(int(s.R), int(s.F), int(s.M), 5); s.Segment != want {
			t.Errorf("customer %d: segment %v; want %v", customers[i].ID, s.Segment, want)
		}
	}

	for _, dim := range []struct {
		name   string
		values []float64
		score  func(rfm.Scores) int
	}{
		{"recency", days, func(s rfm.Scores) int { return int(s.R) }},
		{"frequency", orders, func(s rfm.Scores) int { return int(s.F) }},
		{"monetary", revenue, func(s rfm.Scores) int { return int(s.M) }},
	} {
		t.Run(dim.name, func(t *testing.T) {
			// Monotone, ties equal: sorted by value, scores never fall,
			// and equal values score the same.
			idx := make([]int, n)
			for i := range idx {
				idx[i] = i
			}
			sort.Slice(idx, func(a, b int) bool { return dim.values[idx[a]] < dim.values[idx[b]] })
			sizes := make([]int, 6)
			largestTie, run := 0, 0
			for k, i := range idx {
				s := dim.score(res.Scores[i])
				sizes[s]++
				if k > 0 {
					prev := idx[k-1]
					ps := dim.score(res.Scores[prev])
					if s < ps || dim.values[i] == dim.values[prev] && s != ps {
						t.Fatalf("values %v, %v score %d, %d", dim.values[prev], dim.values[i], ps, s)
					}
					if dim.values[i] == dim.values[prev] {
						run++
					} else {
						run = 1
					}
				} else {
					run = 1
				}
				largestTie = max(largestTie, run)
			}
			t.Logf("%s: score sizes %v, largest tie %d", dim.name, sizes[1:], largestTie)
			if dim.name == "frequency" {
				// Half the customers bought once: they take F = 1 alone,
				// and the repeat buyers still spread over F = 2..5.
				once := 0
				for _, c := range customers {
					if c.Orders == 1 {
						once++
					}
				}
				if sizes[1] != once {
					t.Errorf("F = 1 has %d customers; %d bought once", sizes[1], once)
				}
				for s := 2; s <= 5; s++ {
					if sizes[s] == 0 {
						t.Errorf("F = %d unused", s)
					}
				}
				return
			}
			// Each quintile holds n/5 customers, give or take the tie
			// group that straddles its edge.
			for s := 1; s <= 5; s++ {
				if d := math.Abs(float64(sizes[s]) - float64(n)/5); d > float64(largestTie) {
					t.Errorf("score %d holds %d customers; n/5 = %.1f, largest tie %d", s, sizes[s], float64(n)/5, largestTie)
				}
			}
		})
	}

	// The grid and the segments add up to everyone.
	var grid, segs int
	var revenueTotal, gridRevenue int64
	for _, c := range customers {
		revenueTotal += c.Monetary
	}
	for _, c := range res.Grid {
		grid += c.Customers
		gridRevenue += c.Revenue
	}
	for _, s := range res.Segments {
		segs += s.Customers
		t.Logf("%-20v %5d customers", s.Segment, s.Customers)
	}
	if grid != n || segs != n || gridRevenue != revenueTotal {
		t.Errorf("grid %d customers, %d revenue; segments %d; want %d, %d", grid, gridRevenue, segs, n, revenueTotal)
	}
}

// The Pareto figures of CDNOW, taking revenue as profit, against a plain
// count.
func TestCDNOWPareto(t *testing.T) {
	customers := loadCDNOW(t)
	profits := make([]int64, len(customers))
	for i, c := range customers {
		profits[i] = c.Monetary
	}
	p, err := rfm.ParetoOf(profits, rfm.ParetoOptions{Points: 101})
	if err != nil {
		t.Fatal(err)
	}
	sorted := make([]float64, len(profits))
	var total float64
	for i, v := range profits {
		sorted[i] = float64(v)
		if v > 0 {
			total += float64(v)
		}
	}
	sort.Sort(sort.Reverse(sort.Float64Slice(sorted)))
	top, cum := 0, 0.0
	for cum < 0.8*total {
		cum += sorted[top]
		top++
	}
	if p.Top != top || len(p.Curve) != 101 || p.Curve[100].ProfitShare != 1 {
		t.Errorf("top %d, %d points, ends at %v; want top %d, 101 points, 1", p.Top, len(p.Curve), p.Curve[len(p.Curve)-1].ProfitShare, top)
	}
	t.Logf("%d of %d customers (%.1f%%) make 80%% of revenue", p.Top, p.Customers, 100**p.Share)
	for i := 1; i < len(p.Curve); i++ {
		if p.Curve[i].Profit < p.Curve[i-1].Profit {
			t.Errorf("the curve falls without losses at point %d", i)
		}
	}
}
