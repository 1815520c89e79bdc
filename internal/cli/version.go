package cli

import (
	"context"
	"fmt"
	"runtime"

	"github.com/guanxi-crm/guanxi/internal/app"
)

func init() {
	register("version", "print the version", func(_ context.Context, env Env, _ []string) error {
		_, err := fmt.Fprintf(env.Stdout, "guanxi %s (%s, %s/%s)\n", app.Version, runtime.Version(), runtime.GOOS, runtime.GOARCH)
		return err
	})
}
