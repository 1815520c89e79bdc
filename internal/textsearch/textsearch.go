// Package textsearch turns names, emails, phone numbers and company names into
// the tokens of Guanxi's search index, and a user's query into the terms that
// look them up. Both stores index these same tokens (SQLite in an FTS5 table
// with the verbatim "ascii" tokenizer, PostgreSQL in a tsvector built with
// array_to_tsvector), so search behaves the same on both.
//
// Why not FTS5 trigram or pg_trgm alone: a trigram index cannot answer a one-
// or two-character query, and Chinese names are two or three characters long,
// so 「小李」 must find 王小李. Text with no spaces between words (Han, kana,
// Hangul) is therefore indexed as every single character and every pair of
// adjacent characters; a longer query becomes all of its pairs, and the
// candidates are then checked for the whole substring. Other text is split
// into words, which match by prefix.
package textsearch

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// maxTokenRunes bounds a token; longer words are cut, which keeps index
// entries small and their prefixes still findable.
const maxTokenRunes = 40

// MaxTerms bounds how many terms a query looks up.
const MaxTerms = 12

// Normalize folds text for matching: compatibility forms (full-width letters
// and digits) to their plain forms, Latin accents removed, lower case.
func Normalize(s string) string {
	if isASCII(s) {
		return strings.ToLower(s)
	}
	s = norm.NFKD.String(s)
	s = strings.Map(func(r rune) rune {
		if r >= 0x300 && r <= 0x36f { // combining diacritical marks: é → e
			return -1
		}
		return unicode.ToLower(r)
	}, s)
	return norm.NFC.String(s)
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// unspaced reports whether r belongs to a script written without spaces
// between words.
func unspaced(r rune) bool {
	return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul, unicode.Bopomofo)
}

func wordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Mc, r)
}

// segment calls word for each run of word characters in normalised text,
// and run for each run of unspaced-script characters.
func segment(s string, word func(string), run func([]rune)) {
	var cjk []rune
	start := -1
	flushWord := func(end int) {
		if start >= 0 {
			word(s[start:end])
			start = -1
		}
	}
	flushRun := func() {
		if len(cjk) > 0 {
			run(cjk)
			cjk = cjk[:0]
		}
	}
	for i, r := range s {
		switch {
		case unspaced(r):
			flushWord(i)
			cjk = append(cjk, r)
		case wordRune(r):
			flushRun()
			if start < 0 {
				start = i
			}
		default:
			flushWord(i)
			flushRun()
		}
	}
	flushWord(len(s))
	flushRun()
}

func clip(w string) string {
	if utf8.RuneCountInString(w) <= maxTokenRunes {
		return w
	}
	n := 0
	for i := range w {
		if n == maxTokenRunes {
			return w[:i]
		}
		n++
	}
	return w
}

// Document collects the tokens and the normalised text of one record, in
// two parts: Basic holds what anyone signed in may find the record by (the
// fields of its basic card: names, companies), Private what only those who
// may read the whole record may find it by (emails, phone numbers). A search
// by someone who may read the record matches either part; by anyone else,
// only Basic, so that a search cannot tell them a hidden field's value.
type Document struct {
	Basic, Private Part
}

// Part is one part of a Document.
type Part struct {
	seen   map[string]struct{}
	tokens []string
	text   strings.Builder
}

func (p *Part) add(tok string) {
	if p.seen == nil {
		p.seen = make(map[string]struct{})
	}
	if _, ok := p.seen[tok]; ok {
		return
	}
	p.seen[tok] = struct{}{}
	p.tokens = append(p.tokens, tok)
}

// AddText indexes free text: a name, an email address, a company name.
func (p *Part) AddText(s string) {
	if strings.TrimSpace(s) == "" {
		return
	}
	n := Normalize(s)
	if p.text.Len() > 0 {
		p.text.WriteByte('\n')
	}
	p.text.WriteString(n)
	segment(n, func(w string) { p.add(clip(w)) }, func(r []rune) {
		for i := range r {
			p.add(string(r[i]))
			if i+1 < len(r) {
				p.add(string(r[i : i+2]))
			}
		}
	})
}

// AddDigits indexes digit strings as they are, such as the forms of a phone
// number that a person might type.
func (p *Part) AddDigits(forms ...string) {
	for _, f := range forms {
		if f != "" {
			p.add(clip(f))
		}
	}
}

// Trashed marks the entry of a record in the trash. Searches of live records
// exclude it and searches of the trash require it, so that neither needs to
// read the records to tell. No text yields it: segment drops symbols such as
// U+2421, which the stores' tokenizers keep as part of a token. Markers go
// into the Basic part, which every search reads.
const Trashed = "\u2421trashed"

// AddMarker adds a marker token such as Trashed.
func (p *Part) AddMarker(m string) { p.add(m) }

// Tokens returns the distinct tokens separated by single spaces.
func (p *Part) Tokens() string { return strings.Join(p.tokens, " ") }

// Text returns the normalised text, fields separated by newlines, against
// which query substrings are checked.
func (p *Part) Text() string { return p.text.String() }

// Term is one lookup in the index.
type Term struct {
	Text   string
	Prefix bool // match tokens that start with Text
}

// Query is a parsed search: every term must match, and the record's text
// must contain every string of Contains. Require and Exclude name marker
// tokens the entry must have or must not have.
type Query struct {
	Terms    []Term
	Contains []string
	Require  []string
	Exclude  []string
}

// Empty reports whether the query looks nothing up (it had no letters or
// digits).
func (q Query) Empty() bool { return len(q.Terms) == 0 }

// ParseQuery turns what a user typed into index terms. A query of digits and
// phone punctuation ("+886 912-345") is one digit prefix; otherwise words
// match by prefix, and runs of Chinese (or other unspaced) characters match
// as substrings.
func ParseQuery(raw string) Query {
	n := Normalize(strings.TrimSpace(raw))
	var q Query
	if digits, ok := phoneDigits(n); ok {
		q.Terms = []Term{{Text: clip(digits), Prefix: true}}
		return q
	}
	addTerm := func(t Term) {
		if len(q.Terms) < MaxTerms && !slices.Contains(q.Terms, t) {
			q.Terms = append(q.Terms, t)
		}
	}
	segment(n, func(w string) { addTerm(Term{Text: clip(w), Prefix: true}) }, func(r []rune) {
		if len(r) == 1 {
			addTerm(Term{Text: string(r)})
			return
		}
		for i := 0; i+1 < len(r); i++ {
			addTerm(Term{Text: string(r[i : i+2])})
		}
		if len(r) > 2 {
			q.Contains = append(q.Contains, string(r))
		}
	})
	return q
}

// phoneDigits recognises a query that is a phone number being typed.
func phoneDigits(s string) (string, bool) {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case strings.ContainsRune("+-() .", r):
		default:
			return "", false
		}
	}
	if b.Len() < 3 {
		return "", false
	}
	return b.String(), true
}

// FTS5Match renders the query in SQLite FTS5 syntax: every term quoted, "*"
// for prefixes, implicit AND; excluded markers after NOT.
func (q Query) FTS5Match() string {
	var b strings.Builder
	quote := func(s string) {
		b.WriteByte('"')
		b.WriteString(strings.ReplaceAll(s, `"`, `""`))
		b.WriteByte('"')
	}
	b.WriteByte('(')
	for i, t := range q.Terms {
		if i > 0 {
			b.WriteByte(' ')
		}
		quote(t.Text)
		if t.Prefix {
			b.WriteByte('*')
		}
	}
	for _, m := range q.Require {
		b.WriteByte(' ')
		quote(m)
	}
	b.WriteByte(')')
	for _, m := range q.Exclude {
		b.WriteString(" NOT ")
		quote(m)
	}
	return b.String()
}

// TSQuery renders the query as PostgreSQL tsquery input: every lexeme quoted
// verbatim, ":*" for prefixes, joined with "&"; excluded markers with "!".
func (q Query) TSQuery() string {
	var b strings.Builder
	lexeme := func(s string) {
		b.WriteByte('\'')
		b.WriteString(strings.NewReplacer(`'`, `''`, `\`, `\\`).Replace(s))
		b.WriteByte('\'')
	}
	for i, t := range q.Terms {
		if i > 0 {
			b.WriteString(" & ")
		}
		lexeme(t.Text)
		if t.Prefix {
			b.WriteString(":*")
		}
	}
	for _, m := range q.Require {
		b.WriteString(" & ")
		lexeme(m)
	}
	for _, m := range q.Exclude {
		b.WriteString(" & !")
		lexeme(m)
	}
	return b.String()
}
