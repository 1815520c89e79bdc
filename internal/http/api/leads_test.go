package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/guanxi-crm/guanxi/internal/testenv"
)

func TestLeadScenarios(t *testing.T) {
	for _, st := range testenv.Stores() {
		t.Run(st.Name, func(t *testing.T) {
			w := newWorld(t, st.Name)
			w.run(t, leadScenarios)
			t.Run("the page shows what is wrong", func(t *testing.T) {
				r := w.Do(t, "", http.MethodPost, "/forms/demo", "name=%E5%BC%B5&email=nope", "Content-Type", "application/x-www-form-urlencoded",
					"Accept-Language", "zh-TW")
				body := string(r.Body)
				if r.Status != http.StatusUnprocessableEntity || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/html") ||
					!strings.Contains(body, "請檢查下方標示的欄位") || !strings.Contains(body, `value="張"`) || !strings.Contains(body, `<p class="error">`) {
					t.Errorf("%d %v\n%s", r.Status, r.Header, body)
				}
				r = w.Do(t, "", http.MethodGet, "/forms/no-such-form", nil)
				if r.Status != http.StatusNotFound || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/html") {
					t.Errorf("an unknown form's page: %d %s", r.Status, r.Body)
				}
			})
			t.Run("a rate limit per client address", func(t *testing.T) { checkSubmissionLimit(t, w) })
		})
	}
}

var mergePatch = []string{"Content-Type", "application/merge-patch+json"}

var leadScenarios = []scenario{
	// Leads: captured, scored, read and listed as their owners may.
	{name: "a lead", as: "agent", method: post, path: "/api/v1/leads",
		body:   `{"name":"陳小明","company_name":"大同電子","email":"Ming@Tatung.com.tw","phone":"0912-345-678","company_size":"201-500","source":"trade_show","utm_campaign":"computex"}`,
		status: 201, header: map[string]string{"ETag": `"1"`, "Location": "~^/api/v1/leads/[0-9]+$"},
		want: map[string]any{"email": "ming@tatung.com.tw", "phone": "+886912345678", "status": "new", "owner_id": "{agent_id}",
			"team_id": "{team}", "score": 40, "score_reasons.#": 4, "score_reasons.0.rule": "has_company", "score_reasons.3.detail": "201-500"},
		save: map[string]string{"l1": "id"}},
	{name: "an invalid email", as: "agent", method: post, path: "/api/v1/leads", body: `{"email":"nope"}`,
		status: 422, want: map[string]any{"errors.0.field": "email", "errors.0.code": "invalid_email"}},
	{name: "a name or a way to reach them", as: "agent", method: post, path: "/api/v1/leads", body: `{"company_name":"Acme"}`,
		status: 422, want: map[string]any{"errors.0.field": "name", "errors.0.code": "name_or_contact_required"}},
	{name: "a batch, each on its own", as: "agent", method: post, path: "/api/v1/leads/batch",
		body:   `{"items":[{"name":"b1","source":"ads"},{"email":"bad"},{"name":"b3","source":"ads"}]}`,
		status: 200, want: map[string]any{"created": 2, "failed": 1, "results.1.error.errors.0.field": "email"}},
	{name: "another rep may not read it", as: "agent2", method: get, path: "/api/v1/leads/{l1}", status: 403},
	{name: "nor list it", as: "agent2", method: get, path: "/api/v1/leads", status: 200, want: map[string]any{"items.#": 0}},
	{name: "the team's manager lists the team's", as: "manager", method: get, path: "/api/v1/leads?source=ads", status: 200,
		want: map[string]any{"items.#": 2, "items.0.name": "b3"}},
	{name: "filters and pages", as: "agent", method: get, path: "/api/v1/leads?status=new&owner_id={agent_id}&limit=2", status: 200,
		want: map[string]any{"items.#": 2, "next_url": "~cursor="}},
	{name: "an unknown status", as: "agent", method: get, path: "/api/v1/leads?status=hot", status: 422},
	{name: "search by a Chinese substring", as: "agent", method: get, path: "/api/v1/leads?q=%E5%B0%8F%E6%98%8E", status: 200,
		want: map[string]any{"items.#": 1, "items.0.id": "{l1}", "items.0.name": "陳小明"}},
	{name: "search by part of an email, in any case", as: "agent", method: get, path: "/api/v1/leads?q=TATUNG.COM", status: 200,
		want: map[string]any{"items.#": 1, "items.0.id": "{l1}"}},
	{name: "search by a phone as written", as: "agent", method: get, path: "/api/v1/leads?q=0912+345", status: 200,
		want: map[string]any{"items.#": 1, "items.0.id": "{l1}"}},
	{name: "search with the other filters, page by page", as: "agent", method: get, path: "/api/v1/leads?q=b&source=ads&limit=1", status: 200,
		want: map[string]any{"items.#": 1, "items.0.name": "b3", "next_url": "~q=b"}},
	{name: "a % is a percent sign", as: "agent", method: get, path: "/api/v1/leads?q=%25", status: 200, want: map[string]any{"items.#": 0}},
	{name: "another rep finds none of them", as: "agent2", method: get, path: "/api/v1/leads?q=%E5%B0%8F%E6%98%8E", status: 200,
		want: map[string]any{"items.#": 0}},
	{name: "a search too long", as: "agent", method: get, path: "/api/v1/leads?q=" + strings.Repeat("%E7%8E%8B", 101), status: 422,
		want: map[string]any{"errors.0.field": "q", "errors.0.code": "too_long", "errors.0.params.max": 100}},
	{name: "PATCH", as: "agent", method: patch, path: "/api/v1/leads/{l1}", body: `{"title":"採購經理"}`,
		headers: append(mergePatch, "If-Match", `"1"`), status: 200, header: map[string]string{"ETag": `"2"`},
		want: map[string]any{"title": "採購經理", "version": 2, "score": 40}},
	{name: "a stale PATCH", as: "agent", method: patch, path: "/api/v1/leads/{l1}", body: `{"title":"x"}`,
		headers: append(mergePatch, "If-Match", `"1"`), status: 412},
	{name: "the status is not a field", as: "agent", method: patch, path: "/api/v1/leads/{l1}", body: `{"status":"converted"}`,
		headers: mergePatch, status: 422},
	{name: "disqualifying needs a reason", as: "agent", method: post, path: "/api/v1/leads/{l1}/disqualify", body: `{"reason":" "}`,
		status: 422, want: map[string]any{"errors.0.field": "reason", "errors.0.code": "disqualify_reason_required"}},
	{name: "disqualified", as: "agent", method: post, path: "/api/v1/leads/{l1}/disqualify", body: `{"reason":"預算不足"}`,
		status: 200, want: map[string]any{"status": "disqualified", "disqualify_reason": "預算不足", "disqualified_at": "~^20"}},
	{name: "qualified again", as: "agent", method: post, path: "/api/v1/leads/{l1}/qualify", headers: []string{"If-Match", `"3"`},
		status: 200, want: map[string]any{"status": "qualified", "version": 4}},
	{name: "another rep changes nothing", as: "agent2", method: post, path: "/api/v1/leads/{l1}/disqualify", body: `{"reason":"mine"}`, status: 403},
	{name: "its history", as: "agent", method: get, path: "/api/v1/leads/{l1}/audit", status: 200,
		want: map[string]any{"items.#": 4, "items.0.changes.0.field": "status", "items.3.action": "create"}},

	// Scoring rules.
	{name: "the scoring rules", as: "agent", method: get, path: "/api/v1/lead-scoring", status: 200,
		want: map[string]any{"has_company": 10, "business_email": 10, "behaviour.0.name": "visited pricing", "company_size.5001+": 25}},
	{name: "are the admins' to change", as: "manager", method: put, path: "/api/v1/lead-scoring", body: `{"has_company":5,"business_email":5,"has_phone":5}`,
		status: 403, want: map[string]any{"code": "scoring_admins_only"}},
	{name: "rules are checked", as: "admin", method: put, path: "/api/v1/lead-scoring",
		body:   `{"has_company":5,"business_email":5,"has_phone":5,"behaviour":[{"name":"x","event_type":"Page View","points":1}]}`,
		status: 422, want: map[string]any{"errors.0.field": "behaviour[0].event_type", "errors.0.code": "invalid_event_type"}},

	// The pool (公海): rules, claims, the cap, releases and protection.
	{name: "the default pool", as: "agent", method: get, path: "/api/v1/pools", status: 200,
		want: map[string]any{"items.#": 1, "items.0.default": true, "items.0.team_id": nil}, save: map[string]string{"pool": "items.0.id"}},
	{name: "its rules are the admins'", as: "manager", method: patch, path: "/api/v1/pools/{pool}", body: `{"claim_cap":2}`,
		headers: mergePatch, status: 403, want: map[string]any{"code": "pools_admins_only"}},
	{name: "the rules", as: "admin", method: patch, path: "/api/v1/pools/{pool}", body: `{"claim_cap":2,"recycle_days":3,"protection_days":7}`,
		headers: append(mergePatch, "If-Match", `"1"`), status: 200,
		want: map[string]any{"claim_cap": 2, "recycle_days": 3, "protection_days": 7, "collision_policy": "refuse", "version": 2}},
	{name: "leads for the pool", as: "admin", method: post, path: "/api/v1/leads/batch",
		body:   `{"items":[{"name":"p1","unowned":true},{"name":"p2","unowned":true},{"name":"p3","unowned":true},{"name":"p4","unowned":true,"email":"boss@acme.tw"}]}`,
		status: 200, want: map[string]any{"created": 4},
		save: map[string]string{"p1": "results.0.id", "p2": "results.1.id", "p3": "results.2.id", "p4": "results.3.id"}},
	{name: "the pool lists them", as: "agent2", method: get, path: "/api/v1/pools/{pool}/leads", status: 200, want: map[string]any{"items.#": 4}},
	{name: "a rep reads a pooled lead", as: "agent2", method: get, path: "/api/v1/leads/{p1}", status: 200, want: map[string]any{"owner_id": nil}},
	{name: "claim", as: "agent", method: post, path: "/api/v1/leads/{p1}/claim", status: 201,
		want: map[string]any{"status": "active", "user_id": "{agent_id}", "record_type": "lead", "pool_id": "{pool}", "due_at": "~^20"}},
	{name: "claim another", as: "agent", method: post, path: "/api/v1/leads/{p2}/claim", status: 201},
	{name: "a call on a claimed lead is a follow-up", as: "agent", method: post, path: "/api/v1/activities",
		body: `{"type":"call","record_type":"lead","record_id":{p2},"subject":"First call"}`, status: 201},
	{name: "which keeps the claim", as: "agent", method: get, path: "/api/v1/leads/{p2}", status: 200,
		want: map[string]any{"claim.followed_up_at": "~^20", "claim.due_at": "~^20"}},
	{name: "the lead's activities", as: "agent", method: get, path: "/api/v1/activities?record_type=lead&record_id={p2}", status: 200,
		want: map[string]any{"items.#": 1, "items.0.subject": "First call"}},
	{name: "over the cap", as: "agent", method: post, path: "/api/v1/leads/{p3}/claim",
		status: 409, want: map[string]any{"code": "claim_cap_reached", "params.cap": 2}},
	{name: "the claimed lead is the claimer's", as: "agent", method: get, path: "/api/v1/leads/{p1}", status: 200,
		want: map[string]any{"owner_id": "{agent_id}", "claim.status": "active", "claim.due_at": "~^20"}},
	{name: "and out of the pool", as: "agent2", method: get, path: "/api/v1/pools/{pool}/leads", status: 200, want: map[string]any{"items.#": 2}},
	{name: "another rep may not take it", as: "agent2", method: post, path: "/api/v1/leads/{p1}/claim", status: 403},
	{name: "nor read it", as: "agent2", method: get, path: "/api/v1/leads/{p1}", status: 403},
	{name: "nor release it", as: "agent2", method: post, path: "/api/v1/leads/{p1}/release", status: 403},
	{name: "release", as: "agent", method: post, path: "/api/v1/leads/{p1}/release", status: 204},
	{name: "released already", as: "agent", method: post, path: "/api/v1/leads/{p1}/release", status: 409, want: map[string]any{"code": "already_in_pool"}},
	{name: "protected from the rep who gave it back", as: "agent", method: post, path: "/api/v1/leads/{p1}/claim",
		status: 409, want: map[string]any{"code": "claim_protected", "params.days": 7, "params.until": "~^20"}},
	{name: "not from another rep", as: "agent2", method: post, path: "/api/v1/leads/{p1}/claim", status: 201},
	{name: "the viewer claims nothing", as: "viewer", method: post, path: "/api/v1/leads/{p3}/claim", status: 403},
	{name: "the released lead's history", as: "admin", method: get, path: "/api/v1/leads/{p1}/audit", status: 200,
		want: map[string]any{"items.0.changes.1.to": "claimed", "items.1.changes.1.to": "released", "items.1.actor_id": "{agent_id}"}},

	// Collisions (撞單): refused, then sent for approval.
	{name: "agent2's customer", as: "agent2", method: post, path: "/api/v1/contacts", body: `{"display_name":"Boss","emails":[{"address":"boss@acme.tw"}]}`,
		status: 201, save: map[string]string{"boss": "id"}},
	{name: "a collision is refused", as: "agent", method: post, path: "/api/v1/leads/{p4}/claim", status: 409,
		want: map[string]any{"code": "claim_collision", "params.record_type": "contact", "params.record_id": "{boss}",
			"params.owner_id": "{agent2_id}", "params.field": "email", "params.collisions.#": 1}},
	{name: "the pool sends collisions for approval", as: "admin", method: patch, path: "/api/v1/pools/{pool}", body: `{"collision_policy":"approve"}`,
		headers: mergePatch, status: 200, want: map[string]any{"collision_policy": "approve"}},
	{name: "a pending claim", as: "agent", method: post, path: "/api/v1/leads/{p4}/claim", status: 202,
		want: map[string]any{"status": "pending", "collisions.0.record_type": "contact", "collisions.0.owner_id": "{agent2_id}"},
		save: map[string]string{"c4": "id"}},
	{name: "which holds the record", as: "agent2", method: post, path: "/api/v1/leads/{p4}/claim", status: 409,
		want: map[string]any{"code": "claim_pending"}},
	{name: "the manager sees it", as: "manager", method: get, path: "/api/v1/pool-claims?status=pending", status: 200,
		want: map[string]any{"items.#": 1, "items.0.id": "{c4}"}},
	{name: "the claimer sees their own", as: "agent", method: get, path: "/api/v1/pool-claims?mine=true", status: 200,
		want: map[string]any{"items.#": 2}},
	{name: "an agent decides nothing", as: "agent2", method: post, path: "/api/v1/pool-claims/{c4}/approve", status: 403,
		want: map[string]any{"code": "claim_approvers_only"}},
	{name: "the manager approves", as: "manager", method: post, path: "/api/v1/pool-claims/{c4}/approve", status: 200,
		want: map[string]any{"status": "active", "decided_by": "{manager_id}"}},
	{name: "decided once", as: "manager", method: post, path: "/api/v1/pool-claims/{c4}/reject", status: 409,
		want: map[string]any{"code": "claim_not_pending"}},
	{name: "the lead is the claimer's", as: "agent", method: get, path: "/api/v1/leads/{p4}", status: 200,
		want: map[string]any{"owner_id": "{agent_id}", "claim.status": "active"}},

	// Contacts without an owner sit in the pool too.
	{name: "a contact", as: "admin", method: post, path: "/api/v1/contacts", body: `{"display_name":"公海客戶","emails":[{"address":"pool@example.com"}]}`,
		status: 201, save: map[string]string{"pc": "id"}},
	{name: "without an owner", as: "admin", method: patch, path: "/api/v1/contacts/{pc}", body: `{"owner_id":null}`, headers: mergePatch, status: 200},
	{name: "sits in the pool", as: "agent2", method: get, path: "/api/v1/pools/{pool}/contacts", status: 200,
		want: map[string]any{"items.#": 1, "items.0.display_name": "公海客戶", "items.0.id": "{pc}"}},
	{name: "claim a contact", as: "agent2", method: post, path: "/api/v1/contacts/{pc}/claim", status: 201,
		want: map[string]any{"record_type": "contact", "record_id": "{pc}"}},
	{name: "the contact is theirs", as: "agent2", method: get, path: "/api/v1/contacts/{pc}", status: 200,
		want: map[string]any{"owner_id": "{agent2_id}", "emails.0.address": "pool@example.com"}},
	{name: "its history says so", as: "agent2", method: get, path: "/api/v1/contacts/{pc}/audit", status: 200,
		want: map[string]any{"items.0.changes.0.field": "owner_id", "items.0.changes.1.to": "claimed"}},
	{name: "release a contact", as: "agent2", method: post, path: "/api/v1/contacts/{pc}/release", status: 204},

	// Converting: a contact, a company and a deal in one step.
	{name: "a pipeline", as: "admin", method: post, path: "/api/v1/pipelines", body: `{"name":"B2B"}`, status: 201},
	{name: "convert", as: "agent", method: post, path: "/api/v1/leads/{l1}/convert", body: `{"deal":{"amount":300000,"expected_close_on":"2050-01-31"}}`,
		status: 200, want: map[string]any{"lead.status": "converted", "created_contact": true, "created_company": true, "lead.contact_id": "~^[0-9]+$"},
		save: map[string]string{"cc": "contact_id", "co": "company_id", "dd": "deal_id"}},
	{name: "the contact", as: "agent", method: get, path: "/api/v1/contacts/{cc}", status: 200,
		want: map[string]any{"display_name": "陳小明", "emails.0.address": "ming@tatung.com.tw", "owner_id": "{agent_id}", "companies.0.title": "採購經理"}},
	{name: "the deal", as: "agent", method: get, path: "/api/v1/deals/{dd}", status: 200,
		want: map[string]any{"name": "大同電子", "amount": 300000, "company_id": "{co}", "contacts.0.contact_id": "{cc}"}},
	{name: "the contact's history points back at the lead", as: "agent", method: get, path: "/api/v1/contacts/{cc}/audit", status: 200,
		want: map[string]any{"items.0.action": "convert", "items.0.changes.0.field": "lead_id", "items.0.changes.0.to": "{l1}"}},
	{name: "so does the deal's", as: "agent", method: get, path: "/api/v1/deals/{dd}/audit", status: 200,
		want: map[string]any{"items.0.action": "convert", "items.0.changes.0.to": "{l1}"}},
	{name: "converted once", as: "agent", method: post, path: "/api/v1/leads/{l1}/convert", body: `{}`, status: 409,
		want: map[string]any{"code": "lead_converted"}},
	{name: "a lead of a known person", as: "agent", method: post, path: "/api/v1/leads", body: `{"name":"Ming","email":"ming@tatung.com.tw"}`,
		status: 201, save: map[string]string{"l2": "id"}},
	{name: "is not converted into a duplicate", as: "agent", method: post, path: "/api/v1/leads/{l2}/convert", body: `{}`, status: 409,
		want: map[string]any{"code": "duplicate_contact", "params.existing_id": "{cc}"}},
	{name: "but into the contact", as: "agent", method: post, path: "/api/v1/leads/{l2}/convert", body: `{"contact_id":{cc}}`, status: 200,
		want: map[string]any{"created_contact": false, "contact_id": "{cc}"}},

	// Web forms: defined by admins, filled in by anyone.
	{name: "forms are the admins'", as: "manager", method: post, path: "/api/v1/lead-forms", body: `{"slug":"demo","name":"Demo"}`, status: 403},
	{name: "a web form", as: "admin", method: post, path: "/api/v1/lead-forms",
		body:   `{"slug":"demo","name":"Demo","title":"預約展示","fields":[{"field":"name","required":true},{"field":"email","required":true},{"field":"company_name"}],"default_source":"website","thank_you":"謝謝！"}`,
		status: 201, header: map[string]string{"Location": "~^/api/v1/lead-forms/[0-9]+$"}, save: map[string]string{"form": "id"}},
	{name: "a slug once", as: "admin", method: post, path: "/api/v1/lead-forms", body: `{"slug":"demo","name":"Again"}`, status: 409,
		want: map[string]any{"code": "duplicate_slug"}},
	{name: "the public reads it", method: get, path: "/api/v1/forms/demo", status: 200,
		want: map[string]any{"fields.#": 3, "honeypot": "website", "action": "/api/v1/forms/demo", "title": "預約展示"}},
	{name: "submit JSON from another site", method: post, path: "/api/v1/forms/demo?utm_source=facebook&utm_medium=cpc",
		body:    `{"name":"林美玲","email":"mei@example.com","company_name":"美玲工作室","utm_campaign":"spring"}`,
		headers: []string{"Origin", "https://www.example.org", "Sec-Fetch-Site", "cross-site"},
		status:  200, want: map[string]any{"status": "received", "message": "謝謝！"}},
	{name: "submit URL-encoded", method: post, path: "/api/v1/forms/demo", body: "name=%E7%8E%8B%E5%A4%A7%E5%90%8C&email=wang%40example.com&utm_source=line",
		headers: []string{"Content-Type", "application/x-www-form-urlencoded", "Referer", "https://shop.example.org/landing?utm_campaign=ref"},
		status:  200, want: map[string]any{"status": "received"}},
	{name: "a honeypot is answered alike", method: post, path: "/api/v1/forms/demo", body: `{"name":"Bot","email":"bot@spam.example","website":"http://spam.example"}`,
		status: 200, want: map[string]any{"status": "received"}},
	{name: "required fields", method: post, path: "/api/v1/forms/demo", body: `{"name":"x"}`,
		status: 422, want: map[string]any{"errors.0.field": "email", "errors.0.code": "required"}},
	{name: "a body that is not a form", method: post, path: "/api/v1/forms/demo", body: `{"name":["x"]}`, status: 400},
	{name: "the form's leads wait in its pool", as: "admin", method: get, path: "/api/v1/leads?form_id={form}", status: 200,
		want: map[string]any{"items.#": 2, "items.0.name": "王大同", "items.0.utm_source": "line", "items.0.utm_campaign": "ref",
			"items.1.utm_source": "facebook", "items.1.utm_medium": "cpc", "items.1.utm_campaign": "spring", "items.1.source": "website",
			"items.1.owner_id": nil, "items.1.score": 20}},
	{name: "the page", method: get, path: "/forms/demo?utm_source=newsletter", status: 200,
		check: func(t *testing.T, w *world, r *testenv.Response) {
			body := string(r.Body)
			if !strings.HasPrefix(r.Header.Get("Content-Type"), "text/html") || r.Header.Get("X-Frame-Options") != "" ||
				!strings.Contains(r.Header.Get("Content-Security-Policy"), "frame-ancestors *") {
				t.Errorf("headers %v", r.Header)
			}
			for _, want := range []string{"<h1>預約展示</h1>", `name="website"`, `name="utm_source" value="newsletter"`, `name="email" type="email" value="" required`, `action="/forms/demo"`} {
				if !strings.Contains(body, want) {
					t.Errorf("the page has no %s:\n%s", want, body)
				}
			}
		}},
	{name: "the page in Chinese", method: get, path: "/forms/demo", headers: []string{"Accept-Language", "zh-TW"}, status: 200,
		check: func(t *testing.T, w *world, r *testenv.Response) {
			if !strings.Contains(string(r.Body), "電子郵件") || !strings.Contains(string(r.Body), "送出") {
				t.Errorf("not in Chinese:\n%s", r.Body)
			}
		}},
	{name: "the page's post", method: post, path: "/forms/demo", body: "name=%E5%BC%B5&email=chang%40example.com&utm_source=newsletter",
		headers: []string{"Content-Type", "application/x-www-form-urlencoded"}, status: 200,
		check: func(t *testing.T, w *world, r *testenv.Response) {
			if !strings.Contains(string(r.Body), "謝謝！") {
				t.Errorf("no thanks:\n%s", r.Body)
			}
		}},
	{name: "an unknown form", method: get, path: "/api/v1/forms/nope", status: 404},
}

// checkSubmissionLimit posts until the client's bucket is empty: 429 with
// Retry-After, within a few posts.
func checkSubmissionLimit(t *testing.T, w *world) {
	for i := range 15 {
		r := w.Do(t, "", http.MethodPost, "/api/v1/forms/demo", `{"name":"x","email":"x@example.com"}`)
		if r.Status == http.StatusTooManyRequests {
			m := r.Map(t)
			if m["code"] != "too_many_submissions" || r.Header.Get("Retry-After") == "" {
				t.Errorf("429: %s, Retry-After %q", r.Body, r.Header.Get("Retry-After"))
			}
			return
		}
		if r.Status != http.StatusOK {
			t.Fatalf("post %d: %d %s", i, r.Status, r.Body)
		}
	}
	t.Fatal("fifteen posts in a row were not limited")
}
