"""Simulator internals: every fast sampler equals the reference (materialised designs) in distribution, on
random problems — two-sample KS on the per-replicate test and chain errors, and z-tests of mean and
variance.

Problems: ridge (λ > 0) or OLS (λ = 0) downstream with T, T0 >= 2d + 10, so the errors (inverse chi-square
mixtures with >= d + 11 degrees of freedom) have finite moments well beyond the 4th and the variance
z-test is valid. Thresholds: KS p-value >= 1e-4 and |z| <= 4.5, per check (≈ 3 checks × 3 samplers × 25
examples per CI run; a correct sampler trips one with probability ≈ 1%, the derandomized CI run is fixed).
"""

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from symcollapse.simulate.monte_carlo import exact_methods, simulate
from symcollapse.testing import log_check, problems, seeds

P_MIN = 1e-4
Z_MAX = 4.5


def _moments(x):
    m = float(x.mean())
    v = float(x.var(ddof=1))
    se_m = math.sqrt(v / x.size)
    m4 = float(np.mean((x - m) ** 4))
    se_v = math.sqrt(max(m4 - v * v, 0.0) / x.size)
    return m, se_m, v, se_v


def _z(a, sa, b, sb):
    s = math.hypot(sa, sb)
    return 0.0 if s == 0 and a == b else (a - b) / s if s > 0 else math.inf


@settings(max_examples=max(5, int(settings.default.max_examples * 0.5)))
@given(problems("cor44", d=(4, 10), n=(0, 5), mc=True), st.booleans(), seeds())
def test_fast_samplers_equal_reference_in_distribution(p, ols, seed):
    d = p.d
    p = p.replace(T=max(p.downstream.T, 2 * d + 10), T0=max(p.chain.T0, 2 * d + 10), **({"lam": 0} if ols else {}))
    ref = simulate(p, reps=500, seed=seed, method="reference")
    fast = [m for m in exact_methods(p) if m != "reference"]
    assert fast, "T, T0 >= d: a fast sampler must apply"
    for i, m in enumerate(fast):
        r = simulate(p, reps=1500, seed=seed + 1 + i, method=m)
        for what, a, b in (("test error", r.errors, ref.errors), ("chain error", r.chain_errors, ref.chain_errors)):
            # Degenerate laws (n = 0 or σ0 = 0: no chain error; σ = 0, λ = 0 as well: no test error) are a
            # constant, which the reference reaches only up to lstsq round-off (1e-30, not 0).
            scale = 1.0 + float(np.sum(p.eigenvalues * p.coefficients**2))
            if np.ptp(a) <= 1e-12 * scale and np.ptp(b) <= 1e-12 * scale:
                assert abs(a.mean() - b.mean()) <= 1e-12 * scale, (m, what, a.mean(), b.mean())
                continue
            pval = stats.ks_2samp(a, b).pvalue
            ma, sma, va, sva = _moments(a)
            mb, smb, vb, svb = _moments(b)
            zm, zv = _z(ma, sma, mb, smb), _z(va, sva, vb, svb)
            log_check(f"sampler {m} vs reference: {what} mean", zm, abs(zm) <= Z_MAX)
            log_check(f"sampler {m} vs reference: {what} variance", zv, abs(zv) <= Z_MAX)
            log_check(f"sampler {m} vs reference: {what} KS", None, pval >= P_MIN, p=pval)
            assert pval >= P_MIN, (m, what, pval, p)
            assert abs(zm) <= Z_MAX, (m, what, "mean", zm, p)
            assert abs(zv) <= Z_MAX, (m, what, "variance", zv, p)
