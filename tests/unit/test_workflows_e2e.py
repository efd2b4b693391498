"""Every follow-up workflow end to end through the public API: spec → predict (float and mpmath) / formula →
simulate → compare, the RegimeError cases, Shift + real_fraction, and serialisation.
Formulas and regimes: docs/theory/workflows.md."""

import math

import mpmath
import pytest
import sympy as sp

import symcollapse as sc
from symcollapse.compare import compare
from symcollapse.simulate.monte_carlo import MCResult, simulate
from symcollapse.spec import RegimeError, SpecError

K = 4.0


def _prob(workflow="accumulate", d=6, n=4, T0=30, T=40, lam=0.05, sigma0=0.5, design="independent", spec="pl",
          **params):
    s = sc.Spectrum.power_law(d, beta=1.5) if spec == "pl" else sc.Spectrum.isotropic(d)
    return sc.Problem(s, sc.Target.isotropic(), sc.Chain(n=n, T0=T0, sigma0=sigma0, design=design,
                                                         workflow=workflow, **params),
                      sc.Ridge(T=T, sigma=0.3, lam=lam))


def _shift(d=8, T=40, lam=0.05, p=0.3, scale=0.5):
    delta = [scale * (-1) ** j / (j + 1) for j in range(d)]
    return sc.Problem(sc.Spectrum.power_law(d, beta=1.5), sc.Target.isotropic(), sc.Shift(coefficients=delta),
                      sc.Ridge(T=T, sigma=0.3, lam=lam, real_fraction=p))


CONFIGS = {
    "acc-ind-ols": (_prob, dict(lam=0), "accumulate-exact"),
    "acc-ind-ridge": (_prob, dict(), "accumulate"),
    "acc-shared-ols": (_prob, dict(lam=0, design="shared"), "accumulate-exact"),
    "acc-shared-iso": (_prob, dict(design="shared", spec="iso", lam=0.2), "accumulate"),
    "sub-n1": (_prob, dict(workflow="accumulate-subsample", n=1, lam=0), "accumulate-subsample-exact"),
    "mix-ols": (_prob, dict(workflow="mix", real_weight=0.618, n=8, lam=0), "mix-exact"),
    "mix-ridge": (_prob, dict(workflow="mix", real_weight=0.3, design="shared"), "mix"),
    "mix-Treal": (_prob, dict(workflow="mix", real_weight=0.7, T_real=45, lam=0), "mix-exact"),
    "shift-p03": (_shift, dict(), "shift-mixture"),
    "shift-p0": (_shift, dict(p=0.0, T=60, lam=0.01), "shift-mixture"),
    "shift-p09": (_shift, dict(p=0.9, T=30, lam=0.1, d=12), "shift-mixture"),
}


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_predict_float_mpmath_formula_and_compare(name):
    make, kw, key = CONFIGS[name]
    p = make(**kw)
    a, b = sc.predict(p), sc.predict(p, dps=40)
    assert a.regime.key == key and b.regime is a.regime
    assert isinstance(b.total, mpmath.mpf) and b.digits >= 30
    assert math.isclose(a.total, float(b.total), rel_tol=1e-11)
    f = sc.formula(p)
    assert math.isclose(float(f), a.total, rel_tol=1e-11)
    if a.kind == "exact":
        assert isinstance(sp.nsimplify(f), sp.Rational) and sp.simplify(f - sp.Rational(f)) == 0
    c = compare(p, reps=3000, seed=11)
    assert c.passed is True, c.reason
    assert (c.allowance == 0) == (a.kind == "exact")
    assert c.theory.regime.family == ("exact" if a.kind == "exact" else "ridge")


def test_symbolic_formulas_exist():
    for make, kw, _ in CONFIGS.values():
        expr = sc.formula(make(**kw), symbolic=True)
        assert isinstance(expr, sp.Expr) and expr.free_symbols


def test_accumulate_exact_value_is_the_documented_sum():
    p = _prob(lam=0, d=6, T0=30, n=4, T=40)
    d, T0 = 6, 30
    chain = 0.25 * d * sum(1 / (k * (k * T0 - d - 1)) for k in range(1, 5))
    assert math.isclose(sc.predict(p).total, 0.09 * d / (40 - d - 1) + chain, rel_tol=1e-13)


def test_mix_limit_and_golden_weight():
    w = sc.optimal_real_weight()
    assert sp.simplify(w - (sp.sqrt(5) - 1) / 2) == 0
    p = _prob(workflow="mix", real_weight=0.5, lam=0)
    assert sp.simplify(sc.optimal_real_weight(p) - (sp.sqrt(5) - 1) / 2) == 0
    q = _prob(workflow="mix", real_weight=0.5, lam=0, T_real=45)
    k = sp.Rational(45 - 6 - 1, 30 - 6 - 1)
    assert sp.simplify(sc.optimal_real_weight(q) - (sp.sqrt(k**2 + 4 * k) - k) / 2) == 0
    # numeric optimum at finite n approaches the golden weight as n grows
    assert abs(sc.optimal_real_weight(p, n=60) - float(w)) < 1e-4
    with pytest.raises(RegimeError, match="lam0"):
        sc.optimal_real_weight(_prob(workflow="mix", real_weight=0.5, lam0=0.1))


def test_simulate_returns_mcresult_and_reference_oracle_agrees():
    for p in (_prob(lam=0), _prob(workflow="mix", real_weight=0.4), _shift()):
        fast = simulate(p, reps=1500, seed=3)
        ref = simulate(p, reps=400, seed=4, method="workflow-reference")
        assert isinstance(fast, MCResult) and fast.method == "workflow-fast"
        se = math.hypot(fast.stderr, ref.stderr)
        assert abs(fast.mean - ref.mean) <= K * se, (p, fast.mean, ref.mean, se)
        assert fast.errors.shape == (1500,) and fast.chain_errors.shape == (1500,)
    r1, r2 = simulate(_shift(), 300, 9), simulate(_shift(), 300, 9)
    assert (r1.errors == r2.errors).all()


@pytest.mark.parametrize("make, match", [
    (lambda: _prob(workflow="accumulate-subsample", n=3), "simulation only"),
    (lambda: _prob(T0=4), "T0 = 4 < d"),
    (lambda: _prob(T0=7), "T0 >= d \\+ 2"),
    (lambda: _prob(workflow="mix", real_weight=0.5, lam0=0.1), "lam0"),
    (lambda: _prob(lam=0, T=6), "\\|T − d\\| <= 1"),
    (lambda: _prob().replace(real_fraction=0.5), "real_fraction"),
    (lambda: _prob(workflow="replace").replace(real_fraction=0.5), "real_fraction"),
])
def test_regime_errors_name_the_reason(make, match):
    p = make()
    with pytest.raises(RegimeError, match=match):
        sc.predict(p)


def test_simulation_only_cases_still_simulate():
    sub = _prob(workflow="accumulate-subsample", n=3)
    r = simulate(sub, reps=64, seed=0)
    assert r.method == "workflow-reference" and r.mean > 0
    over = _prob(T0=4, n=2)
    assert simulate(over, reps=32, seed=0).method == "workflow-reference"
    with pytest.raises(RegimeError, match="workflow-fast"):
        simulate(sub, reps=10, seed=0, method="workflow-fast")
    mixed = _prob(workflow="replace").replace(real_fraction=0.5)  # replace chain + mixture: sampled, not predicted
    assert simulate(mixed, reps=64, seed=0).method == "workflow-fast"
    with pytest.raises(RegimeError, match="real_fraction"):
        simulate(mixed, reps=10, seed=0, method="collapsed")


def test_shift_and_real_fraction_spec():
    assert sc.Ridge(T=10).real_fraction == 0 and "real_fraction" not in sc.Ridge(T=10).to_dict()
    assert sc.Ridge(T=10, real_fraction="1/4").to_dict()["real_fraction"] == "1/4"
    with pytest.raises(SpecError, match="real_fraction"):
        sc.Ridge(T=10, real_fraction=1.5)
    with pytest.raises(SpecError, match="Shift.coefficients"):
        sc.Shift(coefficients="abc")
    p = _shift()
    assert sc.Problem.from_dict(p.to_dict()) == p and p.to_dict()["chain"]["kind"] == "shift"
    with pytest.raises(SpecError, match="d = 4"):
        sc.predict(p.replace(spectrum=sc.Spectrum.isotropic(4), target=sc.Target.isotropic()))
    # the theory uses the realised fraction ⌊pT⌉/T
    assert sc.predict(_shift(T=40, p=0.31)).total == sc.predict(_shift(T=40, p=0.3)).total


def test_chain_workflow_round_trip():
    c = sc.Chain(n=5, T0=600, sigma0=0.2, workflow="accumulate")
    assert c.workflow.key == "accumulate" and sc.Chain.from_dict(c.to_dict()) == c
    p = _prob(workflow="mix", real_weight=0.25)
    assert sc.Problem.from_dict(p.to_dict()) == p and p.chain.real_weight == 0.25
    with pytest.raises(SpecError, match="real_weight"):
        sc.Chain(n=2, T0=20, workflow="mix", real_weight=1.5)
    with pytest.raises(SpecError, match="real_weight"):
        sc.Chain(n=2, T0=20, workflow="mix")
