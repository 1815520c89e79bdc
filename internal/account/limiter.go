package account

import (
	"sync"
	"time"
)

// loginLimiter counts failed sign-ins per key in a sliding window. It lives
// in memory: with several servers each keeps its own count, which still bounds
// guessing to a small multiple of the limit.
type loginLimiter struct {
	mu       sync.Mutex
	window   time.Duration
	failures map[string][]time.Time
}

func newLoginLimiter(window time.Duration) *loginLimiter {
	return &loginLimiter{window: window, failures: map[string][]time.Time{}}
}

// blocked reports whether key has reached max failures in the window, and
// when the oldest of them leaves it.
func (l *loginLimiter) blocked(key string, max int, now time.Time) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	recent := l.prune(key, now)
	if len(recent) < max {
		return false, 0
	}
	return true, recent[0].Add(l.window).Sub(now)
}

func (l *loginLimiter) fail(key string, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.failures[key] = append(l.prune(key, now), now)
	if len(l.failures) > 100_000 { // bound memory under a spray of keys
		for k := range l.failures {
			delete(l.failures, k)
			if len(l.failures) <= 50_000 {
				break
			}
		}
	}
}

func (l *loginLimiter) reset(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.failures, key)
}

func (l *loginLimiter) prune(key string, now time.Time) []time.Time {
	list := l.failures[key]
	i := 0
	for i < len(list) && now.Sub(list[i]) >= l.window {
		i++
	}
	list = list[i:]
	if len(list) == 0 {
		delete(l.failures, key)
		return nil
	}
	l.failures[key] = list
	return list
}
