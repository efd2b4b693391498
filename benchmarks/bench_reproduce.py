"""Before/after wall time of ``symcollapse reproduce fig1a`` and ``fig1b`` (non-quick), same replicate count.

BEFORE is the starting commit checked out at ``--baseline`` (default /work/wt/baseline: per-point
``simulate`` loops); AFTER is this tree (experiments on ``symcollapse.sweep`` with shared randomness). Each
run is a fresh subprocess started in its tree's root (so ``import symcollapse`` picks that tree), at
``--reps`` replicates per simulated point for both (the two trees' *default* counts differ: the baseline's
is a fixed 100, this tree's comes from a target standard error). Runs are interleaved B A B A ... per figure
so that a shared, loaded machine affects both alike; the load average (``/proc/loadavg``) is recorded beside
each run and the minimum over repeats is reported.

``--same-grids`` times ``run(reps=...)`` of the experiment module instead (no PNG/CSV), with the
*baseline's* theory grids in both trees (this tree draws theory on a much finer grid, issue 13), which
isolates the Monte-Carlo change.

Usage::

    python benchmarks/bench_reproduce.py --reps 100 --repeats 2 --out benchmarks/results_reproduce.md
    python benchmarks/bench_reproduce.py --reps 100 --repeats 2 --same-grids
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]


def _load() -> str:
    with open("/proc/loadavg") as fh:
        return " ".join(fh.read().split()[:3])


def run_once(tree: Path, figure: str, reps: int) -> dict:
    """One ``reproduce FIGURE`` in a subprocess started in ``tree``: wall time, the command's own compute time."""
    with tempfile.TemporaryDirectory(prefix=f"bench_{figure}_") as out:
        code = (f"from symcollapse.cli import main; raise SystemExit(main(['reproduce', {figure!r}, '--out', {out!r}, "
                f"'--reps', '{reps}', '--no-progress']))")
        load_before = _load()
        start = time.perf_counter()
        proc = subprocess.run([sys.executable, "-c", code], cwd=tree, capture_output=True, text=True, check=False)
        wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"{tree}: reproduce {figure} failed:\n{proc.stderr[-2000:]}")
    m = re.search(rf"{figure}: (\d+) rows in ([0-9.]+) s", proc.stdout)
    return {"wall": wall, "compute": float(m.group(2)) if m else float("nan"), "rows": int(m.group(1)) if m else -1,
            "load_before": load_before, "load_after": _load()}


# the baseline's theory grids (49 λ values, 41 T values), passed as overrides in both trees
_SAME_GRIDS = {
    "fig1a": "lam_theory=log_grid(1e-4, 1e2, 49), T_theory=log_grid(10, 10**6, 41, integer=True)",
    "fig1b": "lam_theory=log_grid(1e-6, 1.0, 49), T_theory=log_grid(10, 10**6, 41, integer=True)",
}


def run_same_grids(tree: Path, figure: str, reps: int) -> dict:
    """``run(reps=reps)`` of the experiment at the baseline's theory grids, in a subprocess started in ``tree``."""
    code = (f"import time\nfrom symcollapse.experiments import {figure} as m\n"
            f"from symcollapse.experiments._table import log_grid\n"
            f"m.run(quick=True, reps=2, n_values=(1,), lam_sim=(0.1,), T_sim=(1000,))  # JIT warm-up, not timed\n"
            f"t = time.perf_counter()\ntab = m.run(reps={reps}, seed=0, {_SAME_GRIDS[figure]})\n"
            f"print('RUN', len(tab), time.perf_counter() - t)")
    load_before = _load()
    proc = subprocess.run([sys.executable, "-c", code], cwd=tree, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"{tree}: run {figure} failed:\n{proc.stderr[-2000:]}")
    m = re.search(r"RUN (\d+) ([0-9.]+)", proc.stdout)
    t = float(m.group(2))
    return {"wall": t, "compute": t, "rows": int(m.group(1)), "load_before": load_before, "load_after": _load()}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--baseline", default="/work/wt/baseline", help="checkout of the starting commit")
    ap.add_argument("--figures", nargs="+", default=["fig1a", "fig1b"])
    ap.add_argument("--reps", type=int, default=100, help="replicates per simulated point, both trees")
    ap.add_argument("--repeats", type=int, default=2, help="B A rounds per figure (minimum reported)")
    ap.add_argument("--same-grids", action="store_true", help="time run() at the baseline's theory grids")
    ap.add_argument("--out", default=None, help="write the markdown table here (else stdout only)")
    args = ap.parse_args(argv)
    trees = {"before": Path(args.baseline), "after": HERE}
    runs: list[tuple[str, str, int, dict]] = []
    for i in range(args.repeats):
        for fig in args.figures:
            for label in ("before", "after"):
                r = (run_same_grids if args.same_grids else run_once)(trees[label], fig, args.reps)
                runs.append((fig, label, i, r))
                print(f"{fig} {label} #{i}: wall {r['wall']:.1f} s, compute {r['compute']:.1f} s, rows {r['rows']}, "
                      f"load {r['load_before']} -> {r['load_after']}", flush=True)
    what = "`run()` at the baseline's theory grids" if args.same_grids else "`reproduce`"
    lines = [f"# {what} before/after (benchmarks/bench_reproduce.py, --reps {args.reps}, {os.cpu_count()} cores)",
             "", "| figure | tree | repeat | wall s | compute s | rows | load avg before → after |",
             "|---|---|---|---|---|---|---|"]
    lines += [f"| {f} | {lab} | {i} | {r['wall']:.1f} | {r['compute']:.1f} | {r['rows']} | "
              f"{r['load_before']} → {r['load_after']} |" for f, lab, i, r in runs]
    lines += ["", "| figure | min wall before | min wall after | ratio | min compute before | min compute after | ratio |",
              "|---|---|---|---|---|---|---|"]
    for fig in args.figures:
        mins = {lab: {k: min(r[k] for f, lb, _, r in runs if f == fig and lb == lab) for k in ("wall", "compute")}
                for lab in ("before", "after")}
        b, a = mins["before"], mins["after"]
        lines.append(f"| {fig} | {b['wall']:.1f} | {a['wall']:.1f} | {b['wall'] / a['wall']:.2f}× | {b['compute']:.1f} | "
                     f"{a['compute']:.1f} | {b['compute'] / a['compute']:.2f}× |")
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        path = Path(args.out)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(text)
        os.replace(tmp, path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
