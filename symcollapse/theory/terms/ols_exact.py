r"""Thm 4.1: the exact finite-sample identity at :math:`\lambda = 0`, :math:`T \ge d + 2` (any :math:`\Sigma`).

.. math:: E = \sigma^2\frac{d}{T-d-1} + n\sigma_0^2\frac{d}{T_0-d-1}

(inverse-Wishart means, Lemma F.3; paper Thm 4.1, see docs/theory/results.md). The collapse term needs
:math:`T_0 \ge d + 2`; a collapse-free chain (:math:`n = 0`, or :math:`\sigma_0 = 0` with :math:`T_0 \ge d`)
has none.
"""

from __future__ import annotations

__all__ = ["compute", "symbolic", "numeric"]


def compute(p, case, ops) -> dict:
    d, n, T0, T = p.d, p.chain.n, p.chain.T0, p.downstream.T
    one = ops.one
    zero = 0 * one
    sig02 = ops.sigma0**2
    out = dict(bias=zero, delta_bias=zero, kappa0=ops.kappa0(T0) if T0 < d else None)
    out.update(kappa=zero, df1=one * d, df2=one * d, variance=ops.sigma**2 * d / ops.frac(T - d - 1))
    out["rho"] = one * d / ops.frac(T0 - d - 1) if case.rho else None
    out["collapse"] = n * sig02 * out["rho"] if (n and sig02 != 0) else zero
    return out


def symbolic(p, case):
    from symcollapse.theory import formulas as F  # noqa: PLC0415

    return F.thm41_exact()


def numeric(p, case, q):
    """The exact SymPy value (``q`` converts a spec number to a Rational)."""
    import sympy as sp  # noqa: PLC0415

    d, T, T0, n = p.d, p.downstream.T, p.chain.T0, p.chain.n
    sigma, sigma0 = q(p.downstream.sigma), q(p.chain.sigma0)
    expr = sigma**2 * sp.Rational(d, T - d - 1)
    if n != 0 and sigma0 != 0 and case.rho:
        expr += n * sigma0**2 * sp.Rational(d, T0 - d - 1)
    return expr
