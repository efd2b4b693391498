r"""symcollapse — numerically verified theory of model collapse in regression.

Implements Dohmatob, Feng & Kempe, "Model Collapse Demystified: The Case of Regression" (NeurIPS 2024):
closed-form and deterministic-equivalent test errors of ridge regression trained on the output of an
:math:`n`-generation synthetic-data chain (:func:`predict`, :func:`formula`), the power-law scaling exponents
of §5 derived symbolically (:func:`scaling_law`), a Monte-Carlo engine for the chain (:func:`simulate`) and
the comparison of both (:func:`compare`).

Heavy modules (SymPy, numba) are imported lazily, on first use of a name that needs them.
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

# public name -> module that defines it (imported on first access; PEP 562)
_LAZY = {
    "Spectrum": "symcollapse.spec",
    "Target": "symcollapse.spec",
    "Chain": "symcollapse.spec",
    "Ridge": "symcollapse.spec",
    "Shift": "symcollapse.spec",
    "optimal_real_weight": "symcollapse.theory.terms.mix",
    "Problem": "symcollapse.spec",
    "SpecError": "symcollapse.spec",
    "RegimeError": "symcollapse.spec",
    "sklearn_alpha": "symcollapse.spec",
    "preset": "symcollapse.spec",
    "predict": "symcollapse.theory.evaluate",
    "Prediction": "symcollapse.theory.evaluate",
    "formula": "symcollapse.theory.evaluate",
    "kappa": "symcollapse.theory.fixed_point",
    "df": "symcollapse.theory.fixed_point",
    "scaling_law": "symcollapse.theory.scaling",
    "ScalingLaw": "symcollapse.theory.scaling",
    "optimal_lambda": "symcollapse.theory.optimal",
    "OptimalLambda": "symcollapse.theory.optimal",
    "simulate": "symcollapse.simulate.monte_carlo",
    "MCResult": "symcollapse.simulate.monte_carlo",
    "simulate_block": "symcollapse.simulate._block",
    "compare": "symcollapse.compare",
    "Comparison": "symcollapse.compare",
    "sweep": "symcollapse.sweep",
    "to_frame": "symcollapse.results",
    "jsonable": "symcollapse.results",
}

__all__ = sorted(_LAZY) + ["__version__"]


def __getattr__(name: str):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'symcollapse' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_LAZY))
