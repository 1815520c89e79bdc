package api

import (
	"context"

	"github.com/guanxi-crm/guanxi/internal/activity"
)

type listNotificationsInput struct {
	PageParams
	Unread bool `query:"unread" doc:"Only the unread ones (the first page's total counts them: a badge)"`
}

func (a *API) listNotifications(ctx context.Context, in *listNotificationsInput) (*ListOutput[*activity.Notification], error) {
	page, err := a.deps.Activities.Notifications(ctx, in.Unread, in.Cursor, in.Limit)
	if err != nil {
		return nil, err
	}
	return pageOutput(ctx, page), nil
}

// NotificationOutput is a notification.
type NotificationOutput struct {
	Body *activity.Notification
}

func (a *API) readNotification(ctx context.Context, in *IDPath) (*NotificationOutput, error) {
	n, err := a.deps.Activities.MarkRead(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return &NotificationOutput{Body: n}, nil
}

// ReadAllOutput says how many notifications were marked read.
type ReadAllOutput struct {
	Body struct {
		Marked int64 `json:"marked" doc:"How many were unread"`
	}
}

func (a *API) readAllNotifications(ctx context.Context, _ *struct{}) (*ReadAllOutput, error) {
	n, err := a.deps.Activities.MarkAllRead(ctx)
	if err != nil {
		return nil, err
	}
	out := &ReadAllOutput{}
	out.Body.Marked = n
	return out, nil
}
