"""Shared machinery of the fuzz scripts: one persistent worker process with a per-call timeout.

Each call is sent to a long-lived worker (``multiprocessing``, spawn context) and awaited for at most
``timeout`` seconds; a call that does not answer is counted as a hang, the worker is killed and a fresh one
started. No subprocess is spawned per call, so thousands of calls stay cheap.

The package under test is the one found under ``--root`` (default: the current directory), so the same
script measures a baseline checkout and a working tree: ``cd /path/to/checkout && python
/path/to/benchmarks/fuzz_predict.py``. The summary records which ``symcollapse`` was imported.
"""

from __future__ import annotations

import json
import math
import multiprocessing as mp
import os
import platform
import sys
import tempfile
import time
import traceback
import warnings
from pathlib import Path


def use_root(root: str | None) -> str:
    """Put ``root`` (default: cwd) first on ``sys.path`` so ``import symcollapse`` finds that checkout."""
    root = os.path.abspath(root or os.getcwd())
    if root not in sys.path[:1]:
        sys.path.insert(0, root)
    return root


def _serve(conn, root: str, warmup) -> None:
    use_root(root)
    warnings.simplefilter("ignore")  # warnings are data here, not noise on the terminal
    import symcollapse  # noqa: F401, PLC0415

    if warmup is not None:  # imports and JIT compilation happen here, outside every timed call
        try:
            warmup()
        except Exception:  # noqa: BLE001, S110  (a failing warm-up shows up again in the first real call)
            pass
    conn.send({"ready": True})

    while True:
        try:
            msg = conn.recv()
        except EOFError:
            return
        fn, payload = msg
        t = time.perf_counter()
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                value = fn(payload)
            out = {"status": "returned", "value": value, "warnings": [str(w.message)[:200] for w in caught]}
        except BaseException as exc:  # noqa: BLE001  (classifying every exception is the point)
            out = {
                "status": "raised",
                "type": type(exc).__name__,
                "value_error": isinstance(exc, ValueError),
                "message": str(exc)[:400],
                "where": traceback.format_exc(limit=-2)[-600:],
            }
        out["seconds"] = time.perf_counter() - t
        conn.send(out)


class Worker:
    """A persistent worker process; :meth:`call` returns its answer or ``{"status": "hang"}``."""

    def __init__(self, root: str, warmup=None):
        self.root = root
        self.warmup = warmup
        self.ctx = mp.get_context("spawn")
        self.proc = None
        self.restarts = 0

    def _start(self) -> None:
        parent, child = self.ctx.Pipe()
        self.proc = self.ctx.Process(target=_serve, args=(child, self.root, self.warmup), daemon=True)
        self.proc.start()
        child.close()
        self.conn = parent
        if not parent.poll(900) or not parent.recv().get("ready"):
            raise RuntimeError("the fuzz worker did not start within 900 s")

    def call(self, fn, payload, timeout: float) -> dict:
        if self.proc is None or not self.proc.is_alive():
            self._start()
        self.conn.send((fn, payload))
        if self.conn.poll(timeout):
            try:
                return self.conn.recv()
            except EOFError:
                pass  # the worker died mid-call (e.g. a segfault): counted as a crash
            self.stop()
            return {"status": "crash", "seconds": timeout}
        self.stop()
        self.restarts += 1
        return {"status": "hang", "seconds": timeout}

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.kill()  # only this worker, started by this script, by its own handle
            self.proc.join(5)
            self.proc = None


def finite_nonneg(x) -> bool:
    try:
        v = float(x)
    except (TypeError, ValueError, OverflowError):
        return False
    return math.isfinite(v) and v >= 0


def header(name: str, args, root: str) -> dict:
    import numpy  # noqa: PLC0415

    import symcollapse  # noqa: PLC0415

    return {
        "script": name,
        "n": args.n,
        "seed": args.seed,
        "root": root,
        "symcollapse_file": symcollapse.__file__,
        "python": platform.python_version(),
        "numpy": numpy.__version__,
        "loadavg_start": os.getloadavg(),
        "started": time.strftime("%Y-%m-%d %H:%M:%S"),
    }


def write_json(summary: dict, path: str | None, quiet: bool = False) -> None:
    """Print the summary (unless ``quiet``); with ``path``, also write it (temp file in the same folder, then
    os.replace)."""
    text = json.dumps(summary, indent=2, default=str)
    if not quiet:
        print(text)
    if path:
        target = Path(path).resolve()
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w") as fh:
                fh.write(text + "\n")
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, target)
        except BaseException:
            os.unlink(tmp)
            raise
