package crm

import (
	"strings"
	"unicode"
)

// dialPlan is what we need to know of a country's numbering to turn the way
// people write numbers there into E.164 and back.
type dialPlan struct {
	code       string   // country calling code
	trunk      string   // national trunk prefix, "" where there is none
	intlPrefix []string // international call prefixes, longest first
}

// regions maps ISO 3166 alpha-2 codes to dial plans, for numbers written
// without a country code. It covers Guanxi's home markets and the larger
// trading partners; a number from elsewhere is accepted when written with "+".
var regions = map[string]dialPlan{
	"TW": {"886", "0", []string{"002", "005", "006", "007", "009"}},
	"CN": {"86", "0", []string{"00"}},
	"HK": {"852", "", []string{"001", "00"}},
	"MO": {"853", "", []string{"00"}},
	"SG": {"65", "", []string{"001", "008", "000"}},
	"MY": {"60", "0", []string{"00"}},
	"JP": {"81", "0", []string{"010"}},
	"KR": {"82", "0", []string{"001", "002", "00"}},
	"TH": {"66", "0", []string{"001"}},
	"VN": {"84", "0", []string{"00"}},
	"PH": {"63", "0", []string{"00"}},
	"ID": {"62", "0", []string{"001", "00"}},
	"IN": {"91", "0", []string{"00"}},
	"AU": {"61", "0", []string{"0011"}},
	"NZ": {"64", "0", []string{"00"}},
	"US": {"1", "1", []string{"011"}},
	"CA": {"1", "1", []string{"011"}},
	"MX": {"52", "", []string{"00"}},
	"BR": {"55", "0", []string{"00"}},
	"GB": {"44", "0", []string{"00"}},
	"IE": {"353", "0", []string{"00"}},
	"DE": {"49", "0", []string{"00"}},
	"FR": {"33", "0", []string{"00"}},
	"NL": {"31", "0", []string{"00"}},
	"BE": {"32", "0", []string{"00"}},
	"CH": {"41", "0", []string{"00"}},
	"AT": {"43", "0", []string{"00"}},
	"IT": {"39", "", []string{"00"}},
	"ES": {"34", "", []string{"00"}},
	"PT": {"351", "", []string{"00"}},
	"SE": {"46", "0", []string{"00"}},
	"NO": {"47", "", []string{"00"}},
	"DK": {"45", "", []string{"00"}},
	"FI": {"358", "0", []string{"00", "990", "994", "999"}},
	"PL": {"48", "", []string{"00"}},
	"RU": {"7", "8", []string{"810"}},
	"TR": {"90", "0", []string{"00"}},
	"AE": {"971", "0", []string{"00"}},
	"ZA": {"27", "0", []string{"00"}},
}

// Region reports whether code is a region NormalizePhone knows.
func Region(code string) bool {
	_, ok := regions[strings.ToUpper(code)]
	return ok
}

// twoDigitCodes are the ITU country calling codes of two digits; 1 and 7 are
// the only one-digit codes and every other code has three digits.
const twoDigitCodes = " 20 27 30 31 32 33 34 36 39 40 41 43 44 45 46 47 48 49 51 52 53 54 55 56 57 58 60 61 62 63 64 65 66 81 82 84 86 90 91 92 93 94 95 98 "

// splitCountryCode splits E.164 digits (without "+") into calling code and
// national significant number.
func splitCountryCode(digits string) (cc, nsn string) {
	switch {
	case digits == "":
		return "", ""
	case digits[0] == '1' || digits[0] == '7':
		return digits[:1], digits[1:]
	case len(digits) >= 2 && strings.Contains(twoDigitCodes, " "+digits[:2]+" "):
		return digits[:2], digits[2:]
	case len(digits) >= 3:
		return digits[:3], digits[3:]
	}
	return digits, ""
}

// trunkFor returns the trunk prefix used with a calling code.
func trunkFor(cc string) string {
	for _, p := range regions {
		if p.code == cc {
			return p.trunk
		}
	}
	return "0" // the most common choice
}

// Phone-number error codes.
const (
	CodeInvalidPhone       = "invalid_phone"
	CodePhoneNeedsCountry  = "phone_needs_country"
	CodeInvalidPhoneLength = "invalid_phone_length"
)

// NormalizePhone reads a phone number as people write it — "0912-345-678",
// "(02) 2345 6789 #123", "+86 138 0013 8000", "+44 (0)20 7946 0958", full-width
// digits — and returns it in E.164 with any extension apart. Numbers written
// without a country code take defaultRegion (ISO 3166 alpha-2). The error is a
// code for a FieldError.
func NormalizePhone(raw, defaultRegion string) (e164, ext string, code string) {
	s := foldWidth(strings.TrimSpace(raw))
	main, ext, ok := splitExtension(s)
	if !ok {
		return "", "", CodeInvalidPhone
	}
	international := false
	var digits strings.Builder
	for i, r := range main {
		switch {
		case r >= '0' && r <= '9':
			digits.WriteRune(r)
		case r == '+' && digits.Len() == 0 && !international && strings.TrimSpace(main[:i]) == "":
			international = true
		case r == ' ' || r == '-' || r == '.' || r == '(' || r == ')' || r == '/' || r == '\u00a0':
		default:
			return "", "", CodeInvalidPhone
		}
	}
	d := digits.String()
	if d == "" {
		return "", "", CodeInvalidPhone
	}
	plan, havePlan := regions[strings.ToUpper(defaultRegion)]
	if !international {
		prefixes := plan.intlPrefix
		if !havePlan {
			prefixes = []string{"00"}
		}
		for _, p := range prefixes {
			if strings.HasPrefix(d, p) && len(d) > len(p)+6 {
				d, international = d[len(p):], true
				break
			}
		}
	}
	var cc, nsn string
	if international {
		cc, nsn = splitCountryCode(d)
		// "+44 (0)20 …": the trunk prefix written after the country code.
		if trunkFor(cc) == "0" && strings.HasPrefix(nsn, "0") {
			nsn = nsn[1:]
		}
	} else {
		if !havePlan {
			return "", "", CodePhoneNeedsCountry
		}
		cc, nsn = plan.code, d
		if plan.trunk != "" && strings.HasPrefix(nsn, plan.trunk) {
			nsn = nsn[len(plan.trunk):]
		}
	}
	if len(nsn) < 4 || len(cc)+len(nsn) < 7 || len(cc)+len(nsn) > 15 || (cc == "1" && len(nsn) != 10) {
		return "", "", CodeInvalidPhoneLength
	}
	return "+" + cc + nsn, ext, ""
}

// splitExtension cuts an extension ("ext. 12", "x12", "#12", "轉12", "分機12")
// off a number.
func splitExtension(s string) (main, ext string, ok bool) {
	// ASCII-only lower-casing keeps byte offsets valid for s.
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	lower := string(b)
	cut := -1
	markerLen := 0
	for _, m := range []string{";ext=", "ext.", "ext", "分機", "分机", "轉", "转", "x", "#", ",", ";"} { // ";ext=" as RFC 3966 writes it
		if i := strings.Index(lower, m); i >= 0 && (cut < 0 || i < cut) {
			cut, markerLen = i, len(m)
		}
	}
	if cut < 0 {
		return s, "", true
	}
	rest := strings.TrimSpace(s[cut+markerLen:])
	rest = strings.TrimLeft(rest, ".:： ")
	if rest == "" || len(rest) > 10 {
		return "", "", false
	}
	for _, r := range rest {
		if r < '0' || r > '9' {
			return "", "", false
		}
	}
	return s[:cut], rest, true
}

// foldWidth turns full-width ASCII (as Chinese input methods produce it) into
// ASCII.
func foldWidth(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= '\uff01' && r <= '\uff5e':
			return r - 0xfee0
		case r == '\u3000':
			return ' '
		}
		return r
	}, s)
}

// PhoneSearchForms lists the digit strings a person might type to find an
// E.164 number: the full international digits, the national significant
// number, the national number with its trunk prefix, and the ends of the
// national number from its last four digits up: a landline written without
// its area code ((02) 2345-6789 as 2345-6789) and the "last four digits" by
// which shops look customers up. Searches match these by prefix, so a run of
// digits taken from anywhere in the number finds it.
func PhoneSearchForms(e164 string) []string {
	d := strings.TrimPrefix(e164, "+")
	if d == "" {
		return nil
	}
	cc, nsn := splitCountryCode(d)
	forms := []string{d, nsn}
	if t := trunkFor(cc); t != "" {
		forms = append(forms, t+nsn)
	}
	for start := 1; len(nsn)-start >= minPhoneSuffix; start++ {
		forms = append(forms, nsn[start:])
	}
	return forms
}

// minPhoneSuffix is the shortest end of a number that is indexed.
const minPhoneSuffix = 4

// Email error codes.
const CodeInvalidEmail = "invalid_email"

// NormalizeEmail trims and lower-cases an address and checks its shape:
// one "@", a local part, and a domain with a dot and no spaces. It does not
// accept display names ("Ann <ann@example.com>").
func NormalizeEmail(raw string) (string, string) {
	s := strings.ToLower(strings.TrimSpace(foldWidth(raw)))
	at := strings.LastIndexByte(s, '@')
	if len(s) > 254 || at <= 0 || at == len(s)-1 || strings.Count(s, "@") != 1 {
		return "", CodeInvalidEmail
	}
	local, domain := s[:at], s[at+1:]
	if len(local) > 64 || !strings.Contains(domain, ".") || strings.HasPrefix(domain, ".") ||
		strings.HasSuffix(domain, ".") || strings.Contains(domain, "..") || strings.HasPrefix(local, ".") ||
		strings.HasSuffix(local, ".") || strings.Contains(local, "..") {
		return "", CodeInvalidEmail
	}
	for _, r := range s {
		if unicode.IsSpace(r) || unicode.IsControl(r) || strings.ContainsRune(`<>()[]\,;:"`, r) {
			return "", CodeInvalidEmail
		}
	}
	return s, ""
}
