r"""The problem, as frozen dataclasses: *what* is asked, never *how* it is answered.

A :class:`Problem` bundles the four ingredients of the fake-data chain of Dohmatob, Feng & Kempe
(NeurIPS 2024), paper §3, Eqs. 2–7 (see docs/theory/setup.md):

* :class:`Spectrum` — the eigenvalues :math:`\lambda_j` of the input covariance :math:`\Sigma`;
* :class:`Target` — the coefficients :math:`c_j = \langle w_0, v_j\rangle` of the ground truth in
  :math:`\Sigma`'s eigenbasis;
* :class:`Chain` — :math:`n` synthetic generations, each an OLS fit on :math:`T_0` samples with label noise
  :math:`\sigma_0` (Eqs. 4–6);
* :class:`Ridge` — the downstream ridge model fitted on :math:`T` samples of generation :math:`n` with label
  noise :math:`\sigma` and penalty :math:`\lambda` (Eq. 7).

Because the Gaussian design is rotation invariant, every problem is stored in :math:`\Sigma`'s eigenbasis:
:math:`\Sigma = \mathrm{diag}(\lambda_1, \dots, \lambda_d)` and :math:`w_0 = (c_1, \dots, c_d)`.

Conventions (docs/theory/setup.md)
----------------------------------
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

Extension points (:mod:`symcollapse.spec.registry`)
----------------------------------------------------
Chain workflows (:class:`Workflow`, :func:`register_workflow`, :func:`get_workflow`; built-in ``"replace"``),
chain sources (:func:`register_source`; :class:`Chain`) and downstream models (:func:`register_downstream`;
:class:`Ridge`) are registered objects: ``Chain(n, T0, workflow="...", **params)`` validates the workflow's
parameters by their :class:`Domain`, and :class:`Problem` accepts any registered source and downstream.

Layout: ``domain`` (errors, :func:`exact`, :class:`Domain`, the float64 bound :data:`SQUARE_SAFE`),
``spectrum``, ``target``, ``chain``, ``downstream``, ``problem``, ``presets``, ``registry``. The package
imports nothing from the rest of ``symcollapse``.
"""

from __future__ import annotations

from . import workflows as _workflows  # noqa: F401  (registers accumulate, accumulate-subsample, mix)
from .chain import Chain
from .domain import COEFFICIENT, EIGENVALUE, SQUARE_SAFE, Domain, RegimeError, SpecError, domains, exact
from .downstream import Ridge, sklearn_alpha
from .presets import PRESET_NAMES, preset
from .problem import Problem
from .registry import (
    DESIGNS,
    Workflow,
    downstream_key,
    downstreams,
    get_downstream,
    get_source,
    get_workflow,
    register_downstream,
    register_source,
    register_workflow,
    source_key,
    sources,
    workflows,
)
from .shift import Shift
from .spectrum import Spectrum
from .target import Target

__all__ = [
    "SpecError",
    "RegimeError",
    "Domain",
    "exact",
    "Spectrum",
    "Target",
    "Chain",
    "Ridge",
    "Shift",
    "Problem",
    "sklearn_alpha",
    "preset",
    "PRESET_NAMES",
    "domains",
    "Workflow",
    "register_workflow",
    "get_workflow",
    "workflows",
    "register_source",
    "get_source",
    "sources",
    "register_downstream",
    "get_downstream",
    "downstreams",
    "downstream_key",
    "source_key",
    "DESIGNS",
    "SQUARE_SAFE",
    "EIGENVALUE",
    "COEFFICIENT",
]
