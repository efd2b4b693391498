"""One model-collapse :class:`Problem`: spectrum, target, chain and downstream."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .chain import Chain
from .domain import SpecError, _known_keys
from .downstream import Ridge
from .spectrum import Spectrum
from .target import Target


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
        for name, cls in (
            ("spectrum", Spectrum),
            ("target", Target),
            ("chain", Chain),
            ("downstream", Ridge),
        ):
            if not isinstance(getattr(self, name), cls):
                raise SpecError(
                    f"Problem.{name} must be a {cls.__name__}, got {type(getattr(self, name)).__name__}"
                )
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

        >>> from symcollapse.spec import preset
        >>> p = preset("fig1a").replace(n=3, lam=0.1)
        >>> (p.chain.n, p.downstream.lam)
        (3, 0.1)
        """
        parts = {
            "spectrum": self.spectrum,
            "target": self.target,
            "chain": self.chain,
            "downstream": self.downstream,
        }
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
