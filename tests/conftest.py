"""Shared test configuration.

Hypothesis profiles (select with the environment variable ``HYPOTHESIS_PROFILE``):

* ``ci`` (default) — derandomized (fixed seed, failures replay identically), no example database, no
  deadline (numba compiles on first call), modest example counts so the suite fits CI's budget.
* ``nightly`` — randomized, 10× more examples, for a long exploratory run.
"""

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    derandomize=True,
    database=None,
    deadline=None,
    max_examples=25,
    suppress_health_check=[HealthCheck.too_slow],
    print_blob=True,
)
settings.register_profile(
    "nightly",
    derandomize=False,
    deadline=None,
    max_examples=250,
    suppress_health_check=[HealthCheck.too_slow],
    print_blob=True,
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
