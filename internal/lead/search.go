package lead

import (
	"context"
	"slices"
	"strings"

	"github.com/guanxi-crm/guanxi/internal/crm"
)

// MaxQuery is the longest search of the leads, in characters.
const MaxQuery = 100

// minPhoneDigits is the fewest digits a search needs to be read as a phone
// number, as the contacts search reads one: fewer would find most numbers.
const minPhoneDigits = 3

// dialing is how numbers are written in a region: its calling code and its
// trunk prefix ("" where it has none).
type dialing struct{ code, trunk string }

// dialingOf learns a region's calling code and trunk prefix from
// crm.NormalizePhone, which keeps its dial plans to itself: what it puts
// before a national number is the calling code, and a digit it drops from
// the front of one is the trunk prefix.
func dialingOf(region string) dialing {
	const national = "2345678901" // ten digits: a whole national number in every plan, North America's included
	e164, _, code := crm.NormalizePhone(national, region)
	if code != "" {
		return dialing{}
	}
	d := dialing{code: strings.TrimSuffix(strings.TrimPrefix(e164, "+"), national)}
	for t := '0'; t <= '9'; t++ {
		if with, _, code := crm.NormalizePhone(string(t)+national, region); code == "" && with == e164 {
			d.trunk = string(t)
			break
		}
	}
	return d
}

// phoneForms reads a search as a phone number being typed — digits and the
// marks written between them, full-width digits too — and returns its
// digits, and, when it starts with the region's trunk prefix, the start of
// the E.164 form it stands for: "0912 345" is "0912345" and "+886912345" in
// Taiwan. Anything else is not a phone number: "", "".
func (d dialing) phoneForms(q string) (digits, prefix string) {
	var b strings.Builder
	for _, r := range q {
		if r >= '０' && r <= '９' {
			r -= '０' - '0'
		}
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case strings.ContainsRune("+＋-－()（）. /", r):
		default:
			return "", ""
		}
	}
	digits = b.String()
	if len(digits) < minPhoneDigits {
		return "", ""
	}
	international := strings.HasPrefix(q, "+") || strings.HasPrefix(q, "＋")
	if !international && d.trunk != "" && len(digits) > len(d.trunk) && strings.HasPrefix(digits, d.trunk) {
		prefix = "+" + d.code + digits[len(d.trunk):]
	}
	return digits, prefix
}

// Assignable keeps, of users and teams, those the caller may make the owner
// and the team of a lead, by the rules CreateLeads and UpdateLead apply:
// whoever may write leads hands them to any user, and to their own teams
// (an admin to any team). current is the lead's team (nil for a new lead),
// which may always stay. A lead without an owner, in its pool, is allowed
// too. The lead form offers exactly these.
func (s *Service) Assignable(ctx context.Context, current *int64, users, teams []int64) (okUsers, okTeams []int64, err error) {
	p, err := crm.Writer(ctx, "lead.Assignable")
	if err != nil {
		return nil, nil, err
	}
	okUsers = slices.Clone(users)
	for _, id := range teams {
		var v crm.Violations
		p.CheckAssignment(&v, current, &id)
		if v.Empty() {
			okTeams = append(okTeams, id)
		}
	}
	return okUsers, okTeams, nil
}
