// Package store is Guanxi's one SQL implementation of every domain Store, on
// SQLite (embedded, the default) and PostgreSQL (for scale). The SQL is
// written once, in the subset both accept, beside the method that runs it;
// dialect.go holds the only differences. Errors from the drivers are mapped
// to crm kinds by their codes in errors.go, never by their text.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	_ "modernc.org/sqlite"             // registers the "sqlite" driver
)

// Config says which database to open.
type Config struct {
	// URL of a PostgreSQL database (postgres://…). Empty selects SQLite.
	URL string
	// Dir is the data directory of the SQLite database.
	Dir string
	// MaxConns bounds the connections to PostgreSQL (default 20).
	MaxConns int
}

// Store is the SQL store. It is safe for concurrent use.
type Store struct {
	d dialect
	// read serves queries outside a transaction; write serves writes and
	// every transaction. On SQLite write has exactly one connection, so
	// writers queue in Go instead of failing with SQLITE_BUSY, and readers
	// never wait for them (WAL). On PostgreSQL both are the same pool.
	read, write *sql.DB
	path        string
	// cols holds the select lists of lists and reads, built once per
	// dialect.
	cols struct{ contact, company string }
	// readStmts and writeStmts cache prepared statements on SQLite, whose
	// driver would otherwise parse and plan every query anew (a fifth of the
	// time of a read). pgx caches statements per connection by itself, so
	// on PostgreSQL they are nil.
	readStmts, writeStmts *stmtCache
	fieldDefs             *fieldDefCache
}

func newStore(d dialect, read, write *sql.DB, path string) *Store {
	s := &Store{d: d, read: read, write: write, path: path, fieldDefs: newFieldDefCache(cacheTTL)}
	if d.name() == "sqlite" {
		s.readStmts, s.writeStmts = newStmtCache(read), newStmtCache(write)
	}
	s.cols.contact = contactColumns(d)
	s.cols.company = companyColumns(d)
	return s
}

// cacheTTL bounds how long a cached definition may lag a change made by
// another process: another server sharing the PostgreSQL database, or a CLI
// command writing the SQLite file this server serves.
const cacheTTL = 5 * time.Second

// SQLiteFile is the name of the database file inside the data directory.
const SQLiteFile = "guanxi.db"

// Open opens (creating, for SQLite) the database. Call Migrate before use.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	if cfg.URL != "" {
		return openPostgres(ctx, cfg)
	}
	return openSQLite(ctx, cfg.Dir)
}

func openSQLite(ctx context.Context, dir string) (*Store, error) {
	if dir == "" {
		return nil, errors.New("store.Open: no data directory")
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("store.Open: %w", err)
	}
	path := filepath.Join(dir, SQLiteFile)
	// busy_timeout comes first so that the other pragmas wait for a lock
	// instead of failing; WAL lets readers run beside the writer; NORMAL
	// syncs at checkpoints, which in WAL mode cannot corrupt the database
	// (a power cut may lose the last transactions, never the file).
	base := "file:" + url.PathEscape(path) + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)" +
		"&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_pragma=temp_store(MEMORY)"
	// Page caches (KiB): the writer's holds the index pages that writes
	// touch again and again; a reader's needs little more than the upper
	// levels of the b-trees, since the operating system caches the file
	// anyway. 16 MB each cost 90 MB of the 370 MB peak of `guanxi bench`
	// at 100,000 contacts, and 4 MB per reader measured no slower.
	write, err := sql.Open("sqlite", base+"&_pragma=cache_size(-16000)&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("store.Open: %w", err)
	}
	write.SetMaxOpenConns(1)
	write.SetMaxIdleConns(1)
	write.SetConnMaxLifetime(0)
	if err := write.PingContext(ctx); err != nil {
		write.Close()
		return nil, fmt.Errorf("store.Open %s: %w", path, err)
	}
	read, err := sql.Open("sqlite", base+"&_pragma=cache_size(-4000)&_pragma=query_only(1)")
	if err != nil {
		write.Close()
		return nil, fmt.Errorf("store.Open: %w", err)
	}
	readers := max(4, runtime.GOMAXPROCS(0)*2)
	read.SetMaxOpenConns(readers)
	read.SetMaxIdleConns(readers)
	read.SetConnMaxLifetime(0)
	return newStore(sqliteDialect{}, read, write, path), nil
}

func openPostgres(ctx context.Context, cfg Config) (*Store, error) {
	db, err := sql.Open("pgx", cfg.URL)
	if err != nil {
		return nil, fmt.Errorf("store.Open: %w", err)
	}
	n := cfg.MaxConns
	if n <= 0 {
		n = 20
	}
	db.SetMaxOpenConns(n)
	db.SetMaxIdleConns(n)
	db.SetConnMaxIdleTime(5 * time.Minute)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("store.Open %s: %w", RedactURL(cfg.URL), err)
	}
	return newStore(newPostgresDialect(), db, db, ""), nil
}

// WithSchema returns a PostgreSQL URL whose connections use schema (their
// search_path): tests and the benchmark harness each work in a schema of
// their own.
func WithSchema(rawURL, schema string) string { return URLWithParam(rawURL, "search_path", schema) }

// URLWithParam returns a database URL with a query parameter set.
func URLWithParam(rawURL, key, value string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return rawURL
	}
	q := u.Query()
	q.Set(key, value)
	u.RawQuery = q.Encode()
	return u.String()
}

// RedactURL hides the password of a database URL, for messages.
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparseable URL)"
	}
	return u.Redacted()
}

// Close closes the database.
func (s *Store) Close() error {
	s.readStmts.close()
	s.writeStmts.close()
	err := s.write.Close()
	if s.read != s.write {
		err = errors.Join(err, s.read.Close())
	}
	return err
}

// Dialect names the database engine: "sqlite" or "postgres".
func (s *Store) Dialect() string { return s.d.name() }

// Path is the SQLite database file ("" on PostgreSQL).
func (s *Store) Path() string { return s.path }

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error { return s.read.PingContext(ctx) }

// Stats reports the connection pools, for metrics.
func (s *Store) Stats() (read, write sql.DBStats) { return s.read.Stats(), s.write.Stats() }

// DB exposes the write pool for tools that need raw access (benchmarks'
// baselines, integrity checks). Domain code never uses it.
func (s *Store) DB() *sql.DB { return s.write }

// ReadDB exposes the read pool, for the same tools.
func (s *Store) ReadDB() *sql.DB { return s.read }

type txKey struct{}

// txState is the transaction a context carries, and what is to run once it
// has committed.
type txState struct {
	tx          *sql.Tx
	afterCommit []func()
}

// txOf returns the transaction of ctx, or nil.
func txOf(ctx context.Context) *sql.Tx {
	if st, ok := ctx.Value(txKey{}).(*txState); ok {
		return st.tx
	}
	return nil
}

// afterCommit runs fn once the transaction of ctx has committed (never if it
// rolls back), or now when ctx carries none. Caches are cleared this way, so
// that no reader can refill one from the state before the commit.
func afterCommit(ctx context.Context, fn func()) {
	if st, ok := ctx.Value(txKey{}).(*txState); ok {
		st.afterCommit = append(st.afterCommit, fn)
		return
	}
	fn()
}

// querier is what *sql.DB and *sql.Tx share.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// InTx runs fn in a transaction carried by fn's context; every store method
// called with that context joins it. A nested InTx joins the outer one. The
// transaction commits when fn returns nil and rolls back otherwise.
func (s *Store) InTx(ctx context.Context, fn func(ctx context.Context) error) (err error) {
	if txOf(ctx) != nil {
		return fn(ctx)
	}
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return mapError(fmt.Errorf("begin: %w", err))
	}
	st := &txState{tx: tx}
	defer func() {
		if p := recover(); p != nil {
			_ = tx.Rollback()
			panic(p)
		}
		if err != nil {
			_ = tx.Rollback()
			return
		}
		if cerr := tx.Commit(); cerr != nil {
			err = mapError(fmt.Errorf("commit: %w", cerr))
			return
		}
		for _, fn := range st.afterCommit {
			fn()
		}
	}()
	return fn(context.WithValue(ctx, txKey{}, st))
}

// reader returns the transaction of ctx, or the read pool.
func (s *Store) reader(ctx context.Context) querier {
	if tx := txOf(ctx); tx != nil {
		return tx
	}
	return s.read
}

// writer returns the transaction of ctx, or the write pool.
func (s *Store) writer(ctx context.Context) querier {
	if tx := txOf(ctx); tx != nil {
		return tx
	}
	return s.write
}

// exec runs a statement written with ? placeholders.
func (s *Store) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	query = s.d.rebind(query)
	if st := s.prepared(ctx, query, s.writeStmts); st != nil {
		res, err := st.ExecContext(ctx, args...)
		return res, mapError(err)
	}
	res, err := s.writer(ctx).ExecContext(ctx, query, args...)
	return res, mapError(err)
}

// query runs a query written with ? placeholders.
func (s *Store) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	query = s.d.rebind(query)
	if st := s.prepared(ctx, query, s.readStmts); st != nil {
		rows, err := st.QueryContext(ctx, args...)
		return rows, mapError(err)
	}
	rows, err := s.reader(ctx).QueryContext(ctx, query, args...)
	return rows, mapError(err)
}

// queryRow runs a query for one row.
func (s *Store) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	query = s.d.rebind(query)
	if st := s.prepared(ctx, query, s.readStmts); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return s.reader(ctx).QueryRowContext(ctx, query, args...)
}

// prepared returns the cached statement of query, bound to the context's
// transaction when there is one, or nil to run the query unprepared.
func (s *Store) prepared(ctx context.Context, query string, pool *stmtCache) *sql.Stmt {
	if pool == nil {
		return nil
	}
	tx := txOf(ctx)
	if tx == nil {
		return pool.get(ctx, query)
	}
	// A transaction holds SQLite's only write connection, so a statement
	// cannot be prepared on the write pool now: it is prepared in the
	// background, once the connection is free, and runs unprepared this time.
	st := s.writeStmts.lookup(query)
	if st == nil {
		go s.writeStmts.get(context.WithoutCancel(ctx), query)
		return nil
	}
	return tx.StmtContext(ctx, st) // closed by database/sql when the transaction ends
}

// stmtCache keeps prepared statements by their text. Statements built for
// one occasion (multi-row inserts of a given size, lists with rare filter
// combinations) would fill it without being reused, so it stops taking new
// ones at a bound and leaves long texts out.
type stmtCache struct {
	db *sql.DB
	mu sync.Mutex
	m  map[string]*sql.Stmt
}

const (
	stmtCacheMax     = 1000
	stmtCacheMaxText = 8 << 10
)

func newStmtCache(db *sql.DB) *stmtCache { return &stmtCache{db: db, m: map[string]*sql.Stmt{}} }

func (c *stmtCache) lookup(query string) *sql.Stmt {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.m[query]
}

// get returns the statement of query, preparing it if need be. The lock is
// not held while preparing, which waits for a connection.
func (c *stmtCache) get(ctx context.Context, query string) *sql.Stmt {
	if len(query) > stmtCacheMaxText {
		return nil
	}
	c.mu.Lock()
	st, ok := c.m[query]
	full := len(c.m) >= stmtCacheMax
	c.mu.Unlock()
	if ok || full {
		return st
	}
	st, err := c.db.PrepareContext(ctx, query)
	if err != nil {
		return nil // the unprepared run reports the error
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if prev, ok := c.m[query]; ok { // prepared meanwhile by another caller
		st.Close()
		return prev
	}
	if c.m == nil { // closed meanwhile
		st.Close()
		return nil
	}
	c.m[query] = st
	return st
}

func (c *stmtCache) close() {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, st := range c.m {
		st.Close()
	}
	c.m = nil
}

// placeholders returns "?, ?, ?" for n values.
func placeholders(n int) string {
	if n <= 0 {
		return ""
	}
	return strings.Repeat("?, ", n-1) + "?"
}

// rowsOf returns "(?, ?), (?, ?)" for rows of width values each.
func rowsOf(rows, width int) string {
	one := "(" + placeholders(width) + ")"
	return strings.Repeat(one+", ", rows-1) + one
}

// insertRows inserts rows of values, many per statement. head is "INSERT
// INTO t (a, b) VALUES". A statement takes at most rowsPerInsert(width)
// rows, so that its text stays small enough to be prepared once and reused:
// parsing a new 500-row insert for every batch of contacts took a sixth of
// the batch's time.
func (s *Store) insertRows(ctx context.Context, head string, width int, values []any) error {
	if len(values) == 0 {
		return nil
	}
	perStatement := rowsPerInsert(width)
	for start := 0; start < len(values); start += perStatement * width {
		end := min(len(values), start+perStatement*width)
		n := (end - start) / width
		if _, err := s.exec(ctx, head+" "+rowsOf(n, width), values[start:end]...); err != nil {
			return err
		}
	}
	return nil
}

// columnList splits a comma-separated list of columns.
func columnList(cols string) []string {
	out := strings.Split(cols, ",")
	for i := range out {
		out[i] = strings.TrimSpace(out[i])
	}
	return out
}

// changedColumns returns the SET clause (", a = ?, b = ?") and arguments
// of the columns whose value differs between old and next. SQLite rewrites
// the entries of every index on a column an UPDATE sets, changed or not:
// setting all 22 columns of a contact to change its stage rewrote all eight
// of its indexes.
func changedColumns(cols []string, old, next []any) (string, []any) {
	var b strings.Builder
	var args []any
	for i, col := range cols {
		if !sameValue(old[i], next[i]) {
			b.WriteString(", " + col + " = ?")
			args = append(args, next[i])
		}
	}
	return b.String(), args
}

// sameValue compares two query arguments of the kinds the stores pass.
func sameValue(a, b any) bool {
	switch x := a.(type) {
	case *int64:
		y, ok := b.(*int64)
		return ok && (x == nil) == (y == nil) && (x == nil || *x == *y)
	case time.Time:
		y, ok := b.(time.Time)
		return ok && x.Equal(y)
	case nil:
		return b == nil
	}
	return a == b // strings, numbers, bools
}

// maxParams stays under both engines' limit on placeholders per statement
// (SQLite 32766, PostgreSQL 65535).
const maxParams = 30000

// insertTextSize is about how long the placeholder list of one multi-row
// insert may grow: well under stmtCacheMaxText.
const insertTextSize = 4096

// rowsPerInsert is how many rows of width values one insert takes.
func rowsPerInsert(width int) int {
	return max(1, min(insertTextSize/(3*width+2), maxParams/width))
}

// int64s reads a one-column result of integers.
func (s *Store) int64s(ctx context.Context, query string, args ...any) ([]int64, error) {
	rows, err := s.query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	ids, err := scanInt64s(rows)
	return ids, mapError(err)
}

// anySlice turns a typed slice into query arguments.
func anySlice[T any](xs []T) []any {
	out := make([]any, len(xs))
	for i, x := range xs {
		out[i] = x
	}
	return out
}

// queryAll reads every row of a query with scan; no rows give an empty,
// non-nil slice.
func queryAll[T any](ctx context.Context, s *Store, scan func(rowScanner) (T, error), query string, args ...any) ([]T, error) {
	rows, err := s.query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, mapError(rows.Err())
}
