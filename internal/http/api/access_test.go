package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/guanxi-crm/guanxi/internal/testenv"
)

func TestAccessScenarios(t *testing.T) {
	for _, st := range testenv.Stores() {
		t.Run(st.Name, func(t *testing.T) {
			w := newWorld(t, st.Name)
			w.run(t, accessScenarios)
		})
	}
}

// Roles: agent and manager share team North; agent2 is in no team.
var accessScenarios = []scenario{
	{name: "no credentials", method: get, path: "/api/v1/contacts", status: 401, want: map[string]any{"code": "unauthenticated"},
		header: map[string]string{"WWW-Authenticate": `~^Bearer`}},
	{name: "bad token", method: get, path: "/api/v1/contacts", headers: []string{"Authorization", "Bearer gx_not-a-token"}, status: 401,
		want: map[string]any{"code": "invalid_token"}},
	{name: "not a bearer", method: get, path: "/api/v1/contacts", headers: []string{"Authorization", "Basic YTpi"}, status: 401},
	{name: "viewer cannot write", as: "viewer", method: post, path: "/api/v1/contacts", body: `{"display_name":"V"}`, status: 403,
		want: map[string]any{"code": "forbidden"}},
	{name: "agent2 creates their own contact", as: "agent2", method: post, path: "/api/v1/contacts",
		body: `{"display_name":"陳大文","emails":[{"address":"tai.man@example.hk"}],"phones":[{"number":"+852 9123 4567"}]}`, status: 201,
		want: map[string]any{"owner_id": "{agent2_id}"}, save: map[string]string{"theirs": "id"}},
	{name: "agent creates one, owned by them and their team", as: "agent", method: post, path: "/api/v1/contacts",
		body: `{"display_name":"林美華","emails":[{"address":"meihua@example.tw"}]}`, status: 201,
		want: map[string]any{"owner_id": "{agent_id}", "team_id": "{team}"}, save: map[string]string{"mine": "id"}},
	{name: "agent sees only the basic card of another's contact", as: "agent", method: get, path: "/api/v1/contacts/{theirs}", status: 200,
		want: map[string]any{"restricted": true, "display_name": "陳大文", "emails.#": 0, "phones.#": 0, "owner_id": "{agent2_id}"}},
	{name: "agent lists: basic cards of others", as: "agent", method: get, path: "/api/v1/contacts?q=陳大文", status: 200,
		want: map[string]any{"items.0.restricted": true, "items.0.emails.#": 0}},
	{name: "agent can find who owns a phone number", as: "agent", method: get, path: "/api/v1/contacts?filter[phone]=%2B85291234567", status: 200,
		want: map[string]any{"items.#": 1, "items.0.owner_id": "{agent2_id}"}},
	{name: "agent cannot search another's contact by a hidden field", as: "agent", method: get, path: "/api/v1/contacts?q=tai.man", status: 200,
		want: map[string]any{"items.#": 0, "total.value": 0}},
	{name: "agent cannot search another's contact by part of a number", as: "agent", method: get, path: "/api/v1/contacts?q=91234567", status: 200,
		want: map[string]any{"items.#": 0, "total.value": 0}},
	{name: "agent cannot probe another's contact with a prefix filter", as: "agent", method: get, path: "/api/v1/contacts?filter[email][prefix]=tai", status: 200,
		want: map[string]any{"items.#": 0, "total.value": 0}},
	{name: "the owner finds it by that field", as: "agent2", method: get, path: "/api/v1/contacts?q=tai.man", status: 200,
		want: map[string]any{"items.#": 1, "items.0.display_name": "陳大文"}},
	{name: "agent cannot change another's contact", as: "agent", method: patch, path: "/api/v1/contacts/{theirs}", body: `{"given_name":"x"}`, status: 403},
	{name: "agent cannot delete another's contact", as: "agent", method: del, path: "/api/v1/contacts/{theirs}", status: 403},
	{name: "agent cannot read another's history", as: "agent", method: get, path: "/api/v1/contacts/{theirs}/audit", status: 403},
	{name: "agent cannot give a record to a team they are not in", as: "agent2", method: patch, path: "/api/v1/contacts/{theirs}",
		body: `{"team_id":{team}}`, status: 422, want: map[string]any{"errors.0.code": "not_your_team"}},
	{name: "unknown owner", as: "agent", method: patch, path: "/api/v1/contacts/{mine}", body: `{"owner_id":99999}`, status: 422,
		want: map[string]any{"errors.0.code": "unknown_user", "errors.0.field": "owner_id"}},
	{name: "manager sees the team's records in full", as: "manager", method: get, path: "/api/v1/contacts/{mine}", status: 200,
		want: map[string]any{"emails.0.address": "meihua@example.tw"}},
	{name: "manager changes the team's records", as: "manager", method: patch, path: "/api/v1/contacts/{mine}", body: `{"lifecycle_stage":"prospect"}`, status: 200},
	{name: "manager sees others as basic cards", as: "manager", method: get, path: "/api/v1/contacts/{theirs}", status: 200,
		want: map[string]any{"restricted": true}},
	{name: "viewer reads everything in full", as: "viewer", method: get, path: "/api/v1/contacts/{theirs}", status: 200,
		want: map[string]any{"emails.0.address": "tai.man@example.hk"}},
	{name: "agent hands their contact to agent2", as: "agent", method: patch, path: "/api/v1/contacts/{mine}", body: `{"owner_id":{agent2_id},"team_id":null}`, status: 200},
	{name: "and no longer sees it in full", as: "agent", method: get, path: "/api/v1/contacts/{mine}", status: 200, want: map[string]any{"restricted": true}},
	{name: "agents cannot define custom fields", as: "agent", method: post, path: "/api/v1/custom-fields",
		body: `{"record_type":"contact","key":"tier","type":"text"}`, status: 403},
	{name: "agents cannot add users", as: "agent", method: post, path: "/api/v1/users", body: `{"email":"x@example.com","name":"X","role":"admin"}`, status: 403},
	{name: "agents cannot read the audit log", as: "agent", method: get, path: "/api/v1/audit", status: 403},
	{name: "agents cannot create teams", as: "agent", method: post, path: "/api/v1/teams", body: `{"name":"Rogue"}`, status: 403},
	{name: "users may rename themselves", as: "agent", method: patch, path: "/api/v1/users/{agent_id}", body: `{"name":"Agent Smith","language":"zh-Hant"}`, status: 200,
		want: map[string]any{"name": "Agent Smith"}},
	{name: "but not promote themselves", as: "agent", method: patch, path: "/api/v1/users/{agent_id}", body: `{"role":"admin"}`, status: 403},
	{name: "the user's language picks the messages", as: "agent", method: post, path: "/api/v1/contacts", body: `{}`, status: 422,
		want: map[string]any{"detail": "部分欄位內容無效。"}},
	{name: "an admin cannot demote themselves", as: "admin", method: patch, path: "/api/v1/users/{admin_id}", body: `{"role":"agent"}`, status: 422,
		want: map[string]any{"errors.0.code": "cannot_demote_self"}},
}

func TestAccountScenarios(t *testing.T) {
	for _, st := range testenv.Stores() {
		t.Run(st.Name, func(t *testing.T) {
			w := newWorld(t, st.Name)
			w.run(t, accountScenarios)
		})
	}
}

var accountScenarios = []scenario{
	{name: "add a user", as: "admin", method: post, path: "/api/v1/users",
		body: `{"email":"Mei@Example.com","name":"吳美","role":"agent","language":"zh-Hant","password":"a long password"}`, status: 201,
		want: map[string]any{"email": "mei@example.com", "role": "agent"}, save: map[string]string{"mei": "id"}},
	{name: "the same email again", as: "admin", method: post, path: "/api/v1/users", body: `{"email":"mei@example.com","name":"X","role":"agent"}`, status: 409,
		want: map[string]any{"code": "duplicate_email"}},
	{name: "a short password", as: "admin", method: post, path: "/api/v1/users", body: `{"email":"s@example.com","name":"S","role":"agent","password":"short"}`, status: 422},
	{name: "an unknown role", as: "admin", method: post, path: "/api/v1/users", body: `{"email":"r@example.com","name":"R","role":"owner"}`, status: 422},
	{name: "me", as: "agent", method: get, path: "/api/v1/users/me", status: 200, want: map[string]any{"email": "agent@example.com", "team_ids.0": "{team}"}},
	{name: "who am I", as: "agent", method: get, path: "/api/v1/auth/session", status: 200, want: map[string]any{"user.id": "{agent_id}"}},
	{name: "list users", as: "agent", method: get, path: "/api/v1/users", status: 200, want: map[string]any{"items.#": 6}},

	{name: "sign in with a wrong password", method: post, path: "/api/v1/auth/login", body: `{"email":"mei@example.com","password":"wrong password"}`, status: 401,
		want: map[string]any{"code": "invalid_credentials"}},
	{name: "sign in with an unknown email says the same", method: post, path: "/api/v1/auth/login", body: `{"email":"nobody@example.com","password":"wrong password"}`, status: 401,
		want: map[string]any{"code": "invalid_credentials"}},
	{name: "sign in", method: post, path: "/api/v1/auth/login", body: `{"email":"MEI@example.com","password":"a long password"}`, status: 200,
		want: map[string]any{"user.id": "{mei}"}, header: map[string]string{"Set-Cookie": `~^guanxi_session=[A-Za-z0-9_-]{40,}; Path=/; Max-Age=1209600; HttpOnly; SameSite=Lax$`},
		check: func(t *testing.T, w *world, r *testenv.Response) {
			w.ids["cookie"] = strings.SplitN(r.Header.Get("Set-Cookie"), ";", 2)[0]
		}},
	{name: "the cookie authenticates", method: get, path: "/api/v1/auth/session", headers: []string{"Cookie", "{cookie}"}, status: 200,
		want: map[string]any{"user.id": "{mei}"}},
	{name: "same-origin writes with the cookie pass", method: post, path: "/api/v1/contacts", body: `{"display_name":"From the browser"}`,
		headers: []string{"Cookie", "{cookie}", "Sec-Fetch-Site", "same-origin"}, status: 201},
	{name: "cross-site writes with the cookie are refused", method: post, path: "/api/v1/contacts", body: `{"display_name":"Forged"}`,
		headers: []string{"Cookie", "{cookie}", "Sec-Fetch-Site", "cross-site"}, status: 403, want: map[string]any{"code": "cross_origin_request"}},
	{name: "cross-origin writes by Origin are refused", method: post, path: "/api/v1/contacts", body: `{"display_name":"Forged"}`,
		headers: []string{"Cookie", "{cookie}", "Origin", "https://evil.example"}, status: 403},
	{name: "change own password needs the current one", method: put, path: "/api/v1/users/{mei}/password", headers: []string{"Cookie", "{cookie}", "Sec-Fetch-Site", "same-origin"},
		body: `{"current_password":"nope","new_password":"another long one"}`, status: 422, want: map[string]any{"errors.0.code": "wrong_password"}},
	{name: "sign out", method: post, path: "/api/v1/auth/logout", headers: []string{"Cookie", "{cookie}", "Sec-Fetch-Site", "same-origin"}, status: 204,
		header: map[string]string{"Set-Cookie": `~^guanxi_session=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax$`}},
	{name: "the old cookie no longer works", method: get, path: "/api/v1/auth/session", headers: []string{"Cookie", "{cookie}"}, status: 401},

	{name: "create a token", as: "agent", method: post, path: "/api/v1/tokens", body: `{"name":"zapier"}`, status: 201,
		want: map[string]any{"token.name": "zapier", "token.user_id": "{agent_id}"}, save: map[string]string{"tok": "token.id"},
		check: func(t *testing.T, w *world, r *testenv.Response) {
			var body struct{ Secret string }
			r.JSON(t, &body)
			if !strings.HasPrefix(body.Secret, "gx_") {
				t.Fatalf("secret %q", body.Secret)
			}
			w.tokens["zapier"] = body.Secret
		}},
	{name: "the token works", as: "zapier", method: get, path: "/api/v1/users/me", status: 200, want: map[string]any{"id": "{agent_id}"}},
	{name: "tokens list without secrets", as: "agent", method: get, path: "/api/v1/tokens", status: 200,
		check: func(t *testing.T, w *world, r *testenv.Response) {
			if strings.Contains(string(r.Body), w.tokens["zapier"]) {
				t.Error("the list shows a secret")
			}
		}},
	{name: "someone else's token looks missing", as: "agent2", method: del, path: "/api/v1/tokens/{tok}", status: 404},
	{name: "cannot make a token for someone else", as: "agent", method: post, path: "/api/v1/tokens", body: `{"name":"x","user_id":{agent2_id}}`, status: 403},
	{name: "revoke", as: "agent", method: del, path: "/api/v1/tokens/{tok}", status: 204},
	{name: "a revoked token is refused", as: "zapier", method: get, path: "/api/v1/users/me", status: 401},

	{name: "team", as: "admin", method: post, path: "/api/v1/teams", body: `{"name":"台北業務部"}`, status: 201, save: map[string]string{"t2": "id"}},
	{name: "team name taken", as: "admin", method: post, path: "/api/v1/teams", body: `{"name":"台北業務部"}`, status: 409, want: map[string]any{"code": "duplicate_team"}},
	{name: "add member", as: "admin", method: put, path: "/api/v1/teams/{t2}/members/{mei}", status: 200, want: map[string]any{"member_ids.0": "{mei}"}},
	{name: "add an unknown member", as: "admin", method: put, path: "/api/v1/teams/{t2}/members/99999", status: 404},
	{name: "rename", as: "admin", method: patch, path: "/api/v1/teams/{t2}", body: `{"name":"台北業務一部"}`, status: 200},
	{name: "remove member", as: "admin", method: del, path: "/api/v1/teams/{t2}/members/{mei}", status: 200, want: map[string]any{"member_ids.#": 0}},
	{name: "delete team", as: "admin", method: del, path: "/api/v1/teams/{t2}", status: 204},
	{name: "disable a user", as: "admin", method: patch, path: "/api/v1/users/{mei}", body: `{"disabled":true}`, status: 200},
	{name: "a disabled user cannot sign in", method: post, path: "/api/v1/auth/login", body: `{"email":"mei@example.com","password":"a long password"}`, status: 401},
	{name: "audit log filtered by record", as: "admin", method: get, path: "/api/v1/audit?record_type=user&record_id={mei}", status: 200,
		want: map[string]any{"items.#": 2, "items.0.action": "update", "items.0.changes.0.field": "disabled", "items.1.action": "create"}},
	{name: "audit log by actor", as: "admin", method: get, path: "/api/v1/audit?actor_id={agent_id}&limit=1", status: 200,
		want: map[string]any{"items.#": 1}},

	{name: "unknown route", as: "admin", method: get, path: "/api/v1/nothing-here", status: 404, want: map[string]any{"code": "route_not_found"}},
	{name: "wrong method", as: "admin", method: del, path: "/api/v1/users", status: 405, header: map[string]string{"Allow": "GET, POST"}},
}

func TestLoginRateLimit(t *testing.T) {
	s := testenv.StartServer(t, "sqlite")
	login := func(password string) *testenv.Response {
		return s.Do(t, "", http.MethodPost, "/api/v1/auth/login", map[string]string{"email": "admin@example.com", "password": password})
	}
	for i := range 10 {
		if r := login("wrong password"); r.Status != http.StatusUnauthorized {
			t.Fatalf("attempt %d: %d %s", i+1, r.Status, r.Body)
		}
	}
	r := login("wrong password")
	if r.Status != http.StatusTooManyRequests || r.Header.Get("Retry-After") == "" {
		t.Fatalf("11th attempt: %d (Retry-After %q) %s", r.Status, r.Header.Get("Retry-After"), r.Body)
	}
	if code := r.Map(t)["code"]; code != "too_many_login_attempts" {
		t.Errorf("code %v", code)
	}
}
