// Package mail sends email through an SMTP server: plain-text messages in
// UTF-8, as MIME wants them (encoded-word subjects and names,
// quoted-printable bodies), over STARTTLS or TLS, with AUTH PLAIN.
//
// It is the standard library's net/smtp, mime and net/mail put together:
// net/smtp speaks STARTTLS (taken whenever the server offers it) and AUTH
// PLAIN (which it refuses to send over an unencrypted connection, but to
// the loopback), and a Guanxi server sends a few notifications a minute,
// one connection each, which needs neither a pool nor a third-party client.
package mail

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"net/url"
	"os"
	"strings"
	"time"
)

// Config says where and as whom to send.
type Config struct {
	// URL is smtp://user:password@host:port (port 587 by default; STARTTLS
	// when the server offers it) or smtps://… (TLS from the first byte,
	// port 465 by default). Credentials are optional; they are sent only
	// over TLS, or to a server on the loopback.
	URL string
	// From is the sender: "crm@example.com" or "Guanxi <crm@example.com>".
	From string
	// TLS, when set, is the TLS configuration (a test trusts its own
	// certificate); ServerName defaults to the URL's host.
	TLS *tls.Config
	// Timeout bounds the conversation of one message (default 30 s).
	Timeout time.Duration
	// HelloName is the name given in EHLO (default the host name).
	HelloName string
}

// Sender sends messages; it is safe for concurrent use (a connection per
// message).
type Sender struct {
	cfg         Config
	from        *mail.Address
	host, addr  string
	user, pass  string
	implicitTLS bool
}

// Check reports what is wrong with an SMTP URL and a From address, for
// configuration checks.
func Check(rawURL, from string) error {
	_, err := New(Config{URL: rawURL, From: from})
	return err
}

// New checks a configuration and returns its Sender.
func New(cfg Config) (*Sender, error) {
	u, err := url.Parse(cfg.URL)
	if err != nil {
		return nil, errors.New("smtp url: not a URL (smtp://user:password@host:port)")
	}
	s := &Sender{cfg: cfg}
	port := "587"
	switch u.Scheme {
	case "smtp":
	case "smtps":
		s.implicitTLS, port = true, "465"
	default:
		return nil, fmt.Errorf("smtp url: scheme %q: want smtp:// or smtps://", u.Scheme)
	}
	s.host = u.Hostname()
	if s.host == "" {
		return nil, errors.New("smtp url: no host")
	}
	if p := u.Port(); p != "" {
		port = p
	}
	s.addr = net.JoinHostPort(s.host, port)
	if u.User != nil {
		s.user = u.User.Username()
		s.pass, _ = u.User.Password()
	}
	if strings.TrimSpace(cfg.From) == "" {
		return nil, errors.New("smtp from: no sender address (e.g. Guanxi <crm@example.com>)")
	}
	if s.from, err = mail.ParseAddress(cfg.From); err != nil {
		return nil, fmt.Errorf("smtp from %q: %v", cfg.From, err)
	}
	if s.cfg.Timeout <= 0 {
		s.cfg.Timeout = 30 * time.Second
	}
	if s.cfg.HelloName == "" {
		s.cfg.HelloName, _ = os.Hostname()
		if s.cfg.HelloName == "" {
			s.cfg.HelloName = "localhost"
		}
	}
	return s, nil
}

// From is the sender's address.
func (s *Sender) From() mail.Address { return *s.from }

// Message is a plain-text email to one person.
type Message struct {
	To      mail.Address
	Subject string
	Text    string
}

// Send delivers a message to the SMTP server: one connection, STARTTLS if
// offered (smtp://) or TLS from the start (smtps://), AUTH PLAIN when the
// URL has credentials. A cancelled ctx cuts the conversation short. The
// server's refusals are *textproto.Error; IsPermanent tells those that a
// retry will not cure.
func (s *Sender) Send(ctx context.Context, m Message) error {
	if _, err := mail.ParseAddress(m.To.Address); err != nil {
		return &textproto.Error{Code: 501, Msg: fmt.Sprintf("recipient %q: %v", m.To.Address, err)}
	}
	raw, err := Compose(*s.from, m, time.Now(), messageID(s.from.Address))
	if err != nil {
		return err
	}
	if err := s.send(ctx, m.To.Address, raw); err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("mail: %w (%v)", ctx.Err(), err)
		}
		return fmt.Errorf("mail to %s via %s: %w", m.To.Address, s.addr, err)
	}
	return nil
}

func (s *Sender) send(ctx context.Context, to string, raw []byte) error {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", s.addr)
	if err != nil {
		return err
	}
	// The conversation ends with ctx: past the deadline every read and
	// write fails, and a cancellation closes the connection.
	if deadline, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(deadline)
	}
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	tlsConfig := s.tlsConfig()
	if s.implicitTLS {
		tc := tls.Client(conn, tlsConfig)
		if err := tc.HandshakeContext(ctx); err != nil {
			conn.Close()
			return err
		}
		conn = tc
	}
	c, err := smtp.NewClient(conn, s.host)
	if err != nil {
		conn.Close()
		return err
	}
	defer c.Close()
	if err := c.Hello(s.cfg.HelloName); err != nil {
		return err
	}
	if !s.implicitTLS {
		if ok, _ := c.Extension("STARTTLS"); ok {
			if err := c.StartTLS(tlsConfig); err != nil {
				return fmt.Errorf("starttls: %w", err)
			}
		}
	}
	if s.user != "" {
		if ok, _ := c.Extension("AUTH"); !ok {
			return errors.New("the server offers no AUTH, yet the URL has credentials")
		}
		if err := c.Auth(smtp.PlainAuth("", s.user, s.pass, s.host)); err != nil {
			return fmt.Errorf("auth: %w", err)
		}
	}
	if err := c.Mail(s.from.Address); err != nil {
		return err
	}
	if err := c.Rcpt(to); err != nil {
		return err
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(raw); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return c.Quit()
}

func (s *Sender) tlsConfig() *tls.Config {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if s.cfg.TLS != nil {
		cfg = s.cfg.TLS.Clone()
	}
	if cfg.ServerName == "" {
		cfg.ServerName = s.host
	}
	return cfg
}

// IsPermanent reports whether the server refused for good (a 5xx reply: an
// unknown mailbox, a rejected sender), so that retrying is pointless.
func IsPermanent(err error) bool {
	var te *textproto.Error
	return errors.As(err, &te) && te.Code >= 500 && te.Code < 600
}

// Compose renders a message as MIME: headers (names and subject as RFC 2047
// encoded words when they are not ASCII), and the text in UTF-8,
// quoted-printable, with CRLF line ends.
func Compose(from mail.Address, m Message, date time.Time, id string) ([]byte, error) {
	var b bytes.Buffer
	header := func(name, value string) { fmt.Fprintf(&b, "%s: %s\r\n", name, value) }
	header("From", from.String())
	header("To", m.To.String())
	header("Subject", encodeHeader(m.Subject))
	header("Date", date.Format(time.RFC1123Z))
	header("Message-ID", id)
	header("MIME-Version", "1.0")
	header("Content-Type", "text/plain; charset=utf-8")
	header("Content-Transfer-Encoding", "quoted-printable")
	// RFC 3834: machine-made, so that vacation responders stay quiet.
	header("Auto-Submitted", "auto-generated")
	b.WriteString("\r\n")
	qp := quotedprintable.NewWriter(&b)
	if _, err := qp.Write([]byte(strings.ReplaceAll(m.Text, "\r\n", "\n"))); err != nil {
		return nil, err
	}
	if err := qp.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// encodeHeader makes a header value of free text: one line, encoded words
// (base64, which is shorter for Chinese) when it is not ASCII, each word on
// a folded line of its own.
func encodeHeader(s string) string {
	s = strings.Join(strings.FieldsFunc(s, func(r rune) bool { return r == '\r' || r == '\n' }), " ")
	enc := mime.BEncoding.Encode("utf-8", s)
	if enc == s {
		return s
	}
	return strings.ReplaceAll(enc, "?= =?", "?=\r\n =?")
}

// messageID makes a unique Message-ID in the sender's domain.
func messageID(from string) string {
	domain := "guanxi.invalid"
	if i := strings.LastIndexByte(from, '@'); i >= 0 && i < len(from)-1 {
		domain = from[i+1:]
	}
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return "<" + hex.EncodeToString(b) + "@" + domain + ">"
}
