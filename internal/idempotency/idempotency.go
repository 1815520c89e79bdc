// Package idempotency makes retried requests safe: the first request with a
// key runs, its response is kept, and a retry with the same key and body gets
// that response again instead of doing the work twice.
package idempotency

import (
	"context"
	"fmt"
	"time"

	"github.com/guanxi-crm/guanxi/internal/crm"
)

// Retention is how long responses are kept for replay.
const Retention = 24 * time.Hour

// abandonedAfter is when a request that never finished (its server died)
// stops holding its key.
const abandonedAfter = 2 * time.Minute

// Response is a stored response.
type Response struct {
	Status  int
	Headers map[string]string
	Body    []byte
}

// Record is a key's state: running (Response nil) or done.
type Record struct {
	UserID      int64
	Key         string
	Fingerprint string
	CreatedAt   time.Time
	Response    *Response
}

// Store keeps the records.
type Store interface {
	// InsertIdempotencyKey claims a key; Conflict when it is taken.
	InsertIdempotencyKey(ctx context.Context, r *Record) error
	IdempotencyKey(ctx context.Context, userID int64, key string) (*Record, error)
	CompleteIdempotencyKey(ctx context.Context, userID int64, key string, resp *Response) error
	DeleteIdempotencyKey(ctx context.Context, userID int64, key string) error
	DeleteIdempotencyKeysBefore(ctx context.Context, t time.Time) error
}

// Service applies the rules.
type Service struct {
	store Store
	clock crm.Clock
}

// NewService returns a Service over a store.
func NewService(store Store, clock crm.Clock) *Service {
	if clock == nil {
		clock = crm.SystemClock{}
	}
	return &Service{store: store, clock: clock}
}

// Begin claims key for a request. It returns the stored response when the
// same request was already served; Conflict when it is still running; Invalid
// when the key was used for a different request.
func (s *Service) Begin(ctx context.Context, userID int64, key, fingerprint string) (*Response, error) {
	const op = "idempotency.Begin"
	if len(key) == 0 || len(key) > 255 {
		return nil, crm.E(op, crm.KindMalformed, "invalid_idempotency_key")
	}
	for attempt := 0; attempt < 2; attempt++ {
		rec := &Record{UserID: userID, Key: key, Fingerprint: fingerprint, CreatedAt: s.clock.Now()}
		err := s.store.InsertIdempotencyKey(ctx, rec)
		if err == nil {
			return nil, nil
		}
		if !crm.IsKind(err, crm.KindConflict) {
			return nil, fmt.Errorf("%s: %w", op, err)
		}
		prev, err := s.store.IdempotencyKey(ctx, userID, key)
		if crm.IsKind(err, crm.KindNotFound) {
			continue // finished and expired between the two statements
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", op, err)
		}
		switch {
		case prev.Fingerprint != fingerprint:
			return nil, crm.E(op, crm.KindInvalid, "idempotency_key_reused")
		case prev.Response != nil:
			return prev.Response, nil
		case s.clock.Now().Sub(prev.CreatedAt) < abandonedAfter:
			return nil, crm.E(op, crm.KindConflict, "idempotency_in_progress")
		}
		if err := s.store.DeleteIdempotencyKey(ctx, userID, key); err != nil {
			return nil, fmt.Errorf("%s: %w", op, err)
		}
	}
	return nil, crm.E(op, crm.KindConflict, "idempotency_in_progress")
}

// Finish stores the response of a claimed key.
func (s *Service) Finish(ctx context.Context, userID int64, key string, resp *Response) error {
	return s.store.CompleteIdempotencyKey(ctx, userID, key, resp)
}

// Abandon frees a claimed key whose request failed, so it can be retried.
func (s *Service) Abandon(ctx context.Context, userID int64, key string) error {
	return s.store.DeleteIdempotencyKey(ctx, userID, key)
}

// Expire forgets responses older than Retention.
func (s *Service) Expire(ctx context.Context) error {
	return s.store.DeleteIdempotencyKeysBefore(ctx, s.clock.Now().Add(-Retention))
}
