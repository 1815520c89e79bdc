// Package customer is the customer database (MISSION.md C1): people and
// companies, the buying organisation that links them, tags, custom fields,
// duplicate detection and merge. It holds the types, their validation, the
// permission rules and the Store it needs; it knows nothing of HTTP or SQL.
package customer

import (
	"time"
)

// LifecycleStage is where a customer stands in the relationship.
type LifecycleStage string

const (
	StageLead     LifecycleStage = "lead"
	StageProspect LifecycleStage = "prospect"
	StageCustomer LifecycleStage = "customer"
	StageLoyal    LifecycleStage = "loyal"
	StageLapsed   LifecycleStage = "lapsed"
)

// Stages lists the lifecycle stages in order.
var Stages = []LifecycleStage{StageLead, StageProspect, StageCustomer, StageLoyal, StageLapsed}

// Gender as the customer states it; empty when unknown.
type Gender string

const (
	GenderFemale Gender = "female"
	GenderMale   Gender = "male"
	GenderOther  Gender = "other"
)

// Email is one address of a contact; the first is the primary one.
type Email struct {
	Address string `json:"address" maxLength:"254" doc:"Stored lower-case" example:"ann.lee@example.com"`
	Label   string `json:"label,omitempty" enum:"work,home,other" doc:"Kind of address"`
}

// Phone is one number of a contact; the first is the primary one.
type Phone struct {
	Number string `json:"number" maxLength:"40" doc:"As written on input; E.164 on output (+886912345678). Numbers without a country code take the server's default region" example:"0912-345-678"`
	Ext    string `json:"ext,omitempty" maxLength:"10" doc:"Extension (分機)"`
	Label  string `json:"label,omitempty" enum:"mobile,work,home,fax,other"`
}

// Address is a postal address. Country is ISO 3166 alpha-2.
type Address struct {
	Street     string `json:"street,omitempty" maxLength:"300"`
	City       string `json:"city,omitempty" maxLength:"100"`
	Region     string `json:"region,omitempty" maxLength:"100" doc:"State, province or county"`
	PostalCode string `json:"postal_code,omitempty" maxLength:"20"`
	Country    string `json:"country,omitempty" maxLength:"2" doc:"ISO 3166-1 alpha-2, e.g. TW" example:"TW"`
}

// Anniversary is a date worth remembering: a wedding, the first order, a
// child's birthday.
type Anniversary struct {
	Label string `json:"label" maxLength:"100" example:"wedding"`
	Date  string `json:"date" doc:"YYYY-MM-DD, or --MM-DD when the year is unknown" example:"2019-10-10"`
}

// ConsentStatus is whether a customer agreed to be contacted on a channel.
type ConsentStatus string

const (
	ConsentUnknown ConsentStatus = ""
	ConsentGranted ConsentStatus = "granted"
	ConsentDenied  ConsentStatus = "denied"
)

// ChannelConsent is the consent on one channel with when and how it was given
// or withdrawn.
type ChannelConsent struct {
	Status ConsentStatus `json:"status,omitempty" enum:"granted,denied" doc:"Absent when unknown"`
	At     *time.Time    `json:"at,omitempty" doc:"When the status was recorded; set by the server when the status changes without one"`
	Source string        `json:"source,omitempty" maxLength:"100" doc:"How it was obtained: web_form, import, phone, store, api …"`
}

// Consent per contact channel.
type Consent struct {
	Email     ChannelConsent `json:"email,omitzero" required:"false"`
	SMS       ChannelConsent `json:"sms,omitzero" required:"false"`
	Phone     ChannelConsent `json:"phone,omitzero" required:"false"`
	Messaging ChannelConsent `json:"messaging,omitzero" required:"false" doc:"LINE, WeChat, WhatsApp and other instant messaging"`
}

// ContactFields are the fields a client writes.
type ContactFields struct {
	DisplayName       string         `json:"display_name" required:"false" maxLength:"200" doc:"Derived from the names when empty (王小李, Ann Lee)"`
	FamilyName        string         `json:"family_name" required:"false" maxLength:"100"`
	GivenName         string         `json:"given_name" required:"false" maxLength:"100"`
	Emails            []Email        `json:"emails" required:"false" maxItems:"20" nullable:"false"`
	Phones            []Phone        `json:"phones" required:"false" maxItems:"20" nullable:"false"`
	Address           Address        `json:"address" required:"false"`
	Birthday          string         `json:"birthday" required:"false" doc:"YYYY-MM-DD, or --MM-DD when the year is unknown"`
	Anniversaries     []Anniversary  `json:"anniversaries" required:"false" maxItems:"20" nullable:"false"`
	Gender            Gender         `json:"gender" required:"false" enum:"female,male,other," doc:"Empty when unknown"`
	PreferredLanguage string         `json:"preferred_language" required:"false" maxLength:"35" doc:"BCP 47 tag, e.g. zh-Hant-TW, en"`
	Tags              []string       `json:"tags" required:"false" maxItems:"50" nullable:"false"`
	LifecycleStage    LifecycleStage `json:"lifecycle_stage" required:"false" enum:"lead,prospect,customer,loyal,lapsed," doc:"Defaults to lead"`
	OwnerID           *int64         `json:"owner_id" required:"false" doc:"User who owns the record; defaults to the creator"`
	TeamID            *int64         `json:"team_id" required:"false" doc:"Team that owns the record; defaults to the owner's only team"`
	Consent           Consent        `json:"consent" required:"false"`
	Custom            map[string]any `json:"custom" required:"false" doc:"Values of the contact custom fields, by key"`
}

// Contact is a person.
type Contact struct {
	ID      int64 `json:"id"`
	Version int64 `json:"version" doc:"Increases on every change; send it back in If-Match"`
	ContactFields
	Companies    []CompanyRef `json:"companies" nullable:"false" doc:"Current positions, read-only (manage them under /positions)"`
	CreatedAt    time.Time    `json:"created_at"`
	UpdatedAt    time.Time    `json:"updated_at"`
	DeletedAt    *time.Time   `json:"deleted_at,omitempty" doc:"Set while the contact is in the trash; restorable for 30 days"`
	MergedIntoID *int64       `json:"merged_into_id,omitempty" doc:"Set when this contact was merged into another"`
	Restricted   bool         `json:"restricted,omitempty" doc:"True when the caller may see only the basic card of this contact"`
	Metrics      *Metrics     `json:"metrics,omitempty" doc:"Figures derived from the contact's events, orders and carts; on single reads only"`
}

// Metrics are a contact's figures, kept current by every event, order and
// cart that changes them. Amounts are minor units of Currency.
type Metrics struct {
	FirstSeenAt       *time.Time `json:"first_seen_at"`
	LastSeenAt        *time.Time `json:"last_seen_at"`
	FirstOrderAt      *time.Time `json:"first_order_at"`
	LastOrderAt       *time.Time `json:"last_order_at"`
	OrderCount        int64      `json:"order_count" doc:"Paid or fulfilled sales"`
	Revenue           int64      `json:"revenue" doc:"Net of refunds and returns"`
	Profit            int64      `json:"profit"`
	AverageOrderValue int64      `json:"average_order_value" doc:"revenue / order_count, rounded down"`
	OpenCartValue     int64      `json:"open_cart_value"`
	Currency          string     `json:"currency,omitempty"`
}

// CompanyRef summarises a contact's current position at a company.
type CompanyRef struct {
	CompanyID  int64      `json:"company_id"`
	Name       string     `json:"name"`
	Title      string     `json:"title,omitempty"`
	BuyingRole BuyingRole `json:"buying_role,omitempty"`
}

// BasicCard returns the fields anyone signed in may see: who the person is,
// where they work and who owns them — enough to avoid stepping on a
// colleague's customer, not enough to contact them.
func (c *Contact) BasicCard() *Contact {
	return &Contact{
		ID:      c.ID,
		Version: c.Version,
		ContactFields: ContactFields{
			DisplayName:    c.DisplayName,
			FamilyName:     c.FamilyName,
			GivenName:      c.GivenName,
			LifecycleStage: c.LifecycleStage,
			OwnerID:        c.OwnerID,
			TeamID:         c.TeamID,
			Emails:         []Email{},
			Phones:         []Phone{},
			Anniversaries:  []Anniversary{},
			Tags:           []string{},
			Custom:         map[string]any{},
		},
		Companies:  c.Companies,
		CreatedAt:  c.CreatedAt,
		UpdatedAt:  c.UpdatedAt,
		DeletedAt:  c.DeletedAt,
		Restricted: true,
	}
}

// Ownership returns the owner and team of the record.
func (c *Contact) Ownership() (owner, team *int64) { return c.OwnerID, c.TeamID }

// Keys returns the normalised identifiers by which duplicates are found.
func (f *ContactFields) Keys() []Key {
	keys := make([]Key, 0, len(f.Emails)+len(f.Phones))
	for _, e := range f.Emails {
		keys = append(keys, Key{KeyEmail, e.Address})
	}
	for _, p := range f.Phones {
		keys = append(keys, Key{KeyPhone, PhoneKey(p.Number, p.Ext)})
	}
	return keys
}

// PhoneKey is the identity of a phone number: its E.164 form, with the
// extension when there is one, so colleagues behind one switchboard
// ("(02) 2345-6789 #101" and "#102") are not taken for the same person.
func PhoneKey(e164, ext string) string {
	if ext == "" {
		return e164
	}
	return e164 + ";ext=" + ext
}

// KeyKind names an identifier type.
type KeyKind string

const (
	KeyEmail KeyKind = "email"
	KeyPhone KeyKind = "phone"
)

// Key is a normalised identifier of a contact: an email address or a phone
// number (PhoneKey).
type Key struct {
	Kind  KeyKind
	Value string
}
