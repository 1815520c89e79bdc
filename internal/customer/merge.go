package customer

import (
	"context"
	"fmt"
	"slices"

	"github.com/guanxi-crm/guanxi/internal/crm"
)

// MergeContacts merges contact other into contact id. The survivor keeps its
// own values and gains what it lacked from the other: names, address and
// birthday where empty, every email, phone, anniversary and tag, custom values
// it did not have, and per channel the most recent consent. Positions and
// other records of the merged contact move to the survivor; the merged
// contact stays as a tombstone pointing to the survivor, and the audit
// history of both stays readable from the survivor. ifVersion, when not 0,
// must be the survivor's current version.
func (s *Service) MergeContacts(ctx context.Context, id, other, ifVersion int64) (*Contact, error) {
	return s.MergeContactsChoosing(ctx, id, other, ifVersion, nil)
}

// MergeContactsChoosing merges as MergeContacts does, then lets choose
// change the surviving fields (next, already filled from the merged record)
// knowing both records as they are in the transaction, before the result is
// checked and saved: the merge screen's "keep the other record's value",
// in the same transaction as the merge.
func (s *Service) MergeContactsChoosing(ctx context.Context, id, other, ifVersion int64,
	choose func(next *ContactFields, survivor, merged ContactFields) error) (*Contact, error) {
	const op = "customer.MergeContacts"
	p, err := crm.Writer(ctx, op)
	if err != nil {
		return nil, err
	}
	if id == other {
		var v crm.Violations
		v.Add("contact_id", "merge_with_self")
		return nil, v.Err(op)
	}
	defs, err := s.store.FieldDefs(ctx, RecordContact)
	if err != nil {
		return nil, crm.Internal(op, err)
	}
	var out *Contact
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		survivor, err := writable(ctx, s.contactKind(), op, p, id, ifVersion)
		if err != nil {
			return err
		}
		merged, err := writable(ctx, s.contactKind(), op, p, other, 0)
		if err != nil {
			return err
		}
		next := mergeFields(clone(survivor.ContactFields), merged.ContactFields)
		if choose != nil {
			if err := choose(&next, clone(survivor.ContactFields), clone(merged.ContactFields)); err != nil {
				return err
			}
			followNames(&next, survivor.ContactFields)
		}
		var v crm.Violations
		next.normalize(&v, defs, false, s.region, survivor.Custom, merged.Custom)
		if err := v.Err(op); err != nil {
			return err
		}
		now := s.clock.Now()
		changes, err := crm.Diff(survivor.ContactFields, next)
		if err != nil {
			return err
		}
		updated := *survivor
		updated.ContactFields, updated.UpdatedAt = next, now
		if err := s.store.UpdateContact(ctx, survivor, &updated); err != nil {
			return err
		}
		if err := s.store.MoveContactRecords(ctx, other, id, now); err != nil {
			return err
		}
		changes = append(changes, crm.Change{Field: "merged_contact_id", To: crm.JSON(other)})
		out = &updated
		return s.store.AppendAudit(ctx,
			s.audit(ctx, p, now, crm.ActionMerge, RecordContact, id, changes),
			s.audit(ctx, p, now, crm.ActionMerge, RecordContact, other,
				[]crm.Change{{Field: "merged_into_id", To: crm.JSON(id)}}))
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	// Positions moved: read the survivor again for its company list.
	return s.store.Contact(ctx, out.ID)
}

// mergeFields fills the gaps of a with b.
func mergeFields(a, b ContactFields) ContactFields {
	fill := func(dst *string, src string) {
		if *dst == "" {
			*dst = src
		}
	}
	fill(&a.FamilyName, b.FamilyName)
	fill(&a.GivenName, b.GivenName)
	if a.DisplayName == "" {
		a.DisplayName = b.DisplayName
	}
	if a.Address == (Address{}) {
		a.Address = b.Address
	}
	fill(&a.Birthday, b.Birthday)
	if a.Gender == "" {
		a.Gender = b.Gender
	}
	fill(&a.PreferredLanguage, b.PreferredLanguage)
	if a.OwnerID == nil {
		a.OwnerID = b.OwnerID
	}
	if a.TeamID == nil {
		a.TeamID = b.TeamID
	}
	if slices.Index(Stages, b.LifecycleStage) > slices.Index(Stages, a.LifecycleStage) && b.LifecycleStage != StageLapsed {
		a.LifecycleStage = b.LifecycleStage // the further stage of the relationship
	}
	for _, e := range b.Emails {
		if !slices.ContainsFunc(a.Emails, func(x Email) bool { return x.Address == e.Address }) {
			a.Emails = append(a.Emails, e)
		}
	}
	for _, ph := range b.Phones {
		if !slices.ContainsFunc(a.Phones, func(x Phone) bool { return x.Number == ph.Number && x.Ext == ph.Ext }) {
			a.Phones = append(a.Phones, ph)
		}
	}
	for _, an := range b.Anniversaries {
		if !slices.Contains(a.Anniversaries, an) {
			a.Anniversaries = append(a.Anniversaries, an)
		}
	}
	a.Tags = append(a.Tags, b.Tags...) // normalize removes repeats
	if a.Custom == nil {
		a.Custom = map[string]any{}
	}
	for k, v := range b.Custom {
		if _, ok := a.Custom[k]; !ok {
			a.Custom[k] = v
		}
	}
	ac, bc := a.Consent.channels(), b.Consent.channels()
	for name, c := range ac {
		o := bc[name]
		if o.Status != ConsentUnknown && (c.Status == ConsentUnknown || (o.At != nil && (c.At == nil || o.At.After(*c.At)))) {
			*c = *o
		}
	}
	return a
}
