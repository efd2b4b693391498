"""``symcollapse reproduce``: files written, JSON of settings and versions, clean errors for bad input."""

from __future__ import annotations

import csv
import hashlib
import json

import numpy as np
import pytest

from symcollapse.cli import main
from symcollapse.experiments import COLUMNS

pytest.importorskip("matplotlib")
pytest.importorskip("sklearn")


def _check_outputs(out, fig):
    png, csv_path, js = out / f"{fig}.png", out / f"{fig}.csv", out / f"{fig}.json"
    assert png.read_bytes()[:4] == b"\x89PNG"
    with csv_path.open() as fh:
        reader = csv.DictReader(fh)
        assert reader.fieldnames[: len(COLUMNS)] == list(COLUMNS)
        rows = list(reader)
    assert rows and all(r["figure"] == fig for r in rows)
    info = json.loads(js.read_text())
    assert {"symcollapse", "numpy", "numba", "sympy", "mpmath", "python"} <= set(info["versions"])
    assert info["settings"] and info["seed"] == 0 and info["rows"] == len(rows)
    # the manifest: package version, parameters, and the sha256 of the PNG and the CSV it was written with
    assert info["version"] == info["versions"]["symcollapse"] and info["parameters"]
    assert set(info["files"]) == {f"{fig}.png", f"{fig}.csv"}
    assert info["files"][f"{fig}.csv"]["sha256"] == hashlib.sha256(csv_path.read_bytes()).hexdigest()
    assert info["files"][f"{fig}.png"]["sha256"] == hashlib.sha256(png.read_bytes()).hexdigest()
    return info, rows


def test_reproduce_real_data_figure(tmp_path, capsys):
    assert main(["reproduce", "fig5", "--quick", "--out", str(tmp_path), "--no-progress"]) == 0
    info, rows = _check_outputs(tmp_path, "fig5")
    assert info["quick"] is True and info["dataset"]["source"] == "sklearn-digits-8x8"
    assert "fig5:" in capsys.readouterr().out


def test_reproduce_theory_figure_with_reps_and_seed(tmp_path):
    argv = ["reproduce", "fig2", "--quick", "--reps", "3", "--seed", "0", "--out", str(tmp_path / "x")]
    assert main(argv) == 0
    info, rows = _check_outputs(tmp_path / "x", "fig2")
    shared = info["parameters"]["shared"]
    assert (shared["d"], shared["T0"], shared["sigma"], shared["sigma0"], shared["lam"]) == (300, 150, 0.1, 0.0, 1e-3)
    assert shared["T"]["min"] == 10 and shared["T"]["max"] == 10**4
    assert {r["source"] for r in rows} == {"theory", "simulation"}
    assert {r["reps"] for r in rows if r["source"] == "simulation"} == {"3"}


def test_reproduce_with_a_local_npz(tmp_path):
    rng = np.random.default_rng(0)
    path = tmp_path / "mini.npz"
    np.savez(path, images=rng.integers(0, 256, (400, 8, 8), dtype=np.uint8), labels=rng.integers(0, 10, 400))
    argv = ["reproduce", "fig5", "--quick", "--data", str(path), "--out", str(tmp_path / "o"), "--no-progress"]
    assert main(argv) == 0
    info, _ = _check_outputs(tmp_path / "o", "fig5")
    assert info["dataset"]["source"] == "npz:mini.npz" and info["dataset"]["n_samples"] == 400


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p / "missing.npz", "does not exist"),
        (lambda p: (np.savez(p / "k.npz", pics=np.zeros((20, 4))), p / "k.npz")[1], "lacks the array"),
        (lambda p: (np.savez(p / "s.npz", images=np.zeros((20, 4)), labels=np.zeros(7, int)), p / "s.npz")[1],
         "must match"),
    ],
)
def test_bad_data_file_is_a_clean_error_before_any_work(tmp_path, capsys, make, message):
    path = make(tmp_path)
    rc = main(["reproduce", "fig4", "--data", str(path), "--out", str(tmp_path / "o")])
    assert rc == 2
    err = capsys.readouterr().err
    assert "error:" in err and message in err and "Traceback" not in err
    assert not (tmp_path / "o" / "fig4.png").exists()


def test_bad_reps_is_a_clean_error(tmp_path, capsys):
    assert main(["reproduce", "fig1a", "--reps", "1", "--out", str(tmp_path)]) == 2
    assert "--reps" in capsys.readouterr().err


@pytest.mark.slow
def test_reproduce_all_quick(tmp_path):
    assert main(["reproduce", "all", "--quick", "--out", str(tmp_path), "--no-progress"]) == 0
    for fig in ("fig1a", "fig1b", "fig2", "fig4", "fig5"):
        _check_outputs(tmp_path, fig)
