package basket

// FrequentItemsetSizes lets the external tests check the itemset miner on
// its own: it returns how many itemsets of each size are frequent at
// minSupport, up to maxLen items.
func FrequentItemsetSizes[K Key](baskets *Baskets[K], minSupport float64, maxLen int) (map[int]int, error) {
	tree, err := frequentItemsets(baskets, minCount(baskets.Len(), minSupport), maxLen, DefaultMaxItemsets)
	if err != nil {
		return nil, err
	}
	sizes := map[int]int{}
	tree.walk(func(itemset []int32, _ int) { sizes[len(itemset)]++ })
	return sizes, nil
}
