"""RNN/LSTM/GRU forward and forward+backward, float32: numbarnn beside its peers.

Each group (cell, shape, pass) times ``numbarnn``, the batched NumPy peer and
``torch.nn`` (when installed) on the same inputs, compile time excluded by a
warm-up call. Run one peer per process (``-k numbarnn``, ``-k numpy``,
``-k torch``) so two OpenMP/BLAS runtimes never share a process;
``benchmarks/run.py`` does that and ``benchmarks/render.py`` makes the table.
In the normal test run (``--benchmark-disable``) each case runs once as a smoke test.

``test_sgemm_peak`` times a 1024 x 1024 x 1024 float32 product through torch (and NumPy's BLAS) at
the same thread count: the machine's measured matrix-multiply peak, which the tables set the
kernels' GFLOP/s against.
"""

import numpy as np
import pytest

import numbarnn
from numpy_peer import backward as np_backward, forward as np_forward
from shapes import SHAPES, flops

CELLS = ["rnn", "lstm", "gru"]
MODES = ["forward", "forward_backward"]


def _inputs(shape):
    B, T, D, H, layers = SHAPES[shape]
    x = np.random.default_rng(0).standard_normal((T, B, D)).astype(np.float32)
    return x, D, H, layers


def _net(cell, D, H, layers):
    cls = {"rnn": numbarnn.RNN, "lstm": numbarnn.LSTM, "gru": numbarnn.GRU}[cell]
    return cls(D, H, num_layers=layers, seed=0)


def _numbarnn_fn(cell, shape, mode, threads):
    import numba
    numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))
    x, D, H, layers = _inputs(shape)
    net = _net(cell, D, H, layers)
    if mode == "forward":
        return lambda: net(x)

    def run():
        out, _, tape = net.forward(x)
        return net.backward(tape, np.ones_like(out))
    return run


def _numpy_fn(cell, shape, mode, threads):
    from threadpoolctl import threadpool_limits
    threadpool_limits(threads)
    x, D, H, layers = _inputs(shape)
    params = _net(cell, D, H, layers).state_dict()
    if mode == "forward":
        return lambda: np_forward(cell, params, x, layers)

    def run():
        out, caches = np_forward(cell, params, x, layers)
        return np_backward(cell, params, caches, np.ones_like(out))
    return run


def _torch_fn(cell, shape, mode, threads):
    torch = pytest.importorskip("torch")
    torch.set_num_threads(threads)
    x, D, H, layers = _inputs(shape)
    cls = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[cell]
    net = cls(D, H, num_layers=layers)
    tx = torch.from_numpy(x)
    if mode == "forward":
        def fwd():
            with torch.no_grad():
                return net(tx)
        return fwd

    def run():
        net.zero_grad()
        xi = tx.clone().requires_grad_(True)
        out, _ = net(xi)
        out.backward(torch.ones_like(out))
    return run


PEERS = {"numbarnn": _numbarnn_fn, "numpy": _numpy_fn, "torch": _torch_fn}


@pytest.mark.parametrize("peer", list(PEERS))
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("shape", list(SHAPES))
@pytest.mark.parametrize("cell", CELLS)
def test_kernel(benchmark, bench_threads, cell, shape, mode, peer):
    if peer == "numpy" and benchmark.disabled and shape != "standard":
        pytest.skip("the NumPy peer runs only the standard shape in smoke mode (it is slow)")
    fn = PEERS[peer](cell, shape, mode, bench_threads)
    fn()  # warm-up: JIT compile and first-touch allocations stay out of the timing
    benchmark.group = f"{cell}-{shape}-{mode}"
    benchmark.extra_info.update(cell=cell, shape=shape, mode=mode, peer=peer,
                                flops=flops(cell, shape, mode), threads=bench_threads)
    benchmark(fn)


PEAK_N = 1024


@pytest.mark.parametrize("peer", ["torch", "numpy"])
def test_sgemm_peak(benchmark, bench_threads, peer):
    rng = np.random.default_rng(0)
    a, b = (rng.standard_normal((PEAK_N, PEAK_N)).astype(np.float32) for _ in range(2))
    if peer == "torch":
        torch = pytest.importorskip("torch")
        torch.set_num_threads(bench_threads)
        ta, tb = torch.from_numpy(a), torch.from_numpy(b)
        fn = lambda: ta @ tb  # noqa: E731
    else:
        from threadpoolctl import threadpool_limits
        threadpool_limits(bench_threads)
        fn = lambda: a @ b  # noqa: E731
    fn()
    benchmark.group = "sgemm-peak"
    benchmark.extra_info.update(kind="peak", peer=peer, flops=2 * PEAK_N ** 3, threads=bench_threads)
    benchmark(fn)
