package customer

import (
	"context"
	"fmt"
	"slices"

	"github.com/guanxi-crm/guanxi/internal/crm"
)

// What package sales asks of the customer database: may the actor name these
// contacts and companies on a deal?

// ReadableContacts checks that the actor may read each contact in full and
// that it is live: for each refused id, NotFound (unknown, deleted or
// merged) or Forbidden.
func (s *Service) ReadableContacts(ctx context.Context, ids []int64) (map[int64]error, error) {
	const op = "customer.ReadableContacts"
	p, err := crm.Actor(ctx, op)
	if err != nil {
		return nil, err
	}
	ids = slices.Compact(slices.Sorted(slices.Values(ids)))
	cs, err := s.store.Contacts(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	found := make(map[int64]*Contact, len(cs))
	for _, c := range cs {
		found[c.ID] = c
	}
	refused := map[int64]error{}
	for _, id := range ids {
		switch c := found[id]; {
		case c == nil || c.DeletedAt != nil:
			refused[id] = crm.NotFound(op, "contact", id)
		case !p.ReadsRecord(c.OwnerID, c.TeamID):
			refused[id] = crm.Forbidden(op).With("contact_id", id)
		}
	}
	return refused, nil
}

// ReadableCompanies checks that the actor may read each company in full and
// that it is live: for each refused id, NotFound or Forbidden.
func (s *Service) ReadableCompanies(ctx context.Context, ids []int64) (map[int64]error, error) {
	const op = "customer.ReadableCompanies"
	p, err := crm.Actor(ctx, op)
	if err != nil {
		return nil, err
	}
	refused := map[int64]error{}
	for _, id := range slices.Compact(slices.Sorted(slices.Values(ids))) {
		c, err := s.store.Company(ctx, id)
		switch {
		case crm.IsKind(err, crm.KindNotFound):
			refused[id] = crm.NotFound(op, "company", id)
		case err != nil:
			return nil, fmt.Errorf("%s: %w", op, err)
		case c.DeletedAt != nil:
			refused[id] = crm.NotFound(op, "company", id)
		case !p.ReadsRecord(c.OwnerID, c.TeamID):
			refused[id] = crm.Forbidden(op).With("company_id", id)
		}
	}
	return refused, nil
}
