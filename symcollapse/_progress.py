"""A minimal progress bar on stderr (no dependency): ``with progress(total, "label", enabled) as bar: bar(k)``."""

from __future__ import annotations

import sys
import time
from contextlib import contextmanager


@contextmanager
def progress(total: int, label: str = "", enabled: bool = True, stream=None):
    """Context manager yielding ``advance(k=1)``; draws ``label [#####     ] 50% 3.2s`` at most 10×/s.

    Disabled (``enabled=False``) it yields a no-op, so callers never branch on it. When the stream is not a
    terminal (a log file, CI) only the final line is written, so logs do not fill with carriage returns.
    """
    stream = stream or sys.stderr
    if not enabled or total <= 0:
        yield lambda k=1: None
        return
    start = time.perf_counter()
    state = {"done": 0, "last": 0.0}
    isatty = getattr(stream, "isatty", None)
    interactive = bool(isatty and isatty())

    def draw(final: bool = False) -> None:
        if not (interactive or final):
            return
        frac = min(state["done"] / total, 1.0)
        width = 30
        filled = int(round(frac * width))
        elapsed = time.perf_counter() - start
        prefix = "\r" if interactive else ""
        stream.write(f"{prefix}{label} [{'#' * filled}{' ' * (width - filled)}] {frac:4.0%} {elapsed:6.1f}s")
        if final:
            stream.write("\n")
        stream.flush()

    def advance(k: int = 1) -> None:
        state["done"] += k
        now = time.perf_counter()
        if now - state["last"] > 0.1 or state["done"] >= total:
            state["last"] = now
            draw()

    draw()
    try:
        yield advance
    finally:
        draw(final=True)
