package csvfile

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"
)

// FuzzReader reads arbitrary bytes in every encoding and with detection:
// the Reader must not panic, must end, and must return only valid UTF-8
// without NULs, on lines that go up.
func FuzzReader(f *testing.F) {
	f.Add([]byte("name,phone\r\n王小明,0912345678\r\n"), uint8(0), uint8(0))
	f.Add(mustEncode(f, traditionalchinese.Big5, "姓名,電話\r\n許功蓋,\"a\r\nb\"\r\n"), uint8(4), uint8(1))
	f.Add(mustEncode(f, simplifiedchinese.GB18030, "姓名\t电话\n张伟\t1\n"), uint8(5), uint8(2))
	f.Add(append([]byte{0xFF, 0xFE}, utf16Bytes("a\tb\r\n\"c\nd\"\te\r\n", false)...), uint8(0), uint8(0))
	f.Add([]byte("a\"b\n\"c\n\xA4,\x00\n"), uint8(1), uint8(3))
	f.Fuzz(func(t *testing.T, data []byte, encChoice, commaChoice uint8) {
		encodings := append([]Encoding{""}, Encodings()...)
		commas := []rune{0, ',', '\t', ';'}
		opt := Options{
			Encoding: encodings[int(encChoice)%len(encodings)],
			Comma:    commas[int(commaChoice)%len(commas)],
		}
		r, err := NewReader(bytes.NewReader(data), opt)
		if err != nil {
			t.Fatalf("NewReader: %v", err)
		}
		lastLine := 0
		// A record takes at least one byte, a UTF-16 one two.
		for range len(data) + 2 {
			rec, line, err := r.Next()
			if errors.Is(err, io.EOF) {
				return
			}
			var lineErr *LineError
			if err != nil && !errors.As(err, &lineErr) {
				t.Fatalf("Next: %v", err)
			}
			if line <= lastLine {
				t.Fatalf("record at line %d after line %d", line, lastLine)
			}
			lastLine = line
			if err != nil {
				if rec != nil {
					t.Fatalf("record %q with error %v", rec, err)
				}
				continue
			}
			for _, cell := range rec {
				if !utf8.ValidString(cell) || strings.ContainsRune(cell, 0) {
					t.Fatalf("line %d: cell %q", line, cell)
				}
			}
		}
		t.Fatal("Next did not reach io.EOF")
	})
}

// FuzzDetect checks that detection never panics and that valid UTF-8
// without NULs is always read as UTF-8, whatever its length.
func FuzzDetect(f *testing.F) {
	f.Add([]byte("王小明"))
	f.Add(mustEncode(f, traditionalchinese.Big5, "台北市"))
	f.Fuzz(func(t *testing.T, sample []byte) {
		got := Detect(sample)
		if !got.valid() {
			t.Fatalf("Detect = %q", got)
		}
		if utf8.Valid(sample) && bytes.IndexByte(sample, 0) < 0 && got != UTF8 {
			t.Fatalf("valid UTF-8 detected as %q", got)
		}
	})
}
