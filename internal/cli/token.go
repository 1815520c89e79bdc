package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/guanxi-crm/guanxi/internal/config"
)

func init() {
	register("token", "create an API token for a user (token create)", func(ctx context.Context, env Env, args []string) error {
		if len(args) == 0 || args[0] != "create" {
			fmt.Fprintln(env.Stderr, "Usage: guanxi token create --email E --name LABEL [--expires 720h]")
			return errUsage
		}
		var cfg config.Config
		var email, name string
		var expires time.Duration
		fs, err := flags(env, "token create", "--email E --name LABEL", &cfg, false)
		if err != nil {
			return err
		}
		fs.StringVar(&email, "email", "", "the user the token acts as (required)")
		fs.StringVar(&name, "name", "", "what the token is for (required)")
		fs.DurationVar(&expires, "expires", 0, "lifetime, e.g. 720h (default: no expiry)")
		if err := parse(fs, &cfg, args[1:]); err != nil {
			return err
		}
		a, err := open(ctx, env, cfg)
		if err != nil {
			return err
		}
		defer a.Close()
		sys := system(ctx)
		p, err := a.Accounts.PrincipalFor(sys, email)
		if err != nil {
			return err
		}
		var expiresAt *time.Time
		if expires > 0 {
			t := time.Now().Add(expires)
			expiresAt = &t
		}
		t, secret, err := a.Accounts.CreateToken(sys, p.UserID, name, expiresAt)
		if err != nil {
			return err
		}
		fmt.Fprintf(env.Stderr, "token #%d %q for %s created; it is shown once:\n", t.ID, t.Name, p.Email)
		fmt.Fprintln(env.Stdout, secret)
		return nil
	})
}
