package customer

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/guanxi-crm/guanxi/internal/crm"
)

// Changes to positions are recorded in the audit history of the contact who
// holds them, as fields "positions[<id>]" (created or deleted) and
// "positions[<id>].<field>" (changed), so a customer's history reads whole.

// CreatePosition records that a contact works at a company.
func (s *Service) CreatePosition(ctx context.Context, f PositionFields) (*Position, error) {
	const op = "customer.CreatePosition"
	p, err := crm.Writer(ctx, op)
	if err != nil {
		return nil, err
	}
	var out *Position
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		if err := s.checkPosition(ctx, op, p, &f, 0); err != nil {
			return err
		}
		now := s.clock.Now()
		pos := &Position{PositionFields: f, CreatedAt: now, UpdatedAt: now}
		if err := s.store.CreatePosition(ctx, pos); err != nil {
			return err
		}
		to, err := json.Marshal(pos.PositionFields)
		if err != nil {
			return err
		}
		out = pos
		return s.store.AppendAudit(ctx, s.audit(ctx, p, now, crm.ActionUpdate, RecordContact, f.ContactID,
			[]crm.Change{{Field: positionField(pos.ID, ""), To: to}}))
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	return s.store.Position(ctx, out.ID)
}

func positionField(id int64, field string) string {
	if field == "" {
		return fmt.Sprintf("positions[%d]", id)
	}
	return fmt.Sprintf("positions[%d].%s", id, field)
}

// checkPosition validates a position: the contact must be one the principal
// may change, the company must exist, and the person it reports to must hold
// a position at the same company without the chain coming back round.
func (s *Service) checkPosition(ctx context.Context, op string, p *crm.Principal, f *PositionFields, selfID int64) error {
	var v crm.Violations
	f.normalize(&v)
	if err := v.Err(op); err != nil {
		return err
	}
	contact, err := s.store.Contact(ctx, f.ContactID)
	if crm.IsKind(err, crm.KindNotFound) || (err == nil && contact.DeletedAt != nil) {
		v.Add("contact_id", "unknown_contact", "id", f.ContactID)
		return v.Err(op)
	}
	if err != nil {
		return err
	}
	if !p.WritesRecord(contact.OwnerID, contact.TeamID) {
		return crm.Forbidden(op)
	}
	company, err := s.store.Company(ctx, f.CompanyID)
	if crm.IsKind(err, crm.KindNotFound) || (err == nil && company.DeletedAt != nil) {
		v.Add("company_id", "unknown_company", "id", f.CompanyID)
		return v.Err(op)
	}
	if err != nil {
		return err
	}
	if f.ReportsToID == nil {
		return nil
	}
	colleagues, err := s.store.Positions(ctx, 0, f.CompanyID)
	if err != nil {
		return err
	}
	// managerOf maps each person at the company to whom they report.
	managerOf := map[int64]int64{}
	atCompany := map[int64]bool{}
	for _, c := range colleagues {
		if c.ID == selfID {
			continue
		}
		atCompany[c.ContactID] = true
		if c.ReportsToID != nil {
			managerOf[c.ContactID] = *c.ReportsToID
		}
	}
	if !atCompany[*f.ReportsToID] {
		v.Add("reports_to_id", "reports_to_not_at_company", "id", *f.ReportsToID)
		return v.Err(op)
	}
	seen := map[int64]bool{}
	for m := *f.ReportsToID; m != 0 && !seen[m]; m = managerOf[m] {
		if m == f.ContactID {
			v.Add("reports_to_id", "reports_to_cycle")
			return v.Err(op)
		}
		seen[m] = true
	}
	return nil
}

// GetPosition reads a position.
func (s *Service) GetPosition(ctx context.Context, id int64) (*Position, error) {
	const op = "customer.GetPosition"
	if _, err := crm.Actor(ctx, op); err != nil {
		return nil, err
	}
	pos, err := s.store.Position(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	return pos, nil
}

// UpdatePosition changes a position; its contact and company stay fixed.
func (s *Service) UpdatePosition(ctx context.Context, id, ifVersion int64, apply func(*PositionFields) error) (*Position, error) {
	const op = "customer.UpdatePosition"
	p, err := crm.Writer(ctx, op)
	if err != nil {
		return nil, err
	}
	var out *Position
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		cur, err := s.store.Position(ctx, id)
		if err != nil {
			return err
		}
		if ifVersion != 0 && cur.Version != ifVersion {
			return crm.Stale(op, cur.Version)
		}
		next := clone(cur.PositionFields)
		if err := apply(&next); err != nil {
			return err
		}
		var v crm.Violations
		if next.ContactID != cur.ContactID {
			v.Add("contact_id", "immutable")
		}
		if next.CompanyID != cur.CompanyID {
			v.Add("company_id", "immutable")
		}
		if err := v.Err(op); err != nil {
			return err
		}
		if err := s.checkPosition(ctx, op, p, &next, id); err != nil {
			return err
		}
		changes, err := crm.Diff(cur.PositionFields, next)
		if err != nil || len(changes) == 0 {
			out = cur
			return err
		}
		now := s.clock.Now()
		updated := *cur
		updated.PositionFields, updated.UpdatedAt = next, now
		if err := s.store.UpdatePosition(ctx, cur, &updated); err != nil {
			return err
		}
		for i := range changes {
			changes[i].Field = positionField(id, changes[i].Field)
		}
		out = &updated
		return s.store.AppendAudit(ctx, s.audit(ctx, p, now, crm.ActionUpdate, RecordContact, cur.ContactID, changes))
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	return out, nil
}

// DeletePosition removes a position (to keep it as history, set its status
// to past instead). People who reported to the holder there keep their
// positions, without a manager.
func (s *Service) DeletePosition(ctx context.Context, id int64) error {
	const op = "customer.DeletePosition"
	p, err := crm.Writer(ctx, op)
	if err != nil {
		return err
	}
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		cur, err := s.store.Position(ctx, id)
		if err != nil {
			return err
		}
		contact, err := s.store.Contact(ctx, cur.ContactID)
		if err != nil {
			return err
		}
		if !p.WritesRecord(contact.OwnerID, contact.TeamID) {
			return crm.Forbidden(op)
		}
		if err := s.store.DeletePosition(ctx, id); err != nil {
			return err
		}
		from, err := json.Marshal(cur.PositionFields)
		if err != nil {
			return err
		}
		now := s.clock.Now()
		entries := []crm.AuditEntry{s.audit(ctx, p, now, crm.ActionUpdate, RecordContact, cur.ContactID,
			[]crm.Change{{Field: positionField(id, ""), From: from}})}
		// Those who reported to the holder there lose their manager, unless
		// the holder keeps another position at the company; a reports-to
		// outside the company would also fail every later check.
		colleagues, err := s.store.Positions(ctx, 0, cur.CompanyID)
		if err != nil {
			return err
		}
		if slices.ContainsFunc(colleagues, func(o *Position) bool { return o.ContactID == cur.ContactID }) {
			colleagues = nil
		}
		for _, o := range colleagues {
			if o.ReportsToID == nil || *o.ReportsToID != cur.ContactID {
				continue
			}
			next := *o
			next.ReportsToID, next.UpdatedAt = nil, now
			if err := s.store.UpdatePosition(ctx, o, &next); err != nil {
				return err
			}
			entries = append(entries, s.audit(ctx, p, now, crm.ActionUpdate, RecordContact, o.ContactID,
				[]crm.Change{{Field: positionField(o.ID, "reports_to_id"), From: crm.JSON(cur.ContactID)}}))
		}
		return s.store.AppendAudit(ctx, entries...)
	})
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	return nil
}

// ContactPositions lists a contact's positions, current first.
func (s *Service) ContactPositions(ctx context.Context, contactID int64) ([]*Position, error) {
	return s.positions(ctx, "customer.ContactPositions", contactID, 0)
}

// CompanyPositions lists the people of a company with their roles: the
// buying organisation.
func (s *Service) CompanyPositions(ctx context.Context, companyID int64) ([]*Position, error) {
	return s.positions(ctx, "customer.CompanyPositions", 0, companyID)
}

func (s *Service) positions(ctx context.Context, op string, contactID, companyID int64) ([]*Position, error) {
	if _, err := crm.Actor(ctx, op); err != nil {
		return nil, err
	}
	var err error
	if contactID != 0 {
		_, err = s.store.Contact(ctx, contactID)
	} else {
		_, err = s.store.Company(ctx, companyID)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	list, err := s.store.Positions(ctx, contactID, companyID)
	if err != nil {
		return nil, crm.Internal(op, err)
	}
	return list, nil
}
