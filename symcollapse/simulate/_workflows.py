r"""Exact samplers of the follow-up workflows: accumulate, accumulate-subsample, mix, and mixtures downstream.

Plain arrays in (eigenvalues ``ev`` of :math:`\Sigma`, coefficients ``c`` of :math:`w_0` in its eigenbasis, so
:math:`\Sigma = \mathrm{diag}(\lambda_j)`), a :class:`numpy.random.Generator` or a seed, arrays out. Never imports
:mod:`symcollapse.theory`. Settings and theory: docs/theory/workflows.md; the replace chain's samplers and their
proofs: :mod:`symcollapse.simulate.monte_carlo` (docs/theory/simulation.md).

Two samplers per workflow:

``reference`` (``reference_*``)
    The process literally, one replicate at a time: every design matrix is materialised, every fit is
    ``numpy.linalg.lstsq`` (least squares, or the minimum-norm interpolator with fewer rows than :math:`d`), the
    downstream ridge solves :math:`(X^\top X + \lambda TI)\hat w = X^\top Y` (Eq. 7). Covers every setting.
``fast`` (``fast_*``)
    Exact in distribution, from sufficient statistics (whitened coordinates :math:`v = D^{1/2}(\hat w - w_0)`,
    :math:`D = \Sigma`, designs :math:`X = ZD^{1/2}`; Bartlett factors :math:`W = UU^\top \sim
    \mathrm{Wishart}(I_d, m)` with :math:`U_{ii}^2 \sim \chi^2(m - d + 1 + i)` and, given :math:`X`,
    :math:`Z^\top\varepsilon \overset{d}{=} Uz`). Needs :math:`T_0 \ge d` for a chain and :math:`T \ge d` or
    :math:`\lambda > 0` downstream. Proofs in each function's docstring.

Randomness: :func:`simulate_workflow` deals one ``SeedSequence(seed)`` into one stream per block of
:data:`BLOCK` replicates (per method), so replicate :math:`i` depends on ``(workflow, params, method, seed, i)`` only.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = [
    "BLOCK",
    "WORKFLOWS",
    "reference_accumulate",
    "reference_mix",
    "reference_mixture",
    "fast_accumulate",
    "fast_mix",
    "fast_mixture",
    "simulate_workflow",
    "CHAIN_SOURCES",
]

BLOCK = {"fast": 256, "reference": 16}  # replicates per RNG stream (part of the reproducibility scheme)
WORKFLOWS = ("accumulate", "accumulate-subsample", "mix", "mixture")


# --------------------------------------------------------------------------------------------------------
# Reference oracle: everything materialised
# --------------------------------------------------------------------------------------------------------


def _design(gen, m, sq):
    return gen.standard_normal((m, sq.size)) * sq


def _ridge(X, y, mu):
    """Eq. 7: (XᵀX + μI)⁻¹Xᵀy for μ > 0, the minimum-norm least-squares solution for μ = 0."""
    if mu > 0:
        return np.linalg.solve(X.T @ X + mu * np.eye(X.shape[1]), X.T @ y)
    return np.linalg.lstsq(X, y, rcond=None)[0]


def _downstream_ref(gen, ev, sq, c, w, T, sigma, lam):
    X = _design(gen, T, sq)
    y = X @ w + sigma * gen.standard_normal(T)
    wp = _ridge(X, y, float(lam) * T)
    return float(np.dot(ev, (wp - c) ** 2))


def reference_accumulate(ev, c, n, T0, sigma0, design, T, sigma, lam, gen, count, subsample=False):
    r"""Accumulating chain, then a downstream ridge; ``count`` replicates drawn from ``gen`` in a fixed order.

    Block :math:`k` (:math:`k = 1..n`) has :math:`T_0` rows :math:`X_k` (fresh, or :math:`X_k \equiv X_1` for
    ``design="shared"``) and labels :math:`X_k\hat w_{k-1} + \sigma_0\varepsilon_k` (:math:`\hat w_0 = w_0`: block 1
    is real). Generation :math:`k` is the fit on the stacked blocks :math:`1..k` (``subsample=False``), or on
    :math:`T_0` rows drawn uniformly without replacement from that pool of :math:`kT_0` rows
    (``subsample=True``, "accumulate-subsample"). The downstream ridge sees :math:`T` fresh rows labelled by
    :math:`\hat w_n` with noise σ.

    Returns
    -------
    errors, chain_errors : (count,) float64
        :math:`\|\hat w^{pred} - w_0\|_\Sigma^2` and :math:`\|\hat w_n - w_0\|_\Sigma^2`.
    """
    ev = np.asarray(ev, dtype=np.float64)
    c = np.asarray(c, dtype=np.float64)
    sq = np.sqrt(ev)
    errors, chain = np.empty(count), np.empty(count)
    for r in range(count):
        w = _accumulate_chain_ref(gen, sq, c, n, T0, sigma0, design, subsample)
        chain[r] = float(np.dot(ev, (w - c) ** 2))
        errors[r] = _downstream_ref(gen, ev, sq, c, w, T, sigma, lam)
    return errors, chain


def _accumulate_chain_ref(gen, sq, c, n, T0, sigma0, design, subsample=False):
    """One accumulating chain, literally (the draws of :func:`reference_accumulate`, in its order): ŵ_n."""
    w = c.copy()
    Xs, ys = [], []
    X = None
    for _ in range(n):
        if X is None or design == "independent":
            X = _design(gen, T0, sq)
        Xs.append(X)
        ys.append(X @ w + sigma0 * gen.standard_normal(T0))
        A, b = np.vstack(Xs), np.concatenate(ys)
        if subsample and A.shape[0] > T0:
            idx = gen.choice(A.shape[0], size=T0, replace=False)
            A, b = A[idx], b[idx]
        w = np.linalg.lstsq(A, b, rcond=None)[0]
    return w


def reference_mix(ev, c, n, T0, sigma0, design, real_weight, T, sigma, lam, gen, count, T_real=None, lam0=0.0,
                  X=None):
    r"""Fresh real labels every round ("mix"), then a downstream ridge.

    Round 1: :math:`\hat w_1 = X_1^\dagger(X_1w_0 + \sigma_0\varepsilon)`. Round :math:`k \ge 2`:
    labels :math:`w(X_kw_0 + \sigma_0\varepsilon_{real}) + (1-w)(X_k\hat w_{k-1} + \sigma_0\varepsilon_{syn})`
    and :math:`\hat w_k = X_k^\dagger(\text{labels})`. With ``T_real`` given, the model-averaging variant:
    :math:`\hat w_k = w\,X_r^\dagger(X_rw_0 + \sigma_0\varepsilon) + (1-w)X_k^\dagger(X_k\hat w_{k-1} + \sigma_0\varepsilon')`,
    :math:`X_r` fresh with ``T_real`` rows (round 1 is a real fit on ``T_real`` rows; ``design`` ignored).
    ``lam0 > 0``: every round is a ridge fit (penalty ``lam0`` per sample, Eq. 7) instead of OLS. ``X``: one fixed
    design for every round (``design`` ignored; only the noise is random, for laws conditional on :math:`X`).
    """
    ev = np.asarray(ev, dtype=np.float64)
    c = np.asarray(c, dtype=np.float64)
    sq = np.sqrt(ev)
    wgt = float(real_weight)
    if X is not None and np.shape(X) != (T0, ev.size):
        raise ValueError(f"X must have shape (T0, d) = ({T0}, {ev.size}), got {np.shape(X)}")
    errors, chain = np.empty(count), np.empty(count)
    for r in range(count):
        w = _mix_chain_ref(gen, sq, c, n, T0, sigma0, design, wgt, T_real, lam0, X)
        chain[r] = float(np.dot(ev, (w - c) ** 2))
        errors[r] = _downstream_ref(gen, ev, sq, c, w, T, sigma, lam)
    return errors, chain


def _mix_chain_ref(gen, sq, c, n, T0, sigma0, design, wgt, T_real=None, lam0=0.0, X=None):
    """One mix chain, literally (the draws of :func:`reference_mix`, in its order): ŵ_n."""
    if T_real is None:
        mu0 = float(lam0) * T0
        Xk = _design(gen, T0, sq) if X is None else np.asarray(X, dtype=np.float64)
        w = _ridge(Xk, Xk @ c + sigma0 * gen.standard_normal(T0), mu0)
        for _ in range(1, n):
            if design == "independent" and X is None:
                Xk = _design(gen, T0, sq)
            real = Xk @ c + sigma0 * gen.standard_normal(T0)
            syn = Xk @ w + sigma0 * gen.standard_normal(T0)
            w = _ridge(Xk, wgt * real + (1 - wgt) * syn, mu0)
    else:
        w = c.copy()
        for k in range(n):
            Xr = _design(gen, T_real, sq)
            wr = np.linalg.lstsq(Xr, Xr @ c + sigma0 * gen.standard_normal(T_real), rcond=None)[0]
            if k == 0:
                w = wr
                continue
            Xk = _design(gen, T0, sq)
            ws = np.linalg.lstsq(Xk, Xk @ w + sigma0 * gen.standard_normal(T0), rcond=None)[0]
            w = wgt * wr + (1 - wgt) * ws
    return c.copy() if n == 0 else w


def _replace_chain_ref(gen, sq, c, n, T0, sigma0, design):
    w = c.copy()
    X = None
    for _ in range(n):
        if X is None or design == "independent":
            X = _design(gen, T0, sq)
        w = np.linalg.lstsq(X, X @ w + sigma0 * gen.standard_normal(T0), rcond=None)[0]
    return w


#: Chain kinds a mixture can take as its synthetic source (``chain["workflow"]``, default ``"replace"``).
CHAIN_SOURCES = ("replace", "accumulate", "accumulate-subsample", "mix")


def _chain_source_ref(gen, sq, c, chain):
    """ŵ_n of the chain described by ``chain`` (one replicate, drawn literally)."""
    wf = chain.get("workflow", "replace")
    args = (gen, sq, c, chain["n"], chain["T0"], chain["sigma0"], chain["design"])
    if wf == "replace":
        return _replace_chain_ref(*args)
    if wf in ("accumulate", "accumulate-subsample"):
        return _accumulate_chain_ref(*args, subsample=wf == "accumulate-subsample")
    if wf == "mix":
        return _mix_chain_ref(*args, float(chain["real_weight"]), chain.get("T_real"), chain.get("lam0", 0.0))
    raise ValueError(f"chain['workflow'] must be one of {CHAIN_SOURCES}, got {wf!r}")


def real_count(real_fraction, T):
    r""":math:`T_{real} = \lfloor pT\rceil = \lfloor pT + 1/2\rfloor` (the realised real fraction is :math:`T_{real}/T`)."""
    return int(math.floor(float(real_fraction) * T + 0.5))


def reference_mixture(ev, c, T, sigma, lam, real_fraction, gen, count, delta=None, chain=None):
    r"""Downstream ridge on a real/synthetic mixture (Strong Model Collapse).

    :math:`T_{real} = \lfloor pT\rceil` rows labelled by :math:`w_0`, the other :math:`T - T_{real}` by the synthetic
    teacher, all with noise σ; error against :math:`w_0`. The teacher is :math:`w_0 + \Delta` for a fixed shift
    ``delta`` (coordinates in Σ's eigenbasis), or :math:`\hat w_n` of a chain drawn afresh per replicate,
    ``chain = dict(n=, T0=, sigma0=, design=)`` plus ``workflow=`` (:data:`CHAIN_SOURCES`, default
    ``"replace"``) and, for ``"mix"``, ``real_weight=`` [``T_real=``, ``lam0=``]: the chain is drawn by the same
    code as :func:`reference_accumulate` / :func:`reference_mix`. ``chain_errors`` are :math:`\|\Delta\|_\Sigma^2`.
    """
    ev = np.asarray(ev, dtype=np.float64)
    c = np.asarray(c, dtype=np.float64)
    sq = np.sqrt(ev)
    Tr = real_count(real_fraction, T)
    mu = float(lam) * T
    errors, chain_err = np.empty(count), np.empty(count)
    for r in range(count):
        if chain is None:
            ws = c + np.asarray(delta, dtype=np.float64)
        else:
            ws = _chain_source_ref(gen, sq, c, chain)
        X = _design(gen, T, sq)
        y = np.concatenate([X[:Tr] @ c, X[Tr:] @ ws]) + sigma * gen.standard_normal(T)
        wp = _ridge(X, y, mu)
        errors[r] = float(np.dot(ev, (wp - c) ** 2))
        chain_err[r] = float(np.dot(ev, (ws - c) ** 2))
    return errors, chain_err


# --------------------------------------------------------------------------------------------------------
# Fast exact samplers (sufficient statistics)
# --------------------------------------------------------------------------------------------------------


def _bartlett(gen, m, d, B):
    r"""(B, d, d) upper-triangular :math:`U` with :math:`UU^\top \sim \mathrm{Wishart}(I_d, m)`, :math:`m \ge d`
    (reversed Bartlett decomposition, as in :mod:`symcollapse.simulate._kernels`)."""
    U = np.triu(gen.standard_normal((B, d, d)), 1)
    diag = np.sqrt(gen.chisquare(np.arange(m - d + 1, m + 1, dtype=np.float64), size=(B, d)))
    idx = np.arange(d)
    U[:, idx, idx] = diag
    return U


def _gram(gen, m, d, B):
    r"""(W, b): a Gram matrix :math:`W = Z^\top Z` of :math:`m` standard Gaussian rows and :math:`b \mid W \sim
    N(0, W)` (the law of :math:`Z^\top\varepsilon`): Bartlett :math:`(UU^\top, Uz)` for :math:`m \ge d`, else
    :math:`Z` itself (:math:`m < d` rows, cost :math:`md^2`)."""
    if m == 0:
        return np.zeros((B, d, d)), np.zeros((B, d))
    if m >= d:
        U = _bartlett(gen, m, d, B)
        z = gen.standard_normal((B, d, 1))
        return U @ np.swapaxes(U, 1, 2), (U @ z)[..., 0]
    Z = gen.standard_normal((B, m, d))
    e = gen.standard_normal((B, m, 1))
    Zt = np.swapaxes(Z, 1, 2)
    return Zt @ Z, (Zt @ e)[..., 0]


def _collapsed(gen, d, B, scale2):
    r"""(B, d) vectors :math:`\sigma\,g\,\sqrt{\sum_k s_k/\chi^2_k}` from per-replicate ``scale2`` (B,) values."""
    return np.sqrt(scale2)[:, None] * gen.standard_normal((B, d))


def _chi(gen, T0, d, size):
    return gen.chisquare(float(T0 - d + 1), size=size)


def _fast_downstream(gen, ev, c, v, T, sigma, lam):
    r"""Exact ridge step from Bartlett statistics (:math:`T \ge d`, or :math:`\lambda > 0`):
    :math:`D^{1/2}(\hat w^{pred} - w_0) = v + (W + \mu D^{-1})^{-1}(\sigma b - \mu D^{-1/2}\hat w_n)`,
    :math:`D^{-1/2}\hat w_n = D^{-1/2}c + D^{-1}v`, :math:`(W, b)` from :func:`_gram` (proof:
    ``symcollapse.simulate._kernels.ridge_downstream``)."""
    B, d = v.shape
    W, b = _gram(gen, T, d, B)
    mu = float(lam) * T
    rhs = sigma * b - mu * (c / np.sqrt(ev) + v / ev)
    A = W + mu * np.diag(1.0 / ev)
    e = v + np.linalg.solve(A, rhs[..., None])[..., 0]
    return np.sum(e * e, axis=1), np.sum(v * v, axis=1)


def _check_fast(T0, d, T, lam, n):
    if n > 0 and T0 < d:
        raise ValueError(f"the fast sampler needs T0 >= d for the chain (got T0 = {T0}, d = {d}); use 'reference'")
    if T < d and float(lam) == 0:
        raise ValueError(f"the fast sampler needs T >= d or lam > 0 downstream (got T = {T}, d = {d})")


def fast_accumulate(ev, c, n, T0, sigma0, design, T, sigma, lam, gen, count):
    r"""Exact fast sampler of :func:`reference_accumulate` (``subsample=False``), :math:`T_0 \ge d`.

    The normal equations of the stacked fit give :math:`S_k\hat w_k = S_k\hat w_{k-1} + X_k^\top\varepsilon_k`
    with :math:`S_k = \sum_{j\le k}X_j^\top X_j` (the first :math:`k-1` blocks' equations are those of
    :math:`\hat w_{k-1}`), i.e. whitened :math:`v_k = v_{k-1} + \sigma_0 S_{z,k}^{-1}b_k`, :math:`S_{z,k} = \sum_{j\le k}W_j`,
    :math:`(W_j, b_j)` independent Bartlett pairs: :math:`O(nd^3)` per replicate, independent of :math:`T_0`.
    Shared design: :math:`S_k = kW` and :math:`v_n = \sigma_0W^{-1}U\sum_k z_k/k`, with
    :math:`\sum_k z_k/k \sim N(0, H_n^{(2)}I)`; by the collapsed-chain argument (rotation invariance,
    :math:`1/(e^\top W^{-1}e) \sim \chi^2(T_0 - d + 1)`) :math:`v_n \overset{d}{=} \sigma_0\sqrt{H_n^{(2)}/\chi^2}\,g`.
    """
    ev = np.asarray(ev, dtype=np.float64)
    c = np.asarray(c, dtype=np.float64)
    d = ev.size
    _check_fast(T0, d, T, lam, n)
    v = _fast_accumulate_chain(gen, d, n, T0, sigma0, design, count)
    return _fast_downstream(gen, ev, c, v, T, sigma, lam)


def _fast_accumulate_chain(gen, d, n, T0, sigma0, design, count):
    """(count, d) whitened chain errors :math:`v_n` of :func:`fast_accumulate` (its draws, in its order)."""
    if design == "shared" or n == 0:
        h2 = sum(1.0 / k**2 for k in range(1, n + 1))
        s2 = sigma0**2 * h2 / _chi(gen, T0, d, count) if n else np.zeros(count)
        return _collapsed(gen, d, count, s2)
    v = np.zeros((count, d))
    S = np.zeros((count, d, d))
    for _ in range(n):
        W, b = _gram(gen, T0, d, count)
        S += W
        v += sigma0 * np.linalg.solve(S, b[..., None])[..., 0]
    return v


def fast_mix(ev, c, n, T0, sigma0, design, real_weight, T, sigma, lam, gen, count, T_real=None):
    r"""Exact fast sampler of :func:`reference_mix`, :math:`T_0 \ge d` (and ``T_real`` :math:`\ge d`).

    With full column rank, :math:`e_k = (1-w)e_{k-1} + X_k^\dagger\nu_k`, :math:`\nu_k \sim N(0, q_k\sigma_0^2I)`,
    :math:`q_1 = 1`, :math:`q_k = w^2 + (1-w)^2`, so :math:`e_n = \sum_k(1-w)^{n-k}X_k^\dagger\nu_k`. Independent
    designs: the terms are independent, each whitened :math:`\overset{d}{=} (1-w)^{n-k}\sigma_0\sqrt{q_k/\chi^2_k}\,g_k`
    (collapsed-chain argument), so :math:`v_n \overset{d}{=} \sigma_0\big(\sum_k(1-w)^{2(n-k)}q_k/\chi^2_k\big)^{1/2}g`.
    Shared: :math:`e_n = X^\dagger\sum_k(1-w)^{n-k}\nu_k` and the sum is :math:`N(0, a\sigma_0^2I)`,
    :math:`a = \sum_k(1-w)^{2(n-k)}q_k`: :math:`v_n \overset{d}{=} \sigma_0\sqrt{a/\chi^2}\,g`. Model averaging
    (``T_real``): :math:`e_k = (1-w)e_{k-1} + w\eta_{r,k} + (1-w)\eta_{s,k}`, all independent: the same with
    :math:`w^2/\chi^2_{r,k} + (1-w)^2/\chi^2_{s,k}` (and :math:`1/\chi^2_{r,1}` for round 1).
    """
    ev = np.asarray(ev, dtype=np.float64)
    c = np.asarray(c, dtype=np.float64)
    d = ev.size
    _check_fast(T0, d, T, lam, n)
    v = _fast_mix_chain(gen, d, n, T0, sigma0, design, real_weight, count, T_real)
    return _fast_downstream(gen, ev, c, v, T, sigma, lam)


def _fast_mix_chain(gen, d, n, T0, sigma0, design, real_weight, count, T_real=None):
    """(count, d) whitened chain errors :math:`v_n` of :func:`fast_mix` (its draws, in its order)."""
    w = float(real_weight)
    r2 = (1 - w) ** 2
    s2 = np.zeros(count)
    if T_real is not None:
        if T_real < d:
            raise ValueError(f"the fast sampler needs T_real >= d (got {T_real}, d = {d})")
        for k in range(1, n + 1):
            cr = _chi(gen, T_real, d, count)
            s2 = 1.0 / cr if k == 1 else r2 * s2 + w**2 / cr + r2 / _chi(gen, T0, d, count)
    elif design == "shared":
        a = sum(r2 ** (n - k) * (1.0 if k == 1 else w**2 + r2) for k in range(1, n + 1))
        s2 = a / _chi(gen, T0, d, count) if n else s2
    else:
        for k in range(1, n + 1):
            s2 = r2 * s2 + (1.0 if k == 1 else w**2 + r2) / _chi(gen, T0, d, count)
    return _collapsed(gen, d, count, sigma0**2 * s2)


def fast_mixture(ev, c, T, sigma, lam, real_fraction, gen, count, delta=None, chain=None):
    r"""Exact fast sampler of :func:`reference_mixture` (:math:`T \ge d` or :math:`\lambda > 0`; a chain source
    needs :math:`T_0 \ge d`).

    With :math:`X_1` the :math:`T_{real}` real rows and :math:`X_2` the synthetic ones, :math:`X^\top X =
    D^{1/2}(W_1 + W_2)D^{1/2}` and :math:`X^\top\varepsilon \overset{d}{=} D^{1/2}(b_1 + b_2)` given the designs, so
    whitened

    .. math:: D^{1/2}(\hat w - w_0) = (W + \mu D^{-1})^{-1}\big(W_2\,D^{1/2}\Delta - \mu D^{-1/2}w_0 + \sigma(b_1 + b_2)\big),

    :math:`(W_i, b_i)` from :func:`_gram` (Bartlett for :math:`T_i \ge d`, the Gaussian block itself otherwise).
    A replace-chain source is the collapsed chain: :math:`D^{1/2}\Delta \overset{d}{=} \sigma_0(\sum_k 1/\chi^2_k)^{1/2}g`
    (independent designs) or :math:`\sigma_0(n/\chi^2)^{1/2}g` (shared), independent of the downstream data.
    An accumulate or mix source (``chain["workflow"]``) is drawn by the chain part of :func:`fast_accumulate` /
    :func:`fast_mix` (exact in distribution, proofs there); only :math:`D^{1/2}\Delta` enters the formula above,
    and the chain's rows are independent of the downstream rows, so the composition is exact.
    """
    ev = np.asarray(ev, dtype=np.float64)
    c = np.asarray(c, dtype=np.float64)
    d = ev.size
    Tr = real_count(real_fraction, T)
    if chain is None:
        dv = np.broadcast_to(np.sqrt(ev) * np.asarray(delta, dtype=np.float64), (count, d))
    else:
        dv = _fast_chain_source(gen, d, T, lam, chain, count)
    _check_fast(d, d, T, lam, 0)
    W1, b1 = _gram(gen, Tr, d, count)
    W2, b2 = _gram(gen, T - Tr, d, count)
    mu = float(lam) * T
    rhs = (W2 @ dv[..., None])[..., 0] - mu * c / np.sqrt(ev) + sigma * (b1 + b2)
    e = np.linalg.solve(W1 + W2 + mu * np.diag(1.0 / ev), rhs[..., None])[..., 0]
    return np.sum(e * e, axis=1), np.sum(dv * dv, axis=1)


def _fast_chain_source(gen, d, T, lam, chain, count):
    r"""(count, d) whitened :math:`D^{1/2}\Delta` of the chain source ``chain`` (see :func:`fast_mixture`)."""
    wf = chain.get("workflow", "replace")
    n, T0, s0 = chain["n"], chain["T0"], chain["sigma0"]
    _check_fast(T0, d, T, lam, n)
    if wf == "accumulate":
        return _fast_accumulate_chain(gen, d, n, T0, s0, chain["design"], count)
    if wf == "mix":
        if chain.get("lam0"):
            raise ValueError("ridge inside the mix chain (lam0 > 0) has the reference sampler only")
        return _fast_mix_chain(gen, d, n, T0, s0, chain["design"], chain["real_weight"], count, chain.get("T_real"))
    if wf != "replace":
        raise ValueError(f"the fast mixture sampler takes a replace, accumulate or mix chain, got {wf!r}")
    if n == 0:
        s2 = np.zeros(count)
    elif chain["design"] == "shared":
        s2 = n / _chi(gen, T0, d, count)
    else:
        s2 = np.sum(1.0 / _chi(gen, T0, d, (n, count)), axis=0)
    return _collapsed(gen, d, count, s0**2 * s2)


def _one_blas_thread():
    """One BLAS thread during a call: the batched small solves are faster serial, and on a shared machine a
    threaded BLAS oversubscribes the cores (measured 60× slower at d = 100 under load)."""
    from symcollapse._threads import one_blas_thread

    return one_blas_thread()


# --------------------------------------------------------------------------------------------------------
# Driver
# --------------------------------------------------------------------------------------------------------

_REF = {"accumulate": reference_accumulate, "mix": reference_mix, "mixture": reference_mixture}
_FAST = {"accumulate": fast_accumulate, "mix": fast_mix, "mixture": fast_mixture}
_ARGS = {
    "accumulate": ("ev", "c", "n", "T0", "sigma0", "design", "T", "sigma", "lam"),
    "mix": ("ev", "c", "n", "T0", "sigma0", "design", "real_weight", "T", "sigma", "lam"),
    "mixture": ("ev", "c", "T", "sigma", "lam", "real_fraction"),
}
_OPTIONAL = {"accumulate": (), "mix": ("T_real", "lam0", "X"), "mixture": ("delta", "chain")}


def simulate_workflow(workflow: str, params: dict, reps: int, seed: int, method: str = "fast") -> dict:
    r"""Monte Carlo of a workflow: ``reps`` replicates, ``method`` ``"fast"`` or ``"reference"``.

    ``params`` holds the plain inputs of the ``reference_*`` function (``ev``, ``c``, ``n``, ``T0``, ``sigma0``,
    ``design``, ``T``, ``sigma``, ``lam``, and ``real_weight`` [+ ``T_real``] for ``"mix"``; ``real_fraction`` and
    ``delta`` or ``chain`` for ``"mixture"``). ``"accumulate-subsample"`` has the reference sampler only.
    One ``SeedSequence(seed)`` is spawned into one stream per block of :data:`BLOCK` replicates; every block is
    drawn in full, so a run with more replicates extends one with fewer.

    Returns
    -------
    dict
        ``mean``, ``stderr`` (sample sd / √reps), ``errors``, ``chain_errors``, ``chain_mean``, ``chain_stderr``,
        ``reps``, ``seed``, ``method``.
    """
    if workflow not in WORKFLOWS:
        raise ValueError(f"workflow must be one of {WORKFLOWS}, got {workflow!r}")
    if method not in ("fast", "reference"):
        raise ValueError(f"method must be 'fast' or 'reference', got {method!r}")
    if isinstance(reps, bool) or not isinstance(reps, int) or reps < 2:
        raise ValueError(f"reps must be an integer >= 2, got {reps!r}")
    base = "accumulate" if workflow.startswith("accumulate") else workflow
    if workflow == "accumulate-subsample" and method == "fast":
        raise ValueError("accumulate-subsample has no fast sampler; use method='reference'")
    if method == "fast" and (params.get("lam0") or params.get("X") is not None):
        raise ValueError("ridge inside the mix chain (lam0 > 0) or a fixed design X: use method='reference'")
    fn = (_REF if method == "reference" else _FAST)[base]
    args = [params[k] for k in _ARGS[base]]
    kw = {k: params[k] for k in _OPTIONAL[base] if params.get(k) is not None}
    if workflow == "accumulate-subsample":
        kw["subsample"] = True
    size = BLOCK[method]
    blocks = -(-reps // size)
    streams = np.random.SeedSequence(seed).spawn(blocks)
    errs, chains = [], []
    with _one_blas_thread():
        for ss in streams:
            e, ch = fn(*args, gen=np.random.default_rng(ss), count=size, **kw)
            errs.append(e)
            chains.append(ch)
    e = np.concatenate(errs)[:reps]
    ch = np.concatenate(chains)[:reps]
    return {"mean": float(e.mean()), "stderr": float(e.std(ddof=1) / math.sqrt(reps)), "errors": e,
            "chain_errors": ch, "chain_mean": float(ch.mean()), "chain_stderr": float(ch.std(ddof=1) / math.sqrt(reps)),
            "reps": reps, "seed": seed, "method": method}
