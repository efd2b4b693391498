"""``certify`` pauses the cyclic garbage collector while it evaluates (theory._precision.paused_gc) and always
restores it: nested, concurrent, and on an exception."""

import gc
import threading

import mpmath
import pytest

from symcollapse.theory._precision import certify, paused_gc


@pytest.fixture
def gc_on():
    was = gc.isenabled()
    gc.enable()
    yield
    (gc.enable if was else gc.disable)()


def test_certify_runs_with_the_collector_paused_and_restores_it(gc_on):
    seen = []

    def fn():
        seen.append(gc.isenabled())
        return {"x": mpmath.mpf(1) / 3}

    vals, digits = certify(fn, 20)
    assert seen == [False, False] and gc.isenabled()
    with mpmath.workdps(30):
        assert digits == 20 and abs(vals["x"] - mpmath.mpf(1) / 3) < mpmath.mpf(10) ** -19


def test_restored_after_an_exception_and_when_nested(gc_on):
    def boom():
        raise ZeroDivisionError("inside")

    with pytest.raises(ZeroDivisionError):
        certify(boom, 15)
    assert gc.isenabled()
    with paused_gc():
        with paused_gc():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the outer pause still holds
    assert gc.isenabled()


def test_a_disabled_collector_stays_disabled(gc_on):
    gc.disable()
    with paused_gc():
        pass
    assert not gc.isenabled()


def test_concurrent_pauses_restore_once_the_last_exits(gc_on):
    inside, release = threading.Event(), threading.Event()

    def worker():
        with paused_gc():
            inside.set()
            release.wait(10)

    t = threading.Thread(target=worker)
    t.start()
    assert inside.wait(10)
    with paused_gc():
        pass
    assert not gc.isenabled()  # the other thread's pause is still running
    release.set()
    t.join(10)
    assert gc.isenabled()
