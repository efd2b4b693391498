r"""Digit certification: evaluate at two guard precisions and count the agreeing significant digits, capped by
every rigorous truncation bound reported during the run.

Used by ``predict(dps=...)``, :func:`~symcollapse.theory._infinite.power_law_point` and
:func:`~symcollapse.theory.optimal.optimal_lambda`. Precision is only ever raised inside
``mpmath.workdps``; the global ``mpmath.mp.dps`` is never changed.

Two error sources enter ``digits``:

* **rounding**, measured: the relative discrepancy :math:`\delta_q = |q_{lo} - q_{hi}|/|q_{hi}|` between the
  runs at ``dps + guards[0]`` and ``dps + guards[1]`` digits;
* **truncation**, bounded: an evaluator that truncates a series (the Euler–Maclaurin tail of
  :func:`~symcollapse.theory._infinite.spectral_sum`) calls :func:`note_truncation` with its proven bound
  relative to its value; :math:`\tau` is the largest of these in the reference (``hi``) run.

A quantity is a smooth function of the truncated sums, so their relative errors reach it multiplied by its
condition number. The ``lo`` run perturbs every operation by a relative :math:`\sim 10^{-(\mathrm{dps}+g_0)}`
and moved :math:`q` by :math:`\delta_q`; :math:`\alpha_q = \max(1, \delta_q 10^{\mathrm{dps}+g_0})` is that
amplification, and the reported digits are

.. math:: \mathrm{digits} = \min\Big(\mathrm{dps},\ \min_q \big\lfloor -\log_{10}(\delta_q + \alpha_q\tau)
          \big\rfloor\Big),

never more than :math:`-\log_{10}(\delta_q + \tau)` (see docs/theory/results.md, "High precision at large d:
the Euler–Maclaurin tail and its remainder bound").
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable
from contextlib import contextmanager
from contextvars import ContextVar

import mpmath

__all__ = ["agree", "certify", "note_truncation", "paused_gc"]

# [largest relative truncation bound reported, working precision] of the innermost running certify() run
# (None: nobody listens)
_TRUNCATION: ContextVar[list | None] = ContextVar("symcollapse_truncation", default=None)


def note_truncation(rel) -> None:
    """Report a proven bound ``rel`` on the relative truncation error of a value just computed.

    Values computed below the running certification's precision are not counted: they are starting points
    refined at full precision afterwards (e.g. the 20-digit first stage of a Newton iteration for κ)."""
    acc = _TRUNCATION.get()
    if acc is not None and mpmath.mp.prec >= acc[1] and rel > acc[0]:
        acc[0] = rel


def agree(a, b, cap: int, extra=0) -> int:
    """Significant digits on which ``a`` agrees with the reference ``b`` (relative to ``b``), in [0, cap];
    ``extra`` is a further relative error bound added to the discrepancy."""
    if a is None or b is None:
        return cap
    if b == 0:
        return 0 if abs(a) > 0 else cap
    rel = abs(a - b) / abs(b) + extra
    if rel == 0:
        return cap
    return max(0, min(cap, int(mpmath.floor(-mpmath.log10(rel)))))


def _run(fn: Callable[[], dict]):
    """``fn()`` and the largest truncation bound it reported (passed on to an enclosing certify, if any)."""
    acc = [mpmath.mpf(0), mpmath.mp.prec]
    token = _TRUNCATION.set(acc)
    try:
        out = fn()
    finally:
        _TRUNCATION.reset(token)
    note_truncation(acc[0])
    return out, acc[0]


_GC_LOCK = threading.Lock()
_GC_STATE = {"depth": 0, "was_enabled": False}


@contextmanager
def paused_gc():
    """Pause Python's cyclic garbage collector for the duration of a high-precision evaluation.

    mpmath allocates millions of short-lived objects, all freed by reference counting (no cycles); every few
    hundred allocations trigger a collection, and the older generations' collections traverse every live
    object of the process. With SymPy loaded that was 40–50 % of a d ≈ 2000 evaluation at dps = 30
    (fuzz problems 2181 and 5436: 4.2 and 4.7 s, 2.4 s each with the collector paused). Nested and
    concurrent uses are counted; the collector's previous state is restored when the last one exits, also on
    an exception. Cycles created meanwhile are collected afterwards."""
    with _GC_LOCK:
        if _GC_STATE["depth"] == 0:
            _GC_STATE["was_enabled"] = gc.isenabled()
            gc.disable()
        _GC_STATE["depth"] += 1
    try:
        yield
    finally:
        with _GC_LOCK:
            _GC_STATE["depth"] -= 1
            if _GC_STATE["depth"] == 0 and _GC_STATE["was_enabled"]:
                gc.enable()


def certify(fn: Callable[[], dict], dps: int, guards: tuple[int, int] = (5, 20), keys=None,
            finish: Callable[[dict], dict] | None = None) -> tuple[dict, int]:
    """Run ``fn()`` inside ``workdps(dps + guards[0])`` and ``workdps(dps + guards[1])``.

    Returns the second (more precise) run's values rounded to ``dps`` digits and the number of significant
    digits certified (module docstring: agreement of both runs, lowered by the truncation bounds reported in the
    second; minimum over ``keys``, default every key; ``None`` values are skipped; capped at ``dps``).
    ``finish`` maps a run's dict to the quantities to certify, at ``dps`` digits.
    """
    runs, tau = [], 0
    with paused_gc():
        for extra in guards:
            with mpmath.workdps(dps + extra):
                out, tau = _run(fn)
                runs.append(out)
    with mpmath.workdps(dps):
        lo, hi = (finish(r) for r in runs) if finish is not None else runs
        names = list(hi) if keys is None else list(keys)
        unit = mpmath.mpf(10) ** (dps + guards[0])

        def digits_of(q):
            a, b = lo[q], hi[q]
            if a is None or b is None or tau == 0:
                return agree(a, b, dps)
            delta = abs(a - b) / abs(b) if b != 0 else mpmath.mpf(0)
            return agree(a, b, dps, extra=max(1, delta * unit) * tau)

        digits = min((digits_of(q) for q in names), default=dps)
        # round numbers to dps digits; anything else (e.g. a tuple holding an unrounded value) is passed on
        vals = {q: (+v if isinstance(v, (mpmath.mpf, mpmath.mpc, int, float)) else v) for q, v in hi.items()}
    return vals, digits
