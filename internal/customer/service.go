package customer

import (
	"context"
	"encoding/json"
	"time"

	"github.com/guanxi-crm/guanxi/internal/crm"
)

// MaxBatch is the most records one batch call creates.
const MaxBatch = 1000

// TrashRetention is how long deleted records stay restorable.
const TrashRetention = 30 * 24 * time.Hour

// Options configure the Service.
type Options struct {
	// DefaultRegion (ISO 3166 alpha-2) reads phone numbers written without a
	// country code.
	DefaultRegion string
	Clock         crm.Clock
}

// Service holds the rules of the customer database.
type Service struct {
	store  Store
	region string
	clock  crm.Clock
}

// NewService returns a Service over a store.
func NewService(store Store, opt Options) *Service {
	if opt.Clock == nil {
		opt.Clock = crm.SystemClock{}
	}
	return &Service{store: store, region: opt.DefaultRegion, clock: opt.Clock}
}

// DefaultRegion is the region phone numbers without a country code belong to.
func (s *Service) DefaultRegion() string { return s.region }

// WriteOptions tune a create or update.
type WriteOptions struct {
	// AllowDuplicate creates or saves a contact even when another live
	// contact has one of its email addresses or phone numbers.
	AllowDuplicate bool
	// Source names where the change came from ("api", "ui", "import"); it is
	// recorded as the source of consent changes that do not name one.
	Source string
}

func (o WriteOptions) source() string {
	if o.Source == "" {
		return "api"
	}
	return o.Source
}

// BatchResult is the outcome of one record of a batch.
type BatchResult = crm.BatchResult

// audit builds an audit entry for the acting principal.
func (s *Service) audit(ctx context.Context, p *crm.Principal, at time.Time, action, recordType string, id int64, changes []crm.Change) crm.AuditEntry {
	return crm.NewAuditEntry(p, crm.RequestID(ctx), at, action, recordType, id, changes)
}

// referenceViolations adds field errors for an owner or team that does not
// exist.
func referenceViolations(v *crm.Violations, owner, team *int64, missingUsers, missingTeams map[int64]bool) {
	if owner != nil && missingUsers[*owner] {
		v.Add("owner_id", "unknown_user", "id", *owner)
	}
	if team != nil && missingTeams[*team] {
		v.Add("team_id", "unknown_team", "id", *team)
	}
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

// clone deep-copies a value through JSON, so callers can change a copy of
// stored fields while the original stays the "before" of the audit diff.
func clone[T any](v T) T {
	b, err := json.Marshal(v)
	if err != nil {
		panic("customer.clone: " + err.Error())
	}
	var out T
	if err := json.Unmarshal(b, &out); err != nil {
		panic("customer.clone: " + err.Error())
	}
	return out
}

func ptr[T any](v T) *T { return &v }
