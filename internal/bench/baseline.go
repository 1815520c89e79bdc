package bench

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/guanxi-crm/guanxi/internal/app"
)

// bareBody is the bare handler's answer: 300 bytes of JSON, about a small
// contact.
var bareBody = func() []byte {
	b := []byte(`{"id":12345,"version":3,"display_name":"王小李","emails":[{"address":"xiaoli.wang@example.com","label":"work"}],"phones":[{"number":"+886912345678","label":"mobile"}],"city":"台北市","lifecycle_stage":"customer","pad":"`)
	for len(b) < 298 {
		b = append(b, 'x')
	}
	return append(b, `"}`...)
}()

// bareServer serves the baselines: a net/http handler returning a fixed
// 300-byte body, and one doing a primary-key lookup of a contact on the
// app's read pool, each as plain as a handler can be.
type bareServer struct {
	url   string
	srv   *http.Server
	stmt  *sql.Stmt
	close func()
}

func startBare(ctx context.Context, a *app.App) (*bareServer, error) {
	q := "SELECT id, version, display_name, emails, phones, city, lifecycle_stage FROM contacts WHERE id = ?"
	if a.Store.Dialect() == "postgres" {
		q = strings.Replace(q, "?", "$1", 1)
	}
	stmt, err := a.Store.ReadDB().PrepareContext(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("bench: the lookup baseline: %w", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /bare", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(bareBody)
	})
	mux.HandleFunc("GET /lookup/{id}", func(w http.ResponseWriter, r *http.Request) {
		id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
		if err != nil {
			http.Error(w, "bad id", http.StatusBadRequest)
			return
		}
		var (
			version           int64
			name, city, stage string
			emails, phones    []byte
		)
		err = stmt.QueryRowContext(r.Context(), id).Scan(&id, &version, &name, &emails, &phones, &city, &stage)
		if errors.Is(err, sql.ErrNoRows) {
			http.Error(w, "not found", http.StatusNotFound)
			return
		} else if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		b := make([]byte, 0, 512)
		b = append(b, `{"id":`...)
		b = strconv.AppendInt(b, id, 10)
		b = append(b, `,"version":`...)
		b = strconv.AppendInt(b, version, 10)
		b = append(b, `,"display_name":`...)
		b = strconv.AppendQuote(b, name)
		b = append(b, `,"emails":`...)
		b = append(b, emails...)
		b = append(b, `,"phones":`...)
		b = append(b, phones...)
		b = append(b, `,"city":`...)
		b = strconv.AppendQuote(b, city)
		b = append(b, `,"lifecycle_stage":`...)
		b = strconv.AppendQuote(b, stage)
		b = append(b, "}\n"...)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(b)
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		stmt.Close()
		return nil, err
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	b := &bareServer{url: "http://" + ln.Addr().String(), srv: srv, stmt: stmt}
	b.close = func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
		stmt.Close()
	}
	return b, nil
}

func bareOp(e *env, _ int) op {
	return func(ctx context.Context) result {
		res, body := e.bare.get(ctx, "/bare")
		if res.err == nil && len(body) != len(bareBody) {
			res.wrong = fmt.Sprintf("%d bytes instead of %d", len(body), len(bareBody))
		}
		return res
	}
}

func lookupOp(e *env, w int) op {
	r := e.rng(w, 1)
	return func(ctx context.Context) result {
		res, _ := e.bare.get(ctx, "/lookup/"+strconv.FormatInt(e.randomID(r), 10))
		return res
	}
}

// runAll runs the baselines, then each scenario through the service and
// over HTTP, each measurement right after its baseline so that they see the
// machine alike.
func runAll(ctx context.Context, e *env, scenarios []*scenario, rep *Report) error {
	cfg := e.cfg
	measure := func(title, key, via, unit string, d time.Duration, client func(e *env, w int) op) (*Row, error) {
		cfg.logf("measuring %s via %s (%s)", title, via, d)
		m := measurement{
			concurrency: cfg.Concurrency,
			warmup:      min(time.Second, d/10),
			duration:    d,
			maxOps:      cfg.MaxOps,
			client:      func(w int) op { return client(e, w) },
		}
		if unit == "contacts" {
			m.warmup = 0 // every batch counts: the pool is bounded
		}
		e.mem.startRow()
		t, err := m.run(ctx)
		if err != nil {
			return nil, err
		}
		row := newRow(title, key, via, unit, t)
		p := e.mem.endRow()
		row.PeakRSS, row.PeakHeap = p.rss, p.heap
		rep.Rows = append(rep.Rows, row)
		if row.Failed() {
			cfg.logf("  %s", row.problemLine())
		}
		return row, nil
	}
	bare, err := measure("bare HTTP, 300 B", "bare", viaBare, "req", cfg.BaselineDuration, bareOp)
	if err != nil {
		return err
	}
	lookup, err := measure(e.lookupName, "bare+lookup", viaBare, "req", cfg.BaselineDuration, lookupOp)
	if err != nil {
		return err
	}
	lookup.ratio(bare, "bare HTTP")
	for _, s := range scenarios {
		if s.run != nil {
			if err := s.run(ctx, e, s, rep); err != nil {
				return fmt.Errorf("bench: %s: %w", s.key, err)
			}
			continue
		}
		if s.prepare != nil {
			if err := s.prepare(ctx, e); err != nil {
				return fmt.Errorf("bench: preparing %s: %w", s.key, err)
			}
		}
		svc, err := measure(s.title, s.key, viaService, s.unit, cfg.BaselineDuration, s.service)
		if err != nil {
			return err
		}
		h, err := measure(s.title, s.key, viaHTTP, s.unit, cfg.Duration, s.http)
		if err != nil {
			return err
		}
		if s.key == "get" {
			h.ratio(lookup, "bare+lookup")
		}
		h.ratio(svc, "service")
		h.Target = s.target(e, h, svc, lookup)
	}
	return nil
}
