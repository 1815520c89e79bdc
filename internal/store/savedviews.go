package store

import (
	"context"

	"github.com/guanxi-crm/guanxi/internal/customer"
)

const savedViewColumns = "id, user_id, list, name, query, created_at"

func scanSavedView(row rowScanner) (*customer.SavedView, error) {
	var v customer.SavedView
	if err := row.Scan(&v.ID, &v.UserID, &v.List, &v.Name, &v.Query, timeCol{&v.CreatedAt}); err != nil {
		return nil, mapError(err)
	}
	return &v, nil
}

// SavedViews reads a user's views of a list by name (the unique index on
// user, list and name serves it).
func (s *Store) SavedViews(ctx context.Context, userID int64, list string) ([]*customer.SavedView, error) {
	return queryAll(ctx, s, scanSavedView, "SELECT "+savedViewColumns+" FROM saved_views WHERE user_id = ? AND list = ? ORDER BY name, id", userID, list)
}

// CreateSavedView inserts a view.
func (s *Store) CreateSavedView(ctx context.Context, v *customer.SavedView) error {
	err := s.queryRow(ctx, "INSERT INTO saved_views (user_id, list, name, query, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id",
		v.UserID, v.List, v.Name, v.Query, s.d.timeArg(v.CreatedAt)).Scan(&v.ID)
	return mapError(err)
}

// DeleteSavedView deletes a view of the user's.
func (s *Store) DeleteSavedView(ctx context.Context, userID, id int64) error {
	res, err := s.exec(ctx, "DELETE FROM saved_views WHERE id = ? AND user_id = ?", id, userID)
	if err != nil {
		return mapError(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return notFound("saved_view", id)
	}
	return nil
}
