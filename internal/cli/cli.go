// Package cli is the guanxi command: one file per subcommand. Main is shared
// by cmd/guanxi and the tests, which run the real commands in-process.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"strings"

	"github.com/guanxi-crm/guanxi/internal/app"
	"github.com/guanxi-crm/guanxi/internal/config"
	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/i18n"
)

// Env is what a command may touch of the world.
type Env struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	Getenv func(string) string
}

// command is one subcommand.
type command struct {
	summary string
	run     func(ctx context.Context, env Env, args []string) error
}

// commands lists every subcommand; each lives in a file of its name.
var commands = map[string]command{}

func register(name, summary string, run func(ctx context.Context, env Env, args []string) error) {
	commands[name] = command{summary: summary, run: run}
}

// errUsage marks a command line that could not be understood; the message
// has been printed already.
var errUsage = errors.New("usage")

// Main runs the command line args (without the program name) and returns
// the exit status: 0 done, 1 failed, 2 misused.
func Main(ctx context.Context, env Env, args []string) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(env.Stdout)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(env.Stderr, "guanxi: unknown command %q\n\n", args[0])
		usage(env.Stderr)
		return 2
	}
	err := cmd.run(ctx, env, args[1:])
	switch {
	case err == nil:
		return 0
	case errors.Is(err, errUsage), errors.Is(err, flag.ErrHelp):
		return 2
	}
	fmt.Fprintf(env.Stderr, "guanxi %s: %s\n", args[0], describe(err))
	return 1
}

// describe words an error for the operator, in English: the problem, then
// what is wrong with each field.
func describe(err error) string {
	ce, ok := crm.AsError(err)
	if !ok || ce.Kind == crm.KindInternal {
		return err.Error()
	}
	code := ce.Code
	if code == "" {
		code = ce.Kind.String()
	}
	var b strings.Builder
	b.WriteString(i18n.Message(i18n.English, code, ce.Params))
	for _, f := range ce.Fields {
		fmt.Fprintf(&b, "\n  %s: %s", f.Field, i18n.Message(i18n.English, f.Code, f.Params))
	}
	return b.String()
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "Guanxi 關係 — an open-source CRM.\n\nUsage: guanxi <command> [flags]\n\nCommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-9s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "\nRun guanxi <command> -h for a command's flags. Every flag also reads a GUANXI_* environment variable.")
}

// flags makes a subcommand's flag set with the database settings (and the
// server's, when server is set) registered on cfg.
func flags(env Env, name, args string, cfg *config.Config, server bool) (*flag.FlagSet, error) {
	*cfg = config.Defaults()
	fs := flag.NewFlagSet("guanxi "+name, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	fs.Usage = func() {
		fmt.Fprintf(env.Stderr, "Usage: guanxi %s %s\n\nFlags:\n", name, args)
		fs.PrintDefaults()
	}
	return fs, cfg.Register(fs, env.Getenv, server)
}

// parse parses flags and validates the configuration.
func parse(fs *flag.FlagSet, cfg *config.Config, args []string) error {
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(fs.Output(), "guanxi: unexpected argument %q\n", fs.Arg(0))
		fs.Usage()
		return errUsage
	}
	return cfg.Validate()
}

// open opens the configured Guanxi for a one-off command, logging to stderr.
func open(ctx context.Context, env Env, cfg config.Config) (*app.App, error) {
	return app.Open(ctx, cfg, cfg.Logger(env.Stderr))
}

// system is the context of an operator's command: all-powerful, audited as
// "system".
func system(ctx context.Context) context.Context { return crm.WithPrincipal(ctx, crm.System) }

func logger(env Env, cfg config.Config) *slog.Logger { return cfg.Logger(env.Stderr) }
