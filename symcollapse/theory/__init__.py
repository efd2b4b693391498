r"""The paper's theory (Dohmatob, Feng & Kempe, NeurIPS 2024, §3–5), symbolic and numeric.

* :mod:`~symcollapse.theory.symbols` — every SymPy symbol, named as in the paper.
* :mod:`~symcollapse.theory.formulas` — pure SymPy builders, one per theorem / equation.
* :mod:`~symcollapse.theory.fixed_point` — the effective regularisation :math:`\kappa(\lambda, T)` (Eq. 9)
  and the degrees of freedom :math:`\mathrm{df}_m`, in float64 (vectorised) and in mpmath.
* :mod:`~symcollapse.theory.regimes` — which result applies: one rule table of :class:`Regime` objects
  (``key``, ``theorem``, ``kind``, ``family``, ``conditions``) and :func:`select`; extensible by ``register``.
* :mod:`~symcollapse.theory.terms` — the terms of each result (``ols_exact``, ``ridge``, ``overparam``), written
  once against the backend protocol of :mod:`~symcollapse.theory._backends` (float64, mpmath, SymPy).
* :mod:`~symcollapse.theory.predict` / :mod:`~symcollapse.theory.symbolic` — :func:`predict` and
  :func:`formula` (also importable from :mod:`~symcollapse.theory.evaluate`).

Nothing is imported here eagerly (SymPy is slow to import; the float path does not need it).
"""
