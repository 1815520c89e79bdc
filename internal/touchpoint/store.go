package touchpoint

import (
	"context"
	"time"

	"github.com/guanxi-crm/guanxi/internal/crm"
)

// Store is what touchpoints need from persistence. Every method joins the
// transaction of its context when InTx started one.
type Store interface {
	InTx(ctx context.Context, fn func(ctx context.Context) error) error

	// ExternalContacts maps ids of a source system to their live contacts.
	ExternalContacts(ctx context.Context, source string, externalIDs []string) (map[string]int64, error)
	// LinkExternalIDs records which contact an id of a source system names;
	// an id already linked keeps its contact.
	LinkExternalIDs(ctx context.Context, links []ExternalLink, at time.Time) error
	// AnonymousProfiles reads the anonymous ids known so far: the contact
	// each was joined to, or nil while it is still anonymous.
	AnonymousProfiles(ctx context.Context, anonymousIDs []string) (map[string]*int64, error)
	// AddAnonymousProfiles records anonymous ids not seen before.
	AddAnonymousProfiles(ctx context.Context, anonymousIDs []string, at time.Time) error
	// JoinAnonymous ties an anonymous id to a contact and moves its events
	// that have no contact yet onto it; it returns how many moved and the
	// contact the id was tied to before, if any.
	JoinAnonymous(ctx context.Context, anonymousID string, contactID int64, at time.Time) (moved int64, previous *int64, err error)

	// EventIDsByClientID finds stored events by their client event ids.
	EventIDsByClientID(ctx context.Context, clientIDs []string) (map[string]int64, error)
	// InsertEvents stores events and sets their IDs; an event whose client
	// event id another transaction stored meanwhile is not stored, and keeps
	// ID 0.
	InsertEvents(ctx context.Context, events []*Event) error
	Event(ctx context.Context, id int64) (*Event, error)
	// ListEvents lists events in the order they were stored.
	ListEvents(ctx context.Context, q EventQuery) (crm.Page[*Event], error)
	// Timeline lists what happened to a set of contacts (and a company),
	// newest first.
	Timeline(ctx context.Context, q TimelineQuery) (crm.Page[TimelineItem], error)
	// NoteSeen widens contacts' first and last seen to the spans of events
	// just stored.
	NoteSeen(ctx context.Context, spans []SeenSpan) error
	// RefreshContactMetrics recomputes the derived figures of contacts.
	RefreshContactMetrics(ctx context.Context, contactIDs []int64) error

	AppendAudit(ctx context.Context, entries ...crm.AuditEntry) error
}

// ExternalLink ties an id in a source system to a contact.
type ExternalLink struct {
	Source, ExternalID string
	ContactID          int64
}

// Directory is what touchpoints need from the customer database (package
// customer, wired by the app), acting as the principal of the context.
type Directory interface {
	// WritableContacts resolves contact ids, following merges to the
	// surviving contact, and checks that the actor may change them: for
	// each id the live contact's id, or the error that refuses it.
	WritableContacts(ctx context.Context, ids []int64) (map[int64]int64, map[int64]error, error)
	// EnsureContacts finds each person's live contact by email or phone, or
	// creates one; for each person a contact id or the error that refused it.
	EnsureContacts(ctx context.Context, people []crm.Person, source string) ([]int64, []error, error)
	// ReadableContact checks that the actor may read a contact in full.
	ReadableContact(ctx context.Context, id int64) error
	// ReadableCompanyPeople checks that the actor may read a company in full
	// and lists the contacts with a current position there.
	ReadableCompanyPeople(ctx context.Context, companyID int64) ([]int64, error)
}

// EventQuery selects events.
type EventQuery struct {
	ContactID *int64
	Cursor    string
	Limit     int
}
