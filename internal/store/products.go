package store

import (
	"context"
	"strings"

	"github.com/guanxi-crm/guanxi/internal/commerce"
	"github.com/guanxi-crm/guanxi/internal/crm"
)

var _ commerce.Store = (*Store)(nil)

const productColumns = "id, version, sku, name, category, price, cost, currency, active, created_at, updated_at"

func scanProduct(row rowScanner) (*commerce.Product, error) {
	var p commerce.Product
	var active bool
	err := row.Scan(&p.ID, &p.Version, &p.SKU, &p.Name, &p.Category, &p.Price, &p.Cost, &p.Currency, &active,
		timeCol{&p.CreatedAt}, timeCol{&p.UpdatedAt})
	if err != nil {
		return nil, mapError(err)
	}
	p.Active = &active
	return &p, nil
}

func (s *Store) productValues(p *commerce.Product) []any {
	return []any{p.SKU, p.Name, p.Category, p.Price, p.Cost, p.Currency, p.Active != nil && *p.Active,
		s.d.timeArg(p.CreatedAt), s.d.timeArg(p.UpdatedAt)}
}

// CreateProducts inserts products, setting their IDs.
func (s *Store) CreateProducts(ctx context.Context, ps []*commerce.Product) error {
	if len(ps) == 0 {
		return nil
	}
	return s.InTx(ctx, func(ctx context.Context) error {
		ids, err := s.d.allocIDs(ctx, s.writer(ctx), "products", len(ps))
		if err != nil {
			return mapError(err)
		}
		values := make([]any, 0, len(ps)*11)
		for i, p := range ps {
			p.ID, p.Version = ids[i], 1
			values = append(values, p.ID, p.Version)
			values = append(values, s.productValues(p)...)
		}
		return s.insertRows(ctx, "INSERT INTO products ("+productColumns+") VALUES", 11, values)
	})
}

// Product reads a product.
func (s *Store) Product(ctx context.Context, id int64) (*commerce.Product, error) {
	p, err := scanProduct(s.queryRow(ctx, "SELECT "+productColumns+" FROM products WHERE id = ?", id))
	if crm.IsKind(err, crm.KindNotFound) {
		return nil, notFound("product", id)
	}
	return p, err
}

// ProductsBySKU reads the products with these SKUs.
func (s *Store) ProductsBySKU(ctx context.Context, skus []string) (map[string]*commerce.Product, error) {
	out := map[string]*commerce.Product{}
	for start := 0; start < len(skus); start += 500 {
		chunk := skus[start:min(len(skus), start+500)]
		rows, err := s.query(ctx, "SELECT "+productColumns+" FROM products WHERE sku IN ("+placeholders(len(chunk))+")", anySlice(chunk)...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			p, err := scanProduct(rows)
			if err != nil {
				rows.Close()
				return nil, err
			}
			out[p.SKU] = p
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, mapError(err)
		}
	}
	return out, nil
}

var productUpdateColumns = columnList("sku, name, category, price, cost, currency, active, created_at, updated_at")

// UpdateProduct saves next over old, checking old's version.
func (s *Store) UpdateProduct(ctx context.Context, old, next *commerce.Product) error {
	set, args := changedColumns(productUpdateColumns, s.productValues(old), s.productValues(next))
	res, err := s.exec(ctx, "UPDATE products SET version = version + 1"+set+" WHERE id = ? AND version = ?", append(args, next.ID, old.Version)...)
	if err := s.checkUpdated(ctx, res, err, "products", "product", next.ID); err != nil {
		return err
	}
	next.Version = old.Version + 1
	return nil
}

// nameCursor is the position after the last item of a page sorted by name.
type nameCursor struct {
	Name string `json:"n"`
	ID   int64  `json:"i"`
}

// ListProducts lists products by name.
func (s *Store) ListProducts(ctx context.Context, q commerce.ProductQuery) (crm.Page[*commerce.Product], error) {
	page := crm.Page[*commerce.Product]{Items: []*commerce.Product{}}
	var where []string
	var args []any
	if q.Search != "" {
		where = append(where, `(sku LIKE ? ESCAPE '\' OR name LIKE ? ESCAPE '\')`)
		like := "%" + escapeLike(q.Search) + "%"
		args = append(args, like, like)
	}
	if q.Category != "" {
		where = append(where, "category = ?")
		args = append(args, q.Category)
	}
	if q.Active != nil {
		where = append(where, "active = ?")
		args = append(args, *q.Active)
	}
	if q.Cursor != "" {
		var c nameCursor
		if err := crm.DecodeCursor(q.Cursor, &c); err != nil {
			return page, err
		}
		where = append(where, "(name > ? OR (name = ? AND id > ?))")
		args = append(args, c.Name, c.Name, c.ID)
	}
	query := "SELECT " + productColumns + " FROM products"
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	rows, err := s.query(ctx, query+" ORDER BY name, id LIMIT ?", append(args, q.Limit+1)...)
	if err != nil {
		return page, err
	}
	defer rows.Close()
	for rows.Next() {
		p, err := scanProduct(rows)
		if err != nil {
			return page, err
		}
		page.Items = append(page.Items, p)
	}
	if err := rows.Err(); err != nil {
		return page, mapError(err)
	}
	if len(page.Items) > q.Limit {
		page.Items = page.Items[:q.Limit]
		last := page.Items[q.Limit-1]
		page.Next = crm.EncodeCursor(nameCursor{Name: last.Name, ID: last.ID})
	}
	return page, nil
}
