// Package mailtest runs a real SMTP server on the loopback for tests:
// github.com/emersion/go-smtp, with AUTH PLAIN and optionally STARTTLS
// under a certificate made for the test, keeping every message it accepts.
// Tests send through it as Guanxi sends through any server, and read back
// what arrived. Only tests import it.
package mailtest

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"math/big"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Options configure a server.
type Options struct {
	// User and Password are the credentials it accepts; with a user set,
	// it refuses mail before AUTH.
	User, Password string
	// TLS makes it offer STARTTLS with a certificate for 127.0.0.1, which
	// Server.TLSConfig trusts.
	TLS bool
}

// Server is a running SMTP server.
type Server struct {
	// Addr is its host:port.
	Addr string
	// URL is the smtp:// URL that reaches it, with the credentials.
	URL  string
	opts Options
	srv  *smtp.Server
	// roots trusts the server's certificate (TLS).
	roots *x509.CertPool

	mu       sync.Mutex
	messages []*Message
	arrived  chan struct{}
}

// Message is one accepted message.
type Message struct {
	From string
	To   []string
	// Raw is the message as sent, headers and encoded body.
	Raw []byte
	// Header is its parsed header.
	Header mail.Header
	// Text is the body, decoded from its transfer encoding.
	Text string
	// TLS and Auth say whether the session had switched to TLS and
	// authenticated when the message came.
	TLS, Auth bool
}

// Subject is the decoded Subject header.
func (m *Message) Subject() string {
	s, err := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	if err != nil {
		return "!" + err.Error()
	}
	return s
}

// Start runs a server until the test ends.
func Start(tb testing.TB, opts Options) *Server {
	tb.Helper()
	s := &Server{opts: opts, arrived: make(chan struct{}, 1)}
	s.srv = smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &session{s: s, conn: c}, nil
	}))
	s.srv.Domain = "mailtest.local"
	s.srv.AllowInsecureAuth = !opts.TLS
	s.srv.ReadTimeout, s.srv.WriteTimeout = 10*time.Second, 10*time.Second
	s.srv.MaxMessageBytes = 1 << 20
	logger := &testLogger{tb: tb}
	s.srv.ErrorLog = logger
	if opts.TLS {
		cert, roots := certificate(tb)
		s.srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}}
		s.roots = roots
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	s.Addr = ln.Addr().String()
	u := url.URL{Scheme: "smtp", Host: s.Addr}
	if opts.User != "" {
		u.User = url.UserPassword(opts.User, opts.Password)
	}
	s.URL = u.String()
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = s.srv.Serve(ln)
	}()
	tb.Cleanup(func() {
		// Shutdown waits for the conversations to end; Close cuts those
		// that do not end in time.
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		if err := s.srv.Shutdown(ctx); err != nil {
			s.srv.Close()
		}
		logger.closed.Store(true)
		<-done
	})
	return s
}

// TLSConfig trusts the server's certificate (nil without TLS).
func (s *Server) TLSConfig() *tls.Config {
	if s.roots == nil {
		return nil
	}
	return &tls.Config{RootCAs: s.roots, MinVersion: tls.VersionTLS12}
}

// Messages returns the messages accepted so far.
func (s *Server) Messages() []*Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*Message(nil), s.messages...)
}

// Wait waits until n messages have arrived, failing the test after timeout.
func (s *Server) Wait(tb testing.TB, n int, timeout time.Duration) []*Message {
	tb.Helper()
	deadline := time.After(timeout)
	for {
		if got := s.Messages(); len(got) >= n {
			return got
		}
		select {
		case <-s.arrived:
		case <-deadline:
			tb.Fatalf("mailtest: %d messages arrived in %v; want %d", len(s.Messages()), timeout, n)
		}
	}
}

func (s *Server) add(m *Message) {
	s.mu.Lock()
	s.messages = append(s.messages, m)
	s.mu.Unlock()
	select {
	case s.arrived <- struct{}{}:
	default:
	}
}

// session is one SMTP conversation.
type session struct {
	s    *Server
	conn *smtp.Conn
	auth bool
	from string
	to   []string
}

func (ss *session) AuthMechanisms() []string { return []string{sasl.Plain} }

func (ss *session) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, username, password string) error {
		if username != ss.s.opts.User || password != ss.s.opts.Password {
			return smtp.ErrAuthFailed // 535, as real servers answer
		}
		ss.auth = true
		return nil
	}), nil
}

func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	if ss.s.opts.User != "" && !ss.auth {
		return smtp.ErrAuthRequired
	}
	ss.from = from
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if strings.HasPrefix(to, "bounce@") {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such mailbox"}
	}
	ss.to = append(ss.to, to)
	return nil
}

func (ss *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return &smtp.SMTPError{Code: 554, Message: "unreadable message: " + err.Error()}
	}
	var body io.Reader = msg.Body
	if strings.EqualFold(msg.Header.Get("Content-Transfer-Encoding"), "quoted-printable") {
		body = quotedprintable.NewReader(msg.Body)
	}
	text, err := io.ReadAll(body)
	if err != nil {
		return &smtp.SMTPError{Code: 554, Message: "unreadable body: " + err.Error()}
	}
	_, isTLS := ss.conn.TLSConnectionState()
	ss.s.add(&Message{From: ss.from, To: ss.to, Raw: raw, Header: msg.Header, Text: string(text), TLS: isTLS, Auth: ss.auth})
	return nil
}

func (ss *session) Reset()        { ss.from, ss.to = "", nil }
func (ss *session) Logout() error { return nil }

// certificate makes a self-signed certificate for 127.0.0.1 and a pool that
// trusts it.
func certificate(tb testing.TB) (tls.Certificate, *x509.CertPool) {
	tb.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "mailtest"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1")},
		DNSNames:              []string{"localhost"},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		tb.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		tb.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, roots
}

// testLogger sends the server's errors to the test log while the test
// runs.
type testLogger struct {
	tb     testing.TB
	closed atomic.Bool
}

func (l *testLogger) Printf(format string, v ...any) {
	if !l.closed.Load() {
		l.tb.Logf("mailtest: "+format, v...)
	}
}

func (l *testLogger) Println(v ...any) {
	if !l.closed.Load() {
		l.tb.Log(append([]any{"mailtest:"}, v...)...)
	}
}
