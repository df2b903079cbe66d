"""The ``numbarnn`` command line.

``numbarnn check``: check every cell's backward against central finite
differences in float64 and time forward+backward of each cell in float32, so
an install can be seen to be exact and fast.
"""

import argparse
import sys
import time

import numpy as np

from . import GRU, LSTM, RNN, __version__

_CELLS = {"rnn_tanh": (RNN, {"nonlinearity": "tanh"}), "rnn_relu": (RNN, {"nonlinearity": "relu"}),
          "lstm": (LSTM, {}), "gru": (GRU, {})}


def gradient_error(cls, kwargs, seed=0, eps=1e-6):
    """Largest relative error of the analytic gradient of a 2-layer bidirectional net against central differences."""
    rng = np.random.default_rng(seed)
    net = cls(3, 4, num_layers=2, bidirectional=True, dtype="float64", seed=seed, **kwargs)
    x = rng.standard_normal((6, 2, 3))
    w_out = rng.standard_normal((6, 2, 8))
    out, _, tape = net.forward(x, lengths=[6, 4])
    grads = net.backward(tape, w_out)  # padded outputs are zero: their gradient is ignored
    worst = 0.0
    for name, p in net.params.items():
        flat = p.reshape(-1)
        for i in range(0, flat.size, max(1, flat.size // 25)):
            old = flat[i]
            flat[i] = old + eps
            up = _loss(net, x, w_out)
            flat[i] = old - eps
            down = _loss(net, x, w_out)
            flat[i] = old
            numeric = (up - down) / (2 * eps)
            analytic = grads[name].reshape(-1)[i]
            worst = max(worst, abs(numeric - analytic) / max(1.0, abs(numeric)))
    return worst


def _loss(net, x, w_out):
    out, _ = net(x, lengths=[6, 4])
    return float(np.sum(out * w_out))


def _time(fn, repeat=7):
    fn()  # compile and warm up
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def check(out=sys.stdout):
    """Print the gradient check and the timings; return 0 when every gradient agrees."""
    print(f"numbarnn {__version__}: gradient check (float64, 2 layers, bidirectional, variable lengths)",
          file=out)
    ok = True
    for name, (cls, kwargs) in _CELLS.items():
        err = gradient_error(cls, kwargs)
        ok &= err < 1e-6
        print(f"  {name:9s} max relative error vs finite differences: {err:.1e}", file=out)
    print("forward+backward, float32, B=32 T=100 D=32 H=128 (median of 7):", file=out)
    x = np.random.default_rng(0).standard_normal((100, 32, 32)).astype(np.float32)
    for name, (cls, kwargs) in _CELLS.items():
        net = cls(32, 128, seed=0, **kwargs)

        def step():
            y, _, tape = net.forward(x)
            net.backward(tape, np.ones_like(y))
        print(f"  {name:9s} {_time(step) * 1e3:8.2f} ms", file=out)
    print("OK" if ok else "FAILED: a gradient disagrees with finite differences", file=out)
    return 0 if ok else 1


def main(argv=None):
    parser = argparse.ArgumentParser(prog="numbarnn", description="Exact, fast recurrent networks on Numba.")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("check", help="check gradients against finite differences and time the kernels")
    args = parser.parse_args(argv)
    if args.command == "check":
        return check()
    return 2


if __name__ == "__main__":
    sys.exit(main())
