r"""Lemma F.8's map in closed form: powers :math:`\Phi^s` at O(1) cost in :math:`s` (paper Lemma F.8, Thm 4.3).

On diagonals grouped by eigenvalue, :math:`\Phi(N) = \Lambda N + a\,(b^\top N)` with :math:`\Lambda = D^2`,
:math:`a = \kappa_0^2\Sigma(\Sigma+\kappa_0)^{-2}`, :math:`b = m\,\Sigma(\Sigma+\kappa_0)^{-2}/(T_0 - \mathrm{df}_2(\kappa_0))`
(all positive). With :math:`W = \mathrm{diag}(\sqrt{a/b})`, :math:`\Phi = W S W^{-1}` and
:math:`S = \Lambda + cc^\top`, :math:`c = \sqrt{ab}`, symmetric positive definite: :math:`S = V\mathrm{diag}(\mu)V^\top`.
Writing :math:`t_j = b^\top\Phi^j N = \sum_i \mu_i^j\,\beta_i q_i` (:math:`\beta = V^\top Wb`,
:math:`q = V^\top W^{-1}N`),

.. math::
    x^\top(\Phi^s - \Lambda^s)N = \sum_{j<s}(x^\top\Lambda^{s-1-j}a)\,t_j
        = \sum_i \beta_i q_i\sum_k x_k a_k\,h_s(\Lambda_k, \mu_i),\qquad
    \sum_{j<n} t_j = \sum_i \beta_i q_i\,\frac{1-\mu_i^n}{1-\mu_i},

with :math:`h_s(x, y) = \sum_{j<s}x^{s-1-j}y^j = (x^s - y^s)/(x - y)`, evaluated as
:math:`\max^{s-1}\cdot\mathrm{expm1}(s\log r)/\mathrm{expm1}(\log r)`, :math:`r = \min/\max`, so nearly equal
arguments lose nothing. Cost :math:`O(d_g^2)` plus one symmetric eigendecomposition, independent of
:math:`s` (:math:`d_g` distinct eigenvalues). float64 uses LAPACK (``numpy.linalg.eigh``); mpmath refines the
float eigenvalues by safeguarded Newton on the secular equation :math:`1 = \sum_k c_k^2/(\mu - \Lambda_k)` in
its interlacing bracket and takes :math:`v_i \propto (\mu_i - \Lambda)^{-1}c` (digits are certified by the
caller, so any loss shows in ``Prediction.digits``).
"""

from __future__ import annotations

import mpmath
import numpy as np

__all__ = ["ClosedPowers", "Unsupported", "closed_is_cheaper"]

_CONTROLLER = None


def _eigh_one_thread(S):
    # One BLAS thread: threaded LAPACK on a shared 2-core machine was 35x slower (5.5 s against 0.15 s at
    # d = 378). The controller is cached (creating one costs ~1 ms). To be replaced by
    # symcollapse._threads.one_blas_thread once that module exists.
    global _CONTROLLER
    from threadpoolctl import ThreadpoolController  # noqa: PLC0415

    if _CONTROLLER is None:
        _CONTROLLER = ThreadpoolController()
    with _CONTROLLER.limit(limits=1, user_api="blas"):
        return np.linalg.eigh(S)


def closed_is_cheaper(name: str, steps: int, groups: int) -> bool:
    """Whether the closed form is cheaper than ``steps`` O(d) loop steps (rough per-backend cost models,
    seconds; measured on one core: float step ~3·(30 µs + 10 ns·d), eigh ~0.15 s·(d/378)³; mpmath step
    ~40 µs·d, closed ~10 µs·d² per Newton sweep)."""
    if name == "float":
        loop = steps * 3 * (3e-5 + 1e-8 * groups)
        closed = 1e-3 + 2e-8 * groups**2  # terms._secular: O(g²), no eigendecomposition
    elif name == "mp":
        loop = steps * 3 * 4e-5 * groups
        closed = 1e-3 + 8 * 1e-5 * groups**2
    else:
        return False
    return closed < loop


def _h_float(x, y, s: int):
    hi, lo = np.maximum(x, y), np.minimum(x, y)
    with np.errstate(divide="ignore", invalid="ignore", under="ignore"):
        r = np.where(hi > 0, lo / np.where(hi > 0, hi, 1.0), 0.0)
        lr = np.log(np.where(r > 0, r, 1.0))
        g = np.where(r <= 0, 1.0, np.where(r >= 1, float(s), np.expm1(s * lr) / np.where(lr < 0, np.expm1(lr), -1.0)))
        base = np.where(hi > 0, hi ** (s - 1), 1.0 if s == 1 else 0.0)
    return base * g


def _h_mp(x, y, s: int):
    hi, lo = (x, y) if x >= y else (y, x)
    if hi <= 0:
        return mpmath.mpf(1) if s == 1 else mpmath.mpf(0)
    r = lo / hi
    if r <= 0:
        g = mpmath.mpf(1)
    elif r >= 1:
        g = mpmath.mpf(s)
    else:
        lr = mpmath.log(r)
        g = mpmath.expm1(s * lr) / mpmath.expm1(lr)
    return hi ** (s - 1) * g


def _secular_roots_mp(lam: list, c2: list, guess) -> list:
    """Roots of 1 = Σ c_k²/(μ − Λ_k), one per interlacing bracket (Λ ascending), from float guesses."""
    d = len(lam)
    top = lam[-1] + mpmath.fsum(c2)
    tol = mpmath.eps * 4
    roots = []
    for i in range(d):
        lo, hi = lam[i], (lam[i + 1] if i + 1 < d else top)
        x = mpmath.mpf(float(guess[i]))
        if not lo < x < hi:
            x = (lo + hi) / 2
        for _ in range(200):
            r = [1 / (x - v) for v in lam]  # one division per pole and iteration
            terms = [w * ri for w, ri in zip(c2, r)]
            f = 1 - mpmath.fsum(terms)
            fp = mpmath.fdot(terms, r)
            # f is known to ~eps·(Σ|terms| + |x|·f'): x − Λ_k carries an absolute error eps·|x|. Below that,
            # x is a root to working precision (further Newton steps are round-off).
            if abs(f) <= 8 * mpmath.eps * (1 + mpmath.fsum(abs(t) for t in terms) + abs(x) * fp):
                break
            if f < 0:
                lo = x
            else:
                hi = x
            xn = x - f / fp if fp > 0 else (lo + hi) / 2
            if not lo < xn < hi:
                xn = (lo + hi) / 2
            done = abs(xn - x) <= tol * abs(x) or hi - lo <= tol * abs(x)
            x = xn
            if done:
                break
        roots.append(x)
    return roots


class _FloatPoles:
    """float64 closed form on the distinct poles (ties merged, empty groups dropped): terms._secular."""

    def __init__(self, lam, a, b):
        from symcollapse.theory.terms import _secular  # noqa: PLC0415  (numba compile on first use only)

        self._k = _secular
        c2 = a * b
        if not (np.all(np.isfinite(c2)) and np.all(lam >= 0)) or np.any((c2 == 0) & ((a != 0) | (b != 0))):
            raise Unsupported  # a group with one of a, b underflowed: the loop handles it term by term
        idx = np.nonzero(c2 > 0)[0]
        self.order = idx[np.argsort(lam[idx], kind="stable")]
        ls = lam[self.order]
        self.lam = np.unique(ls)  # exact ties are one pole (the residue sums only see Λ_k)
        self.inv = np.searchsorted(self.lam, ls)
        self.orig, self.tau, self.fp, ok = _secular.secular_roots(self.lam, self._merge(c2))
        if not ok:
            raise Unsupported
        self.mu = self.lam[self.orig] + self.tau
        if self.lam.size == 0:
            self.mu = np.zeros(0)

    def _merge(self, v):
        return np.bincount(self.inv, weights=np.asarray(v, dtype=float)[self.order], minlength=self.lam.size)

    def trace_dot(self, xa, bN, s: int) -> float:
        if self.lam.size == 0:
            return 0.0
        w = self._k.residue_weights(self.lam, self.orig, self.tau, self.fp, self._merge(bN))
        with np.errstate(under="ignore"):
            Pmu, Plam = self.mu ** (s - 1), self.lam ** (s - 1)
        return float(self._k.pair_sum(self.lam, self.orig, self.tau, self.mu, w, self._merge(xa), s, Pmu, Plam))

    def trace_sum(self, bN, n: int) -> float:
        if self.lam.size == 0:
            return 0.0
        w = self._k.residue_weights(self.lam, self.orig, self.tau, self.fp, self._merge(bN))
        one_minus = (1.0 - self.lam[self.orig]) - self.tau  # 1 − μ_i
        h = self._k.h_power
        with np.errstate(under="ignore", over="ignore"):
            vals = [h(1.0, om, n, 1.0) if om >= 0 else h(mu, -om, n, mu ** (n - 1))
                    for om, mu in zip(one_minus, self.mu)]
        return float(np.dot(w, vals))


class Unsupported(Exception):
    """The closed form cannot represent these poles in float64 (the caller keeps the loop)."""


class ClosedPowers:
    """Spectral data of Φ for one (backend, κ0): see the module docstring."""

    def __init__(self, ops, D, e0, den0, k0):
        self.mp = ops.name == "mp"
        m = ops.m
        if self.mp:
            self.lam = [x * x for x in D]
            self.a = [k0**2 * e for e in e0]
            self.b = [mm * e / den0 for mm, e in zip(m, e0)]
            self.w = [mpmath.sqrt(a / b) for a, b in zip(self.a, self.b)]
            self._eig_mp()
        else:
            D, e0, m = (np.asarray(v, dtype=float) for v in (D, e0, m))
            self.a, self.b = k0**2 * e0, m * e0 / den0
            self.fl = _FloatPoles(D * D, self.a, self.b)  # raises Unsupported where float64 cannot

    def _eig_mp(self) -> None:
        order = sorted(range(len(self.lam)), key=lambda k: self.lam[k])
        lam = [self.lam[k] for k in order]
        c2 = [self.a[k] * self.b[k] for k in order]
        S = np.diag([float(x) for x in lam]) + np.outer(np.sqrt([float(x) for x in c2]),
                                                       np.sqrt([float(x) for x in c2]))
        mu = _secular_roots_mp(lam, c2, np.sort(np.linalg.eigvalsh(S)))
        c = [mpmath.sqrt(x) for x in c2]
        inv_order = {k: i for i, k in enumerate(order)}
        cg = [c[inv_order[k]] for k in range(len(self.lam))]  # c in the original group order
        self.mu, self.V, self.R = mu, [], []
        for mui in mu:  # v_i ∝ (μ_i − Λ)⁻¹c; R_i = (μ_i − Λ)⁻¹ is kept for trace_dot
            R = [1 / (mui - lk) for lk in self.lam]
            v = [ck * rk for ck, rk in zip(cg, R)]
            nrm = mpmath.sqrt(mpmath.fdot(v, v))
            self.V.append([x / nrm for x in v])
            self.R.append(R)
        self.beta = [mpmath.fdot(v, (w * b for w, b in zip(self.w, self.b))) for v in self.V]

    def _q(self, N):
        if self.mp:
            return [mpmath.fdot(v, (x / w for x, w in zip(N, self.w))) for v in self.V]
        return self.V.T @ (np.asarray(N, dtype=float) / self.w)

    def trace_dot(self, x, N, s: int):
        r""":math:`x^\top(\Phi^s - \Lambda^s)N`."""
        if self.mp:
            q = self._q(N)
            # h_s(Λ_k, μ_i) = (μ_i^s − Λ_k^s)/(μ_i − Λ_k): powers once, then one product per pair
            xa = [xx * a for xx, a in zip(x, self.a)]
            xal = [v * lk**s for v, lk in zip(xa, self.lam)]
            return mpmath.fsum(b * qq * (mui**s * mpmath.fdot(xa, R) - mpmath.fdot(xal, R))
                               for b, qq, mui, R in zip(self.beta, q, self.mu, self.R))
        x, N = np.asarray(x, dtype=float), np.asarray(N, dtype=float)
        return self.fl.trace_dot(x * self.a, self.b * N, s)

    def trace_sum(self, N, n: int):
        r""":math:`\sum_{j<n} b^\top\Phi^j N`."""
        if self.mp:
            q = self._q(N)
            return mpmath.fsum(b * qq * _h_mp(mpmath.mpf(1), mui, n) for b, qq, mui in zip(self.beta, q, self.mu))
        return self.fl.trace_sum(self.b * np.asarray(N, dtype=float), n)
