"""symcollapse.plot draws experiment tables only: styles, scales, colours, legend; it computes nothing."""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pytest

from symcollapse.experiments import COLUMNS

matplotlib = pytest.importorskip("matplotlib")
plot = pytest.importorskip("symcollapse.plot")


def _row(figure, panel, n, source, x, value, stderr=None, **extra):
    r = dict.fromkeys(COLUMNS)
    r.update(figure=figure, panel=panel, n=n, source=source, value=value, stderr=stderr, T0=600, d=300)
    r.update(extra)
    r.update(x)
    return r


def synthetic_fig1a():
    rows = []
    for n in (0, 2, 5):
        for lam in (1e-3, 1e-2, 1e-1, 1.0):
            rows.append(_row("fig1a", "left", n, "theory", {"lam": lam, "T": 1000}, 0.1 * (n + 1) + lam,
                             theorem="Cor 4.4 (Eq. 19)"))
        for lam in (1e-2, 1.0):
            rows.append(_row("fig1a", "left", n, "simulation", {"lam": lam, "T": 1000}, 0.1 * (n + 1) + lam, 0.01,
                             reps=10, seed=1))
        for T in (10, 100, 1000):
            rows.append(_row("fig1a", "right", n, "theory", {"lam": 1e-3, "T": T}, 1.0 / T + 0.04 * n,
                             theorem="Cor 4.4 (Eq. 19)"))
        rows.append(_row("fig1a", "right", n, "simulation", {"lam": 1e-3, "T": 100}, 0.01 + 0.04 * n, 0.002,
                         reps=10, seed=2))
    return rows


def test_theory_broken_simulation_markers_one_colour_per_n():
    fig = plot.figure(synthetic_fig1a())
    axes = fig.axes
    assert len(axes) == 2
    for ax in axes:
        assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
        assert ax.get_xlabel() and ax.get_ylabel() and ax.get_title()
        theory_lines = [ln for ln in ax.get_lines() if ln.get_linestyle() == "--"]
        assert len(theory_lines) == 3  # one broken line per n
        assert len(ax.containers) == 3  # one errorbar container per n (markers + bars)
        for c in ax.containers:
            assert c.lines[0].get_linestyle() in ("None", "none", "")  # simulation: markers, not lines
            assert c.lines[0].get_marker() == "o"
    # the same n has the same colour in both panels, different n differ
    colours = [[tuple(ln.get_color()) for ln in ax.get_lines() if ln.get_linestyle() == "--"] for ax in axes]
    assert colours[0] == colours[1] and len(set(colours[0])) == 3
    labels = [t.get_text() for t in axes[-1].get_legend().get_texts()]
    assert {"n = 0", "n = 2", "n = 5"} <= set(labels)
    assert any(lbl.startswith("theory") for lbl in labels) and any(lbl.startswith("simulation") for lbl in labels)
    assert "lambda" in axes[0].get_xlabel() and "T" in axes[1].get_xlabel()


def test_real_data_figure_has_schedules_and_T0_line():
    rows = []
    for n in (0, 1):
        for sched in ("ell_crit", "ell_star"):
            for T in (10, 100, 1000):
                rows.append(_row("fig4", "rbf", n, "simulation", {"T": T, "lam": 1e-3}, 0.2 + 0.1 * n, 0.01,
                                 schedule=sched, reps=4, seed=0, T0=100))
    fig = plot.figure(rows)
    ax, lam_ax = fig.axes  # the panel, and below it the penalty each schedule used (issue 13 item 5)
    assert "lambda" in lam_ax.get_ylabel() and len(lam_ax.get_lines()) == 2
    assert len(ax.containers) == 4  # (n, schedule) pairs
    joined = {c.lines[0].get_linestyle() for c in ax.containers}
    assert joined == {"-", "--"}  # no theory here: markers joined, solid for ell_crit, broken for ell_star
    assert any(ln.get_xdata()[0] == 100 for ln in ax.get_lines() if ln.get_linestyle() == ":")  # T = T0 marker
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any("ell_{crit}" in lbl for lbl in labels) and any("ell_\\star" in lbl for lbl in labels)


def test_save_writes_a_png(tmp_path):
    out = plot.save(synthetic_fig1a(), tmp_path / "f.png")
    data = out.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000


def test_empty_table_is_an_error():
    with pytest.raises(ValueError, match="empty"):
        plot.figure([])


def test_plot_computes_nothing():
    src = Path(plot.__file__).read_text()
    mods = {n.module for n in ast.walk(ast.parse(src)) if isinstance(n, ast.ImportFrom) and n.module}
    mods |= {a.name for n in ast.walk(ast.parse(src)) if isinstance(n, ast.Import) for a in n.names}
    assert not [m for m in mods if m.startswith(("symcollapse.theory", "symcollapse.simulate", "symcollapse.compare"))]


def test_generation_axis_is_one_series_without_colour_legend():
    rows = [_row("fig5", "random-features", n, "simulation", {"T": 500, "lam": 1e-6}, 0.1 + 0.03 * n, 0.005,
                 reps=3, seed=0) for n in range(5)]
    (ax,) = plot.figure(rows).axes
    assert len(ax.containers) == 1 and list(ax.containers[0].lines[0].get_xdata()) == [0, 1, 2, 3, 4]
    assert ax.get_xscale() == "linear" and "generation" in ax.get_xlabel()
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert not any(lbl.startswith("n = ") for lbl in labels)


def test_csv_round_trip_replots_without_recomputation(tmp_path):
    from symcollapse.experiments._table import read_csv, write_csv

    rows = synthetic_fig1a()
    path = write_csv(rows, tmp_path / "t.csv")
    back = read_csv(path)
    assert [r["value"] for r in back] == [r["value"] for r in rows]
    assert [r["stderr"] for r in back] == [r["stderr"] for r in rows]
    assert plot.save(back, tmp_path / "t.png").exists()


# ---------------------------------------------------------------------------------------------- issue 13 item 5


def _legend_texts(fig):
    return [t.get_text() for ax in fig.axes if ax.get_legend() for t in ax.get_legend().get_texts()]


def test_caption_and_titles_carry_the_parameters():
    rows = synthetic_fig1a()
    for r in rows:
        r.update(sigma=0.1, sigma0=0.2)
    fig = plot.figure(rows)
    cap = fig._suptitle.get_text()
    for part in ("$d = 300$", "$T_0 = 600$", r"$\sigma = 0.1$", r"$\sigma_0 = 0.2$", r"$\phi_0 = d/T_0 = 0.5$"):
        assert part in cap, (part, cap)
    left, right = (ax.get_title() for ax in fig.axes)
    assert "$T = 1000$" in left and r"$\lambda = 10^{-3}$" in right  # constant in the panel only
    assert r"\lambda" not in left.split("\n")[-1]  # the x column is not a title parameter


def test_ell_crit_column_reaches_the_caption():
    rows = synthetic_fig1a()
    for r in rows:
        r["ell_crit"] = 0.8
    assert r"$\ell_{crit} = 0.8$" in plot.figure(rows)._suptitle.get_text()


def test_coinciding_curves_get_a_legend_note_and_distinct_dashes():
    rows = []
    for n in range(5):
        for T in (400, 1000, 3000, 10000):
            value = 1.0 / T if n == 0 else 0.5 + 1.0 / T  # n = 1..4 identical (Thm 4.5)
            rows.append(_row("fig2", "shared", n, "theory", {"T": T, "lam": 1e-3}, value, design="shared"))
    fig = plot.figure(rows)
    notes = [t for t in _legend_texts(fig) if "coincide" in t]
    assert len(notes) == 1 and "n = 1, 2, 3, 4" in notes[0]
    dashes = {tuple(ln._dash_pattern[1]) for ln in fig.axes[0].get_lines()}
    assert len(dashes) == 5  # each n its own dash pattern, so coinciding curves stay distinguishable
    assert plot.coinciding(synthetic_fig1a(), "lam") == []  # distinct curves: no note
    assert not any("coincide" in t for t in _legend_texts(plot.figure(synthetic_fig1a())))


def test_six_series_have_distinct_colours():
    rows = [_row("fig1a", "right", n, "theory", {"T": T, "lam": 1e-3}, 0.1 * (n + 1) + 1 / T)
            for n in (0, 1, 2, 5, 10, 20) for T in (10, 100, 1000)]
    colours = [ln.get_color() for ln in plot.figure(rows).axes[0].get_lines()]
    assert len({tuple(c) for c in colours}) == 6
    lum = [0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2] for c in colours]
    assert min(np.diff(sorted(lum))) > 0.05  # sequential map spread: neighbours differ visibly in lightness


def test_fig4_panels_side_by_side_with_lambda_row_and_estimated_power_law():
    rows = []
    for kind, lc in (("rbf", 1.25), ("poly", 0.88)):
        for sched in ("ell_crit", "ell_star"):
            for T in (10, 100, 1000):
                lam = T**-lc if sched == "ell_crit" else 100**-lc
                rows.append(_row("fig4", kind, 0, "simulation", {"T": T, "lam": lam}, 0.2, 0.01, schedule=sched,
                                 reps=40, seed=0, T0=100, ell_crit=lc, beta_est=1.37, r_est=0.24))
    fig = plot.figure(rows)
    top = [ax for ax in fig.axes if ax.get_title()]
    assert len(top) == 2 and top[0].get_position().y0 == pytest.approx(top[1].get_position().y0)
    assert all("top" not in ax.get_title().split("(")[0] and "bottom" not in ax.get_title().split("(")[0]
               for ax in top)
    assert r"\ell_{crit} = 1.25" in top[0].get_title() and r"\ell_{crit} = 0.88" in top[1].get_title()
    lam_axes = [ax for ax in fig.axes if "lambda" in ax.get_ylabel()]
    assert len(lam_axes) == 2
    flat = lam_axes[0].get_lines()[1].get_ydata()  # ell_star: the constant T0^(-ell_crit) actually used
    assert np.allclose(flat, 100**-1.25)
    assert any("(1.37, 0.24)" in t for t in _legend_texts(fig))


def test_generation_axis_with_several_widths_is_one_series_per_width():
    rows = [_row("fig5", "random-features", n, "simulation", {"T": 500, "lam": 1e-6}, 0.1 * k / 100 + 0.03 * n,
                 0.005, reps=3, seed=0, width=k, theory_note="no theory line: none implemented")
            for k in (100, 400) for n in range(5)]
    fig = plot.figure(rows)
    assert len(fig.axes[0].containers) == 2
    texts = _legend_texts(fig)
    assert {"width k = 100", "width k = 400"} <= set(texts) and any("no theory line" in t for t in texts)
