package basket

import (
	"cmp"
	"slices"
)

// Bundle is a pair of items bought together more often than chance would
// have it, with the figures of a sentence such as "62% of the customers who
// buy A also buy B, 3.2 times as often as customers in general" (or
// 「買A的顧客中有62%也買B」): the package gives the numbers, the caller the
// words.
//
// A is the item whose buyers more often also buy the other, so that the
// headline share, ConfidenceAToB, is the higher of the two.
type Bundle[K Key] struct {
	A K `json:"a"`
	B K `json:"b"`

	Count        int `json:"count"`   // baskets holding both
	CountA       int `json:"count_a"` // baskets holding A
	CountB       int `json:"count_b"` // baskets holding B
	TotalBaskets int `json:"total_baskets"`

	Support        float64 `json:"support"`           // Count / TotalBaskets
	ConfidenceAToB float64 `json:"confidence_a_to_b"` // Count / CountA: the share of A's baskets that also hold B
	ConfidenceBToA float64 `json:"confidence_b_to_a"` // Count / CountB
	// Lift is how many times more often A and B are bought together than if
	// they were bought independently; the same both ways.
	Lift float64 `json:"lift"`
}

// Bundles returns the pairs of the rules with one item on each side, the
// rules A ⇒ B and B ⇒ A merged into one Bundle, best first: by lift, then
// by the headline confidence, then by support, all descending, then by
// item. It returns the first topN, or all when topN is not positive.
//
// Pairs with a lift of 1 or less are left out: their items are bought
// together no more often than chance would have it, so they make no bundle
// however popular each item is. Rules with a longer antecedent are ignored.
func Bundles[K Key](rules []Rule[K], topN int) []Bundle[K] {
	type pair struct{ a, b K }
	seen := make(map[pair]bool)
	var bundles []Bundle[K]
	for _, r := range rules {
		if len(r.Antecedent) != 1 || len(r.Consequent) != 1 {
			continue
		}
		x, y := r.Antecedent[0], r.Consequent[0]
		countX, countY := r.AntecedentCount, r.ConsequentCount
		// Orient the pair so that A is the item with fewer baskets: its
		// buyers are the larger share of the pair's baskets.
		if countY < countX || countY == countX && y < x {
			x, y, countX, countY = y, x, countY, countX
		}
		if seen[pair{x, y}] {
			continue
		}
		seen[pair{x, y}] = true
		n := r.TotalBaskets
		confidenceAToB := float64(r.Count) / float64(countX)
		// The rule A ⇒ B's lift, computed as Mine computes it, so that the
		// two agree to the last bit.
		lift := confidenceAToB * float64(n) / float64(countY)
		if !(lift > 1) {
			continue
		}
		bundles = append(bundles, Bundle[K]{
			A: x, B: y,
			Count: r.Count, CountA: countX, CountB: countY, TotalBaskets: n,
			Support:        float64(r.Count) / float64(n),
			ConfidenceAToB: confidenceAToB,
			ConfidenceBToA: float64(r.Count) / float64(countY),
			Lift:           lift,
		})
	}
	slices.SortFunc(bundles, func(p, q Bundle[K]) int {
		return cmp.Or(
			cmp.Compare(q.Lift, p.Lift),
			cmp.Compare(q.ConfidenceAToB, p.ConfidenceAToB),
			cmp.Compare(q.Support, p.Support),
			cmp.Compare(p.A, q.A),
			cmp.Compare(p.B, q.B),
		)
	})
	if topN > 0 && len(bundles) > topN {
		bundles = bundles[:topN:topN]
	}
	return bundles
}
