package api_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/http/api"
	"github.com/guanxi-crm/guanxi/internal/testenv"
)

// The fuzz targets drive the real handler, in process, over a real store of
// each engine available (PostgreSQL refuses some input SQLite takes, such as
// NUL). Their invariant is the one the API promises: bad input gets a 4xx
// problem and changes nothing; it never gets a 500.

// servers starts a server on each available engine.
func servers(f *testing.F) []*testenv.Server {
	var out []*testenv.Server
	for _, engine := range testenv.AvailableEngines(f) {
		out = append(out, testenv.StartServer(f, engine))
	}
	return out
}

func serve(tb testing.TB, s *testenv.Server, method, target, body string, headers ...string) *httptest.ResponseRecorder {
	path, query, _ := strings.Cut(target, "?")
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.URL.RawQuery = query // as sent: any bytes a client puts there
	req.Header.Set("Authorization", "Bearer "+s.AdminToken)
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	rec := httptest.NewRecorder()
	s.Handler.ServeHTTP(rec, req)
	return rec
}

func countContacts(tb testing.TB, s *testenv.Server) int64 {
	page, err := s.Customers.ListContacts(crm.WithPrincipal(context.Background(), crm.System), customer.ListParams{Deleted: customer.DeletedInclude})
	if err != nil {
		tb.Fatal(err)
	}
	return page.Total.Value
}

func checkAnswer(t *testing.T, rec *httptest.ResponseRecorder, what string) {
	t.Helper()
	if rec.Code >= 500 {
		t.Fatalf("%s: %d %s", what, rec.Code, rec.Body)
	}
	if rec.Code >= 400 && rec.Header().Get("Content-Type") != "application/problem+json" {
		t.Fatalf("%s: %d answered as %q", what, rec.Code, rec.Header().Get("Content-Type"))
	}
}

func FuzzCreateContactBody(f *testing.F) {
	for _, seed := range []string{
		`{"family_name":"王","given_name":"小李","emails":[{"address":"li@example.com"}],"phones":[{"number":"0912-345-678"}]}`,
		`{"display_name":"x","birthday":"--02-29","anniversaries":[{"label":"wedding","date":"2019-10-10"}]}`,
		`{"display_name":"x","consent":{"email":{"status":"granted","source":"web"}},"address":{"country":"tw"}}`,
		`{"display_name":"x","custom":{"tier":"gold"},"tags":["a",""," b "]}`,
		`{"emails":[{"address":"a@b"}]}`, `{"phones":[{"number":"+1 (415) 555-0100 ext. 9"}]}`,
		`{}`, `[]`, `null`, `{"display_name":"\u0000"}`, `{"display_name":"x","address":{"city":"\u0000"}}`, `{"owner_id":-1}`, `{"preferred_language":"zh_hant_tw"}`,
	} {
		f.Add(seed)
	}
	all := servers(f)
	f.Fuzz(func(t *testing.T, body string) {
		for _, s := range all {
			before := countContacts(t, s)
			rec := serve(t, s, http.MethodPost, "/api/v1/contacts?allow_duplicate=true", body)
			checkAnswer(t, rec, body)
			after := countContacts(t, s)
			switch {
			case rec.Code == http.StatusCreated && after != before+1:
				t.Fatalf("%s: 201 but %d → %d contacts", s.Store.Dialect(), before, after)
			case rec.Code >= 400 && after != before:
				t.Fatalf("%s: %d but %d → %d contacts: %s", s.Store.Dialect(), rec.Code, before, after, rec.Body)
			}
		}
	})
}

func FuzzPatchContactBody(f *testing.F) {
	for _, seed := range []string{
		`{"given_name":null}`, `{"emails":[{"address":"NEW@example.com"}]}`, `{"custom":{"x":null}}`,
		`{"consent":{"sms":{"status":"denied"}}}`, `{"owner_id":null,"team_id":5}`, `{"lifecycle_stage":"loyal"}`, `[]`, `"x"`, `{"id":5}`,
	} {
		f.Add(seed, `"1"`)
	}
	all := servers(f)
	ctx := crm.WithPrincipal(context.Background(), crm.System)
	targets := make([]int64, len(all))
	for i, s := range all {
		c, err := s.Customers.CreateContact(ctx, customer.ContactFields{DisplayName: "Fuzz Target", Emails: []customer.Email{{Address: "fuzz@example.com"}}}, customer.WriteOptions{})
		if err != nil {
			f.Fatal(err)
		}
		targets[i] = c.ID
	}
	f.Fuzz(func(t *testing.T, body, ifMatch string) {
		for i, s := range all {
			before, err := s.Customers.GetContact(ctx, targets[i])
			if err != nil {
				t.Fatal(err)
			}
			rec := serve(t, s, http.MethodPatch, "/api/v1/contacts/"+itoa(targets[i]), body, "If-Match", ifMatch)
			checkAnswer(t, rec, body)
			after, err := s.Customers.GetContact(ctx, targets[i])
			if err != nil {
				t.Fatal(err)
			}
			if rec.Code >= 400 && after.Version != before.Version {
				t.Fatalf("%s: %d but the version moved %d → %d", s.Store.Dialect(), rec.Code, before.Version, after.Version)
			}
		}
	})
}

func FuzzBatchBody(f *testing.F) {
	f.Add(`{"items":[{"display_name":"a"},{"emails":5},{}]}`)
	f.Add(`{"items":[{"display_name":"a","emails":[{"address":"d@x.tw"}]},{"display_name":"b","emails":[{"address":"d@x.tw"}]}]}`)
	f.Add(`{"items":null}`)
	f.Add(`{"items":[null,1,"x",[]]}`)
	all := servers(f)
	f.Fuzz(func(t *testing.T, body string) {
		for _, s := range all {
			before := countContacts(t, s)
			rec := serve(t, s, http.MethodPost, "/api/v1/contacts/batch", body)
			checkAnswer(t, rec, body)
			if rec.Code != http.StatusOK && countContacts(t, s) != before {
				t.Fatalf("%s: %d but contacts were created", s.Store.Dialect(), rec.Code)
			}
		}
	})
}

func FuzzListQuery(f *testing.F) {
	for _, seed := range []string{
		"q=小李&filter[city]=台北市&sort=-created_at&limit=5",
		"filter[lifecycle_stage][in]=lead,prospect&filter[created_at][gte]=2020-01-01",
		"filter[tag][exists]=true&filter[owner_id]=me&deleted=include",
		"filter[custom.tier]=gold&sort=custom.tier", "filter[email][prefix]=a", "filter[phone]=0912345678",
		"cursor=eyJzIjoiLWNyZWF0ZWRfYXQiLCJ2IjoxLCJpZCI6MX0&sort=-created_at", "filter[[x]]=1", "q=%00", "limit=-1", "filter[city]=%FF%FE", "q=%E7%8E", "filter[city][in]=a%00b,c",
	} {
		f.Add(seed)
	}
	all := servers(f)
	ctx := crm.WithPrincipal(context.Background(), crm.System)
	for _, s := range all {
		if _, err := s.Customers.CreateContacts(ctx, []customer.ContactFields{
			{FamilyName: "王", GivenName: "小李", Address: customer.Address{City: "台北市"}, Tags: []string{"vip"}},
			{DisplayName: "Ann Lee", Emails: []customer.Email{{Address: "ann@example.com"}}},
		}, customer.WriteOptions{}); err != nil {
			f.Fatal(err)
		}
	}
	f.Fuzz(func(t *testing.T, query string) {
		for _, s := range all {
			rec := serve(t, s, http.MethodGet, "/api/v1/contacts?"+query, "")
			checkAnswer(t, rec, s.Store.Dialect()+": "+query)
		}
	})
}

func FuzzParseFilters(f *testing.F) {
	for _, seed := range []string{"filter[city]=x", "filter[a.b][in]=1,2,,3", "filter[x][zz]=1", "filter=1", "filter[]=", "filter[city][eq][eq]=1"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		conds, err := api.ParseFilters(q)
		if err != nil {
			return
		}
		for _, c := range conds {
			if c.Field == "" || c.Op == "" || len(c.Values) == 0 {
				t.Fatalf("incomplete condition %+v from %q", c, raw)
			}
		}
	})
}
