package customer

import (
	"context"
	"fmt"

	"github.com/guanxi-crm/guanxi/internal/crm"
)

// CreateCompany creates one company.
func (s *Service) CreateCompany(ctx context.Context, f CompanyFields) (*Company, error) {
	results, err := s.CreateCompanies(ctx, []CompanyFields{f})
	if err != nil {
		return nil, err
	}
	if results[0].Err != nil {
		return nil, results[0].Err
	}
	return s.store.Company(ctx, results[0].ID)
}

// CreateCompanies creates a batch of companies; a record that fails
// validation is rejected on its own.
func (s *Service) CreateCompanies(ctx context.Context, inputs []CompanyFields) ([]BatchResult, error) {
	const op = "customer.CreateCompanies"
	p, err := crm.Writer(ctx, op)
	if err != nil {
		return nil, err
	}
	if len(inputs) > MaxBatch {
		return nil, crm.E(op, crm.KindTooLarge, "batch_too_large").With("max", MaxBatch)
	}
	defs, err := s.store.FieldDefs(ctx, RecordCompany)
	if err != nil {
		return nil, crm.Internal(op, err)
	}
	now := s.clock.Now()
	results := make([]BatchResult, len(inputs))
	violations := make([]crm.Violations, len(inputs))
	owners, teams := make([]**int64, len(inputs)), make([]**int64, len(inputs))
	for i := range inputs {
		f := &inputs[i]
		results[i].Index = i
		f.normalize(&violations[i], defs, true, s.region)
		owners[i], teams[i] = &f.OwnerID, &f.TeamID
	}
	if err := s.newOwnership(ctx, p, owners, teams, violations); err != nil {
		return nil, crm.Internal(op, err)
	}
	var batch []*Company
	var at []int
	for i := range inputs {
		if results[i].Err = violations[i].Err(op); results[i].Err == nil {
			batch = append(batch, &Company{CompanyFields: inputs[i], CreatedAt: now, UpdatedAt: now})
			at = append(at, i)
		}
	}
	if len(batch) == 0 {
		return results, nil
	}
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		if err := s.store.CreateCompanies(ctx, batch); err != nil {
			return err
		}
		ids, fields := make([]int64, len(batch)), make([]any, len(batch))
		for j, c := range batch {
			ids[j], fields[j] = c.ID, c.CompanyFields
			results[at[j]].ID, results[at[j]].Version = c.ID, c.Version
		}
		entries, err := s.createdEntries(ctx, p, now, RecordCompany, ids, fields)
		if err != nil {
			return err
		}
		return s.store.AppendAudit(ctx, entries...)
	})
	if err != nil {
		return nil, crm.Internal(op, err)
	}
	return results, nil
}

// GetCompany reads a company as the caller may see it.
func (s *Service) GetCompany(ctx context.Context, id int64) (*Company, error) {
	const op = "customer.GetCompany"
	p, err := crm.Actor(ctx, op)
	if err != nil {
		return nil, err
	}
	c, err := s.store.Company(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	return visibleCompany(p, c), nil
}

func visibleCompany(p *crm.Principal, c *Company) *Company {
	if p.ReadsRecord(c.OwnerID, c.TeamID) {
		return c
	}
	return c.BasicCard()
}

// ListCompanies lists companies matching a search and filters.
func (s *Service) ListCompanies(ctx context.Context, params ListParams) (crm.Page[*Company], error) {
	const op = "customer.ListCompanies"
	p, err := crm.Actor(ctx, op)
	if err != nil {
		return crm.Page[*Company]{}, err
	}
	defs, err := s.store.FieldDefs(ctx, RecordCompany)
	if err != nil {
		return crm.Page[*Company]{}, crm.Internal(op, err)
	}
	q, err := buildQuery(op, companyFields, defs, params, p.UserID, s.region)
	if err != nil {
		return crm.Page[*Company]{}, err
	}
	q.Scope = p.ReadScope()
	page, err := s.store.ListCompanies(ctx, q)
	if err != nil {
		return crm.Page[*Company]{}, fmt.Errorf("%s: %w", op, err)
	}
	for i, c := range page.Items {
		page.Items[i] = visibleCompany(p, c)
	}
	return page, nil
}

// UpdateCompany changes a company; see UpdateContact.
func (s *Service) UpdateCompany(ctx context.Context, id, ifVersion int64, apply func(*CompanyFields) error) (*Company, error) {
	const op = "customer.UpdateCompany"
	p, err := crm.Writer(ctx, op)
	if err != nil {
		return nil, err
	}
	defs, err := s.store.FieldDefs(ctx, RecordCompany)
	if err != nil {
		return nil, crm.Internal(op, err)
	}
	var out *Company
	err = retryStale(ifVersion, func() error {
		cur, err := writable(ctx, s.companyKind(), op, p, id, ifVersion)
		if err != nil {
			return err
		}
		next := clone(cur.CompanyFields)
		if err := apply(&next); err != nil {
			return err
		}
		var v crm.Violations
		next.normalize(&v, defs, false, s.region, cur.Custom)
		next.Tags = sameTags(cur.Tags, next.Tags)
		if err := s.checkChange(ctx, p, &v, defs, cur.Custom, next.Custom, cur.OwnerID, cur.TeamID, next.OwnerID, next.TeamID); err != nil {
			return err
		}
		if err := v.Err(op); err != nil {
			return err
		}
		changes, err := crm.Diff(cur.CompanyFields, next)
		if err != nil || len(changes) == 0 {
			out = cur
			return err
		}
		now := s.clock.Now()
		updated := *cur
		updated.CompanyFields, updated.UpdatedAt = next, now
		return s.store.InTx(ctx, func(ctx context.Context) error {
			if err := s.store.UpdateCompany(ctx, cur, &updated); err != nil {
				return err
			}
			out = &updated
			return s.store.AppendAudit(ctx, s.audit(ctx, p, now, crm.ActionUpdate, RecordCompany, id, changes))
		})
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	return out, nil
}

// DeleteCompany moves a company to the trash. Its people keep their
// positions.
func (s *Service) DeleteCompany(ctx context.Context, id, ifVersion int64) error {
	return moveToTrash(ctx, s, s.companyKind(), "customer.DeleteCompany", id, ifVersion)
}

// RestoreCompany takes a company out of the trash.
func (s *Service) RestoreCompany(ctx context.Context, id int64) (*Company, error) {
	return takeFromTrash(ctx, s, s.companyKind(), "customer.RestoreCompany", id)
}

// CompanyAudit lists the audit history of a company, newest first.
func (s *Service) CompanyAudit(ctx context.Context, id int64, cursor string, limit int) (crm.Page[crm.AuditEntry], error) {
	const op = "customer.CompanyAudit"
	p, err := crm.Actor(ctx, op)
	if err != nil {
		return crm.Page[crm.AuditEntry]{}, err
	}
	c, err := s.store.Company(ctx, id)
	if err != nil {
		return crm.Page[crm.AuditEntry]{}, fmt.Errorf("%s: %w", op, err)
	}
	if !p.ReadsRecord(c.OwnerID, c.TeamID) {
		return crm.Page[crm.AuditEntry]{}, crm.Forbidden(op)
	}
	return s.store.Audit(ctx, RecordCompany, []int64{id}, cursor, crm.ClampLimit(limit))
}
