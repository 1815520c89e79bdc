// Package clv estimates customer lifetime value and the probability that a
// customer is still buying (MISSION.md C4) from each customer's purchase
// history alone: pure functions over slices, no SQL, no HTTP.
//
// Two models are fitted by maximum likelihood and then combined:
//
//   - BG/NBD (Fader, Hardie & Lee 2005, "Counting Your Customers the Easy Way:
//     An Alternative to the Pareto/NBD Model", Marketing Science 24(2):275–284)
//     for how often a customer buys and when he quietly stops: while active, a
//     customer buys at a rate λ (gamma distributed across customers, shape r,
//     rate α); after each purchase he becomes inactive with probability p (beta
//     distributed, a, b).
//   - Gamma-Gamma (Fader, Hardie & Lee 2005, "RFM and CLV: Using Iso-Value
//     Curves for Customer Base Analysis", Journal of Marketing Research
//     42(4):415–430; Fader & Hardie 2013, "The Gamma-Gamma Model of Monetary
//     Value", brucehardie.com/notes/025) for how much a customer spends per
//     purchase: values are gamma(p, ν) around the customer's own mean, ν is
//     gamma(q, γ) across customers. It assumes spend is independent of
//     purchase frequency.
//
// # The summary of a customer
//
// Both models see a customer only through a [Summary] of one calibration
// period: X, the number of repeat purchases (purchases after the first);
// Tx, when the last one happened, measured from the first purchase; T, the
// customer's age at the end of the period, also from the first purchase; and
// MeanValue, the mean value of the repeat purchases. Times are in one unit of
// the caller's choosing (weeks in the papers); every prediction comes back in
// that unit. [Summarize] builds summaries from raw transactions with the
// conventions of the papers and of the published CDNOW summaries: see there.
//
// # Numerics
//
// Parameters are estimated in log space (all are positive) with BFGS and
// analytic gradients; BG/NBD customers with identical summaries are counted
// once with a weight, which makes a fit of thousands of customers take
// milliseconds. The BG/NBD log-likelihood is evaluated as ln A1 + ln A2 +
// logsumexp(ln A3, ln A4) (Fader & Hardie 2013, "Overcoming the BG/NBD
// Model's #NUM! Error Problem", brucehardie.com/notes/027), which neither
// overflows nor underflows for heavy buyers. The conditional expectation
// needs the Gaussian hypergeometric function 2F1, whose series converges
// slowly or cancels for some parameters; where it would, the same
// expectation is integrated numerically from the model's definition instead
// (expectation.go). Every computation is bounded: none can loop for long.
package clv
