"""The exact fast samplers against the plain-numpy reference: algebra per realisation, law in distribution.

Two kinds of checks:

* *Algebra* — given the same Bartlett factors and Gaussian vectors, the numba kernels return what a direct
  numpy evaluation of the formulas in their docstrings returns (to rounding).
* *Law* — each fast sampler's per-replicate errors have the distribution of the reference sampler's
  (which materialises every design matrix): mean and variance z-scores and a two-sample KS test, on
  isotropic and power-law spectra, with λ = 0 and λ > 0, independent and shared designs.

Thresholds. There are about 110 statistics in this file. |z| ≤ 4.5 has two-sided probability 6.8e-6 under
the null and KS p ≥ 1e-4 has probability 1e-4, so a correct sampler fails this file with probability
below about 1e-2 for a random seed (the seeds here are fixed, so the outcome is deterministic). The
configurations keep |T − d| ≥ 9 and |T0 − d| ≥ 9 (10 degrees of freedom or more), so that the errors have finite fourth moments
(the inverse chi-squares need k > 8) and the variance z-score is a valid statistic. Power: an off-by-one
in a chi-square's degrees of freedom changes the mean by ≥ 10 %, about 5–8 standard errors at these sizes.
"""

from __future__ import annotations

import numpy as np
import pytest
from _helpers import zscores
from scipy import stats

from symcollapse.simulate import monte_carlo as mc
from symcollapse.simulate._kernels import (
    _draw_factor,
    _dual_fit,
    _ols_generation,
    _ols_generation_seq,
    _potrf_rec,
    bartlett_chain_rep,
    dual_rep,
    packed_size,
    ridge_rep,
    trapezoid_size,
)
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
    # fewer samples than dimensions (trapezoidal factor + dual solve); d − T_m ≥ 9 keeps 4th moments finite
    "iso-interp-chain": _problem("iso", 14, 3, 4, 30, 0),
    "power-interp-chain-ridge": _problem("power", 14, 2, 5, 5, 0.2),
    "power-interp-shared": _problem("power", 14, 3, 4, 30, 0.05, design="shared"),
    "power-minnorm-downstream": _problem("power", 14, 2, 30, 4, 0),
    "iso-overparam-ridge": _problem("iso", 14, 2, 30, 5, 0.3),
}


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
    assert sum(1 for _, m in CASES if m == "bartlett") == len(CONFIGS)  # bartlett covers everything


@pytest.mark.parametrize(("name", "method"), CASES, ids=[f"{a}-{b}" for a, b in CASES])
def test_sampler_matches_reference_in_distribution(name, method):
    ref = _reference(name)
    fast = mc.simulate(CONFIGS[name], N_FAST, seed=202, method=method)
    assert fast.method == method
    for what in ("errors", "chain_errors"):
        a, b = getattr(fast, what), getattr(ref, what)
        z_mean, z_var = zscores(a, b)
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
    z_mean, _ = zscores(fast.chain_errors, _reference("iso-ols").chain_errors)
    assert abs(z_mean) > Z_MAX


# ---------------------------------------------------------------------------------------------------------
# Algebra of the kernels, realisation by realisation
# ---------------------------------------------------------------------------------------------------------


def _unpack(diag, off):
    d = diag.shape[0]
    U = np.diag(diag)
    U[np.triu_indices(d, 1)] = off  # row-major order of the strict upper triangle = the packed layout
    return U


def _replay_factor(g, Tm, d):
    """The kernels' draw order for one factor (``_draw_factor``), replayed with a numpy Generator."""
    rows = d if Tm >= d else Tm
    R = np.zeros((rows, d))
    for i in range(rows):
        R[i, i] = np.sqrt(g.chisquare(Tm - d + 1 + i if Tm >= d else Tm - i))
        R[i, i + 1 :] = g.standard_normal(d - 1 - i)
    return R


def test_numba_generator_replays_numpy_bit_for_bit():
    # the algebra tests below replay the kernels' draws in numpy: this is what makes that legitimate
    diag, off = np.empty(6), np.empty(packed_size(6))
    _draw_factor(np.random.default_rng(3), 9, 6, diag, off)
    R = _replay_factor(np.random.default_rng(3), 9, 6)
    assert np.array_equal(np.diag(R), diag) and np.array_equal(R[np.triu_indices(6, 1)], off)


def _ridge_case(seed=5, d=9, T=20):
    rng = np.random.default_rng(seed)
    ev = np.linspace(2.0, 0.05, d)
    return rng.standard_normal(d), ev, rng.standard_normal(d)


@pytest.mark.parametrize("mu", [0.0, 0.7])
def test_ridge_step_equals_direct_formula(mu):
    c, ev, v = _ridge_case()
    d, T, sigma = c.size, 20, 0.4
    info = np.zeros(1, dtype=np.int32)
    err = ridge_rep(np.random.default_rng(11), T, mu, sigma, 1 / np.sqrt(ev), 1 / ev, c, v.copy(), np.empty((d, d)),
                    np.empty(d), np.empty(d), info)
    assert info[0] == 0
    g = np.random.default_rng(11)
    z = g.standard_normal(d)  # draw order: z, then U row by row
    U = _replay_factor(g, T, d)
    # un-whitened, Eq. 7 with G = D^½ U Uᵀ D^½ and Xᵀε = D^½ U z
    D = np.diag(ev)
    G = np.sqrt(D) @ U @ U.T @ np.sqrt(D)
    w_n = c + v / np.sqrt(ev)
    w_pred = np.linalg.solve(G + mu * np.eye(d), G @ w_n + sigma * np.sqrt(D) @ U @ z)
    np.testing.assert_allclose(err, ev @ (w_pred - c) ** 2, rtol=1e-9)


@pytest.mark.parametrize("shared", [False, True])
def test_bartlett_chain_equals_direct_formula(shared):
    d, n, T0, s0 = 8, 3, 12, 0.3
    ev, c = np.linspace(1.0, 0.1, d), np.zeros(d)
    v, w = np.empty(d), np.empty(d)
    info = np.zeros(1, dtype=np.int32)
    bartlett_chain_rep(np.random.default_rng(6), n, T0, s0, shared, np.sqrt(ev), ev, c, v, np.empty(d),
                       np.empty(packed_size(d)), np.empty((1, 1)), np.empty((1, 1)), np.empty(d), np.empty(d), w,
                       np.empty(d), info, np.empty(0, dtype=np.int64), np.empty((0, d)))
    g = np.random.default_rng(6)
    expect = np.zeros(d)
    U0 = _replay_factor(g, T0, d) if shared else None
    for _ in range(n):
        if shared:
            expect += s0 * np.linalg.solve(U0.T, g.standard_normal(d))
        else:  # sequential conditionals of U^{-T} z (_ols_generation_seq): h_i, then c_i, per coordinate
            S = 0.0
            for i in range(d):
                h = g.standard_normal()
                y = np.sqrt((1 + S) / g.chisquare(T0 - d + 1 + i)) * h
                S += y * y
                expect[i] += s0 * y
    np.testing.assert_allclose(v, expect, rtol=1e-10, atol=1e-12)
    # the fused on-the-fly generation is the same map as a solve with the stored factor
    y, acc = np.empty(d), np.zeros(d)
    _ols_generation(np.random.default_rng(7), d, T0, 1.0, y, acc)
    g = np.random.default_rng(7)
    z = g.standard_normal(d)
    np.testing.assert_allclose(acc, np.linalg.solve(_replay_factor(g, T0, d).T, z), rtol=1e-10, atol=1e-12)


def test_sequential_generation_has_the_law_of_the_triangular_solve():
    # _ols_generation_seq draws y = U^{-T} z from its sequential conditionals (O(d) numbers); _ols_generation
    # solves with the whole drawn factor. Same joint law: compare coordinates, a cross product and ‖y‖² by
    # KS and mean z-scores (|T - d| = 9: finite fourth moments). Power: an off-by-one in the chi-square's
    # degrees of freedom moves E‖y‖² = d/(T - d - 1) by 10 %, about 20 standard errors here.
    N, d, T = 20000, 6, 15
    seq, full, y = np.zeros((N, d)), np.zeros((N, d)), np.empty(d)
    g1, g2 = np.random.default_rng(21), np.random.default_rng(22)
    for r in range(N):
        _ols_generation_seq(g1, d, T, 1.0, seq[r])
        _ols_generation(g2, d, T, 1.0, y, full[r])
    stats_of = {
        "y0": lambda a: a[:, 0], "y_last": lambda a: a[:, -1], "y0*y_last": lambda a: a[:, 0] * a[:, -1],
        "y1*y2": lambda a: a[:, 1] * a[:, 2], "norm2": lambda a: (a * a).sum(axis=1),
    }
    for what, f in stats_of.items():
        a, b = f(seq), f(full)
        z_mean, _ = zscores(a, b)
        assert abs(z_mean) <= Z_MAX, (what, z_mean)
        assert stats.ks_2samp(a, b).pvalue >= KS_P_MIN, what
    # and the exact moment: E[y yᵀ] = E[W^{-1}] = I/(T - d - 1)
    nrm = (seq * seq).sum(axis=1)
    assert abs(nrm.mean() - d / (T - d - 1)) <= Z_MAX * nrm.std(ddof=1) / np.sqrt(N)


@pytest.mark.parametrize("d", [40, 300, 700])
def test_recursive_cholesky_equals_lapack(d):
    # d > 256 uses the recursive factorisation; it must be the Cholesky factor to rounding, and report a
    # non-positive-definite matrix with LAPACK's info convention (1-based order of the failing minor)
    rng = np.random.default_rng(d)
    X = rng.standard_normal((d + 15, d))
    S = X.T @ X
    A, info = S.copy(), np.zeros(1, dtype=np.int32)
    _potrf_rec(A, info)
    L = np.linalg.cholesky(S)
    assert info[0] == 0
    np.testing.assert_allclose(np.tril(A.T), L, rtol=0, atol=1e-12 * np.abs(L).max())
    bad = S.copy()
    bad[d - 5, d - 5] = -1.0
    info[0] = 0
    _potrf_rec(bad, info)
    assert info[0] == d - 4


def test_bartlett_factor_has_the_wishart_mean_and_variance():
    # E W = T I and Var W_ij = T (1 + δ_ij) for W ~ Wishart(I, T): the kernel's factor law and layout
    N, d, T = 20000, 4, 9
    gen = np.random.default_rng(7)
    diag, off = np.empty(d), np.empty(packed_size(d))
    W = np.empty((N, d, d))
    for i in range(N):
        _draw_factor(gen, T, d, diag, off)
        U = _unpack(diag, off)
        W[i] = U @ U.T
    mean_z = (W.mean(axis=0) - T * np.eye(d)) / np.sqrt(T * (1 + np.eye(d)) / N)
    assert np.abs(mean_z).max() < Z_MAX
    var_ratio = W.var(axis=0) / (T * (1 + np.eye(d)))
    assert np.abs(var_ratio - 1).max() < 0.1  # SE of a variance ratio here ≈ sqrt(2 + κ)/√N ≈ 0.015


def _unpack_trapezoid(diag, off, d):
    T = diag.shape[0]
    R = np.zeros((T, d))
    R[np.arange(T), np.arange(T)] = diag
    R[np.triu_indices(T, 1, d)] = off  # row-major strict upper part of the T × d trapezoid
    return R


@pytest.mark.parametrize("mu", [0.0, 0.4])
def test_dual_step_equals_direct_formula(mu):
    # ŵ = X^T (X X^T + μ I)^{-1} Y with X = H R D^½ for any orthogonal H (here a random one): the kernel,
    # which never forms H, must agree with the materialised design for the same R, Hᵀε and w.
    rng = np.random.default_rng(8)
    d, T, sigma = 11, 4, 0.3
    ev = np.linspace(1.5, 0.02, d)
    c = rng.standard_normal(d)
    v = rng.standard_normal(d)
    info = np.zeros(1, dtype=np.int32)
    diag, off = np.empty(d), np.empty(packed_size(d))
    err = dual_rep(np.random.default_rng(12), T, mu, sigma, np.sqrt(ev), ev, c, v, diag, off, np.empty(d),
                   np.empty(d), np.empty(d), np.empty((T, d)), np.empty((T, T)), np.empty(d), info)
    assert info[0] == 0
    g = np.random.default_rng(12)
    R = _replay_factor(g, T, d)  # draw order: the factor, then z
    z = g.standard_normal(T)
    H = np.linalg.qr(rng.standard_normal((T, T)))[0]
    X = H @ R @ np.diag(np.sqrt(ev))
    w_n = c + v / np.sqrt(ev)
    Y = X @ w_n + sigma * H @ z
    w_pred = X.T @ np.linalg.solve(X @ X.T + mu * np.eye(T), Y)
    if mu == 0:
        np.testing.assert_allclose(w_pred, np.linalg.pinv(X) @ Y, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(err, ev @ (w_pred - c) ** 2, rtol=1e-9)
    # the non-parallel building block agrees too (input u = D^½ w, output D^½ ŵ)
    out = np.empty(d)
    diag_t, off_t = np.diag(R).copy(), R[np.triu_indices(T, 1, d)].copy()
    u = np.sqrt(ev) * w_n
    _dual_fit(np.sqrt(ev), ev, diag_t, off_t, u, z, sigma, mu, np.empty((T, d)), np.empty((T, T)), np.empty(T), out,
              info)
    Rs = R * np.sqrt(ev)
    expect = ev * (R.T @ np.linalg.solve(Rs @ Rs.T + mu * np.eye(T), R @ u + sigma * z))
    np.testing.assert_allclose(out, expect, rtol=1e-9, atol=1e-12)


def test_trapezoid_factor_has_the_wishart_moments():
    # R^T R ~ Wishart(I_d, T) (singular, T < d): E = T I, Var_ij = T (1 + δ_ij); the kernel's draws
    N, d, T = 20000, 5, 3
    gen = np.random.default_rng(9)
    diag, off = np.empty(d), np.empty(packed_size(d))
    W = np.empty((N, d, d))
    for i in range(N):
        _draw_factor(gen, T, d, diag, off)
        R = _unpack_trapezoid(diag[:T], off[: trapezoid_size(T, d)], d)
        W[i] = R.T @ R
    mean_z = (W.mean(axis=0) - T * np.eye(d)) / np.sqrt(T * (1 + np.eye(d)) / N)
    assert np.abs(mean_z).max() < Z_MAX
    assert np.abs(W.var(axis=0) / (T * (1 + np.eye(d))) - 1).max() < 0.1


@pytest.mark.slow
@pytest.mark.parametrize(("T0", "T", "lam"), [(60, 60, 1e-3), (60, 25, 0.05), (25, 60, 0.0)])
def test_larger_problem_matches_reference(T0, T, lam):
    # d = 40, power law: moderately sized designs, where rounding in the fast path (Cholesky of a
    # power-law-scaled system) would show up if it mattered. Same thresholds as above.
    p = Problem(Spectrum.power_law(40, 2), Target.source(r=0.375), Chain(n=3, T0=T0, sigma0=0.3),
                Ridge(T=T, sigma=0.2, lam=lam))
    ref = mc.simulate(p, 3000, seed=1, method="reference")
    fast = mc.simulate(p, 20000, seed=2)
    for what in ("errors", "chain_errors"):
        a, b = getattr(fast, what), getattr(ref, what)
        z_mean, z_var = zscores(a, b)
        assert abs(z_mean) <= Z_MAX, (what, z_mean)
        assert stats.ks_2samp(a, b).pvalue >= KS_P_MIN
