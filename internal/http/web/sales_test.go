package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/sales"
	"github.com/guanxi-crm/guanxi/internal/testenv"
)

// salesSeed is a pipeline with the default stages and two deals: one of
// the agent's, with products, people and a company, and one of the
// owner's.
type salesSeed struct {
	pipeline            *sales.Pipeline
	agentDeal, ownDeal  *sales.Deal
	contactID, agentID  int64
	open1, open2, won   sales.Stage
	lost                sales.Stage
	companyID, viewerID int64
}

func userID(t *testing.T, s *testenv.Server, email string) int64 {
	t.Helper()
	p, err := s.Accounts.PrincipalFor(crm.WithPrincipal(context.Background(), crm.System), email)
	if err != nil {
		t.Fatal(err)
	}
	return p.UserID
}

func seedSales(t *testing.T, s *testenv.Server) *salesSeed {
	t.Helper()
	sys := crm.WithPrincipal(context.Background(), crm.System)
	pl, err := s.Sales.CreatePipeline(sys, sales.PipelineInput{Name: "B2B 企業"})
	if err != nil {
		t.Fatal(err)
	}
	seed := &salesSeed{pipeline: pl, agentID: userID(t, s, "agent@example.com"), viewerID: userID(t, s, "viewer@example.com")}
	seed.open1, seed.open2, seed.won, seed.lost = pl.Stages[0], pl.Stages[1], pl.Stages[4], pl.Stages[5]
	c, err := s.Customers.CreateContact(sys, customer.ContactFields{FamilyName: "陳", GivenName: "志明", OwnerID: &seed.agentID}, customer.WriteOptions{Source: "test"})
	if err != nil {
		t.Fatal(err)
	}
	seed.contactID = c.ID
	co, err := s.Customers.CreateCompany(sys, customer.CompanyFields{Name: "台積電子股份有限公司", OwnerID: &seed.agentID})
	if err != nil {
		t.Fatal(err)
	}
	seed.companyID = co.ID
	seed.agentDeal, err = s.Sales.CreateDeal(sys, sales.DealInput{DealFields: sales.DealFields{Name: "伺服器採購案", OwnerID: &seed.agentID,
		ExpectedCloseOn: "2099-03-31", NextStep: "寄送報價", CompanyID: &co.ID,
		Contacts: []sales.DealContact{{ContactID: c.ID, Role: "decision_maker"}},
		Lines:    []sales.DealLine{{SKU: "SRV-1", Name: "機架伺服器", Quantity: 2, UnitPrice: 12345000, Discount: 90000}}}})
	if err != nil {
		t.Fatal(err)
	}
	owner := userID(t, s, "owner@example.com")
	seed.ownDeal, err = s.Sales.CreateDeal(sys, sales.DealInput{DealFields: sales.DealFields{Name: "Annual licence", OwnerID: &owner, Amount: 500000}})
	if err != nil {
		t.Fatal(err)
	}
	return seed
}

func idStr(n int64) string { return strconv.FormatInt(n, 10) }

// TestPipeline walks the sales screens as an admin, on each store: the
// board with its columns, totals and cards; moving a deal as a plain form
// and as the board's script does; a stale move and a lost one without a
// reason; the deal page with its products, people, history and quotes; the
// forecast.
func TestPipeline(t *testing.T) {
	for _, engine := range testenv.AvailableEngines(t) {
		t.Run(engine, func(t *testing.T) { testPipeline(t, engine) })
	}
}

func testPipeline(t *testing.T, engine string) {
	s := startServerOn(t, engine)
	b := newBrowser(t, s, "en")
	b.signIn("owner@example.com", password)
	expect(t, b.get("/pipeline"), 200, "There is no pipeline yet.", `<a href="/pipeline" aria-current="page">Pipeline</a>`)
	seed := seedSales(t, s)
	deal := seed.agentDeal
	board := "/pipeline?pipeline=" + idStr(seed.pipeline.ID)

	// The board: a column per stage, the card with its figures, its
	// handle and its menu; the column's total in the locale's money.
	p := b.get("/pipeline")
	expect(t, p, 200, `<h2 id="stage-`+idStr(seed.open1.ID)+`-h">Qualified</h2>`, "Needs analysis", "Won", "Lost",
		`id="deal-`+idStr(deal.ID)+`"`, `draggable="true"`, "伺服器採購案", "NT$246,000.00", "Agent", "31 Mar 2099", "寄送報價",
		"2 deals", "NT$251,000.00", "10% chance", "weighted NT$25,100.00",
		`<form class="move-form" method="post" action="/deals/`+idStr(deal.ID)+`/move">`, `name="version" value="1"`,
		`<option value="`+idStr(seed.lost.ID)+`" data-kind="lost">Lost</option>`, `id="lost-dialog"`, "pipeline.js")
	if strings.Contains(p.Body, `<option value="`+idStr(seed.open1.ID)+`" data-kind`) {
		t.Error("a card offers to move to its own stage")
	}

	// A plain form moves the deal and comes back to the board, which says
	// what happened.
	p = b.post("/deals/"+idStr(deal.ID)+"/move", url.Values{"stage_id": {idStr(seed.open2.ID)}, "version": {"1"}, "back": {board}})
	if p.Status != http.StatusSeeOther || p.Location != "/pipeline?moved="+idStr(deal.ID)+"&pipeline="+idStr(seed.pipeline.ID) {
		t.Fatalf("move: %d %s\n%s", p.Status, p.Location, p.Body)
	}
	p = b.get(p.Location)
	expect(t, p, 200, "“伺服器採購案” is now in Needs analysis.", `name="version" value="2"`)
	if col := column(t, p.Body, seed.open2.ID); !strings.Contains(col, "伺服器採購案") || !strings.Contains(col, "1 deal") {
		t.Errorf("the deal is not in its new column:\n%s", col)
	}

	// A move at an old version is refused: for the script, as an alert
	// (the card goes back); for a plain form, on the deal page.
	hx := []string{"HX-Request", "true", "HX-Target", "board"}
	p = b.post("/deals/"+idStr(deal.ID)+"/move", url.Values{"stage_id": {idStr(seed.open1.ID)}, "version": {"1"}, "pipeline": {idStr(seed.pipeline.ID)}}, hx...)
	expect(t, p, http.StatusPreconditionFailed, `role="alert"`, "This record was changed by someone else")
	if p.Header.Get("HX-Retarget") != "#flash" || strings.Contains(p.Body, "<html") {
		t.Errorf("a refused move answers the script with %q and a page", p.Header.Get("HX-Retarget"))
	}
	p = b.post("/deals/"+idStr(deal.ID)+"/move", url.Values{"stage_id": {idStr(seed.open1.ID)}, "version": {"1"}, "back": {board}})
	expect(t, p, http.StatusPreconditionFailed, `id="move-errors"`, "This record was changed by someone else", `name="back" value="/pipeline?pipeline=`)

	// The script's move: the board drawn again, with the card's version.
	p = b.post("/deals/"+idStr(deal.ID)+"/move", url.Values{"stage_id": {idStr(seed.pipeline.Stages[2].ID)}, "version": {"2"}, "pipeline": {idStr(seed.pipeline.ID)}}, hx...)
	expect(t, p, 200, `id="board"`, `data-message="“伺服器採購案” is now in Proposal."`, `data-moved="`+idStr(deal.ID)+`"`, `name="version" value="3"`)
	if strings.Contains(p.Body, "<html") {
		t.Error("the script's move answers with a whole page")
	}

	// Lost needs a reason: without one, the deal page asks for it.
	p = b.post("/deals/"+idStr(deal.ID)+"/move", url.Values{"stage_id": {idStr(seed.lost.ID)}, "version": {"3"}, "back": {board}})
	expect(t, p, http.StatusUnprocessableEntity, `id="deal-move-reason-error"`, "Say why the deal was lost.", `aria-invalid="true"`,
		`<option value="`+idStr(seed.lost.ID)+`" data-kind="lost" selected>Lost</option>`)
	p = b.post("/deals/"+idStr(deal.ID)+"/move", url.Values{"stage_id": {idStr(seed.lost.ID)}, "version": {"3"}, "pipeline": {idStr(seed.pipeline.ID)}}, hx...)
	expect(t, p, http.StatusUnprocessableEntity, `role="alert"`, "Say why the deal was lost.")
	p = b.post("/deals/"+idStr(deal.ID)+"/move", url.Values{"stage_id": {idStr(seed.lost.ID)}, "version": {"3"}, "lost_reason": {"預算凍結"}, "pipeline": {idStr(seed.pipeline.ID)}}, hx...)
	expect(t, p, 200, "is now in Lost.")
	if col := column(t, p.Body, seed.lost.ID); !strings.Contains(col, "伺服器採購案") {
		t.Errorf("the lost column lacks the deal:\n%s", col)
	}
	// Back to an open stage from the deal page's control.
	p = b.post("/deals/"+idStr(deal.ID)+"/move", url.Values{"stage_id": {idStr(seed.pipeline.Stages[2].ID)}, "version": {"4"}})
	if p.Status != http.StatusSeeOther || p.Location != "/deals/"+idStr(deal.ID)+"?moved="+idStr(deal.ID) {
		t.Fatalf("move from the deal page: %d %s", p.Status, p.Location)
	}

	// The deal page.
	p = b.get(p.Location)
	expect(t, p, 200, "<title>伺服器採購案 · Guanxi 關係</title>", "The deal is now in Proposal.", `id="deal-stage">Proposal<`,
		"NT$246,000.00", "機架伺服器", "NT$123,450.00", "−NT$900.00", `href="/customers/`+idStr(seed.contactID)+`">陳志明</a>`, "Decision maker",
		"台積電子股份有限公司", "寄送報價", "Created in Qualified", "Qualified → <strong>Needs analysis</strong>", "reopened", "Owner",
		`id="deal-move-stage"`, "Proposal (now)", "Reason, when moving to Lost", "No quotes yet.", `id="make-quote"`,
		`<a href="/pipeline?pipeline=`+idStr(seed.pipeline.ID)+`" id="to-board">`, `<a href="/pipeline" aria-current="page">Pipeline</a>`)

	// Quotes: make one, open its printable page with the session, send
	// it, accept it and mark the deal won.
	p = b.post("/deals/"+idStr(deal.ID)+"/quotes", url.Values{"valid_until": {"2000-01-01"}})
	expect(t, p, http.StatusUnprocessableEntity, `id="quote-errors"`, "Valid until: ")
	p = b.post("/deals/"+idStr(deal.ID)+"/quotes", url.Values{"terms": {"30 天內付款"}})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("make a quote: %d\n%s", p.Status, p.Body)
	}
	p = b.get(p.Location)
	number := regexp.MustCompile(`Quote (Q-\d+) is made\.`).FindStringSubmatch(p.Body)
	if number == nil {
		t.Fatalf("no quote made:\n%s", p.Body)
	}
	quoteID := regexp.MustCompile(`href="/api/v1/quotes/(\d+)/document"`).FindStringSubmatch(p.Body)
	expect(t, p, 200, "Draft", "Mark as sent", "NT$246,000.00")
	doc := b.get("/api/v1/quotes/" + quoteID[1] + "/document")
	expect(t, doc, 200, number[1], "機架伺服器", "30 天內付款")
	p = b.post("/quotes/"+quoteID[1]+"/decide", url.Values{"status": {"sent"}, "version": {"1"}})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("send: %d\n%s", p.Status, p.Body)
	}
	expect(t, b.get(p.Location), 200, "Quote "+number[1]+" is now “Sent”.", "Mark as accepted", "Mark as rejected", "and mark the deal won")
	expect(t, b.post("/quotes/"+quoteID[1]+"/decide", url.Values{"status": {"accepted"}, "version": {"1"}}), http.StatusPreconditionFailed,
		`id="quote-errors"`, "changed by someone else")
	p = b.post("/quotes/"+quoteID[1]+"/decide", url.Values{"status": {"accepted"}, "mark_won": {"1"}, "version": {"2"}})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("accept: %d\n%s", p.Status, p.Body)
	}
	p = b.get(p.Location)
	expect(t, p, 200, "is now “Accepted”.", `id="deal-status">Won<`, `id="deal-stage">Won<`)
	if strings.Contains(p.Body, `id="make-quote"`) {
		t.Error("a won deal offers a new quote")
	}

	// The forecast: this quarter by default; the deal won now is committed.
	p = b.get("/forecast")
	expect(t, p, 200, "(this quarter)", `id="fc-committed">NT$246,000.00<`, "Fixed probability", "Observed", "Qualified", "10%",
		`id="kpi-won">1<`, "Win rate", `<a href="/forecast" aria-current="page">Forecast</a>`)
	expect(t, b.get("/forecast?period=2099-Q1&pipeline="+idStr(seed.pipeline.ID)+"&owner="+idStr(seed.agentID)), 200, "Q1 2099", `id="fc-committed">NT$0.00<`)
	expect(t, b.get("/forecast?period=soon"), http.StatusUnprocessableEntity)
	expect(t, b.get("/forecast?pipeline=999999"), http.StatusNotFound)

	// With several pipelines, a picker; the forecast of all names each
	// stage's pipeline.
	sys := crm.WithPrincipal(context.Background(), crm.System)
	retail, err := s.Sales.CreatePipeline(sys, sales.PipelineInput{Name: "Retail"})
	if err != nil {
		t.Fatal(err)
	}
	expect(t, b.get("/pipeline"), 200, `<select id="board-pipeline" name="pipeline" data-autosubmit>`,
		`<option value="`+idStr(seed.pipeline.ID)+`" selected>B2B 企業</option>`, `<option value="`+idStr(retail.ID)+`">Retail</option>`)
	p = b.get("/pipeline?pipeline=" + idStr(retail.ID))
	expect(t, p, 200, `<option value="`+idStr(retail.ID)+`" selected>Retail</option>`, "No deals")
	if strings.Contains(p.Body, "伺服器採購案") {
		t.Error("the board of another pipeline shows the deal")
	}
	expect(t, b.get("/forecast"), 200, "B2B 企業 · Qualified", "Retail · Qualified")

	// In Chinese, with the locale's money and dates.
	zh := newBrowser(t, s, "zh-TW")
	zh.signIn("owner@example.com", password)
	expect(t, zh.get(board), 200, "銷售管道", "移至…", "Annual licence", "$5,000.00", "拖曳至此即標記為成交")
	expect(t, zh.get("/deals/"+idStr(deal.ID)), 200, "決策者", "階段紀錄", "報價單", "已接受", "成交")
	expect(t, zh.get("/forecast"), 200, "業績預測", "（本季）", "固定機率", "實際轉換率")
}

// column is the markup of a stage's column on the board.
func column(t *testing.T, body string, stageID int64) string {
	t.Helper()
	start := strings.Index(body, `id="stage-`+idStr(stageID)+`"`)
	if start < 0 {
		t.Fatalf("no column of stage %d", stageID)
	}
	end := strings.Index(body[start:], "</section>")
	return body[start : start+end]
}

// TestPipelinePermissions checks that the sales screens show what the
// service allows: an agent sees and moves their own deals only; a viewer
// sees every deal and moves none.
func TestPipelinePermissions(t *testing.T) {
	s := startServer(t)
	seed := seedSales(t, s)

	agent := newBrowser(t, s, "en")
	agent.signIn("agent@example.com", password)
	p := agent.get("/pipeline")
	expect(t, p, 200, "伺服器採購案", `draggable="true"`, "Move to…")
	if strings.Contains(p.Body, "Annual licence") {
		t.Error("an agent sees a colleague's deal on the board")
	}
	expect(t, agent.get("/deals/"+idStr(seed.ownDeal.ID)), http.StatusForbidden)
	expect(t, agent.post("/deals/"+idStr(seed.ownDeal.ID)+"/move", url.Values{"stage_id": {idStr(seed.open2.ID)}}), http.StatusForbidden)
	expect(t, agent.get("/deals/"+idStr(seed.agentDeal.ID)), 200, `id="deal-move-stage"`, `id="make-quote"`)
	p = agent.get("/forecast")
	expect(t, p, 200, `<option value="`+idStr(seed.agentID)+`">Agent</option>`)
	if strings.Contains(p.Body, ">Owner</option>") {
		t.Error("an agent is offered a colleague as owner in the forecast")
	}

	viewer := newBrowser(t, s, "en")
	viewer.signIn("viewer@example.com", password)
	p = viewer.get("/pipeline")
	expect(t, p, 200, "伺服器採購案", "Annual licence", "You can see these deals but not move them.")
	if strings.Contains(p.Body, `draggable="true"`) || strings.Contains(p.Body, `class="move-form"`) || strings.Contains(p.Body, `class="grip"`) {
		t.Error("a viewer is offered to move deals")
	}
	p = viewer.get("/deals/" + idStr(seed.agentDeal.ID))
	expect(t, p, 200, "伺服器採購案")
	if strings.Contains(p.Body, `id="deal-move-stage"`) || strings.Contains(p.Body, `id="make-quote"`) {
		t.Error("a viewer is offered to move the deal or make a quote")
	}
	expect(t, viewer.post("/deals/"+idStr(seed.agentDeal.ID)+"/move", url.Values{"stage_id": {idStr(seed.open2.ID)}}), http.StatusForbidden)
	expect(t, viewer.post("/deals/"+idStr(seed.agentDeal.ID)+"/quotes", nil), http.StatusForbidden)

	// Bad addresses are pages, not server errors.
	expect(t, viewer.get("/deals/999999"), http.StatusNotFound)
	expect(t, viewer.get("/deals/abc"), http.StatusNotFound)
	expect(t, viewer.get("/pipeline?pipeline=999999"), http.StatusNotFound)
	expect(t, viewer.get("/pipeline?owner=x"), http.StatusUnprocessableEntity)
}
