"""GEMM, column sums and fills for the CUDA backend (no warp intrinsics: the simulator runs them)."""

import math

from .runtime import cuda

cuda = cuda()

_GEMMS = {}


def gemm(tile):
    """The tiled GEMM kernel for ``tile`` x ``tile`` blocks (built once per tile: the shared-memory tiles
    need a compile-time size); launch it on ``(tile, tile)`` threads per block."""
    if tile not in _GEMMS:
        _GEMMS[tile] = _build_gemm(tile)
    return _GEMMS[tile]


def _build_gemm(TILE):
    @cuda.jit
    def gemm_kernel(A, B, C, bias, zero, trans_a, trans_b, accumulate):
        """C = op(A) @ op(B) (+ bias) (+ C if accumulate), tiled through shared memory.

        op(A) is (M, K): ``A`` itself, or ``A.T`` when ``trans_a``; likewise B (K, N).
        ``bias`` is (N,) or empty; ``zero`` is 0 in C's dtype, so float32 products
        accumulate in float32 (a float literal would make them float64). Each block
        computes TILE x TILE outputs and walks the output tiles with a grid-stride loop.
        """
        sA = cuda.shared.array((TILE, TILE), dtype=C.dtype)
        sB = cuda.shared.array((TILE, TILE), dtype=C.dtype)
        M, N = C.shape
        K = A.shape[0] if trans_a else A.shape[1]
        tx = cuda.threadIdx.x
        ty = cuda.threadIdx.y
        tiles_m = (M + TILE - 1) // TILE
        tiles_n = (N + TILE - 1) // TILE
        for tile in range(cuda.blockIdx.x, tiles_m * tiles_n, cuda.gridDim.x):
            row = (tile // tiles_n) * TILE + ty
            col = (tile % tiles_n) * TILE + tx
            acc = zero
            for k0 in range(0, K, TILE):
                ka = k0 + tx
                kb = k0 + ty
                if row < M and ka < K:
                    sA[ty, tx] = A[ka, row] if trans_a else A[row, ka]
                else:
                    sA[ty, tx] = 0
                if col < N and kb < K:
                    sB[ty, tx] = B[col, kb] if trans_b else B[kb, col]
                else:
                    sB[ty, tx] = 0
                cuda.syncthreads()
                for k in range(TILE):
                    acc += sA[ty, k] * sB[k, tx]
                cuda.syncthreads()
            if row < M and col < N:
                if bias.shape[0] > 0:
                    acc += bias[col]
                if accumulate:
                    acc += C[row, col]
                C[row, col] = acc

    return gemm_kernel


@cuda.jit
def column_sums(A, out, zero):
    """out[j] = sum_i A[i, j], accumulated in the dtype of ``zero``."""
    start = cuda.grid(1)
    for j in range(start, A.shape[1], cuda.gridsize(1)):
        acc = zero
        for i in range(A.shape[0]):
            acc += A[i, j]
        out[j] = acc


@cuda.jit
def fill(a, value):
    """a[...] = value for a flat (1-d view of an) array."""
    start = cuda.grid(1)
    for i in range(start, a.shape[0], cuda.gridsize(1)):
        a[i] = value


@cuda.jit
def transpose(a, out):
    """out = a.T for 2-d arrays."""
    R, C = a.shape
    for i in range(cuda.grid(1), R * C, cuda.gridsize(1)):
        out[i % C, i // C] = a[i // C, i % C]


@cuda.jit
def swap_leading(a, out):
    """out[j, i, c] = a[i, j, c] for 3-d arrays (batch-first <-> time-major)."""
    A, B, C = a.shape
    for n in range(cuda.grid(1), A * B * C, cuda.gridsize(1)):
        c = n % C
        i = n // (B * C)
        j = (n // C) % B
        out[j, i, c] = a[i, j, c]


@cuda.jit
def pack_rows(w_hh, G, J, out):
    """Forward weights of the persistent kernels: out[tile, k, g*J + jj] = w_hh[g*H + tile*J + jj, k] (0 past H)."""
    ntiles, H, ncols = out.shape
    for i in range(cuda.grid(1), out.size, cuda.gridsize(1)):
        tile = i // (H * ncols)
        k = (i // ncols) % H
        g = (i % ncols) // J
        j = tile * J + i % J
        out[tile, k, i % ncols] = w_hh[g * H + j, k] if j < H else 0


@cuda.jit
def pack_columns(w_hh, J, out):
    """Backward weights of the persistent kernels: out[tile, r, jj] = w_hh[r, tile*J + jj] (0 past H)."""
    ntiles, R, _ = out.shape
    H = w_hh.shape[1]
    for i in range(cuda.grid(1), out.size, cuda.gridsize(1)):
        tile = i // (R * J)
        r = (i // J) % R
        j = tile * J + i % J
        out[tile, r, i % J] = w_hh[r, j] if j < H else 0


@cuda.jit
def multiply(a, b, out):
    """out = a * b for flat arrays."""
    for i in range(cuda.grid(1), out.shape[0], cuda.gridsize(1)):
        out[i] = a[i] * b[i]


@cuda.jit
def add(a, b, out):
    """out = a + b for flat arrays."""
    for i in range(cuda.grid(1), out.shape[0], cuda.gridsize(1)):
        out[i] = a[i] + b[i]


@cuda.jit
def copy_columns(src, dst, col0, into_dst):
    """dst[:, :, col0:col0 + n] = src (``into_dst``), or src = dst[:, :, col0:col0 + n]; n = src.shape[2]."""
    T, B, n = src.shape
    for i in range(cuda.grid(1), T * B * n, cuda.gridsize(1)):
        t = i // (B * n)
        b = (i // n) % B
        c = i % n
        if into_dst:
            dst[t, b, col0 + c] = src[t, b, c]
        else:
            src[t, b, c] = dst[t, b, col0 + c]


@cuda.jit
def mask_padding(x, lengths, out, nonfinite):
    """out = x with steps past each row's length set to 0; counts non-finite values at valid steps."""
    T, B, F = x.shape
    for i in range(cuda.grid(1), T * B * F, cuda.gridsize(1)):
        t = i // (B * F)
        b = (i // F) % B
        f = i % F
        v = x[t, b, f]
        if t < lengths[b]:
            out[t, b, f] = v
            if not math.isfinite(v):
                cuda.atomic.add(nonfinite, 0, 1)
        else:
            out[t, b, f] = 0
