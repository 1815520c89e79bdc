package api

import (
	"context"
	"time"

	"github.com/guanxi-crm/guanxi/internal/account"
)

type listTokensInput struct {
	UserID int64 `query:"user_id" minimum:"-1" doc:"Whose tokens (admins only for others); -1 for everyone's; default your own"`
}

func (a *API) listTokens(ctx context.Context, in *listTokensInput) (*ItemsOutput[*account.Token], error) {
	list, err := a.deps.Accounts.ListTokens(ctx, in.UserID)
	return items(list), err
}

type createTokenInput struct {
	Body struct {
		Name      string     `json:"name" minLength:"1" maxLength:"100" doc:"What the token is for" example:"website form"`
		UserID    int64      `json:"user_id" required:"false" doc:"Whose token (admins only; default yourself)"`
		ExpiresAt *time.Time `json:"expires_at" required:"false" doc:"When it stops working (default never)"`
	}
}

// CreatedTokenOutput shows a new token's secret, once.
type CreatedTokenOutput struct {
	Body struct {
		Token  *account.Token `json:"token"`
		Secret string         `json:"secret" doc:"Send it as Authorization: Bearer <secret>. It is not stored and cannot be shown again"`
	}
}

func (a *API) createToken(ctx context.Context, in *createTokenInput) (*CreatedTokenOutput, error) {
	t, secret, err := a.deps.Accounts.CreateToken(ctx, in.Body.UserID, in.Body.Name, in.Body.ExpiresAt)
	if err != nil {
		return nil, err
	}
	out := &CreatedTokenOutput{}
	out.Body.Token, out.Body.Secret = t, secret
	return out, nil
}

func (a *API) revokeToken(ctx context.Context, in *IDPath) (*struct{}, error) {
	return nil, a.deps.Accounts.RevokeToken(ctx, in.ID)
}
