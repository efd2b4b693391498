"""κ examples of docs/theory/results.md#results-kappa (Eq. 11 closed form), float and mpmath paths of theory.fixed_point.

Reference values: tests/regression/data/kappa.json, made by tests/regression/make_reference.py (step
``kappa``; no seed, no replicates: closed form at 50 digits). Tolerances beside each value: the printed
7-decimal numbers to 5e-8, the float path to 1e-13 relative, the mpmath path at 50 digits to 1e-45.
"""

import json
from pathlib import Path

import mpmath
import pytest

from symcollapse.theory.fixed_point import kappa, kappa_mp

DATA = json.loads((Path(__file__).parent / "data" / "kappa.json").read_text())["values"]


@pytest.mark.parametrize("case", DATA, ids=lambda c: f"phi={c['phi']},lam={c['lam']}")
@pytest.mark.parametrize("d", [6, 300])
def test_kappa_examples(case, d):
    T = round(d / float(case["phi"]))
    with mpmath.workdps(50):
        ref = mpmath.mpf(case["value_50"])  # parsed at 50 digits, not at the default 15
    # the printed value (docs/theory/results.md#results-kappa), to its 7 decimals
    assert abs(float(ref) - float(case["printed"])) <= case["printed_tolerance"]
    # float64 path: isotropic Σ = I_d, κ depends on d/T only
    got = kappa(float(case["lam"]), T, [1.0] * d)
    assert got == pytest.approx(float(ref), rel=1e-13, abs=1e-15)
    # mpmath path at 50 digits, exact inputs
    with mpmath.workdps(50):
        lam = mpmath.mpf(case["lam"])
        k = kappa_mp(lam, T, [mpmath.mpf(1)] * d)
        assert abs(k - ref) <= mpmath.mpf(case["tolerance_50"]) * max(1, abs(ref))
