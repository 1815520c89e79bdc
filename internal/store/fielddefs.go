package store

import (
	"context"
	"fmt"

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
// order.
func (s *Store) FieldDefs(ctx context.Context, recordType string) ([]customer.FieldDef, error) {
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
	d.Version = 1
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
		_, err := s.exec(ctx, "DELETE FROM custom_fields WHERE id = ?", d.ID)
		return err
	})
}
