package e2e_test

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"golang.org/x/text/encoding/traditionalchinese"

	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/i18n"
	"github.com/guanxi-crm/guanxi/internal/testenv"
	"github.com/guanxi-crm/guanxi/internal/touchpoint"
)

func customerFields(family, given, email string) customer.ContactFields {
	return customer.ContactFields{FamilyName: family, GivenName: given, Emails: []customer.Email{{Address: email}}}
}

var customerWrite = customer.WriteOptions{Source: "e2e"}

// TestUI walks the main journeys in English and again in Traditional
// Chinese (the browser asking for zh-TW), switches language with the
// switch, and checks the screens on a phone-sized viewport. One Chromium
// serves them all; each has its own server and browser context.
func TestUI(t *testing.T) {
	browserCtx := startBrowser(t)
	engines := testenv.AvailableEngines(t)
	for _, j := range journeys(engines) {
		t.Run("journeys/"+j.lang+"/"+j.engine, func(t *testing.T) {
			s := testenv.StartServer(t, j.engine)
			seed(t, s)
			u := newTab(t, browserCtx, s, j.lang, j.acceptLanguage, j.lang, 0, 0)
			u.signIn()
			u.createCustomer()
			u.findByChineseSubstring()
			u.logCall()
			u.importBig5()
			u.signOut()
		})
	}
	t.Run("language-switch", func(t *testing.T) {
		s := testenv.StartServer(t, engines[0])
		seed(t, s)
		u := newTab(t, browserCtx, s, i18n.English, "en-US,en;q=0.9", "switch", 0, 0)
		u.signIn()
		u.switchLanguage()
	})
	t.Run("paging", func(t *testing.T) {
		s := testenv.StartServer(t, engines[0])
		me := seed(t, s)
		u := newTab(t, browserCtx, s, i18n.English, "en", "paging", 0, 0)
		u.signIn()
		u.paging(me)
	})
	t.Run("phone-375px", func(t *testing.T) {
		s := testenv.StartServer(t, engines[0])
		me := seed(t, s)
		u := newTab(t, browserCtx, s, i18n.Traditional, "zh-TW", "phone", 375, 740)
		u.onAPhone(me)
	})
}

// createCustomer fills the new-customer form, first with a bad email (the
// message appears beside it), then right; the 360 page shows the name in
// Chinese order.
func (u *ui) createCustomer() {
	u.t.Helper()
	u.do("opening the new-customer form",
		chromedp.Click(chromedp.CSS(`main a[href="/customers/new"]`)),
		chromedp.WaitVisible(chromedp.ID("f-family_name")),
		chromedp.SendKeys(chromedp.ID("f-family_name"), "王"),
		chromedp.SendKeys(chromedp.ID("f-given_name"), "小明"),
		chromedp.SendKeys(chromedp.ID("f-emails-0-address"), "xiaoming.example.com"),
		chromedp.SendKeys(chromedp.ID("f-phones-0-number"), "0912-345-678"),
		chromedp.SendKeys(chromedp.ID("f-tags"), "VIP, 常客"),
		chromedp.Click(chromedp.ID("save")),
		chromedp.WaitVisible(chromedp.ID("f-emails-0-address-error")),
	)
	if got, want := u.text("f-emails-0-address-error"), i18n.Message(u.lang, "invalid_email", nil); got != want {
		u.t.Errorf("the email's error says %q, want %q", got, want)
	}
	invalid := run(u, "reading aria-invalid", chromedp.Evaluate[string](`document.getElementById('f-emails-0-address').getAttribute('aria-invalid')`))
	if invalid != "true" {
		u.t.Errorf("the invalid email is not marked aria-invalid")
	}
	u.checkPage("customer-form-errors")
	u.do("correcting the email",
		chromedp.SetValue(chromedp.ID("f-emails-0-address"), "xiaoming@example.com"),
		chromedp.Click(chromedp.ID("save")),
		chromedp.WaitVisible(chromedp.ID("timeline")),
	)
	if got := u.text("main"); !strings.Contains(got, "王小明") || !strings.Contains(got, "xiaoming@example.com") || !strings.Contains(got, "常客") {
		u.t.Errorf("the new customer's page says %q", got)
	}
	if h1 := run(u, "reading the heading", chromedp.Text(chromedp.CSS("h1"))); h1 != "王小明" {
		u.t.Errorf("the heading is %q, want 王小明 (family name first)", h1)
	}
}

// findByChineseSubstring types 小明 into the search box: as you type, the
// list narrows to 王小明 (not 王小華), and the address keeps the search.
func (u *ui) findByChineseSubstring() {
	u.t.Helper()
	u.do("opening the list",
		chromedp.Click(chromedp.CSS(`nav a[href="/customers"]`)),
		chromedp.WaitVisible(chromedp.ID("customer-list")),
	)
	u.waitFor("the list of all customers", `document.querySelectorAll('#customer-list li').length === 4`)
	u.ready()
	u.do("typing 小明", chromedp.SendKeys(chromedp.ID("q"), "小明"))
	u.waitFor("the search results", `(() => { const l = document.querySelectorAll('#customer-list li');
		return l.length === 1 && l[0].innerText.includes('王小明'); })()`)
	if loc := u.location(); !strings.Contains(loc, "q=%E5%B0%8F%E6%98%8E") {
		u.t.Errorf("the address after a search is %s", loc)
	}
	u.checkPage("customers-search")
}

// logCall opens the customer from the results, logs a call with a note,
// and sees it at the top of the timeline without the page reloading.
func (u *ui) logCall() {
	u.t.Helper()
	note := "Asked about the 婚紗 package"
	u.do("opening the customer",
		chromedp.Click(chromedp.CSS(`#customer-list a.name`)),
		chromedp.WaitVisible(chromedp.ID("activity-note")),
	)
	u.ready()
	u.do("logging a call",
		chromedp.Evaluate[chromedp.Void](`window.__notReloaded = true`),
		chromedp.SendKeys(chromedp.ID("activity-note"), note),
		chromedp.Click(chromedp.ID("log-submit")),
		chromedp.WaitVisible(chromedp.ID("activity-done")),
	)
	if got, want := u.text("activity-done"), u.msg("customer.logged_call"); got != want {
		u.t.Errorf("after logging, the page says %q, want %q", got, want)
	}
	u.waitFor("the call on the timeline", `(() => { const first = document.querySelector('#timeline-list li');
		return window.__notReloaded && first && first.innerText.includes(`+jsString(note)+`) && first.innerText.includes(`+jsString(u.msg("event_type.call"))+`); })()`)
	if v := run(u, "reading the note box", chromedp.Value(chromedp.ID("activity-note"))); v != "" {
		u.t.Errorf("the note box still holds %q", v)
	}
	u.checkPage("customer-360")
}

// importBig5 uploads a CSV that Excel saved in Big5, sees it read right in
// the preview, changes one column's field, starts it, watches the progress
// reach 100%, and finds an imported customer.
func (u *ui) importBig5() {
	u.t.Helper()
	csv := "姓名,電子郵件,手機,備註欄\r\n" +
		"黃美麗,meili@example.com,0933-111-222,老客戶\r\n" +
		"林志明,zhiming@example.com,0955-333-444,\r\n" +
		"許大同,not-an-email,,\r\n"
	big5, err := traditionalchinese.Big5.NewEncoder().String(csv)
	if err != nil {
		u.t.Fatal(err)
	}
	path := filepath.Join(u.t.TempDir(), "客戶名單.csv")
	if err := os.WriteFile(path, []byte(big5), 0o644); err != nil {
		u.t.Fatal(err)
	}
	u.do("opening the import page",
		chromedp.Click(chromedp.CSS(`nav a[href="/import"]`)),
		chromedp.WaitVisible(chromedp.ID("import-file")),
	)
	u.ready()
	u.do("choosing the file",
		chromedp.SetUploadFiles(chromedp.ID("import-file"), []string{path}),
		chromedp.WaitVisible(chromedp.ID("import-mapping")),
	)
	if got, want := u.text("import-detected"), i18n.Message(u.lang, "encoding.big5", nil); !strings.Contains(got, want) {
		u.t.Errorf("the preview says %q, want it to name %q", got, want)
	}
	if got := u.text("import-mapping"); !strings.Contains(got, "黃美麗") || !strings.Contains(got, "meili@example.com") {
		u.t.Errorf("the preview shows %q", got)
	}
	mapping := run(u, "reading the mapping", chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll('select[name=mapping]')).map(s => s.value)`))
	if strings.Join(mapping, ",") != "display_name,email,mobile,note" {
		u.t.Errorf("the guessed mapping is %v", mapping)
	}
	// The mapping can be changed: the mobile numbers go in as phones.
	u.do("mapping a column by hand", chromedp.SetValue(chromedp.ID("map-2"), "phone"))
	u.checkPage("import-preview")
	u.do("starting the import",
		chromedp.Click(chromedp.ID("import-start")),
		chromedp.WaitVisible(chromedp.ID("import-bar")),
	)
	u.waitFor("the import to finish", `(() => { const p = document.getElementById('import-percent');
		return p && p.textContent.trim() === '100%' && document.getElementById('import-to-customers'); })()`)
	if got, want := u.text("import-status"), u.msg("job_status.succeeded"); got != want {
		u.t.Errorf("the import's status is %q, want %q", got, want)
	}
	if got := u.text("import-imported"); got != "2" {
		u.t.Errorf("imported %s customers, want 2", got)
	}
	if got := u.text("import-problems-link"); !strings.Contains(got, "1") {
		u.t.Errorf("the problems link says %q", got)
	}
	u.checkPage("import-done")
	u.do("opening the list", chromedp.Click(chromedp.ID("import-to-customers")), chromedp.WaitVisible(chromedp.ID("q")))
	u.ready()
	u.do("searching the imported customer", chromedp.SendKeys(chromedp.ID("q"), "美麗"))
	u.waitFor("the imported customer", `(() => { const l = document.querySelectorAll('#customer-list li');
		return l.length === 1 && l[0].innerText.includes('黃美麗') && l[0].innerText.includes('meili@example.com')
			&& l[0].innerText.includes('+886933111222'); })()`)
}

// signOut uses the user menu.
func (u *ui) signOut() {
	u.t.Helper()
	u.do("signing out",
		chromedp.Click(chromedp.CSS("details.user-menu summary")),
		chromedp.Click(chromedp.CSS("details.user-menu button")),
		chromedp.WaitVisible(chromedp.ID("email")),
	)
	u.do("trying the list again", chromedp.Navigate(u.s.URL+"/customers"), chromedp.WaitVisible(chromedp.ID("email")))
	if loc := u.location(); !strings.Contains(loc, "/signin?next=%2Fcustomers") {
		u.t.Errorf("signed out, /customers leads to %s", loc)
	}
}

// switchLanguage changes the language with the switch in the header; the
// page comes back in Traditional Chinese, and so does the next one. The
// keyboard reaches the skip link first, and every control after it shows
// where the focus is.
func (u *ui) switchLanguage() {
	u.t.Helper()
	u.ready()
	u.do("switching to 繁體中文",
		chromedp.Evaluate[chromedp.Void](`(() => { const s = document.getElementById('lang-select');
			s.value = 'zh-Hant'; s.dispatchEvent(new Event('change', {bubbles: true})); })()`),
		chromedp.WaitVisible(`//nav//a[text()="客戶"]`),
	)
	u.lang = i18n.Traditional
	u.checkPage("switched-customers")
	u.do("opening the import page", chromedp.Click(chromedp.CSS(`nav a[href="/import"]`)), chromedp.WaitVisible(chromedp.ID("import-file")))
	if h1 := run(u, "reading the heading", chromedp.Text(chromedp.CSS("h1"))); h1 != "匯入檔案" {
		u.t.Errorf("after switching, the import page is headed %q", h1)
	}
	// The keyboard reaches the skip link first, then the nav, the menus and
	// the form: each with a visible focus ring.
	for i := range 15 {
		u.do("pressing Tab", chromedp.KeyEvent("\t"))
		ring := run(u, "reading the focus", chromedp.Evaluate[[]string](`(() => { const e = document.activeElement, s = getComputedStyle(e);
			return [e.className || e.tagName.toLowerCase(), e.id || e.getAttribute('href') || '', s.outlineStyle, s.outlineWidth, s.boxShadow]; })()`))
		if i == 0 && ring[0] != "skip" {
			u.t.Errorf("the first Tab focuses %v: want the skip link", ring)
		}
		if ring[0] == "body" {
			break
		}
		if (ring[2] == "none" || ring[3] == "0px") && ring[4] == "none" {
			u.t.Errorf("Tab %d focuses %v without a visible focus ring", i+1, ring)
		}
	}
}

// paging follows the list's next-page link and the timeline's "more"
// button, both swapped in by htmx, and sees a refused import start in place.
func (u *ui) paging(me int64) {
	u.t.Helper()
	sys := crm.WithPrincipal(context.Background(), crm.System)
	var batch []customer.ContactFields
	for i := range 30 {
		f := customerFields("Tan", "Number "+strconv.Itoa(i), "tan"+strconv.Itoa(i)+"@example.com")
		f.OwnerID = &me
		batch = append(batch, f)
	}
	if _, err := u.s.Customers.CreateContacts(sys, batch, customerWrite); err != nil {
		u.t.Fatal(err)
	}
	u.do("reloading the list", chromedp.Navigate(u.s.URL+"/customers"), chromedp.WaitVisible(chromedp.ID("next-page")))
	u.waitFor("the first page", `document.querySelectorAll('#customer-list li').length === 25`)
	u.ready()
	u.do("following the next-page link", chromedp.Click(chromedp.ID("next-page")))
	u.waitFor("the second page", `document.querySelectorAll('#customer-list li').length === 8 && !document.getElementById('next-page')`)
	if loc := u.location(); !strings.Contains(loc, "cursor=") {
		u.t.Errorf("the second page's address is %s", loc)
	}

	c, err := u.s.Customers.CreateContact(sys, customer.ContactFields{FamilyName: "吳", GivenName: "佩琪", OwnerID: &me}, customerWrite)
	if err != nil {
		u.t.Fatal(err)
	}
	var events []touchpoint.EventInput
	for i := range 25 {
		events = append(events, touchpoint.EventInput{Type: "store_visit", Channel: "store",
			Customer: crm.CustomerRef{ContactID: &c.ID}, Properties: []byte(`{"store":"台北信義店","visit":` + strconv.Itoa(i) + `}`)})
	}
	if _, err := u.s.Touchpoints.RecordBatch(sys, events); err != nil {
		u.t.Fatal(err)
	}
	u.do("opening the customer", chromedp.Navigate(u.s.URL+"/customers/"+strconv.FormatInt(c.ID, 10)), chromedp.WaitVisible(chromedp.ID("timeline-more")))
	u.waitFor("the first page of the timeline", `document.querySelectorAll('#timeline-list li.item').length === 20`)
	u.ready()
	u.do("showing more", chromedp.Click(chromedp.ID("timeline-more")))
	u.waitFor("the rest of the timeline", `document.querySelectorAll('#timeline-list li.item').length === 26 && !document.getElementById('timeline-more')`)
	u.checkPage("timeline-more")

	path := filepath.Join(u.t.TempDir(), "twice.csv")
	if err := os.WriteFile(path, []byte("name,email,e-mail\nAnn,ann@example.com,ann@example.org\n"), 0o644); err != nil {
		u.t.Fatal(err)
	}
	u.do("opening the import page", chromedp.Navigate(u.s.URL+"/import"), chromedp.WaitVisible(chromedp.ID("import-file")))
	u.ready()
	u.do("choosing a file",
		chromedp.SetUploadFiles(chromedp.ID("import-file"), []string{path}),
		chromedp.WaitVisible(chromedp.ID("import-mapping")),
		chromedp.SetValue(chromedp.ID("map-2"), "email"),
		chromedp.SetValue(chromedp.ID("map-1"), "email"),
		chromedp.Click(chromedp.ID("import-start")),
		chromedp.WaitVisible(chromedp.ID("import-errors")),
	)
	if got := u.text("import-errors"); !strings.Contains(got, "email is given to two columns") {
		u.t.Errorf("a refused start says %q", got)
	}
	if loc := u.location(); !strings.HasSuffix(loc, "/import") {
		u.t.Errorf("a refused start left the page for %s", loc)
	}
}

// onAPhone signs in and looks at each main screen 375 px wide.
func (u *ui) onAPhone(me int64) {
	u.t.Helper()
	u.signIn()
	u.checkPage("customers")
	sys := crm.WithPrincipal(context.Background(), crm.System)
	c, err := u.s.Customers.CreateContact(sys, customer.ContactFields{FamilyName: "歐陽", GivenName: "娜娜",
		Emails:  []customer.Email{{Address: "nana.ouyang.with.a.rather.long.address@example.com.tw"}},
		Phones:  []customer.Phone{{Number: "+886 2 2345 6789", Ext: "123"}},
		Address: customer.Address{Street: "忠孝東路四段 100 號 12 樓", City: "大安區", Region: "台北市", PostalCode: "106", Country: "TW"},
		Tags:    []string{"VIP", "常客", "婚紗"}, OwnerID: &me}, customerWrite)
	if err != nil {
		u.t.Fatal(err)
	}
	u.do("opening a customer", chromedp.Navigate(u.s.URL+"/customers/"+strconv.FormatInt(c.ID, 10)), chromedp.WaitVisible(chromedp.ID("activity-note")))
	u.ready()
	u.do("logging a note",
		chromedp.SendKeys(chromedp.ID("activity-note"), "喜歡週末下午來店，偏好 LINE 聯絡。"),
		chromedp.Click(chromedp.CSS(`input[value="note"]`)),
		chromedp.Click(chromedp.ID("log-submit")),
		chromedp.WaitVisible(chromedp.ID("activity-done")),
	)
	u.checkPage("customer-360")
	u.do("opening the form", chromedp.Navigate(u.s.URL+"/customers/new"), chromedp.WaitVisible(chromedp.ID("f-family_name")))
	u.checkPage("customer-form")
	u.do("opening the import page", chromedp.Navigate(u.s.URL+"/import"), chromedp.WaitVisible(chromedp.ID("import-file")))
	u.checkPage("import")
	// The nav and the user menu stay reachable.
	u.do("opening the user menu", chromedp.Click(chromedp.CSS("details.user-menu summary")), chromedp.WaitVisible(chromedp.CSS("details.user-menu button")))
	u.checkPage("user-menu")
}

// jsString quotes s for JavaScript.
func jsString(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`, "\n", `\n`).Replace(s) + "'"
}
