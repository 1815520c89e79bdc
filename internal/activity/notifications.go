package activity

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/guanxi-crm/guanxi/internal/crm"
)

// Kinds of notification.
const (
	KindReminder = "activity.reminder" // an activity's reminder came
	KindMention  = "activity.mention"  // a colleague mentioned you
	KindAssigned = "activity.assigned" // a colleague gave you an activity
)

// Notification tells a user, in the app and by email when SMTP is set up,
// of something that needs them. Its text is written in the user's language
// when it is made.
type Notification struct {
	ID         int64      `json:"id"`
	UserID     int64      `json:"user_id"`
	Kind       string     `json:"kind" enum:"activity.reminder,activity.mention,activity.assigned"`
	Text       string     `json:"text" doc:"One line, in the user's language"`
	Body       string     `json:"body,omitempty" doc:"Details, in the user's language"`
	Link       string     `json:"link,omitempty" doc:"Path of the page it is about"`
	RecordType string     `json:"record_type,omitempty"`
	RecordID   *int64     `json:"record_id,omitempty"`
	ActivityID *int64     `json:"activity_id,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
	ReadAt     *time.Time `json:"read_at,omitempty"`
	EmailedAt  *time.Time `json:"emailed_at,omitempty"`
	// Key makes a notification once per user: a second one with the same
	// key is not added (a reminder's job that runs twice).
	Key string `json:"-"`
	// Created is set by Store.AddNotifications on those it inserted.
	Created bool `json:"-"`
}

// NotificationQuery selects a user's notifications, newest first.
type NotificationQuery struct {
	UserID     int64
	UnreadOnly bool
	Cursor     string
	Limit      int
}

// Notifications lists the caller's notifications, newest first; the first
// page counts them (the unread ones, with unreadOnly: a badge).
func (s *Service) Notifications(ctx context.Context, unreadOnly bool, cursor string, limit int) (crm.Page[*Notification], error) {
	const op = "activity.Notifications"
	p, err := crm.User(ctx, op)
	if err != nil {
		return crm.Page[*Notification]{}, err
	}
	page, err := s.store.ListNotifications(ctx, NotificationQuery{UserID: p.UserID, UnreadOnly: unreadOnly, Cursor: cursor, Limit: crm.ClampLimit(limit)})
	if err != nil {
		return page, crm.Wrap(op, err)
	}
	if cursor == "" {
		n, err := s.store.CountNotifications(ctx, p.UserID, unreadOnly)
		if err != nil {
			return page, crm.Wrap(op, err)
		}
		page.Total = &crm.Total{Value: n, Exact: true}
	}
	return page, nil
}

// MarkRead marks one of the caller's notifications read (again: no change)
// and returns it. Someone else's is not found.
func (s *Service) MarkRead(ctx context.Context, id int64) (*Notification, error) {
	const op = "activity.MarkRead"
	p, err := crm.User(ctx, op)
	if err != nil {
		return nil, err
	}
	n, err := s.store.Notification(ctx, id)
	if err == nil && n.UserID != p.UserID {
		err = crm.NotFound(op, "notification", id)
	}
	if err != nil {
		return nil, crm.Wrap(op, err)
	}
	if n.ReadAt != nil {
		return n, nil
	}
	if _, err := s.store.MarkNotificationsRead(ctx, p.UserID, []int64{id}, s.clock.Now()); err != nil {
		return nil, crm.Wrap(op, err)
	}
	n, err = s.store.Notification(ctx, id)
	return n, crm.Wrap(op, err)
}

// MarkAllRead marks every unread notification of the caller read and says
// how many there were.
func (s *Service) MarkAllRead(ctx context.Context) (int64, error) {
	const op = "activity.MarkAllRead"
	p, err := crm.User(ctx, op)
	if err != nil {
		return 0, err
	}
	n, err := s.store.MarkNotificationsRead(ctx, p.UserID, nil, s.clock.Now())
	return n, crm.Wrap(op, err)
}

// notify stores notifications in the transaction of ctx and, when email is
// on, enqueues the email of each new one there too: a notification and its
// email are both made or neither.
func (s *Service) notify(ctx context.Context, list []*Notification) error {
	if len(list) == 0 {
		return nil
	}
	if err := s.store.AddNotifications(ctx, list); err != nil {
		return err
	}
	if s.mailer == nil {
		return nil
	}
	for _, n := range list {
		if !n.Created {
			continue
		}
		key := "notification:" + strconv.FormatInt(n.ID, 10)
		if err := s.jobs.Enqueue(ctx, JobEmail, key, n.CreatedAt, EmailPayload{NotificationID: n.ID}); err != nil {
			return err
		}
	}
	return nil
}

// system checks that the work is the system's: the job handlers.
func system(ctx context.Context, op string) error {
	p, err := crm.Actor(ctx, op)
	if err != nil {
		return err
	}
	if !p.System {
		return crm.Forbidden(op)
	}
	return nil
}

// Remind is the work of a reminder's job: it notifies the activity's
// assignee (else its owner) that the activity is due, if the reminder is
// still set for remindAt and the activity still open. A reminder that was
// moved, cleared, completed or deleted meanwhile does nothing. The
// notification's key makes a repeated run notify once. System only.
func (s *Service) Remind(ctx context.Context, activityID int64, remindAt time.Time) error {
	const op = "activity.Remind"
	if err := system(ctx, op); err != nil {
		return err
	}
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		a, rec, err := s.load(ctx, activityID)
		if crm.IsKind(err, crm.KindNotFound) {
			return nil
		} else if err != nil {
			return err
		}
		if a.RemindAt == nil || !a.RemindAt.Equal(remindAt) || !a.Open() {
			return nil
		}
		target := a.AssigneeID
		if target == nil {
			target = a.OwnerID
		}
		if target == nil {
			return nil
		}
		u, err := s.store.ActivityUser(ctx, *target)
		if crm.IsKind(err, crm.KindNotFound) {
			return nil // disabled or gone
		} else if err != nil {
			return err
		}
		n := s.note(u, KindReminder, a, rec, s.clock.Now(), fmt.Sprintf("reminder:%d@%d", a.ID, remindAt.UnixMicro()),
			s.msg(u.Language, "notify.reminder", map[string]any{"subject": a.Subject}),
			s.dueLine(u.Language, a), s.aboutLine(u.Language, a, rec), excerpt(a.Body))
		return s.notify(ctx, []*Notification{n})
	})
	return crm.Wrap(op, err)
}

// DeliverEmail is the work of a notification's email job: it emails the
// notification to its user, in their language, and records that it did. A
// notification already emailed, or gone, or of a disabled user, is not
// sent; without a mailer nothing is. Delivery is at least once: a run that
// dies between sending and recording sends again when the job is retried.
// System only.
func (s *Service) DeliverEmail(ctx context.Context, notificationID int64) error {
	const op = "activity.DeliverEmail"
	if err := system(ctx, op); err != nil {
		return err
	}
	if s.mailer == nil {
		return nil
	}
	n, err := s.store.Notification(ctx, notificationID)
	if crm.IsKind(err, crm.KindNotFound) {
		return nil
	} else if err != nil {
		return crm.Wrap(op, err)
	}
	if n.EmailedAt != nil {
		return nil
	}
	u, err := s.store.ActivityUser(ctx, n.UserID)
	if crm.IsKind(err, crm.KindNotFound) {
		return nil
	} else if err != nil {
		return crm.Wrap(op, err)
	}
	if u.Email == "" {
		return nil
	}
	if err := s.mailer.Send(ctx, s.email(u, n)); err != nil {
		return fmt.Errorf("%s %d: %w", op, n.ID, err)
	}
	return crm.Wrap(op, s.store.SetNotificationEmailed(context.WithoutCancel(ctx), n.ID, s.clock.Now()))
}

// email is the message of a notification to u.
func (s *Service) email(u *crm.Principal, n *Notification) Email {
	var b strings.Builder
	b.WriteString(n.Text)
	b.WriteString("\n")
	if n.Body != "" {
		b.WriteString("\n" + n.Body + "\n")
	}
	if n.Link != "" {
		b.WriteString("\n" + s.msg(u.Language, "notify.open", map[string]any{"url": s.baseURL + n.Link}) + "\n")
	}
	b.WriteString("\n-- \n" + s.msg(u.Language, "notify.footer", nil) + "\n")
	return Email{To: u.Email, ToName: u.Name, Subject: n.Text, Text: b.String()}
}

// note builds a notification to u about activity a; the lines of its body
// that are empty are left out.
func (s *Service) note(u *crm.Principal, kind string, a *Activity, rec *Record, now time.Time, key, text string, lines ...string) *Notification {
	var body []string
	for _, l := range lines {
		if l != "" {
			body = append(body, l)
		}
	}
	return &Notification{UserID: u.UserID, Kind: kind, Text: text, Body: strings.Join(body, "\n"),
		Link: linkOf(a.RecordType, a.RecordID), RecordType: a.RecordType, RecordID: ptr(a.RecordID), ActivityID: ptr(a.ID),
		CreatedAt: now, Key: key}
}

// mentionNote tells u that actor mentioned them in a.
func (s *Service) mentionNote(u, actor *crm.Principal, a *Activity, rec *Record, now time.Time) *Notification {
	text := s.msg(u.Language, "notify.mention", map[string]any{"actor": actorName(u.Language, s.msg, actor), "record": recordName(a, rec)})
	return s.note(u, KindMention, a, rec, now, fmt.Sprintf("mention:%d", a.ID), text, a.Subject, excerpt(a.Body))
}

// assignedNote tells u that actor gave them a.
func (s *Service) assignedNote(u, actor *crm.Principal, a *Activity, rec *Record, now time.Time) *Notification {
	text := s.msg(u.Language, "notify.assigned", map[string]any{"actor": actorName(u.Language, s.msg, actor), "subject": a.Subject})
	return s.note(u, KindAssigned, a, rec, now, fmt.Sprintf("assigned:%d@%d", a.ID, now.UnixMicro()), text,
		s.dueLine(u.Language, a), s.aboutLine(u.Language, a, rec))
}

func (s *Service) dueLine(lang string, a *Activity) string {
	if a.DueAt == nil {
		return ""
	}
	return s.msg(lang, "notify.due", map[string]any{"due": a.DueAt.UTC().Format("2006-01-02 15:04 UTC")})
}

func (s *Service) aboutLine(lang string, a *Activity, rec *Record) string {
	return s.msg(lang, "notify.about", map[string]any{"record": recordName(a, rec)})
}

func actorName(lang string, msg Messages, p *crm.Principal) string {
	if p.System || p.Name == "" {
		return msg(lang, "notify.someone", nil)
	}
	return p.Name
}

// recordName names the record of a: its name, else its number.
func recordName(a *Activity, rec *Record) string {
	if rec != nil && rec.Name != "" {
		return rec.Name
	}
	return "#" + strconv.FormatInt(a.RecordID, 10)
}

// linkOf is the path of a record's page in the web UI.
func linkOf(recordType string, id int64) string {
	base := map[string]string{RecordContact: "/customers/", RecordCompany: "/companies/", RecordDeal: "/deals/", RecordLead: "/leads/"}[recordType]
	if base == "" {
		return ""
	}
	return base + strconv.FormatInt(id, 10)
}

// excerpt is the start of a body, for a notification.
func excerpt(body string) string {
	r := []rune(body)
	if len(r) <= maxExcerpt {
		return body
	}
	return string(r[:maxExcerpt]) + "…"
}
