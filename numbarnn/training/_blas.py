"""Keep BLAS at one thread while numbarnn's parallel Numba code runs.

The network kernels call no BLAS (see :mod:`numbarnn.kernels.cpu.packed`),
but the NumPy work between them (heads, losses, optimizers, analysis) does.
A multi-threaded BLAS there would start a second thread pool beside Numba's,
and two pools on the same cores stall each other (measured: 4 ms per parallel
region on a loaded 2-core machine). So network calls and training loops hold
every loaded BLAS at one thread with threadpoolctl, when it is installed (the
``fast`` extra). Without it the results are the same; only speed can suffer.
The networks themselves call no BLAS, so they do not pay for this (nor for
importing SciPy's BLAS, which takes about 0.2 s).
"""

import contextlib

try:
    from threadpoolctl import ThreadpoolController
except ImportError:  # optional: see the module docstring
    ThreadpoolController = None

_controller = None


def single_threaded_blas():
    """Return a context manager under which BLAS runs on one thread."""
    global _controller
    if ThreadpoolController is None:
        return contextlib.nullcontext()
    if _controller is None:
        # SciPy's BLAS loads late; load it now so the controller sees it.
        import scipy.linalg.cython_blas  # noqa: F401

        _controller = ThreadpoolController()
    return _controller.limit(limits=1, user_api="blas")
