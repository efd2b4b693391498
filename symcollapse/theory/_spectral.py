r"""The one spectral resolver: a :class:`~symcollapse.spec.Problem`'s spectrum and target as grouped
(eigenvalue :math:`u_k`, multiplicity :math:`m_k`, squared coefficient :math:`s_k = \sum_{j\in k} c_j^2`) data.

Every evaluator (``predict`` in float64 and mpmath, ``formula`` in SymPy) reads the spectrum through
:func:`groups`, so that :math:`\sum_j c_j^2 f(\lambda_j) = \sum_k s_k f(u_k)` and
:math:`\mathrm{tr}\,f(\Sigma) = \sum_k m_k f(u_k)` are formed from one description (paper §3; notation in
docs/theory/setup.md). Adding a spectrum kind means adding a branch to :func:`_describe` only.

Forms
-----
``"float"``
    float64 numpy arrays, from the spec's own ``eigenvalues``/``coefficients`` (rounded once).
``"mp"``
    a callable returning mpf lists *at the current mpmath precision* (power laws :math:`s\,j^{-\beta}` are
    computed in mpmath from the exact :math:`\beta`).
``"sympy"``
    SymPy numbers: exact rationals, except non-integer powers :math:`j^{-\beta}`, :math:`j^{-\delta}`, which
    are 70-digit Floats (SymPy's exact ``Integer**Rational`` is very slow).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import mpmath

from symcollapse.spec import Problem, exact
from symcollapse.theory import fixed_point as fp

__all__ = ["groups", "is_isotropic", "isotropic_exact", "mpf", "power_tail", "tail_fallback", "TAIL_MIN_D"]


def mpf(x: Fraction):
    """An exact Fraction as an mpf at the current precision (one rounding)."""
    return mpmath.mpf(x.numerator) / x.denominator


# Spectral data depend only on (spectrum, target); Problem.replace keeps those objects, so a sweep over
# n, T, λ reuses them. Keyed by identity (strong references are kept, so ids stay valid).
_CACHE: dict = {}
_CACHE_SIZE = 32


def cached(tag: str, p: Problem, extra: Any, build):
    """Memoise ``build()`` per (spectrum, target) object pair."""
    key = (tag, id(p.spectrum), id(p.target), extra)
    hit = _CACHE.get(key)
    if hit is not None and hit[0] is p.spectrum and hit[1] is p.target:
        return hit[2]
    data = build()
    if len(_CACHE) >= _CACHE_SIZE:
        _CACHE.pop(next(iter(_CACHE)))
    _CACHE[key] = (p.spectrum, p.target, data)
    return data


@dataclass(frozen=True)
class _Desc:
    """Exact description: ``kind`` "iso" (one group ``ev``, total ``w``), "power" (``beta`` and the target
    law) or "groups" (exact grouped Fractions)."""

    kind: str
    d: int
    scale: Fraction
    ev: Any = None
    w: Any = None
    beta: Fraction | None = None
    mult: Any = None


def _c2_custom(tgt) -> list:
    tsc = exact(tgt.scale, "Target.scale")
    return [tsc * exact(x) ** 2 for x in tgt.coefficients_in]


def _describe(p: Problem) -> _Desc:
    spec, tgt = p.spectrum, p.target
    d = spec.d
    sc = exact(spec.scale, "Spectrum.scale")
    if spec.kind == "isotropic" or (spec.kind == "custom" and len({exact(v) for v in spec.values}) == 1):
        ev = sc if spec.kind == "isotropic" else sc * exact(spec.values[0])
        w = exact(tgt.norm) ** 2 if tgt.kind == "isotropic" else sum(_c2_custom(tgt), Fraction(0))
        return _Desc("iso", d, sc, ev=ev, w=w)
    if spec.kind == "power_law":
        return _Desc("power", d, sc, beta=exact(spec.beta))
    vals = [sc * exact(v) for v in spec.values]
    w = [exact(tgt.norm) ** 2 / d] * d if tgt.kind == "isotropic" else _c2_custom(tgt)
    uq, mult, ws = fp.group_mp(vals, w)
    return _Desc("groups", d, sc, ev=list(uq), w=list(ws), mult=list(mult))


def _power_mp(p: Problem, desc: _Desc):
    tgt, d, beta, sc = p.target, desc.d, desc.beta, desc.scale
    js = range(1, d + 1)
    if beta.denominator == 1:
        u = [mpf(sc) / mpmath.mpf(jj) ** beta.numerator for jj in js]
    else:
        b = mpf(beta)
        u = [mpf(sc) * mpmath.power(jj, -b) for jj in js]
    if tgt.kind == "isotropic":
        s = [mpf(exact(tgt.norm) ** 2 / d)] * d
    elif tgt.kind == "source":
        dl = 1 + beta * (2 * exact(tgt.r) - 1)
        tsc = exact(tgt.scale, "Target.scale")
        s = [mpf(tsc) * mpmath.power(jj, -mpf(dl)) for jj in js]
    else:
        s = [mpf(x) for x in _c2_custom(tgt)]
    return u, [1] * d, s


def _mp_maker(p: Problem):
    desc = _describe(p)
    if desc.kind == "iso":
        return lambda: ([mpf(desc.ev)], [desc.d], [mpf(desc.w)])
    if desc.kind == "power":
        return lambda: _power_mp(p, desc)
    return lambda: ([mpf(x) for x in desc.ev], list(desc.mult), [mpf(x) for x in desc.w])


# Power laws above this d use head sums plus an Euler–Maclaurin tail on the mpmath path (power_tail); at or
# below it the direct O(d) sums are kept, bit for bit the values every stored reference was computed with.
TAIL_MIN_D = 5000
# No beta limit: the tail's remainder bound (module _infinite, "Remainder bound") holds for every beta > 0, with a
# disc radius rho chosen from beta (beta*arcsin(rho) <= 15 pi/16); None keeps the name for callers that read it.
_TAIL_MAX_BETA = None
# When the tail cannot certify the precision (no K <= KMAX meets the bound), predict falls back to the direct
# sums up to this d (about 10-20 s at 50 digits) and raises a RegimeError above it (tail_fallback).
DIRECT_MAX_D = 100_000


@dataclass(frozen=True)
class PowerTail:
    r"""Exact law of a power-law problem for sums without an :math:`O(d)` loop: :math:`u_j = a\,j^{-\beta}` and
    :math:`s_j = b\,j^{-\gamma}` (source target: :math:`b` = target scale, :math:`\gamma = \delta`;
    isotropic target: :math:`b = \|w_0\|^2/d`, :math:`\gamma = 0`)."""

    d: int
    beta: Fraction
    a: Fraction
    b: Fraction
    gamma: Fraction


def power_tail(p: Problem) -> PowerTail | None:
    """The :class:`PowerTail` of ``p``, or ``None`` when the direct sums apply (not a power law, a custom
    target, or d <= TAIL_MIN_D)."""
    spec, tgt = p.spectrum, p.target
    if spec.kind != "power_law" or spec.d <= TAIL_MIN_D or tgt.kind not in ("source", "isotropic"):
        return None
    beta = exact(spec.beta)
    if not beta > 0 or (_TAIL_MAX_BETA is not None and beta > _TAIL_MAX_BETA):
        return None
    a = exact(spec.scale, "Spectrum.scale")
    if tgt.kind == "source":
        b, gamma = exact(tgt.scale, "Target.scale"), 1 + beta * (2 * exact(tgt.r) - 1)
    else:
        b, gamma = exact(tgt.norm) ** 2 / spec.d, Fraction(0)
    return PowerTail(spec.d, beta, a, b, gamma)


def tail_fallback(p: Problem, err: ArithmeticError) -> None:
    """Called when the tail path of ``p`` failed with ``err``: return (so the caller uses the direct sums) if
    ``p.d <= DIRECT_MAX_D``, else raise a :class:`~symcollapse.spec.RegimeError` that names d, dps and beta."""
    if p.d <= DIRECT_MAX_D:
        return
    from symcollapse.spec import RegimeError  # noqa: PLC0415

    raise RegimeError(
        f"predict(dps=...) at d = {p.d} (> {DIRECT_MAX_D}, where the direct O(d) sums would take minutes): the "
        f"Euler-Maclaurin tail cannot certify this precision for beta = {p.spectrum.beta} ({err}); use a lower dps"
    ) from err


def _sympy_jpow(e: Fraction, d: int) -> list:
    import sympy as sp  # noqa: PLC0415

    # j^(-e): exact rationals for integer e; otherwise 70-digit Floats computed by mpmath, because SymPy's
    # Integer**Rational runs a perfect-power search that takes minutes for exponents like 137/100.
    if e.denominator == 1:
        return [sp.Rational(1, jj**e.numerator) if e > 0 else sp.Integer(jj ** (-e.numerator))
                for jj in range(1, d + 1)]
    with mpmath.workdps(75):
        me = mpf(e)
        return [sp.Float(mpmath.nstr(mpmath.power(jj, -me), 72), 70) for jj in range(1, d + 1)]


def _sympy_groups(p: Problem):
    import sympy as sp  # noqa: PLC0415

    def R(f: Fraction):
        return sp.Rational(f.numerator, f.denominator)

    desc, tgt = _describe(p), p.target
    d = desc.d
    if desc.kind == "power":
        u = [R(desc.scale) * x for x in _sympy_jpow(desc.beta, d)]
        if tgt.kind == "isotropic":
            w = [R(exact(tgt.norm) ** 2 / d)] * d
        elif tgt.kind == "source":
            w = [R(exact(tgt.scale)) * x for x in _sympy_jpow(1 + desc.beta * (2 * exact(tgt.r) - 1), d)]
        else:
            w = [R(x) for x in _c2_custom(tgt)]
        return u, [1] * d, w
    if desc.kind == "iso":
        return [R(desc.ev)], [d], [R(desc.w)]
    return [R(x) for x in desc.ev], list(desc.mult), [R(x) for x in desc.w]


def groups(p: Problem, form: str = "float"):
    """Grouped (u, m, s) of ``p`` in ``form`` ("float": arrays; "mp": a maker called at the current
    precision; "sympy": lists of SymPy numbers). The float form is cached per spectrum/target pair."""
    if form == "float":
        return cached("float", p, None, lambda: fp.group(p.eigenvalues, p.coefficients**2))
    if form == "mp":
        return _mp_maker(p)
    if form == "sympy":
        return _sympy_groups(p)
    raise ValueError(f"unknown spectral form {form!r}")


def is_isotropic(p: Problem) -> bool:
    """Σ = sI, judged on the exact values (a custom spectrum of equal entries counts)."""
    sp_ = p.spectrum
    if sp_.kind == "isotropic" or sp_.d == 1:
        return True
    if sp_.kind == "power_law":
        return False

    def check():
        vals = sp_.values
        if len(set(vals)) == 1:
            return True
        if all(isinstance(v, (int, float)) for v in vals):  # floats: shortest-repr equality is float equality
            return False
        return len({exact(v) for v in vals}) == 1

    return cached("iso", p, None, check)


def isotropic_exact(p: Problem):
    """Exact (s, ‖w0‖²) as SymPy Rationals for an isotropic Σ = sI (a power law with d = 1 included)."""
    import sympy as sp  # noqa: PLC0415

    spec, tgt = p.spectrum, p.target
    sc = exact(spec.scale)
    # isotropic: λ_j = s; a power law with d = 1: λ_1 = s·1^-β = s; custom: all values equal
    s = sc * exact(spec.values[0]) if spec.kind == "custom" else sc
    if tgt.kind == "isotropic":
        w = exact(tgt.norm) ** 2
    elif tgt.kind == "source":  # d == 1 power law: c_1² = scale·1^-δ
        w = exact(tgt.scale)
    else:
        w = sum((exact(tgt.scale) * exact(x) ** 2 for x in tgt.coefficients_in), Fraction(0))
    return sp.Rational(s.numerator, s.denominator), sp.Rational(w.numerator, w.denominator)
