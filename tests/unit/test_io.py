"""Crash-safe outputs (issue 14 item 5): atomic files, figure sets committed by a manifest, interruption.

The kill test runs ``reproduce fig1b --quick`` in a subprocess and sends SIGKILL, SIGTERM or SIGINT at a
random instant, half of them inside the write phase (widened by a driver that sleeps before each rename
and fsync). After every kill: no final-named file is truncated, and a manifest, when present, hashes
exactly the files beside it. ``SYMCOLLAPSE_KILL_TRIALS`` sets the trials per signal of the slow variant.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from symcollapse._io import TEMP_SUFFIX, atomic_write, probe_writable, verify_set, write_set

ROOT = Path(__file__).resolve().parents[2]
PNG_END = b"IEND\xaeB`\x82"


# ---------------------------------------------------------------- atomic_write / write_set / verify_set


def test_atomic_write_replaces_only_on_success(tmp_path):
    p = tmp_path / "a.txt"
    p.write_text("old")
    with pytest.raises(RuntimeError), atomic_write(p, "w") as fh:
        fh.write("half of the new cont")
        raise RuntimeError("boom")
    assert p.read_text() == "old"
    assert not [q for q in tmp_path.iterdir() if q.name.endswith(TEMP_SUFFIX)]  # temporary removed
    with atomic_write(p, "wb") as fh:
        fh.write(b"new")
    assert p.read_bytes() == b"new"
    assert oct(p.stat().st_mode & 0o777) == oct(0o666 & ~_umask())


def _umask():
    m = os.umask(0)
    os.umask(m)
    return m


def test_atomic_write_rejects_other_modes(tmp_path):
    with pytest.raises(ValueError, match="mode"), atomic_write(tmp_path / "x", "a"):
        pass


def test_atomic_write_on_a_full_disk_leaves_the_old_file(tmp_path, monkeypatch):
    p = tmp_path / "f.csv"
    p.write_text("complete old file\n")

    def full(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(OSError, match="No space"), atomic_write(p, "w") as fh:
        fh.write("x" * 10000)
    assert p.read_text() == "complete old file\n"
    assert sorted(q.name for q in tmp_path.iterdir()) == ["f.csv"]


def test_write_set_manifest_hashes_the_files(tmp_path):
    m = write_set(tmp_path, {"f.png": b"\x89PNG...", "f.csv": b"a,b\n1,2\n"}, {"seed": 3})
    assert m == tmp_path / "f.json"
    body = json.loads(m.read_text())
    assert body["seed"] == 3 and set(body["files"]) == {"f.png", "f.csv"}
    assert body["files"]["f.csv"]["bytes"] == 8
    assert verify_set(tmp_path, "f.json") == []
    (tmp_path / "f.csv").write_bytes(b"a,b\n1,3\n")  # same size, other bytes
    assert verify_set(tmp_path, "f.json") == ["f.csv does not match the sha256 recorded in f.json"]
    (tmp_path / "f.png").unlink()
    assert any("missing" in p for p in verify_set(tmp_path, "f.json"))
    (tmp_path / "f.json").unlink()
    assert "without the manifest" in verify_set(tmp_path, "f.json", expected=("f.png", "f.csv"))[0]
    (tmp_path / "f.json").write_text('{"files": {"png": "f.png"}}')  # the format before manifests
    assert "records no sha256" in verify_set(tmp_path, "f.json")[0]
    (tmp_path / "f.json").write_text("{not json")
    assert "not a valid manifest" in verify_set(tmp_path, "f.json")[0]


def test_write_set_failure_midway_keeps_no_manifest_over_foreign_files(tmp_path, monkeypatch):
    write_set(tmp_path, {"g.png": b"one", "g.csv": b"one"}, {"run": 1})
    real = os.replace
    calls = []

    def fail_second(a, b):
        calls.append(b)
        if len(calls) == 2:
            raise KeyboardInterrupt
        real(a, b)

    monkeypatch.setattr(os, "replace", fail_second)
    with pytest.raises(KeyboardInterrupt):
        write_set(tmp_path, {"g.png": b"two", "g.csv": b"two"}, {"run": 2})
    monkeypatch.setattr(os, "replace", real)
    # PNG of run 2 beside the CSV of run 1 — and no manifest claiming either: reported, not trusted
    assert not (tmp_path / "g.json").exists()
    assert verify_set(tmp_path, "g.json", expected=("g.png", "g.csv"))
    assert not [q for q in tmp_path.iterdir() if q.name.endswith(TEMP_SUFFIX)]


def test_write_set_on_a_full_disk_keeps_the_old_set(tmp_path, monkeypatch):
    write_set(tmp_path, {"h.png": b"old png", "h.csv": b"old csv"}, {"run": 1})

    def full(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(OSError, match="No space"):
        write_set(tmp_path, {"h.png": b"new png", "h.csv": b"new csv"}, {"run": 2})
    monkeypatch.undo()
    assert verify_set(tmp_path, "h.json") == [] and (tmp_path / "h.png").read_bytes() == b"old png"
    assert sorted(q.name for q in tmp_path.iterdir()) == ["h.csv", "h.json", "h.png"]


def test_a_signal_during_the_commit_is_delivered_after_it(tmp_path, monkeypatch):
    write_set(tmp_path, {"s.png": b"old", "s.csv": b"old"}, {"run": 1})
    got = []

    class Stop(BaseException):
        pass

    def handler(signum, frame):
        got.append(signum)
        raise Stop

    previous = signal.signal(signal.SIGTERM, handler)
    real = os.replace

    def replace_and_signal(a, b):
        if not got and b.name == "s.png":
            os.kill(os.getpid(), signal.SIGTERM)  # arrives between the removal of the old manifest and the new
        real(a, b)

    monkeypatch.setattr(os, "replace", replace_and_signal)
    try:
        with pytest.raises(Stop):
            write_set(tmp_path, {"s.png": b"new", "s.csv": b"new"}, {"run": 2})
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert got == [signal.SIGTERM]
    assert verify_set(tmp_path, "s.json") == [] and json.loads((tmp_path / "s.json").read_text())["run"] == 2


def test_write_set_rejects_bad_names_and_non_json_manifests(tmp_path):
    with pytest.raises(ValueError, match="base names"):
        write_set(tmp_path, {"../x.csv": b""}, {})
    with pytest.raises(ValueError):
        write_set(tmp_path, {"x.csv": b""}, {"v": float("nan")})
    assert list(tmp_path.iterdir()) == []


def test_probe_writable_creates_and_cleans(tmp_path):
    probe_writable(tmp_path / "new" / "dir")
    assert (tmp_path / "new" / "dir").is_dir() and list((tmp_path / "new" / "dir").iterdir()) == []


# ---------------------------------------------------------------- reproduce: checks before any computation

pytest.importorskip("matplotlib")


@pytest.fixture
def no_compute(monkeypatch):
    """Make any experiment run fail the test: the checks must come before computing."""
    import symcollapse._cli.reproduce as rep

    def boom(*a, **k):
        raise AssertionError("computation started before the checks")

    monkeypatch.setattr(rep, "reproduce", boom)
    return rep


def _main(argv):
    from symcollapse.cli import main

    return main(argv)


def test_out_under_a_file_is_refused_before_computing(tmp_path, capsys, no_compute):
    (tmp_path / "f").write_text("")
    assert _main(["reproduce", "fig1a", "--out", str(tmp_path / "f" / "sub")]) == 2
    err = capsys.readouterr().err
    assert "--out" in err and "not writable" in err and "Traceback" not in err


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores directory permissions")
def test_read_only_out_is_refused_before_computing(tmp_path, capsys, no_compute):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        assert _main(["reproduce", "fig1a", "--out", str(ro)]) == 2
    finally:
        ro.chmod(0o700)
    assert "not writable" in capsys.readouterr().err


def test_read_only_filesystem_is_refused_before_computing(tmp_path, capsys, no_compute, monkeypatch):
    # As root a chmod does not make a directory read-only; simulate a read-only mount (EROFS) instead.
    import tempfile

    def erofs(*a, **k):
        raise OSError(30, "Read-only file system")

    monkeypatch.setattr(tempfile, "mkstemp", erofs)
    assert _main(["reproduce", "all", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "Read-only file system" in err and "--out" in err


@pytest.mark.parametrize(("hidden", "figure", "hint"), [
    ("matplotlib", "fig1a", 'pip install -e ".[plot]"'),
    ("matplotlib", "fig1a", "pip install matplotlib"),
    ("sklearn", "fig4", 'pip install -e ".[data]"'),
])
def test_missing_optional_dependency_is_detected_before_computing(tmp_path, capsys, no_compute, monkeypatch,
                                                                  hidden, figure, hint):
    monkeypatch.setitem(sys.modules, hidden, None)  # makes `import hidden` raise ImportError
    assert _main(["reproduce", figure, "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert hint in err and hidden in err and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


def test_sklearn_is_not_required_with_a_local_data_file(tmp_path, monkeypatch):
    import symcollapse._cli.reproduce as rep

    monkeypatch.setitem(sys.modules, "sklearn", None)
    assert rep.missing_dependencies(("fig4", "fig5"), data="x.npz") == []
    assert rep.missing_dependencies(("fig1a",), data=None) == []
    assert len(rep.missing_dependencies(("fig5",), data=None)) == 1


def test_keyboard_interrupt_exits_130_with_one_line(tmp_path, capsys, monkeypatch):
    import symcollapse._cli.reproduce as rep

    def interrupted(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(rep, "reproduce", interrupted)
    assert _main(["reproduce", "fig1a", "--out", str(tmp_path)]) == 130
    err = capsys.readouterr().err
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1 and "SIGINT" in lines[0] and "Traceback" not in err


def test_verify_reports_a_mismatching_set(tmp_path, capsys):
    write_set(tmp_path, {"fig2.png": b"x", "fig2.csv": b"y"}, {})
    assert _main(["reproduce", "all", "--verify", "--out", str(tmp_path)]) == 0
    (tmp_path / "fig2.csv").write_bytes(b"z")
    assert _main(["reproduce", "all", "--verify", "--out", str(tmp_path)]) == 1
    assert "fig2.csv does not match" in capsys.readouterr().err


# ---------------------------------------------------------------- the kill test

_DRIVER = textwrap.dedent("""
    import json, os, signal, sys, time
    delay, timing = float(sys.argv[1]), sys.argv[2]
    # a shell's background job starts with SIGINT ignored; a user's Ctrl-C reaches a foreground process
    signal.signal(signal.SIGINT, signal.default_int_handler)
    import matplotlib.pyplot  # noqa: F401  (imports done before "ready": the signal hits the run itself)
    import symcollapse._cli.reproduce as rep, symcollapse._io as sio
    import symcollapse.experiments.fig1b, symcollapse.plot, symcollapse.simulate.monte_carlo  # noqa: F401
    import symcollapse.theory.evaluate  # noqa: F401
    from symcollapse.cli import main
    real_replace, real_fsync, real_write_set = os.replace, os.fsync, sio.write_set
    def slow(f):
        def g(*a):
            time.sleep(delay)  # widen the windows between the commit steps
            return f(*a)
        return g
    os.replace, os.fsync = slow(real_replace), slow(real_fsync)
    t0 = time.perf_counter()
    def timed(*a, **k):
        start = time.perf_counter() - t0
        print("writing", flush=True)  # the parent times write-phase kills from this line
        out = real_write_set(*a, **k)
        with open(timing, "w") as fh:
            json.dump([start, time.perf_counter() - t0], fh)
        return out
    sio.write_set = timed
    print("ready", flush=True)
    sys.exit(main(sys.argv[3:]))
""")


def _start(out: Path, seed: int, timing: Path, delay: float):
    argv = [sys.executable, "-c", _DRIVER, str(delay), str(timing), "reproduce", "fig1b", "--quick", "--reps", "2",
            "--seed", str(seed), "--no-progress", "--out", str(out)]
    proc = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout.readline().strip() == b"ready"
    return proc, time.perf_counter()


def _check_directory(out: Path, stats: dict) -> None:
    """The invariants after any interruption; counts the state the directory was left in."""
    png, csv_path, js = out / "fig1b.png", out / "fig1b.csv", out / "fig1b.json"
    if png.exists():
        data = png.read_bytes()
        assert data.startswith(b"\x89PNG") and data.endswith(PNG_END), "truncated PNG under its final name"
    rows = None
    if csv_path.exists():
        text = csv_path.read_text()
        assert text.endswith("\n")
        rows = list(csv.DictReader(io.StringIO(text)))
        assert rows and all(r["figure"] == "fig1b" and r["value"] for r in rows), "truncated CSV"
    if js.exists():
        manifest = json.loads(js.read_text())  # parses: never truncated
        assert verify_set(out, "fig1b.json") == [], "manifest does not match the files beside it (mixed set)"
        assert rows is not None and len(rows) == manifest["rows"]
        stats["complete set"] += 1
    elif png.exists() or csv_path.exists():
        stats["data without manifest (reported)"] += 1
    else:
        stats["empty"] += 1
    stats["temporaries left"] += sum(1 for q in out.iterdir() if q.name.endswith(TEMP_SUFFIX))


def _wait_for_line(proc, expected: bytes, timeout: float) -> bool:
    """Read the child's stdout until ``expected`` (True) or its end / ``timeout`` (False)."""
    import selectors

    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ)
    end = time.perf_counter() + timeout
    while time.perf_counter() < end:
        if not sel.select(timeout=max(0.0, end - time.perf_counter())):
            break
        line = proc.stdout.readline()
        if not line:
            return False
        if line.strip() == expected:
            return True
    return False


def kill_trials(tmp_path: Path, trials: int, signals=(signal.SIGKILL, signal.SIGTERM, signal.SIGINT),
                delay: float = 0.05, seed: int = 0) -> dict:
    """Run ``trials`` interrupted reproductions per signal; return the counts of the states left behind.

    Even trials: the signal at a uniform instant of the write phase (timed from the child's "writing"
    line; the phase lasts about 10 delayed renames/fsyncs). Odd trials: at a uniform instant of the whole
    run (its length measured by an uninterrupted calibration run). A child that ends first is counted.
    With one trial per signal only the write phase is targeted and no calibration is needed.
    """
    rng = random.Random(seed)
    out, timing = tmp_path / "out", tmp_path / "timing.json"
    window = 12 * delay  # the write phase: ~10 delayed fsyncs/renames
    duration = 0.0
    if trials > 1:  # calibration for the uniform-instant trials: an uninterrupted run
        proc, t0 = _start(out, 0, timing, delay)
        assert proc.wait(timeout=300) == 0, proc.stderr.read().decode()
        duration = time.perf_counter() - t0
        w0, w1 = json.loads(timing.read_text())
        window = w1 - w0
    counts: dict = {}
    for sig in signals:
        stats = dict.fromkeys(("trials", "interrupted", "finished first", "signal after completion", "complete set",
                               "data without manifest (reported)", "empty", "temporaries left"), 0)
        for i in range(trials):
            proc, t0 = _start(out, i + 1, timing, delay)
            if i % 2 == 0:
                if _wait_for_line(proc, b"writing", timeout=300):
                    _sleep_unless_done(proc, rng.uniform(0.0, 1.2 * window))
            else:
                _sleep_unless_done(proc, rng.uniform(0.1, duration))
            if proc.poll() is None:
                proc.send_signal(sig)
            rc = proc.wait(timeout=300)
            err = proc.stderr.read().decode()
            completed = b"fig1b:" in proc.stdout.read()  # the run had finished its work and reported it
            stats["trials"] += 1
            if rc == 0:
                stats["finished first"] += 1
            elif completed and rc in (-int(sig), 130, 143):
                # the signal hit the interpreter's shutdown, after reproduce returned: the set is complete
                stats["signal after completion"] += 1
            else:
                stats["interrupted"] += 1
                expected = {signal.SIGKILL: -9, signal.SIGTERM: 143, signal.SIGINT: 130}[sig]
                assert rc == expected, (sig, rc, err)
                if sig != signal.SIGKILL:
                    assert "Traceback" not in err, err
                    lines = [ln for ln in err.splitlines() if ln.strip() and "warning:" not in ln]
                    assert len(lines) == 1 and "interrupted by" in lines[0], err
            _check_directory(out, stats)
            if sig != signal.SIGKILL:
                # a handled signal runs the cleanup: no temporary file survives it
                assert not [q for q in out.iterdir() if q.name.endswith(TEMP_SUFFIX)]
            for q in out.iterdir():  # start the next trial from the set alone (SIGKILL leaves temporaries)
                if q.name.endswith(TEMP_SUFFIX):
                    q.unlink()
        counts[signal.Signals(sig).name] = stats
    return counts


def _sleep_unless_done(proc, seconds: float) -> None:
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=seconds)


def test_kill_during_reproduce_never_leaves_a_truncated_file_or_mixed_set(tmp_path):
    counts = kill_trials(tmp_path, trials=1)  # one per signal, inside the write phase; more in the slow variant
    assert sum(s["interrupted"] + s["signal after completion"] for s in counts.values()) >= 2


@pytest.mark.slow
def test_kill_during_reproduce_many_trials(tmp_path):
    trials = int(os.environ.get("SYMCOLLAPSE_KILL_TRIALS", "20"))
    counts = kill_trials(tmp_path, trials=trials, seed=1)
    print(json.dumps(counts, indent=1))
    assert all(s["interrupted"] >= trials // 3 for s in counts.values())
