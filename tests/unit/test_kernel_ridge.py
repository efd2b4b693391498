"""Kernel ridge chain, random features, (β, r) estimation and data loading (symcollapse.simulate.kernel_ridge)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from symcollapse.simulate._data import load_dataset
from symcollapse.simulate.kernel_ridge import (
    Kernel,
    estimate_power_law,
    kernel_chain,
    krr_fit,
    random_features_chain,
    split_indices,
)
from symcollapse.spec import SpecError

sklearn = pytest.importorskip("sklearn")


@pytest.fixture(autouse=True)
def _one_blas_thread():
    # dense linear algebra in the tests themselves: multi-threaded BLAS crawls on a busy 2-core machine
    threadpoolctl = pytest.importorskip("threadpoolctl")
    with threadpoolctl.threadpool_limits(1):
        yield


# ---------------------------------------------------------------------------------------------- kernels


def test_kernels_match_scikit_learn_conventions():
    from sklearn.metrics.pairwise import polynomial_kernel, rbf_kernel

    rng = np.random.default_rng(0)
    A, B = rng.random((7, 5)), rng.random((4, 5))
    k = Kernel("rbf", gamma=0.3)
    np.testing.assert_allclose(k(A, B), rbf_kernel(A, B, gamma=0.3), rtol=1e-12)
    assert np.allclose(np.diag(k(A, A)), 1.0)
    kp = Kernel("poly", gamma=0.2, degree=5, coef0=1.0)
    np.testing.assert_allclose(kp(A, B), polynomial_kernel(A, B, degree=5, gamma=0.2, coef0=1.0), rtol=1e-12)


def test_default_bandwidth_convention():
    X = load_dataset().X
    k = Kernel.default("rbf", X)
    assert math.isclose(k.gamma, 1 / (X.shape[1] * X.var()))  # scikit-learn's gamma="scale"
    assert Kernel.default("poly", X).gamma == 1 / X.shape[1]
    with pytest.raises(SpecError, match="kernel"):
        Kernel.default("laplace", X)
    with pytest.raises(SpecError, match="gamma"):
        Kernel("rbf", gamma=-1.0)


def test_krr_fit_is_per_sample_ridge():
    # scikit-learn's KernelRidge(alpha) = (G + alpha I)^-1 y, so alpha = λ·T here (docs/conventions.md)
    from sklearn.kernel_ridge import KernelRidge

    rng = np.random.default_rng(1)
    X, y = rng.random((30, 4)), rng.standard_normal(30)
    G = Kernel("rbf", gamma=1.0)(X, X)
    lam = 0.01
    ref = KernelRidge(alpha=lam * 30, kernel="precomputed").fit(G, y).dual_coef_
    np.testing.assert_allclose(krr_fit(G, y, lam), ref, rtol=1e-9)
    # a rank-deficient Gram matrix with a vanishing penalty takes the eigendecomposition fallback
    Z = rng.standard_normal((20, 3))
    coef = krr_fit(Z @ Z.T, rng.standard_normal(20), 0.0)
    assert np.all(np.isfinite(coef))


# ---------------------------------------------------------------------------------------------- the chain


def test_linear_kernel_chain_matches_thm41_exact_identity():
    """With the linear kernel and λ → 0 the KRR chain is the OLS chain of Thm 4.1, whose mean is known exactly.

    E = σ² p/(T − p − 1) + n σ0² p/(T0 − p − 1). The inputs come from a finite Gaussian pool (N − 1000 = 2000 images) and the
    error is measured on a finite test set (1000), so their covariances differ from I by ~sqrt(p/N) ≈ 4 %:
    allowance 5 % of the value, plus K = 4 standard errors. (Dropping one noise injection would halve the
    n = 2 collapse term, 10 standard errors away.)
    """
    rng = np.random.default_rng(7)
    p, N, n_test = 4, 3000, 1000
    X = rng.standard_normal((N, p))
    w0 = rng.standard_normal(p)
    K = X @ X.T
    f0 = X @ w0
    pool, test = np.arange(n_test, N), np.arange(n_test)
    T0, T, n, sigma0, sigma, reps = 40, 60, 2, 0.5, 0.3, 300
    errs = kernel_chain(K, f0, pool, test, n_values=[0, n], T_values=[T], lams=np.array([[1e-9]]), T0=T0,
                        lam0=1e-9, sigma0=sigma0, sigma=sigma, reps=reps, seed=11)
    for i, nn in enumerate([0, n]):
        e = errs[:, i, 0, 0]
        theory = sigma**2 * p / (T - p - 1) + nn * sigma0**2 * p / (T0 - p - 1)
        se = e.std(ddof=1) / math.sqrt(reps)
        assert abs(e.mean() - theory) <= 4 * se + 0.05 * theory, (nn, e.mean(), se, theory)


def test_kernel_chain_reproducible_and_validated():
    ds = load_dataset()
    X = ds.X[:300]
    f0 = (ds.labels[:300] % 2).astype(float)
    K = Kernel.default("rbf", X)(X, X)
    pool, test = split_indices(300, 60, 0)
    kw = dict(n_values=[0, 2], T_values=[20, 50], lams=np.array([[1e-3, 1e-3]]), T0=30, lam0=1e-3, sigma0=1.0,
              sigma=1.0, reps=3)
    a = kernel_chain(K, f0, pool, test, seed=5, **kw)
    assert a.shape == (3, 2, 2, 1) and np.all(a >= 0)
    np.testing.assert_array_equal(a, kernel_chain(K, f0, pool, test, seed=5, **kw))
    assert not np.array_equal(a, kernel_chain(K, f0, pool, test, seed=6, **kw))
    with pytest.raises(SpecError, match="T must be"):
        kernel_chain(K, f0, pool, test, seed=5, **{**kw, "T_values": [10_000], "lams": np.array([[1.0]])})
    with pytest.raises(SpecError, match="lams"):
        kernel_chain(K, f0, pool, test, seed=5, **{**kw, "lams": np.array([1.0])})
    with pytest.raises(SpecError, match="reps"):
        kernel_chain(K, f0, pool, test, seed=5, **{**kw, "reps": 1})


def test_random_features_chain_shapes_and_growth():
    ds = load_dataset()
    Y = np.eye(10)[ds.labels]
    pool, test = split_indices(ds.n_samples, 300, 0)
    e = random_features_chain(ds.X, Y, pool, test, width=300, T0=150, n_max=3, lam=1e-6, sigma0=0.1, reps=3, seed=0)
    assert e.shape == (3, 4)
    assert np.all(np.diff(e.mean(0)) > 0)  # more generations, larger error
    # noiseless synthetic labels still degrade (fresh random features and inputs each generation) but less
    e0 = random_features_chain(ds.X, Y, pool, test, width=300, T0=150, n_max=3, lam=1e-6, sigma0=0.0, reps=3, seed=0)
    assert e0.mean(0)[-1] < e.mean(0)[-1]


# ---------------------------------------------------------------------------------------------- (β, r) fit


def test_power_law_estimate_recovers_known_exponents():
    rng = np.random.default_rng(3)
    N, beta, r = 400, 2.0, 0.5
    U, _ = np.linalg.qr(rng.standard_normal((N, N)))
    k = np.arange(1, N + 1)
    mu = k ** -beta
    K = N * (U * mu) @ U.T  # eigenvalues of K/N are exactly k^-β
    a = k ** (-(1 + 2 * beta * r) / 2)  # a_k² = λ_k c_k² ≍ k^-(1+2βr), i.e. source exponent r
    f0 = math.sqrt(N) * U @ a
    lo, hi = 5, 40
    fit = estimate_power_law(K, f0, k_range=(lo, hi))
    assert abs(fit.beta - beta) < 1e-6
    # r̂ has no noise here, only a deterministic bias, which we bracket analytically. r̂ = −slope/(2β̂), with
    # slope the least-squares slope of y_k = log tail_k on x_k = log k, k = lo..hi, and
    # tail_k = Σ_{k<j<=N} a_j² = Σ_{k<j<=N} j^-s, s = 1 + 2βr (the exact tail, not its power-law idealisation
    # tail_k ≈ k^-(s−1)/(s−1), which is what biases r̂). Summation by parts writes any least-squares slope as a
    # convex combination of the consecutive secant slopes (y_{k+1} − y_k)/(x_{k+1} − x_k), with weights
    # (x_{k+1} − x_k)·Σ_{i>k}(x_i − x̄)/Σ(x_i − x̄)² >= 0 summing to 1. Hence r̂ lies between the extreme local
    # estimates below, computed from the known a_k (not from K): [0.4551, 0.4986] here, i.e. a downward bias of
    # 0.0014 to 0.045 (local slope ≈ −(s−1)·k/(k + 1/2)). Round-off: |β̂ − β| < 1e-6 moves r̂ by < r·1e-6/β;
    # the eigenvectors of the well-separated spectrum are exact to ~1e-13, so eps = 1e-6 covers both.
    s = 1 + 2 * beta * r
    ks = np.arange(lo, hi + 1)
    tail = np.array([np.sum(np.arange(kk + 1, N + 1, dtype=float) ** -s) for kk in ks])
    local_r = -np.diff(np.log(tail)) / np.diff(np.log(ks)) / (2 * beta)
    eps = 1e-6
    assert local_r.min() - eps <= fit.r <= local_r.max() + eps, (fit.r, local_r.min(), local_r.max())
    assert local_r.max() < r  # sanity of the bracket: the finite-k bias is downward, as derived
    with pytest.raises(SpecError, match="k_range"):
        estimate_power_law(K, f0, k_range=(50, 10))


# ---------------------------------------------------------------------------------------------- data loading


def test_bundled_digits_are_scaled_to_unit_interval():
    ds = load_dataset()
    assert ds.X.shape == (1797, 64) and ds.labels.shape == (1797,)
    assert ds.X.min() == 0.0 and ds.X.max() == 1.0
    assert set(np.unique(ds.labels)) == set(range(10))
    sub = load_dataset(max_samples=100, seed=1)
    assert sub.n_samples == 100


def _npz(tmp_path, name="d.npz", **arrays):
    path = tmp_path / name
    np.savez(path, **arrays)
    return path


def test_local_npz_loads_mnist_style(tmp_path):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(50, 28, 28), dtype=np.uint8)
    labels = rng.integers(0, 10, size=50)
    ds = load_dataset(_npz(tmp_path, images=images, labels=labels))
    assert ds.X.shape == (50, 784) and 0 <= ds.X.min() and ds.X.max() == 1.0
    np.testing.assert_array_equal(ds.labels, labels)


@pytest.mark.parametrize(
    ("arrays", "message"),
    [
        ({"images": np.zeros((20, 4, 4))}, "lacks the array"),
        ({"pixels": np.zeros((20, 16)), "labels": np.zeros(20, int)}, "lacks the array"),
        ({"images": np.zeros(20), "labels": np.zeros(20, int)}, "images' must have shape"),
        ({"images": np.zeros((20, 4, 4)), "labels": np.zeros((20, 1), int)}, "labels' must have shape"),
        ({"images": np.zeros((20, 4, 4)), "labels": np.zeros(19, int)}, "must match"),
        ({"images": np.full((20, 4), "a"), "labels": np.zeros(20, int)}, "integer or floating"),
        ({"images": np.zeros((20, 4)), "labels": np.full(20, 0.5)}, "must be integers"),
        ({"images": np.full((20, 4), np.nan), "labels": np.zeros(20, int)}, "NaN"),
        ({"images": -np.ones((20, 4)), "labels": np.zeros(20, int)}, "non-negative"),
        ({"images": np.zeros((20, 4)), "labels": -np.ones(20, int)}, "class indices"),
    ],
)
def test_bad_npz_files_get_clear_errors(tmp_path, arrays, message):
    with pytest.raises(SpecError, match=message):
        load_dataset(_npz(tmp_path, **arrays))


def test_missing_and_unreadable_files(tmp_path):
    with pytest.raises(SpecError, match="does not exist"):
        load_dataset(tmp_path / "nope.npz")
    with pytest.raises(SpecError, match="directory"):
        load_dataset(tmp_path)
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a zip file")
    with pytest.raises(SpecError, match="not a readable"):
        load_dataset(bad)
    single = tmp_path / "single.npy"
    np.save(single, np.zeros((20, 4)))
    with pytest.raises(SpecError, match="single array"):
        load_dataset(single)
