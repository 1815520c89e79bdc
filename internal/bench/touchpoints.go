package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/touchpoint"
)

// IngestBatch is the size of the NDJSON batches of the ingest scenario
// (BENCHMARKS.md). Runs below 10,000 contacts — the harness's own tests,
// measuring for a fraction of a second on a busy machine — send batches of
// smallIngestBatch, so that some complete in the time.
const (
	IngestBatch      = 1000
	smallIngestBatch = 100
)

// ingestBatch is the batch size of this run.
func (e *env) ingestBatch() int {
	if e.cfg.Contacts < 10_000 {
		return smallIngestBatch
	}
	return IngestBatch
}

// eventTypes and eventChannels are what the generated events are.
var (
	eventTypes    = []string{"page_view", "product_view", "add_to_cart", "email_opened", "store_visit", "call", "chat_message", "purchase"}
	eventChannels = []touchpoint.Channel{"web", "app", "email", "store", "phone", "line", "wechat"}
)

// ingestSeq numbers the client event ids of every generated event, so that
// none repeats within a run.
var ingestSeq atomic.Int64

// events makes n events of random known contacts; client w's share of the
// ids stays its own.
func (e *env) events(w, n int) []touchpoint.EventInput {
	r := e.rng(w, 7)
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	out := make([]touchpoint.EventInput, n)
	for i := range out {
		id := e.randomID(r)
		t := at.Add(time.Duration(r.IntN(300*24*3600)) * time.Second)
		out[i] = touchpoint.EventInput{Type: eventTypes[r.IntN(len(eventTypes))], Channel: eventChannels[r.IntN(len(eventChannels))],
			OccurredAt: &t, ClientEventID: "bench-" + strconv.FormatInt(ingestSeq.Add(1), 10), Source: "bench",
			Customer: crm.CustomerRef{ContactID: &id}, Properties: json.RawMessage(`{"page":"/products/` + strconv.Itoa(r.IntN(500)) + `"}`)}
	}
	return out
}

// ingest: NDJSON batches of 1,000 events of known contacts, each with a
// client event id, stored durably.

func ingestHTTP(e *env, w int) op {
	return func(ctx context.Context) result {
		var body bytes.Buffer
		enc := json.NewEncoder(&body)
		for _, ev := range e.events(w, e.ingestBatch()) {
			if err := enc.Encode(ev); err != nil {
				return result{err: err}
			}
		}
		t0 := time.Now()
		status, resp, _, err := e.api.do(ctx, http.MethodPost, "/api/v1/events/batch", body.Bytes(), []string{"Content-Type", "application/x-ndjson"})
		res := result{status: status, err: err, body: resp, latency: time.Since(t0)}
		if err != nil || status != http.StatusOK {
			return res
		}
		var out struct{ Stored, Failed int }
		if err := json.Unmarshal(resp, &out); err != nil {
			res.err = err
			return res
		}
		res.units = out.Stored
		if out.Stored != e.ingestBatch() {
			res.wrong = fmt.Sprintf("%d of %d events stored: %.200s", out.Stored, e.ingestBatch(), resp)
		}
		return res
	}
}

func ingestService(e *env, w int) op {
	return func(ctx context.Context) result {
		batch := e.events(w, e.ingestBatch())
		results, err := e.app.Touchpoints.RecordBatch(e.svc, batch)
		if err != nil {
			return result{err: err}
		}
		for _, r := range results {
			if r.Err != nil {
				return result{wrong: fmt.Sprintf("an event refused: %v", r.Err)}
			}
		}
		return result{units: len(results)}
	}
}

func ingestTarget(e *env, h, _, _ *Row) *Target {
	t := &Target{Text: "≥ 30,000 events/s durable on SQLite"}
	if e.cfg.Store == "sqlite" {
		t.Met = met(!h.Failed() && h.PerSecond >= 30000)
	}
	return t
}

// timeline: a page of 50 of a contact's timeline (events, orders and
// changes, newest first), of contacts that have events.

// timelineContacts is how many contacts the timeline scenario reads, each
// with about timelineDepth events loaded before it runs.
const (
	timelineContacts = 1000
	timelineDepth    = 40
)

func prepareTimeline(ctx context.Context, e *env) error {
	ids := e.d.ids[:min(len(e.d.ids), timelineContacts)]
	var batch []touchpoint.EventInput
	flush := func() error {
		results, err := e.app.Touchpoints.RecordBatch(e.svc, batch)
		if err != nil {
			return err
		}
		for _, r := range results {
			if r.Err != nil {
				return r.Err
			}
		}
		batch = batch[:0]
		return nil
	}
	for _, ev := range e.events(-1, len(ids)*timelineDepth) {
		id := ids[ingestSeq.Load()%int64(len(ids))]
		ev.Customer.ContactID = &id
		ingestSeq.Add(1)
		batch = append(batch, ev)
		if len(batch) == touchpoint.MaxBatch {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if len(batch) > 0 {
		return flush()
	}
	return nil
}

func (e *env) timelineID(w int) func() int64 {
	r := e.rng(w, 8)
	n := min(len(e.d.ids), timelineContacts)
	return func() int64 { return e.d.ids[r.IntN(n)] }
}

func timelineHTTP(e *env, w int) op {
	next := e.timelineID(w)
	return func(ctx context.Context) result {
		id := strconv.FormatInt(next(), 10)
		res, body := e.api.get(ctx, "/api/v1/contacts/"+id+"/timeline?limit=50")
		if res.err == nil && res.status == http.StatusOK && !bytes.Contains(body, []byte(`"kind":"event"`)) {
			res.wrong = fmt.Sprintf("the timeline of %s has no events: %.100s", id, body)
		}
		return res
	}
}

func timelineService(e *env, w int) op {
	next := e.timelineID(w)
	return func(ctx context.Context) result {
		page, err := e.app.Touchpoints.ContactTimeline(e.svc, next(), touchpoint.TimelineParams{Limit: 50})
		if err == nil && len(page.Items) == 0 {
			return result{wrong: "an empty timeline"}
		}
		return result{err: err}
	}
}

// noTarget marks a scenario BENCHMARKS.md sets no target for.
func noTarget(*env, *Row, *Row, *Row) *Target { return &Target{Text: "none set"} }
