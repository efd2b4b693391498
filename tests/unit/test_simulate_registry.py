"""The sampler registry: a sampler registered from outside the package is used by simulate(method="auto")
with no edit to monte_carlo.py, built-in samplers refuse a workflow they do not know, and the registry
rejects bad registrations."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from symcollapse.simulate import exact_methods, samplers, simulate
from symcollapse.simulate.samplers import _builtin
from symcollapse.spec import Chain, Problem, RegimeError, Ridge, Spectrum, Target

WF = "test-replace-variant"


def _replace_problem():
    return Problem(Spectrum.power_law(7, 2), Target.isotropic(), Chain(n=2, T0=20, sigma0=0.3),
                   Ridge(T=25, sigma=0.2, lam=0.05))


def _variant_problem():
    """The same problem with the chain's workflow set to the test workflow.

    When the spec layer has workflow objects (``register_workflow``), a trivial copy of ``"replace"`` is
    registered there; otherwise the chain gets a ``workflow`` attribute with that key, which is all the
    samplers read (``problem.chain.workflow.key``)."""
    import symcollapse.spec as spec

    base = _replace_problem()
    if hasattr(spec, "register_workflow") and hasattr(spec, "get_workflow"):
        try:
            spec.get_workflow(WF)
        except Exception:
            replace = spec.get_workflow("replace")
            spec.register_workflow(type(replace)(key=WF, label="replace (test copy)", params={},
                                                 designs=replace.designs))
        return base.replace(chain=Chain(n=2, T0=20, sigma0=0.3, workflow=WF))
    object.__setattr__(base.chain, "workflow", SimpleNamespace(key=WF))
    return base


class VariantCollapsed(_builtin.Collapsed):
    """A sampler for the test workflow: the chain is "replace" under another name, so collapsed is exact."""

    key = "test-variant-collapsed"
    workflows = (WF,)


@pytest.fixture
def variant_sampler():
    s = samplers.register(VariantCollapsed())
    yield s
    samplers.unregister(s.key)


def test_registered_sampler_is_picked_by_auto_without_edits(variant_sampler):
    p = _variant_problem()
    assert exact_methods(p) == [variant_sampler.key]  # the built-ins refuse the unknown workflow
    r = simulate(p, 300, 4)
    assert r.method == variant_sampler.key
    # the variant is "replace" under another key: same numbers as collapsed on the replace problem
    ref = simulate(_replace_problem(), 300, 4, method="collapsed")
    assert np.array_equal(r.errors, ref.errors) and np.array_equal(r.chain_errors, ref.chain_errors)


def test_builtin_sampler_refuses_an_unknown_workflow(variant_sampler):
    with pytest.raises(RegimeError, match="workflow"):
        simulate(_variant_problem(), 10, 0, method="bartlett")


def test_no_exact_sampler_is_a_regime_error():
    with pytest.raises(RegimeError, match="no registered sampler"):
        simulate(_variant_problem(), 10, 0)


def test_auto_prefers_a_cheaper_registered_sampler():
    class Cheap(_builtin.Collapsed):
        key = "test-cheap"
        cost = 0.5

    samplers.register(Cheap())
    try:
        assert simulate(_replace_problem(), 10, 0).method == "test-cheap"
        assert exact_methods(_replace_problem())[0] == "test-cheap"
    finally:
        samplers.unregister("test-cheap")
    assert simulate(_replace_problem(), 10, 0).method == "collapsed"


def test_register_rejects_bad_and_duplicate_keys():
    with pytest.raises(ValueError, match="already registered"):
        samplers.register(_builtin.Bartlett())
    bad = _builtin.Bartlett()
    bad.key = "auto"
    with pytest.raises(ValueError, match="key"):
        samplers.register(bad)
