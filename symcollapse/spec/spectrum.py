r"""The input covariance: :class:`Spectrum` (eigenvalues of :math:`\Sigma`)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np

from .domain import (
    EIGENVALUE,
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

_SPECTRUM_KINDS = ("isotropic", "power_law", "custom")


@dataclass(frozen=True, eq=False)
class Spectrum:
    r"""Eigenvalues :math:`\lambda_1 \ge \dots \ge \lambda_d > 0` of the input covariance :math:`\Sigma`.

    Use the constructors :meth:`isotropic` (:math:`\Sigma = s I_d`), :meth:`power_law`
    (:math:`\lambda_j = s\, j^{-\beta}`, Eq. 23, capacity condition, :math:`\beta > 1`) or pass an array:
    ``Spectrum(eigenvalues=[...])``.

    Attributes
    ----------
    values : tuple
        The eigenvalues as given (custom spectra only); exact scalars, see :func:`exact`.
    kind : {"isotropic", "power_law", "custom"}
    d : int
        Dimension.
    beta : number or None
        Power-law exponent :math:`\beta` (``power_law`` only).
    scale : number
        Overall scale :math:`s`.
    """

    eigenvalues_in: Any = None
    kind: str = "custom"
    d: int | None = _field(Domain(low=1, integer=True, typical=(4, 120)), default=None)
    beta: Any = _field(Domain(low=1, low_open=True, typical=(1.05, 3.0)), default=None)
    scale: Any = _field(
        Domain(low=0, low_open=True, high=SQUARE_SAFE, typical=(0.25, 4.0), log=True), default=1.0
    )

    def __init__(self, eigenvalues=None, *, kind="custom", d=None, beta=None, scale=1.0):
        object.__setattr__(self, "kind", kind)
        if kind not in _SPECTRUM_KINDS:
            raise SpecError(f"Spectrum.kind must be one of {_SPECTRUM_KINDS}, got {kind!r}")
        if kind == "custom":
            if eigenvalues is None:
                raise SpecError(
                    "Spectrum needs eigenvalues=array, or use Spectrum.isotropic(d) / Spectrum.power_law(d, beta)"
                )
            vals = _vector(eigenvalues, "Spectrum.eigenvalues", EIGENVALUE)
            if len(vals) == 0:
                raise SpecError("Spectrum.eigenvalues must be non-empty (d >= 1)")
            object.__setattr__(self, "eigenvalues_in", vals)
            d = len(vals)
        else:
            object.__setattr__(self, "eigenvalues_in", None)
            if d is None:
                raise SpecError(f"Spectrum.d is required for kind {kind!r}")
        if kind == "power_law" and beta is None:
            raise SpecError("Spectrum.beta is required for a power law (beta > 1)")
        if kind != "power_law" and beta is not None:
            raise SpecError("Spectrum.beta is only meaningful for kind='power_law'")
        object.__setattr__(self, "d", d)
        object.__setattr__(self, "beta", None if beta is None else _normalise_scalar(beta, "Spectrum.beta"))
        object.__setattr__(self, "scale", _normalise_scalar(scale, "Spectrum.scale"))
        _validate(self)
        # The largest eigenvalue is scale × the largest entry (λ_1 = s for the constructors); it is squared.
        top = _as_float(self.scale) * (max(_as_float(x) for x in vals) if kind == "custom" else 1.0)
        if not top <= SQUARE_SAFE:
            raise SpecError(
                f"Spectrum.scale × largest eigenvalue = {top:.3e} must be <= {SQUARE_SAFE:g} "
                "(the formulas square it in float64)"
            )

    @classmethod
    def isotropic(cls, d: int, scale: Any = 1.0) -> Spectrum:
        r""":math:`\Sigma = s I_d` (all :math:`\lambda_j = s`)."""
        return cls(kind="isotropic", d=d, scale=scale)

    @classmethod
    def power_law(cls, d: int, beta: Any, scale: Any = 1.0) -> Spectrum:
        r"""Capacity condition (Eq. 23): :math:`\lambda_j = s\, j^{-\beta}`, :math:`j = 1..d`, :math:`\beta > 1`."""
        return cls(kind="power_law", d=d, beta=beta, scale=scale)

    @property
    def values(self) -> tuple | None:
        return self.eigenvalues_in

    @cached_property
    def eigenvalues(self) -> np.ndarray:
        """float64 array of the eigenvalues (read-only)."""
        s = _as_float(self.scale)
        if self.kind == "isotropic":
            out = np.full(self.d, s)
        elif self.kind == "power_law":
            out = s * np.arange(1, self.d + 1, dtype=np.float64) ** (-_as_float(self.beta))
        else:
            out = s * np.array([_as_float(x) for x in self.eigenvalues_in], dtype=np.float64)
        if not np.all(np.isfinite(out)) or np.any(out <= 0):
            raise SpecError("Spectrum eigenvalues underflow to 0 in float64; reduce d or beta")
        out.setflags(write=False)
        return out

    def to_dict(self) -> dict:
        out: dict[str, Any] = {"kind": self.kind, "scale": _scalar_out(self.scale)}
        if self.kind == "custom":
            out["eigenvalues"] = [_scalar_out(x) for x in self.eigenvalues_in]
        else:
            out["d"] = self.d
        if self.beta is not None:
            out["beta"] = _scalar_out(self.beta)
        return out

    @classmethod
    def from_dict(cls, data: dict) -> Spectrum:
        data = dict(_known_keys(cls, data, ("kind", "eigenvalues", "d", "beta", "scale")))
        kind = data.pop("kind", "custom")
        if kind == "custom":
            if set(data) - {"eigenvalues", "scale"}:
                raise SpecError(f"a custom Spectrum takes eigenvalues and scale only, got {sorted(data)}")
            return cls(eigenvalues=data.pop("eigenvalues", None), scale=data.pop("scale", 1.0))
        return cls(kind=kind, **data)

    def __eq__(self, other):
        return isinstance(other, Spectrum) and self.to_dict() == other.to_dict()

    def __hash__(self):
        return hash(repr(self.to_dict()))

    def __repr__(self):
        if self.kind == "isotropic":
            return f"Spectrum.isotropic(d={self.d}, scale={self.scale!r})"
        if self.kind == "power_law":
            return f"Spectrum.power_law(d={self.d}, beta={self.beta!r}, scale={self.scale!r})"
        return f"Spectrum(eigenvalues=<{self.d} values>, scale={self.scale!r})"
