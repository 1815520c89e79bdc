package api

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/sales"
)

// withPrecondition documents the 412 of a POST or PUT that takes If-Match
// (errorStatuses adds it to PATCH and DELETE by itself).
func withPrecondition(o huma.Operation) huma.Operation {
	o.Errors = append(o.Errors, http.StatusPreconditionFailed)
	return o
}

// PipelineOutput is a pipeline with its ETag.
type PipelineOutput struct {
	ETag     string `header:"ETag"`
	Location string `header:"Location"`
	Body     *sales.Pipeline
}

func pipelineOutput(p *sales.Pipeline) *PipelineOutput {
	return &PipelineOutput{ETag: etag(p.Version), Body: p}
}

// StagePath is the {id} of a pipeline and the {stage_id} of one of its
// stages.
type StagePath struct {
	ID      int64 `path:"id" minimum:"1" doc:"Pipeline id"`
	StageID int64 `path:"stage_id" minimum:"1" doc:"Stage id"`
}

func (a *API) listPipelines(ctx context.Context, _ *struct{}) (*ItemsOutput[*sales.Pipeline], error) {
	ps, err := a.deps.Sales.ListPipelines(ctx)
	return items(ps), err
}

func (a *API) createPipeline(ctx context.Context, in *struct{ Body sales.PipelineInput }) (*PipelineOutput, error) {
	p, err := a.deps.Sales.CreatePipeline(ctx, in.Body)
	if err != nil {
		return nil, err
	}
	out := pipelineOutput(p)
	out.Location = Prefix + "/pipelines/" + strconv.FormatInt(p.ID, 10)
	return out, nil
}

func (a *API) getPipeline(ctx context.Context, in *IDPath) (*PipelineOutput, error) {
	p, err := a.deps.Sales.GetPipeline(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return pipelineOutput(p), nil
}

type updatePipelineInput struct {
	IDPath
	IfMatch
	Patch[sales.PipelineFields]
}

func (a *API) updatePipeline(ctx context.Context, in *updatePipelineInput) (*PipelineOutput, error) {
	version, err := in.version()
	if err != nil {
		return nil, err
	}
	p, err := a.deps.Sales.UpdatePipeline(ctx, in.ID, version, func(f *sales.PipelineFields) error {
		return applyPatch(ctx, a, f, in.RawBody)
	})
	if err != nil {
		return nil, err
	}
	return pipelineOutput(p), nil
}

func (a *API) deletePipeline(ctx context.Context, in *deleteInput) (*struct{}, error) {
	version, err := in.version()
	if err != nil {
		return nil, err
	}
	return nil, a.deps.Sales.DeletePipeline(ctx, in.ID, version)
}

type addStageInput struct {
	IDPath
	IfMatch
	Body sales.NewStage
}

func (a *API) addStage(ctx context.Context, in *addStageInput) (*PipelineOutput, error) {
	version, err := in.version()
	if err != nil {
		return nil, err
	}
	p, err := a.deps.Sales.AddStage(ctx, in.ID, version, in.Body)
	if err != nil {
		return nil, err
	}
	return pipelineOutput(p), nil
}

type updateStageInput struct {
	StagePath
	IfMatch
	Patch[sales.StageFields]
}

func (a *API) updateStage(ctx context.Context, in *updateStageInput) (*PipelineOutput, error) {
	version, err := in.version()
	if err != nil {
		return nil, err
	}
	p, err := a.deps.Sales.UpdateStage(ctx, in.ID, in.StageID, version, func(f *sales.StageFields) error {
		return applyPatch(ctx, a, f, in.RawBody)
	})
	if err != nil {
		return nil, err
	}
	return pipelineOutput(p), nil
}

type deleteStageInput struct {
	StagePath
	IfMatch
}

func (a *API) deleteStage(ctx context.Context, in *deleteStageInput) (*struct{}, error) {
	version, err := in.version()
	if err != nil {
		return nil, err
	}
	return nil, a.deps.Sales.DeleteStage(ctx, in.ID, in.StageID, version)
}

type reorderStagesInput struct {
	IDPath
	IfMatch
	Body struct {
		StageIDs []int64 `json:"stage_ids" minItems:"1" maxItems:"30" doc:"Every stage of the pipeline, once, in the new order; the won and lost stages last"`
	}
}

func (a *API) reorderStages(ctx context.Context, in *reorderStagesInput) (*PipelineOutput, error) {
	version, err := in.version()
	if err != nil {
		return nil, err
	}
	p, err := a.deps.Sales.ReorderStages(ctx, in.ID, version, in.Body.StageIDs)
	if err != nil {
		return nil, err
	}
	return pipelineOutput(p), nil
}

// DealOutput is a deal with its ETag.
type DealOutput struct {
	ETag     string `header:"ETag"`
	Location string `header:"Location"`
	Body     *sales.Deal
}

func dealOutput(d *sales.Deal) *DealOutput { return &DealOutput{ETag: etag(d.Version), Body: d} }

type listDealsInput struct {
	PageParams
	PipelineID  int64  `query:"pipeline_id" minimum:"0"`
	StageID     int64  `query:"stage_id" minimum:"0" doc:"The deals in one stage (a column of the kanban board)"`
	OwnerID     int64  `query:"owner_id" minimum:"0"`
	TeamID      int64  `query:"team_id" minimum:"0"`
	CompanyID   int64  `query:"company_id" minimum:"0"`
	ContactID   int64  `query:"contact_id" minimum:"0" doc:"The deals a contact is involved in"`
	Status      string `query:"status" enum:"open,won,lost,"`
	ClosingFrom string `query:"closing_from" maxLength:"10" doc:"Expected to close on or after (YYYY-MM-DD)"`
	ClosingTo   string `query:"closing_to" maxLength:"10" doc:"Expected to close on or before (YYYY-MM-DD)"`
}

func (a *API) listDeals(ctx context.Context, in *listDealsInput) (*ListOutput[*sales.Deal], error) {
	page, err := a.deps.Sales.ListDeals(ctx, sales.DealQuery{PipelineID: in.PipelineID, StageID: in.StageID, OwnerID: in.OwnerID,
		TeamID: in.TeamID, CompanyID: in.CompanyID, ContactID: in.ContactID, Status: in.Status,
		ClosingFrom: in.ClosingFrom, ClosingTo: in.ClosingTo, Cursor: in.Cursor, Limit: in.Limit})
	if err != nil {
		return nil, err
	}
	return pageOutput(ctx, page), nil
}

func (a *API) createDeal(ctx context.Context, in *struct{ Body sales.DealInput }) (*DealOutput, error) {
	d, err := a.deps.Sales.CreateDeal(ctx, in.Body)
	if err != nil {
		return nil, err
	}
	out := dealOutput(d)
	out.Location = Prefix + "/deals/" + strconv.FormatInt(d.ID, 10)
	return out, nil
}

func (a *API) createDeals(ctx context.Context, in *Batch[sales.DealInput]) (*BatchOutput, error) {
	list, errs, err := batchItems[sales.DealInput](ctx, a, in.RawBody)
	if err != nil {
		return nil, err
	}
	results, err := a.deps.Sales.CreateDeals(ctx, list)
	if err != nil {
		return nil, err
	}
	return batchOutput(ctx, len(list), mergeBatch(errs, results)), nil
}

// DealMove is one move of a batch.
type DealMove struct {
	DealID    int64 `json:"deal_id" minimum:"1"`
	IfVersion int64 `json:"if_version,omitempty" minimum:"0" doc:"The version you last read; the move is refused (412) if the deal changed since. 0 or absent: any"`
	sales.MoveInput
}

// MoveBatchOutput is what a batch of moves did.
type MoveBatchOutput struct {
	Body struct {
		Moved   int           `json:"moved"`
		Failed  int           `json:"failed"`
		Results []BatchResult `json:"results" nullable:"false" doc:"One per move, in order: the deal's id and new version, or the problem"`
	}
}

func (a *API) moveDeals(ctx context.Context, in *Batch[DealMove]) (*MoveBatchOutput, error) {
	list, errs, err := batchItems[DealMove](ctx, a, in.RawBody)
	if err != nil {
		return nil, err
	}
	moves := make([]sales.Move, len(list))
	for i, m := range list {
		moves[i] = sales.Move{DealID: m.DealID, IfVersion: m.IfVersion, MoveInput: m.MoveInput}
	}
	results, err := a.deps.Sales.MoveDeals(ctx, moves)
	if err != nil {
		return nil, err
	}
	b := batchOutput(ctx, len(list), mergeBatch(errs, results))
	out := &MoveBatchOutput{}
	out.Body.Moved, out.Body.Failed, out.Body.Results = b.Body.Created, b.Body.Failed, b.Body.Results
	return out, nil
}

func (a *API) getDeal(ctx context.Context, in *IDPath) (*DealOutput, error) {
	d, err := a.deps.Sales.GetDeal(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return dealOutput(d), nil
}

type updateDealInput struct {
	IDPath
	IfMatch
	Patch[sales.DealFields]
}

func (a *API) updateDeal(ctx context.Context, in *updateDealInput) (*DealOutput, error) {
	version, err := in.version()
	if err != nil {
		return nil, err
	}
	d, err := a.deps.Sales.UpdateDeal(ctx, in.ID, version, func(f *sales.DealFields) error {
		return applyPatch(ctx, a, f, in.RawBody)
	})
	if err != nil {
		return nil, err
	}
	return dealOutput(d), nil
}

func (a *API) deleteDeal(ctx context.Context, in *deleteInput) (*struct{}, error) {
	version, err := in.version()
	if err != nil {
		return nil, err
	}
	return nil, a.deps.Sales.DeleteDeal(ctx, in.ID, version)
}

type moveDealInput struct {
	IDPath
	IfMatch
	Body sales.MoveInput
}

func (a *API) moveDeal(ctx context.Context, in *moveDealInput) (*DealOutput, error) {
	version, err := in.version()
	if err != nil {
		return nil, err
	}
	d, err := a.deps.Sales.MoveDeal(ctx, in.ID, version, in.Body)
	if err != nil {
		return nil, err
	}
	return dealOutput(d), nil
}

func (a *API) dealStageChanges(ctx context.Context, in *IDPath) (*ItemsOutput[sales.StageChange], error) {
	changes, err := a.deps.Sales.DealStageChanges(ctx, in.ID)
	return items(changes), err
}

func (a *API) dealAudit(ctx context.Context, in *auditInput) (*ListOutput[crm.AuditEntry], error) {
	page, err := a.deps.Sales.DealAudit(ctx, in.ID, in.Cursor, in.Limit)
	if err != nil {
		return nil, err
	}
	return pageOutput(ctx, page), nil
}

// SalesFilter narrows a forecast or the KPIs.
type SalesFilter struct {
	PipelineID int64 `query:"pipeline_id" minimum:"0"`
	OwnerID    int64 `query:"owner_id" minimum:"0" doc:"One rep's deals"`
	TeamID     int64 `query:"team_id" minimum:"0" doc:"The deals of a team: owned by it or by its members"`
}

type forecastInput struct {
	From time.Time `query:"from" doc:"Start of the period (RFC 3339); default the start of the current quarter"`
	To   time.Time `query:"to" doc:"End of the period, excluded; default three months after from"`
	SalesFilter
}

// ForecastOutput is a period's outlook.
type ForecastOutput struct {
	Body *sales.Forecast
}

func (a *API) forecast(ctx context.Context, in *forecastInput) (*ForecastOutput, error) {
	f, err := a.deps.Sales.Forecast(ctx, sales.ReportQuery{From: in.From, To: in.To, PipelineID: in.PipelineID, OwnerID: in.OwnerID, TeamID: in.TeamID})
	if err != nil {
		return nil, err
	}
	return &ForecastOutput{Body: f}, nil
}

type kpisInput struct {
	From time.Time `query:"from" doc:"Start of the period (RFC 3339); default 90 days before to"`
	To   time.Time `query:"to" doc:"End of the period, excluded; default now"`
	SalesFilter
	Target int64 `query:"target" minimum:"0" doc:"Sales target of the period in minor units, for pipeline coverage (absent or 0: no coverage)"`
}

// KPIsOutput are a period's sales KPIs.
type KPIsOutput struct {
	Body *sales.KPIs
}

func (a *API) kpis(ctx context.Context, in *kpisInput) (*KPIsOutput, error) {
	q := sales.ReportQuery{From: in.From, To: in.To, PipelineID: in.PipelineID, OwnerID: in.OwnerID, TeamID: in.TeamID}
	if in.Target > 0 {
		q.Target = &in.Target
	}
	k, err := a.deps.Sales.KPIs(ctx, q)
	if err != nil {
		return nil, err
	}
	return &KPIsOutput{Body: k}, nil
}
