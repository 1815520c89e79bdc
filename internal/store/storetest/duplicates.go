package storetest

import (
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/customer"
)

var duplicateTests = []test{
	{"CreateConflicts", testDuplicateOnCreate},
	{"UpdateConflicts", testDuplicateOnUpdate},
	{"DeletedDoNotCount", testDuplicateDeleted},
	{"Duplicates", testDuplicatesList},
}

func testDuplicateOnCreate(t *testing.T, e *env) {
	first := e.contact(e.sys, customer.ContactFields{DisplayName: "First",
		Emails: []customer.Email{{Address: "ann@example.com"}}, Phones: []customer.Phone{{Number: "0912-345-678"}, {Number: "02 2345 6789", Ext: "12"}}})
	tests := []struct {
		name  string
		in    customer.ContactFields
		field string
	}{
		{"same email in another case", customer.ContactFields{DisplayName: "B", Emails: []customer.Email{{Address: "ANN@example.COM"}}}, "email"},
		{"same email as a second address", customer.ContactFields{DisplayName: "B", Emails: []customer.Email{{Address: "new@example.com"}, {Address: "ann@example.com"}}}, "email"},
		{"same phone written internationally", customer.ContactFields{DisplayName: "B", Phones: []customer.Phone{{Number: "+886 912 345 678"}}}, "phone"},
		{"same phone and extension", customer.ContactFields{DisplayName: "B", Phones: []customer.Phone{{Number: "(02) 2345-6789 轉 12"}}}, "phone"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.cs.CreateContact(e.sys, tt.in, customer.WriteOptions{})
			ce := wantCode(t, err, crm.KindConflict, "duplicate_contact")
			if got := param(t, ce, "existing_id"); got != first.ID {
				t.Errorf("existing_id %d; want %d", got, first.ID)
			}
			if ce.Params["field"] != tt.field {
				t.Errorf("field %v; want %s", ce.Params["field"], tt.field)
			}
			c, err := e.cs.CreateContact(e.sys, tt.in, customer.WriteOptions{AllowDuplicate: true})
			if err != nil {
				t.Fatalf("with AllowDuplicate: %v", err)
			}
			must(t, e.cs.DeleteContact(e.sys, c.ID, 0))
		})
	}
	// Near misses: another address, another number, a colleague behind the
	// same switchboard (another extension), the switchboard itself.
	for _, f := range []customer.ContactFields{
		{DisplayName: "C", Emails: []customer.Email{{Address: "ann@example.org"}}, Phones: []customer.Phone{{Number: "0912-345-679"}}},
		{DisplayName: "D", Phones: []customer.Phone{{Number: "02 2345 6789", Ext: "13"}}},
		{DisplayName: "E", Phones: []customer.Phone{{Number: "02 2345 6789"}}},
	} {
		if _, err := e.cs.CreateContact(e.sys, f, customer.WriteOptions{}); err != nil {
			t.Errorf("near miss %s: %v", f.DisplayName, err)
		}
	}
}

func testDuplicateOnUpdate(t *testing.T, e *env) {
	a := e.contact(e.sys, customer.ContactFields{DisplayName: "A", Emails: []customer.Email{{Address: "a@example.com"}}})
	b := e.contact(e.sys, customer.ContactFields{DisplayName: "B", Emails: []customer.Email{{Address: "b@example.com"}}, Phones: []customer.Phone{{Number: "0922000111"}}})
	_, err := e.cs.UpdateContact(e.sys, b.ID, 0, func(f *customer.ContactFields) error {
		f.Emails = append(f.Emails, customer.Email{Address: "A@example.com"})
		return nil
	}, customer.WriteOptions{})
	ce := wantCode(t, err, crm.KindConflict, "duplicate_contact")
	if got := param(t, ce, "existing_id"); got != a.ID {
		t.Errorf("existing_id %d; want %d", got, a.ID)
	}
	if got := e.get(b.ID); got.Version != 1 {
		t.Errorf("refused update wrote version %d", got.Version)
	}
	// Keeping one's own keys is no conflict, even when another contact
	// shares them (saved with AllowDuplicate).
	twin, err := e.cs.CreateContact(e.sys, customer.ContactFields{DisplayName: "Twin", Phones: []customer.Phone{{Number: "0922000111"}}}, customer.WriteOptions{AllowDuplicate: true})
	must(t, err)
	e.update(e.sys, b.ID, func(f *customer.ContactFields) { f.DisplayName = "B2" })
	e.update(e.sys, twin.ID, func(f *customer.ContactFields) { f.DisplayName = "Twin2" })
	if _, err := e.cs.UpdateContact(e.sys, b.ID, 0, func(f *customer.ContactFields) error {
		f.Emails = append(f.Emails, customer.Email{Address: "a@example.com"})
		return nil
	}, customer.WriteOptions{AllowDuplicate: true}); err != nil {
		t.Errorf("update with AllowDuplicate: %v", err)
	}
}

func testDuplicateDeleted(t *testing.T, e *env) {
	old := e.contact(e.sys, customer.ContactFields{DisplayName: "Old", Emails: []customer.Email{{Address: "x@example.com"}}})
	must(t, e.cs.DeleteContact(e.sys, old.ID, 0))
	c, err := e.cs.CreateContact(e.sys, customer.ContactFields{DisplayName: "New", Emails: []customer.Email{{Address: "x@example.com"}}}, customer.WriteOptions{})
	if err != nil {
		t.Fatalf("a deleted contact's email blocks a new contact: %v", err)
	}
	dups, err := e.cs.Duplicates(e.sys, c.ID)
	must(t, err)
	if len(dups) != 0 {
		t.Errorf("duplicates of the new contact: %v; the deleted one does not count", dupIDs(dups))
	}
	// Restoring brings the twin back among the duplicates.
	if _, err := e.cs.RestoreContact(e.sys, old.ID); err != nil {
		t.Fatal(err)
	}
	dups, err = e.cs.Duplicates(e.sys, c.ID)
	must(t, err)
	if diff := cmp.Diff([]int64{old.ID}, dupIDs(dups)); diff != "" {
		t.Errorf("duplicates after restore (-want +got):\n%s", diff)
	}
}

func dupIDs(ds []customer.Duplicate) []int64 {
	out := []int64{}
	for _, d := range ds {
		out = append(out, d.Contact.ID)
	}
	return out
}

func testDuplicatesList(t *testing.T, e *env) {
	acme := e.company(e.sys, customer.CompanyFields{Name: "Acme"})
	other := e.company(e.sys, customer.CompanyFields{Name: "Other"})
	at := func(c *customer.Contact, co *customer.Company, status string) {
		e.position(e.sys, customer.PositionFields{ContactID: c.ID, CompanyID: co.ID, Status: status})
	}
	john := e.contact(e.sys, customer.ContactFields{GivenName: "John", FamilyName: "Smith",
		Emails: []customer.Email{{Address: "john@acme.example"}}, Phones: []customer.Phone{{Number: "0912000001"}}})
	at(john, acme, "")
	add := func(f customer.ContactFields) *customer.Contact {
		c, err := e.cs.CreateContact(e.sys, f, customer.WriteOptions{AllowDuplicate: true})
		must(t, err)
		return c
	}
	sameEmail := add(customer.ContactFields{DisplayName: "J. S.", Emails: []customer.Email{{Address: "JOHN@acme.example"}}})
	samePhone := add(customer.ContactFields{DisplayName: "Mobile guy", Phones: []customer.Phone{{Number: "+886-912-000-001"}}})
	both := add(customer.ContactFields{DisplayName: "Both", Emails: []customer.Email{{Address: "john@acme.example"}}, Phones: []customer.Phone{{Number: "0912000001"}}})
	similar := add(customer.ContactFields{GivenName: "Jon", FamilyName: "Smith"})
	at(similar, acme, "")
	reversed := add(customer.ContactFields{DisplayName: "SMITH, John"})
	at(reversed, acme, "")
	dissimilar := add(customer.ContactFields{GivenName: "Dan", FamilyName: "Lee"})
	at(dissimilar, acme, "")
	elsewhere := add(customer.ContactFields{GivenName: "John", FamilyName: "Smith"})
	at(elsewhere, other, "")
	formerly := add(customer.ContactFields{GivenName: "John", FamilyName: "Smyth"})
	at(formerly, acme, customer.PositionPast)
	gone := add(customer.ContactFields{DisplayName: "Gone", Emails: []customer.Email{{Address: "john@acme.example"}}})
	must(t, e.cs.DeleteContact(e.sys, gone.ID, 0))

	dups, err := e.cs.Duplicates(e.sys, john.ID)
	must(t, err)
	type found struct {
		ID      int64
		Reasons []string
	}
	var got []found
	for _, d := range dups {
		r := slices.Clone(d.Reasons)
		slices.Sort(r)
		got = append(got, found{d.Contact.ID, r})
		if d.Score <= 0 || d.Score > 1 {
			t.Errorf("contact %d: score %v", d.Contact.ID, d.Score)
		}
	}
	slices.SortFunc(got, func(a, b found) int { return int(a.ID - b.ID) })
	want := []found{
		{sameEmail.ID, []string{customer.ReasonSameEmail}},
		{samePhone.ID, []string{customer.ReasonSamePhone}},
		{both.ID, []string{customer.ReasonSameEmail, customer.ReasonSamePhone}},
		{similar.ID, []string{customer.ReasonSimilarNameCompany}},
		{reversed.ID, []string{customer.ReasonSimilarNameCompany}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("duplicates of John Smith (-want +got):\n%s", diff)
	}
	// Shared keys rank above similar names.
	for i := 1; i < len(dups); i++ {
		if dups[i].Score > dups[i-1].Score {
			t.Errorf("duplicates not ordered by score: %v then %v", dups[i-1].Score, dups[i].Score)
		}
	}
	if len(dups) > 0 && dups[0].Score != 1 {
		t.Errorf("best duplicate has score %v; want 1", dups[0].Score)
	}
	// The relation holds both ways.
	back, err := e.cs.Duplicates(e.sys, similar.ID)
	must(t, err)
	if !slices.Contains(dupIDs(back), john.ID) {
		t.Errorf("duplicates of Jon Smith %v lack John Smith %d", dupIDs(back), john.ID)
	}
	_, err = e.cs.Duplicates(e.sys, 999999)
	wantKind(t, err, crm.KindNotFound)
}
