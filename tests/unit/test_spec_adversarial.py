"""Adversarial spec inputs (issue 14, item 6): each is refused at construction with a SpecError naming the
parameter, the value and the valid range, never accepted silently nor failing later with a foreign error.

The overflow-prone scalars are bounded by ``SQUARE_SAFE`` (declared on the Domains, so strategies see it);
the last tests show that the bound itself is accepted and evaluates to a finite value.
"""

import math

import numpy as np
import pytest

import symcollapse as sc
from symcollapse.spec import COEFFICIENT, EIGENVALUE, SQUARE_SAFE, domains

S, T, C, R, P = sc.Spectrum, sc.Target, sc.Chain, sc.Ridge, sc.Problem
RANGE_POS = r"a finite number > 0 and <= 1e\+75"
RANGE_NONNEG = r"a finite number >= 0 and <= 1e\+75"
RANGE_COEF = r"a finite number >= -1e\+75 and <= 1e\+75"
VEC = r"must be a 1-D list or array whose entries are each "


def _dict_without_T0():
    d = sc.preset("fig1a").to_dict()
    del d["chain"]["T0"]
    return d


# case: (construct, regex the message must match: parameter, value, range)
CASES = {
    "Chain(T0=None)": (lambda: C(n=1, T0=None), r"Chain\.T0 must be an integer >= 1, got None"),
    "Chain(n=None)": (lambda: C(n=None, T0=5), r"Chain\.n must be an integer >= 0 and <= 1e\+06, got None"),
    "Chain(sigma0=None)": (
        lambda: C(1, 5, sigma0=None),
        r"Chain\.sigma0 must be " + RANGE_NONNEG + ", got None",
    ),
    "Ridge(T=None)": (lambda: R(T=None), r"Ridge\.T must be an integer >= 1, got None"),
    "Ridge(lam=None)": (lambda: R(T=3, lam=None), r"Ridge\.lam must be " + RANGE_NONNEG + ", got None"),
    "Spectrum.scale=None": (
        lambda: S.isotropic(3, scale=None),
        r"Spectrum\.scale must be " + RANGE_POS + ", got None",
    ),
    "Target.scale=None": (
        lambda: T(coefficients=[1.0], scale=None),
        r"Target\.scale must be " + RANGE_POS + ", got None",
    ),
    "from_dict without chain.T0": (
        lambda: P.from_dict(_dict_without_T0()),
        r"Chain\.from_dict is missing \['T0'\] \(a chain needs n and T0\)",
    ),
    "eigenvalues scalar": (
        lambda: S(eigenvalues=3.0),
        r"Spectrum\.eigenvalues " + VEC + RANGE_POS + ", got the scalar 3.0",
    ),
    "eigenvalues 0-d array": (lambda: S(eigenvalues=np.array(2.0)), VEC + RANGE_POS + ", got the scalar"),
    "eigenvalues np.matrix": (
        lambda: S(eigenvalues=np.matrix([[1.0, 2.0]])),
        VEC + RANGE_POS + r", got a matrix of shape \(1, 2\)",
    ),
    "eigenvalues 2-D": (lambda: S(eigenvalues=np.ones((2, 2))), r"got a ndarray of shape \(2, 2\)"),
    "eigenvalues nested list": (lambda: S(eigenvalues=[[1.0, 2.0]]), r"entry 0 is a list \(nested sequences"),
    "eigenvalues object array with None": (
        lambda: S(eigenvalues=np.array([1.0, None], dtype=object)),
        r"Spectrum\.eigenvalues\[1\] must be " + RANGE_POS + ", got None",
    ),
    "eigenvalues list with None": (
        lambda: S(eigenvalues=[1.0, None]),
        r"eigenvalues\[1\] must be .*got None",
    ),
    "eigenvalues complex array": (
        lambda: S(eigenvalues=np.array([1 + 1j, 2])),
        VEC + RANGE_POS + ", got a complex128 array",
    ),
    "eigenvalues complex list": (
        lambda: S(eigenvalues=[1 + 1j, 2.0]),
        r"eigenvalues\[0\] must be " + RANGE_POS + r", got \(1\+1j\)",
    ),
    "eigenvalues string '123'": (lambda: S(eigenvalues="123"), VEC + RANGE_POS + ", got the string '123'"),
    "eigenvalues bytes": (lambda: S(eigenvalues=b"12"), "got the string"),
    "eigenvalues set": (lambda: S(eigenvalues={1.0, 2.0}), VEC + RANGE_POS + ", got an unordered set"),
    "eigenvalues dict": (lambda: S(eigenvalues={1: 1.0}), "got an unordered dict"),
    "eigenvalues bool array": (
        lambda: S(eigenvalues=np.array([True, True])),
        VEC + RANGE_POS + ", got a bool array",
    ),
    "eigenvalues bool list": (
        lambda: S(eigenvalues=[True, True]),
        r"eigenvalues\[0\] must be " + RANGE_POS + ", got True",
    ),
    "eigenvalues np.bool_ list": (
        lambda: S(eigenvalues=[np.True_]),
        r"eigenvalues\[0\] must be " + RANGE_POS,
    ),
    "eigenvalues ['1e999']": (
        lambda: S(eigenvalues=["1e999"]),
        r"Spectrum\.eigenvalues\[0\] = 1\.000e\+999 is too large for float64 .*must be " + RANGE_POS,
    ),
    "eigenvalues above the bound": (
        lambda: S(eigenvalues=np.array([1.0, 1e80])),
        r"Spectrum\.eigenvalues\[1\] must be " + RANGE_POS + r", got 1e\+80",
    ),
    "eigenvalues inf in array": (
        lambda: S(eigenvalues=np.array([1.0, np.inf])),
        r"eigenvalues\[1\] must be .*got inf",
    ),
    "eigenvalue 0 in array": (
        lambda: S(eigenvalues=np.array([1.0, 0.0])),
        r"eigenvalues\[1\] must be " + RANGE_POS,
    ),
    "eigenvalues generator of junk": (lambda: S(eigenvalues=iter([object()])), r"eigenvalues\[0\] must be"),
    "eigenvalues non-iterable": (lambda: S(eigenvalues=object()), VEC + RANGE_POS + ", got object"),
    "Spectrum.scale='1e308'": (
        lambda: S.isotropic(3, scale="1e308"),
        r"Spectrum\.scale must be " + RANGE_POS + r", got 1\.000e\+308",
    ),
    "Spectrum.scale x entries": (
        lambda: S(eigenvalues=[1e50], scale=1e50),
        r"Spectrum\.scale × largest eigenvalue = 1\.000e\+100 must be <= 1e\+75",
    ),
    "coefficients [1e308]*3": (
        lambda: T(coefficients=[1e308] * 3),
        r"Target\.coefficients\[0\] must be " + RANGE_COEF + r", got 1e\+308",
    ),
    "coefficients array [1e308]*3": (
        lambda: T(coefficients=np.full(3, 1e308)),
        r"Target\.coefficients\[0\] must be " + RANGE_COEF,
    ),
    "coefficients complex": (
        lambda: T(coefficients=np.array([1j, 1, 1])),
        r"Target\.coefficients " + VEC + RANGE_COEF,
    ),
    "coefficients string": (lambda: T(coefficients="123"), "got the string '123'"),
    "coefficients set": (lambda: T(coefficients={1.0}), "got an unordered set"),
    "coefficients bool array": (lambda: T(coefficients=np.zeros(2, bool)), "got a bool array"),
    "coefficients scalar": (lambda: T(coefficients=1.0), "got the scalar 1.0"),
    "coefficients x scale": (
        lambda: T(coefficients=[1e50], scale=1e60),
        r"Target: sqrt\(scale\) × largest \|coefficient\| = 1\.000e\+80 must be <= 1e\+75",
    ),
    "Target.norm above the bound": (lambda: T.isotropic(norm=1e80), r"Target\.norm must be " + RANGE_NONNEG),
    "source target overflowing at j = d": (
        lambda: P(S.power_law(1000, beta=60), T.source(r="0.01"), C(1, 10), R(10)),
        r"Target\.source\(r=Fraction\(1, 100\)\) on this spectrum gives c_d² = 10\^.* must be <= 1e\+150",
    ),
    "Ridge.sigma='1e308'": (
        lambda: R(T=3, sigma="1e308"),
        r"Ridge\.sigma must be " + RANGE_NONNEG + r", got 1\.000e\+308",
    ),
    "Ridge.lam='1e308'": (
        lambda: R(T=3, lam="1e308"),
        r"Ridge\.lam must be " + RANGE_NONNEG + r", got 1\.000e\+308",
    ),
    "Ridge.lam=1e300": (lambda: R(T=3, lam=1e300), r"Ridge\.lam must be " + RANGE_NONNEG + r", got 1e\+300"),
    "Chain.sigma0='1e308'": (
        lambda: C(1, 5, sigma0="1e308"),
        r"Chain\.sigma0 must be " + RANGE_NONNEG + r", got 1\.000e\+308",
    ),
    "Chain.sigma0=1e200": (
        lambda: C(1, 5, sigma0=1e200),
        r"Chain\.sigma0 must be " + RANGE_NONNEG + r", got 1e\+200",
    ),
    "Chain.sigma0 1e400 string": (
        lambda: C(1, 5, sigma0="1e400"),
        r"Chain\.sigma0 = 1\.000e\+400 is too large for float64 .*must be " + RANGE_NONNEG,
    ),
    "Chain.n float non-integer": (
        lambda: C(n=2.5, T0=5),
        r"Chain\.n must be an integer >= 0 and <= 1e\+06, got 2\.5",
    ),
    "Chain.T0 string": (lambda: C(n=1, T0="5"), r"Chain\.T0 must be an integer >= 1, got '5'"),
    "Chain.n bool": (lambda: C(n=True, T0=5), r"Chain\.n must be an integer"),
}


@pytest.mark.filterwarnings("ignore::PendingDeprecationWarning")  # np.matrix itself warns
@pytest.mark.parametrize("case", sorted(CASES))
def test_adversarial_input_is_refused_at_construction(case):
    build, match = CASES[case]
    with pytest.raises(sc.SpecError, match=match):
        build()


def test_the_bound_is_declared_on_the_domains():
    # Strategies and fuzzers read the valid range from here, so they never draw an overflowing value.
    for cls, name in ((R, "sigma"), (R, "lam"), (C, "sigma0"), (S, "scale"), (T, "scale"), (T, "norm")):
        assert domains(cls)[name].high == SQUARE_SAFE, (cls.__name__, name)
    assert EIGENVALUE.high == SQUARE_SAFE and EIGENVALUE.low == 0 and EIGENVALUE.low_open
    assert COEFFICIENT.low == -SQUARE_SAFE and COEFFICIENT.high == SQUARE_SAFE
    # Four squares of the bound times a factor 1e8 (d·n·T on the declared domain is far larger than any
    # product the formulas form) stay inside float64.
    assert math.isfinite((SQUARE_SAFE**2) ** 2 * 1e8)


def test_values_at_the_bound_are_accepted_and_finite():
    B = SQUARE_SAFE
    p = P(
        S(eigenvalues=np.geomspace(B, B * 1e-24, 40)),
        T(coefficients=[B] * 40),
        C(n=10**6, T0=42, sigma0=B),
        R(T=100, sigma=B, lam=B),
    )
    pred = sc.predict(p)
    assert math.isfinite(float(pred.total)) and float(pred.total) > 0
    assert P.from_dict(p.to_dict()) == p


def test_valid_vectors_still_construct_the_same_values():
    # Arrays keep float64 values, lists keep exact scalars, int arrays become floats (as before).
    assert S(eigenvalues=np.array([3, 2, 1])).values == (3.0, 2.0, 1.0)
    assert S(eigenvalues=["1/3", 0.5, 2]).values[0] == sc.spec.exact("1/3")
    assert S(eigenvalues=(x for x in [2.0, 1.0])).d == 2
    assert T(coefficients=[-1, 0, "1/2"]).coefficients(S.isotropic(3)).tolist() == [-1.0, 0.0, 0.5]
