// Package rfm scores customers by recency, frequency and monetary value
// (RFM), names the classic segments, sorts customers into value tiers by
// profit and draws the Pareto curve of profit. It is pure arithmetic over
// slices the store hands it: no SQL, no HTTP. It is written for a million
// customers at a time, so it works on flat slices and sorts plain integers.
//
// # Scores
//
// Only customers who have ordered (Orders > 0) are scored; the others get
// zero scores and no segment. Each of R, F and M is a quantile score from 1
// to Bins (5, quintiles, by default) over the scored customers:
//
//   - R ranks the whole days since the last order, counted back from
//     Options.Now (24-hour periods, so that the same day ties): fewer days,
//     higher R;
//   - F ranks the number of orders; M ranks revenue (Monetary). Higher is
//     higher.
//
// Customers with equal values always get equal scores, so a quantile cannot
// cut through a group of ties. The rule ("rebased quantiles"): values are
// taken in increasing order, each group of equal values whole. Each score's
// bin aims at an equal share of the customers not yet placed when the bin
// opens: share = remaining customers / remaining scores. A group joins the
// open bin when the bin is empty or when at least half of the group still
// fits in the bin's share; otherwise it opens the next bin. The last score
// takes whatever remains.
//
// Without ties this is the ordinary quantile split (bin sizes differ by at
// most one). With ties, a group larger than a share takes a bin on its own
// and the customers after it are shared equally among the scores that are
// left, so that frequency, where most customers have ordered once, still
// spreads the repeat buyers over F = 2..5 instead of jumping from 1 to 5.
// When the groups fill fewer bins than there are scores, the scores used are
// spread over the whole range, the lowest bin keeping 1 and the highest
// taking Bins (two groups: 1 and Bins), so that the best value always
// scores top: the only customers of a new shop, who all bought today, are
// not "least recent". When every value is equal, ranking says nothing and
// everyone takes the middle score, (Bins+1)/2 rounded down. Result.Ranges
// lists what each score covers.
package rfm

import (
	"fmt"
	"slices"
	"time"
)

// DefaultBins is the number of scores when Options.Bins is 0: quintiles.
const DefaultBins = 5

// MaxBins is the largest number of scores.
const MaxBins = 10

// Customer is what scoring needs to know of a customer.
type Customer struct {
	ID        int64
	LastOrder time.Time // the last order that counts; ignored when Orders ≤ 0
	Orders    int       // orders that count; ≤ 0: not scored
	Monetary  int64     // revenue, minor units
	Profit    int64     // minor units; negative when the customer costs more than they bring
}

// Options tune Score.
type Options struct {
	// Bins is the number of scores of each of R, F and M, 2..MaxBins; 0
	// means DefaultBins.
	Bins int
	// Now is the moment recency is counted back from. The zero time means
	// the latest LastOrder of the scored customers.
	Now time.Time
}

// Scores are one customer's scores. All zero when the customer has not
// ordered.
type Scores struct {
	R, F, M uint8   // 1..Bins
	Segment Segment // None when not scored
}

// Range is what one score of a dimension covers.
type Range struct {
	Score     int   `json:"score"`
	Min       int64 `json:"min" doc:"Smallest value with this score (days for recency)"`
	Max       int64 `json:"max" doc:"Largest value with this score (days for recency)"`
	Customers int   `json:"customers"`
}

// Ranges are the ranges of every score in use, lowest score first. For
// recency, values are days since the last order, so Min and Max of R = Bins
// are the fewest days.
type Ranges struct {
	Recency   []Range `json:"recency"`
	Frequency []Range `json:"frequency"`
	Monetary  []Range `json:"monetary"`
}

// GridCell is one cell of the R × F heat map.
type GridCell struct {
	R         int   `json:"r"`
	F         int   `json:"f"`
	Customers int   `json:"customers"`
	Revenue   int64 `json:"revenue"`
}

// SegmentSummary adds up one segment.
type SegmentSummary struct {
	Segment   Segment `json:"segment"`
	Customers int     `json:"customers"`
	Revenue   int64   `json:"revenue"`
	Profit    int64   `json:"profit"`
}

// Result is the outcome of Score.
type Result struct {
	Bins   int       `json:"bins"`
	Now    time.Time `json:"now"`
	Scored int       `json:"scored" doc:"Customers who have ordered"`
	// Scores are parallel to the customers given: Scores[i] belongs to
	// customers[i].
	Scores []Scores `json:"-"`
	Ranges Ranges   `json:"ranges"`
	// Grid has Bins × Bins cells, R-major: Grid[(r-1)*Bins + f-1] is the
	// cell of R = r, F = f.
	Grid     []GridCell       `json:"grid"`
	Segments []SegmentSummary `json:"segments" doc:"Every segment, in the order of AllSegments, empty ones included"`
}

// Cell returns the grid cell of R = r, F = f.
func (res *Result) Cell(r, f int) GridCell { return res.Grid[(r-1)*res.Bins+f-1] }

// Score scores customers. It fails only on invalid options.
func Score(customers []Customer, opts Options) (Result, error) {
	bins := opts.Bins
	if bins == 0 {
		bins = DefaultBins
	}
	if bins < 2 || bins > MaxBins {
		return Result{}, fmt.Errorf("rfm.Score: Bins must be 2..%d (or 0 for %d), not %d", MaxBins, DefaultBins, opts.Bins)
	}
	res := Result{Bins: bins, Now: opts.Now, Scores: make([]Scores, len(customers))}
	if res.Now.IsZero() {
		for i := range customers {
			if c := &customers[i]; c.Orders > 0 && c.LastOrder.After(res.Now) {
				res.Now = c.LastOrder
			}
		}
	}
	for i := range customers {
		if customers[i].Orders > 0 {
			res.Scored++
		}
	}

	// One scratch slice serves the three dimensions in turn.
	values := make([]int64, res.Scored)
	collect := func(value func(c *Customer) int64) {
		values = values[:0]
		for i := range customers {
			if c := &customers[i]; c.Orders > 0 {
				values = append(values, value(c))
			}
		}
	}
	day := int64(24 * time.Hour)
	now := res.Now
	daysSince := func(c *Customer) int64 { return floorDiv(int64(now.Sub(c.LastOrder)), day) }

	// Recency ranks days descending (fewer days, higher score): rank the
	// negated days, then read the ranges back.
	collect(func(c *Customer) int64 { return -daysSince(c) })
	recency := newScale(values, bins)
	collect(func(c *Customer) int64 { return int64(c.Orders) })
	frequency := newScale(values, bins)
	collect(func(c *Customer) int64 { return c.Monetary })
	monetary := newScale(values, bins)
	res.Ranges = Ranges{Recency: recency.ranges(true), Frequency: frequency.ranges(false), Monetary: monetary.ranges(false)}

	segments := newSegmentTable(bins)
	res.Grid = make([]GridCell, bins*bins)
	for r := 1; r <= bins; r++ {
		for f := 1; f <= bins; f++ {
			res.Grid[(r-1)*bins+f-1] = GridCell{R: r, F: f}
		}
	}
	res.Segments = make([]SegmentSummary, len(AllSegments))
	for i, s := range AllSegments {
		res.Segments[i].Segment = s
	}
	for i := range customers {
		c := &customers[i]
		if c.Orders <= 0 {
			continue
		}
		r := recency.score(-daysSince(c))
		f := frequency.score(int64(c.Orders))
		m := monetary.score(c.Monetary)
		seg := segments.of(r, f, m)
		res.Scores[i] = Scores{R: uint8(r), F: uint8(f), M: uint8(m), Segment: seg}
		cell := &res.Grid[(r-1)*bins+f-1]
		cell.Customers++
		cell.Revenue += c.Monetary
		sum := &res.Segments[seg-1] // AllSegments lists the segments in the order of their values, from 1
		sum.Customers++
		sum.Revenue += c.Monetary
		sum.Profit += c.Profit
	}
	return res, nil
}

// floorDiv is a / b rounded down (b > 0): an order a few hours in the
// future is day −1, not day 0.
func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b < 0 {
		q--
	}
	return q
}

// denseLimit bounds the span of values that scale counts in an array
// rather than sorts: orders per customer and days since the last order
// almost always fit; revenue does not.
const denseLimit = 1 << 21

// scale turns the values of one dimension into scores. cuts[j] is the
// smallest value with score j+2, so a value's score is 1 + the number of
// cuts at or below it.
type scale struct {
	// remap turns a bin (1-based) into its score when the bins used are
	// fewer than the scores (see the package doc); nil when they are all
	// used.
	remap []int
	cuts  []int64
	stats []Range // per score in use, Min/Max/Customers
	// dense maps value − lo to score when the values span less than
	// denseLimit, which makes score an index instead of a search.
	dense []uint8
	lo    int64
}

// newScale ranks values into at most bins scores. It may reorder values.
func newScale(values []int64, bins int) *scale {
	s := binScale(values, bins)
	if used := len(s.stats); used > 0 && used < bins {
		s.remap = make([]int, used)
		for i := range s.remap {
			if used == 1 {
				s.remap[i] = (bins + 1) / 2
			} else {
				// 1 + round(i × (bins−1) / (used−1)), in integers.
				s.remap[i] = 1 + (2*i*(bins-1)+used-1)/(2*(used-1))
			}
		}
		for i := range s.stats {
			s.stats[i].Score = s.remap[i]
		}
	}
	return s
}

// binScale places values in bins by the rebased-quantile rule.
func binScale(values []int64, bins int) *scale {
	s := &scale{}
	if len(values) == 0 {
		return s
	}
	lo, hi := slices.Min(values), slices.Max(values)
	b := binner{n: len(values), bins: bins, score: 1, scale: s}
	if span := uint64(hi - lo); span < denseLimit {
		// Count each value: O(n + span), no sort.
		counts := make([]int32, span+1)
		for _, v := range values {
			counts[v-lo]++
		}
		for i, c := range counts {
			if c > 0 {
				b.add(lo+int64(i), int(c))
			}
		}
		s.lo = lo
		s.dense = make([]uint8, span+1)
		score := uint8(1)
		for i := range s.dense {
			for int(score) <= len(s.cuts) && lo+int64(i) >= s.cuts[score-1] {
				score++
			}
			s.dense[i] = score
		}
		return s
	}
	slices.Sort(values)
	for i := 0; i < len(values); {
		j := i + 1
		for j < len(values) && values[j] == values[i] {
			j++
		}
		b.add(values[i], j-i)
		i = j
	}
	return s
}

// score is the score of v, one of the values the scale was made from.
func (s *scale) score(v int64) int {
	bin := s.bin(v)
	if s.remap != nil {
		return s.remap[bin-1]
	}
	return bin
}

func (s *scale) bin(v int64) int {
	if s.dense != nil {
		return int(s.dense[v-s.lo])
	}
	bin := 1
	for _, c := range s.cuts {
		if v < c {
			break
		}
		bin++
	}
	return bin
}

// ranges reports the ranges of the scores; negated flips values that were
// ranked negated (recency) back.
func (s *scale) ranges(negated bool) []Range {
	out := slices.Clone(s.stats)
	if negated {
		for i := range out {
			out[i].Min, out[i].Max = -out[i].Max, -out[i].Min
		}
	}
	if out == nil {
		out = []Range{}
	}
	return out
}

// binner applies the rebased-quantile rule (package doc) to groups of equal
// values fed in increasing order.
type binner struct {
	n, bins int
	score   int // the open bin's score
	start   int // customers placed before the open bin
	filled  int // customers in the open bin
	scale   *scale
}

func (b *binner) add(v int64, count int) {
	// The open bin's share is (n − start) / (bins − score + 1); the group
	// joins it when filled + count/2 ≤ share, in integers.
	if b.filled > 0 && b.score < b.bins && (2*b.filled+count)*(b.bins-b.score+1) > 2*(b.n-b.start) {
		b.scale.cuts = append(b.scale.cuts, v)
		b.start += b.filled
		b.filled = 0
		b.score++
	}
	if b.filled == 0 {
		b.scale.stats = append(b.scale.stats, Range{Score: b.score, Min: v})
	}
	st := &b.scale.stats[len(b.scale.stats)-1]
	st.Max = v
	st.Customers += count
	b.filled += count
}

// rescale maps score s of 1..bins onto 1..5, rounding half up: the segment
// map is drawn for quintiles.
func rescale(s, bins int) int {
	return 1 + (8*(s-1)+bins-1)/(2*(bins-1))
}

// fmScore is the combined frequency–monetary score on 1..5: the mean of F
// and M, each first placed on the 1..5 scale, rounded half up. For
// quintiles it is round((F + M) / 2).
func fmScore(f, m, bins int) int {
	return 1 + (4*(f+m-2)+bins-1)/(2*(bins-1))
}
