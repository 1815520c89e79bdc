package clv

import (
	"cmp"
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/mathext"
)

// MinCustomers is the fewest customers a fit accepts: below it, four (BG/NBD)
// or three (Gamma-Gamma) parameters describe noise.
const MinCustomers = 10

// BGNBD is a fitted BG/NBD model (Fader, Hardie & Lee 2005, Marketing Science).
type BGNBD struct {
	// R and Alpha are the shape and rate of the gamma distribution of
	// purchase rates across customers (mean rate R/Alpha per time unit).
	R, Alpha float64
	// A and B are the beta distribution of the probability of becoming
	// inactive after a purchase (mean A/(A+B)).
	A, B float64
	// LogLikelihood is the maximised log-likelihood over the Customers.
	LogLikelihood float64
	Customers     int
}

// FitBGNBD estimates the BG/NBD parameters by maximum likelihood. It needs
// MinCustomers valid summaries, some of them with repeat purchases; errors
// wrap ErrInvalid, ErrTooFewCustomers, ErrNoRepeaters or ErrNotConverged.
func FitBGNBD(s []Summary) (BGNBD, error) {
	const op = "clv.FitBGNBD"
	if len(s) < MinCustomers {
		return BGNBD{}, fmt.Errorf("%s: %d customers, need at least %d: %w", op, len(s), MinCustomers, ErrTooFewCustomers)
	}
	d, err := newBGData(s)
	if err != nil {
		return BGNBD{}, fmt.Errorf("%s: %w", op, err)
	}
	if d.repeaters == 0 {
		return BGNBD{}, fmt.Errorf("%s: %w", op, ErrNoRepeaters)
	}
	// Start from a uniform dropout probability (a = b = 1), r = 1, and the
	// α that makes the mean purchase rate r/α the observed repeat rate: α
	// carries the time unit, so the start does not depend on the unit.
	alpha0 := d.sumT / d.sumX
	if !(alpha0 > 0) || !finite(alpha0) {
		alpha0 = 1
	}
	theta, err := maximize(d.negMeanLL, []float64{0, math.Log(alpha0), 0, 0}, []string{"r", "alpha", "a", "b"})
	if err != nil {
		return BGNBD{}, fmt.Errorf("%s: %w", op, err)
	}
	p := expAll(theta)
	return BGNBD{
		R: p[0], Alpha: p[1], A: p[2], B: p[3],
		LogLikelihood: -d.negMeanLL(theta, nil) * d.weight,
		Customers:     len(s),
	}, nil
}

// LogLikelihoodOf returns the log-likelihood of the model for the summaries.
func (m BGNBD) LogLikelihoodOf(s []Summary) (float64, error) {
	if err := m.validate(); err != nil {
		return 0, fmt.Errorf("clv.BGNBD.LogLikelihoodOf: %w", err)
	}
	d, err := newBGData(s)
	if err != nil {
		return 0, fmt.Errorf("clv.BGNBD.LogLikelihoodOf: %w", err)
	}
	theta := []float64{math.Log(m.R), math.Log(m.Alpha), math.Log(m.A), math.Log(m.B)}
	return -d.negMeanLL(theta, nil) * d.weight, nil
}

// bgData holds the summaries for the likelihood: customers with the same
// (x, tx, T) are one row with a weight, and the gamma-function terms, which
// depend on x only, are computed once per distinct x.
type bgData struct {
	xs        []float64 // distinct repeat counts
	rows      []bgRow
	weight    float64 // number of customers
	sumX      float64
	sumT      float64
	repeaters int
}

type bgRow struct {
	xi        int // index into xs
	x, tx, T  float64
	customers float64
}

func newBGData(s []Summary) (*bgData, error) {
	d := &bgData{}
	rows := make([]bgRow, 0, len(s))
	for _, c := range s {
		if err := c.Validate(); err != nil {
			return nil, err
		}
		rows = append(rows, bgRow{x: c.X, tx: c.Tx, T: c.T, customers: 1})
		d.weight++
		d.sumX += c.X
		d.sumT += c.T
		if c.X > 0 {
			d.repeaters++
		}
	}
	slices.SortFunc(rows, func(a, b bgRow) int {
		return cmp.Or(cmp.Compare(a.x, b.x), cmp.Compare(a.tx, b.tx), cmp.Compare(a.T, b.T))
	})
	for _, r := range rows {
		n := len(d.rows)
		if n > 0 && d.rows[n-1].x == r.x && d.rows[n-1].tx == r.tx && d.rows[n-1].T == r.T {
			d.rows[n-1].customers++
			continue
		}
		if len(d.xs) == 0 || d.xs[len(d.xs)-1] != r.x {
			d.xs = append(d.xs, r.x)
		}
		r.xi = len(d.xs) - 1
		d.rows = append(d.rows, r)
	}
	return d, nil
}

// negMeanLL is the negative mean log-likelihood at theta = (ln r, ln α, ln a,
// ln b). For a customer (x, tx, T), from equation 6 of Fader, Hardie & Lee
// (2005) as rearranged in their note 027:
//
//	ln L = A1 + A2 + ln(e^A3 + δ(x>0) e^A4)
//	A1 = ln Γ(r+x) − ln Γ(r) + r ln α
//	A2 = ln Γ(a+b) + ln Γ(b+x) − ln Γ(b) − ln Γ(a+b+x)
//	A3 = −(r+x) ln(α+T)
//	A4 = ln a − ln(b+x−1) − (r+x) ln(α+tx)
//
// The gradient follows by differentiating each term (ψ is the digamma
// function); w3 and w4 are the shares of e^A3 and e^A4 in their sum.
func (d *bgData) negMeanLL(theta, grad []float64) float64 {
	r, alpha, a, b := math.Exp(theta[0]), math.Exp(theta[1]), math.Exp(theta[2]), math.Exp(theta[3])
	lnAlpha, lnA := theta[1], theta[2]
	lgR, _ := math.Lgamma(r)
	lgB, _ := math.Lgamma(b)
	lgAB, _ := math.Lgamma(a + b)

	// Per distinct x: A1 + A2 without the α term, ln(b+x−1), and the digamma
	// parts of the gradient.
	type perX struct{ gammas, lnBX1, dR, dA, dB float64 }
	px := make([]perX, len(d.xs))
	var psiR, psiB, psiAB float64
	if grad != nil {
		psiR, psiB, psiAB = mathext.Digamma(r), mathext.Digamma(b), mathext.Digamma(a+b)
	}
	for i, x := range d.xs {
		lgRX, _ := math.Lgamma(r + x)
		lgBX, _ := math.Lgamma(b + x)
		lgABX, _ := math.Lgamma(a + b + x)
		p := perX{gammas: lgRX - lgR + lgAB + lgBX - lgB - lgABX}
		if x > 0 {
			p.lnBX1 = math.Log(b + x - 1)
		}
		if grad != nil {
			psiABX := mathext.Digamma(a + b + x)
			p.dR = mathext.Digamma(r+x) - psiR
			p.dA = psiAB - psiABX
			p.dB = psiAB + mathext.Digamma(b+x) - psiB - psiABX
		}
		px[i] = p
	}

	var ll, gR, gAlpha, gA, gB float64
	for _, row := range d.rows {
		p := px[row.xi]
		rx := r + row.x
		lnAT := math.Log(alpha + row.T)
		a3 := -rx * lnAT
		lse, w3, w4, lnAtx := a3, 1.0, 0.0, 0.0
		if row.x > 0 {
			lnAtx = math.Log(alpha + row.tx)
			a4 := lnA - p.lnBX1 - rx*lnAtx
			// logsumexp, sharing its one exponential with the weights.
			e := math.Exp(-math.Abs(a3 - a4))
			lse = math.Max(a3, a4) + math.Log1p(e)
			if a3 >= a4 {
				w3 = 1 / (1 + e)
				w4 = e * w3
			} else {
				w4 = 1 / (1 + e)
				w3 = e * w4
			}
		}
		ll += row.customers * (p.gammas + r*lnAlpha + lse)
		if grad != nil {
			gR += row.customers * (p.dR + lnAlpha - w3*lnAT - w4*lnAtx)
			gAlpha += row.customers * (r/alpha - rx*(w3/(alpha+row.T)+w4/(alpha+row.tx)))
			gA += row.customers * (p.dA + w4/a)
			if row.x > 0 {
				gB += row.customers * (p.dB - w4/(b+row.x-1))
			} else {
				gB += row.customers * p.dB
			}
		}
	}
	if grad != nil {
		// Chain rule for log-parameters: ∂/∂ln θ = θ ∂/∂θ.
		grad[0] = -gR * r / d.weight
		grad[1] = -gAlpha * alpha / d.weight
		grad[2] = -gA * a / d.weight
		grad[3] = -gB * b / d.weight
	}
	return -ll / d.weight
}

func (m BGNBD) validate() error {
	for _, v := range []float64{m.R, m.Alpha, m.A, m.B} {
		if !(v > 0) || !finite(v) {
			return fmt.Errorf("BG/NBD parameters r=%g alpha=%g a=%g b=%g must be positive and finite (fit the model first): %w",
				m.R, m.Alpha, m.A, m.B, ErrInvalid)
		}
	}
	return nil
}

func (m BGNBD) check(op string, x, tx, T float64) error {
	if err := m.validate(); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	if err := (Summary{X: x, Tx: tx, T: T}).Validate(); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	return nil
}

func checkHorizon(op string, t float64) error {
	if !(t >= 0) || !finite(t) {
		return fmt.Errorf("%s: horizon t=%g must be a finite number ≥ 0: %w", op, t, ErrInvalid)
	}
	return nil
}

// PAlive is the probability that a customer with x repeat purchases, the
// last at tx, is still active at age T (equation 13 of the Marketing Science
// paper, computed in logs). A customer without repeat purchases is active
// for certain: in the BG/NBD model one can only lapse just after a purchase.
func (m BGNBD) PAlive(x, tx, T float64) (float64, error) {
	if err := m.check("clv.BGNBD.PAlive", x, tx, T); err != nil {
		return 0, err
	}
	return m.pAlive(x, tx, T), nil
}

func (m BGNBD) pAlive(x, tx, T float64) float64 {
	if x == 0 {
		return 1
	}
	// 1 / (1 + e^u), u = ln(a/(b+x−1)) + (r+x) ln((α+T)/(α+tx))
	u := math.Log(m.A) - math.Log(m.B+x-1) + (m.R+x)*math.Log1p((T-tx)/(m.Alpha+tx))
	return math.Exp(-logSumExp(0, u))
}

// ExpectedPurchases is E[X(t)], the number of purchases a customer is
// expected to make in the first t time units after his first (equation 9).
func (m BGNBD) ExpectedPurchases(t float64) (float64, error) {
	const op = "clv.BGNBD.ExpectedPurchases"
	if err := m.validate(); err != nil {
		return 0, fmt.Errorf("%s: %w", op, err)
	}
	if err := checkHorizon(op, t); err != nil {
		return 0, err
	}
	// Equation 9 is equation 10 for a customer of age 0 with no history.
	return m.conditional(op, t, 0, 0, 0)
}

// ConditionalExpectedPurchases is E[Y(t) | x, tx, T], the number of purchases
// expected in the next t time units of a customer with x repeat purchases,
// the last at tx, now of age T (equation 10 of the Marketing Science paper):
//
//	E = (a+b+x−1)/(a−1) · [1 − ((α+T)/(α+T+t))^(r+x) · 2F1(r+x, b+x; a+b+x−1; z)] · PAlive,
//	z = t/(α+T+t).
//
// See expectation.go for how it is computed. Errors wrap ErrInvalid, or
// ErrNotConverged should no method reach full precision.
func (m BGNBD) ConditionalExpectedPurchases(t, x, tx, T float64) (float64, error) {
	const op = "clv.BGNBD.ConditionalExpectedPurchases"
	if err := m.check(op, x, tx, T); err != nil {
		return 0, err
	}
	if err := checkHorizon(op, t); err != nil {
		return 0, err
	}
	return m.conditional(op, t, x, tx, T)
}

func (m BGNBD) conditional(op string, t, x, tx, T float64) (float64, error) {
	e, err := m.activeExpectation(t, x, T)
	if err != nil {
		return 0, fmt.Errorf("%s: t=%g x=%g tx=%g T=%g: %w", op, t, x, tx, T, err)
	}
	return e * m.pAlive(x, tx, T), nil
}
