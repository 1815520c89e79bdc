package basket_test

// The published results for the Groceries baskets (../shared/datasets/
// groceries: 9,835 baskets of one month of a grocery outlet, the Groceries
// data of R's arules package, as Brett Lantz distributes it). Every figure
// below was printed by arules' apriori(); the package must give the same.
//
// The tests are in package basket_test because they load the data through
// internal/testenv, which builds the whole application: from inside package
// basket that would be an import cycle once the application uses basket.

import (
	"fmt"
	"maps"
	"math"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/guanxi-crm/guanxi/internal/analytics/basket"
	"github.com/guanxi-crm/guanxi/internal/testenv"
)

// loadGroceries reads groceries.csv: one basket a line, items separated by
// commas. Two item names carry a trailing space in the file ("cream
// cheese ", "roll products "); they are trimmed, as the datasets README says
// arules does.
func loadGroceries(tb testing.TB) *basket.Baskets[string] {
	tb.Helper()
	data, err := os.ReadFile(testenv.Dataset(tb, "groceries/groceries.csv"))
	if err != nil {
		tb.Fatal(err)
	}
	var baskets basket.Baskets[string]
	for line := range strings.Lines(string(data)) {
		items := strings.Split(strings.TrimSuffix(line, "\n"), ",")
		for i := range items {
			items[i] = strings.TrimSpace(items[i])
		}
		baskets.Add(items...)
	}
	return &baskets
}

// published is a rule as arules' inspect() prints it: figures to 7
// significant digits.
type published struct {
	antecedent          []string // in ascending order
	consequent          string
	support, confidence float64
	lift                float64
	count               int // 0 where the source does not print it
}

func mine(t *testing.T, baskets *basket.Baskets[string], opt basket.Options) []basket.Rule[string] {
	t.Helper()
	rules, err := basket.Mine(baskets, opt)
	if err != nil {
		t.Fatalf("Mine(%+v): %v", opt, err)
	}
	return rules
}

// lengths returns how many rules have each number of items, as arules'
// summary() prints "rule length distribution (lhs + rhs)".
func lengths(rules []basket.Rule[string]) map[int]int {
	sizes := map[int]int{}
	for _, r := range rules {
		sizes[len(r.Antecedent)+len(r.Consequent)]++
	}
	return sizes
}

// sameTo7Digits reports whether got rounds to want at 7 significant digits,
// the precision arules prints.
func sameTo7Digits(got, want float64) bool {
	scale := math.Pow(10, math.Floor(math.Log10(math.Abs(want)))-6)
	return math.Abs(got-want) <= scale/2*(1+1e-9)
}

func checkRule(t *testing.T, got basket.Rule[string], want published) {
	t.Helper()
	if !slices.Equal(got.Antecedent, want.antecedent) || !slices.Equal(got.Consequent, []string{want.consequent}) {
		t.Errorf("rule %v ⇒ %v, want %v ⇒ [%s]", got.Antecedent, got.Consequent, want.antecedent, want.consequent)
		return
	}
	if !sameTo7Digits(got.Support, want.support) || !sameTo7Digits(got.Confidence, want.confidence) ||
		!sameTo7Digits(got.Lift, want.lift) || want.count != 0 && got.Count != want.count {
		t.Errorf("%v ⇒ %v: support %.9f confidence %.7f lift %.6f count %d, want %v %v %v %d",
			got.Antecedent, got.Consequent, got.Support, got.Confidence, got.Lift, got.Count,
			want.support, want.confidence, want.lift, want.count)
	}
}

func findRule(rules []basket.Rule[string], consequent string, antecedent ...string) (basket.Rule[string], bool) {
	for _, r := range rules {
		if r.Consequent[0] == consequent && slices.Equal(r.Antecedent, antecedent) {
			return r, true
		}
	}
	return basket.Rule[string]{}, false
}

// TestGroceriesShape checks the data against arules' summary(groceries): "9835
// rows (elements/itemsets/transactions) and 169 columns (items)", most
// frequent items whole milk 2513, other vegetables 1903, rolls/buns 1809,
// soda 1715, yogurt 1372 (Lantz, ch. 8; see TestGroceriesLantz). The item
// counts are read through the rules {} ⇒ {y}.
func TestGroceriesShape(t *testing.T) {
	groceries := loadGroceries(t)
	if groceries.Len() != 9835 || groceries.Items() != 169 {
		t.Fatalf("%d baskets of %d items, want 9835 of 169", groceries.Len(), groceries.Items())
	}
	rules := mine(t, groceries, basket.Options{MinSupport: 1.0 / 9835, MinLen: 1, MaxLen: 1})
	if len(rules) != 169 {
		t.Fatalf("%d one-item rules, want one per item", len(rules))
	}
	counts := map[string]int{}
	for _, r := range rules {
		counts[r.Consequent[0]] = r.Count
		if len(r.Antecedent) != 0 || r.AntecedentCount != 9835 || r.Confidence != r.Support {
			t.Errorf("%v ⇒ %v: antecedent count %d, confidence %v, support %v", r.Antecedent, r.Consequent,
				r.AntecedentCount, r.Confidence, r.Support)
		}
	}
	for item, want := range map[string]int{"whole milk": 2513, "other vegetables": 1903, "rolls/buns": 1809, "soda": 1715, "yogurt": 1372} {
		if counts[item] != want {
			t.Errorf("%s in %d baskets, want %d", item, counts[item], want)
		}
	}
}

// TestGroceriesLantz reproduces Brett Lantz, "Machine Learning with R"
// (Packt; 2nd ed. 2015, 3rd ed. 2019, 4th ed. 2023), chapter 8 "Finding
// Patterns – Market Basket Analysis Using Association Rules", whose code is
// github.com/dataspelunking/MLwR (".../Chapter 08/Chapter_08.R"):
//
//	groceryrules <- apriori(groceries, parameter = list(support =
//	                          0.006, confidence = 0.25, minlen = 2))
//	groceryrules                    # set of 463 rules
//	summary(groceryrules)           # rule length distribution: 2: 150, 3: 297, 4: 16
//	inspect(sort(groceryrules, by = "lift")[1:5])
//
// The book reads the top rule as "{herbs} => {root vegetables}" with lift
// 3.956: herbs buyers are nearly four times as likely to buy root
// vegetables. The figures below are arules' printout of that session as
// reproduced in the public replications of the chapter (its summary gives
// support 0.006101 to 0.074835, confidence 0.25 to 0.66, lift 0.9932 to
// 3.9565).
func TestGroceriesLantz(t *testing.T) {
	groceries := loadGroceries(t)
	rules := mine(t, groceries, basket.Options{MinSupport: 0.006, MinConfidence: 0.25, MinLen: 2})
	if len(rules) != 463 {
		t.Fatalf("%d rules, want 463", len(rules))
	}
	if got, want := lengths(rules), map[int]int{2: 150, 3: 297, 4: 16}; !maps.Equal(got, want) {
		t.Errorf("rule lengths %v, want %v", got, want)
	}
	top5 := []published{
		{[]string{"herbs"}, "root vegetables", 0.007015760, 0.4312500, 3.956477, 69},
		{[]string{"berries"}, "whipped/sour cream", 0.009049314, 0.2721713, 3.796886, 89},
		{[]string{"other vegetables", "tropical fruit", "whole milk"}, "root vegetables", 0.007015760, 0.4107143, 3.768074, 69},
		{[]string{"beef", "other vegetables"}, "root vegetables", 0.007930859, 0.4020619, 3.688692, 78},
		{[]string{"other vegetables", "tropical fruit"}, "pip fruit", 0.009456024, 0.2634561, 3.482649, 93},
	}
	for i, want := range top5 {
		checkRule(t, rules[i], want)
	}
	// inspect(groceryrules[1:3]), in arules' own order. The CSV names the
	// item "pot plants"; later printings of arules' Groceries say "potted
	// plants".
	for _, want := range []published{
		{[]string{"pot plants"}, "whole milk", 0.006914082, 0.4000000, 1.565460, 68},
		{[]string{"pasta"}, "whole milk", 0.006100661, 0.4054054, 1.586614, 60},
		{[]string{"herbs"}, "other vegetables", 0.007727504, 0.4750000, 2.454874, 76},
	} {
		got, ok := findRule(rules, want.consequent, want.antecedent...)
		if !ok {
			t.Errorf("no rule %v ⇒ %s", want.antecedent, want.consequent)
			continue
		}
		checkRule(t, got, want)
	}
	lowSupport, highSupport := math.Inf(1), 0.0
	lowConfidence, highConfidence := math.Inf(1), 0.0
	lowLift, highLift := math.Inf(1), 0.0
	for _, r := range rules {
		lowSupport, highSupport = min(lowSupport, r.Support), max(highSupport, r.Support)
		lowConfidence, highConfidence = min(lowConfidence, r.Confidence), max(highConfidence, r.Confidence)
		lowLift, highLift = min(lowLift, r.Lift), max(highLift, r.Lift)
	}
	for _, c := range []struct {
		name      string
		got, want float64
		digits    float64 // printed decimals
	}{
		{"least support", lowSupport, 0.006101, 6}, {"most support", highSupport, 0.074835, 6},
		{"least confidence", lowConfidence, 0.25, 4}, {"most confidence", highConfidence, 0.66, 4},
		{"least lift", lowLift, 0.9932, 4}, {"most lift", highLift, 3.9565, 4},
	} {
		if math.Abs(c.got-c.want) > math.Pow(10, -c.digits)/2 {
			t.Errorf("%s %v, summary() printed %v", c.name, c.got, c.want)
		}
	}
}

// TestGroceriesHahsler reproduces the example of arulesViz's plot() (Michael
// Hahsler, the arulesViz reference manual, examples of ?plot, as rendered in
// docs/reference/plot.html of github.com/mhahsler/arulesViz), the most cited
// run over Groceries, with arules' default minlen 1 and maxlen 10:
//
//	rules <- apriori(Groceries, parameter = list(support = 0.001, confidence = 0.8))
//	rules                         # set of 410 rules
//	subrules <- subset(rules, lift > 5)
//	subrules                      # set of 32 rules
//
// The rule lengths, 3: 29, 4: 229, 5: 140, 6: 12 (summary(rules)), and the
// three rules of highest lift (inspect(head(sort(rules, by = "lift"), 3)))
// are arules' printout of the same call in the public tutorials and course
// notes that repeat it.
func TestGroceriesHahsler(t *testing.T) {
	groceries := loadGroceries(t)
	rules := mine(t, groceries, basket.Options{MinSupport: 0.001, MinConfidence: 0.8, MinLen: 1, MaxLen: 10})
	if len(rules) != 410 {
		t.Fatalf("%d rules, want 410", len(rules))
	}
	if got, want := lengths(rules), map[int]int{3: 29, 4: 229, 5: 140, 6: 12}; !maps.Equal(got, want) {
		t.Errorf("rule lengths %v, want %v", got, want)
	}
	highLift := 0
	for _, r := range rules {
		if r.Lift > 5 {
			highLift++
		}
	}
	if highLift != 32 {
		t.Errorf("%d rules with lift > 5, want 32", highLift)
	}
	for i, want := range []published{
		{[]string{"liquor", "red/blush wine"}, "bottled beer", 0.001931876, 0.9047619, 11.23527, 19},
		// These two tie on every figure; the package orders them by item.
		{[]string{"citrus fruit", "fruit/vegetable juice", "other vegetables", "soda"}, "root vegetables", 0.001016777, 0.9090909, 8.34040, 10},
		{[]string{"oil", "other vegetables", "tropical fruit", "whole milk", "yogurt"}, "root vegetables", 0.001016777, 0.9090909, 8.34040, 10},
	} {
		checkRule(t, rules[i], want)
	}
	// The rule that the same example draws with sample(rules, 1).
	got, ok := findRule(rules, "whole milk", "citrus fruit", "sugar", "whipped/sour cream")
	if !ok {
		t.Fatal("no rule {citrus fruit, sugar, whipped/sour cream} ⇒ {whole milk}")
	}
	checkRule(t, got, published{[]string{"citrus fruit", "sugar", "whipped/sour cream"}, "whole milk", 0.001118454, 0.8461538, 3.311549, 11})
}

// TestGroceriesArulesVizVignette reproduces the arulesViz vignette (Hahsler
// & Chelluboina, "Visualizing Association Rules: Introduction to the
// R-extension Package arulesViz", section 2; its code is
// rdrr.io/cran/arulesViz/src/inst/doc/arulesViz.R):
//
//	rules <- apriori(Groceries, parameter = list(support = 0.001, confidence = 0.5))
//	rules                                       # set of 5668 rules
//	inspect(head(sort(rules, by = "lift"), 3))
//
// with minlen 1 (the default) and, as other printouts show, the same 5668
// with minlen 2: no single item is in half the baskets.
func TestGroceriesArulesVizVignette(t *testing.T) {
	groceries := loadGroceries(t)
	for _, minLen := range []int{1, 2} {
		rules := mine(t, groceries, basket.Options{MinSupport: 0.001, MinConfidence: 0.5, MinLen: minLen})
		if len(rules) != 5668 {
			t.Fatalf("minlen %d: %d rules, want 5668", minLen, len(rules))
		}
		for i, want := range []published{
			{[]string{"Instant food products", "soda"}, "hamburger meat", 0.001220132, 0.6315789, 18.99565, 12},
			{[]string{"popcorn", "soda"}, "salty snack", 0.001220132, 0.6315789, 16.69779, 0},
			{[]string{"baking powder", "flour"}, "sugar", 0.001016777, 0.5555556, 16.40807, 0},
		} {
			checkRule(t, rules[i], want)
		}
	}
}

// TestGroceriesFrequentItemsets checks the itemset miner alone against
// arules' counts of frequent itemsets:
//   - eclat(Groceries, parameter = list(support = 0.02, minlen = 2)) writes
//     "[63 set(s)]" after "sorting and recoding items ... [59 item(s)]"
//     (arulesViz reference manual, examples of ?plot);
//   - apriori(Groceries, parameter = list(target = "frequent", supp = 0.001,
//     minlen = 2, maxlen = 4)) writes "[12949 set(s)]", after "[157
//     item(s)]" (a course's notes on arules, reproducing the same call);
//   - "sorting and recoding items ... [109 item(s)]" at support 0.006 (Lantz).
func TestGroceriesFrequentItemsets(t *testing.T) {
	groceries := loadGroceries(t)
	for _, c := range []struct {
		support        float64
		items, sets    int
		minLen, maxLen int
	}{
		{0.02, 59, 63, 2, 10},
		{0.001, 157, 12949, 2, 4},
		{0.006, 109, -1, 0, 0},
	} {
		sizes, err := basket.FrequentItemsetSizes(groceries, c.support, max(c.maxLen, 1))
		if err != nil {
			t.Fatal(err)
		}
		if sizes[1] != c.items {
			t.Errorf("support %v: %d frequent items, want %d", c.support, sizes[1], c.items)
		}
		if c.sets < 0 {
			continue
		}
		sets := 0
		for size, count := range sizes {
			if size >= c.minLen {
				sets += count
			}
		}
		if sets != c.sets {
			t.Errorf("support %v: %d frequent itemsets of %d to %d items, want %d", c.support, sets, c.minLen, c.maxLen, c.sets)
		}
	}
}

// TestGroceriesBundles reads Lantz's rules as bundle suggestions: the pair
// of highest lift is herbs and root vegetables, 43% of the herbs buyers also
// buying root vegetables (69 of 160 baskets).
func TestGroceriesBundles(t *testing.T) {
	groceries := loadGroceries(t)
	rules := mine(t, groceries, basket.Options{MinSupport: 0.006, MinConfidence: 0.25, MinLen: 2})
	bundles := basket.Bundles(rules, 3)
	if len(bundles) != 3 {
		t.Fatalf("%d bundles, want 3", len(bundles))
	}
	first := bundles[0]
	want := basket.Bundle[string]{A: "herbs", B: "root vegetables", Count: 69, CountA: 160, CountB: 1072, TotalBaskets: 9835,
		Support: 69.0 / 9835, ConfidenceAToB: 69.0 / 160, ConfidenceBToA: 69.0 / 1072, Lift: rules[0].Lift}
	if first != want {
		t.Errorf("first bundle %+v, want %+v", first, want)
	}
	if second := bundles[1]; second.A != "berries" || second.B != "whipped/sour cream" || !sameTo7Digits(second.ConfidenceAToB, 0.2721713) {
		t.Errorf("second bundle %+v, want berries and whipped/sour cream at 0.2721713", second)
	}
}

// BenchmarkGroceries mines Groceries at support 0.001, the figure of
// BENCHMARKS.md (≤ 300 ms).
func BenchmarkGroceries(b *testing.B) {
	groceries := loadGroceries(b)
	for _, confidence := range []float64{0.5, 0.8} {
		b.Run(fmt.Sprintf("confidence=%v", confidence), func(b *testing.B) {
			var rules []basket.Rule[string]
			for b.Loop() {
				var err error
				rules, err = basket.Mine(groceries, basket.Options{MinSupport: 0.001, MinConfidence: confidence, MinLen: 1})
				if err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(rules)), "rules")
		})
	}
}
