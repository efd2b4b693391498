"""Benchmark of ``sweep`` (issue 10): shared randomness, store and executor overhead, Dask vs in-process.

Every ratio is timed in the same run (machine load moves both sides); the load average is recorded beside.

* λ-panel of Fig. 1a (d = 300, T0 = 600, T = 1000, n ∈ {0, 1, 2, 5, 10, 20}, 13 λ, 100 replicates):
  ``sweep(shared=True)`` against a loop of per-point ``simulate`` calls of the same package (goal ≥ 8×).
* T-panel of Fig. 1a (λ = 10⁻³, 11 T from 10 to 10⁶) under the same comparison (goal ≥ 3×).
* The same two panels of Fig. 1b (power-law spectrum: no isotropic shortcut; T-panel with λ = T^-ℓ).
* Store: a fresh store and a fully reused one, per cell, against the same sweep without a store.
* Executors: ``"processes"`` and a Dask ``LocalCluster`` (2 workers, 1 thread each) against in-process.

The shared ratio depends on ``symcollapse.simulate.simulate_block``; when it is absent the sweep uses
per-point ``simulate`` calls (engine "per-point") and the ratio is ≈ 1. The engine used is printed.

Usage: ``python benchmarks/bench_sweep.py [--quick] [--repeat K] [--no-dask] [--panels-only] [--out FILE]``
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout, not an installed copy

import symcollapse.sweep as sw  # noqa: E402
from symcollapse.experiments._table import log_grid  # noqa: E402
from symcollapse.simulate import simulate  # noqa: E402
from symcollapse.simulate.monte_carlo import warmup  # noqa: E402
from symcollapse.spec import preset  # noqa: E402

NS = [0, 1, 2, 5, 10, 20]


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _timed(fn):
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def _grid_points(grid) -> list[dict]:
    import itertools

    if isinstance(grid, list):
        return grid
    keys = list(grid)
    return [dict(zip(keys, combo)) for combo in itertools.product(*grid.values())]


def _loop(base, grid, reps, seed):
    """The user's loop: one ``simulate`` per point (seeds by the sweep's documented ``shared=False`` rule)."""
    for point in _grid_points(grid):
        p = base.replace(**point)
        simulate(p, reps, sw.point_seed(seed, p))


def _panel(name, base, grid, reps, lines, repeat):
    """Loop and sweep alternate ``repeat`` times (load drifts hit both); the minimum of each is reported."""
    cells = len(_grid_points(grid))
    load_a = _load()
    t_loop = t_shared = t_indep = float("inf")
    for _ in range(repeat):
        t_loop = min(t_loop, _timed(lambda: _loop(base, grid, reps, 0))[0])
        t_shared = min(
            t_shared, _timed(lambda: sw.sweep(base, grid, reps, 0, theory=False, progress=False))[0]
        )
        t_indep = min(
            t_indep,
            _timed(lambda: sw.sweep(base, grid, reps, 0, theory=False, shared=False, progress=False))[0],
        )
    t_theory, _ = _timed(lambda: sw.sweep(base, grid, reps, 0, simulate=False, progress=False))
    load_b = _load()
    lines.append(
        f"| {name} | {cells} | {reps} | {t_loop:.2f} | {t_shared:.2f} | **{t_loop / t_shared:.2f}×** | "
        f"{t_indep:.2f} | {1e3 * t_theory / cells:.2f} | {load_a} → {load_b} |"
    )
    print(lines[-1], flush=True)
    return t_shared


def _store_overhead(base, grid, reps, lines):
    cells = len(NS) * len(grid["lam"])
    t_plain, _ = _timed(lambda: sw.sweep(base, grid, reps, 0, theory=False, progress=False))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "runs.sqlite"
        t_fresh, _ = _timed(lambda: sw.sweep(base, grid, reps, 0, theory=False, store=path, progress=False))
        t_reuse, df = _timed(lambda: sw.sweep(base, grid, reps, 0, theory=False, store=path, progress=False))
    assert df.attrs["cells_reused"] == cells
    lines.append(
        f"| store, fresh | {cells} | {t_plain:.2f} | {t_fresh:.2f} | {1e3 * (t_fresh - t_plain) / cells:+.2f} | {_load()} |"
    )
    lines.append(
        f"| store, all reused | {cells} | {t_plain:.2f} | {t_reuse:.3f} | {1e3 * t_reuse / cells:.2f} (total) | {_load()} |"
    )
    # the store's own cost, free of the simulation's noise: one transaction per 8-cell task, then one read
    from symcollapse._store import Store

    fake = {
        f"{i:064x}": {
            "mc_mean": 0.1 * i,
            "mc_stderr": 0.01,
            "reps": reps,
            "method": "collapsed",
            "mc_note": None,
        }
        for i in range(cells)
    }
    with tempfile.TemporaryDirectory() as tmp, Store(Path(tmp) / "s.sqlite") as st:
        items = list(fake.items())
        t_put, _ = _timed(lambda: [st.put(dict(items[i : i + 8]), "v") for i in range(0, cells, 8)])
        t_get, got = _timed(lambda: st.get(fake, "v"))
    assert got == fake
    lines.append(
        f"| store alone: write (8 cells / transaction) + read | {cells} | – | {t_put + t_get:.3f} | "
        f"{1e3 * t_put / cells:.2f} write, {1e3 * t_get / cells:.3f} read | {_load()} |"
    )
    print(*lines[-3:], sep="\n", flush=True)


def _executors(base, grid, reps, lines, dask: bool):
    cells = len(NS) * len(grid["lam"])
    t_in, ref = _timed(lambda: sw.sweep(base, grid, reps, 0, theory=False, progress=False))
    runs = [("processes (spawn, 2 workers)", "processes")]
    cluster = client = None
    if dask:
        import dask as dask_mod
        import distributed

        from symcollapse._executors import PINNED_ENV

        env = {**dask_mod.config.get("distributed.nanny.pre-spawn-environ", {}), **PINNED_ENV}
        with dask_mod.config.set({"distributed.nanny.pre-spawn-environ": env}):
            t_start, cluster = _timed(
                lambda: distributed.LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None)
            )
        client = distributed.Client(cluster)
        client.run(warmup)  # compile / load the numba cache on the workers outside the timing
        runs.append((f"Dask LocalCluster 2×1 (startup {t_start:.1f} s, excluded)", client))
    try:
        for label, ex in runs:
            t, df = _timed(
                lambda ex=ex: sw.sweep(base, grid, reps, 0, theory=False, executor=ex, progress=False)
            )
            same = df["mc_mean"].equals(ref["mc_mean"]) and df["mc_stderr"].equals(ref["mc_stderr"])
            lines.append(
                f"| {label} | {cells} | {t_in:.2f} | {t:.2f} | {t_in / t:.2f}× | "
                f"{1e3 * (t - t_in) / cells:+.1f} | {'yes' if same else 'NO'} | {_load()} |"
            )
            print(lines[-1], flush=True)
    finally:
        if client is not None:
            client.close()
            cluster.close()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="20 replicates instead of 100")
    ap.add_argument("--no-dask", action="store_true", help="skip the Dask LocalCluster run")
    ap.add_argument("--panels-only", action="store_true", help="only the λ- and T-panel ratios (no store/executors)")
    ap.add_argument("--repeat", type=int, default=1, help="alternate loop and sweep this many times (min)")
    ap.add_argument("--out", default=str(Path(__file__).with_name("results_sweep.md")))
    args = ap.parse_args(argv)
    reps = 20 if args.quick else 100
    print(f"warmup (numba): {warmup():.1f} s; engine: {sw._block_engine()}; load {_load()}", flush=True)
    base = preset("fig1a", T=1000)
    lam_grid = {"n": NS, "lam": log_grid(1e-4, 1e2, 13)}
    T_grid = {"n": NS, "T": log_grid(10, 10**6, 11, integer=True)}
    lines = [
        f"# bench_sweep ({time.strftime('%Y-%m-%d %H:%M')}, engine `{sw._block_engine()}`, "
        f"sampler version `{sw.sampler_version()}`, {os.cpu_count()} cores)",
        "",
        "| panel | cells | reps | loop of simulate (s) | sweep shared (s) | ratio | sweep unshared (s) "
        "| theory ms/cell | load avg |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    _panel("Fig. 1a λ-panel (T = 1000)", base, lam_grid, reps, lines, args.repeat)
    _panel("Fig. 1a T-panel (λ = 1e-3)", preset("fig1a", lam=1e-3), T_grid, reps, lines, args.repeat)
    from symcollapse.experiments.fig1b import ell_crit

    ns_b, ell = [0, 1, 2, 5, 10], ell_crit()
    _panel("Fig. 1b λ-panel (power law, T = 10⁴)", preset("fig1b", T=10_000),
           {"n": ns_b, "lam": log_grid(1e-6, 1.0, 13)}, reps, lines, args.repeat)
    T_points = [{"n": n, "T": int(T), "lam": float(T) ** -ell} for n in ns_b
                for T in log_grid(10, 10**6, 11, integer=True)]
    _panel("Fig. 1b T-panel (power law, λ = T^-ℓ)", preset("fig1b"), T_points, reps, lines, args.repeat)
    if args.panels_only:
        return _write(lines, args.out)
    lines += [
        "",
        "| store | cells | no store (s) | with store (s) | overhead ms/cell | load avg |",
        "|---|---:|---:|---:|---:|---|",
    ]
    _store_overhead(base, lam_grid, reps, lines)
    lines += [
        "",
        "| executor (λ-panel) | cells | in-process (s) | executor (s) | speed-up | overhead ms/cell "
        "| MC columns bit-identical | load avg |",
        "|---|---:|---:|---:|---:|---:|---|---|",
    ]
    _executors(base, lam_grid, reps, lines, dask=not args.no_dask)
    return _write(lines, args.out)


def _write(lines, out) -> int:
    out = Path(out)
    tmp = out.with_name(f".{out.name}.tmp")
    tmp.write_text("\n".join(lines) + "\n")
    os.replace(tmp, out)  # never a half-written results file
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
