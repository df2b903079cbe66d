"""The CUDA backend: the simulator suite (run in its own process) and the no-GPU error."""

import os
import pathlib
import subprocess
import sys

import numpy as np
import pytest

HERE = pathlib.Path(__file__).resolve().parent


def test_cuda_kernels_under_the_simulator():
    pytest.importorskip("numba_cuda", reason="needs numba-cuda (pip install 'numbarnn[cuda]')")
    env = dict(os.environ, NUMBA_ENABLE_CUDASIM="1", NUMBARNN_CUDA_TILE="4", NUMBARNN_THREADS_PER_BLOCK="32")
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-o", "addopts=",
                             str(HERE / "cuda_sim")], env=env, capture_output=True, text=True, cwd=HERE.parent)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
    assert " passed" in result.stdout and "skipped" not in result.stdout.splitlines()[-1]


def test_cuda_without_a_gpu_names_the_simulator():
    from numba.core import config
    if config.ENABLE_CUDASIM:
        pytest.skip("the simulator is on in this process")
    pytest.importorskip("numba_cuda")
    from numba import cuda
    if cuda.is_available():
        pytest.skip("a GPU is available here")
    import numbarnn
    with pytest.raises(RuntimeError, match="no usable CUDA GPU.*NUMBA_ENABLE_CUDASIM=1"):
        numbarnn.LSTM(2, 3, device="cuda")
    f = numbarnn.Forecaster(device="cuda", lookback=3, horizon=2, epochs=1)
    with pytest.raises(RuntimeError, match="no usable CUDA GPU.*NUMBA_ENABLE_CUDASIM=1"):
        f.fit(np.sin(np.arange(20.0)))
    assert not hasattr(f, "model_")  # nothing partly fitted is left behind
