package vcard

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"
)

// Write writes c as a vCard 4.0 (RFC 6350): CRLF line ends, lines folded
// at 75 octets without splitting a UTF-8 sequence, text escaped. N is
// written with its five components, the preferred email, phone or address
// with PREF=1, BDAY and ANNIVERSARY as they are (VALUE=text when they are
// not dates), and Extra after the rest, by name. An empty FormattedName is
// made as DisplayName makes it, since 4.0 requires FN.
func Write(w io.Writer, c *Card) error {
	for name := range c.Extra {
		if !isName(name, false) || name != strings.ToUpper(name) {
			return fmt.Errorf("vcard.Write: %q in Extra is not an upper-case property name", name)
		}
		switch name {
		case "BEGIN", "END", "VERSION":
			return fmt.Errorf("vcard.Write: %s cannot be in Extra", name)
		}
	}
	var b cardWriter
	b.line("BEGIN:VCARD")
	b.line("VERSION:4.0")
	if c.UID != "" {
		b.property("UID", "", escapeURI(c.UID))
	}
	b.property("FN", "", escapeText(DisplayName(c)))
	b.property("N", "", joinEscaped(";", c.FamilyName, c.GivenName, c.AdditionalNames, c.Prefix, c.Suffix))
	if c.Nickname != "" {
		b.property("NICKNAME", "", escapeText(c.Nickname))
	}
	if c.Gender != "" || c.GenderIdentity != "" {
		if c.GenderIdentity == "" {
			b.property("GENDER", "", escapeText(c.Gender))
		} else {
			b.property("GENDER", "", joinEscaped(";", c.Gender, c.GenderIdentity))
		}
	}
	b.date("BDAY", c.Birthday)
	b.date("ANNIVERSARY", c.Anniversary)
	for _, e := range c.Emails {
		b.property("EMAIL", typeParams(e.Types, e.Pref), escapeText(e.Address))
	}
	for _, p := range c.Phones {
		b.property("TEL", typeParams(p.Types, p.Pref), escapeText(p.Number))
	}
	for _, a := range c.Addresses {
		b.property("ADR", typeParams(a.Types, a.Pref),
			joinEscaped(";", a.POBox, a.Extended, a.Street, a.Locality, a.Region, a.PostalCode, a.Country))
	}
	if c.Org != "" || c.OrgUnit != "" {
		if c.OrgUnit == "" {
			b.property("ORG", "", escapeText(c.Org))
		} else {
			b.property("ORG", "", joinEscaped(";", c.Org, c.OrgUnit))
		}
	}
	for _, f := range []struct{ name, value string }{{"TITLE", c.Title}, {"ROLE", c.Role}} {
		if f.value != "" {
			b.property(f.name, "", escapeText(f.value))
		}
	}
	if len(c.Categories) > 0 {
		b.property("CATEGORIES", "", joinEscaped(",", c.Categories...))
	}
	for _, u := range c.URL {
		b.property("URL", "", escapeURI(u))
	}
	for _, f := range []struct{ name, value string }{{"NOTE", c.Note}, {"LANG", c.Lang}, {"REV", c.Rev}} {
		if f.value != "" {
			b.property(f.name, "", escapeText(f.value))
		}
	}
	names := make([]string, 0, len(c.Extra))
	for name := range c.Extra {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		for _, v := range c.Extra[name] {
			b.property(name, "", escapeText(v))
		}
	}
	b.line("END:VCARD")
	if !utf8.Valid(b.buf) {
		return errors.New("vcard.Write: the card holds text that is not valid UTF-8")
	}
	_, err := w.Write(b.buf)
	return err
}

// cardWriter builds the lines of a card.
type cardWriter struct {
	buf []byte
}

// maxLineOctets is the longest line RFC 6350 lets a writer write, without
// its CRLF.
const maxLineOctets = 75

// line writes a content line, folded: where it is longer than 75 octets,
// a CRLF and a space go in before a rune (never inside one).
func (b *cardWriter) line(s string) {
	limit := maxLineOctets
	for len(s) > limit {
		// Back up to the start of a rune; invalid UTF-8 (which Write
		// refuses once the card is built) is cut anywhere.
		cut := limit
		for i := 1; i < utf8.UTFMax && !utf8.RuneStart(s[cut]); i++ {
			cut--
		}
		b.buf = append(b.buf, s[:cut]...)
		b.buf = append(b.buf, "\r\n "...)
		s = s[cut:]
		limit = maxLineOctets - 1 // the space counts
	}
	b.buf = append(b.buf, s...)
	b.buf = append(b.buf, "\r\n"...)
}

// property writes name, params (each starting with ';') and an escaped
// value.
func (b *cardWriter) property(name, params, value string) {
	b.line(name + params + ":" + value)
}

// date writes BDAY or ANNIVERSARY: a date as it is, anything else as text.
func (b *cardWriter) date(name, value string) {
	switch {
	case value == "":
	case isNormalizedDate(value):
		b.property(name, "", value)
	default:
		b.property(name, ";VALUE=text", escapeText(value))
	}
}

// typeParams returns ;TYPE=… and ;PREF=1 as needed.
func typeParams(types []string, pref bool) string {
	var s strings.Builder
	if len(types) > 0 {
		quote := false
		values := make([]string, len(types))
		for i, t := range types {
			values[i] = encodeCaret(t)
			if strings.ContainsAny(t, ",;:") {
				quote = true
			}
		}
		s.WriteString(";TYPE=")
		if quote {
			s.WriteString(`"` + strings.Join(values, ",") + `"`)
		} else {
			s.WriteString(strings.Join(values, ","))
		}
	}
	if pref {
		s.WriteString(";PREF=1")
	}
	return s.String()
}

// encodeCaret escapes a parameter value as RFC 6868 says: ^ as ^^ and a
// double quote as ^'. (Line breaks, ^n, cannot occur: Parse drops control
// characters from TYPE values.)
func encodeCaret(s string) string {
	s = strings.ReplaceAll(s, "^", "^^")
	return strings.ReplaceAll(s, `"`, "^'")
}

// escapeText escapes a text value: backslash, comma, semicolon and line
// breaks. It works on bytes, so that invalid UTF-8 stays invalid for Write
// to refuse.
func escapeText(s string) string {
	if !strings.ContainsAny(s, "\\,;\r\n") {
		return s
	}
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\', ',', ';':
			b.WriteByte('\\')
			b.WriteByte(c)
		case '\n':
			b.WriteString(`\n`)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// escapeURI escapes what a URI value (URL, UID) cannot hold as it is: a
// backslash and line breaks. Commas and semicolons are part of URIs and
// are not escaped in 4.0.
func escapeURI(s string) string {
	s = strings.ReplaceAll(s, `\`, `\\`)
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	return strings.ReplaceAll(s, "\n", `\n`)
}

func joinEscaped(sep string, parts ...string) string {
	escaped := make([]string, len(parts))
	for i, p := range parts {
		escaped[i] = escapeText(p)
	}
	return strings.Join(escaped, sep)
}
