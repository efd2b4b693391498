r"""The finite-size error of a deterministic equivalent: the :math:`O(1/d)` scale that ``compare`` allows.

.. math:: a = C_{\mathrm{family}}\,|E_{theory}|\,g,\qquad
          g = \frac{1}{T - \mathrm{df}_2(\kappa)}
              + \mathbb 1[T_0 < d,\ n \ge 1,\ \Sigma \ne sI]\,\frac{1}{T_0 - \mathrm{df}_2(\kappa_0)}

(0 for results exact at finite size). :math:`C` per family of results is calibrated from simulation (see
:data:`ALLOWANCE_CONSTANTS`); the reason for the form of :math:`g` is given in
:func:`symcollapse.compare.finite_size_scale`. ``predict`` attaches :math:`a` to every prediction as
``finite_size_error`` and warns when it exceeds half the value (paper Eq. 12 is a large-:math:`d` limit).
"""

from __future__ import annotations

from symcollapse.theory import _spectral
from symcollapse.theory.fixed_point import df_grouped

__all__ = ["ALLOWANCE_CONSTANTS", "finite_size_scale", "relative_error", "WARN_FRACTION"]

# Calibrated constants C of the finite-size allowance a = C·|value|·g, per family of deterministic-equivalent
# results. Calibrated from simulation by `python tests/regression/make_reference.py calibrate calibrate-f8`
# (237 problems drawn from symcollapse.testing's strategies, Rao–Blackwellised MC; records and fits in
# tests/regression/data/allowance_calibration.json). Largest systematic gap beyond 2 standard errors, in
# units of |value|·g: ridge (Prop 4.2 / Cor 4.4) 0.97 — typical gaps 1.0–1.3 near T ≈ d at small λ, exactly
# the 1/(T − d − 1) vs 1/(T − d) of the OLS variance — so C = 1.5 × 0.97 → 1.5; Eq. 18 (Σ = sI) 0.028;
# Thms 4.5/4.6 with λ > 0 0.018; Lemma F.8 (anisotropic over-parametrised chain) 0.39. Every
# over-parametrised prediction contains the ridge equivalents, so each family adopts max(own fit, ridge fit)
# = 1.5. Set from the calibration alone: a provisional C = 1.0 already passed the property tests; the value
# is looser only because the calibration says so, and it was never widened to make a test pass.
ALLOWANCE_CONSTANTS: dict[str, float] = {
    "ridge": 1.5,  # Prop. 4.2 / Cor. 4.4 (Eq. 19) / Thm F.1 with T0 >= d + 2
    "eq18": 1.5,  # Thm 4.3 (Eq. 18) + Thm 4.5 / its independent twin, over-parametrised noisy chain, Σ = sI
    "overparam": 1.5,  # Thms 4.5 / 4.6 with a ridge downstream (λ > 0), Σ = sI
    "lemmaF8": 1.5,  # Thm 4.3 + Lemma F.8 (+ Eq. 18): over-parametrised chain, anisotropic Σ
}

#: ``predict`` warns when the finite-size error exceeds this fraction of the value.
WARN_FRACTION = 0.5


def finite_size_scale(problem, kappa, kappa0, df2_at: dict | None = None) -> float:
    r""":math:`g` of the module docstring, in float64.

    The sums run over the problem's grouped spectrum (cached per spectrum, as ``predict`` uses it): the
    same values as :func:`~symcollapse.theory.fixed_point.df` on the raw eigenvalues, which groups them
    the same way, without regrouping on every call. ``df2_at`` maps a float :math:`t` to an already
    computed :math:`\mathrm{df}_2(t)` (the batched evaluator's, same arithmetic row by row).
    """
    T = problem.downstream.T
    u, m, _ = _spectral.groups(problem, "float")
    d2 = None if df2_at is None else df2_at.get(float(kappa))
    g = 1.0 / (T - (df_grouped(2, kappa, u, m) if d2 is None else d2))
    anisotropic = u.size > 1  # the grouping keeps one value iff all eigenvalues are equal (np.ptp(ev) == 0)
    if problem.chain.T0 < problem.d and problem.chain.n > 0 and kappa0 is not None and anisotropic:
        g += 1.0 / (problem.chain.T0 - df_grouped(2, kappa0, u, m))
    return g


def relative_error(problem, regime, kappa, kappa0, df2_at: dict | None = None) -> float:
    """:math:`C\\,g` (0 for exact results): the finite-size error per unit of value."""
    if regime.kind == "exact":
        return 0.0
    return ALLOWANCE_CONSTANTS[regime.family] * finite_size_scale(problem, kappa, kappa0, df2_at)
