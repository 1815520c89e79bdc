// Package basket finds what customers buy together (MISSION.md C4): the
// association rules of market-basket analysis, with their support,
// confidence and lift, and bundle suggestions drawn from them. It is pure
// arithmetic over slices: no SQL, no HTTP. The caller decides what a basket
// is — one order, or everything a customer bought in a period.
//
// The figures follow R's arules package (Hahsler, Grün, Hornik; the Apriori
// of Christian Borgelt inside it), so that a shop's results can be checked
// against the reference implementation:
//
//   - an itemset is frequent when its support — the share of baskets holding
//     all its items — is at least MinSupport;
//   - a rule X ⇒ y has a single item y as its consequent, and is kept when
//     X ∪ {y} is frequent, when its confidence supp(X ∪ {y}) / supp(X) is at
//     least MinConfidence, and when it has between MinLen and MaxLen items in
//     all (X may be empty when MinLen is 1: {} ⇒ {y} has confidence supp(y));
//   - the support of a rule is that of X ∪ {y}; its lift is its confidence
//     divided by supp(y).
//
// The frequent itemsets are found depth first with Eclat (M. J. Zaki,
// "Scalable algorithms for association mining", IEEE TKDE 12(3), 2000): each
// item's list of the baskets that hold it is intersected with the lists of
// the items after it, so that an itemset's support is the length of its
// list and the data is read once.
package basket

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"
)

// Defaults of Options.
const (
	// DefaultMinLen leaves out the rules with an empty antecedent
	// ({} ⇒ {y}), which only say how popular y is. arules' own default is 1.
	DefaultMinLen = 2
	// DefaultMaxLen is arules' default.
	DefaultMaxLen = 10
	// DefaultMaxItemsets bounds the work of one call: Groceries (9,835
	// baskets, 169 items) at support 0.001 has about 13,500 frequent
	// itemsets; a support low enough to find 200,000 would take seconds and
	// give more rules than anyone can read.
	DefaultMaxItemsets = 200_000
)

var (
	// ErrInvalidOptions is wrapped by the errors of options out of range.
	ErrInvalidOptions = errors.New("basket: invalid options")
	// ErrTooManyItemsets is returned when there are more frequent itemsets
	// than Options.MaxItemsets: the minimum support is too low for the data.
	ErrTooManyItemsets = errors.New("basket: too many frequent itemsets")
)

// Key is what identifies an item: a product id or a product name. Floating
// point keys are left out on purpose: NaN is not equal to itself, so it
// could not be looked up.
type Key interface {
	~string | ~int | ~int8 | ~int16 | ~int32 | ~int64 |
		~uint | ~uint8 | ~uint16 | ~uint32 | ~uint64
}

// Baskets is a set of baskets, each a set of items. Items are interned: each
// distinct key is stored once and the baskets hold small integers. The zero
// value is an empty set, ready to use.
type Baskets[K Key] struct {
	keys  []K         // item number → key
	index map[K]int32 // key → item number
	items []int32     // the items of every basket, basket after basket, each basket sorted
	ends  []int       // ends[i] is where basket i ends in items
}

// Add adds one basket holding the given items. An item given twice counts
// once, as in a set. A basket without items still counts in the total.
func (b *Baskets[K]) Add(items ...K) {
	if b.index == nil {
		b.index = make(map[K]int32)
	}
	start := len(b.items)
	for _, key := range items {
		id, ok := b.index[key]
		if !ok {
			id = int32(len(b.keys))
			b.keys = append(b.keys, key)
			b.index[key] = id
		}
		b.items = append(b.items, id)
	}
	basket := b.items[start:]
	slices.Sort(basket)
	b.items = b.items[:start+len(slices.Compact(basket))]
	b.ends = append(b.ends, len(b.items))
}

// Len returns the number of baskets.
func (b *Baskets[K]) Len() int {
	if b == nil {
		return 0
	}
	return len(b.ends)
}

// Items returns the number of distinct items.
func (b *Baskets[K]) Items() int {
	if b == nil {
		return 0
	}
	return len(b.keys)
}

// basket returns the item numbers of basket i, sorted.
func (b *Baskets[K]) basket(i int) []int32 {
	start := 0
	if i > 0 {
		start = b.ends[i-1]
	}
	return b.items[start:b.ends[i]]
}

// Options are the thresholds of Mine.
type Options struct {
	// MinSupport is the least share of baskets, in (0, 1], that must hold
	// all the items of a rule.
	MinSupport float64
	// MinConfidence is the least confidence of a rule, in [0, 1]: the share
	// of the baskets holding the antecedent that also hold the consequent.
	MinConfidence float64
	// MinLen and MaxLen bound the number of items of a rule, antecedent and
	// consequent together (arules' minlen and maxlen). Zero means
	// DefaultMinLen and DefaultMaxLen. MinLen 1 admits rules with an empty
	// antecedent.
	MinLen, MaxLen int
	// MaxItemsets is the most frequent itemsets (of at most MaxLen items)
	// that Mine will hold before it gives up with ErrTooManyItemsets. Zero
	// means DefaultMaxItemsets.
	MaxItemsets int
}

// withDefaults validates the options and fills in the defaults.
func (o Options) withDefaults() (Options, error) {
	invalid := func(format string, args ...any) (Options, error) {
		return o, fmt.Errorf("%w: "+format, append([]any{ErrInvalidOptions}, args...)...)
	}
	// The comparisons are written so that NaN fails them.
	if !(o.MinSupport > 0 && o.MinSupport <= 1) {
		return invalid("MinSupport %v is outside (0, 1]", o.MinSupport)
	}
	if !(o.MinConfidence >= 0 && o.MinConfidence <= 1) {
		return invalid("MinConfidence %v is outside [0, 1]", o.MinConfidence)
	}
	if o.MinLen < 0 || o.MaxLen < 0 {
		return invalid("MinLen %d and MaxLen %d may not be negative", o.MinLen, o.MaxLen)
	}
	if o.MaxItemsets < 0 {
		return invalid("MaxItemsets %d is negative", o.MaxItemsets)
	}
	if o.MinLen == 0 {
		o.MinLen = DefaultMinLen
	}
	if o.MaxLen == 0 {
		o.MaxLen = DefaultMaxLen
	}
	if o.MaxLen < o.MinLen {
		return invalid("MaxLen %d is less than MinLen %d", o.MaxLen, o.MinLen)
	}
	if o.MaxItemsets == 0 {
		o.MaxItemsets = DefaultMaxItemsets
	}
	return o, nil
}

// minCount returns the least number of baskets, out of n, whose share is at
// least minSupport: the count threshold of a frequent itemset. The share is
// computed as a Rule's Support is, count/n in float64, so that an itemset is
// frequent exactly when the support it would be reported with is at least
// MinSupport. arules computes ceil(n·minsupp) instead (istree.c), which
// agrees except when n·minsupp is a whole number that the multiplication
// rounds up (0.07 × 100 = 7.000000000000001): arules then asks for 8
// baskets although 7 of 100 is a support of 0.07.
func minCount(n int, minSupport float64) int {
	c := int(math.Ceil(minSupport * float64(n)))
	for c > 1 && float64(c-1)/float64(n) >= minSupport {
		c--
	}
	for float64(c)/float64(n) < minSupport {
		c++
	}
	return max(c, 1)
}

// Rule is an association rule Antecedent ⇒ Consequent with its figures.
// Every figure is derived from the counts, which are exact.
type Rule[K Key] struct {
	// Antecedent are the items already in the basket, in ascending order;
	// empty for a rule {} ⇒ {y}.
	Antecedent []K `json:"antecedent"`
	// Consequent is the item the rule predicts: always one item, as in
	// arules, in a slice so that the two sides read alike.
	Consequent []K `json:"consequent"`

	Support    float64 `json:"support"`    // Count / TotalBaskets
	Confidence float64 `json:"confidence"` // Count / AntecedentCount
	Lift       float64 `json:"lift"`       // Confidence / (ConsequentCount / TotalBaskets)

	Count           int `json:"count"`            // baskets holding every item of the rule
	AntecedentCount int `json:"antecedent_count"` // baskets holding the antecedent: all of them when it is empty
	ConsequentCount int `json:"consequent_count"` // baskets holding the consequent
	TotalBaskets    int `json:"total_baskets"`
}

// Mine returns the association rules of the baskets that meet the options,
// sorted by lift, then confidence, then support, all descending, then by
// their items. No baskets give no rules. Mine only reads the baskets, so
// several calls may share them.
func Mine[K Key](baskets *Baskets[K], opt Options) ([]Rule[K], error) {
	opt, err := opt.withDefaults()
	if err != nil {
		return nil, err
	}
	n := baskets.Len()
	if n == 0 {
		return nil, nil
	}
	tree, err := frequentItemsets(baskets, minCount(n, opt.MinSupport), opt.MaxLen, opt.MaxItemsets)
	if err != nil {
		return nil, fmt.Errorf("%w: more than %d at support %v over %d baskets; raise MinSupport, or lower MaxLen",
			err, opt.MaxItemsets, opt.MinSupport, n)
	}
	rules := makeRules(baskets, tree, opt)
	slices.SortFunc(rules, compareRules)
	return rules, nil
}

// compareRules orders rules by lift, confidence and support, descending,
// then by their items, so that the order does not depend on the mining.
func compareRules[K Key](a, b Rule[K]) int {
	if c := cmp.Compare(b.Lift, a.Lift); c != 0 {
		return c
	}
	if c := cmp.Compare(b.Confidence, a.Confidence); c != 0 {
		return c
	}
	if c := cmp.Compare(b.Support, a.Support); c != 0 {
		return c
	}
	if c := slices.Compare(a.Antecedent, b.Antecedent); c != 0 {
		return c
	}
	return slices.Compare(a.Consequent, b.Consequent)
}

// makeRules turns the frequent itemsets into the rules that meet the
// options.
func makeRules[K Key](baskets *Baskets[K], tree *itemsetTree, opt Options) []Rule[K] {
	n := tree.baskets
	var rules []Rule[K]
	var keys keyArena[K]
	subset := make([]int32, 0, 16)
	tree.walk(func(itemset []int32, count int) {
		if len(itemset) < opt.MinLen {
			return
		}
		for i := range itemset {
			subset = append(append(subset[:0], itemset[:i]...), itemset[i+1:]...)
			antecedentCount := tree.count(subset)
			confidence := float64(count) / float64(antecedentCount)
			if confidence < opt.MinConfidence {
				continue
			}
			consequentCount := tree.count(itemset[i : i+1])
			rules = append(rules, Rule[K]{
				Antecedent: keys.sorted(baskets, tree, subset),
				Consequent: keys.sorted(baskets, tree, itemset[i:i+1]),
				Support:    float64(count) / float64(n),
				Confidence: confidence,
				// As arules computes it (istree.c), so that the figures agree
				// to the last bit.
				Lift:            confidence * float64(n) / float64(consequentCount),
				Count:           count,
				AntecedentCount: antecedentCount,
				ConsequentCount: consequentCount,
				TotalBaskets:    n,
			})
		}
	})
	return rules
}

// keyArena hands out the items of the rules from large shared blocks rather
// than one small allocation per rule side.
type keyArena[K Key] struct{ block []K }

// sorted returns the keys of the given tree items, in ascending order, in a
// slice that appending to cannot spill into another rule's items.
func (a *keyArena[K]) sorted(baskets *Baskets[K], tree *itemsetTree, items []int32) []K {
	if len(items) == 0 {
		return []K{}
	}
	if cap(a.block)-len(a.block) < len(items) {
		a.block = make([]K, 0, max(1024, len(items)))
	}
	start := len(a.block)
	for _, item := range items {
		a.block = append(a.block, baskets.keys[tree.original[item]])
	}
	keys := a.block[start:len(a.block):len(a.block)]
	slices.Sort(keys)
	return keys
}
