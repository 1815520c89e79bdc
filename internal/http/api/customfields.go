package api

import (
	"context"
	"strconv"

	"github.com/guanxi-crm/guanxi/internal/customer"
)

// FieldDefOutput is one custom field definition with its ETag.
type FieldDefOutput struct {
	ETag string `header:"ETag"`
	Body *customer.FieldDef
}

// CreatedFieldDefOutput is a new definition with its address.
type CreatedFieldDefOutput struct {
	ETag     string `header:"ETag"`
	Location string `header:"Location"`
	Body     *customer.FieldDef
}

type listFieldDefsInput struct {
	RecordType string `query:"record_type" enum:"contact,company," doc:"Only the fields of this record type"`
}

func (a *API) listFieldDefs(ctx context.Context, in *listFieldDefsInput) (*ItemsOutput[customer.FieldDef], error) {
	defs, err := a.deps.Customers.ListFieldDefs(ctx, in.RecordType)
	return items(defs), err
}

type createFieldDefInput struct {
	Body customer.FieldDefFields
}

func (a *API) createFieldDef(ctx context.Context, in *createFieldDefInput) (*CreatedFieldDefOutput, error) {
	d, err := a.deps.Customers.CreateFieldDef(ctx, in.Body)
	if err != nil {
		return nil, err
	}
	return &CreatedFieldDefOutput{ETag: etag(d.Version), Location: Prefix + "/custom-fields/" + strconv.FormatInt(d.ID, 10), Body: d}, nil
}

func (a *API) getFieldDef(ctx context.Context, in *IDPath) (*FieldDefOutput, error) {
	d, err := a.deps.Customers.GetFieldDef(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return &FieldDefOutput{ETag: etag(d.Version), Body: d}, nil
}

type updateFieldDefInput struct {
	IDPath
	IfMatch
	Patch[customer.FieldDefFields]
}

func (a *API) updateFieldDef(ctx context.Context, in *updateFieldDefInput) (*FieldDefOutput, error) {
	version, err := in.version()
	if err != nil {
		return nil, err
	}
	d, err := a.deps.Customers.UpdateFieldDef(ctx, in.ID, version, func(f *customer.FieldDefFields) error {
		return applyPatch(ctx, a, f, in.RawBody)
	})
	if err != nil {
		return nil, err
	}
	return &FieldDefOutput{ETag: etag(d.Version), Body: d}, nil
}

func (a *API) deleteFieldDef(ctx context.Context, in *IDPath) (*struct{}, error) {
	return nil, a.deps.Customers.DeleteFieldDef(ctx, in.ID)
}
