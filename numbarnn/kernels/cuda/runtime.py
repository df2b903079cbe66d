"""The one place that imports ``numba.cuda`` (from the numba-cuda package).

It is imported lazily, only when ``device="cuda"`` is asked for, so the CPU
package never pays for it. Tests without a GPU set ``NUMBA_ENABLE_CUDASIM=1``
before numba is imported; :data:`SIM` says whether the simulator is on.
"""

import numpy as np
from numba.core import config as _numba_config

SIM = bool(_numba_config.ENABLE_CUDASIM)

_SIMULATOR_HINT = ("set NUMBA_ENABLE_CUDASIM=1 in the environment before Python starts to run the CUDA "
                   "kernels on Numba's CUDA simulator (slow, for testing)")


def cuda():
    """The ``numba.cuda`` module, or a clear error when numba-cuda is missing."""
    if not hasattr(np, "row_stack"):
        # numba-cuda 0.30.4 registers an overload for np.row_stack, which NumPy 2.5 removed, when it
        # first compiles a kernel; the alias (row_stack was vstack) keeps it working on NumPy >= 2.5.
        np.row_stack = np.vstack
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


def allow_dynamic_shared(kernel_fn, nbytes):
    """Let a compiled kernel (one overload of a ``@cuda.jit`` kernel) take up to ``nbytes`` of dynamic
    shared memory per block: past 48 KiB the driver needs this opt-in (a no-op under the simulator)."""
    if SIM:
        return
    from numba.cuda.cudadrv.driver import binding, driver
    cufunc = kernel_fn._codelibrary.get_cufunc()
    attr = binding.CUfunction_attribute.CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES
    driver.cuKernelSetAttribute(attr, nbytes, cufunc.handle, cufunc.device.id)


def is_device_array(a):
    """True for GPU arrays: CuPy, PyTorch CUDA tensors, numba device arrays (the CUDA array interface).

    Under the simulator, numba's simulated device arrays count too.
    """
    try:
        if hasattr(a, "__cuda_array_interface__"):
            return True
    except RuntimeError as err:  # torch: a tensor that requires grad refuses to export itself
        raise TypeError(f"{err}; pass tensor.detach()") from None
    return SIM and type(a).__name__ == "FakeCUDAArray"


def as_device(a):
    """A numba device-array view of a GPU array, with no copy."""
    return a if SIM else cuda().as_cuda_array(a)
