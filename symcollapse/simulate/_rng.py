r"""Standard normals from a PCG64 Generator's own state, held in registers: numpy's draws, bit for bit, faster.

A numba ``Generator.standard_normal()`` calls PCG64's ``next_uint64`` through a function pointer, which
loads and stores the 128-bit state in memory each time (8.8–10.5 ns per normal on the development
machine). The Bartlett factor of a downstream ridge step needs :math:`d^2/2` normals per replicate, about a
fifth of its time at :math:`d = 200`. :func:`normals` draws a run of them with the state in local
variables (5.7 ns per normal) and stores it back at the end, so draws before and after it through the
Generator's own methods continue the same stream.

The algorithm is numpy's, step by step:

* PCG64 (XSL-RR 128/64): :math:`s \leftarrow sM + inc \bmod 2^{128}`, output
  :math:`\mathrm{rotr}_{64}(s_{hi} \oplus s_{lo},\ s_{hi} \gg 58)`;
* ``random_standard_normal``'s ziggurat (256 layers; numba's tables ``ki_double``, ``wi_double``,
  ``fi_double``): 8 bits pick the layer, 1 bit the sign and 52 bits the abscissa; a draw inside the layer's
  rectangle is returned at once (about 99 % of draws), otherwise the wedge or the tail test of
  :func:`_reject` decides, with ``next_double`` :math:`= (x \gg 11)\,2^{-53}`.

``at`` is the address of the Generator's 128-bit state and increment (``state_lo, state_hi, inc_lo,
inc_hi``, native words), checked against numpy's own ``state`` by
:func:`symcollapse.simulate._seeding._checked` before it is ever used; ``at = 0`` draws through
``gen.standard_normal()`` instead (the reference twin, which the tests compare against bit for bit).
"""

from __future__ import annotations

import numpy as np
from llvmlite import ir
from numba import carray, njit, types
from numba.extending import intrinsic
from numba.np.random._constants import fi_double, ki_double, wi_double, ziggurat_nor_inv_r, ziggurat_nor_r

__all__ = ["normals"]

_U = np.uint64
_M_LO, _M_HI = 0x4385DF649FCCF645, 0x2360ED051FC65DA4  # PCG's default 128-bit multiplier
_TO_DOUBLE = 1.0 / 9007199254740992.0  # 2^-53


@intrinsic
def _pointer(typingctx, address):
    """An integer address as a ``uint64*`` (for :func:`numba.carray`)."""
    if not isinstance(address, types.Integer):
        return None
    sig = types.CPointer(types.uint64)(address)

    def codegen(context, builder, signature, args):
        return builder.inttoptr(args[0], context.get_value_type(signature.return_type))

    return sig, codegen


@intrinsic
def _mul_hi(typingctx, a, b):
    """High 64 bits of the 128-bit product of two uint64 (one ``mul`` on x86-64 and arm64)."""
    sig = types.uint64(types.uint64, types.uint64)

    def codegen(context, builder, signature, args):
        wide = ir.IntType(128)
        prod = builder.mul(builder.zext(args[0], wide), builder.zext(args[1], wide))
        return builder.trunc(builder.lshr(prod, ir.Constant(wide, 64)), ir.IntType(64))

    return sig, codegen


@njit(cache=True, inline="always")
def _output(lo, hi):
    """PCG64's XSL-RR output of a 128-bit state: the xor of its halves, rotated right by its top 6 bits."""
    rot = hi >> _U(58)
    x = hi ^ lo
    return (x >> rot) | (x << ((_U(64) - rot) & _U(63)))


@njit(cache=True, inline="always")
def _step(lo, hi, inc_lo, inc_hi):
    r"""One step of PCG64's 128-bit LCG, :math:`s \leftarrow sM + inc`, on its 64-bit halves."""
    m_lo = _U(_M_LO)
    prod_lo = lo * m_lo
    new_lo = prod_lo + inc_lo
    new_hi = _mul_hi(lo, m_lo) + lo * _U(_M_HI) + hi * m_lo + inc_hi + (_U(1) if new_lo < prod_lo else _U(0))
    return new_lo, new_hi


@njit(cache=True, inline="always")
def _layer(r):
    """numpy's split of one ziggurat draw: layer (8 bits), sign (1 bit), abscissa (52 bits) and its value."""
    idx = r & _U(0xFF)
    r >>= _U(8)
    rabs = (r >> _U(1)) & _U(0x000FFFFFFFFFFFFF)
    x = rabs * wi_double[idx]
    if r & _U(1):
        x = -x
    return idx, rabs, x


@njit(cache=True)
def _next64(st):
    """One PCG64 step on the state in memory (``st`` = state_lo, state_hi, inc_lo, inc_hi); its output."""
    st[0], st[1] = _step(st[0], st[1], st[2], st[3])
    return _output(st[0], st[1])


@njit(cache=True)
def _reject(st, idx, rabs, x):
    """The rest of numpy's ziggurat after a draw outside its layer's rectangle (rare; state in memory)."""
    while True:
        if idx == 0:  # the tail beyond r: Marsaglia's exponential method
            while True:
                xx = -ziggurat_nor_inv_r * np.log1p(-((_next64(st) >> _U(11)) * _TO_DOUBLE))
                yy = -np.log1p(-((_next64(st) >> _U(11)) * _TO_DOUBLE))
                if yy + yy > xx * xx:
                    return -(ziggurat_nor_r + xx) if (rabs >> _U(8)) & _U(1) else ziggurat_nor_r + xx
        elif (fi_double[idx - 1] - fi_double[idx]) * ((_next64(st) >> _U(11)) * _TO_DOUBLE) + fi_double[idx] < np.exp(
            -0.5 * x * x
        ):
            return x
        idx, rabs, x = _layer(_next64(st))  # rejected: a fresh draw
        if rabs < ki_double[idx]:
            return x


@njit(cache=True)
def normals(gen, at, out, start, stop):
    """``out[start:stop]`` ← the Generator's next ``stop - start`` standard normals, in order (module
    docstring); ``at`` is its state address, or 0 to draw through ``gen.standard_normal()``."""
    if at == 0:
        for i in range(start, stop):
            out[i] = gen.standard_normal()
        return
    st = carray(_pointer(at), (4,))
    lo, hi, inc_lo, inc_hi = st[0], st[1], st[2], st[3]
    for i in range(start, stop):
        lo, hi = _step(lo, hi, inc_lo, inc_hi)
        idx, rabs, x = _layer(_output(lo, hi))
        if rabs < ki_double[idx]:
            out[i] = x
        else:
            st[0], st[1] = lo, hi
            out[i] = _reject(st, idx, rabs, x)
            lo, hi = st[0], st[1]
    st[0], st[1] = lo, hi
