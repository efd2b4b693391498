"""Progress bars (tqdm): ``with progress(total, "label", enabled) as bar: bar(k)``.

One front end for every long call (``simulate``, ``sweep``, ``reproduce``): a redrawn bar with an ETA on a
terminal, a notebook bar in Jupyter (``tqdm.auto``), and a single final line on anything else (a log file,
CI), so logs do not fill with carriage returns.
"""

from __future__ import annotations

import sys
from contextlib import contextmanager

__all__ = ["progress"]


class _Discard:
    """A file that swallows tqdm's intermediate redraws (non-terminal streams get only the final line)."""

    def write(self, s: str) -> int:
        return len(s)

    def flush(self) -> None:
        pass


def _in_notebook() -> bool:
    # tqdm.autonotebook (behind tqdm.auto) binds the notebook front end exactly inside a Jupyter kernel
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from tqdm.autonotebook import tqdm as chosen
    from tqdm.std import tqdm as std

    return chosen is not std


@contextmanager
def progress(total: int, label: str = "", enabled: bool = True, stream=None):
    """Context manager yielding ``advance(k=1)``.

    Parameters
    ----------
    total : int
        Units of work (cells, replicates); nothing is shown when ``total <= 0``.
    label : str
        Text in front of the bar.
    enabled : bool
        ``False`` yields a no-op, so callers never branch on it.
    stream : file, optional
        Where to draw (default ``sys.stderr``). A terminal gets a live bar (at most 10 redraws a second),
        a non-terminal a single final line; with the default stream inside Jupyter, a notebook bar.
    """
    if not enabled or total <= 0:
        yield lambda k=1: None
        return
    from tqdm.std import tqdm as std_tqdm

    explicit = stream is not None
    stream = stream if explicit else sys.stderr
    isatty = getattr(stream, "isatty", None)
    interactive = bool(isatty and isatty())
    if not explicit and not interactive and _in_notebook():
        from tqdm.auto import tqdm as auto_tqdm

        bar = auto_tqdm(total=total, desc=label)
        interactive = True
    elif interactive:
        bar = std_tqdm(total=total, desc=label, file=stream, mininterval=0.1, dynamic_ncols=True)
    else:
        bar = std_tqdm(total=total, desc=label, file=_Discard(), mininterval=float("inf"))

    def advance(k: int = 1) -> None:
        bar.update(k)

    try:
        yield advance
    finally:
        bar.close()
        if not interactive:
            # tqdm's own formatting of the finished bar (count, elapsed, rate) as the one line of the log
            stream.write(str(bar) + "\n")
            stream.flush()
