package customer

import (
	"fmt"
	"math"
	"net/url"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/guanxi-crm/guanxi/internal/crm"
)

// Record types that carry custom fields.
const (
	RecordContact = "contact"
	RecordCompany = "company"
)

// FieldType is the type of a custom field.
type FieldType string

const (
	FieldText        FieldType = "text"
	FieldNumber      FieldType = "number"
	FieldMoney       FieldType = "money"
	FieldDate        FieldType = "date"
	FieldBoolean     FieldType = "boolean"
	FieldSelect      FieldType = "select"
	FieldMultiSelect FieldType = "multi_select"
	FieldURL         FieldType = "url"
	FieldEmail       FieldType = "email"
	FieldPhone       FieldType = "phone"
)

// FieldTypes lists the custom field types.
var FieldTypes = []FieldType{FieldText, FieldNumber, FieldMoney, FieldDate, FieldBoolean, FieldSelect, FieldMultiSelect, FieldURL, FieldEmail, FieldPhone}

// Option is one choice of a select or multi-select field.
type Option struct {
	Value  string            `json:"value" maxLength:"100" doc:"Stored value"`
	Label  string            `json:"label,omitempty" maxLength:"100" doc:"Shown label; defaults to the value"`
	Labels map[string]string `json:"labels,omitempty" doc:"Translated labels by language (zh-Hant, zh-Hans)"`
}

// FieldDefFields are what an admin writes to define a custom field.
type FieldDefFields struct {
	RecordType string            `json:"record_type" required:"false" enum:"contact,company" doc:"Required on create; fixed afterwards"`
	Key        string            `json:"key" required:"false" pattern:"^[a-z][a-z0-9_]{0,39}$" doc:"Required on create; fixed afterwards. Used in filters as custom.<key>"`
	Label      string            `json:"label" required:"false" maxLength:"100" doc:"Defaults to the key"`
	Labels     map[string]string `json:"labels" required:"false" doc:"Translated labels by language"`
	Type       FieldType         `json:"type" required:"false" enum:"text,number,money,date,boolean,select,multi_select,url,email,phone" doc:"Required on create; fixed afterwards"`
	Options    []Option          `json:"options" required:"false" maxItems:"200" nullable:"false" doc:"Choices of select and multi_select fields"`
	Required   bool              `json:"required" required:"false" doc:"A value must be given on create and cannot be cleared"`
	Currency   string            `json:"currency" required:"false" pattern:"^([A-Z]{3})?$" doc:"ISO 4217 code of money fields; values are integers in minor units (cents)"`
	Position   int               `json:"position" required:"false" doc:"Order in forms"`
}

// FieldDef defines a custom field of a record type.
type FieldDef struct {
	ID      int64 `json:"id"`
	Version int64 `json:"version"`
	FieldDefFields
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

var fieldKeyPattern = regexp.MustCompile(`^[a-z][a-z0-9_]{0,39}$`)

const maxCustomTextRunes = 2000

// MaxFieldPosition bounds a field's place in forms: far more fields than a
// form shows, and within every engine's integer.
const MaxFieldPosition = 9999

func (d *FieldDefFields) validate(v *crm.Violations) {
	if d.RecordType != RecordContact && d.RecordType != RecordCompany {
		v.Add("record_type", "not_one_of", "allowed", RecordContact+", "+RecordCompany)
	}
	if !fieldKeyPattern.MatchString(d.Key) {
		v.Add("key", "invalid_field_key")
	}
	if !slices.Contains(FieldTypes, d.Type) {
		v.Add("type", "not_one_of", "allowed", joinStrings(FieldTypes))
	}
	if d.Label = crm.CleanText(v, "label", d.Label, 100); d.Label == "" {
		d.Label = d.Key
	}
	for lang, l := range d.Labels {
		d.Labels[lang] = crm.CleanText(v, "labels."+lang, l, 100)
	}
	if d.Position < 0 || d.Position > MaxFieldPosition {
		v.Add("position", "out_of_range", "min", 0, "max", MaxFieldPosition)
	}
	hasOptions := d.Type == FieldSelect || d.Type == FieldMultiSelect
	if hasOptions && len(d.Options) == 0 {
		v.Add("options", "options_required")
	}
	if !hasOptions && len(d.Options) > 0 {
		v.Add("options", "options_not_allowed")
	}
	seen := map[string]bool{}
	for i, o := range d.Options {
		o.Value = strings.TrimSpace(o.Value)
		if o.Value == "" || utf8.RuneCountInString(o.Value) > 100 {
			v.Add(fmt.Sprintf("options[%d].value", i), "required")
		} else if seen[o.Value] {
			v.Add(fmt.Sprintf("options[%d].value", i), "duplicate_option")
		}
		seen[o.Value] = true
		if o.Label == "" {
			o.Label = o.Value
		}
		d.Options[i] = o
	}
	if d.Type == FieldMoney {
		if len(d.Currency) != 3 || strings.ToUpper(d.Currency) != d.Currency {
			v.Add("currency", "invalid_currency")
		}
	} else if d.Currency != "" {
		v.Add("currency", "currency_not_allowed")
	}
	if d.Options == nil {
		d.Options = []Option{}
	}
	if d.Labels == nil {
		d.Labels = map[string]string{}
	}
}

func joinStrings[S ~string](xs []S) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = string(x)
	}
	return strings.Join(parts, ", ")
}

// validateCustom checks values against the definitions and returns them in
// their stored form: numbers as float64, money as int64 minor units, dates as
// YYYY-MM-DD, phones as E.164. A nil value removes the key. When creating,
// required fields must be present. A value one of the stored records (the
// record changed, or those merged) already holds is kept as it is: a field
// changed since (a choice removed) must not make the record uneditable.
func validateCustom(defs []FieldDef, values map[string]any, creating bool, region string, v *crm.Violations, stored ...map[string]any) map[string]any {
	out := make(map[string]any, len(values))
	byKey := make(map[string]*FieldDef, len(defs))
	for i := range defs {
		byKey[defs[i].Key] = &defs[i]
	}
	for key, raw := range values {
		field := "custom." + key
		def, ok := byKey[key]
		switch {
		case !ok:
			v.Add(field, "unknown_custom_field")
		case raw == nil && def.Required:
			v.Add(field, "required")
		case raw == nil: // cleared
		case holds(stored, key, raw):
			out[key] = raw
		default:
			val, code := customValue(def, raw, region)
			switch {
			case code != "":
				v.Add(field, code)
			case isBlank(val) && def.Required:
				v.Add(field, "required")
			case !isBlank(val):
				out[key] = val
			}
		}
	}
	if creating {
		for _, d := range defs {
			if _, given := values[d.Key]; d.Required && !given {
				v.Add("custom."+d.Key, "required")
			}
		}
	}
	return out
}

// holds reports whether one of the records holds value under key.
func holds(records []map[string]any, key string, value any) bool {
	for _, r := range records {
		if old, ok := r[key]; ok && reflect.DeepEqual(old, value) {
			return true
		}
	}
	return false
}

// asFloat reads a number as decoded JSON gives it (float64) or as Go callers
// write it (int, int64).
func asFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case int:
		return float64(x), true
	case int64:
		return float64(x), true
	}
	return 0, false
}

// isBlank reports an empty text or an empty selection, which are stored as
// no value at all.
func isBlank(v any) bool {
	switch x := v.(type) {
	case string:
		return x == ""
	case []string:
		return len(x) == 0
	}
	return false
}

// customValue converts a JSON value to the stored form of a field, or returns
// an error code.
func customValue(def *FieldDef, raw any, region string) (any, string) {
	switch def.Type {
	case FieldText:
		s, ok := raw.(string)
		if !ok {
			return nil, "expected_string"
		}
		s = strings.TrimSpace(s)
		if !crm.ValidText(s) {
			return nil, crm.CodeInvalidText
		}
		if utf8.RuneCountInString(s) > maxCustomTextRunes {
			return nil, "too_long"
		}
		return s, ""
	case FieldNumber:
		f, ok := asFloat(raw)
		if !ok || math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, "expected_number"
		}
		return f, ""
	case FieldMoney:
		f, ok := asFloat(raw)
		if !ok || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
			return nil, "expected_minor_units"
		}
		return int64(f), ""
	case FieldDate:
		s, ok := raw.(string)
		if !ok {
			return nil, "expected_date"
		}
		if _, err := time.Parse(time.DateOnly, s); err != nil {
			return nil, "expected_date"
		}
		return s, ""
	case FieldBoolean:
		b, ok := raw.(bool)
		if !ok {
			return nil, "expected_boolean"
		}
		return b, ""
	case FieldSelect:
		s, ok := raw.(string)
		if !ok || !def.hasOption(s) {
			return nil, "not_an_option"
		}
		return s, ""
	case FieldMultiSelect:
		list, ok := raw.([]any)
		if !ok {
			return nil, "expected_list"
		}
		out := make([]string, 0, len(list))
		for _, item := range list {
			s, ok := item.(string)
			if !ok || !def.hasOption(s) {
				return nil, "not_an_option"
			}
			if !slices.Contains(out, s) {
				out = append(out, s)
			}
		}
		return out, ""
	case FieldURL:
		s, ok := raw.(string)
		if !ok {
			return nil, "invalid_url"
		}
		u, err := url.Parse(strings.TrimSpace(s))
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || len(s) > 2000 {
			return nil, "invalid_url"
		}
		return u.String(), ""
	case FieldEmail:
		s, ok := raw.(string)
		if !ok {
			return nil, crm.CodeInvalidEmail
		}
		e, code := crm.NormalizeEmail(s)
		return e, code
	case FieldPhone:
		s, ok := raw.(string)
		if !ok {
			return nil, crm.CodeInvalidPhone
		}
		e164, ext, code := crm.NormalizePhone(s, region)
		if code != "" {
			return nil, code
		}
		if ext != "" {
			e164 += ";ext=" + ext
		}
		return e164, ""
	}
	return nil, "invalid"
}

func (d *FieldDef) hasOption(v string) bool {
	return slices.ContainsFunc(d.Options, func(o Option) bool { return o.Value == v })
}
