package api

import (
	"context"

	"github.com/guanxi-crm/guanxi/internal/customer"
)

// TagOutput is one tag.
type TagOutput struct {
	Body *customer.Tag
}

func (a *API) listTags(ctx context.Context, _ *struct{}) (*ItemsOutput[*customer.Tag], error) {
	tags, err := a.deps.Customers.ListTags(ctx)
	return items(tags), err
}

type createTagInput struct {
	Body customer.TagFields
}

func (a *API) createTag(ctx context.Context, in *createTagInput) (*TagOutput, error) {
	t, err := a.deps.Customers.CreateTag(ctx, in.Body)
	if err != nil {
		return nil, err
	}
	return &TagOutput{Body: t}, nil
}

type updateTagInput struct {
	IDPath
	Patch[customer.TagFields]
}

func (a *API) updateTag(ctx context.Context, in *updateTagInput) (*TagOutput, error) {
	t, err := a.deps.Customers.UpdateTag(ctx, in.ID, func(f *customer.TagFields) error {
		return applyPatch(ctx, a, f, in.RawBody)
	})
	if err != nil {
		return nil, err
	}
	return &TagOutput{Body: t}, nil
}

func (a *API) deleteTag(ctx context.Context, in *IDPath) (*struct{}, error) {
	return nil, a.deps.Customers.DeleteTag(ctx, in.ID)
}
