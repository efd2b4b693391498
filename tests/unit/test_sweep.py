"""sweep(): the tidy table (columns, dtypes, attrs), the seed rule, grids of every shape, bad input."""

import json
import math
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import symcollapse as sc
import symcollapse.sweep as sweep_module
from symcollapse.compare import compare
from symcollapse.simulate import simulate
from symcollapse.spec import Chain, Problem, Ridge, SpecError, Spectrum, Target
from symcollapse.sweep import block_seed, point_seed, sweep
from symcollapse.theory.evaluate import predict

MC = ["mc_mean", "mc_stderr", "reps", "method"]


def _base(**kw):
    p = Problem(
        Spectrum.isotropic(20),
        Target.isotropic(norm=1),
        Chain(n=1, T0=40, sigma0=0.2),
        Ridge(T=60, sigma=0.1, lam=1e-2),
    )
    return p.replace(**kw) if kw else p


def _sweep(grid, **kw):
    kw.setdefault("progress", False)
    return sweep(_base(), grid, reps=kw.pop("reps", 30), seed=kw.pop("seed", 3), **kw)


def test_columns_dtypes_and_attrs():
    df = _sweep({"n": [0, 2], "lam": [1e-2, "1/10"], "design": ["independent", "shared"]})
    assert len(df) == 8
    assert list(df.columns[:3]) == ["n", "lam", "design"]
    for c in (
        "total",
        "bias",
        "variance",
        "collapse",
        "delta_bias",
        "kappa",
        "df2",
        "rho",
        "kind",
        "theorem",
        "total_paper",
        *MC,
        "z",
        "allowance",
        "passed",
        "theory_note",
        "mc_note",
        "spec",
    ):
        assert c in df.columns, c
    assert df["n"].dtype == np.int64 and df["reps"].dtype == np.int64
    for c in ("lam", "total", "mc_mean", "mc_stderr", "z", "allowance", "rho"):
        assert df[c].dtype == np.float64, c
    assert str(df["passed"].dtype) == "boolean"
    assert set(df["design"]) == {"independent", "shared"}
    # numbers are numbers: the exact "1/10" is 0.1 in its column and exact only in the spec column
    assert set(df["lam"]) == {0.01, 0.1}
    assert not any(isinstance(v, (str, Fraction)) for c in ("n", "lam", "total") for v in df[c])
    spec = json.loads(df.loc[(df.lam == 0.1) & (df.n == 2) & (df.design == "shared"), "spec"].iloc[0])
    assert spec["downstream"]["lam"] == "1/10"
    assert Problem.from_dict(spec) == _base(n=2, lam="1/10", design="shared")
    a = df.attrs
    assert (a["seed"], a["shared"], a["normalization"], a["reps"], a["version"]) == (
        3,
        True,
        "finite",
        30,
        sc.__version__,
    )
    assert (a["cells"], a["cells_computed"], a["cells_reused"]) == (8, 8, 0)
    assert isinstance(a["sampler_version"], str)


def test_theory_columns_are_predict_and_the_verdict_is_compares():
    df = _sweep({"n": [0, 3], "lam": [1e-2, 1.0]}, shared=False, reps=50)
    for row in df.itertuples():
        p = _base(n=row.n, lam=row.lam)
        pred = predict(p, normalization="finite")
        assert (row.total, row.bias, row.kappa, row.theorem) == (
            pred.total,
            pred.bias,
            pred.kappa,
            pred.theorem,
        )
        assert row.total_paper == predict(p, normalization="paper").total
        c = compare(p, reps=50, seed=point_seed(3, p))  # same seed rule -> same simulation -> same verdict
        passed = None if pd.isna(row.passed) else bool(row.passed)  # None: compare's "not informative"
        assert (row.mc_mean, row.z, row.allowance, passed) == (c.mean, c.z, c.allowance, c.passed)


def test_unshared_points_are_bit_for_bit_a_loop_over_simulate():
    grid = {"n": [0, 1, 4], "T": [30, 60], "lam": [0, 1e-2]}
    df = _sweep(grid, shared=False)
    for row in df.itertuples():
        p = Problem.from_dict(json.loads(row.spec))  # the exact point (lam 0 is the int 0, not 0.0)
        r = simulate(p, 30, point_seed(3, p))
        assert (row.mc_mean, row.mc_stderr, row.method) == (r.mean, r.stderr, r.method)


@pytest.mark.parametrize("shared", [True, False])
def test_results_do_not_depend_on_key_order_point_order_or_grid_shape(shared):
    a = _sweep({"n": [0, 2], "T": [30, 60], "lam": [1e-2, 1e-1]}, shared=shared)
    b = _sweep({"lam": [1e-1, 1e-2], "T": [60, 30], "n": [2, 0]}, shared=shared)
    points = [{"n": r.n, "T": r.T, "lam": r.lam} for r in a.itertuples()][::-1]
    c = _sweep(points, shared=shared)
    key = ["n", "T", "lam"]
    for other in (b, c):
        pd.testing.assert_frame_equal(
            a.sort_values(key).reset_index(drop=True)[key + MC],
            other[list(a.columns)].sort_values(key).reset_index(drop=True)[key + MC],
        )
    if not shared:  # independent points: a point alone is the same as inside a bigger grid
        one = _sweep({"n": [2], "T": [60], "lam": [1e-1]}, shared=False)
        row = a[(a["n"] == 2) & (a["T"] == 60) & (a["lam"] == 1e-1)]
        assert one["mc_mean"].iloc[0] == row["mc_mean"].iloc[0]


def test_a_regime_error_point_gets_nan_theory_and_a_note_and_the_grid_goes_on():
    # lam = 0 at T = d: the ridgeless error diverges, predict raises RegimeError; the simulation still runs
    df = _sweep({"T": [20, 60], "lam": [0]})
    bad, good = df[df["T"] == 20].iloc[0], df[df["T"] == 60].iloc[0]
    assert math.isnan(bad["total"]) and pd.isna(bad["kind"]) and "T" in bad["theory_note"]
    assert math.isnan(bad["z"]) and pd.isna(bad["passed"]) and np.isfinite(bad["mc_mean"])
    assert pd.isna(good["theory_note"]) and np.isfinite(good["total"]) and not pd.isna(good["passed"])


def test_a_point_no_sampler_covers_gets_nan_mc_and_a_note():
    df = _sweep({"lam": [0, 1e-2]}, method="ols-law")
    bad = df[df["lam"] == 1e-2].iloc[0]
    assert math.isnan(bad["mc_mean"]) and "RegimeError" in bad["mc_note"] and pd.isna(bad["passed"])
    assert df[df["lam"] == 0].iloc[0]["method"] == "ols-law"


def test_one_point_and_duplicate_values():
    one = _sweep({"n": [2]})
    assert len(one) == 1 and one.attrs["cells"] == 1
    dup = _sweep({"n": [1, 1, 2]})
    assert len(dup) == 3 and dup.attrs["cells"] == 2
    pd.testing.assert_series_equal(dup.iloc[0], dup.iloc[1], check_names=False)


def test_one_exact_value_typed_two_ways_is_one_cell():
    df = _sweep({"lam": [0.1, "1/10", Fraction(1, 10), 0, 0.0]})
    assert df.attrs["cells"] == 2 and df["lam"].tolist() == [0.1, 0.1, 0.1, 0.0, 0.0]
    assert df["mc_mean"].iloc[0] == df["mc_mean"].iloc[1] == df["mc_mean"].iloc[2]
    assert df["mc_mean"].iloc[3] == df["mc_mean"].iloc[4]
    assert point_seed(0, _base(lam=0.1)) == point_seed(0, _base(lam="1/10"))
    assert json.loads(df["spec"].iloc[1])["downstream"]["lam"] == "1/10"  # the spec column keeps it as typed


def test_list_of_dicts_grid_fills_missing_fields_from_the_problem():
    df = _sweep([{"n": 0}, {"n": 2, "lam": 0.1}, {"lam": 1.0}])
    assert list(df.columns[:2]) == ["n", "lam"]
    assert df["n"].tolist() == [0, 2, 1] and df["lam"].tolist() == [0.01, 0.1, 1.0]


def test_theory_only_simulation_only_and_paper_normalisation():
    th = _sweep({"n": [0, 1]}, simulate=False)
    assert "mc_mean" not in th and "passed" not in th and "total" in th and th.attrs["cells_computed"] == 0
    mc = _sweep({"n": [0, 1]}, theory=False)
    assert "total" not in mc and "mc_mean" in mc and "z" not in mc
    paper = _sweep({"n": [0, 1]}, simulate=False, normalization="paper")
    assert "total_paper" not in paper


@pytest.mark.parametrize(
    "grid, match",
    [
        ({}, "grid is empty"),
        ([], "empty list"),
        ({"n": []}, r"grid\['n'\] is empty"),
        ({"n": 3}, "must be a sequence"),
        ({"design": "shared"}, "must be a sequence"),
        ({"gamma": [1]}, r"'gamma'.*leaf fields of this problem: \['T', 'T0', 'design', 'lam'"),
        ([{"n": 1}, 3], "one dict per point"),
        ({"spectrum": [Spectrum.isotropic(5)]}, "whole part of the problem"),
        ({"n": [-1]}, r"grid point \{'n': -1\}: Chain.n must be"),
        ("n", "dict of sequences"),
    ],
)
def test_bad_grids_raise_a_clear_spec_error(grid, match):
    with pytest.raises(SpecError, match=match):
        _sweep(grid)


@pytest.mark.parametrize(
    "kw, match",
    [
        (dict(reps=1), "reps must be an integer >= 2"),
        (dict(seed=-1), "seed must be"),
        (dict(method="magic"), "method must be one of"),
        (dict(normalization="exact"), "normalization must be"),
        (dict(shared="yes"), "shared must be True or False"),
        (dict(theory=False, simulate=False), "nothing to compute"),
        (dict(executor="gpu"), "executor must be one of"),
    ],
)
def test_bad_arguments_raise_a_clear_spec_error(kw, match):
    with pytest.raises(SpecError, match=match):
        _sweep({"n": [0]}, **kw)


def test_progress_is_one_bar_for_the_grid(capsys):
    _sweep({"n": [0, 1], "lam": [1e-2, 1e-1]}, progress=True)
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "sweep" in err and "4/4" in err
    _sweep({"n": [0, 1]}, progress=False)
    assert capsys.readouterr().err == ""


def test_module_and_top_level_name_both_call_sweep():
    a = sc.sweep(_base(), {"n": [1]}, reps=5, seed=0, progress=False)
    b = sweep_module(_base(), {"n": [1]}, reps=5, seed=0, progress=False)
    pd.testing.assert_frame_equal(a, b)


def test_seeds_come_from_content():
    p, q = _base(n=1, lam=0.1), _base(n=5, lam=1.0)
    assert block_seed(0, p) == block_seed(0, q) != block_seed(1, p)
    # one block per chain: the downstream T is shared too (the chain does not depend on it)
    assert block_seed(0, p) == block_seed(0, _base(T=61)) != block_seed(0, _base(T0=41))
    assert point_seed(0, p) != point_seed(0, q) and point_seed(0, p) == point_seed(0, _base(n=1, lam=0.1))


def _var_z(a, b):
    def var_se(x):
        m = x - x.mean()
        return np.var(x, ddof=1), math.sqrt(max(np.mean(m**4) - np.var(x) ** 2, 0) / len(x))

    (va, sa), (vb, sb) = var_se(a), var_se(b)
    return (va - vb) / math.hypot(sa, sb)


@pytest.mark.parametrize(
    "spectrum", [Spectrum.isotropic(20), Spectrum.power_law(20, beta=2)], ids=["iso", "power"]
)
def test_each_shared_point_has_the_law_it_has_in_simulate(spectrum):
    # Whatever engine runs a shared block (simulate_block, or the per-point stand-in), each point must have
    # simulate's law: mean and variance z within 4 and a two-sample KS test at level 1e-4.
    base = Problem(
        spectrum, Target.isotropic(norm=1), Chain(n=1, T0=40, sigma0=0.3), Ridge(T=60, sigma=0.1, lam=0.01)
    )
    ns, lams, reps = (0, 3), (0.01, 0.3), 1500
    pairs = tuple((T, lam) for T in (10, 60) for lam in lams)  # T = 10 < d = 20: the dual downstream fit
    cells = tuple((n, T, lam, f"{n}/{T}/{lam}", 0) for n in ns for T, lam in pairs)
    res = sweep_module._block_results(base, ns, pairs, reps, block_seed(11, base), "auto", cells)
    for n in ns:
        for T, lam in pairs:
            a = sweep_module._lookup(res, n, T, lam).errors
            b = simulate(base.replace(n=n, T=T, lam=lam), reps, seed=12345).errors
            z_mean = (a.mean() - b.mean()) / math.hypot(a.std(ddof=1), b.std(ddof=1)) * math.sqrt(reps)
            assert abs(z_mean) < 4 and abs(_var_z(a, b)) < 4, (n, T, lam)
            assert stats.ks_2samp(a, b).pvalue > 1e-4, (n, T, lam)
