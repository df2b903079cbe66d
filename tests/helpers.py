"""Shared builders for the tests: the cell matrix, networks, inputs and a scalar loss."""

import numpy as np

import numbarnn

# (reference cell name, nonlinearity) for every kernel we ship.
CELLS = [("rnn", "tanh"), ("rnn", "relu"), ("lstm", None), ("gru", None)]
CELL_IDS = ["rnn_tanh", "rnn_relu", "lstm", "gru"]


def make_net(cell, nonlinearity, input_size, hidden_size, **kw):
    if cell == "rnn":
        return numbarnn.RNN(input_size, hidden_size, nonlinearity=nonlinearity, **kw)
    return {"lstm": numbarnn.LSTM, "gru": numbarnn.GRU}[cell](input_size, hidden_size, **kw)


def random_state(net, batch, rng, scale=0.5):
    shape = (net.num_layers * net.num_directions, batch, net.hidden_size)
    h = (scale * rng.standard_normal(shape)).astype(net.dtype)
    if isinstance(net, numbarnn.LSTM):
        return h, (scale * rng.standard_normal(shape)).astype(net.dtype)
    return h


def split_state(state):
    """(h, c) for an LSTM state, (h, None) otherwise."""
    return state if isinstance(state, tuple) else (state, None)


def loss_weights(net, T, B, rng):
    """Random weights w_out, w_h, w_c defining loss = <out, w_out> + <h_n, w_h> + <c_n, w_c>."""
    dirs = net.num_directions
    w_out = rng.standard_normal((T, B, dirs * net.hidden_size))
    w_h = rng.standard_normal((net.num_layers * dirs, B, net.hidden_size))
    w_c = rng.standard_normal(w_h.shape)
    return w_out, w_h, w_c


def loss_value(out, state, weights):
    w_out, w_h, w_c = weights
    h, c = split_state(state)
    total = np.sum(out * w_out) + np.sum(h * w_h)
    if c is not None:
        total += np.sum(c * w_c)
    return float(total)


def loss_grad_state(net, weights):
    _, w_h, w_c = weights
    w_h = w_h.astype(net.dtype)
    if isinstance(net, numbarnn.LSTM):
        return w_h, w_c.astype(net.dtype)
    return w_h
