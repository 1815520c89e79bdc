package clv

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/diff/fd"
	"gonum.org/v1/gonum/integrate/quad"
	"gonum.org/v1/gonum/stat/distuv"
)

// activeBySeries is E[Y(t) | active] from equation 10 in its original form,
// (a+b+x−1)/(a−1) · [1 − (1−z)^(r+x) 2F1(r+x, b+x; a+b+x−1; z)], with the
// series of 2F1 summed term by term in logs. With r+x, b+x, a+b+x−1 > 0 every
// term is positive, so the sum is accurate however large it grows: a
// reference that shares nothing with the Euler transform, the bounds and the
// quadrature of the package.
func activeBySeries(tb testing.TB, m BGNBD, t, x, T float64) float64 {
	z := t / (m.Alpha + T + t)
	a, b, c := m.R+x, m.B+x, m.A+m.B+x-1
	if c <= 0 {
		tb.Fatalf("c = %g: the terms are not all positive", c)
	}
	lnTerm, lnSum := 0.0, 0.0
	for n := 0.0; n < 1e7; n++ {
		ratio := (a + n) * (b + n) / ((c + n) * (n + 1)) * z
		lnTerm += math.Log(ratio)
		lnSum = logSumExp(lnSum, lnTerm)
		if ratio < 1 && lnTerm < lnSum-45 && n > (a+b)/(1-z) {
			lnP := (m.R+x)*math.Log1p(-z) + lnSum
			return c / (m.A - 1) * -math.Expm1(lnP)
		}
	}
	tb.Fatalf("2F1(%g, %g; %g; %g): the series did not converge", a, b, c, z)
	return 0
}

// The package's expectation against the direct series, across heavy buyers,
// long horizons (z up to 0.9999), parameters for which the Euler series would
// cancel (r ≫ a+b) and a case on which the Cephes 2F1 of gonum loops.
func TestExpectationAgreesWithTheDirectSeries(t *testing.T) {
	for _, m := range []BGNBD{
		{R: 0.2425945, Alpha: 4.4136019, A: 0.7929199, B: 2.4258881}, // CDNOW, a < 1
		{R: 1.5, Alpha: 20, A: 3.2, B: 7.5},                          // a > 1
		{R: 20, Alpha: 3, A: 0.5, B: 0.8},                            // r ≫ a+b
		{R: 100, Alpha: 0.01, A: 50, B: 100},                         // homogeneous customers
		{R: 0.5, Alpha: 2, A: 1.0005, B: 1.5},                        // a ≈ 1
	} {
		for _, c := range []struct{ t, x, tx, T float64 }{
			{78, 0, 0, 0}, {39, 2, 30.43, 38.86}, {520, 1, 1.71, 38.86}, {52, 20, 30, 31},
			{1000, 40, 38, 38.86}, {5, 7, 29.43, 38.86}, {5200, 500, 100, 100}, {1e5, 3, 9, 10},
		} {
			got, err := m.activeExpectation(c.t, c.x, c.T)
			if err != nil {
				t.Fatal(err)
			}
			want := activeBySeries(t, m, c.t, c.x, c.T)
			if math.Abs(got/want-1) > 1e-7 {
				t.Errorf("%+v, %+v: %.10g, series %.10g", m, c, got, want)
			}
		}
	}
}

// Across extreme parameters and horizons every expectation is a finite
// number that grows with the horizon: no NaN, no error, no endless loop.
func TestExpectationIsFiniteAndGrowsWithTheHorizon(t *testing.T) {
	for _, m := range []BGNBD{
		{R: 0.2426, Alpha: 4.41, A: 0.79, B: 2.43},
		{R: 100, Alpha: 0.01, A: 50, B: 100},
		{R: 0.01, Alpha: 1000, A: 0.05, B: 0.05},
		{R: 3, Alpha: 2, A: 2, B: 1}, // integer c−a−b in both forms
		{R: 1, Alpha: 1, A: 1, B: 3}, // a = 1 exactly
		{R: 50, Alpha: 0.5, A: 0.3, B: 0.4},
	} {
		for _, c := range []struct{ x, tx, T float64 }{{0, 0, 0}, {1, 1, 1}, {3, 2, 5}, {100, 30, 38}, {500, 100, 100}, {2000, 300, 310}} {
			previous := 0.0
			for _, tt := range []float64{1e-9, 0.5, 39, 520, 5200, 1e6, 1e12} {
				v, err := m.ConditionalExpectedPurchases(tt, c.x, c.tx, c.T)
				if err != nil || !finite(v) || v < previous*(1-1e-9) {
					t.Errorf("%+v %+v t=%g: %v, %v (previous %g)", m, c, tt, v, err, previous)
				}
				previous = v
			}
		}
	}
}

// Where both methods apply, they agree to far more digits than matter.
func TestSeriesAndIntegralAgree(t *testing.T) {
	for _, m := range []BGNBD{
		{R: 0.2425945, Alpha: 4.4136019, A: 0.7929199, B: 2.4258881},
		{R: 1.5, Alpha: 20, A: 3.2, B: 7.5},
		{R: 0.05, Alpha: 0.3, A: 0.2, B: 15},
		// A customer base that hardly churns: the series' parameters are
		// large, and it must still apply (it once gave up after 100,000
		// terms, and each customer's CLV took tens of milliseconds).
		{R: 1, Alpha: 5, A: 0.05, B: 5000},
		{R: 1, Alpha: 5, A: 0.02, B: 50000},
	} {
		for _, x := range []float64{0, 1, 5, 60} {
			for _, z := range []float64{1e-6, 0.01, 0.3, 0.7, 0.9, 0.949} {
				T := 30.0
				tt := z / (1 - z) * (m.Alpha + T)
				series, ok := m.seriesExpectation(tt, x, T)
				if !ok {
					t.Fatalf("%+v x=%g z=%g: the series does not apply", m, x, z)
				}
				integral, err := m.integralExpectation(tt, x, T)
				if err != nil {
					t.Fatal(err)
				}
				if math.Abs(series/integral-1) > 1e-9 {
					t.Errorf("%+v x=%g z=%g: series %.12g, integral %.12g", m, x, z, series, integral)
				}
			}
		}
	}
}

// PAlive against Bayes' rule applied numerically to the individual-level
// model of section 2 of the paper: a customer with purchase rate λ and
// dropout probability p who is still active has likelihood λ^x (1−p)^x e^(−λT);
// one who lapsed after his last purchase has p (1−p)^(x−1) λ^x e^(−λ tx). The
// integrals over the gamma and beta mixing distributions are taken by
// quadrature, with no use of the closed form of equation 13.
func TestPAliveAgreesWithNumericalIntegration(t *testing.T) {
	m := BGNBD{R: 0.2425945, Alpha: 4.4136019, A: 0.7929199, B: 2.4258881}
	// ∫ λ^x e^(−λs) gamma(λ; r, α) dλ. With u = λ(α+s) the integrand is
	// C u^(k−1) e^(−u), k = r+x; with u = w² it becomes 2C w^(2k−1) e^(−w²),
	// smooth at 0, and negligible beyond w = 15.
	rateIntegral := func(x, s float64) float64 {
		lg, _ := math.Lgamma(m.R)
		k := m.R + x
		lnC := m.R*math.Log(m.Alpha) - lg - k*math.Log(m.Alpha+s)
		g := func(w float64) float64 { return 2 * math.Exp(lnC+(2*k-1)*math.Log(w)-w*w) }
		return quad.Fixed(g, 0, 15, 2000, nil, 0)
	}
	// ∫ p^i (1−p)^j beta(p; a, b) dp, with the singular factor p^(a−1)
	// taken out the same way (p = w^(1/(a+i))).
	lb := func(a, b float64) float64 {
		la, _ := math.Lgamma(a)
		lbb, _ := math.Lgamma(b)
		lab, _ := math.Lgamma(a + b)
		return la + lbb - lab
	}
	dropIntegral := func(i, j float64) float64 {
		k := m.A + i
		g := func(w float64) float64 {
			p := math.Pow(w, 1/k)
			return math.Exp((m.B+j-1)*math.Log1p(-p)-lb(m.A, m.B)) / k
		}
		return quad.Fixed(g, 0, 1, 2000, nil, 0)
	}
	for _, c := range []struct{ x, tx, T float64 }{
		{1, 1.71, 38.86}, {2, 30.43, 38.86}, {7, 29.43, 38.86}, {5, 2, 38}, {12, 35, 36},
	} {
		alive := rateIntegral(c.x, c.T) * dropIntegral(0, c.x)
		lapsed := rateIntegral(c.x, c.tx) * dropIntegral(1, c.x-1)
		want := alive / (alive + lapsed)
		got, err := m.PAlive(c.x, c.tx, c.T)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(got-want) > 1e-6 {
			t.Errorf("PAlive(%g, %g, %g) = %.8f, by integration %.8f", c.x, c.tx, c.T, got, want)
		}
	}
	if p, _ := m.PAlive(0, 0, 38.86); p != 1 {
		t.Errorf("PAlive without repeat purchases = %g, want 1: one lapses only after a purchase", p)
	}
}

// simulate draws n customers from the two models' stories (sections 2 of the
// papers): purchase rate λ ~ gamma(r, α), dropout probability p ~ beta(a, b),
// purchases a Poisson process at rate λ until the customer drops out, which
// he does after each purchase with probability p; ages T uniform on
// [20, 50]; each purchase worth gamma(pv, ν), ν ~ gamma(q, γ) per customer.
func simulate(n int, bg BGNBD, gg GammaGamma, seed uint64) []Summary {
	src := rand.NewPCG(seed, 1)
	uniform := rand.New(src)
	rate := distuv.Gamma{Alpha: bg.R, Beta: bg.Alpha, Src: src}
	dropout := distuv.Beta{Alpha: bg.A, Beta: bg.B, Src: src}
	scale := distuv.Gamma{Alpha: gg.Q, Beta: gg.Gamma, Src: src}
	out := make([]Summary, n)
	for i := range out {
		s := Summary{ID: int64(i), T: 20 + 30*uniform.Float64()}
		lambda, p := rate.Rand(), dropout.Rand()
		for t := uniform.ExpFloat64() / lambda; t <= s.T; t += uniform.ExpFloat64() / lambda {
			s.X++
			s.Tx = t
			if uniform.Float64() < p {
				break
			}
		}
		if s.X > 0 {
			value := distuv.Gamma{Alpha: gg.P, Beta: scale.Rand(), Src: src}
			for range int(s.X) {
				s.MeanValue += value.Rand() / s.X
			}
		}
		out[i] = s
	}
	return out
}

var (
	trueBGNBD      = BGNBD{R: 0.6, Alpha: 5, A: 0.8, B: 2.5}
	trueGammaGamma = GammaGamma{P: 4, Q: 5, Gamma: 60}
)

// Fitted on 20,000 simulated customers, the models recover the parameters
// they were simulated with, within about four standard errors (scaled from
// those of the CDNOW fit: 2% for r, 3% for α, 8% for a, 10% for b).
func TestFitsRecoverSimulatedParameters(t *testing.T) {
	s := simulate(20000, trueBGNBD, trueGammaGamma, 7)
	bg, err := FitBGNBD(s)
	if err != nil {
		t.Fatal(err)
	}
	gg, err := FitGammaGamma(s)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("BG/NBD %+v\nGamma-Gamma %+v", bg, gg)
	for _, c := range []struct {
		name           string
		got, want, tol float64
	}{
		{"r", bg.R, trueBGNBD.R, 0.08}, {"alpha", bg.Alpha, trueBGNBD.Alpha, 0.12},
		{"a", bg.A, trueBGNBD.A, 0.32}, {"b", bg.B, trueBGNBD.B, 0.4},
		{"p", gg.P, trueGammaGamma.P, 0.15}, {"q", gg.Q, trueGammaGamma.Q, 0.25}, {"gamma", gg.Gamma, trueGammaGamma.Gamma, 0.3},
	} {
		if math.Abs(c.got/c.want-1) > c.tol {
			t.Errorf("%s = %.4f, simulated with %g", c.name, c.got, c.want)
		}
	}
}

// The analytic gradient against central finite differences of the
// log-likelihood, for both models, at and away from the maximum.
func TestGradientsAgreeWithFiniteDifferences(t *testing.T) {
	s := simulate(3000, trueBGNBD, trueGammaGamma, 11)
	bg, err := newBGData(s)
	if err != nil {
		t.Fatal(err)
	}
	gg, err := newGGData(s)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name  string
		f     objective
		theta []float64
	}{
		{"BG/NBD near the maximum", bg.negMeanLL, logs(0.6, 5, 0.8, 2.5)},
		{"BG/NBD away", bg.negMeanLL, logs(1.3, 0.5, 2.5, 0.3)},
		{"Gamma-Gamma near the maximum", gg.negMeanLL, logs(4, 5, 60)},
		{"Gamma-Gamma away", gg.negMeanLL, logs(0.8, 12, 2)},
	} {
		got := make([]float64, len(c.theta))
		c.f(c.theta, got)
		want := fd.Gradient(nil, func(x []float64) float64 { return c.f(x, nil) }, c.theta,
			&fd.Settings{Formula: fd.Central, Step: 1e-5})
		for i := range got {
			if math.Abs(got[i]-want[i]) > 1e-7*math.Max(1, math.Abs(want[i])) {
				t.Errorf("%s: ∂/∂θ%d = %.10g, finite differences %.10g", c.name, i, got[i], want[i])
			}
		}
	}
}

func logs(v ...float64) []float64 {
	for i := range v {
		v[i] = math.Log(v[i])
	}
	return v
}

// The log-likelihood of one customer as the product of equation 6 written
// out plainly, for small x where nothing overflows, against the logsumexp
// form the fit maximises.
func TestLogLikelihoodMatchesEquation6(t *testing.T) {
	m := BGNBD{R: 0.243, Alpha: 4.414, A: 0.793, B: 2.426}
	beta := func(a, b float64) float64 { return math.Gamma(a) * math.Gamma(b) / math.Gamma(a+b) }
	for _, s := range []Summary{{X: 0, T: 38.86}, {X: 1, Tx: 1.71, T: 38.86}, {X: 2, Tx: 30.43, T: 38.86}, {X: 6, Tx: 20, T: 30}} {
		common := math.Gamma(m.R+s.X) * math.Pow(m.Alpha, m.R) / math.Gamma(m.R)
		l := beta(m.A, m.B+s.X) / beta(m.A, m.B) * common / math.Pow(m.Alpha+s.T, m.R+s.X)
		if s.X > 0 {
			l += beta(m.A+1, m.B+s.X-1) / beta(m.A, m.B) * common / math.Pow(m.Alpha+s.Tx, m.R+s.X)
		}
		got, err := m.LogLikelihoodOf([]Summary{s})
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(got-math.Log(l)) > 1e-12 {
			t.Errorf("%+v: ln L = %.15g, equation 6 gives %.15g", s, got, math.Log(l))
		}
	}
	// A customer who bought every day for years: the plain product
	// underflows to 0, the logsumexp form stays finite.
	heavy := Summary{X: 2000, Tx: 300, T: 310}
	if ll, err := m.LogLikelihoodOf([]Summary{heavy}); err != nil || !finite(ll) {
		t.Errorf("heavy buyer: %g, %v", ll, err)
	}
}

func TestBGNBDRejectsInvalidInput(t *testing.T) {
	m := BGNBD{R: 0.243, Alpha: 4.414, A: 0.793, B: 2.426}
	for _, c := range []struct {
		name     string
		x, tx, T float64
		t        float64
		model    BGNBD
	}{
		{"negative x", -1, 0, 10, 1, m},
		{"fractional x", 1.5, 2, 10, 1, m},
		{"NaN x", math.NaN(), 2, 10, 1, m},
		{"negative tx", 1, -2, 10, 1, m},
		{"tx after T", 1, 12, 10, 1, m},
		{"tx without repeats", 0, 2, 10, 1, m},
		{"infinite T", 1, 2, math.Inf(1), 1, m},
		{"negative horizon", 1, 2, 10, -1, m},
		{"NaN horizon", 1, 2, 10, math.NaN(), m},
		{"model not fitted", 1, 2, 10, 1, BGNBD{}},
		{"negative parameter", 1, 2, 10, 1, BGNBD{R: -0.2, Alpha: 4, A: 0.8, B: 2.4}},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := c.model.ConditionalExpectedPurchases(c.t, c.x, c.tx, c.T)
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("ConditionalExpectedPurchases: %v, want ErrInvalid", err)
			}
			if c.t == 1 {
				if _, err := c.model.PAlive(c.x, c.tx, c.T); !errors.Is(err, ErrInvalid) {
					t.Errorf("PAlive: %v, want ErrInvalid", err)
				}
			}
		})
	}
	if _, err := m.ExpectedPurchases(-3); !errors.Is(err, ErrInvalid) {
		t.Errorf("ExpectedPurchases(-3): %v", err)
	}
	if v, err := m.ExpectedPurchases(0); v != 0 || err != nil {
		t.Errorf("ExpectedPurchases(0) = %g, %v", v, err)
	}
}

func TestFitBGNBDErrors(t *testing.T) {
	repeaters := func(n int) []Summary {
		var s []Summary
		for i := range n {
			s = append(s, Summary{ID: int64(i), X: float64(i % 3), Tx: float64(i % 3 * 5), T: 20 + float64(i)})
		}
		return s
	}
	// Everybody buys exactly once a week and never lapses: no heterogeneity
	// in rates and no dropout, so r, α and b run off to infinity.
	clockwork := make([]Summary, 50)
	for i := range clockwork {
		clockwork[i] = Summary{ID: int64(i), X: 30, Tx: 30, T: 30}
	}
	withNaN := repeaters(20)
	withNaN[7].T = math.NaN()
	for _, c := range []struct {
		name string
		s    []Summary
		want error
	}{
		{"no customers", nil, ErrTooFewCustomers},
		{"too few customers", repeaters(MinCustomers - 1), ErrTooFewCustomers},
		{"nobody bought again", make([]Summary, 40), ErrNoRepeaters},
		{"an invalid summary", withNaN, ErrInvalid},
		{"no maximum", clockwork, ErrNotConverged},
	} {
		t.Run(c.name, func(t *testing.T) {
			m, err := FitBGNBD(c.s)
			if !errors.Is(err, c.want) {
				t.Errorf("got %+v, %v; want %v", m, err, c.want)
			}
			t.Log(err)
		})
	}
}
