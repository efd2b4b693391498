"""Executors: in-process, a process pool, a thread pool, and a real Dask LocalCluster give the same table."""

from concurrent.futures import ThreadPoolExecutor

import pandas as pd
import pytest

from symcollapse.cli import main
from symcollapse.spec import Chain, Problem, Ridge, Spectrum, Target
from symcollapse.sweep import sweep

GRID = {"T": [30, 60], "n": [0, 3], "lam": [1e-2, 1e-1], "design": ["independent", "shared"]}  # 4 blocks

CLI_CONFIG = """
[problem]
spectrum = {kind = "isotropic", d = 20}
target = {kind = "isotropic", norm = 1}
chain = {n = 1, T0 = 40, sigma0 = 0.2}
downstream = {T = 60, sigma = 0.1, lam = 0.01}

[grid]
n = [0, 2]
lam = [0.01, 0.1]

[run]
reps = 20
progress = false
"""


def _base():
    return Problem(
        Spectrum.isotropic(20),
        Target.isotropic(norm=1),
        Chain(n=1, T0=40, sigma0=0.2),
        Ridge(T=60, sigma=0.1, lam=1e-2),
    )


def _run(executor, shared=True):
    return sweep(_base(), GRID, reps=20, seed=9, executor=executor, shared=shared, progress=False)


@pytest.fixture(scope="module")
def in_process():
    return {True: _run(None, True), False: _run(None, False)}


@pytest.mark.parametrize("shared", [True, False])
def test_thread_pool_gives_the_in_process_table(in_process, shared):
    with ThreadPoolExecutor(2) as pool:
        df = _run(pool, shared)
    pd.testing.assert_frame_equal(df, in_process[shared])  # bit for bit, every column
    assert df.attrs["executor"] == "ThreadPoolExecutor"


def test_process_pool_gives_the_in_process_table(in_process):
    df = _run("processes")
    pd.testing.assert_frame_equal(df, in_process[True])
    assert df.attrs["executor"] == "processes"


def test_dask_local_cluster_with_two_workers_gives_the_in_process_table(in_process, tmp_path):
    distributed = pytest.importorskip("distributed")
    import dask

    from symcollapse._executors import PINNED_ENV

    env = {**dask.config.get("distributed.nanny.pre-spawn-environ", {}), **PINNED_ENV}
    with dask.config.set({"distributed.nanny.pre-spawn-environ": env}):
        cluster = distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        )
    with cluster, distributed.Client(cluster) as client:
        df = _run(client)
        pd.testing.assert_frame_equal(df, in_process[True])  # bit for bit, MC columns included
        assert df.attrs["executor"] == "dask"
        # the tasks really ran on the workers, pinned to one numba thread
        threads = client.run(lambda: __import__("os").environ.get("NUMBA_NUM_THREADS"))
        assert len(threads) == 2 and set(threads.values()) == {"1"}
        # executor="dask" finds the same scheduler through Dask's configuration (DASK_SCHEDULER_ADDRESS)
        with dask.config.set({"scheduler-address": cluster.scheduler_address}):
            again = _run("dask", shared=False)
        pd.testing.assert_frame_equal(again, in_process[False])
        # the CLI's --scheduler ADDRESS runs the same config on that cluster
        cfg = tmp_path / "cfg.toml"
        cfg.write_text(CLI_CONFIG)
        out = tmp_path / "t.csv"
        assert main(["sweep", str(cfg), "--out", str(out), "--scheduler", cluster.scheduler_address]) == 0
        assert main(["sweep", str(cfg), "--out", str(tmp_path / "local.csv")]) == 0
        pd.testing.assert_frame_equal(pd.read_csv(out), pd.read_csv(tmp_path / "local.csv"))
