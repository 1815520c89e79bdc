package lead

import (
	"context"
	"encoding/json"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/guanxi-crm/guanxi/internal/crm"
)

// Limits of a lead's free-form parts.
const (
	maxCustomKeys  = 50
	maxCustomValue = 1000
	maxNotes       = 5000
)

var customKey = regexp.MustCompile(`^[a-z][a-z0-9_]{0,39}$`)

// normalize trims and checks the fields: the email lower-cased, the phone
// in E.164, a name from the email or phone when there is none.
func (f *LeadFields) normalize(v *crm.Violations, region string) {
	f.Name = crm.CleanText(v, "name", f.Name, 200)
	f.CompanyName = crm.CleanText(v, "company_name", f.CompanyName, 200)
	f.Title = crm.CleanText(v, "title", f.Title, 200)
	f.Email = strings.TrimSpace(f.Email)
	if f.Email != "" {
		e, code := crm.NormalizeEmail(f.Email)
		if code != "" {
			v.Add("email", code)
		}
		f.Email = e
	}
	f.Phone = strings.TrimSpace(f.Phone)
	if f.Phone != "" {
		e164, ext, code := crm.NormalizePhone(f.Phone, region)
		switch {
		case code != "":
			v.Add("phone", code)
		case ext != "":
			f.Phone = e164 + ";ext=" + ext
		default:
			f.Phone = e164
		}
	}
	if f.CompanySize != "" && !slices.Contains(CompanySizes, f.CompanySize) {
		v.Add("company_size", "not_one_of", "allowed", strings.Join(CompanySizes, ", "))
	}
	f.Source = crm.CleanText(v, "source", f.Source, 100)
	f.UTMSource = crm.CleanText(v, "utm_source", f.UTMSource, 200)
	f.UTMMedium = crm.CleanText(v, "utm_medium", f.UTMMedium, 200)
	f.UTMCampaign = crm.CleanText(v, "utm_campaign", f.UTMCampaign, 200)
	f.UTMTerm = crm.CleanText(v, "utm_term", f.UTMTerm, 200)
	f.UTMContent = crm.CleanText(v, "utm_content", f.UTMContent, 200)
	f.Notes = strings.TrimSpace(f.Notes)
	switch {
	case !crm.ValidText(f.Notes):
		v.Add("notes", crm.CodeInvalidText)
	case len([]rune(f.Notes)) > maxNotes:
		v.Add("notes", "too_long", "max", maxNotes)
	}
	f.Custom = cleanCustom(v, f.Custom)
	if f.Name == "" {
		f.Name = f.Email
	}
	if f.Name == "" {
		f.Name = f.Phone
	}
	if f.Name == "" {
		v.Add("name", "name_or_contact_required")
	}
}

// cleanCustom checks the custom values: keys of lower-case letters, digits
// and _, values strings, numbers or booleans.
func cleanCustom(v *crm.Violations, custom map[string]any) map[string]any {
	if custom == nil {
		return map[string]any{}
	}
	if len(custom) > maxCustomKeys {
		v.Add("custom", "too_many", "max", maxCustomKeys)
		return custom
	}
	out := make(map[string]any, len(custom))
	for _, k := range slices.Sorted(maps.Keys(custom)) {
		field := "custom." + k
		if !customKey.MatchString(k) {
			v.Add(field, "invalid_custom_key")
			continue
		}
		switch x := custom[k].(type) {
		case nil:
			continue // null clears a value
		case string:
			s := strings.TrimSpace(x)
			switch {
			case !crm.ValidText(s):
				v.Add(field, crm.CodeInvalidText)
			case len([]rune(s)) > maxCustomValue:
				v.Add(field, "too_long", "max", maxCustomValue)
			}
			if s != "" {
				out[k] = s
			}
		case bool, float64, int, int64, json.Number:
			out[k] = x
		default:
			v.Add(field, "invalid_custom_value")
		}
	}
	return out
}

// clone deep-copies the fields, so that a change leaves the original as the
// "before" of the audit.
func (f LeadFields) clone() LeadFields {
	f.Custom = maps.Clone(f.Custom)
	if f.Custom == nil {
		f.Custom = map[string]any{}
	}
	return f
}

func refViolations(v *crm.Violations, f *LeadFields, missingUsers, missingTeams map[int64]bool, pools map[int64]*Pool) {
	if f.OwnerID != nil && missingUsers[*f.OwnerID] {
		v.Add("owner_id", "unknown_user", "id", *f.OwnerID)
	}
	if f.TeamID != nil && missingTeams[*f.TeamID] {
		v.Add("team_id", "unknown_team", "id", *f.TeamID)
	}
	if f.PoolID != nil && pools[*f.PoolID] == nil {
		v.Add("pool_id", "unknown_pool", "id", *f.PoolID)
	}
}

// CreateLead creates one lead.
func (s *Service) CreateLead(ctx context.Context, in LeadInput) (*Lead, error) {
	results, err := s.CreateLeads(ctx, []LeadInput{in})
	if err != nil {
		return nil, err
	}
	if results[0].Err != nil {
		return nil, results[0].Err
	}
	return s.store.Lead(ctx, results[0].ID)
}

// CreateLeads creates leads in one transaction, each checked on its own. A
// lead without an owner is the creator's, unless it is created unowned: it
// then sits in its pool. Each is scored as it is created.
func (s *Service) CreateLeads(ctx context.Context, inputs []LeadInput) ([]BatchResult, error) {
	const op = "lead.CreateLeads"
	p, err := crm.Writer(ctx, op)
	if err != nil {
		return nil, err
	}
	if len(inputs) > MaxBatch {
		return nil, crm.E(op, crm.KindTooLarge, "batch_too_large").With("max", MaxBatch)
	}
	results, _, err := s.createLeads(ctx, p, inputs, nil)
	if err != nil {
		return nil, crm.Wrap(op, err)
	}
	return results, nil
}

// createLeads validates and stores leads as p; form, when not nil, is the
// web form that captured them.
func (s *Service) createLeads(ctx context.Context, p *crm.Principal, inputs []LeadInput, form *Form) ([]BatchResult, []*Lead, error) {
	const op = "lead.CreateLeads"
	pools, err := s.poolsByID(ctx)
	if err != nil {
		return nil, nil, err
	}
	now := s.clock.Now()
	results := make([]BatchResult, len(inputs))
	violations := make([]crm.Violations, len(inputs))
	var owners, teams []int64
	for i := range inputs {
		in, v := &inputs[i], &violations[i]
		results[i].Index = i
		in.normalize(v, s.region)
		if !in.Unowned {
			p.DefaultOwnership(&in.OwnerID, &in.TeamID)
		} else {
			in.OwnerID = nil
		}
		p.CheckAssignment(v, nil, in.TeamID)
		owners = append(owners, ids(in.OwnerID)...)
		teams = append(teams, ids(in.TeamID)...)
	}
	missingUsers, missingTeams, err := crm.MissingOwners(ctx, s.store, owners, teams)
	if err != nil {
		return nil, nil, err
	}
	var batch []*Lead
	var at []int
	for i := range inputs {
		refViolations(&violations[i], &inputs[i].LeadFields, missingUsers, missingTeams, pools)
		if results[i].Err = violations[i].Err(op); results[i].Err != nil {
			continue
		}
		l := &Lead{LeadFields: inputs[i].LeadFields, Status: StatusNew, ScoreReasons: []ScoreReason{},
			CreatedBy: p.ActorID(), CreatedAt: now, UpdatedAt: now}
		if form != nil {
			l.FormID = &form.ID
		}
		batch = append(batch, l)
		at = append(at, i)
	}
	if len(batch) == 0 {
		return results, nil, nil
	}
	if err := s.scoreLeads(ctx, batch, now); err != nil {
		return nil, nil, err
	}
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		if err := s.store.CreateLeads(ctx, batch); err != nil {
			return err
		}
		entries := make([]crm.AuditEntry, len(batch))
		for j, l := range batch {
			results[at[j]].ID, results[at[j]].Version = l.ID, l.Version
			changes, err := crm.Diff(nil, l.view())
			if err != nil {
				return err
			}
			entries[j] = audit(ctx, p, now, crm.ActionCreate, RecordLead, l.ID, changes)
		}
		return s.store.AppendAudit(ctx, entries...)
	})
	if err != nil {
		return nil, nil, err
	}
	return results, batch, nil
}

// readable reports whether p may read a lead: by its ownership, or as a
// member of the pool it sits in.
func (s *Service) readable(ctx context.Context, p *crm.Principal, l *Lead) (bool, error) {
	if p.ReadsRecord(l.OwnerID, l.TeamID) {
		return true, nil
	}
	if l.OwnerID != nil || !open(l.Status) {
		return false, nil
	}
	pool, err := s.poolOfLead(ctx, l)
	if err != nil {
		return false, err
	}
	return pool != nil && canUsePool(p, pool), nil
}

// GetLead reads a lead the caller may see, with its pool claim.
func (s *Service) GetLead(ctx context.Context, id int64) (*Lead, error) {
	const op = "lead.GetLead"
	p, err := crm.Actor(ctx, op)
	if err != nil {
		return nil, err
	}
	l, err := s.store.Lead(ctx, id)
	if err != nil {
		return nil, crm.Wrap(op, err)
	}
	ok, err := s.readable(ctx, p, l)
	if err != nil {
		return nil, crm.Wrap(op, err)
	}
	if !ok {
		return nil, crm.Forbidden(op).With("lead_id", id)
	}
	if err := s.attachClaim(ctx, l); err != nil {
		return nil, crm.Wrap(op, err)
	}
	return l, nil
}

// attachClaim sets the lead's pool claim, if it has one.
func (s *Service) attachClaim(ctx context.Context, l *Lead) error {
	c, err := s.store.PoolClaimOf(ctx, RecordLead, l.ID)
	if crm.IsKind(err, crm.KindNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	pool, err := s.store.LeadPool(ctx, c.PoolID)
	if err == nil {
		c.setDue(pool)
	} else if !crm.IsKind(err, crm.KindNotFound) {
		return err
	}
	l.Claim = c
	return nil
}

// ListLeads lists the leads the caller may read, newest first, found by
// q.Q when it is set. Leads in a pool are listed by the pool
// (ListPoolLeads).
func (s *Service) ListLeads(ctx context.Context, q LeadQuery) (crm.Page[*Lead], error) {
	const op = "lead.ListLeads"
	p, err := crm.Actor(ctx, op)
	if err != nil {
		return crm.Page[*Lead]{}, err
	}
	var v crm.Violations
	if q.Status != "" && !slices.Contains(Statuses, q.Status) {
		v.Add("status", "not_one_of", "allowed", strings.Join(Statuses, ", "))
	}
	q.Q = crm.CleanText(&v, "q", q.Q, MaxQuery)
	if err := v.Err(op); err != nil {
		return crm.Page[*Lead]{}, err
	}
	q.PhoneDigits, q.PhonePrefix = s.dialing.phoneForms(q.Q)
	q.Scope = p.ReadScope()
	q.Limit = crm.ClampLimit(q.Limit)
	page, err := s.store.ListLeads(ctx, q)
	return page, crm.Wrap(op, err)
}

// writableLead reads a lead the actor may change, at the expected version
// (0: any).
func (s *Service) writableLead(ctx context.Context, op string, p *crm.Principal, id, ifVersion int64) (*Lead, error) {
	l, err := s.store.Lead(ctx, id)
	if err != nil {
		return nil, err
	}
	if !p.WritesRecord(l.OwnerID, l.TeamID) {
		return nil, crm.Forbidden(op).With("lead_id", id)
	}
	if ifVersion != 0 && l.Version != ifVersion {
		return nil, crm.Stale(op, l.Version)
	}
	return l, nil
}

// UpdateLead changes a lead's fields and rescores it. Taking its owner
// away returns it to its pool (as ReleaseLead does); giving it to someone
// else ends the pool claim on it. ifVersion 0 skips the version check.
func (s *Service) UpdateLead(ctx context.Context, id, ifVersion int64, apply func(*LeadFields) error) (*Lead, error) {
	const op = "lead.UpdateLead"
	p, err := crm.Writer(ctx, op)
	if err != nil {
		return nil, err
	}
	pools, err := s.poolsByID(ctx)
	if err != nil {
		return nil, crm.Wrap(op, err)
	}
	var out *Lead
	err = retryStale(ifVersion, func() error {
		return s.store.InTx(ctx, func(ctx context.Context) error {
			old, err := s.writableLead(ctx, op, p, id, ifVersion)
			if err != nil {
				return err
			}
			f := old.LeadFields.clone()
			if err := apply(&f); err != nil {
				return err
			}
			var v crm.Violations
			f.normalize(&v, s.region)
			p.CheckAssignment(&v, old.TeamID, f.TeamID)
			var owners, teams []int64
			if !samePtr(old.OwnerID, f.OwnerID) {
				owners = ids(f.OwnerID)
			}
			if !samePtr(old.TeamID, f.TeamID) {
				teams = ids(f.TeamID)
			}
			missingUsers, missingTeams, err := crm.MissingOwners(ctx, s.store, owners, teams)
			if err != nil {
				return err
			}
			refViolations(&v, &f, missingUsers, missingTeams, pools)
			if err := v.Err(op); err != nil {
				return err
			}
			now := s.clock.Now()
			next := *old
			next.LeadFields, next.UpdatedAt = f, now
			changes, err := crm.Diff(old.view(), next.view())
			if err != nil {
				return err
			}
			if len(changes) == 0 {
				out = old
				return nil
			}
			if err := s.scoreLeads(ctx, []*Lead{&next}, now); err != nil {
				return err
			}
			if err := s.store.UpdateLead(ctx, old, &next); err != nil {
				return err
			}
			if !samePtr(old.OwnerID, next.OwnerID) {
				if err := s.ownerChanged(ctx, RecordLead, id, old.OwnerID, next.OwnerID, now); err != nil {
					return err
				}
			}
			out = &next
			return s.store.AppendAudit(ctx, audit(ctx, p, now, crm.ActionUpdate, RecordLead, id, changes))
		})
	})
	if err != nil {
		return nil, crm.Wrap(op, err)
	}
	return out, nil
}

// DeleteLead deletes a lead for good (its history stays in the audit log).
func (s *Service) DeleteLead(ctx context.Context, id, ifVersion int64) error {
	const op = "lead.DeleteLead"
	p, err := crm.Writer(ctx, op)
	if err != nil {
		return err
	}
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		if _, err := s.writableLead(ctx, op, p, id, ifVersion); err != nil {
			return err
		}
		if err := s.store.DeletePoolClaimOf(ctx, RecordLead, id); err != nil {
			return err
		}
		if err := s.store.DeleteLead(ctx, id); err != nil {
			return err
		}
		return s.store.AppendAudit(ctx, audit(ctx, p, s.clock.Now(), crm.ActionDelete, RecordLead, id, nil))
	})
	return crm.Wrap(op, err)
}

// LeadAudit lists a lead's history, newest first.
func (s *Service) LeadAudit(ctx context.Context, id int64, cursor string, limit int) (crm.Page[crm.AuditEntry], error) {
	const op = "lead.LeadAudit"
	if _, err := s.GetLead(ctx, id); err != nil {
		return crm.Page[crm.AuditEntry]{}, err
	}
	page, err := s.store.Audit(ctx, RecordLead, []int64{id}, cursor, crm.ClampLimit(limit))
	return page, crm.Wrap(op, err)
}

// Qualify marks a lead qualified: a new one, or a disqualified one taken
// back.
func (s *Service) Qualify(ctx context.Context, id, ifVersion int64) (*Lead, error) {
	return s.setStatus(ctx, "lead.Qualify", id, ifVersion, StatusQualified, "")
}

// Disqualify marks a lead disqualified, for a reason (required). It ends a
// pool claim on the lead.
func (s *Service) Disqualify(ctx context.Context, id, ifVersion int64, reason string) (*Lead, error) {
	return s.setStatus(ctx, "lead.Disqualify", id, ifVersion, StatusDisqualified, reason)
}

func (s *Service) setStatus(ctx context.Context, op string, id, ifVersion int64, status, reason string) (*Lead, error) {
	p, err := crm.Writer(ctx, op)
	if err != nil {
		return nil, err
	}
	var v crm.Violations
	reason = crm.CleanText(&v, "reason", reason, 500)
	if status == StatusDisqualified && reason == "" {
		v.Add("reason", "disqualify_reason_required")
	}
	if err := v.Err(op); err != nil {
		return nil, err
	}
	var out *Lead
	err = retryStale(ifVersion, func() error {
		return s.store.InTx(ctx, func(ctx context.Context) error {
			old, err := s.writableLead(ctx, op, p, id, ifVersion)
			if err != nil {
				return err
			}
			if old.Status == StatusConverted {
				return crm.E(op, crm.KindConflict, "lead_converted").With("lead_id", id)
			}
			if old.Status == status && old.DisqualifyReason == reason {
				out = old
				return nil
			}
			now := s.clock.Now()
			next := *old
			next.Status, next.DisqualifyReason, next.UpdatedAt = status, reason, now
			switch status {
			case StatusQualified:
				next.QualifiedAt, next.DisqualifiedAt = ptr(now), nil
			case StatusDisqualified:
				next.DisqualifiedAt = ptr(now)
			}
			if err := s.store.UpdateLead(ctx, old, &next); err != nil {
				return err
			}
			if status == StatusDisqualified {
				if err := s.store.DeletePoolClaimOf(ctx, RecordLead, id); err != nil {
					return err
				}
			}
			changes, err := crm.Diff(old.view(), next.view())
			if err != nil {
				return err
			}
			out = &next
			return s.store.AppendAudit(ctx, audit(ctx, p, now, crm.ActionUpdate, RecordLead, id, changes))
		})
	})
	if err != nil {
		return nil, crm.Wrap(op, err)
	}
	return out, nil
}

// leadIDField names a lead in the audit entries of records made from it.
func leadIDField(id int64) []crm.Change {
	return []crm.Change{{Field: "lead_id", To: crm.JSON(id)}}
}

func errPrefix(err error, prefix string) error {
	ce, ok := crm.AsError(err)
	if !ok || len(ce.Fields) == 0 {
		return err
	}
	out := *ce
	out.Fields = make([]crm.FieldError, len(ce.Fields))
	for i, f := range ce.Fields {
		f.Field = prefix + f.Field
		out.Fields[i] = f
	}
	return &out
}
