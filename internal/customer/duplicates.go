package customer

import (
	"context"
	"fmt"
	"slices"
	"sort"

	"github.com/guanxi-crm/guanxi/internal/crm"
)

// Reasons a contact is a likely duplicate of another.
const (
	ReasonSameEmail          = "same_email"
	ReasonSamePhone          = "same_phone"
	ReasonSimilarNameCompany = "similar_name_same_company"
)

// Duplicate is a contact that is probably the same person as another.
type Duplicate struct {
	Contact *Contact `json:"contact"`
	Reasons []string `json:"reasons" doc:"same_email, same_phone, similar_name_same_company"`
	// Score orders the candidates: 1 for a shared email or phone, the name
	// similarity otherwise.
	Score float64 `json:"score" minimum:"0" maximum:"1"`
}

// nameSimilarityThreshold is the similarity above which two names at the
// same company count as the same person. For Latin names it is a Jaro–Winkler
// score: 0.9 joins "Jon Smith" and "John Smith" but not "Ann Lee" and
// "Dan Lee". Chinese names reach it through chineseSimilarity.
const nameSimilarityThreshold = 0.9

const maxDuplicates = 50

// Duplicates lists the live contacts that are probably the same person as
// contact id: same email, same phone, or a similar name at the same company.
func (s *Service) Duplicates(ctx context.Context, id int64) ([]Duplicate, error) {
	const op = "customer.Duplicates"
	p, err := crm.Actor(ctx, op)
	if err != nil {
		return nil, err
	}
	c, err := s.store.Contact(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	reasons := map[int64][]string{}
	score := map[int64]float64{}
	byKey, err := s.store.ContactIDsByKey(ctx, c.Keys())
	if err != nil {
		return nil, crm.Internal(op, err)
	}
	for k, others := range byKey {
		reason := ReasonSameEmail
		if k.Kind == KeyPhone {
			reason = ReasonSamePhone
		}
		for _, o := range others {
			if o != id && !slices.Contains(reasons[o], reason) {
				reasons[o] = append(reasons[o], reason)
				score[o] = 1
			}
		}
	}
	var companyIDs []int64
	for _, ref := range c.Companies {
		companyIDs = append(companyIDs, ref.CompanyID)
	}
	var colleagues []int64
	if len(companyIDs) > 0 {
		if colleagues, err = s.store.ContactIDsAtCompanies(ctx, companyIDs); err != nil {
			return nil, crm.Internal(op, err)
		}
	}
	colleagues = slices.DeleteFunc(colleagues, func(o int64) bool { return o == id })
	if len(colleagues) > 2000 { // a huge company: compare with the first ones only
		colleagues = colleagues[:2000]
	}
	candidates, err := s.store.Contacts(ctx, uniqueIDs(append(mapKeys(reasons), colleagues...)))
	if err != nil {
		return nil, crm.Internal(op, err)
	}
	var out []Duplicate
	for _, o := range candidates {
		if o.DeletedAt != nil {
			continue
		}
		if slices.Contains(colleagues, o.ID) {
			if sim := NameSimilarity(c, o); sim >= nameSimilarityThreshold {
				reasons[o.ID] = append(reasons[o.ID], ReasonSimilarNameCompany)
				score[o.ID] = max(score[o.ID], sim)
			}
		}
		if len(reasons[o.ID]) > 0 {
			out = append(out, Duplicate{Contact: visibleContact(p, o), Reasons: reasons[o.ID], Score: score[o.ID]})
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Score != out[j].Score {
			return out[i].Score > out[j].Score
		}
		return out[i].Contact.ID < out[j].Contact.ID
	})
	if len(out) > maxDuplicates {
		out = out[:maxDuplicates]
	}
	return out, nil
}

func mapKeys[V any](m map[int64]V) []int64 {
	out := make([]int64, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

func uniqueIDs(ids []int64) []int64 {
	slices.Sort(ids)
	return slices.Compact(ids)
}

// jaroWinkler is the Jaro–Winkler similarity of two strings.
func jaroWinkler(a, b []rune) float64 {
	if slices.Equal(a, b) {
		return 1
	}
	window := max(len(a), len(b))/2 - 1
	window = max(window, 0)
	matchedA := make([]bool, len(a))
	matchedB := make([]bool, len(b))
	matches := 0
	for i := range a {
		lo, hi := max(0, i-window), min(len(b), i+window+1)
		for j := lo; j < hi; j++ {
			if !matchedB[j] && a[i] == b[j] {
				matchedA[i], matchedB[j] = true, true
				matches++
				break
			}
		}
	}
	if matches == 0 {
		return 0
	}
	transpositions, j := 0, 0
	for i := range a {
		if !matchedA[i] {
			continue
		}
		for !matchedB[j] {
			j++
		}
		if a[i] != b[j] {
			transpositions++
		}
		j++
	}
	m := float64(matches)
	jaro := (m/float64(len(a)) + m/float64(len(b)) + (m-float64(transpositions)/2)/m) / 3
	prefix := 0
	for prefix < min(4, len(a), len(b)) && a[prefix] == b[prefix] {
		prefix++
	}
	return jaro + float64(prefix)*0.1*(1-jaro)
}
