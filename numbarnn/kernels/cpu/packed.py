"""Products against a weight matrix packed once into SIMD-wide column panels.

The recurrent product of every timestep multiplies a few rows of state by the
same weight matrix. A BLAS call re-packs that matrix on every step (at the
standard benchmark shape, more time than the arithmetic); here it is packed
once per call by :func:`pack_panels` into blocks of ``KC`` rows and panels
of ``NR`` columns (``(KB, P, KC, NR)``, zero-padded), where ``NR`` is two
SIMD registers of the dtype (:func:`panel_width`) and one ``KC x NR`` block
fits in the L1 cache (block sizes from this machine's caches,
:mod:`numbarnn.kernels.cpu.caches`). The same layout serves the large products outside the
time loop (input projection, input and weight gradients), so no BLAS call
remains on a network's path.

:func:`packed_matmul` (and :func:`packed_matmul_tn` for ``a.T @ b``)
computes ``MR`` rows by ``NR`` columns at a time with a register-blocked
microkernel written in LLVM IR (``_tile``): ``2*MR`` vector accumulators,
one broadcast and two fused multiply-adds per row and ``k``. Each output
element is one fused multiply-add chain over ``k = 0 .. K-1`` in order (a
stored and reloaded partial sum is exact), so results do not depend on
``KC``, on how rows are split, or on the number of threads. Vector width
follows the CPU features Numba compiles for (the host's, or
``NUMBA_CPU_FEATURES``: 512 bits with AVX-512, 256 with AVX, else 128); LLVM
legalises wider vectors on narrower hardware, so the code is correct on
every CPU. Its speed against BLAS, per machine, is in ``docs/performance.rst``.
"""

import llvmlite.binding as llvm
import numpy as np
from llvmlite import ir
from numba import njit, prange, types
from numba.core import cgutils
from numba.core import config as numba_config
from numba.extending import intrinsic

from ...config import JIT_OPTIONS
from .caches import blocking, host_cache_bytes


def _target_features(override):
    """The CPU features Numba compiles for: ``override`` (``NUMBA_CPU_FEATURES``, as Numba reads it)
    when it is set, else the host's."""
    if override is not None:
        return {f[1:] for f in override.split(",") if f.startswith("+")}
    return {name for name, on in llvm.get_host_cpu_features().items() if on}


def _target_vector_bits(override=None):
    """Widest SIMD register, in bits, of the features Numba targets.

    >>> _target_vector_bits("+avx,+avx2,+fma,-avx512f"), _target_vector_bits("+sse2"), _target_vector_bits("+avx512f")
    (256, 128, 512)
    """
    features = _target_features(override)
    if "avx512f" in features:
        return 512
    return 256 if "avx" in features else 128


VECTOR_BITS = _target_vector_bits(numba_config.CPU_FEATURES)
#: Rows per microkernel call: 8 rows x 2 vectors = 16 accumulators fit AVX-512's
#: 32 registers. AVX2's 16 registers hold 6 rows (12 accumulators, two weight vectors and a
#: broadcast, as BLIS's 6 x 16 Haswell kernel): two fused multiply-add units of 4-5 cycles' latency
#: need 8-10 independent chains, and 4 rows gave 8 (forward+backward 4-11% slower than 6 rows on
#: an AMD Zen 4 compiled for AVX2). SSE keeps 4.
MR = 8 if VECTOR_BITS == 512 else (6 if VECTOR_BITS == 256 else 4)


#: Data cache bytes of this machine's cores (L1, L2) and the blocking they give
#: (:func:`numbarnn.kernels.cpu.caches.blocking`; 256, 16 and 512 KiB with 32 KiB of L1 and 1 MiB of L2
#: or more): ``KC`` rows of the packed operand per block (a ``KC x NR`` block fits in L1),
#: ``PANEL_GROUP`` panels visited together by every row slice (half of L2 at most), and the bytes of
#: copied ``a`` slices that :func:`packed_matmul_tn` runs every panel over (half of L2 at most).
CACHE_BYTES = host_cache_bytes()
KC, PANEL_GROUP, A_BLOCK_BYTES = blocking(*CACHE_BYTES, VECTOR_BITS)


def panel_width(dtype):
    """Columns per packed panel for ``dtype``: two SIMD registers' worth."""
    return 2 * VECTOR_BITS // (8 * np.dtype(dtype).itemsize)


def packed_shape(k, n, dtype):
    """Shape ``(KB, P, KC, NR)`` of a (k, n) matrix packed by :func:`pack_panels`."""
    width = panel_width(dtype)
    kc = min(KC, max(k, 1))
    return -(-k // kc), -(-n // width), kc, width


def _data_pointer(context, builder, arrtype, value, offset):
    data = cgutils.create_struct_proxy(arrtype)(context, builder, value=value).data
    return builder.gep(data, [offset])


@intrinsic(prefer_literal=True)
def _tile(typingctx, c, c_off, ldc, a, a_off, sa, sk, wp, w_off, k, n_cols, accumulate, rows):
    """``c[i, j] (+)= sum_k a[a_off + i*sa + k*sk] * wp[w_off + k*NR + j]`` for ``i < rows, j < n_cols``.

    ``c[i, j]`` sits at ``c_off + i*ldc + j``. ``rows`` must be a compile-time
    integer; the arrays must share one float dtype.
    """
    if not isinstance(rows, types.IntegerLiteral):
        return None
    if not (isinstance(c, types.Array) and c.dtype in (types.float32, types.float64)
            and a.dtype == c.dtype and wp.dtype == c.dtype):
        return None
    n_rows = rows.literal_value
    sig = types.void(c, c_off, ldc, a, a_off, sa, sk, wp, w_off, k, n_cols, accumulate, rows)

    def codegen(context, builder, signature, args):
        c_v, c_off_v, ldc_v, a_v, a_off_v, sa_v, sk_v, w_v, w_off_v, k_v, ncol_v, acc_v, _ = args
        dtype = signature.args[0].dtype
        bits = 32 if dtype == types.float32 else 64
        lanes = VECTOR_BITS // bits
        align = bits // 8
        elem = context.get_value_type(dtype)
        vec = ir.VectorType(elem, lanes)
        vec_ptr = vec.as_pointer()
        i64 = ir.IntType(64)

        def const(v):
            return ir.Constant(i64, v)

        fma = cgutils.get_or_insert_function(builder.module, ir.FunctionType(vec, [vec] * 3),
                                             f"llvm.fma.v{lanes}f{bits}")
        cbase = _data_pointer(context, builder, signature.args[0], c_v, c_off_v)
        abase = _data_pointer(context, builder, signature.args[3], a_v, a_off_v)
        wbase = _data_pointer(context, builder, signature.args[7], w_v, w_off_v)
        undef = ir.Constant(vec, ir.Undefined)
        splat = ir.Constant(ir.VectorType(ir.IntType(32), lanes), [0] * lanes)
        zero = ir.Constant(vec, [ir.Constant(elem, 0.0)] * lanes)
        ncol = builder.sext(ncol_v, i64) if ncol_v.type.width < 64 else ncol_v
        # A partial panel (the last, narrower than NR) goes through this buffer.
        buf = cgutils.alloca_once(builder, ir.ArrayType(elem, 2 * lanes))
        buf0 = builder.gep(buf, [const(0), const(0)])
        accumulate_v = builder.trunc(acc_v, ir.IntType(1)) if acc_v.type.width > 1 else acc_v

        def vec_at(base, h):
            return builder.bitcast(builder.gep(base, [const(h * lanes)]), vec_ptr)

        def row_c(i):
            return builder.gep(cbase, [builder.mul(const(i), ldc_v)])

        def emit(width):
            # The tile over ``width`` vectors of each panel row: two, or (for MR rows) one where the
            # panel (the last, partly filled) has at most one vector's worth of columns, which halves
            # its multiply-adds. Each element is the same chain of fused multiply-adds either way.
            full = builder.icmp_signed("==", ncol, const(width * lanes))
            # Accumulators live in allocas that LLVM promotes to registers.
            acc = [[cgutils.alloca_once(builder, vec) for _ in range(width)] for _ in range(n_rows)]
            with builder.if_else(accumulate_v) as (then, otherwise):
                with then:
                    for i in range(n_rows):
                        with builder.if_else(full) as (is_full, is_partial):
                            with is_full:
                                for h in range(width):
                                    builder.store(builder.load(vec_at(row_c(i), h), align=align), acc[i][h])
                            with is_partial:
                                for h in range(width):
                                    builder.store(zero, vec_at(buf0, h))
                                with cgutils.for_range(builder, ncol) as col:
                                    src = builder.gep(row_c(i), [col.index])
                                    builder.store(builder.load(src), builder.gep(buf0, [col.index]))
                                for h in range(width):
                                    builder.store(builder.load(vec_at(buf0, h), align=align), acc[i][h])
                with otherwise:
                    for row in acc:
                        for slot in row:
                            builder.store(zero, slot)
            with cgutils.for_range(builder, k_v) as loop:
                kk = loop.index
                wk = builder.gep(wbase, [builder.mul(kk, const(2 * lanes))])
                w = [builder.load(vec_at(wk, h), align=align) for h in range(width)]
                ak = builder.gep(abase, [builder.mul(kk, sk_v)])
                for i in range(n_rows):
                    a_ik = builder.load(builder.gep(ak, [builder.mul(const(i), sa_v)]))
                    a_vec = builder.shuffle_vector(builder.insert_element(undef, a_ik, ir.Constant(ir.IntType(32), 0)),
                                                   undef, splat)
                    for h in range(width):
                        builder.store(builder.call(fma, [a_vec, w[h], builder.load(acc[i][h])]), acc[i][h])
            for i in range(n_rows):
                with builder.if_else(full) as (is_full, is_partial):
                    with is_full:
                        for h in range(width):
                            builder.store(builder.load(acc[i][h]), vec_at(row_c(i), h), align=align)
                    with is_partial:
                        for h in range(width):
                            builder.store(builder.load(acc[i][h]), vec_at(buf0, h), align=align)
                        with cgutils.for_range(builder, ncol) as col:
                            builder.store(builder.load(builder.gep(buf0, [col.index])),
                                          builder.gep(row_c(i), [col.index]))

        if n_rows < MR:  # the rows left over past the last MR: two vectors (one body, less to compile)
            emit(2)
            return context.get_dummy_value()
        with builder.if_else(builder.icmp_signed("<=", ncol, const(lanes))) as (narrow, wide):
            with narrow:
                emit(1)
            with wide:
                emit(2)
        return context.get_dummy_value()

    return sig, codegen


@njit(**JIT_OPTIONS)
def _tile_tail(c, c_off, ldc, a, a_off, sa, sk, wp, w_off, k, n_cols, accumulate, rows):
    # The last rows < MR of a product; each count is its own unrolled microkernel.
    if rows == 1:
        _tile(c, c_off, ldc, a, a_off, sa, sk, wp, w_off, k, n_cols, accumulate, 1)
    elif rows == 2:
        _tile(c, c_off, ldc, a, a_off, sa, sk, wp, w_off, k, n_cols, accumulate, 2)
    elif rows == 3:
        _tile(c, c_off, ldc, a, a_off, sa, sk, wp, w_off, k, n_cols, accumulate, 3)
    elif MR > 4 and rows == 4:
        _tile(c, c_off, ldc, a, a_off, sa, sk, wp, w_off, k, n_cols, accumulate, 4)
    elif MR > 5 and rows == 5:
        _tile(c, c_off, ldc, a, a_off, sa, sk, wp, w_off, k, n_cols, accumulate, 5)
    elif MR > 6 and rows == 6:
        _tile(c, c_off, ldc, a, a_off, sa, sk, wp, w_off, k, n_cols, accumulate, 6)
    elif MR > 7 and rows == 7:
        _tile(c, c_off, ldc, a, a_off, sa, sk, wp, w_off, k, n_cols, accumulate, 7)


@njit(**JIT_OPTIONS)
def packed_matmul(a, wp, c, r0, r1):
    """Rows ``[r0, r1)`` of ``c = a @ W``; serial.

    a : (M, K), unit column stride (rows may be strided); wp : ``W`` (K, N)
    packed by :func:`pack_panels`, shape (KB, P, KC, NR); c : (M, N)
    C-contiguous, only rows ``[r0, r1)`` written.
    """
    _blocked(a, a.shape[1], a.strides[0] // a.itemsize, 1, wp, c, r0, r1)


@njit(**JIT_OPTIONS)
def packed_matmul_tn(a, wp, c, r0, r1, copy_from):
    """Rows ``[r0, r1)`` of ``c = a.T @ b``; serial.

    a : (K, M), unit column stride; wp : ``b`` (K, N) packed by
    :func:`pack_panels`; c : (M, N) C-contiguous; copy_from : int, read ``a``
    through copied slices when ``b`` has at least this many panels, else in place.

    Each microkernel call reads ``MR`` adjacent columns of ``a`` down ``KC``
    rows. Read in place that is half a cache line per row, and when ``a``'s
    row stride is a multiple of a few KiB those rows fall in the same L1 sets
    and evict each other (measured: 171 against 205 GFLOP/s at ``a`` 6400 x
    2048), so callers give such arrays a padded row stride (see
    :func:`numbarnn.backends.cpu.padded_empty`). With ``copy_from`` panels or
    more the columns are copied into contiguous ``(KC, MR)`` slices first. Which
    is faster depends on the CPU (one Intel Xeon core: 102-106 GFLOP/s in place
    against 122-132 copied at 18 panels; one AMD Zen 4 core: in place faster at
    every count from 3 to 19 panels), so the caller measures it
    (:mod:`numbarnn.backends.calibration`). Both sum each element in the same
    order: the same bits.
    """
    KB, P, KC, NR = wp.shape
    if P < copy_from:
        _blocked(a, a.shape[0], 1, a.strides[0] // a.itemsize, wp, c, r0, r1)
        return
    K, N = a.shape[0], c.shape[1]
    # Each KC-row block of a's columns r0..r1 is first copied into MR-column slices, (KC, MR) each,
    # so the microkernel reads them contiguously instead of one half cache line per row. Then, per
    # group of slices that fits in L2 (A_BLOCK_BYTES), each packed panel (KC x NR, in L1) meets
    # every slice of the group: the panel is read from L2 once per group, not once per slice
    # (Intel Xeon, one core, the product alone: 83-122 -> 106-129 GFLOP/s at 1,024-2,048 gates and
    # 265-577 columns; a whole LSTM forward+backward at the batch shape 4.7% faster).
    n = r1 - r0
    buf = np.empty(-(-n // MR) * KC * MR, dtype=a.dtype)
    block = max(MR, A_BLOCK_BYTES // (KC * a.itemsize) // MR * MR)
    for kb in range(KB):
        k0 = kb * KC
        kn = min(KC, K - k0)
        for kk in range(kn):
            src = a[k0 + kk]
            full = n // MR * MR
            for q0 in range(0, full, MR):  # a fixed MR-wide copy: one vector move
                base = q0 * KC + kk * MR
                for j in range(MR):
                    buf[base + j] = src[r0 + q0 + j]
            for j in range(n - full):
                buf[full * KC + kk * MR + j] = src[r0 + full + j]
        for m0 in range(r0, r1, block):
            for p in range(P):
                n_cols = min(NR, N - p * NR)
                w_off = (kb * P + p) * KC * NR
                for i in range(m0, min(r1, m0 + block), MR):
                    rows = min(MR, r1 - i)
                    off = ((i - r0) // MR) * KC * MR
                    if rows == MR:
                        _tile(c, i * N + p * NR, N, buf, off, 1, MR, wp, w_off, kn, n_cols, kb > 0, MR)
                    else:
                        _tile_tail(c, i * N + p * NR, N, buf, off, 1, MR, wp, w_off, kn, n_cols, kb > 0, rows)


@njit(**JIT_OPTIONS)
def _blocked(a, K, sa, sk, wp, c, r0, r1):
    # A[i, k] = a.flat[i*sa + k*sk]. Loop order as in Goto's GEMM: for each block of KC
    # rows of W and each group of PANEL_GROUP panels (about 512 KiB, kept in L2), every
    # MR-row slice of A (in L1) meets every panel of the group.
    KB, P, KC, NR = wp.shape
    N = c.shape[1]
    ldc = c.shape[1]
    for kb in range(KB):
        k0 = kb * KC
        kn = min(KC, K - k0)
        for p0 in range(0, P, PANEL_GROUP):
            p1 = min(P, p0 + PANEL_GROUP)
            i = r0
            while i < r1:
                # The last MR + t rows (0 < t < MR) as two near-equal slices rather than MR and t: a
                # slice of few rows has too few accumulator chains to hide the fused multiply-add's
                # latency (32 rows with MR = 6: 6, 6, 6, 6, 4, 4 rather than 6, 6, 6, 6, 6, 2).
                left = r1 - i
                rows = (left + 1) // 2 if MR < left < 2 * MR else min(MR, left)
                a_off = i * sa + k0 * sk
                for p in range(p0, p1):
                    n_cols = min(NR, N - p * NR)
                    w_off = (kb * P + p) * KC * NR
                    if rows == MR:
                        _tile(c, i * ldc + p * NR, ldc, a, a_off, sa, sk, wp, w_off, kn, n_cols, kb > 0, MR)
                    else:
                        _tile_tail(c, i * ldc + p * NR, ldc, a, a_off, sa, sk, wp, w_off, kn, n_cols, kb > 0, rows)
                i += rows


@njit(inline="always", **JIT_OPTIONS)
def _pack_block(w, transpose, out, kb):
    # Block kb of pack_panels: out[kb, p, kk, j] = W[kb*KC + kk, p*NR + j], zero past W's edges.
    _, P, KC, NR = out.shape
    K, N = (w.shape[1], w.shape[0]) if transpose else (w.shape[0], w.shape[1])
    for p in range(P):
        for kk in range(KC):
            k = kb * KC + kk
            if not transpose and k < K and (p + 1) * NR <= N:
                for j in range(NR):  # the bulk: a contiguous row piece
                    out[kb, p, kk, j] = w[k, p * NR + j]
                continue
            for j in range(NR):
                n = p * NR + j
                if k >= K or n >= N:
                    out[kb, p, kk, j] = 0
                elif transpose:
                    out[kb, p, kk, j] = w[n, k]
                else:
                    out[kb, p, kk, j] = w[k, n]


@njit(parallel=True, **JIT_OPTIONS)
def pack_panels(w, transpose, out):
    """Pack ``W = w.T if transpose else w`` (K, N) into ``out`` (KB, P, KC, NR), zero-padded.

    ``out[kb, p, kk, j] = W[kb*KC + kk, p*NR + j]`` where that entry exists, else 0. The
    ``KB`` blocks are packed in parallel; :func:`pack_panels_serial` packs on the calling
    thread alone (one block has nothing to share, and a parallel region costs more than
    packing a small matrix).
    """
    for kb in prange(out.shape[0]):
        _pack_block(w, transpose, out, kb)


@njit(**JIT_OPTIONS)
def pack_panels_serial(w, transpose, out):
    """:func:`pack_panels` on the calling thread."""
    for kb in range(out.shape[0]):
        _pack_block(w, transpose, out, kb)
