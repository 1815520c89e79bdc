package basket_test

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"math/bits"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/guanxi-crm/guanxi/internal/analytics/basket"
)

// TestTextbookExample works the example of Tan, Steinbach & Kumar,
// "Introduction to Data Mining" (2006), section 6.1, Table 6.1: five market
// baskets, in which the rule {Milk, Diapers} ⇒ {Beer} has support 2/5 = 0.4
// and confidence 2/3 ≈ 0.67. Its lift follows: beer is in 3 of 5 baskets,
// so (2/3) / (3/5) = 10/9.
func TestTextbookExample(t *testing.T) {
	var b basket.Baskets[string]
	b.Add("Bread", "Milk")
	b.Add("Bread", "Diapers", "Beer", "Eggs")
	b.Add("Milk", "Diapers", "Beer", "Cola")
	b.Add("Bread", "Milk", "Diapers", "Beer")
	b.Add("Bread", "Milk", "Diapers", "Cola")
	rules, err := basket.Mine(&b, basket.Options{MinSupport: 0.4, MinConfidence: 0.6, MinLen: 3})
	if err != nil {
		t.Fatal(err)
	}
	var found bool
	for _, r := range rules {
		if slices.Equal(r.Antecedent, []string{"Diapers", "Milk"}) && r.Consequent[0] == "Beer" {
			found = true
			want := basket.Rule[string]{Antecedent: []string{"Diapers", "Milk"}, Consequent: []string{"Beer"},
				Support: 0.4, Confidence: 2.0 / 3, Count: 2, AntecedentCount: 3, ConsequentCount: 3, TotalBaskets: 5}
			if math.Abs(r.Lift-10.0/9) > 1e-15 {
				t.Errorf("lift %v, want 10/9", r.Lift)
			}
			r.Lift = 0
			if fmt.Sprint(r) != fmt.Sprint(want) {
				t.Errorf("got %+v, want %+v", r, want)
			}
		}
		if len(r.Antecedent)+1 != 3 || r.Count < 2 || r.Confidence < 0.6 {
			t.Errorf("rule %+v breaks the options", r)
		}
	}
	if !found {
		t.Errorf("no rule {Diapers, Milk} ⇒ {Beer} in %+v", rules)
	}
}

func TestOptionsAreValidated(t *testing.T) {
	var b basket.Baskets[string]
	b.Add("a", "b")
	for _, opt := range []basket.Options{
		{MinSupport: 0, MinConfidence: 0.5},
		{MinSupport: -0.1, MinConfidence: 0.5},
		{MinSupport: 1.01, MinConfidence: 0.5},
		{MinSupport: math.NaN(), MinConfidence: 0.5},
		{MinSupport: math.Inf(1), MinConfidence: 0.5},
		{MinSupport: 0.1, MinConfidence: -0.01},
		{MinSupport: 0.1, MinConfidence: 1.5},
		{MinSupport: 0.1, MinConfidence: math.NaN()},
		{MinSupport: 0.1, MinLen: -1},
		{MinSupport: 0.1, MaxLen: -1},
		{MinSupport: 0.1, MinLen: 3, MaxLen: 2},
		{MinSupport: 0.1, MaxLen: 1}, // below the default MinLen of 2
		{MinSupport: 0.1, MaxItemsets: -1},
	} {
		if _, err := basket.Mine(&b, opt); !errors.Is(err, basket.ErrInvalidOptions) {
			t.Errorf("%+v: error %v, want ErrInvalidOptions", opt, err)
		}
		// Bad options are an error even without baskets.
		if _, err := basket.Mine(&basket.Baskets[string]{}, opt); !errors.Is(err, basket.ErrInvalidOptions) {
			t.Errorf("%+v without baskets: error %v, want ErrInvalidOptions", opt, err)
		}
	}
	for _, opt := range []basket.Options{
		{MinSupport: 1, MinConfidence: 1},
		{MinSupport: 1e-9, MinConfidence: 0},
		{MinSupport: 0.5, MinLen: 1, MaxLen: 1},
	} {
		if _, err := basket.Mine(&b, opt); err != nil {
			t.Errorf("%+v: %v", opt, err)
		}
	}
}

func TestNoBasketsGiveNoRules(t *testing.T) {
	opt := basket.Options{MinSupport: 0.1, MinConfidence: 0.1, MinLen: 1}
	for name, b := range map[string]*basket.Baskets[string]{"nil": nil, "empty": {}} {
		rules, err := basket.Mine(b, opt)
		if err != nil || len(rules) != 0 {
			t.Errorf("%s: %v, %v; want no rules and no error", name, rules, err)
		}
	}
	// Baskets without items: nothing to say, but no error either.
	var empty basket.Baskets[string]
	empty.Add()
	empty.Add()
	if rules, err := basket.Mine(&empty, opt); err != nil || len(rules) != 0 {
		t.Errorf("empty baskets: %v, %v", rules, err)
	}
	if got := basket.Bundles[string](nil, 5); len(got) != 0 {
		t.Errorf("bundles of no rules: %v", got)
	}
}

// TestBasketsAreSets: an item repeated in a basket counts once, and empty
// baskets count in the total, as in arules.
func TestBasketsAreSets(t *testing.T) {
	var b basket.Baskets[int64]
	b.Add(7, 7, 9, 7)
	b.Add(9, 9)
	b.Add()
	b.Add(7, 9)
	if b.Len() != 4 || b.Items() != 2 {
		t.Fatalf("%d baskets of %d items, want 4 of 2", b.Len(), b.Items())
	}
	rules, err := basket.Mine(&b, basket.Options{MinSupport: 0.5, MinConfidence: 0})
	if err != nil {
		t.Fatal(err)
	}
	want := []basket.Rule[int64]{
		{Antecedent: []int64{7}, Consequent: []int64{9}, Support: 0.5, Confidence: 1, Lift: 4.0 / 3,
			Count: 2, AntecedentCount: 2, ConsequentCount: 3, TotalBaskets: 4},
		{Antecedent: []int64{9}, Consequent: []int64{7}, Support: 0.5, Confidence: 2.0 / 3, Lift: 4.0 / 3,
			Count: 2, AntecedentCount: 3, ConsequentCount: 2, TotalBaskets: 4},
	}
	if fmt.Sprint(rules) != fmt.Sprint(want) {
		t.Errorf("rules\n%+v\nwant\n%+v", rules, want)
	}
}

// TestSupportThresholdIsExact: 7 baskets of 100 have a support of exactly
// 0.07, though 0.07 × 100 is 7.000000000000001 in floating point.
func TestSupportThresholdIsExact(t *testing.T) {
	for _, c := range []struct {
		together, total int
		minSupport      float64
		found           bool
	}{
		{7, 100, 0.07, true},
		{6, 100, 0.07, false},
		{3, 30, 0.1, true},
		{29, 100, 0.29, true},
		{57, 100, 0.57, true},
		{56, 100, 0.57, false},
		{1, 3, 1.0 / 3, true},
	} {
		var b basket.Baskets[string]
		for i := range c.total {
			if i < c.together {
				b.Add("tea", "cake")
			} else {
				b.Add(fmt.Sprint("other", i))
			}
		}
		rules, err := basket.Mine(&b, basket.Options{MinSupport: c.minSupport})
		if err != nil {
			t.Fatal(err)
		}
		if found := len(rules) > 0; found != c.found {
			t.Errorf("%d of %d baskets at support %v: found %v, want %v", c.together, c.total, c.minSupport, found, c.found)
		}
	}
}

func TestConfidenceThresholdIsInclusive(t *testing.T) {
	var b basket.Baskets[string]
	b.Add("a", "b")
	b.Add("a", "b")
	b.Add("a")
	b.Add("a", "c")
	b.Add("a", "c")
	rules, err := basket.Mine(&b, basket.Options{MinSupport: 0.1, MinConfidence: 0.4})
	if err != nil {
		t.Fatal(err)
	}
	// a ⇒ b and a ⇒ c have confidence 2/5 = 0.4 exactly; b ⇒ a and c ⇒ a 1.
	if len(rules) != 4 {
		t.Errorf("%d rules, want 4: %+v", len(rules), rules)
	}
}

func TestTooManyItemsets(t *testing.T) {
	// 12 items in every basket: 4,095 frequent itemsets.
	var b basket.Baskets[int]
	items := []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}
	for range 3 {
		b.Add(items...)
	}
	_, err := basket.Mine(&b, basket.Options{MinSupport: 1, MaxLen: 12, MaxItemsets: 4094})
	if !errors.Is(err, basket.ErrTooManyItemsets) {
		t.Errorf("error %v, want ErrTooManyItemsets", err)
	}
	rules, err := basket.Mine(&b, basket.Options{MinSupport: 1, MaxLen: 12, MaxItemsets: 4095})
	if err != nil {
		t.Fatal(err)
	}
	// Each itemset of k ≥ 2 items gives k rules.
	want := 0
	for k := 2; k <= 12; k++ {
		want += k * binomial(12, k)
	}
	if len(rules) != want {
		t.Errorf("%d rules, want %d", len(rules), want)
	}
	// 18 items in one basket make 2^18 − 1 = 262,143 frequent itemsets,
	// more than the default limit.
	var big basket.Baskets[int]
	big.Add(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17)
	if _, err := basket.Mine(&big, basket.Options{MinSupport: 1, MaxLen: 18}); !errors.Is(err, basket.ErrTooManyItemsets) {
		t.Errorf("error %v, want ErrTooManyItemsets", err)
	}
}

func binomial(n, k int) int {
	r := 1
	for i := 1; i <= k; i++ {
		r = r * (n - k + i) / i
	}
	return r
}

func TestBundles(t *testing.T) {
	var b basket.Baskets[string]
	for range 6 {
		b.Add("tea", "mooncake")
	}
	for range 2 {
		b.Add("tea")
		b.Add("mooncake", "lantern")
	}
	for range 3 {
		b.Add("rice")
	}
	b.Add("rice", "tea") // together less often than chance would have it
	rules, err := basket.Mine(&b, basket.Options{MinSupport: 0.05, MinConfidence: 0})
	if err != nil {
		t.Fatal(err)
	}
	bundles := basket.Bundles(rules, 0)
	// 14 baskets: tea 9, mooncake 8, rice 4, lantern 2; tea & mooncake 6,
	// mooncake & lantern 2, rice & tea 1 (lift 1 × 14 / (4 × 9) < 1).
	want := []basket.Bundle[string]{
		{A: "lantern", B: "mooncake", Count: 2, CountA: 2, CountB: 8, TotalBaskets: 14,
			Support: 2.0 / 14, ConfidenceAToB: 1, ConfidenceBToA: 0.25, Lift: 14.0 / 8},
		{A: "mooncake", B: "tea", Count: 6, CountA: 8, CountB: 9, TotalBaskets: 14,
			Support: 6.0 / 14, ConfidenceAToB: 0.75, ConfidenceBToA: 6.0 / 9, Lift: 0.75 * 14 / 9},
	}
	if fmt.Sprint(bundles) != fmt.Sprint(want) {
		t.Errorf("bundles\n%+v\nwant\n%+v", bundles, want)
	}
	if top := basket.Bundles(rules, 1); len(top) != 1 || top[0] != want[0] {
		t.Errorf("top 1: %+v", top)
	}
	// One direction alone is enough to make the bundle.
	var oneWay []basket.Rule[string]
	for _, r := range rules {
		if r.Consequent[0] == "tea" {
			oneWay = append(oneWay, r)
		}
	}
	if got := basket.Bundles(oneWay, 0); len(got) != 1 || got[0] != want[1] {
		t.Errorf("from the rules towards tea: %+v, want %+v", got, want[1])
	}
}

// The brute-force check: on small random data, enumerate every itemset and
// count it basket by basket, straight from the definitions, and compare
// with Mine rule for rule and figure for figure.

// bruteRule is a rule with its sides as bit sets of items.
type bruteRule struct {
	antecedent, consequent uint16
	count, antecedentCount int
	consequentCount        int
	support, confidence    float64
	lift                   float64
}

// bruteForce mines baskets given as bit sets of nItems items. It returns the
// rules by their sides and the number of frequent itemsets of at most
// maxLen items.
func bruteForce(baskets []uint16, nItems int, minSupport, minConfidence float64, minLen, maxLen int) (map[[2]uint16]bruteRule, int) {
	n := len(baskets)
	rules := map[[2]uint16]bruteRule{}
	if n == 0 {
		return rules, 0
	}
	count := make([]int, 1<<nItems)
	for set := range count {
		for _, b := range baskets {
			if b&uint16(set) == uint16(set) {
				count[set]++
			}
		}
	}
	supportOf := func(set int) float64 { return float64(count[set]) / float64(n) }
	frequent := 0
	for set := 1; set < len(count); set++ {
		size := bits.OnesCount(uint(set))
		if supportOf(set) < minSupport || size > maxLen {
			continue
		}
		frequent++
		if size < minLen {
			continue
		}
		for y := range nItems {
			if set&(1<<y) == 0 {
				continue
			}
			x := set &^ (1 << y)
			// As a ratio of counts, not of supports: (c/n)/(a/n) can fall
			// a rounding error below c/a, and so below a threshold of
			// exactly c/a (4/5 and 0.8).
			confidence := float64(count[set]) / float64(count[x])
			if confidence < minConfidence {
				continue
			}
			rules[[2]uint16{uint16(x), uint16(1 << y)}] = bruteRule{
				antecedent: uint16(x), consequent: uint16(1 << y),
				count: count[set], antecedentCount: count[x], consequentCount: count[1<<y],
				support: supportOf(set), confidence: confidence,
				lift: supportOf(set) / (supportOf(x) * supportOf(1<<y)),
			}
		}
	}
	return rules, frequent
}

func bitSet(items []int) uint16 {
	var set uint16
	for _, item := range items {
		set |= 1 << item
	}
	return set
}

func closeTo(a, b float64) bool { return math.Abs(a-b) <= 1e-12*math.Max(1, math.Abs(b)) }

// compareWithBruteForce mines the baskets with Mine and by brute force and
// reports every difference.
func compareWithBruteForce(t *testing.T, baskets []uint16, nItems int, opt basket.Options) {
	t.Helper()
	var b basket.Baskets[int]
	for _, set := range baskets {
		var items []int
		for item := range nItems {
			if set&(1<<item) != 0 {
				items = append(items, item, item) // twice: a basket is a set
			}
		}
		b.Add(items...)
	}
	minLen, maxLen, maxItemsets := opt.MinLen, opt.MaxLen, opt.MaxItemsets
	if minLen == 0 {
		minLen = basket.DefaultMinLen
	}
	if maxLen == 0 {
		maxLen = basket.DefaultMaxLen
	}
	if maxItemsets == 0 {
		maxItemsets = basket.DefaultMaxItemsets
	}
	want, frequent := bruteForce(baskets, nItems, opt.MinSupport, opt.MinConfidence, minLen, maxLen)

	got, err := basket.Mine(&b, opt)
	if frequent > maxItemsets && len(baskets) > 0 {
		if !errors.Is(err, basket.ErrTooManyItemsets) {
			t.Fatalf("%+v: %d frequent itemsets over the limit, error %v", opt, frequent, err)
		}
		return
	}
	if err != nil {
		t.Fatalf("%+v: %v", opt, err)
	}
	if len(got) != len(want) {
		t.Errorf("%+v: %d rules, brute force finds %d", opt, len(got), len(want))
	}
	for i, r := range got {
		if i > 0 && !orderedRules(got[i-1], r) {
			t.Errorf("rules %d and %d out of order: %+v, %+v", i-1, i, got[i-1], r)
		}
		key := [2]uint16{bitSet(r.Antecedent), bitSet(r.Consequent)}
		w, ok := want[key]
		if !ok || len(r.Consequent) != 1 || !slices.IsSorted(r.Antecedent) {
			t.Errorf("%+v: rule %v ⇒ %v is not one of brute force's", opt, r.Antecedent, r.Consequent)
			continue
		}
		if r.Count != w.count || r.AntecedentCount != w.antecedentCount || r.ConsequentCount != w.consequentCount ||
			r.TotalBaskets != len(baskets) || !closeTo(r.Support, w.support) || !closeTo(r.Confidence, w.confidence) ||
			!closeTo(r.Lift, w.lift) {
			t.Errorf("%+v: rule %v ⇒ %v: %+v, brute force %+v", opt, r.Antecedent, r.Consequent, r, w)
		}
	}
}

// orderedRules reports whether a may come before b: lift, confidence and
// support descending, then items ascending.
func orderedRules(a, b basket.Rule[int]) bool {
	if a.Lift != b.Lift {
		return a.Lift > b.Lift
	}
	if a.Confidence != b.Confidence {
		return a.Confidence > b.Confidence
	}
	if a.Support != b.Support {
		return a.Support > b.Support
	}
	if c := slices.Compare(a.Antecedent, b.Antecedent); c != 0 {
		return c < 0
	}
	return slices.Compare(a.Consequent, b.Consequent) < 0
}

func TestMineMatchesBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(2026, 4))
	for trial := range 300 {
		nItems := 1 + rng.IntN(10)
		baskets := make([]uint16, rng.IntN(120))
		density := 0.1 + 0.6*rng.Float64()
		for i := range baskets {
			for item := range nItems {
				if rng.Float64() < density {
					baskets[i] |= 1 << item
				}
			}
		}
		minLen := rng.IntN(4) // 0 is the default, 2
		effectiveMinLen := cmp.Or(minLen, basket.DefaultMinLen)
		opt := basket.Options{
			MinSupport:    []float64{0.01, 0.05, 0.1, 0.2, 0.3, 0.5, 1.0 / 3, 1}[rng.IntN(8)],
			MinConfidence: []float64{0, 0.25, 0.5, 0.8, 1}[rng.IntN(5)],
			MinLen:        minLen,
			MaxLen:        []int{0, effectiveMinLen, effectiveMinLen + 1, 10}[rng.IntN(4)],
		}
		t.Run(fmt.Sprint(trial), func(t *testing.T) { compareWithBruteForce(t, baskets, nItems, opt) })
	}
}

// FuzzMine compares Mine with the brute force on small baskets: each byte of
// data is a basket of up to 8 items, as a bit set. Invalid options must be
// reported as such, and nothing may panic.
func FuzzMine(f *testing.F) {
	f.Add([]byte{0b11, 0b111, 0b110, 0b1, 0b101}, 0.4, 0.5, 2, 10, 0)
	f.Add([]byte{0xff, 0xff, 0xff}, 1.0, 1.0, 1, 8, 100)
	f.Add([]byte{}, 0.1, 0.1, 0, 0, 0)
	f.Add([]byte{0, 0, 1}, 0.3, 0.0, 1, 1, 0)
	f.Add([]byte{3}, 0.0, 0.5, 2, 1, -1)
	f.Fuzz(func(t *testing.T, data []byte, minSupport, minConfidence float64, minLen, maxLen, maxItemsets int) {
		if len(data) > 64 {
			data = data[:64]
		}
		baskets := make([]uint16, len(data))
		for i, d := range data {
			baskets[i] = uint16(d)
		}
		opt := basket.Options{MinSupport: minSupport, MinConfidence: minConfidence,
			MinLen: minLen, MaxLen: maxLen, MaxItemsets: maxItemsets}
		effectiveMinLen, effectiveMaxLen := minLen, maxLen
		if effectiveMinLen == 0 {
			effectiveMinLen = basket.DefaultMinLen
		}
		if effectiveMaxLen == 0 {
			effectiveMaxLen = basket.DefaultMaxLen
		}
		valid := minSupport > 0 && minSupport <= 1 && minConfidence >= 0 && minConfidence <= 1 &&
			minLen >= 0 && maxLen >= 0 && effectiveMaxLen >= effectiveMinLen && maxItemsets >= 0
		if !valid {
			var b basket.Baskets[int]
			b.Add(1)
			if _, err := basket.Mine(&b, opt); !errors.Is(err, basket.ErrInvalidOptions) {
				t.Fatalf("%+v: error %v, want ErrInvalidOptions", opt, err)
			}
			return
		}
		compareWithBruteForce(t, baskets, 8, opt)
	})
}
