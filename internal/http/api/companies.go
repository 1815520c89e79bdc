package api

import (
	"context"
	"strconv"

	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/customer"
)

// CompanyOutput is one company with its ETag.
type CompanyOutput struct {
	ETag string `header:"ETag"`
	Body *customer.Company
}

// CreatedCompanyOutput is a new company with its address.
type CreatedCompanyOutput struct {
	ETag     string `header:"ETag"`
	Location string `header:"Location"`
	Body     *customer.Company
}

func companyOutput(c *customer.Company) *CompanyOutput {
	return &CompanyOutput{ETag: etag(c.Version), Body: c}
}

func (a *API) listCompanies(ctx context.Context, in *ListParams) (*ListOutput[*customer.Company], error) {
	page, err := a.deps.Customers.ListCompanies(ctx, in.domain())
	if err != nil {
		return nil, err
	}
	return pageOutput(ctx, page), nil
}

type createCompanyInput struct {
	Body customer.CompanyFields
}

func (a *API) createCompany(ctx context.Context, in *createCompanyInput) (*CreatedCompanyOutput, error) {
	c, err := a.deps.Customers.CreateCompany(ctx, in.Body)
	if err != nil {
		return nil, err
	}
	return &CreatedCompanyOutput{ETag: etag(c.Version), Location: Prefix + "/companies/" + strconv.FormatInt(c.ID, 10), Body: c}, nil
}

type createCompaniesInput struct {
	Batch[customer.CompanyFields]
}

func (a *API) createCompanies(ctx context.Context, in *createCompaniesInput) (*BatchOutput, error) {
	items, errs, err := batchItems[customer.CompanyFields](ctx, a, in.RawBody)
	if err != nil {
		return nil, err
	}
	results, err := a.deps.Customers.CreateCompanies(ctx, items)
	if err != nil {
		return nil, err
	}
	return batchOutput(ctx, len(items), mergeBatch(errs, results)), nil
}

func (a *API) getCompany(ctx context.Context, in *IDPath) (*CompanyOutput, error) {
	c, err := a.deps.Customers.GetCompany(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return companyOutput(c), nil
}

type updateCompanyInput struct {
	IDPath
	IfMatch
	Patch[customer.CompanyFields]
}

func (a *API) updateCompany(ctx context.Context, in *updateCompanyInput) (*CompanyOutput, error) {
	version, err := in.version()
	if err != nil {
		return nil, err
	}
	c, err := a.deps.Customers.UpdateCompany(ctx, in.ID, version, func(f *customer.CompanyFields) error {
		return applyPatch(ctx, a, f, in.RawBody)
	})
	if err != nil {
		return nil, err
	}
	return companyOutput(c), nil
}

func (a *API) deleteCompany(ctx context.Context, in *deleteInput) (*struct{}, error) {
	version, err := in.version()
	if err != nil {
		return nil, err
	}
	return nil, a.deps.Customers.DeleteCompany(ctx, in.ID, version)
}

func (a *API) restoreCompany(ctx context.Context, in *IDPath) (*CompanyOutput, error) {
	c, err := a.deps.Customers.RestoreCompany(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return companyOutput(c), nil
}

func (a *API) companyAudit(ctx context.Context, in *auditInput) (*ListOutput[crm.AuditEntry], error) {
	page, err := a.deps.Customers.CompanyAudit(ctx, in.ID, in.Cursor, in.Limit)
	if err != nil {
		return nil, err
	}
	return pageOutput(ctx, page), nil
}

func (a *API) companyPositions(ctx context.Context, in *IDPath) (*ItemsOutput[*customer.Position], error) {
	p, err := a.deps.Customers.CompanyPositions(ctx, in.ID)
	return items(p), err
}
