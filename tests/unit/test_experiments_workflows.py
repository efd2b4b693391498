"""The workflow figures (accumulate, strong, golden) in quick mode: table contract, the claim each figure makes,
Monte Carlo against theory by the package's rule |mean − theory| ≤ k·stderr + allowance, drawing and
``reproduce``. Formulas: docs/theory/workflows.md."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import sympy as sp

from symcollapse.experiments import COLUMNS, FIGURES, accumulate, golden, strong
from symcollapse.experiments._checked import agrees
from symcollapse.experiments._table import csv_text, read_csv, write_csv

K = 4.0  # the k of compare.verdict
SEED = 0


@pytest.fixture(scope="module")
def tacc():
    return accumulate.run(quick=True, seed=SEED)


@pytest.fixture(scope="module")
def tstrong():
    return strong.run(quick=True, seed=SEED)


@pytest.fixture(scope="module")
def tgolden():
    return golden.run(quick=True, seed=SEED)


def _curve(rows, source, **where):
    return sorted((r for r in rows if r["source"] == source and all(r.get(k) == v for k, v in where.items())),
                  key=lambda r: (r.get("n") or 0, r.get("T") or 0, r.get("w") or 0))


@pytest.mark.parametrize("name", ["tacc", "tstrong", "tgolden"])
def test_tables_follow_the_contract(name, request):
    t = request.getfixturevalue(name)
    fig = {"tacc": "accumulate", "tstrong": "strong", "tgolden": "golden"}[name]
    assert fig in FIGURES and t.meta["figure"] == fig and {r["figure"] for r in t} == {fig}
    assert csv_text(t).splitlines()[0].split(",")[: len(COLUMNS)] == list(COLUMNS)
    assert {r["source"] for r in t} == {"theory", "simulation", "reference"}
    for r in t:
        assert math.isfinite(r["value"]) and r["value"] >= 0
        if r["source"] == "simulation":
            assert r["reps"] >= 2 and r["stderr"] > 0 and r["seed"] is not None
        if r["source"] == "reference":
            assert r["label"]


@pytest.mark.parametrize("name", ["tacc", "tstrong", "tgolden"])
def test_simulation_agrees_with_theory_at_every_covered_point(name, request):
    t = request.getfixturevalue(name)
    sims = [r for r in t if r["source"] == "simulation"]
    checked = [r for r in sims if r["theory_value"] is not None]
    assert len(checked) >= 3
    for r in checked:
        # the theory stored on the row is the theory row at the same point (same problem, same predict)
        same = [q for q in t if q["source"] == "theory" and all(q.get(k) == r.get(k) for k in ("n", "T", "curve", "p2"))
                and (name != "tgolden")]
        if same:
            assert math.isclose(same[0]["value"], r["theory_value"], rel_tol=1e-12)
        assert r["allowance"] >= 0 and (r["allowance"] == 0) == (name != "tstrong")  # strong: det. equivalent
        tol = K * r["stderr"] + r["allowance"]
        assert abs(r["value"] - r["theory_value"]) <= tol, r
        assert agrees(r, K) is True


def test_accumulate_stays_below_the_bound_and_replace_grows_linearly(tacc):
    c = tacc.meta["c"]
    bound = tacc.meta["bound"]
    assert math.isclose(bound, math.pi**2 / 6 * c, rel_tol=1e-13) and math.isclose(c, 10 / 19, rel_tol=1e-13)
    refs = [r for r in tacc if r["source"] == "reference"]
    assert refs and all(r["value"] == bound for r in refs)
    for curve in ("accumulate-shared", "accumulate-independent"):
        th = _curve(tacc, "theory", curve=curve)
        assert [r["n"] for r in th] == list(range(1, 9))
        values = [r["value"] for r in th]
        assert all(b > a for a, b in zip(values, values[1:]))  # increasing ...
        assert max(values) < bound  # ... but bounded by (π²/6) c
        for r in _curve(tacc, "simulation", curve=curve):
            assert r["value"] <= bound + K * r["stderr"]
    shared = {r["n"]: r["value"] for r in _curve(tacc, "theory", curve="accumulate-shared")}
    indep = {r["n"]: r["value"] for r in _curve(tacc, "theory", curve="accumulate-independent")}
    assert all(indep[n] < shared[n] for n in range(2, 9)) and math.isclose(indep[1], shared[1], rel_tol=1e-13)
    # replace: exactly n·c (Thm 4.1), i.e. linear growth, and the simulated slope agrees with c
    rep = _curve(tacc, "theory", curve="replace")
    assert all(math.isclose(r["value"], r["n"] * c, rel_tol=1e-12) for r in rep)
    sim = _curve(tacc, "simulation", curve="replace")
    n, y, se = (np.array([r[k] for r in sim], dtype=float) for k in ("n", "value", "stderr"))
    slope = np.sum(n * y / se**2) / np.sum(n**2 / se**2)  # weighted fit through the origin
    slope_se = 1 / math.sqrt(np.sum(n**2 / se**2))
    assert abs(slope - c) <= K * slope_se
    assert sim[-1]["value"] > bound + K * sim[-1]["stderr"]  # replace leaves the bound behind
    # subsample: simulation only beyond n = 1, and the plot says so
    sub = _curve(tacc, "theory", curve="accumulate-subsample")
    assert [r["n"] for r in sub] == [1] and math.isclose(sub[0]["value"], c, rel_tol=1e-12)
    assert all(r["theory_value"] is None for r in _curve(tacc, "simulation", curve="accumulate-subsample")
               if r["n"] >= 2)


def test_strong_error_approaches_the_floor_from_above(tstrong):
    floors = {float(k): v for k, v in tstrong.meta["floors"].items()}
    norm2 = sum(float(x) * y**2 for x, y in zip(strong._spectrum(strong.settings()).eigenvalues,
                                                 tstrong.meta["delta"]))
    assert math.isclose(norm2, 1.0, rel_tol=1e-5)
    for p2, floor in floors.items():
        assert math.isclose(floor, p2**2 * norm2, rel_tol=1e-12, abs_tol=1e-15)  # λ = 0: p₂²‖Δ‖²_Σ
        th = sorted(_curve(tstrong, "theory", p2=p2), key=lambda r: r["T"])
        assert all(r["p2_realised"] == pytest.approx(p2, abs=1e-12) for r in th)  # T multiples of 20
        gaps = [r["value"] - floor for r in th]
        assert all(g > 0 for g in gaps)  # from above ...
        assert all(b < a for a, b in zip(gaps, gaps[1:]))  # ... monotonically ...
        assert gaps[-1] < 0.01 * gaps[0]  # ... towards the floor
        if p2 > 0:
            assert gaps[-1] < 0.2 * floor  # at T = 20 000 the floor dominates the error
            sim_last = max(_curve(tstrong, "simulation", p2=p2), key=lambda r: r["T"])
            assert sim_last["value"] >= floor - K * sim_last["stderr"]
            refs = [r for r in tstrong if r["source"] == "reference" and r["p2"] == p2]
            assert refs and all(r["value"] == floor for r in refs)
    assert floors[0.0] == 0 and not [r for r in tstrong if r["source"] == "reference" and r["p2"] == 0.0]


def test_golden_minimum_is_at_the_golden_weight(tgolden):
    w_star = (math.sqrt(5) - 1) / 2
    assert sp.simplify(sp.sympify(tgolden.meta["w_star_exact"]) - (sp.sqrt(5) - 1) / 2) == 0
    th = sorted(_curve(tgolden, "theory"), key=lambda r: r["w"])
    ws = np.array([r["w"] for r in th])
    step = float(np.max(np.diff(ws)))
    best = th[int(np.argmin([r["value"] for r in th]))]
    assert abs(best["w"] - w_star) <= step
    c = 10 / 19
    ref = [r for r in tgolden if r["source"] == "reference"]
    assert len(ref) == 1 and math.isclose(ref[0]["w"], w_star, rel_tol=1e-15)
    assert math.isclose(ref[0]["value"], w_star * c, rel_tol=1e-12) and ref[0]["value"] <= best["value"]
    # the limit formula itself, at every grid point
    assert all(math.isclose(r["value"], (r["w"] ** 2 + (1 - r["w"]) ** 2) / (r["w"] * (2 - r["w"])) * c,
                            rel_tol=1e-12) for r in th)
    # the simulated chain at 60 rounds is at the limit to far below its standard error
    for r in _curve(tgolden, "simulation"):
        limit = next(q["value"] for q in th if q["w"] == r["w"])
        assert abs(r["theory_value"] - limit) < 1e-3 * r["stderr"]


def test_simulation_is_reproducible_from_the_seed():
    a = golden.run(quick=True, seed=3, w_sim=(0.5,))
    b = golden.run(quick=True, seed=3, w_sim=(0.5,))
    sa = [r["value"] for r in a if r["source"] == "simulation"]
    assert sa == [r["value"] for r in b if r["source"] == "simulation"]
    assert sa != [r["value"] for r in golden.run(quick=True, seed=4, w_sim=(0.5,)) if r["source"] == "simulation"]


@pytest.mark.parametrize("name", ["tacc", "tstrong", "tgolden"])
def test_figures_draw_and_replot_from_csv(name, request, tmp_path):
    pytest.importorskip("matplotlib")
    from symcollapse import plot

    t = request.getfixturevalue(name)
    fig = plot.figure(t)
    ax = fig.axes[0]
    labels = [x.get_text() for x in ax.get_legend().get_texts()]
    assert any(lbl.startswith("theory") for lbl in labels) and any(lbl.startswith("simulation") for lbl in labels)
    ref_label = next(r["label"] for r in t if r["source"] == "reference")
    assert ref_label in labels
    if name == "tacc":
        assert set(accumulate.CURVES) <= set(labels)
    if name == "tstrong":
        assert {f"$p_2$ = {p}" for p in strong.settings()["p2_values"]} <= set(labels)
    if name == "tgolden":  # w⋆ is a vertical line
        assert any(ln.get_xdata()[0] == pytest.approx(t.meta["w_star"]) and len(set(ln.get_xdata())) == 1
                   for ln in ax.get_lines())
    import matplotlib.pyplot as plt

    plt.close(fig)
    path = write_csv(t, tmp_path / "t.csv")
    again = plot.figure(read_csv(path))
    assert [x.get_text() for x in again.axes[0].get_legend().get_texts()] == labels
    plt.close(again)


def test_reproduce_writes_png_csv_and_manifest(tmp_path):
    pytest.importorskip("matplotlib")
    from symcollapse.cli import main

    assert main(["reproduce", "golden", "--quick", "--out", str(tmp_path), "--no-progress"]) == 0
    for ext in ("png", "csv", "json"):
        assert (tmp_path / f"golden.{ext}").stat().st_size > 0
    manifest = json.loads((tmp_path / "golden.json").read_text())
    assert manifest["quick"] is True and manifest["w_star"] == pytest.approx((math.sqrt(5) - 1) / 2)
    assert len(read_csv(tmp_path / "golden.csv")) == manifest["rows"]


def test_unknown_setting_is_rejected():
    from symcollapse.spec import SpecError

    for module in (accumulate, strong, golden):
        with pytest.raises(SpecError, match="unknown setting"):
            module.run(quick=True, nonsense=1)
