r"""Tidy results: one JSON conversion (:func:`jsonable`) and one table conversion (:func:`to_frame`).

Every result object of the package (:class:`~symcollapse.Prediction`, :class:`~symcollapse.MCResult`,
:class:`~symcollapse.Comparison`, :class:`~symcollapse.ScalingLaw`) becomes a *flat record*
(:func:`record`): the problem's parameters as top-level columns (``n``, ``T``, ``lam`` first, the ones
sweeps vary), then the result's numbers and labels.

Rules (the same for JSON, CSV and DataFrames):

- numbers stay numbers: a :class:`~fractions.Fraction`, a SymPy number or an mpmath ``mpf`` becomes a
  ``float``; an ``int`` stays an ``int``; numpy scalars become Python scalars;
- where the float does not carry the exact value (``1/3``, an ``mpf`` with 40 certified digits, an integer
  above :math:`2^{53}`, an infinite z-score), the exact value is kept *as a string* in a separate
  ``<name>_exact`` field beside the number. ``0.2`` typed as ``"0.2"`` needs none: the float's shortest
  decimal form is the exact value;
- ``None`` is ``null`` (never the string ``"None"``); in JSON a non-finite float is ``null`` with its
  ``<name>_exact`` (``"inf"``), since JSON has no infinities.
"""

from __future__ import annotations

import math
import numbers
import sys
from collections.abc import Callable, Iterable, Mapping
from fractions import Fraction
from pathlib import PurePath
from typing import Any

__all__ = ["jsonable", "record", "records", "register_record", "to_frame", "problem_columns"]

# Integers beyond this are not exactly representable as float64 (pandas may turn them into floats).
_INT_EXACT = 2**53

# --------------------------------------------------------------------------------------------------------
# Scalars
# --------------------------------------------------------------------------------------------------------


def _is_mpf(v: Any) -> bool:
    return type(v).__module__.startswith("mpmath") and hasattr(v, "_mpf_")


def _mpf_str(v: Any, digits: int | None = None) -> str:
    import mpmath  # noqa: PLC0415  (only reached when an mpf is present)

    if digits is None:  # the number's own precision: its mantissa's bit count
        digits = max(15, mpmath.libmp.prec_to_dps(max(int(v._mpf_[3]), 53)))
    return mpmath.nstr(v, int(digits), strip_zeros=False, min_fixed=-4, max_fixed=6)


def _sympy_number(v: Any) -> Any:
    """``(float_or_None, exact_str_or_None)`` for a SymPy object, or ``None`` if ``v`` is not SymPy."""
    if "sympy" not in sys.modules or not type(v).__module__.startswith("sympy"):
        return None
    import sympy as sp  # noqa: PLC0415

    if isinstance(v, sp.logic.boolalg.BooleanAtom):
        return bool(v), None
    if isinstance(v, sp.Integer):
        return int(v), None
    if isinstance(v, sp.Rational):
        return _fraction(Fraction(int(v.p), int(v.q)))
    if isinstance(v, sp.Basic) and getattr(v, "is_number", False):
        if v.is_finite:
            return float(v), sp.sstr(v)
        return None, sp.sstr(v)  # oo, -oo, zoo, nan
    if isinstance(v, sp.Basic):
        return None, sp.sstr(v)  # a symbolic expression: no number, the formula as the exact text
    return None


def _fraction(v: Fraction) -> tuple[Any, str | None]:
    if v.denominator == 1:
        return _integer(v.numerator)
    f = float(v)
    return f, (None if Fraction(repr(f)) == v else str(v))


def _integer(v: int) -> tuple[int, str | None]:
    return v, (str(v) if abs(v) > _INT_EXACT else None)


def split(value: Any, digits: int | None = None) -> tuple[Any, str | None]:
    """``(number, exact)``: the plain Python value of a scalar and, where it loses something, its exact text.

    ``number`` is ``bool``, ``int``, ``float``, ``str`` or ``None``; ``exact`` is ``None`` when ``number``
    already carries the exact value. ``digits`` sets how many digits of an ``mpf`` the exact text shows.
    """
    if value is None or isinstance(value, (bool, str)):
        return value, None
    if isinstance(value, Fraction):
        return _fraction(value)
    if isinstance(value, numbers.Integral):  # int, numpy integers (bool handled above)
        return _integer(int(value))
    kind = getattr(getattr(value, "dtype", None), "kind", None)  # numpy scalars
    if kind == "b":
        return bool(value), None
    if isinstance(value, float) or kind == "f":
        f = float(value)
        return f, (None if math.isfinite(f) else repr(f))
    if _is_mpf(value):
        f = float(value)
        exact = math.isfinite(f) and type(value)(f) == value  # the float holds the mpf exactly (e.g. 0)
        return f, (None if exact else _mpf_str(value, digits))
    sym = _sympy_number(value)
    if sym is not None:
        return sym
    if isinstance(value, PurePath):
        return str(value), None
    if isinstance(value, numbers.Real):
        return float(value), None
    return str(value), None


# --------------------------------------------------------------------------------------------------------
# Records of result objects
# --------------------------------------------------------------------------------------------------------

_RECORDERS: dict[tuple[str, str], Callable[[Any], dict]] = {}


def register_record(module: str, name: str) -> Callable:
    """Register ``fn(obj) -> dict`` as the flat record of the class ``module.name``.

    The class is looked up only in already imported modules, so building a record never imports numba or
    SymPy: an object of a class whose module is not loaded cannot exist.
    """

    def deco(fn: Callable[[Any], dict]) -> Callable[[Any], dict]:
        _RECORDERS[(module, name)] = fn
        return fn

    return deco


def _recorder(obj: Any) -> Callable[[Any], dict] | None:
    for (module, name), fn in _RECORDERS.items():
        cls = getattr(sys.modules.get(module), name, None)
        if isinstance(cls, type) and isinstance(obj, cls):
            return fn
    return None


def problem_columns(problem: Any) -> dict[str, Any]:
    """The problem as flat columns: ``n, T, lam`` (swept most often) first, then the fixed parameters."""
    s, t, ch, r = problem.spectrum, problem.target, problem.chain, problem.downstream
    wf = getattr(getattr(ch, "workflow", None), "key", "replace")
    out: dict[str, Any] = {
        "n": ch.n,
        "T": r.T,
        "lam": r.lam,
        "d": s.d,
        "T0": ch.T0,
        "sigma0": ch.sigma0,
        "sigma": r.sigma,
        "design": ch.design,
        "workflow": wf,
    }
    out.update({str(k): v for k, v in (getattr(ch, "params", None) or {}).items()})
    out.update(spectrum=s.kind, beta=s.beta, scale=s.scale, target=t.kind, norm=t.norm, r=t.r)
    return out


@register_record("symcollapse.spec", "Problem")
def _problem_record(p: Any) -> dict:
    return problem_columns(p)


_PRED_NUMBERS = (
    "bias",
    "variance",
    "collapse",
    "delta_bias",
    "total",
    "kappa",
    "kappa0",
    "df1",
    "df2",
    "rho",
)


@register_record("symcollapse.theory.evaluate", "Prediction")
def _prediction_record(pr: Any) -> dict:
    out = problem_columns(pr.problem)
    digits = pr.digits or pr.dps
    for q in _PRED_NUMBERS:
        v = getattr(pr, q, None)
        out[q] = _Digits(v, digits) if _is_mpf(v) else v
    out.update(kind=pr.kind, theorem=pr.theorem, normalization=pr.normalization, dps=pr.dps, digits=pr.digits)
    regime = getattr(pr, "regime", None)
    if regime is not None:
        out["regime"] = getattr(regime, "key", regime)
    for extra in ("finite_size", "finite_size_error"):  # issue 14 item 4: the prediction's own error estimate
        if hasattr(pr, extra):
            out[extra] = getattr(pr, extra)
    return out


@register_record("symcollapse.simulate.monte_carlo", "MCResult")
def _mc_record(mc: Any) -> dict:
    out = problem_columns(mc.problem)
    out.update(
        mean=mc.mean, stderr=mc.stderr, reps=mc.reps, seed=mc.seed, method=mc.method, seconds=mc.elapsed
    )
    chain = getattr(mc, "chain_errors", None)
    if chain is not None and len(chain):
        out["chain_mean"] = float(chain.mean())
    return out


@register_record("symcollapse.compare", "Comparison")
def _comparison_record(c: Any) -> dict:
    out = problem_columns(c.theory.problem)
    out.update(
        value=c.value,
        mean=c.mean,
        stderr=c.stderr,
        z=c.z,
        allowance=c.allowance,
        k=c.k,
        passed=c.passed,
        theorem=c.theory.theorem,
        kind=c.theory.kind,
        normalization=c.theory.normalization,
        reps=c.mc.reps,
        seed=c.mc.seed,
        method=c.mc.method,
        reason=c.reason,
    )
    return out


@register_record("symcollapse.theory.scaling", "ScalingLaw")
def _scaling_record(law: Any) -> dict:
    out = {
        "beta": law.beta,
        "r": law.r,
        "ell": law.ell,
        "a": law.a,
        "b": law.b,
        "noise": law.noise,
        "delta": law.delta,
        "r_low": law.r_low,
    }
    out.update({name: v for name, v, _ in law.items()})
    return out


class _Digits:
    """An mpf with the number of digits its exact text should show (the certified ones)."""

    __slots__ = ("value", "digits")

    def __init__(self, value: Any, digits: int | None):
        self.value, self.digits = value, digits


def record(obj: Any) -> dict:
    """The flat record of a result object (or a dict, returned as is), values not yet converted."""
    if isinstance(obj, Mapping):
        return dict(obj)
    fn = _recorder(obj)
    if fn is None:
        raise TypeError(
            f"no record for {type(obj).__name__}; expected a Prediction, MCResult, Comparison, "
            "ScalingLaw, Problem or dict"
        )
    return fn(obj)


def _flatten(rec: Mapping, strict_json: bool) -> dict:
    """Convert a record's values by :func:`split`, adding ``<key>_exact`` where a value lost something."""
    out: dict[str, Any] = {}
    for key, value in rec.items():
        key = str(key)
        if getattr(value, "ndim", 0) > 0 and hasattr(value, "tolist"):  # numpy arrays: lists
            value = value.tolist()
        if isinstance(value, Mapping) or (isinstance(value, (list, tuple)) and not isinstance(value, str)):
            out[key] = jsonable(value) if strict_json else value
            continue
        if isinstance(value, _Digits):
            num, exact = split(value.value, value.digits)
        else:
            num, exact = split(value)
        if strict_json and isinstance(num, float) and not math.isfinite(num):
            num = None
        out[key] = num
        if exact is not None:
            out[f"{key}_exact"] = exact
    return out


def records(objs: Any) -> list[dict]:
    """Flat, converted records of one result object or an iterable of them (frame-ready, floats may be inf)."""
    items = [objs] if _single(objs) else list(objs)
    return [_flatten(record(o), strict_json=False) for o in items]


def _single(obj: Any) -> bool:
    return isinstance(obj, Mapping) or not isinstance(obj, Iterable) or isinstance(obj, str)


def jsonable(obj: Any) -> Any:
    """The one JSON conversion: ``json.dumps(jsonable(x), allow_nan=False)`` always works.

    Result objects become their flat :func:`record`; dicts are converted key by key (adding
    ``<key>_exact`` strings where a number loses its exact value); lists, tuples and numpy arrays become
    lists; every scalar follows :func:`split`. Non-finite floats become ``null``.
    """
    if isinstance(obj, Mapping):
        return _flatten(obj, strict_json=True)
    if isinstance(obj, (list, tuple)):
        return [jsonable(v) for v in obj]
    if type(obj).__module__ == "numpy" and hasattr(obj, "tolist") and getattr(obj, "ndim", 0) > 0:
        return jsonable(obj.tolist())
    if _recorder(obj) is not None:
        return _flatten(record(obj), strict_json=True)
    num, _ = split(obj)
    if isinstance(num, float) and not math.isfinite(num):
        return None
    return num


def to_frame(obj: Any, columns: Iterable[str] | None = None):
    """A pandas DataFrame with one row per result (a result object, a dict, or a list of either).

    Numeric columns have numeric dtypes; ``<name>_exact`` string columns appear only where some value lost
    its exact form. ``columns`` selects and orders columns (unknown names raise ``KeyError``).
    """
    import pandas as pd  # noqa: PLC0415

    rows = records(obj)
    frame = pd.DataFrame(rows)
    for col in frame.columns:  # a column of numbers and None (rho, kappa0, beta) is numeric, None -> NaN
        values = [v for v in frame[col] if v is not None]
        if frame[col].dtype == object and all(
            isinstance(v, numbers.Real) and not isinstance(v, bool) for v in values
        ):
            frame[col] = pd.to_numeric(
                frame[col].astype(float) if not values else frame[col], errors="coerce"
            )
    if columns is not None:
        columns = list(columns)
        missing = [c for c in columns if c not in frame.columns]
        if missing:
            raise KeyError(f"unknown column(s) {missing}; available: {list(frame.columns)}")
        frame = frame[columns]
    return frame
