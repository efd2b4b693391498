"""A real/synthetic mixture downstream of a chain (replace, accumulate, accumulate-subsample at n = 1, mix)
against simulation through the public API, with compare's stderr rule (k·stderr + the ridge family's
finite-size allowance; 0 for the exact regime), on problems drawn from the Domain metadata
(symcollapse.testing_workflows); and float against mpmath. Formulas: docs/theory/workflows.md §3.
The default (ci) profile runs a handful of examples per chain kind; the nightly profile ten times more."""

import math

import mpmath
from _helpers import K, check_comparison, examples
from hypothesis import HealthCheck, given, settings

import symcollapse as sc
from symcollapse.compare import compare
from symcollapse.testing import assert_mc_agrees, seeds
from symcollapse.testing_workflows import workflow_problems
from symcollapse.theory import _workflows as W

_SETTINGS = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _v(p):
    """The chain's covariance scale v (E ΔΔᵀ = vΣ⁻¹) the regime uses; accumulate-subsample n = 1 is replace's."""
    ch, wf = p.chain, p.chain.workflow.key
    kind = "accumulate" if wf.startswith("accumulate") else wf
    return float(
        W.chain_cov_scale(
            kind,
            p.d,
            ch.T0,
            ch.n,
            float(ch.sigma0),
            ch.design,
            float(ch.real_weight) if kind == "mix" else None,
            T_real=(ch.T_real or None) if kind == "mix" else None,
        )
    )


def _compare(p, seed, reps=2000):
    c = compare(p, reps=reps, seed=seed, k=K)
    assert c.theory.regime.key.startswith(p.chain.workflow.key + "-mixture")
    assert (c.allowance == 0) == (c.theory.kind == "exact")
    check_comparison(c, workflow=p.chain.workflow.key + "+mixture")
    # the source's part is exact whatever the downstream: E‖Δ‖²_Σ = tr(Σ·vΣ⁻¹) = v·d (allowance 0), a sharp
    # check of the chain's v that the downstream's finite-size allowance would hide
    ch = c.mc.chain_errors
    assert_mc_agrees(
        "chain source E|Delta|^2",
        _v(p) * p.d,
        float(ch.mean()),
        float(ch.std(ddof=1) / math.sqrt(ch.size)),
        K,
        context=p,
    )
    return c


@settings(max_examples=examples(0.2), **_SETTINGS)
@given(workflow_problems("replace-mixture", d=(4, 12), n=(1, 6), mc=True), seeds())
def test_replace_source_mixture_vs_mc(p, seed):
    _compare(p, seed)


@settings(max_examples=examples(0.2), **_SETTINGS)
@given(workflow_problems("accumulate-mixture", d=(4, 12), n=(1, 8), mc=True), seeds())
def test_accumulate_source_mixture_vs_mc(p, seed):
    _compare(p, seed)


@settings(max_examples=examples(0.2), **_SETTINGS)
@given(workflow_problems("mix-mixture", d=(4, 12), n=(1, 10), mc=True), seeds())
def test_mix_source_mixture_vs_mc(p, seed):
    _compare(p, seed)


@settings(max_examples=examples(0.2), **_SETTINGS)
@given(workflow_problems("accumulate-subsample-mixture", d=(3, 6), mc=True), seeds())
def test_subsample_source_mixture_vs_mc(p, seed):
    assert _compare(p, seed, reps=400).mc.method == "workflow-reference"


@settings(max_examples=examples(0.2), **_SETTINGS)
@given(
    workflow_problems("replace-mixture", d=(2, 8))
    | workflow_problems("accumulate-mixture", d=(2, 8))
    | workflow_problems("mix-mixture", d=(2, 8))
)
def test_chain_mixture_float_and_mpmath_agree(p):
    a, b = sc.predict(p), sc.predict(p, dps=30)
    assert b.digits >= 12 and a.regime is b.regime and "mixture" in a.regime.key
    assert math.isclose(float(a.total), float(b.total), rel_tol=1e-9, abs_tol=1e-300)
    assert isinstance(b.total, mpmath.mpf)
