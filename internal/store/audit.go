package store

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/guanxi-crm/guanxi/internal/account"
	"github.com/guanxi-crm/guanxi/internal/crm"
)

// AppendAudit writes audit entries, in the caller's transaction when there
// is one.
func (s *Store) AppendAudit(ctx context.Context, entries ...crm.AuditEntry) error {
	values := make([]any, 0, len(entries)*8)
	for _, e := range entries {
		values = append(values, s.d.timeArg(e.At), e.ActorID, e.ActorName, e.Action, e.RecordType, e.RecordID,
			string(appendChanges(nil, e.Changes)), e.RequestID)
	}
	return s.insertRows(ctx, "INSERT INTO audit_log (at, actor_id, actor_name, action, record_type, record_id, changes, request_id) VALUES", 8, values)
}

// auditPos is where a page of the audit log ends.
type auditPos struct {
	ID int64 `json:"id"`
}

// Audit lists the entries of records of a type, newest first.
func (s *Store) Audit(ctx context.Context, recordType string, ids []int64, cursor string, limit int) (crm.Page[crm.AuditEntry], error) {
	where := []string{"record_type = ?", "record_id IN (" + placeholders(len(ids)) + ")"}
	args := append([]any{recordType}, anySlice(ids)...)
	return s.auditPage(ctx, where, args, cursor, limit)
}

// AuditLog lists entries of the whole log, newest first, optionally of one
// record type, record or actor.
func (s *Store) AuditLog(ctx context.Context, f account.AuditFilter) (crm.Page[crm.AuditEntry], error) {
	var where []string
	var args []any
	if f.RecordType != "" {
		where, args = append(where, "record_type = ?"), append(args, f.RecordType)
	}
	if f.RecordID != 0 {
		where, args = append(where, "record_id = ?"), append(args, f.RecordID)
	}
	if f.ActorID != 0 {
		where, args = append(where, "actor_id = ?"), append(args, f.ActorID)
	}
	return s.auditPage(ctx, where, args, f.Cursor, f.Limit)
}

func (s *Store) auditPage(ctx context.Context, where []string, args []any, cursor string, limit int) (crm.Page[crm.AuditEntry], error) {
	if cursor != "" {
		var pos auditPos
		if err := crm.DecodeCursor(cursor, &pos); err != nil {
			return crm.Page[crm.AuditEntry]{}, err
		}
		where, args = append(where, "id < ?"), append(args, pos.ID)
	}
	q := "SELECT id, at, actor_id, actor_name, action, record_type, record_id, changes, request_id FROM audit_log"
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	rows, err := s.query(ctx, fmt.Sprintf("%s ORDER BY id DESC LIMIT %d", q, limit+1), args...)
	if err != nil {
		return crm.Page[crm.AuditEntry]{}, err
	}
	defer rows.Close()
	page := crm.Page[crm.AuditEntry]{Items: []crm.AuditEntry{}}
	for rows.Next() {
		var e crm.AuditEntry
		var changes []byte
		if err := rows.Scan(&e.ID, timeCol{&e.At}, &e.ActorID, &e.ActorName, &e.Action, &e.RecordType, &e.RecordID,
			&changes, &e.RequestID); err != nil {
			return crm.Page[crm.AuditEntry]{}, mapError(err)
		}
		if err := unmarshalAll(jsonField{changes, &e.Changes}); err != nil {
			return crm.Page[crm.AuditEntry]{}, fmt.Errorf("audit entry %d: %w", e.ID, err)
		}
		e.Changes = orEmpty(e.Changes)
		if len(page.Items) == limit {
			page.Next = crm.EncodeCursor(auditPos{ID: page.Items[len(page.Items)-1].ID})
			break
		}
		page.Items = append(page.Items, e)
	}
	return page, mapError(rows.Err())
}

// MissingUsers returns the ids among ids that name no user.
func (s *Store) MissingUsers(ctx context.Context, ids []int64) ([]int64, error) {
	return s.missing(ctx, "users", ids)
}

// MissingTeams returns the ids among ids that name no team.
func (s *Store) MissingTeams(ctx context.Context, ids []int64) ([]int64, error) {
	return s.missing(ctx, "teams", ids)
}

func (s *Store) missing(ctx context.Context, table string, ids []int64) ([]int64, error) {
	ids = slices.Compact(slices.Sorted(slices.Values(ids)))
	if len(ids) == 0 {
		return nil, nil
	}
	found, err := s.int64s(ctx, "SELECT id FROM "+table+" WHERE id IN ("+placeholders(len(ids))+")", anySlice(ids)...)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(ids, func(id int64) bool { return slices.Contains(found, id) }), nil
}

// appendChanges writes changes as JSON, as json.Marshal would but without
// re-validating each value: a batch of creates writes an entry of every
// field of every record, and Marshal's check of each json.RawMessage was a
// tenth of the work. The values are json.Marshal's own output (crm.Diff,
// crm.JSON), hence valid JSON.
func appendChanges(b []byte, changes []crm.Change) []byte {
	b = append(b, '[')
	for i, c := range changes {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"field":`...)
		b = appendJSONString(b, c.Field)
		if len(c.From) > 0 {
			b = append(append(b, `,"from":`...), c.From...)
		}
		if len(c.To) > 0 {
			b = append(append(b, `,"to":`...), c.To...)
		}
		b = append(b, '}')
	}
	return append(b, ']')
}

// appendJSONString writes s as a JSON string.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c < 0x20:
			b = append(b, `\u00`...)
			b = append(b, "0123456789abcdef"[c>>4], "0123456789abcdef"[c&0xf])
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}
