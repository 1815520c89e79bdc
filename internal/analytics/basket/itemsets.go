package basket

import (
	"cmp"
	"slices"
)

// itemsetTree holds every frequent itemset of at most maxLen items, with its
// count, as a prefix tree: the path from a first-level node down to a node
// spells the itemset in ascending tree-item order.
//
// Tree items are the frequent items renumbered by ascending count. Eclat
// extends an itemset only with items after its last one, so putting the
// rare items first makes the lists it intersects short early on.
type itemsetTree struct {
	baskets  int     // the number of baskets: the count of the empty itemset
	original []int32 // tree item → item number in the Baskets
	// nodes[i] for i < len(original) is the one-item set of tree item i;
	// the children of a node are contiguous and sorted by item.
	nodes []node
}

type node struct {
	item        int32 // the tree item that this node adds to its parent's itemset
	count       int32 // baskets holding the node's itemset
	children    int32 // index in nodes of the first child
	numChildren int32
}

// frequentItemsets finds every itemset of at most maxLen items held by at
// least minCount baskets. It fails with ErrTooManyItemsets when there are
// more than maxItemsets.
func frequentItemsets[K Key](baskets *Baskets[K], minCount, maxLen, maxItemsets int) (*itemsetTree, error) {
	counts := make([]int, baskets.Items())
	for _, item := range baskets.items {
		counts[item]++
	}
	var frequent []int32
	for item, count := range counts {
		if count >= minCount {
			frequent = append(frequent, int32(item))
		}
	}
	slices.SortFunc(frequent, func(a, b int32) int {
		return cmp.Or(cmp.Compare(counts[a], counts[b]), cmp.Compare(a, b))
	})
	if len(frequent) > maxItemsets {
		return nil, ErrTooManyItemsets
	}
	treeItem := make([]int32, baskets.Items())
	for i := range treeItem {
		treeItem[i] = -1
	}
	for rank, item := range frequent {
		treeItem[item] = int32(rank)
	}

	// The vertical layout: for each frequent item, the ascending numbers of
	// the baskets that hold it, all in one block.
	lists := make([]int32, 0, func() (total int) {
		for _, item := range frequent {
			total += counts[item]
		}
		return total
	}())
	starts := make([]int, len(frequent)+1)
	for rank, item := range frequent {
		starts[rank+1] = starts[rank] + counts[item]
	}
	lists = lists[:starts[len(frequent)]]
	filled := slices.Clone(starts[:len(frequent)])
	for number := range baskets.Len() {
		for _, item := range baskets.basket(number) {
			if rank := treeItem[item]; rank >= 0 {
				lists[filled[rank]] = int32(number)
				filled[rank]++
			}
		}
	}

	tree := &itemsetTree{baskets: baskets.Len(), original: frequent}
	firstLevel := make([]extension, len(frequent))
	for rank := range frequent {
		tids := lists[starts[rank]:starts[rank+1]]
		firstLevel[rank] = extension{item: int32(rank), tids: tids}
		tree.nodes = append(tree.nodes, node{item: int32(rank), count: int32(len(tids))})
	}
	e := eclat{tree: tree, minCount: minCount, maxLen: maxLen, maxItemsets: maxItemsets}
	if err := e.grow(firstLevel, 0, 1); err != nil {
		return nil, err
	}
	return tree, nil
}

// extension is a frequent itemset of an Eclat class: the class's prefix
// plus item, with the baskets that hold it.
type extension struct {
	item int32
	tids []int32
}

// eclat holds the state of one depth-first search, and buffers per depth
// that are reused from one class to the next.
type eclat struct {
	tree        *itemsetTree
	minCount    int
	maxLen      int
	maxItemsets int
	classes     [][]extension // by depth
	lists       [][]int32     // by depth: the blocks the classes' tids are cut from
}

// grow adds to the tree every frequent extension of the itemsets of class,
// which have size items and whose nodes start at index first, and so on
// recursively up to maxLen items.
func (e *eclat) grow(class []extension, first int32, size int) error {
	if size >= e.maxLen {
		return nil
	}
	for len(e.classes) <= size {
		e.classes = append(e.classes, nil)
		e.lists = append(e.lists, nil)
	}
	for i, prefix := range class {
		next, block := e.classes[size][:0], e.lists[size][:0]
		for _, other := range class[i+1:] {
			// An intersection is no longer than the shorter list; a new block
			// leaves the lists already cut from the old one where they are.
			if cap(block)-len(block) < len(prefix.tids) {
				block = make([]int32, 0, max(2*cap(block), 4*len(prefix.tids), 1024))
			}
			tids := intersect(block[len(block):], prefix.tids, other.tids, e.minCount)
			if tids == nil {
				continue
			}
			block = block[:len(block)+len(tids)]
			next = append(next, extension{item: other.item, tids: tids})
		}
		e.classes[size], e.lists[size] = next, block
		if len(next) == 0 {
			continue
		}
		parent := first + int32(i)
		children := int32(len(e.tree.nodes))
		if len(e.tree.nodes)+len(next) > e.maxItemsets {
			return ErrTooManyItemsets
		}
		e.tree.nodes[parent].children = children
		e.tree.nodes[parent].numChildren = int32(len(next))
		for _, ext := range next {
			e.tree.nodes = append(e.tree.nodes, node{item: ext.item, count: int32(len(ext.tids))})
		}
		if err := e.grow(next, children, size+1); err != nil {
			return err
		}
	}
	return nil
}

// intersect appends to dst (which must have room for the shorter of a and
// b) the basket numbers in both ascending lists a and b, and returns them,
// or nil as soon as fewer than minCount can be in common.
func intersect(dst, a, b []int32, minCount int) []int32 {
	// Each element of a that finds no match lowers the most the result can
	// reach; once more than len(a)−minCount have missed, it cannot reach
	// minCount. Likewise for b.
	missesLeftA, missesLeftB := len(a)-minCount, len(b)-minCount
	if missesLeftA < 0 || missesLeftB < 0 {
		return nil
	}
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		x, y := a[i], b[j]
		switch {
		case x < y:
			i++
			if missesLeftA--; missesLeftA < 0 {
				return nil
			}
		case x > y:
			j++
			if missesLeftB--; missesLeftB < 0 {
				return nil
			}
		default:
			dst = append(dst, x)
			i++
			j++
		}
	}
	if len(dst) < minCount {
		return nil
	}
	return dst
}

// count returns the number of baskets holding itemset, a set of tree items
// in ascending order that must be in the tree.
func (t *itemsetTree) count(itemset []int32) int {
	if len(itemset) == 0 {
		return t.baskets
	}
	at := itemset[0] // the one-item sets are the first nodes, in item order
	for _, item := range itemset[1:] {
		nd := t.nodes[at]
		children := t.nodes[nd.children : nd.children+nd.numChildren]
		k, found := slices.BinarySearchFunc(children, item, func(n node, item int32) int {
			return cmp.Compare(n.item, item)
		})
		if !found {
			panic("basket: a subset of a frequent itemset is missing from the tree")
		}
		at = nd.children + int32(k)
	}
	return int(t.nodes[at].count)
}

// walk calls visit with every itemset of the tree, as tree items in
// ascending order, and its count. The slice is reused between calls.
func (t *itemsetTree) walk(visit func(itemset []int32, count int)) {
	path := make([]int32, 0, 16)
	var visitNodes func(first, num int32)
	visitNodes = func(first, num int32) {
		for at := first; at < first+num; at++ {
			nd := t.nodes[at]
			path = append(path, nd.item)
			visit(path, int(nd.count))
			if nd.numChildren > 0 {
				visitNodes(nd.children, nd.numChildren)
			}
			path = path[:len(path)-1]
		}
	}
	visitNodes(0, int32(len(t.original)))
}
