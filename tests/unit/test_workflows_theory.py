"""Theory of the follow-up workflows (symcollapse.theory._workflows): symbolic identities, float vs mpmath,
cross-checks against the replace chain's ``predict``, regime errors. Monte Carlo: test_workflows_sim.py."""

import math

import mpmath
import numpy as np
import pytest
import sympy as sp

from symcollapse.spec import Chain, Problem, RegimeError, Ridge, SpecError, Spectrum, Target
from symcollapse.theory import _workflows as W
from symcollapse.theory import symbols as S
from symcollapse.theory.evaluate import predict

N = sp.Symbol("N", positive=True, integer=True)


# ------------------------------------------------------------------------------------------------------
# accumulate
# ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("design", ["independent", "shared"])
@pytest.mark.parametrize("nn", [1, 2, 5])
def test_accumulate_closed_form_equals_sum_symbolically(design, nn):
    """ψ / ψ₁ closed form = the defining sum for symbolic T0, d (expand_func turns ψ(z + n) into ψ(z) + Σ)."""
    closed = sp.expand_func(W.accumulate_sum_closed(design).subs(S.n, nn))
    direct = W.accumulate_sum_expr(design).subs(S.n, nn).doit()
    assert sp.simplify(closed - direct) == 0


def test_accumulate_exact_rationals():
    """Exact rational values at T0 = 30, d = 10 (independent) and the first shared values 1, 5/4, 49/36."""
    s = W.accumulate_sum_closed("independent").subs({S.T0: 30, S.d: 10})
    for nn in (1, 3, 7):
        val = sp.nsimplify(sp.expand_func(s.subs(S.n, nn)))
        assert val == sum(sp.Rational(1, k * (30 * k - 11)) for k in range(1, nn + 1))
    h = W.accumulate_sum_closed("shared")
    assert [sp.simplify(sp.expand_func(h.subs(S.n, k))) for k in (1, 2, 3)] == [1, sp.Rational(5, 4),
                                                                                sp.Rational(49, 36)]


def test_accumulate_limit_and_bound():
    """n → ∞ limit of the closed form (mpmath at 40 digits, n = 10^12: tail O(1/n)); π²/6 bound for both designs."""
    d, T0 = 10, 30
    lim = W.accumulate_limit(d, T0, 1.0, "independent", dps=40)
    far = W.accumulate_chain_error(d, T0, 10**12, 1.0, "independent", dps=40).value
    assert abs(lim - far) < 1e-10 * lim
    assert abs(lim / (d / (T0 - d - 1)) - mpmath.mpf("1.4637841818")) < 1e-9  # the 1.464 of the MC check
    for T0_ in (12, 30, 300):
        bound = W.accumulate_bound(d, T0_, 1.0)
        for nn in (1, 10, 1000, 10**9):
            ind = W.accumulate_chain_error(d, T0_, nn, 1.0, "independent").value
            sh = W.accumulate_chain_error(d, T0_, nn, 1.0, "shared").value
            assert ind <= sh * (1 + 1e-14) and sh <= bound * (1 + 1e-14)
    sym = W.accumulate_limit_expr("shared")
    assert sp.simplify(sym - sp.pi**2 / 6 * S.sigma0**2 * S.d / (S.T0 - S.d - 1)) == 0


@pytest.mark.parametrize("design", ["independent", "shared"])
def test_accumulate_float_mpmath_and_large_n(design):
    """Float = mpmath (30 digits) to 1e-13; the digamma branch (n > 64) = direct mpmath summation."""
    for nn in (3, 64, 65, 500):
        f = W.accumulate_sum(10, 25, nn, design)
        m = W.accumulate_sum(10, 25, nn, design, dps=30)
        with mpmath.workdps(40):
            direct = mpmath.fsum((1 / mpmath.mpf(k * (25 * k - 11)) if design == "independent" else
                                  1 / mpmath.mpf(k) ** 2) for k in range(1, nn + 1))
        assert abs(f - float(m)) <= 1e-13 * float(m)
        assert abs(m - direct) <= mpmath.mpf(10) ** -27 * direct


def test_accumulate_cost_bounded_in_n():
    """Issue 14: O(1) in n (10^15 generations evaluate instantly, finite and below the bound)."""
    v = W.accumulate_chain_error(50, 100, 10**15, 1.0).value
    assert math.isfinite(v) and v < W.accumulate_bound(50, 100, 1.0)


def _problem(ev, c, n, T0, sigma0, design, T, lam, sigma):
    return Problem(Spectrum(list(ev)), Target(list(c)), Chain(n, T0, sigma0, design), Ridge(T, sigma, lam))


@pytest.mark.parametrize("lam", [0.0, 0.05])
@pytest.mark.parametrize("kind", ["iso", "power"])
def test_accumulate_downstream_is_replace_with_n_eff(lam, kind):
    """collapse = n_eff × (one replace generation's collapse, Cor 4.4 finite normalisation / Thm 4.1)."""
    d = 20
    ev = np.ones(d) if kind == "iso" else 1.0 / np.arange(1, d + 1) ** 1.5
    c = np.ones(d) / np.sqrt(d)
    one = predict(_problem(ev, c, 1, 40, 0.7, "independent", 60, lam, 0.3), normalization="finite")
    for design in ("independent", "shared"):
        acc = W.accumulate_downstream(ev, c, 40, 5, 0.7, design, 60, lam, 0.3)
        n_eff = acc.parts["n_eff"]
        assert n_eff == pytest.approx(W.accumulate_n_eff(d, 40, 5, design), rel=1e-14)
        # n_eff is the chain error in units of one generation's c (an independent code path)
        c1 = 0.49 * d / (40 - d - 1)
        assert n_eff == pytest.approx(W.accumulate_chain_error(d, 40, 5, 0.7, design).value / c1, rel=1e-13)
        assert acc.parts["collapse"] == pytest.approx(n_eff * one.collapse, rel=1e-12)
        assert acc.value == pytest.approx(one.total - one.collapse + n_eff * one.collapse, rel=1e-12)
        assert acc.kind == ("exact" if lam == 0 else "deterministic-equivalent")
    mp = W.accumulate_downstream(ev, c, 40, 5, 0.7, "independent", 60, lam, 0.3, dps=30)
    assert float(mp.value) == pytest.approx(W.accumulate_downstream(ev, c, 40, 5, 0.7, "independent", 60, lam,
                                                                    0.3).value, rel=1e-12)


def test_accumulate_overparam_isotropic_exact_values():
    """T0 < d, Σ = I: (1 − T0/d)‖w0‖² + σ0² Σ_k V(kT0)/k (independent) or σ0² V(T0) H_n² (shared), by hand."""
    d, T0, n = 20, 6, 5
    ev, c = np.ones(d), np.ones(d) / np.sqrt(d)
    V = lambda m: m / (d - m - 1) if m < d else d / (m - d - 1)  # noqa: E731
    ind = 0.7 + 0.25 * sum(V(k * T0) / k for k in range(1, n + 1))
    sh = 0.7 + 0.25 * V(T0) * sum(1 / k**2 for k in range(1, n + 1))
    assert W.accumulate_chain_error(d, T0, n, 0.5, "independent", ev, c).value == pytest.approx(ind, rel=1e-13)
    assert W.accumulate_chain_error(d, T0, n, 0.5, "shared", ev, c).value == pytest.approx(sh, rel=1e-13)
    # the digamma tail for many generations equals direct summation
    big = W.accumulate_chain_error(d, T0, 300, 0.5, "independent", ev, c).value
    assert big == pytest.approx(0.7 + 0.25 * sum(V(k * T0) / k for k in range(1, 301)), rel=1e-12)


def test_accumulate_regime_errors():
    with pytest.raises(RegimeError, match="T0"):
        W.accumulate_chain_error(10, 11, 3, 1.0)
    with pytest.raises(RegimeError, match="infinite"):
        W.accumulate_chain_error(20, 5, 4, 1.0, "independent", np.ones(20), np.ones(20))  # 4·5 = d
    with pytest.raises(RegimeError, match="simulation only"):
        W.accumulate_downstream(np.ones(20), np.ones(20), 10, 3, 1.0, "independent", 40, 0.1, 1.0)
    with pytest.raises(SpecError, match="design"):
        W.accumulate_chain_error(10, 30, 3, 1.0, "dependent")
    with pytest.raises(SpecError, match="n must"):
        W.accumulate_chain_error(10, 30, -1, 1.0)
    with pytest.raises(SpecError, match="sigma0"):
        W.accumulate_chain_error(10, 30, 1, float("nan"))
    assert W.accumulate_chain_error(10, 10, 3, 0.0).value == 0  # noiseless, full rank: ŵ = w0


# ------------------------------------------------------------------------------------------------------
# mix
# ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("nn", [1, 2, 3, 6])
def test_mix_closed_form_equals_recursion(nn):
    cr, cs = sp.symbols("c_r c_s", positive=True)
    assert sp.simplify(W.mix_error_expr(nn, c_real=cr, c_syn=cs) - W.mix_recursion(nn, c_real=cr, c_syn=cs)) == 0
    assert sp.simplify(W.mix_error_expr(nn) - W.mix_recursion(nn)) == 0


def test_mix_limit_and_golden_ratio():
    w, k = W.w_sym, sp.Symbol("k", positive=True)
    c = sp.Symbol("c", positive=True)
    # 0 < (1 − w)² < 1 for 0 < w < 1: every power (1 − w)^(2(N − 1)) tends to 0
    lim = W.mix_error_expr(N).replace(lambda e: e.is_Pow and e.exp.has(N), lambda e: sp.Integer(0))
    assert sp.simplify(lim - W.mix_limit_expr()) == 0
    ws = W.golden_weight()
    assert sp.simplify(ws - (sp.sqrt(5) - 1) / 2) == 0
    assert sp.simplify(sp.diff(W.mix_limit_expr(), w).subs(w, ws)) == 0
    assert sp.simplify(W.mix_limit_expr().subs(w, ws) - ws * c) == 0
    general = W.mix_limit_expr(c_real=c, c_syn=k * c)
    wk = W.golden_weight(k)
    assert sp.simplify(sp.expand(sp.numer(sp.together(sp.diff(general, w))).subs(w, wk))) == 0
    assert sp.simplify(sp.radsimp(general.subs(w, wk) - wk * c)) == 0
    assert W.optimal_real_weight() == (sp.sqrt(5) - 1) / 2
    assert W.optimal_real_weight(symbolic=False) == pytest.approx(0.6180339887498949, rel=1e-15)
    assert W.optimal_real_weight(T_real=31, T_syn=21, d=9) == W.golden_weight(sp.Rational(21, 11))


def test_mix_numeric():
    """Float closed form = exact rational recursion; mpmath agrees; w = 1 is fresh data only; w = 0 is replace."""
    d, T0, s0 = 5, 20, 0.5
    c = sp.Rational(1, 4) * d / (T0 - d - 1)
    for wgt in (sp.Rational(3, 10), sp.Rational(1, 2), sp.Rational(9, 10)):
        for nn in (1, 4, 12):
            exact = W.mix_recursion(nn, wgt, c, c)
            assert W.mix_chain_error(d, T0, nn, s0, float(wgt)).value == pytest.approx(float(exact), rel=1e-13)
            assert abs(W.mix_chain_error(d, T0, nn, s0, wgt.p / wgt.q, dps=30).value - mpmath.mpf(exact.p) /
                       exact.q) < 1e-15
    assert W.mix_chain_error(d, T0, 7, s0, 1.0).value == pytest.approx(float(c), rel=1e-14)
    assert W.mix_chain_error(d, T0, 7, s0, 0.0).value == pytest.approx(7 * float(c), rel=1e-14)
    assert W.mix_limit(d, T0, s0, 0.618034) == pytest.approx(0.618034 * float(c), rel=1e-6)
    with pytest.raises(RegimeError):
        W.mix_chain_error(10, 11, 3, 1.0, 0.5)
    with pytest.raises(SpecError, match="real_weight"):
        W.mix_chain_error(5, 20, 3, 1.0, 1.5)


def test_mix_downstream_is_replace_with_n_eff():
    d, ev = 20, 1.0 / np.arange(1, 21)
    c = np.ones(d) / np.sqrt(d)
    one = predict(_problem(ev, c, 1, 40, 0.7, "independent", 60, 0.05, 0.3), normalization="finite")
    mix = W.mix_downstream(ev, c, 40, 6, 0.7, 0.4, 60, 0.05, 0.3)
    a = W.mix_chain_error(d, 40, 6, 0.7, 0.4).value
    n_eff = a / (0.49 * d / 19)
    assert mix.parts["collapse"] == pytest.approx(n_eff * one.collapse, rel=1e-12)


# ------------------------------------------------------------------------------------------------------
# mixtures downstream (Strong Model Collapse)
# ------------------------------------------------------------------------------------------------------


def _expand(expr, ev, c, dl, subs):
    """Substitute a concrete spectrum into a builder with Sum(…, (j, 1, d))."""
    d = len(ev)
    out = expr.subs(subs).subs(S.d, d).doit()
    rep = {}
    for jj in range(1, d + 1):
        rep[S.ev[jj]] = ev[jj - 1]
        rep[S.c[jj]] = c[jj - 1]
        rep[W.Delta[jj]] = dl[jj - 1]
    return out.xreplace(rep)


def test_mixture_builder_matches_evaluator():
    ev = [sp.Rational(1), sp.Rational(1, 2), sp.Rational(1, 5)]
    c = [sp.Rational(1, 2), sp.Rational(-1, 3), sp.Rational(1, 4)]
    dl = [sp.Rational(1, 10), sp.Rational(2, 5), sp.Rational(-1, 2)]
    T, lam, sigma = 40, 0.1, 0.3
    val = W.mixture_downstream([float(x) for x in ev], [float(x) for x in c], [float(x) for x in dl], T, lam,
                               sigma, 0.75)
    kap = val.parts["kappa"]
    expr = _expand(W.mixture_expr(), ev, c, dl, {S.kappa: kap, S.T: T, S.sigma: sigma, W.p_sym: sp.Rational(3, 4)})
    assert float(expr) == pytest.approx(val.value, rel=1e-12)
    floor = _expand(W.mixture_floor_expr(), ev, c, dl, {S.lam: sp.Rational(1, 10), W.p_sym: sp.Rational(3, 4)})
    assert float(floor) == pytest.approx(W.mixture_floor([float(x) for x in ev], [float(x) for x in dl], 0.1, 0.75),
                                         rel=1e-13)
    mp = W.mixture_downstream([float(x) for x in ev], [float(x) for x in c], [float(x) for x in dl], T, lam, sigma,
                              0.75, dps=30)
    assert float(mp.value) == pytest.approx(val.value, rel=1e-12)


def test_mixture_reductions():
    """p = 1 is clean ridge (Prop 4.2); Σ = I, λ = 0 gives the OLS formula; T → ∞ approaches mixture_limit."""
    d = 30
    ev, c = 1.0 / np.arange(1, d + 1), np.ones(d) / np.sqrt(d)
    dl = np.linspace(-0.3, 0.3, d)
    clean = predict(_problem(ev, c, 0, 40, 0, "independent", 80, 0.05, 0.4))
    assert W.mixture_downstream(ev, c, dl, 80, 0.05, 0.4, 1.0).value == pytest.approx(clean.total, rel=1e-12)
    iso = W.mixture_downstream(np.ones(100), np.zeros(100), np.ones(100) / 10, 400, 0.0, 0.5, 0.9).value
    p2, phi_term = 0.1, 100 / 299
    assert iso == pytest.approx(p2**2 + (0.25 + 0.9 * 0.1) * phi_term, rel=1e-13)
    lim = W.mixture_limit(ev, c, dl, 0.05, 0.6)
    far = W.mixture_downstream(ev, c, dl, 10**9, 0.05, 0.4, 0.6).value
    assert far == pytest.approx(lim, rel=1e-6)
    assert W.mixture_floor(ev, dl, 0.0, 0.6) == pytest.approx(0.16 * np.sum(ev * dl**2), rel=1e-13)


def test_mixture_chain_source_is_the_average_over_delta():
    """E over Δ ~ (0, vΣ⁻¹) of the fixed-Δ formula (a quadratic in Δ: exact by central second differences)
    equals mixture_chain_downstream; at p = 0 it is the replace chain's Cor 4.4 (finite normalisation)."""
    d, T, lam, sigma, v = 12, 30, 0.07, 0.3, 0.02
    ev, c = 1.0 / np.arange(1, d + 1) ** 1.2, np.linspace(0.5, -0.2, d)
    for p in (0.0, 0.4, 0.9):
        f0 = W.mixture_downstream(ev, c, np.zeros(d), T, lam, sigma, p).value
        acc = f0
        for jj in range(d):
            e = np.zeros(d)
            e[jj] = 1.0
            fp_ = W.mixture_downstream(ev, c, e, T, lam, sigma, p).value
            fm = W.mixture_downstream(ev, c, -e, T, lam, sigma, p).value
            acc += (v / ev[jj]) * (fp_ + fm - 2 * f0) / 2
        ch = W.mixture_chain_downstream(ev, c, T, lam, sigma, p, v)
        assert ch.value == pytest.approx(acc, rel=1e-10)
    rep = predict(_problem(ev, c, 3, 40, 0.5, "independent", T, lam, sigma), normalization="finite")
    v3 = W.chain_cov_scale("replace", d, 40, 3, 0.5)
    assert W.mixture_chain_downstream(ev, c, T, lam, sigma, 0.0, v3).value == pytest.approx(rep.total, rel=1e-12)


def test_chain_cov_scale_and_realised_fraction():
    assert W.chain_cov_scale("replace", 10, 30, 4, 1.0) == pytest.approx(4 / 19)
    assert W.chain_cov_scale("accumulate", 10, 30, 4, 1.0, "shared") == pytest.approx(
        W.accumulate_chain_error(10, 30, 4, 1.0, "shared").value / 10)
    assert W.chain_cov_scale("mix", 10, 30, 4, 1.0, real_weight=0.5) == pytest.approx(
        W.mix_chain_error(10, 30, 4, 1.0, 0.5).value / 10)
    assert W.realised_fraction(0.25, 10) == (3, sp.Rational(3, 10))  # ⌊2.5 + 1/2⌋ = 3
    with pytest.raises(SpecError, match="real_fraction"):
        W.realised_fraction(1.2, 10)
    with pytest.raises(SpecError, match="workflow"):
        W.chain_cov_scale("discard", 10, 30, 4, 1.0)
    with pytest.raises(RegimeError, match="diverges"):
        W.mixture_downstream(np.ones(10), np.ones(10), np.ones(10), 10, 0.0, 1.0, 0.5)


# ------------------------------------------------------------------------------------------------------
# scaling on power laws (derivations/workflow_scaling.py has the full slope checks)
# ------------------------------------------------------------------------------------------------------


def test_workflow_scaling_exponents_and_a_slope():
    acc = W.workflow_scaling("accumulate", 2, sp.Rational(3, 8), sp.Rational(2, 5), sp.Rational(7, 10))
    assert acc["collapse"] == sp.Rational(-1, 2) and acc["collapse_n"] == 0
    assert acc["ell_star"] == sp.Rational(14, 25) and acc["rate"] == sp.Rational(-21, 50)  # Cor 5.2 at a = 0
    mix = W.workflow_scaling("mixture", 2, sp.Rational(3, 8), sp.Rational(4, 5))
    assert mix == {"floor": 0, "clean": sp.Rational(-3, 5), "crossover": sp.Rational(-5, 3)}
    assert W.workflow_scaling("mixture-chain", 2, sp.Rational(3, 8), sp.Rational(4, 5), 1)["synthetic"] == \
        sp.Rational(-3, 5)
    with pytest.raises(SpecError, match="workflow"):
        W.workflow_scaling("replace")
    # local log-slope of the accumulate collapse term at large d: T0 = T^0.7, d = T0/2, λ = T^-0.4
    vals = []
    for T in (2e5, 1e6):
        T0 = int(round(T**0.7))
        j = np.arange(1, T0 // 2 + 1.0)
        vals.append(W.accumulate_downstream(j**-2.0, j**-0.25, T0, 50, 1.0, "independent", int(T), T**-0.4,
                                            0.0).parts["collapse"])
    slope = math.log(vals[1] / vals[0]) / math.log(5)
    assert abs(slope - float(acc["collapse"])) < 0.03  # O(T^-ℓ/β) corrections, as in Thm 5.1's check


def test_mix_ridge_given_design_equals_matrix_recursion():
    """The eigenbasis closed form = the recursion for mean and covariance written with plain matrices."""
    rng = np.random.default_rng(9)
    d = 6
    ev = 1.0 / np.arange(1, d + 1)
    c = rng.standard_normal(d)
    Sig = np.diag(ev)
    for T0, lam0 in ((15, 0.3), (4, 0.1), (4, 0.0)):
        X = rng.standard_normal((T0, d)) * np.sqrt(ev)
        M = np.linalg.pinv(X) if lam0 == 0 else np.linalg.solve(X.T @ X + lam0 * T0 * np.eye(d), X.T)
        H = M @ X
        for w in (0.0, 0.35, 1.0):
            q = w**2 + (1 - w) ** 2
            mean = (H - np.eye(d)) @ c
            cov = 0.64 * M @ M.T
            for nn in range(1, 5):
                if nn > 1:
                    mean = (1 - w) * H @ mean + (H - np.eye(d)) @ c
                    cov = (1 - w) ** 2 * H @ cov @ H.T + q * 0.64 * M @ M.T
                direct = mean @ Sig @ mean + np.trace(Sig @ cov)
                got = W.mix_ridge_given_design(X, ev, c, nn, 0.8, w, lam0).value
                assert got == pytest.approx(direct, rel=1e-9, abs=1e-12)


def test_every_evaluator_float_equals_mpmath():
    """dps=30 (mpmath inside workdps) agrees with float64 to 1e-11 relative for every evaluator; the global
    precision is untouched."""
    d = 15
    ev, c = 1.0 / np.arange(1, d + 1) ** 1.3, np.linspace(0.4, -0.1, d)
    dl = np.linspace(-0.2, 0.3, d)
    before = mpmath.mp.dps
    calls = [
        lambda dps: W.accumulate_chain_error(d, 40, 7, 0.6, "independent", dps=dps).value,
        lambda dps: W.accumulate_chain_error(d, 6, 7, 0.6, "independent", ev, c, dps=dps).value,
        lambda dps: W.accumulate_limit(d, 40, 0.6, "independent", dps=dps),
        lambda dps: W.accumulate_downstream(ev, c, 40, 7, 0.6, "shared", 30, 0.02, 0.3, dps=dps).value,
        lambda dps: W.mix_chain_error(d, 40, 7, 0.6, 0.4, T_real=60, dps=dps).value,
        lambda dps: W.mix_limit(d, 40, 0.6, 0.4, dps=dps),
        lambda dps: W.mix_downstream(ev, c, 40, 7, 0.6, 0.4, 30, 0.02, 0.3, dps=dps).value,
        lambda dps: W.mixture_downstream(ev, c, dl, 30, 0.02, 0.3, 0.3, dps=dps).value,
        lambda dps: W.mixture_limit(ev, c, dl, 0.02, 0.3, dps=dps),
        lambda dps: W.mixture_floor(ev, dl, 0.02, 0.3, dps=dps),
        lambda dps: W.mixture_chain_downstream(ev, c, 30, 0.02, 0.3, 0.3, 0.01, dps=dps).value,
        lambda dps: W.chain_cov_scale("mix", d, 40, 7, 0.6, real_weight=0.4, dps=dps),
    ]
    for f in calls:
        lo, hi = f(None), f(30)
        assert isinstance(hi, mpmath.mpf) and isinstance(lo, float)
        assert abs(lo - float(hi)) <= 1e-11 * abs(float(hi))
    assert mpmath.mp.dps == before
    with pytest.raises(SpecError, match="dps"):
        W.mix_limit(d, 40, 0.6, 0.4, dps=0)
