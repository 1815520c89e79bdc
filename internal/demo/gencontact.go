package demo

import (
	"fmt"
	"strings"
	"time"
	"unicode"

	"github.com/guanxi-crm/guanxi/internal/customer"
)

// person is a generated name and what email addresses are made of.
type person struct {
	family, given       string // as written: 陳 冠宇, Smith John
	familyRom, givenRom string // romanised: Chen, Kuan-Yu
	english             string // the English name a Taiwanese uses at work, or ""
	gender              customer.Gender
}

func (g *gen) person(c Culture) person {
	switch c {
	case CultureTaiwan:
		s := weighted(g, chooseTWSurname)
		gv := pick(g, twGiven2)
		if g.chance(0.08) {
			gv = pick(g, twGiven1)
		}
		p := person{family: s.han, given: gv.han, familyRom: s.rom, givenRom: gv.rom, gender: gv.gender}
		if g.chance(0.45) {
			p.english = pick(g, twEnglishNames[gv.gender])
		}
		return p
	case CultureMainland:
		s := weighted(g, chooseCNSurname)
		gv := pick(g, cnGiven)
		return person{family: s.han, given: gv.han, familyRom: s.rom, givenRom: gv.rom, gender: gv.gender}
	}
	s := weighted(g, chooseENSurname)
	gv := pick(g, enGiven)
	return person{family: s.han, given: gv.han, familyRom: s.rom, givenRom: gv.rom, gender: gv.gender}
}

// seatKind is a seat of a buying committee.
type seatKind int

const (
	seatDecisionMaker seatKind = iota
	seatPurchasing
	seatTechnical
	seatGatekeeper
	seatFinance
	seatUser
)

// seatPlan is a planned position: which company, which seat, and the seat
// (index into the plan) it reports to.
type seatPlan struct {
	company   int
	kind      seatKind
	reportsTo int
	fields    customer.PositionFields
}

// committee plans the k seats of a company's buying committee as a small
// tree: the decision maker at the root; purchasing, the technical lead, the
// gatekeeper and finance under them; users under purchasing or the
// technical lead. base is the plan index of the first seat.
func (g *gen) committee(company, k, base int) []seatPlan {
	order := []seatKind{seatDecisionMaker, seatPurchasing, seatTechnical, seatGatekeeper, seatFinance}
	seats := make([]seatPlan, 0, k)
	for i := range k {
		kind := seatUser
		if i < len(order) {
			kind = order[i]
		}
		s := seatPlan{company: company, kind: kind, reportsTo: -1}
		switch {
		case kind == seatDecisionMaker:
		case kind == seatUser && (k < 3 || g.chance(0.4)):
			s.reportsTo = base + 1 // purchasing
		case kind == seatUser:
			s.reportsTo = base + 2 // the technical lead
		default:
			s.reportsTo = base
		}
		if kind != seatDecisionMaker && g.chance(0.08) {
			s.reportsTo = -1 // the seller does not know the reporting line
		}
		s.fields = g.seatFields(g.ds.Companies[company].Culture, kind)
		seats = append(seats, s)
	}
	return seats
}

func (g *gen) seatFields(c Culture, kind seatKind) customer.PositionFields {
	t := titlesOf[c]
	var f customer.PositionFields
	var st seat
	switch kind {
	case seatDecisionMaker:
		st, f.BuyingRole, f.Influence = t.decisionMaker, customer.RoleDecisionMaker, 5
	case seatPurchasing:
		st, f.BuyingRole, f.Influence = t.purchasing, customer.RolePurchasing, g.between(3, 4)
	case seatTechnical:
		st, f.BuyingRole, f.Influence = t.technical, customer.RoleInfluencer, g.between(3, 5)
	case seatGatekeeper:
		st, f.BuyingRole, f.Influence = t.gatekeeper, customer.RoleGatekeeper, g.between(1, 2)
	case seatFinance:
		st, f.BuyingRole, f.Influence = t.finance, customer.RoleInfluencer, g.between(3, 4)
	default:
		st, f.BuyingRole, f.Influence = t.user, customer.RoleUser, g.between(1, 2)
	}
	td := pick(g, st)
	f.Title, f.Department = td.title, td.department
	if kind != seatDecisionMaker && g.chance(0.05) {
		f.Influence = 0 // not rated
	}
	f.Status = customer.PositionCurrent
	if g.chance(0.85) {
		lo := 60
		if kind == seatDecisionMaker {
			lo = 400
		}
		f.StartedOn = g.daysBefore(lo, 5500).Format(time.DateOnly)
	}
	return f
}

// location is where a person lives: a Chinese-speaking city or one abroad.
type location struct {
	zh *place
	en *enPlace
}

func (l location) country() string {
	if l.zh != nil {
		return l.zh.country
	}
	return l.en.country
}

// cities finds a place by city name, for the homes of a company's people.
var cities = func() map[string]location {
	m := map[string]location{}
	for i := range twPlaces {
		m[twPlaces[i].city] = location{zh: &twPlaces[i]}
	}
	for i := range cnPlaces {
		m[cnPlaces[i].city] = location{zh: &cnPlaces[i]}
	}
	for i := range enPlaces {
		m[enPlaces[i].city] = location{en: &enPlaces[i]}
	}
	return m
}()

func (g *gen) locationOf(c Culture) location {
	x := g.r.Float64()
	switch {
	case c == CultureTaiwan && x < 0.95, c == CultureEnglish && x < 0.1:
		p := weighted(g, chooseTWPlace)
		return location{zh: &p}
	case c == CultureTaiwan && x < 0.98, c == CultureMainland && x < 0.98, c == CultureEnglish && x < 0.14:
		p := weighted(g, chooseCNPlace)
		return location{zh: &p}
	}
	p := weighted(g, chooseENPlace)
	return location{en: &p}
}

func (g *gen) homeAddress(l location) customer.Address {
	switch {
	case l.en != nil:
		return g.enAddress(*l.en, false)
	case l.zh.country == "CN":
		return g.cnAddress(*l.zh, false)
	}
	return g.twAddress(*l.zh, false)
}

// contacts makes n contacts, about a third of them in the buying committees
// of the companies, with their positions.
func (g *gen) contacts(n int) {
	var seats []seatPlan
	target := n / 3
	for ci := range g.ds.Companies {
		if len(seats) >= target {
			break
		}
		if !g.chance(0.8) {
			continue // no one known there yet
		}
		band := 1
		for i, b := range sizeBands {
			if b.size == g.ds.Companies[ci].Fields.Size {
				band = i
			}
		}
		k := min(g.between(sizeBands[band].minCom, sizeBands[band].maxCo), target-len(seats))
		seats = append(seats, g.committee(ci, k, len(seats))...)
	}
	// The seat holders are spread over the contacts.
	perm := g.r.Perm(n)
	seatOf := make([]int, n)
	for i := range seatOf {
		seatOf[i] = -1
	}
	for s := range seats {
		seatOf[perm[s]] = s
	}
	g.ds.Contacts = make([]Contact, 0, n+n/50)
	for i := range n {
		if s := seatOf[i]; s >= 0 {
			g.ds.Contacts = append(g.ds.Contacts, g.contact(g.ds.Companies[seats[s].company].Culture, &seats[s]))
		} else {
			g.ds.Contacts = append(g.ds.Contacts, g.contact(weighted(g, chooseCulture), nil))
		}
	}
	g.ds.Positions = make([]Position, 0, len(seats)+n/20)
	for s, sp := range seats {
		p := Position{Fields: sp.fields, Contact: perm[s], Company: sp.company, ReportsTo: -1}
		if sp.reportsTo >= 0 {
			p.ReportsTo = perm[sp.reportsTo]
		}
		g.ds.Positions = append(g.ds.Positions, p)
	}
	g.pastPositions(len(seats))
}

// pastPositions gives some people a job they held before: those in a
// committee came from elsewhere, a few others have left a company.
func (g *gen) pastPositions(current int) {
	if len(g.ds.Companies) < 2 {
		return
	}
	for i := range current {
		cur := g.ds.Positions[i]
		if !g.chance(0.05) {
			continue
		}
		endDays := g.between(30, 1500)
		if cur.Fields.StartedOn != "" {
			started, _ := time.Parse(time.DateOnly, cur.Fields.StartedOn)
			endDays = int(epoch.Sub(started).Hours()/24) + g.between(5, 90)
		}
		g.pastPosition(cur.Contact, cur.Company, endDays)
	}
	for ci, c := range g.ds.Contacts {
		if c.Company < 0 && g.chance(0.015) {
			g.pastPosition(ci, -1, g.between(30, 1500))
		}
	}
}

func (g *gen) pastPosition(contact, notCompany, endDays int) {
	co := g.intn(len(g.ds.Companies))
	if co == notCompany {
		co = (co + 1) % len(g.ds.Companies)
	}
	f := g.seatFields(g.ds.Companies[co].Culture, pick(g, []seatKind{seatUser, seatUser, seatPurchasing, seatTechnical}))
	f.Status = customer.PositionPast
	f.Influence = min(f.Influence, 3)
	f.StartedOn = epoch.AddDate(0, 0, -(endDays + g.between(200, 3000))).Format(time.DateOnly)
	f.EndedOn = epoch.AddDate(0, 0, -endDays).Format(time.DateOnly)
	g.ds.Positions = append(g.ds.Positions, Position{Fields: f, Contact: contact, Company: co, ReportsTo: -1})
}

// contact makes a person of a culture, at the seat of a company's committee
// when seat is not nil.
func (g *gen) contact(cult Culture, seat *seatPlan) Contact {
	c := Contact{Culture: cult, Company: -1, Owner: -1, Team: -1, DuplicateOf: -1}
	p := g.person(cult)
	f := &c.Fields
	f.FamilyName, f.GivenName, f.Gender = p.family, p.given, p.gender
	switch x := g.r.Float64(); {
	case x < 0.06:
		f.Gender = ""
	case x < 0.065:
		f.Gender = customer.GenderOther
	}
	var co *Company
	var loc location
	if seat != nil {
		c.Company = seat.company
		co = &g.ds.Companies[seat.company]
		loc = cities[co.Fields.Address.City]
		if g.chance(0.6) {
			f.Address = co.Fields.Address
		} else {
			f.Address = g.homeAddress(loc)
		}
		c.Owner, c.Team = co.Owner, co.Team
	} else {
		loc = g.locationOf(cult)
		f.Address = g.homeAddress(loc)
		c.Owner, c.Team = g.ownership(cult, false)
	}
	switch cult {
	case CultureTaiwan:
		f.PreferredLanguage = "zh-Hant-TW"
		if g.chance(0.03) {
			f.PreferredLanguage = "en"
		}
	case CultureMainland:
		f.PreferredLanguage = "zh-Hans-CN"
	default:
		f.PreferredLanguage = "en"
	}

	birth := g.daysBefore(22*365, 70*365)
	if g.chance(0.7) {
		f.Birthday = birth.Format(time.DateOnly)
		if g.chance(0.25) {
			f.Birthday = birth.Format("--01-02")
		}
	}
	if g.chance(0.04) {
		wed := g.daysBefore(200, 30*365)
		date := wed.Format(time.DateOnly)
		if g.chance(0.2) {
			date = wed.Format("--01-02")
		}
		f.Anniversaries = []customer.Anniversary{{Label: map[Culture]string{CultureTaiwan: "結婚紀念日", CultureMainland: "结婚纪念日", CultureEnglish: "wedding"}[cult], Date: date}}
	}

	// Phones: a mobile for most; a direct line with an extension at work.
	country := loc.country()
	var mobile string
	mobileRate := 0.85
	if seat != nil {
		mobileRate = 0.75
	}
	if g.chance(mobileRate) {
		if n, ok := g.uniquePhone(func() phoneNumber { return g.mobile(loc) }); ok {
			c.addPhone(n, country, "mobile")
			mobile = n.e164
		}
	}
	if seat != nil && g.chance(0.5) || seat == nil && g.chance(0.1) {
		label, ext := "home", ""
		if seat != nil {
			label, ext = "work", g.extension(country)
		}
		if n, ok := g.uniquePhone(func() phoneNumber { return g.landline(loc, ext) }); ok {
			c.addPhone(n, country, label)
		}
	}

	// Emails: work at the employer's domain, personal at common providers.
	if co != nil && co.Fields.Domain != "" && g.chance(0.75) {
		if e := g.email(g.workHandle(p, cult), co.Fields.Domain); e != "" {
			f.Emails = append(f.Emails, customer.Email{Address: e, Label: "work"})
		}
	}
	if len(f.Emails) == 0 && g.chance(0.85) || len(f.Emails) > 0 && g.chance(0.25) {
		handle, domain := g.personalEmail(p, cult, country, birth, mobile)
		if e := g.email(handle, domain); e != "" {
			f.Emails = append(f.Emails, customer.Email{Address: e, Label: "home"})
		}
	}

	f.LifecycleStage = weighted(g, chooseStage)
	f.Consent = g.consent(cult, len(f.Emails) > 0, mobile != "", len(f.Phones) > 0)
	f.Tags = g.contactTags(cult, f)
	f.Custom = g.contactCustom(f.LifecycleStage, seat, co)
	return c
}

func (c *Contact) addPhone(n phoneNumber, country, label string) {
	c.Fields.Phones = append(c.Fields.Phones, customer.Phone{Number: n.national, Label: label})
	c.PhoneCountries = append(c.PhoneCountries, country)
	c.IntlPhones = append(c.IntlPhones, n.intl)
}

func (g *gen) consent(cult Culture, email, mobile, phone bool) customer.Consent {
	var out customer.Consent
	status := func(grant, deny float64) customer.ConsentStatus {
		switch x := g.r.Float64(); {
		case x < grant:
			return customer.ConsentGranted
		case x < grant+deny:
			return customer.ConsentDenied
		}
		return customer.ConsentUnknown
	}
	set := func(ch *customer.ChannelConsent, s customer.ConsentStatus, sources []string) {
		if s == customer.ConsentUnknown {
			return
		}
		at := epoch.Add(-time.Duration(g.r.Int64N(int64(4*365*24*time.Hour/time.Second))) * time.Second)
		*ch = customer.ChannelConsent{Status: s, At: &at, Source: pick(g, sources)}
	}
	if email {
		set(&out.Email, status(0.55, 0.12), []string{"web_form", "web_form", "store", "event", "import"})
	}
	if mobile {
		set(&out.SMS, status(0.35, 0.1), []string{"store", "web_form", "phone"})
	}
	if phone {
		set(&out.Phone, status(0.25, 0.05), []string{"phone", "store", "event"})
	}
	switch cult {
	case CultureTaiwan:
		set(&out.Messaging, status(0.35, 0.03), []string{"line_oa"})
	case CultureMainland:
		set(&out.Messaging, status(0.35, 0.03), []string{"wechat_oa"})
	default:
		set(&out.Messaging, status(0.1, 0.02), []string{"whatsapp"})
	}
	return out
}

func (g *gen) contactTags(cult Culture, f *customer.ContactFields) []string {
	var tags []string
	add := func(p float64, tag string) {
		if g.chance(p) {
			tags = append(tags, tag)
		}
	}
	switch f.LifecycleStage {
	case customer.StageLoyal:
		add(0.5, "VIP")
		add(0.7, "回頭客")
	case customer.StageCustomer:
		add(0.08, "VIP")
		add(0.3, "回頭客")
	case customer.StageLapsed:
		add(0.2, "回頭客")
	case customer.StageLead:
		add(0.2, "展會名單")
	case customer.StageProspect:
		add(0.15, "高潛力")
	}
	add(map[Culture]float64{CultureTaiwan: 0.06, CultureMainland: 0.03, CultureEnglish: 0.02}[cult], "素食")
	add(0.05, "推薦客戶")
	if f.Consent.Email.Status == customer.ConsentGranted {
		add(0.6, "newsletter")
	}
	if f.Consent.Messaging.Status == customer.ConsentGranted {
		switch cult {
		case CultureTaiwan:
			add(0.8, "LINE好友")
		case CultureMainland:
			add(0.8, "微信好友")
		}
	}
	if f.Birthday != "" && (f.LifecycleStage == customer.StageCustomer || f.LifecycleStage == customer.StageLoyal) {
		add(0.1, "生日禮")
	}
	return tags
}

// contactCustom fills the custom fields: a membership tier and first
// purchase for customers, a budget for people who buy for a company.
func (g *gen) contactCustom(stage customer.LifecycleStage, seat *seatPlan, co *Company) map[string]any {
	m := map[string]any{}
	tier := -1
	switch stage {
	case customer.StageCustomer:
		tier = pickIndex(g, 60, 30, 10, 0)
	case customer.StageLoyal:
		tier = pickIndex(g, 0, 30, 45, 25)
	case customer.StageLapsed:
		tier = pickIndex(g, 70, 25, 5, 0)
	}
	if tier >= 0 {
		m[FieldMembershipTier] = membershipTiers[tier]
		lo, hi := 30, 1500
		if stage == customer.StageLoyal {
			lo, hi = 400, 3000
		}
		if stage == customer.StageLapsed {
			lo = 500
		}
		m[FieldFirstPurchaseOn] = g.daysBefore(lo, hi).Format(time.DateOnly)
	}
	if seat != nil && seat.kind != seatUser && seat.kind != seatGatekeeper && g.chance(0.7) {
		// NT$100,000 up to tens of millions, by company size, in cents.
		band := 1
		for i, b := range sizeBands {
			if b.size == co.Fields.Size {
				band = i
			}
		}
		twd := int64(g.between(10, 100)) * 10_000 * int64(1+band*band*3)
		m[FieldAnnualBudget] = float64(twd * 100) // JSON numbers arrive as float64
	}
	if len(m) == 0 {
		return nil
	}
	return m
}

// pickIndex returns an index with the given weights.
func pickIndex(g *gen, weights ...int) int {
	total := 0
	for _, w := range weights {
		total += w
	}
	x := g.intn(total)
	for i, w := range weights {
		if x < w {
			return i
		}
		x -= w
	}
	return len(weights) - 1
}

// email returns handle@domain (on the reserved .example domain), or with a
// number added when that address is taken; "" when no free address was
// found.
func (g *gen) email(handle, domain string) string {
	handle = strings.Trim(handle, "._")
	domain = reservedDomain(domain)
	for try := 0; try < 8; try++ {
		h := handle
		switch {
		case try == 0:
		case try < 4:
			h += fmt.Sprint(g.between(1, 99))
		default:
			h += fmt.Sprint(g.between(100, 9999))
		}
		addr := h + "@" + domain
		if !g.emails[addr] {
			g.emails[addr] = true
			return addr
		}
	}
	return ""
}

// handlePart lower-cases a romanised name for an email address: Kuan-Yu →
// kuanyu, O'Brien → obrien.
func handlePart(s string) string {
	return strings.Map(func(r rune) rune {
		if r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			return unicode.ToLower(r)
		}
		return -1
	}, s)
}

// initials of a romanised given name: Kuan-Yu → ky.
func initials(s string) string {
	var b strings.Builder
	for _, part := range strings.FieldsFunc(s, func(r rune) bool { return r == '-' || r == ' ' }) {
		b.WriteString(handlePart(part[:1]))
	}
	return b.String()
}

func (g *gen) workHandle(p person, cult Culture) string {
	family, given := handlePart(p.familyRom), handlePart(p.givenRom)
	switch cult {
	case CultureTaiwan:
		if p.english != "" && g.chance(0.7) {
			return handlePart(p.english) + "." + family
		}
		if g.chance(0.3) {
			return family + initials(p.givenRom)
		}
		return given + "." + family
	case CultureMainland:
		if g.chance(0.5) {
			return family + given
		}
		return given + "." + family
	}
	if g.chance(0.3) {
		return given[:1] + family
	}
	return given + "." + family
}

var (
	twProviders = newChooser([]string{"gmail.com", "yahoo.com.tw", "hotmail.com", "outlook.com", "msa.hinet.net", "icloud.com", "pchome.com.tw"},
		func(s string) int {
			return map[string]int{"gmail.com": 45, "yahoo.com.tw": 22, "hotmail.com": 10, "outlook.com": 6, "msa.hinet.net": 7, "icloud.com": 5, "pchome.com.tw": 5}[s]
		})
	cnProviders = newChooser([]string{"163.com", "126.com", "sina.com", "foxmail.com", "gmail.com", "outlook.com", "qq.com"},
		func(s string) int {
			return map[string]int{"163.com": 35, "126.com": 14, "sina.com": 8, "foxmail.com": 8, "gmail.com": 8, "outlook.com": 12, "qq.com": 15}[s]
		})
	enProviders = map[string][]string{
		"US": {"gmail.com", "gmail.com", "gmail.com", "yahoo.com", "outlook.com", "icloud.com", "hotmail.com"},
		"CA": {"gmail.com", "gmail.com", "outlook.com", "rogers.com", "hotmail.com", "icloud.com"},
		"GB": {"gmail.com", "gmail.com", "hotmail.co.uk", "btinternet.com", "outlook.com", "yahoo.co.uk", "icloud.com"},
		"AU": {"gmail.com", "gmail.com", "bigpond.com", "outlook.com", "icloud.com", "hotmail.com"},
		"SG": {"gmail.com", "gmail.com", "yahoo.com.sg", "hotmail.com", "singnet.com.sg", "outlook.com"},
	}
)

// personalEmail makes the handle and provider of a private address the way
// people of a culture choose them: kuanyu.chen@gmail.com,
// kevin_chen88@yahoo.com.tw, zhangwei1988@163.com, 84629173@qq.com,
// 13800138000@139.com, j.smith@btinternet.com.
func (g *gen) personalEmail(p person, cult Culture, country string, birth time.Time, mobile string) (string, string) {
	family, given := handlePart(p.familyRom), handlePart(p.givenRom)
	switch cult {
	case CultureTaiwan:
		domain := weighted(g, twProviders)
		switch x := g.r.Float64(); {
		case x < 0.25:
			return given + "." + family, domain
		case x < 0.5 && p.english != "":
			return handlePart(p.english) + "." + family, domain
		case x < 0.65:
			return family + initials(p.givenRom), domain
		case x < 0.85:
			return given + birth.Format("0102"), domain
		case p.english != "":
			return handlePart(p.english) + "_" + family + birth.Format("06"), domain
		}
		return family + given + birth.Format("06"), domain
	case CultureMainland:
		switch x := g.r.Float64(); {
		case x < 0.2:
			return digitsFrom(g, g.between(6, 10), "123456789"), "qq.com" // a QQ number
		case x < 0.3 && strings.HasPrefix(mobile, "+86"):
			return strings.TrimPrefix(mobile, "+86"), pick(g, []string{"163.com", "139.com"})
		case x < 0.7:
			return family + given, weighted(g, cnProviders)
		case x < 0.85:
			return given + "." + family, weighted(g, cnProviders)
		}
		return family + given + birth.Format("2006"), weighted(g, cnProviders)
	}
	providers, ok := enProviders[country]
	if !ok {
		providers = enProviders["US"]
	}
	domain := pick(g, providers)
	switch x := g.r.Float64(); {
	case x < 0.35:
		return given + "." + family, domain
	case x < 0.55:
		return given[:1] + family, domain
	case x < 0.7:
		return given + family, domain
	case x < 0.85:
		return given + "." + family + birth.Format("06"), domain
	}
	return given + "_" + family, domain
}
