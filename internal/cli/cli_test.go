package cli

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/guanxi-crm/guanxi/internal/testenv"
)

// run runs a command line in-process against the database settings in env.
func run(t *testing.T, env map[string]string, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = Main(context.Background(), Env{
		Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errOut,
		Getenv: func(k string) string { return env[k] },
	}, args)
	return code, out.String(), errOut.String()
}

// databases gives each engine's settings for a fresh database.
func databases(t *testing.T) map[string]func(t *testing.T) map[string]string {
	return map[string]func(t *testing.T) map[string]string{
		"sqlite": func(t *testing.T) map[string]string {
			return map[string]string{"GUANXI_DATA": t.TempDir(), "GUANXI_LOG_LEVEL": "warn"}
		},
		"postgres": func(t *testing.T) map[string]string {
			return map[string]string{"GUANXI_DATABASE": testenv.PostgresSchemaURL(t), "GUANXI_LOG_LEVEL": "warn"}
		},
	}
}

func TestAdministration(t *testing.T) {
	for name, db := range databases(t) {
		t.Run(name, func(t *testing.T) {
			env := db(t)
			steps := []struct {
				name   string
				stdin  string
				args   []string
				code   int
				stdout string // regular expression
				stderr string
			}{
				{"migrate", "", []string{"migrate"}, 0, `applied migrations \[1 2( \d+)*\]; schema at version \d+`, ""},
				{"migrate again", "", []string{"migrate"}, 0, `schema already at version \d+`, ""},
				{"add a user", "a long password\n", []string{"user", "add", "--email", "Ann@Example.com", "--name", "Ann Lee", "--role", "manager", "--password-stdin"}, 0,
					`added user #1 Ann Lee <ann@example.com> \(manager\)`, ""},
				{"the same email", "", []string{"user", "add", "--email", "ann@example.com", "--name", "Ann", "--role", "agent"}, 1, "", `A user with the email ann@example.com already exists`},
				{"a bad role", "", []string{"user", "add", "--email", "b@example.com", "--name", "B", "--role", "boss"}, 1, "", `role: Must be one of: admin, manager, agent, viewer`},
				{"a short password", "short\n", []string{"user", "add", "--email", "c@example.com", "--name", "C", "--password-stdin"}, 1, "", `password: A password has at least 10 characters`},
				{"list", "", []string{"user", "list"}, 0, `1\s+ann@example.com\s+Ann Lee\s+manager\s+active`, ""},
				{"change a password", "another long one\n", []string{"user", "passwd", "--email", "ann@example.com"}, 0, `password of ann@example.com changed`, ""},
				{"a token", "", []string{"token", "create", "--email", "ann@example.com", "--name", "ci"}, 0, `^gx_[A-Za-z0-9_-]{32}\n$`, `token #1 "ci"`},
				{"a token for nobody", "", []string{"token", "create", "--email", "nobody@example.com", "--name", "ci"}, 1, "", `The user was not found`},
				{"purge needs an id and a reason", "", []string{"contact", "purge", "--id", "1"}, 2, "", `Usage`},
				{"purge a missing contact", "", []string{"contact", "purge", "--id", "42", "--reason", "GDPR"}, 1, "", `The contact was not found`},
			}
			for _, s := range steps {
				t.Run(s.name, func(t *testing.T) {
					code, out, errOut := run(t, env, s.stdin, s.args...)
					if code != s.code || !regexp.MustCompile(s.stdout).MatchString(out) || !regexp.MustCompile(s.stderr).MatchString(errOut) {
						t.Errorf("guanxi %s = %d\nstdout: %s\nstderr: %s", strings.Join(s.args, " "), code, out, errOut)
					}
				})
			}
		})
	}
}

func TestCommandLineMistakes(t *testing.T) {
	env := map[string]string{"GUANXI_DATA": t.TempDir()}
	for _, c := range []struct {
		args []string
		code int
		err  string
	}{
		{nil, 2, ""},
		{[]string{"frobnicate"}, 2, `unknown command "frobnicate"`},
		{[]string{"migrate", "--nope"}, 2, `flag provided but not defined`},
		{[]string{"migrate", "extra"}, 2, `unexpected argument "extra"`},
		{[]string{"migrate", "--database", "mysql://x"}, 1, `want a postgres:// URL`},
		{[]string{"migrate", "--default-region", "XX"}, 1, `not a known country code`},
		{[]string{"user"}, 2, `Usage`},
		{[]string{"user", "delete"}, 2, `unknown subcommand`},
		{[]string{"token", "list"}, 2, `Usage`},
	} {
		code, _, errOut := run(t, env, "", c.args...)
		if code != c.code || !strings.Contains(errOut, c.err) {
			t.Errorf("guanxi %v = %d, stderr %q; want %d and %q", c.args, code, errOut, c.code, c.err)
		}
	}
	if code, out, _ := run(t, env, "", "version"); code != 0 || !strings.HasPrefix(out, "guanxi ") {
		t.Errorf("version = %d %q", code, out)
	}
	if code, out, _ := run(t, env, "", "openapi"); code != 0 || !strings.Contains(out, `"openapi": "3.1.0"`) {
		t.Errorf("openapi = %d %.100q", code, out)
	}
}

// serve starts, prints how to sign in with a password that works, serves,
// and stops cleanly when its context ends (Ctrl-C).
func TestServeShutsDownGracefully(t *testing.T) {
	dir := t.TempDir()
	pr, pw := io.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() {
		done <- Main(ctx, Env{Stdin: strings.NewReader(""), Stdout: pw, Stderr: io.Discard, Getenv: func(string) string { return "" }},
			[]string{"serve", "--addr", "127.0.0.1:0", "--data", dir, "--log-level", "warn"})
		pw.Close()
	}()
	lines := bufio.NewScanner(pr)
	var url, password string
	for lines.Scan() && (url == "" || password == "") {
		if m := regexp.MustCompile(`on (http://\S+)`).FindStringSubmatch(lines.Text()); m != nil {
			url = m[1]
		}
		if m := regexp.MustCompile(`with password (\S+) `).FindStringSubmatch(lines.Text()); m != nil {
			password = m[1]
		}
	}
	go io.Copy(io.Discard, pr)
	if url == "" || password == "" {
		t.Fatalf("serve printed no address or password")
	}
	resp, err := http.Post(url+"/api/v1/auth/login", "application/json",
		strings.NewReader(`{"email":"`+AdminEmail+`","password":"`+password+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("sign in with the printed password: %d", resp.StatusCode)
	}
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("serve exited %d", code)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not stop")
	}
	if _, err := http.Get(url + "/healthz"); err == nil {
		t.Error("still serving after shutdown")
	}
}
