package app

import (
	"context"
	"fmt"
	"net/mail"
	"time"

	"github.com/guanxi-crm/guanxi/internal/activity"
	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/i18n"
	"github.com/guanxi-crm/guanxi/internal/jobs"
	gxmail "github.com/guanxi-crm/guanxi/internal/mail"
)

// openActivities builds the activities service over the store, the job
// system and, when SMTP is configured, the mailer, and registers the
// handlers of its jobs: reminders, and the emails of notifications. An
// activity on a claimed lead or contact is a follow-up that keeps it from
// returning to the pool (lead.Service.NoteFollowUp).
func (a *App) openActivities() error {
	opts := activity.Options{Records: a.Store.ActivityRecords(), Messages: i18n.Message, BaseURL: a.Config.PublicURL,
		OnActivity: a.Leads.NoteFollowUp}
	if a.Config.SMTPURL != "" {
		sender, err := gxmail.New(gxmail.Config{URL: a.Config.SMTPURL, From: a.Config.MailFrom})
		if err != nil {
			return err
		}
		opts.Mailer = mailer{sender}
	}
	a.Activities = activity.NewService(a.Store, jobQueue{a.Jobs}, opts)
	a.Runner.Handle(activity.JobRemind, func(ctx context.Context, run *jobs.Run) error {
		var p activity.RemindPayload
		if err := run.Decode(&p); err != nil {
			return err
		}
		return a.Activities.Remind(crm.WithPrincipal(ctx, crm.System), p.ActivityID, p.RemindAt)
	})
	a.Runner.Handle(activity.JobEmail, func(ctx context.Context, run *jobs.Run) error {
		var p activity.EmailPayload
		if err := run.Decode(&p); err != nil {
			return err
		}
		err := a.Activities.DeliverEmail(crm.WithPrincipal(ctx, crm.System), p.NotificationID)
		if gxmail.IsPermanent(err) {
			return jobs.Permanent(err) // an unknown mailbox stays unknown
		}
		return err
	})
	return nil
}

// jobQueue enqueues the activities' jobs in the durable job system.
type jobQueue struct{ jobs *jobs.Service }

func (q jobQueue) Enqueue(ctx context.Context, kind, key string, runAt time.Time, payload any) error {
	_, err := q.jobs.Enqueue(ctx, jobs.Spec{Kind: kind, Key: key, RunAt: runAt, Payload: payload})
	if err != nil {
		return fmt.Errorf("enqueue %s %s: %w", kind, key, err)
	}
	return nil
}

// mailer sends the activities' emails through SMTP.
type mailer struct{ sender *gxmail.Sender }

func (m mailer) Send(ctx context.Context, e activity.Email) error {
	return m.sender.Send(ctx, gxmail.Message{To: mail.Address{Name: e.ToName, Address: e.To}, Subject: e.Subject, Text: e.Text})
}
