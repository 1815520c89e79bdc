package store_test

import (
	"context"
	"database/sql"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/guanxi-crm/guanxi/internal/store"
	"github.com/guanxi-crm/guanxi/internal/testenv"
)

// schema is the logical shape of a database: what the two engines must
// agree on, whatever their types are called.
type schema struct {
	// Tables maps each table to its columns.
	Tables map[string]map[string]column
	// Indexes are the indexes created by name (not those that back a
	// primary key or UNIQUE constraint, which each engine names its own way).
	Indexes map[string]index
	// ForeignKeys maps "table.column" to "table.column ON DELETE action".
	ForeignKeys map[string]string
}

type column struct {
	Type    string // the engine's own type name, lower case
	NotNull bool
}

type index struct {
	Table   string
	Columns []string
	Unique  bool
	Where   string // the predicate of a partial index, normalised
}

// Expected differences between migrations/sqlite and migrations/postgres.
// Everything else must match: the same tables, the same columns (of
// compatible types, equally nullable), the same named indexes on the same
// columns with the same predicates, and the same foreign keys.
var (
	// Tables that are the engine's or the migrator's own bookkeeping:
	// goose's version table on both, and SQLite's AUTOINCREMENT counters.
	ignoredTables = []string{"goose_db_version", "sqlite_sequence"}

	// The search indexes are FTS5 virtual tables on SQLite, keyed by rowid
	// (the record id) with the columns below; FTS5 keeps them in the shadow
	// tables below. On PostgreSQL they are plain tables with a record_id
	// column (primary key, foreign key to the record, cascading) and a GIN
	// index on both parts' tokens together.
	searchTables     = []string{"contact_search", "company_search"}
	sqliteFTSColumns = []string{"basic_text", "basic_tokens", "private_text", "private_tokens"}
	postgresColumns  = []string{"basic_text", "basic_tokens", "private_text", "private_tokens", "record_id"}
	fts5Shadows      = []string{"_config", "_content", "_data", "_docsize", "_idx"}
	postgresOnly     = map[string]index{
		"contact_search_tokens": {Table: "contact_search", Columns: []string{"(basic_tokens || private_tokens)"}},
		"company_search_tokens": {Table: "company_search", Columns: []string{"(basic_tokens || private_tokens)"}},
	}
	postgresOnlyForeignKeys = map[string]string{
		"contact_search.record_id": "contacts.id ON DELETE cascade",
		"company_search.record_id": "companies.id ON DELETE cascade",
	}

	// Column types: SQLite keeps times as INTEGER microseconds, booleans as
	// INTEGER 0/1 and JSON as TEXT; PostgreSQL has types of its own.
	compatibleTypes = map[string][]string{
		"integer": {"bigint", "integer", "boolean", "timestamp with time zone"},
		"text":    {"text", "jsonb", "json"},
		"blob":    {"bytea"},
		"real":    {"double precision"},
	}
)

func TestSchemaParity(t *testing.T) {
	ctx := context.Background()
	pg := postgresSchema(t, ctx, testenv.Postgres(t).DB())
	lite := sqliteSchema(t, ctx, testenv.SQLite(t).DB())

	// Guard against comparing two empty results.
	if len(lite.Tables["contacts"]) < 20 || len(pg.Tables["contacts"]) < 20 || len(lite.Indexes) < 10 {
		t.Fatalf("schemas look empty: %d and %d contact columns, %d indexes", len(lite.Tables["contacts"]), len(pg.Tables["contacts"]), len(lite.Indexes))
	}

	// Take out the expected differences, checking that each is still there
	// so that this list stays true.
	for _, name := range ignoredTables {
		delete(lite.Tables, name)
		delete(pg.Tables, name)
	}
	for _, name := range searchTables {
		if got := sortedKeys(lite.Tables[name]); !slices.Equal(got, sqliteFTSColumns) {
			t.Errorf("SQLite %s has columns %v; want the FTS5 columns %v", name, got, sqliteFTSColumns)
		}
		if got := sortedKeys(pg.Tables[name]); !slices.Equal(got, postgresColumns) {
			t.Errorf("PostgreSQL %s has columns %v; want %v", name, got, postgresColumns)
		}
		delete(lite.Tables, name)
		delete(pg.Tables, name)
		for _, suffix := range fts5Shadows {
			if _, ok := lite.Tables[name+suffix]; !ok {
				t.Errorf("SQLite has no FTS5 shadow table %s%s; update the expected differences", name, suffix)
			}
			delete(lite.Tables, name+suffix)
		}
	}
	for name, want := range postgresOnly {
		if diff := cmp.Diff(want, pg.Indexes[name]); diff != "" {
			t.Errorf("PostgreSQL index %s (-want +got):\n%s", name, diff)
		}
		delete(pg.Indexes, name)
	}
	for key, want := range postgresOnlyForeignKeys {
		if got := pg.ForeignKeys[key]; got != want {
			t.Errorf("PostgreSQL foreign key %s = %q; want %q", key, got, want)
		}
		delete(pg.ForeignKeys, key)
	}

	// Column types differ by engine; check them pairwise, then compare the
	// rest of the columns as they are.
	for table, cols := range lite.Tables {
		for name, lc := range cols {
			pc, ok := pg.Tables[table][name]
			if !ok {
				continue // reported by the comparison below
			}
			if !slices.Contains(compatibleTypes[lc.Type], pc.Type) {
				t.Errorf("%s.%s is %s on SQLite and %s on PostgreSQL", table, name, lc.Type, pc.Type)
			}
			lc.Type, pc.Type = "", ""
			lite.Tables[table][name], pg.Tables[table][name] = lc, pc
		}
	}
	for table, cols := range pg.Tables {
		for name, pc := range cols {
			pc.Type = ""
			pg.Tables[table][name] = pc
		}
	}
	if diff := cmp.Diff(lite, pg); diff != "" {
		t.Errorf("schemas differ (-sqlite +postgres):\n%s", diff)
	}
	// Times are timestamptz on PostgreSQL: a column named like a time that
	// is not would be stored differently on the two engines.
	for table, cols := range postgresSchema(t, ctx, testenv.Postgres(t).DB()).Tables {
		for name, c := range cols {
			isTime := name == "at" || strings.HasSuffix(name, "_at")
			if isTime != (c.Type == "timestamp with time zone") {
				t.Errorf("PostgreSQL %s.%s has type %s", table, name, c.Type)
			}
		}
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

var spaces = regexp.MustCompile(`\s+`)

// literalCasts are the casts PostgreSQL adds to literals when it prints a
// predicate ('open'::text).
var literalCasts = regexp.MustCompile(`::[a-z ]+`)

// normalizeWhere writes a partial index predicate the same way for both
// engines: lower case, no parentheses or literal casts, single spaces.
func normalizeWhere(s string) string {
	s = strings.NewReplacer("(", "", ")", "").Replace(strings.ToLower(s))
	s = literalCasts.ReplaceAllString(s, "")
	return strings.TrimSpace(spaces.ReplaceAllString(s, " "))
}

func sqliteSchema(t *testing.T, ctx context.Context, db *sql.DB) schema {
	t.Helper()
	sc := schema{Tables: map[string]map[string]column{}, Indexes: map[string]index{}, ForeignKeys: map[string]string{}}
	tables := queryStrings(t, ctx, db, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
	for _, table := range tables {
		cols := map[string]column{}
		rows, err := db.QueryContext(ctx, "SELECT name, lower(type), \"notnull\", pk FROM pragma_table_info(?)", table)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var name, typ string
			var notNull, pk int
			if err := rows.Scan(&name, &typ, &notNull, &pk); err != nil {
				t.Fatal(err)
			}
			// A primary key is never NULL, though SQLite reports it nullable.
			cols[name] = column{Type: typ, NotNull: notNull == 1 || pk > 0}
		}
		closeRows(t, rows)
		sc.Tables[table] = cols

		rows, err = db.QueryContext(ctx, `SELECT "from", "table", "to", lower(on_delete) FROM pragma_foreign_key_list(?)`, table)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var from, ref, to, onDelete string
			if err := rows.Scan(&from, &ref, &to, &onDelete); err != nil {
				t.Fatal(err)
			}
			sc.ForeignKeys[table+"."+from] = ref + "." + to + " ON DELETE " + onDelete
		}
		closeRows(t, rows)
	}
	// Indexes created by name have their SQL; automatic ones have none.
	rows, err := db.QueryContext(ctx, "SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL")
	if err != nil {
		t.Fatal(err)
	}
	type raw struct{ name, table, sql string }
	var list []raw
	for rows.Next() {
		var r raw
		if err := rows.Scan(&r.name, &r.table, &r.sql); err != nil {
			t.Fatal(err)
		}
		list = append(list, r)
	}
	closeRows(t, rows)
	for _, r := range list {
		ix := index{Table: r.table, Unique: strings.HasPrefix(strings.ToUpper(r.sql), "CREATE UNIQUE")}
		ix.Columns = queryStrings(t, ctx, db, "SELECT name FROM pragma_index_info(?) ORDER BY seqno", r.name)
		if i := strings.Index(strings.ToUpper(r.sql), " WHERE "); i >= 0 {
			ix.Where = normalizeWhere(r.sql[i+len(" WHERE "):])
		}
		sc.Indexes[r.name] = ix
	}
	return sc
}

func postgresSchema(t *testing.T, ctx context.Context, db *sql.DB) schema {
	t.Helper()
	sc := schema{Tables: map[string]map[string]column{}, Indexes: map[string]index{}, ForeignKeys: map[string]string{}}
	rows, err := db.QueryContext(ctx, `SELECT c.table_name, c.column_name, c.data_type, c.is_nullable = 'NO'
		FROM information_schema.columns c JOIN information_schema.tables t
			ON t.table_schema = c.table_schema AND t.table_name = c.table_name AND t.table_type = 'BASE TABLE'
		WHERE c.table_schema = current_schema()`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var table, name, typ string
		var notNull bool
		if err := rows.Scan(&table, &name, &typ, &notNull); err != nil {
			t.Fatal(err)
		}
		if sc.Tables[table] == nil {
			sc.Tables[table] = map[string]column{}
		}
		sc.Tables[table][name] = column{Type: typ, NotNull: notNull}
	}
	closeRows(t, rows)

	// Indexes that back no constraint, with their columns in order.
	rows, err = db.QueryContext(ctx, `SELECT i.relname, tb.relname, x.indisunique,
			COALESCE(pg_get_expr(x.indpred, x.indrelid), ''),
			COALESCE((SELECT string_agg(a.attname, ',' ORDER BY k.ord) FROM unnest(x.indkey) WITH ORDINALITY AS k(attnum, ord)
				JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.attnum), pg_get_expr(x.indexprs, x.indrelid))
		FROM pg_index x
		JOIN pg_class i ON i.oid = x.indexrelid
		JOIN pg_class tb ON tb.oid = x.indrelid
		WHERE tb.relnamespace = current_schema()::regnamespace
			AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var name, cols, where string
		var ix index
		if err := rows.Scan(&name, &ix.Table, &ix.Unique, &where, &cols); err != nil {
			t.Fatal(err)
		}
		ix.Columns = strings.Split(cols, ",")
		ix.Where = normalizeWhere(where)
		sc.Indexes[name] = ix
	}
	closeRows(t, rows)

	rows, err = db.QueryContext(ctx, `SELECT tb.relname, a.attname, rt.relname, ra.attname, c.confdeltype
		FROM pg_constraint c
		JOIN pg_class tb ON tb.oid = c.conrelid
		JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
		JOIN pg_class rt ON rt.oid = c.confrelid
		JOIN pg_attribute ra ON ra.attrelid = c.confrelid AND ra.attnum = c.confkey[1]
		WHERE c.contype = 'f' AND tb.relnamespace = current_schema()::regnamespace`)
	if err != nil {
		t.Fatal(err)
	}
	actions := map[string]string{"a": "no action", "r": "restrict", "c": "cascade", "n": "set null", "d": "set default"}
	for rows.Next() {
		var table, col, ref, refCol, action string
		if err := rows.Scan(&table, &col, &ref, &refCol, &action); err != nil {
			t.Fatal(err)
		}
		sc.ForeignKeys[table+"."+col] = ref + "." + refCol + " ON DELETE " + actions[action]
	}
	closeRows(t, rows)
	return sc
}

func queryStrings(t *testing.T, ctx context.Context, db *sql.DB, q string, args ...any) []string {
	t.Helper()
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	closeRows(t, rows)
	return out
}

func closeRows(t *testing.T, rows *sql.Rows) {
	t.Helper()
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	rows.Close()
}

// TestMigrateTwice checks that migrating a migrated database does nothing,
// on both engines, and that both report the same schema version.
func TestMigrateTwice(t *testing.T) {
	var versions []int64
	testenv.ForEachStore(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		m, err := s.Migrate(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(m.Applied) != 0 || m.SearchRebuilt {
			t.Errorf("second migration applied %v, rebuilt the search index: %v", m.Applied, m.SearchRebuilt)
		}
		current, latest, err := s.SchemaVersion(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if current != latest || current == 0 {
			t.Errorf("schema version %d of %d", current, latest)
		}
		versions = append(versions, current)
	})
	if len(versions) == 2 && versions[0] != versions[1] {
		t.Errorf("schema versions differ: sqlite %d, postgres %d", versions[0], versions[1])
	}
}
