"""Matrix products over all ``T*B`` rows, for the work outside the time loop.

Each runs the packed microkernel of :mod:`.packed` in Numba's thread pool,
split over fixed chunks of output rows. Every output element is one ordered
sum, so the result depends neither on ``n_chunks`` nor on the thread count.
The ``_serial`` forms do the same work on the calling thread, with the same
bits: for a product too small to share (a readout head's), entering a
parallel region costs more than the arithmetic.
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
        _rows(a, wp, bias, out, r0, r1)


@njit(**JIT_OPTIONS)
def matmul_rows_serial(a, wp, bias, out):
    """:func:`matmul_rows` on the calling thread."""
    _rows(a, wp, bias, out, 0, a.shape[0])


@njit(inline="always", **JIT_OPTIONS)
def _rows(a, wp, bias, out, r0, r1):
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


@njit(**JIT_OPTIONS)
def matmul_tn_serial(a, bp, out, copy_from):
    """:func:`matmul_tn` on the calling thread."""
    packed_matmul_tn(a, bp, out, 0, out.shape[0], copy_from)


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
        _column_sums(a, out, j0, j1)


@njit(**JIT_OPTIONS)
def column_sums_serial(a, out):
    """:func:`column_sums` on the calling thread."""
    _column_sums(a, out, 0, out.shape[0])


@njit(inline="always", **JIT_OPTIONS)
def _column_sums(a, out, j0, j1):
    acc = out[j0:j1]
    acc[:] = 0
    for r in range(a.shape[0]):
        row = a[r, j0:j1]
        for j in range(j1 - j0):
            acc[j] += row[j]
