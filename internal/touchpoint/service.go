package touchpoint

import (
	"cmp"
	"context"
	"slices"
	"time"

	"github.com/guanxi-crm/guanxi/internal/crm"
)

// Service records events and reads timelines.
type Service struct {
	store Store
	dir   Directory
	clock crm.Clock
}

// NewService returns a Service over a store and the customer directory.
func NewService(store Store, dir Directory, clock crm.Clock) *Service {
	if clock == nil {
		clock = crm.SystemClock{}
	}
	return &Service{store: store, dir: dir, clock: clock}
}

// Result is the outcome of one event of a batch.
type Result struct {
	Index     int
	ID        int64
	ContactID *int64
	// Duplicate is true when an event with the same client event id was
	// already stored; ID is that event's.
	Duplicate bool
	Err       error
}

// Record stores one event.
func (s *Service) Record(ctx context.Context, in EventInput) (*Event, bool, error) {
	results, err := s.RecordBatch(ctx, []EventInput{in})
	if err != nil {
		return nil, false, err
	}
	r := results[0]
	if r.Err != nil {
		return nil, false, r.Err
	}
	e, err := s.store.Event(ctx, r.ID)
	return e, r.Duplicate, crm.Wrap("touchpoint.Record", err)
}

// RecordBatch stores events in one transaction. Each is checked on its own:
// an invalid one, or one naming a customer the caller may not change, is
// answered with its error and the others are stored. An event whose client
// event id is stored already is answered with the stored event's id.
//
// Customers are matched by the strongest id an event carries (contact id,
// external id of its source, email, phone); an email, phone or external id
// not seen before creates a contact. An anonymous id beside a known customer
// joins that anonymous profile, and its earlier events, to the customer.
func (s *Service) RecordBatch(ctx context.Context, inputs []EventInput) ([]Result, error) {
	const op = "touchpoint.RecordBatch"
	p, err := crm.Actor(ctx, op)
	if err != nil {
		return nil, err
	}
	if !p.CanWrite() {
		return nil, crm.Forbidden(op)
	}
	if len(inputs) > MaxBatch {
		return nil, crm.E(op, crm.KindTooLarge, "batch_too_large").With("max", MaxBatch)
	}
	now := s.clock.Now()
	results := make([]Result, len(inputs))
	for i := range inputs {
		results[i].Index = i
		var v crm.Violations
		inputs[i].validate(&v, now)
		results[i].Err = v.Err(op)
	}
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		b := &batch{s: s, p: p, inputs: inputs, results: results, now: now}
		return b.run(ctx)
	})
	if err != nil {
		return nil, crm.Wrap(op, err)
	}
	return results, nil
}

// batch is the work of one RecordBatch inside its transaction.
type batch struct {
	s       *Service
	p       *crm.Principal
	inputs  []EventInput
	results []Result
	now     time.Time
	// contactOf is each valid event's resolved contact (0: none yet).
	contactOf []int64
}

func (b *batch) ok(i int) bool { return b.results[i].Err == nil }

func (b *batch) run(ctx context.Context) error {
	if err := b.skipStored(ctx); err != nil {
		return err
	}
	if err := b.resolveCustomers(ctx); err != nil {
		return err
	}
	joins, err := b.resolveAnonymous(ctx)
	if err != nil {
		return err
	}
	var events []*Event
	var at []int
	for i, in := range b.inputs {
		if !b.ok(i) || b.results[i].Duplicate {
			continue
		}
		e := &Event{Type: in.Type, Channel: in.Channel, OccurredAt: *in.OccurredAt, ReceivedAt: b.now,
			ClientEventID: in.ClientEventID, Source: in.Source, AnonymousID: in.Customer.AnonymousID,
			Properties: in.Properties, CreatedBy: b.p.ActorID()}
		if c := b.contactOf[i]; c != 0 {
			e.ContactID = &c
		}
		events = append(events, e)
		at = append(at, i)
	}
	if err := b.s.store.InsertEvents(ctx, events); err != nil {
		return err
	}
	if err := b.raced(ctx, events); err != nil {
		return err
	}
	// New events only widen their contacts' first and last seen; a join
	// moves older events too, and its contact's figures are recomputed.
	seen := map[int64]SeenSpan{}
	touched := map[int64]bool{}
	for j, e := range events {
		if e.ID == 0 {
			b.results[at[j]].Duplicate = true // stored meanwhile by another call: raced
			continue
		}
		b.results[at[j]].ID, b.results[at[j]].ContactID = e.ID, e.ContactID
		if e.ContactID != nil {
			seen[*e.ContactID] = seen[*e.ContactID].widen(*e.ContactID, e.OccurredAt)
		}
	}
	// Joins come after the inserts, so that anonymous events of this very
	// batch move with the older ones.
	for _, j := range joins {
		moved, previous, err := b.s.store.JoinAnonymous(ctx, j.anonymousID, j.contactID, b.now)
		if err != nil {
			return err
		}
		touched[j.contactID] = true
		if previous != nil && *previous == j.contactID {
			continue
		}
		changes := []crm.Change{
			{Field: "anonymous_id", To: crm.JSON(j.anonymousID)},
			{Field: "events_moved", To: crm.JSON(moved)},
		}
		if previous != nil {
			changes = append(changes, crm.Change{Field: "previous_contact_id", From: crm.JSON(*previous)})
		}
		entry := crm.NewAuditEntry(b.p, crm.RequestID(ctx), b.now, crm.ActionJoin, "contact", j.contactID, changes)
		if err := b.s.store.AppendAudit(ctx, entry); err != nil {
			return err
		}
	}
	// Anonymous events of the batch moved with the first join of their id:
	// later joins of the same id find none left to move.
	joined := map[string]int64{}
	for _, j := range joins {
		if _, ok := joined[j.anonymousID]; !ok {
			joined[j.anonymousID] = j.contactID
		}
	}
	for i, in := range b.inputs {
		if c, ok := joined[in.Customer.AnonymousID]; ok && b.results[i].ContactID == nil && b.results[i].ID != 0 && !b.results[i].Duplicate {
			b.results[i].ContactID = &c
		}
	}
	spans := make([]SeenSpan, 0, len(seen))
	for id, sp := range seen {
		if !touched[id] {
			spans = append(spans, sp)
		}
	}
	slices.SortFunc(spans, func(a, b SeenSpan) int { return cmp.Compare(a.ContactID, b.ContactID) })
	if err := b.s.store.NoteSeen(ctx, spans); err != nil {
		return err
	}
	ids := make([]int64, 0, len(touched))
	for id := range touched {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return b.s.store.RefreshContactMetrics(ctx, ids)
}

// SeenSpan is when a contact was seen first and last in a batch of events.
type SeenSpan struct {
	ContactID   int64
	First, Last time.Time
}

func (sp SeenSpan) widen(id int64, t time.Time) SeenSpan {
	if sp.ContactID == 0 {
		return SeenSpan{ContactID: id, First: t, Last: t}
	}
	if t.Before(sp.First) {
		sp.First = t
	}
	if t.After(sp.Last) {
		sp.Last = t
	}
	return sp
}

// raced answers the events another call stored meanwhile under the same
// client event id (InsertEvents left their ID 0) with the stored event.
func (b *batch) raced(ctx context.Context, events []*Event) error {
	var ids []string
	for _, e := range events {
		if e.ID == 0 {
			ids = append(ids, e.ClientEventID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	stored, err := b.s.store.EventIDsByClientID(ctx, ids)
	if err != nil {
		return err
	}
	for i, in := range b.inputs {
		if id, ok := stored[in.ClientEventID]; ok && in.ClientEventID != "" && b.ok(i) && !b.results[i].Duplicate && b.results[i].ID == 0 {
			b.results[i].ID = id
		}
	}
	return nil
}

// skipStored answers events whose client event id is stored already, or
// repeats one earlier in the batch, with that event.
func (b *batch) skipStored(ctx context.Context) error {
	var clientIDs []string
	for i, in := range b.inputs {
		if b.ok(i) && in.ClientEventID != "" {
			clientIDs = append(clientIDs, in.ClientEventID)
		}
	}
	if len(clientIDs) == 0 {
		return nil
	}
	stored, err := b.s.store.EventIDsByClientID(ctx, clientIDs)
	if err != nil {
		return err
	}
	first := map[string]int{}
	for i, in := range b.inputs {
		if !b.ok(i) || in.ClientEventID == "" {
			continue
		}
		if id, ok := stored[in.ClientEventID]; ok {
			b.results[i].ID, b.results[i].Duplicate = id, true
			continue
		}
		if j, ok := first[in.ClientEventID]; ok {
			b.results[i].Err = crm.E("touchpoint.RecordBatch", crm.KindConflict, "duplicate_in_batch").
				With("field", "client_event_id").With("index", j)
			continue
		}
		first[in.ClientEventID] = i
	}
	return nil
}

type join struct {
	anonymousID string
	contactID   int64
}

// resolveCustomers finds the contacts of the events that name a customer.
func (b *batch) resolveCustomers(ctx context.Context) error {
	r := &resolution{s: b.s, refs: make([]crm.CustomerRef, len(b.inputs)), sources: make([]string, len(b.inputs)),
		active: make([]bool, len(b.inputs)), contactOf: make([]int64, len(b.inputs)), errs: make([]error, len(b.inputs)), now: b.now}
	for i, in := range b.inputs {
		r.refs[i], r.sources[i] = in.Customer, in.Source
		r.active[i] = b.ok(i) && !b.results[i].Duplicate
	}
	if err := r.run(ctx); err != nil {
		return err
	}
	b.contactOf = r.contactOf
	for i, err := range r.errs {
		if err != nil {
			b.results[i].Err = err
		}
	}
	return nil
}

// resolveAnonymous gives events known only by an anonymous id the contact
// their profile was joined to, walking the batch in order, and returns the
// joins that events carrying both an anonymous id and a customer make.
func (b *batch) resolveAnonymous(ctx context.Context) ([]join, error) {
	var anon []string
	for i, in := range b.inputs {
		if b.ok(i) && !b.results[i].Duplicate && in.Customer.AnonymousID != "" {
			anon = append(anon, in.Customer.AnonymousID)
		}
	}
	if len(anon) == 0 {
		return nil, nil
	}
	profiles, err := b.s.store.AnonymousProfiles(ctx, anon)
	if err != nil {
		return nil, err
	}
	current := map[string]int64{}
	for id, c := range profiles {
		if c != nil {
			current[id] = *c
		}
	}
	var joins []join
	var fresh []string
	for i, in := range b.inputs {
		a := in.Customer.AnonymousID
		if !b.ok(i) || b.results[i].Duplicate || a == "" {
			continue
		}
		if _, seen := profiles[a]; !seen {
			profiles[a] = nil
			fresh = append(fresh, a)
		}
		if c := b.contactOf[i]; c != 0 {
			if current[a] != c {
				current[a] = c
				joins = append(joins, join{a, c})
			}
			continue
		}
		if in.Customer.Known() {
			continue // its customer was refused; the error says why
		}
		b.contactOf[i] = current[a]
	}
	if err := b.checkJoined(ctx, profiles); err != nil {
		return nil, err
	}
	return joins, b.s.store.AddAnonymousProfiles(ctx, fresh, b.now)
}

// checkJoined refuses anonymous events that a profile joined before this
// batch gives to a contact the caller may not change: a cookie must not be
// a way around the permissions.
func (b *batch) checkJoined(ctx context.Context, profiles map[string]*int64) error {
	var ids []int64
	for i, in := range b.inputs {
		if p := profiles[in.Customer.AnonymousID]; p != nil && !in.Customer.Known() && b.ok(i) && b.contactOf[i] == *p {
			ids = append(ids, *p)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	_, refused, err := b.s.dir.WritableContacts(ctx, ids)
	if err != nil || len(refused) == 0 {
		return err
	}
	for i, in := range b.inputs {
		if p := profiles[in.Customer.AnonymousID]; p != nil && !in.Customer.Known() && b.ok(i) && b.contactOf[i] == *p && refused[*p] != nil {
			b.results[i].Err, b.contactOf[i] = refused[*p], 0
		}
	}
	return nil
}

// GetEvent reads an event: an event of a contact is as readable as the
// contact; anonymous events by those who read everything.
func (s *Service) GetEvent(ctx context.Context, id int64) (*Event, error) {
	const op = "touchpoint.GetEvent"
	p, err := crm.Actor(ctx, op)
	if err != nil {
		return nil, err
	}
	e, err := s.store.Event(ctx, id)
	if err != nil {
		return nil, crm.Wrap(op, err)
	}
	if e.ContactID != nil {
		if err := s.dir.ReadableContact(ctx, *e.ContactID); err != nil {
			return nil, err
		}
		return e, nil
	}
	if p.Role != crm.RoleAdmin && p.Role != crm.RoleViewer {
		return nil, crm.Forbidden(op)
	}
	return e, nil
}

// ExternalContacts maps ids of a source system to their live contacts.
func (s *Service) ExternalContacts(ctx context.Context, source string, externalIDs []string) (map[string]int64, error) {
	const op = "touchpoint.ExternalContacts"
	if _, err := crm.Actor(ctx, op); err != nil {
		return nil, err
	}
	m, err := s.store.ExternalContacts(ctx, source, externalIDs)
	return m, crm.Wrap(op, err)
}

// LinkExternalIDs records which contact ids of a source system name; an id
// linked already keeps its contact.
func (s *Service) LinkExternalIDs(ctx context.Context, links []ExternalLink) error {
	const op = "touchpoint.LinkExternalIDs"
	p, err := crm.Actor(ctx, op)
	if err != nil {
		return err
	}
	if !p.CanWrite() {
		return crm.Forbidden(op)
	}
	return crm.Wrap(op, s.store.LinkExternalIDs(ctx, links, s.clock.Now()))
}

// ListEvents lists events in the order they were stored: those of one
// contact the actor may read, or all of them for those who read everything.
func (s *Service) ListEvents(ctx context.Context, q EventQuery) (crm.Page[*Event], error) {
	const op = "touchpoint.ListEvents"
	p, err := crm.Actor(ctx, op)
	if err != nil {
		return crm.Page[*Event]{}, err
	}
	switch {
	case q.ContactID != nil:
		if err := s.dir.ReadableContact(ctx, *q.ContactID); err != nil {
			return crm.Page[*Event]{}, err
		}
	case p.Role != crm.RoleAdmin && p.Role != crm.RoleViewer:
		return crm.Page[*Event]{}, crm.Forbidden(op)
	}
	q.Limit = crm.ClampLimit(q.Limit)
	page, err := s.store.ListEvents(ctx, q)
	return page, crm.Wrap(op, err)
}
