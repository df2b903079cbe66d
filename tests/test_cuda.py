"""The CUDA backend: the simulator suite (run in its own process) and the no-GPU error."""

import pathlib

import numpy as np
import pytest
from children import Child, early, pytest_child

HERE = pathlib.Path(__file__).resolve().parent


# The simulator runs every CUDA thread of a block as a Python thread, pinned to one core (see children.py).
SIMULATOR = Child(pytest_child(HERE / "cuda_sim"), cwd=HERE.parent, needs=("numba_cuda",), one_core=True,
                  env={"NUMBA_ENABLE_CUDASIM": "1", "NUMBARNN_CUDA_TILE": "4", "NUMBARNN_THREADS_PER_BLOCK": "32"})


@early(SIMULATOR)
def test_cuda_kernels_under_the_simulator():
    pytest.importorskip("numba_cuda", reason="needs numba-cuda (pip install 'numbarnn[cuda]')")
    returncode, stdout, stderr = SIMULATOR.result()
    assert returncode == 0, stdout[-6000:] + stderr[-3000:]
    assert " passed" in stdout and "skipped" not in stdout.splitlines()[-1]


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
    X = np.random.default_rng(0).standard_normal((8, 5, 1))
    for est, data in ((numbarnn.Forecaster(device="cuda", lookback=3, horizon=2, epochs=1),
                       (np.sin(np.arange(20.0)),)),
                      (numbarnn.SequenceRegressor(device="cuda", epochs=1), (X, X.sum(axis=(1, 2)))),
                      (numbarnn.SequenceClassifier(device="cuda", epochs=1), (X, np.arange(8) % 2))):
        with pytest.raises(RuntimeError, match="no usable CUDA GPU.*NUMBA_ENABLE_CUDASIM=1"):
            est.fit(*data)
        assert not hasattr(est, "model_")  # nothing partly fitted is left behind


def test_torch_and_cupy_arrays_on_a_real_gpu():
    """On a real GPU: PyTorch CUDA tensors and CuPy arrays go in and come back as their own kind,
    with the CPU's numbers (the simulator suite covers numba device arrays; it has no CuPy or torch)."""
    from numba.core import config
    if config.ENABLE_CUDASIM:
        pytest.skip("the simulator is on in this process")
    pytest.importorskip("numba_cuda")
    from numba import cuda
    if not cuda.is_available():
        pytest.skip("needs a CUDA GPU")
    import numbarnn
    cpu = numbarnn.LSTM(3, 8, seed=0)
    gpu = numbarnn.LSTM(3, 8, device="cuda").load_state_dict(cpu.state_dict())
    rng = np.random.default_rng(0)
    x = rng.standard_normal((5, 2, 3)).astype("float32")
    g = rng.standard_normal((5, 2, 8)).astype("float32")
    o1, (h1, _), t1 = cpu.forward(x, lengths=[5, 3])
    d1 = cpu.backward(t1, g)
    kinds = []
    if _has("torch"):
        import torch
        if torch.cuda.is_available():
            kinds.append((lambda a: torch.as_tensor(a, device="cuda"), lambda a: a.cpu().numpy(), torch.Tensor))
    if _has("cupy"):
        import cupy
        kinds.append((cupy.asarray, cupy.asnumpy, cupy.ndarray))
    if not kinds:
        pytest.skip("needs PyTorch with CUDA or CuPy")
    for to_gpu, to_host, kind in kinds:
        o2, (h2, _), t2 = gpu.forward(to_gpu(x), lengths=[5, 3])
        d2 = gpu.backward(t2, to_gpu(g))
        assert isinstance(o2, kind) and isinstance(h2, kind) and isinstance(d2["input"], kind)
        np.testing.assert_allclose(to_host(o2), o1, rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(to_host(h2), h1, rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(to_host(d2["input"]), d1["input"], rtol=1e-4, atol=1e-4)
        np.testing.assert_allclose(d2["weight_hh_l0"], d1["weight_hh_l0"], rtol=1e-4, atol=1e-4)


def _has(module):
    import importlib.util
    return importlib.util.find_spec(module) is not None
