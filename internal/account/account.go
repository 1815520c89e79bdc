// Package account is who may use Guanxi and how they prove it (MISSION.md
// C10): users with roles, teams, API tokens, browser sessions, and the global
// audit log. It knows nothing of HTTP or SQL.
package account

import (
	"time"

	"github.com/guanxi-crm/guanxi/internal/crm"
)

// UserFields are what an admin writes about a user.
type UserFields struct {
	Email    string   `json:"email" required:"false" maxLength:"254" doc:"Required on create; unique"`
	Name     string   `json:"name" required:"false" maxLength:"100" doc:"Required on create"`
	Role     crm.Role `json:"role" required:"false" enum:"admin,manager,agent,viewer" doc:"Required on create"`
	Language string   `json:"language" required:"false" enum:"en,zh-Hant,zh-Hans," doc:"Interface language; empty follows the browser"`
	Disabled bool     `json:"disabled" required:"false" doc:"A disabled user cannot sign in and their tokens stop working"`
}

// User is a person who signs in to Guanxi.
type User struct {
	ID      int64 `json:"id"`
	Version int64 `json:"version"`
	UserFields
	TeamIDs     []int64    `json:"team_ids" nullable:"false" doc:"Teams the user belongs to (manage under /teams)"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
	LastLoginAt *time.Time `json:"last_login_at,omitempty"`
}

// Languages Guanxi's interface speaks.
var Languages = []string{"en", "zh-Hant", "zh-Hans"}

// TeamFields are what an admin writes about a team.
type TeamFields struct {
	Name string `json:"name" required:"false" maxLength:"100" doc:"Required on create; unique"`
}

// Team is a group of users who share ownership of records.
type Team struct {
	ID      int64 `json:"id"`
	Version int64 `json:"version"`
	TeamFields
	MemberIDs []int64   `json:"member_ids" nullable:"false"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Token is an API token. Its secret is shown once, at creation; Guanxi keeps
// only a hash.
type Token struct {
	ID         int64      `json:"id"`
	UserID     int64      `json:"user_id"`
	Name       string     `json:"name"`
	Prefix     string     `json:"prefix" doc:"First characters of the secret, to recognise it"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
	ExpiresAt  *time.Time `json:"expires_at,omitempty"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
}

// Session is a signed-in browser.
type Session struct {
	UserID     int64
	CreatedAt  time.Time
	ExpiresAt  time.Time
	LastSeenAt time.Time
}

// AuditFilter selects entries of the global audit log.
type AuditFilter struct {
	RecordType string
	RecordID   int64
	ActorID    int64
	Cursor     string
	Limit      int
}

// Audit record types of this package.
const (
	RecordUser  = "user"
	RecordTeam  = "team"
	RecordToken = "token"
)
