package cli

import (
	"context"
	"fmt"
	"net"
	"strings"

	"github.com/guanxi-crm/guanxi/internal/app"
	"github.com/guanxi-crm/guanxi/internal/config"
)

// AdminEmail is the login of the admin created on the first start.
const AdminEmail = "admin@guanxi.local"

func init() {
	register("serve", "run the server (with --demo: load demo data on the first start)", func(ctx context.Context, env Env, args []string) error {
		var cfg config.Config
		var demo bool
		fs, err := flags(env, "serve", "[--demo] [flags]", &cfg, true)
		if err != nil {
			return err
		}
		fs.BoolVar(&demo, "demo", false, "load demo data (once, on the first start)")
		if err := parse(fs, &cfg, args); err != nil {
			return err
		}
		log := logger(env, cfg)
		a, err := app.Open(ctx, cfg, log)
		if err != nil {
			return err
		}
		defer a.Close()
		created, password, err := a.Accounts.EnsureAdmin(system(ctx), AdminEmail, "Admin")
		if err != nil {
			return err
		}
		if demo {
			if err := loadDemoOnce(ctx, env, a); err != nil {
				return err
			}
		}
		ln, err := net.Listen("tcp", cfg.Addr)
		if err != nil {
			return err
		}
		url := "http://" + displayAddr(ln.Addr().String())
		fmt.Fprintf(env.Stdout, "Guanxi %s is serving %s on %s\n", app.Version, cfg.Store(), url)
		if created {
			fmt.Fprintf(env.Stdout, "Created the first admin. Sign in as %s with password %s (shown once; change it with guanxi user passwd).\n", AdminEmail, password)
		}
		fmt.Fprintln(env.Stdout, "Press Ctrl-C to stop.")
		return a.Serve(ctx, ln)
	})
}

// displayAddr turns a listening address into one a browser can open.
func displayAddr(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	if host == "" || host == "::" || host == "0.0.0.0" || strings.HasPrefix(host, "127.") || host == "::1" {
		host = "localhost"
	}
	return net.JoinHostPort(host, port)
}
