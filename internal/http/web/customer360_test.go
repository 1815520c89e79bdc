package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/guanxi-crm/guanxi/internal/commerce"
	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/sales"
	"github.com/guanxi-crm/guanxi/internal/testenv"
	"github.com/guanxi-crm/guanxi/internal/touchpoint"
)

// committee is a company with a buying committee: a general manager, a
// CTO and a buyer reporting to them, an engineer reporting to the CTO, and
// someone who left.
type committee struct {
	company                      *customer.Company
	gm, cto, buyer, engineer, ex int64
	openDeal, wonDeal            *sales.Deal
}

func seedCommittee(t *testing.T, s *testenv.Server, owner int64) *committee {
	t.Helper()
	sys := crm.WithPrincipal(context.Background(), crm.System)
	co, err := s.Customers.CreateCompany(sys, customer.CompanyFields{Name: "宏達精密工業", Domain: "hongda.example.com.tw",
		Industry: "Manufacturing", Size: "201-500", OwnerID: &owner})
	if err != nil {
		t.Fatal(err)
	}
	c := &committee{company: co}
	person := func(family, given string) int64 {
		p, err := s.Customers.CreateContact(sys, customer.ContactFields{FamilyName: family, GivenName: given, OwnerID: &owner}, customer.WriteOptions{Source: "test"})
		if err != nil {
			t.Fatal(err)
		}
		return p.ID
	}
	c.gm, c.cto, c.buyer, c.engineer, c.ex = person("林", "志豪"), person("陳", "怡君"), person("黃", "建國"), person("張", "雅婷"), person("吳", "明哲")
	position := func(contact int64, title, dept string, role customer.BuyingRole, influence int, reportsTo *int64, status string) {
		if _, err := s.Customers.CreatePosition(sys, customer.PositionFields{ContactID: contact, CompanyID: co.ID, Title: title, Department: dept,
			BuyingRole: role, Influence: influence, ReportsToID: reportsTo, Status: status}); err != nil {
			t.Fatal(err)
		}
	}
	position(c.gm, "總經理", "總經理室", customer.RoleDecisionMaker, 5, nil, "")
	position(c.cto, "技術長", "研發部", customer.RoleInfluencer, 4, &c.gm, "")
	position(c.buyer, "採購經理", "採購部", customer.RolePurchasing, 3, &c.gm, "")
	position(c.engineer, "資深工程師", "研發部", customer.RoleUser, 2, &c.cto, "")
	position(c.ex, "前任採購", "採購部", customer.RoleGatekeeper, 1, nil, customer.PositionPast)

	pl, err := s.Sales.CreatePipeline(sys, sales.PipelineInput{Name: "B2B"})
	if err != nil {
		t.Fatal(err)
	}
	if c.openDeal, err = s.Sales.CreateDeal(sys, sales.DealInput{DealFields: sales.DealFields{Name: "產線自動化專案", Amount: 1250000000, OwnerID: &owner, ExpectedCloseOn: "2099-03-31",
		CompanyID: &co.ID, Contacts: []sales.DealContact{{ContactID: c.gm, Role: "decision_maker"}}}}); err != nil {
		t.Fatal(err)
	}
	if c.wonDeal, err = s.Sales.CreateDeal(sys, sales.DealInput{StageID: pl.Stages[4].ID, DealFields: sales.DealFields{Name: "年度維護合約", Amount: 36000000,
		OwnerID: &owner, CompanyID: &co.ID, Contacts: []sales.DealContact{{ContactID: c.gm}}}}); err != nil {
		t.Fatal(err)
	}
	return c
}

// orgTree reduces the org chart of a company page to its shape: "[id]" for
// each person, "<" and ">" for each list of reports.
func orgTree(t *testing.T, body string) string {
	t.Helper()
	start := strings.Index(body, `<ul class="org-tree"`)
	end := strings.Index(body, `id="people"`)
	if start < 0 || end < start {
		t.Fatalf("no org chart on\n%s", body)
	}
	var b strings.Builder
	for _, m := range regexp.MustCompile(`<ul[ >]|</ul>|id="org-(\d+)"`).FindAllStringSubmatch(body[start:end], -1) {
		switch {
		case m[1] != "":
			b.WriteString("[" + m[1] + "]")
		case m[0] == "</ul>":
			b.WriteString(">")
		default:
			b.WriteString("<")
		}
	}
	return b.String()
}

// TestCompanyPage opens a company with its buying committee, on each store:
// the profile, the people, the org chart drawn from who reports to whom,
// the timeline of its people, its deals; and the 360 page of one of them
// with consent, custom fields, positions, orders a page at a time and
// deals. A colleague sees the company's basic card only.
func TestCompanyPage(t *testing.T) {
	for _, engine := range testenv.AvailableEngines(t) {
		t.Run(engine, func(t *testing.T) { testCompanyPage(t, engine) })
	}
}

func testCompanyPage(t *testing.T, engine string) {
	s := startServerOn(t, engine)
	sys := crm.WithPrincipal(context.Background(), crm.System)
	owner := userID(t, s, "owner@example.com")
	c := seedCommittee(t, s, owner)
	b := newBrowser(t, s, "en")
	b.signIn("owner@example.com", password)
	if _, _, err := s.Touchpoints.Record(sys, touchpoint.EventInput{Type: "call", Channel: "phone",
		Customer: crm.CustomerRef{ContactID: &c.cto}, Properties: []byte(`{"note":"談到 MES 整合"}`)}); err != nil {
		t.Fatal(err)
	}

	co := "/companies/" + idStr(c.company.ID)
	p := b.get(co)
	expect(t, p, 200, "<h1>宏達精密工業</h1>", `href="https://hongda.example.com.tw"`, "Manufacturing", "201-500 people",
		"Buying committee", "總經理", "技術長", "Decision maker", "Influencer", "Purchasing", "User", "5 of 5", "●●●●○",
		`id="people-past"`, "吳明哲", "Former staff",
		`href="/deals/`+idStr(c.openDeal.ID)+`"`, "產線自動化專案", "NT$12,500,000.00", "closes 31 Mar 2099", `id="deals-closed"`, "年度維護合約",
		"談到 MES 整合", `<span class="who"><a href="/customers/`+idStr(c.cto)+`">陳怡君</a></span>`)
	want := "<[" + idStr(c.gm) + "]<[" + idStr(c.cto) + "]<[" + idStr(c.engineer) + "]>[" + idStr(c.buyer) + "]>>"
	if got := orgTree(t, p.Body); got != want {
		t.Errorf("org chart %s, want %s (general manager over the CTO (over the engineer) and the buyer)", got, want)
	}
	if strings.Contains(p.Body[strings.Index(p.Body, `class="org-tree"`):strings.Index(p.Body, `id="people"`)], "吳明哲") {
		t.Error("someone who left is on the org chart")
	}
	// The people, with whom each reports to.
	person := p.Body[strings.Index(p.Body, `id="person-`+idStr(c.engineer)+`"`):]
	person = person[:strings.Index(person, "</li>")]
	for _, f := range []string{"資深工程師", "研發部", "Reports to", `href="/customers/` + idStr(c.cto) + `">陳怡君</a>`} {
		if !strings.Contains(person, f) {
			t.Errorf("the engineer's row lacks %q:\n%s", f, person)
		}
	}
	zh := newBrowser(t, s, "zh-TW")
	zh.signIn("owner@example.com", password)
	expect(t, zh.get(co), 200, "採購決策小組", "決策者", "直屬主管", "已結案", "預計成交 2099年3月31日")

	// The general manager's 360 page: consent, custom fields, positions,
	// orders and deals; company names link to the company.
	if _, err := s.Customers.CreateFieldDef(sys, customer.FieldDefFields{RecordType: customer.RecordContact, Key: "shirt", Label: "Shirt size",
		Labels: map[string]string{"zh-Hant": "衣服尺寸"}, Type: customer.FieldSelect, Options: []customer.Option{{Value: "m", Label: "Medium"}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Customers.UpdateContact(sys, c.gm, 0, func(f *customer.ContactFields) error {
		f.Consent.Email = customer.ChannelConsent{Status: customer.ConsentGranted, Source: "web_form"}
		f.Consent.SMS = customer.ChannelConsent{Status: customer.ConsentDenied}
		f.Custom = map[string]any{"shirt": "m"}
		return nil
	}, customer.WriteOptions{Source: "test"}); err != nil {
		t.Fatal(err)
	}
	for i := range 7 {
		price := int64(100000 * (i + 1))
		if _, err := s.Commerce.CreateOrder(sys, commerce.OrderInput{Number: "HD-" + idStr(int64(100+i)), Currency: "TWD",
			Customer: crm.CustomerRef{ContactID: &c.gm}, Lines: []commerce.LineInput{{SKU: "PART-1", Name: "零件", Quantity: 1, UnitPrice: &price}}}); err != nil {
			t.Fatal(err)
		}
	}
	gm := "/customers/" + idStr(c.gm)
	p = b.get(gm)
	expect(t, p, 200, `id="consent-email"`, "Granted", "web form", "Denied", "Not asked", "Shirt size", "Medium",
		`<a href="/companies/`+idStr(c.company.ID)+`">宏達精密工業</a>`, "總經理室", "Decision maker",
		"HD-106", "HD-102", "NT$7,000.00", `id="orders-more"`, `href="/deals/`+idStr(c.openDeal.ID)+`"`, `id="deals-closed"`)
	if orders := p.Body[strings.Index(p.Body, `id="orders"`):strings.Index(p.Body, `id="deals"`)]; strings.Contains(orders, "HD-101") {
		t.Error("the first page of orders lists more than five")
	}
	more := regexp.MustCompile(`hx-get="(/customers/\d+/orders\?cursor=[^"]+)"`).FindStringSubmatch(p.Body)
	if more == nil {
		t.Fatalf("no more orders button")
	}
	next := strings.ReplaceAll(more[1], "&amp;", "&")
	p = b.get(next, "HX-Request", "true")
	expect(t, p, 200, "HD-101", "HD-100")
	if strings.Contains(p.Body, "<html") || strings.Contains(p.Body, "HD-106") || strings.Contains(p.Body, "orders-more") {
		t.Errorf("the second page of orders is not the last two rows alone:\n%s", p.Body)
	}
	// Without JavaScript the button leads to the page with the next orders.
	p = b.get(next)
	if p.Status != http.StatusSeeOther || !strings.Contains(p.Location, "?orders=") {
		t.Fatalf("more orders without htmx: %d %s", p.Status, p.Location)
	}
	expect(t, b.get(strings.TrimSuffix(p.Location, "#orders")), 200, "HD-101")
	expect(t, zh.get(gm), 200, "衣服尺寸", "已同意", "尚未詢問", "訂單")

	// The engineer's positions say whom they report to.
	expect(t, b.get("/customers/"+idStr(c.engineer)), 200, "Reports to", `href="/customers/`+idStr(c.cto)+`">陳怡君</a>`, "2 of 5")

	// The company's timeline pages with "more", as the customer's does.
	for i := range 20 {
		if _, _, err := s.Touchpoints.Record(sys, touchpoint.EventInput{Type: "note", Channel: "other",
			Customer: crm.CustomerRef{ContactID: &c.buyer}, Properties: []byte(`{"note":"追蹤 ` + idStr(int64(i)) + `"}`)}); err != nil {
			t.Fatal(err)
		}
	}
	tlMore := regexp.MustCompile(`hx-get="(/companies/\d+/timeline\?cursor=[^"]+)"`).FindStringSubmatch(b.get(co).Body)
	if tlMore == nil {
		t.Fatal("no more button on the company's timeline")
	}
	p = b.get(strings.ReplaceAll(tlMore[1], "&amp;", "&"), "HX-Request", "true")
	expect(t, p, 200, "談到 MES 整合", `<span class="who"><a href="/customers/`+idStr(c.cto)+`">陳怡君</a></span>`)
	if strings.Contains(p.Body, "<html") || strings.Contains(p.Body, "追蹤 19") {
		t.Errorf("the company timeline's second page is not the older items alone:\n%s", p.Body)
	}

	// An agent sees a colleague's company as a basic card: no timeline.
	agent := newBrowser(t, s, "en")
	agent.signIn("agent@example.com", password)
	p = agent.get(co)
	expect(t, p, 200, "宏達精密工業", "basic card only", "for its owners")
	for _, hidden := range []string{"談到 MES 整合", "產線自動化專案"} {
		if strings.Contains(p.Body, hidden) {
			t.Errorf("an agent sees %q on a colleague's company", hidden)
		}
	}
	expect(t, agent.get(co+"/timeline?cursor=x", "HX-Request", "true"), http.StatusForbidden, `role="alert"`)
	expect(t, b.get("/companies/999999"), http.StatusNotFound)
}

// TestMergeScreen creates a customer whose email exists, follows the
// warning to the merge screen, keeps a value of each record and merges, on
// each store; the merged record's timeline shows on the survivor. An agent
// who may not change one of the two gets a readable refusal.
func TestMergeScreen(t *testing.T) {
	for _, engine := range testenv.AvailableEngines(t) {
		t.Run(engine, func(t *testing.T) { testMergeScreen(t, engine) })
	}
}

func testMergeScreen(t *testing.T, engine string) {
	s := startServerOn(t, engine)
	sys := crm.WithPrincipal(context.Background(), crm.System)
	b := newBrowser(t, s, "en")
	b.signIn("owner@example.com", password)
	p := b.post("/customers", url.Values{"family_name": {"王"}, "given_name": {"小明"}, "emails[0].address": {"ming@example.com"},
		"lifecycle_stage": {"customer"}, "address.city": {"台北市"}})
	first := customerURL.FindStringSubmatch(p.Location)
	if first == nil {
		t.Fatalf("create: %d %s\n%s", p.Status, p.Location, p.Body)
	}
	a := first[1]

	// The same email again: a warning with the existing record, and the
	// choice to save anyway or save and merge.
	dup := url.Values{"family_name": {"王"}, "given_name": {"曉明"}, "emails[0].address": {"MING@example.com"},
		"phones[0].number": {"0912-345-678"}, "lifecycle_stage": {"lead"}, "address.city": {"新北市"}}
	p = b.post("/customers", dup)
	expect(t, p, http.StatusConflict, "already exists", `href="/customers/`+a+`" id="open-existing"`, `id="duplicate-choice"`,
		`name="duplicate_of" value="`+a+`"`, "Save and merge with 王小明", `id="save-anyway"`, `The existing record: <a href="/customers/`+a+`">王小明</a>`)
	if strings.Index(p.Body, `id="save"`) > strings.Index(p.Body, `id="save-merge"`) {
		t.Error("a duplicate's choices come before the plain save, which Enter should press")
	}
	dup.Set("duplicate", "merge")
	dup.Set("duplicate_of", a)
	p = b.post("/customers", dup)
	m := regexp.MustCompile(`^/customers/` + a + `/merge\?with=(\d+)$`).FindStringSubmatch(p.Location)
	if p.Status != http.StatusSeeOther || m == nil {
		t.Fatalf("save and merge: %d %s\n%s", p.Status, p.Location, p.Body)
	}
	other, mergeScreen := m[1], p.Location
	otherID, _ := strconv.ParseInt(other, 10, 64)
	if _, _, err := s.Touchpoints.Record(sys, touchpoint.EventInput{Type: "note", Channel: "other",
		Customer: crm.CustomerRef{ContactID: &otherID}, Properties: []byte(`{"note":"喜歡 LINE 聯絡"}`)}); err != nil {
		t.Fatal(err)
	}

	// The picker finds the other record by a search, and suggests it as a
	// likely duplicate.
	p = b.get("/customers/" + a + "/merge?with=" + url.QueryEscape("曉明"))
	expect(t, p, 200, `id="merge-with"`, `id="merge-found"`, `id="merge-suggested"`, `href="?with=`+other+`"`)
	expect(t, b.get("/customers/"+a+"/merge?with="+a), 200, "cannot be merged with itself")

	// The two side by side; where they differ, a choice.
	p = b.get(mergeScreen)
	expect(t, p, 200, "Merge two records", "王小明", "王曉明", `name="pick.given_name" value="a" id="pick-given_name-a" aria-describedby="field-given_name merge-a" checked`,
		`name="pick.given_name" value="b"`, `name="pick.lifecycle_stage" value="b"`, "Lead", "Customer",
		`name="pick.address" value="b"`, "新北市", "ming@example.com", "&#43;886912345678", `name="with" value="`+other+`"`, `href="/customers/`+other+`/merge?with=`+a+`" id="merge-swap"`)
	if strings.Contains(p.Body, `name="pick.family_name"`) {
		t.Error("a field both records hold alike offers a choice")
	}
	if strings.Contains(p.Body, `name="pick.display_name"`) {
		t.Error("display names made from the names offer a choice: they follow the names")
	}
	version := regexp.MustCompile(`name="version" value="(\d+)"`).FindStringSubmatch(p.Body)
	if version == nil {
		t.Fatal("no version on the merge form")
	}
	// The given name of the new record, the stage and address of the old.
	p = b.post("/customers/"+a+"/merge", url.Values{"with": {other}, "version": {version[1]},
		"pick.given_name": {"b"}, "pick.lifecycle_stage": {"a"}, "pick.address": {"a"}, "pick.family_name": {"b"}})
	if p.Status != http.StatusSeeOther || p.Location != "/customers/"+a+"?merged="+other {
		t.Fatalf("merge: %d %s\n%s", p.Status, p.Location, p.Body)
	}
	aID, _ := strconv.ParseInt(a, 10, 64)
	got, err := s.Customers.GetContact(sys, aID)
	if err != nil {
		t.Fatal(err)
	}
	if got.GivenName != "曉明" || got.LifecycleStage != customer.StageCustomer || got.Address.City != "台北市" || len(got.Phones) != 1 || got.DisplayName != "王曉明" {
		t.Errorf("the survivor is %+v: want the given name picked from the other (and the display name following it), its own stage and city, the other's phone", got.ContactFields)
	}
	gone, err := s.Customers.GetContact(sys, otherID)
	if err != nil {
		t.Fatal(err)
	}
	if gone.MergedIntoID == nil || *gone.MergedIntoID != aID {
		t.Errorf("the merged record points to %v, want %d", gone.MergedIntoID, aID)
	}
	p = b.get(p.Location)
	expect(t, p, 200, "Customer #"+other+" was merged into this record.", "喜歡 LINE 聯絡", "Merged with a duplicate", "&#43;886912345678")
	expect(t, b.get("/customers/"+other), 200, "This record was merged into", `href="/customers/`+a+`"`)

	// Editing another record to take the email offers to merge the two.
	third := customerURL.FindStringSubmatch(b.post("/customers", url.Values{"family_name": {"周"}, "given_name": {"明"}}).Location)
	if third == nil {
		t.Fatal("creating a third customer failed")
	}
	p = b.post("/customers/"+third[1], url.Values{"version": {"1"}, "family_name": {"周"}, "given_name": {"明"}, "emails[0].address": {"ming@example.com"}})
	expect(t, p, http.StatusConflict, `href="/customers/`+third[1]+`/merge?with=`+a+`" id="duplicate-merge-link"`)
	if strings.Contains(p.Body, `id="duplicate-choice"`) {
		t.Error("an edit offers to save a new customer")
	}

	// An agent may merge only records they may change: a readable 403.
	agentID := userID(t, s, "agent@example.com")
	mine, err := s.Customers.CreateContact(sys, customer.ContactFields{FamilyName: "李", GivenName: "大同", OwnerID: &agentID}, customer.WriteOptions{Source: "test"})
	if err != nil {
		t.Fatal(err)
	}
	agent := newBrowser(t, s, "en")
	agent.signIn("agent@example.com", password)
	expect(t, agent.get("/customers/"+idStr(mine.ID)+"/merge"), 200, `id="merge-with"`)
	expect(t, agent.get("/customers/"+idStr(mine.ID)+"/merge?with="+a), http.StatusForbidden, "You do not have permission")
	expect(t, agent.post("/customers/"+idStr(mine.ID)+"/merge", url.Values{"with": {a}, "version": {"1"}}), http.StatusForbidden, "You do not have permission")
	if c, err := s.Customers.GetContact(sys, aID); err != nil || c.MergedIntoID != nil || c.DeletedAt != nil {
		t.Errorf("the refused merge changed the owner's record: %v %+v", err, c)
	}
	// A viewer is offered no merge at all.
	viewer := newBrowser(t, s, "en")
	viewer.signIn("viewer@example.com", password)
	if p := viewer.get("/customers/" + a); strings.Contains(p.Body, "/merge") {
		t.Error("a viewer's 360 page links the merge screen")
	}
	expect(t, viewer.get("/customers/"+a+"/merge"), http.StatusForbidden)
}
