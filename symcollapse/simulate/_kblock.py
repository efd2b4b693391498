r"""numba kernel of shared randomness over an :math:`(n, T, \lambda)` grid: :func:`grid_kernel`.

Per replicate one chain is drawn up to :math:`\max n` (shared by every downstream point) and, per distinct
downstream sample size :math:`T` of the grid (sorted), one downstream sufficient statistic, reused for every
:math:`\lambda` at that :math:`T`. Two downstream representations, chosen from the spectrum only:

*General spectrum* — per :math:`T` the draws and arithmetic of the :math:`(n, \lambda)` block kernel
(:func:`symcollapse.simulate._kernels._grid_downstream` for :math:`T \ge d`: Bartlett factor, one Cholesky
per :math:`\lambda` or one eigendecomposition; :func:`~symcollapse.simulate._kernels._grid_dual` for
:math:`T < d`).

*Isotropic spectrum* (:math:`\Sigma = sI`) — a tridiagonal model of the Wishart matrix, :math:`O(d)` per point.
Let :math:`m = \min(T, d)`, :math:`p = \max(T, d)` and :math:`F` the lower bidiagonal :math:`m\times m` matrix
with independent entries :math:`F_{ii} \sim \chi_{p-i}`, :math:`F_{i+1,i} \sim \chi_{m-1-i}`. Householder
bidiagonalisation of a Gaussian :math:`T\times d` matrix :math:`Z` (each reflection depends only on the
entries already processed and maps the others to iid Gaussians again) gives :math:`Z^\top Z = H\,
\mathrm{diag}(FF^\top, 0)\,H^\top` with :math:`H` orthogonal (Dumitriu & Edelman, 2002), so
:math:`\mathrm{diag}(FF^\top, 0)` has the eigenvalues of :math:`W = Z^\top Z`. :math:`W` is orthogonally
invariant, hence :math:`W \overset{d}{=} O\,\mathrm{diag}(FF^\top, 0)\,O^\top` with :math:`O` Haar and
independent of :math:`F`; given :math:`W`, :math:`Z^\top E \sim N(0, \sigma^2 W)` is realised as
:math:`\sigma O[F; 0]g`, :math:`g \sim N(0, I_m)`. Ridge (and the minimum-norm fit) sees the data only
through :math:`(X^\top X, X^\top Y)` (paper Eq. 7), and with :math:`\Sigma = sI` every step of the chain and
of the downstream fit commutes with rotations, so in the basis of :math:`O` the problem is the same one with
target :math:`w_0' = O^\top w_0` — uniform on the sphere of radius :math:`\|w_0\|`, drawn as
:math:`\|w_0\|\,g_0/\|g_0\|` — a chain run from :math:`w_0'` (the chain's law is rotation-equivariant), and the
tridiagonal :math:`L = FF^\top`. Test errors :math:`\|\hat w - w_0\|_\Sigma^2 = s\|\hat w - w_0\|^2` are
rotation-invariant. Hence each point has exactly the law it has in :func:`~symcollapse.simulate.simulate`
(only the joint law across points differs). With :math:`\mu = \lambda T`, whitened chain state :math:`v`
(:math:`\hat w_n = w_0' + v/\sqrt s`):

.. math::
    e = v + \sqrt s\,(sL + \mu I)^{-1}\big(\sqrt s\,\sigma Fg - \mu \hat w_n\big)\quad(\mu > 0),\qquad
    e = v + \sigma F^{-\top}g\quad(\mu = 0,\ T \ge d),

and for :math:`\mu = 0`, :math:`T < d` (minimum-norm interpolator) :math:`e_i = v_i + \sigma(F^{-\top}g)_i`
for :math:`i < T`, :math:`e_i = -\sqrt s\,w'_{0,i}` for :math:`i \ge T` (rows :math:`i \ge m` of
:math:`sL + \mu I` are :math:`\mu`). The test error is :math:`\|e\|^2`; the tridiagonal system is solved by
its :math:`LDL^\top` factorisation, once per :math:`\mu`, for every chain state.

Stream layout (since ``SAMPLER_VERSION`` ``"4"``), per replicate in this order: isotropic only, :math:`g_0`
(``d`` normals); the chain (as in the :math:`(n, \lambda)` block kernel); then per :math:`T` (ascending) the
downstream draws: isotropic, row by row :math:`F_{ii}` then :math:`F_{i+1,i}`, then ``g`` (``m`` normals);
otherwise those of the general kernels. A replicate's value depends on (problem, grid, seed, index) only.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from symcollapse.simulate._kernels import (
    _grid_cholesky,
    _grid_dual,
    _grid_gram,
    bartlett_chain_rep,
    collapsed_chain_rep,
)
from symcollapse.simulate._lapack import dormtr, dsytrd

# Crossover (T >= d, general spectrum) between one Cholesky of W + μD⁻¹ per non-zero λ and one Householder
# tridiagonalisation per replicate: ``dsytrd`` plus two ``dormtr`` cost about as much as 3 ``dpotrf`` at
# d = 300 (benchmarks/results_sweep.md), so up to this many non-zero λ at one T are solved by Cholesky.
TRIDIAG_MIN_LAMS = 3

__all__ = ["grid_kernel", "is_isotropic"]


def is_isotropic(ev: np.ndarray) -> bool:
    """Whether the tridiagonal (isotropic) downstream model applies: all eigenvalues equal."""
    return bool(ev.size > 0 and np.all(ev == ev[0]))


@njit(cache=True)
def _iso_draw(gen, T, d, alpha, beta, g):
    """Draw the bidiagonal factor ``F`` (row by row: ``alpha[i]`` then ``beta[i]``) and ``g``; returns m."""
    m = min(T, d)
    p = max(T, d)
    for i in range(m):
        alpha[i] = np.sqrt(gen.chisquare(p - i))
        if i < m - 1:
            beta[i] = np.sqrt(gen.chisquare(m - 1 - i))
    for i in range(m):
        g[i] = gen.standard_normal()
    return m


@njit(cache=True)
def _iso_points(s, sigma, mus, c0, V, m, alpha, beta, g, fg, y0, dlt, lo, r, x, err_r):
    r"""Every (n, μ) at one ``T`` from the tridiagonal model (module docstring); ``c0`` = :math:`w_0'`.

    Returns 0, or 1 if a pivot of :math:`sL + \mu I` is not positive (not expected: the matrix is SPD)."""
    d = c0.shape[0]
    na = V.shape[0]
    rs = np.sqrt(s)
    for i in range(m):  # F g (F lower bidiagonal)
        fg[i] = alpha[i] * g[i] + (beta[i - 1] * g[i - 1] if i > 0 else 0.0)
    y0[m - 1] = g[m - 1] / alpha[m - 1]  # y0 = F^{-T} g (F^T upper bidiagonal: back substitution)
    for i in range(m - 2, -1, -1):
        y0[i] = (g[i] - beta[i] * y0[i + 1]) / alpha[i]
    tail = 0.0  # the μ = 0, T < d part outside the span of the data: -sqrt(s) w0'
    for i in range(m, d):
        tail += s * c0[i] * c0[i]
    for b in range(mus.shape[0]):
        mu = mus[b]
        if mu == 0.0:
            for a in range(na):
                acc = tail
                for i in range(m):
                    e = V[a, i] + sigma * y0[i]
                    acc += e * e
                err_r[a, b] = acc
            continue
        # LDLᵀ of sL + μ (tridiagonal, diagonal s(α_i² + β_{i-1}²) + μ, off-diagonal s α_i β_i)
        prev = 0.0
        for i in range(m):
            diag = s * (alpha[i] * alpha[i] + (beta[i - 1] * beta[i - 1] if i > 0 else 0.0)) + mu
            if i > 0:
                diag -= lo[i - 1] * prev
            if not diag > 0.0:
                return 1
            dlt[i] = diag
            if i < m - 1:
                off = s * alpha[i] * beta[i]
                lo[i] = off / diag
                prev = off
        for a in range(na):
            for i in range(d):  # r = sqrt(s) σ F g − μ ŵ_n, ŵ_n = w0' + v / sqrt(s)
                r[i] = -mu * (c0[i] + V[a, i] / rs)
            for i in range(m):
                r[i] += rs * sigma * fg[i]
            for i in range(1, m):  # forward: L y = r
                r[i] -= lo[i - 1] * r[i - 1]
            x[m - 1] = r[m - 1] / dlt[m - 1]
            for i in range(m - 2, -1, -1):  # D, then Lᵀ x = y
                x[i] = r[i] / dlt[i] - lo[i] * x[i + 1]
            acc = 0.0
            for i in range(m):
                e = V[a, i] + rs * x[i]
                acc += e * e
            for i in range(m, d):
                e = V[a, i] + rs * r[i] / mu
                acc += e * e
            err_r[a, b] = acc
    return 0


@njit(cache=True)
def _ldl_solve(dd, ee, mu, rhs, dlt, lo, x, m):
    """``x = (Tr + μI)⁻¹ rhs`` for the symmetric tridiagonal ``Tr`` (diagonal ``dd``, off-diagonal ``ee``) by
    its LDLᵀ factorisation (``dlt``, ``lo`` recomputed: O(m)); returns 1 if a pivot is not positive."""
    prev = 0.0
    for i in range(m):
        piv = dd[i] + mu
        if i > 0:
            piv -= lo[i - 1] * prev
        if not piv > 0.0:
            return 1
        dlt[i] = piv
        if i < m - 1:
            lo[i] = ee[i] / piv
            prev = ee[i]
    x[0] = rhs[0]
    for i in range(1, m):
        x[i] = rhs[i] - lo[i - 1] * x[i - 1]
    x[m - 1] = x[m - 1] / dlt[m - 1]
    for i in range(m - 2, -1, -1):
        x[i] = x[i] / dlt[i] - lo[i] * x[i + 1]
    return 0


@njit(cache=True)
def _grid_tridiag(sigma, mus, sq_ev, c, V, A, uz, dd, ee, tau, Cm, Xb, work, dlt, lo, info, err_r):
    r"""The :math:`\mu > 0` points of one replicate from one Householder tridiagonalisation (many λ, general Σ).

    With :math:`M = D^{1/2}WD^{1/2} = Q\,\mathrm{Tr}\,Q^\top` (``dsytrd``; ``A`` holds :math:`W` after
    ``dlauum``), the ridge step of :func:`~symcollapse.simulate._kernels.ridge_rep` is, for every
    :math:`\mu = \lambda T > 0` and chain state :math:`v_a`,

    .. math::
        e = v_a + D^{1/2} Q(\mathrm{Tr} + \mu)^{-1}\big(Q^\top b - \mu Q^\top h_a\big),\qquad
        b = \sigma D^{1/2}Uz,\ h_a = c + D^{-1/2}v_a

    (:math:`W + \mu D^{-1} = D^{-1/2}(M + \mu I)D^{-1/2}`): :math:`Q^\top` is applied once to the
    ``len(ns) + 1`` vectors :math:`b, h_a` (``dormtr``), each point is an :math:`O(d)` tridiagonal solve, and
    :math:`Q` is applied once to all of them (``dormtr``). The error is weighted by :math:`D`, so the solution
    is rotated back before its norm is taken. Exact arithmetic as the Cholesky solve, another rounding.
    """
    d = sq_ev.shape[0]
    na = V.shape[0]
    for i in range(d):
        for j in range(i, d):
            A[i, j] *= sq_ev[i] * sq_ev[j]
    lo_ = np.array([76], dtype=np.uint8)  # 'L' (Fortran) = upper triangle of the C-order array
    left = np.array([76], dtype=np.uint8)  # 'L': Q from the left
    tr = np.array([84], dtype=np.uint8)  # 'T'
    nt = np.array([78], dtype=np.uint8)  # 'N'
    nn = np.array([d], dtype=np.int32)
    lw = np.array([work.shape[0]], dtype=np.int32)
    dsytrd(
        lo_.ctypes.data,
        nn.ctypes.data,
        A.ctypes.data,
        nn.ctypes.data,
        dd.ctypes.data,
        ee.ctypes.data,
        tau.ctypes.data,
        work.ctypes.data,
        lw.ctypes.data,
        info.ctypes.data,
    )
    if info[0] != 0:
        return
    for i in range(d):  # C-order rows of Cm are Fortran columns: b, then h_a
        Cm[0, i] = sigma * sq_ev[i] * uz[i]
    for a in range(na):
        for i in range(d):
            Cm[a + 1, i] = c[i] + V[a, i] / sq_ev[i]
    nc = np.array([na + 1], dtype=np.int32)
    dormtr(
        left.ctypes.data,
        lo_.ctypes.data,
        tr.ctypes.data,
        nn.ctypes.data,
        nc.ctypes.data,
        A.ctypes.data,
        nn.ctypes.data,
        tau.ctypes.data,
        Cm.ctypes.data,
        nn.ctypes.data,
        work.ctypes.data,
        lw.ctypes.data,
        info.ctypes.data,
    )
    if info[0] != 0:
        return
    k = 0
    rhs = np.empty(d)
    for b in range(mus.shape[0]):
        mu = mus[b]
        if mu == 0.0:
            continue
        for a in range(na):
            for i in range(d):
                rhs[i] = Cm[0, i] - mu * Cm[a + 1, i]
            if _ldl_solve(dd, ee, mu, rhs, dlt, lo, Xb[k], d) != 0:
                info[0] = 1
                return
            k += 1
    nk = np.array([k], dtype=np.int32)
    dormtr(
        left.ctypes.data,
        lo_.ctypes.data,
        nt.ctypes.data,
        nn.ctypes.data,
        nk.ctypes.data,
        A.ctypes.data,
        nn.ctypes.data,
        tau.ctypes.data,
        Xb.ctypes.data,
        nn.ctypes.data,
        work.ctypes.data,
        lw.ctypes.data,
        info.ctypes.data,
    )
    if info[0] != 0:
        return
    k = 0
    for b in range(mus.shape[0]):
        if mus[b] == 0.0:
            continue
        for a in range(na):
            acc = 0.0
            for i in range(d):
                e = V[a, i] + sq_ev[i] * Xb[k, i]
                acc += e * e
            err_r[a, b] = acc
            k += 1


@njit(cache=True)
def _general_downstream(
    gen, T, sigma, mus, sq_ev, ev, c, V, A, S, R, z, y0, uz, dd, ee, tau, Cm, Xb, work, dlt, lo, info, err_r
):
    r"""Every :math:`(n, \mu)` at one :math:`T \ge d` of one replicate from one downstream draw (general Σ).

    The draws (``z`` then ``U``) are those of :func:`~symcollapse.simulate._kernels.ridge_rep`; :math:`\mu = 0`
    is :math:`e = v + \sigma U^{-\top}z`; the :math:`\mu > 0` points share :math:`W = UU^\top` and are
    solved by one Cholesky per μ (fewer than ``TRIDIAG_MIN_LAMS`` non-zero μ) or by :func:`_grid_tridiag`.
    The choice depends only on the grid, never on the data or the thread count.
    """
    n_ridge = _grid_gram(gen, sq_ev.shape[0], T, sigma, mus, V, A, z, y0, uz, info, err_r)
    if n_ridge == 0:
        return
    if n_ridge < TRIDIAG_MIN_LAMS:
        _grid_cholesky(sigma, mus, sq_ev, ev, c, V, A, uz, S, R, info, err_r)
    else:
        _grid_tridiag(sigma, mus, sq_ev, c, V, A, uz, dd, ee, tau, Cm, Xb, work, dlt, lo, info, err_r)


@njit(cache=True, parallel=True, nogil=True)
def grid_kernel(
    gens,
    B,
    reps,
    collapsed,
    iso,
    ev,
    c,
    T0,
    sigma0,
    shared,
    Ts,
    sigma,
    starts,
    mus,
    ns,
    err,
    chain_err,
    status,
):
    """Shared randomness over ``ns × points``: per replicate one chain up to ``max(ns)`` and per ``Ts[k]``
    (ascending) one downstream draw serving the μ values ``mus[starts[k]:starts[k+1]]``.

    ``err`` (reps, len(ns), len(mus)), ``chain_err`` (reps, len(ns)), ``status`` (reps,)."""
    d = ev.shape[0]
    na = ns.shape[0]
    nT = Ts.shape[0]
    sq_ev = np.sqrt(ev)
    n_max = ns[na - 1]
    cnorm = 0.0
    for j in range(d):
        cnorm += c[j] * c[j]
    cnorm = np.sqrt(cnorm)
    T_small = 1  # largest T < d (dual workspaces)
    nmu_max = 1
    for k in range(nT):
        if Ts[k] < d:
            T_small = max(T_small, Ts[k])
        nmu_max = max(nmu_max, starts[k + 1] - starts[k])
    need_full = not iso and Ts[nT - 1] >= d
    for s in prange(len(gens)):
        gen = gens[np.int64(s)]  # prange indices are unsigned; the typed list wants a signed index
        tc = T0 if T0 < d else 1
        A = np.empty((d, d) if need_full else (1, 1))
        S = np.empty((d, d) if need_full else (1, 1))
        R = np.empty((na, d) if need_full else (1, 1))
        diag = np.empty(d)
        off = np.empty(max(1, d * (d - 1) // 2))
        Rs = np.empty((max(tc, T_small), d))
        Kc = np.empty((tc, tc))
        K0b = np.empty(T_small * T_small)
        Kb = np.empty(T_small * T_small)
        RHSb = np.empty(na * T_small)
        v, z, u, new, out, rhs = np.empty(d), np.empty(d), np.empty(d), np.empty(d), np.empty(d), np.empty(d)
        y0, uz = np.empty(d), np.empty(d)
        dd, ee, tau = np.empty(d), np.empty(d), np.empty(d)
        Cm = np.empty((na + 1, d) if need_full else (1, 1))
        Xb = np.empty((na * nmu_max, d) if need_full else (1, 1))
        work = np.empty(64 * max(d, na * nmu_max + 1) if need_full else 1)
        alpha, beta, g, fg, dlt, lo, x = (
            np.empty(d),
            np.empty(d),
            np.empty(d),
            np.empty(d),
            np.empty(d),
            np.empty(d),
            np.empty(d),
        )
        c0 = np.empty(d)
        errk = np.empty((na, nmu_max))
        V = np.empty((na, d))
        info = np.zeros(1, dtype=np.int32)
        for r in range(s * B, min(reps, s * B + B)):
            info[0] = 0
            if iso:  # the target in the (random) eigenbasis of the downstream Wishart matrix
                nrm = 0.0
                for j in range(d):
                    c0[j] = gen.standard_normal()
                    nrm += c0[j] * c0[j]
                f = cnorm / np.sqrt(nrm)
                for j in range(d):
                    c0[j] *= f
            else:
                for j in range(d):
                    c0[j] = c[j]
            if collapsed:
                collapsed_chain_rep(gen, n_max, T0, sigma0, shared, v, True, ns, V)
            else:
                bartlett_chain_rep(
                    gen,
                    n_max,
                    T0,
                    sigma0,
                    shared,
                    sq_ev,
                    ev,
                    c0,
                    v,
                    diag,
                    off,
                    Rs,
                    Kc,
                    z,
                    u,
                    new,
                    rhs,
                    info,
                    ns,
                    V,
                )
            for a in range(na):
                ce = 0.0
                for j in range(d):
                    ce += V[a, j] * V[a, j]
                chain_err[r, a] = ce
            for k in range(nT):
                if info[0] != 0:
                    break
                T = Ts[k]
                lo_k, hi_k = starts[k], starts[k + 1]
                mk = mus[lo_k:hi_k]
                ek = errk[:, : hi_k - lo_k]
                if iso:
                    m = _iso_draw(gen, T, d, alpha, beta, g)
                    info[0] = _iso_points(
                        ev[0], sigma, mk, c0, V, m, alpha, beta, g, fg, y0, dlt, lo, rhs, x, ek
                    )
                elif T >= d:
                    _general_downstream(
                        gen,
                        T,
                        sigma,
                        mk,
                        sq_ev,
                        ev,
                        c0,
                        V,
                        A,
                        S,
                        R,
                        z,
                        y0,
                        uz,
                        dd,
                        ee,
                        tau,
                        Cm,
                        Xb,
                        work,
                        dlt,
                        lo,
                        info,
                        ek,
                    )
                else:
                    K0 = K0b[: T * T].reshape((T, T))
                    K = Kb[: T * T].reshape((T, T))
                    RHS = RHSb[: na * T].reshape((na, T))
                    _grid_dual(
                        gen, T, sigma, mk, sq_ev, ev, c0, V, diag, off, z, Rs[:T], K0, K, RHS, out, info, ek
                    )
                for a in range(na):
                    for b in range(hi_k - lo_k):
                        err[r, a, lo_k + b] = ek[a, b]
            status[r] = info[0]


def grid_numbers(chain_numbers: int, p, Ts) -> int:
    """Random numbers per replicate of :func:`grid_kernel`: the chain's, plus per ``T`` the downstream draw's
    (a fixed function of the problem and the grid: it fixes the stream size, hence the stream layout)."""
    d = p.d
    if is_isotropic(p.ev):
        return max(1, chain_numbers + d + sum(3 * min(int(T), d) for T in Ts))
    total = chain_numbers
    for T in Ts:
        rows = min(int(T), d)
        total += rows * d - rows * (rows - 1) // 2 + rows
    return max(1, total)


def draw_grid(collapsed: bool, p, gens, B: int, reps: int, ns, Ts, starts, mus) -> dict:
    """Raw arrays of :func:`grid_kernel` for the replicates of the given streams."""
    raw = {
        "errors": np.empty((reps, ns.size, mus.size)),
        "chain_errors": np.empty((reps, ns.size)),
        "status": np.zeros(reps, dtype=np.int32),
    }
    grid_kernel(
        gens,
        B,
        reps,
        collapsed,
        is_isotropic(p.ev),
        p.ev,
        p.c,
        p.T0,
        p.sigma0,
        p.shared,
        Ts,
        p.sigma,
        starts,
        mus,
        ns,
        raw["errors"],
        raw["chain_errors"],
        raw["status"],
    )
    return raw
