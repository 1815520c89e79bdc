package api_test

import (
	"testing"

	"github.com/guanxi-crm/guanxi/internal/testenv"
)

func TestSmokeAPI(t *testing.T) {
	testenv.ForEachServer(t, func(t *testing.T, s *testenv.Server) {
		tok := s.AdminToken
		for _, c := range []struct {
			m, p string
			b    any
		}{
			{"POST", "/api/v1/contacts", map[string]any{"family_name": "王", "given_name": "小李", "emails": []any{map[string]any{"address": "LI@x.tw"}}, "phones": []any{map[string]any{"number": "0912345678"}}}},
			{"POST", "/api/v1/contacts", map[string]any{"family_name": "王", "emails": []any{map[string]any{"address": "li@x.tw"}}}},
			{"POST", "/api/v1/contacts", `{"emails": 5}`},
			{"POST", "/api/v1/contacts", `{bad json`},
			{"GET", "/api/v1/contacts?q=小李&filter[lifecycle_stage]=lead", nil},
			{"GET", "/api/v1/contacts?filter[nope]=1", nil},
			{"PATCH", "/api/v1/contacts/1", `{"given_name": null, "tags": ["vip"]}`},
			{"POST", "/api/v1/contacts/batch", `{"items": [{"display_name": "a"}, {"emails": "x"}, {}]}`},
			{"GET", "/api/v1/nope", nil},
			{"DELETE", "/api/v1/users", nil},
			{"GET", "/api/v1/contacts/1/audit", nil},
		} {
			r := s.Do(t, tok, c.m, c.p, c.b)
			t.Logf("%s %s -> %d %s %s", c.m, c.p, r.Status, r.Header.Get("Content-Type"), r.Body)
		}
		r := s.Do(t, "", "GET", "/api/v1/contacts", nil)
		t.Logf("anon -> %d %s", r.Status, r.Body)
	})
}
