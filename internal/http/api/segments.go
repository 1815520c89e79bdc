package api

import (
	"context"
	"encoding/json"
	"strconv"
	"time"

	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/segment"
)

// ruleDoc describes the rule JSON, whose recursive shape the schema leaves
// open.
const ruleDoc = `The rule as a JSON tree: {"all": [rules]}, {"any": [rules]}, {"not": rule}, or a condition {"field", "op", "value"} ` +
	`with, for counting fields, the qualifiers type, channel (events), sku, category (bought) and within_days. ` +
	`Operators: eq, ne, lt, lte, gt, gte, in, not_in, prefix, exists. Give rule or text, not both.`

// SegmentBody is a segment as a client writes it.
type SegmentBody struct {
	Name        string `json:"name,omitempty" maxLength:"200" doc:"Required to save; not needed to preview"`
	Description string `json:"description,omitempty" maxLength:"2000"`
	Rule        any    `json:"rule,omitempty" doc:"The rule as a JSON tree; see the operation's description"`
	Text        string `json:"text,omitempty" maxLength:"65536" doc:"The rule in its text form, e.g. events(type: \"store_visit\", within_days: 90) >= 5 and bought(sku: \"PASTA-1\")"`
}

// input decodes the rule tree with the precise errors of package segment.
func (b SegmentBody) input(op string) (segment.Input, error) {
	in := segment.Input{Name: b.Name, Description: b.Description, Text: b.Text}
	if b.Rule == nil {
		return in, nil
	}
	raw, err := json.Marshal(b.Rule)
	if err != nil {
		return in, crm.Internal(op, err)
	}
	var r segment.Rule
	if err := json.Unmarshal(raw, &r); err != nil {
		var v crm.Violations
		v.Add("rule", "invalid_rule", "message", err.Error())
		return in, v.Err(op)
	}
	in.Rule = &r
	return in, nil
}

// SegmentJSON is a segment as the API shows it.
type SegmentJSON struct {
	ID          int64      `json:"id"`
	Version     int64      `json:"version"`
	Name        string     `json:"name"`
	Description string     `json:"description"`
	Rule        any        `json:"rule" doc:"The rule as a JSON tree"`
	Text        string     `json:"text" doc:"The rule in its text form"`
	Size        int64      `json:"size" doc:"Members at the last evaluation (all of them, whoever asks)"`
	EvaluatedAt *time.Time `json:"evaluated_at,omitempty" doc:"When membership was last evaluated"`
	CreatedBy   *int64     `json:"created_by,omitempty"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
}

func segmentJSON(s *segment.Segment) SegmentJSON {
	return SegmentJSON{ID: s.ID, Version: s.Version, Name: s.Name, Description: s.Description, Rule: s.Rule, Text: s.Text,
		Size: s.Size, EvaluatedAt: s.EvaluatedAt, CreatedBy: s.CreatedBy, CreatedAt: s.CreatedAt, UpdatedAt: s.UpdatedAt}
}

// SegmentOutput is a segment with its ETag.
type SegmentOutput struct {
	ETag     string `header:"ETag"`
	Location string `header:"Location"`
	Body     SegmentJSON
}

func segmentOutput(s *segment.Segment) *SegmentOutput {
	return &SegmentOutput{ETag: etag(s.Version), Body: segmentJSON(s)}
}

func (a *API) listSegments(ctx context.Context, _ *struct{}) (*ItemsOutput[SegmentJSON], error) {
	segs, err := a.deps.Segments.List(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]SegmentJSON, len(segs))
	for i, s := range segs {
		out[i] = segmentJSON(s)
	}
	return items(out), nil
}

func (a *API) createSegment(ctx context.Context, in *struct{ Body SegmentBody }) (*SegmentOutput, error) {
	si, err := in.Body.input("api.createSegment")
	if err != nil {
		return nil, err
	}
	s, err := a.deps.Segments.Create(ctx, si)
	if err != nil {
		return nil, err
	}
	out := segmentOutput(s)
	out.Location = Prefix + "/segments/" + strconv.FormatInt(s.ID, 10)
	return out, nil
}

func (a *API) getSegment(ctx context.Context, in *IDPath) (*SegmentOutput, error) {
	s, err := a.deps.Segments.Get(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return segmentOutput(s), nil
}

type putSegmentInput struct {
	IDPath
	IfMatch
	Body SegmentBody
}

func (a *API) putSegment(ctx context.Context, in *putSegmentInput) (*SegmentOutput, error) {
	version, err := in.version()
	if err != nil {
		return nil, err
	}
	si, err := in.Body.input("api.putSegment")
	if err != nil {
		return nil, err
	}
	s, err := a.deps.Segments.Update(ctx, in.ID, version, si)
	if err != nil {
		return nil, err
	}
	return segmentOutput(s), nil
}

func (a *API) deleteSegment(ctx context.Context, in *IDPath) (*struct{}, error) {
	return nil, a.deps.Segments.Delete(ctx, in.ID)
}

func (a *API) refreshSegment(ctx context.Context, in *IDPath) (*SegmentOutput, error) {
	s, err := a.deps.Segments.Refresh(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return segmentOutput(s), nil
}

// SegmentPreviewOutput is a rule's size and first members.
type SegmentPreviewOutput struct {
	Body struct {
		Rule    any                 `json:"rule" doc:"The rule as a JSON tree, normalized"`
		Text    string              `json:"text" doc:"The rule in its text form"`
		Size    int64               `json:"size" doc:"Contacts the rule selects now, among those you may read"`
		Members []*customer.Contact `json:"members" nullable:"false" doc:"The newest of them"`
	}
}

type previewInput struct {
	Limit int `query:"limit" minimum:"1" maximum:"100" default:"20" doc:"Members to show"`
	Body  SegmentBody
}

func (a *API) previewSegment(ctx context.Context, in *previewInput) (*SegmentPreviewOutput, error) {
	si, err := in.Body.input("api.previewSegment")
	if err != nil {
		return nil, err
	}
	p, err := a.deps.Segments.Preview(ctx, si, in.Limit)
	if err != nil {
		return nil, err
	}
	out := &SegmentPreviewOutput{}
	out.Body.Rule, out.Body.Text, out.Body.Size, out.Body.Members = p.Rule, p.Text, p.Size, p.Members.Items
	return out, nil
}

type segmentPageInput struct {
	IDPath
	PageParams
}

func (a *API) segmentMembers(ctx context.Context, in *segmentPageInput) (*ListOutput[*customer.Contact], error) {
	page, err := a.deps.Segments.Members(ctx, in.ID, in.Cursor, in.Limit)
	if err != nil {
		return nil, err
	}
	return pageOutput(ctx, page), nil
}

func (a *API) segmentChanges(ctx context.Context, in *segmentPageInput) (*ListOutput[*segment.MemberChange], error) {
	page, err := a.deps.Segments.Changes(ctx, in.ID, in.Cursor, in.Limit)
	if err != nil {
		return nil, err
	}
	return pageOutput(ctx, page), nil
}

// SegmentFieldsOutput lists what rules can test, for a rule builder.
type SegmentFieldsOutput struct {
	Body struct {
		Contact         []string `json:"contact" doc:"Contact fields (custom fields as custom.<key>)"`
		Company         []string `json:"company" doc:"Fields of a current company, written company.<field>"`
		Measures        []string `json:"measures" doc:"Figures per customer: counts, spend, recency, scores"`
		RFMCells        []string `json:"rfm_cells"`
		ValueTiers      []string `json:"value_tiers"`
		ChurnRisks      []string `json:"churn_risks"`
		LifecycleStages []string `json:"lifecycle_stages"`
	}
}

func (a *API) segmentFields(ctx context.Context, _ *struct{}) (*SegmentFieldsOutput, error) {
	if _, err := crm.Actor(ctx, "api.segmentFields"); err != nil {
		return nil, err
	}
	out := &SegmentFieldsOutput{}
	b := &out.Body
	b.Contact, b.Company, b.Measures = customer.ContactFieldNames(), customer.CompanyFieldNames(), segment.MeasureFields()
	b.RFMCells, b.ValueTiers, b.ChurnRisks, b.LifecycleStages = segment.RFMCells, segment.ValueTiers, segment.ChurnRisks, segment.LifecycleStages
	return out, nil
}
