"""The regime table: one select(), stable keys, the family of every regime (which sets compare's allowance),
and a workflow registered from outside that predict and compare pick up with no edit to either module."""

import dataclasses
import sys
import types

import numpy as np
import pytest

from symcollapse import testing
from symcollapse.compare import ALLOWANCE_CONSTANTS, allowance, compare, verdict
from symcollapse.simulate.monte_carlo import simulate
from symcollapse.spec import Chain, Problem, RegimeError, Ridge, Spectrum, Target
from symcollapse.testing import REGIMES
from symcollapse.theory import regimes
from symcollapse.theory.evaluate import predict


def _prob(spec="iso", d=20, n=2, T0=40, T=30, lam=0.1, sigma0=0.3, design="independent", rf=0):
    sp = Spectrum.isotropic(d) if spec == "iso" else Spectrum.power_law(d, beta=1.5)
    return Problem(sp, Target.isotropic(1), Chain(n=n, T0=T0, sigma0=sigma0, design=design),
                   Ridge(T=T, sigma=0.5, lam=lam, real_fraction=rf))


# One problem per regime key, with the family it must have. The isotropic independent σ0 > 0 chain is the
# independent twin of Eq. 18 (chain part exact for Σ = sI): family "eq18". Parsing the display string put it
# in "lemmaF8" (its theorem label mentions Lemma F.8); this table would have caught that.
CASES = {
    "replace-mixture-exact": (dict(lam=0, T=30, T0=40, rf=1), "exact"),  # realised T_real = T
    "replace-mixture": (dict(rf=0.5, spec="pl"), "ridge"),
    "thm41": (dict(lam=0, T=30, T0=40), "exact"),
    "prop42": (dict(n=0), "ridge"),
    "cor44": (dict(), "ridge"),
    "eq18": (dict(T0=10, design="shared"), "eq18"),
    "eq18-ols": (dict(T0=10, design="shared", lam=0, T=30), "exact"),
    "thm46": (dict(T0=10, sigma0=0), "overparam"),
    "thm46-ols": (dict(T0=10, sigma0=0, lam=0, T=30), "exact"),
    "thm45": (dict(T0=10, sigma0=0, design="shared"), "overparam"),
    "thm45-ols": (dict(T0=10, sigma0=0, design="shared", lam=0, T=30), "exact"),
    "overparam-noisy": (dict(T0=10), "eq18"),
    "overparam-noisy-ols": (dict(T0=10, lam=0, T=30), "exact"),
    "lemmaF8": (dict(spec="pl", T0=10, sigma0=0), "lemmaF8"),
    "lemmaF8-eq18": (dict(spec="pl", T0=10, design="shared"), "lemmaF8"),
    "lemmaF8-noisy": (dict(spec="pl", T0=10), "lemmaF8"),
}


@pytest.mark.parametrize("key", sorted(CASES))
def test_every_regime_is_selected_with_its_family(key):
    kw, family = CASES[key]
    p = _prob(**kw)
    reg = regimes.select(p)
    assert reg.key == key and reg.family == family
    pr = predict(p)
    assert pr.regime is reg and pr.theorem == reg.theorem and pr.kind == reg.kind
    if family == "exact":
        assert reg.kind == "exact" and allowance(p, predict(p, normalization="finite")) == 0
    else:
        assert family in ALLOWANCE_CONSTANTS


def test_table_is_covered_and_strategies_derive_from_it():
    keys = {r.key for r in regimes.regimes("replace")}
    assert keys == set(CASES)
    # the built-in strategies (REGIMES) and those registered for replace problems by the workflow plug-in
    # (symcollapse.testing_workflows: a mixture downstream of a replace chain)
    names = {s.name for s in testing.strategies("replace")}
    assert set(REGIMES) <= names and names == {r.strategy for r in regimes.regimes("replace") if r.strategy}


def test_select_names_the_failed_condition():
    with pytest.raises(RegimeError, match=r"\|T − d\| <= 1"):
        regimes.select(_prob(lam=0, T=20))
    with pytest.raises(RegimeError, match="T0 > d"):
        regimes.select(_prob(T0=20))
    with pytest.raises(RegimeError, match="T0 <= d − 2"):
        regimes.select(_prob(T0=19, design="shared"), "finite")
    with pytest.raises(RegimeError, match="real_fraction = 0.5 .*T0 >= d \\+ 2"):
        regimes.select(_prob(T0=21, rf=0.5))
    with pytest.raises(RegimeError, match="real_fraction = 0.5 .*T0 = 10 < d = 20"):
        regimes.select(_prob(T0=10, rf=0.5, sigma0=0))


class _CopySampler:
    """Mixin: a built-in sampler serving the test workflow 'replace-copy' (replace under another key)."""

    workflows = ("replace-copy",)


@pytest.fixture
def copy_workflow():
    """A trivial variant workflow 'replace-copy' registered from outside, in every layer's registry: the spec
    (a Workflow object), the theory (replace's rules, terms and guards), the samplers (the built-ins under
    new keys) and the Hypothesis strategies (each built-in's draws moved to the new workflow, under the key
    ``<name>-copy`` that the copied regimes name as their ``strategy``). No package module is edited."""
    from symcollapse import spec
    from symcollapse.simulate import samplers
    from symcollapse.simulate.samplers import _builtin

    replace = spec.get_workflow("replace")
    spec.register_workflow(dataclasses.replace(replace, key="replace-copy", label="replace (test copy)"),
                           overwrite=True)
    added = []
    for reg in regimes.regimes("replace"):
        strat = reg.strategy and reg.strategy + "-copy"
        added.append(regimes.register(dataclasses.replace(reg, key=reg.key + "-copy", workflow="replace-copy",
                                                          strategy=strat), guards=regimes.GUARDS["replace"]))
    sams = []
    for base in (_builtin.Collapsed, _builtin.Bartlett, _builtin.OLSLaw):
        cls = type(base.__name__ + "Copy", (_CopySampler, base), {"key": base.key + "-copy"})
        sams.append(samplers.register(cls()))
    strats = []
    for base in testing.strategies("replace"):
        def build(_base=base, **options):
            return _base(**options).map(lambda p: _with_workflow(p, "replace-copy"))
        strats.append(testing.register_strategy(base.name + "-copy", build, workflow="replace-copy"))
    yield added
    for s in strats:
        testing.unregister_strategy(s.name)
    for reg in added:
        regimes.unregister(reg.key)
    regimes.GUARDS.pop("replace-copy", None)
    for s in sams:
        samplers.unregister(s.key)


def _with_workflow(p, key):
    c = p.chain
    if key == "nope":  # an unregistered key: the spec refuses it, so attach it by hand to reach the theory
        object.__setattr__(c, "workflow", types.SimpleNamespace(key=key))
        return p
    return p.replace(chain=Chain(n=c.n, T0=c.T0, sigma0=c.sigma0, design=c.design, workflow=key))


def test_registered_workflow_is_picked_up_by_predict_and_compare(copy_workflow):
    for key, (kw, _family) in CASES.items():
        base = _prob(**kw)
        p = _with_workflow(_prob(**kw), "replace-copy")
        a, b = predict(base), predict(p)
        assert b.regime.key == key + "-copy" and b.regime.workflow == "replace-copy"
        assert b.total == a.total and b.regime.family == a.regime.family
    p = _with_workflow(_prob(d=8, T0=20, T=16), "replace-copy")
    c = compare(p, reps=200, seed=1)
    assert c.theory.regime.key == "cor44-copy" and c.passed is not False
    assert c.mc.method.endswith("-copy")  # simulated by a sampler registered for the test workflow
    base = _prob(d=8, T0=20, T=16)
    assert np.array_equal(simulate(p, 64, 3).errors, simulate(base, 64, 3, method=c.mc.method[:-5]).errors)
    with pytest.raises(RegimeError, match="workflow='nope'"):
        predict(_with_workflow(_prob(), "nope"))


def test_registered_workflow_is_picked_up_by_the_strategies(copy_workflow):
    from hypothesis import given, settings

    copied = {r.strategy for r in regimes.regimes("replace-copy") if r.strategy}
    replace = {s.name for s in testing.strategies("replace")}
    assert copied == {s.name for s in testing.strategies("replace-copy")} == {n + "-copy" for n in replace}
    seen = {}

    def draws(name):
        @settings(max_examples=8, database=None, deadline=None)
        @given(testing.problems(name, d=(12, 24)))
        def check(p):
            reg = predict(p).regime
            assert p.chain.workflow.key == "replace-copy" and reg.workflow == "replace-copy"
            # the draw lands in a regime of its own strategy, unless n = 0 (no chain: Thm 4.1 or Prop 4.2)
            assert reg.strategy == name or p.chain.n == 0, (name, reg.key)
            seen.setdefault(name, set()).add(reg.key)

        check()

    for name in sorted(copied):
        draws(name)
    assert set(seen) == copied
    assert "cor44-copy" in seen["cor44-copy"] and seen["ols-exact-copy"] == {"thm41-copy"}


def test_verdict_is_not_informative_when_the_allowance_exceeds_the_value():
    assert verdict(1.0, 1.1, 0.01, allowance=2.0).passed is None
    assert verdict(1.0, 1.1, 0.01, allowance=0.5).passed is True
    assert verdict(1.0, 9.0, 0.01, allowance=2.0).passed is False  # beyond the allowance: still a failure
    # the example of issue 14: allowance 68.7 against a value 3.24
    p = Problem(Spectrum.power_law(16, 9.46), Target.source(r=0.0019), Chain(n=1, T0=1), Ridge(T=42, lam=335))
    c = compare(p, reps=50, seed=0)
    assert c.allowance > c.value and c.passed is None and "not informative" in c.reason


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-q"]))
