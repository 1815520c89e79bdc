package store

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/touchpoint"
)

var _ touchpoint.Store = (*Store)(nil)

// ExternalContacts maps ids of a source system to their live contacts.
func (s *Store) ExternalContacts(ctx context.Context, source string, externalIDs []string) (map[string]int64, error) {
	out := map[string]int64{}
	for start := 0; start < len(externalIDs); start += 500 {
		chunk := externalIDs[start:min(len(externalIDs), start+500)]
		rows, err := s.query(ctx, `SELECT i.value, i.contact_id FROM contact_identities i
			JOIN contacts c ON c.id = i.contact_id AND c.deleted_at IS NULL
			WHERE i.kind = 'external' AND i.source = ? AND i.value IN (`+placeholders(len(chunk))+`)`,
			append([]any{source}, anySlice(chunk)...)...)
		if err != nil {
			return nil, err
		}
		if err := scanStringIDs(rows, func(k string, id int64) { out[k] = id }); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// scanStringIDs reads (text, id) rows.
func scanStringIDs(rows interface {
	Next() bool
	Scan(...any) error
	Err() error
	Close() error
}, put func(string, int64)) error {
	defer rows.Close()
	for rows.Next() {
		var k string
		var id int64
		if err := rows.Scan(&k, &id); err != nil {
			return mapError(err)
		}
		put(k, id)
	}
	return mapError(rows.Err())
}

// LinkExternalIDs records which contact an id of a source system names. An
// id linked before to a contact that was deleted moves to the new one.
func (s *Store) LinkExternalIDs(ctx context.Context, links []touchpoint.ExternalLink, at time.Time) error {
	if len(links) == 0 {
		return nil
	}
	values := make([]any, 0, len(links)*5)
	seen := make(map[[2]string]bool, len(links))
	for _, l := range links {
		// PostgreSQL refuses an upsert that touches a row twice
		if k := [2]string{l.Source, l.ExternalID}; !seen[k] {
			seen[k] = true
			values = append(values, "external", l.Source, l.ExternalID, l.ContactID, s.d.timeArg(at))
		}
	}
	return s.InTx(ctx, func(ctx context.Context) error {
		for start := 0; start < len(values); start += 500 * 5 {
			chunk := values[start:min(len(values), start+500*5)]
			if _, err := s.exec(ctx, "INSERT INTO contact_identities (kind, source, value, contact_id, created_at) VALUES "+
				rowsOf(len(chunk)/5, 5)+` ON CONFLICT (kind, source, value) DO UPDATE SET contact_id = excluded.contact_id
				WHERE contact_identities.contact_id IS NULL
				   OR contact_identities.contact_id IN (SELECT id FROM contacts WHERE deleted_at IS NOT NULL)`, chunk...); err != nil {
				return err
			}
		}
		return nil
	})
}

// AnonymousProfiles reads the anonymous ids known so far.
func (s *Store) AnonymousProfiles(ctx context.Context, anonymousIDs []string) (map[string]*int64, error) {
	out := map[string]*int64{}
	for start := 0; start < len(anonymousIDs); start += 500 {
		chunk := anonymousIDs[start:min(len(anonymousIDs), start+500)]
		rows, err := s.query(ctx, `SELECT value, contact_id FROM contact_identities
			WHERE kind = 'anonymous' AND source = '' AND value IN (`+placeholders(len(chunk))+`)`, anySlice(chunk)...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var v string
			var c *int64
			if err := rows.Scan(&v, &c); err != nil {
				rows.Close()
				return nil, mapError(err)
			}
			out[v] = c
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, mapError(err)
		}
	}
	return out, nil
}

// AddAnonymousProfiles records anonymous ids not seen before.
func (s *Store) AddAnonymousProfiles(ctx context.Context, anonymousIDs []string, at time.Time) error {
	if len(anonymousIDs) == 0 {
		return nil
	}
	values := make([]any, 0, len(anonymousIDs)*4)
	for _, a := range anonymousIDs {
		values = append(values, "anonymous", "", a, s.d.timeArg(at))
	}
	return s.InTx(ctx, func(ctx context.Context) error {
		for start := 0; start < len(values); start += 500 * 4 {
			chunk := values[start:min(len(values), start+500*4)]
			if _, err := s.exec(ctx, "INSERT INTO contact_identities (kind, source, value, created_at) VALUES "+
				rowsOf(len(chunk)/4, 4)+" ON CONFLICT (kind, source, value) DO NOTHING", chunk...); err != nil {
				return err
			}
		}
		return nil
	})
}

// JoinAnonymous ties an anonymous id to a contact and moves its events that
// have no contact yet.
func (s *Store) JoinAnonymous(ctx context.Context, anonymousID string, contactID int64, at time.Time) (int64, *int64, error) {
	var moved int64
	var previous *int64
	err := s.InTx(ctx, func(ctx context.Context) error {
		err := s.queryRow(ctx, "SELECT contact_id FROM contact_identities WHERE kind = 'anonymous' AND source = '' AND value = ?",
			anonymousID).Scan(&previous)
		if err = mapError(err); err != nil && !crm.IsKind(err, crm.KindNotFound) {
			return err
		}
		now := s.d.timeArg(at)
		if _, err := s.exec(ctx, `INSERT INTO contact_identities (kind, source, value, contact_id, created_at, joined_at)
			VALUES ('anonymous', '', ?, ?, ?, ?)
			ON CONFLICT (kind, source, value) DO UPDATE SET contact_id = excluded.contact_id, joined_at = excluded.joined_at`,
			anonymousID, contactID, now, now); err != nil {
			return err
		}
		res, err := s.exec(ctx, "UPDATE events SET contact_id = ? WHERE anonymous_id = ? AND contact_id IS NULL", contactID, anonymousID)
		if err != nil {
			return err
		}
		moved, err = res.RowsAffected()
		return mapError(err)
	})
	return moved, previous, err
}

// EventIDsByClientID finds stored events by their client event ids.
func (s *Store) EventIDsByClientID(ctx context.Context, clientIDs []string) (map[string]int64, error) {
	out := map[string]int64{}
	for start := 0; start < len(clientIDs); start += 500 {
		chunk := clientIDs[start:min(len(clientIDs), start+500)]
		rows, err := s.query(ctx, "SELECT client_event_id, id FROM events WHERE client_event_id IN ("+placeholders(len(chunk))+")",
			anySlice(chunk)...)
		if err != nil {
			return nil, err
		}
		if err := scanStringIDs(rows, func(k string, id int64) { out[k] = id }); err != nil {
			return nil, err
		}
	}
	return out, nil
}

const eventInsertColumns = "id, contact_id, anonymous_id, type, channel, occurred_at, received_at, client_event_id, source, properties, created_by"

// InsertEvents stores events and sets their IDs.
func (s *Store) InsertEvents(ctx context.Context, events []*touchpoint.Event) error {
	if len(events) == 0 {
		return nil
	}
	return s.InTx(ctx, func(ctx context.Context) error {
		ids, err := s.d.allocIDs(ctx, s.writer(ctx), "events", len(events))
		if err != nil {
			return mapError(err)
		}
		values := make([]any, 0, len(events)*11)
		byID := make(map[int64]*touchpoint.Event, len(events))
		for i, e := range events {
			e.ID = ids[i]
			byID[e.ID] = e
			var clientID any
			if e.ClientEventID != "" {
				clientID = e.ClientEventID
			}
			values = append(values, e.ID, e.ContactID, e.AnonymousID, e.Type, string(e.Channel), s.d.timeArg(e.OccurredAt),
				s.d.timeArg(e.ReceivedAt), clientID, e.Source, string(e.Properties), e.CreatedBy)
		}
		// A retry of the same batch may be storing the same client event
		// ids at this moment: the insert waits for it and skips them, and
		// the ids it returns say which were stored here.
		stored := make(map[int64]bool, len(events))
		const width = 11
		per := rowsPerInsert(width)
		for start := 0; start < len(values); start += per * width {
			end := min(len(values), start+per*width)
			rows, err := s.query(ctx, "INSERT INTO events ("+eventInsertColumns+") VALUES "+rowsOf((end-start)/width, width)+
				" ON CONFLICT (client_event_id) WHERE client_event_id IS NOT NULL DO NOTHING RETURNING id", values[start:end]...)
			if err != nil {
				return err
			}
			got, err := scanInt64s(rows)
			if err != nil {
				return mapError(err)
			}
			for _, id := range got {
				stored[id] = true
			}
		}
		for id, e := range byID {
			if !stored[id] {
				e.ID = 0
			}
		}
		return nil
	})
}

// Event reads one event.
func (s *Store) Event(ctx context.Context, id int64) (*touchpoint.Event, error) {
	e, err := scanEvent(s.queryRow(ctx, "SELECT "+eventInsertColumns+" FROM events WHERE id = ?", id))
	if crm.IsKind(err, crm.KindNotFound) {
		return nil, notFound("event", id)
	}
	return e, err
}

func scanEvent(row rowScanner) (*touchpoint.Event, error) {
	var e touchpoint.Event
	var clientID *string
	var props []byte
	err := row.Scan(&e.ID, &e.ContactID, &e.AnonymousID, &e.Type, &e.Channel, timeCol{&e.OccurredAt}, timeCol{&e.ReceivedAt},
		&clientID, &e.Source, &props, &e.CreatedBy)
	if err != nil {
		return nil, mapError(err)
	}
	if clientID != nil {
		e.ClientEventID = *clientID
	}
	e.Properties = json.RawMessage(props)
	return &e, nil
}

// timelineCursor is the position after the last item of a page.
type timelineCursor struct {
	At   time.Time `json:"t"`
	Kind string    `json:"k"`
	ID   int64     `json:"i"`
}

// Timeline lists events, orders and changes of contacts (and a company),
// newest first. Each part reads its own index in time order; the union is
// cut at the page size.
func (s *Store) Timeline(ctx context.Context, q touchpoint.TimelineQuery) (crm.Page[touchpoint.TimelineItem], error) {
	var page crm.Page[touchpoint.TimelineItem]
	page.Items = []touchpoint.TimelineItem{}
	var after *timelineCursor
	if q.Cursor != "" {
		after = &timelineCursor{}
		if err := crm.DecodeCursor(q.Cursor, after); err != nil {
			return page, err
		}
	}
	want := func(kind string) bool { return len(q.Kinds) == 0 || slices.Contains(q.Kinds, kind) }
	var parts []string
	var args []any
	filters := func(typeCol, channelCol string) string {
		var b strings.Builder
		if len(q.Types) > 0 {
			b.WriteString(" AND " + typeCol + " IN (" + placeholders(len(q.Types)) + ")")
			args = append(args, anySlice(q.Types)...)
		}
		if len(q.Channels) > 0 {
			b.WriteString(" AND " + channelCol + " IN (" + placeholders(len(q.Channels)) + ")")
			args = append(args, anySlice(q.Channels)...)
		}
		return b.String()
	}
	if len(q.ContactIDs) > 0 {
		in := placeholders(len(q.ContactIDs))
		if want(touchpoint.ItemEvent) {
			args = append(args, anySlice(q.ContactIDs)...)
			parts = append(parts, `SELECT 'event' AS kind, e.id AS id, e.occurred_at AS at, e.contact_id AS contact_id, e.type AS type,
				e.channel AS channel, CAST(e.properties AS TEXT) AS summary FROM events e WHERE e.contact_id IN (`+in+`)`+filters("e.type", "e.channel"))
		}
		if want(touchpoint.ItemOrder) {
			args = append(args, anySlice(q.ContactIDs)...)
			summary := s.d.jsonObject("'number'", "o.number", "'status'", "o.status", "'currency'", "o.currency",
				"'total'", "o.total", "'revenue'", "o.revenue", "'lines'", "(SELECT count(*) FROM order_lines l WHERE l.order_id = o.id)")
			parts = append(parts, `SELECT 'order' AS kind, o.id AS id, o.placed_at AS at, o.contact_id AS contact_id, o.kind AS type,
				o.channel AS channel, CAST(`+summary+` AS TEXT) AS summary
				FROM orders o WHERE o.contact_id IN (`+in+`)`+filters("o.kind", "o.channel"))
		}
		if want(touchpoint.ItemChange) {
			// The history of the contacts merged into them is theirs too;
			// their ids are read first, so that the audit log is read by
			// its index for a plain list of ids (an OR with a subquery
			// made PostgreSQL scan it).
			merged, err := s.int64s(ctx, "SELECT id FROM contacts WHERE merged_into_id IN ("+in+")", anySlice(q.ContactIDs)...)
			if err != nil {
				return page, err
			}
			records := append(slices.Clone(q.ContactIDs), merged...)
			args = append(args, anySlice(records)...)
			parts = append(parts, `SELECT 'change' AS kind, a.id AS id, a.at AS at, a.record_id AS contact_id, a.action AS type,
				'' AS channel, CAST(a.changes AS TEXT) AS summary
				FROM audit_log a WHERE a.record_type = 'contact' AND a.record_id IN (`+placeholders(len(records))+`)`+filters("a.action", "''"))
		}
	}
	if q.CompanyID != 0 && want(touchpoint.ItemChange) {
		args = append(args, q.CompanyID)
		parts = append(parts, `SELECT 'change' AS kind, a.id AS id, a.at AS at, CAST(NULL AS BIGINT) AS contact_id,
			a.action AS type, '' AS channel, CAST(a.changes AS TEXT) AS summary
			FROM audit_log a WHERE a.record_type = 'company' AND a.record_id = ?`+filters("a.action", "''"))
	}
	if len(parts) == 0 {
		return page, nil
	}
	query := "SELECT kind, id, at, contact_id, type, channel, summary FROM (" + strings.Join(parts, " UNION ALL ") + ") t"
	if after != nil {
		query += " WHERE (at < ? OR (at = ? AND (kind < ? OR (kind = ? AND id < ?))))"
		at := s.d.timeArg(after.At)
		args = append(args, at, at, after.Kind, after.Kind, after.ID)
	}
	query += " ORDER BY at DESC, kind DESC, id DESC LIMIT ?"
	args = append(args, q.Limit+1)
	rows, err := s.query(ctx, query, args...)
	if err != nil {
		return page, err
	}
	defer rows.Close()
	for rows.Next() {
		var it touchpoint.TimelineItem
		var summary string
		if err := rows.Scan(&it.Kind, &it.ID, timeCol{&it.At}, &it.ContactID, &it.Type, &it.Channel, &summary); err != nil {
			return page, mapError(err)
		}
		it.Summary = json.RawMessage(summary)
		page.Items = append(page.Items, it)
	}
	if err := rows.Err(); err != nil {
		return page, mapError(err)
	}
	if len(page.Items) > q.Limit {
		page.Items = page.Items[:q.Limit]
		last := page.Items[q.Limit-1]
		page.Next = crm.EncodeCursor(timelineCursor{At: last.At, Kind: last.Kind, ID: last.ID})
	}
	return page, nil
}

// ListEvents lists events in the order they were stored.
func (s *Store) ListEvents(ctx context.Context, q touchpoint.EventQuery) (crm.Page[*touchpoint.Event], error) {
	page := crm.Page[*touchpoint.Event]{Items: []*touchpoint.Event{}}
	var after int64
	if q.Cursor != "" {
		if err := crm.DecodeCursor(q.Cursor, &after); err != nil {
			return page, err
		}
	}
	query, args := "SELECT "+eventInsertColumns+" FROM events WHERE id > ?", []any{after}
	if q.ContactID != nil {
		query, args = query+" AND contact_id = ?", append(args, *q.ContactID)
	}
	rows, err := s.query(ctx, query+" ORDER BY id LIMIT ?", append(args, q.Limit+1)...)
	if err != nil {
		return page, err
	}
	defer rows.Close()
	for rows.Next() {
		e, err := scanEvent(rows)
		if err != nil {
			return page, err
		}
		page.Items = append(page.Items, e)
	}
	if err := rows.Err(); err != nil {
		return page, mapError(err)
	}
	if len(page.Items) > q.Limit {
		page.Items = page.Items[:q.Limit]
		page.Next = crm.EncodeCursor(page.Items[q.Limit-1].ID)
	}
	return page, nil
}
