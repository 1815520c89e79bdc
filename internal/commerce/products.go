package commerce

import (
	"context"
	"strings"
	"time"

	"github.com/guanxi-crm/guanxi/internal/crm"
)

// ProductFields are the fields of a product a client writes.
type ProductFields struct {
	SKU      string `json:"sku" maxLength:"100" doc:"Stock-keeping unit, unique" example:"TEA-OOLONG-150"`
	Name     string `json:"name" maxLength:"300" example:"凍頂烏龍茶 150g"`
	Category string `json:"category,omitempty" maxLength:"100"`
	Price    int64  `json:"price" doc:"Price in minor units of the currency (cents)"`
	Cost     *int64 `json:"cost,omitempty" doc:"Unit cost in minor units, for profit; null when unknown"`
	Currency string `json:"currency,omitempty" maxLength:"3" doc:"ISO 4217; the database's currency when absent"`
	Active   *bool  `json:"active,omitempty" doc:"Offered for sale; defaults to true"`
}

// Product is an item for sale.
type Product struct {
	ID      int64 `json:"id"`
	Version int64 `json:"version"`
	ProductFields
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// ProductQuery selects products.
type ProductQuery struct {
	Search   string // in SKU and name
	Category string
	Active   *bool
	Cursor   string
	Limit    int
}

func (f *ProductFields) validate(v *crm.Violations) {
	f.SKU = crm.CleanID(v, "sku", f.SKU)
	if f.SKU == "" {
		v.Add("sku", "required")
	}
	f.Name = crm.CleanText(v, "name", f.Name, 300)
	if f.Name == "" {
		v.Add("name", "required")
	}
	f.Category = crm.CleanText(v, "category", f.Category, 100)
	f.Currency = strings.ToUpper(strings.TrimSpace(f.Currency))
	checkCurrency(v, "currency", f.Currency)
	checkAmount(v, "price", f.Price)
	if f.Cost != nil {
		checkAmount(v, "cost", *f.Cost)
	}
	if f.Active == nil {
		t := true
		f.Active = &t
	}
}

// BatchResult is the outcome of one record of a batch.
type BatchResult = crm.BatchResult

// CreateProducts creates products; each is checked on its own and the valid
// ones are created together. A SKU in use is a Conflict.
func (s *Service) CreateProducts(ctx context.Context, inputs []ProductFields) ([]BatchResult, error) {
	const op = "commerce.CreateProducts"
	p, err := crm.Writer(ctx, op)
	if err != nil {
		return nil, err
	}
	if !p.IsAdmin() && p.Role != crm.RoleManager {
		return nil, crm.E(op, crm.KindForbidden, "catalogue_managers_only")
	}
	if len(inputs) > MaxBatch {
		return nil, crm.E(op, crm.KindTooLarge, "batch_too_large").With("max", MaxBatch)
	}
	now := s.clock.Now()
	results := make([]BatchResult, len(inputs))
	for i := range inputs {
		var v crm.Violations
		inputs[i].validate(&v)
		results[i] = BatchResult{Index: i, Err: v.Err(op)}
	}
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		var skus []string
		for i, in := range inputs {
			if results[i].Err == nil {
				skus = append(skus, in.SKU)
			}
		}
		existing, err := s.store.ProductsBySKU(ctx, skus)
		if err != nil {
			return err
		}
		seen := map[string]int{}
		var batch []*Product
		var at []int
		for i := range inputs {
			in := &inputs[i]
			if results[i].Err != nil {
				continue
			}
			if old, ok := existing[in.SKU]; ok {
				results[i].Err = crm.E(op, crm.KindConflict, "duplicate_sku").With("sku", in.SKU).With("existing_id", old.ID)
				continue
			}
			if j, ok := seen[in.SKU]; ok {
				results[i].Err = crm.E(op, crm.KindConflict, "duplicate_in_batch").With("field", "sku").With("index", j)
				continue
			}
			seen[in.SKU] = i
			cur, err := s.settleCurrency(ctx, in.Currency)
			if crm.IsKind(err, crm.KindInvalid) {
				results[i].Err = err
				continue
			} else if err != nil {
				return err
			}
			in.Currency = cur
			batch = append(batch, &Product{ProductFields: *in, CreatedAt: now, UpdatedAt: now})
			at = append(at, i)
		}
		if err := s.store.CreateProducts(ctx, batch); err != nil {
			return err
		}
		entries := make([]crm.AuditEntry, len(batch))
		for j, pr := range batch {
			results[at[j]].ID, results[at[j]].Version = pr.ID, pr.Version
			entries[j] = crm.NewAuditEntry(p, crm.RequestID(ctx), now, crm.ActionCreate, "product", pr.ID, nil)
		}
		return s.store.AppendAudit(ctx, entries...)
	})
	if err != nil {
		return nil, crm.Wrap(op, err)
	}
	return results, nil
}

// CreateProduct creates one product.
func (s *Service) CreateProduct(ctx context.Context, f ProductFields) (*Product, error) {
	results, err := s.CreateProducts(ctx, []ProductFields{f})
	if err != nil {
		return nil, err
	}
	if results[0].Err != nil {
		return nil, results[0].Err
	}
	return s.store.Product(ctx, results[0].ID)
}

// GetProduct reads a product; everyone signed in may.
func (s *Service) GetProduct(ctx context.Context, id int64) (*Product, error) {
	const op = "commerce.GetProduct"
	if _, err := crm.Actor(ctx, op); err != nil {
		return nil, err
	}
	p, err := s.store.Product(ctx, id)
	return p, crm.Wrap(op, err)
}

// ListProducts lists products by name.
func (s *Service) ListProducts(ctx context.Context, q ProductQuery) (crm.Page[*Product], error) {
	const op = "commerce.ListProducts"
	if _, err := crm.Actor(ctx, op); err != nil {
		return crm.Page[*Product]{}, err
	}
	q.Limit = crm.ClampLimit(q.Limit)
	page, err := s.store.ListProducts(ctx, q)
	return page, crm.Wrap(op, err)
}

// UpdateProduct changes a product; ifVersion 0 skips the version check.
func (s *Service) UpdateProduct(ctx context.Context, id, ifVersion int64, apply func(*ProductFields) error) (*Product, error) {
	const op = "commerce.UpdateProduct"
	p, err := crm.Writer(ctx, op)
	if err != nil {
		return nil, err
	}
	if !p.IsAdmin() && p.Role != crm.RoleManager {
		return nil, crm.E(op, crm.KindForbidden, "catalogue_managers_only")
	}
	var next *Product
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		old, err := s.store.Product(ctx, id)
		if err != nil {
			return err
		}
		if ifVersion != 0 && old.Version != ifVersion {
			return crm.Stale(op, old.Version)
		}
		f := old.ProductFields
		if err := apply(&f); err != nil {
			return err
		}
		var v crm.Violations
		f.validate(&v)
		if f.Currency != old.Currency {
			v.Add("currency", "currency_mismatch", "currency", old.Currency)
		}
		if err := v.Err(op); err != nil {
			return err
		}
		if f.SKU != old.SKU {
			taken, err := s.store.ProductsBySKU(ctx, []string{f.SKU})
			if err != nil {
				return err
			}
			if o := taken[f.SKU]; o != nil {
				return crm.E(op, crm.KindConflict, "duplicate_sku").With("sku", f.SKU).With("existing_id", o.ID)
			}
		}
		next = &Product{ID: old.ID, ProductFields: f, CreatedAt: old.CreatedAt, UpdatedAt: s.clock.Now()}
		if err := s.store.UpdateProduct(ctx, old, next); err != nil {
			return err
		}
		changes, err := crm.Diff(old.ProductFields, next.ProductFields)
		if err != nil {
			return err
		}
		return s.store.AppendAudit(ctx, crm.NewAuditEntry(p, crm.RequestID(ctx), next.UpdatedAt, crm.ActionUpdate, "product", id, changes))
	})
	if err != nil {
		return nil, crm.Wrap(op, err)
	}
	return next, nil
}
