package lead

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/guanxi-crm/guanxi/internal/crm"
)

func TestEvaluate(t *testing.T) {
	r := DefaultRules()
	tests := []struct {
		name      string
		f         LeadFields
		behaviour []int64
		score     int
		rules     []string
	}{
		{"nothing known", LeadFields{Name: "x"}, nil, 0, nil},
		{"a company at a business domain", LeadFields{CompanyName: "Acme", Email: "ann@acme.com.tw"}, nil, 20, []string{"has_company", "business_email"}},
		{"free mail is no business", LeadFields{Email: "ann@gmail.com"}, nil, 0, nil},
		{"Taiwan's free mail too", LeadFields{Email: "ann@msa.hinet.net"}, nil, 0, nil},
		{"a size band", LeadFields{CompanySize: "1001-5000", Phone: "+886912345678"}, nil, 25, []string{"has_phone", "company_size"}},
		{"a size band worth nothing", LeadFields{CompanySize: "1-10"}, nil, 0, nil},
		{"a source", LeadFields{Source: "referral"}, nil, 10, []string{"source"}},
		{"behaviour", LeadFields{}, []int64{2, 0, 1}, 25, []string{"behaviour", "behaviour"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			score, reasons := Evaluate(r, tt.f, tt.behaviour)
			var rules []string
			sum := 0
			for _, x := range reasons {
				rules = append(rules, x.Rule)
				sum += x.Points
			}
			if score != tt.score || sum != score || !slices.Equal(rules, tt.rules) {
				t.Errorf("score %d, reasons %+v; want %d %v", score, reasons, tt.score, tt.rules)
			}
		})
	}
	_, reasons := Evaluate(r, LeadFields{}, []int64{3, 0, 0})
	if len(reasons) != 1 || reasons[0].Detail != "visited pricing (3)" {
		t.Errorf("the reason of a behaviour: %+v", reasons)
	}
	// A rule that needs several events.
	r.Behaviour = []BehaviourRule{{Name: "regular", EventType: "page_view", MinCount: 5, Points: 7}}
	if s, _ := Evaluate(r, LeadFields{}, []int64{4}); s != 0 {
		t.Errorf("4 of 5 events scored %d", s)
	}
	if s, _ := Evaluate(r, LeadFields{}, []int64{5}); s != 7 {
		t.Errorf("5 of 5 events scored %d", s)
	}
}

func TestRulesNormalize(t *testing.T) {
	var v crm.Violations
	r := Rules{HasCompany: 2000, FreeMailDomains: []string{" Example.COM ", "no dots", ""},
		Source: map[string]int{"ads": 5}, CompanySize: map[string]int{"11-50": 1},
		Behaviour: []BehaviourRule{{Name: "ok", EventType: "email_opened", Points: 1}, {Name: "", EventType: "x", Property: "Path!", Points: 1}}}
	r.normalize(&v)
	var got []string
	for _, f := range v.Fields() {
		got = append(got, f.Field+"="+f.Code)
	}
	want := []string{"has_company=out_of_range", "free_mail_domains[1]=invalid_domain", "free_mail_domains[2]=invalid_domain",
		"behaviour[1].name=required", "behaviour[1].property=invalid_property"}
	if !slices.Equal(got, want) {
		t.Errorf("violations %v, want %v", got, want)
	}
	if r.FreeMailDomains[0] != "example.com" || r.Behaviour[0].MinCount != 1 {
		t.Errorf("normalized %+v", r)
	}
	if !r.freeMail("EXAMPLE.com") || r.freeMail("gmail.com") {
		t.Error("a list of free mail domains replaces the built-in one")
	}
}

func TestLeadFieldsNormalize(t *testing.T) {
	var v crm.Violations
	f := LeadFields{Name: "  王\t小明 ", Email: " Ming@Example.COM ", Phone: "(02) 2345-6789 #12", UTMSource: " fb ",
		Custom: map[string]any{"budget": 5.0, "note": "  hi ", "gone": nil, "empty": ""}}
	f.normalize(&v, "TW")
	if !v.Empty() {
		t.Fatalf("violations %+v", v.Fields())
	}
	if f.Name != "王 小明" || f.Email != "ming@example.com" || f.Phone != "+886223456789;ext=12" || f.UTMSource != "fb" {
		t.Errorf("normalized %+v", f)
	}
	if len(f.Custom) != 2 || f.Custom["note"] != "hi" {
		t.Errorf("custom %v", f.Custom)
	}
}

func TestPoolFor(t *testing.T) {
	team := int64(7)
	def := &Pool{ID: 1, Default: true}
	north := &Pool{ID: 2, TeamID: &team}
	pools := []*Pool{def, north}
	other := int64(8)
	tests := []struct {
		name         string
		pool, teamID *int64
		want         *Pool
	}{
		{"named", ptr(int64(2)), nil, north},
		{"by team", nil, &team, north},
		{"a team without a pool", nil, &other, def},
		{"nothing", nil, nil, def},
		{"an unknown pool", ptr(int64(99)), nil, def},
	}
	for _, tt := range tests {
		if got := poolFor(pools, tt.pool, tt.teamID); got != tt.want {
			t.Errorf("%s: pool %+v, want %+v", tt.name, got, tt.want)
		}
	}
}

func TestClaimDue(t *testing.T) {
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	c := &Claim{Status: ClaimActive, ClaimedAt: at}
	c.setDue(&Pool{PoolFields: PoolFields{RecycleDays: 3}})
	if !c.DueAt.Equal(at.Add(72 * time.Hour)) {
		t.Errorf("due %v", c.DueAt)
	}
	c.FollowedUpAt = ptr(at.Add(-time.Hour)) // an activity logged late counts from the claim
	c.setDue(&Pool{PoolFields: PoolFields{RecycleDays: 3}})
	if !c.DueAt.Equal(at.Add(72 * time.Hour)) {
		t.Errorf("due %v", c.DueAt)
	}
	c.FollowedUpAt = ptr(at.Add(24 * time.Hour))
	c.setDue(&Pool{PoolFields: PoolFields{RecycleDays: 3}})
	if !c.DueAt.Equal(at.Add(96 * time.Hour)) {
		t.Errorf("due %v", c.DueAt)
	}
	c.setDue(&Pool{})
	if c.DueAt != nil {
		t.Error("a pool that does not recycle sets a due time")
	}
	c.Status = ClaimPending
	c.setDue(&Pool{PoolFields: PoolFields{RecycleDays: 3}})
	if c.DueAt != nil {
		t.Error("a pending claim falls due")
	}
}

func TestFormFieldsNormalize(t *testing.T) {
	var v crm.Violations
	f := FormFields{Slug: " Demo-1 ", Name: "Demo"}
	f.normalize(&v)
	if !v.Empty() || f.Slug != "demo-1" || len(f.Fields) != 4 || f.DefaultSource != "web_form" {
		t.Errorf("%+v %+v", f, v.Fields())
	}
	v = crm.Violations{}
	f = FormFields{Slug: "-x", Name: "x", Fields: []FormField{{Field: "title"}, {Field: "title"}, {Field: "age"}}, RedirectURL: "javascript:alert(1)"}
	f.normalize(&v)
	var got []string
	for _, fe := range v.Fields() {
		got = append(got, fe.Field+"="+fe.Code)
	}
	if want := "slug=invalid_slug fields[1].field=listed_twice fields[2].field=not_one_of fields=form_needs_contact_field redirect_url=invalid_url"; strings.Join(got, " ") != want {
		t.Errorf("violations %v, want %s", got, want)
	}
}
