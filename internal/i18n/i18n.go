// Package i18n holds Guanxi's message catalogues — English, Traditional
// Chinese (zh-Hant) and Simplified Chinese (zh-Hans) — and picks the language
// of a request. Every code an error carries is translated here.
package i18n

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// Languages Guanxi speaks, the default first.
const (
	English     = "en"
	Traditional = "zh-Hant"
	Simplified  = "zh-Hans"
)

// Languages lists the supported languages.
var Languages = []string{English, Traditional, Simplified}

// entry is one message in every language. Placeholders are {name}.
type entry struct{ en, hant, hans string }

var placeholder = regexp.MustCompile(`\{(\w+)\}`)

// Message renders the message of a code in a language, filling placeholders
// from params. An unknown code renders as itself, so nothing is ever blank.
func Message(lang, code string, params map[string]any) string {
	e, ok := lookup(code)
	if !ok {
		return code
	}
	text := e.en
	switch lang {
	case Traditional:
		text = e.hant
	case Simplified:
		text = e.hans
	}
	return placeholder.ReplaceAllStringFunc(text, func(m string) string {
		v, ok := params[m[1:len(m)-1]]
		if !ok {
			return m
		}
		return fmt.Sprint(v)
	})
}

// Has reports whether a code has a message.
func Has(code string) bool {
	_, ok := lookup(code)
	return ok
}

// lookup finds a message: an error code of the catalogue, or a string of
// the web UI (web.go).
func lookup(code string) (entry, bool) {
	if e, ok := catalogue[code]; ok {
		return e, true
	}
	e, ok := webCatalogue[code]
	return e, ok
}

// Codes lists every code of the catalogue.
func Codes() []string {
	out := make([]string, 0, len(catalogue))
	for c := range catalogue {
		out = append(out, c)
	}
	sort.Strings(out)
	return out
}

// Negotiate picks the language of a request: the user's own setting when
// they chose one, else the best match of the Accept-Language header, else
// English. zh-TW, zh-HK, zh-MO and zh-Hant read Traditional; other Chinese
// reads Simplified.
func Negotiate(userLanguage, acceptLanguage string) string {
	if userLanguage != "" {
		if l := match(userLanguage); l != "" {
			return l
		}
	}
	type choice struct {
		lang string
		q    float64
		pos  int
	}
	var choices []choice
	for i, part := range strings.Split(acceptLanguage, ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				q = f
			}
		}
		if l := match(tag); l != "" && q > 0 {
			choices = append(choices, choice{l, q, i})
		}
	}
	sort.SliceStable(choices, func(i, j int) bool { return choices[i].q > choices[j].q })
	if len(choices) > 0 {
		return choices[0].lang
	}
	return English
}

// match maps a BCP 47 tag to a supported language, or "".
func match(tag string) string {
	t := strings.ToLower(strings.TrimSpace(tag))
	switch {
	case t == "en" || strings.HasPrefix(t, "en-"):
		return English
	case strings.HasPrefix(t, "zh-hant"), t == "zh-tw", t == "zh-hk", t == "zh-mo":
		return Traditional
	case t == "zh" || strings.HasPrefix(t, "zh-"):
		return Simplified
	}
	return ""
}
