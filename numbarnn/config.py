"""Every setting of the package, read once at import; most may be overridden by an environment variable.

Code reads these as ``config.NAME`` when it uses them, never copies them at
import time, so a later assignment (``numbarnn.config.CUDA_TILE = 8``, or
``monkeypatch.setattr`` in a test) reaches every call made after it. The
exceptions are ``FASTMATH`` and ``JIT_OPTIONS``, which are compiled into the
CPU kernels when they are first built.

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
    (``NUMBARNN_BATCH_CHUNKS``; default ``None``: the calling thread's Numba
    thread count at each call, ``numba.get_num_threads()``, so a step that runs
    on one thread, after ``numba.set_num_threads(1)`` or by the training loop's
    choice, is one chunk: two chunks on one thread made each step's products
    half as tall, and a small network's fit 25% slower).
    Neither this number nor ``numba.set_num_threads`` changes a single bit of
    any result: every product sums in one fixed order per output element
    (:mod:`numbarnn.kernels.cpu.packed`).
``ADAPTIVE_THREADS``
    Whether the training loop chooses each step's thread count by timing (all of Numba's threads
    or one; see :mod:`numbarnn.training.threads`): on by default, ``NUMBARNN_ADAPTIVE_THREADS=0``
    turns it off. It never changes a result.
``TN_COPY_PANELS``
    From how many panels of ``[x, h]`` the weight-gradient product reads ``dz`` through copied
    slices instead of in place (``NUMBARNN_TN_COPY_PANELS``; default ``None``: measured on this
    machine at the first backward, see :mod:`numbarnn.backends.calibration`). Never changes a result.
``WORKSPACE_BYTES``
    Most bytes of scratch blocks the pool keeps for reuse (``NUMBARNN_WORKSPACE_MB``,
    default 1024 MB; see :mod:`numbarnn.backends.workspace`).
``THREADS_PER_BLOCK``
    CUDA threads per block (``NUMBARNN_THREADS_PER_BLOCK``).
``CUDA_TILE``
    Edge of the square shared-memory tiles of the CUDA GEMM (``NUMBARNN_CUDA_TILE``,
    default 16).
``CUDA_PERSISTENT_MAX_BATCH``
    Largest batch for which ``device="cuda"`` runs the persistent cooperative kernels
    (one launch per sequence, weights in shared memory) instead of one launch per step
    (``NUMBARNN_CUDA_PERSISTENT_MAX_BATCH``, default 64, see :doc:`/gpu`; 0 turns them
    off, a large value always uses them).
``DEFAULT_DTYPE``
    The floating type of new networks when none is given.

CUDA launch settings (see :doc:`/gpu`):

``CUDA_MAX_BLOCKS``
    Largest grid of the 1-d grid-stride kernels (1 checks single-block correctness).
``CUDA_PERSISTENT_THREADS``
    Threads per block of the persistent kernels (at least the gate columns a block owns).
``CUDA_PERSISTENT_UNITS``
    Hidden units per persistent block; ``None`` lets the planner choose.
``CUDA_PERSISTENT_CHUNK``
    Longest chunk of the carried vector a persistent block stages at once; ``None`` sizes it to fit.
``CUDA_WHOLE_COLUMNS``
    Largest G*H for which one persistent block holds all of ``w_hh`` (no grid barrier).
``CUDA_STATIC_SHARED``
    Bytes of static shared memory reserved for a persistent kernel (the grid barrier's;
    the sm_90 compile test checks the kernels stay within it).
``CUDA_SIM_BLOCKS``
    Blocks of a one-tile persistent launch under the simulator (its grid barrier is right for one).
``CUDA_GEMM``
    ``"auto"`` multiplies with CuPy (cuBLAS) when CuPy is importable, ``"numba"`` with the tiled numba GEMM.
``CUDA_ALLOCATOR``
    ``"auto"`` takes device arrays from CuPy's caching pool when CuPy is importable, ``"numba"`` from numba.
``CUDA_LAUNCH_EVENTS``
    ``None``, or a list to which every persistent launch appends ``(kernel name, start event, end
    event)``, so a benchmark can split a call's time into the recurrence and everything around it.
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
BATCH_CHUNKS = _env_int("NUMBARNN_BATCH_CHUNKS", 0) or None
ADAPTIVE_THREADS = os.environ.get("NUMBARNN_ADAPTIVE_THREADS", "1") != "0"
TN_COPY_PANELS = _env_int("NUMBARNN_TN_COPY_PANELS", 0) or None
WORKSPACE_BYTES = _env_int("NUMBARNN_WORKSPACE_MB", 1024) * 2**20
THREADS_PER_BLOCK = _env_int("NUMBARNN_THREADS_PER_BLOCK", 128)
CUDA_TILE = _env_int("NUMBARNN_CUDA_TILE", 16)
CUDA_PERSISTENT_MAX_BATCH = _env_int("NUMBARNN_CUDA_PERSISTENT_MAX_BATCH", 64, minimum=0)
DEFAULT_DTYPE = "float32"

CUDA_MAX_BLOCKS = 1024
CUDA_PERSISTENT_THREADS = 256
CUDA_PERSISTENT_UNITS = None
CUDA_PERSISTENT_CHUNK = None
CUDA_WHOLE_COLUMNS = 384
CUDA_STATIC_SHARED = 2048
CUDA_SIM_BLOCKS = 1
CUDA_GEMM = "auto"
CUDA_ALLOCATOR = "auto"
CUDA_LAUNCH_EVENTS = None
