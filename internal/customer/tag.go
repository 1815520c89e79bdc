package customer

import (
	"strings"
	"time"
	"unicode/utf8"

	"github.com/guanxi-crm/guanxi/internal/crm"
)

// Tag labels contacts and companies. Names are unique regardless of case.
type Tag struct {
	ID           int64     `json:"id"`
	Name         string    `json:"name"`
	Color        string    `json:"color,omitempty" doc:"#rrggbb"`
	ContactCount int64     `json:"contact_count" doc:"Contacts with the tag (not counting deleted ones)"`
	CompanyCount int64     `json:"company_count" doc:"Companies with the tag (not counting deleted ones)"`
	CreatedAt    time.Time `json:"created_at"`
}

// TagFields are the fields a client writes.
type TagFields struct {
	Name  string `json:"name" required:"false" maxLength:"50"`
	Color string `json:"color" required:"false" pattern:"^(#[0-9a-fA-F]{6})?$"`
}

const maxTagRunes = 50

// normalizeTags trims, drops empties and removes case-insensitive repeats,
// keeping the first spelling.
func normalizeTags(field string, tags []string, v *crm.Violations) []string {
	out := make([]string, 0, len(tags))
	seen := make(map[string]bool, len(tags))
	for i, t := range tags {
		t = strings.Join(strings.Fields(t), " ")
		if t == "" {
			continue
		}
		if utf8.RuneCountInString(t) > maxTagRunes || strings.ContainsAny(t, ",\n") || !crm.ValidText(t) {
			v.Add(indexed(field, i), "invalid_tag", "max", maxTagRunes)
			continue
		}
		k := TagKey(t)
		if !seen[k] {
			seen[k] = true
			out = append(out, t)
		}
	}
	return out
}

// sameTags returns before when after names the same tags in another order or
// case (tags are a set, matched regardless of case, and stores keep the
// vocabulary's spelling), so that re-sending a record's tags is no change;
// otherwise it returns after.
func sameTags(before, after []string) []string {
	if len(before) != len(after) {
		return after
	}
	keys := make(map[string]bool, len(before))
	for _, t := range before {
		keys[TagKey(t)] = true
	}
	for _, t := range after {
		if !keys[TagKey(t)] {
			return after
		}
	}
	return before
}

// TagKey is the case-folded form under which tag names are unique.
func TagKey(name string) string { return strings.ToLower(strings.Join(strings.Fields(name), " ")) }
