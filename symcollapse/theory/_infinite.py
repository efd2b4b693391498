r"""High-precision evaluation of the deterministic equivalents for a power-law spectrum, any :math:`d \le \infty`.

Setting (Eqs. 23–26): :math:`\lambda_j = j^{-\beta}`, :math:`c_j^2 = j^{-\delta}`, :math:`\delta = 1 + \beta(2r-1)`,
:math:`j = 1, \dots, d` with :math:`d` finite or infinite. Every spectral trace of the builders in
:mod:`~symcollapse.theory.formulas` has the form (:func:`~symcollapse.theory._orders.match_summand`)

.. math:: S(s, m, t; d) = \sum_{j=1}^{d} j^{-s}(j^{-\beta} + t)^{-m} = \sum_{j=1}^{d} f(j),\qquad
          f(x) = x^{q}(1 + t x^{\beta})^{-m},\quad q = \beta m - s .

Method (no sum is cut off at any :math:`d`; the one truncation, :math:`R_K`, is bounded): Euler–Maclaurin
summation from :math:`N` on,

.. math:: \sum_{j=1}^{d} f(j) = \sum_{j=1}^{N-1} f(j) + \int_N^d f + \frac{f(N) + f(d)}{2}
          + \sum_{k=1}^{K} \frac{B_{2k}}{(2k)!}\big(f^{(2k-1)}(d) - f^{(2k-1)}(N)\big) + R_K,

with :math:`f(d)` and its derivatives dropped for :math:`d = \infty` (they vanish when :math:`s > 1`).

* The integral is exact: with :math:`v = t x^\beta/(1 + t x^\beta)`,
  :math:`\int f\,dx = \frac{t^{-A}}{\beta}\int v^{A-1}(1-v)^{B-1}dv`, :math:`A = m - (s-1)/\beta`,
  :math:`B = (s-1)/\beta` (an incomplete beta integral), evaluated by its convergent binomial series on
  :math:`v \le 1/2` and on :math:`1 - v \le 1/2` (terms :math:`\le 2^{-k}`; logarithms where :math:`A + k = 0`
  or :math:`B + k = 0`).
* The derivatives :math:`f^{(n)}` are exact Taylor coefficients: :math:`(1+u)^q` and
  :math:`(1 + t x_0^\beta(1+u)^\beta)^{-m}` are power series in :math:`u = h/x_0`, the second raised to
  :math:`-m` by J.C.P. Miller's recurrence.
* The remainder :math:`R_K` is bounded rigorously, and that bound is the stopping rule (next section).

Remainder bound
---------------
Let :math:`f(x) = x^q(1 + t x^\beta)^{-m}` with :math:`t > 0`, :math:`m \ge 0` (integer or not), any
:math:`\beta > 0`, and :math:`d \ge N` an integer or :math:`\infty`. Write :math:`P_{2K}(x) = B_{2K}(x - \lfloor x\rfloor)`.

**(E)** :math:`R_K = -\int_N^d P_{2K}(x) f^{(2K)}(x)\,dx/(2K)!` and :math:`|P_{2K}| \le |B_{2K}| = 2(2K)!\,\zeta(2K)/(2\pi)^{2K}`, so

.. math:: |R_K| \le \frac{2\zeta(2K)}{(2\pi)^{2K}}\int_N^d |f^{(2K)}(x)|\,dx .

**(C)** Cauchy's estimate on the disc :math:`D = \{|z - x| \le \rho x\}`, :math:`0 < \rho < 1`,
:math:`\phi = \beta\arcsin\rho < \pi`. On :math:`D`, :math:`(1-\rho)x \le |z| \le (1+\rho)x` and
:math:`|\arg z| \le \arcsin\rho`, so :math:`w = t z^\beta` (principal branch) has :math:`|\arg w| \le \phi`. For
:math:`w = Re^{i\psi}`, :math:`|\psi| \le \phi`: :math:`|1 + w|^2 = 1 + R^2 + 2R\cos\psi \ge (1+R)^2 - 4R\sin^2(\phi/2)
\ge (1+R)^2\cos^2(\phi/2)` (as :math:`4R \le (1+R)^2`). Hence :math:`1 + tz^\beta` has no zero on :math:`D` and
avoids :math:`(-\infty, 0]` (its imaginary part has the sign of :math:`\psi`), :math:`f` is analytic on :math:`D`,
and with :math:`1 + t|z|^\beta \ge (1-\rho)^\beta(1 + tx^\beta)`

.. math:: |f(z)| \le C(\rho) f(x),\quad C(\rho) = \max\big((1-\rho)^q, (1+\rho)^q\big)
          \big((1-\rho)^\beta\cos(\phi/2)\big)^{-m},\qquad |f^{(n)}(x)| \le \frac{n!\,C(\rho)f(x)}{(\rho x)^n}.

**(W)** For :math:`x \ge N`: :math:`f(x) \le f(N)(x/N)^q` (as :math:`(1 + tN^\beta)/(1 + tx^\beta) \le 1`) and
:math:`f(x) \le f(N)(1 + 1/(tN^\beta))^m (x/N)^{-s}` (as :math:`(1 + tx^\beta)^{-m} \le (tx^\beta)^{-m}`), so
:math:`\int_N^\infty f(x)x^{-2K}dx \le f(N)N^{1-2K}W_K` with
:math:`W_K = \min\big(1/(2K - 1 - q),\ (1 + 1/(tN^\beta))^m/(2K - 1 + s)\big)` over the terms whose denominator
is at least 1/2. Together (:func:`remainder_bound`):

.. math:: |R_K| \le \frac{2\zeta(2K)\,(2K)!\,C(\rho)}{(2\pi\rho)^{2K}}\,f(N)\,N^{1-2K}\,W_K

for every admissible :math:`\rho`; the minimum is taken over 16 radii :math:`\rho \in (0, \rho_{max}]`,
:math:`\rho_{max} = \min(0.98, \sin(15\pi/(16\beta)))` (the sine only where :math:`15\pi/(16\beta) < \pi/2`),
which keeps :math:`\cos(\phi/2) \ge \cos(15\pi/32)`. The far end :math:`X = d` needs fewer terms: the terms
:math:`K_X < k \le K` there are dropped and bounded by (C),
:math:`|B_{2k}f^{(2k-1)}(X)|/(2k)! \le 2\zeta(2k)(2k-1)!\,C(\rho)f(X)/((2\pi)^{2k}(\rho X)^{2k-1})`.

**Rounding of the bound.** Its logarithms are formed in mpmath at 64 bits from inputs rounded to 53 bits (a
relative :math:`2^{-53}` each, on logarithms below :math:`10^4`); a factor 2 on the result covers all of it.

**Stopping rule.** :math:`K` is the smallest :math:`K \le K_{max} = 60` whose bound is below
:math:`\tfrac12 10^{-(\mathrm{dps}+5)}|S|`, and :math:`K_X` the smallest whose dropped far-end terms are below the
other half; the total is checked again against the final value :math:`S`. If no :math:`K` qualifies the head is
made 4 times longer (up to :math:`N = 20000`), and then :class:`TailBoundError` is raised (no silent loss of
digits). The bound relative to :math:`S` is reported to :func:`~symcollapse.theory._precision.note_truncation`,
and ``certify`` lowers the certified digits by it.

**Any** :math:`\beta`. The disc radius scales like :math:`\rho_{max} \approx 2.9/\beta`, so the terms decay like
:math:`(2K)!/(2\pi\rho N)^{2K}`: a large :math:`\beta` needs more terms or a longer head, which the rule above
chooses; no :math:`\beta` is excluded. (The bound holds at integer :math:`d`; a non-integer ``d`` gives a
smooth interpolation that the bound does not cover.)

The cost does not depend on :math:`d` or :math:`t`: one point (κ by bracketed root finding, then bias,
variance, ρ) takes milliseconds at 30 digits, at :math:`d = \infty` or :math:`d = 10^{15}` alike.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import mpmath

from symcollapse.theory._precision import certify as _certify
from symcollapse.theory._precision import note_truncation as _note_truncation

__all__ = ["spectral_sum", "remainder_bound", "euler_maclaurin", "TailBoundError", "head_length", "power_law_point", "PowerLawPoint", "local_slope", "problem_error", "adaptive_path"]

_N = 40


def _series_pow1p(p, n: int) -> list:
    """Coefficients of :math:`(1 + u)^p` up to :math:`u^{n}`, as mpf."""
    out = [mpmath.mpf(1)]
    for k in range(1, n + 1):
        out.append(out[-1] * (p - k + 1) / k)
    return out


def _series_power(g: list, alpha, n: int) -> list:
    """Coefficients of :math:`g(u)^\\alpha` (``g[0] != 0``) up to :math:`u^n` (J.C.P. Miller recurrence)."""
    P = [g[0] ** alpha]
    for k in range(1, n + 1):
        acc = mpmath.mpf(0)
        for i in range(1, k + 1):
            if i < len(g):
                acc += ((alpha + 1) * i - k) * g[i] * P[k - i]
        P.append(acc / (k * g[0]))
    return P


def _taylor(x0, q, beta, t, m, n: int) -> list:
    """Taylor coefficients of :math:`f(x_0 + h) = \\sum_k a_k h^k` up to ``n``."""
    base = _series_pow1p(q, n)  # (1+u)^q
    pb = _series_pow1p(beta, n)  # (1+u)^beta
    tx = t * x0**beta
    g = [1 + tx] + [tx * c for c in pb[1:]]
    G = _series_power(g, -m, n)
    prod = [mpmath.fsum(base[i] * G[k - i] for i in range(k + 1)) for k in range(n + 1)]
    scale = x0**q
    return [scale * prod[k] / x0**k for k in range(n + 1)]


def head_length(dps: int) -> int:
    """A start ``N`` of the Euler–Maclaurin tail for ``dps`` digits: longer heads need fewer, cheaper
    Taylor terms (measured optimum ~6 dps at 50–70 digits)."""
    return max(_N, min(640, 6 * int(dps)))


_POWERS: dict = {}


def _head_powers(n: int, e) -> list:
    r""":math:`j^e` for :math:`j = 1, \dots, n-1` at the current precision, memoised (the head of every sum of
    one Newton iteration uses the same few exponents)."""
    key = (n, e._mpf_ if isinstance(e, mpmath.mpf) else e, mpmath.mp.prec)
    hit = _POWERS.get(key)
    if hit is None:
        if len(_POWERS) > 64:
            _POWERS.clear()
        e = mpmath.mpf(e)
        ie = int(e) if e == int(e) else None
        hit = [mpmath.mpf(j) ** ie if ie is not None else mpmath.power(j, e) for j in range(1, n)]
        _POWERS[key] = hit
    return hit


def _f(x, q, beta, t, m):
    return x**q * (1 + t * x**beta) ** (-m)


def _binom_series_integral(alpha, gamma, w1, w2) -> mpmath.mpf:
    r""":math:`\int_{w_1}^{w_2} w^{\alpha-1}(1-w)^{\gamma-1}dw` for :math:`0 \le w_1 \le w_2 \le 1/2`, by
    :math:`(1-w)^{\gamma-1} = \sum_k \binom{\gamma-1}{k}(-w)^k` (terms :math:`\le 2^{-k}`)."""
    if w2 <= w1:
        return mpmath.mpf(0)
    eps = mpmath.eps * 2**-20
    total = mpmath.mpf(0)
    coef = mpmath.mpf(1)  # binom(gamma-1, k) (-1)^k
    # w^(alpha+k) by repeated multiplication (one power per endpoint, not one per term)
    pw2 = w2**alpha
    pw1 = w1**alpha if w1 > 0 else None
    k = 0
    while True:
        p = alpha + k
        if p == 0:
            term = coef * (mpmath.log(w2) - mpmath.log(w1))
        else:
            if pw1 is None and p <= 0:
                raise ArithmeticError("divergent incomplete beta integral (needs s > 1 at d = infinity)")
            term = coef * (pw2 - (pw1 if pw1 is not None else 0)) / p
        total += term
        if k > 5 and abs(term) <= eps * abs(total) and abs(coef) * pw2 <= eps * (1 + abs(total)):
            return total
        k += 1
        coef *= -(gamma - k) / k
        pw2 *= w2
        if pw1 is not None:
            pw1 *= w1
        if k > 20 * mpmath.mp.prec:
            raise ArithmeticError("binomial series did not converge")


def _beta_integral(A, B, x1, x2, t, beta) -> mpmath.mpf:
    r""":math:`\int_{x_1}^{x_2} f(x)\,dx` (``x2 = inf`` allowed) via the incomplete beta form."""
    tx1 = t * x1**beta
    v1, w1 = tx1 / (1 + tx1), 1 / (1 + tx1)
    if x2 == mpmath.inf:
        v2, w2 = mpmath.mpf(1), mpmath.mpf(0)
    else:
        tx2 = t * x2**beta
        v2, w2 = tx2 / (1 + tx2), 1 / (1 + tx2)
    half = mpmath.mpf(1) / 2
    total = mpmath.mpf(0)
    if v1 < half:  # lower piece in v
        total += _binom_series_integral(A, B, v1, min(v2, half))
    if v2 > half:  # upper piece in w = 1 - v
        total += _binom_series_integral(B, A, w2, min(w1, half))
    return t ** (-A) / beta * total


# --------------------------------------------------------------------------------------------------------
# The rigorous remainder bound (module docstring, "Remainder bound")
# --------------------------------------------------------------------------------------------------------

_KMAX = 60
_GUARD = 5  # the tail stops when its remainder bound is below 10^-(dps + _GUARD) of the sum
_N_CAP = 20_000  # longest head tried when the bound cannot be met with the caller's N (large beta or dps)
_PHI_MAX = 15 * math.pi / 16  # largest beta*arcsin(rho): keeps cos(phi/2) >= 0.098 away from 0
_RHO_MAX = 0.98
_LOG2 = math.log(2.0)


class TailBoundError(ArithmeticError):
    """No :math:`K \\le` ``_KMAX`` brings the rigorous Euler–Maclaurin remainder bound below the tolerance."""


def _rho_grid(beta: float) -> list[float]:
    r"""Disc radii :math:`\rho` (relative to :math:`x`) with :math:`\beta\arcsin\rho \le 15\pi/16`."""
    top = _RHO_MAX if _PHI_MAX / beta >= math.pi / 2 else min(_RHO_MAX, math.sin(_PHI_MAX / beta))
    return [top * i / 16 for i in range(1, 17)]


_BASE: list = []


def _base_terms() -> list:
    r""":math:`\log\big(2\zeta(2K)(2K)!\big)` for :math:`K = 0, \dots, K_{max}` (entry 0 unused), in mpmath at 64 bits."""
    if not _BASE:
        with mpmath.workprec(64):
            _BASE.extend([math.inf] + [float(mpmath.log(2 * mpmath.zeta(2 * k)) + mpmath.loggamma(2 * k + 1))
                                       for k in range(1, _KMAX + 1)])
    return _BASE


_CAUCHY: dict = {}


def _cauchy_logs(q: float, beta: float, m: float) -> list:
    r""":math:`L_K = \min_\rho \log\big(2\zeta(2K)(2K)!\,C(\rho)/(2\pi\rho)^{2K}\big) + \log 2` for
    :math:`K = 0..K_{max}`, with :math:`C(\rho) = \max((1-\rho)^q, (1+\rho)^q)\,
    \big((1-\rho)^\beta\cos(\phi/2)\big)^{-m}` and :math:`\phi = \beta\arcsin\rho` (module docstring, Eq. (C)).

    Each :math:`\log C(\rho)` and :math:`\log 2\pi\rho` is evaluated in mpmath at 64 bits; the final ``+ log 2``
    is the outward margin that covers the rounding of the inputs to 53 bits and of every operation here
    (each a relative :math:`2^{-53}` at most, on logarithms below :math:`10^4`)."""
    key = (q, beta, m)
    hit = _CAUCHY.get(key)
    if hit is not None:
        return hit
    base = _base_terms()
    cands = []
    with mpmath.workprec(64):
        for rho in _rho_grid(beta):
            r = mpmath.mpf(rho)
            phi = beta * mpmath.asin(r)
            lc = max(q * mpmath.log1p(-r), q * mpmath.log1p(r)) - m * (beta * mpmath.log1p(-r)
                                                                         + mpmath.log(mpmath.cos(phi / 2)))
            cands.append((float(lc), float(mpmath.log(2 * mpmath.pi * r))))
    out = [math.inf] + [base[k] + min(lc - 2 * k * l2pr for lc, l2pr in cands) + _LOG2 for k in range(1, _KMAX + 1)]
    if len(_CAUCHY) > 256:
        _CAUCHY.clear()
    _CAUCHY[key] = out
    return out


def _log_weight(k: int, q: float, s: float, m: float, log1p_inv_tnb: float) -> float:
    r""":math:`\log W_K` with :math:`\int_N^\infty f(x)x^{-2K}dx \le f(N)N^{1-2K}W_K` (module docstring, Eq. (W))."""
    best = math.inf
    if 2 * k - 1 - q >= 0.5:
        best = -math.log(2 * k - 1 - q)
    if 2 * k - 1 + s >= 0.5:
        best = min(best, m * log1p_inv_tnb - math.log(2 * k - 1 + s))
    return best


def remainder_bound(s, m, t, beta, N, K: int) -> mpmath.mpf:
    r"""Rigorous upper bound on :math:`|R_K|`, the Euler–Maclaurin remainder after :math:`K` Bernoulli terms of
    :math:`\sum_{j=N}^{d} j^{-s}(j^{-\beta} + t)^{-m}` at any integer :math:`d \ge N` (or :math:`d = \infty`),

    .. math:: |R_K| \le \frac{2\zeta(2K)}{(2\pi)^{2K}}\int_N^\infty |f^{(2K)}|
              \le \frac{2\zeta(2K)(2K)!\,C(\rho)}{(2\pi\rho)^{2K}}\,f(N)\,N^{1-2K}\,W_K

    (module docstring, "Remainder bound"); ``inf`` if :math:`K` is out of the bound's range (:math:`2K - 1 - q`
    and :math:`2K - 1 + s` both below 1/2, or :math:`K > K_{max}`). Inputs: ``t > 0``, ``m >= 0``, ``beta > 0``.
    """
    s, m, t, beta = mpmath.mpf(s), mpmath.mpf(m), mpmath.mpf(t), mpmath.mpf(beta)
    N = mpmath.mpf(N)
    q = beta * m - s
    if not 1 <= K <= _KMAX:
        return mpmath.inf
    logs = _cauchy_logs(float(q), float(beta), float(m))
    tnb = t * N**beta
    lw = _log_weight(K, float(q), float(s), float(m), float(mpmath.log1p(1 / tnb)))
    lf = float(mpmath.log(_f(N, q, beta, t, m)))
    val = logs[K] + lf + (1 - 2 * K) * math.log(float(N)) + lw
    return mpmath.inf if val == math.inf else mpmath.exp(mpmath.mpf(val))


def _plan(q, s, m, t, beta, N: int, X, fN, fX, total):
    r"""Smallest :math:`K` (Bernoulli terms at :math:`N`) and :math:`K_X \le K` (at :math:`X = d`) whose bound
    :math:`|R_K| + \sum_{K_X < k \le K}|B_{2k}f^{(2k-1)}(X)|/(2k)!` is below :math:`10^{-(\mathrm{dps}+5)}|total|`
    (half for each part), and that bound. ``None`` if no :math:`K \le K_{max}` reaches it."""
    qf, bf, mf, sf = float(q), float(beta), float(m), float(s)
    logs = _cauchy_logs(qf, bf, mf)
    log_tol = -(mpmath.mp.dps + _GUARD) * math.log(10) + float(mpmath.log(abs(total))) - _LOG2
    lf, lN = float(mpmath.log(fN)), math.log(N)
    l1p = float(mpmath.log1p(1 / (t * mpmath.mpf(N) ** beta)))
    K = None
    for k in range(1, _KMAX + 1):
        lr = logs[k] + lf + (1 - 2 * k) * lN + _log_weight(k, qf, sf, mf, l1p)
        if lr <= log_tol:
            K, bound = k, math.exp(lr - log_tol)  # in units of the half tolerance
            break
    if K is None:
        return None
    KX, dropped = 0, 0.0
    if X is not None:
        lfx, lX = float(mpmath.log(fX)), math.log(float(X))
        # the far-end terms k > K_X are bounded by Cauchy's estimate at X (and dropped); sum them from k = K down
        KX = K
        while KX > 0:
            extra = math.exp(logs[KX] + lfx + (1 - 2 * KX) * lX - math.log(2 * KX) - log_tol)
            if dropped + extra > 1.0:
                break
            dropped += extra
            KX -= 1
    # back to absolute units (in mpmath: exp(log_tol) underflows a float at a few hundred digits), rounded up
    return K, KX, mpmath.exp(mpmath.mpf(log_tol) + math.log((bound + dropped) * 1.000001))


def spectral_sum(s, m, t, beta, d=None, N: int | None = None) -> mpmath.mpf:
    r""":math:`\sum_{j=1}^{d} j^{-s}(j^{-\beta} + t)^{-m}` at the current mpmath precision (module docstring).

    ``d=None`` (or ``mpmath.inf``) means :math:`d = \infty` (needs :math:`s > 1`); a finite ``d`` may be
    non-integer: the Euler–Maclaurin right-hand side is then a smooth interpolation in :math:`d` that
    equals the sum at integers (the remainder bound is proven for integer :math:`d`). ``m = 0`` gives
    :math:`\sum j^{-s}` (Hurwitz/Riemann zeta). ``N`` is the start of the Euler–Maclaurin tail (default 40;
    :func:`head_length` picks a cheaper one for a precision); when no :math:`K \le K_{max}` meets the
    remainder bound from ``N`` the head is lengthened (×4, up to 20000), and if that fails too
    :class:`TailBoundError` is raised. The rigorous remainder bound of the value, relative to it, is reported to
    :func:`~symcollapse.theory._precision.note_truncation` (read by ``certify``).
    """
    s, m, beta = mpmath.mpf(s), mpmath.mpf(m), mpmath.mpf(beta)
    t = mpmath.mpf(t)
    inf = d is None or d == mpmath.inf
    if m == 0 or t == 0:
        # pure power sum: Riemann / Hurwitz zeta, exact (t = 0 gives j^(beta m - s))
        q = s - beta * m if t == 0 else s
        if inf:
            return mpmath.zeta(q)
        return mpmath.zeta(q) - mpmath.zeta(q, mpmath.mpf(d) + 1) if q != 1 else mpmath.harmonic(d)
    if inf and s <= 1:
        raise ArithmeticError(f"the spectral sum with s = {s} diverges at d = infinity (needs s > 1)")
    if t < 0 or m < 0 or beta <= 0:
        raise ArithmeticError(f"spectral_sum needs t >= 0, m >= 0, beta > 0 (got t = {t}, m = {m}, beta = {beta})")
    q = beta * m - s
    X = None if inf else mpmath.mpf(d)
    n_head = _N if N is None else int(N)
    while True:
        if X is not None and X < n_head + 1:
            return mpmath.fsum(_f(mpmath.mpf(j), q, beta, t, m) for j in range(1, int(X) + 1))
        try:
            return _em_tail(s, m, t, beta, q, X, n_head)
        except TailBoundError:
            if 4 * n_head > _N_CAP:
                raise
            n_head *= 4


def euler_maclaurin(s, m, t, beta, d, N: int, K: int, partial: bool = False):
    r"""The Euler–Maclaurin right-hand side with exactly :math:`K` Bernoulli terms at both ends, without
    :math:`R_K` (a check of :func:`remainder_bound`: the true sum minus this is :math:`R_K`); ``d=None`` is
    :math:`d = \infty`. Inputs as :func:`spectral_sum` with ``t > 0``, ``m > 0`` and ``N < d``; with
    ``partial`` the list of the values for :math:`1, \dots, K` terms."""
    s, m, t, beta = (mpmath.mpf(x) for x in (s, m, t, beta))
    q, X, Nf = beta * m - s, None if d is None else mpmath.mpf(d), mpmath.mpf(N)
    head = mpmath.fsum(_f(mpmath.mpf(j), q, beta, t, m) for j in range(1, N))
    total = head + _beta_integral(m - (s - 1) / beta, (s - 1) / beta, Nf, mpmath.inf if X is None else X, t, beta)
    total += _f(Nf, q, beta, t, m) / 2 + (0 if X is None else _f(X, q, beta, t, m) / 2)
    aN = _taylor(Nf, q, beta, t, m, 2 * K - 1)
    aX = [0] * (2 * K) if X is None else _taylor(X, q, beta, t, m, 2 * K - 1)
    out = []
    for k in range(1, K + 1):
        total += mpmath.bernoulli(2 * k) / (2 * k) * (aX[2 * k - 1] - aN[2 * k - 1])
        out.append(total)
    return out if partial else out[-1]


def _em_tail(s, m, t, beta, q, X, n_head: int) -> mpmath.mpf:
    """Head sum to ``n_head - 1``, exact integral, end-point halves and the Bernoulli terms that the remainder
    bound asks for (:func:`_plan`); the bound is checked again against the final value."""
    N = mpmath.mpf(n_head)
    pq, pb = _head_powers(n_head, q), _head_powers(n_head, beta)
    head = mpmath.fsum(a * (1 + t * b) ** (-m) for a, b in zip(pq, pb))
    A, B = m - (s - 1) / beta, (s - 1) / beta
    integral = _beta_integral(A, B, N, mpmath.inf if X is None else X, t, beta)
    fN = _f(N, q, beta, t, m)
    fX = None if X is None else _f(X, q, beta, t, m)
    base = head + integral + fN / 2 + (0 if X is None else fX / 2)
    value = base
    for _ in range(2):  # the second pass only if the corrections moved the value below the planned tolerance
        plan = _plan(q, s, m, t, beta, n_head, X, fN, fX, value)
        if plan is None:
            break
        K, KX, bound = plan
        aN = _taylor(N, q, beta, t, m, 2 * K - 1)
        aX = _taylor(X, q, beta, t, m, 2 * KX - 1) if KX else None
        # f^(n)(x)/n! = a_n, and B_{2k}/(2k)! f^(2k-1) = B_{2k} a_{2k-1} / (2k)
        corr = mpmath.fsum(mpmath.bernoulli(2 * k) / (2 * k) * ((aX[2 * k - 1] if k <= KX else 0) - aN[2 * k - 1])
                           for k in range(1, K + 1))
        value = base + corr
        if bound <= mpmath.mpf(10) ** -(mpmath.mp.dps + _GUARD) * abs(value):
            _note_truncation(bound / abs(value))
            return value
    raise TailBoundError(
        f"Euler-Maclaurin tail: no K <= {_KMAX} brings the rigorous remainder bound below 10^-(dps+{_GUARD}) of "
        f"the sum at dps = {mpmath.mp.dps}, beta = {mpmath.nstr(beta, 8)} (head N = {n_head}, s = "
        f"{mpmath.nstr(s, 8)}, m = {mpmath.nstr(m, 8)}, t = {mpmath.nstr(t, 8)}); lower dps"
    )


# --------------------------------------------------------------------------------------------------------
# One point of the deterministic equivalents
# --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PowerLawPoint:
    """κ, df, bias, variance (σ = 1), ρ (Eq. 19, paper normalisation) at one point; mpf values."""

    kappa: mpmath.mpf
    df1: mpmath.mpf
    df2: mpmath.mpf
    bias: mpmath.mpf
    variance: mpmath.mpf
    rho: mpmath.mpf | None
    digits: int | None


def _solve_kappa(lam, T, beta, d) -> mpmath.mpf:
    r"""Root of Eq. 9 in the monotone form :math:`g(\kappa) = \lambda/\kappa + \mathrm{df}_1(\kappa)/T - 1`.

    :math:`g` is decreasing and convex on :math:`\kappa > 0` with :math:`g(\lambda) > 0`, so Newton's
    method started at :math:`\kappa = \lambda` increases monotonically to the root
    (:math:`g' = -\lambda/\kappa^2 - (\mathrm{df}_1 - \mathrm{df}_2)/(\kappa T)`). It runs at 20 digits
    until the step is below :math:`10^{-12}`, then at the working precision until the step is below eps.
    """
    if lam <= 0:
        raise ValueError("the power-law evaluator needs lam > 0")
    target = mpmath.mp.dps
    kap = mpmath.mpf(lam)
    for dps, tol in ((min(20, target), mpmath.mpf(10) ** -12), (target, None)):
        with mpmath.workdps(dps):
            tol = tol if tol is not None else mpmath.eps * 8
            for _ in range(200):
                df1 = spectral_sum(beta, 1, kap, beta, d)
                df2 = spectral_sum(2 * beta, 2, kap, beta, d)
                g = lam / kap + df1 / T - 1
                dg = -lam / kap**2 - (df1 - df2) / (kap * T)
                step = -g / dg
                kap = kap + step
                if abs(step) <= tol * kap:
                    break
            else:  # pragma: no cover - Newton on a convex decreasing function always converges
                raise ArithmeticError("kappa iteration did not converge")
    return +kap


def _point(beta, r, lam, T, d, T0) -> dict:
    beta, r, lam, T = (mpmath.mpf(x) for x in (beta, r, lam, T))
    delta = 1 + beta * (2 * r - 1)

    def df(m, t):
        return spectral_sum(m * beta, m, t, beta, d)

    # Eq. 9 in its monotone form lam/kappa + df1(kappa)/T - 1 = 0 (decreasing in kappa), bracketed by
    # [lam, lam + tr(Sigma)/T] since kappa*df1(kappa) <= tr(Sigma)
    kap = _solve_kappa(lam, T, beta, d)
    df1, df2 = df(1, kap), df(2, kap)
    u = df2 / T
    bias = kap**2 * spectral_sum(beta + delta, 2, kap, beta, d) / (1 - u)
    var = u / (1 - u)
    rho = None
    if d is not None and T0 is not None:
        dd, T0 = mpmath.mpf(d), mpmath.mpf(T0)
        tr2 = spectral_sum(0, 2, kap, beta, d)
        rho = (df2 + kap**2 * tr2 * df2 / (T - df2)) / (T0 - dd)
    return {"kappa": kap, "df1": df1, "df2": df2, "bias": bias, "variance": var, "rho": rho}


def power_law_point(beta, r, lam, T, d=None, T0=None, dps: int = 30, certify: bool = True) -> PowerLawPoint:
    r"""Deterministic equivalents (Eq. 9, Prop 4.2, Eq. 19) for :math:`\lambda_j = j^{-\beta}`,
    :math:`c_j^2 = j^{-\delta}` at :math:`d \le \infty`, to ``dps`` digits.

    These are the formulas of :func:`~symcollapse.theory.formulas.kappa_equation`, ``bias_prop42``,
    ``variance_prop42`` (:math:`\sigma = 1`) and ``rho_eq19`` (:math:`T_0 - d`), with every trace
    evaluated by :func:`spectral_sum`. ``rho`` needs finite ``d`` and ``T0 > d``. Inputs are taken as
    exact decimals (strings) or numbers; ``digits`` is the number of significant digits on which the
    evaluation at ``dps`` and at ``dps + 10`` agree, lowered by the proven remainder bounds of the
    Euler–Maclaurin tails (:func:`~symcollapse.theory._precision.certify`; ``None`` if ``certify`` is false).
    """
    def run():
        return _point(*[mpmath.mpf(x) if x is not None else None for x in (beta, r, lam, T, d, T0)])

    if certify:
        out, digits = _certify(run, dps, guards=(0, 10), keys=("kappa", "bias", "variance", "rho"))
    else:
        with mpmath.workdps(dps + 10):
            hi = run()
        with mpmath.workdps(dps):
            out, digits = {k: (+v if v is not None else None) for k, v in hi.items()}, None
    return PowerLawPoint(digits=digits, **out)


def adaptive_path(beta, r, ell, dps: int = 30):
    r"""``T -> power_law_point(beta, r, T^(-ell), T, dps=dps, certify=False)`` at :math:`d = \infty`, memoised.

    The clean error along the adaptive ridge :math:`\lambda = T^{-\ell}`; :func:`local_slope` evaluates it at
    :math:`T(1 \pm h)` for each of bias and variance, so caching by :math:`T` halves the work.
    """
    cache = {}

    def point(T):
        key = mpmath.nstr(T, 30)
        if key not in cache:
            cache[key] = power_law_point(beta, r, T ** (-mpmath.mpf(ell)), T, dps=dps, certify=False)
        return cache[key]

    return point


def local_slope(func, T, h: float = 1e-6, dps: int = 30) -> mpmath.mpf:
    r"""Central difference :math:`d\log E/d\log T` at ``T`` for ``func(T) -> mpf`` (evaluated at ``dps``;
    step :math:`h` in :math:`\log T`, truncation error :math:`O(h^2)`)."""
    with mpmath.workdps(dps):
        T = mpmath.mpf(T)
        up, dn = func(T * mpmath.exp(h)), func(T * mpmath.exp(-h))
        return (mpmath.log(up) - mpmath.log(dn)) / (2 * h)


def problem_error(problem, dps: int | None = None, normalization: str = "paper"):
    r"""``predict(problem).total`` recomputed with :func:`spectral_sum` (any :math:`d`, no :math:`O(d)` loop).

    Only for the Prop 4.2 / Cor 4.4 regime of a power-law problem: ``Spectrum.power_law(d, beta)`` and
    ``Target.source(r)`` with unit scales, :math:`\lambda > 0`, and :math:`n = 0` or :math:`T_0 > d`
    (Eq. 19 with :math:`T_0 - d`, or :math:`T_0 - d - 1` for ``normalization="finite"``). Returns a float
    (``dps=None``, computed at 20 digits) or an mpf at ``dps`` digits. Used as an independent objective for
    :func:`~symcollapse.theory.optimal.optimal_lambda` at dimensions where the direct sums are too slow.
    """
    from fractions import Fraction  # noqa: PLC0415

    from symcollapse.spec import RegimeError, exact  # noqa: PLC0415

    sp_, tg = problem.spectrum, problem.target
    if sp_.kind != "power_law" or tg.kind != "source" or exact(sp_.scale) != 1 or exact(tg.scale) != 1:
        raise RegimeError("problem_error needs Spectrum.power_law(d, beta) and Target.source(r), unit scales")
    lam = exact(problem.downstream.lam)
    if lam <= 0:
        raise RegimeError("problem_error needs lam > 0")
    n, T0, d = problem.chain.n, problem.chain.T0, problem.d
    sigma0, sigma = exact(problem.chain.sigma0), exact(problem.downstream.sigma)
    shift = 0 if normalization == "paper" else 1
    collapse_free = n == 0 or sigma0 == 0
    if not collapse_free and T0 <= d + shift:
        raise RegimeError(f"Eq. 19 needs T0 > d + {shift}")
    work = 20 if dps is None else dps

    def q(x: Fraction):
        return mpmath.mpf(x.numerator) / x.denominator

    with mpmath.workdps(work + 5):
        pt = _point(q(exact(sp_.beta)), q(exact(tg.r)), q(lam), mpmath.mpf(problem.downstream.T), d,
                    None if collapse_free else T0 - shift)
        total = pt["bias"] + q(sigma) ** 2 * pt["variance"]
        if not collapse_free:
            total += n * q(sigma0) ** 2 * pt["rho"]
    with mpmath.workdps(work):
        return float(total) if dps is None else +total
