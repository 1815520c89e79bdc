package storetest

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/guanxi-crm/guanxi/internal/account"
	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/customer"
)

var trashTests = []test{
	{"SoftDelete", testSoftDelete},
	{"Restore", testRestore},
	{"PurgeExpired", testPurgeExpired},
	{"PurgeContact", testPurgeContact},
}

func testSoftDelete(t *testing.T, e *env) {
	c := e.contact(e.sys, customer.ContactFields{DisplayName: "王小李", Emails: []customer.Email{{Address: "li@example.com"}}, Tags: []string{"VIP"}})
	e.tick(time.Hour)
	_, err := e.cs.UpdateContact(e.sys, c.ID, 0, func(f *customer.ContactFields) error { return nil }, customer.WriteOptions{})
	must(t, err)
	wantKind(t, e.cs.DeleteContact(e.sys, c.ID, 7), crm.KindStale)
	must(t, e.cs.DeleteContact(e.sys, c.ID, 1))
	got := e.get(c.ID)
	if got.DeletedAt == nil || !got.DeletedAt.Equal(e.now()) || got.Version != 2 || got.MergedIntoID != nil {
		t.Errorf("deleted contact: deleted_at %v version %d", got.DeletedAt, got.Version)
	}
	if got.DisplayName != "王小李" || len(got.Emails) != 1 || len(got.Tags) != 1 {
		t.Errorf("a deleted contact keeps its fields: %+v", got.ContactFields)
	}
	if page := e.list(customer.ListParams{}); len(page.Items) != 0 || page.Total.Value != 0 {
		t.Errorf("live list shows %v", names(page.Items))
	}
	if names := e.search("小李"); len(names) != 0 {
		t.Errorf("search finds the deleted contact: %v", names)
	}
	tags, err := e.cs.ListTags(e.sys)
	must(t, err)
	if len(tags) != 1 || tags[0].ContactCount != 0 {
		t.Errorf("tags %+v; a deleted contact counts for none", tags)
	}
	deletedAt := *got.DeletedAt
	e.tick(time.Hour)
	must(t, e.cs.DeleteContact(e.sys, c.ID, 0)) // again: nothing happens
	if again := e.get(c.ID); again.Version != 2 || !again.DeletedAt.Equal(deletedAt) {
		t.Errorf("deleting again wrote version %d, deleted_at %v", again.Version, again.DeletedAt)
	}
	_, err = e.cs.UpdateContact(e.sys, c.ID, 0, func(f *customer.ContactFields) error { f.GivenName = "x"; return nil }, customer.WriteOptions{})
	wantCode(t, err, crm.KindConflict, "record_deleted")
	entries := e.audit(e.sys, c.ID)
	if len(entries) != 2 || entries[0].Action != crm.ActionDelete {
		t.Errorf("audit %s; want delete then create", jsonOf(entries))
	}
}

func testRestore(t *testing.T, e *env) {
	tests := []struct {
		name  string
		after time.Duration
		ok    bool
	}{
		{"after a day", 24 * time.Hour, true},
		{"after 29 days", 29 * 24 * time.Hour, true},
		{"after exactly 30 days", customer.TrashRetention, true},
		{"a second late", customer.TrashRetention + time.Second, false},
		{"after a year", 365 * 24 * time.Hour, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := e.contact(e.sys, customer.ContactFields{DisplayName: tt.name, Emails: []customer.Email{{Address: "r@example.com"}}})
			must(t, e.cs.DeleteContact(e.sys, c.ID, 0))
			deletedAt := e.now()
			e.tick(tt.after)
			defer func() { e.clock.T = deletedAt }()
			got, err := e.cs.RestoreContact(e.sys, c.ID)
			if !tt.ok {
				ce := wantCode(t, err, crm.KindConflict, "restore_window_passed")
				if param(t, ce, "days") != 30 {
					t.Errorf("days %v; want 30", ce.Params["days"])
				}
				if e.get(c.ID).DeletedAt == nil {
					t.Error("refused restore took the contact out of the trash")
				}
				return
			}
			must(t, err)
			if got.DeletedAt != nil || got.Version != 3 || !got.UpdatedAt.Equal(e.now()) {
				t.Errorf("restored: deleted_at %v version %d updated %v", got.DeletedAt, got.Version, got.UpdatedAt)
			}
			if diff := cmp.Diff(got, e.get(c.ID)); diff != "" {
				t.Errorf("restore result differs from a read (-restore +read):\n%s", diff)
			}
			if names := e.search(tt.name); len(names) != 1 {
				t.Errorf("search after restore: %v", names)
			}
			// Its email counts for duplicates again.
			_, err = e.cs.CreateContact(e.sys, customer.ContactFields{DisplayName: "x", Emails: []customer.Email{{Address: "r@example.com"}}}, customer.WriteOptions{})
			wantCode(t, err, crm.KindConflict, "duplicate_contact")
			if _, ok := findEntry(e.audit(e.sys, c.ID), crm.ActionRestore, c.ID, nil); !ok {
				t.Error("no restore entry in the audit history")
			}
			must(t, e.cs.DeleteContact(e.sys, c.ID, 0))
		})
	}
	t.Run("not deleted", func(t *testing.T) {
		c := e.named("Alive")
		_, err := e.cs.RestoreContact(e.sys, c.ID)
		wantCode(t, err, crm.KindConflict, "not_deleted")
		_, err = e.cs.RestoreContact(e.sys, 99999)
		wantKind(t, err, crm.KindNotFound)
	})
}

func testPurgeExpired(t *testing.T, e *env) {
	agent := e.user("Agent", crm.RoleAgent)
	co := e.company(e.sys, customer.CompanyFields{Name: "Old Co"})
	liveCo := e.company(e.sys, customer.CompanyFields{Name: "Live Co"})
	expired := e.contact(e.sys, customer.ContactFields{DisplayName: "Expired", Emails: []customer.Email{{Address: "old@example.com"}}, Tags: []string{"Old"}})
	e.position(e.sys, customer.PositionFields{ContactID: expired.ID, CompanyID: liveCo.ID})
	recent := e.named("Recent")
	live := e.named("Live")
	worker := e.named("Worker")
	e.position(e.sys, customer.PositionFields{ContactID: worker.ID, CompanyID: co.ID})
	survivor := e.named("Survivor")
	merged := e.named("Merged")
	root := e.named("Root")
	mergedIntoRoot := e.named("Merged into root")

	must(t, e.cs.DeleteContact(e.sys, expired.ID, 0))
	must(t, e.cs.DeleteCompany(e.sys, co.ID, 0))
	if _, err := e.cs.MergeContacts(e.sys, survivor.ID, merged.ID, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := e.cs.MergeContacts(e.sys, root.ID, mergedIntoRoot.ID, 0); err != nil {
		t.Fatal(err)
	}
	must(t, e.cs.DeleteContact(e.sys, root.ID, 0))
	e.tick(10 * 24 * time.Hour)
	must(t, e.cs.DeleteContact(e.sys, recent.ID, 0))

	_, err := e.cs.PurgeExpired(e.as(agent))
	wantKind(t, err, crm.KindForbidden)

	e.tick(customer.TrashRetention - 10*24*time.Hour) // exactly 30 days after the first deletions
	n, err := e.cs.PurgeExpired(e.sys)
	must(t, err)
	if n != 0 {
		t.Errorf("purged %d records at exactly 30 days; want 0", n)
	}
	e.tick(time.Second)
	n, err = e.cs.PurgeExpired(e.sys)
	must(t, err)
	if n != 4 {
		t.Errorf("purged %d records; want 4: the expired contact, the root, the contact merged into it and the company", n)
	}
	for _, c := range []*customer.Contact{expired, root, mergedIntoRoot} {
		if _, err := e.cs.GetContact(e.sys, c.ID); !crm.IsKind(err, crm.KindNotFound) {
			t.Errorf("%s after purge: %v; want not found", c.DisplayName, err)
		}
	}
	for _, c := range []*customer.Contact{recent, live, worker, survivor, merged} {
		if _, err := e.cs.GetContact(e.sys, c.ID); err != nil {
			t.Errorf("%s after purge: %v; want it kept", c.DisplayName, err)
		}
	}
	if _, err := e.cs.GetCompany(e.sys, co.ID); !crm.IsKind(err, crm.KindNotFound) {
		t.Errorf("expired company after purge: %v; want not found", err)
	}
	if list, err := e.cs.ContactPositions(e.sys, worker.ID); err != nil || len(list) != 0 {
		t.Errorf("positions at the purged company: %v %v", list, err)
	}
	if list, err := e.cs.CompanyPositions(e.sys, liveCo.ID); err != nil || len(list) != 0 {
		t.Errorf("positions of the purged contact: %v %v", list, err)
	}
	// The merged contact keeps the survivor's history whole.
	if _, ok := findEntry(e.audit(e.sys, survivor.ID), crm.ActionCreate, merged.ID, nil); !ok {
		t.Error("the survivor's history lost the merged contact's create entry")
	}
	// Purged ids are not reused and their keys are free again.
	fresh := e.contact(e.sys, customer.ContactFields{DisplayName: "Fresh", Emails: []customer.Email{{Address: "old@example.com"}}})
	if fresh.ID <= mergedIntoRoot.ID {
		t.Errorf("new contact got id %d, not above the purged %d", fresh.ID, mergedIntoRoot.ID)
	}
	log := e.auditLog(account.AuditFilter{RecordType: "contact", RecordID: expired.ID})
	if len(log) == 0 || log[0].Action != crm.ActionPurge || jsonOf(log[0].Changes) != `[{"field":"reason","to":"trash retention expired"}]` {
		t.Errorf("audit of the purged contact: %s", jsonOf(log))
	}
	for _, en := range log[1:] {
		if len(en.Changes) != 0 {
			t.Errorf("entry %s of a purged contact keeps changes %s", en.Action, jsonOf(en.Changes))
		}
	}
	if log := e.auditLog(account.AuditFilter{RecordType: "company", RecordID: co.ID}); len(log) == 0 || log[0].Action != crm.ActionPurge {
		t.Errorf("audit of the purged company: %s", jsonOf(log))
	}
	tags, err := e.cs.ListTags(e.sys)
	must(t, err)
	if len(tags) != 1 || tags[0].ContactCount != 0 {
		t.Errorf("tags after purge: %+v", tags)
	}
	n, err = e.cs.PurgeExpired(e.sys)
	must(t, err)
	if n != 0 {
		t.Errorf("second purge erased %d more", n)
	}
}

func testPurgeContact(t *testing.T, e *env) {
	agent := e.user("Agent", crm.RoleAgent)
	manager := e.user("Manager", crm.RoleManager)
	co := e.company(e.sys, customer.CompanyFields{Name: "Co"})
	subject := e.contact(e.as(agent), customer.ContactFields{FamilyName: "王", GivenName: "小李",
		Emails: []customer.Email{{Address: "li@example.com"}}, Phones: []customer.Phone{{Number: "0912345678"}}})
	alias := e.contact(e.sys, customer.ContactFields{DisplayName: "Li alias", Emails: []customer.Email{{Address: "alias@example.com"}}})
	bystander := e.named("Bystander")
	e.position(e.sys, customer.PositionFields{ContactID: subject.ID, CompanyID: co.ID})
	bPos := e.position(e.sys, customer.PositionFields{ContactID: bystander.ID, CompanyID: co.ID, ReportsToID: &subject.ID})
	e.update(e.as(agent), subject.ID, func(f *customer.ContactFields) { f.Address.City = "台北市" })
	if _, err := e.cs.MergeContacts(e.sys, subject.ID, alias.ID, 0); err != nil {
		t.Fatal(err)
	}

	wantKind(t, e.cs.PurgeContact(e.as(agent), subject.ID, "request"), crm.KindForbidden)
	wantKind(t, e.cs.PurgeContact(e.as(manager), subject.ID, "request"), crm.KindForbidden)
	wantKind(t, e.cs.PurgeContact(e.sys, 99999, "request"), crm.KindNotFound)
	if _, err := e.cs.GetContact(e.sys, subject.ID); err != nil {
		t.Fatalf("refused purges erased the contact: %v", err)
	}

	// Live contacts can be purged at once, without the trash.
	must(t, e.cs.PurgeContact(e.sys, subject.ID, "GDPR request #12"))
	for _, id := range []int64{subject.ID, alias.ID} {
		if _, err := e.cs.GetContact(e.sys, id); !crm.IsKind(err, crm.KindNotFound) {
			t.Errorf("contact %d after purge: %v; want not found", id, err)
		}
		log := e.auditLog(account.AuditFilter{RecordType: "contact", RecordID: id})
		if len(log) < 2 {
			t.Fatalf("audit of purged contact %d: %s", id, jsonOf(log))
		}
		if log[0].Action != crm.ActionPurge || jsonOf(log[0].Changes) != `[{"field":"reason","to":"GDPR request #12"}]` {
			t.Errorf("newest entry of %d: %s", id, jsonOf(log[0]))
		}
		for _, en := range log[1:] {
			if len(en.Changes) != 0 {
				t.Errorf("entry %s of purged contact %d keeps changes %s", en.Action, id, jsonOf(en.Changes))
			}
		}
	}
	if got := e.search("小李"); len(got) != 0 {
		t.Errorf("search finds %v after the purge", got)
	}
	if got := e.search("0912345678"); len(got) != 0 {
		t.Errorf("search by phone finds %v after the purge", got)
	}
	p, err := e.cs.GetPosition(e.sys, bPos.ID)
	must(t, err)
	if p.ReportsToID != nil {
		t.Errorf("the bystander still reports to the purged contact %d", *p.ReportsToID)
	}
	if list, err := e.cs.CompanyPositions(e.sys, co.ID); err != nil || len(list) != 1 {
		t.Errorf("positions at the company: %v %v; want the bystander's only", list, err)
	}
	// The emails are free again.
	for _, email := range []string{"li@example.com", "alias@example.com"} {
		if _, err := e.cs.CreateContact(e.sys, customer.ContactFields{DisplayName: "New", Emails: []customer.Email{{Address: email}}}, customer.WriteOptions{}); err != nil {
			t.Errorf("new contact with the purged email %s: %v", email, err)
		}
	}
	if got := e.get(bystander.ID); got.DeletedAt != nil {
		t.Errorf("bystander touched: %+v", got)
	}
}
