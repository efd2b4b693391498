r"""Pure SymPy builders: every result of §3–4 of the paper as a :class:`sympy.Expr`.

Dohmatob, Feng & Kempe, "Model Collapse Demystified: The Case of Regression", NeurIPS 2024 (camera-ready
numbering, see docs/theory/index.md). Each builder returns an expression in the symbols of
:mod:`symcollapse.theory.symbols`; keyword arguments substitute other expressions for the default symbols
(e.g. ``kappa_isotropic(lam=sympy.Rational(1, 1000), phi=sympy.Rational(3, 10))``).

Spectral traces are written as explicit finite sums over the eigenbasis of :math:`\Sigma`,

.. math:: \mathrm{tr}\, f(\Sigma) = \sum_{j=1}^{d} f(\lambda_j),\qquad
          w_0^\top g(\Sigma) w_0 = \sum_{j=1}^{d} c_j^2\, g(\lambda_j),

i.e. ``Sum(ev[j]**p * c[j]**2 / (ev[j] + kappa)**m, (j, 1, d))`` with ``ev``, ``c``, ``j`` from
:mod:`~symcollapse.theory.symbols`. The summands are kept in this plain form on purpose: the scaling
workstream (:mod:`symcollapse.theory.scaling`) rewrites them with Lemma I.1. The isotropic specialisations
(:math:`\Sigma = I_d`) are closed forms in :math:`\phi = d/T`, :math:`\phi_0 = d/T_0`, :math:`\lambda`,
:math:`\|w_0\|` and work with purely symbolic arguments (``sympy.diff`` in :math:`\lambda`, limits, ...).

Kinds: **exact** = finite-sample identity in expectation; **deterministic-equivalent** = the random-matrix
(RMT) limit :math:`d, T \to \infty`, :math:`d/T \to \phi` (Eq. 12), error :math:`O(1/d)`.

This module imports SymPy only (never numpy); the numeric paths live in :mod:`.fixed_point` and
:mod:`.evaluate`.
"""

from __future__ import annotations

import sympy as sp

from symcollapse.theory import symbols as S
from symcollapse.theory.symbols import c, ev, j

__all__ = [
    "df_sum",
    "trace_resolvent_sq",
    "bias_trace",
    "kappa_equation",
    "kappa_equation_monotone",
    "kappa_isotropic",
    "bias_prop42",
    "variance_prop42",
    "bias_isotropic",
    "variance_isotropic",
    "rho_eq19",
    "rho_eq18",
    "bias_variance_isotropic",
    "rho_isotropic",
    "rho_eq18_isotropic",
    "thm41_exact",
    "thm41_asymptotic",
    "eta",
    "delta_bias_thm45",
    "delta_bias_thm46",
    "error_overparam_isotropic",
    "rho_lowdim",
    "null_ratio",
    "dkappa_dlam",
]

_NORMALIZATIONS = ("paper", "finite")


def _check_normalization(normalization: str) -> None:
    if normalization not in _NORMALIZATIONS:
        raise ValueError(f"normalization must be one of {_NORMALIZATIONS}, got {normalization!r}")


# --------------------------------------------------------------------------------------------------------
# Spectral traces (§4.2)
# --------------------------------------------------------------------------------------------------------


def df_sum(m: int, t: sp.Expr = S.kappa, d: sp.Expr = S.d) -> sp.Expr:
    r"""Degrees of freedom (§4.2): :math:`\mathrm{df}_m(t) = \mathrm{tr}\,\Sigma^m(\Sigma + tI)^{-m}`.

    .. math:: \mathrm{df}_m(t) = \sum_{j=1}^{d} \frac{\lambda_j^m}{(\lambda_j + t)^m} \le d.

    Kind: definition (exact). Isotropic :math:`\Sigma = I_d`: :math:`d/(1+t)^m`.
    """
    m = sp.sympify(m)
    return sp.Sum(ev[j] ** m / (ev[j] + t) ** m, (j, 1, d))


def trace_resolvent_sq(t: sp.Expr = S.kappa, d: sp.Expr = S.d) -> sp.Expr:
    r""":math:`\mathrm{tr}(\Sigma + tI)^{-2} = \sum_j (\lambda_j + t)^{-2}` (appears in Eq. 19 times :math:`\kappa^2`).

    Identity: :math:`t^2\,\mathrm{tr}(\Sigma+tI)^{-2} = d - 2\,\mathrm{df}_1(t) + \mathrm{df}_2(t)`.
    """
    return sp.Sum(1 / (ev[j] + t) ** 2, (j, 1, d))


def bias_trace(t: sp.Expr = S.kappa, d: sp.Expr = S.d) -> sp.Expr:
    r""":math:`w_0^\top\Sigma(\Sigma + tI)^{-2}w_0 = \sum_j \lambda_j c_j^2 / (\lambda_j + t)^2` (Prop 4.2)."""
    return sp.Sum(ev[j] * c[j] ** 2 / (ev[j] + t) ** 2, (j, 1, d))


# --------------------------------------------------------------------------------------------------------
# The effective regularisation κ (Eqs. 9–11)
# --------------------------------------------------------------------------------------------------------


def kappa_equation(lam: sp.Expr = S.lam, T: sp.Expr = S.T, kappa: sp.Expr = S.kappa, d: sp.Expr = S.d) -> sp.Expr:
    r"""Eq. 9, the fixed point defining :math:`\kappa = \kappa(\lambda, T)`, as an expression equal to zero:

    .. math:: \kappa - \lambda - \kappa\,\mathrm{df}_1(\kappa)/T = 0 .

    Its :math:`\kappa`-derivative is :math:`1 - \mathrm{df}_2(\kappa)/T` (Lemma I.2), so the left side is
    convex in :math:`\kappa`; :mod:`.fixed_point` solves it by a safeguarded Newton iteration. For
    :math:`\lambda = 0` the root is :math:`0` if :math:`T \ge d`, else the positive root of
    :math:`\mathrm{df}_1(\kappa) = T`. Kind: deterministic-equivalent (definition of κ).
    """
    return kappa - lam - kappa * df_sum(1, kappa, d) / T


def kappa_equation_monotone(
    lam: sp.Expr = S.lam, T: sp.Expr = S.T, kappa: sp.Expr = S.kappa, d: sp.Expr = S.d
) -> sp.Expr:
    r"""Eq. 9 divided by :math:`\kappa`: :math:`\lambda/\kappa + \mathrm{df}_1(\kappa)/T - 1 = 0`.

    The left side is strictly decreasing in :math:`\kappa > 0`, so the positive root is unique.
    """
    return lam / kappa + df_sum(1, kappa, d) / T - 1


def kappa_isotropic(lam: sp.Expr = S.lam, phi: sp.Expr = S.phi) -> sp.Expr:
    r"""Closed form of κ for :math:`\Sigma = I_d` (Eq. 10 solved; Eq. 11):

    .. math:: \kappa = \tfrac12\Big(\lambda + \bar\phi + \sqrt{(\lambda+\bar\phi)^2 + 4\lambda}\Big),
              \qquad \bar\phi = \phi - 1,

    the nonnegative root of :math:`\kappa^2 + (1 - \lambda - \phi)\kappa - \lambda = 0`, i.e. of
    :math:`\kappa - \lambda = \phi\kappa/(1+\kappa)` (Eq. 10). At :math:`\lambda = 0` it gives
    :math:`\max(\phi - 1, 0)`. Kind: deterministic-equivalent.
    """
    pb = phi - 1
    return (lam + pb + sp.sqrt((lam + pb) ** 2 + 4 * lam)) / 2


def dkappa_dlam(T: sp.Expr = S.T, kappa: sp.Expr = S.kappa, d: sp.Expr = S.d) -> sp.Expr:
    r"""Lemma I.2: :math:`\partial\kappa/\partial\lambda = 1/(1 - \mathrm{df}_2(\kappa)/T) \ge 1`."""
    return 1 / (1 - df_sum(2, kappa, d) / T)


# --------------------------------------------------------------------------------------------------------
# Proposition 4.2 (clean ridge) and its isotropic form
# --------------------------------------------------------------------------------------------------------


def bias_prop42(T: sp.Expr = S.T, kappa: sp.Expr = S.kappa, d: sp.Expr = S.d) -> sp.Expr:
    r"""Prop 4.2 (bias of ridge on clean data), RMT limit:

    .. math:: \mathrm{Bias} \simeq \frac{\kappa^2\, w_0^\top\Sigma(\Sigma+\kappa I)^{-2}w_0}
              {1 - \mathrm{df}_2(\kappa)/T},\qquad \kappa = \kappa(\lambda, T).

    Equivalently :math:`\kappa^2 w_0^\top\Sigma(\Sigma+\kappa)^{-2}w_0\,\partial\kappa/\partial\lambda`
    (Lemma I.2). Kind: deterministic-equivalent. Also the bias of Thm 4.3 / Cor 4.4 when :math:`T_0 \ge d`.
    """
    return kappa**2 * bias_trace(kappa, d) / (1 - df_sum(2, kappa, d) / T)


def variance_prop42(
    T: sp.Expr = S.T, kappa: sp.Expr = S.kappa, sigma: sp.Expr = S.sigma, d: sp.Expr = S.d
) -> sp.Expr:
    r"""Prop 4.2 (variance of ridge), RMT limit:

    .. math:: \mathrm{Var} \simeq \frac{\sigma^2\,\mathrm{df}_2(\kappa)}{T}\cdot
              \frac{1}{1 - \mathrm{df}_2(\kappa)/T}.

    Kind: deterministic-equivalent.
    """
    df2 = df_sum(2, kappa, d)
    return sigma**2 * df2 / T / (1 - df2 / T)


def bias_isotropic(kappa: sp.Expr = S.kappa, phi: sp.Expr = S.phi, w0norm: sp.Expr = S.w0norm) -> sp.Expr:
    r"""Prop 4.2 for :math:`\Sigma = I_d` (App. F.6): :math:`\kappa^2\|w_0\|^2 / ((1+\kappa)^2 - \phi)`."""
    return kappa**2 * w0norm**2 / ((1 + kappa) ** 2 - phi)


def variance_isotropic(kappa: sp.Expr = S.kappa, phi: sp.Expr = S.phi, sigma: sp.Expr = S.sigma) -> sp.Expr:
    r"""Prop 4.2 for :math:`\Sigma = I_d` (App. F.6): :math:`\sigma^2\phi / ((1+\kappa)^2 - \phi)`."""
    return sigma**2 * phi / ((1 + kappa) ** 2 - phi)


def bias_variance_isotropic(
    kappa: sp.Expr = S.kappa, phi: sp.Expr = S.phi, sigma: sp.Expr = S.sigma, w0norm: sp.Expr = S.w0norm
) -> sp.Expr:
    r"""Cor 4.4, unnumbered isotropic display (:math:`\Sigma = I_d`): clean Bias + Var,

    .. math:: \mathrm{Bias} + \mathrm{Var} \simeq \frac{\kappa^2\|w_0\|_2^2 + \sigma^2\phi}{(1+\kappa)^2 - \phi},

    :math:`\kappa` from Eq. 10/11 (:func:`kappa_isotropic`). Kind: deterministic-equivalent.
    """
    return (kappa**2 * w0norm**2 + sigma**2 * phi) / ((1 + kappa) ** 2 - phi)


# --------------------------------------------------------------------------------------------------------
# The collapse term ρ: Eq. 19 (T0 >= d), Eq. 18 (T0 < d, shared design)
# --------------------------------------------------------------------------------------------------------


def rho_eq19(
    normalization: str = "paper",
    T: sp.Expr = S.T,
    T0: sp.Expr = S.T0,
    kappa: sp.Expr = S.kappa,
    d: sp.Expr = S.d,
) -> sp.Expr:
    r"""Cor 4.4, Eq. 19: the collapse coefficient :math:`\rho` for an under-parametrised generator
    (:math:`T_0 \ge d`, any :math:`\Sigma`), so that :math:`E_{test} \simeq \mathrm{Bias} + \mathrm{Var} + n\sigma_0^2\rho`:

    .. math:: \rho = \frac{\mathrm{df}_2(\kappa)}{T_0 - d}
              + \frac{\kappa^2\,\mathrm{tr}(\Sigma+\kappa I)^{-2}}{T_0 - d}\cdot
                \frac{\mathrm{df}_2(\kappa)}{T - \mathrm{df}_2(\kappa)} .

    ``normalization="paper"`` uses :math:`T_0 - d` as printed (deterministic equivalent, needs
    :math:`T_0 > d`); ``"finite"`` uses :math:`T_0 - d - 1`, the exact inverse-Wishart normalisation of
    Thm F.1's second part (Lemma F.3, needs :math:`T_0 \ge d + 2`): there the bracket is the deterministic
    equivalent of :math:`\mathbb E\,\mathrm{tr}\,\Sigma^{-1}\hat\Sigma R\Sigma\hat\Sigma R` (docs/theory/results.md#results-cor44).

    Typo note (docs/theory/differences.md#diff-eq19-propF6): the "in particular" display closing Prop F.6 has
    :math:`\mathrm{df}_2/(T - \mathrm{df}_2)` as its first term; it contradicts Eq. 19, which is correct
    (independent derivation + Monte Carlo) and is what is built here.
    Kind: deterministic-equivalent.
    """
    _check_normalization(normalization)
    denom = T0 - d if normalization == "paper" else T0 - d - 1
    df2 = df_sum(2, kappa, d)
    return df2 / denom + kappa**2 * trace_resolvent_sq(kappa, d) / denom * df2 / (T - df2)


def rho_eq18(
    T: sp.Expr = S.T,
    T0: sp.Expr = S.T0,
    kappa: sp.Expr = S.kappa,
    kappa0: sp.Expr = S.kappa0,
    d: sp.Expr = S.d,
) -> sp.Expr:
    r"""Thm 4.3, Eq. 18 (= Prop F.6): :math:`\rho` when every :math:`\bar Q_{n-1,m} = X_0^\dagger`, i.e. the
    shared-design ("dependent") chain :math:`X_0 = \dots = X_{n-1}`; valid also for :math:`T_0 < d`:

    .. math:: \rho = \frac{\mathrm{tr}\,\Sigma^4(\Sigma+\kappa_0)^{-2}(\Sigma+\kappa)^{-2}}{T_0 - \mathrm{df}_2(\kappa_0)}
              + \frac{\kappa^2\,\mathrm{tr}\,\Sigma^2(\Sigma+\kappa_0)^{-2}(\Sigma+\kappa)^{-2}}
                     {T_0 - \mathrm{df}_2(\kappa_0)}\cdot\frac{\mathrm{df}_2(\kappa)}{T - \mathrm{df}_2(\kappa)},

    :math:`\kappa = \kappa(\lambda, T)`, :math:`\kappa_0 = \kappa(0, T_0)` (:math:`= 0` iff :math:`T_0 \ge d`,
    where it reduces to Eq. 19). The condition list (17) of Thm 4.3 is lost in the available text
    (docs/theory/differences.md#diff-cond17); for :math:`T_0 < d` with independent designs the paper gives no explicit
    :math:`\rho` (``predict`` composes this Eq. 18 trace with Lemma F.8 there, see ``evaluate._overparam``).
    Kind: deterministic-equivalent (a ~1 % finite-size gap was measured at :math:`d = 200, T_0 = 100`).
    """
    df2 = df_sum(2, kappa, d)
    den0 = T0 - df_sum(2, kappa0, d)
    t4 = sp.Sum(ev[j] ** 4 / ((ev[j] + kappa0) ** 2 * (ev[j] + kappa) ** 2), (j, 1, d))
    t2 = sp.Sum(ev[j] ** 2 / ((ev[j] + kappa0) ** 2 * (ev[j] + kappa) ** 2), (j, 1, d))
    return t4 / den0 + kappa**2 * t2 / den0 * df2 / (T - df2)


def _rho_bracket_isotropic(kappa: sp.Expr, phi: sp.Expr) -> sp.Expr:
    # (1/(1+κ)²)(1 + φκ²/((1+κ)² − φ)) = E tr(Σ̂R)² / d in the RMT limit for Σ = I.
    return 1 / (1 + kappa) ** 2 * (1 + phi * kappa**2 / ((1 + kappa) ** 2 - phi))


def rho_isotropic(
    normalization: str = "paper",
    kappa: sp.Expr = S.kappa,
    phi: sp.Expr = S.phi,
    phi0: sp.Expr = S.phi0,
    d: sp.Expr = S.d,
) -> sp.Expr:
    r"""Cor 4.4, isotropic display (:math:`\Sigma = I_d`, :math:`T_0 \ge d`): Eq. 19 in closed form,

    .. math:: \rho \simeq \frac{\phi_0}{1-\phi_0}\Big(\frac{1}{(1+\kappa)^2}
              + \frac{1}{(1+\kappa)^2}\frac{\phi\kappa^2}{(1+\kappa)^2 - \phi}\Big).

    :math:`\phi_0/(1-\phi_0) = d/(T_0 - d)`; ``normalization="finite"`` replaces it by
    :math:`d/(T_0 - d - 1) = \phi_0/(1 - \phi_0 - \phi_0/d)` (Thm F.1, exact normalisation).
    Typo note (docs/theory/differences.md#diff-cor44-phi): the paper says Thm 4.1 is the special case ":math:`\lambda = 0`,
    :math:`\phi \ge 1`"; it is :math:`\phi < 1` (:math:`\kappa = 0`). Kind: deterministic-equivalent.
    """
    _check_normalization(normalization)
    pref = phi0 / (1 - phi0) if normalization == "paper" else phi0 / (1 - phi0 - phi0 / d)
    return pref * _rho_bracket_isotropic(kappa, phi)


def rho_eq18_isotropic(
    normalization: str = "paper",
    kappa: sp.Expr = S.kappa,
    phi: sp.Expr = S.phi,
    phi0: sp.Expr = S.phi0,
    d: sp.Expr = S.d,
) -> sp.Expr:
    r"""Eq. 18 for :math:`\Sigma = I_d`, :math:`T_0 < d` (shared design), with :math:`\kappa_0 = \phi_0 - 1`:

    .. math:: \rho \simeq \frac{1}{\phi_0 - 1}\,\frac{1}{(1+\kappa)^2}
              \Big(1 + \frac{\phi\kappa^2}{(1+\kappa)^2 - \phi}\Big).

    :math:`1/(\phi_0 - 1) = T_0/(d - T_0)`; ``normalization="finite"`` uses :math:`T_0/(d - T_0 - 1)`,
    which makes the prefactor exact: for :math:`\Sigma = I`,
    :math:`\mathbb E\,X_0^\dagger X_0^{\dagger\top} = \frac{T_0}{d(d - T_0 - 1)} I` (inverse-Wishart mean of
    :math:`(X_0X_0^\top)^{-1}`, :math:`d \ge T_0 + 2`), and at :math:`\lambda = 0`, :math:`T \ge d + 2` the
    bracket is exactly 1. Kind: deterministic-equivalent (exact in that case).
    """
    _check_normalization(normalization)
    pref = 1 / (phi0 - 1) if normalization == "paper" else 1 / (phi0 - 1 - phi0 / d)
    return pref * _rho_bracket_isotropic(kappa, phi)


# --------------------------------------------------------------------------------------------------------
# Theorem 4.1 (OLS) and its remarks
# --------------------------------------------------------------------------------------------------------


def thm41_exact(
    T: sp.Expr = S.T,
    T0: sp.Expr = S.T0,
    d: sp.Expr = S.d,
    n: sp.Expr = S.n,
    sigma: sp.Expr = S.sigma,
    sigma0: sp.Expr = S.sigma0,
) -> sp.Expr:
    r"""Thm 4.1, exact finite-sample identity (proof in App. F.2), any :math:`\Sigma \succ 0`, :math:`\lambda = 0`,
    :math:`T \ge d + 2`, :math:`T_0 \ge d + 2`:

    .. math:: \mathbb E\,E_{test}(\hat w_n^{pred}) = \sigma^2\frac{d}{T - d - 1} + n\sigma_0^2\frac{d}{T_0 - d - 1}.

    Reason: :math:`\hat w_n = w_0 + \sum_{m<n}X_m^\dagger E_m` and
    :math:`\mathbb E(X^\top X)^{-1} = \Sigma^{-1}/(T - d - 1)` (Lemma F.3). Kind: exact.
    """
    return sigma**2 * d / (T - d - 1) + n * sigma0**2 * d / (T0 - d - 1)


def thm41_asymptotic(
    phi: sp.Expr = S.phi, phi0: sp.Expr = S.phi0, n: sp.Expr = S.n, sigma: sp.Expr = S.sigma, sigma0: sp.Expr = S.sigma0
) -> sp.Expr:
    r"""Thm 4.1 as stated (:math:`\lambda = 0`, :math:`\phi, \phi_0 < 1`), RMT limit:

    .. math:: E_{test}(\hat w_n^{pred}) \simeq \frac{\sigma^2\phi}{1-\phi} + \frac{n\sigma_0^2\phi_0}{1-\phi_0}.

    The special case :math:`\lambda = 0`, :math:`\phi < 1` of Cor 4.4 (the paper's "φ ≥ 1" is a typo,
    docs/theory/differences.md#diff-cor44-phi). Kind: deterministic-equivalent.
    """
    return sigma**2 * phi / (1 - phi) + n * sigma0**2 * phi0 / (1 - phi0)


def null_ratio(
    signal: sp.Expr = S.w0norm**2,
    phi: sp.Expr = S.phi,
    phi0: sp.Expr = S.phi0,
    n: sp.Expr = S.n,
    sigma: sp.Expr = S.sigma,
    sigma0: sp.Expr = S.sigma0,
) -> sp.Expr:
    r"""Remark after Thm 4.1 (null predictor): :math:`E_{test}(0) = \|w_0\|_\Sigma^2` and

    .. math:: \frac{E_{test}(\hat w^{pred}_n)}{E_{test}(0)} = \frac{1}{\mathrm{SNR}}\frac{\phi}{1-\phi}
              + \frac{n}{\mathrm{SNR}_0}\frac{\phi_0}{1-\phi_0},\qquad
              \mathrm{SNR} = \frac{\|w_0\|_\Sigma^2}{\sigma^2},\ \mathrm{SNR}_0 = \frac{\|w_0\|_\Sigma^2}{\sigma_0^2}.

    ``signal`` is :math:`\|w_0\|_\Sigma^2` (default ``w0norm**2``, correct for :math:`\Sigma = I`). OLS is worse
    than predicting 0 once this ratio exceeds 1, e.g. for :math:`n \gg \mathrm{SNR}_0/(1/\phi_0 - 1)`.
    Kind: deterministic-equivalent.
    """
    return thm41_asymptotic(phi, phi0, n, sigma, sigma0) / signal


# --------------------------------------------------------------------------------------------------------
# Over-parametrised noiseless generator: Theorems 4.5 and 4.6
# --------------------------------------------------------------------------------------------------------


def eta(design: str = "independent", phi0: sp.Expr = S.phi0, n: sp.Expr = S.n) -> sp.Expr:
    r"""Thm 4.6: :math:`\eta = \prod_{m=0}^{n-1}\min(1/\phi_m, 1)` with :math:`\phi_m = \phi_0` (Eq. 6),
    so :math:`\mathbb E\|\hat w_n\|^2 \simeq \eta\|w_0\|^2` for a noiseless chain.

    * ``design="independent"``: :math:`\eta = \min(1/\phi_0, 1)^n` (Thm 4.6).
    * ``design="shared"`` (:math:`X_m \equiv X_0`, Thm 4.5): :math:`\hat w_n = P_0 w_0` for every
      :math:`n \ge 1`, so :math:`\eta = \min(1/\phi_0, 1)^{\min(n, 1)}`.

    For :math:`\Sigma = I` this is exact in expectation at finite :math:`d`:
    :math:`\mathbb E P_m = (T_0/d) I` and :math:`\mathbb E\|P_m v\|^2 = (T_0/d)\|v\|^2` for fixed :math:`v`
    (docs/theory/results.md#results-thm46; the paper's proof uses :math:`Q^\top Q = Q`, false, though the result holds — docs/theory/differences.md#diff-lemmas).
    """
    base = sp.Min(1 / phi0, 1)
    if design == "independent":
        return base**n
    if design == "shared":
        return base ** sp.Min(n, 1)
    raise ValueError(f"design must be 'independent' or 'shared', got {design!r}")


def delta_bias_thm45(phi0: sp.Expr = S.phi0, w0norm: sp.Expr = S.w0norm) -> sp.Expr:
    r"""Thm 4.5 (shared design, :math:`\Sigma = I`, :math:`\sigma_0 = 0`, :math:`\phi_0 > 1`, :math:`n \ge 1`,
    :math:`\lambda \to 0^+`): :math:`\Delta\mathrm{Bias} \simeq \|w_0\|^2(1 - 1/\phi_0)`, independent of :math:`n`.
    Kind: deterministic-equivalent (exact in expectation at :math:`\lambda = 0`, :math:`T \ge d+2`).
    """
    return w0norm**2 * (1 - 1 / phi0)


def delta_bias_thm46(phi0: sp.Expr = S.phi0, n: sp.Expr = S.n, w0norm: sp.Expr = S.w0norm) -> sp.Expr:
    r"""Thm 4.6 (independent designs, :math:`\sigma_0 = 0`, :math:`\lambda \to 0^+`):
    :math:`\Delta\mathrm{Bias} \simeq \|w_0\|^2(1 - \eta)`, :math:`\eta = \min(1/\phi_0, 1)^n`; for
    :math:`\phi_0 > 1`, :math:`(1 - \phi_0^{-n})\|w_0\|^2` ("catastrophic" collapse).
    Kind: deterministic-equivalent (exact in expectation for :math:`\Sigma = I`).
    """
    return w0norm**2 * (1 - eta("independent", phi0, n))


def error_overparam_isotropic(
    eta_: sp.Expr,
    kappa: sp.Expr = S.kappa,
    phi: sp.Expr = S.phi,
    sigma: sp.Expr = S.sigma,
    w0norm: sp.Expr = S.w0norm,
) -> sp.Expr:
    r"""Downstream ridge error after a noiseless over-parametrised chain, :math:`\Sigma = I` (Thms 4.5/4.6
    combined with Prop 4.2; derived for this package, docs/theory/results.md#results-thm46):

    .. math:: E_{test} \simeq \frac{\kappa^2\eta\|w_0\|^2 + \sigma^2\phi}{(1+\kappa)^2 - \phi} + (1 - \eta)\|w_0\|^2 .

    Derivation: :math:`\hat w_n = Qw_0` with :math:`Q` independent of the downstream design; write
    :math:`A = R\hat\Sigma`, so the bias part is :math:`\|(A - I)Qw_0 - (I - Q)w_0\|^2`. For
    :math:`\Sigma = I`, rotation invariance gives :math:`\mathbb E A = aI` and
    :math:`\mathbb E(A-I)^\top(A-I) = bI`; moreover :math:`\mathbb E\,w_0^\top Qw_0 = \mathbb E\|Qw_0\|^2 = \eta\|w_0\|^2`,
    so the cross term :math:`-2(a-1)\,\mathbb E(w_0 - Qw_0)^\top Qw_0` vanishes and
    :math:`\mathbb E\|(I-Q)w_0\|^2 = (1-\eta)\|w_0\|^2`. With :math:`b \simeq \kappa^2/((1+\kappa)^2 - \phi)`
    (Prop 4.2) the display follows. ``eta_`` is :func:`eta` for the chain's design.
    """
    return (kappa**2 * eta_ * w0norm**2 + sigma**2 * phi) / ((1 + kappa) ** 2 - phi) + (1 - eta_) * w0norm**2




# --------------------------------------------------------------------------------------------------------
# Theorem F.1: low-dimensional limit
# --------------------------------------------------------------------------------------------------------


def rho_lowdim(lam: sp.Expr = S.lam, T0: sp.Expr = S.T0, d: sp.Expr = S.d) -> sp.Expr:
    r"""Thm F.1, low-dimensional limit (:math:`d` fixed, :math:`T \to \infty`, so :math:`\hat\Sigma \to \Sigma`,
    :math:`\kappa \to \lambda`; :math:`T_0 \ge d + 2`):

    .. math:: \rho \simeq \frac{\mathrm{tr}\,\Sigma^2(\Sigma + \lambda I)^{-2}}{T_0 - d} = \frac{\mathrm{df}_2(\lambda)}{T_0 - d}.

    Builder only (not used by :func:`~symcollapse.theory.evaluate.predict`). Kind: deterministic-equivalent.
    """
    return df_sum(2, lam, d) / (T0 - d)
