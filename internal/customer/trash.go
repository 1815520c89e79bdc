package customer

import (
	"context"

	"github.com/guanxi-crm/guanxi/internal/crm"
)

// PurgeExpired erases contacts and companies that have been in the trash for
// longer than TrashRetention, a batch at a time, and reports how many it
// erased. Merged contacts stay (they carry the merge history) until the
// contact they were merged into is purged.
func (s *Service) PurgeExpired(ctx context.Context) (int, error) {
	const op = "customer.PurgeExpired"
	p, err := admin(ctx, op)
	if err != nil {
		return 0, err
	}
	before := s.clock.Now().Add(-TrashRetention)
	total := 0
	for {
		var n int
		err := s.store.InTx(ctx, func(ctx context.Context) error {
			contacts, err := s.store.ExpiredContacts(ctx, before, 500)
			if err != nil {
				return err
			}
			purged, err := s.purgeContacts(ctx, p, contacts, "trash retention expired")
			if err != nil {
				return err
			}
			companies, err := s.store.ExpiredCompanies(ctx, before, 500)
			if err != nil {
				return err
			}
			if err := s.store.PurgeCompanies(ctx, companies); err != nil {
				return err
			}
			now := s.clock.Now()
			entries := make([]crm.AuditEntry, len(companies))
			for i, id := range companies {
				entries[i] = s.audit(ctx, p, now, crm.ActionPurge, RecordCompany, id,
					[]crm.Change{{Field: "reason", To: crm.JSON("trash retention expired")}})
			}
			n = purged + len(companies)
			return s.store.AppendAudit(ctx, entries...)
		})
		if err != nil {
			return total, crm.Internal(op, err)
		}
		total += n
		if n == 0 {
			return total, nil
		}
	}
}
