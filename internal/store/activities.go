package store

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/guanxi-crm/guanxi/internal/activity"
	"github.com/guanxi-crm/guanxi/internal/crm"
)

var _ activity.Store = (*Store)(nil)

// ActivityRecords is the directory of the records activities hang on that
// this store keeps: contacts, companies and deals (leads are added by the
// app when the lead pool is wired).
func (s *Store) ActivityRecords() activity.Directory {
	return activity.Directory{
		activity.RecordContact: s.contactRef,
		activity.RecordCompany: s.companyRef,
		activity.RecordDeal:    s.dealRef,
		activity.RecordLead:    s.leadRef,
	}
}

// contactRef reads a contact for activities. A merged contact reads as the
// contact it was merged into (following a chain of merges), whose activities
// include those of every contact merged into it.
func (s *Store) contactRef(ctx context.Context, id int64) (*activity.Record, error) {
	for hops := 0; ; hops++ {
		var r activity.Record
		var display, family, given string
		var deleted *time.Time
		var mergedInto *int64
		err := s.queryRow(ctx, `SELECT id, display_name, family_name, given_name, owner_id, team_id, deleted_at, merged_into_id
			FROM contacts WHERE id = ?`, id).Scan(&r.ID, &display, &family, &given, &r.OwnerID, &r.TeamID, nullTimeCol{&deleted}, &mergedInto)
		if err = mapError(err); crm.IsKind(err, crm.KindNotFound) {
			return nil, notFound(activity.RecordContact, id)
		} else if err != nil {
			return nil, err
		}
		if mergedInto != nil && hops < 20 {
			id = *mergedInto
			continue
		}
		r.Type, r.Name, r.Deleted = activity.RecordContact, display, deleted != nil
		if r.Name == "" {
			r.Name = strings.TrimSpace(family + given)
		}
		if r.Also, err = s.MergedInto(ctx, r.ID); err != nil {
			return nil, err
		}
		return &r, nil
	}
}

func (s *Store) companyRef(ctx context.Context, id int64) (*activity.Record, error) {
	r := activity.Record{Type: activity.RecordCompany}
	var deleted *time.Time
	err := s.queryRow(ctx, "SELECT id, name, owner_id, team_id, deleted_at FROM companies WHERE id = ?", id).
		Scan(&r.ID, &r.Name, &r.OwnerID, &r.TeamID, nullTimeCol{&deleted})
	if err = mapError(err); crm.IsKind(err, crm.KindNotFound) {
		return nil, notFound(activity.RecordCompany, id)
	} else if err != nil {
		return nil, err
	}
	r.Deleted = deleted != nil
	return &r, nil
}

func (s *Store) dealRef(ctx context.Context, id int64) (*activity.Record, error) {
	r := activity.Record{Type: activity.RecordDeal}
	err := s.queryRow(ctx, "SELECT id, name, owner_id, team_id FROM deals WHERE id = ?", id).Scan(&r.ID, &r.Name, &r.OwnerID, &r.TeamID)
	if err = mapError(err); crm.IsKind(err, crm.KindNotFound) {
		return nil, notFound(activity.RecordDeal, id)
	} else if err != nil {
		return nil, err
	}
	return &r, nil
}

func (s *Store) leadRef(ctx context.Context, id int64) (*activity.Record, error) {
	r := activity.Record{Type: activity.RecordLead}
	err := s.queryRow(ctx, "SELECT id, name, owner_id, team_id FROM leads WHERE id = ?", id).Scan(&r.ID, &r.Name, &r.OwnerID, &r.TeamID)
	if err = mapError(err); crm.IsKind(err, crm.KindNotFound) {
		return nil, notFound(activity.RecordLead, id)
	} else if err != nil {
		return nil, err
	}
	return &r, nil
}

// recordRefQueries read the records of a type for RecordRefs: each row is
// the id asked for, the record's id, name, owner, team and whether it is in
// the trash; %s is the list of ids.
var recordRefQueries = map[string]string{
	// A merged contact is followed to the end of its chain of merges (the
	// survivor is the one not merged itself), as contactRef does, but for
	// every id at once; the 20 hops bound a cycle that should not exist.
	activity.RecordContact: `WITH RECURSIVE chain (asked, id, hops) AS (
			SELECT id, id, 0 FROM contacts WHERE id IN (%s)
			UNION ALL
			SELECT chain.asked, c.merged_into_id, chain.hops + 1 FROM chain JOIN contacts c ON c.id = chain.id
			WHERE c.merged_into_id IS NOT NULL AND chain.hops < 20
		)
		SELECT chain.asked, c.id,
			CASE WHEN c.display_name <> '' THEN c.display_name ELSE TRIM(c.family_name || c.given_name) END,
			c.owner_id, c.team_id, c.deleted_at IS NOT NULL
		FROM chain JOIN contacts c ON c.id = chain.id
		WHERE c.merged_into_id IS NULL`,
	activity.RecordCompany: "SELECT id, id, name, owner_id, team_id, deleted_at IS NOT NULL FROM companies WHERE id IN (%s)",
	// Deals and leads have no trash: a deleted one is gone.
	activity.RecordDeal: "SELECT id, id, name, owner_id, team_id, FALSE FROM deals WHERE id IN (%s)",
	activity.RecordLead: "SELECT id, id, name, owner_id, team_id, FALSE FROM leads WHERE id IN (%s)",
}

// RecordRefs reads the names, owners and teams of records of one type, a
// query per thousand ids, keyed by the id asked for.
func (s *Store) RecordRefs(ctx context.Context, recordType string, ids []int64) (map[int64]activity.RecordRef, error) {
	query, ok := recordRefQueries[recordType]
	if !ok {
		// the service asks only for the types of its directory
		return nil, fmt.Errorf("store.RecordRefs: no records of type %q", recordType)
	}
	out := make(map[int64]activity.RecordRef, len(ids))
	for start := 0; start < len(ids); start += 1000 {
		chunk := ids[start:min(len(ids), start+1000)]
		rows, err := s.query(ctx, fmt.Sprintf(query, placeholders(len(chunk))), anySlice(chunk)...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var asked int64
			var r activity.RecordRef
			if err := rows.Scan(&asked, &r.ID, &r.Name, &r.OwnerID, &r.TeamID, &r.Deleted); err != nil {
				rows.Close()
				return nil, mapError(err)
			}
			out[asked] = r
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, mapError(err)
		}
	}
	return out, nil
}

// ActivityUser returns the principal of an active user, as account builds
// it for a request.
func (s *Store) ActivityUser(ctx context.Context, id int64) (*crm.Principal, error) {
	u, err := s.User(ctx, id)
	if err != nil {
		return nil, err
	}
	if u.Disabled {
		return nil, notFound("user", id)
	}
	mates, err := s.TeamMates(ctx, id)
	if err != nil {
		return nil, err
	}
	return &crm.Principal{UserID: u.ID, Name: u.Name, Email: u.Email, Role: u.Role, Language: u.Language,
		TeamIDs: u.TeamIDs, TeamMemberIDs: mates}, nil
}

// MentionableUsers lists the active users.
func (s *Store) MentionableUsers(ctx context.Context) ([]activity.UserRef, error) {
	rows, err := s.query(ctx, "SELECT id, name, email FROM users WHERE NOT disabled ORDER BY id")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []activity.UserRef
	for rows.Next() {
		var u activity.UserRef
		if err := rows.Scan(&u.ID, &u.Name, &u.Email); err != nil {
			return nil, mapError(err)
		}
		out = append(out, u)
	}
	return out, mapError(rows.Err())
}

const activityColumns = `id, version, type, record_type, record_id, subject, body, due_at, remind_at, assignee_id, owner_id, team_id,
	outcome, completed_at, completed_by, created_by, created_at, updated_at`

func scanActivity(row rowScanner) (*activity.Activity, error) {
	var a activity.Activity
	err := row.Scan(&a.ID, &a.Version, &a.Type, &a.RecordType, &a.RecordID, &a.Subject, &a.Body, nullTimeCol{&a.DueAt},
		nullTimeCol{&a.RemindAt}, &a.AssigneeID, &a.OwnerID, &a.TeamID, &a.Outcome, nullTimeCol{&a.CompletedAt}, &a.CompletedBy,
		&a.CreatedBy, timeCol{&a.CreatedAt}, timeCol{&a.UpdatedAt})
	if err != nil {
		return nil, mapError(err)
	}
	a.Completed = a.CompletedAt != nil
	a.MentionedUserIDs = []int64{}
	return &a, nil
}

// activityValues are the columns of activityColumns after id and version,
// in order.
func (s *Store) activityValues(a *activity.Activity) []any {
	return []any{a.Type, a.RecordType, a.RecordID, a.Subject, a.Body, s.nullTimeArg(a.DueAt), s.nullTimeArg(a.RemindAt),
		a.AssigneeID, a.OwnerID, a.TeamID, a.Outcome, s.nullTimeArg(a.CompletedAt), a.CompletedBy, a.CreatedBy,
		s.d.timeArg(a.CreatedAt), s.d.timeArg(a.UpdatedAt)}
}

// activityUpdateColumns are the columns UpdateActivity may change, as
// activityValues orders them after the type and record, which stay.
var activityUpdateColumns = columnList(`subject, body, due_at, remind_at, assignee_id, owner_id, team_id, outcome, completed_at, completed_by`)

// recordKey is the foreign-key column that holds an activity's record id
// beside record_id ("" for leads, which have none).
func recordKey(recordType string) string {
	switch recordType {
	case activity.RecordContact:
		return "contact_id"
	case activity.RecordCompany:
		return "company_id"
	case activity.RecordDeal:
		return "deal_id"
	}
	return ""
}

// CreateActivity inserts an activity and its mentions.
func (s *Store) CreateActivity(ctx context.Context, a *activity.Activity) error {
	return s.InTx(ctx, func(ctx context.Context) error {
		cols, values := activityColumns[len("id, "):], s.activityValues(a)
		values = append([]any{int64(1)}, values...)
		if key := recordKey(a.RecordType); key != "" {
			cols += ", " + key
			values = append(values, a.RecordID)
		}
		err := s.queryRow(ctx, "INSERT INTO activities ("+cols+") VALUES ("+placeholders(len(values))+") RETURNING id", values...).Scan(&a.ID)
		if err != nil {
			return mapError(err)
		}
		a.Version = 1
		return s.insertMentions(ctx, a.ID, a.MentionedUserIDs)
	})
}

func (s *Store) insertMentions(ctx context.Context, id int64, users []int64) error {
	values := make([]any, 0, 2*len(users))
	for _, u := range users {
		values = append(values, id, u)
	}
	return s.insertRows(ctx, "INSERT INTO activity_mentions (activity_id, user_id) VALUES", 2, values)
}

// Activity reads an activity with its mentions.
func (s *Store) Activity(ctx context.Context, id int64) (*activity.Activity, error) {
	a, err := scanActivity(s.queryRow(ctx, "SELECT "+activityColumns+" FROM activities WHERE id = ?", id))
	if crm.IsKind(err, crm.KindNotFound) {
		return nil, notFound("activity", id)
	} else if err != nil {
		return nil, err
	}
	return a, s.activityMentions(ctx, []*activity.Activity{a})
}

// activityMentions reads the mentions of activities.
func (s *Store) activityMentions(ctx context.Context, list []*activity.Activity) error {
	if len(list) == 0 {
		return nil
	}
	byID := make(map[int64]*activity.Activity, len(list))
	ids := make([]any, len(list))
	for i, a := range list {
		byID[a.ID], ids[i] = a, a.ID
	}
	rows, err := s.query(ctx, "SELECT activity_id, user_id FROM activity_mentions WHERE activity_id IN ("+placeholders(len(ids))+
		") ORDER BY activity_id, user_id", ids...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id, user int64
		if err := rows.Scan(&id, &user); err != nil {
			return mapError(err)
		}
		a := byID[id]
		a.MentionedUserIDs = append(a.MentionedUserIDs, user)
	}
	return mapError(rows.Err())
}

// UpdateActivity saves the columns of next that differ from old, if old's
// version is current, and adds the new mentions.
func (s *Store) UpdateActivity(ctx context.Context, old, next *activity.Activity) error {
	return s.InTx(ctx, func(ctx context.Context) error {
		n := len(activityUpdateColumns)
		set, args := changedColumns(activityUpdateColumns, s.activityValues(old)[3:3+n], s.activityValues(next)[3:3+n])
		args = append(args, s.d.timeArg(next.UpdatedAt), next.ID, old.Version)
		res, err := s.exec(ctx, "UPDATE activities SET version = version + 1"+set+", updated_at = ? WHERE id = ? AND version = ?", args...)
		if err := s.checkUpdated(ctx, res, err, "activities", "activity", next.ID); err != nil {
			return err
		}
		next.Version = old.Version + 1
		if slices.Equal(old.MentionedUserIDs, next.MentionedUserIDs) {
			return nil
		}
		if _, err := s.exec(ctx, "DELETE FROM activity_mentions WHERE activity_id = ?", next.ID); err != nil {
			return err
		}
		return s.insertMentions(ctx, next.ID, next.MentionedUserIDs)
	})
}

// DeleteActivity deletes an activity, its mentions and notifications.
func (s *Store) DeleteActivity(ctx context.Context, id int64) error {
	_, err := s.exec(ctx, "DELETE FROM activities WHERE id = ?", id)
	return err
}

// ListActivities lists the activities of records newest first (by
// creation), on the index of record, creation time and id.
func (s *Store) ListActivities(ctx context.Context, q activity.Query) (crm.Page[*activity.Activity], error) {
	where := []string{"record_type = ?", "record_id IN (" + placeholders(len(q.RecordIDs)) + ")"}
	args := append([]any{q.RecordType}, anySlice(q.RecordIDs)...)
	if q.Type != "" {
		where, args = append(where, "type = ?"), append(args, q.Type)
	}
	page, err := newestFirst(ctx, s, "SELECT "+activityColumns+" FROM activities", "created_at", where, args, q.Cursor, q.Limit,
		scanActivity, func(a *activity.Activity) timeCursor { return timeCursor{a.CreatedAt, a.ID} })
	if err != nil {
		return page, err
	}
	return page, s.activityMentions(ctx, page.Items)
}

// dueCursor is where a page of tasks ends: the due time (nil: among those
// without one, which come last) and id of its last item.
type dueCursor struct {
	Due *time.Time `json:"d,omitempty"`
	ID  int64      `json:"i"`
}

// Tasks lists a user's open activities, soonest due first and those without
// a due time last, on the partial index of open activities.
func (s *Store) Tasks(ctx context.Context, q activity.TaskQuery) (crm.Page[*activity.Activity], error) {
	page := crm.Page[*activity.Activity]{Items: []*activity.Activity{}}
	where := []string{"assignee_id = ?", "completed_at IS NULL", "type <> 'note'"}
	args := []any{q.AssigneeID}
	if q.DueFrom != nil {
		where, args = append(where, "due_at >= ?"), append(args, s.d.timeArg(*q.DueFrom))
	}
	if q.DueBefore != nil {
		where, args = append(where, "due_at < ?"), append(args, s.d.timeArg(*q.DueBefore))
	}
	if q.Type != "" {
		where, args = append(where, "type = ?"), append(args, q.Type)
	}
	if q.Cursor != "" {
		var c dueCursor
		if err := crm.DecodeCursor(q.Cursor, &c); err != nil {
			return page, err
		}
		if c.Due == nil { // inside the trailing activities without a due time
			where, args = append(where, "(due_at IS NULL AND id > ?)"), append(args, c.ID)
		} else {
			at := s.d.timeArg(*c.Due)
			where, args = append(where, "(due_at > ? OR (due_at = ? AND id > ?) OR due_at IS NULL)"), append(args, at, at, c.ID)
		}
	}
	// CASE rather than "due_at IS NULL" sorts the same on both engines
	// (SQLite orders 0/1, PostgreSQL false/true: the same way).
	rows, err := s.query(ctx, "SELECT "+activityColumns+" FROM activities WHERE "+strings.Join(where, " AND ")+
		" ORDER BY CASE WHEN due_at IS NULL THEN 1 ELSE 0 END, due_at, id LIMIT ?", append(args, q.Limit+1)...)
	if err != nil {
		return page, err
	}
	defer rows.Close()
	for rows.Next() {
		a, err := scanActivity(rows)
		if err != nil {
			return page, err
		}
		page.Items = append(page.Items, a)
	}
	if err := rows.Err(); err != nil {
		return page, mapError(err)
	}
	rows.Close()
	if len(page.Items) > q.Limit {
		page.Items = page.Items[:q.Limit]
		last := page.Items[q.Limit-1]
		page.Next = crm.EncodeCursor(dueCursor{Due: last.DueAt, ID: last.ID})
	}
	return page, s.activityMentions(ctx, page.Items)
}

// DealsWithoutNextStep lists an owner's open deals with no open task, call
// or meeting due after q.Now, by id, with when an activity on each was last
// logged or completed.
func (s *Store) DealsWithoutNextStep(ctx context.Context, q activity.NextStepQuery) (crm.Page[*activity.DealRef], error) {
	page := crm.Page[*activity.DealRef]{Items: []*activity.DealRef{}}
	var after int64
	if q.Cursor != "" {
		var c struct {
			ID int64 `json:"i"`
		}
		if err := crm.DecodeCursor(q.Cursor, &c); err != nil {
			return page, err
		}
		after = c.ID
	}
	now := s.d.timeArg(q.Now)
	rows, err := s.query(ctx, `SELECT d.id, d.name, d.pipeline_id, d.stage_id, d.amount, d.currency, d.expected_close_on, d.owner_id, d.team_id,
			(SELECT MAX(COALESCE(a.completed_at, a.created_at)) FROM activities a WHERE a.deal_id = d.id)
		FROM deals d
		WHERE d.owner_id = ? AND d.status = 'open' AND d.id > ?
			AND NOT EXISTS (SELECT 1 FROM activities a WHERE a.deal_id = d.id AND a.due_at > ?
				AND a.completed_at IS NULL AND a.type <> 'note')
		ORDER BY d.id LIMIT ?`, q.OwnerID, after, now, q.Limit+1)
	if err != nil {
		return page, err
	}
	defer rows.Close()
	for rows.Next() {
		var d activity.DealRef
		if err := rows.Scan(&d.ID, &d.Name, &d.PipelineID, &d.StageID, &d.Amount, &d.Currency, &d.ExpectedCloseOn, &d.OwnerID,
			&d.TeamID, nullTimeCol{&d.LastActivityAt}); err != nil {
			return page, mapError(err)
		}
		page.Items = append(page.Items, &d)
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
