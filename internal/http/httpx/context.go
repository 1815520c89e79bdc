package httpx

import (
	"context"
	"strconv"

	"github.com/guanxi-crm/guanxi/internal/i18n"
)

type langKey struct{}

// WithLanguage sets the language responses are written in.
func WithLanguage(ctx context.Context, lang string) context.Context {
	return context.WithValue(ctx, langKey{}, lang)
}

// Language returns the language of the request (English when unset).
func Language(ctx context.Context) string {
	if l, ok := ctx.Value(langKey{}).(string); ok {
		return l
	}
	return i18n.English
}

func itoa(n int) string { return strconv.Itoa(n) }

type clientKey struct{}

// WithClientAddress records the network address of the caller.
func WithClientAddress(ctx context.Context, addr string) context.Context {
	return context.WithValue(ctx, clientKey{}, addr)
}

// ClientAddress is the caller's address (without port), for rate limits.
func ClientAddress(ctx context.Context) string {
	a, _ := ctx.Value(clientKey{}).(string)
	return a
}
