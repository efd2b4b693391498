"""Samplers behind one protocol, and their registry (see :mod:`symcollapse.simulate.samplers._base`).

``method="auto"`` is the cheapest registered sampler whose ``exact_for(problem)`` is ``None``.
"""

from symcollapse.simulate.samplers import _builtin  # noqa: F401  (registers the built-in samplers)
from symcollapse.simulate.samplers._base import (
    Plain,
    Sampler,
    get,
    plain,
    register,
    registered,
    unregister,
    workflow_key,
)

__all__ = ["Sampler", "Plain", "plain", "register", "unregister", "get", "registered", "workflow_key",
           "exact_samplers"]


def exact_samplers(problem) -> list[Sampler]:
    """The registered samplers exact for ``problem``, cheapest first (``auto`` uses the first)."""
    return [s for s in registered() if s.exact_for(problem) is None]
from symcollapse.simulate.samplers import workflows as _workflows  # noqa: E402,F401  (follow-up workflows)
