"""Cold start: import numbarnn and call every kernel once, with an empty and then a warm Numba cache.

Usage: ``python benchmarks/startup.py``. Runs two fresh processes sharing a
new ``NUMBA_CACHE_DIR``: the first compiles every kernel (float32 and
float64, forward and backward, each cell), the second loads them from the
cache. Prints the wall time of each (interpreter start included).
"""

import os
import subprocess
import sys
import tempfile
import time

FIRST_CALLS = """
import numpy as np, numbarnn
for dtype in ("float32", "float64"):
    x = np.zeros((4, 2, 3), dtype=dtype)
    for net in (numbarnn.RNN(3, 5, dtype=dtype), numbarnn.RNN(3, 5, nonlinearity="relu", dtype=dtype),
                numbarnn.LSTM(3, 5, dtype=dtype), numbarnn.GRU(3, 5, dtype=dtype)):
        out, _, tape = net.forward(x, lengths=[4, 2])
        net.backward(tape, np.ones_like(out))
"""


def run_once(cache_dir):
    env = dict(os.environ, NUMBA_CACHE_DIR=cache_dir)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", FIRST_CALLS], env=env, check=True)
    return time.perf_counter() - start


def main():
    with tempfile.TemporaryDirectory() as cache:
        cold = run_once(cache)
        warm = run_once(cache)
    import_only = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import numbarnn"], check=True)
    import_only = time.perf_counter() - import_only
    print(f"import numbarnn (process start included): {import_only:.2f} s")
    print(f"cold: import + first call of every kernel, empty cache: {cold:.2f} s")
    print(f"warm: the same in a second process, cache filled: {warm:.2f} s")


if __name__ == "__main__":
    main()
