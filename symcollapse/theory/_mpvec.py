r"""Elementwise mpmath kernels for the :math:`O(d)` loops of the mpmath backend (Lemma F.8's map, Thm 4.3).

Each operation is rounded once to the working precision with round-to-nearest, exactly as the ``mpf``
operators do, but is applied to the raw ``libmp`` values: no object creation or type dispatch per operation,
about half the cost. Inputs and outputs are lists of ``mpf``; sums go through ``mpmath.fdot`` (exact
accumulation, one rounding).
"""

from __future__ import annotations

import mpmath
from mpmath.libmp import mpf_add, mpf_mul

__all__ = ["affine", "scale", "wdot"]

_RND = "n"


def _raw(v) -> list:
    return [x._mpf_ if isinstance(x, mpmath.mpf) else mpmath.mpf(x)._mpf_ for x in v]


def affine(a, x, b, t) -> list:
    r""":math:`a_k x_k + b_k t` for every k (:math:`t` a scalar)."""
    prec, make = mpmath.mp.prec, mpmath.mp.make_mpf
    tr = mpmath.mpf(t)._mpf_
    return [make(mpf_add(mpf_mul(p, q, prec, _RND), mpf_mul(r, tr, prec, _RND), prec, _RND))
            for p, q, r in zip(_raw(a), _raw(x), _raw(b))]


def scale(a, x) -> list:
    r""":math:`a_k x_k` for every k."""
    prec, make = mpmath.mp.prec, mpmath.mp.make_mpf
    return [make(mpf_mul(p, q, prec, _RND)) for p, q in zip(_raw(a), _raw(x))]


def wdot(w, x, y):
    r""":math:`\sum_k w_k x_k y_k` (the products :math:`x_k y_k` rounded once, then one exact ``fdot``)."""
    return mpmath.fdot(w, scale(x, y))
