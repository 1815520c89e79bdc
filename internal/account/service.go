package account

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/guanxi-crm/guanxi/internal/crm"
)

// DefaultCacheTTL bounds how long a server goes on accepting a token or
// session after another process (another server, the CLI) revoked it, or
// changed its user's role or teams. A change made through the server itself
// applies at once.
const DefaultCacheTTL = 5 * time.Second

// Options configure the Service.
type Options struct {
	Clock crm.Clock
	// SessionTTL is how long a browser stays signed in.
	SessionTTL time.Duration
	// CacheTTL is how long an authenticated token or session is remembered
	// (DefaultCacheTTL when 0).
	CacheTTL time.Duration
}

// Service holds the rules for users, teams, tokens and sessions.
type Service struct {
	store      Store
	clock      crm.Clock
	sessionTTL time.Duration
	limiter    *loginLimiter
	cache      *principalCache
	// hashing bounds concurrent Argon2 work (19 MiB and a core each).
	hashing chan struct{}
}

// Login limits: failed sign-ins per email and per client address in
// loginWindow.
const (
	loginWindow          = 15 * time.Minute
	maxFailuresPerEmail  = 10
	maxFailuresPerClient = 50
)

// NewService returns a Service over a store.
func NewService(store Store, opt Options) *Service {
	if opt.Clock == nil {
		opt.Clock = crm.SystemClock{}
	}
	if opt.SessionTTL == 0 {
		opt.SessionTTL = 14 * 24 * time.Hour
	}
	if opt.CacheTTL == 0 {
		opt.CacheTTL = DefaultCacheTTL
	}
	return &Service{
		store:      store,
		clock:      opt.Clock,
		sessionTTL: opt.SessionTTL,
		limiter:    newLoginLimiter(loginWindow),
		cache:      newPrincipalCache(opt.CacheTTL),
		hashing:    make(chan struct{}, max(1, runtime.GOMAXPROCS(0))),
	}
}

func (s *Service) hash(password string) (string, error) {
	s.hashing <- struct{}{}
	defer func() { <-s.hashing }()
	return hashPassword(password)
}

func (s *Service) check(password, phc string) bool {
	s.hashing <- struct{}{}
	defer func() { <-s.hashing }()
	return checkPassword(password, phc)
}

func requireAdmin(ctx context.Context, op string) (*crm.Principal, error) {
	p, err := crm.Actor(ctx, op)
	if err != nil {
		return nil, err
	}
	if !p.IsAdmin() {
		return nil, crm.Forbidden(op)
	}
	return p, nil
}

func (s *Service) audit(ctx context.Context, p *crm.Principal, action, recordType string, id int64, changes []crm.Change) crm.AuditEntry {
	return crm.NewAuditEntry(p, crm.RequestID(ctx), s.clock.Now(), action, recordType, id, changes)
}

func (f *UserFields) normalize(v *crm.Violations) {
	email, code := crm.NormalizeEmail(f.Email)
	if code != "" {
		v.Add("email", code)
	}
	f.Email = email
	if f.Name = crm.CleanText(v, "name", f.Name, 100); f.Name == "" {
		v.Add("name", "required")
	}
	if !f.Role.Valid() {
		v.Add("role", "not_one_of", "allowed", "admin, manager, agent, viewer")
	}
	if f.Language != "" && !slices.Contains(Languages, f.Language) {
		v.Add("language", "not_one_of", "allowed", strings.Join(Languages, ", "))
	}
}

func checkNewPassword(v *crm.Violations, field, password string) {
	if utf8.RuneCountInString(password) < MinPasswordLength {
		v.Add(field, "password_too_short", "min", MinPasswordLength)
	}
	if len(password) > 1024 {
		v.Add(field, "too_long", "max", 1024)
	}
}

// CreateUser adds a user. An empty password creates a user who cannot sign
// in with a password until one is set (API tokens still work). Admins only.
func (s *Service) CreateUser(ctx context.Context, f UserFields, password string) (*User, error) {
	const op = "account.CreateUser"
	p, err := requireAdmin(ctx, op)
	if err != nil {
		return nil, err
	}
	var v crm.Violations
	f.normalize(&v)
	if password != "" {
		checkNewPassword(&v, "password", password)
	}
	if err := v.Err(op); err != nil {
		return nil, err
	}
	hash := ""
	if password != "" {
		if hash, err = s.hash(password); err != nil {
			return nil, crm.Internal(op, err)
		}
	}
	now := s.clock.Now()
	u := &User{UserFields: f, TeamIDs: []int64{}, CreatedAt: now, UpdatedAt: now}
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		if err := s.store.CreateUser(ctx, u, hash); err != nil {
			return err
		}
		changes, err := crm.Diff(nil, u.UserFields)
		if err != nil {
			return err
		}
		return s.store.AppendAudit(ctx, s.audit(ctx, p, crm.ActionCreate, RecordUser, u.ID, changes))
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	return u, nil
}

// GetUser reads a user. Everyone signed in may (to pick owners).
func (s *Service) GetUser(ctx context.Context, id int64) (*User, error) {
	const op = "account.GetUser"
	if _, err := crm.Actor(ctx, op); err != nil {
		return nil, err
	}
	u, err := s.store.User(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	return u, nil
}

// Me reads the acting user.
func (s *Service) Me(ctx context.Context) (*User, error) {
	p, err := crm.Actor(ctx, "account.Me")
	if err != nil {
		return nil, err
	}
	if p.System {
		return nil, crm.E("account.Me", crm.KindNotFound, "not_found").With("resource", "user")
	}
	return s.GetUser(ctx, p.UserID)
}

// ListUsers lists every user.
func (s *Service) ListUsers(ctx context.Context) ([]*User, error) {
	const op = "account.ListUsers"
	if _, err := crm.Actor(ctx, op); err != nil {
		return nil, err
	}
	users, err := s.store.Users(ctx)
	if err != nil {
		return nil, crm.Internal(op, err)
	}
	return users, nil
}

// UpdateUser changes a user. Admins may change anything; users may change
// their own name and language.
func (s *Service) UpdateUser(ctx context.Context, id, ifVersion int64, apply func(*UserFields) error) (*User, error) {
	const op = "account.UpdateUser"
	p, err := crm.Actor(ctx, op)
	if err != nil {
		return nil, err
	}
	if !p.IsAdmin() && p.UserID != id {
		return nil, crm.Forbidden(op)
	}
	var out *User
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		cur, err := s.store.User(ctx, id)
		if err != nil {
			return err
		}
		if ifVersion != 0 && cur.Version != ifVersion {
			return crm.Stale(op, cur.Version)
		}
		next := cur.UserFields
		if err := apply(&next); err != nil {
			return err
		}
		var v crm.Violations
		next.normalize(&v)
		if !p.IsAdmin() {
			if next.Email != cur.Email || next.Role != cur.Role || next.Disabled != cur.Disabled {
				return crm.Forbidden(op)
			}
		}
		if p.UserID == id && (next.Role != crm.RoleAdmin || next.Disabled) && cur.Role == crm.RoleAdmin {
			v.Add("role", "cannot_demote_self")
		}
		if err := v.Err(op); err != nil {
			return err
		}
		changes, err := crm.Diff(cur.UserFields, next)
		if err != nil || len(changes) == 0 {
			out = cur
			return err
		}
		updated := *cur
		updated.UserFields, updated.UpdatedAt = next, s.clock.Now()
		if err := s.store.UpdateUser(ctx, cur, &updated); err != nil {
			return err
		}
		if next.Disabled && !cur.Disabled {
			if err := s.store.DeleteUserSessions(ctx, id); err != nil {
				return err
			}
		}
		out = &updated
		return s.store.AppendAudit(ctx, s.audit(ctx, p, crm.ActionUpdate, RecordUser, id, changes))
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	s.cache.clear()
	return out, nil
}

// SetPassword changes a user's password. Users changing their own must give
// the current one; admins may set anyone's. Every session of the user ends.
func (s *Service) SetPassword(ctx context.Context, userID int64, current, next string) error {
	const op = "account.SetPassword"
	p, err := crm.Actor(ctx, op)
	if err != nil {
		return err
	}
	if !p.IsAdmin() && p.UserID != userID {
		return crm.Forbidden(op)
	}
	var v crm.Violations
	checkNewPassword(&v, "new_password", next)
	if err := v.Err(op); err != nil {
		return err
	}
	u, oldHash, err := s.userAndHash(ctx, userID)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	if !p.IsAdmin() && !s.check(current, oldHash) {
		v.Add("current_password", "wrong_password")
		return v.Err(op)
	}
	hash, err := s.hash(next)
	if err != nil {
		return crm.Internal(op, err)
	}
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		if err := s.store.SetPasswordHash(ctx, u.ID, hash); err != nil {
			return err
		}
		if err := s.store.DeleteUserSessions(ctx, u.ID); err != nil {
			return err
		}
		return s.store.AppendAudit(ctx, s.audit(ctx, p, crm.ActionUpdate, RecordUser, u.ID,
			[]crm.Change{{Field: "password", To: []byte(`"(changed)"`)}}))
	})
	if err != nil {
		return crm.Internal(op, err)
	}
	s.cache.clear()
	return nil
}

func (s *Service) userAndHash(ctx context.Context, id int64) (*User, string, error) {
	u, err := s.store.User(ctx, id)
	if err != nil {
		return nil, "", err
	}
	_, hash, err := s.store.UserByEmail(ctx, u.Email)
	return u, hash, err
}

// EnsureAdmin creates an admin when there is no active one — on a fresh
// install, or after users were added from the command line without one —
// with a random password that it returns (shown once to the operator). It
// does nothing when an active admin exists.
func (s *Service) EnsureAdmin(ctx context.Context, email, name string) (created bool, password string, err error) {
	const op = "account.EnsureAdmin"
	users, err := s.store.Users(ctx)
	if err != nil {
		return false, "", crm.Internal(op, err)
	}
	for _, u := range users {
		if u.Role == crm.RoleAdmin && !u.Disabled {
			return false, "", nil
		}
	}
	password = readablePassword(16)
	_, err = s.CreateUser(crm.WithPrincipal(ctx, crm.System), UserFields{Email: email, Name: name, Role: crm.RoleAdmin}, password)
	if err != nil {
		return false, "", err
	}
	return true, password, nil
}

// readablePassword returns n random characters that read and type without
// confusion (no 0/O, 1/l/I) and never start a command-line flag.
func readablePassword(n int) string {
	const alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	out := make([]byte, 0, n)
	buf := make([]byte, 1)
	for len(out) < n {
		if _, err := rand.Read(buf); err != nil {
			panic("account: no randomness: " + err.Error())
		}
		if int(buf[0]) < 256-256%len(alphabet) { // reject the bytes that would bias the draw
			out = append(out, alphabet[int(buf[0])%len(alphabet)])
		}
	}
	return string(out)
}

// randomSecret returns n random bytes as URL-safe base64.
func randomSecret(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("account: no randomness: " + err.Error())
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// secretHash is how tokens and session ids are stored. They are long random
// strings, so a fast hash suffices (unlike passwords).
func secretHash(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}
