"""The per-thread pool of numba stream lists (simulate.monte_carlo._streams): a re-seeded pooled list gives
bit for bit the values of a freshly built one, for every numba sampler, across seeds and stream counts."""

import threading

import numpy as np
import pytest

from symcollapse.simulate import monte_carlo as mc
from symcollapse.simulate import simulate
from symcollapse.spec import Chain, Problem, Ridge, Spectrum, Target


def _fresh(p, reps, seed, method):
    mc._POOLS.lists = {}
    return simulate(p, reps, seed, method=method).errors.copy()


@pytest.mark.parametrize("method", ["collapsed", "bartlett"])
def test_pooled_streams_equal_fresh_streams(method):
    p = Problem(Spectrum.power_law(12, 1.5), Target.isotropic(), Chain(n=3, T0=30, sigma0=0.3),
                Ridge(T=40, sigma=0.5, lam=0.01))
    fresh = {seed: _fresh(p, 64, seed, method) for seed in (1, 2)}
    mc._POOLS.lists = {}
    first = simulate(p, 64, 1, method=method).errors
    lists = dict(mc._POOLS.lists)
    again = simulate(p, 64, 2, method=method).errors  # the same typed list, re-seeded
    assert all(mc._POOLS.lists[k][0] is v[0] for k, v in lists.items())  # the pool was reused
    assert np.array_equal(first, fresh[1]) and np.array_equal(again, fresh[2])
    other = simulate(p, 64, 1, method=method).errors
    assert np.array_equal(other, fresh[1])


def test_pool_is_per_thread_and_bounded():
    p = Problem(Spectrum.isotropic(6), Target.isotropic(), Chain(n=2, T0=20, sigma0=0.2), Ridge(T=20, sigma=0.3,
                                                                                              lam=0.1))
    ref = _fresh(p, 50, 7, "collapsed")
    out = {}

    def run():
        out["thread"] = simulate(p, 50, 7, method="collapsed").errors.copy()
        out["lists"] = mc._POOLS.lists

    t = threading.Thread(target=run)
    t.start()
    t.join(60)
    assert np.array_equal(out["thread"], ref)
    assert out["lists"] is not mc._POOLS.lists
    for reps in range(2, 40):  # many stream counts: the pool keeps the most recent few
        simulate(p, reps * mc.block_size("collapsed", p), 0, method="collapsed")
    assert len(mc._POOLS.lists) <= mc._POOL_LENGTHS
