"""The fuzz scripts' own logic: draws cover the declared domain and every outcome class is recognised.

The scripts themselves (``benchmarks/fuzz_predict.py``, ``benchmarks/fuzz_simulate.py``) run thousands of
calls in a worker process; here only their pure parts are checked, plus one short end-to-end worker call.
"""

import importlib.util
import math
import sys
from pathlib import Path

import numpy as np
import pytest

BENCH = Path(__file__).resolve().parents[2] / "benchmarks"


def _load(name):
    spec = importlib.util.spec_from_file_location(name, BENCH / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod  # so that its functions pickle by reference (the worker imports it by name)
    sys.path.insert(0, str(BENCH))
    try:
        spec.loader.exec_module(mod)
    finally:
        sys.path.remove(str(BENCH))
    return mod


fp = _load("fuzz_predict")
fs = _load("fuzz_simulate")


def test_predict_draws_cover_the_declared_domain():
    recipes = [fp.draw(s) for s in np.random.SeedSequence(0).spawn(600)]
    d = [len(r["spectrum"][1]) if r["spectrum"][0] == "custom" else r["spectrum"][1] for r in recipes]
    assert min(d) == 1 and 1000 < max(d) <= 2000
    assert {r["spectrum"][0] for r in recipes} == {"isotropic", "power_law", "custom"}
    conds = [r["spectrum"][1][0] / r["spectrum"][1][-1] for r in recipes if r["spectrum"][0] == "custom"]
    assert max(conds) > 1e18
    T0 = [r["chain"]["T0"] for r in recipes]
    T = [r["ridge"]["T"] for r in recipes]
    assert min(T0) == 1 and max(T0) > 1e6 and min(T) == 1 and max(T) > 1e6
    assert any(r["chain"]["T0"] in (d_ - 1, d_, d_ + 1) for r, d_ in zip(recipes, d))
    lam = [r["ridge"]["lam"] for r in recipes]
    assert 0.0 in lam and min(x for x in lam if x > 0) < 1e-250 and max(lam) >= 1e5
    assert max(r["chain"]["n"] for r in recipes) == 10**6
    assert {r["chain"]["design"] for r in recipes} == {"independent", "shared"}
    sig = [r["ridge"]["sigma"] for r in recipes] + [r["chain"]["sigma0"] for r in recipes]
    assert 0.0 in sig and max(sig) <= 1e3 and min(x for x in sig if x > 0) < 1e-200
    # problem i depends only on (seed, i)
    assert fp.draw(np.random.SeedSequence(0).spawn(5)[3]) == recipes[3]


def _returned(**v):
    base = dict(
        stage="predict",
        total=1.0,
        bias=0.5,
        variance=0.5,
        collapse=0.0,
        delta_bias=0.0,
        rho=None,
        kappa=1.0,
        kappa0=None,
        df1=1.0,
        df2=1.0,
    )
    base.update(v)
    return {"status": "returned", "value": base}


@pytest.mark.parametrize(
    "res, cls",
    [
        (_returned(), "ok"),
        (_returned(total=math.nan), "nan"),
        (_returned(total=math.inf), "nan"),
        (_returned(bias=-0.1, variance=1.1), "bad_component"),
        (_returned(rho=math.nan), "bad_component"),
        (_returned(total=2.0), "sum_mismatch"),
        ({"status": "raised", "value_error": True}, "clean_error"),
        ({"status": "raised", "value_error": False}, "foreign"),
        ({"status": "hang"}, "hang"),
        ({"status": "crash"}, "crash"),
        ({"status": "returned", "value": {"stage": "construct", "value_error": True}}, "spec_refused"),
    ],
)
def test_predict_classes(res, cls):
    assert fp.classify(res) == cls


def test_underflow_check_only_where_the_inputs_make_a_part_positive():
    recipe = fp.draw(np.random.SeedSequence(1))
    recipe["ridge"]["sigma"], recipe["chain"]["sigma0"], recipe["chain"]["n"] = 1e-300, 0.0, 3
    v = _returned(variance=0.0, collapse=0.0)["value"]
    assert fp.needs_mp_check(recipe, v) == ["variance"]


def _sim(mean=1.0, stderr=0.1, errors="00"):
    return {"status": "returned", "value": {"mean": mean, "stderr": stderr, "errors": errors, "method": "x"}}


def _theory(total=1.0, kind="exact", warnings=()):
    return {
        "status": "returned",
        "value": {"total": total, "kind": kind, "theorem": "t"},
        "warnings": list(warnings),
    }


@pytest.mark.parametrize(
    "runs, theory, cls",
    [
        ([_sim(), _sim(), _sim()], _theory(), "ok"),
        ([_sim(math.nan), _sim(), _sim()], _theory(), "nan_mean"),
        ([_sim(), _sim(errors="01"), _sim()], _theory(), "not_repeatable"),
        ([_sim(), _sim(), _sim(errors="01")], _theory(), "not_bit_identical"),
        ([_sim(3.0), _sim(3.0), _sim(3.0)], _theory(), "far_off_exact"),
        (
            [_sim(3.0), _sim(3.0), _sim(3.0)],
            _theory(kind="deterministic-equivalent"),
            "far_off_deterministic_equivalent",
        ),
        ([_sim(3.0), _sim(3.0), _sim(3.0)], _theory(warnings=["not informative"]), "far_off_warned"),
        ([_sim(1.4), _sim(1.4), _sim(1.4)], _theory(), "ok"),  # 40 % off: below the 50 % threshold
        ([{"status": "raised", "value_error": False}], _theory(), "foreign"),
    ],
)
def test_simulate_classes(runs, theory, cls):
    assert fs.classify(runs, theory) == cls


@pytest.mark.slow
def test_one_worker_call_end_to_end():
    sys.path.insert(0, str(BENCH))  # the spawned worker imports fuzz_predict by name
    worker = sys.modules["fuzz_common"].Worker(str(BENCH.parent))
    try:
        res = worker.call(fp.run_predict, {"recipe": fp.draw(np.random.SeedSequence(3))}, 300)
    finally:
        worker.stop()
        sys.path.remove(str(BENCH))
    assert res["status"] in ("returned", "raised")
