r"""float64 kernels of the closed form of Lemma F.8's powers: the secular equation of a diagonal-plus-rank-one
map, solved root by root, and the residue sums built on it (paper Lemma F.8, Thm 4.3).

With :math:`\Phi = \Lambda + a b^\top` on diagonals (:math:`\Lambda = D^2`, :math:`a, b > 0`) and
:math:`c_k^2 = a_k b_k`, the eigenvalues :math:`\mu_i` of :math:`\Phi` are the roots of
:math:`f(\mu) = 1 - \sum_k c_k^2/(\mu - \Lambda_k)`, one in each gap :math:`(\Lambda_i, \Lambda_{i+1})` and one in
:math:`(\Lambda_g, \Lambda_g + \sum_k c_k^2]`. The right and left eigenvectors are :math:`(\mu_i - \Lambda)^{-1}a`
and :math:`(\mu_i - \Lambda)^{-1}b`, so

.. math::
    b^\top\Phi^j N = \sum_i w_i\,\mu_i^j, \qquad w_i = \frac{\sum_k b_k N_k/(\mu_i - \Lambda_k)}{f'(\mu_i)},

a residue of :math:`\tilde F/f`. No matrix is formed: every sum is :math:`O(g)` per root, :math:`O(g^2)`
in all (:math:`g` distinct eigenvalues), against :math:`O(g^3)` for a dense eigendecomposition.

Each root is stored as an offset :math:`\tau_i` from its nearer pole :math:`\Lambda_{o_i}`, so that
:math:`\mu_i - \Lambda_k = \tau_i - (\Lambda_k - \Lambda_{o_i})` keeps its relative accuracy however close the
root is to a pole. The roots are found by the fixed-weight two-pole rational iteration of Bunch, Nielsen and
Sorensen (1978; the method behind LAPACK's ``dlaed4``), safeguarded by bisection: monotone and quadratic.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

__all__ = ["secular_roots", "residue_weights", "pair_sum", "h_power"]

_EPS = 2.220446049250313e-16


@njit(cache=True)
def _eval(lam, c2, base, t, i):
    """f and its two halves' derivatives at offset t from ``base`` (poles <= index i on the left)."""
    psi = 0.0
    phi = 0.0
    dpsi = 0.0
    dphi = 0.0
    for k in range(lam.size):
        r = 1.0 / (t - (lam[k] - base))
        term = c2[k] * r
        if k <= i:
            psi += term
            dpsi += term * r
        else:
            phi += term
            dphi += term * r
    return 1.0 - psi - phi, psi, phi, dpsi, dphi


@njit(cache=True)
def _step(psi, phi, dpsi, dphi, t, p, q, last, left):
    """One fixed-weight step: ψ ≈ a1 + b1/(x − p), φ ≈ a2 + b2/(x − q) matched in value and slope at t, then
    the root of the model in (p, q) (written as an offset from the origin pole, 0 = p if ``left`` else q)."""
    b1 = dpsi * (t - p) ** 2
    a1 = psi - b1 / (t - p)
    if last:
        A = 1.0 - a1
        return b1 / A if A > 0 else np.nan
    b2 = dphi * (t - q) ** 2
    a2 = phi - b2 / (t - q)
    A = 1.0 - a1 - a2
    gap = q - p
    # y = x − p solves A y² − (AΔ + b1 + b2) y + b1Δ = 0; the root in (0, Δ) in a cancellation-free form
    if left:
        B = A * gap + b1 + b2
        C = b1 * gap
        return 2.0 * C / (B + math.sqrt(max(B * B - 4.0 * A * C, 0.0)))
    B = -A * gap + b1 + b2  # mirrored: v = q − x solves (−A) v² − (−AΔ + b1 + b2) v + b2Δ = 0
    C = b2 * gap
    return -2.0 * C / (B + math.sqrt(max(B * B + 4.0 * A * C, 0.0)))


@njit(cache=True)
def secular_roots(lam, c2):
    """Roots of 1 = Σ c2_k/(μ − lam_k) for ascending distinct ``lam`` and positive ``c2``.

    Returns (origin index, offset τ, f'(μ), ok); ok is False if any root could not be resolved in float64
    (the caller then uses the step-by-step loop)."""
    g = lam.size
    orig = np.empty(g, np.int64)
    tau = np.empty(g)
    fp = np.empty(g)
    tot = 0.0
    for k in range(g):
        tot += c2[k]
    for i in range(g):
        last = i == g - 1
        if last:
            o, tlo, thi = i, 0.0, tot
        else:
            gap = lam[i + 1] - lam[i]
            fm = _eval(lam, c2, lam[i], gap / 2, i)[0]
            if fm >= 0:  # f increases on the gap: the root is in (lam_i, mid]
                o, tlo, thi = i, 0.0, gap / 2
            else:
                o, tlo, thi = i + 1, -gap / 2, 0.0
        base = lam[o]
        p = lam[i] - base
        q = lam[i + 1] - base if not last else 0.0
        t = (tlo + thi) / 2
        for _ in range(200):
            f, psi, phi, dpsi, dphi = _eval(lam, c2, base, t, i)
            if f == 0.0:
                break
            if f < 0:
                tlo = t
            else:
                thi = t
            if abs(f) <= 8 * _EPS * (1.0 + psi - phi + abs(t) * (dpsi + dphi)):
                break  # f is zero to its rounding error
            tn = _step(psi, phi, dpsi, dphi, t, p, q, last, o == i)
            if not (tlo < tn < thi):
                tn = (tlo + thi) / 2
            if abs(tn - t) <= 2 * _EPS * abs(t) or thi - tlo <= 2 * _EPS * max(abs(tlo), abs(thi)):
                t = tn
                break
            t = tn
        orig[i] = o
        tau[i] = t
        f, psi, phi, dpsi, dphi = _eval(lam, c2, base, t, i)
        fp[i] = dpsi + dphi
    ok = True
    for i in range(g):
        if not (math.isfinite(tau[i]) and math.isfinite(fp[i]) and fp[i] > 0):
            ok = False
    return orig, tau, fp, ok


@njit(cache=True)
def residue_weights(lam, orig, tau, fp, coef):
    """w_i = Σ_k coef_k/(μ_i − lam_k) / f'(μ_i)."""
    g = lam.size
    w = np.empty(g)
    for i in range(g):
        base = lam[orig[i]]
        t = tau[i]
        acc = 0.0
        for k in range(g):
            acc += coef[k] / (t - (lam[k] - base))
        w[i] = acc / fp[i]
    return w


@njit(cache=True)
def h_power(hi, diff, s, P):
    r"""h_s = (hi^s − lo^s)/(hi − lo) = hi^{s−1}·(1 − (1 − u)^s)/u with u = diff/hi, diff = hi − lo >= 0 and
    P = hi^{s−1}; 1 − (1 − u)^s as −expm1(s·log1p(−u)) so nearly equal arguments lose nothing."""
    if P == 0.0:
        return 0.0
    if diff == 0.0:
        return P * s
    u = diff / hi
    if u >= 1.0:
        return P
    if s * u > 42.0:  # (1 − u)^s < e^−42 is below float64 rounding of 1
        return P / u
    return P * (-math.expm1(s * math.log1p(-u)) / u)


@njit(cache=True)
def pair_sum(lam, orig, tau, mu, w, xa, s, Pmu, Plam):
    """Σ_i w_i Σ_k xa_k h_s(lam_k, μ_i) (Pmu, Plam: the (s − 1)-th powers)."""
    g = lam.size
    tot = 0.0
    for i in range(g):
        if w[i] == 0.0:
            continue
        base = lam[orig[i]]
        t = tau[i]
        acc = 0.0
        for k in range(g):
            if xa[k] == 0.0:
                continue
            diff = t - (lam[k] - base)  # μ_i − lam_k, accurate
            if diff >= 0:
                acc += xa[k] * h_power(mu[i], diff, s, Pmu[i])
            else:
                acc += xa[k] * h_power(lam[k], -diff, s, Plam[k])
        tot += w[i] * acc
    return tot


@njit(cache=True)
def _lse_add(m, acc, x):
    """Running log-sum-exp: (max, Σ exp(· − max)) updated with x."""
    if x == -np.inf:
        return m, acc
    if x <= m:
        return m, acc + math.exp(x - m)
    return x, acc * math.exp(m - x) + 1.0


@njit(cache=True)
def _log_weight(lam, base, t, logc2, logcoef):
    """log W_i (see :func:`log_root_bounds`)."""
    m1, a1, m2, a2 = -np.inf, 0.0, -np.inf, 0.0
    for k in range(lam.size):
        ld = math.log(abs(t - (lam[k] - base)))
        m1, a1 = _lse_add(m1, a1, logc2[k] - 2 * ld)
        m2, a2 = _lse_add(m2, a2, logcoef[k] - ld)
    return (m2 + math.log(a2) if a2 > 0 else -np.inf) - (m1 + math.log(a1))


@njit(cache=True)
def log_root_bounds(lam, orig, tau, mu, logc2, logcoef, s):
    r"""Per root, the log of an upper bound on its term in the tail of ``trace_sum``,
    :math:`\log W_i + s\log\mu_i - \log(1 - \mu_i)`, with
    :math:`W_i = \sum_k |coef_k|/|\mu_i - \Lambda_k| / f'(\mu_i) \ge |w_i|` (``trace_dot``'s bounds:
    :func:`log_trace_bounds`). Logs keep magnitudes far outside float64's range (μ^s at s = 10^6) comparable."""
    g = lam.size
    out = np.empty(g)
    for i in range(g):
        logw = _log_weight(lam, lam[orig[i]], tau[i], logc2, logcoef)
        out[i] = logw + s * math.log(mu[i]) - math.log(1.0 - mu[i])
    return out


@njit(cache=True, parallel=True)
def log_trace_bounds(lam, orig, tau, mu, logc2, logcoef, logxa, s):
    r"""Per root of ``trace_dot``, two log bounds (``terms._closed._MpPoles``):
    the whole term :math:`\log W_i + \log\sum_k xa_k h_s(\Lambda_k, \mu_i)` (the h_s form), and the part
    the split form drops, :math:`\log W_i + s\log\mu_i + \log\sum_k xa_k/|\mu_i - \Lambda_k|`
    (:math:`W_i` as in :func:`log_root_bounds`). One pass over the pairs, the roots in parallel (each root's
    bounds are computed alone, so the values do not depend on the thread count)."""
    g = lam.size
    whole = np.empty(g)
    part = np.empty(g)
    loglam = np.log(lam)
    for i in prange(g):
        base = lam[orig[i]]
        t = tau[i]
        logmu = math.log(mu[i])
        m1, a1, m2, a2, m3, a3, m4, a4 = -np.inf, 0.0, -np.inf, 0.0, -np.inf, 0.0, -np.inf, 0.0
        for k in range(g):
            diff = t - (lam[k] - base)
            ld = math.log(abs(diff))
            m1, a1 = _lse_add(m1, a1, logc2[k] - 2 * ld)
            m2, a2 = _lse_add(m2, a2, logcoef[k] - ld)
            if logxa[k] > -np.inf:
                loghi = logmu if diff >= 0 else loglam[k]
                u = abs(diff) / (mu[i] if diff >= 0 else lam[k])
                # log h_s/hi^(s−1): log 1/u once (1 − u)^s is below rounding, else the expm1 form
                lg = 0.0 if u >= 1.0 else (-math.log(u) if s * u > 42.0 else math.log(h_power(1.0, u, s, 1.0)))
                m3, a3 = _lse_add(m3, a3, logxa[k] + (s - 1) * loghi + lg)
                m4, a4 = _lse_add(m4, a4, logxa[k] - ld)
        logw = (m2 + math.log(a2) if a2 > 0 else -np.inf) - (m1 + math.log(a1))
        whole[i] = logw + (m3 + math.log(a3) if a3 > 0 else -np.inf)
        part[i] = logw + s * logmu + (m4 + math.log(a4) if a4 > 0 else -np.inf)
    return whole, part
