"""Agreement with torch.nn.RNN/LSTM/GRU given the same state dict (skipped without torch)."""

import numpy as np
import pytest

from helpers import CELL_IDS, CELLS, loss_grad_state, loss_weights, make_net, random_state, split_state

torch = pytest.importorskip("torch")

CONFIGS = {
    "plain": dict(num_layers=1),
    "deep_bidir_lengths": dict(num_layers=2, bidirectional=True, lengths=[7, 3, 5, 1]),
    "nobias": dict(num_layers=2, bias=False),
}


def _torch_net(net, nonlinearity, dtype):
    kw = dict(num_layers=net.num_layers, bias=net.bias, bidirectional=net.bidirectional)
    if nonlinearity is not None:
        tnet = torch.nn.RNN(net.input_size, net.hidden_size, nonlinearity=nonlinearity, **kw)
    else:
        cls = torch.nn.LSTM if type(net).__name__ == "LSTM" else torch.nn.GRU
        tnet = cls(net.input_size, net.hidden_size, **kw)
    tnet = tnet.to(dtype)
    tnet.load_state_dict({k: torch.from_numpy(v.copy()) for k, v in net.state_dict().items()})
    return tnet


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("cell,nonlinearity", CELLS, ids=CELL_IDS)
@pytest.mark.parametrize("cfg", list(CONFIGS.values()), ids=list(CONFIGS))
def test_matches_torch(cell, nonlinearity, cfg, dtype):
    rng = np.random.default_rng(5)
    T, B, D, H = 7, 4, 5, 6
    cfg = dict(cfg)
    lengths = cfg.pop("lengths", None)
    net = make_net(cell, nonlinearity, D, H, dtype=dtype, seed=2, **cfg)
    tdtype = getattr(torch, dtype)
    tnet = _torch_net(net, nonlinearity, tdtype)

    x = rng.standard_normal((T, B, D)).astype(dtype)
    state = random_state(net, B, rng)
    weights = loss_weights(net, T, B, rng)
    out, final, tape = net.forward(x, state, lengths=lengths)
    grads = net.backward(tape, weights[0].astype(dtype), loss_grad_state(net, weights))

    tx = torch.tensor(x, requires_grad=True)
    h0, c0 = split_state(state)
    th0 = torch.tensor(h0, requires_grad=True)
    tstate = (th0, torch.tensor(c0, requires_grad=True)) if c0 is not None else th0
    inp = tx if lengths is None else torch.nn.utils.rnn.pack_padded_sequence(
        tx, torch.tensor(lengths), enforce_sorted=False)
    tout, tfinal = tnet(inp, tstate)
    if lengths is not None:
        tout, _ = torch.nn.utils.rnn.pad_packed_sequence(tout, total_length=T)
    th, tc = split_state(tfinal)
    loss = (tout * torch.tensor(weights[0], dtype=tdtype)).sum() + \
        (th * torch.tensor(weights[1], dtype=tdtype)).sum()
    if tc is not None:
        loss = loss + (tc * torch.tensor(weights[2], dtype=tdtype)).sum()
    loss.backward()

    tol = dict(rtol=1e-10, atol=1e-12) if dtype == "float64" else dict(rtol=2e-4, atol=2e-5)
    np.testing.assert_allclose(out, tout.detach().numpy(), **tol)
    h, c = split_state(final)
    np.testing.assert_allclose(h, th.detach().numpy(), **tol)
    if c is not None:
        np.testing.assert_allclose(c, tc.detach().numpy(), **tol)
    for name, p in tnet.named_parameters():
        g = p.grad.numpy()
        scale = max(1.0, float(np.abs(g).max()))
        np.testing.assert_allclose(grads[name], g, rtol=tol["rtol"], atol=tol["atol"] * scale, err_msg=name)
    np.testing.assert_allclose(grads["input"], tx.grad.numpy(), **tol)
    dh0, dc0 = split_state(grads["state"])
    np.testing.assert_allclose(dh0, th0.grad.numpy(), **tol)
    if dc0 is not None:
        np.testing.assert_allclose(dc0, tstate[1].grad.numpy(), **tol)
