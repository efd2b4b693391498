"""Lemma F.8's powers in closed form (terms._secular, terms._closed): the secular roots, the residue sums, and
bounds on the work done for the issue-14 hang / slow cases (counted, not timed)."""

import warnings

import mpmath
import numpy as np
import pytest

import symcollapse.theory.terms._closed as C
from symcollapse.spec import Chain, Problem, Ridge, Spectrum, Target
from symcollapse.theory.evaluate import predict
from symcollapse.theory.terms import _secular
from symcollapse.theory.terms.overparam import LemmaF8

PARTS = ("bias", "variance", "collapse", "delta_bias", "total", "rho")


def _p(spec, n, T0, T, lam, sigma0=0.5, target=None):
    return Problem(spec, target or Target.isotropic(1), Chain(n=n, T0=T0, sigma0=sigma0, design="independent"),
                   Ridge(T=T, sigma=1.0, lam=lam))


@pytest.mark.parametrize("seed", range(6))
def test_secular_roots_are_the_eigenvalues(seed):
    """Roots of 1 = Σ c²/(μ − Λ) = eigenvalues of Λ + ccᵀ (LAPACK), including clustered poles and tiny weights;
    each root is stored as an offset from a pole that lies in its own gap."""
    rng = np.random.default_rng(seed)
    g = int(rng.integers(2, 60))
    lam = np.sort(np.unique(np.concatenate([10 ** rng.uniform(-6, 0, g - 3), 0.5 + 1e-12 * np.arange(3)])))
    c2 = 10 ** rng.uniform(-20 if seed % 2 else -3, 0, lam.size)
    orig, tau, fp, ok = _secular.secular_roots(lam, c2)
    assert ok
    mu = lam[orig] + tau
    ref = np.linalg.eigvalsh(np.diag(lam) + np.outer(np.sqrt(c2), np.sqrt(c2)))
    assert np.allclose(mu, ref, rtol=0, atol=1e-13 * ref.max())
    upper = np.append(lam[1:], lam[-1] + c2.sum())
    assert np.all(mu >= lam) and np.all(mu <= upper)
    f = [1 - np.sum(c2 / (t - (lam - lam[o]))) for o, t in zip(orig, tau)]
    assert np.all(np.abs(f) <= 1e-9 * (1 + np.array([np.sum(c2 / np.abs(t - (lam - lam[o])))
                                                      for o, t in zip(orig, tau)])))


def _count_steps(monkeypatch):
    calls = {"step": 0, "roots": 0}
    step = LemmaF8.step

    def counted(self, N):
        calls["step"] += 1
        return step(self, N)

    root = C._MpPoles._root

    def counted_root(self, i):
        if (i, mpmath.mp.prec) not in self._roots:
            calls["roots"] += 1
        return root(self, i)

    monkeypatch.setattr(LemmaF8, "step", counted)
    monkeypatch.setattr(C._MpPoles, "_root", counted_root)
    return calls


def test_float_hang_case_takes_no_loop_step(monkeypatch):
    """Issue 14's last float hang (custom Σ, d = 1914, n = 38,202, T0 = 8: 3.6 s of loop steps, > 10 s loaded)
    is now closed form: not one step of Φ's loop, and the result agrees with Eq. 18's structure (finite,
    non-negative parts that sum to the total)."""
    rng = np.random.default_rng(916)
    ev = np.sort(10 ** rng.uniform(-19.5, 0, 1914))[::-1]
    p = _p(Spectrum(eigenvalues=ev), 38202, 8, 322, 0.0, sigma0=0.0)
    calls = _count_steps(monkeypatch)
    r = predict(p)
    assert calls["step"] == 0
    parts = [r.bias, r.variance, r.collapse, r.delta_bias]
    assert all(np.isfinite(v) and v >= 0 for v in parts) and abs(sum(parts) - r.total) <= 1e-12 * r.total


def test_mp_long_chain_refines_few_roots(monkeypatch):
    """Issue 14's dps = 30 hang (power law d = 531, n = 10⁶, T0 = 1: 116 s before, O(d²) mpmath work): the
    precision-aware truncation refines only the roots whose μ_i^n can matter — a handful of 531 per run —
    and float64 and mpmath agree."""
    p = _p(Spectrum.power_law(531, 1.000000452), 10**6, 1, 18916, 0.00306, sigma0=0.00867)
    calls = _count_steps(monkeypatch)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        r30, r = predict(p, dps=30), predict(p)
    assert calls["step"] == 0
    assert calls["roots"] <= 2 * 20  # two certification runs; was every root (531) in each
    assert r30.digits >= 25
    assert abs(float(r30.total) - r.total) <= 1e-8 * r.total


def test_truncated_mp_closed_form_equals_the_loop(monkeypatch):
    """With roots dropped by the truncation, the mpmath closed form still equals the step-by-step loop to
    the working precision (every part, dps = 30)."""
    p = _p(Spectrum.power_law(12, 1.5), 1000, 2, 30, 0.1)
    calls = _count_steps(monkeypatch)
    closed = predict(p, dps=30)
    kept = calls["roots"]
    assert calls["step"] == 0 and 0 < kept <= 2 * 3  # 1 of 12 roots per run is kept
    monkeypatch.setattr(C, "closed_is_cheaper", lambda *a, **k: False)
    loop = predict(p, dps=30)
    assert calls["step"] > 1000
    for q in PARTS:
        a, b = getattr(closed, q), getattr(loop, q)
        assert abs(a - b) <= mpmath.mpf("1e-27") * abs(b) + mpmath.mpf("1e-300"), q
    f = predict(p)
    assert abs(f.total - float(loop.total)) <= 1e-12 * float(loop.total)


def test_float_closed_form_with_ties_and_a_long_chain():
    """Equal eigenvalues (one pole per distinct Λ) and n = 10⁵: closed form = loop (float, 1e-11)."""
    ev = [1.0] * 5 + [0.5] * 10 + [0.01 * i for i in range(1, 30)]
    p = _p(Spectrum(eigenvalues=ev), 3000, 30, 100, 0.01)
    closed = predict(p)
    saved = C.closed_is_cheaper
    try:
        C.closed_is_cheaper = lambda *a, **k: False
        loop = predict(p)
    finally:
        C.closed_is_cheaper = saved
    for q in PARTS:
        assert getattr(closed, q) == pytest.approx(getattr(loop, q), rel=1e-11, abs=1e-300), q


def test_mp_chooses_the_closed_form_by_the_roots_it_keeps(monkeypatch):
    """n ≈ d at T0 = 1 (issue-14 fuzz index 2181: d = 1974, n = 537, > 120 s at dps = 30): the all-roots cost
    model prefers the loop, but the truncation keeps a few roots, so the closed form is taken where it keeps
    few — and float64 agrees."""
    p = _p(Spectrum.power_law(200, 1.2), 130, 1, 400, 1.0, sigma0=0.0, target=Target.source(r=0.3))
    assert not C.closed_is_cheaper("mp", 130, 200)
    calls = _count_steps(monkeypatch)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        r30, r = predict(p, dps=30), predict(p)
    # the dps + 5 run keeps 33 of 200 roots and takes no loop step; the dps + 20 run keeps all and loops
    # (power_dot's 130 steps + ρ's trace_sum 129; trace_part does not call step): one run's loop, not two
    assert calls["step"] <= 259 and 0 < calls["roots"] <= 60
    assert abs(float(r30.total) - r.total) <= 1e-10 * r.total


def test_mp_split_form_refines_few_roots_where_every_term_holds_lambda_powers(monkeypatch):
    """Issue-14 fuzz index 9223 (power law β ≈ 1, d = 659, n = 654, T0 = 13, T = 3: 77 s at dps = 30) in small:
    each root's h_s term holds Λ_k^s for every k, so the per-root truncation keeps every root; the split form
    (residue identity Σ_i w_i/(Λ_k − μ_i) = −bN_k/c_k²) refines one or two, and equals the step-by-step loop
    in every part to the working precision."""
    rng = np.random.default_rng(5)
    p = _p(Spectrum.power_law(80, 1.005), 300, 4, 3, 0.0, sigma0=0.01,
           target=Target(coefficients=rng.normal(size=80)))
    plans = []
    plan = C._MpPoles._plan

    def spy(self, xa, bN, s):
        out = plan(self, xa, bN, s)
        plans.append((out[0], len(out[1]) if out[0] == "split" else len(self._keep(out[1]))))
        return out

    monkeypatch.setattr(C._MpPoles, "_plan", spy)
    calls = _count_steps(monkeypatch)
    closed = predict(p, dps=30)
    assert calls["step"] == 0 and calls["roots"] <= 2 * 2
    assert plans and all(kind == "split" and kept <= 2 for kind, kept in plans)
    monkeypatch.setattr(C, "closed_is_cheaper", lambda *a, **k: False)
    loop = predict(p, dps=30)
    assert calls["step"] > 300
    assert closed.digits == loop.digits == 30
    for q in PARTS:
        a, b = getattr(closed, q), getattr(loop, q)
        assert abs(a - b) <= mpmath.mpf("1e-28") * abs(b), q
