// Package httpx is the edge of Guanxi's HTTP surfaces: the one place where
// errors become status codes and RFC 9457 problem documents, and the
// middleware every request passes (request ids, logs, metrics, recovery,
// authentication, cross-origin protection, language).
package httpx

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"

	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/i18n"
)

// ProblemContentType is the media type of error responses.
const ProblemContentType = "application/problem+json"

// Problem is an RFC 9457 problem document. Code names the problem for
// programs (and for i18n); Detail says it in the request's language; Errors
// list what is wrong with each field; Params carry its particulars, such as
// the id of the existing record on a duplicate.
type Problem struct {
	Type      string         `json:"type" doc:"URI of the problem type"`
	Title     string         `json:"title" doc:"Short summary of the problem type (the HTTP status text)"`
	Status    int            `json:"status" doc:"HTTP status code"`
	Detail    string         `json:"detail,omitempty" doc:"What went wrong, in the request's language"`
	Instance  string         `json:"instance,omitempty" doc:"The request path"`
	Code      string         `json:"code" doc:"Machine-readable problem code"`
	Params    map[string]any `json:"params,omitempty" doc:"Particulars of the problem, e.g. existing_id of a duplicate, current_version of a stale update"`
	Errors    []FieldProblem `json:"errors,omitempty" doc:"What is wrong with each field"`
	RequestID string         `json:"request_id,omitempty" doc:"Quote it when reporting a problem"`
}

// FieldProblem is what is wrong with one field of the input.
type FieldProblem struct {
	Field   string         `json:"field" doc:"JSON path of the field, e.g. emails[1].address, or the query parameter"`
	Code    string         `json:"code" doc:"Machine-readable code"`
	Message string         `json:"message" doc:"The problem in the request's language"`
	Params  map[string]any `json:"params,omitempty"`
}

func (p *Problem) Error() string  { return p.Code + ": " + p.Detail }
func (p *Problem) GetStatus() int { return p.Status }

// GetHeaders lists the headers a problem implies: Retry-After for rate
// limits. (huma asks for them too.)
func (p *Problem) GetHeaders() http.Header {
	h := http.Header{}
	if n, ok := p.Params["retry_after"].(int); ok {
		h.Set("Retry-After", itoa(n))
	}
	return h
}

// ContentType makes huma send problems as application/problem+json.
func (p *Problem) ContentType(string) string { return ProblemContentType }

// statusOf maps an error kind to its HTTP status: the only such mapping.
func statusOf(k crm.Kind) int {
	switch k {
	case crm.KindMalformed:
		return http.StatusBadRequest
	case crm.KindInvalid:
		return http.StatusUnprocessableEntity
	case crm.KindUnauthenticated:
		return http.StatusUnauthorized
	case crm.KindForbidden:
		return http.StatusForbidden
	case crm.KindNotFound:
		return http.StatusNotFound
	case crm.KindConflict:
		return http.StatusConflict
	case crm.KindStale:
		return http.StatusPreconditionFailed
	case crm.KindTooLarge:
		return http.StatusRequestEntityTooLarge
	case crm.KindRateLimited:
		return http.StatusTooManyRequests
	case crm.KindUnavailable:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// ProblemFor turns an error into the problem the client sees. Errors with
// no kind are internal: the client gets "internal error" and the request id,
// the log gets the cause.
func ProblemFor(ctx context.Context, err error) *Problem {
	var p *Problem
	if errors.As(err, &p) {
		return p
	}
	lang := Language(ctx)
	ce, ok := crm.AsError(err)
	if !ok || ce.Kind == crm.KindInternal {
		if errors.Is(err, context.Canceled) {
			return NewProblem(ctx, 499, "request_canceled", nil) // the client left; nobody reads this
		}
		if info := infoOf(ctx); info != nil {
			info.err = err // AccessLog logs it with the request, through the configured logger
		} else {
			slog.ErrorContext(ctx, "internal error", "err", err, "request_id", crm.RequestID(ctx))
		}
		return NewProblem(ctx, http.StatusInternalServerError, "internal_error", map[string]any{"request_id": crm.RequestID(ctx)})
	}
	code := ce.Code
	if code == "" {
		code = ce.Kind.String()
	}
	prob := NewProblem(ctx, statusOf(ce.Kind), code, ce.Params)
	for _, f := range ce.Fields {
		prob.Errors = append(prob.Errors, FieldProblem{
			Field: f.Field, Code: f.Code, Params: f.Params, Message: i18n.Message(lang, f.Code, f.Params),
		})
	}
	return prob
}

// NewProblem builds a problem with a code and its translated detail.
func NewProblem(ctx context.Context, status int, code string, params map[string]any) *Problem {
	return &Problem{
		Type:      "urn:guanxi:problem:" + code,
		Title:     http.StatusText(status),
		Status:    status,
		Detail:    i18n.Message(Language(ctx), code, params),
		Code:      code,
		Params:    params,
		RequestID: crm.RequestID(ctx),
	}
}

// WriteProblem sends a problem as the response.
func WriteProblem(w http.ResponseWriter, r *http.Request, p *Problem) {
	if p.Instance == "" {
		p.Instance = r.URL.Path
	}
	w.Header().Set("Content-Type", ProblemContentType)
	for k, v := range p.GetHeaders() {
		w.Header()[k] = v
	}
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}

// WriteError sends the problem of an error.
func WriteError(w http.ResponseWriter, r *http.Request, err error) {
	WriteProblem(w, r, ProblemFor(r.Context(), err))
}
