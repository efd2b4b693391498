r"""Lemma F.8's map in closed form: powers :math:`\Phi^s` at a cost independent of :math:`s` (paper Lemma F.8,
Thm 4.3).

On diagonals grouped by eigenvalue, :math:`\Phi(N) = \Lambda N + a\,(b^\top N)` with :math:`\Lambda = D^2`,
:math:`a = \kappa_0^2\Sigma(\Sigma+\kappa_0)^{-2}`, :math:`b = m\,\Sigma(\Sigma+\kappa_0)^{-2}/(T_0 - \mathrm{df}_2(\kappa_0))`
(all positive): diagonal plus rank one, so its eigenvalues :math:`\mu_i` are the roots of the secular equation
:math:`1 = \sum_k a_kb_k/(\mu - \Lambda_k)` and :math:`t_j = b^\top\Phi^jN = \sum_i w_i\mu_i^j` with residue
weights :math:`w_i` (terms._secular). Then

.. math::
    x^\top(\Phi^s - \Lambda^s)N = \sum_{j<s}(x^\top\Lambda^{s-1-j}a)\,t_j
        = \sum_i w_i\sum_k x_k a_k\,h_s(\Lambda_k, \mu_i),\qquad
    \sum_{j<n} t_j = \sum_i w_i\,\frac{1-\mu_i^n}{1-\mu_i},

with :math:`h_s(x, y) = \sum_{j<s}x^{s-1-j}y^j = (x^s - y^s)/(x - y)`, evaluated as
:math:`\max^{s-1}\cdot(1 - (1-u)^s)/u`, :math:`u = |x - y|/\max` (``expm1``/``log1p``), so nearly equal
arguments lose nothing. float64: :math:`O(g^2)` compiled work (:math:`g` distinct eigenvalues), no matrix.
mpmath: the float64 roots refined by one or two quadratic steps, and only the roots whose terms are above
the working precision's rounding (:class:`_MpPoles`): :math:`O(g)` per kept root. Digits are certified by
the caller, so any loss shows in ``Prediction.digits``.
"""

from __future__ import annotations

import hashlib
import math

import mpmath
import numpy as np

from symcollapse.theory._precision import note_truncation

__all__ = ["ClosedPowers", "Unsupported", "closed_is_cheaper"]


def closed_is_cheaper(name: str, steps: int, groups: int, kept: int | None = None) -> bool:
    """Whether the closed form is cheaper than ``steps`` O(d) loop steps (rough per-backend cost models,
    seconds; measured on one core: float step ~3·(30 µs + 10 ns·d), closed ~20 ns·d² (terms._secular);
    mpmath step ~40 µs·d, closed at most ~80 µs·d², usually far less after truncation)."""
    if name == "float":
        loop = steps * 3 * (3e-5 + 1e-8 * groups)
        closed = 1e-3 + 2e-8 * groups**2  # terms._secular: O(g²), no eigendecomposition
    elif name == "mp":
        loop = steps * 3 * 4e-5 * groups
        closed = 1e-3 + 8 * 1e-5 * groups * (groups if kept is None else kept)
    else:
        return False
    return closed < loop


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
        return float(
            self._k.pair_sum(self.lam, self.orig, self.tau, self.mu, w, self._merge(xa), s, Pmu, Plam)
        )

    def trace_sum(self, bN, n: int) -> float:
        if self.lam.size == 0:
            return 0.0
        w = self._k.residue_weights(self.lam, self.orig, self.tau, self.fp, self._merge(bN))
        one_minus = (1.0 - self.lam[self.orig]) - self.tau  # 1 − μ_i
        h = self._k.h_power
        with np.errstate(under="ignore", over="ignore"):
            vals = [
                h(1.0, om, n, 1.0) if om >= 0 else h(mu, -om, n, mu ** (n - 1))
                for om, mu in zip(one_minus, self.mu)
            ]
        return float(np.dot(w, vals))


def _log_abs(x) -> float:
    """log|x| as a float for any finite mpf (far outside float64's range too), -inf at 0."""
    sign, man, exp, _ = x._mpf_
    if man:
        return math.log(man) + exp * _LN2  # math.log takes big ints exactly
    if x == 0:
        return -math.inf
    return float(mpmath.log(abs(x)))  # inf / nan: left to mpmath


_LN2 = math.log(2.0)
_BOUNDS: dict = {}


def _trace_bounds(k, image, lb, lx, s):
    """``_secular.log_trace_bounds`` memoised on its float64 inputs: ``certify`` evaluates the same problem at
    two precisions, whose float64 images (hence bounds) are the same, and the O(g²) pass is the cost here."""
    lam, orig, tau, mu, lc2 = image
    key = (s, *(hashlib.blake2b(np.ascontiguousarray(a).tobytes(), digest_size=16).digest()
                for a in (lam, orig, tau, lc2, lb, lx)))
    if key not in _BOUNDS:
        if len(_BOUNDS) >= 64:
            _BOUNDS.clear()
        _BOUNDS[key] = k.log_trace_bounds(lam, orig, tau, mu, lc2, lb, lx, s)
    return _BOUNDS[key]


class _MpPoles:
    r"""mpmath twin of :class:`_FloatPoles`, with a precision-aware truncation.

    The roots are refined from the float64 ones (same origin poles, so one or two quadratic steps), and
    only for the roots whose term can matter: a float64 bound on each root's term, in logs
    (``_secular.log_trace_bounds``, and ``log_root_bounds`` for ``trace_sum``), is compared with the
    largest one; roots more than
    :math:`2^{-\mathrm{prec}}/(100\,g)` below it are dropped, which changes the sum by less than its own
    rounding error. ``trace_sum`` uses the exact residue identity
    :math:`\sum_i w_i/(1 - \mu_i) = \tilde F(1)/f(1)` (all roots) minus the decaying tail
    :math:`\sum_i w_i\mu_i^n/(1 - \mu_i)` (truncated). Cost :math:`O(g)` per kept root. Where float64 cannot
    image the poles (ties or under/overflow after rounding), every root is kept and solved from its bracket."""

    def __init__(self, lam, a, b):
        from symcollapse.theory.terms import _secular  # noqa: PLC0415

        self._k = _secular
        c2 = [x * y for x, y in zip(a, b)]
        if any(c == 0 and (x != 0 or y != 0) for c, x, y in zip(c2, a, b)):
            raise Unsupported
        groups: dict = {}
        for k in sorted((k for k in range(len(c2)) if c2[k] > 0), key=lambda k: lam[k]):
            groups.setdefault(lam[k], []).append(k)  # exact ties are one pole
        self.lam = list(groups)
        self.members = list(groups.values())
        self.c2 = self._merge(c2)
        self.a, self.b = self._merge(a), self._merge(b)
        self.g = len(self.lam)
        self._roots: dict = {}
        self._kept: dict = {}
        self._float = self._float_image()

    def _merge(self, v):
        return [v[ks[0]] if len(ks) == 1 else mpmath.fsum(v[k] for k in ks) for ks in self.members]

    def _float_image(self):
        """(lam, orig, tau, mu, log c2) in float64 if the poles are faithfully representable, else None."""
        lam = np.array([float(x) for x in self.lam])
        c2 = np.array([float(x) for x in self.c2])
        tiny = np.finfo(float).tiny
        if self.g == 0 or not (
            np.all(lam > tiny) and np.all(np.diff(lam) > 0) and np.all(c2 > tiny) and np.all(np.isfinite(c2))
        ):
            return None
        orig, tau, fp, ok = self._k.secular_roots(lam, c2)
        if not ok:
            return None
        return lam, orig, tau, lam[orig] + tau, np.log(c2)

    def _logs(self, v):
        return np.array([_log_abs(x) for x in v])

    def _root(self, i):
        """(1/(μ_i − Λ_k) for every k, f'(μ_i), μ_i), refined in mpmath (cached per root)."""
        key = (i, mpmath.mp.prec)  # a root refined at one precision is not reused at a higher one
        if key in self._roots:
            return self._roots[key]
        lam, c2, g = self.lam, self.c2, self.g
        last = i == g - 1
        if self._float is not None:
            o, t = int(self._float[1][i]), mpmath.mpf(float(self._float[2][i]))
        else:
            o, t = i, None
        base = lam[o]
        p = lam[i] - base
        q = lam[i + 1] - base if not last else None
        lo, hi = (p, mpmath.fsum(c2)) if last else (p, q)
        if t is None or not lo < t < hi:
            t = (lo + hi) / 2
        delta = [x - base for x in lam]
        eps = mpmath.eps
        for _ in range(400):
            r = [1 / (t - dk) for dk in delta]
            terms = [w * rk for w, rk in zip(c2, r)]
            psi, phi = mpmath.fsum(terms[: i + 1]), mpmath.fsum(terms[i + 1 :])
            dpsi, dphi = mpmath.fdot(terms[: i + 1], r[: i + 1]), mpmath.fdot(terms[i + 1 :], r[i + 1 :])
            f = 1 - psi - phi
            if f < 0:
                lo = t
            elif f > 0:
                hi = t
            if f == 0 or abs(f) <= 8 * eps * (1 + psi - phi + abs(t) * (dpsi + dphi)):
                break
            tn = self._bns(psi, phi, dpsi, dphi, t, p, q, o == i)
            if tn is None or not lo < tn < hi:
                tn = (lo + hi) / 2
            if abs(tn - t) <= 2 * eps * abs(t) or hi - lo <= 2 * eps * max(abs(lo), abs(hi)):
                t = tn
                r = [1 / (t - dk) for dk in delta]
                dpsi, dphi = mpmath.fdot((w * rk for w, rk in zip(c2, r)), r), 0
                break
            t = tn
        self._roots[key] = (r, dpsi + dphi, base + t, t, delta)
        return self._roots[key]

    @staticmethod
    def _bns(psi, phi, dpsi, dphi, t, p, q, left):
        """mpmath twin of ``_secular._step`` (the fixed-weight two-pole step)."""
        b1 = dpsi * (t - p) ** 2
        a1 = psi - b1 / (t - p)
        if q is None:
            A = 1 - a1
            return p + b1 / A if A > 0 else None
        b2 = dphi * (t - q) ** 2
        A = 1 - a1 - (phi - b2 / (t - q))
        gap = q - p
        if left:
            B, C = A * gap + b1 + b2, b1 * gap
            return p + 2 * C / (B + mpmath.sqrt(max(B * B - 4 * A * C, 0)))
        B, C = -A * gap + b1 + b2, b2 * gap
        return q - 2 * C / (B + mpmath.sqrt(max(B * B + 4 * A * C, 0)))

    def _keep(self, logb) -> list:
        if logb is None:
            return list(range(self.g))
        top = float(np.max(logb)) if logb.size else -np.inf
        if top == -np.inf:
            return []
        cut = top - (mpmath.mp.prec * math.log(2) + math.log(100 * self.g))
        return [i for i in range(self.g) if logb[i] >= cut or not math.isfinite(logb[i])]

    def kept_estimate(self, s: int) -> int:
        """Roots a generic ``trace_dot`` (x = 1, N = 1) at ``s`` steps refines in mpmath (the cost model)."""
        if self._float is None:
            return self.g
        if s not in self._kept:
            plan = self._plan(self.a, self.b, s)
            self._kept[s] = len(plan[1]) if plan[0] == "split" else len(self._keep(plan[1]))
        return self._kept[s]

    def _plan(self, xa, bN, s: int):
        r"""("split", kept roots, log bound of the dropped part) or ("roots", per-root log bounds or None).

        The h_s form needs every root whose whole term :math:`w_i\sum_k xa_k h_s(\Lambda_k, \mu_i)` is above
        the rounding level; that term holds :math:`\Lambda_k^s` for every k, so after many steps every root
        can matter. The split form (:meth:`_split`) only needs the roots whose
        :math:`w_i\mu_i^s\sum_k xa_k/(\mu_i - \Lambda_k)` is (``_secular.log_trace_bounds``)."""
        if self._float is None:
            return "roots", None
        lam, orig, tau, mu, lc2 = self._float
        lb, lx = self._logs(bN), self._logs(xa)
        whole, part = _trace_bounds(self._k, self._float, lb, lx, s)
        if not np.all(np.isfinite(whole) | (whole == -np.inf)) or not np.any(np.isfinite(whole)):
            return "roots", whole
        cut = float(np.max(whole)) - (mpmath.mp.prec * math.log(2) + math.log(100 * self.g))
        drop = (part < cut) | (part == -np.inf)
        keep = [i for i in range(self.g) if not drop[i]]
        if len(keep) >= len(self._keep(whole)):
            return "roots", whole
        # the float64 bounds carry ~1e-13 relative error: one nat of margin on the dropped total
        rest = part[drop & np.isfinite(part)]
        logdrop = float(np.max(rest) + math.log(rest.size) + 1.0) if rest.size else -math.inf
        return "split", keep, logdrop

    def _w(self, i, coef):
        r, fp, _, _, _ = self._root(i)
        return mpmath.fdot(coef, r) / fp

    def trace_dot(self, xa, bN, s: int):
        xa, bN = self._merge(xa), self._merge(bN)
        plan = self._plan(xa, bN, s)
        if plan[0] == "roots":
            return self._whole(xa, bN, s, self._keep(plan[1]))
        _, keep, logdrop = plan
        # The split form cancels (large S_k against small terms); its own measured loss sets the guard bits
        base, guard = mpmath.mp.prec, 16
        for _ in range(3):
            with mpmath.workprec(base + guard):
                val, big = self._split(xa, bN, s, keep)
                lost = 0 if val == 0 else max(0, int(mpmath.log(big / abs(val), 2)) + 1)
            if lost + 8 <= guard:
                break
            guard = lost + 16
        if val != 0 and logdrop > -math.inf:
            note_truncation(mpmath.exp(logdrop - mpmath.log(abs(val))))
        return +val

    def _whole(self, xa, bN, s: int, keep):
        """The h_s form over the roots ``keep`` (no cancellation inside a pair)."""
        lam_s = None
        total = []
        for i in keep:
            r, _, mui, t, delta = self._root(i)
            w = self._w(i, bN)
            if w == 0:
                continue
            if lam_s is None:
                lam_s = [x**s for x in self.lam]
            total.append(w * self._h_row(xa, s, r, mui, t, delta, lam_s))
        return mpmath.fsum(total)

    def _h_row(self, xa, s, r, mui, t, delta, lam_s):
        r""":math:`\sum_k xa_k h_s(\Lambda_k, \mu_i)` for one root."""
        mus = mui**s
        acc = []
        for k in range(self.g):
            diff = t - delta[k]  # μ_i − Λ_k, from the origin pole
            hi = mui if diff >= 0 else self.lam[k]
            if s * abs(diff) < hi:  # nearly equal: the expm1 form (no cancellation in μ^s − Λ^s)
                u = abs(diff) / hi
                g = s if u == 0 else -mpmath.expm1(s * mpmath.log1p(-u)) / u
                acc.append(xa[k] * g * (mus / mui if diff >= 0 else lam_s[k] / self.lam[k]))
            else:
                acc.append(xa[k] * (mus - lam_s[k]) * r[k])
        return mpmath.fsum(acc)

    def _split(self, xa, bN, s: int, keep):
        r"""The split form: kept roots :math:`K` in the h_s form, every other root through the residue identity
        :math:`\sum_{\text{all } i} w_i/(\Lambda_k - \mu_i) = -bN_k/c_k^2` (:math:`\tilde F/f` at its removable
        singularity :math:`\Lambda_k`):

        .. math::
            \sum_{i\notin K} w_i\sum_k xa_k h_s(\Lambda_k, \mu_i) = \sum_k xa_k\Lambda_k^s S_k
                + \sum_{i\notin K} w_i\mu_i^s\sum_k \frac{xa_k}{\mu_i - \Lambda_k},\qquad
            S_k = -\frac{bN_k}{c_k^2} + \sum_{i\in K}\frac{w_i}{\mu_i - \Lambda_k},

        whose last sum is below the rounding level by the choice of :math:`K` (:meth:`_plan`) and is dropped.
        Cost :math:`O(g\,|K|)`. Returns the value and the largest magnitude summed (its cancellation)."""
        lam_s = [x**s for x in self.lam]
        S = [-y / c for y, c in zip(bN, self.c2)]
        parts = []
        big = max((abs(x * ls * sk) for x, ls, sk in zip(xa, lam_s, S)), default=mpmath.mpf(0))
        for i in keep:
            r, _, mui, t, delta = self._root(i)
            w = self._w(i, bN)
            if w == 0:
                continue
            for k in range(self.g):
                S[k] += w * r[k]
            parts.append(w * self._h_row(xa, s, r, mui, t, delta, lam_s))
        parts.extend(x * ls * sk for x, ls, sk in zip(xa, lam_s, S))
        big = max(big, max((abs(v) for v in parts), default=big))
        return mpmath.fsum(parts), big

    def trace_sum(self, bN, n: int):
        bN = self._merge(bN)
        logb = None
        fl = self._float
        if fl is not None and fl[3].max() < 1 and self.lam[-1] < 1:
            lam, orig, tau, mu, lc2 = fl
            logb = self._k.log_root_bounds(lam, orig, tau, mu, lc2, self._logs(bN), n)
            keep = self._keep(logb)
            if len(keep) < self.g // 2:
                # Σ_i w_i (1 − μ_i^n)/(1 − μ_i) = F̃(1)/f(1) − Σ_i w_i μ_i^n/(1 − μ_i) (residue theorem at μ = 1)
                one = mpmath.mpf(1)
                F1 = mpmath.fsum(c / (one - x) for c, x in zip(bN, self.lam))
                f1 = 1 - mpmath.fsum(c / (one - x) for c, x in zip(self.c2, self.lam))
                if f1 > 0:
                    tail = []
                    for i in keep:
                        _, _, mui, _, _ = self._root(i)
                        tail.append(self._w(i, bN) * mui**n / (1 - mui))
                    return F1 / f1 - mpmath.fsum(tail)
        return mpmath.fsum(self._w(i, bN) * _h_mp(mpmath.mpf(1), self._root(i)[2], n) for i in range(self.g))


class Unsupported(Exception):
    """The closed form cannot represent these poles in float64 (the caller keeps the loop)."""


class ClosedPowers:
    """Spectral data of Φ for one (backend, κ0): see the module docstring."""

    def __init__(self, ops, D, e0, den0, k0):
        self.mp = ops.name == "mp"
        m = ops.m
        if self.mp:
            self.a = [k0**2 * e for e in e0]
            self.b = [mm * e / den0 for mm, e in zip(m, e0)]
            self.mpp = _MpPoles([x * x for x in D], self.a, self.b)
        else:
            D, e0, m = (np.asarray(v, dtype=float) for v in (D, e0, m))
            self.a, self.b = k0**2 * e0, m * e0 / den0
            self.fl = _FloatPoles(D * D, self.a, self.b)  # raises Unsupported where float64 cannot

    def trace_dot(self, x, N, s: int):
        r""":math:`x^\top(\Phi^s - \Lambda^s)N`."""
        if self.mp:
            return self.mpp.trace_dot(
                [xx * a for xx, a in zip(x, self.a)], [b * y for b, y in zip(self.b, N)], s
            )
        x, N = np.asarray(x, dtype=float), np.asarray(N, dtype=float)
        return self.fl.trace_dot(x * self.a, self.b * N, s)

    def trace_sum(self, N, n: int):
        r""":math:`\sum_{j<n} b^\top\Phi^j N`."""
        if self.mp:
            return self.mpp.trace_sum([b * y for b, y in zip(self.b, N)], n)
        return self.fl.trace_sum(self.b * np.asarray(N, dtype=float), n)
