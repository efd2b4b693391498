r"""numba kernels of the exact fast samplers: plain arrays in, arrays out, no objects, no RNG.

All random numbers are drawn *outside* (``monte_carlo.py``, numpy Generators from spawned
``SeedSequence`` streams) and passed in, so a replicate's value is a deterministic function of its own
inputs: the result is bit-identical whatever the number of numba threads (each replicate is computed by
exactly one thread, in a fixed order of operations). Failures are reported through the ``status`` output
array, never by ``raise`` (a ``raise`` inside ``prange`` serialises the loop).

Coordinates. Everything is computed in *whitened* coordinates: with :math:`D = \Sigma =
\mathrm{diag}(\lambda_j)` (problems are stored in Σ's eigenbasis) and a design :math:`X = ZD^{1/2}`,
:math:`Z` standard Gaussian, the chain deviation is carried as :math:`v = D^{1/2}(\hat w - w_0)`, so that
:math:`\|\hat w - w_0\|_\Sigma^2 = \|v\|_2^2`, and :math:`Z^\top Z \sim \mathrm{Wishart}(I_d, T)`.

Bartlett factor. For :math:`T \ge d`, an upper triangular :math:`U` with independent entries
:math:`U_{ij} \sim N(0,1)` (:math:`j > i`) and :math:`U_{ii} = \sqrt{\chi^2(T - d + 1 + i)}`
(:math:`i = 0..d-1`) gives :math:`UU^\top \sim \mathrm{Wishart}(I_d, T)` (the Bartlett decomposition
:math:`W = LL^\top`, :math:`L_{ii}^2 \sim \chi^2(T - i)`, conjugated by the index reversal :math:`J`,
:math:`JWJ \overset{d}{=} W`). It is passed as ``diag`` (the :math:`U_{ii}`, already square-rooted) and
``off`` (the strict upper triangle, packed row by row: row :math:`i` holds :math:`U_{i,i+1..d-1}` and
starts at offset :math:`id - i(i+1)/2`).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from symcollapse.simulate._lapack import dlauum, dpotrf, dpotrs, dsyrk

__all__ = ["bartlett_chain", "ridge_downstream", "dual_chain", "dual_downstream", "packed_size", "trapezoid_size"]


def packed_size(d: int) -> int:
    """Number of strictly-upper-triangular entries of a ``d × d`` matrix."""
    return d * (d - 1) // 2


@njit(cache=True, inline="always")
def _solve_ut(diag, off, z, y):
    r"""``y = U^{-T} z`` by forward substitution, sweeping rows of U (contiguous in the packed layout).

    :math:`U^\top y = z` with :math:`(U^\top)_{ij} = U_{ji}`: once :math:`y_j` is known, subtract
    :math:`U_{ji} y_j` from every later equation :math:`i > j` (row :math:`j` of :math:`U`).
    """
    d = diag.shape[0]
    for i in range(d):
        y[i] = z[i]
    for j in range(d):
        yj = y[j] / diag[j]
        y[j] = yj
        base = j * d - (j * (j + 1)) // 2 - j - 1
        for i in range(j + 1, d):
            y[i] -= off[base + i] * yj


@njit(cache=True, parallel=True, nogil=True)
def bartlett_chain(diag, off, z, sigma0, shared, v):
    r"""Per-generation Bartlett sampler of the OLS chain (:math:`T_0 \ge d`); adds into ``v``.

    One generation is :math:`\hat w_{k+1} = X_k^\dagger(X_k\hat w_k + E_k) = \hat w_k + (X_k^\top X_k)^{-1}
    X_k^\top E_k` (:math:`X_k^\dagger X_k = I` as :math:`T_0 \ge d`). Whitened,
    :math:`v_{k+1} = v_k + W_k^{-1} b_k` with :math:`W_k = Z_k^\top Z_k` and, given :math:`W_k`,
    :math:`b_k = Z_k^\top E_k \sim N(0, \sigma_0^2 W_k)`. Taking :math:`W_k = U_kU_k^\top` (Bartlett) and
    :math:`b_k = \sigma_0 U_k z_k` gives the same joint law, and then
    :math:`W_k^{-1}b_k = \sigma_0 U_k^{-\top} z_k`: one :math:`O(d^2)` triangular solve per generation,
    whatever :math:`T_0`.

    Parameters
    ----------
    diag : (B, G, d) float64
        :math:`U_{k,ii}` of each generation's Bartlett factor (``G = n``, or ``G = 1`` for a shared design:
        :math:`X_m \equiv X_0` means :math:`U_m \equiv U_0`).
    off : (B, G, d(d-1)/2) float64
        Packed strict upper triangles.
    z : (B, n, d) float64
        Standard normal vectors, one per generation.
    sigma0 : float
    shared : bool
    v : (B, d) float64
        Input/output: the whitened deviation, incremented by every generation.
    """
    B = z.shape[0]
    n = z.shape[1]
    d = v.shape[1]
    for b in prange(B):
        y = np.empty(d)
        for k in range(n):
            g = 0 if shared else k
            _solve_ut(diag[b, g], off[b, g], z[b, k], y)
            for i in range(d):
                v[b, i] += sigma0 * y[i]


@njit(cache=True, parallel=True, nogil=True)
def ridge_downstream(inv_sqrt_ev, inv_ev, c, mu, sigma, v, diag, off, z, err, chain_err, status):
    r"""Exact downstream ridge step from the Bartlett factor of :math:`X^\top X` (:math:`T \ge d`).

    With :math:`G = X^\top X = D^{1/2} W D^{1/2}`, :math:`W = UU^\top \sim \mathrm{Wishart}(I_d, T)` and,
    given :math:`X`, :math:`X^\top E \sim N(0, \sigma^2 G)`, realised as :math:`\sigma D^{1/2}Uz`
    (exact joint law, DESIGN.md §4), Eq. 7 :math:`\hat w^{pred} = (G + \mu I)^{-1}(G\hat w_n + X^\top E)`,
    :math:`\mu = \lambda T`, becomes

    .. math::
        D^{1/2}(\hat w^{pred} - w_0) = v + (W + \mu D^{-1})^{-1}
        \big(\sigma Uz - \mu D^{-1/2}\hat w_n\big),\qquad D^{-1/2}\hat w_n = D^{-1/2}c + D^{-1}v .

    :math:`W = UU^\top` by ``dlauum`` (:math:`d^3/3` flops), then one Cholesky of
    :math:`W + \mu D^{-1}` (``dpotrf``, :math:`d^3/3`) and ``dpotrs``. For :math:`\mu = 0` the solve is
    :math:`W^{-1}\sigma Uz = \sigma U^{-\top}z`: :math:`O(d^2)`, no factorisation.

    Outputs: ``err[b]`` = :math:`\|\hat w^{pred} - w_0\|_\Sigma^2`, ``chain_err[b]`` = :math:`\|v_b\|^2`
    = :math:`\|\hat w_n - w_0\|_\Sigma^2`, ``status[b]`` = LAPACK ``info`` (0 = success).
    """
    B = v.shape[0]
    d = v.shape[1]
    for b in prange(B):
        e = np.empty(d)
        s = 0.0
        for i in range(d):
            s += v[b, i] * v[b, i]
        chain_err[b] = s
        info = np.zeros(1, dtype=np.int32)
        if mu == 0.0:
            _solve_ut(diag[b], off[b], z[b], e)
            for i in range(d):
                e[i] = v[b, i] + sigma * e[i]
        else:
            A = np.empty((d, d))  # only the upper triangle (C order) is ever read by LAPACK
            r = np.empty(d)
            for i in range(d):
                base = i * d - (i * (i + 1)) // 2 - i - 1
                A[i, i] = diag[b, i]
                acc = diag[b, i] * z[b, i]
                for j in range(i + 1, d):
                    u = off[b, base + j]
                    A[i, j] = u
                    acc += u * z[b, j]
                r[i] = sigma * acc - mu * (c[i] * inv_sqrt_ev[i] + v[b, i] * inv_ev[i])
            uplo = np.array([76], dtype=np.uint8)  # 'L'
            nn = np.array([d], dtype=np.int32)
            one = np.array([1], dtype=np.int32)
            dlauum(uplo.ctypes.data, nn.ctypes.data, A.ctypes.data, nn.ctypes.data, info.ctypes.data)
            for i in range(d):
                A[i, i] += mu * inv_ev[i]
            if info[0] == 0:
                dpotrf(uplo.ctypes.data, nn.ctypes.data, A.ctypes.data, nn.ctypes.data, info.ctypes.data)
            if info[0] == 0:
                dpotrs(uplo.ctypes.data, nn.ctypes.data, one.ctypes.data, A.ctypes.data, nn.ctypes.data,
                       r.ctypes.data, nn.ctypes.data, info.ctypes.data)
            for i in range(d):
                e[i] = v[b, i] + r[i]
        status[b] = info[0]
        s = 0.0
        for i in range(d):
            s += e[i] * e[i]
        err[b] = s


# ---------------------------------------------------------------------------------------------------------
# Fewer samples than dimensions (T_m < d): the trapezoidal Bartlett factor and the dual (T × T) solve
# ---------------------------------------------------------------------------------------------------------


def trapezoid_size(T: int, d: int) -> int:
    """Packed strictly-upper entries of a ``T × d`` upper-trapezoidal factor (rows ``0..T-1``), ``T <= d``."""
    return T * d - T * (T + 1) // 2


@njit(cache=True)
def _dual_fit(sq_ev, ev, diag, off, u, z, s, mu, Rs, K, rhs, out, info):
    r"""One fit on :math:`T < d` samples through the trapezoidal factor: ``out`` = whitened new estimate.

    Let :math:`Z \in \mathbb R^{T\times d}` be standard Gaussian, :math:`T < d`. Householder reflections
    applied column after column (each depends only on the columns already processed, which are independent
    of the later ones, and maps the later columns to iid Gaussians again) give :math:`Z = HR` with
    :math:`H` orthogonal and :math:`R` upper trapezoidal: :math:`R_{ii} \sim \chi(T - i)`
    (:math:`i = 0..T-1`), :math:`R_{ij} \sim N(0,1)` for :math:`j > i`, all independent. Labels
    :math:`Y = ZD^{1/2}w + sE` enter only through :math:`H^\top Y = RD^{1/2}w + s\,H^\top E` and
    :math:`H^\top E \sim N(0, I_T)` independently of :math:`R` (:math:`E \perp Z`). With
    :math:`X = ZD^{1/2}`, :math:`R_s = RD^{1/2}`, the ridge / minimum-norm fit (Eq. 7, :math:`\mu = \lambda T
    \ge 0`) in dual form is

    .. math::
        \hat w = X^\top(XX^\top + \mu I_T)^{-1}Y = R_s^\top(R_sR_s^\top + \mu I_T)^{-1}(R_s w + s z),

    (for :math:`\mu = 0` this is :math:`X^\dagger Y`, the minimum-norm interpolator, as :math:`XX^\top \succ 0`
    a.s.), with the same law as with :math:`X` materialised. Input ``u`` :math:`= D^{1/2}w`, output ``out``
    :math:`= D^{1/2}\hat w = DR^\top\alpha`, :math:`\alpha = (R_sR_s^\top + \mu I)^{-1}(Ru + sz)`.
    Cost: ``dsyrk`` :math:`T^2d` + ``dpotrf`` :math:`T^3/3` flops.
    """
    T = diag.shape[0]
    d = u.shape[0]
    for i in range(T):
        base = i * d - (i * (i + 1)) // 2 - i - 1
        for j in range(i):
            Rs[i, j] = 0.0
        Rs[i, i] = diag[i] * sq_ev[i]
        acc = diag[i] * u[i]
        for j in range(i + 1, d):
            r = off[base + j]
            Rs[i, j] = r * sq_ev[j]
            acc += r * u[j]
        rhs[i] = acc + s * z[i]
    # C-order Rs (T × d) is Fortran Rsᵀ (d × T): syrk('L', 'T') gives Rs Rsᵀ in the Fortran-lower = C-upper part
    lo = np.array([76], dtype=np.uint8)  # 'L'
    tr = np.array([84], dtype=np.uint8)  # 'T'
    nT = np.array([T], dtype=np.int32)
    nd = np.array([d], dtype=np.int32)
    one_i = np.array([1], dtype=np.int32)
    one = np.array([1.0])
    zero = np.array([0.0])
    dsyrk(lo.ctypes.data, tr.ctypes.data, nT.ctypes.data, nd.ctypes.data, one.ctypes.data, Rs.ctypes.data,
          nd.ctypes.data, zero.ctypes.data, K.ctypes.data, nT.ctypes.data)
    for i in range(T):
        K[i, i] += mu
    dpotrf(lo.ctypes.data, nT.ctypes.data, K.ctypes.data, nT.ctypes.data, info.ctypes.data)
    if info[0] == 0:
        dpotrs(lo.ctypes.data, nT.ctypes.data, one_i.ctypes.data, K.ctypes.data, nT.ctypes.data,
               rhs.ctypes.data, nT.ctypes.data, info.ctypes.data)
    for j in range(d):
        out[j] = 0.0
    for i in range(T):
        base = i * d - (i * (i + 1)) // 2 - i - 1
        a = rhs[i]
        out[i] += diag[i] * a
        for j in range(i + 1, d):
            out[j] += off[base + j] * a
    for j in range(d):
        out[j] *= ev[j]


@njit(cache=True, parallel=True, nogil=True)
def dual_chain(sq_ev, ev, c, diag, off, z, sigma0, shared, v, status):
    r"""Chain of minimum-norm interpolators, :math:`T_0 < d` (:func:`_dual_fit` with :math:`\mu = 0`).

    ``diag`` (B, G, T0), ``off`` (B, G, T0·d − T0(T0+1)/2), ``z`` (B, n, T0); ``v`` (B, d) output:
    :math:`D^{1/2}(\hat w_n - w_0)`. A shared design reuses generation 0's factor with fresh noise
    (:math:`H_0^\top E_k` are independent :math:`N(0, I)` for independent :math:`E_k`).
    """
    B = z.shape[0]
    n = z.shape[1]
    T0 = z.shape[2]
    d = v.shape[1]
    for b in prange(B):
        u = np.empty(d)
        new = np.empty(d)
        Rs = np.empty((T0, d))
        K = np.empty((T0, T0))
        rhs = np.empty(T0)
        info = np.zeros(1, dtype=np.int32)
        for j in range(d):
            u[j] = c[j] * sq_ev[j]
        for k in range(n):
            g = 0 if shared else k
            _dual_fit(sq_ev, ev, diag[b, g], off[b, g], u, z[b, k], sigma0, 0.0, Rs, K, rhs, new, info)
            if info[0] != 0:
                break
            for j in range(d):
                u[j] = new[j]
        status[b] = info[0]
        for j in range(d):
            v[b, j] = u[j] - c[j] * sq_ev[j]


@njit(cache=True, parallel=True, nogil=True)
def dual_downstream(sq_ev, ev, c, mu, sigma, v, diag, off, z, err, chain_err, status):
    r"""Downstream ridge (:math:`\mu > 0`) or minimum-norm interpolator (:math:`\mu = 0`) on :math:`T < d`
    samples (:func:`_dual_fit`); ``diag`` (B, T), ``off`` (B, T·d − T(T+1)/2), ``z`` (B, T).

    Outputs as :func:`ridge_downstream`.
    """
    B = v.shape[0]
    d = v.shape[1]
    T = z.shape[1]
    for b in prange(B):
        u = np.empty(d)
        out = np.empty(d)
        Rs = np.empty((T, d))
        K = np.empty((T, T))
        rhs = np.empty(T)
        info = np.zeros(1, dtype=np.int32)
        s = 0.0
        for j in range(d):
            s += v[b, j] * v[b, j]
            u[j] = v[b, j] + c[j] * sq_ev[j]
        chain_err[b] = s
        _dual_fit(sq_ev, ev, diag[b], off[b], u, z[b], sigma, mu, Rs, K, rhs, out, info)
        status[b] = info[0]
        s = 0.0
        for j in range(d):
            e = out[j] - c[j] * sq_ev[j]
            s += e * e
        err[b] = s
