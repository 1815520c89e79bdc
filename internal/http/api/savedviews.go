package api

import (
	"context"

	"github.com/guanxi-crm/guanxi/internal/customer"
)

// SavedViewOutput is one saved view.
type SavedViewOutput struct {
	Body *customer.SavedView
}

type listSavedViewsInput struct {
	List string `query:"list" enum:"contacts," doc:"The list whose views to read (default contacts)"`
}

func (a *API) listSavedViews(ctx context.Context, in *listSavedViewsInput) (*ItemsOutput[*customer.SavedView], error) {
	views, err := a.deps.Customers.SavedViews(ctx, in.List)
	return items(views), err
}

type createSavedViewInput struct {
	Body customer.SavedViewFields
}

func (a *API) createSavedView(ctx context.Context, in *createSavedViewInput) (*SavedViewOutput, error) {
	v, err := a.deps.Customers.CreateSavedView(ctx, in.Body)
	if err != nil {
		return nil, err
	}
	return &SavedViewOutput{Body: v}, nil
}

func (a *API) deleteSavedView(ctx context.Context, in *IDPath) (*struct{}, error) {
	return nil, a.deps.Customers.DeleteSavedView(ctx, in.ID)
}
