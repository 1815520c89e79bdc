package crm

import "strings"

// CustomerRef names the customer of an event or an order by any of the ids
// a source system has. The strongest present wins: contact_id, then
// external_id (in the namespace of the record's source), email, phone.
// anonymous_id alone names an anonymous profile (events only); beside a
// stronger id it joins that profile to the customer.
type CustomerRef struct {
	ContactID   *int64 `json:"contact_id,omitempty" doc:"Guanxi contact id"`
	ExternalID  string `json:"external_id,omitempty" maxLength:"200" doc:"The customer's id in the source system (see source)"`
	Email       string `json:"email,omitempty" maxLength:"254"`
	Phone       string `json:"phone,omitempty" maxLength:"40"`
	AnonymousID string `json:"anonymous_id,omitempty" maxLength:"200" doc:"A browser or device id, before the customer is known"`
	Name        string `json:"name,omitempty" maxLength:"200" doc:"Display name for a customer this record creates"`
	Country     string `json:"country,omitempty" maxLength:"2" doc:"ISO 3166-1 alpha-2 country of a customer this record creates"`
}

// Known reports whether the ref names a customer (not only a device).
func (r CustomerRef) Known() bool {
	return r.ContactID != nil || r.ExternalID != "" || r.Email != "" || r.Phone != ""
}

// Person is a customer a record names by email, phone or an id in another
// system, to be found among the contacts or created with these fields.
type Person struct {
	Email, Phone, Name, Country string
}

// MaxIDLength bounds ids from other systems.
const MaxIDLength = 200

// CleanID checks an id from another system: text without line breaks, at
// most MaxIDLength bytes, trimmed.
func CleanID(v *Violations, field, s string) string {
	s = strings.TrimSpace(s)
	switch {
	case !ValidText(s) || strings.ContainsAny(s, "\t\r\n"):
		v.Add(field, CodeInvalidText)
	case len(s) > MaxIDLength:
		v.Add(field, "too_long", "max", MaxIDLength)
	}
	return s
}

// CleanCustomerRef checks and normalises a reference to a customer: ids are
// text without line breaks, the email is lower-cased.
func CleanCustomerRef(v *Violations, field string, c *CustomerRef) {
	c.ExternalID = CleanID(v, field+".external_id", c.ExternalID)
	c.AnonymousID = CleanID(v, field+".anonymous_id", c.AnonymousID)
	c.Name = CleanText(v, field+".name", c.Name, 200)
	c.Phone = CleanText(v, field+".phone", c.Phone, 40)
	if c.Email != "" {
		e, code := NormalizeEmail(c.Email)
		if code != "" {
			v.Add(field+".email", code)
		}
		c.Email = e
	}
	if c.Country != "" && !ValidCountry(c.Country) {
		v.Add(field+".country", "invalid_country")
	}
}
