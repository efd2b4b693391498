"""The property suite counts its Monte-Carlo checks whose allowance exceeds the value ("not informative",
``Comparison.passed is None``) and fails the run if they are 5 % or more of the checks."""

from _helpers import MAX_NOT_INFORMATIVE

from symcollapse.testing import CHECK_COUNTS

_MIN_CHECKS = 40  # below this a fraction says little (e.g. one test file run alone)


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    n, bad = CHECK_COUNTS["checks"], CHECK_COUNTS["not_informative"]
    if n:
        terminalreporter.write_line(f"Monte-Carlo checks: {n}, not informative (allowance > value): {bad} "
                                    f"({bad / n:.1%}; limit {MAX_NOT_INFORMATIVE:.0%})")


def pytest_sessionfinish(session, exitstatus):
    n, bad = CHECK_COUNTS["checks"], CHECK_COUNTS["not_informative"]
    if n >= _MIN_CHECKS and bad >= MAX_NOT_INFORMATIVE * n and exitstatus == 0:
        session.exitstatus = 1
