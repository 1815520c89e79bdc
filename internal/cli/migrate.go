package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/guanxi-crm/guanxi/internal/config"
	"github.com/guanxi-crm/guanxi/internal/store"
)

func init() {
	register("migrate", "bring the database schema up to date", func(ctx context.Context, env Env, args []string) error {
		var cfg config.Config
		fs, err := flags(env, "migrate", "[flags]", &cfg, false)
		if err != nil {
			return err
		}
		if err := parse(fs, &cfg, args); err != nil {
			return err
		}
		st, err := store.Open(ctx, store.Config{URL: cfg.DatabaseURL, Dir: cfg.DataDir})
		if err != nil {
			return err
		}
		defer st.Close()
		start := time.Now()
		m, err := st.Migrate(ctx)
		if err != nil {
			return err
		}
		current, _, err := st.SchemaVersion(ctx)
		if err != nil {
			return err
		}
		if len(m.Applied) == 0 {
			fmt.Fprintf(env.Stdout, "%s: schema already at version %d\n", cfg.Store(), current)
		} else {
			fmt.Fprintf(env.Stdout, "%s: applied migrations %v; schema at version %d\n", cfg.Store(), m.Applied, current)
		}
		if m.SearchRebuilt {
			fmt.Fprintf(env.Stdout, "rebuilt the search index (%s in all)\n", time.Since(start).Round(time.Millisecond))
		}
		return nil
	})
}
