package storetest

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/idempotency"
)

var idempotencyTests = []test{
	{"Replay", testIdempotencyReplay},
	{"Conflicts", testIdempotencyConflicts},
	{"Abandoned", testIdempotencyAbandoned},
	{"Expire", testIdempotencyExpire},
}

func testIdempotencyReplay(t *testing.T, e *env) {
	ctx := e.sys
	resp, err := e.idem.Begin(ctx, 7, "key-1", "fp-a")
	if err != nil || resp != nil {
		t.Fatalf("first Begin: %v %v; want a claimed key", resp, err)
	}
	want := &idempotency.Response{Status: 201, Headers: map[string]string{"Location": "/api/v1/contacts/5", "ETag": `"1"`},
		Body: []byte("{\"id\":5,\"name\":\"王小李\"}\n\x00\xff")}
	must(t, e.idem.Finish(ctx, 7, "key-1", want))
	for range 2 {
		got, err := e.idem.Begin(ctx, 7, "key-1", "fp-a")
		must(t, err)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("replayed response (-want +got):\n%s", diff)
		}
	}
	// Keys belong to a user: another user's same key is another request.
	if resp, err := e.idem.Begin(ctx, 8, "key-1", "fp-b"); err != nil || resp != nil {
		t.Errorf("another user's key: %v %v", resp, err)
	}
	// A response without headers or body.
	must(t, e.idem.Finish(ctx, 8, "key-1", &idempotency.Response{Status: 204}))
	got, err := e.idem.Begin(ctx, 8, "key-1", "fp-b")
	must(t, err)
	if got == nil || got.Status != 204 || len(got.Body) != 0 || len(got.Headers) != 0 {
		t.Errorf("empty response replayed as %+v", got)
	}
	// A key as long as allowed, in any script.
	long := "鍵-" + strings.Repeat("k", 250) // 254 bytes
	if _, err := e.idem.Begin(ctx, 7, long, "fp"); err != nil {
		t.Errorf("a long key: %v", err)
	}
}

func testIdempotencyConflicts(t *testing.T, e *env) {
	ctx := e.sys
	if _, err := e.idem.Begin(ctx, 1, "k", "fp-a"); err != nil {
		t.Fatal(err)
	}
	_, err := e.idem.Begin(ctx, 1, "k", "fp-a")
	wantCode(t, err, crm.KindConflict, "idempotency_in_progress")
	_, err = e.idem.Begin(ctx, 1, "k", "fp-b")
	wantCode(t, err, crm.KindInvalid, "idempotency_key_reused")
	must(t, e.idem.Finish(ctx, 1, "k", &idempotency.Response{Status: 200, Body: []byte("ok")}))
	_, err = e.idem.Begin(ctx, 1, "k", "fp-b")
	wantCode(t, err, crm.KindInvalid, "idempotency_key_reused")
	_, err = e.idem.Begin(ctx, 1, "", "fp")
	wantCode(t, err, crm.KindMalformed, "invalid_idempotency_key")
	_, err = e.idem.Begin(ctx, 1, strings.Repeat("k", 256), "fp")
	wantCode(t, err, crm.KindMalformed, "invalid_idempotency_key")
	// A request that failed gives its key back.
	if _, err := e.idem.Begin(ctx, 1, "failed", "fp"); err != nil {
		t.Fatal(err)
	}
	must(t, e.idem.Abandon(ctx, 1, "failed"))
	if resp, err := e.idem.Begin(ctx, 1, "failed", "fp-other"); err != nil || resp != nil {
		t.Errorf("Begin after Abandon: %v %v", resp, err)
	}
}

func testIdempotencyAbandoned(t *testing.T, e *env) {
	ctx := e.sys
	if _, err := e.idem.Begin(ctx, 1, "k", "fp"); err != nil {
		t.Fatal(err)
	}
	e.tick(2*time.Minute - time.Second)
	_, err := e.idem.Begin(ctx, 1, "k", "fp")
	wantCode(t, err, crm.KindConflict, "idempotency_in_progress")
	e.tick(time.Second)
	// The server that held the key died: the retry takes it over.
	if resp, err := e.idem.Begin(ctx, 1, "k", "fp"); err != nil || resp != nil {
		t.Fatalf("Begin on an abandoned key: %v %v; want it claimed", resp, err)
	}
	_, err = e.idem.Begin(ctx, 1, "k", "fp")
	wantCode(t, err, crm.KindConflict, "idempotency_in_progress")
	must(t, e.idem.Finish(ctx, 1, "k", &idempotency.Response{Status: 201}))
	// A finished key is never abandoned.
	e.tick(time.Hour)
	if resp, err := e.idem.Begin(ctx, 1, "k", "fp"); err != nil || resp == nil || resp.Status != 201 {
		t.Errorf("finished key an hour later: %+v %v; want the response", resp, err)
	}
}

func testIdempotencyExpire(t *testing.T, e *env) {
	ctx := e.sys
	for _, k := range []string{"old", "young"} {
		if _, err := e.idem.Begin(ctx, 1, k, "fp"); err != nil {
			t.Fatal(err)
		}
		must(t, e.idem.Finish(ctx, 1, k, &idempotency.Response{Status: 200, Body: []byte(k)}))
		e.tick(time.Hour)
	}
	e.tick(idempotency.Retention - 2*time.Hour) // "old" is exactly 24 hours old
	must(t, e.idem.Expire(ctx))
	if resp, err := e.idem.Begin(ctx, 1, "old", "other"); err == nil || resp != nil {
		t.Errorf("a response of exactly 24 hours was forgotten: %v %v", resp, err)
	}
	e.tick(time.Second)
	must(t, e.idem.Expire(ctx))
	if resp, err := e.idem.Begin(ctx, 1, "old", "other"); err != nil || resp != nil {
		t.Errorf("expired key: %v %v; want a fresh claim", resp, err)
	}
	resp, err := e.idem.Begin(ctx, 1, "young", "fp")
	must(t, err)
	if resp == nil || string(resp.Body) != "young" {
		t.Errorf("younger key: %+v; want its response", resp)
	}
}
