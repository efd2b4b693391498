"""``symcollapse scaling``: exponents with formulas and values, optimal ℓ, dominant term, §3 table, JSON, errors."""

import json

import pytest

from symcollapse.cli import main


@pytest.fixture(autouse=True)
def _wide_terminal(monkeypatch):
    monkeypatch.setenv("COLUMNS", "250")  # tables are fitted to the terminal; these tests read whole rows


def run(capsys, *argv):
    code = main(["scaling", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_exponents_at_ell_crit(capsys):
    code, out, _ = run(capsys, "--beta", "2", "--r", "0.375", "--ell", "0.8")
    assert code == 0
    assert "bias_exponent" in out and "-2*ell*Min(1, r)" in out and "-3/5" in out
    assert "optimal ell: 4/5" in out
    assert "dominant term(s) at this ell: bias, variance, collapse" in out
    assert "exponent table" not in out  # --ell given and no --table


def test_cor52_json(capsys):
    code, out, _ = run(capsys, "--beta", "2", "--r", "0.375", "--ell", "0.4", "--a", "0", "--b", "0.5",
                       "--noise", "noiseless", "--json")
    assert code == 0
    data = json.loads(out)
    ex = data["exponents"]
    assert ex["ell_star"]["value"] == "2/5" and ex["ell_star"]["numeric"] == pytest.approx(0.4)
    assert ex["rate"]["numeric"] == pytest.approx(-0.3)
    assert ex["diverges"]["numeric"] is False
    assert ex["variance_exponent"]["value"] == "-oo"
    assert data["optimal_ell"]["ell"] == "2/5"
    assert data["dominant"] == ["bias", "collapse"]  # at ell = ell_star = 0.4 they balance: both -3/10
    assert "Max(" in ex["total_exponent"]["formula"]


def test_table_reproduces_theory_section_3(capsys):
    code, out, _ = run(capsys, "--table", "--json")
    assert code == 0
    rows = {r["quantity"]: r for r in json.loads(out)["table"]}
    assert rows["clean bias"]["derived (general)"] == "-2*ell*Min(1, r)"
    assert rows["clean variance"]["derived (general)"] == "-1 + ell/beta"
    assert rows["clean, noisy, optimal ell"]["derived (general)"] == "beta/(2*beta*Min(1, r) + 1)"
    assert rows["clean, noiseless: optimum"]["derived (general)"] == "beta"
    assert rows["clean, noiseless: rate"]["derived (general)"] == "-2*beta*Min(1, r)"
    assert "max(" in rows["model-collapse term (rho)"]["derived (general)"]
    assert "phi_0" in rows["model-collapse term (rho)"]["derived (general)"]
    assert rows["  gamma"]["derived (general)"] == "-a + Min(1, b)"
    assert rows["df_m(kappa)"]["derived (general)"] == "ell/beta"


def test_table_with_numbers_is_the_default_without_ell(capsys):
    code, out, _ = run(capsys, "--beta", "1.65", "--r", "0.097")
    assert code == 0
    assert "Exponent table of the paper's §5" in out
    assert "16500/13201 ≈ 1.24991" in out  # ell_crit of the §5 table
    assert "3201/13201 ≈ 0.24248" in out  # c


def test_steps(capsys):
    code, out, _ = run(capsys, "--beta", "2", "--r", "0.375", "--ell", "0.8", "--steps")
    assert code == 0 and "Lemma I.1" in out and "Eq. 9" in out


@pytest.mark.parametrize(
    "argv, word",
    [
        (["--beta", "1", "--r", "0.5", "--ell", "0.1"], "beta"),
        (["--beta", "2", "--r", "0", "--ell", "0.1"], "r"),
        (["--beta", "2", "--r", "0.5", "--ell", "3"], "ell"),
        (["--beta", "2", "--r", "0.5", "--ell", "0.1", "--a", "1"], "--b"),
        (["--beta", "2"], "--r"),
        (["--beta", "2", "--r", "0.5", "--ell", "0.1", "--b", "-1"], "b"),
    ],
)
def test_errors_exit_2(capsys, argv, word):
    code, _, err = run(capsys, *argv)
    assert code == 2 and "error:" in err and word in err
