r"""Glue between the regime table and the plain-parameter formulas of :mod:`symcollapse.theory._workflows`.

The workflow formulas take plain numbers and a ``dps``; here a :class:`~symcollapse.spec.Problem` is turned
into those numbers in the arithmetic of the backend that :func:`~symcollapse.theory.predict` runs (float64, or
mpmath at the working precision that :func:`~symcollapse.theory._precision.certify` sets), and the
:class:`~symcollapse.theory._workflows.WorkflowValue` is mapped onto the quantities of a ``Prediction``.
Settings and formulas: docs/theory/workflows.md.

The spectrum and the target enter as their float64 arrays (``Problem.eigenvalues``/``coefficients``): on the
mpmath path the digits are certified for those inputs; the scalars (λ, σ, σ0, w) enter exactly.
"""

from __future__ import annotations

import mpmath

from symcollapse.spec import RegimeError, exact
from symcollapse.theory.regimes import DETEQ, EXACT, Facts, Regime, _guard_ridgeless, register

__all__ = [
    "inputs",
    "quantities",
    "rule",
    "real_fraction",
    "mixture_on",
    "guard_ridgeless",
    "guard_mixture",
    "guard_source",
]


def inputs(p, ops) -> dict:
    """The problem's plain inputs in the backend's arithmetic (``dps`` = the working precision on mpmath)."""
    mp = getattr(ops, "name", "float") == "mp"
    conv = (lambda x: mpmath.mpf(exact(x).numerator) / exact(x).denominator) if mp else float
    ds = p.downstream
    return dict(
        eigenvalues=p.eigenvalues,
        coefficients=p.coefficients,
        T=ds.T,
        lam=conv(ds.lam),
        sigma=conv(ds.sigma),
        sigma0=conv(p.chain.sigma0),
        conv=conv,
        dps=mpmath.mp.dps if mp else None,
    )


def quantities(wv, ops, bias="bias", variance="variance", collapse="collapse") -> dict:
    """A ``WorkflowValue``'s parts as the quantities of a ``Prediction`` (``total`` is added by the caller)."""
    parts = wv.parts
    zero = 0 * ops.one
    return dict(
        bias=parts.get(bias, zero) + zero,
        variance=parts.get(variance, zero) + zero,
        collapse=parts.get(collapse, zero) + zero,
        delta_bias=zero,
        kappa=parts.get("kappa", zero) + zero,
        kappa0=None,
        df1=None,
        df2=parts.get("df2"),
        rho=None,
    )


def real_fraction(p) -> object:
    return getattr(p.downstream, "real_fraction", 0)


def mixture_on(f: Facts) -> bool:
    """A real/synthetic mixture downstream of a chain that moves (``real_fraction != 0``, n >= 1, σ0 > 0).

    With n = 0, or σ0 = 0 and T0 >= d, the chain returns w0 exactly, every label is real and the plain
    rules of the workflow apply unchanged."""
    return f.problem is not None and real_fraction(f.problem) != 0 and f.n >= 1 and not f.s0zero


def _res(f: Facts, normalization: str):
    # every workflow formula uses the finite-sample normalisation T0 − d − 1 (exact for T0 >= d + 2)
    return "finite", 1, True


def rule(
    key: str,
    theorem: str,
    exact_kind: bool,
    conditions: tuple,
    terms: str,
    workflow: str,
    applies,
    strategy: str | None = None,
    guards=None,
    before: str | None = None,
) -> Regime:
    """Register one regime of a workflow (family ``"exact"`` for exact results, else the ridge family);
    ``before``: the key of a rule this one takes precedence over."""
    reg = Regime(
        key,
        theorem,
        EXACT if exact_kind else DETEQ,
        "exact" if exact_kind else "ridge",
        conditions,
        terms,
        workflow=workflow,
        strategy=strategy,
        applies=applies,
        resolve=_res,
    )
    return register(reg, guards=guards, before=before)


# the replace workflow's downstream guard serves every workflow: the ridgeless downstream is the same step
guard_ridgeless = _guard_ridgeless


def guard_mixture(f: Facts, normalization: str) -> None:
    r"""A mixture downstream (``real_fraction != 0``) needs a chain whose error has mean 0 and covariance
    :math:`v\Sigma^{-1}` in expectation: an OLS chain with T0 >= d + 2 (or a noiseless one with T0 >= d)."""
    rf = real_fraction(f.problem) if f.problem is not None else 0
    if rf == 0 or f.n == 0:
        return
    if f.T0 < f.d:
        raise RegimeError(
            f"Ridge.real_fraction = {rf} with workflow {f.workflow!r} and T0 = {f.T0} < d = {f.d}: the chain is "
            "biased (minimum-norm fits) and its error covariance is not ∝ Σ⁻¹, so no mixture formula applies; "
            "use T0 >= d + 2, or simulate (docs/theory/workflows.md §3)"
        )
    if not f.s0zero and f.T0 < f.d + 2:
        raise RegimeError(
            f"Ridge.real_fraction = {rf} with workflow {f.workflow!r} needs T0 >= d + 2 (got T0 = {f.T0}, "
            f"d = {f.d}): the chain's error covariance E (XᵀX)⁻¹ is infinite for T0 <= d + 1 (inverse-Wishart "
            "mean, Lemma F.3); use T0 >= d + 2, or simulate"
        )


def guard_chain_ols(f: Facts, normalization: str) -> None:
    """The chain formulas need an OLS chain with T0 >= d + 2 (or no chain noise and T0 >= d)."""
    if f.n == 0:
        return
    if f.T0 < f.d:
        raise RegimeError(
            f"workflow {f.workflow!r} with T0 = {f.T0} < d = {f.d}: the chain is biased (minimum-norm fits) and "
            "its covariance is not ∝ Σ⁻¹, so no downstream formula applies; simulation only"
        )
    if not f.s0zero and f.T0 < f.d + 2:
        raise RegimeError(
            f"workflow {f.workflow!r} with σ0 > 0 needs T0 >= d + 2 (got T0 = {f.T0}, d = {f.d}): the expected "
            "error of an OLS fit on T0 <= d + 1 rows is infinite (inverse-Wishart mean, Lemma F.3)"
        )


def guard_source(f: Facts, normalization: str) -> None:
    """Shorthand for the guards every chain workflow shares."""
    guard_ridgeless(f, normalization)
    guard_mixture(f, normalization)
    guard_chain_ols(f, normalization)
