"""The stderr progress bar: redraws on a terminal, one line in a log, nothing when disabled."""

import io

from symcollapse._progress import progress


def test_progress_bar_writes_one_line_to_a_log_and_redraws_on_a_terminal():
    log = io.StringIO()
    with progress(5, "chain", True, stream=log) as advance:
        for _ in range(5):
            advance()
    assert log.getvalue().count("\n") == 1 and "\r" not in log.getvalue()
    assert "100%" in log.getvalue()

    class Tty(io.StringIO):
        def isatty(self):
            return True

    tty = Tty()
    with progress(5, "chain", True, stream=tty) as advance:
        for _ in range(5):
            advance()
    assert tty.getvalue().count("\r") >= 2  # drawn at start, redrawn at the end on the same line
    quiet = io.StringIO()
    with progress(5, "chain", False, stream=quiet) as advance:
        advance()
    assert quiet.getvalue() == ""
