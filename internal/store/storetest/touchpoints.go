package storetest

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	gocmp "github.com/google/go-cmp/cmp"

	"github.com/guanxi-crm/guanxi/internal/commerce"
	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/touchpoint"
)

var touchpointTests = []test{
	{"BatchMixed", testTpBatchMixed},
	{"ClientEventID", testTpClientEventID},
	{"ConcurrentRetries", testTpConcurrentRetries},
	{"IdentifyMidBatch", testTpIdentifyMidBatch},
	{"SharedComputer", testTpSharedComputer},
	{"ExternalIDsPerSource", testTpExternalIDs},
	{"ExternalIDTwiceInBatch", testTpExternalIDTwice},
	{"EmailAndPhone", testTpEmailAndPhone},
	{"ManyNewCustomers", testTpManyNewCustomers},
	{"Merged", testTpMerged},
	{"Permissions", testTpPermissions},
	{"Timeline", testTpTimeline},
	{"CompanyTimeline", testTpCompanyTimeline},
	{"Purge", testTpPurge},
}

// Helpers of the touchpoint tests.

func tpAnon(id string) crm.CustomerRef     { return crm.CustomerRef{AnonymousID: id} }
func tpEmail(email string) crm.CustomerRef { return crm.CustomerRef{Email: email} }
func tpContact(id int64) crm.CustomerRef   { return crm.CustomerRef{ContactID: &id} }

// tpEv is an event of a type on the web at a time.
func tpEv(typ string, at time.Time, c crm.CustomerRef) touchpoint.EventInput {
	return touchpoint.EventInput{Type: typ, Channel: "web", OccurredAt: &at, Customer: c}
}

// tpBatch records a batch or fails, checks that every result is at its
// index, and that what each result says of a stored event (its contact) is
// what the store holds.
func (e *env) tpBatch(ctx context.Context, ins ...touchpoint.EventInput) []touchpoint.Result {
	e.t.Helper()
	rs, err := e.tp.RecordBatch(ctx, ins)
	if err != nil {
		e.t.Fatalf("record batch: %v", err)
	}
	if len(rs) != len(ins) {
		e.t.Fatalf("record batch of %d answered %d results", len(ins), len(rs))
	}
	for i, r := range rs {
		if r.Index != i {
			e.t.Errorf("result %d has index %d", i, r.Index)
		}
		if r.Err != nil {
			if r.ID != 0 || r.Duplicate {
				e.t.Errorf("result %d failed (%v) but has id %d duplicate %v", i, r.Err, r.ID, r.Duplicate)
			}
			continue
		}
		if r.ID == 0 {
			e.t.Errorf("result %d: no error and no id", i)
			continue
		}
		if r.Duplicate {
			continue
		}
		if got := e.tpEvent(r.ID).ContactID; !sameRef(got, r.ContactID) {
			e.t.Errorf("result %d (event %d) says contact %s; the store has %s", i, r.ID, refString(r.ContactID), refString(got))
		}
	}
	return rs
}

// tpOK checks that the results at idx succeeded.
func tpOK(t testing.TB, rs []touchpoint.Result, idx ...int) {
	t.Helper()
	for _, i := range idx {
		if rs[i].Err != nil {
			t.Fatalf("event %d: %v", i, rs[i].Err)
		}
	}
}

func sameRef(a, b *int64) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }

func refString(p *int64) string {
	if p == nil {
		return "none"
	}
	return itoa64(*p)
}

// tpEvent reads an event as the system.
func (e *env) tpEvent(id int64) *touchpoint.Event {
	e.t.Helper()
	ev, err := e.tp.GetEvent(e.sys, id)
	if err != nil {
		e.t.Fatalf("get event %d: %v", id, err)
	}
	return ev
}

// tpWantContact checks the contact of stored events.
func (e *env) tpWantContact(want *int64, ids ...int64) {
	e.t.Helper()
	for _, id := range ids {
		if got := e.tpEvent(id).ContactID; !sameRef(got, want) {
			e.t.Errorf("event %d belongs to %s; want %s", id, refString(got), refString(want))
		}
	}
}

// tpCount runs a counting query (literal SQL both engines accept, without
// parameters) on the store's database.
func (e *env) tpCount(query string) int64 {
	e.t.Helper()
	var n int64
	if err := e.st.DB().QueryRowContext(context.Background(), query).Scan(&n); err != nil {
		e.t.Fatalf("%s: %v", query, err)
	}
	return n
}

// tpMetrics reads a contact's figures.
func (e *env) tpMetrics(id int64) customer.Metrics {
	e.t.Helper()
	c := e.get(id)
	if c.Metrics == nil {
		e.t.Fatalf("contact %d read without metrics", id)
	}
	return *c.Metrics
}

func tpSameTime(t testing.TB, what string, got *time.Time, want time.Time) {
	t.Helper()
	if got == nil || !got.Equal(want) {
		t.Errorf("%s = %v; want %v", what, got, want)
	}
}

// tpSameJSON compares JSON by value (PostgreSQL's jsonb reorders keys).
func tpSameJSON(t testing.TB, what string, got json.RawMessage, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("%s: stored JSON %q: %v", what, got, err)
	}
	must(t, json.Unmarshal([]byte(want), &w))
	if jsonOf(g) != jsonOf(w) {
		t.Errorf("%s = %s; want %s", what, got, want)
	}
}

// tpTimeline walks a contact's whole timeline in pages of limit.
func (e *env) tpTimeline(ctx context.Context, id int64, p touchpoint.TimelineParams, limit int) []touchpoint.TimelineItem {
	e.t.Helper()
	p.Limit = limit
	return walk(e.t, limit, func(cursor string) (crm.Page[touchpoint.TimelineItem], error) {
		p.Cursor = cursor
		return e.tp.ContactTimeline(ctx, id, p)
	})
}

func tpDiff(want, got any) string { return gocmp.Diff(want, got) }

func tpKey(kind string, id int64) string { return kind + ":" + itoa64(id) }

func tpKeys(items []touchpoint.TimelineItem) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = tpKey(it.Kind, it.ID)
	}
	return out
}

// joins returns a contact's "join" audit entries.
func (e *env) joins(id int64) []crm.AuditEntry {
	e.t.Helper()
	var out []crm.AuditEntry
	for _, en := range e.audit(e.sys, id) {
		if en.Action == crm.ActionJoin && en.RecordID == id {
			out = append(out, en)
		}
	}
	return out
}

// changeTo reads the To value of a field of an entry as JSON text.
func changeTo(en crm.AuditEntry, field string) (to, from string, ok bool) {
	for _, c := range en.Changes {
		if c.Field == field {
			return string(c.To), string(c.From), true
		}
	}
	return "", "", false
}

func testTpBatchMixed(t *testing.T, e *env) {
	at := e.now().Add(-time.Hour)
	future := e.now().Add(25 * time.Hour)
	big := `{"x":"` + strings.Repeat("a", touchpoint.MaxPropertiesBytes) + `"}`
	contactsBefore := e.tpCount("SELECT count(*) FROM contacts")
	ins := []touchpoint.EventInput{
		{Type: "page_view", Channel: "web", OccurredAt: &at, ClientEventID: " c-0 ", Customer: tpAnon("cookie-1"),
			Properties: json.RawMessage(" { \"url\" : \"/tea\" ,\n \"n\": [1, 2] } ")},
		{Type: "Not A Type", Channel: "web", Customer: tpAnon("cookie-1")},
		{Type: "page_view", Channel: "fax", Customer: tpAnon("cookie-1")},
		{Type: "call", Channel: "phone"},
		{Type: "identify", Customer: tpEmail("only-email@example.com")},
		{Type: "note", Customer: tpEmail("array-props@example.com"), Properties: json.RawMessage(`[1]`)},
		{Type: "note", OccurredAt: &future, Customer: tpEmail("future@example.com")},
		{Type: "note", Customer: tpEmail("big@example.com"), Properties: json.RawMessage(big)},
		{Type: "call", Customer: tpContact(1 << 40)},
		{Type: "note", Customer: tpEmail("not an email")},
		{Type: "tea.tasting:v2", Channel: "store", Customer: crm.CustomerRef{Email: "Mei@Example.com", Name: "林美"}},
		{Type: "call", Customer: tpAnon("cookie-2")},
		{Type: "", Customer: tpAnon("cookie-2")},
	}
	rs := e.tpBatch(e.sys, ins...)
	tpOK(t, rs, 0, 10, 11)
	checks := []struct {
		i           int
		field, code string
	}{
		{1, "type", "invalid_event_type"},
		{2, "channel", "invalid_channel"},
		{3, "customer", "customer_required"},
		{4, "customer", "identify_needs_both"},
		{5, "properties", "not_an_object"},
		{6, "occurred_at", "in_the_future"},
		{7, "properties", "too_large"},
		{12, "type", "required"},
	}
	for _, c := range checks {
		t.Run(fmt.Sprintf("event %d", c.i), func(t *testing.T) { wantField(t, rs[c.i].Err, c.field, c.code) })
	}
	wantKind(t, rs[8].Err, crm.KindNotFound)
	wantField(t, rs[9].Err, "customer.email", "invalid_email")

	if n := e.tpCount("SELECT count(*) FROM events"); n != 3 {
		t.Errorf("%d events stored; want the 3 valid ones", n)
	}
	if n := e.tpCount("SELECT count(*) FROM contacts"); n != contactsBefore+1 {
		t.Errorf("%d contacts after the batch; want %d (only the valid event's email makes one)", n, contactsBefore+1)
	}

	first := e.tpEvent(rs[0].ID)
	if first.ContactID != nil || first.AnonymousID != "cookie-1" || first.Type != "page_view" || first.Channel != "web" ||
		!first.OccurredAt.Equal(at) || !first.ReceivedAt.Equal(e.now()) || first.ClientEventID != "c-0" {
		t.Errorf("anonymous event stored as %+v", first)
	}
	tpSameJSON(t, "properties", first.Properties, `{"url":"/tea","n":[1,2]}`)

	custom := e.tpEvent(rs[10].ID)
	if custom.Type != "tea.tasting:v2" || custom.Channel != "store" || !custom.OccurredAt.Equal(e.now()) || custom.ContactID == nil {
		t.Errorf("custom event stored as %+v", custom)
	} else {
		mei := e.get(*custom.ContactID)
		if mei.DisplayName != "林美" || len(mei.Emails) != 1 || mei.Emails[0].Address != "mei@example.com" {
			t.Errorf("contact made by the event: %q %+v", mei.DisplayName, mei.Emails)
		}
	}
	tpSameJSON(t, "default properties", custom.Properties, `{}`)
	if ev := e.tpEvent(rs[11].ID); ev.Channel != "other" {
		t.Errorf("an event without a channel has channel %q; want other", ev.Channel)
	}

	// Over the limit, the whole call is refused.
	many := make([]touchpoint.EventInput, touchpoint.MaxBatch+1)
	for i := range many {
		many[i] = tpEv("page_view", at, tpAnon("x"))
	}
	_, err := e.tp.RecordBatch(e.sys, many)
	wantKind(t, err, crm.KindTooLarge)
	if n := e.tpCount("SELECT count(*) FROM events"); n != 3 {
		t.Errorf("a refused batch stored events: %d", n)
	}
}

func testTpClientEventID(t *testing.T, e *env) {
	at := e.now().Add(-time.Hour)
	withID := func(typ, id string) touchpoint.EventInput {
		in := tpEv(typ, at, tpAnon("cookie"))
		in.ClientEventID = id
		return in
	}
	rs := e.tpBatch(e.sys,
		withID("page_view", "a"),
		withID("page_view", "b"),
		withID("search", "a"),
		withID("page_view", ""),
		withID("page_view", ""),
		touchpoint.EventInput{Type: "Bad Type", ClientEventID: "d", Customer: tpAnon("cookie")},
		withID("search", "d"),
	)
	tpOK(t, rs, 0, 1, 3, 4, 6)
	ce := wantCode(t, rs[2].Err, crm.KindConflict, "duplicate_in_batch")
	if param(t, ce, "index") != 0 || ce.Params["field"] != "client_event_id" {
		t.Errorf("duplicate in batch: params %v; want index 0, field client_event_id", ce.Params)
	}
	wantField(t, rs[5].Err, "type", "invalid_event_type")
	for i, r := range rs {
		if r.Duplicate {
			t.Errorf("event %d of a first batch is a duplicate", i)
		}
	}
	if n := e.tpCount("SELECT count(*) FROM events"); n != 5 {
		t.Fatalf("%d events after the first batch; want 5", n)
	}

	// A retry, with new events between.
	rs2 := e.tpBatch(e.sys,
		withID("search", "b"),
		withID("page_view", "c"),
		withID("page_view", "c"),
		withID("page_view", "a"),
		withID("page_view", "d"),
	)
	tpOK(t, rs2, 0, 1, 3, 4)
	for _, c := range []struct {
		i    int
		want int64
	}{{0, rs[1].ID}, {3, rs[0].ID}, {4, rs[6].ID}} {
		if !rs2[c.i].Duplicate || rs2[c.i].ID != c.want {
			t.Errorf("retried event %d: duplicate %v id %d; want the stored %d", c.i, rs2[c.i].Duplicate, rs2[c.i].ID, c.want)
		}
	}
	if rs2[1].Duplicate {
		t.Error("a new client event id is a duplicate")
	}
	ce = wantCode(t, rs2[2].Err, crm.KindConflict, "duplicate_in_batch")
	if param(t, ce, "index") != 1 {
		t.Errorf("duplicate in batch points at %v; want 1", ce.Params["index"])
	}
	if n := e.tpCount("SELECT count(*) FROM events"); n != 6 {
		t.Errorf("%d events after the retry; want 6", n)
	}
	if ev := e.tpEvent(rs[1].ID); ev.Type != "page_view" {
		t.Errorf("a duplicate changed the stored event: type %q", ev.Type)
	}

	// One event: the stored one comes back.
	ev, dup, err := e.tp.Record(e.sys, withID("note", "c"))
	must(t, err)
	if !dup || ev.ID != rs2[1].ID || ev.Type != "page_view" {
		t.Errorf("Record of a stored id: duplicate %v event %+v; want %d", dup, ev, rs2[1].ID)
	}
}

// testTpConcurrentRetries sends the same batch from several clients at
// once, as a client does that retries before its first try has answered:
// each event is stored once and every call succeeds.
func testTpConcurrentRetries(t *testing.T, e *env) {
	at := e.now().Add(-time.Hour)
	for round := range 3 {
		ins := make([]touchpoint.EventInput, 5)
		for i := range ins {
			ins[i] = tpEv("page_view", at, tpAnon("cookie"))
			ins[i].ClientEventID = fmt.Sprintf("r%d-e%d", round, i)
		}
		results := make([][]touchpoint.Result, writers)
		errs := race(writers, func(w int) error {
			rs, err := e.tp.RecordBatch(e.sys, slices.Clone(ins))
			results[w] = rs
			return err
		})
		for w, err := range errs {
			if err != nil {
				t.Errorf("round %d: writer %d: %v", round, w, err)
			}
		}
		for i := range ins {
			ids := map[int64]bool{}
			stored := 0
			for w := range writers {
				if results[w] == nil {
					continue
				}
				r := results[w][i]
				if r.Err != nil {
					t.Errorf("round %d writer %d event %d: %v", round, w, i, r.Err)
					continue
				}
				ids[r.ID] = true
				if !r.Duplicate {
					stored++
				}
			}
			if len(ids) != 1 || stored > 1 {
				t.Errorf("round %d event %d: ids %v, stored by %d writers; want one id stored once", round, i, ids, stored)
			}
		}
	}
	if n := e.tpCount("SELECT count(*) FROM events"); n != 15 {
		t.Errorf("%d events stored; want 15", n)
	}
}

func testTpIdentifyMidBatch(t *testing.T, e *env) {
	t0 := e.now().Add(-10 * time.Hour)
	at := func(m int) time.Time { return t0.Add(time.Duration(m) * time.Minute) }
	// Earlier batches: the visitor browses anonymously, and so does someone else.
	early := e.tpBatch(e.sys, tpEv("page_view", at(0), tpAnon("k")), tpEv("product_view", at(1), tpAnon("k")),
		tpEv("page_view", at(2), tpAnon("other")))
	tpOK(t, early, 0, 1, 2)
	early2 := e.tpBatch(e.sys, tpEv("search", at(3), tpAnon("k")))
	tpOK(t, early2, 0)
	e.tpWantContact(nil, early[0].ID, early[1].ID, early[2].ID, early2[0].ID)

	e.tick(time.Minute)
	rs := e.tpBatch(e.sys,
		tpEv("add_to_cart", at(10), tpAnon("k")),
		tpEv("page_view", at(11), tpAnon("other")),
		tpEv("identify", at(12), crm.CustomerRef{AnonymousID: "k", Email: "mei@example.com", Name: "林美"}),
		tpEv("checkout_started", at(13), tpAnon("k")),
		tpEv("page_view", at(14), tpAnon("k")),
	)
	tpOK(t, rs, 0, 1, 2, 3, 4)
	if rs[2].ContactID == nil {
		t.Fatal("identify event has no contact")
	}
	mei := *rs[2].ContactID
	for _, i := range []int{0, 3, 4} {
		if !sameRef(rs[i].ContactID, &mei) {
			t.Errorf("result %d: contact %s; want %d", i, refString(rs[i].ContactID), mei)
		}
	}
	e.tpWantContact(&mei, early[0].ID, early[1].ID, early2[0].ID, rs[0].ID, rs[2].ID, rs[3].ID, rs[4].ID)
	e.tpWantContact(nil, early[2].ID, rs[1].ID)

	js := e.joins(mei)
	if len(js) != 1 {
		t.Fatalf("%d join entries; want 1: %+v", len(js), js)
	}
	anonID, _, _ := changeTo(js[0], "anonymous_id")
	moved, _, _ := changeTo(js[0], "events_moved")
	// Three anonymous events of earlier batches and the one before the
	// identify in this batch; those after it were stored with the contact.
	if anonID != `"k"` || moved != "4" {
		t.Errorf("join entry: anonymous_id %s, events_moved %s; want \"k\", 4 (%+v)", anonID, moved, js[0].Changes)
	}
	if _, _, ok := changeTo(js[0], "previous_contact_id"); ok {
		t.Errorf("a first join names a previous contact: %+v", js[0].Changes)
	}
	if !js[0].At.Equal(e.now()) {
		t.Errorf("join at %v; want %v", js[0].At, e.now())
	}

	// Later anonymous events of the cookie, and the same identify again.
	e.tick(time.Minute)
	later := e.tpBatch(e.sys, tpEv("page_view", at(20), tpAnon("k")),
		tpEv("identify", at(21), crm.CustomerRef{AnonymousID: "k", Email: "MEI@example.com"}),
		tpEv("page_view", at(22), tpAnon("other")))
	tpOK(t, later, 0, 1, 2)
	e.tpWantContact(&mei, later[0].ID, later[1].ID)
	e.tpWantContact(nil, later[2].ID)
	if js := e.joins(mei); len(js) != 1 {
		t.Errorf("identifying again as the same person added a join: %d entries", len(js))
	}
	m := e.tpMetrics(mei)
	tpSameTime(t, "first seen", m.FirstSeenAt, at(0))
	tpSameTime(t, "last seen", m.LastSeenAt, at(21))
	if m.OrderCount != 0 || m.FirstOrderAt != nil {
		t.Errorf("metrics of a browser: %+v", m)
	}
	items := e.tpTimeline(e.sys, mei, touchpoint.TimelineParams{Kinds: []string{"event"}}, 4)
	if len(items) != 9 {
		t.Errorf("timeline has %d events; want 9", len(items))
	}
}

func testTpSharedComputer(t *testing.T, e *env) {
	t0 := e.now().Add(-10 * time.Hour)
	at := func(m int) time.Time { return t0.Add(time.Duration(m) * time.Minute) }
	p1 := e.tpBatch(e.sys, tpEv("page_view", at(0), tpAnon("pc")))
	idA := e.tpBatch(e.sys, tpEv("identify", at(1), crm.CustomerRef{AnonymousID: "pc", Email: "a@example.com"}))
	tpOK(t, idA, 0)
	a := *idA[0].ContactID
	p2 := e.tpBatch(e.sys, tpEv("page_view", at(2), tpAnon("pc")))
	e.tpWantContact(&a, p1[0].ID, p2[0].ID)

	e.tick(time.Minute)
	idB := e.tpBatch(e.sys, tpEv("identify", at(3), crm.CustomerRef{AnonymousID: "pc", Email: "b@example.com"}))
	tpOK(t, idB, 0)
	b := *idB[0].ContactID
	if a == b {
		t.Fatal("two people, one contact")
	}
	p3 := e.tpBatch(e.sys, tpEv("page_view", at(4), tpAnon("pc")))
	e.tpWantContact(&a, p1[0].ID, p2[0].ID, idA[0].ID)
	e.tpWantContact(&b, idB[0].ID, p3[0].ID)

	if js := e.joins(a); len(js) != 1 {
		t.Errorf("first person: %d joins; want 1", len(js))
	}
	js := e.joins(b)
	if len(js) != 1 {
		t.Fatalf("second person: %d joins; want 1", len(js))
	}
	moved, _, _ := changeTo(js[0], "events_moved")
	_, previous, ok := changeTo(js[0], "previous_contact_id")
	if moved != "0" || !ok || previous != itoa64(a) {
		t.Errorf("re-identify entry: moved %s previous %s (%v); want 0, %d", moved, previous, ok, a)
	}
	ma, mb := e.tpMetrics(a), e.tpMetrics(b)
	tpSameTime(t, "A last seen", ma.LastSeenAt, at(2))
	tpSameTime(t, "B first seen", mb.FirstSeenAt, at(3))

	// The same within one batch: each anonymous event goes to whoever was
	// signed in just before it.
	t.Run("one batch", func(t *testing.T) {
		rs := e.tpBatch(e.sys,
			tpEv("identify", at(10), crm.CustomerRef{AnonymousID: "pc2", Email: "a@example.com"}),
			tpEv("page_view", at(11), tpAnon("pc2")),
			tpEv("identify", at(12), crm.CustomerRef{AnonymousID: "pc2", Email: "b@example.com"}),
			tpEv("page_view", at(13), tpAnon("pc2")),
		)
		tpOK(t, rs, 0, 1, 2, 3)
		e.tpWantContact(&a, rs[0].ID, rs[1].ID)
		e.tpWantContact(&b, rs[2].ID, rs[3].ID)
	})

	// A new cookie's first event, then two sign-ins in the same batch: the
	// first sign-in takes the event; the answer must say so.
	t.Run("anonymous first", func(t *testing.T) {
		rs := e.tpBatch(e.sys,
			tpEv("page_view", at(20), tpAnon("pc3")),
			tpEv("identify", at(21), crm.CustomerRef{AnonymousID: "pc3", Email: "a@example.com"}),
			tpEv("identify", at(22), crm.CustomerRef{AnonymousID: "pc3", Email: "b@example.com"}),
		)
		tpOK(t, rs, 0, 1, 2)
		e.tpWantContact(&a, rs[0].ID, rs[1].ID)
		e.tpWantContact(&b, rs[2].ID)
	})
}

func testTpExternalIDs(t *testing.T, e *env) {
	at := e.now().Add(-time.Hour)
	ext := func(source, id string) touchpoint.EventInput {
		in := tpEv("store_visit", at, crm.CustomerRef{ExternalID: id})
		in.Source = source
		return in
	}
	before := e.tpCount("SELECT count(*) FROM contacts")
	rs := e.tpBatch(e.sys, ext("pos", "M-1"), ext("shop", "M-1"), ext("", "M-1"), ext("pos", "M-2"))
	tpOK(t, rs, 0, 1, 2, 3)
	pos, shop, none, pos2 := *rs[0].ContactID, *rs[1].ContactID, *rs[2].ContactID, *rs[3].ContactID
	if len(map[int64]bool{pos: true, shop: true, none: true, pos2: true}) != 4 {
		t.Errorf("ids of different sources share contacts: pos %d shop %d none %d pos2 %d", pos, shop, none, pos2)
	}
	if n := e.tpCount("SELECT count(*) FROM contacts"); n != before+4 {
		t.Errorf("%d contacts made; want 4", n-before)
	}
	for id, want := range map[int64]string{pos: "pos #M-1", shop: "shop #M-1", none: "#M-1", pos2: "pos #M-2"} {
		if got := e.get(id).DisplayName; got != want {
			t.Errorf("contact %d is named %q; want %q", id, got, want)
		}
	}

	again := e.tpBatch(e.sys, ext("shop", "M-1"), ext("pos", "M-1"), ext("POS", "M-1"))
	tpOK(t, again, 0, 1, 2)
	if *again[0].ContactID != shop || *again[1].ContactID != pos {
		t.Errorf("known external ids found %d, %d; want %d, %d", *again[0].ContactID, *again[1].ContactID, shop, pos)
	}
	if *again[2].ContactID == pos {
		t.Errorf("source names are compared exactly: POS is not pos")
	}

	// An external id with an email finds the email's contact and links to it.
	mei := e.contact(e.sys, customer.ContactFields{DisplayName: "林美", Emails: []customer.Email{{Address: "mei@example.com"}}})
	link := ext("crm", "C-9")
	link.Customer.Email = "MEI@example.com"
	rs = e.tpBatch(e.sys, link)
	tpOK(t, rs, 0)
	if *rs[0].ContactID != mei.ID {
		t.Errorf("external id with a known email: contact %d; want %d", *rs[0].ContactID, mei.ID)
	}
	rs = e.tpBatch(e.sys, ext("crm", "C-9"))
	tpOK(t, rs, 0)
	if *rs[0].ContactID != mei.ID {
		t.Errorf("linked external id found %d; want %d", *rs[0].ContactID, mei.ID)
	}

	// A new external id beside a contact id is linked to that contact too
	// (ResolveCustomers: "linking new external ids … to their contacts").
	t.Run("beside a contact id", func(t *testing.T) {
		named := ext("crm", "C-10")
		named.Customer.ContactID = &mei.ID
		rs := e.tpBatch(e.sys, named)
		tpOK(t, rs, 0)
		rs = e.tpBatch(e.sys, ext("crm", "C-10"))
		tpOK(t, rs, 0)
		if *rs[0].ContactID != mei.ID {
			t.Errorf("external id sent beside contact %d later found contact %d", mei.ID, *rs[0].ContactID)
		}
	})
}

// testTpExternalIDTwice sends one new external id (and one new email) on
// several events of a batch: one contact each, linked once.
func testTpExternalIDTwice(t *testing.T, e *env) {
	at := e.now().Add(-time.Hour)
	ext := func(source, id string) touchpoint.EventInput {
		in := tpEv("store_visit", at, crm.CustomerRef{ExternalID: id})
		in.Source = source
		return in
	}
	before := e.tpCount("SELECT count(*) FROM contacts")
	withEmail := ext("pos", "M-7")
	withEmail.Customer.Email = "m7@example.com"
	rs := e.tpBatch(e.sys, ext("pos", "M-1"), ext("shop", "M-1"), ext("pos", "M-1"), withEmail, ext("pos", "M-7"),
		tpEv("call", at, tpEmail("m7@example.com")))
	tpOK(t, rs, 0, 1, 2, 3, 4, 5)
	if *rs[0].ContactID != *rs[2].ContactID {
		t.Errorf("one new external id twice in a batch made contacts %d and %d", *rs[0].ContactID, *rs[2].ContactID)
	}
	if *rs[0].ContactID == *rs[1].ContactID {
		t.Errorf("the same id in two sources made one contact")
	}
	if *rs[3].ContactID != *rs[4].ContactID || *rs[3].ContactID != *rs[5].ContactID {
		t.Errorf("external id M-7 and its email made contacts %d, %d, %d", *rs[3].ContactID, *rs[4].ContactID, *rs[5].ContactID)
	}
	if n := e.tpCount("SELECT count(*) FROM contacts"); n != before+3 {
		t.Errorf("%d contacts made; want 3", n-before)
	}
	if n := e.tpCount("SELECT count(*) FROM contact_identities WHERE kind = 'external'"); n != 3 {
		t.Errorf("%d external identities; want 3", n)
	}
}

// testTpManyNewCustomers sends a batch (within touchpoint.MaxBatch) whose
// events name more new customers than one batch of contacts may hold.
func testTpManyNewCustomers(t *testing.T, e *env) {
	at := e.now().Add(-time.Hour)
	const n = 1001
	ins := make([]touchpoint.EventInput, n)
	for i := range ins {
		ins[i] = tpEv("form_submitted", at, tpEmail(fmt.Sprintf("lead%04d@example.com", i)))
	}
	rs, err := e.tp.RecordBatch(e.sys, ins)
	if err != nil {
		t.Fatalf("a batch of %d events naming %d new customers: %v", n, n, err)
	}
	for i, r := range rs {
		if r.Err != nil {
			t.Fatalf("event %d: %v", i, r.Err)
		}
	}
	if c := e.tpCount("SELECT count(*) FROM contacts"); c != n {
		t.Errorf("%d contacts; want %d", c, n)
	}
}

func testTpEmailAndPhone(t *testing.T, e *env) {
	at := e.now().Add(-time.Hour)
	before := e.tpCount("SELECT count(*) FROM contacts")
	rs := e.tpBatch(e.sys,
		tpEv("email_opened", at, tpEmail("Lin@Example.com")),
		tpEv("email_clicked", at, tpEmail("lin@example.COM")),
		tpEv("call", at, crm.CustomerRef{Phone: "0922-111-222"}),
		tpEv("call", at, crm.CustomerRef{Phone: "+886 922 111 222"}),
	)
	tpOK(t, rs, 0, 1, 2, 3)
	lin, caller := *rs[0].ContactID, *rs[2].ContactID
	if *rs[1].ContactID != lin {
		t.Errorf("one new email in two cases made contacts %d and %d", lin, *rs[1].ContactID)
	}
	if *rs[3].ContactID != caller {
		t.Errorf("one new phone in two formats made contacts %d and %d", caller, *rs[3].ContactID)
	}
	if n := e.tpCount("SELECT count(*) FROM contacts"); n != before+2 {
		t.Errorf("%d contacts made; want 2", n-before)
	}
	if c := e.get(caller); len(c.Phones) != 1 || c.Phones[0].Number != "+886922111222" {
		t.Errorf("phone stored as %+v", c.Phones)
	}

	ming := e.contact(e.sys, customer.ContactFields{DisplayName: "王小明", Phones: []customer.Phone{{Number: "0912-345-678"}}})
	rs = e.tpBatch(e.sys,
		tpEv("call", at, crm.CustomerRef{Phone: "+886912345678"}),
		tpEv("call", at, crm.CustomerRef{Phone: "0912345678"}),
		tpEv("chat_message", at, crm.CustomerRef{Phone: "+886 (912) 345-678"}),
		tpEv("email_opened", at, tpEmail("LIN@EXAMPLE.COM")),
	)
	tpOK(t, rs, 0, 1, 2, 3)
	for i := range 3 {
		if *rs[i].ContactID != ming.ID {
			t.Errorf("phone %d found contact %d; want %d", i, *rs[i].ContactID, ming.ID)
		}
	}
	if *rs[3].ContactID != lin {
		t.Errorf("upper-case email found %d; want %d", *rs[3].ContactID, lin)
	}
	if n := e.tpCount("SELECT count(*) FROM contacts"); n != before+3 {
		t.Errorf("%d contacts after known emails and phones; want 3", n-before)
	}
}

func testTpMerged(t *testing.T, e *env) {
	t0 := e.now().Add(-48 * time.Hour)
	a := e.contact(e.sys, customer.ContactFields{DisplayName: "A", Emails: []customer.Email{{Address: "a@example.com"}}})
	b := e.contact(e.sys, customer.ContactFields{DisplayName: "B", Emails: []customer.Email{{Address: "b@example.com"}}})
	rs := e.tpBatch(e.sys,
		tpEv("call", t0.Add(2*time.Hour), tpContact(a.ID)),
		tpEv("call", t0, tpContact(b.ID)),
		tpEv("identify", t0.Add(time.Hour), crm.CustomerRef{ContactID: &b.ID, AnonymousID: "b-cookie"}),
		touchpoint.EventInput{Type: "store_visit", OccurredAt: ptr(t0.Add(3 * time.Hour)), Source: "pos", Customer: crm.CustomerRef{ExternalID: "B-1", Email: "b@example.com"}},
	)
	tpOK(t, rs, 0, 1, 2, 3)
	if *rs[3].ContactID != b.ID {
		t.Fatalf("email of B found %d", *rs[3].ContactID)
	}
	tpSameTime(t, "A first seen before the merge", e.tpMetrics(a.ID).FirstSeenAt, t0.Add(2*time.Hour))
	order := e.comOrder(comSimple(&b.ID, t0.Add(30*time.Minute), 2, 2500))

	e.tick(time.Hour)
	_, err := e.cs.MergeContacts(e.sys, a.ID, b.ID, 0)
	must(t, err)
	e.tpWantContact(&a.ID, rs[0].ID, rs[1].ID, rs[2].ID, rs[3].ID)
	m := e.tpMetrics(a.ID)
	tpSameTime(t, "first seen after the merge", m.FirstSeenAt, t0)
	tpSameTime(t, "last seen after the merge", m.LastSeenAt, t0.Add(3*time.Hour))
	tpSameTime(t, "first order after the merge", m.FirstOrderAt, t0.Add(30*time.Minute))
	if m.OrderCount != 1 || m.Revenue != 5000 {
		t.Errorf("survivor's figures %+v; want the merged contact's order", m)
	}
	if o, err := e.com.GetOrder(e.sys, order.ID); err != nil || o.ContactID == nil || *o.ContactID != a.ID {
		t.Errorf("merged contact's order belongs to %v (%v); want %d", o, err, a.ID)
	}
	if mb := e.tpMetrics(b.ID); mb.FirstSeenAt != nil || mb.OrderCount != 0 {
		t.Errorf("the merged contact keeps figures: %+v", mb)
	}

	t1 := e.now().Add(-time.Minute)
	after := e.tpBatch(e.sys,
		tpEv("call", t1, tpContact(b.ID)),
		tpEv("email_opened", t1, tpEmail("b@example.com")),
		touchpoint.EventInput{Type: "store_visit", OccurredAt: &t1, Source: "pos", Customer: crm.CustomerRef{ExternalID: "B-1"}},
		tpEv("page_view", t1, tpAnon("b-cookie")),
	)
	tpOK(t, after, 0, 1, 2, 3)
	for i, r := range after {
		if !sameRef(r.ContactID, &a.ID) {
			t.Errorf("event %d naming the merged contact went to %s; want the survivor %d", i, refString(r.ContactID), a.ID)
		}
	}
	tpSameTime(t, "last seen", e.tpMetrics(a.ID).LastSeenAt, t1)
	items := e.tpTimeline(e.sys, a.ID, touchpoint.TimelineParams{Kinds: []string{"event"}}, 3)
	if len(items) != 8 {
		t.Errorf("survivor's timeline has %d events; want 8", len(items))
	}
}

func testTpPermissions(t *testing.T, e *env) {
	o := seedOrg(t, e)
	at := e.now().Add(-time.Hour)
	// b's contact has an external id and a cookie, linked by the system.
	bEmail := o.c["b's"].Emails[0].Address
	rs := e.tpBatch(e.sys,
		touchpoint.EventInput{Type: "store_visit", OccurredAt: &at, Source: "pos", Customer: crm.CustomerRef{ExternalID: "S-1", Email: bEmail}},
		tpEv("identify", at, crm.CustomerRef{ContactID: &o.c["b's"].ID, AnonymousID: "south-cookie"}),
	)
	tpOK(t, rs, 0, 1)
	if *rs[0].ContactID != o.c["b's"].ID {
		t.Fatalf("b's email found %d", *rs[0].ContactID)
	}
	before := e.tpCount("SELECT count(*) FROM events")

	a1 := e.as(o.a1)
	rs = e.tpBatch(a1,
		tpEv("call", at, tpContact(o.c["a1's"].ID)),
		tpEv("call", at, tpContact(o.c["b's"].ID)),
		tpEv("call", at, tpEmail(bEmail)),
		touchpoint.EventInput{Type: "call", OccurredAt: &at, Source: "pos", Customer: crm.CustomerRef{ExternalID: "S-1"}},
		tpEv("call", at, tpEmail("new-lead@example.com")),
		tpEv("page_view", at, tpAnon("north-cookie")),
		tpEv("call", at, tpContact(o.c["b's in north"].ID)),
	)
	tpOK(t, rs, 0, 4, 5, 6)
	for _, i := range []int{1, 2, 3} {
		wantKind(t, rs[i].Err, crm.KindForbidden)
	}
	if n := e.tpCount("SELECT count(*) FROM events"); n != before+4 {
		t.Errorf("%d events stored for the agent; want 4", n-before)
	}
	created := e.get(*rs[4].ContactID)
	if created.OwnerID == nil || *created.OwnerID != o.a1.ID {
		t.Errorf("contact made by the agent's event is owned by %v; want %d", created.OwnerID, o.a1.ID)
	}
	if ev := e.tpEvent(rs[0].ID); ev.CreatedBy == nil || *ev.CreatedBy != o.a1.ID {
		t.Errorf("event created_by %v; want %d", ev.CreatedBy, o.a1.ID)
	}

	// The cookie of b's contact names b's contact: an agent of another team
	// may not put events on it that way either.
	t.Run("joined cookie", func(t *testing.T) {
		rs := e.tpBatch(a1, tpEv("page_view", at, tpAnon("south-cookie")))
		if rs[0].Err == nil && sameRef(e.tpEvent(rs[0].ID).ContactID, &o.c["b's"].ID) {
			t.Errorf("agent a1 recorded an event on b's contact through its cookie")
		}
	})

	t.Run("viewer", func(t *testing.T) {
		n := e.tpCount("SELECT count(*) FROM events")
		_, err := e.tp.RecordBatch(e.as(o.viewer), []touchpoint.EventInput{tpEv("call", at, tpContact(o.c["nobody's"].ID)), tpEv("page_view", at, tpAnon("v"))})
		wantKind(t, err, crm.KindForbidden)
		if m := e.tpCount("SELECT count(*) FROM events"); m != n {
			t.Errorf("a viewer stored %d events", m-n)
		}
	})

	t.Run("reads", func(t *testing.T) {
		bctx := e.as(o.b)
		_, err := e.tp.GetEvent(bctx, rs[0].ID)
		wantKind(t, err, crm.KindForbidden)
		_, err = e.tp.ContactTimeline(bctx, o.c["a1's"].ID, touchpoint.TimelineParams{})
		wantKind(t, err, crm.KindForbidden)
		_, err = e.tp.GetEvent(bctx, rs[5].ID) // anonymous: those who read everything
		wantKind(t, err, crm.KindForbidden)
		if _, err := e.tp.GetEvent(e.as(o.viewer), rs[5].ID); err != nil {
			t.Errorf("viewer reads an anonymous event: %v", err)
		}
		if _, err := e.tp.GetEvent(a1, rs[0].ID); err != nil {
			t.Errorf("agent reads its own contact's event: %v", err)
		}
	})
}

// tpItem is what a timeline item should be.
type tpItem struct {
	kind, typ string
	channel   touchpoint.Channel
	id        int64
	at        time.Time
}

// tpOrder sorts items as timelines do: newest first, then kind, then id,
// both descending.
func tpOrder(items []tpItem) {
	slices.SortFunc(items, func(a, b tpItem) int {
		if c := b.at.Compare(a.at); c != 0 {
			return c
		}
		if c := cmp.Compare(b.kind, a.kind); c != 0 {
			return c
		}
		return cmp.Compare(b.id, a.id)
	})
}

func tpItemKeys(items []tpItem, keep func(tpItem) bool) []string {
	out := []string{}
	for _, it := range items {
		if keep == nil || keep(it) {
			out = append(out, tpKey(it.kind, it.id))
		}
	}
	return out
}

func testTpTimeline(t *testing.T, e *env) {
	c := e.named("林美")
	other := e.named("Other")
	var want []tpItem
	// The contact's creation is the one change.
	for _, en := range e.audit(e.sys, c.ID) {
		want = append(want, tpItem{kind: "change", typ: en.Action, id: en.ID, at: en.At})
	}
	if len(want) != 1 {
		t.Fatalf("a new contact has %d audit entries", len(want))
	}
	// Seven instants, shared by many events and orders, so that the order
	// within an instant (kind, then id) matters across pages.
	base := e.now().Add(-24 * time.Hour)
	instant := func(i int) time.Time { return base.Add(time.Duration(i%7) * time.Hour) }
	types := []struct {
		typ     string
		channel touchpoint.Channel
	}{{"page_view", "web"}, {"call", "phone"}, {"email_opened", "email"}}
	var ins []touchpoint.EventInput
	for i := range 100 {
		ty := types[i%3]
		ins = append(ins, touchpoint.EventInput{Type: ty.typ, Channel: ty.channel, OccurredAt: ptr(instant(i * 3)), Customer: tpContact(c.ID)})
	}
	ins = append(ins, tpEv("call", instant(0), tpContact(other.ID)))
	rs := e.tpBatch(e.sys, ins...)
	for i := range 100 {
		tpOK(t, rs, i)
		want = append(want, tpItem{kind: "event", typ: ins[i].Type, channel: ins[i].Channel, id: rs[i].ID, at: *ins[i].OccurredAt})
	}
	price := int64(1000)
	var orders []commerce.OrderInput
	for j := range 20 {
		kind, channel := commerce.KindSale, "web"
		if j%5 == 0 {
			kind = commerce.KindReturn
		}
		if j%2 == 0 {
			channel = "store"
		}
		orders = append(orders, commerce.OrderInput{Kind: kind, Channel: channel, PlacedAt: ptr(instant(j * 2)),
			Customer: tpContact(c.ID), Lines: []commerce.LineInput{{Name: "tea", Quantity: 1, UnitPrice: &price}}})
	}
	ors, err := e.com.CreateOrders(e.sys, orders)
	must(t, err)
	for j, r := range ors {
		must(t, r.Err)
		want = append(want, tpItem{kind: "order", typ: orders[j].Kind, channel: touchpoint.Channel(orders[j].Channel), id: r.ID, at: *orders[j].PlacedAt})
	}
	tpOrder(want)

	all := e.tpTimeline(e.sys, c.ID, touchpoint.TimelineParams{}, 50)
	if len(all) != 121 {
		t.Errorf("timeline has %d items; want 121", len(all))
	}
	if diff := tpDiff(tpItemKeys(want, nil), tpKeys(all)); diff != "" {
		t.Errorf("timeline in pages of 50 (-want +got):\n%s", diff)
	}
	seen := map[string]bool{}
	for _, it := range all {
		if seen[tpKey(it.Kind, it.ID)] {
			t.Errorf("%s:%d twice", it.Kind, it.ID)
		}
		seen[tpKey(it.Kind, it.ID)] = true
	}
	for i, it := range all {
		if i >= len(want) {
			break
		}
		w := want[i]
		if !it.At.Equal(w.at) || it.Type != w.typ || (w.kind != "change" && it.Channel != w.channel) {
			t.Errorf("item %d = %s %s %s at %v; want %s %s %s at %v", i, it.Kind, it.Type, it.Channel, it.At, w.kind, w.typ, w.channel, w.at)
			break
		}
		if it.Kind == "order" {
			var s struct {
				Number string `json:"number"`
				Total  int64  `json:"total"`
				Lines  int64  `json:"lines"`
			}
			if err := json.Unmarshal(it.Summary, &s); err != nil || s.Total != price || s.Lines != 1 || s.Number == "" {
				t.Errorf("order summary %s (%v)", it.Summary, err)
			}
		}
	}

	filters := []struct {
		name string
		p    touchpoint.TimelineParams
		keep func(tpItem) bool
	}{
		{"events", touchpoint.TimelineParams{Kinds: []string{"event"}}, func(it tpItem) bool { return it.kind == "event" }},
		{"orders and changes", touchpoint.TimelineParams{Kinds: []string{"order", "change"}}, func(it tpItem) bool { return it.kind != "event" }},
		{"calls", touchpoint.TimelineParams{Types: []string{"call"}}, func(it tpItem) bool { return it.typ == "call" }},
		{"returns", touchpoint.TimelineParams{Types: []string{"return"}}, func(it tpItem) bool { return it.typ == "return" }},
		{"calls and page views", touchpoint.TimelineParams{Types: []string{"call", "page_view"}}, func(it tpItem) bool { return it.typ == "call" || it.typ == "page_view" }},
		{"phone", touchpoint.TimelineParams{Channels: []touchpoint.Channel{"phone"}}, func(it tpItem) bool { return it.channel == "phone" }},
		{"store orders", touchpoint.TimelineParams{Kinds: []string{"order"}, Channels: []touchpoint.Channel{"store"}}, func(it tpItem) bool { return it.kind == "order" && it.channel == "store" }},
		{"web events", touchpoint.TimelineParams{Kinds: []string{"event"}, Channels: []touchpoint.Channel{"web"}}, func(it tpItem) bool { return it.kind == "event" && it.channel == "web" }},
		{"creation", touchpoint.TimelineParams{Kinds: []string{"change"}, Types: []string{"create"}}, func(it tpItem) bool { return it.kind == "change" }},
		{"nothing", touchpoint.TimelineParams{Kinds: []string{"order"}, Types: []string{"call"}}, func(tpItem) bool { return false }},
	}
	for _, f := range filters {
		t.Run(f.name, func(t *testing.T) {
			got := e.tpTimeline(e.sys, c.ID, f.p, 7)
			if diff := tpDiff(tpItemKeys(want, f.keep), tpKeys(got)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	for _, bad := range []touchpoint.TimelineParams{
		{Kinds: []string{"nope"}}, {Channels: []touchpoint.Channel{"fax"}}, {Types: []string{"Not A Type"}},
	} {
		_, err := e.tp.ContactTimeline(e.sys, c.ID, bad)
		wantKind(t, err, crm.KindInvalid)
	}
	_, err = e.tp.ContactTimeline(e.sys, c.ID, touchpoint.TimelineParams{Cursor: "!!"})
	wantKind(t, err, crm.KindMalformed)
}

func testTpCompanyTimeline(t *testing.T, e *env) {
	co := e.company(e.sys, customer.CompanyFields{Name: "茶行"})
	now, past, never := e.named("Now"), e.named("Past"), e.named("Never")
	pos := e.position(e.sys, customer.PositionFields{ContactID: now.ID, CompanyID: co.ID, Title: "採購"})
	e.position(e.sys, customer.PositionFields{ContactID: past.ID, CompanyID: co.ID, Status: "past"})
	at := e.now().Add(-time.Hour)
	rs := e.tpBatch(e.sys,
		tpEv("call", at, tpContact(now.ID)), tpEv("meeting", at.Add(time.Minute), tpContact(now.ID)),
		tpEv("call", at, tpContact(past.ID)), tpEv("call", at, tpContact(never.ID)))
	tpOK(t, rs, 0, 1, 2, 3)
	walkCompany := func(p touchpoint.TimelineParams) []touchpoint.TimelineItem {
		return walk(t, 2, func(cursor string) (crm.Page[touchpoint.TimelineItem], error) {
			p.Cursor, p.Limit = cursor, 2
			return e.tp.CompanyTimeline(e.sys, co.ID, p)
		})
	}
	events := walkCompany(touchpoint.TimelineParams{Kinds: []string{"event"}})
	if diff := tpDiff([]string{tpKey("event", rs[1].ID), tpKey("event", rs[0].ID)}, tpKeys(events)); diff != "" {
		t.Errorf("company events (-want +got):\n%s", diff)
	}
	changes := walkCompany(touchpoint.TimelineParams{Kinds: []string{"change"}})
	foundCompany := false
	for _, it := range changes {
		switch {
		case it.ContactID == nil:
			foundCompany = foundCompany || it.Type == "create"
		case *it.ContactID != now.ID:
			t.Errorf("company timeline shows a change of contact %d", *it.ContactID)
		}
	}
	if !foundCompany {
		t.Errorf("company timeline lacks the company's creation: %+v", changes)
	}

	// Leaving the company takes a person's events off its timeline.
	_, err := e.cs.UpdatePosition(e.sys, pos.ID, 0, func(f *customer.PositionFields) error { f.Status = "past"; return nil })
	must(t, err)
	if events := walkCompany(touchpoint.TimelineParams{Kinds: []string{"event"}}); len(events) != 0 {
		t.Errorf("a company with nobody current shows %d events", len(events))
	}
}

func testTpPurge(t *testing.T, e *env) {
	at := e.now().Add(-time.Hour)
	rs := e.tpBatch(e.sys,
		tpEv("page_view", at, tpAnon("purge-cookie")),
		touchpoint.EventInput{Type: "identify", OccurredAt: &at, Source: "pos",
			Customer: crm.CustomerRef{ExternalID: "P-1", Email: "gone@example.com", AnonymousID: "purge-cookie"}},
		tpEv("call", at, tpEmail("stay@example.com")),
	)
	tpOK(t, rs, 0, 1, 2)
	p, stay := *rs[1].ContactID, *rs[2].ContactID
	price := int64(5000)
	o, err := e.com.CreateOrder(e.sys, commerce.OrderInput{Customer: tpContact(p), PlacedAt: &at,
		Lines: []commerce.LineInput{{Name: "tea", Quantity: 2, UnitPrice: &price}}})
	must(t, err)
	pid := itoa64(p)
	if n := e.tpCount("SELECT count(*) FROM contact_identities WHERE contact_id = " + pid); n != 2 {
		t.Fatalf("%d identities before the purge; want 2 (external id, cookie)", n)
	}
	ordersBefore := e.tpCount("SELECT count(*) FROM orders")

	e.tick(time.Hour)
	must(t, e.cs.PurgeContact(e.sys, p, "erasure request"))
	for query, want := range map[string]int64{
		"SELECT count(*) FROM events WHERE contact_id = " + pid:                          0,
		"SELECT count(*) FROM events WHERE anonymous_id = 'purge-cookie'":                0,
		"SELECT count(*) FROM contact_identities WHERE contact_id = " + pid:              0,
		"SELECT count(*) FROM contact_identities WHERE value IN ('P-1', 'purge-cookie')": 0,
		"SELECT count(*) FROM contact_metrics WHERE contact_id = " + pid:                 0,
		"SELECT count(*) FROM orders":                                                    ordersBefore,
		"SELECT count(*) FROM events WHERE contact_id = " + itoa64(stay):                 1,
	} {
		if n := e.tpCount(query); n != want {
			t.Errorf("%s = %d; want %d", query, n, want)
		}
	}
	kept, err := e.com.GetOrder(e.sys, o.ID)
	must(t, err)
	if kept.ContactID != nil || kept.Total != 10000 || len(kept.Lines) != 1 {
		t.Errorf("order after the purge: contact %v total %d lines %d; want no contact, 10000, 1", kept.ContactID, kept.Total, len(kept.Lines))
	}
	_, err = e.tp.GetEvent(e.sys, rs[1].ID)
	wantKind(t, err, crm.KindNotFound)

	// The erased person's ids name nobody any more.
	again := e.tpBatch(e.sys,
		touchpoint.EventInput{Type: "store_visit", OccurredAt: &at, Source: "pos", Customer: crm.CustomerRef{ExternalID: "P-1"}},
		tpEv("page_view", at, tpAnon("purge-cookie")),
	)
	tpOK(t, again, 0, 1)
	if again[0].ContactID == nil || *again[0].ContactID == p {
		t.Errorf("the purged external id found contact %s", refString(again[0].ContactID))
	}
	if again[1].ContactID != nil {
		t.Errorf("the purged cookie still names contact %d", *again[1].ContactID)
	}
}
