"""``symcollapse sweep CONFIG.toml --out FILE``: formats, atomic write, config errors, overrides."""

import json
from pathlib import Path

import pandas as pd
import pytest

from symcollapse._cli.sweep import load_config
from symcollapse.cli import main
from symcollapse.spec import SpecError

ROOT = Path(__file__).resolve().parents[2]

CONFIG = """
[problem]
spectrum = {kind = "isotropic", d = 20, scale = 1}
target = {kind = "isotropic", norm = 1}
chain = {n = 1, T0 = 40, sigma0 = 0.2, design = "independent"}
downstream = {T = 60, sigma = 0.1, lam = "1/100"}

[grid]
n = [0, 2]
lam = ["1/100", 0.1]

[run]
reps = 20
seed = 1
store = "runs.sqlite"
progress = false
"""


def _write(tmp_path, text, name="cfg.toml"):
    p = tmp_path / name
    p.write_text(text)
    return p


def test_csv_and_json_outputs_hold_the_sweep_table(tmp_path, capsys):
    cfg = _write(tmp_path, CONFIG)
    assert main(["sweep", str(cfg), "--out", str(tmp_path / "t.csv")]) == 0
    assert "wrote 4 rows" in capsys.readouterr().out
    df = pd.read_csv(tmp_path / "t.csv")
    assert df["n"].tolist() == [0, 0, 2, 2] and df["lam"].tolist() == [0.01, 0.1, 0.01, 0.1]
    assert df["mc_mean"].notna().all() and (tmp_path / "runs.sqlite").exists()  # store next to the config
    assert main(["sweep", str(cfg), "--out", str(tmp_path / "t.json")]) == 0
    assert "reused 4" in capsys.readouterr().out
    data = json.loads((tmp_path / "t.json").read_text())
    assert data["attrs"]["cells_reused"] == 4 and len(data["rows"]) == 4
    assert [r["mc_mean"] for r in data["rows"]] == df["mc_mean"].tolist()  # same values, both formats
    assert all(r["theory_note"] is None for r in data["rows"])
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "cfg.toml",
        "runs.sqlite",
        "t.csv",
        "t.json",
    ]  # no temp


def test_list_of_points_grid(tmp_path):
    cfg = _write(
        tmp_path,
        CONFIG.replace(
            '[grid]\nn = [0, 2]\nlam = ["1/100", 0.1]', "[[grid]]\nn = 0\n\n[[grid]]\nn = 3\nlam = 1.0"
        ),
    )
    assert main(["sweep", str(cfg), "--out", str(tmp_path / "t.csv")]) == 0
    assert pd.read_csv(tmp_path / "t.csv")["n"].tolist() == [0, 3]


@pytest.mark.parametrize(
    "text, match",
    [
        (
            CONFIG + "\n[plot]\nx = 1\n",
            r"config key 'plot' is not valid; valid top-level tables: \['problem'",
        ),
        (CONFIG.replace("reps = 20", "repetitions = 20"), r"\[run\]\.repetitions is not valid.*'reps'"),
        (
            CONFIG.replace("n = [0, 2]", "gamma = [0, 2]"),
            r"'gamma'.*leaf fields of this problem: \['T', 'T0', 'design', 'lam'",
        ),
        (CONFIG.replace("chain = ", "chains = "), r"unknown keys \['chains'\]"),
        ('[problem]\npreset = "fig9"\n[grid]\nn = [0]\n', r"'fig9' is not a preset; valid: \['fig1a'"),
        ("[grid]\nn = [0]\n", r"missing the \[problem\] table"),
        ("[problem\n", "not valid TOML"),
    ],
)
def test_bad_configs_name_the_key_and_the_valid_ones(tmp_path, text, match):
    cfg = _write(tmp_path, text)
    with pytest.raises(SpecError, match=match):
        from symcollapse.sweep import sweep

        c = load_config(cfg)
        sweep(c["problem"], c["grid"], 2, 0, progress=False)


def test_a_bad_config_is_exit_code_2_with_the_message(tmp_path, capsys):
    cfg = _write(tmp_path, CONFIG.replace("reps = 20", "repetitions = 20"))
    assert main(["sweep", str(cfg), "--out", str(tmp_path / "t.csv")]) == 2
    assert "repetitions" in capsys.readouterr().err and not (tmp_path / "t.csv").exists()


def test_unknown_format_and_parquet_without_pyarrow(tmp_path, capsys):
    cfg = _write(tmp_path, CONFIG)
    assert main(["sweep", str(cfg), "--out", str(tmp_path / "t.xlsx")]) == 2
    assert "unknown format '.xlsx'" in capsys.readouterr().err
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        assert main(["sweep", str(cfg), "--out", str(tmp_path / "t.parquet")]) == 2
        assert "needs pyarrow" in capsys.readouterr().err
    else:
        assert main(["sweep", str(cfg), "--out", str(tmp_path / "t.parquet")]) == 0
        assert len(pd.read_parquet(tmp_path / "t.parquet")) == 4


def test_executor_override_gives_the_same_table(tmp_path):
    cfg = _write(tmp_path, CONFIG.replace('store = "runs.sqlite"\n', ""))
    assert main(["sweep", str(cfg), "--out", str(tmp_path / "a.csv")]) == 0
    assert main(["sweep", str(cfg), "--out", str(tmp_path / "b.csv"), "--executor", "processes"]) == 0
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "a.csv"), pd.read_csv(tmp_path / "b.csv"))


def test_the_example_config_parses_to_the_fig1a_lambda_panel():
    c = load_config(ROOT / "examples" / "sweep_fig1a.toml")
    assert c["problem"].d == 300 and c["problem"].chain.T0 == 600 and c["problem"].downstream.T == 1000
    assert c["grid"]["n"] == [0, 1, 2, 5, 10, 20] and len(c["grid"]["lam"]) == 13
    assert c["run"] == {"reps": 100, "seed": 0, "method": "auto", "shared": True}
