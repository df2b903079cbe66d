"""Every gradient entry against central finite differences, in float64."""

import numpy as np
import pytest

from helpers import CELL_IDS, CELLS, loss_grad_state, loss_value, loss_weights, make_net, random_state

EPS = 1e-6

CONFIGS = {
    "one_layer": dict(num_layers=1),
    "two_layers_bidir_lengths": dict(num_layers=2, bidirectional=True, lengths=[4, 2]),
    "three_layers_dropout": dict(num_layers=3, dropout=0.3, lengths=[3, 4]),
}


def _perturbed_loss(net, x, state, lengths, masks, weights):
    out, final, _ = net.forward(x, state, lengths=lengths, dropout_masks=masks)
    return loss_value(out, final, weights)


def _central_difference(f, arr):
    """d f / d arr by central differences, perturbing ``arr`` in place."""
    grad = np.zeros_like(arr)
    flat, gflat = arr.reshape(-1), grad.reshape(-1)
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + EPS
        up = f()
        flat[i] = old - EPS
        down = f()
        flat[i] = old
        gflat[i] = (up - down) / (2 * EPS)
    return grad


@pytest.mark.parametrize("cell,nonlinearity", CELLS, ids=CELL_IDS)
@pytest.mark.parametrize("cfg", list(CONFIGS.values()), ids=list(CONFIGS))
def test_every_gradient_entry(cell, nonlinearity, cfg):
    rng = np.random.default_rng(7)
    T, B, D, H = 4, 2, 3, 3
    cfg = dict(cfg)
    lengths = cfg.pop("lengths", None)
    net = make_net(cell, nonlinearity, D, H, dtype="float64", seed=11, **cfg)
    x = rng.standard_normal((T, B, D))
    state = random_state(net, B, rng)
    weights = loss_weights(net, T, B, rng)
    out, _, tape = net.forward(x, state, lengths=lengths)
    grads = net.backward(tape, weights[0], loss_grad_state(net, weights))
    masks = tape.dropout_masks

    def f():
        return _perturbed_loss(net, x, state, lengths, masks, weights)

    targets = [(name, net.params[name]) for name in net.params] + [("input", x)]
    if isinstance(state, tuple):
        targets += [("state_h", state[0]), ("state_c", state[1])]
        analytic = {"state_h": grads["state"][0], "state_c": grads["state"][1]}
    else:
        targets += [("state", state)]
        analytic = {"state": grads["state"]}
    for name, arr in targets:
        numeric = _central_difference(f, arr)
        expected = analytic.get(name, grads.get(name))
        np.testing.assert_allclose(expected, numeric, rtol=1e-6, atol=1e-7, err_msg=name)
    if lengths is not None:  # padding gets no gradient
        for b, L in enumerate(lengths):
            assert not np.any(grads["input"][L:, b])
