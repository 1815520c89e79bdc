package cli

import (
	"context"
	"fmt"

	"github.com/guanxi-crm/guanxi/internal/config"
)

func init() {
	register("contact", "erase a contact for a right-to-erasure request (contact purge)", func(ctx context.Context, env Env, args []string) error {
		if len(args) == 0 || args[0] != "purge" {
			fmt.Fprintln(env.Stderr, "Usage: guanxi contact purge --id N --reason TEXT")
			return errUsage
		}
		var cfg config.Config
		var id int64
		var reason string
		fs, err := flags(env, "contact purge", "--id N --reason TEXT", &cfg, false)
		if err != nil {
			return err
		}
		fs.Int64Var(&id, "id", 0, "id of the contact to erase (required)")
		fs.StringVar(&reason, "reason", "", "why, for the audit log, e.g. the request's reference (required)")
		if err := parse(fs, &cfg, args[1:]); err != nil {
			return err
		}
		if id <= 0 || reason == "" {
			fs.Usage()
			return errUsage
		}
		a, err := open(ctx, env, cfg)
		if err != nil {
			return err
		}
		defer a.Close()
		if err := a.Customers.PurgeContact(system(ctx), id, reason); err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "contact #%d and the contacts merged into it are erased; the audit log records the purge\n", id)
		return nil
	})
}
