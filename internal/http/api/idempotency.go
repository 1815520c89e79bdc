package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"strings"

	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/http/httpx"
	"github.com/guanxi-crm/guanxi/internal/idempotency"
)

// IdempotencyStore is the service that keeps idempotent responses.
type IdempotencyStore interface {
	Begin(ctx context.Context, userID int64, key, fingerprint string) (*idempotency.Response, error)
	Finish(ctx context.Context, userID int64, key string, resp *idempotency.Response) error
	Abandon(ctx context.Context, userID int64, key string) error
}

// maxIdempotentBody bounds the request bodies read for fingerprinting.
const maxIdempotentBody = 32 << 20

// replayedHeaders are the response headers kept with a stored response.
var replayedHeaders = []string{"Content-Type", "Location", "ETag", "Link"}

// Idempotent makes POST requests with an Idempotency-Key safe to retry: the
// first runs and its response (unless a 5xx) is stored; a retry with the same
// key, method, URL and body gets the stored response, marked with
// Idempotent-Replayed; the same key with another request is refused (422);
// a retry while the first is still running gets 409. Keys are per user and
// kept for 24 hours. It runs after authentication.
func Idempotent(store IdempotencyStore) httpx.Middleware {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			key := r.Header.Get("Idempotency-Key")
			p, signedIn := crm.PrincipalFrom(r.Context())
			if r.Method != http.MethodPost || key == "" || !signedIn || !strings.HasPrefix(r.URL.Path, Prefix+"/") {
				next.ServeHTTP(w, r)
				return
			}
			body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxIdempotentBody))
			if err != nil {
				httpx.WriteError(w, r, crm.E("api.Idempotent", crm.KindTooLarge, "body_too_large").With("max", maxIdempotentBody))
				return
			}
			sum := sha256.New()
			io.WriteString(sum, r.Method+" "+r.URL.RequestURI()+"\n")
			sum.Write(body)
			fingerprint := hex.EncodeToString(sum.Sum(nil))

			stored, err := store.Begin(r.Context(), p.UserID, key, fingerprint)
			if err != nil {
				httpx.WriteError(w, r, err)
				return
			}
			if stored != nil {
				for k, v := range stored.Headers {
					w.Header().Set(k, v)
				}
				w.Header().Set("Idempotent-Replayed", "true")
				w.WriteHeader(stored.Status)
				_, _ = w.Write(stored.Body)
				return
			}
			rec := &recorder{header: http.Header{}}
			r.Body = io.NopCloser(bytes.NewReader(body))
			func() {
				defer func() {
					if v := recover(); v != nil {
						_ = store.Abandon(context.WithoutCancel(r.Context()), p.UserID, key)
						panic(v)
					}
				}()
				next.ServeHTTP(rec, r)
			}()
			ctx := context.WithoutCancel(r.Context()) // store the outcome even if the client left
			if rec.status >= 500 {
				_ = store.Abandon(ctx, p.UserID, key)
			} else {
				resp := &idempotency.Response{Status: rec.status, Headers: map[string]string{}, Body: rec.body.Bytes()}
				for _, h := range replayedHeaders {
					if v := rec.header.Get(h); v != "" {
						resp.Headers[h] = v
					}
				}
				if err := store.Finish(ctx, p.UserID, key, resp); err != nil {
					httpx.WriteError(w, r, err)
					return
				}
			}
			for k, v := range rec.header {
				w.Header()[k] = v
			}
			w.WriteHeader(rec.status)
			_, _ = w.Write(rec.body.Bytes())
		})
	}
}

// recorder captures a response.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header { return r.header }
func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
}
func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.body.Write(b)
}
