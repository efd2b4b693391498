"""symcollapse.plot draws experiment tables only: styles, scales, colours, legend; it computes nothing."""

from __future__ import annotations

import ast
from pathlib import Path

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
