package api

import (
	"context"
	"strconv"
	"time"

	"github.com/guanxi-crm/guanxi/internal/commerce"
	"github.com/guanxi-crm/guanxi/internal/report"
)

// ProductOutput is a product with its ETag.
type ProductOutput struct {
	ETag     string `header:"ETag"`
	Location string `header:"Location"`
	Body     *commerce.Product
}

func productOutput(p *commerce.Product) *ProductOutput {
	return &ProductOutput{ETag: etag(p.Version), Body: p}
}

type listProductsInput struct {
	PageParams
	Q        string `query:"q" maxLength:"200" doc:"Part of the SKU or name"`
	Category string `query:"category" maxLength:"100"`
	Active   string `query:"active" enum:"true,false," doc:"Only active (true) or inactive (false) products"`
}

func (a *API) listProducts(ctx context.Context, in *listProductsInput) (*ListOutput[*commerce.Product], error) {
	q := commerce.ProductQuery{Search: in.Q, Category: in.Category, Cursor: in.Cursor, Limit: in.Limit}
	if in.Active != "" {
		active := in.Active == "true"
		q.Active = &active
	}
	page, err := a.deps.Commerce.ListProducts(ctx, q)
	if err != nil {
		return nil, err
	}
	return pageOutput(ctx, page), nil
}

func (a *API) createProduct(ctx context.Context, in *struct{ Body commerce.ProductFields }) (*ProductOutput, error) {
	p, err := a.deps.Commerce.CreateProduct(ctx, in.Body)
	if err != nil {
		return nil, err
	}
	out := productOutput(p)
	out.Location = Prefix + "/products/" + strconv.FormatInt(p.ID, 10)
	return out, nil
}

func (a *API) createProducts(ctx context.Context, in *Batch[commerce.ProductFields]) (*BatchOutput, error) {
	items, errs, err := batchItems[commerce.ProductFields](ctx, a, in.RawBody)
	if err != nil {
		return nil, err
	}
	results, err := a.deps.Commerce.CreateProducts(ctx, items)
	if err != nil {
		return nil, err
	}
	return batchOutput(ctx, len(items), mergeBatch(errs, results)), nil
}

func (a *API) getProduct(ctx context.Context, in *IDPath) (*ProductOutput, error) {
	p, err := a.deps.Commerce.GetProduct(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return productOutput(p), nil
}

type updateProductInput struct {
	IDPath
	IfMatch
	Patch[commerce.ProductFields]
}

func (a *API) updateProduct(ctx context.Context, in *updateProductInput) (*ProductOutput, error) {
	version, err := in.version()
	if err != nil {
		return nil, err
	}
	p, err := a.deps.Commerce.UpdateProduct(ctx, in.ID, version, func(f *commerce.ProductFields) error {
		return applyPatch(ctx, a, f, in.RawBody)
	})
	if err != nil {
		return nil, err
	}
	return productOutput(p), nil
}

// OrderOutput is an order with its ETag.
type OrderOutput struct {
	ETag     string `header:"ETag"`
	Location string `header:"Location"`
	Body     *commerce.Order
}

func orderOutput(o *commerce.Order) *OrderOutput { return &OrderOutput{ETag: etag(o.Version), Body: o} }

type listOrdersInput struct {
	PageParams
	ContactID int64     `query:"contact_id" minimum:"0" doc:"Orders of one contact"`
	Status    string    `query:"status" enum:"pending,paid,fulfilled,cancelled,refunded,"`
	From      time.Time `query:"from" doc:"Placed at or after (RFC 3339)"`
	To        time.Time `query:"to" doc:"Placed before (RFC 3339)"`
}

func (a *API) listOrders(ctx context.Context, in *listOrdersInput) (*ListOutput[*commerce.Order], error) {
	q := commerce.OrderQuery{Status: in.Status, Cursor: in.Cursor, Limit: in.Limit}
	if in.ContactID != 0 {
		q.ContactID = &in.ContactID
	}
	if !in.From.IsZero() {
		q.From = &in.From
	}
	if !in.To.IsZero() {
		q.To = &in.To
	}
	page, err := a.deps.Commerce.ListOrders(ctx, q)
	if err != nil {
		return nil, err
	}
	return pageOutput(ctx, page), nil
}

func (a *API) createOrder(ctx context.Context, in *struct{ Body commerce.OrderInput }) (*OrderOutput, error) {
	o, err := a.deps.Commerce.CreateOrder(ctx, in.Body)
	if err != nil {
		return nil, err
	}
	out := orderOutput(o)
	out.Location = Prefix + "/orders/" + strconv.FormatInt(o.ID, 10)
	return out, nil
}

func (a *API) createOrders(ctx context.Context, in *Batch[commerce.OrderInput]) (*BatchOutput, error) {
	items, errs, err := batchItems[commerce.OrderInput](ctx, a, in.RawBody)
	if err != nil {
		return nil, err
	}
	results, err := a.deps.Commerce.CreateOrders(ctx, items)
	if err != nil {
		return nil, err
	}
	return batchOutput(ctx, len(items), mergeBatch(errs, results)), nil
}

func (a *API) getOrder(ctx context.Context, in *IDPath) (*OrderOutput, error) {
	o, err := a.deps.Commerce.GetOrder(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return orderOutput(o), nil
}

type orderStatusInput struct {
	IDPath
	IfMatch
	Body struct {
		Status string `json:"status" enum:"pending,paid,fulfilled,cancelled" doc:"pending → paid → fulfilled; pending or paid → cancelled. Refund the whole amount to make it refunded"`
	}
}

func (a *API) setOrderStatus(ctx context.Context, in *orderStatusInput) (*OrderOutput, error) {
	version, err := in.version()
	if err != nil {
		return nil, err
	}
	o, err := a.deps.Commerce.SetOrderStatus(ctx, in.ID, version, in.Body.Status)
	if err != nil {
		return nil, err
	}
	return orderOutput(o), nil
}

type refundInput struct {
	IDPath
	IfMatch
	Body commerce.RefundInput
}

func (a *API) refundOrder(ctx context.Context, in *refundInput) (*OrderOutput, error) {
	version, err := in.version()
	if err != nil {
		return nil, err
	}
	o, err := a.deps.Commerce.RefundOrder(ctx, in.ID, version, in.Body)
	if err != nil {
		return nil, err
	}
	return orderOutput(o), nil
}

// CartOutput is a cart with its ETag.
type CartOutput struct {
	ETag     string `header:"ETag"`
	Location string `header:"Location"`
	Body     *commerce.Cart
}

type listCartsInput struct {
	PageParams
	ContactID int64  `query:"contact_id" minimum:"0"`
	Status    string `query:"status" enum:"open,converted,abandoned,"`
	IdleHours int    `query:"idle_hours" minimum:"0" doc:"Only carts without activity for this many hours (abandoned-cart lists)"`
}

func (a *API) listCarts(ctx context.Context, in *listCartsInput) (*ListOutput[*commerce.Cart], error) {
	q := commerce.CartQuery{Status: in.Status, Cursor: in.Cursor, Limit: in.Limit}
	if in.ContactID != 0 {
		q.ContactID = &in.ContactID
	}
	if in.IdleHours > 0 {
		t := time.Now().Add(-time.Duration(in.IdleHours) * time.Hour)
		q.IdleBefore = &t
	}
	page, err := a.deps.Commerce.ListCarts(ctx, q)
	if err != nil {
		return nil, err
	}
	return pageOutput(ctx, page), nil
}

func (a *API) createCart(ctx context.Context, in *struct{ Body commerce.CartInput }) (*CartOutput, error) {
	c, err := a.deps.Commerce.CreateCart(ctx, in.Body)
	if err != nil {
		return nil, err
	}
	return &CartOutput{ETag: etag(c.Version), Location: Prefix + "/carts/" + strconv.FormatInt(c.ID, 10), Body: c}, nil
}

func (a *API) getCart(ctx context.Context, in *IDPath) (*CartOutput, error) {
	c, err := a.deps.Commerce.GetCart(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return &CartOutput{ETag: etag(c.Version), Body: c}, nil
}

type updateCartInput struct {
	IDPath
	IfMatch
	Body commerce.CartChange
}

func (a *API) updateCart(ctx context.Context, in *updateCartInput) (*CartOutput, error) {
	version, err := in.version()
	if err != nil {
		return nil, err
	}
	c, err := a.deps.Commerce.UpdateCart(ctx, in.ID, version, in.Body)
	if err != nil {
		return nil, err
	}
	return &CartOutput{ETag: etag(c.Version), Body: c}, nil
}

// SubscriptionOutput is a subscription with its ETag.
type SubscriptionOutput struct {
	ETag     string `header:"ETag"`
	Location string `header:"Location"`
	Body     *commerce.Subscription
}

type listSubscriptionsInput struct {
	PageParams
	ContactID int64  `query:"contact_id" minimum:"0"`
	Status    string `query:"status" enum:"active,paused,cancelled,"`
}

func (a *API) listSubscriptions(ctx context.Context, in *listSubscriptionsInput) (*ListOutput[*commerce.Subscription], error) {
	q := commerce.SubscriptionQuery{Status: in.Status, Cursor: in.Cursor, Limit: in.Limit}
	if in.ContactID != 0 {
		q.ContactID = &in.ContactID
	}
	page, err := a.deps.Commerce.ListSubscriptions(ctx, q)
	if err != nil {
		return nil, err
	}
	return pageOutput(ctx, page), nil
}

func (a *API) createSubscription(ctx context.Context, in *struct{ Body commerce.SubscriptionInput }) (*SubscriptionOutput, error) {
	x, err := a.deps.Commerce.CreateSubscription(ctx, in.Body)
	if err != nil {
		return nil, err
	}
	return &SubscriptionOutput{ETag: etag(x.Version), Location: Prefix + "/subscriptions/" + strconv.FormatInt(x.ID, 10), Body: x}, nil
}

func (a *API) getSubscription(ctx context.Context, in *IDPath) (*SubscriptionOutput, error) {
	x, err := a.deps.Commerce.GetSubscription(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return &SubscriptionOutput{ETag: etag(x.Version), Body: x}, nil
}

type updateSubscriptionInput struct {
	IDPath
	IfMatch
	Body commerce.SubscriptionChange
}

func (a *API) updateSubscription(ctx context.Context, in *updateSubscriptionInput) (*SubscriptionOutput, error) {
	version, err := in.version()
	if err != nil {
		return nil, err
	}
	x, err := a.deps.Commerce.UpdateSubscription(ctx, in.ID, version, in.Body)
	if err != nil {
		return nil, err
	}
	return &SubscriptionOutput{ETag: etag(x.Version), Body: x}, nil
}

func (a *API) renewSubscription(ctx context.Context, in *IDPath) (*OrderOutput, error) {
	o, err := a.deps.Commerce.RenewSubscription(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	out := orderOutput(o)
	out.Location = Prefix + "/orders/" + strconv.FormatInt(o.ID, 10)
	return out, nil
}

// OverviewOutput is the owner's first report.
type OverviewOutput struct {
	Body *report.Overview
}

func (a *API) overview(ctx context.Context, in *PeriodParams) (*OverviewOutput, error) {
	o, err := a.deps.Reports.Overview(ctx, in.From, in.To)
	if err != nil {
		return nil, err
	}
	return &OverviewOutput{Body: o}, nil
}
