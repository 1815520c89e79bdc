package crm

import (
	"encoding/base64"
	"encoding/json"
)

// Page is one page of a list. Next is an opaque cursor for the following
// page ("" on the last page).
type Page[T any] struct {
	Items []T
	Next  string
	Total *Total
}

// Total counts the items of a whole list. Exact is false when counting was cut
// short at a limit, in which case Value is a lower bound.
type Total struct {
	Value int64 `json:"value" doc:"Number of matching items (a lower bound when exact is false)"`
	Exact bool  `json:"exact" doc:"False when counting stopped at a limit: the list has at least value items"`
}

// Default and maximum page sizes.
const (
	DefaultPageSize = 50
	MaxPageSize     = 500
)

// ClampLimit turns a requested page size into one we serve.
func ClampLimit(n int) int {
	switch {
	case n <= 0:
		return DefaultPageSize
	case n > MaxPageSize:
		return MaxPageSize
	}
	return n
}

// EncodeCursor makes an opaque cursor from any JSON-encodable position.
func EncodeCursor(pos any) string {
	b, err := json.Marshal(pos)
	if err != nil {
		panic("crm.EncodeCursor: " + err.Error()) // positions are plain structs
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// DecodeCursor reads a cursor made by EncodeCursor into pos.
func DecodeCursor(cursor string, pos any) error {
	b, err := base64.RawURLEncoding.DecodeString(cursor)
	if err == nil {
		err = json.Unmarshal(b, pos)
	}
	if err != nil {
		return E("crm.DecodeCursor", KindMalformed, "invalid_cursor").Because(err)
	}
	return nil
}

// BatchResult is the outcome of one record of a batch: its id and version,
// or the error that rejected it.
type BatchResult struct {
	Index   int
	ID      int64
	Version int64
	Err     error
}
