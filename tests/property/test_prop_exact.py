"""Results that are exact at finite size, against simulation with zero allowance (|z| <= k).

* Thm 4.1 (docs/theory/results.md#results-thm41): E_test = σ²d/(T−d−1) + nσ0²d/(T0−d−1) for any Σ, either design; the chain error
  alone is nσ0²d/(T0−d−1).
* Thm 4.6 (§2.7), Σ = sI, σ0 = 0, T0 < d, independent designs: E‖ŵ_n − w0‖²_Σ = (1 − φ0⁻ⁿ)·s‖w0‖² exactly
  in expectation, and with OLS downstream E_test = (1 − φ0⁻ⁿ)s‖w0‖² + σ²d/(T−d−1).
* Thm 4.5 (§2.6), shared design: the same with η = T0/d for every n >= 1 — n-independent.

Problems come from symcollapse.testing (regime-aware strategies), seeds from Hypothesis.
"""

import math

from _helpers import K, check_comparison, examples
from hypothesis import given, settings
from hypothesis import strategies as st

from symcollapse.compare import compare
from symcollapse.simulate.monte_carlo import simulate
from symcollapse.testing import assert_mc_agrees, problems, seeds
from symcollapse.theory.evaluate import predict


def _check(c):
    check_comparison(c)


@settings(max_examples=examples(2.0))
@given(problems("ols-exact", d=(4, 40), mc=True), seeds(), st.sampled_from(["ols-law", "collapsed", "bartlett"]))
def test_thm41_exact_identity_any_sigma(p, seed, method):
    reps = 3000 if method == "ols-law" else 300
    c = compare(p, reps=reps, seed=seed, k=K, method=method)
    assert c.theory.regime.key == "thm41" and c.theory.kind == "exact" and c.allowance == 0
    d, T, T0, n = p.d, p.downstream.T, p.chain.T0, p.chain.n
    s2, s02 = float(p.downstream.sigma) ** 2, float(p.chain.sigma0) ** 2
    identity = s2 * d / (T - d - 1) + n * s02 * d / (T0 - d - 1)
    assert math.isclose(c.value, identity, rel_tol=1e-12, abs_tol=1e-300)
    _check(c)
    chain = c.mc.chain_errors
    assert_mc_agrees("Thm 4.1 chain", n * s02 * d / (T0 - d - 1), float(chain.mean()),
                     float(chain.std(ddof=1) / math.sqrt(chain.size)), K, context=p)


def _signal(p):
    return float((p.eigenvalues * p.coefficients**2).sum())  # ‖w0‖²_Σ


@settings(max_examples=examples(0.6))
@given(problems("thm46", d=(4, 40), n=(0, 8), mc=True), seeds())
def test_thm46_independent_designs_lose_the_signal_geometrically(p, seed):
    n, phi0 = p.chain.n, p.phi0
    delta_bias = (1 - phi0**-n) * _signal(p)
    th = predict(p, normalization="finite")
    assert math.isclose(float(th.delta_bias), delta_bias, rel_tol=1e-12, abs_tol=1e-15)
    c = compare(p, reps=300, seed=seed, k=K)
    assert c.theory.kind == "exact"
    _check(c)
    chain = c.mc.chain_errors
    assert_mc_agrees("Thm 4.6 ΔBias", delta_bias, float(chain.mean()),
                     float(chain.std(ddof=1) / math.sqrt(chain.size)), K, context=p)


@settings(max_examples=examples(0.6))
@given(problems("thm45", d=(4, 40), n=(1, 8), mc=True), st.integers(1, 12), seeds())
def test_thm45_shared_design_growth_is_n_independent(p, extra, seed):
    delta_bias = (1 - 1 / p.phi0) * _signal(p)
    c = compare(p, reps=300, seed=seed, k=K)
    assert c.theory.kind == "exact"
    _check(c)
    far = simulate(p.replace(n=p.chain.n + extra), reps=300, seed=seed + 1)
    means, ses = [], []
    for errs in (c.mc.chain_errors, far.chain_errors):
        m, se = float(errs.mean()), float(errs.std(ddof=1) / math.sqrt(errs.size))
        assert_mc_agrees("Thm 4.5 ΔBias", delta_bias, m, se, K, context=p)
        means.append(m)
        ses.append(se)
    # n-independence directly: the two generations' chain errors agree with each other
    assert_mc_agrees("Thm 4.5 n-independence", 0.0, means[1] - means[0], math.hypot(*ses), K, context=p)
