package httpx

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"runtime/debug"
	"strings"
	"time"

	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/i18n"
)

// Middleware wraps a handler.
type Middleware func(http.Handler) http.Handler

// Chain applies middleware so that the first runs outermost.
func Chain(h http.Handler, mw ...Middleware) http.Handler {
	for i := len(mw) - 1; i >= 0; i-- {
		h = mw[i](h)
	}
	return h
}

// statusWriter remembers the status a handler wrote.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += n
	return n, err
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Flush lets streaming handlers flush through the wrapper.
func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Hijack supports protocol upgrades through the wrapper.
func (w *statusWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	if h, ok := w.ResponseWriter.(http.Hijacker); ok {
		return h.Hijack()
	}
	return nil, nil, errors.New("hijack not supported")
}

// RequestID gives every request an id: the client's X-Request-Id when it is
// short and printable, else a new one. It is echoed in the response, put in
// the context, and written in logs, problems and audit entries. It also
// records the client's address: the peer's, or behind one of the trusted
// proxies the last address of X-Forwarded-For that is not one of them.
func RequestID(trusted []netip.Prefix) Middleware {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			id := r.Header.Get("X-Request-Id")
			if !validRequestID(id) {
				id = newRequestID()
			}
			w.Header().Set("X-Request-Id", id)
			ctx := WithClientAddress(crm.WithRequestID(r.Context(), id), clientAddress(r, trusted))
			next.ServeHTTP(w, r.WithContext(ctx))
		})
	}
}

// clientAddress is who sent the request. X-Forwarded-For lists the addresses
// each proxy saw, the last written by the proxy nearest to us; going back
// from it, the first address that is not a trusted proxy is the client (any
// before it the client may have made up).
func clientAddress(r *http.Request, trusted []netip.Prefix) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	isTrusted := func(s string) bool {
		a, err := netip.ParseAddr(strings.TrimSpace(s))
		if err != nil {
			return false
		}
		a = a.Unmap()
		for _, p := range trusted {
			if p.Contains(a) {
				return true
			}
		}
		return false
	}
	if len(trusted) == 0 || !isTrusted(host) {
		return host
	}
	var hops []string
	for _, h := range r.Header.Values("X-Forwarded-For") {
		hops = append(hops, strings.Split(h, ",")...)
	}
	for i := len(hops) - 1; i >= 0; i-- {
		hop := strings.TrimSpace(hops[i])
		if _, err := netip.ParseAddr(hop); err != nil {
			return host // not an address: trust nothing further back
		}
		if !isTrusted(hop) {
			return hop
		}
	}
	return host
}

func validRequestID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, c := range id {
		if c < '!' || c > '~' {
			return false
		}
	}
	return true
}

func newRequestID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// Recover turns a panic into a 500 problem and logs it with its stack.
func Recover(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				WriteError(w, r, fmt.Errorf("panic: %v\n%s", v, debug.Stack()))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// requestInfo is what the inner layers learn of a request that AccessLog,
// outermost, reports: the middleware between them pass copies of the
// request (r.WithContext), so what they set on theirs never reaches it.
type requestInfo struct {
	route     string
	principal *crm.Principal
	err       error // the cause of an internal error
}

type requestInfoKey struct{}

func infoOf(ctx context.Context) *requestInfo {
	info, _ := ctx.Value(requestInfoKey{}).(*requestInfo)
	return info
}

// AccessLog logs each request once it is served, with its route, caller and
// the cause of any internal error, and records its metrics.
func AccessLog(logger *slog.Logger, m *Metrics) Middleware {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := time.Now()
			sw := &statusWriter{ResponseWriter: w}
			info := &requestInfo{}
			next.ServeHTTP(sw, r.WithContext(context.WithValue(r.Context(), requestInfoKey{}, info)))
			elapsed := time.Since(start)
			route := info.route
			if route == "" {
				route = "unmatched"
			}
			if m != nil {
				m.observe(r.Method, route, sw.status, elapsed)
			}
			level := slog.LevelInfo
			if sw.status >= 500 {
				level = slog.LevelError
			}
			if !logger.Enabled(r.Context(), level) {
				return
			}
			attrs := []slog.Attr{
				slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.String("route", route),
				slog.Int("status", sw.status), slog.Int("bytes", sw.bytes),
				slog.Float64("ms", float64(elapsed.Microseconds())/1000), slog.String("request_id", crm.RequestID(r.Context())),
			}
			if info.principal != nil {
				attrs = append(attrs, slog.Int64("user_id", info.principal.UserID))
			}
			if info.err != nil {
				attrs = append(attrs, slog.String("err", info.err.Error()))
			}
			logger.LogAttrs(r.Context(), level, "request", attrs...)
		})
	}
}

// Routed runs innermost, next to the ServeMux: once the mux has served the
// request (setting its Pattern), it tells AccessLog the route and the caller.
func Routed(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r)
		if info := infoOf(r.Context()); info != nil {
			info.route = r.Pattern
			info.principal, _ = crm.PrincipalFrom(r.Context())
		}
	})
}

// Authenticator checks credentials.
type Authenticator interface {
	AuthenticateToken(ctx context.Context, secret string) (*crm.Principal, error)
	AuthenticateSession(ctx context.Context, secret string) (*crm.Principal, error)
}

// SessionCookie is the name of the browser session cookie.
const SessionCookie = "guanxi_session"

// Authenticate identifies the caller: an API token in "Authorization:
// Bearer", or a session cookie. A bad token is refused at once (401); a bad or
// expired cookie leaves the request anonymous, for the route to refuse or
// the UI to send to the sign-in page. Requests that could ride on a browser's
// cookies — unsafe methods without an Authorization header — must come from
// the same origin (Sec-Fetch-Site / Origin), which stops cross-site request
// forgery without tokens in forms.
func Authenticate(a Authenticator) Middleware {
	cop := http.NewCrossOriginProtection()
	// Public web forms are posted from other sites by design; they act on
	// no one's session, so there is no request to forge.
	cop.AddInsecureBypassPattern("POST /forms/{slug}")
	cop.AddInsecureBypassPattern("POST /api/v1/forms/{slug}")
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ctx := r.Context()
			if h := r.Header.Get("Authorization"); h != "" {
				scheme, secret, _ := strings.Cut(h, " ")
				if !strings.EqualFold(scheme, "Bearer") || secret == "" {
					w.Header().Set("WWW-Authenticate", `Bearer realm="guanxi"`)
					WriteError(w, r, crm.E("httpx.Authenticate", crm.KindUnauthenticated, "invalid_token"))
					return
				}
				p, err := a.AuthenticateToken(ctx, strings.TrimSpace(secret))
				if err != nil {
					w.Header().Set("WWW-Authenticate", `Bearer realm="guanxi", error="invalid_token"`)
					WriteError(w, r, err)
					return
				}
				next.ServeHTTP(w, r.WithContext(crm.WithPrincipal(ctx, p)))
				return
			}
			if err := cop.Check(r); err != nil {
				WriteError(w, r, crm.E("httpx.Authenticate", crm.KindForbidden, "cross_origin_request"))
				return
			}
			if c, err := r.Cookie(SessionCookie); err == nil && c.Value != "" {
				if p, err := a.AuthenticateSession(ctx, c.Value); err == nil {
					ctx = crm.WithPrincipal(ctx, p)
				} else if !crm.IsKind(err, crm.KindUnauthenticated) {
					WriteError(w, r, err)
					return
				}
			}
			next.ServeHTTP(w, r.WithContext(ctx))
		})
	}
}

// Negotiate sets the response language: the user's setting, else
// Accept-Language. It runs before authentication, so that the errors of the
// outer layers (a bad token, an unknown route) are in the client's language,
// and again after it, for the user's setting.
func Negotiate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user := ""
		if p, ok := crm.PrincipalFrom(r.Context()); ok {
			user = p.Language
		}
		lang := i18n.Negotiate(user, r.Header.Get("Accept-Language"))
		next.ServeHTTP(w, r.WithContext(WithLanguage(r.Context(), lang)))
	})
}

// JSONErrors rewrites the plain-text 404 and 405 answers of the ServeMux
// into problem documents, so API clients always get JSON.
func JSONErrors(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(&plainErrorWriter{ResponseWriter: w, r: r}, r)
	})
}

// plainErrorWriter swaps a text/plain 404 or 405 for a problem.
type plainErrorWriter struct {
	http.ResponseWriter
	r        *http.Request
	replaced bool
}

func (w *plainErrorWriter) WriteHeader(code int) {
	ct := w.Header().Get("Content-Type")
	if (code == http.StatusNotFound || code == http.StatusMethodNotAllowed) && strings.HasPrefix(ct, "text/plain") {
		w.replaced = true
		code := map[int]string{http.StatusNotFound: "route_not_found", http.StatusMethodNotAllowed: "method_not_allowed"}[code]
		w.Header().Del("X-Content-Type-Options")
		WriteProblem(w.ResponseWriter, w.r, NewProblem(w.r.Context(), statusForCode(code), code, nil))
		return
	}
	w.ResponseWriter.WriteHeader(code)
}

func statusForCode(code string) int {
	if code == "method_not_allowed" {
		return http.StatusMethodNotAllowed
	}
	return http.StatusNotFound
}

func (w *plainErrorWriter) Write(b []byte) (int, error) {
	if w.replaced {
		return len(b), nil // the mux's plain text, already replaced
	}
	return w.ResponseWriter.Write(b)
}

func (w *plainErrorWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// SecurityHeaders sets the headers every response should carry.
func SecurityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		next.ServeHTTP(w, r)
	})
}
