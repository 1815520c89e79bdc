package api

import (
	"context"
	"strconv"

	"github.com/guanxi-crm/guanxi/internal/customer"
)

// PositionOutput is one position with its ETag.
type PositionOutput struct {
	ETag string `header:"ETag"`
	Body *customer.Position
}

// CreatedPositionOutput is a new position with its address.
type CreatedPositionOutput struct {
	ETag     string `header:"ETag"`
	Location string `header:"Location"`
	Body     *customer.Position
}

type createPositionInput struct {
	Body customer.PositionFields
}

func (a *API) createPosition(ctx context.Context, in *createPositionInput) (*CreatedPositionOutput, error) {
	p, err := a.deps.Customers.CreatePosition(ctx, in.Body)
	if err != nil {
		return nil, err
	}
	return &CreatedPositionOutput{ETag: etag(p.Version), Location: Prefix + "/positions/" + strconv.FormatInt(p.ID, 10), Body: p}, nil
}

func (a *API) getPosition(ctx context.Context, in *IDPath) (*PositionOutput, error) {
	p, err := a.deps.Customers.GetPosition(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return &PositionOutput{ETag: etag(p.Version), Body: p}, nil
}

type updatePositionInput struct {
	IDPath
	IfMatch
	Patch[customer.PositionFields]
}

func (a *API) updatePosition(ctx context.Context, in *updatePositionInput) (*PositionOutput, error) {
	version, err := in.version()
	if err != nil {
		return nil, err
	}
	p, err := a.deps.Customers.UpdatePosition(ctx, in.ID, version, func(f *customer.PositionFields) error {
		return applyPatch(ctx, a, f, in.RawBody)
	})
	if err != nil {
		return nil, err
	}
	return &PositionOutput{ETag: etag(p.Version), Body: p}, nil
}

func (a *API) deletePosition(ctx context.Context, in *IDPath) (*struct{}, error) {
	return nil, a.deps.Customers.DeletePosition(ctx, in.ID)
}
