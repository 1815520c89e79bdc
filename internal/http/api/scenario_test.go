package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/guanxi-crm/guanxi/internal/account"
	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/testenv"
)

// scenario is one request and what must come back. Scenarios of a table run
// in order against one server, so later ones can use what earlier ones
// created: save names values of the answer ({"c1": "id"}), and {c1} in the
// path, body or wanted values is replaced by the saved value.
type scenario struct {
	name    string
	as      string // who calls: a key of world.tokens, "" for nobody
	method  string
	path    string
	body    string
	headers []string
	status  int
	// want checks values of the JSON answer by path: "params.existing_id",
	// "items.0.display_name", "items.#" (a list's length), "errors.0.code".
	want map[string]any
	// header checks response headers: a value that starts with ~ is a
	// regular expression.
	header map[string]string
	save   map[string]string
	check  func(t *testing.T, w *world, r *testenv.Response)
}

// world is a server with a cast of users and their tokens.
type world struct {
	*testenv.Server
	tokens map[string]string
	ids    map[string]string
}

// newWorld starts a server with: the admin; a team "North" with a manager and
// an agent; a second agent in no team; a viewer.
func newWorld(t *testing.T, engine string) *world {
	s := testenv.StartServer(t, engine)
	w := &world{Server: s, tokens: map[string]string{"admin": s.AdminToken}, ids: map[string]string{"admin_id": "1"}}
	ctx := crm.WithPrincipal(context.Background(), crm.System)
	team, err := s.Accounts.CreateTeam(ctx, account.TeamFields{Name: "North"})
	if err != nil {
		t.Fatal(err)
	}
	w.ids["team"] = strconv.FormatInt(team.ID, 10)
	for _, u := range []struct {
		key  string
		role crm.Role
		team bool
	}{{"manager", crm.RoleManager, true}, {"agent", crm.RoleAgent, true}, {"agent2", crm.RoleAgent, false}, {"viewer", crm.RoleViewer, false}} {
		user, err := s.Accounts.CreateUser(ctx, account.UserFields{Email: u.key + "@example.com", Name: u.key, Role: u.role}, "correct horse battery")
		if err != nil {
			t.Fatal(err)
		}
		if u.team {
			if _, err := s.Accounts.SetTeamMember(ctx, team.ID, user.ID, true); err != nil {
				t.Fatal(err)
			}
		}
		_, secret, err := s.Accounts.CreateToken(ctx, user.ID, "tests", nil)
		if err != nil {
			t.Fatal(err)
		}
		w.tokens[u.key] = secret
		w.ids[u.key+"_id"] = strconv.FormatInt(user.ID, 10)
	}
	return w
}

var placeholderRE = regexp.MustCompile(`\{([a-z0-9_]+)\}`)

func (w *world) fill(s string) string {
	return placeholderRE.ReplaceAllStringFunc(s, func(m string) string {
		if v, ok := w.ids[m[1:len(m)-1]]; ok {
			return v
		}
		return m
	})
}

// run plays scenarios in order; a failure stops the table, since later
// scenarios depend on earlier ones.
func (w *world) run(t *testing.T, scenarios []scenario) {
	t.Helper()
	for _, sc := range scenarios {
		ok := t.Run(sc.name, func(t *testing.T) {
			var body any
			if sc.body != "" {
				body = w.fill(sc.body)
			}
			headers := make([]string, len(sc.headers))
			for i, h := range sc.headers {
				headers[i] = w.fill(h)
			}
			r := w.Do(t, w.tokens[sc.as], sc.method, w.fill(sc.path), body, headers...)
			if r.Status != sc.status {
				t.Fatalf("%s %s: status %d, want %d; body: %s", sc.method, sc.path, r.Status, sc.status, r.Body)
			}
			if r.Status >= 400 && r.Header.Get("Content-Type") != "application/problem+json" {
				t.Errorf("error answered as %q, want application/problem+json", r.Header.Get("Content-Type"))
			}
			var doc any
			if len(sc.want) > 0 || len(sc.save) > 0 {
				r.JSON(t, &doc)
			}
			for name, path := range sc.save {
				v, found := lookup(doc, path)
				if !found {
					t.Fatalf("cannot save %s: no %s in %s", name, path, r.Body)
				}
				w.ids[name] = fmt.Sprint(v)
			}
			for path, want := range sc.want {
				got, found := lookup(doc, path)
				if ws, ok := want.(string); ok {
					want = w.fill(ws)
					if re, ok := strings.CutPrefix(ws, "~"); ok { // a regular expression
						if !found || !regexp.MustCompile(re).MatchString(fmt.Sprint(got)) {
							t.Errorf("%s = %v (found %v), want a match of %s; body: %s", path, got, found, re, r.Body)
						}
						continue
					}
				}
				if !found || fmt.Sprint(got) != fmt.Sprint(want) {
					t.Errorf("%s = %v (found %v), want %v; body: %s", path, got, found, want, r.Body)
				}
			}
			for name, want := range sc.header {
				got := r.Header.Get(name)
				if re, ok := strings.CutPrefix(want, "~"); ok {
					if !regexp.MustCompile(re).MatchString(got) {
						t.Errorf("header %s = %q, want match of %s", name, got, re)
					}
				} else if got != w.fill(want) {
					t.Errorf("header %s = %q, want %q", name, got, w.fill(want))
				}
			}
			if sc.check != nil {
				sc.check(t, w, r)
			}
		})
		if !ok {
			t.FailNow()
		}
	}
}

// lookup follows a dotted path into decoded JSON.
func lookup(doc any, path string) (any, bool) {
	cur := doc
	for _, part := range strings.Split(path, ".") {
		switch node := cur.(type) {
		case map[string]any:
			v, ok := node[part]
			if !ok {
				return nil, false
			}
			cur = v
		case []any:
			if part == "#" {
				return len(node), true
			}
			i, err := strconv.Atoi(part)
			if err != nil || i < 0 || i >= len(node) {
				return nil, false
			}
			cur = node[i]
		default:
			return nil, false
		}
	}
	if f, ok := cur.(float64); ok && f == float64(int64(f)) {
		return int64(f), true // ids print as 12, not 1.2e+01
	}
	return cur, true
}

func jsonBody(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}
