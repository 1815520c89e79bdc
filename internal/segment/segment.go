// Package segment is dynamic segments (MISSION.md C4): named rules over
// customers — their fields, tags, companies, behaviour (events, purchases),
// figures (orders, spend, recency) and the scores of the insight run (RFM,
// value tier, CLV, churn risk, lifecycle). A rule is JSON in the API and has
// a text form that round-trips (Parse, Format). Check types it against the
// fields and turns it into a Node that a store compiles to SQL: customers are
// never loaded into memory to be tested.
//
// A segment's members are kept (segment_members) with the history of who
// entered and left when, so that later workflows can fire on "entered
// segment". Membership is re-evaluated by Refresh: on save, on demand, and
// by the schedule the app sets.
//
// It knows nothing of HTTP or SQL.
package segment

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/customer"
)

// RecordSegment is the audit record type of segments.
const RecordSegment = "segment"

// Segment is a named rule and what its last evaluation found.
type Segment struct {
	ID          int64      `json:"id"`
	Version     int64      `json:"version"`
	Name        string     `json:"name"`
	Description string     `json:"description"`
	Rule        Rule       `json:"rule"`
	Text        string     `json:"text" doc:"The rule in its text form"`
	Size        int64      `json:"size" doc:"Members at the last evaluation"`
	EvaluatedAt *time.Time `json:"evaluated_at,omitempty" doc:"When membership was last evaluated"`
	CreatedBy   *int64     `json:"created_by,omitempty"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
}

// Input is what a client writes of a segment: the rule as JSON or as text
// (one of them).
type Input struct {
	Name        string `json:"name" maxLength:"200"`
	Description string `json:"description,omitempty" maxLength:"2000"`
	Rule        *Rule  `json:"rule,omitempty" doc:"The rule as a JSON tree; or give text"`
	Text        string `json:"text,omitempty" maxLength:"65536" doc:"The rule in its text form; or give rule"`
}

// MemberChange is a customer entering or leaving a segment.
type MemberChange struct {
	ID        int64     `json:"id"`
	SegmentID int64     `json:"segment_id"`
	ContactID int64     `json:"contact_id"`
	Name      string    `json:"name" doc:"The contact's display name"`
	Entered   bool      `json:"entered" doc:"true: entered; false: left"`
	At        time.Time `json:"at"`
}

// Refresh is what one evaluation of a segment changed.
type Refresh struct {
	Size    int64     `json:"size"`
	Entered int64     `json:"entered"`
	Left    int64     `json:"left"`
	At      time.Time `json:"at"`
}

// Store is what segments need from persistence.
type Store interface {
	InTx(ctx context.Context, fn func(ctx context.Context) error) error
	FieldDefs(ctx context.Context, recordType string) ([]customer.FieldDef, error)
	Setting(ctx context.Context, key string) (string, bool, error)
	SetSetting(ctx context.Context, key, value string) error
	// DataMark changes whenever data a rule may test changes: contacts,
	// their tags and companies (the audit log), events, orders, the scores
	// of an insight run.
	DataMark(ctx context.Context) (string, error)
	AppendAudit(ctx context.Context, entries ...crm.AuditEntry) error

	CreateSegment(ctx context.Context, s *Segment) error
	Segment(ctx context.Context, id int64) (*Segment, error)
	Segments(ctx context.Context) ([]*Segment, error)
	// UpdateSegment saves next over old if old.Version is current (else
	// Stale), setting next.Version.
	UpdateSegment(ctx context.Context, old, next *Segment) error
	DeleteSegment(ctx context.Context, id int64) error

	// CountMatching counts the live contacts inside scope (nil: all) that
	// the rule selects at now.
	CountMatching(ctx context.Context, n Node, scope *customer.ReadScope, now time.Time) (int64, error)
	// Matching lists them, newest first.
	Matching(ctx context.Context, n Node, scope *customer.ReadScope, now time.Time, cursor string, limit int) (crm.Page[*customer.Contact], error)
	// RefreshSegment makes the stored members of a segment those the rule
	// selects at now, recording who entered and left, and sets its size
	// and evaluation time.
	RefreshSegment(ctx context.Context, id int64, n Node, now time.Time) (Refresh, error)
	// SegmentMembers lists the stored members inside scope, newest first.
	SegmentMembers(ctx context.Context, id int64, scope *customer.ReadScope, cursor string, limit int) (crm.Page[*customer.Contact], error)
	// SegmentChanges lists who entered and left, newest first.
	SegmentChanges(ctx context.Context, id int64, scope *customer.ReadScope, cursor string, limit int) (crm.Page[*MemberChange], error)
}

// Options configure a Service.
type Options struct {
	// Region reads phone numbers in rules; DefaultCurrency reads money
	// before the database has a currency.
	Region, DefaultCurrency string
	Clock                   crm.Clock
}

// Service is segments for users.
type Service struct {
	store Store
	opt   Options
	clock crm.Clock
}

// NewService returns a Service.
func NewService(store Store, opt Options) *Service {
	clock := opt.Clock
	if clock == nil {
		clock = crm.SystemClock{}
	}
	return &Service{store: store, opt: opt, clock: clock}
}

// Now is the time rules are evaluated at.
func (s *Service) Now() time.Time { return s.clock.Now() }

// canManage says who may create, change and delete segments: they decide
// whom campaigns and workflows reach.
func canManage(p *crm.Principal) bool {
	return p.Role == crm.RoleAdmin || p.Role == crm.RoleManager
}

// compile checks a rule for the caller.
func (s *Service) compile(ctx context.Context, op string, p *crm.Principal, in Input) (Rule, Node, error) {
	var v crm.Violations
	var r Rule
	switch {
	case in.Rule != nil && strings.TrimSpace(in.Text) != "":
		v.Add("text", "rule_or_text")
	case in.Rule != nil:
		r = Normalize(*in.Rule)
	case strings.TrimSpace(in.Text) != "":
		parsed, err := Parse(in.Text)
		if err != nil {
			se, _ := err.(*SyntaxError)
			params := []any{"message", err.Error()}
			if se != nil {
				params = []any{"message", se.Msg, "offset", se.Offset}
			}
			v.Add("text", "rule_syntax", params...)
			return Rule{}, Node{}, v.Err(op)
		}
		r = parsed
	default:
		v.Add("rule", "required")
		return Rule{}, Node{}, v.Err(op)
	}
	cat, err := s.catalog(ctx, p)
	if err != nil {
		return Rule{}, Node{}, crm.Internal(op, err)
	}
	n, _ := Check(&v, "rule", r, cat)
	if err := v.Err(op); err != nil {
		return Rule{}, Node{}, err
	}
	return r, n, nil
}

func (s *Service) catalog(ctx context.Context, p *crm.Principal) (Catalog, error) {
	contactDefs, err := s.store.FieldDefs(ctx, customer.RecordContact)
	if err != nil {
		return Catalog{}, err
	}
	companyDefs, err := s.store.FieldDefs(ctx, customer.RecordCompany)
	if err != nil {
		return Catalog{}, err
	}
	currency, err := crm.Currency(ctx, s.store)
	if err != nil {
		return Catalog{}, err
	}
	if currency == "" {
		currency = s.opt.DefaultCurrency
	}
	return Catalog{ContactFields: contactDefs, CompanyFields: companyDefs, Currency: currency, Me: p.UserID, Region: s.opt.Region}, nil
}

func checkInput(v *crm.Violations, in *Input) {
	in.Name = crm.CleanText(v, "name", in.Name, 200)
	in.Description = crm.CleanText(v, "description", in.Description, 2000)
	if in.Name == "" {
		v.Add("name", "required")
	}
}

// Preview is a rule's size and first members, before it is saved.
type Preview struct {
	Rule    Rule                        `json:"rule"`
	Text    string                      `json:"text"`
	Size    int64                       `json:"size" doc:"Contacts the rule selects now (among those the caller may read)"`
	Members crm.Page[*customer.Contact] `json:"-"`
}

// Preview evaluates a rule without saving it: its size and a page of
// members among the contacts the caller may read.
func (s *Service) Preview(ctx context.Context, in Input, limit int) (*Preview, error) {
	const op = "segment.Preview"
	p, err := crm.Actor(ctx, op)
	if err != nil {
		return nil, err
	}
	r, n, err := s.compile(ctx, op, p, in)
	if err != nil {
		return nil, err
	}
	now := s.clock.Now()
	size, err := s.store.CountMatching(ctx, n, p.ReadScope(), now)
	if err != nil {
		return nil, crm.Wrap(op, err)
	}
	members, err := s.store.Matching(ctx, n, p.ReadScope(), now, "", crm.ClampLimit(limit))
	if err != nil {
		return nil, crm.Wrap(op, err)
	}
	return &Preview{Rule: r, Text: Format(r), Size: size, Members: members}, nil
}

// Create saves a segment and evaluates its membership.
func (s *Service) Create(ctx context.Context, in Input) (*Segment, error) {
	const op = "segment.Create"
	p, err := s.manager(ctx, op)
	if err != nil {
		return nil, err
	}
	var v crm.Violations
	checkInput(&v, &in)
	if err := v.Err(op); err != nil {
		return nil, err
	}
	r, n, err := s.compile(ctx, op, p, in)
	if err != nil {
		return nil, err
	}
	now := s.clock.Now()
	seg := &Segment{Name: in.Name, Description: in.Description, Rule: r, Text: Format(r), CreatedBy: p.ActorID(), CreatedAt: now, UpdatedAt: now}
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		if err := s.store.CreateSegment(ctx, seg); err != nil {
			return err
		}
		changes := []crm.Change{{Field: "name", To: crm.JSON(seg.Name)}, {Field: "text", To: crm.JSON(seg.Text)}}
		if err := s.store.AppendAudit(ctx, crm.NewAuditEntry(p, crm.RequestID(ctx), now, crm.ActionCreate, RecordSegment, seg.ID, changes)); err != nil {
			return err
		}
		return s.refresh(ctx, seg, n, now)
	})
	if err != nil {
		return nil, crm.Wrap(op, err)
	}
	return seg, nil
}

func (s *Service) refresh(ctx context.Context, seg *Segment, n Node, now time.Time) error {
	res, err := s.store.RefreshSegment(ctx, seg.ID, n, now)
	if err != nil {
		return err
	}
	seg.Size, seg.EvaluatedAt = res.Size, &res.At
	return nil
}

func (s *Service) manager(ctx context.Context, op string) (*crm.Principal, error) {
	p, err := crm.Writer(ctx, op)
	if err != nil {
		return nil, err
	}
	if !canManage(p) {
		return nil, crm.E(op, crm.KindForbidden, "segments_managers_only")
	}
	return p, nil
}

// Get reads a segment. Anyone signed in may read segments; members are
// shown to each only among the contacts they may read.
func (s *Service) Get(ctx context.Context, id int64) (*Segment, error) {
	const op = "segment.Get"
	if _, err := crm.Actor(ctx, op); err != nil {
		return nil, err
	}
	seg, err := s.store.Segment(ctx, id)
	return seg, crm.Wrap(op, err)
}

// List reads every segment, by name.
func (s *Service) List(ctx context.Context) ([]*Segment, error) {
	const op = "segment.List"
	if _, err := crm.Actor(ctx, op); err != nil {
		return nil, err
	}
	segs, err := s.store.Segments(ctx)
	return segs, crm.Wrap(op, err)
}

// Update changes a segment's name, description or rule; a new rule is
// evaluated at once. ifVersion, when not 0, must be the current version.
func (s *Service) Update(ctx context.Context, id, ifVersion int64, in Input) (*Segment, error) {
	const op = "segment.Update"
	p, err := s.manager(ctx, op)
	if err != nil {
		return nil, err
	}
	var v crm.Violations
	checkInput(&v, &in)
	if err := v.Err(op); err != nil {
		return nil, err
	}
	r, n, err := s.compile(ctx, op, p, in)
	if err != nil {
		return nil, err
	}
	var next *Segment
	now := s.clock.Now()
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		old, err := s.store.Segment(ctx, id)
		if err != nil {
			return err
		}
		if ifVersion != 0 && ifVersion != old.Version {
			return crm.Stale(op, old.Version)
		}
		copied := *old
		next = &copied
		next.Name, next.Description, next.Rule, next.Text, next.UpdatedAt = in.Name, in.Description, r, Format(r), now
		if err := s.store.UpdateSegment(ctx, old, next); err != nil {
			return err
		}
		var changes []crm.Change
		for _, f := range []struct{ field, from, to string }{{"name", old.Name, next.Name}, {"description", old.Description, next.Description}, {"text", old.Text, next.Text}} {
			if f.from != f.to {
				changes = append(changes, crm.Change{Field: f.field, From: crm.JSON(f.from), To: crm.JSON(f.to)})
			}
		}
		if err := s.store.AppendAudit(ctx, crm.NewAuditEntry(p, crm.RequestID(ctx), now, crm.ActionUpdate, RecordSegment, id, changes)); err != nil {
			return err
		}
		return s.refresh(ctx, next, n, now)
	})
	if err != nil {
		return nil, crm.Wrap(op, err)
	}
	return next, nil
}

// Delete removes a segment with its members and history.
func (s *Service) Delete(ctx context.Context, id int64) error {
	const op = "segment.Delete"
	p, err := s.manager(ctx, op)
	if err != nil {
		return err
	}
	now := s.clock.Now()
	return crm.Wrap(op, s.store.InTx(ctx, func(ctx context.Context) error {
		if err := s.store.DeleteSegment(ctx, id); err != nil {
			return err
		}
		return s.store.AppendAudit(ctx, crm.NewAuditEntry(p, crm.RequestID(ctx), now, crm.ActionDelete, RecordSegment, id, nil))
	}))
}

// Refresh re-evaluates one segment now. Anyone who may write may ask: it
// changes no rule, only brings membership up to date.
func (s *Service) Refresh(ctx context.Context, id int64) (*Segment, error) {
	const op = "segment.Refresh"
	if _, err := crm.Writer(ctx, op); err != nil {
		return nil, err
	}
	var seg *Segment
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		var err error
		if seg, err = s.store.Segment(ctx, id); err != nil {
			return err
		}
		n, err := s.checkStored(ctx, seg)
		if err != nil {
			return err
		}
		return s.refresh(ctx, seg, n, s.clock.Now())
	})
	return seg, crm.Wrap(op, err)
}

// checkStored checks a saved rule again: fields may have been removed since.
// "me" in a stored rule (owner_id = "me") is the segment's creator, whoever
// evaluates it.
func (s *Service) checkStored(ctx context.Context, seg *Segment) (Node, error) {
	creator := &crm.Principal{}
	if seg.CreatedBy != nil {
		creator.UserID = *seg.CreatedBy
	}
	cat, err := s.catalog(ctx, creator)
	if err != nil {
		return Node{}, err
	}
	var v crm.Violations
	n, _ := Check(&v, "rule", seg.Rule, cat)
	if err := v.Err("segment.checkStored"); err != nil {
		return Node{}, err
	}
	return n, nil
}

// RefreshAll re-evaluates every segment, each in its own transaction (the
// scheduled job). A segment whose rule no longer checks (a custom field it
// names was deleted) is skipped and reported in the error.
func (s *Service) RefreshAll(ctx context.Context) (int, error) {
	segs, err := s.store.Segments(ctx)
	if err != nil {
		return 0, err
	}
	var broken []string
	done := 0
	for _, seg := range segs {
		err := s.store.InTx(ctx, func(ctx context.Context) error {
			n, err := s.checkStored(ctx, seg)
			if err != nil {
				return err
			}
			return s.refresh(ctx, seg, n, s.clock.Now())
		})
		switch {
		case crm.IsKind(err, crm.KindInvalid):
			broken = append(broken, seg.Name)
		case err != nil:
			return done, err
		default:
			done++
		}
	}
	if len(broken) > 0 {
		return done, crm.E("segment.RefreshAll", crm.KindInvalid, "segment_rule_broken").With("segments", strings.Join(broken, ", "))
	}
	return done, nil
}

// markKey keeps the data mark and time of the last scheduled evaluation.
const markKey = "segments.last_evaluation"

type evaluationMark struct {
	Mark string    `json:"mark"`
	At   time.Time `json:"at"`
}

// RefreshIfChanged is the scheduled evaluation: every segment is evaluated
// when the data rules test changed since the last time, or when the last
// time is older than maxAge (windows such as "in the last 90 days" move
// with the clock). It reports how many segments it evaluated (-1: none,
// nothing changed).
func (s *Service) RefreshIfChanged(ctx context.Context, maxAge time.Duration) (int, error) {
	mark, err := s.store.DataMark(ctx)
	if err != nil {
		return 0, err
	}
	var last evaluationMark
	if raw, ok, err := s.store.Setting(ctx, markKey); err != nil {
		return 0, err
	} else if ok {
		_ = json.Unmarshal([]byte(raw), &last) // unreadable: evaluate
	}
	now := s.clock.Now()
	if last.Mark == mark && now.Sub(last.At) < maxAge {
		return -1, nil
	}
	n, err := s.RefreshAll(ctx)
	if err != nil && !crm.IsKind(err, crm.KindInvalid) {
		return n, err
	}
	raw, _ := json.Marshal(evaluationMark{Mark: mark, At: now})
	if serr := s.store.SetSetting(ctx, markKey, string(raw)); serr != nil {
		return n, serr
	}
	return n, err
}

// Members lists a segment's members at its last evaluation, among the
// contacts the caller may read.
func (s *Service) Members(ctx context.Context, id int64, cursor string, limit int) (crm.Page[*customer.Contact], error) {
	const op = "segment.Members"
	p, err := crm.Actor(ctx, op)
	if err != nil {
		return crm.Page[*customer.Contact]{}, err
	}
	if _, err := s.store.Segment(ctx, id); err != nil {
		return crm.Page[*customer.Contact]{}, crm.Wrap(op, err)
	}
	page, err := s.store.SegmentMembers(ctx, id, p.ReadScope(), cursor, crm.ClampLimit(limit))
	return page, crm.Wrap(op, err)
}

// Changes lists who entered and left a segment, newest first, among the
// contacts the caller may read.
func (s *Service) Changes(ctx context.Context, id int64, cursor string, limit int) (crm.Page[*MemberChange], error) {
	const op = "segment.Changes"
	p, err := crm.Actor(ctx, op)
	if err != nil {
		return crm.Page[*MemberChange]{}, err
	}
	if _, err := s.store.Segment(ctx, id); err != nil {
		return crm.Page[*MemberChange]{}, crm.Wrap(op, err)
	}
	page, err := s.store.SegmentChanges(ctx, id, p.ReadScope(), cursor, crm.ClampLimit(limit))
	return page, crm.Wrap(op, err)
}
