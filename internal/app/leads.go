package app

import (
	"context"
	"github.com/guanxi-crm/guanxi/internal/wiring"
	"time"

	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/jobs"
	"github.com/guanxi-crm/guanxi/internal/lead"
)

// Leads are rescored every hour (behaviour arrives as events, which do not
// tell leads), and the pools' claims are swept for recycling every hour
// besides the job each claim schedules for the moment it falls due.
const (
	leadRecycleEvery = time.Hour
	leadRescoreEvery = time.Hour
)

// openLeads builds the lead service over the customer database and sales,
// and registers its jobs.
func (a *App) openLeads() {
	a.Leads = lead.NewService(a.Store, wiring.LeadCustomers(a.Customers), wiring.LeadDeals(a.Sales),
		lead.Options{Region: a.Config.DefaultRegion, Jobs: wiring.LeadJobs(a.Jobs)})
	a.Runner.Handle(lead.JobRecycle, a.recycleLeads)
	a.Runner.Every(lead.JobRecycle, leadRecycleEvery, nil)
	a.Runner.Handle(lead.JobRescore, a.rescoreLeads)
	a.Runner.Every(lead.JobRescore, leadRescoreEvery, nil)
}

// recycleLeads returns claims past their pool's recycle days to the pool,
// as the system.
func (a *App) recycleLeads(ctx context.Context, run *jobs.Run) error {
	var payload lead.RecyclePayload
	if err := run.Decode(&payload); err != nil {
		return jobs.Permanent(err)
	}
	n, err := a.Leads.RunRecycle(crm.WithPrincipal(ctx, crm.System), payload)
	if err != nil {
		return err
	}
	return run.SetResult(map[string]int{"recycled": n})
}

// rescoreLeads recomputes the scores of the open leads, as the system.
func (a *App) rescoreLeads(ctx context.Context, run *jobs.Run) error {
	n, err := a.Leads.RescoreAll(crm.WithPrincipal(ctx, crm.System))
	if err != nil {
		return err
	}
	return run.SetResult(map[string]int{"changed": n})
}
