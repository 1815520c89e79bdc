package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/guanxi-crm/guanxi/internal/activity"
	"github.com/guanxi-crm/guanxi/internal/crm"
)

const notificationColumns = `id, user_id, kind, text, body, link, record_type, record_id, activity_id, key, created_at, read_at, emailed_at`

func scanNotification(row rowScanner) (*activity.Notification, error) {
	var n activity.Notification
	err := row.Scan(&n.ID, &n.UserID, &n.Kind, &n.Text, &n.Body, &n.Link, &n.RecordType, &n.RecordID, &n.ActivityID, &n.Key,
		timeCol{&n.CreatedAt}, nullTimeCol{&n.ReadAt}, nullTimeCol{&n.EmailedAt})
	if err != nil {
		return nil, mapError(err)
	}
	return &n, nil
}

// AddNotifications inserts notifications; one whose user already has a
// notification with its key is left as it was (Created false, ID the
// existing one's).
func (s *Store) AddNotifications(ctx context.Context, list []*activity.Notification) error {
	return s.InTx(ctx, func(ctx context.Context) error {
		for _, n := range list {
			err := s.queryRow(ctx, `INSERT INTO notifications (user_id, kind, text, body, link, record_type, record_id, activity_id, key, created_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (user_id, key) WHERE key <> '' DO NOTHING RETURNING id`,
				n.UserID, n.Kind, n.Text, n.Body, n.Link, n.RecordType, n.RecordID, n.ActivityID, n.Key, s.d.timeArg(n.CreatedAt)).Scan(&n.ID)
			if err = mapError(err); crm.IsKind(err, crm.KindNotFound) {
				// The key was taken: the notification was made before.
				if err := s.queryRow(ctx, "SELECT id FROM notifications WHERE user_id = ? AND key = ?", n.UserID, n.Key).Scan(&n.ID); err != nil {
					return fmt.Errorf("store.AddNotifications: existing %d/%s: %w", n.UserID, n.Key, mapError(err))
				}
				n.Created = false
				continue
			}
			if err != nil {
				return err
			}
			n.Created = true
		}
		return nil
	})
}

// Notification reads a notification.
func (s *Store) Notification(ctx context.Context, id int64) (*activity.Notification, error) {
	n, err := scanNotification(s.queryRow(ctx, "SELECT "+notificationColumns+" FROM notifications WHERE id = ?", id))
	if crm.IsKind(err, crm.KindNotFound) {
		return nil, notFound("notification", id)
	}
	return n, err
}

// ListNotifications lists a user's notifications newest first: by id,
// which follows their creation.
func (s *Store) ListNotifications(ctx context.Context, q activity.NotificationQuery) (crm.Page[*activity.Notification], error) {
	page := crm.Page[*activity.Notification]{Items: []*activity.Notification{}}
	where, args := []string{"user_id = ?"}, []any{q.UserID}
	if q.UnreadOnly {
		where = append(where, "read_at IS NULL")
	}
	if q.Cursor != "" {
		var c struct {
			ID int64 `json:"i"`
		}
		if err := crm.DecodeCursor(q.Cursor, &c); err != nil {
			return page, err
		}
		where, args = append(where, "id < ?"), append(args, c.ID)
	}
	rows, err := s.query(ctx, "SELECT "+notificationColumns+" FROM notifications WHERE "+strings.Join(where, " AND ")+" ORDER BY id DESC LIMIT ?",
		append(args, q.Limit+1)...)
	if err != nil {
		return page, err
	}
	defer rows.Close()
	for rows.Next() {
		n, err := scanNotification(rows)
		if err != nil {
			return page, err
		}
		page.Items = append(page.Items, n)
	}
	if err := rows.Err(); err != nil {
		return page, mapError(err)
	}
	if len(page.Items) > q.Limit {
		page.Items = page.Items[:q.Limit]
		page.Next = crm.EncodeCursor(struct {
			ID int64 `json:"i"`
		}{page.Items[q.Limit-1].ID})
	}
	return page, nil
}

// CountNotifications counts a user's notifications, or their unread ones.
func (s *Store) CountNotifications(ctx context.Context, userID int64, unreadOnly bool) (int64, error) {
	query := "SELECT count(*) FROM notifications WHERE user_id = ?"
	if unreadOnly {
		query += " AND read_at IS NULL"
	}
	var n int64
	return n, mapError(s.queryRow(ctx, query, userID).Scan(&n))
}

// MarkNotificationsRead marks a user's unread notifications of ids (every
// one for nil) read.
func (s *Store) MarkNotificationsRead(ctx context.Context, userID int64, ids []int64, at time.Time) (int64, error) {
	query, args := "UPDATE notifications SET read_at = ? WHERE user_id = ? AND read_at IS NULL", []any{s.d.timeArg(at), userID}
	if ids != nil {
		if len(ids) == 0 {
			return 0, nil
		}
		query += " AND id IN (" + placeholders(len(ids)) + ")"
		args = append(args, anySlice(ids)...)
	}
	res, err := s.exec(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return n, mapError(err)
}

// SetNotificationEmailed records when a notification's email was sent.
func (s *Store) SetNotificationEmailed(ctx context.Context, id int64, at time.Time) error {
	_, err := s.exec(ctx, "UPDATE notifications SET emailed_at = ? WHERE id = ?", s.d.timeArg(at), id)
	return err
}
