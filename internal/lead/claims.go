package lead

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/guanxi-crm/guanxi/internal/crm"
)

// Pool events, as the audit log records them on the record (field "pool").
const (
	eventClaimed   = "claimed"
	eventRequested = "claim_requested"
	eventApproved  = "claim_approved"
	eventRejected  = "claim_rejected"
	eventReleased  = "released"
	eventRecycled  = "recycled"
)

// pooled is a lead or contact as the pool sees it.
type pooled struct {
	recordType   string
	id           int64
	owner, team  *int64
	poolID       *int64
	open         bool // a lead still worked; a live contact
	lead         *Lead
	contact      *PoolContact
	readableLead bool
}

func (s *Service) loadPooled(ctx context.Context, op string, p *crm.Principal, recordType string, id int64) (*pooled, error) {
	switch recordType {
	case RecordLead:
		l, err := s.store.Lead(ctx, id)
		if err != nil {
			return nil, err
		}
		return &pooled{recordType: recordType, id: id, owner: l.OwnerID, team: l.TeamID, poolID: l.PoolID, open: open(l.Status),
			lead: l, readableLead: p.ReadsRecord(l.OwnerID, l.TeamID)}, nil
	case RecordContact:
		c, err := s.store.PoolContact(ctx, id)
		if err != nil {
			return nil, err
		}
		if !c.Live {
			return nil, crm.NotFound(op, "contact", id)
		}
		return &pooled{recordType: recordType, id: id, owner: c.OwnerID, team: c.TeamID, open: true, contact: c}, nil
	}
	return nil, validRecordType(op, recordType)
}

// notInPool is the error of claiming a record that is not in a pool: 409
// when the actor may see whose it is, 403 for another rep's lead.
func notInPool(op string, p *crm.Principal, rec *pooled) error {
	if rec.recordType == RecordLead && rec.owner != nil && !rec.readableLead {
		return crm.Forbidden(op).With("lead_id", rec.id)
	}
	e := crm.E(op, crm.KindConflict, "not_in_pool").With("record_type", rec.recordType).With("record_id", rec.id)
	if rec.owner != nil {
		e = e.With("owner_id", *rec.owner)
	}
	return e
}

// Claim takes a lead or contact without an owner from its pool for the
// actor, by the pool's rules: refused while the record waits for a decision
// on another claim, within the pool's protection days after it went back to
// the pool from the actor, or when the actor holds the pool's cap already.
// A record that matches another rep's customer (email, phone, company) is
// refused, or, if the pool says so, held for a manager's approval: the
// claim comes back pending.
func (s *Service) Claim(ctx context.Context, recordType string, id int64) (*Claim, error) {
	const op = "lead.Claim"
	p, err := crm.Writer(ctx, op)
	if err != nil {
		return nil, err
	}
	if err := validRecordType(op, recordType); err != nil {
		return nil, err
	}
	if p.System || p.UserID == 0 {
		return nil, crm.E(op, crm.KindForbidden, "claims_by_users_only")
	}
	var out *Claim
	err = retryStale(0, func() error {
		return s.store.InTx(ctx, func(ctx context.Context) error {
			c, err := s.claim(ctx, op, p, recordType, id)
			out = c
			return err
		})
	})
	if err != nil {
		return nil, crm.Wrap(op, err)
	}
	return out, nil
}

func (s *Service) claim(ctx context.Context, op string, p *crm.Principal, recordType string, id int64) (*Claim, error) {
	if err := s.store.LockPoolClaimant(ctx, p.UserID); err != nil {
		return nil, err
	}
	rec, err := s.loadPooled(ctx, op, p, recordType, id)
	if err != nil {
		return nil, err
	}
	if rec.owner != nil || !rec.open {
		return nil, notInPool(op, p, rec)
	}
	pools, err := s.store.LeadPools(ctx)
	if err != nil {
		return nil, err
	}
	pool := poolFor(pools, rec.poolID, rec.team)
	if pool == nil {
		return nil, crm.NotFound(op, "pool", 0)
	}
	if !canUsePool(p, pool) {
		return nil, crm.E(op, crm.KindForbidden, "not_your_pool").With("pool_id", pool.ID)
	}
	now := s.clock.Now()
	switch existing, err := s.store.PoolClaimOf(ctx, recordType, id); {
	case crm.IsKind(err, crm.KindNotFound):
	case err != nil:
		return nil, err
	case existing.Status == ClaimPending:
		return nil, crm.E(op, crm.KindConflict, "claim_pending").With("claim_id", existing.ID).With("user_id", existing.UserID)
	default: // an active claim on a record without an owner is left over: it ended
		if err := s.store.DeletePoolClaim(ctx, existing.ID); err != nil {
			return nil, err
		}
	}
	if pool.ProtectionDays > 0 {
		last, err := s.store.LastPoolReturn(ctx, recordType, id, p.UserID)
		if err != nil {
			return nil, err
		}
		if until := lastPlus(last, pool.ProtectionDays); until != nil && now.Before(*until) {
			return nil, crm.E(op, crm.KindConflict, "claim_protected").With("until", until.Format(time.RFC3339)).
				With("days", pool.ProtectionDays)
		}
	}
	if pool.ClaimCap > 0 {
		n, err := s.store.CountPoolClaims(ctx, pool.ID, p.UserID)
		if err != nil {
			return nil, err
		}
		if n >= int64(pool.ClaimCap) {
			return nil, crm.E(op, crm.KindConflict, "claim_cap_reached").With("cap", pool.ClaimCap).With("pool_id", pool.ID)
		}
	}
	collisions, err := s.collisions(ctx, rec, p.UserID)
	if err != nil {
		return nil, err
	}
	c := &Claim{RecordType: recordType, RecordID: id, PoolID: pool.ID, UserID: p.UserID, ClaimedAt: now, Collisions: collisions}
	if len(collisions) > 0 {
		if pool.CollisionPolicy != PolicyApprove {
			first := collisions[0]
			return nil, crm.E(op, crm.KindConflict, "claim_collision").With("record_type", first.RecordType).
				With("record_id", first.RecordID).With("owner_id", first.OwnerID).With("field", first.Field).
				With("collisions", collisions)
		}
		c.Status = ClaimPending
		if err := s.store.InsertPoolClaim(ctx, c); err != nil {
			return nil, err
		}
		return c, s.store.AppendAudit(ctx, audit(ctx, p, now, crm.ActionUpdate, rec.recordType, id,
			[]crm.Change{{Field: "pool", To: crm.JSON(eventRequested)}, {Field: "pool_claim_id", To: crm.JSON(c.ID)}}))
	}
	c.Status = ClaimActive
	if err := s.assign(ctx, op, p, rec, ptr(p.UserID), now, eventClaimed); err != nil {
		return nil, err
	}
	if err := s.store.InsertPoolClaim(ctx, c); err != nil {
		return nil, err
	}
	c.setDue(pool)
	return c, s.scheduleRecycle(ctx, c, pool)
}

func lastPlus(t *time.Time, n int) *time.Time {
	if t == nil {
		return nil
	}
	return ptr(t.Add(days(n)))
}

// assign gives a pooled record a new owner (nil: back to the pool) and
// records it in the record's history with the pool event.
func (s *Service) assign(ctx context.Context, op string, p *crm.Principal, rec *pooled, to *int64, now time.Time, event string) error {
	switch rec.recordType {
	case RecordLead:
		next := *rec.lead
		next.OwnerID, next.UpdatedAt = to, now
		if err := s.store.UpdateLead(ctx, rec.lead, &next); err != nil {
			return err
		}
		changes, err := crm.Diff(rec.lead.view(), next.view())
		if err != nil {
			return err
		}
		rec.lead = &next
		return s.store.AppendAudit(ctx, audit(ctx, p, now, crm.ActionUpdate, RecordLead, rec.id,
			append(changes, crm.Change{Field: "pool", To: crm.JSON(event)})))
	default:
		ok, err := s.store.SetContactOwner(ctx, rec.id, rec.owner, to, now)
		if err != nil {
			return err
		}
		if !ok {
			return crm.E(op, crm.KindConflict, "not_in_pool").With("record_type", rec.recordType).With("record_id", rec.id)
		}
		changes := []crm.Change{{Field: "owner_id", From: jsonPtr(rec.owner), To: jsonPtr(to)}, {Field: "pool", To: crm.JSON(event)}}
		return s.store.AppendAudit(ctx, audit(ctx, p, now, crm.ActionUpdate, RecordContact, rec.id, changes))
	}
}

func jsonPtr(v *int64) []byte {
	if v == nil {
		return nil
	}
	return crm.JSON(*v)
}

// returnToPool takes a record's owner away, ends the claim on it and
// remembers whom it came back from, for the protection period.
func (s *Service) returnToPool(ctx context.Context, op string, p *crm.Principal, rec *pooled, reason string, now time.Time) error {
	from := *rec.owner
	event := eventReleased
	if reason == "recycled" {
		event = eventRecycled
	}
	if err := s.assign(ctx, op, p, rec, nil, now, event); err != nil {
		return err
	}
	if err := s.store.DeletePoolClaimOf(ctx, rec.recordType, rec.id); err != nil {
		return err
	}
	return s.store.AddPoolReturn(ctx, Return{RecordType: rec.recordType, RecordID: rec.id, UserID: from, Reason: reason, At: now})
}

// ownerChanged keeps the pool's books when a lead's owner changes by an
// edit: a claim ends; an owner taken away counts as a release.
func (s *Service) ownerChanged(ctx context.Context, recordType string, id int64, from, to *int64, now time.Time) error {
	if err := s.store.DeletePoolClaimOf(ctx, recordType, id); err != nil {
		return err
	}
	if from != nil && to == nil {
		return s.store.AddPoolReturn(ctx, Return{RecordType: recordType, RecordID: id, UserID: *from, Reason: "released", At: now})
	}
	return nil
}

// Release puts a record the actor may change back in its pool: the owner's
// claim ends, and they may not claim it again for the pool's protection
// days.
func (s *Service) Release(ctx context.Context, recordType string, id int64) error {
	const op = "lead.Release"
	p, err := crm.Writer(ctx, op)
	if err != nil {
		return err
	}
	if err := validRecordType(op, recordType); err != nil {
		return err
	}
	err = retryStale(0, func() error {
		return s.store.InTx(ctx, func(ctx context.Context) error {
			rec, err := s.loadPooled(ctx, op, p, recordType, id)
			if err != nil {
				return err
			}
			if rec.owner == nil {
				return crm.E(op, crm.KindConflict, "already_in_pool").With("record_type", recordType).With("record_id", id)
			}
			if !p.WritesRecord(rec.owner, rec.team) {
				return crm.Forbidden(op).With(recordType+"_id", id)
			}
			if !rec.open {
				return crm.E(op, crm.KindConflict, "lead_closed").With("status", rec.lead.Status)
			}
			return s.returnToPool(ctx, op, p, rec, "released", s.clock.Now())
		})
	})
	return crm.Wrap(op, err)
}

// ApproveClaim lets a pending claim through: the record becomes the
// claimer's. Admins, and the managers of the pool's team, decide; not on
// their own claims.
func (s *Service) ApproveClaim(ctx context.Context, id int64) (*Claim, error) {
	return s.decide(ctx, "lead.ApproveClaim", id, true)
}

// RejectClaim turns a pending claim down: the record stays in the pool.
func (s *Service) RejectClaim(ctx context.Context, id int64) (*Claim, error) {
	return s.decide(ctx, "lead.RejectClaim", id, false)
}

func (s *Service) decide(ctx context.Context, op string, id int64, approve bool) (*Claim, error) {
	p, err := crm.Writer(ctx, op)
	if err != nil {
		return nil, err
	}
	var out *Claim
	err = retryStale(0, func() error {
		return s.store.InTx(ctx, func(ctx context.Context) error {
			c, err := s.store.PoolClaim(ctx, id)
			if err != nil {
				return err
			}
			pool, err := s.store.LeadPool(ctx, c.PoolID)
			if err != nil {
				return err
			}
			if !canApprove(p, pool) {
				return crm.E(op, crm.KindForbidden, "claim_approvers_only")
			}
			if c.Status != ClaimPending {
				return crm.E(op, crm.KindConflict, "claim_not_pending").With("status", c.Status)
			}
			if c.UserID == p.UserID && !p.IsAdmin() {
				return crm.E(op, crm.KindForbidden, "own_claim")
			}
			now := s.clock.Now()
			c.DecidedBy, c.DecidedAt = p.ActorID(), &now
			if !approve {
				if err := s.store.DeletePoolClaim(ctx, id); err != nil {
					return err
				}
				c.Status, out = ClaimRejected, c
				return s.store.AppendAudit(ctx, audit(ctx, p, now, crm.ActionUpdate, c.RecordType, c.RecordID,
					[]crm.Change{{Field: "pool", To: crm.JSON(eventRejected)}, {Field: "pool_claim_id", To: crm.JSON(c.ID)}}))
			}
			rec, err := s.loadPooled(ctx, op, crm.System, c.RecordType, c.RecordID)
			if err != nil {
				return err
			}
			if rec.owner != nil || !rec.open {
				return notInPool(op, crm.System, rec)
			}
			if err := s.store.ActivatePoolClaim(ctx, id, c.DecidedBy, now); err != nil {
				return err
			}
			if err := s.assign(ctx, op, p, rec, ptr(c.UserID), now, eventApproved); err != nil {
				return err
			}
			// The claim runs from its approval.
			c.Status, c.ClaimedAt = ClaimActive, now
			c.setDue(pool)
			out = c
			return s.scheduleRecycle(ctx, c, pool)
		})
	})
	if err != nil {
		return nil, crm.Wrap(op, err)
	}
	return out, nil
}

// ListClaims lists claims, oldest first: admins see every claim, managers
// those of the pools they decide, and everyone their own (mine: only
// those). status narrows to active or pending ones.
func (s *Service) ListClaims(ctx context.Context, status string, mine bool) ([]*Claim, error) {
	const op = "lead.ListClaims"
	p, err := crm.Actor(ctx, op)
	if err != nil {
		return nil, err
	}
	if status != "" && status != ClaimActive && status != ClaimPending {
		var v crm.Violations
		v.Add("status", "not_one_of", "allowed", ClaimActive+", "+ClaimPending)
		return nil, v.Err(op)
	}
	pools, err := s.store.LeadPools(ctx)
	if err != nil {
		return nil, crm.Wrap(op, err)
	}
	byID := map[int64]*Pool{}
	for _, pl := range pools {
		byID[pl.ID] = pl
	}
	q := ClaimQuery{Status: status, Limit: 1000}
	switch {
	case mine || (!p.IsAdmin() && p.Role != crm.RoleManager):
		q.UserID = p.UserID
	case !p.IsAdmin():
		q.PoolIDs = []int64{}
		for _, pl := range pools {
			if canApprove(p, pl) {
				q.PoolIDs = append(q.PoolIDs, pl.ID)
			}
		}
	}
	list, err := s.store.PoolClaims(ctx, q)
	if err != nil {
		return nil, crm.Wrap(op, err)
	}
	if !mine && !p.IsAdmin() && p.Role == crm.RoleManager {
		// A manager's own claims in other pools come too.
		own, err := s.store.PoolClaims(ctx, ClaimQuery{Status: status, UserID: p.UserID, Limit: 1000})
		if err != nil {
			return nil, crm.Wrap(op, err)
		}
		seen := map[int64]bool{}
		for _, c := range list {
			seen[c.ID] = true
		}
		for _, c := range own {
			if !seen[c.ID] {
				list = append(list, c)
			}
		}
	}
	for _, c := range list {
		if pl := byID[c.PoolID]; pl != nil {
			c.setDue(pl)
		}
	}
	return list, nil
}

// NoteFollowUp records a follow-up activity on a lead or contact at at
// (clamped to now): an active claim on it runs its recycle days from
// there. Activities call it when one is logged, on any record: a record
// without an active claim, or of another type (a deal, a company), is left
// as it is.
func (s *Service) NoteFollowUp(ctx context.Context, recordType string, id int64, at time.Time) error {
	const op = "lead.NoteFollowUp"
	if _, err := crm.Actor(ctx, op); err != nil {
		return err
	}
	if recordType != RecordLead && recordType != RecordContact {
		return nil
	}
	if now := s.clock.Now(); at.IsZero() || at.After(now) {
		at = now
	}
	_, err := s.store.NotePoolFollowUp(ctx, recordType, id, crm.Truncate(at))
	return crm.Wrap(op, err)
}

// recycleBatch is how many claims one transaction of RecycleDue returns.
const recycleBatch = 100

// RecycleDue returns every active claim past its pool's recycle days
// without a follow-up to its pool, and reports how many. It runs as the
// scheduled job JobRecycle, as the system.
func (s *Service) RecycleDue(ctx context.Context) (int, error) {
	const op = "lead.RecycleDue"
	p, err := crm.Actor(ctx, op)
	if err != nil {
		return 0, err
	}
	if !p.IsAdmin() {
		return 0, crm.Forbidden(op)
	}
	pools, err := s.store.LeadPools(ctx)
	if err != nil {
		return 0, crm.Wrap(op, err)
	}
	n := 0
	for _, pool := range pools {
		if pool.RecycleDays <= 0 {
			continue
		}
		for {
			now := s.clock.Now()
			due, err := s.store.DuePoolClaims(ctx, pool.ID, now.Add(-days(pool.RecycleDays)), recycleBatch)
			if err != nil {
				return n, crm.Wrap(op, err)
			}
			done := 0
			err = s.store.InTx(ctx, func(ctx context.Context) error {
				for _, c := range due {
					rec, err := s.loadPooled(ctx, op, p, c.RecordType, c.RecordID)
					if crm.IsKind(err, crm.KindNotFound) || (err == nil && (rec.owner == nil || *rec.owner != c.UserID || !rec.open)) {
						// The record is gone, or no longer the claimer's.
						if err := s.store.DeletePoolClaim(ctx, c.ID); err != nil {
							return err
						}
						continue
					}
					if err != nil {
						return err
					}
					if err := s.returnToPool(ctx, op, p, rec, "recycled", now); err != nil {
						return err
					}
					done++
				}
				return nil
			})
			if err != nil {
				return n, crm.Wrap(op, err)
			}
			n += done
			if len(due) < recycleBatch {
				break
			}
		}
	}
	return n, nil
}

// RecyclePayload names the claim a JobRecycle job was enqueued for (none
// for the scheduled runs).
type RecyclePayload struct {
	RecordType string `json:"record_type,omitempty"`
	RecordID   int64  `json:"record_id,omitempty"`
}

// RunRecycle is the work of a JobRecycle job: RecycleDue, then, for the
// claim the job was enqueued for, a job at its new due time if a follow-up
// has moved it on.
func (s *Service) RunRecycle(ctx context.Context, payload RecyclePayload) (int, error) {
	n, err := s.RecycleDue(ctx)
	if err != nil || payload.RecordType == "" {
		return n, err
	}
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		c, err := s.store.PoolClaimOf(ctx, payload.RecordType, payload.RecordID)
		if crm.IsKind(err, crm.KindNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		pool, err := s.store.LeadPool(ctx, c.PoolID)
		if err != nil {
			return err
		}
		return s.scheduleRecycle(ctx, c, pool)
	})
	return n, crm.Wrap("lead.RunRecycle", err)
}

// scheduleRecycle enqueues the job that recycles an active claim when it
// falls due (once per due time).
func (s *Service) scheduleRecycle(ctx context.Context, c *Claim, pool *Pool) error {
	if s.jobs == nil || c.Status != ClaimActive || pool.RecycleDays <= 0 {
		return nil
	}
	due := c.lastTouch().Add(days(pool.RecycleDays))
	key := fmt.Sprintf("%s:%d@%d", c.RecordType, c.RecordID, due.UnixMicro())
	return s.jobs.Enqueue(ctx, JobRecycle, key, RecyclePayload{RecordType: c.RecordType, RecordID: c.RecordID}, due)
}

// collisions finds other reps' customers a pooled record matches.
func (s *Service) collisions(ctx context.Context, rec *pooled, userID int64) ([]Collision, error) {
	q := CollisionQuery{ExceptUser: userID}
	switch rec.recordType {
	case RecordLead:
		l := rec.lead
		q.ExceptLead = l.ID
		if l.Email != "" {
			q.Emails = []string{l.Email}
			if d := emailDomain(l.Email); d != "" {
				rules, err := s.rules(ctx)
				if err != nil {
					return nil, err
				}
				if !rules.freeMail(d) {
					q.Domains = []string{d}
				}
			}
		}
		if l.Phone != "" {
			q.Phones = []string{l.Phone}
		}
		if l.CompanyName != "" {
			q.CompanyNames = []string{strings.ToLower(l.CompanyName)}
		}
	case RecordContact:
		c := rec.contact
		q.ExceptContact = c.ID
		q.Emails, q.Phones, q.CompanyIDs = c.Emails, c.Phones, c.CompanyIDs
	}
	if len(q.Emails)+len(q.Phones)+len(q.CompanyNames)+len(q.Domains)+len(q.CompanyIDs) == 0 {
		return []Collision{}, nil
	}
	out, err := s.store.PoolCollisions(ctx, q)
	if out == nil {
		out = []Collision{}
	}
	return out, err
}

func emailDomain(email string) string {
	at := strings.LastIndexByte(email, '@')
	if at < 0 {
		return ""
	}
	return email[at+1:]
}
