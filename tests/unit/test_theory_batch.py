"""``predict_many`` (theory._batch) gives ``predict``'s values, errors and warnings, point by point.

Compared on every point of the figures' dense theory grids (fig1a: Σ = I, one eigenvalue group; fig1b: a
power law, 300 groups; fig2: an over-parametrised chain) in both normalisations, and on seeded random
problems over every regime mixed in one call. One group: bit for bit (elementwise IEEE operations, the
same as the scalar code). Many groups: row-wise ``einsum`` — required to agree to 1e-12 relative, and
checked to be bit-identical on this machine's numpy as well (counted).
"""

import math
import warnings

import numpy as np
import pytest

from symcollapse.experiments import fig1a, fig1b
from symcollapse.experiments._table import theory_row, theory_rows
from symcollapse.spec import Chain, Problem, RegimeError, Ridge, Spectrum, Target, preset
from symcollapse.theory import _batch
from symcollapse.theory import fixed_point as fp
from symcollapse.theory.predict import PrecisionWarning, predict

Q = ("bias", "variance", "collapse", "delta_bias", "total", "kappa", "kappa0", "df1", "df2", "rho",
     "finite_size_error")
LABELS = ("kind", "theorem", "normalization", "regime", "dps", "digits")


def _grid_points(module, figure):
    """The (n, T, λ) of both theory panels of ``figure`` (as panel_rows builds them), every 3rd point."""
    s = module.settings()
    pts = [{"n": n, "T": int(s["T_left"]), "lam": float(x)} for n in s["n_values"]
           for x in sorted(set(s["lam_theory"]) | set(s["lam_sim"]))]
    ell = s.get("ell")
    for n in s["n_values"]:
        for x in sorted(set(s["T_theory"]) | set(s["T_sim"])):
            pts.append({"n": n, "T": int(x), "lam": float(s["lam_right"]) if ell is None else float(x) ** -ell})
    return pts[::3]


def _reference(problems, normalization):
    out = []
    for p in problems:
        try:
            out.append(predict(p, normalization=normalization))
        except RegimeError as exc:
            out.append(exc)
    return out


def _compare(got, want, rel=1e-12):
    """Assert agreement; return how many points are bit-identical in every quantity."""
    identical = 0
    for a, b in zip(got, want, strict=True):
        if isinstance(b, RegimeError):
            assert isinstance(a, RegimeError) and str(a) == str(b)
            identical += 1
            continue
        assert not isinstance(a, RegimeError), a
        assert a.problem is b.problem
        for q in LABELS:
            assert getattr(a, q) == getattr(b, q), q
        same = True
        for q in Q:
            x, y = getattr(a, q), getattr(b, q)
            if y is None:
                assert x is None, q
                continue
            assert abs(x - y) <= rel * abs(y), (q, x, y, a.problem)
            same &= repr(x) == repr(y)
        identical += same
    return identical


@pytest.mark.parametrize("figure, module, grouped", [("fig1a", fig1a, True), ("fig1b", fig1b, False),
                                                      ("fig2", fig1a, True)])
@pytest.mark.parametrize("normalization", ["finite", "paper"])
def test_predict_many_equals_predict_on_the_figure_grids(figure, module, grouped, normalization):
    base = preset(figure)
    problems = [base.replace(**kw) for kw in _grid_points(module, "fig1a" if figure == "fig2" else figure)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        got, want = _batch.predict_many(problems, normalization), _reference(problems, normalization)
    identical = _compare(got, want)
    if grouped:  # one eigenvalue group: elementwise IEEE arithmetic, identical by construction
        assert identical == len(problems)
    print(f"{figure} {normalization}: {identical}/{len(problems)} bit-identical")


def _random_problems(seed, count):
    """Seeded problems over every regime (isotropic, power-law and custom spectra; both designs)."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(count):
        d = int(rng.integers(1, 60))
        kind = rng.choice(["isotropic", "power_law", "custom"])
        if kind == "isotropic":
            spec = Spectrum.isotropic(d, scale=float(f"{10 ** rng.uniform(-1, 1):.4g}"))
        elif kind == "power_law":
            spec = Spectrum.power_law(d, beta=float(f"{rng.uniform(1.05, 3):.4g}"))
        else:
            spec = Spectrum(eigenvalues=[float(f"{10 ** x:.3g}") for x in rng.uniform(-1, 1, d)])
        tgt = Target.source(r=0.4) if kind == "power_law" and rng.random() < 0.5 else Target.isotropic(norm=1.3)
        over = d > 1 and rng.random() < 0.4
        T0 = int(rng.integers(max(1, d // 4), d) if over else rng.integers(d, 3 * d + 10))
        base = Problem(spec, tgt, Chain(n=int(rng.choice([0, 1, 3, 10])), T0=T0,
                                        sigma0=0 if rng.random() < 0.3 else 0.4,
                                        design=str(rng.choice(["independent", "shared"]))),
                       Ridge(T=10, sigma=0.3, lam=0.1))
        for _ in range(int(rng.integers(1, 8))):  # several (T, λ) per spectrum: one array pass each
            lam = 0 if rng.random() < 0.25 else float(f"{10 ** rng.uniform(-6, 1):.4g}")
            out.append(base.replace(T=int(rng.integers(1, 4 * d + 10)), lam=lam))
    return out


@pytest.mark.parametrize("normalization", ["finite", "paper"])
def test_predict_many_equals_predict_on_random_problems_of_every_regime(normalization):
    problems = _random_problems(7, 150)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        got, want = _batch.predict_many(problems, normalization), _reference(problems, normalization)
    identical = _compare(got, want)
    kinds = {type(w).__name__ if isinstance(w, RegimeError) else w.regime.key for w in want}
    assert len(kinds) >= 8, kinds  # the draw does reach most regimes and some RegimeErrors
    print(f"random {normalization}: {identical}/{len(problems)} bit-identical; regimes {sorted(kinds)}")


def test_predict_many_gives_the_same_warnings():
    cases = [
        preset("fig1a", T=300, lam=1e-14),  # T = d at tiny λ: PrecisionWarning
        Problem(Spectrum.power_law(6, beta=2), Target.isotropic(norm=1), Chain(n=2, T0=3, sigma0=0.5,
                design="shared"), Ridge(T=10, sigma=0.5, lam=0.1)),  # finite-size error > 50 %: UserWarning
        preset("fig1b", T=5000),  # no warning
    ]
    seen = []
    for p in cases:
        with warnings.catch_warnings(record=True) as w1:
            warnings.simplefilter("always")
            predict(p, normalization="finite")
        with warnings.catch_warnings(record=True) as w2:
            warnings.simplefilter("always")
            _batch.predict_many([p], normalization="finite")
        assert [(type(x.message), str(x.message)) for x in w1] == [(type(x.message), str(x.message)) for x in w2]
        seen.append({x.category for x in w1})
    assert PrecisionWarning in seen[0] and UserWarning in seen[1] and seen[2] == set()


def test_predict_many_reports_regime_errors_in_place():
    p = preset("fig1a", lam=0)
    bad = [p.replace(T=300), p.replace(T=299), p.replace(T=301)]  # λ = 0, |T − d| <= 1: no result
    good = p.replace(T=1000)
    got = _batch.predict_many([bad[0], good, bad[1], bad[2]])
    assert [isinstance(x, RegimeError) for x in got] == [True, False, True, True]
    with pytest.raises(RegimeError) as exc:
        predict(bad[0])
    assert str(got[0]) == str(exc.value)
    assert got[1].total == predict(good).total
    with pytest.raises(ValueError):  # bad arguments raise, as predict does
        _batch.predict_many([good], normalization="nope")
    with pytest.raises(ValueError):
        _batch.predict_many([good, "not a problem"])


def test_kappa_many_follows_the_scalar_iteration():
    rng = np.random.default_rng(3)
    for size in (1, 2, 7, 300):
        u = np.sort(10 ** rng.uniform(-4, 1, size))[::-1].copy() if size > 1 else np.array([1.7])
        m = rng.integers(1, 4, u.size).astype(float) if size > 1 else np.array([250.0])
        lam = np.where(rng.random(400) < 0.2, 0.0, 10 ** rng.uniform(-12, 2, 400))
        T = rng.integers(1, 2000, 400).astype(float)
        k, ok = fp._kappa_many(lam, T, u, m)
        assert ok.all()
        want = np.array([fp._kappa_scalar(a, b, u, m) for a, b in zip(lam, T)])
        if size == 1:
            assert (k == want).all()
        np.testing.assert_allclose(k, want, rtol=1e-13, atol=0)


def test_kappa_many_flags_points_out_of_iterations_and_predict_many_falls_back(monkeypatch):
    problems = [preset("fig1b", T=T) for T in (100, 1000, 10_000)]
    want = [predict(p).total for p in problems]
    monkeypatch.setattr(fp, "_MAXITER", 1)  # no point converges in one step
    u, m, _ = fp.group(problems[0].eigenvalues, problems[0].coefficients ** 2)
    k, ok = fp._kappa_many(np.array([1e-3] * 3), np.array([100.0, 1e3, 1e4]), u, m)
    assert not ok.any()
    monkeypatch.undo()
    calls = []
    real = _batch.FloatOps.kappa
    monkeypatch.setattr(_batch, "_spectral_pass", lambda problems, idx: {})  # nothing precomputed
    monkeypatch.setattr(_batch.FloatOps, "kappa", lambda self, T: calls.append(T) or real(self, T))
    assert [x.total for x in _batch.predict_many(problems)] == want
    assert len(calls) == 3  # each point solved by the scalar code


def test_theory_rows_equal_theory_row_per_point():
    base = preset("fig1b")
    problems = [base.replace(n=n, T=T, lam=float(T) ** -0.8) for n in (0, 2) for T in (10, 299, 300, 301, 5000)]
    problems.append(preset("fig1a", lam=0, T=300))  # no result: skipped by both
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        one = [r for r in (theory_row("f", "right", p, ell=0.8) for p in problems) if r is not None]
        many = theory_rows("f", "right", problems, ell=0.8)
    assert one == many and len(many) == len(problems) - 1


def test_sweep_theory_columns_equal_predict():
    from symcollapse import sweep

    base = preset("fig1b")
    df = sweep(base, {"n": [0, 3], "T": [50, 300, 2000], "lam": [0, 1e-3]}, reps=2, seed=0, simulate=False)
    for _, row in df.iterrows():
        p = base.replace(n=int(row["n"]), T=int(row["T"]), lam=row["lam"] if row["lam"] else 0)
        try:
            pred = predict(p, normalization="finite")
        except RegimeError as exc:
            assert row["theory_note"] == str(exc) and math.isnan(row["total"])
            continue
        assert row["total"] == pred.total and row["kappa"] == pred.kappa and row["theorem"] == pred.theorem
        assert row["total_paper"] == predict(p, normalization="paper").total


def test_predict_many_runs_guards_that_read_the_problem():
    # real_fraction is not among the Facts, but a guard of the replace workflow reads it from the problem:
    # a chain-source mixture needs T0 >= d + 2, so the same T0 = 250 < d predicts without it and refuses with it
    p0 = preset("fig1a").replace(T0=250)
    p1 = p0.replace(real_fraction=0.5)
    with pytest.raises(RegimeError) as exc:
        predict(p1)
    assert "real_fraction" in str(exc.value)  # the mixture guard's refusal, not a later one
    got = _batch.predict_many([p0, p1, p0])
    assert isinstance(got[1], RegimeError) and str(got[1]) == str(exc.value)
    assert got[0].total == got[2].total == predict(p0).total

