package store

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/guanxi-crm/guanxi/internal/account"
	"github.com/guanxi-crm/guanxi/internal/crm"
)

var _ account.Store = (*Store)(nil)

func (s *Store) userColumns() string {
	return `u.id, u.version, u.email, u.name, u.role, u.language, u.disabled, u.created_at, u.updated_at,
		u.last_login_at, u.password_hash,
		(SELECT ` + s.d.jsonAgg("tm.team_id") + ` FROM team_members tm WHERE tm.user_id = u.id) AS team_ids`
}

func scanUser(row rowScanner) (*account.User, string, error) {
	var u account.User
	var hash string
	var teams []byte
	err := row.Scan(&u.ID, &u.Version, &u.Email, &u.Name, &u.Role, &u.Language, &u.Disabled, timeCol{&u.CreatedAt},
		timeCol{&u.UpdatedAt}, nullTimeCol{&u.LastLoginAt}, &hash, &teams)
	if err != nil {
		return nil, "", mapError(err)
	}
	if err := unmarshalAll(jsonField{teams, &u.TeamIDs}); err != nil {
		return nil, "", fmt.Errorf("user %d: %w", u.ID, err)
	}
	u.TeamIDs = orEmpty(u.TeamIDs)
	slices.Sort(u.TeamIDs)
	return &u, hash, nil
}

// CreateUser inserts a user; Conflict when the email is taken.
func (s *Store) CreateUser(ctx context.Context, u *account.User, passwordHash string) error {
	err := s.queryRow(ctx, `INSERT INTO users (version, email, name, role, language, disabled, password_hash,
		created_at, updated_at) VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		u.Email, u.Name, string(u.Role), u.Language, u.Disabled, passwordHash, s.d.timeArg(u.CreatedAt),
		s.d.timeArg(u.UpdatedAt)).Scan(&u.ID)
	if err = mapError(err); crm.IsKind(err, crm.KindConflict) {
		return crm.E("store.CreateUser", crm.KindConflict, "duplicate_email").With("email", u.Email)
	}
	u.Version = 1
	return err
}

// User reads a user.
func (s *Store) User(ctx context.Context, id int64) (*account.User, error) {
	u, _, err := scanUser(s.queryRow(ctx, "SELECT "+s.userColumns()+" FROM users u WHERE u.id = ?", id))
	if crm.IsKind(err, crm.KindNotFound) {
		return nil, notFound("user", id)
	}
	return u, err
}

// UserByEmail reads a user and their password hash by email.
func (s *Store) UserByEmail(ctx context.Context, email string) (*account.User, string, error) {
	u, hash, err := scanUser(s.queryRow(ctx, "SELECT "+s.userColumns()+" FROM users u WHERE u.email = ?", email))
	if crm.IsKind(err, crm.KindNotFound) {
		return nil, "", notFound("user", email)
	}
	return u, hash, err
}

// Users lists every user by name.
func (s *Store) Users(ctx context.Context) ([]*account.User, error) {
	rows, err := s.query(ctx, "SELECT "+s.userColumns()+" FROM users u ORDER BY u.name, u.id")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*account.User{}
	for rows.Next() {
		u, _, err := scanUser(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, mapError(rows.Err())
}

// UpdateUser saves next over old, checking old's version.
func (s *Store) UpdateUser(ctx context.Context, old, next *account.User) error {
	res, err := s.exec(ctx, `UPDATE users SET version = version + 1, email = ?, name = ?, role = ?, language = ?,
		disabled = ?, updated_at = ? WHERE id = ? AND version = ?`,
		next.Email, next.Name, string(next.Role), next.Language, next.Disabled, s.d.timeArg(next.UpdatedAt), next.ID, old.Version)
	if crm.IsKind(err, crm.KindConflict) {
		return crm.E("store.UpdateUser", crm.KindConflict, "duplicate_email").With("email", next.Email)
	}
	if err := s.checkUpdated(ctx, res, err, "users", "user", next.ID); err != nil {
		return err
	}
	next.Version = old.Version + 1
	return nil
}

// SetPasswordHash replaces a user's password hash.
func (s *Store) SetPasswordHash(ctx context.Context, userID int64, hash string) error {
	_, err := s.exec(ctx, "UPDATE users SET password_hash = ? WHERE id = ?", hash, userID)
	return err
}

// RecordLogin notes a successful sign-in.
func (s *Store) RecordLogin(ctx context.Context, userID int64, at time.Time) error {
	_, err := s.exec(ctx, "UPDATE users SET last_login_at = ? WHERE id = ?", s.d.timeArg(at), userID)
	return err
}

func (s *Store) teamColumns() string {
	return `t.id, t.version, t.name, t.created_at, t.updated_at,
		(SELECT ` + s.d.jsonAgg("tm.user_id") + ` FROM team_members tm WHERE tm.team_id = t.id) AS member_ids`
}

func scanTeam(row rowScanner) (*account.Team, error) {
	var t account.Team
	var members []byte
	if err := row.Scan(&t.ID, &t.Version, &t.Name, timeCol{&t.CreatedAt}, timeCol{&t.UpdatedAt}, &members); err != nil {
		return nil, mapError(err)
	}
	if err := unmarshalAll(jsonField{members, &t.MemberIDs}); err != nil {
		return nil, fmt.Errorf("team %d: %w", t.ID, err)
	}
	t.MemberIDs = orEmpty(t.MemberIDs)
	slices.Sort(t.MemberIDs)
	return &t, nil
}

// Teams lists every team by name.
func (s *Store) Teams(ctx context.Context) ([]*account.Team, error) {
	return queryAll(ctx, s, scanTeam, "SELECT "+s.teamColumns()+" FROM teams t ORDER BY t.name")
}

// Team reads a team.
func (s *Store) Team(ctx context.Context, id int64) (*account.Team, error) {
	t, err := scanTeam(s.queryRow(ctx, "SELECT "+s.teamColumns()+" FROM teams t WHERE t.id = ?", id))
	if crm.IsKind(err, crm.KindNotFound) {
		return nil, notFound("team", id)
	}
	return t, err
}

func teamConflict(err error, name string) error {
	if crm.IsKind(err, crm.KindConflict) {
		return crm.E("store.team", crm.KindConflict, "duplicate_team").With("name", name)
	}
	return err
}

// CreateTeam inserts a team; Conflict when the name is taken.
func (s *Store) CreateTeam(ctx context.Context, t *account.Team) error {
	err := s.queryRow(ctx, "INSERT INTO teams (version, name, created_at, updated_at) VALUES (1, ?, ?, ?) RETURNING id",
		t.Name, s.d.timeArg(t.CreatedAt), s.d.timeArg(t.UpdatedAt)).Scan(&t.ID)
	t.Version = 1
	return teamConflict(mapError(err), t.Name)
}

// UpdateTeam saves next over old, checking old's version.
func (s *Store) UpdateTeam(ctx context.Context, old, next *account.Team) error {
	res, err := s.exec(ctx, "UPDATE teams SET version = version + 1, name = ?, updated_at = ? WHERE id = ? AND version = ?",
		next.Name, s.d.timeArg(next.UpdatedAt), next.ID, old.Version)
	if err := s.checkUpdated(ctx, res, teamConflict(err, next.Name), "teams", "team", next.ID); err != nil {
		return err
	}
	next.Version = old.Version + 1
	return nil
}

// DeleteTeam removes a team; records it owned keep no team.
func (s *Store) DeleteTeam(ctx context.Context, id int64) error {
	_, err := s.exec(ctx, "DELETE FROM teams WHERE id = ?", id)
	return err
}

// AddTeamMember puts a user in a team (a member already is one).
func (s *Store) AddTeamMember(ctx context.Context, teamID, userID int64) error {
	_, err := s.exec(ctx, "INSERT INTO team_members (team_id, user_id) VALUES (?, ?) ON CONFLICT DO NOTHING", teamID, userID)
	return err
}

// RemoveTeamMember takes a user out of a team.
func (s *Store) RemoveTeamMember(ctx context.Context, teamID, userID int64) error {
	_, err := s.exec(ctx, "DELETE FROM team_members WHERE team_id = ? AND user_id = ?", teamID, userID)
	return err
}

// TeamMates lists the users who share a team with userID (themselves
// included when they are in any team).
func (s *Store) TeamMates(ctx context.Context, userID int64) ([]int64, error) {
	return s.int64s(ctx, `SELECT DISTINCT other.user_id FROM team_members mine
		JOIN team_members other ON other.team_id = mine.team_id WHERE mine.user_id = ? ORDER BY other.user_id`, userID)
}
