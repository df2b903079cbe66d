"""Keep BLAS at one thread while parallel Numba kernels call it.

The CPU kernels call BLAS (through Numba's ``np.dot``) from each batch chunk
in parallel. A multi-threaded BLAS under that would put threads on threads, so
while a kernel runs we limit every loaded BLAS to one thread with
threadpoolctl, when it is installed (the ``fast`` extra). Without it the
results are the same; only speed can suffer. The GEMMs outside the kernels
keep BLAS's own threading.
"""

import contextlib

# Numba's np.dot calls SciPy's BLAS; load it now so the controller below sees it.
import scipy.linalg.cython_blas  # noqa: F401

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
        _controller = ThreadpoolController()
    return _controller.limit(limits=1, user_api="blas")
