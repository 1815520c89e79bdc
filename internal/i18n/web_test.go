package i18n

import (
	"slices"
	"strings"
	"testing"
)

func TestEveryWebStringHasTheSamePlaceholdersInEveryLanguage(t *testing.T) {
	for key, e := range webCatalogue {
		want := placeholders(e.en)
		for lang, text := range map[string]string{Traditional: e.hant, Simplified: e.hans} {
			if text == "" {
				t.Errorf("%s has no %s text", key, lang)
			}
			if got := placeholders(text); !slices.Equal(got, want) {
				t.Errorf("%s in %s has placeholders %v, English has %v", key, lang, got, want)
			}
		}
	}
}

func TestWebKeysAreDottedAndApartFromErrorCodes(t *testing.T) {
	for key := range webCatalogue {
		if !strings.Contains(key, ".") {
			t.Errorf("web key %q has no dot: it could clash with an error code", key)
		}
		if _, ok := catalogue[key]; ok {
			t.Errorf("%q is both an error code and a web string", key)
		}
	}
	if got := Message(Traditional, "nav.customers", nil); got != "客戶" {
		t.Errorf("a web string renders %q", got)
	}
	if !Has("customers.count") || Message(Simplified, "customers.count", map[string]any{"n": 3}) != "共 3 位客户" {
		t.Error("web strings are not found with their placeholders")
	}
}
