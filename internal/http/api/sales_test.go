package api_test

import (
	"strings"
	"testing"

	"github.com/guanxi-crm/guanxi/internal/testenv"
)

func TestSalesScenarios(t *testing.T) {
	for _, st := range testenv.Stores() {
		t.Run(st.Name, func(t *testing.T) {
			w := newWorld(t, st.Name)
			w.run(t, salesScenarios)
		})
	}
}

// allTime is a period around every deal of the scenarios, whatever today is.
const allTime = "from=2000-01-01T00:00:00Z&to=2100-01-01T00:00:00Z"

var salesScenarios = []scenario{
	// Pipelines are the admins'.
	{name: "no pipeline yet", as: "agent", method: post, path: "/api/v1/deals", body: `{"name":"Too early"}`,
		status: 422, want: map[string]any{"errors.0.field": "pipeline_id", "errors.0.code": "no_pipeline"}},
	{name: "agents do not make pipelines", as: "agent", method: post, path: "/api/v1/pipelines", body: `{"name":"Mine"}`,
		status: 403, want: map[string]any{"code": "pipelines_admins_only"}},
	{name: "a pipeline needs one won and one lost stage", as: "admin", method: post, path: "/api/v1/pipelines",
		body:   `{"name":"Bad","stages":[{"name":"A","probability":10},{"name":"W1","kind":"won"},{"name":"W2","kind":"won"},{"name":"L","kind":"lost"}]}`,
		status: 422, want: map[string]any{"errors.0.field": "stages", "errors.0.code": "one_won_one_lost"}},
	{name: "a pipeline", as: "admin", method: post, path: "/api/v1/pipelines",
		body:   `{"name":"企業客戶","stages":[{"name":"初步接觸","probability":10},{"name":"需求分析","probability":30},{"name":"報價","probability":60},{"name":"成交","kind":"won"},{"name":"失敗","kind":"lost"}]}`,
		status: 201, header: map[string]string{"ETag": `"1"`, "Location": "~^/api/v1/pipelines/[0-9]+$"},
		want: map[string]any{"stages.#": 5, "stages.3.probability": 100, "stages.4.position": 5},
		save: map[string]string{"p": "id", "s1": "stages.0.id", "s2": "stages.1.id", "s3": "stages.2.id", "won": "stages.3.id", "lost": "stages.4.id"}},
	{name: "everyone reads pipelines", as: "viewer", method: get, path: "/api/v1/pipelines", status: 200,
		want: map[string]any{"items.#": 1, "items.0.stages.0.name": "初步接觸"}},

	// Deals: an agent sees and moves only the deals they may.
	{name: "the agent's contact", as: "agent", method: post, path: "/api/v1/contacts", body: `{"display_name":"陳經理"}`,
		status: 201, save: map[string]string{"boss": "id"}},
	{name: "the agent's deal", as: "agent", method: post, path: "/api/v1/deals",
		body: `{"name":"ERP 導入","expected_close_on":"2050-06-30","contacts":[{"contact_id":{boss},"role":"decision_maker"}],
			"lines":[{"sku":"ERP-STD","quantity":20,"unit_price":150000,"discount":300000},{"name":"導入服務","quantity":1,"unit_price":500000}],
			"next_step":"Demo","next_step_due_on":"2050-01-10"}`,
		status: 201, header: map[string]string{"ETag": `"1"`},
		want: map[string]any{"amount": 3200000, "lines.0.total": 2700000, "lines.0.name": "ERP-STD", "status": "open", "stage_id": "{s1}",
			"pipeline_id": "{p}", "owner_id": "{agent_id}", "team_id": "{team}", "contacts.0.role": "decision_maker", "currency": "TWD"},
		save: map[string]string{"d1": "id"}},
	{name: "another agent's deal", as: "agent2", method: post, path: "/api/v1/deals", body: `{"name":"Alone"}`,
		status: 201, save: map[string]string{"d2": "id"}},
	{name: "naming a contact one may not read", as: "agent2", method: post, path: "/api/v1/deals",
		body: `{"name":"x","contacts":[{"contact_id":{boss}}]}`, status: 403},
	{name: "the other agent does not see it", as: "agent2", method: get, path: "/api/v1/deals/{d1}", status: 403},
	{name: "nor move it", as: "agent2", method: post, path: "/api/v1/deals/{d1}/move", body: `{"stage_id":{s2}}`, status: 403},
	{name: "nor change it", as: "agent2", method: patch, path: "/api/v1/deals/{d1}", body: `{"name":"mine now"}`,
		headers: []string{"Content-Type", "application/merge-patch+json"}, status: 403},
	{name: "nor read its moves", as: "agent2", method: get, path: "/api/v1/deals/{d1}/stage-changes", status: 403},
	{name: "and lists only their own", as: "agent2", method: get, path: "/api/v1/deals", status: 200,
		want: map[string]any{"items.#": 1, "items.0.id": "{d2}"}},
	{name: "the team's manager lists the team's", as: "manager", method: get, path: "/api/v1/deals", status: 200,
		want: map[string]any{"items.#": 1, "items.0.id": "{d1}"}},
	{name: "the viewer reads", as: "viewer", method: get, path: "/api/v1/deals/{d1}", status: 200},
	{name: "but moves nothing", as: "viewer", method: post, path: "/api/v1/deals/{d1}/move", body: `{"stage_id":{s2}}`, status: 403},

	// Moving: one call, with If-Match.
	{name: "move", as: "agent", method: post, path: "/api/v1/deals/{d1}/move", body: `{"stage_id":{s2}}`, headers: []string{"If-Match", `"1"`},
		status: 200, header: map[string]string{"ETag": `"2"`}, want: map[string]any{"stage_id": "{s2}", "version": 2}},
	{name: "a stale If-Match", as: "agent", method: post, path: "/api/v1/deals/{d1}/move", body: `{"stage_id":{s3}}`, headers: []string{"If-Match", `"1"`},
		status: 412, want: map[string]any{"code": "stale_version", "params.current_version": 2}},
	{name: "a malformed If-Match", as: "agent", method: post, path: "/api/v1/deals/{d1}/move", body: `{"stage_id":{s3}}`, headers: []string{"If-Match", `2`},
		status: 400},
	{name: "lost needs a reason", as: "agent", method: post, path: "/api/v1/deals/{d1}/move", body: `{"stage_id":{lost}}`,
		status: 422, want: map[string]any{"errors.0.field": "lost_reason", "errors.0.code": "lost_reason_required"}},
	{name: "an unknown stage", as: "agent", method: post, path: "/api/v1/deals/{d1}/move", body: `{"stage_id":999999}`,
		status: 422, want: map[string]any{"errors.0.code": "unknown_stage"}},
	{name: "lost, with a reason", as: "agent", method: post, path: "/api/v1/deals/{d1}/move", body: `{"stage_id":{lost},"lost_reason":"預算凍結"}`,
		status: 200, want: map[string]any{"status": "lost", "lost_reason": "預算凍結", "closed_at": "~^20"}},
	{name: "reopened", as: "agent", method: post, path: "/api/v1/deals/{d1}/move", body: `{"stage_id":{s3}}`,
		status: 200, want: map[string]any{"status": "open", "stage_id": "{s3}"}},
	{name: "and won", as: "manager", method: post, path: "/api/v1/deals/{d1}/move", body: `{"stage_id":{won}}`, headers: []string{"If-Match", `"4"`},
		status: 200, want: map[string]any{"status": "won", "version": 5}},
	{name: "every move is recorded", as: "agent", method: get, path: "/api/v1/deals/{d1}/stage-changes", status: 200,
		want: map[string]any{"items.#": 5, "items.0.from_stage_id": nil, "items.0.to_stage_id": "{s1}", "items.2.to_status": "lost",
			"items.3.reopened": true, "items.3.from_status": "lost", "items.4.to_stage_id": "{won}", "items.4.actor_id": "{manager_id}",
			"items.1.days_in_from_stage": "~^[0-9.e-]+$"}},
	{name: "and audited", as: "agent", method: get, path: "/api/v1/deals/{d1}/audit", status: 200,
		want: map[string]any{"items.#": 5, "items.0.action": "update", "items.4.action": "create"}},

	// Changing a deal's fields.
	{name: "a stale PATCH", as: "agent", method: patch, path: "/api/v1/deals/{d1}", body: `{"next_step":"Kick-off"}`,
		headers: []string{"Content-Type", "application/merge-patch+json", "If-Match", `"4"`}, status: 412},
	{name: "PATCH", as: "agent", method: patch, path: "/api/v1/deals/{d1}", body: `{"next_step":"Kick-off","lines":null,"amount":3000000}`,
		headers: []string{"Content-Type", "application/merge-patch+json", "If-Match", `"5"`}, status: 200,
		want: map[string]any{"next_step": "Kick-off", "lines.#": 0, "amount": 3000000, "contacts.#": 1, "version": 6}},
	{name: "the stage is not a field", as: "agent", method: patch, path: "/api/v1/deals/{d1}", body: `{"stage_id":{s1}}`,
		headers: []string{"Content-Type", "application/merge-patch+json"}, status: 422},
	{name: "a batch, each on its own", as: "admin", method: post, path: "/api/v1/deals/batch",
		body:   `{"items":[{"name":"b1","owner_id":{agent2_id}},{"name":"","owner_id":{agent2_id}},{"name":"b3","stage_id":{lost}}]}`,
		status: 200, want: map[string]any{"created": 1, "failed": 2, "results.1.error.errors.0.field": "name", "results.2.error.errors.0.code": "lost_reason_required"}},
	{name: "moves in a batch, each on its own", as: "agent2", method: post, path: "/api/v1/deals/move-batch",
		body:   `{"items":[{"deal_id":{d2},"stage_id":{s2},"if_version":1},{"deal_id":{d1},"stage_id":{s2}},{"deal_id":{d2},"stage_id":{lost}},{"deal_id":{d2},"stage_id":{s3},"if_version":1},{"stage_id":{s3}},{"deal_id":{d2},"stage_id":{s1}}]}`,
		status: 200, want: map[string]any{"moved": 2, "failed": 4, "results.5.version": 3, "results.0.id": "{d2}", "results.0.version": 2, "results.1.error.status": 403,
			"results.2.error.errors.0.code": "lost_reason_required", "results.3.error.code": "stale_version", "results.4.error.status": 422}},
	{name: "a move batch too large", as: "admin", method: post, path: "/api/v1/deals/move-batch",
		body: `{"items":[` + strings.TrimSuffix(strings.Repeat(`{"deal_id":1,"stage_id":1},`, 1001), ",") + `]}`, status: 413},
	{name: "filters", as: "admin", method: get, path: "/api/v1/deals?owner_id={agent2_id}&status=open&limit=1", status: 200,
		want: map[string]any{"items.#": 1, "items.0.name": "b1", "next_url": "~cursor="}},

	// Stages: reorder, add, delete.
	{name: "reorder", as: "admin", method: put, path: "/api/v1/pipelines/{p}/stage-order", headers: []string{"If-Match", `"1"`},
		body:   `{"stage_ids":[{s2},{s1},{s3},{won},{lost}]}`,
		status: 200, header: map[string]string{"ETag": `"2"`}, want: map[string]any{"stages.0.id": "{s2}", "stages.0.position": 1, "stages.1.id": "{s1}"}},
	{name: "reorder with a stale If-Match", as: "admin", method: put, path: "/api/v1/pipelines/{p}/stage-order", headers: []string{"If-Match", `"1"`},
		body: `{"stage_ids":[{s1},{s2},{s3},{won},{lost}]}`, status: 412},
	{name: "won and lost stay last", as: "admin", method: put, path: "/api/v1/pipelines/{p}/stage-order",
		body: `{"stage_ids":[{s1},{won},{s2},{s3},{lost}]}`, status: 422, want: map[string]any{"errors.0.code": "closed_stages_last"}},
	{name: "every stage once", as: "admin", method: put, path: "/api/v1/pipelines/{p}/stage-order",
		body: `{"stage_ids":[{s1},{s2},{won},{lost}]}`, status: 422, want: map[string]any{"errors.0.code": "every_stage_once"}},
	{name: "agents do not reorder", as: "agent", method: put, path: "/api/v1/pipelines/{p}/stage-order",
		body: `{"stage_ids":[{s1},{s2},{s3},{won},{lost}]}`, status: 403},
	{name: "add a stage", as: "admin", method: post, path: "/api/v1/pipelines/{p}/stages", body: `{"name":"Demo","probability":40}`,
		status: 201, want: map[string]any{"stages.3.name": "Demo", "stages.3.position": 4, "stages.4.kind": "won", "version": 3},
		save: map[string]string{"demo": "stages.3.id"}},
	{name: "change a stage", as: "admin", method: patch, path: "/api/v1/pipelines/{p}/stages/{demo}", body: `{"probability":45}`,
		headers: []string{"Content-Type", "application/merge-patch+json", "If-Match", `"3"`}, status: 200, want: map[string]any{"stages.3.probability": 45}},
	{name: "a stage with deals stays", as: "admin", method: del, path: "/api/v1/pipelines/{p}/stages/{s1}",
		status: 409, want: map[string]any{"code": "stage_has_deals", "params.deals": 2}},
	{name: "an empty stage goes", as: "admin", method: del, path: "/api/v1/pipelines/{p}/stages/{demo}", status: 204},
	{name: "a pipeline with deals stays", as: "admin", method: del, path: "/api/v1/pipelines/{p}", status: 409},

	// The forecast on a small known set, in a pipeline of its own with
	// the default stages (Qualified 10%, Needs analysis 25%, Proposal
	// 50%, Negotiation 75%).
	{name: "a second pipeline", as: "admin", method: post, path: "/api/v1/pipelines", body: `{"name":"Known"}`, status: 201,
		save: map[string]string{"k": "id", "k1": "stages.0.id", "k3": "stages.2.id", "k4": "stages.3.id", "kwon": "stages.4.id", "klost": "stages.5.id"}},
	{name: "known deals", as: "admin", method: post, path: "/api/v1/deals/batch",
		body: `{"items":[
			{"name":"f1","amount":10000,"stage_id":{k3},"expected_close_on":"2050-06-01","owner_id":{agent_id}},
			{"name":"f2","amount":4000,"stage_id":{k4},"expected_close_on":"2050-06-15","owner_id":{agent_id}},
			{"name":"f3","amount":2000,"stage_id":{k1},"owner_id":{agent_id}},
			{"name":"f4","amount":7000,"stage_id":{kwon},"owner_id":{agent_id}},
			{"name":"f5","amount":1000,"stage_id":{klost},"lost_reason":"timing","owner_id":{agent_id}}]}`,
		status: 200, want: map[string]any{"created": 5}},
	{name: "forecast", as: "manager", method: get, path: "/api/v1/sales/forecast?pipeline_id={k}&" + allTime, status: 200,
		want: map[string]any{"committed": 7000, "weighted_pipeline": 5000 + 3000, "weighted_forecast": 15000, "best_case": 7000 + 14000,
			"open_deals": 2, "undated_open_deals": 1, "history.closed_deals": 2, "history.won": 1, "history.win_rate": 0.5,
			"currency": "TWD", "stages.#": 4, "stages.2.observed": 1, "owners.0.owner_id": "{agent_id}"},
		check: func(t *testing.T, w *world, r *testenv.Response) {
			var f struct {
				Weighted int64 `json:"weighted_forecast"`
				History  int64 `json:"history_forecast"`
				Gap      int64 `json:"gap"`
			}
			r.JSON(t, &f)
			if f.Gap != f.History-f.Weighted || f.History <= 7000 {
				t.Errorf("history %d, weighted %d, gap %d", f.History, f.Weighted, f.Gap)
			}
		}},
	{name: "one owner", as: "admin", method: get, path: "/api/v1/sales/forecast?pipeline_id={k}&owner_id={agent_id}&" + allTime, status: 200,
		want: map[string]any{"committed": 7000, "best_case": 21000}},
	{name: "an agent's forecast holds only what they may see", as: "agent2", method: get, path: "/api/v1/sales/forecast?pipeline_id={k}&" + allTime, status: 200,
		want: map[string]any{"committed": 0, "weighted_pipeline": 0, "open_deals": 0, "history.closed_deals": 0}},
	{name: "KPIs with a target", as: "admin", method: get, path: "/api/v1/sales/kpis?pipeline_id={k}&target=28000&" + allTime, status: 200,
		want: map[string]any{"closed": 2, "won": 1, "win_rate": 0.5, "average_deal_size": 7000, "open_pipeline": 14000, "pipeline_coverage": 0.5,
			"target": 28000, "stage_conversion.0.steps.0.reached": 4, "stage_conversion.0.steps.3.next": "Won", "owners.0.won": 1}},
	{name: "KPIs without a target", as: "admin", method: get, path: "/api/v1/sales/kpis?pipeline_id={k}&" + allTime, status: 200,
		check: func(t *testing.T, w *world, r *testenv.Response) {
			var doc map[string]any
			r.JSON(t, &doc)
			if _, ok := doc["pipeline_coverage"]; ok {
				t.Errorf("coverage without a target: %s", r.Body)
			}
		}},
	{name: "a period that ends before it starts", as: "admin", method: get, path: "/api/v1/sales/kpis?from=2026-03-01T00:00:00Z&to=2026-02-01T00:00:00Z",
		status: 422, want: map[string]any{"errors.0.code": "not_before_to"}},
	{name: "an unknown pipeline", as: "admin", method: get, path: "/api/v1/sales/forecast?pipeline_id=999999", status: 404},
}
