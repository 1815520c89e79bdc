package e2e_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/i18n"
	"github.com/guanxi-crm/guanxi/internal/testenv"
)

// TestCustomersListUI filters the customers by city, saves that as a view,
// opens it again from its tab, ticks two customers and tags them, and sees
// the tag on their pages: in English on the first store and in Traditional
// Chinese on the last, and on a phone.
func TestCustomersListUI(t *testing.T) {
	browserCtx := startBrowser(t)
	engines := testenv.AvailableEngines(t)
	for _, j := range journeys(engines) {
		t.Run("customers-list/"+j.lang+"/"+j.engine, func(t *testing.T) {
			s := testenv.StartServer(t, j.engine)
			l := seedCities(t, s)
			u := newTab(t, browserCtx, s, j.lang, j.acceptLanguage, "customers-list-"+j.lang, 0, 0)
			u.signIn()
			u.filterByCity(l)
			view := "Taipei customers"
			tag := "Tea lovers"
			if j.lang != i18n.English {
				view, tag = "台北客戶", "愛喝茶"
			}
			u.saveAndReopenView(l, view)
			u.tagTwo(s, l, tag)
			u.checkConsole()
		})
	}
	t.Run("customers-list-phone-375px", func(t *testing.T) {
		s := testenv.StartServer(t, engines[0])
		l := seedCities(t, s)
		u := newTab(t, browserCtx, s, i18n.Traditional, "zh-TW", "customers-list-phone", 375, 740)
		u.signIn()
		u.filterByCity(l)
		u.do("ticking every row of the page", chromedp.Click(chromedp.ID("select-all")))
		u.waitFor("every row ticked", `Array.from(document.querySelectorAll('#customer-list input.pick')).every(c => c.checked)`)
		u.checkPage("filtered-phone")
		u.checkConsole()
	})
}

// cities are the customers seedCities adds, all the signed-in user's: two
// in 台北 and one in 高雄.
type cities struct {
	taipei1, taipei2, kaohsiung *customer.Contact
}

func seedCities(t *testing.T, s *testenv.Server) *cities {
	t.Helper()
	me := seed(t, s)
	sys := crm.WithPrincipal(context.Background(), crm.System)
	mk := func(family, given, city string) *customer.Contact {
		f := customer.ContactFields{FamilyName: family, GivenName: given, OwnerID: &me, Address: customer.Address{City: city}}
		c, err := s.Customers.CreateContact(sys, f, customerWrite)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	return &cities{taipei1: mk("林", "志明", "台北"), taipei2: mk("吳", "淑芬", "台北"), kaohsiung: mk("蔡", "宗翰", "高雄")}
}

func contactRef(c *customer.Contact) string { return strconv.FormatInt(c.ID, 10) }

// rowsShown is a script listing the names in the list, in order.
const rowsShown = `Array.from(document.querySelectorAll('#customer-list a.name')).map(a => a.textContent).join('|')`

// filterByCity adds "City is 台北" with the filter bar and sees the list
// narrowed to the two customers there.
func (u *ui) filterByCity(l *cities) {
	u.t.Helper()
	u.ready()
	u.chooseField("af", "city")
	u.chooseField("ao", "eq")
	u.do("typing the city and adding the filter",
		chromedp.SendKeys(chromedp.ID("av"), "台北"),
		chromedp.Click(chromedp.CSS(`button[name="add"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.filter-chips .chip`)),
	)
	want := l.taipei2.DisplayName + "|" + l.taipei1.DisplayName
	u.waitFor("the list narrowed to 台北", rowsShown+` === `+jsString(want))
	if loc := u.location(); !strings.Contains(loc, "filter%5Bcity%5D%5Beq%5D=%E5%8F%B0%E5%8C%97") {
		u.t.Errorf("the address does not say the filter: %s", loc)
	}
	chip := i18n.Message(u.lang, "custlist.chip_eq", map[string]any{"field": u.msg("field.city"), "value": "台北"})
	if got := u.text("list-controls"); !strings.Contains(got, chip) {
		u.t.Errorf("the filter bar does not show %q: %q", chip, got)
	}
	u.checkPage("filtered")
}

// saveAndReopenView saves the filtered list under a name, goes back to
// every customer, and opens the view again from its tab.
func (u *ui) saveAndReopenView(l *cities, name string) {
	u.t.Helper()
	u.do("saving the view",
		chromedp.SendKeys(chromedp.ID("view-name"), name),
		chromedp.Submit(chromedp.ID("view-name")),
		chromedp.WaitVisible(chromedp.CSS(`.view-tab a[aria-current="page"]`)),
	)
	u.waitFor("the view's tab, current", `(() => { const a = document.querySelector('.view-tabs a[aria-current="page"]'); return !!a && a.textContent === `+jsString(name)+`; })()`)
	u.do("showing every customer", chromedp.Evaluate[chromedp.Void](`document.querySelector('.view-tabs a[href="/customers"]').click()`),
		chromedp.WaitVisible(chromedp.CSS(`.view-tabs a[href="/customers"][aria-current="page"]`)))
	u.waitFor("every customer", `document.querySelectorAll('#customer-list a.name').length === 6`)
	u.do("opening the view from its tab",
		chromedp.Evaluate[chromedp.Void](`document.querySelector('.view-tab a').click()`),
		chromedp.WaitVisible(chromedp.CSS(`.view-tab a[aria-current="page"]`)))
	want := l.taipei2.DisplayName + "|" + l.taipei1.DisplayName
	u.waitFor("the view's list again", rowsShown+` === `+jsString(want))
	u.ready()
	u.checkPage("view")
}

// tagTwo ticks the two customers of the view, tags them, and sees the tag
// on each one's page and not on the customer left out.
func (u *ui) tagTwo(s *testenv.Server, l *cities, tag string) {
	u.t.Helper()
	u.do("ticking two customers",
		chromedp.Click(chromedp.ID("pick-"+contactRef(l.taipei1))),
		chromedp.Click(chromedp.ID("pick-"+contactRef(l.taipei2))),
		chromedp.SendKeys(chromedp.ID("bulk-tag"), tag),
		chromedp.Click(chromedp.CSS(`button[name="action"][value="tag"]`)),
	)
	want := i18n.Message(u.lang, "custlist.report_updated", map[string]any{"n": "2"})
	if got := u.text("bulk-report"); got != want {
		u.t.Errorf("the report says %q; want %q", got, want)
	}
	u.checkPage("tagged")
	for _, c := range []*customer.Contact{l.taipei1, l.taipei2} {
		u.do("opening "+c.DisplayName, chromedp.Navigate(u.s.URL+"/customers/"+contactRef(c)), chromedp.WaitVisible(chromedp.ID("main")))
		if got := u.text("main"); !strings.Contains(got, tag) {
			u.t.Errorf("%s's page does not show the tag %q", c.DisplayName, tag)
		}
	}
	got, err := s.Customers.GetContact(crm.WithPrincipal(context.Background(), crm.System), l.kaohsiung.ID)
	if err != nil || len(got.Tags) != 0 {
		u.t.Errorf("the customer left out has tags %v (%v)", got.Tags, err)
	}
}
