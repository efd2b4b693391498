"""``scaling_law`` with ``b`` checks b > ell/beta (d ≍ T^b above the effective dimension T^(ell/beta)).

Below it the finite-d error saturates: the collapse term is bounded at a = 0 (phi0/(1 - phi0)·T/(T - d))
and grows like T^a otherwise. The two examples of issue 14 are checked against local slopes of
``predict`` along T0 = T^b, d = T0/2 (phi0 = 1/2), n·sigma0² = T^a, noiseless: the slope error shrinks with
T and is below 0.02 at T = 1e12, while the formal d = ∞ exponent stays off by more than 0.05.
"""

import math

import pytest
import sympy as sp

from symcollapse.spec import Chain, Problem, Ridge, Spectrum, Target
from symcollapse.theory import symbols as S
from symcollapse.theory.evaluate import predict
from symcollapse.theory.scaling import derive_saturated, scaling_law

R = sp.Rational


def total(T: float, a: float, b: float, beta=2, r="0.375", ell=0.8) -> float:
    """predict's noiseless total at T0 = round(T^b), d = T0 // 2, n = 1, sigma0² = T^a, lambda = T^-ell."""
    T0 = round(T**b)
    d = T0 // 2
    p = Problem(
        Spectrum.power_law(d, beta),
        Target.source(r),
        Chain(n=1, T0=2 * d, sigma0=math.sqrt(T**a)),
        Ridge(T=int(T), sigma=0, lam=T**-ell),
    )
    return float(predict(p).total)


def slope(T: float, a: float, b: float) -> float:
    # half a decade: d = T^b/2 moves by a factor 10^(b/2), so integer rounding of d stays O(1/d)
    T2 = T * 10**0.5
    return math.log(total(T2, a, b) / total(T, a, b)) / math.log(T2 / T)


@pytest.mark.parametrize(
    "a, formal, saturated",
    [
        ("0", R(1, 10), 0),  # issue 14: formal total exponent 1/10 ("diverges"); predict levels off at 1
        ("0.3", R(2, 5), R(3, 10)),  # issue 14: formal 2/5; predict's slope is a = 0.3
    ],
)
def test_issue14_examples_against_predict_slopes(a, formal, saturated):
    law = scaling_law(2, "3/8", ell="4/5", a=a, b="3/10", noise="noiseless")
    assert law.conditions == {"ell": sp.false, "ell_crit": sp.false} and law.saturated is True
    assert law.total_exponent == saturated and law.collapse_exponent == saturated
    assert law.diverges == (sp.true if saturated > 0 else sp.false)
    errors = [slope(10.0**k, float(a), 0.3) - float(saturated) for k in (4, 8, 12)]
    assert all(abs(e2) < abs(e1) for e1, e2 in zip(errors, errors[1:])), errors
    assert abs(errors[-1]) < 0.02, errors
    # the d = ∞ exponent the law returned before is measurably wrong here
    assert abs(slope(1e12, float(a), 0.3) - float(formal)) > 0.05


def test_level_of_the_bounded_error_is_phi0_over_1_minus_phi0():
    # a = 0, phi0 = 1/2: the collapse term tends to phi0/(1 - phi0)·T/(T - d) -> 1 (Eq. 19 with df = d)
    assert abs(total(1e12, 0.0, 0.3) - 1) < 2e-3


def test_saturated_branch_is_derived_from_the_builders():
    sat = derive_saturated(R(2), R(3, 8), R(0), R(3, 10))
    # bias -2 ell + 2 b beta (1 - r), variance b - 1, df ≍ d, collapse = a
    assert sp.expand(sat["bias"] - (-2 * S.ell + 2 * R(3, 10) * 2 * (1 - R(3, 8)))) == 0
    assert sat["variance"] == R(3, 10) - 1 and sat["df"] == R(3, 10) and sat["collapse"] == 0
    assert any("saturated sum" in step for step in sat["steps"])
    sat_r = derive_saturated(R(2), R(3, 2), R("0.3"), R(3, 10))  # r > 1: the bias sum converges
    assert sp.expand(sat_r["bias"] + 2 * S.ell) == 0 and sat_r["collapse"] == R(3, 10)


def test_branches_meet_at_b_equal_ell_over_beta():
    at = scaling_law(2, "3/8", ell="3/5", a="0.1", b="3/10")  # b = ell/beta exactly: the saturated side
    assert at.saturated is True and at.conditions["ell"] == sp.false
    below = scaling_law(2, "3/8", ell="0.59", a="0.1", b="3/10")  # per-ell exponents on the formal side
    assert below.conditions["ell"] == sp.true and below.bias_exponent == -2 * R(59, 100) * R(3, 8)
    free = scaling_law(2, "3/8", a="0.1", b="3/10")  # free ell: formal below beta·b, saturated above
    for name in ("bias_exponent", "variance_exponent", "collapse_exponent"):
        pw = getattr(free, name)
        assert isinstance(pw, sp.Piecewise), name
        (formal, cond), (sat, _) = pw.args
        assert cond == (S.ell < R(3, 5))
        assert sp.simplify(formal.subs(S.ell, R(3, 5)) - getattr(at, name)) == 0, name
        assert sp.simplify(sat.subs(S.ell, R(3, 5)) - getattr(at, name)) == 0, name


def test_b_at_least_1_and_symbolic_inputs():
    law = scaling_law(2, "3/8", ell="1.9", a=0, b=1)
    assert law.saturated is False and law.collapse_exponent == R(19, 20) - 1
    sym = scaling_law(S.beta, S.r, a=S.a, b=S.b)
    assert sym.saturated is None and sym.conditions["ell"] == (S.b > S.ell / S.beta)


def test_without_b_nothing_is_checked():
    law = scaling_law(2, "3/8", ell="4/5")
    assert law.conditions == {} and law.saturated is None


def test_optimum_condition_holds_on_the_region():
    # ell_star/beta = (b - a)/(2 beta r + 1) < b: Cor 5.2 (Eq. 28) is never in the saturated branch
    for b_ in ("0.05", "0.3", "0.9"):
        law = scaling_law(2, "3/8", a=0, b=b_, noise="noiseless")
        assert law.ell_star == R(b_) * R(4, 5) and law.ell_star / 2 < R(b_)
