"""Benchmark settings: the peers' thread counts come from NUMBARNN_BENCH_THREADS (default 1)."""

import os

import pytest

THREADS = int(os.environ.get("NUMBARNN_BENCH_THREADS", "1"))


@pytest.fixture(scope="session")
def bench_threads():
    return THREADS


def pytest_benchmark_update_machine_info(config, machine_info):
    machine_info["bench_threads"] = THREADS
    machine_info["openblas_coretype"] = os.environ.get("OPENBLAS_CORETYPE", "(unset)")
    machine_info["batch_chunks"] = os.environ.get("NUMBARNN_BATCH_CHUNKS", "(default)")
