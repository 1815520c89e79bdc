package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/guanxi-crm/guanxi/internal/account"
	"github.com/guanxi-crm/guanxi/internal/app"
	"github.com/guanxi-crm/guanxi/internal/config"
	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/jobs"
	"github.com/guanxi-crm/guanxi/internal/lead"
	"github.com/guanxi-crm/guanxi/internal/testenv"
)

// life is one run of a server over a database that outlives it.
type life struct {
	*app.App
	url  string
	stop func()
}

// startLife opens the app over cfg's database and serves it until stop.
func startLife(t *testing.T, cfg config.Config) *life {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	a, err := app.Open(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		cancel()
		t.Fatalf("open app: %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- a.Serve(ctx, ln) }()
	l := &life{App: a, url: "http://" + ln.Addr().String()}
	stopped := false
	l.stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	}
	t.Cleanup(func() { l.stop(); a.Close() })
	return l
}

func (l *life) do(t *testing.T, token, method, path, body string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, l.url+path, bytes.NewBufferString(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if method == http.MethodPatch {
		req.Header.Set("Content-Type", "application/merge-patch+json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	var doc map[string]any
	raw, _ := io.ReadAll(resp.Body)
	_ = json.Unmarshal(raw, &doc)
	return resp.StatusCode, doc
}

// TestLeadRecyclingSurvivesARestart claims a lead, stops the server, lets
// the claim's recycle days pass while it is down, and starts it again: the
// durable job the claim scheduled returns the lead to its pool.
func TestLeadRecyclingSurvivesARestart(t *testing.T) {
	for _, engine := range testenv.AvailableEngines(t) {
		t.Run(engine, func(t *testing.T) {
			cfg := config.Defaults()
			cfg.LogLevel = "warn"
			if engine == "sqlite" {
				cfg.DataDir = t.TempDir()
			} else {
				cfg.DatabaseURL = testenv.PostgresSchemaURL(t)
			}

			// First life: the pool recycles after 2 days; an agent claims.
			first := startLife(t, cfg)
			sys := crm.WithPrincipal(context.Background(), crm.System)
			if _, _, err := first.Accounts.EnsureAdmin(sys, "admin@example.com", "Admin"); err != nil {
				t.Fatal(err)
			}
			_, adminToken, err := first.Accounts.CreateToken(sys, 1, "tests", nil)
			if err != nil {
				t.Fatal(err)
			}
			agent, err := first.Accounts.CreateUser(sys, account.UserFields{Email: "agent@example.com", Name: "Agent", Role: crm.RoleAgent}, "")
			if err != nil {
				t.Fatal(err)
			}
			_, agentToken, err := first.Accounts.CreateToken(sys, agent.ID, "tests", nil)
			if err != nil {
				t.Fatal(err)
			}
			status, doc := first.do(t, adminToken, http.MethodGet, "/api/v1/pools", "")
			pool := strconv.FormatInt(int64(doc["items"].([]any)[0].(map[string]any)["id"].(float64)), 10)
			if status, doc = first.do(t, adminToken, http.MethodPatch, "/api/v1/pools/"+pool, `{"recycle_days":2}`); status != 200 {
				t.Fatalf("pool: %d %v", status, doc)
			}
			status, doc = first.do(t, adminToken, http.MethodPost, "/api/v1/leads", `{"name":"公海潛在客戶","unowned":true}`)
			if status != 201 {
				t.Fatalf("lead: %d %v", status, doc)
			}
			id := strconv.FormatInt(int64(doc["id"].(float64)), 10)
			if status, doc = first.do(t, agentToken, http.MethodPost, "/api/v1/leads/"+id+"/claim", ""); status != 201 {
				t.Fatalf("claim: %d %v", status, doc)
			}
			first.stop()

			// Three days pass while no server runs.
			backdate(t, first.App, 3*24*time.Hour)
			first.Close()

			// Second life: the claim's job is due, and a runner takes it.
			second := startLife(t, cfg)
			deadline := time.Now().Add(30 * time.Second)
			for {
				status, doc = second.do(t, adminToken, http.MethodGet, "/api/v1/leads/"+id, "")
				if status != 200 {
					t.Fatalf("lead: %d %v", status, doc)
				}
				if doc["owner_id"] == nil {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("the lead was not recycled: %v", doc)
				}
				time.Sleep(200 * time.Millisecond)
			}
			_, audit := second.do(t, adminToken, http.MethodGet, "/api/v1/leads/"+id+"/audit", "")
			newest := audit["items"].([]any)[0].(map[string]any)
			if newest["actor_id"] != nil || !strings.Contains(jsonBody(newest["changes"]), `"recycled"`) {
				t.Errorf("the newest entry is not the system's recycling: %v", newest)
			}
			// The claim's own job ran (the hourly sweep may have come
			// first; then the job found nothing left to do).
			for {
				page, err := second.Jobs.List(sys, jobs.Filter{Kind: lead.JobRecycle, Limit: 50})
				if err != nil {
					t.Fatal(err)
				}
				var claimJob *jobs.Job
				for _, j := range page.Items {
					if strings.HasPrefix(j.Key, "lead:"+id+"@") {
						claimJob = j
					}
				}
				if claimJob == nil {
					t.Fatalf("no job for the claim among %s", jsonBody(page.Items))
				}
				if claimJob.Status == jobs.StatusSucceeded {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("the claim's job: %s", jsonBody(claimJob))
				}
				time.Sleep(200 * time.Millisecond)
			}
			// The agent may claim it again only after the protection days
			// (none here): at once.
			if status, doc = second.do(t, agentToken, http.MethodPost, "/api/v1/leads/"+id+"/claim", ""); status != 201 {
				t.Errorf("claim again: %d %v", status, doc)
			}
		})
	}
}

// backdate moves the claims and the queued recycle jobs back by d, as if d
// had passed.
func backdate(t *testing.T, a *app.App, d time.Duration) {
	t.Helper()
	db := a.Store.DB()
	var shift any = d.Microseconds()
	claims := "UPDATE lead_pool_claims SET claimed_at = claimed_at - ?"
	queued := "UPDATE jobs SET run_at = run_at - ? WHERE kind = 'lead.pool.recycle' AND status = 'queued'"
	if a.Store.Dialect() == "postgres" {
		shift = strconv.FormatInt(int64(d.Hours()), 10) + " hours"
		claims = "UPDATE lead_pool_claims SET claimed_at = claimed_at - CAST($1 AS INTERVAL)"
		queued = "UPDATE jobs SET run_at = run_at - CAST($1 AS INTERVAL) WHERE kind = 'lead.pool.recycle' AND status = 'queued'"
	}
	for _, q := range []string{claims, queued} {
		res, err := db.Exec(q, shift)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			t.Fatalf("%s: no rows", q)
		}
	}
}
