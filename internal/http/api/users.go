package api

import (
	"context"
	"strconv"

	"github.com/guanxi-crm/guanxi/internal/account"
)

// UserOutput is one user with its ETag.
type UserOutput struct {
	ETag string `header:"ETag"`
	Body *account.User
}

// CreatedUserOutput is a new user with its address.
type CreatedUserOutput struct {
	ETag     string `header:"ETag"`
	Location string `header:"Location"`
	Body     *account.User
}

func (a *API) listUsers(ctx context.Context, _ *struct{}) (*ItemsOutput[*account.User], error) {
	users, err := a.deps.Accounts.ListUsers(ctx)
	return items(users), err
}

type createUserInput struct {
	Body struct {
		account.UserFields
		Password string `json:"password" required:"false" minLength:"10" maxLength:"1024" doc:"Leave out to create a user who signs in only once an admin sets a password"`
	}
}

func (a *API) createUser(ctx context.Context, in *createUserInput) (*CreatedUserOutput, error) {
	u, err := a.deps.Accounts.CreateUser(ctx, in.Body.UserFields, in.Body.Password)
	if err != nil {
		return nil, err
	}
	return &CreatedUserOutput{ETag: etag(u.Version), Location: Prefix + "/users/" + strconv.FormatInt(u.ID, 10), Body: u}, nil
}

func (a *API) getUser(ctx context.Context, in *IDPath) (*UserOutput, error) {
	u, err := a.deps.Accounts.GetUser(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return &UserOutput{ETag: etag(u.Version), Body: u}, nil
}

func (a *API) me(ctx context.Context, _ *struct{}) (*UserOutput, error) {
	u, err := a.deps.Accounts.Me(ctx)
	if err != nil {
		return nil, err
	}
	return &UserOutput{ETag: etag(u.Version), Body: u}, nil
}

type updateUserInput struct {
	IDPath
	IfMatch
	Patch[account.UserFields]
}

func (a *API) updateUser(ctx context.Context, in *updateUserInput) (*UserOutput, error) {
	version, err := in.version()
	if err != nil {
		return nil, err
	}
	u, err := a.deps.Accounts.UpdateUser(ctx, in.ID, version, func(f *account.UserFields) error {
		return applyPatch(ctx, a, f, in.RawBody)
	})
	if err != nil {
		return nil, err
	}
	return &UserOutput{ETag: etag(u.Version), Body: u}, nil
}

type setPasswordInput struct {
	IDPath
	Body struct {
		CurrentPassword string `json:"current_password" required:"false" maxLength:"1024" doc:"Required when changing your own password"`
		NewPassword     string `json:"new_password" maxLength:"1024"`
	}
}

func (a *API) setPassword(ctx context.Context, in *setPasswordInput) (*struct{}, error) {
	return nil, a.deps.Accounts.SetPassword(ctx, in.ID, in.Body.CurrentPassword, in.Body.NewPassword)
}
