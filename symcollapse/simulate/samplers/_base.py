r"""The sampler protocol and its registry.

A sampler turns a :class:`~symcollapse.spec.Problem` into per-replicate downstream test errors
:math:`\|\hat w^{pred}_n - w_0\|_\Sigma^2` and chain errors :math:`\|\hat w_n - w_0\|_\Sigma^2` whose joint
law is *exactly* that of the process of Eqs. 4–7 (paper §3; the exactness proofs are in
docs/theory/simulation.md and in each sampler's docstring). Samplers differ only in cost and coverage.

Protocol (:class:`Sampler`):

``key``
    The name passed as ``simulate(..., method=key)``.
``cost``
    A rank: ``method="auto"`` picks the exact registered sampler with the smallest ``cost``.
``exact_for(problem)``
    ``None`` when the sampler is exact for ``problem``, else the failed condition as a sentence (it becomes
    the message of the :class:`~symcollapse.spec.RegimeError` raised when the sampler is asked for by name).
``per_rep(p)``
    Random numbers per replicate: it fixes the number of replicates per stream, hence the stream layout.
``draw(p, gens, B, reps)``
    Draw the replicates of the given streams (one Generator per stream, replicates dealt to streams in fixed
    contiguous ranges of ``B``) and reduce each to raw per-replicate arrays. The fast samplers draw inside
    their numba kernels.
``compute(p, raw)``
    Return ``(errors, chain_errors)`` from the raw arrays.
``shares`` / ``draw_block``
    Optional shared-randomness capability (:func:`~symcollapse.simulate.simulate_block`).
``draw_grid`` / ``grid_per_rep``
    Optional, with ``shares``: one chain per replicate for a grid over the downstream ``T`` as well
    (:func:`~symcollapse.simulate.simulate_block` with ``Ts`` or ``pairs``); without it a block runs one
    ``draw_block`` per ``T``.

A new workflow registers its sampler from its own module (``register(MySampler())``); nothing in
:mod:`~symcollapse.simulate.monte_carlo` changes. The built-in samplers declare themselves exact only for
the ``"replace"`` workflow.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = ["Sampler", "register", "unregister", "get", "registered", "workflow_key", "plain", "Plain"]


def workflow_key(problem) -> str:
    """The chain's workflow key (``"replace"`` when the spec has no workflow objects)."""
    return getattr(getattr(problem.chain, "workflow", None), "key", "replace")


@dataclass(frozen=True)
class Plain:
    """The problem as plain numbers (what the kernels see)."""

    ev: np.ndarray
    c: np.ndarray
    d: int
    n: int
    T0: int
    sigma0: float
    shared: bool
    T: int
    sigma: float
    lam: float
    problem: object = field(default=None, compare=False, repr=False)  # for samplers of workflow parameters

    @property
    def mu(self) -> float:
        return self.lam * self.T

    @property
    def G(self) -> int:
        """Number of distinct chain designs (Bartlett factors / chi-squares)."""
        return 0 if self.n == 0 else (1 if self.shared else self.n)


_LAST: tuple = (None, None)  # the last problem (held, so that its id is not reused) and its Plain


def plain(problem) -> Plain:
    """The kernels' view of ``problem``; the last one is kept, since one ``simulate`` call asks up to three
    times and building the spectrum's arrays costs ~0.1 ms (``Problem`` is immutable)."""
    global _LAST
    last = _LAST
    if last[0] is problem:
        return last[1]
    out = _plain(problem)
    _LAST = (problem, out)
    return out


def _plain(problem) -> Plain:
    return Plain(
        ev=np.ascontiguousarray(problem.eigenvalues, dtype=np.float64),
        c=np.ascontiguousarray(problem.coefficients, dtype=np.float64),
        d=int(problem.d),
        n=int(problem.chain.n),
        T0=int(problem.chain.T0),
        sigma0=float(problem.chain.sigma0),
        shared=problem.chain.design == "shared",
        T=int(problem.downstream.T),
        sigma=float(problem.downstream.sigma),
        lam=float(problem.downstream.lam),
        problem=problem,
    )


class Sampler:
    """Base class of the samplers (see the module docstring for the protocol)."""

    key: str = ""
    cost: float = float("inf")
    workflows: tuple[str, ...] = ("replace",)
    mixtures = False  # True: the sampler draws real/synthetic mixtures downstream (Ridge.real_fraction > 0)

    def exact_for(self, problem) -> str | None:
        wf = workflow_key(problem)
        if wf not in self.workflows:
            return f"the chain workflow to be one of {self.workflows} (got {wf!r})"
        if getattr(problem.downstream, "real_fraction", 0) != 0 and not self.mixtures:
            return "an all-synthetic downstream, Ridge.real_fraction = 0 (a real/synthetic mixture needs its sampler)"
        return self.exact_for_plain(plain(problem))

    def exact_for_plain(self, p: Plain) -> str | None:
        return None

    # -- the stream scheme (see symcollapse.simulate._kernels) --------------------------------------------
    max_block = 256  # at most this many replicates per stream
    numpy_streams = False  # True: ``draw`` gets a list of numpy Generators instead of a numba typed List
    shares = False  # True: ``draw_block`` serves a whole (n, lam) grid from one draw per replicate

    def per_rep(self, p: Plain) -> int:
        """Random numbers per replicate (fixes the stream size ``B``, hence the stream layout)."""
        raise NotImplementedError

    def workspace(self, p: Plain) -> int:
        """Bytes of workspace per stream (the memory check of :func:`~symcollapse.simulate.simulate`)."""
        return 0

    def draw(self, p: Plain, gens, B: int, reps: int) -> dict:
        """Draw and reduce replicates ``0 .. reps - 1`` of the given streams (stream ``s`` owns
        ``s·B .. s·B + B - 1``): a dict of per-replicate raw arrays."""
        raise NotImplementedError

    def compute(self, p: Plain, raw: dict) -> tuple[np.ndarray, np.ndarray]:
        """``(errors, chain_errors)`` from the raw arrays (raises on a reported numerical failure)."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"<sampler {self.key!r}>"


_REGISTRY: dict[str, Sampler] = {}


def register(sampler: Sampler, *, replace: bool = False) -> Sampler:
    """Register ``sampler`` under ``sampler.key`` (``replace=True`` to overwrite an existing key)."""
    key = getattr(sampler, "key", "")
    if not isinstance(key, str) or not key or key == "auto":
        raise ValueError(f"a sampler needs a non-empty string key other than 'auto', got {key!r}")
    if key in _REGISTRY and not replace and _REGISTRY[key] is not sampler:
        raise ValueError(f"a sampler with key {key!r} is already registered (pass replace=True)")
    _REGISTRY[key] = sampler
    return sampler


def unregister(key: str) -> None:
    """Remove a registered sampler (for tests that register a temporary one)."""
    _REGISTRY.pop(key, None)


def get(key: str) -> Sampler:
    return _REGISTRY[key]


def registered() -> list[Sampler]:
    """Every registered sampler, cheapest first (ties keep the registration order)."""
    return sorted(_REGISTRY.values(), key=lambda s: s.cost)
