package storetest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/guanxi-crm/guanxi/internal/account"
	"github.com/guanxi-crm/guanxi/internal/analytics/salesforecast"
	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/sales"
)

var salesTests = []test{
	{"PipelineDefaults", testSalesPipelineDefaults},
	{"PipelineRules", testSalesPipelineRules},
	{"Stages", testSalesStages},
	{"CreateDeal", testSalesCreateDeal},
	{"DealValidation", testSalesDealValidation},
	{"UpdateDeal", testSalesUpdateDeal},
	{"Move", testSalesMove},
	{"MoveBatch", testSalesMoveBatch},
	{"ConcurrentMoves", testSalesConcurrentMoves},
	{"Permissions", testSalesPermissions},
	{"ListDeals", testSalesListDeals},
	{"Delete", testSalesDelete},
	{"ForecastAndKPIs", testSalesForecast},
	{"ActivitiesPerDeal", testSalesActivitiesPerDeal},
	{"MergedContactRefused", testSalesMergedContact},
	{"MergeMovesDealContacts", testSalesMergeMovesDealContacts},
}

// salesPipeline creates a pipeline with the default stages as the system.
func (e *env) salesPipeline(name string) *sales.Pipeline {
	e.t.Helper()
	p, err := e.sales.CreatePipeline(e.sys, sales.PipelineInput{Name: name})
	if err != nil {
		e.t.Fatalf("create pipeline %s: %v", name, err)
	}
	return p
}

// stageID finds a stage of a pipeline by name.
func stageID(t testing.TB, p *sales.Pipeline, name string) int64 {
	t.Helper()
	for _, st := range p.Stages {
		if st.Name == name {
			return st.ID
		}
	}
	t.Fatalf("pipeline %s has no stage %s", p.Name, name)
	return 0
}

// deal creates a deal or fails the test.
func (e *env) deal(ctx context.Context, in sales.DealInput) *sales.Deal {
	e.t.Helper()
	d, err := e.sales.CreateDeal(ctx, in)
	if err != nil {
		e.t.Fatalf("create deal %s: %v", in.Name, err)
	}
	return d
}

// moveDeal moves a deal or fails the test.
func (e *env) moveDeal(ctx context.Context, id, stage int64, reason string) *sales.Deal {
	e.t.Helper()
	d, err := e.sales.MoveDeal(ctx, id, 0, sales.MoveInput{StageID: stage, LostReason: reason})
	if err != nil {
		e.t.Fatalf("move deal %d to %d: %v", id, stage, err)
	}
	return d
}

func stageNames(p *sales.Pipeline) []string {
	var out []string
	for _, st := range p.Stages {
		out = append(out, fmt.Sprintf("%d:%s:%s:%d", st.Position, st.Name, st.Kind, st.Probability))
	}
	return out
}

func testSalesPipelineDefaults(t *testing.T, e *env) {
	p := e.salesPipeline("B2B")
	want := []string{"1:Qualified:open:10", "2:Needs analysis:open:25", "3:Proposal:open:50", "4:Negotiation:open:75", "5:Won:won:100", "6:Lost:lost:0"}
	if got := stageNames(p); !slices.Equal(got, want) {
		t.Errorf("stages %v; want %v", got, want)
	}
	read, err := e.sales.GetPipeline(e.sys, p.ID)
	must(t, err)
	if jsonOf(read) != jsonOf(p) || read.Version != 1 {
		t.Errorf("read back\n%s\nwant\n%s", jsonOf(read), jsonOf(p))
	}
	list, err := e.sales.ListPipelines(e.sys)
	must(t, err)
	if len(list) != 1 || list[0].ID != p.ID {
		t.Errorf("list %s", jsonOf(list))
	}
	if _, ok := findEntry(e.auditLog(account.AuditFilter{RecordType: sales.RecordPipeline}), crm.ActionCreate, p.ID, nil); !ok {
		t.Error("no audit entry of the creation")
	}
}

func testSalesPipelineRules(t *testing.T, e *env) {
	agent := e.as(e.user("Agent", crm.RoleAgent))
	_, err := e.sales.CreatePipeline(agent, sales.PipelineInput{Name: "Mine"})
	wantCode(t, err, crm.KindForbidden, "pipelines_admins_only")

	p := func(v int) *int { return &v }
	tests := []struct {
		name         string
		stages       []sales.StageInput
		field, code  string
		pipelineName string
	}{
		{"no won stage", []sales.StageInput{{Name: "A", Probability: p(10)}, {Name: "Lost", Kind: "lost"}}, "stages", "one_won_one_lost", "x"},
		{"two lost stages", []sales.StageInput{{Name: "A", Probability: p(10)}, {Name: "Won", Kind: "won"}, {Name: "L1", Kind: "lost"}, {Name: "L2", Kind: "lost"}}, "stages", "one_won_one_lost", "x"},
		{"no open stage", []sales.StageInput{{Name: "Won", Kind: "won"}, {Name: "Lost", Kind: "lost"}}, "stages", "one_won_one_lost", "x"},
		{"open after won", []sales.StageInput{{Name: "A", Probability: p(10)}, {Name: "Won", Kind: "won"}, {Name: "B", Probability: p(50)}, {Name: "Lost", Kind: "lost"}}, "stages", "closed_stages_last", "x"},
		{"a name twice", []sales.StageInput{{Name: "A", Probability: p(10)}, {Name: "a", Probability: p(20)}, {Name: "Won", Kind: "won"}, {Name: "Lost", Kind: "lost"}}, "stages[1].name", "listed_twice", "x"},
		{"won is 100", []sales.StageInput{{Name: "A", Probability: p(10)}, {Name: "Won", Kind: "won", Probability: p(90)}, {Name: "Lost", Kind: "lost"}}, "stages[1].probability", "fixed_probability", "x"},
		{"open needs a probability", []sales.StageInput{{Name: "A"}, {Name: "Won", Kind: "won"}, {Name: "Lost", Kind: "lost"}}, "stages[0].probability", "required", "x"},
		{"probability in range", []sales.StageInput{{Name: "A", Probability: p(101)}, {Name: "Won", Kind: "won"}, {Name: "Lost", Kind: "lost"}}, "stages[0].probability", "out_of_range", "x"},
		{"a name", nil, "name", "required", " "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.sales.CreatePipeline(e.sys, sales.PipelineInput{Name: tt.pipelineName, Stages: tt.stages})
			wantField(t, err, tt.field, tt.code)
		})
	}
}

func testSalesStages(t *testing.T, e *env) {
	p := e.salesPipeline("B2B")
	v := p.Version

	// A new stage goes after the last open one by default.
	p2, err := e.sales.AddStage(e.sys, p.ID, v, sales.NewStage{Name: "Contract", Probability: 90})
	must(t, err)
	if got := stageNames(p2); got[4] != "5:Contract:open:90" || got[5] != "6:Won:won:100" || p2.Version != v+1 {
		t.Fatalf("after adding: %v, version %d", got, p2.Version)
	}
	_, err = e.sales.AddStage(e.sys, p.ID, v, sales.NewStage{Name: "Late", Probability: 5})
	wantCode(t, err, crm.KindStale, "stale_version")
	_, err = e.sales.AddStage(e.sys, p.ID, 0, sales.NewStage{Name: "After won", Probability: 5, Position: 7})
	wantField(t, err, "position", "out_of_range")
	p3, err := e.sales.AddStage(e.sys, p.ID, 0, sales.NewStage{Name: "Lead", Probability: 5, Position: 1})
	must(t, err)
	if got := stageNames(p3); got[0] != "1:Lead:open:5" || got[1] != "2:Qualified:open:10" {
		t.Fatalf("after adding first: %v", got)
	}

	// Edit a stage; the won stage's probability is fixed.
	p4, err := e.sales.UpdateStage(e.sys, p.ID, stageID(t, p, "Proposal"), p3.Version, func(f *sales.StageFields) error {
		f.Name, f.Probability = "Proposal sent", 55
		return nil
	})
	must(t, err)
	if got := stageNames(p4); got[3] != "4:Proposal sent:open:55" {
		t.Fatalf("after editing: %v", got)
	}
	_, err = e.sales.UpdateStage(e.sys, p.ID, stageID(t, p, "Won"), 0, func(f *sales.StageFields) error { f.Probability = 90; return nil })
	wantField(t, err, "stages[6].probability", "fixed_probability")
	_, err = e.sales.UpdateStage(e.sys, p.ID, 999999, 0, func(*sales.StageFields) error { return nil })
	wantKind(t, err, crm.KindNotFound)

	// Reorder: every stage once, won and lost last.
	var order []int64
	for _, st := range p4.Stages {
		order = append(order, st.ID)
	}
	reversed := slices.Clone(order[:6])
	slices.Reverse(reversed)
	p5, err := e.sales.ReorderStages(e.sys, p.ID, p4.Version, append(reversed, order[6:]...))
	must(t, err)
	if got := stageNames(p5); got[0] != "1:Contract:open:90" || got[5] != "6:Lead:open:5" || got[6] != "7:Won:won:100" {
		t.Fatalf("after reordering: %v", got)
	}
	read, err := e.sales.GetPipeline(e.sys, p.ID)
	must(t, err)
	if !slices.Equal(stageNames(read), stageNames(p5)) {
		t.Errorf("read back %v; want %v", stageNames(read), stageNames(p5))
	}
	_, err = e.sales.ReorderStages(e.sys, p.ID, 0, order[1:])
	wantField(t, err, "stage_ids", "every_stage_once")
	wrong := slices.Clone(order)
	wrong[5], wrong[6] = wrong[6], wrong[5] // won before an open stage
	_, err = e.sales.ReorderStages(e.sys, p.ID, 0, wrong)
	wantField(t, err, "stages", "closed_stages_last")
	_, err = e.sales.ReorderStages(e.sys, p.ID, p4.Version, order)
	wantKind(t, err, crm.KindStale)

	// A stage with deals stays; the won and lost stages stay.
	d := e.deal(e.sys, sales.DealInput{DealFields: sales.DealFields{Name: "In Lead"}, StageID: stageID(t, p5, "Lead")})
	err = e.sales.DeleteStage(e.sys, p.ID, stageID(t, p5, "Lead"), 0)
	if ce := wantCode(t, err, crm.KindConflict, "stage_has_deals"); param(t, ce, "deals") != 1 {
		t.Errorf("deals param %v", ce.Params)
	}
	err = e.sales.DeleteStage(e.sys, p.ID, stageID(t, p5, "Won"), 0)
	wantCode(t, err, crm.KindConflict, "closed_stage_kept")

	// Once the deal has moved on, the stage can go; the move stays in the
	// deal's history without its stage.
	e.moveDeal(e.sys, d.ID, stageID(t, p5, "Qualified"), "")
	must(t, e.sales.DeleteStage(e.sys, p.ID, stageID(t, p5, "Lead"), 0))
	read, err = e.sales.GetPipeline(e.sys, p.ID)
	must(t, err)
	if len(read.Stages) != 7 || read.Stages[6].Name != "Lost" || read.Stages[6].Position != 7 {
		t.Errorf("after deleting: %v", stageNames(read))
	}
	changes, err := e.sales.DealStageChanges(e.sys, d.ID)
	must(t, err)
	if len(changes) != 2 || changes[0].ToStageID != nil || changes[1].FromStageID != nil || *changes[1].ToStageID != stageID(t, p5, "Qualified") {
		t.Errorf("history after deleting the stage: %s", jsonOf(changes))
	}

	agent := e.as(e.user("Agent", crm.RoleAgent))
	_, err = e.sales.AddStage(agent, p.ID, 0, sales.NewStage{Name: "Mine", Probability: 1})
	wantCode(t, err, crm.KindForbidden, "pipelines_admins_only")

	// Rename, and delete only without deals.
	renamed, err := e.sales.UpdatePipeline(e.sys, p.ID, 0, func(f *sales.PipelineFields) error { f.Name = "企業銷售"; return nil })
	must(t, err)
	if renamed.Name != "企業銷售" {
		t.Errorf("renamed to %q", renamed.Name)
	}
	err = e.sales.DeletePipeline(e.sys, p.ID, 0)
	wantCode(t, err, crm.KindConflict, "pipeline_has_deals")
	must(t, e.sales.DeleteDeal(e.sys, d.ID, 0))
	must(t, e.sales.DeletePipeline(e.sys, p.ID, 0))
	_, err = e.sales.GetPipeline(e.sys, p.ID)
	wantKind(t, err, crm.KindNotFound)
}

func testSalesCreateDeal(t *testing.T, e *env) {
	p := e.salesPipeline("B2B")
	team := e.team("North")
	agent := e.user("Agent", crm.RoleAgent, team)
	ctx := e.as(agent)
	boss := e.contact(ctx, customer.ContactFields{DisplayName: "王總"})
	buyer := e.contact(ctx, customer.ContactFields{DisplayName: "採購 李小姐"})
	co := e.company(ctx, customer.CompanyFields{Name: "台積電"})
	d := e.deal(ctx, sales.DealInput{DealFields: sales.DealFields{Name: "  Fab   tools ", ExpectedCloseOn: "2026-04-30", CompanyID: &co.ID,
		Contacts: []sales.DealContact{{ContactID: boss.ID, Role: "decision_maker"}, {ContactID: buyer.ID, Role: "purchasing"}},
		Lines:    []sales.DealLine{{SKU: "TOOL-1", Quantity: 3, UnitPrice: 100_00, Discount: 50_00}, {Name: "Service", Quantity: 1, UnitPrice: 999_00, Total: 1}},
		NextStep: "Send the quote", NextStepDueOn: "2026-03-05"}})
	if d.Name != "Fab tools" || d.Amount != 250_00+999_00 || d.Lines[0].Name != "TOOL-1" || d.Lines[0].Total != 250_00 || d.Lines[1].Total != 999_00 {
		t.Errorf("derived fields: %s", jsonOf(d))
	}
	if d.PipelineID != p.ID || d.StageID != stageID(t, p, "Qualified") || d.Status != "open" || d.Currency != "TWD" || d.ClosedAt != nil {
		t.Errorf("placed %s", jsonOf(d))
	}
	if *d.OwnerID != agent.ID || *d.TeamID != team.ID || *d.CreatedBy != agent.ID || !d.CreatedAt.Equal(e.now()) || !d.StageEnteredAt.Equal(e.now()) {
		t.Errorf("ownership %s", jsonOf(d))
	}
	read, err := e.sales.GetDeal(ctx, d.ID)
	must(t, err)
	if jsonOf(read) != jsonOf(d) {
		t.Errorf("read back\n%s\nwant\n%s", jsonOf(read), jsonOf(d))
	}
	changes, err := e.sales.DealStageChanges(ctx, d.ID)
	must(t, err)
	if len(changes) != 1 || changes[0].FromStageID != nil || *changes[0].ToStageID != d.StageID || changes[0].ToStatus != "open" ||
		*changes[0].ActorID != agent.ID || !changes[0].At.Equal(e.now()) {
		t.Errorf("first change %s", jsonOf(changes))
	}
	audit, err := e.sales.DealAudit(ctx, d.ID, "", 10)
	must(t, err)
	if len(audit.Items) != 1 || audit.Items[0].Action != crm.ActionCreate || !hasChange(audit.Items[0], "lines") || !hasChange(audit.Items[0], "stage_id") {
		t.Errorf("audit %s", jsonOf(audit.Items))
	}
	cur, err := e.sales.Currency(e.sys)
	must(t, err)
	if cur != "TWD" {
		t.Errorf("currency %q", cur)
	}

	// Straight into the won stage: closed at once.
	won := e.deal(e.sys, sales.DealInput{DealFields: sales.DealFields{Name: "Walk-in", Amount: 500}, StageID: stageID(t, p, "Won")})
	if won.Status != "won" || won.ClosedAt == nil || !won.ClosedAt.Equal(e.now()) || won.OwnerID != nil {
		t.Errorf("won at once: %s", jsonOf(won))
	}
	// A second pipeline, named: its first stage.
	p2 := e.salesPipeline("Renewals")
	r := e.deal(e.sys, sales.DealInput{DealFields: sales.DealFields{Name: "Renewal"}, PipelineID: p2.ID})
	if r.PipelineID != p2.ID || r.StageID != p2.Stages[0].ID {
		t.Errorf("in the second pipeline: %s", jsonOf(r))
	}
}

func testSalesDealValidation(t *testing.T, e *env) {
	_, err := e.sales.CreateDeal(e.sys, sales.DealInput{DealFields: sales.DealFields{Name: "Early"}})
	wantField(t, err, "pipeline_id", "no_pipeline")

	p := e.salesPipeline("B2B")
	other := e.salesPipeline("Other")
	agent := e.user("Agent", crm.RoleAgent)
	someone := e.user("Someone", crm.RoleAgent)
	hidden := e.contact(e.as(someone), customer.ContactFields{DisplayName: "Not yours"})
	gone := e.named("Gone")
	must(t, e.cs.DeleteContact(e.sys, gone.ID, 0))
	tests := []struct {
		name        string
		in          sales.DealInput
		field, code string
		kind        crm.Kind
	}{
		{"a name", sales.DealInput{}, "name", "required", crm.KindInvalid},
		{"lost needs a reason", sales.DealInput{DealFields: sales.DealFields{Name: "x"}, StageID: stageID(t, p, "Lost")}, "lost_reason", "lost_reason_required", crm.KindInvalid},
		{"stage of another pipeline", sales.DealInput{DealFields: sales.DealFields{Name: "x"}, PipelineID: p.ID, StageID: stageID(t, other, "Won")}, "stage_id", "stage_not_in_pipeline", crm.KindInvalid},
		{"unknown stage", sales.DealInput{DealFields: sales.DealFields{Name: "x"}, StageID: 999999}, "stage_id", "unknown_stage", crm.KindInvalid},
		{"unknown pipeline", sales.DealInput{DealFields: sales.DealFields{Name: "x"}, PipelineID: 999999}, "pipeline_id", "unknown_pipeline", crm.KindInvalid},
		{"a date", sales.DealInput{DealFields: sales.DealFields{Name: "x", ExpectedCloseOn: "2026-02-30"}}, "expected_close_on", "expected_date", crm.KindInvalid},
		{"a discount within the line", sales.DealInput{DealFields: sales.DealFields{Name: "x", Lines: []sales.DealLine{{Name: "a", Quantity: 1, UnitPrice: 10, Discount: 11}}}}, "lines[0].discount", "exceeds_line", crm.KindInvalid},
		{"a line has a name", sales.DealInput{DealFields: sales.DealFields{Name: "x", Lines: []sales.DealLine{{Quantity: 1, UnitPrice: 10}}}}, "lines[0].name", "required", crm.KindInvalid},
		{"amount in range", sales.DealInput{DealFields: sales.DealFields{Name: "x", Amount: 2_000_000_000_000}}, "amount", "too_large", crm.KindInvalid},
		{"a contact once", sales.DealInput{DealFields: sales.DealFields{Name: "x", Contacts: []sales.DealContact{{ContactID: hidden.ID}, {ContactID: hidden.ID}}}}, "contacts[1].contact_id", "listed_twice", crm.KindInvalid},
		{"a buying role", sales.DealInput{DealFields: sales.DealFields{Name: "x", Contacts: []sales.DealContact{{ContactID: 1, Role: "boss"}}}}, "contacts[0].role", "not_one_of", crm.KindInvalid},
		{"an unknown contact", sales.DealInput{DealFields: sales.DealFields{Name: "x", Contacts: []sales.DealContact{{ContactID: 999999}}}}, "contacts[0].contact_id", "unknown_contact", crm.KindInvalid},
		{"a deleted contact", sales.DealInput{DealFields: sales.DealFields{Name: "x", Contacts: []sales.DealContact{{ContactID: gone.ID}}}}, "contacts[0].contact_id", "unknown_contact", crm.KindInvalid},
		{"an unknown company", sales.DealInput{DealFields: sales.DealFields{Name: "x", CompanyID: ptr(int64(999999))}}, "company_id", "unknown_company", crm.KindInvalid},
		{"an unknown owner", sales.DealInput{DealFields: sales.DealFields{Name: "x", OwnerID: ptr(int64(999999))}}, "owner_id", "unknown_user", crm.KindInvalid},
		{"a contact the agent may not read", sales.DealInput{DealFields: sales.DealFields{Name: "x", Contacts: []sales.DealContact{{ContactID: hidden.ID}}}}, "", "forbidden", crm.KindForbidden},
		{"another currency", sales.DealInput{DealFields: sales.DealFields{Name: "x"}, Currency: "USD"}, "currency", "currency_mismatch", crm.KindInvalid},
	}
	e.deal(e.sys, sales.DealInput{DealFields: sales.DealFields{Name: "fixes the currency"}, Currency: "TWD"})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.sales.CreateDeal(e.as(agent), tt.in)
			if tt.kind == crm.KindInvalid {
				wantField(t, err, tt.field, tt.code)
			} else {
				wantCode(t, err, tt.kind, tt.code)
			}
		})
	}

	// In a batch, each deal on its own.
	results, err := e.sales.CreateDeals(e.as(agent), []sales.DealInput{
		{DealFields: sales.DealFields{Name: "good"}},
		{DealFields: sales.DealFields{Name: ""}},
		{DealFields: sales.DealFields{Name: "hidden", Contacts: []sales.DealContact{{ContactID: hidden.ID}}}},
		{DealFields: sales.DealFields{Name: "good too"}, StageID: stageID(t, p, "Lost"), LostReason: "太貴"},
	})
	must(t, err)
	if results[0].Err != nil || results[0].ID == 0 || results[3].Err != nil || crm.KindOf(results[1].Err) != crm.KindInvalid ||
		crm.KindOf(results[2].Err) != crm.KindForbidden {
		t.Errorf("batch results %+v", results)
	}
	lost, err := e.sales.GetDeal(e.sys, results[3].ID)
	must(t, err)
	if lost.Status != "lost" || lost.LostReason != "太貴" || lost.ClosedAt == nil {
		t.Errorf("lost at once: %s", jsonOf(lost))
	}
}

func testSalesUpdateDeal(t *testing.T, e *env) {
	e.salesPipeline("B2B")
	agent := e.user("Agent", crm.RoleAgent)
	ctx := e.as(agent)
	a, b := e.contact(ctx, customer.ContactFields{DisplayName: "A"}), e.contact(ctx, customer.ContactFields{DisplayName: "B"})
	hidden := e.contact(e.sys, customer.ContactFields{DisplayName: "Hidden", OwnerID: ptr(e.user("Other", crm.RoleAgent).ID)})
	d := e.deal(e.sys, sales.DealInput{DealFields: sales.DealFields{Name: "Deal", OwnerID: &agent.ID,
		Contacts: []sales.DealContact{{ContactID: a.ID, Role: "user"}, {ContactID: hidden.ID}}}})
	e.tick(time.Hour)
	next, err := e.sales.UpdateDeal(ctx, d.ID, d.Version, func(f *sales.DealFields) error {
		// The hidden contact, put there by someone who may, stays.
		f.Contacts = append(f.Contacts, sales.DealContact{ContactID: b.ID, Role: "influencer"})
		f.Lines = []sales.DealLine{{Name: "Licence", Quantity: 10, UnitPrice: 1200}}
		f.Amount = 1 // the lines decide
		return nil
	})
	must(t, err)
	if next.Amount != 12000 || len(next.Contacts) != 3 || next.Version != 2 || !next.UpdatedAt.Equal(e.now()) {
		t.Errorf("updated %s", jsonOf(next))
	}
	read, err := e.sales.GetDeal(ctx, d.ID)
	must(t, err)
	if jsonOf(read) != jsonOf(next) {
		t.Errorf("read back\n%s\nwant\n%s", jsonOf(read), jsonOf(next))
	}
	_, err = e.sales.UpdateDeal(ctx, d.ID, 1, func(f *sales.DealFields) error { f.Name = "stale"; return nil })
	wantCode(t, err, crm.KindStale, "stale_version")
	_, err = e.sales.UpdateDeal(ctx, d.ID, 0, func(f *sales.DealFields) error { f.Name = ""; return nil })
	wantField(t, err, "name", "required")
	// Adding a contact the agent may not read is refused.
	other := e.contact(e.sys, customer.ContactFields{DisplayName: "Other's", OwnerID: hidden.OwnerID})
	_, err = e.sales.UpdateDeal(ctx, d.ID, 0, func(f *sales.DealFields) error {
		f.Contacts = append(f.Contacts, sales.DealContact{ContactID: other.ID})
		return nil
	})
	wantKind(t, err, crm.KindForbidden)
	// Without lines, the amount is the client's.
	next, err = e.sales.UpdateDeal(ctx, d.ID, 0, func(f *sales.DealFields) error { f.Lines, f.Amount = nil, 777; return nil })
	must(t, err)
	if next.Amount != 777 || len(next.Lines) != 0 {
		t.Errorf("amount without lines: %s", jsonOf(next))
	}
	audit, err := e.sales.DealAudit(ctx, d.ID, "", 10)
	must(t, err)
	if len(audit.Items) != 3 || !hasChange(audit.Items[1], "contacts") || !hasChange(audit.Items[1], "amount") || hasChange(audit.Items[1], "name") {
		t.Errorf("audit %s", jsonOf(audit.Items))
	}
}

func testSalesMove(t *testing.T, e *env) {
	p := e.salesPipeline("B2B")
	agent := e.user("Agent", crm.RoleAgent)
	ctx := e.as(agent)
	d := e.deal(ctx, sales.DealInput{DealFields: sales.DealFields{Name: "Deal", Amount: 1000}})
	created := e.now()

	e.tick(48 * time.Hour)
	d = e.moveDeal(ctx, d.ID, stageID(t, p, "Proposal"), "")
	if d.StageID != stageID(t, p, "Proposal") || d.Status != "open" || d.Version != 2 || !d.StageEnteredAt.Equal(e.now()) {
		t.Fatalf("moved %s", jsonOf(d))
	}
	// The same stage again changes nothing.
	same := e.moveDeal(ctx, d.ID, d.StageID, "")
	if same.Version != d.Version {
		t.Errorf("a move to the same stage made version %d", same.Version)
	}
	// Lost needs a reason.
	_, err := e.sales.MoveDeal(ctx, d.ID, 0, sales.MoveInput{StageID: stageID(t, p, "Lost"), LostReason: "  "})
	wantField(t, err, "lost_reason", "lost_reason_required")
	_, err = e.sales.MoveDeal(ctx, d.ID, 0, sales.MoveInput{StageID: 999999})
	wantField(t, err, "stage_id", "unknown_stage")
	_, err = e.sales.MoveDeal(ctx, d.ID, 1, sales.MoveInput{StageID: stageID(t, p, "Won")})
	wantCode(t, err, crm.KindStale, "stale_version")
	_, err = e.sales.MoveDeal(ctx, 999999, 0, sales.MoveInput{StageID: stageID(t, p, "Won")})
	wantKind(t, err, crm.KindNotFound)

	e.tick(24 * time.Hour)
	lostAt := e.now()
	d, err = e.sales.MoveDeal(ctx, d.ID, d.Version, sales.MoveInput{StageID: stageID(t, p, "Lost"), LostReason: "預算 不足"})
	must(t, err)
	if d.Status != "lost" || d.LostReason != "預算 不足" || d.ClosedAt == nil || !d.ClosedAt.Equal(lostAt) {
		t.Fatalf("lost %s", jsonOf(d))
	}
	// A new reason for a lost deal is no move.
	e.tick(time.Hour)
	d = e.moveDeal(ctx, d.ID, d.StageID, "Went with a competitor")
	if d.LostReason != "Went with a competitor" || !d.ClosedAt.Equal(lostAt) {
		t.Errorf("new reason %s", jsonOf(d))
	}
	// Reopen, then win.
	e.tick(24 * time.Hour)
	d = e.moveDeal(ctx, d.ID, stageID(t, p, "Negotiation"), "ignored")
	if d.Status != "open" || d.ClosedAt != nil || d.LostReason != "" {
		t.Fatalf("reopened %s", jsonOf(d))
	}
	e.tick(72 * time.Hour)
	d = e.moveDeal(ctx, d.ID, stageID(t, p, "Won"), "")
	if d.Status != "won" || !d.ClosedAt.Equal(e.now()) {
		t.Fatalf("won %s", jsonOf(d))
	}
	if read, err := e.sales.GetDeal(ctx, d.ID); err != nil || jsonOf(read) != jsonOf(d) {
		t.Errorf("the moved deal as answered\n%s\nand as read back (%v)\n%s", jsonOf(d), err, jsonOf(read))
	}

	changes, err := e.sales.DealStageChanges(ctx, d.ID)
	must(t, err)
	type step struct {
		to     string
		status string
		days   float64
		reopen bool
	}
	var got []step
	for _, c := range changes {
		s := step{status: c.ToStatus, reopen: c.Reopened}
		for _, st := range p.Stages {
			if c.ToStageID != nil && st.ID == *c.ToStageID {
				s.to = st.Name
			}
		}
		if c.DaysInFromStage != nil {
			s.days = *c.DaysInFromStage
		}
		if *c.ActorID != agent.ID {
			t.Errorf("change by %v", c.ActorID)
		}
		got = append(got, s)
	}
	want := []step{{"Qualified", "open", 0, false}, {"Proposal", "open", 2, false}, {"Lost", "lost", 1, false},
		{"Negotiation", "open", 25.0 / 24, true}, {"Won", "won", 3, false}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("history\n got %v\nwant %v", got, want)
	}
	if !changes[0].At.Equal(created) {
		t.Errorf("created at %v", changes[0].At)
	}

	// A stage of another pipeline takes the deal there.
	p2 := e.salesPipeline("Renewals")
	d = e.moveDeal(ctx, d.ID, p2.Stages[1].ID, "")
	if d.PipelineID != p2.ID || d.Status != "open" {
		t.Errorf("to another pipeline: %s", jsonOf(d))
	}
	audit, err := e.sales.DealAudit(ctx, d.ID, "", 20)
	must(t, err)
	if !hasChange(audit.Items[0], "pipeline_id") || !hasChange(audit.Items[1], "closed_at") || !hasChange(audit.Items[1], "status") {
		t.Errorf("audit of moves %s", jsonOf(audit.Items[:2]))
	}
}

func testSalesMoveBatch(t *testing.T, e *env) {
	p := e.salesPipeline("B2B")
	var ids []int64
	for i := range 3 {
		ids = append(ids, e.deal(e.sys, sales.DealInput{DealFields: sales.DealFields{Name: fmt.Sprint("deal ", i)}}).ID)
	}
	results, err := e.sales.MoveDeals(e.sys, []sales.Move{
		{DealID: ids[0], MoveInput: sales.MoveInput{StageID: stageID(t, p, "Proposal")}},
		{DealID: ids[0], MoveInput: sales.MoveInput{StageID: stageID(t, p, "Won")}}, // the same deal again
		{DealID: ids[1], MoveInput: sales.MoveInput{StageID: stageID(t, p, "Lost")}},
		{DealID: ids[2], IfVersion: 5, MoveInput: sales.MoveInput{StageID: stageID(t, p, "Won")}},
		{DealID: 999999, MoveInput: sales.MoveInput{StageID: stageID(t, p, "Won")}},
	})
	must(t, err)
	if results[0].Err != nil || results[1].Err != nil || results[1].Version != 3 || crm.KindOf(results[2].Err) != crm.KindInvalid ||
		crm.KindOf(results[3].Err) != crm.KindStale || crm.KindOf(results[4].Err) != crm.KindNotFound {
		t.Fatalf("results %+v", results)
	}
	changes, err := e.sales.DealStageChanges(e.sys, ids[0])
	must(t, err)
	if len(changes) != 3 || *changes[1].FromStageID != stageID(t, p, "Qualified") || *changes[2].FromStageID != stageID(t, p, "Proposal") {
		t.Errorf("history %s", jsonOf(changes))
	}
}

// testSalesConcurrentMoves: movers who name no version all get through,
// each move recorded once, though they race for the same deal.
func testSalesConcurrentMoves(t *testing.T, e *env) {
	p := e.salesPipeline("B2B")
	d := e.deal(e.sys, sales.DealInput{DealFields: sales.DealFields{Name: "contested"}})
	const movers = 8
	errs := make(chan error, movers)
	for i := range movers {
		go func() {
			_, err := e.sales.MoveDeal(e.sys, d.ID, 0, sales.MoveInput{StageID: p.Stages[i%4].ID})
			errs <- err
		}()
	}
	for range movers {
		must(t, <-errs)
	}
	read, err := e.sales.GetDeal(e.sys, d.ID)
	must(t, err)
	changes, err := e.sales.DealStageChanges(e.sys, d.ID)
	must(t, err)
	if int64(len(changes)) != read.Version || *changes[len(changes)-1].ToStageID != read.StageID {
		t.Errorf("version %d in stage %d after %d recorded moves: %s", read.Version, read.StageID, len(changes), jsonOf(changes))
	}
}

func testSalesPermissions(t *testing.T, e *env) {
	p := e.salesPipeline("B2B")
	north := e.team("North")
	manager := e.user("Manager", crm.RoleManager, north)
	a1 := e.user("Agent One", crm.RoleAgent, north)
	a2 := e.user("Agent Two", crm.RoleAgent)
	viewer := e.user("Viewer", crm.RoleViewer)
	mine := e.deal(e.as(a1), sales.DealInput{DealFields: sales.DealFields{Name: "a1's"}})
	alone := e.deal(e.as(a2), sales.DealInput{DealFields: sales.DealFields{Name: "a2's"}})
	teamOwned := e.deal(e.sys, sales.DealInput{DealFields: sales.DealFields{Name: "North's", TeamID: &north.ID}})
	won := stageID(t, p, "Won")

	// a2 neither sees nor moves nor changes a1's deal.
	_, err := e.sales.GetDeal(e.as(a2), mine.ID)
	wantKind(t, err, crm.KindForbidden)
	_, err = e.sales.MoveDeal(e.as(a2), mine.ID, 0, sales.MoveInput{StageID: won})
	wantKind(t, err, crm.KindForbidden)
	_, err = e.sales.UpdateDeal(e.as(a2), mine.ID, 0, func(f *sales.DealFields) error { f.Name = "x"; return nil })
	wantKind(t, err, crm.KindForbidden)
	wantKind(t, e.sales.DeleteDeal(e.as(a2), mine.ID, 0), crm.KindForbidden)
	_, err = e.sales.DealStageChanges(e.as(a2), mine.ID)
	wantKind(t, err, crm.KindForbidden)
	// a1 moves the team's deal; the manager moves a1's; the viewer reads but moves nothing.
	e.moveDeal(e.as(a1), teamOwned.ID, won, "")
	e.moveDeal(e.as(manager), mine.ID, stageID(t, p, "Proposal"), "")
	_, err = e.sales.MoveDeal(e.as(manager), alone.ID, 0, sales.MoveInput{StageID: won})
	wantKind(t, err, crm.KindForbidden)
	if _, err := e.sales.GetDeal(e.as(viewer), alone.ID); err != nil {
		t.Errorf("viewer reads: %v", err)
	}
	_, err = e.sales.MoveDeal(e.as(viewer), alone.ID, 0, sales.MoveInput{StageID: won})
	wantKind(t, err, crm.KindForbidden)
	// An agent may not give a deal to a team they are not in.
	_, err = e.sales.CreateDeal(e.as(a2), sales.DealInput{DealFields: sales.DealFields{Name: "x", TeamID: &north.ID}})
	wantField(t, err, "team_id", "not_your_team")

	list := func(u *account.User) []string {
		items := walk(t, 2, func(cursor string) (crm.Page[*sales.Deal], error) {
			return e.sales.ListDeals(e.as(u), sales.DealQuery{Cursor: cursor, Limit: 2})
		})
		var out []string
		for _, d := range items {
			out = append(out, d.Name)
		}
		slices.Sort(out)
		return out
	}
	for _, tt := range []struct {
		who  *account.User
		want []string
	}{
		{a1, []string{"North's", "a1's"}},
		{a2, []string{"a2's"}},
		{manager, []string{"North's", "a1's"}},
		{viewer, []string{"North's", "a1's", "a2's"}},
	} {
		if got := list(tt.who); !slices.Equal(got, tt.want) {
			t.Errorf("%s lists %v; want %v", tt.who.Name, got, tt.want)
		}
	}
}

func testSalesListDeals(t *testing.T, e *env) {
	p := e.salesPipeline("B2B")
	owner := e.user("Owner", crm.RoleAgent)
	co := e.company(e.sys, customer.CompanyFields{Name: "Acme"})
	c := e.named("Buyer")
	type spec struct {
		name, stage, closing string
		owned, company       bool
	}
	specs := []spec{
		{"d1", "Qualified", "2026-03-10", true, false},
		{"d2", "Proposal", "2026-03-31", false, true},
		{"d3", "Proposal", "2026-04-01", true, false},
		{"d4", "Won", "2026-03-15", false, false},
		{"d5", "Lost", "", true, true},
		{"d6", "Qualified", "", false, false},
		{"d7", "Negotiation", "2026-05-01", true, false},
	}
	for _, s := range specs {
		in := sales.DealInput{DealFields: sales.DealFields{Name: s.name, ExpectedCloseOn: s.closing}, StageID: stageID(t, p, s.stage), LostReason: "r"}
		if s.owned {
			in.OwnerID = &owner.ID
		}
		if s.company {
			in.CompanyID = &co.ID
			in.Contacts = []sales.DealContact{{ContactID: c.ID}}
		}
		e.deal(e.sys, in)
		e.tick(time.Minute)
	}
	names := func(q sales.DealQuery) []string {
		q.Limit = 2
		items := walk(t, 2, func(cursor string) (crm.Page[*sales.Deal], error) {
			q.Cursor = cursor
			return e.sales.ListDeals(e.sys, q)
		})
		var out []string
		for _, d := range items {
			out = append(out, d.Name)
		}
		return out
	}
	tests := []struct {
		name string
		q    sales.DealQuery
		want []string
	}{
		{"all, newest first", sales.DealQuery{}, []string{"d7", "d6", "d5", "d4", "d3", "d2", "d1"}},
		{"a stage", sales.DealQuery{StageID: stageID(t, p, "Proposal")}, []string{"d3", "d2"}},
		{"an owner", sales.DealQuery{OwnerID: owner.ID}, []string{"d7", "d5", "d3", "d1"}},
		{"open", sales.DealQuery{Status: "open"}, []string{"d7", "d6", "d3", "d2", "d1"}},
		{"closing in March", sales.DealQuery{ClosingFrom: "2026-03-01", ClosingTo: "2026-03-31"}, []string{"d4", "d2", "d1"}},
		{"closing by April 1", sales.DealQuery{ClosingTo: "2026-04-01", Status: "open"}, []string{"d3", "d2", "d1"}},
		{"a company", sales.DealQuery{CompanyID: co.ID}, []string{"d5", "d2"}},
		{"a contact", sales.DealQuery{ContactID: c.ID}, []string{"d5", "d2"}},
		{"a pipeline", sales.DealQuery{PipelineID: p.ID, OwnerID: owner.ID, Status: "lost"}, []string{"d5"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := names(tt.q); !slices.Equal(got, tt.want) {
				t.Errorf("got %v; want %v", got, tt.want)
			}
		})
	}
	_, err := e.sales.ListDeals(e.sys, sales.DealQuery{Status: "maybe"})
	wantField(t, err, "status", "invalid_status")
	_, err = e.sales.ListDeals(e.sys, sales.DealQuery{ClosingFrom: "March"})
	wantField(t, err, "closing_from", "expected_date")
}

func testSalesDelete(t *testing.T, e *env) {
	e.salesPipeline("B2B")
	c := e.named("Buyer")
	d := e.deal(e.sys, sales.DealInput{DealFields: sales.DealFields{Name: "x", Contacts: []sales.DealContact{{ContactID: c.ID}},
		Lines: []sales.DealLine{{Name: "a", Quantity: 1, UnitPrice: 1}}}})
	wantKind(t, e.sales.DeleteDeal(e.sys, d.ID, 9), crm.KindStale)
	must(t, e.sales.DeleteDeal(e.sys, d.ID, d.Version))
	_, err := e.sales.GetDeal(e.sys, d.ID)
	wantKind(t, err, crm.KindNotFound)
	if _, ok := findEntry(e.auditLog(account.AuditFilter{RecordType: sales.RecordDeal}), crm.ActionDelete, d.ID, nil); !ok {
		t.Error("no audit entry of the deletion")
	}
	// Purging a contact takes it off its deals.
	d = e.deal(e.sys, sales.DealInput{DealFields: sales.DealFields{Name: "y", Contacts: []sales.DealContact{{ContactID: c.ID}}}})
	must(t, e.cs.PurgeContact(e.sys, c.ID, "erasure request"))
	read, err := e.sales.GetDeal(e.sys, d.ID)
	must(t, err)
	if len(read.Contacts) != 0 {
		t.Errorf("contacts after the purge: %v", read.Contacts)
	}
}

// testSalesMergedContact: a merged contact is no longer one to name on a
// deal (its survivor is).
func testSalesMergedContact(t *testing.T, e *env) {
	e.salesPipeline("B2B")
	a, b := e.named("A"), e.named("B")
	_, err := e.cs.MergeContacts(e.sys, a.ID, b.ID, 0)
	must(t, err)
	_, err = e.sales.CreateDeal(e.sys, sales.DealInput{DealFields: sales.DealFields{Name: "x", Contacts: []sales.DealContact{{ContactID: b.ID}}}})
	wantField(t, err, "contacts[0].contact_id", "unknown_contact")
}

// testSalesMergeMovesDealContacts: merging a contact gives the survivor its
// place on deals, once per deal.
func testSalesMergeMovesDealContacts(t *testing.T, e *env) {
	e.salesPipeline("B2B")
	a, b := e.named("A"), e.named("B")
	both := e.deal(e.sys, sales.DealInput{DealFields: sales.DealFields{Name: "both", Contacts: []sales.DealContact{{ContactID: a.ID, Role: "user"}, {ContactID: b.ID, Role: "decision_maker"}}}})
	onlyB := e.deal(e.sys, sales.DealInput{DealFields: sales.DealFields{Name: "only b", Contacts: []sales.DealContact{{ContactID: b.ID, Role: "influencer"}}}})
	_, err := e.cs.MergeContacts(e.sys, a.ID, b.ID, 0)
	must(t, err)
	for _, tt := range []struct {
		id   int64
		want string
	}{{both.ID, fmt.Sprintf("%d:user", a.ID)}, {onlyB.ID, fmt.Sprintf("%d:influencer", a.ID)}} {
		d, err := e.sales.GetDeal(e.sys, tt.id)
		must(t, err)
		var got []string
		for _, c := range d.Contacts {
			got = append(got, fmt.Sprintf("%d:%s", c.ContactID, c.Role))
		}
		if strings.Join(got, ",") != tt.want {
			t.Errorf("deal %s after the merge has contacts %v; want %s", d.Name, got, tt.want)
		}
	}
}

// testSalesForecast checks the facts the store reads for the forecast and
// the KPIs against facts written by hand, and the filters and scopes.
func testSalesForecast(t *testing.T, e *env) {
	p := e.salesPipeline("B2B")
	north := e.team("North")
	repA := e.user("Rep A", crm.RoleAgent, north)
	repB := e.user("Rep B", crm.RoleAgent, north)
	manager := e.user("Manager", crm.RoleManager, north)
	repC := e.user("Rep C", crm.RoleAgent)
	st := func(name string) int64 { return stageID(t, p, name) }
	pos := map[string]int{}
	for _, s := range p.Stages {
		pos[s.Name] = s.Position
	}
	start := e.now()
	day := 24 * time.Hour

	// History: A wins h1 after 10 days (through Proposal) and loses h2
	// after 15; B wins h3 after 15 days.
	in := func(name string, amount int64, stage string, closing string) sales.DealInput {
		return sales.DealInput{DealFields: sales.DealFields{Name: name, Amount: amount, ExpectedCloseOn: closing}, StageID: st(stage)}
	}
	h1 := e.deal(e.as(repA), in("h1", 1000, "Qualified", "2026-03-20"))
	h2 := e.deal(e.as(repA), in("h2", 2000, "Qualified", ""))
	h3 := e.deal(e.as(repB), in("h3", 3000, "Qualified", ""))
	e.tick(10 * day)
	e.moveDeal(e.as(repA), h1.ID, st("Proposal"), "")
	e.moveDeal(e.as(repA), h1.ID, st("Won"), "")
	e.tick(5 * day)
	e.moveDeal(e.as(repA), h2.ID, st("Lost"), "price")
	e.moveDeal(e.as(repB), h3.ID, st("Won"), "")
	// Open deals, created now (2026-03-17).
	now := e.now()
	o1 := e.deal(e.as(repA), in("o1", 10000, "Negotiation", "2026-03-25"))
	o2 := e.deal(e.as(repB), in("o2", 4000, "Qualified", "2026-05-10"))
	o3 := e.deal(e.as(repC), in("o3", 5000, "Proposal", "2026-03-30"))

	deal := func(d *sales.Deal, owner *account.User, status, stage string, furthest int, closed time.Time, expected string) salesforecast.Deal {
		f := salesforecast.Deal{ID: d.ID, PipelineID: p.ID, StageID: st(stage), OwnerID: owner.ID, Status: status, Amount: d.Amount,
			CreatedAt: d.CreatedAt, ClosedAt: closed, Furthest: furthest}
		if expected != "" {
			f.ExpectedClose, _ = time.Parse("2006-01-02", expected)
		}
		return f
	}
	var (
		fh1 = deal(h1, repA, "won", "Won", pos["Proposal"], start.Add(10*day), "2026-03-20")
		fh2 = deal(h2, repA, "lost", "Lost", pos["Qualified"], start.Add(15*day), "")
		fh3 = deal(h3, repB, "won", "Won", pos["Qualified"], start.Add(15*day), "")
		fo1 = deal(o1, repA, "open", "Negotiation", pos["Negotiation"], time.Time{}, "2026-03-25")
		fo2 = deal(o2, repB, "open", "Qualified", pos["Qualified"], time.Time{}, "2026-05-10")
		fo3 = deal(o3, repC, "open", "Proposal", pos["Proposal"], time.Time{}, "2026-03-30")
	)
	var stages []salesforecast.Stage
	for _, s := range p.Stages {
		stages = append(stages, salesforecast.Stage{ID: s.ID, PipelineID: p.ID, Name: s.Name, Position: s.Position, Kind: s.Kind, Probability: s.Probability})
	}
	q1From, q1To := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
	closedAll := []salesforecast.Deal{fh1, fh2, fh3}
	tests := []struct {
		name          string
		ctx           context.Context
		q             sales.ReportQuery
		history, sums []salesforecast.Deal
	}{
		{"admin, the quarter by default", e.sys, sales.ReportQuery{}, closedAll, []salesforecast.Deal{fh1, fh2, fh3, fo1, fo2, fo3}},
		{"one owner", e.sys, sales.ReportQuery{OwnerID: repA.ID, From: q1From, To: q1To}, closedAll, []salesforecast.Deal{fh1, fh2, fo1}},
		{"one team", e.sys, sales.ReportQuery{TeamID: north.ID, From: q1From, To: q1To}, closedAll, []salesforecast.Deal{fh1, fh2, fh3, fo1, fo2}},
		{"the team's manager", e.as(manager), sales.ReportQuery{From: q1From, To: q1To}, closedAll, []salesforecast.Deal{fh1, fh2, fh3, fo1, fo2}},
		{"an agent alone sees their own", e.as(repC), sales.ReportQuery{From: q1From, To: q1To}, nil, []salesforecast.Deal{fo3}},
		{"the next quarter", e.sys, sales.ReportQuery{From: q1To}, closedAll, []salesforecast.Deal{fh1, fh2, fh3, fo1, fo2, fo3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := e.sales.Forecast(tt.ctx, tt.q)
			must(t, err)
			from, to := tt.q.From, tt.q.To
			if from.IsZero() {
				from = q1From
			}
			if to.IsZero() {
				to = from.AddDate(0, 3, 0)
			}
			want := salesforecast.MakeForecast(salesforecast.Input{Stages: stages, History: tt.history, Deals: tt.sums, From: from, To: to, Now: now})
			if jsonOf(got.Forecast) != jsonOf(want) || !got.From.Equal(from) || !got.To.Equal(to) || got.Currency != "TWD" {
				t.Errorf("forecast %v–%v\n got %s\nwant %s", got.From, got.To, jsonOf(got.Forecast), jsonOf(want))
			}
		})
	}
	// The admin's figures, by hand.
	f, err := e.sales.Forecast(e.sys, sales.ReportQuery{})
	must(t, err)
	if f.Committed != 4000 || f.WeightedPipeline != 10000*75/100+5000*50/100 || f.BestCase != 4000+10000+5000 || f.OpenDeals != 2 ||
		f.History.ClosedDeals != 3 || f.History.Won != 2 {
		t.Errorf("admin's forecast %s", jsonOf(f))
	}

	target := int64(30000)
	k, err := e.sales.KPIs(e.sys, sales.ReportQuery{From: q1From, To: q1To, Target: &target})
	must(t, err)
	if k.Closed != 3 || k.Won != 2 || k.WonAmount != 4000 || *k.AverageDealSize != 2000 || *k.AverageCycleDays != 12.5 ||
		*k.AverageCycleDaysLost != 15 || k.OpenPipeline != 15000 || *k.Coverage != 0.5 || len(k.Owners) != 2 {
		t.Errorf("KPIs %s", jsonOf(k))
	}
	funnel := func(k *sales.KPIs) string {
		var out string
		for _, s := range k.Conversion[0].Steps {
			out += fmt.Sprintf("%s %d→%d %s; ", s.Name, s.Reached, s.Advanced, s.Next)
		}
		return out
	}
	if got, want := funnel(k), "Qualified 6→4 Needs analysis; Needs analysis 4→4 Proposal; Proposal 4→3 Negotiation; Negotiation 3→2 Won; "; got != want {
		t.Errorf("funnel\n got %s\nwant %s", got, want)
	}
	// Reordered stages re-read the history: o1 (in Negotiation) no longer
	// reached Proposal.
	var order []int64
	for _, name := range []string{"Qualified", "Needs analysis", "Negotiation", "Proposal", "Won", "Lost"} {
		order = append(order, st(name))
	}
	_, err = e.sales.ReorderStages(e.sys, p.ID, 0, order)
	must(t, err)
	k, err = e.sales.KPIs(e.sys, sales.ReportQuery{From: q1From, To: q1To})
	must(t, err)
	if got, want := funnel(k), "Qualified 6→4 Needs analysis; Needs analysis 4→4 Negotiation; Negotiation 4→3 Proposal; Proposal 3→2 Won; "; got != want {
		t.Errorf("funnel after reordering\n got %s\nwant %s", got, want)
	}
	if k.Coverage != nil || k.Target != nil {
		t.Errorf("coverage without a target: %v", k.Coverage)
	}
	_, err = e.sales.KPIs(e.sys, sales.ReportQuery{From: q1To, To: q1From})
	wantField(t, err, "from", "not_before_to")
	_, err = e.sales.Forecast(e.sys, sales.ReportQuery{PipelineID: 999999})
	wantKind(t, err, crm.KindNotFound)
}
