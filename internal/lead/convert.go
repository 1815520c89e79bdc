package lead

import (
	"context"

	"github.com/guanxi-crm/guanxi/internal/crm"
)

// ConvertInput says what converting a lead makes. By default: a contact
// from the lead's name, email and phone, and a company from its company
// name (the contact working there); a deal when one is asked for.
type ConvertInput struct {
	ContactID *int64       `json:"contact_id,omitempty" doc:"Convert into this existing contact (one you may change) instead of making one"`
	CompanyID *int64       `json:"company_id,omitempty" doc:"Use this existing company (one you may read) instead of making one"`
	NoCompany bool         `json:"no_company,omitempty" doc:"Make no company, even though the lead names one"`
	Deal      *ConvertDeal `json:"deal,omitempty" doc:"Open a deal for the contact and company; absent: no deal"`
}

// ConvertDeal is the deal a conversion opens.
type ConvertDeal struct {
	Name            string `json:"name,omitempty" maxLength:"200" doc:"Default: the company name, else the lead's name"`
	Amount          int64  `json:"amount,omitempty" minimum:"0" doc:"Minor units of the database's currency"`
	PipelineID      int64  `json:"pipeline_id,omitempty" minimum:"0" doc:"Default: the first pipeline"`
	StageID         int64  `json:"stage_id,omitempty" minimum:"0" doc:"Default: the pipeline's first stage"`
	ExpectedCloseOn string `json:"expected_close_on,omitempty" doc:"YYYY-MM-DD"`
	NextStep        string `json:"next_step,omitempty" maxLength:"500"`
}

// Conversion is what converting a lead made.
type Conversion struct {
	Lead           *Lead  `json:"lead"`
	ContactID      int64  `json:"contact_id"`
	CompanyID      *int64 `json:"company_id,omitempty"`
	DealID         *int64 `json:"deal_id,omitempty"`
	CreatedContact bool   `json:"created_contact" doc:"False when the lead was converted into an existing contact"`
	CreatedCompany bool   `json:"created_company"`
}

// Convert turns a lead into a contact, a company and a deal in one
// transaction: all of them or none. The new records belong to the lead's
// owner (the actor, for a lead in a pool) and each has an audit entry
// "convert" naming the lead; the lead becomes converted, with their ids,
// and leaves its pool. A contact whose email or phone another contact has is
// refused (409 duplicate_contact, naming it): convert into that one with
// contact_id. A disqualified lead is qualified first; a converted one stays.
func (s *Service) Convert(ctx context.Context, id, ifVersion int64, in ConvertInput) (*Conversion, error) {
	const op = "lead.Convert"
	p, err := crm.Writer(ctx, op)
	if err != nil {
		return nil, err
	}
	var out *Conversion
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		old, err := s.writableLead(ctx, op, p, id, ifVersion)
		if err != nil {
			return err
		}
		switch old.Status {
		case StatusConverted:
			return crm.E(op, crm.KindConflict, "lead_converted").With("lead_id", id)
		case StatusDisqualified:
			return crm.E(op, crm.KindConflict, "lead_disqualified").With("lead_id", id)
		}
		owner, team := old.OwnerID, old.TeamID
		if owner == nil {
			p.DefaultOwnership(&owner, &team)
		}
		now := s.clock.Now()
		conv := &Conversion{}
		var entries []crm.AuditEntry
		made := func(recordType string, id int64) {
			entries = append(entries, audit(ctx, p, now, crm.ActionConvert, recordType, id, leadIDField(old.ID)))
		}

		// The contact.
		if in.ContactID != nil {
			live, err := s.customers.WritableContact(ctx, *in.ContactID)
			if err != nil {
				return refError(op, err, "contact_id", "unknown_contact", *in.ContactID)
			}
			conv.ContactID = live
		} else {
			cid, err := s.customers.CreateContact(ctx, NewContact{Name: old.Name, Email: old.Email, Phone: old.Phone, OwnerID: owner, TeamID: team})
			if err != nil {
				return errPrefix(err, "contact.")
			}
			conv.ContactID, conv.CreatedContact = cid, true
		}
		made(RecordContact, conv.ContactID)

		// The company, and the contact's position there.
		switch {
		case in.CompanyID != nil:
			if err := s.customers.ReadableCompany(ctx, *in.CompanyID); err != nil {
				return refError(op, err, "company_id", "unknown_company", *in.CompanyID)
			}
			conv.CompanyID = in.CompanyID
		case old.CompanyName != "" && !in.NoCompany:
			domain := emailDomain(old.Email)
			rules, err := s.rules(ctx)
			if err != nil {
				return err
			}
			if domain != "" && rules.freeMail(domain) {
				domain = ""
			}
			cid, err := s.customers.CreateCompany(ctx, NewCompany{Name: old.CompanyName, Size: old.CompanySize, Domain: domain, OwnerID: owner, TeamID: team})
			if err != nil {
				return errPrefix(err, "company.")
			}
			conv.CompanyID, conv.CreatedCompany = &cid, true
		}
		if conv.CompanyID != nil {
			made(RecordCompany, *conv.CompanyID)
			if conv.CreatedContact || conv.CreatedCompany {
				if err := s.customers.AddPosition(ctx, conv.ContactID, *conv.CompanyID, old.Title); err != nil {
					return errPrefix(err, "position.")
				}
			}
		}

		// The deal.
		if d := in.Deal; d != nil {
			name := d.Name
			if name == "" {
				name = old.CompanyName
			}
			if name == "" {
				name = old.Name
			}
			did, err := s.deals.CreateDeal(ctx, NewDeal{Name: name, Amount: d.Amount, PipelineID: d.PipelineID, StageID: d.StageID,
				ExpectedCloseOn: d.ExpectedCloseOn, NextStep: d.NextStep, OwnerID: owner, TeamID: team, CompanyID: conv.CompanyID,
				ContactID: conv.ContactID})
			if err != nil {
				return errPrefix(err, "deal.")
			}
			conv.DealID = &did
			made(RecordDeal, did)
		}

		// The lead.
		next := *old
		next.Status, next.ConvertedAt, next.UpdatedAt = StatusConverted, &now, now
		next.ContactID, next.CompanyID, next.DealID = &conv.ContactID, conv.CompanyID, conv.DealID
		if next.OwnerID == nil {
			next.OwnerID, next.TeamID = owner, team
		}
		if err := s.store.UpdateLead(ctx, old, &next); err != nil {
			return err
		}
		if err := s.store.DeletePoolClaimOf(ctx, RecordLead, id); err != nil {
			return err
		}
		changes, err := crm.Diff(old.view(), next.view())
		if err != nil {
			return err
		}
		entries = append(entries, audit(ctx, p, now, crm.ActionConvert, RecordLead, id, changes))
		conv.Lead = &next
		out = conv
		return s.store.AppendAudit(ctx, entries...)
	})
	if err != nil {
		return nil, crm.Wrap(op, err)
	}
	return out, nil
}

// refError turns the refusal of a record a conversion names into the
// error: a field violation for one that does not exist, else as it is.
func refError(op string, err error, field, code string, id int64) error {
	if crm.IsKind(err, crm.KindNotFound) {
		var v crm.Violations
		v.Add(field, code, "id", id)
		return v.Err(op)
	}
	return err
}
