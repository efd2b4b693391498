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
from symcollapse.testing import assert_mc_agrees, seeds
from symcollapse.testing_workflows import WORKFLOW_REGIMES, workflow_problems

_SETTINGS = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _compare(p, seed, reps=2000):
    c = compare(p, reps=reps, seed=seed, k=K)
    assert c.theory.regime.workflow == get_workflow(p.chain.workflow.key).key
    if c.theory.kind == "exact":
        assert c.allowance == 0
        if p.chain.workflow.key != "shift" and p.chain.n and p.chain.sigma0 != 0:
            # λ = 0, T >= d + 2: the collapse term is the chain's exact error E‖ŵ_n − w0‖²_Σ (no downstream noise
            # on top), a sharper check of the chain formula than the total
            ch = c.mc.chain_errors
            assert_mc_agrees("chain error", float(c.theory.collapse), float(ch.mean()),
                             float(ch.std(ddof=1) / math.sqrt(ch.size)), K, context=p)
    check_comparison(c, workflow=p.chain.workflow.key)
    return c


@settings(max_examples=examples(0.4), **_SETTINGS)
@given(workflow_problems("accumulate", d=(2, 8), n=(1, 8), mc=True, ridge=False, noisy=True), seeds())
def test_accumulate_exact_vs_mc(p, seed):
    assert _compare(p, seed).theory.kind == "exact"


@settings(max_examples=examples(0.4), **_SETTINGS)
@given(workflow_problems("accumulate", d=(2, 8), n=(0, 8), mc=True, ridge=True), seeds())
def test_accumulate_ridge_vs_mc(p, seed):
    _compare(p, seed)


@settings(max_examples=examples(0.4), **_SETTINGS)
@given(workflow_problems("accumulate-subsample", d=(2, 6), mc=True), seeds())
def test_accumulate_subsample_first_generation_vs_mc(p, seed):
    c = _compare(p, seed, reps=400)
    assert c.mc.method == "workflow-reference"


@settings(max_examples=examples(0.4), **_SETTINGS)
@given(workflow_problems("mix", d=(2, 8), n=(1, 10), mc=True, ridge=False, noisy=True), seeds())
def test_mix_exact_vs_mc(p, seed):
    assert _compare(p, seed).theory.kind == "exact"


@settings(max_examples=examples(0.4), **_SETTINGS)
@given(workflow_problems("mix", d=(2, 8), n=(0, 10), mc=True, ridge=True), seeds())
def test_mix_ridge_vs_mc(p, seed):
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
