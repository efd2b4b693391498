r"""Strong model collapse: ridgeless regression on a real/synthetic mixture, error against T, for several p₂.

Setting: power-law :math:`\lambda_j = j^{-3/2}`, :math:`d = 20`, isotropic target, downstream noise
:math:`\sigma = 0.5`, :math:`\lambda = 0`; a fixed synthetic teacher :math:`w_0 + \Delta`
(``Shift(coefficients=Δ)``) with a flat :math:`\Delta` scaled to :math:`\|\Delta\|_\Sigma = 1`. Of the :math:`T`
training samples :math:`T_{real} = \lfloor pT\rceil` are labelled by :math:`w_0` and the rest by the shifted
teacher (``Ridge(..., real_fraction=p)``); the synthetic fraction is :math:`p_2 = 1 - p \in \{0, 0.05, 0.2, 0.5\}`.
T runs over multiples of 20 from 40 to 20 000, so :math:`p_2T` is an integer and the realised fraction equals
the nominal one at every point.

Theory (broken lines; docs/theory/workflows.md §3, package derivation of Strong Model Collapse's formula,
arXiv 2410.04840): with :math:`\bar w = w_0 + p_2\Delta` and :math:`\kappa = \kappa(\lambda, T)` (Eq. 9),

.. math:: E \simeq \|\Sigma(\Sigma+\kappa)^{-1}\bar w - w_0\|_\Sigma^2 + \big[\kappa^2\|(\Sigma+\kappa)^{-1}\bar w\|_\Sigma^2
          + \sigma^2 + pp_2\|\Delta\|_\Sigma^2\big]\frac{\mathrm{df}_2}{T - \mathrm{df}_2},

a deterministic equivalent. Dotted, per :math:`p_2 > 0`: the floor
:math:`p_2^2\Delta^\top\Sigma^3(\Sigma+\lambda)^{-2}\Delta = p_2^2\|\Delta\|_\Sigma^2` at :math:`\lambda = 0`, the
:math:`T\to\infty` limit — the error approaches it from above and no amount of data removes it, while the
clean curve (:math:`p_2 = 0`) decays as :math:`\sigma^2 d/T`. Simulation: ``simulate(method="auto")`` (the
exact ``workflow-fast`` sampler) at 8 values of T, replicates from a target standard error of 1 % of the mean
(pilot 200, at most 3000); each row carries theory, allowance (:func:`symcollapse.compare.allowance`) and z.
"""

from __future__ import annotations

import math

import numpy as np

from symcollapse._progress import progress as _progress
from symcollapse.experiments._checked import checked_simulation_row, reference_row
from symcollapse.experiments._table import Table, point_seed, resolve, target_of, theory_row
from symcollapse.spec import Problem, Ridge, Shift, Spectrum, Target

__all__ = ["run", "settings", "problem", "delta"]

FIGURE = "strong"
PANEL = "mixture"


def t_grid(low: int, high: int, per_decade: int, step: int = 20) -> list[int]:
    """Log-spaced multiples of ``step`` from ``low`` to ``high`` (de-duplicated)."""
    num = max(int(math.ceil(per_decade * math.log10(high / low))) + 1, 2)
    return sorted({int(step * round(v / step)) for v in np.geomspace(low, high, num)})


def settings(quick: bool = False, **overrides) -> dict:
    """Resolved settings (module docstring); ``quick`` shrinks grids and replicates for CI."""
    defaults = dict(d=20, beta=1.5, sigma=0.5, lam=0.0, delta_norm=1.0, p2_values=(0.0, 0.05, 0.2, 0.5),
                    T_theory=t_grid(40, 20000, 40), T_sim=(40, 100, 200, 500, 1000, 2000, 5000, 20000), reps=200,
                    target_stderr=0.01, target_relative=True, max_reps=3000)
    quick_values = dict(T_theory=t_grid(40, 20000, 8), T_sim=(40, 400, 20000), reps=400, target_stderr=None)
    return resolve(defaults, quick_values, quick, overrides)


def _spectrum(s: dict) -> Spectrum:
    return Spectrum.power_law(int(s["d"]), beta=s["beta"])


def delta(s: dict) -> list[float]:
    r"""The flat shift :math:`\Delta_j = \|\Delta\|_\Sigma/\sqrt{\mathrm{tr}\,\Sigma}` (eigenbasis coordinates)."""
    trace = float(sum(float(x) for x in _spectrum(s).eigenvalues))
    return [float(s["delta_norm"]) / math.sqrt(trace)] * int(s["d"])


def problem(s: dict, p2: float, T: int) -> Problem:
    """The problem of one point: ridge on ``T`` samples, a fraction ``p2`` labelled by :math:`w_0 + \\Delta`."""
    return Problem(_spectrum(s), Target.isotropic(), Shift(coefficients=delta(s)),
                   Ridge(T=int(T), sigma=s["sigma"], lam=s["lam"], real_fraction=round(1.0 - float(p2), 12)))


def run(quick: bool = False, reps: int | None = None, seed: int = 0, progress: bool = False, **overrides) -> Table:
    """Theory, simulation and the floors (tidy table, :data:`COLUMNS` first, ``p2`` the series)."""
    from symcollapse.theory._workflows import mixture_floor  # noqa: PLC0415

    s = settings(quick, reps=reps, **overrides)
    target = target_of(s, reps_given=reps is not None or "reps" in overrides)
    xs = sorted({int(t) for t in (*s["T_theory"], *s["T_sim"])})
    eig = [float(x) for x in _spectrum(s).eigenvalues]
    # a Shift has no chain: T0 and sigma0 do not apply (the record would otherwise show T0 = sys.maxsize)
    common = dict(T0=None, sigma0=None, n=None, beta=float(s["beta"]), delta_norm=float(s["delta_norm"]))
    rows: list[dict] = []
    floors = {}
    with _progress(len(s["p2_values"]) * len(s["T_sim"]), f"{FIGURE} (theory + simulation)", progress) as advance:
        for key, p2 in enumerate(s["p2_values"], start=1):
            for T in xs:
                p = problem(s, p2, T)
                tags = dict(p2=float(p2), p2_realised=1 - math.floor((1 - p2) * T + 0.5) / T, **common)
                row = theory_row(FIGURE, PANEL, p, **tags)
                if row is not None:
                    rows.append(row)
            for i, T in enumerate(s["T_sim"]):
                tags = dict(p2=float(p2), p2_realised=1 - math.floor((1 - p2) * T + 0.5) / T, **common)
                rows.append(checked_simulation_row(FIGURE, PANEL, problem(s, p2, T), int(s["reps"]),
                                                   point_seed(seed, key, int(T), i), target=target, **tags))
                advance(1)
            floors[str(p2)] = float(mixture_floor(eig, delta(s), s["lam"], 1.0 - float(p2)))
            if floors[str(p2)] > 0:  # p2 = 0 has no floor (and no place on a log axis)
                label = (r"floor $p_2^2\,\Delta^\top\Sigma^3(\Sigma+\lambda)^{-2}\Delta$ per $p_2$" "\n"
                         r"(the $T \to \infty$ limit; $= p_2^2\|\Delta\|_\Sigma^2$ at $\lambda = 0$)")
                rows += [reference_row(FIGURE, PANEL, "T", T, floors[str(p2)], label, p2=float(p2), d=int(s["d"]),
                                       sigma=float(s["sigma"]), lam=float(s["lam"]), **common)
                         for T in xs]
    meta = {"figure": FIGURE, "settings": s, "seed": seed, "x": "T", "series": "p2", "normalization": "finite",
            "problem": problem(s, s["p2_values"][-1], xs[0]).to_dict(), "delta": delta(s), "floors": floors,
            "claim": "for p2 > 0 the error decreases to the floor p2^2 |Delta|_Sigma^2 from above; p2 = 0 -> 0"}
    return Table(rows, meta)
