package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestImportLeadsCommand(t *testing.T) {
	env := map[string]string{"GUANXI_DATA": t.TempDir(), "GUANXI_LOG_LEVEL": "warn"}
	file := filepath.Join(t.TempDir(), "leads.csv")
	if err := os.WriteFile(file, []byte("姓名,電子郵件,公司規模,負責人\n王大明,ming@example.com,11-50,\n李小華,hua@example.com,,nobody@example.com\n陳志明,chen@example.com,,\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := run(t, env, "", "import", "--type", "leads", "--file", file, "--dry-run")
	if code != 0 || !strings.Contains(out, "would import (dry run, nothing written) 2, updated 0, skipped 0 duplicates, rejected 1 rows") {
		t.Fatalf("dry run = %d\nstdout: %s\nstderr: %s", code, out, errOut)
	}
	code, out, errOut = run(t, env, "", "import", "--type", "leads", "--file", file)
	if code != 0 || !strings.Contains(out, "imported 2,") || !strings.Contains(out, "1 problems") {
		t.Fatalf("import = %d\nstdout: %s\nstderr: %s", code, out, errOut)
	}
	report, err := os.ReadFile(file + ".errors.csv")
	if err != nil || !strings.Contains(string(report), `3,rejected,"owner_email ""nobody@example.com"": no user has this email",李小華`) {
		t.Fatalf("error report %q, %v", report, err)
	}
}
