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
the paper; see docs/theory/differences.md). By Lemma F.4, :math:`\hat w_n = Q_{n-1}w_0 + \sum_{m<n}\bar Q_{n-1,m}E_m`
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

from __future__ import annotations

from fractions import Fraction

from symcollapse.spec import RegimeError
from symcollapse.theory.terms import ridge

__all__ = ["compute", "symbolic", "numeric_isotropic", "LemmaF8"]


class LemmaF8:
    r"""Lemma F.8's one-step map :math:`\Phi(N) = D^2N + \kappa_0^2 e_0\,\mathrm{tr}(Ne_0)/(T_0 - \mathrm{df}_2(\kappa_0))`
    on diagonals (grouped by eigenvalue), :math:`D = \Sigma(\Sigma+\kappa_0)^{-1}`, :math:`e_0 = \Sigma(\Sigma+\kappa_0)^{-2}`."""

    def __init__(self, ops, k0):
        if not k0 > 0:
            raise RegimeError(
                f"κ0 = κ(0, T0) = {float(k0):.3g}: the generator's deterministic equivalent (Lemma F.8) is "
                "degenerate — κ0 underflows because the spectrum has at most T0 eigenvalues that are not "
                "negligible at this precision; use a larger dps=, or T0 below that number"
            )
        self.ops, self.k0 = ops, k0
        ev = ops.u
        self.D = ops.vmap(lambda u: u / (u + k0), ev)
        self.e0 = ops.vmap(lambda u: u / (u + k0) ** 2, ev)  # Σ(Σ+κ0)^-2
        # D² and κ0²e0 once: the loop's products (dd·dd)·x and (κ0²·e)·tr, bit for bit, with half the work
        self.L = ops.vmap(lambda dd: dd * dd, self.D)
        self.ae = ops.vmap(lambda e: k0**2 * e, self.e0)
        self.den0 = None  # T0 − df2(κ0), set by `at`

    def at(self, T0):
        ops = self.ops
        self.den0 = T0 - ops.dot(ops.m, ops.vmap(lambda x: x * x, self.D))  # T0 − df2(κ0)
        if not self.den0 > 0:
            raise RegimeError(
                f"T0 − df2(κ0) = {float(self.den0):.3g} <= 0 with T0 = {T0}: the generator's deterministic "
                f"equivalent (Lemma F.8, κ0 = {float(self.k0):.3g}) is degenerate — the spectrum has at most T0 "
                "eigenvalues that are not negligible at this precision; use a larger dps=, or T0 below the "
                "number of non-negligible eigenvalues"
            )
        return self

    # Up to LOOP_STEPS steps the loop is always kept: it is exact term by term (no eigendecomposition) and
    # it is what every reference value was computed with. Beyond, the powers of Φ are taken in closed form
    # (O(1) in the number of steps, terms._closed) as soon as that is cheaper than the loop.
    LOOP_STEPS = {"float": 64, "mp": 64, "sympy": 10**18}

    def closed(self, steps: int):
        """The closed-form powers of Φ if they are cheaper than ``steps`` loop steps, else None."""
        from symcollapse.theory.terms._closed import ClosedPowers, Unsupported, closed_is_cheaper  # noqa: PLC0415

        name, g = self.ops.name, len(self.ops.m)
        if steps <= self.LOOP_STEPS[name]:
            return None
        cheaper = closed_is_cheaper(name, steps, g)
        if not cheaper and name != "mp":
            return None
        if getattr(self, "_closed", None) is None:
            try:
                self._closed = ClosedPowers(self.ops, self.D, self.e0, self.den0, self.k0)
            except Unsupported:  # a pole float64 cannot resolve (underflowed weights): the exact loop
                self._closed = False
        if self._closed and not cheaper:
            # mpmath: the closed form costs O(g) per root it keeps (terms._closed._MpPoles); with few kept
            # roots it beats the loop even where the all-roots cost model does not
            cheaper = closed_is_cheaper(name, steps, g, kept=self._closed.mpp.kept_estimate(steps))
        return (self._closed or None) if cheaper else None

    def power_dot(self, x, N, steps: int):
        r""":math:`x^\top\Phi^{steps}(N)`."""
        cl = self.closed(steps)
        if cl is None:
            return self.ops.dot(x, self.power(N, steps))
        ops = self.ops
        main = ops.dot(x, ops.vmap(lambda dd, y: dd ** (2 * steps) * y, self.D, N))
        return main + cl.trace_dot(x, N, steps)

    def trace_dot(self, x, N, steps: int):
        r""":math:`x^\top(\Phi^{steps}(N) - D^{2\,steps}N)` (see :meth:`trace_part`)."""
        cl = self.closed(steps)
        if cl is None:
            return self.ops.dot(x, self.trace_part(N, steps))
        return cl.trace_dot(x, N, steps)

    def trace(self, N):
        r""":math:`\mathrm{tr}(N e_0)/(T_0 - \mathrm{df}_2(\kappa_0))` (Eq. 18's trace identity, Prop F.6)."""
        ops, raw = self.ops, getattr(self.ops, "raw", None)
        if raw is not None:  # mpmath: the same roundings on raw values (theory._mpvec)
            return raw.wdot(ops.m, N, self.e0) / self.den0
        return ops.dot(ops.m, ops.vmap(lambda x, y: x * y, N, self.e0)) / self.den0

    def step(self, N):
        tr = self.trace(N)
        raw = getattr(self.ops, "raw", None)
        if raw is not None:
            return raw.affine(self.L, N, self.ae, tr)
        return self.ops.vmap(lambda ll, x, ae: ll * x + ae * tr, self.L, N, self.ae)

    def power(self, N, steps: int):
        r""":math:`\Phi^{steps}(N)`."""
        for _ in range(steps):
            N = self.step(N)
        return N

    def trace_part(self, N, steps: int):
        r""":math:`\Phi^{s}(N) - D^{2s}N`: the (non-negative for :math:`N \ge 0`) trace terms. Splitting them off
        lets ΔBias be written as a sum of non-negative terms instead of quad + lin + signal, which cancel to
        ~1e-10 relative in float64 when the chain barely moves w0."""
        ops, m, e0 = self.ops, self.ops.m, self.e0
        E = ops.vmap(lambda x: 0 * x, N)
        main = N
        raw = getattr(ops, "raw", None)
        for _ in range(steps):
            if raw is not None:  # mpmath: tr((main + E)e0) as two exact dots, raw products (theory._mpvec)
                tr = (raw.wdot(m, main, e0) + raw.wdot(m, E, e0)) / self.den0
                E, main = raw.affine(self.L, E, self.ae, tr), raw.scale(self.L, main)
                continue
            tr = ops.dot(m, ops.vmap(lambda x, y, e: (x + y) * e, main, E, e0)) / self.den0
            E = ops.vmap(lambda ll, y, ae, tr=tr: ll * y + ae * tr, self.L, E, self.ae)
            main = ops.vmap(lambda ll, x: ll * x, self.L, main)
        return E

    def trace_sum(self, N, n: int):
        r""":math:`\sum_{j=0}^{n-1}\mathrm{tr}\,\Phi^j(N)e_0/(T_0 - \mathrm{df}_2(\kappa_0))`."""
        cl = self.closed(n)
        if cl is not None:
            return cl.trace_sum(N, n)
        acc = 0 * self.ops.one
        for j in range(n):
            acc = acc + self.trace(N)
            if j + 1 < n:
                N = self.step(N)
        return acc


def _bias_ols(p, ops, chain, out, steps):
    d, T = p.d, p.downstream.T
    ev, s = ops.u, ops.s
    Dn = ops.vmap(lambda x: x**steps, chain.D)  # E u = D^steps w0 (diagonal)
    # A = I exactly: no downstream bias, exact OLS variance, H = Σ̂RΣΣ̂R = Σ
    out.update(bias=0 * ops.one, variance=ops.sigma**2 * d / ops.frac(T - d - 1), kappa=0 * ops.one,
               df1=ops.one * d, df2=ops.one * d)
    # E‖u − w0‖²_Σ = Σ_j c_j² λ_j (1 − D_j^s)² + (trace terms): E‖u‖²_Σ − 2 w0ᵀΣ E u + ‖w0‖²_Σ regrouped.
    out["delta_bias"] = (ops.dot(s, ops.vmap(lambda u, x: u * (1 - x) ** 2, ev, Dn))
                         + chain.trace_dot(s, ev, steps))
    return ev  # E H


def _bias_ridge(p, ops, chain, out, ds, steps):
    ev, s = ops.u, ops.s
    k, df2, gap = ds["kappa"], ds["df2"], ds["gap"]
    Dn = ops.vmap(lambda x: x**steps, chain.D)
    MB = ops.vmap(lambda u: k**2 * u / (u + k) ** 2 / gap, ev)
    rest = ops.vmap(lambda u: u - 2 * u * k / (u + k), ev)  # Σ − 2ΣK
    bias = chain.power_dot(s, MB, steps)
    # E uᵀ(Σ − 2ΣK)u + 2 w0ᵀΣ(K − I) E u + ‖w0‖²_Σ, regrouped per eigen-direction with x = D_j^s,
    # K_j = κ/(λ_j + κ): λ_j[x²(1 − 2K_j) − 2(1 − K_j)x + 1] = λ_j[(1 − x)² + 2K_j x(1 − x)] >= 0,
    # plus the trace terms of Φ^s(Σ − 2ΣK); no catastrophic cancellation (see trace_part).
    main = ops.vmap(lambda u, x: u * ((1 - x) ** 2 + 2 * (k / (u + k)) * x * (1 - x)), ev, Dn)
    out.update(bias=bias, variance=ds["variance"],
               delta_bias=ops.dot(s, main) + chain.trace_dot(s, rest, steps))
    # E H ≃ Σ³(Σ+κ)^-2 + κ²Σ(Σ+κ)^-2 df2/(T − df2) (diagonal; tr of it against Σ(Σ+κ0)^-2 is Eq. 18)
    tmd2 = ds["tmd2"]
    return ops.vmap(lambda u: u**3 / (u + k) ** 2 + k**2 * u / (u + k) ** 2 * df2 / tmd2, ev)


def _rho(p, case, ops, chain, EH):
    d, n, T0 = p.d, p.chain.n, p.chain.T0
    if p.chain.design == "shared":
        rho = chain.trace(EH)  # Eq. 18
    else:
        # Independent designs: generation m's noise reaches ŵ_n through P_{n−1}⋯P_{m+1}X_m^†, so its term is
        # Eq. 18's trace against Φ^(n−1−m)(E H); ρ is the mean of the n terms (Eq. 32). Every term is a sum
        # of non-negative numbers (Φ maps non-negative diagonals to non-negative diagonals).
        rho = chain.trace_sum(EH, n) / n
    if case.normalization == "finite":  # Σ = sI only: exact prefactor T0/(d − T0 − 1) instead of T0/(d − T0)
        rho = rho * ops.frac(Fraction(d - T0, d - T0 - 1))
    return rho


def compute(p, case, ops) -> dict:
    """Every quantity of the over-parametrised chain (see the module docstring)."""
    n, T0 = p.chain.n, p.chain.T0
    zero = 0 * ops.one
    out = dict(collapse=zero, kappa0=ops.kappa0(T0))
    ds = ridge.downstream(p, ops)
    out.update(kappa=ds["kappa"], df1=ds["df1"], df2=ds["df2"])
    chain = LemmaF8(ops, out["kappa0"]).at(T0)
    steps = n if p.chain.design == "independent" else 1
    if case.ols_exact:
        EH = _bias_ols(p, ops, chain, out, steps)
    else:
        EH = _bias_ridge(p, ops, chain, out, ds, steps)
    out["rho"] = _rho(p, case, ops, chain, EH) if case.rho else None
    if out["rho"] is not None and n and ops.sigma0**2 != 0:
        out["collapse"] = n * ops.sigma0**2 * out["rho"]
    if out["delta_bias"] < 0:
        # For an anisotropic Σ a projection can lengthen w0 in the Σ-norm, so the remainder ΔBias of the
        # chain's bias beyond E‖(A − I)u‖²_Σ can be (slightly) negative: keep it in ``bias`` so every reported
        # part is non-negative and the parts still sum to the total.
        out["bias"] = out["bias"] + out["delta_bias"]
        out["delta_bias"] = 0 * ops.one
    return out


def symbolic(p, case):
    """The general closed form for Σ = sI (Thms 4.5/4.6, Eq. 18 and its independent-design twin)."""
    from symcollapse.spec import exact  # noqa: PLC0415
    from symcollapse.theory import formulas as F  # noqa: PLC0415
    from symcollapse.theory import symbols as S  # noqa: PLC0415

    if not case.isotropic:
        raise NotImplementedError(
            "no closed symbolic form for an over-parametrised chain with anisotropic Σ (Lemma F.8's map is "
            "iterated n times); use formula(problem) for the numeric expression"
        )
    eta = F.eta(p.chain.design)
    noisy = exact(p.chain.sigma0) != 0
    # n generations' noise: n identical Eq. 18 terms (shared design), or the geometric sum
    # Σ_{m<n} φ0^(−m) = (1 − φ0^(−n))/(1 − 1/φ0) of Φ^m = φ0^(−m) (independent designs, Σ = I)
    reps = S.n if p.chain.design == "shared" else (1 - S.phi0**(-S.n)) / (1 - 1 / S.phi0)
    if case.ols_exact:
        expr = (1 - eta) * S.w0norm**2 + S.sigma**2 * S.d / (S.T - S.d - 1)
        if noisy:
            expr += reps * S.sigma0**2 * S.T0 / (S.d - S.T0 - 1)
        return expr
    k = F.kappa_isotropic()
    expr = F.error_overparam_isotropic(eta, kappa=k)
    if noisy:
        expr += reps * S.sigma0**2 * F.rho_eq18_isotropic(case.normalization, kappa=k)
    return expr


def numeric_isotropic(p, case, q, s, w):
    """Exact value for Σ = sI: η = (T0/d)^n (independent) or T0/d (shared), the square root of Eq. 11 kept."""
    import sympy as sp  # noqa: PLC0415

    from symcollapse.theory import formulas as F  # noqa: PLC0415

    R = sp.Rational
    d, T, T0, n = p.d, p.downstream.T, p.chain.T0, p.chain.n
    lam, sigma, sigma0 = q(p.downstream.lam), q(p.downstream.sigma), q(p.chain.sigma0)
    phi, phi0 = R(d, T), R(d, T0)
    w0 = sp.sqrt(s * w)
    independent = p.chain.design == "independent"
    eta = R(T0, d) ** (n if independent else 1)
    # shared: n identical Eq. 18 terms; independent: Σ_{m<n} (T0/d)^m (Φ = (T0/d)·id for Σ = sI)
    reps = (1 - eta) / (1 - R(T0, d)) if independent else n
    if case.ols_exact:
        expr = (1 - eta) * w0**2 + sigma**2 * R(d, T - d - 1)
        if sigma0 != 0:
            expr += reps * sigma0**2 * R(T0, d - T0 - 1)
        return expr
    k = F.kappa_isotropic(lam=lam / s, phi=phi)
    expr = F.error_overparam_isotropic(eta, kappa=k, phi=phi, sigma=sigma, w0norm=w0)
    if sigma0 != 0:
        expr += reps * sigma0**2 * F.rho_eq18_isotropic(case.normalization, kappa=k, phi=phi, phi0=phi0, d=d)
    return expr
