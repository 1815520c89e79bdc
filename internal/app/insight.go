package app

import (
	"context"
	"time"

	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/jobs"
)

// Segments are evaluated every minute when the data their rules test
// changed, and at least hourly (windows move with the clock): membership
// follows changes to customers' data within a minute, and at once on save
// or on demand.
const (
	segmentsJobKind = "segments.refresh"
	segmentsEvery   = time.Minute
	segmentsMaxAge  = time.Hour
)

// Insight runs daily (and when an admin or manager asks).
const insightEvery = 24 * time.Hour

// refreshInsight is the insight run, as the system.
func (a *App) refreshInsight(ctx context.Context, run *jobs.Run) error {
	res, err := a.Insight.Refresh(crm.WithPrincipal(ctx, crm.System))
	if err != nil {
		return err
	}
	return run.SetResult(map[string]any{"customers": res.Customers, "contacts": res.Contacts, "moves": res.Moves, "took_ms": res.TookMS, "model_error": res.ModelError})
}

// refreshSegments is the scheduled evaluation of every segment.
func (a *App) refreshSegments(ctx context.Context, run *jobs.Run) error {
	n, err := a.Segments.RefreshIfChanged(crm.WithPrincipal(ctx, crm.System), segmentsMaxAge)
	if crm.IsKind(err, crm.KindInvalid) {
		// Rules that name a deleted field wait for someone to fix them;
		// retrying would not help, and the others were evaluated.
		a.Logger.WarnContext(ctx, "segments not evaluated", "err", err)
		return run.SetResult(map[string]any{"segments": n, "broken": err.Error()})
	}
	if err != nil {
		return err
	}
	if n < 0 {
		return run.SetResult(map[string]any{"segments": 0, "unchanged": true})
	}
	return run.SetResult(map[string]int{"segments": n})
}
