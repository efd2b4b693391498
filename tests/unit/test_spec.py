"""Problem specification: constructors, exact scalars, round trips, and a clear error for every bad input."""

from fractions import Fraction

import numpy as np
import pytest

import symcollapse as sc
from symcollapse.spec import Domain, domains, exact


def test_exact_scalars_follow_the_documented_rules():
    assert exact(0.1) == Fraction(1, 10)  # shortest decimal repr, not the binary double
    assert exact("1e-3") == Fraction(1, 1000)
    assert exact("3/4") == Fraction(3, 4)
    assert exact(7) == 7
    sp = pytest.importorskip("sympy")
    assert exact(sp.Rational(2, 3)) == Fraction(2, 3)


@pytest.mark.parametrize("bad", ["__import__('os')", "1+1", "nan", "inf", "", "x"])
def test_exact_rejects_non_numbers_without_evaluating(bad):
    with pytest.raises(sc.SpecError):
        exact(bad, "lam")


def test_constructors():
    iso = sc.Spectrum.isotropic(5, scale=2.0)
    assert np.array_equal(iso.eigenvalues, np.full(5, 2.0))
    pl = sc.Spectrum.power_law(4, beta=2)
    assert np.allclose(pl.eigenvalues, [1, 1 / 4, 1 / 9, 1 / 16])
    assert np.allclose(sc.Target.isotropic(norm=2).squares(iso), 4 / 5)
    src = sc.Target.source(r=0.375)
    # δ = 1 + β(2r − 1) = 1 + 2(−0.25) = 0.5
    assert src.delta(pl) == pytest.approx(0.5)
    assert np.allclose(src.squares(pl), np.arange(1, 5) ** -0.5)
    custom = sc.Target(coefficients=[1.0, -2.0, 0.0, 3.0])
    assert np.array_equal(custom.coefficients(pl), [1.0, -2.0, 0.0, 3.0])


def test_round_trip_keeps_exact_values():
    for name in sc.spec.PRESET_NAMES:
        p = sc.preset(name)
        assert sc.Problem.from_dict(p.to_dict()) == p
    q = sc.preset("fig1a", lam="1/3000", n=4)
    d = q.to_dict()
    assert d["downstream"]["lam"] == "1/3000"
    assert sc.Problem.from_dict(d).downstream.lam == Fraction(1, 3000)
    custom = sc.Problem(
        sc.Spectrum(eigenvalues=[3.0, 2.0, 1.0]),
        sc.Target(coefficients=[0.5, 0.5, 0.0]),
        sc.Chain(n=2, T0=10, sigma0=0.3, design="shared"),
        sc.Ridge(T=7, sigma=0.2, lam=0.01),
    )
    assert sc.Problem.from_dict(custom.to_dict()) == custom


def test_derived_quantities_and_sklearn_alpha():
    p = sc.preset("fig1a")
    assert (p.d, p.phi, p.phi0) == (300, 0.3, 0.5)
    assert p.downstream.sklearn_alpha == pytest.approx(1.0)  # λ·T = 1e-3·1000
    r = sc.Ridge.from_sklearn_alpha(2.0, T=1000, sigma=0.1)
    assert r.lam == Fraction(1, 500)


BAD = {
    "non-positive eigenvalue": lambda: sc.Spectrum(eigenvalues=[1.0, 0.0]),
    "negative eigenvalue": lambda: sc.Spectrum(eigenvalues=[1.0, -1.0]),
    "nan eigenvalue": lambda: sc.Spectrum(eigenvalues=[1.0, float("nan")]),
    "inf eigenvalue": lambda: sc.Spectrum(eigenvalues=np.array([1.0, np.inf])),
    "empty spectrum": lambda: sc.Spectrum(eigenvalues=[]),
    "2-D spectrum": lambda: sc.Spectrum(eigenvalues=np.ones((2, 2))),
    "beta = 1": lambda: sc.Spectrum.power_law(10, beta=1),
    "beta < 1": lambda: sc.Spectrum.power_law(10, beta=0.5),
    "d = 0": lambda: sc.Spectrum.isotropic(0),
    "scale 0": lambda: sc.Spectrum.isotropic(3, scale=0),
    "r = 0": lambda: sc.Target.source(r=0),
    "r < 0": lambda: sc.Target.source(r=-1),
    "negative norm": lambda: sc.Target.isotropic(norm=-1),
    "n < 0": lambda: sc.Chain(n=-1, T0=10),
    "n non-integer": lambda: sc.Chain(n=1.5, T0=10),
    "T0 = 0": lambda: sc.Chain(n=1, T0=0),
    "sigma0 < 0": lambda: sc.Chain(n=1, T0=10, sigma0=-0.1),
    "bad design": lambda: sc.Chain(n=1, T0=10, design="same"),
    "T = 0": lambda: sc.Ridge(T=0),
    "sigma < 0": lambda: sc.Ridge(T=5, sigma=-1),
    "lam < 0": lambda: sc.Ridge(T=5, lam=-1e-3),
    "lam nan": lambda: sc.Ridge(T=5, lam=float("nan")),
    "length mismatch": lambda: sc.Problem(
        sc.Spectrum.isotropic(3), sc.Target(coefficients=[1, 2]), sc.Chain(1, 3), sc.Ridge(3)
    ),
    "source on isotropic": lambda: sc.Problem(
        sc.Spectrum.isotropic(3), sc.Target.source(r=0.5), sc.Chain(1, 3), sc.Ridge(3)
    ),
    "unknown preset": lambda: sc.preset("fig9"),
    "unknown replace field": lambda: sc.preset("fig1a").replace(foo=1),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_input_raises_a_clear_error(case):
    with pytest.raises(ValueError) as info:
        BAD[case]()
    assert isinstance(info.value, sc.SpecError)
    assert len(str(info.value)) > 15


def test_error_names_parameter_and_range():
    with pytest.raises(sc.SpecError, match=r"Ridge\.lam must be a finite number >= 0"):
        sc.Ridge(T=5, lam=-1)
    with pytest.raises(sc.SpecError, match=r"Spectrum\.beta must be a finite number > 1"):
        sc.Spectrum.power_law(5, beta=1)


def test_domain_table_is_declared_on_the_fields():
    table = domains(sc.Chain)
    assert set(table) == {"n", "T0", "sigma0"}
    assert isinstance(table["n"], Domain) and table["n"].integer
    assert domains(sc.Ridge)["lam"].log

