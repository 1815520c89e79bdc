package customer

import (
	"slices"

	"github.com/guanxi-crm/guanxi/internal/crm"
)

// The permission rules of the customer database, in one place.
//
//   - admin: reads and writes everything.
//   - viewer: reads everything, writes nothing.
//   - manager: reads and writes the records of their teams (owned by the team,
//     by a member of the team, or by themselves); basic card of the rest.
//   - agent: reads and writes records they own or their team owns; basic card
//     of the rest.

// canReadFull reports whether p may see every field of a record with this
// owner and team.
func canReadFull(p *crm.Principal, owner, team *int64) bool {
	switch p.Role {
	case crm.RoleAdmin, crm.RoleViewer:
		return true
	}
	return ownsThrough(p, owner, team)
}

// ReadScope describes the records a principal may read in full, for a store
// to filter by: those owned by one of OwnerIDs or by one of TeamIDs. It says
// the same as canReadFull, for a principal who may not read everything.
type ReadScope struct {
	OwnerIDs, TeamIDs []int64
}

// readScope returns what p may read in full, or nil for everything.
func readScope(p *crm.Principal) *ReadScope {
	switch p.Role {
	case crm.RoleAdmin, crm.RoleViewer:
		return nil
	}
	owners := []int64{p.UserID}
	if p.Role == crm.RoleManager {
		owners = append(owners, p.TeamMemberIDs...)
	}
	return &ReadScope{OwnerIDs: owners, TeamIDs: slices.Clone(p.TeamIDs)}
}

// canWrite reports whether p may change or delete the record.
func canWrite(p *crm.Principal, owner, team *int64) bool {
	switch p.Role {
	case crm.RoleAdmin:
		return true
	case crm.RoleViewer:
		return false
	}
	return ownsThrough(p, owner, team)
}

func ownsThrough(p *crm.Principal, owner, team *int64) bool {
	if owner != nil && *owner == p.UserID {
		return true
	}
	if team != nil && p.InTeam(*team) {
		return true
	}
	return p.Role == crm.RoleManager && owner != nil && slices.Contains(p.TeamMemberIDs, *owner)
}

// mayAssign checks the owner and team a principal gives a record: anyone who
// may write may hand a record to another user, but only admins may give it to
// a team they are not in.
func mayAssign(p *crm.Principal, v *crm.Violations, prevTeam, team *int64) {
	if team == nil || p.IsAdmin() || (prevTeam != nil && *prevTeam == *team) {
		return
	}
	if !p.InTeam(*team) {
		v.Add("team_id", "not_your_team")
	}
}

// defaultOwnership fills owner and team of a new record from its creator.
func defaultOwnership(p *crm.Principal, owner, team **int64) {
	if *owner == nil && !p.System {
		id := p.UserID
		*owner = &id
	}
	if *team == nil && *owner != nil && **owner == p.UserID && len(p.TeamIDs) == 1 {
		t := p.TeamIDs[0]
		*team = &t
	}
}
