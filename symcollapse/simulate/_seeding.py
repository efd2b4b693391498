r"""A call's random streams: per-thread pools of numba Generator lists, seeded all at once in compiled code.

Stream ``i`` of a call with seed ``seed`` is ``default_rng(SeedSequence(seed).spawn(S)[i])``. Building a
numba typed list of new Generators costs ~57 µs per stream (numba unboxes each one) and re-seeding one
through ``bit_generator.state`` ~24 µs, a serial cost that bounded how small a stream could be. So
:func:`streams` keeps, per thread, its lists by length (:class:`_Pool`, at most :data:`POOL_LENGTHS`), and
re-seeds them by computing the same 128-bit states in one compiled loop over the streams and writing them
straight into the Generators' state memory (a few µs per call, 0.03 µs per stream). The numba list holds
pointers to that memory, so the kernels see exactly fresh Generators:

* :func:`common` mixes the words every stream shares: the run entropy (``seed``'s 32-bit words, padded to
  the pool of four) goes through numpy's seed-sequence hash (O'Neill's ``hashmix``/``mix``). The hash's
  running constant advances the same way whatever the values, so the four constants the spawn key will
  meet are known in advance.
* :func:`state_rows` mixes each spawn key ``i`` into that pool, runs ``generate_state(4, uint64)``, and
  seeds PCG64 (``pcg_setseq_128_srandom_r``): with ``v`` the four state words, ``initstate = v_0·2^64 +
  v_1`` and ``initseq = v_2·2^64 + v_3``,

  .. math::
      inc = 2\,initseq + 1,\qquad state = (inc + initstate)\,M + inc \bmod 2^{128}

  (two steps of the LCG from state 0; :math:`M` is PCG's default 128-bit multiplier).
* :func:`write_states` stores the rows into the Generators' ``pcg64_state`` structs.

The reference twin is numpy itself (``PCG64(SeedSequence(seed).spawn(S)[i]).state``); the tests compare
the two for one- and many-word seeds and for any range of stream indices. Before it ever writes, the pool
checks the struct layout against numpy's own ``state`` (:func:`_checked`: 64-bit pointers, native-order
128-bit words, not MSVC's emulated high/low pair); otherwise it re-seeds through the ``state`` setter, with
the same values, and :func:`addresses` gives 0 (the kernels then draw through the Generators' methods).
"""

from __future__ import annotations

import ctypes
import functools
import threading

import numpy as np
from numba import carray, njit

from symcollapse.simulate._rng import _mul_hi, _pointer

__all__ = ["streams", "addresses", "state_rows", "write_states", "common"]

_M32 = 0xFFFFFFFF
_INIT_A, _MULT_A = 0x43B0D7E5, 0x931E8875
_INIT_B, _MULT_B = 0x8B51F9DD, 0x58F38DED
_MIX_L, _MIX_R = 0xCA01F9DD, 0x4973F715
_POOL = 4
_PCG_MULT = 0x2360ED051FC65DA44385DF649FCCF645  # PCG_DEFAULT_MULTIPLIER_128
_PCG_MULT_LO, _PCG_MULT_HI = _PCG_MULT & (2**64 - 1), _PCG_MULT >> 64  # numba has no 128-bit ints
MAX_KEY = 2**32  # a spawn key at or above this has two 32-bit words: numpy's own objects are used instead


def _hashmix(value: int, const: int) -> int:
    value = ((value ^ const) * ((const * _MULT_A) & _M32)) & _M32
    return value ^ (value >> 16)


def _mix(x: int, y: int) -> int:
    result = (_MIX_L * x - _MIX_R * y) & _M32
    return result ^ (result >> 16)


@functools.lru_cache(maxsize=64)
def common(seed: int) -> tuple[np.ndarray, np.uint64]:
    """The pool after ``seed``'s run entropy, and the first ``hashmix`` constant its spawn key meets.

    numpy pads the run entropy with zeros to the pool size whenever a spawn key follows, then mixes every
    word; only the key differs between streams."""
    run = [(seed >> (32 * k)) & _M32 for k in range(max(1, -(-seed.bit_length() // 32)))]
    run += [0] * (_POOL - len(run))
    consts = [_INIT_A]

    def h(value: int) -> int:
        out = _hashmix(value, consts[-1])
        consts.append((consts[-1] * _MULT_A) & _M32)
        return out

    mixer = [h(w) for w in run[:_POOL]]
    for src in range(_POOL):
        for dst in range(_POOL):
            if src != dst:
                mixer[dst] = _mix(mixer[dst], h(mixer[src]))
    for w in run[_POOL:]:
        for dst in range(_POOL):
            mixer[dst] = _mix(mixer[dst], h(w))
    return np.array(mixer, dtype=np.uint64), np.uint64(consts[-1])


_U = np.uint64
_GEN_CONSTS = [_INIT_B]
for _ in range(7):
    _GEN_CONSTS.append((_GEN_CONSTS[-1] * _MULT_B) & _M32)
GEN_CONSTS = np.array(_GEN_CONSTS, dtype=np.uint64)


@njit(cache=True)
def state_rows(mixer, const0, start, count):
    """``(state_lo, state_hi, inc_lo, inc_hi)`` of streams ``start .. start + count - 1`` (module docstring).

    ``mixer`` and ``const0`` are :func:`common`'s (the pool and the first key constant); keys < 2**32."""
    m32, s16, s32, one = _U(_M32), _U(16), _U(32), _U(1)
    mult_a, mult_b, mix_l, mix_r = _U(_MULT_A), _U(_MULT_B), _U(_MIX_L), _U(_MIX_R)
    m_lo, m_hi = _U(_PCG_MULT_LO), _U(_PCG_MULT_HI)
    out = np.empty((count, 4), dtype=np.uint64)
    pool = np.empty(4, dtype=np.uint64)
    words = np.empty(8, dtype=np.uint64)
    for i in range(count):
        key = _U(start + i)
        const = const0
        for dst in range(4):
            nxt = (const * mult_a) & m32
            h = ((key ^ const) * nxt) & m32
            h ^= h >> s16
            const = nxt
            x = (mix_l * mixer[dst] - mix_r * h) & m32
            pool[dst] = x ^ (x >> s16)
        for k in range(8):
            c = GEN_CONSTS[k]
            val = ((pool[k % 4] ^ c) * ((c * mult_b) & m32)) & m32
            words[k] = val ^ (val >> s16)
        v0, v1 = words[0] | (words[1] << s32), words[2] | (words[3] << s32)
        v2, v3 = words[4] | (words[5] << s32), words[6] | (words[7] << s32)
        inc_lo, inc_hi = (v3 << one) | one, (v2 << one) | (v3 >> _U(63))
        t_lo = inc_lo + v1
        t_hi = inc_hi + v0 + (_U(1) if t_lo < inc_lo else _U(0))
        lo = t_lo * m_lo
        hi = _mul_hi(t_lo, m_lo) + t_lo * m_hi + t_hi * m_lo
        s_lo = lo + inc_lo
        out[i, 0] = s_lo
        out[i, 1] = hi + inc_hi + (_U(1) if s_lo < lo else _U(0))
        out[i, 2], out[i, 3] = inc_lo, inc_hi
    return out


@njit(cache=True)
def write_states(rows, state_at, header_at):
    """Store row ``i`` at ``state_at[i]`` (a PCG64's 128-bit state then inc, native words) and clear the
    8 bytes at ``header_at[i]`` (its ``has_uint32`` and ``uinteger``): exactly a fresh Generator's state."""
    for i in range(rows.shape[0]):
        dst = carray(_pointer(state_at[i]), (4,))
        for k in range(4):
            dst[k] = rows[i, k]
        carray(_pointer(header_at[i]), (1,))[0] = _U(0)


# ---------------------------------------------------------------------------------------------------------
# The per-thread pool
# ---------------------------------------------------------------------------------------------------------

_POOLS = threading.local()  # per thread: {number of streams: _Pool}
POOL_LENGTHS = 8
_M64 = 2**64 - 1


class _Pool:
    """A numba typed list of ``size`` Generators, with the addresses :func:`write_states` and
    :func:`~symcollapse.simulate._rng.normals` use (``at`` all 0 and ``header_at`` None when unchecked)."""

    def __init__(self, size: int) -> None:
        from numba.typed import List  # noqa: PLC0415

        self.gens = [np.random.default_rng(0) for _ in range(size)]
        self.typed = List()
        for g in self.gens:
            self.typed.append(g)
        self.at, self.header_at = _addresses(self.gens)

    def seed(self, seed: int, start: int) -> None:
        """Make stream ``j`` of the list stream ``start + j`` of ``SeedSequence(seed).spawn(·)``."""
        size = len(self.gens)
        if self.header_at is None or start + size > MAX_KEY:
            for g, s in zip(self.gens, children(seed, start, start + size)):
                g.bit_generator.state = np.random.PCG64(s).state
            return
        mixer, const0 = common(seed)
        write_states(state_rows(mixer, const0, start, size), self.at, self.header_at)


def _addresses(gens: list) -> tuple[np.ndarray, np.ndarray | None]:
    """``(at, header_at)`` of every Generator (:func:`_checked`), or zeros and None if any fails the check."""
    found = [_checked(g.bit_generator) for g in gens] if _layout_ok() else [None]
    if any(f is None for f in found):
        return np.zeros(len(gens), dtype=np.int64), None
    return np.array([f[0] for f in found], dtype=np.int64), np.array([f[1] for f in found], dtype=np.int64)


def _checked(bg) -> tuple[int, int] | None:
    """(address of the 128-bit state and inc, address of ``has_uint32`` and ``uinteger``) of a PCG64 whose
    memory holds exactly what numpy's ``state`` reports in the expected layout (``pcg64_state`` = {pointer to
    the state and inc, int has_uint32, uint32 uinteger}); None otherwise."""
    if type(bg) is not np.random.PCG64 or ctypes.sizeof(ctypes.c_void_p) != 8:
        return None
    base = bg.ctypes.state_address
    at = ctypes.c_uint64.from_address(base).value
    st = bg.state
    s, inc = st["state"]["state"], st["state"]["inc"]
    if list((ctypes.c_uint64 * 4).from_address(at)) != [s & _M64, s >> 64, inc & _M64, inc >> 64]:
        return None
    if list((ctypes.c_uint32 * 2).from_address(base + 8)) != [st["has_uint32"], st["uinteger"]]:
        return None
    return at, base + 8


@functools.lru_cache(maxsize=1)
def _layout_ok() -> bool:
    """One probe of the layout on this platform, with a buffered 32-bit half made non-zero (a fresh
    Generator's zeros would match a wrong offset too)."""
    bg = np.random.PCG64(12345)
    np.random.Generator(bg).integers(0, 2**32, dtype=np.uint32)  # leaves has_uint32 = 1 and a buffered word
    return bg.state["has_uint32"] == 1 and _checked(bg) is not None


def children(seed: int, start: int, stop: int) -> list:
    """``SeedSequence(seed).spawn(stop)[start:]`` without building the first ``start`` children."""
    return [np.random.SeedSequence(seed, spawn_key=(i,)) for i in range(start, stop)]


def addresses(gens) -> np.ndarray:
    """The PCG64 state addresses of a list made by :func:`streams` on this thread (what
    :func:`~symcollapse.simulate._rng.normals` reads); zeros (draw through the Generators' own methods) for
    any other list or when the layout check failed. The values are the same either way."""
    for pool in getattr(_POOLS, "lists", {}).values():
        if pool.typed is gens:
            return pool.at
    return np.zeros(len(gens), dtype=np.int64)


def streams(sampler, seed: int, start: int, stop: int):
    """Generators of streams ``start .. stop - 1`` of ``SeedSequence(seed).spawn(·)``: this thread's pooled
    numba typed list of that length, re-seeded in place, or a plain list of fresh numpy Generators for a
    sampler with ``numpy_streams``."""
    if sampler.numpy_streams:
        return [np.random.default_rng(s) for s in children(seed, start, stop)]
    pools = getattr(_POOLS, "lists", None)
    if pools is None:
        pools = _POOLS.lists = {}
    pool = pools.pop(stop - start, None) or _Pool(stop - start)
    pool.seed(seed, start)
    pools[stop - start] = pool  # most recently used last
    while len(pools) > POOL_LENGTHS:
        pools.pop(next(iter(pools)))
    return pool.typed
