"""LSTM layer kernels (one direction), PyTorch's gate order i, f, g, o.

.. math::

    i_t = \\sigma(W_{ii} x_t + b_{ii} + W_{hi} h_{t-1} + b_{hi}) \\\\
    f_t = \\sigma(W_{if} x_t + b_{if} + W_{hf} h_{t-1} + b_{hf}) \\\\
    g_t = \\tanh(W_{ig} x_t + b_{ig} + W_{hg} h_{t-1} + b_{hg}) \\\\
    o_t = \\sigma(W_{io} x_t + b_{io} + W_{ho} h_{t-1} + b_{ho}) \\\\
    c_t = f_t c_{t-1} + i_t g_t \\qquad h_t = o_t \\tanh(c_t)

Each forward step computes both projections with one product
``[x_t, h_{t-1}] @ [W_ih, W_hh]^T`` against weights packed once per call
(:mod:`.packed`); the weight gradients are GEMMs over the ``dz`` (T, B, 4H)
this backward writes. Rows of the batch are cut into
``n_chunks`` independent pieces, each run serially through time, so there is
no barrier inside the time loop. Row ``b`` runs ``lengths[b]`` steps: forwards
over ``t = 0 .. L-1`` or, with ``reverse``, over ``t = L-1 .. 0``; its state
and gradients are untouched past its length.
"""

import numpy as np
from numba import njit, prange

from ...config import JIT_OPTIONS
from ._chunks import chunk_bounds, copy_row, max_length, step_rows, step_time, zero_padding
from .packed import packed_matmul
from .activations import one_minus, one_minus_square, sigmoid, tanh


@njit(inline="always", **JIT_OPTIONS)
def _forward_row(z, xp, c, h, out, gates, tanh_c):
    # One sequence, one step, inlined into the time loop. Each gate is its own slice, indexed by
    # j alone: offsets such as z[H + j] keep LLVM from vectorising (measured 3x slower). Two
    # loops, the four gates and then the cell, give short dependency chains (measured 2x faster
    # than one loop, whose iteration waits on five tanh in a row).
    H = c.shape[0]
    zi, zf, zg, zo = z[:H], z[H:2 * H], z[2 * H:3 * H], z[3 * H:4 * H]
    bi, bf, bg, bo = xp[:H], xp[H:2 * H], xp[2 * H:3 * H], xp[3 * H:4 * H]
    gi, gf, gg, go = gates[:H], gates[H:2 * H], gates[2 * H:3 * H], gates[3 * H:4 * H]
    for j in range(H):
        gi[j] = sigmoid(zi[j] + bi[j])
        gf[j] = sigmoid(zf[j] + bf[j])
        gg[j] = tanh(zg[j] + bg[j])
        go[j] = sigmoid(zo[j] + bo[j])
    for j in range(H):
        cj = gf[j] * c[j] + gi[j] * gg[j]
        tc = tanh(cj)
        hj = go[j] * tc
        tanh_c[j] = tc
        c[j] = cj
        h[j] = hj
        out[j] = hj


@njit(**JIT_OPTIONS)
def _forward_chunk(b0, b1, x, w_packed, bias, h0, c0, lengths, reverse, record,
                   out, h_n, c_n, gates, c_prev, tanh_c, xh_tape):
    H = h0.shape[1]
    D = x.shape[2]
    zero_padding(out, lengths, b0, b1)
    if record:
        zero_padding(xh_tape, lengths, b0, b1)
    # Row r of xh is [x_t, h_{t-1}] of sequence b0 + r: one product per step gives
    # both projections. Rows that have ended keep their last (finite) values.
    xh = np.zeros((b1 - b0, D + H), dtype=h0.dtype)
    xh[:, D:] = h0[b0:b1]
    c = c0[b0:b1].copy()
    z = np.empty((b1 - b0, 4 * H), dtype=h0.dtype)
    gates_scratch = np.empty(4 * H, dtype=h0.dtype)
    tanh_scratch = np.empty(H, dtype=h0.dtype)
    for s in range(max_length(lengths, b0, b1)):
        for r in range(b1 - b0):
            b = b0 + r
            if s < lengths[b]:
                copy_row(xh[r, :D], x[step_time(s, lengths[b], reverse), b])
        packed_matmul(xh, w_packed, z, 0, b1 - b0)
        for r in range(b1 - b0):
            b = b0 + r
            if s >= lengths[b]:
                continue
            t = step_time(s, lengths[b], reverse)
            h = xh[r, D:]
            g_row, tc_row = gates_scratch, tanh_scratch
            if record:
                copy_row(xh_tape[t, b], xh[r])
                copy_row(c_prev[t, b], c[r])
                g_row, tc_row = gates[t, b], tanh_c[t, b]
            _forward_row(z[r], bias, c[r], h, out[t, b], g_row, tc_row)
    h_n[b0:b1] = xh[:, D:]
    c_n[b0:b1] = c


@njit(parallel=True, **JIT_OPTIONS)
def lstm_forward(x, w_packed, bias, h0, c0, lengths, reverse, record, n_chunks,
                 out, h_n, c_n, gates, c_prev, tanh_c, xh_tape):
    """Run one LSTM direction over a padded batch.

    Parameters
    ----------
    x : (T, B, D) input; padding (steps past a sequence's length) is never read.
    w_packed : ``[weight_ih, weight_hh].T`` (D+H, 4H) packed by :func:`.packed.pack_panels`:
        each step's one product ``[x_t, h_{t-1}] @ w`` gives both projections,
        so no (T, B, 4H) input projection goes through memory.
    bias : (4H,) ``bias_ih + bias_hh`` (zeros without bias).
    h0, c0 : (B, H) initial state.
    lengths : (B,) int64 steps per sequence, each in ``[0, T]``.
    reverse : bool, run each sequence from its last valid step back to 0.
    record : bool, write the tape (``gates``, ``c_prev``, ``tanh_c``, ``xh_tape``).
    n_chunks : int, number of independent batch pieces (``1 <= n_chunks <= B``).
    out : (T, B, H) hidden states, padding zeroed here.
    h_n, c_n : (B, H) final state (the state after each sequence's last valid step).
    gates : (T, B, 4H) activated i, f, g, o; ``c_prev``, ``tanh_c``: (T, B, H);
        ``xh_tape`` : (T, B, D+H or wider) the rows ``[x_t, h_{t-1}]`` each step multiplied, so
        the backward forms both weight gradients with one product; columns past ``D+H`` are left
        as they are except at padded steps. Written only when ``record`` (``xh_tape`` padding
        zeroed: every column).
    """
    B = h0.shape[0]
    for k in prange(n_chunks):
        b0, b1 = chunk_bounds(k, n_chunks, B)
        _forward_chunk(b0, b1, x, w_packed, bias, h0, c0, lengths, reverse, record,
                       out, h_n, c_n, gates, c_prev, tanh_c, xh_tape)


@njit(inline="always", **JIT_OPTIONS)
def _backward_row(dh, dc, grad_out, gates, c_prev, tanh_c, dz):
    # Turns dh (in: from the step after) and dc into the gate gradients dz; dc becomes dc_prev.
    H = dh.shape[0]
    gi, gf, gg, go = gates[:H], gates[H:2 * H], gates[2 * H:3 * H], gates[3 * H:4 * H]
    di, df, dg, do = dz[:H], dz[H:2 * H], dz[2 * H:3 * H], dz[3 * H:4 * H]
    for j in range(H):
        ig = gi[j]
        fg = gf[j]
        cand = gg[j]
        og = go[j]
        tc = tanh_c[j]
        dhj = dh[j] + grad_out[j]
        dcj = dc[j] + dhj * og * one_minus_square(tc)
        dc[j] = dcj * fg
        di[j] = dcj * cand * ig * one_minus(ig)
        df[j] = dcj * c_prev[j] * fg * one_minus(fg)
        dg[j] = dcj * ig * one_minus_square(cand)
        do[j] = dhj * tc * og * one_minus(og)


@njit(**JIT_OPTIONS)
def _backward_chunk(b0, b1, grad_out, grad_h_n, grad_c_n, w_hh_packed, lengths, reverse,
                    gates, c_prev, tanh_c, dz, grad_h0, grad_c0):
    H = grad_h_n.shape[1]
    zero_padding(dz, lengths, b0, b1)
    dh = grad_h_n[b0:b1].copy()
    dc = grad_c_n[b0:b1].copy()
    dzc = np.zeros((b1 - b0, 4 * H), dtype=dh.dtype)
    dh_rec = np.empty((b1 - b0, H), dtype=dh.dtype)
    for s in range(max_length(lengths, b0, b1) - 1, -1, -1):
        for r in range(b1 - b0):
            b = b0 + r
            if s >= lengths[b]:
                continue
            t = step_time(s, lengths[b], reverse)
            _backward_row(dh[r], dc[r], grad_out[t, b], gates[t, b], c_prev[t, b], tanh_c[t, b], dz[t, b])
        packed_matmul(step_rows(dz, 4 * H, dzc, lengths, b0, b1, s, reverse), w_hh_packed, dh_rec, 0, b1 - b0)
        for r in range(b1 - b0):
            if s < lengths[b0 + r]:
                copy_row(dh[r], dh_rec[r])
    grad_h0[b0:b1] = dh
    grad_c0[b0:b1] = dc


@njit(parallel=True, **JIT_OPTIONS)
def lstm_backward(grad_out, grad_h_n, grad_c_n, w_hh_packed, lengths, reverse, n_chunks,
                  gates, c_prev, tanh_c, dz, grad_h0, grad_c0):
    """Backpropagate through one LSTM direction (BPTT).

    Parameters
    ----------
    grad_out : (T, B, H) gradient of the loss with respect to ``out``.
    grad_h_n, grad_c_n : (B, H) gradient with respect to the final state.
    w_hh_packed : ``weight_hh`` (4H, H) packed by :func:`.packed.pack_panels`.
    lengths, reverse, n_chunks : as in :func:`lstm_forward`.
    gates, c_prev, tanh_c : the tape written by :func:`lstm_forward`.
    dz : (T, B, >= 4H) output (columns past 4H are left alone; a wider row gives
        a GEMM-friendly stride), padding zeroed here: gradient with respect
        to the gate pre-activations (input and hidden side alike).
    grad_h0, grad_c0 : (B, H) output, gradient with respect to the initial state.
    """
    B = grad_h_n.shape[0]
    for k in prange(n_chunks):
        b0, b1 = chunk_bounds(k, n_chunks, B)
        _backward_chunk(b0, b1, grad_out, grad_h_n, grad_c_n, w_hh_packed, lengths, reverse,
                        gates, c_prev, tanh_c, dz, grad_h0, grad_c0)
