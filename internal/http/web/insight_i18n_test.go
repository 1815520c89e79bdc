package web

import (
	"testing"

	"github.com/guanxi-crm/guanxi/internal/analytics/rfm"
	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/i18n"
	"github.com/guanxi-crm/guanxi/internal/jobs"
)

// The insight screens name values by keys made of a prefix and the value:
// each must have a message.
func TestEveryInsightValueHasAMessage(t *testing.T) {
	keys := []string{"cohorts.month_n", "cohorts.week_n", "cohorts.by_month", "cohorts.by_week"}
	for _, tab := range insightTabs(&crm.Principal{Role: crm.RoleAdmin}, "") {
		keys = append(keys, "insight_tab."+tab.Key)
	}
	for _, s := range []jobs.Status{jobs.StatusQueued, jobs.StatusRunning, jobs.StatusSucceeded, jobs.StatusFailed, jobs.StatusCancelled} {
		keys = append(keys, "insight_job."+string(s))
	}
	for _, s := range lifecycleStages {
		keys = append(keys, "lifecycle."+s)
	}
	for _, r := range churnRisks {
		keys = append(keys, "churn_risk."+r)
	}
	for _, s := range rfm.AllSegments {
		keys = append(keys, "rfm_cell."+s.String())
	}
	for _, tier := range rfm.AllTiers {
		keys = append(keys, "value_tier."+tier.String())
	}
	// The explanations the service gives (insight.Explanation keys).
	for _, e := range []string{"p_alive", "expected_purchases", "clv", "rfm", "value_tier", "churn_risk", "lifecycle"} {
		keys = append(keys, "insight_explain."+e)
	}
	for _, k := range keys {
		if !i18n.Has(k) {
			t.Errorf("%s has no message", k)
		}
	}
}
