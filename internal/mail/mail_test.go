package mail_test

import (
	"context"
	"net"
	"net/mail"
	"strings"
	"testing"
	"time"

	gxmail "github.com/guanxi-crm/guanxi/internal/mail"
	"github.com/guanxi-crm/guanxi/internal/mail/mailtest"
)

// The messages of these tests go to a real SMTP server (go-smtp) on the
// loopback, and are read back as it received them.

func TestSendThroughARealServer(t *testing.T) {
	tests := []struct {
		name string
		opts mailtest.Options
	}{
		{"AUTH PLAIN on the loopback", mailtest.Options{User: "crm", Password: "s3cret:@/"}},
		{"STARTTLS and AUTH PLAIN", mailtest.Options{User: "crm", Password: "s3cret", TLS: true}},
		{"no credentials", mailtest.Options{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := mailtest.Start(t, tt.opts)
			s, err := gxmail.New(gxmail.Config{URL: srv.URL, From: "關係 CRM <crm@guanxi.test>", TLS: srv.TLSConfig()})
			if err != nil {
				t.Fatal(err)
			}
			subject := "提醒：打電話給陳經理討論 ERP 導入的報價與時程（第二次）"
			text := "Reminder: call 陳經理\n到期：2026-03-02 10:00 UTC\n\n.a line that starts with a dot\n" + strings.Repeat("長", 120) + "\n"
			err = s.Send(context.Background(), gxmail.Message{To: mail.Address{Name: "王小明", Address: "ming@example.com"}, Subject: subject, Text: text})
			if err != nil {
				t.Fatal(err)
			}
			got := srv.Wait(t, 1, 5*time.Second)[0]
			if got.From != "crm@guanxi.test" || len(got.To) != 1 || got.To[0] != "ming@example.com" {
				t.Errorf("envelope from %q to %v", got.From, got.To)
			}
			if got.Auth != (tt.opts.User != "") || got.TLS != tt.opts.TLS {
				t.Errorf("auth %v, tls %v", got.Auth, got.TLS)
			}
			if got.Subject() != subject {
				t.Errorf("subject %q; want %q", got.Subject(), subject)
			}
			raw := got.Header.Get("Subject")
			if !strings.HasPrefix(raw, "=?utf-8?b?") {
				t.Errorf("subject not an encoded word: %q", raw)
			}
			for _, line := range strings.Split(string(got.Raw), "\r\n") {
				if len(line) > 78 && !strings.HasPrefix(line, "Subject: ") {
					t.Errorf("line of %d characters: %q", len(line), line)
				}
			}
			from, err := got.Header.AddressList("From")
			if err != nil || len(from) != 1 || from[0].Name != "關係 CRM" || from[0].Address != "crm@guanxi.test" {
				t.Errorf("From %v (%v); raw %q", from, err, got.Header.Get("From"))
			}
			to, err := got.Header.AddressList("To")
			if err != nil || len(to) != 1 || to[0].Name != "王小明" {
				t.Errorf("To %v (%v)", to, err)
			}
			for name, want := range map[string]string{
				"Content-Type": "text/plain; charset=utf-8", "Content-Transfer-Encoding": "quoted-printable",
				"MIME-Version": "1.0", "Auto-Submitted": "auto-generated",
			} {
				if v := got.Header.Get(name); v != want {
					t.Errorf("%s: %q; want %q", name, v, want)
				}
			}
			if d, err := got.Header.Date(); err != nil || time.Since(d) > time.Minute {
				t.Errorf("Date %v (%v)", d, err)
			}
			if id := got.Header.Get("Message-ID"); !strings.HasSuffix(id, "@guanxi.test>") {
				t.Errorf("Message-ID %q", id)
			}
			if want := strings.ReplaceAll(text, "\n", "\r\n"); got.Text != want {
				t.Errorf("text\n%q\nwant\n%q", got.Text, want)
			}
		})
	}
}

func TestRefusals(t *testing.T) {
	srv := mailtest.Start(t, mailtest.Options{User: "crm", Password: "right"})
	send := func(url, to string) error {
		s, err := gxmail.New(gxmail.Config{URL: url, From: "crm@guanxi.test", Timeout: 5 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		return s.Send(context.Background(), gxmail.Message{To: mail.Address{Address: to}, Subject: "x", Text: "y"})
	}
	wrong := strings.Replace(srv.URL, "crm:right", "crm:wrong", 1)
	if err := send(wrong, "a@example.com"); err == nil || !gxmail.IsPermanent(err) {
		t.Errorf("wrong password: %v (permanent %v)", err, gxmail.IsPermanent(err))
	}
	if err := send(srv.URL, "bounce@example.com"); err == nil || !gxmail.IsPermanent(err) {
		t.Errorf("unknown mailbox: %v (permanent %v)", err, gxmail.IsPermanent(err))
	}
	if err := send(srv.URL, "not an address"); err == nil || !gxmail.IsPermanent(err) {
		t.Errorf("bad recipient: %v", err)
	}
	if n := len(srv.Messages()); n != 0 {
		t.Errorf("%d messages accepted", n)
	}
	// A server that does not answer: the context ends the wait.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	s, err := gxmail.New(gxmail.Config{URL: "smtp://" + ln.Addr().String(), From: "crm@guanxi.test"})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	err = s.Send(ctx, gxmail.Message{To: mail.Address{Address: "a@example.com"}, Subject: "x", Text: "y"})
	if err == nil || gxmail.IsPermanent(err) || time.Since(start) > 5*time.Second {
		t.Errorf("silent server: %v after %v", err, time.Since(start))
	}
}

func TestConfig(t *testing.T) {
	tests := []struct {
		url, from, want string
	}{
		{"smtp://user:pass@mail.example.com", "crm@example.com", ""},
		{"smtps://mail.example.com", "Guanxi <crm@example.com>", ""},
		{"http://mail.example.com", "crm@example.com", "scheme"},
		{"smtp://", "crm@example.com", "no host"},
		{"smtp://mail.example.com", "", "no sender"},
		{"smtp://mail.example.com", "not an address", "smtp from"},
		{"::", "crm@example.com", "not a URL"},
	}
	for _, tt := range tests {
		err := gxmail.Check(tt.url, tt.from)
		if (err == nil) != (tt.want == "") || (err != nil && !strings.Contains(err.Error(), tt.want)) {
			t.Errorf("Check(%q, %q) = %v; want %q", tt.url, tt.from, err, tt.want)
		}
	}
}

func TestComposeKeepsHeadersOnOneLine(t *testing.T) {
	raw, err := gxmail.Compose(mail.Address{Address: "crm@guanxi.test"},
		gxmail.Message{To: mail.Address{Address: "a@example.com"}, Subject: "Hi\r\nBcc: evil@example.com", Text: "x"},
		time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC), "<1@guanxi.test>")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(raw), "\r\nBcc:") || !strings.Contains(string(raw), "Subject: Hi Bcc: evil@example.com\r\n") {
		t.Errorf("header injection:\n%s", raw)
	}
}
