"""``symcollapse reproduce fig1a|fig1b|fig2|fig4|fig5|all --out DIR``: the paper's figures as PNG + CSV + JSON.

For each figure a *set* is written into ``DIR`` by :func:`symcollapse._io.write_set`: ``<fig>.png`` (drawn
by :mod:`symcollapse.plot` from the table only), ``<fig>.csv`` (the tidy table,
:data:`symcollapse.experiments.COLUMNS` first) and, last, the manifest ``<fig>.json`` (settings, seed, the
figure's parameters, derived quantities such as Fig. 4's estimated (β, r), wall time, the versions of
symcollapse and its dependencies, and the sha256 of the PNG and the CSV). A run killed at any instant
leaves complete files only, and a manifest only beside the files it hashed.

Everything that can be checked is checked before any computation: ``--out`` must be creatable and
writable, matplotlib (and scikit-learn for the bundled digits of fig4/fig5) must be importable, a
``--data`` file must load. Sets in ``DIR`` that do not match their manifest (left by an interrupted run)
are reported; ``--verify`` only reports them. SIGINT exits with status 130 and SIGTERM with 143, with one
line on stderr and no traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import signal
import sys
import time
from pathlib import Path

from symcollapse._cli.simulate import add_progress_argument, show_progress
from symcollapse.experiments import FIGURES
from symcollapse.spec import SpecError

_MISSING = {
    "matplotlib": "pip install matplotlib (from a clone of the repository: pip install -e \".[plot]\")",
    "sklearn": "pip install scikit-learn (from a clone of the repository: pip install -e \".[data]\"), "
               "or give --data PATH to a local .npz",
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("figure", choices=(*FIGURES, "all"), help="which figure (all = every one, in order)")
    parser.add_argument("--out", required=True, help="output directory (created if missing)")
    parser.add_argument("--reps", type=int, help="replicates per simulated point (default: each figure's own, "
                        "set from its target standard error)")
    parser.add_argument("--seed", type=int, default=0, help="base seed (default 0); every point derives its own")
    parser.add_argument("--quick", action="store_true", help="small grids and few replicates (seconds; for CI)")
    parser.add_argument("--data", help="local MNIST-style .npz (arrays 'images', 'labels') for fig4/fig5; "
                        "default: scikit-learn's bundled 8x8 digits")
    add_progress_argument(parser)  # the one --progress/--no-progress flag of every long command
    parser.add_argument("--verify", action="store_true",
                        help="only check that the sets already in --out match their manifests (exit 1 if not)")


class _Terminated(BaseException):
    """Raised from the SIGTERM handler so that ``finally`` blocks remove temporary files."""


@contextlib.contextmanager
def _sigterm_raises():
    def handler(signum, frame):  # noqa: ARG001
        raise _Terminated()

    try:
        previous = signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread: leave the default behaviour
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _blas_one_thread():
    # Kernel and random-features fits alternate numpy and scipy BLAS calls; one thread avoids the
    # oversubscription measured on 2-core machines (the package's one cached BLAS-thread context).
    from symcollapse._threads import one_blas_thread  # noqa: PLC0415

    return one_blas_thread()


def missing_dependencies(figures: tuple[str, ...], data: str | None) -> list[str]:
    """Messages for the optional dependencies ``figures`` need and that cannot be imported."""
    needed = ["matplotlib"]
    if data is None and any(getattr(_module(f), "REAL_DATA", False) for f in figures):
        needed.append("sklearn")
    out = []
    for name in needed:
        try:
            importlib.import_module(name)
        except ImportError:
            purpose = "draw the figures" if name == "matplotlib" else "load the bundled 8x8 digits (fig4, fig5)"
            out.append(f"{name} is needed to {purpose} but is not installed: {_MISSING[name]}")
    return out


def _module(figure: str):
    return importlib.import_module(f"symcollapse.experiments.{figure}")


def reproduce(figure: str, out: Path, *, reps: int | None, seed: int, quick: bool, data: str | None,
              progress: bool, argv: list[str] | None = None) -> dict:
    """Run one figure's experiment and write its set (PNG, CSV, manifest JSON) into ``out``; return the manifest."""
    from symcollapse._io import write_set  # noqa: PLC0415
    from symcollapse.experiments._table import csv_text, jsonable, parameters, versions  # noqa: PLC0415
    from symcollapse.plot import image_bytes  # noqa: PLC0415

    module = _module(figure)
    kwargs = {"data": data} if getattr(module, "REAL_DATA", False) and data is not None else {}
    start = time.perf_counter()
    with _blas_one_thread():
        table = module.run(quick=quick, reps=reps, seed=seed, progress=progress, **kwargs)
    elapsed = time.perf_counter() - start
    files = {f"{figure}.png": image_bytes(table, "png"), f"{figure}.csv": csv_text(table).encode("utf-8")}
    info = {
        "figure": figure,
        "command": "symcollapse " + " ".join(argv) if argv else None,
        "quick": quick,
        "seed": seed,
        "reps_override": reps,
        "elapsed_seconds": round(elapsed, 2),
        "rows": len(table),
        "version": versions()["symcollapse"],
        "versions": versions(),
        "parameters": parameters(table),
        **{k: v for k, v in table.meta.items() if k not in ("figure", "seed")},
    }
    write_set(out, files, jsonable(info), manifest_name=f"{figure}.json")
    info["files"] = [*files, f"{figure}.json"]
    return info


def _existing_problems(out: Path) -> list[tuple[str, str]]:
    """(figure, problem) for every set in ``out`` that does not match its manifest."""
    from symcollapse._io import verify_set  # noqa: PLC0415

    return [(fig, p) for fig in FIGURES for p in verify_set(out, f"{fig}.json", expected=(f"{fig}.png", f"{fig}.csv"))]


def _preflight(args: argparse.Namespace, out: Path, figures: tuple[str, ...]) -> None:
    """Every check that can fail, before any computation (raises SpecError)."""
    from symcollapse._io import probe_writable  # noqa: PLC0415

    if out.exists() and not out.is_dir():
        raise SpecError(f"--out {str(out)!r} exists and is not a directory")
    if args.reps is not None and args.reps < 2:
        raise SpecError(f"--reps must be >= 2 (error bars need two replicates), got {args.reps}")
    try:
        probe_writable(out)
    except OSError as exc:
        raise SpecError(f"--out {str(out)!r} is not writable ({exc.strerror or exc}); "
                        "choose a directory where files can be created") from None
    missing = missing_dependencies(figures, args.data)
    if missing:
        raise SpecError("; ".join(missing))
    if args.data is not None and any(getattr(_module(f), "REAL_DATA", False) for f in figures):
        from symcollapse.simulate._data import load_dataset  # noqa: PLC0415

        load_dataset(args.data)  # fail before any long computation on a bad file


def run(args: argparse.Namespace) -> int:
    done: list[str] = []  # figures whose set is complete, for the interruption message
    try:
        with _sigterm_raises():
            return _run(args, done)
    except (KeyboardInterrupt, _Terminated) as exc:
        name, code = ("SIGINT", 130) if isinstance(exc, KeyboardInterrupt) else ("SIGTERM", 143)
        kept = f"complete: {', '.join(done)}" if done else "no figure completed"
        print(f"\nsymcollapse reproduce: interrupted by {name}; {kept}; no partial file was left", file=sys.stderr)
        return code


def _run(args: argparse.Namespace, done: list[str]) -> int:
    out = Path(args.out)
    figures = FIGURES if args.figure == "all" else (args.figure,)
    if args.verify:
        problems = _existing_problems(out) if out.is_dir() else [("--out", f"{str(out)!r} is not a directory")]
        for fig, p in problems:
            print(f"symcollapse reproduce: {fig}: {p}", file=sys.stderr)
        print(f"{out}: {'sets do not match their manifests' if problems else 'all sets match their manifests'}")
        return 1 if problems else 0
    _preflight(args, out, figures)
    for fig, p in _existing_problems(out):
        action = "it is rewritten now" if fig in figures else f"run `reproduce {fig}` to rewrite it"
        print(f"symcollapse reproduce: warning: {out}: {p}; {action}", file=sys.stderr)
    argv = sys.argv[1:] if sys.argv and "symcollapse" in sys.argv[0] else None
    total = time.perf_counter()
    for fig in figures:
        info = reproduce(fig, out, reps=args.reps, seed=args.seed, quick=args.quick, data=args.data,
                         progress=show_progress(args), argv=argv)
        done.append(fig)
        print(f"{fig}: {info['rows']} rows in {info['elapsed_seconds']:.1f} s -> "
              + ", ".join(str(out / f) for f in info["files"]), flush=True)
        for kind, sp in info.get("spectrum", {}).items():
            q, e = sp["quoted"], sp["estimated"]
            print(f"  {kind}: (beta, r) quoted {q['beta']:g}, {q['r']:g} (MNIST); "
                  f"estimated on {info['dataset']['source']}: {e['beta']:.3g}, {e['r']:.3g}", flush=True)
    if len(figures) > 1:
        print(f"all: {time.perf_counter() - total:.1f} s")
    return 0
