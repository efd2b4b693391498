r"""The one generic loop of the fake-data chain (paper Eqs. 4–6; see docs/theory/setup.md).

Generation :math:`m \to m + 1`: draw fresh data from the stream, label it with the current generator plus
noise, fit — the new fit is generator :math:`m + 1`. Everything a chain varies (what a design is, what a fit
is, what is recorded per generation) is a callback; the loop itself, and therefore the order in which a
stream is consumed (all of generation 0's draws, then generation 1's, ...), is written once.

Users: the plain-numpy oracle (:mod:`symcollapse.simulate._reference`), the kernel-ridge and
random-features chains on real data (:mod:`symcollapse.simulate.kernel_ridge`). The numba samplers run the
same recursion inside compiled kernels (:mod:`symcollapse.simulate._kernels`): a Python callback per
generation would cost more than the generation itself there, so they restate it in a fixed order of draws
documented beside each kernel.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["run_chain"]


def run_chain(
    state: Any,
    generations: int,
    draw: Callable[[Any, int], Any],
    fit: Callable[[Any, Any, int], Any],
    gen,
    record: Callable[[int, Any], None] | None = None,
) -> Any:
    """Run ``generations`` steps of the chain from ``state`` and return the final state.

    Parameters
    ----------
    state
        Generator 0 (e.g. the ground truth :math:`w_0`, or a function's values on a data set).
    generations : int
        Number of fits.
    draw : callable ``(gen, m) -> data``
        Fresh data of generation ``m`` (designs, sample indices, noise), drawn from ``gen`` in a fixed order.
    fit : callable ``(state, data, m) -> state``
        Label ``data`` with ``state`` and fit: the next generator.
    gen : numpy.random.Generator
    record : callable ``(m, state)``, optional
        Called after every fit with the index of the new generator (``1..generations``).
    """
    for m in range(generations):
        state = fit(state, draw(gen, m), m)
        if record is not None:
            record(m + 1, state)
    return state
