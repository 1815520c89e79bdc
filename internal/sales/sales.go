// Package sales is selling (MISSION.md C6): pipelines of ordered stages with
// their win probabilities, deals worked through them with every stage change
// recorded, and the forecast and KPIs made from that history (the arithmetic
// is package analytics/salesforecast; the activities per deal are counted by
// the store, as activities are package activity's). It knows nothing of
// HTTP or SQL.
package sales

import (
	"context"
	"time"

	"github.com/guanxi-crm/guanxi/internal/analytics/salesforecast"
	"github.com/guanxi-crm/guanxi/internal/crm"
)

// MaxBatch is the most deals one batch call creates or moves.
const MaxBatch = 1000

// Limits that keep every total inside int64 and every record readable.
const (
	maxAmount   = 1_000_000_000_000 // minor units: ten billion in a 2-decimal currency
	maxQuantity = 1_000_000
	maxLines    = 500
	maxContacts = 100
	maxStages   = 30
)

// Audit record types.
const (
	RecordDeal     = "deal"
	RecordPipeline = "pipeline"
)

// Store is what sales needs from persistence. Every method joins the
// transaction of its context when InTx started one.
type Store interface {
	InTx(ctx context.Context, fn func(ctx context.Context) error) error
	Setting(ctx context.Context, key string) (string, bool, error)
	SetSetting(ctx context.Context, key, value string) error
	// MissingUsers and MissingTeams return those of ids that do not exist.
	MissingUsers(ctx context.Context, ids []int64) ([]int64, error)
	MissingTeams(ctx context.Context, ids []int64) ([]int64, error)
	// TeamMemberIDs lists the members of a team.
	TeamMemberIDs(ctx context.Context, teamID int64) ([]int64, error)
	AppendAudit(ctx context.Context, entries ...crm.AuditEntry) error
	// Audit lists the entries of records, newest first.
	Audit(ctx context.Context, recordType string, ids []int64, cursor string, limit int) (crm.Page[crm.AuditEntry], error)

	// CreatePipeline inserts a pipeline with its stages, setting their IDs
	// and the pipeline's Version 1.
	CreatePipeline(ctx context.Context, p *Pipeline) error
	// Pipeline reads a pipeline with its stages in order.
	Pipeline(ctx context.Context, id int64) (*Pipeline, error)
	// Pipelines reads every pipeline with its stages, oldest first.
	Pipelines(ctx context.Context) ([]*Pipeline, error)
	// UpdatePipeline saves next over old if old.Version is current (else
	// Stale): its name, and its stages — inserting those without an ID,
	// updating the changed ones, deleting those no longer there.
	UpdatePipeline(ctx context.Context, old, next *Pipeline) error
	DeletePipeline(ctx context.Context, id int64) error
	// Stage reads a stage.
	Stage(ctx context.Context, id int64) (*Stage, error)
	// CountDeals counts the deals of a pipeline (stageID 0) or in a stage.
	CountDeals(ctx context.Context, pipelineID, stageID int64) (int64, error)

	// CreateDeals inserts deals with their contacts, lines and first stage
	// change (Deal.FirstChange), setting IDs and Version 1.
	CreateDeals(ctx context.Context, deals []*Deal) error
	// Deal reads a deal with its contacts and lines.
	Deal(ctx context.Context, id int64) (*Deal, error)
	// DealsByID reads deals, skipping ids that do not exist.
	DealsByID(ctx context.Context, ids []int64) (map[int64]*Deal, error)
	// UpdateDeal saves next over old if old.Version is current (else
	// Stale), setting next.Version; contacts and lines are replaced when
	// they differ.
	UpdateDeal(ctx context.Context, old, next *Deal) error
	// AddStageChanges records moves between stages.
	AddStageChanges(ctx context.Context, changes []StageChange) error
	DeleteDeal(ctx context.Context, id int64) error
	// ListDeals lists deals newest first.
	ListDeals(ctx context.Context, q DealQuery) (crm.Page[*Deal], error)
	// StageChanges lists a deal's moves, oldest first.
	StageChanges(ctx context.Context, dealID int64) ([]StageChange, error)
	// DealFacts reads what the forecast and KPIs need of every deal a
	// query selects.
	DealFacts(ctx context.Context, q FactQuery) ([]Fact, error)
	// DealActivityCount counts the deals closed in a period that a query
	// selects and the activities logged on them.
	DealActivityCount(ctx context.Context, q ActivityCountQuery) (ActivityCount, error)
	QuoteStore
}

// Directory is what sales needs from the customer database (package
// customer, wired by the app), acting as the principal of the context.
type Directory interface {
	// ReadableContacts checks that the actor may read each contact in
	// full: for each refused id, NotFound (unknown, deleted or merged) or
	// Forbidden.
	ReadableContacts(ctx context.Context, ids []int64) (map[int64]error, error)
	// ReadableCompanies does the same for companies.
	ReadableCompanies(ctx context.Context, ids []int64) (map[int64]error, error)
}

// Options configure the Service.
type Options struct {
	Clock crm.Clock
	// DefaultCurrency is taken by the first deal (or product, or order) when
	// the database has no currency yet and the deal names none.
	DefaultCurrency string
}

// Service holds the rules of selling.
type Service struct {
	store    Store
	dir      Directory
	clock    crm.Clock
	fallback string
}

// NewService returns a Service.
func NewService(store Store, dir Directory, opt Options) *Service {
	if opt.Clock == nil {
		opt.Clock = crm.SystemClock{}
	}
	return &Service{store: store, dir: dir, clock: opt.Clock, fallback: opt.DefaultCurrency}
}

// BatchResult is the outcome of one record of a batch.
type BatchResult = crm.BatchResult

// Currency is the currency of every amount, or "" before the first.
func (s *Service) Currency(ctx context.Context) (string, error) { return crm.Currency(ctx, s.store) }

func (s *Service) settleCurrency(ctx context.Context, given string) (string, error) {
	return crm.SettleCurrency(ctx, s.store, given, s.fallback)
}

// admin returns the acting principal if it is an admin.
func admin(ctx context.Context, op string) (*crm.Principal, error) {
	p, err := crm.Actor(ctx, op)
	if err != nil {
		return nil, err
	}
	if !p.IsAdmin() {
		return nil, crm.E(op, crm.KindForbidden, "pipelines_admins_only")
	}
	return p, nil
}

// audit builds an audit entry for the acting principal.
func audit(ctx context.Context, p *crm.Principal, at time.Time, action, recordType string, id int64, changes []crm.Change) crm.AuditEntry {
	return crm.NewAuditEntry(p, crm.RequestID(ctx), at, action, recordType, id, changes)
}

// dateLayout is how dates are written: YYYY-MM-DD.
const dateLayout = "2006-01-02"

// checkDate validates an optional date.
func checkDate(v *crm.Violations, field, s string) string {
	if s == "" {
		return ""
	}
	if _, err := time.Parse(dateLayout, s); err != nil {
		v.Add(field, "expected_date")
	}
	return s
}

// parseDate reads a stored date as midnight UTC; zero for "" or garbage.
func parseDate(s string) time.Time {
	t, err := time.Parse(dateLayout, s)
	if err != nil {
		return time.Time{}
	}
	return t
}

// forecastStages turns pipelines into the stages of the arithmetic.
func forecastStages(pipelines []*Pipeline) []salesforecast.Stage {
	var out []salesforecast.Stage
	for _, p := range pipelines {
		for _, st := range p.Stages {
			out = append(out, salesforecast.Stage{ID: st.ID, PipelineID: p.ID, Name: st.Name, Position: st.Position,
				Kind: st.Kind, Probability: st.Probability})
		}
	}
	return out
}

func ptr[T any](v T) *T { return &v }
