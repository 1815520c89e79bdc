package i18n

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

func TestEveryMessageHasTheSamePlaceholdersInEveryLanguage(t *testing.T) {
	for code, e := range catalogue {
		want := placeholders(e.en)
		for lang, text := range map[string]string{Traditional: e.hant, Simplified: e.hans} {
			if text == "" {
				t.Errorf("%s has no %s message", code, lang)
			}
			if got := placeholders(text); !slices.Equal(got, want) {
				t.Errorf("%s in %s has placeholders %v, English has %v", code, lang, got, want)
			}
		}
	}
}

func placeholders(s string) []string {
	var out []string
	for _, m := range placeholder.FindAllStringSubmatch(s, -1) {
		out = append(out, m[1])
	}
	slices.Sort(out)
	return out
}

func TestMessage(t *testing.T) {
	params := map[string]any{"field": "email", "value": "a@b.tw", "existing_id": 7}
	tests := []struct{ lang, want string }{
		{English, "A contact with this email (a@b.tw) already exists: #7."},
		{Traditional, "已有相同email（a@b.tw）的聯絡人：#7。"},
		{Simplified, "已有相同email（a@b.tw）的联系人：#7。"},
	}
	for _, tt := range tests {
		if got := Message(tt.lang, "duplicate_contact", params); got != tt.want {
			t.Errorf("Message(%s) = %q, want %q", tt.lang, got, tt.want)
		}
	}
	if got := Message(English, "no_such_code", nil); got != "no_such_code" {
		t.Errorf("unknown code renders %q", got)
	}
}

func TestNegotiate(t *testing.T) {
	tests := []struct{ user, header, want string }{
		{"", "", English},
		{"", "zh-TW,zh;q=0.9,en;q=0.8", Traditional},
		{"", "zh-CN,zh;q=0.9", Simplified},
		{"", "zh-HK", Traditional},
		{"", "zh-Hant-TW", Traditional},
		{"", "zh", Simplified},
		{"", "fr-FR, en;q=0.5", English},
		{"", "en;q=0.4, zh-TW;q=0.8", Traditional},
		{"", "zh-TW;q=0", English},
		{"zh-Hans", "zh-TW", Simplified},
		{"xx", "zh-TW", Traditional},
	}
	for _, tt := range tests {
		if got := Negotiate(tt.user, tt.header); got != tt.want {
			t.Errorf("Negotiate(%q, %q) = %q, want %q", tt.user, tt.header, got, tt.want)
		}
	}
}

// codeUses finds the error codes the Go code raises: field violations
// (v.Add(field, "code")), errors (crm.E(op, kind, "code")) and code constants.
var codeUses = regexp.MustCompile(`(?:\.Add\([^,()]+(?:\([^()]*\))?, "([a-z_]+)"|crm\.E\([^,]+, crm\.Kind\w+, "([a-z_]+)"|Code\w* += "([a-z_]+)"|E\("[\w.]+", crm\.Kind\w+, "([a-z_]+)")`)

func TestEveryRaisedCodeIsTranslated(t *testing.T) {
	root := filepath.Join("..")
	seen := 0
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range codeUses.FindAllStringSubmatch(string(src), -1) {
			code := strings.Join(m[1:], "")
			seen++
			if !Has(code) {
				t.Errorf("%s raises code %q, which has no message", path, code)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if seen < 50 {
		t.Fatalf("found only %d code uses; the pattern no longer matches the code", seen)
	}
}
