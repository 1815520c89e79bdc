package storetest

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/customer"
)

var positionTests = []test{
	{"Create", testPositionCreate},
	{"CreateInvalid", testPositionCreateInvalid},
	{"ReportsTo", testPositionReportsTo},
	{"Update", testPositionUpdate},
	{"Delete", testPositionDelete},
	{"BuyingCommittee", testBuyingCommittee},
	{"Audit", testPositionAudit},
}

func testPositionCreate(t *testing.T, e *env) {
	co := e.company(e.sys, customer.CompanyFields{Name: "宏碁"})
	c := e.contact(e.sys, customer.ContactFields{FamilyName: "施", GivenName: "振榮"})
	e.tick(time.Minute)
	p, err := e.cs.CreatePosition(e.sys, customer.PositionFields{ContactID: c.ID, CompanyID: co.ID, Title: " 創辦人 ",
		Department: "董事會", BuyingRole: customer.RoleDecisionMaker, Influence: 5, StartedOn: "1976-08-01"})
	must(t, err)
	want := &customer.Position{ID: p.ID, Version: 1,
		PositionFields: customer.PositionFields{ContactID: c.ID, CompanyID: co.ID, Title: "創辦人", Department: "董事會",
			BuyingRole: customer.RoleDecisionMaker, Influence: 5, Status: customer.PositionCurrent, StartedOn: "1976-08-01"},
		ContactName: "施振榮", CompanyName: "宏碁", CreatedAt: e.now(), UpdatedAt: e.now()}
	if diff := cmp.Diff(want, p); diff != "" {
		t.Errorf("created position (-want +got):\n%s", diff)
	}
	got, err := e.cs.GetPosition(e.sys, p.ID)
	must(t, err)
	if diff := cmp.Diff(p, got); diff != "" {
		t.Errorf("read position (-created +read):\n%s", diff)
	}
	refs := e.get(c.ID).Companies
	wantRefs := []customer.CompanyRef{{CompanyID: co.ID, Name: "宏碁", Title: "創辦人", BuyingRole: customer.RoleDecisionMaker}}
	if diff := cmp.Diff(wantRefs, refs); diff != "" {
		t.Errorf("companies of the contact (-want +got):\n%s", diff)
	}
	_, err = e.cs.GetPosition(e.sys, 98765)
	wantKind(t, err, crm.KindNotFound)
	_, err = e.cs.ContactPositions(e.sys, 98765)
	wantKind(t, err, crm.KindNotFound)
	_, err = e.cs.CompanyPositions(e.sys, 98765)
	wantKind(t, err, crm.KindNotFound)
}

func testPositionCreateInvalid(t *testing.T, e *env) {
	co := e.company(e.sys, customer.CompanyFields{Name: "Co"})
	c := e.named("Person")
	deletedContact := e.named("Deleted person")
	must(t, e.cs.DeleteContact(e.sys, deletedContact.ID, 0))
	deletedCompany := e.company(e.sys, customer.CompanyFields{Name: "Deleted Co"})
	must(t, e.cs.DeleteCompany(e.sys, deletedCompany.ID, 0))
	base := func(f customer.PositionFields) customer.PositionFields {
		if f.ContactID == 0 {
			f.ContactID = c.ID
		}
		if f.CompanyID == 0 {
			f.CompanyID = co.ID
		}
		return f
	}
	tests := []struct {
		name  string
		in    customer.PositionFields
		field string
		code  string
	}{
		{"no contact", customer.PositionFields{CompanyID: co.ID}, "contact_id", "required"},
		{"no company", customer.PositionFields{ContactID: c.ID}, "company_id", "required"},
		{"unknown contact", base(customer.PositionFields{ContactID: 99999}), "contact_id", "unknown_contact"},
		{"deleted contact", base(customer.PositionFields{ContactID: deletedContact.ID}), "contact_id", "unknown_contact"},
		{"unknown company", base(customer.PositionFields{CompanyID: 99999}), "company_id", "unknown_company"},
		{"deleted company", base(customer.PositionFields{CompanyID: deletedCompany.ID}), "company_id", "unknown_company"},
		{"buying role", base(customer.PositionFields{BuyingRole: "boss"}), "buying_role", "not_one_of"},
		{"influence", base(customer.PositionFields{Influence: 6}), "influence", "out_of_range"},
		{"negative influence", base(customer.PositionFields{Influence: -1}), "influence", "out_of_range"},
		{"status", base(customer.PositionFields{Status: "former"}), "status", "not_one_of"},
		{"start date", base(customer.PositionFields{StartedOn: "--01-01"}), "started_on", "invalid_date"},
		{"end before start", base(customer.PositionFields{StartedOn: "2020-01-01", EndedOn: "2019-12-31"}), "ended_on", "ends_before_start"},
		{"reports to self", base(customer.PositionFields{ReportsToID: &c.ID}), "reports_to_id", "reports_to_self"},
		{"long title", base(customer.PositionFields{Title: strings.Repeat("x", 201)}), "title", "too_long"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.cs.CreatePosition(e.sys, tt.in)
			wantField(t, err, tt.field, tt.code)
		})
	}
	if list, err := e.cs.CompanyPositions(e.sys, co.ID); err != nil || len(list) != 0 {
		t.Errorf("positions after refused creates: %v %v", list, err)
	}
	if n := len(e.audit(e.sys, c.ID)); n != 1 {
		t.Errorf("%d audit entries on the contact; want only its create", n)
	}
}

func testPositionReportsTo(t *testing.T, e *env) {
	acme := e.company(e.sys, customer.CompanyFields{Name: "Acme"})
	other := e.company(e.sys, customer.CompanyFields{Name: "Other"})
	ceo, vp, mgr, staff, outsider := e.named("CEO"), e.named("VP"), e.named("Manager"), e.named("Staff"), e.named("Outsider")
	pos := func(c *customer.Contact, co *customer.Company, boss *customer.Contact) (*customer.Position, error) {
		f := customer.PositionFields{ContactID: c.ID, CompanyID: co.ID}
		if boss != nil {
			f.ReportsToID = &boss.ID
		}
		return e.cs.CreatePosition(e.sys, f)
	}
	ceoPos, err := pos(ceo, acme, nil)
	must(t, err)
	vpPos, err := pos(vp, acme, ceo)
	must(t, err)
	_, err = pos(mgr, acme, vp)
	must(t, err)
	_, err = pos(outsider, other, nil)
	must(t, err)

	_, err = pos(staff, acme, outsider)
	wantField(t, err, "reports_to_id", "reports_to_not_at_company")
	_, err = pos(staff, other, mgr)
	wantField(t, err, "reports_to_id", "reports_to_not_at_company")
	_, err = pos(staff, acme, ptr(customer.Contact{ID: 424242}))
	wantField(t, err, "reports_to_id", "reports_to_not_at_company")
	if _, err = pos(staff, acme, mgr); err != nil {
		t.Fatalf("staff reporting to manager: %v", err)
	}

	// CEO reporting to the manager would close the loop CEO ← VP ← Manager.
	cycle := func(f *customer.PositionFields) error { f.ReportsToID = &mgr.ID; return nil }
	_, err = e.cs.UpdatePosition(e.sys, ceoPos.ID, 0, cycle)
	wantField(t, err, "reports_to_id", "reports_to_cycle")
	_, err = e.cs.UpdatePosition(e.sys, ceoPos.ID, 0, func(f *customer.PositionFields) error { f.ReportsToID = &vp.ID; return nil })
	wantField(t, err, "reports_to_id", "reports_to_cycle")
	// A second position of the CEO at the company may not close it either.
	_, err = pos(ceo, acme, mgr)
	wantField(t, err, "reports_to_id", "reports_to_cycle")
	// Cutting VP loose from the CEO opens the loop.
	if _, err := e.cs.UpdatePosition(e.sys, vpPos.ID, 0, func(f *customer.PositionFields) error { f.ReportsToID = nil; return nil }); err != nil {
		t.Fatal(err)
	}
	if _, err := e.cs.UpdatePosition(e.sys, ceoPos.ID, 0, cycle); err != nil {
		t.Errorf("CEO reporting to manager once the chain is open: %v", err)
	}
	got, err := e.cs.GetPosition(e.sys, ceoPos.ID)
	must(t, err)
	if got.ReportsToID == nil || *got.ReportsToID != mgr.ID {
		t.Errorf("CEO reports to %v; want %d", got.ReportsToID, mgr.ID)
	}
}

func testPositionUpdate(t *testing.T, e *env) {
	co := e.company(e.sys, customer.CompanyFields{Name: "Co"})
	other := e.company(e.sys, customer.CompanyFields{Name: "Other"})
	c := e.named("Person")
	p := e.position(e.sys, customer.PositionFields{ContactID: c.ID, CompanyID: co.ID, Title: "Engineer"})
	e.tick(time.Minute)
	p2, err := e.cs.UpdatePosition(e.sys, p.ID, 1, func(f *customer.PositionFields) error {
		f.Title, f.BuyingRole, f.Influence = "Lead Engineer", customer.RoleInfluencer, 3
		return nil
	})
	must(t, err)
	if p2.Version != 2 || p2.Title != "Lead Engineer" || !p2.UpdatedAt.Equal(e.now()) {
		t.Errorf("updated position %+v", p2)
	}
	if refs := e.get(c.ID).Companies; len(refs) != 1 || refs[0].Title != "Lead Engineer" || refs[0].BuyingRole != customer.RoleInfluencer {
		t.Errorf("companies of the contact: %+v", refs)
	}
	_, err = e.cs.UpdatePosition(e.sys, p.ID, 1, func(f *customer.PositionFields) error { f.Title = "x"; return nil })
	if ce := wantCode(t, err, crm.KindStale, "stale_version"); param(t, ce, "current_version") != 2 {
		t.Errorf("current_version %v", ce.Params["current_version"])
	}
	_, err = e.cs.UpdatePosition(e.sys, p.ID, 0, func(f *customer.PositionFields) error { f.CompanyID = other.ID; return nil })
	wantField(t, err, "company_id", "immutable")
	someoneElse := e.named("x")
	_, err = e.cs.UpdatePosition(e.sys, p.ID, 0, func(f *customer.PositionFields) error { f.ContactID = someoneElse.ID; return nil })
	wantField(t, err, "contact_id", "immutable")
	_, err = e.cs.UpdatePosition(e.sys, p.ID, 0, func(f *customer.PositionFields) error { f.Influence = 9; return nil })
	wantField(t, err, "influence", "out_of_range")
	same, err := e.cs.UpdatePosition(e.sys, p.ID, 0, func(f *customer.PositionFields) error { f.Title = " Lead  Engineer "; return nil })
	must(t, err)
	if same.Version != 2 {
		t.Errorf("no-op update made version %d", same.Version)
	}
	past, err := e.cs.UpdatePosition(e.sys, p.ID, 0, func(f *customer.PositionFields) error {
		f.Status, f.EndedOn = customer.PositionPast, "2026-02-28"
		return nil
	})
	must(t, err)
	if past.Version != 3 || past.Status != customer.PositionPast {
		t.Errorf("ended position %+v", past)
	}
	if refs := e.get(c.ID).Companies; len(refs) != 0 {
		t.Errorf("companies of the contact after the position ended: %+v", refs)
	}
	_, err = e.cs.UpdatePosition(e.sys, 99999, 0, func(f *customer.PositionFields) error { return nil })
	wantKind(t, err, crm.KindNotFound)
}

func testPositionDelete(t *testing.T, e *env) {
	co := e.company(e.sys, customer.CompanyFields{Name: "Co"})
	boss, worker := e.named("Boss"), e.named("Worker")
	bossPos := e.position(e.sys, customer.PositionFields{ContactID: boss.ID, CompanyID: co.ID})
	workerPos := e.position(e.sys, customer.PositionFields{ContactID: worker.ID, CompanyID: co.ID, ReportsToID: &boss.ID})
	must(t, e.cs.DeletePosition(e.sys, bossPos.ID))
	_, err := e.cs.GetPosition(e.sys, bossPos.ID)
	wantKind(t, err, crm.KindNotFound)
	wantKind(t, e.cs.DeletePosition(e.sys, bossPos.ID), crm.KindNotFound)
	if refs := e.get(boss.ID).Companies; len(refs) != 0 {
		t.Errorf("companies of the boss: %+v", refs)
	}
	// The worker keeps the position, without a manager there.
	got, err := e.cs.GetPosition(e.sys, workerPos.ID)
	must(t, err)
	if got.ReportsToID != nil {
		t.Errorf("worker still reports to %d, who no longer works there", *got.ReportsToID)
	}
	if got.Version != 2 {
		t.Errorf("worker's position version %d; the change must count", got.Version)
	}
	field := fmt.Sprintf("positions[%d].reports_to_id", workerPos.ID)
	if _, ok := findEntry(e.audit(e.sys, worker.ID), crm.ActionUpdate, worker.ID, func(en crm.AuditEntry) bool { return hasChange(en, field) }); !ok {
		t.Errorf("the worker's history lacks %s", field)
	}
	if _, err := e.cs.UpdatePosition(e.sys, workerPos.ID, 0, func(f *customer.PositionFields) error { f.Title = "Lead"; return nil }); err != nil {
		t.Errorf("updating the worker's position: %v", err)
	}

	t.Run("holder stays in another position", func(t *testing.T) {
		chair := e.position(e.sys, customer.PositionFields{ContactID: boss.ID, CompanyID: co.ID, Title: "Chair"})
		e.position(e.sys, customer.PositionFields{ContactID: boss.ID, CompanyID: co.ID, Title: "CEO"})
		if _, err := e.cs.UpdatePosition(e.sys, workerPos.ID, 0, func(f *customer.PositionFields) error { f.ReportsToID = &boss.ID; return nil }); err != nil {
			t.Fatal(err)
		}
		must(t, e.cs.DeletePosition(e.sys, chair.ID))
		got, err := e.cs.GetPosition(e.sys, workerPos.ID)
		must(t, err)
		if got.ReportsToID == nil || *got.ReportsToID != boss.ID {
			t.Errorf("worker reports to %v; the boss still works there", got.ReportsToID)
		}
	})
}

func testBuyingCommittee(t *testing.T, e *env) {
	buyer := e.company(e.sys, customer.CompanyFields{Name: "買方股份有限公司"})
	other := e.company(e.sys, customer.CompanyFields{Name: "Other"})
	people := map[string]*customer.Contact{}
	for _, n := range []string{"總經理", "採購", "工程師", "秘書", "前任"} {
		people[n] = e.named(n)
	}
	add := func(who string, f customer.PositionFields) *customer.Position {
		f.ContactID, f.CompanyID = people[who].ID, buyer.ID
		return e.position(e.sys, f)
	}
	add("總經理", customer.PositionFields{Title: "總經理", BuyingRole: customer.RoleDecisionMaker, Influence: 5, StartedOn: "2015-01-01"})
	add("採購", customer.PositionFields{Title: "採購經理", BuyingRole: customer.RolePurchasing, Influence: 4, ReportsToID: &people["總經理"].ID, StartedOn: "2020-03-01"})
	add("工程師", customer.PositionFields{Title: "工程師", BuyingRole: customer.RoleUser, Influence: 2, ReportsToID: &people["採購"].ID, StartedOn: "2021-06-01"})
	add("秘書", customer.PositionFields{Title: "秘書", BuyingRole: customer.RoleGatekeeper, Influence: 1, ReportsToID: &people["總經理"].ID})
	add("前任", customer.PositionFields{Title: "前總經理", BuyingRole: customer.RoleDecisionMaker, Status: customer.PositionPast, StartedOn: "2000-01-01", EndedOn: "2014-12-31"})
	e.position(e.sys, customer.PositionFields{ContactID: people["工程師"].ID, CompanyID: other.ID, Title: "Consultant", BuyingRole: customer.RoleInfluencer})

	committee, err := e.cs.CompanyPositions(e.sys, buyer.ID)
	must(t, err)
	type row struct {
		Contact, Title string
		Role           customer.BuyingRole
		Influence      int
		ReportsTo      string
		Status         string
		Company        string
	}
	nameOf := map[int64]string{}
	for n, c := range people {
		nameOf[c.ID] = n
	}
	var got []row
	for _, p := range committee {
		r := row{p.ContactName, p.Title, p.BuyingRole, p.Influence, "", p.Status, p.CompanyName}
		if p.ReportsToID != nil {
			r.ReportsTo = nameOf[*p.ReportsToID]
		}
		got = append(got, r)
	}
	// Current first, then by start, latest first (a position without a
	// start date last among them), then by id.
	want := []row{
		{"工程師", "工程師", customer.RoleUser, 2, "採購", "current", "買方股份有限公司"},
		{"採購", "採購經理", customer.RolePurchasing, 4, "總經理", "current", "買方股份有限公司"},
		{"總經理", "總經理", customer.RoleDecisionMaker, 5, "", "current", "買方股份有限公司"},
		{"秘書", "秘書", customer.RoleGatekeeper, 1, "總經理", "current", "買方股份有限公司"},
		{"前任", "前總經理", customer.RoleDecisionMaker, 0, "", "past", "買方股份有限公司"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("buying committee (-want +got):\n%s", diff)
	}
	mine, err := e.cs.ContactPositions(e.sys, people["工程師"].ID)
	must(t, err)
	var companies []string
	for _, p := range mine {
		companies = append(companies, p.CompanyName)
	}
	if diff := cmp.Diff([]string{"買方股份有限公司", "Other"}, companies); diff != "" {
		t.Errorf("positions of the engineer (-want +got):\n%s", diff)
	}
	if refs := e.get(people["工程師"].ID).Companies; len(refs) != 2 {
		t.Errorf("companies of the engineer: %+v", refs)
	}
	page := e.list(customer.ListParams{Conditions: []customer.Condition{cond("company_id", customer.OpEq, fmt.Sprint(buyer.ID))}})
	if diff := cmp.Diff(sorted("總經理", "採購", "工程師", "秘書"), sortedNames(page.Items)); diff != "" {
		t.Errorf("contacts currently at the buyer (-want +got):\n%s", diff)
	}
}

func testPositionAudit(t *testing.T, e *env) {
	co := e.company(e.sys, customer.CompanyFields{Name: "Co"})
	c := e.named("Person")
	p := e.position(e.sys, customer.PositionFields{ContactID: c.ID, CompanyID: co.ID, Title: "A"})
	if _, err := e.cs.UpdatePosition(e.sys, p.ID, 0, func(f *customer.PositionFields) error { f.Title = "B"; return nil }); err != nil {
		t.Fatal(err)
	}
	must(t, e.cs.DeletePosition(e.sys, p.ID))
	entries := e.audit(e.sys, c.ID)
	field := fmt.Sprintf("positions[%d]", p.ID)
	type change struct {
		Action, Field string
		From, To      string
	}
	var got []change
	for _, en := range entries {
		if en.Action == crm.ActionCreate {
			continue
		}
		for _, ch := range en.Changes {
			got = append(got, change{en.Action, ch.Field, titleOf(ch.From), titleOf(ch.To)})
		}
	}
	want := []change{
		{"update", field, "B", ""},
		{"update", field + ".title", `"A"`, `"B"`},
		{"update", field, "", "A"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("position changes in the contact's history (-want +got):\n%s", diff)
	}
	if _, ok := findEntry(entries, crm.ActionCreate, c.ID, nil); !ok {
		t.Error("the contact's own create entry is missing")
	}
}

// titleOf reads the title of a whole position in a change, or returns a
// plain value as it is.
func titleOf(raw json.RawMessage) string {
	if len(raw) == 0 {
		return ""
	}
	var p customer.PositionFields
	if json.Unmarshal(raw, &p) == nil && p.ContactID != 0 {
		return p.Title
	}
	return string(raw)
}
