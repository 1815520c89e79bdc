package store

import (
	"context"

	"github.com/guanxi-crm/guanxi/internal/crm"
)

// Setting reads an installation setting; ok is false when it is not set.
func (s *Store) Setting(ctx context.Context, key string) (value string, ok bool, err error) {
	err = s.queryRow(ctx, "SELECT value FROM settings WHERE key = ?", key).Scan(&value)
	if err = mapError(err); crm.IsKind(err, crm.KindNotFound) {
		return "", false, nil
	}
	return value, err == nil, err
}

// SetSetting writes an installation setting.
func (s *Store) SetSetting(ctx context.Context, key, value string) error {
	_, err := s.exec(ctx, "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", key, value)
	return err
}

// InitSetting writes a setting that has no value yet and returns the value
// it holds afterwards: the one given, or the one another transaction wrote
// first (whose commit the insert waits for on PostgreSQL).
func (s *Store) InitSetting(ctx context.Context, key, value string) (string, error) {
	if _, err := s.exec(ctx, "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING", key, value); err != nil {
		return "", mapError(err)
	}
	var stored string
	err := s.queryRow(ctx, "SELECT value FROM settings WHERE key = ?", key).Scan(&stored)
	return stored, mapError(err)
}
