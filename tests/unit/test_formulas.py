"""SymPy builders of symcollapse.theory.formulas: identities between them (exact) and against numbers."""

import mpmath
import numpy as np
import pytest
import sympy as sp
from sympy.simplify.simplify import sum_simplify

from symcollapse.spec import exact
from symcollapse.theory import fixed_point as fp
from symcollapse.theory import formulas as F
from symcollapse.theory import symbols as S
from symcollapse.theory.symbols import (
    T0,
    T,
    c,
    d,
    ev,
    j,
    kappa,
    kappa0,
    lam,
    n,
    phi,
    phi0,
    sigma,
    sigma0,
    w0norm,
)

R = sp.Rational


def eval_sums(expr, eigenvalues, coefficients=None, **values):
    """Float value of a builder: every Sum over j is summed numerically over the given spectrum."""
    x, y = sp.Dummy("x"), sp.Dummy("y")
    scal = {getattr(S, k): v for k, v in values.items()}
    ev_a = np.asarray(eigenvalues, dtype=float)
    c_a = np.zeros_like(ev_a) if coefficients is None else np.asarray(coefficients, dtype=float)

    def num_sum(s):
        f = s.function.xreplace({ev[j]: x, c[j]: y}).xreplace(scal)
        g = sp.lambdify((x, y), f, "numpy")
        return sp.Float(float(np.sum(g(ev_a, c_a) * np.ones_like(ev_a))), 17)

    out = expr.replace(lambda e: isinstance(e, sp.Sum), num_sum)
    return float(out.xreplace(scal).xreplace({S.d: len(ev_a)}))


def to_isotropic(expr):
    """Σ = I_d, c_j² = ‖w0‖²/d, sums evaluated, T = d/φ, T0 = d/φ0 (Cor 4.4's isotropic display)."""
    out = expr.xreplace({ev[j]: 1, c[j]: w0norm / sp.sqrt(d)}).doit()
    return out.subs({T: d / phi, T0: d / phi0})


# ------------------------------------------------------------------------------------------------------
# Exact identities
# ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "general, closed",
    [
        (lambda: F.bias_prop42(), lambda: F.bias_isotropic()),
        (lambda: F.variance_prop42(), lambda: F.variance_isotropic()),
        (lambda: F.bias_prop42() + F.variance_prop42(), lambda: F.bias_variance_isotropic()),
        (lambda: F.rho_eq19("paper"), lambda: F.rho_isotropic("paper")),
        (lambda: F.rho_eq19("finite"), lambda: F.rho_isotropic("finite")),
    ],
)
def test_isotropic_closed_forms_equal_general_formulas_symbolically(general, closed):
    assert sp.simplify(to_isotropic(general()) - closed()) == 0


def test_eq18_isotropic_reduction():
    # Σ = I: κ0 = φ0 − 1 solves df1(κ0) = T0, and Eq. 18 becomes the closed form of rho_eq18_isotropic.
    k0 = phi0 - 1
    assert sp.simplify(to_isotropic(F.df_sum(1, kappa0)).subs(kappa0, k0) - d / phi0) == 0
    rho = to_isotropic(F.rho_eq18()).subs(kappa0, k0)
    assert sp.simplify(rho - F.rho_eq18_isotropic("paper")) == 0


def test_eq18_at_kappa0_zero_is_eq19():
    # T0 >= d: κ0 = 0 and Eq. 18 reduces to Eq. 19 (paper normalisation), for any Σ.
    diff = sp.expand(F.rho_eq18().subs(kappa0, 0) - F.rho_eq19("paper"))
    diff = diff.subs(F.df_sum(2, 0), d)  # tr Σ²Σ⁻² = d
    diff = sum_simplify(sp.expand(sp.together(diff).as_numer_denom()[0]))
    assert sp.simplify(diff.doit()) == 0


def test_isotropic_kappa_solves_eq10_and_eq9():
    k = F.kappa_isotropic()
    eq10 = (k - lam) * (1 + k) - phi * k
    assert sp.simplify(sp.expand(eq10)) == 0
    eq9 = to_isotropic(F.kappa_equation()).subs(kappa, k)
    assert sp.simplify(sp.together(eq9)) == 0


def test_lemma_I2_by_implicit_differentiation():
    # Eq. 9 as G(κ, λ) = 0; implicit function theorem: dκ/dλ = −G_λ / G_κ. Lemma I.2: = 1/(1 − df2/T).
    G = F.kappa_equation()
    dk = -sp.diff(G, lam) / sp.diff(G, kappa)
    resid = sp.expand(T * (1 / dk - 1 / F.dkappa_dlam()))
    assert resid != 0  # not trivially zero: the identity needs the sums to be combined
    assert sp.simplify(sum_simplify(resid)) == 0


def test_lemma_I2_isotropic_closed_form():
    k = F.kappa_isotropic()
    lhs = sp.diff(k, lam)
    rhs = 1 / (1 - phi / (1 + k) ** 2)
    for vals in ({lam: R(1, 1000), phi: R(3, 10)}, {lam: R(2), phi: R(5, 2)}, {lam: R(1, 7), phi: 1}):
        assert sp.simplify((lhs - rhs).subs(vals)) == 0


def test_prop42_equals_omniscient_form():
    # Prop 4.2 ≡ κ² w0ᵀΣ(Σ+κ)⁻²w0 · ∂κ/∂λ and σ² df2/T · ∂κ/∂λ (Lemma I.2).
    assert sp.simplify(F.bias_prop42() - kappa**2 * F.bias_trace() * F.dkappa_dlam()) == 0
    assert sp.simplify(F.variance_prop42() - sigma**2 * F.df_sum(2) / T * F.dkappa_dlam()) == 0


def test_cor44_at_lambda_zero_reduces_to_thm41_asymptotic():
    # General Σ: φ < 1 gives κ(0, T) = 0, so df2 = d, the bias vanishes and ρ = d/(T0 − d).
    total = F.bias_prop42() + F.variance_prop42() + n * sigma0**2 * F.rho_eq19("paper")
    at0 = total.subs(kappa, 0).doit()
    assert sp.simplify(at0.subs({T: d / phi, T0: d / phi0}) - F.thm41_asymptotic()) == 0
    # Isotropic closed form: κ → 0 as λ → 0+ exactly when φ < 1 (docs/theory/differences.md#diff-cor44-phi: not φ >= 1).
    x = sp.Symbol("x", positive=True)
    assert sp.limit(F.kappa_isotropic().subs(phi, 1 / (1 + x)), lam, 0, "+") == 0
    assert sp.limit(F.kappa_isotropic().subs(phi, 1 + x), lam, 0, "+") == x
    iso = F.bias_variance_isotropic() + n * sigma0**2 * F.rho_isotropic()
    assert sp.simplify(iso.subs(kappa, 0) - F.thm41_asymptotic()) == 0


def test_thm41_exact_tends_to_asymptotic():
    e = F.thm41_exact().subs({T: d / phi, T0: d / phi0})
    assert sp.simplify(sp.limit(e, d, sp.oo) - F.thm41_asymptotic()) == 0


def test_rho_eq19_first_term_is_T0_minus_d_not_prop_F6_typo():
    # docs/theory/differences.md#diff-eq19-propF6: as T → ∞ (κ fixed) Eq. 19 → df2/(T0 − d); Prop F.6's display would give 0.
    lim = sp.limit(F.rho_eq19().subs(F.df_sum(2), sp.Symbol("D", positive=True)), T, sp.oo)
    assert sp.simplify(lim - sp.Symbol("D", positive=True) / (T0 - d)) == 0


def test_rho_lowdim_is_eq19_with_kappa_lambda_and_T_infinite():
    D2, Tr = sp.Symbol("D2", positive=True), sp.Symbol("Tr", positive=True)
    e19 = F.rho_eq19().subs(kappa, lam).subs({F.df_sum(2, lam): D2, F.trace_resolvent_sq(lam): Tr})
    assert sp.simplify(sp.limit(e19, T, sp.oo) - F.rho_lowdim().subs(F.df_sum(2, lam), D2)) == 0


def test_eta_and_delta_bias():
    assert F.eta("independent").subs({phi0: 2, n: 3}) == R(1, 8)
    assert F.eta("shared").subs({phi0: 2, n: 3}) == R(1, 2)
    assert F.eta("shared").subs({phi0: 2, n: 0}) == 1
    assert F.eta("independent").subs({phi0: R(1, 2), n: 7}) == 1  # T0 >= d: no bias increase
    assert F.delta_bias_thm46().subs({phi0: 2, n: 4, w0norm: 1}) == R(15, 16)
    assert F.delta_bias_thm45().subs({phi0: 2, w0norm: 1}) == R(1, 2)
    with pytest.raises(ValueError, match="design"):
        F.eta("bogus")


def test_error_overparam_isotropic_reduces():
    # η = 1 (no bias increase) gives the clean isotropic Bias + Var; λ = 0, φ < 1 gives σ²φ/(1−φ) + (1−η)‖w0‖².
    assert sp.simplify(F.error_overparam_isotropic(1) - F.bias_variance_isotropic()) == 0
    e = F.error_overparam_isotropic(S.phi0 ** -1, kappa=0)
    assert sp.simplify(e - (sigma**2 * phi / (1 - phi) + (1 - 1 / phi0) * w0norm**2)) == 0


def test_null_ratio():
    r = F.null_ratio().subs({w0norm: 1, sigma: 1, sigma0: 1, phi: R(1, 2), phi0: R(1, 2), n: 3})
    assert r == 4


def test_normalization_is_validated():
    for builder in (F.rho_eq19, F.rho_isotropic, F.rho_eq18_isotropic):
        with pytest.raises(ValueError, match="normalization"):
            builder("asymptotic")


def test_builders_use_only_package_symbols():
    allowed = {v for v in vars(S).values() if isinstance(v, (sp.Symbol, sp.IndexedBase))}
    allowed |= {ev.label, c.label, ev[j], c[j]}
    for name in F.__all__:
        fn = getattr(F, name)
        expr = fn(S.phi0 ** -1) if name == "error_overparam_isotropic" else fn(2) if name == "df_sum" else fn()
        assert isinstance(expr, sp.Expr), name
        assert expr.free_symbols <= allowed, (name, expr.free_symbols - allowed)


# ------------------------------------------------------------------------------------------------------
# Numbers: general formulas at Σ = I (float and mpmath) and docs/theory/index.md reference values
# ------------------------------------------------------------------------------------------------------

ISO_POINTS = [  # (d, T, T0, lam, sigma, sigma0, n, norm)
    (300, 1000, 600, 1e-3, 0.1, 0.2, 5, 1.0),
    (300, 150, 600, 0.1, 0.1, 0.2, 3, 1.0),
    (200, 300, 400, 0.05, 0.5, 0.5, 4, 1.0),
    (50, 20, 80, 2.0, 1.0, 0.3, 1, 2.5),
    (120, 100, 130, 1e-6, 0.2, 1.0, 2, 0.7),
]


@pytest.mark.parametrize("dd, TT, TT0, ll, s, s0, nn, norm", ISO_POINTS)
def test_isotropic_closed_form_matches_general_float(dd, TT, TT0, ll, s, s0, nn, norm):
    ones = np.ones(dd)
    # general path: κ from the root finder with ungrouped eigenvalues (explicit multiplicities 1)
    k = fp.kappa(ll, TT, ones, ones)
    coef = np.full(dd, norm / np.sqrt(dd))
    vals = dict(kappa=k, T=TT, T0=TT0, sigma=s, sigma0=s0, n=nn)
    general = eval_sums(F.bias_prop42() + F.variance_prop42() + n * sigma0**2 * F.rho_eq19(), ones, coef, **vals)
    k_iso = float(F.kappa_isotropic().subs({lam: ll, phi: R(dd, TT)}))
    assert k == pytest.approx(k_iso, rel=1e-12, abs=0)
    closed = F.bias_variance_isotropic() + n * sigma0**2 * F.rho_isotropic()
    closed = float(closed.subs({kappa: k_iso, phi: R(dd, TT), phi0: R(dd, TT0), sigma: s, sigma0: s0, n: nn,
                                w0norm: norm}))
    assert general == pytest.approx(closed, rel=1e-12, abs=0)


@pytest.mark.parametrize("dd, TT, TT0, ll, s, s0, nn, norm", ISO_POINTS[:3])
def test_isotropic_closed_form_matches_general_mpmath_50_digits(dd, TT, TT0, ll, s, s0, nn, norm):
    ex = {k: exact(v) for k, v in dict(ll=ll, s=s, s0=s0, norm=norm).items()}  # floats = shortest decimals
    with mpmath.workdps(60):
        mp = {k: mpmath.mpf(v.numerator) / v.denominator for k, v in ex.items()}
        u = [mpmath.mpf(1)] * dd  # ungrouped: the general sums term by term
        k = fp.kappa_mp(mp["ll"], TT, u)
        df2 = fp.df_mp(2, k, u)
        tr2 = mpmath.fsum(1 / (x + k) ** 2 for x in u)
        btr = mpmath.fsum(mp["norm"] ** 2 / dd * x / (x + k) ** 2 for x in u)
        general = (k**2 * btr + mp["s"] ** 2 * df2 / TT) / (1 - df2 / TT) + nn * mp["s0"] ** 2 * (
            df2 + k**2 * tr2 * df2 / (TT - df2)) / (TT0 - dd)
        r = {k: R(v.numerator, v.denominator) for k, v in ex.items()}
        closed = F.bias_variance_isotropic() + n * sigma0**2 * F.rho_isotropic()
        closed = closed.subs(kappa, F.kappa_isotropic()).subs(
            {lam: r["ll"], phi: R(dd, TT), phi0: R(dd, TT0), sigma: r["s"], sigma0: r["s0"], n: nn,
             w0norm: r["norm"]})
        closed_mp = mpmath.mpf(str(sp.N(closed, 70)))
        assert abs(general - closed_mp) <= mpmath.mpf(10) ** -45 * abs(closed_mp)


def test_eq18_reference_value_theory_md():
    # docs/theory/results.md#results-thm43: d = 200, T0 = 100, T = 300, λ = 0.05, λ_j = 1/j: Eq. 18 gives ρ = 0.26234 (MC 0.26490).
    ev_a = 1.0 / np.arange(1, 201)
    k = fp.kappa(0.05, 300, ev_a)
    k0 = fp.kappa(0.0, 100, ev_a)
    rho = eval_sums(F.rho_eq18(), ev_a, kappa=k, kappa0=k0, T=300, T0=100)
    assert rho == pytest.approx(0.26234, abs=5e-6)


def test_lemma_f8_one_step_map_reduces_to_projection_mean_for_identity():
    # predict's over-parametrised branch iterates Lemma F.8's one-step identity
    #   E P N P ≃ D²N + κ0² Σ(Σ+κ0)⁻² tr(N Σ(Σ+κ0)⁻²)/(T0 − df2(κ0)),  D = Σ(Σ+κ0)⁻¹,
    # for diagonal N. At Σ = I (κ0 = φ0 − 1, T0 = d/φ0) a constant N = ν must give ν/φ0 (E‖Pv‖² = (T0/d)‖v‖²),
    # and with N = Σ it must give F.8's printed A_0 = (Σ+κ0)⁻²(Σ² + κ0² df2(κ0)/(T0 − df2(κ0))) times Σ.
    nu, x = sp.symbols("nu x", positive=True)
    k0 = phi0 - 1
    D, e0 = 1 / (1 + k0), 1 / (1 + k0) ** 2
    den0 = d / phi0 - d * D**2
    one_step = D**2 * nu + k0**2 * e0 * (d * nu * e0) / den0
    assert sp.simplify(one_step - nu / phi0) == 0
    # general Σ, one coordinate x = λ_j, with df2(κ0) = D2 and T0 symbolic: N = Σ reproduces Σ·A_0
    D2 = sp.Symbol("D2", positive=True)
    tr = D2  # tr(Σ · Σ(Σ+κ0)⁻²) = df2(κ0)
    step = (x / (x + kappa0)) ** 2 * x + kappa0**2 * x / (x + kappa0) ** 2 * tr / (T0 - D2)
    A0 = (x**2 + kappa0**2 * D2 / (T0 - D2)) / (x + kappa0) ** 2
    assert sp.simplify(step - x * A0) == 0
