package storetest

import (
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/customer"
)

var mergeTests = []test{
	{"Fields", testMergeFields},
	{"MovesRecords", testMergeMovesRecords},
	{"History", testMergeHistory},
	{"Refused", testMergeRefused},
}

func mergeDefs(e *env) {
	e.fieldDef(customer.FieldDefFields{RecordType: "contact", Key: "source", Type: customer.FieldText})
	e.fieldDef(customer.FieldDefFields{RecordType: "contact", Key: "score", Type: customer.FieldNumber})
}

func testMergeFields(t *testing.T, e *env) {
	mergeDefs(e)
	t1 := e.now()
	survivor := e.contact(e.sys, customer.ContactFields{FamilyName: "王", GivenName: "小李",
		Emails: []customer.Email{{Address: "li@example.com"}}, Phones: []customer.Phone{{Number: "0912345678"}},
		Tags: []string{"VIP"}, LifecycleStage: customer.StageProspect,
		Consent: customer.Consent{Email: customer.ChannelConsent{Status: customer.ConsentGranted, At: &t1, Source: "web_form"}},
		Custom:  map[string]any{"source": "survivor"}})
	e.tick(time.Hour)
	t2 := e.now()
	other, err := e.cs.CreateContact(e.sys, customer.ContactFields{FamilyName: "王", GivenName: "曉李",
		Emails: []customer.Email{{Address: "xiaoli@example.com"}, {Address: "li@example.com"}}, Phones: []customer.Phone{{Number: "0922111222"}},
		Address: customer.Address{City: "台北市", Country: "TW"}, Birthday: "1990-01-02", Gender: customer.GenderMale,
		Anniversaries: []customer.Anniversary{{Label: "wedding", Date: "2018-05-20"}},
		Tags:          []string{"vip", "Golf"}, LifecycleStage: customer.StageCustomer,
		Consent: customer.Consent{Email: customer.ChannelConsent{Status: customer.ConsentDenied, At: &t2, Source: "phone"},
			SMS: customer.ChannelConsent{Status: customer.ConsentGranted, At: &t2, Source: "store"}},
		Custom: map[string]any{"source": "other", "score": 7.0}}, customer.WriteOptions{AllowDuplicate: true})
	must(t, err)
	e.tick(time.Hour)
	got, err := e.cs.MergeContacts(e.sys, survivor.ID, other.ID, 1)
	must(t, err)
	want := customer.ContactFields{DisplayName: "王小李", FamilyName: "王", GivenName: "小李",
		Emails:         []customer.Email{{Address: "li@example.com"}, {Address: "xiaoli@example.com"}},
		Phones:         []customer.Phone{{Number: "+886912345678"}, {Number: "+886922111222"}},
		Address:        customer.Address{City: "台北市", Country: "TW"},
		Birthday:       "1990-01-02",
		Anniversaries:  []customer.Anniversary{{Label: "wedding", Date: "2018-05-20"}},
		Gender:         customer.GenderMale,
		Tags:           []string{"Golf", "VIP"},
		LifecycleStage: customer.StageCustomer,
		Consent: customer.Consent{Email: customer.ChannelConsent{Status: customer.ConsentDenied, At: &t2, Source: "phone"},
			SMS: customer.ChannelConsent{Status: customer.ConsentGranted, At: &t2, Source: "store"}},
		Custom: map[string]any{"source": "survivor", "score": 7.0}}
	if diff := cmp.Diff(want, got.ContactFields); diff != "" {
		t.Errorf("survivor after merge (-want +got):\n%s", diff)
	}
	if got.Version != 2 || !got.UpdatedAt.Equal(e.now()) {
		t.Errorf("survivor version %d updated %v", got.Version, got.UpdatedAt)
	}
	if diff := cmp.Diff(got, e.get(survivor.ID)); diff != "" {
		t.Errorf("merge result differs from a read (-merge +read):\n%s", diff)
	}
	tomb := e.get(other.ID)
	if tomb.MergedIntoID == nil || *tomb.MergedIntoID != survivor.ID || tomb.DeletedAt == nil || !tomb.DeletedAt.Equal(e.now()) {
		t.Errorf("merged contact: merged_into %v deleted %v", tomb.MergedIntoID, tomb.DeletedAt)
	}
	if tomb.DisplayName != "王曉李" {
		t.Errorf("merged contact keeps its own fields: display name %q", tomb.DisplayName)
	}

	t.Run("keys", func(t *testing.T) {
		dups, err := e.cs.Duplicates(e.sys, survivor.ID)
		must(t, err)
		if len(dups) != 0 {
			t.Errorf("duplicates of the survivor: %v (the merged contact is no duplicate)", dupIDs(dups))
		}
		for _, f := range []customer.ContactFields{
			{DisplayName: "x", Emails: []customer.Email{{Address: "xiaoli@example.com"}}},
			{DisplayName: "x", Phones: []customer.Phone{{Number: "0922-111-222"}}},
		} {
			_, err := e.cs.CreateContact(e.sys, f, customer.WriteOptions{})
			ce := wantCode(t, err, crm.KindConflict, "duplicate_contact")
			if id := param(t, ce, "existing_id"); id != survivor.ID {
				t.Errorf("existing_id %d; want the survivor %d", id, survivor.ID)
			}
		}
		page := e.list(customer.ListParams{Conditions: []customer.Condition{cond("email", customer.OpEq, "xiaoli@example.com")}, Deleted: customer.DeletedInclude})
		if diff := cmp.Diff([]int64{survivor.ID}, ids(page.Items)); diff != "" {
			t.Errorf("contacts with the merged email (-want +got):\n%s", diff)
		}
	})
	t.Run("search", func(t *testing.T) {
		for q, want := range map[string][]string{"xiaoli": {"王小李"}, "0922111": {"王小李"}, "曉李": nil} {
			if diff := cmp.Diff(sorted(want...), e.search(q)); diff != "" {
				t.Errorf("search %q (-want +got):\n%s", q, diff)
			}
		}
	})
	t.Run("tags", func(t *testing.T) {
		tags, err := e.cs.ListTags(e.sys)
		must(t, err)
		for _, tg := range tags {
			if tg.ContactCount != 1 {
				t.Errorf("tag %s on %d live contacts; want 1", tg.Name, tg.ContactCount)
			}
		}
	})
}

func testMergeMovesRecords(t *testing.T, e *env) {
	acme := e.company(e.sys, customer.CompanyFields{Name: "Acme"})
	beta := e.company(e.sys, customer.CompanyFields{Name: "Beta"})
	survivor, other := e.named("Survivor"), e.named("Other")
	report, peer := e.named("Report"), e.named("Peer")
	sPos := e.position(e.sys, customer.PositionFields{ContactID: survivor.ID, CompanyID: beta.ID, Title: "Advisor"})
	oPos := e.position(e.sys, customer.PositionFields{ContactID: other.ID, CompanyID: acme.ID, Title: "CTO"})
	// At Beta, the survivor once reported to the other; at Acme a report
	// and the survivor's own second position report to the other.
	oBeta := e.position(e.sys, customer.PositionFields{ContactID: other.ID, CompanyID: beta.ID, Title: "Board"})
	if _, err := e.cs.UpdatePosition(e.sys, sPos.ID, 0, func(f *customer.PositionFields) error { f.ReportsToID = &other.ID; return nil }); err != nil {
		t.Fatal(err)
	}
	rPos := e.position(e.sys, customer.PositionFields{ContactID: report.ID, CompanyID: acme.ID, ReportsToID: &other.ID})
	pPos := e.position(e.sys, customer.PositionFields{ContactID: peer.ID, CompanyID: acme.ID})

	merged, err := e.cs.MergeContacts(e.sys, survivor.ID, other.ID, 0)
	must(t, err)
	var refs []string
	for _, r := range merged.Companies {
		refs = append(refs, r.Name+"/"+r.Title)
	}
	slices.Sort(refs)
	if diff := cmp.Diff([]string{"Acme/CTO", "Beta/Advisor", "Beta/Board"}, refs); diff != "" {
		t.Errorf("companies of the survivor (-want +got):\n%s", diff)
	}
	positions, err := e.cs.ContactPositions(e.sys, survivor.ID)
	must(t, err)
	var posIDs []int64
	for _, p := range positions {
		posIDs = append(posIDs, p.ID)
		if p.ContactID != survivor.ID || p.ContactName != "Survivor" {
			t.Errorf("position %d: contact %d %q", p.ID, p.ContactID, p.ContactName)
		}
	}
	slices.Sort(posIDs)
	if diff := cmp.Diff([]int64{sPos.ID, oPos.ID, oBeta.ID}, posIDs); diff != "" {
		t.Errorf("positions of the survivor (-want +got):\n%s", diff)
	}
	if left, err := e.cs.ContactPositions(e.sys, other.ID); err != nil || len(left) != 0 {
		t.Errorf("positions left on the merged contact: %v %v", left, err)
	}
	reportsTo := func(id int64) *int64 {
		p, err := e.cs.GetPosition(e.sys, id)
		must(t, err)
		return p.ReportsToID
	}
	if got := reportsTo(rPos.ID); got == nil || *got != survivor.ID {
		t.Errorf("the report now reports to %v; want the survivor %d", got, survivor.ID)
	}
	if got := reportsTo(sPos.ID); got != nil {
		t.Errorf("the survivor reports to %d, i.e. to itself; want nobody", *got)
	}
	if got := reportsTo(pPos.ID); got != nil {
		t.Errorf("the peer reports to %v; want nobody", *got)
	}
	page := e.list(customer.ListParams{Conditions: []customer.Condition{cond("company_id", customer.OpEq, itoa64(acme.ID))}})
	if diff := cmp.Diff(sorted("Survivor", "Report", "Peer"), sortedNames(page.Items)); diff != "" {
		t.Errorf("contacts at Acme (-want +got):\n%s", diff)
	}
	if names := e.search("acme"); !slices.Contains(names, "Survivor") {
		t.Errorf("search acme = %v; the survivor works there now", names)
	}
}

func itoa64(n int64) string { return strconv.FormatInt(n, 10) }

func testMergeHistory(t *testing.T, e *env) {
	a := e.named("A")
	b := e.named("B")
	c := e.named("C")
	e.update(e.sys, b.ID, func(f *customer.ContactFields) { f.GivenName = "Bee" })
	if _, err := e.cs.MergeContacts(e.sys, a.ID, b.ID, 0); err != nil {
		t.Fatal(err)
	}
	entries := e.audit(e.sys, a.ID)
	for _, w := range []struct {
		action string
		id     int64
		field  string
	}{
		{crm.ActionCreate, a.ID, "display_name"},
		{crm.ActionCreate, b.ID, "display_name"},
		{crm.ActionUpdate, b.ID, "given_name"},
		{crm.ActionMerge, a.ID, "merged_contact_id"},
		{crm.ActionMerge, b.ID, "merged_into_id"},
	} {
		if _, ok := findEntry(entries, w.action, w.id, func(en crm.AuditEntry) bool { return hasChange(en, w.field) }); !ok {
			t.Errorf("history of the survivor lacks %s of %d changing %s", w.action, w.id, w.field)
		}
	}
	if len(entries) != 5 {
		t.Errorf("%d entries; want 5", len(entries))
	}
	for i := 1; i < len(entries); i++ {
		if entries[i].ID >= entries[i-1].ID {
			t.Errorf("history not newest first: %d after %d", entries[i].ID, entries[i-1].ID)
		}
	}
	// A chain: A merged into C carries B's history along.
	if _, err := e.cs.MergeContacts(e.sys, c.ID, a.ID, 0); err != nil {
		t.Fatal(err)
	}
	chain := e.audit(e.sys, c.ID)
	if _, ok := findEntry(chain, crm.ActionUpdate, b.ID, nil); !ok {
		t.Errorf("history of C lacks B's update (B was merged into A, A into C)")
	}
	if len(chain) != 8 {
		t.Errorf("%d entries in C's history; want 8", len(chain))
	}
	// The tombstone's own history is still readable.
	if own := e.audit(e.sys, b.ID); len(own) != 3 {
		t.Errorf("%d entries in B's own history; want 3", len(own))
	}
}

func testMergeRefused(t *testing.T, e *env) {
	a, b, gone := e.named("A"), e.named("B"), e.named("Gone")
	must(t, e.cs.DeleteContact(e.sys, gone.ID, 0))
	_, err := e.cs.MergeContacts(e.sys, a.ID, a.ID, 0)
	wantField(t, err, "contact_id", "merge_with_self")
	_, err = e.cs.MergeContacts(e.sys, a.ID, gone.ID, 0)
	wantCode(t, err, crm.KindConflict, "record_deleted")
	_, err = e.cs.MergeContacts(e.sys, gone.ID, a.ID, 0)
	wantCode(t, err, crm.KindConflict, "record_deleted")
	_, err = e.cs.MergeContacts(e.sys, a.ID, 99999, 0)
	wantKind(t, err, crm.KindNotFound)
	_, err = e.cs.MergeContacts(e.sys, a.ID, b.ID, 7)
	wantKind(t, err, crm.KindStale)
	if got := e.get(b.ID); got.DeletedAt != nil || got.MergedIntoID != nil {
		t.Fatalf("refused merge changed B: %+v", got)
	}
	if _, err := e.cs.MergeContacts(e.sys, a.ID, b.ID, 1); err != nil {
		t.Fatal(err)
	}
	_, err = e.cs.RestoreContact(e.sys, b.ID)
	ce := wantCode(t, err, crm.KindConflict, "record_merged")
	if param(t, ce, "merged_into_id") != a.ID {
		t.Errorf("merged_into_id %v; want %d", ce.Params["merged_into_id"], a.ID)
	}
	_, err = e.cs.MergeContacts(e.sys, a.ID, b.ID, 0)
	wantCode(t, err, crm.KindConflict, "record_deleted")
	_, err = e.cs.UpdateContact(e.sys, b.ID, 0, func(f *customer.ContactFields) error { f.GivenName = "x"; return nil }, customer.WriteOptions{})
	wantCode(t, err, crm.KindConflict, "record_deleted")
}
