"""Cost per point of the theory curves of ``reproduce fig1a`` / ``fig1b`` (float ``predict`` on their dense grids).

Builds exactly the theory points of both panels of each figure (``experiments._table.panel_rows``:
``base.replace(n=n, **at(x))`` for every ``n`` and every ``x`` of ``theory_x ∪ sim_x``) and times

* ``replace``: building the points (``Problem.replace``);
* ``predict``: one ``predict(p, normalization="finite")`` per point (what ``panel_rows`` calls);
* ``batch``: ``symcollapse.theory._batch.predict_many`` on the whole list, if this tree has it;
* ``panel``: the tree's own theory code of the figure, end to end (``panel_rows`` of both panels with no
  simulated points: building the problems, ``predict`` or ``predict_many``, the tidy records).

Each timing is the minimum over ``--repeat`` runs (ms per point); the load average is printed beside it.

Usage::

    python benchmarks/bench_theory_grid.py [--repeat 3] [--tree PATH]   # PATH: run in another tree (subprocess)
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
import warnings
from pathlib import Path

# run as a script, sys.path[0] is benchmarks/: put the tree root (cwd, or this file's tree) first
sys.path.insert(0, str(Path.cwd()))


def points(figure: str) -> list:
    """(problem kwargs) of every theory point of ``figure``'s two panels, in ``panel_rows`` order."""
    from symcollapse.experiments import fig1a, fig1b  # noqa: PLC0415

    mod = {"fig1a": fig1a, "fig1b": fig1b}[figure]
    s = mod.settings()
    ns = [int(n) for n in s["n_values"]]
    out = []
    for x in sorted(set(s["lam_theory"]) | set(s["lam_sim"])):
        out += [{"n": n, "T": int(s["T_left"]), "lam": float(x)} for n in ns]
    ell = float(s.get("ell", 0.0))
    for x in sorted(set(s["T_theory"]) | set(s["T_sim"])):
        lam = float(s["lam_right"]) if figure == "fig1a" else float(x) ** -ell
        out += [{"n": n, "T": int(x), "lam": lam} for n in ns]
    return out


def _load() -> str:
    with open("/proc/loadavg") as fh:
        return " ".join(fh.read().split()[:3])


def measure(figure: str, repeat: int) -> dict:
    from symcollapse.spec import RegimeError, preset  # noqa: PLC0415
    from symcollapse.theory.evaluate import predict  # noqa: PLC0415

    base = preset(figure)
    pts = points(figure)
    warnings.simplefilter("ignore")
    res = {"points": len(pts), "load_before": _load()}

    def t_replace():
        from symcollapse.spec import problem as _pm  # noqa: PLC0415

        getattr(_pm, "_PARTS", {}).clear()  # time a first pass (as in reproduce), not a memo of this one
        return [base.replace(**kw) for kw in pts]

    probs = t_replace()

    def t_predict():
        for p in probs:
            try:
                predict(p, normalization="finite")
            except RegimeError:
                pass

    def t_panel():
        # the tree's own theory code of the figure: panel_rows of both panels without simulated points
        from symcollapse.experiments._table import panel_rows  # noqa: PLC0415

        s = {"fig1a": fig1a, "fig1b": fig1b}[figure].settings()
        ns = [int(n) for n in s["n_values"]]
        left = sorted(set(s["lam_theory"]) | set(s["lam_sim"]))
        right = sorted(set(s["T_theory"]) | set(s["T_sim"]))
        ell = float(s.get("ell", 0.0))
        if figure == "fig1a":
            at_r = lambda T: {"T": int(T), "lam": float(s["lam_right"])}  # noqa: E731
        else:
            at_r = lambda T: {"T": int(T), "lam": float(T) ** -ell}  # noqa: E731
        rows = panel_rows(figure, "left", base, ns, left, (), lambda lam: {"T": int(s["T_left"]), "lam": float(lam)},
                          reps=2, seed=0, key=1)
        rows += panel_rows(figure, "right", base, ns, right, (), at_r, reps=2, seed=0, key=2)
        return rows

    from symcollapse.experiments import fig1a, fig1b  # noqa: PLC0415

    fns = {"replace": t_replace, "predict": t_predict, "panel": t_panel}
    try:
        from symcollapse.theory._batch import predict_many  # noqa: PLC0415

        fns["batch"] = lambda: predict_many(probs, normalization="finite")
    except ImportError:
        pass
    for name, fn in fns.items():
        best = float("inf")
        for _ in range(repeat):
            t = time.perf_counter()
            fn()
            best = min(best, time.perf_counter() - t)
        res[name] = 1e3 * best / len(pts)
        if name == "panel":
            res["rows"] = len(fn())
    res["load_after"] = _load()
    return res


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--tree", default=None, help="run in this tree (a subprocess with that cwd)")
    ap.add_argument("--figures", nargs="+", default=["fig1a", "fig1b"])
    a = ap.parse_args(argv)
    if a.tree:
        code = ("import sys; sys.argv = sys.argv[:1]; from pathlib import Path; import runpy; "
                f"m = runpy.run_path({__file__!r}); m['main'](['--repeat', '{a.repeat}', '--figures', "
                + ", ".join(repr(f) for f in a.figures) + "])")
        return subprocess.run([sys.executable, "-c", code], cwd=a.tree, check=False).returncode
    import symcollapse  # noqa: PLC0415

    print(f"tree: {symcollapse.__file__}")
    for fig in a.figures:
        r = measure(fig, a.repeat)
        cols = "  ".join(f"{k} {r[k]:.4f} ms/pt" for k in ("replace", "predict", "batch", "panel") if k in r)
        print(f"{fig}: {r['points']} points  {cols}  load {r['load_before']} -> {r['load_after']}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
