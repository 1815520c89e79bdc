package activity

import (
	"context"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/guanxi-crm/guanxi/internal/crm"
)

// mentions returns the users that body mentions and who are to be notified:
// known, active users who may read the record, other than the author and
// than those of already (notified before).
func (s *Service) mentions(ctx context.Context, author *crm.Principal, rec *Record, body string, already []int64) ([]*crm.Principal, error) {
	if !strings.Contains(body, "@") {
		return nil, nil
	}
	users, err := s.store.MentionableUsers(ctx)
	if err != nil {
		return nil, err
	}
	var out []*crm.Principal
	for _, id := range FindMentions(body, users) {
		if (!author.System && id == author.UserID) || slices.Contains(already, id) {
			continue
		}
		u, err := s.store.ActivityUser(ctx, id)
		if crm.IsKind(err, crm.KindNotFound) {
			continue
		} else if err != nil {
			return nil, err
		}
		// Someone who may not read the record is not told of it: the
		// mention stays as text.
		if u.ReadsRecord(rec.OwnerID, rec.TeamID) {
			out = append(out, u)
		}
	}
	return out, nil
}

// FindMentions returns the ids of the users a text mentions, in the order
// it first mentions them. A mention is an @ that does not continue a word
// (so the @ inside an email address written in the text is none, while
// "請@王小明" mentions 王小明), followed
// by a user's email address or name, matched without regard to case. Of the
// names that fit, the longest wins; a name ending in a letter or digit of an
// alphabet with spaces between words must end where the word does ("@Ann"
// is not "@Annabel"), while a Chinese or Japanese name may run into the text
// that follows ("@王小明你好"). An @ that names no user is left as text.
func FindMentions(text string, users []UserRef) []int64 {
	byEmail := make(map[string]int64, len(users))
	named := make([]UserRef, 0, len(users))
	for _, u := range users {
		if u.Email != "" {
			byEmail[strings.ToLower(u.Email)] = u.ID
		}
		if strings.TrimSpace(u.Name) != "" {
			named = append(named, u)
		}
	}
	// Longest names first, so that "@Mary Chen" is Mary Chen rather than
	// Mary.
	slices.SortStableFunc(named, func(a, b UserRef) int { return len(b.Name) - len(a.Name) })
	var out []int64
	add := func(id int64) {
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	for i := 0; i < len(text); i++ {
		if text[i] != '@' {
			continue
		}
		if i > 0 {
			prev, _ := utf8.DecodeLastRuneInString(text[:i])
			if (wordRune(prev) && !unspaced(prev)) || strings.ContainsRune("._%+-@", prev) {
				continue
			}
		}
		rest := text[i+1:]
		if email := strings.TrimRight(emailPrefix(rest), "."); email != "" {
			if id, ok := byEmail[strings.ToLower(email)]; ok {
				add(id)
				i += len(email)
				continue
			}
		}
		for _, u := range named {
			n := len(u.Name)
			if n > len(rest) || !strings.EqualFold(rest[:n], u.Name) {
				continue
			}
			last, _ := utf8.DecodeLastRuneInString(u.Name)
			if next, _ := utf8.DecodeRuneInString(rest[n:]); n < len(rest) && wordRune(last) && !unspaced(last) && wordRune(next) {
				continue
			}
			add(u.ID)
			i += n
			break
		}
	}
	return out
}

// emailPrefix is the longest start of s made of the characters of an email
// address.
func emailPrefix(s string) string {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("._%+-@", c) >= 0) {
			return s[:i]
		}
	}
	return s
}

func wordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// unspaced reports whether r belongs to a script written without spaces
// between words.
func unspaced(r rune) bool {
	return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul, unicode.Thai)
}
