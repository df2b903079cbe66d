"""Matrix products over all ``T*B`` rows, for the work outside the time loop.

Both run the packed microkernel of :mod:`.packed` in Numba's thread pool,
split over fixed chunks of output rows. Every output element is one ordered
sum, so the result depends neither on ``n_chunks`` nor on the thread count.
"""

from numba import njit, prange

from ...config import JIT_OPTIONS
from ._chunks import chunk_bounds
from .packed import MR, packed_matmul, packed_matmul_tn


@njit(parallel=True, **JIT_OPTIONS)
def matmul_rows(a, wp, bias, out, n_chunks):
    """``out = a @ W + bias`` with the rows of ``a`` cut in ``n_chunks`` pieces.

    a : (M, K), unit column stride; wp : ``W`` (K, N) packed by :func:`.packed.pack_panels`;
    bias : (N,) or empty for none; out : (M, N) C-contiguous.
    """
    M = a.shape[0]
    for k in prange(n_chunks):
        r0, r1 = chunk_bounds(k, n_chunks, M)
        packed_matmul(a, wp, out, r0, r1)
        if bias.shape[0] > 0:
            for r in range(r0, r1):
                out[r] += bias


@njit(parallel=True, **JIT_OPTIONS)
def matmul_tn(a, bp, out, n_chunks, copy_from):
    """``out = a.T @ b``, a sum over the rows of ``a`` and ``b``, with the rows of ``out`` in ``n_chunks`` pieces.

    a : (M, P), unit column stride (see :func:`.packed.packed_matmul_tn` on its row stride);
    bp : ``b`` (M, N) packed by :func:`.packed.pack_panels`; out : (P, N) C-contiguous;
    copy_from : ``a`` is read through copied column slices when ``bp`` has at least this many
    panels, else in place (the same bits either way).
    """
    blocks = -(-out.shape[0] // MR)
    for k in prange(n_chunks):
        i0, i1 = chunk_bounds(k, n_chunks, blocks)
        packed_matmul_tn(a, bp, out, i0 * MR, min(i1 * MR, out.shape[0]), copy_from)


@njit(parallel=True, **JIT_OPTIONS)
def column_sums(a, out, n_chunks):
    """``out = a[:, :len(out)].sum(axis=0)`` (a bias gradient), the columns cut in ``n_chunks`` pieces.

    a : (M, N >= len(out)), C-contiguous (a padded array is summed in place: the spare
    columns are not read). Each column is summed over the rows in order, so the result
    does not depend on ``n_chunks``.
    """
    N = out.shape[0]
    for k in prange(n_chunks):
        j0, j1 = chunk_bounds(k, n_chunks, N)
        acc = out[j0:j1]
        acc[:] = 0
        for r in range(a.shape[0]):
            row = a[r, j0:j1]
            for j in range(j1 - j0):
                acc[j] += row[j]
