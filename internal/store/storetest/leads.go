package storetest

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/guanxi-crm/guanxi/internal/account"
	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/jobs"
	"github.com/guanxi-crm/guanxi/internal/lead"
	"github.com/guanxi-crm/guanxi/internal/touchpoint"
	"github.com/guanxi-crm/guanxi/internal/wiring"
)

var leadTests = []test{
	{"CreateAndList", testLeadsCreateAndList},
	{"Search", testLeadsSearch},
	{"Validation", testLeadsValidation},
	{"Scoring", testLeadsScoring},
	{"QualifyAndDisqualify", testLeadsQualify},
	{"Convert", testLeadsConvert},
	{"ConvertIsAllOrNothing", testLeadsConvertAtomic},
	{"Permissions", testLeadsPermissions},
	{"PoolCap", testLeadsPoolCap},
	{"Recycling", testLeadsRecycling},
	{"ProtectionPeriod", testLeadsProtection},
	{"Collisions", testLeadsCollisions},
	{"CollisionApproval", testLeadsCollisionApproval},
	{"PoolContacts", testLeadsPoolContacts},
	{"TeamPools", testLeadsTeamPools},
	{"Forms", testLeadsForms},
}

// leadWorld is a test's lead service with the customer database and sales
// wired as the app wires them, the real job table, and a cast: team North
// (a manager and two agents), team South (an agent), a viewer.
type leadWorld struct {
	*env
	leads              *lead.Service
	north, south       *account.Team
	manager, a1, a2, b *account.User
	viewer             *account.User
	mgr, ag1, ag2, agB context.Context
	view               context.Context
	defaultPool        *lead.Pool
}

func newLeadWorld(t *testing.T, e *env) *leadWorld {
	t.Helper()
	w := &leadWorld{env: e}
	// The app's adapters: the suite converts leads through the real
	// customer and sales services.
	w.leads = lead.NewService(e.st, wiring.LeadCustomers(e.cs), wiring.LeadDeals(e.sales),
		lead.Options{Clock: e.clock, Region: "TW", Jobs: wiring.LeadJobs(jobs.NewService(e.st, e.clock))})
	w.north, w.south = e.team("North"), e.team("South")
	w.manager = e.user("Manager", crm.RoleManager, w.north)
	w.a1 = e.user("Agent One", crm.RoleAgent, w.north)
	w.a2 = e.user("Agent Two", crm.RoleAgent, w.north)
	w.b = e.user("Agent South", crm.RoleAgent, w.south)
	w.viewer = e.user("Viewer", crm.RoleViewer)
	w.mgr, w.ag1, w.ag2, w.agB, w.view = e.as(w.manager), e.as(w.a1), e.as(w.a2), e.as(w.b), e.as(w.viewer)
	pools, err := w.leads.ListPools(e.sys)
	must(t, err)
	if len(pools) != 1 || !pools[0].Default || pools[0].TeamID != nil {
		t.Fatalf("pools of a new database: %s", jsonOf(pools))
	}
	w.defaultPool = pools[0]
	return w
}

// setPool changes the rules of a pool.
func (w *leadWorld) setPool(id int64, apply func(f *lead.PoolFields)) *lead.Pool {
	w.t.Helper()
	p, err := w.leads.UpdatePool(w.sys, id, 0, func(f *lead.PoolFields) error { apply(f); return nil })
	if err != nil {
		w.t.Fatalf("update pool %d: %v", id, err)
	}
	return p
}

// lead creates a lead or fails the test.
func (w *leadWorld) lead(ctx context.Context, in lead.LeadInput) *lead.Lead {
	w.t.Helper()
	l, err := w.leads.CreateLead(ctx, in)
	if err != nil {
		w.t.Fatalf("create lead %q: %v", in.Name, err)
	}
	return l
}

// pooled creates a lead without an owner, in the default pool.
func (w *leadWorld) pooled(name, email string) *lead.Lead {
	w.t.Helper()
	return w.lead(w.sys, lead.LeadInput{Unowned: true, LeadFields: lead.LeadFields{Name: name, Email: email}})
}

// claim claims a record or fails the test.
func (w *leadWorld) claim(ctx context.Context, recordType string, id int64) *lead.Claim {
	w.t.Helper()
	c, err := w.leads.Claim(ctx, recordType, id)
	if err != nil {
		w.t.Fatalf("claim %s %d: %v", recordType, id, err)
	}
	return c
}

// getLead reads a lead as the system.
func (w *leadWorld) getLead(id int64) *lead.Lead {
	w.t.Helper()
	l, err := w.leads.GetLead(w.sys, id)
	if err != nil {
		w.t.Fatalf("get lead %d: %v", id, err)
	}
	return l
}

// leadJobs lists the jobs of a kind, oldest first.
func (w *leadWorld) leadJobs(kind string) []*jobs.Job {
	w.t.Helper()
	page, err := w.st.ListJobs(w.sys, jobs.Filter{Kind: kind, Limit: 500})
	must(w.t, err)
	list := page.Items
	slices.Reverse(list)
	return list
}

// leadAudit is a lead's whole history, newest first.
func (w *leadWorld) leadAudit(id int64) []crm.AuditEntry {
	w.t.Helper()
	return walk(w.t, 5, func(cursor string) (crm.Page[crm.AuditEntry], error) {
		return w.leads.LeadAudit(w.sys, id, cursor, 5)
	})
}

// poolEvent reports whether an entry records a pool event.
func poolEvent(en crm.AuditEntry, event string) bool {
	return slices.ContainsFunc(en.Changes, func(c crm.Change) bool { return c.Field == "pool" && string(c.To) == `"`+event+`"` })
}

func testLeadsCreateAndList(t *testing.T, e *env) {
	w := newLeadWorld(t, e)
	l := w.lead(w.ag1, lead.LeadInput{LeadFields: lead.LeadFields{Name: " 陳  小明 ", CompanyName: "台積電", Email: " Ming@TSMC.com.TW ",
		Phone: "0912-345-678", CompanySize: "5001+", Source: "trade_show", UTMSource: "google", UTMCampaign: "spring",
		Notes: "Met at Computex", Custom: map[string]any{"booth": "A12", "budget": 1200000.0, "hot": true}}})
	if l.Name != "陳 小明" || l.Email != "ming@tsmc.com.tw" || l.Phone != "+886912345678" || l.Status != lead.StatusNew ||
		l.Version != 1 || l.OwnerID == nil || *l.OwnerID != w.a1.ID || l.TeamID == nil || *l.TeamID != w.north.ID {
		t.Fatalf("created %s", jsonOf(l))
	}
	read := w.getLead(l.ID)
	if jsonOf(read.LeadFields) != jsonOf(l.LeadFields) || read.Score != l.Score || jsonOf(read.ScoreReasons) != jsonOf(l.ScoreReasons) {
		t.Errorf("read back\n%s\nwant\n%s", jsonOf(read), jsonOf(l))
	}
	if en, ok := findEntry(w.leadAudit(l.ID), crm.ActionCreate, l.ID, nil); !ok || !hasChange(en, "email") || en.ActorID == nil || *en.ActorID != w.a1.ID {
		t.Errorf("no audit entry of the creation: %s", jsonOf(en))
	}

	// A batch: each on its own.
	results, err := w.leads.CreateLeads(w.ag1, []lead.LeadInput{
		{LeadFields: lead.LeadFields{Email: "only@example.com", Source: "web_form"}},
		{LeadFields: lead.LeadFields{Email: "not an email"}},
		{LeadFields: lead.LeadFields{Phone: "02-2345-6789", Source: "web_form"}},
	})
	must(t, err)
	if results[0].Err != nil || results[2].Err != nil {
		t.Fatalf("batch: %v, %v", results[0].Err, results[2].Err)
	}
	wantField(t, results[1].Err, "email", "invalid_email")
	if got := w.getLead(results[0].ID).Name; got != "only@example.com" {
		t.Errorf("a lead without a name is named %q", got)
	}
	if got := w.getLead(results[2].ID).Name; got != "+886223456789" {
		t.Errorf("a lead with only a phone is named %q", got)
	}

	// Filters and keyset pages.
	w.lead(w.ag2, lead.LeadInput{LeadFields: lead.LeadFields{Name: "Two's", Source: "web_form"}})
	for range 5 {
		e.tick(time.Second)
		w.lead(w.ag1, lead.LeadInput{LeadFields: lead.LeadFields{Name: "filler", Source: "ads"}})
	}
	names := func(q lead.LeadQuery, ctx context.Context) []string {
		t.Helper()
		q.Limit = 2
		var out []string
		for _, l := range walk(t, 2, func(cursor string) (crm.Page[*lead.Lead], error) {
			q.Cursor = cursor
			return w.leads.ListLeads(ctx, q)
		}) {
			out = append(out, l.Name)
		}
		return out
	}
	if got := names(lead.LeadQuery{Source: "web_form"}, w.sys); !slices.Equal(got, []string{"Two's", "+886223456789", "only@example.com"}) {
		t.Errorf("source=web_form: %v", got)
	}
	if got := names(lead.LeadQuery{Source: "web_form", OwnerID: w.a1.ID}, w.sys); len(got) != 2 {
		t.Errorf("source and owner: %v", got)
	}
	if got := names(lead.LeadQuery{Source: "ads"}, w.sys); len(got) != 5 {
		t.Errorf("source=ads over pages: %v", got)
	}
	if got := names(lead.LeadQuery{Status: lead.StatusNew}, w.sys); len(got) != 9 {
		t.Errorf("status=new: %d leads", len(got))
	}
	_, err = w.leads.ListLeads(w.sys, lead.LeadQuery{Status: "hot"})
	wantField(t, err, "status", "not_one_of")

	// Update: the fields, a stale version, no change saves nothing.
	up, err := w.leads.UpdateLead(w.ag1, l.ID, l.Version, func(f *lead.LeadFields) error { f.Title = "採購經理"; return nil })
	must(t, err)
	if up.Title != "採購經理" || up.Version != 2 {
		t.Fatalf("updated %s", jsonOf(up))
	}
	_, err = w.leads.UpdateLead(w.ag1, l.ID, 1, func(f *lead.LeadFields) error { f.Title = "x"; return nil })
	wantCode(t, err, crm.KindStale, "stale_version")
	same, err := w.leads.UpdateLead(w.ag1, l.ID, 0, func(*lead.LeadFields) error { return nil })
	must(t, err)
	if same.Version != 2 {
		t.Errorf("an empty change made version %d", same.Version)
	}
	must(t, w.leads.DeleteLead(w.ag1, l.ID, 0))
	_, err = w.leads.GetLead(w.sys, l.ID)
	wantKind(t, err, crm.KindNotFound)
}

// testLeadsSearch finds leads by what a user types: Chinese substrings of
// names, parts of company names and emails in any case, phone numbers by
// their digits or as written in Taiwan, % and _ as themselves; within what
// the caller may read, page by page.
func testLeadsSearch(t *testing.T, e *env) {
	w := newLeadWorld(t, e)
	mk := func(ctx context.Context, f lead.LeadFields) *lead.Lead {
		t.Helper()
		e.tick(time.Second) // newest first is creation order
		return w.lead(ctx, lead.LeadInput{LeadFields: f})
	}
	ming := mk(w.ag1, lead.LeadFields{Name: "王小明", CompanyName: "台灣科技股份有限公司", Email: "Ming.Wang@TW-Tech.com.tw", Phone: "0912-345-678"})
	li := mk(w.ag1, lead.LeadFields{Name: "王小李", CompanyName: "Acme 100% Cotton", Email: "li@acme.example", Phone: "+86 138 0013 8000"})
	chen := mk(w.ag2, lead.LeadFields{Name: "陳大文", CompanyName: "Under_Score Ltd", Email: "chen@example.com", Phone: "02-2345-6789"})
	south := mk(w.agB, lead.LeadFields{Name: "王小明", CompanyName: "南部貿易", Email: "ming@south.example", Phone: "0912 999 888"})
	// What % and _ would find as wildcards.
	decoy := mk(w.ag1, lead.LeadFields{Name: "Decoy", CompanyName: "ACME 1000 Cotton, UnderXScore"})

	search := func(ctx context.Context, q string) []int64 {
		t.Helper()
		var out []int64
		for _, l := range walk(t, 2, func(cursor string) (crm.Page[*lead.Lead], error) {
			return w.leads.ListLeads(ctx, lead.LeadQuery{Q: q, Cursor: cursor, Limit: 2})
		}) {
			out = append(out, l.ID)
		}
		return out
	}
	tests := []struct {
		name string
		as   context.Context
		q    string
		want []*lead.Lead
	}{
		{"a Chinese family name and a character", w.sys, "王小", []*lead.Lead{south, li, ming}},
		{"a Chinese given name", w.sys, "小明", []*lead.Lead{south, ming}},
		{"inside a company name", w.sys, "科技", []*lead.Lead{ming}},
		{"part of an email, in another case", w.sys, "TW-TECH", []*lead.Lead{ming}},
		{"a company in any case", w.sys, "acme", []*lead.Lead{decoy, li}},
		{"trimmed", w.sys, "  陳大  ", []*lead.Lead{chen}},
		{"% is a percent sign", w.sys, "100%", []*lead.Lead{li}},
		{"_ is an underscore", w.sys, "r_s", []*lead.Lead{chen}},
		{"a mobile as written in Taiwan", w.sys, "0912 345", []*lead.Lead{ming}},
		{"its trunk prefix alone", w.sys, "0912", []*lead.Lead{south, ming}},
		{"digits from the middle", w.sys, "12-345", []*lead.Lead{ming}},
		{"a landline without its area code", w.sys, "2345 6789", []*lead.Lead{chen}},
		{"an international number", w.sys, "+86 138", []*lead.Lead{li}},
		{"full-width digits", w.sys, "０９１２３４５", []*lead.Lead{ming}},
		{"nothing", w.sys, "林", nil},
		{"an agent finds their team's", w.ag1, "王小", []*lead.Lead{li, ming}},
		{"and not another team's", w.agB, "小明", []*lead.Lead{south}},
		{"nor another team's by phone", w.agB, "345678", nil},
		{"a manager, their team's", w.mgr, "ming", []*lead.Lead{ming}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var want []int64
			for _, l := range tt.want {
				want = append(want, l.ID)
			}
			if got := search(tt.as, tt.q); !slices.Equal(got, want) {
				t.Errorf("%q finds %v, want %v", tt.q, got, want)
			}
		})
	}

	// The search narrows the other filters and pages with them.
	page, err := w.leads.ListLeads(w.sys, lead.LeadQuery{Q: "王", OwnerID: w.a1.ID, Limit: 1})
	must(t, err)
	if len(page.Items) != 1 || page.Items[0].ID != li.ID || page.Next == "" {
		t.Fatalf("the first page of 王 owned by agent one: %s", jsonOf(page))
	}
	page, err = w.leads.ListLeads(w.sys, lead.LeadQuery{Q: "王", OwnerID: w.a1.ID, Limit: 1, Cursor: page.Next})
	must(t, err)
	if len(page.Items) != 1 || page.Items[0].ID != ming.ID {
		t.Fatalf("the second page: %s", jsonOf(page))
	}
	if page.Next != "" {
		page, err = w.leads.ListLeads(w.sys, lead.LeadQuery{Q: "王", OwnerID: w.a1.ID, Limit: 1, Cursor: page.Next})
		must(t, err)
		if len(page.Items) != 0 {
			t.Errorf("a third page: %s", jsonOf(page))
		}
	}

	// A search is at most 100 characters, of text.
	_, err = w.leads.ListLeads(w.sys, lead.LeadQuery{Q: strings.Repeat("王", lead.MaxQuery+1)})
	wantField(t, err, "q", "too_long")
	_, err = w.leads.ListLeads(w.sys, lead.LeadQuery{Q: "a\x00b"})
	wantField(t, err, "q", "invalid_text")
	if got := search(w.sys, " "+strings.Repeat("王", lead.MaxQuery)+" "); len(got) != 0 {
		t.Errorf("100 characters find %v", got)
	}
}

func testLeadsValidation(t *testing.T, e *env) {
	w := newLeadWorld(t, e)
	tests := []struct {
		name        string
		f           lead.LeadFields
		field, code string
	}{
		{"no name nor contact", lead.LeadFields{CompanyName: "Acme"}, "name", "name_or_contact_required"},
		{"a bad phone", lead.LeadFields{Name: "x", Phone: "12"}, "phone", "invalid_phone_length"},
		{"a size", lead.LeadFields{Name: "x", CompanySize: "huge"}, "company_size", "not_one_of"},
		{"a custom key", lead.LeadFields{Name: "x", Custom: map[string]any{"Bad Key": "v"}}, "custom.Bad Key", "invalid_custom_key"},
		{"a custom value", lead.LeadFields{Name: "x", Custom: map[string]any{"list": []any{1.0}}}, "custom.list", "invalid_custom_value"},
		{"control characters", lead.LeadFields{Name: "x\x00y"}, "name", "invalid_text"},
		{"an unknown owner", lead.LeadFields{Name: "x", OwnerID: ptr(int64(999999))}, "owner_id", "unknown_user"},
		{"an unknown pool", lead.LeadFields{Name: "x", PoolID: ptr(int64(999999))}, "pool_id", "unknown_pool"},
		{"another team", lead.LeadFields{Name: "x", TeamID: &w.south.ID}, "team_id", "not_your_team"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := w.leads.CreateLead(w.ag1, lead.LeadInput{LeadFields: tt.f})
			wantField(t, err, tt.field, tt.code)
		})
	}
	_, err := w.leads.CreateLead(w.view, lead.LeadInput{LeadFields: lead.LeadFields{Name: "x"}})
	wantKind(t, err, crm.KindForbidden)
}

func testLeadsScoring(t *testing.T, e *env) {
	w := newLeadWorld(t, e)
	// The default rules: company 10, business email 10, phone 5, size band,
	// source, and behaviour on the person's contact.
	l := w.lead(w.ag1, lead.LeadInput{LeadFields: lead.LeadFields{Name: "Ann", CompanyName: "Acme", Email: "ann@acme.com.tw",
		Phone: "0912345678", CompanySize: "51-200", Source: "referral"}})
	if l.Score != 10+10+5+10+10 || len(l.ScoreReasons) != 5 || l.ScoredAt == nil {
		t.Fatalf("score %d, reasons %s", l.Score, jsonOf(l.ScoreReasons))
	}
	if r := l.ScoreReasons[1]; r.Rule != "business_email" || r.Detail != "acme.com.tw" || r.Points != 10 {
		t.Errorf("reason %s", jsonOf(r))
	}
	free := w.lead(w.ag1, lead.LeadInput{LeadFields: lead.LeadFields{Name: "Bo", Email: "bo@gmail.com"}})
	if free.Score != 0 || len(free.ScoreReasons) != 0 {
		t.Errorf("free mail scored %d %s", free.Score, jsonOf(free.ScoreReasons))
	}

	// Behaviour: the person visited the pricing page (and opened an email
	// long ago, outside the rule's 30 days).
	record := func(typ, props string, at time.Time) {
		t.Helper()
		_, _, err := e.tp.Record(e.sys, touchpoint.EventInput{Type: typ, Channel: "web", OccurredAt: &at,
			Customer: crm.CustomerRef{Email: "bo@gmail.com"}, Properties: json.RawMessage(props)})
		must(t, err)
	}
	record("page_view", `{"path":"/Pricing/enterprise"}`, e.now().Add(-time.Hour))
	record("page_view", `{"path":"/blog"}`, e.now().Add(-time.Hour))
	record("email_opened", `{}`, e.now().Add(-40*24*time.Hour))
	// Events do not tell leads: the scheduled rescore does.
	if got := w.getLead(free.ID).Score; got != 0 {
		t.Errorf("scored %d before the rescore", got)
	}
	n, err := w.leads.RescoreAll(e.sys)
	must(t, err)
	if n != 1 {
		t.Errorf("rescore changed %d leads, want 1", n)
	}
	got := w.getLead(free.ID)
	if got.Score != 15 || len(got.ScoreReasons) != 1 || got.ScoreReasons[0].Detail != "visited pricing (1)" || got.Version != free.Version {
		t.Errorf("after the rescore: %d %s (version %d)", got.Score, jsonOf(got.ScoreReasons), got.Version)
	}
	// A write rescores at once.
	up, err := w.leads.UpdateLead(w.ag1, free.ID, 0, func(f *lead.LeadFields) error { f.CompanyName = "Bo's"; return nil })
	must(t, err)
	if up.Score != 25 {
		t.Errorf("after an edit: %d %s", up.Score, jsonOf(up.ScoreReasons))
	}

	// Rules are the admins'; new ones rescore every open lead by a job.
	_, err = w.leads.SetScoringRules(w.mgr, lead.DefaultRules())
	wantCode(t, err, crm.KindForbidden, "scoring_admins_only")
	bad := lead.DefaultRules()
	bad.Behaviour = append(bad.Behaviour, lead.BehaviourRule{Name: "x", EventType: "Page View", Points: 1},
		lead.BehaviourRule{Name: "y", EventType: "page_view", Contains: "/x", Points: 1})
	bad.CompanySize["huge"] = 3
	_, err = w.leads.SetScoringRules(e.sys, bad)
	wantField(t, err, "behaviour[3].event_type", "invalid_event_type")
	wantField(t, err, "behaviour[4].property", "required")
	wantField(t, err, "company_size.huge", "not_one_of")
	rules := lead.Rules{HasPhone: 50, FreeMailDomains: []string{"acme.com.tw"}, BusinessEmail: 7,
		Behaviour: []lead.BehaviourRule{{Name: "read the blog", EventType: "page_view", Property: "path", Contains: "blog", Points: -3}}}
	saved, err := w.leads.SetScoringRules(e.sys, rules)
	must(t, err)
	if saved.Behaviour[0].MinCount != 1 {
		t.Errorf("saved %s", jsonOf(saved))
	}
	read, err := w.leads.ScoringRules(w.ag1)
	must(t, err)
	if jsonOf(read) != jsonOf(saved) {
		t.Errorf("read back %s, want %s", jsonOf(read), jsonOf(saved))
	}
	if jobs := w.leadJobs(lead.JobRescore); len(jobs) != 1 {
		t.Errorf("%d rescore jobs", len(jobs))
	}
	_, err = w.leads.RescoreAll(e.sys)
	must(t, err)
	if got := w.getLead(l.ID); got.Score != 50 {
		t.Errorf("under the new rules (acme.com.tw is free mail now): %d %s", got.Score, jsonOf(got.ScoreReasons))
	}
	if got := w.getLead(free.ID); got.Score != -3+7 || got.ScoreReasons[1].Detail != "read the blog (1)" {
		t.Errorf("under the new rules: %d %s", got.Score, jsonOf(got.ScoreReasons))
	}
}

func testLeadsQualify(t *testing.T, e *env) {
	w := newLeadWorld(t, e)
	l := w.lead(w.ag1, lead.LeadInput{LeadFields: lead.LeadFields{Name: "Ann"}})
	_, err := w.leads.Disqualify(w.ag1, l.ID, 0, "  ")
	wantField(t, err, "reason", "disqualify_reason_required")
	d, err := w.leads.Disqualify(w.ag1, l.ID, 0, "no budget")
	must(t, err)
	if d.Status != lead.StatusDisqualified || d.DisqualifyReason != "no budget" || d.DisqualifiedAt == nil {
		t.Fatalf("disqualified %s", jsonOf(d))
	}
	_, err = w.leads.Convert(w.ag1, l.ID, 0, lead.ConvertInput{})
	wantCode(t, err, crm.KindConflict, "lead_disqualified")
	q, err := w.leads.Qualify(w.ag1, l.ID, d.Version)
	must(t, err)
	if q.Status != lead.StatusQualified || q.QualifiedAt == nil || q.DisqualifyReason != "" || q.DisqualifiedAt != nil {
		t.Fatalf("qualified %s", jsonOf(q))
	}
	_, err = w.leads.Qualify(w.ag1, l.ID, d.Version)
	wantKind(t, err, crm.KindStale)
	_, err = w.leads.Qualify(w.agB, l.ID, 0)
	wantKind(t, err, crm.KindForbidden)
	entries := w.leadAudit(l.ID)
	if len(entries) != 3 || !hasChange(entries[0], "status") || !hasChange(entries[1], "disqualify_reason") {
		t.Errorf("history %s", jsonOf(entries))
	}
}

func testLeadsConvert(t *testing.T, e *env) {
	w := newLeadWorld(t, e)
	p := e.salesPipeline("B2B")
	l := w.lead(w.ag1, lead.LeadInput{LeadFields: lead.LeadFields{Name: "王小明", CompanyName: "大同電子", Title: "採購經理",
		Email: "ming@tatung.com.tw", Phone: "0912-000-111", CompanySize: "201-500", Source: "web_form"}})
	conv, err := w.leads.Convert(w.ag1, l.ID, l.Version, lead.ConvertInput{Deal: &lead.ConvertDeal{Amount: 500000, ExpectedCloseOn: "2026-06-30"}})
	must(t, err)
	if !conv.CreatedContact || !conv.CreatedCompany || conv.CompanyID == nil || conv.DealID == nil {
		t.Fatalf("conversion %s", jsonOf(conv))
	}
	c := e.get(conv.ContactID)
	if c.DisplayName != "王小明" || c.Emails[0].Address != "ming@tatung.com.tw" || c.Phones[0].Number != "+886912000111" ||
		*c.OwnerID != w.a1.ID || *c.TeamID != w.north.ID || c.LifecycleStage != customer.StageProspect ||
		len(c.Companies) != 1 || c.Companies[0].Title != "採購經理" {
		t.Errorf("contact %s", jsonOf(c))
	}
	co, err := e.cs.GetCompany(e.sys, *conv.CompanyID)
	must(t, err)
	if co.Name != "大同電子" || co.Size != "201-500" || co.Domain != "tatung.com.tw" || *co.OwnerID != w.a1.ID {
		t.Errorf("company %s", jsonOf(co))
	}
	d, err := e.sales.GetDeal(w.ag1, *conv.DealID)
	must(t, err)
	if d.Name != "大同電子" || d.Amount != 500000 || d.PipelineID != p.ID || *d.CompanyID != co.ID || d.Contacts[0].ContactID != c.ID ||
		*d.OwnerID != w.a1.ID {
		t.Errorf("deal %s", jsonOf(d))
	}
	got := w.getLead(l.ID)
	if got.Status != lead.StatusConverted || *got.ContactID != c.ID || *got.CompanyID != co.ID || *got.DealID != d.ID ||
		got.ConvertedAt == nil || got.Version != l.Version+1 {
		t.Errorf("lead %s", jsonOf(got))
	}
	// Each new record's history points back at the lead.
	pointsBack := func(en crm.AuditEntry) bool {
		return slices.ContainsFunc(en.Changes, func(ch crm.Change) bool { return ch.Field == "lead_id" && string(ch.To) == jsonOf(l.ID) })
	}
	for _, rec := range []struct {
		typ string
		id  int64
	}{{"contact", c.ID}, {"company", co.ID}, {"deal", d.ID}} {
		entries := e.auditLog(account.AuditFilter{RecordType: rec.typ, RecordID: rec.id})
		if _, ok := findEntry(entries, crm.ActionConvert, rec.id, pointsBack); !ok {
			t.Errorf("%s %d has no convert entry naming the lead: %s", rec.typ, rec.id, jsonOf(entries))
		}
		if _, ok := findEntry(entries, crm.ActionCreate, rec.id, nil); !ok {
			t.Errorf("%s %d has no create entry", rec.typ, rec.id)
		}
	}
	if _, ok := findEntry(w.leadAudit(l.ID), crm.ActionConvert, l.ID, func(en crm.AuditEntry) bool { return hasChange(en, "deal_id") }); !ok {
		t.Error("the lead's history has no conversion")
	}
	_, err = w.leads.Convert(w.ag1, l.ID, 0, lead.ConvertInput{})
	wantCode(t, err, crm.KindConflict, "lead_converted")
	_, err = w.leads.Qualify(w.ag1, l.ID, 0)
	wantCode(t, err, crm.KindConflict, "lead_converted")

	// Into an existing contact, without a company.
	l2 := w.lead(w.ag1, lead.LeadInput{LeadFields: lead.LeadFields{Name: "Ming again", CompanyName: "大同電子", Email: "ming@tatung.com.tw"}})
	_, err = w.leads.Convert(w.ag1, l2.ID, 0, lead.ConvertInput{})
	ce := wantCode(t, err, crm.KindConflict, "duplicate_contact")
	if param(t, ce, "existing_id") != c.ID {
		t.Errorf("duplicate names %v", ce.Params)
	}
	conv2, err := w.leads.Convert(w.ag1, l2.ID, 0, lead.ConvertInput{ContactID: &c.ID, NoCompany: true})
	must(t, err)
	if conv2.CreatedContact || conv2.ContactID != c.ID || conv2.CompanyID != nil || conv2.DealID != nil {
		t.Errorf("into the existing contact: %s", jsonOf(conv2))
	}
	// A contact one may not change is refused.
	l3 := w.lead(w.agB, lead.LeadInput{LeadFields: lead.LeadFields{Name: "South's"}})
	_, err = w.leads.Convert(w.agB, l3.ID, 0, lead.ConvertInput{ContactID: &c.ID})
	wantKind(t, err, crm.KindForbidden)
	_, err = w.leads.Convert(w.agB, l3.ID, 0, lead.ConvertInput{ContactID: ptr(int64(999999))})
	wantField(t, err, "contact_id", "unknown_contact")

	// Merging the contact into another: the leads follow the survivor.
	survivor := e.contact(w.ag1, customer.ContactFields{DisplayName: "王小明 (new)"})
	_, err = e.cs.MergeContacts(w.ag1, survivor.ID, c.ID, 0)
	must(t, err)
	for _, id := range []int64{l.ID, l2.ID} {
		if got := w.getLead(id); got.ContactID == nil || *got.ContactID != survivor.ID {
			t.Errorf("lead %d after the merge names contact %v, want %d", id, got.ContactID, survivor.ID)
		}
	}
}

func testLeadsConvertAtomic(t *testing.T, e *env) {
	w := newLeadWorld(t, e)
	// No pipeline: the deal fails, so the contact and company made before
	// it are not kept either.
	l := w.lead(w.ag1, lead.LeadInput{LeadFields: lead.LeadFields{Name: "Ann", CompanyName: "Acme", Email: "ann@acme.tw"}})
	contacts, entries := e.countAll()
	_, err := w.leads.Convert(w.ag1, l.ID, 0, lead.ConvertInput{Deal: &lead.ConvertDeal{}})
	wantField(t, err, "deal.pipeline_id", "no_pipeline")
	if c2, en2 := e.countAll(); c2 != contacts || en2 != entries {
		t.Errorf("a failed conversion left %d contacts (was %d), %d audit entries (was %d)", c2, contacts, en2, entries)
	}
	companies, err := e.cs.ListCompanies(e.sys, customer.ListParams{})
	must(t, err)
	if len(companies.Items) != 0 {
		t.Errorf("a failed conversion left companies: %s", jsonOf(companies.Items))
	}
	if got := w.getLead(l.ID); got.Status != lead.StatusNew || got.Version != l.Version {
		t.Errorf("the lead after a failed conversion: %s", jsonOf(got))
	}
}

func testLeadsPermissions(t *testing.T, e *env) {
	w := newLeadWorld(t, e)
	mine := w.lead(w.ag1, lead.LeadInput{LeadFields: lead.LeadFields{Name: "a1's"}})
	alone := w.lead(w.ag2, lead.LeadInput{LeadFields: lead.LeadFields{Name: "a2's alone", TeamID: nil}})
	south := w.lead(w.agB, lead.LeadInput{LeadFields: lead.LeadFields{Name: "b's"}})
	pool := w.pooled("nobody's", "")

	// An agent sees their own and their team's; not another team's.
	_, err := w.leads.GetLead(w.agB, mine.ID)
	wantKind(t, err, crm.KindForbidden)
	_, err = w.leads.UpdateLead(w.agB, mine.ID, 0, func(f *lead.LeadFields) error { f.Name = "taken"; return nil })
	wantKind(t, err, crm.KindForbidden)
	err = w.leads.DeleteLead(w.agB, mine.ID, 0)
	wantKind(t, err, crm.KindForbidden)
	_, err = w.leads.Disqualify(w.agB, mine.ID, 0, "mine now")
	wantKind(t, err, crm.KindForbidden)
	_, err = w.leads.Convert(w.agB, mine.ID, 0, lead.ConvertInput{})
	wantKind(t, err, crm.KindForbidden)
	_, err = w.leads.LeadAudit(w.agB, mine.ID, "", 10)
	wantKind(t, err, crm.KindForbidden)
	err = w.leads.Release(w.agB, lead.RecordLead, mine.ID)
	wantKind(t, err, crm.KindForbidden)
	_, err = w.leads.Claim(w.agB, lead.RecordLead, mine.ID)
	wantKind(t, err, crm.KindForbidden)
	list := func(ctx context.Context) []string {
		page, err := w.leads.ListLeads(ctx, lead.LeadQuery{})
		must(t, err)
		var out []string
		for _, l := range page.Items {
			out = append(out, l.Name)
		}
		slices.Sort(out)
		return out
	}
	// a2's lead was given the team by default (their only team).
	if got := list(w.ag1); !slices.Equal(got, []string{"a1's", "a2's alone"}) {
		t.Errorf("agent one lists %v", got)
	}
	if got := list(w.agB); !slices.Equal(got, []string{"b's"}) {
		t.Errorf("agent south lists %v", got)
	}
	if got := list(w.mgr); !slices.Equal(got, []string{"a1's", "a2's alone"}) {
		t.Errorf("the manager lists %v", got)
	}
	if got := list(w.view); len(got) != 4 {
		t.Errorf("the viewer lists %v", got)
	}
	_ = alone
	_ = south
	// A pool's lead: readable by those who may work the pool, changed by
	// no agent until claimed.
	if _, err := w.leads.GetLead(w.agB, pool.ID); err != nil {
		t.Errorf("a pool lead is not readable by a rep: %v", err)
	}
	_, err = w.leads.UpdateLead(w.agB, pool.ID, 0, func(f *lead.LeadFields) error { f.Name = "x"; return nil })
	wantKind(t, err, crm.KindForbidden)
	// The viewer reads but claims nothing; pools are the admins'.
	_, err = w.leads.Claim(w.view, lead.RecordLead, pool.ID)
	wantKind(t, err, crm.KindForbidden)
	_, err = w.leads.UpdatePool(w.mgr, w.defaultPool.ID, 0, func(f *lead.PoolFields) error { f.ClaimCap = 1; return nil })
	wantCode(t, err, crm.KindForbidden, "pools_admins_only")
	_, err = w.leads.CreatePool(w.mgr, lead.PoolInput{PoolFields: lead.PoolFields{Name: "x"}, TeamID: w.north.ID})
	wantCode(t, err, crm.KindForbidden, "pools_admins_only")
	err = w.leads.DeletePool(e.sys, w.defaultPool.ID)
	wantCode(t, err, crm.KindConflict, "default_pool_kept")
	// Once claimed, the pool lead is the claimer's alone.
	w.claim(w.agB, lead.RecordLead, pool.ID)
	_, err = w.leads.GetLead(w.ag1, pool.ID)
	wantKind(t, err, crm.KindForbidden)
	_, err = w.leads.Claim(w.ag1, lead.RecordLead, pool.ID)
	wantKind(t, err, crm.KindForbidden)
	_, err = w.leads.Claim(w.agB, lead.RecordLead, pool.ID)
	wantCode(t, err, crm.KindConflict, "not_in_pool")
}

func testLeadsPoolCap(t *testing.T, e *env) {
	w := newLeadWorld(t, e)
	w.setPool(w.defaultPool.ID, func(f *lead.PoolFields) { f.ClaimCap = 2 })
	var ls []*lead.Lead
	for _, n := range []string{"p1", "p2", "p3", "p4"} {
		ls = append(ls, w.pooled(n, ""))
	}
	page, err := w.leads.ListPoolLeads(w.ag1, w.defaultPool.ID, "", 10)
	must(t, err)
	if len(page.Items) != 4 {
		t.Fatalf("the pool holds %d leads", len(page.Items))
	}
	c := w.claim(w.ag1, lead.RecordLead, ls[0].ID)
	if c.Status != lead.ClaimActive || c.UserID != w.a1.ID || c.PoolID != w.defaultPool.ID || c.DueAt != nil {
		t.Fatalf("claim %s", jsonOf(c))
	}
	got := w.getLead(ls[0].ID)
	if got.OwnerID == nil || *got.OwnerID != w.a1.ID || got.Claim == nil || got.Claim.ID != c.ID {
		t.Fatalf("claimed lead %s", jsonOf(got))
	}
	if _, ok := findEntry(w.leadAudit(ls[0].ID), crm.ActionUpdate, ls[0].ID, func(en crm.AuditEntry) bool {
		return poolEvent(en, "claimed") && hasChange(en, "owner_id") && en.ActorID != nil && *en.ActorID == w.a1.ID
	}); !ok {
		t.Error("no audit entry of the claim")
	}
	w.claim(w.ag1, lead.RecordLead, ls[1].ID)
	_, err = w.leads.Claim(w.ag1, lead.RecordLead, ls[2].ID)
	ce := wantCode(t, err, crm.KindConflict, "claim_cap_reached")
	if param(t, ce, "cap") != 2 {
		t.Errorf("params %v", ce.Params)
	}
	// The cap is per rep: another may claim.
	w.claim(w.ag2, lead.RecordLead, ls[2].ID)
	// Releasing, converting or disqualifying frees a place.
	must(t, w.leads.Release(w.ag1, lead.RecordLead, ls[0].ID))
	w.claim(w.ag1, lead.RecordLead, ls[3].ID)
	_, err = w.leads.Disqualify(w.ag1, ls[1].ID, 0, "spam")
	must(t, err)
	w.claim(w.ag1, lead.RecordLead, ls[0].ID)
	claims, err := w.leads.ListClaims(w.ag1, "", true)
	must(t, err)
	if len(claims) != 2 {
		t.Errorf("agent one holds %s", jsonOf(claims))
	}
	page, err = w.leads.ListPoolLeads(w.ag1, w.defaultPool.ID, "", 10)
	must(t, err)
	if len(page.Items) != 0 {
		t.Errorf("the pool still holds %s", jsonOf(page.Items))
	}
	err = w.leads.Release(w.ag1, lead.RecordLead, ls[1].ID)
	wantCode(t, err, crm.KindConflict, "lead_closed")
}

func testLeadsRecycling(t *testing.T, e *env) {
	w := newLeadWorld(t, e)
	w.setPool(w.defaultPool.ID, func(f *lead.PoolFields) { f.RecycleDays = 3 })
	quiet, busy := w.pooled("quiet", ""), w.pooled("busy", "")
	contact := e.named("在公海的客戶")
	cq := w.claim(w.ag1, lead.RecordLead, quiet.ID)
	w.claim(w.ag1, lead.RecordLead, busy.ID)
	w.claim(w.ag1, lead.RecordContact, contact.ID)
	if want := e.now().Add(72 * time.Hour); cq.DueAt == nil || !cq.DueAt.Equal(want) {
		t.Errorf("due at %v, want %v", cq.DueAt, want)
	}
	// Each claim has its durable job at its due time.
	jobs := w.leadJobs(lead.JobRecycle)
	var payload lead.RecyclePayload
	if len(jobs) != 3 || !jobs[0].RunAt.Equal(*cq.DueAt) || json.Unmarshal(jobs[0].Payload, &payload) != nil ||
		payload != (lead.RecyclePayload{RecordType: lead.RecordLead, RecordID: quiet.ID}) {
		t.Fatalf("recycle jobs %s", jsonOf(jobs))
	}

	e.tick(2 * 24 * time.Hour)
	must(t, w.leads.NoteFollowUp(w.ag1, lead.RecordLead, busy.ID, e.now()))
	must(t, w.leads.NoteFollowUp(w.ag1, lead.RecordContact, contact.ID, e.now().Add(time.Hour))) // the future counts as now
	must(t, w.leads.NoteFollowUp(w.ag1, "deal", 1, e.now()))                                     // no claims on deals: nothing to do
	e.tick(24*time.Hour + time.Minute)

	// Three days without a follow-up: the quiet one goes back.
	n, err := w.leads.RunRecycle(e.sys, lead.RecyclePayload{RecordType: lead.RecordLead, RecordID: busy.ID})
	must(t, err)
	if n != 1 {
		t.Fatalf("recycled %d, want 1", n)
	}
	got := w.getLead(quiet.ID)
	if got.OwnerID != nil || got.Claim != nil {
		t.Errorf("the quiet lead %s", jsonOf(got))
	}
	if en, ok := findEntry(w.leadAudit(quiet.ID), crm.ActionUpdate, quiet.ID, func(en crm.AuditEntry) bool { return poolEvent(en, "recycled") }); !ok || en.ActorID != nil {
		t.Errorf("no audit entry of the recycling by the system: %s", jsonOf(en))
	}
	if b := w.getLead(busy.ID); b.OwnerID == nil || b.Claim == nil || !b.Claim.DueAt.Equal(e.now().Add(-24*time.Hour-time.Minute).Add(72*time.Hour)) {
		t.Errorf("the followed-up lead %s", jsonOf(b))
	}
	// The job of the followed-up claim put another at its new due time.
	if jobs := w.leadJobs(lead.JobRecycle); len(jobs) != 4 {
		t.Errorf("%d recycle jobs after the run, want 4", len(jobs))
	}

	e.tick(2 * 24 * time.Hour)
	n, err = w.leads.RecycleDue(e.sys)
	must(t, err)
	if n != 2 {
		t.Fatalf("recycled %d, want 2", n)
	}
	if c := e.get(contact.ID); c.OwnerID != nil || c.Version != contact.Version+2 {
		t.Errorf("the contact %s", jsonOf(c))
	}
	if _, ok := findEntry(e.audit(e.sys, contact.ID), crm.ActionUpdate, contact.ID, func(en crm.AuditEntry) bool { return poolEvent(en, "recycled") }); !ok {
		t.Error("the contact's history has no recycling")
	}
	// A pool that does not recycle keeps its claims.
	w.setPool(w.defaultPool.ID, func(f *lead.PoolFields) { f.RecycleDays = 0 })
	w.claim(w.ag2, lead.RecordLead, quiet.ID)
	e.tick(400 * 24 * time.Hour)
	n, err = w.leads.RecycleDue(e.sys)
	must(t, err)
	if n != 0 {
		t.Errorf("a pool without recycling recycled %d", n)
	}
	_, err = w.leads.RecycleDue(w.ag1)
	wantKind(t, err, crm.KindForbidden)
}

func testLeadsProtection(t *testing.T, e *env) {
	w := newLeadWorld(t, e)
	w.setPool(w.defaultPool.ID, func(f *lead.PoolFields) { f.ProtectionDays = 7; f.RecycleDays = 2 })
	l := w.pooled("hot potato", "")
	w.claim(w.ag1, lead.RecordLead, l.ID)
	must(t, w.leads.Release(w.ag1, lead.RecordLead, l.ID))
	err := w.leads.Release(w.ag1, lead.RecordLead, l.ID)
	wantCode(t, err, crm.KindConflict, "already_in_pool")
	_, err = w.leads.Claim(w.ag1, lead.RecordLead, l.ID)
	ce := wantCode(t, err, crm.KindConflict, "claim_protected")
	if param(t, ce, "days") != 7 || ce.Params["until"] != e.now().Add(7*24*time.Hour).Format(time.RFC3339) {
		t.Errorf("params %v", ce.Params)
	}
	// Someone else may; the recycling of their claim protects it from them
	// in turn.
	w.claim(w.ag2, lead.RecordLead, l.ID)
	e.tick(3 * 24 * time.Hour)
	n, err := w.leads.RecycleDue(e.sys)
	must(t, err)
	if n != 1 {
		t.Fatalf("recycled %d", n)
	}
	_, err = w.leads.Claim(w.ag2, lead.RecordLead, l.ID)
	wantCode(t, err, crm.KindConflict, "claim_protected")
	_, err = w.leads.Claim(w.ag1, lead.RecordLead, l.ID)
	wantCode(t, err, crm.KindConflict, "claim_protected")
	e.tick(4*24*time.Hour + time.Second)
	w.claim(w.ag1, lead.RecordLead, l.ID) // seven days after their release
	// Taking the owner away by an edit counts as a release.
	_, err = w.leads.UpdateLead(w.ag1, l.ID, 0, func(f *lead.LeadFields) error { f.OwnerID = nil; return nil })
	must(t, err)
	_, err = w.leads.Claim(w.ag1, lead.RecordLead, l.ID)
	wantCode(t, err, crm.KindConflict, "claim_protected")
}

func testLeadsCollisions(t *testing.T, e *env) {
	w := newLeadWorld(t, e)
	// Agent Two's customers: a contact, a company, a lead.
	e.contact(w.ag2, customer.ContactFields{DisplayName: "Two's customer", Emails: []customer.Email{{Address: "boss@acme.tw"}},
		Phones: []customer.Phone{{Number: "0933-111-222"}}})
	e.company(w.ag2, customer.CompanyFields{Name: "Globex", Domain: "globex.com"})
	w.lead(w.ag2, lead.LeadInput{LeadFields: lead.LeadFields{Name: "Two's lead", CompanyName: "Initech", Email: "peter@initech.com"}})

	tests := []struct {
		name              string
		f                 lead.LeadFields
		recordType, field string
		collides          bool
	}{
		{"same email as a contact", lead.LeadFields{Name: "a", Email: "BOSS@acme.tw"}, "contact", "email", true},
		{"same phone as a contact", lead.LeadFields{Name: "b", Phone: "+886 933 111 222"}, "contact", "phone", true},
		{"same company name", lead.LeadFields{Name: "c", CompanyName: "globex"}, "company", "company", true},
		{"an email at the company's domain", lead.LeadFields{Name: "d", Email: "someone@globex.com"}, "company", "company", true},
		{"same email as a lead", lead.LeadFields{Name: "e", Email: "peter@initech.com"}, "lead", "email", true},
		{"same company as a lead", lead.LeadFields{Name: "f", CompanyName: "INITECH"}, "lead", "company", true},
		{"free mail is no company", lead.LeadFields{Name: "g", Email: "x@gmail.com"}, "", "", false},
		{"nothing in common", lead.LeadFields{Name: "h", Email: "new@new.tw", CompanyName: "Newco"}, "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := w.lead(e.sys, lead.LeadInput{Unowned: true, LeadFields: tt.f})
			c, err := w.leads.Claim(w.ag1, lead.RecordLead, l.ID)
			if !tt.collides {
				must(t, err)
				if len(c.Collisions) != 0 {
					t.Errorf("collisions %s", jsonOf(c.Collisions))
				}
				return
			}
			ce := wantCode(t, err, crm.KindConflict, "claim_collision")
			if ce.Params["record_type"] != tt.recordType || ce.Params["field"] != tt.field || param(t, ce, "owner_id") != w.a2.ID {
				t.Errorf("params %v", ce.Params)
			}
			// The owner of the customer is no collision for themselves.
			c, err = w.leads.Claim(w.ag2, lead.RecordLead, l.ID)
			must(t, err)
			if c.Status != lead.ClaimActive {
				t.Errorf("claim %s", jsonOf(c))
			}
		})
	}
}

func testLeadsCollisionApproval(t *testing.T, e *env) {
	w := newLeadWorld(t, e)
	w.setPool(w.defaultPool.ID, func(f *lead.PoolFields) { f.CollisionPolicy = lead.PolicyApprove; f.ClaimCap = 1 })
	e.contact(w.ag2, customer.ContactFields{DisplayName: "Two's", Emails: []customer.Email{{Address: "boss@acme.tw"}}})
	l := w.pooled("boss again", "boss@acme.tw")
	c := w.claim(w.ag1, lead.RecordLead, l.ID)
	if c.Status != lead.ClaimPending || len(c.Collisions) != 1 || c.Collisions[0].Field != "email" {
		t.Fatalf("claim %s", jsonOf(c))
	}
	if got := w.getLead(l.ID); got.OwnerID != nil || got.Claim == nil || got.Claim.Status != lead.ClaimPending {
		t.Fatalf("pending lead %s", jsonOf(got))
	}
	// Pending counts against the cap, and holds the record.
	_, err := w.leads.Claim(w.ag1, lead.RecordLead, w.pooled("other", "").ID)
	wantCode(t, err, crm.KindConflict, "claim_cap_reached")
	_, err = w.leads.Claim(w.agB, lead.RecordLead, l.ID)
	wantCode(t, err, crm.KindConflict, "claim_pending")
	// Who decides: admins and managers (of the pool's team; any, for the
	// default pool); not the claimer, not an agent.
	_, err = w.leads.ApproveClaim(w.ag2, c.ID)
	wantCode(t, err, crm.KindForbidden, "claim_approvers_only")
	pending, err := w.leads.ListClaims(w.mgr, lead.ClaimPending, false)
	must(t, err)
	if len(pending) != 1 || pending[0].ID != c.ID {
		t.Errorf("the manager's pending claims %s", jsonOf(pending))
	}
	mine, err := w.leads.ListClaims(w.agB, "", false)
	must(t, err)
	if len(mine) != 0 {
		t.Errorf("another agent sees claims %s", jsonOf(mine))
	}
	got, err := w.leads.ApproveClaim(w.mgr, c.ID)
	must(t, err)
	if got.Status != lead.ClaimActive || *got.DecidedBy != w.manager.ID {
		t.Fatalf("approved %s", jsonOf(got))
	}
	if l2 := w.getLead(l.ID); *l2.OwnerID != w.a1.ID || l2.Claim.Status != lead.ClaimActive {
		t.Errorf("approved lead %s", jsonOf(l2))
	}
	if _, ok := findEntry(w.leadAudit(l.ID), crm.ActionUpdate, l.ID, func(en crm.AuditEntry) bool {
		return poolEvent(en, "claim_approved") && en.ActorID != nil && *en.ActorID == w.manager.ID
	}); !ok {
		t.Error("no audit entry of the approval")
	}
	_, err = w.leads.ApproveClaim(w.mgr, c.ID)
	wantCode(t, err, crm.KindConflict, "claim_not_pending")

	// A rejection leaves the record in the pool; one's own claim is not
	// one's to decide.
	l3 := w.pooled("boss thrice", "boss@acme.tw")
	c3 := w.claim(w.mgr, lead.RecordLead, l3.ID)
	_, err = w.leads.RejectClaim(w.mgr, c3.ID)
	wantCode(t, err, crm.KindForbidden, "own_claim")
	r, err := w.leads.RejectClaim(e.sys, c3.ID)
	must(t, err)
	if r.Status != lead.ClaimRejected {
		t.Errorf("rejected %s", jsonOf(r))
	}
	if got := w.getLead(l3.ID); got.OwnerID != nil || got.Claim != nil {
		t.Errorf("rejected lead %s", jsonOf(got))
	}
	if _, err := w.leads.Claim(w.mgr, lead.RecordLead, l3.ID); err != nil {
		t.Errorf("after a rejection: %v", err)
	}
}

func testLeadsPoolContacts(t *testing.T, e *env) {
	w := newLeadWorld(t, e)
	nobody := e.contact(e.sys, customer.ContactFields{DisplayName: "王大明", Emails: []customer.Email{{Address: "daming@example.com"}}})
	co := e.company(e.sys, customer.CompanyFields{Name: "大明企業"})
	e.position(e.sys, customer.PositionFields{ContactID: nobody.ID, CompanyID: co.ID, Title: "老闆"})
	e.contact(w.ag1, customer.ContactFields{DisplayName: "owned"})
	page, err := w.leads.ListPoolContacts(w.agB, w.defaultPool.ID, "", 10)
	must(t, err)
	if len(page.Items) != 1 || page.Items[0].DisplayName != "王大明" || !slices.Equal(page.Items[0].Companies, []string{"大明企業"}) {
		t.Fatalf("pool contacts %s", jsonOf(page.Items))
	}
	c := w.claim(w.agB, lead.RecordContact, nobody.ID)
	if c.RecordType != lead.RecordContact || c.Status != lead.ClaimActive {
		t.Fatalf("claim %s", jsonOf(c))
	}
	got := e.get(nobody.ID)
	if got.OwnerID == nil || *got.OwnerID != w.b.ID || got.Version != nobody.Version+1 {
		t.Fatalf("claimed contact %s", jsonOf(got))
	}
	// The claimer now reads it in full.
	full, err := e.cs.GetContact(w.agB, nobody.ID)
	must(t, err)
	if full.Restricted || full.Emails[0].Address != "daming@example.com" {
		t.Errorf("the claimer sees %s", jsonOf(full))
	}
	if _, ok := findEntry(e.audit(w.agB, nobody.ID), crm.ActionUpdate, nobody.ID, func(en crm.AuditEntry) bool {
		return poolEvent(en, "claimed") && hasChange(en, "owner_id")
	}); !ok {
		t.Error("the contact's history has no claim")
	}
	_, err = w.leads.Claim(w.ag1, lead.RecordContact, nobody.ID)
	wantCode(t, err, crm.KindConflict, "not_in_pool")
	err = w.leads.Release(w.ag1, lead.RecordContact, nobody.ID)
	wantKind(t, err, crm.KindForbidden)
	must(t, w.leads.Release(w.agB, lead.RecordContact, nobody.ID))
	if got := e.get(nobody.ID); got.OwnerID != nil {
		t.Errorf("released contact %s", jsonOf(got))
	}
	// Deleted contacts are not in the pool.
	must(t, e.cs.DeleteContact(e.sys, nobody.ID, 0))
	_, err = w.leads.Claim(w.ag1, lead.RecordContact, nobody.ID)
	wantKind(t, err, crm.KindNotFound)
	// A claimed contact colliding with another rep's company.
	other := e.contact(e.sys, customer.ContactFields{DisplayName: "works at a1's"})
	mine := e.company(w.ag1, customer.CompanyFields{Name: "a1's company"})
	e.position(e.sys, customer.PositionFields{ContactID: other.ID, CompanyID: mine.ID})
	_, err = w.leads.Claim(w.agB, lead.RecordContact, other.ID)
	ce := wantCode(t, err, crm.KindConflict, "claim_collision")
	if ce.Params["record_type"] != "company" || param(t, ce, "record_id") != mine.ID {
		t.Errorf("params %v", ce.Params)
	}
}

func testLeadsTeamPools(t *testing.T, e *env) {
	w := newLeadWorld(t, e)
	np, err := w.leads.CreatePool(e.sys, lead.PoolInput{PoolFields: lead.PoolFields{Name: "North pool", ClaimCap: 5}, TeamID: w.north.ID})
	must(t, err)
	_, err = w.leads.CreatePool(e.sys, lead.PoolInput{PoolFields: lead.PoolFields{Name: "Again"}, TeamID: w.north.ID})
	wantCode(t, err, crm.KindConflict, "team_has_pool")
	_, err = w.leads.CreatePool(e.sys, lead.PoolInput{PoolFields: lead.PoolFields{Name: "x", CollisionPolicy: "maybe"}, TeamID: w.south.ID})
	wantField(t, err, "collision_policy", "not_one_of")
	// A lead naming the pool, a contact of the team: both in North's pool.
	inPool := w.lead(e.sys, lead.LeadInput{Unowned: true, LeadFields: lead.LeadFields{Name: "north lead", PoolID: &np.ID}})
	teamLead := w.lead(e.sys, lead.LeadInput{Unowned: true, LeadFields: lead.LeadFields{Name: "team lead", TeamID: &w.north.ID}})
	southLead := w.lead(e.sys, lead.LeadInput{Unowned: true, LeadFields: lead.LeadFields{Name: "south lead", TeamID: &w.south.ID}})
	teamContact := e.contact(e.sys, customer.ContactFields{DisplayName: "north contact", TeamID: &w.north.ID})
	leadNames := func(ctx context.Context, pool int64) []string {
		page, err := w.leads.ListPoolLeads(ctx, pool, "", 50)
		must(t, err)
		var out []string
		for _, l := range page.Items {
			out = append(out, l.Name)
		}
		slices.Sort(out)
		return out
	}
	if got := leadNames(w.ag1, np.ID); !slices.Equal(got, []string{"north lead", "team lead"}) {
		t.Errorf("north's pool %v", got)
	}
	if got := leadNames(w.agB, w.defaultPool.ID); !slices.Equal(got, []string{"south lead"}) {
		t.Errorf("the default pool %v", got)
	}
	contacts, err := w.leads.ListPoolContacts(w.ag2, np.ID, "", 10)
	must(t, err)
	if len(contacts.Items) != 1 || contacts.Items[0].ID != teamContact.ID {
		t.Errorf("north's pool contacts %s", jsonOf(contacts.Items))
	}
	// South's agent may not work North's pool.
	_, err = w.leads.ListPoolLeads(w.agB, np.ID, "", 10)
	wantCode(t, err, crm.KindForbidden, "not_your_pool")
	_, err = w.leads.Claim(w.agB, lead.RecordLead, inPool.ID)
	wantCode(t, err, crm.KindForbidden, "not_your_pool")
	_, err = w.leads.GetLead(w.agB, inPool.ID)
	wantKind(t, err, crm.KindForbidden)
	c := w.claim(w.ag1, lead.RecordLead, teamLead.ID)
	if c.PoolID != np.ID {
		t.Errorf("claimed from pool %d, want %d", c.PoolID, np.ID)
	}
	w.claim(w.agB, lead.RecordLead, southLead.ID)
	// Deleting the team's pool: its records fall to the default pool, its
	// claims end with the records left to their reps.
	must(t, w.leads.DeletePool(e.sys, np.ID))
	if got := leadNames(w.agB, w.defaultPool.ID); !slices.Equal(got, []string{"north lead"}) {
		t.Errorf("the default pool after the deletion %v", got)
	}
	if got := w.getLead(teamLead.ID); got.Claim != nil || *got.OwnerID != w.a1.ID {
		t.Errorf("the claimed lead after the deletion %s", jsonOf(got))
	}
}

func testLeadsForms(t *testing.T, e *env) {
	w := newLeadWorld(t, e)
	np, err := w.leads.CreatePool(e.sys, lead.PoolInput{PoolFields: lead.PoolFields{Name: "North pool"}, TeamID: w.north.ID})
	must(t, err)
	_, err = w.leads.CreateForm(w.mgr, lead.FormFields{Slug: "demo", Name: "Demo"})
	wantCode(t, err, crm.KindForbidden, "forms_admins_only")
	_, err = w.leads.CreateForm(e.sys, lead.FormFields{Slug: "Bad Slug!", Name: ""})
	wantField(t, err, "slug", "invalid_slug")
	wantField(t, err, "name", "required")
	f, err := w.leads.CreateForm(e.sys, lead.FormFields{Slug: "demo-request", Name: "Demo request", PoolID: &np.ID,
		Fields: []lead.FormField{{Field: "name", Required: true}, {Field: "email", Required: true}, {Field: "company_size"}}})
	must(t, err)
	if f.DefaultSource != "web_form" || f.Version != 1 {
		t.Errorf("form %s", jsonOf(f))
	}
	_, err = w.leads.CreateForm(e.sys, lead.FormFields{Slug: "demo-request", Name: "Again"})
	wantCode(t, err, crm.KindConflict, "duplicate_slug")
	forms, err := w.leads.ListForms(w.mgr)
	must(t, err)
	if len(forms) != 1 {
		t.Errorf("forms %s", jsonOf(forms))
	}
	_, err = w.leads.ListForms(w.ag1)
	wantKind(t, err, crm.KindForbidden)

	// A submission, by nobody signed in.
	anon := context.Background()
	l, err := w.leads.Submit(anon, "demo-request", lead.Submission{
		Values: map[string]string{"name": "林美玲", "email": "Mei@Example.com", "company_size": "11-50", "phone": "not shown"},
		UTM:    map[string]string{"utm_source": "facebook", "utm_campaign": "春季"}})
	must(t, err)
	got := w.getLead(l.ID)
	if got.Name != "林美玲" || got.Email != "mei@example.com" || got.Phone != "" || got.Source != "web_form" || got.UTMSource != "facebook" ||
		got.UTMCampaign != "春季" || got.OwnerID != nil || *got.PoolID != np.ID || *got.FormID != f.ID || got.CompanySize != "11-50" || got.Score != 15 {
		t.Errorf("submitted lead %s", jsonOf(got))
	}
	if en, ok := findEntry(w.leadAudit(l.ID), crm.ActionCreate, l.ID, nil); !ok || en.ActorName != "web form demo-request" {
		t.Errorf("created by %q", en.ActorName)
	}
	page, err := w.leads.ListPoolLeads(w.ag1, np.ID, "", 10)
	must(t, err)
	if len(page.Items) != 1 {
		t.Errorf("the form's pool holds %d leads", len(page.Items))
	}
	byForm, err := w.leads.ListLeads(e.sys, lead.LeadQuery{FormID: f.ID})
	must(t, err)
	if len(byForm.Items) != 1 {
		t.Errorf("the form's leads %d", len(byForm.Items))
	}
	// Required fields; a honeypot stores nothing and says nothing.
	_, err = w.leads.Submit(anon, "demo-request", lead.Submission{Values: map[string]string{"name": "x"}})
	wantField(t, err, "email", "required")
	_, err = w.leads.Submit(anon, "demo-request", lead.Submission{Values: map[string]string{"name": "x", "email": "bad"}})
	wantField(t, err, "email", "invalid_email")
	bot, err := w.leads.Submit(anon, "demo-request", lead.Submission{Values: map[string]string{"name": "Bot", "email": "bot@spam.com"}, Honeypot: "http://spam"})
	if err != nil || bot != nil {
		t.Errorf("honeypot: %v, %v", bot, err)
	}
	all, err := w.leads.ListLeads(e.sys, lead.LeadQuery{})
	must(t, err)
	if len(all.Items) != 1 {
		t.Errorf("%d leads after the honeypot", len(all.Items))
	}
	// Disabled and unknown forms take nothing.
	_, err = w.leads.UpdateForm(e.sys, f.ID, f.Version, func(ff *lead.FormFields) error { ff.Disabled = true; return nil })
	must(t, err)
	_, err = w.leads.Submit(anon, "demo-request", lead.Submission{Values: map[string]string{"name": "x", "email": "x@x.tw"}})
	wantKind(t, err, crm.KindNotFound)
	_, err = w.leads.Submit(anon, "no-such-form", lead.Submission{})
	wantKind(t, err, crm.KindNotFound)
	must(t, w.leads.DeleteForm(e.sys, f.ID))
	if got := w.getLead(l.ID); got.FormID != nil {
		t.Errorf("the lead of a deleted form %s", jsonOf(got))
	}
}
