"""κ(λ, T) (Eq. 9) and df_m: float64 and mpmath twins, grouping, regimes, Lemma I.2, bad input."""

import mpmath
import numpy as np
import pytest

from symcollapse.spec import exact
from symcollapse.theory import fixed_point as fp


def eq9_residual(k, lam, T, ev):
    """Relative residual of κ − λ − κ df1(κ)/T = 0."""
    df1 = np.sum(ev / (ev + k))
    return abs(k - lam - k * df1 / T) / max(k, lam, 1e-300)


# docs/theory/results.md#results-kappa: φ = 0.5, λ = 1 → 1.2807764; φ = 2, λ = 0 → 1; φ = 2, λ = 1e-3 → 1.0019980.
KAPPA_EXAMPLES = [(300, 600, 1.0, 1.2807764), (300, 150, 0.0, 1.0), (300, 150, 1e-3, 1.0019980)]


@pytest.mark.parametrize("d, T, lam, expected", KAPPA_EXAMPLES)
def test_kappa_examples_theory_md(d, T, lam, expected):
    k = fp.kappa(lam, T, np.ones(d))
    assert round(k, 7) == expected
    k_ungrouped = fp.kappa(lam, T, np.ones(d), np.ones(d))
    assert k_ungrouped == pytest.approx(k, rel=1e-14)
    with mpmath.workdps(30):
        L = mpmath.mpf(exact(lam).numerator) / exact(lam).denominator  # 1e-3 means 1/1000
        km = fp.kappa_mp(L, T, [mpmath.mpf(1)], [d])
        # closed form (Eq. 11) at 30 digits
        phi = mpmath.mpf(d) / T
        closed = (L + phi - 1 + mpmath.sqrt((L + phi - 1) ** 2 + 4 * L)) / 2
        assert abs(km - closed) <= mpmath.mpf(10) ** -28 * closed
    assert round(float(km), 7) == expected


def test_kappa_zero_when_lambda_zero_and_T_at_least_d():
    ev = np.arange(1, 51) ** -2.0
    assert fp.kappa(0.0, 50, ev) == 0.0
    assert fp.kappa(0.0, 500, ev) == 0.0
    assert fp.kappa_mp(0, 50, [mpmath.mpf(x) for x in ev]) == 0


@pytest.mark.parametrize("T", [5, 20, 48, 49])
def test_ridgeless_kappa_solves_df1_equals_T(T):
    ev = np.arange(1, 51) ** -1.5
    k = fp.kappa(0.0, T, ev)
    assert k > 0
    assert fp.df(1, k, ev) == pytest.approx(T, rel=1e-12)


def test_kappa_vectorised_matches_scalar_and_solves_eq9():
    ev = np.arange(1, 301) ** -2.0
    lam = np.array([0.0, 1e-8, 1e-5, 1e-3, 0.1, 1.0, 30.0, 0.0])
    T = np.array([100, 100, 290, 300, 310, 1000, 5, 1000])
    vec = fp.kappa(lam, T, ev)
    assert vec.shape == lam.shape
    for i in range(lam.size):
        assert vec[i] == pytest.approx(fp.kappa(lam[i], T[i], ev), rel=1e-15, abs=0)
        if vec[i] > 0:
            assert eq9_residual(vec[i], lam[i], T[i], ev) < 1e-13
    grid = fp.kappa(np.array([[1e-3], [1e-1]]), np.array([100, 1000, 10_000]), ev)
    assert grid.shape == (2, 3)


def test_kappa_is_increasing_in_lambda_and_at_least_lambda():
    ev = np.arange(1, 201) ** -1.2
    lam = np.logspace(-8, 2, 60)
    k = fp.kappa(lam, 150, ev)
    assert np.all(np.diff(k) > 0)
    assert np.all(k >= lam)


def test_grouping_gives_the_same_answer():
    rng = np.random.default_rng(7)
    ev = rng.choice([0.5, 1.0, 2.0, 3.5], size=400)
    u, m, s = fp.group(ev, ev**2)
    assert sorted(u) == [0.5, 1.0, 2.0, 3.5] and m.sum() == 400
    assert s @ np.ones_like(s) == pytest.approx(np.sum(ev**2))
    for lam, T in [(1e-3, 100), (0.0, 150), (1.0, 1000)]:
        assert fp.kappa(lam, T, u, m) == pytest.approx(fp.kappa(lam, T, ev, np.ones_like(ev)), rel=1e-13)
    # constant and monotone fast paths
    assert fp.group(np.full(5, 2.0))[0].tolist() == [2.0]
    dec = np.arange(1, 6) ** -2.0
    assert fp.group(dec)[0] is not None and fp.group(dec)[1].tolist() == [1.0] * 5


def test_lemma_I2_numerically():
    # ∂κ/∂λ = 1/(1 − df2(κ)/T): central differences on the float root.
    ev = np.arange(1, 301) ** -2.0
    for lam, T in [(1e-3, 100), (0.05, 300), (0.5, 2000)]:
        h = lam * 1e-5
        num = (fp.kappa(lam + h, T, ev) - fp.kappa(lam - h, T, ev)) / (2 * h)
        k = fp.kappa(lam, T, ev)
        assert num == pytest.approx(1 / (1 - fp.df(2, k, ev) / T), rel=1e-7)


@pytest.mark.parametrize("lam, T", [(1e-3, 100), (1e-3, 10_000), (0.0, 150), (1e-12, 299), (5.0, 30)])
def test_mpmath_kappa_agrees_with_float_and_solves_eq9_to_50_digits(lam, T):
    ev = np.arange(1, 301) ** -2.0
    before = mpmath.mp.dps
    with mpmath.workdps(55):
        u = [mpmath.mpf(1) / mpmath.mpf(jj) ** 2 for jj in range(1, 301)]
        L = mpmath.mpf(lam)
        k = fp.kappa_mp(L, T, u, start=fp.kappa(lam, T, ev))
        k_cold = fp.kappa_mp(L, T, u)  # without a float start: bracket only
        df1 = fp.df_mp(1, k, u)
        assert abs(k - L - k * df1 / T) <= mpmath.mpf(10) ** -50 * k
        assert abs(k - k_cold) <= mpmath.mpf(10) ** -50 * k
    assert mpmath.mp.dps == before
    assert float(k) == pytest.approx(fp.kappa(lam, T, ev), rel=1e-13)
    assert fp.kappa_mp(L, T, u, dps=20) == pytest.approx(float(k), rel=1e-15)


def test_df_values_and_vectorisation():
    assert fp.df(1, 1.0, [1.0, 1.0, 1.0]) == 1.5
    assert fp.df(2, 0.0, [0.3, 2.0]) == 2.0
    t = np.array([0.0, 1.0, 3.0])
    np.testing.assert_allclose(fp.df(2, t, np.ones(4)), 4 / (1 + t) ** 2, rtol=1e-15)
    with mpmath.workdps(40):
        assert fp.df_mp(1, 1, [mpmath.mpf(1)], [3]) == mpmath.mpf(3) / 2


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: fp.kappa(-1.0, 10, [1.0]), "lam"),
        (lambda: fp.kappa(1.0, 0, [1.0]), "T"),
        (lambda: fp.kappa(np.nan, 10, [1.0]), "lam"),
        (lambda: fp.kappa(1.0, 10, [1.0, -2.0]), "positive"),
        (lambda: fp.kappa(1.0, 10, [1.0, 0.0]), "positive"),
        (lambda: fp.kappa(1.0, 10, [1.0, 2.0], [1.0]), "multiplicities"),
        (lambda: fp.df(1, -1.0, [1.0]), "t must be"),
        (lambda: fp.group([]), "non-empty"),
        (lambda: fp.kappa_mp(-1, 10, [mpmath.mpf(1)]), "lam"),
    ],
)
def test_bad_input_raises_value_error(call, match):
    with pytest.raises(ValueError, match=match):
        call()
