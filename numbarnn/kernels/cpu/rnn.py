"""Elman RNN layer kernels (one direction): ``h_t = act(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)``.

``act`` is tanh (``relu=False``) or relu (``relu=True``). ``xproj`` (T, B, H)
carries ``x W_ih^T + b_ih + b_hh``. Batch chunking and lengths work as in
:mod:`.lstm`; the backward reads the activations back from ``out``.
"""

import numpy as np
from numba import njit, prange

from ...config import JIT_OPTIONS
from ._chunks import chunk_bounds, copy_row, max_length, step_rows, step_time, zero_padding
from .packed import packed_matmul
from .activations import one_minus_square, relu_grad, relu as relu_fn, tanh


@njit(inline="always", **JIT_OPTIONS)
def _forward_row(z, xp, relu, h, out):
    H = h.shape[0]
    if relu:
        for j in range(H):
            hj = relu_fn(z[j] + xp[j])
            h[j] = hj
            out[j] = hj
    else:
        for j in range(H):
            hj = tanh(z[j] + xp[j])
            h[j] = hj
            out[j] = hj


@njit(**JIT_OPTIONS)
def _forward_chunk(b0, b1, xproj, w_hh_packed, h0, lengths, reverse, relu, record,
                   out, h_n, h_prev):
    H = h0.shape[1]
    zero_padding(out, lengths, b0, b1)
    if record:
        zero_padding(h_prev, lengths, b0, b1)
    h = h0[b0:b1].copy()
    z = np.empty((b1 - b0, H), dtype=h.dtype)
    for s in range(max_length(lengths, b0, b1)):
        packed_matmul(h, w_hh_packed, z, 0, b1 - b0)
        for r in range(b1 - b0):
            b = b0 + r
            if s >= lengths[b]:
                continue
            t = step_time(s, lengths[b], reverse)
            if record:
                copy_row(h_prev[t, b], h[r])
            _forward_row(z[r], xproj[t, b], relu, h[r], out[t, b])
    h_n[b0:b1] = h


@njit(parallel=True, **JIT_OPTIONS)
def rnn_forward(xproj, w_hh_packed, h0, lengths, reverse, relu, record, n_chunks,
                out, h_n, h_prev):
    """Run one Elman RNN direction over a padded batch.

    Parameters
    ----------
    xproj : (T, B, H) ``x W_ih^T + b_ih + b_hh``.
    w_hh_packed : ``weight_hh.T`` (H, H) packed by :func:`.packed.pack_panels`.
    h0 : (B, H) initial state.
    lengths, reverse, record, n_chunks : as in :func:`.lstm.lstm_forward`.
    relu : bool, relu instead of tanh.
    out : (T, B, H), padding zeroed here; h_n : (B, H); h_prev : (T, B, H) tape.
    """
    B = h0.shape[0]
    for k in prange(n_chunks):
        b0, b1 = chunk_bounds(k, n_chunks, B)
        _forward_chunk(b0, b1, xproj, w_hh_packed, h0, lengths, reverse, relu, record,
                       out, h_n, h_prev)


@njit(inline="always", **JIT_OPTIONS)
def _backward_row(dh, grad_out, y, relu, dz):
    H = dh.shape[0]
    if relu:
        for j in range(H):
            dz[j] = (dh[j] + grad_out[j]) * relu_grad(y[j])
    else:
        for j in range(H):
            dz[j] = (dh[j] + grad_out[j]) * one_minus_square(y[j])


@njit(**JIT_OPTIONS)
def _backward_chunk(b0, b1, grad_out, grad_h_n, w_hh_packed, lengths, reverse, relu,
                    out, dz, grad_h0):
    H = grad_h_n.shape[1]
    zero_padding(dz, lengths, b0, b1)
    dh = grad_h_n[b0:b1].copy()
    dzc = np.zeros((b1 - b0, H), dtype=dh.dtype)
    dh_rec = np.empty((b1 - b0, H), dtype=dh.dtype)
    for s in range(max_length(lengths, b0, b1) - 1, -1, -1):
        for r in range(b1 - b0):
            b = b0 + r
            if s >= lengths[b]:
                continue
            t = step_time(s, lengths[b], reverse)
            _backward_row(dh[r], grad_out[t, b], out[t, b], relu, dz[t, b])
        packed_matmul(step_rows(dz, H, dzc, lengths, b0, b1, s, reverse), w_hh_packed, dh_rec, 0, b1 - b0)
        for r in range(b1 - b0):
            if s < lengths[b0 + r]:
                copy_row(dh[r], dh_rec[r])
    grad_h0[b0:b1] = dh


@njit(parallel=True, **JIT_OPTIONS)
def rnn_backward(grad_out, grad_h_n, w_hh_packed, lengths, reverse, relu, n_chunks,
                 out, dz, grad_h0):
    """Backpropagate through one Elman RNN direction (BPTT).

    Parameters
    ----------
    grad_out : (T, B, H); grad_h_n : (B, H); w_hh_packed : ``weight_hh`` packed by
        :func:`.packed.pack_panels`.
    out : (T, B, H) the forward's output (the activations).
    dz : (T, B, >= H) output (columns past H are left alone), padding zeroed here:
        gradient with respect to the pre-activation.
    grad_h0 : (B, H) output.
    """
    B = grad_h_n.shape[0]
    for k in prange(n_chunks):
        b0, b1 = chunk_bounds(k, n_chunks, B)
        _backward_chunk(b0, b1, grad_out, grad_h_n, w_hh_packed, lengths, reverse, relu,
                        out, dz, grad_h0)
