"""Simulation-only time of the fig1a / fig1b panels (the points `reproduce` simulates, 100 reps, theory=False, min of 2).

Run from a tree's root: ``python benchmarks/bench_sim_panels.py`` (before/after: run it in each tree).
"""

import os
import sys
import time

sys.path.insert(0, os.getcwd())
from symcollapse.experiments import fig1a, fig1b
from symcollapse.simulate.monte_carlo import warmup
from symcollapse.spec import preset
from symcollapse.sweep import sweep

warmup()


def pts(ns, xs, at):
    return [{"n": int(n), **at(x)} for n in ns for x in xs]


sa, sb = fig1a.settings(), fig1b.settings()
ell = float(sb["ell"])
panels = {
    "fig1a left": (
        preset("fig1a"),
        pts(sa["n_values"], sa["lam_sim"], lambda l: {"T": int(sa["T_left"]), "lam": float(l)}),
    ),
    "fig1a right": (
        preset("fig1a"),
        pts(sa["n_values"], sa["T_sim"], lambda T: {"T": int(T), "lam": float(sa["lam_right"])}),
    ),
    "fig1b left": (
        preset("fig1b"),
        pts(sb["n_values"], sb["lam_sim"], lambda l: {"T": int(sb["T_left"]), "lam": float(l)}),
    ),
    "fig1b right": (
        preset("fig1b"),
        pts(sb["n_values"], sb["T_sim"], lambda T: {"T": int(T), "lam": float(T) ** -ell}),
    ),
}
for name, (base, points) in panels.items():
    best = float("inf")
    for _ in range(2):
        t = time.perf_counter()
        sweep(base, points, reps=100, seed=0, theory=False, shared=True, progress=False)
        best = min(best, time.perf_counter() - t)
    print(f"{name}\t{len(points)}\t{best:.2f}\t{' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
