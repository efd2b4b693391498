r"""Power-law scaling laws of §5, *derived* from the deterministic equivalents (Thm 5.1, Cor 5.2, App. G/H).

Nothing here types in an exponent of the paper. :func:`derive` takes the very SymPy builders that
:func:`~symcollapse.theory.evaluate.predict` evaluates (:func:`~symcollapse.theory.formulas.kappa_equation`,
:func:`~symcollapse.theory.formulas.bias_prop42`, :func:`~symcollapse.theory.formulas.variance_prop42`,
:func:`~symcollapse.theory.formulas.rho_eq19`), substitutes the power law :math:`\lambda_j = j^{-\beta}`,
:math:`c_j^2 = j^{-\delta}`, :math:`\delta = 1 + \beta(2r - 1)` (Eqs. 23–26), rewrites every spectral sum
with Lemma I.1 (:mod:`symcollapse.theory._orders`) and composes the resulting orders:

* Eq. 9, :math:`\kappa - \lambda = \kappa\,\mathrm{df}_1(\kappa)/T`: with :math:`\lambda \asymp T^{-\ell}`
  the correction :math:`\kappa\,\mathrm{df}_1/T \asymp T^{-\ell + \ell/\beta - 1}` is negligible iff
  :math:`\ell < \beta`, hence :math:`\kappa \asymp \lambda \asymp T^{-\ell}` and
  :math:`\mathrm{df}_m(\kappa) \asymp \kappa^{-1/\beta} = T^{\ell/\beta}` (App. H.1);
* Prop 4.2: Bias :math:`\asymp T^{-2\ell\underline r}`, Var :math:`\asymp \sigma^2 T^{-(1-\ell/\beta)}`
  (App. H.2; :math:`\underline r = \min(r, 1)` appears as the minimum in Lemma I.1);
* Eq. 19 with :math:`d = \phi_0 T_0`: :math:`\rho \asymp \frac{1}{1-\phi_0}\max(T/T_0, \phi_0)\,
  T^{-(1-\ell/\beta)}` (Thm 5.1);
* with :math:`T_0 \asymp T^b`, :math:`n\sigma_0^2 \asymp T^a` (Cor 5.2): the collapse term
  :math:`\asymp T^{a + \ell/\beta - \min(b, 1)}`.

Optimal exponents are the minimisers over :math:`\ell \in [0, \beta]` of the maximum of these linear
exponents (the crossing of the decreasing bias with the increasing terms): :math:`\ell_{crit}`, :math:`c`
(Cui et al.), :math:`\ell_\star` and the rate of Cor 5.2 (Eq. 28), the App. G optimum, and Eq. 29.

Conventions and typos (docs/theory/differences.md): an *exponent* :math:`e` means the term is :math:`\asymp T^e` (so a
rate :math:`T^{-c}` has exponent :math:`-c`). Cor 5.2's ":math:`n \asymp T^b`" is read as
:math:`n\sigma_0^2 \asymp T^a`, :math:`T_0 \asymp T^b`. Eq. 29's "diverges if
:math:`b \ge a + 1 - c`" is corrected to :math:`b < a + 1 - c`. App. H's
:math:`\kappa^{-\gamma}`, :math:`(\lambda_i + \kappa^{-1}\lambda_i)^2` and :math:`T^{1-2\ell_2-\ell/\beta}`
typos are not reproduced: the derivation goes through Lemma I.1 directly.

Where the derivation and the paper differ: Cor 5.2 and App. G hold :math:`\phi_0 = d/T_0` fixed and allow
any :math:`b > 0`. For :math:`b > 1` (so :math:`d \asymp T_0 \gg T`) the :math:`\phi_0` branch of
:math:`\max(T/T_0, \phi_0)` dominates, and the collapse term is :math:`T^{a + \ell/\beta - 1}`, not
:math:`T^{a + \ell/\beta - b}`. The stated results hold for :math:`b \le 1` (i.e. :math:`T \gtrsim d`, as
docs/theory/scaling.md says). For :math:`b > 1` this module gives
:math:`\ell_\star = \min((1-a)\ell_{crit}, \beta)`, rate :math:`-(1-a)c`, :math:`\gamma = 1 - a`.

Finite :math:`d` below the effective dimension (see docs/theory/scaling.md): with :math:`T_0 \asymp T^b` and
:math:`d = \phi_0 T_0`, the exponents above need :math:`T^{\ell/\beta} \ll d`, i.e. :math:`b > \ell/\beta`.
:func:`scaling_law` checks it (and :math:`b > \ell_{crit}/\beta` for Eq. 29 / App. G at :math:`\ell_{crit}`);
where it fails every spectral sum is dominated by the finite-dimensional tail, :func:`derive_saturated`
composes the same builders with that tail, and the collapse term is bounded at :math:`a = 0` (it tends to
:math:`\phi_0/(1-\phi_0)`) and grows like :math:`T^a` otherwise.
"""

from __future__ import annotations

import functools
import numbers
from dataclasses import dataclass, field
from typing import Any

import sympy as sp

from symcollapse import _display
from symcollapse import results as _results
from symcollapse.spec import RegimeError, SpecError, exact
from symcollapse.theory import symbols as S
from symcollapse.theory._orders import Order, OrderEvaluator, Region, lemma_I1, match_summand

__all__ = ["scaling_law", "ScalingLaw", "derive", "derive_saturated", "Derivation", "region", "argmin_ell"]

NOISES = ("noisy", "noiseless")


# --------------------------------------------------------------------------------------------------------
# Regions (cases) and the derivation
# --------------------------------------------------------------------------------------------------------


def region(r_case: str = "le", b_case: str | None = None) -> Region:
    r"""The valid region as a chart onto nonnegative dummies, for one case of :math:`r` (and :math:`b`).

    :math:`\beta = 1 + B` (:math:`B > 0`); :math:`\ell = \beta L/(1 + L)` (:math:`0 \le \ell < \beta`);
    :math:`r = 1/(1 + R)` for ``r_case="le"`` (:math:`0 < r \le 1`) or :math:`1 + R` for ``"ge"``;
    :math:`a = A \ge 0`; :math:`b = 1/(1+B_b)` (``"le"``, :math:`0 < b \le 1`) or :math:`1 + B_b` (``"ge"``);
    :math:`\phi_0 = 1/(1+P)` (:math:`0 < \phi_0 < 1`).
    """
    Bd, Pd = sp.symbols("B P", positive=True)
    Ld, Rd, Ad, Bbd = sp.symbols("L R A B_b", nonnegative=True)
    beta = 1 + Bd
    chart = {
        S.beta: beta,
        S.ell: beta * Ld / (1 + Ld),
        S.r: 1 / (1 + Rd) if r_case == "le" else 1 + Rd,
        S.a: Ad,
        S.phi0: 1 / (1 + Pd),
    }
    if b_case is not None:
        chart[S.b] = 1 / (1 + Bbd) if b_case == "le" else 1 + Bbd
    label = f"beta > 1, 0 <= ell < beta, r {'<=' if r_case == 'le' else '>='} 1" + (
        "" if b_case is None else f", b {'<=' if b_case == 'le' else '>='} 1"
    )
    return Region.make(chart, label)


@dataclass
class Derivation:
    r"""Every intermediate order of the derivation on one :func:`region` (internal symbols of
    :mod:`~symcollapse.theory.symbols`; :math:`\ell` free)."""

    region: Region
    kappa: Order
    df1: Order
    df2: Order
    bias: Order
    variance: Order
    rho: Order  # in T and T0 (d = phi0 T0): the max(T/T0, phi0) structure of Thm 5.1
    collapse: Order  # n sigma0^2 rho in T alone, T0 ≍ T^b (b = 1 when b_case is None), n sigma0^2 ≍ T^a
    steps: list = field(default_factory=list)

    def exponents(self, name: str) -> list:
        return getattr(self, name).exponents(S.T)


def _lemma_env(reg: Region, kappa_order: Order) -> dict:
    return {
        S.kappa: kappa_order,
        S.lam: Order.power(S.T, -S.ell, reg, exact=False),
        S.T: Order.power(S.T, 1, reg),
        S.T0: Order.power(S.T0, 1, reg),
        S.sigma: Order.const(S.sigma, reg),
    }


@functools.cache
def derive(r_case: str = "le", b_case: str | None = None) -> Derivation:
    r"""Derive the orders of κ, df, Bias, Var, ρ and the collapse term from the builders of
    :mod:`~symcollapse.theory.formulas` (see the module docstring). Cached per case."""
    from symcollapse.theory import formulas as F  # noqa: PLC0415  (SymPy builders, imported lazily)

    reg = region(r_case, b_case)
    delta = 1 + S.beta * (2 * S.r - 1)
    steps: list = []
    lam_order = Order.power(S.T, -S.ell, reg, exact=False)
    steps.append(f"ridge: lambda ≍ {lam_order.factored()}")

    # --- Eq. 9: κ − λ − κ df1(κ)/T = 0, ansatz κ ≍ λ, then check the Sum term is negligible.
    eq = sp.expand(F.kappa_equation())
    lead = [t for t in sp.Add.make_args(eq) if not t.has(sp.Sum)]
    corr = [t for t in sp.Add.make_args(eq) if t.has(sp.Sum)]
    ev0 = OrderEvaluator(_lemma_env(reg, lam_order), reg, S.beta, delta, None, steps)
    corr_order = Order((), reg)
    for t in corr:
        corr_order = corr_order + ev0(-t if t.could_extract_minus_sign() else t)
    if not corr_order.dominated_by(lam_order):
        raise RegimeError("kappa ≍ lambda needs ell < beta (Eq. 9 correction not negligible)")
    (kappa_sol,) = sp.solve(sp.Add(*lead), S.kappa, rational=True, simplify=False)
    kappa_order = ev0(kappa_sol)
    steps.append(
        f"Eq. 9: kappa*df1(kappa)/T ≍ {corr_order.factored()} ≪ kappa (ell < beta), so the leading balance "
        f"{sp.Add(*lead)} = 0 gives kappa = {kappa_sol} ≍ {kappa_order.factored()}"
    )

    env = _lemma_env(reg, kappa_order)
    ev_inf = OrderEvaluator(env, reg, S.beta, delta, None, steps)
    df1 = ev_inf(F.df_sum(1))
    df2 = ev_inf(F.df_sum(2))
    steps.append(f"df_1(kappa) ≍ {df1.factored()}, df_2(kappa) ≍ {df2.factored()}  (≍ kappa^(-1/beta))")
    bias = ev_inf(F.bias_prop42())
    steps.append(f"Bias (Prop 4.2) ≍ {bias.factored()}")
    variance = ev_inf(F.variance_prop42())
    steps.append(f"Var (Prop 4.2) ≍ {variance.factored()}")

    # --- Eq. 19 at finite d = phi0*T0 (T0 >= d + 2 needs a finite d).
    d_order = Order.power(S.T0, 1, reg, coeff=S.phi0)
    ev_d = OrderEvaluator(env, reg, S.beta, delta, d_order, steps)
    rho = ev_d(F.rho_eq19().subs(S.d, S.phi0 * S.T0))
    steps.append(f"rho (Eq. 19, d = phi0 T0) ≍ {rho.factored()}")
    bb = S.b if b_case is not None else sp.S.One
    collapse = rho.substitute({S.T0: Order.power(S.T, bb, reg)}) * Order.power(S.T, S.a, reg)
    steps.append(f"n sigma0^2 rho with T0 ≍ T^{bb}, n sigma0^2 ≍ T^a: ≍ {collapse.factored()}")
    return Derivation(reg, kappa_order, df1, df2, bias, variance, rho, collapse, steps)


class _SaturatedEvaluator(OrderEvaluator):
    r"""Spectral sums at finite :math:`d` *beyond* the effective dimension: :math:`t\,d^\beta \ll 1`.

    Every :math:`\lambda_j = j^{-\beta}` with :math:`j \le d` is then much larger than the shift :math:`t`,
    so :math:`\sum_{j\le d} j^{-s}(j^{-\beta}+t)^{-m} \asymp \sum_{j\le d} j^{m\beta - s}`: the
    :math:`m = 0` row of Lemma I.1 with :math:`s \to s - m\beta` (the finite-dimensional tail).
    """

    def _sum(self, expr: sp.Sum) -> Order:
        jv = expr.limits[0][0]
        coeff, s, shift, m = match_summand(expr.function, jv, self.beta, self.delta)
        if shift is not None:
            lead = self(shift) * self.d.pow(self.beta)
            if not lead.dominated_by(Order.const(1, self.region, exact=False)):
                raise RegimeError(f"saturated branch needs t d^beta << 1, got t d^beta ≍ {lead.factored()}")
        res = lemma_I1(s - m * self.beta, 0, self.beta, Order.const(1, self.region), self.d) * self(coeff)
        self.steps.append(f"saturated sum: Sum(j^-({s}) (j^-beta + {shift})^-{m}) ≍ {res.factored()}")
        return res


@functools.cache
def derive_saturated(beta: sp.Expr, r: sp.Expr, a: sp.Expr, b: sp.Expr) -> dict:
    r"""Exponents of bias, variance, collapse term and df when :math:`d \asymp T^b` is *below* the effective
    dimension :math:`T^{\ell/\beta}` (:math:`b \le \ell/\beta`; see docs/theory/scaling.md).

    The same builders as :func:`derive` (Eq. 9, Prop 4.2, Eq. 19 with :math:`d = \phi_0 T_0`,
    :math:`T_0 \asymp T^b`), with the sums of :class:`_SaturatedEvaluator`: :math:`\kappa \asymp \lambda`,
    :math:`\mathrm{df}_m \asymp d`, Bias :math:`\asymp T^{-2\ell + 2b\beta(1-\underline r)}`, Var
    :math:`\asymp \sigma^2 T^{b-1}`, :math:`\rho \to \phi_0/(1-\phi_0)`, so the collapse term is
    :math:`\asymp T^a` (bounded at :math:`a = 0`). ``beta, r, a, b`` are numbers with :math:`b < 1`;
    ``ell`` a number in :math:`[\beta b, \beta)` or the free symbol (then charted onto that interval).
    """
    from symcollapse.theory import formulas as F  # noqa: PLC0415

    Ld, Pd = sp.symbols("L P", positive=True)
    ell_value = beta * (b + (1 - b) * Ld / (1 + Ld))
    reg = Region.make({S.beta: beta, S.r: r, S.ell: ell_value, S.a: a, S.b: b, S.phi0: 1 / (1 + Pd)},
                      f"d below the effective dimension (b = {b} <= ell/beta)")
    delta = 1 + beta * (2 * r - 1)
    steps: list = []
    lam = Order.power(S.T, -S.ell, reg, exact=False)
    env = {S.kappa: lam, S.lam: lam, S.T: Order.power(S.T, 1, reg), S.T0: Order.power(S.T, b, reg),
           S.sigma: Order.const(S.sigma, reg)}
    ev = _SaturatedEvaluator(env, reg, beta, delta, Order.power(S.T, b, reg, coeff=S.phi0), steps)
    at_d = {S.d: S.phi0 * S.T0, S.beta: beta, S.r: r}
    eq = sp.expand(F.kappa_equation().subs(at_d))
    corr = Order((), reg)
    for t in (t for t in sp.Add.make_args(eq) if t.has(sp.Sum)):
        corr = corr + ev(-t if t.could_extract_minus_sign() else t)
    if not corr.dominated_by(lam):
        raise RegimeError("kappa ≍ lambda needs d << T at finite d (b < 1)")
    orders = {name: ev(f.subs(at_d)) for name, f in (
        ("bias", F.bias_prop42()), ("variance", F.variance_prop42()), ("rho", F.rho_eq19()), ("df", F.df_sum(2)))}
    out = {k: _reduce(sp.Max, [sp.expand(e) for e in o.exponents(S.T)], reg) for k, o in orders.items()}
    out["collapse"] = sp.expand(out.pop("rho") + a)
    out["steps"] = tuple(steps)
    return out


# --------------------------------------------------------------------------------------------------------
# Minimising a maximum of linear exponents over ell
# --------------------------------------------------------------------------------------------------------


def _slope(e: sp.Expr) -> sp.Expr:
    if sp.cancel(sp.diff(e, S.ell, 2)) != 0:
        raise ValueError(f"exponent {e} is not linear in ell")
    return sp.cancel(sp.diff(e, S.ell))


def argmin_ell(dec: list, inc: list, reg: Region, hi: sp.Expr = S.beta) -> tuple[sp.Expr, sp.Expr]:
    r"""Minimiser and minimum over :math:`\ell \in [0, \mathrm{hi}]` of :math:`\max(\text{dec} \cup \text{inc})`.

    ``dec`` are exponents decreasing in :math:`\ell`, ``inc`` increasing ones (all linear). The maximum of the
    decreasing ones exceeds the maximum of the increasing ones iff :math:`\ell \le \max_i\min_k x_{ik}`,
    :math:`x_{ik}` the crossing of :math:`e_i` and :math:`e_k`; that point, clipped to :math:`[0, hi]`, is the
    minimiser, and there the maximum equals :math:`\max_i e_i` (the decreasing side).
    """
    if not dec:
        x = sp.S.Zero
    elif not inc:
        x = hi
    else:
        xs = []
        for ei in dec:
            # e_i - e_k is linear in ell: its root is -(value at 0)/slope
            cands = [
                sp.cancel(-(ei - ek).subs(S.ell, 0) / _slope(ei - ek)) for ek in inc
            ]
            xs.append(_reduce(sp.Min, cands, reg))
        x = _reduce(sp.Max, xs, reg)
    # clip to [0, hi]; a crossing below 0 only happens if the collapse term diverges for every ell
    s_hi = reg.sign(x - hi)
    ell_star = x if s_hi in (-1, -2, 0) else (hi if s_hi in (1, 2) else sp.Min(x, hi))
    s_lo = reg.sign(ell_star)
    if s_lo in (-1, -2):
        ell_star = sp.S.Zero
    elif s_lo is None and not ell_star.has(sp.Min):
        ell_star = sp.Max(ell_star, 0)
    if dec:
        rate = _reduce(sp.Max, [sp.cancel(e.subs(S.ell, ell_star)) for e in dec], reg)
    else:
        rate = _reduce(sp.Max, [sp.cancel(e.subs(S.ell, ell_star)) for e in inc], reg)
    return ell_star, rate


def _reduce(op, args: list, reg: Region) -> sp.Expr:
    """``op`` (``sp.Max``/``sp.Min``) of ``args``, dropping arguments the region proves irrelevant."""
    keep: list = []
    for e in args:
        e = sp.sympify(e)
        dominated = False
        new = []
        for k in keep:
            s = reg.sign(k - e)
            better_k = s in (1, 2, 0) if op is sp.Max else s in (-1, -2, 0)
            better_e = s in (-1, -2) if op is sp.Max else s in (1, 2)
            if better_k:
                dominated = True
                new.append(k)
            elif better_e:
                continue
            else:
                new.append(k)
        keep = new if dominated else new + [e]
    return keep[0] if len(keep) == 1 else op(*keep)


def _split(exps: list, reg: Region) -> tuple[list, list, list]:
    dec, inc, flat = [], [], []
    for e in exps:
        s = reg.sign(_slope(e))
        if s == -1:
            dec.append(e)
        elif s == 1:
            inc.append(e)
        elif s == 0:
            flat.append(e)
        else:
            raise ValueError(f"cannot decide the monotonicity in ell of {e}")
    return dec, inc, flat


@dataclass
class _CaseLaw:
    """All exponents of one case, in internal symbols (ell free)."""

    bias: sp.Expr
    variance: sp.Expr
    collapse: sp.Expr
    kappa: sp.Expr
    df: sp.Expr
    ell_crit: sp.Expr
    c: sp.Expr
    ell_star: sp.Expr
    rate: sp.Expr
    ell_noisy: sp.Expr
    rate_noisy: sp.Expr
    gamma: sp.Expr
    crit_noiseless: sp.Expr  # exponent at ell_crit, sigma = 0 (Eq. 29)
    crit_noiseless_pos: sp.Expr  # its arguments that are not provably negative (-oo if none)
    crit_noisy: sp.Expr
    crit_noisy_pos: sp.Expr


def _canon(e: sp.Expr) -> sp.Expr:
    """Canonical display form of an exponent: expanded (``ell/beta - 1`` rather than ``(ell - beta)/beta``)."""
    return sp.expand(e)


def _not_negative(args: list, reg: Region) -> sp.Expr:
    keep = [e for e in args if reg.sign(e) not in (-1,)]
    return _reduce(sp.Max, keep, reg) if keep else sp.S.NegativeInfinity


@functools.cache
def _case_law(r_case: str, b_case: str | None) -> _CaseLaw:
    der = derive(r_case, b_case)
    reg = der.region
    be, ve, ce = (
        [_canon(e) for e in der.exponents(name)] for name in ("bias", "variance", "collapse")
    )
    b_dec, b_inc, _ = _split(be, reg)
    v_dec, v_inc, _ = _split(ve, reg)
    c_dec, c_inc, _ = _split(ce, reg)
    # clean, noisy (Cui et al.): decreasing bias against increasing variance
    ell_crit, minus_c = argmin_ell(b_dec + v_dec, b_inc + v_inc, reg)
    # Cor 5.2 (noiseless): bias against the collapse term
    ell_star, rate = argmin_ell(b_dec + c_dec, b_inc + c_inc, reg)
    # App. G (noisy + fake): bias against variance and collapse
    ell_noisy, rate_noisy = argmin_ell(b_dec + v_dec + c_dec, b_inc + v_inc + c_inc, reg)
    high = _reduce(sp.Max, ve + ce, reg)
    at_crit0 = [_canon(e.subs(S.ell, ell_crit)) for e in be + ce]
    at_crit1 = [_canon(e.subs(S.ell, ell_crit)) for e in be + ve + ce]
    return _CaseLaw(
        bias=_reduce(sp.Max, be, reg),
        variance=_reduce(sp.Max, ve, reg),
        collapse=_reduce(sp.Max, ce, reg),
        kappa=_canon(der.kappa.exponent()),
        df=_canon(der.df2.exponent()),
        ell_crit=ell_crit,
        c=_canon(-minus_c),
        ell_star=ell_star,
        rate=_canon(rate),
        ell_noisy=ell_noisy,
        rate_noisy=_canon(rate_noisy),
        gamma=_canon(S.ell / S.beta - high),
        crit_noiseless=_reduce(sp.Max, at_crit0, reg),
        crit_noiseless_pos=_not_negative(at_crit0, reg),
        crit_noisy=_reduce(sp.Max, at_crit1, reg),
        crit_noisy_pos=_not_negative(at_crit1, reg),
    )


# --------------------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------------------


def _param(value: Any, name: str) -> sp.Expr:
    if isinstance(value, sp.Basic):
        if value.is_Float:
            return sp.Rational(exact(float(value), name))
        return value
    if isinstance(value, bool) or not isinstance(value, (numbers.Real, str)):
        raise SpecError(f"{name} must be a number or a SymPy expression, got {type(value).__name__}")
    return sp.Rational(exact(value, name))


def _nice(e: sp.Expr) -> sp.Expr:
    """The shortest of a few equivalent forms (expanded, factored, cancelled), recursing into Max/Min."""
    if isinstance(e, (sp.Max, sp.Min)):
        return type(e)(*(_nice(x) for x in e.args))
    if not isinstance(e, sp.Expr) or e.is_number:
        return e
    forms = [e, sp.expand(e), sp.factor_terms(e), sp.cancel(e)]
    return min(forms, key=lambda f: (sp.count_ops(f), len(str(f))))


def _combine(e_le: sp.Expr, e_ge: sp.Expr, var: sp.Symbol) -> sp.Expr:
    r"""One expression from the cases ``var <= 1`` and ``var >= 1``: ``e_le(min(var, 1))`` when the cases
    agree at ``var = 1`` the way :math:`\underline r = \min(r, 1)` does, else a ``Piecewise``."""
    if e_le.has(sp.Piecewise, sp.oo, -sp.oo) or e_ge.has(sp.Piecewise, sp.oo, -sp.oo):
        if e_le == e_ge:
            return e_le
        return sp.Piecewise((e_le, var <= 1), (e_ge, True))
    if sp.cancel(e_ge - e_le.subs(var, 1)) == 0 and not e_ge.has(var):
        return e_le.subs(var, sp.Min(var, 1))
    return sp.Piecewise((e_le, var <= 1), (e_ge, True))


@dataclass(frozen=True)
class ScalingLaw:
    r"""Power-law exponents of the test error (Thm 5.1, Cor 5.2, App. G/H), derived by :func:`derive`.

    An exponent :math:`e` means the term is :math:`\asymp T^e` (``-oo`` for a term that vanishes). All
    attributes are SymPy expressions: numbers when the inputs are numbers (``float(law.c)`` works), and
    expressions in the given symbols otherwise. ``None`` when not defined for the inputs (``ell_star``,
    ``rate``, ``diverges`` and the App. G attributes need ``b``).

    Attributes
    ----------
    beta, r, ell, a, b, noise
        The inputs (``ell`` is the free symbol :data:`~symcollapse.theory.symbols.ell` if not given).
    delta, r_low
        :math:`\delta = 1 + \beta(2r-1)` and :math:`\underline r = \min(r, 1)` (definitions, Eqs. 23–26).
    ell_crit, c
        :math:`\ell_{crit} = \beta/(2\beta\underline r + 1)` and :math:`c = 2\beta\underline r/(2\beta\underline r+1)`:
        minimiser and minus the minimal exponent of the clean noisy error (Cui et al.; App. H.2).
    kappa_exponent, df_exponent
        :math:`\kappa \asymp T^{-\ell}`, :math:`\mathrm{df}_m(\kappa) \asymp T^{\ell/\beta}` (App. H.1).
    bias_exponent, variance_exponent
        Clean bias :math:`-2\ell\underline r` and variance :math:`-(1-\ell/\beta)` (``-oo`` if noiseless).
    collapse_exponent
        :math:`n\sigma_0^2\rho` with :math:`n\sigma_0^2 \asymp T^a`, :math:`T_0 \asymp T^b`, :math:`\phi_0` fixed:
        :math:`a + \ell/\beta - \min(b, 1)` (Thm 5.1; :math:`b = 1`, :math:`a = 0` when not given).
    total_exponent
        The maximum of the three (Thm 5.1).
    ell_star, rate
        Cor 5.2 (Eq. 28), noiseless: :math:`\ell_\star = \min((b-a)\ell_{crit}, \beta)` and the optimal
        exponent :math:`-(b-a)c` (for :math:`b \le 1`; see the module docstring for :math:`b > 1`).
    diverges, crit_exponent
        Eq. 29: exponent of the noiseless error at :math:`\ell = \ell_{crit}`, and whether it is
        :math:`> 0`; for :math:`b \le 1` this is :math:`b < a + 1 - c` (the paper's ":math:`\ge`" is a typo,
        docs/theory/differences.md).
    gamma, ell_noisy, rate_noisy, noisy_low_exponent, noisy_high_exponent, crit_noisy_exponent, crit_noisy_consistent
        App. G (noisy + fake): :math:`\gamma = \min(1, b) - a` as derived (the paper's :math:`\min(1, b-a)`
        agrees for :math:`b \le 1`, the regime where App. G is valid), the optimum :math:`\min(\ell_\star, \ell_{crit})`
        and its exponent, the error exponents for :math:`\ell \le \ell_{crit}` (bias + collapse) and
        :math:`\ell \ge \ell_{crit}` (variance + collapse, :math:`-(\gamma - \ell/\beta)`), the exponent at
        :math:`\ell_{crit}`, :math:`-(\gamma - 1/(2\beta\underline r + 1))`, and whether it is negative.
    ell_opt, rate_opt
        The optimal exponent for the chosen ``noise`` (noisy: App. G or :math:`\ell_{crit}`; noiseless:
        Cor 5.2 or :math:`\ell = \beta`, the fast rate :math:`-2\beta\underline r`) and its error exponent.
    conditions
        With ``b``: the hypotheses of the :math:`d \to \infty`-style exponents, as SymPy relations:
        ``"ell"``: :math:`b > \ell/\beta` (the effective dimension :math:`T^{\ell/\beta}` stays below
        :math:`d \asymp T^b`) for the exponents at the given :math:`\ell`; ``"ell_crit"``:
        :math:`b > \ell_{crit}/\beta` for Eq. 29 and App. G at :math:`\ell_{crit}`.
    saturated
        ``True`` when a condition fails and the finite-:math:`d` branch of :func:`derive_saturated` was used
        (bounded collapse term at :math:`a = 0`, slope :math:`a` otherwise); ``False`` when all hold;
        ``None`` when they cannot be decided (symbolic inputs: the expressions then hold where
        :attr:`conditions` do).
    """

    beta: sp.Expr
    r: sp.Expr
    ell: sp.Expr
    a: sp.Expr | None
    b: sp.Expr | None
    noise: str
    delta: sp.Expr
    r_low: sp.Expr
    ell_crit: sp.Expr
    c: sp.Expr
    kappa_exponent: sp.Expr
    df_exponent: sp.Expr
    bias_exponent: sp.Expr
    variance_exponent: sp.Expr
    collapse_exponent: sp.Expr
    total_exponent: sp.Expr
    ell_opt: sp.Expr
    rate_opt: sp.Expr
    ell_star: sp.Expr | None = None
    rate: sp.Expr | None = None
    crit_exponent: sp.Expr | None = None
    diverges: sp.Basic | None = None
    gamma: sp.Expr | None = None
    ell_noisy: sp.Expr | None = None
    rate_noisy: sp.Expr | None = None
    noisy_low_exponent: sp.Expr | None = None
    noisy_high_exponent: sp.Expr | None = None
    crit_noisy_exponent: sp.Expr | None = None
    crit_noisy_consistent: sp.Basic | None = None
    conditions: dict = field(default_factory=dict, hash=False)
    saturated: bool | None = None

    _FIELDS = (
        ("ell_crit", r"\ell_{crit}", "clean optimal ℓ (Cui et al.)"),
        ("c", "c", "clean optimal rate: E ≍ T^-c"),
        ("kappa_exponent", r"\kappa", "κ ≍ T^e"),
        ("df_exponent", r"\mathrm{df}_m", "df_m(κ) ≍ T^e"),
        ("bias_exponent", r"\mathrm{Bias}", "clean bias"),
        ("variance_exponent", r"\mathrm{Var}", "clean variance"),
        ("collapse_exponent", r"n\sigma_0^2\rho", "model-collapse term"),
        ("total_exponent", r"E_{test}", "total (Thm 5.1)"),
        ("ell_opt", r"\ell_{opt}", "optimal ℓ for this noise"),
        ("rate_opt", r"E_{test}(\ell_{opt})", "its exponent"),
        ("ell_star", r"\ell_\star", "Cor 5.2 optimal ℓ (Eq. 28)"),
        ("rate", r"\inf_\ell E_{test}", "Cor 5.2 rate"),
        ("crit_exponent", r"E_{test}(\ell_{crit})", "Eq. 29, noiseless at ℓ_crit"),
        ("diverges", r"\text{diverges}", "Eq. 29 (corrected): diverges"),
        ("gamma", r"\gamma", "App. G: γ"),
        ("ell_noisy", r"\ell_{G}", "App. G optimal ℓ"),
        ("rate_noisy", r"E_{test}(\ell_{G})", "App. G optimal exponent"),
        ("noisy_low_exponent", r"E_{test}^{\ell\le\ell_{crit}}", "App. G, ℓ ≤ ℓ_crit"),
        ("noisy_high_exponent", r"E_{test}^{\ell\ge\ell_{crit}}", "App. G, ℓ ≥ ℓ_crit"),
        ("crit_noisy_exponent", r"E_{test}^{noisy}(\ell_{crit})", "App. G at ℓ_crit"),
        ("crit_noisy_consistent", r"\text{consistent}", "App. G: → 0 at ℓ_crit"),
    )

    def items(self):
        """``(name, value, description)`` for every defined exponent."""
        for name, _, desc in self._FIELDS:
            v = getattr(self, name)
            if v is not None:
                yield name, v, desc

    def dominant(self) -> list[str]:
        """Names of the terms (bias, variance, collapse) that attain :attr:`total_exponent` (numbers only)."""
        out = []
        for name in ("bias", "variance", "collapse"):
            e = getattr(self, f"{name}_exponent")
            if sp.cancel(e - self.total_exponent) == 0 if e.is_finite else False:
                out.append(name)
        return out

    __repr__ = _display.scaling_repr
    _repr_html_ = _display.scaling_html
    _repr_latex_ = _display.scaling_latex

    def to_frame(self):
        """This law as a one-row :class:`pandas.DataFrame` (exponents as floats; see :func:`symcollapse.to_frame`)."""
        return _results.to_frame(self)

    def latex(self) -> str:
        """A LaTeX ``aligned`` block: one line per exponent, :math:`X \\asymp T^{e}`."""
        lines = []
        for name, tex, _ in self._FIELDS:
            v = getattr(self, name)
            if v is None:
                continue
            if name in ("diverges", "crit_noisy_consistent", "ell_crit", "c", "ell_opt", "ell_star", "gamma",
                        "ell_noisy"):
                lines.append(rf"{tex} &= {sp.latex(v)}")
            else:
                lines.append(rf"{tex} &\asymp T^{{{sp.latex(v)}}}")
        return "\\begin{aligned}\n" + " \\\\\n".join(lines) + "\n\\end{aligned}"

    def __str__(self) -> str:
        head = f"ScalingLaw(beta={self.beta}, r={self.r}, ell={self.ell}, a={self.a}, b={self.b}, noise={self.noise})"
        rows = [head]
        for name, v, desc in self.items():
            num = ""
            if isinstance(v, sp.Expr) and v.is_number:
                num = f"  ≈ {float(v):.6g}" if v.is_finite else ""
            rows.append(f"  {name:22s} = {sp.sstr(v)}{num}    # {desc}")
        return "\n".join(rows)


def _inputs(beta: Any, r: Any, ell: Any, a: Any, b: Any, noise: str) -> tuple:
    """The inputs of :func:`scaling_law` as SymPy values, or a :class:`SpecError` naming the bad one."""
    if noise not in NOISES:
        raise SpecError(f"noise must be one of {NOISES}, got {noise!r}")
    beta_, r_ = _param(beta, "beta"), _param(r, "r")
    ell_ = S.ell if ell is None else _param(ell, "ell")
    a_ = None if a is None else _param(a, "a")
    b_ = None if b is None else _param(b, "b")
    if beta_.is_number and not beta_ > 1:
        raise SpecError(f"beta must be > 1 (capacity condition, Eq. 23), got {beta_}")
    if beta_.is_positive is False:
        raise SpecError(f"beta must be > 1, got {beta_}")
    if (r_.is_number and not r_ > 0) or r_.is_positive is False:
        raise SpecError(f"r must be > 0 (source condition), got {r_}")
    if ell_.is_number and (ell_ < 0 or (beta_.is_number and ell_ >= beta_)):
        raise SpecError(f"ell must satisfy 0 <= ell < beta (Thm 5.1 needs ell in [0, beta)), got {ell_}")
    if ell_.is_negative:
        raise SpecError(f"ell must satisfy 0 <= ell < beta, got {ell_}")
    if a_ is not None and ((a_.is_number and a_ < 0) or a_.is_negative):
        raise SpecError(f"a must be >= 0 (n sigma0^2 ≍ T^a), got {a_}")
    if b_ is not None and ((b_.is_number and not b_ > 0) or b_.is_positive is False):
        raise SpecError(f"b must be > 0 (T0 ≍ T^b), got {b_}")
    return beta_, r_, ell_, a_, b_


def scaling_law(beta: Any, r: Any, ell: Any = None, a: Any = None, b: Any = None, noise: str = "noisy") -> ScalingLaw:
    r"""The power-law scaling law of the test error, derived from the deterministic equivalents.

    Setting (paper §5, Eqs. 23–29; see docs/theory/scaling.md): :math:`\lambda_j \asymp j^{-\beta}`, :math:`c_j^2 \asymp j^{-\delta}`,
    :math:`\delta = 1 + \beta(2r-1)`, ridge :math:`\lambda \asymp T^{-\ell}`; optionally
    :math:`n\sigma_0^2 \asymp T^a` and :math:`T_0 \asymp T^b` with :math:`\phi_0 = d/T_0` fixed.

    .. math:: E_{test} \asymp T^{-2\ell\underline r} + \sigma^2 T^{-(1-\ell/\beta)}
              + \frac{n\sigma_0^2}{1-\phi_0}\max(T/T_0, \phi_0)\,T^{-(1-\ell/\beta)}
              \quad\text{(Thm 5.1)},

    with :math:`\ell_\star = \min((b-a)\ell_{crit}, \beta)` (Cor 5.2, Eq. 28). No exponent is typed in:
    see :func:`derive`.

    Parameters
    ----------
    beta : number or SymPy expression
        Capacity exponent, :math:`\beta > 1`.
    r : number or SymPy expression
        Source exponent, :math:`r > 0`.
    ell : number or SymPy expression, optional
        Ridge exponent, :math:`0 \le \ell < \beta` (Thm 5.1); default: the free symbol ``ell``.
    a : number, optional
        :math:`n\sigma_0^2 \asymp T^a`, :math:`a \ge 0` (default 0).
    b : number, optional
        :math:`T_0 \asymp T^b`, :math:`b > 0`. Without ``b`` the collapse exponent is that of the
        proportional regime :math:`T_0 \propto T` (:math:`b = 1`) and the Cor 5.2 / App. G attributes are ``None``.
    noise : {"noisy", "noiseless"}
        :math:`\sigma^2 = \Theta(1)` or :math:`\sigma = 0` (the variance term vanishes, exponent ``-oo``).

    Returns
    -------
    ScalingLaw

    Notes
    -----
    Typos handled as in docs/theory/differences.md: Cor 5.2's ":math:`n \asymp T^b`" means :math:`n\sigma_0^2 \asymp T^a`,
    :math:`T_0 \asymp T^b`; Eq. 29's divergence condition is :math:`b < a + 1 - c`; App. H's
    typos do not enter (the derivation applies Lemma I.1 directly). For :math:`b > 1` the
    derivation disagrees with Cor 5.2 / App. G (module docstring).

    Examples
    --------
    >>> law = scaling_law(2, "0.375", b=1, noise="noiseless")
    >>> law.ell_crit, law.c, law.ell_star, law.rate
    (4/5, 3/5, 4/5, -3/5)
    """
    beta_, r_, ell_, a_, b_ = _inputs(beta, r, ell, a, b, noise)

    r_cases = ["le", "ge"] if not r_.is_number else (["le"] if r_ <= 1 else ["ge"])
    if b_ is None:
        b_cases: list = [None]
    else:
        b_cases = ["le", "ge"] if not b_.is_number else (["le"] if b_ <= 1 else ["ge"])

    def pick(attr: str) -> sp.Expr:
        per_r = []
        for rc in r_cases:
            per_b = [getattr(_case_law(rc, bc), attr) for bc in b_cases]
            per_r.append(per_b[0] if len(per_b) == 1 else _combine(per_b[0], per_b[1], S.b))
        return per_r[0] if len(per_r) == 1 else _combine(per_r[0], per_r[1], S.r)

    subs = {S.beta: beta_, S.r: r_, S.a: a_ if a_ is not None else sp.S.Zero}
    if b_ is not None:
        subs[S.b] = b_

    def at(e: sp.Expr, ell_value: sp.Expr = ell_) -> sp.Expr:
        out = e.subs(S.ell, ell_value).subs(subs) if ell_value is not S.ell else e.subs(subs)
        return sp.cancel(out) if out.is_number and out.is_finite else _nice(out)

    ell_crit = at(pick("ell_crit"))
    c = at(pick("c"))
    bias = at(pick("bias"))
    var = at(pick("variance")) if noise == "noisy" else sp.S.NegativeInfinity
    coll = at(pick("collapse"))
    total = sp.Max(bias, var, coll)
    kw: dict = {}
    if b_ is not None:
        bias_f, var_f, coll_f = pick("bias"), pick("variance"), pick("collapse")
        kw = {
            "ell_star": at(pick("ell_star")),
            "rate": at(pick("rate")),
            "crit_exponent": at(pick("crit_noiseless")),
            "gamma": at(pick("gamma")),
            "ell_noisy": at(pick("ell_noisy")),
            "rate_noisy": at(pick("rate_noisy")),
            "noisy_low_exponent": at(sp.Max(bias_f, coll_f)),
            "noisy_high_exponent": at(sp.Max(var_f, coll_f)),
            "crit_noisy_exponent": at(pick("crit_noisy")),
        }
        # Eq. 29: the noiseless error at ell_crit grows iff one of its not-provably-negative parts is > 0
        pos0, pos1 = at(pick("crit_noiseless_pos")), at(pick("crit_noisy_pos"))
        kw["diverges"] = sp.false if pos0 == sp.S.NegativeInfinity else sp.StrictGreaterThan(pos0, 0)
        kw["crit_noisy_consistent"] = sp.true if pos1 == sp.S.NegativeInfinity else sp.StrictLessThan(pos1, 0)
        ell_opt, rate_opt = (
            (kw["ell_noisy"], kw["rate_noisy"]) if noise == "noisy" else (kw["ell_star"], kw["rate"])
        )
    elif noise == "noisy":
        ell_opt, rate_opt = ell_crit, -c
    else:
        # clean noiseless: only the decreasing bias is left, so the optimum is the end point ell = beta
        ell_opt = beta_
        rate_opt = at(pick("bias"), beta_)
    law = dict(bias_exponent=bias, variance_exponent=var, collapse_exponent=coll, total_exponent=total,
               df_exponent=at(pick("df")), **kw)
    if b_ is not None:
        law = _finite_d(law, beta_, r_, a_ if a_ is not None else sp.S.Zero, b_, ell_, ell_crit, noise)
    return ScalingLaw(
        beta=beta_, r=r_, ell=ell_, a=a_, b=b_, noise=noise,
        delta=sp.cancel(1 + beta_ * (2 * r_ - 1)), r_low=sp.Min(r_, 1),
        ell_crit=ell_crit, c=c, kappa_exponent=at(pick("kappa")),
        ell_opt=ell_opt, rate_opt=rate_opt, **law,
    )


def _finite_d(law: dict, beta, r, a, b, ell, ell_crit, noise: str) -> dict:
    r"""Check the hypothesis :math:`b > \ell/\beta` of the exponents at finite :math:`d \asymp T^b` and, where
    it fails, use the saturated branch of :func:`derive_saturated` instead (see docs/theory/scaling.md).

    The per-:math:`\ell` exponents need :math:`b > \ell/\beta`; Eq. 29 and App. G at :math:`\ell_{crit}` need
    :math:`b > \ell_{crit}/\beta = 1 - c`. The optima :math:`\ell_\star` and :math:`\min(\ell_\star,
    \ell_{crit})` satisfy their condition on the whole region (:math:`\ell_\star/\beta = (b-a)/(2\beta\underline r
    + 1) < b`), which is checked too.
    """
    conds = {"ell": sp.StrictGreaterThan(b, ell / beta), "ell_crit": sp.StrictGreaterThan(b, ell_crit / beta)}
    out = dict(law, conditions=conds, saturated=None)
    if not all(x.is_number for x in (beta, r, a, b)):
        return out  # symbolic: the expressions hold where the conditions do
    for name in ("ell_star", "ell_noisy"):
        e = law.get(name)
        if e is not None and e.is_number and not b > e / beta:
            raise RegimeError(f"{name} = {e} violates b > {name}/beta (b = {b}, beta = {beta})")
    if b >= 1:  # ell < beta gives ell/beta < 1 <= b: nothing saturates
        return dict(out, saturated=False)
    sat = derive_saturated(beta, r, a, b)
    noisy = noise == "noisy"

    def exps(ell_value):
        bi, va, co = (sp.expand(sat[k].subs(S.ell, ell_value)) for k in ("bias", "variance", "collapse"))
        va = va if noisy else sp.S.NegativeInfinity
        return {"bias_exponent": bi, "variance_exponent": va, "collapse_exponent": co,
                "total_exponent": sp.Max(bi, va, co), "df_exponent": sp.expand(sat["df"]),
                "noisy_low_exponent": sp.Max(bi, co), "noisy_high_exponent": sp.Max(sat["variance"], co)}

    used = False
    if ell.is_number:
        if not b > ell / beta:
            out.update(exps(ell))
            used = True
    else:  # free ell: the formal law below the effective dimension, the saturated one above
        for k, v in exps(S.ell).items():
            if out.get(k) is not None:
                out[k] = sp.Piecewise((out[k], S.ell < beta * b), (v, True))
        used = True
    if law.get("crit_exponent") is not None and not b > ell_crit / beta:
        at_crit = exps(ell_crit)
        crit = sp.Max(at_crit["bias_exponent"], at_crit["collapse_exponent"])
        crit_noisy = sp.Max(crit, sp.expand(sat["variance"]))
        out.update(crit_exponent=crit, diverges=sp.true if crit > 0 else sp.false,
                   crit_noisy_exponent=crit_noisy, crit_noisy_consistent=sp.true if crit_noisy < 0 else sp.false)
        used = True
    out["saturated"] = used
    return out
