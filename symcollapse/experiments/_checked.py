r"""Rows shared by the workflow figures (``accumulate``, ``strong``, ``golden``): checked simulation rows and
reference rows.

A *checked* simulation row is :func:`simulation_row` plus the theory value at
the same problem (``theory_value``), its finite-size allowance (``allowance``, 0 for exact results, from
:func:`symcollapse.compare.allowance`) and ``z = (mean - theory)/stderr``, so that the CSV alone says whether
simulation and theory agree by the package's one rule :math:`|\bar E - E| \le k\,\widehat{se} + a`
(:func:`symcollapse.compare.verdict`). A *reference* row (``source = "reference"``) is a drawn guide that is
neither theory at a point nor simulation: a bound, a floor, an optimum (``label`` names it).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from symcollapse.experiments._table import point_seed, record, reps_for_target
from symcollapse.spec import Problem, RegimeError

__all__ = ["checked_simulation_row", "reference_row", "agrees"]


def simulation_row(figure: str, panel: str, problem: Problem, reps: int, seed: int, target: dict | None = None,
                   **extra: Any) -> dict:
    """The Monte-Carlo record of ``problem`` (``simulate`` with ``method="auto"``, the fastest exact sampler).

    With ``target`` (keys ``stderr``, ``relative``, ``max_reps``), ``reps`` is a pilot: more replicates,
    from an independent stream derived from ``seed``, are added until the standard error meets the
    target or ``max_reps`` is reached (:func:`reps_for_target`). The stopping rule depends on the pilot
    only, so the run stays a deterministic function of ``seed``.
    """
    from symcollapse.simulate.monte_carlo import simulate  # noqa: PLC0415 (numba import only when needed)

    mc = simulate(problem, reps=reps, seed=seed, method="auto")
    errors, elapsed = np.asarray(mc.errors, dtype=np.float64), float(mc.elapsed)
    mean, stderr = float(mc.mean), float(mc.stderr)
    if target is not None:
        need = reps_for_target(mean, stderr, reps, float(target["stderr"]), bool(target.get("relative", True)),
                               int(target["max_reps"]))
        if need > reps:
            more = simulate(problem, reps=max(need - reps, 2), seed=point_seed(seed, 1), method="auto")
            errors = np.concatenate([errors, np.asarray(more.errors, dtype=np.float64)])
            elapsed += float(more.elapsed)
            mean, stderr = float(errors.mean()), float(errors.std(ddof=1) / math.sqrt(errors.size))
        extra = {**extra, "target_stderr": float(target["stderr"]), "target_relative": bool(target.get("relative", True))}
    return record(figure, panel, problem, "simulation", mean, stderr, int(errors.size), int(seed),
                  method=mc.method, elapsed=round(elapsed, 4), **extra)


def checked_simulation_row(figure: str, panel: str, problem: Problem, reps: int, seed: int,
                           target: dict | None = None, **extra: Any) -> dict:
    """:func:`simulation_row` with ``theory_value``, ``allowance`` and ``z`` (``None`` where no theory covers it)."""
    from symcollapse.compare import allowance  # noqa: PLC0415 (SymPy import only when needed)
    from symcollapse.theory.evaluate import predict  # noqa: PLC0415

    row = simulation_row(figure, panel, problem, reps, seed, target=target, **extra)
    try:
        pred = predict(problem, normalization="finite")
    except RegimeError:
        return {**row, "theory_value": None, "allowance": None, "z": None}
    value = float(pred.total)
    se = row["stderr"]
    z = (row["value"] - value) / se if se and se > 0 else None
    return {**row, "theory_value": value, "allowance": float(allowance(problem, pred)), "z": z}


def reference_row(figure: str, panel: str, x: str, at: float, value: float, label: str, **extra: Any) -> dict:
    """A drawn guide at ``x = at`` (``source = "reference"``); parameter columns come from ``extra``."""
    return record(figure, panel, None, "reference", value, None, None, None, **{x: at}, label=label, **extra)


def agrees(row: dict, k: float = 4.0) -> bool | None:
    r"""Whether a checked simulation row meets :math:`|\bar E - E| \le k\,\widehat{se} + a`: the
    :func:`~symcollapse.compare.verdict` (``None`` where no theory covers the point or the check is not
    informative)."""
    if row.get("theory_value") is None:
        return None
    from symcollapse.compare import verdict  # noqa: PLC0415

    v = verdict(float(row["theory_value"]), float(row["value"]), float(row["stderr"] or 0.0),
                float(row["allowance"] or 0.0), k=k)
    return v.passed if math.isfinite(row["value"]) else False
