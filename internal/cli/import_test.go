package cli

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func TestImportCommand(t *testing.T) {
	env := map[string]string{"GUANXI_DATA": t.TempDir(), "GUANXI_LOG_LEVEL": "warn"}
	dir := t.TempDir()
	file := filepath.Join(dir, "products.csv")
	if err := os.WriteFile(file, []byte("\ufeffSKU,品名,售價\nA-1,烏龍茶,480\nA-2,紅茶,12.345\nA-3,綠茶,300\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := run(t, env, "", "import", "--type", "products", "--file", file, "--dry-run")
	if code != 0 || !regexp.MustCompile(`3 rows read \(utf-8, separator ","\).* would import \(dry run, nothing written\) 2, updated 0, skipped 0 duplicates, rejected 1 rows`).MatchString(out) {
		t.Fatalf("dry run = %d\nstdout: %s\nstderr: %s", code, out, errOut)
	}
	code, out, errOut = run(t, env, "", "import", "--type", "products", "--file", file)
	if code != 0 || !strings.Contains(out, "imported 2,") || !strings.Contains(out, "1 problems") {
		t.Fatalf("import = %d\nstdout: %s\nstderr: %s", code, out, errOut)
	}
	report, err := os.ReadFile(filepath.Join(dir, "products.csv.errors.csv"))
	if err != nil || !strings.Contains(string(report), "3,rejected,") || !strings.Contains(string(report), "12.345") {
		t.Fatalf("error report %q, %v", report, err)
	}
	code, out, _ = run(t, env, "", "import", "--type", "products", "--file", file, "--on-duplicate", "skip")
	if code != 0 || !strings.Contains(out, "skipped 2 duplicates") {
		t.Fatalf("again = %d %s", code, out)
	}
	if code, _, errOut := run(t, env, "", "import", "--type", "products"); code != 2 || !strings.Contains(errOut, "Usage") {
		t.Errorf("without a file = %d %s", code, errOut)
	}
	if code, _, errOut := run(t, env, "", "import", "--type", "lemons", "--file", file); code != 1 || !strings.Contains(errOut, "type") {
		t.Errorf("a bad type = %d %s", code, errOut)
	}
}

func TestExportCommand(t *testing.T) {
	env := map[string]string{"GUANXI_DATA": t.TempDir(), "GUANXI_LOG_LEVEL": "warn"}
	file := filepath.Join(t.TempDir(), "contacts.csv")
	if err := os.WriteFile(file, []byte("姓名,電子郵件\n王小明,ming@example.com\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, out, errOut := run(t, env, "", "import", "--type", "contacts", "--file", file); code != 0 {
		t.Fatalf("import = %d %s %s", code, out, errOut)
	}
	code, out, errOut := run(t, env, "", "export", "--type", "contacts")
	if code != 0 || !strings.HasPrefix(out, "\ufeffdisplay_name,") || !strings.Contains(out, "王小明,,,ming@example.com") {
		t.Fatalf("export = %d %q %s", code, out, errOut)
	}
	code, out, _ = run(t, env, "", "export", "--type", "contacts", "--format", "vcard")
	if code != 0 || !strings.Contains(out, "BEGIN:VCARD\r\nVERSION:4.0\r\n") || !strings.Contains(out, "FN:王小明") {
		t.Fatalf("vcard export = %d %q", code, out)
	}
	if code, _, _ := run(t, env, "", "export", "--type", "orders", "--format", "vcard"); code != 2 {
		t.Errorf("vcard of orders = %d; want a usage error", code)
	}
}
