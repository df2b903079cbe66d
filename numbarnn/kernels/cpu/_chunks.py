"""Batch partition and row helpers shared by the parallel CPU kernels."""

from numba import njit

from ...config import JIT_OPTIONS


@njit(**JIT_OPTIONS)
def chunk_bounds(k, n_chunks, batch):
    """Rows ``[b0, b1)`` of chunk ``k`` when ``batch`` rows are cut in ``n_chunks``."""
    return k * batch // n_chunks, (k + 1) * batch // n_chunks


@njit(inline="always", **JIT_OPTIONS)
def copy_row(dst, src):
    """``dst[:] = src`` for 1-D rows, inlined: a slice assignment costs about 10x more per row."""
    for j in range(src.shape[0]):
        dst[j] = src[j]


@njit(inline="always", **JIT_OPTIONS)
def add_row(dst, src):
    """``dst += src`` for 1-D rows, inlined."""
    for j in range(src.shape[0]):
        dst[j] += src[j]


@njit(**JIT_OPTIONS)
def step_time(s, length, reverse):
    """Time index of step ``s`` of a sequence of ``length`` steps, read forwards or backwards."""
    return length - 1 - s if reverse else s


@njit(**JIT_OPTIONS)
def max_length(lengths, b0, b1):
    """Longest sequence among rows ``[b0, b1)``."""
    m = 0
    for b in range(b0, b1):
        if lengths[b] > m:
            m = lengths[b]
    return m


@njit(**JIT_OPTIONS)
def zero_padding(arr, lengths, b0, b1):
    """Zero ``arr[t, b]`` for every padded step ``t >= lengths[b]`` of rows ``[b0, b1)``.

    Kernels take outputs allocated with ``np.empty`` and zero only the padding
    that is read later (outputs, GEMM operands), which saves a full memset.
    """
    for b in range(b0, b1):
        for t in range(lengths[b], arr.shape[0]):
            arr[t, b] = 0


@njit(**JIT_OPTIONS)
def step_rows(src, cols, scratch, lengths, b0, b1, s, reverse):
    """Rows ``[b0, b1)`` of ``src`` (T, B, >= cols) at step ``s``, as a (b1-b0, cols) matrix.

    When every row runs step ``s`` at one time index ``t`` (equal lengths, the
    common case) this is the view ``src[t, b0:b1, :cols]``; otherwise the rows
    are gathered into ``scratch``, with zeros for rows that have ended.
    """
    t = -1
    for b in range(b0, b1):
        tb = step_time(s, lengths[b], reverse) if s < lengths[b] else -1
        if tb < 0 or (t >= 0 and tb != t):
            break
        t = tb
    else:
        return src[t, b0:b1, :cols]
    for b in range(b0, b1):
        if s < lengths[b]:
            scratch[b - b0, :cols] = src[step_time(s, lengths[b], reverse), b, :cols]
        else:
            scratch[b - b0, :cols] = 0
    return scratch[:, :cols]
