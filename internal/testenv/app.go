package testenv

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/guanxi-crm/guanxi/internal/app"
	"github.com/guanxi-crm/guanxi/internal/config"
	"github.com/guanxi-crm/guanxi/internal/crm"
)

// Server is a running Guanxi on a loopback port.
type Server struct {
	*app.App
	URL string
	// AdminToken is an API token of the admin created at start.
	AdminToken string
	Client     *http.Client
	// Logs holds every log record the server wrote, as JSON lines; warnings
	// and errors also go to the test log.
	Logs *LogBuffer
}

// LogBuffer collects log lines; it is safe for concurrent use.
type LogBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *LogBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns what was logged so far.
func (b *LogBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// StartServer runs Guanxi over a fresh database of the named engine
// ("sqlite" or "postgres") until the test ends.
func StartServer(tb testing.TB, engine string) *Server {
	tb.Helper()
	cfg := config.Defaults()
	cfg.LogLevel = "warn"
	switch engine {
	case "sqlite":
		cfg.DataDir = tb.TempDir()
	case "postgres":
		cfg.DatabaseURL = PostgresSchemaURL(tb)
	default:
		tb.Fatalf("unknown engine %q", engine)
	}
	logs := &LogBuffer{}
	var logger *slog.Logger
	if _, fuzzing := tb.(*testing.F); fuzzing {
		// A fuzz target may not log through its F: the records stay in Logs.
		logger = slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	} else {
		logger = slog.New(slog.NewMultiHandler(
			slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo}),
			slog.NewTextHandler(testWriter{tb}, &slog.HandlerOptions{Level: slog.LevelWarn})))
	}
	ctx, cancel := context.WithCancel(context.Background())
	a, err := app.Open(ctx, cfg, logger)
	if err != nil {
		cancel()
		tb.Fatalf("open app: %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		cancel()
		tb.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- a.Serve(ctx, ln) }()
	tb.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			tb.Errorf("serve: %v", err)
		}
		a.Close()
	})
	s := &Server{App: a, URL: "http://" + ln.Addr().String(), Client: &http.Client{Timeout: 60 * time.Second}, Logs: logs}
	sys := crm.WithPrincipal(context.Background(), crm.System)
	if _, _, err := a.Accounts.EnsureAdmin(sys, "admin@example.com", "Admin"); err != nil {
		tb.Fatal(err)
	}
	_, secret, err := a.Accounts.CreateToken(sys, 1, "tests", nil)
	if err != nil {
		tb.Fatal(err)
	}
	s.AdminToken = secret
	return s
}

// ForEachServer runs f as a subtest against a server on each engine.
func ForEachServer(t *testing.T, f func(t *testing.T, s *Server)) {
	for _, st := range Stores() {
		t.Run(st.Name, func(t *testing.T) { f(t, StartServer(t, st.Name)) })
	}
}

// Response is an answer read whole.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body into v, failing the test when it is not JSON.
func (r *Response) JSON(tb testing.TB, v any) {
	tb.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		tb.Fatalf("response %d is not JSON (%v): %s", r.Status, err, r.Body)
	}
}

// Map decodes a JSON object body.
func (r *Response) Map(tb testing.TB) map[string]any {
	tb.Helper()
	var m map[string]any
	r.JSON(tb, &m)
	return m
}

// Do sends a request with a token ("" for none) and reads the answer. body
// is sent as is when it is a string or []byte, else encoded as JSON.
func (s *Server) Do(tb testing.TB, token, method, path string, body any, headers ...string) *Response {
	tb.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			tb.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, s.URL+path, rd)
	if err != nil {
		tb.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := s.Client.Do(req)
	if err != nil {
		tb.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatal(err)
	}
	return &Response{Status: resp.StatusCode, Header: resp.Header, Body: raw}
}

// testWriter sends log lines to the test log.
type testWriter struct{ tb testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.tb.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
