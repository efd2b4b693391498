"""Errors, exact scalars and declarative parameter domains (validation and Hypothesis strategies are both built from these)."""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field, fields
from decimal import Decimal
from fractions import Fraction
from typing import Any

import numpy as np


class SpecError(ValueError):
    """A parameter is outside its valid range. The message names the parameter and the range."""


class RegimeError(ValueError):
    """A formula's hypothesis fails for this problem (e.g. the exact OLS identity needs T0 >= d + 2)."""


# --------------------------------------------------------------------------------------------------------
# Exact scalars
# --------------------------------------------------------------------------------------------------------


def exact(value: Any, name: str = "value") -> Fraction:
    """Return ``value`` as an exact :class:`~fractions.Fraction`.

    ``float`` → its shortest decimal representation (``repr``); ``int``, ``Fraction``, SymPy ``Rational``
    and ``numpy`` integers → exact; ``str`` → :class:`~fractions.Fraction` parsing (``"1e-3"``,
    ``"3/4"``). Anything else, NaN and infinities raise :class:`SpecError` naming ``name``.

    >>> exact(0.1)
    Fraction(1, 10)
    >>> exact("1e-3")
    Fraction(1, 1000)
    """
    if isinstance(value, bool):
        raise SpecError(f"{name} must be a number, got a bool ({value!r})")
    if isinstance(value, Fraction):
        return value
    if isinstance(value, numbers.Integral):
        return Fraction(int(value))
    if isinstance(value, (float, np.floating)):
        v = float(value)
        if not math.isfinite(v):
            raise SpecError(f"{name} must be finite, got {v!r}")
        return Fraction(repr(v))
    if isinstance(value, str):
        try:
            return Fraction(value.strip())
        except (ValueError, ZeroDivisionError):
            raise SpecError(
                f"{name} must be a number such as '0.001', '1e-3' or '1/1000', got {value!r}"
            ) from None
    # SymPy Rational (and Integer) without importing sympy here: they expose .p and .q.
    p, q = getattr(value, "p", None), getattr(value, "q", None)
    if isinstance(p, int) and isinstance(q, int) and q != 0:
        return Fraction(p, q)
    if isinstance(value, numbers.Rational):
        return Fraction(value.numerator, value.denominator)
    raise SpecError(
        f"{name} must be an int, float, str, Fraction or SymPy Rational, got {type(value).__name__}"
    )


def _as_float(value: Any) -> float:
    return float(value) if isinstance(value, (int, float, np.floating, np.integer)) else float(exact(value))


# --------------------------------------------------------------------------------------------------------
# Declarative domains (validation and Hypothesis strategies are both built from these)
# --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Domain:
    """The valid range of one parameter, and its typical range for random testing.

    Parameters
    ----------
    low, high : float
        Bounds of the valid range (``None`` = unbounded).
    low_open, high_open : bool
        Whether the bound itself is excluded.
    integer : bool
        Whether the parameter must be an integer.
    typical : tuple or None
        ``(low, high)`` of the range that random tests draw from (``symcollapse.testing``).
    log : bool
        Draw log-uniformly in ``typical``.
    """

    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False
    integer: bool = False
    typical: tuple[float, float] | None = None
    log: bool = False

    def describe(self) -> str:
        kind = "an integer" if self.integer else "a finite number"
        parts = []
        if self.low is not None:
            parts.append(f"{'>' if self.low_open else '>='} {self.low:g}")
        if self.high is not None:
            parts.append(f"{'<' if self.high_open else '<='} {self.high:g}")
        return kind + (" " + " and ".join(parts) if parts else "")

    def check(self, name: str, value: Any) -> Any:
        """Return ``value`` unchanged if valid, else raise :class:`SpecError` naming ``name``."""
        if value is None:
            raise SpecError(f"{name} must be {self.describe()}, got None")
        if self.integer:
            if isinstance(value, bool) or not isinstance(value, numbers.Integral):
                if isinstance(value, float) and value.is_integer():
                    value = int(value)
                else:
                    raise SpecError(f"{name} must be {self.describe()}, got {_show(value)}")
            value = int(value)
            v = Fraction(value)
        else:
            v = exact(value, name)
        try:  # exact values such as '1e400' are finite but have no float64 (every numeric path needs one)
            float(v)
        except OverflowError:
            approx = Decimal(v.numerator) / Decimal(v.denominator)
            raise SpecError(
                f"{name} = {approx:.3e} is too large for float64 (about 1.8e308 at most); "
                f"it must be {self.describe()}"
            ) from None
        bad_low = self.low is not None and (v <= exact(self.low) if self.low_open else v < exact(self.low))
        bad_high = self.high is not None and (
            v >= exact(self.high) if self.high_open else v > exact(self.high)
        )
        if bad_low or bad_high:
            raise SpecError(f"{name} must be {self.describe()}, got {_show(value)}")
        return value


def _show(value: Any) -> str:
    """``repr`` of a user's value, with a huge exact one shortened to a decimal (``'1e308'`` → 1.000e+308)."""
    text = repr(value)
    if isinstance(value, Fraction) and len(text) > 40:
        return f"{Decimal(value.numerator) / Decimal(value.denominator):.3e}"
    return text


def _field(domain: Domain, **kw) -> Any:
    return field(metadata={"domain": domain}, **kw)


def _validate(obj: Any) -> None:
    """Check every field that declares a ``domain`` in its metadata."""
    cls = type(obj).__name__
    for f in fields(obj):
        dom = f.metadata.get("domain")
        if dom is not None:
            value = getattr(obj, f.name)
            if value is None and f.default is None:
                continue  # an optional field left out (e.g. beta of a non-power-law spectrum)
            object.__setattr__(obj, f.name, dom.check(f"{cls}.{f.name}", value))


def domains(cls: type) -> dict[str, Domain]:
    """The table ``{field name: Domain}`` declared on a spec dataclass."""
    return {f.name: f.metadata["domain"] for f in fields(cls) if "domain" in f.metadata}


def _known_keys(cls: type, data: dict, extra: tuple = ()) -> dict:
    """``data`` if every key is a field of ``cls`` (or in ``extra``), else a :class:`SpecError` naming them."""
    if not isinstance(data, dict):
        raise SpecError(f"{cls.__name__}.from_dict needs a dict, got {type(data).__name__}")
    known = {f.name for f in fields(cls)} | set(extra)
    unknown = sorted(set(data) - known)
    if unknown:
        raise SpecError(f"{cls.__name__}.from_dict got unknown keys {unknown}; known: {sorted(known)}")
    return data


def _scalar_out(v: Any) -> Any:
    """JSON-friendly form of a scalar that keeps exactness (Fractions become strings)."""
    if isinstance(v, Fraction):
        return str(v) if v.denominator != 1 else v.numerator
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.floating,)):
        return float(v)
    if hasattr(v, "p") and hasattr(v, "q"):  # SymPy Rational
        return str(v)
    return v


def _normalise_scalar(v: Any, name: str) -> Any:
    """Keep ints and floats as they are; turn strings and Rationals into Fractions (exact).

    ``None`` passes through: :func:`_validate` then reports it with the field's valid range.
    """
    if v is None:
        return None
    if isinstance(v, (bool,)):
        raise SpecError(f"{name} must be a number, got a bool ({v!r})")
    if isinstance(v, numbers.Integral):
        return int(v)
    if isinstance(v, (float, np.floating)):
        return float(v)
    return exact(v, name)


#: Largest magnitude accepted for a scalar the formulas square: noise levels, penalties, eigenvalues, target
#: coefficients, scales. Products of up to four such squares times the formulas' own factors (d, n, T, which
#: stay below 10^20 on the declared domain) remain below float64's 1.8e308, so no path overflows to inf.
SQUARE_SAFE = 1e75

#: Valid range of one eigenvalue of Σ (before and after the spectrum's scale is applied).
EIGENVALUE = Domain(low=0, low_open=True, high=SQUARE_SAFE)
#: Valid range of one target coefficient c_j (after the target's scale is applied).
COEFFICIENT = Domain(low=-SQUARE_SAFE, high=SQUARE_SAFE)


def _vector(values: Any, name: str, dom: Domain) -> tuple:
    """``values`` as a tuple of checked scalars (exact ones kept), or a :class:`SpecError`.

    Refused: ``None``, a scalar, a string (``"123"`` is not three eigenvalues), an unordered set or dict, a
    ``np.matrix`` or any array that is not 1-D, and bool, complex or ``None`` entries.
    """
    need = f"{name} must be a 1-D list or array whose entries are each {dom.describe()}"
    if values is None:
        raise SpecError(f"{need}, got None")
    if isinstance(values, (str, bytes)):
        raise SpecError(f"{need}, got the string {values!r}")
    if isinstance(values, (set, frozenset, dict)):
        raise SpecError(f"{need}, got an unordered {type(values).__name__}")
    if isinstance(values, (numbers.Number, np.generic)) or (
        isinstance(values, np.ndarray) and values.ndim == 0
    ):
        raise SpecError(f"{need}, got the scalar {values!r}")
    if isinstance(values, np.ndarray):
        if isinstance(values, np.matrix) or values.ndim != 1:
            raise SpecError(f"{need}, got a {type(values).__name__} of shape {values.shape}")
        kind = values.dtype.kind
        if kind in "bc":
            raise SpecError(f"{need}, got a {values.dtype} array")
        if kind in "iuf":
            vals = tuple(float(x) for x in values)
            arr = np.array(vals, dtype=np.float64)
            ok = np.isfinite(arr)
            ok[ok] &= (arr[ok] > dom.low) if dom.low_open else (arr[ok] >= dom.low)
            ok[ok] &= arr[ok] <= dom.high
            if not ok.all():
                i = int(np.argmin(ok))
                raise SpecError(f"{name}[{i}] must be {dom.describe()}, got {vals[i]!r}")
            return vals
        values = values.tolist()
    try:
        items = list(values)
    except TypeError:
        raise SpecError(f"{need}, got {type(values).__name__}") from None
    out = []
    for i, x in enumerate(items):
        label = f"{name}[{i}]"
        if isinstance(x, (list, tuple, np.ndarray, set)):
            raise SpecError(f"{need}; entry {i} is a {type(x).__name__} (nested sequences are not 1-D)")
        if x is None:
            raise SpecError(f"{label} must be {dom.describe()}, got None")
        try:
            v = _normalise_scalar(x, label)
        except SpecError:
            raise SpecError(f"{label} must be {dom.describe()}, got {_show(x)}") from None
        out.append(dom.check(label, v))
    return tuple(out)
