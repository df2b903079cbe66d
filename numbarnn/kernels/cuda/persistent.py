"""Persistent cooperative kernels: one launch per sequence, the recurrent weights on chip.

The hidden units are split into tiles of ``J`` units; a block owns a tile and
keeps the ``G * J`` rows of ``w_hh`` that produce its units' gates (forward),
or the ``J`` columns that its units' state gradients need (backward), in
shared memory for the whole sequence. Each step the block forms its products
for groups of ``BT`` batch rows (thread ``(c, sl)`` sums column ``c`` over
the reduction indices ``k = sl, sl + ns, ...``; shared memory then adds the
``ns`` slices), applies the cell to its units, writes the new state to global
memory, and the whole grid synchronises once (``this_grid().sync()``, a
cooperative launch). A block may own several tiles (any grid size works, a
single block included); the weights then stream from global memory (L2)
instead of shared memory.

Forward state lives in a double buffer ``hbuf[2, B, H]``; the LSTM cell state
``cbuf`` is owned by one thread per element and updated in place. Backward
carries ``dzc[2, B, G*H]`` (this step's gate gradients, read by every block
in the next step) and ``dhbuf``/``dcbuf`` (the parts of the state gradient
that stay with the owning thread). The tapes are the per-step kernels', so
both stages share the weight-gradient GEMMs.
"""

from numba import int64

from ..._cuda import cuda
from .cells import (gru_backward, gru_forward, gru_record, lstm_backward, lstm_forward, lstm_record, rnn_backward,
                    rnn_forward, step_time)

cuda = cuda()

#: Batch rows per group: each thread keeps BT accumulators in registers.
BT = 8



@cuda.jit(device=True)
def _products(w, woff, ncols, K, vec, voff, vstride, b0, B, partial, tid, nthreads):
    """partial[(sl*BT + bb)*ncols + c] = sum over k = sl, sl+ns, ... of w[woff + k*ncols + c] * vec[row b0+bb, k]."""
    ns = nthreads // ncols
    c = tid % ncols
    sl = tid // ncols
    if sl < ns:
        acc = cuda.local.array(BT, dtype=partial.dtype)
        rows = cuda.local.array(BT, dtype=int64)
        for bb in range(BT):
            acc[bb] = 0
            rows[bb] = voff + min(b0 + bb, B - 1) * vstride  # rows past B repeat the last (unused)
        for k in range(sl, K, ns):
            wk = w[woff + k * ncols + c]
            for bb in range(BT):
                acc[bb] += wk * vec[rows[bb] + k]
        for bb in range(BT):
            partial[(sl * BT + bb) * ncols + c] = acc[bb]


@cuda.jit(device=True)
def _reduce(partial, ns, bb, c, ncols):
    acc = partial[bb * ncols + c]
    for sl in range(1, ns):
        acc += partial[(sl * BT + bb) * ncols + c]
    return acc


@cuda.jit(device=True)
def _stage_weights(dyn, wflat, tile, nw):
    for i in range(cuda.threadIdx.x, nw, cuda.blockDim.x):
        dyn[i] = wflat[tile * nw + i]
    cuda.syncthreads()


@cuda.jit(device=True)
def _group_products(use_smem, dyn, wflat, tile, nw, ncols, K, vec, voff, b0, B, partial):
    """This group's products, with the weights from shared memory or from global memory."""
    tid, nthreads = cuda.threadIdx.x, cuda.blockDim.x
    if use_smem:
        _products(dyn, 0, ncols, K, vec, voff, K, b0, B, partial, tid, nthreads)
    else:
        _products(wflat, tile * nw, ncols, K, vec, voff, K, b0, B, partial, tid, nthreads)
    cuda.syncthreads()


@cuda.jit
def lstm_forward_persistent(steps, xproj, wflat, J, hbuf, hflat, cbuf, lengths, reverse, record, use_smem, one,
                            out, gates, c_prev, tanh_c, h_prev):
    """Whole-sequence LSTM forward; ``wflat`` is (tiles, H, 4J) flattened: [tile, k, g*J + jj] = w_hh[g*H + j, k]."""
    B, H = cbuf.shape
    ncols = 4 * J
    nw = H * ncols
    ntiles = (H + J - 1) // J
    dyn = cuda.shared.array(0, dtype=xproj.dtype)
    partial = dyn[nw:] if use_smem else dyn
    ns = cuda.blockDim.x // ncols
    if use_smem:
        _stage_weights(dyn, wflat, cuda.blockIdx.x, nw)
    grid = cuda.cg.this_grid()
    for s in range(steps):
        cur = s % 2
        nxt = 1 - cur
        for tile in range(cuda.blockIdx.x, ntiles, cuda.gridDim.x):
            for b0 in range(0, B, BT):
                _group_products(use_smem, dyn, wflat, tile, nw, ncols, H, hflat, cur * B * H, b0, B, partial)
                for idx in range(cuda.threadIdx.x, BT * J, cuda.blockDim.x):
                    bb = idx // J
                    b = b0 + bb
                    j = tile * J + idx % J
                    if b >= B or j >= H:
                        continue
                    L = lengths[b]
                    if s >= L:
                        hbuf[nxt, b, j] = hbuf[cur, b, j]
                        continue
                    t = step_time(s, L, reverse)
                    jj = idx % J
                    cp = cbuf[b, j]
                    ig, fg, gg, og, c, tc, h = lstm_forward(
                        xproj[t, b, j] + _reduce(partial, ns, bb, jj, ncols),
                        xproj[t, b, H + j] + _reduce(partial, ns, bb, J + jj, ncols),
                        xproj[t, b, 2 * H + j] + _reduce(partial, ns, bb, 2 * J + jj, ncols),
                        xproj[t, b, 3 * H + j] + _reduce(partial, ns, bb, 3 * J + jj, ncols), cp, one)
                    cbuf[b, j] = c
                    hbuf[nxt, b, j] = h
                    out[t, b, j] = h
                    if record:
                        lstm_record(gates, c_prev, tanh_c, h_prev, t, b, j, ig, fg, gg, og, cp, tc, hbuf[cur, b, j])
                cuda.syncthreads()
        grid.sync()


@cuda.jit
def gru_forward_persistent(steps, xproj, wflat, J, b_hh, hbuf, hflat, lengths, reverse, record, use_smem, one,
                           out, gates, hn, h_prev):
    """Whole-sequence GRU forward; ``wflat`` as for the LSTM with 3 gates; ``xproj`` holds only b_ih."""
    B, H = hbuf.shape[1], hbuf.shape[2]
    ncols = 3 * J
    nw = H * ncols
    ntiles = (H + J - 1) // J
    dyn = cuda.shared.array(0, dtype=xproj.dtype)
    partial = dyn[nw:] if use_smem else dyn
    ns = cuda.blockDim.x // ncols
    if use_smem:
        _stage_weights(dyn, wflat, cuda.blockIdx.x, nw)
    grid = cuda.cg.this_grid()
    for s in range(steps):
        cur = s % 2
        nxt = 1 - cur
        for tile in range(cuda.blockIdx.x, ntiles, cuda.gridDim.x):
            for b0 in range(0, B, BT):
                _group_products(use_smem, dyn, wflat, tile, nw, ncols, H, hflat, cur * B * H, b0, B, partial)
                for idx in range(cuda.threadIdx.x, BT * J, cuda.blockDim.x):
                    bb = idx // J
                    b = b0 + bb
                    j = tile * J + idx % J
                    if b >= B or j >= H:
                        continue
                    L = lengths[b]
                    if s >= L:
                        hbuf[nxt, b, j] = hbuf[cur, b, j]
                        continue
                    t = step_time(s, L, reverse)
                    jj = idx % J
                    hp = hbuf[cur, b, j]
                    an = b_hh[2 * H + j] + _reduce(partial, ns, bb, 2 * J + jj, ncols)
                    rg, zg, ng, h = gru_forward(
                        xproj[t, b, j], xproj[t, b, H + j], xproj[t, b, 2 * H + j],
                        b_hh[j] + _reduce(partial, ns, bb, jj, ncols),
                        b_hh[H + j] + _reduce(partial, ns, bb, J + jj, ncols), an, hp, one)
                    hbuf[nxt, b, j] = h
                    out[t, b, j] = h
                    if record:
                        gru_record(gates, hn, h_prev, t, b, j, rg, zg, ng, an, hp)
                cuda.syncthreads()
        grid.sync()


@cuda.jit
def rnn_forward_persistent(steps, xproj, wflat, J, hbuf, hflat, lengths, reverse, relu, record, use_smem, one,
                           out, h_prev):
    """Whole-sequence Elman RNN forward (tanh or relu); ``xproj`` holds both biases."""
    B, H = hbuf.shape[1], hbuf.shape[2]
    ncols = J
    nw = H * ncols
    ntiles = (H + J - 1) // J
    dyn = cuda.shared.array(0, dtype=xproj.dtype)
    partial = dyn[nw:] if use_smem else dyn
    ns = cuda.blockDim.x // ncols
    if use_smem:
        _stage_weights(dyn, wflat, cuda.blockIdx.x, nw)
    grid = cuda.cg.this_grid()
    for s in range(steps):
        cur = s % 2
        nxt = 1 - cur
        for tile in range(cuda.blockIdx.x, ntiles, cuda.gridDim.x):
            for b0 in range(0, B, BT):
                _group_products(use_smem, dyn, wflat, tile, nw, ncols, H, hflat, cur * B * H, b0, B, partial)
                for idx in range(cuda.threadIdx.x, BT * J, cuda.blockDim.x):
                    bb = idx // J
                    b = b0 + bb
                    j = tile * J + idx % J
                    if b >= B or j >= H:
                        continue
                    L = lengths[b]
                    if s >= L:
                        hbuf[nxt, b, j] = hbuf[cur, b, j]
                        continue
                    t = step_time(s, L, reverse)
                    h = rnn_forward(xproj[t, b, j] + _reduce(partial, ns, bb, idx % J, ncols), relu, one)
                    hbuf[nxt, b, j] = h
                    out[t, b, j] = h
                    if record:
                        h_prev[t, b, j] = hbuf[cur, b, j]
                cuda.syncthreads()
        grid.sync()


@cuda.jit
def lstm_backward_persistent(steps, grad_out, wflat, J, dzc, dzflat, dhbuf, dcbuf, lengths, reverse, use_smem,
                             one, gates, c_prev, tanh_c, dz):
    """Whole-sequence LSTM BPTT; ``wflat`` is (tiles, 4H, J) flattened: [tile, r, jj] = w_hh[r, tile*J + jj].

    On return ``dhbuf``/``dcbuf`` hold the gradients of the initial state and ``dz`` the gate gradients.
    """
    B, H = dhbuf.shape
    GH = 4 * H
    nw = GH * J
    ntiles = (H + J - 1) // J
    dyn = cuda.shared.array(0, dtype=grad_out.dtype)
    partial = dyn[nw:] if use_smem else dyn
    ns = cuda.blockDim.x // J
    if use_smem:
        _stage_weights(dyn, wflat, cuda.blockIdx.x, nw)
    grid = cuda.cg.this_grid()
    for it in range(steps + 1):
        s = steps - 1 - it  # -1: the last product only, into the initial-state gradient
        prev = it % 2
        cur = 1 - prev
        for tile in range(cuda.blockIdx.x, ntiles, cuda.gridDim.x):
            for b0 in range(0, B, BT):
                _group_products(use_smem, dyn, wflat, tile, nw, J, GH, dzflat, prev * B * GH, b0, B, partial)
                for idx in range(cuda.threadIdx.x, BT * J, cuda.blockDim.x):
                    b = b0 + idx // J
                    j = tile * J + idx % J
                    if b >= B or j >= H:
                        continue
                    dh = dhbuf[b, j] + _reduce(partial, ns, idx // J, idx % J, J)
                    if s < 0:
                        dhbuf[b, j] = dh
                        continue
                    L = lengths[b]
                    if s >= L:
                        for g in range(4):
                            dzc[cur, b, g * H + j] = 0
                        continue
                    t = step_time(s, L, reverse)
                    di, df, dg, do, dcp = lstm_backward(
                        dh + grad_out[t, b, j], dcbuf[b, j], gates[t, b, j], gates[t, b, H + j],
                        gates[t, b, 2 * H + j], gates[t, b, 3 * H + j], tanh_c[t, b, j], c_prev[t, b, j], one)
                    dcbuf[b, j] = dcp
                    dhbuf[b, j] = 0
                    dzc[cur, b, j] = di
                    dzc[cur, b, H + j] = df
                    dzc[cur, b, 2 * H + j] = dg
                    dzc[cur, b, 3 * H + j] = do
                    dz[t, b, j] = di
                    dz[t, b, H + j] = df
                    dz[t, b, 2 * H + j] = dg
                    dz[t, b, 3 * H + j] = do
                cuda.syncthreads()
        grid.sync()


@cuda.jit
def gru_backward_persistent(steps, grad_out, wflat, J, dzc, dzflat, dhbuf, lengths, reverse, use_smem, one,
                            gates, hn, h_prev, dz_in, dz_hid):
    """Whole-sequence GRU BPTT; ``dhbuf`` carries the direct term ``dh * z`` between steps."""
    B, H = dhbuf.shape
    GH = 3 * H
    nw = GH * J
    ntiles = (H + J - 1) // J
    dyn = cuda.shared.array(0, dtype=grad_out.dtype)
    partial = dyn[nw:] if use_smem else dyn
    ns = cuda.blockDim.x // J
    if use_smem:
        _stage_weights(dyn, wflat, cuda.blockIdx.x, nw)
    grid = cuda.cg.this_grid()
    for it in range(steps + 1):
        s = steps - 1 - it
        prev = it % 2
        cur = 1 - prev
        for tile in range(cuda.blockIdx.x, ntiles, cuda.gridDim.x):
            for b0 in range(0, B, BT):
                _group_products(use_smem, dyn, wflat, tile, nw, J, GH, dzflat, prev * B * GH, b0, B, partial)
                for idx in range(cuda.threadIdx.x, BT * J, cuda.blockDim.x):
                    b = b0 + idx // J
                    j = tile * J + idx % J
                    if b >= B or j >= H:
                        continue
                    dh = dhbuf[b, j] + _reduce(partial, ns, idx // J, idx % J, J)
                    if s < 0:
                        dhbuf[b, j] = dh
                        continue
                    L = lengths[b]
                    if s >= L:
                        for g in range(3):
                            dzc[cur, b, g * H + j] = 0
                        continue
                    t = step_time(s, L, reverse)
                    rg = gates[t, b, j]
                    dr, dzz, dn, direct = gru_backward(dh + grad_out[t, b, j], rg, gates[t, b, H + j],
                                                       gates[t, b, 2 * H + j], hn[t, b, j], h_prev[t, b, j], one)
                    dhbuf[b, j] = direct
                    dzc[cur, b, j] = dr
                    dzc[cur, b, H + j] = dzz
                    dzc[cur, b, 2 * H + j] = dn * rg
                    dz_in[t, b, j] = dr
                    dz_in[t, b, H + j] = dzz
                    dz_in[t, b, 2 * H + j] = dn
                    dz_hid[t, b, j] = dr
                    dz_hid[t, b, H + j] = dzz
                    dz_hid[t, b, 2 * H + j] = dn * rg
                cuda.syncthreads()
        grid.sync()


@cuda.jit
def rnn_backward_persistent(steps, grad_out, wflat, J, dzc, dzflat, dhbuf, lengths, reverse, relu, use_smem, one,
                            out, dz):
    """Whole-sequence Elman RNN BPTT."""
    B, H = dhbuf.shape
    nw = H * J
    ntiles = (H + J - 1) // J
    dyn = cuda.shared.array(0, dtype=grad_out.dtype)
    partial = dyn[nw:] if use_smem else dyn
    ns = cuda.blockDim.x // J
    if use_smem:
        _stage_weights(dyn, wflat, cuda.blockIdx.x, nw)
    grid = cuda.cg.this_grid()
    for it in range(steps + 1):
        s = steps - 1 - it
        prev = it % 2
        cur = 1 - prev
        for tile in range(cuda.blockIdx.x, ntiles, cuda.gridDim.x):
            for b0 in range(0, B, BT):
                _group_products(use_smem, dyn, wflat, tile, nw, J, H, dzflat, prev * B * H, b0, B, partial)
                for idx in range(cuda.threadIdx.x, BT * J, cuda.blockDim.x):
                    b = b0 + idx // J
                    j = tile * J + idx % J
                    if b >= B or j >= H:
                        continue
                    dh = dhbuf[b, j] + _reduce(partial, ns, idx // J, idx % J, J)
                    if s < 0:
                        dhbuf[b, j] = dh
                        continue
                    L = lengths[b]
                    if s >= L:
                        dzc[cur, b, j] = 0
                        continue
                    t = step_time(s, L, reverse)
                    d = rnn_backward(dh + grad_out[t, b, j], out[t, b, j], relu, one)
                    dhbuf[b, j] = 0
                    dzc[cur, b, j] = d
                    dz[t, b, j] = d
                cuda.syncthreads()
        grid.sync()
