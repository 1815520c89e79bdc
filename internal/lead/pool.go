package lead

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/guanxi-crm/guanxi/internal/crm"
)

// Collision policies: what a pool does with a claim that collides with
// another rep's customer.
const (
	PolicyRefuse  = "refuse"  // refuse it (409 claim_collision)
	PolicyApprove = "approve" // hold it for a manager's approval
)

// Limits of a pool's settings.
const (
	maxCap  = 100_000
	maxDays = 3650
)

// PoolFields are a pool's settings.
type PoolFields struct {
	Name            string `json:"name" required:"false" maxLength:"100" doc:"Required on create"`
	ClaimCap        int    `json:"claim_cap" required:"false" minimum:"0" maximum:"100000" doc:"Most records a rep may hold claimed from this pool at once (pending claims count); 0: no cap"`
	RecycleDays     int    `json:"recycle_days" required:"false" minimum:"0" maximum:"3650" doc:"A claimed record without a follow-up activity for this many days goes back to the pool; 0: never"`
	ProtectionDays  int    `json:"protection_days" required:"false" minimum:"0" maximum:"3650" doc:"Days after a record went back to the pool before the same rep may claim it again; 0: at once"`
	CollisionPolicy string `json:"collision_policy" required:"false" enum:"refuse,approve," doc:"A claim of a record matching another rep's customer (email, phone, company) is refused (default) or waits for a manager's approval"`
}

// PoolInput is a new pool: a team's.
type PoolInput struct {
	PoolFields
	TeamID int64 `json:"team_id" minimum:"1" doc:"The team whose pool it is (one per team); records of the team without an owner sit in it"`
}

// Pool is where records without an owner wait to be claimed: a team's, or
// the default pool (no team) for the rest.
type Pool struct {
	ID      int64 `json:"id"`
	Version int64 `json:"version"`
	PoolFields
	TeamID    *int64    `json:"team_id" doc:"null for the default pool"`
	Default   bool      `json:"default" doc:"The pool of records whose team has no pool of its own"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

func (f *PoolFields) normalize(v *crm.Violations) {
	f.Name = crm.CleanText(v, "name", f.Name, 100)
	if f.Name == "" {
		v.Add("name", "required")
	}
	if f.ClaimCap < 0 || f.ClaimCap > maxCap {
		v.Add("claim_cap", "out_of_range", "min", 0, "max", maxCap)
	}
	if f.RecycleDays < 0 || f.RecycleDays > maxDays {
		v.Add("recycle_days", "out_of_range", "min", 0, "max", maxDays)
	}
	if f.ProtectionDays < 0 || f.ProtectionDays > maxDays {
		v.Add("protection_days", "out_of_range", "min", 0, "max", maxDays)
	}
	if f.CollisionPolicy == "" {
		f.CollisionPolicy = PolicyRefuse
	}
	if f.CollisionPolicy != PolicyRefuse && f.CollisionPolicy != PolicyApprove {
		v.Add("collision_policy", "not_one_of", "allowed", PolicyRefuse+", "+PolicyApprove)
	}
}

// Claim statuses.
const (
	ClaimActive   = "active"
	ClaimPending  = "pending"  // waiting for a manager's approval
	ClaimRejected = "rejected" // answered by RejectClaim; not stored
)

// Collision is another rep's record that a claimed one matches.
type Collision struct {
	RecordType string `json:"record_type" enum:"lead,contact,company"`
	RecordID   int64  `json:"record_id"`
	OwnerID    int64  `json:"owner_id" doc:"The rep who has it"`
	Field      string `json:"field" enum:"email,phone,company" doc:"What matched"`
}

// Claim is a rep's hold on a record of a pool.
type Claim struct {
	ID           int64       `json:"id"`
	RecordType   string      `json:"record_type" enum:"lead,contact"`
	RecordID     int64       `json:"record_id"`
	PoolID       int64       `json:"pool_id"`
	UserID       int64       `json:"user_id" doc:"The rep who claimed it"`
	Status       string      `json:"status" enum:"active,pending,rejected"`
	ClaimedAt    time.Time   `json:"claimed_at" doc:"When it was claimed (or, pending, asked for)"`
	FollowedUpAt *time.Time  `json:"followed_up_at,omitempty" doc:"The last follow-up activity"`
	DueAt        *time.Time  `json:"due_at,omitempty" doc:"When it goes back to the pool without a follow-up (active claims of pools that recycle)"`
	Collisions   []Collision `json:"collisions" nullable:"false" doc:"Other reps' customers the record matches"`
	DecidedBy    *int64      `json:"decided_by,omitempty" doc:"The manager who approved or rejected it"`
	DecidedAt    *time.Time  `json:"decided_at,omitempty"`
}

// setDue works out when an active claim falls due in its pool.
func (c *Claim) setDue(p *Pool) {
	c.DueAt = nil
	if c.Status == ClaimActive && p.RecycleDays > 0 {
		c.DueAt = ptr(c.lastTouch().Add(days(p.RecycleDays)))
	}
}

// lastTouch is when the claim was last worked: its last follow-up, or its
// start.
func (c *Claim) lastTouch() time.Time {
	if c.FollowedUpAt != nil && c.FollowedUpAt.After(c.ClaimedAt) {
		return *c.FollowedUpAt
	}
	return c.ClaimedAt
}

func days(n int) time.Duration { return time.Duration(n) * 24 * time.Hour }

// Return records a record going back to a pool from a rep.
type Return struct {
	RecordType string
	RecordID   int64
	UserID     int64
	Reason     string // "released" or "recycled"
	At         time.Time
}

// PoolContact is what a pool shows of a contact without an owner, and what
// claiming one needs: who it is, not how to reach them.
type PoolContact struct {
	ID             int64     `json:"id"`
	DisplayName    string    `json:"display_name"`
	LifecycleStage string    `json:"lifecycle_stage"`
	Companies      []string  `json:"companies" nullable:"false" doc:"Names of the companies the contact works at"`
	TeamID         *int64    `json:"team_id"`
	OwnerID        *int64    `json:"owner_id"`
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`
	// Emails, Phones (keys) and CompanyIDs find collisions; Live is false
	// for a deleted or merged contact.
	Emails     []string `json:"-"`
	Phones     []string `json:"-"`
	CompanyIDs []int64  `json:"-"`
	Live       bool     `json:"-"`
}

// PoolQuery selects the records of a pool, newest first.
type PoolQuery struct {
	Pool *Pool
	// TeamPools lists the teams that have a pool of their own (the default
	// pool holds the records of the other teams).
	TeamPools []int64
	Cursor    string
	Limit     int
}

// CollisionQuery finds other reps' records that match a claimed one.
type CollisionQuery struct {
	Emails, Phones, CompanyNames, Domains []string
	CompanyIDs                            []int64
	// ExceptUser is the claimer, whose own records do not collide.
	ExceptUser int64
	// ExceptLead and ExceptContact are the claimed record.
	ExceptLead, ExceptContact int64
}

// ClaimQuery selects claims, oldest first.
type ClaimQuery struct {
	Status  string
	UserID  int64
	PoolIDs []int64 // nil: every pool
	Limit   int
}

// PoolStore is what pools need from persistence.
type PoolStore interface {
	CreateLeadPool(ctx context.Context, p *Pool) error
	LeadPool(ctx context.Context, id int64) (*Pool, error)
	// LeadPools lists every pool, the default one first.
	LeadPools(ctx context.Context) ([]*Pool, error)
	UpdateLeadPool(ctx context.Context, old, next *Pool) error
	// DeleteLeadPool deletes a pool; its leads fall to their team's or the
	// default pool, its claims end.
	DeleteLeadPool(ctx context.Context, id int64) error

	// PoolLeads lists a pool's open leads without an owner.
	PoolLeads(ctx context.Context, q PoolQuery) (crm.Page[*Lead], error)
	// PoolContacts lists a pool's live contacts without an owner.
	PoolContacts(ctx context.Context, q PoolQuery) (crm.Page[*PoolContact], error)
	// PoolContact reads what a pool needs of a contact.
	PoolContact(ctx context.Context, id int64) (*PoolContact, error)
	// SetContactOwner gives a contact a new owner if its owner is still
	// from, bumping its version; false when the owner had changed.
	SetContactOwner(ctx context.Context, id int64, from, to *int64, at time.Time) (bool, error)

	// LockPoolClaimant serialises, until the end of the transaction, the
	// claims of one user (their count against the cap).
	LockPoolClaimant(ctx context.Context, userID int64) error
	// PoolClaimOf reads the claim on a record (NotFound when it has none).
	PoolClaimOf(ctx context.Context, recordType string, recordID int64) (*Claim, error)
	PoolClaim(ctx context.Context, id int64) (*Claim, error)
	PoolClaims(ctx context.Context, q ClaimQuery) ([]*Claim, error)
	// CountPoolClaims counts a user's claims, active and pending, in a pool.
	CountPoolClaims(ctx context.Context, poolID, userID int64) (int64, error)
	// InsertPoolClaim stores a claim, setting its ID; Conflict when the record
	// has one already.
	InsertPoolClaim(ctx context.Context, c *Claim) error
	// ActivatePoolClaim makes a pending claim active.
	ActivatePoolClaim(ctx context.Context, id int64, decidedBy *int64, at time.Time) error
	DeletePoolClaim(ctx context.Context, id int64) error
	DeletePoolClaimOf(ctx context.Context, recordType string, recordID int64) error
	// NotePoolFollowUp moves the last follow-up of the active claim on a record
	// forward to at; false when the record has no active claim.
	NotePoolFollowUp(ctx context.Context, recordType string, recordID int64, at time.Time) (bool, error)
	// DuePoolClaims lists up to limit active claims of a pool last worked at or
	// before t.
	DuePoolClaims(ctx context.Context, poolID int64, t time.Time, limit int) ([]*Claim, error)
	// LastPoolReturn is when a record last went back to a pool from a user
	// (nil: never).
	LastPoolReturn(ctx context.Context, recordType string, recordID, userID int64) (*time.Time, error)
	AddPoolReturn(ctx context.Context, r Return) error
	// PoolCollisions finds other reps' leads, contacts and companies that
	// match.
	PoolCollisions(ctx context.Context, q CollisionQuery) ([]Collision, error)
}

// canUsePool reports whether p may see a pool's records (and, if they may
// write at all, claim them): admins and viewers see every pool, the others
// the default pool and their teams'.
func canUsePool(p *crm.Principal, pool *Pool) bool {
	switch {
	case p.IsAdmin(), p.Role == crm.RoleViewer:
		return true
	case pool.TeamID == nil:
		return true
	}
	return p.InTeam(*pool.TeamID)
}

// canApprove reports whether p may decide a pool's pending claims: admins,
// and the managers of the pool's team (any manager, for the default pool).
func canApprove(p *crm.Principal, pool *Pool) bool {
	switch {
	case p.IsAdmin():
		return true
	case p.Role != crm.RoleManager:
		return false
	case pool.TeamID == nil:
		return true
	}
	return p.InTeam(*pool.TeamID)
}

// poolsByID reads every pool by id.
func (s *Service) poolsByID(ctx context.Context) (map[int64]*Pool, error) {
	list, err := s.store.LeadPools(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[int64]*Pool, len(list))
	for _, p := range list {
		out[p.ID] = p
	}
	return out, nil
}

// poolFor is the pool of a record: the one it names, else its team's, else
// the default pool.
func poolFor(pools []*Pool, poolID, teamID *int64) *Pool {
	var def *Pool
	for _, p := range pools {
		if poolID != nil && p.ID == *poolID {
			return p
		}
		if p.Default && def == nil {
			def = p
		}
	}
	if teamID != nil {
		for _, p := range pools {
			if p.TeamID != nil && *p.TeamID == *teamID {
				return p
			}
		}
	}
	return def
}

func (s *Service) poolOfLead(ctx context.Context, l *Lead) (*Pool, error) {
	pools, err := s.store.LeadPools(ctx)
	if err != nil {
		return nil, err
	}
	return poolFor(pools, l.PoolID, l.TeamID), nil
}

// ListPools lists every pool, the default one first.
func (s *Service) ListPools(ctx context.Context) ([]*Pool, error) {
	const op = "lead.ListPools"
	if _, err := crm.Actor(ctx, op); err != nil {
		return nil, err
	}
	pools, err := s.store.LeadPools(ctx)
	return pools, crm.Wrap(op, err)
}

// GetPool reads a pool.
func (s *Service) GetPool(ctx context.Context, id int64) (*Pool, error) {
	const op = "lead.GetPool"
	if _, err := crm.Actor(ctx, op); err != nil {
		return nil, err
	}
	p, err := s.store.LeadPool(ctx, id)
	return p, crm.Wrap(op, err)
}

// CreatePool makes a team's pool. Admins only.
func (s *Service) CreatePool(ctx context.Context, in PoolInput) (*Pool, error) {
	const op = "lead.CreatePool"
	p, err := admin(ctx, op, "pools_admins_only")
	if err != nil {
		return nil, err
	}
	var v crm.Violations
	in.normalize(&v)
	if in.TeamID < 1 {
		v.Add("team_id", "required")
	} else if missing, err := s.store.MissingTeams(ctx, []int64{in.TeamID}); err != nil {
		return nil, crm.Wrap(op, err)
	} else if len(missing) > 0 {
		v.Add("team_id", "unknown_team", "id", in.TeamID)
	}
	if err := v.Err(op); err != nil {
		return nil, err
	}
	now := s.clock.Now()
	pool := &Pool{PoolFields: in.PoolFields, TeamID: ptr(in.TeamID), CreatedAt: now, UpdatedAt: now}
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		pools, err := s.store.LeadPools(ctx)
		if err != nil {
			return err
		}
		for _, other := range pools {
			if other.TeamID != nil && *other.TeamID == in.TeamID {
				return crm.E(op, crm.KindConflict, "team_has_pool").With("pool_id", other.ID)
			}
		}
		if err := s.store.CreateLeadPool(ctx, pool); err != nil {
			return err
		}
		changes, err := crm.Diff(nil, pool)
		if err != nil {
			return err
		}
		return s.store.AppendAudit(ctx, audit(ctx, p, now, crm.ActionCreate, RecordPool, pool.ID, changes))
	})
	if err != nil {
		return nil, crm.Wrap(op, err)
	}
	return pool, nil
}

// UpdatePool changes a pool's settings. Admins only. ifVersion 0 skips the
// version check.
func (s *Service) UpdatePool(ctx context.Context, id, ifVersion int64, apply func(*PoolFields) error) (*Pool, error) {
	const op = "lead.UpdatePool"
	p, err := admin(ctx, op, "pools_admins_only")
	if err != nil {
		return nil, err
	}
	var out *Pool
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		old, err := s.store.LeadPool(ctx, id)
		if err != nil {
			return err
		}
		if ifVersion != 0 && old.Version != ifVersion {
			return crm.Stale(op, old.Version)
		}
		f := old.PoolFields
		if err := apply(&f); err != nil {
			return err
		}
		var v crm.Violations
		f.normalize(&v)
		if err := v.Err(op); err != nil {
			return err
		}
		next := *old
		next.PoolFields, next.UpdatedAt = f, s.clock.Now()
		changes, err := crm.Diff(old.PoolFields, next.PoolFields)
		if err != nil {
			return err
		}
		if len(changes) == 0 {
			out = old
			return nil
		}
		if err := s.store.UpdateLeadPool(ctx, old, &next); err != nil {
			return err
		}
		out = &next
		return s.store.AppendAudit(ctx, audit(ctx, p, next.UpdatedAt, crm.ActionUpdate, RecordPool, id, changes))
	})
	if err != nil {
		return nil, crm.Wrap(op, err)
	}
	return out, nil
}

// DeletePool deletes a team's pool: its records fall to the default pool,
// and its claims end (the records stay with their reps). The default pool
// stays. Admins only.
func (s *Service) DeletePool(ctx context.Context, id int64) error {
	const op = "lead.DeletePool"
	p, err := admin(ctx, op, "pools_admins_only")
	if err != nil {
		return err
	}
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		pool, err := s.store.LeadPool(ctx, id)
		if err != nil {
			return err
		}
		if pool.Default {
			return crm.E(op, crm.KindConflict, "default_pool_kept")
		}
		if err := s.store.DeleteLeadPool(ctx, id); err != nil {
			return err
		}
		return s.store.AppendAudit(ctx, audit(ctx, p, s.clock.Now(), crm.ActionDelete, RecordPool, id, nil))
	})
	return crm.Wrap(op, err)
}

// usablePool reads a pool the actor may see the records of.
func (s *Service) usablePool(ctx context.Context, op string, p *crm.Principal, id int64) (*Pool, []*Pool, error) {
	pools, err := s.store.LeadPools(ctx)
	if err != nil {
		return nil, nil, err
	}
	i := slices.IndexFunc(pools, func(x *Pool) bool { return x.ID == id })
	if i < 0 {
		return nil, nil, crm.NotFound(op, "pool", id)
	}
	if !canUsePool(p, pools[i]) {
		return nil, nil, crm.E(op, crm.KindForbidden, "not_your_pool").With("pool_id", id)
	}
	return pools[i], pools, nil
}

func teamPools(pools []*Pool) []int64 {
	var out []int64
	for _, p := range pools {
		if p.TeamID != nil {
			out = append(out, *p.TeamID)
		}
	}
	return out
}

// ListPoolLeads lists the open leads without an owner in a pool, newest
// first: the default pool and their teams' to reps, every pool to admins
// and viewers.
func (s *Service) ListPoolLeads(ctx context.Context, poolID int64, cursor string, limit int) (crm.Page[*Lead], error) {
	const op = "lead.ListPoolLeads"
	p, err := crm.Actor(ctx, op)
	if err != nil {
		return crm.Page[*Lead]{}, err
	}
	pool, pools, err := s.usablePool(ctx, op, p, poolID)
	if err != nil {
		return crm.Page[*Lead]{}, crm.Wrap(op, err)
	}
	page, err := s.store.PoolLeads(ctx, PoolQuery{Pool: pool, TeamPools: teamPools(pools), Cursor: cursor, Limit: crm.ClampLimit(limit)})
	return page, crm.Wrap(op, err)
}

// ListPoolContacts lists the live contacts without an owner in a pool,
// newest first, as their pool card (who, not how to reach them).
func (s *Service) ListPoolContacts(ctx context.Context, poolID int64, cursor string, limit int) (crm.Page[*PoolContact], error) {
	const op = "lead.ListPoolContacts"
	p, err := crm.Actor(ctx, op)
	if err != nil {
		return crm.Page[*PoolContact]{}, err
	}
	pool, pools, err := s.usablePool(ctx, op, p, poolID)
	if err != nil {
		return crm.Page[*PoolContact]{}, crm.Wrap(op, err)
	}
	page, err := s.store.PoolContacts(ctx, PoolQuery{Pool: pool, TeamPools: teamPools(pools), Cursor: cursor, Limit: crm.ClampLimit(limit)})
	return page, crm.Wrap(op, err)
}

// validRecordType checks the type of a pooled record.
func validRecordType(op, recordType string) error {
	if recordType != RecordLead && recordType != RecordContact {
		var v crm.Violations
		v.Add("record_type", "not_one_of", "allowed", strings.Join([]string{RecordLead, RecordContact}, ", "))
		return v.Err(op)
	}
	return nil
}
