r"""``predict(problem)``: the paper's test error for a :class:`~symcollapse.spec.Problem`, fast or to any precision.

Which result applies where
--------------------------
Notation: :math:`d` dimension, :math:`n` generations, :math:`T_0` samples per generation, :math:`\sigma_0`
chain noise, :math:`T, \sigma, \lambda` the downstream ridge (THEORY.md §1). "Collapse-free" means
:math:`n = 0`, or :math:`\sigma_0 = 0` with :math:`T_0 \ge d` (then :math:`\hat w_n = w_0` exactly).
:math:`\delta = 0` for ``normalization="paper"`` and :math:`1` for ``"finite"``.

=========================================================  ====================================  ==============
regime                                                     result (``theorem``)                  ``kind``
=========================================================  ====================================  ==============
:math:`\lambda = 0`, :math:`T \ge d+2`, and collapse-free   Thm 4.1 exact identity,               exact
or :math:`T_0 \ge d+2` (any :math:`\Sigma`)                 :math:`\sigma^2\frac{d}{T-d-1} + n\sigma_0^2\frac{d}{T_0-d-1}`
otherwise, :math:`n = 0` or :math:`T_0 \ge d`               Prop 4.2 (``n = 0``) /                deterministic-
(needs :math:`T_0 > d + \delta` unless collapse-free)       Cor 4.4, ρ of Eq. 19                  equivalent
:math:`T_0 < d`, :math:`n \ge 1`, :math:`\Sigma = sI`,      Thm 4.6 (independent) /               exact if
:math:`\sigma_0 = 0`                                        Thm 4.5 (shared) + Prop 4.2           λ = 0, T ≥ d+2
:math:`T_0 < d`, :math:`n \ge 1`, :math:`\Sigma = sI`,      Thm 4.5 + Thm 4.3 (Eq. 18)            as above
shared design, :math:`\sigma_0 > 0` (:math:`T_0 < d - \delta`)
:math:`T_0 < d`, :math:`n \ge 1`, anisotropic Σ,            Thm 4.3 + Lemma F.8                   deterministic-
:math:`\sigma_0 = 0` (either design), or shared design      (+ Eq. 18 when σ0 > 0)                equivalent
:math:`T_0 < d`, :math:`n \ge 1`, independent designs,      Thm 4.3 + Lemma F.8 (independent,     exact if Σ = sI,
:math:`\sigma_0 > 0` (:math:`T_0 < d - \delta`), any Σ     σ0 > 0) — this package's derivation   λ = 0, T ≥ d+2
=========================================================  ====================================  ==============

Everything else raises :class:`~symcollapse.spec.RegimeError` naming the failed condition:
:math:`\lambda = 0` with :math:`|T - d| \le 1` (the ridgeless error blows up at :math:`T = d`);
:math:`T_0 \le d + \delta` with :math:`n \ge 1`, :math:`\sigma_0 > 0` (ρ diverges);
:math:`d - 1 - \delta \le T_0 < d` with :math:`n \ge 1`, :math:`\sigma_0 > 0` (ρ of Eq. 18 diverges, either design).

Details of each branch:

* **Prop 4.2 / Cor 4.4** (any :math:`\Sigma`): :math:`\mathrm{Bias} = \kappa^2 w_0^\top\Sigma(\Sigma+\kappa)^{-2}w_0/(1-\mathrm{df}_2/T)`,
  :math:`\mathrm{Var} = \sigma^2(\mathrm{df}_2/T)/(1-\mathrm{df}_2/T)`, ``collapse`` :math:`= n\sigma_0^2\rho` with
  Eq. 19 (:math:`T_0 - d` for ``"paper"``, :math:`T_0 - d - 1` for ``"finite"``, Thm F.1). For
  :math:`\lambda = 0`, :math:`T < d` the ridgeless limit :math:`\kappa` = root of :math:`\mathrm{df}_1(\kappa) = T`.
* **Over-parametrised generator** (:math:`T_0 < d`, :math:`n \ge 1`): :math:`\hat w_n = Qw_0` (+ noise for a
  shared design). The bias is computed with Lemma F.8's one-step identity for :math:`\mathbb E\,PNP`, iterated
  over the independent projections (see ``_overparam``; for :math:`\Sigma = sI` it reduces to
  :func:`~symcollapse.theory.formulas.error_overparam_isotropic`, i.e. Thms 4.5/4.6 with
  :math:`\eta = \prod_m\min(1/\phi_m, 1)` = :math:`(T_0/d)^n` independent, :math:`T_0/d` shared).
  ``bias`` :math:`= \mathbb E\|(\hat\Sigma R - I)\hat w_n\|_\Sigma^2` (:math:`= \eta\,\kappa^2\|w_0\|_\Sigma^2/((1+\kappa)^2-\phi)`
  for :math:`\Sigma = I`), ``delta_bias`` the rest of :math:`\widetilde{\mathrm{Bias}}`
  (:math:`= (1-\eta)\|w_0\|_\Sigma^2` for :math:`\Sigma = I`). For :math:`\Sigma = sI` at :math:`\lambda = 0`,
  :math:`T \ge d + 2` this is exact in expectation: :math:`(1-\eta)\|w_0\|_\Sigma^2 + \sigma^2 d/(T-d-1)`.
  The anisotropic extension is this package's (not stated in the paper); it agreed with Monte Carlo within one
  standard error at :math:`d = 200` (tests/unit/test_predict.py).
* **Eq. 18** (shared design, :math:`\sigma_0 > 0`): ``collapse`` :math:`= n\sigma_0^2\rho`, :math:`\rho` of Eq. 18 with
  :math:`\kappa_0 = \kappa(0, T_0)`; for :math:`\Sigma = sI` the ``"finite"`` normalisation uses the exact
  inverse-Wishart prefactor :math:`T_0/(d - T_0 - 1)` instead of :math:`T_0/(d - T_0)`; for anisotropic
  :math:`\Sigma` there is no exact counterpart and Eq. 18 is used as printed (``normalization`` reports
  ``"paper"``). The chain noise is centred and independent of the designs, so it does not change the bias.
* **Independent designs, σ0 > 0** (:math:`T_0 < d`; not a result printed in the paper — THEORY.md §7 item 3
  — but this package's composition of Lemma F.4, Lemma F.8 and Prop F.6, see ``_overparam``):
  ``collapse`` :math:`= \sigma_0^2\sum_{j=0}^{n-1}\mathrm{tr}\,\Phi^{j}(\mathbb E H)\Sigma(\Sigma+\kappa_0)^{-2}/(T_0 - \mathrm{df}_2(\kappa_0))`,
  ``rho`` = collapse / :math:`(n\sigma_0^2)` (Eq. 32). For :math:`\Sigma = sI`,
  ``collapse`` :math:`= \sigma_0^2\,h\,\frac{T_0}{d - T_0 - \delta}\,\frac{1 - (T_0/d)^n}{1 - T_0/d}` with
  :math:`h` the per-coordinate bracket of Eq. 19 (:math:`h = 1` at :math:`\lambda = 0`, :math:`T \ge d + 2`,
  where the whole prediction is exact in expectation); ``n = 1`` is Eq. 18.

At :math:`\lambda = 0`, :math:`T \ge d + 2` every branch uses the exact finite-sample identities
(inverse-Wishart means), whatever ``normalization`` asks; :attr:`Prediction.normalization` then reports
``"finite"`` — it always records the normalisation actually used.

Precision
---------
``dps=None`` (default): float64, vectorised numpy, no SymPy. ``dps=N``: every quantity is computed with
mpmath inside ``mpmath.workdps`` starting from the *exact* problem (a Python float means its shortest decimal
representation: ``0.1`` is :math:`1/10`; strings, ints, Fractions and SymPy Rationals are exact; power-law
eigenvalues :math:`s\,j^{-\beta}` are computed in mpmath from the exact :math:`\beta`). The evaluation is run
twice, at ``N + 5`` and ``N + 20`` digits; the values of the second run are rounded to ``N`` digits and
:attr:`Prediction.digits` is the number of significant digits on which both runs agree (minimum over the
nonzero quantities, capped at ``N``). The global ``mpmath.mp.dps`` is never changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import mpmath
import numpy as np

from symcollapse.spec import Problem, RegimeError, SpecError, exact
from symcollapse.theory import fixed_point as fp

__all__ = ["Prediction", "predict", "formula"]

_NORMALIZATIONS = ("paper", "finite")
EXACT = "exact"
DETEQ = "deterministic-equivalent"
_QUANTITIES = ("bias", "variance", "collapse", "delta_bias", "total", "kappa", "kappa0", "df1", "df2", "rho")


@dataclass(frozen=True)
class Prediction:
    r"""The theory's test error :math:`\mathbb E\|\hat w^{pred}_n - w_0\|_\Sigma^2` and its parts.

    Attributes
    ----------
    bias, variance : float or mpf
        Downstream ridge bias and variance (Prop 4.2; bias scaled by :math:`\eta` when the chain is
        over-parametrised).
    collapse : float or mpf
        :math:`n\sigma_0^2\rho`, the variance injected by the chain (for independent over-parametrised
        generators :math:`\rho` is the mean of the :math:`n` generations' terms, Eq. 32).
    delta_bias : float or mpf
        :math:`\Delta\mathrm{Bias} = (1-\eta)\|w_0\|_\Sigma^2` for an over-parametrised chain (Thms 4.5/4.6), else 0.
    total : float or mpf
        ``bias + variance + collapse + delta_bias``.
    kappa, kappa0 : float or mpf
        :math:`\kappa(\lambda, T)` and :math:`\kappa(0, T_0)` (``kappa0`` is ``None`` if :math:`T_0 \ge d`).
    df1, df2 : float or mpf
        :math:`\mathrm{df}_1(\kappa)`, :math:`\mathrm{df}_2(\kappa)`.
    rho : float or mpf or None
        :math:`\rho` (Eq. 19, Eq. 18, its independent-design composition with Lemma F.8, or Thm 4.1's
        :math:`d/(T_0-d-1)`); ``None`` where undefined.
    kind : {"exact", "deterministic-equivalent"}
    theorem : str
        The result used, e.g. ``"Thm 4.1"``, ``"Cor 4.4 (Eq. 19)"``, ``"Thm 4.6"``.
    normalization : {"paper", "finite"}
        The normalisation of ρ actually used (``"finite"`` for every exact result).
    dps, digits : int or None
        Requested and certified significant digits (``None`` on the float path).
    problem : Problem
    """

    bias: Any
    variance: Any
    collapse: Any
    delta_bias: Any
    total: Any
    kappa: Any
    kappa0: Any
    df1: Any
    df2: Any
    rho: Any
    kind: str
    theorem: str
    normalization: str
    dps: int | None
    digits: int | None
    problem: Problem

    def as_dict(self) -> dict:
        """Flat dict of the numbers and labels plus ``problem`` as :meth:`Problem.to_dict`."""
        out = {q: getattr(self, q) for q in _QUANTITIES}
        out.update(kind=self.kind, theorem=self.theorem, normalization=self.normalization, dps=self.dps,
                   digits=self.digits, problem=self.problem.to_dict())
        return out


# --------------------------------------------------------------------------------------------------------
# Regime selection (precision independent)
# --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Regime:
    name: str  # "thm41" | "cor44" | "overparam"
    theorem: str
    kind: str
    normalization: str
    delta: int  # 0 (paper) or 1 (finite): the shift in T0 - d - delta / d - T0 - delta
    rho: bool  # whether rho is defined
    ols_exact: bool  # λ = 0 and T >= d + 2
    isotropic: bool


def _is_isotropic(p: Problem) -> bool:
    """Σ = sI, judged on the exact values (a custom spectrum of equal entries counts)."""
    sp_ = p.spectrum
    if sp_.kind == "isotropic" or sp_.d == 1:
        return True
    if sp_.kind == "power_law":
        return False

    def check():
        vals = sp_.values
        if len(set(vals)) == 1:
            return True
        if all(isinstance(v, (int, float)) for v in vals):  # floats: shortest-repr equality is float equality
            return False
        return len({exact(v) for v in vals}) == 1

    return _cached("iso", p, None, check)


# Guards against requests that would run for hours or exhaust memory (never a hang): mpmath at 1000 digits
# and d = 300 already takes seconds; the float path keeps O(d) arrays (8 bytes per eigenvalue and target).
_MAX_DPS = 1000
_MAX_D = 20_000_000


def _select(p: Problem, normalization: str) -> _Regime:
    if normalization not in _NORMALIZATIONS:
        raise SpecError(f"normalization must be one of {_NORMALIZATIONS}, got {normalization!r}")
    d, n, T0, T = p.d, p.chain.n, p.chain.T0, p.downstream.T
    # spec stores int, float or Fraction: all compare with 0 exactly
    lam0 = p.downstream.lam == 0
    s0zero = p.chain.sigma0 == 0
    iso = _is_isotropic(p)
    if lam0 and d - 1 <= T <= d + 1:
        raise RegimeError(
            f"λ = 0 with T = {T} and d = {d}: the ridgeless error diverges at T = d and no result covers "
            f"|T − d| <= 1; use T <= d − 2 or T >= d + 2, or λ > 0"
        )
    ols_exact = lam0 and T >= d + 2
    delta = 0 if normalization == "paper" else 1
    if n == 0 or T0 >= d:
        collapse_free = n == 0 or s0zero
        if ols_exact and (collapse_free or T0 >= d + 2):
            return _Regime("thm41", "Thm 4.1", EXACT, "finite", 1, T0 >= d + 2, True, iso)
        if ols_exact:
            # λ = 0, T >= d + 2 is the exact (finite-sample) regime, and there the generator's OLS error has
            # E tr(X0ᵀX0)⁻¹ = ∞ for T0 ∈ {d, d + 1} (inverse-Wishart mean needs T0 >= d + 2, Lemma F.3): the
            # expected test error is infinite, so no finite deterministic equivalent is returned.
            raise RegimeError(
                f"λ = 0, T >= d + 2 with n >= 1, σ0 > 0 and T0 = {T0} (d = {d}): the expected test error is "
                "infinite, since E tr(X0ᵀX0)⁻¹ diverges for T0 <= d + 1 (Lemma F.3 needs T0 >= d + 2); use "
                "T0 >= d + 2, or λ > 0 for the paper's deterministic equivalent"
            )
        rho_ok = T0 - d - delta > 0
        if not collapse_free and not rho_ok:
            need = "T0 > d" if normalization == "paper" else "T0 >= d + 2"
            raise RegimeError(
                f"Cor 4.4 (Eq. 19) needs {need} for normalization={normalization!r} when n >= 1 and σ0 > 0 "
                f"(ρ ∝ 1/(T0 − d{' − 1' if delta else ''}) diverges); got T0 = {T0}, d = {d}"
            )
        theorem = "Prop 4.2" if n == 0 else "Cor 4.4 (Eq. 19)"
        return _Regime("cor44", theorem, DETEQ, normalization, delta, rho_ok, False, iso)
    # Over-parametrised generator: T0 < d, n >= 1.
    design = p.chain.design
    # The finite-sample prefactor T0/(d − T0 − 1) of Eq. 18 is exact for Σ = sI only (inverse Wishart).
    norm_used = ("finite" if (ols_exact or normalization == "finite") else "paper") if iso else "paper"
    delta_over = 1 if norm_used == "finite" else 0
    # ρ (Eq. 18 for a shared design, its composition with Lemma F.8 for independent ones) is defined for
    # either design when d − T0 − δ > 0; it does not depend on σ0.
    rho_ok = d - T0 - delta_over > 0
    if not s0zero and not rho_ok:
        need = "T0 <= d − 2" if delta_over else "T0 < d"
        what = ("Eq. 18 (shared design, σ0 > 0)" if design == "shared"
                else "Thm 4.3 + Lemma F.8 (independent designs, σ0 > 0; each term is Eq. 18's trace)")
        raise RegimeError(
            f"{what} needs {need} here (ρ ∝ T0/(d − T0{' − 1' if delta_over else ''}) diverges); "
            f"got T0 = {T0}, d = {d}"
        )
    if design == "shared" and not s0zero:
        theorem = "Thm 4.5 + Thm 4.3 (Eq. 18)" if iso else "Thm 4.3 (Eq. 18) + Lemma F.8"
    elif not s0zero:  # independent designs, σ0 > 0: this package's composition (see _overparam)
        theorem = ("Thm 4.6 + Thm 4.3 + Lemma F.8 (independent, σ0 > 0)" if iso
                   else "Thm 4.3 + Lemma F.8 (independent, σ0 > 0)")
    elif iso:
        theorem = "Thm 4.6" if design == "independent" else "Thm 4.5"
    else:
        theorem = "Thm 4.3 + Lemma F.8"
    kind = EXACT if (ols_exact and iso) else DETEQ
    return _Regime("overparam", theorem, kind, norm_used, delta_over, rho_ok, ols_exact, iso)


# --------------------------------------------------------------------------------------------------------
# Numeric backends: float64 (numpy) and mpmath
# --------------------------------------------------------------------------------------------------------


# Spectral data depend only on (spectrum, target); Problem.replace keeps those objects, so a sweep over
# n, T, λ reuses them. Keyed by identity (strong references are kept, so ids stay valid).
_CACHE: dict = {}
_CACHE_SIZE = 32


def _cached(tag: str, p: Problem, extra: Any, build):
    key = (tag, id(p.spectrum), id(p.target), extra)
    hit = _CACHE.get(key)
    if hit is not None and hit[0] is p.spectrum and hit[1] is p.target:
        return hit[2]
    data = build()
    if len(_CACHE) >= _CACHE_SIZE:
        _CACHE.pop(next(iter(_CACHE)))
    _CACHE[key] = (p.spectrum, p.target, data)
    return data


class _FloatOps:
    """Grouped float64 spectral data: unique eigenvalues u, multiplicities m, sums of c_j² per group s."""

    def __init__(self, p: Problem):
        self.u, self.m, self.s = _cached("float", p, None, lambda: fp.group(p.eigenvalues, p.coefficients**2))
        self.lam = float(p.downstream.lam)  # int, float or Fraction (spec): float() rounds correctly
        self.sigma = float(p.downstream.sigma)
        self.sigma0 = float(p.chain.sigma0)
        self.one = 1.0

    def kappa(self, T):
        """κ(λ, T) of the downstream ridge (data validated by the spec: no re-checks)."""
        return fp._kappa_scalar(self.lam, float(T), self.u, self.m)

    def kappa0(self, T0):
        """κ(0, T0) of the generator."""
        return fp._kappa_scalar(0.0, float(T0), self.u, self.m)

    def sums(self, k):
        u, m = self.u, self.m
        inv = 1.0 / (u + k)
        rr = u * inv
        es = np.einsum  # no BLAS: threaded gemv is slow on shared machines (see fixed_point)
        return (float(es("k,k->", rr, m)), float(es("k,k,k->", rr, rr, m)), float(es("k,k,k->", self.s, rr, inv)),
                float(es("k,k,k->", m, inv, inv)))

    def signal(self):
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


def _mpf(x: Fraction):
    return mpmath.mpf(x.numerator) / x.denominator


def _exact_spectrum(p: Problem):
    """Exact description of the grouped spectrum: callable producing (u, m, s) as mpf lists in context."""
    spec, tgt = p.spectrum, p.target
    d = spec.d
    sc = exact(spec.scale, "Spectrum.scale")
    tsc = exact(tgt.scale, "Target.scale")

    def c2_custom():
        return [tsc * exact(x) ** 2 for x in tgt.coefficients_in]

    if spec.kind == "isotropic" or (spec.kind == "custom" and len({exact(v) for v in spec.values}) == 1):
        ev = sc if spec.kind == "isotropic" else sc * exact(spec.values[0])
        if tgt.kind == "isotropic":
            w = exact(tgt.norm) ** 2
        else:  # custom (a source target needs a power law)
            w = sum(c2_custom(), Fraction(0))

        def make():
            return [_mpf(ev)], [d], [_mpf(w)]

        return make
    if spec.kind == "power_law":
        beta = exact(spec.beta)

        def make():
            js = range(1, d + 1)
            b = _mpf(beta)
            if beta.denominator == 1:
                u = [_mpf(sc) / mpmath.mpf(jj) ** beta.numerator for jj in js]
            else:
                u = [_mpf(sc) * mpmath.power(jj, -b) for jj in js]
            if tgt.kind == "isotropic":
                w = _mpf(exact(tgt.norm) ** 2 / d)
                s = [w] * d
            elif tgt.kind == "source":
                dl = 1 + beta * (2 * exact(tgt.r) - 1)
                s = [_mpf(tsc) * mpmath.power(jj, -_mpf(dl)) for jj in js]
            else:
                s = [_mpf(x) for x in c2_custom()]
            return u, [1] * d, s

        return make
    # custom spectrum: group exact values
    vals = [sc * exact(v) for v in spec.values]
    if tgt.kind == "isotropic":
        w = [exact(tgt.norm) ** 2 / d] * d
    else:
        w = c2_custom()
    uq, mult, ws = fp.group_mp(vals, w)

    def make():
        return [_mpf(x) for x in uq], list(mult), [_mpf(x) for x in ws]

    return make


class _MpOps:
    """mpmath twin of :class:`_FloatOps`, built at the current precision from exact inputs."""

    def __init__(self, p: Problem, make, kappa_start: dict):
        self.u, self.m, self.s = _cached("mp", p, mpmath.mp.prec, make)
        self.lam = _mpf(exact(p.downstream.lam))
        self.sigma = _mpf(exact(p.downstream.sigma))
        self.sigma0 = _mpf(exact(p.chain.sigma0))
        self.one = mpmath.mpf(1)
        self._start = kappa_start

    def kappa(self, T):
        return fp.kappa_mp(self.lam, T, self.u, self.m, start=self._start.get("kappa"))

    def kappa0(self, T0):
        return fp.kappa_mp(0, T0, self.u, self.m, start=self._start.get("kappa0"))

    def sums(self, k):
        inv = [1 / (u + k) for u in self.u]
        r = [u * i for u, i in zip(self.u, inv)]
        fdot, m = mpmath.fdot, self.m  # exact accumulation, one rounding per sum
        return (fdot(r, m), fdot(((x * x, w) for x, w in zip(r, m))), fdot(((x * i, w) for x, i, w in
                zip(r, inv, self.s))), fdot(((i * i, w) for i, w in zip(inv, m))))

    def signal(self):
        return mpmath.fsum(s * u for s, u in zip(self.s, self.u))

    def frac(self, x):
        return _mpf(Fraction(x))

    @staticmethod
    def vmap(fn, *vecs):
        return [fn(*xs) for xs in zip(*vecs)]

    @staticmethod
    def dot(a, b):
        return mpmath.fdot(a, b)


def _compute(p: Problem, reg: _Regime, ops) -> dict:
    """All quantities of :class:`Prediction` for regime ``reg``, in the arithmetic of ``ops``."""
    d, n, T0, T = p.d, p.chain.n, p.chain.T0, p.downstream.T
    one = ops.one
    zero = 0 * one
    sig2, sig02 = ops.sigma**2, ops.sigma0**2
    out = dict.fromkeys(_QUANTITIES, zero)
    out["kappa0"] = ops.kappa0(T0) if T0 < d else None
    if reg.name == "thm41":
        out.update(kappa=zero, df1=one * d, df2=one * d, variance=sig2 * d / ops.frac(T - d - 1))
        out["rho"] = one * d / ops.frac(T0 - d - 1) if reg.rho else None
        out["collapse"] = n * sig02 * out["rho"] if (n and sig02 != 0) else zero
    else:
        k = ops.kappa(T)
        df1, df2, btr, tr2 = ops.sums(k)
        gap = 1 - df2 / T
        if not gap > 0:
            raise RegimeError(
                f"1 − df2(κ)/T = {float(gap):.3g} <= 0 at λ = {float(ops.lam):g}, T = {T}, d = {d}: the "
                "deterministic equivalent is singular here (T too close to d at λ ≈ 0)"
            )
        bias = k**2 * btr / gap
        var = sig2 * (df2 / T) / gap
        # Numerator of ρ (Eq. 19 bracket = deterministic equivalent of E tr Σ⁻¹Σ̂RΣΣ̂R).
        num = df2 + k**2 * tr2 * df2 / (T - df2)
        out.update(kappa=k, df1=df1, df2=df2)
        if reg.name == "cor44":
            out.update(bias=bias, variance=var)
            out["rho"] = num / ops.frac(T0 - d - reg.delta) if reg.rho else None
        else:
            _overparam(p, reg, ops, out, k, df2, var)
            num = None
        if out["rho"] is not None and n and sig02 != 0:
            out["collapse"] = n * sig02 * out["rho"]
    out["total"] = out["bias"] + out["variance"] + out["collapse"] + out["delta_bias"]
    return out


def _overparam(p: Problem, reg: _Regime, ops, out: dict, k, df2, var) -> None:
    r"""Over-parametrised chain (T0 < d, n >= 1): bias via Lemma F.8's one-step identity, ρ via Eq. 18.

    With :math:`\hat w_n = Qw_0` (:math:`Q = P_{n-1}\cdots P_0`, or :math:`P_0` for a shared design),
    :math:`A = R\hat\Sigma` from the independent downstream design, :math:`\mathbb E A \simeq \Sigma(\Sigma+\kappa)^{-1}`
    and :math:`\mathbb E(A - I)^\top\Sigma(A - I) \simeq M_B = \kappa^2\Sigma(\Sigma+\kappa)^{-2}/(1 - \mathrm{df}_2/T)`
    (Prop 4.2), the bias is :math:`\mathbb E\,u^\top(M_B - 2\Sigma K + \Sigma)u + 2w_0^\top\Sigma(K - I)\,\mathbb E u + \|w_0\|_\Sigma^2`,
    :math:`u = Qw_0`, :math:`K = \kappa(\Sigma+\kappa)^{-1}`. Lemma F.8: :math:`\mathbb E u \simeq D w_0`,
    :math:`D = \Sigma(\Sigma+\kappa_0)^{-1}` per projection, and for diagonal :math:`N`,
    :math:`\mathbb E P N P \simeq \Phi(N) = D^2 N + \kappa_0^2\Sigma(\Sigma+\kappa_0)^{-2}\,\frac{\mathrm{tr}\,N\Sigma(\Sigma+\kappa_0)^{-2}}{T_0 - \mathrm{df}_2(\kappa_0)}`,
    applied once per independent projection (innermost first; all matrices stay diagonal, O(d) per step).
    For :math:`\Sigma = I` this is :math:`\Phi(N) = N/\phi_0` and reproduces Thms 4.5/4.6 exactly.
    ``bias`` is :math:`\mathbb E\|(A - I)u\|_\Sigma^2 = \sum_j c_j^2\Phi^{s}(M_B)_j`; ``delta_bias`` the rest.

    **Collapse term, independent designs, σ0 > 0** (this package's own derivation, not a result printed in
    the paper; THEORY.md §7 item 3). By Lemma F.4, :math:`\hat w_n = Q_{n-1}w_0 + \sum_{m<n}\bar Q_{n-1,m}E_m`
    with :math:`\bar Q_{n-1,m} = P_{n-1}\cdots P_{m+1}X_m^\dagger` (:math:`P_mX_m^\dagger = X_m^\dagger`). The
    :math:`E_m` are centred, independent of each other and of every design, so (Thm F.1, Eq. 32)

    .. math::
        \mathrm{collapse} = \sigma_0^2\sum_{m=0}^{n-1}\mathbb E\,\mathrm{tr}\,
            X_m^{\dagger\top}P_{m+1}\cdots P_{n-1}\,H\,P_{n-1}\cdots P_{m+1}X_m^\dagger,
        \qquad H = \hat\Sigma R\Sigma R\hat\Sigma .

    :math:`H` and the projections are independent, and :math:`N \mapsto \mathbb E[P N P]` is linear, so the
    expectations can be taken from the inside out: :math:`\mathbb E H \simeq \Sigma^3(\Sigma+\kappa)^{-2} +
    \kappa^2\Sigma(\Sigma+\kappa)^{-2}\mathrm{df}_2/(T - \mathrm{df}_2)` (the deterministic equivalent behind
    Eq. 18), then Lemma F.8's one-step map :math:`\Phi` once per projection :math:`P_{n-1}, \dots, P_{m+1}`,
    then Prop F.6 (Eq. 18's trace identity)
    :math:`\mathbb E\,\mathrm{tr}\,X_m^\dagger X_m^{\dagger\top}N \simeq \mathrm{tr}\,N\Sigma(\Sigma+\kappa_0)^{-2}/(T_0 - \mathrm{df}_2(\kappa_0))`:

    .. math::
        \mathrm{collapse} \simeq \sigma_0^2\sum_{j=0}^{n-1}
            \frac{\mathrm{tr}\,\Phi^{j}(\mathbb E H)\,\Sigma(\Sigma+\kappa_0)^{-2}}{T_0 - \mathrm{df}_2(\kappa_0)},
        \qquad \rho = \mathrm{collapse}/(n\sigma_0^2).

    A shared design has every :math:`\bar Q_{n-1,m} = X_0^\dagger` (:math:`n` copies of the :math:`j = 0` term:
    Eq. 18), and ``n = 1`` coincides with it. For :math:`\Sigma = sI`, :math:`\Phi = (T_0/d)\,\mathrm{id}` and
    :math:`\mathbb E X_m^\dagger X_m^{\dagger\top} = \frac{T_0}{s\,d(d - T_0 - 1)}I` are exact (rotation invariance,
    inverse Wishart), so

    .. math::
        \mathrm{collapse} = \sigma_0^2\,h\,\frac{T_0}{d - T_0 - 1}\,\frac{1 - (T_0/d)^n}{1 - T_0/d},
        \qquad h = \mathrm{tr}\,\mathbb E H/(sd) \simeq \frac{1}{(1+\kappa')^2}\Big(1 + \frac{\phi\kappa'^2}{(1+\kappa')^2 - \phi}\Big),

    :math:`\kappa' = \kappa/s`, with only :math:`h` a deterministic equivalent (:math:`h = 1` exactly at
    :math:`\lambda = 0`, :math:`T \ge d + 2`; ``normalization="paper"`` uses :math:`d - T_0`). Checked against
    Monte Carlo (``symcollapse.simulate``, tests/unit/test_predict.py): isotropic within ~0.5 % at
    :math:`d = 60`–:math:`120`; power law within the O(1/d) gap that Eq. 18 itself shows (2–4 % at
    :math:`d = 100`, shrinking with :math:`d`). Every term is a sum of non-negative numbers (no cancellation).
    """
    d, n, T0, T = p.d, p.chain.n, p.chain.T0, p.downstream.T
    ev, m, s = ops.u, ops.m, ops.s
    k0 = out["kappa0"]
    steps = n if p.chain.design == "independent" else 1
    D = ops.vmap(lambda u: u / (u + k0), ev)
    e0 = ops.vmap(lambda u: u / (u + k0) ** 2, ev)  # Σ(Σ+κ0)^-2
    den0 = T0 - ops.dot(m, ops.vmap(lambda x: x * x, D))  # T0 − df2(κ0)

    def phi_map(N):
        tr = ops.dot(m, ops.vmap(lambda x, y: x * y, N, e0)) / den0
        return ops.vmap(lambda dd, x, e: dd * dd * x + k0**2 * e * tr, D, N, e0)

    def apply(N):
        for _ in range(steps):
            N = phi_map(N)
        return N

    def trace_part(N):
        # Φ^steps(N) = D^(2·steps) N + E(N): E collects the (non-negative for N >= 0) trace terms. Splitting
        # it off lets ΔBias be written as a sum of non-negative terms instead of quad + lin + signal, which
        # cancel to ~1e-10 relative in float64 when the chain barely moves w0.
        E = ops.vmap(lambda x: 0 * x, N)
        main = N
        for _ in range(steps):
            tr = ops.dot(m, ops.vmap(lambda x, y, e: (x + y) * e, main, E, e0)) / den0
            E = ops.vmap(lambda dd, y, e, tr=tr: dd * dd * y + k0**2 * e * tr, D, E, e0)
            main = ops.vmap(lambda dd, x: dd * dd * x, D, main)
        return E

    Dn = ops.vmap(lambda x: x**steps, D)  # E u = D^steps w0 (diagonal)
    if reg.ols_exact:  # A = I exactly: no downstream bias, exact OLS variance, H = Σ̂RΣΣ̂R = Σ
        out.update(bias=0 * ops.one, variance=ops.sigma**2 * d / ops.frac(T - d - 1), kappa=0 * ops.one,
                   df1=ops.one * d, df2=ops.one * d)
        # E‖u − w0‖²_Σ = Σ_j c_j² λ_j (1 − D_j^s)² + (trace terms): E‖u‖²_Σ − 2 w0ᵀΣ E u + ‖w0‖²_Σ regrouped.
        out["delta_bias"] = ops.dot(s, ops.vmap(lambda u, x: u * (1 - x) ** 2, ev, Dn)) + ops.dot(s, trace_part(ev))
        EH = ev
    else:
        gap = 1 - df2 / T
        MB = ops.vmap(lambda u: k**2 * u / (u + k) ** 2 / gap, ev)
        rest = ops.vmap(lambda u: u - 2 * u * k / (u + k), ev)  # Σ − 2ΣK
        bias = ops.dot(s, apply(MB))
        # E uᵀ(Σ − 2ΣK)u + 2 w0ᵀΣ(K − I) E u + ‖w0‖²_Σ, regrouped per eigen-direction with x = D_j^s,
        # K_j = κ/(λ_j + κ): λ_j[x²(1 − 2K_j) − 2(1 − K_j)x + 1] = λ_j[(1 − x)² + 2K_j x(1 − x)] >= 0,
        # plus the trace terms of Φ^s(Σ − 2ΣK); no catastrophic cancellation (see trace_part).
        main = ops.vmap(lambda u, x: u * ((1 - x) ** 2 + 2 * (k / (u + k)) * x * (1 - x)), ev, Dn)
        out.update(bias=bias, variance=var, delta_bias=ops.dot(s, main) + ops.dot(s, trace_part(rest)))
        # E H ≃ Σ³(Σ+κ)^-2 + κ²Σ(Σ+κ)^-2 df2/(T − df2) (diagonal; tr of it against Σ(Σ+κ0)^-2 is Eq. 18)
        EH = ops.vmap(lambda u: u**3 / (u + k) ** 2 + k**2 * u / (u + k) ** 2 * df2 / (T - df2), ev)
    if reg.rho:
        if p.chain.design == "shared":
            rho = ops.dot(m, ops.vmap(lambda x, y: x * y, e0, EH)) / den0  # Eq. 18
        else:
            # Independent designs: generation m's noise reaches ŵ_n through P_{n−1}⋯P_{m+1}X_m^†, so its term is
            # Eq. 18's trace against Φ^(n−1−m)(E H); ρ is the mean of the n terms (Eq. 32). Every term is a sum
            # of non-negative numbers (Φ maps non-negative diagonals to non-negative diagonals).
            N, acc = EH, 0 * ops.one
            for j in range(n):
                acc = acc + ops.dot(m, ops.vmap(lambda x, y: x * y, e0, N)) / den0
                if j + 1 < n:
                    N = phi_map(N)
            rho = acc / n
        if reg.normalization == "finite":  # Σ = sI only: exact prefactor T0/(d − T0 − 1) instead of T0/(d − T0)
            rho = rho * ops.frac(Fraction(d - T0, d - T0 - 1))
        out["rho"] = rho
    else:
        out["rho"] = None


def _agree(a, b, cap: int) -> int:
    if a is None or b is None:
        return cap
    if a == b:
        return cap
    if b == 0:
        return 0 if abs(a) > 0 else cap
    rel = abs(a - b) / abs(b)
    return max(0, min(cap, int(mpmath.floor(-mpmath.log10(rel)))))


def predict(problem: Problem, dps: int | None = None, normalization: str = "paper") -> Prediction:
    r"""Theory prediction of the downstream test error :math:`\mathbb E\|\hat w^{pred}_n - w_0\|_\Sigma^2`.

    Picks the result covering the problem's regime (module docstring: Thm 4.1 exact identity; Prop 4.2 /
    Cor 4.4 with Eq. 19; Thms 4.5/4.6, Eq. 18 and Lemma F.8 for an over-parametrised chain, including this
    package's composition for independent noisy generators) and says which in :attr:`Prediction.theorem` and
    :attr:`Prediction.kind`.

    Parameters
    ----------
    problem : Problem
    dps : int, optional
        ``None``: float64. Otherwise the number of significant digits wanted (mpmath, certified by
        re-evaluation with guard digits; :attr:`Prediction.digits`).
    normalization : {"paper", "finite"}
        ρ of Eq. 19 with :math:`T_0 - d` (the paper's deterministic equivalent) or :math:`T_0 - d - 1`
        (Thm F.1's exact finite-sample normalisation). Irrelevant for exact results.

    Returns
    -------
    Prediction

    Raises
    ------
    RegimeError
        When no implemented result covers the problem (the message names the condition).

    Examples
    --------
    >>> from symcollapse.spec import preset
    >>> p = preset("fig1a", n=0, lam=0)
    >>> predict(p).theorem, round(predict(p).total, 12)   # σ² d/(T − d − 1) = 0.01·300/699
    ('Thm 4.1', 0.004291845494)
    >>> import mpmath
    >>> mpmath.nstr(predict(p, dps=30).total, 30)
    '0.00429184549356223175965665236052'
    """
    if not isinstance(problem, Problem):
        raise SpecError(f"predict needs a Problem, got {type(problem).__name__}")
    if dps is not None and (isinstance(dps, bool) or not isinstance(dps, int) or not 1 <= dps <= _MAX_DPS):
        raise SpecError(f"dps must be an integer in [1, {_MAX_DPS}], got {dps!r}")
    if problem.d > _MAX_D:
        raise RegimeError(
            f"d = {problem.d} is above {_MAX_D:.0e}: predict sums over the spectrum in memory; for power laws at "
            "very large or infinite d use symcollapse.theory.scaling (Euler–Maclaurin sums, d = ∞)"
        )
    reg = _select(problem, normalization)
    fops = _FloatOps(problem)
    if dps is None:
        q = _compute(problem, reg, fops)
        return Prediction(**q, kind=reg.kind, theorem=reg.theorem, normalization=reg.normalization,
                          dps=None, digits=None, problem=problem)
    return _predict_mp(problem, reg, fops, dps)


def _float_starts(problem: Problem, fops: _FloatOps) -> dict:
    # float κ roots as Newton starting points for the mpmath path (keys match _MpOps.kappa)
    starts = {}
    T, T0, d = problem.downstream.T, problem.chain.T0, problem.d
    if not (fops.lam == 0 and T >= d):
        starts["kappa"] = fops.kappa(T)
    if T0 < d:
        starts["kappa0"] = fops.kappa0(T0)
    return starts


def _predict_mp(problem: Problem, reg: _Regime, fops: _FloatOps, dps: int) -> Prediction:
    make = _exact_spectrum(problem)
    starts = _float_starts(problem, fops)
    runs = []
    for extra in (5, 20):
        with mpmath.workdps(dps + extra):
            runs.append(_compute(problem, reg, _MpOps(problem, make, starts)))
    lo, hi = runs
    digits = min(_agree(lo[q], hi[q], dps) for q in _QUANTITIES)
    with mpmath.workdps(dps):
        vals = {q: (None if v is None else +v) for q, v in hi.items()}
    return Prediction(**vals, kind=reg.kind, theorem=reg.theorem, normalization=reg.normalization,
                      dps=dps, digits=digits, problem=problem)


# --------------------------------------------------------------------------------------------------------
# formula(): the same prediction as a SymPy expression
# --------------------------------------------------------------------------------------------------------


def formula(problem: Problem, symbolic: bool = False, normalization: str = "paper"):
    r"""The SymPy expression of :func:`predict`'s ``total`` for ``problem``.

    ``symbolic=True``: the general expression of the result that applies, in the paper's symbols
    (:mod:`~symcollapse.theory.symbols`): spectral sums ``Sum(..., (j, 1, d))`` with ``kappa`` (and ``kappa_0``)
    as symbols for a general :math:`\Sigma`; the closed form in :math:`\lambda, \phi, \phi_0, \sigma, \sigma_0,
    n, \|w_0\|` with :math:`\kappa` replaced by Eq. 11 for an isotropic one (written for :math:`\Sigma = I`;
    :math:`\Sigma = sI` is the same with :math:`\lambda \to \lambda/s` and :math:`\|w_0\|^2 \to s\|w_0\|^2`), so
    ``sympy.diff(expr, lam)`` and limits work.

    ``symbolic=False`` (default): the numbers of ``problem`` substituted. For isotropic :math:`\Sigma` and for
    the exact results every number is exact (rationals; the square root of Eq. 11 kept symbolic), so
    ``sympy.N(expr, 50)`` gives 50 correct digits. For other spectra the spectral sums are expanded over the
    distinct eigenvalues (rationals where exact, e.g. ``j**(-2)``; non-integer powers ``j**(-beta)`` as 70-digit
    Floats, since SymPy's exact ``Integer**Rational`` is very slow) and :math:`\kappa`, :math:`\kappa_0` (roots of
    Eq. 9 with no closed form) enter as 60-digit ``Float``; the expression then agrees with ``predict`` to ~55
    digits. An over-parametrised chain with anisotropic :math:`\Sigma` (Lemma F.8) is evaluated in the same
    SymPy arithmetic. Expanding costs :math:`O(d)` SymPy terms: fine for :math:`d` up to a few thousand.
    ``symbolic=True`` for that last regime raises ``NotImplementedError`` (the map is iterated :math:`n` times).
    """
    import sympy as sp  # noqa: PLC0415  (lazy: the float path never imports SymPy)

    from symcollapse.theory import formulas as F  # noqa: PLC0415
    from symcollapse.theory import symbols as S  # noqa: PLC0415

    reg = _select(problem, normalization)
    n = problem.chain.n
    iso = reg.isotropic
    nrm = reg.normalization
    if symbolic:
        if reg.name == "thm41":
            return F.thm41_exact()
        if reg.name == "cor44":
            if iso:
                k = F.kappa_isotropic()
                return F.bias_variance_isotropic(kappa=k) + S.n * S.sigma0**2 * F.rho_isotropic(nrm, kappa=k)
            return F.bias_prop42() + F.variance_prop42() + S.n * S.sigma0**2 * F.rho_eq19(nrm)
        if not iso:
            raise NotImplementedError(
                "no closed symbolic form for an over-parametrised chain with anisotropic Σ (Lemma F.8's map is "
                "iterated n times); use formula(problem) for the numeric expression"
            )
        eta = F.eta(problem.chain.design)
        noisy = exact(problem.chain.sigma0) != 0
        # n generations' noise: n identical Eq. 18 terms (shared design), or the geometric sum
        # Σ_{m<n} φ0^(−m) = (1 − φ0^(−n))/(1 − 1/φ0) of Φ^m = φ0^(−m) (independent designs, Σ = I)
        reps = S.n if problem.chain.design == "shared" else (1 - S.phi0**(-S.n)) / (1 - 1 / S.phi0)
        if reg.ols_exact:
            expr = (1 - eta) * S.w0norm**2 + S.sigma**2 * S.d / (S.T - S.d - 1)
            if noisy:
                expr += reps * S.sigma0**2 * S.T0 / (S.d - S.T0 - 1)
            return expr
        k = F.kappa_isotropic()
        expr = F.error_overparam_isotropic(eta, kappa=k)
        if noisy:
            expr += reps * S.sigma0**2 * F.rho_eq18_isotropic(nrm, kappa=k)
        return expr

    R = sp.Rational

    def q(x):
        f = exact(x)
        return R(f.numerator, f.denominator)

    d, T, T0 = problem.d, problem.downstream.T, problem.chain.T0
    lam, sigma, sigma0 = q(problem.downstream.lam), q(problem.downstream.sigma), q(problem.chain.sigma0)
    phi, phi0 = R(d, T), R(d, T0)
    collapse_on = n != 0 and sigma0 != 0
    if reg.name == "thm41":
        expr = sigma**2 * R(d, T - d - 1)
        if collapse_on and reg.rho:
            expr += n * sigma0**2 * R(d, T0 - d - 1)
        return expr
    if iso:
        s, w = _iso_exact(problem)
        k = F.kappa_isotropic(lam=lam / s, phi=phi)
        w0 = sp.sqrt(s * w)
        if reg.name == "cor44":
            expr = F.bias_variance_isotropic(kappa=k, phi=phi, sigma=sigma, w0norm=w0)
            if collapse_on:
                expr += n * sigma0**2 * F.rho_isotropic(nrm, kappa=k, phi=phi, phi0=phi0, d=d)
            return expr
        independent = problem.chain.design == "independent"
        eta = R(T0, d) ** (n if independent else 1)
        # shared: n identical Eq. 18 terms; independent: Σ_{m<n} (T0/d)^m (Φ = (T0/d)·id for Σ = sI)
        reps = (1 - eta) / (1 - R(T0, d)) if independent else n
        if reg.ols_exact:
            expr = (1 - eta) * w0**2 + sigma**2 * R(d, T - d - 1)
            if sigma0 != 0:
                expr += reps * sigma0**2 * R(T0, d - T0 - 1)
            return expr
        expr = F.error_overparam_isotropic(eta, kappa=k, phi=phi, sigma=sigma, w0norm=w0)
        if sigma0 != 0:
            expr += reps * sigma0**2 * F.rho_eq18_isotropic(nrm, kappa=k, phi=phi, phi0=phi0, d=d)
        return expr
    pred = predict(problem, dps=60, normalization=normalization)
    if reg.name == "overparam":  # anisotropic: Lemma F.8 map evaluated in SymPy arithmetic
        return _compute(problem, reg, _SympyOps(problem, pred))["total"]
    # General spectrum, Prop 4.2 / Cor 4.4: expand the sums over distinct eigenvalues.
    kap = sp.Float(mpmath.nstr(pred.kappa, 60), 60)
    uq, mult, ws = _exact_groups(problem)
    j, ev, c = S.j, S.ev, S.c
    general = F.bias_prop42() + F.variance_prop42()
    if collapse_on:
        general += S.n * S.sigma0**2 * F.rho_eq19(nrm)

    # Substitute the scalars first so every expanded term collapses to a number as it is built.
    general = general.xreplace({S.kappa: kap, S.T: sp.Integer(T), S.T0: sp.Integer(T0), S.d: sp.Integer(d),
                                S.n: sp.Integer(n), S.sigma: sigma, S.sigma0: sigma0})

    def expand(e):
        if isinstance(e, sp.Sum):
            f = e.function
            return sp.Add(*[m * f.xreplace({c[j] ** 2: wv / m, ev[j]: uv}) for uv, m, wv in zip(uq, mult, ws)])
        if e.args:
            return e.func(*[expand(a) for a in e.args])
        return e

    return expand(general)


class _SympyOps:
    """SymPy twin of :class:`_FloatOps` for :func:`formula`: exact eigenvalues, κ and κ0 as 60-digit Floats."""

    def __init__(self, p: Problem, pred: Prediction):
        import sympy as sp  # noqa: PLC0415

        self.sp = sp
        self.u, self.m, self.s = _exact_groups(p)
        R = sp.Rational
        q = {k: exact(v) for k, v in (("lam", p.downstream.lam), ("sigma", p.downstream.sigma),
                                      ("sigma0", p.chain.sigma0))}
        self.lam, self.sigma, self.sigma0 = (R(q[k].numerator, q[k].denominator) for k in ("lam", "sigma", "sigma0"))
        self.one = sp.Integer(1)
        self._k = sp.Float(mpmath.nstr(pred.kappa, 60), 60)
        self._k0 = None if pred.kappa0 is None else sp.Float(mpmath.nstr(pred.kappa0, 60), 60)

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


def _iso_exact(problem: Problem):
    """Exact (s, ‖w0‖²) as SymPy Rationals for an isotropic Σ = sI."""
    import sympy as sp  # noqa: PLC0415

    spec, tgt = problem.spectrum, problem.target
    sc = exact(spec.scale)
    # isotropic: λ_j = s; a power law with d = 1: λ_1 = s·1^-β = s; custom: all values equal
    s = sc * exact(spec.values[0]) if spec.kind == "custom" else sc
    if tgt.kind == "isotropic":
        w = exact(tgt.norm) ** 2
    elif tgt.kind == "source":  # d == 1 power law: c_1² = scale·1^-δ
        w = exact(tgt.scale)
    else:
        w = sum((exact(tgt.scale) * exact(x) ** 2 for x in tgt.coefficients_in), Fraction(0))
    return sp.Rational(s.numerator, s.denominator), sp.Rational(w.numerator, w.denominator)


def _exact_groups(problem: Problem):
    """Distinct eigenvalues, multiplicities and Σ c_j² per group as SymPy numbers: exact rationals, except
    non-integer powers j^(-β), j^(-δ), which are 70-digit Floats."""
    import sympy as sp  # noqa: PLC0415

    spec, tgt = problem.spectrum, problem.target
    d = spec.d
    sc = exact(spec.scale)
    tsc = exact(tgt.scale)

    def R(f: Fraction):
        return sp.Rational(f.numerator, f.denominator)

    def jpow(e: Fraction):
        # j^(-e): exact rationals for integer e; otherwise 70-digit Floats computed by mpmath, because SymPy's
        # Integer**Rational runs a perfect-power search that takes minutes for exponents like 137/100.
        if e.denominator == 1:
            return [sp.Rational(1, jj**e.numerator) if e > 0 else sp.Integer(jj ** (-e.numerator))
                    for jj in range(1, d + 1)]
        with mpmath.workdps(75):
            me = _mpf(e)
            return [sp.Float(mpmath.nstr(mpmath.power(jj, -me), 72), 70) for jj in range(1, d + 1)]

    if spec.kind == "power_law":
        beta = exact(spec.beta)
        u = [R(sc) * x for x in jpow(beta)]
        if tgt.kind == "isotropic":
            w = [R(exact(tgt.norm) ** 2 / d)] * d
        elif tgt.kind == "source":
            w = [R(tsc) * x for x in jpow(1 + beta * (2 * exact(tgt.r) - 1))]
        else:
            w = [R(tsc * exact(x) ** 2) for x in tgt.coefficients_in]
        return u, [1] * d, w
    vals = [sc * exact(v) for v in spec.values]
    if tgt.kind == "isotropic":
        w = [exact(tgt.norm) ** 2 / d] * d
    else:
        w = [tsc * exact(x) ** 2 for x in tgt.coefficients_in]
    uq, mult, ws = fp.group_mp(vals, w)
    return [R(x) for x in uq], list(mult), [R(x) for x in ws]


