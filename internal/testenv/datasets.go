package testenv

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// Dataset returns the path of a file of the shared datasets (README of
// ../shared/datasets), or skips the test when it is absent; with
// GUANXI_REQUIRE_DATASETS=1 its absence fails the test. GUANXI_DATASETS
// names another directory.
func Dataset(tb testing.TB, rel string) string {
	tb.Helper()
	dir := os.Getenv("GUANXI_DATASETS")
	if dir == "" {
		_, here, _, _ := runtime.Caller(0)
		// internal/testenv → the module root → its sibling shared/datasets
		dir = filepath.Join(filepath.Dir(here), "..", "..", "..", "shared", "datasets")
	}
	path := filepath.Join(dir, rel)
	if _, err := os.Stat(path); err != nil {
		SkipOrFail(tb, RequireDatasets, "dataset %s not found (%v); set GUANXI_DATASETS to the datasets directory", rel, err)
	}
	return path
}
