package importer

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/text/width"

	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/lead"
)

// Directory finds the users and teams a file names, for the owner and team
// columns of leads (package account, wired by the app).
type Directory interface {
	// Users maps the lower-cased email of every user to them.
	Users(ctx context.Context) (map[string]DirectoryUser, error)
	// Teams maps the name of every team, folded as FoldName does, to its id.
	Teams(ctx context.Context) (map[string]int64, error)
}

// DirectoryUser is a user as the importer needs to know them.
type DirectoryUser struct {
	ID       int64
	Disabled bool
}

// FoldName is how team and pool names are compared: "North" and
// "ｎｏｒｔｈ " are one team.
func FoldName(s string) string {
	return strings.ToLower(strings.TrimSpace(width.Narrow.String(s)))
}

// leadRows imports leads through the lead service, so that each is scored,
// lands in its pool and is audited as a lead made through the API is.
// Leads have no uniqueness (the same person may come in from two trade
// shows): every row makes a lead, and OnDuplicate does not apply.
//
// The owner column names the owner by their email; a row without one
// leaves its lead unowned, in its pool — the one the pool column names, else
// its team's, else the default pool (公海) — where reps claim it.
type leadRows struct {
	im    *Importer
	opt   Options
	rep   *Report
	batch []leadRow
	// What the file's names stand for, read once per run when a row first
	// names one.
	users map[string]DirectoryUser
	teams map[string]int64
	pools map[string]int64
}

type leadRow struct {
	line              int
	cells             []string
	in                lead.LeadInput
	owner, team, pool string
}

func (l *leadRows) add(_ context.Context, r row) error {
	x := leadRow{line: r.line, cells: r.cells, owner: r.get("owner_email"), team: r.get("team"), pool: r.get("pool")}
	f := &x.in.LeadFields
	f.Name, f.CompanyName, f.Title = r.get("name"), r.get("company_name"), r.get("title")
	f.Email, f.Phone = r.get("email"), r.get("phone")
	f.Source = r.get("source")
	if f.Source == "" {
		f.Source = l.opt.Source
	}
	f.UTMSource, f.UTMMedium, f.UTMCampaign = r.get("utm_source"), r.get("utm_medium"), r.get("utm_campaign")
	f.UTMTerm, f.UTMContent = r.get("utm_term"), r.get("utm_content")
	f.Notes = r.get("notes")
	size, ok := parseCompanySize(r.get("company_size"))
	if !ok {
		l.rep.reject(r.line, fmt.Sprintf("company_size %q: write the number of employees or one of %s",
			r.get("company_size"), strings.Join(lead.CompanySizes, ", ")), r.cells)
		return nil
	}
	f.CompanySize = size
	x.in.Unowned = x.owner == ""
	l.batch = append(l.batch, x)
	return nil
}

func (l *leadRows) full() bool { return len(l.batch) >= l.opt.BatchSize }

// firstPending: a flush writes every row added.
func (*leadRows) firstPending() int { return -1 }

func (l *leadRows) flush(ctx context.Context, _ bool) error {
	if len(l.batch) == 0 {
		return nil
	}
	defer func() { l.batch = l.batch[:0] }()
	var fresh []leadRow
	for _, x := range l.batch {
		reason, err := l.resolve(ctx, &x)
		if err != nil {
			return err
		}
		if reason != "" {
			l.rep.reject(x.line, reason, x.cells)
			continue
		}
		fresh = append(fresh, x)
	}
	if len(fresh) == 0 {
		return nil
	}
	inputs := make([]lead.LeadInput, len(fresh))
	for i, x := range fresh {
		inputs[i] = x.in
	}
	results, err := l.im.Leads.CreateLeads(ctx, inputs)
	if err != nil {
		return err
	}
	for i, r := range results {
		if r.Err != nil {
			l.rep.reject(fresh[i].line, describe(r.Err), fresh[i].cells)
			continue
		}
		l.rep.Imported++
	}
	return nil
}

// resolve turns the owner's email, the team's and the pool's names into
// ids, or says why the row cannot have them.
func (l *leadRows) resolve(ctx context.Context, x *leadRow) (string, error) {
	f := &x.in.LeadFields
	if x.owner != "" {
		if l.users == nil {
			users, err := l.im.Directory.Users(ctx)
			if err != nil {
				return "", err
			}
			l.users = users
		}
		email, code := crm.NormalizeEmail(x.owner)
		u, ok := l.users[email]
		switch {
		case code != "":
			return fmt.Sprintf("owner_email %q is not an email address", x.owner), nil
		case !ok:
			return fmt.Sprintf("owner_email %q: no user has this email", x.owner), nil
		case u.Disabled:
			return fmt.Sprintf("owner_email %q: this user is disabled", x.owner), nil
		}
		f.OwnerID = &u.ID
	}
	if x.team != "" {
		if l.teams == nil {
			teams, err := l.im.Directory.Teams(ctx)
			if err != nil {
				return "", err
			}
			l.teams = teams
		}
		id, ok := l.teams[FoldName(x.team)]
		if !ok {
			return fmt.Sprintf("team %q: no team has this name", x.team), nil
		}
		f.TeamID = &id
	}
	if x.pool != "" {
		if l.pools == nil {
			pools, err := l.im.Leads.ListPools(ctx)
			if err != nil {
				return "", err
			}
			l.pools = map[string]int64{}
			for _, p := range pools {
				l.pools[FoldName(p.Name)] = p.ID
			}
		}
		id, ok := l.pools[FoldName(x.pool)]
		if !ok {
			return fmt.Sprintf("pool %q: no lead pool has this name", x.pool), nil
		}
		f.PoolID = &id
	}
	return "", nil
}

var (
	sizeRange   = regexp.MustCompile(`^(\d+)-(\d+)$`)
	sizeAtLeast = regexp.MustCompile(`^(\d+)\+$`)
)

// parseCompanySize reads a company's size as files write it — a band
// ("11-50", "11～50人"), or a head count ("35", "1,200") — into the lead's
// band; ok is false when it is neither.
func parseCompanySize(s string) (string, bool) {
	s = strings.ToLower(width.Narrow.String(s))
	s = strings.NewReplacer(" ", "", ",", "", "~", "-", "～", "-", "–", "-", "—", "-", "至", "-", "到", "-",
		"以上", "+", "employees", "", "employee", "", "people", "", "staff", "", "人", "", "名", "").Replace(s)
	if s == "" || slices.Contains(lead.CompanySizes, s) {
		return s, true
	}
	band := func(n int64) string {
		for _, b := range lead.CompanySizes {
			lo, hi := bandBounds(b)
			if n >= lo && n <= hi {
				return b
			}
		}
		return ""
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil && n > 0 {
		return band(n), true
	}
	if m := sizeRange.FindStringSubmatch(s); m != nil {
		lo, _ := strconv.ParseInt(m[1], 10, 64)
		hi, _ := strconv.ParseInt(m[2], 10, 64)
		if b := band(lo); b != "" && lo > 0 && lo <= hi && band(hi) == b {
			return b, true
		}
	}
	if m := sizeAtLeast.FindStringSubmatch(s); m != nil {
		// Only the top band has no most: "5000+" means it as "5001+" does,
		// while "100+" fits no one band.
		lo, _ := strconv.ParseInt(m[1], 10, 64)
		if top := lead.CompanySizes[len(lead.CompanySizes)-1]; band(lo+1) == top {
			return top, true
		}
	}
	return "", false
}

// bandBounds are the least and most employees of a band ("5001+": no most).
func bandBounds(b string) (int64, int64) {
	if lo, ok := strings.CutSuffix(b, "+"); ok {
		n, _ := strconv.ParseInt(lo, 10, 64)
		return n, 1 << 62
	}
	lo, hi, _ := strings.Cut(b, "-")
	l, _ := strconv.ParseInt(lo, 10, 64)
	h, _ := strconv.ParseInt(hi, 10, 64)
	return l, h
}
