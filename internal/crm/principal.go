package crm

import (
	"context"
	"slices"
)

// Role is what a user may do. The rules per role live in the domain
// services; this type only names them.
type Role string

const (
	RoleAdmin   Role = "admin"   // everything
	RoleManager Role = "manager" // their teams' records and reports
	RoleAgent   Role = "agent"   // records they or their teams own; basic card of others
	RoleViewer  Role = "viewer"  // read-only
)

// Roles lists every role, most powerful first.
var Roles = []Role{RoleAdmin, RoleManager, RoleAgent, RoleViewer}

func (r Role) Valid() bool { return slices.Contains(Roles, r) }

// Principal is the acting user of a request or command.
type Principal struct {
	UserID int64
	Name   string
	Email  string
	Role   Role
	// Language is the user's chosen interface language ("" = follow the client).
	Language string
	// TeamIDs are the teams the user belongs to.
	TeamIDs []int64
	// TeamMemberIDs are the users who share a team with this user; managers
	// see the records these users own.
	TeamMemberIDs []int64
	// TokenID is set when the request was authenticated by an API token.
	TokenID int64
	// System marks work done by Guanxi itself or by an operator at the CLI.
	System bool
}

// System is the principal of CLI commands and background work: all-powerful,
// recorded in the audit log as "system".
var System = &Principal{Name: "system", Role: RoleAdmin, System: true}

func (p *Principal) IsAdmin() bool { return p.Role == RoleAdmin }

// CanWrite reports whether the role may change anything at all.
func (p *Principal) CanWrite() bool { return p.Role != RoleViewer }

// InTeam reports whether the principal belongs to the team.
func (p *Principal) InTeam(teamID int64) bool { return slices.Contains(p.TeamIDs, teamID) }

// Writer returns the acting principal if it may write at all (a viewer may
// not), or the error refusing op.
func Writer(ctx context.Context, op string) (*Principal, error) {
	p, err := Actor(ctx, op)
	if err != nil {
		return nil, err
	}
	if !p.CanWrite() {
		return nil, Forbidden(op)
	}
	return p, nil
}

// User returns the acting principal if it is a signed-in user, not the
// System: for what belongs to a person (their saved views, notifications),
// or the error refusing op.
func User(ctx context.Context, op string) (*Principal, error) {
	p, err := Actor(ctx, op)
	if err != nil {
		return nil, err
	}
	if p.System || p.UserID == 0 {
		return nil, Forbidden(op)
	}
	return p, nil
}

// ActorID is the user id recorded as the author of a change (nil for System).
func (p *Principal) ActorID() *int64 {
	if p.System || p.UserID == 0 {
		return nil
	}
	id := p.UserID
	return &id
}

type principalKey struct{}

// WithPrincipal returns a context carrying the acting user.
func WithPrincipal(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalFrom returns the acting user, if any.
func PrincipalFrom(ctx context.Context) (*Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(*Principal)
	return p, ok && p != nil
}

// Actor returns the acting user or an Unauthenticated error naming op.
func Actor(ctx context.Context, op string) (*Principal, error) {
	if p, ok := PrincipalFrom(ctx); ok {
		return p, nil
	}
	return nil, Unauthenticated(op)
}

type requestIDKey struct{}

// WithRequestID tags the context with the id of the request being served, so
// that log lines and audit entries can be joined.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, id)
}

// RequestID returns the request id, or "".
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}
