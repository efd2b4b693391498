"""The exact fast samplers against the plain-numpy reference: algebra per realisation, law in distribution.

Two kinds of checks:

* *Algebra* — given the same Bartlett factors and Gaussian vectors, the numba kernels return what a direct
  numpy evaluation of the formulas in their docstrings returns (to rounding).
* *Law* — each fast sampler's per-replicate errors have the distribution of the reference sampler's
  (which materialises every design matrix): mean and variance z-scores and a two-sample KS test, on
  isotropic and power-law spectra, with λ = 0 and λ > 0, independent and shared designs.

Thresholds. There are about 70 statistics in this file. |z| ≤ 4.5 has two-sided probability 6.8e-6 under
the null and KS p ≥ 1e-4 has probability 1e-4, so a correct sampler fails this file with probability
below about 1e-2 for a random seed (the seeds here are fixed, so the outcome is deterministic). The
configurations keep T − d + 1 ≥ 10 and T0 − d + 1 ≥ 10, so that the errors have finite fourth moments
(the inverse chi-squares need k > 8) and the variance z-score is a valid statistic. Power: an off-by-one
in a chi-square's degrees of freedom changes the mean by ≥ 10 %, about 5–8 standard errors at these sizes.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from symcollapse.simulate import monte_carlo as mc
from symcollapse.simulate._kernels import bartlett_chain, packed_size, ridge_downstream
from symcollapse.spec import Chain, Problem, Ridge, Spectrum, Target

Z_MAX = 4.5
KS_P_MIN = 1e-4
N_REF = 4000
N_FAST = 20000


def _problem(kind, d, n, T0, T, lam, design="independent", sigma0=0.6, sigma=0.5):
    spec = Spectrum.isotropic(d) if kind == "iso" else Spectrum.power_law(d, 2)
    tgt = Target.isotropic(norm=1) if kind == "iso" else Target(coefficients=np.linspace(1.0, 0.2, d))
    return Problem(spec, tgt, Chain(n=n, T0=T0, sigma0=sigma0, design=design), Ridge(T=T, sigma=sigma, lam=lam))


CONFIGS = {
    "iso-ols": _problem("iso", 5, 2, 14, 15, 0),
    "power-ols": _problem("power", 6, 3, 15, 16, 0),
    "iso-ridge": _problem("iso", 5, 2, 14, 14, 0.3),
    "power-ridge": _problem("power", 6, 2, 15, 15, 0.1),
    "power-ridge-shared": _problem("power", 6, 3, 15, 15, 0.1, design="shared"),
    "power-ols-shared": _problem("power", 6, 3, 15, 16, 0, design="shared"),
}


def _zscores(a, b):
    """Difference of means and of variances in units of their standard errors."""
    z_mean = (a.mean() - b.mean()) / np.sqrt(a.var(ddof=1) / a.size + b.var(ddof=1) / b.size)

    def var_se2(x):
        # Var(s²) ≈ (m4 − s⁴)/N for iid data with a finite fourth moment
        m = x.mean()
        return (np.mean((x - m) ** 4) - x.var() ** 2) / x.size

    z_var = (a.var(ddof=1) - b.var(ddof=1)) / np.sqrt(var_se2(a) + var_se2(b))
    return z_mean, z_var


_REF_CACHE: dict = {}


def _reference(name):
    if name not in _REF_CACHE:
        _REF_CACHE[name] = mc.simulate(CONFIGS[name], N_REF, seed=101, method="reference")
    return _REF_CACHE[name]


CASES = [(name, m) for name, p in CONFIGS.items() for m in mc.exact_methods(p) if m != "reference"]


def test_every_fast_sampler_is_covered():
    # each configuration has the samplers it should have: λ = 0 adds ols-law
    assert {m for _, m in CASES} == {"bartlett", "collapsed", "ols-law"}
    assert sum(1 for _, m in CASES if m == "ols-law") == 3


@pytest.mark.parametrize(("name", "method"), CASES, ids=[f"{a}-{b}" for a, b in CASES])
def test_sampler_matches_reference_in_distribution(name, method):
    ref = _reference(name)
    fast = mc.simulate(CONFIGS[name], N_FAST, seed=202, method=method)
    assert fast.method == method
    for what in ("errors", "chain_errors"):
        a, b = getattr(fast, what), getattr(ref, what)
        z_mean, z_var = _zscores(a, b)
        ks = stats.ks_2samp(a, b)
        assert abs(z_mean) <= Z_MAX, (what, z_mean)
        assert abs(z_var) <= Z_MAX, (what, z_var)
        assert ks.pvalue >= KS_P_MIN, (what, ks)


def test_distribution_check_detects_a_wrong_law():
    # The same statistics reject a sampler with the chain's degrees of freedom off by one
    # (T0 − d instead of T0 − d + 1): the check has power.
    p = CONFIGS["iso-ols"]
    wrong = p.replace(T0=p.chain.T0 - 1)
    fast = mc.simulate(wrong, N_FAST, seed=202, method="ols-law")
    z_mean, _ = _zscores(fast.chain_errors, _reference("iso-ols").chain_errors)
    assert abs(z_mean) > Z_MAX


# ---------------------------------------------------------------------------------------------------------
# Algebra of the kernels, realisation by realisation
# ---------------------------------------------------------------------------------------------------------


def _unpack(diag, off):
    d = diag.shape[0]
    U = np.diag(diag)
    U[np.triu_indices(d, 1)] = off  # row-major order of the strict upper triangle = the packed layout
    return U


@pytest.mark.parametrize("mu", [0.0, 0.7])
def test_ridge_kernel_equals_direct_formula(mu):
    rng = np.random.default_rng(5)
    B, d = 7, 9
    ev = np.linspace(2.0, 0.05, d)
    c = rng.standard_normal(d)
    sigma = 0.4
    v = rng.standard_normal((B, d))
    diag = np.sqrt(rng.chisquare(np.arange(20 - d + 1, 21), size=(B, d)))
    off = rng.standard_normal((B, packed_size(d)))
    z = rng.standard_normal((B, d))
    err, chain_err, status = np.empty(B), np.empty(B), np.zeros(B, dtype=np.int32)
    ridge_downstream(1 / np.sqrt(ev), 1 / ev, c, mu, sigma, v, diag, off, z, err, chain_err, status)
    assert not status.any()
    D = np.diag(ev)
    for b in range(B):
        U = _unpack(diag[b], off[b])
        # un-whitened, Eq. 7 with G = D^½ U Uᵀ D^½ and Xᵀε = D^½ U z
        G = np.sqrt(D) @ U @ U.T @ np.sqrt(D)
        w_n = c + v[b] / np.sqrt(ev)
        w_pred = np.linalg.solve(G + mu * np.eye(d), G @ w_n + sigma * np.sqrt(D) @ U @ z[b])
        np.testing.assert_allclose(err[b], ev @ (w_pred - c) ** 2, rtol=1e-9)
        np.testing.assert_allclose(chain_err[b], v[b] @ v[b], rtol=1e-12)


@pytest.mark.parametrize("shared", [False, True])
def test_bartlett_chain_kernel_equals_direct_formula(shared):
    rng = np.random.default_rng(6)
    B, d, n = 4, 8, 3
    G = 1 if shared else n
    diag = np.sqrt(rng.chisquare(np.arange(12 - d + 1, 13), size=(B, G, d)))
    off = rng.standard_normal((B, G, packed_size(d)))
    z = rng.standard_normal((B, n, d))
    v = np.zeros((B, d))
    bartlett_chain(diag, off, z, 0.3, shared, v)
    for b in range(B):
        expect = sum(
            0.3 * np.linalg.solve(_unpack(diag[b, 0 if shared else k], off[b, 0 if shared else k]).T, z[b, k])
            for k in range(n)
        )
        np.testing.assert_allclose(v[b], expect, rtol=1e-10, atol=1e-12)


def test_bartlett_factor_has_the_wishart_mean_and_variance():
    # E W = T I and Var W_ij = T (1 + δ_ij) for W ~ Wishart(I, T): the factor's diagonal law and layout
    rng = np.random.default_rng(7)
    N, d, T = 20000, 4, 9
    diag = np.sqrt(rng.chisquare(np.arange(T - d + 1, T + 1), size=(N, d)))
    off = rng.standard_normal((N, packed_size(d)))
    W = np.array([(U := _unpack(diag[i], off[i])) @ U.T for i in range(N)])
    mean_z = (W.mean(axis=0) - T * np.eye(d)) / np.sqrt(T * (1 + np.eye(d)) / N)
    assert np.abs(mean_z).max() < Z_MAX
    var_ratio = W.var(axis=0) / (T * (1 + np.eye(d)))
    assert np.abs(var_ratio - 1).max() < 0.1  # SE of a variance ratio here ≈ sqrt(2 + κ)/√N ≈ 0.015
