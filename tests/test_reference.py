"""The fast networks agree with the plain NumPy reference in tests/reference.py (float64)."""

import numpy as np
import pytest

import reference
from helpers import CELL_IDS, CELLS, loss_grad_state, loss_weights, make_net, random_state, split_state

CONFIGS = [
    dict(num_layers=1, bidirectional=False, lengths=None, bias=True),
    dict(num_layers=2, bidirectional=True, lengths=[5, 2, 4], bias=True),
    dict(num_layers=3, bidirectional=False, lengths=[1, 5, 3], bias=False),
    dict(num_layers=2, bidirectional=True, lengths=None, bias=True, dropout=0.4),
]


@pytest.mark.parametrize("cell,nonlinearity", CELLS, ids=CELL_IDS)
@pytest.mark.parametrize("cfg", CONFIGS, ids=["plain", "bidir_lengths", "deep_nobias", "dropout"])
@pytest.mark.parametrize("D,H", [(4, 3), (4, 12)], ids=["narrow", "full_panel"])
def test_forward_backward_match_reference(cell, nonlinearity, cfg, D, H):
    # 4 + 12 = 16 fills a float64 packed panel exactly (AVX-512), so the LSTM's first layer takes its bias
    # gradient from a separate sum there and from the weight-gradient product otherwise
    rng = np.random.default_rng(1)
    T, B = 5, 3
    cfg = dict(cfg)
    lengths = cfg.pop("lengths")
    net = make_net(cell, nonlinearity, D, H, dtype="float64", seed=3, **cfg)
    x = rng.standard_normal((T, B, D))
    state = random_state(net, B, rng)
    out, final, tape = net.forward(x, state, lengths=lengths)
    weights = loss_weights(net, T, B, rng)
    grads = net.backward(tape, weights[0], loss_grad_state(net, weights))

    h0, c0 = split_state(state)
    kw = dict(lengths=lengths, num_layers=net.num_layers, bidirectional=net.bidirectional,
              masks=tape.dropout_masks, nonlinearity=nonlinearity or "tanh")
    r_out, r_h, r_c, caches = reference.forward(cell, net.params, x, h0, c0, **kw)
    np.testing.assert_allclose(out, r_out, rtol=1e-12, atol=1e-12)
    h, c = split_state(final)
    np.testing.assert_allclose(h, r_h, rtol=1e-12, atol=1e-12)
    if c is not None:
        np.testing.assert_allclose(c, r_c, rtol=1e-12, atol=1e-12)

    r_grads, r_dx, r_dh0, r_dc0 = reference.backward(
        cell, net.params, x, caches, weights[0], weights[1],
        weights[2] if cell == "lstm" else None, **kw)
    for name, g in r_grads.items():
        np.testing.assert_allclose(grads[name], g, rtol=1e-10, atol=1e-12, err_msg=name)
    np.testing.assert_allclose(grads["input"], r_dx, rtol=1e-10, atol=1e-12)
    dh0, dc0 = split_state(grads["state"])
    np.testing.assert_allclose(dh0, r_dh0, rtol=1e-10, atol=1e-12)
    if dc0 is not None:
        np.testing.assert_allclose(dc0, r_dc0, rtol=1e-10, atol=1e-12)
