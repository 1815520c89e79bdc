package insight

import (
	"context"
	"encoding/json"
	"math"

	"github.com/guanxi-crm/guanxi/internal/crm"
)

// Settings tune a run. Zero values take the defaults.
type Settings struct {
	RFMBins int `json:"rfm_bins,omitempty" minimum:"0" maximum:"10" doc:"Scores per dimension, 2–10 (default 5: quintiles)"`
	// CLV.
	HorizonWeeks   int     `json:"horizon_weeks,omitempty" minimum:"0" maximum:"520" doc:"CLV horizon (default 52)"`
	AnnualDiscount float64 `json:"annual_discount,omitempty" minimum:"0" maximum:"1" doc:"Discount rate per year for CLV (default 0.10)"`
	// Value tiers.
	ValuableShare float64 `json:"valuable_share,omitempty" minimum:"0" maximum:"1" doc:"Share of customers, by profit, that are most valuable (default 0.2)"`
	GrowableShare float64 `json:"growable_share,omitempty" minimum:"0" maximum:"1" doc:"Share of customers, by predicted value, that may be most growable (default 0.2)"`
	// Lifecycle and churn.
	LoyalOrders      int     `json:"loyal_orders,omitempty" minimum:"0" maximum:"1000" doc:"Orders that make a customer loyal (default 5)"`
	AtRiskDays       int     `json:"at_risk_days,omitempty" minimum:"0" maximum:"3650" doc:"Days without an order after which a customer is at risk (default 90)"`
	LapsedDays       int     `json:"lapsed_days,omitempty" minimum:"0" maximum:"3650" doc:"Days without an order after which a customer has lapsed (default 365)"`
	MediumRiskPAlive float64 `json:"medium_risk_p_alive,omitempty" minimum:"0" maximum:"1" doc:"P(alive) below which churn risk is medium (default 0.6)"`
	HighRiskPAlive   float64 `json:"high_risk_p_alive,omitempty" minimum:"0" maximum:"1" doc:"P(alive) below which churn risk is high (default 0.3)"`
}

// withDefaults fills the zero values.
func (s Settings) withDefaults() Settings {
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	deff := func(v *float64, d float64) {
		if *v == 0 {
			*v = d
		}
	}
	def(&s.RFMBins, 5)
	def(&s.HorizonWeeks, 52)
	deff(&s.AnnualDiscount, 0.10)
	deff(&s.ValuableShare, 0.2)
	deff(&s.GrowableShare, 0.2)
	def(&s.LoyalOrders, 5)
	def(&s.AtRiskDays, 90)
	def(&s.LapsedDays, 365)
	deff(&s.MediumRiskPAlive, 0.6)
	deff(&s.HighRiskPAlive, 0.3)
	return s
}

func (s Settings) validate(op string) error {
	var v crm.Violations
	rangeInt := func(field string, x, lo, hi int) {
		if x != 0 && (x < lo || x > hi) {
			v.Add(field, "out_of_range", "min", lo, "max", hi)
		}
	}
	rangeFloat := func(field string, x, lo, hi float64) {
		if math.IsNaN(x) || (x != 0 && (x < lo || x > hi)) {
			v.Add(field, "out_of_range", "min", lo, "max", hi)
		}
	}
	rangeInt("rfm_bins", s.RFMBins, 2, 10)
	rangeInt("horizon_weeks", s.HorizonWeeks, 1, 520)
	rangeFloat("annual_discount", s.AnnualDiscount, 0, 1)
	rangeFloat("valuable_share", s.ValuableShare, 0, 1)
	rangeFloat("growable_share", s.GrowableShare, 0, 1)
	rangeInt("loyal_orders", s.LoyalOrders, 2, 1000)
	rangeInt("at_risk_days", s.AtRiskDays, 1, 3650)
	rangeInt("lapsed_days", s.LapsedDays, 1, 3650)
	rangeFloat("medium_risk_p_alive", s.MediumRiskPAlive, 0, 1)
	rangeFloat("high_risk_p_alive", s.HighRiskPAlive, 0, 1)
	d := s.withDefaults()
	if d.LapsedDays <= d.AtRiskDays {
		v.Add("lapsed_days", "out_of_range", "min", d.AtRiskDays+1, "max", 3650)
	}
	if d.HighRiskPAlive > d.MediumRiskPAlive {
		v.Add("high_risk_p_alive", "out_of_range", "min", 0, "max", d.MediumRiskPAlive)
	}
	return v.Err(op)
}

// GetSettings reads the settings, defaults filled in.
func (s *Service) GetSettings(ctx context.Context) (Settings, error) {
	const op = "insight.GetSettings"
	if _, err := crm.Actor(ctx, op); err != nil {
		return Settings{}, err
	}
	set, err := s.settings(ctx)
	return set, crm.Wrap(op, err)
}

func (s *Service) settings(ctx context.Context) (Settings, error) {
	var set Settings
	if _, err := loadJSON(ctx, s.store, settingsKey, &set); err != nil {
		return Settings{}, err
	}
	return set.withDefaults(), nil
}

// PutSettings replaces the settings (admins). They apply from the next run.
func (s *Service) PutSettings(ctx context.Context, set Settings) (Settings, error) {
	const op = "insight.PutSettings"
	p, err := crm.Writer(ctx, op)
	if err != nil {
		return Settings{}, err
	}
	if !p.IsAdmin() {
		return Settings{}, crm.E(op, crm.KindForbidden, "insight_admins_only")
	}
	if err := set.validate(op); err != nil {
		return Settings{}, err
	}
	set = set.withDefaults()
	raw, err := json.Marshal(set)
	if err != nil {
		return Settings{}, crm.Internal(op, err)
	}
	return set, crm.Wrap(op, s.store.SetSetting(ctx, settingsKey, string(raw)))
}
