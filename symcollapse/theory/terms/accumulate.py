r"""Accumulate and accumulate-subsample chains (Gerstgrasser et al., arXiv 2404.01413): regimes and terms.

.. math::
    E = \mathrm{Bias} + \mathrm{Var} + n_{\rm eff}\,\sigma_0^2\rho,\qquad
    n_{\rm eff} = (T_0-d-1)\sum_{k\le n}\frac{1}{k(kT_0-d-1)}\ \text{(independent)},\quad
    n_{\rm eff} = \sum_{k\le n}\frac1{k^2}\ \text{(shared)},

Cor 4.4 (Eq. 19, finite normalisation of Thm F.1) with :math:`n \to n_{\rm eff} < \pi^2/6`: exact in expectation
at :math:`\lambda = 0`, :math:`T \ge d + 2` (then :math:`\sigma^2d/(T-d-1) + \mathbb E\|\hat w_n - w_0\|^2_\Sigma`), a
deterministic equivalent otherwise (package derivation; docs/theory/workflows.md §1). Needs
:math:`T_0 \ge d + 2` (or a noiseless chain with :math:`T_0 \ge d`); :math:`T_0 < d` and the subsampled chain
beyond generation 1 are simulation only (``RegimeError``). Generation 1 of accumulate-subsample is the
replace chain's, so :math:`n \le 1` is covered by the same formula.
"""

from __future__ import annotations

from symcollapse.spec import RegimeError
from symcollapse.theory import terms as _terms
from symcollapse.theory.terms import _wfcommon as C

__all__ = ["compute", "symbolic", "numeric", "numeric_isotropic"]


def compute(p, case, ops) -> dict:
    from symcollapse.theory import _workflows as W  # noqa: PLC0415  (imports SymPy: only when used)

    a = C.inputs(p, ops)
    ch = p.chain
    wv = W.accumulate_downstream(
        a["eigenvalues"],
        a["coefficients"],
        ch.T0,
        ch.n,
        a["sigma0"],
        ch.design,
        a["T"],
        a["lam"],
        a["sigma"],
        dps=a["dps"],
    )
    return C.quantities(wv, ops)


def symbolic(p, case):
    """The chain's exact error :func:`~symcollapse.theory._workflows.accumulate_error_expr` plus the downstream
    (λ = 0: :math:`\\sigma^2d/(T-d-1)`; ridge: Cor 4.4's expression with :math:`n \\to n_{\\rm eff}`)."""
    from symcollapse.theory import _workflows as W  # noqa: PLC0415
    from symcollapse.theory import formulas as F  # noqa: PLC0415
    from symcollapse.theory import symbols as S  # noqa: PLC0415

    if case.regime.kind == "exact":
        return S.sigma**2 * S.d / (S.T - S.d - 1) + W.accumulate_error_expr(p.chain.design, closed=False)
    n_eff = W.accumulate_n_eff_expr(p.chain.design)
    return F.bias_prop42() + F.variance_prop42() + n_eff * S.sigma0**2 * F.rho_eq19("finite")


def _exact_value(p):
    """The exact rational value at λ = 0, T >= d + 2 (Thm 4.1's downstream plus the chain's exact sum)."""
    import sympy as sp  # noqa: PLC0415

    from symcollapse.spec import exact  # noqa: PLC0415

    d, T, T0, n = p.d, p.downstream.T, p.chain.T0, p.chain.n
    q = lambda x: sp.Rational(exact(x).numerator, exact(x).denominator)  # noqa: E731
    val = q(p.downstream.sigma) ** 2 * sp.Rational(d, T - d - 1)
    if n and p.chain.sigma0 != 0:
        k = sp.Symbol("k", positive=True, integer=True)
        term = (
            1 / (k * (k * T0 - d - 1))
            if p.chain.design == "independent"
            else sp.Rational(1, T0 - d - 1) / k**2
        )
        val += q(p.chain.sigma0) ** 2 * d * sp.summation(term, (k, 1, n))
    return val


def numeric(p, case, q, kappa=None):
    """Exact rationals in the exact regime; otherwise the 60-digit value of ``predict`` as a SymPy Float."""
    import sympy as sp  # noqa: PLC0415

    from symcollapse.theory.predict import predict  # noqa: PLC0415

    if case.regime.kind == "exact":
        return _exact_value(p)
    return sp.Float(predict(p, dps=60).total, 60)


def numeric_isotropic(p, case, q, s, w):
    return numeric(p, case, q)


def _subsample_guard(f, normalization):
    if f.n >= 2:
        raise RegimeError(
            f"accumulate-subsample with n = {f.n} >= 2: no formula is derived (Dey & Donoho, arXiv 2410.22812, give "
            "a Gaussian-limit covariance recursion); simulation only (simulate(..., method='workflow-reference'))"
        )
    C.guard_source(f, normalization)


_terms.register("accumulate", __import__(__name__, fromlist=["compute"]))
for _wf, _guards in (("accumulate", [C.guard_source]), ("accumulate-subsample", [_subsample_guard])):
    C.rule(
        f"{_wf}-exact",
        "accumulate chain (package derivation) + Thm 4.1 downstream",
        True,
        ("T0 >= d + 2 (or σ0 = 0, T0 >= d)", "λ = 0", "T >= d + 2", "real_fraction = 0 or collapse-free"),
        "accumulate",
        _wf,
        applies=lambda f: f.ols_exact,
        strategy=_wf,
        guards=_guards,
    )
    C.rule(
        _wf,
        "Cor 4.4 (Eq. 19) with n → n_eff (accumulate; package derivation)",
        False,
        ("T0 >= d + 2 (or σ0 = 0, T0 >= d)", "not (λ = 0 and T >= d + 2)",
         "real_fraction = 0 or collapse-free"),
        "accumulate",
        _wf,
        applies=lambda f: not f.ols_exact,
        strategy=_wf,
    )
