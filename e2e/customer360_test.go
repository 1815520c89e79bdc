package e2e_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/i18n"
	"github.com/guanxi-crm/guanxi/internal/testenv"
)

// TestCustomer360UI opens a company whose buying committee was recorded
// through the services and reads its org chart, then creates a customer
// whose email exists, follows the warning to the merge screen, keeps the
// new given name and merges: in English on the first store and in
// Traditional Chinese on the last, and on a phone 375 px wide.
func TestCustomer360UI(t *testing.T) {
	browserCtx := startBrowser(t)
	engines := testenv.AvailableEngines(t)
	for _, j := range journeys(engines) {
		t.Run("customer360/"+j.lang+"/"+j.engine, func(t *testing.T) {
			s := testenv.StartServer(t, j.engine)
			me := seed(t, s)
			c := seedBuyingCommittee(t, s, me)
			u := newTab(t, browserCtx, s, j.lang, j.acceptLanguage, "customer360-"+j.lang, 0, 0)
			u.signIn()
			u.readTheOrgChart(c)
			u.mergeADuplicate()
		})
	}
	t.Run("customer360-phone-375px", func(t *testing.T) {
		s := testenv.StartServer(t, engines[0])
		me := seed(t, s)
		c := seedBuyingCommittee(t, s, me)
		u := newTab(t, browserCtx, s, i18n.Traditional, "zh-TW", "customer360-phone", 375, 740)
		u.signIn()
		u.readTheOrgChart(c)
		u.mergeADuplicate()
	})
}

// buyingCommittee is a company with a general manager, a CTO and a buyer
// reporting to them, and an engineer reporting to the CTO.
type buyingCommittee struct {
	company                  int64
	gm, cto, buyer, engineer int64
}

func seedBuyingCommittee(t *testing.T, s *testenv.Server, owner int64) *buyingCommittee {
	t.Helper()
	sys := crm.WithPrincipal(context.Background(), crm.System)
	co, err := s.Customers.CreateCompany(sys, customer.CompanyFields{Name: "宏達精密工業", Industry: "Manufacturing", OwnerID: &owner})
	if err != nil {
		t.Fatal(err)
	}
	c := &buyingCommittee{company: co.ID}
	person := func(family, given, title string, role customer.BuyingRole, influence int, reportsTo *int64) int64 {
		p, err := s.Customers.CreateContact(sys, customer.ContactFields{FamilyName: family, GivenName: given, OwnerID: &owner}, customerWrite)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Customers.CreatePosition(sys, customer.PositionFields{ContactID: p.ID, CompanyID: co.ID, Title: title,
			BuyingRole: role, Influence: influence, ReportsToID: reportsTo}); err != nil {
			t.Fatal(err)
		}
		return p.ID
	}
	c.gm = person("林", "志豪", "總經理", customer.RoleDecisionMaker, 5, nil)
	c.cto = person("陳", "怡君", "技術長", customer.RoleInfluencer, 4, &c.gm)
	c.buyer = person("黃", "建國", "採購經理", customer.RolePurchasing, 3, &c.gm)
	c.engineer = person("張", "雅婷", "資深工程師", customer.RoleUser, 2, &c.cto)
	return c
}

func idOf(n int64) string { return strconv.FormatInt(n, 10) }

// readTheOrgChart goes from a person's 360 page to their company and reads
// who reports to whom on its org chart.
func (u *ui) readTheOrgChart(c *buyingCommittee) {
	u.t.Helper()
	u.do("opening the engineer", chromedp.Navigate(u.s.URL+"/customers/"+idOf(c.engineer)), chromedp.WaitVisible(chromedp.ID("positions")))
	if got := u.text("positions"); !strings.Contains(got, "陳怡君") || !strings.Contains(got, u.msg("buying_role.user")) {
		u.t.Errorf("the engineer's positions say %q", got)
	}
	u.checkPage("customer-positions")
	u.do("opening the company", chromedp.Click(chromedp.CSS(`#positions a[href="/companies/`+idOf(c.company)+`"]`)),
		chromedp.WaitVisible(chromedp.ID("org-chart")))
	if h1 := run(u, "reading the heading", chromedp.Text(chromedp.CSS("h1"))); h1 != "宏達精密工業" {
		u.t.Errorf("the company page's heading is %q", h1)
	}
	chart := u.text("org-chart")
	for _, want := range []string{u.msg("c360.buying_committee"), "林志豪", "總經理", u.msg("buying_role.decision_maker"),
		u.msg("buying_role.influencer"), u.msg("buying_role.purchasing"), "張雅婷"} {
		if !strings.Contains(chart, want) {
			u.t.Errorf("the org chart lacks %q: %q", want, chart)
		}
	}
	// Each person's card sits in the list under their manager's.
	manager := func(id int64) string {
		return run(u, "reading whom "+idOf(id)+" reports to", chromedp.Evaluate[string](`(() => {
			const li = document.getElementById('org-`+idOf(id)+`').closest('li').parentElement.closest('li');
			return li ? li.querySelector('.org-card').id : '';
		})()`))
	}
	for _, edge := range [][2]int64{{c.cto, c.gm}, {c.buyer, c.gm}, {c.engineer, c.cto}} {
		if got := manager(edge[0]); got != "org-"+idOf(edge[1]) {
			u.t.Errorf("on the chart %d is under %q, want org-%d", edge[0], got, edge[1])
		}
	}
	if got := manager(c.gm); got != "" {
		u.t.Errorf("the general manager is under %q", got)
	}
	u.checkPage("company")
	u.do("opening a person from the chart", chromedp.Click(chromedp.CSS(`#org-`+idOf(c.cto)+` a`)), chromedp.WaitVisible(chromedp.ID("positions")))
	if h1 := run(u, "reading the heading", chromedp.Text(chromedp.CSS("h1"))); h1 != "陳怡君" {
		u.t.Errorf("the chart's link opens %q", h1)
	}
}

// mergeADuplicate adds a customer with the email of one who exists (Ann
// Lee), follows the warning to the merge screen, keeps the new record's
// names, merges, and sees the one record left.
func (u *ui) mergeADuplicate() {
	u.t.Helper()
	u.do("adding a customer who exists",
		chromedp.Navigate(u.s.URL+"/customers/new"),
		chromedp.WaitVisible(chromedp.ID("f-family_name")),
		chromedp.SendKeys(chromedp.ID("f-family_name"), "李"),
		chromedp.SendKeys(chromedp.ID("f-given_name"), "安妮"),
		chromedp.SendKeys(chromedp.ID("f-emails-0-address"), "ANN@example.com"),
		chromedp.SendKeys(chromedp.ID("f-phones-0-number"), "0987-654-321"),
		chromedp.Click(chromedp.ID("save")),
		chromedp.WaitVisible(chromedp.ID("form-errors")),
	)
	if got := u.text("form-errors"); !strings.Contains(got, "ann@example.com") || !strings.Contains(got, u.msg("form.open_existing")) {
		u.t.Errorf("the duplicate warning says %q", got)
	}
	u.checkPage("customer-duplicate")
	u.do("saving and merging", chromedp.Click(chromedp.ID("save-merge")), chromedp.WaitVisible(chromedp.ID("merge-form")))
	table := u.text("merge-table")
	for _, want := range []string{"Ann", "安妮", "Lee", "李", "ann@example.com"} {
		if !strings.Contains(table, want) {
			u.t.Errorf("the merge screen lacks %q: %q", want, table)
		}
	}
	u.checkPage("merge")
	u.do("keeping the new names", chromedp.Click(chromedp.ID("pick-family_name-b")), chromedp.Click(chromedp.ID("pick-given_name-b")),
		chromedp.Click(chromedp.ID("merge-submit")), chromedp.WaitVisible(chromedp.ID("merged-notice")))
	if h1 := run(u, "reading the heading", chromedp.Text(chromedp.CSS("h1"))); h1 != "李安妮" {
		u.t.Errorf("after the merge the heading is %q, want 李安妮 (the names picked)", h1)
	}
	main := u.text("main")
	for _, want := range []string{"ann@example.com", "+886987654321", u.msg("change.merge")} {
		if !strings.Contains(main, want) {
			u.t.Errorf("after the merge the page lacks %q: %q", want, main)
		}
	}
	// The names are the new record's, the rest of Ann Lee's stays.
	sys := crm.WithPrincipal(context.Background(), crm.System)
	id, err := strconv.ParseInt(strings.TrimPrefix(strings.SplitN(u.location(), "?", 2)[0], u.s.URL+"/customers/"), 10, 64)
	if err != nil {
		u.t.Fatalf("the merge leads to %s", u.location())
	}
	got, err := u.s.Customers.GetContact(sys, id)
	if err != nil {
		u.t.Fatal(err)
	}
	if got.FamilyName != "李" || got.GivenName != "安妮" || len(got.Phones) != 1 || len(got.Emails) != 1 {
		u.t.Errorf("the merged record is %+v", got.ContactFields)
	}
	u.checkPage("merged")
}
