r"""numba kernels of the exact fast samplers: the random numbers are drawn *inside*, one Generator per stream.

Stream layout (``SAMPLER_VERSION`` ``"5"``; version 4 changed the draws of ``bartlett``'s independent
generations, :func:`_ols_generation_seq`; version 5 the block size ``B`` and, in the last bits, the ridge solve
of :func:`_cholesky_solve`). ``SeedSequence(seed).spawn(S)`` gives ``S`` streams; stream ``s`` owns the
replicates ``s·B .. s·B + B − 1`` (``B`` a fixed function of the problem and the sampler, see
:func:`symcollapse.simulate.monte_carlo.block_size`) and draws them one after the other, each replicate's
numbers in the fixed order documented beside its kernel. The kernels ``prange`` over streams; each stream is
used by exactly one thread at a time, and the arithmetic of a replicate is sequential in a fixed order, so a
replicate's value depends on ``(problem, sampler, seed, index)`` only: not on the number of threads, not on
how streams are grouped into kernel calls, and not on ``reps`` (fewer replicates are a prefix of more,
because a stream stops after its last requested replicate). numba's ``Generator`` methods reproduce
numpy's bit for bit (tested), so a kernel's draws can be replayed in numpy; so do the register-held normals of
:mod:`symcollapse.simulate._rng` that draw the downstream Bartlett factor of :func:`bartlett_kernel`.

Memory per stream: the current generation's factor (:math:`O(d^2)`, or :math:`O(d)` when it is consumed on the
fly) and one :math:`d\times d` workspace; nothing proportional to ``reps × d²`` is ever allocated.

Failures are reported through the ``status`` output array, never by ``raise`` (a ``raise`` inside ``prange``
serialises the loop).

Coordinates. Everything is computed in *whitened* coordinates: with :math:`D = \Sigma =
\mathrm{diag}(\lambda_j)` (problems are stored in Σ's eigenbasis) and a design :math:`X = ZD^{1/2}`,
:math:`Z` standard Gaussian, the chain deviation is carried as :math:`v = D^{1/2}(\hat w - w_0)`, so that
:math:`\|\hat w - w_0\|_\Sigma^2 = \|v\|_2^2`, and :math:`Z^\top Z \sim \mathrm{Wishart}(I_d, T)`.

Bartlett factor. For :math:`T \ge d`, an upper triangular :math:`U` with independent entries
:math:`U_{ij} \sim N(0,1)` (:math:`j > i`) and :math:`U_{ii} = \sqrt{\chi^2(T - d + 1 + i)}`
(:math:`i = 0..d-1`) gives :math:`UU^\top \sim \mathrm{Wishart}(I_d, T)` (the Bartlett decomposition
:math:`W = LL^\top`, :math:`L_{ii}^2 \sim \chi^2(T - i)`, conjugated by the index reversal :math:`J`,
:math:`JWJ \overset{d}{=} W`; paper §3, see docs/theory/simulation.md). It is drawn row by row (``U_ii``
then ``U_{i,i+1..d-1}``); packed, row :math:`i` of the strict upper triangle starts at offset
:math:`id - i(i+1)/2`.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from symcollapse.simulate._lapack import dgemm, dlauum, dpotrf, dpotrs, dsyevd, dsyrk, dtrsm, dtrsv
from symcollapse.simulate._rng import normals

__all__ = ["bartlett_kernel", "ols_law_kernel", "block_kernel", "packed_size", "trapezoid_size"]


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




# ---------------------------------------------------------------------------------------------------------
# Draws (each in a fixed order: the stream layout)
# ---------------------------------------------------------------------------------------------------------


@njit(cache=True)
def _draw_factor(gen, Tm, d, diag, off):
    """Packed factor of one design, row by row: Bartlett (``Tm >= d``) or trapezoid (``Tm < d``).

    Row ``i``: ``diag[i]`` = :math:`\\sqrt{\\chi^2(T_m - d + 1 + i)}` (Bartlett) or :math:`\\sqrt{\\chi^2(T_m - i)}`
    (trapezoid, :func:`_dual_fit`), then the ``d - 1 - i`` standard normals of the row.
    """
    rows = d if Tm >= d else Tm
    for i in range(rows):
        df = Tm - d + 1 + i if Tm >= d else Tm - i
        diag[i] = np.sqrt(gen.chisquare(df))
        base = i * d - (i * (i + 1)) // 2 - i - 1
        for j in range(i + 1, d):
            off[base + j] = gen.standard_normal()


@njit(cache=True)
def _normals(gen, z, m):
    for i in range(m):
        z[i] = gen.standard_normal()


@njit(cache=True)
def _ols_generation(gen, d, Tm, s, y, v):
    r"""``v += s·U^{-T}z`` with ``z`` then the Bartlett factor ``U`` drawn *on the fly* (:math:`T_m \ge d`).

    One OLS fit on :math:`T_m \ge d` samples adds :math:`(X^\top X)^{-1}X^\top(sE)` to the estimate; whitened,
    :math:`W^{-1}b` with :math:`W = UU^\top`, :math:`b = sUz` (exact joint law, see
    :func:`ridge_rep`), i.e. :math:`sU^{-\top}z`. Forward substitution sweeps the rows of :math:`U` in the
    order they are drawn, so the factor is never stored: :math:`O(d)` memory, :math:`d^2/2` normals and
    :math:`d^2` flops. Draws: ``z`` (``d`` normals), then ``U`` row by row.
    """
    for i in range(d):
        y[i] = gen.standard_normal()
    for j in range(d):
        yj = y[j] / np.sqrt(gen.chisquare(Tm - d + 1 + j))
        y[j] = yj
        for i in range(j + 1, d):
            y[i] -= gen.standard_normal() * yj
    for i in range(d):
        v[i] += s * y[i]


@njit(cache=True)
def _ols_generation_seq(gen, d, Tm, s, v):
    r"""``v += s·y`` with :math:`y = U^{-\top}z` for a fresh Bartlett factor ``U`` and ``z``, drawn in :math:`O(d)`.

    Row :math:`i` of :math:`U^\top y = z` reads :math:`U_{ii}y_i = z_i - \sum_{j<i} U_{ji}y_j`. The entries
    :math:`z_i`, :math:`U_{ii}` and the column :math:`U_{0..i-1,i}` are independent of :math:`y_{<i}` (which
    depends only on :math:`z_{<i}` and the columns :math:`< i`), so given :math:`y_{<i}`,
    :math:`z_i - \sum_{j<i}U_{ji}y_j \sim N(0, 1 + S_i)`, :math:`S_i = \sum_{j<i}y_j^2`, independently of
    :math:`U_{ii}^2 \sim \chi^2(T_m - d + 1 + i)`. Hence

    .. math::
        y_i = \sqrt{\frac{1 + S_i}{c_i}}\; h_i,\qquad h_i \sim N(0, 1),\quad c_i \sim \chi^2(T_m - d + 1 + i),

    all independent, has exactly the joint law of :math:`U^{-\top}z` (the product of its sequential
    conditionals; paper §3, see docs/theory/simulation.md). Same law as :func:`_ols_generation`, with
    :math:`2d` random numbers instead of :math:`d^2/2 + 2d`. Draws: for each :math:`i`, :math:`h_i` then
    :math:`c_i`.
    """
    S = 0.0
    for i in range(d):
        h = gen.standard_normal()
        c = gen.chisquare(Tm - d + 1 + i)
        y = np.sqrt((1.0 + S) / c) * h
        S += y * y
        v[i] += s * y


# ---------------------------------------------------------------------------------------------------------
# Cholesky factorisation: one LAPACK call for small d, a recursive GEMM-rich one for large d
# ---------------------------------------------------------------------------------------------------------

# Measured single-threaded (OpenBLAS 0.3.30, benchmarks/results_simulate.md): dpotrf runs at 26-28 GFLOP/s at
# d = 1000 and 32 at d = 2000, dtrsm at 22-29, while dgemm/dsyrk run at 50-55. The recursive factorisation
# below puts almost all of its d³/3 flops into dgemm/dsyrk (36 and 42 GFLOP/s at d = 1000 and 2000); at
# d ≤ 256 a single dpotrf is as fast, and is used (so small problems keep their bits).
_CHOL_REC_MIN = 256
_CHOL_LEAF = 64  # recursion leaves: dpotrf on at most this many columns
_TRSM_LEAF = 32  # triangular-solve leaves: dtrsm on at most this many columns


@njit(cache=True)
def _rtrsm(m, n, pl, ldl, pb, ldb, cf):
    """``B ← B L⁻ᵀ`` (Fortran order: ``B`` is ``m × n`` at ``pb``, ``L`` lower ``n × n`` at ``pl``), by halves of
    ``L``: the two half-solves recurse and the coupling is one ``dgemm``. ``cf`` holds the character and
    scalar arguments (see :func:`_potrf_rec`)."""
    ip = np.empty(5, dtype=np.int32)
    ip[0], ip[1], ip[2], ip[3] = m, n, ldl, ldb
    if n <= _TRSM_LEAF:
        # side 'R', uplo 'L', transa 'T', diag 'N'
        dtrsm(cf[0:].ctypes.data, cf[1:].ctypes.data, cf[2:].ctypes.data, cf[3:].ctypes.data, ip[0:].ctypes.data,
              ip[1:].ctypes.data, cf[8:].ctypes.data, pl, ip[2:].ctypes.data, pb, ip[3:].ctypes.data)
        return
    k = n // 2
    _rtrsm(m, k, pl, ldl, pb, ldb, cf)
    ip[1], ip[4] = n - k, k
    # B[:, k:] -= X[:, :k] · L[k:, :k]ᵀ
    dgemm(cf[3:].ctypes.data, cf[2:].ctypes.data, ip[0:].ctypes.data, ip[1:].ctypes.data, ip[4:].ctypes.data,
          cf[16:].ctypes.data, pb, ip[3:].ctypes.data, pl + np.uintp(8 * k), ip[2:].ctypes.data, cf[8:].ctypes.data,
          pb + np.uintp(8 * k * ldb), ip[3:].ctypes.data)
    _rtrsm(m, n - k, pl + np.uintp(8 * (k + k * ldl)), ldl, pb + np.uintp(8 * k * ldb), ldb, cf)


@njit(cache=True)
def _rpotrf(p, n, lda, cf, info):
    """Lower Cholesky (Fortran order) of the ``n × n`` block at ``p``: factor the leading half, solve the
    off-diagonal block (:func:`_rtrsm`), downdate the trailing half (``dsyrk``), factor it."""
    ip = np.empty(3, dtype=np.int32)
    if n <= _CHOL_LEAF:
        ip[0], ip[1] = n, lda
        dpotrf(cf[1:].ctypes.data, ip[0:].ctypes.data, p, ip[1:].ctypes.data, info.ctypes.data)
        return
    n1 = n // 2
    n2 = n - n1
    _rpotrf(p, n1, lda, cf, info)
    if info[0] != 0:
        return
    p21 = p + np.uintp(8 * n1)
    p22 = p + np.uintp(8 * (n1 + n1 * lda))
    _rtrsm(n2, n1, p, lda, p21, lda, cf)
    ip[0], ip[1], ip[2] = n2, n1, lda
    # A22 -= A21 A21ᵀ (uplo 'L', trans 'N')
    dsyrk(cf[1:].ctypes.data, cf[3:].ctypes.data, ip[0:].ctypes.data, ip[1:].ctypes.data, cf[16:].ctypes.data, p21,
          ip[2:].ctypes.data, cf[8:].ctypes.data, p22, ip[2:].ctypes.data)
    _rpotrf(p22, n2, lda, cf, info)
    if info[0] > 0:
        info[0] += n1  # LAPACK's convention: the order of the first non-positive leading minor


@njit(cache=True)
def _potrf_rec(A, info):
    r"""In-place Cholesky of the symmetric C-order ``A`` (its upper triangle = Fortran's lower), as
    ``dpotrf('L')``: a single ``dpotrf`` for :math:`d \le` ``_CHOL_REC_MIN``, else the recursive
    :func:`_rpotrf`. Deterministic (fixed recursion, one BLAS thread), so thread-count independent."""
    d = A.shape[0]
    if d <= _CHOL_REC_MIN:
        uplo = np.array([76], dtype=np.uint8)
        nn = np.array([d], dtype=np.int32)
        dpotrf(uplo.ctypes.data, nn.ctypes.data, A.ctypes.data, nn.ctypes.data, info.ctypes.data)
        return
    # byte view: [0] 'R', [1] 'L', [2] 'T', [3] 'N'; float64 1.0 at byte 8, -1.0 at byte 16
    cf = np.zeros(24, dtype=np.uint8)
    cf[0], cf[1], cf[2], cf[3] = 82, 76, 84, 78
    sc = cf[8:24].view(np.float64)
    sc[0], sc[1] = 1.0, -1.0
    _rpotrf(A.ctypes.data, d, d, cf, info)


# ---------------------------------------------------------------------------------------------------------
# Downstream step of one replicate
# ---------------------------------------------------------------------------------------------------------


@njit(cache=True)
def _draw_ridge_system(gen, at, d, T, mu, sigma, inv_sqrt_ev, inv_ev, c, v, A, z, r):
    """Draw ``z`` then ``U`` (row by row) into the upper triangle of ``A``; ``r = σUz − μ(D^{-1/2}c + D^{-1}v)``.

    The normals come in runs (``z``, then each row's off-diagonal part) from :func:`~symcollapse.simulate._rng.normals`
    (``at``: the stream's state address, 0 for the Generator's own method; the same numbers either way)."""
    normals(gen, at, z, 0, d)
    for i in range(d):
        A[i, i] = np.sqrt(gen.chisquare(T - d + 1 + i))
        row = A[i]
        normals(gen, at, row, i + 1, d)
        acc = A[i, i] * z[i]
        for j in range(i + 1, d):
            acc += row[j] * z[j]
        r[i] = sigma * acc - mu * (c[i] * inv_sqrt_ev[i] + v[i] * inv_ev[i])


@njit(cache=True)
def _cholesky_solve(A, mu, inv_ev, r, info):
    """``A`` (upper: U) → U Uᵀ + μD⁻¹ → Cholesky LLᵀ (:func:`_potrf_rec`) → ``r`` ← (UUᵀ + μD⁻¹)⁻¹ r; ``info[0]``
    = LAPACK status. The solve is two ``dtrsv`` (L y = r, Lᵀx = y): what ``dpotrs`` does for one right-hand
    side, without its Level-3 ``dtrsm`` overhead (1.3× faster at d = 50, 2.3× at d = 200 and 1000)."""
    d = A.shape[0]
    ch = np.array([76, 78, 84], dtype=np.uint8)  # 'L' (Fortran) = upper triangle of the C-order array; 'N'; 'T'
    nn = np.array([d, 1], dtype=np.int32)
    dlauum(ch[0:].ctypes.data, nn[0:].ctypes.data, A.ctypes.data, nn[0:].ctypes.data, info.ctypes.data)
    for i in range(d):
        A[i, i] += mu * inv_ev[i]
    if info[0] == 0:
        _potrf_rec(A, info)
    if info[0] == 0:
        for trans in (1, 2):
            dtrsv(ch[0:].ctypes.data, ch[trans:].ctypes.data, ch[1:].ctypes.data, nn[0:].ctypes.data, A.ctypes.data,
                  nn[0:].ctypes.data, r.ctypes.data, nn[1:].ctypes.data)


@njit(cache=True)
def ridge_rep(gen, T, mu, sigma, inv_sqrt_ev, inv_ev, c, v, A, z, r, info, at=0):
    r"""Exact downstream ridge step from a freshly drawn Bartlett factor (:math:`T \ge d`); returns the test error.

    With :math:`G = X^\top X = D^{1/2} W D^{1/2}`, :math:`W = UU^\top \sim \mathrm{Wishart}(I_d, T)` and,
    given :math:`X`, :math:`X^\top E \sim N(0, \sigma^2 G)`, realised as :math:`\sigma D^{1/2}Uz`
    (exact joint law: ridge sees the data only through :math:`X^\top X` and :math:`X^\top Y`), Eq. 7
    :math:`\hat w^{pred} = (G + \mu I)^{-1}(G\hat w_n + X^\top E)`, :math:`\mu = \lambda T`, becomes

    .. math::
        D^{1/2}(\hat w^{pred} - w_0) = v + (W + \mu D^{-1})^{-1}
        \big(\sigma Uz - \mu D^{-1/2}\hat w_n\big),\qquad D^{-1/2}\hat w_n = D^{-1/2}c + D^{-1}v .

    :math:`W = UU^\top` by ``dlauum`` (:math:`d^3/3` flops), then one Cholesky of :math:`W + \mu D^{-1}`
    (``dpotrf``, :math:`d^3/3`) and two triangular solves (``dtrsv``). For :math:`\mu = 0` the solve is
    :math:`W^{-1}\sigma Uz = \sigma U^{-\top}z` (:func:`_ols_generation`): :math:`O(d^2)`, no factorisation, no
    :math:`d\times d` storage. Draws: ``z``, then ``U`` row by row (both branches). ``at``: the stream's PCG64
    state address for :func:`~symcollapse.simulate._rng.normals` (0: the Generator's own method; same numbers).
    """
    d = v.shape[0]
    if mu == 0.0:
        for i in range(d):
            r[i] = v[i]
        _ols_generation(gen, d, T, sigma, z, r)
    else:
        _draw_ridge_system(gen, at, d, T, mu, sigma, inv_sqrt_ev, inv_ev, c, v, A, z, r)
        _cholesky_solve(A, mu, inv_ev, r, info)
        for i in range(d):
            r[i] += v[i]
    s = 0.0
    for i in range(d):
        s += r[i] * r[i]
    return s


@njit(cache=True)
def dual_rep(gen, T, mu, sigma, sq_ev, ev, c, v, diag, off, z, u, out, Rs, K, rhs, info):
    """Downstream ridge (μ > 0) or minimum-norm interpolator (μ = 0) on ``T < d`` samples (:func:`_dual_fit`).

    Draws: the trapezoidal factor row by row, then ``z`` (``T`` normals). Returns the test error.
    """
    d = v.shape[0]
    _draw_factor(gen, T, d, diag, off)
    _normals(gen, z, T)
    for j in range(d):
        u[j] = v[j] + c[j] * sq_ev[j]
    _dual_fit(sq_ev, ev, diag[:T], off, u, z, sigma, mu, Rs, K, rhs, out, info)
    s = 0.0
    for j in range(d):
        e = out[j] - c[j] * sq_ev[j]
        s += e * e
    return s


# ---------------------------------------------------------------------------------------------------------
# Workspace of one stream
# ---------------------------------------------------------------------------------------------------------


@njit(cache=True)
def _workspace(d, T0, T, need_A, need_packed):
    """Per-stream arrays, O(d² + T0·d + T·d) at most whatever ``reps``: the d × d ridge system, a packed
    factor, and the dual (``T_m < d``) blocks ``Rs`` (T_m × d) and ``K`` (T_m × T_m, exact size: LAPACK's
    leading dimension) for the chain (``Kc``) and the downstream fit (``Kd``)."""
    A = np.empty((d, d)) if need_A else np.empty((1, 1))
    diag = np.empty(d)
    off = np.empty(max(1, d * (d - 1) // 2) if need_packed or T0 < d or T < d else 1)
    tc = T0 if T0 < d else 0
    td = T if T < d else 0
    Rs = np.empty((max(1, tc, td), d))
    Kc = np.empty((max(1, tc), max(1, tc)))
    Kd = np.empty((max(1, td), max(1, td)))
    return A, diag, off, Rs, Kc, Kd


@njit(cache=True)
def _downstream(gen, at, T, mu, sigma, sq_ev, ev, inv_sqrt_ev, inv_ev, c, v, A, diag, off, Rs, K, z, u, out, rhs,
                info):
    if T >= v.shape[0]:
        return ridge_rep(gen, T, mu, sigma, inv_sqrt_ev, inv_ev, c, v, A, z, out, info, at)
    return dual_rep(gen, T, mu, sigma, sq_ev, ev, c, v, diag, off, z, u, out, Rs, K, rhs, info)


# ---------------------------------------------------------------------------------------------------------
# The chain of one replicate
# ---------------------------------------------------------------------------------------------------------


@njit(cache=True)
def bartlett_chain_rep(gen, n, T0, sigma0, shared, sq_ev, ev, c, v, diag, off, Rs, K, z, u, new, rhs, info, ns, V):
    r"""The OLS chain (Eqs. 4–6), generation by generation; ``v`` ← :math:`D^{1/2}(\hat w_n - w_0)`.

    :math:`T_0 \ge d`: independent designs use :func:`_ols_generation_seq` (per generation the increment
    :math:`\sigma_0U^{-\top}z` of a fresh ``z`` and ``U``, drawn coordinate by coordinate from its sequential
    conditionals, :math:`O(d)`; version ≤ 3 drew all of ``U``); a shared design (:math:`X_m \equiv X_0`) draws ``U_0`` once (packed) and then a fresh
    ``z`` per generation (fresh noise :math:`E_m`), solved by :func:`_solve_ut`. :math:`T_0 < d`
    (minimum-norm interpolators): per generation the trapezoidal factor (once if shared) then ``z``
    (``T0`` normals), fitted by :func:`_dual_fit` with :math:`\mu = 0`. If ``V`` has rows, row ``k`` receives
    ``v`` after generation ``ns[k]`` (``ns`` sorted; the chain for ``n`` is a prefix of the chain for
    ``n + 1``).
    """
    d = v.shape[0]
    for j in range(d):
        v[j] = 0.0
    k = 0
    while k < ns.shape[0] and ns[k] == 0:
        V[k, :] = 0.0
        k += 1
    if T0 >= d:
        for m in range(n):
            if shared:
                if m == 0:
                    _draw_factor(gen, T0, d, diag, off)
                _normals(gen, z, d)
                _solve_ut(diag, off, z, new)
                for i in range(d):
                    v[i] += sigma0 * new[i]
            else:
                _ols_generation_seq(gen, d, T0, sigma0, v)
            while k < ns.shape[0] and ns[k] == m + 1:
                V[k, :] = v
                k += 1
        return
    for j in range(d):
        u[j] = c[j] * sq_ev[j]
    for m in range(n):
        if m == 0 or not shared:
            _draw_factor(gen, T0, d, diag, off)
        _normals(gen, z, T0)
        _dual_fit(sq_ev, ev, diag[:T0], off, u, z, sigma0, 0.0, Rs, K, rhs, new, info)
        if info[0] != 0:
            return
        for j in range(d):
            u[j] = new[j]
        for j in range(d):
            v[j] = u[j] - c[j] * sq_ev[j]
        while k < ns.shape[0] and ns[k] == m + 1:
            V[k, :] = v
            k += 1


@njit(cache=True)
def collapsed_chain_rep(gen, n, T0, sigma0, shared, v, per_generation, ns, V):
    r"""The collapsed OLS chain (:math:`T_0 \ge d`); ``v`` ← a draw of :math:`D^{1/2}(\hat w_n - w_0)`.

    ``per_generation = False`` (one point): ``G`` chi-squares :math:`c_k \sim \chi^2(T_0 - d + 1)` (``G = n``,
    or 1 for a shared design), then ``g`` (``d`` normals); :math:`v = \sigma_0 (\sum_k 1/c_k)^{1/2} g` (or
    :math:`\sigma_0 (n/c)^{1/2}g`), exact by the rotation-invariance argument of
    :mod:`symcollapse.simulate.monte_carlo`. ``per_generation = True`` (shared randomness over a grid of
    ``n``): per generation :math:`c_k` (independent designs; one :math:`c` before the first generation if
    shared) and :math:`g_k`, :math:`v \mathrel{+}= \sigma_0 c_k^{-1/2}g_k`; row ``k`` of ``V`` receives ``v``
    after generation ``ns[k]``. Independent designs: this is the exact joint law of the chain's increments.
    Shared: each ``v_n`` has the exact law :math:`\sigma_0 (n/c)^{1/2}g` (:math:`\sum_{k<n} g_k \sim
    \sqrt n\,g`), the joint law across ``n`` differs from the chain's.
    """
    d = v.shape[0]
    for j in range(d):
        v[j] = 0.0
    if not per_generation:
        S = 0.0
        if n > 0:
            if shared:
                S = n / gen.chisquare(T0 - d + 1)
            else:
                for _ in range(n):
                    S += 1.0 / gen.chisquare(T0 - d + 1)
        f = sigma0 * np.sqrt(S)
        for j in range(d):
            v[j] = f * gen.standard_normal()
        return
    k = 0
    while k < ns.shape[0] and ns[k] == 0:
        V[k, :] = 0.0
        k += 1
    f = 0.0
    for m in range(n):
        if m == 0 or not shared:
            f = sigma0 / np.sqrt(gen.chisquare(T0 - d + 1))
        for j in range(d):
            v[j] += f * gen.standard_normal()
        while k < ns.shape[0] and ns[k] == m + 1:
            V[k, :] = v
            k += 1


# ---------------------------------------------------------------------------------------------------------
# Parallel drivers: prange over streams
# ---------------------------------------------------------------------------------------------------------


@njit(cache=True, parallel=True, nogil=True)
def bartlett_kernel(gens, at, B, reps, collapsed, ev, c, n, T0, sigma0, shared, T, sigma, mu, err, chain_err, status):
    """``bartlett`` (``collapsed = False``) or ``collapsed`` (``True``): per replicate the chain
    (:func:`bartlett_chain_rep` / :func:`collapsed_chain_rep`), then the downstream step (:func:`ridge_rep`
    or :func:`dual_rep`). Outputs per replicate: test error, chain error, LAPACK status (0 = success).
    ``at[s]``: stream ``s``'s PCG64 state address for :func:`~symcollapse.simulate._rng.normals` (0: through
    the Generator's methods; :func:`symcollapse.simulate._seeding.addresses`)."""
    d = ev.shape[0]
    sq_ev = np.sqrt(ev)
    inv_sqrt_ev = 1.0 / sq_ev
    inv_ev = 1.0 / ev
    ns = np.empty(0, dtype=np.int64)
    V = np.empty((0, d))
    for s in prange(len(gens)):
        gen = gens[np.int64(s)]  # prange indices are unsigned; the typed list wants a signed index
        A, diag, off, Rs, Kc, Kd = _workspace(d, T0, T, T >= d and mu != 0.0, shared and not collapsed)
        v, z, u, new, out = np.empty(d), np.empty(d), np.empty(d), np.empty(d), np.empty(d)
        rhs = np.empty(d)
        info = np.zeros(1, dtype=np.int32)
        for r in range(s * B, min(reps, s * B + B)):
            info[0] = 0
            if collapsed:
                collapsed_chain_rep(gen, n, T0, sigma0, shared, v, False, ns, V)
            else:
                bartlett_chain_rep(gen, n, T0, sigma0, shared, sq_ev, ev, c, v, diag, off, Rs, Kc, z, u, new, rhs,
                                   info, ns, V)
            ce = 0.0
            for j in range(d):
                ce += v[j] * v[j]
            chain_err[r] = ce
            if info[0] != 0:
                status[r] = info[0]
                err[r] = np.nan
                continue
            err[r] = _downstream(gen, at[np.int64(s)], T, mu, sigma, sq_ev, ev, inv_sqrt_ev, inv_ev, c, v, A, diag, off, Rs, Kd, z, u,
                                 out, rhs, info)
            status[r] = info[0]


@njit(cache=True, parallel=True, nogil=True)
def ols_law_kernel(gens, B, reps, d, n, T0, sigma0, shared, T, sigma, err, chain_err):
    r"""``ols-law``: per replicate, in this order, the chain's chi-squares (``n``, or 1 if shared),
    :math:`c' \sim \chi^2(T - d + 1)`, :math:`a \sim \chi^2_d`, :math:`\gamma \sim N(0, 1)`,
    :math:`\beta \sim \chi^2_{d-1}` (0 when ``d = 1``); the errors are the closed formulas of
    :mod:`symcollapse.simulate.monte_carlo`."""
    for s in prange(len(gens)):
        gen = gens[np.int64(s)]  # prange indices are unsigned; the typed list wants a signed index
        for r in range(s * B, min(reps, s * B + B)):
            S = 0.0
            if n > 0:
                if shared:
                    S = n / gen.chisquare(T0 - d + 1)
                else:
                    for _ in range(n):
                        S += 1.0 / gen.chisquare(T0 - d + 1)
            cd = gen.chisquare(T - d + 1)
            a = gen.chisquare(d)
            gamma = gen.standard_normal()
            beta = gen.chisquare(d - 1) if d > 1 else 0.0
            chain_err[r] = sigma0 * sigma0 * S * a
            x = sigma0 * np.sqrt(S * a) + sigma * gamma / np.sqrt(cd)
            err[r] = x * x + sigma * sigma * beta / cd


# ---------------------------------------------------------------------------------------------------------
# Shared randomness over an (n, λ) grid: one chain and one downstream statistic per replicate
# ---------------------------------------------------------------------------------------------------------


@njit(cache=True)
def _draw_upper(gen, d, T, A, z):
    """``z`` then the Bartlett factor ``U`` row by row into the upper triangle of ``A`` (as :func:`ridge_rep`)."""
    for i in range(d):
        z[i] = gen.standard_normal()
    for i in range(d):
        A[i, i] = np.sqrt(gen.chisquare(T - d + 1 + i))
        for j in range(i + 1, d):
            A[i, j] = gen.standard_normal()


@njit(cache=True)
def _eig_system(A, sq_ev, w, work, iwork, info):
    """``A`` (upper: W = UUᵀ after ``dlauum``) → M = D^½ W D^½ → eigenvalues ``w``, eigenvectors in the rows
    of ``A`` (``dsyevd``; the C-order rows are Fortran's columns)."""
    d = A.shape[0]
    for i in range(d):
        for j in range(i, d):
            A[i, j] *= sq_ev[i] * sq_ev[j]
    jobz = np.array([86], dtype=np.uint8)  # 'V'
    uplo = np.array([76], dtype=np.uint8)  # 'L' (Fortran) = upper triangle of the C-order array
    nn = np.array([d], dtype=np.int32)
    lw = np.array([work.shape[0]], dtype=np.int32)
    liw = np.array([iwork.shape[0]], dtype=np.int32)
    dsyevd(jobz.ctypes.data, uplo.ctypes.data, nn.ctypes.data, A.ctypes.data, nn.ctypes.data, w.ctypes.data,
           work.ctypes.data, lw.ctypes.data, iwork.ctypes.data, liw.ctypes.data, info.ctypes.data)


# Crossover between one Cholesky of W + μD⁻¹ per λ and one eigendecomposition per replicate (T ≥ d): at
# d = 300 one ``dsyevd`` costs about 7 ``dpotrf`` (measured single-threaded, benchmarks/results_sweep.md), and
# the eigen path's per-point back-transform is no cheaper than a multi-RHS ``dpotrs``; so up to this many
# non-zero λ the block solves each λ by its own Cholesky (as :func:`ridge_rep`), beyond it by the eigenbasis.
CHOLESKY_MAX_LAMS = 4


@njit(cache=True)
def _grid_prelude(gen, d, T, sigma, A, z, y0, uz):
    """Draws ``z`` then ``U`` (those of :func:`ridge_rep`); ``y0`` = :math:`\\sigma U^{-\\top}z` (the μ = 0
    step), ``uz`` = :math:`Uz`."""
    _draw_upper(gen, d, T, A, z)
    for i in range(d):
        y0[i] = z[i]
    for j in range(d):  # y0 = U^{-T} z (forward substitution along the rows of U)
        y0[j] /= A[j, j]
        yj = y0[j]
        for i in range(j + 1, d):
            y0[i] -= A[j, i] * yj
    for i in range(d):
        y0[i] *= sigma
    for i in range(d):
        acc = 0.0
        for j in range(i, d):
            acc += A[i, j] * z[j]
        uz[i] = acc


@njit(cache=True)
def _ols_points(V, y0, mus, err_r):
    """The μ = 0 points of one replicate: :math:`e = v + \\sigma U^{-\\top}z`."""
    d = y0.shape[0]
    for b in range(mus.shape[0]):
        if mus[b] == 0.0:
            for a in range(V.shape[0]):
                s = 0.0
                for i in range(d):
                    e = V[a, i] + y0[i]
                    s += e * e
                err_r[a, b] = s


@njit(cache=True)
def _grid_cholesky(sigma, mus, sq_ev, ev, c, V, A, uz, S, R, info, err_r):
    r"""The :math:`\mu > 0` points of one replicate, one Cholesky of :math:`W + \mu D^{-1}` per μ (few λ).

    ``A`` holds :math:`W = UU^\top` (upper, after ``dlauum``); per μ it is copied to ``S``, shifted, factored
    (``dpotrf``) and solved for every chain state at once (``dpotrs`` with ``len(ns)`` right-hand sides, row
    ``a`` of ``R`` = :math:`\sigma Uz - \mu(D^{-1/2}c + D^{-1}v_a)`): exactly the step of :func:`ridge_rep`
    on the same draws, so each point keeps its law.
    """
    d = sq_ev.shape[0]
    na = V.shape[0]
    uplo = np.array([76], dtype=np.uint8)  # 'L' (Fortran) = upper triangle of the C-order array
    nn = np.array([d], dtype=np.int32)
    nr = np.array([na], dtype=np.int32)
    for b in range(mus.shape[0]):
        mu = mus[b]
        if mu == 0.0:
            continue
        for i in range(d):
            for j in range(i, d):
                S[i, j] = A[i, j]
            S[i, i] += mu / ev[i]
        dpotrf(uplo.ctypes.data, nn.ctypes.data, S.ctypes.data, nn.ctypes.data, info.ctypes.data)
        if info[0] != 0:
            return
        for a in range(na):
            for i in range(d):
                R[a, i] = sigma * uz[i] - mu * (c[i] / sq_ev[i] + V[a, i] / ev[i])
        # C-order R (na × d) is Fortran d × na with leading dimension d: one column per chain state
        dpotrs(uplo.ctypes.data, nn.ctypes.data, nr.ctypes.data, S.ctypes.data, nn.ctypes.data, R.ctypes.data,
               nn.ctypes.data, info.ctypes.data)
        if info[0] != 0:
            return
        for a in range(na):
            s = 0.0
            for i in range(d):
                e = V[a, i] + R[a, i]
                s += e * e
            err_r[a, b] = s


@njit(cache=True)
def _grid_eigen(sigma, mus, sq_ev, c, V, A, uz, qb, qt, h, ev_out, w, work, iwork, info, err_r):
    r"""The :math:`\mu > 0` points of one replicate from one eigendecomposition (many λ).

    With :math:`M = D^{1/2}WD^{1/2} = Q\Lambda Q^\top`, the ridge step of :func:`ridge_rep` is, for every
    :math:`\mu = \lambda T > 0` and chain state :math:`v`,

    .. math::
        e = v + D^{1/2} Q(\Lambda + \mu)^{-1}Q^\top\big(\sigma D^{1/2}Uz - \mu(c + D^{-1/2}v)\big)

    (:math:`W + \mu D^{-1} = D^{-1/2}(M + \mu I)D^{-1/2}`), :math:`O(d^2)` per point. The eigenvectors are
    the rows of ``A``; every product with :math:`Q` or :math:`Q^\top` sweeps those rows contiguously.
    """
    d = sq_ev.shape[0]
    _eig_system(A, sq_ev, w, work, iwork, info)
    if info[0] != 0:
        return
    for k in range(d):  # qb = Qᵀ D^½ U z
        acc = 0.0
        for i in range(d):
            acc += A[k, i] * (sq_ev[i] * uz[i])
        qb[k] = acc
    for a in range(V.shape[0]):
        for i in range(d):
            h[i] = c[i] + V[a, i] / sq_ev[i]
        for k in range(d):  # qt = Qᵀ (c + D^{-1/2} v)
            acc = 0.0
            for i in range(d):
                acc += A[k, i] * h[i]
            qt[k] = acc
        nb = mus.shape[0]
        for b in range(nb):
            for i in range(d):
                ev_out[b, i] = 0.0
        for k in range(d):  # row b of ev_out = Q (Λ + μ_b)⁻¹ (σ qb − μ_b qt): one sweep of A's rows for every μ
            for b in range(nb):
                mu = mus[b]
                if mu == 0.0:
                    continue
                hk = (sigma * qb[k] - mu * qt[k]) / (w[k] + mu)
                for i in range(d):
                    ev_out[b, i] += A[k, i] * hk
        for b in range(nb):
            if mus[b] == 0.0:
                continue
            s = 0.0
            for i in range(d):
                e = V[a, i] + sq_ev[i] * ev_out[b, i]
                s += e * e
            err_r[a, b] = s


@njit(cache=True)
def _grid_gram(gen, d, T, sigma, mus, V, A, z, y0, uz, info, err_r):
    r"""The part of one downstream draw (:math:`T \ge d`) every grid solver shares: the draws of
    :func:`_grid_prelude`, the :math:`\mu = 0` points (:func:`_ols_points`) and :math:`W = UU^\top` in ``A``
    (``dlauum``). Returns the number of non-zero μ still to solve (0 also when ``dlauum`` failed: ``info``)."""
    _grid_prelude(gen, d, T, sigma, A, z, y0, uz)
    _ols_points(V, y0, mus, err_r)
    n_ridge = 0
    for m in mus:
        n_ridge += m != 0.0
    if n_ridge == 0:
        return 0
    uplo = np.array([76], dtype=np.uint8)
    nn = np.array([d], dtype=np.int32)
    dlauum(uplo.ctypes.data, nn.ctypes.data, A.ctypes.data, nn.ctypes.data, info.ctypes.data)
    return n_ridge if info[0] == 0 else 0


@njit(cache=True)
def _grid_downstream(gen, T, sigma, mus, sq_ev, ev, c, V, A, S, R, z, y0, uz, qb, qt, h, eo, w, work, iwork, info,
                     err_r):
    r"""Every :math:`(n, \mu)` of one replicate from one downstream draw (:math:`T \ge d`).

    The draws (``z`` then ``U``) are those of :func:`ridge_rep`, so each point has exactly the law of the
    single-point step; :math:`\mu = 0` is :math:`e = v + \sigma U^{-\top}z` (no factorisation). The
    :math:`\mu > 0` points share :math:`W = UU^\top` (``dlauum``) and are solved by one Cholesky per μ
    (:func:`_grid_cholesky`, up to ``CHOLESKY_MAX_LAMS`` non-zero μ) or one eigendecomposition
    (:func:`_grid_eigen`); the choice depends only on the grid, never on the data or the thread count.
    """
    n_ridge = _grid_gram(gen, sq_ev.shape[0], T, sigma, mus, V, A, z, y0, uz, info, err_r)
    if n_ridge == 0:
        return
    if n_ridge <= CHOLESKY_MAX_LAMS:
        _grid_cholesky(sigma, mus, sq_ev, ev, c, V, A, uz, S, R, info, err_r)
    else:
        _grid_eigen(sigma, mus, sq_ev, c, V, A, uz, qb, qt, h, eo, w, work, iwork, info, err_r)


@njit(cache=True)
def _grid_dual(gen, T, sigma, mus, sq_ev, ev, c, V, diag, off, z, Rs, K0, K, RHS, out, info, err_r):
    r"""Every (n, μ) of one replicate from one downstream trapezoidal factor and ``z`` (``T < d``; the draws
    of :func:`dual_rep`).

    The dual fit of :func:`_dual_fit` for chain state :math:`v_a` and penalty :math:`\mu` is
    :math:`D^{1/2}\hat w = DR^\top(R_sR_s^\top + \mu I_T)^{-1}(R(v_a + D^{1/2}c) + sz)`: :math:`R_sR_s^\top`
    (``dsyrk``) is formed once per replicate, factored once per μ (``dpotrf``) and solved for every chain state
    at once (``dpotrs`` with ``len(ns)`` right-hand sides), the same arithmetic as :func:`_dual_fit`.
    """
    d = sq_ev.shape[0]
    na = V.shape[0]
    _draw_factor(gen, T, d, diag, off)
    _normals(gen, z, T)
    for i in range(T):
        base = i * d - (i * (i + 1)) // 2 - i - 1
        for j in range(i):
            Rs[i, j] = 0.0
        Rs[i, i] = diag[i] * sq_ev[i]
        for j in range(i + 1, d):
            Rs[i, j] = off[base + j] * sq_ev[j]
    lo = np.array([76], dtype=np.uint8)  # 'L'
    tr = np.array([84], dtype=np.uint8)  # 'T'
    nT = np.array([T], dtype=np.int32)
    nd = np.array([d], dtype=np.int32)
    nr = np.array([na], dtype=np.int32)
    one = np.array([1.0])
    zero = np.array([0.0])
    # C-order Rs (T × d) is Fortran Rsᵀ (d × T): syrk('L', 'T') gives Rs Rsᵀ in the Fortran-lower = C-upper part
    dsyrk(lo.ctypes.data, tr.ctypes.data, nT.ctypes.data, nd.ctypes.data, one.ctypes.data, Rs.ctypes.data,
          nd.ctypes.data, zero.ctypes.data, K0.ctypes.data, nT.ctypes.data)
    for b in range(mus.shape[0]):
        for i in range(T):
            for j in range(T):
                K[i, j] = K0[i, j]
            K[i, i] += mus[b]
        dpotrf(lo.ctypes.data, nT.ctypes.data, K.ctypes.data, nT.ctypes.data, info.ctypes.data)
        if info[0] != 0:
            return
        for a in range(na):  # row a of RHS = R (v_a + D^½ c) + s z
            for i in range(T):
                base = i * d - (i * (i + 1)) // 2 - i - 1
                acc = diag[i] * (V[a, i] + c[i] * sq_ev[i])
                for j in range(i + 1, d):
                    acc += off[base + j] * (V[a, j] + c[j] * sq_ev[j])
                RHS[a, i] = acc + sigma * z[i]
        dpotrs(lo.ctypes.data, nT.ctypes.data, nr.ctypes.data, K.ctypes.data, nT.ctypes.data, RHS.ctypes.data,
               nT.ctypes.data, info.ctypes.data)
        if info[0] != 0:
            return
        for a in range(na):
            for j in range(d):
                out[j] = 0.0
            for i in range(T):
                base = i * d - (i * (i + 1)) // 2 - i - 1
                al = RHS[a, i]
                out[i] += diag[i] * al
                for j in range(i + 1, d):
                    out[j] += off[base + j] * al
            s = 0.0
            for j in range(d):
                e = out[j] * ev[j] - c[j] * sq_ev[j]
                s += e * e
            err_r[a, b] = s


@njit(cache=True, parallel=True, nogil=True)
def block_kernel(gens, B, reps, collapsed, ev, c, T0, sigma0, shared, T, sigma, ns, mus, err, chain_err, status):
    """Shared randomness: per replicate one chain up to ``max(ns)`` (rows of ``V`` after each ``n`` in the
    sorted ``ns``) and one downstream draw serving every ``μ`` in ``mus``. ``err`` (reps, len(ns), len(mus)),
    ``chain_err`` (reps, len(ns)), ``status`` (reps,)."""
    d = ev.shape[0]
    na = ns.shape[0]
    sq_ev = np.sqrt(ev)
    n_max = ns[na - 1]
    n_ridge = 0
    for m in mus:
        n_ridge += m != 0.0
    eig = T >= d and n_ridge > CHOLESKY_MAX_LAMS
    chol = T >= d and 0 < n_ridge <= CHOLESKY_MAX_LAMS
    td = T if T < d else 1
    for s in prange(len(gens)):
        gen = gens[np.int64(s)]  # prange indices are unsigned; the typed list wants a signed index
        A, diag, off, Rs, Kc, Kd = _workspace(d, T0, T, T >= d, shared and not collapsed)
        S = np.empty((d, d) if chol else (1, 1))
        R = np.empty((na, d) if chol else (1, 1))
        K0 = np.empty((td, td))
        RHS = np.empty((na, td))
        v, z, u, new, out, rhs = np.empty(d), np.empty(d), np.empty(d), np.empty(d), np.empty(d), np.empty(d)
        y0, uz, qb, qt, h, w = np.empty(d), np.empty(d), np.empty(d), np.empty(d), np.empty(d), np.empty(d)
        eo = np.empty((mus.shape[0], d) if eig else (1, 1))
        work = np.empty(1 + 6 * d + 2 * d * d if eig else 1)
        iwork = np.empty(3 + 5 * d if eig else 1, dtype=np.int32)
        V = np.empty((na, d))
        info = np.zeros(1, dtype=np.int32)
        for r in range(s * B, min(reps, s * B + B)):
            info[0] = 0
            if collapsed:
                collapsed_chain_rep(gen, n_max, T0, sigma0, shared, v, True, ns, V)
            else:
                bartlett_chain_rep(gen, n_max, T0, sigma0, shared, sq_ev, ev, c, v, diag, off, Rs, Kc, z, u, new, rhs,
                                   info, ns, V)
            for a in range(na):
                ce = 0.0
                for j in range(d):
                    ce += V[a, j] * V[a, j]
                chain_err[r, a] = ce
            if info[0] == 0:
                if T >= d:
                    _grid_downstream(gen, T, sigma, mus, sq_ev, ev, c, V, A, S, R, z, y0, uz, qb, qt, h, eo, w, work,
                                     iwork, info, err[r])
                else:
                    _grid_dual(gen, T, sigma, mus, sq_ev, ev, c, V, diag, off, z, Rs, K0, Kd, RHS, out, info, err[r])
            status[r] = info[0]
