"""The float32 fast activations: measured error bound, NaN/inf semantics, float64 exactness."""

import numpy as np
import pytest
from numba import njit

from numbarnn.kernels.cpu.activations import (TANH32_MAX_ABS_ERROR, relu, relu_grad, sigmoid, tanh)


@njit
def _apply(fn_id, x, out):
    for i in range(x.shape[0]):
        if fn_id == 0:
            out[i] = tanh(x[i])
        elif fn_id == 1:
            out[i] = sigmoid(x[i])
        elif fn_id == 2:
            out[i] = relu(x[i])
        else:
            out[i] = relu_grad(x[i])


def _run(fn_id, x):
    out = np.empty_like(x)
    _apply(fn_id, x, out)
    return out


def _grid32():
    # every float32 in [-10, 10] would be 2e9 values; a dense grid plus the region near 0 suffices
    return np.concatenate([np.linspace(-10, 10, 2_000_001, dtype=np.float32),
                           np.geomspace(1e-30, 1e-2, 10_001).astype(np.float32),
                           -np.geomspace(1e-30, 1e-2, 10_001).astype(np.float32)])


def test_tanh32_error_bound():
    x = _grid32()
    err = np.abs(_run(0, x).astype(np.float64) - np.tanh(x.astype(np.float64)))
    assert err.max() < TANH32_MAX_ABS_ERROR
    assert np.all(np.abs(_run(0, x)) <= 1)


def test_sigmoid32_error_bound():
    x = _grid32()
    exact = 1 / (1 + np.exp(-x.astype(np.float64)))
    assert np.abs(_run(1, x) - exact).max() < TANH32_MAX_ABS_ERROR


def test_float64_is_exact_libm():
    x = np.linspace(-20, 20, 100_001)
    np.testing.assert_allclose(_run(0, x), np.tanh(x), rtol=4.5e-16, atol=0)  # libm vs NumPy: <= 2 ulp
    np.testing.assert_allclose(_run(1, x), 1 / (1 + np.exp(-x)), rtol=1e-15, atol=0)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_nan_propagates_and_inf_saturates(dtype):
    x = np.array([np.nan, np.inf, -np.inf], dtype=dtype)
    t, s, r = _run(0, x), _run(1, x), _run(2, x)
    assert np.isnan(t[0]) and np.isnan(s[0]) and np.isnan(r[0])
    np.testing.assert_array_equal(t[1:], [1, -1])
    np.testing.assert_array_equal(s[1:], [1, 0])
    np.testing.assert_array_equal(r[1:], [np.inf, 0])


def test_python_fallbacks_match():
    x = np.linspace(-3, 3, 11)
    np.testing.assert_allclose(tanh(x), np.tanh(x))
    np.testing.assert_allclose(sigmoid(x), 1 / (1 + np.exp(-x)))
    np.testing.assert_array_equal(relu(x), np.maximum(x, 0))
    np.testing.assert_array_equal(relu_grad(x), (x > 0).astype(float))
