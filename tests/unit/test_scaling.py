"""Order algebra (Lemma I.1), the derivation of Thm 5.1 / Cor 5.2 / App. G, and ``scaling_law``.

The paper's statements (docs/theory/scaling.md, §3) are typed here *as the claims under test*; the package
derives its exponents from the builders of ``formulas`` and never sees these expressions.
"""

import random

import pytest
import sympy as sp

from symcollapse.spec import RegimeError, SpecError
from symcollapse.theory import formulas as F
from symcollapse.theory import symbols as S
from symcollapse.theory._orders import (
    Monomial,
    Order,
    OrderError,
    OrderEvaluator,
    Region,
    lemma_I1,
    match_summand,
)
from symcollapse.theory.scaling import ScalingLaw, argmin_ell, derive, region, scaling_law

beta, r, ell, a, b, T, T0 = S.beta, S.r, S.ell, S.a, S.b, S.T, S.T0
RL = sp.Min(r, 1)
ELL_CRIT = beta / (2 * beta * RL + 1)
C = 2 * beta * RL / (2 * beta * RL + 1)


def points(seed, n, b_max=1):
    """Random rational points of the valid region: beta > 1, r > 0 (both sides of 1), 0 <= ell < beta,
    0 <= a < b <= b_max."""
    rng = random.Random(seed)
    for _ in range(n):
        be = sp.Rational(rng.randint(101, 400), 100)
        bb = sp.Rational(rng.randint(1, int(100 * b_max)), 100)
        yield {
            beta: be,
            r: sp.Rational(rng.randint(1, 300), 100),
            ell: be * sp.Rational(rng.randint(0, 99), 100),
            b: bb,
            a: bb * sp.Rational(rng.randint(0, 99), 100),
        }


# ---------------------------------------------------------------------------------------------------
# Region: sign decisions
# ---------------------------------------------------------------------------------------------------


def test_region_decides_signs_on_the_valid_region():
    reg = region("le")
    assert reg.sign(beta - 1) == 1  # beta > 1
    assert reg.sign(ell / beta - 1) == -1  # ell < beta
    assert reg.sign(ell) == 2  # ell >= 0, may be 0
    assert reg.sign(1 - r) == 2  # r <= 1 in this case
    assert reg.sign(r - sp.Rational(1, 2)) is None  # genuinely undecided
    assert reg.sign(2 * beta - 1) == 1
    assert region("ge").sign(r - 1) == 2
    assert reg.sign(sp.Integer(0)) == 0
    # constants outside the chart fall back on SymPy assumptions
    assert reg.sign(S.sigma**2) == 2 and reg.sign(1 - S.phi0) == 1


# ---------------------------------------------------------------------------------------------------
# Orders: products add exponents, sums take the maximum
# ---------------------------------------------------------------------------------------------------


def test_products_add_exponents_and_sums_take_the_max():
    reg = region("le")
    x = Order.power(T, -ell, reg)
    y = Order.power(T, ell / beta - 1, reg)
    assert sp.simplify((x * y).exponent() - (-ell + ell / beta - 1)) == 0
    # undecided comparison: both monomials kept, exponent is a Max
    s = x + y
    assert len(s.terms) == 2 and isinstance(s.exponent(), sp.Max)
    # decided comparison: T^{ell/beta - 1} vs T^{ell/beta}: the second dominates
    z = Order.power(T, ell / beta, reg)
    assert (y + z).exponent() == ell / beta
    # equal monomials merge (constants add when exact)
    m = Order.power(T, 1, reg, coeff=2) + Order.power(T, 1, reg, coeff=3)
    assert len(m.terms) == 1 and m.terms[0].coeff == 5
    # zero order
    zero = Order((), reg)
    assert (zero * x).is_zero and (zero + x).exponent() == -ell
    assert zero.exponent() == -sp.oo


def test_pow_of_a_max_needs_a_positive_power():
    reg = region("le")
    s = Order.power(T, -ell, reg) + Order.power(T, ell / beta - 1, reg)
    assert len(s.pow(2).terms) == 2
    with pytest.raises(OrderError):
        s.pow(-1)
    with pytest.raises(OrderError):
        Order((), reg).pow(-1)


def test_logs_break_ties_and_polynomials_beat_logs():
    reg = region("le")
    plain = Order.power(T, 1, reg)
    logged = Order((Monomial(((T, sp.S.One),), sp.S.One),), reg)
    assert (plain + logged).log_power == 1
    bigger = Order.power(T, 2, reg)
    assert (logged + bigger).exponent() == 2 and (logged + bigger).log_power == 0


def test_multivariable_orders_keep_incomparable_monomials_and_substitute():
    reg = region("le", "le")
    o = Order.power(T, 1, reg) + Order.power(T0, 1, reg)
    assert len(o.terms) == 2  # T vs T0: incomparable until T0 ≍ T^b
    sub = o.substitute({T0: Order.power(T, b, reg)})
    assert sub.exponent() == 1  # b <= 1 on this region
    with pytest.raises(OrderError):
        o.exponent()  # still depends on T0


# ---------------------------------------------------------------------------------------------------
# Lemma I.1 (and its finite-d rows)
# ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "beta_, p, m, expected",
    [
        # sum_k lambda_k^p/(1 + D lambda_k)^m ≍ D^-min(m, p - 1/beta); here t = 1/D ≍ T^-1
        (2, 2, 2, -sp.Rational(3, 2)),  # min(2, 3/2)
        (2, 3, 1, -1),  # min(1, 5/2)
        (3, 1, 2, -sp.Rational(2, 3)),  # min(2, 2/3)
    ],
)
def test_lemma_I1_numbers(beta_, p, m, expected):
    """In shifted form: sum j^-s (j^-beta + t)^-m = D^m sum lambda^p (1 + D lambda)^-m, s = p beta."""
    reg = Region.make({})
    t = Order.power(T, -1, reg, exact=False)
    res = lemma_I1(p * beta_, m, beta_, t, None)
    # D^m · D^{-min(m, p - 1/beta)} with D = T
    assert res.exponent() == m + expected


def test_lemma_I1_log_at_equality_and_finite_d_rows():
    reg = Region.make({})
    t = Order.power(T, -1, reg, exact=False)
    d = Order.power(T0, 1, reg)
    eq = lemma_I1(5, 2, 2, t, None)  # (s - 1)/beta = 2 = m: D^0 log D
    assert eq.exponent() == 0 and eq.log_power == 1
    tail = lemma_I1(0, 2, 2, t, d)  # s < 1: t^-m d^{1-s}
    assert tail.terms[0].exponent(T) == 2 and tail.terms[0].exponent(T0) == 1
    one = lemma_I1(1, 2, 2, t, d)  # s = 1: t^-m log
    assert one.terms[0].logs == 1
    with pytest.raises(RegimeError):
        lemma_I1(sp.Rational(1, 2), 1, 2, t, None)  # diverges at d = infinity
    assert lemma_I1(3, 0, 2, t, None).exponent() == 0  # convergent zeta sum


def test_match_summand_on_the_builders():
    delta = 1 + beta * (2 * r - 1)
    for expr, (s, m) in [
        (F.df_sum(1), (beta, 1)),
        (F.df_sum(2), (2 * beta, 2)),
        (F.bias_trace(), (2 * beta * r + 1, 2)),
        (F.trace_resolvent_sq(), (0, 2)),
    ]:
        C_, s_, t_, m_ = match_summand(expr.function, S.j, beta, delta)
        assert C_ == 1 and t_ == S.kappa and sp.simplify(s_ - s) == 0 and m_ == m
    with pytest.raises(OrderError):
        match_summand(S.ev[S.j] / ((S.ev[S.j] + S.kappa) * (S.ev[S.j] + S.kappa0)), S.j, beta, delta)


def test_evaluator_rejects_undecidable_differences():
    reg = region("le")
    ev = OrderEvaluator({T: Order.power(T, 1, reg), T0: Order.power(T0, 1, reg)}, reg, beta, beta, None)
    assert ev(T - 1).exponent() == 1
    with pytest.raises(OrderError):
        ev(T - T0)


# ---------------------------------------------------------------------------------------------------
# The derivation (App. H.1 / H.2, Thm 5.1)
# ---------------------------------------------------------------------------------------------------


def test_derived_kappa_df_bias_variance_match_appendix_H():
    der = derive("le", None)
    assert sp.simplify(der.kappa.exponent() + ell) == 0  # kappa ≍ lambda ≍ T^-ell
    assert sp.simplify(der.df1.exponent() - ell / beta) == 0  # df_m ≍ kappa^(-1/beta)
    assert sp.simplify(der.df2.exponent() - ell / beta) == 0
    assert sp.simplify(der.bias.exponent() + 2 * ell * r) == 0  # T^-2 ell r_ (r <= 1)
    assert sp.simplify(derive("ge", None).bias.exponent() + 2 * ell) == 0  # r >= 1: r_ = 1
    assert sp.simplify(der.variance.exponent() + (1 - ell / beta)) == 0
    assert der.variance.terms[0].coeff == S.sigma**2  # sigma^2 T^-(1 - ell/beta)
    assert any("Lemma I.1" in s for s in der.steps) and any("Eq. 9" in s for s in der.steps)


def test_derived_rho_has_the_max_T_over_T0_phi0_structure():
    """Thm 5.1: rho ≍ 1/(1 - phi0) · max(T/T0, phi0) · T^-(1 - ell/beta)."""
    rho = derive("le", None).rho
    want = [T / T0 / (1 - S.phi0) * T ** (ell / beta - 1), S.phi0 / (1 - S.phi0) * T ** (ell / beta - 1)]
    got = [m.expr() for m in rho.terms]
    assert len(got) == 2
    for g in got:
        assert any(sp.simplify(sp.powsimp(g / w, force=True)) == 1 for w in want)
    assert "max(" in rho.factored()


def test_kappa_derivation_needs_ell_below_beta():
    # on a region where ell >= beta the Eq. 9 correction is not negligible
    Bd = sp.Symbol("B", positive=True)
    W = sp.Symbol("W", nonnegative=True)
    bad = Region.make({beta: 1 + Bd, ell: 1 + Bd + W, r: sp.Symbol("R", positive=True)})
    lam_order = Order.power(T, -ell, bad, exact=False)
    ev = OrderEvaluator({S.kappa: lam_order, S.lam: lam_order, T: Order.power(T, 1, bad)}, bad, beta,
                        1 + beta * (2 * r - 1), None)
    corr = ev(S.kappa * F.df_sum(1) / T)
    assert not corr.dominated_by(lam_order)


# ---------------------------------------------------------------------------------------------------
# scaling_law against the paper
# ---------------------------------------------------------------------------------------------------


def test_symbolic_exponents_equal_the_papers_statements():
    law = scaling_law(beta, r)
    paper = {
        "ell_crit": ELL_CRIT,
        "c": C,
        "bias_exponent": -2 * ell * RL,
        "variance_exponent": -(1 - ell / beta),
        "collapse_exponent": -(1 - ell / beta),  # T0 ∝ T, n sigma0^2 ≍ 1
        "df_exponent": ell / beta,
        "kappa_exponent": -ell,
        "r_low": RL,
        "delta": 1 + beta * (2 * r - 1),
    }
    for name, want in paper.items():
        assert sp.simplify(getattr(law, name) - want) == 0, name
    for pt in points(0, 20):
        assert law.total_exponent.subs(pt) == sp.Max(-2 * pt[ell] * min(pt[r], 1), -(1 - pt[ell] / pt[beta]))


def test_cor52_and_eq29_against_the_paper_for_b_le_1():
    law = scaling_law(beta, r, a=a, b=b, noise="noiseless")
    for pt in points(1, 20):
        ec, c_ = ELL_CRIT.subs(pt), C.subs(pt)
        assert law.ell_star.subs(pt) == sp.Min((pt[b] - pt[a]) * ec, pt[beta])  # Eq. 28
        assert law.rate.subs(pt) == -(pt[b] - pt[a]) * c_  # inf E ≍ T^-(b-a)c
        assert law.collapse_exponent.subs(pt) == -(pt[b] - pt[a] - pt[ell] / pt[beta])
        # Eq. 29: E ≳ T^-(c + b - a - 1), diverges iff b < a + 1 - c (docs/theory/differences.md#diff-eq29)
        assert law.crit_exponent.subs(pt) == sp.Max(-c_, -(c_ + pt[b] - pt[a] - 1))
        assert bool(law.diverges.subs(pt)) == bool(pt[b] < pt[a] + 1 - c_)


def test_eq29_divergence_direction_is_corrected():
    """The paper prints 'diverges if b >= a + 1 - c'; a counterexample to that reading."""
    # c = 3/5, a + 1 - c = 3/5 > b; b > ell_crit/beta = 2/5, so the exponent is not the saturated one
    law = scaling_law(2, "0.375", a="0.2", b="0.5", noise="noiseless")
    assert law.conditions["ell_crit"] == sp.true
    assert law.crit_exponent == sp.Rational(1, 10) and law.diverges == sp.true
    law = scaling_law(2, "0.375", a=0, b="0.9", noise="noiseless")
    assert law.crit_exponent < 0 and law.diverges == sp.false


def test_appG_against_the_paper_for_b_le_1():
    law = scaling_law(beta, r, a=a, b=b)
    for pt in points(2, 20):
        rl = min(pt[r], 1)
        ec = pt[beta] / (2 * pt[beta] * rl + 1)
        gamma = min(1, pt[b] - pt[a])
        assert law.gamma.subs(pt) == gamma
        assert law.ell_noisy.subs(pt) == min((pt[b] - pt[a]) * ec, ec)
        assert law.noisy_low_exponent.subs(pt) == sp.Max(-2 * pt[ell] * rl, -(pt[b] - pt[a] - pt[ell] / pt[beta]))
        assert law.noisy_high_exponent.subs(pt) == -(gamma - pt[ell] / pt[beta])
        assert law.crit_noisy_exponent.subs(pt) == -(gamma - 1 / (2 * pt[beta] * rl + 1))
        assert bool(law.crit_noisy_consistent.subs(pt)) == bool(pt[b] > pt[a] + 1 / (2 * pt[beta] * rl + 1))


def test_b_above_1_is_where_the_derivation_disagrees_with_cor52():
    """phi0 fixed and T0 ≍ T^b with b > 1: the phi0 branch of max(T/T0, phi0) dominates."""
    law = scaling_law(2, "0.375", ell="0.8", a=0, b="1.5", noise="noiseless")
    assert law.collapse_exponent == sp.Rational(-3, 5)  # ell/beta - 1, not ell/beta - b = -1.1
    assert law.ell_star == sp.Rational(4, 5)  # (1 - a) ell_crit; the paper: min(1.5 · 0.8, 2) = 1.2
    lawa = scaling_law(2, "0.375", a="0.2", b=2)
    assert lawa.gamma == sp.Rational(4, 5)  # 1 - a; the paper's min(1, b - a) = 1


@pytest.mark.parametrize(
    "beta_, r_, ell_crit, c_",
    [
        (2, "0.375", sp.Rational(4, 5), sp.Rational(3, 5)),
        ("1.65", "0.097", None, None),
        ("1.2", "0.15", sp.Rational(15, 17), sp.Rational(9, 34)),
    ],
)
def test_numbers_of_THEORY_section_3(beta_, r_, ell_crit, c_):
    law = scaling_law(beta_, r_)
    assert law.ell_crit.is_Rational and law.c.is_Rational
    if ell_crit is not None:
        assert law.ell_crit == ell_crit and law.c == c_
    # docs/theory/scaling.md#scaling-table decimals
    expected = {"1.65": (1.24991, 0.24248), "1.2": (0.88235, 0.26471), 2: (0.8, 0.6)}[beta_]
    assert float(law.ell_crit) == pytest.approx(expected[0], abs=5e-6)
    assert float(law.c) == pytest.approx(expected[1], abs=5e-6)


def test_numeric_law_at_ell_and_dominant_terms():
    law = scaling_law(2, "0.375", ell="0.4")
    assert law.bias_exponent == sp.Rational(-3, 10) and law.variance_exponent == sp.Rational(-4, 5)
    assert law.total_exponent == sp.Rational(-3, 10) and law.dominant() == ["bias"]
    crit = scaling_law(2, "0.375", ell="0.8")
    assert set(crit.dominant()) == {"bias", "variance", "collapse"}
    quiet = scaling_law(2, "0.375", ell=1, noise="noiseless")
    assert quiet.variance_exponent == -sp.oo and quiet.ell_opt == 2 and quiet.rate_opt == sp.Rational(-3, 2)
    for _name, v, _ in law.items():
        if isinstance(v, sp.Expr) and v.is_number and v.is_finite:
            float(v)  # float() works on every numeric attribute


def test_float_and_sympy_inputs_agree():
    assert scaling_law(2.0, 0.375, ell=0.8) == scaling_law(sp.Integer(2), sp.Rational(3, 8), ell=sp.Rational(4, 5))
    assert scaling_law(sp.Float(2), sp.Float(0.375)).ell_crit == sp.Rational(4, 5)


def test_user_symbols_with_other_names():
    x = sp.Symbol("x", positive=True)
    law = scaling_law(x + 1, sp.Rational(1, 2))
    assert sp.simplify(law.ell_crit - (x + 1) / (x + 2)) == 0


@pytest.mark.parametrize(
    "kw, word",
    [
        ({"beta": 1, "r": 1}, "beta"),
        ({"beta": "0.5", "r": 1}, "beta"),
        ({"beta": 2, "r": 0}, "r"),
        ({"beta": 2, "r": -1}, "r"),
        ({"beta": 2, "r": 1, "ell": -0.1}, "ell"),
        ({"beta": 2, "r": 1, "ell": 2}, "ell"),
        ({"beta": 2, "r": 1, "b": 0}, "b"),
        ({"beta": 2, "r": 1, "a": -1, "b": 1}, "a"),
        ({"beta": 2, "r": 1, "noise": "loud"}, "noise"),
        ({"beta": sp.Symbol("q", negative=True), "r": 1}, "beta"),
        ({"beta": True, "r": 1}, "beta"),
    ],
)
def test_bad_inputs_raise_naming_the_parameter(kw, word):
    with pytest.raises(SpecError, match=word):
        scaling_law(**kw)


def test_str_and_latex():
    law = scaling_law(2, "0.375", ell="0.8", a=0, b=1)
    s = str(law)
    assert "ell_star" in s and "bias_exponent" in s and "≈ -0.6" in s
    tex = law.latex()
    assert tex.startswith("\\begin{aligned}") and "\\ell_\\star" in tex and "T^{" in tex
    assert isinstance(law, ScalingLaw)
    assert "Min" in str(scaling_law(beta, r))


def test_argmin_ell_edge_cases():
    reg = region("le")
    # only decreasing: optimum at the end point beta
    x, e = argmin_ell([-2 * ell * r], [], reg)
    assert x == beta and sp.simplify(e + 2 * beta * r) == 0
    # only increasing: optimum at 0
    x, e = argmin_ell([], [ell / beta - 1], reg)
    assert x == 0 and e == -1


def test_rho_order_is_the_same_with_the_finite_normalization():
    """T0 - d - 1 = T0 (1 - phi0) - 1 ≍ T0: the exact normalisation (Thm F.1) has the same order."""
    der = derive("le", None)
    reg = der.region
    env = {S.kappa: der.kappa, S.lam: der.kappa, T: Order.power(T, 1, reg), T0: Order.power(T0, 1, reg)}
    ev = OrderEvaluator(env, reg, beta, 1 + beta * (2 * r - 1), Order.power(T0, 1, reg, coeff=S.phi0))
    fin = ev(F.rho_eq19("finite").subs(S.d, S.phi0 * T0))
    assert sorted(str(m.expr()) for m in fin.terms) == sorted(str(m.expr()) for m in der.rho.terms)
