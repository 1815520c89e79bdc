package cli

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"log/slog"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/guanxi-crm/guanxi/internal/app"
	"github.com/guanxi-crm/guanxi/internal/config"
	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/testenv"
)

func TestDemoCommand(t *testing.T) {
	for name, db := range databases(t) {
		t.Run(name, func(t *testing.T) {
			env := db(t)
			steps := []struct {
				name           string
				args           []string
				code           int
				stdout, stderr string // regular expressions
			}{
				{"load", []string{"demo", "--contacts", "300", "--seed", "7"}, 0,
					`(?s)Created the first admin\. Sign in as admin@guanxi\.local.*Loaded demo data \(seed 7\) into .* in .*` +
						`9 users, 3 teams, 4 custom fields, 14 tags\n  \d\d companies, 300 contacts \(3 likely duplicates\), \d+ positions\n`, ""},
				{"load again", []string{"demo", "--contacts", "300", "--seed", "8"}, 1, `^$`, `demo data was loaded into this database already`},
				{"the admin is user 1, the demo's users follow", []string{"user", "list"}, 0,
					`(?s)1\s+admin@guanxi\.local\s+Admin\s+admin.*emily\.carter@guanxi-demo\.example\s+Emily Carter\s+agent.*peishan\.wu@guanxi-demo\.example\s+吳佩珊\s+viewer`, ""},
			}
			for _, s := range steps {
				t.Run(s.name, func(t *testing.T) {
					code, out, errOut := run(t, env, "", s.args...)
					if code != s.code || !regexp.MustCompile(s.stdout).MatchString(out) || !regexp.MustCompile(s.stderr).MatchString(errOut) {
						t.Errorf("guanxi %s = %d\nstdout: %s\nstderr: %s", strings.Join(s.args, " "), code, out, errOut)
					}
				})
			}
		})
	}
}

func TestDemoFlags(t *testing.T) {
	for _, c := range []struct {
		name   string
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{"negative count", []string{"demo", "--contacts", "-5"}, 2, "", `must not be negative`},
		{"seed not a number", []string{"demo", "--seed", "x"}, 2, "", `invalid value "x" for flag -seed`},
		{"stray argument", []string{"demo", "300"}, 2, "", `unexpected argument "300"`},
		{"no contacts: just the users", []string{"demo", "--contacts", "0"}, 0, `9 users, 3 teams.*\n  0 companies, 0 contacts`, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			env := map[string]string{"GUANXI_DATA": t.TempDir(), "GUANXI_LOG_LEVEL": "warn"}
			code, out, errOut := run(t, env, "", c.args...)
			if code != c.code || !regexp.MustCompile(c.stdout).MatchString(out) || !strings.Contains(errOut, c.stderr) {
				t.Errorf("guanxi %v = %d\nstdout: %s\nstderr: %s", c.args, code, out, errOut)
			}
		})
	}
}

// openApp opens Guanxi over a fresh database of the engine, as serve does.
func openApp(t *testing.T, engine string) *app.App {
	t.Helper()
	cfg := config.Defaults()
	if engine == "postgres" {
		cfg.DatabaseURL = testenv.PostgresSchemaURL(t)
	} else {
		cfg.DataDir = t.TempDir()
	}
	a, err := app.Open(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	if _, _, err := a.Accounts.EnsureAdmin(system(context.Background()), AdminEmail, "Admin"); err != nil {
		t.Fatal(err)
	}
	return a
}

func contactCount(t *testing.T, a *app.App) int64 {
	t.Helper()
	page, err := a.Customers.ListContacts(system(context.Background()), customer.ListParams{Limit: 1})
	if err != nil || page.Total == nil {
		t.Fatalf("count contacts: %v", err)
	}
	return page.Total.Value
}

// TestLoadDemoOnce: serve --demo loads the demo data on the first start and
// never again, and leaves a database that has contacts of its own alone.
func TestLoadDemoOnce(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			tests := []struct {
				name     string
				before   func(t *testing.T, a *app.App)
				starts   int
				output   []string // regular expression per start
				contacts int64
			}{
				{"fresh install, three starts", nil, 3,
					[]string{`Loaded demo data \(seed 1\) .*\n.*\n  \d+ companies, 300 contacts \(3 likely duplicates\), \d+ positions`, `^$`, `^$`}, serveDemoContacts},
				{"after guanxi demo", func(t *testing.T, a *app.App) {
					if err := loadDemo(context.Background(), io.Discard, a, 5, 50, nil); err != nil {
						t.Fatal(err)
					}
				}, 1, []string{`^$`}, 50},
				{"a database with contacts of its own", func(t *testing.T, a *app.App) {
					if _, err := a.Customers.CreateContact(system(context.Background()), customer.ContactFields{FamilyName: "王", GivenName: "小李"}, customer.WriteOptions{}); err != nil {
						t.Fatal(err)
					}
				}, 2, []string{`^Not loading demo data: this database already holds contacts\.\n$`, `Not loading`}, 1},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					a := openApp(t, engine)
					if tt.before != nil {
						tt.before(t, a)
					}
					for i := range tt.starts {
						var out bytes.Buffer
						if err := loadDemoOnce(context.Background(), Env{Stdout: &out, Stderr: io.Discard}, a); err != nil {
							t.Fatalf("start %d: %v", i+1, err)
						}
						if !regexp.MustCompile(tt.output[i]).MatchString(out.String()) {
							t.Errorf("start %d printed %q, want %s", i+1, out.String(), tt.output[i])
						}
					}
					if n := contactCount(t, a); n != tt.contacts {
						t.Errorf("%d contacts, want %d", n, tt.contacts)
					}
				})
			}
		})
	}
}

// TestServeDemo runs serve --demo twice over one data directory: the first
// start loads the demo data before serving, the second does not.
func TestServeDemo(t *testing.T) {
	dir := t.TempDir()
	for start, want := range []string{"Loaded demo data", ""} {
		pr, pw := io.Pipe()
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan int, 1)
		go func() {
			done <- Main(ctx, Env{Stdin: strings.NewReader(""), Stdout: pw, Stderr: io.Discard, Getenv: func(string) string { return "" }},
				[]string{"serve", "--demo", "--addr", "127.0.0.1:0", "--data", dir, "--log-level", "warn"})
			pw.Close()
		}()
		var printed strings.Builder
		lines := bufio.NewScanner(pr)
		for lines.Scan() {
			printed.WriteString(lines.Text() + "\n")
			if strings.Contains(lines.Text(), "is serving") {
				break
			}
		}
		go io.Copy(io.Discard, pr)
		cancel()
		select {
		case code := <-done:
			if code != 0 {
				t.Errorf("start %d: serve exited %d", start+1, code)
			}
		case <-time.After(20 * time.Second):
			t.Fatalf("start %d: serve did not stop", start+1)
		}
		if loaded := strings.Contains(printed.String(), "Loaded demo data"); loaded != (want != "") {
			t.Errorf("start %d printed:\n%s", start+1, printed.String())
		}
	}
	// The data set is the one serve promises: users, companies, contacts.
	cfg := config.Defaults()
	cfg.DataDir = dir
	b, err := app.Open(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if n := contactCount(t, b); n != serveDemoContacts {
		t.Errorf("%d contacts after two starts, want %d", n, serveDemoContacts)
	}
	users, err := b.Accounts.ListUsers(crm.WithPrincipal(context.Background(), crm.System))
	if err != nil || len(users) != 10 || users[0].Email != AdminEmail {
		t.Errorf("users after serve --demo: %d, %v", len(users), err)
	}
}
