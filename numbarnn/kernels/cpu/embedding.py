"""Embedding lookup and its gradient.

The gradient sums, for every table row, the output gradients of the tokens that looked it up. The
sum runs over the tokens in their order inside a fixed chunk of embedding columns, so every element
has one ordered sum: the same bits for any thread count (no atomics, no per-thread partials).
"""

from numba import njit, prange

from ...config import JIT_OPTIONS


@njit(parallel=True, **JIT_OPTIONS)
def embedding_gather(weight, ids, out):
    """``out[n] = weight[ids[n]]``; weight (V, D), ids (N,) int64 within [0, V), out (N, D)."""
    D = weight.shape[1]
    for n in prange(ids.shape[0]):
        row = ids[n]
        for d in range(D):
            out[n, d] = weight[row, d]


@njit(parallel=True, **JIT_OPTIONS)
def embedding_scatter(grad, ids, padding_idx, chunk, grad_weight):
    """``grad_weight[ids[n]] += grad[n]`` for every ``n`` whose id is not ``padding_idx`` (-1: none).

    grad (N, D), ids (N,) int64, grad_weight (V, D) zeroed by the caller; the columns are cut in
    pieces of ``chunk``, one per parallel iteration.
    """
    N, D = grad.shape
    for c in prange((D + chunk - 1) // chunk):
        d0 = c * chunk
        d1 = min(d0 + chunk, D)
        for n in range(N):
            row = ids[n]
            if row == padding_idx:
                continue
            for d in range(d0, d1):
                grad_weight[row, d] += grad[n, d]
