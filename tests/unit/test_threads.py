"""symcollapse._threads: one cached threadpoolctl controller, BLAS limited inside the context and restored."""

from __future__ import annotations

import sys
import types

import numpy  # noqa: F401  (loads the BLAS under test)
import pytest
import scipy.linalg  # noqa: F401

from symcollapse import _threads

threadpoolctl = pytest.importorskip("threadpoolctl")


def _blas_threads():
    return {i["filepath"]: i["num_threads"] for i in threadpoolctl.threadpool_info() if i["user_api"] == "blas"}


def test_one_blas_thread_limits_and_restores():
    before = _blas_threads()
    assert before, "numpy/scipy ship a BLAS: threadpoolctl must see it"
    with _threads.one_blas_thread():
        assert set(_blas_threads().values()) == {1}
    assert _blas_threads() == before


def test_blas_threads_sets_the_given_limit():
    with _threads.blas_threads(2):
        assert set(_blas_threads().values()) <= {1, 2}  # a library never gets more than the machine allows
    with _threads.blas_threads(1):
        assert set(_blas_threads().values()) == {1}


def test_controller_is_cached_and_rebuilt_after_new_imports():
    a = _threads.controller()
    assert _threads.controller() is a  # no rescan of the loaded libraries per call
    name = "_symcollapse_test_dummy_module"
    sys.modules[name] = types.ModuleType(name)
    try:
        assert _threads.controller() is not a  # a new import may have loaded another BLAS: rescan once
    finally:
        del sys.modules[name]


def test_nested_limit_already_in_force_sets_nothing(monkeypatch):
    """Inside one_blas_thread, blas_threads(1) neither sets nor restores any library (each set/restore pair
    cost ~0.15 ms per simulate call); a different limit still applies and is restored."""
    with _threads.one_blas_thread():
        calls = []
        for lib in _threads.controller().lib_controllers:
            monkeypatch.setattr(lib, "set_num_threads", lambda n, lib=lib: calls.append(n))
        with _threads.blas_threads(1):
            assert set(_blas_threads().values()) == {1}
        assert calls == []
        monkeypatch.undo()
        with _threads.blas_threads(2):
            pass
        assert set(_blas_threads().values()) == {1}
