package cli

import (
	"context"

	"github.com/guanxi-crm/guanxi/internal/app"
)

// loadDemoOnce is replaced by the demo command's file.
func loadDemoOnce(ctx context.Context, env Env, a *app.App) error { return nil }
