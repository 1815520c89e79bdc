package storetest

import (
	"context"
	"maps"
	"testing"

	"github.com/guanxi-crm/guanxi/internal/activity"
	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/jobs"
	"github.com/guanxi-crm/guanxi/internal/lead"
	"github.com/guanxi-crm/guanxi/internal/sales"
	"github.com/guanxi-crm/guanxi/internal/store"
)

// refCounter counts the store's reads of record names, by record type: a
// list of activities must not read them a row at a time.
type refCounter struct {
	*store.Store
	calls map[string]int
}

func (c *refCounter) RecordRefs(ctx context.Context, recordType string, ids []int64) (map[int64]activity.RecordRef, error) {
	c.calls[recordType]++
	return c.Store.RecordRefs(ctx, recordType, ids)
}

// testActivityRecordNames names the records of a page of tasks for each
// reader: the names of the records they may read, nothing of one they may
// not (a task assigned to them on a record that changed hands), of one in
// the trash or of one that is gone; a merged contact under its survivor's
// name. The store is read once per record type, whatever the page holds.
func testActivityRecordNames(t *testing.T, e *env) {
	w := newLeadWorld(t, e)
	counter := &refCounter{Store: e.st, calls: map[string]int{}}
	svc := activity.NewService(counter, jobQueue{jobs.NewService(e.st, e.clock)}, activity.Options{Clock: e.clock, Records: e.st.ActivityRecords()})
	e.salesPipeline("B2B")

	named := e.contact(w.ag1, customer.ContactFields{DisplayName: "王小明"})
	split := e.contact(w.ag1, customer.ContactFields{FamilyName: "陳", GivenName: "志明"})
	co := e.company(w.ag1, customer.CompanyFields{Name: "台積電"})
	deal := e.deal(w.ag1, sales.DealInput{DealFields: sales.DealFields{Name: "台積電 2027 年度採購"}})
	l := w.lead(w.ag1, lead.LeadInput{LeadFields: lead.LeadFields{Name: "林小姐", Email: "lin@example.com"}})
	moved := e.contact(w.ag1, customer.ContactFields{DisplayName: "南區的客戶"})
	trashed := e.company(w.ag1, customer.CompanyFields{Name: "已刪除公司"})
	keep := e.contact(w.ag1, customer.ContactFields{DisplayName: "Keep"})
	gone := e.contact(w.ag1, customer.ContactFields{DisplayName: "Gone"})
	for _, in := range []activity.Input{
		task("contact", named.ID, "on named", nil), task("contact", split.ID, "on split", nil),
		task("company", co.ID, "on company", nil), task("deal", deal.ID, "on deal", nil), task("lead", l.ID, "on lead", nil),
		task("contact", moved.ID, "on moved", nil), task("company", trashed.ID, "on trashed", nil),
		task("contact", gone.ID, "on merged", nil),
	} {
		e.activity(svc, w.ag1, in)
	}
	// The contact passes to the south team: its task stays the agent's,
	// the contact is no longer theirs to see.
	e.update(e.sys, moved.ID, func(f *customer.ContactFields) { f.OwnerID, f.TeamID = &w.b.ID, &w.south.ID })
	must(t, e.cs.DeleteCompany(w.ag1, trashed.ID, 0))
	_, err := e.cs.MergeContacts(w.ag1, keep.ID, gone.ID, 0)
	must(t, err)

	page, err := svc.Tasks(w.ag1, activity.TaskFilter{})
	must(t, err)
	if len(page.Items) != 8 {
		t.Fatalf("the agent has %d tasks; want 8: %v", len(page.Items), subjects(page.Items))
	}
	mine := map[string]string{"on named": "王小明", "on split": "陳志明", "on company": "台積電", "on deal": "台積電 2027 年度採購",
		"on lead": "林小姐", "on merged": "Keep"}
	all := maps.Clone(mine)
	all["on moved"] = "南區的客戶"
	for _, tt := range []struct {
		name string
		ctx  context.Context
		want map[string]string
	}{
		{"the agent", w.ag1, mine},
		{"a team mate", w.ag2, mine},
		{"their manager", w.mgr, mine},
		{"the agent the contact passed to", w.agB, map[string]string{"on moved": "南區的客戶"}},
		{"a viewer", w.view, all},
		{"the system", e.sys, all},
	} {
		t.Run(tt.name, func(t *testing.T) {
			clear(counter.calls)
			names, err := svc.RecordNames(tt.ctx, page.Items)
			must(t, err)
			got := map[string]string{}
			for _, a := range page.Items {
				if name, ok := names[activity.KeyOf(a)]; ok {
					got[a.Subject] = name
				}
			}
			if !maps.Equal(got, tt.want) {
				t.Errorf("names %v; want %v", got, tt.want)
			}
			if want := map[string]int{"contact": 1, "company": 1, "deal": 1, "lead": 1}; !maps.Equal(counter.calls, want) {
				t.Errorf("the store was read %v; want once per type", counter.calls)
			}
		})
	}
	names, err := svc.RecordNames(w.ag1, nil)
	must(t, err)
	if len(names) != 0 || len(counter.calls) != 4 {
		t.Errorf("an empty page: %v, store read %v", names, counter.calls)
	}
	_, err = svc.RecordNames(context.Background(), page.Items)
	wantKind(t, err, crm.KindUnauthenticated)

	// The store's part: what it reads of each record, whoever asks.
	refs, err := e.st.RecordRefs(e.sys, "contact", []int64{named.ID, moved.ID, gone.ID, 99999999})
	must(t, err)
	want := map[int64]activity.RecordRef{
		named.ID: {ID: named.ID, Name: "王小明", OwnerID: &w.a1.ID, TeamID: &w.north.ID},
		moved.ID: {ID: moved.ID, Name: "南區的客戶", OwnerID: &w.b.ID, TeamID: &w.south.ID},
		gone.ID:  {ID: keep.ID, Name: "Keep", OwnerID: &w.a1.ID, TeamID: &w.north.ID},
	}
	if jsonOf(refs) != jsonOf(want) {
		t.Errorf("contacts %s; want %s", jsonOf(refs), jsonOf(want))
	}
	refs, err = e.st.RecordRefs(e.sys, "company", []int64{co.ID, trashed.ID})
	must(t, err)
	if len(refs) != 2 || refs[co.ID].Name != "台積電" || refs[co.ID].Deleted || !refs[trashed.ID].Deleted {
		t.Errorf("companies %s", jsonOf(refs))
	}
	refs, err = e.st.RecordRefs(e.sys, "deal", []int64{deal.ID})
	must(t, err)
	if r := refs[deal.ID]; r.Name != "台積電 2027 年度採購" || r.OwnerID == nil || *r.OwnerID != w.a1.ID || r.Deleted {
		t.Errorf("deals %s", jsonOf(refs))
	}
	must(t, w.leads.DeleteLead(w.ag1, l.ID, 0))
	refs, err = e.st.RecordRefs(e.sys, "lead", []int64{l.ID})
	must(t, err)
	if len(refs) != 0 {
		t.Errorf("a deleted lead reads %s", jsonOf(refs))
	}
	if _, err := e.st.RecordRefs(e.sys, "planet", []int64{1}); err == nil {
		t.Error("records of an unknown type were read")
	}
}
