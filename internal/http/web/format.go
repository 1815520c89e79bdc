package web

import (
	"fmt"
	"html/template"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/currency"
	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/i18n"
)

// funcs are the template functions of one language.
//
//	t "key"                 the message of a key
//	tp "key" "name" value…  the message with its placeholders filled
//	count "key" n           the message of key with {n}, or of key_one when n is 1 ("1 customer")
//	label "prefix" value    the message of prefix.value, else the value itself (custom event types …)
//	money minor currency    an amount in the locale's way (NT$1,234.50; US$12.00)
//	num n                   a count with the locale's grouping
//	date t, datetime t      a <time> in the locale's way (app.js shows it in the browser's time zone)
//	asset "app.css"         the URL of a static file, with its content hash
func funcs(lang string, assets map[string]string) template.FuncMap {
	return template.FuncMap{
		"t": func(key string) string { return i18n.Message(lang, key, nil) },
		"tp": func(key string, kv ...any) string {
			params := map[string]any{}
			for i := 0; i+1 < len(kv); i += 2 {
				params[fmt.Sprint(kv[i])] = kv[i+1]
			}
			return i18n.Message(lang, key, params)
		},
		"count":    func(key string, n int64) string { return countText(lang, key, n) },
		"label":    func(prefix string, value any) string { return label(lang, prefix, fmt.Sprint(value)) },
		"money":    func(minor int64, cur string) string { return formatMoney(lang, minor, cur) },
		"num":      func(n any) string { return groupDigits(fmt.Sprint(n)) },
		"date":     func(t any) template.HTML { return timeTag(lang, t, false) },
		"datetime": func(t any) template.HTML { return timeTag(lang, t, true) },
		"asset":    func(name string) string { return assets[name] },
		"langName": langName,
		"languages": func() []string {
			return i18n.Languages
		},
		"familyFirst": func() bool { return lang != i18n.English },
		"fieldList":   func(fields []string) string { return fieldList(lang, fields) },
		"add":         func(a, b int) int { return a + b },
	}
}

// langName is a language's name in that language, as a language switch
// shows it.
func langName(code string) string {
	switch code {
	case i18n.English:
		return "English"
	case i18n.Traditional:
		return "繁體中文"
	case i18n.Simplified:
		return "简体中文"
	}
	return code
}

// formatMoney writes an amount in minor units for a language: the
// currency's symbol there (CLDR, through x/text: NT$ in English, $ in
// Taiwan's Chinese, ¥ for CNY in Simplified Chinese) and the exact digits,
// grouped by thousands. Amounts are never turned into floats.
func formatMoney(lang string, minor int64, cur string) string {
	digits := crm.FormatAmount(minor, cur)
	sign := ""
	if strings.HasPrefix(digits, "-") {
		sign, digits = "-", digits[1:]
	}
	whole, frac, hasFrac := strings.Cut(digits, ".")
	out := groupDigits(whole)
	if hasFrac {
		out += "." + frac
	}
	return sign + currencySymbol(lang, cur) + out
}

// currencySymbol is the symbol of a currency in a language, or its code and
// a space when x/text does not know one.
func currencySymbol(lang, cur string) string {
	if cur == "" {
		return ""
	}
	unit, err := currency.ParseISO(cur)
	if err != nil {
		return cur + " "
	}
	tag, err := language.Parse(lang)
	if err != nil {
		tag = language.English
	}
	sym := message.NewPrinter(tag).Sprint(currency.Symbol(unit))
	if sym == "" || sym == cur {
		return cur + " "
	}
	return sym
}

// groupDigits puts the thousands separator in a string of digits
// (1234567 → 1,234,567); anything else passes as it is.
func groupDigits(s string) string {
	sign := ""
	if strings.HasPrefix(s, "-") {
		sign, s = "-", s[1:]
	}
	if _, err := strconv.ParseUint(s, 10, 64); err != nil || len(s) <= 3 {
		return sign + s
	}
	var b strings.Builder
	pre := len(s) % 3
	if pre > 0 {
		b.WriteString(s[:pre])
	}
	for i := pre; i < len(s); i += 3 {
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(s[i : i+3])
	}
	return sign + b.String()
}

// Date layouts per language. Times are written in UTC on the server and
// shown in the browser's zone by app.js, which reads the datetime attribute.
var dateLayouts = map[string][2]string{
	i18n.English:     {"2 Jan 2006", "2 Jan 2006, 15:04 UTC"},
	i18n.Traditional: {"2006年1月2日", "2006年1月2日 15:04 UTC"},
	i18n.Simplified:  {"2006年1月2日", "2006年1月2日 15:04 UTC"},
}

// timeTag renders a time (time.Time or *time.Time; nil renders a dash) as
// a <time> element in the language's layout.
func timeTag(lang string, v any, withTime bool) template.HTML {
	var t time.Time
	switch x := v.(type) {
	case time.Time:
		t = x
	case *time.Time:
		if x == nil {
			return "–"
		}
		t = *x
	default:
		return "–"
	}
	if t.IsZero() {
		return "–"
	}
	layouts, ok := dateLayouts[lang]
	if !ok {
		layouts = dateLayouts[i18n.English]
	}
	layout, kind := layouts[0], "date"
	if withTime {
		layout, kind = layouts[1], "datetime"
	}
	t = t.UTC()
	return template.HTML(`<time datetime="` + t.Format(time.RFC3339) + `" data-format="` + kind + `">` +
		template.HTMLEscapeString(t.Format(layout)) + `</time>`)
}

// fieldList names the fields a change touched, in the user's language.
func fieldList(lang string, fields []string) string {
	names := make([]string, len(fields))
	for i, f := range fields {
		names[i] = fieldLabel(lang, f)
	}
	sep := ", "
	if lang != i18n.English {
		sep = "、"
	}
	return strings.Join(names, sep)
}
