package importer

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/language"
	"golang.org/x/text/language/display"

	"github.com/guanxi-crm/guanxi/internal/crm"
)

// The cells of a file as people write them, read into values.

// parseTime reads a date and time: RFC 3339, ISO without a zone, or dates
// with slashes in the import's date order; times without a zone are in loc.
func parseTime(s, order string, loc *time.Location) (time.Time, error) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return crm.Truncate(t), nil
	}
	for _, layout := range []string{"2006-01-02 15:04:05", "2006-01-02T15:04:05", "2006-01-02 15:04", "2006-01-02", "20060102"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return crm.Truncate(t), nil
		}
	}
	date, clock, _ := strings.Cut(s, " ")
	parts := strings.Split(strings.ReplaceAll(date, ".", "/"), "/")
	if len(parts) != 3 {
		return time.Time{}, fmt.Errorf("%q is not a date", s)
	}
	var y, m, d string
	switch {
	case len(parts[0]) == 4: // a year first is never ambiguous
		y, m, d = parts[0], parts[1], parts[2]
	case order == "mdy":
		m, d, y = parts[0], parts[1], parts[2]
	case order == "dmy":
		d, m, y = parts[0], parts[1], parts[2]
	default:
		return time.Time{}, fmt.Errorf("%q: give the date order (mdy or dmy) of dates like this", s)
	}
	iso := fmt.Sprintf("%s-%02s-%02s", y, m, d)
	layout := "2006-01-02"
	if clock = strings.TrimSpace(clock); clock != "" {
		if strings.Count(clock, ":") == 1 {
			clock += ":00"
		}
		if len(clock) == 7 { // 8:26:00
			clock = "0" + clock
		}
		iso += " " + clock
		layout += " 15:04:05"
	}
	t, err := time.ParseInLocation(layout, iso, loc)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not a date", s)
	}
	return crm.Truncate(t), nil
}

// parseBirthday reads a birthday into YYYY-MM-DD, or keeps --MM-DD.
func parseBirthday(s, order string) (string, error) {
	if strings.HasPrefix(s, "--") {
		return s, nil
	}
	t, err := parseTime(s, order, time.UTC)
	if err != nil {
		return "", err
	}
	return t.Format("2006-01-02"), nil
}

// parseGender reads the ways a gender is written.
func parseGender(s string) (string, bool) {
	switch strings.ToLower(s) {
	case "":
		return "", true
	case "f", "female", "woman", "女", "女性", "小姐", "女士":
		return "female", true
	case "m", "male", "man", "男", "男性", "先生":
		return "male", true
	case "o", "other", "x", "其他":
		return "other", true
	}
	return "", false
}

// parseQuantity reads a whole number, as Excel may write it ("3", "3.0",
// "1,200").
func parseQuantity(s string) (int64, error) {
	s = strings.ReplaceAll(strings.TrimSpace(s), ",", "")
	s = strings.TrimSuffix(strings.TrimSuffix(s, ".00"), ".0")
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("quantity %q is not a whole number", s)
	}
	return n, nil
}

// parseAmount reads money into minor units of currency, exactly.
func parseAmount(field, s, currency string) (int64, error) {
	v, ok := crm.ParseAmount(s, currency)
	if !ok {
		return 0, fmt.Errorf("%s %q is not an amount in %s (at most %d decimals)", field, s, currency, crm.CurrencyExponent(currency))
	}
	return v, nil
}

// splitList splits a cell of several values: tags "VIP, 常客；批發".
func splitList(s string) []string {
	var out []string
	for _, part := range strings.FieldsFunc(s, func(r rune) bool { return strings.ContainsRune(",;，；、|", r) }) {
		if p := strings.TrimSpace(part); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// countryAliases are the names files use that are not the CLDR names.
var countryAliases = map[string]string{
	"eire": "IE", "usa": "US", "u.s.a.": "US", "united states of america": "US", "uk": "GB", "great britain": "GB",
	"england": "GB", "scotland": "GB", "wales": "GB", "rsa": "ZA", "czech republic": "CZ", "hong kong": "HK",
	"macau": "MO", "macao": "MO", "south korea": "KR", "korea": "KR", "russia": "RU", "vietnam": "VN",
	"台灣": "TW", "臺灣": "TW", "中華民國": "TW", "中国大陆": "CN", "大陸": "CN", "大陆": "CN", "香港": "HK", "澳門": "MO", "澳门": "MO",
}

// countryNames maps country names in English, Traditional and Simplified
// Chinese (from CLDR, through x/text) to ISO 3166 codes.
var countryNames = func() map[string]string {
	m := map[string]string{}
	namers := []display.Namer{display.English.Regions(), display.TraditionalChinese.Regions(), display.SimplifiedChinese.Regions()}
	for _, code := range crm.CountryCodes() {
		r, err := language.ParseRegion(code)
		if err != nil {
			continue
		}
		for _, n := range namers {
			if name := n.Name(r); name != "" {
				m[strings.ToLower(name)] = code
			}
		}
	}
	for k, v := range countryAliases {
		m[k] = v
	}
	return m
}()

// parseCountry reads a country as a code or a name; ok is false when it is
// neither.
func parseCountry(s string) (string, bool) {
	if s == "" {
		return "", true
	}
	if up := strings.ToUpper(s); len(up) == 2 && crm.ValidCountry(up) {
		return up, true
	}
	code, ok := countryNames[strings.ToLower(s)]
	return code, ok
}
