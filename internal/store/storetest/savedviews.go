package storetest

import (
	"slices"
	"strings"
	"testing"

	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/customer"
)

var savedViewTests = []test{
	{"RoundTrip", testSavedViewRoundTrip},
	{"PerUser", testSavedViewsPerUser},
	{"Checks", testSavedViewChecks},
}

func viewNames(views []*customer.SavedView) []string {
	out := make([]string, len(views))
	for i, v := range views {
		out[i] = v.Name
	}
	return out
}

func testSavedViewRoundTrip(t *testing.T, e *env) {
	amy := e.as(e.user("Amy Agent", crm.RoleAgent))
	v, err := e.cs.CreateSavedView(amy, customer.SavedViewFields{Name: "  台北 VIP ", Query: "q=王&filter[city][eq]=台北&filter[tag][eq]=VIP&sort=-created_at&cursor=abc"})
	must(t, err)
	if v.ID == 0 || v.Name != "台北 VIP" || v.List != customer.ViewListContacts || !v.CreatedAt.Equal(e.now()) {
		t.Errorf("created view = %+v", v)
	}
	// Stored in a canonical form, without the cursor: a view opens at the
	// start of its list.
	if want := "filter%5Bcity%5D%5Beq%5D=%E5%8F%B0%E5%8C%97&filter%5Btag%5D%5Beq%5D=VIP&q=%E7%8E%8B&sort=-created_at"; v.Query != want {
		t.Errorf("query = %q; want %q", v.Query, want)
	}
	e.tick(1)
	first, err := e.cs.CreateSavedView(amy, customer.SavedViewFields{Name: "A first", Query: ""})
	must(t, err)
	views, err := e.cs.SavedViews(amy, "")
	must(t, err)
	if got := viewNames(views); !slices.Equal(got, []string{"A first", "台北 VIP"}) {
		t.Fatalf("views = %q; want both by name", got)
	}
	if got := views[1]; got.ID != v.ID || got.Query != v.Query || !got.CreatedAt.Equal(v.CreatedAt) || got.UserID != v.UserID {
		t.Errorf("read back %+v; want %+v", got, v)
	}
	must(t, e.cs.DeleteSavedView(amy, first.ID))
	wantKind(t, e.cs.DeleteSavedView(amy, first.ID), crm.KindNotFound)
	views, err = e.cs.SavedViews(amy, customer.ViewListContacts)
	must(t, err)
	if got := viewNames(views); !slices.Equal(got, []string{"台北 VIP"}) {
		t.Errorf("after delete: views = %q", got)
	}
}

func testSavedViewsPerUser(t *testing.T, e *env) {
	amy, bob := e.as(e.user("Amy Agent", crm.RoleAgent)), e.as(e.user("Bob Admin", crm.RoleAdmin))
	mine, err := e.cs.CreateSavedView(amy, customer.SavedViewFields{Name: "Mine", Query: "filter[city][eq]=Taipei"})
	must(t, err)
	// The same name is free for another user.
	if _, err := e.cs.CreateSavedView(bob, customer.SavedViewFields{Name: "Mine", Query: "q=x"}); err != nil {
		t.Fatalf("another user's view of the same name: %v", err)
	}
	views, err := e.cs.SavedViews(bob, "")
	must(t, err)
	if len(views) != 1 || views[0].Query != "q=x" {
		t.Errorf("an admin sees %+v; want only their own view", views)
	}
	// Not even an admin deletes someone else's view, nor learns it exists.
	wantKind(t, e.cs.DeleteSavedView(bob, mine.ID), crm.KindNotFound)
	views, err = e.cs.SavedViews(amy, "")
	must(t, err)
	if len(views) != 1 || views[0].ID != mine.ID {
		t.Errorf("Amy's views after Bob's attempt = %+v", views)
	}
	// The system has no views of its own.
	_, err = e.cs.SavedViews(e.sys, "")
	wantKind(t, err, crm.KindForbidden)
}

func testSavedViewChecks(t *testing.T, e *env) {
	viewer := e.as(e.user("Vera Viewer", crm.RoleViewer))
	// A viewer may save views: they change no record.
	_, err := e.cs.CreateSavedView(viewer, customer.SavedViewFields{Name: "Lapsed", Query: "filter[lifecycle_stage][eq]=lapsed"})
	must(t, err)
	_, err = e.cs.CreateSavedView(viewer, customer.SavedViewFields{Name: "Lapsed", Query: "q=other"})
	wantCode(t, err, crm.KindConflict, "duplicate_view")
	_, err = e.cs.CreateSavedView(viewer, customer.SavedViewFields{Name: " ", Query: ""})
	wantField(t, err, "name", "required")
	_, err = e.cs.CreateSavedView(viewer, customer.SavedViewFields{Name: strings.Repeat("名", 101)})
	wantField(t, err, "name", "too_long")
	_, err = e.cs.CreateSavedView(viewer, customer.SavedViewFields{Name: "Bad", Query: "q=%zz"})
	wantField(t, err, "query", "invalid_query")
	_, err = e.cs.CreateSavedView(viewer, customer.SavedViewFields{Name: "Long", Query: "q=" + strings.Repeat("x", 2000)})
	wantField(t, err, "query", "too_long")
	_, err = e.cs.CreateSavedView(viewer, customer.SavedViewFields{List: "deals", Name: "Deals"})
	wantField(t, err, "list", "not_one_of")
	for i := 1; i < customer.MaxSavedViews; i++ {
		_, err = e.cs.CreateSavedView(viewer, customer.SavedViewFields{Name: "View " + itoa64(int64(i))})
		must(t, err)
	}
	_, err = e.cs.CreateSavedView(viewer, customer.SavedViewFields{Name: "One too many"})
	wantField(t, err, "name", "too_many")
}
