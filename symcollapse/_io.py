"""Crash-safe output files: atomic single files and figure sets committed by a manifest written last.

Every file the package writes goes through :func:`atomic_write`: the bytes go to a temporary file in the
destination's own directory (so the final :func:`os.replace` is a same-filesystem rename, atomic on POSIX),
are flushed and fsynced, and only then renamed to the final name. A kill at any instant therefore leaves
either the old file or the new one under the final name, never a truncated one; a failure (full disk,
an exception, ``KeyboardInterrupt``) removes the temporary file.

A *set* (a figure's PNG, CSV and JSON) is written by :func:`write_set`:

1. every data file is written to a temporary file and fsynced;
2. the old manifest (the JSON) is removed, so no manifest ever vouches for files it did not hash;
3. the data files are renamed into place;
4. the new manifest, carrying the sha256 and size of each data file, is written atomically, last.

Steps 2–4 run with SIGINT and SIGTERM blocked (delivered right after), so only a SIGKILL or a power loss
can land between 2 and 4; that leaves data files without a manifest, which :func:`verify_set` reports as
an incomplete set. Whenever a manifest exists, the files it lists hash to what it says.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import signal
import tempfile
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import IO, Any

__all__ = ["atomic_write", "write_set", "verify_set", "sha256", "probe_writable", "TEMP_SUFFIX"]

TEMP_SUFFIX = ".partial"


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _fsync_dir(directory: Path) -> None:
    # The rename is durable only once the directory entry is on disk; not every platform allows it.
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:  # pragma: no cover - e.g. Windows
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover - some filesystems refuse fsync on directories
        pass
    finally:
        os.close(fd)


def _temp_for(path: Path) -> tuple[int, Path]:
    # Hidden name in the same directory: never mistaken for a final file, same filesystem for os.replace.
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=TEMP_SUFFIX, dir=path.parent)
    os.fchmod(fd, 0o666 & ~_umask())  # mkstemp creates 0600; give the file the usual permissions
    return fd, Path(tmp)


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike, mode: str = "w", *, fsync: bool = True, **open_kwargs: Any) -> Iterator[IO]:
    """Open a temporary file next to ``path``; on clean exit fsync it and rename it to ``path``.

    Parameters
    ----------
    path : path-like
        Final file name. Its directory must exist.
    mode : {"w", "wb"}
        Text or binary writing (text defaults to UTF-8 and ``newline=""`` unless given in ``open_kwargs``).
    fsync : bool
        Flush the data to disk before the rename (default), so a power loss cannot expose an empty file.

    Raises
    ------
    ValueError
        For a mode other than ``"w"``/``"wb"``.

    Notes
    -----
    On any exception (including ``KeyboardInterrupt``) the temporary file is removed and the previous
    file, if any, is left untouched.
    """
    if mode not in ("w", "wb"):
        raise ValueError(f"atomic_write: mode must be 'w' or 'wb', got {mode!r}")
    path = Path(path)
    if mode == "w":
        open_kwargs.setdefault("encoding", "utf-8")
        open_kwargs.setdefault("newline", "")
    fd, tmp = _temp_for(path)
    try:
        with os.fdopen(fd, mode, **open_kwargs) as fh:
            yield fh
            fh.flush()
            if fsync:
                os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    if fsync:
        _fsync_dir(path.parent)


def sha256(data: bytes) -> str:
    """Hex sha256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def _file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


@contextlib.contextmanager
def _signals_deferred():
    """Hold SIGINT and SIGTERM for the commit; a signal received meanwhile is re-raised right after.

    So a handled interruption never lands between the removal of the old manifest and the writing of
    the new one. A mask (``pthread_sigmask``) is not enough: a process-directed signal can be taken by
    another thread (BLAS, numba). Python handlers can be swapped only in the main thread; elsewhere, and
    for SIGKILL, the window stays (:func:`verify_set` reports it).
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    pending: list[int] = []
    previous = {}
    for sig in (signal.SIGINT, signal.SIGTERM):
        if signal.getsignal(sig) not in (signal.SIG_IGN, None):
            previous[sig] = signal.signal(sig, lambda signum, frame: pending.append(signum))
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        for sig in pending:
            signal.raise_signal(sig)


def write_set(directory: str | os.PathLike, files: Mapping[str, bytes], manifest: dict,
              manifest_name: str | None = None) -> Path:
    """Write ``files`` (name → bytes) and then their JSON manifest into ``directory``, crash-safely.

    Parameters
    ----------
    directory : path-like
        Existing output directory.
    files : mapping of str to bytes
        Data files of the set, by base name (e.g. ``{"fig1a.png": b"...", "fig1a.csv": b"..."}``).
    manifest : dict
        JSON-serialisable content of the manifest (seed, versions, parameters, ...). A ``"files"`` entry
        ``{name: {"sha256": ..., "bytes": ...}}`` is added (replacing any given one).
    manifest_name : str, optional
        Base name of the manifest; default ``<stem of the first file>.json``.

    Returns
    -------
    pathlib.Path
        The manifest's path.

    Notes
    -----
    Commit protocol in the module docstring: temporaries first, old manifest removed, data renamed,
    manifest last. At no instant does a manifest list a file whose bytes it did not hash.
    """
    directory = Path(directory)
    if not files:
        raise ValueError("write_set: a set needs at least one data file")
    names = list(files)
    for name in names:
        if Path(name).name != name or name.startswith("."):
            raise ValueError(f"write_set: file names must be plain base names, got {name!r}")
    manifest_name = manifest_name or f"{Path(names[0]).stem}.json"
    if manifest_name in files:
        raise ValueError(f"write_set: the manifest name {manifest_name!r} is also a data file")
    body = dict(manifest)
    body["files"] = {name: {"sha256": sha256(data), "bytes": len(data)} for name, data in files.items()}
    text = json.dumps(body, indent=2, allow_nan=False) + "\n"  # fail before touching anything
    temps: dict[str, Path] = {}
    try:
        for name, data in files.items():
            fd, tmp = _temp_for(directory / name)
            temps[name] = tmp
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
        with _signals_deferred():  # SIGINT/SIGTERM wait until the set is committed (a few renames)
            with contextlib.suppress(FileNotFoundError):
                os.unlink(directory / manifest_name)
            _fsync_dir(directory)
            for name in names:
                os.replace(temps[name], directory / name)
                del temps[name]  # renamed: no longer ours to remove
            _fsync_dir(directory)
            with atomic_write(directory / manifest_name, "w") as fh:
                fh.write(text)
    finally:
        for tmp in temps.values():  # only those not yet renamed (an error or an interruption)
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
    return directory / manifest_name


def verify_set(directory: str | os.PathLike, manifest_name: str, expected: tuple[str, ...] = ()) -> list[str]:
    """Problems of one set in ``directory`` (an empty list: absent or consistent).

    A set is consistent when its manifest parses and every file it lists exists with the recorded
    sha256 and size. Files of ``expected`` present without a manifest are reported (an interrupted write).
    """
    directory = Path(directory)
    mpath = directory / manifest_name
    if not mpath.exists():
        present = [n for n in expected if (directory / n).exists()]
        return [f"{', '.join(present)} present without the manifest {manifest_name} (interrupted write?)"] \
            if present else []
    try:
        listed = json.loads(mpath.read_text(encoding="utf-8"))["files"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return [f"{manifest_name} is not a valid manifest ({type(exc).__name__}: {exc})"]
    try:
        items = [(str(n), str(v["sha256"]), int(v["bytes"])) for n, v in listed.items()]
    except (KeyError, TypeError, ValueError, AttributeError):
        return [f"{manifest_name} records no sha256 of its files (written by an older version?)"]
    problems = []
    for name, digest, size in items:
        path = directory / name
        if not path.exists():
            problems.append(f"{name} listed in {manifest_name} is missing")
        elif path.stat().st_size != size or _file_sha256(path) != digest:
            problems.append(f"{name} does not match the sha256 recorded in {manifest_name}")
    return problems


def probe_writable(directory: str | os.PathLike) -> None:
    """Create ``directory`` if needed and check a file can be created in it; raise ``OSError`` if not.

    Uses a real file creation rather than :func:`os.access`, which ignores read-only mounts and is
    always true for root.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".symcollapse-probe.", suffix=TEMP_SUFFIX, dir=directory)
    os.close(fd)
    os.unlink(tmp)
