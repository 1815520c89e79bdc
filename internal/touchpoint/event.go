// Package touchpoint records every interaction a customer has with the
// business, on every channel (MISSION.md C2): the events, the identities
// that tie them to the right customer (contact id, an id in another system,
// email, phone, or an anonymous browser id until the customer identifies),
// and the customer's unified timeline. It knows nothing of HTTP or SQL.
package touchpoint

import (
	"bytes"
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/guanxi-crm/guanxi/internal/crm"
)

// Channel is where an interaction happened.
type Channel string

// Channels lists every channel.
var Channels = []Channel{"web", "app", "email", "phone", "sms", "line", "wechat", "whatsapp",
	"facebook", "instagram", "store", "call_center", "other"}

// EventTypes lists the types Guanxi knows; others (lower-case words joined
// by _ . : or -) are custom types, stored as sent.
var EventTypes = []string{
	"page_view", "product_view", "search", "add_to_cart", "remove_from_cart", "checkout_started", "purchase",
	"email_sent", "email_opened", "email_clicked", "call", "meeting", "note", "chat_message", "store_visit",
	"social_mention", "form_submitted", "ticket_opened", "ticket_replied", "ticket_closed", "identify",
}

// TypeIdentify ties an anonymous id to a known customer.
const TypeIdentify = "identify"

var customType = regexp.MustCompile(`^[a-z][a-z0-9_.:-]{0,63}$`)

// Limits of an event.
const (
	MaxPropertiesBytes = 16 << 10
	MaxBatch           = 10000
)

// EventInput is an event as a client sends it.
type EventInput struct {
	Type          string          `json:"type" minLength:"1" maxLength:"64" doc:"page_view, product_view, search, add_to_cart, checkout_started, purchase, email_sent/opened/clicked, call, meeting, note, chat_message, store_visit, social_mention, form_submitted, ticket_*, identify, or a custom type"`
	Channel       Channel         `json:"channel,omitempty" doc:"web, app, email, phone, sms, line, wechat, whatsapp, facebook, instagram, store, call_center, other (default)"`
	OccurredAt    *time.Time      `json:"occurred_at,omitempty" doc:"When it happened; defaults to when it was received"`
	ClientEventID string          `json:"client_event_id,omitempty" maxLength:"200" doc:"The sender's id for the event: an event with an id already stored is not stored again"`
	Source        string          `json:"source,omitempty" maxLength:"100" doc:"System that sent it, and the namespace of customer.external_id"`
	Customer      crm.CustomerRef `json:"customer"`
	Properties    json.RawMessage `json:"properties,omitempty" doc:"Anything else about the event, as a JSON object (up to 16 KB)"`
}

// Event is a stored event.
type Event struct {
	ID            int64           `json:"id"`
	ContactID     *int64          `json:"contact_id" doc:"Null while the event belongs to an anonymous profile"`
	AnonymousID   string          `json:"anonymous_id,omitempty"`
	Type          string          `json:"type"`
	Channel       Channel         `json:"channel"`
	OccurredAt    time.Time       `json:"occurred_at"`
	ReceivedAt    time.Time       `json:"received_at"`
	ClientEventID string          `json:"client_event_id,omitempty"`
	Source        string          `json:"source,omitempty"`
	Properties    json.RawMessage `json:"properties"`
	CreatedBy     *int64          `json:"created_by,omitempty"`
}

// validate checks and normalises an input, reporting on v.
func (in *EventInput) validate(v *crm.Violations, now time.Time) {
	in.Type = strings.TrimSpace(in.Type)
	switch {
	case in.Type == "":
		v.Add("type", "required")
	case !slices.Contains(EventTypes, in.Type) && !customType.MatchString(in.Type):
		v.Add("type", "invalid_event_type")
	}
	if in.Channel == "" {
		in.Channel = "other"
	}
	if !slices.Contains(Channels, in.Channel) {
		v.Add("channel", "invalid_channel", "allowed", Channels)
	}
	if in.OccurredAt == nil {
		in.OccurredAt = &now
	} else {
		t := crm.Truncate(*in.OccurredAt)
		if t.After(now.Add(24 * time.Hour)) {
			v.Add("occurred_at", "in_the_future")
		}
		in.OccurredAt = &t
	}
	in.ClientEventID = crm.CleanID(v, "client_event_id", in.ClientEventID)
	in.Source = crm.CleanText(v, "source", in.Source, 100)
	c := &in.Customer
	crm.CleanCustomerRef(v, "customer", c)
	if !c.Known() && c.AnonymousID == "" {
		v.Add("customer", "customer_required")
	}
	if in.Type == TypeIdentify && (!c.Known() || c.AnonymousID == "") {
		v.Add("customer", "identify_needs_both")
	}
	in.Properties = normalizeProperties(v, in.Properties)
}

// normalizeProperties accepts a JSON object (or nothing) and compacts it.
func normalizeProperties(v *crm.Violations, raw json.RawMessage) json.RawMessage {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return json.RawMessage("{}")
	}
	if len(raw) > MaxPropertiesBytes {
		v.Add("properties", "too_large", "max_bytes", MaxPropertiesBytes)
		return nil
	}
	if raw[0] != '{' || !json.Valid(raw) {
		v.Add("properties", "not_an_object")
		return nil
	}
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		v.Add("properties", "not_an_object")
		return nil
	}
	if !crm.ValidText(b.String()) || bytes.Contains(b.Bytes(), []byte(`\u0000`)) || hasLoneSurrogate(b.Bytes()) {
		v.Add("properties", crm.CodeInvalidText)
		return nil
	}
	return b.Bytes()
}

// hasLoneSurrogate reports whether JSON text escapes half of a UTF-16
// surrogate pair without the other (\ud800 alone): no Unicode text holds
// one, and PostgreSQL refuses it.
func hasLoneSurrogate(js []byte) bool {
	for i := 0; i+5 < len(js); i++ {
		if js[i] != '\\' {
			continue
		}
		if js[i+1] != 'u' {
			i++ // an escaped character, perhaps a backslash
			continue
		}
		u, ok := hex4(js[i+2 : i+6])
		switch {
		case !ok:
		case u >= 0xdc00 && u <= 0xdfff:
			return true
		case u >= 0xd800 && u <= 0xdbff:
			next, ok := uint16(0), false
			if i+11 < len(js) && js[i+6] == '\\' && js[i+7] == 'u' {
				next, ok = hex4(js[i+8 : i+12])
			}
			if !ok || next < 0xdc00 || next > 0xdfff {
				return true
			}
			i += 6
		}
		i += 5
	}
	return false
}

func hex4(b []byte) (uint16, bool) {
	var v uint16
	for _, c := range b {
		switch {
		case c >= '0' && c <= '9':
			v = v<<4 | uint16(c-'0')
		case c >= 'a' && c <= 'f':
			v = v<<4 | uint16(c-'a'+10)
		case c >= 'A' && c <= 'F':
			v = v<<4 | uint16(c-'A'+10)
		default:
			return 0, false
		}
	}
	return v, true
}
