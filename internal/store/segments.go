package store

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/segment"
)

var _ segment.Store = (*Store)(nil)

// liveContact is the condition that a contact (aliased r) is a customer a
// segment can hold: not in the trash, not merged away.
const liveContact = "r.deleted_at IS NULL AND r.merged_into_id IS NULL"

// segmentSQL compiles a checked rule into a condition on contacts aliased r.
// Every value is a placeholder argument; only names from the checked rule's
// fixed catalogue (columns, operators) are written into the text.
//
// Conditions on behaviour and figures are written selective-first: "r.id IN
// (a subquery over events, orders or the kept figures)", which both engines
// run once and probe, rather than a correlated count per contact. When a
// customer without the figure passes the test (orders < 3 holds for one who
// never ordered), the subquery selects those who fail it and the condition
// is NOT IN.
func (s *Store) segmentSQL(n segment.Node, now time.Time) (string, []any) {
	switch {
	case n.Contact != nil:
		cond, args, err := s.predicate(contactSpec, *n.Contact)
		if err != nil {
			panic(err) // the catalogue and contactSpec disagree: a bug
		}
		return cond, args
	case n.Company != nil:
		// Inside the subquery r is the company; the outer r is the contact.
		cond, args, err := s.predicate(companySpec, *n.Company)
		if err != nil {
			panic(err)
		}
		return "r.id IN (SELECT p.contact_id FROM positions p JOIN companies r ON r.id = p.company_id WHERE p.status = 'current' AND r.deleted_at IS NULL AND " + cond + ")", args
	case n.Measure != nil:
		return s.measureSQL(n.Measure, now)
	case n.Not != nil:
		cond, args := s.segmentSQL(*n.Not, now)
		return "NOT (" + cond + ")", args
	case n.Any != nil:
		return s.segmentGroup(n.Any, " OR ", "1 = 0", now)
	}
	return s.segmentGroup(n.All, " AND ", "1 = 1", now)
}

// selective reports whether a condition selects few customers through an
// index: buyers of a product or category, holders of a tag.
func selective(n segment.Node) bool {
	switch {
	case n.Measure != nil:
		m := n.Measure
		return m.Source == segment.FromBought && (m.SKU != "" || m.Category != "") && !m.ZeroHolds
	case n.Contact != nil:
		return n.Contact.Field.Name == "tag" && (n.Contact.Op == customer.OpEq || n.Contact.Op == customer.OpIn)
	}
	return false
}

// segmentGroup joins conditions. Beside a selective condition, counts of
// events are tested per candidate (a correlated count on the events of one
// contact, through its index) rather than by grouping every event of the
// window: "≥ 5 visits and bought A and B" then reads the visits of the few
// who bought both. The selective conditions come first.
func (s *Store) segmentGroup(kids []segment.Node, sep, empty string, now time.Time) (string, []any) {
	if len(kids) == 0 {
		return empty, nil
	}
	perCandidate := false
	if sep == " AND " {
		kids = slices.Clone(kids)
		slices.SortStableFunc(kids, func(a, b segment.Node) int {
			switch sa, sb := selective(a), selective(b); {
			case sa && !sb:
				return -1
			case sb && !sa:
				return 1
			}
			return 0
		})
		perCandidate = selective(kids[0])
	}
	parts := make([]string, len(kids))
	var args []any
	for i, k := range kids {
		var cond string
		var a []any
		if perCandidate && k.Measure != nil && k.Measure.Source == segment.FromEvents {
			cond, a = s.eventCountOfCandidate(k.Measure, now)
		} else {
			cond, a = s.segmentSQL(k, now)
		}
		parts[i] = "(" + cond + ")"
		args = append(args, a...)
	}
	return strings.Join(parts, sep), args
}

// eventCountOfCandidate tests a count of events on the contact r alone.
func (s *Store) eventCountOfCandidate(m *segment.Measure, now time.Time) (string, []any) {
	where := []string{"e.contact_id IS NOT NULL", "e.contact_id = r.id"}
	var args []any
	if m.Type != "" {
		where, args = append(where, "e.type = ?"), append(args, m.Type)
	}
	if m.Channel != "" {
		where, args = append(where, "e.channel = ?"), append(args, m.Channel)
	}
	if m.WithinDays > 0 {
		where, args = append(where, "e.occurred_at >= ?"), append(args, s.d.timeArg(now.AddDate(0, 0, -m.WithinDays)))
	}
	cond, testArgs := compare("(SELECT COUNT(*) FROM events e WHERE "+strings.Join(where, " AND ")+")", m.Op, m.Values)
	return cond, append(args, testArgs...)
}

var sqlOps = map[segment.Op]string{segment.OpEq: "=", segment.OpNe: "<>", segment.OpLt: "<", segment.OpLte: "<=", segment.OpGt: ">", segment.OpGte: ">="}

// daysOps turn "days since t op d" into "t op' now - d days".
var daysOps = map[segment.Op]string{segment.OpGt: "<", segment.OpGte: "<=", segment.OpLt: ">", segment.OpLte: ">="}

// compare renders "expr op value(s)".
func compare(expr string, op segment.Op, values []any) (string, []any) {
	switch op {
	case segment.OpIn:
		return expr + " IN (" + placeholders(len(values)) + ")", values
	case segment.OpNotIn:
		return expr + " NOT IN (" + placeholders(len(values)) + ")", values
	}
	return expr + " " + sqlOps[op] + " ?", values[:1]
}

func (s *Store) measureSQL(m *segment.Measure, now time.Time) (string, []any) {
	var where []string
	var args []any
	since := func(col string) {
		if m.WithinDays > 0 {
			where = append(where, col+" >= ?")
			args = append(args, s.d.timeArg(now.AddDate(0, 0, -m.WithinDays)))
		}
	}
	// test is the condition on the figure; grouped subqueries test it in
	// HAVING, the others in WHERE.
	var sub, test string
	var testArgs []any
	grouped := true
	switch m.Source {
	case segment.FromEvents:
		where = append(where, "contact_id IS NOT NULL")
		if m.Type != "" {
			where, args = append(where, "type = ?"), append(args, m.Type)
		}
		if m.Channel != "" {
			where, args = append(where, "channel = ?"), append(args, m.Channel)
		}
		since("occurred_at")
		sub = "SELECT contact_id FROM events WHERE %s GROUP BY contact_id HAVING %s"
		test, testArgs = compare("COUNT(*)", m.Op, m.Values)
	case segment.FromBought:
		where = append(where, "o.contact_id IS NOT NULL", "o.kind = 'sale'", "o.status IN ('paid', 'fulfilled')")
		since("o.placed_at")
		var product []string
		if m.SKU != "" {
			product, args = append(product, "sku = ?"), append(args, m.SKU)
		}
		if m.Category != "" {
			product, args = append(product, "category = ?"), append(args, m.Category)
		}
		if len(product) == 0 {
			sub = "SELECT o.contact_id FROM orders o WHERE %s GROUP BY o.contact_id HAVING %s"
			test, testArgs = compare("COUNT(*)", m.Op, m.Values)
			break
		}
		// Driven by the lines of the products named, through their index.
		where = append(where, "l.product_id IN (SELECT id FROM products WHERE "+strings.Join(product, " AND ")+")")
		sub = "SELECT o.contact_id FROM order_lines l JOIN orders o ON o.id = l.order_id WHERE %s GROUP BY o.contact_id HAVING %s"
		test, testArgs = compare("COUNT(DISTINCT o.id)", m.Op, m.Values)
	case segment.FromOrders:
		where = append(where, "contact_id IS NOT NULL")
		since("placed_at")
		agg := map[string]string{"count": "SUM(CASE WHEN " + countedSale + " THEN 1 ELSE 0 END)", "revenue": "SUM(revenue)", "profit": "SUM(profit)"}[m.Column]
		sub = "SELECT contact_id FROM orders WHERE %s GROUP BY contact_id HAVING %s"
		test, testArgs = compare(agg, m.Op, m.Values)
	case segment.FromMetrics, segment.FromScores:
		grouped = false
		table := "contact_metrics"
		if m.Source == segment.FromScores {
			table = "contact_scores"
		}
		sub = "SELECT contact_id FROM " + table + " WHERE %s"
		if m.Days {
			days := m.Values[0].(float64)
			cutoff := now.Add(-time.Duration(days * float64(24*time.Hour)))
			test, testArgs = m.Column+" "+daysOps[m.Op]+" ?", []any{s.d.timeArg(cutoff)}
		} else {
			test, testArgs = compare(m.Column, m.Op, m.Values)
		}
	default:
		panic("store: unknown segment source " + string(m.Source))
	}
	if m.ZeroHolds {
		test = "NOT (" + test + ")"
	}
	var text string
	if grouped {
		if len(where) == 0 {
			where = []string{"1 = 1"}
		}
		text = fmt.Sprintf(sub, strings.Join(where, " AND "), test)
		args = append(args, testArgs...)
	} else {
		text = fmt.Sprintf(sub, test)
		args = testArgs
	}
	if m.ZeroHolds {
		return "r.id NOT IN (" + text + ")", args
	}
	return "r.id IN (" + text + ")", args
}

// matchingWhere is the full condition of a rule's members inside scope.
func (s *Store) matchingWhere(n segment.Node, scope *customer.ReadScope, now time.Time) (string, []any) {
	cond, args := s.segmentSQL(n, now)
	where := liveContact + " AND (" + cond + ")"
	if v := visibleSQL(scope); v != "" {
		where += " AND " + v
	}
	return where, args
}

// CountMatching counts the live contacts inside scope that a rule selects.
func (s *Store) CountMatching(ctx context.Context, n segment.Node, scope *customer.ReadScope, now time.Time) (int64, error) {
	where, args := s.matchingWhere(n, scope, now)
	var count int64
	err := s.queryRow(ctx, "SELECT count(*) FROM contacts r WHERE "+where, args...).Scan(&count)
	return count, mapError(err)
}

type idPos struct {
	ID int64 `json:"id"`
}

// contactPage reads a page of contacts, newest first, from a FROM clause
// that names contacts r; idCol is the column the page is keyed on.
func (s *Store) contactPage(ctx context.Context, from, where string, args []any, idCol, cursor string, limit int) (crm.Page[*customer.Contact], error) {
	if cursor != "" {
		var pos idPos
		if err := crm.DecodeCursor(cursor, &pos); err != nil {
			return crm.Page[*customer.Contact]{}, err
		}
		where += " AND " + idCol + " < ?"
		args = append(args, pos.ID)
	}
	q := fmt.Sprintf("SELECT %s, NULL FROM %s WHERE %s ORDER BY %s DESC LIMIT %d", s.cols.contact, from, where, idCol, limit+1)
	rows, err := s.query(ctx, q, args...)
	if err != nil {
		return crm.Page[*customer.Contact]{}, err
	}
	defer rows.Close()
	page := crm.Page[*customer.Contact]{Items: []*customer.Contact{}}
	for rows.Next() {
		var sortValue any
		c, err := scanContact(rows, &sortValue)
		if err != nil {
			return crm.Page[*customer.Contact]{}, err
		}
		if len(page.Items) == limit {
			page.Next = crm.EncodeCursor(idPos{ID: page.Items[len(page.Items)-1].ID})
			break
		}
		page.Items = append(page.Items, c)
	}
	return page, mapError(rows.Err())
}

// Matching lists the contacts a rule selects, newest first.
func (s *Store) Matching(ctx context.Context, n segment.Node, scope *customer.ReadScope, now time.Time, cursor string, limit int) (crm.Page[*customer.Contact], error) {
	where, args := s.matchingWhere(n, scope, now)
	return s.contactPage(ctx, "contacts r", where, args, "r.id", cursor, limit)
}

// SegmentMembers lists a segment's stored members inside scope.
func (s *Store) SegmentMembers(ctx context.Context, id int64, scope *customer.ReadScope, cursor string, limit int) (crm.Page[*customer.Contact], error) {
	where, args := "m.segment_id = ? AND "+liveContact, []any{id}
	if v := visibleSQL(scope); v != "" {
		where += " AND " + v
	}
	return s.contactPage(ctx, "segment_members m JOIN contacts r ON r.id = m.contact_id", where, args, "m.contact_id", cursor, limit)
}

// SegmentChanges lists who entered and left a segment, newest first.
func (s *Store) SegmentChanges(ctx context.Context, id int64, scope *customer.ReadScope, cursor string, limit int) (crm.Page[*segment.MemberChange], error) {
	where, args := "sc.segment_id = ?", []any{id}
	if v := visibleSQL(scope); v != "" {
		where += " AND " + v
	}
	if cursor != "" {
		var pos idPos
		if err := crm.DecodeCursor(cursor, &pos); err != nil {
			return crm.Page[*segment.MemberChange]{}, err
		}
		where, args = where+" AND sc.id < ?", append(args, pos.ID)
	}
	rows, err := s.query(ctx, fmt.Sprintf(`SELECT sc.id, sc.segment_id, sc.contact_id, r.display_name, sc.entered, sc.at
		FROM segment_changes sc JOIN contacts r ON r.id = sc.contact_id WHERE %s ORDER BY sc.id DESC LIMIT %d`, where, limit+1), args...)
	if err != nil {
		return crm.Page[*segment.MemberChange]{}, err
	}
	defer rows.Close()
	page := crm.Page[*segment.MemberChange]{Items: []*segment.MemberChange{}}
	for rows.Next() {
		c := &segment.MemberChange{}
		if err := rows.Scan(&c.ID, &c.SegmentID, &c.ContactID, &c.Name, &c.Entered, timeCol{&c.At}); err != nil {
			return crm.Page[*segment.MemberChange]{}, mapError(err)
		}
		if len(page.Items) == limit {
			page.Next = crm.EncodeCursor(idPos{ID: page.Items[len(page.Items)-1].ID})
			break
		}
		page.Items = append(page.Items, c)
	}
	return page, mapError(rows.Err())
}

// RefreshSegment makes the stored members those the rule selects now. The
// matching ids and the current members are read and compared here, so the
// rule runs once; the differences are written in batches.
func (s *Store) RefreshSegment(ctx context.Context, id int64, n segment.Node, now time.Time) (segment.Refresh, error) {
	res := segment.Refresh{At: now}
	err := s.InTx(ctx, func(ctx context.Context) error {
		// Lock the segment first: two refreshes of one segment would
		// otherwise both record the same entries.
		r, err := s.exec(ctx, "UPDATE segments SET evaluated_at = ? WHERE id = ?", s.d.timeArg(now), id)
		if err := s.checkUpdated(ctx, r, err, "segments", "segment", id); err != nil {
			return err
		}
		where, args := s.matchingWhere(n, nil, now)
		want, err := s.ids(ctx, "SELECT r.id FROM contacts r WHERE "+where+" ORDER BY r.id", args...)
		if err != nil {
			return err
		}
		have, err := s.ids(ctx, "SELECT contact_id FROM segment_members WHERE segment_id = ? ORDER BY contact_id", id)
		if err != nil {
			return err
		}
		entered, left := sortedDiff(want, have), sortedDiff(have, want)
		res.Size, res.Entered, res.Left = int64(len(want)), int64(len(entered)), int64(len(left))
		at := s.d.timeArg(now)
		for start := 0; start < len(left); start += 500 {
			chunk := left[start:min(len(left), start+500)]
			if _, err := s.exec(ctx, "DELETE FROM segment_members WHERE segment_id = ? AND contact_id IN ("+placeholders(len(chunk))+")",
				append([]any{id}, anySlice(chunk)...)...); err != nil {
				return err
			}
		}
		members := make([]any, 0, 3*len(entered))
		changes := make([]any, 0, 4*(len(entered)+len(left)))
		for _, c := range entered {
			members = append(members, id, c, at)
			changes = append(changes, id, c, true, at)
		}
		for _, c := range left {
			changes = append(changes, id, c, false, at)
		}
		if err := s.insertRows(ctx, "INSERT INTO segment_members (segment_id, contact_id, entered_at) VALUES", 3, members); err != nil {
			return err
		}
		if err := s.insertRows(ctx, "INSERT INTO segment_changes (segment_id, contact_id, entered, at) VALUES", 4, changes); err != nil {
			return err
		}
		_, err = s.exec(ctx, "UPDATE segments SET size = ? WHERE id = ?", res.Size, id)
		return err
	})
	return res, mapError(err)
}

// ids reads a column of ids.
func (s *Store) ids(ctx context.Context, query string, args ...any) ([]int64, error) {
	rows, err := s.query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, mapError(err)
		}
		out = append(out, id)
	}
	return out, mapError(rows.Err())
}

// sortedDiff returns the elements of a that are not in b; both ascending.
func sortedDiff(a, b []int64) []int64 {
	var out []int64
	j := 0
	for _, x := range a {
		for j < len(b) && b[j] < x {
			j++
		}
		if j < len(b) && b[j] == x {
			continue
		}
		out = append(out, x)
	}
	return out
}

const segmentColumns = "id, version, name, description, rule, text, size, evaluated_at, created_by, created_at, updated_at"

func scanSegment(row rowScanner) (*segment.Segment, error) {
	var seg segment.Segment
	var rule []byte
	if err := row.Scan(&seg.ID, &seg.Version, &seg.Name, &seg.Description, &rule, &seg.Text, &seg.Size,
		nullTimeCol{&seg.EvaluatedAt}, &seg.CreatedBy, timeCol{&seg.CreatedAt}, timeCol{&seg.UpdatedAt}); err != nil {
		return nil, mapError(err)
	}
	if err := json.Unmarshal(rule, &seg.Rule); err != nil {
		return nil, fmt.Errorf("segment %d: rule: %w", seg.ID, err)
	}
	return &seg, nil
}

// CreateSegment inserts a segment.
func (s *Store) CreateSegment(ctx context.Context, seg *segment.Segment) error {
	rule, err := json.Marshal(seg.Rule)
	if err != nil {
		return err
	}
	err = s.queryRow(ctx, `INSERT INTO segments (version, name, description, rule, text, size, created_by, created_at, updated_at)
		VALUES (1, ?, ?, ?, ?, 0, ?, ?, ?) RETURNING id`, seg.Name, seg.Description, string(rule), seg.Text, seg.CreatedBy,
		s.d.timeArg(seg.CreatedAt), s.d.timeArg(seg.UpdatedAt)).Scan(&seg.ID)
	if err != nil {
		return mapError(err)
	}
	seg.Version = 1
	return nil
}

// Segment reads a segment.
func (s *Store) Segment(ctx context.Context, id int64) (*segment.Segment, error) {
	seg, err := scanSegment(s.queryRow(ctx, "SELECT "+segmentColumns+" FROM segments WHERE id = ?", id))
	if crm.IsKind(err, crm.KindNotFound) {
		return nil, notFound("segment", id)
	}
	return seg, err
}

// Segments reads every segment by name.
func (s *Store) Segments(ctx context.Context) ([]*segment.Segment, error) {
	return queryAll(ctx, s, scanSegment, "SELECT "+segmentColumns+" FROM segments ORDER BY name, id")
}

// UpdateSegment saves a segment's name, description and rule.
func (s *Store) UpdateSegment(ctx context.Context, old, next *segment.Segment) error {
	rule, err := json.Marshal(next.Rule)
	if err != nil {
		return err
	}
	res, err := s.exec(ctx, "UPDATE segments SET version = version + 1, name = ?, description = ?, rule = ?, text = ?, updated_at = ? WHERE id = ? AND version = ?",
		next.Name, next.Description, string(rule), next.Text, s.d.timeArg(next.UpdatedAt), old.ID, old.Version)
	if err := s.checkUpdated(ctx, res, err, "segments", "segment", old.ID); err != nil {
		return err
	}
	next.Version = old.Version + 1
	return nil
}

// DeleteSegment removes a segment with its members and history.
func (s *Store) DeleteSegment(ctx context.Context, id int64) error {
	res, err := s.exec(ctx, "DELETE FROM segments WHERE id = ?", id)
	if err != nil {
		return mapError(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return notFound("segment", id)
	}
	return nil
}

// DataMark is the latest audit entry, event and order, and the latest
// succeeded insight run: together they change whenever data a segment rule
// tests changes (contact, tag, company and order changes are audited;
// events are not). Each is the end of a primary-key index.
func (s *Store) DataMark(ctx context.Context) (string, error) {
	var audit, events, orders, runs int64
	err := s.queryRow(ctx, `SELECT COALESCE((SELECT MAX(id) FROM audit_log), 0), COALESCE((SELECT MAX(id) FROM events), 0),
		COALESCE((SELECT MAX(id) FROM orders), 0),
		COALESCE((SELECT MAX(id) FROM jobs WHERE kind = 'insight.refresh' AND status = 'succeeded'), 0)`).Scan(&audit, &events, &orders, &runs)
	if err != nil {
		return "", mapError(err)
	}
	return fmt.Sprintf("a%d.e%d.o%d.i%d", audit, events, orders, runs), nil
}
