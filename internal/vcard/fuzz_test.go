package vcard

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParse parses arbitrary input: Parse must not panic, every string it
// returns must be valid UTF-8, and every card must write and parse back the
// same.
func FuzzParse(f *testing.F) {
	for _, s := range []string{iPhoneCard, androidCard, outlookCard, googleCard, thunderbirdCard} {
		f.Add([]byte(s))
	}
	f.Add([]byte("BEGIN:VCARD\nTEL;TYPE=\"a^'b,c;d\":tel:tel:1\nNOTE;ENCODING=QUOTED-PRINTABLE:a=\nb\nEND:VCARD\nEND:VCARD\n"))
	f.Add([]byte("\xFF\xFEB\x00E\x00G\x00I\x00N\x00:\x00V\x00C\x00A\x00R\x00D\x00\n\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		cards, _ := Parse(bytes.NewReader(data))
		for _, c := range cards {
			checkUTF8(t, c)
			roundTrip(t, c)
		}
	})
}

func checkUTF8(t *testing.T, c Card) {
	t.Helper()
	var texts []string
	texts = append(texts, c.Version, c.UID, c.FormattedName, c.FamilyName, c.GivenName, c.AdditionalNames,
		c.Prefix, c.Suffix, c.Nickname, c.Org, c.OrgUnit, c.Title, c.Role, c.Birthday, c.Anniversary,
		c.Gender, c.GenderIdentity, c.Note, c.Lang, c.Rev)
	texts = append(texts, c.Categories...)
	texts = append(texts, c.URL...)
	for _, e := range c.Emails {
		texts = append(append(texts, e.Address), e.Types...)
	}
	for _, p := range c.Phones {
		texts = append(append(texts, p.Number), p.Types...)
	}
	for _, a := range c.Addresses {
		texts = append(append(texts, a.POBox, a.Extended, a.Street, a.Locality, a.Region, a.PostalCode, a.Country), a.Types...)
	}
	for name, values := range c.Extra {
		texts = append(append(texts, name), values...)
	}
	for _, s := range texts {
		if !utf8.ValidString(s) {
			t.Fatalf("invalid UTF-8 %q in %#v", s, c)
		}
		if strings.Contains(s, "\r") {
			t.Fatalf("carriage return in %q", s)
		}
	}
}
