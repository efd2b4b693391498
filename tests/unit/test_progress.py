"""The tqdm progress bar: redraws on a terminal, one final line in a log, nothing when disabled."""

import io

from symcollapse._progress import progress


class Tty(io.StringIO):
    def isatty(self):
        return True


def test_progress_writes_exactly_one_final_line_to_a_log():
    log = io.StringIO()
    with progress(5, "chain", True, stream=log) as advance:
        for _ in range(5):
            advance()
    out = log.getvalue()
    assert out.count("\n") == 1 and "\r" not in out
    assert out.startswith("chain") and "100%" in out and "5/5" in out


def test_progress_redraws_on_a_terminal():
    tty = Tty()
    with progress(5, "chain", True, stream=tty) as advance:
        for _ in range(5):
            advance()
    out = tty.getvalue()
    assert out.count("\r") >= 2 and "5/5" in out  # drawn at start, redrawn on the same line at the end


def test_progress_disabled_or_empty_writes_nothing():
    quiet = io.StringIO()
    with progress(5, "chain", False, stream=quiet) as advance:
        advance()
    with progress(0, "chain", True, stream=quiet) as advance:
        advance()
    assert quiet.getvalue() == ""


def test_progress_counts_partial_work_when_interrupted():
    log = io.StringIO()
    try:
        with progress(10, "grid", True, stream=log) as advance:
            advance(3)
            raise KeyboardInterrupt
    except KeyboardInterrupt:
        pass
    assert "3/10" in log.getvalue() and log.getvalue().count("\n") == 1
