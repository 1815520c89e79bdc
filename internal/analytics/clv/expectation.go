package clv

import (
	"fmt"
	"math"
)

// The BG/NBD expected purchases of a customer known to be active, E[Y(t) |
// active at T, x], by one of two methods that give the same number:
//
// The hypergeometric series. Equation 10 of the paper, without its PAlive
// factor, is (a+b+x−1)/(a−1) · [1 − (1−z)^(r+x) 2F1(r+x, b+x; a+b+x−1; z)]
// with z = t/(α+T+t), 1−z = (α+T)/(α+T+t). By Euler's transformation,
// 2F1(a′, b′; c; z) = (1−z)^(c−a′−b′) 2F1(c−a′, c−b′; c; z), the bracket is
// 1 − (1−z)^(a−1) 2F1(a+b−1−r, a−1; a+b+x−1; z): its series has parameters
// that do not grow with x and, once a+b−1−r ≥ −1, terms that all have one
// sign after the first, so that it sums without cancellation. It is used when
// that holds, z ≤ 0.95 (so that a few hundred terms suffice) and a is not
// within 0.001 of 1, where the bracket and a−1 both vanish.
//
// The integral. Elsewhere the expectation is integrated numerically from the
// model itself (section 2 of the paper): an active customer with purchase
// rate λ and dropout probability p makes (1 − e^(−λpt))/p purchases in t on
// average; given his history, λ is gamma(r+x, α+T) and p is beta(a, b+x), and
// integrating λ out gives
//
//	E[Y(t) | active] = ∫₀¹ (1 − (1 + pt/(α+T))^−(r+x)) / p · beta(p; a, b+x) dp,
//
// which has no singularity at a = 1, no cancellation, and is computed by
// tanh-sinh quadrature (Takahasi & Mori 1974), which copes with the
// integrable singularities of the beta density at 0 and 1.
//
// Both are bounded in work; the tests check each against the other and
// against a direct summation of the original series.
func (m BGNBD) activeExpectation(t, x, T float64) (float64, error) {
	if t == 0 {
		return 0, nil
	}
	if v, ok := m.seriesExpectation(t, x, T); ok {
		return v, nil
	}
	return m.integralExpectation(t, x, T)
}

// Where the series is used (see activeExpectation).
const (
	seriesMaxZ     = 0.95
	seriesMaxTerms = 5000
	seriesMinAOff1 = 1e-3
)

func (m BGNBD) seriesExpectation(t, x, T float64) (float64, bool) {
	a, b, r := m.A, m.B, m.R
	z := t / (m.Alpha + T + t)
	c := a + b + x - 1
	if z > seriesMaxZ || math.Abs(a-1) < seriesMinAOff1 || a+b-1-r < -1 || c < 0.5 {
		return 0, false
	}
	fMinus1, ok := hyp2f1Series(a+b-1-r, a-1, c, z)
	if !ok || !(fMinus1 > -1) {
		return 0, false
	}
	lnOneMinusZ := -math.Log1p(t / (m.Alpha + T)) // ln((α+T)/(α+T+t)), exact for small t
	v := c / (a - 1) * -math.Expm1((a-1)*lnOneMinusZ+math.Log1p(fMinus1))
	return v, finite(v) && v >= 0
}

// hyp2f1Series sums the series of 2F1(a, b; c; z) for 0 ≤ z < 1, term by
// term, until the rest is below 1e-16 of the sum; ok is false if that takes
// more than seriesMaxTerms terms. It returns 2F1 − 1, the sum of the terms
// after the first, whose logarithm log1p takes without losing the digits
// that 1 + a small sum would.
//
// The ratio of term n+1 to term n is z · (a+n)/(n+1) · (b+n)/(c+n). Once all
// factors are positive, a fraction (u+n)/(v+n) moves monotonically towards 1
// as n grows, so z · max((a+n)/(n+1), 1) · max((b+n)/(c+n), 1) bounds every
// later ratio, and so does the same with a and b swapped; ρ, the smaller of
// the two, bounds the rest of the series by |term|·ρ/(1−ρ). Both pairings
// matter: with a large and c close to it (a customer base that hardly ever
// churns fits a large b, and then a+b−1−r and a+b+x−1 are both large), only
// pairing a with c shows at once that the terms shrink by z, where the other
// pairing would keep the bound above 1 for tens of thousands of terms.
func hyp2f1Series(a, b, c, z float64) (rest float64, ok bool) {
	term := 1.0
	for n := 0.0; n < seriesMaxTerms; n++ {
		if a+n > 0 && b+n > 0 && c+n > 0 {
			rho := z * min(
				math.Max((a+n)/(n+1), 1)*math.Max((b+n)/(c+n), 1),
				math.Max((b+n)/(n+1), 1)*math.Max((a+n)/(c+n), 1))
			if rho < 1 && math.Abs(term)*rho/(1-rho) <= 1e-16*math.Abs(1+rest) {
				return rest, true
			}
		}
		term *= (a + n) * (b + n) / ((c + n) * (n + 1)) * z
		if term == 0 { // a or b is a non-positive integer: a polynomial
			return rest, true
		}
		rest += term
	}
	return 0, false
}

// Tanh-sinh quadrature: p = (1 + tanh(π/2 · sinh u))/2 maps u ∈ ℝ onto
// (0, 1); trapezoid sums in u with step h converge double exponentially. The
// range of u is first scanned with step quadStep up to ±quadMaxU (beyond
// which p is within e^−(π sinh 12) of 0 or 1), then h is halved until two
// sums agree to quadTolerance.
const (
	quadStep      = 0.5
	quadMaxU      = 12.0
	quadMinH      = 1.0 / 1024
	quadTolerance = 1e-11
)

var errQuadrature = fmt.Errorf("the numerical integration of the expected purchases did not converge: %w", ErrNotConverged)

func (m BGNBD) integralExpectation(t, x, T float64) (float64, error) {
	k := m.R + x
	kappa := t / (m.Alpha + T)
	la, _ := math.Lgamma(m.A)
	lb, _ := math.Lgamma(m.B + x)
	lab, _ := math.Lgamma(m.A + m.B + x)
	lnBeta := la + lb - lab
	// The integrand times dp/du = π cosh u · p(1−p), assembled in logs from
	// ln p and ln(1−p), each exact even where p or 1−p is below 1e-300.
	f := func(u float64) float64 {
		s := math.Pi * math.Sinh(u)
		lnP, lnQ := -log1pExp(-s), -log1pExp(s)
		// g(p) = (1 − (1+pκ)^−k)/p; below k·pκ = 1e-8 its Taylor
		// polynomial kκ(1 − (k+1)pκ/2) is exact to rounding.
		pk := math.Exp(lnP) * kappa
		var lnG float64
		if k*pk < 1e-8 {
			lnG = math.Log(k*kappa) + math.Log1p(-(k+1)*pk/2)
		} else {
			lnG = math.Log(-math.Expm1(-k*math.Log1p(pk))) - lnP
		}
		return math.Exp(lnG + m.A*lnP + (m.B+x)*lnQ - lnBeta + math.Log(math.Pi*math.Cosh(u)))
	}

	// Where the integrand is not negligible, on the coarse grid.
	var values [2*quadMaxU/quadStep + 1]float64
	peak := 0.0
	for i := range values {
		v := f(-quadMaxU + float64(i)*quadStep)
		if !finite(v) {
			return 0, errQuadrature
		}
		values[i] = v
		peak = math.Max(peak, v)
	}
	if !(peak > 0) {
		return 0, errQuadrature
	}
	first, last := len(values), -1
	for i, v := range values {
		if v > 1e-20*peak {
			first, last = min(first, i), max(last, i)
		}
	}
	if first == 0 || last == len(values)-1 {
		// Mass beyond p = e^−(π sinh 12) from 0 or 1: only for parameters
		// (a or b+x below about 1e-4) that no data set supports.
		return 0, errQuadrature
	}
	first, last = first-1, last+1
	lo, hi := -quadMaxU+float64(first)*quadStep, -quadMaxU+float64(last)*quadStep
	var sum float64
	for _, v := range values[first : last+1] {
		sum += v
	}

	integral := sum * quadStep
	for h := quadStep / 2; h >= quadMinH; h /= 2 {
		for u := lo + h; u < hi; u += 2 * h {
			sum += f(u)
		}
		next := sum * h
		if h <= 1.0/8 && math.Abs(next-integral) <= quadTolerance*math.Abs(next) {
			return next, nil
		}
		integral = next
	}
	return 0, errQuadrature
}

// log1pExp is ln(1 + e^v) without overflow.
func log1pExp(v float64) float64 {
	if v > 0 {
		return v + math.Log1p(math.Exp(-v))
	}
	return math.Log1p(math.Exp(v))
}
