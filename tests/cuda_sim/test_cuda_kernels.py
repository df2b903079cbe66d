"""CUDA kernels against the CPU kernels, every cell, forward and backward.

Runs on a real GPU when one is usable, otherwise under Numba's CUDA simulator
(``NUMBA_ENABLE_CUDASIM=1`` set before numba is imported; tests/test_cuda.py
launches this module that way with small tiles and blocks). Sizes stay small
(T = 5, B = 2, H = 6) because every simulated thread is a Python thread:
float64 runs are stacked (2 layers), float32 runs bidirectional, all with
variable lengths, so every cell is covered both ways in about a minute.
"""

import numpy as np
import pytest
from numba.core import config as numba_config

if not numba_config.ENABLE_CUDASIM:
    from numba import cuda

    if not cuda.is_available():
        pytest.skip("needs a CUDA GPU or NUMBA_ENABLE_CUDASIM=1", allow_module_level=True)

import numbarnn  # noqa: E402
from numbarnn import functional_cuda  # noqa: E402

CELLS = [(numbarnn.RNN, {"nonlinearity": "tanh"}), (numbarnn.RNN, {"nonlinearity": "relu"}),
         (numbarnn.LSTM, {}), (numbarnn.GRU, {})]
IDS = ["rnn_tanh", "rnn_relu", "lstm", "gru"]


def _pair(cls, kwargs, dtype, **net):
    cpu = cls(3, 6, dtype=dtype, seed=0, **kwargs, **net)
    gpu = cls(3, 6, dtype=dtype, device="cuda", **kwargs, **net)
    gpu.load_state_dict(cpu.state_dict())
    return cpu, gpu


def _compare(cpu, gpu, tol, lengths=(5, 3)):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((5, 2, 3)).astype(cpu.dtype)
    o1, s1, t1 = cpu.forward(x, lengths=list(lengths))
    o2, s2, t2 = gpu.forward(x, lengths=list(lengths))
    np.testing.assert_allclose(o2, o1, **tol)
    for a, b in zip(s1 if isinstance(s1, tuple) else (s1,), s2 if isinstance(s2, tuple) else (s2,)):
        np.testing.assert_allclose(b, a, **tol)
    g = np.cos(o1).astype(cpu.dtype)
    g1, g2 = cpu.backward(t1, g), gpu.backward(t2, g)
    for name in (*cpu.params, "input"):
        scale = max(1.0, float(np.abs(g1[name]).max()))
        np.testing.assert_allclose(g2[name], g1[name], rtol=tol["rtol"], atol=tol["atol"] * scale, err_msg=name)
    for a, b in zip(g1["state"] if isinstance(g1["state"], tuple) else (g1["state"],),
                    g2["state"] if isinstance(g2["state"], tuple) else (g2["state"],)):
        np.testing.assert_allclose(b, a, **tol)


@pytest.mark.parametrize("cls,kwargs", CELLS, ids=IDS)
def test_float64_matches_cpu(cls, kwargs):
    cpu, gpu = _pair(cls, kwargs, "float64", num_layers=2)
    _compare(cpu, gpu, dict(rtol=1e-10, atol=1e-12))


@pytest.mark.parametrize("cls,kwargs", CELLS, ids=IDS)
def test_float32_matches_cpu(cls, kwargs):
    cpu, gpu = _pair(cls, kwargs, "float32", bidirectional=True, bias=False)
    _compare(cpu, gpu, dict(rtol=1e-4, atol=1e-5), lengths=(5, 2))


def test_single_block_grid(monkeypatch):
    monkeypatch.setattr(functional_cuda, "MAX_BLOCKS", 1)
    cpu, gpu = _pair(numbarnn.LSTM, {}, "float64")
    _compare(cpu, gpu, dict(rtol=1e-10, atol=1e-12))
