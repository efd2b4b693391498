"""The follow-up workflows (accumulate, accumulate-subsample n <= 1, mix, Shift mixtures) against simulation,
through the public API, with the stderr-based verdict of symcollapse.compare (allowance 0 for exact results,
the ridge family's for deterministic equivalents), on problems drawn from the Domain metadata
(symcollapse.testing_workflows); and float against mpmath evaluation. Formulas: docs/theory/workflows.md."""

import math

import mpmath
from _helpers import K, check_comparison, examples
from hypothesis import HealthCheck, given, settings

import symcollapse as sc
from symcollapse.compare import compare
from symcollapse.spec import get_workflow
from symcollapse.testing import seeds
from symcollapse.testing_workflows import WORKFLOW_REGIMES, workflow_problems

_SETTINGS = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _compare(p, seed):
    c = compare(p, reps=600, seed=seed, k=K)
    assert c.theory.regime.workflow == get_workflow(p.chain.workflow.key).key
    if c.theory.kind == "exact":
        assert c.allowance == 0
    check_comparison(c, workflow=p.chain.workflow.key)
    return c


@settings(max_examples=examples(0.6), **_SETTINGS)
@given(workflow_problems("accumulate", d=(2, 8), n=(0, 8), mc=True), seeds())
def test_accumulate_theory_vs_mc(p, seed):
    _compare(p, seed)


@settings(max_examples=examples(0.4), **_SETTINGS)
@given(workflow_problems("accumulate-subsample", d=(2, 6), mc=True), seeds())
def test_accumulate_subsample_first_generation_vs_mc(p, seed):
    c = _compare(p, seed)
    assert c.mc.method == "workflow-reference"


@settings(max_examples=examples(0.6), **_SETTINGS)
@given(workflow_problems("mix", d=(2, 8), n=(0, 10), mc=True), seeds())
def test_mix_theory_vs_mc(p, seed):
    _compare(p, seed)


@settings(max_examples=examples(0.6), **_SETTINGS)
@given(workflow_problems("shift", d=(4, 12), mc=True), seeds())
def test_shift_mixture_theory_vs_mc(p, seed):
    _compare(p, seed)


@settings(max_examples=examples(0.4), **_SETTINGS)
@given(workflow_problems(WORKFLOW_REGIMES[0], d=(2, 8)) | workflow_problems("mix", d=(2, 8))
       | workflow_problems("shift", d=(2, 8)))
def test_float_and_mpmath_agree(p):
    a, b = sc.predict(p), sc.predict(p, dps=30)
    assert b.digits >= 12 and a.regime is b.regime
    assert math.isclose(float(a.total), float(b.total), rel_tol=1e-9, abs_tol=1e-300)
    assert isinstance(b.total, mpmath.mpf)
