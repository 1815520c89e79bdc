package store

import (
	"context"
	"time"

	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/importer"
)

var _ importer.Uploads = (*Store)(nil)

// CreateUpload stores a file, setting its ID.
func (s *Store) CreateUpload(ctx context.Context, u *importer.Upload) error {
	return mapError(s.queryRow(ctx, "INSERT INTO uploads (name, size, content, created_by, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id",
		u.Name, int64(len(u.Content)), u.Content, u.CreatedBy, s.d.timeArg(u.CreatedAt)).Scan(&u.ID))
}

// Upload reads a stored file.
func (s *Store) Upload(ctx context.Context, id int64) (*importer.Upload, error) {
	var u importer.Upload
	err := s.queryRow(ctx, "SELECT id, name, content, created_by, created_at FROM uploads WHERE id = ?", id).
		Scan(&u.ID, &u.Name, &u.Content, &u.CreatedBy, timeCol{&u.CreatedAt})
	if err = mapError(err); crm.IsKind(err, crm.KindNotFound) {
		return nil, notFound("upload", id)
	}
	return &u, err
}

// DeleteUploadsBefore forgets files uploaded before t.
func (s *Store) DeleteUploadsBefore(ctx context.Context, t time.Time) (int64, error) {
	res, err := s.exec(ctx, "DELETE FROM uploads WHERE created_at < ?", s.d.timeArg(t))
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return n, mapError(err)
}
