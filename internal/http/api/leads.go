package api

import (
	"context"
	"net/http"
	"strconv"

	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/lead"
)

// LeadOutput is a lead with its ETag.
type LeadOutput struct {
	ETag     string `header:"ETag"`
	Location string `header:"Location"`
	Body     *lead.Lead
}

func leadOutput(l *lead.Lead) *LeadOutput { return &LeadOutput{ETag: etag(l.Version), Body: l} }

type listLeadsInput struct {
	PageParams
	Status  string `query:"status" enum:"new,qualified,disqualified,converted,"`
	OwnerID int64  `query:"owner_id" minimum:"0"`
	TeamID  int64  `query:"team_id" minimum:"0"`
	Source  string `query:"source" maxLength:"100"`
	FormID  int64  `query:"form_id" minimum:"0" doc:"The leads a web form captured"`
	// No maxLength: the service counts after trimming (a field error on q
	// all the same), so the schema would refuse what the service accepts.
	Q string `query:"q" doc:"Search: leads whose name, company or email contain it, in any case (王小 finds 王小明; % and _ are themselves), or, typed as a phone number, whose phone holds its digits (0912 345 finds +886912345678). Trimmed; at most 100 characters."`
}

func (a *API) listLeads(ctx context.Context, in *listLeadsInput) (*ListOutput[*lead.Lead], error) {
	page, err := a.deps.Leads.ListLeads(ctx, lead.LeadQuery{Status: in.Status, OwnerID: in.OwnerID, TeamID: in.TeamID,
		Source: in.Source, FormID: in.FormID, Q: in.Q, Cursor: in.Cursor, Limit: in.Limit})
	if err != nil {
		return nil, err
	}
	return pageOutput(ctx, page), nil
}

func (a *API) createLead(ctx context.Context, in *struct{ Body lead.LeadInput }) (*LeadOutput, error) {
	l, err := a.deps.Leads.CreateLead(ctx, in.Body)
	if err != nil {
		return nil, err
	}
	out := leadOutput(l)
	out.Location = Prefix + "/leads/" + strconv.FormatInt(l.ID, 10)
	return out, nil
}

func (a *API) createLeads(ctx context.Context, in *Batch[lead.LeadInput]) (*BatchOutput, error) {
	list, errs, err := batchItems[lead.LeadInput](ctx, a, in.RawBody)
	if err != nil {
		return nil, err
	}
	results, err := a.deps.Leads.CreateLeads(ctx, list)
	if err != nil {
		return nil, err
	}
	return batchOutput(ctx, len(list), mergeBatch(errs, results)), nil
}

func (a *API) getLead(ctx context.Context, in *IDPath) (*LeadOutput, error) {
	l, err := a.deps.Leads.GetLead(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return leadOutput(l), nil
}

type updateLeadInput struct {
	IDPath
	IfMatch
	Patch[lead.LeadFields]
}

func (a *API) updateLead(ctx context.Context, in *updateLeadInput) (*LeadOutput, error) {
	version, err := in.version()
	if err != nil {
		return nil, err
	}
	l, err := a.deps.Leads.UpdateLead(ctx, in.ID, version, func(f *lead.LeadFields) error {
		return applyPatch(ctx, a, f, in.RawBody)
	})
	if err != nil {
		return nil, err
	}
	return leadOutput(l), nil
}

func (a *API) deleteLead(ctx context.Context, in *deleteInput) (*struct{}, error) {
	version, err := in.version()
	if err != nil {
		return nil, err
	}
	return nil, a.deps.Leads.DeleteLead(ctx, in.ID, version)
}

type qualifyLeadInput struct {
	IDPath
	IfMatch
}

func (a *API) qualifyLead(ctx context.Context, in *qualifyLeadInput) (*LeadOutput, error) {
	version, err := in.version()
	if err != nil {
		return nil, err
	}
	l, err := a.deps.Leads.Qualify(ctx, in.ID, version)
	if err != nil {
		return nil, err
	}
	return leadOutput(l), nil
}

type disqualifyLeadInput struct {
	IDPath
	IfMatch
	Body struct {
		Reason string `json:"reason" maxLength:"500" doc:"Why the lead is disqualified (required): no budget, a competitor, spam …"`
	}
}

func (a *API) disqualifyLead(ctx context.Context, in *disqualifyLeadInput) (*LeadOutput, error) {
	version, err := in.version()
	if err != nil {
		return nil, err
	}
	l, err := a.deps.Leads.Disqualify(ctx, in.ID, version, in.Body.Reason)
	if err != nil {
		return nil, err
	}
	return leadOutput(l), nil
}

type convertLeadInput struct {
	IDPath
	IfMatch
	Body lead.ConvertInput
}

// ConversionOutput is what converting a lead made.
type ConversionOutput struct {
	ETag string `header:"ETag" doc:"The lead's new version"`
	Body *lead.Conversion
}

func (a *API) convertLead(ctx context.Context, in *convertLeadInput) (*ConversionOutput, error) {
	version, err := in.version()
	if err != nil {
		return nil, err
	}
	c, err := a.deps.Leads.Convert(ctx, in.ID, version, in.Body)
	if err != nil {
		return nil, err
	}
	return &ConversionOutput{ETag: etag(c.Lead.Version), Body: c}, nil
}

func (a *API) leadAudit(ctx context.Context, in *auditInput) (*ListOutput[crm.AuditEntry], error) {
	page, err := a.deps.Leads.LeadAudit(ctx, in.ID, in.Cursor, in.Limit)
	if err != nil {
		return nil, err
	}
	return pageOutput(ctx, page), nil
}

// Scoring rules.

// RulesOutput are the lead scoring rules.
type RulesOutput struct {
	Body lead.Rules
}

func (a *API) getLeadScoring(ctx context.Context, _ *struct{}) (*RulesOutput, error) {
	r, err := a.deps.Leads.ScoringRules(ctx)
	if err != nil {
		return nil, err
	}
	return &RulesOutput{Body: r}, nil
}

func (a *API) putLeadScoring(ctx context.Context, in *struct{ Body lead.Rules }) (*RulesOutput, error) {
	r, err := a.deps.Leads.SetScoringRules(ctx, in.Body)
	if err != nil {
		return nil, err
	}
	return &RulesOutput{Body: r}, nil
}

// Pools.

// PoolOutput is a pool with its ETag.
type PoolOutput struct {
	ETag     string `header:"ETag"`
	Location string `header:"Location"`
	Body     *lead.Pool
}

func poolOutput(p *lead.Pool) *PoolOutput { return &PoolOutput{ETag: etag(p.Version), Body: p} }

func (a *API) listPools(ctx context.Context, _ *struct{}) (*ItemsOutput[*lead.Pool], error) {
	pools, err := a.deps.Leads.ListPools(ctx)
	return items(pools), err
}

func (a *API) createPool(ctx context.Context, in *struct{ Body lead.PoolInput }) (*PoolOutput, error) {
	p, err := a.deps.Leads.CreatePool(ctx, in.Body)
	if err != nil {
		return nil, err
	}
	out := poolOutput(p)
	out.Location = Prefix + "/pools/" + strconv.FormatInt(p.ID, 10)
	return out, nil
}

func (a *API) getPool(ctx context.Context, in *IDPath) (*PoolOutput, error) {
	p, err := a.deps.Leads.GetPool(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return poolOutput(p), nil
}

type updatePoolInput struct {
	IDPath
	IfMatch
	Patch[lead.PoolFields]
}

func (a *API) updatePool(ctx context.Context, in *updatePoolInput) (*PoolOutput, error) {
	version, err := in.version()
	if err != nil {
		return nil, err
	}
	p, err := a.deps.Leads.UpdatePool(ctx, in.ID, version, func(f *lead.PoolFields) error {
		return applyPatch(ctx, a, f, in.RawBody)
	})
	if err != nil {
		return nil, err
	}
	return poolOutput(p), nil
}

func (a *API) deletePool(ctx context.Context, in *IDPath) (*struct{}, error) {
	return nil, a.deps.Leads.DeletePool(ctx, in.ID)
}

type poolListInput struct {
	IDPath
	PageParams
}

func (a *API) poolLeads(ctx context.Context, in *poolListInput) (*ListOutput[*lead.Lead], error) {
	page, err := a.deps.Leads.ListPoolLeads(ctx, in.ID, in.Cursor, in.Limit)
	if err != nil {
		return nil, err
	}
	return pageOutput(ctx, page), nil
}

func (a *API) poolContacts(ctx context.Context, in *poolListInput) (*ListOutput[*lead.PoolContact], error) {
	page, err := a.deps.Leads.ListPoolContacts(ctx, in.ID, in.Cursor, in.Limit)
	if err != nil {
		return nil, err
	}
	return pageOutput(ctx, page), nil
}

// Claims.

// ClaimOutput is a claim: 201 when the record is the caller's, 202 when the
// claim waits for a manager's approval.
type ClaimOutput struct {
	Status int
	Body   *lead.Claim
}

func claimOutput(c *lead.Claim) *ClaimOutput {
	status := http.StatusCreated
	if c.Status == lead.ClaimPending {
		status = http.StatusAccepted
	}
	return &ClaimOutput{Status: status, Body: c}
}

func (a *API) claimLead(ctx context.Context, in *IDPath) (*ClaimOutput, error) {
	c, err := a.deps.Leads.Claim(ctx, lead.RecordLead, in.ID)
	if err != nil {
		return nil, err
	}
	return claimOutput(c), nil
}

func (a *API) claimContact(ctx context.Context, in *IDPath) (*ClaimOutput, error) {
	c, err := a.deps.Leads.Claim(ctx, lead.RecordContact, in.ID)
	if err != nil {
		return nil, err
	}
	return claimOutput(c), nil
}

func (a *API) releaseLead(ctx context.Context, in *IDPath) (*struct{}, error) {
	return nil, a.deps.Leads.Release(ctx, lead.RecordLead, in.ID)
}

func (a *API) releaseContact(ctx context.Context, in *IDPath) (*struct{}, error) {
	return nil, a.deps.Leads.Release(ctx, lead.RecordContact, in.ID)
}

type listClaimsInput struct {
	Status string `query:"status" enum:"active,pending," doc:"Only active or only pending claims"`
	Mine   bool   `query:"mine" doc:"Only your own claims"`
}

func (a *API) listClaims(ctx context.Context, in *listClaimsInput) (*ItemsOutput[*lead.Claim], error) {
	list, err := a.deps.Leads.ListClaims(ctx, in.Status, in.Mine)
	return items(list), err
}

// DecisionOutput is a claim after a manager's decision.
type DecisionOutput struct {
	Body *lead.Claim
}

func (a *API) approveClaim(ctx context.Context, in *IDPath) (*DecisionOutput, error) {
	c, err := a.deps.Leads.ApproveClaim(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return &DecisionOutput{Body: c}, nil
}

func (a *API) rejectClaim(ctx context.Context, in *IDPath) (*DecisionOutput, error) {
	c, err := a.deps.Leads.RejectClaim(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return &DecisionOutput{Body: c}, nil
}

// documentAccepted documents the 202 of a claim that waits for approval,
// beside its 201.
func documentAccepted(a *API, path string) {
	op := a.huma.OpenAPI().Paths[path].Post
	created := op.Responses[strconv.Itoa(http.StatusCreated)]
	if created == nil {
		panic("api: no 201 response at " + path)
	}
	accepted := *created
	accepted.Description = "The claim waits for a manager's approval (status pending)"
	op.Responses[strconv.Itoa(http.StatusAccepted)] = &accepted
}
