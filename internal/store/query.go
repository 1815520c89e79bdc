package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/textsearch"
)

// listSpec describes a table that lists are drawn from.
type listSpec struct {
	table string // e.g. "contacts"; its alias in queries is "r"
	// columns maps built-in field names to the columns that hold them.
	columns map[string]string
	// nullable lists built-in columns that may be NULL.
	nullable map[string]bool
	// special renders predicates on fields that are not plain columns.
	special func(s *Store, p customer.Predicate) (string, []any, bool)
	// searchTable is the search index of the table.
	searchTable string
	// selectCols is the column list read for each row.
	selectCols func(s *Store) string
}

// listQuery is a checked list request turned into SQL.
type listQuery struct {
	where    []string
	args     []any
	sortExpr string
	sortNull bool
	// search is the condition on the search index table (its columns
	// unqualified), kept apart so the query can either filter by it or be
	// driven by it.
	search     string
	searchArgs []any
	// searchAlone says that the search index alone tells which records
	// match (there is no other condition), so they can be counted without
	// reading them.
	searchAlone bool
}

func (lq *listQuery) add(cond string, args ...any) {
	lq.where = append(lq.where, cond)
	lq.args = append(lq.args, args...)
}

func (lq *listQuery) whereSQL() string {
	if len(lq.where) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(lq.where, " AND ")
}

// cursorPos is where a page ends: the sort value and id of its last row,
// and the sort it was made for (a cursor is refused under another sort).
type cursorPos struct {
	Sort  string          `json:"s"`
	Value json.RawMessage `json:"v"`
	ID    int64           `json:"id"`
}

// list runs a list query and returns a page of rows read by scan.
//
// It selects the page's ids first and only then reads their rows: a sort that
// cannot use an index would otherwise compute every column of every match
// (tags and companies are subqueries) before keeping fifty.
func list[T any](ctx context.Context, s *Store, spec listSpec, q customer.Query, scan func(rowScanner, *any) (T, error)) (crm.Page[T], error) {
	lq, err := s.buildList(spec, q)
	if err != nil {
		return crm.Page[T]{}, err
	}
	// A search in id order is driven by the search index, which yields the
	// matching ids in order: reading it newest first and stopping at the end
	// of the page beats collecting every match and sorting them.
	driven := lq.search != "" && q.Sort.Name == "id"
	from, idExpr := spec.table+" r", "r.id"
	if driven {
		from, idExpr = s.d.searchDriven(spec.searchTable, spec.table)
	}
	filter := *lq
	if lq.search != "" {
		if driven {
			filter.add(lq.search, lq.searchArgs...)
		} else {
			filter.add(fmt.Sprintf("r.id IN (SELECT %s FROM %s WHERE %s)", s.d.searchKey(), spec.searchTable, lq.search), lq.searchArgs...)
		}
	}
	var page crm.Page[T]
	if q.CountLimit > 0 {
		var n int64
		countSQL := fmt.Sprintf("SELECT count(*) FROM (SELECT 1 FROM %s%s LIMIT %d) x", from, filter.whereSQL(), q.CountLimit+1)
		countArgs := filter.args
		if lq.searchAlone {
			countSQL = fmt.Sprintf("SELECT count(*) FROM (SELECT 1 FROM %s WHERE %s LIMIT %d) x", spec.searchTable, lq.search, q.CountLimit+1)
			countArgs = lq.searchArgs
		}
		if err := s.queryRow(ctx, countSQL, countArgs...).Scan(&n); err != nil {
			return crm.Page[T]{}, mapError(err)
		}
		page.Total = &crm.Total{Value: min(n, int64(q.CountLimit)), Exact: n <= int64(q.CountLimit)}
	}
	sortSig := sortSignature(q)
	if q.Cursor != "" {
		cond, args, err := s.keyset(q, lq, idExpr, sortSig)
		if err != nil {
			return crm.Page[T]{}, err
		}
		filter.add(cond, args...)
	}
	dir := "ASC"
	if q.Desc {
		dir = "DESC"
	}
	order := func(sortExpr, id string) string {
		switch {
		case q.Sort.Name == "id":
			return id + " " + dir
		case lq.sortNull:
			return fmt.Sprintf("%s IS NULL, %s %s, %s %s", sortExpr, sortExpr, dir, id, dir)
		}
		return fmt.Sprintf("%s %s, %s %s", sortExpr, dir, id, dir)
	}
	ids := fmt.Sprintf("SELECT r.id, %s AS sort_value FROM %s%s ORDER BY %s LIMIT %d",
		lq.sortExpr, from, filter.whereSQL(), order(lq.sortExpr, idExpr), q.Limit+1)
	sqlText := fmt.Sprintf("SELECT %s, p.sort_value FROM (%s) p JOIN %s r ON r.id = p.id ORDER BY %s",
		spec.selectCols(s), ids, spec.table, order("p.sort_value", "p.id"))
	rows, err := s.query(ctx, sqlText, filter.args...)
	if err != nil {
		return crm.Page[T]{}, err
	}
	defer rows.Close()
	var lastSort any
	var lastID int64
	for rows.Next() {
		var sortValue any
		item, err := scan(rows, &sortValue)
		if err != nil {
			return crm.Page[T]{}, err
		}
		if len(page.Items) == q.Limit {
			page.Next = crm.EncodeCursor(cursorPos{Sort: sortSig, Value: cursorValue(lastSort), ID: lastID})
			break
		}
		page.Items = append(page.Items, item)
		lastSort, lastID = sortValue, idOf(item)
	}
	if err := rows.Err(); err != nil {
		return crm.Page[T]{}, mapError(err)
	}
	if page.Items == nil {
		page.Items = []T{}
	}
	return page, nil
}

// idOf reads the ID of a listed record.
func idOf(item any) int64 {
	switch x := item.(type) {
	case *customer.Contact:
		return x.ID
	case *customer.Company:
		return x.ID
	}
	panic(fmt.Sprintf("store: no id for %T", item))
}

func sortSignature(q customer.Query) string {
	if q.Desc {
		return "-" + q.Sort.Name
	}
	return q.Sort.Name
}

// cursorValue encodes a sort value read from the database; times as
// microseconds, whichever engine returned them.
func cursorValue(v any) json.RawMessage {
	switch x := v.(type) {
	case time.Time:
		v = x.UnixMicro()
	case []byte:
		v = string(x)
	}
	return crm.JSON(v)
}

// keyset is the condition that starts a page after the cursor's row.
func (s *Store) keyset(q customer.Query, lq *listQuery, idExpr, sortSig string) (string, []any, error) {
	var pos cursorPos
	if err := crm.DecodeCursor(q.Cursor, &pos); err != nil {
		return "", nil, err
	}
	if pos.Sort != sortSig {
		return "", nil, crm.E("store.list", crm.KindMalformed, "cursor_sort_mismatch")
	}
	value, err := s.cursorArg(q.Sort, pos.Value)
	if err != nil {
		return "", nil, crm.E("store.list", crm.KindMalformed, "invalid_cursor").Because(err)
	}
	cmp := ">"
	if q.Desc {
		cmp = "<"
	}
	e := lq.sortExpr
	switch {
	case q.Sort.Name == "id":
		return idExpr + " " + cmp + " ?", []any{pos.ID}, nil
	case !lq.sortNull:
		return fmt.Sprintf("(%s, r.id) %s (?, ?)", e, cmp), []any{value, pos.ID}, nil
	case value == nil: // the cursor is inside the trailing NULLs
		return fmt.Sprintf("(%s IS NULL AND r.id %s ?)", e, cmp), []any{pos.ID}, nil
	default:
		return fmt.Sprintf("(%s %s ? OR (%s = ? AND r.id %s ?) OR %s IS NULL)", e, cmp, e, cmp, e),
			[]any{value, value, pos.ID}, nil
	}
}

// cursorArg decodes a cursor's sort value into a query argument.
func (s *Store) cursorArg(f customer.FieldSpec, raw json.RawMessage) (any, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	switch f.Type {
	case customer.TypeTime:
		var micros int64
		if err := json.Unmarshal(raw, &micros); err != nil {
			return nil, err
		}
		return s.d.timeArg(time.UnixMicro(micros)), nil
	case customer.TypeInt:
		var n int64
		err := json.Unmarshal(raw, &n)
		return n, err
	case customer.TypeNumber:
		var n float64
		err := json.Unmarshal(raw, &n)
		return n, err
	case customer.TypeBool:
		var b any
		err := json.Unmarshal(raw, &b)
		return b, err // SQLite returns 0/1, PostgreSQL true/false: compare as read
	}
	var str string
	err := json.Unmarshal(raw, &str)
	return str, err
}

// buildList turns the predicates, search, trash mode and sort of a query into
// SQL on the table aliased r.
func (s *Store) buildList(spec listSpec, q customer.Query) (*listQuery, error) {
	lq := &listQuery{}
	switch q.Deleted {
	case customer.DeletedExclude:
		lq.add("r.deleted_at IS NULL")
	case customer.DeletedOnly:
		lq.add("r.deleted_at IS NOT NULL")
	}
	if spec.table == "contacts" && q.Deleted != customer.DeletedExclude {
		lq.add("r.merged_into_id IS NULL") // merged contacts live on only as history
	}
	visible := visibleSQL(q.Scope)
	if q.Search != "" {
		tq := textsearch.ParseQuery(q.Search)
		switch q.Deleted {
		case customer.DeletedExclude:
			tq.Exclude = []string{textsearch.Trashed}
		case customer.DeletedOnly:
			tq.Require = []string{textsearch.Trashed}
		}
		if tq.Empty() {
			lq.add("1 = 0") // searched for punctuation only: nothing matches
		} else {
			lq.search, lq.searchArgs = s.d.searchMatch(spec.searchTable, tq)
			if visible != "" {
				// Records the caller may not read in full are found by
				// their basic card's part of the entry only.
				basic, args := s.d.searchBasic(spec.searchTable, tq)
				lq.add(fmt.Sprintf("(%s OR EXISTS (SELECT 1 FROM %s WHERE %s = r.id AND %s))",
					visible, spec.searchTable, s.d.searchKey(), basic), args...)
			}
			// The index holds live and trashed records, told apart by the
			// Trashed marker, and no merged contacts: the conditions above
			// are what the index itself answers.
			lq.searchAlone = len(q.Predicates) == 0 && visible == ""
		}
	}
	for _, p := range q.Predicates {
		cond, args, err := s.predicate(spec, p)
		if err != nil {
			return nil, err
		}
		if visible != "" && p.Scoped() {
			// A filter on a field off the basic card must not tell
			// anything of the records the caller may not read in full: it
			// matches none of them.
			cond = "(" + visible + " AND " + cond + ")"
		}
		lq.add(cond, args...)
	}
	expr, nullable, err := s.fieldExpr(spec, q.Sort)
	if err != nil {
		return nil, err
	}
	if visible != "" && !q.Sort.Basic {
		// Nor may the order tell it: those records come last, unordered.
		expr, nullable = "CASE WHEN "+visible+" THEN "+expr+" END", true
	}
	lq.sortExpr, lq.sortNull = expr, nullable
	return lq, nil
}

// predicate renders one filter.
func (s *Store) predicate(spec listSpec, p customer.Predicate) (string, []any, error) {
	if cond, args, ok := spec.special(s, p); ok {
		return cond, args, nil
	}
	expr, nullable, err := s.fieldExpr(spec, p.Field)
	if err != nil {
		return "", nil, err
	}
	if p.Field.Type == customer.TypeSet { // custom multi-select
		cond, args := s.setCondition(p, s.d.customHasAny("r.custom", p.Field.Custom.Key, len(p.Values)), expr)
		return cond, args, nil
	}
	cond, args := s.condition(expr, nullable, p)
	return cond, args, nil
}

// visibleSQL is the condition that a record (aliased r) is inside a read
// scope, or "" when the scope is everything. The ids are written into the
// SQL, as numbers, so that the condition can appear in a sort expression
// without placeholders to keep in step.
func visibleSQL(scope *customer.ReadScope) string {
	if scope == nil {
		return ""
	}
	conds := []string{"r.owner_id IN (" + int64List(scope.OwnerIDs) + ")"}
	if len(scope.TeamIDs) > 0 {
		conds = append(conds, "r.team_id IN ("+int64List(scope.TeamIDs)+")")
	}
	return "(" + strings.Join(conds, " OR ") + ")"
}

func int64List(ids []int64) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(parts, ", ")
}

// fieldExpr is the SQL expression of a built-in or custom field.
func (s *Store) fieldExpr(spec listSpec, f customer.FieldSpec) (string, bool, error) {
	if f.Custom != nil {
		return s.d.customValue("r.custom", f.Custom.Key, f.Type), true, nil
	}
	col, ok := spec.columns[f.Name]
	if !ok {
		return "", false, fmt.Errorf("store: no column for field %q of %s", f.Name, spec.table)
	}
	return col, spec.nullable[f.Name], nil
}

// condition renders a predicate on a column or expression.
func (s *Store) condition(expr string, nullable bool, p customer.Predicate) (string, []any) {
	args := make([]any, len(p.Values))
	for i, v := range p.Values {
		if t, ok := v.(time.Time); ok {
			v = s.d.timeArg(t)
		}
		args[i] = v
	}
	switch p.Op {
	case customer.OpEq:
		return expr + " = ?", args
	case customer.OpNe:
		if nullable {
			return "(" + expr + " IS NULL OR " + expr + " <> ?)", args
		}
		return expr + " <> ?", args
	case customer.OpIn:
		return expr + " IN (" + placeholders(len(args)) + ")", args
	case customer.OpGt:
		return expr + " > ?", args
	case customer.OpGte:
		return expr + " >= ?", args
	case customer.OpLt:
		return expr + " < ?", args
	case customer.OpLte:
		return expr + " <= ?", args
	case customer.OpPrefix:
		prefix := args[0].(string)
		return fmt.Sprintf("substr(%s, 1, %d) = ?", expr, utf8.RuneCountInString(prefix)), args
	case customer.OpExists:
		has := p.Values[0].(bool)
		switch {
		case nullable && has:
			return expr + " IS NOT NULL", nil
		case nullable:
			return expr + " IS NULL", nil
		case p.Field.Type != customer.TypeText && p.Field.Type != customer.TypeEnum:
			// A number or time that cannot be NULL always has a value (and
			// PostgreSQL refuses to compare it with '').
			if has {
				return "1 = 1", nil
			}
			return "1 = 0", nil
		case has:
			return expr + " <> ''", nil
		default:
			return expr + " = ''", nil
		}
	}
	panic("store: unknown operator " + string(p.Op))
}

// setCondition renders a predicate on a set-valued field given the SQL that
// tests membership of the predicate's values (eq/in: has any; ne: has none)
// and an expression that is NULL when the set is absent.
func (s *Store) setCondition(p customer.Predicate, hasAny, presence string) (string, []any) {
	switch p.Op {
	case customer.OpNe:
		return "NOT " + hasAny, p.Values
	case customer.OpExists:
		if p.Values[0].(bool) {
			return presence + " IS NOT NULL", nil
		}
		return presence + " IS NULL", nil
	}
	return hasAny, p.Values
}
