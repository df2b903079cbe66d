"""Bad input gets a clear exception that says what was expected."""

import numpy as np
import pytest

import numbarnn


@pytest.fixture
def lstm():
    return numbarnn.LSTM(3, 4, num_layers=2, seed=0)


def x(T=5, B=2, F=3, dtype=np.float32):
    return np.zeros((T, B, F), dtype=dtype)


@pytest.mark.parametrize("bad,match", [
    (np.zeros(5, np.float32), r"x must be \(T, B, 3\) or unbatched \(T, 3\); got 1-d"),
    (np.zeros((2, 3, 4, 3), np.float32), "got 4-d"),
    (np.zeros((5, 2, 7), np.float32), "x has 7 features on its last axis; this network expects input_size=3"),
    (np.zeros((0, 2, 3), np.float32), "at least one timestep"),
])
def test_bad_input_shapes(lstm, bad, match):
    with pytest.raises(ValueError, match=match):
        lstm(bad)


def test_dtype_mismatch_names_the_fix(lstm):
    with pytest.raises(TypeError, match=r"x has dtype float64 but the network is float32; convert it with "
                                        r"x.astype\('float32'\) or build the network with dtype='float64'"):
        lstm(x(dtype=np.float64))
    with pytest.raises(TypeError, match="x has dtype int64"):
        lstm(x(dtype=np.int64))


def test_non_numeric(lstm):
    with pytest.raises(TypeError, match="must hold numbers"):
        lstm(np.array([[["a", "b", "c"]]]))
    with pytest.raises(TypeError, match="must hold numbers"):
        lstm([[["a", "b", "c"]]])
    with pytest.raises(TypeError, match="could not be read as a numeric array"):
        lstm([[[1.0, 2.0, 3.0]], [[1.0]]])


def test_nan_at_valid_steps(lstm):
    bad = x()
    bad[1, 0, 2] = np.nan
    with pytest.raises(ValueError, match="x holds 1 NaN or infinite value.*mark padding with `lengths`"):
        lstm(bad)


def test_state_shape_and_kind(lstm):
    h = np.zeros((2, 2, 4), np.float32)
    with pytest.raises(TypeError, match=r"state of an LSTM is a tuple \(h, c\), each of shape \(2, 2, 4\)"):
        lstm(x(), h)
    with pytest.raises(ValueError, match=r"state\[1\] \(c\) has shape \(1, 2, 4\); expected \(2, 2, 4\)"):
        lstm(x(), (h, np.zeros((1, 2, 4), np.float32)))
    gru = numbarnn.GRU(3, 4)
    with pytest.raises(ValueError, match=r"state has shape \(1, 2, 5\); expected \(1, 2, 4\)"):
        gru(x(), np.zeros((1, 2, 5), np.float32))


@pytest.mark.parametrize("lengths,error,match", [
    ([5, 6], ValueError, r"lengths must lie in \[1, 5\]"),
    ([0, 3], ValueError, r"lengths must lie in \[1, 5\]"),
    ([5], ValueError, r"lengths has shape \(1,\); expected \(2,\)"),
    ([2.5, 3], TypeError, "lengths must be integers"),
])
def test_lengths(lstm, lengths, error, match):
    with pytest.raises(error, match=match):
        lstm(x(), lengths=lengths)


@pytest.mark.parametrize("kwargs,error,match", [
    (dict(nonlinearity="sigmoid"), ValueError, "unknown nonlinearity 'sigmoid'; expected one of 'tanh', 'relu'"),
    (dict(dtype="float16"), ValueError, "unknown dtype 'float16'; expected 'float32' or 'float64'"),
    (dict(device="tpu"), ValueError, "unknown device 'tpu'; expected one of 'cpu', 'cuda'"),
    (dict(dropout=1.0), ValueError, r"dropout must be a probability in \[0, 1\)"),
    (dict(num_layers=0), ValueError, "num_layers must be >= 1"),
    (dict(hidden_size=2.5), TypeError, "hidden_size must be an integer"),
])
def test_unknown_options(kwargs, error, match):
    args = dict(input_size=3, hidden_size=4)
    args.update(kwargs)
    with pytest.raises(error, match=match):
        numbarnn.RNN(**args)


def test_load_state_dict_errors_leave_network_untouched(lstm):
    before = lstm.state_dict()
    sd = lstm.state_dict()
    del sd["bias_hh_l1"]
    sd["weight_hh_l7"] = np.zeros(3)
    with pytest.raises(KeyError, match=r"missing \['bias_hh_l1'\], unexpected \['weight_hh_l7'\]"):
        lstm.load_state_dict(sd)
    sd = lstm.state_dict()
    sd["weight_hh_l0"] = np.zeros((16, 5))
    with pytest.raises(ValueError, match=r"'weight_hh_l0' has shape \(16, 5\); expected \(16, 4\)"):
        lstm.load_state_dict(sd)
    sd = lstm.state_dict()
    sd["bias_ih_l1"][0] = np.inf
    with pytest.raises(ValueError, match="'bias_ih_l1' holds 1 NaN or infinite"):
        lstm.load_state_dict(sd)
    for name, value in before.items():
        np.testing.assert_array_equal(lstm.params[name], value)


def test_backward_arguments(lstm):
    out, state, tape = lstm.forward(x())
    with pytest.raises(TypeError, match="tape must be the Tape returned by forward"):
        lstm.backward({"not": "a tape"})
    with pytest.raises(ValueError, match=r"grad_output has shape \(5, 2, 3\); expected \(5, 2, 4\)"):
        lstm.backward(tape, np.zeros((5, 2, 3), np.float32))
    _, _, no_tape = lstm.forward(x(), record=False)
    assert no_tape is None
