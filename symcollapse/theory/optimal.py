r"""``optimal_lambda(problem)``: the ridge penalty minimising the deterministic-equivalent test error.

The objective is :func:`~symcollapse.theory.evaluate.predict`'s ``total`` (Prop 4.2 / Cor 4.4 / Thm 4.3;
docs/theory/results.md) as a function of :math:`\lambda` with every other field of the problem fixed:

.. math:: \lambda^\star = \arg\min_{\lambda > 0} E_{test}(\lambda),\qquad
          E_{test} = \mathrm{Bias}(\kappa) + \mathrm{Var}(\kappa) + n\sigma_0^2\rho(\kappa),\quad
          \kappa = \kappa(\lambda, T)\ \text{(Eq. 9)}.

For power laws its exponent is the scaling law of §5: :math:`\lambda^\star \asymp T^{-\ell_{crit}}` on clean
noisy data (Cui et al.), :math:`T^{-\ell_\star}` under collapse (Cor 5.2, Eq. 28; see
:func:`~symcollapse.theory.scaling.scaling_law`).

Method. Work in :math:`u = \log\lambda`. (1) A coarse scan on a grid of ``4`` points per decade over
``bounds`` locates the smallest value; a minimum on the edge of the grid raises
:class:`~symcollapse.spec.RegimeError` (the optimum is :math:`\lambda \to 0` or :math:`\infty`, or
``bounds`` is too narrow). (2) Brent's method (``scipy.optimize.minimize_scalar``, bracketed by the two
grid neighbours) refines :math:`u` in float64; a minimum of a smooth function is only determined to about
:math:`\sqrt{\varepsilon}` by comparing values, i.e. ~8 digits of :math:`\lambda^\star`. (3) With ``dps``,
the stationarity condition :math:`\partial E/\partial u = 0` is solved by the secant method in mpmath
(the derivative by ``mpmath.diff`` on ``predict(..., dps)``), which gives :math:`\lambda^\star` to ``dps``
digits; :attr:`OptimalLambda.digits` is the agreement of two solves with different guard digits.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import mpmath
import numpy as np

from symcollapse.spec import Problem, RegimeError, SpecError
from symcollapse.theory._precision import certify

__all__ = ["optimal_lambda", "OptimalLambda"]


@dataclass(frozen=True)
class OptimalLambda:
    """Result of :func:`optimal_lambda` with ``full=True``.

    Attributes
    ----------
    lam : float or mpf
        The minimiser :math:`\\lambda^\\star`.
    error : float or mpf
        The test error at :math:`\\lambda^\\star`.
    evaluations : int
        Number of objective evaluations.
    dps, digits : int or None
        Requested precision and the certified digits of ``lam`` (``None`` on the float path).
    problem : Problem
        ``problem.replace(lam=lam)``.
    """

    lam: Any
    error: Any
    evaluations: int
    dps: int | None
    digits: int | None
    problem: Problem


def _default_objective(normalization: str) -> Callable:
    from symcollapse.theory.evaluate import predict  # noqa: PLC0415

    def total(problem: Problem, dps: int | None):
        return predict(problem, dps=dps, normalization=normalization).total

    return total


def _lam_value(u) -> Any:
    """The penalty exp(u) as an exact decimal string (mpmath) or a float."""
    if isinstance(u, float):
        return math.exp(u)
    return mpmath.nstr(mpmath.exp(u), mpmath.mp.dps + 5, min_fixed=-mpmath.inf, max_fixed=mpmath.inf)


def optimal_lambda(
    problem: Problem,
    dps: int | None = None,
    *,
    bounds: tuple[float, float] | None = None,
    normalization: str = "paper",
    objective: Callable | None = None,
    full: bool = False,
):
    r"""The :math:`\lambda` minimising the deterministic-equivalent test error of ``problem``.

    Parameters
    ----------
    problem : Problem
        Every field but ``lam`` is used.
    dps : int, optional
        ``None``: float64 (about 8 significant digits of :math:`\lambda^\star`, the limit of minimising by
        comparisons). Otherwise :math:`\lambda^\star` to ``dps`` significant digits via the stationarity
        condition, with ``predict(..., dps)``.
    bounds : (float, float), optional
        Search interval for :math:`\lambda`; default :math:`[10^{-14}, 10^{2}]\times\lambda_1(\Sigma)`.
    normalization : {"paper", "finite"}
        Passed to :func:`~symcollapse.theory.evaluate.predict`.
    objective : callable, optional
        ``objective(problem, dps) -> total`` replacing ``predict`` (e.g. an independent evaluator).
    full : bool
        Return an :class:`OptimalLambda` record instead of the bare :math:`\lambda^\star`.

    Returns
    -------
    float or mpf, or OptimalLambda

    Raises
    ------
    RegimeError
        If the minimum sits on the edge of ``bounds`` (e.g. noiseless clean data, where
        :math:`\lambda^\star \to 0`).
    """
    if not isinstance(problem, Problem):
        raise SpecError(f"optimal_lambda needs a Problem, got {type(problem).__name__}")
    if dps is not None and (isinstance(dps, bool) or not isinstance(dps, int) or dps < 1):
        raise SpecError(f"dps must be a positive integer, got {dps!r}")
    f = objective or _default_objective(normalization)
    if bounds is None:
        # largest eigenvalue; the constructors know it without materialising d values
        spec = problem.spectrum
        lam1 = float(spec.scale) if spec.kind in ("isotropic", "power_law") else float(np.max(problem.eigenvalues))
        bounds = (1e-14 * lam1, 1e2 * lam1)
    lo, hi = bounds
    if not (0 < lo < hi and math.isfinite(hi)):
        raise SpecError(f"bounds must satisfy 0 < low < high < inf, got {bounds!r}")
    count = [0]

    def F(u: float) -> float:
        count[0] += 1
        return float(f(problem.replace(lam=math.exp(u)), None))

    grid = np.arange(math.log(lo), math.log(hi) + 1e-12, math.log(10) / 4)
    vals = np.array([F(u) for u in grid])
    i = int(np.nanargmin(vals))
    if i == 0 or i == len(grid) - 1:
        raise RegimeError(
            f"the test error is smallest at the edge of the search interval (lam = {math.exp(grid[i]):.3g}); "
            "the optimum is lam -> 0 or lam -> inf, or widen bounds"
        )
    from scipy.optimize import minimize_scalar  # noqa: PLC0415

    res = minimize_scalar(F, bracket=(grid[i - 1], grid[i], grid[i + 1]), method="brent",
                          options={"xtol": 1e-10, "maxiter": 200})
    u = float(res.x)
    if dps is None:
        lam = math.exp(u)
        out = OptimalLambda(lam, float(res.fun), count[0], None, None, problem.replace(lam=lam))
        return out if full else lam

    out = _refine_mp(problem, f, u, dps, count)
    return out if full else out.lam


def _refine_mp(problem: Problem, f: Callable, u: float, dps: int, count: list) -> OptimalLambda:
    """λ* to ``dps`` digits: the root of dE/d(log λ) near the float optimum ``exp(u)``, certified."""
    def solve():
        def E(v):
            count[0] += 1
            return f(problem.replace(lam=_lam_value(v)), mpmath.mp.dps + 5)

        def dE(v):
            return mpmath.diff(E, v)

        v = mpmath.findroot(dE, (mpmath.mpf(u) - mpmath.mpf("1e-3"), mpmath.mpf(u) + mpmath.mpf("1e-3")),
                            solver="secant", tol=mpmath.eps * 16, maxsteps=60)
        return {"v": v, "E": E(v)}

    # certified on λ* = exp(v): two solves with 5 and 15 guard digits (symcollapse.theory._precision)
    vals, digits = certify(solve, dps, guards=(5, 15), keys=("lam",),
                           finish=lambda run: {"lam": mpmath.exp(run["v"]), "E": run["E"], "v": (run["v"],)})
    lam, (v2,), e2 = vals["lam"], vals["v"], vals["E"]
    return OptimalLambda(lam, e2, count[0], dps, digits, problem.replace(lam=_lam_value(v2)))
