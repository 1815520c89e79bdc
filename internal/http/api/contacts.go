package api

import (
	"context"
	"strconv"

	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/customer"
)

// ContactOutput is one contact with its ETag.
type ContactOutput struct {
	ETag string `header:"ETag" doc:"Version of the contact, for If-Match"`
	Body *customer.Contact
}

// CreatedContactOutput is a new contact with its address.
type CreatedContactOutput struct {
	ETag     string `header:"ETag"`
	Location string `header:"Location"`
	Body     *customer.Contact
}

func contactOutput(c *customer.Contact) *ContactOutput {
	return &ContactOutput{ETag: etag(c.Version), Body: c}
}

// WriteParams tune writes of contacts.
type WriteParams struct {
	AllowDuplicate bool `query:"allow_duplicate" doc:"Save even when another contact has one of the same emails or phones (otherwise 409 with params.existing_id)"`
}

func (p WriteParams) options() customer.WriteOptions {
	return customer.WriteOptions{AllowDuplicate: p.AllowDuplicate, Source: "api"}
}

func (a *API) listContacts(ctx context.Context, in *ListParams) (*ListOutput[*customer.Contact], error) {
	page, err := a.deps.Customers.ListContacts(ctx, in.domain())
	if err != nil {
		return nil, err
	}
	return pageOutput(ctx, page), nil
}

type createContactInput struct {
	WriteParams
	Body customer.ContactFields
}

func (a *API) createContact(ctx context.Context, in *createContactInput) (*CreatedContactOutput, error) {
	c, err := a.deps.Customers.CreateContact(ctx, in.Body, in.options())
	if err != nil {
		return nil, err
	}
	return &CreatedContactOutput{ETag: etag(c.Version), Location: Prefix + "/contacts/" + strconv.FormatInt(c.ID, 10), Body: c}, nil
}

type createContactsInput struct {
	WriteParams
	Batch[customer.ContactFields]
}

func (a *API) createContacts(ctx context.Context, in *createContactsInput) (*BatchOutput, error) {
	items, errs, err := batchItems[customer.ContactFields](ctx, a, in.RawBody)
	if err != nil {
		return nil, err
	}
	results, err := a.deps.Customers.CreateContacts(ctx, items, in.options())
	if err != nil {
		return nil, err
	}
	return batchOutput(ctx, len(items), mergeBatch(errs, results)), nil
}

func (a *API) getContact(ctx context.Context, in *IDPath) (*ContactOutput, error) {
	c, err := a.deps.Customers.GetContact(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return contactOutput(c), nil
}

type updateContactInput struct {
	IDPath
	IfMatch
	WriteParams
	Patch[customer.ContactFields]
}

func (a *API) updateContact(ctx context.Context, in *updateContactInput) (*ContactOutput, error) {
	version, err := in.version()
	if err != nil {
		return nil, err
	}
	c, err := a.deps.Customers.UpdateContact(ctx, in.ID, version, func(f *customer.ContactFields) error {
		return applyPatch(ctx, a, f, in.RawBody)
	}, in.options())
	if err != nil {
		return nil, err
	}
	return contactOutput(c), nil
}

type deleteInput struct {
	IDPath
	IfMatch
}

func (a *API) deleteContact(ctx context.Context, in *deleteInput) (*struct{}, error) {
	version, err := in.version()
	if err != nil {
		return nil, err
	}
	return nil, a.deps.Customers.DeleteContact(ctx, in.ID, version)
}

func (a *API) restoreContact(ctx context.Context, in *IDPath) (*ContactOutput, error) {
	c, err := a.deps.Customers.RestoreContact(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return contactOutput(c), nil
}

type purgeInput struct {
	IDPath
	Body struct {
		Reason string `json:"reason" maxLength:"500" doc:"Why, for the audit log (e.g. the erasure request's reference)"`
	}
}

func (a *API) purgeContact(ctx context.Context, in *purgeInput) (*struct{}, error) {
	return nil, a.deps.Customers.PurgeContact(ctx, in.ID, in.Body.Reason)
}

func (a *API) contactDuplicates(ctx context.Context, in *IDPath) (*ItemsOutput[customer.Duplicate], error) {
	d, err := a.deps.Customers.Duplicates(ctx, in.ID)
	return items(d), err
}

type mergeInput struct {
	IDPath
	IfMatch
	Body struct {
		ContactID int64 `json:"contact_id" minimum:"1" doc:"The contact to merge into this one"`
	}
}

func (a *API) mergeContacts(ctx context.Context, in *mergeInput) (*ContactOutput, error) {
	version, err := in.version()
	if err != nil {
		return nil, err
	}
	c, err := a.deps.Customers.MergeContacts(ctx, in.ID, in.Body.ContactID, version)
	if err != nil {
		return nil, err
	}
	return contactOutput(c), nil
}

type auditInput struct {
	IDPath
	PageParams
}

func (a *API) contactAudit(ctx context.Context, in *auditInput) (*ListOutput[crm.AuditEntry], error) {
	page, err := a.deps.Customers.ContactAudit(ctx, in.ID, in.Cursor, in.Limit)
	if err != nil {
		return nil, err
	}
	return pageOutput(ctx, page), nil
}

func (a *API) contactPositions(ctx context.Context, in *IDPath) (*ItemsOutput[*customer.Position], error) {
	p, err := a.deps.Customers.ContactPositions(ctx, in.ID)
	return items(p), err
}

// ItemsOutput is a short list returned whole.
type ItemsOutput[T any] struct {
	Body struct {
		Items []T `json:"items" nullable:"false"`
	}
}

func items[T any](list []T) *ItemsOutput[T] {
	out := &ItemsOutput[T]{}
	out.Body.Items = list
	if out.Body.Items == nil {
		out.Body.Items = []T{}
	}
	return out
}

// mergeBatch reports each record of a batch: its schema error, or what the
// service made of it. Items that failed the schema reach the service as empty
// records, which it rejects, so both lists share the request's numbering.
func mergeBatch(errs []error, results []crm.BatchResult) func(i int) (int64, int64, error) {
	return func(i int) (int64, int64, error) {
		if errs[i] != nil {
			return 0, 0, errs[i]
		}
		return results[i].ID, results[i].Version, results[i].Err
	}
}
