package sales

import (
	"context"
	"encoding/json"
	"time"

	"github.com/guanxi-crm/guanxi/internal/crm"
)

// MoveInput moves a deal to a stage: the kanban board's one call.
type MoveInput struct {
	StageID    int64  `json:"stage_id" minimum:"1" doc:"The stage to move to; a stage of another pipeline moves the deal to that pipeline"`
	LostReason string `json:"lost_reason,omitempty" maxLength:"500" doc:"Why the deal was lost: required when moving to the lost stage"`
}

// Move is one move of a batch.
type Move struct {
	DealID int64
	// IfVersion is the version the mover last read (0: any).
	IfVersion int64
	MoveInput
}

// MoveDeal moves a deal to a stage, recording the move: into the won or lost
// stage closes it (the lost one needs a reason), into an open stage from a
// closed one reopens it. Moving it to the stage it is in changes nothing
// (but a lost deal's reason). ifVersion 0 skips the version check.
func (s *Service) MoveDeal(ctx context.Context, id, ifVersion int64, in MoveInput) (*Deal, error) {
	var moved *Deal
	err := retryStale(ifVersion, func() error {
		results, deals, err := s.moveDeals(ctx, []Move{{DealID: id, IfVersion: ifVersion, MoveInput: in}})
		if err != nil {
			return err
		}
		moved = deals[0]
		return results[0].Err
	})
	if err != nil {
		return nil, err
	}
	return moved, nil
}

// maxAttempts bounds how often a change starts over because another writer
// changed the deal between its read and its write.
const maxAttempts = 5

// retryStale runs a change again when another writer changed the deal
// meanwhile (Stale), unless the caller named the version it read
// (ifVersion), which is then refused: PostgreSQL re-checks the version of a
// row another transaction updated, so two movers of one deal can meet.
func retryStale(ifVersion int64, attempt func() error) error {
	for i := 1; ; i++ {
		err := attempt()
		if ifVersion != 0 || i == maxAttempts || !crm.IsKind(err, crm.KindStale) {
			return err
		}
	}
}

// MoveDeals moves deals in one transaction, each checked on its own.
func (s *Service) MoveDeals(ctx context.Context, moves []Move) ([]BatchResult, error) {
	results, _, err := s.moveDeals(ctx, moves)
	return results, err
}

// moveDeals is MoveDeals, which also answers each deal as the move left it.
func (s *Service) moveDeals(ctx context.Context, moves []Move) ([]BatchResult, []*Deal, error) {
	const op = "sales.MoveDeals"
	p, err := crm.Writer(ctx, op)
	if err != nil {
		return nil, nil, err
	}
	if len(moves) > MaxBatch {
		return nil, nil, crm.E(op, crm.KindTooLarge, "batch_too_large").With("max", MaxBatch)
	}
	results := make([]BatchResult, len(moves))
	after := make([]*Deal, len(moves))
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		ids := make([]int64, len(moves))
		for i, m := range moves {
			ids[i] = m.DealID
		}
		deals, err := s.store.DealsByID(ctx, ids)
		if err != nil {
			return err
		}
		now := s.clock.Now()
		stages := map[int64]*Stage{}
		var changes []StageChange
		var entries []crm.AuditEntry
		for i := range moves {
			m := &moves[i]
			results[i].Index = i
			old := deals[m.DealID]
			if old == nil {
				results[i].Err = crm.NotFound(op, "deal", m.DealID)
				continue
			}
			next, change, err := s.move(ctx, op, p, old, m, stages)
			if err != nil {
				if _, ok := crm.AsError(err); !ok {
					return err
				}
				results[i].Err = err
				continue
			}
			results[i].ID, results[i].Version, after[i] = old.ID, old.Version, old
			if next == nil { // nothing to do
				continue
			}
			next.UpdatedAt = now
			if change != nil {
				change.At, next.StageEnteredAt = now, now
				if next.Status != StatusOpen && (old.Status == StatusOpen || old.Status != next.Status) {
					next.ClosedAt = ptr(now)
				}
			}
			if err := s.store.UpdateDeal(ctx, old, next); err != nil {
				if crm.IsKind(err, crm.KindStale) { // another writer got there first
					results[i].Err = err
					continue
				}
				return err
			}
			if change != nil {
				changes = append(changes, *change)
			}
			results[i].Version, after[i] = next.Version, next
			deals[m.DealID] = next // a later move of the same deal starts here
			diff, err := crm.Diff(old.view(), next.view())
			if err != nil {
				return err
			}
			if !timesEqual(old.ClosedAt, next.ClosedAt) {
				diff = append(diff, crm.Change{Field: "closed_at", From: timeJSON(old.ClosedAt), To: timeJSON(next.ClosedAt)})
			}
			entries = append(entries, audit(ctx, p, now, crm.ActionUpdate, RecordDeal, old.ID, diff))
		}
		if err := s.store.AddStageChanges(ctx, changes); err != nil {
			return err
		}
		return s.store.AppendAudit(ctx, entries...)
	})
	if err != nil {
		return nil, nil, crm.Wrap(op, err)
	}
	return results, after, nil
}

// move works out one move: the deal as it will be and its stage change, or
// nil for a move that changes nothing, or the error that refuses it.
func (s *Service) move(ctx context.Context, op string, p *crm.Principal, old *Deal, m *Move, stages map[int64]*Stage) (*Deal, *StageChange, error) {
	if !p.WritesRecord(old.OwnerID, old.TeamID) {
		return nil, nil, crm.Forbidden(op).With("deal_id", old.ID)
	}
	if m.IfVersion != 0 && old.Version != m.IfVersion {
		return nil, nil, crm.Stale(op, old.Version)
	}
	var v crm.Violations
	st := stages[m.StageID]
	if st == nil && m.StageID > 0 {
		var err error
		st, err = s.store.Stage(ctx, m.StageID)
		if err != nil && !crm.IsKind(err, crm.KindNotFound) {
			return nil, nil, err
		}
		stages[m.StageID] = st
	}
	if st == nil {
		v.Add("stage_id", "unknown_stage", "id", m.StageID)
		return nil, nil, v.Err(op)
	}
	reason := crm.CleanText(&v, "lost_reason", m.LostReason, 500)
	if st.Kind == KindLost && reason == "" {
		v.Add("lost_reason", "lost_reason_required")
	}
	if err := v.Err(op); err != nil {
		return nil, nil, err
	}
	if st.Kind != KindLost {
		reason = ""
	}
	if st.ID == old.StageID {
		if reason == old.LostReason {
			return nil, nil, nil
		}
		next := *old
		next.LostReason = reason
		return &next, nil, nil
	}
	next := *old
	next.PipelineID, next.StageID, next.Status, next.LostReason = st.PipelineID, st.ID, st.Kind, reason
	if st.Kind == KindOpen {
		next.ClosedAt = nil
	}
	from := old.StageID
	change := &StageChange{DealID: old.ID, FromStageID: &from, ToStageID: ptr(st.ID), FromStatus: old.Status, ToStatus: st.Kind,
		ActorID: p.ActorID()}
	return &next, change, nil
}

func timesEqual(a, b *time.Time) bool { return (a == nil) == (b == nil) && (a == nil || a.Equal(*b)) }

func timeJSON(t *time.Time) json.RawMessage {
	if t == nil {
		return nil
	}
	return crm.JSON(*t)
}
