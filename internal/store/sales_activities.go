package store

import (
	"context"
	"strings"

	"github.com/guanxi-crm/guanxi/internal/sales"
)

// DealActivityCount counts the deals won or lost in [ClosedFrom, ClosedTo)
// that a query selects, and the activities logged on them (every type, done
// or not). It selects as the KPIs do: the caller's read scope, the pipeline,
// the owner, and a team as the deals of the team or of its members. An
// activity on a deal has the deal's id in deal_id (migration 0009), so the
// join runs on that column's index; COUNT(a.id) skips the deals without any.
func (s *Store) DealActivityCount(ctx context.Context, q sales.ActivityCountQuery) (sales.ActivityCount, error) {
	where, args := dealScope(q.Scope, "d.")
	where = append(where, "d.status IN ('won', 'lost')", "d.closed_at >= ?", "d.closed_at < ?")
	args = append(args, s.d.timeArg(q.ClosedFrom), s.d.timeArg(q.ClosedTo))
	if q.PipelineID != 0 {
		where, args = append(where, "d.pipeline_id = ?"), append(args, q.PipelineID)
	}
	if q.OwnerID != 0 {
		where, args = append(where, "d.owner_id = ?"), append(args, q.OwnerID)
	}
	if q.TeamID != 0 {
		where = append(where, "(d.team_id = ? OR d.owner_id IN (SELECT user_id FROM team_members WHERE team_id = ?))")
		args = append(args, q.TeamID, q.TeamID)
	}
	var n sales.ActivityCount
	err := s.queryRow(ctx, `SELECT COUNT(DISTINCT d.id), COUNT(a.id)
		FROM deals d LEFT JOIN activities a ON a.deal_id = d.id
		WHERE `+strings.Join(where, " AND "), args...).Scan(&n.Deals, &n.Activities)
	return n, mapError(err)
}
