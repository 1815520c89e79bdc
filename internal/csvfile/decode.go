package csvfile

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"unicode/utf16"
	"unicode/utf8"
)

// ErrNUL is the error for a line with a NUL byte, which no text file holds:
// the file is most likely UTF-16 read as something else, or not text.
var ErrNUL = errors.New("the line holds a NUL byte: the file may be UTF-16 or not text at all; choose another encoding")

// An EncodingError says that a line holds bytes that are not valid in the
// encoding the file is read in.
type EncodingError struct {
	Encoding Encoding
}

func (e *EncodingError) Error() string {
	return "the bytes are not valid " + e.Encoding.displayName() + "; choose another encoding"
}

// A badLine is a line of the file whose text could not be decoded exactly.
type badLine struct {
	line int
	err  error
}

// lineDecoder turns the bytes of a file into UTF-8 a line at a time, so that
// it can say which lines held bytes that are invalid in the encoding (or
// NULs). Those bytes become U+FFFD in the text it returns, which keeps the
// CSV structure intact for encoding/csv, and the line is remembered in bad
// so that the Reader can fail the record that spans it. The line numbers are
// those encoding/csv counts: one more than the line feeds before.
type lineDecoder struct {
	src  *bufio.Reader
	enc  Encoding
	line int // lines decoded so far
	out  []byte
	rest []byte    // decoded text not yet read
	bad  []badLine // in line order, not yet claimed by a record
	err  error
}

func newLineDecoder(src *bufio.Reader, enc Encoding) *lineDecoder {
	return &lineDecoder{src: src, enc: enc}
}

func (d *lineDecoder) Read(p []byte) (int, error) {
	for len(d.rest) == 0 {
		if d.err != nil {
			return 0, d.err
		}
		d.decodeLine()
	}
	n := copy(p, d.rest)
	d.rest = d.rest[n:]
	return n, nil
}

// decodeLine decodes the next line into d.rest, or sets d.err.
func (d *lineDecoder) decodeLine() {
	var invalid bool
	switch d.enc {
	case UTF16LE, UTF16BE:
		invalid = d.decodeUTF16Line()
	default:
		raw, err := d.readRawLine()
		if err != nil {
			d.err = err
		}
		if len(raw) == 0 {
			return
		}
		invalid = d.decodeASCIICompatible(raw)
	}
	if len(d.out) == 0 {
		return
	}
	d.line++
	hasNUL := bytes.IndexByte(d.out, 0) >= 0
	if hasNUL {
		d.out = bytes.ReplaceAll(d.out, []byte{0}, []byte("\uFFFD"))
	}
	switch {
	case invalid:
		d.bad = append(d.bad, badLine{d.line, &EncodingError{d.enc}})
	case hasNUL:
		d.bad = append(d.bad, badLine{d.line, ErrNUL})
	}
	d.rest = d.out
}

// readRawLine returns the bytes up to and including the next line feed (or
// the end of the file); err is io.EOF at the end.
func (d *lineDecoder) readRawLine() ([]byte, error) {
	line, err := d.src.ReadSlice('\n')
	if !errors.Is(err, bufio.ErrBufferFull) {
		return line, err
	}
	long := append([]byte(nil), line...)
	for errors.Is(err, bufio.ErrBufferFull) {
		line, err = d.src.ReadSlice('\n')
		long = append(long, line...)
	}
	return long, err
}

// decodeASCIICompatible decodes a line of UTF-8, Big5 or GB18030 into d.out
// and reports whether it held invalid bytes. In all three, bytes below 0x30
// — line ends, quotes, commas, tabs — only ever stand for themselves, so a
// line is a line and the decoders keep the CSV structure.
func (d *lineDecoder) decodeASCIICompatible(raw []byte) (invalid bool) {
	if d.enc == UTF8 {
		if utf8.Valid(raw) {
			d.out = append(d.out[:0], raw...)
			return false
		}
		d.out = bytes.ToValidUTF8(raw, []byte("\uFFFD"))
		return true
	}
	text, err := decoderFor(d.enc).Bytes(raw)
	if err != nil {
		d.out = bytes.ToValidUTF8(raw, []byte("\uFFFD"))
		return true
	}
	d.out = text
	return bytes.ContainsRune(text, utf8.RuneError) && hasInvalidSequence(d.enc, raw)
}

// decodeUTF16Line decodes the code units up to and including the next line
// feed into d.out and reports whether they held an unpaired surrogate or an
// odd byte at the end of the file.
func (d *lineDecoder) decodeUTF16Line() (invalid bool) {
	d.out = d.out[:0]
	var pending rune = -1 // a high surrogate waiting for its low half
	for {
		var pair [2]byte
		n, err := io.ReadFull(d.src, pair[:])
		if err != nil {
			if n == 1 {
				invalid = true
				d.out = utf8.AppendRune(d.out, utf8.RuneError)
			}
			if errors.Is(err, io.ErrUnexpectedEOF) {
				err = io.EOF
			}
			d.err = err
			break
		}
		unit := rune(pair[0]) | rune(pair[1])<<8
		if d.enc == UTF16BE {
			unit = rune(pair[1]) | rune(pair[0])<<8
		}
		switch {
		case pending >= 0 && 0xDC00 <= unit && unit <= 0xDFFF:
			d.out = utf8.AppendRune(d.out, utf16.DecodeRune(pending, unit))
			pending = -1
			continue
		case pending >= 0:
			invalid = true
			d.out = utf8.AppendRune(d.out, utf8.RuneError)
			pending = -1
		}
		switch {
		case 0xD800 <= unit && unit <= 0xDBFF:
			pending = unit
		case 0xDC00 <= unit && unit <= 0xDFFF:
			invalid = true
			d.out = utf8.AppendRune(d.out, utf8.RuneError)
		default:
			d.out = utf8.AppendRune(d.out, unit)
		}
		if unit == '\n' {
			break
		}
	}
	if pending >= 0 {
		invalid = true
		d.out = utf8.AppendRune(d.out, utf8.RuneError)
	}
	return invalid
}

// claim removes the bad lines before last from the queue and returns the
// first of them at or after first, if any: the problem of the record that
// spans lines first to last. Bad lines before first belong to records that
// encoding/csv skipped past after a syntax error.
func (d *lineDecoder) claim(first, last int) (badLine, bool) {
	var found badLine
	var ok bool
	i := 0
	for ; i < len(d.bad) && d.bad[i].line <= last; i++ {
		if !ok && d.bad[i].line >= first {
			found, ok = d.bad[i], true
		}
	}
	d.bad = d.bad[i:]
	return found, ok
}
