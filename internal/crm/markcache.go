package crm

import (
	"sync"
	"time"
)

// MarkCache keeps results computed from the data as of a mark: a value
// that changes whenever that data does (the latest order and audit entry,
// say). A result is given back while the mark is the same and it is at
// most maxAge old. The age bounds what a mark cannot see: on PostgreSQL an
// id taken before the mark was read can commit after it.
//
// It is for figures that read many rows and are asked for again and again
// between changes, such as the dashboard's.
type MarkCache[K comparable, V any] struct {
	mu      sync.Mutex
	mark    string
	entries map[K]markEntry[V]
	maxAge  time.Duration
	size    int
}

type markEntry[V any] struct {
	value V
	at    time.Time
}

// NewMarkCache returns a cache of at most size results, each kept at most
// maxAge.
func NewMarkCache[K comparable, V any](size int, maxAge time.Duration) *MarkCache[K, V] {
	return &MarkCache[K, V]{size: size, maxAge: maxAge}
}

// Get returns the result kept for k at mark, if it is younger than maxAge
// at now.
func (c *MarkCache[K, V]) Get(mark string, k K, now time.Time) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[k]
	if !ok || c.mark != mark || now.Sub(e.at) >= c.maxAge || now.Before(e.at) {
		var zero V
		return zero, false
	}
	return e.value, true
}

// Put keeps v for k at mark, computed at now; results of another mark are
// dropped, and all of them when the cache is full.
func (c *MarkCache[K, V]) Put(mark string, k K, v V, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.mark != mark || len(c.entries) >= c.size {
		c.mark, c.entries = mark, map[K]markEntry[V]{}
	}
	c.entries[k] = markEntry[V]{value: v, at: now}
}
