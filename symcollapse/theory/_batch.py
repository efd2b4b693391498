r"""``predict`` over many problems at once (float64): the spectral work of a whole grid in a few array passes.

A figure's theory curve is thousands of problems sharing one spectrum and target and differing in
:math:`(n, T, \lambda)`. Per point, ``predict`` spends most of its time in :math:`O(d)` numpy reductions on
small arrays: the root :math:`\kappa(\lambda, T)` of Eq. 9, the four spectral sums of Prop 4.2 at
:math:`\kappa`, and :math:`\mathrm{df}_2(\kappa)` of the finite-size scale (paper §4.2; see
docs/theory/results.md). :func:`predict_many` computes those for every point of a spectrum in one array
iteration (:func:`~symcollapse.theory.fixed_point._kappa_many`: the scalar Newton, point by point, as
masks) and then runs ``predict``'s own code per point with them filled in (:class:`_Filled`): regime
selection, the result's terms, the checks, warnings and errors are exactly those of :func:`predict`.

The values are those of ``predict``: the same operations on the same numbers, with row-wise ``einsum``
for the sums (numpy reduces each row with the kernel it uses for a 1-D sum; the tests compare every
quantity on the figure grids and on random problems, and require agreement to 1e-12 relative at least).
A point the array pass does not settle (no finite root within the iteration budget, or a sum at another
:math:`\kappa`) is computed by the ordinary scalar code.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from symcollapse.spec import Problem, RegimeError
from symcollapse.theory import _spectral
from symcollapse.theory import fixed_point as fp
from symcollapse.theory._backends import FloatOps
from symcollapse.theory.predict import _check_args, _predict_case
from symcollapse.theory.regimes import resolve

__all__ = ["predict_many"]

# Points per array pass: keeps the (points × distinct eigenvalues) work arrays near 16 MiB.
_CELLS = 2_000_000


class _Filled(FloatOps):
    """:class:`FloatOps` with κ(λ, T) and the sums at that κ already computed (used only on exact matches)."""

    def __init__(self, p: Problem, T: float, kappa: float, sums: tuple, kappa0: dict):
        super().__init__(p)
        self._T, self._k, self._sums, self._k0 = T, kappa, sums, kappa0

    def kappa(self, T):
        return self._k if float(T) == self._T else super().kappa(T)

    def kappa0(self, T0):
        key = float(T0)
        if key not in self._k0:
            self._k0[key] = super().kappa0(T0)
        return self._k0[key]

    def sums(self, k):
        return self._sums if k == self._k else super().sums(k)


def _sums_many(k: np.ndarray, u: np.ndarray, m: np.ndarray, s: np.ndarray) -> tuple:
    """``FloatOps.sums`` and ``df_grouped(2, ·)`` at every κ of ``k`` (row-wise, the same products)."""
    if u.size == 1:
        inv = 1.0 / (u[0] + k)
        rr = u[0] * inv
        r2 = (u[0] / (u[0] + k)) ** 2
        return rr * m[0], rr * rr * m[0], s[0] * rr * inv, m[0] * inv * inv, r2 * m[0]
    inv = 1.0 / (u + k[:, None])
    rr = u * inv
    es = np.einsum
    r2 = (u / (u + k[:, None])) ** 2
    return (es("pk,k->p", rr, m), es("pk,pk,k->p", rr, rr, m), es("k,pk,pk->p", s, rr, inv),
            es("k,pk,pk->p", m, inv, inv), es("pk,k->p", r2, m))


def _spectral_pass(problems: list, idx: list[int]) -> dict[int, tuple]:
    """κ, the four sums and df₂(κ) of the points ``idx`` (one spectrum/target pair), keyed by point."""
    p0 = problems[idx[0]]
    u, m, s = _spectral.groups(p0, "float")
    prep = fp._kappa_prep(u, m)
    out: dict[int, tuple] = {}
    step = max(1, _CELLS // max(u.size, 1))
    for start in range(0, len(idx), step):
        chunk = idx[start:start + step]
        lam = np.array([float(problems[i].downstream.lam) for i in chunk])
        T = np.array([float(problems[i].downstream.T) for i in chunk])
        k, ok = fp._kappa_many(lam, T, u, m, prep)
        with np.errstate(all="ignore"):
            cols = _sums_many(k, u, m, s)
        fine = (ok & np.all(np.isfinite(np.vstack(cols)), axis=0)).tolist()
        Tl, kl = T.tolist(), k.tolist()  # Python floats, as the scalar code returns them
        c1, c2, c3, c4, c5 = (c.tolist() for c in cols)
        for j, i in enumerate(chunk):
            if fine[j]:
                out[i] = (Tl[j], kl[j], (c1[j], c2[j], c3[j], c4[j]), c5[j])
    return out


def predict_many(problems: Sequence[Problem], normalization: str = "paper") -> list:
    r"""Float64 :func:`~symcollapse.theory.predict` of every problem, computed together.

    Parameters
    ----------
    problems : sequence of Problem
        Any problems; those sharing a spectrum and a target object (e.g. built by ``Problem.replace`` from
        one base) share one array pass.
    normalization : {"paper", "finite"}
        As for ``predict``.

    Returns
    -------
    list
        One entry per problem, in order: its :class:`~symcollapse.theory.predict.Prediction`, or the
        :class:`~symcollapse.spec.RegimeError` that ``predict`` raises for it (no result covers it, or it
        is numerically degenerate). Warnings are those ``predict`` gives, point by point.

    Raises
    ------
    SpecError
        What ``predict`` raises for bad arguments (not a Problem, an unknown normalisation).
    """
    problems = list(problems)
    out: list = [None] * len(problems)
    cases: dict[int, object] = {}
    groups: dict[tuple, list[int]] = {}
    for i, p in enumerate(problems):
        try:
            _check_args(p, None)
            cases[i] = resolve(p, normalization)
        except RegimeError as exc:
            out[i] = exc
            continue
        groups.setdefault((id(p.spectrum), id(p.target)), []).append(i)
    filled: dict[int, tuple] = {}
    for idx in groups.values():
        filled.update(_spectral_pass(problems, idx))
    kappa0: dict[tuple, dict] = {}  # κ(0, T0) per spectrum, shared by the points of a chain
    for i, case in cases.items():
        p = problems[i]
        hit = filled.get(i)
        if hit is None:
            ops, df2_at = FloatOps(p), None
        else:
            T, k, sums, df2 = hit
            ops = _Filled(p, T, k, sums, kappa0.setdefault((id(p.spectrum), id(p.target)), {}))
            df2_at = {k: df2}
        try:
            out[i] = _predict_case(p, case, ops, None, df2_at)
        except RegimeError as exc:
            out[i] = exc
    return out

