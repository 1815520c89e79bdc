package crm

import (
	"context"
	"slices"
)

// The permission rules of records owned by a user and a team — contacts,
// companies, deals — in one place.
//
//   - admin: reads and writes everything.
//   - viewer: reads everything, writes nothing.
//   - manager: reads and writes the records of their teams (owned by the
//     team, by a member of the team, or by themselves).
//   - agent: reads and writes records they own or their team owns.
//
// What one may see of the other records (a contact's basic card, nothing of
// a deal) is each domain's rule.

// ReadsRecord reports whether p may read in full a record with this owner
// and team.
func (p *Principal) ReadsRecord(owner, team *int64) bool {
	switch p.Role {
	case RoleAdmin, RoleViewer:
		return true
	}
	return p.ownsThrough(owner, team)
}

// WritesRecord reports whether p may change or delete the record.
func (p *Principal) WritesRecord(owner, team *int64) bool {
	switch p.Role {
	case RoleAdmin:
		return true
	case RoleViewer:
		return false
	}
	return p.ownsThrough(owner, team)
}

func (p *Principal) ownsThrough(owner, team *int64) bool {
	if owner != nil && *owner == p.UserID {
		return true
	}
	if team != nil && p.InTeam(*team) {
		return true
	}
	return p.Role == RoleManager && owner != nil && slices.Contains(p.TeamMemberIDs, *owner)
}

// ReadScope describes the records a principal may read in full, for a store
// to filter by: those owned by one of OwnerIDs or by one of TeamIDs. It says
// the same as ReadsRecord.
type ReadScope struct {
	OwnerIDs, TeamIDs []int64
}

// ReadScope returns what p may read in full, or nil for everything.
func (p *Principal) ReadScope() *ReadScope {
	switch p.Role {
	case RoleAdmin, RoleViewer:
		return nil
	}
	owners := []int64{p.UserID}
	if p.Role == RoleManager {
		owners = append(owners, p.TeamMemberIDs...)
	}
	return &ReadScope{OwnerIDs: owners, TeamIDs: slices.Clone(p.TeamIDs)}
}

// CheckAssignment checks the team a principal gives a record: anyone who may
// write may hand a record to another user, but only admins may give it to a
// team they are not in.
func (p *Principal) CheckAssignment(v *Violations, prevTeam, team *int64) {
	if team == nil || p.IsAdmin() || (prevTeam != nil && *prevTeam == *team) {
		return
	}
	if !p.InTeam(*team) {
		v.Add("team_id", "not_your_team")
	}
}

// DefaultOwnership fills the owner and team of a new record from its
// creator: the creator, and their team when they have only one.
func (p *Principal) DefaultOwnership(owner, team **int64) {
	if *owner == nil && !p.System {
		id := p.UserID
		*owner = &id
	}
	if *team == nil && *owner != nil && **owner == p.UserID && len(p.TeamIDs) == 1 {
		t := p.TeamIDs[0]
		*team = &t
	}
}

// Directory tells which users and teams exist.
type Directory interface {
	// MissingUsers and MissingTeams return those of ids that do not exist.
	MissingUsers(ctx context.Context, ids []int64) ([]int64, error)
	MissingTeams(ctx context.Context, ids []int64) ([]int64, error)
}

// MissingOwners reports the owners and teams records name that do not
// exist, for the services that assign records.
func MissingOwners(ctx context.Context, dir Directory, owners, teams []int64) (missingUsers, missingTeams map[int64]bool, err error) {
	missingUsers, missingTeams = map[int64]bool{}, map[int64]bool{}
	for _, look := range []struct {
		ids     []int64
		missing func(context.Context, []int64) ([]int64, error)
		into    map[int64]bool
	}{{owners, dir.MissingUsers, missingUsers}, {teams, dir.MissingTeams, missingTeams}} {
		if len(look.ids) == 0 {
			continue
		}
		ids, err := look.missing(ctx, look.ids)
		if err != nil {
			return nil, nil, err
		}
		for _, id := range ids {
			look.into[id] = true
		}
	}
	return missingUsers, missingTeams, nil
}
