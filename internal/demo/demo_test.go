package demo_test

import (
	"fmt"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"unicode"

	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/demo"
)

func TestGenerateIsDeterministic(t *testing.T) {
	tests := []struct {
		name   string
		seeds  [2]int64
		n      int
		wantEq bool
	}{
		{"same seed, same data", [2]int64{1, 1}, 300, true},
		{"same seed, larger set", [2]int64{42, 42}, 3000, true},
		{"another seed, other data", [2]int64{1, 2}, 300, false},
		{"negative seeds work too", [2]int64{-7, -7}, 100, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := demo.Generate(tt.seeds[0], tt.n), demo.Generate(tt.seeds[1], tt.n)
			if eq := reflect.DeepEqual(a, b); eq != tt.wantEq {
				t.Errorf("Generate(%d, %d) equal to Generate(%d, %d): %v, want %v", tt.seeds[0], tt.n, tt.seeds[1], tt.n, eq, tt.wantEq)
			}
			if !tt.wantEq {
				same := 0
				for i := range a.Contacts {
					if a.Contacts[i].Fields.FamilyName+a.Contacts[i].Fields.GivenName == b.Contacts[i].Fields.FamilyName+b.Contacts[i].Fields.GivenName {
						same++
					}
				}
				if same > len(a.Contacts)/5 {
					t.Errorf("%d of %d contacts have the same name under both seeds", same, len(a.Contacts))
				}
			}
		})
	}
}

func TestGenerateSizes(t *testing.T) {
	for _, n := range []int{0, 1, 7, 99, 100, 1000} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			ds := demo.Generate(1, n)
			if len(ds.Contacts) != n {
				t.Errorf("%d contacts, want %d", len(ds.Contacts), n)
			}
			if want := (n - n/100 + 9) / 10; len(ds.Companies) != want {
				t.Errorf("%d companies, want %d", len(ds.Companies), want)
			}
			if len(ds.Users) != 9 || len(ds.Teams) != 3 {
				t.Errorf("%d users in %d teams, want 9 in 3", len(ds.Users), len(ds.Teams))
			}
		})
	}
}

// TestProportions checks that a large data set looks like a Taiwanese
// company's customer base: who the people are, where they live, how far
// along they are, what is known about them.
func TestProportions(t *testing.T) {
	ds := demo.Generate(5, 10_000)
	n := float64(len(ds.Contacts))
	share := func(pred func(c *demo.Contact) bool) float64 {
		k := 0
		for i := range ds.Contacts {
			if pred(&ds.Contacts[i]) {
				k++
			}
		}
		return float64(k) / n
	}
	atCompany := map[int]bool{}
	for _, p := range ds.Positions {
		if p.Fields.Status == customer.PositionCurrent {
			atCompany[p.Contact] = true
		}
	}
	stage := func(s customer.LifecycleStage) func(*demo.Contact) bool {
		return func(c *demo.Contact) bool { return c.Fields.LifecycleStage == s }
	}
	tests := []struct {
		name   string
		got    float64
		lo, hi float64
	}{
		{"Traditional-Chinese names", share(func(c *demo.Contact) bool { return c.Culture == demo.CultureTaiwan }), 0.51, 0.59},
		{"Simplified-Chinese names", share(func(c *demo.Contact) bool { return c.Culture == demo.CultureMainland }), 0.17, 0.23},
		{"English names", share(func(c *demo.Contact) bool { return c.Culture == demo.CultureEnglish }), 0.21, 0.29},
		{"at a company", float64(len(atCompany)) / n, 0.30, 0.37},
		{"likely duplicates", share(func(c *demo.Contact) bool { return c.DuplicateOf >= 0 }), 0.0099, 0.0101},
		{"leads", share(stage(customer.StageLead)), 0.33, 0.43},
		{"prospects", share(stage(customer.StageProspect)), 0.20, 0.28},
		{"customers", share(stage(customer.StageCustomer)), 0.16, 0.24},
		{"loyal", share(stage(customer.StageLoyal)), 0.06, 0.12},
		{"lapsed", share(stage(customer.StageLapsed)), 0.06, 0.12},
		{"in 台北市", share(func(c *demo.Contact) bool { return c.Fields.Address.City == "台北市" }), 0.12, 0.22},
		{"in 上海市", share(func(c *demo.Contact) bool { return c.Fields.Address.City == "上海市" }), 0.05, 0.10},
		{"abroad", share(func(c *demo.Contact) bool { return !strings.Contains("TW CN", c.Fields.Address.Country) }), 0.15, 0.30},
		{"with a birthday", share(func(c *demo.Contact) bool { return c.Fields.Birthday != "" }), 0.62, 0.75},
		{"birthday without year", share(func(c *demo.Contact) bool { return strings.HasPrefix(c.Fields.Birthday, "--") }), 0.13, 0.22},
		{"with an anniversary", share(func(c *demo.Contact) bool { return len(c.Fields.Anniversaries) > 0 }), 0.02, 0.06},
		{"with a gender", share(func(c *demo.Contact) bool { return c.Fields.Gender != "" }), 0.90, 0.97},
		{"with an email", share(func(c *demo.Contact) bool { return len(c.Fields.Emails) > 0 }), 0.75, 0.95},
		{"with a phone", share(func(c *demo.Contact) bool { return len(c.Fields.Phones) > 0 }), 0.75, 0.95},
		{"with tags", share(func(c *demo.Contact) bool { return len(c.Fields.Tags) > 0 }), 0.3, 0.7},
		{"VIP", share(func(c *demo.Contact) bool { return hasTag(c, "VIP") }), 0.03, 0.09},
		{"email consent granted", share(func(c *demo.Contact) bool { return c.Fields.Consent.Email.Status == customer.ConsentGranted }), 0.35, 0.55},
		{"with a membership tier", share(func(c *demo.Contact) bool { return c.Fields.Custom[demo.FieldMembershipTier] != nil }), 0.33, 0.43},
		{"with an annual budget", share(func(c *demo.Contact) bool { return c.Fields.Custom[demo.FieldAnnualBudget] != nil }), 0.05, 0.2},
		{"owned by the team only", share(func(c *demo.Contact) bool { return c.Owner < 0 && c.Team >= 0 }), 0.04, 0.12},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got < tt.lo || tt.got > tt.hi {
				t.Errorf("%.3f of contacts, want %.3f to %.3f", tt.got, tt.lo, tt.hi)
			}
		})
	}
}

func hasTag(c *demo.Contact, tag string) bool {
	for _, t := range c.Fields.Tags {
		if t == tag {
			return true
		}
	}
	return false
}

// TestNamesAndLanguages checks that each culture writes names in its script
// and has its language.
func TestNamesAndLanguages(t *testing.T) {
	ds := demo.Generate(9, 2000)
	han := func(s string) bool {
		for _, r := range s {
			if !unicode.Is(unicode.Han, r) {
				return false
			}
		}
		return s != ""
	}
	latin := regexp.MustCompile(`^[A-Z][A-Za-z']+$`)
	for i, c := range ds.Contacts {
		f := c.Fields
		var ok bool
		switch c.Culture {
		case demo.CultureTaiwan:
			ok = han(f.FamilyName) && han(f.GivenName) && len([]rune(f.GivenName)) <= 2 && f.PreferredLanguage != "zh-Hans-CN"
		case demo.CultureMainland:
			ok = han(f.FamilyName) && han(f.GivenName) && f.PreferredLanguage == "zh-Hans-CN"
		case demo.CultureEnglish:
			ok = latin.MatchString(f.FamilyName) && latin.MatchString(f.GivenName) && f.PreferredLanguage == "en"
		}
		if !ok || f.DisplayName != "" {
			t.Errorf("contact %d (%s): %q %q, display %q, language %q", i, c.Culture, f.FamilyName, f.GivenName, f.DisplayName, f.PreferredLanguage)
		}
	}
}

// phoneFormats are how numbers are written at home, per country and label;
// North American, British and Australian ones lie in the ranges reserved
// for fiction.
var phoneFormats = map[string]*regexp.Regexp{
	"TW mobile": regexp.MustCompile(`^09\d{2}([- ]?)\d{3}([- ]?)\d{3}$`),
	"TW fixed":  regexp.MustCompile(`^(\(0\d\) |0\d-)\d{3,4}-\d{4}( #\d+| 分機 \d+| 轉\d+)?$`),
	"CN mobile": regexp.MustCompile(`^1[3-9]\d( ?)\d{4}( ?)\d{4}$`),
	"CN fixed":  regexp.MustCompile(`^0\d{2,3}-\d{4} ?\d{4}( 转 ?\d+| 分机 \d+)?$`),
	"US":        regexp.MustCompile(`^\(\d{3}\) 555-01\d{2}( ext\. \d+| x\d+)?$`),
	"CA":        regexp.MustCompile(`^\(\d{3}\) 555-01\d{2}( ext\. \d+| x\d+)?$`),
	"GB":        regexp.MustCompile(`^(07700 900\d{3}|020 7946 0\d{3}|01\d{2} 496 0\d{3})( ext\. \d+| x\d+)?$`),
	"AU":        regexp.MustCompile(`^\(0[237]\) (5550|7010) \d{4}( ext\. \d+| x\d+)?$`),
	"SG":        regexp.MustCompile(`^[689]\d{3} \d{4}( ext\. \d+| x\d+)?$`),
}

// TestPhones checks that numbers are written as at home, that the home and
// international forms are the same number whatever the server's region, and
// that no two contacts share one unless they are meant to be duplicates.
func TestPhones(t *testing.T) {
	ds := demo.Generate(11, 5000)
	owner := map[string]int{}
	for i, c := range ds.Contacts {
		if len(c.PhoneCountries) != len(c.Fields.Phones) || len(c.IntlPhones) != len(c.Fields.Phones) {
			t.Fatalf("contact %d: %d phones, %d countries, %d international forms", i, len(c.Fields.Phones), len(c.PhoneCountries), len(c.IntlPhones))
		}
		for j, p := range c.Fields.Phones {
			country := c.PhoneCountries[j]
			format := country
			if country == "TW" || country == "CN" {
				format += map[bool]string{true: " mobile", false: " fixed"}[p.Label == "mobile"]
			}
			if re := phoneFormats[format]; re == nil || !re.MatchString(p.Number) {
				t.Errorf("contact %d: %s number %q is not written as there", i, format, p.Number)
			}
			home, homeExt, code := crm.NormalizePhone(p.Number, country)
			if code != "" {
				t.Errorf("contact %d: %q in %s: %s", i, p.Number, country, code)
				continue
			}
			for _, region := range []string{"", "TW", "US", "CN"} {
				n := c.PhonesFor(region)[j].Number
				e164, ext, code := crm.NormalizePhone(n, region)
				if e164 != home || ext != homeExt || code != "" {
					t.Errorf("contact %d: %q for region %q = %q ext %q %s; want %q ext %q", i, n, region, e164, ext, code, home, homeExt)
				}
			}
			if prev, ok := owner[home]; ok && c.DuplicateOf != prev {
				t.Errorf("contacts %d and %d share %s", prev, i, home)
			}
			if _, ok := owner[home]; !ok {
				owner[home] = i
			}
		}
	}
}

func TestEmails(t *testing.T) {
	ds := demo.Generate(13, 5000)
	owner := map[string]int{}
	providers := map[string]int{}
	for i, c := range ds.Contacts {
		for _, e := range c.Fields.Emails {
			if norm, code := crm.NormalizeEmail(e.Address); code != "" || norm != e.Address {
				t.Errorf("contact %d: %q normalises to %q %s", i, e.Address, norm, code)
			}
			if prev, ok := owner[e.Address]; ok && c.DuplicateOf != prev {
				t.Errorf("contacts %d and %d share %s", prev, i, e.Address)
			} else if !ok {
				owner[e.Address] = i
			}
			providers[e.Address[strings.IndexByte(e.Address, '@')+1:]]++
		}
	}
	for domain := range providers {
		if !strings.HasSuffix(domain, ".example") {
			t.Errorf("an address at %s, which is not a reserved domain", domain)
		}
	}
	for _, p := range []string{"gmail.example", "yahoo.example", "163.example", "qq.example", "msa.hinet.example"} {
		if providers[p] == 0 {
			t.Errorf("no one at %s", p)
		}
	}
	for _, u := range ds.Users {
		if !strings.HasSuffix(u.Fields.Email, "@guanxi-demo.example") {
			t.Errorf("user %s is not at the reserved demo domain", u.Fields.Email)
		}
	}
}

// TestCommittees checks the buying organisation: each company's current
// positions form a tree under one decision maker, listed root first, and
// past positions are dated.
func TestCommittees(t *testing.T) {
	ds := demo.Generate(17, 3000)
	type key struct{ contact, company int }
	seen := map[key]bool{}
	deciders := map[int]int{}
	roles := map[customer.BuyingRole]int{}
	past := 0
	for i, p := range ds.Positions {
		f := p.Fields
		roles[f.BuyingRole]++
		if f.Status == customer.PositionPast {
			past++
			if f.StartedOn == "" || f.EndedOn == "" || f.EndedOn < f.StartedOn || p.ReportsTo >= 0 {
				t.Errorf("past position %d: %+v", i, p)
			}
			continue
		}
		if f.BuyingRole == customer.RoleDecisionMaker {
			deciders[p.Company]++
			if f.Influence != 5 || p.ReportsTo >= 0 {
				t.Errorf("decision maker %d: influence %d, reports to %d", i, f.Influence, p.ReportsTo)
			}
		}
		if p.ReportsTo >= 0 && !seen[key{p.ReportsTo, p.Company}] {
			t.Errorf("position %d reports to contact %d, who holds no earlier position at company %d", i, p.ReportsTo, p.Company)
		}
		if p.ReportsTo == p.Contact {
			t.Errorf("position %d reports to itself", i)
		}
		seen[key{p.Contact, p.Company}] = true
		if c := ds.Contacts[p.Contact]; c.Company != p.Company {
			t.Errorf("position %d at company %d, but its contact says %d", i, p.Company, c.Company)
		}
	}
	for co, n := range deciders {
		if n != 1 && n != 2 { // 2: the decision maker and their near-duplicate
			t.Errorf("company %d has %d decision makers", co, n)
		}
	}
	for _, r := range customer.BuyingRoles {
		if roles[r] == 0 {
			t.Errorf("no %s in any committee", r)
		}
	}
	if past == 0 || past > len(ds.Positions)/10 {
		t.Errorf("%d past positions of %d", past, len(ds.Positions))
	}
}

// TestDuplicates checks that every likely duplicate shares what the
// duplicates screen looks for with its original.
func TestDuplicates(t *testing.T) {
	ds := demo.Generate(19, 3000)
	kinds := map[string]int{}
	for i, c := range ds.Contacts {
		if c.DuplicateOf < 0 {
			continue
		}
		o := ds.Contacts[c.DuplicateOf]
		switch {
		case len(c.Fields.Emails) > 0 && c.Fields.Emails[0].Address == o.Fields.Emails[0].Address:
			kinds["email"]++
		case len(c.Fields.Phones) > 0 && len(o.Fields.Phones) > 0 && c.IntlPhones[0] == o.IntlPhones[0]:
			kinds["phone"]++
		case c.Company >= 0 && c.Company == o.Company:
			a := &customer.Contact{ContactFields: c.Fields}
			b := &customer.Contact{ContactFields: o.Fields}
			if sim := customer.NameSimilarity(a, b); sim < 0.9 {
				t.Errorf("contact %d (%s %s) is not similar enough to %d (%s %s): %.2f", i, c.Fields.GivenName, c.Fields.FamilyName,
					c.DuplicateOf, o.Fields.GivenName, o.Fields.FamilyName, sim)
			}
			kinds["name"]++
		default:
			t.Errorf("contact %d is no likely duplicate of %d", i, c.DuplicateOf)
		}
	}
	if kinds["email"] == 0 || kinds["phone"] == 0 || kinds["name"] == 0 {
		t.Errorf("duplicates by kind: %v", kinds)
	}
}
