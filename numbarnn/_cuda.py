"""The one place that imports ``numba.cuda`` (from the numba-cuda package).

It is imported lazily, only when ``device="cuda"`` is asked for, so the CPU
package never pays for it. Tests without a GPU set ``NUMBA_ENABLE_CUDASIM=1``
before numba is imported; :data:`SIM` says whether the simulator is on.
"""

from numba.core import config as _numba_config

SIM = bool(_numba_config.ENABLE_CUDASIM)

_SIMULATOR_HINT = ("set NUMBA_ENABLE_CUDASIM=1 in the environment before Python starts to run the CUDA "
                   "kernels on Numba's CUDA simulator (slow, for testing)")


def cuda():
    """The ``numba.cuda`` module, or a clear error when numba-cuda is missing."""
    try:
        from numba import cuda as numba_cuda
    except ImportError as err:  # pragma: no cover - depends on the install
        raise RuntimeError("device='cuda' needs the numba-cuda package: pip install 'numbarnn[cuda]'") from err
    return numba_cuda


def require_gpu():
    """Return ``numba.cuda`` if a GPU (or the simulator) is usable; never fall back to the CPU silently."""
    numba_cuda = cuda()
    if not numba_cuda.is_available():
        raise RuntimeError(f"device='cuda' was asked for but no usable CUDA GPU was found; {_SIMULATOR_HINT}, "
                           "or use device='cpu'")
    return numba_cuda
