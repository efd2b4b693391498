"""Compatibility front end: ``from symcollapse.theory.evaluate import predict, formula, Prediction``.

The implementation is split by job: :mod:`~symcollapse.theory.regimes` (which result applies),
:mod:`~symcollapse.theory.terms` (the terms of each result), :mod:`~symcollapse.theory._backends` (float64,
mpmath, SymPy arithmetic), :mod:`~symcollapse.theory._spectral` (grouped spectra),
:mod:`~symcollapse.theory._precision` (digit certification), :mod:`~symcollapse.theory.predict` and
:mod:`~symcollapse.theory.symbolic` (the two front ends).
"""

from symcollapse.theory._spectral import _CACHE
from symcollapse.theory.predict import DETEQ, EXACT, Prediction, predict
from symcollapse.theory.symbolic import formula

__all__ = ["Prediction", "predict", "formula", "EXACT", "DETEQ", "_CACHE"]
