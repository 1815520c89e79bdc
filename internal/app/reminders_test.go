package app_test

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/guanxi-crm/guanxi/internal/account"
	"github.com/guanxi-crm/guanxi/internal/activity"
	"github.com/guanxi-crm/guanxi/internal/app"
	"github.com/guanxi-crm/guanxi/internal/config"
	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/mail/mailtest"
	"github.com/guanxi-crm/guanxi/internal/testenv"
)

// TestRemindersSurviveARestart sets reminders, stops the server, and starts
// it again over the same database: the reminder that came due while it was
// down and the one due after the restart each notify once, by a
// notification and an email in the user's language through a real SMTP
// server; the one moved before the stop never comes at its old time.
func TestRemindersSurviveARestart(t *testing.T) {
	for _, engine := range testenv.AvailableEngines(t) {
		t.Run(engine, func(t *testing.T) {
			smtp := mailtest.Start(t, mailtest.Options{User: "crm", Password: "pw"})
			cfg := config.Defaults()
			cfg.LogLevel = "warn"
			cfg.SMTPURL, cfg.MailFrom, cfg.PublicURL = smtp.URL, "Guanxi <crm@guanxi.test>", "https://crm.example.com"
			if engine == "sqlite" {
				cfg.DataDir = t.TempDir()
			} else {
				cfg.DatabaseURL = testenv.PostgresSchemaURL(t)
			}

			// First life: a user, a customer and three reminders.
			a, stop := serveApp(t, cfg)
			sys := crm.WithPrincipal(context.Background(), crm.System)
			u, err := a.Accounts.CreateUser(sys, account.UserFields{Email: "li@example.com", Name: "李小龍", Role: crm.RoleAgent, Language: "zh-Hans"}, "")
			if err != nil {
				t.Fatal(err)
			}
			p, err := a.Accounts.PrincipalFor(sys, u.Email)
			if err != nil {
				t.Fatal(err)
			}
			ctx := crm.WithPrincipal(context.Background(), p)
			c, err := a.Customers.CreateContact(ctx, customer.ContactFields{DisplayName: "陳經理"}, customer.WriteOptions{})
			if err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			remind := func(subject string, at time.Time) *activity.Activity {
				act, err := a.Activities.Create(ctx, activity.Input{Type: activity.TypeCall, RecordType: activity.RecordContact, RecordID: c.ID,
					Fields: activity.Fields{Subject: subject, RemindAt: &at}})
				if err != nil {
					t.Fatal(err)
				}
				return act
			}
			whileDown := start.Add(3 * time.Second)
			remind("打电话（停机时到期）", whileDown)
			remind("打电话（重启后到期）", start.Add(7*time.Second))
			moved := remind("改期", whileDown)
			later := start.Add(time.Hour)
			if _, err := a.Activities.Update(ctx, moved.ID, 0, func(f *activity.Fields) error { f.RemindAt = &later; return nil }); err != nil {
				t.Fatal(err)
			}
			stop()
			if n := len(smtp.Messages()); n != 0 {
				t.Fatalf("%d emails before the reminders were due", n)
			}

			// The first reminder comes due while no server runs.
			time.Sleep(time.Until(whileDown.Add(500 * time.Millisecond)))
			a, stop = serveApp(t, cfg)
			defer stop()
			got := smtp.Wait(t, 2, 30*time.Second)
			time.Sleep(2 * time.Second) // time for a duplicate to show up
			got = smtp.Messages()
			var subjects []string
			for _, m := range got {
				subjects = append(subjects, m.Subject())
				if m.To[0] != "li@example.com" || !strings.Contains(m.Text, fmt.Sprintf("https://crm.example.com/customers/%d", c.ID)) ||
					!strings.Contains(m.Text, "关于：陳經理") {
					t.Errorf("email to %v:\n%s", m.To, m.Text)
				}
			}
			want := []string{"提醒：打电话（停机时到期）", "提醒：打电话（重启后到期）"}
			if strings.Join(subjects, "|") != strings.Join(want, "|") {
				t.Errorf("emails %q; want %q, each once", subjects, want)
			}
			page, err := a.Activities.Notifications(ctx, true, "", 10)
			if err != nil {
				t.Fatal(err)
			}
			var texts []string
			for _, n := range page.Items {
				texts = append(texts, n.Text)
				if n.EmailedAt == nil {
					t.Errorf("notification %q not marked emailed", n.Text)
				}
			}
			if strings.Join(texts, "|") != "提醒：打电话（重启后到期）|提醒：打电话（停机时到期）" {
				t.Errorf("notifications %q", texts)
			}
		})
	}
}

// serveApp runs Guanxi in this process until stop is called.
func serveApp(t *testing.T, cfg config.Config) (*app.App, func()) {
	t.Helper()
	logger := slog.New(slog.NewTextHandler(testLog{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	ctx, cancel := context.WithCancel(context.Background())
	a, err := app.Open(ctx, cfg, logger)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- a.Serve(ctx, ln) }()
	stopped := false
	return a, func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
		a.Close()
	}
}

type testLog struct{ t *testing.T }

func (w testLog) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
