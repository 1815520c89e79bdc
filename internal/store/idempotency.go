package store

import (
	"context"
	"encoding/json"
	"time"

	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/idempotency"
)

var _ idempotency.Store = (*Store)(nil)

// InsertIdempotencyKey claims a key.
func (s *Store) InsertIdempotencyKey(ctx context.Context, r *idempotency.Record) error {
	_, err := s.exec(ctx, "INSERT INTO idempotency_keys (user_id, key, fingerprint, created_at) VALUES (?, ?, ?, ?)",
		r.UserID, r.Key, r.Fingerprint, s.d.timeArg(r.CreatedAt))
	return err
}

// IdempotencyKey reads a key's record.
func (s *Store) IdempotencyKey(ctx context.Context, userID int64, key string) (*idempotency.Record, error) {
	r := idempotency.Record{UserID: userID, Key: key}
	var status int
	var headers, body []byte
	err := s.queryRow(ctx, "SELECT fingerprint, status, headers, body, created_at FROM idempotency_keys WHERE user_id = ? AND key = ?",
		userID, key).Scan(&r.Fingerprint, &status, &headers, &body, timeCol{&r.CreatedAt})
	if err != nil {
		if err = mapError(err); crm.IsKind(err, crm.KindNotFound) {
			return nil, notFound("idempotency_key", key)
		}
		return nil, err
	}
	if status != 0 {
		r.Response = &idempotency.Response{Status: status, Body: body}
		if err := json.Unmarshal(headers, &r.Response.Headers); err != nil {
			return nil, err
		}
	}
	return &r, nil
}

// CompleteIdempotencyKey stores the response of a key.
func (s *Store) CompleteIdempotencyKey(ctx context.Context, userID int64, key string, resp *idempotency.Response) error {
	_, err := s.exec(ctx, "UPDATE idempotency_keys SET status = ?, headers = ?, body = ? WHERE user_id = ? AND key = ?",
		resp.Status, mustJSON(resp.Headers), resp.Body, userID, key)
	return err
}

// DeleteIdempotencyKey frees a key.
func (s *Store) DeleteIdempotencyKey(ctx context.Context, userID int64, key string) error {
	_, err := s.exec(ctx, "DELETE FROM idempotency_keys WHERE user_id = ? AND key = ?", userID, key)
	return err
}

// DeleteIdempotencyKeysBefore forgets keys created before t.
func (s *Store) DeleteIdempotencyKeysBefore(ctx context.Context, t time.Time) error {
	_, err := s.exec(ctx, "DELETE FROM idempotency_keys WHERE created_at < ?", s.d.timeArg(t))
	return err
}
