r"""The ground truth: :class:`Target` (coefficients of :math:`w_0` in :math:`\Sigma`'s eigenbasis)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from .domain import (
    COEFFICIENT,
    SQUARE_SAFE,
    Domain,
    SpecError,
    _as_float,
    _field,
    _known_keys,
    _normalise_scalar,
    _scalar_out,
    _validate,
    _vector,
)
from .spectrum import Spectrum

_TARGET_KINDS = ("isotropic", "source", "custom")


@dataclass(frozen=True, eq=False)
class Target:
    r"""Ground truth :math:`w_0` in :math:`\Sigma`'s eigenbasis: :math:`c_j = \langle w_0, v_j\rangle`.

    * :meth:`isotropic` — :math:`c_j^2 = \|w_0\|^2/d` for all :math:`j` (all :math:`c_j > 0`).
    * :meth:`source` — source condition of §5: :math:`c_j^2 = s\, j^{-\delta}`,
      :math:`\delta = 1 + \beta(2r - 1)`, resolved against a power-law spectrum. With exactly this choice
      :math:`\|\Sigma^{1/2-r}w_0\|^2 = \sum_j j^{-1}` grows like :math:`\log d` (see docs/theory/differences.md).
    * ``Target(coefficients=array)`` — arbitrary :math:`c_j` (length ``d``).
    """

    coefficients_in: Any = None
    kind: str = "custom"
    norm: Any = _field(Domain(low=0, high=SQUARE_SAFE, typical=(0.25, 2.0)), default=None)
    r: Any = _field(Domain(low=0, low_open=True, typical=(0.05, 1.5)), default=None)
    scale: Any = _field(
        Domain(low=0, low_open=True, high=SQUARE_SAFE, typical=(0.25, 4.0), log=True), default=1.0
    )

    def __init__(self, coefficients=None, *, kind="custom", norm=None, r=None, scale=1.0):
        if kind not in _TARGET_KINDS:
            raise SpecError(f"Target.kind must be one of {_TARGET_KINDS}, got {kind!r}")
        object.__setattr__(self, "kind", kind)
        if kind == "custom":
            if coefficients is None:
                raise SpecError(
                    "Target needs coefficients=array, or use Target.isotropic(norm) / Target.source(r)"
                )
            vals = _vector(coefficients, "Target.coefficients", COEFFICIENT)
            object.__setattr__(self, "coefficients_in", vals)
        else:
            object.__setattr__(self, "coefficients_in", None)
        if kind == "isotropic" and norm is None:
            norm = 1.0
        # Reject parameters a kind would silently ignore (they would still be written by to_dict).
        if kind == "isotropic" and (r is not None or scale != 1.0):
            raise SpecError("Target.isotropic takes norm only (r and scale apply to Target.source / custom)")
        if kind == "source" and norm is not None:
            raise SpecError("Target.source takes r and scale; norm applies to Target.isotropic only")
        if kind == "custom" and (norm is not None or r is not None):
            raise SpecError("Target(coefficients=...) takes scale only; norm and r apply to the constructors")
        if kind == "source" and r is None:
            raise SpecError("Target.r is required for a source condition (r > 0)")
        object.__setattr__(self, "norm", None if norm is None else _normalise_scalar(norm, "Target.norm"))
        object.__setattr__(self, "r", None if r is None else _normalise_scalar(r, "Target.r"))
        object.__setattr__(self, "scale", _normalise_scalar(scale, "Target.scale"))
        _validate(self)
        if kind == "custom" and vals:
            # c_j = sqrt(scale)·entry_j is squared by every formula.
            top = math.sqrt(_as_float(self.scale)) * max(abs(_as_float(x)) for x in vals)
            if not top <= SQUARE_SAFE:
                raise SpecError(
                    f"Target: sqrt(scale) × largest |coefficient| = {top:.3e} must be <= {SQUARE_SAFE:g} "
                    "(the formulas square it in float64)"
                )

    @classmethod
    def isotropic(cls, norm: Any = 1.0) -> Target:
        r""":math:`c_j = \|w_0\|/\sqrt d` for every :math:`j`, so :math:`\|w_0\|_2 =` ``norm``."""
        return cls(kind="isotropic", norm=norm)

    @classmethod
    def source(cls, r: Any, scale: Any = 1.0) -> Target:
        r"""Source condition: :math:`c_j^2 = s\, j^{-\delta}`, :math:`\delta = 1 + \beta(2r-1)` (needs a power law)."""
        return cls(kind="source", r=r, scale=scale)

    def delta(self, spectrum: Spectrum) -> float:
        r""":math:`\delta = 1 + \beta(2r - 1)` (source targets only)."""
        self._check(spectrum)
        return 1.0 + _as_float(spectrum.beta) * (2.0 * _as_float(self.r) - 1.0)

    def _check(self, spectrum: Spectrum) -> None:
        if self.kind == "source" and spectrum.kind != "power_law":
            raise SpecError(
                "Target.source(r) needs a power-law spectrum (Spectrum.power_law(d, beta)); "
                f"got a {spectrum.kind} spectrum"
            )
        if self.kind == "custom" and len(self.coefficients_in) != spectrum.d:
            raise SpecError(
                f"Target.coefficients has length {len(self.coefficients_in)} but the spectrum has "
                f"d = {spectrum.d}; they must match"
            )
        if self.kind == "source":
            # c_j² = s·j^(−δ) is largest at j = d when δ < 0; kept in log10 so the check cannot overflow.
            delta = 1.0 + _as_float(spectrum.beta) * (2.0 * _as_float(self.r) - 1.0)
            log_top = math.log10(_as_float(self.scale)) + max(0.0, -delta) * math.log10(spectrum.d)
            if not log_top <= 2 * math.log10(SQUARE_SAFE):
                raise SpecError(
                    f"Target.source(r={self.r!r}) on this spectrum gives c_d² = 10^{log_top:.1f} (δ = {delta:.4g}); "
                    f"it must be <= {SQUARE_SAFE**2:g}: increase r or reduce d"
                )

    def coefficients(self, spectrum: Spectrum) -> np.ndarray:
        r"""float64 array :math:`(c_1, \dots, c_d)` for ``spectrum`` (non-negative for the constructors)."""
        self._check(spectrum)
        d = spectrum.d
        if self.kind == "isotropic":
            return np.full(d, _as_float(self.norm) / math.sqrt(d))
        if self.kind == "source":
            j = np.arange(1, d + 1, dtype=np.float64)
            return np.sqrt(_as_float(self.scale)) * j ** (-self.delta(spectrum) / 2.0)
        return _as_float(self.scale) ** 0.5 * np.array([_as_float(x) for x in self.coefficients_in])

    def squares(self, spectrum: Spectrum) -> np.ndarray:
        r"""float64 array of :math:`c_j^2`."""
        return self.coefficients(spectrum) ** 2

    def to_dict(self) -> dict:
        out: dict[str, Any] = {"kind": self.kind}
        if self.kind == "custom":
            out["coefficients"] = [_scalar_out(x) for x in self.coefficients_in]
        if self.norm is not None:
            out["norm"] = _scalar_out(self.norm)
        if self.r is not None:
            out["r"] = _scalar_out(self.r)
        out["scale"] = _scalar_out(self.scale)
        return out

    @classmethod
    def from_dict(cls, data: dict) -> Target:
        data = dict(_known_keys(cls, data, ("kind", "coefficients", "norm", "r", "scale")))
        kind = data.pop("kind", "custom")
        if kind == "custom":
            if set(data) - {"coefficients", "scale"}:
                raise SpecError(f"a custom Target takes coefficients and scale only, got {sorted(data)}")
            return cls(coefficients=data.pop("coefficients", None), scale=data.pop("scale", 1.0))
        return cls(kind=kind, **data)

    def __eq__(self, other):
        return isinstance(other, Target) and self.to_dict() == other.to_dict()

    def __hash__(self):
        return hash(repr(self.to_dict()))

    def __repr__(self):
        if self.kind == "isotropic":
            return f"Target.isotropic(norm={self.norm!r})"
        if self.kind == "source":
            return f"Target.source(r={self.r!r}, scale={self.scale!r})"
        return f"Target(coefficients=<{len(self.coefficients_in)} values>, scale={self.scale!r})"
