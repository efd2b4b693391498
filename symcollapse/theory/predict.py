r"""``predict(problem)``: the paper's test error for a :class:`~symcollapse.spec.Problem`, fast or to any precision.

Which result applies where is decided by :func:`symcollapse.theory.regimes.select` (its module docstring
has the table; every result is in docs/theory/results.md); the terms of each result live in
:mod:`symcollapse.theory.terms` and are evaluated by one of the backends of
:mod:`symcollapse.theory._backends`.

At :math:`\lambda = 0`, :math:`T \ge d + 2` every branch uses the exact finite-sample identities
(inverse-Wishart means), whatever ``normalization`` asks; :attr:`Prediction.normalization` then reports
``"finite"`` — it always records the normalisation actually used.

Precision
---------
``dps=None`` (default): float64, vectorised numpy, no SymPy. ``dps=N``: every quantity is computed with
mpmath inside ``mpmath.workdps`` starting from the *exact* problem (a Python float means its shortest decimal
representation: ``0.1`` is :math:`1/10`; strings, ints, Fractions and SymPy Rationals are exact; power-law
eigenvalues :math:`s\,j^{-\beta}` are computed in mpmath from the exact :math:`\beta`). The evaluation is run
twice, at ``N + 5`` and ``N + 20`` digits (:func:`symcollapse.theory._precision.certify`); the values of the
second run are rounded to ``N`` digits and :attr:`Prediction.digits` is the number of significant digits on
which both runs agree (minimum over the nonzero quantities, capped at ``N``). The global ``mpmath.mp.dps``
is never changed.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np

from symcollapse import _display
from symcollapse import results as _results
from symcollapse.spec import Problem, RegimeError, SpecError
from symcollapse.theory import _spectral, _validity, terms
from symcollapse.theory._backends import FloatOps, MpOps
from symcollapse.theory._precision import certify
from symcollapse.theory.regimes import DETEQ, EXACT, Case, Regime, resolve

__all__ = ["Prediction", "predict", "PrecisionWarning", "EXACT", "DETEQ"]

_QUANTITIES = terms.QUANTITIES


@dataclass(frozen=True)
class Prediction:
    r"""The theory's test error :math:`\mathbb E\|\hat w^{pred}_n - w_0\|_\Sigma^2` and its parts.

    Attributes
    ----------
    bias, variance : float or mpf
        Downstream ridge bias and variance (Prop 4.2; bias scaled by :math:`\eta` when the chain is
        over-parametrised).
    collapse : float or mpf
        :math:`n\sigma_0^2\rho`, the variance injected by the chain (for independent over-parametrised
        generators :math:`\rho` is the mean of the :math:`n` generations' terms, Eq. 32).
    delta_bias : float or mpf
        :math:`\Delta\mathrm{Bias} = (1-\eta)\|w_0\|_\Sigma^2` for an over-parametrised chain (Thms 4.5/4.6), else 0.
    total : float or mpf
        ``bias + variance + collapse + delta_bias``.
    kappa, kappa0 : float or mpf
        :math:`\kappa(\lambda, T)` and :math:`\kappa(0, T_0)` (``kappa0`` is ``None`` if :math:`T_0 \ge d`).
    df1, df2 : float or mpf
        :math:`\mathrm{df}_1(\kappa)`, :math:`\mathrm{df}_2(\kappa)`.
    rho : float or mpf or None
        :math:`\rho` (Eq. 19, Eq. 18, its independent-design composition with Lemma F.8, or Thm 4.1's
        :math:`d/(T_0-d-1)`); ``None`` where undefined.
    kind : {"exact", "deterministic-equivalent"}
    theorem : str
        The result used, e.g. ``"Thm 4.1"``, ``"Cor 4.4 (Eq. 19)"``, ``"Thm 4.6"`` (display only; dispatch on
        :attr:`regime`).
    normalization : {"paper", "finite"}
        The normalisation of ρ actually used (``"finite"`` for every exact result).
    dps, digits : int or None
        Requested and certified significant digits (``None`` on the float path).
    problem : Problem
    regime : Regime
        The rule that applied (:mod:`symcollapse.theory.regimes`): ``regime.key``, ``regime.family``.
    finite_size_error : float or None
        Estimated finite-size error of a deterministic equivalent, :math:`C\,|E|\,g` (the allowance
        ``compare`` uses; 0 for exact results; ``None`` where it cannot be formed).
    """

    bias: Any
    variance: Any
    collapse: Any
    delta_bias: Any
    total: Any
    kappa: Any
    kappa0: Any
    df1: Any
    df2: Any
    rho: Any
    kind: str
    theorem: str
    normalization: str
    dps: int | None
    digits: int | None
    problem: Problem
    regime: Regime | None = None
    finite_size_error: float | None = None

    __repr__ = _display.prediction_repr
    _repr_html_ = _display.prediction_html
    _repr_latex_ = _display.prediction_latex

    def to_frame(self):
        """This result as a one-row :class:`pandas.DataFrame` (numbers as numbers; see :func:`symcollapse.to_frame`)."""
        return _results.to_frame(self)

    def as_dict(self) -> dict:
        """Flat dict of the numbers and labels plus ``problem`` as :meth:`Problem.to_dict`."""
        out = {q: getattr(self, q) for q in _QUANTITIES}
        out.update(kind=self.kind, theorem=self.theorem, normalization=self.normalization, dps=self.dps,
                   digits=self.digits, problem=self.problem.to_dict())
        return out


# Guards against requests that would run for hours or exhaust memory (never a hang): mpmath at 1000 digits
# and d = 300 already takes seconds; the float path keeps O(d) arrays (8 bytes per eigenvalue and target).
_MAX_DPS = 1000
_MAX_D = 20_000_000
# Below this λ the float64 path refuses (κ ≈ √λ near the interpolation threshold, so κ² reaches 1e-308).
_MIN_FLOAT_LAM = 1e-150


def _check_args(problem, dps) -> None:
    if not isinstance(problem, Problem):
        raise SpecError(f"predict needs a Problem, got {type(problem).__name__}")
    if dps is not None and (isinstance(dps, bool) or not isinstance(dps, int) or not 1 <= dps <= _MAX_DPS):
        raise SpecError(f"dps must be an integer in [1, {_MAX_DPS}], got {dps!r}")
    lam = problem.downstream.lam
    if dps is None and 0 < lam < _MIN_FLOAT_LAM:
        raise RegimeError(
            f"λ = {float(lam):.3g} is below {_MIN_FLOAT_LAM:g}: κ(λ, T) ~ √λ and its Newton iteration lose "
            "their accuracy in float64 (κ² underflows); use predict(..., dps=30), or λ = 0 for the ridgeless limit"
        )
    if problem.d > _MAX_D:
        raise RegimeError(
            f"d = {problem.d} is above {_MAX_D:.0e}: predict sums over the spectrum in memory; for power laws at "
            "very large or infinite d use symcollapse.theory.scaling (Euler–Maclaurin sums, d = ∞)"
        )


def predict(problem: Problem, dps: int | None = None, normalization: str = "paper") -> Prediction:
    r"""Theory prediction of the downstream test error :math:`\mathbb E\|\hat w^{pred}_n - w_0\|_\Sigma^2`.

    Picks the result covering the problem's regime (:func:`symcollapse.theory.regimes.select`: Thm 4.1 exact
    identity; Prop 4.2 / Cor 4.4 with Eq. 19; Thms 4.5/4.6, Eq. 18 and Lemma F.8 for an over-parametrised
    chain, including this package's composition for independent noisy generators) and says which in
    :attr:`Prediction.regime`, :attr:`Prediction.theorem` and :attr:`Prediction.kind`.

    Parameters
    ----------
    problem : Problem
    dps : int, optional
        ``None``: float64. Otherwise the number of significant digits wanted (mpmath, certified by
        re-evaluation with guard digits; :attr:`Prediction.digits`).
    normalization : {"paper", "finite"}
        ρ of Eq. 19 with :math:`T_0 - d` (the paper's deterministic equivalent) or :math:`T_0 - d - 1`
        (Thm F.1's exact finite-sample normalisation). Irrelevant for exact results.

    Returns
    -------
    Prediction

    Raises
    ------
    RegimeError
        When no implemented result covers the problem (the message names the condition).

    Warns
    -----
    UserWarning
        When the estimated finite-size error of a deterministic equivalent exceeds half the value.

    Examples
    --------
    >>> from symcollapse.spec import preset
    >>> p = preset("fig1a", n=0, lam=0)
    >>> predict(p).theorem, round(predict(p).total, 12)   # σ² d/(T − d − 1) = 0.01·300/699
    ('Thm 4.1', 0.004291845494)
    >>> import mpmath
    >>> mpmath.nstr(predict(p, dps=30).total, 30)
    '0.00429184549356223175965665236052'
    """
    _check_args(problem, dps)
    case = resolve(problem, normalization)
    return _predict_case(problem, case, FloatOps(problem), dps)


def _predict_case(problem: Problem, case: Case, fops: FloatOps, dps, df2_at: dict | None = None) -> Prediction:
    r""":func:`predict` once the case is resolved (its warnings point at the caller of ``predict``).

    ``fops`` may carry precomputed spectral sums (:mod:`symcollapse.theory._batch`), ``df2_at`` precomputed
    :math:`\mathrm{df}_2` values for the finite-size scale.
    """
    try:
        if dps is None:
            # float64: a division by zero, overflow or NaN is an error here, never a silent inf/NaN result
            with np.errstate(divide="raise", over="raise", invalid="raise", under="ignore"):
                vals, digits = terms.compute(problem, case, fops), None
        else:
            vals, digits = _compute_mp(problem, case, fops, dps)
    except ArithmeticError as exc:  # ZeroDivision, Overflow, FloatingPoint, non-convergence
        # a degenerate intermediate (e.g. κ underflowing to 0) that the regime rules do not exclude
        raise RegimeError(
            f"{case.regime.theorem} is numerically degenerate here ({type(exc).__name__}: {exc}) at d = "
            f"{problem.d}, T0 = {problem.chain.T0}, T = {problem.downstream.T}, λ = {problem.downstream.lam}"
            + ("; try predict(..., dps=30)" if dps is None else "; try a larger dps=")
        ) from None
    _check_values(problem, vals, dps)
    if dps is None:
        _warn_precision(problem, vals)
        _warn_part_underflow(problem, vals)
    return _finish(problem, case, vals, dps, digits, df2_at)


class PrecisionWarning(UserWarning):
    """The float64 path lost significant digits (use ``dps=``)."""


def _warn_precision(problem: Problem, vals: dict) -> None:
    # Eq. 9 in float: 1 − df1(κ)/T = λ/κ is formed by cancellation, so κ carries a relative error of about
    # eps·κ/λ (large when λ ≪ κ, i.e. T ≈ d at tiny λ), and every quantity inherits it.
    lam, k = float(problem.downstream.lam), vals["kappa"]
    if lam > 0 and k > 0:
        rel = np.finfo(float).eps * float(k) / lam
        if rel > 1e-9:
            warnings.warn(f"float64 lost precision: κ = {float(k):.3g} at λ = {lam:.3g} is only accurate to about "
                          f"{rel:.1e} relative (T ≈ d with λ ≪ κ); use predict(..., dps=30)",
                          PrecisionWarning, stacklevel=4)


def _warn_part_underflow(problem: Problem, vals: dict) -> None:
    # A part below float64's range (e.g. σ² with σ = 1e-200) is 0.0 while the total is representable: the total
    # is still right to float precision, but the part is not a value, so say so instead of a silent 0.0.
    ds, ch = problem.downstream, problem.chain
    zero = []
    if vals["variance"] == 0 and ds.sigma != 0:
        zero.append(f"variance (σ = {float(ds.sigma):.3g})")
    if vals["collapse"] == 0 and ch.n > 0 and ch.sigma0 != 0 and vals.get("rho") not in (None, 0):
        zero.append(f"collapse (σ0 = {float(ch.sigma0):.3g})")
    if zero:
        warnings.warn(f"{' and '.join(zero)} underflow float64 to 0.0 (below 1e-308); the total is unaffected "
                      "to float precision; use predict(..., dps=30) for the part itself", PrecisionWarning,
                      stacklevel=4)


_PARTS = ("bias", "variance", "collapse", "delta_bias")


def _check_values(problem: Problem, vals: dict, dps) -> None:
    """Never a silent NaN, inf or underflowed 0.0: float64 answers it cannot represent raise."""
    hint = "use predict(..., dps=30)" if dps is None else "use a larger dps="
    for q in (*_PARTS, "total"):
        v = vals[q]
        if not (v == v and abs(v) != float("inf")):
            raise RegimeError(f"{q} = {v} at d = {problem.d}, λ = {problem.downstream.lam}, σ = "
                              f"{problem.downstream.sigma}: not representable in this arithmetic; {hint}")
    if dps is None and vals["total"] == 0 and _should_be_positive(problem, vals):
        raise RegimeError(
            f"the total error underflows float64 to 0.0 (σ = {problem.downstream.sigma}, σ0 = "
            f"{problem.chain.sigma0}, λ = {problem.downstream.lam}): the answer is below 1e-308; {hint}"
        )


def _should_be_positive(problem: Problem, vals: dict) -> bool:
    """Whether some part of the error is positive in exact arithmetic (so a float 0.0 total is underflow)."""
    ds, ch = problem.downstream, problem.chain
    signal = bool(np.any(problem.coefficients))
    noisy_chain = ch.n > 0 and ch.sigma0 != 0 and vals["rho"] is not None
    chain_moves = ch.n > 0 and ch.T0 < problem.d and signal
    return ds.sigma != 0 or noisy_chain or chain_moves or ((ds.lam != 0 or ds.T < problem.d) and signal)

def _float_starts(problem: Problem, fops: FloatOps) -> dict:
    # float κ roots as Newton starting points for the mpmath path (keys match MpOps.kappa)
    starts = {}
    T, T0, d = problem.downstream.T, problem.chain.T0, problem.d
    if not (fops.lam == 0 and T >= d):
        starts["kappa"] = fops.kappa(T)
    if T0 < d:
        starts["kappa0"] = fops.kappa0(T0)
    return starts


def _compute_mp(problem: Problem, case: Case, fops: FloatOps, dps: int):
    make = _spectral.groups(problem, "mp")
    starts = _float_starts(problem, fops)
    tail = _spectral.power_tail(problem)
    if tail is not None:
        # power law above TAIL_MIN_D: head sums + Euler–Maclaurin tail (cost independent of d); if its terms
        # do not converge at this precision (very high dps) the direct sums below are used instead
        try:
            return certify(lambda: terms.compute(problem, case, MpOps(problem, make, starts, tail)), dps,
                           guards=(5, 20), keys=_QUANTITIES)
        except ArithmeticError as err:
            _spectral.tail_fallback(problem, err)  # direct sums below DIRECT_MAX_D, else a RegimeError
    return certify(lambda: terms.compute(problem, case, MpOps(problem, make, starts)), dps, guards=(5, 20),
                   keys=_QUANTITIES)


def _finish(problem: Problem, case: Case, vals: dict, dps, digits, df2_at: dict | None = None) -> Prediction:
    reg = case.regime
    fse = _finite_size_error(problem, reg, vals, df2_at)
    pred = Prediction(**vals, kind=reg.kind, theorem=reg.theorem, normalization=case.normalization, dps=dps,
                      digits=digits, problem=problem, regime=reg, finite_size_error=fse)
    if fse is not None and fse > _validity.WARN_FRACTION * abs(float(vals["total"])):
        warnings.warn(
            f"{reg.theorem} is a deterministic equivalent (large-d limit) and its estimated finite-size error "
            f"{fse:.3g} exceeds {_validity.WARN_FRACTION:.0%} of the value {float(vals['total']):.3g} at d = "
            f"{problem.d}, T = {problem.downstream.T}, T0 = {problem.chain.T0}: the prediction is not informative "
            "here; simulate instead",
            UserWarning,
            stacklevel=4,
        )
    return pred


def _finite_size_error(problem: Problem, reg: Regime, vals: dict, df2_at: dict | None = None) -> float | None:
    if reg.kind == EXACT:
        return 0.0
    try:
        rel = _validity.relative_error(problem, reg, vals["kappa"], vals["kappa0"], df2_at)
    except (ZeroDivisionError, OverflowError, ValueError, FloatingPointError):
        return None
    fse = rel * abs(float(vals["total"]))
    return fse if fse == fse and fse >= 0 else None
