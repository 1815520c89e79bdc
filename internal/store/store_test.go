package store_test

import (
	"testing"

	"github.com/guanxi-crm/guanxi/internal/store/storetest"
	"github.com/guanxi-crm/guanxi/internal/testenv"
)

// TestConformance runs the store conformance suite on every engine:
// SQLite always, PostgreSQL when a server answers (and CI requires one).
func TestConformance(t *testing.T) {
	for _, engine := range testenv.Stores() {
		t.Run(engine.Name, func(t *testing.T) {
			t.Parallel()
			storetest.Run(t, engine.Open)
		})
	}
}
