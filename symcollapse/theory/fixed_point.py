r"""The effective regularisation :math:`\kappa(\lambda, T)` (Eq. 9) and the degrees of freedom :math:`\mathrm{df}_m`.

.. math:: \mathrm{df}_m(t) = \mathrm{tr}\,\Sigma^m(\Sigma + tI)^{-m} = \sum_j \frac{\lambda_j^m}{(\lambda_j + t)^m},
          \qquad \kappa - \lambda = \kappa\,\mathrm{df}_1(\kappa)/T \quad\text{(Eq. 9)}.

Two twins of each function: float64 (numpy, vectorised over :math:`\lambda`, :math:`T`, :math:`t`) and mpmath
(``*_mp``, at the caller's precision or inside ``mpmath.workdps(dps)``; never touches the global
``mp.dps``).

Root finding. :math:`F(\kappa) = \kappa - \lambda - \kappa\,\mathrm{df}_1(\kappa)/T` has
:math:`F'(\kappa) = 1 - \mathrm{df}_2(\kappa)/T` (Lemma I.2), which increases with :math:`\kappa`: :math:`F` is
convex. Its wanted root is the unique positive root of the monotone form
:math:`\lambda/\kappa + \mathrm{df}_1(\kappa)/T = 1` (:math:`= F/\kappa + 1`, strictly decreasing in
:math:`\kappa > 0`), bracketed by

* :math:`\lambda > 0`: :math:`[\lambda,\ \lambda + \mathrm{tr}\,\Sigma/T]` (since
  :math:`\kappa\,\mathrm{df}_1(\kappa) \le \mathrm{tr}\,\Sigma`);
* :math:`\lambda = 0`, :math:`T < d` (root of :math:`\mathrm{df}_1(\kappa) = T`):
  :math:`[\lambda_{min}(d - T)/T,\ \mathrm{tr}\,\Sigma/T]`;
* :math:`\lambda = 0`, :math:`T \ge d`: :math:`\kappa = 0` (rank :math:`\Sigma = d \le T`).

Newton's method started at the upper end of the bracket decreases monotonically to the root (convexity);
every step is safeguarded: a step leaving the current bracket is replaced by bisection (geometric when the
bracket spans decades).

Reductions use ``numpy.einsum`` (no BLAS): on shared machines multi-threaded BLAS ``gemv`` calls were
measured 10× slower than a plain loop for :math:`d = 10^5` (docs/theory/simulation.md).

Equal eigenvalues are grouped (unique values × multiplicities, :func:`group`), so an isotropic problem costs
:math:`O(1)` per evaluation whatever :math:`d`.
"""

from __future__ import annotations

import math
from typing import Any

import mpmath
import numpy as np

__all__ = ["group", "df", "kappa", "df_mp", "kappa_mp", "group_mp"]

_EPS = np.finfo(np.float64).eps
_MAXITER = 200


def group(eigenvalues: Any, weights: Any = None) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Unique eigenvalues, their multiplicities and (optionally) the sums of ``weights`` over each group.

    ``weights`` are typically :math:`c_j^2`, so :math:`\\sum_j c_j^2 f(\\lambda_j) = \\sum_k s_k f(u_k)`.
    Fast paths: constant arrays (one group) and strictly monotone arrays (no grouping needed) are detected
    in :math:`O(d)`; otherwise ``numpy.unique``.
    """
    ev = np.asarray(eigenvalues, dtype=np.float64).ravel()
    w = None if weights is None else np.asarray(weights, dtype=np.float64).ravel()
    if ev.size == 0:
        raise ValueError("eigenvalues must be non-empty")
    if w is not None and w.shape != ev.shape:
        raise ValueError(f"weights has length {w.size} but there are {ev.size} eigenvalues")
    if np.all(ev == ev[0]):
        return ev[:1].copy(), np.array([float(ev.size)]), (None if w is None else np.array([w.sum()]))
    diff = np.diff(ev)
    if np.all(diff < 0) or np.all(diff > 0):
        return ev, np.ones_like(ev), w
    u, inv, cnt = np.unique(ev, return_inverse=True, return_counts=True)
    s = None if w is None else np.bincount(inv, weights=w, minlength=u.size)
    return u, cnt.astype(np.float64), s


def _prep(eigenvalues, multiplicities):
    if multiplicities is None:
        u, m, _ = group(eigenvalues)
    else:
        u = np.asarray(eigenvalues, dtype=np.float64).ravel()
        m = np.asarray(multiplicities, dtype=np.float64).ravel()
        if m.shape != u.shape:
            raise ValueError("multiplicities must have the same length as eigenvalues")
    if not np.all(np.isfinite(u)) or np.any(u <= 0):
        raise ValueError("eigenvalues must be positive and finite (Σ ≻ 0)")
    return u, m


def df(m: int, t: Any, eigenvalues: Any, multiplicities: Any = None) -> float | np.ndarray:
    r""":math:`\mathrm{df}_m(t) = \sum_j \lambda_j^m/(\lambda_j + t)^m` (§4.2), float64, vectorised over ``t``.

    Parameters
    ----------
    m : int
        Order, :math:`m \ge 1`.
    t : float or array
        Argument(s), :math:`t \ge 0`.
    eigenvalues : array
        Eigenvalues of :math:`\Sigma` (or the unique values when ``multiplicities`` is given).
    multiplicities : array, optional
        Multiplicity of each value in ``eigenvalues``.

    >>> float(df(1, 1.0, [1.0, 1.0, 1.0]))
    1.5
    """
    if isinstance(m, bool) or not isinstance(m, (int, np.integer)) or m < 1:
        raise ValueError(f"df: the order m must be an integer >= 1, got {m!r}")
    u, mult = _prep(eigenvalues, multiplicities)
    tt = np.asarray(t, dtype=np.float64)
    if not np.all(np.isfinite(tt)) or np.any(tt < 0):
        raise ValueError(f"df: t must be finite and >= 0, got {t!r}")
    r = u / (u + tt[..., None])
    out = np.einsum("...k,k->...", r**m, mult)
    return float(out) if out.ndim == 0 else out


def kappa(lam: Any, T: Any, eigenvalues: Any, multiplicities: Any = None) -> float | np.ndarray:
    r"""Effective regularisation :math:`\kappa(\lambda, T)`, the nonnegative root of Eq. 9, float64.

    .. math:: \kappa - \lambda = \kappa\,\mathrm{df}_1(\kappa)/T .

    Vectorised: ``lam`` and ``T`` broadcast against each other. :math:`\lambda = 0`, :math:`T \ge d` gives 0;
    :math:`\lambda = 0`, :math:`T < d` the positive root of :math:`\mathrm{df}_1(\kappa) = T` (ridgeless
    limit). Relative accuracy is a few ulps times the condition number :math:`1/(1 - \mathrm{df}_2/T)`.

    >>> round(kappa(1.0, 600, [1.0] * 300), 7)   # φ = 0.5, λ = 1 (docs/theory/results.md#results-kappa)
    1.2807764
    >>> kappa(0.0, 150, [1.0] * 300)             # φ = 2, λ = 0
    1.0
    """
    u, mult = _prep(eigenvalues, multiplicities)
    lam_a, T_a = np.broadcast_arrays(np.asarray(lam, dtype=np.float64), np.asarray(T, dtype=np.float64))
    scalar = lam_a.ndim == 0
    lam_v = np.atleast_1d(lam_a).astype(np.float64).ravel()
    T_v = np.atleast_1d(T_a).astype(np.float64).ravel()
    if np.any(~np.isfinite(lam_v)) or np.any(lam_v < 0):
        raise ValueError(f"kappa: lam must be finite and >= 0, got {lam!r}")
    if np.any(~np.isfinite(T_v)) or np.any(T_v <= 0):
        raise ValueError(f"kappa: T must be finite and > 0, got {T!r}")
    if lam_v.size == 1:
        out = np.array([_kappa_scalar(float(lam_v[0]), float(T_v[0]), u, mult)])
    else:
        out = _kappa_vec(lam_v, T_v, u, mult)
    if scalar:
        return float(out[0])
    return out.reshape(lam_a.shape)


def _kappa_scalar(lam: float, T: float, u: np.ndarray, mult: np.ndarray, prep: tuple | None = None) -> float:
    """One point of :func:`kappa`: the same safeguarded Newton as :func:`_kappa_vec` with scalar bookkeeping.

    ``prep`` is :func:`_kappa_prep` of ``(u, mult)`` when the caller has it cached (same values either way).
    """
    if u.size == 1:
        return _kappa_one(lam, T, float(u[0]), float(mult[0]))
    d, trace, umin = _kappa_prep(u, mult) if prep is None else prep

    def moments(k):
        rr = u / (u + k)
        return float(np.einsum("k,k->", rr, mult)), float(np.einsum("k,k,k->", rr, rr, mult))

    return _newton(lam, T, d, trace, umin, moments)


def _newton(lam: float, T: float, d: float, trace: float, umin: float, moments) -> float:
    r"""The safeguarded Newton iteration for Eq. 9, :math:`F(\kappa) = \kappa - \lambda - \kappa\,\mathrm{df}_1(\kappa)/T = 0`,
    on the bracket :math:`[\lambda \text{ or } \lambda_{min}(d-T)_+/T,\ \lambda + \mathrm{tr}\Sigma/T]`;
    ``moments(k)`` returns :math:`(\mathrm{df}_1, \mathrm{df}_2)` at κ = k (the only part that depends on how the
    spectrum is stored)."""
    if lam == 0 and T >= d:
        return 0.0
    hi = lam + trace / T
    lo = lam if lam > 0 else umin * max(d - T, 0.0) / T
    k = hi
    for _ in range(_MAXITER):
        df1, df2 = moments(k)
        F = k - lam - k * df1 / T
        Fp = 1.0 - df2 / T
        if F == 0:
            return k
        if F > 0:
            hi = k
        else:
            lo = k
        if Fp > 0:
            step = F / Fp
            kn = k - step
            if abs(step) <= 4 * _EPS * k:
                return kn
            if lo < kn < hi:
                k = kn
                continue
        k = math.sqrt(lo * hi) if (lo > 0 and hi > 4 * lo) else 0.5 * (lo + hi)
        if hi - lo <= 4 * _EPS * hi:
            return k
    raise ArithmeticError("kappa did not converge")  # pragma: no cover


def _kappa_prep(u: np.ndarray, mult: np.ndarray) -> tuple[float, float, float]:
    """``(d, tr Σ, λ_min)`` of grouped data, exactly as :func:`_kappa_scalar` forms them."""
    return float(mult.sum()), float(np.einsum("k,k->", u, mult)), float(u.min())


def _kappa_one(lam: float, T: float, u: float, m: float) -> float:
    r""":func:`_kappa_scalar` for one group (:math:`\Sigma = uI`, multiplicity ``m``) in Python floats.

    Every operation is the one numpy performs on the length-1 arrays (``einsum`` of one term multiplies its
    operands left to right and adds to 0), so the iterates and the root are bit for bit those of the array
    code, without numpy's per-call overhead.
    """

    def moments(k):
        rr = u / (u + k)
        return rr * m, rr * rr * m

    return _newton(lam, T, m, u * m, u, moments)


def _kappa_many(lam: np.ndarray, T: np.ndarray, u: np.ndarray, mult: np.ndarray,
                prep: tuple | None = None) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_kappa_scalar` at many points ``(lam[i], T[i])`` of one grouped spectrum, in one array iteration.

    Each point follows exactly the scalar iteration (same start, bracket updates, Newton/bisection branches
    and stopping tests, as masks), with the spectral sums as row-wise ``einsum`` (one group: the products
    of :func:`_kappa_one`). Returns ``(kappa, ok)``; ``ok`` is False where the scalar code would not have
    returned a finite root within its iteration budget (callers then use the scalar code, which reports it).
    """
    d, trace, umin = _kappa_prep(u, mult) if prep is None else prep
    lam = np.asarray(lam, dtype=np.float64)
    T = np.asarray(T, dtype=np.float64)
    out = np.zeros(lam.shape)
    ok = np.ones(lam.shape, dtype=bool)
    act = np.nonzero(~((lam == 0) & (T >= d)))[0]  # λ = 0, T >= d: κ = 0
    la, Ta = lam[act], T[act]
    hi = la + trace / Ta
    lo = np.where(la > 0, la, umin * np.maximum(d - Ta, 0.0) / Ta)
    k = hi.copy()
    one = u.size == 1
    tol = 4 * _EPS
    with np.errstate(all="ignore"):
        for _ in range(_MAXITER):
            if act.size == 0:
                break
            if one:
                rr = u[0] / (u[0] + k)
                df1, df2 = rr * mult[0], rr * rr * mult[0]
            else:
                rr = u / (u + k[:, None])
                df1, df2 = np.einsum("pk,k->p", rr, mult), np.einsum("pk,pk,k->p", rr, rr, mult)
            F = k - la - k * df1 / Ta
            Fp = 1.0 - df2 / Ta
            zero = F == 0
            pos = F > 0
            hi = np.where(pos, k, hi)
            lo = np.where(pos | zero, lo, k)
            step = F / Fp
            kn = k - step
            newton = (Fp > 0) & ~zero
            conv = newton & (np.abs(step) <= tol * k)
            take = newton & ~conv & (lo < kn) & (kn < hi)
            mid = np.where((lo > 0) & (hi > 4 * lo), np.sqrt(lo * hi), 0.5 * (lo + hi))
            narrow = ~zero & ~conv & ~take & (hi - lo <= tol * hi)
            fin = zero | conv | narrow
            out[act[fin]] = np.where(zero, k, np.where(conv, kn, mid))[fin]
            keep = ~fin
            k = np.where(take, kn, mid)[keep]
            act, la, Ta, lo, hi = act[keep], la[keep], Ta[keep], lo[keep], hi[keep]
    ok[act] = False  # iteration budget exhausted (the scalar code raises there)
    ok &= np.isfinite(out)
    return out, ok


def df_grouped(m: int, t: float, u: np.ndarray, mult: np.ndarray) -> float:
    r""":func:`df` at one scalar ``t`` on already grouped and checked data (``u`` unique values, ``mult``
    multiplicities, as from :func:`group`): the same arithmetic, without re-grouping the spectrum.

    Raises ``ValueError`` for a ``t`` that is not finite and >= 0, as :func:`df` does.
    """
    t = float(t)
    if not (math.isfinite(t) and t >= 0):
        raise ValueError(f"df: t must be finite and >= 0, got {t!r}")
    r = u / (u + np.asarray(t, dtype=np.float64)[..., None])
    return float(np.einsum("...k,k->...", r**m, mult))


def _kappa_vec(lam: np.ndarray, T: np.ndarray, u: np.ndarray, mult: np.ndarray) -> np.ndarray:
    d = mult.sum()
    trace = float(np.einsum("k,k->", u, mult))
    out = np.zeros_like(lam)
    todo = ~((lam == 0) & (T >= d))  # λ = 0, T >= d: κ = 0 (rank Σ <= T)
    if not np.any(todo):
        return out
    lam_t, T_t = lam[todo], T[todo]
    hi = lam_t + trace / T_t
    lo = np.where(lam_t > 0, lam_t, u.min() * np.maximum(d - T_t, 0.0) / T_t)
    k = hi.copy()
    active = np.ones(k.shape, dtype=bool)
    for _ in range(_MAXITER):
        idx = np.nonzero(active)[0]
        if idx.size == 0:
            break
        ka, la, Ta = k[idx], lam_t[idx], T_t[idx]
        rr = u / (u + ka[:, None])
        df1 = np.einsum("pk,k->p", rr, mult)
        df2 = np.einsum("pk,pk,k->p", rr, rr, mult)
        F = ka - la - ka * df1 / Ta
        Fp = 1.0 - df2 / Ta
        pos = F > 0
        hi[idx] = np.where(pos, ka, hi[idx])
        lo[idx] = np.where(pos, lo[idx], ka)
        with np.errstate(divide="ignore", invalid="ignore"):
            step = F / Fp
        kn = ka - step
        # A Newton step below rounding level means convergence (quadratic); test it before the bracket
        # test, since such a step may land exactly on the bracket end.
        conv = (Fp > 0) & (np.abs(step) <= 4 * _EPS * ka)
        bad = ~np.isfinite(kn) | (Fp <= 0) | (kn <= lo[idx]) | (kn >= hi[idx])
        l_, h_ = lo[idx], hi[idx]
        mid = np.where((l_ > 0) & (h_ > 4 * l_), np.sqrt(l_ * np.maximum(h_, 0)), 0.5 * (l_ + h_))
        kn = np.where(conv | ~bad, kn, mid)
        k[idx] = kn
        done = conv | (F == 0) | (hi[idx] - lo[idx] <= 4 * _EPS * hi[idx])
        active[idx[done]] = False
    out[todo] = k
    return out


# --------------------------------------------------------------------------------------------------------
# mpmath twins
# --------------------------------------------------------------------------------------------------------


def group_mp(values: list, weights: list | None = None) -> tuple[list, list, list | None]:
    """Group equal mpmath (or exact) values; returns unique values, integer multiplicities, weight sums."""
    index: dict = {}
    uniq: list = []
    mult: list = []
    wsum: list | None = None if weights is None else []
    for i, v in enumerate(values):
        k = index.get(v)
        if k is None:
            index[v] = len(uniq)
            uniq.append(v)
            mult.append(1)
            if wsum is not None:
                wsum.append(weights[i])
        else:
            mult[k] += 1
            if wsum is not None:
                wsum[k] = wsum[k] + weights[i]
    return uniq, mult, wsum


def df_mp(m: int, t: Any, eigenvalues: list, multiplicities: list | None = None, dps: int | None = None):
    r""":math:`\mathrm{df}_m(t)` in mpmath (current precision, or ``mpmath.workdps(dps)`` if given)."""
    if dps is not None:
        with mpmath.workdps(dps):
            return +df_mp(m, t, eigenvalues, multiplicities)
    mult = [1] * len(eigenvalues) if multiplicities is None else multiplicities
    t = mpmath.mpf(t)
    return mpmath.fsum(k * (u / (u + t)) ** m for u, k in zip(eigenvalues, mult))


def _df12_mp(t, u, mult):
    # fsum / fdot accumulate exactly and round once: faster than repeated += and more accurate.
    xs = [v / (v + t) for v in u]
    if mult is None:
        return mpmath.fsum(xs), mpmath.fdot(xs, xs)
    return mpmath.fdot(xs, mult), mpmath.fdot((x * x, k) for x, k in zip(xs, mult))


def kappa_mp(
    lam: Any,
    T: Any,
    eigenvalues: list,
    multiplicities: list | None = None,
    dps: int | None = None,
    start: float | None = None,
):
    r""":math:`\kappa(\lambda, T)` (Eq. 9) in mpmath: bracketed, safeguarded Newton at the current precision.

    Parameters
    ----------
    lam, T : mpmath-convertible
        Exact inputs are best (``mpmath.mpf(1)/1000``); a float is taken at face value here.
    eigenvalues : list of mpf
        Eigenvalues (unique values if ``multiplicities`` is given).
    multiplicities : list of int, optional
    dps : int, optional
        Work inside ``mpmath.workdps(dps)``; otherwise use the caller's context (the result is not rounded).
    start : float, optional
        A float64 estimate of the root (e.g. from :func:`kappa`); Newton then needs ~4 steps at 50 digits.
    """
    if dps is not None:
        with mpmath.workdps(dps):
            return +kappa_mp(lam, T, eigenvalues, multiplicities, None, start)
    mult = None if multiplicities is None or all(k == 1 for k in multiplicities) else list(multiplicities)
    u = [mpmath.mpf(v) for v in eigenvalues]
    lam = mpmath.mpf(lam)
    T = mpmath.mpf(T)
    if lam < 0 or T <= 0:
        raise ValueError(f"kappa_mp: need lam >= 0 and T > 0, got lam={lam}, T={T}")
    d = len(u) if mult is None else sum(mult)
    if lam == 0 and T >= d:
        return mpmath.mpf(0)
    trace = mpmath.fsum(u) if mult is None else mpmath.fdot(u, mult)
    hi = lam + trace / T
    lo = lam if lam > 0 else min(u) * (d - T) / T
    eps = mpmath.eps

    def F(k):
        df1, df2 = _df12_mp(k, u, mult)
        return k - lam - k * df1 / T, 1 - df2 / T, df2

    k = hi
    if start is not None and start > 0:
        # Start just right of the float root so convex Newton decreases monotonically to it.
        k0 = mpmath.mpf(start) * (1 + mpmath.mpf(2) ** -30)
        if lo < k0 < hi and F(k0)[0] > 0:
            k = k0
    for _ in range(10 * _MAXITER):
        f, fp, df2 = F(k)
        if f > 0:
            hi = k
        elif f < 0:
            lo = k
        else:
            return k
        kn = k - f / fp if fp > 0 else None
        if kn is not None:
            step = abs(kn - k)
            if step <= 8 * eps * k:  # converged (tested before the bracket test, see the float path)
                return kn
            # Quadratic convergence: the next error is at most C·step² with C = F''/(2F') <=
            # (df2/T)/(κ(1 − df2/T)) (F'' = (2/T)Σλ²/(λ+κ)³ <= 2 df2/(Tκ)); stop one evaluation early when
            # that is below rounding. The caller certifies the digits by re-evaluation anyway.
            if f > 0 and 4 * (df2 / T) / (kn * fp) * step**2 <= eps * kn and lo < kn:
                return kn
        if kn is None or not (lo < kn < hi):
            kn = mpmath.sqrt(lo * hi) if (lo > 0 and hi > 4 * lo) else (lo + hi) / 2
        if hi - lo <= 8 * eps * hi:
            return kn
        k = kn
    raise ArithmeticError("kappa_mp did not converge")  # pragma: no cover
