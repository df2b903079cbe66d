"""Matrix products split over fixed row chunks, for the GEMMs outside the time loop.

All parallel work runs in Numba's one thread pool with BLAS held at one
thread, so two pools never fight over the cores. Each chunk's rows are
computed by one BLAS call and partial sums are added in chunk order, so the
result depends on ``n_chunks`` only, never on the number of threads.
"""

import numpy as np
from numba import njit, prange

from ...config import JIT_OPTIONS
from ._chunks import chunk_bounds


@njit(parallel=True, **JIT_OPTIONS)
def matmul_rows(a, b, bias, out, n_chunks):
    """``out = a @ b + bias`` with the rows of ``a`` cut in ``n_chunks`` pieces.

    a : (M, K) C-contiguous; b : (K, N) C- or F-contiguous; bias : (N,) or
    empty for none; out : (M, N) C-contiguous.
    """
    M = a.shape[0]
    for k in prange(n_chunks):
        r0, r1 = chunk_bounds(k, n_chunks, M)
        np.dot(a[r0:r1], b, out[r0:r1])
        if bias.shape[0] > 0:
            for r in range(r0, r1):
                out[r] += bias


@njit(parallel=True, **JIT_OPTIONS)
def matmul_tn(a, b, out, n_chunks):
    """``out = a.T @ b``, a sum over the rows of ``a`` and ``b`` in ``n_chunks`` pieces.

    a : (M, P) and b : (M, N) C-contiguous; out : (P, N).
    """
    M = a.shape[0]
    partial = np.empty((n_chunks, a.shape[1], b.shape[1]), dtype=out.dtype)
    for k in prange(n_chunks):
        r0, r1 = chunk_bounds(k, n_chunks, M)
        np.dot(a[r0:r1].T, b[r0:r1], partial[k])
    out[:] = partial[0]
    for k in range(1, n_chunks):
        out += partial[k]
