"""Shared helpers of the figure experiments: tidy records, theory/simulation rows, grids, writers.

A figure's result is a :class:`Table`: a plain ``list`` of ``dict`` records (one per plotted point) whose
columns start with :data:`COLUMNS` (the table contract), plus a ``meta`` dict holding the
resolved settings, so that CSV (the records) and JSON (settings + versions) come from the same object.
"""

from __future__ import annotations

import csv
import importlib.metadata
import io
import json
import math
import platform
from collections.abc import Iterable
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from symcollapse._io import atomic_write
from symcollapse.spec import Problem, RegimeError, SpecError

__all__ = [
    "COLUMNS",
    "Table",
    "log_grid",
    "theory_grid",
    "target_of",
    "reps_for_target",
    "point_seed",
    "record",
    "theory_row",
    "theory_rows",
    "simulation_rows",
    "pooled",
    "csv_text",
    "write_csv",
    "read_csv",
    "write_json",
    "versions",
    "jsonable",
    "resolve",
    "panel_rows",
]

COLUMNS = ("figure", "panel", "n", "T", "lam", "d", "T0", "sigma", "sigma0", "source", "value", "stderr", "reps", "seed")


class Table(list):
    """A list of records (dicts) with a ``meta`` dict: settings, notes, derived quantities."""

    def __init__(self, records: Iterable[dict] = (), meta: dict | None = None):
        super().__init__(records)
        self.meta = dict(meta or {})

    def where(self, **conditions: Any) -> list[dict]:
        """Records whose columns equal every ``conditions`` value (a convenience for tests and plots)."""
        return [r for r in self if all(r.get(k) == v for k, v in conditions.items())]


def target_of(settings: dict, reps_given: bool) -> dict | None:
    """The stderr target of a figure's settings, or ``None`` (a fixed replicate count) if the user set ``reps``."""
    if reps_given or settings.get("target_stderr") is None:
        return None
    return {"stderr": float(settings["target_stderr"]), "relative": bool(settings.get("target_relative", True)),
            "max_reps": int(settings["max_reps"])}


def resolve(defaults: dict, quick_values: dict, quick: bool, overrides: dict) -> dict:
    """Settings = defaults, replaced by the quick values if ``quick``, then by explicit ``overrides``.

    Unknown override names raise :class:`SpecError` (a typo must not silently run the default).
    """
    unknown = sorted(set(overrides) - set(defaults))
    if unknown:
        raise SpecError(f"unknown setting(s) {unknown}; valid: {sorted(defaults)}")
    out = dict(defaults)
    if quick:
        out.update(quick_values)
    out.update({k: v for k, v in overrides.items() if v is not None})
    return out


def log_grid(low: float, high: float, num: int, integer: bool = False) -> list:
    """``num`` log-spaced values from ``low`` to ``high`` (rounded and de-duplicated if ``integer``)."""
    values = np.geomspace(float(low), float(high), int(num))
    if integer:
        return sorted({int(round(v)) for v in values})
    return [float(f"{v:.6g}") for v in values]  # short decimals: exact(λ) stays readable in CSV/JSON


def theory_grid(low: float, high: float, per_decade: int = 50, integer: bool = False, singular=(),
                dense: int = 400) -> list:
    """A log grid of ``per_decade`` points per decade, refined to ``dense`` per decade near singular points.

    Within a factor 2 of each point of ``singular`` (e.g. the interpolation threshold :math:`T = d`, where
    the variance of a weakly regularised fit peaks) the grid has ``dense`` points per decade; integer
    grids are rounded and de-duplicated, so near :math:`T = d` they hold every integer.
    """
    decades = math.log10(float(high) / float(low))
    parts = [np.geomspace(float(low), float(high), max(int(math.ceil(per_decade * decades)) + 1, 2))]
    for s in singular:
        lo, hi = max(float(low), s / 2), min(float(high), 2 * s)
        if lo < hi:
            parts.append(np.geomspace(lo, hi, int(math.ceil(dense * math.log10(hi / lo))) + 1))
    values = np.concatenate(parts)
    if integer:
        return sorted({int(round(v)) for v in values})
    return sorted({float(f"{v:.6g}") for v in values})


def point_seed(seed: int, *keys: int) -> int:
    """A seed for one grid point, derived from the user's ``seed`` and the point's integer ``keys``.

    Every simulated point gets an independent stream, yet the whole figure depends only on ``seed``.
    """
    return int(np.random.SeedSequence([int(seed), *[int(k) for k in keys]]).generate_state(1, np.uint32)[0])


_PLAIN = frozenset({int, float, str, bool, type(None)})


def _num(x: Any) -> Any:
    if type(x) in _PLAIN:  # the common case, without the abstract-class isinstance checks below (dense grids)
        return x
    if isinstance(x, Fraction):
        return float(x)
    if isinstance(x, (np.integer,)):
        return int(x)
    if isinstance(x, (np.floating,)):
        return float(x)
    return x


def record(figure: str, panel: str, problem: Problem | None, source: str, value: float, stderr: float | None,
           reps: int | None, seed: int | None, **extra: Any) -> dict:
    """One tidy record; the problem's parameters fill ``n, T, lam, d, T0, sigma, sigma0``.

    With ``problem=None`` (real-data figures) those columns come from ``extra`` (missing ones are ``None``).
    """
    if problem is not None:
        base = {
            "n": problem.chain.n,
            "T": problem.downstream.T,
            "lam": float(problem.downstream.lam),
            "d": problem.d,
            "T0": problem.chain.T0,
            "sigma": float(problem.downstream.sigma),
            "sigma0": float(problem.chain.sigma0),
        }
    else:
        base = {k: extra.pop(k, None) for k in ("n", "T", "lam", "d", "T0", "sigma", "sigma0")}
    row = {"figure": figure, "panel": panel, **base, "source": source, "value": float(value),
           "stderr": None if stderr is None else float(stderr), "reps": reps, "seed": seed}
    row.update({k: _num(v) for k, v in extra.items()})
    return {k: _num(v) for k, v in row.items()}


def theory_row(figure: str, panel: str, problem: Problem, normalization: str = "finite", **extra: Any) -> dict | None:
    """The theory record of ``problem`` (``predict``), or ``None`` if no implemented result covers it.

    ``normalization="finite"`` uses :math:`T_0 - d - 1` in :math:`\\rho` (Thm F.1, the exact finite-sample
    collapse term for :math:`T_0 \\ge d + 2`), the right comparison for a simulation at finite ``d``.
    """
    from symcollapse.theory.evaluate import predict  # noqa: PLC0415 (SymPy import only when needed)

    try:
        pred = predict(problem, normalization=normalization)
    except RegimeError:
        return None
    return _theory_record(figure, panel, problem, pred, extra)


def _theory_record(figure: str, panel: str, problem: Problem, pred: Any, extra: dict) -> dict:
    return record(figure, panel, problem, "theory", float(pred.total), None, None, None,
                  theorem=pred.theorem, kind=pred.kind, normalization=pred.normalization, **extra)


def theory_rows(figure: str, panel: str, problems: list, normalization: str = "finite", **extra: Any) -> list[dict]:
    """:func:`theory_row` of every problem (skipping those no implemented result covers), computed together
    by :func:`symcollapse.theory._batch.predict_many` (the same values as one ``predict`` per point)."""
    from symcollapse.theory._batch import predict_many  # noqa: PLC0415

    preds = predict_many(problems, normalization=normalization)
    return [_theory_record(figure, panel, p, pred, extra) for p, pred in zip(problems, preds)
            if not isinstance(pred, RegimeError)]


def reps_for_target(mean: float, stderr: float, reps: int, target: float, relative: bool, max_reps: int) -> int:
    r"""Replicates for a standard error of ``target`` (relative to ``|mean|`` if ``relative``), from a pilot.

    The standard error of a mean of :math:`m` iid replicates is :math:`s/\sqrt m`, so a pilot of ``reps``
    replicates with standard error ``stderr`` needs :math:`m = \lceil reps\,(stderr/target)^2\rceil`;
    the result is clipped to ``[reps, max_reps]``.
    """
    goal = target * abs(mean) if relative else target
    if not (goal > 0 and math.isfinite(stderr)):
        return int(reps)
    return int(min(max(math.ceil(reps * (stderr / goal) ** 2), reps), max_reps))


def pooled(mean1: float, stderr1: float, reps1: int, mean2: float, stderr2: float, reps2: int) -> tuple[float, float]:
    r"""Mean and standard error of two independent samples pooled, from their means, stderrs and sizes (exact).

    With :math:`s_i^2 = r_i\,\mathrm{se}_i^2` (sample variances, ``ddof=1``) the pooled sum of squares is
    :math:`(r_1 - 1)s_1^2 + (r_2 - 1)s_2^2 + \frac{r_1 r_2}{r_1 + r_2}(\bar x_1 - \bar x_2)^2`, so the result equals
    the mean and :math:`s/\sqrt{r}` of the concatenated replicates (up to round-off).
    """
    r1, r2 = int(reps1), int(reps2)
    r = r1 + r2
    mean = (r1 * mean1 + r2 * mean2) / r
    ss = (r1 - 1) * r1 * stderr1**2 + (r2 - 1) * r2 * stderr2**2 + r1 * r2 / r * (mean1 - mean2) ** 2
    return float(mean), float(math.sqrt(ss / (r - 1) / r))


def _block_key(point: dict, shared: bool) -> tuple:
    # top-up replicates are decided per group of points differing only in n and lam (a sweep block may also
    # span T; grouping finer than the block is still correct, it only tops up fewer points); without sharing
    # every point is its own group
    drop = ("n", "lam") if shared else ()
    return tuple(sorted((k, str(v)) for k, v in point.items() if k not in drop))


def _mc_frame(base: Problem, points: list[dict], reps: int, seed: int, shared: bool, progress: bool, label: str):
    """``symcollapse.sweep.sweep`` over ``points`` (theory, Monte Carlo and the compare verdict)."""
    from symcollapse.sweep import sweep as _sweep  # noqa: PLC0415 (numba import only when needed)

    df = _sweep(base, points, reps=int(reps), seed=int(seed), shared=shared, progress=progress)
    bad = df[df["mc_note"].notna()]
    if len(bad):
        first = bad.iloc[0]
        raise RegimeError(f"{label}: no Monte-Carlo estimate at {points[int(first.name)]}: {first['mc_note']}")
    return df


def _judge(problem: Problem, total: float, mean: float, stderr: float, allow: float) -> tuple[float, bool | None]:
    r"""``(z, passed)`` by :func:`symcollapse.compare.verdict` (``k = 4``, compare's scale :math:`\|w_0\|_\Sigma^2`)."""
    from symcollapse.compare import verdict  # noqa: PLC0415

    if not (math.isfinite(total) and math.isfinite(allow)):
        return math.nan, None
    scale = float(np.sum(problem.eigenvalues * problem.coefficients**2))
    v = verdict(total, mean, stderr, allow, k=4.0, scale=scale)
    return float(v.z), v.passed


def simulation_rows(figure: str, panel: str, base: Problem, points: list[dict], reps: int, seed: int,
                    target: dict | None = None, progress: bool = False, shared: bool = True,
                    **extra: Any) -> list[dict]:
    r"""Monte-Carlo records of ``points`` (dicts of leaf fields of ``base``) from one :func:`symcollapse.sweep`.

    With ``shared=True`` the sweep uses shared randomness: per block of points that differ only in ``n`` and
    ``lam``, one chain per replicate up to the largest ``n`` and one downstream sufficient statistic for every
    ``lam``; with ``shared=False`` every point is an independent :func:`~symcollapse.simulate` run. Either
    way each point has exactly the law of ``simulate(point, reps, ...)`` (docs/theory/simulation.md).
    The ``seed`` column is ``seed``, the seed of the sweep (each block's stream is derived from it and the
    block's content, :func:`symcollapse.sweep.block_seed`), so ``sweep(base, points, reps, seed)`` reproduces
    the pilot. ``z``, ``allowance`` and ``passed`` are compare's verdict against
    ``predict(..., normalization="finite")`` (NaN / ``None`` where no implemented result covers the point).

    With ``target`` (keys ``stderr``, ``relative``, ``max_reps``), ``reps`` is a pilot: each point needs
    :func:`reps_for_target` replicates; a block runs at the largest need of its points (one shared stream per
    block), the extra replicates from a second sweep with an independent seed derived from ``seed``, pooled
    with the pilot (:func:`pooled`). The rule depends on the pilot only: the table is a function of ``seed``.
    """
    label = f"{figure} {panel}"
    df = _mc_frame(base, points, reps, seed, shared, progress, label)
    problems = [base.replace(**p) for p in points]
    mean, stderr = df["mc_mean"].to_numpy(float).copy(), df["mc_stderr"].to_numpy(float).copy()
    count = np.full(len(points), int(reps))
    if target is not None:
        need: dict[tuple, int] = {}
        for p, m, s in zip(points, mean, stderr):
            k = reps_for_target(m, s, reps, float(target["stderr"]), bool(target.get("relative", True)),
                                int(target["max_reps"]))
            need[_block_key(p, shared)] = max(need.get(_block_key(p, shared), reps), k)
        by_extra: dict[int, list[int]] = {}
        for i, p in enumerate(points):
            extra_reps = need[_block_key(p, shared)] - reps
            if extra_reps > 0:
                by_extra.setdefault(max(extra_reps, 2), []).append(i)
        for extra_reps, idx in sorted(by_extra.items()):
            more = _mc_frame(base, [points[i] for i in idx], extra_reps, point_seed(seed, 1), shared, progress,
                             label)
            for j, i in enumerate(idx):
                mean[i], stderr[i] = pooled(mean[i], stderr[i], count[i], float(more["mc_mean"].iloc[j]),
                                            float(more["mc_stderr"].iloc[j]), extra_reps)
                count[i] += extra_reps
        extra = {**extra, "target_stderr": float(target["stderr"]), "target_relative": bool(target.get("relative", True))}
    rows = []
    for i, p in enumerate(problems):
        total, allow = float(df["total"].iloc[i]), float(df["allowance"].iloc[i])
        z, passed = _judge(p, total, mean[i], stderr[i], allow)
        rows.append(record(figure, panel, p, "simulation", mean[i], stderr[i], int(count[i]), int(seed),
                           method=str(df["method"].iloc[i]), z=z, allowance=allow, passed=passed, **extra))
    return rows


def jsonable(value: Any) -> Any:
    """Recursively convert a manifest to JSON types: containers here, every scalar by the package's one
    conversion (:func:`symcollapse.results.jsonable`: numbers stay numbers, non-finite floats become ``None``);
    paths become strings."""
    from symcollapse import results  # noqa: PLC0415

    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return jsonable(value.tolist())
    if isinstance(value, Path):
        return str(value)
    return results.jsonable(value)


def _columns(rows: list[dict]) -> list[str]:
    cols = list(COLUMNS)
    for r in rows:
        cols += [k for k in r if k not in cols]
    return cols


def csv_text(rows: list[dict]) -> str:
    """``rows`` as CSV text: the contract columns first, then extra columns in order of first appearance."""
    cols = _columns(rows)
    buf = io.StringIO(newline="")
    w = csv.DictWriter(buf, fieldnames=cols, extrasaction="ignore")
    w.writeheader()
    for r in rows:
        w.writerow({k: ("" if r.get(k) is None else r.get(k)) for k in cols})
    return buf.getvalue()


def write_csv(rows: list[dict], path: str | Path) -> Path:
    """Write ``rows`` as CSV (:func:`csv_text`), atomically (temporary file, fsync, rename)."""
    path = Path(path)
    with atomic_write(path, "w") as fh:
        fh.write(csv_text(rows))
    return path


def _parse(cell: str) -> Any:
    if cell == "":
        return None
    if cell in ("True", "False"):  # flags such as target_relative
        return cell == "True"
    for conv in (int, float):
        try:
            return conv(cell)
        except ValueError:
            pass
    return cell


def read_csv(path: str | Path) -> Table:
    """Read a table written by :func:`write_csv` (numbers parsed back, empty cells ``None``) — e.g. to re-plot."""
    with Path(path).open(newline="") as fh:
        return Table([{k: _parse(v) for k, v in row.items()} for row in csv.DictReader(fh)])


def write_json(obj: dict, path: str | Path) -> Path:
    """Write ``obj`` (through :func:`jsonable`) as indented JSON, atomically."""
    path = Path(path)
    with atomic_write(path, "w") as fh:
        fh.write(json.dumps(jsonable(obj), indent=2) + "\n")
    return path


PARAMETER_COLUMNS = ("d", "T0", "sigma", "sigma0", "T", "lam", "ell_crit", "lam0", "beta", "r", "width", "design",
                     "kernel")


def parameters(rows: list[dict]) -> dict:
    """Per panel, each parameter column's value: the value if constant, else ``{"min", "max", "count"}``.

    The figure's parameters at a glance for its manifest (the full grids are in ``settings``).
    """
    out: dict = {}
    for r in rows:
        out.setdefault(r["panel"], {})
    for panel in out:
        mine = [r for r in rows if r["panel"] == panel]
        for col in PARAMETER_COLUMNS:
            values = sorted({r.get(col) for r in mine} - {None, ""}, key=str)
            if len(values) == 1:
                out[panel][col] = values[0]
            elif values and all(isinstance(v, (int, float)) for v in values):
                out[panel][col] = {"min": min(values), "max": max(values), "count": len(values)}
    return out


def versions() -> dict:
    """Versions of symcollapse, its dependencies, and Python (from package metadata, no heavy imports)."""
    from symcollapse import __version__  # noqa: PLC0415

    out = {"symcollapse": __version__, "python": platform.python_version()}
    for dist in ("numpy", "numba", "sympy", "mpmath", "scipy", "matplotlib", "scikit-learn"):
        try:
            out[dist] = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            out[dist] = None
    return out


def panel_rows(figure: str, panel: str, base: Problem, n_values, theory_x, sim_x, at, *, reps: int, seed: int,
               key: int, normalization: str = "finite", target: dict | None = None, progress: bool = False,
               shared: bool = True, **extra: Any) -> list[dict]:
    """Theory and simulation records of one panel: for each ``n``, theory on ``theory_x ∪ sim_x``, simulation on ``sim_x``.

    ``at(x)`` maps an x value to the point's leaf fields other than ``n`` (e.g. ``{"T": 1000, "lam": x}``).
    Theory (:func:`theory_row`, one ``predict`` per point) is evaluated at every simulated point too, so theory
    and simulation can be compared point by point; points no implemented result covers (``RegimeError``)
    get simulation records only. The simulated points are one :func:`symcollapse.sweep` call
    (:func:`simulation_rows`, ``shared`` as there) with seed ``point_seed(seed, key)``, so panels have
    independent streams.
    """
    xs = sorted(set(theory_x) | set(sim_x))
    rows: list[dict] = []
    from symcollapse._progress import progress as _progress  # noqa: PLC0415

    with _progress(len(n_values) * len(xs), f"{figure} {panel}: theory", progress) as advance:
        # one batched evaluation of the whole curve family (theory_rows): same rows as theory_row per point
        problems = [base.replace(n=n, **at(x)) for n in n_values for x in xs]
        rows += theory_rows(figure, panel, problems, normalization=normalization, **extra)
        advance(len(problems))
    points = [{"n": int(n), **at(x)} for n in n_values for x in sim_x]
    if points:
        rows += simulation_rows(figure, panel, base, points, reps, point_seed(seed, key), target=target,
                                progress=progress, shared=shared, **extra)
    return rows
