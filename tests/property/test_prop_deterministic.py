"""Deterministic equivalents (RMT limit) against simulation, within k·stderr + the calibrated allowance.

* Cor 4.4 / Eq. 19 (docs/theory/results.md#results-cor44), general Σ and isotropic Σ, ridge λ > 0, T0 >= d + 8, T in [d/3, 12d].
* Thm 4.3 / Eq. 18 (§2.4) with Thm 4.5: shared over-parametrised generator, σ0 > 0, Σ = sI.
* Thms 4.5/4.6 with a ridge downstream (λ > 0): the over-parametrised chain's bias as a deterministic equivalent.
* Thm 4.3 + Lemma F.8 (+ Eq. 18): the over-parametrised chain with an anisotropic Σ (power law or custom).
* Thm 4.3 + Lemma F.8 (independent, σ0 > 0): the package's composition for independent noisy over-parametrised
  generators, Σ = sI and anisotropic.

The allowance is symcollapse.compare.allowance (C·|value|·g, C calibrated by
tests/regression/make_reference.py calibrate); it is never widened here.
"""

from _helpers import K, check_comparison, examples
from hypothesis import given, settings
from hypothesis import strategies as st

from symcollapse.compare import compare
from symcollapse.testing import problems, seeds


def _check(c):
    check_comparison(c, allowance=c.allowance)


@settings(max_examples=examples(2.0))
@given(problems("cor44", d=(4, 30), n=(0, 12), mc=True), seeds())
def test_cor44_general_sigma(p, seed):
    c = compare(p, reps=400, seed=seed, k=K)
    assert c.theory.regime.key in ("cor44", "prop42") and c.theory.normalization == "finite"
    _check(c)


@settings(max_examples=examples(0.6))
@given(problems("cor44", d=(4, 30), n=(0, 12), mc=True, spectrum_kinds=("isotropic",)), seeds())
def test_cor44_isotropic(p, seed):
    c = compare(p, reps=400, seed=seed, k=K)
    _check(c)


@settings(max_examples=examples(0.6))
@given(problems("eq18", d=(12, 40), n=(0, 10), mc=True), seeds())
def test_eq18_shared_overparametrised_generator(p, seed):
    c = compare(p, reps=300, seed=seed, k=K)
    if p.chain.n > 0:
        assert c.theory.regime.key in ("eq18", "eq18-ols", "lemmaF8-eq18")
    _check(c)


@settings(max_examples=examples(0.4))
@given(problems("thm46", d=(4, 30), n=(0, 8), mc=True, ridge=True), seeds())
def test_thm46_with_ridge_downstream(p, seed):
    _check(compare(p, reps=300, seed=seed, k=K))


@settings(max_examples=examples(0.4))
@given(problems("thm45", d=(4, 30), n=(0, 8), mc=True, ridge=True), seeds())
def test_thm45_with_ridge_downstream(p, seed):
    _check(compare(p, reps=300, seed=seed, k=K))


ANISO = ("power_law", "custom")


@settings(max_examples=examples(0.6))
@given(st.sampled_from(["thm46", "thm45", "eq18"]).flatmap(
    lambda r: problems(r, d=(4, 30) if r != "eq18" else (12, 30), n=(1, 6), mc=True, spectrum_kinds=ANISO,
                       ridge=True)), seeds())
def test_lemma_f8_anisotropic_overparametrised_chain(p, seed):
    c = compare(p, reps=300, seed=seed, k=K)
    assert c.theory.regime.family == "lemmaF8"
    _check(c)


@settings(max_examples=examples(0.4))
@given(st.sampled_from([None, ANISO]).flatmap(
    lambda kinds: problems("overparam-noisy", d=(12, 30), n=(1, 6), mc=True, spectrum_kinds=kinds)), seeds())
def test_independent_noisy_overparametrised_chain(p, seed):
    c = compare(p, reps=300, seed=seed, k=K)
    assert c.theory.regime.key in ("overparam-noisy", "overparam-noisy-ols", "lemmaF8-noisy")
    _check(c)
