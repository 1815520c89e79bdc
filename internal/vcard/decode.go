package vcard

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	xunicode "golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// A CardError is a card that could not be read. The cards before and after
// it are not affected.
type CardError struct {
	Line  int // 1-based line of the file where the problem is
	Begin int // line of the card's BEGIN:VCARD; 0 for text outside a card
	Err   error
}

func (e *CardError) Error() string { return fmt.Sprintf("vcard: line %d: %v", e.Line, e.Err) }
func (e *CardError) Unwrap() error { return e.Err }

// Parse reads every card of r. It returns the cards it could read, and,
// when some could not be read, an error that joins (errors.Join) a
// *CardError for each bad card, so that the caller can import the good
// cards and list the bad ones. A read error ends the parse; it is joined
// last.
func Parse(r io.Reader) ([]Card, error) {
	d := NewDecoder(r)
	var cards []Card
	var errs []error
	for {
		c, err := d.Next()
		var cardErr *CardError
		switch {
		case errors.Is(err, io.EOF):
			return cards, errors.Join(errs...)
		case errors.As(err, &cardErr):
			errs = append(errs, err)
		case err != nil:
			return cards, errors.Join(append(errs, err)...)
		default:
			cards = append(cards, *c)
		}
	}
}

// A Decoder reads cards one at a time.
type Decoder struct {
	r       *bufio.Reader
	started bool // the start of the input has been checked for a BOM
	line    int  // physical lines read
	begin   int  // line of the BEGIN of the card Next read last
	err     error

	// One physical line of look-ahead, to find folded continuations.
	peeked   bool
	peekText string
	peekLine int

	// One logical line pushed back, when a line turned out to belong to
	// the next card.
	unread     bool
	unreadText string
	unreadLine int
}

// NewDecoder returns a Decoder that reads from r.
func NewDecoder(r io.Reader) *Decoder {
	return &Decoder{r: bufio.NewReader(r)}
}

// Next returns the next card, or io.EOF after the last. A card that cannot
// be read gives a *CardError; the next call goes on with the card after it.
// Any other error is a read error and final.
func (d *Decoder) Next() (*Card, error) {
	if err := d.start(); err != nil {
		return nil, err
	}
	for {
		text, line, err := d.readLogical()
		if err != nil {
			return nil, err
		}
		if strings.TrimSpace(text) == "" {
			continue
		}
		switch delimiter(text) {
		case "BEGIN":
			d.begin = line
			return d.readCard(line)
		case "END":
			return nil, &CardError{Line: line, Err: errors.New("END:VCARD without BEGIN:VCARD")}
		}
		// Skip to the next card, and report the first stray line.
		for {
			next, nextLine, err := d.readLogical()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return nil, err
			}
			if delimiter(next) == "BEGIN" {
				d.pushBack(next, nextLine)
				break
			}
		}
		return nil, &CardError{Line: line, Err: fmt.Errorf("expected BEGIN:VCARD, found %q", clip(text))}
	}
}

// Line is the line on which the card Next returned last begins.
func (d *Decoder) Line() int { return d.begin }

// start skips a UTF-8 byte order mark, and decodes UTF-16 (which some
// Windows programs write) when a byte order mark announces it.
func (d *Decoder) start() error {
	if d.started {
		return nil
	}
	d.started = true
	head, err := d.r.Peek(3)
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("vcard: %w", err)
	}
	switch {
	case bytes.HasPrefix(head, []byte("\xEF\xBB\xBF")):
		d.r.Discard(3)
	case bytes.HasPrefix(head, []byte("\xFF\xFE")), bytes.HasPrefix(head, []byte("\xFE\xFF")):
		dec := xunicode.UTF16(xunicode.LittleEndian, xunicode.ExpectBOM).NewDecoder()
		d.r = bufio.NewReader(transform.NewReader(d.r, dec))
	}
	return nil
}

// delimiter returns "BEGIN" or "END" when the line is BEGIN:VCARD or
// END:VCARD, in any case and with any group.
func delimiter(text string) string {
	name, value, ok := strings.Cut(text, ":")
	if !ok || !strings.EqualFold(strings.TrimSpace(value), "VCARD") {
		return ""
	}
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		name = name[i+1:]
	}
	name = strings.ToUpper(strings.TrimSpace(name))
	if name == "BEGIN" || name == "END" {
		return name
	}
	return ""
}

// readCard reads the properties of a card up to its END:VCARD. A problem
// with a property spoils the card, but the rest of it is still read, so
// that the next call starts at the next card.
func (d *Decoder) readCard(begin int) (*Card, error) {
	c := &Card{}
	var problem *CardError
	fail := func(line int, err error) {
		if problem == nil {
			problem = &CardError{Line: line, Begin: begin, Err: err}
		}
	}
	afterBinary := false
	for {
		text, line, err := d.readLogical()
		if errors.Is(err, io.EOF) {
			return nil, &CardError{Line: begin, Begin: begin, Err: errors.New("BEGIN:VCARD without END:VCARD")}
		}
		if err != nil {
			return nil, err
		}
		if strings.TrimSpace(text) == "" {
			continue
		}
		// vCard 2.1 lets base64 data run on over lines that are not
		// indented, up to a blank line.
		if afterBinary && !strings.Contains(text, ":") {
			continue
		}
		afterBinary = false
		switch delimiter(text) {
		case "BEGIN":
			d.pushBack(text, line)
			return nil, &CardError{Line: line, Begin: begin,
				Err: fmt.Errorf("BEGIN:VCARD inside the card that begins at line %d (is its END:VCARD missing?)", begin)}
		case "END":
			if problem != nil {
				return nil, problem
			}
			if c.FormattedName == "" {
				c.FormattedName = DisplayName(c)
			}
			return c, nil
		}
		p, err := parseProperty(text)
		if err != nil {
			fail(line, err)
			continue
		}
		if p.encoding == "QUOTED-PRINTABLE" {
			d.joinSoftLineBreaks(&p)
		}
		if p.binary() {
			afterBinary = true
			continue
		}
		if err := c.apply(p); err != nil {
			fail(line, err)
		}
	}
}

// joinSoftLineBreaks appends to a quoted-printable value the lines that its
// soft line breaks (a '=' at the end of a line) continue onto.
func (d *Decoder) joinSoftLineBreaks(p *property) {
	for strings.HasSuffix(p.value, "=") {
		next, line, err := d.readLogical()
		if err != nil {
			return // the error comes back on the next read
		}
		// A stray '=' before the end of the card or a blank line is not a
		// soft line break.
		if delimiter(next) != "" || strings.TrimSpace(next) == "" {
			d.pushBack(next, line)
			return
		}
		p.value = p.value[:len(p.value)-1] + next
	}
}

func (d *Decoder) pushBack(text string, line int) {
	d.unread, d.unreadText, d.unreadLine = true, text, line
}

// readLogical returns the next logical line, unfolded (a line break
// followed by a space or a tab continues the line), with the number of its
// first physical line.
func (d *Decoder) readLogical() (string, int, error) {
	if d.unread {
		d.unread = false
		return d.unreadText, d.unreadLine, nil
	}
	first, line, err := d.readPhysical()
	if err != nil {
		return "", 0, err
	}
	var b *strings.Builder
	for {
		next, nextLine, err := d.readPhysical()
		if err != nil {
			break // the error comes back on the next read
		}
		if next == "" || next[0] != ' ' && next[0] != '\t' {
			d.peeked, d.peekText, d.peekLine = true, next, nextLine
			break
		}
		if b == nil {
			b = &strings.Builder{}
			b.WriteString(first)
		}
		b.WriteString(next[1:])
	}
	if b != nil {
		return b.String(), line, nil
	}
	return first, line, nil
}

// readPhysical returns the next line without its line end (LF or CRLF).
func (d *Decoder) readPhysical() (string, int, error) {
	if d.peeked {
		d.peeked = false
		return d.peekText, d.peekLine, nil
	}
	if d.err != nil {
		return "", 0, d.err
	}
	s, err := d.r.ReadString('\n')
	if err != nil {
		if errors.Is(err, io.EOF) {
			d.err = io.EOF
		} else {
			d.err = fmt.Errorf("vcard: %w", err)
		}
		if s == "" {
			return "", 0, d.err
		}
	}
	d.line++
	s = strings.TrimSuffix(s, "\n")
	s = strings.TrimSuffix(s, "\r")
	return s, d.line, nil
}

// clip shortens a line for an error message.
func clip(s string) string {
	const max = 40
	if len(s) <= max {
		return s
	}
	i := max
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i] + "…"
}

// A property is one content line: [group.]name;params:value.
type property struct {
	name     string              // upper case, without the group
	params   map[string][]string // by upper-case name: values unquoted, split at commas, ^-decoded (RFC 6868)
	types    []string            // TYPE values and vCard 2.1's bare parameters, lower case, without duplicates
	encoding string              // upper case: QUOTED-PRINTABLE, B, BASE64…
	value    string              // as written, not yet decoded or unescaped
}

func (p property) binary() bool {
	switch p.name {
	case "PHOTO", "LOGO", "SOUND":
		return true
	}
	return p.encoding == "B" || p.encoding == "BASE64" ||
		len(p.value) >= 5 && strings.EqualFold(p.value[:5], "data:")
}

func (p property) param(name string) string {
	if v := p.params[name]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// parseProperty splits a content line into its parts.
func parseProperty(text string) (property, error) {
	colon := -1
	inQuotes := false
	for i := 0; i < len(text) && colon < 0; i++ {
		switch text[i] {
		case '"':
			inQuotes = !inQuotes
		case ':':
			if !inQuotes {
				colon = i
			}
		}
	}
	if colon < 0 {
		return property{}, fmt.Errorf("no ':' in %q", clip(text))
	}
	head, value := text[:colon], text[colon+1:]
	if !utf8.ValidString(head) {
		return property{}, errors.New("the property name or its parameters are not valid UTF-8")
	}
	parts := splitOutsideQuotes(head, ';')
	name := strings.TrimSpace(parts[0])
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		if !isName(name[:i], true) {
			return property{}, fmt.Errorf("invalid group in %q", clip(name))
		}
		name = name[i+1:]
	}
	if !isName(name, false) {
		return property{}, fmt.Errorf("invalid property name %q", clip(name))
	}
	p := property{name: strings.ToUpper(name), value: value}
	for _, param := range parts[1:] {
		pname, pvalue, hasValue := strings.Cut(param, "=")
		pname = strings.ToUpper(strings.TrimSpace(pname))
		if !hasValue {
			// vCard 2.1: TEL;CELL;PREF, ADR;WORK;QUOTED-PRINTABLE.
			switch pname {
			case "QUOTED-PRINTABLE", "BASE64", "B", "8BIT", "7BIT":
				p.encoding = pname
				continue
			}
			pname, pvalue = "TYPE", param
		}
		var values []string
		for _, v := range strings.Split(strings.ReplaceAll(pvalue, `"`, ""), ",") {
			values = append(values, strings.TrimSpace(decodeCaret(v)))
		}
		switch pname {
		case "TYPE":
			for _, v := range values {
				p.addType(v)
			}
		case "ENCODING":
			p.encoding = strings.ToUpper(values[0])
		default:
			if p.params == nil {
				p.params = map[string][]string{}
			}
			p.params[pname] = append(p.params[pname], values...)
		}
	}
	return p, nil
}

// addType adds a TYPE value in lower case, without control characters.
func (p *property) addType(t string) {
	t = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, t)
	t = strings.TrimSpace(strings.ToLower(t))
	if t != "" && !slices.Contains(p.types, t) {
		p.types = append(p.types, t)
	}
}

// isName reports whether s is a property name (letters, digits, '-' and,
// as some programs write, '_') or, with dots, a group.
func isName(s string, group bool) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '-', c == '_':
		case c == '.' && group:
		default:
			return false
		}
	}
	return true
}

// splitOutsideQuotes splits s at each sep that is not between double quotes.
func splitOutsideQuotes(s string, sep byte) []string {
	var parts []string
	inQuotes := false
	start := 0
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '"':
			inQuotes = !inQuotes
		case s[i] == sep && !inQuotes:
			parts = append(parts, s[start:i])
			start = i + 1
		}
	}
	return append(parts, s[start:])
}

// decodeCaret undoes RFC 6868's escaping of parameter values: ^n is a line
// break, ^' a double quote, ^^ a caret.
func decodeCaret(s string) string {
	if !strings.Contains(s, "^") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '^' && i+1 < len(s) {
			switch s[i+1] {
			case 'n', 'N':
				b.WriteByte('\n')
				i++
				continue
			case '\'':
				b.WriteByte('"')
				i++
				continue
			case '^':
				b.WriteByte('^')
				i++
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// text returns the value of p as Unicode text, still escaped: decoded from
// quoted-printable and from its CHARSET.
func (p property) text() (string, error) {
	raw := p.value
	if p.encoding == "QUOTED-PRINTABLE" {
		raw = decodeQuotedPrintable(raw)
	}
	charset := p.param("CHARSET")
	s, err := decodeCharset(charset, raw)
	if err != nil {
		return "", err
	}
	if !utf8.ValidString(s) {
		if charset == "" {
			return "", fmt.Errorf("%s is not valid UTF-8 (the card gives no CHARSET)", p.name)
		}
		return "", fmt.Errorf("%s is not valid UTF-8", p.name)
	}
	return s, nil
}

// decodeQuotedPrintable decodes =XX escapes; soft line breaks are already
// joined. It is lenient, as the writers of vCard 2.1 were: an '=' that does
// not start an escape is kept, and one at the very end is dropped.
func decodeQuotedPrintable(s string) string {
	if !strings.Contains(s, "=") {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '=' {
			if i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
				b = append(b, unhex(s[i+1])<<4|unhex(s[i+2]))
				i += 2
				continue
			}
			if i == len(s)-1 {
				break
			}
		}
		b = append(b, s[i])
	}
	return string(b)
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	}
	return c - 'a' + 10
}

// unescape undoes the escapes of a text value: \\ \, \; \: and \n or \N
// for a line break. Other backslashes are kept, as vCard 2.1 values (a
// Windows path in a note) have them.
func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			switch c := s[i+1]; c {
			case '\\', ',', ';', ':':
				b.WriteByte(c)
				i++
				continue
			case 'n', 'N':
				b.WriteByte('\n')
				i++
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// splitEscaped splits an escaped value at each sep that no backslash
// escapes, and unescapes the parts.
func splitEscaped(s string, sep byte) []string {
	var parts []string
	start := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case sep:
			parts = append(parts, s[start:i])
			start = i + 1
		}
	}
	parts = append(parts, s[start:])
	for i, part := range parts {
		parts[i] = clean(part)
	}
	return parts
}

// clean unescapes a text value, makes its line breaks "\n" and trims it.
func clean(s string) string {
	s = unescape(s)
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	return strings.TrimSpace(s)
}

// components splits a structured value (N, ADR, ORG, GENDER) into exactly
// n components; components past the nth are joined to the last, so that
// nothing is lost.
func components(s string, n int) []string {
	parts := splitEscaped(s, ';')
	for len(parts) < n {
		parts = append(parts, "")
	}
	if len(parts) > n {
		parts[n-1] = joinNonEmpty(parts[n-1:], ", ")
		parts = parts[:n]
	}
	return parts
}

func joinNonEmpty(parts []string, sep string) string {
	var kept []string
	for _, p := range parts {
		if p != "" {
			kept = append(kept, p)
		}
	}
	return strings.Join(kept, sep)
}

// apply stores a property in the card.
func (c *Card) apply(p property) error {
	value, err := p.text()
	if err != nil {
		return err
	}
	// single sets a single-valued field, or keeps a second value in Extra.
	single := func(field *string, v string) {
		switch {
		case v == "":
		case *field == "":
			*field = v
		default:
			c.addExtra(p.name, clean(value))
		}
	}
	switch p.name {
	case "VERSION":
		if c.Version == "" {
			c.Version = clean(value)
		}
	case "FN":
		single(&c.FormattedName, clean(value))
	case "N":
		n := components(value, 5)
		switch {
		case joinNonEmpty(n, "") == "":
		case c.FamilyName+c.GivenName+c.AdditionalNames+c.Prefix+c.Suffix == "":
			c.FamilyName, c.GivenName, c.AdditionalNames, c.Prefix, c.Suffix = n[0], n[1], n[2], n[3], n[4]
		default:
			c.addExtra(p.name, clean(value))
		}
	case "NICKNAME":
		single(&c.Nickname, clean(value))
	case "EMAIL":
		if addr := clean(value); addr != "" {
			types, pref := p.typesAndPref("internet")
			c.Emails = append(c.Emails, Email{Address: addr, Types: types, Pref: pref})
		}
	case "TEL":
		if number := phoneNumber(clean(value)); number != "" {
			types, pref := p.typesAndPref()
			c.Phones = append(c.Phones, Phone{Number: number, Types: types, Pref: pref})
		}
	case "ADR":
		a := components(value, 7)
		if joinNonEmpty(a, "") != "" {
			types, pref := p.typesAndPref()
			c.Addresses = append(c.Addresses, Address{
				Types: types, Pref: pref,
				POBox: a[0], Extended: a[1], Street: a[2], Locality: a[3], Region: a[4], PostalCode: a[5], Country: a[6],
			})
		}
	case "ORG":
		parts := splitEscaped(value, ';')
		org, unit := parts[0], joinNonEmpty(parts[1:], ", ")
		switch {
		case org == "" && unit == "":
		case c.Org == "" && c.OrgUnit == "":
			c.Org, c.OrgUnit = org, unit
		default:
			c.addExtra(p.name, clean(value))
		}
	case "TITLE":
		single(&c.Title, clean(value))
	case "ROLE":
		single(&c.Role, clean(value))
	case "BDAY", "ANNIVERSARY":
		field := &c.Birthday
		if p.name == "ANNIVERSARY" {
			field = &c.Anniversary
		}
		single(field, normalizeDate(clean(value), p.param("X-APPLE-OMIT-YEAR")))
	case "GENDER":
		g := components(value, 2)
		sex := g[0]
		if len(sex) == 1 && strings.ContainsAny(strings.ToUpper(sex), "MFONU") {
			sex = strings.ToUpper(sex)
		}
		switch {
		case sex == "" && g[1] == "":
		case c.Gender == "" && c.GenderIdentity == "":
			c.Gender, c.GenderIdentity = sex, g[1]
		default:
			c.addExtra(p.name, clean(value))
		}
	case "NOTE":
		single(&c.Note, clean(value))
	case "CATEGORIES":
		for _, cat := range splitEscaped(value, ',') {
			if cat != "" {
				c.Categories = append(c.Categories, cat)
			}
		}
	case "URL":
		if u := clean(value); u != "" {
			c.URL = append(c.URL, u)
		}
	case "LANG":
		single(&c.Lang, clean(value))
	case "REV":
		single(&c.Rev, clean(value))
	case "UID":
		single(&c.UID, clean(value))
	case "BEGIN", "END":
		return fmt.Errorf("%s:%s inside a card", p.name, clip(value))
	default:
		if v := clean(value); v != "" {
			c.addExtra(p.name, v)
		}
	}
	return nil
}

func (c *Card) addExtra(name, value string) {
	if value == "" {
		return
	}
	if c.Extra == nil {
		c.Extra = map[string][]string{}
	}
	c.Extra[name] = append(c.Extra[name], value)
}

// typesAndPref returns the TYPE values of p without "pref" and the noise
// types given, and whether the entry is the preferred one: TYPE=pref (3.0),
// a bare PREF (2.1) or PREF=1 (4.0).
func (p property) typesAndPref(noise ...string) ([]string, bool) {
	var types []string
	pref := p.param("PREF") == "1"
	for _, t := range p.types {
		switch {
		case t == "pref":
			pref = true
		case slices.Contains(noise, t):
		default:
			types = append(types, t)
		}
	}
	return types, pref
}

// phoneNumber takes the number out of a tel: URI (vCard 4.0).
func phoneNumber(s string) string {
	for len(s) >= 4 && strings.EqualFold(s[:4], "tel:") {
		s = strings.TrimSpace(s[4:])
	}
	return s
}
