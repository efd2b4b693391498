r"""Hypothesis strategies for random, *valid* model-collapse problems (for property tests).

The strategies are built from the table of domains declared on the spec fields
(:func:`symcollapse.spec.domains`): every scalar is drawn from its field's ``typical`` range, log-uniformly
where the field says ``log=True``, and checked against the field's valid range when the strategy is built.
Hypothesis owns the randomness (draw seeds for simulations with :func:`seeds`), so a failing example
shrinks and replays.

Sample sizes are not typical ranges of a single field: they only make sense relative to :math:`d` and to the
result under test. They are defined here, per regime (:data:`SAMPLE_SIZES`), with the reason for each bound:

* ``T0`` (and ``T`` for OLS) in :math:`[d + 3, 12d]` for theory-only checks: the exact identities of Thm 4.1
  and Thm F.1 need :math:`T_0, T \ge d + 2` (Lemma F.3, inverse-Wishart mean); :math:`12d` keeps
  :math:`\phi_0 \ge 1/12`, where the collapse term is still visible.
* For Monte-Carlo checks (``mc=True``) the lower bound is :math:`d + 8`: the per-replicate error contains
  :math:`1/\chi^2_{T-d+1}` factors, whose :math:`m`-th moment is finite only if :math:`T - d + 1 > 2m`.
  :math:`T - d + 1 \ge 9` gives four finite moments, so the sample mean is close to normal at a few hundred
  replicates and its estimated standard error can be trusted (with :math:`T = d + 3` the variance is
  infinite and a z-test is meaningless).
* ``T`` for ridge in :math:`[\lceil d/3 \rceil, 12d]`: the deterministic equivalents cover
  over-parametrised downstream models (:math:`\phi` up to 3).
* ``T0`` below :math:`d` (over-parametrised generator): :math:`[\lceil d/4 \rceil, d - 1]` for the
  noiseless Thms 4.5/4.6 (projections are bounded, no moment condition), and
  :math:`[\lceil d/4 \rceil, d - 8]` for Eq. 18 with :math:`\sigma_0 > 0`, where
  :math:`\mathrm{tr}(X_0X_0^\top)^{-1}` needs :math:`d - T_0` large for finite moments (same reason as above).

Strategies are registered objects (:func:`register_strategy`, :func:`strategies`), keyed by
:attr:`Regime.strategy <symcollapse.theory.regimes.Regime.strategy>` of the regime table and tagged with the
chain workflow they draw; :func:`problems` dispatches on the key. The built-ins below (workflow
``"replace"``, names in :data:`REGIMES`) are registered here through the same call as the follow-up workflows'
(:mod:`symcollapse.testing_workflows`) or a workflow added from outside. Each generates only problems inside
the hypothesis of one result, so tests need neither skip lists nor ``assume``:

``"ols-exact"``
    Thm 4.1: :math:`\lambda = 0`, :math:`T_0, T \ge d + 3`, any spectrum and target, either design.
``"cor44"``
    Cor 4.4 (Eq. 19): ridge :math:`\lambda > 0` (log-uniform), :math:`T_0 \ge d + 3`,
    :math:`T \in [d/3, 12d]`, any spectrum and target, either design (the expected error is the same).
``"eq18"``
    Thm 4.3 (Eq. 18) with Thm 4.5: shared design, :math:`T_0 < d`, :math:`\sigma_0 > 0`, ridge
    :math:`\lambda > 0`, :math:`\Sigma = sI` by default (anisotropic kinds via ``spectrum_kinds`` give
    ``predict``'s Thm 4.3 (Eq. 18) + Lemma F.8, a deterministic equivalent).
``"thm46"`` / ``"thm45"``
    Thm 4.6 (independent designs) / Thm 4.5 (shared design): :math:`\Sigma = sI`, :math:`\sigma_0 = 0`,
    :math:`T_0 < d`, OLS downstream (:math:`\lambda = 0`) with :math:`T \ge d + 3` — exact in expectation —
    or, with ``ridge=True``, ridge :math:`\lambda > 0` and :math:`T \in [d/3, 12d]` (deterministic equivalent).
``"overparam-noisy"``
    The independent-design twin of ``"eq18"`` (``predict``: Thm 4.3 + Lemma F.8 (independent, σ0 > 0), this
    package's composition of Lemma F.8 with Eq. 18): independent designs, :math:`T_0 \in [d/4, d - 8]`,
    :math:`\sigma_0 > 0`, ridge :math:`\lambda > 0` and :math:`T \in [d/3, 12d]`, :math:`\Sigma = sI` by default
    (anisotropic kinds via ``spectrum_kinds``); ``ridge=False`` gives OLS downstream (:math:`\lambda = 0`,
    :math:`T \ge d + 3`), exact in expectation for :math:`\Sigma = sI`.
"""

from __future__ import annotations

import importlib
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from symcollapse.compare import verdict
from symcollapse.spec import Chain, Domain, Problem, Ridge, Spectrum, Target, domains

__all__ = [
    "REGIMES",
    "Strategy",
    "register_strategy",
    "unregister_strategy",
    "strategies",
    "SAMPLE_SIZES",
    "from_domain",
    "seeds",
    "spectra",
    "targets",
    "problems",
    "sample_size_range",
    "assert_mc_agrees",
    "log_check",
    "CHECK_COUNTS",
]


# Sample-size ranges relative to d (see the module docstring for the reason behind every bound):
# name -> (low(d, mc), high(d)). `mc` adds the finite-moment margin of Monte-Carlo checks.
SAMPLE_SIZES: dict[str, tuple[Any, Any]] = {
    "T0-under": (lambda d, mc: d + (8 if mc else 3), lambda d: 12 * d),
    "T-ols": (lambda d, mc: d + (8 if mc else 3), lambda d: 12 * d),
    "T-ridge": (lambda d, mc: max(1, math.ceil(d / 3)), lambda d: 12 * d),
    "T0-over-noiseless": (lambda d, mc: max(1, math.ceil(d / 4)), lambda d: d - 1),
    "T0-over-noisy": (lambda d, mc: max(1, math.ceil(d / 4)), lambda d: d - 8),
}

# Custom (non-parametric) spectra and targets have no single field to declare a typical range on:
# eigenvalues log-uniform over two decades around 1, coefficients uniform in [-1, 1].
_CUSTOM_EIGENVALUE_RANGE = (0.1, 10.0)
_CUSTOM_COEFFICIENT_RANGE = (-1.0, 1.0)
# Significant digits kept for drawn reals: short decimals keep the exact (Fraction) values small for the
# SymPy and mpmath paths and make failing examples readable; rounding is monotone, so bounds hold.
_DIGITS = 6


def _round(x: float) -> float:
    return float(f"{x:.{_DIGITS}g}")


def _grid(x: float, lo: float, hi: float) -> float:
    """Snap to a grid of 10⁻⁶ of the range, then to short decimals: no 1e-300 draws whose squares underflow
    (an interior value is 0 exactly or at least 10⁻⁶ of the range away from the bound)."""
    step = (hi - lo) * 1e-6
    return min(max(_round(lo + round((x - lo) / step) * step), lo), hi) if step > 0 else lo


def _inside(dom: Domain, value: float) -> bool:
    try:
        dom.check("bound", int(value) if dom.integer else value)
    except ValueError:
        return False
    return True


def from_domain(dom: Domain, *, low: float | None = None, high: float | None = None) -> st.SearchStrategy:
    """Strategy for one parameter: uniform (or log-uniform if ``dom.log``) over its typical range.

    ``low``/``high`` override the typical range; both ends must lie in the valid range of ``dom`` (checked
    here, once), so every drawn value is valid.
    """
    lo, hi = dom.typical if dom.typical is not None else (None, None)
    lo = lo if low is None else low
    hi = hi if high is None else high
    if lo is None or hi is None:
        raise ValueError("from_domain needs a typical range on the Domain or explicit low/high")
    if lo > hi:
        raise ValueError(f"empty range [{lo}, {hi}]")
    if not (_inside(dom, lo) and _inside(dom, hi)):
        raise ValueError(f"range [{lo}, {hi}] is not inside the valid domain ({dom.describe()})")
    if dom.integer:
        return st.integers(int(math.ceil(lo)), int(math.floor(hi)))
    if dom.log:
        if lo <= 0:
            raise ValueError("a log-uniform range needs low > 0")
        return st.floats(math.log10(lo), math.log10(hi)).map(lambda u: min(max(_round(10.0**u), lo), hi))
    return st.floats(lo, hi).map(lambda x: _grid(x, lo, hi))


def seeds() -> st.SearchStrategy[int]:
    """Seeds for :func:`symcollapse.simulate`, drawn by Hypothesis (so failures replay)."""
    return st.integers(0, 2**32 - 1)


def sample_size_range(name: str, d: int, mc: bool = False) -> tuple[int, int]:
    """The integer range of sample size ``name`` (a key of :data:`SAMPLE_SIZES`) for dimension ``d``."""
    low, high = SAMPLE_SIZES[name]
    return int(low(d, mc)), int(high(d))


_SPEC = domains(Spectrum)
_TGT = domains(Target)
_CHAIN = domains(Chain)
_RIDGE = domains(Ridge)


@st.composite
def spectra(draw, d: int, kinds: tuple[str, ...] = ("isotropic", "power_law", "custom")) -> Spectrum:
    """Isotropic (random scale), power law (β in the declared typical range) or custom eigenvalues."""
    kind = draw(st.sampled_from(kinds))
    scale = draw(from_domain(_SPEC["scale"]))
    if kind == "isotropic":
        return Spectrum.isotropic(d, scale=scale)
    if kind == "power_law":
        return Spectrum.power_law(d, beta=draw(from_domain(_SPEC["beta"])), scale=scale)
    lo, hi = _CUSTOM_EIGENVALUE_RANGE
    ev = draw(
        st.lists(
            st.floats(math.log10(lo), math.log10(hi)).map(lambda u: _round(10.0**u)), min_size=d, max_size=d
        )
    )
    return Spectrum(eigenvalues=sorted(ev, reverse=True))


@st.composite
def targets(draw, spectrum: Spectrum, kinds: tuple[str, ...] = ("isotropic", "source", "custom")) -> Target:
    """Isotropic (random norm), source condition (r in its typical range; power-law spectra only) or custom."""
    allowed = [k for k in kinds if k != "source" or spectrum.kind == "power_law"]
    kind = draw(st.sampled_from(allowed))
    if kind == "isotropic":
        return Target.isotropic(norm=draw(from_domain(_TGT["norm"])))
    if kind == "source":
        return Target.source(r=draw(from_domain(_TGT["r"])), scale=draw(from_domain(_TGT["scale"])))
    lo, hi = _CUSTOM_COEFFICIENT_RANGE
    coef = draw(
        st.lists(st.floats(lo, hi).map(lambda x: _grid(x, lo, hi)), min_size=spectrum.d, max_size=spectrum.d)
    )
    return Target(coefficients=coef)


def _int_range(draw, name: str, d: int, mc: bool) -> int:
    lo, hi = sample_size_range(name, d, mc)
    return draw(st.integers(lo, hi))


def _downstream(draw, d: int, mc: bool, ridge: bool) -> tuple[int, object]:
    """(T, λ) for a ridge downstream (λ from the spec's domain) or an OLS one (λ = 0, T in the OLS range)."""
    if ridge:
        return _int_range(draw, "T-ridge", d, mc), draw(from_domain(_RIDGE["lam"]))
    return _int_range(draw, "T-ols", d, mc), 0


# --------------------------------------------------------------------------------------------------------
# The strategy registry
# --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Strategy:
    """A registered Hypothesis strategy for problems of one workflow.

    Attributes
    ----------
    name : str
        The key: :attr:`Regime.strategy <symcollapse.theory.regimes.Regime.strategy>` of the regimes it draws.
    workflow : str
        The chain workflow key of the problems it draws (``"replace"`` for the built-ins).
    build : callable
        ``build(**options) -> SearchStrategy[Problem]``; validates its options when called.
    """

    name: str
    workflow: str
    build: Callable[..., st.SearchStrategy]

    def __call__(self, **options: Any) -> st.SearchStrategy[Problem]:
        return self.build(**options)


_REGISTRY: dict[str, Strategy] = {}
# Package modules that register further strategies through register_strategy, imported on first lookup
# (they import this module, so they cannot be imported at its top).
_PLUGINS = ["symcollapse.testing_workflows"]


def register_strategy(
    name: str, fn: Callable[..., st.SearchStrategy], workflow: str = "replace", *, overwrite: bool = False
) -> Strategy:
    """Register ``fn(**options) -> SearchStrategy[Problem]`` under ``name`` (a regime's ``strategy``) for the
    chain workflow ``workflow``; :func:`problems` dispatches on ``name``. A name can be registered once
    unless ``overwrite=True``."""
    if not isinstance(name, str) or not name:
        raise ValueError(f"a strategy name must be a non-empty string, got {name!r}")
    if not callable(fn):
        raise ValueError(f"strategy {name!r}: fn must be callable, got {fn!r}")
    if name in _REGISTRY and not overwrite:
        raise ValueError(f"strategy {name!r} is already registered (workflow {_REGISTRY[name].workflow!r})")
    _REGISTRY[name] = Strategy(name, workflow, fn)
    return _REGISTRY[name]


def unregister_strategy(name: str) -> None:
    """Remove a registered strategy (tests)."""
    _REGISTRY.pop(name, None)


def _load_plugins() -> None:
    while _PLUGINS:
        importlib.import_module(_PLUGINS.pop(0))


def strategies(workflow: str | None = None) -> tuple[Strategy, ...]:
    """The registered strategies (optionally of one workflow), in registration order."""
    _load_plugins()
    return tuple(s for s in _REGISTRY.values() if workflow is None or s.workflow == workflow)


def problems(regime: str = "cor44", **options: Any) -> st.SearchStrategy[Problem]:
    r"""Strategy for a random :class:`~symcollapse.spec.Problem` inside the hypothesis of ``regime``.

    ``regime`` is a registered strategy name (:func:`strategies`; a regime's ``strategy``), or a
    :class:`~symcollapse.theory.regimes.Regime` (its ``strategy`` is used). ``options`` go to the registered
    function. The built-in (``"replace"``) strategies are described in the module docstring and take:

    Parameters
    ----------
    d : (int, int), optional
        Range of the dimension (default: the declared typical range of ``Spectrum.d``; Monte-Carlo tests
        pass a smaller one to fit the CI budget).
    n : (int, int), optional
        Range of the number of generations (default: the declared typical range of ``Chain.n``).
    mc : bool
        Use the sample-size margins that make Monte-Carlo z-tests valid (finite moments).
    spectrum_kinds : tuple of str, optional
        Restrict the spectrum kinds. ``"thm46"``, ``"thm45"``, ``"eq18"`` and ``"overparam-noisy"`` default to
        :math:`\Sigma = sI`
        (the paper's setting, exact for λ = 0); passing anisotropic kinds gives the over-parametrised chain
        with a general :math:`\Sigma` (``predict``: Thm 4.3 + Lemma F.8, a deterministic equivalent).
    design : {"independent", "shared"}, optional
        Force the chain design where the regime allows both.
    ridge : bool, optional
        For ``"thm46"``/``"thm45"``: a ridge downstream (:math:`\lambda > 0`) instead of OLS (default OLS).
        For ``"overparam-noisy"`` the default is a ridge downstream; ``ridge=False`` gives OLS.

    The follow-up workflows' strategies (``"accumulate"``, ``"mix"``, ...) and their options are in
    :mod:`symcollapse.testing_workflows`.
    """
    name = getattr(regime, "strategy", regime)
    _load_plugins()
    if name not in _REGISTRY:
        raise ValueError(
            f"regime must be one of the registered strategies {tuple(_REGISTRY)}, got {regime!r}"
        )
    return _REGISTRY[name](**options)


# --------------------------------------------------------------------------------------------------------
# The built-in strategies (workflow "replace")
# --------------------------------------------------------------------------------------------------------


def _replace_strategy(
    name: str, tail, *, d_min: int | None = None, ridge_default: bool = False, iso_default: bool = False
):
    """The build function of one built-in strategy. ``tail(draw, d, mc, design, ridge, sigma0)`` draws the
    regime-specific part (T0, T, λ, σ0, design) after the common draws; ``d_min`` raises the low end of the
    d range (room for T0 in [d/4, d − 8]); ``iso_default``: Σ = sI unless ``spectrum_kinds`` is given."""

    def build(*, d=None, n=None, mc=False, spectrum_kinds=None, design=None, ridge=None):
        d_lo, d_hi = d if d is not None else _SPEC["d"].typical
        if d_min is not None:
            d_lo = max(d_lo, d_min)
        ridge = ridge_default if ridge is None else bool(ridge)
        if not (1 <= d_lo <= d_hi):
            raise ValueError(f"empty or invalid d range ({d_lo}, {d_hi}) for regime {name!r}")
        return _replace_problems(
            tail, int(d_lo), int(d_hi), n, mc, spectrum_kinds, design, ridge, iso_default
        )

    return build


@st.composite
def _replace_problems(draw, tail, d_lo, d_hi, n, mc, spectrum_kinds, design, ridge, iso_default) -> Problem:
    # The draw order (d, n, σ, σ0, spectrum, target, then the tail) is what fixes the derandomized examples.
    dd = draw(st.integers(int(d_lo), int(d_hi)))
    n_dom = _CHAIN["n"]
    nn = draw(from_domain(n_dom, low=n[0], high=n[1]) if n is not None else from_domain(n_dom))
    sigma = draw(from_domain(_RIDGE["sigma"]))
    sigma0 = draw(from_domain(_CHAIN["sigma0"]))
    if iso_default and spectrum_kinds is None:
        spec = Spectrum.isotropic(dd, scale=draw(from_domain(_SPEC["scale"])))
    else:
        spec = draw(spectra(dd, spectrum_kinds or ("isotropic", "power_law", "custom")))
    tgt = draw(targets(spec))
    T0, T, lam, sigma0, des = tail(draw, dd, mc, design, ridge, sigma0)
    return Problem(spec, tgt, Chain(n=nn, T0=T0, sigma0=sigma0, design=des), Ridge(T=T, sigma=sigma, lam=lam))


def _either_design(draw, design):
    return design or draw(st.sampled_from(("independent", "shared")))


def _noisy_sigma0(draw):
    # σ0 > 0: the collapse term is what Eq. 18 is about (σ0 = 0 is Thm 4.5)
    return draw(from_domain(_CHAIN["sigma0"], low=0.05, high=_CHAIN["sigma0"].typical[1]))


def _tail_ols_exact(draw, dd, mc, design, ridge, sigma0):
    T0, T = _int_range(draw, "T0-under", dd, mc), _int_range(draw, "T-ols", dd, mc)
    return T0, T, 0, sigma0, _either_design(draw, design)


def _tail_cor44(draw, dd, mc, design, ridge, sigma0):
    T0, T = _int_range(draw, "T0-under", dd, mc), _int_range(draw, "T-ridge", dd, mc)
    lam = draw(from_domain(_RIDGE["lam"]))
    return T0, T, lam, sigma0, _either_design(draw, design)


def _tail_eq18(draw, dd, mc, design, ridge, sigma0):
    T0, T = _int_range(draw, "T0-over-noisy", dd, mc), _int_range(draw, "T-ridge", dd, mc)
    lam = draw(from_domain(_RIDGE["lam"]))
    return T0, T, lam, _noisy_sigma0(draw), "shared"


def _tail_overparam_noisy(draw, dd, mc, design, ridge, sigma0):
    T0 = _int_range(draw, "T0-over-noisy", dd, mc)
    T, lam = _downstream(draw, dd, mc, ridge)
    return T0, T, lam, _noisy_sigma0(draw), "independent"


def _tail_noiseless(des):
    def tail(draw, dd, mc, design, ridge, sigma0):
        T0 = _int_range(draw, "T0-over-noiseless", dd, mc)
        T, lam = _downstream(draw, dd, mc, ridge)
        return T0, T, lam, 0, des

    return tail


for _name, _tail, _kw in (
    ("ols-exact", _tail_ols_exact, {}),
    ("cor44", _tail_cor44, {}),
    ("eq18", _tail_eq18, dict(d_min=12, iso_default=True)),
    ("thm46", _tail_noiseless("independent"), dict(iso_default=True)),
    ("thm45", _tail_noiseless("shared"), dict(iso_default=True)),
    ("overparam-noisy", _tail_overparam_noisy, dict(d_min=12, ridge_default=True, iso_default=True)),
):
    register_strategy(_name, _replace_strategy(_name, _tail, **_kw), workflow="replace")

#: The built-in strategy names (workflow ``"replace"``), in registration order.
REGIMES = tuple(s.name for s in _REGISTRY.values() if s.workflow == "replace")


# --------------------------------------------------------------------------------------------------------
# Monte-Carlo assertions with a record of every check
# --------------------------------------------------------------------------------------------------------

_LOG_ENV = "SYMCOLLAPSE_CHECK_LOG"
_COUNTS = {"checks": 0, "not_informative": 0}
#: Running counts of :func:`assert_mc_agrees` calls in this process: ``checks`` and ``not_informative``
#: (allowance larger than the value). The property suite keeps the second under 5 % of the first.
CHECK_COUNTS = _COUNTS


def log_check(label: str, z: float | None, passed: bool | None, **info: Any) -> None:
    """Append one check (formula label, z-score, verdict) to the JSON-lines file named by the environment
    variable ``SYMCOLLAPSE_CHECK_LOG`` (no-op when unset). Used to count the (problem, formula) pairs a
    property run checks and the largest |z| it saw."""
    import json
    import os

    path = os.environ.get(_LOG_ENV)
    if not path:
        return
    rec = {
        "label": label,
        "z": None if z is None or not math.isfinite(z) else float(z),
        "passed": None if passed is None else bool(passed),
    }
    rec.update(
        {k: (v if isinstance(v, (int, float, str, bool)) or v is None else str(v)) for k, v in info.items()}
    )
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(json.dumps(rec) + "\n")


def assert_mc_agrees(
    label: str,
    value: float,
    mean: float,
    stderr: float,
    k: float,
    allowance: float = 0.0,
    context: Any = None,
) -> float:
    r"""Assert :math:`|\bar x - v| \le k\,\mathrm{se} + a` (Monte-Carlo mean against a theory value); return z.

    The rule is :func:`symcollapse.compare.verdict` (the one shared with ``compare``): a relative round-off
    floor of 1e-10 of the larger of the two values is added, for deterministic cases whose error is exactly
    0; a check whose allowance exceeds the value is "not informative" (it passes, and is counted in
    :data:`CHECK_COUNTS`). The message states every number, and ``context`` (e.g. the problem), so a shrunk
    Hypothesis failure is self-explanatory.
    """
    v = verdict(value, mean, stderr, allowance, k)
    log_check(label, v.z, v.passed, allowance=allowance, value=value)
    _COUNTS["checks"] += 1
    _COUNTS["not_informative"] += v.passed is None
    assert v.passed is not False, (
        f"{label}: MC {mean:.8g} ± {stderr:.3g} vs theory {value:.8g}: |diff| = {abs(mean - value):.3g} > "
        f"{k:g}·se + allowance = {v.tol:.3g} (z = {v.z:+.2f}, allowance {allowance:.3g})\n{context!r}"
    )
    z = v.z
    return z
