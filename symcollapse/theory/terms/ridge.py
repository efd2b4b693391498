r"""Prop 4.2 / Cor 4.4 (any :math:`\Sigma`), with :math:`\rho` of Eq. 19 (paper §4.2; docs/theory/results.md).

.. math::
    \mathrm{Bias} = \frac{\kappa^2 w_0^\top\Sigma(\Sigma+\kappa)^{-2}w_0}{1-\mathrm{df}_2/T},\qquad
    \mathrm{Var} = \sigma^2\frac{\mathrm{df}_2/T}{1-\mathrm{df}_2/T},\qquad
    \mathrm{collapse} = n\sigma_0^2\rho,\quad
    \rho = \frac{\mathrm{df}_2 + \kappa^2\,\mathrm{tr}(\Sigma+\kappa)^{-2}\,\mathrm{df}_2/(T-\mathrm{df}_2)}{T_0 - d - \delta}

with Eq. 19's :math:`T_0 - d` for ``"paper"`` and :math:`T_0 - d - 1` for ``"finite"`` (Thm F.1). For
:math:`\lambda = 0`, :math:`T < d`, :math:`\kappa` is the ridgeless root of :math:`\mathrm{df}_1(\kappa) = T`.
"""

from __future__ import annotations

from symcollapse.spec import RegimeError

__all__ = ["compute", "downstream", "symbolic", "numeric"]

# Below this 1 − df2/T is recomputed without cancellation (it would lose more than 3 digits). Above it the
# direct form is kept, bit for bit the values every reference was computed with.
_CANCEL = 1e-3


def downstream(p, ops) -> dict:
    """The downstream ridge's deterministic equivalents (Eq. 9, Prop 4.2) shared by every result."""
    d, T = p.d, p.downstream.T
    k = ops.kappa(T)
    df1, df2, btr, tr2 = ops.sums(k)
    gap = 1 - df2 / T
    tmd2 = T - df2
    if gap < _CANCEL and k > 0:
        # 1 − df2/T cancels when df2 ≈ T (T ≈ d at λ ≈ 0). Eq. 9 gives 1 − df1/T = λ/κ, so
        # 1 − df2/T = λ/κ + Σ_j λ_jκ/(λ_j + κ)²/T, a sum of non-negative terms.
        tmd2 = ops.lam * T / k + k * ops.dot(ops.m, ops.vmap(lambda u: u / (u + k) ** 2, ops.u))
        gap = tmd2 / T
    if not gap > 0:
        raise RegimeError(
            f"1 − df2(κ)/T = {float(gap):.3g} <= 0 at λ = {float(ops.lam):g}, T = {T}, d = {d}: the "
            "deterministic equivalent is singular here (T too close to d at λ ≈ 0)"
        )
    return dict(kappa=k, df1=df1, df2=df2, btr=btr, tr2=tr2, gap=gap, tmd2=tmd2, bias=k**2 * btr / gap,
                variance=ops.sigma**2 * (df2 / T) / gap)


def compute(p, case, ops) -> dict:
    d, n, T0, _T = p.d, p.chain.n, p.chain.T0, p.downstream.T
    zero = 0 * ops.one
    out = dict(delta_bias=zero, collapse=zero, kappa0=ops.kappa0(T0) if T0 < d else None)
    ds = downstream(p, ops)
    k, df2 = ds["kappa"], ds["df2"]
    # Numerator of ρ (Eq. 19 bracket = deterministic equivalent of E tr Σ⁻¹Σ̂RΣΣ̂R).
    num = df2 + k**2 * ds["tr2"] * df2 / ds["tmd2"]
    out.update(kappa=k, df1=ds["df1"], df2=df2, bias=ds["bias"], variance=ds["variance"])
    out["rho"] = num / ops.frac(T0 - d - case.delta) if case.rho else None
    if out["rho"] is not None and n and ops.sigma0**2 != 0:
        out["collapse"] = n * ops.sigma0**2 * out["rho"]
    return out


def symbolic(p, case):
    from symcollapse.theory import formulas as F  # noqa: PLC0415
    from symcollapse.theory import symbols as S  # noqa: PLC0415

    nrm = case.normalization
    if case.isotropic:
        k = F.kappa_isotropic()
        return F.bias_variance_isotropic(kappa=k) + S.n * S.sigma0**2 * F.rho_isotropic(nrm, kappa=k)
    return F.bias_prop42() + F.variance_prop42() + S.n * S.sigma0**2 * F.rho_eq19(nrm)


def numeric_isotropic(p, case, q, s, w):
    """Exact closed form for Σ = sI (κ of Eq. 11 with its square root kept symbolic)."""
    import sympy as sp  # noqa: PLC0415

    from symcollapse.theory import formulas as F  # noqa: PLC0415

    R = sp.Rational
    d, T, T0, n = p.d, p.downstream.T, p.chain.T0, p.chain.n
    lam, sigma, sigma0 = q(p.downstream.lam), q(p.downstream.sigma), q(p.chain.sigma0)
    k = F.kappa_isotropic(lam=lam / s, phi=R(d, T))
    expr = F.bias_variance_isotropic(kappa=k, phi=R(d, T), sigma=sigma, w0norm=sp.sqrt(s * w))
    if n != 0 and sigma0 != 0:
        expr += n * sigma0**2 * F.rho_isotropic(case.normalization, kappa=k, phi=R(d, T), phi0=R(d, T0), d=d)
    return expr


def numeric(p, case, q, kappa):
    """General spectrum: the Prop 4.2 / Cor 4.4 sums expanded over the distinct eigenvalues, κ a Float."""
    import sympy as sp  # noqa: PLC0415

    from symcollapse.theory import _spectral  # noqa: PLC0415
    from symcollapse.theory import formulas as F  # noqa: PLC0415
    from symcollapse.theory import symbols as S  # noqa: PLC0415

    d, T, T0, n = p.d, p.downstream.T, p.chain.T0, p.chain.n
    sigma, sigma0 = q(p.downstream.sigma), q(p.chain.sigma0)
    uq, mult, ws = _spectral.groups(p, "sympy")
    j, ev, c = S.j, S.ev, S.c
    general = F.bias_prop42() + F.variance_prop42()
    if n != 0 and sigma0 != 0:
        general += S.n * S.sigma0**2 * F.rho_eq19(case.normalization)
    # Substitute the scalars first so every expanded term collapses to a number as it is built.
    general = general.xreplace({S.kappa: kappa, S.T: sp.Integer(T), S.T0: sp.Integer(T0), S.d: sp.Integer(d),
                                S.n: sp.Integer(n), S.sigma: sigma, S.sigma0: sigma0})

    def expand(e):
        if isinstance(e, sp.Sum):
            f = e.function
            return sp.Add(*[m * f.xreplace({c[j] ** 2: wv / m, ev[j]: uv}) for uv, m, wv in zip(uq, mult, ws)])
        if e.args:
            return e.func(*[expand(a) for a in e.args])
        return e

    return expand(general)
