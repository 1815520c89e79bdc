package activity

import (
	"slices"
	"testing"
)

func TestFindMentions(t *testing.T) {
	users := []UserRef{
		{1, "Mary", "mary@example.com"},
		{2, "Mary Chen", "mchen@example.com"},
		{3, "王小明", "ming@example.com"},
		{4, "Ann", "ann@example.com"},
		{5, "", "noname@example.com"},
		{6, "Bob.Smith", "bob@example.com"},
	}
	tests := []struct {
		name, text string
		want       []int64
	}{
		{"a name", "Ask @Mary.", []int64{1}},
		{"the longest name", "@Mary Chen knows", []int64{2}},
		{"any case", "@mary chen and @MARY", []int64{2, 1}},
		{"an email", "cc @mchen@example.com, thanks", []int64{2}},
		{"an email at the end of a sentence", "ask @ann@example.com.", []int64{4}},
		{"a user without a name, by email", "@noname@example.com", []int64{5}},
		{"a word boundary", "@Annabel is not Ann", nil},
		{"Chinese runs on", "請@王小明看一下", []int64{3}},
		{"Chinese at the start", "@王小明 你好", []int64{3}},
		{"an address in the text is none", "write to mary@example.com", nil},
		{"unknown mentions stay text", "@nobody @ @@Mary", nil},
		{"once each, in order", "@Ann @Mary @Ann", []int64{4, 1}},
		{"a name with a dot", "@Bob.Smith said", []int64{6}},
		{"in brackets", "(@Ann)", []int64{4}},
		{"nothing", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := FindMentions(tt.text, users); !slices.Equal(got, tt.want) {
				t.Errorf("FindMentions(%q) = %v; want %v", tt.text, got, tt.want)
			}
		})
	}
}

func FuzzFindMentions(f *testing.F) {
	users := []UserRef{{1, "Mary", "mary@example.com"}, {2, "王小明", "ming@example.com"}, {3, "É", "e@example.com"}}
	for _, s := range []string{"@Mary", "請@王小明看", "@mary@example.com.", "@\xff", "@É\u0301"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		for _, id := range FindMentions(text, users) {
			if id < 1 || id > 3 {
				t.Fatalf("id %d", id)
			}
		}
	})
}
