r"""The paper's theory (Dohmatob, Feng & Kempe, NeurIPS 2024, §3–5), symbolic and numeric.

* :mod:`~symcollapse.theory.symbols` — every SymPy symbol, named as in the paper.
* :mod:`~symcollapse.theory.formulas` — pure SymPy builders, one per theorem / equation.
* :mod:`~symcollapse.theory.fixed_point` — the effective regularisation :math:`\kappa(\lambda, T)` (Eq. 9)
  and the degrees of freedom :math:`\mathrm{df}_m`, in float64 (vectorised) and in mpmath.
* :mod:`~symcollapse.theory.evaluate` — :func:`predict` and :func:`formula`: the result that applies to a
  :class:`~symcollapse.spec.Problem`, evaluated fast or to any precision.

Nothing is imported here eagerly (SymPy is slow to import; the float path does not need it).
"""
