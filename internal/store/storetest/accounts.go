package storetest

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/guanxi-crm/guanxi/internal/account"
	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/customer"
)

var accountTests = []test{
	{"Users", testUsers},
	{"UsersInvalid", testUsersInvalid},
	{"UpdateUser", testUpdateUser},
	{"DisableUser", testDisableUser},
	{"Teams", testTeams},
	{"Tokens", testTokens},
	{"TokenExpiry", testTokenExpiry},
	{"Sessions", testSessions},
	{"LoginRateLimit", testLoginRateLimit},
	{"SetPassword", testSetPassword},
	{"EnsureAdmin", testEnsureAdmin},
	{"AuditLog", testAuditLog},
}

const password = "correct horse battery"

func testUsers(t *testing.T, e *env) {
	u, err := e.acc.CreateUser(e.sys, account.UserFields{Email: " Ann.Lee@Example.COM ", Name: "  Ann   Lee ", Role: crm.RoleManager, Language: "zh-Hant"}, "")
	must(t, err)
	want := account.UserFields{Email: "ann.lee@example.com", Name: "Ann Lee", Role: crm.RoleManager, Language: "zh-Hant"}
	got, err := e.acc.GetUser(e.sys, u.ID)
	must(t, err)
	if diff := cmp.Diff(want, got.UserFields); diff != "" {
		t.Errorf("stored user (-want +got):\n%s", diff)
	}
	if got.Version != 1 || !got.CreatedAt.Equal(e.now()) || got.LastLoginAt != nil || len(got.TeamIDs) != 0 {
		t.Errorf("new user %+v", got)
	}
	_, err = e.acc.CreateUser(e.sys, account.UserFields{Email: "ANN.LEE@example.com", Name: "Other", Role: crm.RoleAgent}, "")
	wantCode(t, err, crm.KindConflict, "duplicate_email")
	_, err = e.acc.CreateUser(e.as(u), account.UserFields{Email: "b@example.com", Name: "B", Role: crm.RoleAgent}, "")
	wantKind(t, err, crm.KindForbidden)
	e.user("Zed", crm.RoleAgent)
	e.user("Bob", crm.RoleViewer)
	users, err := e.acc.ListUsers(e.as(u))
	must(t, err)
	var names []string
	for _, x := range users {
		names = append(names, x.Name)
	}
	if diff := cmp.Diff([]string{"Ann Lee", "Bob", "Zed"}, names); diff != "" {
		t.Errorf("users by name (-want +got):\n%s", diff)
	}
	me, err := e.acc.Me(e.as(u))
	must(t, err)
	if me.ID != u.ID {
		t.Errorf("me is %d; want %d", me.ID, u.ID)
	}
	_, err = e.acc.Me(e.sys)
	wantKind(t, err, crm.KindNotFound)
	_, err = e.acc.GetUser(e.sys, 99999)
	wantKind(t, err, crm.KindNotFound)
}

func testUsersInvalid(t *testing.T, e *env) {
	tests := []struct {
		name     string
		in       account.UserFields
		password string
		field    string
		code     string
	}{
		{"email", account.UserFields{Email: "nope", Name: "N", Role: crm.RoleAgent}, "", "email", crm.CodeInvalidEmail},
		{"name", account.UserFields{Email: "n@example.com", Name: "  ", Role: crm.RoleAgent}, "", "name", "required"},
		{"long name", account.UserFields{Email: "n@example.com", Name: strings.Repeat("n", 101), Role: crm.RoleAgent}, "", "name", "too_long"},
		{"role", account.UserFields{Email: "n@example.com", Name: "N", Role: "owner"}, "", "role", "not_one_of"},
		{"no role", account.UserFields{Email: "n@example.com", Name: "N"}, "", "role", "not_one_of"},
		{"language", account.UserFields{Email: "n@example.com", Name: "N", Role: crm.RoleAgent, Language: "fr"}, "", "language", "not_one_of"},
		{"short password", account.UserFields{Email: "n@example.com", Name: "N", Role: crm.RoleAgent}, "short", "password", "password_too_short"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.acc.CreateUser(e.sys, tt.in, tt.password)
			wantField(t, err, tt.field, tt.code)
		})
	}
	if users, err := e.acc.ListUsers(e.sys); err != nil || len(users) != 0 {
		t.Errorf("users after refused creates: %v %v", users, err)
	}
}

func testUpdateUser(t *testing.T, e *env) {
	admin := e.user("Admin", crm.RoleAdmin)
	agent := e.user("Agent", crm.RoleAgent)
	e.user("Other", crm.RoleAgent)
	e.tick(time.Minute)
	got, err := e.acc.UpdateUser(e.as(agent), agent.ID, 1, func(f *account.UserFields) error { f.Name, f.Language = "Agent Smith", "en"; return nil })
	must(t, err)
	if got.Version != 2 || got.Name != "Agent Smith" || !got.UpdatedAt.Equal(e.now()) {
		t.Errorf("self update: %+v", got)
	}
	for _, tt := range []struct {
		name  string
		apply func(f *account.UserFields)
	}{
		{"role", func(f *account.UserFields) { f.Role = crm.RoleAdmin }},
		{"email", func(f *account.UserFields) { f.Email = "new@example.com" }},
		{"disabled", func(f *account.UserFields) { f.Disabled = true }},
	} {
		t.Run("self changes "+tt.name, func(t *testing.T) {
			_, err := e.acc.UpdateUser(e.as(agent), agent.ID, 0, func(f *account.UserFields) error { tt.apply(f); return nil })
			wantKind(t, err, crm.KindForbidden)
		})
	}
	_, err = e.acc.UpdateUser(e.as(agent), admin.ID, 0, func(f *account.UserFields) error { f.Name = "x"; return nil })
	wantKind(t, err, crm.KindForbidden)
	_, err = e.acc.UpdateUser(e.as(admin), agent.ID, 1, func(f *account.UserFields) error { f.Role = crm.RoleManager; return nil })
	if ce := wantCode(t, err, crm.KindStale, "stale_version"); param(t, ce, "current_version") != 2 {
		t.Errorf("current_version %v", ce.Params["current_version"])
	}
	promoted, err := e.acc.UpdateUser(e.as(admin), agent.ID, 2, func(f *account.UserFields) error { f.Role = crm.RoleManager; return nil })
	must(t, err)
	if promoted.Role != crm.RoleManager {
		t.Errorf("role %s", promoted.Role)
	}
	if p, _ := crm.PrincipalFrom(e.as(agent)); p.Role != crm.RoleManager {
		t.Errorf("principal role %s after promotion", p.Role)
	}
	_, err = e.acc.UpdateUser(e.as(admin), agent.ID, 0, func(f *account.UserFields) error { f.Email = "OTHER@guanxi.test"; return nil })
	wantCode(t, err, crm.KindConflict, "duplicate_email")
	_, err = e.acc.UpdateUser(e.as(admin), admin.ID, 0, func(f *account.UserFields) error { f.Role = crm.RoleAgent; return nil })
	wantField(t, err, "role", "cannot_demote_self")
	_, err = e.acc.UpdateUser(e.as(admin), admin.ID, 0, func(f *account.UserFields) error { f.Disabled = true; return nil })
	wantField(t, err, "role", "cannot_demote_self")
	_, err = e.acc.UpdateUser(e.as(admin), agent.ID, 0, func(f *account.UserFields) error { f.Role = "god"; return nil })
	wantField(t, err, "role", "not_one_of")
	same, err := e.acc.UpdateUser(e.as(admin), agent.ID, 0, func(f *account.UserFields) error { f.Email = " AGENT@guanxi.test"; return nil })
	must(t, err)
	if same.Version != 3 {
		t.Errorf("no-op update made version %d", same.Version)
	}
	_, err = e.acc.UpdateUser(e.sys, 99999, 0, func(f *account.UserFields) error { return nil })
	wantKind(t, err, crm.KindNotFound)
}

func testDisableUser(t *testing.T, e *env) {
	admin := e.user("Admin", crm.RoleAdmin)
	u, err := e.acc.CreateUser(e.sys, account.UserFields{Email: "worker@example.com", Name: "Worker", Role: crm.RoleAgent}, password)
	must(t, err)
	session, _, err := e.acc.Login(e.sys, "worker@example.com", password, "10.0.0.1")
	must(t, err)
	_, secret, err := e.acc.CreateToken(e.as(u), 0, "cli", nil)
	must(t, err)
	if _, err := e.acc.AuthenticateSession(e.sys, session); err != nil {
		t.Fatal(err)
	}
	if _, err := e.acc.AuthenticateToken(e.sys, secret); err != nil {
		t.Fatal(err)
	}
	if _, err := e.acc.UpdateUser(e.as(admin), u.ID, 0, func(f *account.UserFields) error { f.Disabled = true; return nil }); err != nil {
		t.Fatal(err)
	}
	_, err = e.acc.AuthenticateSession(e.sys, session)
	wantKind(t, err, crm.KindUnauthenticated)
	_, err = e.acc.AuthenticateToken(e.sys, secret)
	wantCode(t, err, crm.KindUnauthenticated, "user_disabled")
	_, _, err = e.acc.Login(e.sys, "worker@example.com", password, "10.0.0.1")
	wantCode(t, err, crm.KindUnauthenticated, "invalid_credentials")
	if _, err := e.acc.UpdateUser(e.as(admin), u.ID, 0, func(f *account.UserFields) error { f.Disabled = false; return nil }); err != nil {
		t.Fatal(err)
	}
	if _, err := e.acc.AuthenticateToken(e.sys, secret); err != nil {
		t.Errorf("token after re-enabling: %v", err)
	}
	_, err = e.acc.AuthenticateSession(e.sys, session)
	wantKind(t, err, crm.KindUnauthenticated) // ended for good
}

func testTeams(t *testing.T, e *env) {
	north, err := e.acc.CreateTeam(e.sys, account.TeamFields{Name: "  North  "})
	must(t, err)
	if north.Name != "North" || north.Version != 1 || len(north.MemberIDs) != 0 {
		t.Errorf("team %+v", north)
	}
	south := e.team("South")
	_, err = e.acc.CreateTeam(e.sys, account.TeamFields{Name: "North"})
	wantCode(t, err, crm.KindConflict, "duplicate_team")
	_, err = e.acc.CreateTeam(e.sys, account.TeamFields{Name: ""})
	wantField(t, err, "name", "required")
	a := e.user("A", crm.RoleAgent, north, south)
	b := e.user("B", crm.RoleAgent, north)
	c := e.user("C", crm.RoleManager, south)
	loner := e.user("Loner", crm.RoleAgent)
	_, err = e.acc.CreateTeam(e.as(a), account.TeamFields{Name: "Mine"})
	wantKind(t, err, crm.KindForbidden)
	_, err = e.acc.SetTeamMember(e.as(c), north.ID, loner.ID, true)
	wantKind(t, err, crm.KindForbidden)
	_, err = e.acc.SetTeamMember(e.sys, north.ID, 99999, true)
	wantKind(t, err, crm.KindNotFound)
	_, err = e.acc.SetTeamMember(e.sys, 99999, a.ID, true)
	wantKind(t, err, crm.KindNotFound)
	// Adding a member twice is no error.
	if tm, err := e.acc.SetTeamMember(e.sys, north.ID, a.ID, true); err != nil || len(tm.MemberIDs) != 2 {
		t.Errorf("adding a member again: %+v %v", tm, err)
	}

	principal := func(u *account.User) *crm.Principal {
		p, _ := crm.PrincipalFrom(e.as(u))
		return p
	}
	for _, tt := range []struct {
		user    *account.User
		teams   []int64
		members []int64
	}{
		{a, []int64{north.ID, south.ID}, []int64{a.ID, b.ID, c.ID}},
		{b, []int64{north.ID}, []int64{a.ID, b.ID}},
		{c, []int64{south.ID}, []int64{a.ID, c.ID}},
		{loner, []int64{}, nil},
	} {
		p := principal(tt.user)
		if diff := cmp.Diff(tt.teams, orEmpty(p.TeamIDs)); diff != "" {
			t.Errorf("%s: team ids (-want +got):\n%s", tt.user.Name, diff)
		}
		if diff := cmp.Diff(tt.members, p.TeamMemberIDs); diff != "" {
			t.Errorf("%s: team member ids (-want +got):\n%s", tt.user.Name, diff)
		}
		if p.UserID != tt.user.ID || p.Role != tt.user.Role || p.Name != tt.user.Name || p.Email != tt.user.Email {
			t.Errorf("principal %+v for %+v", p, tt.user)
		}
	}
	got, err := e.acc.GetTeam(e.sys, north.ID)
	must(t, err)
	if diff := cmp.Diff([]int64{a.ID, b.ID}, got.MemberIDs); diff != "" {
		t.Errorf("members of North (-want +got):\n%s", diff)
	}
	renamed, err := e.acc.UpdateTeam(e.sys, north.ID, 1, func(f *account.TeamFields) error { f.Name = "Northern"; return nil })
	must(t, err)
	if renamed.Name != "Northern" || renamed.Version != 2 {
		t.Errorf("renamed %+v", renamed)
	}
	_, err = e.acc.UpdateTeam(e.sys, north.ID, 0, func(f *account.TeamFields) error { f.Name = "South"; return nil })
	wantCode(t, err, crm.KindConflict, "duplicate_team")
	_, err = e.acc.UpdateTeam(e.sys, north.ID, 1, func(f *account.TeamFields) error { f.Name = "x"; return nil })
	wantKind(t, err, crm.KindStale)
	teams, err := e.acc.ListTeams(e.as(loner))
	must(t, err)
	if len(teams) != 2 || teams[0].Name != "Northern" || teams[1].Name != "South" {
		t.Errorf("teams %+v", teams)
	}

	// Deleting a team frees its records and its members.
	contact := e.contact(e.as(b), customer.ContactFields{DisplayName: "North's"})
	if contact.TeamID == nil || *contact.TeamID != north.ID {
		t.Fatalf("contact team %v", contact.TeamID)
	}
	must(t, e.acc.DeleteTeam(e.sys, north.ID))
	if got := e.get(contact.ID); got.TeamID != nil || got.OwnerID == nil || *got.OwnerID != b.ID {
		t.Errorf("contact of a deleted team: owner %v team %v", got.OwnerID, got.TeamID)
	}
	if p := principal(a); len(p.TeamIDs) != 1 || p.TeamIDs[0] != south.ID {
		t.Errorf("teams of A after deleting North: %v", p.TeamIDs)
	}
	if p := principal(b); len(p.TeamIDs) != 0 || len(p.TeamMemberIDs) != 0 {
		t.Errorf("B after deleting North: %+v", p)
	}
	_, err = e.acc.GetTeam(e.sys, north.ID)
	wantKind(t, err, crm.KindNotFound)
	wantKind(t, e.acc.DeleteTeam(e.sys, north.ID), crm.KindNotFound)
	if _, err := e.acc.SetTeamMember(e.sys, south.ID, a.ID, false); err != nil {
		t.Fatal(err)
	}
	if p := principal(a); len(p.TeamIDs) != 0 {
		t.Errorf("teams of A after leaving South: %v", p.TeamIDs)
	}
}

func orEmpty(ids []int64) []int64 {
	if ids == nil {
		return []int64{}
	}
	return ids
}

func testTokens(t *testing.T, e *env) {
	team := e.team("Team")
	u := e.user("Token User", crm.RoleAgent, team)
	other := e.user("Other", crm.RoleAgent)
	admin := e.user("Admin", crm.RoleAdmin)
	tok, secret, err := e.acc.CreateToken(e.as(u), 0, " laptop ", nil)
	must(t, err)
	if !strings.HasPrefix(secret, account.TokenPrefix) || len(secret) < 30 || tok.Prefix != secret[:len(account.TokenPrefix)+6] {
		t.Errorf("secret %q prefix %q", secret, tok.Prefix)
	}
	if tok.Name != "laptop" || tok.UserID != u.ID || tok.LastUsedAt != nil || tok.ExpiresAt != nil || tok.RevokedAt != nil {
		t.Errorf("token %+v", tok)
	}
	_, secret2, err := e.acc.CreateToken(e.as(u), 0, "phone", nil)
	must(t, err)
	if secret2 == secret {
		t.Error("two tokens with the same secret")
	}
	p, err := e.acc.AuthenticateToken(e.sys, secret)
	must(t, err)
	if p.UserID != u.ID || p.TokenID != tok.ID || p.Role != crm.RoleAgent || len(p.TeamIDs) != 1 || p.TeamIDs[0] != team.ID {
		t.Errorf("principal %+v", p)
	}
	lastUsed := func(id int64) *time.Time {
		list, err := e.acc.ListTokens(e.as(u), 0)
		must(t, err)
		for _, x := range list {
			if x.ID == id {
				return x.LastUsedAt
			}
		}
		t.Fatalf("token %d not listed", id)
		return nil
	}
	first := e.now()
	if got := lastUsed(tok.ID); got == nil || !got.Equal(first) {
		t.Errorf("last used %v; want %v", got, first)
	}
	e.tick(30 * time.Second)
	if _, err := e.acc.AuthenticateToken(e.sys, secret); err != nil {
		t.Fatal(err)
	}
	if got := lastUsed(tok.ID); !got.Equal(first) {
		t.Errorf("last used %v within a minute; want it kept at %v", got, first)
	}
	e.tick(2 * time.Minute)
	if _, err := e.acc.AuthenticateToken(e.sys, secret); err != nil {
		t.Fatal(err)
	}
	if got := lastUsed(tok.ID); !got.Equal(e.now()) {
		t.Errorf("last used %v; want %v", got, e.now())
	}

	for _, bad := range []string{"", "gx_", "gx_wrong", secret + "x", strings.ToUpper(secret), "Bearer " + secret, strings.Repeat("gx_", 100)} {
		_, err := e.acc.AuthenticateToken(e.sys, bad)
		wantCode(t, err, crm.KindUnauthenticated, "invalid_token")
	}

	list, err := e.acc.ListTokens(e.as(u), 0)
	must(t, err)
	if len(list) != 2 || list[0].Name != "phone" || list[1].Name != "laptop" {
		t.Errorf("tokens newest first: %+v", list)
	}
	_, err = e.acc.ListTokens(e.as(u), other.ID)
	wantKind(t, err, crm.KindForbidden)
	_, err = e.acc.ListTokens(e.as(u), -1)
	wantKind(t, err, crm.KindForbidden)
	if _, _, err := e.acc.CreateToken(e.as(admin), other.ID, "for other", nil); err != nil {
		t.Errorf("admin creating a token for another user: %v", err)
	}
	if all, err := e.acc.ListTokens(e.as(admin), -1); err != nil || len(all) != 3 {
		t.Errorf("all tokens: %d %v", len(all), err)
	}
	_, _, err = e.acc.CreateToken(e.as(u), other.ID, "x", nil)
	wantKind(t, err, crm.KindForbidden)
	_, _, err = e.acc.CreateToken(e.as(u), 0, " ", nil)
	wantField(t, err, "name", "required")
	_, _, err = e.acc.CreateToken(e.as(admin), 99999, "x", nil)
	wantKind(t, err, crm.KindNotFound)

	// Revoking: others' tokens are invisible, one's own stop working.
	wantKind(t, e.acc.RevokeToken(e.as(other), tok.ID), crm.KindNotFound)
	must(t, e.acc.RevokeToken(e.as(u), tok.ID))
	_, err = e.acc.AuthenticateToken(e.sys, secret)
	wantKind(t, err, crm.KindUnauthenticated)
	must(t, e.acc.RevokeToken(e.as(u), tok.ID)) // again: nothing happens
	if _, err := e.acc.AuthenticateToken(e.sys, secret2); err != nil {
		t.Errorf("the other token after revoking one: %v", err)
	}
	list, err = e.acc.ListTokens(e.as(u), 0)
	must(t, err)
	if list[1].RevokedAt == nil || !list[1].RevokedAt.Equal(e.now()) || list[0].RevokedAt != nil {
		t.Errorf("revoked_at %v / %v", list[1].RevokedAt, list[0].RevokedAt)
	}
	wantKind(t, e.acc.RevokeToken(e.as(u), 99999), crm.KindNotFound)
}

func testTokenExpiry(t *testing.T, e *env) {
	u := e.user("U", crm.RoleAgent)
	past := e.now().Add(-time.Second)
	_, _, err := e.acc.CreateToken(e.as(u), 0, "old", &past)
	wantField(t, err, "expires_at", "in_the_past")
	expires := e.now().Add(time.Hour).Add(123456789 * time.Nanosecond)
	tok, secret, err := e.acc.CreateToken(e.as(u), 0, "short-lived", &expires)
	must(t, err)
	if tok.ExpiresAt == nil || !tok.ExpiresAt.Equal(crm.Truncate(expires)) {
		t.Errorf("expires_at %v; want %v", tok.ExpiresAt, crm.Truncate(expires))
	}
	if _, err := e.acc.AuthenticateToken(e.sys, secret); err != nil {
		t.Fatal(err)
	}
	e.tick(time.Hour)
	if _, err := e.acc.AuthenticateToken(e.sys, secret); err != nil {
		t.Errorf("a moment before expiry: %v", err)
	}
	e.tick(time.Second)
	_, err = e.acc.AuthenticateToken(e.sys, secret)
	wantCode(t, err, crm.KindUnauthenticated, "invalid_token")
	list, err := e.acc.ListTokens(e.as(u), 0)
	must(t, err)
	if len(list) != 1 || !list[0].ExpiresAt.Equal(crm.Truncate(expires)) {
		t.Errorf("stored expiry %+v", list)
	}
}

func testSessions(t *testing.T, e *env) {
	u, err := e.acc.CreateUser(e.sys, account.UserFields{Email: "s@example.com", Name: "S", Role: crm.RoleViewer}, password)
	must(t, err)
	_, _, err = e.acc.Login(e.sys, "s@example.com", "wrong password", "c")
	wantCode(t, err, crm.KindUnauthenticated, "invalid_credentials")
	_, _, err = e.acc.Login(e.sys, "nobody@example.com", password, "c")
	wantCode(t, err, crm.KindUnauthenticated, "invalid_credentials")
	e.tick(time.Minute)
	secret, user, err := e.acc.Login(e.sys, " S@Example.com ", password, "c")
	must(t, err)
	if user.ID != u.ID || user.LastLoginAt == nil || !user.LastLoginAt.Equal(e.now()) || len(secret) < 32 {
		t.Errorf("login: user %+v secret %q", user, secret)
	}
	if got, _ := e.acc.GetUser(e.sys, u.ID); got.LastLoginAt == nil || !got.LastLoginAt.Equal(e.now()) {
		t.Errorf("stored last login %v", got.LastLoginAt)
	}
	p, err := e.acc.AuthenticateSession(e.sys, secret)
	must(t, err)
	if p.UserID != u.ID || p.Role != crm.RoleViewer || p.TokenID != 0 {
		t.Errorf("principal %+v", p)
	}
	second, _, err := e.acc.Login(e.sys, "s@example.com", password, "c")
	must(t, err)
	if second == secret {
		t.Error("two sessions share a secret")
	}
	must(t, e.acc.Logout(e.sys, secret))
	_, err = e.acc.AuthenticateSession(e.sys, secret)
	wantCode(t, err, crm.KindUnauthenticated, "invalid_session")
	must(t, e.acc.Logout(e.sys, secret)) // again: nothing happens
	if _, err := e.acc.AuthenticateSession(e.sys, second); err != nil {
		t.Errorf("the other session after logging one out: %v", err)
	}
	_, err = e.acc.AuthenticateSession(e.sys, "")
	wantKind(t, err, crm.KindUnauthenticated)

	// Sessions end after their lifetime, and are then cleaned up.
	e.tick(14*24*time.Hour - time.Second)
	if _, err := e.acc.AuthenticateSession(e.sys, second); err != nil {
		t.Errorf("a second before expiry: %v", err)
	}
	e.tick(time.Second)
	_, err = e.acc.AuthenticateSession(e.sys, second)
	wantCode(t, err, crm.KindUnauthenticated, "session_expired")
	e.tick(time.Second)
	must(t, e.acc.ExpireSessions(e.sys))
	_, err = e.acc.AuthenticateSession(e.sys, second)
	wantCode(t, err, crm.KindUnauthenticated, "invalid_session")
}

func testLoginRateLimit(t *testing.T, e *env) {
	for _, email := range []string{"target@example.com", "bystander@example.com"} {
		if _, err := e.acc.CreateUser(e.sys, account.UserFields{Email: email, Name: email, Role: crm.RoleAgent}, password); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 10 {
		_, _, err := e.acc.Login(e.sys, "target@example.com", "guess "+jsonOf(i), "10.0.0.1")
		wantCode(t, err, crm.KindUnauthenticated, "invalid_credentials")
		e.tick(time.Second)
	}
	_, _, err := e.acc.Login(e.sys, "TARGET@example.com", password, "10.0.0.2")
	ce := wantCode(t, err, crm.KindRateLimited, "too_many_login_attempts")
	if after := param(t, ce, "retry_after"); after <= 0 || after > 15*60 {
		t.Errorf("retry_after %d s", after)
	}
	// Other people can still sign in from the same address.
	if _, _, err := e.acc.Login(e.sys, "bystander@example.com", password, "10.0.0.1"); err != nil {
		t.Errorf("another user from the same client: %v", err)
	}
	// The window passes.
	e.tick(15 * time.Minute)
	if _, _, err := e.acc.Login(e.sys, "target@example.com", password, "10.0.0.1"); err != nil {
		t.Errorf("after the window: %v", err)
	}
	// A success forgets the failures.
	for range 9 {
		_, _, err := e.acc.Login(e.sys, "target@example.com", "wrong", "10.0.0.3")
		wantCode(t, err, crm.KindUnauthenticated, "invalid_credentials")
	}
	if _, _, err := e.acc.Login(e.sys, "target@example.com", password, "10.0.0.3"); err != nil {
		t.Fatalf("ninth failure then success: %v", err)
	}
	_, _, err = e.acc.Login(e.sys, "target@example.com", "wrong", "10.0.0.3")
	wantCode(t, err, crm.KindUnauthenticated, "invalid_credentials")
	if _, _, err := e.acc.Login(e.sys, "target@example.com", password, "10.0.0.3"); err != nil {
		t.Errorf("a success did not forget the earlier failures: %v", err)
	}
}

func testSetPassword(t *testing.T, e *env) {
	admin := e.user("Admin", crm.RoleAdmin)
	u, err := e.acc.CreateUser(e.sys, account.UserFields{Email: "p@example.com", Name: "P", Role: crm.RoleAgent}, password)
	must(t, err)
	other := e.user("Other", crm.RoleAgent)
	session, _, err := e.acc.Login(e.sys, "p@example.com", password, "c")
	must(t, err)
	const next = "a new long password"
	err = e.acc.SetPassword(e.as(u), u.ID, "wrong current", next)
	wantField(t, err, "current_password", "wrong_password")
	err = e.acc.SetPassword(e.as(u), u.ID, password, "short")
	wantField(t, err, "new_password", "password_too_short")
	wantKind(t, e.acc.SetPassword(e.as(other), u.ID, "", next), crm.KindForbidden)
	if _, err := e.acc.AuthenticateSession(e.sys, session); err != nil {
		t.Fatalf("refused changes ended the session: %v", err)
	}
	must(t, e.acc.SetPassword(e.as(u), u.ID, password, next))
	_, err = e.acc.AuthenticateSession(e.sys, session)
	wantKind(t, err, crm.KindUnauthenticated)
	_, _, err = e.acc.Login(e.sys, "p@example.com", password, "c")
	wantCode(t, err, crm.KindUnauthenticated, "invalid_credentials")
	if _, _, err := e.acc.Login(e.sys, "p@example.com", next, "c"); err != nil {
		t.Errorf("login with the new password: %v", err)
	}
	// Admins need no current password; a user without one gets one.
	must(t, e.acc.SetPassword(e.as(admin), other.ID, "", "set by the admin"))
	if _, _, err := e.acc.Login(e.sys, other.Email, "set by the admin", "c"); err != nil {
		t.Errorf("login with the password an admin set: %v", err)
	}
	log := e.auditLog(account.AuditFilter{RecordType: account.RecordUser, RecordID: u.ID})
	if len(log) < 2 || jsonOf(log[0].Changes) != `[{"field":"password","to":"(changed)"}]` {
		t.Errorf("audit of the password change: %s", jsonOf(log))
	}
	for _, en := range e.auditLog(account.AuditFilter{}) {
		if strings.Contains(jsonOf(en.Changes), "argon2") || strings.Contains(jsonOf(en.Changes), next) {
			t.Errorf("audit entry reveals a password: %s", jsonOf(en))
		}
	}
}

func testEnsureAdmin(t *testing.T, e *env) {
	created, pw, err := e.acc.EnsureAdmin(e.sys, "Root@Example.com", "Root")
	must(t, err)
	if !created || len(pw) < 12 {
		t.Fatalf("first EnsureAdmin: created %v password %q", created, pw)
	}
	_, user, err := e.acc.Login(e.sys, "root@example.com", pw, "c")
	must(t, err)
	if user.Role != crm.RoleAdmin || user.Name != "Root" {
		t.Errorf("admin %+v", user)
	}
	created, pw, err = e.acc.EnsureAdmin(e.sys, "second@example.com", "Second")
	must(t, err)
	if created || pw != "" {
		t.Errorf("second EnsureAdmin created %v %q", created, pw)
	}
	users, err := e.acc.ListUsers(e.sys)
	must(t, err)
	if len(users) != 1 {
		t.Errorf("%d users; want the one admin", len(users))
	}
}

func testAuditLog(t *testing.T, e *env) {
	admin := e.user("Admin", crm.RoleAdmin)
	agent := e.user("Agent", crm.RoleAgent)
	c := e.contact(e.as(agent), customer.ContactFields{DisplayName: "c"})
	for i := range 4 {
		e.update(e.as(agent), c.ID, func(f *customer.ContactFields) { f.GivenName = jsonOf(i) })
	}
	co := e.company(e.as(admin), customer.CompanyFields{Name: "co"})
	_, err := e.acc.AuditLog(e.as(agent), account.AuditFilter{})
	wantKind(t, err, crm.KindForbidden)
	tests := []struct {
		name   string
		filter account.AuditFilter
		want   int
		check  func(crm.AuditEntry) bool
	}{
		{"all", account.AuditFilter{}, 11, nil}, // 2 users, 1 user audit each, 5 contact, 1 company... counted below
		{"contact", account.AuditFilter{RecordType: "contact", RecordID: c.ID}, 5, func(en crm.AuditEntry) bool { return en.RecordID == c.ID && en.RecordType == "contact" }},
		{"by agent", account.AuditFilter{ActorID: agent.ID}, 5, func(en crm.AuditEntry) bool { return *en.ActorID == agent.ID }},
		{"by admin", account.AuditFilter{ActorID: admin.ID}, 1, func(en crm.AuditEntry) bool { return en.RecordID == co.ID }},
		{"companies", account.AuditFilter{RecordType: "company"}, 1, nil},
		{"users", account.AuditFilter{RecordType: account.RecordUser}, 2, func(en crm.AuditEntry) bool { return en.ActorID == nil && en.ActorName == "system" }},
		{"nothing", account.AuditFilter{RecordType: "contact", RecordID: 99999}, 0, nil},
	}
	all := e.auditLog(account.AuditFilter{})
	tests[0].want = len(all)
	if len(all) != 8 {
		t.Errorf("%d entries in the log; want 2 users, 5 contact changes and a company", len(all))
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := e.auditLog(tt.filter)
			if len(got) != tt.want {
				t.Errorf("%d entries; want %d", len(got), tt.want)
			}
			for i, en := range got {
				if tt.check != nil && !tt.check(en) {
					t.Errorf("entry %s", jsonOf(en))
				}
				if i > 0 && en.ID >= got[i-1].ID {
					t.Errorf("entries not newest first")
				}
			}
		})
	}
	_, err = e.acc.AuditLog(e.sys, account.AuditFilter{Cursor: "garbage!"})
	wantKind(t, err, crm.KindMalformed)
}
