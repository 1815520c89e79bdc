// Package lead is the front of selling (MISSION.md C6, and the Chinese
// practice of the shared lead pool, 公海): leads captured from the API and
// from public web forms with their source and UTM parameters, scored by
// rules an admin sets (points for what a lead says about itself and for what
// its person did), qualified or disqualified, and converted into a contact,
// a company and a deal in one transaction.
//
// Leads and contacts without an owner sit in a pool — a team's, or the
// default one — where reps claim them up to the pool's cap. A claim without
// a follow-up activity for the pool's recycle days goes back to the pool
// (a durable job does it), and the rep who had it may not claim it again
// for the pool's protection days. Claiming a record that matches another
// rep's customer (same email, phone or company) is a collision (撞单): the
// pool refuses it, or holds it for a manager's approval.
//
// It knows nothing of HTTP or SQL, nor of the customer and sales packages:
// what it needs of them it declares (Customers, Deals) and the app wires.
package lead

import (
	"context"
	"time"

	"github.com/guanxi-crm/guanxi/internal/crm"
)

// MaxBatch is the most leads one batch call creates.
const MaxBatch = 1000

// Lead statuses.
const (
	StatusNew          = "new"
	StatusQualified    = "qualified"
	StatusDisqualified = "disqualified"
	StatusConverted    = "converted"
)

// Statuses lists the lead statuses.
var Statuses = []string{StatusNew, StatusQualified, StatusDisqualified, StatusConverted}

// open reports whether a lead is still being worked (and may sit in a pool).
func open(status string) bool { return status == StatusNew || status == StatusQualified }

// Record types: of the audit log, and of what a pool holds.
const (
	RecordLead    = "lead"
	RecordContact = "contact"
	RecordCompany = "company"
	RecordDeal    = "deal"
	RecordPool    = "lead_pool"
	RecordForm    = "lead_form"
)

// CompanySizes are the bands of employees (as a company's).
var CompanySizes = []string{"1-10", "11-50", "51-200", "201-500", "501-1000", "1001-5000", "5001+"}

// LeadFields are the fields of a lead a client writes. Its status changes
// only by qualifying, disqualifying or converting it.
type LeadFields struct {
	Name        string         `json:"name" required:"false" maxLength:"200" doc:"Who the lead is; defaults to the email or phone"`
	CompanyName string         `json:"company_name" required:"false" maxLength:"200"`
	Title       string         `json:"title" required:"false" maxLength:"200" doc:"Job title"`
	Email       string         `json:"email" required:"false" maxLength:"254" doc:"Stored lower-case"`
	Phone       string         `json:"phone" required:"false" maxLength:"40" doc:"Stored in E.164; numbers without a country code take the server's default region"`
	CompanySize string         `json:"company_size" required:"false" enum:"1-10,11-50,51-200,201-500,501-1000,1001-5000,5001+," doc:"Employees"`
	Source      string         `json:"source" required:"false" maxLength:"100" doc:"Where the lead came from: web_form, import, event, referral, trade_show …"`
	UTMSource   string         `json:"utm_source" required:"false" maxLength:"200"`
	UTMMedium   string         `json:"utm_medium" required:"false" maxLength:"200"`
	UTMCampaign string         `json:"utm_campaign" required:"false" maxLength:"200"`
	UTMTerm     string         `json:"utm_term" required:"false" maxLength:"200"`
	UTMContent  string         `json:"utm_content" required:"false" maxLength:"200"`
	OwnerID     *int64         `json:"owner_id" required:"false" doc:"Defaults to the creator; null leaves the lead in its pool"`
	TeamID      *int64         `json:"team_id" required:"false"`
	PoolID      *int64         `json:"pool_id" required:"false" doc:"The pool the lead sits in while it has no owner; default: its team's pool, else the default pool"`
	Notes       string         `json:"notes" required:"false" maxLength:"5000"`
	Custom      map[string]any `json:"custom" required:"false" doc:"Anything else, by key (lower-case letters, digits, _): strings, numbers, booleans"`
}

// LeadInput is a new lead. Unowned is how a client leaves it in a pool:
// without it, a lead without owner_id is the creator's.
type LeadInput struct {
	LeadFields
	Unowned bool `json:"unowned,omitempty" doc:"Create the lead without an owner, in its pool"`
}

// ScoreReason is one rule's part of a lead's score.
type ScoreReason struct {
	Rule   string `json:"rule" doc:"has_company, business_email, has_phone, company_size, source or behaviour"`
	Detail string `json:"detail" doc:"What matched: the size band, the source, the behaviour's name and count"`
	Points int    `json:"points"`
}

// Lead is a person or company that may buy, before they are a customer.
type Lead struct {
	ID      int64 `json:"id"`
	Version int64 `json:"version"`
	LeadFields
	Status           string        `json:"status" enum:"new,qualified,disqualified,converted"`
	DisqualifyReason string        `json:"disqualify_reason,omitempty"`
	Score            int           `json:"score"`
	ScoreReasons     []ScoreReason `json:"score_reasons" nullable:"false" doc:"Why the lead has its score, rule by rule"`
	ScoredAt         *time.Time    `json:"scored_at,omitempty"`
	FormID           *int64        `json:"form_id,omitempty" doc:"The web form that captured it"`
	ContactID        *int64        `json:"contact_id,omitempty" doc:"The contact its conversion made (or used)"`
	CompanyID        *int64        `json:"company_id,omitempty" doc:"The company its conversion made (or used)"`
	DealID           *int64        `json:"deal_id,omitempty" doc:"The deal its conversion made"`
	QualifiedAt      *time.Time    `json:"qualified_at,omitempty"`
	DisqualifiedAt   *time.Time    `json:"disqualified_at,omitempty"`
	ConvertedAt      *time.Time    `json:"converted_at,omitempty"`
	Claim            *Claim        `json:"claim,omitempty" doc:"The pool claim on the lead, active or pending (single reads)"`
	CreatedBy        *int64        `json:"created_by,omitempty"`
	CreatedAt        time.Time     `json:"created_at"`
	UpdatedAt        time.Time     `json:"updated_at"`
}

// leadView is what the audit log records of a lead.
type leadView struct {
	LeadFields
	Status           string `json:"status"`
	DisqualifyReason string `json:"disqualify_reason,omitempty"`
	ContactID        *int64 `json:"contact_id,omitempty"`
	CompanyID        *int64 `json:"company_id,omitempty"`
	DealID           *int64 `json:"deal_id,omitempty"`
}

func (l *Lead) view() leadView {
	return leadView{LeadFields: l.LeadFields, Status: l.Status, DisqualifyReason: l.DisqualifyReason,
		ContactID: l.ContactID, CompanyID: l.CompanyID, DealID: l.DealID}
}

// LeadQuery selects leads, newest first.
type LeadQuery struct {
	Status, Source  string
	OwnerID, TeamID int64
	FormID          int64
	// Q finds leads by what a user typed: a lead matches when Q is a
	// substring of its name, company or email, ignoring case, or when Q is
	// a phone number being typed whose digits are in its phone. % and _
	// are themselves, not wildcards. At most MaxQuery characters.
	Q string
	// PhoneDigits and PhonePrefix are how Q reads as a phone number, set
	// by ListLeads: digits found anywhere in a stored number, and the start
	// of the E.164 form of a national number written with its trunk prefix
	// ("0912 345" → "+886912345" where the server's region is Taiwan).
	PhoneDigits, PhonePrefix string
	// Scope limits the list to what the caller may read (nil: everything).
	Scope  *crm.ReadScope
	Cursor string
	Limit  int
}

// Store is what leads and pools need from persistence. Every method joins
// the transaction of its context when InTx started one.
type Store interface {
	InTx(ctx context.Context, fn func(ctx context.Context) error) error
	Setting(ctx context.Context, key string) (string, bool, error)
	SetSetting(ctx context.Context, key, value string) error
	// MissingUsers and MissingTeams return those of ids that do not exist.
	MissingUsers(ctx context.Context, ids []int64) ([]int64, error)
	MissingTeams(ctx context.Context, ids []int64) ([]int64, error)
	AppendAudit(ctx context.Context, entries ...crm.AuditEntry) error
	// Audit lists the entries of records, newest first.
	Audit(ctx context.Context, recordType string, ids []int64, cursor string, limit int) (crm.Page[crm.AuditEntry], error)

	// CreateLeads inserts leads, setting their IDs and Version 1.
	CreateLeads(ctx context.Context, leads []*Lead) error
	Lead(ctx context.Context, id int64) (*Lead, error)
	// UpdateLead saves next over old if old.Version is current (else
	// Stale), setting next.Version.
	UpdateLead(ctx context.Context, old, next *Lead) error
	DeleteLead(ctx context.Context, id int64) error
	ListLeads(ctx context.Context, q LeadQuery) (crm.Page[*Lead], error)
	// OpenLeads reads up to limit new and qualified leads with ids above
	// after, in id order (for rescoring).
	OpenLeads(ctx context.Context, after int64, limit int) ([]*Lead, error)
	// SetLeadScores saves scores without changing the leads' versions: a score
	// is derived, and a rescore must not make a client's If-Match stale.
	SetLeadScores(ctx context.Context, scores []Score) error
	// LeadContacts maps each lead to the live contacts that are its
	// person: by email, by phone, and the contact its conversion made.
	LeadContacts(ctx context.Context, leads []*Lead) (map[int64][]int64, error)
	// CountLeadEvents counts, per contact, the events a behaviour rule matches
	// that happened at or after since (zero: ever).
	CountLeadEvents(ctx context.Context, contactIDs []int64, rule BehaviourRule, since time.Time) (map[int64]int64, error)

	PoolStore
	FormStore
}

// Score is a lead's computed score.
type Score struct {
	LeadID  int64
	Score   int
	Reasons []ScoreReason
	At      time.Time
}

// Customers is what a conversion needs of the customer database (package
// customer, wired by the app), acting as the principal of the context and
// joining its transaction.
type Customers interface {
	// CreateContact creates a contact and returns its id. One whose email
	// or phone a live contact has is a Conflict naming it (existing_id).
	CreateContact(ctx context.Context, c NewContact) (int64, error)
	// CreateCompany creates a company and returns its id.
	CreateCompany(ctx context.Context, c NewCompany) (int64, error)
	// AddPosition records that a contact works at a company.
	AddPosition(ctx context.Context, contactID, companyID int64, title string) error
	// WritableContact checks that the actor may change a contact and
	// returns the live one it stands for (the survivor of a merge);
	// NotFound or Forbidden otherwise.
	WritableContact(ctx context.Context, id int64) (int64, error)
	// ReadableCompany checks that the actor may read a live company.
	ReadableCompany(ctx context.Context, id int64) error
}

// Deals is what a conversion needs of sales (package sales, wired by the
// app), acting as the principal of the context and joining its transaction.
type Deals interface {
	CreateDeal(ctx context.Context, d NewDeal) (int64, error)
}

// NewContact is the contact a conversion makes.
type NewContact struct {
	Name, Email, Phone string
	OwnerID, TeamID    *int64
}

// NewCompany is the company a conversion makes.
type NewCompany struct {
	Name, Size, Domain string
	OwnerID, TeamID    *int64
}

// NewDeal is the deal a conversion makes.
type NewDeal struct {
	Name                  string
	Amount                int64
	PipelineID, StageID   int64
	ExpectedCloseOn       string
	OwnerID, TeamID       *int64
	CompanyID             *int64
	ContactID             int64
	Currency              string
	ContactRole, NextStep string
}

// Jobs enqueues durable jobs (package jobs, wired by the app), in the
// transaction of ctx. A job whose kind and key were enqueued before is not
// enqueued again.
type Jobs interface {
	Enqueue(ctx context.Context, kind, key string, payload any, runAt time.Time) error
}

// Job kinds this package's work runs as (the app registers their handlers).
const (
	// JobRecycle returns claims past their recycle days to their pools:
	// on a schedule, and at the moment each claim falls due.
	JobRecycle = "lead.pool.recycle"
	// JobRescore recomputes the score of every open lead: on a schedule,
	// and when the scoring rules change.
	JobRescore = "lead.rescore"
)

// Options configure the Service.
type Options struct {
	Clock crm.Clock
	// Region (ISO 3166 alpha-2) reads phone numbers written without a
	// country code.
	Region string
	// Jobs schedules the recycling of claims and rescoring (nil: the
	// scheduled runs alone do it).
	Jobs Jobs
}

// Service holds the rules of leads, pools and web forms.
type Service struct {
	store     Store
	customers Customers
	deals     Deals
	jobs      Jobs
	clock     crm.Clock
	region    string
	// dialing is how numbers are written in region, for reading searches.
	dialing dialing
}

// NewService returns a Service.
func NewService(store Store, customers Customers, deals Deals, opt Options) *Service {
	if opt.Clock == nil {
		opt.Clock = crm.SystemClock{}
	}
	return &Service{store: store, customers: customers, deals: deals, jobs: opt.Jobs, clock: opt.Clock, region: opt.Region,
		dialing: dialingOf(opt.Region)}
}

// BatchResult is the outcome of one record of a batch.
type BatchResult = crm.BatchResult

// audit builds an audit entry for the acting principal.
func audit(ctx context.Context, p *crm.Principal, at time.Time, action, recordType string, id int64, changes []crm.Change) crm.AuditEntry {
	return crm.NewAuditEntry(p, crm.RequestID(ctx), at, action, recordType, id, changes)
}

// admin returns the acting principal if it is an admin.
func admin(ctx context.Context, op, code string) (*crm.Principal, error) {
	p, err := crm.Actor(ctx, op)
	if err != nil {
		return nil, err
	}
	if !p.IsAdmin() {
		return nil, crm.E(op, crm.KindForbidden, code)
	}
	return p, nil
}

func ptr[T any](v T) *T { return &v }

func samePtr(a, b *int64) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }

func ids(ps ...*int64) []int64 {
	var out []int64
	for _, p := range ps {
		if p != nil {
			out = append(out, *p)
		}
	}
	return out
}

// maxAttempts bounds how often a change starts over because another writer
// changed the record between its read and its write.
const maxAttempts = 5

// retryStale runs a change again when another writer changed the record
// meanwhile (Stale), unless the caller named the version it read.
func retryStale(ifVersion int64, attempt func() error) error {
	for i := 1; ; i++ {
		err := attempt()
		if ifVersion != 0 || i == maxAttempts || !crm.IsKind(err, crm.KindStale) {
			return err
		}
	}
}
