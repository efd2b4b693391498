"""Bad or extreme input gets a clear error naming the parameter — never a traceback, a silent NaN or a hang.

Each case here was found by a review that tried odd inputs on the CLI and the Python API.
"""

import numpy as np
import pytest

import symcollapse as sc
from symcollapse.cli import main
from symcollapse.theory.fixed_point import df


@pytest.mark.parametrize("field", ["lam", "sigma"])
def test_values_beyond_float64_are_rejected_by_name(field):
    with pytest.raises(sc.SpecError, match=rf"Ridge\.{field} = 1\.000e\+400 is too large for float64"):
        sc.Ridge(T=10, **{field: "1e400"})


def test_cli_reports_overflow_cleanly(capsys):
    assert main(["predict", "--preset", "fig1a", "--lam", "1e400"]) == 2
    assert "too large for float64" in capsys.readouterr().err


def test_generations_are_bounded():
    with pytest.raises(sc.SpecError, match=r"Chain\.n must be an integer >= 0 and <= 1e\+06"):
        sc.Chain(n=10**20, T0=10)
    sc.Chain(n=10**6, T0=10)  # the bound itself is allowed


def test_sklearn_alpha_with_bad_T_and_from_dict_with_unknown_keys():
    with pytest.raises(sc.SpecError, match=r"Ridge\.T"):
        sc.Ridge.from_sklearn_alpha(1.0, 0)
    d = sc.preset("fig1a").to_dict()
    d["downstream"]["alpha"] = 1.0
    with pytest.raises(sc.SpecError, match=r"Ridge\.from_dict got unknown keys \['alpha'\]"):
        sc.Problem.from_dict(d)
    d = sc.preset("fig1a").to_dict()
    d["extra"] = 1
    with pytest.raises(sc.SpecError, match="unknown keys"):
        sc.Problem.from_dict(d)


def test_parameters_a_target_would_ignore_are_rejected():
    with pytest.raises(sc.SpecError, match="takes norm only"):
        sc.Target(kind="isotropic", norm=1, scale=4)
    with pytest.raises(sc.SpecError, match="takes r and scale"):
        sc.Target(kind="source", r=0.5, norm=1)


def test_predict_guards_precision_and_dimension():
    p = sc.preset("fig1a")
    with pytest.raises(sc.SpecError, match=r"dps must be an integer in \[1, 1000\]"):
        sc.predict(p, dps=100_000)
    big = p.replace(spectrum=sc.Spectrum.isotropic(10**10), chain=sc.Chain(n=1, T0=2 * 10**10, sigma0=0.1))
    with pytest.raises(sc.RegimeError, match="d = 10000000000 is above"):
        sc.predict(big)


def test_simulate_refuses_what_cannot_fit_in_memory():
    p = sc.preset("fig1a").replace(spectrum=sc.Spectrum.isotropic(100_000),
                                   chain=sc.Chain(n=1, T0=200_000, sigma0=0.1), T=300_000)
    with pytest.raises(sc.SpecError, match=r"simulate would need about .* GiB \(d = 100000"):
        sc.simulate(p, reps=2, seed=0)
    with pytest.raises(sc.SpecError, match="reps = 1000000000000"):
        sc.simulate(sc.preset("fig1a", lam=0), reps=10**12, seed=0)


@pytest.mark.parametrize("m, t", [(0, 1.0), (-1, 1.0), (1.5, 1.0), (1, float("nan")), (1, -1.0), (1, np.inf)])
def test_df_validates_order_and_argument(m, t):
    with pytest.raises(ValueError, match="df: "):
        df(m, t, [1.0, 0.5])


def test_unwritable_output_directory_is_a_clean_error(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert main(["reproduce", "fig1a", "--quick", "--out", str(blocker / "sub"), "--no-progress"]) == 2
    assert "error:" in capsys.readouterr().err
