package api_test

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode"

	"github.com/guanxi-crm/guanxi/internal/testenv"
)

func TestRecordScenarios(t *testing.T) {
	for _, st := range testenv.Stores() {
		t.Run(st.Name, func(t *testing.T) {
			w := newWorld(t, st.Name)
			w.run(t, recordScenarios)
		})
	}
}

var recordScenarios = []scenario{
	// Companies and the buying organisation.
	{name: "company", as: "agent", method: post, path: "/api/v1/companies",
		body:   `{"name":"台灣精密機械股份有限公司","domain":"https://www.TWPrecision.com.tw/about","industry":"machinery","size":"201-500","address":{"city":"台中市","country":"TW"},"tags":["key account"]}`,
		status: 201, want: map[string]any{"domain": "twprecision.com.tw", "owner_id": "{agent_id}"}, save: map[string]string{"co": "id"}},
	{name: "company without a name", as: "agent", method: post, path: "/api/v1/companies", body: `{"domain":"x.com"}`, status: 422,
		want: map[string]any{"errors.0.field": "name", "errors.0.code": "required"}},
	{name: "company with a bad domain", as: "agent", method: post, path: "/api/v1/companies", body: `{"name":"X","domain":"not a domain"}`, status: 422,
		want: map[string]any{"errors.0.code": "invalid_domain"}},
	{name: "companies in a batch", as: "agent", method: post, path: "/api/v1/companies/batch",
		body: `{"items":[{"name":"Northwind Supplies Ltd","address":{"city":"London","country":"GB"}},{"name":""},{"name":"上海华东贸易有限公司"}]}`, status: 200,
		want: map[string]any{"created": 2, "failed": 1, "results.1.error.errors.0.code": "required"}},
	{name: "boss", as: "agent", method: post, path: "/api/v1/contacts", body: `{"family_name":"陳","given_name":"志明"}`, status: 201, save: map[string]string{"boss": "id"}},
	{name: "buyer", as: "agent", method: post, path: "/api/v1/contacts", body: `{"family_name":"林","given_name":"雅婷"}`, status: 201, save: map[string]string{"buyer": "id"}},
	{name: "outsider", as: "agent", method: post, path: "/api/v1/contacts", body: `{"family_name":"黃","given_name":"小華"}`, status: 201, save: map[string]string{"outsider": "id"}},
	{name: "boss position", as: "agent", method: post, path: "/api/v1/positions",
		body: `{"contact_id":{boss},"company_id":{co},"title":"總經理","buying_role":"decision_maker","influence":5}`, status: 201,
		want: map[string]any{"status": "current", "contact_name": "陳志明", "company_name": "台灣精密機械股份有限公司"}, save: map[string]string{"p_boss": "id"}},
	{name: "reports to someone not at the company", as: "agent", method: post, path: "/api/v1/positions",
		body: `{"contact_id":{buyer},"company_id":{co},"reports_to_id":{outsider}}`, status: 422, want: map[string]any{"errors.0.code": "reports_to_not_at_company"}},
	{name: "influence out of range", as: "agent", method: post, path: "/api/v1/positions",
		body: `{"contact_id":{buyer},"company_id":{co},"influence":9}`, status: 422},
	{name: "buyer position", as: "agent", method: post, path: "/api/v1/positions",
		body: `{"contact_id":{buyer},"company_id":{co},"title":"採購經理","department":"採購部","buying_role":"purchasing","influence":3,"reports_to_id":{boss}}`, status: 201,
		save: map[string]string{"p_buyer": "id"}},
	{name: "a reporting loop is refused", as: "agent", method: patch, path: "/api/v1/positions/{p_boss}", body: `{"reports_to_id":{buyer}}`, status: 422,
		want: map[string]any{"errors.0.code": "reports_to_cycle"}},
	{name: "contact and company of a position are fixed", as: "agent", method: patch, path: "/api/v1/positions/{p_buyer}", body: `{"company_id":{co}0}`, status: 422,
		want: map[string]any{"errors.0.code": "immutable"}},
	{name: "the buying committee", as: "agent", method: get, path: "/api/v1/companies/{co}/positions", status: 200,
		want: map[string]any{"items.#": 2}},
	{name: "the contact shows their company", as: "agent", method: get, path: "/api/v1/contacts/{buyer}", status: 200,
		want: map[string]any{"companies.0.name": "台灣精密機械股份有限公司", "companies.0.title": "採購經理", "companies.0.buying_role": "purchasing"}},
	{name: "search finds people by company", as: "agent", method: get, path: "/api/v1/contacts?q=精密", status: 200, want: map[string]any{"items.#": 2}},
	{name: "filter by company", as: "agent", method: get, path: "/api/v1/contacts?filter[company_id]={co}&sort=display_name", status: 200, want: map[string]any{"items.#": 2}},
	{name: "rename the company", as: "agent", method: patch, path: "/api/v1/companies/{co}", body: `{"name":"精密機械集團"}`, status: 200},
	{name: "search follows the new name", as: "agent", method: get, path: "/api/v1/contacts?q=集團", status: 200, want: map[string]any{"items.#": 2}},
	{name: "the position change is in the contact's history", as: "agent", method: get, path: "/api/v1/contacts/{buyer}/audit", status: 200,
		check: func(t *testing.T, w *world, r *testenv.Response) {
			if !strings.Contains(string(r.Body), `"field":"positions[`+w.ids["p_buyer"]+`]"`) {
				t.Errorf("no position entry: %s", r.Body)
			}
		}},
	{name: "the boss leaves", as: "agent", method: patch, path: "/api/v1/positions/{p_boss}", body: `{"status":"past","ended_on":"2026-06-30"}`, status: 200},
	{name: "past positions are not current companies", as: "agent", method: get, path: "/api/v1/contacts/{boss}", status: 200, want: map[string]any{"companies.#": 0}},
	{name: "delete a position", as: "agent", method: del, path: "/api/v1/positions/{p_buyer}", status: 204},
	{name: "deleted position", as: "agent", method: get, path: "/api/v1/positions/{p_buyer}", status: 404},
	{name: "delete the company", as: "agent", method: del, path: "/api/v1/companies/{co}", status: 204},
	{name: "companies trash", as: "agent", method: get, path: "/api/v1/companies?deleted=only", status: 200, want: map[string]any{"items.#": 1}},
	{name: "restore the company", as: "agent", method: post, path: "/api/v1/companies/{co}/restore", status: 200},
	{name: "company history", as: "agent", method: get, path: "/api/v1/companies/{co}/audit", status: 200, want: map[string]any{"items.#": 4}},
	{name: "search companies", as: "agent", method: get, path: "/api/v1/companies?q=northwind", status: 200, want: map[string]any{"items.#": 1}},

	// Custom fields.
	{name: "define a select field", as: "admin", method: post, path: "/api/v1/custom-fields",
		body:   `{"record_type":"contact","key":"tier","label":"Tier","labels":{"zh-Hant":"等級"},"type":"select","options":[{"value":"gold"},{"value":"silver"}]}`,
		status: 201, save: map[string]string{"tier": "id"}, want: map[string]any{"options.0.label": "gold"}},
	{name: "define a money field", as: "admin", method: post, path: "/api/v1/custom-fields",
		body: `{"record_type":"contact","key":"budget","type":"money","currency":"TWD"}`, status: 201},
	{name: "the key is taken", as: "admin", method: post, path: "/api/v1/custom-fields",
		body: `{"record_type":"contact","key":"tier","type":"text"}`, status: 409, want: map[string]any{"code": "duplicate_field_key"}},
	{name: "a select needs options", as: "admin", method: post, path: "/api/v1/custom-fields",
		body: `{"record_type":"contact","key":"size","type":"select"}`, status: 422, want: map[string]any{"errors.0.code": "options_required"}},
	{name: "a bad key", as: "admin", method: post, path: "/api/v1/custom-fields", body: `{"record_type":"contact","key":"Bad Key","type":"text"}`, status: 422},
	{name: "a value that is not an option", as: "agent", method: patch, path: "/api/v1/contacts/{buyer}", body: `{"custom":{"tier":"platinum"}}`, status: 422,
		want: map[string]any{"errors.0.field": "custom.tier", "errors.0.code": "not_an_option"}},
	{name: "money must be whole minor units", as: "agent", method: patch, path: "/api/v1/contacts/{buyer}", body: `{"custom":{"budget":12.5}}`, status: 422,
		want: map[string]any{"errors.0.code": "expected_minor_units"}},
	{name: "an undefined field", as: "agent", method: patch, path: "/api/v1/contacts/{buyer}", body: `{"custom":{"shoe":"42"}}`, status: 422,
		want: map[string]any{"errors.0.code": "unknown_custom_field"}},
	{name: "custom values", as: "agent", method: patch, path: "/api/v1/contacts/{buyer}", body: `{"custom":{"tier":"gold","budget":150000000}}`, status: 200,
		want: map[string]any{"custom.tier": "gold", "custom.budget": 150000000}},
	{name: "another", as: "agent", method: patch, path: "/api/v1/contacts/{boss}", body: `{"custom":{"tier":"silver","budget":2000}}`, status: 200},
	{name: "filter on a custom field", as: "agent", method: get, path: "/api/v1/contacts?filter[custom.tier]=gold", status: 200,
		want: map[string]any{"items.#": 1, "items.0.id": "{buyer}"}},
	{name: "range on a money field", as: "agent", method: get, path: "/api/v1/contacts?filter[custom.budget][gte]=100000", status: 200, want: map[string]any{"items.#": 1}},
	{name: "sort on a custom field, empty last", as: "agent", method: get, path: "/api/v1/contacts?sort=-custom.budget", status: 200,
		want: map[string]any{"items.0.id": "{buyer}", "items.1.id": "{boss}", "items.#": 3}},
	{name: "clear a custom value", as: "agent", method: patch, path: "/api/v1/contacts/{boss}", body: `{"custom":{"tier":null}}`, status: 200,
		check: func(t *testing.T, _ *world, r *testenv.Response) {
			if _, ok := r.Map(t)["custom"].(map[string]any)["tier"]; ok {
				t.Errorf("tier still set: %s", r.Body)
			}
		}},
	{name: "type is fixed", as: "admin", method: patch, path: "/api/v1/custom-fields/{tier}", body: `{"type":"text"}`, status: 422,
		want: map[string]any{"errors.0.code": "immutable"}},
	{name: "add an option", as: "admin", method: patch, path: "/api/v1/custom-fields/{tier}", body: `{"options":[{"value":"gold"},{"value":"silver"},{"value":"bronze"}]}`, status: 200,
		want: map[string]any{"options.#": 3, "version": 2}},
	{name: "delete the field", as: "admin", method: del, path: "/api/v1/custom-fields/{tier}", status: 204},
	{name: "its values are gone", as: "agent", method: get, path: "/api/v1/contacts/{buyer}", status: 200,
		check: func(t *testing.T, _ *world, r *testenv.Response) {
			custom := r.Map(t)["custom"].(map[string]any)
			if _, ok := custom["tier"]; ok || custom["budget"] == nil {
				t.Errorf("custom after deleting tier: %v", custom)
			}
		}},
	{name: "list fields", as: "viewer", method: get, path: "/api/v1/custom-fields?record_type=contact", status: 200, want: map[string]any{"items.#": 1}},

	// Tags.
	{name: "tags in use", as: "agent", method: patch, path: "/api/v1/contacts/{buyer}", body: `{"tags":["VIP","素食"]}`, status: 200},
	{name: "tags with counts", as: "agent", method: get, path: "/api/v1/tags", status: 200,
		check: func(t *testing.T, w *world, r *testenv.Response) {
			var body struct {
				Items []struct {
					ID           int64
					Name         string
					ContactCount int64 `json:"contact_count"`
					CompanyCount int64 `json:"company_count"`
				}
			}
			r.JSON(t, &body)
			counts := map[string][2]int64{}
			for _, tag := range body.Items {
				counts[tag.Name] = [2]int64{tag.ContactCount, tag.CompanyCount}
				if tag.Name == "VIP" {
					w.ids["vip"] = itoa(tag.ID)
				}
			}
			if counts["VIP"] != [2]int64{1, 0} || counts["key account"] != [2]int64{0, 1} {
				t.Errorf("counts %v", counts)
			}
		}},
	{name: "a tag differing only in case is the same tag", as: "agent", method: post, path: "/api/v1/tags", body: `{"name":"vip"}`, status: 409,
		want: map[string]any{"code": "duplicate_tag"}},
	{name: "agents cannot rename tags", as: "agent", method: patch, path: "/api/v1/tags/{vip}", body: `{"name":"VVIP"}`, status: 403},
	{name: "managers rename tags", as: "manager", method: patch, path: "/api/v1/tags/{vip}", body: `{"name":"VVIP","color":"#FFD700"}`, status: 200,
		want: map[string]any{"color": "#ffd700"}},
	{name: "records follow the rename", as: "agent", method: get, path: "/api/v1/contacts/{buyer}", status: 200, want: map[string]any{"tags.0": "VVIP"}},
	{name: "filter by tag ignores case", as: "agent", method: get, path: "/api/v1/contacts?filter[tag]=vvip", status: 200, want: map[string]any{"items.#": 1}},
	{name: "delete a tag", as: "admin", method: del, path: "/api/v1/tags/{vip}", status: 204},
	{name: "gone from records", as: "agent", method: get, path: "/api/v1/contacts/{buyer}", status: 200, want: map[string]any{"tags.#": 1, "tags.0": "素食"}},
}

func TestOperations(t *testing.T) {
	testenv.ForEachServer(t, func(t *testing.T, s *testenv.Server) {
		for _, c := range []struct {
			path, contentType, contains string
		}{
			{"/healthz", "application/json", `"ok"`},
			{"/readyz", "application/json", `"ready"`},
			{"/metrics", "text/plain", "guanxi_http_requests_total"},
			{"/api/v1/openapi.json", "application/vnd.oai.openapi+json", `"openapi": "3.1.0"`},
			{"/", "text/html", "Guanxi"},
		} {
			r := s.Do(t, "", get, c.path, nil)
			if r.Status != 200 || !strings.HasPrefix(r.Header.Get("Content-Type"), c.contentType) || !strings.Contains(string(r.Body), c.contains) {
				t.Errorf("GET %s: %d %s %.200s", c.path, r.Status, r.Header.Get("Content-Type"), r.Body)
			}
			if r.Header.Get("X-Request-Id") == "" || r.Header.Get("X-Content-Type-Options") != "nosniff" {
				t.Errorf("GET %s lacks request id or security headers: %v", c.path, r.Header)
			}
		}
		r := s.Do(t, "", get, "/healthz", nil, "X-Request-Id", "trace-42")
		if r.Header.Get("X-Request-Id") != "trace-42" {
			t.Errorf("request id not echoed: %q", r.Header.Get("X-Request-Id"))
		}
		// Metrics and access lines name the route and the caller.
		s.Do(t, s.AdminToken, get, "/api/v1/contacts/12345", nil, "X-Request-Id", "trace-43")
		metrics := string(s.Do(t, "", get, "/metrics", nil).Body)
		for _, want := range []string{`route="GET /healthz"`, `route="GET /api/v1/contacts/{id}"`} {
			if !strings.Contains(metrics, want) {
				t.Errorf("metrics lack %s", want)
			}
		}
		var line map[string]any
		for l := range strings.SplitSeq(s.Logs.String(), "\n") {
			if strings.Contains(l, `"request_id":"trace-43"`) {
				_ = json.Unmarshal([]byte(l), &line)
			}
		}
		if line["route"] != "GET /api/v1/contacts/{id}" || line["user_id"] != 1.0 || line["status"] != 404.0 {
			t.Errorf("access line %v; want the route, user 1 and status 404", line)
		}
	})
}

// Every error is in the client's language, also those answered before the
// caller is known: a bad token, an unknown route, a cross-site form.
func TestErrorsInTheClientsLanguage(t *testing.T) {
	testenv.ForEachServer(t, func(t *testing.T, s *testenv.Server) {
		for _, c := range []struct {
			name, method, path string
			headers            []string
			status             int
		}{
			{"bad token", get, "/api/v1/contacts", []string{"Authorization", "Bearer gx_bogus"}, 401},
			{"unknown route", get, "/nothing", nil, 404},
			{"unknown API route", get, "/api/v1/nothing", nil, 404},
			{"cross-site", post, "/api/v1/auth/logout", []string{"Sec-Fetch-Site", "cross-site"}, 403},
		} {
			t.Run(c.name, func(t *testing.T) {
				r := s.Do(t, "", c.method, c.path, nil, append([]string{"Accept-Language", "zh-Hant"}, c.headers...)...)
				var p struct{ Detail string }
				r.JSON(t, &p)
				if r.Status != c.status || !hasHan(p.Detail) {
					t.Errorf("%d %q; want %d in Chinese", r.Status, p.Detail, c.status)
				}
			})
		}
	})
}

func hasHan(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			return true
		}
	}
	return false
}
