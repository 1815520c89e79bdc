package account

import (
	"context"
	"fmt"
	"time"

	"github.com/guanxi-crm/guanxi/internal/crm"
)

// TokenPrefix starts every API token, so that a leaked one is easy to spot
// (secret scanners look for such prefixes).
const TokenPrefix = "gx_"

// CreateToken makes an API token for a user (0: the acting user) and returns
// it with its secret, which is not stored and cannot be shown again. Users
// make their own tokens; admins make anyone's.
func (s *Service) CreateToken(ctx context.Context, userID int64, name string, expiresAt *time.Time) (*Token, string, error) {
	const op = "account.CreateToken"
	p, err := crm.Actor(ctx, op)
	if err != nil {
		return nil, "", err
	}
	if userID == 0 {
		userID = p.UserID
	}
	if !p.IsAdmin() && userID != p.UserID {
		return nil, "", crm.Forbidden(op)
	}
	var v crm.Violations
	if name = crm.CleanText(&v, "name", name, 100); name == "" {
		v.Add("name", "required")
	}
	now := s.clock.Now()
	if expiresAt != nil && !expiresAt.After(now) {
		v.Add("expires_at", "in_the_past")
	}
	if err := v.Err(op); err != nil {
		return nil, "", err
	}
	secret := TokenPrefix + randomSecret(24)
	t := &Token{UserID: userID, Name: name, Prefix: secret[:len(TokenPrefix)+6], CreatedAt: now, ExpiresAt: expiresAt}
	if expiresAt != nil {
		e := crm.Truncate(*expiresAt)
		t.ExpiresAt = &e
	}
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		if _, err := s.store.User(ctx, userID); err != nil {
			return err
		}
		if err := s.store.CreateToken(ctx, t, secretHash(secret)); err != nil {
			return err
		}
		return s.store.AppendAudit(ctx, s.audit(ctx, p, crm.ActionCreate, RecordToken, t.ID,
			[]crm.Change{{Field: "name", To: crm.JSON(name)}, {Field: "user_id", To: crm.JSON(userID)}}))
	})
	if err != nil {
		return nil, "", fmt.Errorf("%s: %w", op, err)
	}
	return t, secret, nil
}

// ListTokens lists a user's tokens (0: the acting user's; -1: everyone's,
// admins only).
func (s *Service) ListTokens(ctx context.Context, userID int64) ([]*Token, error) {
	const op = "account.ListTokens"
	p, err := crm.Actor(ctx, op)
	if err != nil {
		return nil, err
	}
	switch {
	case userID == 0:
		userID = p.UserID
	case userID == -1 && p.IsAdmin():
		userID = 0
	case userID != p.UserID && !p.IsAdmin():
		return nil, crm.Forbidden(op)
	}
	list, err := s.store.Tokens(ctx, userID)
	if err != nil {
		return nil, crm.Internal(op, err)
	}
	return list, nil
}

// RevokeToken stops a token from working. Users revoke their own; admins
// anyone's. Revoking a revoked token does nothing.
func (s *Service) RevokeToken(ctx context.Context, id int64) error {
	const op = "account.RevokeToken"
	p, err := crm.Actor(ctx, op)
	if err != nil {
		return err
	}
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		t, err := s.store.Token(ctx, id)
		if err != nil {
			return err
		}
		if !p.IsAdmin() && t.UserID != p.UserID {
			return crm.NotFound(op, "token", id) // do not reveal other users' tokens
		}
		if t.RevokedAt != nil {
			return nil
		}
		if err := s.store.RevokeToken(ctx, id, s.clock.Now()); err != nil {
			return err
		}
		return s.store.AppendAudit(ctx, s.audit(ctx, p, crm.ActionDelete, RecordToken, id, nil))
	})
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	s.cache.clear()
	return nil
}
