package account

import (
	"context"
	"fmt"
	"slices"

	"github.com/guanxi-crm/guanxi/internal/crm"
)

func (f *TeamFields) normalize(v *crm.Violations) {
	if f.Name = crm.CleanText(v, "name", f.Name, 100); f.Name == "" {
		v.Add("name", "required")
	}
}

// ListTeams lists every team with its members.
func (s *Service) ListTeams(ctx context.Context) ([]*Team, error) {
	const op = "account.ListTeams"
	if _, err := crm.Actor(ctx, op); err != nil {
		return nil, err
	}
	teams, err := s.store.Teams(ctx)
	if err != nil {
		return nil, crm.Internal(op, err)
	}
	return teams, nil
}

// GetTeam reads a team.
func (s *Service) GetTeam(ctx context.Context, id int64) (*Team, error) {
	const op = "account.GetTeam"
	if _, err := crm.Actor(ctx, op); err != nil {
		return nil, err
	}
	t, err := s.store.Team(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	return t, nil
}

// CreateTeam adds a team. Admins only.
func (s *Service) CreateTeam(ctx context.Context, f TeamFields) (*Team, error) {
	const op = "account.CreateTeam"
	p, err := requireAdmin(ctx, op)
	if err != nil {
		return nil, err
	}
	var v crm.Violations
	f.normalize(&v)
	if err := v.Err(op); err != nil {
		return nil, err
	}
	now := s.clock.Now()
	t := &Team{TeamFields: f, MemberIDs: []int64{}, CreatedAt: now, UpdatedAt: now}
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		if err := s.store.CreateTeam(ctx, t); err != nil {
			return err
		}
		return s.store.AppendAudit(ctx, s.audit(ctx, p, crm.ActionCreate, RecordTeam, t.ID,
			[]crm.Change{{Field: "name", To: crm.JSON(f.Name)}}))
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	return t, nil
}

// UpdateTeam renames a team. Admins only.
func (s *Service) UpdateTeam(ctx context.Context, id, ifVersion int64, apply func(*TeamFields) error) (*Team, error) {
	const op = "account.UpdateTeam"
	p, err := requireAdmin(ctx, op)
	if err != nil {
		return nil, err
	}
	var out *Team
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		cur, err := s.store.Team(ctx, id)
		if err != nil {
			return err
		}
		if ifVersion != 0 && cur.Version != ifVersion {
			return crm.Stale(op, cur.Version)
		}
		next := cur.TeamFields
		if err := apply(&next); err != nil {
			return err
		}
		var v crm.Violations
		next.normalize(&v)
		if err := v.Err(op); err != nil {
			return err
		}
		changes, err := crm.Diff(cur.TeamFields, next)
		if err != nil || len(changes) == 0 {
			out = cur
			return err
		}
		updated := *cur
		updated.TeamFields, updated.UpdatedAt = next, s.clock.Now()
		if err := s.store.UpdateTeam(ctx, cur, &updated); err != nil {
			return err
		}
		out = &updated
		return s.store.AppendAudit(ctx, s.audit(ctx, p, crm.ActionUpdate, RecordTeam, id, changes))
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	return out, nil
}

// DeleteTeam removes a team; records it owned keep their owner and lose the
// team. Admins only.
func (s *Service) DeleteTeam(ctx context.Context, id int64) error {
	const op = "account.DeleteTeam"
	p, err := requireAdmin(ctx, op)
	if err != nil {
		return err
	}
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		cur, err := s.store.Team(ctx, id)
		if err != nil {
			return err
		}
		if err := s.store.DeleteTeam(ctx, id); err != nil {
			return err
		}
		return s.store.AppendAudit(ctx, s.audit(ctx, p, crm.ActionDelete, RecordTeam, id,
			[]crm.Change{{Field: "name", From: crm.JSON(cur.Name)}}))
	})
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	s.cache.clear()
	return nil
}

// SetTeamMember adds (member true) or removes a user from a team. Admins only.
func (s *Service) SetTeamMember(ctx context.Context, teamID, userID int64, member bool) (*Team, error) {
	const op = "account.SetTeamMember"
	p, err := requireAdmin(ctx, op)
	if err != nil {
		return nil, err
	}
	var out *Team
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		if _, err := s.store.Team(ctx, teamID); err != nil {
			return err
		}
		if _, err := s.store.User(ctx, userID); err != nil {
			return err
		}
		change := crm.Change{Field: "member_ids"}
		if member {
			err = s.store.AddTeamMember(ctx, teamID, userID)
			change.To = crm.JSON(userID)
		} else {
			err = s.store.RemoveTeamMember(ctx, teamID, userID)
			change.From = crm.JSON(userID)
		}
		if err != nil {
			return err
		}
		if out, err = s.store.Team(ctx, teamID); err != nil {
			return err
		}
		return s.store.AppendAudit(ctx, s.audit(ctx, p, crm.ActionUpdate, RecordTeam, teamID, []crm.Change{change}))
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	s.cache.clear()
	return out, nil
}

// UpdateUserAndTeams changes a user as UpdateUser does and makes them a
// member of exactly the teams teamIDs names (others they leave), all in one
// transaction: an admin's form that changes both saves both or neither.
// Admins only.
func (s *Service) UpdateUserAndTeams(ctx context.Context, id, ifVersion int64, apply func(*UserFields) error, teamIDs []int64) (*User, error) {
	const op = "account.UpdateUserAndTeams"
	if _, err := requireAdmin(ctx, op); err != nil {
		return nil, err
	}
	var out *User
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		u, err := s.UpdateUser(ctx, id, ifVersion, apply)
		if err != nil {
			return err
		}
		teams, err := s.store.Teams(ctx)
		if err != nil {
			return err
		}
		for _, want := range teamIDs {
			if !slices.ContainsFunc(teams, func(t *Team) bool { return t.ID == want }) {
				return crm.NotFound(op, "team", want)
			}
		}
		for _, t := range teams {
			member, wanted := slices.Contains(u.TeamIDs, t.ID), slices.Contains(teamIDs, t.ID)
			if member != wanted {
				if _, err := s.SetTeamMember(ctx, t.ID, id, wanted); err != nil {
					return err
				}
			}
		}
		out, err = s.store.User(ctx, id)
		return err
	})
	// What the calls inside cleared before the commit may have been read
	// again, unchanged, before it.
	s.cache.clear()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	return out, nil
}
