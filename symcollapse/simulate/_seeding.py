r"""Seeding many PCG64 streams at once: numpy's ``SeedSequence.spawn`` and PCG64 seeding, compiled.

Stream ``i`` of a call with seed ``seed`` is ``default_rng(SeedSequence(seed).spawn(S)[i])``. Building
or re-seeding those objects one by one costs 24–57 µs per stream in Python, a serial cost that bounded how
small a stream could be. Here the same 128-bit states are computed in one compiled loop over the streams
and written straight into the pooled Generators' state memory (about 0.1 µs per stream):

* :func:`_common` mixes the words every stream shares: the run entropy (``seed``'s 32-bit words, padded to
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
the two for one- and many-word seeds and for any range of stream indices, and the pool checks the struct
layout against numpy's own ``state`` before it ever writes (:mod:`symcollapse.simulate.monte_carlo`).
"""

from __future__ import annotations

import functools

import numpy as np
from numba import carray, njit

from symcollapse.simulate._rng import _mul_hi, _pointer

__all__ = ["state_rows", "write_states", "common"]

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
def common(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The pool after ``seed``'s run entropy, and the ``hashmix`` constants its four spawn-key mixes meet.

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
    return np.array(mixer, dtype=np.uint64), np.array([consts[-1]], dtype=np.uint64)


_U = np.uint64
_GEN_CONSTS = [_INIT_B]
for _ in range(7):
    _GEN_CONSTS.append((_GEN_CONSTS[-1] * _MULT_B) & _M32)
GEN_CONSTS = np.array(_GEN_CONSTS, dtype=np.uint64)


@njit(cache=True)
def state_rows(mixer, const0, gen_consts, start, count):
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
        const = const0[0]
        for dst in range(4):
            nxt = (const * mult_a) & m32
            h = ((key ^ const) * nxt) & m32
            h ^= h >> s16
            const = nxt
            x = (mix_l * mixer[dst] - mix_r * h) & m32
            pool[dst] = x ^ (x >> s16)
        for k in range(8):
            c = gen_consts[k]
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
