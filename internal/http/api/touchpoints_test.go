package api_test

import (
	"strings"
	"testing"

	"github.com/guanxi-crm/guanxi/internal/testenv"
)

func TestTouchpointScenarios(t *testing.T) {
	for _, st := range testenv.Stores() {
		t.Run(st.Name, func(t *testing.T) {
			w := newWorld(t, st.Name)
			w.run(t, touchpointScenarios)
		})
	}
}

// ndjson joins lines into an NDJSON body.
func ndjson(lines ...string) string { return strings.Join(lines, "\n") + "\n" }

var touchpointScenarios = []scenario{
	// Anonymous browsing, then the visitor identifies.
	{name: "anonymous page view", as: "admin", method: post, path: "/api/v1/events",
		body:   `{"type":"page_view","channel":"web","occurred_at":"2026-03-01T10:00:00Z","customer":{"anonymous_id":"cookie-1"},"properties":{"url":"/tea/oolong"}}`,
		status: 201, want: map[string]any{"contact_id": nil, "anonymous_id": "cookie-1", "properties.url": "/tea/oolong"}, save: map[string]string{"ev1": "id"}},
	{name: "anonymous events in a batch, one bad line, one repeated", as: "admin", method: post, path: "/api/v1/events/batch",
		headers: []string{"Content-Type", "application/x-ndjson"},
		body: ndjson(
			`{"type":"product_view","channel":"web","occurred_at":"2026-03-01T10:01:00Z","client_event_id":"e-2","customer":{"anonymous_id":"cookie-1"},"properties":{"sku":"TEA-1"}}`,
			``,
			`{"type":"add_to_cart","channel":"web","occurred_at":"2026-03-01T10:02:00Z","client_event_id":"e-3","customer":{"anonymous_id":"cookie-1"}}`,
			`{"type":"Not A Type","channel":"web","customer":{"anonymous_id":"cookie-1"}}`,
			`{"type":"page_view","channel":"fax","customer":{"anonymous_id":"cookie-1"}}`,
			`not json`,
			`{"type":"page_view","channel":"web","client_event_id":"e-2","customer":{"anonymous_id":"cookie-1"}}`,
		),
		status: 200, want: map[string]any{"stored": 2, "failed": 4, "duplicates": 0,
			"results.0.line": 1, "results.1.line": 3, "results.2.status": 422, "results.2.error.errors.0.code": "invalid_event_type",
			"results.3.error.errors.0.field": "channel", "results.4.status": 400, "results.5.status": 409, "results.5.line": 7}},
	{name: "the same batch again is stored once", as: "admin", method: post, path: "/api/v1/events/batch",
		headers: []string{"Content-Type", "application/x-ndjson"},
		body: ndjson(
			`{"type":"product_view","channel":"web","occurred_at":"2026-03-01T10:01:00Z","client_event_id":"e-2","customer":{"anonymous_id":"cookie-1"},"properties":{"sku":"TEA-1"}}`,
			`{"type":"add_to_cart","channel":"web","occurred_at":"2026-03-01T10:02:00Z","client_event_id":"e-3","customer":{"anonymous_id":"cookie-1"}}`,
		),
		status: 200, want: map[string]any{"stored": 0, "duplicates": 2, "results.0.status": 200, "results.0.duplicate": true}},
	{name: "a repeated single event answers 200 with the stored one", as: "admin", method: post, path: "/api/v1/events",
		body:   `{"type":"add_to_cart","channel":"web","client_event_id":"e-3","customer":{"anonymous_id":"cookie-1"}}`,
		status: 200, want: map[string]any{"client_event_id": "e-3", "occurred_at": "2026-03-01T10:02:00Z"}},
	{name: "identify joins the anonymous profile to a new contact", as: "admin", method: post, path: "/api/v1/events",
		body:   `{"type":"identify","channel":"web","occurred_at":"2026-03-01T10:05:00Z","customer":{"anonymous_id":"cookie-1","email":"Mei.Lin@Example.com","name":"林美"}}`,
		status: 201, save: map[string]string{"mei": "contact_id"}},
	{name: "the contact was created from the email", as: "admin", method: get, path: "/api/v1/contacts/{mei}", status: 200,
		want: map[string]any{"display_name": "林美", "emails.0.address": "mei.lin@example.com",
			"metrics.first_seen_at": "2026-03-01T10:00:00Z", "metrics.last_seen_at": "2026-03-01T10:05:00Z", "metrics.order_count": 0}},
	{name: "the anonymous history moved with the profile", as: "admin", method: get, path: "/api/v1/contacts/{mei}/timeline?kind=event", status: 200,
		want: map[string]any{"items.#": 4, "items.0.type": "identify", "items.3.type": "page_view", "items.3.id": "{ev1}"}},
	{name: "the join is in the contact's history", as: "admin", method: get, path: "/api/v1/contacts/{mei}/timeline?kind=change&type=join", status: 200,
		want: map[string]any{"items.#": 1, "items.0.summary.0.field": "anonymous_id", "items.0.summary.1.to": 3}},
	{name: "later anonymous events of the cookie go to the contact", as: "admin", method: post, path: "/api/v1/events",
		body:   `{"type":"page_view","channel":"web","occurred_at":"2026-03-02T09:00:00Z","customer":{"anonymous_id":"cookie-1"}}`,
		status: 201, want: map[string]any{"contact_id": "{mei}"}},
	{name: "list events", as: "admin", method: get, path: "/api/v1/events?limit=2", status: 200,
		want: map[string]any{"items.#": 2, "items.0.id": "{ev1}", "next_url": "~cursor="}},
	{name: "agents list the events of a contact they read only", as: "agent", method: get, path: "/api/v1/events", status: 403},
	{name: "an event needs a customer", as: "admin", method: post, path: "/api/v1/events", body: `{"type":"call","channel":"phone","customer":{}}`,
		status: 422, want: map[string]any{"errors.0.code": "customer_required"}},
	{name: "identify needs both ids", as: "admin", method: post, path: "/api/v1/events", body: `{"type":"identify","customer":{"email":"a@b.co"}}`,
		status: 422, want: map[string]any{"errors.0.code": "identify_needs_both"}},
	{name: "properties must be an object", as: "admin", method: post, path: "/api/v1/events",
		body: `{"type":"call","customer":{"email":"a@b.co"},"properties":[1]}`, status: 422},

	// External ids name one customer per source.
	{name: "an external id creates a contact", as: "admin", method: post, path: "/api/v1/events",
		body:   `{"type":"store_visit","channel":"store","source":"pos","occurred_at":"2026-03-03T12:00:00Z","customer":{"external_id":"M-0042"}}`,
		status: 201, save: map[string]string{"m42": "contact_id"}},
	{name: "the same external id finds it again", as: "admin", method: post, path: "/api/v1/events",
		body:   `{"type":"store_visit","channel":"store","source":"pos","occurred_at":"2026-03-04T12:00:00Z","customer":{"external_id":"M-0042"}}`,
		status: 201, want: map[string]any{"contact_id": "{m42}"}},
	{name: "the contact is named after its id", as: "admin", method: get, path: "/api/v1/contacts/{m42}", status: 200,
		want: map[string]any{"display_name": "pos #M-0042"}},

	// Permissions: an agent logs calls on their own contacts only.
	{name: "agent's own contact", as: "agent", method: post, path: "/api/v1/contacts", body: `{"display_name":"王小明","phones":[{"number":"0912-345-678"}]}`,
		status: 201, save: map[string]string{"ming": "id"}},
	{name: "agent logs a call", as: "agent", method: post, path: "/api/v1/events",
		body:   `{"type":"call","channel":"phone","customer":{"contact_id":{ming}},"properties":{"note":"想訂兩盒烏龍茶"}}`,
		status: 201, want: map[string]any{"contact_id": "{ming}", "created_by": "{agent_id}"}},
	{name: "by phone, as written", as: "agent", method: post, path: "/api/v1/events",
		body:   `{"type":"chat_message","channel":"line","customer":{"phone":"+886 912 345 678"}}`,
		status: 201, want: map[string]any{"contact_id": "{ming}"}},
	{name: "not on someone else's contact", as: "agent2", method: post, path: "/api/v1/events",
		body: `{"type":"call","channel":"phone","customer":{"contact_id":{ming}}}`, status: 403},
	{name: "nor on a contact that does not exist", as: "agent", method: post, path: "/api/v1/events",
		body: `{"type":"call","channel":"phone","customer":{"contact_id":999999}}`, status: 404},
	{name: "a viewer records nothing", as: "viewer", method: post, path: "/api/v1/events",
		body: `{"type":"call","channel":"phone","customer":{"contact_id":{ming}}}`, status: 403},
	{name: "another agent cannot read the timeline", as: "agent2", method: get, path: "/api/v1/contacts/{ming}/timeline", status: 403},
	{name: "the team's manager can", as: "manager", method: get, path: "/api/v1/contacts/{ming}/timeline", status: 200,
		want: map[string]any{"items.0.kind": "event", "items.0.type": "chat_message", "items.1.type": "call", "items.2.kind": "change"}},
	{name: "timeline filters are checked", as: "admin", method: get, path: "/api/v1/contacts/{ming}/timeline?kind=nope", status: 422},

	// Products and orders.
	{name: "product", as: "admin", method: post, path: "/api/v1/products",
		body:   `{"sku":"TEA-1","name":"凍頂烏龍茶 150g","category":"tea","price":48000,"cost":20000,"currency":"TWD"}`,
		status: 201, want: map[string]any{"active": true}, save: map[string]string{"tea": "id"}},
	{name: "SKUs are unique", as: "admin", method: post, path: "/api/v1/products", body: `{"sku":"TEA-1","name":"again","price":1}`,
		status: 409, want: map[string]any{"code": "duplicate_sku", "params.existing_id": "{tea}"}},
	{name: "agents do not change the catalogue", as: "agent", method: post, path: "/api/v1/products", body: `{"sku":"X","name":"x","price":1}`, status: 403},
	{name: "another currency is refused", as: "admin", method: post, path: "/api/v1/products", body: `{"sku":"USD-1","name":"x","price":1,"currency":"USD"}`,
		status: 422, want: map[string]any{"errors.0.code": "currency_mismatch", "errors.0.params.currency": "TWD"}},
	{name: "an order by email, one line by SKU and one new product", as: "admin", method: post, path: "/api/v1/orders",
		body: `{"number":"A-1001","channel":"web","placed_at":"2026-03-05T08:00:00Z","customer":{"email":"mei.lin@example.com"},
			"lines":[{"sku":"TEA-1","quantity":2,"discount":6000},{"sku":"CUP-9","name":"白瓷杯","quantity":1,"unit_price":35000,"unit_cost":15000}]}`,
		status: 201, want: map[string]any{"contact_id": "{mei}", "subtotal": 131000, "discount": 6000, "total": 125000, "cost": 55000,
			"revenue": 125000, "profit": 70000, "status": "paid", "currency": "TWD", "lines.0.name": "凍頂烏龍茶 150g", "lines.1.product_id": "~^[0-9]+$"},
		save: map[string]string{"o1": "id"}},
	{name: "the new product is in the catalogue", as: "admin", method: get, path: "/api/v1/products?q=CUP", status: 200,
		want: map[string]any{"items.#": 1, "items.0.name": "白瓷杯", "items.0.price": 35000}},
	{name: "order numbers are unique", as: "admin", method: post, path: "/api/v1/orders",
		body: `{"number":"A-1001","lines":[{"sku":"TEA-1","quantity":1}]}`, status: 409, want: map[string]any{"params.existing_id": "{o1}"}},
	{name: "unknown SKU without a name", as: "admin", method: post, path: "/api/v1/orders", body: `{"lines":[{"sku":"NOPE","quantity":1}]}`,
		status: 422, want: map[string]any{"errors.0.field": "lines[0].sku", "errors.0.code": "unknown_sku"}},
	{name: "a discount larger than the line", as: "admin", method: post, path: "/api/v1/orders",
		body: `{"lines":[{"sku":"TEA-1","quantity":1,"discount":48001}]}`, status: 422, want: map[string]any{"errors.0.code": "exceeds_line"}},
	{name: "a guest order is numbered", as: "admin", method: post, path: "/api/v1/orders",
		body: `{"channel":"store","placed_at":"2026-03-06T08:00:00Z","lines":[{"sku":"TEA-1","quantity":1}]}`, status: 201,
		want: map[string]any{"contact_id": nil, "number": "~^ORD-[0-9]{6}$"}},
	{name: "partial refund", as: "admin", method: post, path: "/api/v1/orders/{o1}/refunds", body: `{"amount":25000,"reason":"破損"}`, status: 200,
		want: map[string]any{"refunded": 25000, "revenue": 100000, "profit": 45000, "status": "paid", "refunds.0.reason": "破損"}},
	{name: "refund beyond what is left", as: "admin", method: post, path: "/api/v1/orders/{o1}/refunds", body: `{"amount":100001}`, status: 422,
		want: map[string]any{"errors.0.params.max": 100000}},
	{name: "fulfil", as: "admin", method: post, path: "/api/v1/orders/{o1}/status", body: `{"status":"fulfilled"}`, status: 200,
		want: map[string]any{"status": "fulfilled", "version": 3}},
	{name: "a fulfilled order is not cancelled", as: "admin", method: post, path: "/api/v1/orders/{o1}/status", body: `{"status":"cancelled"}`,
		status: 422, want: map[string]any{"errors.0.code": "invalid_transition"}},
	{name: "stale If-Match", as: "admin", method: post, path: "/api/v1/orders/{o1}/status", body: `{"status":"fulfilled"}`,
		headers: []string{"If-Match", `"1"`}, status: 412},
	{name: "a return", as: "admin", method: post, path: "/api/v1/orders",
		body:   `{"kind":"return","placed_at":"2026-03-07T08:00:00Z","customer":{"contact_id":{mei}},"lines":[{"sku":"TEA-1","quantity":1}]}`,
		status: 201, want: map[string]any{"revenue": -48000, "profit": -28000}},
	{name: "the contact's figures follow", as: "admin", method: get, path: "/api/v1/contacts/{mei}", status: 200,
		want: map[string]any{"metrics.order_count": 1, "metrics.revenue": 52000, "metrics.profit": 17000, "metrics.average_order_value": 52000,
			"metrics.first_order_at": "2026-03-05T08:00:00Z", "metrics.last_seen_at": "2026-03-07T08:00:00Z", "metrics.currency": "TWD"}},
	{name: "the timeline shows the orders", as: "admin", method: get, path: "/api/v1/contacts/{mei}/timeline?kind=order", status: 200,
		want: map[string]any{"items.#": 2, "items.0.type": "return", "items.1.summary.number": "A-1001", "items.1.summary.lines": 2}},
	{name: "timeline pages", as: "admin", method: get, path: "/api/v1/contacts/{mei}/timeline?limit=2", status: 200,
		want: map[string]any{"items.#": 2, "next_url": "~cursor="}},
	{name: "an agent cannot read another's order", as: "agent2", method: get, path: "/api/v1/orders/{o1}", status: 403},

	// Carts and subscriptions.
	{name: "an open cart", as: "admin", method: post, path: "/api/v1/carts",
		body:   `{"customer":{"contact_id":{mei}},"last_activity_at":"2026-03-08T08:00:00Z","lines":[{"sku":"TEA-1","quantity":3,"unit_price":48000}]}`,
		status: 201, want: map[string]any{"value": 144000, "status": "open"}, save: map[string]string{"cart": "id"}},
	{name: "abandoned carts", as: "admin", method: get, path: "/api/v1/carts?status=open&idle_hours=24", status: 200,
		want: map[string]any{"items.#": 1, "items.0.id": "{cart}"}},
	{name: "open cart value", as: "admin", method: get, path: "/api/v1/contacts/{mei}", status: 200, want: map[string]any{"metrics.open_cart_value": 144000}},
	{name: "the cart converts", as: "admin", method: patch, path: "/api/v1/carts/{cart}", body: `{"status":"converted","order_id":{o1}}`, status: 200,
		want: map[string]any{"status": "converted"}},
	{name: "subscription", as: "admin", method: post, path: "/api/v1/subscriptions",
		body:   `{"customer":{"contact_id":{mei}},"plan":"每月茶葉","price":60000,"period":"month","started_at":"2026-01-15T00:00:00Z"}`,
		status: 201, want: map[string]any{"renews_at": "2026-02-15T00:00:00Z", "status": "active"}, save: map[string]string{"sub": "id"}},
	{name: "renewal is an order", as: "admin", method: post, path: "/api/v1/subscriptions/{sub}/renewals", status: 201,
		want: map[string]any{"number": "SUB-{sub}-20260215", "total": 60000, "subscription_id": "{sub}", "placed_at": "2026-02-15T00:00:00Z"}},
	{name: "and moves renews_at on", as: "admin", method: get, path: "/api/v1/subscriptions/{sub}", status: 200,
		want: map[string]any{"renews_at": "2026-03-15T00:00:00Z"}},
	{name: "cancel", as: "admin", method: patch, path: "/api/v1/subscriptions/{sub}", body: `{"status":"cancelled"}`, status: 200,
		want: map[string]any{"status": "cancelled", "renews_at": nil}},
	{name: "a cancelled subscription does not renew", as: "admin", method: post, path: "/api/v1/subscriptions/{sub}/renewals", status: 422},

	// The overview.
	{name: "overview for March", as: "admin", method: get, path: "/api/v1/reports/overview?from=2026-03-01T00:00:00Z&to=2026-04-01T00:00:00Z", status: 200,
		want: map[string]any{"currency": "TWD", "customers.total": 1, "customers.new": 0, "customers.active": 1, "customers.reactivated": 0,
			"sales.orders": 2, "sales.revenue": 100000, "previous.revenue": 60000, "previous.orders": 1,
			"top_customers.0.contact_id": "{mei}", "top_customers.0.name": "林美", "pareto.customers": 1, "pareto.top": 1}},
	{name: "overview for February", as: "admin", method: get, path: "/api/v1/reports/overview?from=2026-02-01T00:00:00Z&to=2026-03-01T00:00:00Z", status: 200,
		want: map[string]any{"customers.new": 1, "customers.total": 1, "sales.revenue": 60000, "by_channel.0.channel": "other"}},
	{name: "agents do not see the whole shop's figures", as: "agent", method: get, path: "/api/v1/reports/overview", status: 403},
	{name: "a period that ends before it starts", as: "admin", method: get, path: "/api/v1/reports/overview?from=2026-03-01T00:00:00Z&to=2026-02-01T00:00:00Z", status: 422},

	// Merging moves history and purchases.
	{name: "a second record of Mei", as: "admin", method: post, path: "/api/v1/events",
		body:   `{"type":"email_opened","channel":"email","occurred_at":"2026-03-09T08:00:00Z","customer":{"email":"mei.personal@example.com"}}`,
		status: 201, save: map[string]string{"mei2": "contact_id"}},
	{name: "merge it into the first", as: "admin", method: post, path: "/api/v1/contacts/{mei}/merge", body: `{"contact_id":{mei2}}`, status: 200},
	{name: "its event is now Mei's", as: "admin", method: get, path: "/api/v1/contacts/{mei}/timeline?kind=event&type=email_opened", status: 200,
		want: map[string]any{"items.#": 1}},
	{name: "and events naming the merged contact go to the survivor", as: "admin", method: post, path: "/api/v1/events",
		body: `{"type":"call","channel":"phone","customer":{"contact_id":{mei2}}}`, status: 201, want: map[string]any{"contact_id": "{mei}"}},
}
