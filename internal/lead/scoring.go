package lead

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/guanxi-crm/guanxi/internal/crm"
)

// settingScoring is the settings key of the scoring rules.
const settingScoring = "lead.scoring"

// Rules score leads: points for what a lead says about itself and for what
// its person did. A lead's score is the sum of the points of the rules it
// meets, and each rule met is a reason shown on the lead.
type Rules struct {
	HasCompany    int `json:"has_company" minimum:"-1000" maximum:"1000" doc:"Points for a company name"`
	BusinessEmail int `json:"business_email" minimum:"-1000" maximum:"1000" doc:"Points for an email at a domain that is not free mail"`
	HasPhone      int `json:"has_phone" minimum:"-1000" maximum:"1000" doc:"Points for a phone number"`
	// FreeMailDomains are the domains of free mail (gmail.com, qq.com …);
	// absent or empty takes the built-in list.
	FreeMailDomains []string        `json:"free_mail_domains" required:"false" maxItems:"500" nullable:"false" doc:"Domains of free mail; empty: the built-in list (gmail.com, yahoo.com.tw, qq.com, 163.com …)"`
	CompanySize     map[string]int  `json:"company_size" required:"false" doc:"Points per company size band (1-10, 11-50, 51-200, 201-500, 501-1000, 1001-5000, 5001+)"`
	Source          map[string]int  `json:"source" required:"false" doc:"Points per source (web_form, referral …)"`
	Behaviour       []BehaviourRule `json:"behaviour" required:"false" maxItems:"50" nullable:"false" doc:"Points for what the lead's person did: events on the contacts with the lead's email or phone"`
}

// BehaviourRule gives points when the lead's person has done something: at
// least MinCount events of a type (whose property, if named, contains a
// text), within the last WithinDays days (0: ever).
type BehaviourRule struct {
	Name       string `json:"name" maxLength:"100" doc:"What it means, shown as the reason: visited pricing, opened an email"`
	EventType  string `json:"event_type" maxLength:"64" doc:"page_view, email_opened … (touchpoint event types)"`
	Property   string `json:"property,omitempty" maxLength:"64" doc:"A property of the event to look in (path, url …)"`
	Contains   string `json:"contains,omitempty" maxLength:"200" doc:"Text the property must contain (/pricing)"`
	MinCount   int    `json:"min_count,omitempty" minimum:"0" maximum:"1000000" doc:"Events needed (default 1)"`
	WithinDays int    `json:"within_days,omitempty" minimum:"0" maximum:"3650" doc:"Only events of the last so many days; 0: ever"`
	Points     int    `json:"points" minimum:"-1000" maximum:"1000"`
}

// DefaultRules are the rules until an admin sets others.
func DefaultRules() Rules {
	return Rules{
		HasCompany: 10, BusinessEmail: 10, HasPhone: 5,
		FreeMailDomains: []string{},
		CompanySize:     map[string]int{"1-10": 0, "11-50": 5, "51-200": 10, "201-500": 15, "501-1000": 20, "1001-5000": 20, "5001+": 25},
		Source:          map[string]int{"referral": 10},
		Behaviour: []BehaviourRule{
			{Name: "visited pricing", EventType: "page_view", Property: "path", Contains: "/pricing", MinCount: 1, WithinDays: 30, Points: 15},
			{Name: "opened an email", EventType: "email_opened", MinCount: 1, WithinDays: 30, Points: 5},
			{Name: "clicked an email", EventType: "email_clicked", MinCount: 1, WithinDays: 30, Points: 10},
		},
	}
}

// builtInFreeMail are the free mail domains used in Taiwan, China and
// beyond.
var builtInFreeMail = []string{
	"gmail.com", "googlemail.com", "yahoo.com", "yahoo.com.tw", "yahoo.com.hk", "ymail.com", "hotmail.com", "hotmail.com.tw",
	"outlook.com", "live.com", "msn.com", "icloud.com", "me.com", "mac.com", "aol.com", "proton.me", "protonmail.com",
	"gmx.com", "mail.com", "qq.com", "foxmail.com", "163.com", "126.com", "yeah.net", "sina.com", "sina.cn", "sohu.com",
	"aliyun.com", "139.com", "msa.hinet.net", "pchome.com.tw", "seed.net.tw", "naver.com",
}

var (
	eventTypePattern = regexp.MustCompile(`^[a-z][a-z0-9_.:-]{0,63}$`)
	propertyPattern  = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,63}$`)
	sourcePattern    = regexp.MustCompile(`^\S`)
)

// normalize checks the rules.
func (r *Rules) normalize(v *crm.Violations) {
	points := func(field string, n int) {
		if n < -1000 || n > 1000 {
			v.Add(field, "out_of_range", "min", -1000, "max", 1000)
		}
	}
	points("has_company", r.HasCompany)
	points("business_email", r.BusinessEmail)
	points("has_phone", r.HasPhone)
	if r.FreeMailDomains == nil {
		r.FreeMailDomains = []string{}
	}
	for i, d := range r.FreeMailDomains {
		d = strings.ToLower(strings.TrimSpace(d))
		if d == "" || strings.ContainsAny(d, " @/") || !strings.Contains(d, ".") || !crm.ValidText(d) || len(d) > 253 {
			v.Add(fmt.Sprintf("free_mail_domains[%d]", i), "invalid_domain")
		}
		r.FreeMailDomains[i] = d
	}
	if r.CompanySize == nil {
		r.CompanySize = map[string]int{}
	}
	for _, k := range slices.Sorted(maps.Keys(r.CompanySize)) {
		if !slices.Contains(CompanySizes, k) {
			v.Add("company_size."+k, "not_one_of", "allowed", strings.Join(CompanySizes, ", "))
		}
		points("company_size."+k, r.CompanySize[k])
	}
	if r.Source == nil {
		r.Source = map[string]int{}
	}
	for _, k := range slices.Sorted(maps.Keys(r.Source)) {
		if !crm.ValidText(k) || len(k) > 100 || !sourcePattern.MatchString(k) {
			v.Add("source."+k, "invalid_text")
		}
		points("source."+k, r.Source[k])
	}
	if r.Behaviour == nil {
		r.Behaviour = []BehaviourRule{}
	}
	if len(r.Behaviour) > 50 {
		v.Add("behaviour", "too_many", "max", 50)
	}
	for i := range r.Behaviour {
		b := &r.Behaviour[i]
		field := fmt.Sprintf("behaviour[%d].", i)
		b.Name = crm.CleanText(v, field+"name", b.Name, 100)
		if b.Name == "" {
			v.Add(field+"name", "required")
		}
		b.EventType = strings.TrimSpace(b.EventType)
		if !eventTypePattern.MatchString(b.EventType) {
			v.Add(field+"event_type", "invalid_event_type")
		}
		b.Property = strings.TrimSpace(b.Property)
		if b.Property != "" && !propertyPattern.MatchString(b.Property) {
			v.Add(field+"property", "invalid_property")
		}
		b.Contains = crm.CleanText(v, field+"contains", b.Contains, 200)
		if b.Contains != "" && b.Property == "" {
			v.Add(field+"property", "required")
		}
		if b.MinCount == 0 {
			b.MinCount = 1
		}
		if b.MinCount < 0 || b.MinCount > 1_000_000 {
			v.Add(field+"min_count", "out_of_range", "min", 1, "max", 1_000_000)
		}
		if b.WithinDays < 0 || b.WithinDays > maxDays {
			v.Add(field+"within_days", "out_of_range", "min", 0, "max", maxDays)
		}
		points(field+"points", b.Points)
	}
}

// freeMail reports whether a domain is free mail.
func (r *Rules) freeMail(domain string) bool {
	list := r.FreeMailDomains
	if len(list) == 0 {
		list = builtInFreeMail
	}
	return slices.Contains(list, strings.ToLower(domain))
}

// rules reads the scoring rules, or the defaults.
func (s *Service) rules(ctx context.Context) (Rules, error) {
	raw, ok, err := s.store.Setting(ctx, settingScoring)
	if err != nil || !ok {
		return DefaultRules(), err
	}
	var r Rules
	if err := json.Unmarshal([]byte(raw), &r); err != nil {
		return DefaultRules(), fmt.Errorf("lead scoring rules: %w", err)
	}
	return r, nil
}

// ScoringRules reads the scoring rules.
func (s *Service) ScoringRules(ctx context.Context) (Rules, error) {
	const op = "lead.ScoringRules"
	if _, err := crm.Actor(ctx, op); err != nil {
		return Rules{}, err
	}
	r, err := s.rules(ctx)
	return r, crm.Wrap(op, err)
}

// SetScoringRules replaces the scoring rules (admins only) and has every
// open lead rescored by a job.
func (s *Service) SetScoringRules(ctx context.Context, r Rules) (Rules, error) {
	const op = "lead.SetScoringRules"
	p, err := admin(ctx, op, "scoring_admins_only")
	if err != nil {
		return Rules{}, err
	}
	var v crm.Violations
	r.normalize(&v)
	if err := v.Err(op); err != nil {
		return Rules{}, err
	}
	raw, err := json.Marshal(r)
	if err != nil {
		return Rules{}, crm.Internal(op, err)
	}
	now := s.clock.Now()
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		old, _, err := s.store.Setting(ctx, settingScoring)
		if err != nil {
			return err
		}
		if err := s.store.SetSetting(ctx, settingScoring, string(raw)); err != nil {
			return err
		}
		if err := s.store.AppendAudit(ctx, audit(ctx, p, now, crm.ActionUpdate, "setting", 0,
			[]crm.Change{{Field: settingScoring, From: rawOrNil(old), To: raw}})); err != nil {
			return err
		}
		if s.jobs == nil {
			return nil
		}
		return s.jobs.Enqueue(ctx, JobRescore, "rules@"+now.Format(time.RFC3339Nano), nil, time.Time{})
	})
	if err != nil {
		return Rules{}, crm.Wrap(op, err)
	}
	return r, nil
}

func rawOrNil(s string) json.RawMessage {
	if s == "" {
		return nil
	}
	return json.RawMessage(s)
}

// scoreLeads sets the score and its reasons of leads about to be written.
func (s *Service) scoreLeads(ctx context.Context, leads []*Lead, now time.Time) error {
	scores, err := s.compute(ctx, leads, now)
	if err != nil {
		return err
	}
	for i, l := range leads {
		l.Score, l.ScoreReasons, l.ScoredAt = scores[i].Score, scores[i].Reasons, ptr(now)
	}
	return nil
}

// compute scores leads: one query per behaviour rule for the whole batch.
func (s *Service) compute(ctx context.Context, leads []*Lead, now time.Time) ([]Score, error) {
	r, err := s.rules(ctx)
	if err != nil {
		return nil, err
	}
	var counts [][]int64 // per rule, per lead
	if len(r.Behaviour) > 0 {
		contacts, err := s.store.LeadContacts(ctx, leads)
		if err != nil {
			return nil, err
		}
		var all []int64
		for _, ids := range contacts {
			all = append(all, ids...)
		}
		all = slices.Compact(slices.Sorted(slices.Values(all)))
		for _, b := range r.Behaviour {
			perLead := make([]int64, len(leads))
			if len(all) > 0 {
				var since time.Time
				if b.WithinDays > 0 {
					since = now.Add(-days(b.WithinDays))
				}
				byContact, err := s.store.CountLeadEvents(ctx, all, b, since)
				if err != nil {
					return nil, err
				}
				for i, l := range leads {
					for _, c := range contacts[l.ID] {
						perLead[i] += byContact[c]
					}
				}
			}
			counts = append(counts, perLead)
		}
	}
	out := make([]Score, len(leads))
	for i, l := range leads {
		behaviour := make([]int64, len(r.Behaviour))
		for j := range r.Behaviour {
			behaviour[j] = counts[j][i]
		}
		score, reasons := Evaluate(r, l.LeadFields, behaviour)
		out[i] = Score{LeadID: l.ID, Score: score, Reasons: reasons, At: now}
	}
	return out, nil
}

// Evaluate scores a lead's fields and the counts of events each behaviour
// rule matched, returning the score and the reasons for it.
func Evaluate(r Rules, f LeadFields, behaviour []int64) (int, []ScoreReason) {
	reasons := []ScoreReason{}
	add := func(rule, detail string, points int) {
		if points != 0 {
			reasons = append(reasons, ScoreReason{Rule: rule, Detail: detail, Points: points})
		}
	}
	if f.CompanyName != "" {
		add("has_company", f.CompanyName, r.HasCompany)
	}
	if d := emailDomain(f.Email); d != "" && !r.freeMail(d) {
		add("business_email", d, r.BusinessEmail)
	}
	if f.Phone != "" {
		add("has_phone", "", r.HasPhone)
	}
	if f.CompanySize != "" {
		add("company_size", f.CompanySize, r.CompanySize[f.CompanySize])
	}
	if f.Source != "" {
		add("source", f.Source, r.Source[f.Source])
	}
	for i, b := range r.Behaviour {
		need := int64(max(b.MinCount, 1))
		if i < len(behaviour) && behaviour[i] >= need {
			add("behaviour", fmt.Sprintf("%s (%d)", b.Name, behaviour[i]), b.Points)
		}
	}
	total := 0
	for _, x := range reasons {
		total += x.Points
	}
	return total, reasons
}

// rescoreBatch is how many leads one step of RescoreAll reads.
const rescoreBatch = 500

// RescoreAll recomputes the score of every open lead and saves those that
// changed; it reports how many did. It runs as the job JobRescore, on a
// schedule (behaviour arrives as events, which do not tell leads) and when
// the rules change.
func (s *Service) RescoreAll(ctx context.Context) (int, error) {
	const op = "lead.RescoreAll"
	p, err := crm.Actor(ctx, op)
	if err != nil {
		return 0, err
	}
	if !p.IsAdmin() {
		return 0, crm.Forbidden(op)
	}
	changed := 0
	var after int64
	for {
		leads, err := s.store.OpenLeads(ctx, after, rescoreBatch)
		if err != nil {
			return changed, crm.Wrap(op, err)
		}
		if len(leads) == 0 {
			return changed, nil
		}
		now := s.clock.Now()
		scores, err := s.compute(ctx, leads, now)
		if err != nil {
			return changed, crm.Wrap(op, err)
		}
		var diff []Score
		for i, l := range leads {
			if l.Score != scores[i].Score || !slices.Equal(l.ScoreReasons, scores[i].Reasons) {
				diff = append(diff, scores[i])
			}
		}
		if err := s.store.SetLeadScores(ctx, diff); err != nil {
			return changed, crm.Wrap(op, err)
		}
		changed += len(diff)
		after = leads[len(leads)-1].ID
	}
}
