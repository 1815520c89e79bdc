package csvfile

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// A Writer writes CSV that Excel opens correctly: UTF-8 with a byte order
// mark (without one, Excel reads the file in the computer's ANSI code page
// and garbles Chinese), CRLF line ends, and cells that could run as formulas
// defused.
type Writer struct {
	w       *bufio.Writer
	started bool
}

// NewWriter returns a Writer to w. Call Flush when done.
func NewWriter(w io.Writer) *Writer {
	return &Writer{w: bufio.NewWriter(w)}
}

// Write writes one record. Line breaks inside a cell (CRLF, CR or LF) are
// written as LF inside quotes, as Excel writes them, and read back as "\n".
// A cell that starts with = + - @, a tab or a carriage return is written
// with a leading apostrophe, unless it is a number (see guardFormula). A
// record must have at least one field, and its cells must be valid UTF-8
// without NUL characters, which the Reader would refuse.
func (w *Writer) Write(record []string) error {
	if len(record) == 0 {
		return errors.New("csvfile: a record needs at least one field")
	}
	for i, cell := range record {
		if !utf8.ValidString(cell) {
			return fmt.Errorf("csvfile: field %d is not valid UTF-8", i+1)
		}
		if strings.IndexByte(cell, 0) >= 0 {
			return fmt.Errorf("csvfile: field %d holds a NUL character", i+1)
		}
	}
	if err := w.start(); err != nil {
		return err
	}
	for i, cell := range record {
		if i > 0 {
			w.w.WriteByte(',')
		}
		cell = guardFormula(cell)
		cell = strings.ReplaceAll(cell, "\r\n", "\n")
		cell = strings.ReplaceAll(cell, "\r", "\n")
		// A record of one empty field would otherwise be a blank line,
		// which readers skip.
		if needsQuotes(cell) || len(record) == 1 && cell == "" {
			w.w.WriteByte('"')
			w.w.WriteString(strings.ReplaceAll(cell, `"`, `""`))
			w.w.WriteByte('"')
		} else {
			w.w.WriteString(cell)
		}
	}
	_, err := w.w.WriteString("\r\n")
	return err
}

// start writes the byte order mark before the first record.
func (w *Writer) start() error {
	if w.started {
		return nil
	}
	w.started = true
	_, err := w.w.Write(bomUTF8)
	return err
}

// Flush writes what is buffered to the underlying writer; a file with no
// records gets just the byte order mark.
func (w *Writer) Flush() error {
	if err := w.start(); err != nil {
		return err
	}
	if err := w.w.Flush(); err != nil {
		return fmt.Errorf("csvfile: %w", err)
	}
	return nil
}

// needsQuotes reports whether a cell must be quoted to read back as itself.
// Cells with semicolons or tabs are quoted too, so that a program guessing
// the separator (as the Reader does) sees only commas, and so are leading
// and trailing spaces, so that no program trims them.
func needsQuotes(cell string) bool {
	if cell == "" {
		return false
	}
	return strings.ContainsAny(cell, ",;\t\"\n") ||
		cell[0] == ' ' || cell[len(cell)-1] == ' '
}

// guardFormula defends against CSV injection (OWASP, "CSV Injection"): a
// spreadsheet runs a cell that begins with = + - or @ as a formula, so that
// a customer who names himself =HYPERLINK(…) or -2+3+cmd|'/C calc'!A0 can
// make the shop owner's Excel fetch URLs or run commands when the export is
// opened. OWASP's remedy is to prefix such cells, and those that begin with
// a tab or a carriage return, with a single quote, which makes them text.
// Numbers such as -12.50 or +1 are left alone: they are not formulas, and
// an apostrophe would turn them into text in the spreadsheet.
func guardFormula(cell string) string {
	if needsFormulaGuard(cell) {
		return "'" + cell
	}
	return cell
}

func needsFormulaGuard(cell string) bool {
	if cell == "" {
		return false
	}
	switch cell[0] {
	case '=', '@', '\t', '\r':
		return true
	case '+', '-':
		return !isNumber(cell)
	}
	return false
}

// isNumber reports whether s is a plain decimal number as a spreadsheet
// reads it: an optional sign, digits (with thousands commas), an optional
// fraction and an optional exponent, e.g. -12.50, +1, -1,234.5, -.5, 1e-3.
func isNumber(s string) bool {
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	digits := 0
	for i < len(s) && (isDigit(s[i]) || s[i] == ',' && digits > 0) {
		if isDigit(s[i]) {
			digits++
		}
		i++
	}
	if i < len(s) && s[i] == '.' {
		i++
		for i < len(s) && isDigit(s[i]) {
			digits++
			i++
		}
	}
	if digits == 0 {
		return false
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		exponent := 0
		for i < len(s) && isDigit(s[i]) {
			exponent++
			i++
		}
		if exponent == 0 {
			return false
		}
	}
	return i == len(s)
}

func isDigit(b byte) bool { return '0' <= b && b <= '9' }
