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
from symcollapse.theory import _workflows as W

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


def _mixed(workflow="replace", spec="pl", d=20, n=3, T0=40, T=50, lam=0.05, p=0.5, design="independent",
           sigma0=0.5, **params):
    """A real/synthetic mixture (real_fraction = p) downstream of a chain of kind ``workflow``."""
    return _prob(workflow, d=d, n=n, T0=T0, T=T, lam=lam, sigma0=sigma0, design=design, spec=spec,
                 **params).replace(real_fraction=p)


# A chain as the synthetic source of a mixture: 3 configurations per chain kind (replace, accumulate with
# independent and with shared designs, mix), plus the exact cases (λ = 0, T >= d + 2, realised T_real ∈ {0, T})
# and accumulate-subsample at n = 1. The table of docs/theory/workflows.md ("chain as the source") is these rows.
CHAIN_MIX = {
    "rep-iso": (dict(spec="iso", n=2), "replace-mixture"),
    "rep-pl-shared": (dict(n=3, T0=45, T=40, lam=0.01, p=0.2, design="shared"), "replace-mixture"),
    "rep-pl-ols": (dict(d=15, n=4, T=45, lam=0, p=0.7), "replace-mixture"),
    "acc-iso": (dict(workflow="accumulate", spec="iso", n=5), "accumulate-mixture"),
    "acc-pl": (dict(workflow="accumulate", n=8, T0=30, T=40, lam=0.01, p=0.3), "accumulate-mixture"),
    "acc-pl-ols": (dict(workflow="accumulate", d=15, n=4, T0=30, T=45, lam=0, p=0.6), "accumulate-mixture"),
    "accsh-iso": (dict(workflow="accumulate", spec="iso", n=5, design="shared"), "accumulate-mixture"),
    "accsh-pl": (dict(workflow="accumulate", n=8, T0=30, T=40, lam=0.01, p=0.3, design="shared"),
                 "accumulate-mixture"),
    "accsh-pl-ols": (dict(workflow="accumulate", d=15, n=4, T0=30, T=45, lam=0, p=0.6, design="shared"),
                     "accumulate-mixture"),
    "mix-iso": (dict(workflow="mix", spec="iso", n=6, real_weight=0.618), "mix-mixture"),
    "mix-pl-shared": (dict(workflow="mix", n=5, T=40, lam=0.01, p=0.25, real_weight=0.3, design="shared"),
                      "mix-mixture"),
    "mix-pl-Treal-ols": (dict(workflow="mix", d=15, n=8, T0=30, T=45, lam=0, p=0.6, real_weight=0.5, T_real=45),
                         "mix-mixture"),
    "rep-exact-p1": (dict(d=10, T=30, lam=0, p=1), "replace-mixture-exact"),
    "acc-exact-p0": (dict(workflow="accumulate", d=10, T=30, lam=0, p=0.01), "accumulate-mixture-exact"),
    "mix-exact-p1": (dict(workflow="mix", d=10, T=30, lam=0, p=1, real_weight=0.5), "mix-mixture-exact"),
    "rep-exact-p0": (dict(d=10, T=30, lam=0, p=0.01, design="shared"), "replace-mixture-exact"),
    "mix-exact-p0": (dict(workflow="mix", d=10, T=30, lam=0, p=0.01, real_weight=0.3, T_real=50),
                     "mix-mixture-exact"),
    "sub-n1": (dict(workflow="accumulate-subsample", d=6, n=1, T0=20, T=30, p=0.4), "accumulate-subsample-mixture"),
}


@pytest.mark.parametrize("name", sorted(CHAIN_MIX))
def test_chain_source_mixture_end_to_end(name):
    kw, key = CHAIN_MIX[name]
    p = _mixed(**kw)
    a, b = sc.predict(p), sc.predict(p, dps=40)
    assert a.regime.key == key and b.regime is a.regime and a.regime.workflow == p.chain.workflow.key
    assert isinstance(b.total, mpmath.mpf) and b.digits >= 30
    assert math.isclose(a.total, float(b.total), rel_tol=1e-11)
    assert math.isclose(float(sc.formula(p)), a.total, rel_tol=1e-11)
    assert sc.formula(p, symbolic=True).free_symbols
    if a.kind == "exact":
        f = sc.formula(p)
        assert isinstance(f, sp.Rational)
    reps = 400 if name == "sub-n1" else 3000
    c = compare(p, reps=reps, seed=13)
    assert c.passed is True, c.reason
    assert (c.allowance == 0) == (a.kind == "exact")
    assert c.theory.regime.family == ("exact" if a.kind == "exact" else "ridge")
    # the source alone is exact: E‖Δ‖²_Σ = v·d with the v the regime uses (allowance 0)
    ch = p.chain
    kind = "accumulate" if ch.workflow.key.startswith("accumulate") else ch.workflow.key
    v = W.chain_cov_scale(kind, p.d, ch.T0, ch.n, ch.sigma0, ch.design, ch.real_weight if kind == "mix" else None,
                          T_real=(ch.T_real or None) if kind == "mix" else None)
    x = c.mc.chain_errors
    assert abs(x.mean() - v * p.d) <= K * x.std(ddof=1) / math.sqrt(x.size), (x.mean(), v * p.d)


def test_chain_source_mixture_reductions():
    """Realised T_real = 0 is the chain's own formula (all-synthetic downstream); T_real = T is clean ridge;
    σ0 = 0 or n = 0 (the chain returns w0) fall back to the workflow's plain rules, which agree."""
    for wf, extra in (("replace", {}), ("accumulate", {}), ("accumulate", {"design": "shared"}),
                      ("mix", {"real_weight": 0.4})):
        base = _mixed(wf, p=0.0, **extra)
        tiny = base.replace(real_fraction=0.009)  # ⌊0.009·50⌉ = 0 real rows
        assert sc.predict(tiny).regime.key == f"{wf}-mixture"
        # the mixture formulas use the finite normalisation T0 − d − 1 (exact for T0 >= d + 2), as Cor 4.4's
        assert math.isclose(sc.predict(tiny).total, sc.predict(base, normalization="finite").total, rel_tol=1e-12)
        clean = sc.predict(base.replace(n=0))
        assert math.isclose(sc.predict(base.replace(real_fraction=1)).total, clean.total, rel_tol=1e-12)
        quiet = base.replace(sigma0=0, real_fraction=0.5)
        assert "mixture" not in sc.predict(quiet).regime.key
        assert math.isclose(sc.predict(quiet).total, sc.predict(base.replace(sigma0=0)).total, rel_tol=1e-12)


@pytest.mark.parametrize("make, match", [
    (lambda: _prob(workflow="accumulate-subsample", n=3), "simulation only"),
    (lambda: _prob(T0=4), "T0 = 4 < d"),
    (lambda: _prob(T0=7), "T0 >= d \\+ 2"),
    (lambda: _prob(workflow="mix", real_weight=0.5, lam0=0.1), "lam0"),
    (lambda: _prob(lam=0, T=6), "\\|T − d\\| <= 1"),
    (lambda: _mixed("replace", T0=21), "real_fraction = 0.5 .*T0 >= d \\+ 2"),
    (lambda: _mixed("accumulate", T0=12), "real_fraction = 0.5 .*T0 = 12 < d = 20"),
    (lambda: _mixed("replace", T0=12, sigma0=0), "real_fraction = 0.5 .*T0 = 12 < d = 20"),
    (lambda: _mixed("mix", T0=20, real_weight=0.5), "real_fraction = 0.5 .*T0 >= d \\+ 2"),
    (lambda: _mixed("accumulate-subsample", n=3), "n = 3 >= 2"),
    (lambda: _mixed("mix", real_weight=0.5, lam0=0.1, n=1), "lam0"),
    (lambda: _prob(workflow="mix", real_weight=0.5, lam0=0.1, n=1), "lam0"),
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
    mixed = _prob(workflow="replace").replace(real_fraction=0.5)  # a chain-source mixture: the workflow samplers
    assert simulate(mixed, reps=64, seed=0).method == "workflow-fast"
    with pytest.raises(RegimeError, match="real_fraction"):
        simulate(mixed, reps=10, seed=0, method="collapsed")
    # outside the mixture regimes (T0 < d, subsample n >= 2, ridge in the mix chain): simulated, not predicted
    for p in (_mixed("accumulate", d=6, T0=4), _mixed("accumulate-subsample", d=4, T0=8),
              _mixed("mix", d=4, T0=8, real_weight=0.5, lam0=0.2)):
        r = simulate(p, reps=32, seed=1)
        assert r.method == "workflow-reference" and r.mean > 0 and r.errors.shape == (32,)
        with pytest.raises(RegimeError):
            sc.predict(p)


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
