// Package storetest is the conformance suite that every Guanxi store must
// pass (DESIGN.md, Tests). It drives the domain services — customer, account,
// idempotency — over a real store, so that what it checks is the behaviour a
// user sees, and runs the same checks on SQLite and on PostgreSQL.
//
// Each test gets a fresh, migrated store from the open function, its own
// users and a fixed clock; tests run in parallel with each other.
package storetest

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/guanxi-crm/guanxi/internal/account"
	"github.com/guanxi-crm/guanxi/internal/commerce"
	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/idempotency"
	"github.com/guanxi-crm/guanxi/internal/report"
	"github.com/guanxi-crm/guanxi/internal/sales"
	"github.com/guanxi-crm/guanxi/internal/store"
	"github.com/guanxi-crm/guanxi/internal/touchpoint"
)

// Opener opens a fresh, migrated store that lives until the test ends.
type Opener func(t testing.TB) *store.Store

// test is one conformance test.
type test struct {
	name string
	fn   func(t *testing.T, e *env)
}

// group is the tests of one area.
type group struct {
	name  string
	tests []test
}

func groups() []group {
	return []group{
		{"Contacts", contactTests},
		{"Duplicates", duplicateTests},
		{"Lists", listTests},
		{"Search", searchTests},
		{"Companies", companyTests},
		{"Positions", positionTests},
		{"Merge", mergeTests},
		{"Trash", trashTests},
		{"Permissions", permissionTests},
		{"CustomFields", customFieldTests},
		{"Tags", tagTests},
		{"SavedViews", savedViewTests},
		{"Accounts", accountTests},
		{"Idempotency", idempotencyTests},
		{"Concurrency", concurrencyTests},
		{"Jobs", jobTests},
		{"Touchpoints", touchpointTests},
		{"Commerce", commerceTests},
		{"Reports", reportTests},
		{"Sales", salesTests},
		{"Leads", leadTests},
		{"Quotes", quoteTests},
		{"Segments", segmentTests},
		{"Insight", insightTests},
		{"Activities", activityTests},
	}
}

// Run runs every conformance test as a subtest, each on a fresh store from
// open. It opens one store first, so that an engine that is not available
// skips (or fails) once rather than in every test.
func Run(t *testing.T, open func(t testing.TB) *store.Store) {
	open(t)
	for _, g := range groups() {
		t.Run(g.name, func(t *testing.T) {
			for _, tc := range g.tests {
				t.Run(tc.name, func(t *testing.T) {
					t.Parallel()
					tc.fn(t, newEnv(t, open))
				})
			}
		})
	}
}

// start is the time every test begins at.
var start = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// env is one test's world: a store, the services over it, a clock the test
// moves, and a context acting as the system.
type env struct {
	t     *testing.T
	st    *store.Store
	clock *crm.FixedClock
	cs    *customer.Service
	acc   *account.Service
	idem  *idempotency.Service
	tp    *touchpoint.Service
	com   *commerce.Service
	rep   *report.Service
	sales *sales.Service
	// sys acts as crm.System (the CLI): all-powerful, owner of nothing.
	sys context.Context
}

func newEnv(t *testing.T, open func(t testing.TB) *store.Store) *env {
	st := open(t)
	clock := &crm.FixedClock{T: start}
	cs := customer.NewService(st, customer.Options{DefaultRegion: "TW", Clock: clock})
	tp := touchpoint.NewService(st, cs, clock)
	return &env{
		t:     t,
		st:    st,
		clock: clock,
		cs:    cs,
		acc:   account.NewService(st, account.Options{Clock: clock}),
		idem:  idempotency.NewService(st, clock),
		tp:    tp,
		com:   commerce.NewService(st, tp, cs, commerce.Options{Clock: clock, DefaultCurrency: "TWD"}),
		rep:   report.NewService(st, clock),
		sales: sales.NewService(st, cs, sales.Options{Clock: clock, DefaultCurrency: "TWD"}),
		sys:   crm.WithPrincipal(context.Background(), crm.System),
	}
}

// now is the current time of the test's clock.
func (e *env) now() time.Time { return e.clock.Now() }

// tick moves the clock on.
func (e *env) tick(d time.Duration) { e.clock.T = e.clock.T.Add(d) }

// team creates a team.
func (e *env) team(name string) *account.Team {
	e.t.Helper()
	tm, err := e.acc.CreateTeam(e.sys, account.TeamFields{Name: name})
	if err != nil {
		e.t.Fatalf("create team %s: %v", name, err)
	}
	return tm
}

// user creates a user without a password (no Argon2 cost) in the teams.
func (e *env) user(name string, role crm.Role, teams ...*account.Team) *account.User {
	e.t.Helper()
	email := strings.ToLower(strings.ReplaceAll(name, " ", ".")) + "@guanxi.test"
	u, err := e.acc.CreateUser(e.sys, account.UserFields{Email: email, Name: name, Role: role}, "")
	if err != nil {
		e.t.Fatalf("create user %s: %v", name, err)
	}
	for _, tm := range teams {
		if _, err := e.acc.SetTeamMember(e.sys, tm.ID, u.ID, true); err != nil {
			e.t.Fatalf("add %s to team %s: %v", name, tm.Name, err)
		}
	}
	if len(teams) > 0 {
		if u, err = e.acc.GetUser(e.sys, u.ID); err != nil {
			e.t.Fatal(err)
		}
	}
	return u
}

// as returns a context acting as the user, with the teams the store knows.
func (e *env) as(u *account.User) context.Context {
	e.t.Helper()
	p, err := e.acc.PrincipalFor(e.sys, u.Email)
	if err != nil {
		e.t.Fatalf("principal of %s: %v", u.Email, err)
	}
	return crm.WithPrincipal(context.Background(), p)
}

// contact creates a contact or fails the test.
func (e *env) contact(ctx context.Context, f customer.ContactFields) *customer.Contact {
	e.t.Helper()
	c, err := e.cs.CreateContact(ctx, f, customer.WriteOptions{})
	if err != nil {
		e.t.Fatalf("create contact %q: %v", f.DisplayName+f.FamilyName+f.GivenName, err)
	}
	return c
}

// named creates a contact with just a display name.
func (e *env) named(name string) *customer.Contact {
	e.t.Helper()
	return e.contact(e.sys, customer.ContactFields{DisplayName: name})
}

// company creates a company or fails the test.
func (e *env) company(ctx context.Context, f customer.CompanyFields) *customer.Company {
	e.t.Helper()
	c, err := e.cs.CreateCompany(ctx, f)
	if err != nil {
		e.t.Fatalf("create company %q: %v", f.Name, err)
	}
	return c
}

// position creates a position or fails the test.
func (e *env) position(ctx context.Context, f customer.PositionFields) *customer.Position {
	e.t.Helper()
	p, err := e.cs.CreatePosition(ctx, f)
	if err != nil {
		e.t.Fatalf("create position %+v: %v", f, err)
	}
	return p
}

// fieldDef defines a custom field or fails the test.
func (e *env) fieldDef(f customer.FieldDefFields) *customer.FieldDef {
	e.t.Helper()
	d, err := e.cs.CreateFieldDef(e.sys, f)
	if err != nil {
		e.t.Fatalf("create field %s: %v", f.Key, err)
	}
	return d
}

// get reads a contact as the system.
func (e *env) get(id int64) *customer.Contact {
	e.t.Helper()
	c, err := e.cs.GetContact(e.sys, id)
	if err != nil {
		e.t.Fatalf("get contact %d: %v", id, err)
	}
	return c
}

// update changes a contact as the system, or fails the test.
func (e *env) update(ctx context.Context, id int64, apply func(f *customer.ContactFields)) *customer.Contact {
	e.t.Helper()
	c, err := e.cs.UpdateContact(ctx, id, 0, func(f *customer.ContactFields) error { apply(f); return nil }, customer.WriteOptions{})
	if err != nil {
		e.t.Fatalf("update contact %d: %v", id, err)
	}
	return c
}

// list lists contacts as the system, or fails the test.
func (e *env) list(p customer.ListParams) crm.Page[*customer.Contact] {
	e.t.Helper()
	page, err := e.cs.ListContacts(e.sys, p)
	if err != nil {
		e.t.Fatalf("list contacts %+v: %v", p, err)
	}
	return page
}

// search returns the display names of every live contact a query finds,
// sorted.
func (e *env) search(q string, conds ...customer.Condition) []string {
	e.t.Helper()
	items := walk(e.t, 100, func(cursor string) (crm.Page[*customer.Contact], error) {
		return e.cs.ListContacts(e.sys, customer.ListParams{Query: q, Conditions: conds, Sort: "id", Limit: 100, Cursor: cursor})
	})
	return sortedNames(items)
}

// audit returns the whole audit history of a contact, newest first.
func (e *env) audit(ctx context.Context, id int64) []crm.AuditEntry {
	e.t.Helper()
	return walk(e.t, 5, func(cursor string) (crm.Page[crm.AuditEntry], error) {
		return e.cs.ContactAudit(ctx, id, cursor, 5)
	})
}

// auditLog returns the entries of the global audit log that match f.
func (e *env) auditLog(f account.AuditFilter) []crm.AuditEntry {
	e.t.Helper()
	f.Limit = 7
	return walk(e.t, f.Limit, func(cursor string) (crm.Page[crm.AuditEntry], error) {
		f.Cursor = cursor
		return e.acc.AuditLog(e.sys, f)
	})
}

// walk follows a list from its first page to its last and returns every
// item, checking that every page but the last is full and none is empty.
func walk[T any](t testing.TB, limit int, fetch func(cursor string) (crm.Page[T], error)) []T {
	t.Helper()
	var all []T
	cursor := ""
	for page := 0; ; page++ {
		if page > 10_000 {
			t.Fatal("walk: the list never ends")
		}
		p, err := fetch(cursor)
		if err != nil {
			t.Fatalf("walk: page %d: %v", page, err)
		}
		if p.Next != "" && len(p.Items) != limit {
			t.Fatalf("walk: page %d has %d items and a next page; want %d", page, len(p.Items), limit)
		}
		if page > 0 && len(p.Items) == 0 {
			t.Fatalf("walk: page %d is empty", page)
		}
		if page > 0 && p.Total != nil {
			t.Errorf("walk: page %d has a total; only first pages count", page)
		}
		all = append(all, p.Items...)
		if p.Next == "" {
			return all
		}
		cursor = p.Next
	}
}

func names(cs []*customer.Contact) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.DisplayName
	}
	return out
}

func sortedNames(cs []*customer.Contact) []string {
	out := names(cs)
	slices.Sort(out)
	return out
}

func sorted(xs ...string) []string {
	out := slices.Clone(xs)
	slices.Sort(out)
	if out == nil {
		out = []string{}
	}
	return out
}

// wantKind checks that err is a crm error of kind k and returns it.
func wantKind(t testing.TB, err error, k crm.Kind) *crm.Error {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error; want %s", k)
	}
	if got := crm.KindOf(err); got != k {
		t.Fatalf("got error %v (kind %s); want kind %s", err, got, k)
	}
	ce, _ := crm.AsError(err)
	return ce
}

// wantCode checks the kind and code of an error and returns it.
func wantCode(t testing.TB, err error, k crm.Kind, code string) *crm.Error {
	t.Helper()
	ce := wantKind(t, err, k)
	if ce.Code != code {
		t.Fatalf("got error %v with code %q; want %q", err, ce.Code, code)
	}
	return ce
}

// wantField checks that err is a validation error naming field with code.
func wantField(t testing.TB, err error, field, code string) {
	t.Helper()
	ce := wantKind(t, err, crm.KindInvalid)
	for _, f := range ce.Fields {
		if f.Field == field && f.Code == code {
			return
		}
	}
	t.Fatalf("got field errors %+v; want %s=%s", ce.Fields, field, code)
}

// param reads an integer parameter of an error.
func param(t testing.TB, ce *crm.Error, key string) int64 {
	t.Helper()
	switch v := ce.Params[key].(type) {
	case int64:
		return v
	case int:
		return int64(v)
	}
	t.Fatalf("error %v: param %s = %#v; want an integer", ce, key, ce.Params[key])
	return 0
}

// must fails the test on an error.
func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// jsonOf renders a value as compact JSON, for comparing values read back
// from either engine.
func jsonOf(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return "!" + err.Error()
	}
	return string(b)
}

func ptr[T any](v T) *T { return &v }

// ids of contacts, in order.
func ids(cs []*customer.Contact) []int64 {
	out := make([]int64, len(cs))
	for i, c := range cs {
		out[i] = c.ID
	}
	return out
}

// hasChange reports whether an entry changes field.
func hasChange(e crm.AuditEntry, field string) bool {
	return slices.ContainsFunc(e.Changes, func(c crm.Change) bool { return c.Field == field })
}

// findEntry returns the first entry (newest first) with action on record id
// that satisfies ok.
func findEntry(entries []crm.AuditEntry, action string, id int64, ok func(crm.AuditEntry) bool) (crm.AuditEntry, bool) {
	for _, en := range entries {
		if en.Action == action && en.RecordID == id && (ok == nil || ok(en)) {
			return en, true
		}
	}
	return crm.AuditEntry{}, false
}
