"""simulate_block over (n, T, λ): one chain per replicate shared by every downstream T, one downstream draw per T
reused for every λ there. Every point keeps the law it has in simulate (mean and variance z-scores and a
two-sample KS test), on isotropic (tridiagonal downstream model) and power-law (Bartlett / dual) problems, shared
and independent designs, with T < d points; results depend on (problem, grid, reps, seed, method) only.

Thresholds as in test_simulate_block.py: |z| ≤ 4.5 (two-sided 6.8e-6 under the null) and KS p ≥ 1e-4 per
statistic; about 150 statistics here, so a correct implementation fails with probability about 1e-2 for a random
seed (the seeds are fixed). T − d ≥ 9 (or T < d) and T0 − d ≥ 9 keep the fourth moments finite.
"""

from __future__ import annotations

import numba
import numpy as np
import pytest
from _helpers import assert_same_law, zscores

from symcollapse.simulate import simulate, simulate_block
from symcollapse.simulate._kblock import is_isotropic
from symcollapse.spec import Chain, Problem, Ridge, SpecError, Spectrum, Target

Z_MAX = 4.5
KS_P_MIN = 1e-4
REPS = 4000


# (problem, ns, (T, λ) pairs, method); every grid has a T < d point and a T ≥ d point
GRIDS = {
    "iso": (
        Problem(
            Spectrum.isotropic(6, scale=2.0),
            Target.isotropic(norm=1),
            Chain(n=1, T0=16, sigma0=0.6),
            Ridge(T=17, sigma=0.5),
        ),
        [0, 1, 3],
        [(3, 0.0), (3, 0.2), (17, 0.0), (17, 0.05), (40, 0.5)],
        "auto",
    ),
    "iso-shared-bartlett": (
        Problem(
            Spectrum.isotropic(6),
            Target.isotropic(norm=1),
            Chain(n=1, T0=16, sigma0=0.6, design="shared"),
            Ridge(T=16, sigma=0.5),
        ),
        [1, 3],
        [(4, 0.1), (16, 0.0), (16, 0.1)],
        "bartlett",
    ),
    "iso-interpolating-chain": (
        Problem(
            Spectrum.isotropic(14),
            Target.isotropic(norm=1),
            Chain(n=1, T0=4, sigma0=0),
            Ridge(T=30, sigma=0.3),
        ),
        [1, 2],
        [(6, 0.0), (30, 0.0), (30, 0.2)],
        "auto",
    ),
    "power-law": (
        Problem(
            Spectrum.power_law(7, 2),
            Target(coefficients=np.linspace(1.0, 0.2, 7)),
            Chain(n=1, T0=17, sigma0=0.6),
            Ridge(T=18, sigma=0.5),
        ),
        [0, 2],
        [(4, 0.0), (4, 0.3), (18, 0.0), (18, 1e-2), (30, 0.3)],
        "auto",
    ),
    "power-law-shared-many-lams": (
        Problem(
            Spectrum.power_law(6, 2),
            Target.isotropic(),
            Chain(n=1, T0=16, sigma0=0.6, design="shared"),
            Ridge(T=16, sigma=0.5),
        ),
        [1, 3],
        [(5, 0.1)] + [(16, lam) for lam in (0.0, 0.01, 0.05, 0.1, 0.3, 1.0)],
        "bartlett",
    ),
}


@pytest.mark.parametrize("name", GRIDS)
def test_every_point_of_a_T_shared_grid_has_the_law_of_simulate(name):
    problem, ns, pairs, method = GRIDS[name]
    assert is_isotropic(problem.eigenvalues) == name.startswith("iso")
    block = simulate_block(problem, ns, None, REPS, seed=31, method=method, pairs=pairs)
    assert sorted(block) == sorted((n, T, lam) for n in ns for T, lam in pairs)
    for i, ((n, T, lam), r) in enumerate(sorted(block.items())):
        assert r.problem == problem.replace(n=n, T=T, lam=lam) and r.reps == REPS
        ref = simulate(r.problem, REPS, seed=700 + i, method=method if method != "auto" else "bartlett")
        assert_same_law(r, ref, n, Z_MAX, KS_P_MIN, (n, T, lam))


@pytest.mark.parametrize("T", [3, 40])
def test_check_has_power_against_a_wrong_T(T):
    # the same statistics see T off by a factor 2: the comparison above is not vacuous (isotropic model)
    problem = GRIDS["iso"][0]
    block = simulate_block(problem, [1], None, REPS, seed=31, pairs=[(T, 0.2)])
    ref = simulate(problem.replace(n=1, T=2 * T, lam=0.2), REPS, seed=500)
    assert abs(zscores(block[(1, T, 0.2)].errors, ref.errors)[0]) > Z_MAX


@pytest.mark.parametrize("name", ["iso", "power-law"])
def test_one_chain_for_every_T_and_determinism(name):
    problem, ns, pairs, _ = GRIDS[name]
    a = simulate_block(problem, ns, None, 300, seed=4, pairs=pairs)
    b = simulate_block(
        problem, list(reversed(ns)), None, 300, seed=4, pairs=list(reversed(pairs))
    )  # order-free
    for k in a:
        assert np.array_equal(a[k].errors, b[k].errors) and np.array_equal(
            a[k].chain_errors, b[k].chain_errors
        )
    (T1, l1), (T2, l2) = pairs[0], pairs[-1]
    assert T1 != T2 and np.array_equal(
        a[(2 if 2 in ns else 3, T1, l1)].chain_errors, a[(2 if 2 in ns else 3, T2, l2)].chain_errors
    )
    c = simulate_block(problem, ns, None, 120, seed=4, pairs=pairs)  # fewer replicates are a prefix of more
    for k in c:
        assert np.array_equal(c[k].errors, a[k].errors[:120])


def test_Ts_is_the_cartesian_pairs_grid_and_the_plain_call_is_unchanged():
    problem, ns, _, _ = GRIDS["power-law"]
    lams = [0.0, 0.3]
    by_T = simulate_block(problem, ns, lams, 200, seed=5, Ts=[4, 18])
    by_pairs = simulate_block(
        problem, ns, None, 200, seed=5, pairs=[(T, lam) for T in (18, 4) for lam in lams]
    )
    assert sorted(by_T) == sorted(by_pairs)
    for k in by_T:
        assert np.array_equal(by_T[k].errors, by_pairs[k].errors)
    plain = simulate_block(problem, ns, lams, 200, seed=5)
    assert sorted(plain) == sorted((n, lam) for n in ns for lam in lams)
    one_T = simulate_block(problem, ns, lams, 200, seed=5, Ts=[problem.downstream.T])
    for (n, lam), r in plain.items():
        assert np.array_equal(r.errors, one_T[(n, problem.downstream.T, lam)].errors)


@pytest.mark.skipif(numba.config.NUMBA_NUM_THREADS < 2, reason="needs at least 2 numba threads")
@pytest.mark.parametrize("name", ["iso", "power-law-shared-many-lams"])
def test_T_shared_grid_bit_identical_for_one_and_two_threads(name):
    problem, ns, pairs, method = GRIDS[name]
    one = simulate_block(problem, ns, None, 700, seed=2, method=method, threads=1, pairs=pairs)
    two = simulate_block(problem, ns, None, 700, seed=2, method=method, threads=2, pairs=pairs)
    for k in one:
        assert np.array_equal(one[k].errors, two[k].errors)


def test_bad_downstream_grids():
    problem = GRIDS["iso"][0]
    with pytest.raises(SpecError, match="pairs"):
        simulate_block(problem, [1], None, 10, 0, pairs=[(5, 0.1, 3)])
    with pytest.raises(SpecError, match="not both"):
        simulate_block(problem, [1], [0.1], 10, 0, pairs=[(5, 0.1)])
    with pytest.raises(SpecError, match="T"):
        simulate_block(problem, [1], [0.1], 10, 0, Ts=[0])
    with pytest.raises(SpecError, match="Ts"):
        simulate_block(problem, [1], [0.1], 10, 0, Ts=[])


def test_a_sampler_sharing_only_over_n_and_lambda_runs_one_block_per_T():
    # a sharing sampler without draw_grid: each T is its own (n, λ) block with the seed _T_seed(seed, T)
    from symcollapse.simulate import _block
    from symcollapse.simulate.samplers import register, unregister
    from symcollapse.simulate.samplers._builtin import Collapsed

    class NoT(Collapsed):
        key = "collapsed-no-T"
        cost = 99.0
        draw_grid = None

    problem, ns, _, _ = GRIDS["power-law"]
    register(NoT())
    try:
        out = simulate_block(problem, ns, [0.0, 0.3], 150, seed=6, method="collapsed-no-T", Ts=[4, 18])
        for T in (4, 18):
            ref = simulate_block(
                problem.replace(T=T), ns, [0.0, 0.3], 150, seed=_block._T_seed(6, T), method="collapsed-no-T"
            )
            for (n, lam), r in ref.items():
                assert out[(n, T, lam)].method == "collapsed-no-T"
                assert np.array_equal(out[(n, T, lam)].errors, r.errors)
        assert not np.array_equal(
            out[(2, 4, 0.3)].chain_errors, out[(2, 18, 0.3)].chain_errors
        )  # one chain per T
    finally:
        unregister("collapsed-no-T")
