r"""A fixed synthetic teacher :math:`w_0 + \Delta` as the source of the downstream's synthetic labels.

:class:`Shift` stands in the :attr:`Problem.chain <symcollapse.spec.Problem>` slot (it is a registered source):
the downstream ridge's synthetic rows are labelled by :math:`w_0 + \Delta` plus noise :math:`\sigma`, with no
randomness of its own (Strong Model Collapse, Dohmatob, Feng, Subramonian & Kempe, arXiv 2410.04840). With
``Ridge(real_fraction=p)`` a fraction :math:`\lfloor pT\rceil/T` of the rows is labelled by :math:`w_0` itself;
the error is against :math:`w_0`. Theory and regime: docs/theory/workflows.md §3.

It answers the chain fields every layer reads as a chain of no generations (``n = 0``, ``T0 = sys.maxsize`` for ∞,
``sigma0 = 0``, ``design = "independent"``) with its own workflow ``"shift"``, so dispatch is on the workflow
key, never on the class.

>>> from symcollapse.spec import Shift
>>> Shift(coefficients=[0.1, -0.2]).to_dict()
{'coefficients': [0.1, -0.2]}
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

import numpy as np

from .domain import COEFFICIENT, SpecError, _scalar_out, _vector
from .registry import Workflow, register_source, register_workflow

__all__ = ["Shift", "SHIFT"]

#: The workflow key of a :class:`Shift` source (a fixed teacher: nothing is iterated).
SHIFT = register_workflow(Workflow("shift", "a fixed synthetic teacher w0 + Delta (no chain, no randomness)"))


@register_source(key="shift")
@dataclass(frozen=True)
class Shift:
    r"""A fixed synthetic teacher :math:`w_0 + \Delta`.

    Parameters
    ----------
    coefficients : sequence of numbers
        :math:`\Delta` in :math:`\Sigma`'s eigenbasis (length :math:`d`, checked against the spectrum where it is
        used); each entry in the range of a target coefficient.
    """

    coefficients: tuple

    def __post_init__(self):
        object.__setattr__(
            self, "coefficients", _vector(self.coefficients, "Shift.coefficients", COEFFICIENT)
        )
        if not self.coefficients:
            raise SpecError("Shift.coefficients must have at least one entry (one per eigenvalue of Σ)")

    # The chain fields every layer reads: a source with no generations of its own.
    n = property(lambda self: 0)
    T0 = property(lambda self: sys.maxsize)  # no chain samples to fit: T0 = ∞ (so no layer sees T0 < d)
    sigma0 = property(lambda self: 0)
    design = property(lambda self: "independent")
    workflow = property(lambda self: SHIFT)
    params = property(lambda self: {})

    def delta(self, d: int) -> np.ndarray:
        """:math:`\\Delta` as float64, checked to have ``d`` entries."""
        if len(self.coefficients) != d:
            raise SpecError(
                f"Shift.coefficients has {len(self.coefficients)} entries but the spectrum has d = {d}; "
                "give one per eigenvalue"
            )
        return np.array([float(x) for x in self.coefficients], dtype=np.float64)

    def _kwargs(self) -> dict:
        return {"coefficients": self.coefficients}

    def to_dict(self) -> dict:
        return {"coefficients": [_scalar_out(x) for x in self.coefficients]}

    @classmethod
    def from_dict(cls, data: dict) -> Shift:
        if not isinstance(data, dict) or set(data) != {"coefficients"}:
            raise SpecError(f"Shift.from_dict needs exactly the key 'coefficients', got {data!r}")
        return cls(**data)
