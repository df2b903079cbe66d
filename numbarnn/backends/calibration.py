"""Choices of the CPU kernels that no cache size predicts, measured once per process on this machine.

One so far: how the weight-gradient product ``dz^T [x, h]``
(:func:`numbarnn.kernels.cpu.matmul_tn`) reads ``dz``. In place, each microkernel call reads half a
cache line from each of ``KC`` rows; copied, the columns are first gathered into contiguous slices,
a pass over ``dz`` that pays off only when enough panels of ``[x, h]`` reuse each slice. Where it pays
off is a property of the core, not of its cache sizes: on an Intel Xeon (48 KiB L1, 2 MiB L2) the copy
gained 20% at 18 panels; on an AMD Zen 4 (32 KiB L1, 1 MiB L2) reading in place was faster at every
count from 3 to 19 panels (one core: 3.5 against 2.8 ms at 4 panels, 6.5 against 5.7 at 6, 161 against
147 at 19; the blocks of 128 rows instead of 256 changed neither). Both orders give the same bits,
so the choice changes only the speed.

:func:`tn_copy_panels` returns ``numbarnn.config.TN_COPY_PANELS`` when it is set, else the first
call measures: products of :data:`CALIBRATION_FLOPS` at 4, 8 and 16 panels, each way in turns, on the
calling thread, medians of :data:`CALIBRATION_REPEATS` (about 30 ms in all). The answer is the
fewest panels at which copying was at least 3% faster, or :data:`NEVER` (always in place).
"""

import threading
import time

import numpy as np

from .. import config
from ..kernels import cpu

#: A panel count no product reaches: read in place always.
NEVER = 1 << 30
#: Panel counts tried, fewest first.
CANDIDATE_PANELS = (4, 8, 16)
#: FLOPs of each timed product, and timed runs of each (the median counts).
CALIBRATION_FLOPS = 1 << 26
CALIBRATION_REPEATS = 5
#: How much faster copying must be to be chosen.
MARGIN = 0.97

_LOCK = threading.Lock()
_MEASURED = []


def tn_copy_panels():
    """Panels from which :func:`numbarnn.kernels.cpu.matmul_tn` copies ``a`` into slices on this machine.

    >>> n = tn_copy_panels()
    >>> n == NEVER or n in CANDIDATE_PANELS or n == config.TN_COPY_PANELS
    True
    """
    if config.TN_COPY_PANELS is not None:
        return config.TN_COPY_PANELS
    if not _MEASURED:  # every backward asks: the lock only until the one measurement is made
        with _LOCK:
            if not _MEASURED:
                _MEASURED.append(measure_tn_copy_panels()[0])
    return _MEASURED[0]


def measure_tn_copy_panels(dtype=np.float32, panels=CANDIDATE_PANELS, flops=CALIBRATION_FLOPS,
                           repeats=CALIBRATION_REPEATS):
    """Time ``a.T @ b`` read in place and through copied slices at each panel count of ``panels``.

    Returns ``(choice, seconds)``: the fewest panels at which copying took at most :data:`MARGIN`
    of the in-place time (:data:`NEVER` if none), and ``{panels: (in place, copied)}`` medians.
    """
    rng = np.random.default_rng(0)
    width = cpu.panel_width(dtype)
    gates = 32 * cpu.MR
    seconds = {}
    for p in panels:
        n = p * width
        rows = max(cpu.MR, flops // (2 * gates * n))
        # dz as the backend lays it out: rows padded by 64 bytes (see backends.cpu.padded_empty)
        a = rng.standard_normal((rows, gates + 64 // np.dtype(dtype).itemsize)).astype(dtype)[:, :gates]
        bp = np.empty(cpu.packed_shape(rows, n, dtype), dtype=dtype)
        cpu.pack_panels(rng.standard_normal((rows, n)).astype(dtype), False, bp)
        out = np.empty((gates, n), dtype=dtype)
        times = {NEVER: [], p: []}
        for _ in range(repeats + 1):  # the first round compiles and warms the caches: not counted
            for copy_from in times:
                start = time.perf_counter()
                cpu.matmul_tn(a, bp, out, 1, copy_from)
                times[copy_from].append(time.perf_counter() - start)
        seconds[p] = (float(np.median(times[NEVER][1:])), float(np.median(times[p][1:])))
    choice = next((p for p in panels if seconds[p][1] <= MARGIN * seconds[p][0]), NEVER)
    return choice, seconds
