r"""Digit certification: evaluate at two guard precisions and count the agreeing significant digits.

Used by ``predict(dps=...)``, :func:`~symcollapse.theory._infinite.power_law_point` and
:func:`~symcollapse.theory.optimal.optimal_lambda`. Precision is only ever raised inside
``mpmath.workdps``; the global ``mpmath.mp.dps`` is never changed.
"""

from __future__ import annotations

from collections.abc import Callable

import mpmath

__all__ = ["agree", "certify"]


def agree(a, b, cap: int) -> int:
    """Significant digits on which ``a`` agrees with the reference ``b`` (relative to ``b``), in [0, cap]."""
    if a is None or b is None:
        return cap
    if a == b:
        return cap
    if b == 0:
        return 0 if abs(a) > 0 else cap
    rel = abs(a - b) / abs(b)
    return max(0, min(cap, int(mpmath.floor(-mpmath.log10(rel)))))


def certify(fn: Callable[[], dict], dps: int, guards: tuple[int, int] = (5, 20), keys=None,
            finish: Callable[[dict], dict] | None = None) -> tuple[dict, int]:
    """Run ``fn()`` inside ``workdps(dps + guards[0])`` and ``workdps(dps + guards[1])``.

    Returns the second (more precise) run's values rounded to ``dps`` digits and the number of significant
    digits on which both runs agree (minimum over ``keys``, default every key; ``None`` values are skipped;
    capped at ``dps``). ``finish`` maps a run's dict to the quantities to certify, at ``dps`` digits.
    """
    runs = []
    for extra in guards:
        with mpmath.workdps(dps + extra):
            runs.append(fn())
    with mpmath.workdps(dps):
        lo, hi = (finish(r) for r in runs) if finish is not None else runs
        names = list(hi) if keys is None else list(keys)
        digits = min((agree(lo[q], hi[q], dps) for q in names), default=dps)
        # round numbers to dps digits; anything else (e.g. a tuple holding an unrounded value) is passed on
        vals = {q: (+v if isinstance(v, (mpmath.mpf, mpmath.mpc, int, float)) else v) for q, v in hi.items()}
    return vals, digits
