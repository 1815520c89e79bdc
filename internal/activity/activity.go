// Package activity is keeping up with customers (MISSION.md C6): tasks,
// calls, meetings and notes attached to a contact, company, deal or lead,
// with due times, reminders delivered by the durable job system, assignees
// and completion; the lists a rep works from (my tasks, overdue, open deals
// without a next step); @mentions that notify colleagues; and the in-app
// notifications, with their emails, that reminders, mentions and
// assignments leave. It knows nothing of HTTP, SQL or SMTP: the store, the
// job system and the mailer are interfaces the app wires.
//
// Who sees what. An activity hangs on a record, and whoever may read the
// record in full (crm.Principal.ReadsRecord, the rule of contacts and
// deals) sees its activities. An activity also has an owner and a team of
// its own, by default its creator and the creator's team, and an assignee:
// they, and whoever may read a record with that owner and team, see it too,
// so that a task stays with the people working on it when its record
// changes hands. Writing follows the same two routes (WritesRecord, or the
// assignee). Only people who may read the record are given an activity or
// notified of a mention.
package activity

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/guanxi-crm/guanxi/internal/crm"
)

// Activity types.
const (
	TypeTask    = "task"
	TypeCall    = "call"
	TypeMeeting = "meeting"
	TypeNote    = "note"
)

// Types lists the activity types.
var Types = []string{TypeTask, TypeCall, TypeMeeting, TypeNote}

// Record types an activity may hang on.
const (
	RecordContact = "contact"
	RecordCompany = "company"
	RecordDeal    = "deal"
	RecordLead    = "lead"
)

// RecordTypes lists the record types an activity may hang on.
var RecordTypes = []string{RecordContact, RecordCompany, RecordDeal, RecordLead}

// Outcomes are how a call went.
var Outcomes = []string{"connected", "no_answer", "left_voicemail", "busy", "wrong_number"}

// RecordActivity is the audit log's record type of activities.
const RecordActivity = "activity"

// Limits of what an activity holds.
const (
	maxSubject = 200
	maxBody    = 10_000
	// maxExcerpt is how much of a body a notification quotes.
	maxExcerpt = 500
)

// Job kinds this package's work runs as (the app registers their handlers:
// Remind and DeliverEmail).
const (
	// JobRemind fires a reminder at its time; its payload is RemindPayload.
	JobRemind = "activity.remind"
	// JobEmail emails a notification; its payload is EmailPayload.
	JobEmail = "notification.email"
)

// RemindPayload is the payload of a JobRemind job.
type RemindPayload struct {
	ActivityID int64     `json:"activity_id"`
	RemindAt   time.Time `json:"remind_at"`
}

// EmailPayload is the payload of a JobEmail job.
type EmailPayload struct {
	NotificationID int64 `json:"notification_id"`
}

// Fields are what a client writes about an activity.
type Fields struct {
	Subject    string     `json:"subject" required:"false" maxLength:"200" doc:"Required, but for notes"`
	Body       string     `json:"body" required:"false" maxLength:"10000" doc:"Details; required for notes. @name or @email of a colleague mentions them: they are notified if they may read the record"`
	DueAt      *time.Time `json:"due_at" required:"false" doc:"When a task is due, a call planned or a meeting starts; notes have none"`
	RemindAt   *time.Time `json:"remind_at" required:"false" doc:"When to remind the assignee (a notification, and an email when SMTP is set up). Moving or clearing it cancels the earlier reminder; notes have none"`
	AssigneeID *int64     `json:"assignee_id" required:"false" doc:"Who does it: a user who may read the record; defaults to the creator. Notes have none"`
	OwnerID    *int64     `json:"owner_id" required:"false" doc:"Defaults to the creator"`
	TeamID     *int64     `json:"team_id" required:"false" doc:"Defaults to the creator's team when they have one"`
	Outcome    string     `json:"outcome" required:"false" enum:"connected,no_answer,left_voicemail,busy,wrong_number," doc:"How a call went (calls only)"`
	Completed  bool       `json:"completed" required:"false" doc:"Done. Completing records when and by whom; false reopens. Notes are never open"`
}

// Input is a new activity.
type Input struct {
	Type       string `json:"type" enum:"task,call,meeting,note"`
	RecordType string `json:"record_type" enum:"contact,company,deal,lead" doc:"What it is about"`
	RecordID   int64  `json:"record_id" minimum:"1"`
	Fields
}

// Activity is a task, call, meeting or note on a record.
type Activity struct {
	ID         int64  `json:"id"`
	Version    int64  `json:"version"`
	Type       string `json:"type" enum:"task,call,meeting,note"`
	RecordType string `json:"record_type" enum:"contact,company,deal,lead"`
	RecordID   int64  `json:"record_id"`
	Fields
	CompletedAt *time.Time `json:"completed_at,omitempty"`
	CompletedBy *int64     `json:"completed_by,omitempty" doc:"Who completed it; absent for the system"`
	// MentionedUserIDs are the colleagues its body mentioned and who were
	// notified, ever (an edit that adds a mention notifies only the new one).
	MentionedUserIDs []int64   `json:"mentioned_user_ids" nullable:"false" doc:"Colleagues mentioned in the body and notified"`
	CreatedBy        *int64    `json:"created_by,omitempty"`
	CreatedAt        time.Time `json:"created_at"`
	UpdatedAt        time.Time `json:"updated_at"`
}

// Open reports whether the activity is still to do: a task, call or
// meeting not completed.
func (a *Activity) Open() bool { return a.Type != TypeNote && a.CompletedAt == nil }

// view is what the audit log records of an activity: its fields but the
// body, which holds free text about people that the log would otherwise keep
// after the record is erased.
type view struct {
	Type       string     `json:"type"`
	RecordType string     `json:"record_type"`
	RecordID   int64      `json:"record_id"`
	Subject    string     `json:"subject"`
	DueAt      *time.Time `json:"due_at"`
	RemindAt   *time.Time `json:"remind_at"`
	AssigneeID *int64     `json:"assignee_id"`
	OwnerID    *int64     `json:"owner_id"`
	TeamID     *int64     `json:"team_id"`
	Outcome    string     `json:"outcome"`
	Completed  bool       `json:"completed"`
}

func (a *Activity) view() view {
	return view{Type: a.Type, RecordType: a.RecordType, RecordID: a.RecordID, Subject: a.Subject, DueAt: a.DueAt,
		RemindAt: a.RemindAt, AssigneeID: a.AssigneeID, OwnerID: a.OwnerID, TeamID: a.TeamID, Outcome: a.Outcome,
		Completed: a.CompletedAt != nil}
}

// Record is what activities need of the record they hang on.
type Record struct {
	Type string
	ID   int64
	Name string
	// OwnerID and TeamID decide who may read and write it.
	OwnerID, TeamID *int64
	// Deleted is set for a record in the trash: it takes no new activity.
	Deleted bool
	// Also lists records whose activities are this one's too: the contacts
	// merged into a contact.
	Also []int64
}

// RecordFunc reads one record of a type, whoever acts: NotFound when there
// is no such record. A merged contact reads as the contact it was merged
// into.
type RecordFunc func(ctx context.Context, id int64) (*Record, error)

// Directory finds the records activities hang on, one function per record
// type; the types it has are those activities may hang on (the app adds
// leads once the lead pool is wired).
type Directory map[string]RecordFunc

// types lists the record types of the directory, sorted.
func (d Directory) types() []string {
	out := make([]string, 0, len(d))
	for t := range d {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}

// UserRef is a user as a mention names them.
type UserRef struct {
	ID    int64
	Name  string
	Email string
}

// Jobs enqueues durable jobs (package jobs, wired by the app), in the
// transaction of ctx: a job whose kind and key exist already is not added
// again.
type Jobs interface {
	Enqueue(ctx context.Context, kind, key string, runAt time.Time, payload any) error
}

// Email is a message to one user.
type Email struct {
	To, ToName, Subject, Text string
}

// Mailer sends email (package mail, wired by the app).
type Mailer interface {
	Send(ctx context.Context, m Email) error
}

// Messages renders a message key in a language (i18n.Message).
type Messages func(lang, key string, params map[string]any) string

// Store is what activities need from persistence. Every method joins the
// transaction of its context when InTx started one.
type Store interface {
	InTx(ctx context.Context, fn func(ctx context.Context) error) error
	AppendAudit(ctx context.Context, entries ...crm.AuditEntry) error
	// MissingUsers and MissingTeams return those of ids that do not exist.
	MissingUsers(ctx context.Context, ids []int64) ([]int64, error)
	MissingTeams(ctx context.Context, ids []int64) ([]int64, error)
	// ActivityUser returns the principal of an active user: NotFound for
	// an unknown or disabled one.
	ActivityUser(ctx context.Context, id int64) (*crm.Principal, error)
	// MentionableUsers lists the active users.
	MentionableUsers(ctx context.Context) ([]UserRef, error)

	// CreateActivity inserts an activity with its mentions, setting its ID
	// and Version 1.
	CreateActivity(ctx context.Context, a *Activity) error
	// Activity reads an activity with its mentions.
	Activity(ctx context.Context, id int64) (*Activity, error)
	// UpdateActivity saves next over old if old.Version is current (else
	// Stale), setting next.Version; mentions are replaced when they differ.
	UpdateActivity(ctx context.Context, old, next *Activity) error
	DeleteActivity(ctx context.Context, id int64) error
	// ListActivities lists the activities of records, newest first.
	ListActivities(ctx context.Context, q Query) (crm.Page[*Activity], error)
	// Tasks lists the open activities (tasks, calls, meetings not
	// completed) assigned to a user, soonest due first, those without a
	// due time last.
	Tasks(ctx context.Context, q TaskQuery) (crm.Page[*Activity], error)
	// DealsWithoutNextStep lists the open deals of an owner that have no
	// open activity due after q.Now, oldest first.
	DealsWithoutNextStep(ctx context.Context, q NextStepQuery) (crm.Page[*DealRef], error)
	// RecordRefs reads the records of one type among ids, keyed by the id
	// asked for, without a query per id: a list names the records of a
	// page of activities with it. Ids with no record are left out; a
	// merged contact reads as the contact it was merged into.
	RecordRefs(ctx context.Context, recordType string, ids []int64) (map[int64]RecordRef, error)

	// AddNotifications inserts notifications, setting their IDs and
	// Created; one whose (UserID, Key) exists already is left as it was,
	// with Created false.
	AddNotifications(ctx context.Context, list []*Notification) error
	Notification(ctx context.Context, id int64) (*Notification, error)
	// ListNotifications lists a user's notifications, newest first.
	ListNotifications(ctx context.Context, q NotificationQuery) (crm.Page[*Notification], error)
	// CountNotifications counts a user's notifications (unread ones only,
	// if asked).
	CountNotifications(ctx context.Context, userID int64, unreadOnly bool) (int64, error)
	// MarkNotificationsRead marks a user's unread notifications read: those
	// of ids, or every one when ids is nil. It returns how many it marked.
	MarkNotificationsRead(ctx context.Context, userID int64, ids []int64, at time.Time) (int64, error)
	// SetNotificationEmailed records that a notification was emailed.
	SetNotificationEmailed(ctx context.Context, id int64, at time.Time) error
}

// Options configure the Service.
type Options struct {
	Clock crm.Clock
	// Records finds the records activities hang on; its types are the ones
	// accepted.
	Records Directory
	// Mailer sends the emails of notifications; nil sends none (SMTP is not
	// configured).
	Mailer Mailer
	// Messages renders notifications in their reader's language.
	Messages Messages
	// BaseURL, when set, makes the links of emails absolute
	// ("https://crm.example.com").
	BaseURL string
	// OnActivity, when set, is called in the transaction that creates an
	// activity or completes one, with the record it hangs on and the time:
	// a follow-up of that record. The lead pool counts these to keep a
	// claimed lead from returning to the pool (lead.Service.NoteFollowUp);
	// an error rolls the change back.
	OnActivity func(ctx context.Context, recordType string, recordID int64, at time.Time) error
}

// Service holds the rules of activities and notifications.
type Service struct {
	store   Store
	jobs    Jobs
	clock   crm.Clock
	records Directory
	mailer  Mailer
	msg     Messages
	baseURL string
	hook    func(ctx context.Context, recordType string, recordID int64, at time.Time) error
}

// NewService returns a Service.
func NewService(store Store, jobs Jobs, opt Options) *Service {
	if opt.Clock == nil {
		opt.Clock = crm.SystemClock{}
	}
	if opt.Messages == nil {
		opt.Messages = rawMessage
	}
	if opt.Records == nil {
		opt.Records = Directory{}
	}
	return &Service{store: store, jobs: jobs, clock: opt.Clock, records: opt.Records, mailer: opt.Mailer, msg: opt.Messages,
		baseURL: strings.TrimRight(opt.BaseURL, "/"), hook: opt.OnActivity}
}

// rawMessage is the key and its parameters, for a service built without
// catalogues.
func rawMessage(_, key string, params map[string]any) string {
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString(key)
	for _, k := range keys {
		fmt.Fprintf(&b, " %s=%v", k, params[k])
	}
	return b.String()
}

// EmailOn reports whether notifications are emailed.
func (s *Service) EmailOn() bool { return s.mailer != nil }

// record reads the record an activity hangs on.
func (s *Service) record(ctx context.Context, recordType string, id int64) (*Record, error) {
	f, ok := s.records[recordType]
	if !ok {
		return nil, crm.NotFound("activity.record", recordType, id)
	}
	return f(ctx, id)
}

// canRead reports whether p may see a: through its record (rec, nil when
// the record is gone), its own owner and team, or as its assignee.
func canRead(p *crm.Principal, a *Activity, rec *Record) bool {
	return (rec != nil && p.ReadsRecord(rec.OwnerID, rec.TeamID)) || p.ReadsRecord(a.OwnerID, a.TeamID) || isAssignee(p, a)
}

// canWrite reports whether p may change or delete a.
func canWrite(p *crm.Principal, a *Activity, rec *Record) bool {
	if !p.CanWrite() {
		return false
	}
	return (rec != nil && p.WritesRecord(rec.OwnerID, rec.TeamID)) || p.WritesRecord(a.OwnerID, a.TeamID) || isAssignee(p, a)
}

func isAssignee(p *crm.Principal, a *Activity) bool {
	return a.AssigneeID != nil && !p.System && *a.AssigneeID == p.UserID
}

// audit builds an audit entry for the acting principal.
func audit(ctx context.Context, p *crm.Principal, at time.Time, action string, id int64, changes []crm.Change) crm.AuditEntry {
	return crm.NewAuditEntry(p, crm.RequestID(ctx), at, action, RecordActivity, id, changes)
}

// maxAttempts bounds how often a change starts over because another writer
// changed the activity between its read and its write.
const maxAttempts = 5

// retryStale runs a change again when another writer changed the activity
// meanwhile (Stale), unless the caller named the version it read.
func retryStale(ifVersion int64, attempt func() error) error {
	for i := 1; ; i++ {
		err := attempt()
		if ifVersion != 0 || i == maxAttempts || !crm.IsKind(err, crm.KindStale) {
			return err
		}
	}
}

func samePtr(a, b *int64) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }

func sameTime(a, b *time.Time) bool { return (a == nil) == (b == nil) && (a == nil || a.Equal(*b)) }

func ptr[T any](v T) *T { return &v }

// union returns the ids of a and b, sorted, once each.
func union(a, b []int64) []int64 {
	out := append(slices.Clone(a), b...)
	slices.Sort(out)
	return slices.Compact(out)
}
