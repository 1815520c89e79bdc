package api

import (
	"context"
	"strconv"

	"github.com/guanxi-crm/guanxi/internal/account"
)

// TeamOutput is one team with its ETag.
type TeamOutput struct {
	ETag string `header:"ETag"`
	Body *account.Team
}

// CreatedTeamOutput is a new team with its address.
type CreatedTeamOutput struct {
	ETag     string `header:"ETag"`
	Location string `header:"Location"`
	Body     *account.Team
}

func (a *API) listTeams(ctx context.Context, _ *struct{}) (*ItemsOutput[*account.Team], error) {
	teams, err := a.deps.Accounts.ListTeams(ctx)
	return items(teams), err
}

type createTeamInput struct {
	Body account.TeamFields
}

func (a *API) createTeam(ctx context.Context, in *createTeamInput) (*CreatedTeamOutput, error) {
	t, err := a.deps.Accounts.CreateTeam(ctx, in.Body)
	if err != nil {
		return nil, err
	}
	return &CreatedTeamOutput{ETag: etag(t.Version), Location: Prefix + "/teams/" + strconv.FormatInt(t.ID, 10), Body: t}, nil
}

func (a *API) getTeam(ctx context.Context, in *IDPath) (*TeamOutput, error) {
	t, err := a.deps.Accounts.GetTeam(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return &TeamOutput{ETag: etag(t.Version), Body: t}, nil
}

type updateTeamInput struct {
	IDPath
	IfMatch
	Patch[account.TeamFields]
}

func (a *API) updateTeam(ctx context.Context, in *updateTeamInput) (*TeamOutput, error) {
	version, err := in.version()
	if err != nil {
		return nil, err
	}
	t, err := a.deps.Accounts.UpdateTeam(ctx, in.ID, version, func(f *account.TeamFields) error {
		return applyPatch(ctx, a, f, in.RawBody)
	})
	if err != nil {
		return nil, err
	}
	return &TeamOutput{ETag: etag(t.Version), Body: t}, nil
}

func (a *API) deleteTeam(ctx context.Context, in *IDPath) (*struct{}, error) {
	return nil, a.deps.Accounts.DeleteTeam(ctx, in.ID)
}

type memberInput struct {
	IDPath
	UserID int64 `path:"user_id" minimum:"1"`
}

func (a *API) addTeamMember(ctx context.Context, in *memberInput) (*TeamOutput, error) {
	t, err := a.deps.Accounts.SetTeamMember(ctx, in.ID, in.UserID, true)
	if err != nil {
		return nil, err
	}
	return &TeamOutput{ETag: etag(t.Version), Body: t}, nil
}

func (a *API) removeTeamMember(ctx context.Context, in *memberInput) (*TeamOutput, error) {
	t, err := a.deps.Accounts.SetTeamMember(ctx, in.ID, in.UserID, false)
	if err != nil {
		return nil, err
	}
	return &TeamOutput{ETag: etag(t.Version), Body: t}, nil
}
