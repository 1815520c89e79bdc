package store

import (
	"context"
	"time"

	"github.com/guanxi-crm/guanxi/internal/account"
	"github.com/guanxi-crm/guanxi/internal/crm"
)

const tokenColumns = "id, user_id, name, prefix, created_at, last_used_at, expires_at, revoked_at"

func scanToken(row rowScanner) (*account.Token, error) {
	var t account.Token
	err := row.Scan(&t.ID, &t.UserID, &t.Name, &t.Prefix, timeCol{&t.CreatedAt}, nullTimeCol{&t.LastUsedAt},
		nullTimeCol{&t.ExpiresAt}, nullTimeCol{&t.RevokedAt})
	if err != nil {
		return nil, mapError(err)
	}
	return &t, nil
}

// CreateToken inserts a token by the hash of its secret.
func (s *Store) CreateToken(ctx context.Context, t *account.Token, secretHash string) error {
	err := s.queryRow(ctx, `INSERT INTO api_tokens (user_id, name, prefix, secret_hash, created_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?) RETURNING id`,
		t.UserID, t.Name, t.Prefix, secretHash, s.d.timeArg(t.CreatedAt), s.nullTimeArg(t.ExpiresAt)).Scan(&t.ID)
	return mapError(err)
}

// TokenByHash finds a token by the hash of its secret.
func (s *Store) TokenByHash(ctx context.Context, secretHash string) (*account.Token, error) {
	t, err := scanToken(s.queryRow(ctx, "SELECT "+tokenColumns+" FROM api_tokens WHERE secret_hash = ?", secretHash))
	if crm.IsKind(err, crm.KindNotFound) {
		return nil, notFound("token", "")
	}
	return t, err
}

// Token reads a token by id.
func (s *Store) Token(ctx context.Context, id int64) (*account.Token, error) {
	t, err := scanToken(s.queryRow(ctx, "SELECT "+tokenColumns+" FROM api_tokens WHERE id = ?", id))
	if crm.IsKind(err, crm.KindNotFound) {
		return nil, notFound("token", id)
	}
	return t, err
}

// Tokens lists a user's tokens (userID 0: everyone's), newest first.
func (s *Store) Tokens(ctx context.Context, userID int64) ([]*account.Token, error) {
	return queryAll(ctx, s, scanToken, "SELECT "+tokenColumns+" FROM api_tokens WHERE ? = 0 OR user_id = ? ORDER BY id DESC", userID, userID)
}

// RevokeToken marks a token revoked.
func (s *Store) RevokeToken(ctx context.Context, id int64, at time.Time) error {
	_, err := s.exec(ctx, "UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", s.d.timeArg(at), id)
	return err
}

// TouchToken records a token's use.
func (s *Store) TouchToken(ctx context.Context, id int64, at time.Time) error {
	_, err := s.exec(ctx, "UPDATE api_tokens SET last_used_at = ? WHERE id = ?", s.d.timeArg(at), id)
	return err
}

// CreateSession inserts a session by the hash of its secret.
func (s *Store) CreateSession(ctx context.Context, sess *account.Session, secretHash string) error {
	_, err := s.exec(ctx, `INSERT INTO sessions (secret_hash, user_id, created_at, expires_at, last_seen_at)
		VALUES (?, ?, ?, ?, ?)`, secretHash, sess.UserID, s.d.timeArg(sess.CreatedAt), s.d.timeArg(sess.ExpiresAt),
		s.d.timeArg(sess.LastSeenAt))
	return err
}

// SessionByHash finds a session by the hash of its secret.
func (s *Store) SessionByHash(ctx context.Context, secretHash string) (*account.Session, error) {
	var sess account.Session
	err := s.queryRow(ctx, "SELECT user_id, created_at, expires_at, last_seen_at FROM sessions WHERE secret_hash = ?", secretHash).
		Scan(&sess.UserID, timeCol{&sess.CreatedAt}, timeCol{&sess.ExpiresAt}, timeCol{&sess.LastSeenAt})
	if err = mapError(err); crm.IsKind(err, crm.KindNotFound) {
		return nil, notFound("session", "")
	}
	return &sess, err
}

// TouchSession records a session's activity.
func (s *Store) TouchSession(ctx context.Context, secretHash string, at time.Time) error {
	_, err := s.exec(ctx, "UPDATE sessions SET last_seen_at = ? WHERE secret_hash = ?", s.d.timeArg(at), secretHash)
	return err
}

// DeleteSession ends a session.
func (s *Store) DeleteSession(ctx context.Context, secretHash string) error {
	_, err := s.exec(ctx, "DELETE FROM sessions WHERE secret_hash = ?", secretHash)
	return err
}

// DeleteUserSessions ends every session of a user.
func (s *Store) DeleteUserSessions(ctx context.Context, userID int64) error {
	_, err := s.exec(ctx, "DELETE FROM sessions WHERE user_id = ?", userID)
	return err
}

// DeleteExpiredSessions removes sessions that ended before t.
func (s *Store) DeleteExpiredSessions(ctx context.Context, before time.Time) error {
	_, err := s.exec(ctx, "DELETE FROM sessions WHERE expires_at < ?", s.d.timeArg(before))
	return err
}
