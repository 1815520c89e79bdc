package customer

import (
	"context"
	"fmt"

	"github.com/guanxi-crm/guanxi/internal/crm"
)

// RecordFieldDef is the audit record type of custom field definitions.
const RecordFieldDef = "custom_field"

// ListFieldDefs lists the custom fields of a record type ("" for all).
func (s *Service) ListFieldDefs(ctx context.Context, recordType string) ([]FieldDef, error) {
	const op = "customer.ListFieldDefs"
	if _, err := crm.Actor(ctx, op); err != nil {
		return nil, err
	}
	if recordType != "" && recordType != RecordContact && recordType != RecordCompany {
		var v crm.Violations
		v.Add("record_type", "not_one_of", "allowed", RecordContact+", "+RecordCompany)
		return nil, v.Err(op)
	}
	defs, err := s.store.FieldDefs(ctx, recordType)
	if err != nil {
		return nil, crm.Internal(op, err)
	}
	return defs, nil
}

// GetFieldDef reads one custom field definition.
func (s *Service) GetFieldDef(ctx context.Context, id int64) (*FieldDef, error) {
	const op = "customer.GetFieldDef"
	if _, err := crm.Actor(ctx, op); err != nil {
		return nil, err
	}
	d, err := s.store.FieldDef(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	return d, nil
}

func admin(ctx context.Context, op string) (*crm.Principal, error) {
	p, err := crm.Actor(ctx, op)
	if err != nil {
		return nil, err
	}
	if !p.IsAdmin() {
		return nil, crm.Forbidden(op)
	}
	return p, nil
}

// CreateFieldDef defines a custom field. Admins only.
func (s *Service) CreateFieldDef(ctx context.Context, f FieldDefFields) (*FieldDef, error) {
	const op = "customer.CreateFieldDef"
	p, err := admin(ctx, op)
	if err != nil {
		return nil, err
	}
	var v crm.Violations
	f.validate(&v)
	if err := v.Err(op); err != nil {
		return nil, err
	}
	now := s.clock.Now()
	d := &FieldDef{FieldDefFields: f, CreatedAt: now, UpdatedAt: now}
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		if err := s.store.CreateFieldDef(ctx, d); err != nil {
			return err
		}
		changes, err := crm.Diff(nil, d.FieldDefFields)
		if err != nil {
			return err
		}
		return s.store.AppendAudit(ctx, s.audit(ctx, p, now, crm.ActionCreate, RecordFieldDef, d.ID, changes))
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	return d, nil
}

// UpdateFieldDef changes a custom field's label, options, required flag or
// position; its record type, key, type and currency stay fixed.
func (s *Service) UpdateFieldDef(ctx context.Context, id, ifVersion int64, apply func(*FieldDefFields) error) (*FieldDef, error) {
	const op = "customer.UpdateFieldDef"
	p, err := admin(ctx, op)
	if err != nil {
		return nil, err
	}
	var out *FieldDef
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		cur, err := s.store.FieldDef(ctx, id)
		if err != nil {
			return err
		}
		if ifVersion != 0 && cur.Version != ifVersion {
			return crm.Stale(op, cur.Version)
		}
		next := clone(cur.FieldDefFields)
		if err := apply(&next); err != nil {
			return err
		}
		var v crm.Violations
		for field, changed := range map[string]bool{
			"record_type": next.RecordType != cur.RecordType,
			"key":         next.Key != cur.Key,
			"type":        next.Type != cur.Type,
			"currency":    next.Currency != cur.Currency,
		} {
			if changed {
				v.Add(field, "immutable")
			}
		}
		next.validate(&v)
		if err := v.Err(op); err != nil {
			return err
		}
		changes, err := crm.Diff(cur.FieldDefFields, next)
		if err != nil || len(changes) == 0 {
			out = cur
			return err
		}
		now := s.clock.Now()
		updated := *cur
		updated.FieldDefFields, updated.UpdatedAt = next, now
		if err := s.store.UpdateFieldDef(ctx, cur, &updated); err != nil {
			return err
		}
		out = &updated
		return s.store.AppendAudit(ctx, s.audit(ctx, p, now, crm.ActionUpdate, RecordFieldDef, id, changes))
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	return out, nil
}

// DeleteFieldDef removes a custom field and its values from every record.
func (s *Service) DeleteFieldDef(ctx context.Context, id int64) error {
	const op = "customer.DeleteFieldDef"
	p, err := admin(ctx, op)
	if err != nil {
		return err
	}
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		cur, err := s.store.FieldDef(ctx, id)
		if err != nil {
			return err
		}
		if err := s.store.DeleteFieldDef(ctx, cur); err != nil {
			return err
		}
		return s.store.AppendAudit(ctx, s.audit(ctx, p, s.clock.Now(), crm.ActionDelete, RecordFieldDef, id, nil))
	})
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	return nil
}
