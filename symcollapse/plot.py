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
import math
import textwrap
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

# Per figure: panel -> (x column, x label, y label, title, log x, log y). Presentation only; the parameters
# are added to the titles from the table's own columns (_caption, _panel_params), never typed here.
LAYOUT: dict[str, dict[str, tuple]] = {
    "fig1a": {
        "left": ("lam", _LAM, _ERR_LIN, r"Fig. 1a left: isotropic $\Sigma = I_d$", True, True),
        "right": ("T", _T, _ERR_LIN, r"Fig. 1a right: isotropic $\Sigma = I_d$", True, True),
    },
    "fig1b": {
        "left": ("lam", _LAM, _ERR_LIN, r"Fig. 1b left: power law $\lambda_j = j^{-\beta}$", True, True),
        "right": ("T", _T, _ERR_LIN, r"Fig. 1b right: power law, adaptive $\lambda = T^{-\ell_{crit}}$", True, True),
    },
    "fig2": {
        "shared": ("T", _T, _ERR_LIN, r"Fig. 2a: shared designs $X_m = X_0$ (Thm 4.5)", True, True),
        "independent": ("T", _T, _ERR_LIN, r"Fig. 2b: independent designs (Thm 4.6)", True, True),
    },
    "fig4": {
        "rbf": ("T", _T, _ERR + r", $(\hat f - f_0)^2$", "Fig. 4, RBF kernel (the paper's top row)", True, True),
        "poly": ("T", _T, _ERR + r", $(\hat f - f_0)^2$",
                 "Fig. 4, polynomial kernel, degree 5 (the paper's bottom row)", True, True),
    },
    "fig5": {
        "random-features": ("n", "generation n (number of synthetic generations)",
                            r"test error $\|f_n(x) - y\|^2$ (squared one-hot units)",
                            "Fig. 5: random-features model (ReLU, fixed first layer, ridge readout)", False, False),
    },
    "accumulate": {
        "chain": ("n", "generation n (number of fits in the chain)",
                  r"test error $= \|\hat w_n - w_0\|_\Sigma^2$ (noiseless OLS downstream)",
                  "Accumulate vs replace: the chain's error (docs/theory/workflows.md §1)", True, True),
    },
    "strong": {
        "mixture": ("T", _T, _ERR_LIN, r"Strong collapse: regression on a real/synthetic mixture, flat shift $\Delta$"
                    "\n(docs/theory/workflows.md §3)", True, True),
    },
    "golden": {
        "mix": ("w", r"real weight $w$ (fresh real labels mixed into every round)",
                r"limit error $\lim_n \|\hat w_n - w_0\|_\Sigma^2$",
                "Fresh real labels each round: limit error (docs/theory/workflows.md §2)", False, False),
    },
}
# The series column of a figure when it is not the default (``n``; ``width`` on a generation axis);
# ``None`` = one series. Read by figure name, so a table read back from its CSV draws the same figure.
SERIES: dict[str, str | None] = {"accumulate": "curve", "strong": "p2", "golden": None}
_SERIES_NAME = {"n": "n", "width": "width k", "p2": "$p_2$"}

# Line style per real-data schedule (fig4): the paper draws ell_crit solid and ell_star broken.
_SCHEDULE_STYLE = {"ell_crit": ("-", r"$\lambda = T^{-\ell_{crit}}$ (solid)"),
                   "ell_star": ("--", r"$\lambda = T^{-\ell_\star}$, $\ell_\star = \min(b\,\ell_{crit}, \beta)$ "
                                      r"(broken)")}
# Dash patterns of the theory lines, one per series: all broken (theory), each distinguishable.
_DASHES = [(5, 2), (1.5, 1.5), (7, 2, 1.5, 2), (3, 1, 1, 1, 1, 1), (10, 3), (2, 3)]
# Parameters shown in titles/captions: column -> LaTeX name. Constant over the figure -> caption line;
# constant in a panel only -> panel title. The x column and the series column are never shown.
_PARAMS = {"d": "d", "T0": "T_0", "sigma": r"\sigma", "sigma0": r"\sigma_0", "T": "T", "lam": r"\lambda",
           "ell_crit": r"\ell_{crit}", "lam0": r"\lambda_0", "width": "k", "beta": r"\beta", "r": "r",
           "delta_norm": r"\|\Delta\|_\Sigma"}
COINCIDE_RTOL = 0.01  # curves closer than this everywhere are reported as coinciding


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


def _fmt(value: Any) -> str:
    """A parameter value for a title: powers of ten as :math:`10^k` (from 1e-3 for floats, 1e4 for integers)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0:
        k = math.log10(value)
        if abs(k - round(k)) < 1e-9 and abs(k) >= (4 if isinstance(value, int) else 3):
            return f"10^{{{int(round(k))}}}"
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, int):
        return str(value)
    return str(value)


def _constant(rows: list[dict], skip: set[str]) -> dict[str, Any]:
    """Parameter columns (:data:`_PARAMS`) taking a single non-missing value over ``rows``."""
    out = {}
    for col in _PARAMS:
        if col in skip:
            continue
        values = {r.get(col) for r in rows}
        if len(values) == 1 and None not in values and "" not in values:
            out[col] = values.pop()
    return out


def _param_text(params: dict[str, Any]) -> str:
    parts = [f"${_PARAMS[k]} = {_fmt(v)}$" for k, v in params.items()]
    if "d" in params and "T0" in params and params["T0"]:
        parts.insert(2, rf"$\phi_0 = d/T_0 = {_fmt(params['d'] / params['T0'])}$")
    return ", ".join(parts)


def caption(rows: list[dict]) -> str:
    """The parameters shared by every point of the figure (and every panel), as one line of text."""
    return _param_text(_constant(rows, skip={"n"}))


def panel_title(rows: list[dict], panel: str, title: str, x: str, series: str | None) -> str:
    """``title`` plus the parameters constant in ``panel`` but not over the whole figure."""
    shared = _constant(rows, skip={"n"})
    mine = _constant([r for r in rows if r["panel"] == panel], skip={x, "n", series or "n"})
    extra = {k: v for k, v in mine.items() if k not in shared}
    return title + (f"\n{_param_text(extra)}" if extra else "")


def coinciding(rows: list[dict], x: str, key: str = "n", rtol: float = COINCIDE_RTOL) -> list[list]:
    """Groups (≥ 2 members) of ``key`` values whose curves agree within ``rtol`` at every common x.

    Theory rows are compared when present (exact curves), otherwise the simulation means.
    """
    source = "theory" if any(r["source"] == "theory" for r in rows) else "simulation"
    curves: dict[Any, dict] = {}
    for r in rows:
        if r["source"] == source:
            curves.setdefault((r[key], r.get("schedule")), {})[r[x]] = r["value"]
    groups: list[list] = []
    for k, curve in curves.items():
        for g in groups:
            ref = curves[g[0]]
            common = set(curve) & set(ref)
            if len(common) >= 3 and k[1] == g[0][1] and all(
                    abs(curve[c] - ref[c]) <= rtol * max(abs(curve[c]), abs(ref[c])) for c in common):
                g.append(k)
                break
        else:
            groups.append([k])
    return [sorted(v for v, _ in g) for g in groups if len(g) > 1]


def _series(prow: list[dict], x: str, fig_name: str = "") -> str | None:
    if fig_name in SERIES:
        return SERIES[fig_name]
    if x != "n":
        return "n"
    return "width" if len({r.get("width") for r in prow} - {None}) > 1 else None


def _styles(values: list, plt) -> dict:
    """Colour and dash pattern per series value: a sequential colormap spread for contrast."""
    cmap = plt.get_cmap("viridis")
    k = len(values)
    return {v: (cmap(0.88 * i / max(k - 1, 1)), _DASHES[i % len(_DASHES)]) for i, v in enumerate(values)}


def _draw_panel(ax, prow: list[dict], x: str, series: str | None, styles: dict) -> None:
    groups = sorted({r.get(series) for r in prow}, key=str) if series else [None]
    schedules = sorted({r.get("schedule") for r in prow}, key=lambda s: (s is None, str(s)))
    for value in groups:
        col, dashes = styles.get(value, ("C0", _DASHES[0]))
        for sched in schedules:
            style, _ = _SCHEDULE_STYLE.get(sched, ("-", ""))
            mine = [r for r in prow if (series is None or r.get(series) == value) and r.get("schedule") == sched]
            theory = _sorted([r for r in mine if r["source"] == "theory"], x)
            sim = _sorted([r for r in mine if r["source"] == "simulation"], x)
            if theory:
                ax.plot([r[x] for r in theory], [r["value"] for r in theory], ls="--", dashes=dashes, lw=1.6,
                        color=col, zorder=2)
            if sim:
                joined = not theory  # real-data figures have no theory: join the markers to show the curve
                ax.errorbar([r[x] for r in sim], [r["value"] for r in sim],
                            yerr=[r["stderr"] or 0.0 for r in sim], fmt="o", ms=4.5, capsize=2.5,
                            ls=style if joined else "none", lw=1.2, color=col,
                            mfc="white" if sched == "ell_star" else col, zorder=3)


def _draw_reference(ax, prow: list[dict], x: str, series: str | None, styles: dict) -> None:
    """Reference rows (``source == "reference"``, e.g. a bound or a floor): thin solid lines in the series colour
    (black without one), distinct from the broken theory lines; a single point is a vertical line with a star
    (an optimum)."""
    refs = [r for r in prow if r["source"] == "reference"]
    for label in dict.fromkeys(r.get("label") for r in refs):
        mine = [r for r in refs if r.get("label") == label]
        for value in dict.fromkeys(r.get(series) if series else None for r in mine):
            pts = _sorted([r for r in mine if not series or r.get(series) == value], x)
            col = styles.get(value, ("k",))[0] if value is not None else "k"
            if len(pts) == 1:
                ax.axvline(pts[0][x], color="grey", ls=":", lw=1.2, zorder=1)
                ax.plot([pts[0][x]], [pts[0]["value"]], marker="*", ms=14, mfc="none", mec=col, mew=1.4, ls="none",
                        zorder=4)  # hollow: a simulated marker at the same point stays visible
            else:
                ax.plot([r[x] for r in pts], [r["value"] for r in pts], ls="-", lw=1.0, alpha=0.6, color=col,
                        zorder=1)


def _draw_schedule(ax, prow: list[dict], x: str) -> None:
    """The penalty λ(T) each schedule actually used (Fig. 4), from the table's ``lam`` column."""
    for sched in sorted({r.get("schedule") for r in prow if r.get("schedule")}):
        pts = sorted({(r[x], r["lam"]) for r in prow if r.get("schedule") == sched and r["source"] == "simulation"})
        style, _ = _SCHEDULE_STYLE.get(sched, ("-", sched))
        ax.plot([p[0] for p in pts], [p[1] for p in pts], ls=style, marker="o", ms=3.5, color="k",
                mfc="white" if sched == "ell_star" else "k")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_ylabel(r"$\lambda$ used", fontsize=9)
    ax.grid(True, which="major", alpha=0.3)


def _legend(fig_name: str, rows: list[dict], styles: dict, series: str | None, notes: list[str]):
    from matplotlib.lines import Line2D  # noqa: PLC0415

    name = _SERIES_NAME.get(series or "", "")
    sources = {r["source"] for r in rows}
    # with theory the series' lines are broken (their dash pattern); without, the markers are joined solid
    dash = (lambda d: {"ls": "--", "dashes": d}) if "theory" in sources else (lambda d: {"ls": "-"})
    handles = [Line2D([], [], color=c, lw=1.8, marker="o", ms=4, label=f"{name} = {v}" if name else str(v), **dash(d))
               for v, (c, d) in styles.items()] if series else []
    if "theory" in sources:
        theorems = sorted({str(r.get("theorem")) for r in rows if r["source"] == "theory" and r.get("theorem")})
        label = "theory, broken lines" + (f"\n({', '.join(theorems)})" if theorems else "")
        handles.append(Line2D([], [], color="k", ls="--", label=label))
    if "simulation" in sources:
        reps = sorted({int(r["reps"]) for r in rows if r["source"] == "simulation" and r.get("reps")})
        span = f"{reps[0]}" if len(reps) == 1 else f"{reps[0]}–{reps[-1]}"
        targets = sorted({r.get("target_stderr") for r in rows if r.get("target_stderr")})
        relative = any(r.get("target_relative") for r in rows)
        target = ""
        if len(targets) == 1:
            target = f"; target stderr {targets[0]:.1%} of the mean" if relative else f"; target stderr {targets[0]:g}"
        handles.append(Line2D([], [], color="k", ls="none", marker="o",
                              label=f"simulation, mean ± stderr\n({span} reps{target})"))
    for sched in sorted({r.get("schedule") for r in rows if r.get("schedule")}):
        style, label = _SCHEDULE_STYLE.get(sched, ("-", sched))
        handles.append(Line2D([], [], color="k", ls=style, marker="o",
                              mfc="white" if sched == "ell_star" else "k", label=label))
    refs = [r for r in rows if r["source"] == "reference"]
    for label in dict.fromkeys(r.get("label") for r in refs):
        single = sum(r.get("label") == label for r in refs) == 1
        text = str(label) if "$" in str(label) else textwrap.fill(str(label), 44)  # never wrap inside TeX
        handles.append(Line2D([], [], color="k", ls="none" if single else "-", lw=1.0, alpha=1.0 if single else 0.6,
                              marker="*" if single else None, ms=10, label=text))
    if fig_name == "fig4":
        handles.append(Line2D([], [], color="grey", ls=":", label=r"$T = T_0$"))
    handles += [Line2D([], [], ls="none", label=textwrap.fill(note, 44)) for note in notes]
    return handles


def _notes(rows: list[dict], panels: list[str], layout: dict, fig_name: str = "") -> list[str]:
    """Legend notes: coinciding curves per panel, estimated (β, r), a missing theory line."""
    notes = []
    for panel in panels:
        x = layout.get(panel, ("T",))[0]
        prow = [r for r in rows if r["panel"] == panel]
        series = _series(prow, x, fig_name)
        if series:
            for g in coinciding(prow, x, series):
                label = {"n": "n", "width": "k"}.get(series, series)
                notes.append(f"{panel}: {label} = {', '.join(map(str, g))} coincide (within {COINCIDE_RTOL:.0%}; "
                             "drawn on top of each other)")
        est = {(r.get("beta_est"), r.get("r_est")) for r in prow} - {(None, None)}
        if len(est) == 1:
            b, rr = est.pop()
            notes.append(f"{panel}: $(\\beta, r)$ estimated on the data: ({b:.3g}, {rr:.3g}); the schedules use "
                         "the quoted values shown above the panel")
        if any(r.get("theory_note") for r in prow):
            notes.append(str(next(r["theory_note"] for r in prow if r.get("theory_note"))))
    return notes


def figure(table: Any):
    """A :class:`matplotlib.figure.Figure` of an experiment table (a list of records, as returned by ``run``).

    Uses only the table's columns (``figure``, ``panel``, ``n``, ``source``, ``value``, ``stderr``, the x
    column, the parameter columns for titles, ``schedule``/``lam``/``T0`` for Fig. 4, ``width`` for Fig. 5),
    so a table read back from its CSV draws the same figure.
    """
    plt = _pyplot()
    rows = list(table)
    if not rows:
        raise ValueError("cannot plot an empty table")
    fig_name = rows[0]["figure"]
    layout = LAYOUT.get(fig_name, {})
    panels = _panels(rows)
    schedule_row = any(r.get("schedule") for r in rows)
    ncols = len(panels)
    fig, axes = plt.subplots(2 if schedule_row else 1, ncols, figsize=(5.6 * ncols + 2.8, 6.6 if schedule_row else 5.0),
                             squeeze=False, sharex="col",
                             gridspec_kw={"height_ratios": [3, 1]} if schedule_row else None)
    all_series = None
    for j, panel in enumerate(panels):
        ax = axes[0][j]
        x, xlabel, ylabel, title, logx, logy = layout.get(panel, ("T", "x", _ERR, f"{fig_name} {panel}", False, False))
        prow = [r for r in rows if r["panel"] == panel]
        series = _series(prow, x, fig_name)
        values = sorted({r.get(series) for r in rows if r.get(series) is not None}) if series else []
        styles = _styles(values, plt)
        all_series = (series, styles)
        _draw_panel(ax, prow, x, series, styles)
        _draw_reference(ax, prow, x, series, styles)
        t0 = {r["T0"] for r in prow}
        if x == "T" and fig_name == "fig4" and len(t0) == 1:
            ax.axvline(t0.pop(), color="grey", ls=":", lw=1.2, zorder=1)
        if x == "n":  # generations are integers
            from matplotlib.ticker import MaxNLocator  # noqa: PLC0415

            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xscale("log" if logx else "linear")
        ax.set_yscale("log" if logy else "linear")
        if x == "n" and logx:  # a log generation axis: plain integers at 1, 2, 5, 10, ...
            from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter  # noqa: PLC0415

            ax.xaxis.set_major_locator(LogLocator(base=10, subs=(1, 2, 5)))
            ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
            ax.xaxis.set_minor_formatter(NullFormatter())
        ax.set_ylabel(ylabel)
        ax.set_title(panel_title(rows, panel, title, x, series), fontsize=9.5)
        ax.grid(True, which="major", alpha=0.3)
        if schedule_row:
            _draw_schedule(axes[1][j], prow, x)
        axes[-1][j].set_xlabel(xlabel)
    series, styles = all_series
    handles = _legend(fig_name, rows, styles, series, _notes(rows, panels, layout, fig_name))
    axes[0][-1].legend(handles=handles, fontsize=7.5, loc="upper left", bbox_to_anchor=(1.02, 1.0), framealpha=0.85)
    fig.suptitle(caption(rows), fontsize=10)
    fig.tight_layout()
    return fig


def image_bytes(table: Any, fmt: str = "png", dpi: int = 130) -> bytes:
    """The drawn ``table`` (:func:`figure`) as the bytes of an image file of format ``fmt``."""
    plt = _pyplot()
    fig = figure(table)
    buf = io.BytesIO()
    try:
        fig.savefig(buf, format=fmt, dpi=dpi, bbox_inches="tight")  # the legend sits outside the axes
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
