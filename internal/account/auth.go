package account

import (
	"context"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/guanxi-crm/guanxi/internal/crm"
)

// Login checks an email and password and opens a session, returning its
// secret (for the session cookie). client identifies the caller's network
// address for rate limiting. Failures are counted per email and per client;
// past the limit every attempt is refused until the window passes, whether or
// not the password is right.
func (s *Service) Login(ctx context.Context, email, password, client string) (string, *User, error) {
	const op = "account.Login"
	now := s.clock.Now()
	email = strings.ToLower(strings.TrimSpace(email))
	emailKey, clientKey := "email:"+email, "client:"+client
	for _, limit := range []struct {
		key string
		max int
	}{{emailKey, maxFailuresPerEmail}, {clientKey, maxFailuresPerClient}} {
		if blocked, wait := s.limiter.blocked(limit.key, limit.max, now); blocked {
			return "", nil, crm.E(op, crm.KindRateLimited, "too_many_login_attempts").
				With("retry_after", int(math.Ceil(wait.Seconds())))
		}
	}
	u, hash, err := s.store.UserByEmail(ctx, email)
	if err != nil && !crm.IsKind(err, crm.KindNotFound) {
		return "", nil, crm.Internal(op, err)
	}
	if u == nil || hash == "" {
		hash = dummyHash
	}
	ok := s.check(password, hash)
	if !ok || u == nil || u.Disabled {
		s.limiter.fail(emailKey, now)
		s.limiter.fail(clientKey, now)
		return "", nil, crm.E(op, crm.KindUnauthenticated, "invalid_credentials")
	}
	s.limiter.reset(emailKey)
	secret := randomSecret(32)
	sess := &Session{UserID: u.ID, CreatedAt: now, ExpiresAt: now.Add(s.sessionTTL), LastSeenAt: now}
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		if err := s.store.CreateSession(ctx, sess, secretHash(secret)); err != nil {
			return err
		}
		return s.store.RecordLogin(ctx, u.ID, now)
	})
	if err != nil {
		return "", nil, crm.Internal(op, err)
	}
	u.LastLoginAt = &now
	return secret, u, nil
}

// Logout ends a session.
func (s *Service) Logout(ctx context.Context, secret string) error {
	if err := s.store.DeleteSession(ctx, secretHash(secret)); err != nil && !crm.IsKind(err, crm.KindNotFound) {
		return crm.Internal("account.Logout", err)
	}
	s.cache.clear()
	return nil
}

// AuthenticateToken returns who an API token belongs to.
func (s *Service) AuthenticateToken(ctx context.Context, secret string) (*crm.Principal, error) {
	const op = "account.AuthenticateToken"
	if !strings.HasPrefix(secret, TokenPrefix) || len(secret) > 200 {
		return nil, crm.E(op, crm.KindUnauthenticated, "invalid_token")
	}
	hash := secretHash(secret)
	now := s.clock.Now()
	if p, ok := s.cache.get("t:"+hash, now); ok {
		return p, nil
	}
	t, err := s.store.TokenByHash(ctx, hash)
	if crm.IsKind(err, crm.KindNotFound) {
		return nil, crm.E(op, crm.KindUnauthenticated, "invalid_token")
	}
	if err != nil {
		return nil, crm.Internal(op, err)
	}
	if t.RevokedAt != nil || (t.ExpiresAt != nil && !now.Before(*t.ExpiresAt)) {
		return nil, crm.E(op, crm.KindUnauthenticated, "invalid_token")
	}
	p, err := s.principal(ctx, op, t.UserID)
	if err != nil {
		return nil, err
	}
	p.TokenID = t.ID
	// Record use at most once a minute per token: a write per request would
	// cost more than the request.
	if t.LastUsedAt == nil || now.Sub(*t.LastUsedAt) > time.Minute {
		if err := s.store.TouchToken(ctx, t.ID, now); err != nil {
			return nil, crm.Internal(op, err)
		}
	}
	s.cache.put("t:"+hash, p, now, t.ExpiresAt)
	return p, nil
}

// AuthenticateSession returns who a session belongs to.
func (s *Service) AuthenticateSession(ctx context.Context, secret string) (*crm.Principal, error) {
	const op = "account.AuthenticateSession"
	if secret == "" || len(secret) > 200 {
		return nil, crm.E(op, crm.KindUnauthenticated, "invalid_session")
	}
	hash := secretHash(secret)
	now := s.clock.Now()
	if p, ok := s.cache.get("s:"+hash, now); ok {
		return p, nil
	}
	sess, err := s.store.SessionByHash(ctx, hash)
	if crm.IsKind(err, crm.KindNotFound) {
		return nil, crm.E(op, crm.KindUnauthenticated, "invalid_session")
	}
	if err != nil {
		return nil, crm.Internal(op, err)
	}
	if !now.Before(sess.ExpiresAt) {
		return nil, crm.E(op, crm.KindUnauthenticated, "session_expired")
	}
	p, err := s.principal(ctx, op, sess.UserID)
	if err != nil {
		return nil, err
	}
	if now.Sub(sess.LastSeenAt) > time.Minute {
		if err := s.store.TouchSession(ctx, hash, now); err != nil {
			return nil, crm.Internal(op, err)
		}
	}
	s.cache.put("s:"+hash, p, now, &sess.ExpiresAt)
	return p, nil
}

// principal builds the acting identity of a user, with their teams.
func (s *Service) principal(ctx context.Context, op string, userID int64) (*crm.Principal, error) {
	u, err := s.store.User(ctx, userID)
	if crm.IsKind(err, crm.KindNotFound) {
		return nil, crm.E(op, crm.KindUnauthenticated, "invalid_token")
	}
	if err != nil {
		return nil, crm.Internal(op, err)
	}
	if u.Disabled {
		return nil, crm.E(op, crm.KindUnauthenticated, "user_disabled")
	}
	mates, err := s.store.TeamMates(ctx, userID)
	if err != nil {
		return nil, crm.Internal(op, err)
	}
	return &crm.Principal{
		UserID:        u.ID,
		Name:          u.Name,
		Email:         u.Email,
		Role:          u.Role,
		Language:      u.Language,
		TeamIDs:       u.TeamIDs,
		TeamMemberIDs: mates,
	}, nil
}

// PrincipalFor returns the identity of a user for work done on their behalf
// outside a request (the CLI acting as a named user).
func (s *Service) PrincipalFor(ctx context.Context, email string) (*crm.Principal, error) {
	const op = "account.PrincipalFor"
	u, _, err := s.store.UserByEmail(ctx, strings.ToLower(strings.TrimSpace(email)))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	return s.principal(ctx, op, u.ID)
}

// ExpireSessions deletes sessions that have ended.
func (s *Service) ExpireSessions(ctx context.Context) error {
	return s.store.DeleteExpiredSessions(ctx, s.clock.Now())
}

// AuditLog reads the global audit log. Admins only.
func (s *Service) AuditLog(ctx context.Context, f AuditFilter) (crm.Page[crm.AuditEntry], error) {
	const op = "account.AuditLog"
	if _, err := requireAdmin(ctx, op); err != nil {
		return crm.Page[crm.AuditEntry]{}, err
	}
	f.Limit = crm.ClampLimit(f.Limit)
	page, err := s.store.AuditLog(ctx, f)
	if err != nil {
		return crm.Page[crm.AuditEntry]{}, fmt.Errorf("%s: %w", op, err)
	}
	return page, nil
}
