package cli

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/guanxi-crm/guanxi/internal/app"
	"github.com/guanxi-crm/guanxi/internal/config"
	"github.com/guanxi-crm/guanxi/internal/customer"
	"github.com/guanxi-crm/guanxi/internal/demo"
)

// demoLoadedSetting records when demo data was loaded into a database, so
// that it is loaded once.
const demoLoadedSetting = "demo_loaded"

// serveDemoContacts is the size of the data set serve --demo loads: enough
// to explore, quick to load.
const (
	serveDemoContacts = 300
	serveDemoSeed     = 1
)

func init() {
	register("demo", "load realistic demo data: people, companies, buying committees", func(ctx context.Context, env Env, args []string) error {
		var cfg config.Config
		var contacts int
		var seed int64
		fs, err := flags(env, "demo", "[--contacts N] [--seed S] [flags]", &cfg, false)
		if err != nil {
			return err
		}
		fs.IntVar(&contacts, "contacts", 1000, "how many contacts to create (about 1% of them likely duplicates)")
		fs.Int64Var(&seed, "seed", 1, "random seed: the same seed makes the same data")
		if err := parse(fs, &cfg, args); err != nil {
			return err
		}
		if contacts < 0 {
			fmt.Fprintln(env.Stderr, "guanxi demo: --contacts must not be negative")
			return errUsage
		}
		a, err := open(ctx, env, cfg)
		if err != nil {
			return err
		}
		defer a.Close()
		when, loaded, err := a.Store.Setting(ctx, demoLoadedSetting)
		if err != nil {
			return err
		}
		if loaded {
			return fmt.Errorf("demo data was loaded into this database already (%s); use an empty --data directory or database", when)
		}
		// The admin comes first, so that it is user #1 as on a server's
		// first start.
		created, password, err := a.Accounts.EnsureAdmin(system(ctx), AdminEmail, "Admin")
		if err != nil {
			return err
		}
		if created {
			fmt.Fprintf(env.Stdout, "Created the first admin. Sign in as %s with password %s (shown once; change it with guanxi user passwd).\n", AdminEmail, password)
		}
		// A line per tenth of a large stage, so that long loads show they
		// move.
		decile := map[string]int{}
		progress := func(p demo.Progress) {
			if d := p.Done * 10 / max(p.Total, 1); p.Total >= 10_000 && d > decile[p.Stage] {
				decile[p.Stage] = d
				fmt.Fprintf(env.Stderr, "  %s: %d of %d\n", p.Stage, p.Done, p.Total)
			}
		}
		return loadDemo(ctx, env.Stdout, a, seed, contacts, progress)
	})
}

// loadDemo generates and loads a data set, records that demo data is loaded,
// and reports what it made.
func loadDemo(ctx context.Context, out io.Writer, a *app.App, seed int64, contacts int, progress func(demo.Progress)) error {
	start := time.Now()
	ds := demo.Generate(seed, contacts)
	generated := time.Since(start)
	stats, err := demo.Load(system(ctx), demo.Services{Customers: a.Customers, Accounts: a.Accounts}, ds, progress)
	if err != nil {
		return err
	}
	if err := a.Store.AfterBulkLoad(ctx); err != nil {
		return err
	}
	if err := a.Store.SetSetting(ctx, demoLoadedSetting, time.Now().UTC().Format(time.RFC3339)); err != nil {
		return err
	}
	elapsed := time.Since(start)
	fmt.Fprintf(out, "Loaded demo data (seed %d) into %s in %s (generating %s):\n", seed, a.Config.Store(),
		elapsed.Round(time.Millisecond), generated.Round(time.Millisecond))
	fmt.Fprintf(out, "  %d users, %d teams, %d custom fields, %d tags\n", stats.Users, stats.Teams, stats.FieldDefs, stats.Tags)
	fmt.Fprintf(out, "  %d companies, %d contacts (%d likely duplicates), %d positions\n",
		stats.Companies, stats.Contacts, stats.Duplicates, stats.Positions)
	if secs := elapsed.Seconds(); secs > 0 && stats.Contacts > 0 {
		fmt.Fprintf(out, "  %.0f contacts/s overall\n", float64(stats.Contacts)/secs)
	}
	if stats.Rejected > 0 {
		for _, r := range stats.Rejections {
			fmt.Fprintf(out, "  rejected %s\n", r)
		}
		return fmt.Errorf("%d demo records were rejected", stats.Rejected)
	}
	return nil
}

// loadDemoOnce loads a small demo data set for serve --demo, unless demo
// data was loaded into this database before or it already holds contacts of
// its own.
func loadDemoOnce(ctx context.Context, env Env, a *app.App) error {
	_, loaded, err := a.Store.Setting(ctx, demoLoadedSetting)
	if err != nil || loaded {
		return err
	}
	page, err := a.Customers.ListContacts(system(ctx), customer.ListParams{Limit: 1, NoTotal: true, Deleted: customer.DeletedInclude})
	if err != nil {
		return err
	}
	if len(page.Items) > 0 {
		fmt.Fprintln(env.Stdout, "Not loading demo data: this database already holds contacts.")
		return nil
	}
	if err := loadDemo(ctx, env.Stdout, a, serveDemoSeed, serveDemoContacts, nil); err != nil {
		return fmt.Errorf("loading demo data: %w", err)
	}
	return nil
}
