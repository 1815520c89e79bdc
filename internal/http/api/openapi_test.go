package api_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/guanxi-crm/guanxi/internal/http/api"
	"github.com/guanxi-crm/guanxi/internal/testenv"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// The OpenAPI document is generated from the route registrations; the golden
// copy makes every change to the API show up in review.
func TestOpenAPIGolden(t *testing.T) {
	doc, err := api.New(http.NewServeMux(), api.Deps{Version: "golden"}).OpenAPIJSON()
	if err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "openapi.golden.json")
	if *update {
		if err := os.WriteFile(golden, append(doc, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test ./internal/http/api -run TestOpenAPIGolden -update)", err)
	}
	if !bytes.Equal(bytes.TrimSpace(doc), bytes.TrimSpace(want)) {
		t.Errorf("the OpenAPI document changed; review the diff of %s after running with -update", golden)
	}
}

var pathParam = regexp.MustCompile(`\{[a-z_]+\}`)

// Every operation of the served document answers at its path and method (a
// missing record is fine; a missing route is not). The other direction holds
// by construction: huma registers each route and its documentation together;
// only /api/v1/openapi.json itself and the catch-all 404/405 are outside.
func TestServedDocumentMatchesRoutes(t *testing.T) {
	s := testenv.StartServer(t, "sqlite")
	r := s.Do(t, "", http.MethodGet, "/api/v1/openapi.json", nil)
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	r.JSON(t, &doc)
	var ops []string
	for path, methods := range doc.Paths {
		for method := range methods {
			ops = append(ops, strings.ToUpper(method)+" "+path)
		}
	}
	sort.Strings(ops)
	if len(ops) < 50 {
		t.Fatalf("only %d operations documented", len(ops))
	}
	for _, op := range ops {
		method, path, _ := strings.Cut(op, " ")
		concrete := pathParam.ReplaceAllString(path, "987654321")
		resp := s.Do(t, s.AdminToken, method, concrete, nil)
		if resp.Status == http.StatusMethodNotAllowed || strings.Contains(string(resp.Body), `"route_not_found"`) || resp.Status >= 500 {
			t.Errorf("%s: %d %s", op, resp.Status, resp.Body)
		}
	}
}
