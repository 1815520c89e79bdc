package basket

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestIntersect checks intersect, and its early way out, against a set's answer, on
// lists of very different lengths and at every threshold.
func TestIntersect(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	randomList := func(length, universe int) []int32 {
		set := map[int32]bool{}
		for len(set) < length {
			set[int32(rng.IntN(universe))] = true
		}
		list := make([]int32, 0, length)
		for x := range set {
			list = append(list, x)
		}
		slices.Sort(list)
		return list
	}
	for range 1000 {
		universe := 1 + rng.IntN(3000)
		a := randomList(rng.IntN(min(universe, 40)+1), universe)
		b := randomList(rng.IntN(universe+1), universe)
		var want []int32
		for _, x := range a {
			if _, found := slices.BinarySearch(b, x); found {
				want = append(want, x)
			}
		}
		for minCount := 1; minCount <= len(want)+1; minCount++ {
			got := intersect(make([]int32, 0, min(len(a), len(b))), a, b, minCount)
			if len(want) >= minCount && !slices.Equal(got, want) || len(want) < minCount && got != nil {
				t.Fatalf("intersect(%v, %v, %d) = %v, want %v", a, b, minCount, got, want)
			}
			if got := intersect(make([]int32, 0, min(len(a), len(b))), b, a, minCount); len(want) >= minCount && !slices.Equal(got, want) {
				t.Fatalf("intersect(%v, %v, %d) = %v, want %v", b, a, minCount, got, want)
			}
		}
	}
}
