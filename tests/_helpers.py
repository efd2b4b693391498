"""Helpers shared by the test modules (import as ``from _helpers import ...``; ``tests/`` is on sys.path
because ``tests/conftest.py`` is a rootdir conftest)."""

import numpy as np
from hypothesis import settings
from scipy import stats

from symcollapse.testing import CHECK_COUNTS, log_check

# Standard errors allowed. CI (derandomized, ~400 z-checks, fixed outcome): 4 (two-sided tail 6e-5 per
# check). Nightly (randomized, ~10× the checks): 4.5 (7e-6 per check) keeps a correct formula's false-alarm
# rate per run near 2%.
K = 4.0 if settings.default.derandomize else 4.5

#: Largest fraction of "not informative" checks (allowance above the value) a property run may contain.
MAX_NOT_INFORMATIVE = 0.05


def examples(fraction: float) -> int:
    """A fraction of the active Hypothesis profile's budget (ci: 25, nightly: 250), at least 5."""
    return max(5, int(settings.default.max_examples * fraction))


def check_comparison(c, **info) -> None:
    """Assert a :class:`~symcollapse.compare.Comparison` did not fail; count the not-informative ones."""
    log_check(c.theory.regime.key, c.z, c.passed, kind=c.theory.kind, **info)
    CHECK_COUNTS["checks"] += 1
    CHECK_COUNTS["not_informative"] += c.passed is None
    assert c.passed is not False, f"{c.reason}\n{c.problem!r}"


def zscores(a, b) -> tuple[float, float]:
    """Difference of two samples' means and of their variances, in units of their standard errors."""
    z_mean = (a.mean() - b.mean()) / np.sqrt(a.var(ddof=1) / a.size + b.var(ddof=1) / b.size)

    def var_se2(x):
        # Var(s²) ≈ (m4 − s⁴)/N for iid data with a finite fourth moment
        m = x.mean()
        return (np.mean((x - m) ** 4) - x.var() ** 2) / x.size

    z_var = (a.var(ddof=1) - b.var(ddof=1)) / np.sqrt(var_se2(a) + var_se2(b))
    return z_mean, z_var



def assert_same_law(r, ref, n, z_max, ks_p_min, label) -> None:
    """A shared-randomness point ``r`` and an independent ``simulate`` run ``ref`` of the same problem: test errors
    and chain errors agree in mean and variance (|z| <= ``z_max``) and in distribution (KS p-value >=
    ``ks_p_min``); at n = 0 both chain errors are exactly 0."""
    for what in ("errors", "chain_errors"):
        a, b = getattr(r, what), getattr(ref, what)
        if n == 0 and what == "chain_errors":
            assert not a.any() and not b.any()
            continue
        z_mean, z_var = zscores(a, b)
        assert abs(z_mean) <= z_max, (*label, what, z_mean)
        assert abs(z_var) <= z_max, (*label, what, z_var)
        assert stats.ks_2samp(a, b).pvalue >= ks_p_min, (*label, what)
