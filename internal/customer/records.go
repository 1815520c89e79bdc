package customer

import (
	"context"
	"fmt"
	"time"

	"github.com/guanxi-crm/guanxi/internal/crm"
)

// Contacts and companies are both owned records: an owner and a team who may
// change them, a version for optimistic concurrency, a place in the trash.
// The rules for those live here, once, for both.

// record is a *Contact or a *Company.
type record[R any] interface {
	Ownership() (owner, team *int64)
	trashState() trashState
	// trashed returns a copy moved into the trash at at, or out of it (at
	// nil), changed at now.
	trashed(at *time.Time, now time.Time) R
}

type trashState struct {
	id, version int64
	deletedAt   *time.Time
	mergedInto  *int64
}

func (c *Contact) trashState() trashState {
	return trashState{c.ID, c.Version, c.DeletedAt, c.MergedIntoID}
}

func (c *Contact) trashed(at *time.Time, now time.Time) *Contact {
	next := *c
	next.DeletedAt, next.UpdatedAt = at, now
	return &next
}

func (c *Company) trashState() trashState { return trashState{c.ID, c.Version, c.DeletedAt, nil} }

func (c *Company) trashed(at *time.Time, now time.Time) *Company {
	next := *c
	next.DeletedAt, next.UpdatedAt = at, now
	return &next
}

// recordKind binds a record type to its store.
type recordKind[R record[R]] struct {
	name   string // audit record type
	get    func(context.Context, int64) (R, error)
	update func(ctx context.Context, old, next R) error
}

func (s *Service) contactKind() recordKind[*Contact] {
	return recordKind[*Contact]{RecordContact, s.store.Contact, s.store.UpdateContact}
}

func (s *Service) companyKind() recordKind[*Company] {
	return recordKind[*Company]{RecordCompany, s.store.Company, s.store.UpdateCompany}
}

// writable loads a live record the principal may change, checking the
// expected version (0: any).
func writable[R record[R]](ctx context.Context, k recordKind[R], op string, p *crm.Principal, id, ifVersion int64) (R, error) {
	cur, err := k.get(ctx, id)
	if err != nil {
		return cur, err
	}
	owner, team := cur.Ownership()
	st := cur.trashState()
	switch {
	case !p.WritesRecord(owner, team):
		return cur, crm.Forbidden(op)
	case ifVersion != 0 && st.version != ifVersion:
		return cur, crm.Stale(op, st.version)
	case st.deletedAt != nil:
		return cur, crm.E(op, crm.KindConflict, "record_deleted").With("id", id)
	}
	return cur, nil
}

// maxUpdateAttempts bounds how often an update starts over because another
// writer changed the record between its read and its write.
const maxUpdateAttempts = 5

// retryStale runs an update that reads outside its write transaction, again
// when another writer changed the record meanwhile (Stale) — unless the
// caller named the version it read (ifVersion), which is then refused.
func retryStale(ifVersion int64, attempt func() error) error {
	for i := 1; ; i++ {
		err := attempt()
		if ifVersion != 0 || i == maxUpdateAttempts || !crm.IsKind(err, crm.KindStale) {
			return err
		}
	}
}

// moveToTrash soft-deletes a record; deleting a deleted record does nothing.
func moveToTrash[R record[R]](ctx context.Context, s *Service, k recordKind[R], op string, id, ifVersion int64) error {
	p, err := crm.Writer(ctx, op)
	if err != nil {
		return err
	}
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		cur, err := writable(ctx, k, op, p, id, ifVersion)
		if crm.IsKind(err, crm.KindConflict) {
			return nil // already in the trash
		}
		if err != nil {
			return err
		}
		now := s.clock.Now()
		if err := k.update(ctx, cur, cur.trashed(&now, now)); err != nil {
			return err
		}
		return s.store.AppendAudit(ctx, s.audit(ctx, p, now, crm.ActionDelete, k.name, id, nil))
	})
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	return nil
}

// takeFromTrash restores a soft-deleted record within TrashRetention.
func takeFromTrash[R record[R]](ctx context.Context, s *Service, k recordKind[R], op string, id int64) (R, error) {
	var out R
	p, err := crm.Writer(ctx, op)
	if err != nil {
		return out, err
	}
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		cur, err := k.get(ctx, id)
		if err != nil {
			return err
		}
		if owner, team := cur.Ownership(); !p.WritesRecord(owner, team) {
			return crm.Forbidden(op)
		}
		now := s.clock.Now()
		st := cur.trashState()
		switch {
		case st.deletedAt == nil:
			return crm.E(op, crm.KindConflict, "not_deleted")
		case st.mergedInto != nil:
			return crm.E(op, crm.KindConflict, "record_merged").With("merged_into_id", *st.mergedInto)
		case now.Sub(*st.deletedAt) > TrashRetention:
			return crm.E(op, crm.KindConflict, "restore_window_passed").With("days", int(TrashRetention.Hours()/24))
		}
		out = cur.trashed(nil, now)
		if err := k.update(ctx, cur, out); err != nil {
			return err
		}
		return s.store.AppendAudit(ctx, s.audit(ctx, p, now, crm.ActionRestore, k.name, id, nil))
	})
	if err != nil {
		return out, fmt.Errorf("%s: %w", op, err)
	}
	return out, nil
}

// newOwnership gives new records their default owner and team (the creator
// and their only team) and records a violation where the creator may not
// assign the team, or the owner or team does not exist. owners[i] and
// teams[i] point at record i's fields.
func (s *Service) newOwnership(ctx context.Context, p *crm.Principal, owners, teams []**int64, violations []crm.Violations) error {
	var ownerIDs, teamIDs []int64
	for i := range owners {
		p.DefaultOwnership(owners[i], teams[i])
		p.CheckAssignment(&violations[i], nil, *teams[i])
		ownerIDs = append(ownerIDs, ids(*owners[i])...)
		teamIDs = append(teamIDs, ids(*teams[i])...)
	}
	missingUsers, missingTeams, err := crm.MissingOwners(ctx, s.store, ownerIDs, teamIDs)
	if err != nil {
		return err
	}
	for i := range owners {
		referenceViolations(&violations[i], *owners[i], *teams[i], missingUsers, missingTeams)
	}
	return nil
}

// checkChange applies the rules every update of a contact or company passes:
// a required custom field keeps its value, a new team is one the principal
// may assign, and a new owner or team exists.
func (s *Service) checkChange(ctx context.Context, p *crm.Principal, v *crm.Violations, defs []FieldDef, before, after map[string]any, oldOwner, oldTeam, owner, team *int64) error {
	keepRequired(v, defs, before, after)
	p.CheckAssignment(v, oldTeam, team)
	return s.checkOwnerAndTeam(ctx, v, oldOwner, oldTeam, owner, team)
}

// createdEntries are the audit entries of new records: every field they were
// created with.
func (s *Service) createdEntries(ctx context.Context, p *crm.Principal, at time.Time, recordType string, ids []int64, fields []any) ([]crm.AuditEntry, error) {
	entries := make([]crm.AuditEntry, len(ids))
	for i, id := range ids {
		changes, err := crm.Diff(nil, fields[i])
		if err != nil {
			return nil, err
		}
		entries[i] = s.audit(ctx, p, at, crm.ActionCreate, recordType, id, changes)
	}
	return entries, nil
}
