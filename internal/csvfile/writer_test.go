package csvfile

import (
	"bytes"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestWriter(t *testing.T) {
	var b bytes.Buffer
	w := NewWriter(&b)
	records := [][]string{
		{"name", "note", "amount"},
		{"王小明", "line one\nline two", "-12.50"},
		{"Ann \"Nan\" Lee", " padded ", "=1+2"},
		{""},
	}
	for _, rec := range records {
		if err := w.Write(rec); err != nil {
			t.Fatalf("Write(%q): %v", rec, err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	want := "\xEF\xBB\xBF" +
		"name,note,amount\r\n" +
		"王小明,\"line one\nline two\",-12.50\r\n" +
		"\"Ann \"\"Nan\"\" Lee\",\" padded \",'=1+2\r\n" +
		"\"\"\r\n"
	if got := b.String(); got != want {
		t.Errorf("wrote\n%q\nwant\n%q", got, want)
	}
}

func TestWriterEmpty(t *testing.T) {
	var b bytes.Buffer
	w := NewWriter(&b)
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if b.String() != "\xEF\xBB\xBF" {
		t.Errorf("wrote %q, want just the BOM", b.String())
	}
}

func TestWriterRefuses(t *testing.T) {
	tests := []struct {
		name   string
		record []string
	}{
		{"no fields", nil},
		{"invalid UTF-8", []string{"ok", "\xFF"}},
		{"NUL", []string{"a\x00b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := NewWriter(io.Discard).Write(tt.record); err == nil {
				t.Errorf("Write(%q) gave no error", tt.record)
			}
		})
	}
}

func TestGuardFormula(t *testing.T) {
	tests := []struct {
		cell, want string
	}{
		{"=1+2", "'=1+2"},
		{"=HYPERLINK(\"http://evil.example\",\"click\")", "'=HYPERLINK(\"http://evil.example\",\"click\")"},
		{"+886 912 345 678", "'+886 912 345 678"},
		{"-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"},
		{"@SUM(A1:A2)", "'@SUM(A1:A2)"},
		{"\tx", "'\tx"},
		{"\r=1", "'\r=1"},
		{"-", "'-"},
		{"-12.50", "-12.50"},
		{"+1", "+1"},
		{"-1,234.5", "-1,234.5"},
		{"-.5", "-.5"},
		{"-1e-3", "-1e-3"},
		{"-1e", "'-1e"},
		{"-,5", "'-,5"},
		{"王小明", "王小明"},
		{"a=b", "a=b"},
		{"", ""},
	}
	for _, tt := range tests {
		t.Run(tt.cell, func(t *testing.T) {
			if got := guardFormula(tt.cell); got != tt.want {
				t.Errorf("guardFormula(%q) = %q, want %q", tt.cell, got, tt.want)
			}
		})
	}
}

// expectedReadBack is what the Reader returns for a cell the Writer wrote:
// the cell guarded against formulas, with its line breaks as "\n".
func expectedReadBack(cell string) string {
	cell = guardFormula(cell)
	cell = strings.ReplaceAll(cell, "\r\n", "\n")
	return strings.ReplaceAll(cell, "\r", "\n")
}

// roundTrip writes records and reads them back with detection.
func roundTrip(t *testing.T, records [][]string) {
	t.Helper()
	var b bytes.Buffer
	w := NewWriter(&b)
	for _, rec := range records {
		if err := w.Write(rec); err != nil {
			t.Fatalf("Write(%q): %v", rec, err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	r := mustNewReader(t, b.Bytes(), Options{})
	if r.Encoding() != UTF8 {
		t.Errorf("read back as %q", r.Encoding())
	}
	for i, rec := range records {
		got, _, err := r.Next()
		if err != nil {
			t.Fatalf("record %d: %v\nfile %q", i, err, b.String())
		}
		want := make([]string, len(rec))
		for j, cell := range rec {
			want[j] = expectedReadBack(cell)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("record %d read back as %q, want %q\nfile %q", i, got, want, b.String())
		}
	}
	if _, _, err := r.Next(); !errors.Is(err, io.EOF) {
		t.Fatalf("after the records: %v", err)
	}
}

func TestWriterRoundTrip(t *testing.T) {
	roundTrip(t, [][]string{
		{"name", "phone", "note"},
		{"王小明", "+886 912 345 678", "VIP\r\n常客"},
		{"陳美玲", "-12.50", "=cmd"},
		{""},
		{"", ""},
		{" x ", "\"", "a,b;c\td"},
		{"\r", "\n", "\r\n"},
	})
}

// FuzzWriterRoundTrip checks that what the Writer writes, the Reader reads
// back the same, but for the apostrophe before formulas and line breaks as
// "\n". The three strings are cells; a record is made of them and of a
// one-cell record of each, so that a comma in a cell would pick the wrong
// separator if quoting were wrong.
func FuzzWriterRoundTrip(f *testing.F) {
	f.Add("王小明", "=1+2", "-12.50")
	f.Add("", "a\r\nb", "\"quoted\"")
	f.Add("\ufeffname", "\t", ";")
	f.Fuzz(func(t *testing.T, a, b, c string) {
		for _, cell := range []string{a, b, c} {
			if !utf8.ValidString(cell) || strings.ContainsRune(cell, 0) {
				if err := NewWriter(io.Discard).Write([]string{cell}); err == nil {
					t.Fatalf("Write accepted %q", cell)
				}
				return
			}
		}
		roundTrip(t, [][]string{{a, b, c}, {a}, {b}, {c}})
	})
}
