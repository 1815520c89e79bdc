package clv

import (
	"cmp"
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/mathext"
)

// GammaGamma is a fitted Gamma-Gamma model of the value of purchases (Fader,
// Hardie & Lee 2005, JMR; Fader & Hardie 2013, note 025). A customer's
// purchases are worth gamma(P, ν) amounts, mean P/ν; ν is gamma(Q, Gamma)
// across customers (shape Q, rate Gamma).
type GammaGamma struct {
	P, Q, Gamma float64
	// LogLikelihood is the maximised log-likelihood of the mean values of
	// the Customers, the repeat buyers with a positive mean value.
	LogLikelihood float64
	Customers     int
}

// FitGammaGamma estimates the Gamma-Gamma parameters by maximum likelihood
// from the customers with repeat purchases (X > 0): for the others MeanValue
// says nothing. Repeat buyers whose MeanValue is 0 (free repeat orders) are
// left out too, since a gamma-distributed value is never 0. It needs
// MinCustomers such customers; errors wrap ErrInvalid, ErrTooFewCustomers,
// ErrNoRepeaters or ErrNotConverged.
func FitGammaGamma(s []Summary) (GammaGamma, error) {
	const op = "clv.FitGammaGamma"
	if len(s) < MinCustomers {
		return GammaGamma{}, fmt.Errorf("%s: %d customers, need at least %d: %w", op, len(s), MinCustomers, ErrTooFewCustomers)
	}
	d, err := newGGData(s)
	if err != nil {
		return GammaGamma{}, fmt.Errorf("%s: %w", op, err)
	}
	if len(d.rows) == 0 {
		return GammaGamma{}, fmt.Errorf("%s: %w", op, ErrNoRepeaters)
	}
	if len(d.rows) < MinCustomers {
		return GammaGamma{}, fmt.Errorf("%s: %d repeat customers with a positive mean value, need at least %d: %w",
			op, len(d.rows), MinCustomers, ErrTooFewCustomers)
	}
	// Start from p = 1, q = 2 and the γ that makes the model's mean value
	// per purchase, pγ/(q−1), the observed mean: γ carries the currency
	// unit, so the start is unit-free.
	gamma0 := d.meanValue
	theta, err := maximize(d.negMeanLL, []float64{0, math.Log(2), math.Log(gamma0)}, []string{"p", "q", "gamma"})
	if err != nil {
		return GammaGamma{}, fmt.Errorf("%s: %w", op, err)
	}
	p := expAll(theta)
	return GammaGamma{
		P: p[0], Q: p[1], Gamma: p[2],
		LogLikelihood: -d.negMeanLL(theta, nil) * float64(len(d.rows)),
		Customers:     len(d.rows),
	}, nil
}

// LogLikelihoodOf returns the log-likelihood of the model for the mean
// values of the summaries' repeat buyers with a positive mean value.
func (m GammaGamma) LogLikelihoodOf(s []Summary) (float64, error) {
	if err := m.validate(); err != nil {
		return 0, fmt.Errorf("clv.GammaGamma.LogLikelihoodOf: %w", err)
	}
	d, err := newGGData(s)
	if err != nil {
		return 0, fmt.Errorf("clv.GammaGamma.LogLikelihoodOf: %w", err)
	}
	theta := []float64{math.Log(m.P), math.Log(m.Q), math.Log(m.Gamma)}
	return -d.negMeanLL(theta, nil) * float64(len(d.rows)), nil
}

// ggData holds the repeat buyers for the likelihood, sorted by x so that the
// gamma-function terms, which depend on x only, are computed once per x.
type ggData struct {
	xs        []float64
	rows      []ggRow
	meanValue float64
}

type ggRow struct {
	xi       int
	x, z     float64
	lnX, lnZ float64
	xz       float64
}

func newGGData(s []Summary) (*ggData, error) {
	d := &ggData{}
	var sum float64
	for _, c := range s {
		if err := c.Validate(); err != nil {
			return nil, err
		}
		if c.X > 0 && c.MeanValue > 0 {
			d.rows = append(d.rows, ggRow{x: c.X, z: c.MeanValue, lnX: math.Log(c.X), lnZ: math.Log(c.MeanValue), xz: c.X * c.MeanValue})
			sum += c.MeanValue
		}
	}
	slices.SortFunc(d.rows, func(a, b ggRow) int { return cmp.Compare(a.x, b.x) })
	for i := range d.rows {
		if len(d.xs) == 0 || d.xs[len(d.xs)-1] != d.rows[i].x {
			d.xs = append(d.xs, d.rows[i].x)
		}
		d.rows[i].xi = len(d.xs) - 1
	}
	if len(d.rows) > 0 {
		d.meanValue = sum / float64(len(d.rows))
	}
	return d, nil
}

// negMeanLL is the negative mean log-likelihood at theta = (ln p, ln q, ln γ).
// The mean z of x purchases of a customer has, integrating ν out (Fader &
// Hardie 2013, equation 5),
//
//	ln f(z | x) = ln Γ(px+q) − ln Γ(px) − ln Γ(q) + q ln γ + (px−1) ln z + px ln x − (px+q) ln(γ+xz).
func (d *ggData) negMeanLL(theta, grad []float64) float64 {
	p, q, gamma := math.Exp(theta[0]), math.Exp(theta[1]), math.Exp(theta[2])
	lnGamma := theta[2]
	lgQ, _ := math.Lgamma(q)

	type perX struct{ gammas, psiPXQ, psiPX float64 }
	px := make([]perX, len(d.xs))
	for i, x := range d.xs {
		lgPXQ, _ := math.Lgamma(p*x + q)
		lgPX, _ := math.Lgamma(p * x)
		px[i].gammas = lgPXQ - lgPX - lgQ + q*lnGamma
		if grad != nil {
			px[i].psiPXQ, px[i].psiPX = mathext.Digamma(p*x+q), mathext.Digamma(p*x)
		}
	}
	var ll, gP, gQ, gGamma float64
	for _, row := range d.rows {
		c := px[row.xi]
		pxq := p*row.x + q
		lnGXZ := math.Log(gamma + row.xz)
		ll += c.gammas + (p*row.x-1)*row.lnZ + p*row.x*row.lnX - pxq*lnGXZ
		if grad != nil {
			gP += row.x * (c.psiPXQ - c.psiPX + row.lnZ + row.lnX - lnGXZ)
			gQ += c.psiPXQ + lnGamma - lnGXZ
			gGamma += q/gamma - pxq/(gamma+row.xz)
		}
	}
	n := float64(len(d.rows))
	if grad != nil {
		psiQ := mathext.Digamma(q)
		grad[0] = -gP * p / n
		grad[1] = -(gQ - n*psiQ) * q / n
		grad[2] = -gGamma * gamma / n
	}
	return -ll / n
}

func (m GammaGamma) validate() error {
	for _, v := range []float64{m.P, m.Q, m.Gamma} {
		if !(v > 0) || !finite(v) {
			return fmt.Errorf("Gamma-Gamma parameters p=%g q=%g gamma=%g must be positive and finite (fit the model first): %w",
				m.P, m.Q, m.Gamma, ErrInvalid)
		}
	}
	return nil
}

// ConditionalExpectedValue is the expected value of a future purchase of a
// customer whose x repeat purchases were worth meanValue on average (Fader,
// Hardie & Lee 2005, JMR, equation 5):
//
//	E[Z | x, z̄] = (γ + x z̄) p / (px + q − 1),
//
// a weighted mean of the population's mean value pγ/(q−1) and the
// customer's own, which weighs more the more he has bought. With x = 0
// meanValue is ignored and the result is the population's mean. An error
// wraps ErrInvalid for invalid inputs, or when px+q ≤ 1: the model then has
// no finite mean for such a customer.
func (m GammaGamma) ConditionalExpectedValue(x, meanValue float64) (float64, error) {
	const op = "clv.GammaGamma.ConditionalExpectedValue"
	if err := m.validate(); err != nil {
		return 0, fmt.Errorf("%s: %w", op, err)
	}
	if x == 0 {
		meanValue = 0
	}
	if err := (Summary{X: x, MeanValue: meanValue}).Validate(); err != nil {
		return 0, fmt.Errorf("%s: %w", op, err)
	}
	den := m.P*x + m.Q - 1
	if !(den > 0) {
		return 0, fmt.Errorf("%s: p·x+q−1 = %g ≤ 0, the expected value is unbounded (q=%g): %w", op, den, m.Q, ErrInvalid)
	}
	return (m.Gamma + x*meanValue) * m.P / den, nil
}

// PopulationMean is the expected value of a purchase of a customer about whom
// nothing is known yet, pγ/(q−1): ConditionalExpectedValue with no repeat
// purchases. An error wraps ErrInvalid when the model is not fitted or q ≤ 1
// (no finite mean).
func (m GammaGamma) PopulationMean() (float64, error) {
	const op = "clv.GammaGamma.PopulationMean"
	if err := m.validate(); err != nil {
		return 0, fmt.Errorf("%s: %w", op, err)
	}
	if !(m.Q > 1) {
		return 0, fmt.Errorf("%s: q=%g ≤ 1, the mean value of a purchase is unbounded: %w", op, m.Q, ErrInvalid)
	}
	return m.P * m.Gamma / (m.Q - 1), nil
}
