r"""The generation chain with kernel ridge regression (KRR) and random features, on real images.

Paper §4, Fig. 4 / App. D.2 (KRR) and Fig. 5 / App. D.3 (random features); App. C (the kernel
extension: every formula of the paper holds with :math:`\Sigma` the kernel covariance operator). This module
only simulates; it never imports :mod:`symcollapse.theory`.

Kernel ridge regression (App. C, per-sample penalty as in Eq. 7)
------------------------------------------------------------------
.. math::

    \hat f(x) = K(x, X)^\top (G + \lambda T I_T)^{-1} Y, \qquad G = K(X, X),

i.e. :math:`\lambda` is per sample, exactly as the linear ridge of Eq. 7 (scikit-learn's
``KernelRidge(alpha=...)`` has ``alpha = λ·T``).

Kernels and the bandwidth convention (unstated in the paper; see docs/theory/differences.md)
--------------------------------------------------------------------------------------------
Pixels are scaled to :math:`[0, 1]` (:mod:`symcollapse.simulate._data`); ``p`` is the number of pixels.

* RBF: :math:`k(x, x') = \exp(-\gamma\|x - x'\|^2)` with default :math:`\gamma = 1/(p\,\mathrm{Var}(X))`
  (the variance of all pixels of the data set; scikit-learn's ``gamma="scale"``), so the typical
  exponent :math:`\gamma\|x - x'\|^2` is about 2 whatever the image size. The paper's "bandwidth
  :math:`10^{-4}`" refers to MNIST's unstated pixel scaling and cannot be transferred.
* Polynomial: :math:`k(x, x') = (\gamma\, x^\top x' + c_0)^{q}` with degree :math:`q = 5` (paper),
  :math:`\gamma = 1/p`, :math:`c_0 = 1`.

The chain (Eqs. 4–6 with KRR instead of OLS)
--------------------------------------------
:math:`\hat f_0 = f_0` (the clean target, here ``label mod 2``). Generation :math:`m \to m+1`: draw :math:`T_0`
fresh inputs from the training pool, label them :math:`\hat f_m(x) + \sigma_0\varepsilon`, fit KRR with
penalty :math:`\lambda_0`: that is :math:`\hat f_{m+1}`. The downstream model is KRR on :math:`T` pool inputs
labelled :math:`\hat f_n(x) + \sigma\varepsilon`, with penalty :math:`\lambda(T)`; its test error is the mean
of :math:`(\hat f^{pred}(x) - f_0(x))^2` over a held-out test set (clean labels: the excess risk, Eq. 3).

All functions of all generations are represented by their values on every image of the data set, so one
Gram matrix of the whole data set serves every fit; a generator is evaluated anywhere by one
matrix–vector product.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.linalg

from symcollapse._threads import one_blas_thread
from symcollapse.simulate._chain import run_chain
from symcollapse.simulate._data import Dataset, load_dataset
from symcollapse.spec import SpecError

__all__ = [
    "Kernel",
    "Dataset",
    "load_dataset",
    "krr_fit",
    "kernel_chain",
    "SpectrumFit",
    "estimate_power_law",
    "random_features_chain",
    "split_indices",
]

_KINDS = ("rbf", "poly")


@dataclass(frozen=True)
class Kernel:
    r"""A kernel with its bandwidth convention (module docstring).

    Parameters
    ----------
    kind : {"rbf", "poly"}
    gamma : float
        RBF: :math:`\gamma` in :math:`e^{-\gamma\|x-x'\|^2}`; polynomial: :math:`\gamma` in
        :math:`(\gamma x^\top x' + c_0)^q`. Use :meth:`default` for the documented convention.
    degree : int
        Polynomial degree :math:`q` (polynomial only; the paper uses 5).
    coef0 : float
        :math:`c_0` (polynomial only).
    """

    kind: str
    gamma: float
    degree: int = 5
    coef0: float = 1.0

    def __post_init__(self):
        if self.kind not in _KINDS:
            raise SpecError(f"Kernel.kind must be one of {_KINDS}, got {self.kind!r}")
        if not (np.isfinite(self.gamma) and self.gamma > 0):
            raise SpecError(f"Kernel.gamma must be a finite number > 0, got {self.gamma!r}")
        if self.kind == "poly" and (int(self.degree) != self.degree or self.degree < 1):
            raise SpecError(f"Kernel.degree must be an integer >= 1, got {self.degree!r}")

    @classmethod
    def default(cls, kind: str, X: np.ndarray, degree: int = 5) -> Kernel:
        r"""The documented convention: RBF :math:`\gamma = 1/(p\,\mathrm{Var}X)`; polynomial :math:`\gamma = 1/p`, :math:`c_0 = 1`."""
        p = X.shape[1]
        if kind == "rbf":
            return cls("rbf", gamma=float(1.0 / (p * X.var())))
        if kind == "poly":
            return cls("poly", gamma=float(1.0 / p), degree=int(degree), coef0=1.0)
        raise SpecError(f"kernel must be one of {_KINDS}, got {kind!r}")

    def __call__(self, A: np.ndarray, B: np.ndarray) -> np.ndarray:
        """Gram matrix :math:`K(A, B)` (rows of ``A`` against rows of ``B``)."""
        inner = A @ B.T
        if self.kind == "rbf":
            sq = (A * A).sum(1)[:, None] + (B * B).sum(1)[None, :] - 2.0 * inner
            return np.exp(-self.gamma * np.maximum(sq, 0.0))  # clip round-off below 0
        return (self.gamma * inner + self.coef0) ** int(self.degree)

    def to_dict(self) -> dict:
        out = {"kind": self.kind, "gamma": self.gamma}
        if self.kind == "poly":
            out.update(degree=int(self.degree), coef0=self.coef0)
        return out


def krr_fit(G: np.ndarray, Y: np.ndarray, lam: float) -> np.ndarray:
    r"""Dual coefficients :math:`(G + \lambda T I)^{-1} Y` (``Y`` may have several columns).

    Cholesky first; if the matrix is numerically singular (tiny :math:`\lambda` on a smooth kernel) fall back
    to the symmetric eigendecomposition with eigenvalues clipped at 0, which is the same linear map on
    the range of :math:`G`.
    """
    T = G.shape[0]
    A = G + (float(lam) * T) * np.eye(T)
    try:
        c = scipy.linalg.cho_factor(A, lower=True, check_finite=False)
        return scipy.linalg.cho_solve(c, Y, check_finite=False)
    except np.linalg.LinAlgError:
        s, V = np.linalg.eigh(G)
        s = np.maximum(s, 0.0) + float(lam) * T
        inv = np.where(s > s.max() * 1e-13, 1.0 / np.where(s > 0, s, 1.0), 0.0)
        return V @ (inv[:, None] * (V.T @ Y)) if Y.ndim == 2 else V @ (inv * (V.T @ Y))


def split_indices(n_samples: int, test_size: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """A fixed random split into a training pool and a held-out test set (seeded)."""
    if not 1 <= test_size < n_samples:
        raise SpecError(f"test_size must be in [1, {n_samples - 1}], got {test_size}")
    rng = np.random.default_rng(np.random.SeedSequence([int(seed), 0x5B117]))
    perm = rng.permutation(n_samples)
    return np.sort(perm[test_size:]), np.sort(perm[:test_size])


def kernel_chain(
    K: np.ndarray,
    f0: np.ndarray,
    pool: np.ndarray,
    test: np.ndarray,
    *,
    n_values,
    T_values,
    lams: np.ndarray,
    T0: int,
    lam0: float,
    sigma0: float,
    sigma: float,
    reps: int,
    seed: int,
    advance=None,
) -> np.ndarray:
    r"""Monte-Carlo of the KRR generation chain; returns test errors of shape ``(reps, len(n_values), len(T_values), S)``.

    Parameters
    ----------
    K : ndarray (N, N)
        Gram matrix of the whole data set.
    f0 : ndarray (N,)
        Clean target on every image.
    pool, test : ndarray of int
        Indices of the training pool (chain and downstream inputs are drawn from it without replacement
        within one fit) and of the held-out test set.
    n_values : sequence of int
        Generations :math:`n \ge 0` to report (one chain of length ``max(n_values)`` per replicate; the
        downstream model for each ``n`` uses the same inputs and noise, common random numbers).
    T_values : sequence of int
        Downstream sample sizes, each at most ``len(pool)``.
    lams : ndarray (S, len(T_values))
        Downstream penalties :math:`\lambda` per schedule ``s`` and sample size (e.g. :math:`T^{-\ell}`).
    T0, lam0, sigma0, sigma :
        Generator sample size, generator penalty, chain label noise, downstream label noise.
    reps, seed :
        Replicates; one :class:`numpy.random.SeedSequence` (``seed``) spawned into one stream per replicate.
    advance : callable, optional
        Progress callback, called once per replicate.
    """
    n_values = [int(n) for n in n_values]
    T_values = [int(T) for T in T_values]
    lams = np.asarray(lams, dtype=np.float64)
    if lams.ndim != 2 or lams.shape[1] != len(T_values):
        raise SpecError(f"lams must have shape (S, {len(T_values)}), got {lams.shape}")
    if min(n_values) < 0:
        raise SpecError(f"n must be >= 0, got {min(n_values)}")
    if not 1 <= T0 <= len(pool):
        raise SpecError(f"T0 must be in [1, {len(pool)}] (the training pool), got {T0}")
    if max(T_values) > len(pool) or min(T_values) < 1:
        raise SpecError(f"T must be in [1, {len(pool)}] (the training pool), got {T_values}")
    if reps < 2:
        raise SpecError(f"reps must be >= 2 (error bars), got {reps}")
    with one_blas_thread():
        return _kernel_chain(K, np.asarray(f0, dtype=np.float64), pool, test, n_values, T_values, lams, int(T0),
                             float(lam0), float(sigma0), float(sigma), int(reps), int(seed), advance)


def _kernel_chain(K, f0, pool, test, n_values, T_values, lams, T0, lam0, sigma0, sigma, reps, seed, advance):
    n_max = max(n_values)
    target_test = f0[test]
    out = np.empty((reps, len(n_values), len(T_values), lams.shape[0]))

    def draw(g, m):
        return g.choice(pool, size=T0, replace=False), sigma0 * g.standard_normal(T0)

    def fit(F, data, m):
        idx, noise = data
        alpha = krr_fit(K[np.ix_(idx, idx)], F[idx] + noise, lam0)
        return alpha @ K[idx]  # = K[:, idx] @ alpha (K symmetric); contiguous rows are ~10x faster to gather

    for rep, ss in enumerate(np.random.SeedSequence(seed).spawn(reps)):
        rng = np.random.default_rng(ss)
        fns = {0: f0}
        run_chain(f0, n_max, draw, fit, rng, record=fns.__setitem__)
        for iT, T in enumerate(T_values):
            idx = rng.choice(pool, size=T, replace=False)
            noise = sigma * rng.standard_normal(T)
            Y = np.stack([fns[n][idx] + noise for n in n_values], axis=1)
            G = K[np.ix_(idx, idx)]
            Kt = K[np.ix_(test, idx)]
            for s in range(lams.shape[0]):
                pred = Kt @ krr_fit(G, Y, lams[s, iT])
                out[rep, :, iT, s] = np.mean((pred - target_test[:, None]) ** 2, axis=0)
        if advance is not None:
            advance(1)
    return out


@dataclass(frozen=True)
class SpectrumFit:
    r"""Power-law exponents estimated from a Gram matrix (capacity :math:`\beta`, source :math:`r`, Eq. 23).

    ``beta`` from a least-squares fit of :math:`\log\mu_k` against :math:`\log k` (:math:`\mu_k` the
    eigenvalues of :math:`K/N`, :math:`k` in ``k_range``); ``r`` from the tail sums of the target's squared
    coefficients :math:`a_k^2` in the eigenbasis: :math:`\sum_{j>k}a_j^2 \asymp k^{-2\beta r}` (since
    :math:`a_k^2 = \lambda_k c_k^2 \asymp k^{-\beta-\delta}`, :math:`\delta = 1 + \beta(2r-1)`).
    """

    beta: float
    r: float
    k_range: tuple[int, int]
    eigenvalues: np.ndarray = field(repr=False)
    coefficients: np.ndarray = field(repr=False)

    def to_dict(self) -> dict:
        return {"beta": self.beta, "r": self.r, "k_range": list(self.k_range)}


def estimate_power_law(K: np.ndarray, f0: np.ndarray, k_range: tuple[int, int] | None = None) -> SpectrumFit:
    r"""Estimate :math:`(\beta, r)` of Eq. 23 from the empirical kernel spectrum (see :class:`SpectrumFit`).

    ``k_range`` defaults to :math:`[5, N/10]`: it skips the first few eigenvalues (the constant and
    class-mean directions) and stops well before the round-off floor of the smallest ones.
    """
    N = K.shape[0]
    lo, hi = k_range if k_range is not None else (5, max(N // 10, 10))
    if not 1 <= lo < hi <= N - 1:
        raise SpecError(f"k_range must satisfy 1 <= lo < hi <= N - 1 = {N - 1}, got {(lo, hi)}")
    with one_blas_thread():
        mu, U = np.linalg.eigh(K / N)
    mu, U = mu[::-1], U[:, ::-1]
    a2 = (U.T @ f0) ** 2 / N
    k = np.arange(lo, hi + 1)
    good = mu[k - 1] > 0
    if good.sum() < 3:
        raise SpecError("kernel spectrum has fewer than 3 positive eigenvalues in k_range")
    slope_mu = np.polyfit(np.log(k[good]), np.log(mu[k - 1][good]), 1)[0]
    beta = float(-slope_mu)
    tail = np.cumsum(a2[::-1])[::-1]  # tail[k] = sum_{j >= k} a_j^2 (0-based), i.e. sum over j > k (1-based)
    tk = tail[k]
    good = tk > 0
    slope_tail = np.polyfit(np.log(k[good]), np.log(tk[good]), 1)[0]
    r = float(-slope_tail / (2.0 * beta)) if beta > 0 else float("nan")
    return SpectrumFit(beta=beta, r=r, k_range=(int(lo), int(hi)), eigenvalues=mu, coefficients=a2)


def random_features_chain(
    X: np.ndarray,
    Y: np.ndarray,
    pool: np.ndarray,
    test: np.ndarray,
    *,
    width: int,
    T0: int,
    n_max: int,
    lam: float,
    sigma0: float,
    reps: int,
    seed: int,
    advance=None,
) -> np.ndarray:
    r"""Generation chain of random-features models (App. D.3); returns test errors of shape ``(reps, n_max + 1)``.

    Model: :math:`f(x) = A^\top\phi(x)`, :math:`\phi(x) = \mathrm{ReLU}(Wx/\sqrt p)/\sqrt k`, first layer
    :math:`W \in \mathbb R^{k\times p}` with iid :math:`N(0,1)` entries drawn once per model and never trained;
    readout :math:`A` fitted by ridge with per-sample penalty ``lam`` (closed form, in place of the paper's
    SGD run to convergence). Generation 0 is trained on ``T0`` pool images with the clean targets ``Y``;
    generation :math:`m \ge 1` on ``T0`` fresh pool images labelled by generation :math:`m - 1` plus
    :math:`N(0, \sigma_0^2)` noise on every output. Entry ``[rep, n]`` is the test error of generation ``n``:
    the mean over test images of :math:`\|f_n(x) - Y(x)\|^2` (clean targets).
    """
    if Y.ndim == 1:
        Y = Y[:, None]
    if not 1 <= T0 <= len(pool):
        raise SpecError(f"T0 must be in [1, {len(pool)}] (the training pool), got {T0}")
    if width < 1 or n_max < 0 or reps < 2:
        raise SpecError(f"need width >= 1, n_max >= 0, reps >= 2; got {width}, {n_max}, {reps}")
    with one_blas_thread():
        return _random_features_chain(X, np.asarray(Y, dtype=np.float64), pool, test, int(width), int(T0),
                                      int(n_max), float(lam), float(sigma0), int(reps), int(seed), advance)


def _random_features_chain(X, Y, pool, test, width, T0, n_max, lam, sigma0, reps, seed, advance):
    p = X.shape[1]
    out = np.empty((reps, n_max + 1))
    # generation m is a fresh random-features model trained on T0 pool images labelled by generation m - 1
    # (clean targets Y for m = 0, plus noise for m >= 1); the state is its labelling of every image

    def draw(g, m):
        W = g.standard_normal((width, p))
        idx = g.choice(pool, size=T0, replace=False)
        noise = sigma0 * g.standard_normal((T0, Y.shape[1])) if m > 0 else None
        return W, idx, noise

    def fit(labels_all, data, m):
        W, idx, noise = data
        Phi = np.maximum(X @ W.T / np.sqrt(p), 0.0) / np.sqrt(width)
        Ytr = labels_all[idx] if noise is None else labels_all[idx] + noise
        P = Phi[idx]
        A = P.T @ krr_fit(P @ P.T, Ytr, lam)  # readout = Φᵀ(ΦΦᵀ + λT0 I)⁻¹Y (push-through identity)
        return Phi @ A

    for rep, ss in enumerate(np.random.SeedSequence(seed).spawn(reps)):
        row = out[rep]

        def record(m, labels_all, row=row):
            row[m - 1] = np.mean(np.sum((labels_all[test] - Y[test]) ** 2, axis=1))

        run_chain(Y, n_max + 1, draw, fit, np.random.default_rng(ss), record=record)
        if advance is not None:
            advance(1)
    return out
