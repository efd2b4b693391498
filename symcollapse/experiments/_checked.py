r"""Rows shared by the workflow figures (``accumulate``, ``strong``, ``golden``): checked simulation rows and
reference rows.

A *checked* simulation row is :func:`~symcollapse.experiments._table.simulation_row` plus the theory value at
the same problem (``theory_value``), its finite-size allowance (``allowance``, 0 for exact results, from
:func:`symcollapse.compare.allowance`) and ``z = (mean - theory)/stderr``, so that the CSV alone says whether
simulation and theory agree by the package's one rule :math:`|\bar E - E| \le k\,\widehat{se} + a`
(:func:`symcollapse.compare.verdict`). A *reference* row (``source = "reference"``) is a drawn guide that is
neither theory at a point nor simulation: a bound, a floor, an optimum (``label`` names it).
"""

from __future__ import annotations

import math
from typing import Any

from symcollapse.experiments._table import record, simulation_row
from symcollapse.spec import Problem, RegimeError

__all__ = ["checked_simulation_row", "reference_row", "agrees"]


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
