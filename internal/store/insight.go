package store

import (
	"context"
	"fmt"
	"time"

	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/insight"
)

var _ insight.Store = (*Store)(nil)

// countedSaleOf is countedSale on orders aliased o.
const countedSaleOf = "(o.kind = 'sale' AND o.status IN ('paid', 'fulfilled'))"

// ContactsSeen lists the live contacts, by id, with whether they were seen.
func (s *Store) ContactsSeen(ctx context.Context) ([]insight.ContactSeen, error) {
	rows, err := s.query(ctx, `SELECT r.id, CASE WHEN m.first_seen_at IS NULL THEN 0 ELSE 1 END FROM contacts r
		LEFT JOIN contact_metrics m ON m.contact_id = r.id WHERE `+liveContact+` ORDER BY r.id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []insight.ContactSeen
	for rows.Next() {
		var c insight.ContactSeen
		var seen int
		if err := rows.Scan(&c.ID, &seen); err != nil {
			return nil, mapError(err)
		}
		c.Seen = seen == 1
		out = append(out, c)
	}
	return out, mapError(rows.Err())
}

// EachBuyer streams the figures of the live contacts with a sale that
// counts, by id: a row of contact_metrics each, which RefreshContactMetrics
// keeps (the run used to read every sale, 18 s for 10,000,000 orders on
// SQLite).
func (s *Store) EachBuyer(ctx context.Context, fn func(insight.Buyer) error) error {
	rows, err := s.query(ctx, `SELECT m.contact_id, m.first_order_at, m.last_order_at, m.order_count, m.sales_revenue,
			m.sales_profit, m.purchase_days, m.first_day_revenue
		FROM contact_metrics m JOIN contacts r ON r.id = m.contact_id
		WHERE m.first_order_at IS NOT NULL AND m.order_count > 0 AND `+liveContact+` ORDER BY m.contact_id`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var b insight.Buyer
		if err := rows.Scan(&b.ContactID, timeCol{&b.FirstOrder}, timeCol{&b.LastOrder}, &b.Orders, &b.Revenue, &b.Profit,
			&b.PurchaseDays, &b.FirstDayRevenue); err != nil {
			return mapError(err)
		}
		if err := fn(b); err != nil {
			return err
		}
	}
	return mapError(rows.Err())
}

// Lifecycles reads every contact's stage at the last run.
func (s *Store) Lifecycles(ctx context.Context) (map[int64]string, error) {
	rows, err := s.query(ctx, "SELECT contact_id, lifecycle FROM contact_scores")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]string{}
	for rows.Next() {
		var id int64
		var stage *string
		if err := rows.Scan(&id, &stage); err != nil {
			return nil, mapError(err)
		}
		if stage != nil {
			out[id] = *stage
		}
	}
	return out, mapError(rows.Err())
}

const scoreColumns = "contact_id, rfm_r, rfm_f, rfm_m, rfm_cell, value_tier, clv, p_alive, expected_purchases, churn_risk, lifecycle, computed_at"

// ReplaceScores makes scores the figures of every contact, in one
// transaction, and records the lifecycle moves.
func (s *Store) ReplaceScores(ctx context.Context, scores []insight.ContactScore, moves []insight.LifecycleMove) error {
	return s.InTx(ctx, func(ctx context.Context) error {
		if _, err := s.exec(ctx, "DELETE FROM contact_scores"); err != nil {
			return err
		}
		values := make([]any, 0, 12*len(scores))
		for _, c := range scores {
			values = append(values, c.ContactID, c.R, c.F, c.M, c.Cell, c.Tier, c.CLV, c.PAlive, c.ExpectedPurchases,
				c.ChurnRisk, c.Lifecycle, s.d.timeArg(c.ComputedAt))
		}
		if err := s.insertRows(ctx, "INSERT INTO contact_scores ("+scoreColumns+") VALUES", 12, values); err != nil {
			return err
		}
		values = make([]any, 0, 4*len(moves))
		for _, m := range moves {
			values = append(values, m.ContactID, m.From, m.To, s.d.timeArg(m.At))
		}
		return s.insertRows(ctx, "INSERT INTO lifecycle_moves (contact_id, from_stage, to_stage, at) VALUES", 4, values)
	})
}

// ContactScore reads one contact's figures.
func (s *Store) ContactScore(ctx context.Context, id int64) (*insight.ContactScore, error) {
	var c insight.ContactScore
	var lifecycle *string
	err := s.queryRow(ctx, "SELECT "+scoreColumns+" FROM contact_scores WHERE contact_id = ?", id).Scan(&c.ContactID,
		&c.R, &c.F, &c.M, &c.Cell, &c.Tier, &c.CLV, &c.PAlive, &c.ExpectedPurchases, &c.ChurnRisk, &lifecycle, timeCol{&c.ComputedAt})
	if err != nil {
		return nil, mapError(err)
	}
	if lifecycle != nil {
		c.Lifecycle = *lifecycle
	}
	return &c, nil
}

// LifecycleMoves lists a contact's moves between stages, newest first.
func (s *Store) LifecycleMoves(ctx context.Context, id int64, limit int) ([]insight.LifecycleMove, error) {
	rows, err := s.query(ctx, fmt.Sprintf("SELECT contact_id, from_stage, to_stage, at FROM lifecycle_moves WHERE contact_id = ? ORDER BY id DESC LIMIT %d", limit), id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []insight.LifecycleMove{}
	for rows.Next() {
		var m insight.LifecycleMove
		if err := rows.Scan(&m.ContactID, &m.From, &m.To, timeCol{&m.At}); err != nil {
			return nil, mapError(err)
		}
		out = append(out, m)
	}
	return out, mapError(rows.Err())
}

// CustomerProfits reads the lifetime profit of every live buyer.
func (s *Store) CustomerProfits(ctx context.Context) ([]int64, []int64, error) {
	rows, err := s.query(ctx, `SELECT m.contact_id, m.profit FROM contact_metrics m JOIN contacts r ON r.id = m.contact_id
		WHERE m.order_count > 0 AND `+liveContact+` ORDER BY m.contact_id`)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	var ids, profits []int64
	for rows.Next() {
		var id, profit int64
		if err := rows.Scan(&id, &profit); err != nil {
			return nil, nil, mapError(err)
		}
		ids, profits = append(ids, id), append(profits, profit)
	}
	return ids, profits, mapError(rows.Err())
}

// EachOrderTime streams the contact and time of the counted sales of live
// contacts placed in [from, to).
func (s *Store) EachOrderTime(ctx context.Context, from, to time.Time, fn func(int64, time.Time) error) error {
	rows, err := s.query(ctx, `SELECT o.contact_id, o.placed_at FROM orders o JOIN contacts r ON r.id = o.contact_id
		WHERE `+countedSaleOf+` AND `+liveContact+` AND o.placed_at >= ? AND o.placed_at < ?`, s.d.timeArg(from), s.d.timeArg(to))
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var at time.Time
		if err := rows.Scan(&id, timeCol{&at}); err != nil {
			return mapError(err)
		}
		if err := fn(id, at); err != nil {
			return err
		}
	}
	return mapError(rows.Err())
}

// EachEvent streams the events of the types in [from, to) of live contacts.
func (s *Store) EachEvent(ctx context.Context, types []string, from, to time.Time, fn func(int64, string, time.Time) error) error {
	args := append(anySlice(types), s.d.timeArg(from), s.d.timeArg(to))
	rows, err := s.query(ctx, `SELECT e.contact_id, e.type, e.occurred_at FROM events e JOIN contacts r ON r.id = e.contact_id
		WHERE e.type IN (`+placeholders(len(types))+`) AND e.occurred_at >= ? AND e.occurred_at < ? AND `+liveContact, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var typ string
		var at time.Time
		if err := rows.Scan(&id, &typ, timeCol{&at}); err != nil {
			return mapError(err)
		}
		if err := fn(id, typ, at); err != nil {
			return err
		}
	}
	return mapError(rows.Err())
}

// EachBasketItem streams the items of the counted sales in [from, to),
// order by order; with a segment, only its members' orders.
func (s *Store) EachBasketItem(ctx context.Context, from, to time.Time, segmentID int64, fn func(int64, string) error) error {
	where := countedSaleOf + " AND o.placed_at >= ? AND o.placed_at < ?"
	args := []any{s.d.timeArg(from), s.d.timeArg(to)}
	if segmentID != 0 {
		where += " AND o.contact_id IN (SELECT contact_id FROM segment_members WHERE segment_id = ?)"
		args = append(args, segmentID)
	}
	rows, err := s.query(ctx, `SELECT o.id, CASE WHEN l.sku <> '' THEN l.sku ELSE l.name END FROM orders o
		JOIN order_lines l ON l.order_id = o.id WHERE `+where+` ORDER BY o.id`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var item string
		if err := rows.Scan(&id, &item); err != nil {
			return mapError(err)
		}
		if err := fn(id, item); err != nil {
			return err
		}
	}
	return mapError(rows.Err())
}

// painPoints reads a pain-point list: contact id, name, events, before and
// last seen, from a query over contacts r.
func (s *Store) painPoints(ctx context.Context, query string, args ...any) ([]insight.PainPoint, error) {
	rows, err := s.query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []insight.PainPoint{}
	for rows.Next() {
		var p insight.PainPoint
		var last *time.Time
		if err := rows.Scan(&p.ContactID, &p.Name, &p.Events, &p.Before, nullTimeCol{&last}); err != nil {
			return nil, mapError(err)
		}
		if last != nil {
			text := last.UTC().Format(time.RFC3339)
			p.LastSeen = &text
		}
		out = append(out, p)
	}
	return out, mapError(rows.Err())
}

func scopeAnd(scope *crm.ReadScope) string {
	if v := visibleSQL(scope); v != "" {
		return " AND " + v
	}
	return ""
}

// Browsers lists those who browsed often without buying since, the most
// events first.
func (s *Store) Browsers(ctx context.Context, types []string, since time.Time, minViews int, scope *crm.ReadScope, limit int) ([]insight.PainPoint, error) {
	args := append(anySlice(types), s.d.timeArg(since), minViews, s.d.timeArg(since))
	return s.painPoints(ctx, fmt.Sprintf(`SELECT r.id, r.display_name, v.n, CAST(0 AS DOUBLE PRECISION), m.last_seen_at FROM
		(SELECT contact_id, COUNT(*) AS n FROM events WHERE contact_id IS NOT NULL AND type IN (%s) AND occurred_at >= ?
			GROUP BY contact_id HAVING COUNT(*) >= ?) v
		JOIN contacts r ON r.id = v.contact_id LEFT JOIN contact_metrics m ON m.contact_id = r.id
		WHERE %s%s AND r.id NOT IN (SELECT o.contact_id FROM orders o WHERE o.contact_id IS NOT NULL AND %s AND o.placed_at >= ?)
		ORDER BY v.n DESC, r.id DESC LIMIT %d`, placeholders(len(types)), liveContact, scopeAnd(scope), countedSaleOf, limit), args...)
}

// Declining lists those whose events fell sharply: the recent window's
// count at most ratio × what the base window's rate would give it.
func (s *Store) Declining(ctx context.Context, types []string, baseFrom, recentFrom, now time.Time, ratio float64, minBase int, scope *crm.ReadScope, limit int) ([]insight.PainPoint, error) {
	baseDays := recentFrom.Sub(baseFrom).Hours() / 24
	recentDays := now.Sub(recentFrom).Hours() / 24
	scale := recentDays / baseDays // base events → expected recent events
	args := []any{scale, s.d.timeArg(recentFrom), s.d.timeArg(recentFrom)}
	args = append(args, anySlice(types)...)
	args = append(args, s.d.timeArg(baseFrom), s.d.timeArg(now), minBase, ratio*scale)
	return s.painPoints(ctx, fmt.Sprintf(`SELECT r.id, r.display_name, v.recent, v.base * CAST(? AS DOUBLE PRECISION), m.last_seen_at FROM
		(SELECT contact_id,
			SUM(CASE WHEN occurred_at >= ? THEN 1 ELSE 0 END) AS recent,
			SUM(CASE WHEN occurred_at < ? THEN 1 ELSE 0 END) AS base
		 FROM events WHERE contact_id IS NOT NULL AND type IN (%s) AND occurred_at >= ? AND occurred_at < ?
		 GROUP BY contact_id) v
		JOIN contacts r ON r.id = v.contact_id LEFT JOIN contact_metrics m ON m.contact_id = r.id
		WHERE v.base >= ? AND v.recent <= v.base * CAST(? AS DOUBLE PRECISION) AND %s%s
		ORDER BY v.base - v.recent DESC, r.id DESC LIMIT %d`, placeholders(len(types)), liveContact, scopeAnd(scope), limit), args...)
}
