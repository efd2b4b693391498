r"""Order algebra for power-law asymptotics: terms :math:`\asymp C\,T^{e_1}T_0^{e_2}(\log T)^k`.

An :class:`Order` is a finite set of :class:`Monomial` s standing for their *maximum* (equivalently their
sum: for positive terms :math:`x + y \asymp \max(x, y)`). Products multiply monomials (exponents add),
sums take the union and drop every monomial that is provably dominated. Exponents are SymPy expressions
in the power-law parameters :math:`\beta, r, \ell, a, b`; whether one exponent exceeds another is decided
by a :class:`Region`, which maps the parameters onto nonnegative dummy variables so that the valid region
becomes the nonnegative orthant (e.g. :math:`\beta = 1 + B`, :math:`\ell = \beta L/(1+L)` for
:math:`0 \le \ell < \beta`, :math:`r = 1/(1+R)` for :math:`0 < r \le 1`). A rational function of the dummies
whose numerator and denominator have coefficients of one sign has a *proved* sign; anything else is left
undecided and both monomials are kept (the final exponent is then a SymPy ``Max``).

Spectral sums are rewritten with Lemma I.1 of the paper (docs/theory/results.md#results-lemmas), extended to finite :math:`d`:
for :math:`\lambda_j = j^{-\beta}` and a shift :math:`t \to 0` (:math:`D = 1/t`, effective dimension
:math:`j_\star = t^{-1/\beta}`),

.. math::
   \sum_{j=1}^{d} \frac{j^{-s}}{(j^{-\beta} + t)^{m}} \asymp
   \begin{cases}
     \max\big(1,\ t^{(s-1)/\beta - m}\big)\ \ [\times\log T \text{ if } (s-1)/\beta = m], & s > 1,\\
     t^{-m}\log T, & s = 1,\\
     t^{-m}\,d^{\,1-s}, & s < 1,
   \end{cases}

valid for :math:`1 \ll j_\star \ll d` (:math:`d = \infty` allowed when :math:`s > 1`). With
:math:`t^{-m} = D^{m}` this is Lemma I.1, :math:`\sum_k \lambda_k^p/(1 + D\lambda_k)^m \asymp
D^{-\min(m,\,p - 1/\beta)}` (:math:`s = p\beta > 1`, a log at equality). The :math:`s \le 1` rows are the
finite-dimensional tail (e.g. :math:`\kappa^2\,\mathrm{tr}(\Sigma+\kappa)^{-2} \approx d`, App. H.1).

This module is private: the public entry point is :func:`symcollapse.theory.scaling.scaling_law`.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import sympy as sp

from symcollapse.spec import RegimeError
from symcollapse.theory import symbols as S

__all__ = [
    "Region", "Monomial", "Order", "OrderError", "OrderEvaluator", "lemma_I1", "power_law_summand",
    "match_summand",
]


class OrderError(ValueError):
    """The order of an expression cannot be decided (e.g. a difference of two terms of the same order)."""


# --------------------------------------------------------------------------------------------------------
# Deciding signs on the valid region
# --------------------------------------------------------------------------------------------------------


def _poly_sign(p: sp.Expr, dummies: set) -> int | None:
    """Sign of a polynomial on the nonnegative orthant of ``dummies``: 1 (>0), 2 (>=0), 0, -1, -2, None."""
    p = sp.expand(p)
    if p == 0:
        return 0
    free = p.free_symbols
    if not free <= dummies:
        return None
    if not free:
        return 1 if p > 0 else -1
    gens = sorted(free, key=str)
    poly = sp.Poly(p, *gens)
    terms = poly.terms()
    # a monomial in strictly positive dummies only (e.g. B for beta = 1 + B) is > 0 on the region
    strict_terms = [co for mon, co in terms if all(k == 0 or gens[i].is_positive for i, k in enumerate(mon))]
    if all(co >= 0 for _, co in terms):
        return 1 if any(co > 0 for co in strict_terms) else 2
    if all(co <= 0 for _, co in terms):
        return -1 if any(co < 0 for co in strict_terms) else -2
    return None


@dataclass(frozen=True)
class Region:
    r"""The valid region of the parameters, as a substitution onto nonnegative dummy variables.

    Parameters
    ----------
    chart : mapping Symbol -> Expr
        Each parameter written in nonnegative dummies (``dummies``); e.g. ``{beta: 1 + B}``.
    dummies : frozenset of Symbol
        The dummy variables, all :math:`\ge 0`.
    label : str
        Human-readable description (e.g. ``"r <= 1"``).
    """

    chart: tuple = ()
    dummies: frozenset = frozenset()
    label: str = ""

    @classmethod
    def make(cls, chart: Mapping, label: str = "") -> Region:
        dummies = set()
        for v in chart.values():
            dummies |= sp.sympify(v).free_symbols
        return cls(tuple(sorted(chart.items(), key=lambda kv: str(kv[0]))), frozenset(dummies), label)

    def sign(self, e: sp.Expr) -> int | None:
        """1 if provably > 0, 2 if provably >= 0, 0 if == 0, -1 / -2 likewise, None if undecided."""
        e = sp.sympify(e)
        if e.is_number:
            if e.is_zero:
                return 0
            return 1 if e.is_positive else (-1 if e.is_negative else None)
        ec = e.subs(dict(self.chart)) if self.chart else e
        if ec.has(sp.Min, sp.Max, sp.Piecewise):
            return None
        if not ec.free_symbols <= set(self.dummies):
            # constants such as sigma**2 or 1 - phi_0: fall back on SymPy's assumptions
            if ec.is_zero:
                return 0
            if ec.is_positive:
                return 1
            if ec.is_negative:
                return -1
            if ec.is_nonnegative:
                return 2
            if ec.is_nonpositive:
                return -2
            return None
        # sign(num/den) = sign(num)·sign(den): no need for a (slow) polynomial gcd
        num, den = sp.fraction(sp.together(ec))
        sn, sd = _poly_sign(num, set(self.dummies)), _poly_sign(den, set(self.dummies))
        if sn is None or sd is None or sd in (0, 2, -2):
            return None if sn != 0 else 0
        if sn == 0:
            return 0
        strict = sn in (1, -1)
        positive = (sn > 0) == (sd > 0)
        return (1 if strict else 2) if positive else (-1 if strict else -2)

    def ge(self, e: sp.Expr) -> bool:
        return self.sign(e) in (0, 1, 2)

    def gt(self, e: sp.Expr) -> bool:
        return self.sign(e) == 1

    def eq0(self, e: sp.Expr) -> bool:
        return self.sign(e) == 0

    def to_region(self, e: sp.Expr) -> sp.Expr:
        """``e`` written in the dummies (used by tests and derivations to show a decision)."""
        return sp.cancel(sp.together(sp.sympify(e).subs(dict(self.chart))))


# --------------------------------------------------------------------------------------------------------
# Monomials and orders
# --------------------------------------------------------------------------------------------------------


def _norm_powers(powers: Iterable) -> tuple:
    acc: dict = {}
    for v, e in powers:
        acc[v] = sp.sympify(acc.get(v, 0) + e)
    out = ((v, sp.cancel(e)) for v, e in acc.items())
    return tuple(sorted(((v, e) for v, e in out if e != 0), key=lambda ve: str(ve[0])))


@dataclass(frozen=True)
class Monomial:
    r""":math:`C\prod_v v^{e_v}(\log T)^k`. ``exact`` says whether :math:`C` is the true constant (so two
    monomials may cancel) or only an order-one placeholder (from Lemma I.1)."""

    powers: tuple = ()
    logs: sp.Expr = sp.S.Zero
    coeff: sp.Expr = sp.S.One
    exact: bool = True

    def exponent(self, var: sp.Symbol) -> sp.Expr:
        return dict(self.powers).get(var, sp.S.Zero)

    def __mul__(self, other: Monomial) -> Monomial:
        return Monomial(
            _norm_powers(self.powers + other.powers),
            sp.sympify(self.logs + other.logs),
            self.coeff * other.coeff,
            self.exact and other.exact,
        )

    def pow(self, p: sp.Expr) -> Monomial:
        p = sp.sympify(p)
        return Monomial(_norm_powers((v, e * p) for v, e in self.powers), self.logs * p, self.coeff**p, self.exact)

    def key(self) -> tuple:
        return (self.powers, self.logs)

    def expr(self) -> sp.Expr:
        out = self.coeff * sp.Mul(*(v ** sp.expand(e) for v, e in self.powers))
        return out * sp.log(S.T) ** self.logs if self.logs != 0 else out


@dataclass(frozen=True)
class Order:
    r"""A term :math:`\asymp \max_i M_i` for monomials :math:`M_i` (:class:`Monomial`); empty = identically 0."""

    terms: tuple = ()
    region: Region = field(default_factory=Region)

    # ---- constructors ------------------------------------------------------------------------------
    @classmethod
    def const(cls, coeff: sp.Expr, region: Region, exact: bool = True) -> Order:
        coeff = sp.sympify(coeff)
        if coeff == 0:
            return cls((), region)
        return cls((Monomial((), sp.S.Zero, coeff, exact),), region)

    @classmethod
    def power(cls, var: sp.Symbol, exponent: sp.Expr, region: Region, coeff=1, exact=True, logs=0) -> Order:
        return cls((Monomial(_norm_powers([(var, exponent)]), sp.sympify(logs), sp.sympify(coeff), exact),), region)

    # ---- comparisons -------------------------------------------------------------------------------
    def _compare(self, m1: Monomial, m2: Monomial) -> str | None:
        """'eq' (same powers and logs), 'ge' (m1 dominates m2), 'le', or None (undecided)."""
        vars_ = {v for v, _ in m1.powers} | {v for v, _ in m2.powers}
        signs = [self.region.sign(m1.exponent(v) - m2.exponent(v)) for v in vars_]
        if any(s is None for s in signs):
            return None
        if all(s == 0 for s in signs):
            dl = sp.sympify(m1.logs - m2.logs)
            return "eq" if dl == 0 else ("ge" if dl > 0 else "le")
        if all(s in (0, 1, 2) for s in signs):
            # polynomially larger (or equal up to a degenerate point of the region): logs are irrelevant
            if any(s == 1 for s in signs) or sp.sympify(m1.logs - m2.logs) >= 0:
                return "ge"
            return None
        if all(s in (0, -1, -2) for s in signs):
            if any(s == -1 for s in signs) or sp.sympify(m2.logs - m1.logs) >= 0:
                return "le"
            return None
        return None

    def _strictly_dominates(self, m1: Monomial, m2: Monomial) -> bool:
        vars_ = {v for v, _ in m1.powers} | {v for v, _ in m2.powers}
        signs = [self.region.sign(m1.exponent(v) - m2.exponent(v)) for v in vars_]
        if any(s not in (0, 1, 2) for s in signs):
            return False
        if any(s == 1 for s in signs):
            return True
        return all(s == 0 for s in signs) and sp.sympify(m1.logs - m2.logs) > 0

    def _prune(self, terms: list) -> Order:
        kept: list = []
        for m in terms:
            drop = False
            new_kept = []
            for k in kept:
                if drop:
                    new_kept.append(k)
                    continue
                cmp = self._compare(k, m)
                if cmp == "eq":
                    # same order: keep one monomial; for display add the constants when both are known
                    coeff = k.coeff + m.coeff if (k.exact and m.exact) else k.coeff
                    new_kept.append(Monomial(k.powers, k.logs, coeff, k.exact and m.exact))
                    drop = True
                elif cmp == "ge":
                    new_kept.append(k)
                    drop = True
                elif cmp == "le":
                    continue  # m dominates k: drop k
                else:
                    new_kept.append(k)
            kept = new_kept if drop else new_kept + [m]
        return Order(tuple(kept), self.region)

    # ---- arithmetic --------------------------------------------------------------------------------
    @property
    def is_zero(self) -> bool:
        return not self.terms

    def __add__(self, other: Order) -> Order:
        return self._prune(list(self.terms) + list(other.terms))

    def __mul__(self, other: Order) -> Order:
        return self._prune([m1 * m2 for m1, m2 in itertools.product(self.terms, other.terms)])

    def pow(self, p: sp.Expr) -> Order:
        p = sp.sympify(p)
        if self.is_zero:
            if self.region.gt(p):
                return self
            raise OrderError("0 raised to a non-positive power")
        if len(self.terms) == 1 or self.region.gt(p):
            # max(x, y)^p = max(x^p, y^p) for p > 0; a single monomial takes any power
            return self._prune([m.pow(p) for m in self.terms])
        raise OrderError(f"cannot raise a maximum of {len(self.terms)} terms to the power {p} (sign unknown)")

    def dominated_by(self, other: Order) -> bool:
        """True if every monomial of ``self`` is strictly dominated by one monomial of ``other``."""
        return all(any(other._strictly_dominates(o, m) for o in other.terms) for m in self.terms)

    def substitute(self, mapping: Mapping) -> Order:
        r"""Replace scale variables by orders, e.g. ``{T0: Order.power(T, b)}`` for :math:`T_0 \asymp T^b`."""
        out = Order((), self.region)
        for m in self.terms:
            acc = Order((Monomial((), m.logs, m.coeff, m.exact),), self.region)
            for v, e in m.powers:
                acc = acc * (mapping[v].pow(e) if v in mapping else Order.power(v, e, self.region))
            out = out + acc
        return out

    # ---- read-out ----------------------------------------------------------------------------------
    def exponents(self, var: sp.Symbol = S.T) -> list:
        bad = [v for m in self.terms for v, _ in m.powers if v != var]
        if bad:
            raise OrderError(f"order still depends on {sorted(set(bad), key=str)}; substitute them first")
        return [m.exponent(var) for m in self.terms]

    def exponent(self, var: sp.Symbol = S.T) -> sp.Expr:
        r"""The :math:`e` with term :math:`\asymp T^e` (up to logs): ``Max`` of the monomials; ``-oo`` for 0."""
        exps = self.exponents(var)
        if not exps:
            return sp.S.NegativeInfinity
        return sp.Max(*exps) if len(exps) > 1 else exps[0]

    @property
    def log_power(self) -> sp.Expr | None:
        """Power of :math:`\\log T` of the leading term (``None`` if several monomials remain)."""
        return self.terms[0].logs if len(self.terms) == 1 else None

    def expr(self) -> sp.Expr:
        """A SymPy expression with the same order (sum of the monomials)."""
        return sp.Add(*(m.expr() for m in self.terms)) if self.terms else sp.S.Zero

    def factored(self) -> str:
        r"""``common × max(rest)``, e.g. ``T**(ell/beta - 1)/(1 - phi_0) · max(T/T_0, phi_0)``."""
        if not self.terms:
            return "0"
        if len(self.terms) == 1:
            return sp.sstr(self.terms[0].expr())
        # factor out the power of T only, so Thm 5.1 reads T^(ell/beta - 1)/(1 - phi0) · max(T/T0, phi0)
        vars_ = [S.T] if any(v == S.T for m in self.terms for v, _ in m.powers) else []
        common = {}
        for v in vars_:
            exps = [m.exponent(v) for m in self.terms]
            best = exps[0]
            for e in exps[1:]:
                s = self.region.sign(best - e)
                if s in (1, 2, 0):
                    best = e
                elif s is None:
                    best = None
                    break
            if best is not None and best != 0:
                common[v] = best
        dens = {sp.fraction(sp.together(m.coeff))[1] for m in self.terms}
        cden = dens.pop() if len(dens) == 1 else sp.S.One
        common_expr = sp.Mul(*(v ** sp.expand(e) for v, e in common.items())) / cden
        rest = [sp.powsimp(sp.cancel(m.expr() / common_expr)) for m in self.terms]
        return f"{sp.sstr(common_expr)} · max({', '.join(sp.sstr(x) for x in rest)})"

    def __str__(self) -> str:
        return "≍ " + self.factored()


# --------------------------------------------------------------------------------------------------------
# Lemma I.1 and the expression walker
# --------------------------------------------------------------------------------------------------------


def lemma_I1(s: sp.Expr, m: sp.Expr, beta: sp.Expr, t: Order, d: Order | None) -> Order:
    r"""Order of :math:`\sum_{j\le d} j^{-s}(j^{-\beta} + t)^{-m}` for :math:`t \to 0` (module docstring).

    Lemma I.1 (docs/theory/results.md#results-lemmas) in the shifted form: with :math:`D = 1/t`,
    :math:`\sum_j j^{-s}(j^{-\beta}+t)^{-m} = D^{m}\sum_k \lambda_k^{p}/(1 + D\lambda_k)^m`, :math:`p = s/\beta`,
    :math:`\asymp D^{m - \min(m,\,p - 1/\beta)} = \max(1, t^{(s-1)/\beta - m})`, with a :math:`\log D`
    when :math:`m = p - 1/\beta`. ``d=None`` means :math:`d = \infty`; finite :math:`d` needs
    :math:`t^{-1/\beta} \ll d` (the effective dimension below the ambient one).
    """
    region = t.region
    s, m = sp.sympify(s), sp.sympify(m)
    one = Order.const(1, region, exact=False)
    sgn = region.sign(s - 1)
    if m == 0:
        if sgn == 1:
            return one
        if d is None:
            raise RegimeError(f"the spectral sum of j^(-{s}) diverges at d = infinity (needs s > 1)")
        if sgn == 0:
            return Order((Monomial((), sp.S.One, sp.S.One, False),), region)  # log d
        if sgn == -1:
            return d.pow(1 - s) * one
        raise OrderError(f"cannot decide the sign of s - 1 = {s - 1} on the region {region.label!r}")
    if len(t.terms) != 1:
        raise OrderError("Lemma I.1 needs the shift t to be a single monomial (its order known)")
    tm = Order((Monomial(t.terms[0].powers, t.terms[0].logs, sp.S.One, False),), region)
    if sgn == 1:
        e = (s - 1) / beta - m
        if region.eq0(e):
            return Order((Monomial((), sp.S.One, sp.S.One, False),), region)  # 1 · log
        return one + tm.pow(e)
    if d is None:
        raise RegimeError(f"the spectral sum with j^(-{s}) diverges at d = infinity (needs s = p·beta > 1)")
    if sgn == 0:
        return tm.pow(-m) * Order((Monomial((), sp.S.One, sp.S.One, False),), region)
    if sgn == -1:
        return tm.pow(-m) * d.pow(1 - s) * one
    raise OrderError(f"cannot decide the sign of s - 1 = {s - 1} on the region {region.label!r}")


def power_law_summand(expr: sp.Expr, beta: sp.Expr, delta: sp.Expr) -> sp.Expr:
    r"""Substitute the power law :math:`\lambda_j = j^{-\beta}`, :math:`c_j^2 = j^{-\delta}` (Eqs. 23–26)
    into every ``ev[j]`` and ``c[j]`` of ``expr``."""

    def is_ix(base):
        return lambda x: isinstance(x, sp.Indexed) and x.base == base

    out = expr.replace(is_ix(S.ev), lambda x: x.indices[0] ** (-beta))
    return out.replace(is_ix(S.c), lambda x: x.indices[0] ** (-delta / 2))


def match_summand(summand: sp.Expr, jv: sp.Symbol, beta: sp.Expr, delta: sp.Expr) -> tuple:
    r"""Write a spectral summand, after the power-law substitution, as :math:`C\,j^{-s}(j^{-\beta} + t)^{-m}`.

    Returns ``(C, s, t, m)`` (``t`` is ``None`` when there is no resolvent factor, then ``m = 0``). Raises
    :class:`OrderError` for summands outside the Lemma I.1 form (e.g. two different shifts).
    """
    f = power_law_summand(summand, beta, delta)
    f = sp.powsimp(sp.expand_power_base(f, force=True), force=True)
    coeff, s, shift, m = sp.S.One, sp.S.Zero, None, sp.S.Zero
    for fac in sp.Mul.make_args(f):
        base, e = fac.as_base_exp()
        if not fac.has(jv):
            coeff *= fac
        elif base == jv:
            s -= e
        elif isinstance(base, sp.Add) and not e.has(jv):
            t, rest = base.as_independent(jv, as_Add=True)
            u, jpow = rest.as_independent(jv, as_Mul=True)
            jb, je = jpow.as_base_exp()
            if jb != jv or sp.cancel(je + beta) != 0:
                raise OrderError(f"summand factor {fac} is not of the form (j^-beta + t)^-m")
            if shift is not None and sp.cancel(shift - t / u) != 0:
                raise OrderError("summands with two different shifts are not supported")
            shift, m = t / u, m - e
            coeff *= u**e
        else:
            raise OrderError(f"summand factor {fac} is not of the Lemma I.1 form")
    return coeff, sp.cancel(s), shift, m


@dataclass
class OrderEvaluator:
    r"""Walks a SymPy expression and returns its :class:`Order`.

    Parameters
    ----------
    env : mapping Symbol -> Order
        Orders of the scalar symbols (:math:`\kappa, \lambda, T, T_0, \sigma, \dots`). Symbols not in
        ``env`` and free of sums are order-one constants (assumed positive).
    region : Region
    beta, delta : Expr
        Power-law exponents substituted into the spectral sums.
    d : Order or None
        Order of the dimension (``None``: :math:`d = \infty`).
    steps : list of str
        Filled with a human-readable record of each Lemma I.1 application.
    """

    env: dict
    region: Region
    beta: sp.Expr
    delta: sp.Expr
    d: Order | None = None
    steps: list = field(default_factory=list)

    def _scalefree(self, e: sp.Expr) -> bool:
        return not (e.free_symbols & set(self.env)) and not e.has(sp.Sum)

    def __call__(self, expr: sp.Expr) -> Order:
        expr = sp.sympify(expr)
        if self._scalefree(expr):
            return Order.const(expr, self.region)
        if isinstance(expr, sp.Symbol):
            return self.env[expr]
        if isinstance(expr, sp.Sum):
            return self._sum(expr)
        if isinstance(expr, sp.Mul):
            out = Order.const(1, self.region)
            for f in expr.args:
                out = out * self(f)
            return out
        if isinstance(expr, sp.Pow):
            base, p = expr.args
            if not self._scalefree(p):
                raise OrderError(f"exponent {p} depends on a scale")
            return self(base).pow(p)
        if isinstance(expr, sp.Add):
            return self._add(expr)
        raise OrderError(f"no order rule for {type(expr).__name__}: {expr}")

    def _add(self, expr: sp.Add) -> Order:
        # Exact monomials with the same powers are merged first (T0 - phi0*T0 - 1 -> T0 (1 - phi0) - 1);
        # then the negative part must be strictly dominated by the positive part.
        groups: dict = {}
        loose: list = []
        for term in expr.args:
            sign = -1 if term.could_extract_minus_sign() else 1
            o = self(-term if sign < 0 else term)
            if len(o.terms) == 1 and o.terms[0].exact:
                m = o.terms[0]
                prev = groups.get(m.key())
                groups[m.key()] = (m, (prev[1] if prev else 0) + sign * m.coeff)
            else:
                loose.append((sign, o))
        P, N = Order((), self.region), Order((), self.region)
        for m, net in groups.values():
            net = sp.cancel(net)
            sg = self.region.sign(net)
            if sg == 0:
                continue
            if sg in (1, 2):
                P = P + Order((Monomial(m.powers, m.logs, net, True),), self.region)
            elif sg in (-1, -2):
                N = N + Order((Monomial(m.powers, m.logs, -net, True),), self.region)
            else:
                raise OrderError(f"cannot decide the sign of the coefficient {net} in {expr}")
        for sign, o in loose:
            if sign > 0:
                P = P + o
            else:
                N = N + o
        if N.is_zero or N.dominated_by(P):
            return P
        raise OrderError(f"cannot decide the order of the difference {expr}")

    def _sum(self, expr: sp.Sum) -> Order:
        if len(expr.limits) != 1:
            raise OrderError("only single sums over j")
        jv, lo, hi = expr.limits[0]
        if lo != 1:
            raise OrderError("sums must start at j = 1")
        coeff, s, shift, m = match_summand(expr.function, jv, self.beta, self.delta)
        d_order = None if hi == sp.oo else self.d
        t_order = self(shift) if shift is not None else Order.const(1, self.region)
        res = lemma_I1(s, m, self.beta, t_order, d_order) * self(coeff)
        self.steps.append(
            f"Lemma I.1: Sum(j^-({s}) (j^-beta + {shift})^-{m}) ≍ {res.factored()}"
        )
        return res
