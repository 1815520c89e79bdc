package crm

import "time"

// Clock tells the time. Services take one so tests can fix "now".
type Clock interface {
	Now() time.Time
}

// SystemClock is the wall clock, truncated to the microsecond precision both
// stores keep, in UTC.
type SystemClock struct{}

func (SystemClock) Now() time.Time { return Truncate(time.Now()) }

// FixedClock always answers the same time; tests advance it by assignment.
type FixedClock struct{ T time.Time }

func (c *FixedClock) Now() time.Time { return Truncate(c.T) }

// Truncate brings t to the precision and zone every store keeps.
func Truncate(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }
