package e2e_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/i18n"
	"github.com/guanxi-crm/guanxi/internal/lead"
	"github.com/guanxi-crm/guanxi/internal/sales"
	"github.com/guanxi-crm/guanxi/internal/testenv"
)

// TestLeadsUI creates a lead through its form (a bad email refused beside
// it first), reads the reasons for its score, is refused a disqualification
// without a reason, claims another lead from the shared pool (公海), qualifies
// and converts it, and opens the deal the conversion made: in English on the
// first store and in Traditional Chinese on the last, and on a phone.
func TestLeadsUI(t *testing.T) {
	browserCtx := startBrowser(t)
	engines := testenv.AvailableEngines(t)
	for _, j := range journeys(engines) {
		t.Run("leads/"+j.lang+"/"+j.engine, func(t *testing.T) {
			s := testenv.StartServer(t, j.engine)
			me := seed(t, s)
			pooled := seedLeads(t, s)
			u := newTab(t, browserCtx, s, j.lang, j.acceptLanguage, "leads-"+j.lang, 0, 0)
			u.signIn()
			created := u.createLeadWithTheForm()
			u.disqualifyNeedsAReason(created)
			u.claimFromThePool(pooled, me)
			u.qualifyAndConvert(pooled)
		})
	}
	t.Run("leads-phone-375px", func(t *testing.T) {
		s := testenv.StartServer(t, engines[0])
		seed(t, s)
		pooled := seedLeads(t, s)
		u := newTab(t, browserCtx, s, i18n.Traditional, "zh-TW", "leads-phone", 375, 740)
		u.signIn()
		u.leadsOnAPhone(pooled)
	})
}

// seedLeads adds a pipeline (for the deals conversions make) and a lead
// without an owner, waiting in the default pool.
func seedLeads(t *testing.T, s *testenv.Server) *lead.Lead {
	t.Helper()
	sys := crm.WithPrincipal(context.Background(), crm.System)
	if _, err := s.Sales.CreatePipeline(sys, sales.PipelineInput{Name: "B2B"}); err != nil {
		t.Fatal(err)
	}
	l, err := s.Leads.CreateLead(sys, lead.LeadInput{Unowned: true, LeadFields: lead.LeadFields{Name: "林雅婷",
		CompanyName: "雲端物流有限公司", Email: "yating@cloud-logistics.com.tw", Source: "trade_show"}})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func leadID(l *lead.Lead) string { return strconv.FormatInt(l.ID, 10) }

// createLeadWithTheForm opens the leads from the nav, fills in the form
// (a bad email first), and reads the new lead's score and its reasons. It
// returns the lead's page address.
func (u *ui) createLeadWithTheForm() string {
	u.t.Helper()
	u.do("opening the leads", chromedp.Click(chromedp.CSS(`nav a[href="/leads"]`)), chromedp.WaitVisible(chromedp.ID("lead-filters")))
	u.checkPage("leads")
	u.do("opening the form", chromedp.Click(chromedp.ID("new-lead")), chromedp.WaitVisible(chromedp.ID("f-name")))
	u.checkPage("lead-form")
	u.do("filling in the form with a bad email",
		chromedp.SendKeys(chromedp.ID("f-name"), "王小明"),
		chromedp.SendKeys(chromedp.ID("f-email"), "ming.tw-tech.com.tw"),
		chromedp.SendKeys(chromedp.ID("f-phone"), "0912 345 678"),
		chromedp.SendKeys(chromedp.ID("f-company_name"), "台灣科技股份有限公司"),
		chromedp.SetValue(chromedp.ID("f-company_size"), "51-200"),
		chromedp.SendKeys(chromedp.ID("f-source"), "referral"),
		chromedp.SendKeys(chromedp.ID("f-utm_campaign"), "spring-2027"),
		chromedp.Click(chromedp.ID("save")),
		chromedp.WaitVisible(chromedp.ID("f-email-error")),
	)
	if got, want := u.text("f-email-error"), i18n.Message(u.lang, "invalid_email", nil); got != want {
		u.t.Errorf("the email's error says %q, want %q", got, want)
	}
	u.checkPage("lead-form-errors")
	u.do("correcting the email",
		chromedp.SetValue(chromedp.ID("f-email"), "ming@tw-tech.com.tw"),
		chromedp.Click(chromedp.ID("save")),
		chromedp.WaitVisible(chromedp.ID("score-reasons")),
	)
	if got := u.text("lead-name"); got != "王小明" {
		u.t.Errorf("the lead's heading is %q", got)
	}
	reasons := u.text("score-reasons")
	for _, key := range []string{"leads.rule.has_company", "leads.rule.business_email", "leads.rule.has_phone", "leads.rule.company_size"} {
		if !strings.Contains(reasons, u.msg(key)) {
			u.t.Errorf("the score's reasons %q lack %q", reasons, u.msg(key))
		}
	}
	if !strings.Contains(reasons, "+10") || !strings.Contains(reasons, "tw-tech.com.tw") {
		u.t.Errorf("the score's reasons are %q", reasons)
	}
	if got := u.text("lead-score"); got == "" || got == "0" {
		u.t.Errorf("the lead's score is %q", got)
	}
	if got := u.text("lead-origin"); !strings.Contains(got, "spring-2027") || !strings.Contains(got, u.msg("leads.source.referral")) {
		u.t.Errorf("the lead's origin is %q", got)
	}
	u.checkPage("lead")
	return u.location()
}

// disqualifyNeedsAReason disqualifies the lead without saying why: the
// page says what is missing, beside the reason, and the lead stays new.
func (u *ui) disqualifyNeedsAReason(leadURL string) {
	u.t.Helper()
	u.do("disqualifying without a reason", chromedp.Click(chromedp.ID("disqualify-lead")), chromedp.WaitVisible(chromedp.ID("disqualify-reason-error")))
	if got, want := u.text("disqualify-reason-error"), u.msg("disqualify_reason_required"); got != want {
		u.t.Errorf("the refusal says %q, want %q", got, want)
	}
	if got := u.text("lead-status"); got != u.msg("leads.status.new") {
		u.t.Errorf("after the refusal the lead is %q", got)
	}
	u.checkPage("lead-disqualify-refused")
}

// claimFromThePool opens the pool from the leads, sees the share of the
// cap, and claims the lead waiting there: it opens as the user's.
func (u *ui) claimFromThePool(pooled *lead.Lead, me int64) {
	u.t.Helper()
	u.do("back to the leads", chromedp.Click(chromedp.CSS(`nav a[href="/leads"]`)), chromedp.WaitVisible(chromedp.ID("lead-list")))
	u.do("opening the pool", chromedp.Click(chromedp.ID("to-pool")), chromedp.WaitVisible(chromedp.ID("claim-lead-"+leadID(pooled))))
	if got := u.text("pool-lead-" + leadID(pooled)); !strings.Contains(got, "林雅婷") || !strings.Contains(got, u.msg("leads.source.trade_show")) {
		u.t.Errorf("the pool shows the lead as %q", got)
	}
	u.checkPage("pool")
	u.do("claiming the lead", chromedp.Click(chromedp.ID("claim-lead-"+leadID(pooled))), chromedp.WaitVisible(chromedp.ID("lead-message")))
	if got := u.text("lead-message"); got != u.msg("leads.done.claimed") {
		u.t.Errorf("after claiming, the page says %q", got)
	}
	if got := u.text("lead-owner"); got != "李美玲" {
		u.t.Errorf("after claiming, the owner is %q", got)
	}
	l, err := u.s.Leads.GetLead(crm.WithPrincipal(context.Background(), crm.System), pooled.ID)
	if err != nil {
		u.t.Fatal(err)
	}
	if l.OwnerID == nil || *l.OwnerID != me {
		u.t.Errorf("after claiming, the lead's owner is %v", l.OwnerID)
	}
	u.checkPage("lead-claimed")
}

// qualifyAndConvert qualifies the claimed lead, converts it with a deal,
// and follows the link to the deal.
func (u *ui) qualifyAndConvert(pooled *lead.Lead) {
	u.t.Helper()
	u.do("qualifying", chromedp.Click(chromedp.ID("qualify-lead")), chromedp.WaitVisible(chromedp.CSS("#lead-status.lead-qualified")))
	if got := u.text("lead-message"); got != u.msg("leads.done.qualified") {
		u.t.Errorf("after qualifying, the page says %q", got)
	}
	u.do("converting with a deal",
		chromedp.SendKeys(chromedp.ID("convert-deal-name"), "物流系統導入"),
		chromedp.SendKeys(chromedp.ID("convert-amount"), "1,200"),
		chromedp.Click(chromedp.ID("convert-lead")),
		chromedp.WaitVisible(chromedp.ID("converted-deal")),
	)
	if got := u.text("lead-status"); got != u.msg("leads.status.converted") {
		u.t.Errorf("after converting, the lead is %q", got)
	}
	if got := u.text("converted"); !strings.Contains(got, "林雅婷") || !strings.Contains(got, "雲端物流有限公司") {
		u.t.Errorf("the conversion made %q", got)
	}
	u.checkPage("lead-converted")
	u.do("opening the deal", chromedp.Click(chromedp.ID("converted-deal")), chromedp.WaitVisible(chromedp.ID("deal-name")))
	if got := u.text("deal-name"); got != "物流系統導入" {
		u.t.Errorf("the deal is %q", got)
	}
	if got := u.text("deal-company"); got != "雲端物流有限公司" {
		u.t.Errorf("the deal's company is %q", got)
	}
	l, err := u.s.Leads.GetLead(crm.WithPrincipal(context.Background(), crm.System), pooled.ID)
	if err != nil {
		u.t.Fatal(err)
	}
	if l.Status != lead.StatusConverted || l.DealID == nil || !strings.HasSuffix(u.location(), "/deals/"+strconv.FormatInt(*l.DealID, 10)) {
		u.t.Errorf("the lead is %s with deal %v; the browser is at %s", l.Status, l.DealID, u.location())
	}
}

// leadsOnAPhone looks at the lead screens 375 px wide and claims the
// pooled lead.
func (u *ui) leadsOnAPhone(pooled *lead.Lead) {
	u.t.Helper()
	u.do("opening the leads", chromedp.Navigate(u.s.URL+"/leads"), chromedp.WaitVisible(chromedp.ID("lead-filters")))
	u.checkPage("leads")
	u.do("opening the form", chromedp.Navigate(u.s.URL+"/leads/new"), chromedp.WaitVisible(chromedp.ID("f-name")))
	u.checkPage("lead-form")
	u.do("opening the pool", chromedp.Navigate(u.s.URL+"/leads/pool"), chromedp.WaitVisible(chromedp.ID("claim-lead-"+leadID(pooled))))
	u.checkPage("pool")
	u.do("claiming the lead", chromedp.Click(chromedp.ID("claim-lead-"+leadID(pooled))), chromedp.WaitVisible(chromedp.ID("convert-lead")))
	u.checkPage("lead")
}
