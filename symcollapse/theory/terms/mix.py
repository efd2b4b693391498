r"""The mix chain — fresh real labels each round (Garg–Bhattacharya–Sur, arXiv 2509.22341; He–Xu–Cheng,
arXiv 2502.18049): regimes, terms and :func:`optimal_real_weight`.

With :math:`c = \sigma_0^2d/(T_0-d-1)` and :math:`w` the real weight, the chain's error obeys the exact recursion
:math:`a_1 = c`, :math:`a_k = (1-w)^2a_{k-1} + (w^2+(1-w)^2)c` (either design, any Σ, :math:`T_0 \ge d + 2`), and
the downstream is Cor 4.4 (Eq. 19, finite normalisation) with :math:`n \to n_{\rm eff} = a_n/c`:

.. math:: E = \mathrm{Bias} + \mathrm{Var} + \frac{a_n}{d}\Big[\mathrm{df}_2 + \kappa^2\mathrm{tr}(\Sigma+\kappa)^{-2}
          \frac{\mathrm{df}_2}{T-\mathrm{df}_2}\Big],

exact at :math:`\lambda = 0`, :math:`T \ge d + 2`, a deterministic equivalent otherwise (package derivation;
docs/theory/workflows.md §2). ``T_real > 0`` (model averaging, the real fit on its own rows) changes the
recursion to :math:`a_k = (1-w)^2a_{k-1} + w^2c_r + (1-w)^2c`. Ridge inside the chain (``lam0 > 0``) and
:math:`T_0 < d` are simulation only (``RegimeError``).
"""

from __future__ import annotations

from symcollapse.spec import Problem, RegimeError, SpecError
from symcollapse.theory import terms as _terms
from symcollapse.theory.terms import _wfcommon as C

__all__ = ["compute", "symbolic", "numeric", "numeric_isotropic", "optimal_real_weight"]


def compute(p, case, ops) -> dict:
    from symcollapse.theory import _workflows as W  # noqa: PLC0415  (imports SymPy: only when used)

    a = C.inputs(p, ops)
    ch = p.chain
    w = a["conv"](ch.real_weight)
    if ch.T_real == 0:
        wv = W.mix_downstream(
            a["eigenvalues"],
            a["coefficients"],
            ch.T0,
            ch.n,
            a["sigma0"],
            w,
            a["T"],
            a["lam"],
            a["sigma"],
            dps=a["dps"],
        )
    else:
        chain = W.mix_chain_error(p.d, ch.T0, ch.n, a["sigma0"], w, T_real=ch.T_real, dps=a["dps"])
        # the chain's error covariance is (a_n/d)Σ⁻¹ in expectation (every fit is OLS), so the downstream is
        # the chain-source formula at real fraction 0, i.e. Bias + Var + (a_n/d)·[Eq. 19 bracket]
        wv = W.mixture_chain_downstream(
            a["eigenvalues"],
            a["coefficients"],
            a["T"],
            a["lam"],
            a["sigma"],
            0,
            chain.value / p.d,
            dps=a["dps"],
        )
    return C.quantities(wv, ops)


def symbolic(p, case):
    """Downstream (Thm 4.1 at λ = 0, else Cor 4.4's expression) with :math:`n\\sigma_0^2/(T_0-d-1)` replaced by
    :math:`a_n/d`, :math:`a_n` the closed form :func:`~symcollapse.theory._workflows.mix_error_expr`."""
    import sympy as sp  # noqa: PLC0415

    from symcollapse.theory import _workflows as W  # noqa: PLC0415
    from symcollapse.theory import formulas as F  # noqa: PLC0415
    from symcollapse.theory import symbols as S  # noqa: PLC0415

    c = sp.Symbol("c", positive=True)
    an = W.mix_error_expr().xreplace({c: S.sigma0**2 * S.d / (S.T0 - S.d - 1)})
    if case.regime.kind == "exact":
        return S.sigma**2 * S.d / (S.T - S.d - 1) + an
    rho = F.rho_eq19("finite")  # bracket / (T0 − d − 1)
    return F.bias_prop42() + F.variance_prop42() + an / S.d * rho * (S.T0 - S.d - 1)


def numeric(p, case, q, kappa=None):
    """Exact rationals in the exact regime (w rational); otherwise ``predict``'s 60-digit value as a Float."""
    import sympy as sp  # noqa: PLC0415

    from symcollapse.spec import exact  # noqa: PLC0415
    from symcollapse.theory import _workflows as W  # noqa: PLC0415
    from symcollapse.theory.predict import predict  # noqa: PLC0415

    if case.regime.kind != "exact":
        return sp.Float(predict(p, dps=60).total, 60)
    R = lambda x: sp.Rational(exact(x).numerator, exact(x).denominator)  # noqa: E731
    d, T, T0, n = p.d, p.downstream.T, p.chain.T0, p.chain.n
    val = R(p.downstream.sigma) ** 2 * sp.Rational(d, T - d - 1)
    if n and p.chain.sigma0 != 0:
        s02 = R(p.chain.sigma0) ** 2
        Tr = p.chain.T_real or T0
        val += W.mix_recursion(
            n, R(p.chain.real_weight), s02 * sp.Rational(d, Tr - d - 1), s02 * sp.Rational(d, T0 - d - 1)
        )
    return sp.nsimplify(val) if not val.free_symbols else val


def numeric_isotropic(p, case, q, s, w):
    return numeric(p, case, q)


def _guard_mix(f, normalization):
    C.guard_source(f, normalization)
    ch = f.problem.chain
    # round 1 is a ridge fit too when lam0 > 0 (biased: not the OLS recursion), so n = 1 is refused as well
    if ch.lam0 != 0 and f.n >= 1:
        raise RegimeError(
            f"mix chain with ridge inside (lam0 = {ch.lam0}): the exact law is known only conditional on a fixed "
            "design (symcollapse.theory._workflows.mix_ridge_given_design); unconditionally simulation only"
        )
    if ch.T_real and f.n >= 1 and not f.s0zero and ch.T_real < f.d + 2:
        raise RegimeError(f"mix chain: T_real = {ch.T_real} must be >= d + 2 = {f.d + 2} (or 0 for T0)")


def optimal_real_weight(problem=1, symbolic: bool = True, n: int | None = None, **sizes):
    r"""The real-data weight :math:`w` minimising the mix chain's error.

    Parameters
    ----------
    problem : Problem or number
        A problem with ``workflow="mix"`` (``T0 >= d + 2``, ``lam0 = 0``), or the ratio :math:`k = c_s/c_r`
        directly (``T_real=, T_syn=, d=`` give the exact ratio; see
        :func:`symcollapse.theory._workflows.optimal_real_weight`).
    symbolic : bool
        Return the SymPy closed form (``True``) or a float.
    n : int, optional
        ``None``: the weight minimising the :math:`n \to \infty` limit — closed form: the reciprocal golden
        ratio :math:`(\sqrt5 - 1)/2` for equal sizes, :math:`w^\star(k) = (\sqrt{k^2+4k}-k)/2` with
        :math:`k = (T_{real}-d-1)/(T_0-d-1)` (He–Xu–Cheng) when ``T_real > 0``. An integer: the minimiser of
        ``predict``'s error at that ``n`` (numeric, bounded Brent on [0, 1]; a float).

    >>> import symcollapse as sc
    >>> sc.optimal_real_weight()
    -1/2 + sqrt(5)/2
    """
    from symcollapse.theory import _workflows as W  # noqa: PLC0415

    if not isinstance(problem, Problem):
        return W.optimal_real_weight(problem, symbolic=symbolic, **sizes)
    ch = problem.chain
    if getattr(ch.workflow, "key", None) != "mix":
        raise SpecError(f"optimal_real_weight needs a problem with workflow='mix', got {ch.workflow!r}")
    if ch.lam0 != 0:
        raise RegimeError(
            "optimal_real_weight: no closed form with ridge inside the chain (lam0 > 0); use "
            "symcollapse.theory._workflows.optimal_real_weight_given_design for a fixed design"
        )
    if n is None:
        if ch.T_real:
            return W.optimal_real_weight(symbolic=symbolic, T_real=ch.T_real, T_syn=ch.T0, d=problem.d)
        if ch.T0 < problem.d + 2:
            raise RegimeError(f"optimal_real_weight needs T0 >= d + 2 (got T0 = {ch.T0}, d = {problem.d})")
        return W.optimal_real_weight(1, symbolic=symbolic)
    return _numeric_optimum(problem, n)


def _numeric_optimum(problem, n) -> float:
    from scipy.optimize import minimize_scalar  # noqa: PLC0415

    from symcollapse.theory.predict import predict  # noqa: PLC0415

    base = problem.replace(n=n)
    res = minimize_scalar(
        lambda w: float(predict(base.replace(real_weight=float(w))).total),
        bounds=(0.0, 1.0),
        method="bounded",
        options={"xatol": 1e-10},
    )
    return float(res.x)


_terms.register("mix", __import__(__name__, fromlist=["compute"]))
C.rule(
    "mix-exact",
    "mix chain recursion (package derivation) + Thm 4.1 downstream",
    True,
    ("T0 >= d + 2 (or σ0 = 0, T0 >= d)", "lam0 = 0", "λ = 0", "T >= d + 2", "real_fraction = 0 or collapse-free"),
    "mix",
    "mix",
    applies=lambda f: f.ols_exact,
    strategy="mix",
    guards=[_guard_mix],
)
C.rule(
    "mix",
    "Cor 4.4 (Eq. 19) with n → n_eff (mix chain; package derivation)",
    False,
    ("T0 >= d + 2 (or σ0 = 0, T0 >= d)", "lam0 = 0", "not (λ = 0 and T >= d + 2)",
     "real_fraction = 0 or collapse-free"),
    "mix",
    "mix",
    applies=lambda f: not f.ols_exact,
    strategy="mix",
)
