"""Exact parsing of command-line numbers, the same for every option.

Integers: ``1000``, ``1_000``, ``1e3``, ``3e2``, ``2.5e3`` and ``1e30`` are exact integers (parsed as a
:class:`~fractions.Fraction`, never through ``float``); ``1.5``, ``1e-400``, ``10**6`` and ``two`` are
rejected. Reals: the same notation plus ``p/q``; NaN, infinities, and non-zero values outside float64's
normal range (every numeric path needs a float64) are rejected. Every message names the option and the
text as typed.
"""

from __future__ import annotations

import argparse
import re
from fractions import Fraction
from typing import Any

# A decimal number with optional exponent, or p/q; no signs inside, no "**", no hex, no "nan"/"inf".
_DECIMAL = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE]([+-]?\d+))?")
_RATIO = re.compile(r"[+-]?\d+/\d+")
# |exponent| above this cannot be a float64 (1e±324 at most) and would make Fraction build huge integers.
_MAX_EXPONENT = 400
_FLOAT_MAX = Fraction(1.7976931348623157e308)
_FLOAT_TINY = Fraction(2.2250738585072014e-308)  # smallest normal float64


class OptionError(argparse.ArgumentTypeError):
    """A bad option value: the message names the option and the value as typed."""

    def __init__(self, option: str, text: Any, reason: str):
        self.option, self.text, self.reason = option, text, reason
        shown = "" if text is None else f" {str(text)!r}"  # None: the option was not given
        super().__init__(f"{option}{shown}: {reason}")


def _fraction(text: str, option: str, what: str) -> Fraction:
    t = text.strip().replace("_", "")
    if not t:
        raise OptionError(option, text, f"empty; expected {what}")
    m = _DECIMAL.fullmatch(t)
    if m is None and _RATIO.fullmatch(t) is None:
        hint = " (write 1e6, not 10**6)" if "**" in t or "^" in t else ""
        raise OptionError(option, text, f"not {what}{hint}")
    if m is not None and m.group(1) is not None and abs(int(m.group(1))) > _MAX_EXPONENT:
        raise OptionError(option, text, f"exponent out of range (|exponent| <= {_MAX_EXPONENT})")
    try:
        return Fraction(t)
    except ZeroDivisionError:
        raise OptionError(option, text, "division by zero") from None


def parse_int(text: str, option: str) -> int:
    """``text`` as an exact integer (``1e3`` is 1000; ``1.5`` and ``1e-400`` are rejected)."""
    v = _fraction(str(text), option, "an integer such as 1000, 1_000 or 1e3")
    if v.denominator != 1:
        raise OptionError(option, text, "not an integer")
    return v.numerator


def parse_real(text: str, option: str) -> Fraction:
    """``text`` as an exact number (``1e-3`` is 1/1000), inside float64's range (0 allowed)."""
    v = _fraction(str(text), option, "a number such as 0.001, 1e-3 or 1/1000")
    if abs(v) > _FLOAT_MAX:
        raise OptionError(option, text, "too large for float64 (at most about 1.8e308)")
    if v != 0 and abs(v) < _FLOAT_TINY:
        raise OptionError(
            option,
            text,
            "non-zero but below float64's smallest normal number 2.2e-308 "
            "(it would silently become 0); give 0 or a larger value",
        )
    return v


def split_list(text: str, option: str) -> list[str]:
    """Comma-separated items (``"0,1,2"``); an empty list or an empty item is an error naming the option."""
    items = [v.strip() for v in str(text).split(",")]
    if not any(items):
        raise OptionError(option, text, "empty; expected a value or a comma-separated list")
    if not all(items):
        raise OptionError(option, text, "empty item in the comma-separated list")
    return items


def check_range(
    value: Fraction | int,
    option: str,
    text: str,
    low=None,
    high=None,
    low_open=False,
    high_open=False,
    what: str = "",
) -> None:
    """Raise :class:`OptionError` if ``value`` is outside ``[low, high]`` (open ends when asked)."""
    parts = []
    if low is not None:
        parts.append(f"{'>' if low_open else '>='} {_show(low)}")
    if high is not None:
        parts.append(f"{'<' if high_open else '<='} {_show(high)}")
    bad = (low is not None and (value <= Fraction(low) if low_open else value < Fraction(low))) or (
        high is not None and (value >= Fraction(high) if high_open else value > Fraction(high))
    )
    if bad:
        raise OptionError(option, text, f"must be {' and '.join(parts)}{f' ({what})' if what else ''}")


def _show(x: Any) -> str:
    f = Fraction(x) if not isinstance(x, float) else Fraction(repr(x))
    return str(f.numerator) if f.denominator == 1 else f"{float(f):g}"


def domain_of(cls_name: str, field: str) -> dict:
    """``low/high/low_open/high_open`` of a spec field's declared domain ({} if the spec has no table)."""
    try:
        import symcollapse.spec as spec  # noqa: PLC0415

        dom = spec.domains(getattr(spec, cls_name))[field]
    except Exception:  # noqa: BLE001 - the spec's table is optional here; the spec still validates later
        return {}
    return {k: getattr(dom, k, None) for k in ("low", "high", "low_open", "high_open")}


class Number:
    """argparse ``type=`` for one exact number or integer, range-checked against a spec field's domain.

    ``Number("--lam", field=("Ridge", "lam"))`` parses ``"1e-3"`` to ``Fraction(1, 1000)`` and rejects
    ``"-1"`` with ``--lam '-1': must be >= 0``. ``many=True`` accepts a comma-separated list.
    """

    def __init__(
        self,
        option: str,
        *,
        integer: bool = False,
        field: tuple[str, str] | None = None,
        many: bool = False,
        what: str = "",
        **bounds: Any,
    ):
        self.option, self.integer, self.field, self.many, self.what = option, integer, field, many, what
        self.bounds = bounds
        self.__name__ = "integer" if integer else "number"  # argparse's fallback message uses it

    def one(self, text: str) -> Fraction | int:
        value = parse_int(text, self.option) if self.integer else parse_real(text, self.option)
        bounds = dict(domain_of(*self.field)) if self.field else {}
        bounds.update(self.bounds)
        bounds = {k: v for k, v in bounds.items() if v is not None}
        check_range(value, self.option, text, what=self.what, **bounds)
        return value

    def __call__(self, text: str) -> Any:
        if self.many:
            return [self.one(t) for t in split_list(text, self.option)]
        if not str(text).strip():
            raise OptionError(
                self.option, text, "empty; expected " + ("an integer" if self.integer else "a number")
            )
        return self.one(text)
