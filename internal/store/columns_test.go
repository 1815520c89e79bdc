package store

import (
	"testing"
	"time"
)

func TestChangedColumns(t *testing.T) {
	one, one2, two := int64(1), int64(1), int64(2)
	now := time.Now()
	cols := []string{"name", "owner_id", "team_id", "at", "deleted_at", "micros", "gone"}
	old := []any{"a", &one, nil, now, nil, int64(5), &one}
	next := []any{"a", &one2, &two, now.UTC(), now, int64(6), (*int64)(nil)}
	set, args := changedColumns(cols, old, next)
	if want := ", team_id = ?, deleted_at = ?, micros = ?, gone = ?"; set != want {
		t.Errorf("SET %q; want %q", set, want)
	}
	if len(args) != 4 || args[0] != &two || args[2] != int64(6) {
		t.Errorf("args %v", args)
	}
	if set, _ := changedColumns(cols, old, old); set != "" {
		t.Errorf("nothing changed, yet SET %q", set)
	}
}
