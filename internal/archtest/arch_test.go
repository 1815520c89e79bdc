// Package archtest enforces the import rules of DESIGN.md: domain packages
// know nothing of HTTP, SQL or the store; the HTTP edge does not reach past
// the services into the store.
package archtest

import (
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/guanxi-crm/guanxi"

type pkg struct {
	ImportPath string
	Imports    []string
	Deps       []string
	Standard   bool
}

func listPackages(t *testing.T) map[string]pkg {
	t.Helper()
	touchSources(t)
	out, err := exec.Command("go", "list", "-deps", "-json", module+"/...").Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("go list: %v\n%s", err, ee.Stderr)
		}
		t.Fatalf("go list: %v", err)
	}
	pkgs := map[string]pkg{}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for {
		var p pkg
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		pkgs[p.ImportPath] = p
	}
	return pkgs
}

// touchSources stats every Go file of the module, so that go test's cache
// keys this test's result on them (it cannot see what go list reads).
func touchSources(t *testing.T) {
	err := filepath.WalkDir("../..", func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(path, ".go") {
			_, err = os.Stat(path)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// domain packages hold the rules of a capability, with the third-party
// libraries each may use for its field.
var domain = map[string][]string{
	"internal/crm":         nil,
	"internal/customer":    nil,
	"internal/account":     {"golang.org/x/crypto/argon2"},
	"internal/idempotency": nil,
	"internal/touchpoint":  nil,
	"internal/commerce":    nil,
	"internal/jobs":        nil,
	"internal/lead":        nil,
	"internal/activity":    nil,
	// segment checks conditions on contact and company fields with the
	// catalogue that lists filter by: one definition of each field.
	"internal/segment": {module + "/internal/customer"},
	// insight scores customers with the pure arithmetic of analytics.
	"internal/insight": {module + "/internal/analytics/rfm", module + "/internal/analytics/clv", module + "/internal/analytics/cohort",
		module + "/internal/analytics/funnel", module + "/internal/analytics/basket"},
	// sales makes its forecasts with the pure arithmetic of analytics.
	"internal/sales": {module + "/internal/analytics/salesforecast"},
	// report takes the arithmetic of its Pareto view from analytics.
	"internal/report": {module + "/internal/analytics/rfm"},
}

// others are the packages that are not domain packages, by their role.
// Every package of the module is one or the other: a new package must be
// placed here or in domain, so that the rules above cover it.
var others = map[string]string{
	"internal/app":             "composition root",
	"internal/archtest":        "this test",
	"internal/bench":           "benchmark harness",
	"internal/cli":             "command line",
	"internal/config":          "configuration",
	"internal/csvfile":         "file format: CSV in the encodings shops have",
	"internal/importer":        "imports files through the services",
	"internal/demo":            "demo data, loaded through the services",
	"internal/exporter":        "exports files through the services",
	"internal/http/api":        "HTTP edge: REST handlers",
	"internal/http/httpx":      "HTTP edge: errors, middleware",
	"internal/http/web":        "HTTP edge: the server-rendered UI",
	"internal/i18n":            "message catalogues",
	"internal/mail":            "email: SMTP sending (the standard library's net/smtp)",
	"internal/mail/mailtest":   "test support: a real SMTP server on the loopback",
	"internal/store":           "the SQL store",
	"internal/store/storetest": "the store conformance suite",
	"internal/testenv":         "test support",
	"internal/textsearch":      "search tokens, shared by the store's engines",
	"internal/vcard":           "file format: vCard",

	// Analytics: pure math over slices (DESIGN.md), no SQL, no HTTP.
	"internal/analytics/salesforecast": "analytics: pure math",
	"internal/wiring":                  "wiring: adapters between domain services",
	"internal/analytics/basket":        "analytics: pure math",
	"internal/analytics/rfm":           "analytics: pure math",
	"internal/analytics/cohort":        "analytics: pure math",
	"internal/analytics/funnel":        "analytics: pure math",
	"internal/analytics/clv":           "analytics: pure math",
}

func TestEveryPackageIsClassified(t *testing.T) {
	for path := range listPackages(t) {
		rel, ok := strings.CutPrefix(path, module+"/")
		if !ok || !strings.HasPrefix(rel, "internal/") {
			continue
		}
		if _, isDomain := domain[rel]; !isDomain && others[rel] == "" {
			t.Errorf("%s is neither a domain package nor one of the others: add it to one list", rel)
		}
	}
}

func TestDomainPackagesImportOnlyTheKernelAndTheStandardLibrary(t *testing.T) {
	pkgs := listPackages(t)
	for rel, allowedExternal := range domain {
		p, ok := pkgs[module+"/"+rel]
		if !ok {
			t.Errorf("%s not found", rel)
			continue
		}
		for _, imp := range p.Imports {
			switch {
			case pkgs[imp].Standard:
			case imp == module+"/internal/crm" && rel != "internal/crm":
			case slices.Contains(allowedExternal, imp):
			default:
				t.Errorf("%s imports %s; domain packages import only internal/crm and the standard library", rel, imp)
			}
		}
		for _, dep := range p.Deps {
			if dep == "net/http" || dep == "database/sql" || strings.HasPrefix(dep, module+"/internal/store") || strings.HasPrefix(dep, module+"/internal/http") {
				t.Errorf("%s depends on %s", rel, dep)
			}
		}
	}
}

func TestHTTPDoesNotReachTheStore(t *testing.T) {
	for path, p := range listPackages(t) {
		if !strings.HasPrefix(path, module+"/internal/http/") {
			continue
		}
		for _, dep := range p.Deps {
			if strings.HasPrefix(dep, module+"/internal/store") {
				t.Errorf("%s depends on %s; handlers call services, never the store", path, dep)
			}
		}
		// database/sql itself is a transitive dependency of the Prometheus
		// collectors; what matters is that our handlers do not run SQL.
		if slices.Contains(p.Imports, "database/sql") {
			t.Errorf("%s imports database/sql", path)
		}
	}
}

func TestTheStoreDoesNotKnowHTTP(t *testing.T) {
	for path, p := range listPackages(t) {
		if !strings.HasPrefix(path, module+"/internal/store") {
			continue
		}
		for _, dep := range p.Deps {
			if strings.HasPrefix(dep, module+"/internal/http") {
				t.Errorf("%s depends on %s", path, dep)
			}
		}
	}
}
