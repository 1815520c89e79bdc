package cli

import (
	"bufio"
	"context"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/guanxi-crm/guanxi/internal/account"
	"github.com/guanxi-crm/guanxi/internal/config"
	"github.com/guanxi-crm/guanxi/internal/crm"
)

func init() {
	register("user", "add users, set passwords, list users (user add|passwd|list)", runUser)
}

func runUser(ctx context.Context, env Env, args []string) error {
	if len(args) == 0 {
		fmt.Fprintln(env.Stderr, "Usage: guanxi user add|passwd|list [flags]")
		return errUsage
	}
	var cfg config.Config
	var email, name, role string
	var passwordStdin bool
	fs, err := flags(env, "user "+args[0], "[flags]", &cfg, false)
	if err != nil {
		return err
	}
	switch args[0] {
	case "add":
		fs.StringVar(&email, "email", "", "email address (required)")
		fs.StringVar(&name, "name", "", "full name (required)")
		fs.StringVar(&role, "role", "agent", "admin, manager, agent or viewer")
		fs.BoolVar(&passwordStdin, "password-stdin", false, "read the password from the first line of standard input")
	case "passwd":
		fs.StringVar(&email, "email", "", "email address of the user (required)")
		fs.BoolVar(&passwordStdin, "password-stdin", true, "read the password from the first line of standard input")
	case "list":
	default:
		fmt.Fprintf(env.Stderr, "guanxi user: unknown subcommand %q (add, passwd, list)\n", args[0])
		return errUsage
	}
	if err := parse(fs, &cfg, args[1:]); err != nil {
		return err
	}
	password := ""
	if passwordStdin {
		if password, err = readPassword(env); err != nil {
			return err
		}
	}
	a, err := open(ctx, env, cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	sys := system(ctx)
	switch args[0] {
	case "add":
		u, err := a.Accounts.CreateUser(sys, account.UserFields{Email: email, Name: name, Role: crm.Role(role)}, password)
		if err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "added user #%d %s <%s> (%s)\n", u.ID, u.Name, u.Email, u.Role)
	case "passwd":
		p, err := a.Accounts.PrincipalFor(sys, email)
		if err != nil {
			return err
		}
		if err := a.Accounts.SetPassword(sys, p.UserID, "", password); err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "password of %s changed; their sessions end (running servers let them go within %s)\n", p.Email, account.DefaultCacheTTL)
	case "list":
		users, err := a.Accounts.ListUsers(sys)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tEMAIL\tNAME\tROLE\tSTATUS")
		for _, u := range users {
			status := "active"
			if u.Disabled {
				status = "disabled"
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", u.ID, u.Email, u.Name, u.Role, status)
		}
		return tw.Flush()
	}
	return nil
}

// readPassword reads one line of standard input, without its line ending.
func readPassword(env Env) (string, error) {
	line, err := bufio.NewReader(env.Stdin).ReadString('\n')
	if err != nil && line == "" {
		return "", fmt.Errorf("reading the password from standard input: %w", err)
	}
	return strings.TrimRight(line, "\r\n"), nil
}
