"""Three-way agreement of every implemented formula: SymPy (formula(), lambdified to float64) vs the float
path of predict vs its mpmath path; and the mpmath path at 40 digits against itself at 60 digits.

Tolerances: 1e-10 relative between float64 evaluations (both are ~1e-14 accurate; the margin covers the
conditioning 1/(1 − df₂/T) of κ); the 40-digit value must agree with the 60-digit one to the digits it
reports (|v40 − v60| ≤ 10^(1 − digits)·|v60|), and report at least 35 of them.

What the SymPy leg is independent of, per regime. Exact results (Thm 4.1, the ``-ols`` variants), every
isotropic Σ and the anisotropic ridge results (Prop 4.2, Cor 4.4: ``ridge.numeric`` expands the symbolic sums of
``symcollapse.theory.formulas``) go through their own SymPy transcriptions, so there the leg checks the float
code against a second writing of the formula. For an
anisotropic over-parametrised chain (regimes ``lemmaF8``, ``lemmaF8-eq18``, ``lemmaF8-noisy``, drawn below with
``spectrum_kinds=("power_law", "custom")``) it cannot be made independent of the float path's *code*, only of its
arithmetic, for two precise reasons:

* κ and κ0 are roots of Eq. 9 (paper; docs/theory/setup.md), a polynomial equation of degree up to the number
  of distinct eigenvalues, with no closed form for 5 or more of them: ``formula()`` takes them from
  ``predict(dps=60)`` (mpmath's solver, not the float one) as 60-digit Floats. A SymPy root (``nsolve``) would be
  the same numerical step under another name.
* The chain part is Lemma F.8's map Φ iterated once per projection (``n`` steps, diagonal, see
  ``symcollapse.theory.terms.overparam``); it has no closed form in ``n`` for anisotropic Σ (``symbolic=True``
  raises ``NotImplementedError``). By design (one term module evaluated by any backend) ``formula()`` runs that
  module's code with SymPy arithmetic over exact rational eigenvalues, so the SymPy leg here checks float64
  round-off and the float κ solver, not the transcription of Lemma F.8.

The transcription of those regimes is checked independently elsewhere: against Monte Carlo of the materialised
chain (tests/unit/test_predict.py ``test_anisotropic_overparam_chain_lemma_f8_reference``, and
tests/property/test_prop_deterministic.py on drawn anisotropic chains), in the isotropic limit against the closed-form Thms 4.5/4.6 and Eq. 18
(``test_anisotropic_overparam_tends_to_isotropic``), and at ``n = 1`` against the shared design's Eq. 18
(``test_independent_noisy_chain_n1_equals_shared_eq18``).
"""

import math

import mpmath
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from symcollapse.spec import Chain, Problem, Ridge, Spectrum, Target
from symcollapse.testing import REGIMES, log_check, problems
from symcollapse.theory.evaluate import formula, predict

QUANTITIES = ("total", "bias", "variance", "collapse", "delta_bias", "kappa", "rho")


def _regime_problems():
    # every regime of symcollapse.testing, plus the over-parametrised ones with an anisotropic Σ (Lemma F.8)
    kinds = [(r, None) for r in REGIMES] + [(r, ("power_law", "custom"))
                                            for r in ("thm46", "thm45", "eq18", "overparam-noisy")]
    return st.sampled_from(kinds).flatmap(
        lambda rk: problems(rk[0], d=(4, 40), spectrum_kinds=rk[1]))


@settings(max_examples=max(10, settings.default.max_examples * 2))
@given(_regime_problems(), st.sampled_from(["paper", "finite"]))
def test_sympy_float_mpmath_agree(p, normalization):
    expr = formula(p, normalization=normalization)
    assert not expr.free_symbols, expr.free_symbols
    f_sympy = float(sp.lambdify((), expr, modules="math")())
    fl = predict(p, normalization=normalization)
    mp40 = predict(p, dps=40, normalization=normalization)
    f_float = float(fl.total)
    f_mp = float(mp40.total)
    for a, b, what in ((f_sympy, f_float, "sympy vs float"), (f_mp, f_float, "mpmath vs float")):
        ok = math.isclose(a, b, rel_tol=1e-10, abs_tol=1e-300)
        log_check(f"three-way {fl.regime.key} {what}", None, ok)
        assert ok, (what, a, b, fl.regime.key)


@settings(max_examples=max(10, settings.default.max_examples))
@given(_regime_problems())
def test_mpmath_40_digits_agree_with_60(p):
    a = predict(p, dps=40, normalization="finite")
    b = predict(p, dps=60, normalization="finite")
    assert 35 <= a.digits <= 40, a.digits
    with mpmath.workdps(80):
        for q in QUANTITIES:
            x, y = getattr(a, q), getattr(b, q)
            if x is None or y is None:
                assert x is None and y is None
                continue
            ok = abs(x - y) <= mpmath.mpf(10) ** (1 - a.digits) * abs(y)
            log_check(f"mpmath 40 vs 60 {a.regime.key} {q}", None, ok)
            assert ok, (q, x, y, a.digits)


def test_lemma_f8_delta_bias_float_path_has_no_cancellation():
    # Found by the nightly profile: ΔBias written as E‖u‖² − 2w0ᵀΣEu + ‖w0‖² lost ~6 digits in float64 here
    # (ΔBias ≈ 1e-5·‖w0‖²_Σ). The float path now sums non-negative terms; SymPy gives the reference.
    p = Problem(Spectrum.power_law(38, beta=2.0), Target.source(r=1.0), Chain(n=1, T0=30, sigma0=0),
                Ridge(T=41, sigma=0.0, lam=0))
    exact = float(sp.N(formula(p), 30))
    assert math.isclose(float(predict(p).total), exact, rel_tol=1e-10)
