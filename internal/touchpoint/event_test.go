package touchpoint

import (
	"testing"
	"time"

	"github.com/guanxi-crm/guanxi/internal/crm"
)

func TestProperties(t *testing.T) {
	tests := []struct {
		name, in, want string
		ok             bool
	}{
		{"object", `{ "a" : 1 }`, `{"a":1}`, true},
		{"absent", ``, `{}`, true},
		{"null", `null`, `{}`, true},
		{"array", `[1]`, ``, false},
		{"a pair of surrogates", `{"k":"\ud83d\ude00"}`, `{"k":"\ud83d\ude00"}`, true},
		{"a lone high surrogate", `{"k":"\ud800"}`, ``, false},
		{"a lone low surrogate", `{"k":"\udc00x"}`, ``, false},
		{"a high surrogate then text", `{"k":"\ud800\u0041"}`, ``, false},
		{"in a name", `{"\udbff":1}`, ``, false},
		{"an escaped backslash before u", `{"k":"\\ud800"}`, `{"k":"\\ud800"}`, true},
		{"NUL", `{"k":"\u0000"}`, ``, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var v crm.Violations
			got := normalizeProperties(&v, []byte(tt.in))
			if v.Empty() != tt.ok || (tt.ok && string(got) != tt.want) {
				t.Errorf("normalizeProperties(%s) = %s, %v; want %s, ok %v", tt.in, got, v.Fields(), tt.want, tt.ok)
			}
		})
	}
}

func TestEventValidation(t *testing.T) {
	now := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	future := now.Add(48 * time.Hour)
	id := int64(1)
	tests := []struct {
		name string
		in   EventInput
		code string
	}{
		{"fine", EventInput{Type: "page_view", Customer: crm.CustomerRef{AnonymousID: "c"}}, ""},
		{"custom type", EventInput{Type: "coupon.redeemed", Customer: crm.CustomerRef{ContactID: &id}}, ""},
		{"upper-case type", EventInput{Type: "PageView", Customer: crm.CustomerRef{ContactID: &id}}, "invalid_event_type"},
		{"no customer", EventInput{Type: "call"}, "customer_required"},
		{"far future", EventInput{Type: "call", OccurredAt: &future, Customer: crm.CustomerRef{ContactID: &id}}, "in_the_future"},
		{"bad channel", EventInput{Type: "call", Channel: "fax", Customer: crm.CustomerRef{ContactID: &id}}, "invalid_channel"},
		{"bad email", EventInput{Type: "call", Customer: crm.CustomerRef{Email: "nope"}}, crm.CodeInvalidEmail},
		{"identify without a cookie", EventInput{Type: TypeIdentify, Customer: crm.CustomerRef{Email: "a@b.co"}}, "identify_needs_both"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var v crm.Violations
			tt.in.validate(&v, now)
			if tt.code == "" {
				if !v.Empty() {
					t.Errorf("refused: %v", v.Fields())
				}
				if tt.in.Channel != "other" || tt.in.OccurredAt == nil {
					t.Errorf("defaults not set: %+v", tt.in)
				}
				return
			}
			if v.Empty() || v.Fields()[0].Code != tt.code {
				t.Errorf("violations %v; want %s", v.Fields(), tt.code)
			}
		})
	}
}
