r"""Arithmetic backends behind one small protocol, so a term of a result is written once.

A backend exposes the grouped spectrum (``u``, ``m``, ``s``: eigenvalue, multiplicity, :math:`\sum c_j^2` per
group, from :mod:`~symcollapse.theory._spectral`), the scalars ``lam``, ``sigma``, ``sigma0``, ``one``, and

* ``kappa(T)``, ``kappa0(T0)`` — :math:`\kappa(\lambda, T)` and :math:`\kappa(0, T_0)` (Eq. 9);
* ``sums(k)`` — :math:`(\mathrm{df}_1, \mathrm{df}_2, \sum_k s_k u_k/(u_k+\kappa)^2, \mathrm{tr}(\Sigma+\kappa)^{-2})`;
* ``signal()`` — :math:`\|w_0\|_\Sigma^2`; ``frac(x)`` — an exact rational in the backend's numbers;
* ``vmap(fn, *vecs)`` — ``fn`` per group; ``dot(a, b)``; ``pow(vec, e)`` elementwise.

:class:`FloatOps` (float64, numpy), :class:`MpOps` (mpmath at the current precision) and :class:`SympyOps`
(SymPy numbers, κ as 60-digit Floats, for ``formula``) implement it.
"""

from __future__ import annotations

import math
from fractions import Fraction

import mpmath
import numpy as np

from symcollapse.spec import Problem, exact
from symcollapse.theory import _infinite, _mpvec, _spectral
from symcollapse.theory import fixed_point as fp
from symcollapse.theory._spectral import mpf

__all__ = ["FloatOps", "MpOps", "SympyOps"]


class FloatOps:
    """Grouped float64 spectral data: unique eigenvalues u, multiplicities m, sums of c_j² per group s."""

    name = "float"

    def __init__(self, p: Problem):
        self.u, self.m, self.s = _spectral.groups(p, "float")
        # (d, tr Σ, λ_min) for κ's bracket and, for one group (Σ = sI), the group as Python floats: the
        # scalar paths below repeat numpy's operations on length-1 arrays exactly (bit for bit), minus the
        # per-call overhead that dominates on dense theory grids
        self._prep, self._one = _spectral.cached("float-prep", p, None, lambda: _float_prep(self.u, self.m, self.s))
        self.lam = float(p.downstream.lam)  # int, float or Fraction (spec): float() rounds correctly
        self.sigma = float(p.downstream.sigma)
        self.sigma0 = float(p.chain.sigma0)
        self.one = 1.0

    def kappa(self, T):
        """κ(λ, T) of the downstream ridge (data validated by the spec: no re-checks)."""
        return fp._kappa_scalar(self.lam, float(T), self.u, self.m, self._prep)

    def kappa0(self, T0):
        """κ(0, T0) of the generator."""
        return fp._kappa_scalar(0.0, float(T0), self.u, self.m, self._prep)

    def sums(self, k):
        if self._one is not None:
            u, m, s = self._one
            inv = 1.0 / (u + k)
            rr = u * inv
            out = (rr * m, rr * rr * m, s * rr * inv, m * inv * inv)
            # an intermediate inf/NaN (which numpy would report under predict's errstate) makes an output
            # non-finite: then the array code below runs and reports it exactly as before
            if all(map(math.isfinite, out)):
                return out
        u, m = self.u, self.m
        inv = 1.0 / (u + k)
        rr = u * inv
        es = np.einsum  # no BLAS: threaded gemv is slow on shared machines (see fixed_point)
        return (float(es("k,k->", rr, m)), float(es("k,k,k->", rr, rr, m)), float(es("k,k,k->", self.s, rr, inv)),
                float(es("k,k,k->", m, inv, inv)))

    def signal(self):
        if self._one is not None:
            w = self._one[2] * self._one[0]
            if math.isfinite(w):
                return w
        return float(np.einsum("k,k->", self.s, self.u))  # ‖w0‖²_Σ

    def frac(self, x):
        return float(x)

    @staticmethod
    def vmap(fn, *vecs):
        """fn applied per distinct eigenvalue (numpy: on whole arrays)."""
        return fn(*vecs)

    @staticmethod
    def dot(a, b):
        return float(np.einsum("k,k->", a, b))

    @staticmethod
    def array(vec):
        return np.asarray(vec, dtype=float)


def _float_prep(u, m, s) -> tuple:
    """Per-spectrum constants of :class:`FloatOps`: κ's bracket data, and (u, m, s) as floats for one group."""
    one = (float(u[0]), float(m[0]), float(s[0])) if u.size == 1 else None
    return fp._kappa_prep(u, m), one


class MpOps:
    r"""mpmath twin of :class:`FloatOps`, built at the current precision from exact inputs.

    With ``tail`` (a :class:`~symcollapse.theory._spectral.PowerTail`: a power law :math:`u_j = a j^{-\beta}`,
    :math:`s_j = b j^{-\gamma}` above ``TAIL_MIN_D``) the spectral sums of ``kappa``, ``sums`` and ``signal``
    are exact head sums plus an Euler–Maclaurin tail (:func:`~symcollapse.theory._infinite.spectral_sum`),
    so their cost does not grow with :math:`d`:

    .. math:: \sum_{j=1}^d j^{-s}(a j^{-\beta} + \kappa)^{-m} = a^{-m} S(s, m, \kappa/a; d).

    Anything else (``u``, ``m``, ``s``, ``vmap``) materialises the :math:`d` eigenvalues on first use.
    """

    name = "mp"

    def __init__(self, p: Problem, make, kappa_start: dict, tail=None):
        self._p, self._make, self._tail = p, make, tail
        if tail is None:
            self.u, self.m, self.s = _spectral.cached("mp", p, mpmath.mp.prec, make)
        else:
            self._a, self._b = mpf(tail.a), mpf(tail.b)
            self._beta, self._gamma = mpf(tail.beta), mpf(tail.gamma)
            self._N = _infinite.head_length(mpmath.mp.dps)
        self.lam = mpf(exact(p.downstream.lam))
        self.sigma = mpf(exact(p.downstream.sigma))
        self.sigma0 = mpf(exact(p.chain.sigma0))
        self.one = mpmath.mpf(1)
        self._start = kappa_start

    def __getattr__(self, name):
        # the tail path builds the per-eigenvalue lists only if a term needs them (e.g. an over-parametrised chain)
        if name in ("u", "m", "s") and "_p" in self.__dict__:
            self.u, self.m, self.s = _spectral.cached("mp", self._p, mpmath.mp.prec, self._make)
            return self.__dict__[name]
        raise AttributeError(name)

    def _S(self, s, m, k):
        r""":math:`\sum_{j\le d} j^{-s}(a j^{-\beta} + k)^{-m}`, the one tail-path spectral sum."""
        tl = self._tail
        return self._a ** (-m) * _infinite.spectral_sum(s, m, k / self._a, self._beta, tl.d, N=self._N)

    def _df12_tail(self, k):
        b = self._beta
        return self._a * self._S(b, 1, k), self._a**2 * self._S(2 * b, 2, k)

    def _kappa_tail(self, lam, T, start):
        r"""Eq. 9 as :math:`h(\kappa) = \lambda/\kappa + \mathrm{df}_1(\kappa)/T - 1 = 0` (:math:`\lambda = 0`:
        the ridgeless root of :math:`\mathrm{df}_1 = T`). :math:`h` is convex and decreasing, so Newton started
        left of the root (the float root shrunk by 1e-9, halved until :math:`h > 0`) increases monotonically to it;
        the first steps run at 20 digits."""
        d, T = self._tail.d, mpmath.mpf(T)
        if lam == 0 and T >= d:
            return mpmath.mpf(0)
        target = mpmath.mp.dps

        def h(k):
            df1, df2 = self._df12_tail(k)
            return lam / k + df1 / T - 1, -lam / k**2 - (df1 - df2) / (k * T)

        k = mpmath.mpf(start if start else lam + 1) * (1 - mpmath.mpf(10) ** -9)
        with mpmath.workdps(20):
            while h(k)[0] <= 0:
                k /= 2
        for dps, tol in ((min(20, target), mpmath.mpf(10) ** -15), (target, None)):
            with mpmath.workdps(dps):
                tol = tol if tol is not None else 8 * mpmath.eps
                for _ in range(100):
                    g, dg = h(k)
                    step = -g / dg
                    k = k + step
                    if abs(step) <= tol * k:
                        break
                else:
                    raise ArithmeticError("kappa Newton iteration did not converge")
        return +k

    def kappa(self, T):
        if self._tail is not None:
            return self._kappa_tail(self.lam, T, self._start.get("kappa"))
        return fp.kappa_mp(self.lam, T, self.u, self.m, start=self._start.get("kappa"))

    def kappa0(self, T0):
        if self._tail is not None:
            return self._kappa_tail(0, T0, self._start.get("kappa0"))
        return fp.kappa_mp(0, T0, self.u, self.m, start=self._start.get("kappa0"))

    def sums(self, k):
        if self._tail is not None:
            b, g, S = self._beta, self._gamma, self._S
            df1, df2 = self._df12_tail(k)
            return df1, df2, self._a * self._b * S(g + b, 2, k), S(0, 2, k)
        inv = [1 / (u + k) for u in self.u]
        r = [u * i for u, i in zip(self.u, inv)]
        fdot, m = mpmath.fdot, self.m  # exact accumulation, one rounding per sum
        return (fdot(r, m), fdot(((x * x, w) for x, w in zip(r, m))), fdot(((x * i, w) for x, i, w in
                zip(r, inv, self.s))), fdot(((i * i, w) for i, w in zip(inv, m))))

    def signal(self):
        if self._tail is not None:  # ‖w0‖²_Σ = a b Σ j^-(γ+β) (zeta differences)
            return self._a * self._b * _infinite.spectral_sum(self._gamma + self._beta, 0, 0, self._beta,
                                                             self._tail.d)
        return mpmath.fsum(s * u for s, u in zip(self.s, self.u))

    def frac(self, x):
        return mpf(Fraction(x))

    @staticmethod
    def vmap(fn, *vecs):
        return [fn(*xs) for xs in zip(*vecs)]

    # elementwise kernels on raw libmp values for the O(d) loops (terms.overparam.LemmaF8): same roundings
    # as the mpf operators at about half the cost
    raw = _mpvec

    @staticmethod
    def dot(a, b):
        return mpmath.fdot(a, b)

    @staticmethod
    def array(vec):
        return list(vec)


class SympyOps:
    """SymPy twin of :class:`FloatOps` for ``formula``: exact eigenvalues, κ and κ0 as 60-digit Floats."""

    name = "sympy"

    def __init__(self, p: Problem, kappa, kappa0):
        import sympy as sp  # noqa: PLC0415

        self.sp = sp
        self.u, self.m, self.s = _spectral.groups(p, "sympy")
        R = sp.Rational
        q = {k: exact(v) for k, v in (("lam", p.downstream.lam), ("sigma", p.downstream.sigma),
                                      ("sigma0", p.chain.sigma0))}
        self.lam, self.sigma, self.sigma0 = (R(q[k].numerator, q[k].denominator) for k in ("lam", "sigma", "sigma0"))
        self.one = sp.Integer(1)
        self._k = sp.Float(mpmath.nstr(kappa, 60), 60)
        self._k0 = None if kappa0 is None else sp.Float(mpmath.nstr(kappa0, 60), 60)

    def kappa(self, T):
        return self._k

    def kappa0(self, T0):
        return self._k0

    def sums(self, k):
        inv = [1 / (u + k) for u in self.u]
        r = [u * i for u, i in zip(self.u, inv)]
        add = self.sp.Add
        return (add(*[x * w for x, w in zip(r, self.m)]), add(*[x * x * w for x, w in zip(r, self.m)]),
                add(*[x * i * w for x, i, w in zip(r, inv, self.s)]), add(*[i * i * w for i, w in zip(inv, self.m)]))

    def signal(self):
        return self.sp.Add(*[w * u for w, u in zip(self.s, self.u)])

    def frac(self, x):
        f = Fraction(x)
        return self.sp.Rational(f.numerator, f.denominator)

    @staticmethod
    def vmap(fn, *vecs):
        return [fn(*xs) for xs in zip(*vecs)]

    def dot(self, a, b):
        return self.sp.Add(*[x * y for x, y in zip(a, b)])

    @staticmethod
    def array(vec):
        return list(vec)
