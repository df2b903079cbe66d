"""Settings read once at import; each may be overridden by an environment variable.

``FASTMATH``
    LLVM fast-math flags given to every CPU kernel. The set leaves out ``nnan``
    and ``ninf`` so NaN and infinity propagate as IEEE says. Set
    ``NUMBARNN_FASTMATH=0`` to compile with no fast-math flags at all.
``JIT_OPTIONS``
    Options of every CPU kernel: on-disk cache, ``FASTMATH``, and NumPy's
    error model (IEEE division: ``x/0`` gives inf/NaN instead of raising, which
    also lets LLVM vectorise loops that divide).
``BATCH_CHUNKS``
    How many pieces the batch is cut into for the parallel CPU kernels
    (``NUMBARNN_BATCH_CHUNKS``; default: Numba's thread-pool size at start-up,
    ``NUMBA_NUM_THREADS``, so a single-threaded process gets one chunk).
    Neither this number nor ``numba.set_num_threads`` changes a single bit of
    any result: every product sums in one fixed order per output element
    (:mod:`numbarnn.kernels.cpu.packed`).
``WORKSPACE_BYTES``
    Most bytes of freed scratch blocks kept for reuse (``NUMBARNN_WORKSPACE_MB``,
    default 1024 MB; see :mod:`numbarnn._workspace`).
``THREADS_PER_BLOCK``
    CUDA threads per block (``NUMBARNN_THREADS_PER_BLOCK``).
``CUDA_TILE``
    Edge of the square shared-memory tiles of the CUDA GEMM (``NUMBARNN_CUDA_TILE``,
    default 16; the simulator tests use 4 to stay fast).
``CUDA_PERSISTENT_MAX_BATCH``
    Largest batch for which ``device="cuda"`` runs the persistent cooperative kernels
    (one launch per sequence, weights in shared memory) instead of one launch per step
    (``NUMBARNN_CUDA_PERSISTENT_MAX_BATCH``, default 64, from the H100 measurements in
    ``docs/performance.rst``; 0 turns them off, a large value always uses them).
``DEFAULT_DTYPE``
    The floating type of new networks when none is given.
"""

import os

from numba.core.config import NUMBA_NUM_THREADS

_FASTMATH_FLAGS = frozenset({"nsz", "arcp", "contract", "afn", "reassoc"})


def _env_int(name, default, minimum=1):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        parsed = int(value)
    except ValueError:
        raise ValueError(f"{name}={value!r} is not an integer; unset it or give a positive integer") from None
    if parsed < minimum:
        raise ValueError(f"{name}={value!r} must be an integer >= {minimum}")
    return parsed


FASTMATH = set() if os.environ.get("NUMBARNN_FASTMATH", "1") == "0" else set(_FASTMATH_FLAGS)
JIT_OPTIONS = {"cache": True, "fastmath": FASTMATH, "error_model": "numpy"}
BATCH_CHUNKS = _env_int("NUMBARNN_BATCH_CHUNKS", NUMBA_NUM_THREADS)
WORKSPACE_BYTES = _env_int("NUMBARNN_WORKSPACE_MB", 1024) * 2**20
THREADS_PER_BLOCK = _env_int("NUMBARNN_THREADS_PER_BLOCK", 128)
CUDA_TILE = _env_int("NUMBARNN_CUDA_TILE", 16)
CUDA_PERSISTENT_MAX_BATCH = _env_int("NUMBARNN_CUDA_PERSISTENT_MAX_BATCH", 64, minimum=0)
DEFAULT_DTYPE = "float32"
