"""Tidy outputs (issue 13 item 2): one JSON conversion, numbers stay numbers, swept parameters top-level."""

import io
import json
import math
from fractions import Fraction

import mpmath
import numpy as np
import pandas as pd
import pytest
import sympy as sp

from symcollapse.cli import main
from symcollapse.results import jsonable, records, split, to_frame
from symcollapse.spec import preset
from symcollapse.theory.evaluate import predict
from symcollapse.theory.scaling import scaling_law


@pytest.fixture(autouse=True)
def _wide_terminal(monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")


def cli(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


# ---- the conversion rules ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, number, exact",
    [
        (Fraction(1, 5), 0.2, None),  # the float's shortest decimal is the exact value: no *_exact needed
        (Fraction(1, 3), 1 / 3, "1/3"),
        (Fraction(7), 7, None),
        (10**30, 10**30, str(10**30)),  # beyond 2**53: the int stays exact, and a string copy for pandas
        (2**53, 2**53, None),
        (np.int64(5), 5, None),
        (np.float32(0.5), 0.5, None),
        (np.bool_(True), True, None),
        (sp.Rational(3, 8), 0.375, None),
        (sp.Rational(2, 3), 2 / 3, "2/3"),
        (sp.Integer(-4), -4, None),
        (sp.true, True, None),
        (-sp.oo, None, "-oo"),
        (mpmath.mpf(0), 0.0, None),
        (None, None, None),
        ("text", "text", None),
    ],
)
def test_split_rules(value, number, exact):
    got, got_exact = split(value)
    assert got == number and type(got) is type(number)
    assert got_exact == exact


def test_mpf_keeps_its_digits_as_text():
    with mpmath.workdps(40):
        v = mpmath.mpf(1) / 3
    num, exact = split(v, digits=40)
    assert num == 1 / 3 and exact == "0." + "3" * 40


def test_jsonable_is_strict_json_and_never_writes_None_as_text():
    data = {
        "a": None,
        "z": math.inf,
        "x": Fraction(1, 3),
        "nested": [{"b": Fraction(1, 10)}],
        "arr": np.arange(3),
    }
    out = jsonable(data)
    text = json.dumps(out, allow_nan=False)  # no NaN/Infinity tokens
    assert out == {
        "a": None,
        "z": None,
        "z_exact": "inf",
        "x": 1 / 3,
        "x_exact": "1/3",
        "nested": [{"b": 0.1}],
        "arr": [0, 1, 2],
    }
    assert '"None"' not in text


# ---- records and frames of real result objects ---------------------------------------------------------


def test_prediction_frame_has_numeric_columns_and_top_level_parameters():
    preds = [predict(preset("fig1a", n=n)) for n in (0, 1)]
    frame = to_frame(preds)
    for col in ("n", "T", "lam", "d", "T0", "sigma0", "sigma", "total", "bias", "collapse", "rho", "kappa0"):
        assert pd.api.types.is_numeric_dtype(frame[col]), col
    assert list(frame["n"]) == [0, 1] and frame["sigma0"].iloc[0] == 0.2
    assert list(frame.columns[:3]) == ["n", "T", "lam"]


def test_high_precision_prediction_keeps_certified_digits_in_exact_columns():
    pr = predict(preset("fig1b", n=1), dps=30)
    rec = records(pr)[0]
    assert isinstance(rec["total"], float) and rec["total_exact"].startswith(mpmath.nstr(pr.total, 20)[:20])
    assert mpmath.mpf(rec["total_exact"]) == pytest.approx(pr.total, rel=1e-29)


def test_scaling_law_record_numbers_and_null():
    law = scaling_law(2, "0.375", ell="0.8", noise="noiseless")
    rec = jsonable(law)
    assert rec["beta"] == 2 and rec["r"] == 0.375 and rec["a"] is None and rec["b"] is None
    assert rec["variance_exponent"] is None and rec["variance_exponent_exact"] == "-oo"
    assert rec["ell_crit"] == pytest.approx(0.8)
    frame = to_frame([law, scaling_law(3, "0.5", ell="1")])
    assert pd.api.types.is_numeric_dtype(frame["total_exponent"]) and len(frame) == 2


# ---- the command line ----------------------------------------------------------------------------------


def test_predict_json_read_by_pandas_has_numeric_dtypes(capsys):
    code, out, _ = cli(capsys, "predict", "--preset", "fig1a", "--n", "1", "--sigma0", "0.2", "--json")
    assert code == 0
    data = json.loads(out)[0]
    assert data["sigma0"] == 0.2 and "sigma0_exact" not in data  # typed 0.2 is the number 0.2, not "1/5"
    frame = pd.read_json(io.StringIO(out))
    for col in (
        "n",
        "T",
        "lam",
        "d",
        "T0",
        "sigma0",
        "sigma",
        "bias",
        "variance",
        "collapse",
        "total",
        "kappa",
        "df1",
        "df2",
        "rho",
    ):
        assert pd.api.types.is_numeric_dtype(frame[col]), (col, frame[col].dtype)
    flat = pd.json_normalize(json.loads(out))
    assert not any(pd.api.types.is_string_dtype(flat[c]) for c in ("sigma0", "lam", "total"))


def test_predict_csv_has_the_json_columns(capsys):
    _, out_csv, _ = cli(capsys, "predict", "--preset", "fig1a", "--csv")
    _, out_json, _ = cli(capsys, "predict", "--preset", "fig1a", "--json")
    frame = pd.read_csv(io.StringIO(out_csv))
    assert list(frame.columns) == list(json.loads(out_json)[0].keys())
    assert list(frame["n"]) == [0, 1, 2, 5, 10, 20] and pd.api.types.is_float_dtype(frame["total"])


def test_columns_selects_in_every_format(capsys):
    _, out, _ = cli(capsys, "predict", "--preset", "fig1a", "--columns", "n,total", "--json")
    assert set(json.loads(out)[0]) == {"n", "total"}
    _, out, _ = cli(capsys, "predict", "--preset", "fig1a", "--columns", "n,total")
    assert out.splitlines()[-8].split() == ["n", "total"]  # header, rule, 6 rows


@pytest.mark.parametrize(
    "argv",
    [
        ["--beta", "2", "--r", "0.375", "--json"],
        ["--beta", "2", "--r", "0.375", "--ell", "0.8", "--json"],
        ["--beta", "2", "--r", "0.375", "--a", "0", "--b", "1", "--noise", "noiseless", "--json"],
        ["--table", "--json"],
    ],
)
def test_scaling_json_never_writes_None(capsys, argv):
    code, out, _ = cli(capsys, "scaling", *argv)
    assert code == 0 and "None" not in out
    data = json.loads(out)
    if "beta" in data:
        assert data["beta"] == 2 and data["r"] == 0.375  # numbers, top-level


def test_scaling_csv(capsys):
    code, out, _ = cli(capsys, "scaling", "--beta", "2", "--r", "0.375", "--ell", "0.8", "--csv")
    frame = pd.read_csv(io.StringIO(out))
    assert code == 0 and (frame["beta"] == 2).all() and pd.api.types.is_float_dtype(frame["numeric"])


def test_huge_integer_is_exact_in_json(capsys):
    code, out, _ = cli(capsys, "predict", "--preset", "fig1a", "--n", "1", "--T", "1e30", "--json")
    d = json.loads(out)[0]
    assert code == 0 and d["T"] == 10**30 and d["T_exact"] == "1" + "0" * 30
    code, out, _ = cli(
        capsys, "predict", "--preset", "fig1a", "--n", "1", "--T=99999999999999999999999", "--json"
    )
    assert json.loads(out)[0]["T"] == 99999999999999999999999
