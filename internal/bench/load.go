package bench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// result is the outcome of one operation.
type result struct {
	// units is the work done when it succeeded (contacts created); 0
	// counts as 1.
	units int
	// status is the HTTP status (0 for an operation without HTTP).
	status int
	// err is a failure: of the transport, or of the service.
	err error
	// wrong says why a successful answer is wrong (a search that found
	// nothing for a name that exists, an update that saved nothing).
	wrong string
	// body is kept for the message of a non-2xx answer.
	body []byte
	// latency, when set, is the time the operation took, for one that
	// prepares its request before the clock starts.
	latency time.Duration
	// done means there was no work left (the create pool ran out); it is
	// not an operation.
	done bool
}

// op runs one operation; each client has its own, with its own state.
type op func(ctx context.Context) result

// measurement is one row of the report: clients running an operation until
// the time or the count is up.
type measurement struct {
	concurrency int
	// warmup runs before the clock starts, duration after.
	warmup, duration time.Duration
	maxOps           int64
	// client makes client w's operation.
	client func(w int) op
}

// tally is what a measurement saw.
type tally struct {
	ok, units, errors, wrong int64
	non2xx                   map[int]int64
	firstProblem             string
	latencies                []time.Duration // of the operations that succeeded
	elapsed                  time.Duration
}

func (t *tally) add(r result, d time.Duration) {
	switch {
	case r.err != nil:
		t.errors++
		t.problem(r.err.Error())
	case r.status != 0 && (r.status < 200 || r.status > 299):
		if t.non2xx == nil {
			t.non2xx = map[int]int64{}
		}
		t.non2xx[r.status]++
		t.problem(fmt.Sprintf("HTTP %d: %.300s", r.status, bytes.TrimSpace(r.body)))
	case r.wrong != "":
		t.wrong++
		t.problem(r.wrong)
	default:
		t.ok++
		t.units += int64(max(r.units, 1))
		t.latencies = append(t.latencies, d)
	}
}

func (t *tally) problem(s string) {
	if t.firstProblem == "" {
		t.firstProblem = s
	}
}

func (t *tally) merge(o *tally) {
	t.ok += o.ok
	t.units += o.units
	t.errors += o.errors
	t.wrong += o.wrong
	for k, v := range o.non2xx {
		if t.non2xx == nil {
			t.non2xx = map[int]int64{}
		}
		t.non2xx[k] += v
	}
	t.problem(o.firstProblem)
	t.latencies = append(t.latencies, o.latencies...)
}

// run runs a measurement. Operations begun during the warm-up are not
// counted; the clock stops when the last client has stopped, so that
// operations in flight at the deadline count within the time they took.
// At least one operation is counted.
func (m measurement) run(ctx context.Context) (*tally, error) {
	start := time.Now()
	from := start.Add(m.warmup)
	deadline := from.Add(m.duration)
	var started atomic.Int64
	tallies := make([]tally, m.concurrency)
	var wg sync.WaitGroup
	for w := range m.concurrency {
		run := m.client(w)
		wg.Go(func() {
			t := &tallies[w]
			for ctx.Err() == nil {
				t0 := time.Now()
				// Past the deadline a client stops, unless nothing was
				// counted yet: on a loaded machine an operation begun in
				// the warm-up can outlast a short measurement, which
				// would then report no operation at all.
				if !t0.Before(deadline) && started.Load() > 0 {
					return
				}
				counted := !t0.Before(from)
				if counted && started.Add(1) > m.maxOps {
					return
				}
				r := run(ctx)
				d := time.Since(t0)
				if r.latency > 0 {
					d = r.latency
				}
				if r.done {
					return
				}
				if counted && ctx.Err() == nil {
					t.add(r, d)
				}
			}
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	total := &tally{elapsed: max(time.Since(from), time.Microsecond)}
	for i := range tallies {
		total.merge(&tallies[i])
	}
	slices.Sort(total.latencies)
	return total, nil
}

// percentile is the latency below which p (0–1) of the operations finished.
func (t *tally) percentile(p float64) time.Duration {
	n := len(t.latencies)
	if n == 0 {
		return 0
	}
	i := int(float64(n)*p+0.999999) - 1
	return t.latencies[min(max(i, 0), n-1)]
}

func (t *tally) mean() time.Duration {
	if len(t.latencies) == 0 {
		return 0
	}
	var sum time.Duration
	for _, d := range t.latencies {
		sum += d
	}
	return sum / time.Duration(len(t.latencies))
}

// client is an HTTP client of one server, shared by a measurement's
// clients (each keeps a connection of its own).
type client struct {
	base, auth string
	hc         *http.Client
	tr         *http.Transport
	bufs       sync.Pool
}

func newClient(base, token string, concurrency int) *client {
	tr := &http.Transport{
		Proxy:               nil,
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        2 * concurrency,
		MaxIdleConnsPerHost: 2 * concurrency,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
	}
	c := &client{base: base, hc: &http.Client{Transport: tr, Timeout: 60 * time.Second}, tr: tr}
	if token != "" {
		c.auth = "Bearer " + token
	}
	c.bufs.New = func() any { return new(bytes.Buffer) }
	return c
}

func (c *client) close() { c.tr.CloseIdleConnections() }

// do sends a request and reads the whole answer. header is set on the
// request (pairs of name and value).
func (c *client) do(ctx context.Context, method, path string, body []byte, header []string) (status int, respBody []byte, h http.Header, err error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return 0, nil, nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.auth != "" {
		req.Header.Set("Authorization", c.auth)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	buf := c.bufs.Get().(*bytes.Buffer)
	buf.Reset()
	_, err = buf.ReadFrom(resp.Body)
	respBody = bytes.Clone(buf.Bytes())
	c.bufs.Put(buf)
	if err != nil {
		return resp.StatusCode, nil, nil, err
	}
	return resp.StatusCode, respBody, resp.Header, nil
}

// get is an operation's GET: the answer, or the result of a failure.
func (c *client) get(ctx context.Context, path string) (result, []byte) {
	status, body, _, err := c.do(ctx, http.MethodGet, path, nil, nil)
	return result{status: status, err: err, body: body}, body
}

// etagVersion reads a version from an ETag ("3").
func etagVersion(h http.Header) (int64, error) {
	v := h.Get("ETag")
	if len(v) < 3 || v[0] != '"' || v[len(v)-1] != '"' {
		return 0, errors.New("no ETag")
	}
	return strconv.ParseInt(v[1:len(v)-1], 10, 64)
}
