"""The paper's settings as :class:`Problem` presets."""

from __future__ import annotations

from typing import Any

from .chain import Chain
from .domain import SpecError
from .downstream import Ridge
from .problem import Problem
from .spectrum import Spectrum
from .target import Target

PRESET_NAMES = ("fig1a", "fig1b", "fig2")


def preset(name: str, **overrides: Any) -> Problem:
    r"""The paper's simulation settings (paper App. D.1; see docs/theory/setup.md) as a :class:`Problem`.

    * ``fig1a`` — isotropic, :math:`d = 300`, :math:`T_0 = 600`, :math:`\sigma_0 = 0.2`, :math:`\sigma = 0.1`
      (reconstructed, see docs/theory/differences.md), :math:`T = 1000`, :math:`\lambda = 10^{-3}`, :math:`\|w_0\| = 1`
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
            Ridge(T=10_000, sigma=1, lam=10_000**-0.8),
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
