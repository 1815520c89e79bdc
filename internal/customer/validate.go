package customer

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/guanxi-crm/guanxi/internal/crm"
)

func indexed(field string, i int) string { return fmt.Sprintf("%s[%d]", field, i) }

// validDate accepts YYYY-MM-DD, and --MM-DD (a date whose year is unknown,
// as vCard writes birthdays) when partialYear is set.
func validDate(s string, partialYear bool) bool {
	if partialYear && strings.HasPrefix(s, "--") && len(s) == 7 {
		_, err := time.Parse(time.DateOnly, "2000"+s[1:]) // 2000 is a leap year: --02-29 is fine
		return err == nil
	}
	_, err := time.Parse(time.DateOnly, s)
	return err == nil && len(s) == 10
}

var languageTag = regexp.MustCompile(`^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$`)

// canonicalLanguage writes a BCP 47 tag in its usual case: zh-hant-tw →
// zh-Hant-TW.
func canonicalLanguage(tag string) (string, bool) {
	tag = strings.ReplaceAll(strings.TrimSpace(tag), "_", "-")
	if tag == "" {
		return "", true
	}
	if !languageTag.MatchString(tag) {
		return "", false
	}
	parts := strings.Split(tag, "-")
	parts[0] = strings.ToLower(parts[0])
	for i := 1; i < len(parts); i++ {
		switch len(parts[i]) {
		case 4:
			parts[i] = strings.ToUpper(parts[i][:1]) + strings.ToLower(parts[i][1:])
		case 2:
			parts[i] = strings.ToUpper(parts[i])
		default:
			parts[i] = strings.ToLower(parts[i])
		}
	}
	return strings.Join(parts, "-"), true
}

func validateAddress(v *crm.Violations, a *Address) {
	a.Street = crm.CleanText(v, "address.street", a.Street, 300)
	a.City = crm.CleanText(v, "address.city", a.City, 100)
	a.Region = crm.CleanText(v, "address.region", a.Region, 100)
	a.PostalCode = crm.CleanText(v, "address.postal_code", a.PostalCode, 20)
	a.Country = strings.ToUpper(strings.TrimSpace(a.Country))
	if a.Country != "" && !crm.ValidCountry(a.Country) {
		v.Add("address.country", "invalid_country")
	}
}

// hasUnspacedScript reports whether a name is written in a script that puts
// the family name first with no space (Chinese, Japanese, Korean).
func hasUnspacedScript(s string) bool {
	for _, r := range s {
		if unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul) {
			return true
		}
	}
	return false
}

// DeriveDisplayName composes a display name from family and given names the
// way each script writes them: 王小李, Ann Lee.
func DeriveDisplayName(family, given string) string {
	if hasUnspacedScript(family + given) {
		return family + given
	}
	return strings.TrimSpace(given + " " + family)
}

// normalize validates the fields and brings them to their stored form.
func (f *ContactFields) normalize(v *crm.Violations, defs []FieldDef, creating bool, region string, stored ...map[string]any) {
	f.FamilyName = crm.CleanText(v, "family_name", f.FamilyName, 100)
	f.GivenName = crm.CleanText(v, "given_name", f.GivenName, 100)
	f.DisplayName = crm.CleanText(v, "display_name", f.DisplayName, 200)

	emails := make([]Email, 0, len(f.Emails))
	for i, e := range f.Emails {
		addr, code := crm.NormalizeEmail(e.Address)
		if code != "" {
			v.Add(indexed("emails", i)+".address", code)
			continue
		}
		if !slices.Contains([]string{"", "work", "home", "other"}, e.Label) {
			v.Add(indexed("emails", i)+".label", "not_one_of", "allowed", "work, home, other")
		}
		if !slices.ContainsFunc(emails, func(x Email) bool { return x.Address == addr }) {
			emails = append(emails, Email{Address: addr, Label: e.Label})
		}
	}
	if len(f.Emails) > 20 {
		v.Add("emails", "too_many", "max", 20)
	}
	f.Emails = emails

	phones := make([]Phone, 0, len(f.Phones))
	for i, p := range f.Phones {
		number, ext, code := crm.NormalizePhone(p.Number, region)
		if code != "" {
			v.Add(indexed("phones", i)+".number", code, "region", region)
			continue
		}
		if p.Ext != "" {
			ext = strings.TrimSpace(p.Ext)
			if len(ext) > 10 || strings.Trim(ext, "0123456789") != "" {
				v.Add(indexed("phones", i)+".ext", "invalid_extension")
			}
		}
		if !slices.Contains([]string{"", "mobile", "work", "home", "fax", "other"}, p.Label) {
			v.Add(indexed("phones", i)+".label", "not_one_of", "allowed", "mobile, work, home, fax, other")
		}
		if !slices.ContainsFunc(phones, func(x Phone) bool { return x.Number == number && x.Ext == ext }) {
			phones = append(phones, Phone{Number: number, Ext: ext, Label: p.Label})
		}
	}
	if len(f.Phones) > 20 {
		v.Add("phones", "too_many", "max", 20)
	}
	f.Phones = phones

	if f.DisplayName == "" {
		f.DisplayName = DeriveDisplayName(f.FamilyName, f.GivenName)
	}
	if f.DisplayName == "" && len(f.Emails) > 0 {
		f.DisplayName = f.Emails[0].Address
	}
	if f.DisplayName == "" && len(f.Phones) > 0 {
		f.DisplayName = f.Phones[0].Number
	}
	if f.DisplayName == "" {
		v.Add("display_name", "name_or_contact_required")
	}

	validateAddress(v, &f.Address)
	f.Birthday = strings.TrimSpace(f.Birthday)
	if f.Birthday != "" && !validDate(f.Birthday, true) {
		v.Add("birthday", "invalid_date")
	}
	for i := range f.Anniversaries {
		a := &f.Anniversaries[i]
		a.Label = crm.CleanText(v, indexed("anniversaries", i)+".label", a.Label, 100)
		if a.Label == "" {
			v.Add(indexed("anniversaries", i)+".label", "required")
		}
		if !validDate(a.Date, true) {
			v.Add(indexed("anniversaries", i)+".date", "invalid_date")
		}
	}
	if f.Anniversaries == nil {
		f.Anniversaries = []Anniversary{}
	}
	if !slices.Contains([]Gender{"", GenderFemale, GenderMale, GenderOther}, f.Gender) {
		v.Add("gender", "not_one_of", "allowed", "female, male, other")
	}
	if lang, ok := canonicalLanguage(f.PreferredLanguage); ok {
		f.PreferredLanguage = lang
	} else {
		v.Add("preferred_language", "invalid_language")
	}
	f.Tags = normalizeTags("tags", f.Tags, v)
	if f.LifecycleStage == "" {
		f.LifecycleStage = StageLead
	} else if !slices.Contains(Stages, f.LifecycleStage) {
		v.Add("lifecycle_stage", "not_one_of", "allowed", joinStrings(Stages))
	}
	for name, c := range f.Consent.channels() {
		if !slices.Contains([]ConsentStatus{ConsentUnknown, ConsentGranted, ConsentDenied}, c.Status) {
			v.Add("consent."+name+".status", "not_one_of", "allowed", "granted, denied")
		}
		c.Source = crm.CleanText(v, "consent."+name+".source", c.Source, 100)
	}
	f.Custom = validateCustom(defs, f.Custom, creating, region, v, stored...)
}

// channels lists the consent of each channel by its JSON name, for loops
// that treat them alike.
func (c *Consent) channels() map[string]*ChannelConsent {
	return map[string]*ChannelConsent{"email": &c.Email, "sms": &c.SMS, "phone": &c.Phone, "messaging": &c.Messaging}
}

// stampConsent dates and sources every channel whose consent changed: a
// change without a date of its own is dated now, and a new status without a
// new source gets defaultSource (the channel the change came through).
func stampConsent(before, after *Consent, now time.Time, defaultSource string) {
	old := before.channels()
	for name, c := range after.channels() {
		prev := old[name]
		if c.Status == ConsentUnknown {
			*c = ChannelConsent{}
			continue
		}
		if c.Status == prev.Status && c.Source == prev.Source && equalTimePtr(c.At, prev.At) {
			continue
		}
		if c.At == nil || equalTimePtr(c.At, prev.At) {
			c.At = &now
		} else {
			t := crm.Truncate(*c.At)
			c.At = &t
		}
		if c.Source == "" || (c.Status != prev.Status && c.Source == prev.Source) {
			c.Source = defaultSource
		}
	}
}

func equalTimePtr(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Equal(*b)
}

var domainLabel = regexp.MustCompile(`^[\p{L}\p{N}]([\p{L}\p{N}-]{0,61}[\p{L}\p{N}])?$`)

// normalizeDomain reduces "https://www.Example.com.tw/about" to
// "example.com.tw".
func normalizeDomain(s string) (string, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" {
		return "", true
	}
	if i := strings.Index(s, "://"); i >= 0 {
		s = s[i+3:]
	}
	if i := strings.IndexAny(s, "/?#"); i >= 0 {
		s = s[:i]
	}
	s = strings.TrimSuffix(strings.TrimPrefix(s, "www."), ".")
	if len(s) > 253 || !strings.Contains(s, ".") {
		return "", false
	}
	for _, label := range strings.Split(s, ".") {
		if !domainLabel.MatchString(label) {
			return "", false
		}
	}
	return s, true
}

func (f *CompanyFields) normalize(v *crm.Violations, defs []FieldDef, creating bool, region string, stored ...map[string]any) {
	f.Name = crm.CleanText(v, "name", f.Name, 200)
	if f.Name == "" {
		v.Add("name", "required")
	}
	if d, ok := normalizeDomain(f.Domain); ok {
		f.Domain = d
	} else {
		v.Add("domain", "invalid_domain")
	}
	f.Industry = crm.CleanText(v, "industry", f.Industry, 100)
	if f.Size != "" && !slices.Contains(CompanySizes, f.Size) {
		v.Add("size", "not_one_of", "allowed", strings.Join(CompanySizes, ", "))
	}
	validateAddress(v, &f.Address)
	f.Tags = normalizeTags("tags", f.Tags, v)
	f.Custom = validateCustom(defs, f.Custom, creating, region, v, stored...)
}

func (f *PositionFields) normalize(v *crm.Violations) {
	if f.ContactID <= 0 {
		v.Add("contact_id", "required")
	}
	if f.CompanyID <= 0 {
		v.Add("company_id", "required")
	}
	f.Title = crm.CleanText(v, "title", f.Title, 200)
	f.Department = crm.CleanText(v, "department", f.Department, 200)
	if f.BuyingRole != "" && !slices.Contains(BuyingRoles, f.BuyingRole) {
		v.Add("buying_role", "not_one_of", "allowed", joinStrings(BuyingRoles))
	}
	if f.Influence < 0 || f.Influence > 5 {
		v.Add("influence", "out_of_range", "min", 0, "max", 5)
	}
	switch f.Status {
	case "":
		f.Status = PositionCurrent
	case PositionCurrent, PositionPast:
	default:
		v.Add("status", "not_one_of", "allowed", "current, past")
	}
	if f.StartedOn != "" && !validDate(f.StartedOn, false) {
		v.Add("started_on", "invalid_date")
	}
	if f.EndedOn != "" && !validDate(f.EndedOn, false) {
		v.Add("ended_on", "invalid_date")
	}
	if f.StartedOn != "" && f.EndedOn != "" && f.EndedOn < f.StartedOn {
		v.Add("ended_on", "ends_before_start")
	}
	if f.ReportsToID != nil && *f.ReportsToID == f.ContactID {
		v.Add("reports_to_id", "reports_to_self")
	}
}
