r"""A real/synthetic mixture downstream of a chain: ``Ridge(real_fraction=p)`` after a replace, accumulate,
accumulate-subsample (:math:`n \le 1`) or mix chain. Regimes, terms, SymPy builders.

The downstream sees :math:`T_{real} = \lfloor pT\rceil` rows labelled by :math:`w_0` and the rest by the chain's
output :math:`\hat w_n = w_0 + \Delta`, all with noise σ; :math:`p` is the realised fraction :math:`T_{real}/T`,
:math:`p_2 = 1 - p`. For an OLS chain with :math:`T_0 \ge d + 2`, :math:`\mathbb E\Delta = 0` and
:math:`\mathbb E\,\Delta\Delta^\top = v\Sigma^{-1}` (:func:`~symcollapse.theory._workflows.chain_cov_scale`), so the
fixed-shift deterministic equivalent averaged over Δ (package derivation; docs/theory/workflows.md §3,
derivations/strong_mixture.py and derivations/chain_mixture.py) is

.. math:: E \simeq \mathrm{Bias} + \mathrm{Var} + v\Big[p_2^2\,\mathrm{df}_2 + \big(p_2^2\kappa^2\mathrm{tr}(\Sigma+\kappa)^{-2}
          + p p_2 d\big)\frac{\mathrm{df}_2}{T - \mathrm{df}_2}\Big],

Bias and Var of Prop 4.2 at :math:`\kappa = \kappa(\lambda, T)` (Eq. 9), with

* replace: :math:`v = n\sigma_0^2/(T_0 - d - 1)` (Thm 4.1's proof);
* accumulate: :math:`v = n_{\rm eff}\sigma_0^2/(T_0 - d - 1)`, :math:`n_{\rm eff} = (T_0 - d - 1)\sum_{k\le n}\frac{1}{k(kT_0-d-1)}`
  (independent) or :math:`\sum_{k\le n}1/k^2` (shared); accumulate-subsample for :math:`n \le 1` (generation 1 is
  the replace chain's);
* mix: :math:`v = a_n/d`, :math:`a_n` the exact recursion of the mix chain.

Kind: exact at :math:`\lambda = 0`, :math:`T \ge d + 2` when the realised :math:`T_{real} \in \{0, T\}` (then it is
Thm 4.1's identity with :math:`n\sigma_0^2/(T_0-d-1) \to v`, or the clean OLS error); a deterministic equivalent
otherwise (the mixing of the two row sets is where the :math:`O(1/d)` error enters). ``collapse`` is the
:math:`v[\dots]` term. Outside (``T0 < d + 2`` with σ0 > 0, ``T0 < d``, accumulate-subsample with n >= 2, ridge inside
the mix chain): ``RegimeError`` from the workflow's guards.
"""

from __future__ import annotations

import math

from symcollapse.theory import terms as _terms
from symcollapse.theory.regimes import GUARDS as _GUARDS
from symcollapse.theory.terms import _wfcommon as C

__all__ = ["ChainMixture", "TERMS_BY_CHAIN"]


def _real_rows(p) -> int:
    """:math:`T_{real} = \\lfloor pT + 1/2\\rfloor`, as the simulator and ``realised_fraction`` round it."""
    return int(math.floor(float(C.real_fraction(p)) * p.downstream.T + 0.5))


class ChainMixture:
    """The terms (``compute``, ``symbolic``, ``numeric``) of a mixture whose synthetic source is a ``chain``
    of the given kind (``"replace"``, ``"accumulate"`` or ``"mix"``): one registered object per kind, so a
    workflow registered from outside with a copy of these regimes dispatches on the object, not on its key."""

    def __init__(self, chain: str):
        self.chain = chain

    # -- the chain's covariance scale v, in the backend's arithmetic ------------------------------------
    def cov_scale(self, p, a):
        from symcollapse.theory import _workflows as W  # noqa: PLC0415  (imports SymPy: only when used)

        ch = p.chain
        if self.chain == "mix":
            return W.chain_cov_scale(
                "mix",
                p.d,
                ch.T0,
                ch.n,
                a["sigma0"],
                ch.design,
                a["conv"](ch.real_weight),
                dps=a["dps"],
                T_real=ch.T_real or None,
            )
        return W.chain_cov_scale(self.chain, p.d, ch.T0, ch.n, a["sigma0"], ch.design, dps=a["dps"])

    def compute(self, p, case, ops) -> dict:
        from symcollapse.theory import _workflows as W  # noqa: PLC0415

        a = C.inputs(p, ops)
        wv = W.mixture_chain_downstream(
            a["eigenvalues"],
            a["coefficients"],
            a["T"],
            a["lam"],
            a["sigma"],
            a["conv"](C.real_fraction(p)),
            self.cov_scale(p, a),
            dps=a["dps"],
        )
        return C.quantities(wv, ops)

    # -- SymPy ------------------------------------------------------------------------------------------
    def v_expr(self, p):
        r"""The chain's :math:`v` in the package's symbols (closed forms in :math:`n`)."""
        import sympy as sp  # noqa: PLC0415

        from symcollapse.theory import _workflows as W  # noqa: PLC0415
        from symcollapse.theory import symbols as S  # noqa: PLC0415

        if self.chain == "replace":
            return S.n * S.sigma0**2 / (S.T0 - S.d - 1)
        if self.chain == "accumulate":
            return S.sigma0**2 * W.accumulate_n_eff_expr(p.chain.design) / (S.T0 - S.d - 1)
        c = sp.Symbol("c", positive=True)
        cs = S.sigma0**2 * S.d / (S.T0 - S.d - 1)
        cr = cs if not p.chain.T_real else S.sigma0**2 * S.d / (sp.Symbol("T_real", positive=True) - S.d - 1)
        an = W.mix_error_expr(c_real=cr, c_syn=cs) if p.chain.T_real else W.mix_error_expr().xreplace({c: cs})
        return an / S.d

    def symbolic(self, p, case):
        """:func:`~symcollapse.theory._workflows.mixture_chain_expr` with :math:`v` = :meth:`v_expr`; in the
        exact regime its λ = 0, T >= d + 2 form :math:`\\sigma^2d/(T-d-1) + v[p_2^2d + pp_2d^2/(T-d-1)]`."""
        from symcollapse.theory import _workflows as W  # noqa: PLC0415
        from symcollapse.theory import symbols as S  # noqa: PLC0415

        v, p_ = self.v_expr(p), W.p_sym
        if case.regime.kind == "exact":
            g = S.d / (S.T - S.d - 1)
            return S.sigma**2 * g + v * ((1 - p_) ** 2 * S.d + p_ * (1 - p_) * S.d * g)
        return W.mixture_chain_expr().xreplace({W.v_sym: v})

    def v_exact(self, p):
        """:math:`v` as an exact SymPy rational (the exact regime: every input rational)."""
        import sympy as sp  # noqa: PLC0415

        from symcollapse.spec import exact  # noqa: PLC0415
        from symcollapse.theory import _workflows as W  # noqa: PLC0415

        R = lambda x: sp.Rational(exact(x).numerator, exact(x).denominator)  # noqa: E731
        d, ch = p.d, p.chain
        s02 = R(ch.sigma0) ** 2
        if self.chain == "replace":
            return s02 * sp.Rational(ch.n, ch.T0 - d - 1)
        if self.chain == "accumulate":
            ks = range(1, ch.n + 1)
            if ch.design == "independent":
                return s02 * sum((sp.Rational(1, k * (k * ch.T0 - d - 1)) for k in ks), sp.Integer(0))
            return s02 * sum((sp.Rational(1, k * k) for k in ks), sp.Integer(0)) / (ch.T0 - d - 1)
        Tr = ch.T_real or ch.T0
        an = W.mix_recursion(
            ch.n, R(ch.real_weight), s02 * sp.Rational(d, Tr - d - 1), s02 * sp.Rational(d, ch.T0 - d - 1)
        )
        return an / d

    def numeric(self, p, case, q, kappa=None):
        """Exact rationals in the exact regime; otherwise ``predict``'s 60-digit value as a SymPy Float
        (κ has no closed form for a general Σ)."""
        import sympy as sp  # noqa: PLC0415

        from symcollapse.theory.predict import predict  # noqa: PLC0415

        if case.regime.kind != "exact":
            return sp.Float(predict(p, dps=60).total, 60)
        d, T = p.d, p.downstream.T
        pr = sp.Rational(_real_rows(p), T)
        g = sp.Rational(d, T - d - 1)
        val = q(p.downstream.sigma) ** 2 * g + self.v_exact(p) * ((1 - pr) ** 2 * d + pr * (1 - pr) * d * g)
        return sp.nsimplify(val)

    def numeric_isotropic(self, p, case, q, s, w):
        return self.numeric(p, case, q)


TERMS_BY_CHAIN = {kind: ChainMixture(kind) for kind in ("replace", "accumulate", "mix")}
for _kind, _obj in TERMS_BY_CHAIN.items():
    _terms.register(f"chainmix-{_kind}", _obj)


def _exact(f) -> bool:
    return C.mixture_on(f) and f.ols_exact and _real_rows(f.problem) in (0, f.T)


def _deteq(f) -> bool:
    return C.mixture_on(f) and not _exact(f)


_THM = "real/synthetic mixture, {} chain as the source (package derivation)"
_COND = ("real_fraction > 0", "n >= 1, σ0 > 0", "T0 >= d + 2")
_EXACT_COND = ("λ = 0", "T >= d + 2", "realised T_real ∈ {0, T}")
_DETEQ_COND = ("not (λ = 0, T >= d + 2, T_real ∈ {0, T})", "T − df2 > 0")
# workflow key, chain kind (terms), extra conditions, the first plain rule of the workflow (precedence)
_TABLE = (
    ("replace", "replace", (), "thm41"),
    ("accumulate", "accumulate", (), "accumulate-exact"),
    ("accumulate-subsample", "accumulate", ("n <= 1",), "accumulate-subsample-exact"),
    ("mix", "mix", ("lam0 = 0", "T_real = 0 or T_real >= d + 2"), "mix-exact"),
)
for _wf, _kind, _extra, _first in _TABLE:
    for _is_exact, _applies in ((True, _exact), (False, _deteq)):
        C.rule(
            f"{_wf}-mixture" + ("-exact" if _is_exact else ""),
            _THM.format(_wf),
            _is_exact,
            (*_COND, *_extra, *(_EXACT_COND if _is_exact else _DETEQ_COND)),
            f"chainmix-{_kind}",
            _wf,
            applies=_applies,
            strategy=f"{_wf}-mixture",
            before=_first,
        )

# The replace workflow's guards: refuse a mixture the rules above do not cover (T0 < d + 2) before the
# replace guards, whose messages do not mention real_fraction.
if C.guard_mixture not in _GUARDS.setdefault("replace", []):
    _GUARDS["replace"].insert(0, C.guard_mixture)
