package e2e_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/guanxi-crm/guanxi/internal/account"
	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/i18n"
	"github.com/guanxi-crm/guanxi/internal/segment"
	"github.com/guanxi-crm/guanxi/internal/testenv"
)

const (
	adminEmail    = "boss@example.com"
	adminPassword = "another long password"
	segmentCity   = "台南市"
)

// TestSegmentsUI builds a segment in the rule builder, in English and
// again in Traditional Chinese (each on its own server, the Chinese one on
// PostgreSQL where it answers), and looks at the segment screens on a
// phone.
func TestSegmentsUI(t *testing.T) {
	browserCtx := startBrowser(t)
	engines := testenv.AvailableEngines(t)
	for _, j := range journeys(engines) {
		t.Run("segment/"+j.lang+"/"+j.engine, func(t *testing.T) {
			s := testenv.StartServer(t, j.engine)
			seed(t, s)
			seedAdmin(t, s)
			u := newTab(t, browserCtx, s, j.lang, j.acceptLanguage, "segments-"+j.lang, 0, 0)
			u.signInAs(adminEmail, adminPassword)
			u.addCustomerIn("林", "淑芬", segmentCity)
			u.addCustomerIn("張", "家豪", segmentCity)
			u.buildCitySegment()
		})
	}
	t.Run("segments-phone-375px", func(t *testing.T) {
		s := testenv.StartServer(t, engines[0])
		me := seed(t, s)
		u := newTab(t, browserCtx, s, i18n.Traditional, "zh-TW", "segments-phone", 375, 740)
		u.segmentsOnAPhone(me)
	})
}

func seedAdmin(t *testing.T, s *testenv.Server) {
	t.Helper()
	sys := crm.WithPrincipal(context.Background(), crm.System)
	if _, err := s.Accounts.CreateUser(sys, account.UserFields{Email: adminEmail, Name: "Admin 管理員", Role: crm.RoleAdmin}, adminPassword); err != nil {
		t.Fatal(err)
	}
}

// addCustomerIn creates a customer who lives in a city with the
// new-customer form.
func (u *ui) addCustomerIn(family, given, city string) {
	u.t.Helper()
	u.do("adding "+family+given,
		chromedp.Navigate(u.s.URL+"/customers/new"),
		chromedp.WaitVisible(chromedp.ID("f-family_name")),
		chromedp.SendKeys(chromedp.ID("f-family_name"), family),
		chromedp.SendKeys(chromedp.ID("f-given_name"), given),
		chromedp.SendKeys(chromedp.ID("f-address-city"), city),
		chromedp.Click(chromedp.ID("save")),
		chromedp.WaitVisible(chromedp.ID("timeline")),
	)
}

// previewSize is the size the live preview shows, or "" while it shows
// a problem.
const previewSize = `(document.getElementById('preview-size') || {dataset: {}}).dataset.size`

// chooseField picks a field in a condition's select, as a user does: the
// select changes and htmx rebuilds the row.
func (u *ui) chooseField(id, value string) {
	u.t.Helper()
	u.do("choosing "+value,
		chromedp.Evaluate[chromedp.Void](`(() => { const s = document.getElementById(`+jsString(id)+`);
			s.value = `+jsString(value)+`; s.dispatchEvent(new Event('change', {bubbles: true})); })()`))
}

// buildCitySegment opens the segments, builds "city = 台南市" in the
// builder, sees the live size 2, saves it and sees its members.
func (u *ui) buildCitySegment() {
	u.t.Helper()
	u.do("opening the segments",
		chromedp.Click(chromedp.CSS(`nav a[href="/segments"]`)),
		chromedp.WaitVisible(chromedp.ID("segments-empty")),
	)
	u.checkPage("segments-empty")
	u.do("opening the builder", chromedp.Click(chromedp.ID("new-segment")), chromedp.WaitVisible(chromedp.ID("f-c0-field")))
	u.ready()
	// Everyone, before any condition: the seeded three and the two added.
	u.waitFor("the preview of everyone", previewSize+` === '5'`)
	name := u.msg("rule_field.city") + " " + segmentCity
	u.do("naming the segment", chromedp.SendKeys(chromedp.ID("f-name"), name))
	u.chooseField("f-c0-field", "city")
	u.waitFor("the row of the city", `!!document.getElementById('f-c0-value') && document.getElementById('f-c0-op').value === 'eq'`)
	u.do("typing the city", chromedp.SendKeys(chromedp.ID("f-c0-value"), segmentCity))
	u.waitFor("the live size", previewSize+` === '2'`)
	want := i18n.Message(u.lang, "segment.size", map[string]any{"n": "2"})
	if got := u.text("preview-size"); got != want {
		u.t.Errorf("the preview says %q, want %q", got, want)
	}
	if got := u.text("preview-members"); !strings.Contains(got, "林淑芬") || !strings.Contains(got, "張家豪") {
		u.t.Errorf("the preview lists %q", got)
	}
	if got := u.text("preview-text"); got != `city = "`+segmentCity+`"` {
		u.t.Errorf("the rule as text is %q", got)
	}
	// The text tab holds the same rule.
	u.do("showing the rule as text", chromedp.Click(chromedp.ID("mode-text")), chromedp.WaitVisible(chromedp.ID("f-text")))
	if got := run(u, "reading the text", chromedp.Value(chromedp.ID("f-text"))); got != `city = "`+segmentCity+`"` {
		u.t.Errorf("the text tab holds %q", got)
	}
	u.do("back to the conditions", chromedp.Click(chromedp.ID("mode-builder")), chromedp.WaitVisible(chromedp.ID("f-c0-value")))
	if got := run(u, "reading the value", chromedp.Value(chromedp.ID("f-c0-value"))); got != segmentCity {
		u.t.Errorf("back in the builder, the value is %q", got)
	}
	u.checkPage("segment-builder")

	u.do("saving", chromedp.Click(chromedp.ID("save-segment")), chromedp.WaitVisible(chromedp.ID("segment-size")))
	if got := u.text("segment-size"); got != "2" {
		u.t.Errorf("the saved segment has %s members, want 2", got)
	}
	members := run(u, "reading the members", chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll('#member-list a.name')).map(a => a.textContent + ' ' + a.getAttribute('href'))`))
	if len(members) != 2 || !strings.Contains(strings.Join(members, ","), "林淑芬 /customers/") || !strings.Contains(strings.Join(members, ","), "張家豪 /customers/") {
		u.t.Errorf("the members are %v", members)
	}
	if got := u.text("segment-changes"); !strings.Contains(got, u.msg("segment.entered")) {
		u.t.Errorf("the changes say %q", got)
	}
	u.checkPage("segment")
	u.do("refreshing", chromedp.Click(chromedp.ID("refresh-segment")), chromedp.WaitVisible(chromedp.ID("segment-refreshed")))
	u.do("opening a member", chromedp.Click(chromedp.CSS(`#member-list a.name`)), chromedp.WaitVisible(chromedp.ID("timeline")))
	u.do("opening the segments", chromedp.Click(chromedp.CSS(`nav a[href="/segments"]`)), chromedp.WaitVisible(chromedp.ID("segment-list")))
	if got := u.text("segment-list"); !strings.Contains(got, name) || !strings.Contains(got, want) {
		u.t.Errorf("the list says %q", got)
	}
	u.checkPage("segments")
}

// segmentsOnAPhone looks at the segment screens 375 px wide, with a rule
// of a group and a counting field's qualifiers.
func (u *ui) segmentsOnAPhone(me int64) {
	u.t.Helper()
	sys := crm.WithPrincipal(context.Background(), crm.System)
	if _, err := u.s.Customers.CreateContact(sys, customer.ContactFields{FamilyName: "歐陽", GivenName: "娜娜", OwnerID: &me,
		Address: customer.Address{City: segmentCity}, Tags: []string{"VIP"}}, customerWrite); err != nil {
		u.t.Fatal(err)
	}
	seg, err := u.s.Segments.Create(sys, segment.Input{Name: "台南的常客與一個很長很長的分群名稱，用來檢查窄螢幕的換行",
		Text: `city = "台南市" and (tag = "VIP" or events(type: "store_visit", channel: "store", within_days: 90) >= 3)`})
	if err != nil {
		u.t.Fatal(err)
	}
	u.signIn()
	u.do("opening the segments", chromedp.Navigate(u.s.URL+"/segments"), chromedp.WaitVisible(chromedp.ID("segment-list")))
	u.checkPage("segments")
	id := strconv.FormatInt(seg.ID, 10)
	u.do("opening the segment", chromedp.Navigate(u.s.URL+"/segments/"+id), chromedp.WaitVisible(chromedp.ID("member-list")))
	u.checkPage("segment")
	u.do("opening the builder", chromedp.Navigate(u.s.URL+"/segments/"+id+"/edit"), chromedp.WaitVisible(chromedp.ID("f-c1-1-within_days")))
	u.waitFor("the preview", previewSize+` === '1'`)
	u.checkPage("segment-builder")
	u.ready()
	u.do("adding a condition", chromedp.Click(chromedp.ID("add-condition")), chromedp.WaitVisible(chromedp.ID("f-c2-field")))
	u.waitFor("the focus on the new condition", `document.activeElement.id === 'f-c2-field'`)
	u.chooseField("f-c2-field", "orders")
	u.waitFor("the row of orders", `!!document.getElementById('f-c2-within_days')`)
	u.do("typing a bad count", chromedp.SendKeys(chromedp.ID("f-c2-value"), "many"))
	u.waitFor("the preview's problem", `!!document.getElementById('preview-errors')`)
	u.do("saving", chromedp.Click(chromedp.ID("save-segment")), chromedp.WaitVisible(chromedp.ID("f-c2-value-error")))
	if got, want := u.text("f-c2-value-error"), u.msg("expected_integer"); !strings.Contains(got, want) {
		u.t.Errorf("the count's error says %q, want %q", got, want)
	}
	u.checkPage("segment-builder-errors")
}
