package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/guanxi-crm/guanxi/internal/account"
	"github.com/guanxi-crm/guanxi/internal/activity"
	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/i18n"
	"github.com/guanxi-crm/guanxi/internal/lead"
	"github.com/guanxi-crm/guanxi/internal/sales"
	"github.com/guanxi-crm/guanxi/internal/testenv"
)

func actingAs(t *testing.T, s *testenv.Server, email string) context.Context {
	t.Helper()
	sys := crm.WithPrincipal(context.Background(), crm.System)
	p, err := s.Accounts.PrincipalFor(sys, email)
	if err != nil {
		t.Fatal(err)
	}
	return crm.WithPrincipal(context.Background(), p)
}

func storedLead(t *testing.T, s *testenv.Server, id int64) *lead.Lead {
	t.Helper()
	l, err := s.Leads.GetLead(crm.WithPrincipal(context.Background(), crm.System), id)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

var leadLocation = regexp.MustCompile(`^/leads/(\d+)\?done=created$`)

// TestLeads walks the lead screens as an admin, on each store: the empty
// list, the form with a refused email beside its input, the lead page with
// its score and the reasons for it, a disqualification refused without a
// reason and then done, qualifying it back, and converting it into a
// contact, a company and a deal that the page links to.
func TestLeads(t *testing.T) {
	for _, engine := range testenv.AvailableEngines(t) {
		t.Run(engine, func(t *testing.T) { testLeads(t, engine) })
	}
}

func testLeads(t *testing.T, engine string) {
	s := startServerOn(t, engine)
	b := newBrowser(t, s, "en")
	b.signIn("owner@example.com", password)
	expect(t, b.get("/leads"), 200, `<a href="/leads" aria-current="page">Leads</a>`, "There are no leads yet.", `href="/leads/new"`)
	expect(t, b.get("/leads/new"), 200, `<label for="f-name">Name</label>`, `name="company_size"`, `name="utm_campaign"`,
		`<label for="f-owner_id">Owner</label>`, `<option value="">Nobody: the shared pool (公海)</option>`)

	// A refused form comes back as written, with the reasons beside the
	// inputs.
	p := b.post("/leads", url.Values{"company_name": {"台灣科技股份有限公司"}, "email": {"not an email"}})
	expect(t, p, http.StatusUnprocessableEntity, `id="f-email-error"`, `aria-invalid="true"`, `value="台灣科技股份有限公司"`, `id="form-errors"`)

	form := url.Values{"name": {"王小明"}, "company_name": {"台灣科技股份有限公司"}, "title": {"採購經理"}, "email": {"ming@tw-tech.com.tw"},
		"phone": {"+886 912 345 678"}, "company_size": {"51-200"}, "source": {"referral"}, "utm_source": {"newsletter"}, "utm_campaign": {"spring-2027"}}
	p = b.post("/leads", form)
	m := leadLocation.FindStringSubmatch(p.Location)
	if p.Status != http.StatusSeeOther || m == nil {
		t.Fatalf("create: %d %s\n%s", p.Status, p.Location, p.Body)
	}
	id := m[1]
	l := storedLead(t, s, toID(t, id))
	if l.Name != "王小明" || l.Phone != "+886912345678" || l.UTMCampaign != "spring-2027" || l.Status != lead.StatusNew || l.Score == 0 {
		t.Fatalf("the stored lead is %+v", l)
	}
	p = b.get(p.Location)
	expect(t, p, 200, "The lead is saved.", `<h1 id="lead-name">王小明</h1>`, `id="lead-score">`+itoa(l.Score)+`<`,
		"Names a company", "Business email", "Has a phone number", "Company size", "&#43;10", "tw-tech.com.tw",
		"Referral", "spring-2027", "newsletter", `id="convert-lead"`, `id="disqualify-lead"`, "Nothing has been logged on this lead yet.")

	// Disqualifying without a reason is refused, readably, beside the
	// reason; the lead stays as it was.
	p = b.post("/leads/"+id+"/disqualify", url.Values{"version": {itoa(int(l.Version))}, "reason": {"  "}})
	expect(t, p, http.StatusUnprocessableEntity, `id="disqualify-reason-error">Say why the lead is disqualified.</p>`, `aria-invalid="true"`)
	if got := storedLead(t, s, l.ID); got.Status != lead.StatusNew {
		t.Fatalf("a disqualification without a reason made the lead %s", got.Status)
	}
	p = b.post("/leads/"+id+"/disqualify", url.Values{"version": {itoa(int(l.Version))}, "reason": {"預算不足 no budget"}})
	if p.Status != http.StatusSeeOther || p.Location != "/leads/"+id+"?done=disqualified" {
		t.Fatalf("disqualify: %d %s\n%s", p.Status, p.Location, p.Body)
	}
	expect(t, b.get(p.Location), 200, "The lead is disqualified.", `id="lead-disqualify-reason">預算不足 no budget</dd>`, `id="qualify-lead"`)
	if got := storedLead(t, s, l.ID); got.Status != lead.StatusDisqualified || got.DisqualifyReason != "預算不足 no budget" {
		t.Fatalf("the lead is %s because %q", got.Status, got.DisqualifyReason)
	}
	// A stale version is refused with the reason on the page.
	expect(t, b.post("/leads/"+id+"/qualify", url.Values{"version": {"1"}}), http.StatusPreconditionFailed, `id="lead-errors"`)
	p = b.post("/leads/"+id+"/qualify", url.Values{})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("qualify: %d\n%s", p.Status, p.Body)
	}
	if got := storedLead(t, s, l.ID); got.Status != lead.StatusQualified {
		t.Fatalf("qualified, the lead is %s", got.Status)
	}

	// Converting: a bad amount is refused beside it; then the contact, the
	// company and the deal are made and the page links to them.
	sys := crm.WithPrincipal(context.Background(), crm.System)
	if _, err := s.Sales.CreatePipeline(sys, sales.PipelineInput{Name: "B2B"}); err != nil {
		t.Fatal(err)
	}
	expect(t, b.get("/leads/"+id), 200, `id="convert-deal" checked`, `placeholder="台灣科技股份有限公司"`)
	expect(t, b.post("/leads/"+id+"/convert", url.Values{"deal": {"1"}, "amount": {"12abc"}}), http.StatusUnprocessableEntity,
		`id="convert-amount-error"`, `value="12abc"`)
	p = b.post("/leads/"+id+"/convert", url.Values{"deal": {"1"}, "deal_name": {"伺服器升級"}, "amount": {"1,200"}})
	if p.Status != http.StatusSeeOther || p.Location != "/leads/"+id+"?done=converted" {
		t.Fatalf("convert: %d %s\n%s", p.Status, p.Location, p.Body)
	}
	got := storedLead(t, s, l.ID)
	if got.Status != lead.StatusConverted || got.ContactID == nil || got.CompanyID == nil || got.DealID == nil {
		t.Fatalf("converted, the lead is %+v", got)
	}
	deal, err := s.Sales.GetDeal(sys, *got.DealID)
	if err != nil {
		t.Fatal(err)
	}
	if deal.Name != "伺服器升級" || deal.Amount != 120000 {
		t.Errorf("the deal is %q of %d", deal.Name, deal.Amount)
	}
	p = b.get(p.Location)
	expect(t, p, 200, `id="converted-contact"`, `href="/customers/`+idStr(*got.ContactID)+`"`, `id="converted-company">台灣科技股份有限公司</span>`,
		`href="/deals/`+idStr(*got.DealID)+`" id="converted-deal"`)
	if strings.Contains(p.Body, `id="convert-lead"`) || strings.Contains(p.Body, `id="edit-lead"`) {
		t.Error("a converted lead offers to convert or edit it again")
	}
	expect(t, b.get("/deals/"+idStr(*got.DealID)), 200, "伺服器升級")

	// The list, with its filters.
	p = b.get("/leads")
	expect(t, p, 200, `id="lead-`+id+`"`, "台灣科技股份有限公司", "Referral", "Converted", "Owner")
	expect(t, b.get("/leads?status=converted&owner=me"), 200, `id="lead-`+id+`"`)
	p = b.get("/leads?status=new")
	expect(t, p, 200, "No lead matches these filters.")
	if strings.Contains(p.Body, `id="lead-`+id+`"`) {
		t.Error("a converted lead is listed among the new ones")
	}
	expect(t, b.get("/leads?status=bogus"), http.StatusUnprocessableEntity)

	// Editing.
	l2, err := s.Leads.CreateLead(actingAs(t, s, "owner@example.com"), lead.LeadInput{LeadFields: lead.LeadFields{Name: "Ann Lee", Email: "ann@gmail.com"}})
	if err != nil {
		t.Fatal(err)
	}
	expect(t, b.get("/leads/"+idStr(l2.ID)+"/edit"), 200, `value="Ann Lee"`, `name="version" value="1"`)
	p = b.post("/leads/"+idStr(l2.ID), url.Values{"version": {"1"}, "name": {"Ann Lee"}, "email": {"ann@gmail.com"}, "company_name": {"Acme"}})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("edit: %d\n%s", p.Status, p.Body)
	}
	if e := storedLead(t, s, l2.ID); e.CompanyName != "Acme" || e.OwnerID == nil {
		t.Errorf("edited, the lead is %+v", e)
	}

	// The activities logged on the lead show on its page.
	if _, err := s.Activities.Create(actingAs(t, s, "owner@example.com"), activity.Input{Type: "call", RecordType: lead.RecordLead,
		RecordID: l2.ID, Fields: activity.Fields{Subject: "確認需求 check the needs", Body: "Call on Monday"}}); err != nil {
		t.Fatal(err)
	}
	p = b.get("/leads/" + idStr(l2.ID))
	expect(t, p, 200, `id="lead-activity-list"`, "確認需求 check the needs", "Call on Monday", ">Call<")

	// The pool and the list page by keyset: 26 leads wait in the pool.
	var batch []lead.LeadInput
	for i := range 26 {
		batch = append(batch, lead.LeadInput{Unowned: true, LeadFields: lead.LeadFields{Name: "公海客戶 " + itoa(i)}})
	}
	if _, err := s.Leads.CreateLeads(sys, batch); err != nil {
		t.Fatal(err)
	}
	p = b.get("/leads/pool")
	expect(t, p, 200, "公海客戶 25", "More leads", "0 claimed, no limit")
	if strings.Contains(p.Body, "公海客戶 0<") {
		t.Error("the pool shows more than a page")
	}
	more := regexp.MustCompile(`<a href="(/leads/pool\?[^"]+)" rel="next">More leads`).FindStringSubmatch(p.Body)
	if more == nil {
		t.Fatalf("no link to more of the pool:\n%s", p.Body)
	}
	p = b.get(strings.ReplaceAll(more[1], "&amp;", "&"))
	expect(t, p, 200, "公海客戶 0<", "First page")
	if strings.Contains(p.Body, "公海客戶 25<") {
		t.Error("the pool's second page repeats the first")
	}
	p = b.get("/leads")
	expect(t, p, 200, `id="next-page"`, "In the pool")
	next := regexp.MustCompile(`href="(/leads\?cursor=[^"]+)" rel="next"`).FindStringSubmatch(p.Body)
	if next == nil {
		t.Fatalf("no next page of leads:\n%s", p.Body)
	}
	expect(t, b.get(strings.ReplaceAll(next[1], "&amp;", "&")), 200, `id="lead-`+id+`"`, "First page")

	// A contact without an owner is claimed from the pool and opens as the
	// user's customer.
	c, err := s.Customers.CreateContact(sys, customer.ContactFields{DisplayName: "陳大文"}, customer.WriteOptions{Source: "test"})
	if err != nil {
		t.Fatal(err)
	}
	expect(t, b.get("/leads/pool"), 200, `id="claim-contact-`+idStr(c.ID)+`"`, "陳大文")
	p = b.post("/leads/pool/claim", url.Values{"record_type": {"contact"}, "record_id": {idStr(c.ID)}})
	if p.Status != http.StatusSeeOther || p.Location != "/customers/"+idStr(c.ID) {
		t.Fatalf("claim a contact: %d %s\n%s", p.Status, p.Location, p.Body)
	}
	if got, err := s.Customers.GetContact(sys, c.ID); err != nil || got.OwnerID == nil || *got.OwnerID != userID(t, s, "owner@example.com") {
		t.Errorf("claimed, the contact is %+v (%v)", got, err)
	}
}

// TestLeadsPermissions checks that the lead screens show what the service
// allows, and the pool's rules: an agent lists the leads the API lists
// them and no colleague's; a viewer writes none; claims stop at the pool's
// cap, within the protection days, and wait for a manager's approval when
// they collide with a colleague's customer.
func TestLeadsPermissions(t *testing.T) {
	for _, engine := range testenv.AvailableEngines(t) {
		t.Run(engine, func(t *testing.T) { testLeadsPermissions(t, engine) })
	}
}

func testLeadsPermissions(t *testing.T, engine string) {
	s := startServerOn(t, engine)
	ownerCtx, agentCtx := actingAs(t, s, "owner@example.com"), actingAs(t, s, "agent@example.com")
	sys := crm.WithPrincipal(context.Background(), crm.System)
	mk := func(ctx context.Context, name, email string, unowned bool) *lead.Lead {
		t.Helper()
		l, err := s.Leads.CreateLead(ctx, lead.LeadInput{LeadFields: lead.LeadFields{Name: name, Email: email}, Unowned: unowned})
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	mine := mk(agentCtx, "Agent's lead 代理", "", false)
	theirs := mk(ownerCtx, "Owner's lead 老闆", "", false)
	pooled1 := mk(ownerCtx, "Pooled one 公海一", "", true)
	pooled2 := mk(ownerCtx, "Pooled two 公海二", "", true)
	colliding := mk(ownerCtx, "Colliding 撞單", "jay@example.com", true)
	owner := userID(t, s, "owner@example.com")
	if _, err := s.Customers.CreateContact(sys, customer.ContactFields{DisplayName: "Jay", OwnerID: &owner,
		Emails: []customer.Email{{Address: "jay@example.com"}}}, customer.WriteOptions{Source: "test"}); err != nil {
		t.Fatal(err)
	}
	pools, err := s.Leads.ListPools(sys)
	if err != nil {
		t.Fatal(err)
	}
	def := pools[0]
	if _, err := s.Leads.UpdatePool(ownerCtx, def.ID, 0, func(f *lead.PoolFields) error {
		f.ClaimCap, f.ProtectionDays, f.CollisionPolicy = 1, 7, lead.PolicyApprove
		return nil
	}); err != nil {
		t.Fatal(err)
	}

	// The agent's list is the API's.
	agent := newBrowser(t, s, "en")
	agent.signIn("agent@example.com", password)
	p := agent.get("/leads")
	expect(t, p, 200, "Agent&#39;s lead 代理", `href="/leads/new"`)
	api, err := s.Leads.ListLeads(agentCtx, lead.LeadQuery{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var listed []int64
	for _, m := range regexp.MustCompile(`<tr id="lead-(\d+)">`).FindAllStringSubmatch(p.Body, -1) {
		listed = append(listed, toID(t, m[1]))
	}
	var want []int64
	for _, l := range api.Items {
		want = append(want, l.ID)
	}
	if !slices.Equal(listed, want) || slices.Contains(listed, theirs.ID) {
		t.Errorf("the agent's list shows %v, the API %v (a colleague's lead is %d)", listed, want, theirs.ID)
	}
	expect(t, agent.get("/leads/"+idStr(theirs.ID)), http.StatusForbidden)
	expect(t, agent.get("/leads/"+idStr(theirs.ID)+"/edit"), http.StatusForbidden)
	expect(t, agent.post("/leads/"+idStr(theirs.ID)+"/qualify", url.Values{}), http.StatusForbidden)
	expect(t, agent.get("/leads/"+idStr(mine.ID)), 200, `id="convert-lead"`, `id="release-lead"`)

	// The pool: its records with claim buttons and the agent's share of
	// the cap.
	poolID := idStr(def.ID)
	p = agent.get("/leads/pool")
	expect(t, p, 200, "Default pool", `id="pool-`+poolID+`-held">0 of 1 claimed`, `id="claim-lead-`+idStr(pooled1.ID)+`"`,
		`id="claim-lead-`+idStr(pooled2.ID)+`"`, "You may not claim again for 7 days", "needs a manager&#39;s approval")
	expect(t, agent.get("/leads/"+idStr(pooled1.ID)), 200, `id="claim-lead"`, "In the pool")
	claim := func(l *lead.Lead) *page {
		return agent.post("/leads/pool/claim", url.Values{"record_type": {"lead"}, "record_id": {idStr(l.ID)}})
	}
	p = claim(pooled1)
	if p.Status != http.StatusSeeOther || p.Location != "/leads/"+idStr(pooled1.ID)+"?done=claimed" {
		t.Fatalf("claim: %d %s\n%s", p.Status, p.Location, p.Body)
	}
	if got := storedLead(t, s, pooled1.ID); got.OwnerID == nil || *got.OwnerID != userID(t, s, "agent@example.com") {
		t.Fatalf("claimed, the lead's owner is %v", got.OwnerID)
	}
	expect(t, agent.get(p.Location), 200, "You claimed this lead", `id="release-lead"`)

	// The cap refuses the next claim, readably.
	p = claim(pooled2)
	expect(t, p, http.StatusConflict, `id="pool-errors"`, "You hold 1 records from this pool, its limit", `id="pool-`+poolID+`-held">1 of 1 claimed`,
		"You hold this pool&#39;s limit")
	if got := storedLead(t, s, pooled2.ID); got.OwnerID != nil {
		t.Fatalf("over the cap, the lead went to %d", *got.OwnerID)
	}

	// Released, it may not be claimed again within the protection days.
	p = agent.post("/leads/"+idStr(pooled1.ID)+"/release", url.Values{})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("release: %d\n%s", p.Status, p.Body)
	}
	if got := storedLead(t, s, pooled1.ID); got.OwnerID != nil {
		t.Fatal("released, the lead still has an owner")
	}
	expect(t, claim(pooled1), http.StatusConflict, "You gave this record back less than 7 days ago; you may claim it again from ")

	// A collision with the owner's contact waits for approval, which the
	// admin gives on the pool page.
	p = claim(colliding)
	if p.Status != http.StatusSeeOther || p.Location != "/leads/pool?requested=1" {
		t.Fatalf("colliding claim: %d %s\n%s", p.Status, p.Location, p.Body)
	}
	expect(t, agent.get(p.Location), 200, "Your claim waits for a manager&#39;s approval", `id="waiting"`, "Colliding 撞單")
	admin := newBrowser(t, s, "en")
	admin.signIn("owner@example.com", password)
	p = admin.get("/leads/pool")
	expect(t, p, 200, `id="to-decide"`, "Colliding 撞單", "asked by Agent", "Matches the email of contact #", "of Owner")
	claimID := regexp.MustCompile(`id="approve-(\d+)"`).FindStringSubmatch(p.Body)
	if claimID == nil {
		t.Fatalf("no approve button:\n%s", p.Body)
	}
	expect(t, agent.post("/leads/claims/"+claimID[1]+"/decide", url.Values{"decision": {"approve"}}), http.StatusForbidden)
	p = admin.post("/leads/claims/"+claimID[1]+"/decide", url.Values{"decision": {"approve"}})
	if p.Status != http.StatusSeeOther || p.Location != "/leads/pool?decided=approve" {
		t.Fatalf("approve: %d %s\n%s", p.Status, p.Location, p.Body)
	}
	if got := storedLead(t, s, colliding.ID); got.OwnerID == nil || *got.OwnerID != userID(t, s, "agent@example.com") {
		t.Fatalf("approved, the lead's owner is %v", got.OwnerID)
	}
	expect(t, admin.get(p.Location), 200, "The claim is approved")

	// A viewer sees leads but writes none.
	viewer := newBrowser(t, s, "en")
	viewer.signIn("viewer@example.com", password)
	p = viewer.get("/leads")
	expect(t, p, 200, "Owner&#39;s lead 老闆")
	if strings.Contains(p.Body, `href="/leads/new"`) {
		t.Error("a viewer is offered to create a lead")
	}
	expect(t, viewer.get("/leads/new"), http.StatusForbidden)
	p = viewer.get("/leads/pool")
	expect(t, p, 200, "Pooled two 公海二")
	if strings.Contains(p.Body, `/leads/pool/claim`) {
		t.Error("a viewer is offered to claim")
	}
	expect(t, viewer.post("/leads/pool/claim", url.Values{"record_type": {"lead"}, "record_id": {idStr(pooled2.ID)}}), http.StatusForbidden)

	// Bad addresses are pages, not server errors.
	expect(t, agent.get("/leads/999999"), http.StatusNotFound)
	expect(t, agent.get("/leads/abc"), http.StatusNotFound)
	expect(t, agent.get("/leads/pool?pool=999999"), http.StatusNotFound)
	expect(t, agent.post("/leads/pool/claim", url.Values{"record_type": {"deal"}, "record_id": {"1"}}), http.StatusUnprocessableEntity)
}

// TestLeadsSearch finds leads from the search box of the list, on each
// store: Chinese substrings, part of an email, a phone number as written,
// % as itself; with the other filters kept, page by page, within what the
// user may read; an empty result and a refused search said readably, in
// each language.
func TestLeadsSearch(t *testing.T) {
	for _, engine := range testenv.AvailableEngines(t) {
		t.Run(engine, func(t *testing.T) { testLeadsSearch(t, engine) })
	}
}

func testLeadsSearch(t *testing.T, engine string) {
	s := startServerOn(t, engine)
	ownerCtx, agentCtx := actingAs(t, s, "owner@example.com"), actingAs(t, s, "agent@example.com")
	mk := func(ctx context.Context, f lead.LeadFields) *lead.Lead {
		t.Helper()
		l, err := s.Leads.CreateLead(ctx, lead.LeadInput{LeadFields: f})
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	ming := mk(ownerCtx, lead.LeadFields{Name: "王小明", CompanyName: "台灣科技股份有限公司", Email: "ming@tw-tech.com.tw", Phone: "0912-345-678", Source: "referral"})
	li := mk(ownerCtx, lead.LeadFields{Name: "王小李", CompanyName: "Acme 100% Cotton", Email: "li@acme.example", Source: "event"})
	decoy := mk(ownerCtx, lead.LeadFields{Name: "Decoy", CompanyName: "Acme 1000 Cotton"})
	agents := mk(agentCtx, lead.LeadFields{Name: "王大同", Email: "wang@datong.example"})

	b := newBrowser(t, s, "en")
	b.signIn("owner@example.com", password)
	rows := func(p *page) []string {
		t.Helper()
		var out []string
		for _, m := range regexp.MustCompile(`<tr id="lead-(\d+)">`).FindAllStringSubmatch(p.Body, -1) {
			out = append(out, m[1])
		}
		return out
	}
	ids := func(ls ...*lead.Lead) []string {
		var out []string
		for _, l := range ls {
			out = append(out, idStr(l.ID))
		}
		return out
	}
	tests := []struct {
		name, query string
		want        []*lead.Lead
	}{
		{"a Chinese substring", "王小", []*lead.Lead{li, ming}},
		{"a given name", "小明", []*lead.Lead{ming}},
		{"part of an email, in capitals", "TW-TECH", []*lead.Lead{ming}},
		{"a phone as written", "0912 345", []*lead.Lead{ming}},
		{"% as itself", "100%", []*lead.Lead{li}},
		{"anyone's, for an admin", "王", []*lead.Lead{agents, li, ming}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := b.get("/leads?q=" + url.QueryEscape(tt.query))
			expect(t, p, 200, `<label for="lead-q">Search</label>`, `value="`+tt.query+`"`)
			if got := rows(p); !slices.Equal(got, ids(tt.want...)) {
				t.Errorf("%q lists %v, want %v", tt.query, got, ids(tt.want...))
			}
		})
	}
	_ = decoy

	// The search keeps the other filters, and they keep it.
	p := b.get("/leads?q=" + url.QueryEscape("王小") + "&status=new&source=referral")
	expect(t, p, 200, `value="王小"`, `<option value="new" selected>`, `id="lead-source" name="source" type="search" value="referral"`)
	if got := rows(p); !slices.Equal(got, ids(ming)) {
		t.Errorf("王小 among the new referrals lists %v", got)
	}

	// Nothing found: said with the search, and a way back that keeps the
	// filters.
	p = b.get("/leads?q=" + url.QueryEscape("林") + "&status=new")
	expect(t, p, 200, `id="leads-empty"`, "No leads match “林”.", `href="/leads?status=new" id="clear-search"`)
	if strings.Contains(p.Body, `id="lead-list"`) {
		t.Error("an empty search shows a list")
	}
	expect(t, b.get("/leads?q="+url.QueryEscape("<b>")), 200, "No leads match “&lt;b&gt;”.")

	// A search too long is refused beside the box, as typed.
	long := strings.Repeat("王", lead.MaxQuery+1)
	p = b.get("/leads?q=" + url.QueryEscape(long) + "&status=new")
	expect(t, p, http.StatusUnprocessableEntity, `aria-invalid="true" aria-describedby="lead-q-error"`,
		`<p class="error" id="lead-q-error">At most 100 characters.</p>`, `value="`+long+`"`, `<option value="new" selected>`)
	if strings.Contains(p.Body, `id="lead-list"`) || strings.Contains(p.Body, `id="leads-empty"`) {
		t.Error("a refused search lists leads")
	}
	expect(t, b.get("/leads?q="+url.QueryEscape("  "+strings.Repeat("王", lead.MaxQuery)+"  ")), 200, `id="leads-empty"`)

	// Page by page, the search stays.
	sys := crm.WithPrincipal(context.Background(), crm.System)
	var batch []lead.LeadInput
	const pageSize = 25 // the list's
	for i := range pageSize + 2 {
		batch = append(batch, lead.LeadInput{LeadFields: lead.LeadFields{Name: "展會名單 " + itoa(i), Source: "trade_show"}})
	}
	batch = append(batch, lead.LeadInput{LeadFields: lead.LeadFields{Name: "Not on the list", Source: "trade_show"}})
	if _, err := s.Leads.CreateLeads(sys, batch); err != nil {
		t.Fatal(err)
	}
	p = b.get("/leads?q=" + url.QueryEscape("展會"))
	if got := len(rows(p)); got != pageSize {
		t.Fatalf("the first page of 展會 has %d rows", got)
	}
	next := regexp.MustCompile(`href="(/leads\?[^"]+)" rel="next"`).FindStringSubmatch(p.Body)
	if next == nil || !strings.Contains(next[1], "q=%E5%B1%95%E6%9C%83") {
		t.Fatalf("the next page forgets the search: %v", next)
	}
	p = b.get(strings.ReplaceAll(next[1], "&amp;", "&"))
	expect(t, p, 200, `value="展會"`, `href="/leads?q=%E5%B1%95%E6%9C%83">First page</a>`)
	if got := len(rows(p)); got != 2 || strings.Contains(p.Body, "Not on the list") {
		t.Errorf("the second page of 展會 has %d rows:\n%s", got, p.Body)
	}

	// An agent finds only what they may read.
	agent := newBrowser(t, s, "en")
	agent.signIn("agent@example.com", password)
	if got := rows(agent.get("/leads?q=" + url.QueryEscape("王"))); !slices.Equal(got, ids(agents)) {
		t.Errorf("the agent finds %v", got)
	}
	if got := rows(agent.get("/leads?q=" + url.QueryEscape("0912345678"))); len(got) != 0 {
		t.Errorf("the agent finds a colleague's lead by phone: %v", got)
	}

	// In Chinese.
	for _, c := range []struct{ lang, label, placeholder, empty string }{
		{"zh-TW", `<label for="lead-q">搜尋</label>`, `placeholder="姓名、公司、電子郵件或電話"`, "沒有符合「林」的潛在客戶。"},
		{"zh-CN", `<label for="lead-q">搜索</label>`, `placeholder="姓名、公司、电子邮箱或电话"`, "没有符合“林”的线索。"},
	} {
		zh := newBrowser(t, s, c.lang)
		zh.signIn("owner@example.com", password)
		expect(t, zh.get("/leads?q="+url.QueryEscape("林")), 200, c.label, c.placeholder, c.empty)
	}
}

// TestLeadOwnerAndTeam checks the owner and team pickers of the lead form:
// they offer what the lead service lets each user choose (active users;
// their own teams, every team for an admin), keep what the lead has, save
// the choice, and show a refused one beside its picker without saving.
func TestLeadOwnerAndTeam(t *testing.T) {
	for _, engine := range testenv.AvailableEngines(t) {
		t.Run(engine, func(t *testing.T) { testLeadOwnerAndTeam(t, engine) })
	}
}

// formOption is an option of a select as the page shows it.
type formOption struct {
	Value, Label string
	Selected     bool
}

// selectOptions reads the options of the select with the id.
func selectOptions(t *testing.T, p *page, id string) []formOption {
	t.Helper()
	m := regexp.MustCompile(`(?s)<select id="` + id + `"[^>]*>(.*?)</select>`).FindStringSubmatch(p.Body)
	if m == nil {
		return nil
	}
	var out []formOption
	for _, o := range regexp.MustCompile(`<option value="([^"]*)"( selected)?>([^<]*)</option>`).FindAllStringSubmatch(m[1], -1) {
		out = append(out, formOption{Value: o[1], Label: o[3], Selected: o[2] != ""})
	}
	return out
}

func testLeadOwnerAndTeam(t *testing.T, engine string) {
	s := startServerOn(t, engine)
	sys := crm.WithPrincipal(context.Background(), crm.System)
	mkUser := func(email, name string, role crm.Role) int64 {
		t.Helper()
		u, err := s.Accounts.CreateUser(sys, account.UserFields{Email: email, Name: name, Role: role}, password)
		if err != nil {
			t.Fatal(err)
		}
		return u.ID
	}
	manager := mkUser("manager@example.com", "Manager 經理", crm.RoleManager)
	sam := mkUser("sam@example.com", "Sam South", crm.RoleAgent)
	gone := mkUser("gone@example.com", "Gone Away", crm.RoleAgent)
	if _, err := s.Accounts.UpdateUser(sys, gone, 0, func(f *account.UserFields) error { f.Disabled = true; return nil }); err != nil {
		t.Fatal(err)
	}
	agent, owner := userID(t, s, "agent@example.com"), userID(t, s, "owner@example.com")
	team := func(name string, members ...int64) int64 {
		t.Helper()
		tm, err := s.Accounts.CreateTeam(sys, account.TeamFields{Name: name})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range members {
			if _, err := s.Accounts.SetTeamMember(sys, tm.ID, m, true); err != nil {
				t.Fatal(err)
			}
		}
		return tm.ID
	}
	north, south := team("North 北區", manager, agent), team("South 南區", sam)
	values := func(opts []formOption) (all []string, selected string) {
		for _, o := range opts {
			all = append(all, o.Value)
			if o.Selected {
				selected = o.Value
			}
		}
		return all, selected
	}
	users, err := s.Accounts.ListUsers(sys)
	if err != nil {
		t.Fatal(err)
	}
	activeUsers := []string{""} // the pool first, then the active users by name
	for _, u := range users {
		if !u.Disabled {
			activeUsers = append(activeUsers, idStr(u.ID))
		}
	}

	// The manager is offered every active user, and their own team, which
	// a new lead starts with as the service would give it.
	mb := newBrowser(t, s, "en")
	mb.signIn("manager@example.com", password)
	p := mb.get("/leads/new")
	expect(t, p, 200, "<legend>Owner and team</legend>", `<label for="f-owner_id">Owner</label>`, `<label for="f-team_id">Team</label>`,
		`<option value="">Nobody: the shared pool (公海)</option>`, `<option value="">No team</option>`)
	ownerValues, chosen := values(selectOptions(t, p, "f-owner_id"))
	if !slices.Equal(ownerValues, activeUsers) || chosen != idStr(manager) || slices.Contains(ownerValues, idStr(gone)) {
		t.Errorf("the manager's owners are %v (%s chosen); want %v with the manager chosen", ownerValues, chosen, activeUsers)
	}
	teamValues, chosen := values(selectOptions(t, p, "f-team_id"))
	if !slices.Equal(teamValues, []string{"", idStr(north)}) || chosen != idStr(north) {
		t.Errorf("the manager's teams are %v (%s chosen)", teamValues, chosen)
	}
	if strings.Contains(p.Body, `id="f-unowned"`) {
		t.Error("the form offers the pool twice")
	}

	create := func(b *browser, name, owner, team string) *page {
		t.Helper()
		return b.post("/leads", url.Values{"name": {name}, "owner_id": {owner}, "team_id": {team}})
	}
	find := func(name string) *lead.Lead {
		t.Helper()
		page, err := s.Leads.ListLeads(sys, lead.LeadQuery{Q: name})
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Items) != 1 {
			return nil
		}
		return page.Items[0]
	}
	is := func(p *int64, id int64) bool { return p != nil && *p == id }

	// A lead for a member of the team.
	p = create(mb, "給代理 for the agent", idStr(agent), idStr(north))
	if m := leadLocation.FindStringSubmatch(p.Location); p.Status != http.StatusSeeOther || m == nil {
		t.Fatalf("create: %d %s\n%s", p.Status, p.Location, p.Body)
	}
	forAgent := find("給代理")
	if forAgent == nil || !is(forAgent.OwnerID, agent) || !is(forAgent.TeamID, north) {
		t.Fatalf("the lead for the agent is %+v", forAgent)
	}

	// Another team is refused beside the team, the choice kept, nothing
	// saved; so are an unknown user and an id that is not one.
	for _, c := range []struct{ name, owner, team, field, msg string }{
		{"南區 another team", idStr(manager), idStr(south), "team_id", "You can only assign records to your own teams."},
		{"無人 nobody", "999999", idStr(north), "owner_id", "There is no user #999999."},
		{"亂碼 not an id", "abc", idStr(north), "owner_id", "Must be a positive whole number."},
	} {
		p = create(mb, c.name, c.owner, c.team)
		expect(t, p, http.StatusUnprocessableEntity, `id="form-errors"`, `<p class="error" id="f-`+c.field+`-error">`+c.msg+`</p>`,
			`<select id="f-`+c.field+`" name="`+c.field+`" aria-invalid="true"`, `value="`+c.name+`"`)
		if find(c.name) != nil {
			t.Errorf("%s: a refused lead was saved", c.name)
		}
	}
	if _, chosen := values(selectOptions(t, create(mb, "南區 again", idStr(manager), idStr(south)), "f-team_id")); chosen != idStr(south) {
		t.Errorf("the refused team shows as %q", chosen)
	}

	// A lead handed to someone the manager may not follow: saved, and the
	// list says where it went.
	p = create(mb, "交給南區 to Sam", idStr(sam), "")
	if p.Status != http.StatusSeeOther || p.Location != "/leads?done=handed" {
		t.Fatalf("handing over: %d %s\n%s", p.Status, p.Location, p.Body)
	}
	if l := find("交給南區"); l == nil || !is(l.OwnerID, sam) || l.TeamID != nil {
		t.Fatalf("the handed lead is %+v", l)
	}
	expect(t, mb.get(p.Location), 200, `id="leads-message"`, "The lead is saved and handed over")

	// Nobody: the lead waits in the pool.
	p = create(mb, "公海 pooled", "", idStr(north))
	if p.Status != http.StatusSeeOther {
		t.Fatalf("pooled: %d %s\n%s", p.Status, p.Location, p.Body)
	}
	if l := find("公海 pooled"); l == nil || l.OwnerID != nil {
		t.Fatalf("the pooled lead is %+v", l)
	}

	// Editing: the pickers show the lead's owner and team, and change them.
	p = mb.get("/leads/" + idStr(forAgent.ID) + "/edit")
	_, chosenOwner := values(selectOptions(t, p, "f-owner_id"))
	_, chosenTeam := values(selectOptions(t, p, "f-team_id"))
	if chosenOwner != idStr(agent) || chosenTeam != idStr(north) {
		t.Errorf("the edit form shows owner %s and team %s", chosenOwner, chosenTeam)
	}
	p = mb.post("/leads/"+idStr(forAgent.ID), url.Values{"version": {"1"}, "name": {"給代理 for the agent"}, "owner_id": {idStr(manager)}, "team_id": {idStr(north)}})
	if p.Status != http.StatusSeeOther || p.Location != "/leads/"+idStr(forAgent.ID)+"?done=saved" {
		t.Fatalf("reassign: %d %s\n%s", p.Status, p.Location, p.Body)
	}
	if l := storedLead(t, s, forAgent.ID); !is(l.OwnerID, manager) || !is(l.TeamID, north) {
		t.Errorf("reassigned, the lead is owned by %v in team %v", l.OwnerID, l.TeamID)
	}

	// A lead of the manager's in another team (an admin put it there): the
	// form keeps that team, which may stay, and the manager saves it.
	southern, err := s.Leads.CreateLead(actingAs(t, s, "owner@example.com"), lead.LeadInput{LeadFields: lead.LeadFields{Name: "南部 southern", OwnerID: &manager, TeamID: &south}})
	if err != nil {
		t.Fatal(err)
	}
	p = mb.get("/leads/" + idStr(southern.ID) + "/edit")
	if teams, chosen := values(selectOptions(t, p, "f-team_id")); !slices.Equal(teams, []string{"", idStr(north), idStr(south)}) || chosen != idStr(south) {
		t.Errorf("the southern lead's teams are %v (%s chosen)", teams, chosen)
	}
	p = mb.post("/leads/"+idStr(southern.ID), url.Values{"version": {"1"}, "name": {"南部 southern lead"}, "owner_id": {idStr(manager)}, "team_id": {idStr(south)}})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("saving the southern lead: %d\n%s", p.Status, p.Body)
	}

	// An admin chooses any team.
	ab := newBrowser(t, s, "en")
	ab.signIn("owner@example.com", password)
	if teams, _ := values(selectOptions(t, ab.get("/leads/new"), "f-team_id")); !slices.Equal(teams, []string{"", idStr(north), idStr(south)}) {
		t.Errorf("the admin's teams are %v", teams)
	}
	p = create(ab, "管理員 admin's", idStr(sam), idStr(south))
	if p.Status != http.StatusSeeOther {
		t.Fatalf("the admin's lead: %d\n%s", p.Status, p.Body)
	}
	if l := find("管理員"); l == nil || !is(l.OwnerID, sam) || !is(l.TeamID, south) {
		t.Errorf("the admin's lead is %+v", l)
	}

	// An agent may, by the service's rule, hand a lead to anyone and put it
	// in their own team: the form offers that, and no other team.
	agb := newBrowser(t, s, "en")
	agb.signIn("agent@example.com", password)
	p = agb.get("/leads/new")
	if owners, chosen := values(selectOptions(t, p, "f-owner_id")); !slices.Equal(owners, activeUsers) || chosen != idStr(agent) {
		t.Errorf("the agent's owners are %v (%s chosen)", owners, chosen)
	}
	if teams, _ := values(selectOptions(t, p, "f-team_id")); !slices.Equal(teams, []string{"", idStr(north)}) {
		t.Errorf("the agent's teams are %v", teams)
	}
	expect(t, create(agb, "代理南區 agent south", idStr(agent), idStr(south)), http.StatusUnprocessableEntity,
		`id="f-team_id-error">You can only assign records to your own teams.</p>`)
	_ = owner

	// In Chinese.
	zh := newBrowser(t, s, "zh-TW")
	zh.signIn("manager@example.com", password)
	expect(t, zh.get("/leads/new"), 200, "<legend>負責人與團隊</legend>", `<label for="f-owner_id">負責人</label>`, `<label for="f-team_id">團隊</label>`,
		"無，放入公海", "無團隊")
	zhs := newBrowser(t, s, "zh-CN")
	zhs.signIn("manager@example.com", password)
	expect(t, zhs.get("/leads/new"), 200, "<legend>负责人与团队</legend>", `<label for="f-team_id">团队</label>`, "无，放入公海", "无团队")
}

func toID(t *testing.T, s string) int64 {
	t.Helper()
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func itoa(n int) string { return strconv.Itoa(n) }

// TestLeadLabelsHaveMessages checks that every value the lead screens show
// through a label (statuses, scoring rules, what a pool names) has a
// message in each language, rather than showing the raw value.
func TestLeadLabelsHaveMessages(t *testing.T) {
	lists := map[string][]string{
		"leads.status": lead.Statuses,
		"leads.rule":   {"has_company", "business_email", "has_phone", "company_size", "source", "behaviour"},
		"leads.record": {lead.RecordLead, lead.RecordContact, lead.RecordCompany, lead.RecordDeal},
		"leads.match":  {"email", "phone", "company"},
	}
	for prefix, values := range lists {
		for _, v := range values {
			key := prefix + "." + v
			for _, lang := range i18n.Languages {
				if msg := i18n.Message(lang, key, nil); msg == key || msg == "" {
					t.Errorf("%s has no message in %s", key, lang)
				}
			}
		}
	}
}
