package crm

import "unicode/utf8"

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
