package account

import (
	"context"
	"time"

	"github.com/guanxi-crm/guanxi/internal/crm"
)

// Store is what accounts need from persistence.
type Store interface {
	InTx(ctx context.Context, fn func(ctx context.Context) error) error

	// CreateUser inserts a user (Conflict when the email is taken).
	CreateUser(ctx context.Context, u *User, passwordHash string) error
	User(ctx context.Context, id int64) (*User, error)
	// UserByEmail returns the user and their password hash ("" if none).
	UserByEmail(ctx context.Context, email string) (*User, string, error)
	Users(ctx context.Context) ([]*User, error)
	UpdateUser(ctx context.Context, old, next *User) error
	SetPasswordHash(ctx context.Context, userID int64, hash string) error
	RecordLogin(ctx context.Context, userID int64, at time.Time) error

	Teams(ctx context.Context) ([]*Team, error)
	Team(ctx context.Context, id int64) (*Team, error)
	CreateTeam(ctx context.Context, t *Team) error
	UpdateTeam(ctx context.Context, old, next *Team) error
	DeleteTeam(ctx context.Context, id int64) error
	AddTeamMember(ctx context.Context, teamID, userID int64) error
	RemoveTeamMember(ctx context.Context, teamID, userID int64) error
	// TeamMates lists the users who share a team with userID.
	TeamMates(ctx context.Context, userID int64) ([]int64, error)

	CreateToken(ctx context.Context, t *Token, secretHash string) error
	TokenByHash(ctx context.Context, secretHash string) (*Token, error)
	// Tokens lists the tokens of a user (0: of everyone), newest first.
	Tokens(ctx context.Context, userID int64) ([]*Token, error)
	Token(ctx context.Context, id int64) (*Token, error)
	RevokeToken(ctx context.Context, id int64, at time.Time) error
	TouchToken(ctx context.Context, id int64, at time.Time) error

	CreateSession(ctx context.Context, s *Session, secretHash string) error
	SessionByHash(ctx context.Context, secretHash string) (*Session, error)
	TouchSession(ctx context.Context, secretHash string, at time.Time) error
	DeleteSession(ctx context.Context, secretHash string) error
	DeleteUserSessions(ctx context.Context, userID int64) error
	DeleteExpiredSessions(ctx context.Context, before time.Time) error

	AppendAudit(ctx context.Context, entries ...crm.AuditEntry) error
	AuditLog(ctx context.Context, f AuditFilter) (crm.Page[crm.AuditEntry], error)
}
