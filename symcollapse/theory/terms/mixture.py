r"""A real/synthetic mixture downstream of a fixed teacher :math:`w_0 + \Delta` (Strong Model Collapse,
Dohmatob, Feng, Subramonian & Kempe, arXiv 2410.04840): the ``"shift"`` source with ``Ridge(real_fraction=p)``.

With :math:`T_{real} = \lfloor pT\rceil`, :math:`p` the realised fraction :math:`T_{real}/T`, :math:`p_2 = 1-p`,
:math:`\bar w = w_0 + p_2\Delta` and :math:`\kappa = \kappa(\lambda, T)` of Eq. 9 (package derivation,
docs/theory/workflows.md §3; deterministic equivalent, any Σ):

.. math:: E \simeq \|\Sigma(\Sigma+\kappa)^{-1}\bar w - w_0\|_\Sigma^2 + \big[\kappa^2\|(\Sigma+\kappa)^{-1}\bar w\|_\Sigma^2
          + \sigma^2 + pp_2\|\Delta\|_\Sigma^2\big]\frac{\mathrm{df}_2}{T-\mathrm{df}_2}.

``bias`` is the first (mean) term, ``variance`` the second; ``collapse`` is 0 (the shift is in both).
"""

from __future__ import annotations

from symcollapse.spec import RegimeError
from symcollapse.theory import terms as _terms
from symcollapse.theory.terms import _wfcommon as C

__all__ = ["compute", "symbolic", "numeric", "numeric_isotropic"]


def compute(p, case, ops) -> dict:
    from symcollapse.theory import _workflows as W  # noqa: PLC0415  (imports SymPy: only when used)

    a = C.inputs(p, ops)
    wv = W.mixture_downstream(
        a["eigenvalues"],
        a["coefficients"],
        p.chain.delta(p.d),
        a["T"],
        a["lam"],
        a["sigma"],
        a["conv"](C.real_fraction(p)),
        dps=a["dps"],
    )
    return C.quantities(wv, ops, bias="mean_part", variance="variance_part")


def symbolic(p, case):
    """:func:`~symcollapse.theory._workflows.mixture_expr` (spectral sums over ``c[j]`` and ``Delta[j]``)."""
    from symcollapse.theory import _workflows as W  # noqa: PLC0415

    return W.mixture_expr()


def numeric(p, case, q, kappa=None):
    """``predict``'s 60-digit value as a SymPy Float (κ has no closed form for a general Σ)."""
    import sympy as sp  # noqa: PLC0415

    from symcollapse.theory.predict import predict  # noqa: PLC0415

    return sp.Float(predict(p, dps=60).total, 60)


def numeric_isotropic(p, case, q, s, w):
    return numeric(p, case, q)


def _guard_shift(f, normalization):
    C.guard_ridgeless(f, normalization)
    p = f.problem
    p.chain.delta(p.d)  # SpecError if Δ has the wrong length
    if f.lam0 and f.T <= f.d - 2:
        return
    if f.lam0 and f.T < f.d + 2:  # pragma: no cover - excluded by guard_ridgeless
        raise RegimeError(f"λ = 0 with T = {f.T}, d = {f.d}: singular")


_terms.register("mixture", __import__(__name__, fromlist=["compute"]))
C.rule(
    "shift-mixture",
    "real/synthetic mixture deterministic equivalent (package derivation)",
    False,
    ("Shift source", "λ > 0 or |T − d| >= 2", "T − df2 > 0"),
    "mixture",
    "shift",
    applies=lambda f: True,
    strategy="shift",
    guards=[_guard_shift],
)

# A chain (replace, accumulate, mix) as the synthetic source: its regimes, registered after the chains' own
from symcollapse.theory.terms import chainmix as _chainmix  # noqa: E402,F401
