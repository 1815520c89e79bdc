package app_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/guanxi-crm/guanxi/internal/store"
	"github.com/guanxi-crm/guanxi/internal/testenv"
)

// TestKilledMidIngest kills the server (SIGKILL, no goodbye) while it is
// storing NDJSON batches of events, starts it again, and checks that every
// event it acknowledged is there exactly once, that sending every batch
// again stores each event once, and that the database is sound.
func TestKilledMidIngest(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the guanxi binary")
	}
	bin := filepath.Join(t.TempDir(), "guanxi")
	build := exec.Command("go", "build", "-o", bin, "github.com/guanxi-crm/guanxi/cmd/guanxi")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	for _, engine := range testenv.AvailableEngines(t) {
		t.Run(engine, func(t *testing.T) {
			env := []string{"GUANXI_LOG_LEVEL=warn"}
			if engine == "sqlite" {
				env = append(env, "GUANXI_DATA="+t.TempDir())
			} else {
				env = append(env, "GUANXI_DATABASE="+testenv.PostgresSchemaURL(t))
			}
			guanxi := func(stdin string, args ...string) string {
				cmd := exec.Command(bin, args...)
				cmd.Env, cmd.Stdin = append(os.Environ(), env...), strings.NewReader(stdin)
				out, err := cmd.Output()
				if err != nil {
					t.Fatalf("guanxi %v: %v", args, err)
				}
				return strings.TrimSpace(string(out))
			}
			guanxi("", "migrate")
			guanxi("a long enough password\n", "user", "add", "--email", "ops@example.com", "--name", "Ops", "--role", "admin", "--password-stdin")
			token := guanxi("", "token", "create", "--email", "ops@example.com", "--name", "crash test")

			const batches, perBatch = 12, 2000
			body := func(b int) []byte {
				var buf bytes.Buffer
				for i := range perBatch {
					fmt.Fprintf(&buf, `{"type":"page_view","channel":"web","client_event_id":"b%d-e%d","customer":{"external_id":"c%d"},"properties":{"i":%d}}`+"\n",
						b, i, (b*perBatch+i)%500, i)
				}
				return buf.Bytes()
			}
			acked := map[string]bool{}
			send := func(url string, b int) (bool, error) {
				req, _ := http.NewRequest(http.MethodPost, url+"/api/v1/events/batch", bytes.NewReader(body(b)))
				req.Header.Set("Authorization", "Bearer "+token)
				req.Header.Set("Content-Type", "application/x-ndjson")
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					return false, err
				}
				defer resp.Body.Close()
				var out struct {
					Stored, Duplicates, Failed int
				}
				if resp.StatusCode != 200 || json.NewDecoder(resp.Body).Decode(&out) != nil {
					return false, fmt.Errorf("status %d", resp.StatusCode)
				}
				if out.Failed != 0 || out.Stored+out.Duplicates != perBatch {
					t.Fatalf("batch %d: %+v", b, out)
				}
				for i := range perBatch {
					acked[fmt.Sprintf("b%d-e%d", b, i)] = true
				}
				return true, nil
			}

			// First life: send batches until the server is killed.
			srv, url := startServer(t, bin, env)
			killed := make(chan struct{})
			go func() {
				defer close(killed)
				time.Sleep(1500 * time.Millisecond) // a few batches in, one in flight
				srv.Process.Kill()
				srv.Wait()
			}()
			sent := 0
			for b := range batches {
				if ok, _ := send(url, b); !ok {
					break
				}
				sent = b + 1
			}
			<-killed
			t.Logf("%d of %d batches acknowledged before the kill", sent, batches)

			// Second life: what was acknowledged is there, once.
			srv, url = startServer(t, bin, env)
			counts := countEvents(t, engine, env)
			for id := range acked {
				if counts[id] != 1 {
					t.Fatalf("acknowledged event %s stored %d times", id, counts[id])
				}
			}
			for id, n := range counts {
				if n != 1 {
					t.Fatalf("event %s stored %d times", id, n)
				}
			}
			// Sending everything again stores each event once.
			for b := range batches {
				if ok, err := send(url, b); !ok {
					t.Fatalf("batch %d after the restart: %v", b, err)
				}
			}
			srv.Process.Signal(os.Interrupt)
			srv.Wait()
			counts = countEvents(t, engine, env)
			if len(counts) != batches*perBatch {
				t.Fatalf("%d events stored; want %d", len(counts), batches*perBatch)
			}
			for id, n := range counts {
				if n != 1 {
					t.Fatalf("event %s stored %d times", id, n)
				}
			}
			if engine == "sqlite" {
				checkIntegrity(t, env)
			}
		})
	}
}

// startServer runs guanxi serve on a free port until the test ends and
// waits until it answers.
func startServer(t *testing.T, bin string, env []string) (*exec.Cmd, string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(bin, "serve", "--addr", addr)
	cmd.Env = append(os.Environ(), env...)
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	url := "http://" + addr
	for deadline := time.Now().Add(30 * time.Second); ; {
		if resp, err := http.Get(url + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return cmd, url
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the server did not start:\n%s", logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// countEvents counts the stored events by client event id, reading the
// database directly.
func countEvents(t *testing.T, engine string, env []string) map[string]int {
	t.Helper()
	db := openDB(t, engine, env)
	rows, err := db.QueryContext(context.Background(), "SELECT client_event_id, count(*) FROM events GROUP BY client_event_id")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	counts := map[string]int{}
	for rows.Next() {
		var id string
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			t.Fatal(err)
		}
		counts[id] = n
	}
	return counts
}

func openDB(t *testing.T, engine string, env []string) *sql.DB {
	t.Helper()
	cfg := store.Config{}
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "GUANXI_DATA="); ok {
			cfg.Dir = v
		}
		if v, ok := strings.CutPrefix(kv, "GUANXI_DATABASE="); ok {
			cfg.URL = v
		}
	}
	st, err := store.Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st.ReadDB()
}

func checkIntegrity(t *testing.T, env []string) {
	t.Helper()
	db := openDB(t, "sqlite", env)
	var result string
	if err := db.QueryRow("PRAGMA integrity_check").Scan(&result); err != nil || result != "ok" {
		t.Fatalf("integrity check: %q, %v", result, err)
	}
	var fk int
	if err := db.QueryRow("SELECT count(*) FROM pragma_foreign_key_check").Scan(&fk); err != nil || fk != 0 {
		t.Fatalf("foreign key check: %d rows, %v", fk, err)
	}
}
