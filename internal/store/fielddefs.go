package store

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/customer"
)

const fieldDefColumns = `id, version, record_type, key, label, labels, type, options, required, currency,
	position, created_at, updated_at`

func scanFieldDef(row rowScanner) (*customer.FieldDef, error) {
	var d customer.FieldDef
	var labels, options []byte
	err := row.Scan(&d.ID, &d.Version, &d.RecordType, &d.Key, &d.Label, &labels, &d.Type, &options, &d.Required,
		&d.Currency, &d.Position, timeCol{&d.CreatedAt}, timeCol{&d.UpdatedAt})
	if err != nil {
		return nil, mapError(err)
	}
	if err := unmarshalAll(jsonField{labels, &d.Labels}, jsonField{options, &d.Options}); err != nil {
		return nil, fmt.Errorf("custom field %d: %w", d.ID, err)
	}
	d.Options = orEmpty(d.Options)
	if d.Labels == nil {
		d.Labels = map[string]string{}
	}
	return &d, nil
}

// FieldDefs lists the custom fields of a record type ("" for all), in form
// order. Every list, create and update needs them, so they are cached (see
// fieldDefCache); a transaction reads them afresh.
func (s *Store) FieldDefs(ctx context.Context, recordType string) ([]customer.FieldDef, error) {
	if txOf(ctx) != nil {
		return s.loadFieldDefs(ctx, recordType)
	}
	if defs, ok := s.fieldDefs.get(recordType, time.Now()); ok {
		return defs, nil
	}
	gen := s.fieldDefs.generation()
	defs, err := s.loadFieldDefs(ctx, recordType)
	if err != nil {
		return nil, err
	}
	s.fieldDefs.put(recordType, defs, gen, time.Now())
	return slices.Clone(defs), nil
}

func (s *Store) loadFieldDefs(ctx context.Context, recordType string) ([]customer.FieldDef, error) {
	rows, err := s.query(ctx, "SELECT "+fieldDefColumns+" FROM custom_fields WHERE ? = '' OR record_type = ? ORDER BY record_type, position, key",
		recordType, recordType)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []customer.FieldDef{}
	for rows.Next() {
		d, err := scanFieldDef(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *d)
	}
	return out, mapError(rows.Err())
}

// fieldDefCache keeps the field definitions of each record type. A change
// made through this store clears it once committed; one made by another
// process is seen within ttl.
type fieldDefCache struct {
	ttl time.Duration
	mu  sync.Mutex
	// gen counts committed changes: an entry read before a change committed
	// is not kept (its reader may have seen the state before it).
	gen     uint64
	entries map[string]fieldDefEntry
}

type fieldDefEntry struct {
	defs []customer.FieldDef
	at   time.Time
}

func newFieldDefCache(ttl time.Duration) *fieldDefCache {
	return &fieldDefCache{ttl: ttl, entries: map[string]fieldDefEntry{}}
}

// get returns a copy of the cached list (callers may reorder their slice;
// the definitions themselves are read-only).
func (c *fieldDefCache) get(recordType string, now time.Time) ([]customer.FieldDef, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[recordType]
	if !ok || now.Sub(e.at) >= c.ttl {
		return nil, false
	}
	return slices.Clone(e.defs), true
}

func (c *fieldDefCache) generation() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen
}

// put keeps defs, read when the generation was gen, unless a change has
// committed since.
func (c *fieldDefCache) put(recordType string, defs []customer.FieldDef, gen uint64, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen == gen {
		c.entries[recordType] = fieldDefEntry{defs: defs, at: now}
	}
}

// changed forgets every entry once the change in ctx's transaction (if any)
// has committed.
func (c *fieldDefCache) changed(ctx context.Context) {
	afterCommit(ctx, func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		c.gen++
		clear(c.entries)
	})
}

// FieldDef reads one custom field definition.
func (s *Store) FieldDef(ctx context.Context, id int64) (*customer.FieldDef, error) {
	d, err := scanFieldDef(s.queryRow(ctx, "SELECT "+fieldDefColumns+" FROM custom_fields WHERE id = ?", id))
	if crm.IsKind(err, crm.KindNotFound) {
		return nil, notFound("custom_field", id)
	}
	return d, err
}

// CreateFieldDef inserts a definition; Conflict when the key is taken.
func (s *Store) CreateFieldDef(ctx context.Context, d *customer.FieldDef) error {
	err := s.queryRow(ctx, `INSERT INTO custom_fields (version, record_type, key, label, labels, type, options,
		required, currency, position, created_at, updated_at) VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		d.RecordType, d.Key, d.Label, mustJSON(d.Labels), string(d.Type), mustJSON(d.Options), d.Required, d.Currency,
		d.Position, s.d.timeArg(d.CreatedAt), s.d.timeArg(d.UpdatedAt)).Scan(&d.ID)
	if err = mapError(err); crm.IsKind(err, crm.KindConflict) {
		return crm.E("store.CreateFieldDef", crm.KindConflict, "duplicate_field_key").With("key", d.Key)
	}
	if err == nil {
		d.Version = 1
		s.fieldDefs.changed(ctx)
	}
	return err
}

// UpdateFieldDef saves next over old, checking old's version.
func (s *Store) UpdateFieldDef(ctx context.Context, old, next *customer.FieldDef) error {
	res, err := s.exec(ctx, `UPDATE custom_fields SET version = version + 1, label = ?, labels = ?, options = ?,
		required = ?, position = ?, updated_at = ? WHERE id = ? AND version = ?`,
		next.Label, mustJSON(next.Labels), mustJSON(next.Options), next.Required, next.Position,
		s.d.timeArg(next.UpdatedAt), next.ID, old.Version)
	if err := s.checkUpdated(ctx, res, err, "custom_fields", "custom_field", next.ID); err != nil {
		return err
	}
	next.Version = old.Version + 1
	s.fieldDefs.changed(ctx)
	return nil
}

// DeleteFieldDef removes a definition and its values from every record of
// its type (including deleted ones), moving those records' versions.
func (s *Store) DeleteFieldDef(ctx context.Context, d *customer.FieldDef) error {
	table := "contacts"
	if d.RecordType == customer.RecordCompany {
		table = "companies"
	}
	return s.InTx(ctx, func(ctx context.Context) error {
		// d.Key matches ^[a-z][a-z0-9_]*$, so it is safe inside the SQL.
		if _, err := s.exec(ctx, fmt.Sprintf("UPDATE %s SET custom = %s, version = version + 1 WHERE %s IS NOT NULL",
			table, s.d.customRemove("custom", d.Key), s.d.customValue("custom", d.Key, customer.TypeText))); err != nil {
			return err
		}
		if _, err := s.exec(ctx, "DELETE FROM custom_fields WHERE id = ?", d.ID); err != nil {
			return err
		}
		s.fieldDefs.changed(ctx)
		return nil
	})
}
