"""The downstream model: :class:`Ridge` (Eq. 7) and the scikit-learn converter."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .domain import (
    SQUARE_SAFE,
    Domain,
    _as_float,
    _field,
    _known_keys,
    _normalise_scalar,
    _scalar_out,
    _validate,
    exact,
)
from .registry import register_downstream


def sklearn_alpha(lam: Any, T: int) -> float:
    r"""scikit-learn's ``Ridge(alpha=...)`` for this package's per-sample :math:`\lambda`: ``alpha = λ·T``.

    scikit-learn minimises :math:`\|Xw - y\|^2 + \alpha\|w\|^2`; this package (Eq. 7) minimises
    :math:`\tfrac1T\|Xw - y\|^2 + \lambda\|w\|^2`.
    """
    return _as_float(lam) * int(T)


@register_downstream(key="ridge")
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
    sigma: Any = _field(Domain(low=0, high=SQUARE_SAFE, typical=(0.0, 2.0)), default=0.0)
    lam: Any = _field(Domain(low=0, high=SQUARE_SAFE, typical=(1e-4, 10.0), log=True), default=0.0)
    real_fraction: Any = _field(Domain(low=0, high=1, typical=(0.0, 1.0)), default=0)  # see spec/shift.py

    def __post_init__(self):
        object.__setattr__(self, "sigma", _normalise_scalar(self.sigma, "Ridge.sigma"))
        object.__setattr__(self, "lam", _normalise_scalar(self.lam, "Ridge.lam"))
        object.__setattr__(self, "real_fraction", _normalise_scalar(self.real_fraction, "Ridge.real_fraction"))
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

    def _kwargs(self) -> dict:
        """Constructor keywords that rebuild this ridge, keeping the user's exact scalars."""
        return {"T": self.T, "sigma": self.sigma, "lam": self.lam, "real_fraction": self.real_fraction}

    def to_dict(self) -> dict:
        out = {"T": self.T, "sigma": _scalar_out(self.sigma), "lam": _scalar_out(self.lam)}
        return out if self.real_fraction == 0 else {**out, "real_fraction": _scalar_out(self.real_fraction)}

    @classmethod
    def from_dict(cls, data: dict) -> Ridge:
        return cls(**_known_keys(cls, data))
