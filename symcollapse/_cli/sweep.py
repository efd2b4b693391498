"""``symcollapse sweep CONFIG.toml --out FILE``: a whole grid (theory + Monte Carlo) into one table.

The config (TOML, read with the standard library's ``tomllib``) has three tables::

    [problem]            # a preset name (plus leaf overrides), or a full Problem.to_dict()
    preset = "fig1a"

    [grid]               # leaf fields -> lists: their Cartesian product (or [[grid]] tables, one per point)
    n = [0, 1, 2, 5, 10, 20]
    lam = [1e-4, 1e-3, 1e-2, 1e-1, 1]

    [run]                # all optional
    reps = 100
    seed = 0
    method = "auto"
    shared = true
    store = "runs.sqlite"        # relative paths are relative to the config file's folder
    executor = "processes"       # "none", "processes" or "dask"
    scheduler = "tcp://host:8786"  # with executor = "dask": that scheduler instead of Dask's default

``--executor`` and ``--scheduler`` override ``[run]``. The output format follows the extension of ``--out``:
``.csv``, ``.json`` (``{"attrs": ..., "rows": [...]}``, NaN as null) or ``.parquet`` (needs pyarrow). The
file is written to a temporary file in the same folder and moved into place, so a crash never leaves a
half-written table.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import tomllib
from pathlib import Path
from typing import Any

from symcollapse.spec import PRESET_NAMES, Problem, SpecError, preset

SECTIONS = ("problem", "grid", "run")
RUN_KEYS = (
    "reps",
    "seed",
    "method",
    "shared",
    "store",
    "executor",
    "scheduler",
    "theory",
    "simulate",
    "normalization",
    "progress",
)
FORMATS = (".csv", ".json", ".parquet")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "config", help="TOML file with [problem], [grid] and [run] (see examples/sweep_fig1a.toml)"
    )
    parser.add_argument("--out", required=True, help="output table: .csv, .json or .parquet (pyarrow)")
    parser.add_argument("--executor", choices=["none", "processes", "dask"], help="overrides [run] executor")
    parser.add_argument(
        "--scheduler", metavar="ADDRESS", help="Dask scheduler address (implies --executor dask)"
    )
    from symcollapse._cli.simulate import add_progress_argument  # noqa: PLC0415 (the one shared flag)

    add_progress_argument(parser)


def _check_keys(where: str, data: Any, valid: tuple) -> dict:
    if not isinstance(data, dict):
        raise SpecError(f"{where} must be a table, got {data!r}")
    for key in data:
        if key not in valid:
            raise SpecError(f"config key {where}.{key} is not valid; valid keys of {where}: {sorted(valid)}")
    return data


def load_config(path: str | os.PathLike) -> dict:
    """Parse and check a sweep config: ``{"problem": Problem, "grid": ..., "run": {...}}``."""
    path = Path(path)
    try:
        with open(path, "rb") as f:
            raw = tomllib.load(f)
    except tomllib.TOMLDecodeError as exc:
        raise SpecError(f"{path}: not valid TOML ({exc})") from None
    for key in raw:
        if key not in SECTIONS:
            raise SpecError(
                f"{path}: config key {key!r} is not valid; valid top-level tables: {list(SECTIONS)}"
            )
    for key in ("problem", "grid"):
        if key not in raw:
            raise SpecError(f"{path}: missing the [{key}] table (needs {list(SECTIONS)})")
    run = dict(_check_keys("[run]", raw.get("run", {}), RUN_KEYS))
    if isinstance(run.get("store"), str):
        run["store"] = str((path.parent / run["store"]).resolve())
    return {"problem": _problem(raw["problem"]), "grid": raw["grid"], "run": run}


def _problem(data: Any) -> Problem:
    if not isinstance(data, dict):
        raise SpecError(f"[problem] must be a table, got {data!r}")
    if "preset" in data:
        overrides = {k: v for k, v in data.items() if k != "preset"}
        if data["preset"] not in PRESET_NAMES:
            raise SpecError(
                f"[problem] preset = {data['preset']!r} is not a preset; valid: {list(PRESET_NAMES)}"
            )
        return preset(data["preset"], **overrides)
    return Problem.from_dict(data)


def _jsonable(v: Any) -> Any:
    import numpy as np
    import pandas as pd

    from symcollapse import results

    if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)):
        return None
    if isinstance(v, np.generic):
        return _jsonable(v.item())
    return results.jsonable(v)  # the package's one conversion for every other scalar


def _payload(df, suffix: str) -> bytes | None:
    if suffix == ".csv":
        return df.to_csv(index=False).encode()
    if suffix == ".json":
        rows = [{k: _jsonable(v) for k, v in r.items()} for r in df.to_dict(orient="records")]
        data = {"attrs": {k: _jsonable(v) for k, v in df.attrs.items()}, "rows": rows}
        from symcollapse.results import jsonable  # the package's one JSON conversion (NaN -> null)

        data = jsonable(data)
        return (json.dumps(data, indent=1, allow_nan=False) + "\n").encode()
    return None


def _atomic_write(path: Path):
    from symcollapse._io import atomic_write  # the package's crash-safe writer

    return atomic_write(path, "wb")


def write_table(df, out: str | os.PathLike) -> Path:
    """Write ``df`` to ``out`` atomically (temp file in the same folder, then ``os.replace``)."""
    out = Path(out)
    suffix = out.suffix.lower()
    if suffix not in FORMATS:
        raise SpecError(f"--out {str(out)!r}: unknown format {suffix!r}; valid: {list(FORMATS)}")
    if suffix == ".parquet":
        try:
            import pyarrow  # noqa: F401
        except ImportError:
            raise SpecError(
                "--out *.parquet needs pyarrow (pip install pyarrow); use .csv or .json"
            ) from None
    out.parent.mkdir(parents=True, exist_ok=True)
    with _atomic_write(out) as f:
        data = _payload(df, suffix)
        if data is None:
            df.to_parquet(f, index=False)
        else:
            f.write(data)
    return out


@contextlib.contextmanager
def _executor(run: dict):
    scheduler = run.pop("scheduler", None)
    name = run.pop("executor", None)
    if scheduler is not None:
        if name not in (None, "dask"):
            raise SpecError(f"a scheduler address needs executor = 'dask', got {name!r}")
        try:
            from distributed import Client
        except ImportError:
            raise SpecError("--scheduler needs dask[distributed]: pip install 'symcollapse[dask]'") from None
        with Client(scheduler) as client:
            yield client
        return
    if name not in (None, "none", "processes", "dask"):
        raise SpecError(f"[run] executor = {name!r}; valid: 'none', 'processes', 'dask'")
    yield None if name in (None, "none") else name


def run(args: argparse.Namespace) -> int:
    from symcollapse.sweep import sweep

    cfg = load_config(args.config)
    run_opts = dict(cfg["run"])
    if args.executor is not None:
        run_opts["executor"] = args.executor
    if args.scheduler is not None:
        run_opts["scheduler"] = args.scheduler
    if args.progress is not None:  # --progress / --no-progress override [run] progress
        run_opts["progress"] = bool(args.progress)
    reps = run_opts.pop("reps", 100)
    seed = run_opts.pop("seed", 0)
    with _executor(run_opts) as executor:
        df = sweep(cfg["problem"], cfg["grid"], reps, seed, executor=executor, **run_opts)
    out = write_table(df, args.out)
    a = df.attrs
    failed = int((df["passed"] == False).sum()) if "passed" in df else 0  # noqa: E712 (nullable boolean)
    print(
        f"wrote {len(df)} rows to {out} (cells computed {a['cells_computed']}, reused {a['cells_reused']}; "
        f"verdicts failed: {failed})"
    )
    return 0
