package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/guanxi-crm/guanxi/internal/account"
	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/i18n"
	"github.com/guanxi-crm/guanxi/internal/sales"
	"github.com/guanxi-crm/guanxi/internal/testenv"
)

// TestAccountAndAdmin drives the account page and the admin screens as
// plain forms, on each store: who may open them, a password change refused
// and then made, API tokens, users, teams, custom fields, and pipelines
// with their stages, each refusal shown beside its input.
func TestAccountAndAdmin(t *testing.T) {
	for _, engine := range testenv.AvailableEngines(t) {
		t.Run(engine, func(t *testing.T) {
			s := startServerOn(t, engine)
			sys := crm.WithPrincipal(context.Background(), crm.System)
			if _, err := s.Accounts.CreateUser(sys, account.UserFields{Email: "manager@example.com", Name: "經理", Role: crm.RoleManager}, password); err != nil {
				t.Fatal(err)
			}
			t.Run("forbidden", func(t *testing.T) { testAdminForbidden(t, s) })
			t.Run("password", func(t *testing.T) { testChangePassword(t, s) })
			t.Run("tokens", func(t *testing.T) { testTokens(t, s) })
			t.Run("users", func(t *testing.T) { testAdminUsers(t, s) })
			t.Run("teams", func(t *testing.T) { testAdminTeams(t, s) })
			t.Run("fields", func(t *testing.T) { testAdminFields(t, s) })
			t.Run("field edit", func(t *testing.T) { testAdminFieldEdit(t, s) })
			t.Run("user token", func(t *testing.T) { testAdminUserToken(t, s) })
			t.Run("pipelines", func(t *testing.T) { testAdminPipelines(t, s) })
			t.Run("garbage", func(t *testing.T) { testAdminGarbage(t, s) })
		})
	}
}

func testAdminForbidden(t *testing.T, s *testenv.Server) {
	b := newBrowser(t, s, "en")
	b.signIn("manager@example.com", password)
	for _, path := range []string{"/admin", "/admin/users", "/admin/teams", "/admin/fields", "/admin/pipelines", "/admin/fields/1",
		"/admin/users/" + idStr(userID(t, s, "manager@example.com"))} {
		expect(t, b.get(path), http.StatusForbidden, "You do not have permission to do this.")
	}
	expect(t, b.post("/admin/users", url.Values{"name": {"X"}, "email": {"x@example.com"}, "role": {"admin"}, "password": {"0123456789ab"}}),
		http.StatusForbidden)
	if _, err := s.Accounts.PrincipalFor(crm.WithPrincipal(context.Background(), crm.System), "x@example.com"); err == nil {
		t.Error("a manager's post made a user")
	}
	// The manager's menu has no admin link; their account page opens.
	p := b.get("/account")
	expect(t, p, http.StatusOK, "經理", "manager@example.com", "Manager", `id="password-form"`)
	if strings.Contains(p.Body, `href="/admin"`) {
		t.Error("a manager's menu links to the admin screens")
	}
	// An admin's menu does.
	a := newBrowser(t, s, "en")
	a.signIn("owner@example.com", password)
	expect(t, a.get("/account"), http.StatusOK, `href="/admin"`)
	p = a.get("/admin")
	if p.Status != http.StatusSeeOther || p.Location != "/admin/users" {
		t.Errorf("/admin answers %d %s", p.Status, p.Location)
	}
}

func testChangePassword(t *testing.T, s *testenv.Server) {
	const next = "a brand new passphrase"
	b := newBrowser(t, s, "en")
	b.signIn("agent@example.com", password)
	other := newBrowser(t, s, "en") // the agent's other device
	other.signIn("agent@example.com", password)

	// A wrong current password is refused beside its input; the old one
	// still works.
	p := b.post("/account/password", url.Values{"current_password": {"not my password"}, "new_password": {next}, "new_password_again": {next}})
	expect(t, p, http.StatusUnprocessableEntity, `id="pw-current_password-error"`, "The current password is not correct.", `aria-invalid="true"`)
	if strings.Contains(p.Body, next) || strings.Contains(p.Body, "not my password") {
		t.Error("a refused password form writes a password back into the page")
	}
	// Too short, and two that differ: readable field errors.
	p = b.post("/account/password", url.Values{"current_password": {password}, "new_password": {"short"}, "new_password_again": {"short"}})
	expect(t, p, http.StatusUnprocessableEntity, `id="pw-new_password-error"`, "A password has at least 10 characters.")
	p = b.post("/account/password", url.Values{"current_password": {password}, "new_password": {next}, "new_password_again": {next + "!"}})
	expect(t, p, http.StatusUnprocessableEntity, `id="pw-new_password_again-error"`, "The two new passwords differ.")
	check := newBrowser(t, s, "en")
	check.signIn("agent@example.com", password)
	expect(t, other.get("/account"), http.StatusOK) // nothing changed yet

	// The right one changes it: this browser stays signed in, the other
	// device is signed out, the old password no longer works.
	p = b.post("/account/password", url.Values{"current_password": {password}, "new_password": {next}, "new_password_again": {next}})
	if p.Status != http.StatusSeeOther || p.Location != "/account?done=password#account-message" {
		t.Fatalf("changing the password: %d %s\n%s", p.Status, p.Location, p.Body)
	}
	expect(t, b.get(p.Location), http.StatusOK, "Your password was changed.")
	if p := other.get("/account"); p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Location, "/signin") {
		t.Errorf("the other device still opens the account: %d %s", p.Status, p.Location)
	}
	old := b.post("/signin", url.Values{"email": {"agent@example.com"}, "password": {password}})
	if old.Status == http.StatusSeeOther {
		t.Error("the old password still signs in")
	}
	newBrowser(t, s, "en").signIn("agent@example.com", next)
	// Put it back for the other tests.
	sys := crm.WithPrincipal(context.Background(), crm.System)
	if err := s.Accounts.SetPassword(sys, userID(t, s, "agent@example.com"), "", password); err != nil {
		t.Fatal(err)
	}
}

var secretInPage = regexp.MustCompile(`id="token-secret" type="text" readonly value="(gx_[A-Za-z0-9_-]+)"`)

func testTokens(t *testing.T, s *testenv.Server) {
	b := newBrowser(t, s, "zh-TW")
	b.signIn("agent@example.com", password)
	expect(t, b.get("/account"), http.StatusOK, "您尚無 API 權杖。")
	expect(t, b.post("/account/tokens", url.Values{"name": {""}}), http.StatusUnprocessableEntity, `id="token-name-error"`, "此欄位為必填。")
	expect(t, b.post("/account/tokens", url.Values{"name": {"表單"}, "expires_on": {"2020-01-01"}}), http.StatusUnprocessableEntity,
		`id="token-expires_on-error"`)
	expect(t, b.post("/account/tokens", url.Values{"name": {"表單"}, "expires_on": {"明天"}}), http.StatusUnprocessableEntity,
		"請輸入日期")
	p := b.post("/account/tokens", url.Values{"name": {"官網表單"}})
	expect(t, p, http.StatusCreated, "已建立權杖「官網表單」。", "此權杖只會顯示這一次")
	m := secretInPage.FindStringSubmatch(p.Body)
	if m == nil {
		t.Fatalf("no secret shown:\n%s", p.Body)
	}
	// The token works on the API, and is listed without its secret.
	req, _ := http.NewRequest("GET", s.URL+"/api/v1/users/me", nil)
	req.Header.Set("Authorization", "Bearer "+m[1])
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("the new token answers %d", resp.StatusCode)
	}
	list := b.get("/account")
	expect(t, list, http.StatusOK, "官網表單", "使用中")
	if strings.Contains(list.Body, m[1]) {
		t.Error("the secret shows again")
	}
	tokens, err := s.Accounts.ListTokens(crm.WithPrincipal(context.Background(), crm.System), userID(t, s, "agent@example.com"))
	if err != nil || len(tokens) != 1 {
		t.Fatalf("tokens: %v %v", tokens, err)
	}
	// Someone else cannot revoke it; its owner can.
	other := newBrowser(t, s, "en")
	other.signIn("viewer@example.com", password)
	expect(t, other.post("/account/tokens/"+idStr(tokens[0].ID)+"/revoke", nil), http.StatusNotFound)
	p = b.post("/account/tokens/"+idStr(tokens[0].ID)+"/revoke", nil)
	if p.Status != http.StatusSeeOther {
		t.Fatalf("revoke: %d\n%s", p.Status, p.Body)
	}
	expect(t, b.get("/account?done=revoked"), http.StatusOK, "權杖已撤銷", "已撤銷")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("a revoked token answers %d", resp.StatusCode)
	}
}

func testAdminUsers(t *testing.T, s *testenv.Server) {
	a := newBrowser(t, s, "en")
	a.signIn("owner@example.com", password)
	expect(t, a.get("/admin/users"), http.StatusOK, `aria-current="page">Users`, "agent@example.com", `id="new-user-form"`)

	// A duplicate email, a short password, no password: readable errors
	// beside their inputs, the rest of the form as written.
	p := a.post("/admin/users", url.Values{"name": {"另一位業務"}, "email": {"Agent@Example.com"}, "role": {"agent"}, "password": {"long enough password"}})
	expect(t, p, http.StatusConflict, `id="new-user-email-error"`, "A user with the email agent@example.com already exists.", `value="另一位業務"`)
	p = a.post("/admin/users", url.Values{"name": {"王小明"}, "email": {"ming@example.com"}, "role": {"agent"}, "password": {"short"}})
	expect(t, p, http.StatusUnprocessableEntity, `id="new-user-password-error"`, "A password has at least 10 characters.")
	p = a.post("/admin/users", url.Values{"name": {"王小明"}, "email": {"ming@example.com"}, "role": {"boss"}, "password": {""}})
	expect(t, p, http.StatusUnprocessableEntity, `id="new-user-password-error"`, "This field is required.")
	p = a.post("/admin/users", url.Values{"name": {"王小明"}, "email": {"ming@example.com"}, "role": {"boss"}, "password": {"long enough password"}})
	expect(t, p, http.StatusUnprocessableEntity, `id="new-user-role-error"`, "Must be one of")

	p = a.post("/admin/users", url.Values{"name": {"王小明"}, "email": {"ming@example.com"}, "role": {"agent"}, "language": {"zh-Hant"}, "password": {"long enough password"}})
	if p.Status != http.StatusSeeOther || p.Location != "/admin/users?done=user_created#admin-message" {
		t.Fatalf("create user: %d %s\n%s", p.Status, p.Location, p.Body)
	}
	expect(t, a.get(p.Location), http.StatusOK, "The user was created", "王小明", "ming@example.com")
	ming := newBrowser(t, s, "en")
	ming.signIn("ming@example.com", "long enough password")
	expect(t, ming.get("/account"), http.StatusOK, `<html lang="zh-Hant">`, "業務專員")

	// Change the role, deactivate, put in a team.
	sys := crm.WithPrincipal(context.Background(), crm.System)
	team, err := s.Accounts.CreateTeam(sys, account.TeamFields{Name: "北區業務"})
	if err != nil {
		t.Fatal(err)
	}
	id := userID(t, s, "ming@example.com")
	p = a.get("/admin/users/" + idStr(id))
	expect(t, p, http.StatusOK, `id="edit-user-form"`, `name="version" value="1"`, "北區業務")
	p = a.post("/admin/users/"+idStr(id), url.Values{"version": {"1"}, "name": {"王小明"}, "role": {"manager"}, "language": {"zh-Hant"}, "disabled": {"on"}, "team": {idStr(team.ID)}})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("update user: %d\n%s", p.Status, p.Body)
	}
	u, err := s.Accounts.GetUser(sys, id)
	if err != nil {
		t.Fatal(err)
	}
	if u.Role != crm.RoleManager || !u.Disabled || len(u.TeamIDs) != 1 || u.TeamIDs[0] != team.ID {
		t.Errorf("after the update: role %s disabled %v teams %v", u.Role, u.Disabled, u.TeamIDs)
	}
	if p := ming.get("/account"); p.Status != http.StatusSeeOther {
		t.Errorf("a deactivated user still opens pages: %d", p.Status)
	}
	// Reactivate, out of the team; a stale form is refused readably.
	p = a.post("/admin/users/"+idStr(id), url.Values{"version": {"1"}, "name": {"王小明"}, "role": {"agent"}})
	expect(t, p, http.StatusPreconditionFailed, "This record was changed by someone else")
	p = a.post("/admin/users/"+idStr(id), url.Values{"version": {idStr(u.Version)}, "name": {"王小明"}, "role": {"agent"}})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("reactivate: %d\n%s", p.Status, p.Body)
	}
	if u, _ = s.Accounts.GetUser(sys, id); u.Disabled || len(u.TeamIDs) != 0 || u.Role != crm.RoleAgent {
		t.Errorf("after reactivating: %+v", u)
	}
	// The user's fields and teams are saved together or not at all: a
	// team deleted while the form was open refuses the whole form.
	gone, err := s.Accounts.CreateTeam(sys, account.TeamFields{Name: "已解散"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Accounts.DeleteTeam(sys, gone.ID); err != nil {
		t.Fatal(err)
	}
	p = a.post("/admin/users/"+idStr(id), url.Values{"version": {idStr(u.Version)}, "name": {"王大明"}, "role": {"agent"},
		"team": {idStr(team.ID), idStr(gone.ID)}})
	if p.Status != http.StatusNotFound {
		t.Errorf("a form naming a deleted team: %d; want 404\n%s", p.Status, p.Body)
	}
	if after, _ := s.Accounts.GetUser(sys, id); after.Name != "王小明" || len(after.TeamIDs) != 0 || after.Version != u.Version {
		t.Errorf("a refused form changed the user: %+v", after)
	}
	// The admin cannot demote themself.
	me := userID(t, s, "owner@example.com")
	p = a.post("/admin/users/"+idStr(me), url.Values{"name": {"Owner"}, "role": {"viewer"}})
	expect(t, p, http.StatusUnprocessableEntity, `id="edit-user-role-error"`, "You cannot remove your own admin role")
	// An admin sees the user's tokens and revokes one.
	tok, _, err := s.Accounts.CreateToken(sys, id, "舊系統同步", nil)
	if err != nil {
		t.Fatal(err)
	}
	expect(t, a.get("/admin/users/"+idStr(id)), http.StatusOK, `id="user-token-list"`, "舊系統同步", tok.Prefix)
	if p := a.post("/admin/users/"+idStr(id)+"/tokens/"+idStr(tok.ID)+"/revoke", nil); p.Status != http.StatusSeeOther {
		t.Fatalf("revoke a user's token: %d\n%s", p.Status, p.Body)
	}
	if list, _ := s.Accounts.ListTokens(sys, id); len(list) != 1 || list[0].RevokedAt == nil {
		t.Errorf("the user's token after revoking: %+v", list)
	}
	expect(t, a.get("/admin/users/"+idStr(id)+"?done=token_revoked"), http.StatusOK, "The token was revoked", "Revoked")
	// An admin sets someone's password.
	p = a.post("/admin/users/"+idStr(id)+"/password", url.Values{"new_password": {"short"}, "new_password_again": {"short"}})
	expect(t, p, http.StatusUnprocessableEntity, `id="user-password-new_password-error"`)
	p = a.post("/admin/users/"+idStr(id)+"/password", url.Values{"new_password": {"reset by the admin"}, "new_password_again": {"reset by the admin"}})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("set password: %d\n%s", p.Status, p.Body)
	}
	newBrowser(t, s, "en").signIn("ming@example.com", "reset by the admin")
}

func testAdminTeams(t *testing.T, s *testenv.Server) {
	a := newBrowser(t, s, "zh-TW")
	a.signIn("owner@example.com", password)
	p := a.post("/admin/teams", url.Values{"name": {"  "}})
	expect(t, p, http.StatusUnprocessableEntity, `id="new-team-name-error"`, "此欄位為必填。")
	p = a.post("/admin/teams", url.Values{"name": {"南區業務"}})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("create team: %d\n%s", p.Status, p.Body)
	}
	sys := crm.WithPrincipal(context.Background(), crm.System)
	teams, _ := s.Accounts.ListTeams(sys)
	var team *account.Team
	for _, tm := range teams {
		if tm.Name == "南區業務" {
			team = tm
		}
	}
	if team == nil {
		t.Fatal("the team was not made")
	}
	expect(t, a.post("/admin/teams", url.Values{"name": {"南區業務"}}), http.StatusConflict, "已有名為「南區業務」的團隊。")
	key := "/admin/teams/" + idStr(team.ID)
	agent := userID(t, s, "agent@example.com")
	if p := a.post(key+"/members", url.Values{"user_id": {idStr(agent)}}); p.Status != http.StatusSeeOther {
		t.Fatalf("add member: %d\n%s", p.Status, p.Body)
	}
	expect(t, a.post(key+"/members", url.Values{"user_id": {"x"}}), http.StatusUnprocessableEntity, `id="member-`+idStr(team.ID)+`-user_id`)
	expect(t, a.get("/admin/teams"), http.StatusOK, "南區業務", "Agent")
	if p := a.post(key, url.Values{"name": {"南區業務二部"}, "version": {idStr(team.Version)}}); p.Status != http.StatusSeeOther {
		t.Fatalf("rename: %d\n%s", p.Status, p.Body)
	}
	got, _ := s.Accounts.GetTeam(sys, team.ID)
	if got.Name != "南區業務二部" || len(got.MemberIDs) != 1 {
		t.Errorf("team now %+v", got)
	}
	if p := a.post(key+"/members/"+idStr(agent)+"/remove", nil); p.Status != http.StatusSeeOther {
		t.Fatalf("remove member: %d", p.Status)
	}
	if got, _ = s.Accounts.GetTeam(sys, team.ID); len(got.MemberIDs) != 0 {
		t.Errorf("members after removal: %v", got.MemberIDs)
	}
	if p := a.post(key+"/delete", nil); p.Status != http.StatusSeeOther {
		t.Fatalf("delete team: %d", p.Status)
	}
	if _, err := s.Accounts.GetTeam(sys, team.ID); !crm.IsKind(err, crm.KindNotFound) {
		t.Errorf("the deleted team reads as %v", err)
	}
}

func testAdminFields(t *testing.T, s *testenv.Server) {
	a := newBrowser(t, s, "en")
	a.signIn("owner@example.com", password)
	expect(t, a.get("/admin/fields"), http.StatusOK, "There are no custom fields yet.", `id="new-field-form"`)
	p := a.post("/admin/fields", url.Values{"record_type": {"contact"}, "key": {"VIP Level"}, "type": {"select"}})
	expect(t, p, http.StatusUnprocessableEntity, `id="new-field-key-error"`, "A key starts with a letter", `id="new-field-options-error"`, "A select field needs at least one option.")
	p = a.post("/admin/fields", url.Values{"record_type": {"contact"}, "key": {"budget"}, "type": {"money"}, "currency": {"dollars"}})
	expect(t, p, http.StatusUnprocessableEntity, `id="new-field-currency-error"`)
	p = a.post("/admin/fields", url.Values{"record_type": {"contact"}, "key": {"vip_level"}, "label": {"VIP 等級"}, "type": {"select"}, "options": {"金卡\r\n銀卡\r\n\r\n"}, "required": {"on"}})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("create field: %d\n%s", p.Status, p.Body)
	}
	expect(t, a.get("/admin/fields"), http.StatusOK, "VIP 等級", "vip_level", "One choice", "金卡, 銀卡", "required")
	p = a.post("/admin/fields", url.Values{"record_type": {"contact"}, "key": {"vip_level"}, "type": {"text"}})
	expect(t, p, http.StatusConflict, `id="new-field-key-error"`, "A custom field with the key “vip_level” already exists.")
	defs, err := s.Customers.ListFieldDefs(crm.WithPrincipal(context.Background(), crm.System), customer.RecordContact)
	if err != nil || len(defs) != 1 || !defs[0].Required || len(defs[0].Options) != 2 {
		t.Fatalf("fields: %+v %v", defs, err)
	}
	if p := a.post("/admin/fields/"+idStr(defs[0].ID)+"/delete", nil); p.Status != http.StatusSeeOther {
		t.Fatalf("delete field: %d", p.Status)
	}
	expect(t, a.get("/admin/fields?done=field_deleted"), http.StatusOK, "There are no custom fields yet.")
}

// testAdminFieldEdit changes a custom field on its page: its labels in
// each language, its choices, whether it is required and its place; what
// the service keeps fixed cannot be written, and each refusal is said
// beside its input with nothing saved.
func testAdminFieldEdit(t *testing.T, s *testenv.Server) {
	sys := crm.WithPrincipal(context.Background(), crm.System)
	d, err := s.Customers.CreateFieldDef(sys, customer.FieldDefFields{RecordType: customer.RecordContact, Key: "tier", Label: "Tier",
		Type: customer.FieldSelect, Options: []customer.Option{{Value: "gold", Label: "Gold", Labels: map[string]string{"zh-Hant": "金卡"}}, {Value: "silver"}}})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := s.Customers.DeleteFieldDef(sys, d.ID); err != nil {
			t.Error(err)
		}
	}()
	stored := func() *customer.FieldDef {
		t.Helper()
		got, err := s.Customers.GetFieldDef(sys, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	path := "/admin/fields/" + idStr(d.ID)
	a := newBrowser(t, s, "en")
	a.signIn("owner@example.com", password)
	expect(t, a.get("/admin/fields"), http.StatusOK, `<a href="`+path+`">Tier</a>`, `aria-label="Edit the field Tier"`)
	p := a.get(path)
	expect(t, p, http.StatusOK, `id="edit-field-form"`, `name="version" value="1"`, "<code>tier</code>", "One choice",
		`id="edit-field-label" name="label" type="text" value="Tier"`, ">gold\nsilver</textarea>", "Label in 繁體中文", "A choice you remove stays on the records")
	for _, fixed := range []string{`name="key"`, `name="type"`, `name="record_type"`, `name="currency"`} {
		if strings.Contains(p.Body, fixed) {
			t.Errorf("the field's page offers to change %s", fixed)
		}
	}

	// Refusals, each beside its input, the form as written, nothing saved.
	form := func(changes ...string) url.Values {
		v := url.Values{"version": {"1"}, "label": {"Membership tier"}, "labels.zh-Hant": {"會員等級"}, "labels.zh-Hans": {"会员等级"},
			"options": {"gold\r\nsilver\r\nplatinum\r\n"}, "required": {"on"}, "position": {"2"}}
		for i := 0; i+1 < len(changes); i += 2 {
			v.Set(changes[i], changes[i+1])
		}
		return v
	}
	p = a.post(path, form("options", "  \n "))
	expect(t, p, http.StatusUnprocessableEntity, `<p class="error" id="edit-field-options-error">A select field needs at least one option.</p>`, `value="Membership tier"`)
	p = a.post(path, form("options", "gold\nsilver\ngold"))
	expect(t, p, http.StatusUnprocessableEntity, `id="edit-field-options-error">This option appears twice.`, ">gold\nsilver\ngold</textarea>")
	p = a.post(path, form("label", strings.Repeat("長", 101)))
	expect(t, p, http.StatusUnprocessableEntity, `id="edit-field-label-error"`)
	p = a.post(path, form("labels.zh-Hant", strings.Repeat("長", 101), "position", "second"))
	expect(t, p, http.StatusUnprocessableEntity, `id="edit-field-labels-zh-Hant-error"`, `id="edit-field-position-error">Must be a whole number.`)
	p = a.post(path, form("position", "99999999999"))
	expect(t, p, http.StatusUnprocessableEntity, `id="edit-field-position-error">Must be between 0 and 9999.`)
	if got := stored(); got.Version != 1 || got.Label != "Tier" {
		t.Fatalf("refused forms changed the field: %+v", got)
	}

	// Saved: a kept choice keeps its translations, the new one is its
	// value; key and type stay whatever is posted.
	p = a.post(path, form("key", "hacked", "type", "text"))
	if p.Status != http.StatusSeeOther || p.Location != path+"?done=field_saved#admin-message" {
		t.Fatalf("save field: %d %s\n%s", p.Status, p.Location, p.Body)
	}
	expect(t, a.get(p.Location), http.StatusOK, "The custom field was saved.", `name="version" value="2"`, ">gold\nsilver\nplatinum</textarea>")
	got := stored()
	if got.Key != "tier" || got.Type != customer.FieldSelect || got.Label != "Membership tier" || !got.Required || got.Position != 2 ||
		got.Labels["zh-Hant"] != "會員等級" || got.Labels["zh-Hans"] != "会员等级" || len(got.Options) != 3 ||
		got.Options[0].Labels["zh-Hant"] != "金卡" || got.Options[0].Label != "Gold" || got.Options[2].Value != "platinum" {
		t.Errorf("after saving: %+v", got)
	}
	zh := newBrowser(t, s, "zh-TW")
	zh.signIn("owner@example.com", password)
	expect(t, zh.get("/admin/fields"), http.StatusOK, `<a href="`+path+`">會員等級</a>`, "金卡")

	// Someone else saved meanwhile: the old form is refused, not applied.
	p = a.post(path, form("label", "Stale"))
	expect(t, p, http.StatusPreconditionFailed, "This record was changed by someone else")
	if got := stored(); got.Label != "Membership tier" {
		t.Errorf("a stale form saved: %q", got.Label)
	}

	// A translation left empty goes, the label showing in its place; a
	// place left empty stays as it was.
	p = a.post(path, form("version", "2", "labels.zh-Hant", "", "required", "", "position", ""))
	if p.Status != http.StatusSeeOther {
		t.Fatalf("clear a translation: %d\n%s", p.Status, p.Body)
	}
	if got := stored(); got.Required || got.Labels["zh-Hant"] != "" || got.Labels["zh-Hans"] != "会员等级" || got.Position != 2 {
		t.Errorf("after clearing: %+v", got)
	}
	expect(t, zh.get("/admin/fields"), http.StatusOK, `<a href="`+path+`">Membership tier</a>`)

	// A choice that records hold may go, as the service allows; the
	// records keep their value (the page warns of it).
	c, err := s.Customers.CreateContact(sys, customer.ContactFields{FamilyName: "周", GivenName: "杰", Custom: map[string]any{"tier": "silver"}},
		customer.WriteOptions{Source: "test"})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = s.Customers.DeleteContact(sys, c.ID, 0) }()
	p = a.post(path, form("version", "3", "options", "gold\nplatinum"))
	if p.Status != http.StatusSeeOther {
		t.Fatalf("remove a choice: %d\n%s", p.Status, p.Body)
	}
	if got := stored(); len(got.Options) != 2 || got.Options[1].Value != "platinum" {
		t.Errorf("choices after removing silver: %+v", got.Options)
	}
	if kept, err := s.Customers.GetContact(sys, c.ID); err != nil || kept.Custom["tier"] != "silver" {
		t.Errorf("the contact's value after its choice went: %v %v", kept.Custom, err)
	}

	// A field that is not a choice has no choices to write.
	num, err := s.Customers.CreateFieldDef(sys, customer.FieldDefFields{RecordType: customer.RecordContact, Key: "visits", Type: customer.FieldNumber})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = s.Customers.DeleteFieldDef(sys, num.ID) }()
	p = a.get("/admin/fields/" + idStr(num.ID))
	expect(t, p, http.StatusOK, `id="edit-field-form"`, "Number")
	if strings.Contains(p.Body, `name="options"`) {
		t.Error("a number field offers choices")
	}
	p = a.post("/admin/fields/"+idStr(num.ID), url.Values{"version": {"1"}, "label": {"Visits"}, "options": {"a"}})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("save a number field: %d\n%s", p.Status, p.Body)
	}
	if got, err := s.Customers.GetFieldDef(sys, num.ID); err != nil || got.Label != "Visits" || len(got.Options) != 0 {
		t.Errorf("the number field after saving: %+v %v", got, err)
	}
}

// testAdminUserToken makes an API token for another user from their admin
// page: refusals beside the inputs, then the secret shown once, working as
// that user.
func testAdminUserToken(t *testing.T, s *testenv.Server) {
	sys := crm.WithPrincipal(context.Background(), crm.System)
	viewer := userID(t, s, "viewer@example.com")
	path := "/admin/users/" + idStr(viewer)
	count := func() int {
		t.Helper()
		list, err := s.Accounts.ListTokens(sys, viewer)
		if err != nil {
			t.Fatal(err)
		}
		return len(list)
	}
	before := count()

	// Only an admin.
	m := newBrowser(t, s, "en")
	m.signIn("manager@example.com", password)
	expect(t, m.post(path+"/tokens", url.Values{"name": {"sneaky"}}), http.StatusForbidden)

	a := newBrowser(t, s, "en")
	a.signIn("owner@example.com", password)
	expect(t, a.get(path), http.StatusOK, `id="user-token-form"`, "New token for Viewer", `id="user-token-expires_on" name="expires_on" type="date"`)
	p := a.post(path+"/tokens", url.Values{"name": {"  "}})
	expect(t, p, http.StatusUnprocessableEntity, `<p class="error" id="user-token-name-error">This field is required.</p>`)
	p = a.post(path+"/tokens", url.Values{"name": {"ERP 同步"}, "expires_on": {"2020-01-01"}})
	expect(t, p, http.StatusUnprocessableEntity, `<p class="error" id="user-token-expires_on-error">Must be in the future.</p>`, `value="ERP 同步"`)
	p = a.post(path+"/tokens", url.Values{"name": {"ERP 同步"}, "expires_on": {"31/12/2030"}})
	expect(t, p, http.StatusUnprocessableEntity, `id="user-token-expires_on-error">Enter a date such as 2030-12-31.`)
	if strings.Contains(p.Body, `id="token-secret"`) || count() != before {
		t.Fatal("a refused form made a token")
	}

	expires := time.Now().AddDate(0, 1, 0).UTC().Format(time.DateOnly)
	p = a.post(path+"/tokens", url.Values{"name": {"ERP 同步"}, "expires_on": {expires}})
	expect(t, p, http.StatusCreated, "The token “ERP 同步” was created.", "It is shown only this once", "ERP 同步")
	secret := secretInPage.FindStringSubmatch(p.Body)
	if secret == nil {
		t.Fatalf("no secret shown:\n%s", p.Body)
	}
	if p.Header.Get("Location") != "" {
		t.Error("the secret's page is a redirect")
	}
	list, err := s.Accounts.ListTokens(sys, viewer)
	if err != nil || len(list) != before+1 {
		t.Fatalf("the viewer's tokens: %v %v", list, err)
	}
	made := list[len(list)-1]
	for _, tk := range list {
		if tk.Name == "ERP 同步" {
			made = tk
		}
	}
	if made.UserID != viewer || made.ExpiresAt == nil || made.ExpiresAt.Format(time.DateOnly) != expires {
		t.Errorf("the token made: %+v", made)
	}
	// It works on the API as the viewer, and the page shows it again
	// without its secret.
	r := s.Do(t, secret[1], "GET", "/api/v1/users/me", nil)
	if r.Status != http.StatusOK || !strings.Contains(string(r.Body), "viewer@example.com") {
		t.Errorf("the new token on the API: %d %s", r.Status, r.Body)
	}
	again := a.get(path)
	expect(t, again, http.StatusOK, "ERP 同步", made.Prefix)
	if strings.Contains(again.Body, secret[1]) {
		t.Error("the secret shows again")
	}

	// In Chinese too.
	zh := newBrowser(t, s, "zh-CN")
	zh.signIn("owner@example.com", password)
	expect(t, zh.post(path+"/tokens", url.Values{"name": {""}}), http.StatusUnprocessableEntity, "为Viewer新建令牌", `id="user-token-name-error"`)
}

func testAdminPipelines(t *testing.T, s *testenv.Server) {
	a := newBrowser(t, s, "en")
	a.signIn("owner@example.com", password)
	expect(t, a.get("/admin/pipelines"), http.StatusOK, `id="new-pipeline-form"`, `name="won_name" type="text" value="Won"`)

	// Out of range, not a number, no name: each beside its row.
	p := a.post("/admin/pipelines", url.Values{"name": {"Retail"}, "won_name": {"Won"}, "lost_name": {"Lost"},
		"stages[0].name": {"Lead"}, "stages[0].probability": {"150"},
		"stages[2].name": {"Demo"}, "stages[2].probability": {"half"},
		"stages[3].probability": {"40"}})
	expect(t, p, http.StatusUnprocessableEntity, `id="new-pipeline-stages-2-probability-error"`, "Enter a whole percentage from 0 to 100.")
	p = a.post("/admin/pipelines", url.Values{"name": {"Retail"}, "won_name": {"Won"}, "lost_name": {"Lost"},
		"stages[0].name": {"Lead"}, "stages[0].probability": {"150"}, "stages[3].probability": {"40"}})
	expect(t, p, http.StatusUnprocessableEntity, `id="new-pipeline-stages-0-probability-error"`, "Must be between 0 and 100.",
		`id="new-pipeline-stages-3-name-error"`, `value="150"`)
	p = a.post("/admin/pipelines", url.Values{"name": {"Retail"}, "won_name": {"Won"}, "lost_name": {"Lost"}})
	expect(t, p, http.StatusUnprocessableEntity, "A pipeline has one or more open stages")
	ps, _ := s.Sales.ListPipelines(crm.WithPrincipal(context.Background(), crm.System))
	if len(ps) != 0 {
		t.Fatalf("refused forms made pipelines: %v", ps)
	}

	p = a.post("/admin/pipelines", url.Values{"name": {"零售通路"}, "won_name": {"成交"}, "lost_name": {"失敗"},
		"stages[0].name": {"接洽"}, "stages[0].probability": {"20"}, "stages[1].name": {"報價"}, "stages[1].probability": {"60%"}})
	m := regexp.MustCompile(`^/admin/pipelines/(\d+)\?done=pipeline_created#admin-message$`).FindStringSubmatch(p.Location)
	if p.Status != http.StatusSeeOther || m == nil {
		t.Fatalf("create pipeline: %d %s\n%s", p.Status, p.Location, p.Body)
	}
	base := "/admin/pipelines/" + m[1]
	page := a.get(p.Location)
	expect(t, page, http.StatusOK, "The pipeline was created.", "接洽", "報價", "成交", "失敗", `name="version" value="1"`)
	pl := onlyPipeline(t, s)
	if len(pl.Stages) != 4 || pl.Stages[1].Probability != 60 || pl.Stages[2].Kind != sales.KindWon {
		t.Fatalf("stages: %+v", pl.Stages)
	}
	lead, quote := pl.Stages[0], pl.Stages[1]

	// A stage's probability out of range is refused beside its input.
	p = a.post(base+"/stages/"+idStr(lead.ID), url.Values{"version": {"1"}, "name": {"接洽"}, "probability": {"101"}})
	expect(t, p, http.StatusUnprocessableEntity, `id="stage-`+idStr(lead.ID)+`-probability-error"`, "Must be between 0 and 100.", `value="101"`)
	p = a.post(base+"/stages", url.Values{"version": {"1"}, "name": {"議價"}, "probability": {"-5"}})
	expect(t, p, http.StatusUnprocessableEntity, `id="new-stage-probability-error"`, "Must be between 0 and 100.")
	if pl = onlyPipeline(t, s); pl.Version != 1 {
		t.Fatalf("refused changes changed the pipeline: version %d", pl.Version)
	}
	// Rename, add, reorder, delete.
	if p := a.post(base+"/stages/"+idStr(lead.ID), url.Values{"version": {"1"}, "name": {"初步接洽"}, "probability": {"15"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("update stage: %d\n%s", p.Status, p.Body)
	}
	if p := a.post(base+"/stages", url.Values{"version": {"2"}, "name": {"議價"}, "probability": {"80"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("add stage: %d\n%s", p.Status, p.Body)
	}
	expect(t, a.post(base+"/stages/"+idStr(quote.ID)+"/move", url.Values{"version": {"2"}, "dir": {"up"}}), http.StatusPreconditionFailed,
		"This record was changed by someone else")
	if p := a.post(base+"/stages/"+idStr(quote.ID)+"/move", url.Values{"version": {"3"}, "dir": {"up"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("move stage: %d\n%s", p.Status, p.Body)
	}
	pl = onlyPipeline(t, s)
	var names []string
	for _, st := range pl.Stages {
		names = append(names, st.Name+":"+idStr(int64(st.Probability)))
	}
	if got := strings.Join(names, " "); got != "報價:60 初步接洽:15 議價:80 成交:100 失敗:0" {
		t.Errorf("stages now %s", got)
	}
	if p := a.post(base+"/stages/"+idStr(lead.ID)+"/delete", url.Values{"version": {idStr(pl.Version)}}); p.Status != http.StatusSeeOther {
		t.Fatalf("delete stage: %d\n%s", p.Status, p.Body)
	}
	if pl = onlyPipeline(t, s); len(pl.Stages) != 4 {
		t.Errorf("after deleting a stage: %+v", pl.Stages)
	}
	if p := a.post(base, url.Values{"version": {idStr(pl.Version)}, "name": {""}}); p.Status != http.StatusUnprocessableEntity ||
		!strings.Contains(p.Body, `id="pipeline-name-error"`) {
		t.Errorf("an empty pipeline name: %d", p.Status)
	}
}

func onlyPipeline(t *testing.T, s *testenv.Server) *sales.Pipeline {
	t.Helper()
	ps, err := s.Sales.ListPipelines(crm.WithPrincipal(context.Background(), crm.System))
	if err != nil || len(ps) != 1 {
		t.Fatalf("pipelines: %v %v", ps, err)
	}
	return ps[0]
}

// TestAdminLabels checks that every value the admin screens show through
// a message key has one in every language.
func TestAdminLabels(t *testing.T) {
	var keys []string
	for _, r := range crm.Roles {
		keys = append(keys, "admin.role."+string(r))
	}
	for _, ft := range customer.FieldTypes {
		keys = append(keys, "admin.field_type."+string(ft))
	}
	keys = append(keys, "admin.record_type.contact", "admin.record_type.company", "admin.kind.won", "admin.kind.lost",
		"account.state_active", "account.state_expired", "account.state_revoked",
		"admin.tab.users", "admin.tab.teams", "admin.tab.fields", "admin.tab.pipelines")
	for _, k := range keys {
		for _, lang := range i18n.Languages {
			if i18n.Message(lang, k, nil) == k {
				t.Errorf("%s has no %s message", k, lang)
			}
		}
	}
}

// testAdminGarbage posts nonsense to every form of the screens: each
// answers with a page that says what is wrong (4xx), never a 500.
func testAdminGarbage(t *testing.T, s *testenv.Server) {
	a := newBrowser(t, s, "en")
	a.signIn("owner@example.com", password)
	sys := crm.WithPrincipal(context.Background(), crm.System)
	pl, err := s.Sales.CreatePipeline(sys, sales.PipelineInput{Name: "Garbage " + s.URL})
	if err != nil {
		t.Fatal(err)
	}
	base := "/admin/pipelines/" + idStr(pl.ID)
	field, err := s.Customers.CreateFieldDef(sys, customer.FieldDefFields{RecordType: customer.RecordContact, Key: "garbage",
		Type: customer.FieldSelect, Options: []customer.Option{{Value: "a"}}})
	if err != nil {
		t.Fatal(err)
	}
	viewer := userID(t, s, "viewer@example.com")
	junk := url.Values{"version": {"x"}, "name": {strings.Repeat("長", 300)}, "probability": {"1e9"}, "position": {"-3"},
		"dir": {"sideways"}, "user_id": {"-1"}, "team": {"abc", "999999"}, "role": {"root"}, "language": {"klingon"},
		"email": {"not an email"}, "password": {"x"}, "record_type": {"deal"}, "type": {"blob"}, "key": {"9"},
		"options": {strings.Repeat("a\n", 300)}, "currency": {"twd"}, "expires_on": {"31/12/2030"},
		"stages[0].name": {"a"}, "stages[0].probability": {"-1"}, "won_name": {""}, "lost_name": {""},
		"labels.zh-Hant": {"\x00"}, "labels.zh-Hans": {strings.Repeat("長", 300)}}
	for _, path := range []string{
		"/account/password", "/account/tokens", "/account/tokens/999999/revoke", "/account/tokens/abc/revoke",
		"/admin/users", "/admin/users/999999", "/admin/users/abc", "/admin/users/999999/password",
		"/admin/teams", "/admin/teams/999999", "/admin/teams/999999/members", "/admin/teams/999999/members/1/remove", "/admin/teams/999999/delete",
		"/admin/fields", "/admin/fields/999999/delete", "/admin/fields/999999", "/admin/fields/abc", "/admin/fields/" + idStr(field.ID),
		"/admin/users/999999/tokens", "/admin/users/abc/tokens", "/admin/users/" + idStr(viewer) + "/tokens",
		"/admin/pipelines", base, base + "/delete", base + "/stages", base + "/stages/999999", base + "/stages/" + idStr(pl.Stages[0].ID),
		base + "/stages/" + idStr(pl.Stages[0].ID) + "/move", base + "/stages/999999/move", base + "/stages/" + idStr(pl.Stages[4].ID) + "/delete",
		"/admin/pipelines/999999", "/admin/pipelines/999999/stages",
	} {
		p := a.post(path, junk)
		if p.Status >= 500 || p.Status < 400 {
			t.Errorf("POST %s with nonsense answers %d", path, p.Status)
		}
	}
	for _, path := range []string{"/admin/users/999999", "/admin/users/abc", "/admin/pipelines/999999", "/admin/pipelines/0", "/admin/fields/999999", "/admin/fields/abc"} {
		if p := a.get(path); p.Status != http.StatusNotFound {
			t.Errorf("GET %s answers %d", path, p.Status)
		}
	}
}
