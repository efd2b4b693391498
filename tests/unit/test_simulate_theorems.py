"""Monte-Carlo against the paper's exact finite-sample statements (closed formulas written inline here:
the simulate package must not depend on symcollapse.theory, and neither do its tests).

* Thm 4.1 (docs/theory/results.md#results-thm41), exact for any Σ ≻ 0 with T, T0 ≥ d + 2 and λ = 0:
  E‖ŵ_pred − w0‖²_Σ = σ² d/(T − d − 1) + n σ0² d/(T0 − d − 1), and the chain alone
  E‖ŵ_n − w0‖²_Σ = n σ0² d/(T0 − d − 1).
* Thm 4.6 (docs/theory/results.md#results-thm46), exact in expectation for Σ = I, σ0 = 0, T0 < d, independent designs:
  E‖ŵ_n‖² = η‖w0‖², η = (T0/d)^n; shared design X_m ≡ X_0 (Thm 4.5 setting): T0/d for every n ≥ 1.
  With λ = 0, T > d + 1 downstream: E_test = (1 − η)‖w0‖² + σ² d/(T − d − 1).

Tolerance: |MC − exact| ≤ 4 standard errors (no allowance: these identities are exact at finite d).
All configurations have T − d + 1 > 4 and T0 − d + 1 > 4, so the errors have finite variance and the
standard error is meaningful.
"""

from __future__ import annotations

import numpy as np
import pytest

from symcollapse.simulate import monte_carlo as mc
from symcollapse.simulate._reference import reference_block
from symcollapse.spec import Chain, Problem, Ridge, Spectrum, Target

K = 4.0


def thm41(d, n, T0, T, sigma0, sigma):
    return sigma**2 * d / (T - d - 1) + n * sigma0**2 * d / (T0 - d - 1)


SPECTRA = {
    # docs/theory/results.md#results-thm41's MC check: Σ = diag(linspace(0.3, 2, 6))
    "linspace": Spectrum(eigenvalues=np.linspace(0.3, 2.0, 6)),
    "power-law": Spectrum.power_law(6, 2),
    "isotropic": Spectrum.isotropic(6),
}
REPS = {"reference": 3000, "bartlett": 40000, "collapsed": 40000, "ols-law": 200000}


# every fast sampler on every spectrum and design; the (slow) reference on docs/theory/results.md#results-thm41's anisotropic case
THM41_CASES = [("linspace", "reference", "independent")] + [
    (s, m, des) for s in SPECTRA for m in ("bartlett", "collapsed", "ols-law") for des in ("independent", "shared")
]


@pytest.mark.parametrize(("spectrum", "method", "design"), THM41_CASES, ids=["-".join(c) for c in THM41_CASES])
def test_thm41_exact_mean(spectrum, method, design):
    d, n, T0, T, sigma0, sigma = 6, 3, 14, 16, 0.7, 0.5
    p = Problem(SPECTRA[spectrum], Target(coefficients=np.linspace(-1, 1.5, d)),
                Chain(n=n, T0=T0, sigma0=sigma0, design=design), Ridge(T=T, sigma=sigma, lam=0))
    r = mc.simulate(p, REPS[method], seed=7, method=method)
    exact = thm41(d, n, T0, T, sigma0, sigma)
    assert abs(exact - 1.4266666666666667) < 1e-12  # docs/theory/results.md#results-thm41: exact 1.42667
    assert abs(r.mean - exact) <= K * r.stderr, (r.mean, r.stderr, exact)
    chain = r.chain_errors
    chain_exact = n * sigma0**2 * d / (T0 - d - 1)
    assert abs(chain.mean() - chain_exact) <= K * chain.std(ddof=1) / np.sqrt(chain.size)


def test_thm41_large_T_fast_path():
    # a larger anisotropic problem where only the fast path is practical: d = 50, T = 10⁵
    d, n, T0, T, sigma0, sigma = 50, 4, 80, 100_000, 0.3, 1.0
    p = Problem(Spectrum.power_law(d, 1.5), Target.isotropic(), Chain(n=n, T0=T0, sigma0=sigma0),
                Ridge(T=T, sigma=sigma, lam=0))
    r = mc.simulate(p, 4000, seed=3, method="collapsed")
    assert abs(r.mean - thm41(d, n, T0, T, sigma0, sigma)) <= K * r.stderr


@pytest.mark.parametrize("n", [1, 2, 3])
@pytest.mark.parametrize("design", ["independent", "shared"])
@pytest.mark.parametrize("method", ["reference", "bartlett"])
def test_thm46_eta(n, design, method):
    d, T0, T, sigma = 12, 6, 30, 0.1
    eta = (T0 / d) ** n if design == "independent" else T0 / d
    norm = 1.3
    c = np.full(d, norm / np.sqrt(d))
    if method == "reference":  # ‖ŵ_n‖² itself, from the oracle (the public result reports errors only)
        gen = np.random.default_rng(np.random.SeedSequence(46).spawn(6)[n - 1 + 3 * (design == "shared")])
        errors, chain_errors, wn2 = reference_block(
            np.ones(d), c, n, T0, 0.0, design == "shared", T, sigma, 0.0, gen, 3000
        )
        se = wn2.std(ddof=1) / np.sqrt(wn2.size)
        assert abs(wn2.mean() - eta * norm**2) <= K * se, (wn2.mean(), se, eta * norm**2)
    # the public path: chain error (1 − η)‖w0‖² and downstream error (1 − η)‖w0‖² + σ² d/(T − d − 1)
    p = Problem(Spectrum.isotropic(d), Target.isotropic(norm=norm), Chain(n=n, T0=T0, sigma0=0, design=design),
                Ridge(T=T, sigma=sigma, lam=0))
    r = mc.simulate(p, 2000 if method == "reference" else 20000, seed=n, method=method)
    assert mc.exact_methods(p)[0] == "bartlett"  # auto's choice for T0 < d
    assert abs(r.mean - ((1 - eta) * norm**2 + sigma**2 * d / (T - d - 1))) <= K * r.stderr
    ce = r.chain_errors
    assert abs(ce.mean() - (1 - eta) * norm**2) <= K * ce.std(ddof=1) / np.sqrt(ce.size)


def test_thm46_detects_the_wrong_eta():
    # power: the same data reject η = (T0/d)^(n-1) (one generation too few) decisively
    d, T0, n = 12, 6, 3
    gen = np.random.default_rng(1)
    _, _, wn2 = reference_block(np.ones(d), np.full(d, 1 / np.sqrt(d)), n, T0, 0.0, False, 30, 0.1, 0.0, gen, 3000)
    se = wn2.std(ddof=1) / np.sqrt(wn2.size)
    assert abs(wn2.mean() - (T0 / d) ** (n - 1)) > K * se
