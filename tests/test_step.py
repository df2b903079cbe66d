"""One step at a time: ``net.step`` and ``net(x, state)`` over chunks equal one call over the whole sequence."""

import numpy as np
import pytest

import numbarnn
from helpers import CELL_IDS, make_net
from helpers import CELLS as NET_CELLS

CELLS = [(numbarnn.RNN, {"nonlinearity": "tanh"}), (numbarnn.RNN, {"nonlinearity": "relu"}),
         (numbarnn.LSTM, {}), (numbarnn.GRU, {})]
IDS = ["rnn_tanh", "rnn_relu", "lstm", "gru"]
TOL = {"float64": 1e-12, "float32": 1e-5}


def _parts(state):
    return state if isinstance(state, tuple) else (state,)


def _assert_close(a, b, dtype):
    for x, y in zip(_parts(a), _parts(b)):
        np.testing.assert_allclose(x, y, rtol=0, atol=TOL[dtype])


def _initial_state(net, rng, batch):
    shape = (net.num_layers, batch, net.hidden_size)
    h = (0.5 * rng.standard_normal(shape)).astype(net.dtype)
    return (h, (0.5 * rng.standard_normal(shape)).astype(net.dtype)) if net.cell.has_cell_state else h


def _check_steps(net, x, state=None):
    """Step through ``x`` one time step at a time and compare with one call over all of it."""
    out, final = net(x, state)
    for t in range(x.shape[0]):
        out_t, state = net.step(x[t], state)
        assert out_t.shape == out.shape[1:] and out_t.dtype == net.dtype
        _assert_close(out_t, out[t], net.dtype.name)
    _assert_close(state, final, net.dtype.name)
    return state


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("cls,kwargs", CELLS, ids=IDS)
def test_steps_equal_one_call(cls, kwargs, dtype):
    rng = np.random.default_rng(0)
    net = cls(3, 5, num_layers=2, dtype=dtype, seed=1, **kwargs)
    x = rng.standard_normal((9, 4, 3)).astype(dtype)
    _check_steps(net, x, _initial_state(net, rng, 4))


@pytest.mark.parametrize("cls,kwargs", CELLS, ids=IDS)
def test_unbatched_steps_from_zero_state(cls, kwargs):
    net = cls(2, 4, dtype="float64", seed=0, **kwargs)
    state = _check_steps(net, np.random.default_rng(1).standard_normal((6, 2)))
    assert _parts(state)[0].shape == (1, 4)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("cls,kwargs", CELLS, ids=IDS)
def test_chunks_carrying_the_state_equal_one_call(cls, kwargs, dtype):
    """Streaming inference: consecutive chunks of a long series, the returned state carried."""
    rng = np.random.default_rng(2)
    net = cls(3, 6, num_layers=2, dtype=dtype, seed=0, **kwargs)
    x = rng.standard_normal((40, 3, 3)).astype(dtype)
    out, final = net(x)
    state, pieces = None, []
    for lo, hi in ((0, 7), (7, 8), (8, 25), (25, 40)):
        o, state = net(x[lo:hi], state)
        pieces.append(o)
    _assert_close(np.concatenate(pieces), out, dtype)
    _assert_close(state, final, dtype)


def test_steps_and_chunks_mix():
    net = numbarnn.LSTM(2, 3, dtype="float64", seed=0)
    x = np.random.default_rng(3).standard_normal((5, 2, 2))
    out, final = net(x)
    o, state = net(x[:3])
    o3, state = net.step(x[3], state)
    o4, state = net.step(x[4], state)
    _assert_close(np.stack([o3, o4]), out[3:], "float64")
    _assert_close(state, final, "float64")


def test_bidirectional_network_cannot_step():
    net = numbarnn.GRU(2, 3, bidirectional=True, seed=0)
    with pytest.raises(ValueError, match="bidirectional network cannot step.*needs the future"):
        net.step(np.zeros((1, 2), "float32"))


def test_step_checks_its_input():
    net = numbarnn.RNN(2, 3, seed=0)
    with pytest.raises(ValueError, match=r"one time step, x of shape \(B, 2\) or \(2,\); got shape \(5, 1, 2\)"):
        net.step(np.zeros((5, 1, 2), "float32"))
    with pytest.raises(ValueError, match=r"got shape \(4, 3\)"):
        net.step(np.zeros((4, 3), "float32"))
    with pytest.raises(TypeError, match="float64 but the network is float32"):
        net.step(np.zeros((1, 2)))
    with pytest.raises(ValueError, match="state has shape"):
        net.step(np.zeros((1, 2), "float32"), np.zeros((1, 2, 3), "float32"))
    out, h = net.step([0.5, -0.5])  # a list is read as one unbatched step
    assert out.shape == (3,) and h.shape == (1, 3)


@pytest.mark.parametrize("cell,nonlinearity", NET_CELLS, ids=CELL_IDS)
def test_fixed_weights_give_the_same_bits_and_end_with_the_block(cell, nonlinearity):
    """Weights prepared once (fixed_weights) give the numbers of weights prepared at every call; after the
    block a change of the weights is seen again."""
    net = make_net(cell, nonlinearity, 3, 6, num_layers=2, bidirectional=True, seed=0)
    x = np.random.default_rng(0).standard_normal((7, 4, 3)).astype(net.dtype)
    want = net(x, lengths=[7, 5, 2, 7])[0]
    with net.fixed_weights():
        first = net(x, lengths=[7, 5, 2, 7])[0]
        again = net(x, lengths=[7, 5, 2, 7])[0]
    np.testing.assert_array_equal(first, want)
    np.testing.assert_array_equal(again, want)
    net.params["weight_hh_l0"] *= 0.5
    assert not np.array_equal(net(x, lengths=[7, 5, 2, 7])[0], want)
