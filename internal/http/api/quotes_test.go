package api_test

import (
	"strings"
	"testing"

	"github.com/guanxi-crm/guanxi/internal/testenv"
)

func TestQuoteScenarios(t *testing.T) {
	for _, st := range testenv.Stores() {
		t.Run(st.Name, func(t *testing.T) {
			w := newWorld(t, st.Name)
			w.run(t, quoteScenarios)
		})
	}
}

var quoteScenarios = []scenario{
	{name: "a pipeline", as: "admin", method: post, path: "/api/v1/pipelines", body: `{"name":"Main"}`, status: 201},
	{name: "a deal with lines", as: "agent", method: post, path: "/api/v1/deals",
		body:   `{"name":"ERP 導入","lines":[{"sku":"ERP","name":"ERP 授權","quantity":2,"unit_price":150000,"discount":30000},{"name":"導入服務","quantity":1,"unit_price":80000}]}`,
		status: 201, save: map[string]string{"d": "id"}},
	{name: "another agent may not quote it", as: "agent2", method: post, path: "/api/v1/deals/{d}/quotes", body: `{}`, status: 403},
	{name: "a quote", as: "agent", method: post, path: "/api/v1/deals/{d}/quotes", body: `{"terms":"月結 30 天","valid_until":"2099-12-31"}`,
		status: 201, header: map[string]string{"ETag": `"1"`, "Location": "~^/api/v1/quotes/[0-9]+$"},
		want: map[string]any{"status": "draft", "subtotal": 380000, "discount": 30000, "total": 350000, "number": "~^Q-[0-9]{6}$", "lines.#": 2},
		save: map[string]string{"q": "id"}},
	{name: "a date in the past", as: "agent", method: post, path: "/api/v1/deals/{d}/quotes", body: `{"valid_until":"2001-01-01"}`,
		status: 422, want: map[string]any{"errors.0.field": "valid_until", "errors.0.code": "in_the_past"}},
	{name: "the printable quote, in Chinese", as: "agent", method: get, path: "/api/v1/quotes/{q}/document", headers: []string{"Accept-Language", "zh-TW"},
		status: 200, header: map[string]string{"Content-Type": "~^text/html"},
		check: func(t *testing.T, w *world, r *testenv.Response) {
			page := string(r.Body)
			for _, want := range []string{"報價單 Q-", "ERP 授權", "月結 30 天", "總計（TWD）", "3,500.00", "lang=\"zh-Hant\""} {
				if !strings.Contains(page, want) {
					t.Errorf("the quote page lacks %q", want)
				}
			}
		}},
	{name: "not accepted before it is sent", as: "agent", method: post, path: "/api/v1/quotes/{q}/status", body: `{"status":"accepted"}`,
		status: 422, want: map[string]any{"errors.0.code": "invalid_transition"}},
	{name: "sent", as: "agent", method: post, path: "/api/v1/quotes/{q}/status", body: `{"status":"sent"}`, headers: []string{"If-Match", `"1"`},
		status: 200, want: map[string]any{"status": "sent", "version": 2}},
	{name: "accepted, and the deal won", as: "agent", method: post, path: "/api/v1/quotes/{q}/status", body: `{"status":"accepted","mark_won":true}`,
		status: 200, want: map[string]any{"status": "accepted", "decided_at": "~^20"}},
	{name: "the deal is won", as: "agent", method: get, path: "/api/v1/deals/{d}", status: 200, want: map[string]any{"status": "won"}},
	{name: "its quotes", as: "viewer", method: get, path: "/api/v1/deals/{d}/quotes", status: 200, want: map[string]any{"items.#": 1, "items.0.status": "accepted"}},
}
