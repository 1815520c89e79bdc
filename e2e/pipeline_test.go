package e2e_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/i18n"
	"github.com/guanxi-crm/guanxi/internal/sales"
	"github.com/guanxi-crm/guanxi/internal/testenv"
)

// TestPipelineUI drags a deal to the next stage of the kanban board, moves
// it again with the keyboard, loses another through the reason dialog,
// sees a stale move refused, then makes, sends and accepts a quote on the
// deal page and looks at the forecast: in English on the first store and
// in Traditional Chinese on the last (PostgreSQL where it answers), and on
// a phone.
func TestPipelineUI(t *testing.T) {
	browserCtx := startBrowser(t)
	engines := testenv.AvailableEngines(t)
	for _, j := range journeys(engines) {
		t.Run("pipeline/"+j.lang+"/"+j.engine, func(t *testing.T) {
			s := testenv.StartServer(t, j.engine)
			seed(t, s)
			seedAdmin(t, s)
			admin, err := s.Accounts.PrincipalFor(crm.WithPrincipal(context.Background(), crm.System), adminEmail)
			if err != nil {
				t.Fatal(err)
			}
			b := seedBoard(t, s, j.lang, admin.UserID)
			u := newTab(t, browserCtx, s, j.lang, j.acceptLanguage, "pipeline-"+j.lang, 0, 0)
			u.signInAs(adminEmail, adminPassword)
			u.dragToNextStage(b)
			u.moveWithTheKeyboard(b)
			u.loseThroughTheDialog(b)
			u.staleMoveGoesBack(b)
			u.quoteOnTheDealPage(b)
			u.lookAtTheForecast()
		})
	}
	t.Run("pipeline-phone-375px", func(t *testing.T) {
		s := testenv.StartServer(t, engines[0])
		me := seed(t, s)
		b := seedBoard(t, s, i18n.Traditional, me)
		u := newTab(t, browserCtx, s, i18n.Traditional, "zh-TW", "pipeline-phone", 375, 740)
		u.signIn()
		u.pipelineOnAPhone(b)
	})
}

// board is what seedBoard made: a pipeline and three deals.
type board struct {
	pipeline        *sales.Pipeline
	stages          []sales.Stage // open ones, then won, then lost
	main, other, ex *sales.Deal   // the deal moved, one lost, one changed elsewhere
}

func (b *board) stage(i int) string { return strconv.FormatInt(b.stages[i].ID, 10) }

func dealID(d *sales.Deal) string { return strconv.FormatInt(d.ID, 10) }

// seedBoard adds a pipeline with stages named in the language and three
// deals in its first stage, owned by owner.
func seedBoard(t *testing.T, s *testenv.Server, lang string, owner int64) *board {
	t.Helper()
	sys := crm.WithPrincipal(context.Background(), crm.System)
	names := []string{"Qualified", "Needs analysis", "Proposal", "Negotiation", "Won", "Lost"}
	title := "Enterprise sales"
	if lang != i18n.English {
		names = []string{"初步接洽", "需求分析", "提案報價", "議價協商", "成交", "失敗"}
		title = "企業客戶銷售"
	}
	in := sales.PipelineInput{Name: title}
	for i, n := range names {
		st := sales.StageInput{Name: n}
		switch i {
		case 4:
			st.Kind = sales.KindWon
		case 5:
			st.Kind = sales.KindLost
		default:
			p := []int{10, 25, 50, 75}[i]
			st.Probability = &p
		}
		in.Stages = append(in.Stages, st)
	}
	pl, err := s.Sales.CreatePipeline(sys, in)
	if err != nil {
		t.Fatal(err)
	}
	ownerID := &owner
	c, err := s.Customers.CreateContact(sys, customer.ContactFields{FamilyName: "周", GivenName: "杰倫", OwnerID: ownerID,
		Emails: []customer.Email{{Address: "jay@example.com"}}}, customerWrite)
	if err != nil {
		t.Fatal(err)
	}
	deal := func(name string, f sales.DealFields) *sales.Deal {
		f.Name, f.OwnerID = name, ownerID
		d, err := s.Sales.CreateDeal(sys, sales.DealInput{DealFields: f, PipelineID: pl.ID})
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	b := &board{pipeline: pl, stages: pl.Stages}
	b.other = deal("辦公椅 50 張", sales.DealFields{Amount: 4500000, ExpectedCloseOn: "2099-06-30"})
	b.ex = deal("Warehouse scanners", sales.DealFields{Amount: 1250000})
	b.main = deal("雲端備份方案", sales.DealFields{ExpectedCloseOn: "2099-05-15", NextStep: "Demo on Friday 週五展示",
		Contacts: []sales.DealContact{{ContactID: c.ID, Role: "decision_maker"}},
		Lines:    []sales.DealLine{{SKU: "BK-100", Name: "備份授權", Quantity: 12, UnitPrice: 360000, Discount: 120000}}})
	return b
}

// waitForBoard waits until the board shows the deal's card in a stage's
// column, drawn by the server (not moving any more).
func (u *ui) waitForCard(what string, d *sales.Deal, stage string) {
	u.t.Helper()
	u.waitFor(what, `(() => { const c = document.querySelector('#stage-`+stage+` #deal-`+dealID(d)+`');
		return !!c && !c.classList.contains('moving'); })()`)
}

// dragToNextStage drags the deal's card by its handle onto the next
// column: Chromium runs the page's HTML5 drag and drop (dragstart, dragover,
// drop), the script posts the move and draws the board the server answers.
// After a reload the card is still there.
func (u *ui) dragToNextStage(b *board) {
	u.t.Helper()
	u.do("opening the pipeline", chromedp.Click(chromedp.CSS(`nav a[href="/pipeline"]`)), chromedp.WaitVisible(chromedp.ID("board")))
	u.ready()
	u.waitFor("the board's script", `!!document.querySelector('#deal-`+dealID(b.main)+`[draggable="true"] .grip')`)
	if got := u.text("stage-" + b.stage(0) + "-sum"); !strings.Contains(got, i18n.Message(u.lang, "pipeline.deals", map[string]any{"n": "3"})) {
		u.t.Errorf("the first column sums up %q", got)
	}
	u.checkPage("board")
	u.do("dragging the deal to the next stage",
		chromedp.DragAndDrop(chromedp.CSS(`#deal-`+dealID(b.main)+` .grip`), chromedp.ID("stage-"+b.stage(1))))
	u.waitForCard("the card in the next column", b.main, b.stage(1))
	u.waitFor("the board drawn again", `document.getElementById('board').dataset.moved === '`+dealID(b.main)+`'`)
	want := i18n.Message(u.lang, "pipeline.moved", map[string]any{"deal": b.main.Name, "stage": b.stages[1].Name})
	if got := u.text("board-status"); got != want {
		u.t.Errorf("after the drop the board says %q, want %q", got, want)
	}
	u.checkPage("board-dragged")
	u.do("reloading", chromedp.Reload(), chromedp.WaitVisible(chromedp.ID("board")))
	u.waitForCard("the card still in the next column", b.main, b.stage(1))
	if got := u.text("stage-" + b.stage(1) + "-sum"); !strings.Contains(got, i18n.Message(u.lang, "pipeline.deals_one", map[string]any{"n": "1"})) {
		u.t.Errorf("after the reload the second column sums up %q", got)
	}
}

// moveWithTheKeyboard moves the deal on with its "Move to" menu: focus,
// arrow keys, Tab to the button, Enter. The focus comes back to the card's
// menu in its new column.
func (u *ui) moveWithTheKeyboard(b *board) {
	u.t.Helper()
	u.ready()
	menu := "move-" + dealID(b.main)
	u.do("focusing the card's menu", chromedp.Focus(chromedp.ID(menu)))
	for i := 0; i < 6 && run(u, "reading the menu", chromedp.Value(chromedp.ID(menu))) != b.stage(2); i++ {
		u.do("pressing the down arrow", chromedp.KeyEvent(kb.ArrowDown))
	}
	if got := run(u, "reading the menu", chromedp.Value(chromedp.ID(menu))); got != b.stage(2) {
		u.t.Fatalf("the arrow keys chose %q, want the stage %s", got, b.stage(2))
	}
	u.do("tabbing to the button and pressing Enter", chromedp.KeyEvent("\t"), chromedp.KeyEvent(kb.Enter))
	u.waitForCard("the card moved with the keyboard", b.main, b.stage(2))
	u.waitFor("the focus back on the card's menu", `document.activeElement && document.activeElement.id === '`+menu+`'`)
	u.checkPage("board-keyboard")
}

// loseThroughTheDialog drops a deal on the lost column: a dialog asks why.
// Cancelled, the card goes back; answered, the deal is lost.
func (u *ui) loseThroughTheDialog(b *board) {
	u.t.Helper()
	lost := b.stage(5)
	card := `#deal-` + dealID(b.other) + ` .grip`
	u.do("dragging a deal to lost", chromedp.DragAndDrop(chromedp.CSS(card), chromedp.ID("stage-"+lost)))
	u.waitFor("the dialog", `document.getElementById('lost-dialog').open && document.activeElement.id === 'lost-reason'`)
	u.checkPage("lost-dialog")
	u.do("cancelling", chromedp.Click(chromedp.ID("lost-cancel")))
	u.waitForCard("the card back in its column", b.other, b.stage(0))
	u.do("dragging the deal to lost again", chromedp.DragAndDrop(chromedp.CSS(card), chromedp.ID("stage-"+lost)))
	u.waitFor("the dialog again", `document.getElementById('lost-dialog').open`)
	u.do("saying why", chromedp.SendKeys(chromedp.ID("lost-reason"), "預算不足 budget cut"), chromedp.Click(chromedp.ID("lost-submit")))
	u.waitForCard("the card in the lost column", b.other, lost)
	d, err := u.s.Sales.GetDeal(crm.WithPrincipal(context.Background(), crm.System), b.other.ID)
	if err != nil {
		u.t.Fatal(err)
	}
	if d.Status != sales.StatusLost || d.LostReason != "預算不足 budget cut" {
		u.t.Errorf("the deal is %s, lost because %q", d.Status, d.LostReason)
	}
}

// staleMoveGoesBack moves a deal someone else moved meanwhile: the card
// goes back and the page says why.
func (u *ui) staleMoveGoesBack(b *board) {
	u.t.Helper()
	sys := crm.WithPrincipal(context.Background(), crm.System)
	if _, err := u.s.Sales.UpdateDeal(sys, b.ex.ID, 0, func(f *sales.DealFields) error { f.NextStep = "Call back"; return nil }); err != nil {
		u.t.Fatal(err)
	}
	u.do("dragging a deal changed elsewhere",
		chromedp.DragAndDrop(chromedp.CSS(`#deal-`+dealID(b.ex)+` .grip`), chromedp.ID("stage-"+b.stage(1))))
	u.waitFor("the refusal", `!!document.querySelector('#flash [role=alert]')`)
	u.waitForCard("the card back where it was", b.ex, b.stage(0))
	want := i18n.Message(u.lang, "stale_version", map[string]any{"current_version": 2})
	if got := u.text("flash"); !strings.Contains(got, want) {
		u.t.Errorf("the refusal says %q, want %q", got, want)
	}
	if active := run(u, "reading the focus", chromedp.Evaluate[string](`document.activeElement.getAttribute('role') || ''`)); active != "alert" {
		u.t.Errorf("the focus is on %q, not on the alert", active)
	}
	u.checkPage("board-stale")
}

// quoteOnTheDealPage opens the deal, makes a quote, sends it and accepts
// it, marking the deal won.
func (u *ui) quoteOnTheDealPage(b *board) {
	u.t.Helper()
	u.do("opening the deal", chromedp.Click(chromedp.CSS(`#deal-`+dealID(b.main)+` a.deal-name`)), chromedp.WaitVisible(chromedp.ID("deal-name")))
	if got := u.text("deal-stage"); got != b.stages[2].Name {
		u.t.Errorf("the deal page says the stage is %q", got)
	}
	if got := u.text("stage-history"); !strings.Contains(got, b.stages[0].Name+" → "+b.stages[1].Name) || !strings.Contains(got, b.stages[1].Name+" → "+b.stages[2].Name) {
		u.t.Errorf("the stage history says %q", got)
	}
	if got := u.text("deal-contacts"); !strings.Contains(got, "周杰倫") || !strings.Contains(got, u.msg("buying_role.decision_maker")) {
		u.t.Errorf("the people are %q", got)
	}
	u.checkPage("deal")
	u.do("making a quote", chromedp.Click(chromedp.ID("make-quote-submit")), chromedp.WaitVisible(chromedp.ID("quote-list")))
	id := run(u, "reading the quote", chromedp.Evaluate[string](`document.querySelector('#quote-list li.quote').id.slice(6)`))
	u.do("sending it", chromedp.Click(chromedp.ID("quote-"+id+"-send")), chromedp.WaitVisible(chromedp.ID("quote-"+id+"-accept")))
	u.do("accepting it", chromedp.Click(chromedp.ID("quote-"+id+"-accept")), chromedp.WaitVisible(chromedp.CSS("#quote-"+id+" .quote-accepted")))
	if got := u.text("deal-status"); got != u.msg("deal.status.won") {
		u.t.Errorf("after the accepted quote the deal is %q", got)
	}
	if got := u.text("deal-message"); !strings.Contains(got, u.msg("quote.accepted")) {
		u.t.Errorf("after the accepted quote the page says %q", got)
	}
	u.checkPage("deal-quote-accepted")
	href := run(u, "reading the quote's link", chromedp.Evaluate[string](`document.querySelector('#quote-list a.name').getAttribute('href')`))
	u.do("opening the printable quote", chromedp.Click(chromedp.CSS(`#quote-list a.name`)), chromedp.WaitVisible(chromedp.CSS("table")))
	if loc := u.location(); !strings.HasSuffix(loc, href) {
		u.t.Errorf("the quote opens %s", loc)
	}
	if got := run(u, "reading the quote", chromedp.Evaluate[string](`document.body.innerText`)); !strings.Contains(got, "備份授權") {
		u.t.Errorf("the printable quote says %q", got)
	}
	u.screenshot("quote-document")
	u.do("back to the deal", chromedp.Navigate(u.s.URL+"/deals/"+dealID(b.main)), chromedp.WaitVisible(chromedp.ID("deal-name")))
}

// lookAtTheForecast opens the forecast from the board's tabs.
func (u *ui) lookAtTheForecast() {
	u.t.Helper()
	u.do("opening the board", chromedp.Click(chromedp.ID("to-board")), chromedp.WaitVisible(chromedp.ID("board")))
	u.do("opening the forecast", chromedp.Click(chromedp.CSS(`.tabs a[href="/forecast"]`)), chromedp.WaitVisible(chromedp.ID("outlook")))
	if got := u.text("fc-committed"); !strings.Contains(got, "42,000") { // 12 × 3,600 − 1,200, won now
		u.t.Errorf("committed this quarter: %q", got)
	}
	u.checkPage("forecast")
}

// pipelineOnAPhone looks at the sales screens 375 px wide, as a manager,
// and moves a deal with its menu.
func (u *ui) pipelineOnAPhone(b *board) {
	u.t.Helper()
	u.do("opening the pipeline", chromedp.Navigate(u.s.URL+"/pipeline"), chromedp.WaitVisible(chromedp.ID("board")))
	u.ready()
	u.checkPage("board")
	menu := "move-" + dealID(b.main)
	u.do("choosing the next stage", chromedp.SetValue(chromedp.ID(menu), b.stage(1)),
		chromedp.Click(chromedp.CSS(`#deal-`+dealID(b.main)+` .move-form button`)))
	u.waitForCard("the card in the next column", b.main, b.stage(1))
	u.checkPage("board-moved")
	u.do("opening the deal", chromedp.Click(chromedp.CSS(`#deal-`+dealID(b.main)+` a.deal-name`)), chromedp.WaitVisible(chromedp.ID("deal-name")))
	u.checkPage("deal")
	u.do("opening the forecast", chromedp.Navigate(u.s.URL+"/forecast"), chromedp.WaitVisible(chromedp.ID("outlook")))
	u.checkPage("forecast")
}
