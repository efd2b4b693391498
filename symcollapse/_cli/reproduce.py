"""``symcollapse reproduce fig1a|fig1b|fig2|fig4|fig5|all --out DIR``: the paper's figures as PNG + CSV + JSON.

For each figure: ``DIR/<fig>.png`` (drawn by :mod:`symcollapse.plot` from the table only),
``DIR/<fig>.csv`` (the tidy table, :data:`symcollapse.experiments.COLUMNS` first) and ``DIR/<fig>.json``
(settings, seed, derived quantities such as Fig. 4's estimated (β, r), wall time, and the versions of
symcollapse, numpy, numba, sympy, mpmath, scipy, matplotlib, scikit-learn and Python).
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import sys
import time
from pathlib import Path

from symcollapse.spec import SpecError

FIGURES = ("fig1a", "fig1b", "fig2", "fig4", "fig5")
_REAL_DATA = ("fig4", "fig5")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("figure", choices=(*FIGURES, "all"), help="which figure (all = every one, in order)")
    parser.add_argument("--out", required=True, help="output directory (created if missing)")
    parser.add_argument("--reps", type=int, help="replicates per simulated point (default: each figure's own)")
    parser.add_argument("--seed", type=int, default=0, help="base seed (default 0); every point derives its own")
    parser.add_argument("--quick", action="store_true", help="small grids and few replicates (seconds; for CI)")
    parser.add_argument("--data", help="local MNIST-style .npz (arrays 'images', 'labels') for fig4/fig5; "
                        "default: scikit-learn's bundled 8x8 digits")
    parser.add_argument("--no-progress", action="store_true", help="do not draw progress bars on stderr")


def _blas_one_thread():
    # Kernel and random-features fits alternate numpy and scipy BLAS calls; one thread avoids the
    # oversubscription measured on 2-core machines (DESIGN.md §4). threadpoolctl is optional.
    try:
        from threadpoolctl import threadpool_limits  # noqa: PLC0415
    except ImportError:  # pragma: no cover - optional
        return contextlib.nullcontext()
    return threadpool_limits(1)


def reproduce(figure: str, out: Path, *, reps: int | None, seed: int, quick: bool, data: str | None,
              progress: bool, argv: list[str] | None = None) -> dict:
    """Run one figure's experiment and write its PNG, CSV and JSON into ``out``; return the JSON record."""
    from symcollapse.experiments._table import versions, write_csv, write_json  # noqa: PLC0415
    from symcollapse.plot import save  # noqa: PLC0415

    module = importlib.import_module(f"symcollapse.experiments.{figure}")
    kwargs = {"data": data} if figure in _REAL_DATA and data is not None else {}
    start = time.perf_counter()
    with _blas_one_thread():
        table = module.run(quick=quick, reps=reps, seed=seed, progress=progress, **kwargs)
    elapsed = time.perf_counter() - start
    files = {"png": out / f"{figure}.png", "csv": out / f"{figure}.csv", "json": out / f"{figure}.json"}
    save(table, files["png"])
    write_csv(table, files["csv"])
    info = {
        "figure": figure,
        "command": "symcollapse " + " ".join(argv) if argv else None,
        "quick": quick,
        "seed": seed,
        "reps_override": reps,
        "elapsed_seconds": round(elapsed, 2),
        "rows": len(table),
        "files": {k: v.name for k, v in files.items()},
        "versions": versions(),
        **{k: v for k, v in table.meta.items() if k not in ("figure", "seed")},
    }
    write_json(info, files["json"])
    return info


def run(args: argparse.Namespace) -> int:
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise SpecError(f"--out {str(out)!r} exists and is not a directory")
    if args.reps is not None and args.reps < 2:
        raise SpecError(f"--reps must be >= 2 (error bars need two replicates), got {args.reps}")
    figures = FIGURES if args.figure == "all" else (args.figure,)
    if args.data is not None and any(f in _REAL_DATA for f in figures):
        from symcollapse.simulate._data import load_dataset  # noqa: PLC0415

        load_dataset(args.data)  # fail before any long computation on a bad file
    out.mkdir(parents=True, exist_ok=True)
    argv = sys.argv[1:] if sys.argv and "symcollapse" in sys.argv[0] else None
    total = time.perf_counter()
    for fig in figures:
        info = reproduce(fig, out, reps=args.reps, seed=args.seed, quick=args.quick, data=args.data,
                         progress=not args.no_progress, argv=argv)
        print(f"{fig}: {info['rows']} rows in {info['elapsed_seconds']:.1f} s -> "
              + ", ".join(str(out / f) for f in info["files"].values()))
        for kind, sp in info.get("spectrum", {}).items():
            q, e = sp["quoted"], sp["estimated"]
            print(f"  {kind}: (beta, r) quoted {q['beta']:g}, {q['r']:g} (MNIST); "
                  f"estimated on {info['dataset']['source']}: {e['beta']:.3g}, {e['r']:.3g}")
    if len(figures) > 1:
        print(f"all: {time.perf_counter() - total:.1f} s")
    return 0
