"""symcollapse.testing: strategies generate only valid problems inside each regime's hypothesis."""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from symcollapse import testing
from symcollapse.spec import Domain, Problem, Ridge, Spectrum, domains
from symcollapse.testing import REGIMES, from_domain, problems, sample_size_range
from symcollapse.theory import regimes


@pytest.mark.parametrize("regime", REGIMES)
def test_every_regime_generates_problems_inside_its_hypothesis(regime):
    seen = []

    @settings(max_examples=40)
    @given(problems(regime))
    def check(p):
        assert isinstance(p, Problem)
        d, T0, T = p.d, p.chain.T0, p.downstream.T
        lam = float(p.downstream.lam)
        assert 4 <= d <= 120
        assert 0 <= p.chain.n <= 20
        if regime == "ols-exact":
            assert lam == 0 and d + 3 <= T0 <= 12 * d and d + 3 <= T <= 12 * d
        elif regime == "cor44":
            assert 1e-4 <= lam <= 10 and d + 3 <= T0 <= 12 * d and math.ceil(d / 3) <= T <= 12 * d
        elif regime == "eq18":
            assert p.chain.design == "shared" and T0 <= d - 8 and float(p.chain.sigma0) > 0 and lam > 0
            assert p.spectrum.kind == "isotropic"
        elif regime == "overparam-noisy":
            assert p.chain.design == "independent" and T0 <= d - 8 and float(p.chain.sigma0) > 0 and lam > 0
            assert p.spectrum.kind == "isotropic" and math.ceil(d / 3) <= T <= 12 * d
        else:
            assert p.spectrum.kind == "isotropic" and float(p.chain.sigma0) == 0 and T0 < d and lam == 0
            assert T >= d + 3
            assert p.chain.design == ("independent" if regime == "thm46" else "shared")
        seen.append(p)

    check()
    assert len(seen) >= 10


def test_mc_margins_are_wider():
    assert sample_size_range("T-ols", 10, mc=True) == (18, 120)
    assert sample_size_range("T-ols", 10, mc=False) == (13, 120)
    assert sample_size_range("T-ridge", 10) == (4, 120)


@given(st.data())
def test_from_domain_draws_inside_typical_range(data):
    for dom in (*domains(Ridge).values(), *domains(Spectrum).values()):
        if dom.typical is None:
            continue
        v = data.draw(from_domain(dom))
        lo, hi = dom.typical
        assert lo <= v <= hi
        dom.check("x", v)  # valid


def test_from_domain_refuses_ranges_outside_the_valid_domain():
    with pytest.raises(ValueError, match="not inside the valid domain"):
        from_domain(Domain(low=0, typical=(0, 1)), low=-1.0)
    with pytest.raises(ValueError, match="typical range"):
        from_domain(Domain(low=0))
    with pytest.raises(ValueError, match="regime"):
        problems("nope")


def test_overparam_noisy_regime_options_and_predict_covers_it():
    from symcollapse.theory.evaluate import predict

    seen = []

    @settings(max_examples=20)
    @given(problems("overparam-noisy", d=(4, 30), ridge=False, spectrum_kinds=("power_law", "custom")))
    def check(p):
        assert p.d >= 12 and float(p.downstream.lam) == 0 and p.downstream.T >= p.d + 3
        assert p.spectrum.kind != "isotropic" and p.chain.design == "independent"
        pred = predict(p, normalization="finite")
        if p.chain.n > 0:
            assert pred.regime.key == "lemmaF8-noisy" and pred.collapse > 0
        seen.append(p)

    check()
    assert len(seen) >= 10


def test_every_regime_strategy_is_registered_for_its_workflow():
    import symcollapse.theory.terms  # noqa: F401  (registers the follow-up workflows' regimes)

    reg = {s.name: s.workflow for s in testing.strategies()}
    table = {r.strategy: r.workflow for r in regimes.regimes() if r.strategy and not r.key.endswith("-copy")}
    assert set(table) >= set(REGIMES) and {"accumulate", "mix", "shift"} <= set(table)
    for name, wf in table.items():
        assert reg.get(name) == wf, (name, wf, reg.get(name))
    # the built-ins come first; the workflow plug-in adds the replace-chain mixture's strategy after them
    assert [s.name for s in testing.strategies("replace")][: len(REGIMES)] == list(REGIMES)


def test_register_strategy_refuses_duplicates_and_problems_takes_a_regime():
    with pytest.raises(ValueError, match="already registered"):
        testing.register_strategy("cor44", lambda **kw: None)
    with pytest.raises(ValueError, match="callable"):
        testing.register_strategy("new-one", 3)
    (thm41,) = [r for r in regimes.regimes("replace") if r.key == "thm41"]
    p = problems(thm41, d=(4, 8)).example()
    assert float(p.downstream.lam) == 0 and p.chain.T0 >= p.d + 3
