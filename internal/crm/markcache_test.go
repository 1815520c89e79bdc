package crm

import (
	"testing"
	"time"
)

func TestMarkCache(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	c := NewMarkCache[string, int](2, time.Minute)
	if _, ok := c.Get("m1", "a", t0); ok {
		t.Fatal("an empty cache gave a result")
	}
	c.Put("m1", "a", 1, t0)
	if v, ok := c.Get("m1", "a", t0.Add(59*time.Second)); !ok || v != 1 {
		t.Errorf("same mark within the age: %d, %v; want 1, true", v, ok)
	}
	if _, ok := c.Get("m1", "a", t0.Add(time.Minute)); ok {
		t.Error("a result as old as maxAge was given back")
	}
	if _, ok := c.Get("m1", "a", t0.Add(-time.Second)); ok {
		t.Error("a result computed after now (the clock went back) was given back")
	}
	if _, ok := c.Get("m2", "a", t0); ok {
		t.Error("a result of another mark was given back")
	}
	if _, ok := c.Get("m1", "b", t0); ok {
		t.Error("a result of another key was given back")
	}
	// A new mark drops the old results; a full cache starts again.
	c.Put("m2", "b", 2, t0)
	c.Put("m1", "a", 1, t0)
	if _, ok := c.Get("m2", "b", t0); ok {
		t.Error("putting at another mark kept the old mark's results")
	}
	c.Put("m1", "b", 2, t0)
	c.Put("m1", "c", 3, t0)
	_, okA := c.Get("m1", "a", t0)
	v, okC := c.Get("m1", "c", t0)
	if okA || !okC || v != 3 {
		t.Errorf("past its size the cache kept %v and gave %d, %v for the newest", okA, v, okC)
	}
}
