package activity

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/guanxi-crm/guanxi/internal/crm"
)

// normalize trims and checks the fields of an activity of type typ.
func (f *Fields) normalize(v *crm.Violations, typ string) {
	f.Subject = crm.CleanText(v, "subject", f.Subject, maxSubject)
	f.Body = cleanBody(v, "body", f.Body)
	if f.Subject == "" && typ != TypeNote {
		v.Add("subject", "required")
	}
	if f.Body == "" && typ == TypeNote {
		v.Add("body", "required")
	}
	if f.DueAt != nil {
		f.DueAt = ptr(crm.Truncate(*f.DueAt))
	}
	if f.RemindAt != nil {
		f.RemindAt = ptr(crm.Truncate(*f.RemindAt))
	}
	if typ == TypeNote {
		for _, c := range []struct {
			field string
			set   bool
		}{{"due_at", f.DueAt != nil}, {"remind_at", f.RemindAt != nil}, {"assignee_id", f.AssigneeID != nil}, {"completed", f.Completed}} {
			if c.set {
				v.Add(c.field, "not_for_type", "type", typ)
			}
		}
	}
	switch {
	case f.Outcome == "":
	case !slices.Contains(Outcomes, f.Outcome):
		v.Add("outcome", "not_one_of", "allowed", strings.Join(Outcomes, ", "))
	case typ != TypeCall:
		v.Add("outcome", "not_for_type", "type", typ)
	}
}

// cleanBody trims the ends of a multi-line text and checks it; unlike
// crm.CleanText it keeps the lines.
func cleanBody(v *crm.Violations, field, s string) string {
	s = strings.TrimSpace(strings.ReplaceAll(s, "\r\n", "\n"))
	switch {
	case !crm.ValidText(s):
		v.Add(field, crm.CodeInvalidText)
	case len([]rune(s)) > maxBody:
		v.Add(field, "too_long", "max", maxBody)
	}
	return s
}

// Create creates an activity on a record the caller may write. A task,
// call or meeting is assigned to its creator unless it names someone; the
// assignee, and the colleagues its body mentions, are notified.
func (s *Service) Create(ctx context.Context, in Input) (*Activity, error) {
	const op = "activity.Create"
	p, err := crm.Writer(ctx, op)
	if err != nil {
		return nil, err
	}
	var v crm.Violations
	if !slices.Contains(Types, in.Type) {
		v.Add("type", "not_one_of", "allowed", strings.Join(Types, ", "))
	}
	if _, ok := s.records[in.RecordType]; !ok {
		v.Add("record_type", "not_one_of", "allowed", strings.Join(s.records.types(), ", "))
	}
	if in.RecordID < 1 {
		v.Add("record_id", "invalid_id")
	}
	if v.Empty() {
		in.Fields.normalize(&v, in.Type)
	}
	if err := v.Err(op); err != nil {
		return nil, err
	}
	rec, err := s.record(ctx, in.RecordType, in.RecordID)
	if crm.IsKind(err, crm.KindNotFound) {
		v.Add("record_id", "unknown_record", "record_type", in.RecordType, "id", in.RecordID)
		return nil, v.Err(op)
	} else if err != nil {
		return nil, crm.Wrap(op, err)
	}
	if !p.WritesRecord(rec.OwnerID, rec.TeamID) {
		return nil, crm.Forbidden(op).With("record_type", rec.Type).With("record_id", rec.ID)
	}
	if rec.Deleted {
		return nil, crm.E(op, crm.KindConflict, "record_deleted").With("id", rec.ID)
	}
	f := in.Fields
	if in.Type != TypeNote && f.AssigneeID == nil && !p.System {
		f.AssigneeID = ptr(p.UserID)
	}
	p.DefaultOwnership(&f.OwnerID, &f.TeamID)
	p.CheckAssignment(&v, nil, f.TeamID)
	assignee, err := s.checkPeople(ctx, p, &v, rec, nil, &f)
	if err != nil {
		return nil, crm.Wrap(op, err)
	}
	if err := v.Err(op); err != nil {
		return nil, err
	}
	mentioned, err := s.mentions(ctx, p, rec, f.Body, nil)
	if err != nil {
		return nil, crm.Wrap(op, err)
	}
	now := s.clock.Now()
	a := &Activity{Type: in.Type, RecordType: rec.Type, RecordID: rec.ID, Fields: f, MentionedUserIDs: principalIDs(mentioned),
		CreatedBy: p.ActorID(), CreatedAt: now, UpdatedAt: now}
	if f.Completed {
		a.CompletedAt, a.CompletedBy = ptr(now), p.ActorID()
	}
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		if err := s.store.CreateActivity(ctx, a); err != nil {
			return err
		}
		changes, err := crm.Diff(nil, a.view())
		if err != nil {
			return err
		}
		if err := s.store.AppendAudit(ctx, audit(ctx, p, now, crm.ActionCreate, a.ID, changes)); err != nil {
			return err
		}
		if err := s.schedule(ctx, a); err != nil {
			return err
		}
		var notes []*Notification
		for _, u := range mentioned {
			notes = append(notes, s.mentionNote(u, p, a, rec, now))
		}
		if assignee != nil && assignee.UserID != p.UserID {
			notes = append(notes, s.assignedNote(assignee, p, a, rec, now))
		}
		if err := s.notify(ctx, notes); err != nil {
			return err
		}
		return s.followUp(ctx, a, now)
	})
	if err != nil {
		return nil, crm.Wrap(op, err)
	}
	return a, nil
}

// followUp calls the hook of follow-ups.
func (s *Service) followUp(ctx context.Context, a *Activity, at time.Time) error {
	if s.hook == nil {
		return nil
	}
	if err := s.hook(ctx, a.RecordType, a.RecordID, at); err != nil {
		return fmt.Errorf("follow-up hook: %w", err)
	}
	return nil
}

// checkPeople checks the owner, team and assignee an activity is given (on
// an update, those that changed from old's): unknown users and teams, and an
// assignee who may not read the record. It returns the principal of a new
// assignee.
func (s *Service) checkPeople(ctx context.Context, p *crm.Principal, v *crm.Violations, rec *Record, old *Activity, f *Fields) (*crm.Principal, error) {
	changed := func(before func(*Activity) *int64, now *int64) bool {
		return now != nil && (old == nil || !samePtr(before(old), now))
	}
	if changed(func(a *Activity) *int64 { return a.OwnerID }, f.OwnerID) && (p.System || *f.OwnerID != p.UserID) {
		missing, err := s.store.MissingUsers(ctx, []int64{*f.OwnerID})
		if err != nil {
			return nil, err
		}
		if len(missing) > 0 {
			v.Add("owner_id", "unknown_user", "id", *f.OwnerID)
		}
	}
	if changed(func(a *Activity) *int64 { return a.TeamID }, f.TeamID) {
		missing, err := s.store.MissingTeams(ctx, []int64{*f.TeamID})
		if err != nil {
			return nil, err
		}
		if len(missing) > 0 {
			v.Add("team_id", "unknown_team", "id", *f.TeamID)
		}
	}
	if !changed(func(a *Activity) *int64 { return a.AssigneeID }, f.AssigneeID) {
		return nil, nil
	}
	u, err := s.store.ActivityUser(ctx, *f.AssigneeID)
	switch {
	case crm.IsKind(err, crm.KindNotFound):
		v.Add("assignee_id", "unknown_user", "id", *f.AssigneeID)
		return nil, nil
	case err != nil:
		return nil, err
	case rec == nil || !u.ReadsRecord(rec.OwnerID, rec.TeamID):
		v.Add("assignee_id", "assignee_cannot_read", "id", *f.AssigneeID)
		return nil, nil
	}
	return u, nil
}

// Get reads an activity the caller may see.
func (s *Service) Get(ctx context.Context, id int64) (*Activity, error) {
	const op = "activity.Get"
	p, err := crm.Actor(ctx, op)
	if err != nil {
		return nil, err
	}
	a, rec, err := s.load(ctx, id)
	if err != nil {
		return nil, crm.Wrap(op, err)
	}
	if !canRead(p, a, rec) {
		return nil, crm.Forbidden(op).With("activity_id", id)
	}
	return a, nil
}

// load reads an activity and its record (nil when the record is gone).
func (s *Service) load(ctx context.Context, id int64) (*Activity, *Record, error) {
	a, err := s.store.Activity(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	rec, err := s.record(ctx, a.RecordType, a.RecordID)
	if crm.IsKind(err, crm.KindNotFound) {
		return a, nil, nil
	}
	return a, rec, err
}

// writable reads an activity the actor may change, at the expected version
// (0: any).
func (s *Service) writable(ctx context.Context, op string, p *crm.Principal, id, ifVersion int64) (*Activity, *Record, error) {
	a, rec, err := s.load(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	if !canWrite(p, a, rec) {
		return nil, nil, crm.Forbidden(op).With("activity_id", id)
	}
	if ifVersion != 0 && a.Version != ifVersion {
		return nil, nil, crm.Stale(op, a.Version)
	}
	return a, rec, nil
}

// Update changes an activity's fields; its type and record stay. Setting
// completed records when and by whom (and counts as a follow-up of the
// record); clearing it reopens the activity. A moved reminder is scheduled
// anew, and the earlier one, when it comes, finds that it was moved and
// does nothing. ifVersion 0 skips the version check.
func (s *Service) Update(ctx context.Context, id, ifVersion int64, apply func(*Fields) error) (*Activity, error) {
	const op = "activity.Update"
	p, err := crm.Writer(ctx, op)
	if err != nil {
		return nil, err
	}
	var next *Activity
	err = retryStale(ifVersion, func() error {
		return s.store.InTx(ctx, func(ctx context.Context) error {
			old, rec, err := s.writable(ctx, op, p, id, ifVersion)
			if err != nil {
				return err
			}
			f := old.Fields
			if err := apply(&f); err != nil {
				return err
			}
			var v crm.Violations
			f.normalize(&v, old.Type)
			p.CheckAssignment(&v, old.TeamID, f.TeamID)
			if err := v.Err(op); err != nil {
				return err
			}
			assignee, err := s.checkPeople(ctx, p, &v, rec, old, &f)
			if err != nil {
				return err
			}
			if err := v.Err(op); err != nil {
				return err
			}
			var mentioned []*crm.Principal
			if rec != nil && f.Body != old.Body {
				if mentioned, err = s.mentions(ctx, p, rec, f.Body, old.MentionedUserIDs); err != nil {
					return err
				}
			}
			now := s.clock.Now()
			a := *old
			a.Fields, a.UpdatedAt = f, now
			completed := f.Completed && old.CompletedAt == nil
			switch {
			case completed:
				a.CompletedAt, a.CompletedBy = ptr(now), p.ActorID()
			case !f.Completed && old.CompletedAt != nil:
				a.CompletedAt, a.CompletedBy = nil, nil
			}
			a.MentionedUserIDs = union(old.MentionedUserIDs, principalIDs(mentioned))
			if err := s.store.UpdateActivity(ctx, old, &a); err != nil {
				return err
			}
			changes, err := crm.Diff(old.view(), a.view())
			if err != nil {
				return err
			}
			if err := s.store.AppendAudit(ctx, audit(ctx, p, now, crm.ActionUpdate, id, changes)); err != nil {
				return err
			}
			if !sameTime(old.RemindAt, a.RemindAt) || (old.CompletedAt != nil && a.CompletedAt == nil) {
				if err := s.schedule(ctx, &a); err != nil {
					return err
				}
			}
			var notes []*Notification
			for _, u := range mentioned {
				notes = append(notes, s.mentionNote(u, p, &a, rec, now))
			}
			if assignee != nil && assignee.UserID != p.UserID {
				notes = append(notes, s.assignedNote(assignee, p, &a, rec, now))
			}
			if err := s.notify(ctx, notes); err != nil {
				return err
			}
			if completed {
				if err := s.followUp(ctx, &a, now); err != nil {
					return err
				}
			}
			next = &a
			return nil
		})
	})
	if err != nil {
		return nil, crm.Wrap(op, err)
	}
	return next, nil
}

// Delete deletes an activity and its notifications. A reminder still due
// finds it gone and does nothing.
func (s *Service) Delete(ctx context.Context, id, ifVersion int64) error {
	const op = "activity.Delete"
	p, err := crm.Writer(ctx, op)
	if err != nil {
		return err
	}
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		old, _, err := s.writable(ctx, op, p, id, ifVersion)
		if err != nil {
			return err
		}
		if err := s.store.DeleteActivity(ctx, id); err != nil {
			return err
		}
		changes, err := crm.Diff(old.view(), struct{}{})
		if err != nil {
			return err
		}
		return s.store.AppendAudit(ctx, audit(ctx, p, s.clock.Now(), crm.ActionDelete, id, changes))
	})
	return crm.Wrap(op, err)
}

// schedule enqueues the reminder of an open activity, keyed by the activity
// and the reminder's time: saving the same time again adds no second job,
// and a job whose time is no longer the activity's does nothing (Remind).
func (s *Service) schedule(ctx context.Context, a *Activity) error {
	if a.RemindAt == nil || !a.Open() {
		return nil
	}
	key := fmt.Sprintf("activity:%d@%d", a.ID, a.RemindAt.UnixMicro())
	return s.jobs.Enqueue(ctx, JobRemind, key, *a.RemindAt, RemindPayload{ActivityID: a.ID, RemindAt: *a.RemindAt})
}

func principalIDs(ps []*crm.Principal) []int64 {
	out := make([]int64, len(ps))
	for i, p := range ps {
		out[i] = p.UserID
	}
	return out
}
