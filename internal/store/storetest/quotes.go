package storetest

import (
	"testing"
	"time"

	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/sales"
)

var quoteTests = []test{
	{"FromDealLines", testQuoteFromDealLines},
	{"Decisions", testQuoteDecisions},
	{"Access", testQuoteAccess},
}

// quoteDeal is an open deal with two lines: 2 × 1,500 − 300 and 1 × 800.
func (e *env) quoteDeal() *sales.Deal {
	e.t.Helper()
	e.salesPipeline("Main")
	return e.deal(e.sys, sales.DealInput{DealFields: sales.DealFields{Name: "ERP", Lines: []sales.DealLine{
		{SKU: "ERP", Name: "ERP licence", Quantity: 2, UnitPrice: 1500, Discount: 300},
		{Name: "Training", Quantity: 1, UnitPrice: 800},
	}}})
}

func testQuoteFromDealLines(t *testing.T, e *env) {
	d := e.quoteDeal()
	q, err := e.sales.CreateQuote(e.sys, d.ID, sales.QuoteInput{Terms: "30 days net"})
	if err != nil {
		t.Fatal(err)
	}
	// 3000 + 800 = 3800, less 300.
	if q.Number == "" || q.Status != sales.QuoteDraft || q.Subtotal != 3800 || q.Discount != 300 || q.Total != 3500 ||
		q.Lines[0].Total != 2700 || q.ValidUntil != e.now().AddDate(0, 0, 30).Format(time.DateOnly) || q.DealName != "ERP" {
		t.Errorf("quote %+v", q)
	}
	// The quote keeps the lines it was made with.
	if _, err := e.sales.UpdateDeal(e.sys, d.ID, 0, func(f *sales.DealFields) error { f.Lines = f.Lines[:1]; return nil }); err != nil {
		t.Fatal(err)
	}
	got, err := e.sales.GetQuote(e.sys, q.ID)
	if err != nil || len(got.Lines) != 2 || got.Total != 3500 || got.Number != q.Number {
		t.Errorf("stored quote %+v, %v", got, err)
	}
	q2, err := e.sales.CreateQuote(e.sys, d.ID, sales.QuoteInput{ValidUntil: "2026-12-31"})
	if err != nil || q2.Total != 2700 || q2.Number == q.Number {
		t.Errorf("second quote %+v, %v", q2, err)
	}
	list, err := e.sales.DealQuotes(e.sys, d.ID)
	if err != nil || len(list) != 2 || list[0].ID != q2.ID {
		t.Errorf("deal quotes %v, %v", list, err)
	}
	// Refusals: no lines, a date in the past.
	empty := e.deal(e.sys, sales.DealInput{DealFields: sales.DealFields{Name: "Empty"}})
	if _, err := e.sales.CreateQuote(e.sys, empty.ID, sales.QuoteInput{}); !crm.IsKind(err, crm.KindInvalid) {
		t.Errorf("a quote without lines: %v", err)
	}
	if _, err := e.sales.CreateQuote(e.sys, d.ID, sales.QuoteInput{ValidUntil: "2020-01-01"}); !crm.IsKind(err, crm.KindInvalid) {
		t.Errorf("a quote valid until the past: %v", err)
	}
}

func testQuoteDecisions(t *testing.T, e *env) {
	d := e.quoteDeal()
	q, err := e.sales.CreateQuote(e.sys, d.ID, sales.QuoteInput{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.sales.DecideQuote(e.sys, q.ID, 0, sales.QuoteDecision{Status: sales.QuoteAccepted}); !crm.IsKind(err, crm.KindInvalid) {
		t.Errorf("a draft accepted: %v", err)
	}
	sent, err := e.sales.DecideQuote(e.sys, q.ID, q.Version, sales.QuoteDecision{Status: sales.QuoteSent})
	if err != nil || sent.Status != sales.QuoteSent || sent.Version != 2 || sent.DecidedAt != nil {
		t.Fatalf("sent %+v, %v", sent, err)
	}
	if _, err := e.sales.DecideQuote(e.sys, q.ID, 1, sales.QuoteDecision{Status: sales.QuoteAccepted}); !crm.IsKind(err, crm.KindStale) {
		t.Errorf("a stale decision: %v", err)
	}
	// Expired quotes are not accepted.
	e.tick(31 * 24 * time.Hour)
	if got, _ := e.sales.GetQuote(e.sys, q.ID); !got.Expired {
		t.Errorf("a sent quote past its date is not expired: %+v", got)
	}
	if _, err := e.sales.DecideQuote(e.sys, q.ID, 0, sales.QuoteDecision{Status: sales.QuoteAccepted}); !crm.IsKind(err, crm.KindInvalid) {
		t.Errorf("an expired quote accepted: %v", err)
	}
	// A valid one, accepted, wins the deal.
	q2, err := e.sales.CreateQuote(e.sys, d.ID, sales.QuoteInput{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.sales.DecideQuote(e.sys, q2.ID, 0, sales.QuoteDecision{Status: sales.QuoteSent}); err != nil {
		t.Fatal(err)
	}
	acc, err := e.sales.DecideQuote(e.sys, q2.ID, 0, sales.QuoteDecision{Status: sales.QuoteAccepted, MarkWon: true})
	if err != nil || acc.Status != sales.QuoteAccepted || acc.DecidedAt == nil {
		t.Fatalf("accepted %+v, %v", acc, err)
	}
	won, err := e.sales.GetDeal(e.sys, d.ID)
	if err != nil || won.Status != sales.StatusWon {
		t.Errorf("deal after acceptance: %+v, %v", won, err)
	}
	if _, err := e.sales.DecideQuote(e.sys, q2.ID, 0, sales.QuoteDecision{Status: sales.QuoteRejected}); !crm.IsKind(err, crm.KindInvalid) {
		t.Errorf("an accepted quote rejected: %v", err)
	}
	// A closed deal gets no new quote.
	if _, err := e.sales.CreateQuote(e.sys, d.ID, sales.QuoteInput{}); !crm.IsKind(err, crm.KindInvalid) {
		t.Errorf("a quote for a won deal: %v", err)
	}
}

func testQuoteAccess(t *testing.T, e *env) {
	d := e.quoteDeal()
	q, err := e.sales.CreateQuote(e.sys, d.ID, sales.QuoteInput{})
	if err != nil {
		t.Fatal(err)
	}
	agent := e.as(e.user("Agent Wu", crm.RoleAgent))
	if _, err := e.sales.GetQuote(agent, q.ID); !crm.IsKind(err, crm.KindForbidden) {
		t.Errorf("an agent read another's quote: %v", err)
	}
	if _, err := e.sales.CreateQuote(agent, d.ID, sales.QuoteInput{}); !crm.IsKind(err, crm.KindForbidden) {
		t.Errorf("an agent quoted another's deal: %v", err)
	}
	viewer := e.as(e.user("Viewer Ho", crm.RoleViewer))
	if _, err := e.sales.GetQuote(viewer, q.ID); err != nil {
		t.Errorf("a viewer cannot read a quote: %v", err)
	}
	if _, err := e.sales.DecideQuote(viewer, q.ID, 0, sales.QuoteDecision{Status: sales.QuoteSent}); !crm.IsKind(err, crm.KindForbidden) {
		t.Errorf("a viewer sent a quote: %v", err)
	}
	if _, err := e.sales.GetQuote(e.sys, 999999); !crm.IsKind(err, crm.KindNotFound) {
		t.Errorf("an unknown quote: %v", err)
	}
}
