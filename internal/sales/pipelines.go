package sales

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/guanxi-crm/guanxi/internal/crm"
)

// Stage kinds: a deal in an open stage is being worked; the won and lost
// stages close it. Each pipeline has exactly one won and one lost stage,
// after all its open stages.
const (
	KindOpen = "open"
	KindWon  = "won"
	KindLost = "lost"
)

// Kinds lists the stage kinds.
var Kinds = []string{KindOpen, KindWon, KindLost}

// Stage is a step of a pipeline.
type Stage struct {
	ID          int64  `json:"id"`
	PipelineID  int64  `json:"pipeline_id"`
	Name        string `json:"name"`
	Position    int    `json:"position" doc:"Order in the pipeline, from 1; the won and lost stages come last"`
	Probability int    `json:"probability" doc:"Chance, in percent, that a deal in this stage is won (won: 100, lost: 0)"`
	Kind        string `json:"kind" enum:"open,won,lost"`
}

// Pipeline is a sales process: its stages in order. Changing a stage changes
// the pipeline's version.
type Pipeline struct {
	ID        int64     `json:"id"`
	Version   int64     `json:"version"`
	Name      string    `json:"name"`
	Stages    []Stage   `json:"stages" nullable:"false"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// stage returns the pipeline's stage of an id.
func (p *Pipeline) stage(id int64) *Stage {
	for i := range p.Stages {
		if p.Stages[i].ID == id {
			return &p.Stages[i]
		}
	}
	return nil
}

// ofKind returns the first stage of a kind.
func (p *Pipeline) ofKind(kind string) *Stage {
	for i := range p.Stages {
		if p.Stages[i].Kind == kind {
			return &p.Stages[i]
		}
	}
	return nil
}

// clone copies a pipeline and its stages.
func (p *Pipeline) clone() *Pipeline {
	c := *p
	c.Stages = slices.Clone(p.Stages)
	return &c
}

// StageInput is a stage as a client sends it.
type StageInput struct {
	Name        string `json:"name" maxLength:"100"`
	Probability *int   `json:"probability,omitempty" minimum:"0" maximum:"100" doc:"Percent; required for open stages (won is 100, lost 0)"`
	Kind        string `json:"kind,omitempty" enum:"open,won,lost," doc:"open (default), won or lost"`
}

// PipelineInput is a new pipeline.
type PipelineInput struct {
	Name   string       `json:"name" maxLength:"100"`
	Stages []StageInput `json:"stages,omitempty" maxItems:"30" doc:"In order, the won and lost stages last; each pipeline has exactly one won and one lost stage. Absent: Qualified 10%, Needs analysis 25%, Proposal 50%, Negotiation 75%, Won, Lost"`
}

// DefaultStages are the stages of a pipeline created without any.
var DefaultStages = []StageInput{
	{Name: "Qualified", Probability: ptr(10)},
	{Name: "Needs analysis", Probability: ptr(25)},
	{Name: "Proposal", Probability: ptr(50)},
	{Name: "Negotiation", Probability: ptr(75)},
	{Name: "Won", Kind: KindWon},
	{Name: "Lost", Kind: KindLost},
}

// PipelineFields are the fields of a pipeline a client changes.
type PipelineFields struct {
	Name string `json:"name" maxLength:"100"`
}

// StageFields are the fields of a stage a client changes.
type StageFields struct {
	Name        string `json:"name" maxLength:"100"`
	Probability int    `json:"probability" minimum:"0" maximum:"100" doc:"Percent; fixed for the won (100) and lost (0) stages"`
}

// NewStage is a stage added to a pipeline.
type NewStage struct {
	Name        string `json:"name" maxLength:"100"`
	Probability int    `json:"probability" minimum:"0" maximum:"100"`
	Position    int    `json:"position,omitempty" minimum:"0" doc:"Where it goes, from 1 (absent: after the last open stage); never after the won and lost stages"`
}

// checkStage validates a stage's name and probability for its kind.
func checkStage(v *crm.Violations, field string, st *Stage) {
	st.Name = crm.CleanText(v, field+"name", st.Name, 100)
	if st.Name == "" {
		v.Add(field+"name", "required")
	}
	switch st.Kind {
	case KindWon:
		if st.Probability != 100 {
			v.Add(field+"probability", "fixed_probability", "probability", 100)
		}
	case KindLost:
		if st.Probability != 0 {
			v.Add(field+"probability", "fixed_probability", "probability", 0)
		}
	case KindOpen:
		if st.Probability < 0 || st.Probability > 100 {
			v.Add(field+"probability", "out_of_range", "min", 0, "max", 100)
		}
	default:
		v.Add(field+"kind", "invalid_kind", "allowed", Kinds)
	}
}

// checkPipeline checks what holds of every pipeline: a name; one won and
// one lost stage after one or more open ones; stage names used once. It
// numbers the stages in their order.
func checkPipeline(v *crm.Violations, p *Pipeline) {
	p.Name = crm.CleanText(v, "name", p.Name, 100)
	if p.Name == "" {
		v.Add("name", "required")
	}
	if len(p.Stages) > maxStages {
		v.Add("stages", "too_many", "max", maxStages)
	}
	counts := map[string]int{}
	names := map[string]bool{}
	closedSeen := false
	for i := range p.Stages {
		st := &p.Stages[i]
		st.Position = i + 1
		field := fmt.Sprintf("stages[%d].", i)
		checkStage(v, field, st)
		counts[st.Kind]++
		if key := strings.ToLower(st.Name); names[key] {
			v.Add(field+"name", "listed_twice")
		} else {
			names[key] = true
		}
		if st.Kind == KindOpen && closedSeen {
			v.Add("stages", "closed_stages_last")
		}
		closedSeen = closedSeen || st.Kind != KindOpen
	}
	if counts[KindWon] != 1 || counts[KindLost] != 1 || counts[KindOpen] == 0 {
		v.Add("stages", "one_won_one_lost")
	}
}

// ListPipelines lists every pipeline with its stages; everyone signed in
// may.
func (s *Service) ListPipelines(ctx context.Context) ([]*Pipeline, error) {
	const op = "sales.ListPipelines"
	if _, err := crm.Actor(ctx, op); err != nil {
		return nil, err
	}
	ps, err := s.store.Pipelines(ctx)
	return ps, crm.Wrap(op, err)
}

// GetPipeline reads a pipeline.
func (s *Service) GetPipeline(ctx context.Context, id int64) (*Pipeline, error) {
	const op = "sales.GetPipeline"
	if _, err := crm.Actor(ctx, op); err != nil {
		return nil, err
	}
	p, err := s.store.Pipeline(ctx, id)
	return p, crm.Wrap(op, err)
}

// CreatePipeline creates a pipeline with its stages (DefaultStages when the
// input has none). Admins only.
func (s *Service) CreatePipeline(ctx context.Context, in PipelineInput) (*Pipeline, error) {
	const op = "sales.CreatePipeline"
	p, err := admin(ctx, op)
	if err != nil {
		return nil, err
	}
	if len(in.Stages) == 0 {
		in.Stages = DefaultStages
	}
	now := s.clock.Now()
	pl := &Pipeline{Name: in.Name, CreatedAt: now, UpdatedAt: now}
	var v crm.Violations
	for i, si := range in.Stages {
		st := Stage{Name: si.Name, Kind: si.Kind}
		if st.Kind == "" {
			st.Kind = KindOpen
		}
		switch {
		case si.Probability != nil:
			st.Probability = *si.Probability
		case st.Kind == KindWon:
			st.Probability = 100
		case st.Kind == KindOpen:
			v.Add(fmt.Sprintf("stages[%d].probability", i), "required")
		}
		pl.Stages = append(pl.Stages, st)
	}
	checkPipeline(&v, pl)
	if err := v.Err(op); err != nil {
		return nil, err
	}
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		if err := s.store.CreatePipeline(ctx, pl); err != nil {
			return err
		}
		changes, err := crm.Diff(nil, map[string]any{"name": pl.Name, "stages": pl.Stages})
		if err != nil {
			return err
		}
		return s.store.AppendAudit(ctx, audit(ctx, p, now, crm.ActionCreate, RecordPipeline, pl.ID, changes))
	})
	if err != nil {
		return nil, crm.Wrap(op, err)
	}
	return pl, nil
}

// changePipeline applies a change to a pipeline as an admin, checks the
// result, saves it and records it. ifVersion 0 skips the version check.
func (s *Service) changePipeline(ctx context.Context, op string, id, ifVersion int64, change func(ctx context.Context, p *Pipeline, v *crm.Violations) error) (*Pipeline, error) {
	actor, err := admin(ctx, op)
	if err != nil {
		return nil, err
	}
	var next *Pipeline
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		old, err := s.store.Pipeline(ctx, id)
		if err != nil {
			return err
		}
		if ifVersion != 0 && old.Version != ifVersion {
			return crm.Stale(op, old.Version)
		}
		next = old.clone()
		var v crm.Violations
		if err := change(ctx, next, &v); err != nil {
			return err
		}
		if v.Empty() {
			checkPipeline(&v, next)
		}
		if err := v.Err(op); err != nil {
			return err
		}
		next.UpdatedAt = s.clock.Now()
		if err := s.store.UpdatePipeline(ctx, old, next); err != nil {
			return err
		}
		changes, err := crm.Diff(old, next)
		if err != nil {
			return err
		}
		changes = slices.DeleteFunc(changes, func(c crm.Change) bool { return c.Field == "version" || c.Field == "updated_at" })
		return s.store.AppendAudit(ctx, audit(ctx, actor, next.UpdatedAt, crm.ActionUpdate, RecordPipeline, id, changes))
	})
	if err != nil {
		return nil, crm.Wrap(op, err)
	}
	return s.store.Pipeline(ctx, next.ID)
}

// UpdatePipeline renames a pipeline. Admins only.
func (s *Service) UpdatePipeline(ctx context.Context, id, ifVersion int64, apply func(*PipelineFields) error) (*Pipeline, error) {
	return s.changePipeline(ctx, "sales.UpdatePipeline", id, ifVersion, func(_ context.Context, p *Pipeline, _ *crm.Violations) error {
		f := PipelineFields{Name: p.Name}
		if err := apply(&f); err != nil {
			return err
		}
		p.Name = f.Name
		return nil
	})
}

// DeletePipeline deletes a pipeline that has no deals. Admins only.
func (s *Service) DeletePipeline(ctx context.Context, id, ifVersion int64) error {
	const op = "sales.DeletePipeline"
	p, err := admin(ctx, op)
	if err != nil {
		return err
	}
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		old, err := s.store.Pipeline(ctx, id)
		if err != nil {
			return err
		}
		if ifVersion != 0 && old.Version != ifVersion {
			return crm.Stale(op, old.Version)
		}
		n, err := s.store.CountDeals(ctx, id, 0)
		if err != nil {
			return err
		}
		if n > 0 {
			return crm.E(op, crm.KindConflict, "pipeline_has_deals").With("deals", n)
		}
		if err := s.store.DeletePipeline(ctx, id); err != nil {
			return err
		}
		return s.store.AppendAudit(ctx, audit(ctx, p, s.clock.Now(), crm.ActionDelete, RecordPipeline, id, nil))
	})
	return crm.Wrap(op, err)
}

// AddStage adds an open stage to a pipeline, by default after its last open
// stage. Admins only.
func (s *Service) AddStage(ctx context.Context, pipelineID, ifVersion int64, in NewStage) (*Pipeline, error) {
	return s.changePipeline(ctx, "sales.AddStage", pipelineID, ifVersion, func(_ context.Context, p *Pipeline, v *crm.Violations) error {
		open := 0
		for _, st := range p.Stages {
			if st.Kind == KindOpen {
				open++
			}
		}
		at := in.Position
		switch {
		case at == 0:
			at = open + 1
		case at < 1 || at > open+1:
			v.Add("position", "out_of_range", "min", 1, "max", open+1)
			return nil
		}
		st := Stage{PipelineID: p.ID, Name: in.Name, Probability: in.Probability, Kind: KindOpen}
		p.Stages = slices.Insert(p.Stages, at-1, st)
		return nil
	})
}

// UpdateStage renames a stage or changes its probability. Admins only.
func (s *Service) UpdateStage(ctx context.Context, pipelineID, stageID, ifVersion int64, apply func(*StageFields) error) (*Pipeline, error) {
	return s.changePipeline(ctx, "sales.UpdateStage", pipelineID, ifVersion, func(_ context.Context, p *Pipeline, _ *crm.Violations) error {
		st := p.stage(stageID)
		if st == nil {
			return crm.NotFound("sales.UpdateStage", "stage", stageID)
		}
		f := StageFields{Name: st.Name, Probability: st.Probability}
		if err := apply(&f); err != nil {
			return err
		}
		st.Name, st.Probability = f.Name, f.Probability
		return nil
	})
}

// DeleteStage deletes an open stage that no deal is in. Its place in the
// history of moves is kept as an unknown stage. Admins only.
func (s *Service) DeleteStage(ctx context.Context, pipelineID, stageID, ifVersion int64) error {
	const op = "sales.DeleteStage"
	_, err := s.changePipeline(ctx, op, pipelineID, ifVersion, func(ctx context.Context, p *Pipeline, v *crm.Violations) error {
		st := p.stage(stageID)
		if st == nil {
			return crm.NotFound(op, "stage", stageID)
		}
		if st.Kind != KindOpen {
			return crm.E(op, crm.KindConflict, "closed_stage_kept").With("kind", st.Kind)
		}
		n, err := s.store.CountDeals(ctx, pipelineID, stageID)
		if err != nil {
			return err
		}
		if n > 0 {
			return crm.E(op, crm.KindConflict, "stage_has_deals").With("deals", n)
		}
		p.Stages = slices.DeleteFunc(p.Stages, func(x Stage) bool { return x.ID == stageID })
		return nil
	})
	return err
}

// ReorderStages puts a pipeline's stages in a new order: stageIDs names
// every stage once, the won and lost stages last. Admins only.
func (s *Service) ReorderStages(ctx context.Context, pipelineID, ifVersion int64, stageIDs []int64) (*Pipeline, error) {
	return s.changePipeline(ctx, "sales.ReorderStages", pipelineID, ifVersion, func(_ context.Context, p *Pipeline, v *crm.Violations) error {
		sorted := slices.Sorted(slices.Values(stageIDs))
		var have []int64
		for _, st := range p.Stages {
			have = append(have, st.ID)
		}
		slices.Sort(have)
		if !slices.Equal(sorted, have) {
			v.Add("stage_ids", "every_stage_once", "stage_ids", have)
			return nil
		}
		next := make([]Stage, 0, len(stageIDs))
		for _, id := range stageIDs {
			next = append(next, *p.stage(id))
		}
		p.Stages = next
		return nil
	})
}
