package api_test

import (
	"encoding/json"
	"maps"
	"net/url"
	"slices"
	"testing"
	"unicode/utf8"

	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/http/api"
	"github.com/guanxi-crm/guanxi/internal/lead"
)

// FuzzParseSubmission feeds the public form body parser any content type,
// body, query and Referer. It must never panic; what it refuses is a client
// error (400, 413); what it accepts holds only the fields a form may show
// and the UTM parameters, none empty, and reads back the same once written
// again as a form body or as JSON.
func FuzzParseSubmission(f *testing.F) {
	seeds := []struct{ contentType, body, query, referer string }{
		{"application/x-www-form-urlencoded", "name=%E6%9E%97&email=a%40b.tw&utm_source=fb", "utm_medium=cpc", ""},
		{"application/json", `{"name":"林美玲","email":"mei@example.com","website":"","utm_campaign":"春季"}`, "", ""},
		{"application/json; charset=utf-8", `{"phone":886912345678,"notes":null}`, "", "https://x.example/?utm_term=crm"},
		{"", "name=x&name=y&website=spam", "utm_source=a&utm_source=b", "::not a url"},
		{"multipart/form-data; boundary=x", "--x--", "", ""},
		{"application/json", `{"name":["x"]}`, "", ""},
		{"application/json", `{"name":"x"} {}`, "", ""},
		{"text/plain;;", "a=%zz", "%%", ""},
		{"application/vnd.api+json", `{"company_size":"11-50"}`, "", ""},
	}
	for _, s := range seeds {
		f.Add(s.contentType, []byte(s.body), s.query, s.referer)
	}
	f.Fuzz(func(t *testing.T, contentType string, body []byte, rawQuery, referer string) {
		query, _ := url.ParseQuery(rawQuery)
		sub, err := api.ParseSubmission(contentType, body, query, referer)
		if err != nil {
			switch k := crm.KindOf(err); k {
			case crm.KindMalformed, crm.KindTooLarge:
			default:
				t.Fatalf("refused with %v (kind %s)", err, k)
			}
			return
		}
		check := func(what string, m map[string]string, allowed []string) {
			for k, v := range m {
				if !slices.Contains(allowed, k) || v == "" {
					t.Fatalf("%s holds %q=%q", what, k, v)
				}
			}
		}
		check("values", sub.Values, lead.FormFieldNames)
		check("utm", sub.UTM, lead.UTMParams)

		// Written again as a form body and as JSON (the UTM parameters in
		// the body, where they come first), it reads back the same.
		form, doc := url.Values{}, map[string]string{}
		for _, m := range []map[string]string{sub.Values, sub.UTM} {
			for k, v := range m {
				form.Set(k, v)
				doc[k] = v
			}
		}
		if sub.Honeypot != "" {
			form.Set(api.HoneypotField, sub.Honeypot)
			doc[api.HoneypotField] = sub.Honeypot
		}
		raw, err := json.Marshal(doc)
		if err != nil {
			t.Fatal(err)
		}
		agains := []struct {
			contentType string
			body        []byte
		}{{"application/x-www-form-urlencoded", []byte(form.Encode())}}
		if utf8.Valid(raw) && !slices.ContainsFunc(slices.Collect(maps.Values(doc)), func(v string) bool { return !utf8.ValidString(v) }) {
			agains = append(agains, struct {
				contentType string
				body        []byte
			}{"application/json", raw}) // JSON has no room for bytes that are not UTF-8
		}
		for _, again := range agains {
			got, err := api.ParseSubmission(again.contentType, again.body, nil, "")
			if err != nil {
				if len(again.body) > 64<<10 && crm.IsKind(err, crm.KindTooLarge) {
					continue // escaping made it longer than a body may be
				}
				t.Fatalf("%s %q: %v", again.contentType, again.body, err)
			}
			if !maps.Equal(got.Values, sub.Values) || !maps.Equal(got.UTM, sub.UTM) || got.Honeypot != sub.Honeypot {
				t.Fatalf("%s: read back %+v, want %+v", again.contentType, got, sub)
			}
		}
	})
}
