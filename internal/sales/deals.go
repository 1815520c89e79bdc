package sales

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/guanxi-crm/guanxi/internal/crm"
)

// Deal statuses: the kind of the stage the deal is in.
const (
	StatusOpen = KindOpen
	StatusWon  = KindWon
	StatusLost = KindLost
)

// Statuses lists the deal statuses.
var Statuses = Kinds

// BuyingRoles are the parts a contact plays in a deal (as on positions).
var BuyingRoles = []string{"decision_maker", "influencer", "user", "purchasing", "gatekeeper"}

// DealContact is a person involved in a deal.
type DealContact struct {
	ContactID int64  `json:"contact_id" minimum:"1"`
	Role      string `json:"role,omitempty" enum:"decision_maker,influencer,user,purchasing,gatekeeper," doc:"Their buying role in this deal"`
}

// DealLine is a product offered in a deal.
type DealLine struct {
	SKU       string `json:"sku,omitempty" maxLength:"100"`
	Name      string `json:"name,omitempty" maxLength:"300" doc:"Defaults to the SKU"`
	Quantity  int64  `json:"quantity" minimum:"1" maximum:"1000000"`
	UnitPrice int64  `json:"unit_price" minimum:"0" doc:"Minor units"`
	Discount  int64  `json:"discount,omitempty" minimum:"0" doc:"Minor units off the whole line"`
	Total     int64  `json:"total" required:"false" doc:"quantity × unit_price − discount (derived; ignored on input)"`
}

// DealFields are the fields of a deal a client writes. Its stage and status
// change only by moving it (Move).
type DealFields struct {
	Name            string        `json:"name" required:"false" maxLength:"200" doc:"Required on create"`
	Amount          int64         `json:"amount" required:"false" minimum:"0" doc:"Minor units of the database's currency; the total of the lines when the deal has lines"`
	ExpectedCloseOn string        `json:"expected_close_on" required:"false" doc:"YYYY-MM-DD: when the deal is expected to close (forecasts count it in that period)"`
	OwnerID         *int64        `json:"owner_id" required:"false" doc:"Defaults to the creator"`
	TeamID          *int64        `json:"team_id" required:"false"`
	CompanyID       *int64        `json:"company_id" required:"false" doc:"The buying company"`
	Contacts        []DealContact `json:"contacts" required:"false" maxItems:"100" nullable:"false" doc:"The people involved, with their buying roles"`
	Lines           []DealLine    `json:"lines" required:"false" maxItems:"500" nullable:"false" doc:"The products offered"`
	NextStep        string        `json:"next_step" required:"false" maxLength:"500"`
	NextStepDueOn   string        `json:"next_step_due_on" required:"false" doc:"YYYY-MM-DD"`
}

// DealInput is a new deal.
type DealInput struct {
	DealFields
	PipelineID int64  `json:"pipeline_id,omitempty" minimum:"0" doc:"Defaults to the stage's pipeline, or the first pipeline"`
	StageID    int64  `json:"stage_id,omitempty" minimum:"0" doc:"Defaults to the pipeline's first stage"`
	LostReason string `json:"lost_reason,omitempty" maxLength:"500" doc:"Required when the deal starts in the lost stage"`
	Currency   string `json:"currency,omitempty" maxLength:"3" doc:"ISO 4217; the database's currency when absent"`
}

// Deal is an opportunity to sell, in a stage of a pipeline.
type Deal struct {
	ID      int64 `json:"id"`
	Version int64 `json:"version"`
	DealFields
	PipelineID     int64      `json:"pipeline_id"`
	StageID        int64      `json:"stage_id"`
	Status         string     `json:"status" enum:"open,won,lost"`
	Currency       string     `json:"currency"`
	LostReason     string     `json:"lost_reason,omitempty"`
	StageEnteredAt time.Time  `json:"stage_entered_at" doc:"When the deal entered its stage"`
	ClosedAt       *time.Time `json:"closed_at,omitempty" doc:"When it was won or lost"`
	CreatedBy      *int64     `json:"created_by,omitempty"`
	CreatedAt      time.Time  `json:"created_at"`
	UpdatedAt      time.Time  `json:"updated_at"`

	// FirstChange is the stage change of the deal's creation, which
	// CreateDeals records.
	FirstChange *StageChange `json:"-"`
}

// StageChange is a move of a deal from one stage to another.
type StageChange struct {
	ID          int64  `json:"id"`
	DealID      int64  `json:"deal_id"`
	FromStageID *int64 `json:"from_stage_id" doc:"null for the stage the deal was created in"`
	ToStageID   *int64 `json:"to_stage_id" doc:"null once the stage is deleted"`
	FromStatus  string `json:"from_status,omitempty" enum:"open,won,lost," doc:"The deal's status before (absent at creation)"`
	ToStatus    string `json:"to_status" enum:"open,won,lost"`
	// Reopened is a closed deal moved back to an open stage.
	Reopened        bool      `json:"reopened,omitempty"`
	At              time.Time `json:"at"`
	ActorID         *int64    `json:"actor_id" doc:"Who moved it; null for the system"`
	DaysInFromStage *float64  `json:"days_in_from_stage,omitempty" doc:"How long the deal had been in the stage it left"`
}

// DealQuery selects deals, newest first.
type DealQuery struct {
	PipelineID, StageID, OwnerID, TeamID, CompanyID, ContactID int64
	Status                                                     string
	// ClosingFrom and ClosingTo bound the expected close date (YYYY-MM-DD,
	// both included).
	ClosingFrom, ClosingTo string
	// Scope limits the list to what the caller may read (nil: everything).
	Scope  *ReadScope
	Cursor string
	Limit  int
}

// dealView is what the audit log records of a deal.
type dealView struct {
	DealFields
	PipelineID int64  `json:"pipeline_id"`
	StageID    int64  `json:"stage_id"`
	Status     string `json:"status"`
	LostReason string `json:"lost_reason,omitempty"`
}

func (d *Deal) view() dealView {
	return dealView{DealFields: d.DealFields, PipelineID: d.PipelineID, StageID: d.StageID, Status: d.Status, LostReason: d.LostReason}
}

// clone deep-copies the fields, so that a change leaves the original as the
// "before" of the audit.
func (f DealFields) clone() DealFields {
	f.Contacts, f.Lines = slices.Clone(f.Contacts), slices.Clone(f.Lines)
	return f
}

// normalize trims and checks the fields and derives the lines' totals and,
// from them, the amount.
func (f *DealFields) normalize(v *crm.Violations) {
	f.Name = crm.CleanText(v, "name", f.Name, 200)
	if f.Name == "" {
		v.Add("name", "required")
	}
	f.ExpectedCloseOn = checkDate(v, "expected_close_on", strings.TrimSpace(f.ExpectedCloseOn))
	f.NextStep = crm.CleanText(v, "next_step", f.NextStep, 500)
	f.NextStepDueOn = checkDate(v, "next_step_due_on", strings.TrimSpace(f.NextStepDueOn))
	if f.Contacts == nil {
		f.Contacts = []DealContact{}
	}
	if len(f.Contacts) > maxContacts {
		v.Add("contacts", "too_many", "max", maxContacts)
	}
	seen := map[int64]bool{}
	for i, c := range f.Contacts {
		field := fmt.Sprintf("contacts[%d].", i)
		switch {
		case c.ContactID < 1:
			v.Add(field+"contact_id", "invalid_id")
		case seen[c.ContactID]:
			v.Add(field+"contact_id", "listed_twice")
		}
		seen[c.ContactID] = true
		if c.Role != "" && !slices.Contains(BuyingRoles, c.Role) {
			v.Add(field+"role", "not_one_of", "allowed", strings.Join(BuyingRoles, ", "))
		}
	}
	if f.Lines == nil {
		f.Lines = []DealLine{}
	}
	if len(f.Lines) > maxLines {
		v.Add("lines", "too_many", "max", maxLines)
	}
	var total int64
	for i := range f.Lines {
		l := &f.Lines[i]
		field := fmt.Sprintf("lines[%d].", i)
		l.SKU = crm.CleanID(v, field+"sku", l.SKU)
		l.Name = crm.CleanText(v, field+"name", l.Name, 300)
		if l.Name == "" {
			l.Name = l.SKU
		}
		if l.Name == "" {
			v.Add(field+"name", "required")
		}
		switch {
		case l.Quantity < 1 || l.Quantity > maxQuantity:
			v.Add(field+"quantity", "out_of_range", "min", 1, "max", maxQuantity)
			continue
		case l.UnitPrice < 0:
			v.Add(field+"unit_price", "negative")
			continue
		case l.UnitPrice > maxAmount/l.Quantity:
			v.Add(field+"unit_price", "too_large", "max", int64(maxAmount))
			continue
		case l.Discount < 0:
			v.Add(field+"discount", "negative")
			continue
		case l.Discount > l.Quantity*l.UnitPrice:
			v.Add(field+"discount", "exceeds_line")
			continue
		}
		l.Total = l.Quantity*l.UnitPrice - l.Discount
		total += l.Total
	}
	if len(f.Lines) > 0 {
		f.Amount = total
	}
	switch {
	case f.Amount < 0:
		v.Add("amount", "negative")
	case f.Amount > maxAmount:
		v.Add("amount", "too_large", "max", int64(maxAmount))
	}
}

// references are the records a batch of deals names, checked together.
type references struct {
	owners, teams, contacts, companies []int64
}

// check reports, per input, the references that do not exist or that the
// actor may not read: field violations for unknown ones, the Forbidden error
// for unreadable ones.
func (s *Service) checkReferences(ctx context.Context, refs references) (missingUsers, missingTeams map[int64]bool, refused map[string]map[int64]error, err error) {
	missingUsers, missingTeams = map[int64]bool{}, map[int64]bool{}
	refused = map[string]map[int64]error{"contact": {}, "company": {}}
	if len(refs.owners) > 0 {
		ids, err := s.store.MissingUsers(ctx, refs.owners)
		if err != nil {
			return nil, nil, nil, err
		}
		for _, id := range ids {
			missingUsers[id] = true
		}
	}
	if len(refs.teams) > 0 {
		ids, err := s.store.MissingTeams(ctx, refs.teams)
		if err != nil {
			return nil, nil, nil, err
		}
		for _, id := range ids {
			missingTeams[id] = true
		}
	}
	if len(refs.contacts) > 0 {
		if refused["contact"], err = s.dir.ReadableContacts(ctx, compact(refs.contacts)); err != nil {
			return nil, nil, nil, err
		}
	}
	if len(refs.companies) > 0 {
		if refused["company"], err = s.dir.ReadableCompanies(ctx, compact(refs.companies)); err != nil {
			return nil, nil, nil, err
		}
	}
	return missingUsers, missingTeams, refused, nil
}

// referenceErrors turns what checkReferences found into a deal's errors:
// violations for unknown records, or the Forbidden error of one it may not
// read. known lists contacts and the company the deal had before, which are
// not checked again.
func referenceErrors(v *crm.Violations, f *DealFields, known map[int64]bool, knownCompany *int64,
	missingUsers, missingTeams map[int64]bool, refused map[string]map[int64]error) error {
	if f.OwnerID != nil && missingUsers[*f.OwnerID] {
		v.Add("owner_id", "unknown_user", "id", *f.OwnerID)
	}
	if f.TeamID != nil && missingTeams[*f.TeamID] {
		v.Add("team_id", "unknown_team", "id", *f.TeamID)
	}
	var forbidden error
	for i, c := range f.Contacts {
		if known[c.ContactID] {
			continue
		}
		switch err := refused["contact"][c.ContactID]; {
		case err == nil:
		case crm.IsKind(err, crm.KindNotFound):
			v.Add(fmt.Sprintf("contacts[%d].contact_id", i), "unknown_contact", "id", c.ContactID)
		case forbidden == nil:
			forbidden = err
		}
	}
	if f.CompanyID != nil && (knownCompany == nil || *knownCompany != *f.CompanyID) {
		switch err := refused["company"][*f.CompanyID]; {
		case err == nil:
		case crm.IsKind(err, crm.KindNotFound):
			v.Add("company_id", "unknown_company", "id", *f.CompanyID)
		case forbidden == nil:
			forbidden = err
		}
	}
	return forbidden
}

func compact(ids []int64) []int64 { return slices.Compact(slices.Sorted(slices.Values(ids))) }

// CreateDeal creates one deal.
func (s *Service) CreateDeal(ctx context.Context, in DealInput) (*Deal, error) {
	results, err := s.CreateDeals(ctx, []DealInput{in})
	if err != nil {
		return nil, err
	}
	if results[0].Err != nil {
		return nil, results[0].Err
	}
	return s.store.Deal(ctx, results[0].ID)
}

// CreateDeals creates deals in one transaction. Each is checked on its own:
// an invalid one, or one naming a contact or company the caller may not read,
// is answered with its error and the others are created. A deal starts in
// the stage it names (by default the first of its pipeline), which is its
// first recorded stage change.
func (s *Service) CreateDeals(ctx context.Context, inputs []DealInput) ([]BatchResult, error) {
	const op = "sales.CreateDeals"
	p, err := crm.Writer(ctx, op)
	if err != nil {
		return nil, err
	}
	if len(inputs) > MaxBatch {
		return nil, crm.E(op, crm.KindTooLarge, "batch_too_large").With("max", MaxBatch)
	}
	pipelines, err := s.store.Pipelines(ctx)
	if err != nil {
		return nil, crm.Wrap(op, err)
	}
	now := s.clock.Now()
	results := make([]BatchResult, len(inputs))
	violations := make([]crm.Violations, len(inputs))
	stages := make([]*Stage, len(inputs))
	var refs references
	for i := range inputs {
		in, v := &inputs[i], &violations[i]
		results[i].Index = i
		in.normalize(v)
		in.Currency = strings.ToUpper(strings.TrimSpace(in.Currency))
		if in.Currency != "" && !crm.ValidCurrency(in.Currency) {
			v.Add("currency", "invalid_currency")
		}
		stages[i] = pickStage(v, pipelines, in.PipelineID, in.StageID)
		in.LostReason = crm.CleanText(v, "lost_reason", in.LostReason, 500)
		if stages[i] != nil && stages[i].Kind == KindLost && in.LostReason == "" {
			v.Add("lost_reason", "lost_reason_required")
		}
		if stages[i] != nil && stages[i].Kind != KindLost {
			in.LostReason = ""
		}
		p.DefaultOwnership(&in.OwnerID, &in.TeamID)
		p.CheckAssignment(v, nil, in.TeamID)
		if v.Empty() {
			refs.owners = append(refs.owners, ids(in.OwnerID)...)
			refs.teams = append(refs.teams, ids(in.TeamID)...)
			refs.companies = append(refs.companies, ids(in.CompanyID)...)
			for _, c := range in.Contacts {
				refs.contacts = append(refs.contacts, c.ContactID)
			}
		}
	}
	missingUsers, missingTeams, refused, err := s.checkReferences(ctx, refs)
	if err != nil {
		return nil, crm.Wrap(op, err)
	}
	for i := range inputs {
		if !violations[i].Empty() {
			results[i].Err = violations[i].Err(op)
			continue
		}
		forbidden := referenceErrors(&violations[i], &inputs[i].DealFields, nil, nil, missingUsers, missingTeams, refused)
		results[i].Err = violations[i].Err(op)
		if results[i].Err == nil {
			results[i].Err = forbidden
		}
	}
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		var batch []*Deal
		var at []int
		for i := range inputs {
			if results[i].Err != nil {
				continue
			}
			in, st := &inputs[i], stages[i]
			cur, err := s.settleCurrency(ctx, in.Currency)
			if crm.IsKind(err, crm.KindInvalid) {
				results[i].Err = err
				continue
			} else if err != nil {
				return err
			}
			d := &Deal{DealFields: in.DealFields, PipelineID: st.PipelineID, StageID: st.ID, Status: st.Kind, Currency: cur,
				LostReason: in.LostReason, StageEnteredAt: now, CreatedBy: p.ActorID(), CreatedAt: now, UpdatedAt: now}
			if st.Kind != KindOpen {
				d.ClosedAt = ptr(now)
			}
			d.FirstChange = &StageChange{ToStageID: ptr(st.ID), ToStatus: st.Kind, At: now, ActorID: p.ActorID()}
			batch = append(batch, d)
			at = append(at, i)
		}
		if len(batch) == 0 {
			return nil
		}
		if err := s.store.CreateDeals(ctx, batch); err != nil {
			return err
		}
		entries := make([]crm.AuditEntry, len(batch))
		for j, d := range batch {
			results[at[j]].ID, results[at[j]].Version = d.ID, d.Version
			changes, err := crm.Diff(nil, d.view())
			if err != nil {
				return err
			}
			entries[j] = audit(ctx, p, now, crm.ActionCreate, RecordDeal, d.ID, changes)
		}
		return s.store.AppendAudit(ctx, entries...)
	})
	if err != nil {
		return nil, crm.Wrap(op, err)
	}
	return results, nil
}

// pickStage finds the stage a new deal starts in: the one named (in the
// pipeline named, if any), else the first open stage of the pipeline named,
// else of the first pipeline.
func pickStage(v *crm.Violations, pipelines []*Pipeline, pipelineID, stageID int64) *Stage {
	var pl *Pipeline
	for _, p := range pipelines {
		if (pipelineID != 0 && p.ID == pipelineID) || (pipelineID == 0 && stageID != 0 && p.stage(stageID) != nil) {
			pl = p
			break
		}
	}
	switch {
	case pipelineID == 0 && stageID == 0 && len(pipelines) > 0:
		pl = pipelines[0]
	case pipelineID == 0 && stageID == 0:
		v.Add("pipeline_id", "no_pipeline")
		return nil
	case pl == nil && pipelineID != 0:
		v.Add("pipeline_id", "unknown_pipeline", "id", pipelineID)
		return nil
	case pl == nil:
		v.Add("stage_id", "unknown_stage", "id", stageID)
		return nil
	}
	if stageID == 0 {
		return pl.ofKind(KindOpen)
	}
	st := pl.stage(stageID)
	if st == nil {
		v.Add("stage_id", "stage_not_in_pipeline", "pipeline_id", pl.ID)
	}
	return st
}

func ids(ps ...*int64) []int64 {
	var out []int64
	for _, p := range ps {
		if p != nil {
			out = append(out, *p)
		}
	}
	return out
}

// GetDeal reads a deal the caller may see.
func (s *Service) GetDeal(ctx context.Context, id int64) (*Deal, error) {
	const op = "sales.GetDeal"
	p, err := crm.Actor(ctx, op)
	if err != nil {
		return nil, err
	}
	d, err := s.store.Deal(ctx, id)
	if err != nil {
		return nil, crm.Wrap(op, err)
	}
	if !p.ReadsRecord(d.OwnerID, d.TeamID) {
		return nil, crm.Forbidden(op).With("deal_id", id)
	}
	return d, nil
}

// ListDeals lists the deals the caller may see, newest first.
func (s *Service) ListDeals(ctx context.Context, q DealQuery) (crm.Page[*Deal], error) {
	const op = "sales.ListDeals"
	p, err := crm.Actor(ctx, op)
	if err != nil {
		return crm.Page[*Deal]{}, err
	}
	var v crm.Violations
	if q.Status != "" && !slices.Contains(Statuses, q.Status) {
		v.Add("status", "invalid_status", "allowed", Statuses)
	}
	q.ClosingFrom = checkDate(&v, "closing_from", q.ClosingFrom)
	q.ClosingTo = checkDate(&v, "closing_to", q.ClosingTo)
	if err := v.Err(op); err != nil {
		return crm.Page[*Deal]{}, err
	}
	q.Scope = p.ReadScope()
	q.Limit = crm.ClampLimit(q.Limit)
	page, err := s.store.ListDeals(ctx, q)
	return page, crm.Wrap(op, err)
}

// writableDeal reads a deal the actor may change, at the expected version
// (0: any).
func (s *Service) writableDeal(ctx context.Context, op string, p *crm.Principal, id, ifVersion int64) (*Deal, error) {
	d, err := s.store.Deal(ctx, id)
	if err != nil {
		return nil, err
	}
	if !p.WritesRecord(d.OwnerID, d.TeamID) {
		return nil, crm.Forbidden(op).With("deal_id", id)
	}
	if ifVersion != 0 && d.Version != ifVersion {
		return nil, crm.Stale(op, d.Version)
	}
	return d, nil
}

// UpdateDeal changes a deal's fields (not its stage: see MoveDeal).
// ifVersion 0 skips the version check.
func (s *Service) UpdateDeal(ctx context.Context, id, ifVersion int64, apply func(*DealFields) error) (*Deal, error) {
	const op = "sales.UpdateDeal"
	p, err := crm.Writer(ctx, op)
	if err != nil {
		return nil, err
	}
	var next *Deal
	err = retryStale(ifVersion, func() error {
		return s.store.InTx(ctx, func(ctx context.Context) error {
			old, err := s.writableDeal(ctx, op, p, id, ifVersion)
			if err != nil {
				return err
			}
			f := old.DealFields.clone()
			if err := apply(&f); err != nil {
				return err
			}
			var v crm.Violations
			f.normalize(&v)
			p.CheckAssignment(&v, old.TeamID, f.TeamID)
			if err := v.Err(op); err != nil {
				return err
			}
			known := map[int64]bool{}
			for _, c := range old.Contacts {
				known[c.ContactID] = true
			}
			var refs references
			if !samePtr(old.OwnerID, f.OwnerID) {
				refs.owners = ids(f.OwnerID)
			}
			if !samePtr(old.TeamID, f.TeamID) {
				refs.teams = ids(f.TeamID)
			}
			if !samePtr(old.CompanyID, f.CompanyID) {
				refs.companies = ids(f.CompanyID)
			}
			for _, c := range f.Contacts {
				if !known[c.ContactID] {
					refs.contacts = append(refs.contacts, c.ContactID)
				}
			}
			missingUsers, missingTeams, refused, err := s.checkReferences(ctx, refs)
			if err != nil {
				return err
			}
			forbidden := referenceErrors(&v, &f, known, old.CompanyID, missingUsers, missingTeams, refused)
			if err := v.Err(op); err != nil {
				return err
			}
			if forbidden != nil {
				return forbidden
			}
			d := *old
			d.DealFields, d.UpdatedAt = f, s.clock.Now()
			if err := s.store.UpdateDeal(ctx, old, &d); err != nil {
				return err
			}
			changes, err := crm.Diff(old.view(), d.view())
			if err != nil {
				return err
			}
			next = &d
			return s.store.AppendAudit(ctx, audit(ctx, p, d.UpdatedAt, crm.ActionUpdate, RecordDeal, id, changes))
		})
	})
	if err != nil {
		return nil, crm.Wrap(op, err)
	}
	return next, nil
}

func samePtr(a, b *int64) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }

// DeleteDeal deletes a deal and its history of moves for good.
func (s *Service) DeleteDeal(ctx context.Context, id, ifVersion int64) error {
	const op = "sales.DeleteDeal"
	p, err := crm.Writer(ctx, op)
	if err != nil {
		return err
	}
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		if _, err := s.writableDeal(ctx, op, p, id, ifVersion); err != nil {
			return err
		}
		if err := s.store.DeleteDeal(ctx, id); err != nil {
			return err
		}
		return s.store.AppendAudit(ctx, audit(ctx, p, s.clock.Now(), crm.ActionDelete, RecordDeal, id, nil))
	})
	return crm.Wrap(op, err)
}

// DealStageChanges lists a deal's moves, oldest first, with how long the
// deal stayed in each stage it left.
func (s *Service) DealStageChanges(ctx context.Context, id int64) ([]StageChange, error) {
	const op = "sales.DealStageChanges"
	if _, err := s.GetDeal(ctx, id); err != nil {
		return nil, err
	}
	changes, err := s.store.StageChanges(ctx, id)
	if err != nil {
		return nil, crm.Wrap(op, err)
	}
	for i := range changes {
		c := &changes[i]
		c.Reopened = c.FromStatus != "" && c.FromStatus != StatusOpen && c.ToStatus == StatusOpen
		if i > 0 {
			days := c.At.Sub(changes[i-1].At).Hours() / 24
			c.DaysInFromStage = &days
		}
	}
	return changes, nil
}

// DealAudit lists a deal's history of changes, newest first.
func (s *Service) DealAudit(ctx context.Context, id int64, cursor string, limit int) (crm.Page[crm.AuditEntry], error) {
	const op = "sales.DealAudit"
	if _, err := s.GetDeal(ctx, id); err != nil {
		return crm.Page[crm.AuditEntry]{}, err
	}
	page, err := s.store.Audit(ctx, RecordDeal, []int64{id}, cursor, crm.ClampLimit(limit))
	return page, crm.Wrap(op, err)
}
