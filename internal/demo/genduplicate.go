package demo

import (
	"slices"

	"github.com/guanxi-crm/guanxi/internal/customer"
)

// The kinds of likely duplicates, in turn.
const (
	dupSameEmail = iota
	dupSamePhone
	dupSimilarName
)

// duplicates adds n contacts that are likely duplicates of earlier ones: one
// that signed up again with the same email, one entered from a business
// card with the same phone, one at the same company under a near-identical
// name (Jon Smith, John Smith; the same Chinese name entered twice).
func (g *gen) duplicates(n int) {
	main := len(g.ds.Contacts)
	if main == 0 {
		return
	}
	positionOf := make(map[int]int, len(g.ds.Positions))
	for i, p := range g.ds.Positions {
		if p.Fields.Status == customer.PositionCurrent {
			if _, ok := positionOf[p.Contact]; !ok {
				positionOf[p.Contact] = i
			}
		}
	}
	used := map[int]bool{}
	for i := range n {
		kind := i % 3
		suits := func(o int) bool {
			c := &g.ds.Contacts[o]
			switch kind {
			case dupSameEmail:
				return len(c.Fields.Emails) > 0
			case dupSamePhone:
				return len(c.Fields.Phones) > 0
			}
			_, ok := positionOf[o]
			return ok
		}
		orig := -1
		start := g.intn(main)
		for j := range main {
			if o := (start + j) % main; !used[o] && suits(o) {
				orig = o
				break
			}
		}
		if orig < 0 && kind == dupSimilarName {
			kind = dupSameEmail
			for j := range main {
				if o := (start + j) % main; !used[o] && suits(o) {
					orig = o
					break
				}
			}
		}
		if orig < 0 {
			continue
		}
		used[orig] = true
		g.ds.Contacts = append(g.ds.Contacts, g.duplicate(kind, orig, positionOf))
	}
}

func (g *gen) duplicate(kind, orig int, positionOf map[int]int) Contact {
	o := &g.ds.Contacts[orig]
	c := Contact{Culture: o.Culture, Company: -1, DuplicateOf: orig}
	f := &c.Fields
	f.FamilyName, f.GivenName, f.Gender = o.Fields.FamilyName, o.Fields.GivenName, o.Fields.Gender
	f.PreferredLanguage = o.Fields.PreferredLanguage
	f.Address = customer.Address{City: o.Fields.Address.City, Region: o.Fields.Address.Region, Country: o.Fields.Address.Country}
	f.LifecycleStage = customer.StageLead
	if o.Owner >= 0 || o.Team >= 0 {
		c.Owner, c.Team = o.Owner, o.Team
	} else {
		c.Owner, c.Team = g.ownership(o.Culture, false)
	}
	switch kind {
	case dupSameEmail:
		// Signed up again on the web site, with a variant of the name.
		f.Emails = []customer.Email{{Address: o.Fields.Emails[0].Address}}
		g.nearName(f)
		at := g.daysBefore(1, 300)
		f.Consent.Email = customer.ChannelConsent{Status: customer.ConsentGranted, At: &at, Source: "web_form"}
		f.Tags = []string{"newsletter"}
	case dupSamePhone:
		// Keyed in from a business card, with the same phone.
		f.Phones = []customer.Phone{o.Fields.Phones[0]}
		c.PhoneCountries = []string{o.PhoneCountries[0]}
		c.IntlPhones = []string{o.IntlPhones[0]}
		f.Tags = []string{"展會名單"}
	case dupSimilarName:
		// The same person at the same company, entered a second time.
		g.nearName(f)
		pos := g.ds.Positions[positionOf[orig]]
		c.Company = pos.Company
		co := &g.ds.Companies[pos.Company]
		f.Address = co.Fields.Address
		if loc := cities[co.Fields.Address.City]; g.chance(0.6) {
			if n, ok := g.uniquePhone(func() phoneNumber { return g.mobile(loc) }); ok {
				c.addPhone(n, loc.country(), "mobile")
			}
		}
		fields := pos.Fields
		fields.ReportsToID, fields.StartedOn = nil, ""
		g.ds.Positions = append(g.ds.Positions, Position{Fields: fields, Contact: len(g.ds.Contacts), Company: pos.Company, ReportsTo: -1})
	}
	f.Tags = slices.Clip(f.Tags)
	return c
}

// nearName changes an English name to a spelling that a careless second
// entry produces (Jon for John, Thomson for Thompson); Chinese names stay as
// they are, entered twice.
func (g *gen) nearName(f *customer.ContactFields) {
	if v, ok := nearNames[f.GivenName]; ok && g.chance(0.7) {
		f.GivenName = v
	} else if v, ok := nearNames[f.FamilyName]; ok {
		f.FamilyName = v
	}
}
