"""The resumable result store of :func:`symcollapse.sweep.sweep`: one SQLite row per finished cell.

A cell is keyed by a content hash of everything its Monte-Carlo result depends on (the exact problem, reps,
seed, sampler, the block it shares randomness with, and the sampler version string); the caller computes the
key. Only the calling process writes, one transaction per finished task (a block, or part of a block of independent cells), so a process
killed at any moment (SIGKILL included: SQLite's write-ahead log drops a half-written transaction) loses at
most the tasks in flight.
Rows of another sampler version are never read (the version is part of the key and of the query), so an old
store is recomputed, never mixed.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from collections.abc import Iterable

from symcollapse.spec import SpecError

__all__ = ["Store", "FORMAT", "SCHEMA"]

FORMAT = "symcollapse-sweep-store"
SCHEMA = "1"


class Store:
    """An open store (use as a context manager, or call :meth:`close`).

    Parameters
    ----------
    path : str or os.PathLike
        SQLite file; created (with its folder's permission) when missing or empty.

    Raises
    ------
    SpecError
        The file exists but is not a SQLite database, or is a database that is not a symcollapse sweep store
        (or of an unknown schema); the message names the path.
    """

    def __init__(self, path):
        self.path = os.fspath(path)
        self._db = None
        fresh = not os.path.exists(self.path) or os.path.getsize(self.path) == 0
        try:
            self._db = sqlite3.connect(self.path, timeout=30)
            if fresh:
                self._create()
            else:
                self._check()  # before anything is written: a foreign file is left untouched
            # WAL with synchronous=NORMAL: a commit is one append, no fsync, yet it survives the process being
            # killed (SIGKILL included); only a power loss may drop the last commits, never corrupt the file.
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
        except sqlite3.DatabaseError as exc:
            self._close_quietly()
            raise SpecError(
                f"store {self.path!r} is not a symcollapse sweep store (SQLite says: {exc}); "
                "pass a new file name or delete the file"
            ) from None

    def _create(self) -> None:
        with self._db:
            self._db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
            self._db.execute(
                "CREATE TABLE cells (key TEXT PRIMARY KEY, sampler_version TEXT NOT NULL, "
                "result TEXT NOT NULL, created REAL NOT NULL)"
            )
            self._db.executemany("INSERT INTO meta VALUES (?, ?)", [("format", FORMAT), ("schema", SCHEMA)])

    def _check(self) -> None:
        tables = {r[0] for r in self._db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        meta = dict(self._db.execute("SELECT key, value FROM meta")) if "meta" in tables else {}
        if meta.get("format") != FORMAT or "cells" not in tables:
            self._close_quietly()
            raise SpecError(
                f"store {self.path!r} is a SQLite database but not a symcollapse sweep store (tables "
                f"{sorted(tables)}); pass a new file name"
            )
        if meta.get("schema") != SCHEMA:
            self._close_quietly()
            raise SpecError(
                f"store {self.path!r} has schema {meta.get('schema')!r}; this version reads schema {SCHEMA!r}"
            )

    def _broken(self, exc: Exception) -> SpecError:
        return SpecError(f"store {self.path!r} is damaged (SQLite says: {exc}); pass a new file name")

    def get(self, keys: Iterable[str], sampler_version: str) -> dict[str, dict]:
        """The stored results among ``keys`` written by ``sampler_version``."""
        try:
            return self._get(list(keys), sampler_version)
        except sqlite3.DatabaseError as exc:
            raise self._broken(exc) from None

    def _get(self, keys: list[str], sampler_version: str) -> dict[str, dict]:
        out = {}
        for i in range(0, len(keys), 500):  # SQLite's bound-parameter limit
            chunk = keys[i : i + 500]
            marks = ",".join("?" * len(chunk))
            rows = self._db.execute(
                f"SELECT key, result FROM cells WHERE sampler_version = ? AND key IN ({marks})",
                [sampler_version, *chunk],
            )
            out.update({k: json.loads(r) for k, r in rows})
        return out

    def put(self, results: dict[str, dict], sampler_version: str) -> None:
        """Write finished cells in one transaction (all or nothing)."""
        now = time.time()
        rows = [(k, sampler_version, json.dumps(v, allow_nan=True), now) for k, v in results.items()]
        try:
            with self._db:
                self._db.executemany("INSERT OR REPLACE INTO cells VALUES (?, ?, ?, ?)", rows)
        except sqlite3.DatabaseError as exc:
            raise self._broken(exc) from None

    def __len__(self) -> int:
        return int(self._db.execute("SELECT COUNT(*) FROM cells").fetchone()[0])

    def _close_quietly(self) -> None:
        try:
            if self._db is not None:
                self._db.close()
        except Exception:  # noqa: BLE001 - closing a broken handle must not hide the real error
            pass

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
