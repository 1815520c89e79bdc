// Package e2e_test drives Guanxi's web UI in a real browser: Debian's
// Chromium, headless, through the DevTools protocol (chromedp), against the
// real app on a loopback port. Without Chromium the tests skip, unless
// GUANXI_REQUIRE_BROWSER=1 (as in CI) makes that a failure.
//
// Screenshots of the main screens are written to the directory named by
// GUANXI_ARTIFACTS (default: the test's temporary directory).
package e2e_test

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/guanxi-crm/guanxi/internal/account"
	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/i18n"
	"github.com/guanxi-crm/guanxi/internal/testenv"
)

// chromiumPath is where Debian installs Chromium; GUANXI_CHROMIUM names
// another binary.
const chromiumPath = "/usr/bin/chromium"

const (
	userEmail    = "mei@example.com"
	userPassword = "a long enough password"
	stepTimeout  = 30 * time.Second
)

// startBrowser starts one headless Chromium for a test and its subtests;
// each subtest opens its own browser context (its own cookies) in it.
func startBrowser(t *testing.T) context.Context {
	t.Helper()
	path := os.Getenv("GUANXI_CHROMIUM")
	if path == "" {
		path = chromiumPath
	}
	if _, err := os.Stat(path); err != nil {
		testenv.SkipOrFail(t, testenv.RequireBrowser, "Chromium is not installed at %s (apt-get install chromium)", path)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox, // CI runs as root, where Chromium's sandbox cannot start
		chromedp.WindowSize(1280, 900),
		chromedp.Flag("disable-gpu", true),
	)
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	ctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil { // starts the browser, with no deadline
		t.Fatalf("starting Chromium: %v", err)
	}
	return ctx
}

// ui is a browser tab signed in (or about to be) to one server, in one
// language.
type ui struct {
	t      *testing.T
	ctx    context.Context
	s      *testenv.Server
	lang   string // the language the pages should be in
	shots  string // where screenshots go
	prefix string

	mu      sync.Mutex
	console []string // errors the page logged
}

// artifacts is the directory for screenshots.
func artifacts(t *testing.T) string {
	dir := os.Getenv("GUANXI_ARTIFACTS")
	if dir == "" {
		return t.TempDir()
	}
	dir = filepath.Join(dir, "e2e")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// newTab opens a tab in a new browser context whose requests send
// acceptLanguage, with the viewport given (0 keeps the window's).
func newTab(t *testing.T, browserCtx context.Context, s *testenv.Server, lang, acceptLanguage, prefix string, width, height int64) *ui {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browserCtx, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	u := &ui{t: t, ctx: ctx, s: s, lang: lang, shots: artifacts(t), prefix: prefix}
	messages := chromedp.Console(ctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.IsException() || m.Type == "error" {
				u.mu.Lock()
				u.console = append(u.console, m.Text)
				u.mu.Unlock()
			}
		}
	}()
	version, err := chromedp.CallBrowser(ctx, browser.GetVersion, cdp.Empty{})
	if err != nil {
		t.Fatalf("browser version: %v", err)
	}
	steps := []chromedp.Action[chromedp.Void]{
		chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := chromedp.Call(ctx, emulation.SetUserAgentOverride,
				emulation.SetUserAgentOverrideParams{UserAgent: version.UserAgent, AcceptLanguage: acceptLanguage})
			return err
		}),
	}
	if width > 0 {
		steps = append(steps, chromedp.EmulateViewport(width, height, chromedp.EmulateMobile, chromedp.EmulateScale(2)))
	}
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("opening a tab: %v", err)
	}
	t.Cleanup(u.checkConsole)
	return u
}

// journey is one run of a browser journey: its language, the
// Accept-Language its browser sends, and the store under it.
type journey struct{ lang, acceptLanguage, engine string }

// journeys are the runs of every journey: in English on the first store and
// in Traditional Chinese on the last (PostgreSQL where it answers).
func journeys(engines []string) []journey {
	return []journey{
		{i18n.English, "en-GB,en;q=0.9", engines[0]},
		{i18n.Traditional, "zh-TW,zh;q=0.9,en;q=0.5", engines[len(engines)-1]},
	}
}

// do runs steps, failing the test with what was being done and a
// screenshot of the page as it was.
func (u *ui) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	u.t.Helper()
	ctx, cancel := context.WithTimeout(u.ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		u.screenshot("failed-" + slug(what))
		u.t.Fatalf("%s: %v", what, err)
	}
}

func run[T any](u *ui, what string, a chromedp.Action[T]) T {
	u.t.Helper()
	ctx, cancel := context.WithTimeout(u.ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		u.screenshot("failed-" + slug(what))
		u.t.Fatalf("%s: %v", what, err)
	}
	return v
}

// waitFor waits until a JavaScript expression is true on the page.
func (u *ui) waitFor(what, expression string) {
	u.t.Helper()
	run(u, what, chromedp.Poll[chromedp.Void](expression, chromedp.WithPollingTimeout(stepTimeout-time.Second)))
}

// ready waits until the page's scripts (htmx, app.js) have run: before
// that, typing in the search box or choosing a file does what it does
// without JavaScript, and a test that expects htmx would wait in vain.
func (u *ui) ready() {
	u.t.Helper()
	u.waitFor("the page's scripts", `document.readyState === 'complete' && !!window.htmx && document.documentElement.classList.contains('js')`)
}

// text is the visible text of the element with an id, once it exists. It
// is read in one script, not through chromedp's node ids: those go stale
// when the document is replaced (a redirect after a form, a reload), and
// reading one that the page dropped between the query and the read failed
// with "No node with given id found".
func (u *ui) text(id string) string {
	u.t.Helper()
	got := run(u, "reading #"+id, chromedp.Poll[struct {
		Text string `json:"text"`
	}](`(() => { const e = document.getElementById(`+jsString(id)+`); return e ? {text: e.innerText} : null; })()`,
		chromedp.WithPollingTimeout(stepTimeout-time.Second)))
	return strings.TrimSpace(got.Text)
}

func (u *ui) msg(key string) string { return i18n.Message(u.lang, key, nil) }

var slugChars = regexp.MustCompile(`[^a-z0-9]+`)

func slug(s string) string {
	return strings.Trim(slugChars.ReplaceAllString(strings.ToLower(s), "-"), "-")
}

// screenshot saves the whole page as PNG.
func (u *ui) screenshot(name string) {
	ctx, cancel := context.WithTimeout(u.ctx, stepTimeout)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		u.t.Logf("screenshot %s: %v", name, err)
		return
	}
	path := filepath.Join(u.shots, u.prefix+"-"+name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		u.t.Errorf("screenshot %s: %v", name, err)
	}
}

// checkPage checks what every screen must do: be in the user's language,
// label every control, keep text readable (WCAG AA contrast), and (on a
// phone) not scroll sideways.
func (u *ui) checkPage(screen string) {
	u.t.Helper()
	lang := run(u, "reading the page language", chromedp.Evaluate[string](`document.documentElement.lang`))
	if lang != u.lang {
		u.t.Errorf("%s is in %q, want %q", screen, lang, u.lang)
	}
	unlabelled := run(u, "looking for unlabelled controls", chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll('input,select,textarea'))
		.filter(e => e.type !== 'hidden' && !(e.labels && e.labels.length) && !e.getAttribute('aria-label') && !e.getAttribute('aria-labelledby'))
		.map(e => e.name || e.id || e.outerHTML)`))
	if len(unlabelled) > 0 {
		u.t.Errorf("%s has controls without a label: %v", screen, unlabelled)
	}
	lowContrast := run(u, "measuring the contrast of text", chromedp.Evaluate[[]string](contrastScript))
	if len(lowContrast) > 0 {
		u.t.Errorf("%s has text below WCAG AA contrast (4.5:1, large text 3:1): %v", screen, lowContrast)
	}
	overflow := run(u, "measuring the page width", chromedp.Evaluate[[]int](`[document.documentElement.scrollWidth, window.innerWidth]`))
	if overflow[0] > overflow[1] {
		u.t.Errorf("%s is %d px wide in a %d px window: it scrolls sideways", screen, overflow[0], overflow[1])
	}
	u.screenshot(screen)
}

// contrastScript lists the visible texts whose colour is below WCAG 2.2 AA
// contrast against the background they are drawn on (success criterion
// 1.4.3: 4.5:1, or 3:1 for large text: 24 px, or 18.66 px bold). The
// background is the nearest opaque one among the element and its
// ancestors, with the translucent ones between blended over it; text on a
// background image or in a disabled control (exempt in WCAG) is skipped.
const contrastScript = `(() => {
  const rgba = s => { const m = s.match(/[\d.]+/g) || [0, 0, 0, 0]; return m.map(Number).concat([1]).slice(0, 4); };
  const lum = c => { const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]); };
  const over = (top, below) => [0, 1, 2].map(i => top[i] * top[3] + below[i] * (1 - top[3])).concat([1]);
  const background = el => {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const st = getComputedStyle(e);
      if (st.backgroundImage !== 'none' && st.backgroundImage !== '') return null;
      const c = rgba(st.backgroundColor);
      if (c[3] > 0) { layers.push(c); if (c[3] >= 1) break; }
    }
    let bg = [255, 255, 255, 1];
    for (let i = layers.length - 1; i >= 0; i--) bg = over(layers[i], bg);
    return bg;
  };
  const out = [];
  const seen = new Set();
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement;
    if (!el || seen.has(el) || !n.textContent.trim() || el.closest('svg,script,style,template,[hidden]')) continue;
    seen.add(el);
    if (el.closest(':disabled') || !el.getClientRects().length) continue;
    const st = getComputedStyle(el);
    if (st.visibility !== 'visible' || Number(st.opacity) === 0) continue;
    const r = el.getBoundingClientRect();
    if (r.width < 2 || r.height < 2) continue; // visually hidden (the skip link, sr-only)
    const bg = background(el);
    if (!bg) continue;
    const fg = over(rgba(st.color), bg);
    const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
    const ratio = (a + 0.05) / (b + 0.05);
    const size = parseFloat(st.fontSize), bold = Number(st.fontWeight) >= 700;
    const need = (size >= 24 || (bold && size >= 18.66)) ? 3 : 4.5;
    if (ratio < need) out.push(n.textContent.trim().slice(0, 30) + ' (' + ratio.toFixed(2) + ':1, ' + st.color + ' on rgb(' + bg.slice(0, 3).map(Math.round).join(',') + '))');
  }
  return out.slice(0, 10);
})()`

// checkConsole fails the test when a page logged an error (a script error,
// a resource the content security policy refused, a failed request other
// than the errors the test provoked).
func (u *ui) checkConsole() {
	u.mu.Lock()
	defer u.mu.Unlock()
	for _, m := range u.console {
		if strings.Contains(m, "status of 4") { // the 422 and 401 answers a journey provokes
			continue
		}
		u.t.Errorf("the page logged: %s", m)
	}
}

// seed adds the user the journeys sign in as (a manager), and a few
// customers to find among: two of theirs, and one of nobody's that they see
// as a basic card. It returns the user's id.
func seed(t *testing.T, s *testenv.Server) int64 {
	t.Helper()
	sys := crm.WithPrincipal(context.Background(), crm.System)
	u, err := s.Accounts.CreateUser(sys, account.UserFields{Email: userEmail, Name: "李美玲", Role: crm.RoleManager}, userPassword)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		family, given, email string
		mine                 bool
	}{
		{"陳", "大文", "dawen@example.com", false}, {"Lee", "Ann", "ann@example.com", true}, {"王", "小華", "xiaohua@example.com", true},
	} {
		f := customerFields(c.family, c.given, c.email)
		if c.mine {
			f.OwnerID = &u.ID
		}
		if _, err := s.Customers.CreateContact(sys, f, customerWrite); err != nil {
			t.Fatal(err)
		}
	}
	return u.ID
}

func (u *ui) signIn() {
	u.t.Helper()
	u.signInAs(userEmail, userPassword)
}

// signInAs signs in as another user: the dashboard shows, and then the
// customers are opened, where the journeys start.
func (u *ui) signInAs(email, password string) {
	u.t.Helper()
	u.do("opening Guanxi", chromedp.Navigate(u.s.URL+"/"), chromedp.WaitVisible(chromedp.ID("email")))
	u.checkPage("signin")
	u.do("signing in",
		chromedp.SendKeys(chromedp.ID("email"), email),
		chromedp.SendKeys(chromedp.ID("password"), password),
		chromedp.Click(chromedp.ID("signin-submit")),
		chromedp.WaitVisible(chromedp.ID("dashboard")),
	)
	if got := u.text("main"); !strings.Contains(got, u.msg("dashboard.title")) {
		u.t.Fatalf("after signing in the page says %q", got)
	}
	u.do("opening the customers", chromedp.Navigate(u.s.URL+"/customers"), chromedp.WaitVisible(chromedp.ID("q")))
	if got := u.text("main"); !strings.Contains(got, u.msg("customers.title")) {
		u.t.Fatalf("the customers page says %q", got)
	}
}

func (u *ui) location() string {
	u.t.Helper()
	return run(u, "reading the address", chromedp.Location())
}
