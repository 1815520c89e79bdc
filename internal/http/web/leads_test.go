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
	expect(t, b.get("/leads/new"), 200, `<label for="f-name">Name</label>`, `name="company_size"`, `name="utm_campaign"`, `id="f-unowned"`)

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
