r"""Shared randomness over an :math:`(n, \lambda)` grid: :func:`simulate_block`.

Per replicate, one chain is drawn up to :math:`\max n` (the chain for :math:`n` is the prefix of the chain
for :math:`n + 1`: its generations are iid, Eqs. 4–6) and one downstream sufficient statistic (the
Bartlett factor of :math:`X^\top X` and :math:`z`, or the trapezoidal factor when :math:`T < d`); every
:math:`\lambda` is solved from it. For :math:`T \ge d`, :math:`W = UU^\top` is formed once per replicate; a
grid with at most ``CHOLESKY_MAX_LAMS`` (:mod:`symcollapse.simulate._kernels`) non-zero :math:`\lambda` then
solves each :math:`\lambda` by one Cholesky of :math:`W + \mu D^{-1}` for every :math:`n` at once (the
single-point solve of :func:`~symcollapse.simulate.simulate`), a larger one by one eigendecomposition per
replicate and :math:`O(d^2)` per point; for :math:`T < d` the dual Gram matrix is formed once and factored
once per :math:`\lambda`. The choice depends on the grid only (never on the data, the order of ``ns`` /
``lams`` or the thread count) and changes a point's value only by rounding. Each grid point therefore has
exactly the law it has in :func:`~symcollapse.simulate.simulate`; only the joint law across points changes (the points of one replicate are dependent: smooth curves, exact differences between
points). Use independent per-point runs when points are combined statistically.
"""

from __future__ import annotations

import math
import time

import numpy as np

from symcollapse.simulate import samplers as _samplers
from symcollapse.spec import Problem, RegimeError, SpecError

__all__ = ["simulate_block"]


def _as_list(name: str, values) -> list:
    if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
        raise SpecError(f"{name} must be a non-empty sequence of numbers, got {values!r}")
    out = list(values)
    if not out:
        raise SpecError(f"{name} must be a non-empty sequence of numbers, got an empty one")
    return out


def _grid(problem: Problem, ns: list, lams: list) -> tuple[list, list, dict]:
    """Sorted unique ``n`` and ``lam`` values (validated by the spec) and the point problems."""
    points = {(n, lam): problem.replace(n=n, lam=lam) for n in ns for lam in lams}  # SpecError on bad values
    n_sorted = sorted({p.chain.n for p in points.values()})
    lam_sorted = sorted({float(p.downstream.lam) for p in points.values()})
    return n_sorted, lam_sorted, points


def _sharing_sampler(method: str, problems: list[Problem]):
    """The sampler serving the whole grid: ``auto`` = cheapest registered sharing sampler exact at every point;
    ``None`` when no sampler (or the named one) can share."""
    from symcollapse.simulate.monte_carlo import _resolve  # noqa: PLC0415

    if method == "auto":
        for s in _samplers.registered():
            if s.shares and all(s.exact_for(p) is None for p in problems):
                return s
        return None
    for p in problems:
        _resolve(method, p)  # RegimeError / SpecError if the named sampler is not exact somewhere
    s = _samplers.get(method)
    return s if s.shares else None


def simulate_block(problem: Problem, ns, lams, reps: int, seed: int, method: str = "auto", threads: int | None = None):
    r"""Monte-Carlo over the grid ``ns × lams`` with shared randomness (module docstring).

    Parameters
    ----------
    problem : Problem
        Every field but ``chain.n`` and ``downstream.lam`` is fixed for the grid.
    ns, lams : sequences
        Generations :math:`n \ge 0` and per-sample penalties :math:`\lambda \ge 0` (duplicates allowed; the
        order does not matter).
    reps, seed, method, threads
        As in :func:`~symcollapse.simulate.simulate`. ``method`` must be exact at every point. A sampler
        without the shared-randomness capability (``ols-law``, ``reference``, or one registered without it)
        runs independent per-point simulations with seeds spawned from ``SeedSequence(seed)`` in the sorted
        grid order.

    Returns
    -------
    dict[(n, lam), MCResult]
        Keyed by the values as given; ``MCResult.problem`` is ``problem.replace(n=n, lam=lam)`` and
        ``elapsed`` the wall time of the whole block.

    Examples
    --------
    >>> from symcollapse.spec import Problem, Spectrum, Target, Chain, Ridge
    >>> p = Problem(Spectrum.isotropic(8), Target.isotropic(), Chain(n=1, T0=20, sigma0=0.3), Ridge(T=30, sigma=0.2))
    >>> out = simulate_block(p, ns=[0, 2], lams=[0.0, 0.1], reps=50, seed=0)
    >>> sorted(out), out[(2, 0.1)].method
    ([(0, 0.0), (0, 0.1), (2, 0.0), (2, 0.1)], 'collapsed')
    """
    from symcollapse.simulate import monte_carlo as mc  # noqa: PLC0415

    if not isinstance(problem, Problem):
        raise SpecError(f"problem must be a symcollapse Problem, got {type(problem).__name__}")
    reps = mc._check_int("reps", reps, 2, mc._REPS_MAX)
    seed = mc._check_int("seed", seed, 0)
    if threads is not None:
        threads = mc._check_int("threads", threads, 1)
    if not isinstance(method, str):
        raise SpecError(f"method must be a string, got {method!r}")
    n_sorted, lam_sorted, points = _grid(problem, _as_list("ns", ns), _as_list("lams", lams))
    sampler = _sharing_sampler(method, list(points.values()))
    if sampler is None:
        return _independent(points, n_sorted, lam_sorted, reps, seed, method, threads)
    start = time.perf_counter()
    top = problem.replace(n=n_sorted[-1], lam=lam_sorted[-1])
    p = _samplers.plain(top)
    B = int(min(sampler.max_block, max(1, mc._BLOCK_NUMBERS // max(1, sampler.block_per_rep(p)))))
    err, chain_err = _run_block(sampler, p, seed, B, reps, threads, np.array(n_sorted, dtype=np.int64),
                                np.array([lam * p.T for lam in lam_sorted], dtype=np.float64))
    elapsed = time.perf_counter() - start
    out = {}
    for key, pt in points.items():
        a, b = n_sorted.index(pt.chain.n), lam_sorted.index(float(pt.downstream.lam))
        out[key] = mc._result(pt, reps, seed, sampler.key, err[:, a, b].copy(), chain_err[:, a].copy(), elapsed)
    return out


def _run_block(sampler, p, seed, B, reps, threads, ns, mus):
    from symcollapse.simulate import monte_carlo as mc  # noqa: PLC0415
    from symcollapse.simulate.samplers._builtin import check_status  # noqa: PLC0415

    n_streams = math.ceil(reps / B)
    seeds = np.random.SeedSequence(seed).spawn(n_streams)
    err = np.empty((reps, ns.size, mus.size))
    chain_err = np.empty((reps, ns.size))
    with mc._thread_plan(threads, n_streams, p.d) as (numba_threads, _):
        group = max(1, 8 * numba_threads)
        for s0 in range(0, n_streams, group):
            s1 = min(n_streams, s0 + group)
            lo, hi = s0 * B, min(reps, s1 * B)
            raw = sampler.draw_block(p, mc._streams(sampler, seeds[s0:s1]), B, hi - lo, ns, mus)
            check_status(raw["status"], "the downstream system (W + μΣ⁻¹, or XXᵀ + μI when T < d) or a "
                         "generator's Gram matrix X_m X_mᵀ (T0 < d)")
            err[lo:hi], chain_err[lo:hi] = raw["errors"], raw["chain_errors"]
    return err, chain_err


def _independent(points: dict, n_sorted, lam_sorted, reps, seed, method, threads):
    """Fallback: one independent :func:`simulate` per grid point, seeds spawned in sorted grid order."""
    from symcollapse.simulate.monte_carlo import simulate  # noqa: PLC0415

    order = [(n, lam) for n in n_sorted for lam in lam_sorted]
    children = np.random.SeedSequence(seed).spawn(len(order))
    point_seed = {pt: int(ch.generate_state(1, np.uint32)[0]) for pt, ch in zip(order, children)}
    out = {}
    for key, pt in points.items():
        s = point_seed[(pt.chain.n, float(pt.downstream.lam))]
        try:
            out[key] = simulate(pt, reps, s, method=method, threads=threads)
        except RegimeError as exc:
            raise RegimeError(f"point n={pt.chain.n}, lam={pt.downstream.lam}: {exc}") from exc
    return out
