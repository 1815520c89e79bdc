package account

import (
	"sync"
	"time"

	"github.com/guanxi-crm/guanxi/internal/crm"
)

// principalCache remembers, for a short time, who a token or session hash
// belongs to, so that an API call costs no extra query to authenticate. Any
// change to users, teams or tokens made through this server clears it; a
// change made through another server is seen within the TTL.
type principalCache struct {
	mu      sync.Mutex
	ttl     time.Duration
	entries map[string]cachedPrincipal
}

type cachedPrincipal struct {
	p     *crm.Principal
	until time.Time
}

const principalCacheMax = 10_000

func newPrincipalCache(ttl time.Duration) *principalCache {
	return &principalCache{ttl: ttl, entries: map[string]cachedPrincipal{}}
}

func (c *principalCache) get(key string, now time.Time) (*crm.Principal, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	if !ok || !now.Before(e.until) {
		return nil, false
	}
	return e.p, true
}

// put remembers p for the TTL, or until expires when that comes sooner: a
// token or session must not outlive its expiry in the cache.
func (c *principalCache) put(key string, p *crm.Principal, now time.Time, expires *time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= principalCacheMax {
		clear(c.entries)
	}
	until := now.Add(c.ttl)
	if expires != nil && expires.Before(until) {
		until = *expires
	}
	c.entries[key] = cachedPrincipal{p: p, until: until}
}

func (c *principalCache) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	clear(c.entries)
}
