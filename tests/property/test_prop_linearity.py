"""Linearity in n (Thm 4.3 / Cor 4.4 / Thm F.1): E_test(n) = E_test(n_min) + (n − n_min)·σ0²ρ.

Theory: exactly affine in n (collapse = n·σ0²·ρ, every other part n-independent; second differences vanish).
Simulation: the slope fitted over n (weighted least squares on n_min, the midpoint and N) agrees with σ0²ρ
within k standard errors of the slope, plus the calibrated allowance on σ0²ρ for deterministic
equivalents (0 for Thm 4.1). n_min = 0 for T0 >= d; n_min = 1 for the shared over-parametrised chain
(Eq. 18), whose n = 0 point has no projection P0.
"""

import math

import numpy as np
from _helpers import K, examples
from hypothesis import given, settings
from hypothesis import strategies as st

from symcollapse.compare import relative_allowance
from symcollapse.simulate.monte_carlo import simulate
from symcollapse.testing import assert_mc_agrees, problems, seeds
from symcollapse.theory.evaluate import predict


def _theory_affine(p, n_min, N):
    totals = [float(predict(p.replace(n=n), normalization="finite").total) for n in range(n_min, N + 1)]
    th = predict(p.replace(n=N), normalization="finite")
    slope = float(p.chain.sigma0) ** 2 * float(th.rho)
    scale = max(abs(t) for t in totals)
    for i, t in enumerate(totals):
        assert math.isclose(t, totals[0] + i * slope, rel_tol=0, abs_tol=1e-12 * scale), (i, t, totals[0], slope)
    assert math.isclose(float(th.collapse), N * slope, rel_tol=1e-12, abs_tol=1e-300)
    return th, slope


def _mc_slope(p, ns, reps, seed):
    """Least-squares slope of the MC means over ``ns`` and its standard error (independent runs)."""
    means, ses = [], []
    for i, n in enumerate(ns):
        r = simulate(p.replace(n=n), reps=reps, seed=seed + i)
        means.append(r.mean)
        ses.append(r.stderr)
    x, y, se = np.array(ns, float), np.array(means), np.array(ses)
    dx = x - x.mean()
    sxx = float(np.sum(dx**2))
    return float(np.sum(dx * y) / sxx), float(math.sqrt(np.sum(dx**2 * se**2)) / sxx)


def _noisy_chain(p):
    # σ0 = 0 makes the slope trivially 0; give the chain noise (a map, not a filter)
    return p if float(p.chain.sigma0) > 0 else p.replace(sigma0=1)


@settings(max_examples=examples(1.0))
@given(st.sampled_from(["ols-exact", "cor44"]).flatmap(lambda r: problems(r, d=(4, 24), n=(4, 20), mc=True))
       .map(_noisy_chain), seeds())
def test_slope_in_n_under_parametrised_chain(p, seed):
    N = p.chain.n
    th, slope = _theory_affine(p, 0, N)
    est, se = _mc_slope(p, [0, N // 2, N], 400, seed)
    allow = relative_allowance(p, th) * abs(slope)
    assert_mc_agrees(f"slope σ0²ρ ({th.regime.key})", slope, est, se, K, allow, context=p)


@settings(max_examples=examples(0.4))
@given(problems("eq18", d=(12, 32), n=(4, 12), mc=True), seeds())
def test_slope_in_n_shared_overparametrised_chain(p, seed):
    N = p.chain.n
    th, slope = _theory_affine(p, 1, N)
    est, se = _mc_slope(p, [1, (N + 1) // 2, N], 300, seed)
    allow = relative_allowance(p, th) * abs(slope)
    assert_mc_agrees(f"slope σ0²ρ ({th.regime.key})", slope, est, se, K, allow, context=p)
