package clv

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/optimize"
)

// objective is a negative mean log-likelihood over log-parameters. With grad
// non-nil it also stores the gradient there. Dividing by the number of
// customers makes the convergence thresholds below independent of the
// sample size.
type objective func(theta, grad []float64) float64

// Bounds on log-parameters. A maximum beyond them (a parameter below e^-25 or
// above e^25) means that the likelihood keeps rising as a parameter runs off
// to zero or infinity: the data cannot identify the model.
const maxLogParam = 25

// Convergence is judged on the gradient of the mean log-likelihood in
// log-parameters. BFGS aims at gradientTolerance; near it the function
// changes by less than its rounding error (a gradient g moves the mean
// log-likelihood by about g²/curvature), so a line search that stops short
// of it is accepted when every component is within acceptGradient (relative
// to the mean log-likelihood when that exceeds 1). On CDNOW that leaves the
// parameters within 1e-5 of the maximum, well inside the published digits.
const (
	gradientTolerance = 1e-9
	acceptGradient    = 1e-7
)

// maximize finds the maximum-likelihood log-parameters from start. It runs
// BFGS; should that stop early (a line search that cannot progress where the
// surface is flat or ill-conditioned), Nelder-Mead, which needs no gradient,
// walks from where BFGS stopped and BFGS polishes its result.
func maximize(f objective, start []float64, names []string) ([]float64, error) {
	problem := optimize.Problem{
		Func: func(theta []float64) float64 {
			v := f(theta, nil)
			if math.IsNaN(v) {
				return math.Inf(1)
			}
			return v
		},
		Grad: func(grad, theta []float64) { f(theta, grad) },
	}
	bfgs := func(from []float64) (*optimize.Result, error) {
		return optimize.Minimize(problem, from, &optimize.Settings{
			GradientThreshold: gradientTolerance,
			Converger:         &optimize.FunctionConverge{Absolute: 1e-14, Relative: 1e-14, Iterations: 25},
			MajorIterations:   1000,
		}, &optimize.BFGS{})
	}

	// The optimisers' own statuses are not the verdict: a line search that
	// fails at the precision floor is common and harmless. accepted is.
	theta := start
	if res, _ := bfgs(theta); res != nil && res.F <= f(theta, nil) {
		theta = res.X
	}
	if !accepted(f, theta) {
		nm, _ := optimize.Minimize(problem, theta, &optimize.Settings{
			Converger:       &optimize.FunctionConverge{Absolute: 1e-13, Iterations: 200},
			MajorIterations: 20000,
		}, &optimize.NelderMead{})
		if nm != nil && nm.F <= f(theta, nil) {
			theta = nm.X
		}
		if res, _ := bfgs(theta); res != nil && res.F <= f(theta, nil) {
			theta = res.X
		}
	}

	for i, v := range theta {
		if math.Abs(v) > maxLogParam {
			return nil, fmt.Errorf("parameter %s runs off to %.3g, the data do not determine the model: %w",
				names[i], math.Exp(v), ErrNotConverged)
		}
	}
	if !accepted(f, theta) {
		grad := make([]float64, len(theta))
		v := f(theta, grad)
		return nil, fmt.Errorf("no maximum found (mean log-likelihood %g, gradient %v): %w", -v, grad, ErrNotConverged)
	}
	return theta, nil
}

// accepted reports whether theta is a finite stationary point.
func accepted(f objective, theta []float64) bool {
	grad := make([]float64, len(theta))
	v := f(theta, grad)
	if !finite(v) {
		return false
	}
	for _, g := range grad {
		if !(math.Abs(g) <= acceptGradient*math.Max(1, math.Abs(v))) {
			return false
		}
	}
	return true
}

// logSumExp is ln(e^a + e^b) without overflow or underflow.
func logSumExp(a, b float64) float64 {
	if a < b {
		a, b = b, a
	}
	return a + math.Log1p(math.Exp(b-a))
}

func expAll(theta []float64) []float64 {
	out := make([]float64, len(theta))
	for i, v := range theta {
		out[i] = math.Exp(v)
	}
	return out
}
