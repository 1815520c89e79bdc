package store

// Decoders for the JSON columns of a contact.
//
// json.Unmarshal spent about 6 µs per contact on these small documents, most
// of it in reflection and allocation, which made it a large share of a list
// page. Their shapes are fixed, so the decoders below read them directly.
//
// encoding/json stays the reference: whenever a decoder meets something it
// does not expect (a value of another type, a number that is not a plain
// int64, a key that would only match a field case-insensitively, invalid
// JSON, trailing bytes …) it hands the whole document to json.Unmarshal and
// returns what that returns, value and error. The fast path only ever accepts
// documents on which json.Unmarshal succeeds, and then gives the same value;
// the tests and the fuzz target FuzzDecodeColumns hold it to that.

import (
	"encoding/json"
	"time"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/guanxi-crm/guanxi/internal/customer"
)

// Keys of each shape, for telling an unknown key from a differently cased
// known one (see colReader.ignore). They must list the cases of the switches
// in the read functions.
var (
	emailKeys       = []string{"address", "label"}
	phoneKeys       = []string{"number", "ext", "label"}
	anniversaryKeys = []string{"label", "date"}
	companyRefKeys  = []string{"company_id", "name", "title", "buying_role"}
	consentKeys     = []string{"email", "sms", "phone", "messaging"}
	channelKeys     = []string{"status", "at", "source"}
)

// The list decoders share beginList and finishList but spell out their loop:
// passing the element's read function to a generic helper would make the
// reader escape to the heap (a call through a function value), one more
// allocation per document. Lists are short, so they are collected on the
// stack and copied into a result of the right size.

func decodeEmails(raw []byte) ([]customer.Email, error) {
	var buf [8]customer.Email
	r, list := colReader{data: raw}, buf[:0]
	isArray := r.beginList()
	for isArray && r.next(']') {
		list = append(list, readEmail(&r))
	}
	return finishList(&r, list, isArray)
}

func decodePhones(raw []byte) ([]customer.Phone, error) {
	var buf [8]customer.Phone
	r, list := colReader{data: raw}, buf[:0]
	isArray := r.beginList()
	for isArray && r.next(']') {
		list = append(list, readPhone(&r))
	}
	return finishList(&r, list, isArray)
}

func decodeAnniversaries(raw []byte) ([]customer.Anniversary, error) {
	var buf [8]customer.Anniversary
	r, list := colReader{data: raw}, buf[:0]
	isArray := r.beginList()
	for isArray && r.next(']') {
		list = append(list, readAnniversary(&r))
	}
	return finishList(&r, list, isArray)
}

// decodeStrings decodes a list of strings, such as the tag names.
func decodeStrings(raw []byte) ([]string, error) {
	var buf [8]string
	r, list := colReader{data: raw}, buf[:0]
	isArray := r.beginList()
	for isArray && r.next(']') {
		var s string // a null element stays ""
		r.str(&s)
		list = append(list, s)
	}
	return finishList(&r, list, isArray)
}

func decodeCompanyRefs(raw []byte) ([]customer.CompanyRef, error) {
	var buf [8]customer.CompanyRef
	r, list := colReader{data: raw}, buf[:0]
	isArray := r.beginList()
	for isArray && r.next(']') {
		list = append(list, readCompanyRef(&r))
	}
	return finishList(&r, list, isArray)
}

func decodeConsent(raw []byte) (customer.Consent, error) {
	var c customer.Consent
	if isEmptyColumn(raw) {
		return c, nil
	}
	r := colReader{data: raw}
	if r.begin('{') {
		for r.next('}') {
			switch key := r.key(); string(key) {
			case "email":
				readChannel(&r, &c.Email)
			case "sms":
				readChannel(&r, &c.SMS)
			case "phone":
				readChannel(&r, &c.Phone)
			case "messaging":
				readChannel(&r, &c.Messaging)
			default:
				r.ignore(key, consentKeys)
			}
		}
	}
	if !r.end() {
		return decodeColumnStd[customer.Consent](raw)
	}
	return c, nil
}

// The read functions decode one value of their shape. A null leaves it
// zero, as encoding/json leaves a struct alone on null. Fields are set in
// place rather than replaced so that a repeated key behaves as in
// encoding/json: the later value wins, and a repeated object is merged.

func readEmail(r *colReader) (e customer.Email) {
	if r.begin('{') {
		for r.next('}') {
			switch key := r.key(); string(key) {
			case "address":
				r.str(&e.Address)
			case "label":
				r.str(&e.Label)
			default:
				r.ignore(key, emailKeys)
			}
		}
	}
	return e
}

func readPhone(r *colReader) (p customer.Phone) {
	if r.begin('{') {
		for r.next('}') {
			switch key := r.key(); string(key) {
			case "number":
				r.str(&p.Number)
			case "ext":
				r.str(&p.Ext)
			case "label":
				r.str(&p.Label)
			default:
				r.ignore(key, phoneKeys)
			}
		}
	}
	return p
}

func readAnniversary(r *colReader) (a customer.Anniversary) {
	if r.begin('{') {
		for r.next('}') {
			switch key := r.key(); string(key) {
			case "label":
				r.str(&a.Label)
			case "date":
				r.str(&a.Date)
			default:
				r.ignore(key, anniversaryKeys)
			}
		}
	}
	return a
}

func readCompanyRef(r *colReader) (c customer.CompanyRef) {
	if r.begin('{') {
		for r.next('}') {
			switch key := r.key(); string(key) {
			case "company_id":
				r.int(&c.CompanyID)
			case "name":
				r.str(&c.Name)
			case "title":
				r.str(&c.Title)
			case "buying_role":
				r.str((*string)(&c.BuyingRole))
			default:
				r.ignore(key, companyRefKeys)
			}
		}
	}
	return c
}

func readChannel(r *colReader, c *customer.ChannelConsent) {
	if r.begin('{') {
		for r.next('}') {
			switch key := r.key(); string(key) {
			case "status":
				r.str((*string)(&c.Status))
			case "at":
				r.timestamp(&c.At)
			case "source":
				r.str(&c.Source)
			default:
				r.ignore(key, channelKeys)
			}
		}
	}
}

// isEmptyColumn reports the documents that unmarshalAll skips, leaving the
// zero value: the decoders do the same (even for "" and for "[]" or "{}" of
// the other kind, on which json.Unmarshal would fail).
func isEmptyColumn(raw []byte) bool {
	switch string(raw) {
	case "", "[]", "{}", "null":
		return true
	}
	return false
}

// finishList returns a copy of list, or nil for a null document, unless the
// document held a surprise.
func finishList[T any](r *colReader, list []T, isArray bool) ([]T, error) {
	if !r.end() {
		return decodeColumnStd[[]T](r.data)
	}
	if !isArray {
		return nil, nil
	}
	// Not nil even when empty, as encoding/json gives for [ ].
	out := make([]T, len(list))
	copy(out, list)
	return out, nil
}

// decodeColumnStd is the reference the decoders fall back on.
func decodeColumnStd[T any](raw []byte) (T, error) {
	var v T
	err := json.Unmarshal(raw, &v)
	return v, err
}

// maxSkipDepth bounds the nesting of ignored values. encoding/json allows
// 10000 levels; deeper than this the decoders just fall back to it, which
// also keeps the recursion of skip shallow.
const maxSkipDepth = 64

// colReader is a cursor over one JSON document. Rather than returning errors
// its methods set bad on anything unexpected, after which they do nothing:
// the decoder then falls back to encoding/json, whose error is the one to
// report, so none needs to be built here.
type colReader struct {
	data []byte
	pos  int
	bad  bool
	// first is set just after a [ or {, where no comma may come.
	first bool
	// text is a copy of data, made on the first string value read. Strings
	// without escapes are substrings of it: one allocation for all the
	// strings of a document.
	text string
	// scratch holds unescaped strings.
	scratch []byte
}

// peek skips whitespace and returns the next byte, or 0 at the end or once
// the reader is bad (0 matches no token, so whatever expected one fails).
func (r *colReader) peek() byte {
	if r.bad {
		return 0
	}
	for ; r.pos < len(r.data); r.pos++ {
		// Most calls find a token at once, in compact JSON all of them.
		if c := r.data[r.pos]; c > ' ' || c != ' ' && c != '\t' && c != '\n' && c != '\r' {
			return c
		}
	}
	return 0
}

// end reports whether the document was read without surprise to its end.
func (r *colReader) end() bool {
	return r.peek() == 0 && r.pos == len(r.data) && !r.bad
}

// beginList starts a list document and reports whether it is an array,
// rather than null or one of the empty documents.
func (r *colReader) beginList() bool {
	if isEmptyColumn(r.data) {
		r.pos = len(r.data)
		return false
	}
	return r.begin('[')
}

// begin consumes the opening bracket of an array or object, or a null, for
// which it reports false.
func (r *colReader) begin(open byte) bool {
	if r.null() {
		return false
	}
	if r.peek() != open {
		r.bad = true
		return false
	}
	r.pos++
	r.first = true
	return true
}

// next reports whether another element or member follows in the array or
// object being read, consuming the comma before it, or else the closing
// bracket.
func (r *colReader) next(closing byte) bool {
	first := r.first
	r.first = false
	switch c := r.peek(); {
	case c == closing:
		r.pos++
		return false
	case first && !r.bad:
		return true
	case c == ',':
		r.pos++
		return true
	}
	r.bad = true
	return false
}

// key reads a member's name and the colon after it. The result is valid
// until the next string is read.
func (r *colReader) key() []byte {
	start, end, plain := r.scanString()
	if r.peek() != ':' {
		r.bad = true
		return nil
	}
	r.pos++
	if plain {
		return r.data[start:end]
	}
	return r.unquote(r.data[start:end])
}

// ignore skips the value of a key the shape does not know, as encoding/json
// does. But encoding/json also matches names case-insensitively, with Unicode
// folding ("ſ" matches "s"), so a key that differs from one of known only in
// case, or that is not ASCII, is left to it.
func (r *colReader) ignore(key []byte, known []string) {
	if r.bad {
		return
	}
	for _, c := range key {
		if c >= utf8.RuneSelf {
			r.bad = true
			return
		}
	}
	for _, k := range known {
		if equalFoldASCII(key, k) {
			r.bad = true
			return
		}
	}
	r.skip(1)
}

func equalFoldASCII(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		d := s[i]
		if 'A' <= d && d <= 'Z' {
			d += 'a' - 'A'
		}
		if c != d {
			return false
		}
	}
	return true
}

// skip moves past any JSON value, checking it as strictly as encoding/json
// does; depth is the nesting of the value in the document.
func (r *colReader) skip(depth int) {
	if depth > maxSkipDepth {
		r.bad = true
		return
	}
	switch c := r.peek(); {
	case c == '{':
		r.begin('{')
		for r.next('}') {
			r.key()
			r.skip(depth + 1)
		}
	case c == '[':
		r.begin('[')
		for r.next(']') {
			r.skip(depth + 1)
		}
	case c == '"':
		r.scanString()
	case c == 't':
		r.literal("true")
	case c == 'f':
		r.literal("false")
	case c == 'n':
		r.literal("null")
	case c == '-' || '0' <= c && c <= '9':
		r.number()
	default:
		r.bad = true
	}
}

// null consumes a null and reports whether there was one.
func (r *colReader) null() bool {
	if r.peek() != 'n' {
		return false
	}
	r.literal("null")
	return !r.bad
}

func (r *colReader) literal(word string) {
	if len(r.data)-r.pos < len(word) || string(r.data[r.pos:r.pos+len(word)]) != word {
		r.bad = true
		return
	}
	r.pos += len(word)
}

// number moves past a number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (r *colReader) number() {
	if r.peek() == '-' {
		r.pos++
	}
	switch {
	case r.pos < len(r.data) && r.data[r.pos] == '0':
		r.pos++
	case r.digits() == 0:
		r.bad = true
		return
	}
	if r.pos < len(r.data) && r.data[r.pos] == '.' {
		r.pos++
		if r.digits() == 0 {
			r.bad = true
			return
		}
	}
	if r.pos < len(r.data) && (r.data[r.pos] == 'e' || r.data[r.pos] == 'E') {
		r.pos++
		if r.pos < len(r.data) && (r.data[r.pos] == '+' || r.data[r.pos] == '-') {
			r.pos++
		}
		if r.digits() == 0 {
			r.bad = true
		}
	}
}

// digits moves past a run of decimal digits and returns its length.
func (r *colReader) digits() int {
	start := r.pos
	for r.pos < len(r.data) && '0' <= r.data[r.pos] && r.data[r.pos] <= '9' {
		r.pos++
	}
	return r.pos - start
}

// int reads an integer into dst; a null leaves dst as it was. Fractions,
// exponents and values out of the range of int64 are left to encoding/json,
// which rejects them.
func (r *colReader) int(dst *int64) {
	if r.null() {
		return
	}
	c := r.peek()
	if c != '-' && (c < '0' || c > '9') {
		r.bad = true
		return
	}
	neg := c == '-'
	if neg {
		r.pos++
	}
	start := r.pos
	if r.pos < len(r.data) && r.data[r.pos] == '0' {
		r.pos++
	} else {
		r.digits()
	}
	n := r.pos - start
	if n == 0 || n > 19 || r.pos < len(r.data) && (r.data[r.pos] == '.' || r.data[r.pos] == 'e' || r.data[r.pos] == 'E') {
		r.bad = true
		return
	}
	var u uint64 // 19 digits fit
	for _, c := range r.data[start:r.pos] {
		u = u*10 + uint64(c-'0')
	}
	switch {
	case !neg && u <= 1<<63-1:
		*dst = int64(u)
	case neg && u <= 1<<63:
		*dst = -int64(u) // wraps to the minimum for 1<<63, as it should
	default:
		r.bad = true
	}
}

// str reads a string into dst; a null leaves dst as it was.
func (r *colReader) str(dst *string) {
	if r.null() {
		return
	}
	start, end, plain := r.scanString()
	switch {
	case r.bad:
	case start == end:
		*dst = ""
	case plain:
		if r.text == "" {
			r.text = string(r.data)
		}
		*dst = r.text[start:end]
	default:
		*dst = string(r.unquote(r.data[start:end]))
	}
}

// timestamp reads an RFC 3339 time with time.Time.UnmarshalJSON, which is what
// encoding/json calls, on the same bytes (quotes and any escapes included:
// it does not unescape); a null sets dst to nil.
func (r *colReader) timestamp(dst **time.Time) {
	if r.null() {
		*dst = nil
		return
	}
	start, end, _ := r.scanString()
	if r.bad {
		return
	}
	t := *dst
	if t == nil {
		t = new(time.Time)
	}
	if err := t.UnmarshalJSON(r.data[start-1 : end+1]); err != nil {
		r.bad = true
		return
	}
	*dst = t
}

// scanString moves past a string, checking it as encoding/json's scanner
// does, and returns the bounds of its contents. They are plain when they can
// be used as they are: no escapes and valid UTF-8 (encoding/json replaces
// invalid bytes with U+FFFD).
func (r *colReader) scanString() (start, end int, plain bool) {
	if r.peek() != '"' {
		r.bad = true
		return 0, 0, false
	}
	// Locals rather than r's fields keep this hot loop in registers.
	data := r.data
	start = r.pos + 1
	escaped := false
	var bits byte // the bytes ORed: ≥ 0x80 when any is not ASCII
	for i := start; i < len(data); i++ {
		c := data[i]
		bits |= c
		if !stringStop[c] {
			continue
		}
		switch {
		case c == '"':
			r.pos = i + 1
			plain = !escaped && (bits < utf8.RuneSelf || utf8.Valid(data[start:i]))
			return start, i, plain
		case c == '\\':
			escaped = true
			i++
			if i == len(data) {
				break
			}
			switch data[i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if i+4 >= len(data) || hex4(data[i+1:i+5]) < 0 {
					r.bad = true
					return 0, 0, false
				}
				i += 4
			default:
				r.bad = true
				return 0, 0, false
			}
		case c < ' ':
			r.bad = true
			return 0, 0, false
		}
	}
	r.bad = true // unterminated
	return 0, 0, false
}

// stringStop marks the bytes that scanString must look at more closely: the
// end of the string, escapes, and control characters, which JSON forbids
// there.
var stringStop = func() (stop [256]bool) {
	for c := range ' ' {
		stop[c] = true
	}
	stop['"'], stop['\\'] = true, true
	return stop
}()

// unquote decodes the contents of a string that scanString found valid but
// not plain, into scratch, the way encoding/json does: an unpaired surrogate
// escape and each invalid byte become U+FFFD.
func (r *colReader) unquote(s []byte) []byte {
	b := r.scratch[:0]
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '\\' && s[i+1] == 'u':
			rr := hex4(s[i+2 : i+6])
			i += 6
			if utf16.IsSurrogate(rr) {
				rr1 := rune(-1)
				if i+6 <= len(s) && s[i] == '\\' && s[i+1] == 'u' {
					rr1 = hex4(s[i+2 : i+6])
				}
				if dec := utf16.DecodeRune(rr, rr1); dec != unicode.ReplacementChar {
					rr = dec
					i += 6
				} else {
					rr = unicode.ReplacementChar
				}
			}
			b = utf8.AppendRune(b, rr)
		case c == '\\':
			b = append(b, unescape(s[i+1]))
			i += 2
		case c < utf8.RuneSelf:
			b = append(b, c)
			i++
		default:
			rr, n := utf8.DecodeRune(s[i:])
			b = utf8.AppendRune(b, rr)
			i += n
		}
	}
	r.scratch = b
	return b
}

// unescape returns the byte a one-letter escape stands for.
func unescape(c byte) byte {
	switch c {
	case 'b':
		return '\b'
	case 'f':
		return '\f'
	case 'n':
		return '\n'
	case 'r':
		return '\r'
	case 't':
		return '\t'
	}
	return c // " \ /
}

// hex4 decodes four hexadecimal digits, or returns -1.
func hex4(s []byte) rune {
	var r rune
	for _, c := range s[:4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		case 'A' <= c && c <= 'F':
			c -= 'A' - 10
		default:
			return -1
		}
		r = r<<4 | rune(c)
	}
	return r
}
