package web_test

import (
	"bytes"
	"context"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/traditionalchinese"

	"github.com/guanxi-crm/guanxi/internal/account"
	"github.com/guanxi-crm/guanxi/internal/commerce"
	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/testenv"
)

// These tests drive the UI over HTTP as a browser without JavaScript would
// (plain forms and links), and as htmx does (HX-Request), against the real
// app. The e2e package drives it in Chromium.

// browser is an HTTP client with a cookie jar that does not follow
// redirects, so that tests see them.
type browser struct {
	t    *testing.T
	s    *testenv.Server
	c    *http.Client
	lang string
}

type page struct {
	Status   int
	Location string
	Header   http.Header
	Body     string
}

func newBrowser(t *testing.T, s *testenv.Server, lang string) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, s: s, lang: lang, c: &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (b *browser) do(method, path string, body io.Reader, contentType string, headers ...string) *page {
	b.t.Helper()
	req, err := http.NewRequest(method, b.s.URL+path, body)
	if err != nil {
		b.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("Accept-Language", b.lang)
	req.Header.Set("Accept", "text/html,application/xhtml+xml,*/*;q=0.8")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return &page{Status: resp.StatusCode, Location: resp.Header.Get("Location"), Header: resp.Header, Body: string(raw)}
}

// upload posts a form with fields and a file (none when file is empty) as
// multipart/form-data, as the import screen's form does.
func (b *browser) upload(path string, fields url.Values, name, file string, headers ...string) *page {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, vs := range fields {
		for _, v := range vs {
			_ = mw.WriteField(k, v)
		}
	}
	if file != "" {
		fw, _ := mw.CreateFormFile("file", name)
		_, _ = fw.Write([]byte(file))
	}
	_ = mw.Close()
	return b.do("POST", path, &buf, mw.FormDataContentType(), headers...)
}

// importDone follows an import job's progress, as the page's htmx does,
// until it stops asking to be polled, and returns that last answer.
func (b *browser) importDone(job string) *page {
	b.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		p := b.get(job+"/progress", "HX-Request", "true")
		if !strings.Contains(p.Body, "hx-trigger") {
			return p
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("the import did not finish:\n%s", p.Body)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (b *browser) get(path string, headers ...string) *page {
	b.t.Helper()
	return b.do("GET", path, nil, "", headers...)
}

func (b *browser) post(path string, form url.Values, headers ...string) *page {
	b.t.Helper()
	return b.do("POST", path, strings.NewReader(form.Encode()), "application/x-www-form-urlencoded", headers...)
}

func (b *browser) signIn(email, password string) {
	b.t.Helper()
	p := b.post("/signin", url.Values{"email": {email}, "password": {password}})
	if p.Status != http.StatusSeeOther || p.Location != "/" {
		b.t.Fatalf("sign in: %d %s\n%s", p.Status, p.Location, p.Body)
	}
}

// expect fails unless the page has the status and every fragment.
func expect(t *testing.T, p *page, status int, fragments ...string) {
	t.Helper()
	if p.Status != status {
		t.Fatalf("status %d, want %d\n%s", p.Status, status, p.Body)
	}
	for _, f := range fragments {
		if !strings.Contains(p.Body, f) {
			t.Errorf("page lacks %q\n%s", f, p.Body)
		}
	}
}

const password = "correct horse battery staple"

// startServer runs Guanxi with an admin and an agent who can sign in.
func startServer(t *testing.T) *testenv.Server { return startServerOn(t, "sqlite") }

// startServerOn is startServer on an engine (sqlite or postgres).
func startServerOn(t *testing.T, engine string) *testenv.Server {
	s := testenv.StartServer(t, engine)
	sys := crm.WithPrincipal(context.Background(), crm.System)
	for _, u := range []account.UserFields{
		{Email: "owner@example.com", Name: "Owner", Role: crm.RoleAdmin},
		{Email: "agent@example.com", Name: "Agent", Role: crm.RoleAgent},
		{Email: "viewer@example.com", Name: "Viewer", Role: crm.RoleViewer},
	} {
		if _, err := s.Accounts.CreateUser(sys, u, password); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

var customerURL = regexp.MustCompile(`^/customers/(\d+)$`)

func TestSignInAndOut(t *testing.T) {
	s := startServer(t)
	b := newBrowser(t, s, "en")

	p := b.get("/")
	if p.Status != http.StatusSeeOther || p.Location != "/signin" {
		t.Fatalf("/ answers %d %s", p.Status, p.Location)
	}
	p = b.get("/customers?q=x")
	if p.Status != http.StatusSeeOther || p.Location != "/signin?next=%2Fcustomers%3Fq%3Dx" {
		t.Fatalf("a page before signing in answers %d %s", p.Status, p.Location)
	}
	p = b.get("/customers", "HX-Request", "true", "HX-Current-URL", s.URL+"/customers")
	if p.Status != http.StatusUnauthorized || p.Header.Get("HX-Redirect") != "/signin?next=%2Fcustomers" {
		t.Fatalf("htmx before signing in answers %d %q", p.Status, p.Header.Get("HX-Redirect"))
	}
	expect(t, b.get("/signin"), 200, `<html lang="en">`, "Sign in to Guanxi", `autocomplete="current-password"`)

	p = b.post("/signin", url.Values{"email": {"owner@example.com"}, "password": {"wrong"}, "next": {"/import"}})
	expect(t, p, http.StatusUnauthorized, "The email or password is not correct.", `value="owner@example.com"`, `value="/import"`)

	p = b.post("/signin", url.Values{"email": {"owner@example.com"}, "password": {password}, "next": {"//evil.example/"}})
	if p.Status != http.StatusSeeOther || p.Location != "/" {
		t.Fatalf("sign in with a foreign next: %d %s", p.Status, p.Location)
	}
	expect(t, b.get("/customers"), 200, "Owner", `aria-current="page"`, "No customers yet.")
	// Home, once signed in, is the dashboard.
	expect(t, b.get("/"), 200, `<a href="/" aria-current="page">Dashboard</a>`, `id="dashboard"`)

	p = b.post("/signout", nil)
	if p.Status != http.StatusSeeOther || p.Location != "/signin" {
		t.Fatalf("sign out: %d %s", p.Status, p.Location)
	}
	if p := b.get("/customers"); p.Status != http.StatusSeeOther {
		t.Errorf("after signing out /customers answers %d", p.Status)
	}

	// A post from another site is refused (cross-site request forgery).
	evil := b.do("POST", "/signin", strings.NewReader("email=a&password=b"), "application/x-www-form-urlencoded",
		"Sec-Fetch-Site", "cross-site")
	if evil.Status != http.StatusForbidden {
		t.Errorf("a cross-site post answers %d", evil.Status)
	}
}

func TestLanguage(t *testing.T) {
	s := startServer(t)

	zh := newBrowser(t, s, "zh-TW,zh;q=0.9,en;q=0.5")
	expect(t, zh.get("/signin"), 200, `<html lang="zh-Hant">`, "登入 Guanxi 關係")
	cn := newBrowser(t, s, "zh-CN")
	expect(t, cn.get("/signin"), 200, `<html lang="zh-Hans">`, "登录 Guanxi 关系")

	// Before signing in, the switch sets this browser's language.
	en := newBrowser(t, s, "en")
	p := en.post("/language", url.Values{"language": {"zh-Hans"}, "next": {"/signin"}})
	if p.Status != http.StatusSeeOther || p.Location != "/signin" {
		t.Fatalf("switch: %d %s", p.Status, p.Location)
	}
	expect(t, en.get("/signin"), 200, "登录")
	expect(t, en.post("/language", url.Values{"language": {"klingon"}}), http.StatusUnprocessableEntity, "必须是下列之一")

	// Signed in, it is the user's setting, on every browser they use.
	en.signIn("owner@example.com", password)
	en.post("/language", url.Values{"language": {"zh-Hant"}, "next": {"/customers"}})
	expect(t, en.get("/customers"), 200, `<html lang="zh-Hant">`, "客戶", "新增客戶")
	other := newBrowser(t, s, "en")
	other.signIn("owner@example.com", password)
	expect(t, other.get("/customers"), 200, `<html lang="zh-Hant">`)
	other.post("/language", url.Values{"language": {"en"}, "next": {"/customers"}})
	expect(t, other.get("/customers"), 200, `<html lang="en">`, "New customer")
}

func TestCustomers(t *testing.T) {
	s := startServer(t)
	b := newBrowser(t, s, "en")
	b.signIn("owner@example.com", password)

	expect(t, b.get("/customers/new"), 200, `for="f-family_name"`, `name="emails[0].address"`, `autocomplete="family-name"`)

	// Invalid fields come back beside their inputs, the form as it was.
	form := url.Values{
		"family_name": {"王"}, "given_name": {"小明"},
		"emails[0].address": {""}, "emails[0].label": {""},
		"emails[1].address": {"not-an-email"}, "emails[1].label": {"work"},
		"phones[0].number": {"0912-345-678"}, "phones[0].ext": {""}, "phones[0].label": {"mobile"},
		"address.country": {"Taiwan"}, "birthday": {"1990-13-01"}, "tags": {"vip，常客"}, "lifecycle_stage": {"customer"},
	}
	p := b.post("/customers", form)
	expect(t, p, http.StatusUnprocessableEntity, "Please correct what is marked below.",
		`id="f-emails-1-address-error"`, "Not a valid email address.",
		`id="f-address-country-error"`, `id="f-birthday-error"`, `value="not-an-email"`, `value="王"`)
	if strings.Contains(p.Body, `id="f-emails-0-address-error"`) {
		t.Error("the error of the second email row is shown at the first")
	}

	form.Set("emails[1].address", "xiaoming@example.com")
	form.Set("address.country", "tw")
	form.Set("birthday", "1990-10-01")
	p = b.post("/customers", form)
	m := customerURL.FindStringSubmatch(p.Location)
	if p.Status != http.StatusSeeOther || m == nil {
		t.Fatalf("create: %d %s\n%s", p.Status, p.Location, p.Body)
	}
	id := m[1]
	p = b.get(p.Location)
	expect(t, p, 200, "<h1>王小明</h1>", "xiaoming@example.com", "tel:&#43;886912345678", "vip", "常客", "Customer", "Record created",
		"Log a call or note", `<title>王小明 · Guanxi 關係</title>`)

	// A duplicate is refused with a link to the one that exists.
	dup := url.Values{"given_name": {"Other"}, "emails[0].address": {"XIAOMING@example.com"}}
	expect(t, b.post("/customers", dup), http.StatusConflict, "already exists", `href="/customers/`+id+`"`)

	// Search finds Chinese substrings; htmx gets only the results.
	expect(t, b.get("/customers?q="+url.QueryEscape("小明")), 200, "王小明", `id="q"`)
	p = b.get("/customers?q="+url.QueryEscape("小明"), "HX-Request", "true", "HX-Target", "results")
	expect(t, p, 200, "王小明", "Customers: 1")
	if strings.Contains(p.Body, "<html") {
		t.Error("the results fragment is a whole page")
	}
	expect(t, b.get("/customers?q="+url.QueryEscape("大華")), 200, "No customer matches “大華”.")

	// Edit, keeping the version: a stale one is refused.
	p = b.get("/customers/" + id + "/edit")
	expect(t, p, 200, `name="version" value="`, `value="xiaoming@example.com"`)
	edit := url.Values{"version": {"1"}, "family_name": {"王"}, "given_name": {"大明"}, "display_name": {"王小明"},
		"emails[0].address": {"xiaoming@example.com"}, "lifecycle_stage": {"loyal"}}
	p = b.post("/customers/"+id, edit)
	if p.Status != http.StatusSeeOther {
		t.Fatalf("edit: %d\n%s", p.Status, p.Body)
	}
	expect(t, b.get("/customers/"+id), 200, "<h1>王大明</h1>", "Loyal", "Record changed")
	expect(t, b.post("/customers/"+id, edit), http.StatusPreconditionFailed, "changed by someone else")

	// Paging by cursor: a next link, then the rest.
	for i := range 26 {
		b.post("/customers", url.Values{"given_name": {"Person"}, "family_name": {string(rune('A' + i))}})
	}
	p = b.get("/customers")
	next := regexp.MustCompile(`href="(/customers\?cursor=[^"]+)"`).FindStringSubmatch(p.Body)
	if next == nil {
		t.Fatalf("no next page link on\n%s", p.Body)
	}
	expect(t, p, 200, "Customers: 27")
	p = b.get(strings.ReplaceAll(next[1], "&amp;", "&"))
	expect(t, p, 200, "王大明", "First page")
	if strings.Contains(p.Body, `rel="next"`) {
		t.Error("the last page links a next page")
	}
}

func TestCustomer360(t *testing.T) {
	s := startServer(t)
	b := newBrowser(t, s, "en")
	b.signIn("owner@example.com", password)
	p := b.post("/customers", url.Values{"family_name": {"李"}, "given_name": {"美玲"}, "emails[0].address": {"mei@example.com"}})
	loc := p.Location

	// Log a call without JavaScript: back to the page, on the timeline.
	p = b.post(loc+"/activities", url.Values{"type": {"call"}, "note": {"Asked about 婚紗 packages"}})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("log a call: %d\n%s", p.Status, p.Body)
	}
	expect(t, b.get(loc), 200, "Call", "Phone", "Asked about 婚紗 packages", "Figures", "First seen")

	// With htmx: the form comes back empty, the timeline beside it.
	p = b.post(loc+"/activities", url.Values{"type": {"note"}, "note": {"Prefers LINE"}}, "HX-Request", "true")
	expect(t, p, 200, "The note is on the timeline.", `hx-swap-oob="true"`, "Prefers LINE", "Asked about 婚紗 packages")
	expect(t, b.post(loc+"/activities", url.Values{"type": {"fax"}}, "HX-Request", "true"), http.StatusUnprocessableEntity, "Must be one of")
	expect(t, b.post(loc+"/activities", url.Values{"type": {"note"}, "note": {strings.Repeat("長", 4001)}}), http.StatusUnprocessableEntity, "At most 4000 characters")

	// An order shows on the timeline and in the figures, money in the
	// language's way.
	id, _ := strconv.ParseInt(strings.TrimPrefix(loc, "/customers/"), 10, 64)
	sys := crm.WithPrincipal(context.Background(), crm.System)
	price := int64(123450)
	if _, err := s.Commerce.CreateOrder(sys, commerce.OrderInput{Number: "A-1001", Currency: "TWD",
		Customer: crm.CustomerRef{ContactID: &id}, Lines: []commerce.LineInput{{SKU: "WED-1", Name: "婚紗套組", Quantity: 2, UnitPrice: &price}}}); err != nil {
		t.Fatal(err)
	}
	expect(t, b.get(loc), 200, "Order A-1001", "paid", "NT$2,469.00", "Revenue", "Average order")
	zh := newBrowser(t, s, "zh-TW")
	zh.signIn("owner@example.com", password)
	expect(t, zh.get(loc), 200, "訂單 A-1001", "已付款", "$2,469.00", "營收")

	// The timeline pages with "more".
	for i := range 24 {
		b.post(loc+"/activities", url.Values{"type": {"note"}, "note": {"note " + string(rune('a'+i))}})
	}
	p = b.get(loc)
	more := regexp.MustCompile(`hx-get="(/customers/\d+/timeline\?cursor=[^"]+)"`).FindStringSubmatch(p.Body)
	if more == nil {
		t.Fatalf("no more button on\n%s", p.Body)
	}
	p = b.get(more[1], "HX-Request", "true")
	expect(t, p, 200, "Record created", `class="item kind-event"`)
	if strings.Contains(p.Body, "<html") || strings.Contains(p.Body, "timeline-more") {
		t.Errorf("the second page is not the last items alone:\n%s", p.Body)
	}
}

func TestPermissions(t *testing.T) {
	s := startServer(t)
	owner := newBrowser(t, s, "en")
	owner.signIn("owner@example.com", password)
	loc := owner.post("/customers", url.Values{"family_name": {"陳"}, "given_name": {"大文"}, "emails[0].address": {"chen@example.com"},
		"phones[0].number": {"+886 2 2345 6789"}}).Location
	owner.post(loc+"/activities", url.Values{"type": {"call"}, "note": {"secret plans"}})

	// An agent sees a colleague's customer as a basic card only: no
	// contact details, no timeline, no edit.
	agent := newBrowser(t, s, "en")
	agent.signIn("agent@example.com", password)
	p := agent.get("/customers")
	expect(t, p, 200, "陳大文", "Basic card")
	if strings.Contains(p.Body, "chen@example.com") {
		t.Error("the list shows a restricted contact's email")
	}
	p = agent.get(loc)
	expect(t, p, 200, "陳大文", "basic card only", "for their owners")
	for _, hidden := range []string{"chen@example.com", "secret plans", "/edit", "Log a call"} {
		if strings.Contains(p.Body, hidden) {
			t.Errorf("the 360 page of a restricted contact shows %q", hidden)
		}
	}
	expect(t, agent.get(loc+"/edit"), http.StatusForbidden, "You do not have permission")
	expect(t, agent.post(loc+"/activities", url.Values{"type": {"call"}}), http.StatusForbidden, "You do not have permission")
	expect(t, agent.get(loc+"/timeline?cursor=x", "HX-Request", "true"), http.StatusForbidden, `role="alert"`)

	// A viewer reads everything and changes nothing.
	viewer := newBrowser(t, s, "en")
	viewer.signIn("viewer@example.com", password)
	p = viewer.get(loc)
	expect(t, p, 200, "chen@example.com", "secret plans")
	for _, hidden := range []string{"/edit", "Log a call", `href="/import"`} {
		if strings.Contains(p.Body, hidden) {
			t.Errorf("a viewer's 360 page shows %q", hidden)
		}
	}
	expect(t, viewer.get("/customers/new"), http.StatusForbidden)
	expect(t, viewer.get("/import"), http.StatusForbidden)
}

func TestBadInputIsNeverAServerError(t *testing.T) {
	s := startServer(t)
	b := newBrowser(t, s, "zh-TW")
	b.signIn("owner@example.com", password)
	for _, tt := range []struct {
		name, method, path string
		body               string
		status             int
		says               string
	}{
		{"unknown id", "GET", "/customers/999999", "", 404, "找不到"},
		{"id not a number", "GET", "/customers/abc", "", 404, "此網址沒有內容"},
		{"bad cursor", "GET", "/customers?cursor=abc", "", 400, "分頁游標無效"},
		{"search too long", "GET", "/customers?q=" + strings.Repeat("x", 201), "", 422, "最多 200 個字元"},
		{"unknown import", "GET", "/imports/424242", "", 404, "找不到"},
		{"problems of no import", "GET", "/imports/424242/problems.csv", "", 404, "找不到"},
		{"edit of nobody", "POST", "/customers/424242", "given_name=x", 404, "找不到"},
		{"import without a file", "POST", "/import", "", 400, "無法讀取請求"},
		{"static file that is not there", "GET", "/static/nope.js", "", 404, "此網址沒有內容"},
		{"page that is not there", "GET", "/nothing-here", "", 404, "此網址沒有內容"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var body io.Reader
			ct := ""
			if tt.method == "POST" {
				body, ct = strings.NewReader(tt.body), "application/x-www-form-urlencoded"
			}
			p := b.do(tt.method, tt.path, body, ct)
			expect(t, p, tt.status, tt.says, `<html lang="zh-Hant">`)
		})
	}
}

func TestImport(t *testing.T) {
	s := startServer(t)
	b := newBrowser(t, s, "zh-TW")
	b.signIn("owner@example.com", password)

	csv := "姓名,電子郵件,電話\r\n林志玲,chiling@example.com,0912-000-111\r\n張學友,not-an-email,\r\n"
	big5, err := traditionalchinese.Big5.NewEncoder().String(csv)
	if err != nil {
		t.Fatal(err)
	}
	upload := func(path string, fields url.Values, file string, headers ...string) *page {
		return b.upload(path, fields, "客戶.csv", file, headers...)
	}
	expect(t, b.get("/import"), 200, "匯入檔案", `name="file"`, `hx-post="/import/preview"`)
	p := upload("/import/preview", url.Values{"type": {"contacts"}}, big5, "HX-Request", "true")
	expect(t, p, 200, "Big5（繁體中文）", "林志玲", `<option value="email" selected>電子郵件</option>`, `name="mapping"`)
	expect(t, upload("/import/preview", url.Values{"type": {"contacts"}}, "", "HX-Request", "true"), 422, "此欄位為必填")

	// A mapping that names a field twice is refused before anything starts.
	p = upload("/import", url.Values{"type": {"contacts"}, "mapping": {"display_name", "email", "email"}}, big5, "HX-Request", "true")
	expect(t, p, 422, "被指定給兩個欄位")

	p = upload("/import", url.Values{"type": {"contacts"}, "mapping": {"display_name", "email", "phone"}}, big5)
	if p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Location, "/imports/") {
		t.Fatalf("start: %d %s\n%s", p.Status, p.Location, p.Body)
	}
	job := p.Location
	p = b.importDone(job)
	expect(t, p, 200, "完成", `value="100"`, "下載 1 筆問題（CSV）", `href="`+job+`/problems.csv"`)
	csvp := b.get(job + "/problems.csv")
	expect(t, csvp, 200, "not-an-email")
	if ct := csvp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
		t.Errorf("problems are %s", ct)
	}
	expect(t, b.get("/customers?q="+url.QueryEscape("志玲")), 200, "林志玲")
}

func TestStaticFiles(t *testing.T) {
	s := startServer(t)
	b := newBrowser(t, s, "en")
	p := b.get("/signin")
	links := regexp.MustCompile(`(?:src|href)="(/static/[^"]+)"`).FindAllStringSubmatch(p.Body, -1)
	if len(links) < 3 {
		t.Fatalf("the page links %d static files", len(links))
	}
	for _, l := range links {
		f := b.get(strings.ReplaceAll(l[1], "&amp;", "&"))
		if f.Status != 200 || !strings.Contains(f.Header.Get("Cache-Control"), "immutable") {
			t.Errorf("%s: %d %q", l[1], f.Status, f.Header.Get("Cache-Control"))
		}
	}
	if csp := p.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") {
		t.Errorf("pages are served with CSP %q", csp)
	}
	expect(t, b.get("/static/vendor/htmx/LICENSE"), 200, "Zero-Clause BSD")
	if p := b.get("/static/vendor/refresh.sh"); p.Status != 404 {
		t.Errorf("the refresh script is served: %d", p.Status)
	}
	// Programs that ask for no HTML get a problem, as from the API.
	p = b.do("GET", "/nothing-here", nil, "", "Accept", "application/json")
	if p.Status != 404 || !strings.HasPrefix(p.Header.Get("Content-Type"), "application/problem+json") {
		t.Errorf("an unknown address answers a program %d %s", p.Status, p.Header.Get("Content-Type"))
	}
}
