r"""``formula(problem)``: :func:`~symcollapse.theory.predict.predict`'s ``total`` as a SymPy expression.

The terms of each result provide the expression (:mod:`symcollapse.theory.terms`): ``symbolic`` for the
general form in the paper's symbols, ``numeric``/``numeric_isotropic`` for the numbers of a problem.
"""

from __future__ import annotations

from symcollapse.spec import Problem, exact
from symcollapse.theory import terms
from symcollapse.theory.regimes import resolve

__all__ = ["formula"]


def _rational(x):
    import sympy as sp  # noqa: PLC0415

    f = exact(x)
    return sp.Rational(f.numerator, f.denominator)


def formula(problem: Problem, symbolic: bool = False, normalization: str = "paper"):
    r"""The SymPy expression of :func:`predict`'s ``total`` for ``problem``.

    ``symbolic=True``: the general expression of the result that applies, in the paper's symbols
    (:mod:`~symcollapse.theory.symbols`): spectral sums ``Sum(..., (j, 1, d))`` with ``kappa`` (and ``kappa_0``)
    as symbols for a general :math:`\Sigma`; the closed form in :math:`\lambda, \phi, \phi_0, \sigma, \sigma_0,
    n, \|w_0\|` with :math:`\kappa` replaced by Eq. 11 for an isotropic one (written for :math:`\Sigma = I`;
    :math:`\Sigma = sI` is the same with :math:`\lambda \to \lambda/s` and :math:`\|w_0\|^2 \to s\|w_0\|^2`), so
    ``sympy.diff(expr, lam)`` and limits work.

    ``symbolic=False`` (default): the numbers of ``problem`` substituted. For isotropic :math:`\Sigma` and for
    the exact results every number is exact (rationals; the square root of Eq. 11 kept symbolic), so
    ``sympy.N(expr, 50)`` gives 50 correct digits. For other spectra the spectral sums are expanded over the
    distinct eigenvalues (rationals where exact, e.g. ``j**(-2)``; non-integer powers ``j**(-beta)`` as 70-digit
    Floats, since SymPy's exact ``Integer**Rational`` is very slow) and :math:`\kappa`, :math:`\kappa_0` (roots of
    Eq. 9 with no closed form) enter as 60-digit ``Float``; the expression then agrees with ``predict`` to ~55
    digits. An over-parametrised chain with anisotropic :math:`\Sigma` (Lemma F.8) is evaluated in the same
    SymPy arithmetic. Expanding costs :math:`O(d)` SymPy terms: fine for :math:`d` up to a few thousand.
    ``symbolic=True`` for that last regime raises ``NotImplementedError`` (the map is iterated :math:`n` times).
    """
    import sympy as sp  # noqa: PLC0415  (lazy: the float path never imports SymPy)

    from symcollapse.theory import _spectral  # noqa: PLC0415
    from symcollapse.theory._backends import SympyOps  # noqa: PLC0415
    from symcollapse.theory.predict import predict  # noqa: PLC0415

    case = resolve(problem, normalization)
    mod = terms.TERMS[case.regime.terms]
    if symbolic:
        return mod.symbolic(problem, case)
    if case.regime.terms == "ols_exact":
        return mod.numeric(problem, case, _rational)
    if case.isotropic:
        s, w = _spectral.isotropic_exact(problem)
        return mod.numeric_isotropic(problem, case, _rational, s, w)
    pred = predict(problem, dps=60, normalization=normalization)
    if case.regime.terms == "overparam":  # anisotropic: Lemma F.8 map evaluated in SymPy arithmetic
        return terms.compute(problem, case, SympyOps(problem, pred.kappa, pred.kappa0))["total"]
    return mod.numeric(problem, case, _rational, sp.Float(_nstr(pred.kappa), 60))


def _nstr(x) -> str:
    import mpmath  # noqa: PLC0415

    return mpmath.nstr(x, 60)
