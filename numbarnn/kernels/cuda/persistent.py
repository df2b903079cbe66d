"""Persistent cooperative kernels: one launch per sequence, the recurrent weights on chip.

The hidden units are split into tiles of ``J`` units; a block owns a tile and
keeps the ``G * J`` rows of ``w_hh`` that produce its units' gates (forward),
or the ``J`` columns that its units' state gradients need (backward), in
shared memory for the whole sequence. A block may own several tiles (any grid
size works, a single block included); the weights then stream from global
memory (L2) instead of shared memory. With one tile (small H: all of ``w_hh``
fits one block) every block holds the whole matrix and the blocks split the
batch rows instead, so no block ever waits for another and the step ends
with a block barrier only (:func:`split`).

Each step, for every group of ``BT`` batch rows:

1. the block copies the group's rows of the carried vector (``h`` forward,
   the gate gradients backward) from global memory into shared memory, in
   chunks of ``KC`` entries, all threads loading at once;
2. thread ``(c, sl)`` sums column ``c`` over the reduction indices
   ``k = sl, sl + ns, ...`` of each chunk, with ``BT`` register accumulators;
3. the ``ns`` partial sums of each column are folded in parallel to
   ``parts`` (:func:`fold`), which the threads applying the cell add up;
4. the cell's threads take their inputs (staged with the rows in step 1),
   apply the cell, and write the new state to global memory.

The whole grid then synchronises once (``this_grid().sync()``, a cooperative
launch). ``BT`` is a compile-time constant (register accumulators); the
kernels are built for BT = 1, 2, 4, 8 and 16 by :func:`kernels`, and the host
picks the smallest that holds the batch (or 16), so a batch of one does one
multiply-add per weight and step, not sixteen.

Forward state lives in a double buffer ``hbuf[2, B, H]``; the LSTM cell state
``cbuf`` is owned by one thread per element and updated in place. Backward
carries ``dzc[2, B, G*H]`` (this step's gate gradients, read by every block
in the next step) and ``dhbuf``/``dcbuf`` (the parts of the state gradient
that stay with the owning thread). The tapes are the per-step kernels', so
both stages share the weight-gradient GEMMs.

Shared memory of a block: the weights (``nw`` entries, when on chip), then
``blockDim * BT`` partial sums, then ``BT * KC`` staged vector entries, then
the cell's inputs for the step, ``BT * J`` per value (:func:`stage_column`):
G input projections forward; backward the tape values (LSTM 7, GRU 6, RNN 2).
"""

import types

from .runtime import cuda
from .cells import (gru_backward, gru_forward, gru_record, lstm_backward, lstm_forward, lstm_record, rnn_backward,
                    rnn_forward, step_time)

cuda = cuda()

#: The batch-group sizes the kernels are built for.
BATCH_TILES = (1, 2, 4, 8, 16)


@cuda.jit(device=True)
def fold(partial, ns, nout):
    """Fold ``ns`` slices of ``nout`` partial sums to ``parts`` slices in place; returns ``parts``.

    Slice ``p < parts`` ends up holding the sum of slices p, p + parts, ...; each thread
    reads only the slices congruent to its own, so the fold needs no extra buffer.
    """
    tid, nt = cuda.threadIdx.x, cuda.blockDim.x
    parts = max(1, min(ns, nt // nout))
    if parts < ns:
        for i in range(tid, parts * nout, nt):
            o = i % nout
            acc = partial[i]
            for sl in range(i // nout + parts, ns, parts):
                acc += partial[sl * nout + o]
            partial[i] = acc
        cuda.syncthreads()
    return parts


@cuda.jit(device=True)
def total(partial, parts, nout, col):
    """Sum over the ``parts`` folded slices of output ``col`` (= bb * ncols + c)."""
    acc = partial[col]
    for p in range(1, parts):
        acc += partial[p * nout + col]
    return acc


@cuda.jit(device=True)
def split(ntiles, bt):
    """(first tile, tile stride, first row, row stride) of this block.

    Several tiles: blocks split the units and every block walks all the rows. One tile: every
    block holds all the weights and blocks split the rows, so no block waits on another.
    """
    if ntiles == 1:
        return 0, 1, cuda.blockIdx.x * bt, cuda.gridDim.x * bt
    return cuda.blockIdx.x, cuda.gridDim.x, 0, bt


@cuda.jit(device=True)
def stage_weights(dyn, wflat, tile, nw):
    for i in range(cuda.threadIdx.x, nw, cuda.blockDim.x):
        dyn[i] = wflat[tile * nw + i]
    cuda.syncthreads()


def _build(BT):
    """The six persistent kernels for batch groups of ``BT`` rows."""

    @cuda.jit(device=True)
    def shared_layout(like, wflat, tile, nw, use_smem, KC):
        """The dynamic shared memory as (weights, partial sums, staged rows, staged cell inputs).

        With ``use_smem`` the first ``nw`` entries receive this block's tile of the weights.
        """
        dyn = cuda.shared.array(0, dtype=like.dtype)
        partial = dyn[nw:] if use_smem else dyn
        hs = partial[cuda.blockDim.x * BT:]
        if use_smem:
            stage_weights(dyn, wflat, tile, nw)
        return dyn, partial, hs, hs[BT * KC:]

    @cuda.jit(device=True)
    def group_sums(w, woff, ncols, K, vec, voff, b0, B, partial, hs, KC):
        """Products of this tile's ``ncols`` weight columns with rows b0.. of ``vec``; returns the folded parts.

        ``w[woff + k * ncols + c]`` is column c's k-th weight; ``vec`` row b starts at ``voff + b * K``.
        Rows past B are staged as zeros.
        """
        tid, nt = cuda.threadIdx.x, cuda.blockDim.x
        ns = nt // ncols
        c = tid % ncols
        sl = tid // ncols
        nb = min(BT, B - b0)
        acc = cuda.local.array(BT, dtype=partial.dtype)
        for bb in range(BT):
            acc[bb] = 0
        for k0 in range(0, K, KC):
            kc = min(KC, K - k0)
            if k0 > 0:
                cuda.syncthreads()  # every thread is done with the previous chunk
            for i in range(tid, BT * kc, nt):
                bb = i // kc
                hs[i] = vec[voff + (b0 + bb) * K + k0 + i % kc] if bb < nb else 0
            cuda.syncthreads()
            if sl < ns:
                for kk in range(sl, kc, ns):
                    wk = w[woff + (k0 + kk) * ncols + c]
                    for bb in range(BT):
                        acc[bb] += wk * hs[bb * kc + kk]
        if sl < ns:
            for bb in range(BT):
                partial[(sl * BT + bb) * ncols + c] = acc[bb]
        cuda.syncthreads()
        return fold(partial, ns, BT * ncols)

    @cuda.jit(device=True)
    def stage_column(xs, a, col0, slot, nslots, s, lengths, reverse, b0, B, tile, J, H):
        """xs[(bb * nslots + slot) * J + jj] = a[t, b0 + bb, col0 + tile*J + jj] for rows inside their sequence.

        The cell's inputs for step ``s`` (input projections forward, tape values backward), staged by
        all threads before the products so that their loads overlap the staging of the state rows
        instead of waiting until the cell needs them.
        """
        for i in range(cuda.threadIdx.x, BT * J, cuda.blockDim.x):
            b = b0 + i // J
            j = tile * J + i % J
            if b < B and j < H and s >= 0:
                L = lengths[b]
                if s < L:
                    xs[((i // J) * nslots + slot) * J + i % J] = a[step_time(s, L, reverse), b, col0 + j]

    @cuda.jit(device=True)
    def block_sums(use_smem, dyn, wflat, tile, nw, ncols, K, vec, voff, b0, B, partial, hs, KC):
        """:func:`group_sums` with the weights from shared memory or from global memory."""
        if use_smem:
            return group_sums(dyn, 0, ncols, K, vec, voff, b0, B, partial, hs, KC)
        return group_sums(wflat, tile * nw, ncols, K, vec, voff, b0, B, partial, hs, KC)

    @cuda.jit
    def lstm_forward_persistent(steps, xproj, wflat, J, KC, hbuf, hflat, cbuf, lengths, reverse, record, use_smem,
                                one, out, gates, c_prev, tanh_c, h_prev):
        """Whole-sequence LSTM forward.

        ``wflat`` is (tiles, H, 4J) flattened: [tile, k, g*J + jj] = w_hh[g*H + j, k].
        """
        B, H = cbuf.shape
        ncols = 4 * J
        nout = BT * ncols
        nw = H * ncols
        ntiles = (H + J - 1) // J
        tile0, tstride, row0, rstride = split(ntiles, BT)
        dyn, partial, hs, xs = shared_layout(xproj, wflat, tile0, nw, use_smem, KC)
        grid = cuda.cg.this_grid()
        for s in range(steps):
            cur = s % 2
            nxt = 1 - cur
            for tile in range(tile0, ntiles, tstride):
                for b0 in range(row0, B, rstride):
                    for g in range(4):
                        stage_column(xs, xproj, g * H, g, 4, s, lengths, reverse, b0, B, tile, J, H)
                    parts = block_sums(use_smem, dyn, wflat, tile, nw, ncols, H, hflat, cur * B * H, b0, B,
                                       partial, hs, KC)
                    for idx in range(cuda.threadIdx.x, BT * J, cuda.blockDim.x):
                        bb = idx // J
                        jj = idx % J
                        b = b0 + bb
                        j = tile * J + jj
                        if b >= B or j >= H:
                            continue
                        L = lengths[b]
                        if s >= L:
                            hbuf[nxt, b, j] = hbuf[cur, b, j]
                            continue
                        t = step_time(s, L, reverse)
                        col = bb * ncols + jj
                        xi, xf, xg, xo = xs[col], xs[J + col], xs[2 * J + col], xs[3 * J + col]
                        cp = cbuf[b, j]
                        hp = hbuf[cur, b, j]
                        ig, fg, gg, og, c, tc, h = lstm_forward(
                            xi + total(partial, parts, nout, col), xf + total(partial, parts, nout, J + col),
                            xg + total(partial, parts, nout, 2 * J + col),
                            xo + total(partial, parts, nout, 3 * J + col), cp, one)
                        cbuf[b, j] = c
                        hbuf[nxt, b, j] = h
                        out[t, b, j] = h
                        if record:
                            lstm_record(gates, c_prev, tanh_c, h_prev, t, b, j, ig, fg, gg, og, cp, tc, hp)
                    cuda.syncthreads()
            if ntiles > 1:  # one tile: blocks own whole rows and need no grid barrier
                grid.sync()

    @cuda.jit
    def gru_forward_persistent(steps, xproj, wflat, J, KC, b_hh, hbuf, hflat, lengths, reverse, record, use_smem,
                               one, out, gates, hn, h_prev):
        """Whole-sequence GRU forward; ``wflat`` as for the LSTM with 3 gates; ``xproj`` holds only b_ih."""
        B, H = hbuf.shape[1], hbuf.shape[2]
        ncols = 3 * J
        nout = BT * ncols
        nw = H * ncols
        ntiles = (H + J - 1) // J
        tile0, tstride, row0, rstride = split(ntiles, BT)
        dyn, partial, hs, xs = shared_layout(xproj, wflat, tile0, nw, use_smem, KC)
        grid = cuda.cg.this_grid()
        for s in range(steps):
            cur = s % 2
            nxt = 1 - cur
            for tile in range(tile0, ntiles, tstride):
                for b0 in range(row0, B, rstride):
                    for g in range(3):
                        stage_column(xs, xproj, g * H, g, 3, s, lengths, reverse, b0, B, tile, J, H)
                    parts = block_sums(use_smem, dyn, wflat, tile, nw, ncols, H, hflat, cur * B * H, b0, B,
                                       partial, hs, KC)
                    for idx in range(cuda.threadIdx.x, BT * J, cuda.blockDim.x):
                        bb = idx // J
                        jj = idx % J
                        b = b0 + bb
                        j = tile * J + jj
                        if b >= B or j >= H:
                            continue
                        L = lengths[b]
                        if s >= L:
                            hbuf[nxt, b, j] = hbuf[cur, b, j]
                            continue
                        t = step_time(s, L, reverse)
                        col = bb * ncols + jj
                        xr, xz, xn = xs[col], xs[J + col], xs[2 * J + col]
                        br, bz, bn = b_hh[j], b_hh[H + j], b_hh[2 * H + j]
                        hp = hbuf[cur, b, j]
                        an = bn + total(partial, parts, nout, 2 * J + col)
                        rg, zg, ng, h = gru_forward(xr, xz, xn, br + total(partial, parts, nout, col),
                                                    bz + total(partial, parts, nout, J + col), an, hp, one)
                        hbuf[nxt, b, j] = h
                        out[t, b, j] = h
                        if record:
                            gru_record(gates, hn, h_prev, t, b, j, rg, zg, ng, an, hp)
                    cuda.syncthreads()
            if ntiles > 1:  # one tile: blocks own whole rows and need no grid barrier
                grid.sync()

    @cuda.jit
    def rnn_forward_persistent(steps, xproj, wflat, J, KC, hbuf, hflat, lengths, reverse, relu, record, use_smem,
                               one, out, h_prev):
        """Whole-sequence Elman RNN forward (tanh or relu); ``xproj`` holds both biases."""
        B, H = hbuf.shape[1], hbuf.shape[2]
        ncols = J
        nout = BT * ncols
        nw = H * ncols
        ntiles = (H + J - 1) // J
        tile0, tstride, row0, rstride = split(ntiles, BT)
        dyn, partial, hs, xs = shared_layout(xproj, wflat, tile0, nw, use_smem, KC)
        grid = cuda.cg.this_grid()
        for s in range(steps):
            cur = s % 2
            nxt = 1 - cur
            for tile in range(tile0, ntiles, tstride):
                for b0 in range(row0, B, rstride):
                    stage_column(xs, xproj, 0, 0, 1, s, lengths, reverse, b0, B, tile, J, H)
                    parts = block_sums(use_smem, dyn, wflat, tile, nw, ncols, H, hflat, cur * B * H, b0, B,
                                       partial, hs, KC)
                    for idx in range(cuda.threadIdx.x, BT * J, cuda.blockDim.x):
                        b = b0 + idx // J
                        j = tile * J + idx % J
                        if b >= B or j >= H:
                            continue
                        L = lengths[b]
                        if s >= L:
                            hbuf[nxt, b, j] = hbuf[cur, b, j]
                            continue
                        t = step_time(s, L, reverse)
                        xt = xs[idx]
                        hp = hbuf[cur, b, j]
                        h = rnn_forward(xt + total(partial, parts, nout, idx), relu, one)
                        hbuf[nxt, b, j] = h
                        out[t, b, j] = h
                        if record:
                            h_prev[t, b, j] = hp
                    cuda.syncthreads()
            if ntiles > 1:  # one tile: blocks own whole rows and need no grid barrier
                grid.sync()

    @cuda.jit
    def lstm_backward_persistent(steps, grad_out, wflat, J, KC, dzc, dzflat, dhbuf, dcbuf, lengths, reverse,
                                 use_smem, one, gates, c_prev, tanh_c, dz):
        """Whole-sequence LSTM BPTT; ``wflat`` is (tiles, 4H, J) flattened: [tile, r, jj] = w_hh[r, tile*J + jj].

        On return ``dhbuf``/``dcbuf`` hold the gradients of the initial state and ``dz`` the gate gradients.
        """
        B, H = dhbuf.shape
        GH = 4 * H
        nout = BT * J
        nw = GH * J
        ntiles = (H + J - 1) // J
        tile0, tstride, row0, rstride = split(ntiles, BT)
        dyn, partial, hs, xs = shared_layout(grad_out, wflat, tile0, nw, use_smem, KC)
        grid = cuda.cg.this_grid()
        for it in range(steps + 1):
            s = steps - 1 - it  # -1: the last product only, into the initial-state gradient
            prev = it % 2
            cur = 1 - prev
            for tile in range(tile0, ntiles, tstride):
                for b0 in range(row0, B, rstride):
                    stage_column(xs, grad_out, 0, 0, 7, s, lengths, reverse, b0, B, tile, J, H)
                    for g in range(4):
                        stage_column(xs, gates, g * H, 1 + g, 7, s, lengths, reverse, b0, B, tile, J, H)
                    stage_column(xs, tanh_c, 0, 5, 7, s, lengths, reverse, b0, B, tile, J, H)
                    stage_column(xs, c_prev, 0, 6, 7, s, lengths, reverse, b0, B, tile, J, H)
                    parts = block_sums(use_smem, dyn, wflat, tile, nw, J, GH, dzflat, prev * B * GH, b0, B,
                                       partial, hs, KC)
                    for idx in range(cuda.threadIdx.x, BT * J, cuda.blockDim.x):
                        b = b0 + idx // J
                        j = tile * J + idx % J
                        if b >= B or j >= H:
                            continue
                        if s < 0:
                            dhbuf[b, j] += total(partial, parts, nout, idx)
                            continue
                        L = lengths[b]
                        if s >= L:  # this row's gate gradients were zero: nothing to add
                            for g in range(4):
                                dzc[cur, b, g * H + j] = 0
                            continue
                        t = step_time(s, L, reverse)
                        v = (idx // J) * 7 * J + idx % J
                        go, dc = xs[v], dcbuf[b, j]
                        ig, fg, gg, og = xs[v + J], xs[v + 2 * J], xs[v + 3 * J], xs[v + 4 * J]
                        tc, cp = xs[v + 5 * J], xs[v + 6 * J]
                        dh = dhbuf[b, j] + total(partial, parts, nout, idx)
                        di, df, dg, do, dcp = lstm_backward(dh + go, dc, ig, fg, gg, og, tc, cp, one)
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
            if ntiles > 1:  # one tile: blocks own whole rows and need no grid barrier
                grid.sync()

    @cuda.jit
    def gru_backward_persistent(steps, grad_out, wflat, J, KC, dzc, dzflat, dhbuf, lengths, reverse, use_smem, one,
                                gates, hn, h_prev, dz_in, dz_hid):
        """Whole-sequence GRU BPTT; ``dhbuf`` carries the direct term ``dh * z`` between steps."""
        B, H = dhbuf.shape
        GH = 3 * H
        nout = BT * J
        nw = GH * J
        ntiles = (H + J - 1) // J
        tile0, tstride, row0, rstride = split(ntiles, BT)
        dyn, partial, hs, xs = shared_layout(grad_out, wflat, tile0, nw, use_smem, KC)
        grid = cuda.cg.this_grid()
        for it in range(steps + 1):
            s = steps - 1 - it
            prev = it % 2
            cur = 1 - prev
            for tile in range(tile0, ntiles, tstride):
                for b0 in range(row0, B, rstride):
                    stage_column(xs, grad_out, 0, 0, 6, s, lengths, reverse, b0, B, tile, J, H)
                    for g in range(3):
                        stage_column(xs, gates, g * H, 1 + g, 6, s, lengths, reverse, b0, B, tile, J, H)
                    stage_column(xs, hn, 0, 4, 6, s, lengths, reverse, b0, B, tile, J, H)
                    stage_column(xs, h_prev, 0, 5, 6, s, lengths, reverse, b0, B, tile, J, H)
                    parts = block_sums(use_smem, dyn, wflat, tile, nw, J, GH, dzflat, prev * B * GH, b0, B,
                                       partial, hs, KC)
                    for idx in range(cuda.threadIdx.x, BT * J, cuda.blockDim.x):
                        b = b0 + idx // J
                        j = tile * J + idx % J
                        if b >= B or j >= H:
                            continue
                        if s < 0:
                            dhbuf[b, j] += total(partial, parts, nout, idx)
                            continue
                        L = lengths[b]
                        if s >= L:  # this row's gate gradients were zero: nothing to add
                            for g in range(3):
                                dzc[cur, b, g * H + j] = 0
                            continue
                        t = step_time(s, L, reverse)
                        v = (idx // J) * 6 * J + idx % J
                        go, rg, zg, ng = xs[v], xs[v + J], xs[v + 2 * J], xs[v + 3 * J]
                        an, hp = xs[v + 4 * J], xs[v + 5 * J]
                        dh = dhbuf[b, j] + total(partial, parts, nout, idx)
                        dr, dzz, dn, direct = gru_backward(dh + go, rg, zg, ng, an, hp, one)
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
            if ntiles > 1:  # one tile: blocks own whole rows and need no grid barrier
                grid.sync()

    @cuda.jit
    def rnn_backward_persistent(steps, grad_out, wflat, J, KC, dzc, dzflat, dhbuf, lengths, reverse, relu, use_smem,
                                one, out, dz):
        """Whole-sequence Elman RNN BPTT."""
        B, H = dhbuf.shape
        nout = BT * J
        nw = H * J
        ntiles = (H + J - 1) // J
        tile0, tstride, row0, rstride = split(ntiles, BT)
        dyn, partial, hs, xs = shared_layout(grad_out, wflat, tile0, nw, use_smem, KC)
        grid = cuda.cg.this_grid()
        for it in range(steps + 1):
            s = steps - 1 - it
            prev = it % 2
            cur = 1 - prev
            for tile in range(tile0, ntiles, tstride):
                for b0 in range(row0, B, rstride):
                    stage_column(xs, grad_out, 0, 0, 2, s, lengths, reverse, b0, B, tile, J, H)
                    stage_column(xs, out, 0, 1, 2, s, lengths, reverse, b0, B, tile, J, H)
                    parts = block_sums(use_smem, dyn, wflat, tile, nw, J, H, dzflat, prev * B * H, b0, B,
                                       partial, hs, KC)
                    for idx in range(cuda.threadIdx.x, BT * J, cuda.blockDim.x):
                        b = b0 + idx // J
                        j = tile * J + idx % J
                        if b >= B or j >= H:
                            continue
                        if s < 0:
                            dhbuf[b, j] += total(partial, parts, nout, idx)
                            continue
                        L = lengths[b]
                        if s >= L:  # this row's gate gradients were zero: nothing to add
                            dzc[cur, b, j] = 0
                            continue
                        t = step_time(s, L, reverse)
                        v = (idx // J) * 2 * J + idx % J
                        go, y = xs[v], xs[v + J]
                        d = rnn_backward(dhbuf[b, j] + total(partial, parts, nout, idx) + go, y, relu, one)
                        dhbuf[b, j] = 0
                        dzc[cur, b, j] = d
                        dz[t, b, j] = d
                    cuda.syncthreads()
            if ntiles > 1:  # one tile: blocks own whole rows and need no grid barrier
                grid.sync()

    return types.SimpleNamespace(
        lstm_forward=lstm_forward_persistent, gru_forward=gru_forward_persistent, rnn_forward=rnn_forward_persistent,
        lstm_backward=lstm_backward_persistent, gru_backward=gru_backward_persistent,
        rnn_backward=rnn_backward_persistent)


_BUILT = {}


def kernels(bt):
    """The persistent kernels for batch groups of ``bt`` rows (one of :data:`BATCH_TILES`), built once."""
    if bt not in BATCH_TILES:
        raise ValueError(f"batch tile {bt} is not one of {BATCH_TILES}")
    if bt not in _BUILT:
        _BUILT[bt] = _build(bt)
    return _BUILT[bt]


def batch_tile(batch):
    """The smallest batch tile that holds ``batch`` rows, or the largest tile."""
    return next((bt for bt in BATCH_TILES if bt >= batch), BATCH_TILES[-1])
