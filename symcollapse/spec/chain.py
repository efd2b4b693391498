"""The fake-data chain: :class:`Chain` (Eqs. 4–6)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .domain import Domain, SpecError, _field, _known_keys, _normalise_scalar, _scalar_out, _validate

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
