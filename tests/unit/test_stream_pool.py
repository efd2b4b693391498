"""Stream seeding (simulate._seeding) and the per-thread pool of numba stream lists (simulate._seeding.streams):
the compiled seeding equals numpy's ``PCG64(SeedSequence(seed).spawn(S)[i])``, and a pooled, re-seeded list
gives bit for bit the values of a list of fresh ``default_rng`` Generators, for every numba sampler; and the
register-held normals of simulate._rng equal the Generator's own."""

import threading

import numpy as np
import pytest
from numba import njit
from numba.typed import List

from symcollapse.simulate import _seeding, samplers, simulate
from symcollapse.simulate import monte_carlo as mc
from symcollapse.simulate._rng import normals
from symcollapse.spec import Chain, Problem, Ridge, Spectrum, Target


def _numpy_rows(seed, start, stop):
    out = []
    for i in range(start, stop):
        st = np.random.PCG64(np.random.SeedSequence(seed).spawn(stop)[i]).state["state"]
        out.append([st["state"] & (2**64 - 1), st["state"] >> 64, st["inc"] & (2**64 - 1), st["inc"] >> 64])
    return np.array(out, dtype=np.uint64).reshape(-1, 4)


@pytest.mark.parametrize("seed", [0, 1, 12345, 2**32 - 1, 2**32, 2**40 + 7, 2**128 - 1, 2**130 + 99, 2**200])
def test_state_rows_equal_numpys_seed_sequence_and_pcg64(seed):
    mixer, const0 = _seeding.common(seed)
    for start, stop in ((0, 40), (17, 23), (39, 40)):
        got = _seeding.state_rows(mixer, const0, start, stop - start)
        assert np.array_equal(got, _numpy_rows(seed, start, stop)), (start, stop)


def _problem():
    return Problem(Spectrum.power_law(12, 1.5), Target.isotropic(), Chain(n=3, T0=30, sigma0=0.3),
                   Ridge(T=40, sigma=0.5, lam=0.01))


def _fresh_list(seed, start, stop):
    out = List()
    for s in np.random.SeedSequence(seed).spawn(stop)[start:]:
        out.append(np.random.default_rng(s))
    return out


@pytest.mark.parametrize("method", ["collapsed", "bartlett", "ols-law"])
def test_pooled_streams_equal_fresh_generators(method):
    p = _problem().replace(lam=0) if method == "ols-law" else _problem()
    sampler, pp = samplers.get(method), samplers.plain(p)
    B, reps = 3, 20
    for seed, start in ((1, 0), (2, 5), (2**70, 1), (1, 0)):
        want = sampler.draw(pp, _fresh_list(seed, start, start + 7), B, reps)["errors"]
        got = sampler.draw(pp, _seeding.streams(sampler, seed, start, start + 7), B, reps)["errors"]
        assert np.array_equal(got, want), (seed, start)
    assert len([k for k in _seeding._POOLS.lists if k == 7]) == 1  # one pooled list, re-seeded each time


def test_reseeding_clears_a_buffered_32_bit_half():
    sampler = samplers.get("collapsed")
    gens = _seeding.streams(sampler, 5, 0, 2)
    pool = _seeding._POOLS.lists[2]
    pool.gens[0].integers(0, 10, dtype=np.uint32)  # leaves has_uint32 = 1 and a buffered word
    assert pool.gens[0].bit_generator.state["has_uint32"] == 1
    assert _seeding.streams(sampler, 5, 0, 2) is gens
    fresh = np.random.PCG64(np.random.SeedSequence(5).spawn(2)[0]).state
    assert pool.gens[0].bit_generator.state == fresh


def test_setter_fallback_gives_the_same_streams(monkeypatch):
    sampler, pp = samplers.get("collapsed"), samplers.plain(_problem())
    want = sampler.draw(pp, _fresh_list(3, 2, 6), 2, 8)["errors"]
    _seeding._POOLS.lists = {}
    monkeypatch.setattr(_seeding, "_addresses", lambda gens: (np.zeros(len(gens), dtype=np.int64), None))
    got = sampler.draw(pp, _seeding.streams(sampler, 3, 2, 6), 2, 8)["errors"]
    _seeding._POOLS.lists = {}
    assert np.array_equal(got, want)


def test_pool_is_per_thread_and_bounded():
    p = Problem(Spectrum.isotropic(6), Target.isotropic(), Chain(n=2, T0=20, sigma0=0.2),
                Ridge(T=20, sigma=0.3, lam=0.1))
    ref = simulate(p, 50, 7, method="collapsed").errors.copy()
    out = {}

    def run():
        out["thread"] = simulate(p, 50, 7, method="collapsed").errors.copy()
        out["lists"] = _seeding._POOLS.lists

    t = threading.Thread(target=run)
    t.start()
    t.join(60)
    assert np.array_equal(out["thread"], ref)
    assert out["lists"] is not _seeding._POOLS.lists
    for reps in range(2, 40):  # many stream counts: the pool keeps the most recent few
        simulate(p, reps * mc.block_size("collapsed", p), 0, method="collapsed")
    assert len(_seeding._POOLS.lists) <= _seeding.POOL_LENGTHS


@njit
def _interleaved(gen, at, out, run):
    """Runs of normals from _rng.normals between chi-squares drawn by the Generator's own method."""
    chi = np.zeros(out.size // run + 1)
    k = 0
    while k < out.size:
        chi[k // run] = gen.chisquare(3.5 + k % 7)
        normals(gen, at, out, k, min(out.size, k + run))
        k += run
    return chi


@njit
def _own(gen, out, run):
    chi = np.zeros(out.size // run + 1)
    k = 0
    while k < out.size:
        chi[k // run] = gen.chisquare(3.5 + k % 7)
        for i in range(k, min(out.size, k + run)):
            out[i] = gen.standard_normal()
        k += run
    return chi


@pytest.mark.parametrize("run", [1, 37, 10**6])
def test_register_normals_equal_the_generators_own(run):
    """10^6 normals reach every branch of the ziggurat (about 1 % leave the rectangles, 0.03 % the tail)."""
    pool_gens = _seeding.streams(samplers.get("collapsed"), 9, 0, 1)
    at = _seeding.addresses(pool_gens)
    assert at[0] != 0  # the layout check passed on this platform: the fast path is what runs
    mine, ref = np.empty(10**6), np.empty(10**6)
    chi = _interleaved(pool_gens[0], at[0], mine, run)
    want = _own(np.random.default_rng(np.random.SeedSequence(9).spawn(1)[0]), ref, run)
    assert np.array_equal(mine, ref) and np.array_equal(chi, want)
    slow = np.empty(10**6)
    _interleaved(np.random.default_rng(np.random.SeedSequence(9).spawn(1)[0]), 0, slow, run)
    assert np.array_equal(slow, ref)
    assert np.sum(np.abs(ref) > 3.654) > 50  # the tail beyond the ziggurat's r was exercised


def test_addresses_are_zero_for_a_list_not_from_the_pool():
    assert np.array_equal(_seeding.addresses(_fresh_list(1, 0, 3)), np.zeros(3, dtype=np.int64))
