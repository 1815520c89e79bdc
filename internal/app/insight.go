package app

import (
	"context"
	"time"

	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/jobs"
)

// Segments are evaluated on a schedule: membership follows changes to
// customers' data within one interval (and at once on save or on demand).
const (
	segmentsJobKind = "segments.refresh"
	segmentsEvery   = 5 * time.Minute
)

// refreshSegments is the scheduled evaluation of every segment.
func (a *App) refreshSegments(ctx context.Context, run *jobs.Run) error {
	n, err := a.Segments.RefreshAll(crm.WithPrincipal(ctx, crm.System))
	if crm.IsKind(err, crm.KindInvalid) {
		// Rules that name a deleted field wait for someone to fix them;
		// retrying would not help, and the others were evaluated.
		a.Logger.WarnContext(ctx, "segments not evaluated", "err", err)
		return run.SetResult(map[string]any{"segments": n, "broken": err.Error()})
	}
	if err != nil {
		return err
	}
	return run.SetResult(map[string]int{"segments": n})
}
