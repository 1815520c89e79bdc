package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"

	"github.com/danielgtaylor/huma/v2"

	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/http/httpx"
)

// Request bodies that huma cannot validate whole — a merge patch (whose nulls
// mean "clear") and a batch (whose bad items must not sink the good ones) —
// are read raw and checked here, against the same schemas huma uses, so
// their errors read like every other.

// Patch is a JSON merge patch (RFC 7396) of a T: send only the fields to
// change, null to clear one. (Raw bodies are documented by documentBody; a
// JSON content type here would make huma validate them as strings.)
type Patch[T any] struct {
	RawBody []byte
}

// Batch is the body of a batch create.
type Batch[T any] struct {
	RawBody []byte
}

// BatchBody documents the batch body.
type BatchBody[T any] struct {
	Items []T `json:"items" minItems:"1" maxItems:"1000" doc:"The records to create, at most 1,000"`
}

// decodeStrict decodes JSON into v, refusing unknown fields and trailing data.
func decodeStrict(raw []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errors.New("unexpected data after the JSON value")
	}
	return nil
}

func malformed(err error) error {
	return crm.E("api.decode", crm.KindMalformed, "malformed_json").With("detail", err.Error())
}

// validateAs checks a decoded JSON value against the schema of t and decodes
// it into v. Schema violations become a 422 problem whose field paths start
// with prefix.
func (a *API) validateAs(ctx context.Context, value any, raw []byte, t reflect.Type, v any, prefix string) error {
	res := &huma.ValidateResult{}
	pb := huma.NewPathBuffer([]byte("body"), 0)
	huma.Validate(a.huma.OpenAPI().Components.Schemas, a.schemaOf(t), pb, huma.ModeWriteToServer, value, res)
	if len(res.Errors) > 0 {
		p := httpx.NewProblem(ctx, http.StatusUnprocessableEntity, "validation_failed", nil)
		p.Errors = fieldProblems(ctx, res.Errors, prefix)
		return p
	}
	if err := decodeStrict(raw, v); err != nil {
		return malformed(err)
	}
	// Bodies decoded here (patches, batch items) bypass the check of
	// register, which sees them only as raw bytes.
	return textViolations(v).Err("api.decode")
}

// applyPatch applies a merge patch to the JSON form of current and decodes
// the result into current, validated against the schema of current's type.
func applyPatch[T any](ctx context.Context, a *API, current *T, patch []byte) error {
	var p map[string]any
	if err := decodeStrict(patch, &p); err != nil {
		return malformed(err)
	}
	if p == nil {
		return malformed(errors.New("a merge patch is a JSON object"))
	}
	raw, err := json.Marshal(current)
	if err != nil {
		return err
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		return err
	}
	merged := mergePatch(doc, p)
	out, err := json.Marshal(merged)
	if err != nil {
		return err
	}
	var next T
	if err := a.validateAs(ctx, merged, out, reflect.TypeFor[T](), &next, ""); err != nil {
		return err
	}
	*current = next
	return nil
}

// mergePatch applies patch to target as RFC 7396 says: objects merge key by
// key, null removes, anything else replaces.
func mergePatch(target any, patch any) any {
	p, ok := patch.(map[string]any)
	if !ok {
		return patch
	}
	t, ok := target.(map[string]any)
	if !ok {
		t = map[string]any{}
	}
	for k, v := range p {
		if v == nil {
			delete(t, k)
		} else {
			t[k] = mergePatch(t[k], v)
		}
	}
	return t
}

// batchItems splits a batch body into its items, each validated against the
// schema of T: an item that breaks it carries its problem, the others their
// decoded value.
func batchItems[T any](ctx context.Context, a *API, raw []byte) ([]T, []error, error) {
	var body struct {
		Items []json.RawMessage `json:"items"`
	}
	if err := decodeStrict(raw, &body); err != nil {
		return nil, nil, malformed(err)
	}
	if len(body.Items) == 0 {
		var v crm.Violations
		v.Add("items", "required")
		return nil, nil, v.Err("api.batch")
	}
	if len(body.Items) > 1000 {
		return nil, nil, crm.E("api.batch", crm.KindTooLarge, "batch_too_large").With("max", 1000)
	}
	items := make([]T, len(body.Items))
	errs := make([]error, len(body.Items))
	for i, item := range body.Items {
		var value any
		if err := json.Unmarshal(item, &value); err != nil {
			errs[i] = malformed(err)
			continue
		}
		errs[i] = a.validateAs(ctx, value, item, reflect.TypeFor[T](), &items[i], "")
	}
	return items, errs, nil
}

// BatchResult is the outcome of one record of a batch.
type BatchResult struct {
	Index   int            `json:"index" doc:"Position of the record in the request"`
	Status  int            `json:"status" doc:"201 when created, else the status of its problem"`
	ID      int64          `json:"id,omitempty"`
	Version int64          `json:"version,omitempty"`
	Error   *httpx.Problem `json:"error,omitempty"`
}

// BatchOutput reports every record of a batch.
type BatchOutput struct {
	Body struct {
		Created int           `json:"created"`
		Failed  int           `json:"failed"`
		Results []BatchResult `json:"results" nullable:"false"`
	}
}

func batchOutput(ctx context.Context, n int, result func(i int) (id, version int64, err error)) *BatchOutput {
	out := &BatchOutput{}
	out.Body.Results = make([]BatchResult, n)
	for i := range n {
		id, version, err := result(i)
		r := BatchResult{Index: i, Status: http.StatusCreated, ID: id, Version: version}
		if err != nil {
			p := httpx.ProblemFor(ctx, err)
			r = BatchResult{Index: i, Status: p.Status, Error: p}
			out.Body.Failed++
		} else {
			out.Body.Created++
		}
		out.Body.Results[i] = r
	}
	return out
}

// documentBody replaces the documented request body schema of an operation
// (registered with a raw body) by the schema of T.
func documentBody[T any](a *API, method, path, contentType, description string) {
	item := a.huma.OpenAPI().Paths[path]
	if item == nil {
		panic(fmt.Sprintf("api: no path %s", path))
	}
	op := map[string]*huma.Operation{http.MethodPatch: item.Patch, http.MethodPost: item.Post}[method]
	op.RequestBody = &huma.RequestBody{
		Required:    true,
		Description: description,
		Content:     map[string]*huma.MediaType{contentType: {Schema: a.schemaOf(reflect.TypeFor[T]())}},
	}
}

// documentNDJSON documents an NDJSON request body of T lines.
func documentNDJSON[T any](a *API, path, description string) {
	op := a.huma.OpenAPI().Paths[path].Post
	op.RequestBody = &huma.RequestBody{
		Required:    true,
		Description: description,
		Content:     map[string]*huma.MediaType{"application/x-ndjson": {Schema: a.schemaOf(reflect.TypeFor[T]())}},
	}
}

// documentUpload documents a body that is a file.
func documentUpload(a *API, path string) {
	op := a.huma.OpenAPI().Paths[path].Post
	op.RequestBody = &huma.RequestBody{
		Required:    true,
		Description: "The file",
		Content: map[string]*huma.MediaType{
			"text/csv":                 {Schema: &huma.Schema{Type: "string", Format: "binary"}},
			"application/octet-stream": {Schema: &huma.Schema{Type: "string", Format: "binary"}},
		},
	}
}
