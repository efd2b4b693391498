r"""Theory against simulation: one number from :func:`~symcollapse.predict`, one from
:func:`~symcollapse.simulate`, and an honest verdict.

The verdict is

.. math:: \text{passed} \iff |\bar E - E_{theory}| \le k\,\widehat{\mathrm{se}} + a ,

with :math:`\bar E` the Monte-Carlo mean of the downstream test error :math:`\|\hat w_n^{pred} - w_0\|_\Sigma^2`
(Eq. 3), :math:`\widehat{\mathrm{se}}` its standard error, and :math:`a` the *finite-size allowance* of the
theory value (see :func:`allowance`):

* results that are **exact at finite size** (``Prediction.kind == "exact"``: Thm 4.1, the finite-sample
  identity :math:`\sigma^2 d/(T-d-1) + n\sigma_0^2 d/(T_0-d-1)`; Thm 4.6 / 4.5 for :math:`\Sigma = sI`, exact in
  expectation) get :math:`a = 0` — any disagreement beyond :math:`k` standard errors is a bug;
* **deterministic equivalents** (Prop. 4.2, Cor. 4.4 / Eq. 19, Eq. 18, Thms 4.5/4.6 with :math:`\lambda > 0`,
  Lemma F.8 — including its composition with Eq. 18 for independent noisy generators: the random-matrix
  limit, Eq. 12) get the documented bound :math:`a = C\,|E_{theory}|\,g`
  (:func:`finite_size_scale`), calibrated from simulation; :math:`a = O(1/d)` at fixed
  :math:`\phi, \phi_0, \lambda`.

Example
-------
>>> from symcollapse.spec import preset
>>> c = compare(preset("fig1a", n=2), reps=200, seed=0)
>>> c.theory.theorem, c.passed
('Cor 4.4 (Eq. 19)', True)

The theory side uses ``normalization="finite"`` (:math:`T_0 - d - 1` in :math:`\rho`, Thm F.1, exact for
:math:`T_0 \ge d + 2`): a finite simulation is compared with the finite-sample normalisation, so the chain's
part of the error carries no :math:`O(1/(T_0 - d))` bias and the allowance only has to cover the downstream
deterministic equivalent.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from symcollapse.simulate.monte_carlo import MCResult, simulate
from symcollapse.spec import Problem
from symcollapse.theory.evaluate import Prediction, predict
from symcollapse.theory.fixed_point import df

__all__ = [
    "Comparison",
    "compare",
    "allowance",
    "relative_allowance",
    "finite_size_scale",
    "ALLOWANCE_CONSTANTS",
    "ROUNDOFF",
]

# Calibrated constants C of the finite-size allowance a = C·|value|·g (see `allowance`), per family of
# deterministic-equivalent results. Calibrated from simulation by `python tests/regression/make_reference.py
# calibrate calibrate-f8` (237 problems drawn from symcollapse.testing's strategies, Rao–Blackwellised MC;
# records and fits in tests/regression/data/allowance_calibration.json). Largest systematic gap beyond 2
# standard errors, in units of |value|·g: ridge (Prop 4.2 / Cor 4.4) 0.97 — typical gaps 1.0–1.3 near T ≈ d
# at small λ, exactly the 1/(T − d − 1) vs 1/(T − d) of the OLS variance — so C = 1.5 × 0.97 → 1.5; Eq. 18
# (Σ = sI) 0.028; Thms 4.5/4.6 with λ > 0 0.018; Lemma F.8 (anisotropic over-parametrised chain) 0.39. Every
# over-parametrised prediction contains the ridge equivalents, so each family adopts max(own fit, ridge fit)
# = 1.5. Set from the calibration alone: a provisional C = 1.0 already passed the property tests; the value
# is looser only because the calibration says so, and it was never widened to make a test pass.
ALLOWANCE_CONSTANTS: dict[str, float] = {
    "ridge": 1.5,  # Prop. 4.2 / Cor. 4.4 (Eq. 19) / Thm F.1 with T0 >= d + 2
    "eq18": 1.5,  # Thm 4.3 (Eq. 18) + Thm 4.5, over-parametrised shared generator, Σ = sI
    "overparam": 1.5,  # Thms 4.5 / 4.6 with a ridge downstream (λ > 0), Σ = sI
    "lemmaF8": 1.5,  # Thm 4.3 + Lemma F.8 (+ Eq. 18): over-parametrised chain, anisotropic Σ
}

# Relative float64 round-off floor of the simulated errors (linear solves on condition numbers up to ~1e6):
# without it, a problem whose error is exactly 0 (σ = σ0 = 0, n = 0, λ = 0, T >= d) would fail on 1e-30 noise.
ROUNDOFF = 1e-10


def _family(theorem: str) -> str:
    t = theorem.replace(" ", "")
    if "LemmaF.8" in t:
        return "lemmaF8"
    if "18" in t and "Eq" in t:
        return "eq18"
    if "4.5" in t or "4.6" in t:
        return "overparam"
    return "ridge"


def finite_size_scale(problem: Problem, theory: Prediction) -> float:
    r"""The scale :math:`g` of the finite-size corrections of a deterministic equivalent.

    .. math:: g = \frac{1}{T - \mathrm{df}_2(\kappa)}
              + \mathbb 1[T_0 < d,\ \Sigma \ne sI]\,\frac{1}{T_0 - \mathrm{df}_2(\kappa_0)},
              \qquad \kappa = \kappa(\lambda, T),\ \kappa_0 = \kappa(0, T_0).

    Why this form. The deterministic equivalents of Prop. 4.2 and Eqs. 18–19 are the leading term of an
    expansion in :math:`1/d` (RMT limit, Eq. 12) whose corrections are amplified by the same factor that
    amplifies the variance, :math:`\partial\kappa/\partial\lambda = (1 - \mathrm{df}_2(\kappa)/T)^{-1}`
    (Lemma I.2); :math:`\frac{1}{T}\,\partial\kappa/\partial\lambda = 1/(T - \mathrm{df}_2(\kappa))`. Two exact cases
    show the form is the right one: at :math:`\lambda = 0`, :math:`T > d` the variance is
    :math:`\sigma^2 d/(T - d - 1)` against the equivalent :math:`\sigma^2 d/(T - d)` (relative gap
    :math:`1/(T - d - 1) \approx 1/(T - \mathrm{df}_2)`), and for :math:`T < d`, :math:`\Sigma = I` it is
    :math:`\sigma^2 T/(d - T - 1)` against :math:`\sigma^2 T/(d - T)`, where
    :math:`T - \mathrm{df}_2(\kappa) = T(d - T)/d \le d - T`. Far from the interpolation threshold
    :math:`T - \mathrm{df}_2 \asymp d \asymp T`, i.e. the usual :math:`O(1/d)`; near it the allowance grows, as
    the true finite-size gap does.

    The chain adds no term where its part is exact: for :math:`T_0 \ge d + 2` the factor
    :math:`1/(T_0 - d - 1)` is exact (Thm F.1 with ``normalization="finite"``); for an over-parametrised
    chain with :math:`\Sigma = sI` (Thms 4.5/4.6, Eq. 18, and the independent-design noisy chain of
    ``predict``) :math:`\mathbb E P_m = (T_0/d)I`, :math:`\mathbb E\,\mathrm{tr}(X_0X_0^\top)^{-1} = T_0/(s(d - T_0 - 1))`
    and :math:`\mathbb E[P_m N P_m] = (T_0/d)N` for :math:`N \propto I` are exact and, by rotation invariance, :math:`\mathbb E\|(AP_0 - I)w_0\|^2 = \eta\,\mathbb E\|(A - I)w_0\|^2
    + (1-\eta)\|w_0\|^2` holds exactly in expectation (:math:`A = R\hat\Sigma`; the :math:`\eta(1-\eta)` terms of
    :math:`\mathbb E P_0MP_0` cancel against :math:`\mathbb E\,w_0^\top A^2 w_0 = \mathbb E\,\mathrm{tr}A^2\,\|w_0\|^2/d`).
    With an anisotropic :math:`\Sigma` (Thm 4.3 + Lemma F.8) the generator's projections enter through a
    deterministic equivalent at :math:`\kappa_0`, which adds the second term, with the same structure as the
    first (:math:`T_0 - \mathrm{df}_2(\kappa_0)` is the generator's :math:`T - \mathrm{df}_2(\kappa)`).
    """
    T = problem.downstream.T
    ev = problem.eigenvalues
    g = 1.0 / (T - df(2, float(theory.kappa), ev))
    anisotropic = bool(np.ptp(ev) > 0)
    if problem.chain.T0 < problem.d and problem.chain.n > 0 and theory.kappa0 is not None and anisotropic:
        g += 1.0 / (problem.chain.T0 - df(2, float(theory.kappa0), ev))
    return g


def allowance(problem: Problem, theory: Prediction) -> float:
    r"""Finite-size allowance :math:`a` of the theory value (0 for exact results).

    .. math:: a = C_{\mathrm{family}}\,|E_{theory}|\,g \quad\text{(deterministic equivalents)},\qquad a = 0
              \quad\text{(kind "exact")},

    with :math:`g` from :func:`finite_size_scale` and :math:`C` from :data:`ALLOWANCE_CONSTANTS` (calibrated
    from simulation). As :math:`d, T \to \infty` at fixed :math:`\phi, \phi_0, \lambda`, :math:`a = O(1/d)`.
    """
    return relative_allowance(problem, theory) * abs(float(theory.total))


@dataclass(frozen=True)
class Comparison:
    """Theory value against a Monte-Carlo estimate of the same expected test error.

    Attributes
    ----------
    theory : Prediction
        :func:`~symcollapse.predict` with ``normalization="finite"``.
    mc : MCResult
        :func:`~symcollapse.simulate`.
    value : float
        The theory number compared (``theory.total``).
    mean, stderr : float
        Monte-Carlo mean of the downstream test error and its standard error.
    z : float
        :math:`(\\bar E - E_{theory})/\\widehat{se}` (``0`` or ``±inf`` if the standard error is 0).
    allowance : float
        Finite-size allowance (0 for exact results), see :func:`allowance`.
    passed : bool
        :math:`|\\bar E - E_{theory}| \\le k\\,\\widehat{se} + a` (plus a 1e-10 relative round-off floor).
    reason : str
        Human-readable account of the verdict.
    k : float
        Number of standard errors allowed.
    """

    theory: Prediction
    mc: MCResult
    value: float
    mean: float
    stderr: float
    z: float
    allowance: float
    passed: bool
    reason: str
    k: float

    @property
    def problem(self) -> Problem:
        return self.theory.problem

    def to_dict(self) -> dict[str, Any]:
        """Flat record for tables and JSON (the problem as its dict)."""
        p = self.problem
        return {
            "n": p.chain.n,
            "T": p.downstream.T,
            "lam": float(p.downstream.lam),
            "d": p.d,
            "T0": p.chain.T0,
            "theorem": self.theory.theorem,
            "kind": self.theory.kind,
            "value": self.value,
            "mean": self.mean,
            "stderr": self.stderr,
            "z": self.z,
            "allowance": self.allowance,
            "k": self.k,
            "passed": self.passed,
            "reps": self.mc.reps,
            "seed": self.mc.seed,
            "method": self.mc.method,
            "reason": self.reason,
            "problem": p.to_dict(),
        }

    def __str__(self) -> str:
        return self.reason


def _verdict(value: float, mean: float, stderr: float, allow: float, k: float, scale: float) -> tuple[float, bool, float]:
    diff = mean - value
    if stderr > 0:
        z = diff / stderr
    else:
        z = 0.0 if diff == 0 else math.copysign(math.inf, diff)
    tol = k * stderr + allow + ROUNDOFF * scale
    return z, bool(abs(diff) <= tol), tol


def compare(problem: Problem, reps: int, seed: int, k: float = 4.0, method: str = "auto") -> Comparison:
    r"""Compare the theory's expected test error with a Monte-Carlo estimate.

    Parameters
    ----------
    problem : Problem
    reps : int
        Monte-Carlo replicates.
    seed : int
        Seed of the simulation (one :class:`numpy.random.SeedSequence`, spawned per replicate stream).
    k : float, default 4.0
        Standard errors allowed. With :math:`k = 4` a correct exact formula fails with probability
        :math:`6\cdot10^{-5}` per comparison (two-sided normal tail).
    method : str, default "auto"
        Sampler passed to :func:`~symcollapse.simulate`.

    Returns
    -------
    Comparison
        ``passed`` iff :math:`|\bar E - E_{theory}| \le k\,\widehat{\mathrm{se}} + a`, with :math:`a` the
        finite-size allowance (:func:`allowance`: 0 for exact results such as Thm 4.1; a calibrated
        :math:`O(1/d)` bound for deterministic equivalents such as Cor 4.4 / Eq. 19).

    Raises
    ------
    RegimeError
        If no implemented result covers ``problem`` (from :func:`~symcollapse.predict`) or the requested
        sampler is not exact for it (from :func:`~symcollapse.simulate`).
    """
    if not (isinstance(k, (int, float)) and math.isfinite(k) and k > 0):
        raise ValueError(f"k must be a positive finite number of standard errors, got {k!r}")
    theory = predict(problem, normalization="finite")
    mc = simulate(problem, reps=reps, seed=seed, method=method)
    value = float(theory.total)
    mean, stderr = float(mc.mean), float(mc.stderr)
    allow = allowance(problem, theory)
    scale = max(abs(value), float(np.sum(problem.eigenvalues * problem.coefficients**2)), 1e-300)
    z, passed, tol = _verdict(value, mean, stderr, allow, k, scale)
    diff = abs(mean - value)
    kind = (
        "exact identity, allowance 0"
        if theory.kind == "exact"
        else f"deterministic equivalent, finite-size allowance {allow:.3g}"
    )
    verdict = "agrees" if passed else "DISAGREES"
    rel = "<=" if passed else ">"
    reason = (
        f"{theory.theorem} ({kind}): simulation {verdict} — |mean − theory| = |{mean:.6g} − {value:.6g}| = "
        f"{diff:.3g} {rel} {k:g}·stderr + allowance = {k:g}·{stderr:.3g} + {allow:.3g} = {tol:.3g}; "
        f"z = {z:+.2f} ({mc.reps} reps, seed {mc.seed}, sampler {mc.method})"
    )
    return Comparison(
        theory=theory, mc=mc, value=value, mean=mean, stderr=stderr, z=z, allowance=allow, passed=passed,
        reason=reason, k=float(k),
    )


def relative_allowance(problem: Problem, theory: Prediction) -> float:
    r"""The allowance per unit of theory value, :math:`C\,g` (0 for exact results).

    Applies to any part of a deterministic-equivalent prediction that shares its finite-size corrections,
    e.g. the collapse slope :math:`\sigma_0^2\rho` of a fit over :math:`n` (allowance
    :math:`C\,g\,\sigma_0^2\rho`).
    """
    if theory.kind == "exact":
        return 0.0
    return ALLOWANCE_CONSTANTS[_family(theory.theorem)] * finite_size_scale(problem, theory)
