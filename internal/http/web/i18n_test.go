package web

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/i18n"
	"github.com/guanxi-crm/guanxi/internal/importer"
	"github.com/guanxi-crm/guanxi/internal/jobs"
	"github.com/guanxi-crm/guanxi/internal/touchpoint"
)

// Every string the pages show goes through i18n: these tests check that
// each key they name has a message, so that no page ever shows a key.

// keyUses finds the literal keys of t and tp in templates, and of h.page
// and i18n.Message in Go.
var keyUses = regexp.MustCompile(`(?:\{\{-?|\()\s*tp? "([a-z_.]+)"|h\.page\(r, "([a-z_.]+)"\)|i18n\.Message\(\w+, "([a-z_.]+)"|return "(error\.[a-z_]+)"`)

func TestEveryKeyThePagesUseHasAMessage(t *testing.T) {
	seen := 0
	check := func(name, src string) {
		for _, m := range keyUses.FindAllStringSubmatch(src, -1) {
			key := strings.Join(m[1:], "")
			seen++
			if !i18n.Has(key) {
				t.Errorf("%s uses %q, which has no message", name, key)
			}
		}
	}
	err := fs.WalkDir(templateFS, "templates", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(templateFS, p)
		check(p, string(b))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	goFiles, _ := filepath.Glob("*.go")
	for _, f := range goFiles {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		check(f, string(b))
	}
	if seen < 100 {
		t.Fatalf("found only %d keys; the pattern no longer matches the templates", seen)
	}
}

func TestEveryValueShownByLabelHasAMessage(t *testing.T) {
	lists := map[string][]string{
		"event_type":   touchpoint.EventTypes,
		"change":       {crm.ActionCreate, crm.ActionUpdate, crm.ActionDelete, crm.ActionRestore, crm.ActionMerge, crm.ActionPurge, crm.ActionJoin},
		"order_kind":   {"sale", "return"},
		"order_status": {"pending", "paid", "fulfilled", "cancelled", "refunded"},
		"job_status":   {string(jobs.StatusQueued), string(jobs.StatusRunning), string(jobs.StatusSucceeded), string(jobs.StatusFailed), string(jobs.StatusCancelled)},
		"email_label":  emailLabels[1:],
		"phone_label":  phoneLabels[1:],
		"gender":       genders[1:],
		"stage":        contactForm{}.Stages(),
		"import_type":  importPage{}.Types(),
		"encoding":     importPage{}.Encodings(),
		"comma":        {",", ";", "\t"},
		"buying_role":  {string(customer.RoleDecisionMaker), string(customer.RoleInfluencer), string(customer.RoleUser), string(customer.RolePurchasing), string(customer.RoleGatekeeper)},
	}
	for _, c := range touchpoint.Channels {
		lists["channel"] = append(lists["channel"], string(c))
	}
	for _, typ := range (importPage{}).Types() {
		lists["import_field"] = append(lists["import_field"], importer.Fields(importer.RecordType(typ))...)
	}
	for typ, a := range activityTypes {
		lists["event_type"] = append(lists["event_type"], typ)
		if !i18n.Has(a.done) {
			t.Errorf("%s has no message", a.done)
		}
	}
	for prefix, values := range lists {
		for _, v := range values {
			if key := prefix + "." + v; !i18n.Has(key) {
				t.Errorf("%s has no message", key)
			}
		}
	}
}

func TestFormatMoney(t *testing.T) {
	for _, tt := range []struct {
		lang     string
		minor    int64
		currency string
		want     string
	}{
		{i18n.English, 123456750, "TWD", "NT$1,234,567.50"},
		{i18n.Traditional, 123456750, "TWD", "$1,234,567.50"},
		{i18n.Simplified, 1999, "CNY", "￥19.99"},
		{i18n.English, 1999, "CNY", "CN¥19.99"},
		{i18n.English, -250, "USD", "-$2.50"},
		{i18n.Traditional, 1200, "USD", "US$12.00"},
		{i18n.English, 1234567, "JPY", "¥1,234,567"},
		{i18n.English, 5, "EUR", "€0.05"},
		{i18n.English, 100, "XYZ", "XYZ 1.00"},
		{i18n.English, 100, "", "1.00"},
	} {
		if got := formatMoney(tt.lang, tt.minor, tt.currency); got != tt.want {
			t.Errorf("formatMoney(%s, %d, %s) = %q, want %q", tt.lang, tt.minor, tt.currency, got, tt.want)
		}
	}
}

func TestTimeTag(t *testing.T) {
	at := time.Date(2026, 3, 1, 8, 5, 0, 0, time.UTC)
	if got := string(timeTag(i18n.Traditional, at, true)); got != `<time datetime="2026-03-01T08:05:00Z" data-format="datetime">2026年3月1日 08:05 UTC</time>` {
		t.Errorf("zh-Hant datetime: %s", got)
	}
	if got := string(timeTag(i18n.English, &at, false)); !strings.Contains(got, ">1 Mar 2026<") {
		t.Errorf("English date: %s", got)
	}
	var none *time.Time
	if got := string(timeTag(i18n.English, none, false)); got != "–" {
		t.Errorf("no time renders %q", got)
	}
}

func TestLocalPath(t *testing.T) {
	for in, want := range map[string]string{
		"/customers?q=王": "/customers?q=王", "//evil.example": "", "/\\evil.example": "", "https://evil.example/": "",
		"customers": "", "/x\r\nSet-Cookie: a=b": "", "": "",
	} {
		if got := localPath(in); got != want {
			t.Errorf("localPath(%q) = %q, want %q", in, got, want)
		}
	}
}

// An error's time parameter (RFC 3339, as the API gives it) reads as a date
// in the user's language on every page that shows the error.
func TestErrorParamsReadable(t *testing.T) {
	params := map[string]any{"days": 7, "until": "2026-03-09T09:00:00Z"}
	for lang, want := range map[string]string{
		i18n.English:     "You gave this record back less than 7 days ago; you may claim it again from 9 Mar 2026.",
		i18n.Traditional: "您在 7 天內才退回此紀錄，須等到 2026年3月9日 才能再次認領。",
	} {
		if got := i18n.Message(lang, "claim_protected", readableParams(lang, params)); got != want {
			t.Errorf("%s: %q; want %q", lang, got, want)
		}
	}
	if params["until"] != "2026-03-09T09:00:00Z" {
		t.Error("readableParams changed the error's own parameters")
	}
}
