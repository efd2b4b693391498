r"""The problem, as frozen dataclasses: *what* is asked, never *how* it is answered.

A :class:`Problem` bundles the four ingredients of the fake-data chain of Dohmatob, Feng & Kempe
(NeurIPS 2024), THEORY.md §1.3–1.4:

* :class:`Spectrum` — the eigenvalues :math:`\lambda_j` of the input covariance :math:`\Sigma`;
* :class:`Target` — the coefficients :math:`c_j = \langle w_0, v_j\rangle` of the ground truth in
  :math:`\Sigma`'s eigenbasis;
* :class:`Chain` — :math:`n` synthetic generations, each an OLS fit on :math:`T_0` samples with label noise
  :math:`\sigma_0` (Eqs. 4–6);
* :class:`Ridge` — the downstream ridge model fitted on :math:`T` samples of generation :math:`n` with label
  noise :math:`\sigma` and penalty :math:`\lambda` (Eq. 7).

Because the Gaussian design is rotation invariant, every problem is stored in :math:`\Sigma`'s eigenbasis:
:math:`\Sigma = \mathrm{diag}(\lambda_1, \dots, \lambda_d)` and :math:`w_0 = (c_1, \dots, c_d)`.

Conventions (shared/DESIGN.md §2)
---------------------------------
* Ridge is :math:`\hat w = (X^\top X + \lambda T I)^{-1} X^\top Y`: :math:`\lambda` is *per sample*.
  scikit-learn's ``alpha`` equals :math:`\lambda T` (see :meth:`Ridge.sklearn_alpha`).
* The test error is the excess risk :math:`\|\hat w - w_0\|_\Sigma^2` against the clean ground truth.
* ``n = 0`` means clean data; :math:`\sigma_0` is the chain's label noise, :math:`\sigma` the downstream one.

Exact scalars
-------------
Every scalar parameter keeps the value the user gave. :func:`exact` turns it into a
:class:`fractions.Fraction`: an ``int`` is exact, a ``str`` is parsed by :class:`~fractions.Fraction`
(``"1e-3"``, ``"1/1000"``, ``"0.001"`` — a whitelisted parser, never ``eval``/``sympify``), a SymPy
``Rational`` is exact, and a Python ``float`` means its *shortest decimal representation* (``0.1`` means
:math:`1/10`, as a user typing it means). High-precision evaluation starts from these exact values.

This module imports nothing from the rest of the package.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field, fields
from decimal import Decimal
from fractions import Fraction
from functools import cached_property
from typing import Any

import numpy as np

__all__ = [
    "SpecError",
    "RegimeError",
    "Domain",
    "exact",
    "Spectrum",
    "Target",
    "Chain",
    "Ridge",
    "Problem",
    "sklearn_alpha",
    "preset",
    "PRESET_NAMES",
]


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
        if self.integer:
            if isinstance(value, bool) or not isinstance(value, numbers.Integral):
                if isinstance(value, float) and value.is_integer():
                    value = int(value)
                else:
                    raise SpecError(f"{name} must be {self.describe()}, got {value!r}")
            value = int(value)
            v = Fraction(value)
        else:
            v = exact(value, name)
        bad_low = self.low is not None and (v <= exact(self.low) if self.low_open else v < exact(self.low))
        bad_high = self.high is not None and (
            v >= exact(self.high) if self.high_open else v > exact(self.high)
        )
        if bad_low or bad_high:
            raise SpecError(f"{name} must be {self.describe()}, got {value!r}")
        try:  # exact values such as '1e400' are finite but have no float64 (every numeric path needs one)
            float(v)
        except OverflowError:
            approx = Decimal(v.numerator) / Decimal(v.denominator)
            raise SpecError(f"{name} = {approx:.3e} is too large for float64 (about 1.8e308 at most)") from None
        return value


def _field(domain: Domain, **kw) -> Any:
    return field(metadata={"domain": domain}, **kw)


def _validate(obj: Any) -> None:
    """Check every field that declares a ``domain`` in its metadata."""
    cls = type(obj).__name__
    for f in fields(obj):
        dom = f.metadata.get("domain")
        if dom is not None:
            value = getattr(obj, f.name)
            if value is None:
                continue
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
    """Keep ints and floats as they are; turn strings and Rationals into Fractions (exact)."""
    if isinstance(v, (bool,)):
        raise SpecError(f"{name} must be a number, got a bool ({v!r})")
    if isinstance(v, numbers.Integral):
        return int(v)
    if isinstance(v, (float, np.floating)):
        return float(v)
    return exact(v, name)


# --------------------------------------------------------------------------------------------------------
# Spectrum
# --------------------------------------------------------------------------------------------------------

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
    scale: Any = _field(Domain(low=0, low_open=True, typical=(0.25, 4.0), log=True), default=1.0)

    def __init__(self, eigenvalues=None, *, kind="custom", d=None, beta=None, scale=1.0):
        object.__setattr__(self, "kind", kind)
        if kind not in _SPECTRUM_KINDS:
            raise SpecError(f"Spectrum.kind must be one of {_SPECTRUM_KINDS}, got {kind!r}")
        if kind == "custom":
            if eigenvalues is None:
                raise SpecError(
                    "Spectrum needs eigenvalues=array, or use Spectrum.isotropic(d) / Spectrum.power_law(d, beta)"
                )
            if isinstance(eigenvalues, np.ndarray):
                vals = tuple(float(x) for x in eigenvalues.ravel())
                if eigenvalues.ndim != 1:
                    raise SpecError(f"Spectrum.eigenvalues must be 1-D, got shape {eigenvalues.shape}")
            else:
                vals = tuple(_normalise_scalar(x, "Spectrum.eigenvalues") for x in eigenvalues)
            if len(vals) == 0:
                raise SpecError("Spectrum.eigenvalues must be non-empty (d >= 1)")
            for i, x in enumerate(vals):
                fx = exact(x, f"Spectrum.eigenvalues[{i}]")
                if fx <= 0:
                    raise SpecError(
                        f"Spectrum.eigenvalues must be positive and finite (Σ ≻ 0); entry {i} is {x!r}"
                    )
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


# --------------------------------------------------------------------------------------------------------
# Target
# --------------------------------------------------------------------------------------------------------

_TARGET_KINDS = ("isotropic", "source", "custom")


@dataclass(frozen=True, eq=False)
class Target:
    r"""Ground truth :math:`w_0` in :math:`\Sigma`'s eigenbasis: :math:`c_j = \langle w_0, v_j\rangle`.

    * :meth:`isotropic` — :math:`c_j^2 = \|w_0\|^2/d` for all :math:`j` (all :math:`c_j > 0`).
    * :meth:`source` — source condition of §5: :math:`c_j^2 = s\, j^{-\delta}`,
      :math:`\delta = 1 + \beta(2r - 1)`, resolved against a power-law spectrum. With exactly this choice
      :math:`\|\Sigma^{1/2-r}w_0\|^2 = \sum_j j^{-1}` grows like :math:`\log d` (THEORY.md §7 item 12).
    * ``Target(coefficients=array)`` — arbitrary :math:`c_j` (length ``d``).
    """

    coefficients_in: Any = None
    kind: str = "custom"
    norm: Any = _field(Domain(low=0, typical=(0.25, 2.0)), default=None)
    r: Any = _field(Domain(low=0, low_open=True, typical=(0.05, 1.5)), default=None)
    scale: Any = _field(Domain(low=0, low_open=True, typical=(0.25, 4.0), log=True), default=1.0)

    def __init__(self, coefficients=None, *, kind="custom", norm=None, r=None, scale=1.0):
        if kind not in _TARGET_KINDS:
            raise SpecError(f"Target.kind must be one of {_TARGET_KINDS}, got {kind!r}")
        object.__setattr__(self, "kind", kind)
        if kind == "custom":
            if coefficients is None:
                raise SpecError(
                    "Target needs coefficients=array, or use Target.isotropic(norm) / Target.source(r)"
                )
            if isinstance(coefficients, np.ndarray):
                if coefficients.ndim != 1:
                    raise SpecError(f"Target.coefficients must be 1-D, got shape {coefficients.shape}")
                vals = tuple(float(x) for x in coefficients)
            else:
                vals = tuple(_normalise_scalar(x, "Target.coefficients") for x in coefficients)
            for i, x in enumerate(vals):
                exact(x, f"Target.coefficients[{i}]")  # finiteness
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


# --------------------------------------------------------------------------------------------------------
# Chain and downstream ridge
# --------------------------------------------------------------------------------------------------------

_DESIGNS = ("independent", "shared")


@dataclass(frozen=True)
class Chain:
    r"""The fake-data chain (Eqs. 4–6): ``n`` generators, each fitted by OLS (:math:`X^\dagger Y`) on ``T0``
    samples labelled by the previous generator plus :math:`N(0, \sigma_0^2)` noise.

    Parameters
    ----------
    n : int
        Number of synthetic generations, :math:`n \ge 0`; ``n = 0`` means clean data.
    T0 : int
        Samples per generation, :math:`T_0 \ge 1` (:math:`T_0 < d` gives minimum-norm interpolators).
    sigma0 : number
        Label noise inside the chain, :math:`\sigma_0 \ge 0`.
    design : {"independent", "shared"}
        Fresh design :math:`X_m` each generation (default), or :math:`X_m \equiv X_0` (the "dependent case"
        of §4.5 / Thm 4.5).
    """

    # n <= 10⁶: enough for any plateau or η = (T0/d)ⁿ underflow, and it keeps every computation bounded.
    n: int = _field(Domain(low=0, high=1_000_000, integer=True, typical=(0, 20)))
    T0: int = _field(Domain(low=1, integer=True))
    sigma0: Any = _field(Domain(low=0, typical=(0.0, 2.0)), default=0.0)
    design: str = "independent"

    def __post_init__(self):
        if self.design not in _DESIGNS:
            raise SpecError(f"Chain.design must be one of {_DESIGNS}, got {self.design!r}")
        object.__setattr__(self, "sigma0", _normalise_scalar(self.sigma0, "Chain.sigma0"))
        _validate(self)

    def to_dict(self) -> dict:
        return {"n": self.n, "T0": self.T0, "sigma0": _scalar_out(self.sigma0), "design": self.design}

    @classmethod
    def from_dict(cls, data: dict) -> Chain:
        return cls(**_known_keys(cls, data))


def sklearn_alpha(lam: Any, T: int) -> float:
    r"""scikit-learn's ``Ridge(alpha=...)`` for this package's per-sample :math:`\lambda`: ``alpha = λ·T``.

    scikit-learn minimises :math:`\|Xw - y\|^2 + \alpha\|w\|^2`; this package (Eq. 7) minimises
    :math:`\tfrac1T\|Xw - y\|^2 + \lambda\|w\|^2`.
    """
    return _as_float(lam) * int(T)


@dataclass(frozen=True)
class Ridge:
    r"""Downstream ridge regression (Eq. 7): :math:`\hat w = (X^\top X + \lambda T I)^{-1}X^\top Y`.

    Parameters
    ----------
    T : int
        Training samples drawn from generation :math:`n`, :math:`T \ge 1`.
    sigma : number
        Label noise of the downstream training data, :math:`\sigma \ge 0`.
    lam : number
        Per-sample ridge penalty :math:`\lambda \ge 0` (``0`` = OLS / minimum-norm interpolation).
        scikit-learn's ``alpha`` is :math:`\lambda T` (:attr:`sklearn_alpha`).
    """

    T: int = _field(Domain(low=1, integer=True))
    sigma: Any = _field(Domain(low=0, typical=(0.0, 2.0)), default=0.0)
    lam: Any = _field(Domain(low=0, typical=(1e-4, 10.0), log=True), default=0.0)

    def __post_init__(self):
        object.__setattr__(self, "sigma", _normalise_scalar(self.sigma, "Ridge.sigma"))
        object.__setattr__(self, "lam", _normalise_scalar(self.lam, "Ridge.lam"))
        _validate(self)

    @property
    def sklearn_alpha(self) -> float:
        """scikit-learn's ``alpha`` for this penalty: ``lam * T``."""
        return sklearn_alpha(self.lam, self.T)

    @classmethod
    def from_sklearn_alpha(cls, alpha: Any, T: int, sigma: Any = 0.0) -> Ridge:
        """The ridge whose per-sample penalty is ``alpha / T``."""
        T = Domain(low=1, integer=True).check("Ridge.T", T)
        return cls(T=T, sigma=sigma, lam=exact(alpha, "alpha") / T)

    def to_dict(self) -> dict:
        return {"T": self.T, "sigma": _scalar_out(self.sigma), "lam": _scalar_out(self.lam)}

    @classmethod
    def from_dict(cls, data: dict) -> Ridge:
        return cls(**_known_keys(cls, data))


# --------------------------------------------------------------------------------------------------------
# Problem
# --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    r"""One model-collapse problem: spectrum, target, chain and downstream ridge (THEORY.md §1.3–1.4).

    Derived quantities: :attr:`d`, :attr:`phi` :math:`= d/T`, :attr:`phi0` :math:`= d/T_0`.
    Regime conditions of individual formulas (e.g. :math:`T_0 \ge d + 2`) are checked where the formula is
    used, raising :class:`RegimeError`; this class only checks that the parts fit together.
    """

    spectrum: Spectrum
    target: Target
    chain: Chain
    downstream: Ridge

    def __post_init__(self):
        for name, cls in (("spectrum", Spectrum), ("target", Target), ("chain", Chain), ("downstream", Ridge)):
            if not isinstance(getattr(self, name), cls):
                raise SpecError(f"Problem.{name} must be a {cls.__name__}, got {type(getattr(self, name)).__name__}")
        self.target._check(self.spectrum)

    @property
    def d(self) -> int:
        return self.spectrum.d

    @property
    def phi(self) -> float:
        r""":math:`\phi = d/T`."""
        return self.d / self.downstream.T

    @property
    def phi0(self) -> float:
        r""":math:`\phi_0 = d/T_0`."""
        return self.d / self.chain.T0

    @property
    def eigenvalues(self) -> np.ndarray:
        return self.spectrum.eigenvalues

    @property
    def coefficients(self) -> np.ndarray:
        return self.target.coefficients(self.spectrum)

    def replace(self, **changes: Any) -> Problem:
        """A copy with fields changed; also accepts the leaf fields ``n, T0, sigma0, design, T, sigma, lam``.

        >>> p = preset("fig1a").replace(n=3, lam=0.1)
        >>> (p.chain.n, p.downstream.lam)
        (3, 0.1)
        """
        parts = {"spectrum": self.spectrum, "target": self.target, "chain": self.chain, "downstream": self.downstream}
        chain = self.chain.to_dict()
        ridge = self.downstream.to_dict()
        # Keep the user's exact scalars (not the JSON form) for untouched fields.
        chain.update(sigma0=self.chain.sigma0)
        ridge.update(sigma=self.downstream.sigma, lam=self.downstream.lam)
        touched_chain = touched_ridge = False
        for k, v in changes.items():
            if k in parts:
                parts[k] = v
            elif k in chain:
                chain[k] = v
                touched_chain = True
            elif k in ridge:
                ridge[k] = v
                touched_ridge = True
            else:
                raise SpecError(f"Problem.replace got an unknown field {k!r}")
        if touched_chain:
            parts["chain"] = Chain(**chain)
        if touched_ridge:
            parts["downstream"] = Ridge(**ridge)
        return Problem(**parts)

    def to_dict(self) -> dict:
        """JSON/TOML-friendly nested dict (Fractions become strings such as ``'1/1000'``)."""
        return {
            "spectrum": self.spectrum.to_dict(),
            "target": self.target.to_dict(),
            "chain": self.chain.to_dict(),
            "downstream": self.downstream.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: dict) -> Problem:
        _known_keys(cls, data)
        missing = {"spectrum", "target", "chain", "downstream"} - set(data)
        if missing:
            raise SpecError(f"Problem.from_dict is missing {sorted(missing)}")
        return cls(
            spectrum=Spectrum.from_dict(data["spectrum"]),
            target=Target.from_dict(data["target"]),
            chain=Chain.from_dict(data["chain"]),
            downstream=Ridge.from_dict(data["downstream"]),
        )


# --------------------------------------------------------------------------------------------------------
# The paper's settings (THEORY.md §4)
# --------------------------------------------------------------------------------------------------------

PRESET_NAMES = ("fig1a", "fig1b", "fig2")


def preset(name: str, **overrides: Any) -> Problem:
    r"""The paper's simulation settings (THEORY.md §4, App. D.1) as a :class:`Problem`.

    * ``fig1a`` — isotropic, :math:`d = 300`, :math:`T_0 = 600`, :math:`\sigma_0 = 0.2`, :math:`\sigma = 0.1`
      (reconstructed, THEORY.md §7 item 13), :math:`T = 1000`, :math:`\lambda = 10^{-3}`, :math:`\|w_0\| = 1`
      (unstated in the paper), ``n = 1``.
    * ``fig1b`` — power law :math:`(\beta, r) = (2, 0.375)`, :math:`c_j^2 = j^{-\delta}` (unstated
      normalisation), :math:`d = 300`, :math:`T_0 = 600`, :math:`\sigma = \sigma_0 = 1`, :math:`T = 10^4`,
      :math:`\lambda = T^{-\ell_{crit}} = 10^{-3.2}`, ``n = 1``.
    * ``fig2`` — over-parametrised noiseless generator: isotropic :math:`d = 300`, :math:`T_0 = 150`,
      :math:`\sigma_0 = 0`, :math:`\sigma = 0.1`, :math:`T = 1000`, :math:`\lambda = 10^{-3}`, independent
      designs, ``n = 1``.

    ``overrides`` are passed to :meth:`Problem.replace`.
    """
    if name == "fig1a":
        p = Problem(
            Spectrum.isotropic(300),
            Target.isotropic(norm=1),
            Chain(n=1, T0=600, sigma0=0.2),
            Ridge(T=1000, sigma=0.1, lam=1e-3),
        )
    elif name == "fig1b":
        p = Problem(
            Spectrum.power_law(300, beta=2),
            Target.source(r="0.375"),
            Chain(n=1, T0=600, sigma0=1),
            Ridge(T=10_000, sigma=1, lam=10_000 ** -0.8),
        )
    elif name == "fig2":
        p = Problem(
            Spectrum.isotropic(300),
            Target.isotropic(norm=1),
            Chain(n=1, T0=150, sigma0=0, design="independent"),
            Ridge(T=1000, sigma=0.1, lam=1e-3),
        )
    else:
        raise SpecError(f"unknown preset {name!r}; choose one of {PRESET_NAMES}")
    return p.replace(**overrides) if overrides else p
