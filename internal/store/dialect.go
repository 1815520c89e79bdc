package store

import (
	"context"
	"database/sql"
	"fmt"
	"hash/fnv"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/textsearch"
)

// dialect holds everything that differs between SQLite and PostgreSQL. The
// rest of the package writes SQL both accept, with ? placeholders.
type dialect interface {
	name() string
	// rebind turns ? placeholders into the engine's own.
	rebind(query string) string
	// timeArg is how a time is stored: SQLite keeps microseconds since the
	// epoch in an INTEGER, PostgreSQL a timestamptz.
	timeArg(t time.Time) any
	// jsonAgg aggregates JSON values into an array ('[]' for none).
	jsonAgg(expr string) string
	// jsonObject builds a JSON object from alternating keys and values.
	jsonObject(pairs ...string) string
	// jsonText extracts the text at a path of keys inside a JSON column.
	jsonText(col string, path ...string) string
	// customValue extracts a custom field's value, typed for comparison and
	// sorting. key has been checked against the field key pattern.
	customValue(col, key string, t customer.ValueType) string
	// customHasAny tests whether a multi-select value holds any of n
	// placeholders' values.
	customHasAny(col, key string, n int) string
	// customRemove is the expression of a JSON column without one key.
	customRemove(col, key string) string
	// bodyText reads a stored response body (BLOB, bytea) as UTF-8 text.
	bodyText(col string) string
	// allocIDs reserves n new ids of a table, in the current transaction.
	allocIDs(ctx context.Context, q querier, table string, n int) ([]int64, error)
	// lockKeys takes transaction-scoped locks on keys, in a stable order.
	lockKeys(ctx context.Context, q querier, keys []string) error
	// lockContacts takes transaction-scoped locks on contacts' derived
	// figures, so that two transactions recompute them one after the other.
	lockContacts(ctx context.Context, q querier, ids []int64) error
	// searchInsert is the statement that adds rows (id, basic tokens,
	// private tokens, basic text, private text) to a search index table.
	searchInsert(table string, rows int) string
	// searchKey is the search index column holding the record id.
	searchKey() string
	// searchDriven is the FROM clause of a list driven by its search index
	// (joined to the records as r), and the expression of the id in the
	// index's order.
	searchDriven(searchTable, table string) (from, id string)
	// searchMatch returns the condition and arguments selecting the entries
	// of a search index that match a query in either part.
	searchMatch(table string, q textsearch.Query) (string, []any)
	// searchBasic is the same for a match in the basic part alone.
	searchBasic(table string, q textsearch.Query) (string, []any)
}

// sqliteDialect is the embedded engine.
type sqliteDialect struct{}

func (sqliteDialect) name() string               { return "sqlite" }
func (sqliteDialect) rebind(q string) string     { return q }
func (sqliteDialect) timeArg(t time.Time) any    { return t.UnixMicro() }
func (sqliteDialect) jsonAgg(expr string) string { return "json_group_array(" + expr + ")" }
func (sqliteDialect) jsonObject(pairs ...string) string {
	return "json_object(" + strings.Join(pairs, ", ") + ")"
}
func (sqliteDialect) jsonText(col string, path ...string) string {
	return fmt.Sprintf("json_extract(%s, '$.%s')", col, strings.Join(path, "."))
}
func (sqliteDialect) customValue(col, key string, _ customer.ValueType) string {
	// json_extract returns SQLite's own types (integer, real, text, 0/1),
	// which compare and sort as the field's type.
	return fmt.Sprintf("json_extract(%s, '$.%s')", col, key)
}
func (sqliteDialect) customHasAny(col, key string, n int) string {
	return fmt.Sprintf("EXISTS (SELECT 1 FROM json_each(%s, '$.%s') WHERE value IN (%s))", col, key, placeholders(n))
}
func (sqliteDialect) customRemove(col, key string) string {
	return fmt.Sprintf("json_remove(%s, '$.%s')", col, key)
}

func (sqliteDialect) bodyText(col string) string { return "CAST(" + col + " AS TEXT)" }

func (sqliteDialect) allocIDs(ctx context.Context, q querier, table string, n int) ([]int64, error) {
	// AUTOINCREMENT keeps the highest id ever used in sqlite_sequence, so ids
	// of purged rows are never reused. Transactions on SQLite are serial
	// (BEGIN IMMEDIATE), so nobody takes these ids between this read and the
	// insert, which moves the sequence past them.
	var last int64
	err := q.QueryRowContext(ctx, "SELECT COALESCE((SELECT seq FROM sqlite_sequence WHERE name = ?), 0)", table).Scan(&last)
	if err != nil {
		return nil, err
	}
	ids := make([]int64, n)
	for i := range ids {
		ids[i] = last + int64(i) + 1
	}
	return ids, nil
}

func (sqliteDialect) lockKeys(context.Context, querier, []string) error { return nil }

func (sqliteDialect) lockContacts(context.Context, querier, []int64) error { return nil }

func (sqliteDialect) searchInsert(table string, rows int) string {
	return "INSERT INTO " + table + " (rowid, basic_tokens, private_tokens, basic_text, private_text) VALUES " + rowsOf(rows, 5)
}

func (sqliteDialect) searchKey() string { return "rowid" }

func (sqliteDialect) searchDriven(searchTable, table string) (string, string) {
	// CROSS JOIN keeps the index as the outer loop; FTS5 reads rowids in
	// either order and takes rowid bounds, so pages stop early.
	return fmt.Sprintf("%s CROSS JOIN %s r ON r.id = %s.rowid", searchTable, table, searchTable), searchTable + ".rowid"
}

func (sqliteDialect) searchMatch(table string, q textsearch.Query) (string, []any) {
	// Without a column filter, FTS5 matches each term in any column.
	return table + " MATCH ?" + containsBoth(q), append([]any{q.FTS5Match()}, containsArgs(q, 2)...)
}

func (sqliteDialect) searchBasic(table string, q textsearch.Query) (string, []any) {
	return table + " MATCH ?" + containsBasic(q), append([]any{"{basic_tokens} : (" + q.FTS5Match() + ")"}, containsArgs(q, 1)...)
}

// containsBoth checks the substrings of a query in either part's text, and
// containsBasic in the basic part's (a substring never spans two fields).
func containsBoth(q textsearch.Query) string {
	return strings.Repeat(` AND (basic_text LIKE ? ESCAPE '\' OR private_text LIKE ? ESCAPE '\')`, len(q.Contains))
}

func containsBasic(q textsearch.Query) string {
	return strings.Repeat(` AND basic_text LIKE ? ESCAPE '\'`, len(q.Contains))
}

// containsArgs gives each substring of a query as a LIKE pattern, times
// over.
func containsArgs(q textsearch.Query, times int) []any {
	var args []any
	for _, c := range q.Contains {
		for range times {
			args = append(args, "%"+escapeLike(c)+"%")
		}
	}
	return args
}

// postgresDialect is the scale engine.
type postgresDialect struct {
	rebound *sync.Map // query text with ? → with $n
}

func newPostgresDialect() postgresDialect { return postgresDialect{rebound: &sync.Map{}} }

func (postgresDialect) name() string { return "postgres" }

func (d postgresDialect) rebind(q string) string {
	if cached, ok := d.rebound.Load(q); ok {
		return cached.(string)
	}
	var b strings.Builder
	n, inQuote := 0, false
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case c == '\'':
			inQuote = !inQuote
		case c == '?' && !inQuote:
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteByte(c)
	}
	out := b.String()
	if len(q) < 4096 { // do not cache one-off giant multi-row inserts
		d.rebound.Store(q, out)
	}
	return out
}

func (postgresDialect) timeArg(t time.Time) any { return t.UTC() }
func (postgresDialect) jsonAgg(expr string) string {
	return "COALESCE(json_agg(" + expr + "), '[]')"
}
func (postgresDialect) jsonObject(pairs ...string) string {
	return "json_build_object(" + strings.Join(pairs, ", ") + ")"
}
func (postgresDialect) jsonText(col string, path ...string) string {
	expr := col
	for i, p := range path {
		op := "->"
		if i == len(path)-1 {
			op = "->>"
		}
		expr += op + "'" + p + "'"
	}
	return "(" + expr + ")"
}
func (postgresDialect) customValue(col, key string, t customer.ValueType) string {
	switch t {
	case customer.TypeNumber:
		return fmt.Sprintf("(%s->'%s')::double precision", col, key)
	case customer.TypeInt:
		return fmt.Sprintf("(%s->'%s')::bigint", col, key)
	case customer.TypeBool:
		return fmt.Sprintf("(%s->'%s')::boolean", col, key)
	}
	return fmt.Sprintf("(%s->>'%s')", col, key)
}
func (postgresDialect) customHasAny(col, key string, n int) string {
	// jsonb_exists_any is NULL where the record has no value; COALESCE makes
	// that "has none", as json_each does on SQLite, so that "ne" keeps it.
	return fmt.Sprintf("COALESCE(jsonb_exists_any(%s->'%s', ARRAY[%s]::text[]), FALSE)", col, key, placeholders(n))
}
func (postgresDialect) customRemove(col, key string) string {
	return fmt.Sprintf("(%s - '%s')", col, key)
}

func (postgresDialect) bodyText(col string) string { return "convert_from(" + col + ", 'UTF8')" }

func (d postgresDialect) allocIDs(ctx context.Context, q querier, table string, n int) ([]int64, error) {
	rows, err := q.QueryContext(ctx, "SELECT nextval(pg_get_serial_sequence($1, 'id')) FROM generate_series(1, $2)", table, n)
	if err != nil {
		return nil, err
	}
	return scanInt64s(rows)
}

// lockBuckets is how many advisory locks the keys of lockKeys share. A lock
// per key ran PostgreSQL out of lock slots (SQLSTATE 53200: 64 per
// connection by default) when batches of 500 contacts, 1,000 keys each, ran
// side by side; with buckets a transaction takes at most this many, at the
// price of unrelated keys sometimes waiting for each other.
const lockBuckets = 128

// lockNamespace is the first key of Guanxi's two-key advisory locks, so that
// they keep out of the way of other programs' locks on the same database.
const lockNamespace = 0x67780001

func (postgresDialect) lockKeys(ctx context.Context, q querier, keys []string) error {
	buckets := make([]int32, 0, len(keys))
	for _, k := range keys {
		h := fnv.New32a()
		h.Write([]byte(k))
		buckets = append(buckets, int32(h.Sum32()%lockBuckets))
	}
	return lockBucketsIn(ctx, q, lockNamespace, buckets)
}

// contactLockNamespace holds the locks of lockContacts: apart from the
// keys', since a transaction takes the keys' first and the contacts' at its
// end, each set in ascending order, so that two cannot deadlock.
const contactLockNamespace = 0x67780002

func (postgresDialect) lockContacts(ctx context.Context, q querier, ids []int64) error {
	buckets := make([]int32, 0, len(ids))
	for _, id := range ids {
		buckets = append(buckets, int32(id%lockBuckets))
	}
	return lockBucketsIn(ctx, q, contactLockNamespace, buckets)
}

// lockBucketsIn takes the advisory locks of buckets in a namespace, in one
// round trip, in ascending order so that two transactions locking
// overlapping buckets cannot deadlock.
func lockBucketsIn(ctx context.Context, q querier, namespace int32, buckets []int32) error {
	if len(buckets) == 0 {
		return nil
	}
	slices.Sort(buckets)
	buckets = slices.Compact(buckets)
	_, err := q.ExecContext(ctx, `SELECT count(pg_advisory_xact_lock($1, b)) FROM unnest($2::int4[]) AS b`, namespace, buckets)
	return err
}

func (postgresDialect) searchInsert(table string, rows int) string {
	var b strings.Builder
	b.WriteString("INSERT INTO " + table + " (record_id, basic_tokens, private_tokens, basic_text, private_text) VALUES ")
	for i := range rows {
		if i > 0 {
			b.WriteString(", ")
		}
		// array_to_tsvector takes the lexemes verbatim: textsearch has
		// already normalised and split them, the same way for both engines.
		b.WriteString("(?, array_to_tsvector(string_to_array(?, ' ')), array_to_tsvector(string_to_array(?, ' ')), ?, ?)")
	}
	// Two transactions may write one record's entry at once (a contact
	// re-indexed for positions at two companies): the later one wins.
	b.WriteString(` ON CONFLICT (record_id) DO UPDATE SET basic_tokens = excluded.basic_tokens,
		private_tokens = excluded.private_tokens, basic_text = excluded.basic_text, private_text = excluded.private_text`)
	return b.String()
}

func (postgresDialect) searchKey() string { return "record_id" }

func (postgresDialect) searchDriven(searchTable, table string) (string, string) {
	return fmt.Sprintf("%s JOIN %s r ON r.id = %s.record_id", searchTable, table, searchTable), "r.id"
}

func (postgresDialect) searchMatch(_ string, q textsearch.Query) (string, []any) {
	// The expression of the GIN index: both parts together.
	return "(basic_tokens || private_tokens) @@ CAST(? AS tsquery)" + containsBoth(q), append([]any{q.TSQuery()}, containsArgs(q, 2)...)
}

func (postgresDialect) searchBasic(_ string, q textsearch.Query) (string, []any) {
	return "basic_tokens @@ CAST(? AS tsquery)" + containsBasic(q), append([]any{q.TSQuery()}, containsArgs(q, 1)...)
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

func scanInt64s(rows *sql.Rows) ([]int64, error) {
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// timeCol scans a stored time from either engine.
type timeCol struct{ t *time.Time }

func (c timeCol) Scan(v any) error {
	switch x := v.(type) {
	case int64:
		*c.t = time.UnixMicro(x).UTC()
	case time.Time:
		*c.t = x.UTC()
	default:
		return fmt.Errorf("cannot scan %T into a time", v)
	}
	return nil
}

// nullTimeCol scans a stored time that may be NULL.
type nullTimeCol struct{ t **time.Time }

func (c nullTimeCol) Scan(v any) error {
	if v == nil {
		*c.t = nil
		return nil
	}
	var t time.Time
	if err := (timeCol{&t}).Scan(v); err != nil {
		return err
	}
	*c.t = &t
	return nil
}

// nullTimeArg stores an optional time.
func (s *Store) nullTimeArg(t *time.Time) any {
	if t == nil {
		return nil
	}
	return s.d.timeArg(*t)
}
