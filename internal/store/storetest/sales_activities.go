package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/guanxi-crm/guanxi/internal/activity"
	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/sales"
)

// testSalesActivitiesPerDeal checks the KPI "activities per deal": the
// activities logged on the deals closed in the period (every type, done or
// not) over those deals, filtered as the other KPIs are (owner, team,
// pipeline, what the caller may read), counted by hand.
func testSalesActivitiesPerDeal(t *testing.T, e *env) {
	p := e.salesPipeline("B2B")
	north := e.team("North")
	repA := e.user("Rep A", crm.RoleAgent, north)
	repB := e.user("Rep B", crm.RoleAgent, north)
	manager := e.user("Manager", crm.RoleManager, north)
	repC := e.user("Rep C", crm.RoleAgent)
	st := func(name string) int64 { return stageID(t, p, name) }
	acts := e.activities(activity.Options{})
	in := func(name string) sales.DealInput {
		return sales.DealInput{DealFields: sales.DealFields{Name: name, Amount: 1000}, StageID: st("Qualified")}
	}
	d1 := e.deal(e.as(repA), in("d1")) // won in March: 3 activities
	d2 := e.deal(e.as(repA), in("d2")) // lost in March: 1
	d3 := e.deal(e.as(repB), in("d3")) // won in March: none
	d4 := e.deal(e.as(repC), in("d4")) // won in March: 2
	o1 := e.deal(e.as(repA), in("o1")) // open: 5, not counted
	d5 := e.deal(e.as(repA), in("d5")) // won in April: 4
	log := func(d *sales.Deal, types ...string) {
		for i, typ := range types {
			a := activity.Input{Type: typ, RecordType: activity.RecordDeal, RecordID: d.ID,
				Fields: activity.Fields{Subject: fmt.Sprintf("%s %d", d.Name, i), Body: "…"}}
			if typ == activity.TypeCall {
				a.Completed = true
			}
			e.activity(acts, e.sys, a)
		}
	}
	log(d1, activity.TypeTask, activity.TypeCall, activity.TypeNote)
	log(d2, activity.TypeMeeting)
	log(d4, activity.TypeTask, activity.TypeNote)
	log(o1, activity.TypeTask, activity.TypeTask, activity.TypeCall, activity.TypeMeeting, activity.TypeNote)
	log(d5, activity.TypeNote, activity.TypeNote, activity.TypeCall, activity.TypeTask)
	// An activity on a contact is no deal's.
	c, err := e.cs.CreateContact(e.sys, customer.ContactFields{FamilyName: "王", GivenName: "小明"}, customer.WriteOptions{})
	must(t, err)
	e.activity(acts, e.sys, activity.Input{Type: activity.TypeTask, RecordType: activity.RecordContact, RecordID: c.ID,
		Fields: activity.Fields{Subject: "call 王小明"}})

	e.tick(5 * 24 * time.Hour) // 2026-03-07
	e.moveDeal(e.sys, d1.ID, st("Won"), "")
	e.moveDeal(e.sys, d2.ID, st("Lost"), "price")
	e.moveDeal(e.sys, d3.ID, st("Won"), "")
	e.moveDeal(e.sys, d4.ID, st("Won"), "")
	e.tick(40 * 24 * time.Hour) // 2026-04-16
	e.moveDeal(e.sys, d5.ID, st("Won"), "")

	march, april := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
	may := april.AddDate(0, 1, 0)
	other := e.salesPipeline("Renewals")
	tests := []struct {
		name       string
		ctx        context.Context
		q          sales.ReportQuery
		activities int64
		perDeal    string // "" for none
	}{
		{"everyone's in March: d1–d4", e.sys, sales.ReportQuery{From: march, To: april}, 3 + 1 + 0 + 2, "1.50"},
		{"one owner: d1, d2", e.sys, sales.ReportQuery{From: march, To: april, OwnerID: repA.ID}, 3 + 1, "2.00"},
		{"one team: d1–d3", e.sys, sales.ReportQuery{From: march, To: april, TeamID: north.ID}, 3 + 1 + 0, "1.33"},
		{"the team's manager sees d1–d3", e.as(manager), sales.ReportQuery{From: march, To: april}, 4, "1.33"},
		{"an agent alone sees d4", e.as(repC), sales.ReportQuery{From: march, To: april}, 2, "2.00"},
		{"April: d5", e.sys, sales.ReportQuery{From: april, To: may}, 4, "4.00"},
		{"March and April", e.sys, sales.ReportQuery{From: march, To: may}, 10, "2.00"},
		{"another pipeline", e.sys, sales.ReportQuery{From: march, To: may, PipelineID: other.ID}, 0, ""},
		{"nothing closed", e.sys, sales.ReportQuery{From: march.AddDate(-1, 0, 0), To: march}, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, err := e.sales.KPIs(tt.ctx, tt.q)
			must(t, err)
			got := ""
			if k.ActivitiesPerDeal != nil {
				got = fmt.Sprintf("%.2f", *k.ActivitiesPerDeal)
			}
			if k.Activities != tt.activities || got != tt.perDeal {
				t.Errorf("activities %d, per deal %q; want %d, %q", k.Activities, got, tt.activities, tt.perDeal)
			}
		})
	}
}
