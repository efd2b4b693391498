r"""A whole parameter grid in one call: theory and Monte Carlo for every point, as one tidy table.

>>> import symcollapse as sc
>>> df = sc.sweep(sc.preset("fig1a"), {"n": [0, 2], "lam": [1e-3, 1e-1]}, reps=20, seed=0, progress=False)
>>> df[["n", "lam", "theorem"]]
   n    lam           theorem
0  0  0.001          Prop 4.2
1  0  0.100          Prop 4.2
2  2  0.001  Cor 4.4 (Eq. 19)
3  2  0.100  Cor 4.4 (Eq. 19)
>>> list(df.columns[13:20]), df.attrs["cells_computed"]
(['mc_mean', 'mc_stderr', 'reps', 'method', 'z', 'allowance', 'passed'], 4)

:func:`sweep` runs the Cartesian product of ``grid`` (or a list of points), computes :func:`~symcollapse.predict`
(theory) and :func:`~symcollapse.simulate` (Monte Carlo) for each point, and judges each pair with the same
rule as :func:`~symcollapse.compare` (:math:`|\bar E - E_{theory}| \le k\,\widehat{se} + a`, ``k = 4``, ``a``
the finite-size allowance; paper Thm 4.1 exact, Prop 4.2 / Cor 4.4 deterministic equivalents; see
docs/theory/results.md).

Shared and independent randomness
---------------------------------
Grid points that differ only in the number of generations ``n``, the downstream sample size ``T`` and the
ridge penalty ``lam`` form a *block* (the chain depends on none of the downstream fields). With
``shared=True`` (default) a block is simulated by ``symcollapse.simulate.simulate_block``: per replicate one
chain up to the block's largest ``n`` (smaller ``n`` read its prefix), shared by every ``T``, and per ``T``
one downstream sufficient statistic reused for every ``lam`` there (docs/theory/simulation.md). Every point keeps exactly the law it has under :func:`~symcollapse.simulate`;
only the joint law across points changes. Use it for curves: they are smooth and differences between
points are exact (common random numbers). Use ``shared=False`` when points are combined statistically as
independent estimates (e.g. a fit over ``n`` whose errors are assumed independent).

Seed rule (reproducible, documented): a point's or block's seed is derived from the *content* it depends on,
never from its position, so the table does not depend on the order of the grid keys, chunking, the executor,
the number of workers or threads, or a resume:

* ``shared=False``: point ``p`` is ``simulate(p, reps, point_seed(seed, p), method)``;
* ``shared=True``: block ``b`` is simulated with seed ``block_seed(seed, p)`` of any of its points ``p``;

both are ``int.from_bytes(SeedSequence(seed, spawn_key=H).generate_state(4, uint32), "little")`` with ``H``
the SHA-256 (as eight 32-bit words) of the canonical JSON of ``Problem.to_dict()`` — without ``n``, ``T``
and ``lam`` for a block. Numbers are hashed by their exact value (a float means its shortest decimal, as everywhere
in the spec), so ``0.1``, ``"1/10"`` and ``Fraction(1, 10)`` are one input, one cell and one seed; a row's
exact problem as typed is ``Problem.from_dict(json.loads(row.spec))``.
Where ``simulate_block`` is not available, a shared block runs each point with ``simulate`` and the seed
derived in the same way from the block seed and ``{"n": n, "T": T, "lam": lam}`` (no sharing, same laws).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import numbers
import sys
import types
from collections.abc import Iterable, Mapping, Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from symcollapse.spec import Problem, RegimeError, SpecError, domains

__all__ = ["sweep", "point_seed", "block_seed", "sampler_version", "THEORY_COLUMNS", "MC_COLUMNS"]

THEORY_COLUMNS = (
    "total",
    "bias",
    "variance",
    "collapse",
    "delta_bias",
    "kappa",
    "df2",
    "rho",
    "kind",
    "theorem",
)
MC_COLUMNS = ("mc_mean", "mc_stderr", "reps", "method")
_NUMERIC_THEORY = THEORY_COLUMNS[:8]
K_STDERR = 4.0  # standard errors allowed by the verdict (compare's default)
_INDEPENDENT_CELLS = 8  # cells per task when cells do not share randomness (scheduling ≪ 8 cells' work)


def sampler_version() -> str:
    """The stream-layout version of the samplers (part of every store key)."""
    from symcollapse.simulate.monte_carlo import SAMPLER_VERSION

    return str(SAMPLER_VERSION)


# --------------------------------------------------------------------------------------------------------
# Content hashes and seeds
# --------------------------------------------------------------------------------------------------------


def _canonical(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), allow_nan=True)


def _exact_scalars(obj: Any) -> Any:
    """Scalars as their exact value (spec convention: a float means its shortest decimal), so ``0.1``,
    ``"1/10"`` and ``Fraction(1, 10)``, or ``0`` and ``0.0``, are one input; lists (spectra) stay as they are."""
    from symcollapse.spec import exact

    if isinstance(obj, dict):
        return {k: _exact_scalars(v) for k, v in obj.items()}
    if isinstance(obj, bool) or obj is None or isinstance(obj, list):
        return obj
    if isinstance(obj, (int, float, str)):
        try:
            return f"#{exact(obj)}"
        except (SpecError, ValueError, TypeError, ArithmeticError):  # a label, not a number
            return obj
    return obj


def _digest(obj: Any) -> str:
    return hashlib.sha256(_canonical(_exact_scalars(obj)).encode()).hexdigest()


def _fixed_dict(problem: Problem) -> dict:
    """``problem.to_dict()`` without ``n``, ``T`` and ``lam``: what the points of one block share (the chain
    does not depend on the downstream ``T`` or ``lam``, so one chain per replicate serves them all)."""
    d = json.loads(_canonical(problem.to_dict()))
    d["chain"].pop("n", None)
    d["downstream"].pop("lam", None)
    d["downstream"].pop("T", None)
    return d


def _seed_from(seed: int, digest: str) -> int:
    words = tuple(int(digest[i : i + 8], 16) for i in range(0, 64, 8))
    state = np.random.SeedSequence(seed, spawn_key=words).generate_state(4, np.uint32)
    return int.from_bytes(state.astype("<u4").tobytes(), "little")


def point_seed(seed: int, problem: Problem) -> int:
    """The seed of ``problem`` in a ``shared=False`` sweep with user seed ``seed`` (module docstring)."""
    return _seed_from(int(seed), _digest(problem.to_dict()))


def block_seed(seed: int, problem: Problem) -> int:
    """The seed of the block containing ``problem`` in a ``shared=True`` sweep (module docstring)."""
    return _seed_from(int(seed), _digest(_fixed_dict(problem)))


# --------------------------------------------------------------------------------------------------------
# Grid → points
# --------------------------------------------------------------------------------------------------------


_PARTS = ("spectrum", "target", "chain", "downstream")


def _leaf_part(problem: Problem, name: str) -> Any:
    """The part (chain or downstream model) that holds leaf field ``name`` (workflow parameters included),
    or ``None`` (e.g. a workflow parameter at a point of another workflow)."""
    for part in (problem.chain, problem.downstream):
        if name in part.to_dict() or hasattr(part, name):
            return part
    return None


def _values(name: str, values: Any) -> list:
    if isinstance(values, (str, bytes, Mapping)) or not isinstance(values, Iterable):
        raise SpecError(f"grid[{name!r}] must be a sequence of values, got {values!r}")
    out = [v.item() if isinstance(v, np.generic) else v for v in values]
    if not out:
        raise SpecError(f"grid[{name!r}] is empty: give at least one value")
    return out


def _points(problem: Problem, grid: Any) -> tuple[list[str], list[dict]]:
    """(swept names in first-seen order, one dict per point) from a dict of sequences or a list of dicts.

    Field names are checked by ``Problem.replace`` (which names the valid ones), so leaf fields that later
    parts add (a workflow's parameters) are sweepable without a list kept here."""
    if isinstance(grid, Mapping):
        names = list(grid)
        if not names:
            raise SpecError("grid is empty: give at least one field, e.g. {'n': [0, 1, 2]}")
        axes = [_values(k, grid[k]) for k in names]
        points = [dict(zip(names, combo)) for combo in itertools.product(*axes)]
    elif isinstance(grid, Sequence) and not isinstance(grid, (str, bytes)):
        if not grid:
            raise SpecError("grid is an empty list: give at least one point, e.g. [{'n': 0}]")
        bad = [g for g in grid if not isinstance(g, Mapping)]
        if bad:
            raise SpecError(f"a list grid must hold one dict per point, got {bad[0]!r}")
        points = [{k: (v.item() if isinstance(v, np.generic) else v) for k, v in g.items()} for g in grid]
        names = list(dict.fromkeys(k for g in points for k in g))
    else:
        raise SpecError(f"grid must be a dict of sequences or a list of dicts, got {type(grid).__name__}")
    parts = [k for k in names if k in _PARTS]
    if parts:
        raise SpecError(
            f"grid field {parts[0]!r} is a whole part of the problem; a grid sweeps leaf fields (n, T0, sigma0, "
            "design, T, sigma, lam, ...): vary whole parts with one sweep per problem"
        )
    return names, points


def _column_value(problem: Problem, name: str) -> Any:
    part = _leaf_part(problem, name)
    if part is None:
        return None
    v = getattr(part, name)
    v = getattr(v, "key", v)  # a registered object (e.g. the chain's workflow) by its key
    if isinstance(v, bool) or isinstance(v, str):
        return v
    if isinstance(v, numbers.Integral):
        return int(v)
    if isinstance(v, (Fraction, numbers.Real)):
        return float(v)
    return str(v)


def _is_integer_field(problem: Problem, name: str) -> bool | None:
    """Whether the field's declared domain is integer (``None``: no domain declared)."""
    part = _leaf_part(problem, name)
    if part is None:
        return None
    try:
        dom = domains(type(part)).get(name)
    except TypeError:  # a part that is not a dataclass declares no domains
        dom = None
    if dom is None:  # a workflow's parameters declare theirs on the workflow
        dom = getattr(getattr(part, "workflow", None), "params", {}).get(name)
    return None if dom is None else bool(dom.integer)


# --------------------------------------------------------------------------------------------------------
# Monte Carlo: blocks of cells, the unit of work of every executor
# --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Task:
    """One unit of work: a block of cells (same fixed parameters), whole when it shares randomness.

    ``pairs`` are the block's downstream points ``(T, lam)``; ``cells`` holds ``(n, T, lam, store key, seed)``
    per cell; the seed is used only when ``shared=False``.
    """

    base: Problem
    ns: tuple
    pairs: tuple
    cells: tuple
    reps: int
    seed: int
    method: str
    shared: bool
    pin: bool = False

    @property
    def keys(self) -> list[str]:
        return [c[3] for c in self.cells]


def _mc_ok(r) -> dict:
    return {
        "mc_mean": float(r.mean),
        "mc_stderr": float(r.stderr),
        "reps": int(r.reps),
        "method": str(r.method),
        "mc_note": None,
    }


def _mc_failed(reps: int, exc: BaseException) -> dict:
    return {
        "mc_mean": math.nan,
        "mc_stderr": math.nan,
        "reps": int(reps),
        "method": None,
        "mc_note": f"{type(exc).__name__}: {exc}",
    }


def _sub_seed(seed: int, n: int, T: int, lam_json: Any) -> int:
    return _seed_from(seed, _digest({"n": n, "T": int(T), "lam": lam_json}))


def _fallback_block(problem: Problem, ns, pairs, reps: int, seed: int, method: str, cells) -> dict:
    """Stand-in for ``simulate_block`` (no sharing): each needed point by :func:`simulate` with a sub-seed
    of the block seed. Values are MCResults, or the exception of a point no sampler covers."""
    from symcollapse.simulate.monte_carlo import simulate

    out = {}
    for n, T, lam, _, _ in cells:
        p = problem.replace(n=n, T=T, lam=lam)
        try:
            out[(n, T, lam)] = simulate(
                p, reps, _sub_seed(seed, n, T, p.downstream.to_dict()["lam"]), method=method
            )
        except (RegimeError, FloatingPointError) as exc:
            out[(n, T, lam)] = exc
    return out


def _block_engine() -> str:
    import symcollapse.simulate as sim

    return "simulate_block" if hasattr(sim, "simulate_block") else "per-point"


def _block_results(problem: Problem, ns, pairs, reps: int, seed: int, method: str, cells) -> dict:
    """``{(n, T, lam): MCResult or exception}`` for a block with shared randomness (one chain per replicate
    for every downstream point ``(T, lam)`` of ``pairs``)."""
    import symcollapse.simulate as sim

    block = getattr(sim, "simulate_block", None)
    if block is None:  # simulate without simulate_block (older simulate package)
        return _fallback_block(problem, ns, pairs, reps, seed, method, cells)
    try:
        return block(problem, list(ns), None, reps, seed, method, pairs=list(pairs))
    except RegimeError:
        # the named sampler is not exact at some point of the block: every other point still gets its value
        # (per point, deterministic), the uncovered ones their note
        return _fallback_block(problem, ns, pairs, reps, seed, method, cells)
    except FloatingPointError as exc:
        return {(n, T, lam): exc for n, T, lam, _, _ in cells}


def _lookup(results: dict, n: int, T: int, lam: Any):
    if (n, T, lam) in results:
        return results[(n, T, lam)]
    return results[(n, T, float(lam))]


def _run_task(task: _Task) -> dict[str, dict]:
    """Worker entry point: ``{store key: Monte-Carlo columns}`` for every cell of ``task``."""
    from symcollapse._executors import pinned
    from symcollapse.simulate.monte_carlo import simulate

    out = {}
    with pinned() if task.pin else nullcontext():
        if task.shared:
            res = _block_results(
                task.base, task.ns, task.pairs, task.reps, task.seed, task.method, task.cells
            )
            for n, T, lam, key, _ in task.cells:
                r = _lookup(res, n, T, lam)
                out[key] = _mc_failed(task.reps, r) if isinstance(r, BaseException) else _mc_ok(r)
            return out
        for n, T, lam, key, seed in task.cells:
            try:
                out[key] = _mc_ok(
                    simulate(task.base.replace(n=n, T=T, lam=lam), task.reps, seed, method=task.method)
                )
            except (RegimeError, FloatingPointError) as exc:
                out[key] = _mc_failed(task.reps, exc)
    return out


def _tasks(cells: dict[str, Problem], reps: int, seed: int, method: str, shared: bool) -> tuple[list, dict]:
    """Group cells into blocks; return (tasks, {cell digest: store key})."""
    version, engine = sampler_version(), _block_engine()
    groups: dict[str, list] = {}
    for digest, p in cells.items():
        groups.setdefault(_digest(_fixed_dict(p)), []).append((digest, p))
    tasks, keys = [], {}
    for members in groups.values():
        base = members[0][1]
        ns = tuple(sorted({p.chain.n for _, p in members}))
        pairs = tuple(
            sorted(
                {(p.downstream.T, p.downstream.lam) for _, p in members}, key=lambda q: (q[0], float(q[1]))
            )
        )
        bseed = block_seed(seed, base)
        common = {
            "reps": reps,
            "seed": seed,
            "method": method,
            "shared": shared,
            "sampler_version": version,
            "numpy": np.__version__,
        }
        if shared:  # a shared block's values may depend on its other points: they are part of the key
            common.update(
                engine=engine,
                ns=list(ns),
                pairs=[[int(T), _exact_scalars(_lam_json(base, x))] for T, x in pairs],
            )
        entries = []
        for digest, p in members:
            key = _digest({"problem": p.to_dict(), **common})
            keys[digest] = key
            entries.append((p.chain.n, p.downstream.T, p.downstream.lam, key, point_seed(seed, p)))
        # Cells with their own seeds (shared=False, or the per-point stand-in for simulate_block) are
        # independent: smaller tasks spread a single block over the workers without changing any value.
        step = len(entries) if shared and engine == "simulate_block" else _INDEPENDENT_CELLS
        for i in range(0, len(entries), step):
            tasks.append(_Task(base, ns, pairs, tuple(entries[i : i + step]), reps, bseed, method, shared))
    return tasks, keys


def _lam_json(base: Problem, lam: Any) -> Any:
    return base.replace(lam=lam).downstream.to_dict()["lam"]


def _run_mc(cells: dict[str, Problem], reps, seed, method, shared, store, executor, progress) -> tuple:
    """Monte-Carlo columns per cell digest, and (computed, reused) counts and the executor's name."""
    from symcollapse._executors import open_executor, run_all
    from symcollapse._progress import progress as _progress
    from symcollapse._store import Store

    tasks, keys = _tasks(cells, reps, seed, method, shared)
    version = sampler_version()
    done: dict[str, dict] = {}
    with Store(store) if store is not None else nullcontext() as st:
        if st is not None:
            done.update(st.get(keys.values(), version))
        todo = [t for t in tasks if any(k not in done for k in t.keys)]
        n_todo = sum(len(t.cells) for t in todo)
        reused = len(cells) - n_todo
        with open_executor(executor) as runner, _progress(len(cells), "sweep", progress) as advance:
            advance(reused)
            todo = [_replace_pin(t, runner.remote) for t in todo]
            # Only this process writes the store: one transaction per finished block, in completion order.
            for out in run_all(runner, _run_task, todo):
                if st is not None:
                    st.put(out, version)
                done.update(out)
                advance(len(out))
            name = runner.name
    return {digest: done[key] for digest, key in keys.items()}, n_todo, reused, name


def _replace_pin(task: _Task, pin: bool) -> _Task:
    from dataclasses import replace

    return replace(task, pin=pin)


# --------------------------------------------------------------------------------------------------------
# Theory and the verdict
# --------------------------------------------------------------------------------------------------------


def _float(v: Any) -> float:
    return math.nan if v is None else float(v)


def _theory(p: Problem, normalization: str) -> tuple[dict, Any]:
    """Theory columns of ``p`` and its Prediction (``None`` and a ``theory_note`` on RegimeError)."""
    return _theory_all({"": p}, normalization)[""]


def _theory_all(cells: dict[str, Problem], normalization: str) -> dict[str, tuple[dict, Any]]:
    """:func:`_theory` of every cell, by one batched evaluation (``predict_many``: the values of ``predict``)."""
    from symcollapse.theory._batch import predict_many

    keys = list(cells)
    probs = [cells[k] for k in keys]
    preds = predict_many(probs, normalization=normalization)
    paper = predict_many(probs, normalization="paper") if normalization != "paper" else None
    out = {}
    for i, key in enumerate(keys):
        row: dict[str, Any] = {c: math.nan for c in _NUMERIC_THEORY}
        row.update(kind=None, theorem=None, theory_note=None)
        pred = preds[i]
        if isinstance(pred, RegimeError):
            row["theory_note"], pred = str(pred), None
        else:
            row.update(
                {c: _float(getattr(pred, c)) for c in _NUMERIC_THEORY}, kind=pred.kind, theorem=pred.theorem
            )
        if paper is not None:
            row["total_paper"] = math.nan if isinstance(paper[i], RegimeError) else float(paper[i].total)
        out[key] = (row, pred)
    return out


def _verdict(problem: Problem, value: float, mean: float, stderr: float, allow: float) -> tuple[float, Any]:
    r"""``(z, passed)`` by the one rule of :mod:`symcollapse.compare` (``passed`` may be ``None``: not
    informative), with compare's round-off scale :math:`\|w_0\|_\Sigma^2`."""
    from symcollapse.compare import verdict

    scale = float(np.sum(problem.eigenvalues * problem.coefficients**2))  # compare's round-off scale
    v = verdict(value, mean, stderr, allow, k=K_STDERR, scale=scale)
    return float(v.z), v.passed


def _judge(p: Problem, pred: Any, mc: dict) -> dict:
    from symcollapse.compare import allowance

    if pred is None or mc["mc_note"] is not None:
        return {"z": math.nan, "allowance": math.nan, "passed": None}
    allow = float(allowance(p, pred))
    z, passed = _verdict(p, float(pred.total), mc["mc_mean"], mc["mc_stderr"], allow)
    return {"z": z, "allowance": allow, "passed": passed}


# --------------------------------------------------------------------------------------------------------
# Public entry point
# --------------------------------------------------------------------------------------------------------


def _check_args(problem, reps, seed, method, normalization, flags: dict) -> None:
    from symcollapse.simulate.monte_carlo import METHODS

    if not isinstance(problem, Problem):
        raise SpecError(f"problem must be a symcollapse Problem, got {type(problem).__name__}")
    for name, value, low in (("reps", reps, 2), ("seed", seed, 0)):
        if isinstance(value, bool) or not isinstance(value, numbers.Integral) or int(value) < low:
            raise SpecError(f"{name} must be an integer >= {low}, got {value!r}")
    if method not in METHODS:
        raise SpecError(f"method must be one of {METHODS}, got {method!r}")
    if normalization not in ("paper", "finite"):
        raise SpecError(f"normalization must be 'paper' or 'finite', got {normalization!r}")
    for name, value in flags.items():
        if not isinstance(value, bool):
            raise SpecError(f"{name} must be True or False, got {value!r}")
    if not (flags["theory"] or flags["simulate"]):
        raise SpecError("theory=False and simulate=False leave nothing to compute")


def _point_problems(problem: Problem, points: list[dict]) -> list[Problem]:
    out = []
    for point in points:
        try:
            out.append(problem.replace(**point))
        except SpecError as exc:
            leaves = set(problem.chain.to_dict()) | set(problem.downstream.to_dict())
            leaves |= {"workflow"} if hasattr(problem.chain, "workflow") else set()
            hint = f"; leaf fields of this problem: {sorted(leaves)}" if set(point) - leaves else ""
            raise SpecError(f"grid point {point}: {exc}{hint}") from None
    return out


def _column_order(names, theory, simulate, normalization) -> list[str]:
    cols = list(names)
    if theory:
        cols += list(THEORY_COLUMNS) + (["total_paper"] if normalization != "paper" else [])
    if simulate:
        cols += list(MC_COLUMNS)
    if theory and simulate:
        cols += ["z", "allowance", "passed"]
    cols += (["theory_note"] if theory else []) + (["mc_note"] if simulate else []) + ["spec"]
    return cols


def _frame(rows: list[dict], columns: list[str], problems: list[Problem], names: list[str]):
    import pandas as pd

    df = pd.DataFrame(rows, columns=columns)
    for name in names:
        col = df[name]
        present = [v for v in col if v is not None]
        numeric = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in present)
        holder = next((p for p in problems if _leaf_part(p, name) is not None), problems[0])
        integer = _is_integer_field(holder, name)
        if len(present) < len(col):  # a field absent at some points: NaN there, so float
            integer = False
        if integer or (integer is None and numeric and all(isinstance(v, int) for v in present)):
            df[name] = col.astype("int64")
        elif numeric:
            df[name] = col.astype("float64")
    for c in (*_NUMERIC_THEORY, "total_paper", "mc_mean", "mc_stderr", "z", "allowance"):
        if c in df:
            df[c] = df[c].astype("float64")
    if "reps" in df:
        df["reps"] = df["reps"].astype("int64")
    if "passed" in df:
        df["passed"] = df["passed"].astype("boolean")  # nullable: None = no verdict (no theory or no MC)
    return df


def sweep(
    problem: Problem,
    grid: Mapping[str, Sequence] | Sequence[Mapping],
    reps: int,
    seed: int,
    *,
    theory: bool = True,
    simulate: bool = True,
    method: str = "auto",
    shared: bool = True,
    normalization: str = "finite",
    store: Any = None,
    executor: Any = None,
    progress: bool | None = None,
):
    r"""Theory and Monte Carlo over a grid of problems, as one tidy :class:`pandas.DataFrame`.

    Parameters
    ----------
    problem : Problem
        The base problem; every grid point is ``problem.replace(**point)``.
    grid : dict of sequences, or list of dicts
        Leaf field names (``n, T0, sigma0, design, T, sigma, lam``, and any leaf field of the chain or the
        downstream model) mapped to values: the sweep runs their Cartesian product, rows in
        ``itertools.product`` order of the keys as given. Or one dict per point.
    reps : int
        Monte-Carlo replicates per point (>= 2).
    seed : int
        User seed; every point's stream is derived from it and the point's content (module docstring).
    theory, simulate : bool
        Compute :func:`~symcollapse.predict` / :func:`~symcollapse.simulate` columns.
    method : str
        Sampler (see :func:`~symcollapse.simulate`); ``"auto"`` is the fastest exact one per point.
    shared : bool
        Shared randomness within each block of points differing only in ``n``, ``T`` and ``lam`` (default), or
        independent points. Each point's law is the same either way (module docstring).
    normalization : {"finite", "paper"}
        Normalisation of :math:`\rho` in the theory (paper Eq. 19 with :math:`T_0 - d` or Thm F.1's
        :math:`T_0 - d - 1`; see docs/theory/setup.md). With ``"finite"`` the column ``total_paper`` holds the
        paper's normalisation as well.
    store : path, optional
        SQLite file of finished cells: a rerun (e.g. after a crash) reuses them and returns the same table.
    executor : None, "processes", "dask", concurrent.futures.Executor or distributed.Client
        Where blocks run (:mod:`symcollapse._executors`); the table does not depend on it.
    progress : bool, optional
        One bar for the grid (cells done / total); ``None`` (default) and ``True`` show it, ``False`` hides it.

    Returns
    -------
    pandas.DataFrame
        One row per grid point: the swept fields (numbers as int64 / float64), theory columns
        ``total, bias, variance, collapse, delta_bias, kappa, df2, rho, kind, theorem`` (+ ``total_paper``),
        Monte-Carlo columns ``mc_mean, mc_stderr, reps, method``, the verdict ``z, allowance, passed``
        (compare's rule, :math:`k = 4`; nullable boolean), ``theory_note`` / ``mc_note`` (why a point has
        NaN theory or Monte-Carlo columns, else ``None``) and ``spec`` (``Problem.to_dict()`` as JSON, the
        exact inputs). ``df.attrs``: ``seed, version, shared, normalization, reps, method, sampler_version,
        cells, cells_computed, cells_reused, executor``.

    Raises
    ------
    SpecError
        Bad arguments, an empty grid or grid axis, an unknown field, an invalid point, an unreadable store.
    """
    flags = {"theory": theory, "simulate": simulate, "shared": shared}
    _check_args(problem, reps, seed, method, normalization, flags)
    reps, seed = int(reps), int(seed)
    names, points = _points(problem, grid)
    problems = _point_problems(problem, points)
    digests = [_digest(p.to_dict()) for p in problems]
    cells = dict(zip(digests, problems))  # duplicates in the grid are one cell
    th = _theory_all(cells, normalization) if theory else {}
    mc, computed, reused, where = ({}, 0, 0, None)
    if simulate:
        mc, computed, reused, where = _run_mc(
            cells, reps, seed, method, shared, store, executor, True if progress is None else bool(progress)
        )
    rows = []
    for p, d in zip(problems, digests):
        row = {name: _column_value(p, name) for name in names}
        if theory:
            row.update(th[d][0])
        if simulate:
            row.update(mc[d])
        if theory and simulate:
            row.update(_judge(p, th[d][1], mc[d]))
        row["spec"] = _canonical(p.to_dict())
        rows.append(row)
    df = _frame(rows, _column_order(names, theory, simulate, normalization), problems, names)
    from symcollapse import __version__

    df.attrs.update(
        seed=seed,
        version=__version__,
        shared=shared,
        normalization=normalization,
        reps=reps,
        method=method,
        sampler_version=sampler_version(),
        cells=len(cells),
        cells_computed=computed,
        cells_reused=reused,
        executor=where,
    )
    return df


class _CallableModule(types.ModuleType):
    # ``import symcollapse.sweep`` binds the *module* to ``symcollapse.sweep``; calling it still sweeps.
    def __call__(self, *args, **kwargs):
        return sweep(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
