r"""Which result of the paper applies to a :class:`~symcollapse.spec.Problem`: one rule table, one :func:`select`.

Notation (docs/theory/setup.md): :math:`d` dimension, :math:`n` generations, :math:`T_0` samples per generation,
:math:`\sigma_0` chain noise, :math:`T, \sigma, \lambda` the downstream ridge. "Collapse-free" means
:math:`n = 0`, or :math:`\sigma_0 = 0` with :math:`T_0 \ge d` (then :math:`\hat w_n = w_0` exactly).
:math:`\delta = 0` for ``normalization="paper"`` and :math:`1` for ``"finite"``. Every result and its regime
is listed in docs/theory/results.md.

=========================  ===============================================  ==========  ===========================
``key``                    result (``theorem``)                             ``family``  conditions
=========================  ===============================================  ==========  ===========================
``thm41``                  Thm 4.1 (exact)                                  exact       λ = 0, T ≥ d+2, collapse-free or T0 ≥ d+2
``prop42``                 Prop 4.2                                         ridge       n = 0, not (λ = 0, T ≥ d+2)
``cor44``                  Cor 4.4 (Eq. 19)                                 ridge       n ≥ 1, T0 ≥ d, not (λ = 0, T ≥ d+2)
``eq18[-ols]``             Thm 4.5 + Thm 4.3 (Eq. 18)                       eq18        T0 < d, n ≥ 1, shared, σ0 > 0, Σ = sI
``thm46[-ols]``            Thm 4.6                                          overparam   T0 < d, n ≥ 1, independent, σ0 = 0, Σ = sI
``thm45[-ols]``            Thm 4.5                                          overparam   T0 < d, n ≥ 1, shared, σ0 = 0, Σ = sI
``overparam-noisy[-ols]``  Thm 4.6 + Thm 4.3 + Lemma F.8 (independent, σ0>0) eq18        T0 < d, n ≥ 1, independent, σ0 > 0, Σ = sI
``lemmaF8``                Thm 4.3 + Lemma F.8                              lemmaF8     T0 < d, n ≥ 1, σ0 = 0, anisotropic Σ
``lemmaF8-eq18``           Thm 4.3 (Eq. 18) + Lemma F.8                     lemmaF8     T0 < d, n ≥ 1, shared, σ0 > 0, anisotropic Σ
``lemmaF8-noisy``          Thm 4.3 + Lemma F.8 (independent, σ0 > 0)        lemmaF8     T0 < d, n ≥ 1, independent, σ0 > 0, anisotropic Σ
=========================  ===============================================  ==========  ===========================

The ``-ols`` variants are the same results at :math:`\lambda = 0`, :math:`T \ge d + 2`, where they are exact in
expectation (kind ``"exact"``, family ``"exact"``: finite-size allowance 0). The isotropic independent-design
noisy chain is the independent twin of Eq. 18 (its chain part is exact for :math:`\Sigma = sI`), so its
family is ``"eq18"``, not ``"lemmaF8"``.

Everything else raises :class:`~symcollapse.spec.RegimeError` naming the failed condition (the guards
below): :math:`\lambda = 0` with :math:`|T - d| \le 1`; :math:`T_0 \le d + \delta` with :math:`n \ge 1`,
:math:`\sigma_0 > 0`; :math:`d - 1 - \delta \le T_0 < d` with :math:`n \ge 1`, :math:`\sigma_0 > 0`.

Extending
---------
A new workflow (or a new regime of an existing one) is added from outside with :func:`register`: a
:class:`Regime` whose ``workflow`` is the chain's workflow key, whose ``applies`` decides on the
:class:`Facts`, and whose ``terms`` names a registered term module (:mod:`symcollapse.theory.terms`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from symcollapse.spec import Problem, RegimeError, SpecError
from symcollapse.theory import _spectral

__all__ = ["Regime", "Facts", "Case", "select", "resolve", "register", "regimes", "facts", "GUARDS",
           "EXACT", "DETEQ", "NORMALIZATIONS"]

EXACT = "exact"
DETEQ = "deterministic-equivalent"
NORMALIZATIONS = ("paper", "finite")


@dataclass(frozen=True)
class Facts:
    """The precision-independent facts about a problem that the rules decide on."""

    d: int
    n: int
    T0: int
    T: int
    lam0: bool
    s0zero: bool
    iso: bool
    design: str
    workflow: str
    problem: Any = field(default=None, compare=False, repr=False)  # for rules on workflow parameters

    @property
    def ols_exact(self) -> bool:  # λ = 0 and T >= d + 2: the exact finite-sample (inverse-Wishart) regime
        return self.lam0 and self.T >= self.d + 2

    @property
    def over(self) -> bool:  # over-parametrised generator
        return self.n >= 1 and self.T0 < self.d

    @property
    def collapse_free(self) -> bool:
        return self.n == 0 or self.s0zero


@dataclass(frozen=True)
class Regime:
    """One result of the paper (or of this package) and where it applies.

    Attributes
    ----------
    key : str
        Stable identifier (dispatch and tests use it, never ``theorem``).
    theorem : str
        Display label, e.g. ``"Cor 4.4 (Eq. 19)"``.
    kind : {"exact", "deterministic-equivalent"}
    family : str
        Family of the finite-size allowance (``"exact"``, ``"ridge"``, ``"eq18"``, ``"overparam"``,
        ``"lemmaF8"``).
    conditions : tuple of str
        Human-readable conditions of the rule.
    terms : str
        Key of the term module that evaluates it (:data:`symcollapse.theory.terms.TERMS`).
    workflow : str
        Chain workflow key the regime belongs to (``"replace"``).
    strategy : str or None
        The :mod:`symcollapse.testing` strategy that draws problems of this regime.
    """

    key: str
    theorem: str
    kind: str
    family: str
    conditions: tuple[str, ...]
    terms: str
    workflow: str = "replace"
    strategy: str | None = None
    applies: Callable[[Facts], bool] = field(default=lambda f: False, compare=False, repr=False)
    resolve: Callable[[Facts, str], tuple[str, int, bool]] = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class Case:
    """A regime resolved for one problem: the normalisation used, δ, whether ρ is defined."""

    regime: Regime
    normalization: str
    delta: int
    rho: bool
    ols_exact: bool
    isotropic: bool


def _res_thm41(f: Facts, normalization: str):
    return "finite", 1, f.T0 >= f.d + 2


def _res_ridge(f: Facts, normalization: str):
    delta = 0 if normalization == "paper" else 1
    return normalization, delta, f.T0 - f.d - delta > 0


def _res_over(f: Facts, normalization: str):
    # The finite-sample prefactor T0/(d − T0 − 1) of Eq. 18 is exact for Σ = sI only (inverse Wishart).
    used = ("finite" if (f.ols_exact or normalization == "finite") else "paper") if f.iso else "paper"
    delta = 1 if used == "finite" else 0
    # ρ (Eq. 18 for a shared design, its composition with Lemma F.8 for independent ones) is defined for
    # either design when d − T0 − δ > 0; it does not depend on σ0.
    return used, delta, f.d - f.T0 - delta > 0


def _over(f: Facts, design: str | None, noisy: bool, iso: bool, ols: bool | None) -> bool:
    return (f.over and (design is None or f.design == design) and f.s0zero != noisy and f.iso == iso
            and (ols is None or f.ols_exact == ols))


_OVER = "T0 < d and n >= 1"


def _builtin() -> list[Regime]:
    R = Regime
    out = [
        R("thm41", "Thm 4.1", EXACT, "exact", ("λ = 0", "T >= d + 2", "collapse-free or T0 >= d + 2"),
          "ols_exact", strategy="ols-exact", resolve=_res_thm41,
          applies=lambda f: not f.over and f.ols_exact and (f.collapse_free or f.T0 >= f.d + 2)),
        R("prop42", "Prop 4.2", DETEQ, "ridge", ("n = 0", "not (λ = 0 and T >= d + 2)"), "ridge",
          strategy=None, resolve=_res_ridge, applies=lambda f: f.n == 0 and not f.ols_exact),
        R("cor44", "Cor 4.4 (Eq. 19)", DETEQ, "ridge", ("n >= 1", "T0 >= d", "not (λ = 0 and T >= d + 2)"),
          "ridge", strategy="cor44", resolve=_res_ridge,
          applies=lambda f: f.n >= 1 and f.T0 >= f.d and not f.ols_exact),
    ]
    over = [  # key, theorem, family, conditions, (design, noisy, iso), strategy
        ("eq18", "Thm 4.5 + Thm 4.3 (Eq. 18)", "eq18", ("shared", "σ0 > 0", "Σ = sI"), ("shared", True, True),
         "eq18"),
        ("thm46", "Thm 4.6", "overparam", ("independent", "σ0 = 0", "Σ = sI"), ("independent", False, True),
         "thm46"),
        ("thm45", "Thm 4.5", "overparam", ("shared", "σ0 = 0", "Σ = sI"), ("shared", False, True), "thm45"),
        ("overparam-noisy", "Thm 4.6 + Thm 4.3 + Lemma F.8 (independent, σ0 > 0)", "eq18",
         ("independent", "σ0 > 0", "Σ = sI"), ("independent", True, True), "overparam-noisy"),
    ]
    for key, thm, fam, cond, (des, noisy, iso), strat in over:
        for ols in (True, False):
            out.append(R(key + ("-ols" if ols else ""), thm, EXACT if ols else DETEQ, "exact" if ols else fam,
                         (_OVER, *cond, "λ = 0 and T >= d + 2" if ols else "not (λ = 0 and T >= d + 2)"),
                         "overparam", strategy=strat, resolve=_res_over,
                         applies=lambda f, a=(des, noisy, iso, ols): _over(f, *a)))
    aniso = [
        ("lemmaF8", "Thm 4.3 + Lemma F.8", ("σ0 = 0",), (None, False)),
        ("lemmaF8-eq18", "Thm 4.3 (Eq. 18) + Lemma F.8", ("shared", "σ0 > 0"), ("shared", True)),
        ("lemmaF8-noisy", "Thm 4.3 + Lemma F.8 (independent, σ0 > 0)", ("independent", "σ0 > 0"),
         ("independent", True)),
    ]
    for key, thm, cond, (des, noisy) in aniso:
        out.append(R(key, thm, DETEQ, "lemmaF8", (_OVER, *cond, "anisotropic Σ"), "overparam", resolve=_res_over,
                     applies=lambda f, a=(des, noisy): _over(f, a[0], a[1], False, None)))
    return out


# ---- guards: the conditions under which no result applies (checked before the rules) ------------------


def _guard_ridgeless(f: Facts, normalization: str) -> None:
    if f.lam0 and f.d - 1 <= f.T <= f.d + 1:
        raise RegimeError(
            f"λ = 0 with T = {f.T} and d = {f.d}: the ridgeless error diverges at T = d and no result covers "
            f"|T − d| <= 1; use T <= d − 2 or T >= d + 2, or λ > 0"
        )


def _guard_under(f: Facts, normalization: str) -> None:
    if f.over:
        return
    if f.ols_exact and not (f.collapse_free or f.T0 >= f.d + 2):
        # λ = 0, T >= d + 2 is the exact (finite-sample) regime, and there the generator's OLS error has
        # E tr(X0ᵀX0)⁻¹ = ∞ for T0 ∈ {d, d + 1} (inverse-Wishart mean needs T0 >= d + 2, Lemma F.3): the
        # expected test error is infinite, so no finite deterministic equivalent is returned.
        raise RegimeError(
            f"λ = 0, T >= d + 2 with n >= 1, σ0 > 0 and T0 = {f.T0} (d = {f.d}): the expected test error is "
            "infinite, since E tr(X0ᵀX0)⁻¹ diverges for T0 <= d + 1 (Lemma F.3 needs T0 >= d + 2); use "
            "T0 >= d + 2, or λ > 0 for the paper's deterministic equivalent"
        )
    delta = 0 if normalization == "paper" else 1
    if not f.ols_exact and not f.collapse_free and not f.T0 - f.d - delta > 0:
        need = "T0 > d" if normalization == "paper" else "T0 >= d + 2"
        raise RegimeError(
            f"Cor 4.4 (Eq. 19) needs {need} for normalization={normalization!r} when n >= 1 and σ0 > 0 "
            f"(ρ ∝ 1/(T0 − d{' − 1' if delta else ''}) diverges); got T0 = {f.T0}, d = {f.d}"
        )


def _guard_over(f: Facts, normalization: str) -> None:
    if not f.over or f.s0zero:
        return
    _, delta, rho_ok = _res_over(f, normalization)
    if not rho_ok:
        need = "T0 <= d − 2" if delta else "T0 < d"
        what = ("Eq. 18 (shared design, σ0 > 0)" if f.design == "shared"
                else "Thm 4.3 + Lemma F.8 (independent designs, σ0 > 0; each term is Eq. 18's trace)")
        raise RegimeError(
            f"{what} needs {need} here (ρ ∝ T0/(d − T0{' − 1' if delta else ''}) diverges); "
            f"got T0 = {f.T0}, d = {f.d}"
        )


_TABLE: list[Regime] = _builtin()
#: Guards per workflow key, run in order before the rule table (each raises RegimeError or returns).
GUARDS: dict[str, list[Callable[[Facts, str], None]]] = {"replace": [_guard_ridgeless, _guard_under, _guard_over]}


def register(regime: Regime, guards: list | None = None, before: str | None = None) -> Regime:
    """Add ``regime`` to the rule table (after the existing rules; a key must be new). ``guards`` sets the
    guard list of ``regime.workflow`` (default: keep the existing one, or none). ``before``: the key of a
    registered regime to insert ahead of, so the new rule takes precedence over it (e.g. a rule on a field
    the existing rules ignore)."""
    if any(r.key == regime.key for r in _TABLE):
        raise ValueError(f"regime key {regime.key!r} is already registered")
    if regime.resolve is None:
        raise ValueError("a Regime needs a resolve function (Facts, normalization) -> (normalization, δ, ρ ok)")
    if before is None:
        _TABLE.append(regime)
    else:
        idx = [r.key for r in _TABLE].index(before) if any(r.key == before for r in _TABLE) else None
        if idx is None:
            raise ValueError(f"register(before={before!r}): no regime with that key is registered")
        _TABLE.insert(idx, regime)
    if guards is not None:
        GUARDS[regime.workflow] = list(guards)
    return regime


def unregister(key: str) -> None:
    """Remove a registered regime (tests)."""
    _TABLE[:] = [r for r in _TABLE if r.key != key]


def regimes(workflow: str | None = None) -> tuple[Regime, ...]:
    """The rule table (optionally of one workflow), in precedence order."""
    return tuple(r for r in _TABLE if workflow is None or r.workflow == workflow)


def workflow_key(problem: Problem) -> str:
    """The chain's workflow key (``"replace"`` when the spec has no workflows yet)."""
    return getattr(getattr(problem.chain, "workflow", None), "key", "replace")


def facts(p: Problem) -> Facts:
    """The facts the rules decide on (spec stores int, float or Fraction: all compare with 0 exactly)."""
    return Facts(d=p.d, n=p.chain.n, T0=p.chain.T0, T=p.downstream.T, lam0=p.downstream.lam == 0,
                 s0zero=p.chain.sigma0 == 0, iso=_spectral.is_isotropic(p), design=p.chain.design,
                 workflow=workflow_key(p), problem=p)


def resolve(problem: Problem, normalization: str = "paper") -> Case:
    """:func:`select` plus the per-problem resolution (normalisation used, δ, whether ρ is defined)."""
    if normalization not in NORMALIZATIONS:
        raise SpecError(f"normalization must be one of {NORMALIZATIONS}, got {normalization!r}")
    f = facts(problem)
    for guard in GUARDS.get(f.workflow, ()):
        guard(f, normalization)
    for reg in _TABLE:
        if reg.workflow == f.workflow and reg.applies(f):
            used, delta, rho = reg.resolve(f, normalization)
            return Case(reg, used, delta, rho, f.ols_exact, f.iso)
    known = sorted({r.workflow for r in _TABLE})
    raise RegimeError(
        f"no registered result covers workflow={f.workflow!r} with d = {f.d}, n = {f.n}, T0 = {f.T0}, "
        f"T = {f.T} (registered workflows: {known})"
    )


def select(problem: Problem, normalization: str = "paper") -> Regime:
    """The :class:`Regime` that applies to ``problem``; raises RegimeError naming the failed condition."""
    return resolve(problem, normalization).regime


def by_key(key: str) -> Regime:
    for r in _TABLE:
        if r.key == key:
            return r
    raise KeyError(key)

