"""Results are bitwise identical from run to run and for any Numba thread count."""

import numba
import numpy as np
import pytest

from helpers import CELL_IDS, CELLS, make_net


def _run(net, x, lengths):
    out, state, tape = net.forward(x, lengths=lengths)
    grads = net.backward(tape, np.cos(out))
    return out, grads


def _assert_same(a, b, net):
    np.testing.assert_array_equal(a[0], b[0])
    for name in (*net.params, "input"):
        np.testing.assert_array_equal(a[1][name], b[1][name], err_msg=name)


@pytest.mark.parametrize("cell,nonlinearity", CELLS, ids=CELL_IDS)
def test_bitwise_across_runs_and_thread_counts(cell, nonlinearity):
    if numba.config.NUMBA_NUM_THREADS < 2:
        pytest.skip("needs a Numba thread pool of at least 2")
    rng = np.random.default_rng(0)
    net = make_net(cell, nonlinearity, 7, 48, num_layers=2, bidirectional=True, seed=0)
    x = rng.standard_normal((30, 13, 7)).astype(np.float32)
    lengths = rng.integers(1, 31, 13)
    before = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = _run(net, x, lengths)
        numba.set_num_threads(2)
        two = _run(net, x, lengths)
        again = _run(net, x, lengths)
    finally:
        numba.set_num_threads(before)
    _assert_same(one, two, net)
    _assert_same(two, again, net)


def test_same_seed_same_network():
    a, b = make_net("lstm", None, 3, 4, seed=42), make_net("lstm", None, 3, 4, seed=42)
    for name in a.params:
        np.testing.assert_array_equal(a.params[name], b.params[name])
    c = make_net("lstm", None, 3, 4, seed=43)
    assert not np.array_equal(a.params["weight_hh_l0"], c.params["weight_hh_l0"])


@pytest.mark.parametrize("cell,nonlinearity", CELLS, ids=CELL_IDS)
def test_bitwise_across_batch_partitions(cell, nonlinearity, monkeypatch):
    # Every product is an ordered sum per output element (numbarnn.kernels.cpu.packed),
    # so not even the batch partition changes a bit.
    from numbarnn import config

    rng = np.random.default_rng(1)
    net = make_net(cell, nonlinearity, 5, 40, num_layers=2, bidirectional=True, seed=0)
    x = rng.standard_normal((20, 11, 5))
    lengths = rng.integers(1, 21, 11)
    results = []
    for chunks in (1, 2, 3, 11):
        monkeypatch.setattr(config, "BATCH_CHUNKS", chunks)
        results.append(_run(net, x.astype(net.dtype), lengths))
    for other in results[1:]:
        _assert_same(results[0], other, net)
