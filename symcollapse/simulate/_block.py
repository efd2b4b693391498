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


def _grid(problem: Problem, ns: list, pairs: list) -> tuple[list, list, dict, dict]:
    """Sorted unique ``n``, sorted unique ``T``, ``{T: sorted unique λ}`` and ``{(n, T, lam): point problem}``
    (values as given; validated by the spec)."""
    points = {(n, T, lam): problem.replace(n=n, T=T, lam=lam) for n in ns for T, lam in pairs}  # SpecError
    n_sorted = sorted({p.chain.n for p in points.values()})
    T_sorted = sorted({p.downstream.T for p in points.values()})
    lams = {
        T: sorted({float(p.downstream.lam) for p in points.values() if p.downstream.T == T}) for T in T_sorted
    }
    return n_sorted, T_sorted, lams, points


def _pairs(problem: Problem, lams, Ts, pairs) -> tuple[list, bool]:
    """The downstream points ``(T, lam)`` and whether the result is keyed by ``(n, T, lam)``."""
    if pairs is not None:
        if lams is not None or Ts is not None:
            raise SpecError("give either pairs=[(T, lam), ...] or lams (and optionally Ts), not both")
        out = _as_list("pairs", pairs)
        bad = [q for q in out if isinstance(q, (str, bytes)) or not hasattr(q, "__len__") or len(q) != 2]
        if bad:
            raise SpecError(f"pairs must hold (T, lam) pairs, got {bad[0]!r}")
        return [tuple(q) for q in out], True
    lam_list = _as_list("lams", lams)
    if Ts is None:
        return [(problem.downstream.T, lam) for lam in lam_list], False
    return [(T, lam) for T in _as_list("Ts", Ts) for lam in lam_list], True


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


def simulate_block(
    problem: Problem,
    ns,
    lams,
    reps: int,
    seed: int,
    method: str = "auto",
    threads: int | None = None,
    *,
    Ts=None,
    pairs=None,
):
    r"""Monte-Carlo over the grid ``ns × lams`` (or ``ns × Ts × lams``, or ``ns × pairs``) with shared randomness
    (module docstring).

    Parameters
    ----------
    problem : Problem
        Every field but ``chain.n``, ``downstream.lam`` (and ``downstream.T`` with ``Ts`` / ``pairs``) is fixed
        for the grid.
    ns, lams : sequences
        Generations :math:`n \ge 0` and per-sample penalties :math:`\lambda \ge 0` (duplicates allowed; the
        order does not matter). ``lams`` is ``None`` when ``pairs`` is given.
    reps, seed, method, threads
        As in :func:`~symcollapse.simulate.simulate`. ``method`` must be exact at every point. A sampler
        without the shared-randomness capability (``ols-law``, ``reference``, or one registered without it)
        runs independent per-point simulations with seeds spawned from ``SeedSequence(seed)`` in the sorted
        grid order.
    Ts : sequence of int, optional
        Downstream sample sizes: the grid is ``ns × Ts × lams``, one chain per replicate for every ``T``.
    pairs : sequence of (T, lam), optional
        Downstream points (e.g. :math:`\lambda = T^{-\ell}`): the grid is ``ns × pairs``.

    Returns
    -------
    dict[(n, lam), MCResult] or dict[(n, T, lam), MCResult]
        Keyed by the values as given (``(n, T, lam)`` with ``Ts`` or ``pairs``); ``MCResult.problem`` is
        ``problem.replace(n=n, T=T, lam=lam)`` and ``elapsed`` the wall time of the whole block.

    Examples
    --------
    >>> from symcollapse.spec import Problem, Spectrum, Target, Chain, Ridge
    >>> p = Problem(Spectrum.isotropic(8), Target.isotropic(), Chain(n=1, T0=20, sigma0=0.3), Ridge(T=30, sigma=0.2))
    >>> out = simulate_block(p, ns=[0, 2], lams=[0.0, 0.1], reps=50, seed=0)
    >>> sorted(out), out[(2, 0.1)].method
    ([(0, 0.0), (0, 0.1), (2, 0.0), (2, 0.1)], 'collapsed')
    >>> sorted(simulate_block(p, [1], None, 50, 0, pairs=[(5, 0.0), (30, 0.1)]))
    [(1, 5, 0.0), (1, 30, 0.1)]
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
    downstream, with_T = _pairs(problem, lams, Ts, pairs)
    n_sorted, T_sorted, lam_sorted, points = _grid(problem, _as_list("ns", ns), downstream)
    sampler = _sharing_sampler(method, list(points.values()))
    if sampler is None:
        out = _independent(points, n_sorted, T_sorted, lam_sorted, reps, seed, method, threads)
    else:
        out = _shared(sampler, problem, points, n_sorted, T_sorted, lam_sorted, reps, seed, threads)
    return out if with_T else {(n, lam): r for (n, _, lam), r in out.items()}


_GRID_NUMBERS = 2**17  # random numbers per stream of a grid (its stream layout, unchanged since version 4)


def _shared(sampler, problem, points, n_sorted, T_sorted, lam_sorted, reps, seed, threads) -> dict:
    """One chain per replicate for the whole grid, one downstream draw per ``T`` (:meth:`draw_grid`); a sampler
    sharing only over ``(n, λ)`` (``draw_block``) runs one block per ``T`` (seed of ``T``: :func:`_T_seed`)."""
    from symcollapse.simulate import monte_carlo as mc  # noqa: PLC0415

    start = time.perf_counter()
    ns = np.array(n_sorted, dtype=np.int64)
    top = problem.replace(n=n_sorted[-1], T=T_sorted[-1], lam=lam_sorted[T_sorted[-1]][-1])
    p = _samplers.plain(top)
    cols: dict = {}
    if getattr(sampler, "draw_grid", None) is not None:
        Ts = np.array(T_sorted, dtype=np.int64)
        starts = np.cumsum([0] + [len(lam_sorted[T]) for T in T_sorted]).astype(np.int64)
        mus = np.array([lam * T for T in T_sorted for lam in lam_sorted[T]], dtype=np.float64)
        B = int(
            min(sampler.max_block, max(1, _GRID_NUMBERS // max(1, sampler.grid_per_rep(p, T_sorted))))
        )
        err, chain_err = _run_block(
            sampler,
            lambda g, b, cnt: sampler.draw_grid(p, g, b, cnt, ns, Ts, starts, mus),
            p,
            seed,
            B,
            reps,
            threads,
            ns.size,
            mus.size,
        )
        j = 0
        for T in T_sorted:
            for lam in lam_sorted[T]:
                cols[(T, lam)] = (err[:, :, j], chain_err)
                j += 1
    else:
        for T in T_sorted:
            pT = _samplers.plain(top.replace(T=T, lam=lam_sorted[T][-1]))
            mus = np.array([lam * T for lam in lam_sorted[T]], dtype=np.float64)
            B = int(min(sampler.max_block, max(1, _GRID_NUMBERS // max(1, sampler.block_per_rep(pT)))))
            s = seed if len(T_sorted) == 1 else _T_seed(seed, T)
            err, chain_err = _run_block(
                sampler,
                lambda g, b, cnt, pT=pT, mus=mus: sampler.draw_block(pT, g, b, cnt, ns, mus),
                pT,
                s,
                B,
                reps,
                threads,
                ns.size,
                mus.size,
            )
            for j, lam in enumerate(lam_sorted[T]):
                cols[(T, lam)] = (err[:, :, j], chain_err)
    elapsed = time.perf_counter() - start
    out = {}
    for key, pt in points.items():
        a = n_sorted.index(pt.chain.n)
        e, ce = cols[(pt.downstream.T, float(pt.downstream.lam))]
        out[key] = mc._result(pt, reps, seed, sampler.key, e[:, a].copy(), ce[:, a].copy(), elapsed)
    return out


def _T_seed(seed: int, T: int) -> int:
    return int(np.random.SeedSequence(seed, spawn_key=(int(T),)).generate_state(1, np.uint32)[0])


def _run_block(sampler, draw, p, seed, B, reps, threads, na, npts):
    from symcollapse.simulate import _seeding  # noqa: PLC0415
    from symcollapse.simulate import monte_carlo as mc  # noqa: PLC0415
    from symcollapse.simulate.samplers._builtin import check_status  # noqa: PLC0415

    n_streams = math.ceil(reps / B)
    err = np.empty((reps, na, npts))
    chain_err = np.empty((reps, na))
    with mc._thread_plan(threads, n_streams, p.d) as (numba_threads, _):
        group = max(1, 8 * numba_threads)
        for s0 in range(0, n_streams, group):
            s1 = min(n_streams, s0 + group)
            lo, hi = s0 * B, min(reps, s1 * B)
            raw = draw(_seeding.streams(sampler, seed, s0, s1), B, hi - lo)
            check_status(
                raw["status"],
                "the downstream system (W + μΣ⁻¹, or XXᵀ + μI when T < d) or a "
                "generator's Gram matrix X_m X_mᵀ (T0 < d)",
            )
            err[lo:hi], chain_err[lo:hi] = raw["errors"], raw["chain_errors"]
    return err, chain_err


def _independent(points: dict, n_sorted, T_sorted, lam_sorted, reps, seed, method, threads):
    """Fallback: one independent :func:`simulate` per grid point, seeds spawned in sorted grid order."""
    from symcollapse.simulate.monte_carlo import simulate  # noqa: PLC0415

    order = [(n, T, lam) for n in n_sorted for T in T_sorted for lam in lam_sorted[T]]
    children = np.random.SeedSequence(seed).spawn(len(order))
    point_seed = {pt: int(ch.generate_state(1, np.uint32)[0]) for pt, ch in zip(order, children)}
    out = {}
    for key, pt in points.items():
        s = point_seed[(pt.chain.n, pt.downstream.T, float(pt.downstream.lam))]
        try:
            out[key] = simulate(pt, reps, s, method=method, threads=threads)
        except RegimeError as exc:
            where = f"n={pt.chain.n}, T={pt.downstream.T}, lam={pt.downstream.lam}"
            raise RegimeError(f"point {where}: {exc}") from exc
    return out
