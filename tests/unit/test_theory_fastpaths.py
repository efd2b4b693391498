"""The float fast paths of ``predict`` and ``Problem.replace`` give the very same values as the code they replace.

* κ for one eigenvalue group in Python floats (``fixed_point._kappa_one``) against a frozen copy of the array
  Newton it short-cuts, bit for bit;
* ``FloatOps.sums`` for one group against its einsum branch, bit for bit;
* ``fixed_point.df_grouped`` (the finite-size scale's df₂ on the cached grouping) against ``df`` on the raw
  eigenvalues, bit for bit;
* ``Problem.replace``'s memo of rebuilt parts and its fast path: equal results, bad values still rejected,
  -0.0 kept distinct from 0.0.
"""

import math

import numpy as np
import pytest

from symcollapse.spec import Chain, Problem, Ridge, SpecError, Spectrum, Target, preset
from symcollapse.spec import problem as problem_module
from symcollapse.theory import _backends, _validity
from symcollapse.theory import fixed_point as fp

_EPS = np.finfo(np.float64).eps


def _kappa_array_reference(lam, T, u, mult):
    """The array Newton of ``_kappa_scalar`` as it was before the one-group short cut (frozen copy)."""
    d = float(mult.sum())
    if lam == 0 and T >= d:
        return 0.0
    hi = lam + float(np.einsum("k,k->", u, mult)) / T
    lo = lam if lam > 0 else float(u.min()) * max(d - T, 0.0) / T
    k = hi
    for _ in range(200):
        rr = u / (u + k)
        df1 = float(np.einsum("k,k->", rr, mult))
        df2 = float(np.einsum("k,k,k->", rr, rr, mult))
        F = k - lam - k * df1 / T
        Fp = 1.0 - df2 / T
        if F == 0:
            return k
        if F > 0:
            hi = k
        else:
            lo = k
        if Fp > 0:
            step = F / Fp
            kn = k - step
            if abs(step) <= 4 * _EPS * k:
                return kn
            if lo < kn < hi:
                k = kn
                continue
        k = math.sqrt(lo * hi) if (lo > 0 and hi > 4 * lo) else 0.5 * (lo + hi)
        if hi - lo <= 4 * _EPS * hi:
            return k
    raise ArithmeticError


def _draws(seed, count):
    rng = np.random.default_rng(seed)
    for _ in range(count):
        u = float(10 ** rng.uniform(-3, 3))
        m = float(rng.integers(1, 5000))
        T = float(rng.integers(1, 20000))
        lam = 0.0 if rng.random() < 0.25 else float(10 ** rng.uniform(-12, 3))
        yield lam, T, u, m


def test_kappa_one_group_is_bit_identical_to_the_array_newton():
    checked = 0
    for lam, T, u, m in _draws(0, 3000):
        ua, ma = np.array([u]), np.array([m])
        got = fp._kappa_scalar(lam, T, ua, ma)
        want = _kappa_array_reference(lam, T, ua, ma)
        assert got == want and type(got) is float, (lam, T, u, m)
        checked += got > 0
    assert checked > 1000  # most draws have a positive root (not the λ = 0, T >= d shortcut)


def test_kappa_many_groups_with_cached_prep_is_unchanged():
    rng = np.random.default_rng(1)
    for _ in range(200):
        u = np.sort(10 ** rng.uniform(-3, 1, int(rng.integers(2, 60))))[::-1].copy()
        m = rng.integers(1, 4, u.size).astype(float)
        lam = 0.0 if rng.random() < 0.3 else float(10 ** rng.uniform(-6, 1))
        T = float(rng.integers(1, 400))
        want = _kappa_array_reference(lam, T, u, m)
        assert fp._kappa_scalar(lam, T, u, m) == want
        assert fp._kappa_scalar(lam, T, u, m, fp._kappa_prep(u, m)) == want


def test_float_sums_one_group_is_bit_identical_to_einsum():
    ops = _backends.FloatOps(preset("fig1a"))
    assert ops._one is not None
    arr = _backends.FloatOps(preset("fig1a"))
    arr._one = None  # force the einsum branch
    for lam, T, u, m in _draws(2, 500):
        s = u * 0.37
        for o in (ops, arr):
            o.u, o.m, o.s = np.array([u]), np.array([m]), np.array([s])
        ops._one = (u, m, s)
        k = fp._kappa_scalar(lam, T, ops.u, ops.m) or u
        assert ops.sums(k) == arr.sums(k)


def test_float_sums_one_group_at_the_float_limits_behaves_like_numpy():
    # an overflowing intermediate: the scalar path hands over to the einsum code, so the outcome (value or
    # FloatingPointError under predict's errstate) is whatever numpy gives
    def outcome(one):
        ops = _backends.FloatOps(preset("fig1a"))
        ops.u, ops.m, ops.s = np.array([1e-300]), np.array([3.0]), np.array([1e150])
        ops._one = (1e-300, 3.0, 1e150) if one else None
        with np.errstate(over="raise", divide="raise", invalid="raise", under="ignore"):
            try:
                return [repr(x) for x in ops.sums(1e-310)]
            except FloatingPointError as exc:
                return type(exc).__name__

    assert outcome(True) == outcome(False)


@pytest.mark.parametrize("spec", [Spectrum.isotropic(40, scale=2.5), Spectrum.power_law(300, beta=2),
                                  Spectrum(eigenvalues=[3.0, 1.0, 1.0, 0.5, 3.0, 0.25])])
def test_df_grouped_matches_df_on_raw_eigenvalues(spec):
    p = Problem(spec, Target.isotropic(norm=1), Chain(n=1, T0=2 * spec.d), Ridge(T=50, sigma=0.1, lam=1e-3))
    u, m, _ = fp.group(p.eigenvalues)
    for t in (0.0, 1e-9, 0.3, 7.0, 1e6):
        assert fp.df_grouped(2, t, u, m) == fp.df(2, t, p.eigenvalues)
        assert fp.df_grouped(1, t, u, m) == fp.df(1, t, p.eigenvalues)
    for bad in (-1.0, math.inf, math.nan):
        with pytest.raises(ValueError, match="t must be finite"):
            fp.df_grouped(2, bad, u, m)


def test_finite_size_scale_matches_the_ungrouped_formula():
    base = Problem(Spectrum.power_law(80, beta=1.5), Target.source(r=0.5), Chain(n=2, T0=40, sigma0=0),
                   Ridge(T=120, sigma=0.5, lam=1e-2))
    for kw in ({}, {"T0": 200}, {"n": 0}, {"T": 30, "lam": 0.3}):
        p = base.replace(**kw)
        k, k0 = 0.05, 0.2
        ev = p.eigenvalues
        want = 1.0 / (p.downstream.T - fp.df(2, k, ev))
        if p.chain.T0 < p.d and p.chain.n > 0 and np.ptp(ev) > 0:
            want += 1.0 / (p.chain.T0 - fp.df(2, k0, ev))
        assert _validity.finite_size_scale(p, k, k0) == want


def test_replace_memo_reuses_equal_parts_and_matches_the_constructor():
    base = preset("fig1b")
    a, b = base.replace(n=3, T=500, lam=1e-3), base.replace(n=3, T=500, lam=1e-3)
    assert a == b and a.chain is b.chain and a.downstream is b.downstream
    full = Problem(base.spectrum, base.target, Chain(n=3, T0=600, sigma0=1), Ridge(T=500, sigma=1, lam=1e-3))
    assert a == full and a.to_dict() == full.to_dict()
    assert a.spectrum is base.spectrum and a.target is base.target
    # -0.0 and 0.0 are equal floats but different inputs (to_dict, hashes of the spec): never conflated
    z, nz = base.replace(lam=0.0), base.replace(lam=-0.0)
    assert repr(z.downstream.lam) == "0.0" and repr(nz.downstream.lam) == "-0.0"
    # exact types stay exact, and 1 / 1.0 / "1" are different keys
    assert type(base.replace(sigma=1).downstream.sigma) is int
    assert type(base.replace(sigma=1.0).downstream.sigma) is float


@pytest.mark.parametrize("bad", [{"lam": -1e-3}, {"T": 0}, {"n": -1}, {"T": 2.5}, {"lam": float("nan")},
                                 {"sigma0": True}, {"design": "neither"}])
def test_replace_still_rejects_bad_values_every_time(bad):
    base = preset("fig1a")
    for _ in range(2):  # the second call must not be served from the memo
        with pytest.raises(SpecError):
            base.replace(**bad)


def test_replace_with_new_spectrum_still_checks_the_target():
    p = Problem(Spectrum.isotropic(3), Target(coefficients=[1.0, 0.5, 0.25]), Chain(n=1, T0=10),
                Ridge(T=10, lam=0.1))
    with pytest.raises(SpecError, match="length"):
        p.replace(spectrum=Spectrum.isotropic(4))
    with pytest.raises(SpecError, match="power-law"):
        preset("fig1b").replace(spectrum=Spectrum.isotropic(300))


def test_replace_memo_is_bounded():
    base = preset("fig1a")
    for i in range(problem_module._PARTS_SIZE + 50):
        base.replace(lam=1e-3 + i * 1e-9)
    assert len(problem_module._PARTS) <= problem_module._PARTS_SIZE
