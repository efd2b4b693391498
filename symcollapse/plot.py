"""Matplotlib figures of the experiment tables (:mod:`symcollapse.experiments`); nothing is computed here.

Conventions: theory is drawn as broken lines, simulation as markers with error bars (± one standard
error of the Monte-Carlo mean), one colour per generation ``n`` (the same colour in every panel of a
figure; when ``n`` itself is the x-axis, as in Fig. 5, one series), log axes where the paper uses them,
the legend outside the axes. matplotlib is an optional extra (``pip install matplotlib``, or
``pip install -e ".[plot]"`` from a clone); it is imported only when a figure is drawn, with the non-interactive Agg backend.

>>> from symcollapse.experiments import fig1a            # doctest: +SKIP
>>> from symcollapse.plot import save
>>> save(fig1a.run(quick=True), "fig1a.png")            # doctest: +SKIP
>>> from symcollapse.experiments._table import read_csv  # re-plot a saved table, no recomputation
>>> save(read_csv("figs/fig1a.csv"), "fig1a.png")        # doctest: +SKIP
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from symcollapse._io import atomic_write

__all__ = ["figure", "save", "image_bytes", "LAYOUT", "MISSING_MATPLOTLIB"]

MISSING_MATPLOTLIB = (
    "drawing figures needs matplotlib, which is not installed: pip install matplotlib "
    "(from a clone of the repository: pip install -e \".[plot]\")"
)

_ERR = "test error (squared label units)"
_ERR_LIN = r"test error $\|\hat w - w_0\|_\Sigma^2$ (squared label units)"
_LAM = r"ridge penalty $\lambda$ (per sample; dimensionless)"
_T = "downstream training set size T (samples)"

# Per figure: panel -> (x column, x label, y label, title, log x, log y). Presentation only.
LAYOUT: dict[str, dict[str, tuple]] = {
    "fig1a": {
        "left": ("lam", _LAM, _ERR_LIN, r"Fig. 1a left: isotropic, $T = 1000$", True, True),
        "right": ("T", _T, _ERR_LIN, r"Fig. 1a right: isotropic, $\lambda = 10^{-3}$", True, True),
    },
    "fig1b": {
        "left": ("lam", _LAM, _ERR_LIN, r"Fig. 1b left: power law $(\beta, r) = (2, 0.375)$, $T = 10^4$", True, True),
        "right": ("T", _T, _ERR_LIN, r"Fig. 1b right: power law, $\lambda = T^{-\ell_{crit}}$", True, True),
    },
    "fig2": {
        "shared": ("T", _T, _ERR_LIN, r"Fig. 2a: shared designs $X_m = X_0$, $T_0 = d/2$, $\sigma_0 = 0$", True, True),
        "independent": ("T", _T, _ERR_LIN, r"Fig. 2b: independent designs, $T_0 = d/2$, $\sigma_0 = 0$", True, True),
    },
    "fig4": {
        "rbf": ("T", _T, _ERR + r", $(\hat f - f_0)^2$", "Fig. 4 top: kernel ridge, RBF kernel", True, True),
        "poly": ("T", _T, _ERR + r", $(\hat f - f_0)^2$", "Fig. 4 bottom: kernel ridge, polynomial kernel (degree 5)",
                 True, True),
    },
    "fig5": {
        "random-features": ("n", "generation n (number of synthetic generations)",
                            r"test error $\|f_n(x) - y\|^2$ (squared one-hot units)",
                            "Fig. 5: random-features model (ReLU, fixed first layer, ridge readout)", False, False),
    },
}

# Line style per real-data schedule (fig4): the paper draws ell_crit solid and ell_star broken.
_SCHEDULE_STYLE = {"ell_crit": ("-", r"$\lambda = T^{-\ell_{crit}}$ (solid)"),
                   "ell_star": ("--", r"$\lambda = T^{-\ell_\star}$ (broken)")}


def _pyplot():
    try:
        import matplotlib  # noqa: PLC0415 (optional extra)
    except ImportError:  # pragma: no cover - depends on the environment
        raise ImportError(MISSING_MATPLOTLIB) from None
    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt  # noqa: PLC0415

    return plt


def _panels(rows: list[dict]) -> list[str]:
    out: list[str] = []
    for r in rows:
        if r["panel"] not in out:
            out.append(r["panel"])
    return out


def _sorted(rows: list[dict], x: str) -> list[dict]:
    return sorted(rows, key=lambda r: r[x])


def figure(table: Any):
    """A :class:`matplotlib.figure.Figure` of an experiment table (a list of records, as returned by ``run``).

    Uses only the table's columns (``figure``, ``panel``, ``n``, ``source``, ``value``, ``stderr``, the x
    column, and ``schedule``/``T0`` for Fig. 4).
    """
    plt = _pyplot()
    rows = list(table)
    if not rows:
        raise ValueError("cannot plot an empty table")
    fig_name = rows[0]["figure"]
    layout = LAYOUT.get(fig_name, {})
    panels = _panels(rows)
    ns = sorted({r["n"] for r in rows})
    cmap = plt.get_cmap("viridis")
    colour = {n: cmap(0.9 * i / max(len(ns) - 1, 1)) for i, n in enumerate(ns)}
    ncols = len(panels)
    fig, axes = plt.subplots(1, ncols, figsize=(5.6 * ncols + 2.6, 4.8), squeeze=False)
    by_n = True
    for ax, panel in zip(axes[0], panels):
        x, xlabel, ylabel, title, logx, logy = layout.get(
            panel, ("T", "x", _ERR, f"{fig_name} {panel}", False, False))
        prow = [r for r in rows if r["panel"] == panel]
        # x = n (Fig. 5): one series along n, a colour per n would repeat the x-axis
        by_n = by_n and x != "n"
        groups = ns if x != "n" else [None]
        schedules = sorted({r.get("schedule") for r in prow}, key=lambda s: (s is None, str(s)))
        for n in groups:
            col = colour[n] if n is not None else "C0"
            for sched in schedules:
                style, _ = _SCHEDULE_STYLE.get(sched, ("-", ""))
                mine = [r for r in prow if (n is None or r["n"] == n) and r.get("schedule") == sched]
                theory = _sorted([r for r in mine if r["source"] == "theory"], x)
                sim = _sorted([r for r in mine if r["source"] == "simulation"], x)
                if theory:
                    ax.plot([r[x] for r in theory], [r["value"] for r in theory], ls="--", lw=1.6, color=col,
                            zorder=2)
                if sim:
                    joined = not theory  # real-data figures have no theory: join the markers to show the curve
                    ax.errorbar([r[x] for r in sim], [r["value"] for r in sim],
                                yerr=[r["stderr"] or 0.0 for r in sim], fmt="o", ms=4.5, capsize=2.5,
                                ls=style if joined else "none", lw=1.2, color=col,
                                mfc="white" if sched == "ell_star" else col, zorder=3)
        t0 = {r["T0"] for r in prow}
        if x == "T" and fig_name == "fig4" and len(t0) == 1:
            ax.axvline(t0.pop(), color="grey", ls=":", lw=1.2, zorder=1)
        ax.set_xscale("log" if logx else "linear")
        ax.set_yscale("log" if logy else "linear")
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        ax.set_title(title, fontsize=10)
        ax.grid(True, which="major", alpha=0.3)
    # one legend per figure, outside the axes: colours = n, styles = theory / simulation (or schedules)
    from matplotlib.lines import Line2D  # noqa: PLC0415

    handles = [Line2D([], [], color=colour[n], lw=2, label=f"n = {n}") for n in ns] if by_n else []
    sources = {r["source"] for r in rows}
    if "theory" in sources:
        theorems = sorted({str(r.get("theorem")) for r in rows if r["source"] == "theory" and r.get("theorem")})
        label = "theory, broken lines" + (f"\n({', '.join(theorems)})" if theorems else "")
        handles.append(Line2D([], [], color="k", ls="--", label=label))
    if "simulation" in sources:
        reps = sorted({r["reps"] for r in rows if r["source"] == "simulation"})
        handles.append(Line2D([], [], color="k", ls="none", marker="o",
                              label=f"simulation, mean ± stderr\n({'/'.join(map(str, reps))} reps)"))
    for sched in sorted({r.get("schedule") for r in rows if r.get("schedule")}):
        style, label = _SCHEDULE_STYLE.get(sched, ("-", sched))
        handles.append(Line2D([], [], color="k", ls=style, marker="o",
                              mfc="white" if sched == "ell_star" else "k", label=label))
    if fig_name == "fig4":
        handles.append(Line2D([], [], color="grey", ls=":", label=r"$T = T_0$"))
    axes[0][-1].legend(handles=handles, fontsize=8, loc="upper left", bbox_to_anchor=(1.02, 1.0), framealpha=0.85)
    fig.tight_layout()
    return fig


def image_bytes(table: Any, fmt: str = "png", dpi: int = 130) -> bytes:
    """The drawn ``table`` (:func:`figure`) as the bytes of an image file of format ``fmt``."""
    plt = _pyplot()
    fig = figure(table)
    buf = io.BytesIO()
    try:
        fig.savefig(buf, format=fmt, dpi=dpi)
    finally:
        plt.close(fig)
    return buf.getvalue()


def save(table: Any, path: str | Path, dpi: int = 130) -> Path:
    """Draw ``table`` and write it to ``path`` atomically (format from the suffix, e.g. ``.png``)."""
    path = Path(path)
    data = image_bytes(table, fmt=path.suffix.lstrip(".").lower() or "png", dpi=dpi)
    with atomic_write(path, "wb") as fh:
        fh.write(data)
    return path
