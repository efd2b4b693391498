"""``symcollapse predict``: table, header, --json, --dps, --normalization, errors."""

import json

import pytest

from symcollapse.cli import main
from symcollapse.spec import preset
from symcollapse.theory.evaluate import predict


@pytest.fixture(autouse=True)
def _wide_terminal(monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")


def run(capsys, *argv):
    code = main(["predict", *argv])  # COLUMNS=200 (autouse fixture): the whole default table fits
    out, err = capsys.readouterr()
    return code, out, err


def parse_table(out):
    """Header line, column names and rows (cells cut at the spans of the dashed rule: cells may be blank)."""
    lines = out.rstrip("\n").split("\n\n")[0].splitlines()  # the --dps digits block follows a blank line
    header = lines[0]
    lines = [ln for ln in lines if not ln.startswith("#")]
    names, rule = lines[0], lines[1]
    lines = [None, None, None] + lines[2:]
    spans, start = [], None
    for i, ch in enumerate(rule + " "):
        if ch == "-" and start is None:
            start = i
        elif ch != "-" and start is not None:
            spans.append((start, i))
            start = None
    cols = [names[a:b].strip() for a, b in spans]
    rows = [{c: line[a:b].strip() for c, (a, b) in zip(cols, spans)} for line in lines[3:]]
    return header, cols, rows


def test_fig1a_table(capsys):
    code, out, err = run(capsys, "--preset", "fig1a")
    assert code == 0 and err == ""
    header, cols, rows = parse_table(out)
    assert header.startswith("# fig1a: Σ = I (d = 300), ‖w0‖ = 1; chain T0 = 600, σ0 = 0.2")
    assert cols == ["n", "T", "lam", "total", "bias", "variance", "collapse", "delta_bias", "kappa", "rho",
                    "theorem"]
    assert [int(r["n"]) for r in rows] == [0, 1, 2, 5, 10, 20]
    for r in rows:
        expected = predict(preset("fig1a", n=int(r["n"]))).total
        assert float(r["total"]) == pytest.approx(expected, rel=1e-5)
    assert rows[0]["theorem"] == "Prop 4.2" and rows[1]["theorem"] == "Cor 4.4 (Eq. 19)"


def test_json_output_parses_and_matches_predict(capsys):
    code, out, _ = run(capsys, "--preset", "fig1b", "--n", "0,3", "--json")
    assert code == 0
    data = json.loads(out)
    assert [d["n"] for d in data] == [0, 3]  # swept parameters are top-level fields
    assert data[1]["total"] == predict(preset("fig1b", n=3)).total
    assert data[1]["theorem"] == "Cor 4.4 (Eq. 19)" and data[0]["kappa0"] is None


def test_dps_prints_certified_digits(capsys):
    code, out, _ = run(capsys, "--preset", "fig1a", "--n", "2", "--dps", "30")
    assert code == 0
    header, cols, rows = parse_table(out)
    assert "mpmath, 30 digits" in header and rows[0]["total"] == "0.0840433"  # the table keeps 6 digits
    block = out.split("\n\n")[1]  # the certified digits, in their own block
    assert "30 certified" in block
    total = next(ln for ln in block.splitlines() if ln.strip().startswith("total")).split("=")[1].strip()
    assert total.startswith("0.0840433167681344") and len(total.replace("0.0", "", 1)) >= 29
    code, out, _ = run(capsys, "--preset", "fig1a", "--n", "2", "--dps", "30", "--json")
    d = json.loads(out)[0]
    assert d["digits"] == 30 and isinstance(d["total"], float)  # numbers stay numbers
    assert d["total_exact"].startswith("0.084043316768134437495") and float(d["total_exact"]) == d["total"]


def test_grid_and_normalization(capsys):
    argv = ["--d", "50", "--T0", "100", "--T", "20,80", "--n", "2", "--sigma0", "0.2", "--sigma", "0.1",
            "--lam", "1e-3,0"]
    code, out, _ = run(capsys, *argv)
    assert code == 0
    header, _, rows = parse_table(out)
    assert header.startswith("# Σ = I (d = 50)") and len(rows) == 4
    exact_row = [r for r in rows if r["T"] == "80" and r["lam"] == "0"][0]
    assert exact_row["theorem"] == "Thm 4.1" and float(exact_row["total"]) == pytest.approx(
        0.01 * 50 / 29 + 2 * 0.04 * 50 / 49, rel=1e-5)
    _, out_f, _ = run(capsys, *argv, "--normalization", "finite", "--json")
    _, out_p, _ = run(capsys, *argv, "--json")
    f, p = json.loads(out_f), json.loads(out_p)
    assert f[0]["rho"] / p[0]["rho"] == pytest.approx(50 / 49)


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--preset", "fig2", "--sigma0", "0.2", "--T0", "299", "--normalization", "finite"], "needs T0 <= d − 2"),
        (["--preset", "fig1a", "--lam", "0", "--T", "300"], "|T − d| <= 1"),
        (["--preset", "fig1a", "--dps", "0"], "--dps"),
        (["--T", "10"], "--d: required without --preset (give --preset"),
    ],
)
def test_errors_exit_2_with_message(capsys, argv, message):
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    assert "symcollapse predict: error:" in err and message in err
