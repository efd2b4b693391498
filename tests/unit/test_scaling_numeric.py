"""Numeric certification of the scaling exponents: d = ∞ (Euler–Maclaurin) and paths with d, T0 ∝ T^b.

Local slopes d log E / d log T of the deterministic equivalents (Eq. 9, Prop 4.2, Eq. 19), evaluated to
high precision by ``symcollapse.theory._infinite``, must converge to the exponents of ``scaling_law``: the
error shrinks as T grows and is below 0.02 at T = 1e12.
"""

import mpmath
import pytest
import sympy as sp

from symcollapse.spec import Chain, Problem, RegimeError, Ridge, Spectrum, Target
from symcollapse.theory._infinite import (
    adaptive_path,
    local_slope,
    power_law_point,
    problem_error,
    spectral_sum,
)
from symcollapse.theory.evaluate import predict
from symcollapse.theory.scaling import scaling_law

DPS = 25


# ---------------------------------------------------------------------------------------------------
# The sums themselves
# ---------------------------------------------------------------------------------------------------


def brute(s, m, t, beta, d):
    return mpmath.fsum(mpmath.mpf(j) ** (-s) * (mpmath.mpf(j) ** (-beta) + t) ** (-m) for j in range(1, d + 1))


@pytest.mark.parametrize(
    "s, m, t, beta, d",
    [
        (2, 2, "1e-3", 2, 3000),  # df_2, beta = 2
        (0, 2, "1e-2", 2, 2000),  # tr(Σ+κ)^-2: s < 1, finite-d tail
        ("1.2", 1, "1e-4", "1.2", 2500),  # df_1 near the edge beta -> 1
        ("3.5", 2, "0.3", "1.65", 1500),
        (1, 2, "1e-2", 2, 2000),  # s = 1: logarithmic tail
        ("2.5", 2, "1e-3", 2, 2000),  # (s-1)/beta = m - 5/4: generic
        (5, 2, "1e-3", 2, 2000),  # A = 0: the log branch of the incomplete beta series
    ],
)
def test_spectral_sum_equals_the_direct_sum_to_30_digits(s, m, t, beta, d):
    with mpmath.workdps(30):
        t = mpmath.mpf(t)
        got = spectral_sum(mpmath.mpf(s), m, t, mpmath.mpf(beta), d)
        ref = brute(mpmath.mpf(s), m, t, mpmath.mpf(beta), d)
        assert abs(got - ref) <= mpmath.mpf(10) ** -28 * abs(ref)


def hurwitz_reference(s, m, t, beta, N=4000, K=200):
    """Second method: direct sum to N, then the binomial series of (1 + j^-beta/t)^-m in Hurwitz zetas
    (converges when t N^beta > 1; run at 60 digits because the long direct head loses a few)."""
    with mpmath.workdps(60):
        head = mpmath.fsum(mpmath.mpf(j) ** (-s) * (mpmath.mpf(j) ** (-beta) + t) ** (-m) for j in range(1, N + 1))
        tail = mpmath.fsum(
            mpmath.binomial(-m, k) * t ** (-m - k) * mpmath.zeta(s + beta * k, N + 1) for k in range(K)
        )
        return head + tail


def test_spectral_sum_at_infinity_equals_two_other_methods():
    with mpmath.workdps(30):
        for s, m, t, beta in [(4, 2, "1e-3", 2), ("2.5", 1, "1e-2", "1.5"), ("1.2", 1, "1e-3", "1.2")]:
            s, t, beta = mpmath.mpf(s), mpmath.mpf(t), mpmath.mpf(beta)
            got = spectral_sum(s, m, t, beta, None)
            ref = hurwitz_reference(s, m, t, beta)
            assert abs(got - ref) <= mpmath.mpf(10) ** -27 * abs(ref)
        # mpmath.nsum agrees where its extrapolation works (fast decay) ...
        s, t, beta = mpmath.mpf(4), mpmath.mpf("1e-3"), mpmath.mpf(2)
        ref = mpmath.nsum(lambda j: j ** (-s) * (j ** (-beta) + t) ** (-2), [1, mpmath.inf])
        assert abs(spectral_sum(s, 2, t, beta, None) - ref) <= mpmath.mpf(10) ** -26 * abs(ref)
        # ... but silently loses digits on a slowly decaying summand (why it is not used here)
        s, t, beta = mpmath.mpf("2.5"), mpmath.mpf("1e-2"), mpmath.mpf("1.5")
        bad = mpmath.nsum(lambda j: j ** (-s) * (j ** (-beta) + t) ** (-1), [1, mpmath.inf])
        assert abs(bad - spectral_sum(s, 1, t, beta, None)) > mpmath.mpf(10) ** -10
        # m = 0: Riemann zeta exactly
        assert spectral_sum(3, 0, 0, 2, None) == mpmath.zeta(3)
        with pytest.raises(ArithmeticError):
            spectral_sum(1, 1, mpmath.mpf("1e-3"), 2, None)  # diverges at d = infinity


def test_euler_maclaurin_evaluator_equals_predict():
    """Independent check of both: direct sums (predict) vs Euler–Maclaurin (problem_error), 25 digits."""
    for d, T0, n in [(300, 600, 1), (1500, 3100, 3), (400, 2, 0)]:
        p = Problem(Spectrum.power_law(d, 2), Target.source("0.375"), Chain(n=n, T0=T0, sigma0="0.5"),
                    Ridge(T=1000, sigma="0.7", lam="1e-3"))
        for norm in ("paper", "finite"):
            want = predict(p, dps=25, normalization=norm).total
            got = problem_error(p, dps=25, normalization=norm)
            assert abs(got - want) <= mpmath.mpf(10) ** -22 * abs(want)
        assert problem_error(p) == pytest.approx(float(predict(p).total), rel=1e-12)
    with pytest.raises(RegimeError):
        problem_error(p.replace(spectrum=Spectrum.isotropic(400), target=Target.isotropic()))


def test_point_digits_are_certified_at_30():
    pt = power_law_point(2, "0.375", "1e-8", 10**10, dps=30)
    assert pt.digits == 30
    with mpmath.workdps(30):
        # kappa - lam = kappa df1/T (Eq. 9) holds to working precision
        assert abs(pt.kappa - mpmath.mpf("1e-8") - pt.kappa * pt.df1 / 10**10) < mpmath.mpf(10) ** -36


# ---------------------------------------------------------------------------------------------------
# Slopes at d = infinity: clean bias and variance
# ---------------------------------------------------------------------------------------------------


def clean_slopes(beta, r, ell, T):
    """Local log-log slopes of bias and variance along lam = T^-ell at d = infinity."""
    point = adaptive_path(beta, r, ell, dps=DPS)

    sb = local_slope(lambda TT: point(TT).bias, T, dps=DPS + 10)
    sv = local_slope(lambda TT: point(TT).variance, T, dps=DPS + 10)
    return float(sb), float(sv)


def check_convergence(errors, final_tol=0.02):
    errs = [abs(e) for e in errors]
    assert all(e2 < e1 for e1, e2 in zip(errs, errs[1:])), errs
    assert errs[-1] < final_tol, errs


TRIPLES = [
    (2, "0.375", "0.8"),  # the paper's simulations, ell = ell_crit = 0.8
    ("1.65", "0.097", "1.2"),  # MNIST RBF kernel values, ell near ell_crit = 1.2499
    ("1.2", "0.15", "0.88"),  # MNIST polynomial kernel values, ell near ell_crit = 0.88235
]


@pytest.mark.parametrize("beta, r, ell", TRIPLES)
def test_clean_slopes_converge_to_the_symbolic_exponents(beta, r, ell):
    law = scaling_law(beta, r, ell=ell)
    eb, ev = float(law.bias_exponent), float(law.variance_exponent)
    rows = [clean_slopes(beta, r, ell, 10**k) for k in (4, 8, 12)]
    check_convergence([sb - eb for sb, _ in rows])
    check_convergence([sv - ev for _, sv in rows])


@pytest.mark.slow
@pytest.mark.parametrize(
    "beta, r, ell",
    TRIPLES + [(2, "0.375", "0.4"), (2, "1.5", "1.0"), ("1.5", "0.5", "1.2"), ("3", "0.25", "1")],
)
def test_clean_slopes_full_sweep(beta, r, ell):
    law = scaling_law(beta, r, ell=ell)
    eb, ev = float(law.bias_exponent), float(law.variance_exponent)
    rows = [clean_slopes(beta, r, ell, 10**k) for k in (3, 6, 9, 12)]
    check_convergence([sb - eb for sb, _ in rows])
    check_convergence([sv - ev for _, sv in rows])


# ---------------------------------------------------------------------------------------------------
# The collapse term: finite d along d = T^b, T0 = 2 d (phi0 = 1/2)
# ---------------------------------------------------------------------------------------------------


def rho_slope(beta, r, ell, b, T):
    def rho(TT):
        d = TT ** mpmath.mpf(b)
        return power_law_point(beta, r, TT ** (-mpmath.mpf(ell)), TT, d=d, T0=2 * d, dps=DPS, certify=False).rho

    return float(local_slope(rho, T, dps=DPS + 10))


@pytest.mark.parametrize(
    "beta, r, ell, b",
    [
        (2, "0.375", "0.8", 1),  # T0 ∝ T
        ("1.65", "0.097", "1.0", 1),
        (2, "0.375", "0.8", "1.5"),  # b > 1: certifies the phi0 branch (ell/beta - 1, not ell/beta - b)
    ],
)
def test_collapse_slopes_converge(beta, r, ell, b):
    e = float(scaling_law(beta, r, ell=ell, a=0, b=b).collapse_exponent)
    if sp.Rational(b) > 1:
        assert e == pytest.approx(float(sp.Rational(ell) / sp.Rational(beta)) - 1)
    check_convergence([rho_slope(beta, r, ell, b, 10**k) - e for k in (4, 8, 12)])


@pytest.mark.slow
@pytest.mark.parametrize(
    "beta, r, ell, b",
    [(2, "0.375", "0.4", "0.75"), ("1.2", "0.15", "0.5", "0.8"), ("1.2", "0.15", "0.88", 1), (2, "1.5", "1", "0.9")],
)
def test_collapse_slopes_sweep(beta, r, ell, b):
    e = float(scaling_law(beta, r, ell=ell, a=0, b=b).collapse_exponent)
    check_convergence([rho_slope(beta, r, ell, b, 10**k) - e for k in (6, 9, 12)])
