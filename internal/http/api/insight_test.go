package api_test

import (
	"testing"
	"time"

	"github.com/guanxi-crm/guanxi/internal/testenv"
)

func TestInsightScenarios(t *testing.T) {
	for _, st := range testenv.Stores() {
		t.Run(st.Name, func(t *testing.T) {
			w := newWorld(t, st.Name)
			w.run(t, insightScenarios)
		})
	}
}

// waitForJob polls the job at the answer's Location until it finishes.
func waitForJob(t *testing.T, w *world, r *testenv.Response) {
	t.Helper()
	loc := r.Header.Get("Location")
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		doc := w.Do(t, w.tokens["admin"], get, loc, nil).Map(t)
		switch doc["status"] {
		case "succeeded":
			return
		case "failed", "cancelled":
			t.Fatalf("insight job %v: %v", doc["status"], doc["last_error"])
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("the insight job did not finish in 30 s")
}

var insightScenarios = []scenario{
	{name: "a buyer", as: "admin", method: post, path: "/api/v1/contacts", body: `{"display_name":"王小明"}`, status: 201, save: map[string]string{"c1": "id"}},
	{name: "a second buyer", as: "admin", method: post, path: "/api/v1/contacts", body: `{"display_name":"Ann"}`, status: 201, save: map[string]string{"c2": "id"}},
	{name: "an order", as: "admin", method: post, path: "/api/v1/orders",
		body: `{"customer":{"contact_id":{c1}},"lines":[{"sku":"PASTA","name":"Pasta","quantity":1,"unit_price":25000},{"sku":"TEA","name":"Tea","quantity":1,"unit_price":6000}]}`, status: 201},
	{name: "another order", as: "admin", method: post, path: "/api/v1/orders",
		body: `{"customer":{"contact_id":{c2}},"lines":[{"sku":"PASTA","name":"Pasta","quantity":2,"unit_price":25000},{"sku":"TEA","name":"Tea","quantity":1,"unit_price":6000}]}`, status: 201},

	{name: "agents do not run insight", as: "agent", method: post, path: "/api/v1/insight/refresh", status: 403,
		want: map[string]any{"code": "insight_managers_only"}},
	{name: "a run", as: "manager", method: post, path: "/api/v1/insight/refresh", status: 202,
		want: map[string]any{"kind": "insight.refresh"}, header: map[string]string{"Location": "~^/api/v1/jobs/[0-9]+$"},
		check: waitForJob},
	{name: "its summary", as: "viewer", method: get, path: "/api/v1/insight", status: 200,
		want: map[string]any{"customers": 2, "lifecycle.first_time": 2, "rfm.bins": 5, "tiers.summary.#": 4}},
	{name: "agents do not read the summary", as: "agent", method: get, path: "/api/v1/insight", status: 403},
	{name: "a contact's scores", as: "admin", method: get, path: "/api/v1/contacts/{c1}/insight", status: 200,
		want: map[string]any{"scores.lifecycle": "first_time", "scores.rfm_r": 3, "scores.rfm_m": 1, "scores.churn_risk": "low", "lifecycle_moves.0.to": "first_time"}},
	{name: "not for those who may not read the contact", as: "agent2", method: get, path: "/api/v1/contacts/{c1}/insight", status: 403},
	{name: "the 80/20 view", as: "admin", method: get, path: "/api/v1/insight/pareto?top=1", status: 200,
		want: map[string]any{"customers": 2, "top_customers.#": 1, "top_customers.0.contact_id": "{c2}"}},
	{name: "bundles", as: "admin", method: get, path: "/api/v1/insight/baskets?min_support=0.5&min_confidence=0.5", status: 200,
		want: map[string]any{"orders": 2, "bundles.#": 0, "rules.#": 2, "rules.0.lift": 1}},
	{name: "no orders in another window", as: "admin", method: get, path: "/api/v1/insight/baskets?min_support=0.5&from=2001-01-01T00:00:00Z&to=2001-02-01T00:00:00Z",
		status: 200, want: map[string]any{"orders": 0, "rules.#": 0}},
	{name: "a window that ends before it starts", as: "admin", method: get, path: "/api/v1/insight/baskets?min_support=0.5&from=2001-02-01T00:00:00Z&to=2001-01-01T00:00:00Z",
		status: 422, want: map[string]any{"errors.0.code": "not_before_to"}},
	{name: "a bad support", as: "admin", method: get, path: "/api/v1/insight/baskets?min_support=0", status: 422,
		want: map[string]any{"errors.0.field": "min_support"}},
	{name: "cohorts", as: "admin", method: get, path: "/api/v1/insight/cohorts?tz=Asia/Taipei", status: 200,
		want: map[string]any{"cohorts.#": 1, "cohorts.0.size": 2}},
	{name: "an unknown time zone", as: "admin", method: get, path: "/api/v1/insight/cohorts?tz=Mars/Olympus", status: 422},
	{name: "a funnel needs two steps", as: "admin", method: get, path: "/api/v1/insight/funnel?steps=purchase", status: 422},
	{name: "a funnel", as: "admin", method: get, path: "/api/v1/insight/funnel?steps=product_view,purchase", status: 200,
		want: map[string]any{"steps.#": 2, "steps.0.customers": 0}},
	{name: "browsers", as: "agent", method: get, path: "/api/v1/insight/pain-points/browsers", status: 200, want: map[string]any{"items.#": 0}},
	{name: "declining", as: "agent", method: get, path: "/api/v1/insight/pain-points/declining?days=30&base_days=10", status: 422},
	{name: "scores take no is set", as: "admin", method: post, path: "/api/v1/segments/preview",
		body: `{"text":"lifecycle = \"first_time\" and rfm_cell is set"}`, status: 422,
		want: map[string]any{"errors.0.field": "rule.all[1].op", "errors.0.code": "operator_not_allowed"}},
	{name: "segments test the scores", as: "admin", method: post, path: "/api/v1/segments/preview",
		body: `{"text":"lifecycle = \"first_time\" and value_tier in (\"most_valuable\", \"standard\")"}`, status: 200, want: map[string]any{"size": 2}},
	{name: "settings", as: "viewer", method: get, path: "/api/v1/insight/settings", status: 200, want: map[string]any{"rfm_bins": 5, "horizon_weeks": 52}},
	{name: "settings are the admins'", as: "manager", method: put, path: "/api/v1/insight/settings", body: `{"rfm_bins":4}`, status: 403},
	{name: "change settings", as: "admin", method: put, path: "/api/v1/insight/settings", body: `{"rfm_bins":4}`, status: 200, want: map[string]any{"rfm_bins": 4}},
}
