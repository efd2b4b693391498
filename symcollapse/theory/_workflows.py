r"""Theory of the follow-up workflows: accumulate, fresh real data each round ("mix"), and mixtures downstream.

Plain-parameter functions (eigenvalues :math:`\lambda_j` of :math:`\Sigma`, coefficients :math:`c_j` of
:math:`w_0` in its eigenbasis, sizes, noise levels); no :class:`~symcollapse.spec.Problem`, so a workflow
registry can wrap them in a few lines. Notation of the paper (Dohmatob, Feng & Kempe, NeurIPS 2024, §1 and
Eqs. 4–9; see docs/theory/setup.md); every block or generation has :math:`T_0` samples and label noise
:math:`\sigma_0`, and :math:`c := \sigma_0^2 d/(T_0 - d - 1)` is one OLS generation's error (Lemma F.3).
Settings, derivations and Monte-Carlo checks: docs/theory/workflows.md.

Three layers per workflow:

* SymPy builders (``*_expr``): closed forms in :math:`n` (digamma/trigamma, so their cost is :math:`O(1)` in
  :math:`n`) next to the defining sums or recursions, in the package's symbols
  (:mod:`symcollapse.theory.symbols`);
* float64 evaluators and their mpmath twins (``dps=N``: computed inside ``mpmath.workdps(N)`` from the inputs
  taken at face value, returned as ``mpf``; the global precision is never changed);
* a :class:`WorkflowValue` with the value, its parts, its ``kind`` (``"exact"`` = finite-sample identity in
  expectation; ``"deterministic-equivalent"`` = random-matrix limit, error :math:`O(1/d)`) and the result used.

The downstream ridge reuses the replace chain's pieces (Prop 4.2 bias and variance, the Eq. 19 bracket of the
collapse term, :math:`\kappa` of Eq. 9 from :mod:`.fixed_point`); the accumulate and mix chains only change the
chain's error covariance, which the collapse term is linear in.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import mpmath
import numpy as np
import sympy as sp
from scipy import special

from symcollapse.spec import RegimeError, SpecError
from symcollapse.theory import fixed_point as fp
from symcollapse.theory import formulas as F
from symcollapse.theory import symbols as S
from symcollapse.theory.symbols import c as c_sym
from symcollapse.theory.symbols import ev, j

__all__ = [
    "WorkflowValue",
    "k_sym",
    "w_sym",
    "p_sym",
    "Delta",
    # accumulate
    "accumulate_sum_expr",
    "accumulate_sum_closed",
    "accumulate_error_expr",
    "accumulate_limit_expr",
    "accumulate_n_eff_expr",
    "accumulate_sum",
    "accumulate_n_eff",
    "accumulate_chain_error",
    "accumulate_limit",
    "accumulate_bound",
    "accumulate_downstream",
    # mix
    "mix_recursion",
    "mix_error_expr",
    "mix_limit_expr",
    "golden_weight",
    "optimal_real_weight",
    "mix_chain_error",
    "mix_limit",
    "mix_downstream",
    # mixtures downstream
    "mixture_expr",
    "mixture_chain_expr",
    "mixture_floor_expr",
    "mixture_downstream",
    "mixture_limit",
    "mixture_floor",
    "mixture_chain_downstream",
    "chain_cov_scale",
    "realised_fraction",
    "finite_size_scale",
    "workflow_scaling",
    "mix_ridge_given_design",
    "optimal_real_weight_given_design",
]

EXACT = "exact"
DETEQ = "deterministic-equivalent"

k_sym = sp.Symbol("k", positive=True, integer=True)  # generation / block index
w_sym = sp.Symbol("w", positive=True)  # weight of the fresh real labels (mix)
p_sym = sp.Symbol("p", nonnegative=True)  # realised real fraction T_real/T of the downstream mixture
Delta = sp.IndexedBase("Delta", real=True)  # coordinates of the synthetic shift Δ in Σ's eigenbasis
v_sym = sp.Symbol("v", nonnegative=True)  # chain covariance scale: Cov(ŵ_n − w0) = v Σ⁻¹


@dataclass(frozen=True)
class WorkflowValue:
    r"""A workflow prediction: ``value`` and its ``parts`` (floats, or ``mpf`` when ``dps`` was given).

    Attributes
    ----------
    value : float or mpf
    parts : dict
        Named contributions and intermediate quantities (e.g. ``bias``, ``variance``, ``collapse``,
        ``n_eff``, ``kappa``, ``df2``).
    kind : {"exact", "deterministic-equivalent"}
    result : str
        The result used (paper numbering, or "package derivation", see docs/theory/workflows.md).
    dps : int or None
    """

    value: Any
    parts: dict = field(default_factory=dict)
    kind: str = EXACT
    result: str = ""
    dps: int | None = None

    def __float__(self) -> float:
        return float(self.value)


# --------------------------------------------------------------------------------------------------------
# Arithmetic backends and input checks
# --------------------------------------------------------------------------------------------------------


class _Float:
    dps = None
    pi = math.pi
    euler = float(np.euler_gamma)

    @staticmethod
    def num(x):
        return float(x)

    @staticmethod
    def digamma(x):
        return float(special.digamma(x))

    @staticmethod
    def trigamma(x):
        return float(special.polygamma(1, x))

    @staticmethod
    def sqrt(x):
        return math.sqrt(x)


class _Mp:
    def __init__(self, dps: int):
        self.dps = dps

    pi = property(lambda self: +mpmath.pi)
    euler = property(lambda self: +mpmath.euler)

    @staticmethod
    def num(x):
        return mpmath.mpf(x)

    @staticmethod
    def digamma(x):
        return mpmath.digamma(x)

    @staticmethod
    def trigamma(x):
        return mpmath.psi(1, x)

    @staticmethod
    def sqrt(x):
        return mpmath.sqrt(x)


def _run(dps, fn):
    """``fn(ops)`` in float64 (``dps=None``) or inside ``mpmath.workdps(dps)``; mpf results rounded to dps."""
    if dps is None:
        return fn(_Float)
    if isinstance(dps, bool) or not isinstance(dps, int) or not 1 <= dps <= 1000:
        raise SpecError(f"dps must be an integer in [1, 1000] or None, got {dps!r}")
    with mpmath.workdps(dps + 10):
        out = fn(_Mp(dps))
    with mpmath.workdps(dps):
        if isinstance(out, WorkflowValue):
            parts = {k: (+v if isinstance(v, mpmath.mpf) else v) for k, v in out.parts.items()}
            return WorkflowValue(+out.value, parts, out.kind, out.result, dps)
        return +out


def _int(name: str, value, lo: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < lo:
        raise SpecError(f"{name} must be an integer >= {lo}, got {value!r}")
    return int(value)


def _nonneg(name: str, value) -> None:
    try:
        ok = math.isfinite(float(value)) and float(value) >= 0
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise SpecError(f"{name} must be a finite number >= 0, got {value!r}")


def _design(design: str) -> str:
    if design not in ("independent", "shared"):
        raise SpecError(f"design must be 'independent' or 'shared', got {design!r}")
    return design


def _unit(name: str, value, open_left: bool = False) -> None:
    _nonneg(name, value)
    v = float(value)
    if v > 1 or (open_left and v == 0):
        rng = "(0, 1]" if open_left else "[0, 1]"
        raise SpecError(f"{name} must lie in {rng}, got {value!r}")


def _spectrum(eigenvalues, coefficients=None, name="coefficients"):
    lam_j = np.asarray(eigenvalues, dtype=np.float64).ravel()
    if lam_j.size == 0 or not np.all(np.isfinite(lam_j)) or np.any(lam_j <= 0):
        raise SpecError("eigenvalues must be a non-empty array of positive finite numbers (Σ ≻ 0)")
    if coefficients is None:
        return lam_j, None
    cj = np.asarray(coefficients, dtype=np.float64).ravel()
    if cj.shape != lam_j.shape or not np.all(np.isfinite(cj)):
        raise SpecError(f"{name} must be {lam_j.size} finite numbers (one per eigenvalue), got shape {cj.shape}")
    return lam_j, cj


# --------------------------------------------------------------------------------------------------------
# The downstream ridge of the replace chain, reused: Prop 4.2 bias/variance and the Eq. 19 bracket
# --------------------------------------------------------------------------------------------------------


def _downstream(ops, lam_j, weights: dict, T: int, lam, sigma) -> dict:
    r"""Ridge on :math:`T` samples: κ (Eq. 9), df₂, and the spectral sums of ``weights`` (name → per-eigenvalue
    weights :math:`a_j`, returning :math:`\sum_j a_j\lambda_j/(\lambda_j+\kappa)^2`), plus

    ``num`` :math:`= \mathrm{df}_2 + \kappa^2\mathrm{tr}(\Sigma+\kappa)^{-2}\,\mathrm{df}_2/(T - \mathrm{df}_2)`, the
    deterministic equivalent of :math:`\mathbb E\,\mathrm{tr}\,\Sigma^{-1}\hat\Sigma R\Sigma\hat\Sigma R` (Eq. 19's
    bracket, Thm F.1), and ``g`` :math:`= \mathrm{df}_2/(T - \mathrm{df}_2)`.
    At :math:`\lambda = 0`, :math:`T \ge d + 2` everything is exact (κ = 0, ``num`` = d, variance
    :math:`\sigma^2 d/(T - d - 1)`, ``g`` :math:`= d/(T - d - 1)`).
    """
    d = lam_j.size
    T = _int("T", T, 1)
    _nonneg("lam", lam)
    _nonneg("sigma", sigma)
    if float(lam) == 0 and abs(T - d) <= 1:
        raise RegimeError(f"λ = 0 with T = {T}, d = {d}: the ridgeless error diverges for |T − d| <= 1; "
                          "use T <= d − 2, T >= d + 2 or λ > 0")
    s2 = ops.num(sigma) ** 2
    if float(lam) == 0 and T >= d + 2:
        g = ops.num(d) / (T - d - 1)
        out = {"kappa": 0 * g, "df2": ops.num(d), "num": ops.num(d), "g": g, "exact": True}
        out["variance"] = s2 * g
        for name, a in weights.items():
            out[name] = ops.num(0) if a is not None else None
        return out
    if ops.dps is None:
        kap = fp.kappa(float(lam), T, lam_j)
        rr = lam_j / (lam_j + kap)
        df2 = float(np.sum(rr * rr))
        tr2 = float(np.sum(1.0 / (lam_j + kap) ** 2))
        sums = {name: (None if a is None else float(np.sum(a * lam_j / (lam_j + kap) ** 2)))
                for name, a in weights.items()}
    else:
        u = [mpmath.mpf(x) for x in lam_j]
        kap = fp.kappa_mp(mpmath.mpf(lam), T, u, start=fp.kappa(float(lam), T, lam_j) or None)
        rr = [x / (x + kap) for x in u]
        df2 = mpmath.fdot(rr, rr)
        tr2 = mpmath.fsum(1 / (x + kap) ** 2 for x in u)
        sums = {name: (None if a is None else mpmath.fsum(mpmath.mpf(aj) * x / (x + kap) ** 2
                                                          for aj, x in zip(a, u)))
                for name, a in weights.items()}
    gap = T - df2
    if not gap > 0:
        raise RegimeError(f"T − df2(κ) = {float(gap):.3g} <= 0 at λ = {float(lam):g}, T = {T}, d = {d}: the "
                          "deterministic equivalent is singular")
    g = df2 / gap
    out = {"kappa": kap, "df2": df2, "g": g, "num": df2 + kap**2 * tr2 * g, "exact": False, "tr2": tr2}
    out["variance"] = s2 * g  # Prop 4.2: σ² (df2/T)/(1 − df2/T)
    out.update(sums)
    return out


def finite_size_scale(eigenvalues, T: int, lam, deteq: bool = False) -> float:
    r"""Scale :math:`1/(T - \mathrm{df}_2(\kappa))` of the :math:`O(1/d)` error of the ridge deterministic
    equivalents (the same scale as ``symcollapse.compare.finite_size_scale`` uses; see
    docs/theory/simulation.md). At :math:`\lambda = 0`, :math:`T \ge d + 2` the replace, accumulate and mix
    downstreams are exact (0 returned) unless ``deteq=True`` (the mixtures, whose formula stays a deterministic
    equivalent there: :math:`1/(T - d - 1)`)."""
    lam_j, _ = _spectrum(eigenvalues)
    d = lam_j.size
    if float(lam) == 0 and T >= d + 2:
        return 1.0 / (T - d - 1) if deteq else 0.0
    kap = fp.kappa(float(lam), T, lam_j)
    return 1.0 / (T - float(np.sum((lam_j / (lam_j + kap)) ** 2)))


# --------------------------------------------------------------------------------------------------------
# 1. Accumulate (Gerstgrasser et al., arXiv 2404.01413)
# --------------------------------------------------------------------------------------------------------


def accumulate_sum_expr(design: str = "independent", n: sp.Expr = S.n, T0: sp.Expr = S.T0,
                        d: sp.Expr = S.d) -> sp.Expr:
    r"""The defining sum of the accumulating chain's error, as an unevaluated ``Sum``:

    .. math:: s_n = \sum_{k=1}^{n}\frac{1}{k(kT_0 - d - 1)}\ \text{(independent)},\qquad
              s_n = \sum_{k=1}^{n}\frac{1}{k^2}\ \text{(shared)},

    so that :math:`\mathbb E\|\hat w_n - w_0\|_\Sigma^2 = \sigma_0^2 d\,s_n` (independent) or
    :math:`c\,s_n` (shared). Kind: exact (:math:`T_0 \ge d + 2`, any Σ; package derivation, docs/theory/workflows.md).
    """
    k = k_sym
    if _design(design) == "independent":
        return sp.Sum(1 / (k * (k * T0 - d - 1)), (k, 1, n))
    return sp.Sum(1 / k**2, (k, 1, n))


def accumulate_sum_closed(design: str = "independent", n: sp.Expr = S.n, T0: sp.Expr = S.T0,
                          d: sp.Expr = S.d) -> sp.Expr:
    r"""Closed form in :math:`n` of :func:`accumulate_sum_expr` (cost :math:`O(1)` in :math:`n`).

    Independent designs, with :math:`x = (d+1)/T_0 < 1` and the partial fractions
    :math:`\frac{1}{k(kT_0 - d - 1)} = \frac{1}{d+1}\big(\frac{1}{k - x} - \frac1k\big)`:

    .. math:: s_n = \frac{\psi(n + 1 - x) - \psi(1 - x) - \psi(n + 1) + \psi(1)}{d + 1}.

    Shared design: :math:`s_n = H_n^{(2)} = \pi^2/6 - \psi_1(n + 1)` (:math:`\psi_1` the trigamma function).
    """
    if _design(design) == "independent":
        x = (d + 1) / T0
        dg = lambda z: sp.polygamma(0, z)  # noqa: E731
        return (dg(n + 1 - x) - dg(1 - x) - dg(n + 1) + dg(1)) / (d + 1)
    return sp.pi**2 / 6 - sp.polygamma(1, n + 1)


def accumulate_error_expr(design: str = "independent", closed: bool = True) -> sp.Expr:
    r""":math:`\mathbb E\|\hat w_n - w_0\|_\Sigma^2` of the accumulating OLS chain, :math:`T_0 \ge d + 2`, any Σ:

    .. math:: \sigma_0^2 d\sum_{k\le n}\frac{1}{k(kT_0 - d - 1)}\ \text{(independent)},\qquad
              \frac{\sigma_0^2 d}{T_0 - d - 1}\sum_{k\le n}\frac1{k^2}\ \text{(shared)} .

    Kind: exact. ``closed=False`` returns the ``Sum``.
    """
    s = accumulate_sum_closed(design) if closed else accumulate_sum_expr(design)
    if design == "independent":
        return S.sigma0**2 * S.d * s
    return S.sigma0**2 * S.d / (S.T0 - S.d - 1) * s


def accumulate_limit_expr(design: str = "independent") -> sp.Expr:
    r"""Limit :math:`n\to\infty` of :func:`accumulate_error_expr`:
    :math:`\sigma_0^2\frac{d}{d+1}\big(-\gamma - \psi(1 - \frac{d+1}{T_0})\big)` (independent),
    :math:`\frac{\pi^2}{6}\,c` (shared). Both are :math:`\le \frac{\pi^2}{6}c`."""
    if _design(design) == "independent":
        x = (S.d + 1) / S.T0
        return S.sigma0**2 * S.d / (S.d + 1) * (-sp.EulerGamma - sp.polygamma(0, 1 - x))
    return sp.pi**2 / 6 * S.sigma0**2 * S.d / (S.T0 - S.d - 1)


def accumulate_n_eff_expr(design: str = "independent") -> sp.Expr:
    r""":math:`n_{\rm eff}` such that the accumulating chain's error covariance is the replace chain's at
    :math:`n_{\rm eff}` generations: :math:`(T_0 - d - 1)s_n` (independent), :math:`H_n^{(2)}` (shared)."""
    s = accumulate_sum_closed(design)
    return (S.T0 - S.d - 1) * s if design == "independent" else s


def _acc_sum(ops, d: int, T0: int, n: int, design: str):
    """s_n of :func:`accumulate_sum_closed`, numerically; direct summation for small n (more accurate)."""
    if n == 0:
        return ops.num(0)
    if design == "shared":
        if n <= 64:
            return sum((ops.num(1) / (kk * kk) for kk in range(1, n + 1)), ops.num(0))
        return ops.pi**2 / 6 - ops.trigamma(ops.num(n + 1))
    if n <= 64:
        return sum((ops.num(1) / (kk * (kk * T0 - d - 1)) for kk in range(1, n + 1)), ops.num(0))
    x = ops.num(d + 1) / T0
    return (ops.digamma(n + 1 - x) - ops.digamma(1 - x) - ops.digamma(ops.num(n + 1)) - ops.euler) / (d + 1)


def _acc_tail(ops, d: int, T0: int, k0: int, n: int):
    r""":math:`\sum_{k=k_0}^{n}\frac{1}{k(kT_0 - d - 1)}` for :math:`k_0T_0 \ge d + 2`, via digamma (O(1) in n)."""
    if n - k0 < 64:
        return sum((ops.num(1) / (kk * (kk * T0 - d - 1)) for kk in range(k0, n + 1)), ops.num(0))
    x = ops.num(d + 1) / T0
    return (ops.digamma(n + 1 - x) - ops.digamma(k0 - x) - ops.digamma(ops.num(n + 1))
            + ops.digamma(ops.num(k0))) / (d + 1)


def _check_acc(d, T0, n, sigma0, design):
    _int("d", d, 1)
    _int("T0", T0, 1)
    _int("n", n, 0)
    _nonneg("sigma0", sigma0)
    _design(design)


def accumulate_sum(d: int, T0: int, n: int, design: str = "independent", dps: int | None = None):
    r"""Numeric :math:`s_n` (:func:`accumulate_sum_closed`); :math:`O(1)` in :math:`n`. Needs :math:`T_0 \ge d+2`."""
    _check_acc(d, T0, n, 0, design)
    if T0 < d + 2:
        raise RegimeError(f"accumulate: the closed form needs T0 >= d + 2, got T0 = {T0}, d = {d}")
    return _run(dps, lambda ops: _acc_sum(ops, d, T0, n, design))


def accumulate_n_eff(d: int, T0: int, n: int, design: str = "independent", dps: int | None = None):
    r""":math:`n_{\rm eff}` of :func:`accumulate_n_eff_expr`; bounded by :math:`\pi^2/6` for both designs
    (:math:`kT_0 - d - 1 \ge k(T_0 - d - 1)`)."""
    s = accumulate_sum(d, T0, n, design, dps)
    return s * (T0 - d - 1) if design == "independent" else s


def _v_minnorm(ops, lam_j, m: int, iso: bool):
    r""":math:`\mathbb E\,\mathrm{tr}\,\Sigma(X^\top X)^\dagger` for :math:`m` rows: exact
    :math:`d/(m - d - 1)` (:math:`m \ge d+2`, Lemma F.3) or :math:`m/(d - m - 1)` (:math:`m \le d - 2`,
    :math:`\Sigma = sI`: inverse Wishart of :math:`XX^\top`); else the ridgeless Prop 4.2 variance
    :math:`\mathrm{df}_2/(m - \mathrm{df}_2)` at :math:`\kappa(0, m)`. Returns (value, exact)."""
    d = lam_j.size
    if m >= d + 2:
        return ops.num(d) / (m - d - 1), True, 0.0
    if abs(m - d) <= 1:
        raise RegimeError(f"accumulate: a stage with {m} accumulated samples and d = {d} has infinite expected "
                          "error (E tr(XᵀX)^† diverges for |m − d| <= 1)")
    if iso:
        return ops.num(m) / (d - m - 1), True, 0.0
    kap = fp.kappa(0.0, m, lam_j)
    if ops.dps is None:
        df2 = float(np.sum((lam_j / (lam_j + kap)) ** 2))
    else:
        u = [mpmath.mpf(x) for x in lam_j]
        kap = fp.kappa_mp(0, m, u, start=kap)
        df2 = mpmath.fsum((x / (x + kap)) ** 2 for x in u)
    return df2 / (m - df2), False, 1.0 / (m - float(df2))


def _bias_minnorm(ops, lam_j, cj, T0: int, iso: bool):
    r""":math:`\mathbb E\|(I - P)w_0\|_\Sigma^2`, :math:`P` the projector on the row space of :math:`T_0 < d` rows:
    :math:`(1 - T_0/d)\|w_0\|_\Sigma^2` for :math:`\Sigma = sI` (exact, :math:`\mathbb E P = (T_0/d)I`), else the
    ridgeless Prop 4.2 bias :math:`\kappa_0^2 w_0^\top\Sigma(\Sigma+\kappa_0)^{-2}w_0\,T_0/(T_0 - \mathrm{df}_2(\kappa_0))`."""
    d = lam_j.size
    if ops.dps is None:
        sig = float(np.sum(lam_j * cj**2))
        if iso:
            return sig * (1 - T0 / d)
        k0 = fp.kappa(0.0, T0, lam_j)
        df2 = float(np.sum((lam_j / (lam_j + k0)) ** 2))
        return k0**2 * float(np.sum(lam_j * cj**2 / (lam_j + k0) ** 2)) * T0 / (T0 - df2)
    u = [mpmath.mpf(x) for x in lam_j]
    c2 = [mpmath.mpf(x) ** 2 for x in cj]
    sig = mpmath.fdot(u, c2)
    if iso:
        return sig * (1 - mpmath.mpf(T0) / d)
    k0 = fp.kappa_mp(0, T0, u, start=fp.kappa(0.0, T0, lam_j))
    df2 = mpmath.fsum((x / (x + k0)) ** 2 for x in u)
    return k0**2 * mpmath.fsum(a * x / (x + k0) ** 2 for a, x in zip(c2, u)) * T0 / (T0 - df2)


def accumulate_chain_error(d: int, T0: int, n: int, sigma0, design: str = "independent", eigenvalues=None,
                           coefficients=None, dps: int | None = None) -> WorkflowValue:
    r"""Expected error :math:`\mathbb E\|\hat w_n - w_0\|_\Sigma^2` of the accumulating chain (generation
    :math:`k` = OLS / minimum-norm fit on blocks :math:`1..k`; block 1 real, block :math:`j` labelled by
    :math:`\hat w_{j-1}`).

    * :math:`T_0 \ge d + 2` (any Σ; ``eigenvalues`` not needed): exact,
      :math:`\sigma_0^2 d\,s_n` (independent) or :math:`c\,H^{(2)}_n` (shared), :func:`accumulate_sum_closed`.
    * :math:`T_0 < d` (package derivation; needs ``eigenvalues`` and ``coefficients``): the row spaces of the
      stacked designs are nested, so the noiseless part freezes at generation 1,
      :math:`\hat w_n = P_1 w_0 + \sum_k \eta_k` with
      independent designs :math:`\eta_k = S_k^\dagger X_k^\top\varepsilon_k` and
      :math:`\mathbb E\|\eta_k\|_\Sigma^2 = \sigma_0^2 V(kT_0)/k`; shared design
      :math:`\eta_k = X^\dagger\varepsilon_k/k`, i.e. :math:`\sigma_0^2 V(T_0)H_n^{(2)}`. Here
      :math:`V(m) = \mathbb E\,\mathrm{tr}\,\Sigma(X^\top X)^\dagger` on :math:`m` rows and the bias is
      :math:`\mathbb E\|(I-P_1)w_0\|_\Sigma^2`. Exact for :math:`\Sigma = sI`; deterministic equivalent otherwise.
      A stage with :math:`|kT_0 - d| \le 1` (and :math:`\sigma_0 > 0`) has infinite expectation: ``RegimeError``.
    """
    _check_acc(d, T0, n, sigma0, design)

    def run(ops):
        s02 = ops.num(sigma0) ** 2
        if n == 0:
            return WorkflowValue(ops.num(0), {"bias": ops.num(0), "noise": ops.num(0)}, EXACT, "n = 0")
        if T0 >= d + 2:
            s = _acc_sum(ops, d, T0, n, design)
            noise = s02 * d * s if design == "independent" else s02 * d / (T0 - d - 1) * s
            return WorkflowValue(noise, {"bias": ops.num(0), "noise": noise, "s_n": s}, EXACT,
                                 "accumulate, T0 >= d + 2 (package derivation)")
        if float(sigma0) == 0 and T0 >= d:  # noiseless, full column rank: ŵ_k = w0 for every k
            return WorkflowValue(ops.num(0), {"bias": ops.num(0), "noise": ops.num(0)}, EXACT,
                                 "accumulate, σ0 = 0, T0 >= d")
        if T0 >= d - 1 and float(sigma0) > 0:
            raise RegimeError(f"accumulate with T0 = {T0}, d = {d}: E tr(X1ᵀX1)^† is infinite for |T0 − d| <= 1 "
                              "and T0 = d + 1; use T0 >= d + 2 or T0 <= d − 2")
        if eigenvalues is None or coefficients is None:
            raise SpecError("accumulate with T0 < d needs eigenvalues and coefficients (the bias depends on Σ, w0)")
        lam_j, cj = _spectrum(eigenvalues, coefficients)
        if lam_j.size != d:
            raise SpecError(f"eigenvalues has {lam_j.size} entries but d = {d}")
        iso = bool(np.ptp(lam_j) == 0)
        bias = _bias_minnorm(ops, lam_j, cj, T0, iso)
        exact = iso
        # finite-size scale of the deterministic equivalents used (0 if all exact): the largest
        # 1/(m − df2(κ(0, m))) over the ridgeless stages, as for the replace chain (docs/theory/simulation.md)
        g = 0.0 if iso else 1.0 / (T0 - fp.df(2, fp.kappa(0.0, T0, lam_j), lam_j))
        noise = ops.num(0)
        if float(sigma0) > 0:
            if design == "shared":
                v, ex, gk = _v_minnorm(ops, lam_j, T0, iso)
                noise = s02 * v * _acc_sum(ops, d, d + 2, n, "shared")
                exact, g = exact and ex, max(g, gk)
            else:
                # stages with k·T0 < d + 2 one by one (fewer than (d + 2)/T0 of them), then the exact
                # digamma tail Σ_{k0<=k<=n} d/(k(kT0 − d − 1)): O(d/T0) whatever n
                k0 = min(n + 1, -(-(d + 2) // T0))
                for kk in range(1, k0):
                    v, ex, gk = _v_minnorm(ops, lam_j, kk * T0, iso)
                    noise = noise + s02 * v / kk
                    exact, g = exact and ex, max(g, gk)
                if k0 <= n:
                    noise = noise + s02 * d * _acc_tail(ops, d, T0, k0, n)
        return WorkflowValue(bias + noise, {"bias": bias, "noise": noise, "g": g}, EXACT if exact else DETEQ,
                             "accumulate, T0 < d (package derivation; ridgeless Prop 4.2 if Σ ≠ sI)")

    return _run(dps, run)


def accumulate_limit(d: int, T0: int, sigma0, design: str = "independent", dps: int | None = None):
    r""":math:`\lim_{n\to\infty}\mathbb E\|\hat w_n - w_0\|_\Sigma^2` (:func:`accumulate_limit_expr`), :math:`T_0 \ge d+2`."""
    _check_acc(d, T0, 0, sigma0, design)
    if T0 < d + 2:
        raise RegimeError(f"accumulate_limit needs T0 >= d + 2, got T0 = {T0}, d = {d}")

    def run(ops):
        s02 = ops.num(sigma0) ** 2
        if design == "shared":
            return ops.pi**2 / 6 * s02 * d / (T0 - d - 1)
        x = ops.num(d + 1) / T0
        return s02 * ops.num(d) / (d + 1) * (-ops.euler - ops.digamma(1 - x))

    return _run(dps, run)


def accumulate_bound(d: int, T0: int, sigma0, dps: int | None = None):
    r"""The :math:`\pi^2/6` bound :math:`\frac{\pi^2}{6}\,\sigma_0^2 d/(T_0 - d - 1)`, valid for every :math:`n` and
    both designs (Gerstgrasser et al.; independent: :math:`kT_0 - d - 1 \ge k(T_0 - d - 1)`)."""
    return accumulate_limit(d, T0, sigma0, "shared", dps)


def _collapse_downstream(ops, eigenvalues, coefficients, T, lam, sigma, cov_scale, result, chain_exact=True,
                         extra=None):
    r"""Downstream ridge after a chain with :math:`\mathbb E\,(\hat w_n - w_0) = 0`, :math:`\hat w_n` independent
    of the downstream data and :math:`\mathbb E\,\mathrm{Cov}(\hat w_n - w_0) = v\Sigma^{-1}`:
    :math:`E = \mathrm{Bias} + \mathrm{Var} + v\cdot\mathrm{num}`; with :math:`v = n\sigma_0^2/(T_0 - d - 1)` this is
    Cor 4.4 / Thm F.1 (finite normalisation). Exact iff the downstream is (λ = 0, T ≥ d + 2)."""
    lam_j, cj = _spectrum(eigenvalues, coefficients)
    dn = _downstream(ops, lam_j, {"btr": cj**2}, T, lam, sigma)
    kap = dn["kappa"]
    bias = ops.num(0) if dn["exact"] else kap**2 * dn["btr"] * (1 + dn["g"])  # /(1 − df2/T) = 1 + g
    collapse = cov_scale * dn["num"]
    parts = {"bias": bias, "variance": dn["variance"], "collapse": collapse, "kappa": kap, "df2": dn["df2"],
             "cov_scale": cov_scale, **(extra or {})}
    kind = EXACT if (dn["exact"] and chain_exact) else DETEQ
    return WorkflowValue(bias + dn["variance"] + collapse, parts, kind, result)


def accumulate_downstream(eigenvalues, coefficients, T0: int, n: int, sigma0, design: str, T: int, lam, sigma,
                          dps: int | None = None) -> WorkflowValue:
    r"""Downstream ridge test error after an accumulating chain, :math:`T_0 \ge d + 2`, any Σ:

    .. math:: E = \mathrm{Bias} + \mathrm{Var} + n_{\rm eff}\,\sigma_0^2\rho,\qquad
              \rho = \frac{\mathrm{df}_2 + \kappa^2\mathrm{tr}(\Sigma+\kappa)^{-2}\frac{\mathrm{df}_2}{T - \mathrm{df}_2}}{T_0 - d - 1},

    Cor 4.4 (Eq. 19, finite normalisation of Thm F.1) with :math:`n \to n_{\rm eff}` (:func:`accumulate_n_eff`).
    The substitution is exact in expectation for any ridge: the collapse term is
    :math:`\mathrm{tr}\,\mathrm{Cov}(\hat w_n - w_0)\,\mathbb E[\hat\Sigma R\Sigma R\hat\Sigma]`, linear in the chain's
    covariance, which is :math:`n_{\rm eff}\sigma_0^2\Sigma^{-1}/(T_0 - d - 1)`. Kind: exact at :math:`\lambda = 0`,
    :math:`T \ge d + 2`; otherwise that of Cor 4.4 (deterministic equivalent).
    """
    lam_j, _ = _spectrum(eigenvalues, coefficients)
    d = lam_j.size
    _check_acc(d, T0, n, sigma0, design)
    if T0 < d + 2 and n > 0 and float(sigma0) > 0:
        raise RegimeError(f"accumulate downstream: the formula needs T0 >= d + 2 (got T0 = {T0}, d = {d}); for "
                          "T0 < d the chain is biased and its covariance is not ∝ Σ⁻¹: simulation only")

    def run(ops):
        if n == 0 or float(sigma0) == 0:
            n_eff, v = ops.num(0), ops.num(0)
        else:
            s = _acc_sum(ops, d, T0, n, design)
            n_eff = s * (T0 - d - 1) if design == "independent" else s
            v = ops.num(sigma0) ** 2 * n_eff / (T0 - d - 1)
        return _collapse_downstream(ops, eigenvalues, coefficients, T, lam, sigma, v,
                                    "Cor 4.4 (Eq. 19) with n → n_eff (accumulate; package derivation)",
                                    extra={"n_eff": n_eff})

    return _run(dps, run)


# --------------------------------------------------------------------------------------------------------
# 2. Fresh real labels each round: the mix chain (Garg–Bhattacharya–Sur; He–Xu–Cheng)
# --------------------------------------------------------------------------------------------------------


def mix_recursion(n: int, w: sp.Expr = w_sym, c_real: sp.Expr | None = None, c_syn: sp.Expr | None = None):
    r"""The exact recursion, unrolled :math:`n` times (SymPy): :math:`a_1 = c_r`,
    :math:`a_k = (1-w)^2a_{k-1} + w^2c_r + (1-w)^2c_s`. Defaults :math:`c_r = c_s = c`."""
    c = sp.Symbol("c", positive=True)
    c_real = c if c_real is None else c_real
    c_syn = c_real if c_syn is None else c_syn
    a = c_real
    for _ in range(2, n + 1):
        a = (1 - w) ** 2 * a + w**2 * c_real + (1 - w) ** 2 * c_syn
    return a


def mix_error_expr(n: sp.Expr = S.n, w: sp.Expr = w_sym, c_real: sp.Expr | None = None,
                   c_syn: sp.Expr | None = None) -> sp.Expr:
    r"""Closed form in :math:`n` of the mix chain's error (:math:`0 < w \le 1`), :math:`q = w^2c_r + (1-w)^2c_s`:

    .. math:: \mathbb E\|e_n\|_\Sigma^2 = (1-w)^{2(n-1)}c_r + q\,\frac{1 - (1-w)^{2(n-1)}}{w(2-w)} .

    Equal sizes (:math:`c_r = c_s = c = \sigma_0^2 d/(T_0 - d - 1)`): the label-mixing chain, either design.
    Kind: exact (:math:`T_0 \ge d + 2`).
    """
    c = sp.Symbol("c", positive=True)
    c_real = c if c_real is None else c_real
    c_syn = c_real if c_syn is None else c_syn
    r2 = (1 - w) ** 2
    q = w**2 * c_real + r2 * c_syn
    return r2 ** (n - 1) * c_real + q * (1 - r2 ** (n - 1)) / (w * (2 - w))


def mix_limit_expr(w: sp.Expr = w_sym, c_real: sp.Expr | None = None, c_syn: sp.Expr | None = None) -> sp.Expr:
    r""":math:`\lim_n\mathbb E\|e_n\|_\Sigma^2 = \frac{w^2c_r + (1-w)^2c_s}{w(2-w)}`; equal sizes
    :math:`\frac{w^2 + (1-w)^2}{w(2-w)}c`."""
    c = sp.Symbol("c", positive=True)
    c_real = c if c_real is None else c_real
    c_syn = c_real if c_syn is None else c_syn
    return (w**2 * c_real + (1 - w) ** 2 * c_syn) / (w * (2 - w))


def golden_weight(k: sp.Expr = 1) -> sp.Expr:
    r"""The optimal real weight :math:`w^\star(k) = (\sqrt{k^2 + 4k} - k)/2`, the positive root of
    :math:`w^2 + kw - k = 0` (stationarity of :func:`mix_limit_expr` with :math:`c_s = k\,c_r`);
    :math:`k = 1`: the reciprocal golden ratio :math:`(\sqrt5 - 1)/2`. At :math:`w^\star` the limit equals
    :math:`w^\star c_r` (He, Xu & Cheng, arXiv 2502.18049; re-derived in derivations/mix_golden.py)."""
    k = sp.sympify(k)
    return (sp.sqrt(k**2 + 4 * k) - k) / 2


def optimal_real_weight(k=1, symbolic: bool = True, T_real: int | None = None, T_syn: int | None = None,
                        d: int | None = None):
    r"""The real-data weight minimising the mix chain's limit error.

    Parameters
    ----------
    k : number or SymPy expression, default 1
        :math:`k = c_s/c_r`, the ratio of one synthetic to one real fit's error. With sizes given
        (``T_real``, ``T_syn``, ``d``), :math:`k = (T_{real} - d - 1)/(T_{syn} - d - 1)` exactly
        (≈ :math:`n_{real}/m_{syn}`, He–Xu–Cheng's ratio).
    symbolic : bool
        ``True``: the SymPy closed form :func:`golden_weight`; ``False``: a float.
    """
    if T_real is not None or T_syn is not None:
        if T_real is None or T_syn is None or d is None:
            raise SpecError("optimal_real_weight: give T_real, T_syn and d together")
        for name, val in (("T_real", T_real), ("T_syn", T_syn)):
            if _int(name, val, 1) < d + 2:
                raise RegimeError(f"optimal_real_weight: {name} = {val} must be >= d + 2 = {d + 2}")
        k = sp.Rational(T_real - d - 1, T_syn - d - 1)
    if not isinstance(k, sp.Basic):
        _nonneg("k", k)
        if float(k) <= 0:
            raise SpecError(f"k must be > 0, got {k!r}")
        k = sp.nsimplify(k) if isinstance(k, int) else k
    expr = golden_weight(k)
    return expr if symbolic else float(expr)


def _check_mix(d, T0, n, sigma0, w, T_real):
    _int("d", d, 1)
    _int("T0", T0, 1)
    _int("n", n, 0)
    _nonneg("sigma0", sigma0)
    _unit("real_weight", w)
    Tr = T0 if T_real is None else _int("T_real", T_real, 1)
    for name, val in (("T0", T0), ("T_real", Tr)):
        if n > 0 and float(sigma0) > 0 and val < d + 2:
            raise RegimeError(f"mix chain: the exact recursion needs {name} >= d + 2, got {val} (d = {d}); "
                              "for T0 < d or ridge inside the chain: simulation only")
    return Tr


def _mix_a(ops, d, T0, n, sigma0, w, Tr):
    """(a_n, c_r): closed form of :func:`mix_error_expr` (w = 0: the replace chain, n·c)."""
    s02 = ops.num(sigma0) ** 2
    cs = s02 * d / (T0 - d - 1)
    cr = s02 * d / (Tr - d - 1)
    if n == 0:
        return ops.num(0), cr
    w = ops.num(w)
    r2 = (1 - w) ** 2
    q = w**2 * cr + r2 * cs
    if w == 0:
        return cr + (n - 1) * cs, cr
    return r2 ** (n - 1) * cr + q * (1 - r2 ** (n - 1)) / (w * (2 - w)), cr


def mix_chain_error(d: int, T0: int, n: int, sigma0, real_weight, T_real: int | None = None,
                    dps: int | None = None) -> WorkflowValue:
    r""":math:`\mathbb E\|\hat w_n - w_0\|_\Sigma^2` of the mix chain (round 1 real; round :math:`k \ge 2` labels
    :math:`w(Xw_0 + \varepsilon_{real}) + (1-w)(X\hat w_{k-1} + \varepsilon_{syn})`), :math:`T_0 \ge d + 2`, either
    design, any Σ: :func:`mix_error_expr` with :math:`c_r = c_s = c`. ``T_real`` (default :math:`T_0`): the
    model-averaging variant :math:`\hat w_k = w\,X_{r}^\dagger y_r + (1-w)X_s^\dagger y_s` with real fits on
    ``T_real`` rows, :math:`c_r = \sigma_0^2 d/(T_{real} - d - 1)`. Kind: exact (package derivation)."""
    Tr = _check_mix(d, T0, n, sigma0, real_weight, T_real)

    def run(ops):
        a, cr = _mix_a(ops, d, T0, n, sigma0, real_weight, Tr)
        return WorkflowValue(a, {"c_real": cr, "n_eff": (a * (T0 - d - 1) / (ops.num(sigma0) ** 2 * d)
                                                          if float(sigma0) > 0 else ops.num(0))},
                             EXACT, "mix chain recursion (package derivation)")

    return _run(dps, run)


def mix_limit(d: int, T0: int, sigma0, real_weight, T_real: int | None = None, dps: int | None = None):
    r""":func:`mix_limit_expr` numerically (:math:`w > 0`)."""
    Tr = _check_mix(d, T0, 1, sigma0, real_weight, T_real)
    _unit("real_weight", real_weight, open_left=True)

    def run(ops):
        s02 = ops.num(sigma0) ** 2
        cs, cr = s02 * d / (T0 - d - 1), s02 * d / (Tr - d - 1)
        w = ops.num(real_weight)
        return (w**2 * cr + (1 - w) ** 2 * cs) / (w * (2 - w))

    return _run(dps, run)


def mix_downstream(eigenvalues, coefficients, T0: int, n: int, sigma0, real_weight, T: int, lam, sigma,
                   dps: int | None = None) -> WorkflowValue:
    r"""Downstream ridge after the (equal-size) mix chain: :math:`\mathbb E\,\mathrm{Cov}(e_n) = a_n\Sigma^{-1}/d`
    (mean zero, either design), so Cor 4.4 with :math:`n \to n_{\rm eff} = a_n/c` is exact in expectation given ρ."""
    lam_j, _ = _spectrum(eigenvalues, coefficients)
    d = lam_j.size
    _check_mix(d, T0, n, sigma0, real_weight, None)

    def run(ops):
        a, _ = _mix_a(ops, d, T0, n, sigma0, real_weight, T0)
        return _collapse_downstream(ops, eigenvalues, coefficients, T, lam, sigma, a / d,
                                    "Cor 4.4 (Eq. 19) with n → n_eff (mix chain; package derivation)",
                                    extra={"chain_error": a})

    return _run(dps, run)


# --------------------------------------------------------------------------------------------------------
# 3. Mixtures downstream: Strong Model Collapse (Dohmatob, Feng, Subramonian & Kempe, arXiv 2410.04840)
# --------------------------------------------------------------------------------------------------------


def realised_fraction(p, T: int) -> tuple[int, Any]:
    r"""Real samples :math:`T_{real} = \lfloor pT\rceil = \lfloor pT + 1/2\rfloor` and the realised fraction
    :math:`T_{real}/T` (a ``Fraction``-free float/Rational pair: ``(T_real, sympy.Rational(T_real, T))``)."""
    _unit("real_fraction", p)
    T = _int("T", T, 1)
    Tr = int(math.floor(float(p) * T + 0.5))
    return Tr, sp.Rational(Tr, T)


def mixture_expr(p: sp.Expr = p_sym) -> sp.Expr:
    r"""Deterministic equivalent of the ridge error on a real/synthetic mixture (SymPy, spectral sums):

    .. math:: E \simeq \|\Sigma(\Sigma+\kappa)^{-1}\bar w - w_0\|_\Sigma^2 + \big[\kappa^2\|(\Sigma+\kappa)^{-1}\bar w\|_\Sigma^2
              + \sigma^2 + pp_2\|\Delta\|_\Sigma^2\big]\frac{\mathrm{df}_2}{T - \mathrm{df}_2},

    :math:`\bar w = w_0 + p_2\Delta`, :math:`p_2 = 1 - p`, :math:`\kappa = \kappa(\lambda, T)` (Eq. 9), coordinates
    ``c[j]`` of :math:`w_0` and ``Delta[j]`` of Δ. Kind: deterministic equivalent (package derivation,
    docs/theory/workflows.md). :math:`p = 1`: Prop 4.2.
    """
    p2 = 1 - p
    kap, lj, T = S.kappa, ev[j], S.T
    wb = c_sym[j] + p2 * Delta[j]
    df2 = F.df_sum(2, kap)
    g = df2 / (T - df2)
    first = sp.Sum(lj * (lj * wb / (lj + kap) - c_sym[j]) ** 2, (j, 1, S.d))
    second = kap**2 * sp.Sum(lj * wb**2 / (lj + kap) ** 2, (j, 1, S.d))
    dnorm = sp.Sum(lj * Delta[j] ** 2, (j, 1, S.d))
    return first + (second + S.sigma**2 + p * p2 * dnorm) * g


def mixture_floor_expr(p: sp.Expr = p_sym) -> sp.Expr:
    r"""The synthetic part of the :math:`T\to\infty` limit (κ → λ, df₂/T → 0):
    :math:`p_2^2\Delta^\top\Sigma^3(\Sigma+\lambda)^{-2}\Delta`; at :math:`\lambda = 0`: :math:`p_2^2\|\Delta\|_\Sigma^2`."""
    return (1 - p) ** 2 * sp.Sum(ev[j] ** 3 * Delta[j] ** 2 / (ev[j] + S.lam) ** 2, (j, 1, S.d))


def mixture_chain_expr(p: sp.Expr = p_sym, v: sp.Expr = v_sym) -> sp.Expr:
    r""":func:`mixture_expr` averaged over a chain source, :math:`\Delta = \hat w_n - w_0` with
    :math:`\mathbb E\Delta = 0`, :math:`\mathrm{Cov}\,\Delta = v\Sigma^{-1}` (replace chain:
    :math:`v = n\sigma_0^2/(T_0 - d - 1)`):

    .. math:: E \simeq \mathrm{Bias} + \mathrm{Var} + v\Big[p_2^2\,\mathrm{df}_2 + \big(p_2^2\kappa^2\mathrm{tr}(\Sigma+\kappa)^{-2}
              + p p_2 d\big)\frac{\mathrm{df}_2}{T - \mathrm{df}_2}\Big],

    (package derivation). :math:`p = 0` gives the replace chain's Cor 4.4 (finite normalisation)."""
    p2 = 1 - p
    kap = S.kappa
    df2 = F.df_sum(2, kap)
    g = df2 / (S.T - df2)
    clean = F.bias_prop42() + F.variance_prop42()
    return clean + v * (p2**2 * df2 + (p2**2 * kap**2 * F.trace_resolvent_sq(kap) + p * p2 * S.d) * g)


def _check_mixture(eigenvalues, coefficients, delta, T, p):
    lam_j, cj = _spectrum(eigenvalues, coefficients)
    if delta is not None:
        _, dj = _spectrum(eigenvalues, delta, name="delta")
    else:
        dj = None
    Tr, frac = realised_fraction(p, T)
    return lam_j, cj, dj, Tr


def mixture_downstream(eigenvalues, coefficients, delta, T: int, lam, sigma, real_fraction,
                       dps: int | None = None) -> WorkflowValue:
    r"""Ridge test error on :math:`T` samples of which :math:`T_{real} = \lfloor pT\rceil` are labelled by
    :math:`w_0` and the rest by :math:`w_0 + \Delta` (a fixed shift), noise σ, error against :math:`w_0`:
    :func:`mixture_expr` at the realised fraction :math:`T_{real}/T`. Kind: deterministic equivalent."""
    lam_j, cj, dj, Tr = _check_mixture(eigenvalues, coefficients, delta, T, real_fraction)

    def run(ops):
        p = ops.num(Tr) / T
        p2 = 1 - p
        if ops.dps is None:
            wb = cj + float(p2) * dj
            dnorm = float(np.sum(lam_j * dj**2))
            kap_f = fp.kappa(float(lam), T, lam_j) if not (float(lam) == 0 and T >= lam_j.size + 2) else 0.0
            first = float(np.sum(lam_j * (lam_j * wb / (lam_j + kap_f) - cj) ** 2))
            wts = {"wb": wb**2}
        else:
            wb = [mpmath.mpf(a) + p2 * mpmath.mpf(b) for a, b in zip(cj, dj)]
            dnorm = mpmath.fsum(mpmath.mpf(x) * mpmath.mpf(b) ** 2 for x, b in zip(lam_j, dj))
            wts = {"wb": [x**2 for x in wb]}
        dn = _downstream(ops, lam_j, wts, T, lam, sigma)
        kap = dn["kappa"]
        if ops.dps is not None:
            first = mpmath.fsum(mpmath.mpf(x) * (mpmath.mpf(x) * b / (mpmath.mpf(x) + kap) - mpmath.mpf(a)) ** 2
                                for x, a, b in zip(lam_j, cj, wb))
        second = kap**2 * dn["wb"] if not dn["exact"] else ops.num(0)
        g = dn["g"]
        value = first + (second + ops.num(sigma) ** 2 + p * p2 * dnorm) * g
        parts = {"mean_part": first, "variance_part": value - first, "kappa": kap, "df2": dn["df2"],
                 "T_real": Tr, "p": p}
        return WorkflowValue(value, parts, DETEQ, "mixture deterministic equivalent (package derivation)")

    return _run(dps, run)


def mixture_limit(eigenvalues, coefficients, delta, lam, real_fraction, dps: int | None = None):
    r""":math:`T\to\infty` limit at fixed λ: :math:`\|\Sigma(\Sigma+\lambda)^{-1}\bar w - w_0\|_\Sigma^2`
    (clean bias, cross term and :func:`mixture_floor`); at λ = 0 it is :math:`p_2^2\|\Delta\|_\Sigma^2`."""
    lam_j, cj = _spectrum(eigenvalues, coefficients)
    _, dj = _spectrum(eigenvalues, delta, name="delta")
    _unit("real_fraction", real_fraction)
    _nonneg("lam", lam)

    def run(ops):
        p2 = 1 - ops.num(real_fraction)
        L = ops.num(lam)
        return sum((ops.num(x) * (ops.num(x) * (ops.num(a) + p2 * ops.num(b)) / (ops.num(x) + L) - ops.num(a)) ** 2
                    for x, a, b in zip(lam_j, cj, dj)), ops.num(0))

    return _run(dps, run)


def mixture_floor(eigenvalues, delta, lam, real_fraction, dps: int | None = None):
    r""":math:`p_2^2\Delta^\top\Sigma^3(\Sigma+\lambda)^{-2}\Delta` (:func:`mixture_floor_expr`): the part of the
    :math:`T\to\infty` limit due to the synthetic data; no amount of data removes it."""
    lam_j, dj = _spectrum(eigenvalues, delta, name="delta")
    _unit("real_fraction", real_fraction)
    _nonneg("lam", lam)

    def run(ops):
        p2 = 1 - ops.num(real_fraction)
        L = ops.num(lam)
        return p2**2 * sum((ops.num(x) ** 3 * ops.num(b) ** 2 / (ops.num(x) + L) ** 2 for x, b in zip(lam_j, dj)),
                           ops.num(0))

    return _run(dps, run)


def chain_cov_scale(workflow: str, d: int, T0: int, n: int, sigma0, design: str = "independent",
                    real_weight=None, dps: int | None = None, T_real: int | None = None):
    r"""The scale :math:`v` of :math:`\mathbb E\,\mathrm{Cov}(\hat w_n - w_0) = v\Sigma^{-1}` of an OLS chain with
    :math:`T_0 \ge d + 2` (mean zero for all three):
    ``"replace"`` :math:`n\sigma_0^2/(T_0 - d - 1)` (Thm 4.1's proof), ``"accumulate"``
    :math:`n_{\rm eff}\sigma_0^2/(T_0 - d - 1) = \sigma_0^2 s_n` (independent) or :math:`\sigma_0^2H_n^{(2)}/(T_0-d-1)`
    (shared), ``"mix"`` :math:`a_n/d` (:func:`mix_chain_error`; ``T_real`` for the model-averaging variant).
    Why :math:`\propto\Sigma^{-1}`: every fit adds :math:`(X^\top X)^{-1}X^\top\varepsilon` (or a sum of them with
    deterministic weights), whose whitened covariance is rotation invariant, hence a multiple of :math:`I`."""
    _check_acc(d, T0, n, sigma0, design)
    if workflow == "mix" and T_real:
        _check_mix(d, T0, n, sigma0, 0 if real_weight is None else real_weight, T_real)
    if n > 0 and float(sigma0) > 0 and T0 < d + 2:
        raise RegimeError(f"chain_cov_scale needs T0 >= d + 2 (got T0 = {T0}, d = {d}): for T0 < d the chain "
                          "is biased and its covariance is not ∝ Σ⁻¹")

    def run(ops):
        s02 = ops.num(sigma0) ** 2
        if workflow == "replace":
            return s02 * n / (T0 - d - 1) if n else ops.num(0)
        if workflow == "accumulate":
            s = _acc_sum(ops, d, T0, n, design)
            return s02 * (s if design == "independent" else s / (T0 - d - 1))
        if workflow == "mix":
            if real_weight is None:
                raise SpecError("chain_cov_scale('mix', ...) needs real_weight")
            _unit("real_weight", real_weight)
            return _mix_a(ops, d, T0, n, sigma0, real_weight, T_real or T0)[0] / d
        raise SpecError(f"workflow must be 'replace', 'accumulate' or 'mix', got {workflow!r}")

    return _run(dps, run)


def mixture_chain_downstream(eigenvalues, coefficients, T: int, lam, sigma, real_fraction, cov_scale,
                             dps: int | None = None) -> WorkflowValue:
    r"""Ridge on a mixture whose synthetic labels come from a chain: :func:`mixture_chain_expr` with
    :math:`v` = ``cov_scale`` (:func:`chain_cov_scale`), at the realised fraction. Kind: deterministic
    equivalent (exact at λ = 0, T ≥ d + 2 only for :math:`p \in \{0, 1\}`)."""
    lam_j, cj, _, Tr = _check_mixture(eigenvalues, coefficients, None, T, real_fraction)
    _nonneg("cov_scale", cov_scale)
    d = lam_j.size

    def run(ops):
        p = ops.num(Tr) / T
        p2 = 1 - p
        v = ops.num(cov_scale)
        dn = _downstream(ops, lam_j, {"btr": cj**2}, T, lam, sigma)
        kap, g, df2 = dn["kappa"], dn["g"], dn["df2"]
        if dn["exact"]:
            bias, k2tr2 = ops.num(0), ops.num(0)
        else:
            bias, k2tr2 = kap**2 * dn["btr"] * (1 + g), kap**2 * dn["tr2"]
        collapse = v * (p2**2 * df2 + (p2**2 * k2tr2 + p * p2 * d) * g)
        exact = dn["exact"] and Tr in (0, T)
        return WorkflowValue(bias + dn["variance"] + collapse,
                             {"bias": bias, "variance": dn["variance"], "collapse": collapse, "kappa": kap,
                              "df2": df2, "T_real": Tr, "p": p},
                             EXACT if exact else DETEQ, "mixture with a chain source (package derivation)")

    return _run(dps, run)


# --------------------------------------------------------------------------------------------------------
# 4. Scaling consequences on power-law spectra (package derivation; checked by large-d slopes)
# --------------------------------------------------------------------------------------------------------


def workflow_scaling(workflow: str, beta: sp.Expr = S.beta, r: sp.Expr = S.r, ell: sp.Expr = S.ell,
                     b: sp.Expr = S.b, noisy: bool = True) -> dict:
    r"""Exponents in :math:`T` of the new workflows for :math:`\lambda_j \asymp j^{-\beta}`, :math:`c_j^2 \asymp j^{-\delta}`,
    :math:`\lambda \asymp T^{-\ell}` (:math:`0 \le \ell < \beta`), :math:`T_0 \asymp T^b`, :math:`d = \phi_0T_0` (paper §5,
    Thm 5.1's ingredients: :math:`\kappa \simeq \lambda`, :math:`\mathrm{df}_2 \asymp T^{\ell/\beta}`, App. H.1).

    ``"accumulate"``: the collapse term is Cor 4.4's with :math:`n \to n_{\rm eff} < \pi^2/6` for *every* n, so
    :math:`\asymp \frac{\mathrm{df}_2}{T_0} + \frac{d}{T_0}\frac{\mathrm{df}_2}{T} \asymp T^{\ell/\beta - \min(b, 1)}`: exponent
    ``collapse`` :math:`= -(\min(b,1) - \ell/\beta)`, exponent in :math:`n` ``collapse_n`` = 0 (bounded). It is the
    replace chain's Thm 5.1 term at :math:`a = 0` whatever the number of generations, so Cor 5.2 applies with
    :math:`a = 0`: ``ell_star`` :math:`= \min(b\,\ell_{crit}, \beta)`, ``rate`` :math:`= -b\,c` (noiseless).
    Needs :math:`b > \ell/\beta` (effective dimension below :math:`d`; see docs/theory/scaling.md).

    ``"mixture"`` (fixed shift): the floor :math:`p_2^2\Delta^\top\Sigma^3(\Sigma+\lambda)^{-2}\Delta \to p_2^2\|\Delta\|_\Sigma^2`:
    exponent ``floor`` = 0; the clean error decays as :math:`T^{-e}`, :math:`e` = ``clean`` :math:`= \min(2\ell\underline r,
    1 - \ell/\beta)` (noisy; :math:`2\ell\underline r` if ``noisy=False``), so the floor dominates beyond the crossover
    ``crossover`` :math:`T_\star \asymp (p_2^2\|\Delta\|_\Sigma^2)^{-1/e}` (returned as the exponent :math:`-1/e` of
    :math:`p_2^2\|\Delta\|_\Sigma^2`).

    ``"mixture-chain"`` (a replace chain of fixed :math:`n` as the source, :math:`v = n\sigma_0^2/(T_0 - d - 1) \asymp T^{-b}`):
    the synthetic part :math:`v[p_2^2\mathrm{df}_2 + (p_2^2\kappa^2\mathrm{tr}(\Sigma+\kappa)^{-2} + pp_2d)g] \asymp
    T^{\ell/\beta - b} + \phi_0T^{\ell/\beta - 1}`: ``synthetic`` :math:`= -(\min(b,1) - \ell/\beta)`, the collapse
    exponent of Thm 5.1 (:math:`a = 0`), with no floor since :math:`\|\Delta\|_\Sigma^2 \asymp \phi_0` stays bounded while the
    estimation error of Δ's projection shrinks. At fixed :math:`T_0` (:math:`b = 0`) it grows like :math:`T^{\ell/\beta}`
    until :math:`\mathrm{df}_2` saturates at :math:`d`, then sits at the fixed-shift floor with :math:`\|\Delta\|_\Sigma^2 = vd`.
    """
    rl = sp.Min(r, 1)
    lcrit = beta / (2 * beta * rl + 1)
    cexp = 2 * beta * rl / (2 * beta * rl + 1)
    if workflow == "accumulate":
        return {"collapse": -(sp.Min(b, 1) - ell / beta), "collapse_n": sp.Integer(0),
                "ell_star": sp.Min(b * lcrit, beta), "rate": -b * cexp, "valid": sp.StrictGreaterThan(b, ell / beta)}
    clean = sp.Min(2 * ell * rl, 1 - ell / beta) if noisy else 2 * ell * rl
    if workflow == "mixture":
        return {"floor": sp.Integer(0), "clean": -clean, "crossover": -1 / clean}
    if workflow == "mixture-chain":
        return {"synthetic": -(sp.Min(b, 1) - ell / beta), "clean": -clean}
    raise SpecError(f"workflow must be 'accumulate', 'mixture' or 'mixture-chain', got {workflow!r}")


# --------------------------------------------------------------------------------------------------------
# 2b. Mix chain with ridge inside, fixed (shared) design: the exact law conditional on X
# --------------------------------------------------------------------------------------------------------


def _mix_ridge_terms(X, eigenvalues, coefficients, lam0):
    lam_j, cj = _spectrum(eigenvalues, coefficients)
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[1] != lam_j.size or not np.all(np.isfinite(X)):
        raise SpecError(f"X must be a finite (T0, d) array with d = {lam_j.size} columns, got shape {X.shape}")
    _nonneg("lam0", lam0)
    T0 = X.shape[0]
    s, V = np.linalg.eigh(X.T @ X / T0)
    s = np.clip(s, 0.0, None)
    # directions outside the row space (s = 0 up to round-off) are annihilated by the fit, for any λ0 >= 0
    null = s <= 1e-12 * max(float(s.max()), 1e-300)
    lam0 = float(lam0)
    if lam0 == 0 and null.all():
        raise SpecError("X has rank 0")
    with np.errstate(divide="ignore", invalid="ignore"):
        h = np.where(null, 0.0, s / (s + lam0))
        m2 = np.where(null, 0.0, s / (T0 * (s + lam0) ** 2))  # diagonal of M Mᵀ, M = (XᵀX + λ0T0)⁻¹Xᵀ
    A = V.T @ (lam_j[:, None] * V)  # Σ in the sample eigenbasis
    u = V.T @ cj
    return h, m2, A, u


def mix_ridge_given_design(X, eigenvalues, coefficients, n: int | None, sigma0, real_weight, lam0) -> WorkflowValue:
    r"""Mix chain with a ridge fit inside (penalty :math:`\lambda_0` per sample, Eq. 7's convention) on one fixed
    design :math:`X` (``design="shared"``): :math:`\mathbb E[\|\hat w_n - w_0\|_\Sigma^2 \mid X]`, exact (package
    derivation). ``n=None``: the :math:`n\to\infty` limit (needs :math:`w > 0` or :math:`\lambda_0 > 0`).

    With :math:`M = (X^\top X + \lambda_0T_0I)^{-1}X^\top`, :math:`H = MX`, round :math:`k` gives
    :math:`e_k = (1-w)He_{k-1} + (H - I)w_0 + M\nu_k`, :math:`\nu_k \sim N(0, q_k\sigma_0^2I)`, :math:`q_1 = 1`,
    :math:`q_k = w^2 + (1-w)^2`, :math:`e_0 = 0`. In the eigenbasis of :math:`X^\top X/T_0 = V\mathrm{diag}(s_j)V^\top`
    everything is diagonal: :math:`h_j = s_j/(s_j + \lambda_0)`, :math:`(MM^\top)_{jj} = s_j/(T_0(s_j+\lambda_0)^2)`,
    :math:`\rho_j = (1-w)h_j`:

    .. math:: \mathbb E[e_n \mid X]_j = (h_j - 1)u_j\frac{1 - \rho_j^n}{1 - \rho_j},\qquad
              \mathrm{Cov}(e_n \mid X)_{jj} = \sigma_0^2(MM^\top)_{jj}\Big[\rho_j^{2(n-1)} + (w^2+(1-w)^2)\frac{1 - \rho_j^{2(n-1)}}{1 - \rho_j^2}\Big],

    :math:`u = V^\top w_0`, and the error is :math:`\mu^\top(V^\top\Sigma V)\mu + \sum_j(V^\top\Sigma V)_{jj}\mathrm{Cov}_{jj}`.
    :math:`T_0 < d` is allowed (directions with :math:`s_j = 0` keep :math:`-u_j`: the interpolator's bias).
    Float64 only (the input is a sampled design).
    """
    _nonneg("sigma0", sigma0)
    _unit("real_weight", real_weight)
    if n is not None:
        _int("n", n, 1)
    h, m2, A, u = _mix_ridge_terms(X, eigenvalues, coefficients, lam0)
    w = float(real_weight)
    rho = (1 - w) * h
    q = w**2 + (1 - w) ** 2
    if n is None:
        if np.any(rho >= 1):
            raise RegimeError("mix_ridge_given_design: the limit needs real_weight > 0 or lam0 > 0 (ρ = 1)")
        geo, geo2 = 1 / (1 - rho), q / (1 - rho**2)
    else:
        with np.errstate(divide="ignore", invalid="ignore"):
            geo = np.where(rho == 1, float(n), (1 - rho**n) / np.where(rho == 1, 0.5, 1 - rho))
            r2 = rho**2
            tail = np.where(r2 == 1, float(n - 1), (1 - r2 ** (n - 1)) / np.where(r2 == 1, 0.5, 1 - r2))
        geo2 = r2 ** (n - 1) + q * tail
    mu = (h - 1) * u * geo
    cov = float(sigma0) ** 2 * m2 * geo2
    bias = float(mu @ A @ mu)
    noise = float(np.diag(A) @ cov)
    return WorkflowValue(bias + noise, {"bias": bias, "noise": noise}, EXACT,
                         "mix chain, ridge inside, fixed design, conditional on X (package derivation)")


def optimal_real_weight_given_design(X, eigenvalues, coefficients, sigma0, lam0, n: int | None = None) -> float:
    r"""Numeric :math:`\arg\min_{w\in(0,1]}` of :func:`mix_ridge_given_design` (the limit for ``n=None``) by bounded
    Brent search: the "numeric otherwise" branch of :func:`optimal_real_weight`. For :math:`\lambda_0 = 0` it is
    :math:`(\sqrt5-1)/2` for every design (the law is OLS's on the row space); with ridge it moves (averaged
    over the Marchenko–Pastur law it lies in :math:`[0.6, 1]`, Garg–Bhattacharya–Sur; a single small design can
    give less)."""
    from scipy.optimize import minimize_scalar  # noqa: PLC0415  (scipy.optimize only on this path)

    def f(w):
        return mix_ridge_given_design(X, eigenvalues, coefficients, n, sigma0, w, lam0).value

    res = minimize_scalar(f, bounds=(1e-6, 1.0), method="bounded", options={"xatol": 1e-10})
    return float(res.x)
