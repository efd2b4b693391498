r"""The plain-numpy oracle: the process of paper Eqs. 4–7 (see docs/theory/setup.md), literally, one replicate at a time.

Every design matrix is materialised (:math:`X_m \in \mathbb R^{T_0\times d}` with iid
:math:`N(0, \Sigma)` rows, :math:`X \in \mathbb R^{T\times d}` downstream), every fit is
:math:`A^\dagger B` computed by ``numpy.linalg.lstsq`` (the minimum-norm least-squares solution: least
squares for :math:`T_0 \ge d`, minimum-norm interpolation for :math:`T_0 < d`), and the downstream ridge of
Eq. 7 solves :math:`(X^\top X + \lambda T I)\hat w = X^\top Y` (``lstsq`` again when :math:`\lambda = 0`, so
:math:`T < d` gives the minimum-norm interpolator). It covers every problem the spec can express and is the
yardstick the fast samplers are tested against; it is also the "naive numpy chain" of the benchmarks.
Memory and time grow like :math:`T d`; use the fast samplers for large :math:`T`.
"""

from __future__ import annotations

import numpy as np

from symcollapse.simulate._chain import run_chain

__all__ = ["reference_block"]


def reference_block(ev, c, n, T0, sigma0, shared, T, sigma, lam, gen, count):
    r"""Simulate ``count`` replicates, drawing from ``gen`` in a fixed order, replicate after replicate.

    Per replicate: for :math:`m = 0..n-1`, :math:`X_m` (drawn once if ``shared``, :math:`X_m \equiv X_0`)
    then :math:`E_m`, and :math:`\hat w_{m+1} = X_m^\dagger(X_m\hat w_m + E_m)` (Eqs. 4–6); then the
    downstream :math:`X`, :math:`E` and :math:`\hat w^{pred}` (Eq. 7).

    Parameters
    ----------
    ev, c : (d,) float64
        Eigenvalues of Σ and coefficients of :math:`w_0` (Σ's eigenbasis, so :math:`\Sigma` is diagonal).
    n, T0, sigma0, shared, T, sigma, lam
        The chain and the downstream ridge (``lam`` per sample, penalty :math:`\lambda T`).
    gen : numpy.random.Generator
    count : int

    Returns
    -------
    errors, chain_errors, wn_norm2 : (count,) float64
        :math:`\|\hat w^{pred} - w_0\|_\Sigma^2`, :math:`\|\hat w_n - w_0\|_\Sigma^2` and
        :math:`\|\hat w_n\|_2^2` (the last for Thms 4.5/4.6).
    """
    d = ev.shape[0]
    sq = np.sqrt(ev)
    mu = float(lam) * T
    errors = np.empty(count)
    chain_errors = np.empty(count)
    wn_norm2 = np.empty(count)
    designs: dict = {}

    def draw(g, m):
        # a shared design is drawn once (generation 0) and reused: X_m ≡ X_0
        X = designs.get(0) if shared and m > 0 else g.standard_normal((T0, d)) * sq
        designs[0] = X
        return X, sigma0 * g.standard_normal(T0)

    def fit(w, data, m):
        X, noise = data
        return np.linalg.lstsq(X, X @ w + noise, rcond=None)[0]

    for r in range(count):
        designs.clear()
        w = run_chain(c.copy(), n, draw, fit, gen)
        Xd = gen.standard_normal((T, d)) * sq
        y = Xd @ w + sigma * gen.standard_normal(T)
        if mu > 0:
            w_pred = np.linalg.solve(Xd.T @ Xd + mu * np.eye(d), Xd.T @ y)
        else:
            w_pred = np.linalg.lstsq(Xd, y, rcond=None)[0]
        errors[r] = np.dot(ev, (w_pred - c) ** 2)
        chain_errors[r] = np.dot(ev, (w - c) ** 2)
        wn_norm2[r] = np.dot(w, w)
    return errors, chain_errors, wn_norm2
