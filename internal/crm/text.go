package crm

import (
	"strings"
	"unicode/utf8"
)

// CodeInvalidText is the field error of text that is not valid UTF-8 or
// holds a control character.
const CodeInvalidText = "invalid_text"

// ValidText reports whether s is valid UTF-8 without control characters
// other than tab, line feed and carriage return. No field of a CRM needs
// them, and PostgreSQL refuses NUL and invalid UTF-8 outright.
func ValidText(s string) bool {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < 0x20 && c != '\t' && c != '\n' && c != '\r' {
				return false
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			return false
		}
		if r >= 0x80 && r < 0xa0 { // C1 controls
			return false
		}
		i += size
	}
	return true
}

// CleanText trims s and folds its runs of white space into single spaces,
// and reports on v a result that is not text (ValidText) or is longer than
// max runes.
func CleanText(v *Violations, field, s string, max int) string {
	s = strings.Join(strings.Fields(s), " ")
	switch {
	case !ValidText(s):
		v.Add(field, CodeInvalidText)
	case utf8.RuneCountInString(s) > max:
		v.Add(field, "too_long", "max", max)
	}
	return s
}
