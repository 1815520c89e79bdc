package api_test

import (
	"testing"

	"github.com/guanxi-crm/guanxi/internal/testenv"
)

func TestSegmentScenarios(t *testing.T) {
	for _, st := range testenv.Stores() {
		t.Run(st.Name, func(t *testing.T) {
			w := newWorld(t, st.Name)
			w.run(t, segmentScenarios)
		})
	}
}

var segmentScenarios = []scenario{
	{name: "the agent's customer", as: "agent", method: post, path: "/api/v1/contacts",
		body: `{"display_name":"王小明","address":{"city":"台北市"},"tags":["vip"]}`, status: 201, save: map[string]string{"c1": "id"}},
	{name: "the admin's customer", as: "admin", method: post, path: "/api/v1/contacts",
		body: `{"display_name":"陳大文","address":{"city":"台北市"}}`, status: 201, save: map[string]string{"c2": "id"}},
	{name: "an event", as: "admin", method: post, path: "/api/v1/events",
		body: `{"type":"store_visit","channel":"store","customer":{"contact_id":{c1}}}`, status: 201},

	{name: "agents do not make segments", as: "agent", method: post, path: "/api/v1/segments",
		body: `{"name":"Taipei","text":"city = \"台北市\""}`, status: 403, want: map[string]any{"code": "segments_managers_only"}},
	{name: "a rule that does not parse", as: "manager", method: post, path: "/api/v1/segments",
		body: `{"name":"Bad","text":"city = "}`, status: 422,
		want: map[string]any{"errors.0.field": "text", "errors.0.code": "rule_syntax", "errors.0.params.offset": 7}},
	{name: "a rule that does not type-check", as: "manager", method: post, path: "/api/v1/segments",
		body:   `{"name":"Bad","rule":{"all":[{"field":"city","op":"eq","value":"台北市"},{"field":"orders","op":"gte","value":"many"}]}}`,
		status: 422, want: map[string]any{"errors.0.field": "rule.all[1].value", "errors.0.code": "expected_integer"}},
	{name: "a rule that is no tree", as: "manager", method: post, path: "/api/v1/segments",
		body: `{"name":"Bad","rule":{"all":[],"field":"city"}}`, status: 422,
		want: map[string]any{"errors.0.field": "rule", "errors.0.code": "invalid_rule"}},
	{name: "preview as text", as: "admin", method: post, path: "/api/v1/segments/preview",
		body: `{"text":"city = \"台北市\" and events(type: \"store_visit\") >= 1"}`, status: 200,
		want: map[string]any{"size": 1, "members.0.id": "{c1}", "rule.all.1.field": "events", "rule.all.1.value": 1}},
	{name: "the agent previews among their own", as: "agent", method: post, path: "/api/v1/segments/preview",
		body: `{"rule":{"field":"city","op":"eq","value":"台北市"}}`, status: 200, want: map[string]any{"size": 1, "members.#": 1}},
	{name: "a segment from JSON", as: "manager", method: post, path: "/api/v1/segments",
		body:   `{"name":"Taipei","rule":{"any":[{"field":"city","op":"in","value":["台北市","新北市"]},{"field":"tag","value":"vip"}]}}`,
		status: 201, header: map[string]string{"ETag": `"1"`, "Location": "~^/api/v1/segments/[0-9]+$"},
		want: map[string]any{"size": 2, "text": `city in ("台北市", "新北市") or tag = "vip"`}, save: map[string]string{"s": "id"}},
	{name: "everyone lists segments", as: "viewer", method: get, path: "/api/v1/segments", status: 200,
		want: map[string]any{"items.#": 1, "items.0.name": "Taipei"}},
	{name: "the agent sees their members only", as: "agent", method: get, path: "/api/v1/segments/{s}/members", status: 200,
		want: map[string]any{"items.#": 1, "items.0.id": "{c1}"}},
	{name: "the admin pages through all", as: "admin", method: get, path: "/api/v1/segments/{s}/members?limit=1", status: 200,
		want: map[string]any{"items.#": 1, "items.0.id": "{c2}"}, header: map[string]string{"Link": "~rel=\"next\""}},
	{name: "who entered", as: "admin", method: get, path: "/api/v1/segments/{s}/changes", status: 200,
		want: map[string]any{"items.#": 2, "items.0.entered": true}},
	{name: "a stale change", as: "manager", method: put, path: "/api/v1/segments/{s}", headers: []string{"If-Match", `"9"`},
		body: `{"name":"Taipei","text":"city = \"台北市\""}`, status: 412},
	{name: "a change", as: "manager", method: put, path: "/api/v1/segments/{s}", headers: []string{"If-Match", `"1"`},
		body: `{"name":"VIP","text":"tag = \"vip\""}`, status: 200, want: map[string]any{"size": 1, "version": 2}},
	{name: "evaluated again", as: "agent", method: post, path: "/api/v1/segments/{s}/refresh", status: 200, want: map[string]any{"size": 1}},
	{name: "who left", as: "admin", method: get, path: "/api/v1/segments/{s}/changes", status: 200,
		want: map[string]any{"items.#": 3, "items.0.entered": false, "items.0.contact_id": "{c2}"}},
	{name: "the builder's fields", as: "agent", method: get, path: "/api/v1/segments/fields", status: 200,
		want: map[string]any{"rfm_cells.0": "champions"}},
	{name: "agents do not delete segments", as: "agent", method: del, path: "/api/v1/segments/{s}", status: 403},
	{name: "delete", as: "manager", method: del, path: "/api/v1/segments/{s}", status: 204},
	{name: "gone", as: "admin", method: get, path: "/api/v1/segments/{s}", status: 404},
}
