package vcard

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestWrite(t *testing.T) {
	c := &Card{
		UID:           "urn:uuid:4fbe8971-0bc3-424c-9c26-36c3e1eff6b1",
		FormattedName: "王小明", FamilyName: "王", GivenName: "小明",
		Gender:   "M",
		Birthday: "1985-04-12", Anniversary: "spring 2010",
		Emails: []Email{{Address: "a@example.com", Types: []string{"work"}, Pref: true}},
		Phones: []Phone{{Number: "+886 912 345 678", Types: []string{"cell", "voice"}}},
		Addresses: []Address{{Types: []string{"home"}, Street: "信義路五段7號", Locality: "台北市",
			PostalCode: "110", Country: "台灣"}},
		Org: "ACME; Inc.", OrgUnit: "Sales",
		Categories: []string{"VIP", "a,b"},
		URL:        []string{"https://example.com/?a=1,2"},
		Note:       "line 1\nline 2\\",
		Rev:        "20240301T101500Z",
		Extra:      map[string][]string{"X-B": {"2"}, "X-A": {"1"}},
	}
	var b bytes.Buffer
	if err := Write(&b, c); err != nil {
		t.Fatal(err)
	}
	want := crlf(`BEGIN:VCARD
VERSION:4.0
UID:urn:uuid:4fbe8971-0bc3-424c-9c26-36c3e1eff6b1
FN:王小明
N:王;小明;;;
GENDER:M
BDAY:1985-04-12
ANNIVERSARY;VALUE=text:spring 2010
EMAIL;TYPE=work;PREF=1:a@example.com
TEL;TYPE=cell,voice:+886 912 345 678
ADR;TYPE=home:;;信義路五段7號;台北市;;110;台灣
ORG:ACME\; Inc.;Sales
CATEGORIES:VIP,a\,b
URL:https://example.com/?a=1,2
NOTE:line 1\nline 2\\
REV:20240301T101500Z
X-A:1
X-B:2
END:VCARD
`)
	if b.String() != want {
		t.Errorf("wrote\n%s\nwant\n%s", b.String(), want)
	}
}

func TestWriteFolds(t *testing.T) {
	c := &Card{
		FormattedName: strings.Repeat("王", 60),
		Note:          strings.Repeat("a", 200) + strings.Repeat("é", 50),
	}
	var b bytes.Buffer
	if err := Write(&b, c); err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(b.String(), "\r\n") {
		t.Error("output does not end in CRLF")
	}
	for i, line := range strings.Split(strings.TrimSuffix(b.String(), "\r\n"), "\r\n") {
		if len(line) > maxLineOctets {
			t.Errorf("line %d has %d octets", i+1, len(line))
		}
		if !utf8.ValidString(line) {
			t.Errorf("line %d splits a character: %q", i+1, line)
		}
		if strings.ContainsAny(line, "\r\n") {
			t.Errorf("line %d holds a bare line break", i+1)
		}
	}
	cards, err := Parse(&b)
	if err != nil || len(cards) != 1 {
		t.Fatalf("Parse: %v, %v", cards, err)
	}
	if cards[0].FormattedName != c.FormattedName || cards[0].Note != c.Note {
		t.Errorf("read back FN %q NOTE %q", cards[0].FormattedName, cards[0].Note)
	}
}

func TestWriteRefuses(t *testing.T) {
	tests := []struct {
		name string
		card Card
	}{
		{"invalid UTF-8", Card{Note: "\xFF"}},
		{"invalid UTF-8 among escapes", Card{Note: "a,\xFF"}},
		{"invalid UTF-8 to fold", Card{Note: strings.Repeat("\x80", 200)}},
		{"lower-case Extra", Card{Extra: map[string][]string{"x-a": {"1"}}}},
		{"Extra name with a colon", Card{Extra: map[string][]string{"X:A": {"1"}}}},
		{"END in Extra", Card{Extra: map[string][]string{"END": {"VCARD"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := Write(&b, &tt.card); err == nil {
				t.Errorf("Write gave no error; wrote %q", b.String())
			}
		})
	}
}

// roundTrip writes c and parses it back; it must come back the same, in
// version 4.0.
func roundTrip(t *testing.T, c Card) {
	t.Helper()
	var b bytes.Buffer
	if err := Write(&b, &c); err != nil {
		t.Fatalf("Write: %v", err)
	}
	cards, err := Parse(bytes.NewReader(b.Bytes()))
	if err != nil {
		t.Fatalf("Parse: %v\n%s", err, b.String())
	}
	if len(cards) != 1 {
		t.Fatalf("%d cards\n%s", len(cards), b.String())
	}
	want := c
	want.Version = "4.0"
	if !reflect.DeepEqual(cards[0], want) {
		t.Fatalf("read back\n%#v\nwant\n%#v\nfrom\n%s", cards[0], want, b.String())
	}
}

func TestRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		card Card
	}{
		{"iPhone", iPhoneWant},
		{"Android", androidWant},
		{"Outlook", outlookWant},
		{"Google", googleWant},
		{"Thunderbird", thunderbirdWant},
		{"awkward text", Card{
			FormattedName: `a\b,c;d` + "\ne", FamilyName: "O;Brien", GivenName: "x,y",
			Emails:     []Email{{Address: "a@b", Types: []string{"a;b", `q"^`, "x:y"}}},
			Categories: []string{"a,b", `c\d`},
			URL:        []string{`http://x/a\b;c,d`},
			Birthday:   "not a date; really",
			Gender:     "X", GenderIdentity: "a;b",
			Org: "", OrgUnit: "unit",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { roundTrip(t, tt.card) })
	}
}
