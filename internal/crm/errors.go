// Package crm is the shared kernel: the vocabulary every domain package speaks.
// It holds error kinds and field errors, the acting user, pages and cursors, the
// clock, audit entries and the normalisers for emails and phone numbers. It
// imports only the standard library.
package crm

import (
	"errors"
	"fmt"
	"strings"
)

// Kind classifies an error so that the edge (httpx) can map it to a status
// code in one place. Domain code picks the kind; it never picks a status.
type Kind uint8

const (
	KindInternal        Kind = iota // a bug or an outage: 500, cause logged, not shown
	KindMalformed                   // input that cannot be parsed at all: 400
	KindInvalid                     // input that parses but breaks a rule: 422 with field errors
	KindUnauthenticated             // no or bad credentials: 401
	KindForbidden                   // authenticated but not allowed: 403
	KindNotFound                    // 404
	KindConflict                    // duplicate or state conflict: 409
	KindStale                       // optimistic-concurrency version mismatch: 412
	KindTooLarge                    // 413
	KindRateLimited                 // 429
	KindUnavailable                 // the service cannot serve now (database down, schema behind): 503
)

func (k Kind) String() string {
	switch k {
	case KindMalformed:
		return "malformed"
	case KindInvalid:
		return "invalid"
	case KindUnauthenticated:
		return "unauthenticated"
	case KindForbidden:
		return "forbidden"
	case KindNotFound:
		return "not_found"
	case KindConflict:
		return "conflict"
	case KindStale:
		return "stale"
	case KindTooLarge:
		return "too_large"
	case KindRateLimited:
		return "rate_limited"
	case KindUnavailable:
		return "unavailable"
	}
	return "internal"
}

// Error is the error type of the domain. Code is a stable machine-readable
// identifier that i18n translates; Params fill the placeholders of the
// translated message and are exposed to API clients (for example the id of
// the existing record on a duplicate).
type Error struct {
	Op     string
	Kind   Kind
	Code   string
	Params map[string]any
	Fields []FieldError
	Err    error
}

// FieldError says what is wrong with one input field. Field is a JSON path
// such as "emails[1].address"; Code is translated by i18n.
type FieldError struct {
	Field  string         `json:"field"`
	Code   string         `json:"code"`
	Params map[string]any `json:"params,omitempty"`
}

func (e *Error) Error() string {
	var b strings.Builder
	if e.Op != "" {
		b.WriteString(e.Op)
		b.WriteString(": ")
	}
	b.WriteString(e.Kind.String())
	if e.Code != "" {
		b.WriteString(" (")
		b.WriteString(e.Code)
		b.WriteString(")")
	}
	for i, f := range e.Fields {
		if i == 0 {
			b.WriteString(":")
		}
		fmt.Fprintf(&b, " %s=%s", f.Field, f.Code)
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// E builds an *Error of the given kind and code.
func E(op string, kind Kind, code string) *Error {
	return &Error{Op: op, Kind: kind, Code: code}
}

// With adds a parameter and returns the error, for chaining.
func (e *Error) With(key string, value any) *Error {
	if e.Params == nil {
		e.Params = map[string]any{}
	}
	e.Params[key] = value
	return e
}

// Because records the underlying cause.
func (e *Error) Because(err error) *Error {
	e.Err = err
	return e
}

// KindOf reports the kind of the first *Error in err's chain; errors that
// carry no kind are internal.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindInternal
}

// AsError returns the first *Error in err's chain, if any.
func AsError(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// IsKind reports whether err is of the given kind.
func IsKind(err error, k Kind) bool { return err != nil && KindOf(err) == k }

// Common constructors, for the errors every package raises.

func NotFound(op, what string, id any) *Error {
	return E(op, KindNotFound, "not_found").With("resource", what).With("id", id)
}

func Forbidden(op string) *Error { return E(op, KindForbidden, "forbidden") }

func Unauthenticated(op string) *Error { return E(op, KindUnauthenticated, "unauthenticated") }

func Stale(op string, current int64) *Error {
	return E(op, KindStale, "stale_version").With("current_version", current)
}

// Wrap returns a domain error as it is, and wraps any other with the
// operation that met it (as Internal does).
func Wrap(op string, err error) error {
	if _, ok := AsError(err); ok || err == nil {
		return err
	}
	return Internal(op, err)
}

// Internal wraps an unexpected error with the operation that met it.
func Internal(op string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s: %w", op, err)
}

// Violations collects field errors while validating input.
type Violations struct {
	list []FieldError
}

// Add records that field breaks the rule named by code.
func (v *Violations) Add(field, code string, params ...any) {
	fe := FieldError{Field: field, Code: code}
	if len(params) > 0 {
		fe.Params = make(map[string]any, len(params)/2)
		for i := 0; i+1 < len(params); i += 2 {
			fe.Params[fmt.Sprint(params[i])] = params[i+1]
		}
	}
	v.list = append(v.list, fe)
}

// Merge adds the violations of another input under a prefix ("custom.").
func (v *Violations) Merge(prefix string, other []FieldError) {
	for _, f := range other {
		f.Field = prefix + f.Field
		v.list = append(v.list, f)
	}
}

func (v *Violations) Empty() bool          { return len(v.list) == 0 }
func (v *Violations) Fields() []FieldError { return v.list }

// Err returns nil when nothing was recorded, else an Invalid error.
func (v *Violations) Err(op string) error {
	if len(v.list) == 0 {
		return nil
	}
	return &Error{Op: op, Kind: KindInvalid, Code: "validation_failed", Fields: v.list}
}
