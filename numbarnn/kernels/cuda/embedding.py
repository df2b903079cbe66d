"""Embedding lookup and its gradient on the GPU, twins of :mod:`numbarnn.kernels.cpu.embedding`.

The gradient gives each thread one embedding column and sums over the tokens in order: the same
bits as the CPU kernel, with no atomics.
"""

from .runtime import cuda

cuda = cuda()


@cuda.jit
def embedding_gather(weight, ids, out):
    """``out[n, d] = weight[ids[n], d]`` over a grid-stride loop of ``N * D`` elements."""
    N, D = out.shape
    for i in range(cuda.grid(1), N * D, cuda.gridsize(1)):
        n = i // D
        d = i - n * D
        out[n, d] = weight[ids[n], d]


@cuda.jit
def embedding_scatter(grad, ids, padding_idx, grad_weight):
    """``grad_weight[ids[n], d] += grad[n, d]`` in token order for each column ``d`` (one thread each;
    ``grad_weight`` zeroed by the caller)."""
    N, D = grad.shape
    for d in range(cuda.grid(1), D, cuda.gridsize(1)):
        for n in range(N):
            row = ids[n]
            if row != padding_idx:
                grad_weight[row, d] += grad[n, d]
