"""Network behaviour: unbatched input, state dicts, init, dropout, lengths, dtypes."""

import math

import numpy as np
import pytest

import numbarnn
from helpers import CELL_IDS, CELLS, make_net, random_state, split_state


@pytest.mark.parametrize("cell,nonlinearity", CELLS, ids=CELL_IDS)
def test_unbatched_equals_batch_of_one(cell, nonlinearity):
    rng = np.random.default_rng(0)
    net = make_net(cell, nonlinearity, 3, 4, num_layers=2, bidirectional=True, dtype="float64", seed=0)
    x = rng.standard_normal((6, 3))
    state = random_state(net, 1, rng)
    h0, c0 = split_state(state)
    un_state = (h0[:, 0], c0[:, 0]) if c0 is not None else h0[:, 0]
    out_u, final_u, tape_u = net.forward(x, un_state)
    out_b, final_b, tape_b = net.forward(x[:, None], state)
    assert out_u.shape == (6, 8)
    np.testing.assert_array_equal(out_u, out_b[:, 0])
    for a, b in zip(split_state(final_u), split_state(final_b)):
        if a is not None:
            assert a.shape == (4, 4)
            np.testing.assert_array_equal(a, b[:, 0])
    g_u = net.backward(tape_u, np.ones_like(out_u))
    g_b = net.backward(tape_b, np.ones_like(out_b))
    assert g_u["input"].shape == x.shape
    np.testing.assert_array_equal(g_u["input"], g_b["input"][:, 0])
    np.testing.assert_array_equal(g_u["weight_hh_l1_reverse"], g_b["weight_hh_l1_reverse"])


@pytest.mark.parametrize("cell,nonlinearity", CELLS, ids=CELL_IDS)
def test_batch_first_is_the_time_major_network_transposed(cell, nonlinearity):
    """``batch_first=True`` takes (B, T, F) and gives (B, T, H) outputs and input gradients with the same
    bits as the time-major network; states stay (layers*dirs, B, H), as in torch."""
    rng = np.random.default_rng(3)
    kw = dict(num_layers=2, bidirectional=True, dtype="float64", seed=0)
    tm = make_net(cell, nonlinearity, 3, 4, **kw)
    bf = make_net(cell, nonlinearity, 3, 4, batch_first=True, **kw)
    assert "batch_first=True" in repr(bf)
    x = rng.standard_normal((6, 5, 3))               # (T, B, F)
    state = random_state(tm, 5, rng)
    lengths = [6, 4, 1, 6, 2]
    out_t, final_t, tape_t = tm.forward(x, state, lengths)
    out_b, final_b, tape_b = bf.forward(x.transpose(1, 0, 2), state, lengths)
    assert out_b.shape == (5, 6, 8) and out_b.flags.c_contiguous
    np.testing.assert_array_equal(out_b, out_t.transpose(1, 0, 2))
    for a, b in zip(split_state(final_t), split_state(final_b)):
        if a is not None:
            np.testing.assert_array_equal(a, b)
    g = rng.standard_normal(out_t.shape)
    g_t = tm.backward(tape_t, g)
    g_b = bf.backward(tape_b, g.transpose(1, 0, 2))
    np.testing.assert_array_equal(g_b["input"], g_t["input"].transpose(1, 0, 2))
    for name in tm.params:
        np.testing.assert_array_equal(g_b[name], g_t[name])
    out_u, _ = bf(x[:, 0])                             # one sequence stays (T, F)
    np.testing.assert_array_equal(out_u, tm(x[:, 0])[0])
    with pytest.raises(ValueError, match=r"\(B, T, 3\)"):
        bf(np.zeros(3))
    with pytest.raises(ValueError, match="grad_output"):
        bf.backward(tape_b, g)


@pytest.mark.parametrize("cell,nonlinearity", CELLS, ids=CELL_IDS)
def test_state_dict_names_shapes_and_round_trip(cell, nonlinearity):
    net = make_net(cell, nonlinearity, 3, 5, num_layers=2, bidirectional=True, seed=1)
    G = {"rnn": 1, "lstm": 4, "gru": 3}[cell]
    sd = net.state_dict()
    assert sd["weight_ih_l0"].shape == (G * 5, 3)
    assert sd["weight_ih_l1_reverse"].shape == (G * 5, 10)
    assert sd["weight_hh_l1"].shape == (G * 5, 5)
    assert sd["bias_hh_l0_reverse"].shape == (G * 5,)
    assert len(sd) == 16
    other = make_net(cell, nonlinearity, 3, 5, num_layers=2, bidirectional=True, seed=2)
    other.load_state_dict(sd)
    x = np.random.default_rng(0).standard_normal((4, 2, 3)).astype(np.float32)
    np.testing.assert_array_equal(net(x)[0], other(x)[0])
    sd["weight_hh_l0"][:] = 0  # a copy: the network is untouched
    assert np.any(net.params["weight_hh_l0"])


def test_init_is_uniform_in_pytorch_range():
    net = numbarnn.LSTM(10, 100, seed=0)
    k = 1 / math.sqrt(100)
    for p in net.params.values():
        assert p.dtype == np.float32
        assert p.min() >= -k and p.max() <= k
        assert p.max() > 0.9 * k and p.min() < -0.9 * k


def test_no_bias_has_no_bias_parameters():
    net = numbarnn.GRU(3, 4, bias=False)
    assert sorted(net.state_dict()) == ["weight_hh_l0", "weight_ih_l0"]


def test_dropout_only_when_recording_and_seeded():
    x = np.random.default_rng(0).standard_normal((5, 3, 2)).astype(np.float32)
    a = numbarnn.LSTM(2, 6, num_layers=3, dropout=0.5, seed=7)
    b = numbarnn.LSTM(2, 6, num_layers=3, dropout=0.5, seed=7)
    plain = numbarnn.LSTM(2, 6, num_layers=3, seed=7)
    np.testing.assert_array_equal(a(x)[0], plain(x)[0])  # inference ignores dropout
    out_a, _, tape_a = a.forward(x)
    out_b, _, tape_b = b.forward(x)
    np.testing.assert_array_equal(out_a, out_b)  # same seed, same masks
    assert tape_a.dropout_masks[0] is None
    mask = tape_a.dropout_masks[1]
    assert mask.shape == (5, 3, 6)
    assert set(np.unique(mask)) <= {0.0, 2.0}
    assert not np.array_equal(out_a, plain(x)[0])
    again, _, _ = a.forward(x, dropout_masks=tape_a.dropout_masks)
    np.testing.assert_array_equal(again, out_a)


@pytest.mark.parametrize("cell,nonlinearity", CELLS, ids=CELL_IDS)
def test_padding_is_ignored_and_may_hold_nan(cell, nonlinearity):
    rng = np.random.default_rng(3)
    net = make_net(cell, nonlinearity, 2, 3, bidirectional=True, dtype="float64", seed=0)
    x = rng.standard_normal((6, 2, 2))
    lengths = [6, 3]
    out, final, tape = net.forward(x, lengths=lengths)
    x_nan = x.copy()
    x_nan[3:, 1] = np.nan
    out2, final2, tape2 = net.forward(x_nan, lengths=lengths)
    np.testing.assert_array_equal(out, out2)
    assert not np.any(out[3:, 1])
    single, single_final, _ = net.forward(x[:3, 1:2])
    np.testing.assert_allclose(out[:3, 1:2], single, rtol=1e-14)
    for a, b in zip(split_state(final), split_state(single_final)):
        if a is not None:
            np.testing.assert_allclose(a[:, 1:2], b, rtol=1e-14)
    g = net.backward(tape2, np.ones_like(out2))
    assert all(np.all(np.isfinite(v)) for k, v in g.items() if k != "state")


def test_float32_close_to_float64():
    rng = np.random.default_rng(0)
    n64 = numbarnn.GRU(4, 16, num_layers=2, dtype="float64", seed=0)
    n32 = numbarnn.GRU(4, 16, num_layers=2, dtype="float32")
    n32.load_state_dict(n64.state_dict())
    x = rng.standard_normal((20, 3, 4))
    out64, _ = n64(x)
    out32, _ = n32(x.astype(np.float32))
    assert out32.dtype == np.float32
    np.testing.assert_allclose(out32, out64, atol=5e-6)


def test_lists_are_accepted_and_repr():
    net = numbarnn.RNN(2, 3, nonlinearity="relu", seed=0)
    out, h = net([[0.5, -1.0], [1.0, 2.0]])
    assert out.shape == (2, 3) and h.shape == (1, 3)
    assert "nonlinearity='relu'" in repr(net)


def test_load_torch_state_dict_directly():
    torch = pytest.importorskip("torch")
    tnet = torch.nn.LSTM(3, 4, num_layers=2)
    net = numbarnn.LSTM(3, 4, num_layers=2)
    net.load_state_dict(tnet.state_dict())  # tensors, not converted by hand
    x = np.random.default_rng(0).standard_normal((5, 2, 3)).astype(np.float32)
    with torch.no_grad():
        expected = tnet(torch.from_numpy(x))[0].numpy()
    np.testing.assert_allclose(net(x)[0], expected, atol=1e-6)
