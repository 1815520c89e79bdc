package storetest

import (
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/guanxi-crm/guanxi/internal/commerce"
	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/segment"
	"github.com/guanxi-crm/guanxi/internal/touchpoint"
)

var segmentTests = []test{
	{"Rules", testSegRules},
	{"Refresh", testSegRefresh},
	{"Access", testSegAccess},
	{"Errors", testSegErrors},
	{"RefreshIfChanged", testSegRefreshIfChanged},
}

func testSegRefreshIfChanged(t *testing.T, e *env) {
	ids := e.segWorld()
	svc := e.segments()
	seg, err := svc.Create(e.sys, segment.Input{Name: "Visitors", Text: `events(type: "store_visit") >= 1`})
	if err != nil {
		t.Fatal(err)
	}
	step := func(want int, why string) {
		t.Helper()
		n, err := svc.RefreshIfChanged(e.sys, time.Hour)
		if err != nil || n != want {
			t.Errorf("%s: evaluated %d segments (%v), want %d", why, n, err, want)
		}
	}
	step(1, "first scheduled run")
	step(-1, "nothing changed")
	e.tick(time.Minute)
	at := e.now()
	bob := ids["Bob"]
	e.tpBatch(e.sys, touchpoint.EventInput{Type: "store_visit", Channel: "store", OccurredAt: &at, Customer: crm.CustomerRef{ContactID: &bob}})
	step(1, "after an event")
	if got, _ := svc.Get(e.sys, seg.ID); got.Size != 4 {
		t.Errorf("size after Bob's visit %d, want 4", got.Size)
	}
	step(-1, "nothing changed again")
	e.update(e.sys, ids["Ann Lee"], func(f *customer.ContactFields) { f.Tags = []string{"new"} })
	step(1, "after a contact changed")
	e.tick(2 * time.Hour)
	step(1, "an hour passed")
}

func (e *env) segments() *segment.Service {
	return segment.NewService(e.st, segment.Options{Region: "TW", DefaultCurrency: "TWD", Clock: e.clock})
}

// segWorld is four customers whose behaviour the rules below tell apart:
//
//	王小明  台北市, tag vip; 6 store visits in the last 90 days; bought
//	        PASTA-1 (10 days ago) and TEA-1 (100 days ago)
//	Ann Lee 新北市, works at Acme (retail); 5 store visits, 3 of them 100
//	        days ago; bought PASTA-1 5 days ago
//	陳大文  台北市, tag staff; 1 store visit; bought TEA-1 200 days ago
//	Bob     no city, nothing else
func (e *env) segWorld() map[string]int64 {
	e.t.Helper()
	ids := map[string]int64{}
	for _, f := range []customer.ContactFields{
		{DisplayName: "王小明", Address: customer.Address{City: "台北市"}, Tags: []string{"vip"}},
		{DisplayName: "Ann Lee", Address: customer.Address{City: "新北市"}},
		{DisplayName: "陳大文", Address: customer.Address{City: "台北市"}, Tags: []string{"staff"}},
		{DisplayName: "Bob"},
	} {
		ids[f.DisplayName] = e.contact(e.sys, f).ID
	}
	acme := e.company(e.sys, customer.CompanyFields{Name: "Acme", Industry: "retail"})
	e.position(e.sys, customer.PositionFields{ContactID: ids["Ann Lee"], CompanyID: acme.ID})
	e.comProduct(commerce.ProductFields{SKU: "PASTA-1", Name: "Pasta", Category: "pasta", Price: 250})
	e.comProduct(commerce.ProductFields{SKU: "TEA-1", Name: "Milk tea", Category: "milk tea", Price: 60})
	daysAgo := func(d int) time.Time { return e.now().AddDate(0, 0, -d) }
	buy := func(who, sku string, days int) {
		at := daysAgo(days)
		id := ids[who]
		e.comOrder(commerce.OrderInput{Customer: crm.CustomerRef{ContactID: &id}, PlacedAt: &at,
			Lines: []commerce.LineInput{{SKU: sku, Quantity: 1}}})
	}
	buy("王小明", "PASTA-1", 10)
	buy("王小明", "TEA-1", 100)
	buy("Ann Lee", "PASTA-1", 5)
	buy("陳大文", "TEA-1", 200)
	var events []touchpoint.EventInput
	visit := func(who string, days int) {
		at := daysAgo(days)
		id := ids[who]
		events = append(events, touchpoint.EventInput{Type: "store_visit", Channel: "store", OccurredAt: &at, Customer: crm.CustomerRef{ContactID: &id}})
	}
	for d := range 6 {
		visit("王小明", 1+d*10)
	}
	for _, d := range []int{1, 2, 100, 101, 102} {
		visit("Ann Lee", d)
	}
	visit("陳大文", 3)
	e.tpBatch(e.sys, events...)
	return ids
}

// segNames lists the names of contacts in the order given.
func segNames(cs []*customer.Contact) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.DisplayName
	}
	slices.Sort(out)
	return out
}

func testSegRules(t *testing.T, e *env) {
	e.segWorld()
	svc := e.segments()
	cases := []struct {
		text string
		want []string
	}{
		// The example of MISSION.md C4: selective conditions together.
		{`events(type: "store_visit", within_days: 90) >= 5 and bought(sku: "PASTA-1") and bought(category: "milk tea")`, []string{"王小明"}},
		// Ann's visits within 90 days are 2; all of hers are 5.
		{`events(type: "store_visit") >= 5`, []string{"Ann Lee", "王小明"}},
		// A test that 0 passes takes in those with no figure at all.
		{`orders < 1`, []string{"Bob"}},
		{`bought(sku: "PASTA-1") = 0`, []string{"Bob", "陳大文"}},
		{`events(channel: "store", within_days: 90) <= 1`, []string{"Bob", "陳大文"}},
		{`city = "台北市" and not tag = "staff"`, []string{"王小明"}},
		{`company.industry = "retail"`, []string{"Ann Lee"}},
		{`days_since_last_order > 30`, []string{"陳大文"}},
		{`days_since_last_order <= 30`, []string{"Ann Lee", "王小明"}},
		{`orders(within_days: 30) >= 1`, []string{"Ann Lee", "王小明"}},
		{`orders >= 2`, []string{"王小明"}},
		{`bought(category: "milk tea", within_days: 150)`, []string{"王小明"}},
		{`tag in ("vip", "staff") or events(channel: "store") >= 6`, []string{"王小明", "陳大文"}},
		// Beside a selective condition, events are counted per candidate.
		{`tag = "staff" and events(channel: "store") <= 1`, []string{"陳大文"}},
		{`bought(sku: "PASTA-1") and events(type: "store_visit", within_days: 90) = 0`, []string{}},
		{`bought(category: "milk tea") and not events(type: "store_visit", within_days: 90) >= 5`, []string{"陳大文"}},
		{`city is not set`, []string{"Bob"}},
		{`city not in ("台北市")`, []string{"Ann Lee", "Bob"}},
		{`display_name starts with "Ann"`, []string{"Ann Lee"}},
		{`everyone`, []string{"Ann Lee", "Bob", "王小明", "陳大文"}},
		{`not everyone`, []string{}},
		// Scores exist only after an insight run: no one has them yet.
		{`rfm_cell = "champions"`, []string{}},
		{`not rfm_r >= 1`, []string{"Ann Lee", "Bob", "王小明", "陳大文"}},
	}
	for _, tc := range cases {
		p, err := svc.Preview(e.sys, segment.Input{Text: tc.text}, 50)
		if err != nil {
			t.Errorf("%s: %v", tc.text, err)
			continue
		}
		if got := segNames(p.Members.Items); !slices.Equal(got, tc.want) || p.Size != int64(len(tc.want)) {
			t.Errorf("%s: size %d, members %v; want %v", tc.text, p.Size, got, tc.want)
		}
		// The text the preview gives back reads as the same rule.
		if again, err := segment.Parse(p.Text); err != nil || segment.Format(again) != p.Text {
			t.Errorf("%s: text %q does not round-trip (%v)", tc.text, p.Text, err)
		}
	}
}

func testSegRefresh(t *testing.T, e *env) {
	ids := e.segWorld()
	svc := e.segments()
	seg, err := svc.Create(e.sys, segment.Input{Name: "Store visitors", Text: `events(type: "store_visit") >= 1`})
	if err != nil {
		t.Fatal(err)
	}
	if seg.Size != 3 || seg.EvaluatedAt == nil {
		t.Fatalf("new segment: size %d, evaluated %v; want 3 members now", seg.Size, seg.EvaluatedAt)
	}
	members := func() []string {
		t.Helper()
		page, err := svc.Members(e.sys, seg.ID, "", 2)
		if err != nil {
			t.Fatal(err)
		}
		all := page.Items
		for page.Next != "" { // pages of two walk the whole list
			if page, err = svc.Members(e.sys, seg.ID, page.Next, 2); err != nil {
				t.Fatal(err)
			}
			all = append(all, page.Items...)
		}
		return segNames(all)
	}
	if got := members(); !slices.Equal(got, []string{"Ann Lee", "王小明", "陳大文"}) {
		t.Fatalf("members %v", got)
	}
	// Bob visits; 陳大文 is deleted. The next evaluation records both.
	e.tick(time.Hour)
	at := e.now()
	bob := ids["Bob"]
	e.tpBatch(e.sys, touchpoint.EventInput{Type: "store_visit", Channel: "store", OccurredAt: &at, Customer: crm.CustomerRef{ContactID: &bob}})
	if err := e.cs.DeleteContact(e.sys, ids["陳大文"], 0); err != nil {
		t.Fatal(err)
	}
	got, err := svc.Refresh(e.sys, seg.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Size != 3 || !got.EvaluatedAt.Equal(e.now()) {
		t.Errorf("after refresh: size %d at %v", got.Size, got.EvaluatedAt)
	}
	if m := members(); !slices.Equal(m, []string{"Ann Lee", "Bob", "王小明"}) {
		t.Errorf("members after refresh %v", m)
	}
	changes, err := svc.Changes(e.sys, seg.ID, "", 50)
	if err != nil {
		t.Fatal(err)
	}
	var entered, left []string
	for _, c := range changes.Items {
		if c.Entered {
			entered = append(entered, c.Name)
		} else {
			left = append(left, c.Name)
		}
	}
	slices.Sort(entered)
	if !slices.Equal(entered, []string{"Ann Lee", "Bob", "王小明", "陳大文"}) || !slices.Equal(left, []string{"陳大文"}) {
		t.Errorf("changes: entered %v, left %v", entered, left)
	}
	// A second evaluation with nothing new changes nothing.
	if _, err := svc.Refresh(e.sys, seg.ID); err != nil {
		t.Fatal(err)
	}
	if again, _ := svc.Changes(e.sys, seg.ID, "", 50); len(again.Items) != len(changes.Items) {
		t.Errorf("an idle refresh recorded %d changes", len(again.Items)-len(changes.Items))
	}
	// Editing the rule re-evaluates at once; RefreshAll covers every segment.
	upd, err := svc.Update(e.sys, seg.ID, seg.Version, segment.Input{Name: "Regulars", Text: `events(type: "store_visit") >= 5`})
	if err != nil {
		t.Fatal(err)
	}
	if upd.Size != 2 || upd.Version != seg.Version+1 || upd.Text != `events(type: "store_visit") >= 5` {
		t.Errorf("updated: %+v", upd)
	}
	if _, err := svc.Update(e.sys, seg.ID, seg.Version, segment.Input{Name: "Stale"}); !crm.IsKind(err, crm.KindStale) && !crm.IsKind(err, crm.KindInvalid) {
		t.Errorf("update of an old version: %v", err)
	}
	if n, err := svc.RefreshAll(e.sys); err != nil || n != 1 {
		t.Errorf("refresh all: %d, %v", n, err)
	}
	if err := svc.Delete(e.sys, seg.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Get(e.sys, seg.ID); !crm.IsKind(err, crm.KindNotFound) {
		t.Errorf("deleted segment: %v", err)
	}
}

func testSegAccess(t *testing.T, e *env) {
	team := e.team("North")
	agent := e.user("Agent Wu", crm.RoleAgent, team)
	manager := e.user("Manager Lin", crm.RoleManager, team)
	mine := e.contact(e.as(agent), customer.ContactFields{DisplayName: "Mine", Address: customer.Address{City: "台中市"}})
	e.contact(e.sys, customer.ContactFields{DisplayName: "Not mine", Address: customer.Address{City: "台中市"}})
	svc := e.segments()
	in := segment.Input{Name: "Taichung", Text: `city = "台中市"`}
	if _, err := svc.Create(e.as(agent), in); !crm.IsKind(err, crm.KindForbidden) {
		t.Errorf("an agent created a segment: %v", err)
	}
	seg, err := svc.Create(e.as(manager), in)
	if err != nil {
		t.Fatal(err)
	}
	// Each sees the members they may read; the size is everyone's.
	p, err := svc.Preview(e.as(agent), in, 50)
	if err != nil {
		t.Fatal(err)
	}
	if p.Size != 1 || len(p.Members.Items) != 1 || p.Members.Items[0].ID != mine.ID {
		t.Errorf("agent's preview: size %d, %v", p.Size, segNames(p.Members.Items))
	}
	page, err := svc.Members(e.as(agent), seg.ID, "", 50)
	if err != nil {
		t.Fatal(err)
	}
	if got := segNames(page.Items); !slices.Equal(got, []string{"Mine"}) {
		t.Errorf("agent sees members %v", got)
	}
	if seg.Size != 2 {
		t.Errorf("segment size %d, want 2", seg.Size)
	}
	// "me" is the creator, whoever evaluates the segment later.
	e.contact(e.as(manager), customer.ContactFields{DisplayName: "The manager's"})
	mineSeg, err := svc.Create(e.as(manager), segment.Input{Name: "Mine", Text: `owner_id = "me" or owner_id = ` + strconv.FormatInt(agent.ID, 10)})
	if err != nil {
		t.Fatal(err)
	}
	if again, err := svc.Refresh(e.sys, mineSeg.ID); err != nil || again.Size != mineSeg.Size || again.Size != 2 {
		t.Errorf("refreshed by the system: %+v, %v; created with size %d", again, err, mineSeg.Size)
	}
	if _, err := svc.Refresh(e.as(e.user("Viewer Ho", crm.RoleViewer)), seg.ID); !crm.IsKind(err, crm.KindForbidden) {
		t.Errorf("a viewer refreshed a segment: %v", err)
	}
}

func testSegErrors(t *testing.T, e *env) {
	svc := e.segments()
	e.fieldDef(customer.FieldDefFields{RecordType: customer.RecordContact, Key: "tier", Label: "Tier", Type: customer.FieldSelect,
		Options: []customer.Option{{Value: "gold"}, {Value: "silver"}}})
	cases := []struct {
		in          segment.Input
		field, code string
	}{
		{segment.Input{Name: "x", Text: `city = `}, "text", "rule_syntax"},
		{segment.Input{Name: "x", Text: `shoe_size > 40`}, "rule.field", "unknown_rule_field"},
		{segment.Input{Name: "x", Text: `orders >= "many"`}, "rule.value", "expected_integer"},
		{segment.Input{Name: "x", Text: `custom.tier = "bronze"`}, "rule", "not_one_of"},
		{segment.Input{Name: "x", Text: `rfm_cell = "royalty"`}, "rule.value", "not_one_of"},
		{segment.Input{Name: "x", Text: `p_alive > 2`}, "rule.value", "out_of_range"},
		{segment.Input{Name: "x", Text: `city(within_days: 3) = "x"`}, "rule.within_days", "qualifier_not_allowed"},
		{segment.Input{Name: "x", Text: `days_since_last_order = 3`}, "rule.op", "operator_not_allowed"},
		{segment.Input{Name: "x", Text: `city < 3 and orders in (1, 2)`}, "rule.all[1].op", "operator_not_allowed"},
		{segment.Input{Name: "x", Rule: &segment.Rule{Any: []segment.Rule{}}}, "rule.any", "empty_group"},
		{segment.Input{Name: "", Text: `everyone`}, "name", "required"},
		{segment.Input{Name: "x"}, "rule", "required"},
	}
	for _, tc := range cases {
		_, err := svc.Create(e.sys, tc.in)
		ce, ok := crm.AsError(err)
		if !ok || ce.Kind != crm.KindInvalid {
			t.Errorf("%q: %v; want invalid", tc.in.Text, err)
			continue
		}
		found := false
		for _, f := range ce.Fields {
			found = found || (f.Field == tc.field && f.Code == tc.code)
		}
		if !found {
			t.Errorf("%q: %v; want %s at %s", tc.in.Text, ce.Fields, tc.code, tc.field)
		}
	}
	if segs, err := svc.List(e.sys); err != nil || len(segs) != 0 {
		t.Errorf("refused segments were saved: %d, %v", len(segs), err)
	}
}
