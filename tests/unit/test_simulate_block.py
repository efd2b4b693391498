"""simulate_block: shared randomness over an (n, λ) grid keeps every point's law (against simulate: mean and
variance z-scores and a two-sample KS test), is deterministic in (problem, grid, reps, seed, method) only, and
falls back to independent per-point runs for samplers that cannot share.

Thresholds as in test_simulate_samplers.py: |z| ≤ 4.5 (two-sided 6.8e-6 under the null) and KS p ≥ 1e-4 per
statistic; about 100 statistics here, so a correct implementation fails with probability about 1e-2 for a random
seed (the seeds are fixed). T − d ≥ 9 and T0 − d ≥ 9 keep the fourth moments finite (valid variance z-scores).
"""

from __future__ import annotations

import numba
import numpy as np
import pytest
from _helpers import assert_same_law, zscores

from symcollapse.simulate import simulate, simulate_block
from symcollapse.simulate._kblock import TRIDIAG_MIN_LAMS
from symcollapse.spec import Chain, Problem, RegimeError, Ridge, SpecError, Spectrum, Target

Z_MAX = 4.5
KS_P_MIN = 1e-4
REPS = 4000


GRIDS = {
    "iso": (Problem(Spectrum.isotropic(6), Target.isotropic(norm=1), Chain(n=1, T0=16, sigma0=0.6),
                    Ridge(T=17, sigma=0.5)), [0, 1, 3], [0.0, 0.05, 0.5], "auto"),
    "power-law": (Problem(Spectrum.power_law(7, 2), Target(coefficients=np.linspace(1.0, 0.2, 7)),
                          Chain(n=1, T0=17, sigma0=0.6), Ridge(T=18, sigma=0.5)), [0, 2], [0.0, 1e-2, 0.3], "auto"),
    "power-law-bartlett-shared": (Problem(Spectrum.power_law(6, 2), Target.isotropic(),
                                          Chain(n=1, T0=16, sigma0=0.6, design="shared"), Ridge(T=16, sigma=0.5)),
                                  [1, 3], [0.0, 0.1], "bartlett"),
    # at least TRIDIAG_MIN_LAMS non-zero λ: the tridiagonalisation path (the power-law grids above take Cholesky)
    "power-law-many-lams": (Problem(Spectrum.power_law(7, 2), Target(coefficients=np.linspace(1.0, 0.2, 7)),
                                    Chain(n=1, T0=17, sigma0=0.6), Ridge(T=18, sigma=0.5)),
                            [0, 2], [0.0, 1e-2, 0.05, 0.1, 0.3, 1.0], "auto"),
    "iso-interpolating-chain": (Problem(Spectrum.isotropic(14), Target.isotropic(norm=1), Chain(n=1, T0=4, sigma0=0),
                                        Ridge(T=30, sigma=0.3)), [1, 2], [0.0, 0.2], "auto"),
    "power-law-overparam-downstream": (Problem(Spectrum.power_law(14, 2), Target.isotropic(),
                                               Chain(n=1, T0=30, sigma0=0.4), Ridge(T=5, sigma=0.3)),
                                       [0, 2], [0.3, 1.0], "auto"),
}


@pytest.mark.parametrize("name", GRIDS)
def test_every_point_has_the_law_of_simulate(name):
    problem, ns, lams, method = GRIDS[name]
    block = simulate_block(problem, ns, lams, REPS, seed=31, method=method)
    assert sorted(block) == sorted((n, lam) for n in ns for lam in lams)
    for i, ((n, lam), r) in enumerate(sorted(block.items())):
        assert r.problem == problem.replace(n=n, lam=lam) and r.reps == REPS
        ref = simulate(r.problem, REPS, seed=500 + i, method=method if method != "auto" else "bartlett")
        assert_same_law(r, ref, n, Z_MAX, KS_P_MIN, (n, lam))


def _ridge_count(lams):
    return sum(lam != 0.0 for lam in lams)


def test_grids_cover_both_downstream_solves():
    # the per-point law test above runs, for a general spectrum, the Cholesky path (few λ) and the Householder
    # tridiagonalisation path (many λ); isotropic grids take the tridiagonal Wishart model (test_simulate_block_grid)
    assert _ridge_count(GRIDS["power-law"][2]) < TRIDIAG_MIN_LAMS
    assert _ridge_count(GRIDS["power-law-bartlett-shared"][2]) < TRIDIAG_MIN_LAMS
    assert _ridge_count(GRIDS["power-law-many-lams"][2]) >= TRIDIAG_MIN_LAMS


@pytest.mark.parametrize("name", ["power-law", "power-law-bartlett-shared"])
def test_cholesky_and_tridiagonal_solves_agree_on_the_same_draws(name):
    # the draws depend on ns only, so a λ solved in a few-λ grid (Cholesky) and in a many-λ grid (tridiagonal
    # basis) sees the same chain and downstream statistic: the solves agree to rounding (≈ κ·1e-16)
    problem, ns, _, _ = GRIDS[name]
    few = [0.05, 0.5]
    many = few + [0.01, 0.1, 0.2, 1.0]
    assert _ridge_count(few) < TRIDIAG_MIN_LAMS <= _ridge_count(many)
    a = simulate_block(problem, ns, few, 200, seed=8)
    b = simulate_block(problem, ns, many, 200, seed=8)
    for n in ns:
        for lam in few:
            np.testing.assert_allclose(a[(n, lam)].errors, b[(n, lam)].errors, rtol=1e-9, atol=0)
            assert np.array_equal(a[(n, lam)].chain_errors, b[(n, lam)].chain_errors)
    # and the comparison can fail: another λ's values are far off
    assert not np.allclose(a[(ns[-1], 0.05)].errors, b[(ns[-1], 0.1)].errors, rtol=1e-3)


def test_check_has_power_against_a_wrong_lambda():
    # the same statistics see a λ off by 40 %: the comparison above is not vacuous
    problem, ns, lams, _ = GRIDS["iso"]
    block = simulate_block(problem, [1], [0.5], REPS, seed=31)
    ref = simulate(problem.replace(n=1, lam=0.7), REPS, seed=500)
    assert abs(zscores(block[(1, 0.5)].errors, ref.errors)[0]) > Z_MAX


@pytest.mark.parametrize("name", ["power-law", "power-law-many-lams", "power-law-overparam-downstream"])
def test_shared_chain_and_determinism(name):
    problem, ns, lams, _ = GRIDS[name]
    a = simulate_block(problem, ns, lams, 300, seed=4)
    b = simulate_block(problem, list(reversed(ns)), list(reversed(lams)), 300, seed=4)  # order-free
    for k in a:
        assert np.array_equal(a[k].errors, b[k].errors) and np.array_equal(a[k].chain_errors, b[k].chain_errors)
    # one chain per replicate: every λ at the same n sees the same chain
    assert np.array_equal(a[(2, lams[0])].chain_errors, a[(2, lams[-1])].chain_errors)
    # fewer replicates are a prefix of more
    c = simulate_block(problem, ns, lams, 120, seed=4)
    assert np.array_equal(c[(2, lams[1])].errors, a[(2, lams[1])].errors[:120])


@pytest.mark.skipif(numba.config.NUMBA_NUM_THREADS < 2, reason="needs at least 2 numba threads")
@pytest.mark.parametrize("name", ["iso", "power-law-many-lams", "power-law-overparam-downstream"])
def test_bit_identical_for_one_and_two_threads(name):
    problem, ns, lams, _ = GRIDS[name]
    one = simulate_block(problem, ns, lams, 700, seed=2, threads=1)
    two = simulate_block(problem, ns, lams, 700, seed=2, threads=2)
    for k in one:
        assert np.array_equal(one[k].errors, two[k].errors)


def test_non_sharing_sampler_falls_back_to_independent_points():
    problem, ns, _, _ = GRIDS["iso"]
    block = simulate_block(problem, ns, [0.0], 200, seed=9, method="ols-law")
    children = np.random.SeedSequence(9).spawn(len(ns))
    for n, ch in zip(sorted(ns), children):
        ref = simulate(problem.replace(n=n, lam=0.0), 200, int(ch.generate_state(1, np.uint32)[0]), method="ols-law")
        assert block[(n, 0.0)].method == "ols-law"
        assert np.array_equal(block[(n, 0.0)].errors, ref.errors)


def test_bad_grids():
    problem = GRIDS["iso"][0]
    with pytest.raises(SpecError, match="ns"):
        simulate_block(problem, [], [0.1], 10, 0)
    with pytest.raises(SpecError, match="lam"):
        simulate_block(problem, [1], [-1.0], 10, 0)
    with pytest.raises(SpecError, match="lams"):
        simulate_block(problem, [1], "0.1", 10, 0)
    with pytest.raises(RegimeError, match="T0 >= d"):
        simulate_block(GRIDS["iso-interpolating-chain"][0], [1], [0.1], 10, 0, method="collapsed")
