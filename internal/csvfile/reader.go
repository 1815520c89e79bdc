package csvfile

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Options says how to read a file; the zero value detects everything.
type Options struct {
	// Encoding of the file, one of the constants or an alias that
	// ParseEncoding accepts. Empty means detect it from the first 64 KiB
	// (see Detect). A byte order mark at the start of the file overrides
	// it: the mark is unambiguous, and the user's choice is not.
	Encoding Encoding
	// Comma separates the fields. 0 means detect ',', '\t' or ';' by
	// which occurs most often, outside quotes, in the first line.
	Comma rune
}

// A LineError is a problem with one record of the file. The Reader can go on
// reading after it.
type LineError struct {
	Line int   // 1-based line of the file where the problem is
	Err  error // what is wrong; an *EncodingError, ErrNUL, or one of encoding/csv's errors such as csv.ErrBareQuote
}

func (e *LineError) Error() string { return fmt.Sprintf("line %d: %v", e.Line, e.Err) }
func (e *LineError) Unwrap() error { return e.Err }

// A Reader reads the records of a CSV file as UTF-8 text. It strips a byte
// order mark, transcodes to UTF-8 and parses with encoding/csv: quotes must
// be well formed (LazyQuotes off), and records may have any number of fields
// (what a short row means is the importer's business).
type Reader struct {
	enc     Encoding
	comma   rune
	lines   *lineDecoder
	csv     *csv.Reader
	started bool
	err     error // a final error, repeated by every later call
}

// NewReader reads the start of r to settle the encoding and the separator
// (see Options) and returns a Reader of its records.
func NewReader(r io.Reader, opt Options) (*Reader, error) {
	enc := opt.Encoding
	if !enc.valid() {
		// Aliases ("GBK", "unicode") are welcome here too.
		var err error
		if enc, err = ParseEncoding(string(enc)); err != nil {
			return nil, err
		}
	}
	if err := checkComma(opt.Comma); err != nil {
		return nil, err
	}

	src := bufio.NewReaderSize(r, sniffLen)
	head, err := src.Peek(sniffLen)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("csvfile: reading the start of the file: %w", err)
	}
	if bomEnc, n := bomOf(head); bomEnc != "" {
		enc = bomEnc
		if _, err := src.Discard(n); err != nil {
			return nil, fmt.Errorf("csvfile: skipping the byte order mark: %w", err)
		}
	} else if enc == "" {
		enc = Detect(head)
	}

	lines := newLineDecoder(src, enc)
	text := bufio.NewReaderSize(lines, sniffLen)
	comma := opt.Comma
	if comma == 0 {
		// An error here is a read error that encoding/csv will meet and
		// report on the record it hits.
		start, _ := text.Peek(sniffLen)
		comma = detectComma(start)
	}
	c := csv.NewReader(text)
	c.Comma = comma
	c.LazyQuotes = false
	c.FieldsPerRecord = -1
	c.ReuseRecord = false
	return &Reader{enc: enc, comma: comma, lines: lines, csv: c}, nil
}

func checkComma(r rune) error {
	switch {
	case r == 0:
		return nil
	case r == '"' || r == '\r' || r == '\n' || r == utf8.RuneError || !utf8.ValidRune(r):
		return fmt.Errorf("csvfile: %q cannot separate fields", r)
	}
	return nil
}

// detectComma picks the separator that occurs most often outside quotes in
// the first line of text: ',' wins ties, and is the answer for a file of
// one column.
func detectComma(text []byte) rune {
	counts := map[rune]int{}
	inQuotes := false
scan:
	for _, r := range string(text) {
		switch {
		case r == '"':
			inQuotes = !inQuotes
		case inQuotes:
		case r == '\n':
			break scan
		case r == ',' || r == '\t' || r == ';':
			counts[r]++
		}
	}
	best := ','
	for _, r := range []rune{'\t', ';'} {
		if counts[r] > counts[best] {
			best = r
		}
	}
	return best
}

// Encoding returns the encoding the Reader reads the file in: the one given,
// announced by a byte order mark or detected.
func (r *Reader) Encoding() Encoding { return r.enc }

// Comma returns the field separator, given or detected.
func (r *Reader) Comma() rune { return r.comma }

// Header returns the first record with its cells trimmed of spaces and of
// byte order marks left inside them (a BOM the file's encoding did not
// announce, or one read as Windows-1252 "ï»¿"). It must be called before
// Next, once; it returns io.EOF for a file with no records, and the errors
// Next returns.
func (r *Reader) Header() ([]string, error) {
	if r.started {
		return nil, errors.New("csvfile: Header must be called before Next")
	}
	rec, _, err := r.Next()
	if err != nil {
		return nil, err
	}
	for i, cell := range rec {
		rec[i] = trimHeaderCell(cell)
	}
	return rec, nil
}

func trimHeaderCell(s string) string {
	for {
		t := strings.TrimFunc(s, func(r rune) bool { return r == '\uFEFF' || unicode.IsSpace(r) })
		t = strings.TrimPrefix(t, "ï»¿")
		if t == s {
			return s
		}
		s = t
	}
}

// Next returns the next record and the 1-based line of the file where it
// starts, or io.EOF after the last one. Every record is valid UTF-8 without
// NUL characters.
//
// A record that cannot be read exactly — broken quotes, bytes that are not
// valid in the file's encoding, a NUL byte — gives a *LineError naming the
// line of the problem (and line is where the record starts). Bytes are never
// silently turned into U+FFFD. After a *LineError, Next can be called again:
// it goes on with the next record (after broken quotes, encoding/csv resumes
// at the line after the one where it gave up, or at the end of the file when
// a quote is never closed). Any other error is final.
func (r *Reader) Next() (record []string, line int, err error) {
	r.started = true
	if r.err != nil {
		return nil, 0, r.err
	}
	rec, err := r.csv.Read()
	var parseErr *csv.ParseError
	switch {
	case errors.Is(err, io.EOF):
		r.err = io.EOF
		return nil, 0, io.EOF
	case errors.As(err, &parseErr):
		if bad, ok := r.lines.claim(parseErr.StartLine, parseErr.Line); ok {
			// Invalid bytes explain a syntax error better than the
			// syntax error explains itself.
			return nil, parseErr.StartLine, &LineError{Line: bad.line, Err: bad.err}
		}
		return nil, parseErr.StartLine, &LineError{Line: parseErr.Line, Err: parseErr.Err}
	case err != nil:
		r.err = fmt.Errorf("csvfile: %w", err)
		return nil, 0, r.err
	}
	start, _ := r.csv.FieldPos(0)
	lastStart, _ := r.csv.FieldPos(len(rec) - 1)
	end := lastStart + strings.Count(rec[len(rec)-1], "\n")
	if bad, ok := r.lines.claim(start, end); ok {
		return nil, start, &LineError{Line: bad.line, Err: bad.err}
	}
	return rec, start, nil
}
