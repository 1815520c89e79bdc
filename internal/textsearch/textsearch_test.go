package textsearch

import (
	"slices"
	"strings"
	"testing"
)

func TestNormalize(t *testing.T) {
	tests := []struct{ in, want string }{
		{"John SMITH", "john smith"},
		{"José Müller", "jose muller"},
		{"ＡＢＣ１２３", "abc123"},
		{"王小李", "王小李"},
		{"ÉCOLE", "ecole"},
	}
	for _, tt := range tests {
		if got := Normalize(tt.in); got != tt.want {
			t.Errorf("Normalize(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestDocumentTokens(t *testing.T) {
	var d Part
	d.AddText("王小李")
	d.AddText("Alice.Wang@Example.com")
	d.AddText("台積電 TSMC")
	d.AddDigits("886912345678", "912345678")
	got := strings.Fields(d.Tokens())
	want := []string{"王", "王小", "小", "小李", "李", "alice", "wang", "example", "com", "台", "台積", "積", "積電", "電", "tsmc", "886912345678", "912345678"}
	if !slices.Equal(got, want) {
		t.Errorf("tokens = %q\nwant     %q", got, want)
	}
	if !strings.Contains(d.Text(), "王小李") || !strings.Contains(d.Text(), "alice.wang@example.com") {
		t.Errorf("text %q lacks the normalised fields", d.Text())
	}
}

func TestParseQuery(t *testing.T) {
	tests := []struct {
		q        string
		terms    []Term
		contains []string
	}{
		{"小李", []Term{{Text: "小李"}}, nil},
		{"李", []Term{{Text: "李"}}, nil},
		{"王小李", []Term{{Text: "王小"}, {Text: "小李"}}, []string{"王小李"}},
		{"Jo", []Term{{Text: "jo", Prefix: true}}, nil},
		{"john sm", []Term{{Text: "john", Prefix: true}, {Text: "sm", Prefix: true}}, nil},
		{"+886 912-345", []Term{{Text: "886912345", Prefix: true}}, nil},
		{"0912", []Term{{Text: "0912", Prefix: true}}, nil},
		{"alice@exa", []Term{{Text: "alice", Prefix: true}, {Text: "exa", Prefix: true}}, nil},
		{"陳 Chen", []Term{{Text: "陳"}, {Text: "chen", Prefix: true}}, nil},
		{"!!!", nil, nil},
		{"", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.q, func(t *testing.T) {
			q := ParseQuery(tt.q)
			if !slices.Equal(q.Terms, tt.terms) || !slices.Equal(q.Contains, tt.contains) {
				t.Errorf("ParseQuery(%q) = %+v %q, want %+v %q", tt.q, q.Terms, q.Contains, tt.terms, tt.contains)
			}
		})
	}
}

func TestQueryRendering(t *testing.T) {
	q := ParseQuery(`王小李 o'neil`)
	if got, want := q.FTS5Match(), `("王小" "小李" "o"* "neil"*)`; got != want {
		t.Errorf("FTS5Match = %s, want %s", got, want)
	}
	if got, want := q.TSQuery(), `'王小' & '小李' & 'o':* & 'neil':*`; got != want {
		t.Errorf("TSQuery = %s, want %s", got, want)
	}
	live, trash := ParseQuery("li"), ParseQuery("li")
	live.Exclude, trash.Require = []string{Trashed}, []string{Trashed}
	if got, want := live.FTS5Match(), `("li"*) NOT "␡trashed"`; got != want {
		t.Errorf("FTS5Match = %s, want %s", got, want)
	}
	if got, want := trash.FTS5Match(), `("li"* "␡trashed")`; got != want {
		t.Errorf("FTS5Match = %s, want %s", got, want)
	}
	if got, want := live.TSQuery(), `'li':* & !'␡trashed'`; got != want {
		t.Errorf("TSQuery = %s, want %s", got, want)
	}
	if got, want := trash.TSQuery(), `'li':* & '␡trashed'`; got != want {
		t.Errorf("TSQuery = %s, want %s", got, want)
	}
}

// Every query built from a document's own text must be answerable from that
// document's tokens: this is the property the stores rely on.
func FuzzQueryFindsDocument(f *testing.F) {
	for _, s := range []string{"王小李", "Alice Wang", "台積電 TSMC", "José", "ｶﾀｶﾅ", "김민수", "a", "李a"} {
		f.Add(s, 0, 2)
	}
	f.Fuzz(func(t *testing.T, text string, from, length int) {
		var d Part
		d.AddText(text)
		if slices.Contains(strings.Fields(d.Tokens()), Trashed) || slices.ContainsFunc(ParseQuery(text).Terms, func(t Term) bool {
			return strings.HasPrefix(Trashed, t.Text)
		}) {
			t.Fatalf("text %q yields the marker %q", text, Trashed)
		}
		runes := []rune(Normalize(text))
		if len(runes) == 0 || length <= 0 {
			return
		}
		from = ((from % len(runes)) + len(runes)) % len(runes)
		to := min(from+length, len(runes))
		sub := string(runes[from:to])
		q := ParseQuery(sub)
		tokens := strings.Fields(d.Tokens())
		for _, term := range q.Terms {
			found := slices.ContainsFunc(tokens, func(tok string) bool {
				if term.Prefix {
					return strings.HasPrefix(tok, term.Text)
				}
				return tok == term.Text
			})
			// A Latin query cut in the middle of a word only matches by
			// prefix; that is the documented behaviour, so only whole-word
			// starts must be found.
			if !found && !term.Prefix {
				t.Fatalf("term %q of query %q not in tokens %q of %q", term.Text, sub, tokens, text)
			}
		}
		for _, c := range q.Contains {
			if !strings.Contains(d.Text(), c) {
				t.Fatalf("substring %q of %q not in text %q", c, sub, d.Text())
			}
		}
	})
}
