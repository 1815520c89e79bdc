package store

import (
	"context"
	"embed"
	"fmt"
	"io/fs"

	"github.com/pressly/goose/v3"
)

//go:embed migrations
var migrations embed.FS

// Migration reports what Migrate did.
type Migration struct {
	// Applied lists the schema versions applied, in order.
	Applied []int64
	// SearchRebuilt says the search entries were rebuilt, being of a form
	// older than this code writes.
	SearchRebuilt bool
}

// Migrate brings the schema up to date, each migration in its own
// transaction, recorded in goose_db_version, then rebuilds the search
// entries if they are of an older form.
func (s *Store) Migrate(ctx context.Context) (Migration, error) {
	var m Migration
	p, err := s.migrator()
	if err != nil {
		return m, err
	}
	results, err := p.Up(ctx)
	if err != nil {
		return m, fmt.Errorf("store.Migrate: %w", err)
	}
	for _, r := range results {
		m.Applied = append(m.Applied, r.Source.Version)
	}
	if m.SearchRebuilt, err = s.rebuildStaleSearch(ctx); err != nil {
		return m, fmt.Errorf("store.Migrate: %w", err)
	}
	return m, nil
}

// MigrateTo brings the schema up to version and no further: an upgrade
// test builds a database as an older release left it, then migrates it.
func (s *Store) MigrateTo(ctx context.Context, version int64) error {
	p, err := s.migrator()
	if err != nil {
		return err
	}
	if _, err := p.UpTo(ctx, version); err != nil {
		return fmt.Errorf("store.MigrateTo %d: %w", version, err)
	}
	return nil
}

// SchemaVersion reports the current and the latest known schema versions.
func (s *Store) SchemaVersion(ctx context.Context) (current, latest int64, err error) {
	p, err := s.migrator()
	if err != nil {
		return 0, 0, err
	}
	if current, err = p.GetDBVersion(ctx); err != nil {
		return 0, 0, fmt.Errorf("store.SchemaVersion: %w", err)
	}
	sources := p.ListSources()
	if len(sources) > 0 {
		latest = sources[len(sources)-1].Version
	}
	return current, latest, nil
}

func (s *Store) migrator() (*goose.Provider, error) {
	dir, gd := "migrations/sqlite", goose.DialectSQLite3
	if s.d.name() == "postgres" {
		dir, gd = "migrations/postgres", goose.DialectPostgres
	}
	sub, err := fs.Sub(migrations, dir)
	if err != nil {
		return nil, err
	}
	return goose.NewProvider(gd, s.write, sub)
}
