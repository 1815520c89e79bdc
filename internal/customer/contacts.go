package customer

import (
	"context"
	"fmt"
	"slices"

	"github.com/guanxi-crm/guanxi/internal/crm"
)

// CreateContact creates one contact.
func (s *Service) CreateContact(ctx context.Context, f ContactFields, opt WriteOptions) (*Contact, error) {
	results, err := s.CreateContacts(ctx, []ContactFields{f}, opt)
	if err != nil {
		return nil, err
	}
	if results[0].Err != nil {
		return nil, results[0].Err
	}
	return s.store.Contact(ctx, results[0].ID)
}

// CreateContacts creates a batch of contacts. A record that fails validation,
// duplicates a live contact (or an earlier record of the batch) or names an
// unknown owner is rejected on its own; the others are created together in
// one transaction. The error is for the batch as a whole.
func (s *Service) CreateContacts(ctx context.Context, inputs []ContactFields, opt WriteOptions) ([]BatchResult, error) {
	const op = "customer.CreateContacts"
	p, err := crm.Writer(ctx, op)
	if err != nil {
		return nil, err
	}
	if len(inputs) > MaxBatch {
		return nil, crm.E(op, crm.KindTooLarge, "batch_too_large").With("max", MaxBatch)
	}
	defs, err := s.store.FieldDefs(ctx, RecordContact)
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
		stampConsent(&Consent{}, &f.Consent, now, opt.source())
		owners[i], teams[i] = &f.OwnerID, &f.TeamID
	}
	if err := s.newOwnership(ctx, p, owners, teams, violations); err != nil {
		return nil, crm.Internal(op, err)
	}
	for i := range inputs {
		results[i].Err = violations[i].Err(op)
	}

	err = s.store.InTx(ctx, func(ctx context.Context) error {
		var dupes map[int]error
		if !opt.AllowDuplicate {
			var err error
			if dupes, err = s.findDuplicateKeys(ctx, inputs, results); err != nil {
				return err
			}
		}
		var batch []*Contact
		var at []int
		for i := range inputs {
			if results[i].Err == nil && dupes[i] != nil {
				results[i].Err = dupes[i]
			}
			if results[i].Err != nil {
				continue
			}
			batch = append(batch, &Contact{ContactFields: inputs[i], CreatedAt: now, UpdatedAt: now})
			at = append(at, i)
		}
		if len(batch) == 0 {
			return nil
		}
		if err := s.store.CreateContacts(ctx, batch); err != nil {
			return err
		}
		ids, fields := make([]int64, len(batch)), make([]any, len(batch))
		for j, c := range batch {
			ids[j], fields[j] = c.ID, c.ContactFields
			results[at[j]].ID, results[at[j]].Version = c.ID, c.Version
		}
		entries, err := s.createdEntries(ctx, p, now, RecordContact, ids, fields)
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

// findDuplicateKeys reports, per input index, a Conflict for each record that
// shares an email or phone with a live contact or with an earlier valid record
// of the same batch.
func (s *Service) findDuplicateKeys(ctx context.Context, inputs []ContactFields, results []BatchResult) (map[int]error, error) {
	var keys []Key
	for i := range inputs {
		if results[i].Err == nil {
			keys = append(keys, inputs[i].Keys()...)
		}
	}
	if len(keys) == 0 {
		return nil, nil
	}
	if err := s.store.LockKeys(ctx, keys); err != nil {
		return nil, err
	}
	existing, err := s.store.ContactIDsByKey(ctx, keys)
	if err != nil {
		return nil, err
	}
	dupes := map[int]error{}
	firstInBatch := map[Key]int{}
	for i := range inputs {
		if results[i].Err != nil {
			continue
		}
		for _, k := range inputs[i].Keys() {
			if found := existing[k]; len(found) > 0 {
				dupes[i] = duplicateError(k, found[0])
				break
			}
			if j, ok := firstInBatch[k]; ok {
				dupes[i] = crm.E("customer.CreateContacts", crm.KindConflict, "duplicate_in_batch").
					With("field", string(k.Kind)).With("value", k.Value).With("index", j)
				break
			}
		}
		if dupes[i] == nil {
			for _, k := range inputs[i].Keys() {
				firstInBatch[k] = i
			}
		}
	}
	return dupes, nil
}

func duplicateError(k Key, existingID int64) error {
	return crm.E("customer.duplicate", crm.KindConflict, "duplicate_contact").
		With("field", string(k.Kind)).With("value", k.Value).With("existing_id", existingID)
}

// GetContact reads a contact as the caller may see it: whole, or its basic
// card. Deleted contacts are returned with deleted_at set.
func (s *Service) GetContact(ctx context.Context, id int64) (*Contact, error) {
	const op = "customer.GetContact"
	p, err := crm.Actor(ctx, op)
	if err != nil {
		return nil, err
	}
	c, err := s.store.Contact(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	return visibleContact(p, c), nil
}

func visibleContact(p *crm.Principal, c *Contact) *Contact {
	if p.ReadsRecord(c.OwnerID, c.TeamID) {
		return c
	}
	return c.BasicCard()
}

// ListContacts lists contacts matching a search and filters, a page at a
// time.
func (s *Service) ListContacts(ctx context.Context, params ListParams) (crm.Page[*Contact], error) {
	const op = "customer.ListContacts"
	p, err := crm.Actor(ctx, op)
	if err != nil {
		return crm.Page[*Contact]{}, err
	}
	defs, err := s.store.FieldDefs(ctx, RecordContact)
	if err != nil {
		return crm.Page[*Contact]{}, crm.Internal(op, err)
	}
	q, err := buildQuery(op, contactFields, defs, params, p.UserID, s.region)
	if err != nil {
		return crm.Page[*Contact]{}, err
	}
	q.Scope = p.ReadScope()
	page, err := s.store.ListContacts(ctx, q)
	if err != nil {
		return crm.Page[*Contact]{}, fmt.Errorf("%s: %w", op, err)
	}
	for i, c := range page.Items {
		page.Items[i] = visibleContact(p, c)
	}
	return page, nil
}

// UpdateContact changes a contact. apply edits a copy of the current fields;
// ifVersion, when not 0, must be the current version. A change that changes
// nothing saves nothing.
//
// The record is read and the change worked out before the write
// transaction, which then only writes, checking that the version read is
// still current: on SQLite, whose one writer serialises every write, that
// keeps each write short. When another writer got there first, an update
// without ifVersion starts over from the new state (apply runs again; it
// must not call the store), and one with ifVersion is refused as stale.
func (s *Service) UpdateContact(ctx context.Context, id, ifVersion int64, apply func(*ContactFields) error, opt WriteOptions) (*Contact, error) {
	const op = "customer.UpdateContact"
	p, err := crm.Writer(ctx, op)
	if err != nil {
		return nil, err
	}
	defs, err := s.store.FieldDefs(ctx, RecordContact)
	if err != nil {
		return nil, crm.Internal(op, err)
	}
	var out *Contact
	err = retryStale(ifVersion, func() error {
		cur, err := writable(ctx, s.contactKind(), op, p, id, ifVersion)
		if err != nil {
			return err
		}
		next := clone(cur.ContactFields)
		if err := apply(&next); err != nil {
			return err
		}
		followNames(&next, cur.ContactFields)
		var v crm.Violations
		next.normalize(&v, defs, false, s.region, cur.Custom)
		next.Tags = sameTags(cur.Tags, next.Tags)
		if err := s.checkChange(ctx, p, &v, defs, cur.Custom, next.Custom, cur.OwnerID, cur.TeamID, next.OwnerID, next.TeamID); err != nil {
			return err
		}
		if err := v.Err(op); err != nil {
			return err
		}
		now := s.clock.Now()
		stampConsent(&cur.Consent, &next.Consent, now, opt.source())
		changes, err := crm.Diff(cur.ContactFields, next)
		if err != nil {
			return err
		}
		if len(changes) == 0 {
			out = cur
			return nil
		}
		updated := *cur
		updated.ContactFields, updated.UpdatedAt = next, now
		return s.store.InTx(ctx, func(ctx context.Context) error {
			if !opt.AllowDuplicate {
				if err := s.checkNewKeys(ctx, id, cur.Keys(), next.Keys()); err != nil {
					return err
				}
			}
			if err := s.store.UpdateContact(ctx, cur, &updated); err != nil {
				return err
			}
			out = &updated
			return s.store.AppendAudit(ctx, s.audit(ctx, p, now, crm.ActionUpdate, RecordContact, id, changes))
		})
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	return out, nil
}

// checkOwnerAndTeam verifies that a changed owner or team exists.
func (s *Service) checkOwnerAndTeam(ctx context.Context, v *crm.Violations, oldOwner, oldTeam, owner, team *int64) error {
	var owners, teams []int64
	if owner != nil && (oldOwner == nil || *oldOwner != *owner) {
		owners = append(owners, *owner)
	}
	if team != nil && (oldTeam == nil || *oldTeam != *team) {
		teams = append(teams, *team)
	}
	missingUsers, missingTeams, err := crm.MissingOwners(ctx, s.store, owners, teams)
	if err != nil {
		return err
	}
	referenceViolations(v, owner, team, missingUsers, missingTeams)
	return nil
}

// keepRequired stops an update from clearing a required custom field that
// had a value.
func keepRequired(v *crm.Violations, defs []FieldDef, before, after map[string]any) {
	for _, d := range defs {
		if _, had := before[d.Key]; had && d.Required {
			if _, has := after[d.Key]; !has {
				v.Add("custom."+d.Key, "required")
			}
		}
	}
}

// checkNewKeys refuses an email or phone added to contact id that another
// live contact already has.
func (s *Service) checkNewKeys(ctx context.Context, id int64, old, next []Key) error {
	var added []Key
	for _, k := range next {
		if !slices.Contains(old, k) {
			added = append(added, k)
		}
	}
	if len(added) == 0 {
		return nil
	}
	if err := s.store.LockKeys(ctx, added); err != nil {
		return err
	}
	found, err := s.store.ContactIDsByKey(ctx, added)
	if err != nil {
		return err
	}
	for _, k := range added {
		for _, other := range found[k] {
			if other != id {
				return duplicateError(k, other)
			}
		}
	}
	return nil
}

// DeleteContact moves a contact to the trash, where it stays restorable for
// TrashRetention. Deleting a deleted contact does nothing.
func (s *Service) DeleteContact(ctx context.Context, id, ifVersion int64) error {
	return moveToTrash(ctx, s, s.contactKind(), "customer.DeleteContact", id, ifVersion)
}

// RestoreContact takes a contact out of the trash (not one merged into
// another).
func (s *Service) RestoreContact(ctx context.Context, id int64) (*Contact, error) {
	return takeFromTrash(ctx, s, s.contactKind(), "customer.RestoreContact", id)
}

// PurgeContact erases a contact for a right-to-erasure request: the record,
// the contacts merged into it, their positions, tags and search entries, and
// the field values in their audit history. Only admins (and the CLI) may.
// What stays is an audit entry saying that the contact was purged and why.
func (s *Service) PurgeContact(ctx context.Context, id int64, reason string) error {
	const op = "customer.PurgeContact"
	p, err := crm.Actor(ctx, op)
	if err != nil {
		return err
	}
	if !p.IsAdmin() {
		return crm.Forbidden(op)
	}
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		if _, err := s.store.Contact(ctx, id); err != nil {
			return err
		}
		_, err := s.purgeContacts(ctx, p, []int64{id}, reason)
		return err
	})
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	return nil
}

// purgeContacts erases contacts with those merged into them and reports how
// many it erased.
func (s *Service) purgeContacts(ctx context.Context, p *crm.Principal, roots []int64, reason string) (int, error) {
	all := slices.Clone(roots)
	for _, id := range roots {
		merged, err := s.store.MergedInto(ctx, id)
		if err != nil {
			return 0, err
		}
		all = append(all, merged...)
	}
	if err := s.store.PurgeContacts(ctx, all); err != nil {
		return 0, err
	}
	now := s.clock.Now()
	var changes []crm.Change
	if reason != "" {
		changes = []crm.Change{{Field: "reason", To: crm.JSON(reason)}}
	}
	entries := make([]crm.AuditEntry, len(all))
	for i, id := range all {
		entries[i] = s.audit(ctx, p, now, crm.ActionPurge, RecordContact, id, changes)
	}
	return len(all), s.store.AppendAudit(ctx, entries...)
}

// ContactAudit lists the audit history of a contact and of the contacts
// merged into it, newest first.
func (s *Service) ContactAudit(ctx context.Context, id int64, cursor string, limit int) (crm.Page[crm.AuditEntry], error) {
	const op = "customer.ContactAudit"
	p, err := crm.Actor(ctx, op)
	if err != nil {
		return crm.Page[crm.AuditEntry]{}, err
	}
	c, err := s.store.Contact(ctx, id)
	if err != nil {
		return crm.Page[crm.AuditEntry]{}, fmt.Errorf("%s: %w", op, err)
	}
	if !p.ReadsRecord(c.OwnerID, c.TeamID) {
		return crm.Page[crm.AuditEntry]{}, crm.Forbidden(op)
	}
	merged, err := s.store.MergedInto(ctx, id)
	if err != nil {
		return crm.Page[crm.AuditEntry]{}, crm.Internal(op, err)
	}
	return s.store.Audit(ctx, RecordContact, append([]int64{id}, merged...), cursor, crm.ClampLimit(limit))
}

// followNames clears a display name that was derived from the names and is
// left as it was, so that normalize derives it again from the names as they
// are now: a derived display name follows the names, unless a change sets
// one of its own.
func followNames(next *ContactFields, cur ContactFields) {
	if next.DisplayName == cur.DisplayName && cur.DisplayName == DeriveDisplayName(cur.FamilyName, cur.GivenName) {
		next.DisplayName = ""
	}
}
