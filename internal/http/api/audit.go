package api

import (
	"context"

	"github.com/guanxi-crm/guanxi/internal/account"
	"github.com/guanxi-crm/guanxi/internal/crm"
)

type auditLogInput struct {
	PageParams
	RecordType string `query:"record_type" maxLength:"40" doc:"contact, company, position, user, team, token, tag, custom_field"`
	RecordID   int64  `query:"record_id" minimum:"0"`
	ActorID    int64  `query:"actor_id" minimum:"0" doc:"Changes made by this user"`
}

func (a *API) auditLog(ctx context.Context, in *auditLogInput) (*ListOutput[crm.AuditEntry], error) {
	page, err := a.deps.Accounts.AuditLog(ctx, account.AuditFilter{
		RecordType: in.RecordType, RecordID: in.RecordID, ActorID: in.ActorID, Cursor: in.Cursor, Limit: in.Limit,
	})
	if err != nil {
		return nil, err
	}
	return pageOutput(ctx, page), nil
}
