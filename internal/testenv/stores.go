// Package testenv gives tests real databases and a real running app: a SQLite
// file in a temporary directory, a fresh schema on the PostgreSQL server, and
// the whole Guanxi server on a loopback port over either.
package testenv

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/guanxi-crm/guanxi/internal/store"
)

// DefaultPostgresURL is the server tests use when GUANXI_TEST_POSTGRES is
// not set: the local one, as CI starts it.
const DefaultPostgresURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// testDatabase is created on the server for the tests' schemas, so that they
// never touch a database someone uses.
const testDatabase = "guanxi_test"

// Env switches, set by CI, that turn skips for missing services into
// failures.
const (
	RequirePostgres = "GUANXI_REQUIRE_POSTGRES"
	RequireBrowser  = "GUANXI_REQUIRE_BROWSER"
	RequireDatasets = "GUANXI_REQUIRE_DATASETS"
)

// SkipOrFail skips the test for a missing service, or fails it when the
// named environment variable requires the service.
func SkipOrFail(tb testing.TB, requireVar, format string, args ...any) {
	tb.Helper()
	msg := fmt.Sprintf(format, args...)
	if os.Getenv(requireVar) == "1" {
		tb.Fatalf("%s (and %s=1 requires it)", msg, requireVar)
	}
	tb.Skipf("%s; skipping (set %s=1 to make this a failure)", msg, requireVar)
}

// AvailableEngines lists the engines a test can run on here: SQLite, and
// PostgreSQL when a server answers. For tests that cover every engine in one
// run (fuzz targets) and so cannot skip one: without PostgreSQL they log it,
// or fail when CI requires it.
func AvailableEngines(tb testing.TB) []string {
	tb.Helper()
	if _, err := postgresTestDB(); err != nil {
		if os.Getenv(RequirePostgres) == "1" {
			tb.Fatalf("PostgreSQL is not available: %v (and %s=1 requires it)", err, RequirePostgres)
		}
		tb.Logf("PostgreSQL is not available (%v): SQLite only", err)
		return []string{"sqlite"}
	}
	return []string{"sqlite", "postgres"}
}

// Store is a database under test and the name of its engine.
type Store struct {
	Name string
	Open func(tb testing.TB) *store.Store
}

// Stores lists the engines every store test runs on.
func Stores() []Store {
	return []Store{{"sqlite", SQLite}, {"postgres", Postgres}}
}

// ForEachStore runs f as a subtest on each engine, each with a fresh,
// migrated database.
func ForEachStore(t *testing.T, f func(t *testing.T, s *store.Store)) {
	for _, st := range Stores() {
		t.Run(st.Name, func(t *testing.T) {
			f(t, st.Open(t))
		})
	}
}

// SQLite opens a migrated SQLite store in a temporary directory.
func SQLite(tb testing.TB) *store.Store {
	tb.Helper()
	return open(tb, store.Config{Dir: tb.TempDir()})
}

// SQLiteAt opens a migrated SQLite store in dir (for tests that reopen it).
func SQLiteAt(tb testing.TB, dir string) *store.Store {
	tb.Helper()
	return open(tb, store.Config{Dir: dir})
}

func open(tb testing.TB, cfg store.Config) *store.Store {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	s, err := store.Open(ctx, cfg)
	if err != nil {
		tb.Fatalf("open store: %v", err)
	}
	tb.Cleanup(func() { s.Close() })
	if _, err := s.Migrate(ctx); err != nil {
		tb.Fatalf("migrate: %v", err)
	}
	return s
}

// Postgres opens a migrated PostgreSQL store in a schema of its own, dropped
// when the test ends. Without a server it skips (or fails, when CI requires
// PostgreSQL).
func Postgres(tb testing.TB) *store.Store {
	tb.Helper()
	return open(tb, store.Config{URL: PostgresSchemaURL(tb), MaxConns: 8})
}

// PostgresSchemaURL creates a fresh schema in the test database and returns
// a URL whose connections use it.
func PostgresSchemaURL(tb testing.TB) string {
	tb.Helper()
	base, err := postgresTestDB()
	if err != nil {
		SkipOrFail(tb, RequirePostgres, "PostgreSQL is not available: %v", err)
	}
	schema := "t_" + randomHex(8)
	db, err := sql.Open("pgx", base)
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec("CREATE SCHEMA " + schema); err != nil {
		tb.Fatalf("create schema: %v", err)
	}
	tb.Cleanup(func() {
		db, err := sql.Open("pgx", base)
		if err != nil {
			return
		}
		defer db.Close()
		if _, err := db.Exec("DROP SCHEMA " + schema + " CASCADE"); err != nil {
			tb.Logf("drop schema %s: %v", schema, err)
		}
	})
	return store.WithSchema(base, schema)
}

var (
	pgOnce sync.Once
	pgURL  string
	pgErr  error
)

// postgresTestDB finds the server and makes sure the test database exists,
// once per test binary.
func postgresTestDB() (string, error) {
	pgOnce.Do(func() {
		admin := os.Getenv("GUANXI_TEST_POSTGRES")
		if admin == "" {
			admin = DefaultPostgresURL
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		db, err := sql.Open("pgx", store.URLWithParam(admin, "connect_timeout", "3"))
		if err != nil {
			pgErr = err
			return
		}
		defer db.Close()
		if err = db.PingContext(ctx); err != nil {
			pgErr = err
			return
		}
		var exists bool
		if err = db.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", testDatabase).Scan(&exists); err != nil {
			pgErr = err
			return
		}
		if !exists {
			// C.UTF-8 keeps case mapping and sorting identical on every
			// machine; Guanxi's search does not depend on it.
			_, err = db.ExecContext(ctx, "CREATE DATABASE "+testDatabase+" TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'")
			if err != nil {
				// Another test binary may have created it meanwhile.
				if e := db.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", testDatabase).Scan(&exists); e != nil || !exists {
					pgErr = fmt.Errorf("create database %s: %w", testDatabase, err)
					return
				}
			}
		}
		u, err := url.Parse(admin)
		if err != nil {
			pgErr = err
			return
		}
		u.Path = "/" + testDatabase
		pgURL = u.String()
	})
	return pgURL, pgErr
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}
