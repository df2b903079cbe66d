"""Training on a quiet and on a busy machine: one epoch of ``benchmarks/test_fit.py``'s workload
(its own epoch functions, imported from it).

The workload: an LSTM (hidden 64, linear head on the last state), Adam, batches of 32, 1,024
sequences of 50 steps with 4 features, MSE. For each case the script times ``--epochs`` epochs
(after a warm-up epoch that compiles) and prints the median and the minimum in milliseconds:

- numbarnn with its default thread count, and with ``numba.set_num_threads(1)``;
- torch at the same thread counts (when torch is installed).

``--busy`` repeats every case with one competing CPU-bound process running (the script starts it
and stops it: a Python loop that never sleeps), as a laptop with a browser open, a CI runner or a
dask worker beside another would have. Cases run in turns, quiet and busy in one process.

``--cell gru`` and ``--task classify`` (cross-entropy over 5 classes, as the sequence classifier
trains) time the same loop for the GRU and for classification.

Usage: ``python benchmarks/busy.py [--busy] [--epochs 7] [--cell lstm|gru] [--task regress|classify]``
"""

import argparse
import importlib.util
import os
import subprocess
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from machine import cpu_model  # noqa: E402
from test_fit import _numbarnn_epoch, _torch_epoch  # noqa: E402

SPIN = "while True:\n    pass\n"


def timed(fn, epochs):
    fn()  # warm-up: compiles, fills caches
    times = []
    for _ in range(epochs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return 1e3 * float(np.median(times)), 1e3 * float(np.min(times))


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--busy", action="store_true", help="also run every case beside a competing process")
    p.add_argument("--epochs", type=int, default=7)
    p.add_argument("--threads", type=int, nargs="+", default=None, help="thread counts (default: all, 1)")
    p.add_argument("--cell", choices=["lstm", "gru"], default="lstm")
    p.add_argument("--task", choices=["regress", "classify"], default="regress")
    args = p.parse_args(argv)
    import numba
    full = numba.config.NUMBA_NUM_THREADS
    threads = args.threads or sorted({full, 1}, reverse=True)
    peers = {"numbarnn": _numbarnn_epoch(args.cell, args.task)}
    torch = None
    if importlib.util.find_spec("torch"):
        import torch
        peers["torch"] = _torch_epoch(args.cell, args.task)
    peers["numbarnn"]()  # compiles, and starts Numba's threading layer (named below)
    print(f"{cpu_model()}, {os.cpu_count()} logical CPUs; numba {numba.__version__} "
          f"({numba.threading_layer()} threading layer)" + (f", torch {torch.__version__}" if torch else "")
          + f"; {args.cell}, {args.task}")
    rows = []
    loads = ["quiet", "busy"] if args.busy else ["quiet"]
    for load in loads:
        spinner = subprocess.Popen([sys.executable, "-c", SPIN]) if load == "busy" else None
        try:
            if spinner:
                time.sleep(0.5)
            for n in threads:
                for name, fn in peers.items():
                    if name == "torch":
                        torch.set_num_threads(n)
                    else:
                        numba.set_num_threads(n)
                    med, best = timed(fn, args.epochs)
                    rows.append((load, name, n, med, best))
                    print(f"{load:6s} {name:9s} {n} thread{'s' if n > 1 else ' '}  median {med:8.1f} ms   "
                          f"min {best:8.1f} ms", flush=True)
        finally:
            if spinner:
                spinner.kill()
                spinner.wait()
        numba.set_num_threads(full)
    return rows


if __name__ == "__main__":
    main()
