// Package vcard reads vCards 2.1, 3.0 and 4.0 as phones (iOS, Android),
// Outlook, Gmail and Thunderbird write them, and writes vCard 4.0 (RFC 6350).
//
// A Card holds what a CRM keeps of a contact. Properties it has no field for
// are kept in Card.Extra, so that nothing is lost silently, with two
// exceptions: photos and other media (PHOTO, LOGO, SOUND, and any value in
// base64 or a data: URI), which a CRM does not keep, and the parameters of
// properties other than TYPE and PREF (LANGUAGE, ALTID, PID, LABEL…).
package vcard

import (
	"strings"
	"unicode"
)

// A Card is one contact.
type Card struct {
	// Version is the version the card was read in: "2.1", "3.0" or "4.0"
	// (Write always writes 4.0).
	Version string
	UID     string
	// FormattedName is FN. When a card has none, Parse makes one from the
	// name, the nickname, the organisation, the first email or the first
	// phone number, in that order, as Write does; see DisplayName.
	FormattedName string
	// The components of N.
	FamilyName      string
	GivenName       string
	AdditionalNames string
	Prefix          string
	Suffix          string
	Nickname        string
	Emails          []Email
	Phones          []Phone
	Addresses       []Address
	// Org is the organisation (the first component of ORG); OrgUnit holds
	// the units that follow it, joined by ", ".
	Org     string
	OrgUnit string
	Title   string
	Role    string
	// Birthday (BDAY) and Anniversary are YYYY-MM-DD, or --MM-DD when
	// the year is unknown, if they are dates in the basic or extended
	// format (19850412, 1985-04-12, --0412, --04-12, or iOS's year 1604
	// that stands for no year); otherwise as written.
	Birthday    string
	Anniversary string
	// Gender is the sex component of GENDER: M, F, O (other), N (none or
	// not applicable) or U (unknown), or whatever else the card says;
	// GenderIdentity is its free-text second component.
	Gender         string
	GenderIdentity string
	Note           string
	Categories     []string
	URL            []string
	Lang           string
	Rev            string
	// Extra holds the text of the properties the card has no field for,
	// by property name in upper case without its group (X-ABLABEL,
	// X-SOCIALPROFILE, IMPP, TZ, …), in the order they came. A second FN,
	// N, ORG, NOTE or other single-valued property lands here too.
	Extra map[string][]string
}

// An Email is an email address with its TYPE values (home, work…).
type Email struct {
	Address string
	Types   []string // lower case; without "pref" and "internet"
	Pref    bool     // the preferred address (PREF=1, TYPE=pref or 2.1's PREF)
}

// A Phone is a telephone number as written, with its TYPE values.
type Phone struct {
	Number string   // without the "tel:" of a URI
	Types  []string // lower case (cell, home, work, voice, fax…); without "pref"
	Pref   bool
}

// An Address is a postal address: the seven components of ADR.
type Address struct {
	Types      []string // lower case; without "pref"
	Pref       bool
	POBox      string
	Extended   string // apartment, suite
	Street     string
	Locality   string // city
	Region     string // state, province
	PostalCode string
	Country    string
}

// DisplayName returns the name to show for c: FormattedName, or one made
// from the name (family name first without a space for Chinese, given name
// first otherwise), the nickname, the organisation, the first email address
// or the first phone number.
func DisplayName(c *Card) string {
	if c.FormattedName != "" {
		return c.FormattedName
	}
	if c.FamilyName != "" || c.GivenName != "" {
		if hasHan(c.FamilyName) || hasHan(c.GivenName) {
			return c.FamilyName + c.GivenName
		}
		return strings.TrimSpace(c.GivenName + " " + c.FamilyName)
	}
	switch {
	case c.Nickname != "":
		return c.Nickname
	case c.Org != "":
		return c.Org
	case len(c.Emails) > 0:
		return c.Emails[0].Address
	case len(c.Phones) > 0:
		return c.Phones[0].Number
	}
	return ""
}

func hasHan(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			return true
		}
	}
	return false
}
